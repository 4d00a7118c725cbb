"""The schema: one module, SQLAlchemy 2 declarative, aligned with Popolo and Open Civic Data.

Conventions every other area relies on:

* Public resources have a stable public **string id** as primary key, Open Civic Data style:
  ``ocd-jurisdiction/country:ca/legislature``, ``ocd-organization/<uuid>``, ``ocd-person/<uuid>``,
  ``ocd-division/country:ca/ed:35001``, ``ocd-post/<uuid>``, ``ocd-membership/<uuid>``,
  ``ocd-legislative-period/<uuid>``, ``ocd-session/<uuid>``, ``ocd-bill/<uuid>``, ``ocd-vote/<uuid>``.
  Child rows without a public identity (identifiers, sponsorships, actions, documents, counts) use an
  integer surrogate key.
* Every table has ``created_at`` / ``updated_at`` (timestamptz, server defaults); a trigger created by the
  migrations sets ``updated_at = now()`` on every UPDATE, so ``updated_since`` filters are trustworthy even
  for raw SQL writers. The one exception is :class:`Ballot` (1,000,000+ rows, kept lean): a ballot belongs to
  its vote event, whose ``updated_at`` covers it.
* Committees are organizations with classification ``committee`` / ``subcommittee``; committee memberships
  are :class:`Membership` rows with a ``role``. Chambers are organizations with classification ``chamber``
  and ``chamber`` = ``upper`` | ``lower`` | ``unicameral``; parties have classification ``party``.
* Full-text search: stored generated ``search_vector`` columns (GIN-indexed) on people (``simple`` config:
  names are not stemmed), bills (identifier ``simple`` weight A, title ``english`` weight B, ``title_fr``
  ``french`` weight B), vote events (``motion_text`` english, ``motion_text_fr`` french), areas (name A,
  identifier B) and organizations (name and abbreviation A, other names B). The configurations are
  ``openpolicy_simple|english|french`` (revision 0009): the built-in ones with the ``unaccent`` filter first, so
  search ignores accents. ``pg_trgm`` indexes back fuzzy name / title matching. The migrations create the
  ``pg_trgm`` and ``unaccent`` extensions.
* Dates: ``Date`` everywhere except ``Person.birth_date`` / ``death_date``, which are Popolo partial ISO
  dates as text (``1961``, ``1961-04``, ``1961-04-27``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSON, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# --- enumerations shared with the API, importers and checks -----------------------------------------

ORGANIZATION_CLASSIFICATIONS: Final = (
    "legislature",
    "chamber",
    "party",
    "committee",
    "subcommittee",
    "executive",
    "government",
    "commission",
    "caucus",
    "other",
)
CHAMBERS: Final = ("upper", "lower", "unicameral")
BALLOT_OPTIONS: Final = ("yes", "no", "abstain", "paired", "absent", "not voting", "excused", "other")
VOTE_RESULTS: Final = ("pass", "fail", "tie", "withdrawn", "other")
IMPORT_STATUSES: Final = ("running", "succeeded", "failed", "reverted")
CHANGE_OPERATIONS: Final = ("insert", "update", "delete")
BILL_DOCUMENT_KINDS: Final = ("version", "document")
ENTITY_TYPES: Final = (
    "jurisdiction",
    "organization",
    "person",
    "membership",
    "area",
    "post",
    "legislative_period",
    "session",
    "bill",
    "vote",
    "debate",
    "boundary_set",
    "boundary",
)

# The OCD id namespace used to derive deterministic ids (uuid5) from natural keys.
OCD_NAMESPACE: Final = uuid.UUID("6f0b6a9e-3b1c-5c47-9b1e-0e6f5d0c1a71")


def ocd_id(kind: str, *natural_key: object) -> str:
    """A deterministic public id ``ocd-<kind>/<uuid5>`` for a natural key (same key → same id)."""
    name = "\x1e".join([kind, *(str(part) for part in natural_key)])
    return f"ocd-{kind}/{uuid.uuid5(OCD_NAMESPACE, name)}"


_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")

# Same expression as the generated column ``bills.normalized_identifier`` (kept in step by a test).
NORMALIZED_IDENTIFIER_SQL: Final = "upper(regexp_replace(identifier, '[^A-Za-z0-9]+', '', 'g'))"


def normalize_bill_identifier(identifier: str) -> str:
    """``C-21`` → ``C21``, ``H.R. 1`` → ``HR1``: the lookup form stored in ``bills.normalized_identifier``."""
    return _NON_ALNUM.sub("", identifier).upper()


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"


PARTIAL_DATE_RE: Final = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"

# --- base -----------------------------------------------------------------------------------------

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


def _jsonb_list() -> Any:
    return mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))


def _jsonb_object() -> Any:
    return mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))


def _last_run() -> Any:
    """The import run that last inserted or changed the row (provenance; NULL: written by no import run)."""
    return mapped_column(BigInteger, ForeignKey("import_runs.id", ondelete="SET NULL"), index=True)


def _text_array() -> Any:
    return mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'::text[]"))


# --- jurisdictions, organizations ------------------------------------------------------------------


class Jurisdiction(Timestamped, Base):
    """A government with a legislature (``ocd-jurisdiction/country:ca/legislature``)."""

    __tablename__ = "jurisdictions"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    classification: Mapped[str] = mapped_column(String(40), nullable=False, server_default="legislature")
    url: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2), nullable=False)  # ISO 3166-1 alpha-2, lower case
    # ISO 3166-1 or 3166-2 code of the place governed, upper case (``CA``, ``GB-NIR``); several per country.
    iso_code: Mapped[str | None] = mapped_column(String(10))
    division_id: Mapped[str | None] = mapped_column(String(300))
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()

    __table_args__ = (
        Index(None, "country"),
        Index(None, "iso_code"),
        Index(None, "updated_at", "id"),  # updated_since filters and keyset pages of sort=updated_at (0002, 0004)
    )


ORGANIZATION_SEARCH_SQL: Final = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(name, '') || ' ' || coalesce(abbreviation, '')), "
    "'A') || setweight(to_tsvector('openpolicy_simple'::regconfig, "
    "coalesce(jsonb_path_query_array(other_names, '$[*].name')::text, '')), 'B')"
)


class Organization(Timestamped, Base):
    """Legislature, chamber, party, committee, subcommittee, executive ... (Popolo Organization)."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    classification: Mapped[str] = mapped_column(String(40), nullable=False)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    jurisdiction_id: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    chamber: Mapped[str | None] = mapped_column(String(20))  # upper | lower | unicameral (chambers only)
    abbreviation: Mapped[str | None] = mapped_column(String(40))
    founding_date: Mapped[dt.date | None] = mapped_column(Date)
    dissolution_date: Mapped[dt.date | None] = mapped_column(Date)
    color: Mapped[str | None] = mapped_column(String(7))  # '#rrggbb' (parties)
    image: Mapped[str | None] = mapped_column(Text)
    other_names: Mapped[list[dict[str, Any]]] = _jsonb_list()  # [{name, note?, start_date?, end_date?}]
    identifiers: Mapped[list[dict[str, Any]]] = _jsonb_list()  # [{scheme, identifier}]
    links: Mapped[list[dict[str, Any]]] = _jsonb_list()
    sources: Mapped[list[dict[str, Any]]] = _jsonb_list()
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(ORGANIZATION_SEARCH_SQL, persisted=True), deferred=True, nullable=True
    )

    __table_args__ = (
        CheckConstraint(_in("classification", ORGANIZATION_CLASSIFICATIONS), name="classification"),
        CheckConstraint(f"chamber IS NULL OR {_in('chamber', CHAMBERS)}", name="chamber"),
        CheckConstraint("color IS NULL OR color ~ '^#[0-9a-fA-F]{6}$'", name="color"),
        Index(None, "jurisdiction_id", "classification"),
        Index(None, "parent_id"),
        Index(None, "classification", "name", "id"),
        Index(None, "name", "id"),
        Index(None, "updated_at", "id"),  # updated_since filters and keyset pages of sort=updated_at (0002, 0004)
        Index(None, "search_vector", postgresql_using="gin"),
    )


