"""/v1/changes: the change feed — every insert/update/delete made by imports, in commit order.

A client keeps an exact mirror without re-crawling: start with ``after=0``, apply each change (``data`` is the
entity's full new image — people with ``identifiers``, votes with ``counts`` and ``ballots``, the latter
columnar: ``{ordinal: [...], person_id: [...], voter_name: [...], option: [...]}`` — or null on delete), then
continue from ``cursor``. ``pagination.next`` is null once the client has caught up; polling later with the
same ``cursor`` returns what changed since. Imports write the log in one transaction each and
one at a time (advisory lock), so cursors only ever move forward over committed changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from openpolicy.api.deps import get_session
from openpolicy.api.errors import BadParameter
from openpolicy.db.models import ENTITY_TYPES

router = APIRouter(prefix="/changes", tags=["changes"])
MAX_LIMIT = 1000


class Change(BaseModel):
    id: int = Field(description="Position in the feed (strictly increasing).")
    changed_at: dt.datetime
    entity_type: str
    entity_id: str
    operation: str = Field(description="insert | update | delete")
    import_run_id: int | None
    data: dict[str, Any] | None = Field(description="The entity's new image; null on delete.")


class ChangesPagination(BaseModel):
    limit: int
    next: str | None = Field(description="URL of the next page; null when caught up (poll again with cursor).")


class ChangesPage(BaseModel):
    results: list[Change]
    cursor: str = Field(description="Pass as `after` to continue after this page.")
    pagination: ChangesPagination


MAX_CURSOR = 2**63 - 1  # change_log.id is a bigint


def _after(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 19 or int(value) > MAX_CURSOR:
        raise BadParameter("after", "must be a cursor returned by this feed (a non-negative integer), e.g. 0")
    return int(value)


def _types(value: str | None) -> list[str] | None:
    if value is None or not value.strip():
        return None
    wanted = [t.strip() for t in value.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in ENTITY_TYPES]
    if unknown:
        known = list(ENTITY_TYPES)
        raise BadParameter("types", f"unknown type(s) {', '.join(unknown)}; known: {', '.join(known)}", allowed=known)
    return wanted


@router.get("", summary="Change feed (resumable cursor)")
async def list_changes(
    db: Annotated[AsyncSession, Depends(get_session)],
    after: Annotated[str, Query(description="Cursor: return changes after this one (0 = from the start).")] = "0",
    types: Annotated[
        str | None,
        Query(description=f"Comma-separated entity types ({', '.join(ENTITY_TYPES)}).", examples=["bill,vote"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Changes per page.")] = 100,
) -> ChangesPage:
    """Changes in order, after the cursor, optionally of some entity types only."""
    position = _after(after)
    wanted = _types(types)
    rows = (
        (
            await db.execute(
                text(
                    "SELECT id, changed_at, entity_type, entity_id, operation, import_run_id, data FROM change_log "
                    "WHERE id > :after "
                    "AND (CAST(:types AS text[]) IS NULL OR entity_type = ANY(CAST(:types AS text[]))) "
                    "ORDER BY id LIMIT :limit"
                ),
                {"after": position, "types": wanted, "limit": limit},
            )
        )
        .mappings()
        .all()
    )
    results = [Change.model_validate(dict(row)) for row in rows]
    cursor = str(results[-1].id) if results else str(position)
    next_url = None
    if len(results) == limit:
        query: dict[str, Any] = {"after": cursor, "limit": limit}
        if wanted:
            query["types"] = ",".join(wanted)
        next_url = f"/v1/changes?{urlencode(query)}"
    return ChangesPage(results=results, cursor=cursor, pagination=ChangesPagination(limit=limit, next=next_url))
