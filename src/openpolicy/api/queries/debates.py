"""Response documents of debates and speeches, built by PostgreSQL (see :mod:`openpolicy.api.documents`).

Shape contract: each document is exactly what its response model in :mod:`openpolicy.documents.schemas` serialises
(``DebateSummary``, ``DebateDetail``, ``SpeechSummary``). A speaker's party and district are those of the
person's memberships covering the debate's date: a seat in a chamber or legislature is preferred over any other
membership, a party stated on the seat ("on behalf of") over a party membership, then the latest started.
"""

# ruff: noqa: S608 — the statements are composed at import time from constants; every value is a $n parameter.
from __future__ import annotations

from openpolicy.api.documents import area_ref, iso, json_list, org_ref, page_of, party_ref, person_ref, session_ref

_PARTY_OF = "coalesce(m.on_behalf_of_id, CASE WHEN mo.classification = 'party' THEN m.organization_id END)"
_SEAT_FIRST = "mo.classification IN ('chamber', 'legislature') DESC"


def seat_on(person: str, day: str) -> str:
    """A lateral subquery ``(party_id, area_id)`` of ``person`` on ``day`` (see the module docstring)."""
    covers = f"(m.start_date IS NULL OR m.start_date <= {day}) AND (m.end_date IS NULL OR m.end_date >= {day})"
    return f"""LATERAL (
    SELECT (array_agg({_PARTY_OF} ORDER BY {_SEAT_FIRST}, m.on_behalf_of_id IS NULL, m.start_date DESC NULLS LAST)
                FILTER (WHERE {_PARTY_OF} IS NOT NULL))[1] AS party_id,
           (array_agg(m.area_id ORDER BY {_SEAT_FIRST}, m.start_date DESC NULLS LAST)
                FILTER (WHERE m.area_id IS NOT NULL))[1] AS area_id
    FROM memberships m JOIN organizations mo ON mo.id = m.organization_id
    WHERE m.person_id = {person} AND {covers}
)"""


_VERSIONS = json_list(
    "SELECT json_build_object('language', v.language, 'name', v.name, 'source', v.source, "
    "'document_id', v.document_id) AS doc, row_number() OVER (ORDER BY v.language) AS n "
    "FROM debate_versions v WHERE v.debate_id = d.id"
)

DEBATE_SUMMARY_FIELDS = f"""
    'id', d.id, 'identifier', d.identifier, 'classification', d.classification, 'date', d.date,
    'jurisdiction_id', d.jurisdiction_id, 'organization', {org_ref("dorg")}, 'session', {session_ref("dses")},
    'versions', {_VERSIONS}, 'updated_at', {iso("d.updated_at")}
"""
DEBATE_JOINS = """
LEFT JOIN organizations dorg ON dorg.id = d.organization_id
LEFT JOIN sessions dses ON dses.id = d.session_id
"""

DEBATES_PAGE = page_of(DEBATE_SUMMARY_FIELDS, "debates", "d", DEBATE_JOINS)

SPEECH_FIELDS = f"""
    'id', s.id, 'language', s.language, 'ordinal', s.ordinal, 'section_ordinal', s.section_ordinal,
    'anchor', s.anchor, 'kind', s.kind, 'speaker_name', s.speaker_name, 'speaker_role', s.speaker_role,
    'speaker_db_id', s.speaker_db_id, 'person', {person_ref("spe")}, 'party', {party_ref("spa")},
    'district', {area_ref("sar")}, 'unresolved', s.unresolved, 'time', s.time, 'floor_language', s.floor_language,
    'paragraphs', s.paragraphs
"""

