"""Write one export: every file of every jurisdiction from one snapshot, then its manifest, then one rename.

Contract:

* **One snapshot.** Everything is read on one connection in one ``REPEATABLE READ, READ ONLY`` transaction: the
  files, the schema revision and the change-feed position (``max(change_log.id)`` visible to the snapshot) all
  describe the same state, whatever imports commit meanwhile.
* **Bounded memory.** CSV files are ``COPY (SELECT …) TO STDOUT`` streamed chunk by chunk to disk; JSON files are
  read through a server-side cursor a few rows at a time. Nothing holds a whole table.
* **Atomic.** Files are written into ``<root>/.tmp-<id>-<pid>-<random>/``, each fsynced, the manifest written last,
  the folder renamed to ``<root>/<id>`` and the root fsynced: a reader listing ``<root>`` sees a complete export with
  its manifest or nothing. A failed export leaves no folder under its id (the temporary one is removed).
"""

# ruff: noqa: S608 — the statements are composed from constants of openpolicy.export.spec; values are $n parameters.
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpolicy.export.spec import (
    J_MEMBERSHIPS_OF,
    J_ORGS,
    J_PEOPLE,
    S_BILLS,
    S_VOTES,
    FileSpec,
    by_scope,
    people_filter,
)
from openpolicy.export.store import EXPORT_ID_RE, FORMAT_VERSION, MANIFEST

NO_SESSION = "no-session"
CURSOR_PREFETCH = 100  # rows per cursor round trip: a vote document with its ballots can be ~100 KB


class ExportError(Exception):
    """The export cannot be made (bad request or database error); the message says why."""


@dataclass
class FileEntry:
    path: str  # relative to the export folder, '/'-separated
    rows: int
    bytes: int
    sha256: str
    media_type: str
    jurisdiction: str
    session: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "jurisdiction": self.jurisdiction,
            "session": self.session,
        }


