"""Response models of the /v1 api (Pydantic v2): the public contract, read by /docs and the web client.

Conventions:

* every resource has a stable string ``id`` (Open Civic Data style, e.g. ``ocd-person/…``);
* references to other resources are small ``*Ref`` objects (id + display name + what a list needs);
* dates are ISO dates (``2024-05-01``), timestamps ISO 8601 with offset;
* list endpoints answer a :class:`Page` envelope: ``{"results": [...], "pagination": {"limit", "next"}}``,
  ``next`` being the URL of the following page (all filters kept) or ``null`` on the last page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

# The closed sets of the schema's CHECK constraints (openpolicy.db.models: BALLOT_OPTIONS, VOTE_RESULTS,
# ORGANIZATION_CLASSIFICATIONS), written out for the type checker; a unit test keeps them equal.
BallotOption = Literal["yes", "no", "abstain", "paired", "absent", "not voting", "excused", "other"]
VoteResult = Literal["pass", "fail", "tie", "withdrawn", "other"]
OrganizationClassification = Literal[
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
]
SearchType = Literal["person", "bill", "vote", "area", "organization", "speech"]
DebateClassification = Literal["sitting", "committee"]
Language = Literal["en", "fr"]


class Schema(BaseModel):
    """Base of every response model: built from ORM rows or dicts, immutable."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


# --- envelope -----------------------------------------------------------------------------------------------


class Pagination(Schema):
    """Where this page sits: its size and the link to the next one."""

    limit: int = Field(description="Page size used for this page.", examples=[20])
    next: str | None = Field(
        description="URL (path and query) of the next page with every filter kept, or null on the last page.",
        examples=["/v1/people?party=Liberal&limit=20&cursor=q1xP…"],
    )


class Page(Schema, Generic[T]):
    """One page of a list endpoint."""

    results: list[T] = Field(description="The records of this page, in the requested sort order.")
    pagination: Pagination


# --- references -----------------------------------------------------------------------------------------------


class OrganizationRef(Schema):
    """A chamber, party, committee or other organization, as referenced from another record."""

    id: str = Field(examples=["ocd-organization/5d4b…"])
    name: str = Field(examples=["House of Commons"])
    classification: str = Field(examples=["chamber"])
    chamber: str | None = Field(default=None, description="upper | lower | unicameral (chambers only).")
    abbreviation: str | None = Field(default=None, examples=["LPC"])
    color: str | None = Field(default=None, description="Display colour `#rrggbb` (parties).")


class PartyRef(Schema):
    """A political party, as referenced from a person, membership or ballot group."""

    id: str
    name: str = Field(examples=["Liberal Party of Canada"])
    abbreviation: str | None = Field(default=None, examples=["LPC"])
    color: str | None = Field(default=None, description="Display colour `#rrggbb`.")


class AreaRef(Schema):
    """An electoral district (or other area), as referenced from another record."""

    id: str = Field(examples=["ocd-division/country:ca/ed:35001"])
    name: str = Field(examples=["Ajax"])
    classification: str = Field(examples=["district"])
    identifier: str | None = Field(default=None, examples=["35001"])


class PersonRef(Schema):
    """A person, as referenced from another record."""

    id: str
    name: str = Field(examples=["Jane Doe"])
    image: str | None = None


class SessionRef(Schema):
    """A legislative session, as referenced from a bill or vote."""

    id: str
    identifier: str = Field(examples=["44-1"])
    name: str = Field(examples=["44th Parliament, 1st Session"])


class BillRef(Schema):
    """A bill, as referenced from a vote."""

    id: str
    identifier: str = Field(examples=["C-21"])
    title: str


class LegislativePeriodRef(Schema):
    """A legislative period (term), as referenced from a membership."""

    id: str
    identifier: str = Field(examples=["44"])
    name: str


# --- small value objects --------------------------------------------------------------------------------------


