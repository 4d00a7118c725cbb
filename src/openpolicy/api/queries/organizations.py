"""Organization list and detail shared by /v1/organizations and /v1/committees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, load_only

from openpolicy.api.pagination import PageRequest, SortKey, Sorts, fetch_page
from openpolicy.api.queries.common import (
    is_current,
    name_contains,
    organization_ids,
    ref_columns,
)
from openpolicy.api.queries.people import current_parties
from openpolicy.db.models import Area, Membership, Organization, Person
from openpolicy.documents.schemas import (
    AreaRef,
    Identifier,
    Link,
    OrganizationDetail,
    OrganizationMember,
    OrganizationPage,
    OrganizationRef,
    OrganizationSummary,
    OtherName,
    Pagination,
    PartyRef,
    PersonRef,
)


def summary(org: Organization, parent: Organization | None) -> OrganizationSummary:
    return OrganizationSummary.model_validate(
        {**_columns(org), "parent": OrganizationRef.model_validate(parent) if parent else None}
    )


SUMMARY_COLUMNS = (
    "id",
    "name",
    "classification",
    "chamber",
    "abbreviation",
    "jurisdiction_id",
    "founding_date",
    "dissolution_date",
    "color",
    "image",
    "updated_at",
)


SORTS = Sorts(
    {
        "name": SortKey(Organization.name, "str"),
        "updated_at": SortKey(Organization.updated_at, "datetime"),
    },
    default="name",
    tiebreak=Organization.id,
)

_PARENT = aliased(Organization)
_SUMMARY = [getattr(Organization, c) for c in SUMMARY_COLUMNS]


def list_statement(
    *, jurisdiction: str | None, parent: str | None, q: str | None, updated_since: datetime | None
) -> Select[Organization, Organization]:
    """Organizations with their parent, narrowed by the filters both list endpoints share."""
    stmt = (
        select(Organization, _PARENT)
        .outerjoin(_PARENT, _PARENT.id == Organization.parent_id)
        .options(load_only(*_SUMMARY, raiseload=True), ref_columns(_PARENT))
    )
    if jurisdiction:
        stmt = stmt.where(Organization.jurisdiction_id == jurisdiction)
    if parent:
        stmt = stmt.where(Organization.parent_id.in_(organization_ids(parent)))
    if q:
        stmt = stmt.where(name_contains(Organization.name, q))
    if updated_since:
        stmt = stmt.where(Organization.updated_at >= updated_since)
    return stmt


async def summary_page(
    session: AsyncSession, stmt: Select[Organization, Organization], page: PageRequest
) -> OrganizationPage:
    """One keyset page of ``list_statement`` rows as summaries."""
    rows, next_url = await fetch_page(session, stmt, page)
    return OrganizationPage(
        results=[summary(org, par) for org, par in rows],
        pagination=Pagination(limit=page.limit, next=next_url),
    )


def _columns(org: Organization) -> dict[str, Any]:
    names = SUMMARY_COLUMNS
    return {name: getattr(org, name) for name in names}


def _role_rank(role: Any) -> Any:
    low = role.lower() if hasattr(role, "lower") else role
    return case(
        (low.like("%vice%"), 1),
        (low.like("%chair%"), 0),
        (low.like("%president%"), 0),
        else_=2,
    )


async def current_members(session: AsyncSession, organization_id: str) -> list[OrganizationMember]:
    """Current memberships of the organization, chairs first then by name; party from the seat if not given."""
    from sqlalchemy import func

    party, area = aliased(Organization), aliased(Area)
    stmt = (
        select(Membership, Person, party, area)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(party, party.id == Membership.on_behalf_of_id)
        .outerjoin(area, area.id == Membership.area_id)
        .where(Membership.organization_id == organization_id, is_current())
        .order_by(_role_rank(func.lower(func.coalesce(Membership.role, ""))), Person.sort_name, Membership.id)
    )
    rows = (await session.execute(stmt)).all()
    missing_party = [person.id for membership, person, p, _a in rows if p is None]
    parties = await current_parties(session, missing_party)
    members = []
    for membership, person, p, a in rows:
        party_org = p or parties.get(person.id)
        members.append(
            OrganizationMember(
                membership_id=membership.id,
                person=PersonRef.model_validate(person),
                role=membership.role,
                label=membership.label,
                party=PartyRef.model_validate(party_org) if party_org else None,
                area=AreaRef.model_validate(a) if a else None,
                start_date=membership.start_date,
                end_date=membership.end_date,
            )
        )
    return members


async def detail(session: AsyncSession, org: Organization) -> OrganizationDetail:
    parent = await session.get(Organization, org.parent_id) if org.parent_id else None
    children = (
        await session.scalars(select(Organization).where(Organization.parent_id == org.id).order_by(Organization.name))
    ).all()
    members = await current_members(session, org.id)
    return OrganizationDetail.model_validate(
        {
            **summary(org, parent).model_dump(),
            "created_at": org.created_at,
            "other_names": [
                OtherName.model_validate(n) for n in org.other_names if isinstance(n, dict) and "name" in n
            ],
            "identifiers": [Identifier.model_validate(i) for i in org.identifiers if _is_identifier(i)],
            "links": [Link.model_validate(link) for link in org.links if isinstance(link, dict) and "url" in link],
            "children": [OrganizationRef.model_validate(c) for c in children],
            "current_members": members,
        }
    )


def _is_identifier(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("scheme"), str) and isinstance(item.get("identifier"), str)
