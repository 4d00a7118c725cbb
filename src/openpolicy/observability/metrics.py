"""Metric objects of the platform (names in :mod:`openpolicy.observability.names`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# Async hooks run by the api's /metrics endpoint before it renders (each under a timeout, failures logged
# and never breaking /metrics). They refresh gauges that come from the database, such as import freshness.
# A hook receives the app's SQLAlchemy async_sessionmaker.
ScrapeHook = Callable[[Any], Awaitable[None]]
SCRAPE_HOOKS: list[ScrapeHook] = []
