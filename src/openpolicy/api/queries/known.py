"""Filters whose values are whatever the data holds (a bill's ``status``): a value the data does not hold is a 400
problem listing the values it does (a typo is told, not answered with an empty list).

Each app keeps the values of each such filter (:class:`KnownValues`, on ``app.state``), re-read when older than
``REFRESH_SECONDS`` and once more (at most once a second) before a value is refused.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

from fastapi import Request

from openpolicy.api.deps import Database
from openpolicy.api.errors import BadParameter

REFRESH_SECONDS: Final = 30.0
RETRY_SECONDS: Final = 1.0
MAX_LISTED: Final = 50


class KnownValues:
    """The values the data holds for ``parameter`` (``sql`` selects them, lower-cased, one a row)."""

    def __init__(self, parameter: str, sql: str) -> None:
        self.parameter = parameter
        self.sql = sql
        self.values: frozenset[str] = frozenset()
        self.read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _refresh(self, database: Database, older_than: float) -> None:
        if time.monotonic() - self.read_at < older_than:
            return
        async with self._lock:
            if time.monotonic() - self.read_at >= older_than:
                async with database.connection() as conn:
                    rows = [row[0] for row in await conn.fetch(self.sql)]
                self.values = frozenset(str(v) for v in rows)
                self.read_at = time.monotonic()

    async def check(self, database: Database, value: str) -> None:
        """Nothing when the data holds ``value`` (any case); :class:`BadParameter` (400) listing the values else."""
        wanted = value.lower()
        await self._refresh(database, REFRESH_SECONDS)
        if wanted in self.values:
            return
        await self._refresh(database, RETRY_SECONDS)
        if wanted in self.values:
            return
        allowed = sorted(self.values)[:MAX_LISTED]
        listed = ", ".join(allowed) if allowed else "none (no data yet)"
        raise BadParameter(self.parameter, f"no record has {value!r}; values in the data: {listed}", allowed=allowed)


BILL_STATUSES = "SELECT DISTINCT lower(status) FROM bills WHERE status IS NOT NULL"


async def check_known(request: Request, name: str, sql: str, value: str) -> None:
    """Check ``value`` of the filter ``name`` against the app's :class:`KnownValues` for it."""
    state = request.app.state
    known: dict[str, KnownValues] | None = getattr(state, "known_values", None)
    if known is None:
        known = state.known_values = {}
    if name not in known:
        known[name] = KnownValues(name, sql)
    await known[name].check(state.database, value)
