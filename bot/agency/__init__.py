"""The agency registry: agencies, workers, verifications, badges. Domain code: no Flask."""
