"""Typed intermediate records: what every source parser produces and the bulk loader consumes.

Parsers are pure functions from files to a :class:`Bundle`. Every record already carries its public id
(deterministic, :func:`openpolicy.db.models.ocd_id` of a natural key scoped to its dataset), so re-parsing the
same input gives the same ids and the loader can upsert set-wise. People are the exception: a person's id here
is a *candidate* (derived from the source's own key); the loader replaces it by the id of the existing person
that shares a *global* identifier (:mod:`openpolicy.ingest.identity`) — that is how one person coming from two
sources stays one person, and how two people sharing a file-local id stay two.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpolicy.db.models import ocd_id


class InputError(Exception):
    """Bad input: the message names the file, the record and the field."""

    def __init__(self, file: str, record: str | None, field_name: str | None, problem: str) -> None:
        self.file = file
        self.record = record
        self.field = field_name
        self.problem = problem
        parts = [file]
        if record:
            parts.append(f"record {record}")
        if field_name:
            parts.append(f"field {field_name!r}")
        super().__init__(": ".join(parts) + f": {problem}")


# --- records ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class JurisdictionRec:
    id: str
    name: str
    country: str
    iso_code: str | None = None  # ISO 3166-1/3166-2, upper case (openpolicy.ingest.jurisdictions)
    classification: str = "legislature"
    url: str | None = None
    division_id: str | None = None  # the OCD division it governs
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class OrganizationRec:
    id: str
    name: str
    classification: str
    jurisdiction_id: str | None
    parent_id: str | None = None
    chamber: str | None = None
    abbreviation: str | None = None
    founding_date: dt.date | None = None
    dissolution_date: dt.date | None = None
    color: str | None = None  # '#rrggbb' (parties)
    image: str | None = None
    other_names: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class PersonRec:
    id: str  # candidate id (see module doc)
    name: str | None  # None: this source does not know the name (``fallback_name`` used for a new person)
    sort_name: str | None
    identifiers: list[tuple[str, str]]
    fallback_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    other_names: list[dict[str, Any]] = field(default_factory=list)
    contact_details: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    image: str | None = None
    gender: str | None = None
    birth_date: str | None = None
    death_date: str | None = None
    email: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # (organization_id, area_id, start_date) of a seat this person holds, for sources without a person id:
    # the loader then matches the person who holds that seat in the database (join by constituency).
    seat: tuple[str, str, dt.date | None] | None = None
    # The scope of this record's identifiers whose scheme is not global: the dataset they are unique in.
    dataset: str = ""
    record: str = ""  # where the record is in its input (file and position), for messages


@dataclass(slots=True)
class AreaRec:
    id: str
    name: str
    jurisdiction_id: str | None
    classification: str = "district"
    identifier: str | None = None
    parent_id: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class PostRec:
    id: str
    organization_id: str
    label: str
    area_id: str | None = None
    role: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class PeriodRec:
    id: str
    jurisdiction_id: str
    identifier: str
    name: str
    organization_id: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SessionRec:
    id: str
    jurisdiction_id: str
    identifier: str
    name: str
    legislative_period_id: str | None = None
    classification: str = "primary"
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class MembershipRec:
    id: str
    person_id: str  # candidate person id
    organization_id: str
    on_behalf_of_id: str | None = None
    area_id: str | None = None
    post_id: str | None = None
    legislative_period_id: str | None = None
    role: str | None = None
    label: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    # The full snapshot stating this membership (Bundle.snapshots); None: not from a snapshot.
    dataset: str | None = None


@dataclass(slots=True)
class SponsorshipRec:
    """A sponsor or cosponsor; ``person_ref`` (a global identifier) is resolved to a person by the loader, and
    one it cannot resolve stays a named sponsor without a person."""

    name: str
    primary: bool
    classification: str  # sponsor | cosponsor
    person_ref: tuple[str, str] | None = None  # (scheme, identifier), e.g. ("bioguide", "J000294")
    date: dt.date | None = None
    withdrawn_date: dt.date | None = None
    party: str | None = None
    state: str | None = None
    district: str | None = None
    original: bool | None = None


@dataclass(slots=True)
class ActionRec:
    date: dt.date
    description: str
    order: int  # chronological position, from 1
    classification: list[str] = field(default_factory=list)
    organization_id: str | None = None
    code: str | None = None
    type: str | None = None
    chamber: str | None = None
    committees: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BillDocumentRec:
    kind: str  # version | document
    note: str
    url: str
    date: dt.date | None = None
    media_type: str | None = None


@dataclass(slots=True)
class BillRec:
    id: str
    jurisdiction_id: str
    session_id: str
    identifier: str
    title: str
    title_fr: str | None = None
    from_organization_id: str | None = None
    classification: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    # Only a reference (a vote's bill): inserted when absent, never changes a stored bill.
    reference_only: bool = False
    other_titles: list[dict[str, Any]] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    status: str | None = None
    introduced_date: dt.date | None = None
    latest_action_date: dt.date | None = None
    latest_action_description: str | None = None
    abstract: str | None = None
    policy_area: str | None = None
    summaries: list[dict[str, Any]] = field(default_factory=list)
    related_bills: list[dict[str, Any]] = field(default_factory=list)
    committees: list[dict[str, Any]] = field(default_factory=list)
    # Children: None = this source does not state them (the stored ones stay); a list = all of them.
    sponsorships: list[SponsorshipRec] | None = None
    actions: list[ActionRec] | None = None
    documents: list[BillDocumentRec] | None = None


@dataclass(slots=True)
class VoteEventRec:
    id: str
    jurisdiction_id: str
    motion_text: str
    start_date: dt.date
    result: str
    motion_text_fr: str | None = None
    session_id: str | None = None
    organization_id: str | None = None
    bill_id: str | None = None
    identifier: str | None = None
    motion_classification: list[str] = field(default_factory=list)
    start_time: dt.datetime | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # option -> published count
    # False: the source states no ballots (counts only); the stored ballots, from another source, are kept.
    ballots_stated: bool = True


@dataclass(slots=True)
class BoundarySetRec:
    """A set of electoral boundaries: named, dated, tied to one legislature and the division type it draws."""

    id: str
    name: str
    jurisdiction_id: str
    division_type: str
    start_date: dt.date | None
    end_date: dt.date | None
    source_url: str | None = None
    licence: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class BoundaryRec:
    """One shape of a boundary set (openpolicy.ingest.sources.boundaries)."""

    id: str  # "<set id>/<code>"
    boundary_set_id: str
    code: str
    name: str
    division_id: str | None  # the OCD division id where one exists
    geometry: bytes  # WKB of a valid (Multi)Polygon, WGS84 lon/lat
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    area_ids: list[str] = field(default_factory=list)  # the platform's districts joined to this shape
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SpeakerRef:
    """A speaker or voter as published; the loader resolves ``person_id`` (openpolicy.ingest.hansard_load)."""

    name: str  # as published ("Mr. Kevin Lamoureux", "The Speaker", "Allen")
    role: str | None = None  # riding or office as stated in the parentheses
    db_id: str | None = None  # the House's DbId
    person_id: str | None = None
    unresolved: str | None = None  # why person_id is None


@dataclass(slots=True)
class SpeechRec:
    id: str
    language: str
    ordinal: int
    speaker: SpeakerRef
    paragraphs: list[str]
    section_ordinal: int | None = None
    anchor: str | None = None
    kind: str | None = None
    time: dt.time | None = None
    floor_language: str | None = None


@dataclass(slots=True)
class DebateRec:
    """A sitting or committee meeting; ``versions``/``sections``/``speeches`` are its children per language."""

    id: str
    jurisdiction_id: str
    organization_id: str | None
    session_id: str | None
    classification: str  # sitting | committee
    identifier: str
    date: dt.date
    extras: dict[str, Any] = field(default_factory=dict)
    # (language, name, source, document_id)
    versions: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    # (language, ordinal, parent_ordinal, kind, title, anchor)
    sections: list[tuple[str, int, int | None, str, str, str | None]] = field(default_factory=list)
    speeches: list[SpeechRec] = field(default_factory=list)
    parliament: int = 0  # for speaker resolution: the sitting's parliament
    speaker_of_house: str | None = None  # the presiding Speaker named by the file (ExtractedItem SpeakerName)


# A ballot: (vote_event_id, ordinal, candidate person id or None, voter_name, option). Tuples, not objects:
# there are millions of them.
BallotRow = tuple[str, int, str | None, str, str]
# A vote event's ballots still to be built: (vote id, how many rows, build -> the rows, in ordinal order).
PendingBallots = tuple[str, int, Callable[[], list[BallotRow]]]


@dataclass(slots=True)
class Bundle:
    """Everything one import run read, in load order."""

    source: str
    jurisdictions: list[JurisdictionRec] = field(default_factory=list)
    organizations: list[OrganizationRec] = field(default_factory=list)
    people: list[PersonRec] = field(default_factory=list)
    areas: list[AreaRec] = field(default_factory=list)
    posts: list[PostRec] = field(default_factory=list)
    periods: list[PeriodRec] = field(default_factory=list)
    sessions: list[SessionRec] = field(default_factory=list)
    memberships: list[MembershipRec] = field(default_factory=list)
    bills: list[BillRec] = field(default_factory=list)
    vote_events: list[VoteEventRec] = field(default_factory=list)
    boundary_sets: list[BoundarySetRec] = field(default_factory=list)
    boundaries: list[BoundaryRec] = field(default_factory=list)
    debates: list[DebateRec] = field(default_factory=list)
    # Voters of the ballots (same order as ``ballots``) still to be resolved by the loader (Hansard divisions).
    voters: list[SpeakerRef] = field(default_factory=list)
    ballots: list[BallotRow] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # Datasets this input states in full: their stored memberships that it no longer contains are ended.
    snapshots: set[str] = field(default_factory=set)
    # Ballot rows a parser left to be built later, per vote event in input order: (vote id, number of rows, a
    # function building them). The loader builds those of new vote events while it COPYs them into ``ballots``
    # (the server is that COPY's bottleneck, the client waits: Loader._ballots); build_ballots builds them all.
    pending_ballots: list[PendingBallots] = field(default_factory=list, repr=False)

    def build_ballots(self) -> None:
        """Append the pending ballot rows to ``ballots``, in input order (raises the parser's InputError)."""
        pending, self.pending_ballots = self.pending_ballots, []
        for _vote, _n, build in pending:
            self.ballots.extend(build())

    def counts(self) -> dict[str, int]:
        return {
            "jurisdiction": len(self.jurisdictions),
            "organization": len(self.organizations),
            "person": len(self.people),
            "area": len(self.areas),
            "post": len(self.posts),
            "legislative_period": len(self.periods),
            "session": len(self.sessions),
            "membership": len(self.memberships),
            "bill": len(self.bills),
            "vote": len(self.vote_events),
            "boundary_set": len(self.boundary_sets),
            "boundary": len(self.boundaries),
            "debate": len(self.debates),
            "speech": sum(len(d.speeches) for d in self.debates),
            "ballot": len(self.ballots) + sum(n for _vote, n, _build in self.pending_ballots),
        }


# --- helpers shared by the parsers -----------------------------------------------------------------


def party_id(jurisdiction: str, name: str) -> str:
    """Parties are shared across sources of one jurisdiction, keyed by their folded name."""
    return ocd_id("organization", jurisdiction, "party", fold(name))


def chamber_id(jurisdiction: str, chamber: str) -> str:
    return ocd_id("organization", jurisdiction, "chamber", chamber)


def area_id(jurisdiction: str, name: str) -> str:
    return ocd_id("division", jurisdiction, fold(name))


_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"[\u2010-\u2015\-]+")