class Identifier(Schema):
    """An identifier of the record in another scheme (wikidata, parl.gc.ca, bioguide ...)."""

    scheme: str = Field(examples=["wikidata"])
    identifier: str = Field(examples=["Q3099714"])
    scope: str | None = Field(
        default=None,
        description="Null for a global scheme (Wikidata, bioguide, House of Commons PersonId ...), which joins "
        "records of different sources; otherwise the dataset that issued the identifier, in which alone it is unique.",
    )


class OtherName(Schema):
    """An alternative or former name, with its validity when known."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    note: str | None = None
    start_date: str | None = None
    end_date: str | None = None


class ContactDetail(Schema):
    """A way to contact the person (email, voice, fax, address ...)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str = Field(examples=["email"])
    value: str
    label: str | None = None
    note: str | None = None


class Link(Schema):
    """A web page about the record."""

    model_config = ConfigDict(extra="allow", frozen=True)
    url: str
    note: str | None = None


class Source(Schema):
    """Where the record is stated: the official record or file's URL where there is one, and what it is."""

    model_config = ConfigDict(extra="allow", frozen=True)
    url: str | None = None
    note: str | None = None


class Provenance(Schema):
    """Where a record comes from and which import last changed it."""

    url: str = Field(description="This record's API path.", examples=["/v1/people/ocd-person/…"])
    sources: list[Source] = Field(description="Every source that stated the record, first seen first.")
    import_run_id: int | None = Field(
        description="The import run that last inserted or changed it (`openpolicy import-runs`); null when none did."
    )


# --- jurisdictions ------------------------------------------------------------------------------------------


class JurisdictionSummary(Schema):
    """A government with a legislature."""

    id: str = Field(examples=["ocd-jurisdiction/country:ca/legislature"])
    name: str = Field(examples=["Parliament of Canada"])
    classification: str = Field(examples=["legislature"])
    country: str = Field(description="ISO 3166-1 alpha-2, lower case.", examples=["ca"])
    division_id: str | None = None
    url: str | None = None
    updated_at: dt.datetime


class SessionSummary(Schema):
    """A legislative session of a jurisdiction."""

    id: str
    identifier: str = Field(examples=["44-1"])
    name: str
    classification: str = Field(examples=["primary"])
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    legislative_period_id: str | None = None


class LegislativePeriodSummary(Schema):
    """A legislative period (term) of a jurisdiction."""

    id: str
    identifier: str = Field(examples=["44"])
    name: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class JurisdictionDetail(JurisdictionSummary):
    """A jurisdiction with its chambers, legislative periods and sessions (newest first)."""

    created_at: dt.datetime
    chambers: list[OrganizationRef] = Field(description="Its legislature and chambers.")
    legislative_periods: list[LegislativePeriodSummary]
    sessions: list[SessionSummary]


# --- organizations, committees --------------------------------------------------------------------------------


class OrganizationSummary(Schema):
    """A legislature, chamber, party, committee ... (Popolo Organization)."""

    id: str
    name: str = Field(examples=["Standing Committee on Finance"])
    classification: str = Field(examples=["committee"])
    chamber: str | None = Field(default=None, description="upper | lower | unicameral (chambers only).")
    abbreviation: str | None = None
    jurisdiction_id: str | None = None
    parent: OrganizationRef | None = None
    founding_date: dt.date | None = None
    dissolution_date: dt.date | None = None
    color: str | None = None
    image: str | None = None
    updated_at: dt.datetime


class OrganizationMember(Schema):
    """A person's membership of the organization."""

    membership_id: str
    person: PersonRef
    role: str | None = Field(default=None, examples=["member", "chair"])
    label: str | None = None
    party: PartyRef | None = Field(default=None, description="The party the member sits for, when recorded.")
    area: AreaRef | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class OrganizationDetail(OrganizationSummary):
    """An organization with its sub-organizations and its current members (chairs first)."""

    created_at: dt.datetime
    other_names: list[OtherName]
    identifiers: list[Identifier]
    links: list[Link]
    children: list[OrganizationRef] = Field(description="Organizations whose parent this is (e.g. subcommittees).")
    current_members: list[OrganizationMember] = Field(
        description="Memberships without an end date or ending today or later."
    )


# --- areas ------------------------------------------------------------------------------------------------------