# --- people ----------------------------------------------------------------------------------------

PERSON_SEARCH_SQL: Final = (
    "to_tsvector('openpolicy_simple'::regconfig, coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' "
    "|| coalesce(family_name, '') || ' ' || coalesce(jsonb_path_query_array(other_names, '$[*].name')::text, ''))"
)


class Person(Timestamped, Base):
    """A legislator or other public person (Popolo Person)."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    given_name: Mapped[str | None] = mapped_column(Text)
    family_name: Mapped[str | None] = mapped_column(Text)
    sort_name: Mapped[str] = mapped_column(Text, nullable=False)  # e.g. "Doe, Jane"; importers default it
    other_names: Mapped[list[dict[str, Any]]] = _jsonb_list()  # [{name, note?, start_date?, end_date?}]
    contact_details: Mapped[list[dict[str, Any]]] = _jsonb_list()  # [{type, value, label?, note?}]
    links: Mapped[list[dict[str, Any]]] = _jsonb_list()  # [{url, note?}]
    sources: Mapped[list[dict[str, Any]]] = _jsonb_list()
    image: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(String(40))
    birth_date: Mapped[str | None] = mapped_column(String(10))  # partial ISO date
    death_date: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(Text)
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(PERSON_SEARCH_SQL, persisted=True), deferred=True, nullable=True
    )

    identifiers: Mapped[list[PersonIdentifier]] = relationship(
        back_populates="person", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint(f"birth_date IS NULL OR birth_date ~ '{PARTIAL_DATE_RE}'", name="birth_date"),
        CheckConstraint(f"death_date IS NULL OR death_date ~ '{PARTIAL_DATE_RE}'", name="death_date"),
        Index(None, "sort_name", "id"),
        Index(None, "name", "id"),
        Index(None, "updated_at", "id"),  # updated_since filters and keyset pages of sort=updated_at (0002, 0004)
        Index(None, "search_vector", postgresql_using="gin"),
        Index("ix_people_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    )


class PersonIdentifier(Timestamped, Base):
    """An identifier of a person in some scheme: the cross-source join key (UNIQUE(scheme, identifier))."""

    __tablename__ = "person_identifiers"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    scheme: Mapped[str] = mapped_column(String(100), nullable=False)  # wikidata, bioguide, parl.gc.ca ...
    # '' for a global scheme (openpolicy.ingest.identity.GLOBAL_SCHEMES), else the dataset whose own id it is.
    scope: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    identifier: Mapped[str] = mapped_column(Text, nullable=False)

    person: Mapped[Person] = relationship(back_populates="identifiers", lazy="raise")

    __table_args__ = (
        UniqueConstraint("scheme", "scope", "identifier"),
        Index(None, "person_id"),
    )


# --- areas, posts, periods, sessions ----------------------------------------------------------------


AREA_SEARCH_SQL: Final = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(identifier, '')), 'B')"
)


class Area(Timestamped, Base):
    """An electoral district or other division (``ocd-division/country:ca/ed:35001``)."""

    __tablename__ = "areas"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    classification: Mapped[str] = mapped_column(String(40), nullable=False, server_default="district")
    identifier: Mapped[str | None] = mapped_column(String(100))
    jurisdiction_id: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(AREA_SEARCH_SQL, persisted=True), deferred=True, nullable=True
    )

    __table_args__ = (
        Index(None, "jurisdiction_id", "name", "id"),
        Index(None, "parent_id"),
        Index(None, "name", "id"),
        Index(None, "updated_at", "id"),  # updated_since filters and keyset pages of sort=updated_at (0002, 0004)
        Index(None, "search_vector", postgresql_using="gin"),
    )


class Post(Timestamped, Base):
    """A seat in an organization, usually tied to an area (Popolo Post)."""

    __tablename__ = "posts"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False)
    area_id: Mapped[str | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    label: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()

    __table_args__ = (
        Index(None, "organization_id"),
        Index(None, "area_id"),
        Index(None, "updated_at"),
    )


class LegislativePeriod(Timestamped, Base):
    """A term of a legislature (e.g. the 44th Parliament)."""

    __tablename__ = "legislative_periods"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    identifier: Mapped[str] = mapped_column(String(40), nullable=False)  # "44"
    name: Mapped[str] = mapped_column(Text, nullable=False)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()

    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "identifier"),
        Index(None, "start_date", "id"),
        Index(None, "updated_at"),
    )


class Session(Timestamped, Base):
    """A legislative session (``44-1``), within a legislative period."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), nullable=False)
    legislative_period_id: Mapped[str | None] = mapped_column(ForeignKey("legislative_periods.id", ondelete="SET NULL"))
    identifier: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    classification: Mapped[str] = mapped_column(String(20), nullable=False, server_default="primary")
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()

    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "identifier"),
        Index(None, "legislative_period_id"),
        Index(None, "start_date", "id"),
        Index(None, "updated_at"),
    )