def fold(name: str) -> str:
    """Case-, dash- and space-insensitive key of a name (``Green Party`` → ``green party``)."""
    return _SPACES.sub(" ", _DASHES.sub("-", name)).strip().casefold()


def sort_name_of(name: str, given: str | None = None, family: str | None = None) -> str:
    if family:
        return f"{family}, {given}" if given else family
    parts = name.rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else name


def parse_date(value: object, file: str, record: str, field_name: str) -> dt.date | None:
    """ISO date (``2021-09-20``, also the date part of a date-time); empty → None; else InputError."""
    if value is None or value == "" or value == "NA":
        return None
    if not isinstance(value, str):
        raise InputError(file, record, field_name, f"expected an ISO date, got {value!r}")
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(file, record, field_name, f"not an ISO date: {value!r}") from None


def require_str(obj: dict[str, Any], key: str, file: str, record: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        problem = "missing" if value is None else f"expected a non-empty string, got {value!r}"
        raise InputError(file, record, key, problem)
    return value.strip()


def opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


RESULT_FAIL = re.compile(r"\b(rejected|failed|not agreed|negatived|defeated|not sustained|not passed)\b", re.I)
RESULT_PASS = re.compile(r"\b(agreed|passed|confirmed|adopted|sustained|carried|elected)\b", re.I)


def normalize_result(text: str) -> str:
    if RESULT_FAIL.search(text):
        return "fail"
    if RESULT_PASS.search(text):
        return "pass"
    if re.search(r"\btie\b", text, re.I):
        return "tie"
    if re.search(r"\bwithdrawn\b", text, re.I):
        return "withdrawn"
    return "other"


OPTION_MAP = {
    "yea": "yes",
    "aye": "yes",
    "yes": "yes",
    "for": "yes",
    "nay": "no",
    "no": "no",
    "against": "no",
    "present": "abstain",
    "abstain": "abstain",
    "abstention": "abstain",
    "paired": "paired",
    "absent": "absent",
    "not voting": "not voting",
    "not_voting": "not voting",
    "excused": "excused",
    "other": "other",
}


def normalize_option(label: str) -> str | None:
    """Known option labels → the schema's ballot option; None for anything else (e.g. a candidate name)."""
    return OPTION_MAP.get(label.strip().casefold())
