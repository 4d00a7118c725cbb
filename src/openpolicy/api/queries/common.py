"""SQL building blocks shared by the routers: filter resolution, "current" memberships, LIKE patterns.

The ``jurisdiction`` filter arrives resolved to an id (:mod:`openpolicy.api.queries.jurisdictions`, by
:class:`openpolicy.api.pagination.ListQuery`): conditions compare the column with it. Filters that name another
resource (chamber, party, area, session) accept that resource's id or its human name, so ``party=Liberal`` and
``party=ocd-organization/…`` both work. Each is resolved by a small sub-select (``IN (SELECT id ...)``)
inside the main statement: one round trip, no lookups in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from openpolicy.db.models import CHAMBERS, Area, Membership, Organization, Session
from openpolicy.documents.build import COMMITTEE_CLASSIFICATIONS as COMMITTEE_CLASSIFICATIONS
from openpolicy.documents.build import SEAT_CLASSIFICATIONS as SEAT_CLASSIFICATIONS


def like_pattern(value: str) -> str:
    """A case-insensitive substring pattern for ILIKE with ``\\`` as escape character."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def name_contains(column: Any, value: str) -> ColumnElement[bool]:
    """``column`` (any text column: a name, a title, a motion) contains ``value``, case-insensitively."""
    return column.ilike(like_pattern(value), escape="\\")  # type: ignore[no-any-return]


def within(column: Any, low: Any | None, high: Any | None) -> list[ColumnElement[bool]]:
    """The conditions ``low <= column <= high`` for the bounds given (none when both are absent)."""
    conditions = []
    if low:
        conditions.append(column >= low)
    if high:
        conditions.append(column <= high)
    return conditions


def in_scope(jurisdiction: Any, session: Any, chamber: Any, filters: Any) -> list[ColumnElement[bool]]:
    """The ``jurisdiction``, ``session`` and ``chamber`` filters of a bill or vote listing (``filters`` has the three),
    as conditions on the listing's own columns (``chamber``: the chamber the bill came from or the vote was held in)."""
    conditions = []
    if filters.jurisdiction:
        conditions.append(jurisdiction == filters.jurisdiction)
    if filters.session:
        conditions.append(session.in_(session_ids(filters.session)))
    if filters.chamber:
        conditions.append(chamber.in_(chamber_ids(filters.chamber)))
    return conditions


def matching(text: Any, updated_at: Any, filters: Any) -> list[ColumnElement[bool]]:
    """The ``q`` (a case-insensitive substring of ``text``) and ``updated_since`` filters every listing of people,
    bills and votes has (``filters`` has the two), as conditions on the listing's own columns."""
    conditions = []
    if filters.q:
        conditions.append(name_contains(text, filters.q))
    if filters.updated_since:
        conditions.append(updated_at >= filters.updated_since)
    return conditions


def chamber_ids(value: str) -> Select[str]:
    """``upper`` / ``lower`` / ``unicameral``, or a chamber/legislature id or name."""
    if value.lower() in CHAMBERS:
        return select(Organization.id).where(Organization.chamber == value.lower())
    return select(Organization.id).where(
        Organization.classification.in_(SEAT_CLASSIFICATIONS),
        or_(Organization.id == value, func.lower(Organization.name) == value.lower()),
    )


def organization_ids(value: str) -> Select[str]:
    """Any organization by id or exact (case-insensitive) name."""
    return select(Organization.id).where(or_(Organization.id == value, func.lower(Organization.name) == value.lower()))


def party_ids(value: str) -> Select[str]:
    """A party by id, name or abbreviation (case-insensitive)."""
    low = value.lower()
    return select(Organization.id).where(
        Organization.classification == "party",
        or_(
            Organization.id == value,
            func.lower(Organization.name) == low,
            func.lower(Organization.abbreviation) == low,
        ),
    )


def area_ids(value: str) -> Select[str]:
    """An area by id, identifier or name (case-insensitive)."""
    return select(Area.id).where(
        or_(Area.id == value, Area.identifier == value, func.lower(Area.name) == value.lower())
    )


def session_ids(value: str) -> Select[str]:
    """A session by id or identifier (``44-1``)."""
    return select(Session.id).where(or_(Session.id == value, Session.identifier == value))


def is_current(membership: Any = Membership) -> ColumnElement[bool]:
    """The membership has started (or has no start) and has not ended (no end date, or today or later).

    The document statements write the same rule in SQL text: :func:`openpolicy.api.documents.is_current`."""
    today = func.current_date()
    return and_(
        or_(membership.start_date.is_(None), membership.start_date <= today),
        or_(membership.end_date.is_(None), membership.end_date >= today),
    )


def seat_organizations() -> Select[str]:
    return select(Organization.id).where(Organization.classification.in_(SEAT_CLASSIFICATIONS))


# --- lean loading ------------------------------------------------------------------------------------------------
# Aliases are built once (building one copies every column) and references load only the columns a *Ref needs,
# not the JSONB members (other_names, identifiers, links, sources, extras) nobody will read.

ORG_REF_COLUMNS = ("id", "name", "classification", "chamber", "abbreviation", "color")


def ref_columns(entity: Any, names: tuple[str, ...] = ORG_REF_COLUMNS) -> Any:
    """A ``load_only`` option loading just ``names`` of ``entity`` (a mapped class or an alias)."""
    from sqlalchemy.orm import load_only

    return load_only(*(getattr(entity, name) for name in names), raiseload=True)


MAX_ID_LENGTH = 300  # the String(300) of every public id column


def check_id(kind: str, value: str) -> str:
    """A path id that cannot exist (NUL character, longer than any id) is a 404 without a query."""
    from openpolicy.api.errors import NotFound

    if not value or "\x00" in value or len(value) > MAX_ID_LENGTH:
        raise NotFound(kind, value[:MAX_ID_LENGTH])
    return value
