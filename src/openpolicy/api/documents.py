"""Response documents built by PostgreSQL: the hot read paths answer with one JSON text per query.

The busiest endpoints (people, bills, votes and their details, a person's voting record) do not load rows into
Python objects to serialise them again: one SQL statement per document builds the JSON (``json_build_object``,
``json_agg``) next to the data, on the database's core, and the api passes the text through. A request then costs
the api one round trip and no per-row Python work — see ``README.md`` ("Measured") for what that buys.

Shape contract: every document here is exactly what the endpoint's response model (``openpolicy.documents.schemas``)
would serialise — same fields, ``null`` for absent optional fields, dates as ``YYYY-MM-DD`` and timestamps in
Pydantic's ISO 8601 form (``…T10:59:12.123456Z``). ``tests/integration/test_api_documents.py`` validates each
document against its model and compares the model's own dump with the text, field for field.

The statements are plain SQL constants with ``$n`` parameters, prepared once per connection by asyncpg (and
planned once: the api's sessions use generic plans, see ``openpolicy.db.engine``). List endpoints build their
filtered keyset page over ids with SQLAlchemy Core (one definition per filter);
:func:`openpolicy.api.pagination.fetch_page_document` runs that page and its ``*_PAGE`` documents as one
statement. Other endpoints (jurisdictions, organizations, areas, status ...) keep the ORM and Pydantic path.
"""

# ruff: noqa: S608 — the statements are composed at import time from constants of this module; every value a
# request supplies is a $n parameter.
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncConnection

from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import PageRequest, Shaped, driver_call, fetch_page_document
from openpolicy.api.queries.common import COMMITTEE_CLASSIFICATIONS, SEAT_CLASSIFICATIONS, check_id
from openpolicy.db.models import BALLOT_OPTIONS
from openpolicy.observability.tracing import db_span

if TYPE_CHECKING:
    from openpolicy.api.deps import Database


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def iso(column: str) -> str:
    """A ``timestamptz`` as Pydantic writes it: UTC, ``Z``, microseconds only when there are some."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_part('microseconds', {column})::int % 1000000 <> 0 THEN to_char({utc}, '.US') ELSE '' END"
        " || 'Z' END"
    )


def _ref(alias: str, *fields: str) -> str:
    """A ``*Ref`` object of the row ``alias`` (a LEFT JOIN): null when there is no such row."""
    pairs = ", ".join(f"'{field}', {alias}.{field}" for field in fields)
    return f"CASE WHEN {alias}.id IS NULL THEN NULL ELSE json_build_object({pairs}) END"


def org_ref(alias: str) -> str:
    return _ref(alias, "id", "name", "classification", "chamber", "abbreviation", "color")


def party_ref(alias: str) -> str:
    return _ref(alias, "id", "name", "abbreviation", "color")


def area_ref(alias: str) -> str:
    return _ref(alias, "id", "name", "classification", "identifier")


def session_ref(alias: str) -> str:
    return _ref(alias, "id", "identifier", "name")


period_ref = session_ref  # LegislativePeriodRef has the same fields as SessionRef


def person_ref(alias: str) -> str:
    return _ref(alias, "id", "name", "image")


def bill_ref(alias: str) -> str:
    return _ref(alias, "id", "identifier", "title")


def is_current(alias: str, day: str = "current_date") -> str:
    """The membership ``alias`` covers ``day`` (today by default: :func:`openpolicy.api.queries.common.is_current`)."""
    return (
        f"(({alias}.start_date IS NULL OR {alias}.start_date <= {day}) "
        f"AND ({alias}.end_date IS NULL OR {alias}.end_date >= {day}))"
    )


def option_rank(column: str) -> str:
    """Sort key of a ballot option: yes, no, abstain, paired, absent, not voting, excused, other, then by name."""
    return f"coalesce(array_position(ARRAY[{_sql_list(BALLOT_OPTIONS)}]::text[], {column}::text), 1000), {column}"


def json_list(select_sql: str) -> str:
    """``select_sql`` (one ``json`` column ``doc`` and an ``ORDER BY`` key ``n``) as a JSON array, ``[]`` if empty."""
    return f"(SELECT coalesce(json_agg(doc ORDER BY n), '[]'::json) FROM ({select_sql}) AS items)"


_SEAT_CLASSES = _sql_list(SEAT_CLASSIFICATIONS)
_COMMITTEE_CLASSES = _sql_list(COMMITTEE_CLASSIFICATIONS)

# The current seat of each person ``p`` whose id ``ids`` (SQL: a subquery, an array expression or a parameter) names:
# chamber (a chamber preferred over the whole legislature, then the most recently started), the party it is held
# for (else another current seat's, else a current party membership) and its district (else another current
# seat's). One definition for lists and details. Joins ``seat_chamber``, ``seat_party``, ``seat_area``. The seats of
# all those people are read in one pass (grouped by person) rather than once per person (a lateral subquery each).
_SEAT_ORDER = "m.start_date DESC NULLS LAST, m.id"
_CHOSEN_ORDER = f"o.classification = 'chamber' DESC, {_SEAT_ORDER}"
_IS_SEAT = f"o.classification IN ({_SEAT_CLASSES})"


def seat_joins(ids: str) -> str:
    """The joins that give ``seat_chamber``, ``seat_party`` and ``seat_area`` to each person ``p`` among ``ids``."""

    def first(column: str, order: str, condition: str) -> str:
        return f"(array_agg({column} ORDER BY {order}) FILTER (WHERE {condition}))[1]"

    return f"""
