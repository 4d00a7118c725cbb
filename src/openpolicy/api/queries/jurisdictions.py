"""The ``jurisdiction`` filter of every listing: the value a client gives resolved to one jurisdiction's id by the
platform's one naming rule (:func:`openpolicy.db.jurisdictions.resolve`: the OCD id, an ISO 3166 code only one
jurisdiction has, or the exact name, any case), or a 400 problem naming ``jurisdiction`` and listing the choices
(an unknown or ambiguous value never widens nor silently empties a result).

The jurisdictions table is small (id, ISO code, name): each process keeps a copy (:class:`KnownJurisdictions`),
re-read when it is older than :data:`REFRESH_SECONDS`, and re-read once more (at most once a second) before a value is
refused, so a jurisdiction imported a moment ago is found.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

from fastapi import Request

from openpolicy.api.deps import Database
from openpolicy.api.errors import BadParameter
from openpolicy.db.jurisdictions import JurisdictionNotFound, Known, resolve

REFRESH_SECONDS: Final = 30.0
RETRY_SECONDS: Final = 1.0
_READ = "SELECT id, iso_code, name FROM jurisdictions"


class KnownJurisdictions:
    """A process's copy of the jurisdictions table, for resolving names (see the module docstring)."""

    def __init__(self, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.refresh_seconds = refresh_seconds
        self.known: tuple[Known, ...] = ()
        self.read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _read(self, database: Database) -> None:
        async with database.connection() as conn:
            rows = await conn.fetch(_READ)
        self.known = tuple(Known(id=row["id"], iso_code=row["iso_code"], name=row["name"]) for row in rows)
        self.read_at = time.monotonic()

    async def _refresh(self, database: Database, older_than: float) -> None:
        if time.monotonic() - self.read_at < older_than:
            return
        async with self._lock:  # one reader at a time; the others then find the copy fresh
            if time.monotonic() - self.read_at >= older_than:
                await self._read(database)

    async def resolve(self, database: Database, value: str) -> str:
        """The id of the jurisdiction ``value`` names; :class:`BadParameter` (400) otherwise."""
        await self._refresh(database, self.refresh_seconds)
        try:
            return resolve(value, self.known).id
        except JurisdictionNotFound:
            pass
        await self._refresh(database, RETRY_SECONDS)  # imported a moment ago? (at most one re-read a second)
        try:
            return resolve(value, self.known).id
        except JurisdictionNotFound as exc:
            listed = "; ".join(exc.choices) if exc.choices else "none imported yet"
            detail = f"{exc.problem} {exc.value!r}; choose one of: {listed}"
            raise BadParameter("jurisdiction", detail, allowed=exc.choices) from None


async def jurisdiction_id(request: Request, value: str) -> str:
    """The id of the jurisdiction ``value`` names, by the app's :class:`KnownJurisdictions`."""
    state = request.app.state
    known: KnownJurisdictions | None = getattr(state, "known_jurisdictions", None)
    if known is None:
        known = state.known_jurisdictions = KnownJurisdictions()
    database: Database = state.database
    return await known.resolve(database, value)