class AreaSummary(Schema):
    """An electoral district or other division."""

    id: str
    name: str
    classification: str = Field(examples=["district"])
    identifier: str | None = None
    jurisdiction_id: str | None = None
    parent_id: str | None = None
    updated_at: dt.datetime


class PostSummary(Schema):
    """A seat (post) in an organization for an area."""

    id: str
    label: str
    role: str | None = None
    organization: OrganizationRef
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class AreaDetail(AreaSummary):
    """An area with its seats (posts) and current representatives."""

    created_at: dt.datetime
    posts: list[PostSummary]
    current_representatives: list[OrganizationMember] = Field(
        description="Current memberships for this area (the people holding its seats)."
    )


# --- people ------------------------------------------------------------------------------------------------------


class PersonSummary(Schema):
    """A legislator (or other public person) with their current seat."""

    id: str = Field(examples=["ocd-person/0b7f…"])
    name: str = Field(examples=["Jane Doe"])
    sort_name: str = Field(examples=["Doe, Jane"])
    given_name: str | None = None
    family_name: str | None = None
    image: str | None = None
    current_party: PartyRef | None = Field(default=None, description="Party of the current seat, if any.")
    current_district: AreaRef | None = Field(default=None, description="District of the current seat, if any.")
    current_chamber: OrganizationRef | None = Field(default=None, description="Chamber of the current seat, if any.")
    updated_at: dt.datetime


class MembershipOut(Schema):
    """A membership of the person: seat, party, committee role, with dates."""

    id: str
    organization: OrganizationRef
    party: PartyRef | None = Field(default=None, description="The party the person sits for (on behalf of).")
    area: AreaRef | None = None
    post: str | None = Field(default=None, description="Label of the seat (post), when recorded.")
    role: str | None = None
    label: str | None = None
    legislative_period: LegislativePeriodRef | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    start_date_inferred: bool = Field(
        description="True when the source gives no start date and it was inferred (from the legislative period)."
    )
    end_date_inferred: bool = Field(
        description="True when the end date was inferred: from the legislative period, or the day a full snapshot "
        "of the source no longer listed the membership."
    )
    current: bool = Field(description="True when the membership has not ended (no end date, or one not yet past).")
    sources: list[Source] = Field(description="Where the membership is stated.")


class PersonDetail(PersonSummary, Provenance):
    """A person with every membership (current first, then past, newest first) and committees."""

    created_at: dt.datetime
    other_names: list[OtherName]
    identifiers: list[Identifier]
    contact_details: list[ContactDetail]
    links: list[Link]
    gender: str | None = None
    birth_date: str | None = Field(default=None, description="Partial ISO date (1961, 1961-04 or 1961-04-27).")
    death_date: str | None = None
    email: str | None = None
    current_memberships: list[MembershipOut]
    past_memberships: list[MembershipOut]
    committees: list[MembershipOut] = Field(description="Current committee memberships (subset of current).")


class VotingRecordEntry(Schema):
    """One ballot of a person, with its vote event."""

    vote_id: str
    date: dt.date
    motion: str
    result: str = Field(examples=["pass"])
    chamber: OrganizationRef | None = None
    bill: BillRef | None = None
    option: BallotOption = Field(
        description="How the person voted, stated explicitly: yes, no, abstain, paired, absent, not voting, "
        "excused or other."
    )


# --- bills ------------------------------------------------------------------------------------------------------


class BillSummary(Schema):
    """A bill in a session."""

    id: str
    identifier: str = Field(examples=["C-21"])
    title: str
    title_fr: str | None = None
    classification: list[str] = Field(examples=[["bill"]])
    subjects: list[str]
    status: str | None = None
    jurisdiction_id: str
    session: SessionRef
    chamber: OrganizationRef | None = Field(default=None, description="The organization the bill originated in.")
    introduced_date: dt.date | None = None
    latest_action_date: dt.date | None = None
    latest_action_description: str | None = None
    updated_at: dt.datetime


