"""Batched loaders about people: the current party of many people in one query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from openpolicy.api import documents as docs


async def current_parties(db: AsyncSession | AsyncConnection, person_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{person id: PartyRef fields}`` of the people who have a current party, by the one definition of a
    current seat (:func:`openpolicy.api.documents.seat_joins`) the people endpoints use too."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    connection = await db.connection() if isinstance(db, AsyncSession) else db
    rows = await docs.fetch_rows(connection, docs.CURRENT_PARTIES, ids)
    return {person_id: orjson.loads(party) for person_id, party in rows if party is not None}
