"""Undo an import run from the change log: ``openpolicy import-runs revert RUN_ID [--cascade]``.

Contract:

* In one transaction, under the import lock: every entity the run inserted is deleted, every entity it changed
  gets back the image it had before the run (its previous change-log entry: the row, a person's identifiers, a
  vote's counts and ballots). Afterwards every public table holds what it held before the run.
* A later run that changed an entity of this run, or wrote a record referring to an entity this run inserted,
  depends on it: the revert is refused, naming those runs, unless ``cascade`` asks to revert them first
  (newest first). Runs already reverted, and revert runs, are not dependents.
* An entity changed by the run whose previous state was never logged (written by a writer without a change log,
  such as the demo data before it went through the loader) cannot be restored: the revert is refused, naming it.
* The revert is itself a run (source ``revert``, details ``{"reverts": [...]}``) whose change-log entries tell
  feed readers what changed back (``update`` with the restored image, ``delete``); the reverted run's status
  becomes ``reverted`` with ``details.reverted_by``. The caller audits it and invalidates caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from openpolicy.db.models import Base
from openpolicy.documents.store import changed_by_runs
from openpolicy.documents.store import refresh as refresh_documents
from openpolicy.ingest.loader import GENERATED_COLUMNS, SPECS, image_sql

if TYPE_CHECKING:
    from openpolicy.config import Settings

# Columns of a change image that name another entity (what a later run's record may refer to).
REFERENCE_KEYS = (
    "person_id", "organization_id", "on_behalf_of_id", "area_id", "post_id", "legislative_period_id",
    "session_id", "jurisdiction_id", "parent_id", "bill_id", "from_organization_id",
)  # fmt: skip
NOT_RESTORED = {*GENERATED_COLUMNS, "ballots_digest", "created_at", "updated_at", "id"}
REVERT_SOURCE = "revert"


class RevertRefused(Exception):
    """The run cannot be reverted as asked; the message says why and what to do."""


@dataclass
class RevertReport:
    run_id: int  # the revert's own run
    reverted: list[int]  # the runs reverted, in the order they were undone
    restored: dict[str, int] = field(default_factory=dict)  # entity type -> entities given their previous image
    deleted: dict[str, int] = field(default_factory=dict)  # entity type -> entities deleted
    entities: set[str] = field(default_factory=set)  # entity types changed

    @property
    def changes(self) -> int:
        return sum(self.restored.values()) + sum(self.deleted.values())


def _columns(table: str) -> list[str]:
    return [c.name for c in Base.metadata.tables[table].columns if c.name not in NOT_RESTORED and c.computed is None]


async def dependents(conn: Any, run_id: int) -> list[int]:
    """Later runs (not reverted, not reverts) that changed an entity of ``run_id`` or refer to one it inserted."""
    rows = await conn.fetch(
        """
        WITH r AS (SELECT id, entity_type, entity_id, operation FROM change_log WHERE import_run_id = $1),
        ins AS (SELECT array_agg(entity_id) AS ids FROM r WHERE operation = 'insert'),
        later AS (
            SELECT c.* FROM change_log c
            WHERE c.id > (SELECT coalesce(max(id), 0) FROM r) AND c.import_run_id IS DISTINCT FROM $1
        )
        SELECT DISTINCT l.import_run_id FROM later l
        JOIN import_runs x ON x.id = l.import_run_id AND x.status <> 'reverted' AND x.source <> $3
        WHERE EXISTS (SELECT 1 FROM r WHERE r.entity_type = l.entity_type AND r.entity_id = l.entity_id)
           OR EXISTS (SELECT 1 FROM jsonb_each_text(l.data::jsonb) kv, ins
                      WHERE kv.key = ANY($2::text[]) AND kv.value = ANY(ins.ids))
           OR (l.entity_type = 'vote'
               AND (l.data::jsonb -> 'ballots' -> 'person_id') ?| (SELECT coalesce(ids, '{}') FROM ins))
        ORDER BY 1
        """,
        run_id,
        list(REFERENCE_KEYS),
        REVERT_SOURCE,
    )
    return [int(row["import_run_id"]) for row in rows]


async def revert(conn: Any, run_id: int, *, cascade: bool, actor: str) -> RevertReport:
    """Revert ``run_id`` (and, with ``cascade``, the runs depending on it) inside the caller's transaction."""
    order = await _plan(conn, run_id, cascade)
    revert_run = int(
        await conn.fetchval(
            "INSERT INTO import_runs (source, location, status, triggered_by, details) "
            "VALUES ($1, $2, 'running', $3, $4::jsonb) RETURNING id",
            REVERT_SOURCE,
            "import run " + ", ".join(str(r) for r in order),
            actor,
            orjson.dumps({"reverts": order}).decode(),
        )
    )
    report = RevertReport(run_id=revert_run, reverted=order)
    for target in order:
        await _undo(conn, target, revert_run, report)
        await conn.execute(
            "UPDATE import_runs SET status = 'reverted', "
            "details = details || jsonb_build_object('reverted_by', $2::bigint) WHERE id = $1",
            target,
            revert_run,
        )
    await refresh_documents(conn, await changed_by_runs(conn, [revert_run, *order]))  # the read model, same transaction
    counts = {
        entity: {"inserted": 0, "updated": report.restored.get(entity, 0), "unchanged": 0,
                 "deleted": report.deleted.get(entity, 0)}
        for entity in sorted(report.entities)
    }  # fmt: skip
    await conn.execute(
        "UPDATE import_runs SET status = 'succeeded', finished_at = clock_timestamp(), counts = $2::jsonb "
        "WHERE id = $1",
        revert_run,
        orjson.dumps(counts).decode(),
    )
    return report