class HashingFile:
    """A binary file being written: counts and hashes every byte; ``close`` fsyncs it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = path.open("wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self._hash.update(data)
        self.size += len(data)

    async def write_async(self, data: bytes) -> None:
        self.write(data)

    def close(self) -> str:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        return self._hash.hexdigest()


def slug(value: str) -> str:
    """A file-name-safe form of an identifier: ``ocd-jurisdiction/country:gb/region:nir/legislature`` →
    ``country-gb-region-nir``; ``44-1`` → ``44-1``."""
    value = value.removeprefix("ocd-jurisdiction/").removesuffix("/legislature")
    return re.sub(r"[^A-Za-z0-9_]+", "-", value).strip("-").lower() or "x"


@dataclass
class Plan:
    """What one export covers: the jurisdictions (id → folder name) it writes."""

    jurisdictions: dict[str, str] = field(default_factory=dict)


def new_export_id(root: Path, now: dt.datetime) -> str:
    base = now.strftime("%Y%m%dT%H%M%SZ")
    candidate, n = base, 1
    while (root / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    assert EXPORT_ID_RE.match(candidate)
    return candidate


class Exporter:
    """Writes the files of one export on ``conn`` (an asyncpg connection inside the snapshot's transaction)."""

    def __init__(self, conn: Any, folder: Path, progress: Callable[[str], None]) -> None:
        self.conn = conn
        self.folder = folder
        self.progress = progress
        self.files: list[FileEntry] = []
        self.has_documents = False
        self.position = 0  # the snapshot's change-feed position

    async def copy_csv(self, rel: str, spec: FileSpec, args: Sequence[Any], jur: str, session: str | None) -> None:
        out = HashingFile(self.folder / rel)
        try:
            status = await self.conn.copy_from_query(
                spec.select_sql(), *args, output=out.write_async, format="csv", header=True
            )
        finally:
            digest = out.close()
        rows = int(str(status).rsplit(" ", 1)[-1])
        self._add(FileEntry(rel, rows, out.size, digest, "text/csv", jur, session))

    async def _stream_rows(self, out: HashingFile, query: str, args: Sequence[Any], sep: bytes) -> int:
        """Write each row's first column (text or bytes), ``sep`` between rows; the number of rows."""
        rows = 0
        async for record in self.conn.cursor(query, *args, prefetch=CURSOR_PREFETCH):
            value = record[0]
            if rows:
                out.write(sep)
            out.write(value if isinstance(value, bytes) else str(value).encode())
            rows += 1
        return rows

    async def json_lines(self, rel: str, query: str, args: Sequence[Any], jur: str, session: str | None) -> None:
        out = HashingFile(self.folder / rel)
        try:
            rows = await self._stream_rows(out, query, args, b"\n")
            if rows:
                out.write(b"\n")
        finally:
            digest = out.close()
        self._add(FileEntry(rel, rows, out.size, digest, "application/x-ndjson", jur, session))

    async def popolo(self, rel: str, jur_id: str, export_id: str) -> None:
        out = HashingFile(self.folder / rel)
        rows = 0
        try:
            meta = {"jurisdiction": jur_id, "format": "popolo", "change_feed_position": self.position}
            out.write(b'{"meta": ' + json.dumps(meta).encode())
            for key, query in POPOLO_PARTS:
                out.write(f',\n"{key}": [\n'.encode())
                rows += await self._stream_rows(out, query, (jur_id,), b",\n")
                out.write(b"\n]")
            out.write(b"}\n")
        finally:
            digest = out.close()
        self._add(FileEntry(rel, rows, out.size, digest, "application/json", jur_id))

    def _add(self, entry: FileEntry) -> None:
        self.files.append(entry)
        self.progress(f"{entry.path}: {entry.rows} rows, {entry.bytes} bytes")

    async def jurisdiction(self, jur_id: str, folder: str, export_id: str) -> None:
        for spec in by_scope("jurisdiction"):
            await self.copy_csv(f"{folder}/{spec.filename}", spec, (jur_id,), jur_id, None)
        await self.popolo(f"{folder}/popolo.json", jur_id, export_id)
        if self.has_documents:
            query = f"SELECT d.detail FROM documents d WHERE d.kind = 'person' AND d.id IN ({J_PEOPLE}) ORDER BY d.id"
            await self.json_lines(f"{folder}/documents/people.jsonl", query, (jur_id,), jur_id, None)
        sessions = await self.conn.fetch(
            "SELECT id, identifier FROM sessions WHERE jurisdiction_id = $1 ORDER BY identifier, id", jur_id
        )
        used: set[str] = {NO_SESSION}
        for session in sessions:
            name = slug(session["identifier"])
            if name in used:
                name = f"{name}-{slug(session['id'].rsplit('/', 1)[-1])[:8]}"
            used.add(name)
            await self.session(jur_id, f"{folder}/sessions/{name}", session["id"])
        sessionless = await self.conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM vote_events WHERE jurisdiction_id = $1 AND session_id IS NULL)"
            " OR EXISTS (SELECT 1 FROM debates WHERE jurisdiction_id = $1 AND session_id IS NULL)",
            jur_id,
        )
        if sessionless:
            await self.session(jur_id, f"{folder}/sessions/{NO_SESSION}", None)

    async def session(self, jur_id: str, folder: str, session_id: str | None) -> None:
        for spec in by_scope("session"):
            if session_id is None and not spec.sessionless:
                continue
            await self.copy_csv(f"{folder}/{spec.filename}", spec, (jur_id, session_id), jur_id, session_id)
        if self.has_documents:
            for kind, name, ids in (("bill", "bills", S_BILLS), ("vote", "votes", S_VOTES)):
                if session_id is None and kind == "bill":
                    continue
                query = f"SELECT d.detail FROM documents d WHERE d.kind = '{kind}' AND d.id IN ({ids}) ORDER BY d.id"
                rel = f"{folder}/documents/{name}.jsonl"
                await self.json_lines(rel, query, (jur_id, session_id), jur_id, session_id)


# --- Popolo -------------------------------------------------------------------------------------------------
# Each part is one JSON object per row, built by PostgreSQL; null members are left out (json_strip_nulls).
# References point only at objects of the same file (openpolicy import popolo refuses dangling ones); the
# file's own ids are the platform's ids, except events (terms and sessions), named by their identifiers.