LEFT JOIN (
    SELECT m.person_id,
           {first("m.organization_id", _CHOSEN_ORDER, _IS_SEAT)} AS chamber_id,
           coalesce({first("m.on_behalf_of_id", _CHOSEN_ORDER, _IS_SEAT)},
                    {first("m.on_behalf_of_id", _SEAT_ORDER, f"{_IS_SEAT} AND m.on_behalf_of_id IS NOT NULL")},
                    {first("m.organization_id", _SEAT_ORDER, f"NOT {_IS_SEAT}")}) AS party_id,
           coalesce({first("m.area_id", _CHOSEN_ORDER, _IS_SEAT)},
                    {first("m.area_id", _SEAT_ORDER, f"{_IS_SEAT} AND m.area_id IS NOT NULL")}) AS area_id
    FROM memberships m JOIN organizations o ON o.id = m.organization_id
    WHERE m.person_id IN ({ids}) AND {is_current("m")} AND ({_IS_SEAT} OR o.classification = 'party')
    GROUP BY m.person_id
) AS seat ON seat.person_id = p.id
LEFT JOIN organizations seat_chamber ON seat_chamber.id = seat.chamber_id
LEFT JOIN organizations seat_party ON seat_party.id = seat.party_id
LEFT JOIN areas seat_area ON seat_area.id = seat.area_id
"""


PERSON_SUMMARY_FIELDS = f"""
    'id', p.id, 'name', p.name, 'sort_name', p.sort_name, 'given_name', p.given_name,
    'family_name', p.family_name, 'image', p.image,
    'current_party', {party_ref("seat_party")}, 'current_district', {area_ref("seat_area")},
    'current_chamber', {org_ref("seat_chamber")}, 'updated_at', {iso("p.updated_at")}
"""


def page_of(fields: str, table: str, alias: str, joins: str = "") -> str:
    """The documents of a page's rows, read from ``shown(id, …, _n)`` (``pagination.fetch_page_document``)."""
    return (
        f"SELECT coalesce(json_agg(json_build_object({fields}) ORDER BY u._n), '[]'::json)::text "
        f"FROM shown AS u JOIN {table} {alias} ON {alias}.id = u.id {joins}"
    )


PEOPLE_PAGE = page_of(PERSON_SUMMARY_FIELDS, "people", "p", seat_joins("SELECT id FROM shown"))


# $1 person ids → rows (person id, PartyRef JSON text or NULL).
CURRENT_PARTIES = f"""
SELECT p.id, {party_ref("seat_party")}::text
FROM unnest($1::text[]) AS p(id)
{seat_joins("SELECT unnest($1::text[])")}
"""


