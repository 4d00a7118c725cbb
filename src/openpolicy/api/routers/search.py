"""/v1/search: one ranked full-text search over people, bills, votes, districts (areas), organizations and speeches.

PostgreSQL full text on the stored ``search_vector`` columns (GIN indexes): the query is read with
``websearch_to_tsquery`` in the ``openpolicy_english``, ``openpolicy_french`` and ``openpolicy_simple``
configurations (revision 0009: accents removed first; OR-ed), so stemmed English, stemmed French and exact tokens
all match whatever the accents, and each word also matches as a prefix (``tax`` finds ``taxation``, ``Gen`` finds
``Généreux``). Ranking, highest first:

1. a bill whose normalized number equals the query (``C-21``, ``c21``, ``HR 1``, ``H.R. 1``): +100;
2. an exact title, name, motion, district or party (case and accents ignored): +50;
3. ``ts_rank_cd`` of the match (title/identifier weighted above other text), whole words counted again.

One statement per search (:data:`SEARCH`): the readings of the query, the best ``limit`` of each type, their
snippets (``ts_headline``, costly, made for those rows only) and the merged, ranked JSON list are all computed
by PostgreSQL.
"""

from __future__ import annotations

from typing import Annotated, get_args

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from openpolicy.api import documents as docs
from openpolicy.api.deps import Database, get_database
from openpolicy.api.errors import BadParameter
from openpolicy.api.pagination import page_limit
from openpolicy.db.models import normalize_bill_identifier
from openpolicy.documents.schemas import SearchResults, SearchType

router = APIRouter(tags=["search"])

MAX_QUERY = 200
MAX_TERMS = 10  # words of q (quoted phrases count each word): each adds index scans and ranks over six types
ALL_TYPES: tuple[SearchType, ...] = get_args(SearchType)
BILL_NUMBER_BOOST = 100.0
EXACT_BOOST = 50.0
_HEADLINE = "MaxFragments=1, MaxWords=25, MinWords=8, StartSel=<b>, StopSel=</b>"


# The text search configurations of revision 0009: the built-in ones with the unaccent filter first.
ENGLISH, FRENCH, SIMPLE_CONFIG = "openpolicy_english", "openpolicy_french", "openpolicy_simple"
_LEXEME = r"'''(?:[^'']|'''')+'''"  # SQL literal of the pattern of a quoted lexeme in a tsquery's text ('it''s')


def _prefixed(reading: str) -> str:
    """``reading`` (a tsquery expression) with every lexeme a prefix (``'tax':*``): ``tax`` finds ``taxation``."""
    return f"nullif(regexp_replace(({reading})::text, {_LEXEME}, '\\&:*', 'g'), '')::tsquery"


def _headline(english: str, french: str) -> str:
    """Highlighted excerpt: of the French text when only it matches the French query, else of the English."""
    fr = _prefixed(f"websearch_to_tsquery('{FRENCH}', $1)")
    en = _prefixed(f"websearch_to_tsquery('{ENGLISH}', $1)")
    return (
        f"CASE WHEN to_tsvector('{FRENCH}', coalesce({french}, '')) @@ {fr} "
        f"AND NOT to_tsvector('{ENGLISH}', {english}) @@ {en} "
        f"THEN ts_headline('{FRENCH}', {french}, {fr}, '{_HEADLINE}') "
        f"ELSE ts_headline('{ENGLISH}', {english}, {en}, '{_HEADLINE}') END"
    )


def _speech_headline(paragraphs: str, language: str) -> str:
    """Highlighted excerpt of a speech's paragraphs, in the configuration of its language."""
    text = f"array_to_string(ARRAY(SELECT jsonb_array_elements_text({paragraphs})), ' ')"
    fr = _prefixed(f"websearch_to_tsquery('{FRENCH}', $1)")
    en = _prefixed(f"websearch_to_tsquery('{ENGLISH}', $1)")
    return (
        f"CASE WHEN {language} = 'fr' THEN ts_headline('{FRENCH}', {text}, {fr}, '{_HEADLINE}') "
        f"ELSE ts_headline('{ENGLISH}', {text}, {en}, '{_HEADLINE}') END"
    )


# A speech ranks by its text alone: its speaker's name (weight A) matches but adds nothing, so a person's name
# finds that person before their speeches.
_SPEECH_TEXT_WEIGHTS = "'{0.1, 0.2, 0.4, 0.0}'::float4[]"

_READINGS = tuple(f"websearch_to_tsquery('{config}', $1)" for config in (ENGLISH, FRENCH, SIMPLE_CONFIG))


def _or_distinct(readings: tuple[str, ...]) -> str:
    """The readings OR-ed in order, each once (a reading equal to an earlier one adds nothing), NULL if all are
    empty — as an expression of ``$1``."""
    terms = [readings[0]]
    for i, reading in enumerate(readings[1:], start=1):
        earlier = ", ".join(f"{r}::text" for r in readings[:i])
        terms.append(f"CASE WHEN {reading}::text IN ({earlier}) THEN ''::tsquery ELSE {reading} END")
    return f"nullif(({' || '.join(terms)})::text, '')::tsquery"