_ORGS_SET = (
    "(SELECT o.id FROM organizations o WHERE o.jurisdiction_id = $1 UNION "
    f"{J_MEMBERSHIPS_OF.format(col='on_behalf_of_id')})"
)
_AREAS_SET = f"(SELECT a.id FROM areas a WHERE a.jurisdiction_id = $1 UNION {J_MEMBERSHIPS_OF.format(col='area_id')})"

POPOLO_PARTS: tuple[tuple[str, str], ...] = (
    (
        "persons",
        "SELECT json_strip_nulls(json_build_object('id', p.id, 'name', p.name, 'given_name', p.given_name, "
        "'family_name', p.family_name, 'sort_name', p.sort_name, 'other_names', p.other_names, "
        "'identifiers', (SELECT coalesce(json_agg(json_build_object('scheme', i.scheme, 'identifier', i.identifier) "
        "ORDER BY i.scheme, i.identifier), '[]') FROM person_identifiers i WHERE i.person_id = p.id AND i.scope = ''), "
        "'contact_details', p.contact_details, 'links', p.links, 'sources', p.sources, 'image', p.image, "
        "'gender', p.gender, 'birth_date', p.birth_date, 'death_date', p.death_date, 'email', p.email))::text "
        f"FROM people p WHERE {people_filter('p')} ORDER BY p.id",
    ),
    (
        "organizations",
        "SELECT json_strip_nulls(json_build_object('id', o.id, 'name', o.name, 'classification', o.classification, "
        f"'parent_id', CASE WHEN o.parent_id IN {_ORGS_SET} THEN o.parent_id END, "
        "'founding_date', o.founding_date, 'dissolution_date', o.dissolution_date, 'image', o.image, "
        "'other_names', o.other_names, 'identifiers', o.identifiers, 'links', o.links, 'sources', o.sources))::text "
        f"FROM organizations o WHERE o.id IN {_ORGS_SET} ORDER BY o.id",
    ),
    (
        "areas",
        "SELECT json_strip_nulls(json_build_object('id', a.id, 'name', a.name, 'type', a.classification))::text "
        f"FROM areas a WHERE a.id IN {_AREAS_SET} ORDER BY a.id",
    ),
    (
        "posts",
        "SELECT json_strip_nulls(json_build_object('id', po.id, 'organization_id', po.organization_id, "
        f"'label', po.label, 'area_id', CASE WHEN po.area_id IN {_AREAS_SET} THEN po.area_id END, 'role', po.role, "
        "'start_date', po.start_date, 'end_date', po.end_date))::text "
        f"FROM posts po WHERE po.organization_id IN ({J_ORGS}) ORDER BY po.id",
    ),
    (
        "events",
        "SELECT e FROM (SELECT json_strip_nulls(json_build_object('id', 'term/' || lp.identifier, "
        "'classification', 'legislative period', 'name', lp.name, 'start_date', lp.start_date, "
        f"'end_date', lp.end_date, 'organization_id', CASE WHEN lp.organization_id IN {_ORGS_SET} "
        "THEN lp.organization_id END))::text AS e, 0 AS k, lp.identifier AS i "
        "FROM legislative_periods lp WHERE lp.jurisdiction_id = $1 "
        "UNION ALL SELECT json_strip_nulls(json_build_object('id', 'session/' || s.identifier, "
        "'classification', 'legislative session', 'name', s.name, 'start_date', s.start_date, "
        "'end_date', s.end_date))::text, 1, s.identifier FROM sessions s WHERE s.jurisdiction_id = $1) ev "
        "ORDER BY k, i",
    ),
    (
        "memberships",
        "SELECT json_strip_nulls(json_build_object('id', m.id, 'person_id', m.person_id, "
        "'organization_id', m.organization_id, 'on_behalf_of_id', m.on_behalf_of_id, "
        f"'area_id', m.area_id, 'post_id', CASE WHEN po.organization_id IN ({J_ORGS}) THEN m.post_id END, "
        "'legislative_period_id', 'term/' || lp.identifier, 'role', m.role, 'label', m.label, "
        "'start_date', m.start_date, 'end_date', m.end_date))::text "
        "FROM memberships m JOIN organizations mo ON mo.id = m.organization_id "
        "LEFT JOIN posts po ON po.id = m.post_id "
        "LEFT JOIN legislative_periods lp ON lp.id = m.legislative_period_id AND lp.jurisdiction_id = $1 "
        "WHERE mo.jurisdiction_id = $1 ORDER BY m.id",
    ),
)


