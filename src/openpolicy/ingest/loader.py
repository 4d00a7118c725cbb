"""Bulk loader: COPY a :class:`Bundle` into temporary staging tables, then set-based upserts.

Runs inside the caller's transaction (one per import run) on a raw asyncpg connection:

1. every entity is ``COPY``-ed into a ``TEMP ... ON COMMIT DROP`` table shaped like its target;
2. people are matched to existing people by any shared identifier ``(scheme, identifier)``; their candidate
   ids (and the person references of memberships and ballots) are rewritten to the existing ids;
3. ``INSERT ... WHERE NOT EXISTS`` adds new rows and ``UPDATE ... WHERE (row) IS DISTINCT FROM (staged)`` changes
   only rows that differ, so a second import of the same input changes no row and no ``updated_at``;
4. child rows (person identifiers, vote counts, ballots) are synchronised per parent; a parent whose children
   changed counts as updated (its ``updated_at`` covers them);
5. each inserted/updated entity is appended to ``change_log`` with its full image (people with identifiers,
   votes with counts and ballots — columnar: ``{ordinal: [...], person_id: [...], voter_name: [...],
   option: [...]}``), in dependency order, in the same transaction.

Ballots of vote events this run inserts are COPY-ed straight into ``ballots`` (nothing to compare with; the
table's constraints still check every row): the bulk path of a first import.

People, organizations, jurisdictions, periods and sessions are *merged* (several sources describe the same
person or party): a value the source does not know (NULL, empty list) keeps the stored one and ``extras``
are merged. Everything else is replaced by what the source says.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy.dialects.postgresql import JSONB

from openpolicy.db import bulk, models
from openpolicy.documents.store import refresh as refresh_documents
from openpolicy.ingest.identity import SINGLE_VALUED, is_global, scope_of
from openpolicy.ingest.records import BallotRow, Bundle, InputError

Progress = Callable[[str, int], None]
JSON_LIST = "list"
JSON_OBJECT = "object"


# Columns the loader never takes from a record: the database's own (timestamps; generated columns are skipped
# too), the run stamp it sets itself, and its bookkeeping (vote_events.ballots_digest, written after the ballots).
NOT_LOADED = frozenset({"created_at", "updated_at", "import_run_id", "ballots_digest"})


@dataclass(frozen=True, slots=True)
class Spec:
    """How one entity type is loaded; its columns are read from the model (db.models), never listed here."""

    entity: str  # change-feed entity type (models.ENTITY_TYPES)
    table: str
    columns: tuple[str, ...]  # the table's columns in model order ("id" first), minus generated and NOT_LOADED
    json: dict[str, str]  # column -> JSON_LIST | JSON_OBJECT (the jsonb columns)
    merge: bool
    attr: str  # Bundle attribute; each of its records has an attribute per column


def _json_kind(column: Any) -> str | None:
    """A jsonb column's kind, from its server default ('[]' or '{}'); None for any other type."""
    if not isinstance(column.type, JSONB):
        return None
    default = str(getattr(column.server_default, "arg", ""))
    if default.startswith("'[]'"):
        return JSON_LIST
    if default.startswith("'{}'"):
        return JSON_OBJECT
    raise TypeError(f"{column.table.name}.{column.name}: a jsonb column needs a '[]' or '{{}}' server default")


def _spec(entity: str, model: type[models.Base], *, merge: bool, attr: str) -> Spec:
    table = models.Base.metadata.tables[model.__tablename__]
    columns = tuple(c.name for c in table.columns if c.computed is None and c.name not in NOT_LOADED)
    if columns[0] != "id":
        raise TypeError(f"{table.name}: the loader needs the primary key id as the first column")
    json = {c.name: kind for c in table.columns if c.name in columns and (kind := _json_kind(c)) is not None}
    return Spec(entity, table.name, columns, json, merge, attr)


L, OBJ = JSON_LIST, JSON_OBJECT
# In load order (a row refers only to rows of earlier specs). Children are written by their own modules:
# person identifiers and ballots here, bills' by openpolicy.ingest.bill_children, debates' by hansard_load.
SPECS: tuple[Spec, ...] = (
    _spec("jurisdiction", models.Jurisdiction, merge=True, attr="jurisdictions"),
    _spec("organization", models.Organization, merge=True, attr="organizations"),
    _spec("area", models.Area, merge=False, attr="areas"),
    _spec("legislative_period", models.LegislativePeriod, merge=True, attr="periods"),
    _spec("session", models.Session, merge=True, attr="sessions"),
    _spec("post", models.Post, merge=False, attr="posts"),
    _spec("person", models.Person, merge=True, attr="people"),
    _spec("membership", models.Membership, merge=False, attr="memberships"),
    _spec("bill", models.Bill, merge=False, attr="bills"),
    _spec("vote", models.VoteEvent, merge=False, attr="vote_events"),
    _spec("debate", models.Debate, merge=False, attr="debates"),
    _spec("boundary_set", models.BoundarySet, merge=False, attr="boundary_sets"),
    _spec("boundary", models.Boundary, merge=False, attr="boundaries"),
)
SPEC_BY_ENTITY = {spec.entity: spec for spec in SPECS}
GENERATED_COLUMNS = tuple(
    sorted({c.name for t in models.Base.metadata.tables.values() for c in t.columns if c.computed is not None})
)
# Columns never in a change image: generated ones, and the loader's bookkeeping (vote_events.ballots_digest).
UNLOGGED_COLUMNS = (*GENERATED_COLUMNS, "ballots_digest")
BULK_BALLOTS = 50_000  # from this many new ballots on, the bulk measures of _copy_new_ballots


@dataclass
class Outcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclass
class LoadResult:
    counts: dict[str, Outcome]
    changed_entities: set[str]
    # Records joined to a person other than their own: {record, person_id, person, via}
    merges: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # Memberships ended because a full snapshot of their dataset no longer states them: {id, dataset, end_date}
    ended: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # People named by the input but matching no stored person, kept as published: {record, name, why}
    unresolved: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {entity: outcome.as_dict() for entity, outcome in self.counts.items()}

    @property
    def changes(self) -> int:
        return sum(o.inserted + o.updated + o.deleted for o in self.counts.values())


def _q(name: str) -> str:
    return f'"{name}"'


def _dump(value: Any) -> str:
    return orjson.dumps(value).decode()