class Sponsor(Schema):
    """A sponsor of a bill: a matched person or organization, or only the published name."""

    name: str
    primary: bool
    classification: str = Field(examples=["sponsor", "cosponsor"])
    person: PersonRef | None = None
    organization: OrganizationRef | None = None
    party: str | None = Field(default=None, description="The party as the source states it for this sponsorship.")
    state: str | None = None
    district: str | None = None
    date: dt.date | None = Field(default=None, description="The date of the (co)sponsorship.")
    withdrawn_date: dt.date | None = Field(default=None, description="Set when a cosponsor withdrew (kept, marked).")
    original: bool | None = Field(default=None, description="An original cosponsor (when the source says).")


class BillActionOut(Schema):
    """One dated step in a bill's life."""

    order: int
    date: dt.date
    description: str
    classification: list[str]
    organization: OrganizationRef | None = None
    code: str | None = Field(default=None, description="The source's action code.", examples=["E40000"])
    type: str | None = Field(default=None, description="The source's action type.", examples=["Floor"])
    chamber: str | None = Field(default=None, description="upper, lower, or null when neither.")
    committees: list[str] = Field(default_factory=list, description="Names of the committees acting.")


class BillSummaryText(Schema):
    """A CRS summary of one version of the bill, markup removed (paragraphs separated by a blank line)."""

    version_code: str | None = None
    action_date: dt.date | None = None
    action_description: str | None = None
    update_date: str | None = None
    text: str | None = None


class CommitteeActivity(Schema):
    name: str | None = None
    date: dt.date | None = None


class BillCommittee(Schema):
    """A committee the bill was referred to, with what it did (and its subcommittees)."""

    name: str | None = None
    code: str | None = None
    chamber: str | None = None
    type: str | None = None
    activities: list[CommitteeActivity]
    subcommittees: list[BillCommittee] = Field(default_factory=list)


class RelatedBillLatest(Schema):
    date: dt.date | None = None
    text: str | None = None


class RelatedBillRelationship(Schema):
    type: str | None = None
    identified_by: str | None = None


class RelatedBill(Schema):
    """A bill the source relates to this one; ``stored``: whether ``bill_id`` is a bill of this api."""

    identifier: str
    congress: int
    bill_id: str
    title: str | None = None
    latest_action: RelatedBillLatest
    relationships: list[RelatedBillRelationship]
    stored: bool


class BillDocumentOut(Schema):
    """A version of a bill's text or a related document."""

    kind: Literal["version", "document"]
    note: str
    date: dt.date | None = None
    url: str
    media_type: str | None = None


class VoteCountOut(Schema):
    """The number of votes for one option."""

    option: str = Field(examples=["yes"])
    value: int = Field(examples=[172])


class VoteSummary(Schema):
    """A recorded vote with its published counts."""

    id: str
    identifier: str | None = Field(default=None, description="Division / roll-call number.")
    motion: str
    motion_fr: str | None = None
    motion_classification: list[str]
    date: dt.date
    result: str = Field(examples=["pass"])
    jurisdiction_id: str
    chamber: OrganizationRef | None = None
    session: SessionRef | None = None
    bill: BillRef | None = None
    counts: list[VoteCountOut] = Field(description="Counts per option as published by the source.")
    updated_at: dt.datetime


class BillDetail(BillSummary, Provenance):
    """A bill with sponsors (primary first), its actions timeline, documents and versions, and its votes."""

    created_at: dt.datetime
    abstract: str | None = None
    other_titles: list[dict[str, Any]]
    sponsors: list[Sponsor] = Field(description="Sponsors (primary first), then cosponsors, withdrawn ones marked.")
    actions: list[BillActionOut] = Field(description="In order.")
    policy_area: str | None = None
    summaries: list[BillSummaryText] = Field(description="CRS summaries, oldest version first.")
    committees: list[BillCommittee]
    related_bills: list[RelatedBill]
    versions: list[BillDocumentOut]
    documents: list[BillDocumentOut]
    votes: list[VoteSummary] = Field(description="Vote events on this bill, oldest first.")


# --- vote detail -------------------------------------------------------------------------------------------------


