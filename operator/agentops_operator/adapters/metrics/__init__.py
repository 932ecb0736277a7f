"""Metric providers: Prometheus (PromQL per check and signal, by revision), and an in-process one for tests."""
