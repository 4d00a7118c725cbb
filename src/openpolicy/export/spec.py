"""Every exported CSV file and column, defined once: the export's queries and the data dictionary come from here.

A :class:`FileSpec` is one CSV file written per jurisdiction (``scope="jurisdiction"``) or per session of a
jurisdiction (``scope="session"``). Its columns are columns of one table of :mod:`openpolicy.db.models` (their
types and nullability are read from the SQLAlchemy table) with a description; array columns are written as JSON
arrays, ``jsonb`` columns as JSON, dates as ``YYYY-MM-DD``, timestamps in UTC (``2026-01-02 03:04:05.123+00``),
``NULL`` as an empty unquoted field (PostgreSQL's CSV conventions, so ``COPY … FROM … (FORMAT csv, HEADER)`` loads
a file back). ``EXCLUDED`` names each table column that is deliberately not exported, with the reason; a test
fails when a table gains a column that is neither exported nor excluded.

Query parameters: ``$1`` is the jurisdiction id, ``$2`` the session id (NULL: the jurisdiction's rows that have no
session — votes and debates may have none).
"""

# ruff: noqa: S608 — the statements are composed from the constants of this module; values are $n parameters.
from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import ARRAY, Column, Table

from openpolicy.db.models import Base

Scope = Literal["jurisdiction", "session"]


@dataclass(frozen=True, slots=True)
class Col:
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class FileSpec:
    name: str  # the file is ``<name>.csv``
    table: str
    scope: Scope
    where: str  # the rows of one jurisdiction (and session): a WHERE clause over alias ``t``
    order_by: str  # a total order (the primary key): exports of the same data are byte-identical
    columns: tuple[Col, ...]
    description: str
    sessionless: bool = False  # session scope only: rows may have no session (written under ``no-session``)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def table_obj(self) -> Table:
        return Base.metadata.tables[self.table]

    def select_sql(self) -> str:
        """The SELECT whose rows are the file (``COPY (…) TO STDOUT`` wraps it)."""
        table = self.table_obj()
        exprs = []
        for col in self.columns:
            column = table.c[col.name]
            quoted = f't."{col.name}"'
            exprs.append(f'to_json({quoted}) AS "{col.name}"' if isinstance(column.type, ARRAY) else quoted)
        return f"SELECT {', '.join(exprs)} FROM {self.table} t WHERE {self.where} ORDER BY {self.order_by}"


def column_type(column: Column[object]) -> str:
    """The exported type of a table column, as the data dictionary states it."""
    if isinstance(column.type, ARRAY):
        return "JSON array"
    name = type(column.type).__name__.upper()
    return {
        "STRING": "text",
        "TEXT": "text",
        "VARCHAR": "text",
        "BIGINTEGER": "integer",
        "INTEGER": "integer",
        "SMALLINTEGER": "integer",
        "BOOLEAN": "boolean (t/f)",
        "DATE": "date",
        "DATETIME": "timestamp (UTC)",
        "TIME": "time",
        "JSONB": "JSON",
        "JSON": "JSON",
        "DOUBLE": "number",
        "LARGEBINARY": "bytes (hex `\\x…`)",
    }.get(name, name.lower())


# --- the sets of rows of one jurisdiction -------------------------------------------------------------------

J_ORGS: Final = "SELECT o.id FROM organizations o WHERE o.jurisdiction_id = $1"
J_MEMBERSHIPS_OF: Final = (
    "SELECT m.{col} FROM memberships m JOIN organizations mo ON mo.id = m.organization_id WHERE mo.jurisdiction_id = $1"
)