# --- memberships -----------------------------------------------------------------------------------


class Membership(Timestamped, Base):
    """A person's membership of an organization (chamber seat, party, committee role), Popolo style.

    ``on_behalf_of_id`` is the party the person sits for; ``end_date IS NULL`` (or in the future) is a
    current membership.
    """

    __tablename__ = "memberships"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False)
    on_behalf_of_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    area_id: Mapped[str | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    post_id: Mapped[str | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    legislative_period_id: Mapped[str | None] = mapped_column(ForeignKey("legislative_periods.id", ondelete="SET NULL"))
    role: Mapped[str | None] = mapped_column(Text)  # member, chair, vice-chair, ...
    label: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    sources: Mapped[list[dict[str, Any]]] = _jsonb_list()
    # The full snapshot (a source's dataset) that states this membership: a later import of that dataset
    # without it ends it. NULL: stated by a source that is no snapshot (never ended by absence).
    dataset: Mapped[str | None] = mapped_column(Text)
    import_run_id: Mapped[int | None] = _last_run()

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
        Index(None, "dataset", "end_date"),
        Index(None, "person_id", "start_date"),
        Index(None, "organization_id", "end_date"),
        Index(None, "on_behalf_of_id", "end_date"),
        Index(None, "area_id", "end_date"),
        Index(None, "post_id"),
        Index(None, "legislative_period_id"),
        Index(None, "end_date"),
        Index(None, "updated_at"),
    )


# --- bills -----------------------------------------------------------------------------------------

BILL_SEARCH_SQL: Final = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(identifier, '') || ' ' || "
    "upper(regexp_replace(coalesce(identifier, ''), '[^A-Za-z0-9]+', '', 'g'))), 'A') || "
    "setweight(to_tsvector('openpolicy_english'::regconfig, coalesce(title, '')), 'B') || "
    "setweight(to_tsvector('openpolicy_french'::regconfig, coalesce(title_fr, '')), 'B')"
)


