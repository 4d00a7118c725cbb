"""The api's answers as the web reads them: its own small response types, independent of the api's code.

The web reaches the api only over HTTP (``openpolicy.web.client``) and validates each JSON answer into one of these
models. They name only the fields the web's pages and templates read; anything else the api sends is ignored, so
the api can add fields without a web release. Closed sets of the api (ballot options, vote results, organization
classifications ...) are plain strings here: a new value is shown, not refused. tests/unit/test_web_types.py
checks every field here against the api's published models (same name, present whenever the web requires it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class ApiType(BaseModel):
    """Base of every type here: extra fields of the api's answer are ignored; instances are immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Pagination(ApiType):
    limit: int
    next: str | None


class Page(ApiType, Generic[T]):
    results: list[T]
    pagination: Pagination


class OrganizationRef(ApiType):
    id: str
    name: str
    classification: str
    chamber: str | None = None
    color: str | None = None


class PartyRef(ApiType):
    id: str
    name: str
    color: str | None = None


class AreaRef(ApiType):
    id: str
    name: str
    classification: str
    identifier: str | None = None


class PersonRef(ApiType):
    id: str
    name: str
    image: str | None = None


class SessionRef(ApiType):
    id: str
    identifier: str
    name: str


class BillRef(ApiType):
    id: str
    identifier: str
    title: str


class Link(ApiType):
    model_config = ConfigDict(extra="allow", frozen=True)
    url: str
    note: str | None = None


class Source(ApiType):
    model_config = ConfigDict(extra="allow", frozen=True)
    url: str | None = None
    note: str | None = None


class Provenance(ApiType):
    url: str
    sources: list[Source]
    import_run_id: int | None


class JurisdictionSummary(ApiType):
    id: str
    name: str
    classification: str
    url: str | None = None
    updated_at: dt.datetime


class OrganizationSummary(ApiType):
    id: str
    name: str
    classification: str
    chamber: str | None = None
    jurisdiction_id: str | None = None
    parent: OrganizationRef | None = None
    color: str | None = None
    image: str | None = None
    updated_at: dt.datetime


class OrganizationMember(ApiType):
    person: PersonRef
    role: str | None = None
    label: str | None = None
    party: PartyRef | None = None
    area: AreaRef | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class OrganizationDetail(OrganizationSummary):
    links: list[Link]
    children: list[OrganizationRef]
    current_members: list[OrganizationMember]


class AreaSummary(ApiType):
    id: str
    name: str
    classification: str
    identifier: str | None = None
    jurisdiction_id: str | None = None
    updated_at: dt.datetime


class PostSummary(ApiType):
    id: str
    label: str
    role: str | None = None
    organization: OrganizationRef
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class AreaDetail(AreaSummary):
    posts: list[PostSummary]
    current_representatives: list[OrganizationMember]


class PersonSummary(ApiType):
    id: str
    name: str
    image: str | None = None
    current_party: PartyRef | None = None
    current_district: AreaRef | None = None
    current_chamber: OrganizationRef | None = None
    updated_at: dt.datetime


class MembershipOut(ApiType):
    id: str
    organization: OrganizationRef
    party: PartyRef | None = None
    area: AreaRef | None = None
    role: str | None = None
    label: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    start_date_inferred: bool
    end_date_inferred: bool
    current: bool
    sources: list[Source]


class PersonDetail(PersonSummary, Provenance):
    links: list[Link]
    gender: str | None = None
    birth_date: str | None = None
    email: str | None = None
    current_memberships: list[MembershipOut]
    past_memberships: list[MembershipOut]
    committees: list[MembershipOut]


class VotingRecordEntry(ApiType):
    vote_id: str
    date: dt.date
    motion: str
    result: str
    chamber: OrganizationRef | None = None
    bill: BillRef | None = None
    option: str


class BillSummary(ApiType):
    id: str
    identifier: str
    title: str
    title_fr: str | None = None
    classification: list[str]
    subjects: list[str]
    status: str | None = None
    jurisdiction_id: str
    session: SessionRef
    chamber: OrganizationRef | None = None
    introduced_date: dt.date | None = None
    latest_action_date: dt.date | None = None
    latest_action_description: str | None = None
    updated_at: dt.datetime


class Sponsor(ApiType):
    name: str
    primary: bool
    classification: str
    person: PersonRef | None = None
    organization: OrganizationRef | None = None
    party: str | None = None
    state: str | None = None
    district: str | None = None
    date: dt.date | None = None
    withdrawn_date: dt.date | None = None


class BillActionOut(ApiType):
    order: int
    date: dt.date
    description: str
    classification: list[str]
    organization: OrganizationRef | None = None
    code: str | None = None
    type: str | None = None
    chamber: str | None = None
    committees: list[str] = Field(default_factory=list)


class BillSummaryText(ApiType):
    action_date: dt.date | None = None
    action_description: str | None = None
    text: str | None = None