class BallotOut(Schema):
    """One voter's ballot."""

    voter_name: str = Field(description="Name as published by the source.")
    person: PersonRef | None = Field(default=None, description="Null when the voter was not matched to a person.")
    option: BallotOption


class PartyBallots(Schema):
    """The ballots of one party (the voter's party on the vote date, from memberships)."""

    party: PartyRef | None = Field(description="Null for voters with no known party on that date.")
    counts: dict[str, int] = Field(description="Ballots per option within the party.", examples=[{"yes": 150}])
    ballots: list[BallotOut]


class CountDifference(Schema):
    """An option whose tally from the ballots differs from the published count."""

    option: str
    published: int
    computed: int
    difference: int = Field(description="computed − published.")


class VoteDetail(VoteSummary, Provenance):
    """A vote with its ballots grouped by party and a check of the ballots against the published counts."""

    created_at: dt.datetime
    computed_counts: list[VoteCountOut] = Field(description="Counts per option tallied from the ballots.")
    counts_match: bool | None = Field(
        description="False when ballots disagree with the published counts; null when either is missing."
    )
    count_differences: list[CountDifference] = Field(description="Options where the two counts differ.")
    ballot_total: int
    by_party: list[PartyBallots] = Field(description="Largest party first; voters without a party last.")


# --- debates ---------------------------------------------------------------------------------------------------


class DebateVersion(Schema):
    """One published language of a debate."""

    language: Language
    name: str = Field(
        description="The debate's name as published in this language.", examples=["House of Commons Debates"]
    )
    source: str | None = Field(default=None, description="The file or URL this language was imported from.")
    document_id: str | None = Field(default=None, description="The publisher's id of the document.")


class DebateSummary(Schema):
    """A sitting of a chamber or a meeting of a committee; one debate whatever the languages it is published in."""

    id: str
    identifier: str = Field(description="The sitting's or meeting's number.", examples=["86"])
    classification: DebateClassification
    date: dt.date
    jurisdiction_id: str
    organization: OrganizationRef | None = Field(default=None, description="The chamber or committee that sat.")
    session: SessionRef | None = None
    versions: list[DebateVersion] = Field(description="Its published languages, `en` first.")
    updated_at: dt.datetime


class DebateSectionOut(Schema):
    """A heading of a debate: an order of business, or a subject under one (``parent_ordinal``)."""

    ordinal: int
    parent_ordinal: int | None = None
    kind: Literal["order", "subject"]
    title: str
    anchor: str | None = None


class SpeechOut(Schema):
    """One intervention, in one language: the speaker as published and the person they resolve to (or why not)."""

    id: str
    language: Language = Field(description="The language of this text (the sitting's version).")
    ordinal: int = Field(description="Place of the intervention in its debate (same in both languages).")
    section_ordinal: int | None = Field(default=None, description="The section (subject) it is under.")
    anchor: str | None = Field(default=None, description="The publisher's anchor of the intervention.")
    kind: str | None = Field(default=None, examples=["Debate", "Question", "Interjection"])
    speaker_name: str = Field(description="The speaker as published.", examples=["Mr. Kevin Lamoureux"])
    speaker_role: str | None = Field(default=None, description="The riding or office as published.")
    speaker_db_id: str | None = Field(default=None, description="The House's id of the speaker, when stated.")
    person: PersonRef | None = None
    party: PartyRef | None = Field(default=None, description="The person's party on the debate's date.")
    district: AreaRef | None = Field(default=None, description="The person's district on the debate's date.")
    unresolved: str | None = Field(default=None, description="Why the speaker resolves to nobody (null: resolved).")
    time: dt.time | None = None
    floor_language: Language | None = Field(default=None, description="The language spoken, where marked.")
    paragraphs: list[str]


class DebateText(DebateVersion):
    """A debate in one language: its sections and its speeches, in order."""

    sections: list[DebateSectionOut]
    speeches: list[SpeechOut]


class DebateDetail(DebateSummary):
    """A debate with its structure and speeches in each language asked for."""

    url: str = Field(description="API path of this debate.")
    import_run_id: int | None = Field(default=None, description="The import run that last changed it.")
    texts: list[DebateText] = Field(description="The languages asked for (`lang`), or every published one.")