class Bill(Timestamped, Base):
    """A bill (``C-21``, ``H.R. 1``) in a session."""

    __tablename__ = "bills"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), nullable=False)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False)
    from_organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    identifier: Mapped[str] = mapped_column(String(100), nullable=False)
    normalized_identifier: Mapped[str] = mapped_column(
        String(100), Computed(NORMALIZED_IDENTIFIER_SQL, persisted=True), nullable=True
    )
    title: Mapped[str] = mapped_column(Text, nullable=False)
    title_fr: Mapped[str | None] = mapped_column(Text)
    other_titles: Mapped[list[dict[str, Any]]] = _jsonb_list()  # [{title, note?, language?}]
    classification: Mapped[list[str]] = _text_array()  # bill, resolution, ...
    subjects: Mapped[list[str]] = _text_array()
    status: Mapped[str | None] = mapped_column(String(100))
    introduced_date: Mapped[dt.date | None] = mapped_column(Date)
    latest_action_date: Mapped[dt.date | None] = mapped_column(Date)
    latest_action_description: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    policy_area: Mapped[str | None] = mapped_column(Text)  # 0010: CRS policy area
    summaries: Mapped[list[dict[str, Any]]] = _jsonb_list()  # 0010: CRS summaries per text version
    related_bills: Mapped[list[dict[str, Any]]] = _jsonb_list()  # 0010
    committees: Mapped[list[dict[str, Any]]] = _jsonb_list()  # 0010: referrals and their activities
    sources: Mapped[list[dict[str, Any]]] = _jsonb_list()
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(BILL_SEARCH_SQL, persisted=True), deferred=True, nullable=True
    )

    sponsorships: Mapped[list[BillSponsorship]] = relationship(
        back_populates="bill", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    actions: Mapped[list[BillAction]] = relationship(
        back_populates="bill",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="BillAction.order",
    )
    documents: Mapped[list[BillDocument]] = relationship(
        back_populates="bill", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("session_id", "identifier"),
        Index(None, "jurisdiction_id", "latest_action_date", "id"),
        Index(None, "session_id", "latest_action_date", "id"),
        Index(None, "from_organization_id"),
        Index(None, "status"),
        Index(None, "normalized_identifier"),
        Index(None, "latest_action_date", "id"),
        Index(None, "introduced_date", "id"),
        Index(None, "updated_at", "id"),  # updated_since filters and keyset pages of sort=updated_at (0002, 0004)
        Index(None, "subjects", postgresql_using="gin"),
        Index(None, "classification", postgresql_using="gin"),
        Index(None, "search_vector", postgresql_using="gin"),
        Index("ix_bills_title_trgm", "title", postgresql_using="gin", postgresql_ops={"title": "gin_trgm_ops"}),
    )


class BillSponsorship(Timestamped, Base):
    """A sponsor of a bill: a person, an organization, or only a name when unmatched."""

    __tablename__ = "bill_sponsorships"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), nullable=False)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(Text, nullable=False)
    primary: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    classification: Mapped[str] = mapped_column(String(40), nullable=False, server_default="sponsor")
    date: Mapped[dt.date | None] = mapped_column(Date)  # 0010: the sponsorship date
    withdrawn_date: Mapped[dt.date | None] = mapped_column(Date)  # 0010: a withdrawn cosponsor, kept
    party: Mapped[str | None] = mapped_column(String(60))  # 0010: as the source states it
    state: Mapped[str | None] = mapped_column(String(10))
    district: Mapped[str | None] = mapped_column(String(10))
    original: Mapped[bool | None] = mapped_column(Boolean)  # 0010: an original cosponsor

    bill: Mapped[Bill] = relationship(back_populates="sponsorships", lazy="raise")

    __table_args__ = (
        Index(None, "bill_id"),
        Index(None, "person_id", "bill_id"),
        Index(None, "organization_id"),
    )