def _jsonb_items(column: str, required: tuple[str, ...], defaults: tuple[str, ...]) -> str:
    """The objects of a JSONB array that have every ``required`` key, with the ``defaults`` keys null if absent."""
    has = " AND ".join(f"e ? '{key}'" for key in required) or "true"
    nulls = ", ".join(f"'{key}', NULL" for key in defaults)
    return json_list(
        f"SELECT (jsonb_build_object({nulls}) || e)::json AS doc, n "
        f"FROM jsonb_array_elements(CASE WHEN jsonb_typeof({column}) = 'array' THEN {column} ELSE '[]' END) "
        f"WITH ORDINALITY AS x(e, n) WHERE jsonb_typeof(e) = 'object' AND {has}"
    )


def provenance(alias: str, path: str) -> str:
    """The :class:`~openpolicy.documents.schemas.Provenance` members of the row ``alias`` served under ``path``."""
    return (
        f"'url', '{path}' || {alias}.id, 'sources', {_jsonb_items(f'{alias}.sources', (), ('url', 'note'))}, "
        f"'import_run_id', {alias}.import_run_id"
    )


_MEMBERSHIPS = f"""
    SELECT row_number() OVER (ORDER BY m.end_date DESC NULLS FIRST, m.start_date DESC NULLS LAST, m.id) AS n,
           {is_current("m")} AS cur, o.classification AS org_class,
           json_build_object(
               'id', m.id, 'organization', {org_ref("o")}, 'party', {party_ref("mp")}, 'area', {area_ref("ma")},
               'post', po.label, 'role', m.role, 'label', m.label, 'legislative_period', {period_ref("lp")},
               'start_date', m.start_date, 'end_date', m.end_date,
               'start_date_inferred', coalesce(m.extras ->> 'start_date_inferred' = 'true', false),
               'end_date_inferred', coalesce(m.extras ->> 'end_date_inferred' = 'true', false),
               'current', {is_current("m")}, 'sources', {_jsonb_items("m.sources", (), ("url", "note"))}
           ) AS doc
    FROM memberships m
    JOIN organizations o ON o.id = m.organization_id
    LEFT JOIN organizations mp ON mp.id = m.on_behalf_of_id
    LEFT JOIN areas ma ON ma.id = m.area_id
    LEFT JOIN posts po ON po.id = m.post_id
    LEFT JOIN legislative_periods lp ON lp.id = m.legislative_period_id
    WHERE m.person_id = $1
"""

PERSON_DETAIL = f"""
WITH ms AS ({_MEMBERSHIPS})
SELECT json_build_object({PERSON_SUMMARY_FIELDS},
    'created_at', {iso("p.created_at")},
    'other_names', {_jsonb_items("p.other_names", ("name",), ("note", "start_date", "end_date"))},
    'identifiers', {
    json_list(
        "SELECT json_build_object('scheme', i.scheme, 'identifier', i.identifier, 'scope', nullif(i.scope, '')) "
        "AS doc, "
        "row_number() OVER (ORDER BY i.scheme, i.identifier) AS n FROM person_identifiers i WHERE i.person_id = p.id"
    )
},
    'contact_details', {_jsonb_items("p.contact_details", ("type", "value"), ("label", "note"))},
    'links', {_jsonb_items("p.links", ("url",), ("note",))},
    'gender', p.gender, 'birth_date', p.birth_date, 'death_date', p.death_date, 'email', p.email,
    'current_memberships', {json_list("SELECT doc, n FROM ms WHERE cur")},
    'past_memberships', {json_list("SELECT doc, n FROM ms WHERE NOT cur")},
    'committees', {json_list(f"SELECT doc, n FROM ms WHERE cur AND org_class IN ({_COMMITTEE_CLASSES})")},
    {provenance("p", "/v1/people/")}
)::text
FROM people p
{seat_joins("$1")}
WHERE p.id = $1
"""

# A page of a person's ballots, ``shown(id = vote id, option, _n)``; $EXTRA1 the person id. NULL when the person
# does not exist.
_RECORD_FIELDS = f"""'vote_id', v.id, 'date', v.start_date, 'motion', v.motion_text, 'result', v.result,
    'chamber', {org_ref("o")}, 'bill', {bill_ref("b")}, 'option', u.option"""
_RECORD_JOINS = "LEFT JOIN organizations o ON o.id = v.organization_id LEFT JOIN bills b ON b.id = v.bill_id"
RECORD_PAGE = f"""SELECT CASE WHEN EXISTS (SELECT 1 FROM people WHERE id = $EXTRA1) THEN
({page_of(_RECORD_FIELDS, "vote_events", "v", _RECORD_JOINS)}) END"""

