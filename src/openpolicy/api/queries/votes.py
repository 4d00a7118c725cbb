"""Vote summaries (with their published counts, loaded in one batched query)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, load_only

from openpolicy.api.pagination import AnySelect
from openpolicy.api.queries.common import load_refs, ref_columns
from openpolicy.api.schemas import BillRef, OrganizationRef, SessionRef, VoteCountOut, VoteSummary
from openpolicy.db.models import BALLOT_OPTIONS, Bill, Organization, Session, VoteCount, VoteEvent

_OPTION_ORDER = {option: i for i, option in enumerate(BALLOT_OPTIONS)}


def option_order(option: str) -> tuple[int, str]:
    """yes, no, abstain, paired, absent, not voting, excused, other — then anything else by name."""
    return (_OPTION_ORDER.get(option, len(_OPTION_ORDER)), option)


_CHAMBER = aliased(Organization)


def vote_select() -> AnySelect:
    """Vote events with chamber, session and bill reference: rows ``(VoteEvent, chamber, Session, bill_id,
    bill_identifier, bill_title)``."""
    chamber = _CHAMBER
    return (
        select(VoteEvent, chamber, Session, Bill.id, Bill.identifier, Bill.title)
        .outerjoin(chamber, chamber.id == VoteEvent.organization_id)
        .outerjoin(Session, Session.id == VoteEvent.session_id)
        .outerjoin(Bill, Bill.id == VoteEvent.bill_id)
        .options(
            ref_columns(chamber),
            ref_columns(Session, ("id", "identifier", "name")),
            load_only(*(getattr(VoteEvent, name) for name in VOTE_COLUMNS), raiseload=True),
        )
    )


VOTE_COLUMNS = (
    "id",
    "identifier",
    "motion_text",
    "motion_text_fr",
    "motion_classification",
    "start_date",
    "result",
    "jurisdiction_id",
    "organization_id",
    "created_at",
    "updated_at",
)


async def published_counts(db: AsyncSession, vote_ids: Sequence[str]) -> dict[str, list[VoteCountOut]]:
    counts: dict[str, list[VoteCountOut]] = defaultdict(list)
    if not vote_ids:
        return counts
    rows = await db.execute(
        select(VoteCount.vote_event_id, VoteCount.option, VoteCount.value).where(
            VoteCount.vote_event_id.in_(list(vote_ids))
        )
    )
    for vote_id, option, value in rows.all():
        counts[vote_id].append(VoteCountOut(option=option, value=value))
    for items in counts.values():
        items.sort(key=lambda c: option_order(c.option))
    return counts


def summary_fields(row: Sequence[Any], counts: list[VoteCountOut]) -> dict[str, Any]:
    vote, chamber, session, bill_id, bill_identifier, bill_title = row[:6]
    return {
        "id": vote.id,
        "identifier": vote.identifier,
        "motion": vote.motion_text,
        "motion_fr": vote.motion_text_fr,
        "motion_classification": list(vote.motion_classification),
        "date": vote.start_date,
        "result": vote.result,
        "jurisdiction_id": vote.jurisdiction_id,
        "chamber": OrganizationRef.model_validate(chamber) if chamber else None,
        "session": SessionRef.model_validate(session) if session else None,
        "bill": BillRef(id=bill_id, identifier=bill_identifier, title=bill_title) if bill_id else None,
        "counts": counts,
        "updated_at": vote.updated_at,
    }


async def summaries_of_rows(db: AsyncSession, rows: Sequence[Sequence[Any]]) -> list[VoteSummary]:
    """Summaries of :func:`vote_select` rows (references already joined), with their counts."""
    counts = await published_counts(db, [row[0].id for row in rows])
    return [VoteSummary(**summary_fields(row, counts.get(row[0].id, []))) for row in rows]


def list_select() -> AnySelect:
    """Vote events alone (the paged query of a list); :func:`summaries` then loads what they refer to."""
    columns = (*VOTE_COLUMNS, "session_id", "bill_id")
    return select(VoteEvent).options(load_only(*(getattr(VoteEvent, name) for name in columns), raiseload=True))


async def summaries(db: AsyncSession, votes: Sequence[VoteEvent]) -> list[VoteSummary]:
    """Summaries of ``votes`` with their chamber, session, bill and counts: four batched queries in all."""
    ids = [v.id for v in votes]
    counts = await published_counts(db, ids)
    chambers = await load_refs(db, Organization, [v.organization_id for v in votes])
    sessions = await load_refs(db, Session, [v.session_id for v in votes], ("id", "identifier", "name"))
    bills = await load_refs(db, Bill, [v.bill_id for v in votes], ("id", "identifier", "title"))
    out = []
    for vote in votes:
        bill = bills.get(vote.bill_id or "")
        row = (
            vote,
            chambers.get(vote.organization_id or ""),
            sessions.get(vote.session_id or ""),
            bill.id if bill else None,
            bill.identifier if bill else None,
            bill.title if bill else None,
        )
        out.append(VoteSummary(**summary_fields(row, counts.get(vote.id, []))))
    return out