class BillAction(Timestamped, Base):
    """A dated step in a bill's life (introduced, first reading, passed ...)."""

    __tablename__ = "bill_actions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    classification: Mapped[list[str]] = _text_array()
    order: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str | None] = mapped_column(String(20))  # 0010: the source's action code
    type: Mapped[str | None] = mapped_column(String(60))  # 0010: the source's action type
    chamber: Mapped[str | None] = mapped_column(String(20))  # 0010: upper | lower | NULL
    committees: Mapped[list[str]] = _text_array()  # 0010: names of the committees acting

    bill: Mapped[Bill] = relationship(back_populates="actions", lazy="raise")

    __table_args__ = (
        UniqueConstraint("bill_id", "order"),
        Index(None, "date"),
        Index(None, "organization_id"),
    )


class BillDocument(Timestamped, Base):
    """A version (text of the bill at a stage) or a related document."""

    __tablename__ = "bill_documents"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, server_default="version")
    note: Mapped[str] = mapped_column(Text, nullable=False)
    date: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    media_type: Mapped[str | None] = mapped_column(String(100))

    bill: Mapped[Bill] = relationship(back_populates="documents", lazy="raise")

    __table_args__ = (
        CheckConstraint(_in("kind", BILL_DOCUMENT_KINDS), name="kind"),
        Index(None, "bill_id", "date"),
    )


# --- votes -----------------------------------------------------------------------------------------

VOTE_SEARCH_SQL: Final = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(identifier, '')), 'A') || "
    "setweight(to_tsvector('openpolicy_english'::regconfig, coalesce(motion_text, '')), 'B') || "
    "setweight(to_tsvector('openpolicy_french'::regconfig, coalesce(motion_text_fr, '')), 'B')"
)


class VoteEvent(Timestamped, Base):
    """A recorded vote (division, roll call) in a chamber, optionally on a bill."""

    __tablename__ = "vote_events"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), nullable=False)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    bill_id: Mapped[str | None] = mapped_column(ForeignKey("bills.id", ondelete="SET NULL"))
    identifier: Mapped[str | None] = mapped_column(String(100))  # division / roll-call number
    motion_text: Mapped[str] = mapped_column(Text, nullable=False)
    motion_text_fr: Mapped[str | None] = mapped_column(Text)
    motion_classification: Mapped[list[str]] = _text_array()  # passage, amendment, ...
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    start_time: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(String(20), nullable=False)
    sources: Mapped[list[dict[str, Any]]] = _jsonb_list()
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(VOTE_SEARCH_SQL, persisted=True), deferred=True, nullable=True
    )
    # Digest of the ballots as the importer last wrote them; NULL = unknown (revision 0007, triggers on ballots
    # reset it whenever ballots change). Bookkeeping of openpolicy.ingest.loader: not served, not in change images.
    ballots_digest: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    counts: Mapped[list[VoteCount]] = relationship(
        back_populates="vote_event", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint(_in("result", VOTE_RESULTS), name="result"),
        UniqueConstraint("session_id", "organization_id", "identifier"),
        Index(None, "jurisdiction_id", "start_date", "id"),
        Index(None, "session_id", "start_date", "id"),
        Index(None, "organization_id", "start_date", "id"),
        Index(None, "bill_id"),
        Index(None, "result"),
        Index(None, "start_date", "id"),
        Index(None, "updated_at", "id"),  # updated_since filters and keyset pages of sort=updated_at (0002, 0004)
        Index(None, "search_vector", postgresql_using="gin"),
    )