def people_filter(alias: str) -> str:
    """People (alias ``alias`` of ``people``) of jurisdiction ``$1``: a membership of one of its organizations, a
    ballot in one of its votes, a sponsorship of one of its bills or a speech in one of its debates. Each test is an
    index probe per person (``EXISTS`` stops at the first match), never a scan of the ballots."""
    return (
        f"(EXISTS (SELECT 1 FROM memberships pm JOIN organizations po ON po.id = pm.organization_id"
        f" WHERE pm.person_id = {alias}.id AND po.jurisdiction_id = $1)"
        f" OR EXISTS (SELECT 1 FROM ballots pb JOIN vote_events pv ON pv.id = pb.vote_event_id"
        f" WHERE pb.person_id = {alias}.id AND pv.jurisdiction_id = $1)"
        f" OR EXISTS (SELECT 1 FROM bill_sponsorships ps JOIN bills psb ON psb.id = ps.bill_id"
        f" WHERE ps.person_id = {alias}.id AND psb.jurisdiction_id = $1)"
        f" OR EXISTS (SELECT 1 FROM speeches pp JOIN debates pd ON pd.id = pp.debate_id"
        f" WHERE pp.person_id = {alias}.id AND pd.jurisdiction_id = $1))"
    )


J_PEOPLE: Final = f"SELECT jp.id FROM people jp WHERE {people_filter('jp')}"


def session_filter(alias: str) -> str:
    """Rows of session ``$2``, or (``$2`` NULL) the jurisdiction's rows without a session."""
    return f"({alias}.session_id = $2 OR ($2 IS NULL AND {alias}.session_id IS NULL AND {alias}.jurisdiction_id = $1))"


S_BILLS: Final = f"SELECT sb.id FROM bills sb WHERE {session_filter('sb')}"
S_VOTES: Final = f"SELECT sv.id FROM vote_events sv WHERE {session_filter('sv')}"
S_DEBATES: Final = f"SELECT sd.id FROM debates sd WHERE {session_filter('sd')}"

ID = Col("id", "Stable public identifier (Open Civic Data style); the same entity keeps it across exports.")
JUR = Col("jurisdiction_id", "The jurisdiction (legislature), `jurisdictions.csv`.")
EXTRAS = Col("extras", "Further facts as stated by the source (JSON object).")
SOURCES = Col("sources", "Where the facts come from: JSON array of `{url?, note?}`.")
RUN = Col("import_run_id", "The import run that last inserted or changed the row (`openpolicy import-runs`).")
CREATED = Col("created_at", "When the row was first stored.")
UPDATED = Col("updated_at", "When the row last changed.")
STAMPS = (CREATED, UPDATED)


def _cols(*items: Col | tuple[Col, ...]) -> tuple[Col, ...]:
    out: list[Col] = []
    for item in items:
        out.extend(item if isinstance(item, tuple) else (item,))
    return tuple(out)