# --- votes ---------------------------------------------------------------------------------------------------------

_PUBLISHED_COUNTS = json_list(
    "SELECT json_build_object('option', c.option, 'value', c.value) AS doc, "
    f"row_number() OVER (ORDER BY {option_rank('c.option')}) AS n FROM vote_counts c WHERE c.vote_event_id = v.id"
)

VOTE_SUMMARY_FIELDS = f"""
    'id', v.id, 'identifier', v.identifier, 'motion', v.motion_text, 'motion_fr', v.motion_text_fr,
    'motion_classification', v.motion_classification, 'date', v.start_date, 'result', v.result,
    'jurisdiction_id', v.jurisdiction_id, 'chamber', {org_ref("vo")}, 'session', {session_ref("vs")},
    'bill', {bill_ref("vb")}, 'counts', {_PUBLISHED_COUNTS}, 'updated_at', {iso("v.updated_at")}
"""
VOTE_JOINS = """
LEFT JOIN organizations vo ON vo.id = v.organization_id
LEFT JOIN sessions vs ON vs.id = v.session_id
LEFT JOIN bills vb ON vb.id = v.bill_id
"""

VOTES_PAGE = page_of(VOTE_SUMMARY_FIELDS, "vote_events", "v", VOTE_JOINS)

# The voter's party on the vote date (one row per voter): a membership covering that day, preferring the vote's
# chamber and a party stated on the seat ("on behalf of") over a bare party membership, then the latest started.
# Ballots in voter-name order; groups largest first, voters without a party last.
VOTE_DETAIL = f"""
WITH v AS (SELECT * FROM vote_events WHERE id = $1),
voter_party AS (
    SELECT DISTINCT ON (m.person_id) m.person_id,
           coalesce(m.on_behalf_of_id, CASE WHEN mo.classification = 'party' THEN m.organization_id END) AS party_id
    FROM v, memberships m JOIN organizations mo ON mo.id = m.organization_id
    WHERE m.person_id IN (SELECT person_id FROM ballots WHERE vote_event_id = $1 AND person_id IS NOT NULL)
      AND coalesce(m.on_behalf_of_id, CASE WHEN mo.classification = 'party' THEN m.organization_id END) IS NOT NULL
      AND {is_current("m", "v.start_date")}
    ORDER BY m.person_id, coalesce(m.organization_id = v.organization_id, false) DESC,
             m.on_behalf_of_id IS NULL, m.start_date DESC NULLS LAST
),
bl AS (
    SELECT b.option, pt.id AS party_id, pt.name AS party_name,
           {party_ref("pt")} AS party,
           json_build_object('voter_name', b.voter_name, 'person', {person_ref("pe")}, 'option', b.option) AS doc,
           row_number() OVER (ORDER BY lower(b.voter_name) COLLATE "C", b.ordinal) AS n
    FROM ballots b
    LEFT JOIN people pe ON pe.id = b.person_id
    LEFT JOIN voter_party vp ON vp.person_id = b.person_id
    LEFT JOIN organizations pt ON pt.id = vp.party_id
    WHERE b.vote_event_id = $1
),
groups AS (
    SELECT party_id, min(party_name) AS party_name, (array_agg(party::text))[1]::json AS party, count(*) AS size,
           json_agg(doc ORDER BY n) AS ballots
    FROM bl GROUP BY party_id
),
group_counts AS (
    SELECT party_id, json_object_agg(option, k ORDER BY {option_rank("option")}) AS counts
    FROM (SELECT party_id, option, count(*) AS k FROM bl GROUP BY party_id, option) AS per_option
    GROUP BY party_id
),
published AS (SELECT option, value FROM vote_counts WHERE vote_event_id = $1),
computed AS (SELECT option, count(*)::int AS value FROM bl GROUP BY option),
differences AS (
    SELECT coalesce(p.option, c.option) AS option, coalesce(p.value, 0) AS published, coalesce(c.value, 0) AS computed
    FROM published p FULL JOIN computed c ON c.option = p.option
    WHERE coalesce(p.value, 0) <> coalesce(c.value, 0)
),
checked AS (
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM published) OR NOT EXISTS (SELECT 1 FROM bl) THEN NULL
                ELSE NOT EXISTS (SELECT 1 FROM differences) END AS counts_match
)
SELECT json_build_object({VOTE_SUMMARY_FIELDS},
    'created_at', {iso("v.created_at")},
    'computed_counts', {
    json_list(
        "SELECT json_build_object('option', option, 'value', value) AS doc, "
        f"row_number() OVER (ORDER BY {option_rank('option')}) AS n FROM computed"
    )
},
    'counts_match', checked.counts_match,
    'count_differences', CASE WHEN checked.counts_match IS NULL THEN '[]'::json ELSE {
    json_list(
        "SELECT json_build_object('option', option, 'published', published, 'computed', computed, "
        "'difference', computed - published) AS doc, "
        f"row_number() OVER (ORDER BY {option_rank('option')}) AS n FROM differences"
    )
} END,
    'ballot_total', (SELECT count(*) FROM bl), {provenance("v", "/v1/votes/")},
    'by_party', {
    json_list(
        "SELECT json_build_object('party', g.party, 'counts', gc.counts, 'ballots', g.ballots) AS doc, "
        "row_number() OVER (ORDER BY g.party_id IS NULL, g.size DESC, coalesce(g.party_name, '')) AS n "
        "FROM groups g JOIN group_counts gc ON gc.party_id IS NOT DISTINCT FROM g.party_id"
    )
}
)::text
FROM v CROSS JOIN checked
{VOTE_JOINS}
"""

