"""/v1/stats: headline numbers of the platform (what the web home page shows)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from openpolicy.api.deps import get_session
from openpolicy.documents.schemas import Stats

router = APIRouter(prefix="/stats", tags=["stats"])

# One round trip. Ballots are counted from the per-vote published counts' table sizes would be an estimate;
# an exact count over the ballot table stays fast (index-only scan) and the response is cached.
STATS_SQL = text(
    """
    SELECT
      (SELECT count(*) FROM jurisdictions) AS jurisdictions,
      (SELECT count(*) FROM people) AS people,
      (SELECT count(DISTINCT m.person_id) FROM memberships m JOIN organizations o ON o.id = m.organization_id
         WHERE o.classification IN ('legislature', 'chamber')
           AND (m.end_date IS NULL OR m.end_date >= current_date)) AS current_legislators,
      (SELECT count(*) FROM organizations WHERE classification = 'party') AS parties,
      (SELECT count(*) FROM organizations WHERE classification IN ('committee', 'subcommittee')) AS committees,
      (SELECT count(*) FROM areas) AS areas,
      (SELECT count(*) FROM bills) AS bills,
      (SELECT count(*) FROM vote_events) AS votes,
      (SELECT count(*) FROM ballots) AS ballots,
      (SELECT max(updated_at) FROM bills) AS bills_updated_at,
      (SELECT max(updated_at) FROM vote_events) AS votes_updated_at
    """
)


@router.get("", summary="Headline numbers")
async def get_stats(db: Annotated[AsyncSession, Depends(get_session)]) -> Stats:
    """How many people, parties, districts, committees, bills, votes and ballots the platform holds."""
    row = (await db.execute(STATS_SQL)).mappings().one()
    stamps = [row["bills_updated_at"], row["votes_updated_at"]]
    present = [s for s in stamps if s is not None]
    return Stats(
        **{k: int(row[k]) for k in Stats.model_fields if k != "last_updated"},
        last_updated=max(present) if present else None,
    )