# The query's readings in english, french and simple OR-ed once each (duplicates dropped): stemmed English,
# stemmed French and exact tokens all match, accents ignored; every word is also a prefix (``ANY_PREFIX``).
# Names (people, districts, organizations) match on the simple reading (names are not stemmed). A row matches
# the prefix reading; its rank adds the rank of the whole-word reading, so whole words rank above prefixes.
# The WHERE clauses match these expressions of $1 themselves: a CTE's value is unknown when the (generic) plan
# is made, and PostgreSQL then scanned bills and votes sequentially, matching every row's search_vector; with the
# expression it searches the GIN index (evaluated once per scan). Ranks read them
# from the ``parsed`` CTE (computed once per statement, not per matched row).
ANY_LANGUAGE = _or_distinct(_READINGS)
ANY_PREFIX = _prefixed(ANY_LANGUAGE)
SIMPLE = f"nullif({_READINGS[2]}::text, '')::tsquery"
SIMPLE_PREFIX = _prefixed(SIMPLE)


def _rank(vector: str, whole: str, prefix: str) -> str:
    """The text rank of ``vector``: its rank for the whole words plus its rank for the prefixes."""
    whole_rank = f"coalesce(ts_rank_cd({vector}, (SELECT {whole} FROM parsed)), 0)"  # noqa: S608 — constants
    prefix_rank = f"coalesce(ts_rank_cd({vector}, (SELECT {prefix} FROM parsed)), 0)"  # noqa: S608 — constants
    return f"{whole_rank} + {prefix_rank}"


def _same(column: str) -> str:
    """``column`` equals the query, ignoring case and accents."""
    return f"openpolicy_unaccent(lower({column})) = openpolicy_unaccent($2)"


# $1 query, $2 query lower-cased, $3 normalized bill number (or NULL), $4 limit, $5 chosen types.
SEARCH = f"""
WITH parsed AS (
    SELECT {ANY_LANGUAGE} AS any_language, {ANY_PREFIX} AS any_prefix, {SIMPLE} AS simple,
           {SIMPLE_PREFIX} AS simple_prefix
), people_top AS (
    SELECT p.id, p.name,
           {_rank("p.search_vector", "simple", "simple_prefix")}
           + CASE WHEN {_same("p.name")} THEN {EXACT_BOOST} ELSE 0 END AS rank
    FROM people p
    WHERE 'person' = ANY($5::text[]) AND p.search_vector @@ {SIMPLE_PREFIX}
    ORDER BY rank DESC, p.id LIMIT $4
), bills_top AS (
    SELECT b.id, b.identifier, b.title, b.title_fr,
           {_rank("b.search_vector", "any_language", "any_prefix")}
           + CASE WHEN b.normalized_identifier = $3 THEN {BILL_NUMBER_BOOST} ELSE 0 END
           + CASE WHEN {_same("b.title")} OR {_same("b.title_fr")} THEN {EXACT_BOOST} ELSE 0 END AS rank
    FROM bills b
    WHERE 'bill' = ANY($5::text[])
      AND (b.search_vector @@ {ANY_PREFIX} OR b.normalized_identifier = $3)
    ORDER BY rank DESC, b.id LIMIT $4
), votes_top AS (
    SELECT v.id, v.motion_text, v.motion_text_fr, v.start_date,
           {_rank("v.search_vector", "any_language", "any_prefix")}
           + CASE WHEN {_same("v.motion_text")} OR {_same("v.motion_text_fr")} THEN {EXACT_BOOST} ELSE 0 END AS rank
    FROM vote_events v
    WHERE 'vote' = ANY($5::text[]) AND v.search_vector @@ {ANY_PREFIX}
    ORDER BY rank DESC, v.id LIMIT $4
), areas_top AS (
    SELECT a.id, a.name, a.identifier,
           {_rank("a.search_vector", "simple", "simple_prefix")}
           + CASE WHEN {_same("a.name")} OR lower(a.identifier) = $2 THEN {EXACT_BOOST} ELSE 0 END AS rank
    FROM areas a
    WHERE 'area' = ANY($5::text[]) AND a.search_vector @@ {SIMPLE_PREFIX}
    ORDER BY rank DESC, a.id LIMIT $4
), organizations_top AS (
    SELECT o.id, o.name, o.classification,
           {_rank("o.search_vector", "simple", "simple_prefix")}
           + CASE WHEN {_same("o.name")} OR lower(o.abbreviation) = $2 THEN {EXACT_BOOST} ELSE 0 END AS rank
    FROM organizations o
    WHERE 'organization' = ANY($5::text[]) AND o.search_vector @@ {SIMPLE_PREFIX}
    ORDER BY rank DESC, o.id LIMIT $4
), speeches_top AS (
    SELECT s.id, s.speaker_name, s.language, s.paragraphs, s.debate_id, s.anchor, d.date,
           {_rank(_SPEECH_TEXT_WEIGHTS + ", s.search_vector", "any_language", "any_prefix")} AS rank
    FROM speeches s JOIN debates d ON d.id = s.debate_id
    WHERE 'speech' = ANY($5::text[]) AND s.search_vector @@ {ANY_PREFIX}
    ORDER BY rank DESC, s.id LIMIT $4
), hits AS (
    SELECT 0 AS type_order, 'person' AS type, id, name AS title, NULL::text AS snippet, rank::float8 AS rank,
           '/v1/people/' || id AS url
    FROM people_top
    UNION ALL
    SELECT 1, 'bill', id, identifier || ' — ' || title, {_headline("title", "title_fr")}, rank::float8,
           '/v1/bills/' || id
    FROM bills_top
    UNION ALL
    SELECT 2, 'vote', id, to_char(start_date, 'YYYY-MM-DD') || ': ' || motion_text,
           {_headline("motion_text", "motion_text_fr")}, rank::float8, '/v1/votes/' || id
    FROM votes_top
    UNION ALL
    SELECT 3, 'area', id, name || coalesce(' (' || identifier || ')', ''), NULL, rank::float8, '/v1/areas/' || id
    FROM areas_top
    UNION ALL
    SELECT 4, 'organization', id, name || ' (' || classification || ')', NULL, rank::float8,
           CASE WHEN classification IN ('committee', 'subcommittee') THEN '/v1/committees/'
                ELSE '/v1/organizations/' END || id
    FROM organizations_top
    UNION ALL
    SELECT 5, 'speech', id, speaker_name || ', ' || to_char(date, 'YYYY-MM-DD'),
           {_speech_headline("paragraphs", "language")}, rank::float8, '/v1/speeches/' || id
    FROM speeches_top
)
SELECT coalesce(json_agg(json_build_object(
    'type', type, 'id', id, 'title', title, 'snippet', snippet, 'rank', rank, 'url', url
) ORDER BY rank DESC, type_order, id), '[]'::json)::text
FROM (SELECT * FROM hits ORDER BY rank DESC, type_order, id LIMIT $4) AS best
"""  # noqa: S608 — composed from this module's constants; the query and every value are $n parameters