def _rows(spec: Spec, items: Sequence[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    json_cols = spec.json
    for item in items:
        row: list[Any] = []
        for column in spec.columns:
            value = getattr(item, column)
            if column in json_cols:
                value = _dump(value if value is not None else ([] if json_cols[column] == L else {}))
            row.append(value)
        if spec.entity == "person":
            seat = item.seat or (None, None, None)
            row.extend((item.fallback_name, *seat))
        out.append(tuple(row))
    return out


class Loader:
    """One bundle into one open transaction of ``conn`` (an asyncpg connection)."""

    def __init__(self, conn: Any, run_id: int | None, progress: Progress | None = None) -> None:
        self.conn = conn
        self.run_id = run_id
        self.progress = progress or (lambda _stage, _n: None)
        self.result = LoadResult(counts={}, changed_entities=set())
        self._ballot_groups: dict[str, list[BallotRow]] = {}
        self._vote_ids: list[str] = []
        self._unstated: set[str] = set()
        self._ballot_summary: asyncio.Future[BallotSummary] | None = None

    # --- staging ----------------------------------------------------------------------------------
    async def _stage(self, spec: Spec, rows: list[tuple[Any, ...]]) -> None:
        cols = ", ".join(_q(c) for c in spec.columns)
        await self.conn.execute(
            f"CREATE TEMP TABLE s_{spec.table} ON COMMIT DROP AS SELECT {cols} FROM {spec.table} WITH NO DATA"  # noqa: S608
        )
        columns = list(spec.columns)
        if spec.entity == "person":
            await self.conn.execute(
                "ALTER TABLE s_people ADD COLUMN _fallback_name text, ADD COLUMN _seat_org text, "
                "ADD COLUMN _seat_area text, ADD COLUMN _seat_start date, ADD COLUMN _own boolean NOT NULL DEFAULT true"
            )
            columns.extend(("_fallback_name", "_seat_org", "_seat_area", "_seat_start"))
        if rows:
            await self.conn.copy_records_to_table(f"s_{spec.table}", records=rows, columns=columns)
        # Statistics of the staged rows: without them the planner guesses a few hundred rows and, e.g., hashes a
        # million ballots instead of the two thousand vote events staged (the ballots/counts check: 2x slower).
        await self.conn.execute(f"ANALYZE s_{spec.table}")

    # --- upsert -----------------------------------------------------------------------------------
    def _merged(self, spec: Spec, column: str) -> str:
        s, t = f"s.{_q(column)}", f"t.{_q(column)}"
        if not spec.merge:
            return s
        kind = spec.json.get(column)
        if column == "sources":  # provenance accumulates: every source that stated the record, first seen first
            union = "(SELECT coalesce(jsonb_agg(u.e ORDER BY u.o), '[]'::jsonb) FROM (SELECT x.e, min(x.o) AS o "
            union += f"FROM jsonb_array_elements({t} || {s}) WITH ORDINALITY AS x(e, o) GROUP BY x.e) AS u)"
            return union
        if kind == L:
            ours = f"CASE WHEN {s} IS NULL OR {s} = '[]'::jsonb THEN {t} ELSE {s} END"
            theirs = f"CASE WHEN {t} = '[]'::jsonb THEN {s} ELSE {t} END"
        elif kind == OBJ:
            ours, theirs = f"({t} || {s})", f"({s} || {t})"
        else:
            ours, theirs = f"coalesce({s}, {t})", f"coalesce({t}, {s})"
        if spec.entity != "person":
            return ours
        # A person first created by another source (matched through a shared identifier): this source only
        # fills what is missing, so importing sources in any order, any number of times, converges.
        return f"CASE WHEN s._own THEN {ours} ELSE {theirs} END"

    async def _upsert(self, spec: Spec, staged: int) -> None:
        cols = [c for c in spec.columns]
        col_list = ", ".join(_q(c) for c in cols)
        select = [f"s.{_q(c)}" for c in cols]
        if spec.entity == "person":
            select[cols.index("name")] = "coalesce(s.name, s._fallback_name)"
            select[cols.index("sort_name")] = "coalesce(s.sort_name, s.name, s._fallback_name)"
        inserted = await self.conn.fetchval(
            f"""
            WITH ins AS (
                INSERT INTO {spec.table} ({col_list}, import_run_id)
                SELECT {", ".join(select)}, $2 FROM s_{spec.table} s
                WHERE NOT EXISTS (SELECT 1 FROM {spec.table} t WHERE t.id = s.id)
                RETURNING id
            ), logged AS (
                INSERT INTO _changed (entity_type, entity_id, operation) SELECT $1, id, 'insert' FROM ins
            )
            SELECT count(*) FROM ins
            """,  # noqa: S608 - identifiers come from module constants
            spec.entity,
            self.run_id,
        )
        data_cols = [c for c in cols if c != "id"]
        merged = [self._merged(spec, c) for c in data_cols]
        targets = ", ".join(_q(c) for c in data_cols)
        current = ", ".join(f"t.{_q(c)}" for c in data_cols)
        updated = await self.conn.fetchval(
            f"""
            WITH upd AS (
                UPDATE {spec.table} t SET ({targets}, import_run_id) = ROW({", ".join(merged)}, $2::bigint)
                FROM s_{spec.table} s
                WHERE t.id = s.id AND ROW({current}) IS DISTINCT FROM ROW({", ".join(merged)})
                  AND NOT EXISTS (SELECT 1 FROM _changed c WHERE c.entity_type = $1 AND c.entity_id = t.id)
                RETURNING t.id
            ), logged AS (
                INSERT INTO _changed (entity_type, entity_id, operation) SELECT $1, id, 'update' FROM upd
            )
            SELECT count(*) FROM upd
            """,  # noqa: S608 - identifiers come from module constants
            spec.entity,
            self.run_id,
        )
        outcome = self.result.counts.setdefault(spec.entity, Outcome())
        outcome.inserted += int(inserted)
        outcome.updated += int(updated)
        outcome.unchanged += staged - int(inserted) - int(updated)

    async def _entity(self, spec: Spec, items: Sequence[Any]) -> None:
        rows = _rows(spec, items)
        await self._stage(spec, rows)
        await self._upsert(spec, len(rows))
        self.progress(spec.entity, len(rows))

    # --- people -----------------------------------------------------------------------------------
    async def _bills_to_write(self, bills: list[Any]) -> list[Any]:
        """The bundle's bills minus those only referenced (a vote's bill, BillRec.reference_only) already stored:
        a reference never changes the bill's own record."""
        refs = [bill.id for bill in bills if bill.reference_only]
        if not refs:
            return bills
        stored = {row["id"] for row in await self.conn.fetch("SELECT id FROM bills WHERE id = ANY($1::text[])", refs)}
        self.result.counts.setdefault("bill", Outcome()).unchanged += len(stored)
        return [bill for bill in bills if not (bill.reference_only and bill.id in stored)]

    async def _people(self, bundle: Bundle) -> dict[str, str]:
        """Stage and upsert the bundle's people; return the candidate ids replaced by another person's id.

        Records are the same person when they share a *global* identifier (openpolicy.ingest.identity): records
        of this input among themselves, then each group with the stored person holding one of its global ids.
        Refused (InputError naming the records): two records of one dataset joined, a group joined to two stored
        people, two values of a single-valued scheme in one person. Every join of a record into a person other
        than its own is listed in ``LoadResult.merges``."""
        spec = SPEC_BY_ENTITY["person"]
        where = ", ".join(bundle.files) or bundle.source
        prefix = f"{bundle.files[0]} " if len(bundle.files) == 1 else "\x00"
        label = {
            p.id: f"{p.record.removeprefix(prefix) or p.id} ({p.name or p.fallback_name or '?'})" for p in bundle.people
        }
        dataset = {p.id: p.dataset for p in bundle.people}
        global_ids = {
            p.id: sorted({(sch, ident) for sch, ident in p.identifiers if is_global(sch)}) for p in bundle.people
        }
        # 1. records of this input sharing a global id: one group (union-find), never two of one dataset.
        parent = {p.id: p.id for p in bundle.people}

        def root(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        holder: dict[tuple[str, str], str] = {}
        for person in bundle.people:
            for key in global_ids[person.id]:
                other = holder.setdefault(key, person.id)
                if other != person.id and root(other) != root(person.id):
                    parent[root(person.id)] = root(other)
        groups: dict[str, list[str]] = {}
        for person in bundle.people:
            groups.setdefault(root(person.id), []).append(person.id)
        for members in groups.values():
            self._check_group(where, members, dataset, label, global_ids)
        # 2. each group against the stored people holding its global ids (and its own stored id).
        keys = sorted({key for ids in global_ids.values() for key in ids})
        stored: dict[tuple[str, str], str] = {}
        if keys:
            for row in await self.conn.fetch(
                """
                SELECT i.scheme, i.identifier, i.person_id FROM person_identifiers i
                JOIN unnest($1::text[], $2::text[]) AS k(scheme, identifier)
                  ON i.scheme = k.scheme AND i.identifier = k.identifier AND i.scope = ''
                """,
                [k[0] for k in keys],
                [k[1] for k in keys],
            ):
                stored[(row["scheme"], row["identifier"])] = row["person_id"]
        existing = {
            row["id"] for row in await self.conn.fetch("SELECT id FROM people WHERE id = ANY($1::text[])", list(parent))
        }
        remap: dict[str, str] = {}
        via: dict[str, list[str]] = {}
        for first, members in groups.items():
            found: dict[str, list[str]] = {}
            for member in members:
                for key in global_ids[member]:
                    if key in stored:
                        found.setdefault(stored[key], []).append(f"{key[0]}={key[1]}")
            own = [m for m in members if m in existing]
            targets = set(found) | set(own)
            if len(targets) > 1:
                names = await self._names(sorted(targets))
                raise InputError(
                    where, label[first], "identifiers",
                    "matches different stored people: " + "; ".join(
                        f"{names.get(t, t)} ({t}" + (f", by {', '.join(found[t])})" if t in found else ", its own id)")
                        for t in sorted(targets)
                    ),
                )  # fmt: skip
            target = targets.pop() if targets else first
            for member in members:
                if member != target:
                    remap[member] = target
                    others = {k for o in members if o != member for k in global_ids[o]}
                    via[member] = found.get(target) or [f"{k[0]}={k[1]}" for k in global_ids[member] if k in others]
        await self._check_single_valued(where, groups, remap, global_ids, label, existing | set(stored.values()))
        rows = _rows(spec, bundle.people)
        await self._stage(spec, rows)
        await self.conn.execute(
            "CREATE TEMP TABLE s_person_identifiers (person_id text, scheme text, scope text, identifier text) "
            "ON COMMIT DROP"
        )
        idents = [
            (remap.get(p.id, p.id), scheme, scope_of(scheme, p.dataset), ident)
            for p in bundle.people
            for scheme, ident in p.identifiers
        ]
        if idents:
            await self.conn.copy_records_to_table("s_person_identifiers", records=idents)
        # A dataset's own identifier on two different people of this input: the input contradicts itself.
        clash = await self.conn.fetchrow(
            """
            SELECT scheme, identifier, array_agg(DISTINCT person_id ORDER BY person_id) AS people
            FROM s_person_identifiers GROUP BY scheme, scope, identifier HAVING count(DISTINCT person_id) > 1 LIMIT 1
            """
        )
        if clash is not None:
            first_label = {remap.get(p, p): label[p] for p in reversed(list(label))}
            a, b = clash["people"][:2]
            raise InputError(
                where, first_label.get(a, a), "identifiers",
                f"{clash['scheme']}={clash['identifier']} is also on {first_label.get(b, b)}, another record of "
                "the same dataset",
            )  # fmt: skip
        # No shared identifier, but the source names a seat: the one person holding it (same chamber, district
        # and start date) in the database is this person (e.g. the House members XML, which has no PersonId).
        by_seat = await self.conn.fetch(
            """
            SELECT s.id AS candidate, min(m.person_id) AS person_id
            FROM s_people s JOIN memberships m ON m.organization_id = s._seat_org AND m.area_id = s._seat_area
                 AND m.start_date IS NOT DISTINCT FROM s._seat_start
            WHERE s._seat_org IS NOT NULL AND s.id <> ALL($1::text[]) AND m.person_id <> s.id
              AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = s.id)
            GROUP BY s.id HAVING count(DISTINCT m.person_id) = 1
            """,
            list(remap),
        )
        for row in by_seat:
            remap[row["candidate"]] = row["person_id"]
            via[row["candidate"]] = ["the seat it holds"]
            await self.conn.execute(
                "UPDATE s_person_identifiers SET person_id = $2 WHERE person_id = $1",
                row["candidate"],
                row["person_id"],
            )
        if remap:
            pairs = list(remap.items())
            # A record joined to a stored person fills only what that person lacks (_own = false); one joined to
            # another record of this input (a new person) is merged the same way.
            await self.conn.executemany("UPDATE s_people SET id = $2, _own = false WHERE id = $1", pairs)
            # Several records of one person: the one whose candidate id is the person's own wins, else the first.
            await self.conn.execute(
                "DELETE FROM s_people a USING s_people b WHERE a.id = b.id AND (a._own, b.ctid) < (b._own, a.ctid)"
            )
            await self.conn.execute(
                "UPDATE s_people s SET _own = true WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = s.id)"
            )
            names = await self._names(sorted(set(remap.values())))
            fallback = {p.id: p.name or p.fallback_name for p in bundle.people}
            self.result.merges.extend(
                {
                    "record": label[candidate],
                    "person_id": target,
                    "person": names.get(target) or fallback.get(target),
                    "via": via.get(candidate, []),
                }
                for candidate, target in sorted(remap.items())
            )
        staged = await self.conn.fetchval("SELECT count(*) FROM s_people")
        await self._upsert(spec, int(staged))
        # Identifiers: add the new ones; one already held (same scheme, scope, value) stays with its holder.
        touched = await self.conn.fetch(
            """
            WITH ins AS (
                INSERT INTO person_identifiers (person_id, scheme, scope, identifier)
                SELECT DISTINCT person_id, scheme, scope, identifier FROM s_person_identifiers
                ON CONFLICT (scheme, scope, identifier) DO NOTHING
                RETURNING person_id
            )
            SELECT DISTINCT person_id FROM ins
            """
        )
        await self._touch("person", "people", [row["person_id"] for row in touched])
        self.progress("person", len(rows))
        return remap

    @staticmethod
    def _check_group(
        where: str,
        members: list[str],
        dataset: dict[str, str],
        label: dict[str, str],
        global_ids: dict[str, list[tuple[str, str]]],
    ) -> None:
        """Records of this input joined by global ids: at most one per dataset, one value per single-valued scheme."""
        by_dataset: dict[str, str] = {}
        for member in members:
            other = by_dataset.setdefault(dataset[member], member)
            if other != member:
                shared = sorted(set(global_ids[member]) & set(global_ids[other])) or global_ids[member]
                raise InputError(
                    where, label[member], "identifiers",
                    f"shares {', '.join(f'{s}={i}' for s, i in shared)} with {label[other]}, another record of "
                    "the same dataset",
                )  # fmt: skip
        values: dict[str, tuple[str, str]] = {}
        for member in members:
            for scheme, ident in global_ids[member]:
                if scheme not in SINGLE_VALUED:
                    continue
                seen = values.setdefault(scheme, (ident, member))
                if seen[0] != ident:
                    raise InputError(
                        where, label[member], "identifiers",
                        f"{scheme}={ident}, while {label[seen[1]]}, joined to it by another identifier, has "
                        f"{scheme}={seen[0]}",
                    )  # fmt: skip

    async def _check_single_valued(
        self,
        where: str,
        groups: dict[str, list[str]],
        remap: dict[str, str],
        global_ids: dict[str, list[tuple[str, str]]],
        label: dict[str, str],
        existing: set[str],
    ) -> None:
        """A record joined to a stored person must not give that person a second value of a single-valued scheme."""
        targets: dict[str, list[str]] = {}
        for first, members in groups.items():
            target = remap.get(first, first)
            if target in existing:
                targets.setdefault(target, []).extend(members)
        if not targets:
            return
        held: dict[tuple[str, str], str] = {}
        for row in await self.conn.fetch(
            "SELECT person_id, scheme, identifier FROM person_identifiers WHERE person_id = ANY($1::text[]) "
            "AND scope = '' AND scheme = ANY($2::text[])",
            list(targets),
            sorted(SINGLE_VALUED),
        ):
            held[(row["person_id"], row["scheme"])] = row["identifier"]
        for target, members in targets.items():
            for member in members:
                for scheme, ident in global_ids[member]:
                    stored = held.get((target, scheme))
                    if scheme in SINGLE_VALUED and stored is not None and stored != ident:
                        name = (await self._names([target])).get(target, target)
                        raise InputError(
                            where, label[member], "identifiers",
                            f"{scheme}={ident}, but the person it is joined to, {name} ({target}), has "
                            f"{scheme}={stored}",
                        )  # fmt: skip

    async def _names(self, ids: list[str]) -> dict[str, str]:
        rows = await self.conn.fetch("SELECT id, name FROM people WHERE id = ANY($1::text[])", ids)
        return {row["id"]: row["name"] for row in rows}

    async def _end_absent(self, bundle: Bundle) -> None:
        """End the open memberships of the bundle's snapshot datasets that the bundle no longer states.

        The end date is the run's date (UTC), flagged ``extras.end_date_inferred``: the source only says the
        membership is gone, not when it ended. Memberships not yet started are left alone."""
        if not bundle.snapshots:
            return
        rows = await self.conn.fetch(
            """
            WITH gone AS (
                UPDATE memberships m SET end_date = (now() AT TIME ZONE 'UTC')::date, import_run_id = $2,
                    extras = m.extras || jsonb_build_object(
                        'end_date_inferred', true, 'ended_because', 'absent from a later snapshot of ' || m.dataset)
                WHERE m.dataset = ANY($1::text[])
                  AND (m.end_date IS NULL OR m.end_date > (now() AT TIME ZONE 'UTC')::date)
                  AND (m.start_date IS NULL OR m.start_date <= (now() AT TIME ZONE 'UTC')::date)
                  AND NOT EXISTS (SELECT 1 FROM s_memberships s WHERE s.id = m.id)
                RETURNING m.id, m.dataset, m.end_date
            ), logged AS (
                INSERT INTO _changed (entity_type, entity_id, operation) SELECT 'membership', id, 'update' FROM gone
            )
            SELECT id, dataset, end_date FROM gone ORDER BY id
            """,
            sorted(bundle.snapshots),
            self.run_id,
        )
        self.result.counts.setdefault("membership", Outcome()).updated += len(rows)
        self.result.ended.extend(
            {"id": r["id"], "dataset": r["dataset"], "end_date": r["end_date"].isoformat()} for r in rows
        )

    # --- children ---------------------------------------------------------------------------------
    async def _touch(self, entity: str, table: str, ids: Iterable[str]) -> None:
        """Parents whose children changed: bump updated_at and record an update (once)."""
        id_list = list(set(ids))
        if not id_list:
            return
        updated = await self.conn.fetchval(
            f"""
            WITH todo AS (
                SELECT unnest($2::text[]) AS id
                EXCEPT SELECT entity_id FROM _changed WHERE entity_type = $1
            ), upd AS (
                UPDATE {table} t SET updated_at = now(), import_run_id = $3 FROM todo WHERE t.id = todo.id
                RETURNING t.id
            ), logged AS (
                INSERT INTO _changed (entity_type, entity_id, operation) SELECT $1, id, 'update' FROM upd
            )
            SELECT count(*) FROM upd
            """,  # noqa: S608 - identifiers come from module constants
            entity,
            id_list,
            self.run_id,
        )
        outcome = self.result.counts.setdefault(entity, Outcome())
        outcome.updated += int(updated)
        outcome.unchanged -= int(updated)

    async def _vote_children(self, bundle: Bundle, remap: dict[str, str]) -> None:
        counts = [(v.id, option, value) for v in bundle.vote_events for option, value in v.counts.items()]
        await self.conn.execute(
            "CREATE TEMP TABLE s_vote_counts (vote_event_id text, option text, value integer) ON COMMIT DROP"
        )
        if counts:
            await self.conn.copy_records_to_table("s_vote_counts", records=counts)
        await self.conn.execute("CREATE TEMP TABLE s_votes_ids ON COMMIT DROP AS SELECT id FROM s_vote_events")
        await self.conn.execute("ALTER TABLE s_votes_ids ADD PRIMARY KEY (id)")
        touched: set[str] = set()
        rows = await self.conn.fetch(
            """
            WITH del AS (
                DELETE FROM vote_counts c USING s_votes_ids v
                WHERE c.vote_event_id = v.id AND NOT EXISTS (
                    SELECT 1 FROM s_vote_counts s WHERE s.vote_event_id = c.vote_event_id AND s.option = c.option)
                RETURNING c.vote_event_id
            ), upd AS (
                UPDATE vote_counts c SET value = s.value FROM s_vote_counts s
                WHERE c.vote_event_id = s.vote_event_id AND c.option = s.option AND c.value <> s.value
                RETURNING c.vote_event_id
            ), ins AS (
                INSERT INTO vote_counts (vote_event_id, option, value)
                SELECT s.vote_event_id, s.option, s.value FROM s_vote_counts s
                WHERE NOT EXISTS (
                    SELECT 1 FROM vote_counts c WHERE c.vote_event_id = s.vote_event_id AND c.option = s.option)
                RETURNING vote_event_id
            )
            SELECT vote_event_id FROM del UNION SELECT vote_event_id FROM upd UNION SELECT vote_event_id FROM ins
            """
        )
        touched.update(row["vote_event_id"] for row in rows)
        # A vote whose source states no ballots (a divisions list with counts only) keeps the ballots another
        # source stated: they are neither compared nor replaced.
        self._unstated = {v.id for v in bundle.vote_events if not v.ballots_stated}
        touched |= await self._ballots(bundle, remap, [v.id for v in bundle.vote_events if v.ballots_stated])
        await self._touch("vote", "vote_events", touched)
        await self._store_ballot_digests()

    async def _store_ballot_digests(self) -> None:
        """Store each vote's ``ballots_digest`` (revision 0007) once its ballots are written.

        After the last ballot statement of the run: the triggers on ``ballots`` reset the digest of every vote
        whose ballots a statement touches, including the loader's own. Votes with an ambiguous input (two
        ballots with one ordinal) get none (NULL: always synchronised in full). Only differing digests are
        written, and writing one does not bump ``updated_at`` (the vote_events trigger of revision 0007)."""
        digests = (await self._summary()).digests
        pairs = [(vote, digest) for vote, digest in digests.items() if digest is not None]
        if not pairs:
            return
        ids, values = zip(*pairs, strict=True)
        await self.conn.execute(
            """
            UPDATE vote_events v SET ballots_digest = d.digest
            FROM unnest($1::text[], $2::bytea[]) AS d(id, digest)
            WHERE v.id = d.id AND v.ballots_digest IS DISTINCT FROM d.digest
            """,
            list(ids),
            list(values),
        )

    async def _copy_new_ballots(
        self, rows: Iterable[BallotRow], n: int, people: Callable[[], set[str]]
    ) -> bulk.DroppedKeys | None:
        """COPY ``n`` ballots of vote events created in this transaction; return the keys dropped for it.
        ``rows`` may be built as the COPY consumes them; ``people``: the person ids of the rows, once copied.

        The caller rebuilds what is returned (:func:`openpolicy.db.bulk.rebuild_keys`) before the commit.

        From ``BULK_BALLOTS`` new ballots on, two bulk measures (each only where it is allowed):

        * **index rebuild** — when the new ballots are at least as many as the ballots already stored, the
          table's primary key and indexes are dropped, the rows COPY-ed into the bare table, and the keys
          rebuilt (one sort each, ``maintenance_work_mem`` raised for it) before the transaction commits. The
          rebuilt primary key checks every row's uniqueness; a failure rolls the drop back with everything else.
          ``DROP INDEX`` locks ``ballots`` (``ACCESS EXCLUSIVE``) until the import commits: readers of ballots
          wait for the load. Needs the role to own the table; otherwise the indexes are maintained row by row.
        * **set-wise foreign-key check** — when the role may set ``session_replication_role`` (superuser, or
          PostgreSQL 15+ ``GRANT SET ON PARAMETER``), the per-row foreign-key triggers are skipped and the same
          guarantees given set-wise: after the COPY, every referenced person must exist and is locked
          ``FOR KEY SHARE`` (what the per-row triggers do; a person deleted before that lock fails the check, one
          deleted after it waits for the commit), and the vote events were inserted by this very transaction.
          CHECK constraints still apply to every row. Otherwise the triggers run.
        """
        columns = ["vote_event_id", "ordinal", "person_id", "voter_name", "option"]
        if n < BULK_BALLOTS:
            await self.conn.copy_records_to_table("ballots", records=rows, columns=columns)
            return None
        dropped = await self._drop_ballot_keys(n)
        if not await self._may_skip_triggers():
            await self.conn.copy_records_to_table("ballots", records=rows, columns=columns)
            return dropped
        await self.conn.execute("SET LOCAL session_replication_role = replica")
        await self.conn.copy_records_to_table("ballots", records=rows, columns=columns)
        await self.conn.execute("SET LOCAL session_replication_role = origin")
        referenced = sorted(people())
        found = await self.conn.fetch(
            "SELECT id FROM people WHERE id = ANY($1::text[]) ORDER BY id FOR KEY SHARE", referenced
        )
        if len(found) != len(referenced):
            missing = sorted(set(referenced) - {r["id"] for r in found})
            raise InputError("ballots", f"person {missing[0]}", "person_id", f"{len(missing)} unknown people")
        return dropped

    async def _drop_ballot_keys(self, new_rows: int) -> bulk.DroppedKeys | None:
        """Drop the ballots table's keys when ``new_rows`` are at least as many as the stored ballots."""
        stored = await self.conn.fetchval("SELECT count(*) FROM (SELECT 1 FROM ballots LIMIT $1) s", new_rows + 1)
        if stored > new_rows or not await bulk.droppable(self.conn, "ballots"):
            return None
        return await bulk.drop_keys(self.conn, "ballots")

    async def _may_skip_triggers(self) -> bool:
        try:
            async with self.conn.transaction():  # a savepoint: a refused SET leaves the import intact
                await self.conn.execute("SET LOCAL session_replication_role = origin")
        except Exception:
            return False
        return True

    async def _ballots(self, bundle: Bundle, remap: dict[str, str], vote_ids: list[str]) -> set[str]:
        new_votes = {
            row["entity_id"]
            for row in await self.conn.fetch(
                "SELECT entity_id FROM _changed WHERE entity_type = 'vote' AND operation = 'insert'"
            )
        }
        # Rows a parser left unbuilt (Bundle.pending_ballots): those of new vote events are built while they are
        # COPY-ed (_fresh_rows; the server is that COPY's bottleneck, so their building costs no wall time),
        # the others (votes stored before: synchronised below) now.
        streamed: dict[str, list[tuple[int, Callable[[], list[BallotRow]]]]] = {}
        pending, bundle.pending_ballots = bundle.pending_ballots, []
        for vote, count, build in pending:
            if count == 0:  # a vote without ballots (in no group, as by_vote leaves it)
                continue
            if vote in new_votes:
                streamed.setdefault(vote, []).append((count, build))
            else:
                bundle.ballots.extend(build())
        ballots = bundle.ballots
        if remap:
            ballots = [(v, o, remap.get(p, p) if p else p, n, opt) for v, o, p, n, opt in ballots]
        groups = self._ballot_groups = by_vote(ballots)
        self._vote_ids = vote_ids
        outcome = self.result.counts.setdefault("ballot", Outcome())
        touched: set[str] = set()
        # Vote events inserted by this run have no ballots yet: their ballots are COPY-ed straight into the
        # table (the bulk path of a first import, 1,000,000+ rows; the constraints still check every row), in
        # primary-key order — vote ids sorted as their "C" collation sorts them (code points, Python's order),
        # ordinals ascending (by_vote) — so that the key's rebuild finds them presorted.
        fresh = sorted(vote for vote in groups.keys() | streamed.keys() if vote in new_votes)
        dropped = None
        if fresh:
            n = sum(len(groups.get(vote, ())) for vote in fresh) + sum(c for b in streamed.values() for c, _ in b)
            dropped = await self._copy_new_ballots(
                _fresh_rows(fresh, groups, streamed, remap),
                n,
                lambda: {row[2] for vote in fresh for row in groups[vote] if row[2] is not None},
            )
            outcome.inserted += n
            self.progress("ballot-copied", n)
        # The change log's ballot images, the tally of the data checks and the votes' ballots digests come from
        # the same rows (see _vote_change_log, _ballot_tally, _store_ballot_digests), computed in a thread while
        # the server rebuilds the keys: two cores, each busy.
        self._ballot_summary = asyncio.ensure_future(
            asyncio.to_thread(summarize_ballots, groups, vote_ids, frozenset(fresh))
        )
        if dropped is not None:
            await bulk.rebuild_keys(self.conn, dropped, in_primary_key_order=True)
        if fresh:
            self.progress("ballot", n)
        # Vote events that existed before: their ballots are synchronised through a staging table — unless the
        # digest stored with the vote (what the loader last wrote, reset by any other change of its ballots)
        # equals the digest of this input's ballots: then they are the same rows, and the vote is skipped.
        old = [vote for vote in vote_ids if vote not in new_votes]
        if not old and all(vote in new_votes for vote in groups):
            return touched
        digests = (await self._summary()).digests
        # The votes are locked first (FOR UPDATE, in id order), then their digests read in a new snapshot: a
        # concurrent writer of their ballots has committed before (its trigger reset the digest: read as NULL)
        # or waits for this run's commit to reset it, so the digests this run stores are never stale.
        await self.conn.execute("SELECT 1 FROM vote_events WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", old)
        await self.conn.execute(
            """
            CREATE TEMP TABLE s_old_votes ON COMMIT DROP AS
            SELECT s.id FROM s_votes_ids s JOIN vote_events v ON v.id = s.id
            LEFT JOIN unnest($1::text[], $2::bytea[]) AS d(id, digest) ON d.id = s.id
            WHERE v.ballots_digest IS NULL OR d.digest IS NULL OR v.ballots_digest <> d.digest
            EXCEPT SELECT entity_id FROM _changed WHERE entity_type = 'vote' AND operation = 'insert'
            """,
            old,
            [digests.get(vote) for vote in old],
        )
        synced = {row["id"] for row in await self.conn.fetch("SELECT id FROM s_old_votes")}
        # Ballots of a vote the input does not describe (no parser emits them) are staged as before.
        described = set(vote_ids)
        ballots = [
            row
            for vote, group in groups.items()
            if vote not in new_votes and (vote in synced or vote not in described)
            for row in group
        ]
        skipped = sum(len(group) for vote, group in groups.items() if vote in described and vote not in new_votes
                      and vote not in synced)  # fmt: skip
        outcome.unchanged += skipped
        if not synced and not ballots:
            self.progress("ballot-staged", 0)
            return touched
        await self.conn.execute(
            "CREATE TEMP TABLE s_ballots (vote_event_id text, ordinal smallint, person_id text, voter_name text, "
            "option text) ON COMMIT DROP"
        )
        if ballots:
            await self.conn.copy_records_to_table("s_ballots", records=ballots)
        self.progress("ballot-staged", len(ballots))
        await self.conn.execute("CREATE INDEX ON s_ballots (vote_event_id, ordinal)")
        await self.conn.execute("ANALYZE s_ballots")
        deleted = await self.conn.fetch(
            """
            DELETE FROM ballots b USING s_old_votes v
            WHERE b.vote_event_id = v.id AND NOT EXISTS (
                SELECT 1 FROM s_ballots s WHERE s.vote_event_id = b.vote_event_id AND s.ordinal = b.ordinal)
            RETURNING b.vote_event_id
            """
        )
        updated = await self.conn.fetch(
            """
            UPDATE ballots b SET person_id = s.person_id, voter_name = s.voter_name, option = s.option
            FROM s_ballots s
            WHERE b.vote_event_id = s.vote_event_id AND b.ordinal = s.ordinal
              AND (b.person_id, b.voter_name, b.option) IS DISTINCT FROM (s.person_id, s.voter_name, s.option)
            RETURNING b.vote_event_id
            """
        )
        inserted = await self.conn.fetch(
            """
            INSERT INTO ballots (vote_event_id, ordinal, person_id, voter_name, option)
            SELECT s.vote_event_id, s.ordinal, s.person_id, s.voter_name, s.option FROM s_ballots s
            WHERE NOT EXISTS (SELECT 1 FROM ballots b WHERE b.vote_event_id = s.vote_event_id AND b.ordinal = s.ordinal)
            RETURNING vote_event_id
            """
        )
        outcome.deleted += len(deleted)
        outcome.updated += len(updated)
        outcome.inserted += len(inserted)
        outcome.unchanged += len(ballots) - len(updated) - len(inserted)
        for group in (deleted, updated, inserted):
            touched.update(r["vote_event_id"] for r in group)
        self.progress("ballot", len(ballots))
        return touched

    # --- change log -------------------------------------------------------------------------------
    def _image(self, spec: Spec) -> str:
        return image_sql(spec.entity)

    async def _change_log(self) -> None:
        for spec in SPECS:
            if spec.entity == "vote":
                inserted = await self._vote_change_log(spec)
            else:
                status = await self.conn.execute(
                    f"""
                    INSERT INTO change_log (import_run_id, entity_type, entity_id, operation, data)
                    SELECT $1, c.entity_type, c.entity_id, c.operation, ({self._image(spec)})::json
                    FROM _changed c JOIN {spec.table} t ON t.id = c.entity_id
                    WHERE c.entity_type = $2
                    ORDER BY c.seq
                    """,  # noqa: S608 - identifiers come from module constants
                    self.run_id,
                    spec.entity,
                )
                inserted = int(status.rsplit(" ", 1)[-1])
            if inserted:
                self.result.changed_entities.add(spec.entity)

    async def _vote_change_log(self, spec: Spec) -> int:
        """Votes' change images: the row and its counts from the database, the ``ballots`` from this run's rows.

        Every vote in ``_changed`` is a vote of the bundle, and after _ballots its stored ballots *are* the
        bundle's (new votes: COPY-ed; older ones: synchronised — deleted, updated, inserted), so the columnar
        ``ballots`` object is serialised here (orjson, in a thread during the key rebuild) instead of being
        aggregated and converted element by element in SQL (a million ballots: the slowest statement of the
        run). ``change_log.data`` is ``json`` (stored as written, revision 0006), so each image is written in
        the key order a ``jsonb`` image has (the feed's answers are those of the former ``jsonb`` column): the
        row's part is the text of a ``jsonb`` object holding a unique marker as its ``ballots`` member, which
        is replaced by the serialised ballots (members in ``jsonb`` order too, see summarize_ballots). The
        stored image equals the one the SQL aggregation gave (test_vote_change_images_equal_the_stored_rows).
        """
        marker = f"openpolicy-ballots-{uuid.uuid4().hex}"  # in no input: a fresh random token
        heads = await self.conn.fetch(
            f"""
            SELECT c.entity_id, c.operation, ({self._image(spec)} || jsonb_build_object('ballots', $1::text))::text
                   AS head
            FROM _changed c JOIN {spec.table} t ON t.id = c.entity_id
            WHERE c.entity_type = 'vote'
            ORDER BY c.seq
            """,  # noqa: S608 - identifiers come from module constants
            marker,
        )
        if not heads:
            return 0
        images = (await self._summary()).images
        empty = images[""]
        groups = self._ballot_groups
        # Images of the run's new votes were serialised during the key rebuild; those of older votes whose
        # ballots or row changed (few, in a re-import) are serialised here.
        images.update(
            ballots_images({row["entity_id"]: groups[row["entity_id"]] for row in heads
                            if row["entity_id"] not in images and row["entity_id"] in groups})
        )  # fmt: skip
        unstated = [row["entity_id"] for row in heads if row["entity_id"] in self._unstated]
        if unstated:  # their ballots are the stored ones (see _vote_children)
            stored = await self.conn.fetch(
                f"SELECT v.id, ({BALLOTS_IMAGE_SQL.format(vote='v.id')})::text FROM unnest($1::text[]) AS v(id)",  # noqa: S608
                unstated,
            )
            images.update({row[0]: row[1] for row in stored})
        member = f'"ballots": "{marker}"'  # how jsonb's text shows it (a quote inside a string would be escaped)
        records = []
        for row in heads:
            head: str = row["head"]
            at = head.index(member)
            image = f'{head[:at]}"ballots": {images.get(row["entity_id"], empty)}{head[at + len(member) :]}'
            records.append((self.run_id, "vote", row["entity_id"], row["operation"], image))
        await self.conn.copy_records_to_table(
            "change_log", records=records, columns=["import_run_id", "entity_type", "entity_id", "operation", "data"]
        )
        return len(records)

    # --- all --------------------------------------------------------------------------------------
    async def load(self, bundle: Bundle) -> LoadResult:
        try:
            return await self._load(bundle)
        finally:
            if self._ballot_summary is not None and not self._ballot_summary.done():
                await asyncio.wait([self._ballot_summary])  # a failure: let the thread finish, drop its result
            self._ballot_summary = None

    async def _summary(self) -> BallotSummary:
        if self._ballot_summary is None:
            self._ballot_summary = asyncio.ensure_future(
                asyncio.to_thread(summarize_ballots, self._ballot_groups, self._vote_ids, frozenset())
            )
        return await self._ballot_summary

    async def _ballot_tally(self) -> None:
        """``s_ballot_tally``: this run's ballots per vote event and option, for the ``ballots_vs_counts`` check.

        Counted from the rows this run wrote (after _ballots the stored ballots of the bundle's vote events are
        exactly those), so the check does not scan the table it has just loaded."""
        await self.conn.execute(
            "CREATE TEMP TABLE s_ballot_tally (vote_event_id text, option text, n integer) ON COMMIT DROP"
        )
        tally = (await self._summary()).tally
        rows = [(vote, option, n) for vote, counts in tally.items() for option, n in counts.items()]
        if rows:
            await self.conn.copy_records_to_table("s_ballot_tally", records=rows)
        await self.conn.execute("ANALYZE s_ballot_tally")

    async def _load(self, bundle: Bundle) -> LoadResult:
        await self.conn.execute(
            "CREATE TEMP TABLE _changed (seq bigserial PRIMARY KEY, entity_type text, entity_id text, "
            "operation text) ON COMMIT DROP"
        )
        await self.conn.execute("CREATE INDEX ON _changed (entity_type, entity_id)")
        if bundle.debates:  # Hansard: speakers and voters resolved to stored people before anything is written
            from openpolicy.ingest.hansard_load import resolve

            self.result.unresolved.extend(await resolve(self.conn, bundle))
        remap: dict[str, str] = {}
        for spec in SPECS:
            items: list[Any] = getattr(bundle, spec.attr)
            if spec.entity == "person":
                remap = await self._people(bundle)
                continue
            if spec.entity == "membership" and remap:
                items = [dataclasses.replace(m, person_id=remap.get(m.person_id, m.person_id)) for m in items]
            if spec.entity == "bill":
                items = await self._bills_to_write(items)
            await self._entity(spec, items)
            if spec.entity == "membership":
                await self._end_absent(bundle)
        await self._vote_children(bundle, remap)
        if bundle.bills:
            from openpolicy.ingest.bill_children import sync as sync_bill_children

            bills_touched, unresolved, bill_counts = await sync_bill_children(self.conn, bundle.bills)
            for entity, outcome in bill_counts.items():
                self.result.counts[entity] = Outcome(**outcome)
            self.result.unresolved.extend(unresolved)
            await self._touch("bill", "bills", bills_touched)
        if bundle.debates:
            from openpolicy.ingest.hansard_load import sync_children

            touched, child_counts = await sync_children(self.conn, bundle)
            for entity, outcome in child_counts.items():
                self.result.counts[entity] = Outcome(**outcome)
            await self._touch("debate", "debates", touched)
        self.progress("change-log", 0)
        await self._change_log()
        await self._ballot_tally()
        self.progress("documents", 0)  # the read model, in this transaction: every document showing a change
        changed = await self.conn.fetch("SELECT entity_type, array_agg(entity_id) FROM _changed GROUP BY 1")
        await refresh_documents(self.conn, {row[0]: row[1] for row in changed})
        return self.result


def image_sql(entity: str, *, with_ballots: bool = False) -> str:
    """SQL of an entity's change-feed image (row ``t``): the row without generated and bookkeeping columns, a
    person with its identifiers, a vote with its counts (and, ``with_ballots``, its columnar ballots; the loader
    serialises those itself, see Loader._vote_change_log)."""
    image = f"to_jsonb(t) - {' - '.join(repr(c) for c in UNLOGGED_COLUMNS)}"
    if entity == "debate":
        from openpolicy.ingest.hansard_load import DEBATE_IMAGE

        image += DEBATE_IMAGE
    if entity == "bill":
        from openpolicy.ingest.bill_children import IMAGE_SQL as BILL_CHILDREN_IMAGE

        image += BILL_CHILDREN_IMAGE
    if entity == "person":
        image += """ || jsonb_build_object('identifiers', coalesce((
            SELECT jsonb_agg(jsonb_build_object('scheme', i.scheme, 'identifier', i.identifier, 'scope', i.scope)
                             ORDER BY i.scheme, i.scope, i.identifier)
            FROM person_identifiers i WHERE i.person_id = t.id), '[]'::jsonb))"""
    elif entity == "vote":
        image += """ || jsonb_build_object(
            'counts', coalesce((SELECT jsonb_object_agg(c.option, c.value)
                                FROM vote_counts c WHERE c.vote_event_id = t.id), '{}'::jsonb))"""
        if with_ballots:
            image += f" || jsonb_build_object('ballots', ({BALLOTS_IMAGE_SQL.format(vote='t.id')}))"
    return image


# The columnar ``ballots`` member of a vote's change image, from the stored ballots of the vote ``{vote}``.
BALLOTS_IMAGE_SQL = """SELECT jsonb_build_object(
    'option', coalesce(jsonb_agg(b.option ORDER BY b.ordinal), '[]'::jsonb),
    'ordinal', coalesce(jsonb_agg(b.ordinal ORDER BY b.ordinal), '[]'::jsonb),
    'person_id', coalesce(jsonb_agg(b.person_id ORDER BY b.ordinal), '[]'::jsonb),
    'voter_name', coalesce(jsonb_agg(b.voter_name ORDER BY b.ordinal), '[]'::jsonb))
FROM ballots b WHERE b.vote_event_id = {vote}"""


def _fresh_rows(
    fresh: list[str],
    groups: dict[str, list[BallotRow]],
    streamed: dict[str, list[tuple[int, Callable[[], list[BallotRow]]]]],
    remap: dict[str, str],
) -> Iterator[BallotRow]:
    """The ballots of the votes ``fresh``, vote after vote: from ``groups``, or built from ``streamed`` (then
    person ids remapped, ordered by ordinal and kept in ``groups``, as by_vote would) as the COPY reads them."""
    by_ordinal = itemgetter(1)
    for vote in fresh:
        builds = streamed.get(vote)
        if builds is not None:
            group = [row for _count, build in builds for row in build()]
            if remap:
                group = [(v, o, remap.get(p, p) if p else p, n, opt) for v, o, p, n, opt in group]
            if len(builds) > 1 or vote in groups:
                group = sorted(groups.get(vote, []) + group, key=by_ordinal)
            groups[vote] = group
        yield from groups[vote]


def by_vote(ballots: Iterable[BallotRow]) -> dict[str, list[BallotRow]]:
    """Ballots grouped by vote event (first-seen order), each group in ordinal order.

    The parsers emit a vote's ballots together and in order; runs are joined and sorted anyway (cheap when
    they already are: one pass of Timsort)."""
    groups: dict[str, list[BallotRow]] = {}
    for vote_id, run in groupby(ballots, itemgetter(0)):
        group = groups.get(vote_id)
        if group is None:
            groups[vote_id] = list(run)
        else:
            group.extend(run)
    by_ordinal = itemgetter(1)
    for group in groups.values():
        group.sort(key=by_ordinal)
    return groups


@dataclass
class BallotSummary:
    """What the change log, the data checks and the digests need of a run's ballots, from its rows (by_vote)."""

    images: dict[str, str]  # vote id -> the "ballots" member of its change image (columnar JSON); "" -> none
    tally: dict[str, Counter[str]]  # vote id -> ballots per option
    digests: dict[str, bytes | None]  # vote id (every vote of the input) -> ballots_digest; None: do not store


DIGEST_VERSION = b"openpolicy-ballots-1\n"  # a change of the digest's input format changes every digest


def ballots_digest(group: Sequence[BallotRow]) -> bytes | None:
    """The digest of a vote's ballots as the loader writes them (after person resolution, in ordinal order).

    The rows themselves — vote id, ordinal, person id, voter name, option — serialised (orjson) and hashed
    (BLAKE2b, 16 bytes). None when two ballots share an ordinal: such an input is refused by the primary key
    or written ambiguously, and must never be skipped as unchanged."""
    if len({row[1] for row in group}) != len(group):
        return None
    return hashlib.blake2b(DIGEST_VERSION + orjson.dumps(group), digest_size=16).digest()


EMPTY_DIGEST = ballots_digest(())


def ballots_images(groups: dict[str, list[BallotRow]]) -> dict[str, str]:
    """Each vote's columnar JSON ``ballots`` image, members in the order jsonb keeps object keys (shorter first,
    then bytewise): the feed's order."""
    images: dict[str, str] = {}
    dumps = orjson.dumps
    for vote_id, group in groups.items():
        _votes, ordinal, person_id, voter_name, option = zip(*group, strict=True)
        images[vote_id] = dumps(
            {"option": option, "ordinal": ordinal, "person_id": person_id, "voter_name": voter_name}
        ).decode()
    return images


def summarize_ballots(
    groups: dict[str, list[BallotRow]], vote_ids: Iterable[str], imaged: frozenset[str]
) -> BallotSummary:
    """One pass over the grouped ballots: every vote's tally per option and digest (``vote_ids``: the input's
    votes, a vote without ballots has the digest of none), the columnar JSON image of the votes in ``imaged``."""
    images = {"": '{"option":[],"ordinal":[],"person_id":[],"voter_name":[]}'}
    images.update(ballots_images({vote: group for vote, group in groups.items() if vote in imaged}))
    option = itemgetter(4)
    tally = {vote_id: Counter(map(option, group)) for vote_id, group in groups.items()}
    digests = {vote: ballots_digest(groups[vote]) if vote in groups else EMPTY_DIGEST for vote in vote_ids}
    return BallotSummary(images, tally, digests)
