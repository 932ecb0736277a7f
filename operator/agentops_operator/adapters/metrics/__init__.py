"""Metric providers: an in-process one (tests, demo); Prometheus comes with the SDK issue."""