class DebateRef(Schema):
    """The debate a speech belongs to."""

    id: str
    identifier: str
    classification: DebateClassification
    date: dt.date
    name: str = Field(description="The debate's name in the speech's language.")
    organization: OrganizationRef | None = None


class SpeechSummary(SpeechOut):
    """A speech in a list: with its debate and the title of its section."""

    debate: DebateRef
    section: str | None = Field(default=None, description="The title of the section the speech is under.")


# --- search ----------------------------------------------------------------------------------------------------


class SearchResult(Schema):
    """One hit of the cross-resource search."""

    type: SearchType
    id: str
    title: str = Field(description="Person name, bill identifier and title, or vote motion.")
    snippet: str | None = Field(default=None, description="Matching excerpt with <b>highlights</b>.")
    rank: float = Field(description="Relevance; higher first (exact bill number and exact title rank highest).")
    url: str = Field(description="API path of the record.", examples=["/v1/bills/ocd-bill/…"])


class SearchResults(Schema):
    """Results of /v1/search, best first."""

    query: str
    types: list[SearchType]
    results: list[SearchResult]


# --- status, stats (plain models: built from dicts, not ORM rows) -------------------------------------------


class LastRun(BaseModel):
    id: int
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None


class SourceFreshness(BaseModel):
    source: str = Field(description="Import source (popolo, us-congress, ourcommons): every known one is listed.")
    state: Literal["not configured", "up to date", "out of date"] = Field(
        description="not configured: never imported; out of date: no successful run within the expected "
        "interval; up to date otherwise.",
    )
    last_success: dt.datetime | None = Field(description="When the latest successful run finished.")
    age_seconds: int | None = Field(description="Seconds since last_success (null: never succeeded).")
    expected_interval_seconds: int = Field(description="IMPORT_EXPECTED_INTERVALS for this source.")
    stale: bool = Field(description="True when state is out of date (a never-imported source is not stale).")
    last_run: LastRun | None
    last_duration_seconds: float | None


class CheckFinding(BaseModel):
    source: str
    check: str = Field(description="ballots_vs_counts, membership_without_party_or_district, overlapping_seats")
    findings: int = Field(description="Findings of the source's latest successful run.")
    examples: list[dict[str, Any]]


class DemoData(BaseModel):
    """The synthetic demo parliament, present in the database."""

    jurisdiction_id: str
    jurisdiction_name: str
    import_run_id: int | None = Field(description="Its latest successful `demo` run (the load).")
    loaded_at: dt.datetime | None


class Status(BaseModel):
    generated_at: dt.datetime
    demo_data: DemoData | None = Field(
        default=None, description="Set while the synthetic demo parliament is loaded: its data is not real."
    )
    sources: list[SourceFreshness]
    checks: list[CheckFinding]


class Stats(BaseModel):
    """Counts of what the platform holds."""

    jurisdictions: int
    people: int
    current_legislators: int = Field(description="People with a current seat in a legislature or chamber.")
    parties: int
    committees: int
    areas: int
    bills: int
    votes: int
    ballots: int
    last_updated: dt.datetime | None = Field(description="Latest change to a bill or vote.")


# Concrete page types give the OpenAPI document readable names.
class JurisdictionPage(Page[JurisdictionSummary]):
    """A page of jurisdictions."""


class OrganizationPage(Page[OrganizationSummary]):
    """A page of organizations."""


class AreaPage(Page[AreaSummary]):
    """A page of areas."""


class PersonPage(Page[PersonSummary]):
    """A page of people."""


class VotingRecordPage(Page[VotingRecordEntry]):
    """A page of a person's voting record, newest first."""


class BillPage(Page[BillSummary]):
    """A page of bills."""


class VotePage(Page[VoteSummary]):
    """A page of vote events."""


class DebatePage(Page[DebateSummary]):
    """A page of debates."""


class SpeechPage(Page[SpeechSummary]):
    """A page of speeches."""
