"""Storage: engines and sessions, migrations, leases, shared counters, after-commit work."""
