"""Metrics, logging, tracing, health checks and audit shared by every deployable."""
