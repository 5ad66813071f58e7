"""The HTTP edge every surface shares: routing, hardening, body limits, logs, health."""