# --- the whole export ---------------------------------------------------------------------------------------


async def _choose_jurisdictions(conn: Any, wanted: Sequence[str]) -> list[tuple[str, str]]:
    rows = await conn.fetch("SELECT id, name, iso_code FROM jurisdictions ORDER BY id")
    if not wanted:
        return [(r["id"], slug(r["id"])) for r in rows]
    chosen: list[tuple[str, str]] = []
    for value in wanted:
        key = value.strip().lower()
        match = [r for r in rows if key in {r["id"].lower(), (r["iso_code"] or "").lower(), r["name"].lower()}]
        if not match:
            known = ", ".join(f"{r['id']} ({r['iso_code'] or r['name']})" for r in rows) or "none"
            raise ExportError(f"--jurisdiction {value!r}: no such jurisdiction; stored: {known}")
        for r in match:
            if (r["id"], slug(r["id"])) not in chosen:
                chosen.append((r["id"], slug(r["id"])))
    return chosen


async def _snapshot(
    dsn: str,
    work: Path,
    export_id: str,
    jurisdictions: Sequence[str],
    progress: Callable[[str], None],
    before_commit: Callable[[], object] | None,
) -> tuple[str, int, list[tuple[str, str]], Exporter]:
    """Write every file into ``work`` inside one read-only repeatable-read transaction."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'")
            revision = await conn.fetchval("SELECT version_num FROM alembic_version")
            position = await conn.fetchval("SELECT coalesce(max(id), 0) FROM change_log")
            chosen = await _choose_jurisdictions(conn, jurisdictions)
            exporter = Exporter(conn, work, progress)
            exporter.position = int(position)
            exporter.has_documents = bool(await conn.fetchval("SELECT to_regclass('documents') IS NOT NULL"))
            for jur_id, folder in chosen:
                await exporter.jurisdiction(jur_id, folder, export_id)
            if before_commit is not None:
                before_commit()
    finally:
        await conn.close()
    return str(revision), int(position), chosen, exporter


def write_export(
    dsn: str,
    root: Path,
    *,
    jurisdictions: Sequence[str] = (),
    progress: Callable[[str], None] = lambda _line: None,
    now: dt.datetime | None = None,
    before_commit: Callable[[], object] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Write one export under ``root``; its folder and manifest. ``before_commit`` (tests) runs inside the snapshot
    after every file is written, before the transaction ends."""
    import asyncio

    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    root.mkdir(parents=True, exist_ok=True)
    export_id = new_export_id(root, now)
    work = root / f".tmp-{export_id}-{os.getpid()}-{secrets.token_hex(4)}"
    work.mkdir()
    try:
        revision, position, chosen, exporter = asyncio.run(
            _snapshot(dsn, work, export_id, jurisdictions, progress, before_commit)
        )
        manifest: dict[str, Any] = {
            "id": export_id,
            "format_version": FORMAT_VERSION,
            "schema_version": revision,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "change_feed_position": position,
            "jurisdictions": [{"id": j, "folder": f} for j, f in chosen],
            "documents": exporter.has_documents,
            "files": [entry.as_dict() for entry in exporter.files],
        }
        _fsync_tree(work)
        while True:
            # another export may have taken this id since (same second): the next free one, rewriting the manifest
            manifest["id"] = export_id
            out = HashingFile(work / MANIFEST)
            out.write(json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n")
            out.close()
            _fsync_dir(work)
            final = root / export_id
            try:
                os.mkdir(final)  # claims the id (atomic); replaced by the complete folder below
            except FileExistsError:
                export_id = new_export_id(root, now)
                continue
            os.rename(work, final)  # onto the empty folder just made: atomic, and readers skip it until then
            break
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final, manifest


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """fsync every folder under ``root`` (the files were fsynced as they were closed)."""
    for folder, _dirs, _files in os.walk(root, topdown=False):
        _fsync_dir(Path(folder))
