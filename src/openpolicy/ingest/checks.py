"""Data checks run after every import, in its transaction, over the jurisdictions the import touched.

``ballots_vs_counts`` looks at the vote events of this import only (the loader's ``s_vote_events`` staging
table, still present in the transaction): re-tallying a million ballots of other runs on every import would
cost more than the import itself. Their tally per option is the loader's ``s_ballot_tally``, counted from the
rows the loader wrote (after the load, the stored ballots of these vote events are exactly those), rather
than re-read from the ``ballots`` table it has just filled (a million rows: 0.4–0.9 s per import).

Each finding is a row of ``data_check_results`` (``import_run_id`` = the run); ``/v1/status`` serves the
findings of each source's latest successful run and ``openpolicy_data_check_failures{check}`` counts them.
"""

from __future__ import annotations

from typing import Any

CHECKS: dict[str, str] = {
    # Vote events with ballots whose tally per option differs from the published counts.
    "ballots_vs_counts": """
        WITH tally AS (
            SELECT t.vote_event_id, t.option, t.n FROM s_ballot_tally t
            JOIN s_vote_events v ON v.id = t.vote_event_id
        ), published AS (
            SELECT c.vote_event_id, c.option, c.value AS n FROM vote_counts c
            JOIN s_vote_events v ON v.id = c.vote_event_id
            WHERE cardinality($1::text[]) > 0
              AND EXISTS (SELECT 1 FROM s_ballot_tally t WHERE t.vote_event_id = c.vote_event_id)
        ), diff AS (
            SELECT coalesce(t.vote_event_id, p.vote_event_id) AS vote_event_id,
                   coalesce(t.option, p.option) AS option, coalesce(t.n, 0) AS ballots, coalesce(p.n, 0) AS counted
            FROM tally t FULL JOIN published p ON p.vote_event_id = t.vote_event_id AND p.option = t.option
            WHERE coalesce(t.n, 0) <> coalesce(p.n, 0)
        )
        SELECT 'vote' AS entity_type, vote_event_id AS entity_id,
               'ballots disagree with the published counts: ' ||
               string_agg(option || ' ' || ballots || ' ballots vs ' || counted || ' counted', ', ' ORDER BY option)
               AS message,
               jsonb_object_agg(option, jsonb_build_object('ballots', ballots, 'counted', counted)) AS details
        FROM diff GROUP BY vote_event_id
    """,
    # Seats (memberships of a chamber or legislature) without the party or the district.
    "membership_without_party_or_district": """
        SELECT 'membership' AS entity_type, m.id AS entity_id,
               'seat of ' || p.name || ' in ' || o.name || ' has no ' ||
               concat_ws(' and ', CASE WHEN m.on_behalf_of_id IS NULL THEN 'party' END,
                                  CASE WHEN m.area_id IS NULL AND m.post_id IS NULL THEN 'district' END) AS message,
               jsonb_build_object('person_id', m.person_id, 'organization_id', m.organization_id) AS details
        FROM memberships m JOIN organizations o ON o.id = m.organization_id JOIN people p ON p.id = m.person_id
        WHERE o.classification IN ('chamber', 'legislature') AND o.jurisdiction_id = ANY($1::text[])
          AND (m.on_behalf_of_id IS NULL OR (m.area_id IS NULL AND m.post_id IS NULL))
    """,
    # People holding two seats at once (overlapping dates; touching end/start days do not overlap).
    "overlapping_seats": """
        SELECT 'person' AS entity_type, a.person_id AS entity_id,
               p.name || ' holds two seats at once: ' || a.id || ' (' || coalesce(a.start_date::text, '?') || ' – ' ||
               coalesce(a.end_date::text, 'open') || ') and ' || b.id || ' (' || coalesce(b.start_date::text, '?') ||
               ' – ' || coalesce(b.end_date::text, 'open') || ')' AS message,
               jsonb_build_object('memberships', jsonb_build_array(a.id, b.id)) AS details
        FROM memberships a
        JOIN memberships b ON b.person_id = a.person_id AND b.id > a.id
        JOIN organizations oa ON oa.id = a.organization_id JOIN organizations ob ON ob.id = b.organization_id
        JOIN people p ON p.id = a.person_id
        WHERE oa.classification IN ('chamber', 'legislature') AND ob.classification IN ('chamber', 'legislature')
          AND oa.jurisdiction_id = ANY($1::text[])
          AND coalesce(a.start_date, '-infinity'::date) < coalesce(b.end_date, 'infinity'::date)
          AND coalesce(b.start_date, '-infinity'::date) < coalesce(a.end_date, 'infinity'::date)
    """,
}


async def run_checks(conn: Any, run_id: int, jurisdictions: list[str]) -> dict[str, int]:
    """Run every check over ``jurisdictions``, store the findings for ``run_id``; return findings per check."""
    found: dict[str, int] = {}
    for name, query in CHECKS.items():
        status = await conn.execute(
            f"""
            INSERT INTO data_check_results (import_run_id, check_name, severity, entity_type, entity_id, message,
                                            details)
            SELECT $2, $3, 'warning', f.entity_type, f.entity_id, f.message, f.details
            FROM ({query}) f ORDER BY f.entity_id
            """,  # noqa: S608 - identifiers come from module constants
            jurisdictions,
            run_id,
            name,
        )
        found[name] = int(status.rsplit(" ", 1)[-1])
    return found
