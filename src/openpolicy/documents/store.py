"""Writing the read model: the documents of what an import changed, and of every document that shows it.

:func:`refresh` runs inside the writer's transaction (the loader, a revert), on its asyncpg connection: given the
entities it changed (change-feed entity type → ids), it finds every document that shows one of them, rebuilds
those from the facts (:mod:`openpolicy.documents.build`) and upserts them; a document whose resource no longer
exists is deleted. Readers therefore never see facts and documents of different commits.

Which documents show what (the dependency rules; a new field that shows another resource adds a rule here):

* a person: their own; the votes listing their ballots (name, image, party); the bills they sponsor;
* a membership: its person's; the votes of that person (their party on each vote's date);
* an organization (chamber, party, committee): its members' people; votes in that chamber or with a ballot of
  a member; bills it introduced, sponsored or acted on;
* an area, post or legislative period: the people holding a membership with it;
* a session: its bills and votes; a bill: its own, its votes (their bill reference), bills that relate to it;
* a vote: its own and its bill's (the bill lists its votes).

Date-dependent facts (a person's current seat, party, district, committees): decided here — a document records
``stale_after``, the first day one of them changes, and the api serves a stale document rebuilt in memory from the
facts (read-only, same builder, same bytes) until ``openpolicy documents rebuild --stale`` stores it. Why: the
api's connections are read-only and an answer must never be wrong on the day a seat ends, while a daily job
keeps that path rare (seats start and end on few days); rebuilding on read and storing would make every api
replica a writer of the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from openpolicy.documents.build import Built, build, today

KINDS = ("person", "vote", "bill")
CHUNK = {"person": 500, "vote": 100, "bill": 200}  # resources built per statement set (votes carry their ballots)

Progress = Callable[[str, int], None]

_UPSERT = """
INSERT INTO documents (kind, id, detail, summary, stale_after)
SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::date[])
ON CONFLICT (kind, id) DO UPDATE
SET detail = excluded.detail, summary = excluded.summary, stale_after = excluded.stale_after, built_at = now()
"""


async def write(conn: Any, built: Sequence[Built]) -> None:
    """Upsert ``built`` into ``documents``."""
    if not built:
        return
    await conn.execute(
        _UPSERT,
        [b.kind for b in built],
        [b.id for b in built],
        [b.detail for b in built],
        [b.summary for b in built],
        [b.stale_after for b in built],
    )


async def _ids(conn: Any, sql: str, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return {row[0] for row in await conn.fetch(sql, wanted)}


async def dependents(conn: Any, changed: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """The documents (kind → ids) that show an entity of ``changed`` (entity type → ids), by the rules above."""

    def of(entity: str) -> set[str]:
        return set(changed.get(entity, ()))

    orgs, areas, posts, periods, sessions = (
        of("organization"),
        of("area"),
        of("post"),
        of("legislative_period"),
        of("session"),
    )
    people = of("person")
    people |= await _ids(conn, "SELECT person_id FROM memberships WHERE id = ANY($1::text[])", of("membership"))
    member_of = await _ids(
        conn,
        "SELECT person_id FROM memberships "
        "WHERE organization_id = ANY($1::text[]) OR on_behalf_of_id = ANY($1::text[])",
        orgs,
    )
    placed = await _ids(
        conn,
        "SELECT person_id FROM memberships WHERE area_id = ANY($1::text[]) OR post_id = ANY($1::text[]) "
        "OR legislative_period_id = ANY($1::text[])",
        areas | posts | periods,
    )
    # whose name/image or party (on any date) may have changed: every vote listing them
    voters = people | member_of
    votes = of("vote")
    votes |= await _ids(conn, "SELECT DISTINCT vote_event_id FROM ballots WHERE person_id = ANY($1::text[])", voters)
    votes |= await _ids(conn, "SELECT id FROM vote_events WHERE organization_id = ANY($1::text[])", orgs)
    votes |= await _ids(conn, "SELECT id FROM vote_events WHERE session_id = ANY($1::text[])", sessions)
    votes |= await _ids(conn, "SELECT id FROM vote_events WHERE bill_id = ANY($1::text[])", of("bill"))
    bills = of("bill")
    bills |= await _ids(conn, "SELECT bill_id FROM bill_sponsorships WHERE person_id = ANY($1::text[])", people)
    bills |= await _ids(
        conn,
        "SELECT id FROM bills WHERE from_organization_id = ANY($1::text[]) OR session_id = ANY($1::text[]) "
        "UNION SELECT bill_id FROM bill_sponsorships WHERE organization_id = ANY($1::text[]) "
        "UNION SELECT bill_id FROM bill_actions WHERE organization_id = ANY($1::text[])",
        orgs | sessions,
    )
    bills |= await _ids(
        conn, "SELECT bill_id FROM vote_events WHERE id = ANY($1::text[]) AND bill_id IS NOT NULL", votes
    )
    bills |= await _ids(  # a hash join of the stated relations with the ids, not a containment test per pair
        conn,
        "SELECT b.id FROM bills b CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(b.related_bills) "
        "= 'array' THEN b.related_bills ELSE '[]'::jsonb END) AS e JOIN unnest($1::text[]) AS r(id) "
        "ON r.id = e ->> 'bill_id' WHERE jsonb_typeof(e) = 'object'",
        of("bill"),
    )
    return {"person": people | member_of | placed, "vote": votes, "bill": bills}


async def rebuild(
    conn: Any, kind: str, ids: Sequence[str], day: dt.date | None = None, progress: Progress | None = None
) -> int:
    """Build and store the documents of ``ids`` (chunked); delete those of ids that no longer exist. Returns how many
    were written."""
    if day is None:
        day = await today(conn)
    written = 0
    ordered = sorted(set(ids))
    size = CHUNK[kind]
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        built = await build(conn, kind, chunk, day)
        await write(conn, built)
        gone = set(chunk) - {b.id for b in built}
        if gone:
            await conn.execute("DELETE FROM documents WHERE kind = $1 AND id = ANY($2::text[])", kind, sorted(gone))
        written += len(built)
        if progress is not None:
            progress(f"documents {kind}", len(built))
    return written


async def refresh(conn: Any, changed: Mapping[str, Iterable[str]], progress: Progress | None = None) -> dict[str, int]:
    """Rebuild, in the caller's transaction, every document that shows an entity of ``changed``; returns how many
    documents of each kind were written."""
    wanted = await dependents(conn, changed)
    day = await today(conn)
    return {kind: await rebuild(conn, kind, sorted(wanted[kind]), day, progress) for kind in KINDS if wanted[kind]}


async def changed_by_runs(conn: Any, run_ids: Sequence[int]) -> dict[str, set[str]]:
    """The entities the change log records for ``run_ids`` (entity type → ids), with the person of each membership
    and the bill of each vote in their images: what a revert of those runs changed, deleted rows included."""
    changed: dict[str, set[str]] = {}
    rows = await conn.fetch(
        """
        SELECT entity_type, entity_id FROM change_log WHERE import_run_id = ANY($1::bigint[])
        UNION SELECT 'person', data ->> 'person_id' FROM change_log
        WHERE import_run_id = ANY($1::bigint[]) AND entity_type = 'membership' AND data IS NOT NULL
        UNION SELECT 'bill', data ->> 'bill_id' FROM change_log
        WHERE import_run_id = ANY($1::bigint[]) AND entity_type = 'vote' AND data IS NOT NULL
        """,
        list(run_ids),
    )
    for entity, entity_id in rows:
        if entity_id is not None:
            changed.setdefault(entity, set()).add(entity_id)
    return changed


_ALL = {"person": "SELECT id FROM people", "vote": "SELECT id FROM vote_events", "bill": "SELECT id FROM bills"}


async def rebuild_all(
    conn: Any, kinds: Sequence[str] = KINDS, *, stale_only: bool = False, progress: Progress | None = None
) -> dict[str, int]:
    """Every document of ``kinds`` from the facts (``stale_only``: those whose ``stale_after`` has come), and none
    of a resource that no longer exists. Run it in a transaction."""
    # Serialised with every writer of documents (they upsert: ROW EXCLUSIVE): an import either committed before the
    # facts are read here, or writes its documents after this transaction, never older ones over newer.
    await conn.execute("LOCK TABLE documents IN SHARE ROW EXCLUSIVE MODE")
    counts = {}
    for kind in kinds:
        if stale_only:
            rows = await conn.fetch(
                "SELECT id FROM documents WHERE kind = $1 AND stale_after <= current_date ORDER BY id", kind
            )
        else:
            await conn.execute(
                f"DELETE FROM documents d WHERE d.kind = $1 AND NOT EXISTS "  # noqa: S608 - constants
                f"(SELECT 1 FROM ({_ALL[kind]}) AS f WHERE f.id = d.id)",
                kind,
            )
            rows = await conn.fetch(_ALL[kind])
        counts[kind] = await rebuild(conn, kind, [row[0] for row in rows], progress=progress)
    return counts