class CommitteeActivity(ApiType):
    name: str | None = None
    date: dt.date | None = None


class BillCommittee(ApiType):
    name: str | None = None
    code: str | None = None
    chamber: str | None = None
    type: str | None = None
    activities: list[CommitteeActivity]


class RelatedBillRelationship(ApiType):
    type: str | None = None


class RelatedBill(ApiType):
    identifier: str
    congress: int
    bill_id: str
    title: str | None = None
    relationships: list[RelatedBillRelationship]
    stored: bool


class BillDocumentOut(ApiType):
    kind: str
    note: str
    date: dt.date | None = None
    url: str
    media_type: str | None = None


class VoteCountOut(ApiType):
    option: str
    value: int


class VoteSummary(ApiType):
    id: str
    identifier: str | None = None
    motion: str
    date: dt.date
    result: str
    jurisdiction_id: str
    chamber: OrganizationRef | None = None
    session: SessionRef | None = None
    bill: BillRef | None = None
    counts: list[VoteCountOut]
    updated_at: dt.datetime


class BillDetail(BillSummary, Provenance):
    abstract: str | None = None
    sponsors: list[Sponsor]
    actions: list[BillActionOut]
    policy_area: str | None = None
    summaries: list[BillSummaryText]
    committees: list[BillCommittee]
    related_bills: list[RelatedBill]
    versions: list[BillDocumentOut]
    documents: list[BillDocumentOut]
    votes: list[VoteSummary]


class BallotOut(ApiType):
    voter_name: str
    person: PersonRef | None = None
    option: str


class PartyBallots(ApiType):
    party: PartyRef | None
    counts: dict[str, int]
    ballots: list[BallotOut]


class CountDifference(ApiType):
    option: str
    published: int
    computed: int


class VoteDetail(VoteSummary, Provenance):
    computed_counts: list[VoteCountOut]
    counts_match: bool | None
    count_differences: list[CountDifference]
    ballot_total: int
    by_party: list[PartyBallots]


class DebateVersion(ApiType):
    language: str
    name: str
    source: str | None = None


class DebateSummary(ApiType):
    id: str
    identifier: str
    classification: str
    date: dt.date
    jurisdiction_id: str
    organization: OrganizationRef | None = None
    session: SessionRef | None = None
    versions: list[DebateVersion]
    updated_at: dt.datetime


class DebateSectionOut(ApiType):
    ordinal: int
    parent_ordinal: int | None = None
    kind: str
    title: str


class SpeechOut(ApiType):
    id: str
    language: str
    ordinal: int
    section_ordinal: int | None = None
    kind: str | None = None
    speaker_name: str
    speaker_role: str | None = None
    person: PersonRef | None = None
    party: PartyRef | None = None
    district: AreaRef | None = None
    time: dt.time | None = None
    floor_language: str | None = None
    paragraphs: list[str]


class DebateText(DebateVersion):
    sections: list[DebateSectionOut]
    speeches: list[SpeechOut]


class DebateDetail(DebateSummary):
    url: str
    import_run_id: int | None = None
    texts: list[DebateText]


class DebateRef(ApiType):
    id: str
    identifier: str
    classification: str
    date: dt.date
    name: str
    organization: OrganizationRef | None = None


class SpeechSummary(SpeechOut):
    debate: DebateRef
    section: str | None = None


class SearchResult(ApiType):
    type: str
    id: str
    title: str
    snippet: str | None = None
    url: str


class SearchResults(ApiType):
    query: str
    types: list[str]
    results: list[SearchResult]


class LastRun(ApiType):
    id: int
    status: str
    error: str | None


class SourceFreshness(ApiType):
    source: str
    state: str
    last_success: dt.datetime | None
    age_seconds: int | None
    expected_interval_seconds: int
    stale: bool
    last_run: LastRun | None


class CheckFinding(ApiType):
    source: str
    check: str
    findings: int
    examples: list[dict[str, Any]]


class DemoData(ApiType):
    jurisdiction_id: str
    jurisdiction_name: str
    import_run_id: int | None
    loaded_at: dt.datetime | None


class Status(ApiType):
    generated_at: dt.datetime
    demo_data: DemoData | None = None
    sources: list[SourceFreshness]
    checks: list[CheckFinding]


class Stats(ApiType):
    people: int
    current_legislators: int
    parties: int
    committees: int
    areas: int
    bills: int
    votes: int
    ballots: int


class JurisdictionPage(Page[JurisdictionSummary]):
    pass


class OrganizationPage(Page[OrganizationSummary]):
    pass


class AreaPage(Page[AreaSummary]):
    pass


class PersonPage(Page[PersonSummary]):
    pass


class VotingRecordPage(Page[VotingRecordEntry]):
    pass


class BillPage(Page[BillSummary]):
    pass


class VotePage(Page[VoteSummary]):
    pass


class DebatePage(Page[DebateSummary]):
    pass


class SpeechPage(Page[SpeechSummary]):
    pass
