"""Batched loaders about people: the current seat (chamber, party, district) of many people in one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from openpolicy.api.queries.common import AREA_REF_COLUMNS, SEAT_CLASSIFICATIONS, is_current, ref_columns
from openpolicy.db.models import Area, Membership, Organization

_ORG, _PARTY, _AREA = aliased(Organization), aliased(Organization), aliased(Area)


@dataclass
class Seat:
    """What a person currently holds: chamber (or legislature), party, district. Any part may be missing."""

    chamber: Organization | None = None
    party: Organization | None = None
    district: Area | None = None


async def current_seats(session: AsyncSession, person_ids: Iterable[str]) -> dict[str, Seat]:
    """The current seat of each person, from their current memberships (one query for all of them).

    The seat is the most recently started current membership of a legislature or chamber; the party is the
    party that seat is held for, else a current membership of a party organization.
    """
    ids = list(dict.fromkeys(person_ids))
    seats: dict[str, Seat] = {pid: Seat() for pid in ids}
    if not ids:
        return seats
    org, party, area = _ORG, _PARTY, _AREA
    stmt = (
        select(Membership.person_id, org, party, area)
        .join(org, org.id == Membership.organization_id)
        .outerjoin(party, party.id == Membership.on_behalf_of_id)
        .outerjoin(area, area.id == Membership.area_id)
        .where(
            Membership.person_id.in_(ids),
            is_current(),
            or_(org.classification.in_(SEAT_CLASSIFICATIONS), org.classification == "party"),
        )
        .order_by(Membership.person_id, Membership.start_date.desc().nulls_last(), Membership.id)
        .options(ref_columns(org), ref_columns(party), ref_columns(area, AREA_REF_COLUMNS))
    )
    party_memberships: dict[str, Organization] = {}
    for person_id, organization, on_behalf_of, district in (await session.execute(stmt)).all():
        seat = seats[person_id]
        if organization.classification == "party":
            party_memberships.setdefault(person_id, organization)
            continue
        # Prefer a chamber over the whole legislature when both are current.
        better = seat.chamber is None or (
            seat.chamber.classification != "chamber" and organization.classification == "chamber"
        )
        if better:
            seat.chamber = organization
            seat.party = on_behalf_of or seat.party
            seat.district = district or seat.district
        else:
            seat.party = seat.party or on_behalf_of
            seat.district = seat.district or district
    for person_id, organization in party_memberships.items():
        if seats[person_id].party is None:
            seats[person_id].party = organization
    return seats