# --- bills ---------------------------------------------------------------------------------------------------------

BILL_SUMMARY_FIELDS = f"""
    'id', b.id, 'identifier', b.identifier, 'title', b.title, 'title_fr', b.title_fr,
    'classification', b.classification, 'subjects', b.subjects, 'status', b.status,
    'jurisdiction_id', b.jurisdiction_id, 'session', {session_ref("bs")}, 'chamber', {org_ref("bo")},
    'introduced_date', b.introduced_date, 'latest_action_date', b.latest_action_date,
    'latest_action_description', b.latest_action_description, 'updated_at', {iso("b.updated_at")}
"""
BILL_JOINS = """
JOIN sessions bs ON bs.id = b.session_id
LEFT JOIN organizations bo ON bo.id = b.from_organization_id
"""

BILLS_PAGE = page_of(BILL_SUMMARY_FIELDS, "bills", "b", BILL_JOINS)


def _documents(kind: str) -> str:
    return json_list(
        "SELECT json_build_object('kind', d.kind, 'note', d.note, 'date', d.date, 'url', d.url, "
        "'media_type', d.media_type) AS doc, "
        "row_number() OVER (ORDER BY d.date ASC NULLS LAST, d.id) AS n "
        f"FROM bill_documents d WHERE d.bill_id = b.id AND d.kind = '{kind}'"
    )


_SPONSORS = json_list(
    "SELECT json_build_object('name', s.name, 'primary', s.\"primary\", 'classification', s.classification, "
    f"'person', {person_ref('sp')}, 'organization', {org_ref('so')}, 'party', s.party, 'state', s.state, "
    "'district', s.district, 'date', s.date, 'withdrawn_date', s.withdrawn_date, 'original', s.original) AS doc, "
    'row_number() OVER (ORDER BY s."primary" DESC, s.id) AS n '
    "FROM bill_sponsorships s LEFT JOIN people sp ON sp.id = s.person_id "
    "LEFT JOIN organizations so ON so.id = s.organization_id WHERE s.bill_id = b.id"
)
_ACTIONS = json_list(
    "SELECT json_build_object('order', a.\"order\", 'date', a.date, 'description', a.description, "
    f"'classification', a.classification, 'organization', {org_ref('ao')}, 'code', a.code, 'type', a.type, "
    "'chamber', a.chamber, 'committees', a.committees) AS doc, "
    'row_number() OVER (ORDER BY a."order", a.id) AS n '
    "FROM bill_actions a LEFT JOIN organizations ao ON ao.id = a.organization_id WHERE a.bill_id = b.id"
)