class VoteCount(Timestamped, Base):
    """The published count of one option of a vote event (what the source says, not our tally)."""

    __tablename__ = "vote_counts"

    vote_event_id: Mapped[str] = mapped_column(ForeignKey("vote_events.id", ondelete="CASCADE"), primary_key=True)
    option: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False)

    vote_event: Mapped[VoteEvent] = relationship(back_populates="counts", lazy="raise")

    __table_args__ = (
        CheckConstraint(_in("option", BALLOT_OPTIONS), name="option"),
        CheckConstraint("value >= 0", name="value"),
    )


class Ballot(Base):
    """One person's vote in a vote event. 1,000,000+ rows: lean on purpose (no timestamps, see module doc).

    ``ordinal`` numbers the ballots of a vote event (0, 1, 2 ...); ``person_id`` is null when the voter
    could not be matched to a person, ``voter_name`` always holds the name as published.
    """

    __tablename__ = "ballots"

    # COLLATE "C" (revision 0005): the keys of a bulk load are rebuilt by sorting them, memcmp instead of strcoll.
    vote_event_id: Mapped[str] = mapped_column(
        String(300, collation="C"), ForeignKey("vote_events.id", ondelete="CASCADE"), primary_key=True
    )
    ordinal: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    person_id: Mapped[str | None] = mapped_column(
        String(300, collation="C"), ForeignKey("people.id", ondelete="SET NULL")
    )
    voter_name: Mapped[str] = mapped_column(Text, nullable=False)
    option: Mapped[str] = mapped_column(String(20), nullable=False)

    __table_args__ = (
        CheckConstraint(_in("option", BALLOT_OPTIONS), name="option"),
        Index(None, "person_id", "vote_event_id"),
    )


# --- debates (revision 0011) -------------------------------------------------------------------------

DEBATE_CLASSIFICATIONS: Final = ("sitting", "committee")
SECTION_KINDS: Final = ("order", "subject")
# Same expression as the generated column ``speeches.search_vector`` (revision 0011).
SPEECH_SEARCH_SQL: Final = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(speaker_name, '')), 'A') || "
    "to_tsvector(CASE WHEN language = 'fr' THEN 'openpolicy_french'::regconfig "
    "ELSE 'openpolicy_english'::regconfig END, paragraphs::text)"
)


class Debate(Timestamped, Base):
    """A sitting of a chamber or a meeting of a committee; language-neutral (its languages: debate_versions)."""

    __tablename__ = "debates"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    classification: Mapped[str] = mapped_column(String(20), nullable=False)
    identifier: Mapped[str] = mapped_column(String(100), nullable=False)  # the sitting's / meeting's number
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()

    __table_args__ = (
        CheckConstraint(_in("classification", DEBATE_CLASSIFICATIONS), name="classification"),
        Index(None, "date", "id"),
        Index(None, "jurisdiction_id", "date", "id"),
        Index(None, "organization_id", "date", "id"),
        Index(None, "session_id", "date", "id"),
        Index(None, "updated_at", "id"),
    )


class DebateVersion(Base):
    """One published language of a debate: where it came from and its name as published."""

    __tablename__ = "debate_versions"

    debate_id: Mapped[str] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[str | None] = mapped_column(String(100))


class DebateSection(Base):
    """A heading of a debate in one language: an order of business or a subject (``parent_ordinal``: its order)."""

    __tablename__ = "debate_sections"

    debate_id: Mapped[str] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_ordinal: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    anchor: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (CheckConstraint(_in("kind", SECTION_KINDS), name="kind"),)