# $1 debate id, $2 language or NULL (every language). NULL when the debate does not exist.
DEBATE_DETAIL = f"""
WITH speakers AS (
    SELECT DISTINCT s.person_id FROM speeches s
    WHERE s.debate_id = $1 AND s.person_id IS NOT NULL AND ($2::text IS NULL OR s.language = $2::text)
), seats AS (
    SELECT sp.person_id, seat.party_id, seat.area_id
    FROM speakers sp CROSS JOIN (SELECT date FROM debates WHERE id = $1) AS day
    LEFT JOIN {seat_on("sp.person_id", "day.date")} AS seat ON true
)
SELECT json_build_object({DEBATE_SUMMARY_FIELDS},
    'url', '/v1/debates/' || d.id, 'import_run_id', d.import_run_id,
    'texts', {
    json_list(
        "SELECT json_build_object('language', v.language, 'name', v.name, 'source', v.source, "
        "'document_id', v.document_id, 'sections', "
        + json_list(
            "SELECT json_build_object('ordinal', c.ordinal, 'parent_ordinal', c.parent_ordinal, 'kind', c.kind, "
            "'title', c.title, 'anchor', c.anchor) AS doc, c.ordinal AS n "
            "FROM debate_sections c WHERE c.debate_id = v.debate_id AND c.language = v.language"
        )
        + ", 'speeches', "
        + json_list(
            f"SELECT json_build_object({SPEECH_FIELDS}) AS doc, s.ordinal AS n FROM speeches s "
            "LEFT JOIN people spe ON spe.id = s.person_id LEFT JOIN seats ON seats.person_id = s.person_id "
            "LEFT JOIN organizations spa ON spa.id = seats.party_id LEFT JOIN areas sar ON sar.id = seats.area_id "
            "WHERE s.debate_id = v.debate_id AND s.language = v.language"
        )
        + ") AS doc, row_number() OVER (ORDER BY v.language) AS n "
        "FROM debate_versions v WHERE v.debate_id = d.id AND ($2::text IS NULL OR v.language = $2::text)"
    )
}
)::text
FROM debates d
{DEBATE_JOINS}
WHERE d.id = $1
  AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM debate_versions x WHERE x.debate_id = d.id AND x.language = $2::text))
"""

# $1 debate id: whether it exists (a debate asked for in a language it is not published in is a 404 saying so).
DEBATE_EXISTS = "SELECT d.id FROM debates d WHERE d.id = $1"

_SPEECH_JOINS = f"""
JOIN debates d ON d.id = s.debate_id
LEFT JOIN debate_versions dv ON dv.debate_id = s.debate_id AND dv.language = s.language
LEFT JOIN debate_sections sec ON sec.debate_id = s.debate_id AND sec.language = s.language
    AND sec.ordinal = s.section_ordinal
LEFT JOIN organizations dorg ON dorg.id = d.organization_id
LEFT JOIN people spe ON spe.id = s.person_id
LEFT JOIN {seat_on("s.person_id", "d.date")} AS seat ON true
LEFT JOIN organizations spa ON spa.id = seat.party_id
LEFT JOIN areas sar ON sar.id = seat.area_id
"""
SPEECH_SUMMARY_FIELDS = f"""{SPEECH_FIELDS},
    'debate', json_build_object('id', d.id, 'identifier', d.identifier, 'classification', d.classification,
        'date', d.date, 'name', coalesce(dv.name, ''), 'organization', {org_ref("dorg")}),
    'section', sec.title
"""

SPEECHES_PAGE = page_of(SPEECH_SUMMARY_FIELDS, "speeches", "s", _SPEECH_JOINS)

# A page of a person's speeches; $EXTRA1 the person id. NULL when the person does not exist.
PERSON_SPEECHES_PAGE = f"""SELECT CASE WHEN EXISTS (SELECT 1 FROM people WHERE id = $EXTRA1) THEN
({SPEECHES_PAGE}) END"""

# $1 speech id.
SPEECH_DETAIL = (
    f"SELECT json_build_object({SPEECH_SUMMARY_FIELDS})::text FROM speeches s {_SPEECH_JOINS} WHERE s.id = $1"
)