_ONE_TYPE = "|".join(get_args(SearchType))
TYPES_PATTERN = f"^({_ONE_TYPE})(,({_ONE_TYPE}))*$"  # what the OpenAPI promises; the parser also forgives case


def _parse_types(value: str | None) -> list[SearchType]:
    if value is None or not value.strip():
        return list(ALL_TYPES)
    chosen: list[SearchType] = []
    for part in value.split(","):
        name = part.strip().lower()
        if name not in ALL_TYPES:
            detail = f"unknown type {part.strip()!r}; choose from {', '.join(ALL_TYPES)}"
            raise BadParameter("types", detail, allowed=list(ALL_TYPES))
        if name not in chosen:
            chosen.append(name)
    return chosen


def _check_query(q: str | None) -> str:
    if q is None or not q.strip():
        raise BadParameter("q", "a search query is required")
    q = q.strip()
    if len(q) > MAX_QUERY:
        raise BadParameter("q", f"at most {MAX_QUERY} characters, got {len(q)}")
    if "\x00" in q:
        raise BadParameter("q", "must not contain NUL characters")
    terms = [word for word in q.replace('"', " ").split() if word.strip("-").lower() not in {"", "or"}]
    if len(terms) > MAX_TERMS:
        raise BadParameter("q", f"at most {MAX_TERMS} words, got {len(terms)}")
    return q


@router.get(
    "/search",
    summary="Search people, bills, votes, districts, organizations and speeches",
    response_model=SearchResults,
)
async def search(
    request: Request,
    db: Annotated[Database, Depends(get_database)],
    q: Annotated[
        str,
        Query(
            description='Search words (web-search syntax: "quoted phrase", or, -exclude), case and accents ignored, '
            "each word also a prefix (`tax` finds taxation, `Genereux` finds Généreux). A bill number such as "
            f"`C-21` or `HR 1` finds that bill first. At most {MAX_QUERY} characters and {MAX_TERMS} words "
            "(a 400 beyond).",
            examples=["C-21"],
            json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY},
        ),
    ],
    types: Annotated[
        str | None,
        Query(
            description=f"Comma-separated subset of {','.join(get_args(SearchType))} (default: all).",
            json_schema_extra={"pattern": TYPES_PATTERN},
        ),
    ] = None,
    limit: Annotated[int | None, Query(description="Number of results (default 20, at most 200).")] = None,
) -> Response:
    """One list of results across people, bills, votes, districts (areas), organizations and speeches, best
    first."""
    query = _check_query(q)
    chosen = _parse_types(types)
    limit = page_limit(request, limit)
    number = normalize_bill_identifier(query) or None
    args = (query, query.lower(), number, limit, chosen)
    results = await docs.fetch_value(db, "search", SEARCH, *args, custom_plan=True)
    head = orjson.dumps({"query": query, "types": chosen})[:-1]
    return Response(head + b',"results":' + (results or "[]").encode() + b"}", media_type="application/json")
