"""A bill's children — sponsorships, actions, documents — written, logged and restored with their bill.

Contract:

* :func:`sync` runs inside the loader's transaction after the bills are upserted. A bill whose record states a
  child list (``BillRec.sponsorships``/``actions``/``documents`` not None) gets exactly that list, in that order;
  a list equal to the stored one (same rows, same order) is left alone, so a re-import changes nothing. The ids
  of the bills whose children changed are returned (the loader touches them: their change image covers the
  children).
* Sponsors are resolved by their global identifier (``person_ref``, e.g. bioguide) to the person holding it;
  one no stored person holds keeps its name and no person, and is returned as unresolved.
* :data:`IMAGE_SQL` is the part of a bill's change image holding its children (rows with their ids);
  :func:`restore` writes a bill's children back from such an image, ids included (an image without them —
  logged before revision 0010 — had none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from openpolicy.ingest.records import BillRec


@dataclass(frozen=True, slots=True)
class Child:
    key: str  # member of the bill's change image, BillRec attribute
    table: str
    columns: tuple[str, ...]  # without id, bill_id and the timestamps
    entity: str  # name of its counts in the run's summary


CHILDREN: tuple[Child, ...] = (
    Child(
        "sponsorships",
        "bill_sponsorships",
        (
            "person_id",
            "organization_id",
            "name",
            "primary",
            "classification",
            "date",
            "withdrawn_date",
            "party",
            "state",
            "district",
            "original",
        ),
        "bill_sponsorship",
    ),
    Child(
        "actions",
        "bill_actions",
        ("organization_id", "date", "description", "classification", "order", "code", "type", "chamber", "committees"),
        "bill_action",
    ),
    Child("documents", "bill_documents", ("kind", "note", "date", "url", "media_type"), "bill_document"),
)

_CHILD_IMAGE = "to_jsonb(c) - 'bill_id' - 'created_at' - 'updated_at'"  # with its id: a revert restores it
_CHILD_IMAGES = [
    f"'{child.key}', coalesce((SELECT jsonb_agg({_CHILD_IMAGE} ORDER BY c.id) FROM {child.table} c "  # noqa: S608
    "WHERE c.bill_id = t.id), '[]'::jsonb)"
    for child in CHILDREN
]
IMAGE_SQL = " || jsonb_build_object(" + ", ".join(_CHILD_IMAGES) + ")"


def _q(name: str) -> str:
    return f'"{name}"'


def _rows(child: Child, bill: BillRec, items: list[Any]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    values: tuple[Any, ...]
    for n, item in enumerate(items):
        if child.key == "sponsorships":
            scheme, ident = item.person_ref or (None, None)
            values = (None, None, item.name, item.primary, item.classification, item.date, item.withdrawn_date,
                      item.party, item.state, item.district, item.original)  # fmt: skip
            rows.append((bill.id, n, scheme, ident, *values))
        elif child.key == "actions":
            values = (item.organization_id, item.date, item.description, item.classification, item.order,
                      item.code, item.type, item.chamber, item.committees)  # fmt: skip
            rows.append((bill.id, n, None, None, *values))
        else:
            rows.append((bill.id, n, None, None, item.kind, item.note, item.date, item.url, item.media_type))
    return rows


async def sync(conn: Any, bills: list[BillRec]) -> tuple[set[str], list[dict[str, Any]], dict[str, dict[str, int]]]:
    """Write the stated children of ``bills``; return (bills changed, unresolved sponsors, counts per child)."""
    touched: set[str] = set()
    unresolved: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    identifiers = {bill.id: bill.identifier for bill in bills}
    for child in CHILDREN:
        stating = [bill for bill in bills if not bill.reference_only and getattr(bill, child.key) is not None]
        if not stating:
            continue
        cols = ", ".join(_q(c) for c in child.columns)
        staged = f"s_{child.table}"
        await conn.execute(
            f"CREATE TEMP TABLE {staged} ON COMMIT DROP AS SELECT bill_id, 0 AS _n, ''::text AS _scheme, "  # noqa: S608
            f"''::text AS _ident, {cols} FROM {child.table} WITH NO DATA"
        )
        rows = [row for bill in stating for row in _rows(child, bill, getattr(bill, child.key))]
        if rows:
            await conn.copy_records_to_table(staged, records=rows, columns=["bill_id", "_n", "_scheme", "_ident",
                                                                             *child.columns])  # fmt: skip
        if child.key == "sponsorships":
            await conn.execute(
                f"""
                UPDATE {staged} s SET person_id = i.person_id FROM person_identifiers i
                WHERE i.scheme = s._scheme AND i.identifier = s._ident AND i.scope = ''
                """  # noqa: S608 - identifiers come from module constants
            )
            for row in await conn.fetch(
                f"SELECT bill_id, name, _scheme, _ident FROM {staged} WHERE person_id IS NULL ORDER BY bill_id, _n"  # noqa: S608
            ):
                why = f"{row['_scheme']}={row['_ident']} is held by no stored person" if row["_ident"] else (
                    "the source gives no identifier")  # fmt: skip
                unresolved.append(
                    {"record": f"{identifiers[row['bill_id']]} sponsor", "name": row["name"], "why": why,
                     "bill_id": row["bill_id"]}
                )  # fmt: skip
        own = ", ".join(f"s.{_q(c)}" for c in child.columns)
        stored = ", ".join(f"t.{_q(c)}" for c in child.columns)
        changed = [
            row["bill_id"]
            for row in await conn.fetch(
                f"""
                WITH owners AS (SELECT unnest($1::text[]) AS bill_id),
                staged AS (SELECT s.bill_id, array_agg(ROW({own})::text ORDER BY s._n) AS a
                           FROM {staged} s GROUP BY s.bill_id),
                stored AS (SELECT t.bill_id, array_agg(ROW({stored})::text ORDER BY t.id) AS a
                           FROM {child.table} t JOIN owners o ON o.bill_id = t.bill_id GROUP BY t.bill_id)
                SELECT o.bill_id FROM owners o LEFT JOIN staged s ON s.bill_id = o.bill_id
                LEFT JOIN stored d ON d.bill_id = o.bill_id
                WHERE s.a IS DISTINCT FROM d.a
                ORDER BY o.bill_id
                """,  # noqa: S608 - identifiers come from module constants
                [bill.id for bill in stating],
            )
        ]
        deleted = inserted = 0
        if changed:
            status = await conn.execute(f"DELETE FROM {child.table} WHERE bill_id = ANY($1::text[])", changed)  # noqa: S608
            deleted = int(status.rsplit(" ", 1)[-1])
            status = await conn.execute(
                f"INSERT INTO {child.table} (bill_id, {cols}) SELECT bill_id, {cols} FROM {staged} "  # noqa: S608
                "WHERE bill_id = ANY($1::text[]) ORDER BY bill_id, _n",
                changed,
            )
            inserted = int(status.rsplit(" ", 1)[-1])
        touched.update(changed)
        counts[child.entity] = {"inserted": inserted, "updated": 0, "unchanged": len(rows) - inserted,
                                "deleted": deleted}  # fmt: skip
    return touched, unresolved, counts


async def restore(conn: Any, bill_id: str, image: dict[str, Any]) -> None:
    """Give ``bill_id`` the children of its change ``image`` (none when the image has no such member)."""
    for child in CHILDREN:
        cols = ", ".join(_q(c) for c in child.columns)
        await conn.execute(f"DELETE FROM {child.table} WHERE bill_id = $1", bill_id)  # noqa: S608
        items = image.get(child.key) or []
        if items:
            await conn.execute(
                f"INSERT INTO {child.table} (id, bill_id, {cols}) "  # noqa: S608
                f"SELECT coalesce(id, nextval(pg_get_serial_sequence('{child.table}', 'id'))), $1, {cols} "
                f"FROM jsonb_populate_recordset(NULL::{child.table}, $2::jsonb) WITH ORDINALITY AS x "
                "ORDER BY x.ordinality",
                bill_id,
                orjson.dumps(items).decode(),
            )