class Speech(Base):
    """One intervention in one language. ``person_id`` null: ``unresolved`` says why; the speaker as published
    is always kept (``speaker_name``, ``speaker_role``: riding or office as stated, ``speaker_db_id``)."""

    __tablename__ = "speeches"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    debate_id: Mapped[str] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    section_ordinal: Mapped[int | None] = mapped_column(Integer)
    anchor: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(40))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    speaker_name: Mapped[str] = mapped_column(Text, nullable=False)
    speaker_role: Mapped[str | None] = mapped_column(Text)
    speaker_db_id: Mapped[str | None] = mapped_column(String(40))
    unresolved: Mapped[str | None] = mapped_column(Text)
    time: Mapped[dt.time | None] = mapped_column(Time)
    floor_language: Mapped[str | None] = mapped_column(String(2))
    paragraphs: Mapped[list[str]] = _jsonb_list()
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(SPEECH_SEARCH_SQL, persisted=True), deferred=True, nullable=True
    )

    __table_args__ = (
        UniqueConstraint("debate_id", "language", "ordinal"),
        Index(None, "person_id", "debate_id"),
        Index(None, "search_vector", postgresql_using="gin"),
    )


# --- operational tables ----------------------------------------------------------------------------


BOUNDARY_BBOX_SQL: Final = "box(point(min_lon, min_lat), point(max_lon, max_lat))"


class BoundarySet(Timestamped, Base):
    """A set of electoral boundaries: named, dated (valid from/to), tied to one legislature and division type."""

    __tablename__ = "boundary_sets"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), nullable=False)
    division_type: Mapped[str] = mapped_column(String(40), nullable=False)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    source_url: Mapped[str | None] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(Text)
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()

    __table_args__ = (Index(None, "jurisdiction_id"),)


class Boundary(Timestamped, Base):
    """One shape of a boundary set: WKB (WGS84 lon/lat) with its bounding box (GiST-indexed as a ``box``) and the
    platform's districts it was joined to (``area_ids``, openpolicy.ingest.sources.boundaries.join)."""

    __tablename__ = "boundaries"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    boundary_set_id: Mapped[str] = mapped_column(ForeignKey("boundary_sets.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    division_id: Mapped[str | None] = mapped_column(String(300))
    geometry: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    min_lon: Mapped[float] = mapped_column(Double, nullable=False)
    min_lat: Mapped[float] = mapped_column(Double, nullable=False)
    max_lon: Mapped[float] = mapped_column(Double, nullable=False)
    max_lat: Mapped[float] = mapped_column(Double, nullable=False)
    area_ids: Mapped[list[str]] = _text_array()
    extras: Mapped[dict[str, Any]] = _jsonb_object()
    import_run_id: Mapped[int | None] = _last_run()

    __table_args__ = (
        UniqueConstraint("boundary_set_id", "code"),
        Index("ix_boundaries_bbox", text(BOUNDARY_BBOX_SQL), postgresql_using="gist"),
        Index(None, "area_ids", postgresql_using="gin"),
    )


class ImportRun(Timestamped, Base):
    """One run of an importer (or the demo-data generator): what, from where, outcome, counts."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    location: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="running")
    # {entity_type: {inserted, updated, unchanged, deleted}}
    counts: Mapped[dict[str, Any]] = _jsonb_object()
    error: Mapped[str | None] = mapped_column(Text)
    triggered_by: Mapped[str | None] = mapped_column(Text)
    # {merges: [...], ended: [...], unresolved: [...], reverts: run id, reverted_by: run id}
    details: Mapped[dict[str, Any]] = _jsonb_object()

    __table_args__ = (
        CheckConstraint(_in("status", IMPORT_STATUSES), name="status"),
        Index(None, "source", "started_at"),
        Index(None, "status"),
        Index(None, "started_at"),
    )


class ChangeLog(Timestamped, Base):
    """Every change to a public entity; ``id`` is the monotonically increasing cursor of the changes feed."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id", ondelete="SET NULL"))
    entity_type: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(300), nullable=False)
    operation: Mapped[str] = mapped_column(String(10), nullable=False)
    # new row image; null on delete. ``json``, not ``jsonb`` (revision 0006): written once, served whole.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint(_in("operation", CHANGE_OPERATIONS), name="operation"),
        Index(None, "entity_type", "id"),
        Index(None, "entity_id", "id"),
        Index(None, "import_run_id"),
        Index(None, "changed_at"),
    )


