"""Batched loaders about people: the current party of many people in one query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from openpolicy.db.models import Membership, Organization
from openpolicy.documents.build import current_seat


async def current_parties(db: AsyncSession | AsyncConnection, person_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{person id: PartyRef fields}`` of the people who have a current party, by the one definition of a current
    seat (:func:`openpolicy.documents.build.current_seat`) the people's documents use too."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    rows = (
        (
            await db.execute(
                select(
                    Membership.id,
                    Membership.person_id,
                    Membership.organization_id,
                    Organization.classification.label("org_class"),
                    Membership.on_behalf_of_id,
                    Membership.area_id,
                    Membership.start_date,
                    Membership.end_date,
                    func.current_date().label("today"),
                )
                .join(Organization, Organization.id == Membership.organization_id)
                .where(Membership.person_id.in_(ids))
            )
        )
        .mappings()
        .all()
    )
    by_person: dict[str, list[Any]] = {}
    for row in rows:
        by_person.setdefault(row["person_id"], []).append(row)
    party_of = {pid: current_seat(ms, ms[0]["today"])[1] for pid, ms in by_person.items()}
    wanted = {party for party in party_of.values() if party is not None}
    if not wanted:
        return {}
    parties = (
        (
            await db.execute(
                select(Organization.id, Organization.name, Organization.abbreviation, Organization.color).where(
                    Organization.id.in_(wanted)
                )
            )
        )
        .mappings()
        .all()
    )
    refs = {p["id"]: dict(p) for p in parties}
    return {pid: refs[party] for pid, party in party_of.items() if party in refs}