async def _plan(conn: Any, run_id: int, cascade: bool) -> list[int]:
    """The runs to undo, newest change first: ``run_id`` last, after its dependents (all, recursively)."""
    run = await conn.fetchrow("SELECT id, source, status FROM import_runs WHERE id = $1", run_id)
    if run is None:
        raise RevertRefused(f"there is no import run {run_id}")
    if run["source"] == REVERT_SOURCE:
        raise RevertRefused(f"import run {run_id} is itself a revert: import the data again instead")
    if run["status"] != "succeeded":
        raise RevertRefused(f"import run {run_id} is {run['status']}: only a succeeded run changed anything")
    todo, seen = [run_id], {run_id}
    while todo:
        current = todo.pop()
        for later in await dependents(conn, current):
            if later in seen:
                continue
            if not cascade:
                listed = ", ".join(str(r) for r in await dependents(conn, run_id))
                raise RevertRefused(
                    f"later import runs depend on run {run_id} (they changed its records or refer to records it "
                    f"added): {listed}; revert those first, or pass --cascade to revert them too"
                )
            seen.add(later)
            todo.append(later)
    last_change = {
        int(r["import_run_id"]): int(r["last"])
        for r in await conn.fetch(
            "SELECT import_run_id, max(id) AS last FROM change_log WHERE import_run_id = ANY($1::bigint[]) "
            "GROUP BY import_run_id",
            sorted(seen),
        )
    }
    return sorted(seen, key=lambda r: (last_change.get(r, 0), r), reverse=True)


async def _undo(conn: Any, run_id: int, revert_run: int, report: RevertReport) -> None:
    entries = await conn.fetch(
        """
        SELECT c.id, c.entity_type, c.entity_id, c.operation,
               (SELECT p.data::text FROM change_log p WHERE p.entity_type = c.entity_type
                  AND p.entity_id = c.entity_id AND p.id < c.id ORDER BY p.id DESC LIMIT 1) AS before,
               (SELECT p.operation FROM change_log p WHERE p.entity_type = c.entity_type
                  AND p.entity_id = c.entity_id AND p.id < c.id ORDER BY p.id DESC LIMIT 1) AS before_op
        FROM change_log c WHERE c.import_run_id = $1 ORDER BY c.id
        """,
        run_id,
    )
    by_entity: dict[str, list[Any]] = {}
    for entry in entries:
        by_entity.setdefault(entry["entity_type"], []).append(entry)
    # First delete what the run added, dependants first: a replacement (the demo data) may have deleted an entity
    # and added another with the same natural key, which must be gone before the first comes back.
    for spec in reversed(SPECS):
        ids = [e["entity_id"] for e in by_entity.get(spec.entity, []) if e["operation"] == "insert"]
        if not ids:
            continue
        deleted = await conn.fetch(f"DELETE FROM {spec.table} WHERE id = ANY($1::text[]) RETURNING id", ids)  # noqa: S608
        await conn.executemany(
            "INSERT INTO change_log (import_run_id, entity_type, entity_id, operation, data) "
            "VALUES ($1, $2, $3, 'delete', NULL)",
            [(revert_run, spec.entity, row["id"]) for row in deleted],
        )
        report.deleted[spec.entity] = report.deleted.get(spec.entity, 0) + len(deleted)
        report.entities.add(spec.entity)
    for spec in SPECS:  # then restore in dependency order: a restored row refers to rows that existed before the run
        for entry in by_entity.get(spec.entity, []):
            if entry["operation"] == "insert" or entry["before_op"] == "delete":
                continue
            if entry["before"] is None:
                raise RevertRefused(
                    f"import run {run_id} changed {spec.entity} {entry['entity_id']}, whose earlier state is in no "
                    "change log (written before change logging): it cannot be restored"
                )
            await _restore(conn, spec.entity, spec.table, entry["entity_id"], orjson.loads(entry["before"]))
            back = "insert" if entry["operation"] == "delete" else "update"  # a deleted entity comes back
            await _log(conn, revert_run, spec.entity, spec.table, entry["entity_id"], back)
            report.restored[spec.entity] = report.restored.get(spec.entity, 0) + 1
            report.entities.add(spec.entity)


