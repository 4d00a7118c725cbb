"""Bulk loading helpers: drop a table's primary key and indexes for a large COPY, rebuild them afterwards.

Loading many rows into a table without its indexes and building them once afterwards (a sort per index) is
several times faster than maintaining every index row by row — what ``pg_restore`` does. The definitions are
read from the catalog (``pg_get_indexdef`` / ``pg_get_constraintdef``), so exactly what was there is rebuilt,
under the same names. Meant to run inside one transaction: ``DROP INDEX`` takes an ``ACCESS EXCLUSIVE`` lock
on the table until commit, and a rollback restores the indexes as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# maintenance_work_mem for the rebuild (SET LOCAL): the sort of a few million keys fits in memory.
REBUILD_MAINTENANCE_WORK_MEM = "256MB"


@dataclass(frozen=True)
class DroppedKeys:
    """What :func:`drop_keys` dropped; :func:`rebuild_keys` re-creates it."""

    table: str
    create: tuple[str, ...]
    primary_key: str | None = None  # the statement of ``create`` that re-adds the primary key


async def droppable(conn: Any, table: str) -> bool:
    """True when the current role owns ``table`` and no foreign key of another table references it.

    (A referenced primary key cannot be dropped without dropping those foreign keys too.)
    """
    row = await conn.fetchrow(
        """
        SELECT pg_has_role(c.relowner, 'USAGE') AS owner,
               EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = c.oid AND f.contype = 'f') AS referenced
        FROM pg_class c WHERE c.oid = $1::regclass
        """,
        table,
    )
    return bool(row["owner"]) and not bool(row["referenced"])


async def drop_keys(conn: Any, table: str) -> DroppedKeys:
    """Drop every index of ``table`` (primary key and unique constraints included); return how to rebuild them.

    CHECK, NOT NULL and foreign-key constraints stay (they do not depend on the table's own indexes).
    """
    rows = await conn.fetch(
        """
        SELECT ic.relname AS index_name, pg_get_indexdef(i.indexrelid) AS index_def,
               con.conname AS constraint_name, pg_get_constraintdef(con.oid) AS constraint_def
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
             AND con.contype IN ('p', 'u', 'x')
        WHERE i.indrelid = $1::regclass
        ORDER BY con.contype NULLS LAST, ic.relname
        """,
        table,
    )
    quoted = _quote(table)
    drop: list[str] = []
    create: list[str] = []
    primary_key = None
    for row in rows:
        if row["constraint_name"] is not None:
            name = _quote(row["constraint_name"])
            drop.append(f"ALTER TABLE {quoted} DROP CONSTRAINT {name}")
            create.append(f"ALTER TABLE {quoted} ADD CONSTRAINT {name} {row['constraint_def']}")
            if str(row["constraint_def"]).startswith("PRIMARY KEY"):
                primary_key = create[-1]
        else:
            drop.append(f"DROP INDEX {_quote(row['index_name'])}")
            create.append(str(row["index_def"]))
    for statement in drop:
        await conn.execute(statement)
    return DroppedKeys(table, tuple(create), primary_key)


async def rebuild_keys(conn: Any, dropped: DroppedKeys, *, in_primary_key_order: bool = False) -> None:
    """Re-create what :func:`drop_keys` dropped (a unique key that the new rows violate raises here).

    ``in_primary_key_order``: the table's rows were written in primary-key order (e.g. a COPY into the bare
    table of rows sorted by the key), so the primary key's sort finds them presorted — one pass, done serially:
    a parallel build has each worker sort its share into a temporary file and the leader merge them back
    (server time of the primary key of 1,000,000 ballots: 0.64–0.69 s parallel, 0.49–0.62 s serial). The other
    indexes keep the server's parallel maintenance workers, which help an unsorted build.
    """
    previous = await conn.fetchrow(
        "SELECT current_setting('maintenance_work_mem') AS mem, "
        "current_setting('max_parallel_maintenance_workers') AS workers"
    )
    await conn.execute(f"SET LOCAL maintenance_work_mem = '{REBUILD_MAINTENANCE_WORK_MEM}'")
    for statement in dropped.create:  # a failure aborts the transaction: the caller rolls back
        serial = in_primary_key_order and statement == dropped.primary_key
        if serial:
            await conn.execute("SET LOCAL max_parallel_maintenance_workers = 0")
        await conn.execute(statement)
        if serial:
            await conn.execute("SELECT set_config('max_parallel_maintenance_workers', $1, true)", previous["workers"])
    await conn.execute("SELECT set_config('maintenance_work_mem', $1, true)", previous["mem"])
    await conn.execute(f"ANALYZE {_quote(dropped.table)}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