# Related bills as stated (revision 0010), each saying whether that bill is stored here.
_RELATED = """(SELECT coalesce(json_agg((r.e || jsonb_build_object('stored', EXISTS (
    SELECT 1 FROM bills x WHERE x.id = r.e ->> 'bill_id')))::json ORDER BY r.o), '[]'::json)
    FROM jsonb_array_elements(b.related_bills) WITH ORDINALITY AS r(e, o))"""

BILL_DETAIL = f"""
SELECT json_build_object({BILL_SUMMARY_FIELDS},
    'created_at', {iso("b.created_at")}, 'abstract', b.abstract,
    'other_titles', CASE WHEN jsonb_typeof(b.other_titles) = 'array' THEN b.other_titles::json ELSE '[]'::json END,
    'sponsors', {_SPONSORS},
    'actions', {_ACTIONS},
    'policy_area', b.policy_area, 'summaries', b.summaries::json, 'committees', b.committees::json,
    'related_bills', {_RELATED},
    'versions', {_documents("version")},
    'documents', {_documents("document")},
    {provenance("b", "/v1/bills/")},
    'votes', {
    json_list(
        f"SELECT json_build_object({VOTE_SUMMARY_FIELDS}) AS doc, "
        f"row_number() OVER (ORDER BY v.start_date, v.id) AS n FROM vote_events v {VOTE_JOINS} "
        "WHERE v.bill_id = b.id"
    )
}
)::text
FROM bills b
{BILL_JOINS}
WHERE b.id = $1
"""


def _name(sql: str) -> str:
    return _NAMES.get(id(sql), "document")


async def fetch_document(db: Database, sql: str, *args: Any, custom_plan: bool = False) -> str | None:
    """Run one document statement on a pooled connection of ``db``; its single text value or None.
    Traced as a client span ``SELECT <constant name>`` when tracing is on.

    ``custom_plan``: plan it for these values (the api's connections otherwise reuse a generic plan, which for a
    full-text match over a large table is a sequential scan: search answers ≈ 3× slower)."""
    with db_span(_name(sql)):
        async with db.connection() as conn:
            if not custom_plan:
                value = await driver_call(conn, "fetchval", sql, *args)
            else:
                await driver_call(conn, "execute", "SET plan_cache_mode = force_custom_plan")
                try:
                    value = await driver_call(conn, "fetchval", sql, *args)
                finally:
                    await driver_call(conn, "execute", "RESET plan_cache_mode")
    return value if isinstance(value, str) else None


async def fetch_rows(conn: AsyncConnection, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run one statement on ``conn``; its rows as tuples (traced like :func:`fetch_document`)."""
    with db_span(_name(sql)):
        rows = await driver_call(conn, "fetch", sql, *args)
    return [tuple(row) for row in rows]


# Span names: the statement constants of this module by identity (PERSON_DETAIL → "person_detail").
_NAMES = {
    id(value): name.lower() for name, value in list(globals().items()) if name.isupper() and isinstance(value, str)
}


async def detail_response(db: Database, sql: str, kind: str, ident: str) -> Response:
    """The document ``sql`` builds for ``ident`` (its ``$1``), or a 404 problem naming the ``kind``."""
    document = await fetch_document(db, sql, check_id(kind, ident))
    if document is None:
        raise NotFound(kind, ident)
    return document_response(document)


async def list_response(
    db: Database, shaped: Shaped, page: PageRequest, documents: str, *extra: Any, kind: str = "", ident: str = ""
) -> Response:
    """A page of ``shaped``'s statement with its ``documents`` (one statement); a 404 problem naming
    ``kind``/``ident`` when the documents statement answers NULL (the resource the list belongs to does not
    exist)."""
    with db_span(_name(documents)):
        results, next_url = await fetch_page_document(db, shaped, page, documents, *extra)
    if results is None:
        raise NotFound(kind, ident)
    return page_response(results, page.limit, next_url)


def document_response(document: str) -> Response:
    """A 200 ``application/json`` response whose body is ``document`` as PostgreSQL wrote it."""
    return Response(document.encode(), media_type="application/json")


def page_response(results: str, limit: int, next_url: str | None) -> Response:
    """The ``{"results": [...], "pagination": {"limit", "next"}}`` envelope around a JSON array of results."""
    pagination = orjson.dumps({"limit": limit, "next": next_url})
    return Response(
        b'{"results":' + results.encode() + b',"pagination":' + pagination + b"}", media_type="application/json"
    )