class AuditEvent(Timestamped, Base):
    """Who did what to what, when, with which outcome (imports, deploys, backups, admin actions)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    target: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = _jsonb_object()

    __table_args__ = (
        Index(None, "occurred_at"),
        Index(None, "actor", "occurred_at"),
        Index(None, "action", "occurred_at"),
    )


class DataCheckResult(Timestamped, Base):
    """A data-quality finding (e.g. ballots disagreeing with published counts) from an import run's checks."""

    __tablename__ = "data_check_results"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    check_name: Mapped[str] = mapped_column(String(100), nullable=False)
    severity: Mapped[str] = mapped_column(String(20), nullable=False, server_default="warning")
    entity_type: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[dict[str, Any]] = _jsonb_object()

    __table_args__ = (
        Index(None, "import_run_id"),
        Index(None, "check_name", "checked_at"),
        Index(None, "entity_type", "entity_id"),
    )


class ApiKey(Timestamped, Base):
    """A key that reads the api with a higher quota; stored as its SHA-256 digest only (revision 0013)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16), nullable=False)  # its first characters, to recognise it
    created_by: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("octet_length(key_hash) = 32", name="key_hash"),)


WEBHOOK_SUBSCRIPTION_STATUSES: Final = ("active", "paused", "disabled")
WEBHOOK_DELIVERY_STATUSES: Final = ("pending", "delivered", "failed", "notice")


class WebhookSubscription(Timestamped, Base):
    """A webhook target owned by an API key; its secret is stored encrypted (revision 0014, openpolicy.notify)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False, index=True)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    previous_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    event_types: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, server_default=text("'{}'::varchar[]")
    )  # empty: every event type
    person_id: Mapped[str | None] = mapped_column(String(300))
    bill_id: Mapped[str | None] = mapped_column(String(300))
    jurisdiction_id: Mapped[str | None] = mapped_column(String(300))
    query: Mapped[str | None] = mapped_column(Text)  # saved search
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="active", index=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    failure_streak: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    failing_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    start_change_id: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")

    __table_args__ = (CheckConstraint(_in("status", WEBHOOK_SUBSCRIPTION_STATUSES), name="status"),)


class WebhookDelivery(Timestamped, Base):
    """One event for one subscription (unique): its payload, attempts and outcome; ``event_id`` is ``webhook-id``."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[str] = mapped_column(String(80), nullable=False)
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    change_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    claimed_by: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    committed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # the change's commit time
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    retry_from: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )  # start of the retry window: the fan-out, or a redelivery

    __table_args__ = (
        CheckConstraint(_in("status", WEBHOOK_DELIVERY_STATUSES), name="status"),
        UniqueConstraint("subscription_id", "event_id"),
        Index(None, "subscription_id", "id"),
        Index(None, "subscription_id", "status", "next_attempt_at"),
        Index(None, "status"),
    )


class WebhookNotifierCursor(Timestamped, Base):
    """The last ``change_log.id`` the notifier fanned out (advanced with the deliveries it wrote)."""

    __tablename__ = "webhook_notifier_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")


DOCUMENT_KINDS: Final = ("person", "bill", "vote")


class Document(Base):
    """The read model (revision 0015): a resource's public JSON, built from the response models at import time
    (:mod:`openpolicy.documents`) in the transaction that changed its facts; the api serves these bytes.

    ``detail`` is the detail GET's body, ``summary`` the resource's item in list pages. ``stale_after``: the first
    day on which a date-dependent fact it shows (a person's current seat) changes, NULL when none does; the
    document is right while ``current_date < stale_after``. Derived data: ``openpolicy documents rebuild`` remakes
    every row from the facts, so the table has no ``updated_at`` of its own (``built_at`` says when)."""

    __tablename__ = "documents"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    detail: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    summary: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    stale_after: Mapped[dt.date | None] = mapped_column(Date)
    built_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
        Index(None, "stale_after", postgresql_where=text("stale_after IS NOT NULL")),
    )


#: Tables whose ``updated_at`` the migration trigger maintains (every table that has the column).
TIMESTAMPED_TABLES: Final = tuple(sorted(t.name for t in Base.metadata.sorted_tables if "updated_at" in t.c))