FILES: Final[tuple[FileSpec, ...]] = (
    FileSpec(
        "jurisdiction", "jurisdictions", "jurisdiction", "t.id = $1", "t.id",
        _cols(
            ID,
            Col("name", "Name of the legislature."),
            Col("classification", "Kind of government body (`legislature`)."),
            Col("url", "Official website."),
            Col("country", "ISO 3166-1 alpha-2 country code, lower case."),
            Col("iso_code", "ISO 3166-1 or 3166-2 code of the place governed (`CA`, `GB-NIR`)."),
            Col("division_id", "OCD division of the place governed."),
            EXTRAS, RUN, STAMPS,
        ),
        "The jurisdiction itself (one row).",
    ),
    FileSpec(
        "organizations", "organizations", "jurisdiction",
        f"t.jurisdiction_id = $1 OR t.id IN ({J_MEMBERSHIPS_OF.format(col='on_behalf_of_id')})", "t.id",
        _cols(
            ID,
            Col("name", "Name."),
            Col("classification", "legislature, chamber, party, committee, subcommittee, executive, government, "
                "commission, caucus or other."),
            Col("parent_id", "The organization this one belongs to (a subcommittee's committee)."),
            Col("jurisdiction_id", "The jurisdiction; empty for an organization of none."),
            Col("chamber", "upper, lower or unicameral (chambers only)."),
            Col("abbreviation", "Short name (parties)."),
            Col("founding_date", "Date founded."),
            Col("dissolution_date", "Date dissolved."),
            Col("color", "Colour `#rrggbb` (parties)."),
            Col("image", "URL of a logo."),
            Col("other_names", "Other names: JSON array of `{name, note?, start_date?, end_date?}`."),
            Col("identifiers", "Identifiers in other schemes: JSON array of `{scheme, identifier}`."),
            Col("links", "Web links: JSON array of `{url, note?}`."),
            SOURCES, EXTRAS, RUN, STAMPS,
        ),
        "Chambers, parties, committees … of the jurisdiction, and the parties its members sit for.",
    ),
    FileSpec(
        "people", "people", "jurisdiction", people_filter("t"), "t.id",
        _cols(
            ID,
            Col("name", "Name as usually written."),
            Col("given_name", "Given name."),
            Col("family_name", "Family name."),
            Col("sort_name", "Name to sort by (`Doe, Jane`)."),
            Col("other_names", "Other names: JSON array of `{name, note?, start_date?, end_date?}`."),
            Col("contact_details", "Contact details: JSON array of `{type, value, label?, note?}`."),
            Col("links", "Web links: JSON array of `{url, note?}`."),
            SOURCES,
            Col("image", "URL of a portrait."),
            Col("gender", "Gender as stated by the source."),
            Col("birth_date", "Date of birth, ISO 8601, possibly partial (`1961`, `1961-04`)."),
            Col("death_date", "Date of death, ISO 8601, possibly partial."),
            Col("email", "Public e-mail address."),
            EXTRAS, RUN, STAMPS,
        ),
        "Everyone who held a membership in the jurisdiction, voted, sponsored a bill or spoke in it.",
    ),
    FileSpec(
        "person_identifiers", "person_identifiers", "jurisdiction", f"t.person_id IN ({J_PEOPLE})", "t.id",
        _cols(
            Col("id", "Row number (not stable across exports)."),
            Col("person_id", "The person, `people.csv`."),
            Col("scheme", "Scheme of the identifier: wikidata, bioguide, parl.gc.ca …"),
            Col("scope", "Empty for a global scheme, else the dataset the identifier belongs to."),
            Col("identifier", "The identifier."),
            STAMPS,
        ),
        "The people's identifiers in other schemes (the keys people are joined across sources on).",
    ),
    FileSpec(
        "memberships", "memberships", "jurisdiction", f"t.organization_id IN ({J_ORGS})", "t.id",
        _cols(
            ID,
            Col("person_id", "The member, `people.csv`."),
            Col("organization_id", "The organization (chamber, committee, party), `organizations.csv`."),
            Col("on_behalf_of_id", "The party the member sits for, `organizations.csv`."),
            Col("area_id", "The district represented, `areas.csv`."),
            Col("post_id", "The seat held, `posts.csv`."),
            Col("legislative_period_id", "The term, `legislative_periods.csv`."),
            Col("role", "Role: member, chair, vice-chair …"),
            Col("label", "Label as stated by the source."),
            Col("start_date", "First day (empty: unknown)."),
            Col("end_date", "Last day (empty: current or unknown)."),
            EXTRAS, SOURCES,
            Col("dataset", "The source dataset stating this membership in full (a later import without it ends it)."),
            RUN, STAMPS,
        ),
        "Seats, party memberships and committee roles in the jurisdiction's organizations.",
    ),
    FileSpec(
        "areas", "areas", "jurisdiction",
        f"t.jurisdiction_id = $1 OR t.id IN ({J_MEMBERSHIPS_OF.format(col='area_id')})", "t.id",
        _cols(
            ID,
            Col("name", "Name of the district."),
            Col("classification", "Kind of division (`district` …)."),
            Col("identifier", "The source's code for the district."),
            JUR,
            Col("parent_id", "The enclosing area."),
            EXTRAS, RUN, STAMPS,
        ),
        "Electoral districts and other divisions.",
    ),
    FileSpec(
        "posts", "posts", "jurisdiction", f"t.organization_id IN ({J_ORGS})", "t.id",
        _cols(
            ID,
            Col("organization_id", "The organization the seat belongs to."),
            Col("area_id", "The district the seat represents."),
            Col("label", "Label of the seat."),
            Col("role", "Role of its holder."),
            Col("start_date", "First day of the seat."),
            Col("end_date", "Last day of the seat."),
            EXTRAS, RUN, STAMPS,
        ),
        "Seats of the jurisdiction's organizations.",
    ),
    FileSpec(
        "legislative_periods", "legislative_periods", "jurisdiction", "t.jurisdiction_id = $1", "t.id",
        _cols(
            ID, JUR,
            Col("organization_id", "The chamber or legislature."),
            Col("identifier", "Number of the term (`44`)."),
            Col("name", "Name of the term."),
            Col("start_date", "First day."),
            Col("end_date", "Last day."),
            EXTRAS, RUN, STAMPS,
        ),
        "Terms of the legislature.",
    ),
    FileSpec(
        "sessions", "sessions", "jurisdiction", "t.jurisdiction_id = $1", "t.id",
        _cols(
            ID, JUR,
            Col("legislative_period_id", "The term, `legislative_periods.csv`."),
            Col("identifier", "The session's identifier (`44-1`); its folder under `sessions/`."),
            Col("name", "Name."),
            Col("classification", "primary, special …"),
            Col("start_date", "First day."),
            Col("end_date", "Last day."),
            EXTRAS, RUN, STAMPS,
        ),
        "Legislative sessions; each has a folder with its bills, votes and debates.",
    ),
    FileSpec(
        "boundary_sets", "boundary_sets", "jurisdiction", "t.jurisdiction_id = $1", "t.id",
        _cols(
            Col("id", "Identifier of the set (`gb-westminster-2010` …)."),
            Col("name", "Name of the set."),
            JUR,
            Col("division_type", "Kind of division the shapes are (`ed`, `cd` …)."),
            Col("start_date", "First day the boundaries are in force."),
            Col("end_date", "Last day they are in force."),
            Col("source_url", "Where the shapes were published."),
            Col("licence", "Their licence."),
            EXTRAS, RUN, STAMPS,
        ),
        "Sets of electoral boundaries of the jurisdiction.",
    ),
    FileSpec(
        "boundaries", "boundaries", "jurisdiction",
        "t.boundary_set_id IN (SELECT bs.id FROM boundary_sets bs WHERE bs.jurisdiction_id = $1)", "t.id",
        _cols(
            Col("id", "Identifier of the shape."),
            Col("boundary_set_id", "The set, `boundary_sets.csv`."),
            Col("code", "The source's code of the district."),
            Col("name", "Name of the district."),
            Col("division_id", "OCD division of the district."),
            Col("geometry", "The shape: WKB (WGS84 longitude/latitude) as PostgreSQL hex bytea (`\\x0106…`)."),
            Col("min_lon", "Bounding box: west."),
            Col("min_lat", "Bounding box: south."),
            Col("max_lon", "Bounding box: east."),
            Col("max_lat", "Bounding box: north."),
            Col("area_ids", "The platform's districts (`areas.csv`) the shape was joined to: JSON array."),
            EXTRAS, RUN, STAMPS,
        ),
        "Shapes of the jurisdiction's boundary sets.",
    ),
    FileSpec(
        "bills", "bills", "session", session_filter("t"), "t.id",
        _cols(
            ID, JUR,
            Col("session_id", "The session, `sessions.csv`."),
            Col("from_organization_id", "The chamber it was introduced in."),
            Col("identifier", "Identifier as published (`C-21`, `H.R. 1`)."),
            Col("normalized_identifier", "Identifier without punctuation, upper case (`C21`, `HR1`)."),
            Col("title", "Title."),
            Col("title_fr", "French title (where published)."),
            Col("other_titles", "Other titles: JSON array of `{title, note?, language?}`."),
            Col("classification", "Kinds: JSON array (bill, resolution …)."),
            Col("subjects", "Subjects: JSON array."),
            Col("status", "Status as stated by the source."),
            Col("introduced_date", "Date introduced."),
            Col("latest_action_date", "Date of the latest action."),
            Col("latest_action_description", "The latest action."),
            Col("abstract", "Abstract."),
            Col("policy_area", "Policy area (US Congress: CRS)."),
            Col("summaries", "Summaries per text version: JSON array."),
            Col("related_bills", "Related bills: JSON array."),
            Col("committees", "Committee referrals and their activities: JSON array."),
            SOURCES, EXTRAS, RUN, STAMPS,
        ),
        "Bills of the session.",
    ),
    FileSpec(
        "sponsors", "bill_sponsorships", "session", f"t.bill_id IN ({S_BILLS})", "t.id",
        _cols(
            Col("id", "Row number (not stable across exports)."),
            Col("bill_id", "The bill, `bills.csv`."),
            Col("person_id", "The sponsor, when matched to a person."),
            Col("organization_id", "The sponsoring organization, when one."),
            Col("name", "Sponsor's name as published."),
            Col("primary", "Primary sponsor (t) or co-sponsor (f)."),
            Col("classification", "sponsor, cosponsor …"),
            Col("date", "Date of the sponsorship."),
            Col("withdrawn_date", "Date a co-sponsor withdrew."),
            Col("party", "Party as the source states it."),
            Col("state", "State (US)."),
            Col("district", "District (US)."),
            Col("original", "An original co-sponsor (US)."),
            STAMPS,
        ),
        "Sponsors of the session's bills.",
    ),
    FileSpec(
        "actions", "bill_actions", "session", f"t.bill_id IN ({S_BILLS})", "t.bill_id, t.\"order\"",
        _cols(
            Col("id", "Row number (not stable across exports)."),
            Col("bill_id", "The bill, `bills.csv`."),
            Col("organization_id", "The organization acting."),
            Col("date", "Date."),
            Col("description", "What happened."),
            Col("classification", "Kinds of action: JSON array."),
            Col("order", "Position in the bill's history (0, 1, 2 …)."),
            Col("code", "The source's action code."),
            Col("type", "The source's action type."),
            Col("chamber", "upper, lower or empty."),
            Col("committees", "Names of the committees acting: JSON array."),
            STAMPS,
        ),
        "The steps of the session's bills.",
    ),
    FileSpec(
        "bill_documents", "bill_documents", "session", f"t.bill_id IN ({S_BILLS})", "t.id",
        _cols(
            Col("id", "Row number (not stable across exports)."),
            Col("bill_id", "The bill, `bills.csv`."),
            Col("kind", "version (a text of the bill) or document."),
            Col("note", "What it is."),
            Col("date", "Date."),
            Col("url", "Where it is published."),
            Col("media_type", "Its media type."),
            STAMPS,
        ),
        "Texts and documents of the session's bills.",
    ),
    FileSpec(
        "votes", "vote_events", "session", session_filter("t"), "t.id",
        _cols(
            ID, JUR,
            Col("session_id", "The session (empty: none)."),
            Col("organization_id", "The chamber or committee voting."),
            Col("bill_id", "The bill voted on, `bills.csv`."),
            Col("identifier", "Division or roll-call number."),
            Col("motion_text", "The motion."),
            Col("motion_text_fr", "The motion in French (where published)."),
            Col("motion_classification", "Kinds of motion: JSON array (passage, amendment …)."),
            Col("start_date", "Date of the vote."),
            Col("start_time", "Time of the vote (UTC), when known."),
            Col("result", "pass, fail, tie, withdrawn or other."),
            SOURCES, EXTRAS, RUN, STAMPS,
        ),
        "Recorded votes of the session.",
        sessionless=True,
    ),
    FileSpec(
        "vote_counts", "vote_counts", "session", f"t.vote_event_id IN ({S_VOTES})", "t.vote_event_id, t.option",
        _cols(
            Col("vote_event_id", "The vote, `votes.csv`."),
            Col("option", "yes, no, abstain, paired, absent, not voting, excused or other."),
            Col("value", "The published count of that option."),
            STAMPS,
        ),
        "Published counts of the session's votes (what the source says, not a tally of the ballots).",
        sessionless=True,
    ),
    FileSpec(
        "ballots", "ballots", "session", f"t.vote_event_id IN ({S_VOTES})", "t.vote_event_id, t.ordinal",
        _cols(
            Col("vote_event_id", "The vote, `votes.csv`."),
            Col("ordinal", "Position of the ballot in the vote (0, 1, 2 …)."),
            Col("person_id", "The voter, when matched to a person, `people.csv`."),
            Col("voter_name", "The voter's name as published."),
            Col("option", "yes, no, abstain, paired, absent, not voting, excused or other."),
        ),
        "Each person's ballot in the session's votes.",
        sessionless=True,
    ),
    FileSpec(
        "debates", "debates", "session", session_filter("t"), "t.id",
        _cols(
            ID, JUR,
            Col("organization_id", "The chamber or committee sitting."),
            Col("session_id", "The session (empty: none)."),
            Col("classification", "sitting or committee."),
            Col("identifier", "Number of the sitting or meeting."),
            Col("date", "Date."),
            EXTRAS, RUN, STAMPS,
        ),
        "Sittings and committee meetings of the session.",
        sessionless=True,
    ),
    FileSpec(
        "debate_versions", "debate_versions", "session", f"t.debate_id IN ({S_DEBATES})", "t.debate_id, t.language",
        _cols(
            Col("debate_id", "The debate, `debates.csv`."),
            Col("language", "Language (`en`, `fr`)."),
            Col("name", "Name as published in that language."),
            Col("source", "Where that version was published."),
            Col("document_id", "The source's document id."),
        ),
        "Published languages of the session's debates.",
        sessionless=True,
    ),
    FileSpec(
        "debate_sections", "debate_sections", "session", f"t.debate_id IN ({S_DEBATES})",
        "t.debate_id, t.language, t.ordinal",
        _cols(
            Col("debate_id", "The debate, `debates.csv`."),
            Col("language", "Language."),
            Col("ordinal", "Position of the heading."),
            Col("parent_ordinal", "The order of business a subject belongs to."),
            Col("kind", "order or subject."),
            Col("title", "Heading."),
            Col("anchor", "Anchor in the published text."),
        ),
        "Headings of the session's debates.",
        sessionless=True,
    ),
    FileSpec(
        "speeches", "speeches", "session", f"t.debate_id IN ({S_DEBATES})", "t.id",
        _cols(
            ID,
            Col("debate_id", "The debate, `debates.csv`."),
            Col("language", "Language of this text."),
            Col("ordinal", "Position in the debate."),
            Col("section_ordinal", "The heading it falls under, `debate_sections.csv`."),
            Col("anchor", "Anchor in the published text."),
            Col("kind", "Kind of intervention."),
            Col("person_id", "The speaker, when matched to a person."),
            Col("speaker_name", "Speaker's name as published."),
            Col("speaker_role", "Riding or office as stated."),
            Col("speaker_db_id", "The source's id of the speaker."),
            Col("unresolved", "Why the speaker was not matched to a person."),
            Col("time", "Time of day."),
            Col("floor_language", "Language spoken on the floor."),
            Col("paragraphs", "The text: JSON array of paragraphs."),
        ),
        "Speeches in the session's debates.",
        sessionless=True,
    ),
)  # fmt: skip

#: Table columns not exported, with the reason (checked by a test against the tables).
EXCLUDED: Final[dict[str, str]] = {
    "search_vector": "derived full-text index data",
    "vote_events.ballots_digest": "importer bookkeeping",
}


#: Tables not exported at all, with the reason (checked by a test against the schema).
NOT_EXPORTED: Final[dict[str, str]] = {
    "import_runs": "operational records of the import jobs (`openpolicy import-runs`)",
    "change_log": "the change feed itself: continue from the manifest's `change_feed_position` with /v1/changes",
    "audit_events": "operational audit trail",
    "data_check_results": "data-quality findings of the imports (/v1/status)",
    "api_keys": "credentials of API clients",
    "webhook_subscriptions": "private subscriptions of API clients",
    "webhook_deliveries": "private delivery log of the subscriptions",
    "webhook_notifier_cursor": "the notifier's position in the change feed",
    "documents": "exported as JSON Lines (`documents/*.jsonl`), not as CSV",
}


def excluded(table: str, column: str) -> bool:
    return column in EXCLUDED or f"{table}.{column}" in EXCLUDED


def by_scope(scope: Scope) -> tuple[FileSpec, ...]:
    return tuple(spec for spec in FILES if spec.scope == scope)