async def _restore(conn: Any, entity: str, table: str, entity_id: str, image: dict[str, Any]) -> None:
    columns = _columns(table)
    listed = ", ".join(f'"{c}"' for c in columns)
    excluded = ", ".join(f'EXCLUDED."{c}"' for c in columns)
    await conn.execute(
        f"""
        INSERT INTO {table} (id, {listed})
        SELECT $1, {listed} FROM jsonb_populate_record(NULL::{table}, $2::jsonb)
        ON CONFLICT (id) DO UPDATE SET ({listed}) = ROW({excluded})
        """,  # noqa: S608 - identifiers come from the schema
        entity_id,
        orjson.dumps(image).decode(),
    )
    if entity == "person":
        idents = [(i["scheme"], i.get("scope", ""), i["identifier"]) for i in image.get("identifiers", [])]
        await conn.execute(
            """
            DELETE FROM person_identifiers i WHERE i.person_id = $1 AND (i.scheme, i.scope, i.identifier) NOT IN
                (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))
            """,
            entity_id,
            [s for s, _, _ in idents],
            [sc for _, sc, _ in idents],
            [i for _, _, i in idents],
        )
        await conn.executemany(
            "INSERT INTO person_identifiers (person_id, scheme, scope, identifier) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (scheme, scope, identifier) DO NOTHING",
            [(entity_id, *ident) for ident in idents],
        )
    elif entity == "bill":
        from openpolicy.ingest.bill_children import restore as restore_bill_children

        await restore_bill_children(conn, entity_id, image)
    elif entity == "debate":
        from openpolicy.ingest.hansard_load import restore_children

        await restore_children(conn, entity_id, image)
    elif entity == "vote":
        await conn.execute("DELETE FROM vote_counts WHERE vote_event_id = $1", entity_id)
        await conn.executemany(
            "INSERT INTO vote_counts (vote_event_id, option, value) VALUES ($1, $2, $3)",
            [(entity_id, option, value) for option, value in (image.get("counts") or {}).items()],
        )
        ballots = image.get("ballots") or {}
        rows = list(
            zip(
                ballots.get("ordinal", []),
                ballots.get("person_id", []),
                ballots.get("voter_name", []),
                ballots.get("option", []),
                strict=True,
            )
        )
        await conn.execute("DELETE FROM ballots WHERE vote_event_id = $1", entity_id)
        if rows:
            await conn.copy_records_to_table(
                "ballots",
                records=[(entity_id, *row) for row in rows],
                columns=["vote_event_id", "ordinal", "person_id", "voter_name", "option"],
            )


async def _log(conn: Any, revert_run: int, entity: str, table: str, entity_id: str, operation: str) -> None:
    await conn.execute(
        f"""
        INSERT INTO change_log (import_run_id, entity_type, entity_id, operation, data)
        SELECT $1, $2, t.id, $3, ({image_sql(entity, with_ballots=True)})::json FROM {table} t WHERE t.id = $4
        """,  # noqa: S608 - identifiers come from the schema
        revert_run,
        entity,
        operation,
        entity_id,
    )


async def run_revert(
    settings: Settings, run_id: int, *, cascade: bool, database_url: str | None = None
) -> RevertReport:
    """Revert ``run_id`` in one transaction of its own (under the import lock), audit it, invalidate caches."""
    import asyncpg

    from openpolicy.db.embedded import resolve_database_url
    from openpolicy.db.engine import to_asyncpg_dsn
    from openpolicy.db.generations import resources_for
    from openpolicy.ingest.runs import IMPORT_LOCK_KEY, _actor, _audit, _bump_cache

    url = database_url or resolve_database_url(settings)
    conn = await asyncpg.connect(
        to_asyncpg_dsn(url),
        timeout=settings.db_connect_timeout_seconds,
        server_settings={"application_name": "openpolicy-import-revert"},
    )
    target = f"import-run:{run_id}"
    try:
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL statement_timeout = 0")
                await conn.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK_KEY)
                report = await revert(conn, run_id, cascade=cascade, actor=_actor())
        except RevertRefused as exc:
            await _audit(settings, url, "denied", "revert", target, {"error": str(exc), "cascade": cascade},
                         action="import-revert")  # fmt: skip
            raise
    finally:
        await conn.close()
    await _audit(
        settings, url, "success", "revert", target,
        {"revert_run": report.run_id, "reverted": report.reverted, "changes": report.changes},
        action="import-revert",
    )  # fmt: skip
    import asyncio

    await asyncio.to_thread(_bump_cache, settings, resources_for(report.entities) | {"status"})
    return report
