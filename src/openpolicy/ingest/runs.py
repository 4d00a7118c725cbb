"""One import run: fetch → parse → load + checks in one transaction → record the run, audit, invalidate caches.

The ``import_runs`` row is written (status ``running``) and committed before any work, so it exists even
when the run fails. Success is recorded inside the load transaction (atomic with the data); a failure is
recorded after the rollback on the same connection, outside the rolled-back transaction. Runs are serialised
by a transaction-level advisory lock (people are matched across sources, which must not race).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from openpolicy.db.jurisdictions import Known
from openpolicy.ingest import registry
from openpolicy.ingest.fetch import FetchError, FetchPolicy, resolve
from openpolicy.ingest.jurisdictions import UnknownJurisdiction, choose, from_code
from openpolicy.ingest.records import Bundle, InputError, JurisdictionRec

if TYPE_CHECKING:
    from openpolicy.config import Settings

IMPORT_LOCK_KEY = 0x6F70_6900  # pg_advisory_xact_lock key shared by every import


class ImportFailed(Exception):
    """The run failed; ``run_id`` is its import_runs row and the message says why (file, record, field)."""

    def __init__(self, message: str, run_id: int | None) -> None:
        super().__init__(message)
        self.run_id = run_id


class Reporter:
    """Progress of a run. The CLI passes a Rich (terminal) or plain-log (otherwise) implementation."""

    def stage(self, name: str, total: int | None = None) -> None:  # a new phase begins
        pass

    def advance(self, name: str, amount: int) -> None:  # progress within the phase
        pass

    def finish(self) -> None:
        pass


@dataclass
class ImportReport:
    run_id: int
    source: str
    location: str
    counts: dict[str, dict[str, int]]
    checks: dict[str, int]
    duration_seconds: float
    files: list[str] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)  # records joined to another person (LoadResult)
    snapshots: list[str] = field(default_factory=list)  # datasets the input states in full (Bundle.snapshots)
    ended: list[dict[str, Any]] = field(default_factory=list)  # memberships ended by a snapshot (LoadResult)
    joins: list[dict[str, Any]] = field(default_factory=list)  # boundary sets: each set's join report
    unresolved: list[dict[str, Any]] = field(default_factory=list)  # records naming no stored person (LoadResult)
    details: dict[str, Any] = field(default_factory=dict)  # what the run's own step before the loader reported

    @property
    def changes(self) -> int:
        return sum(c["inserted"] + c["updated"] + c["deleted"] for c in self.counts.values())


def parse_files(
    source: str,
    files: list[Path],
    names: dict[Path, str],
    jurisdiction: str | None,
    *,
    known: Sequence[Known] = (),
    defer_ballots: bool = False,
) -> Bundle:
    """Parse ``files`` with the ``source``'s parser (pure: no database; ``known``: the stored jurisdictions, which
    ``jurisdiction`` may name), choosing the legislature by the source's rule (openpolicy.ingest.registry).
    ``defer_ballots``: the parser may leave the ballot rows in ``Bundle.pending_ballots``, to be built as the
    loader COPYs them (the Popolo parser does)."""
    spec = registry.get(source)
    parser = spec.parser()
    if spec.jurisdiction == registry.IN_DATA:
        if jurisdiction is not None:
            raise InputError(source, None, "--jurisdiction", f"{source} data names its legislature itself")
        bundle: Bundle = parser.parse(files, names)
        return bundle
    if spec.jurisdiction == registry.FROM_FILES:
        chosen = {path: popolo_jurisdiction(path, names, jurisdiction, known) for path in files}
        bundle = parser.parse(files, chosen, names, defer_ballots=defer_ballots)
        return bundle
    expected: JurisdictionRec = spec.fixed_jurisdiction()
    if jurisdiction is not None:
        try:
            named = choose(jurisdiction, [*known, Known(expected.id, expected.iso_code, expected.name)])
        except UnknownJurisdiction as exc:
            raise InputError(source, None, "--jurisdiction", str(exc)) from None
        if named.id != expected.id:
            raise InputError(source, None, "--jurisdiction", f"{source} data is always {expected.id}")
    bundle = parser.parse(files, names)
    return bundle


def popolo_jurisdiction(
    path: Path, names: dict[Path, str], given: str | None, known: Sequence[Known]
) -> JurisdictionRec:
    """The legislature of one Popolo file: from ``--jurisdiction`` and/or EveryPolitician's ``meta.json`` files;
    the two must agree. A legislature not stored yet is named by its ``meta.json`` where it has one."""
    from openpolicy.ingest.sources import popolo

    shown = names.get(path, str(path))
    meta = popolo.read_meta(path)
    stored = {item.id: item for item in known}
    from_meta: JurisdictionRec | None = None
    if meta.iso_code:
        try:
            from_meta = from_code(
                meta.iso_code, meta.legislature_name if "-" in meta.iso_code else None, place=meta.place_name
            )
        except UnknownJurisdiction as exc:
            raise InputError(meta.where or shown, None, "iso_code", str(exc)) from None
    if given is not None:
        try:
            chosen = choose(given, known)
        except UnknownJurisdiction as exc:
            raise InputError(shown, None, "--jurisdiction", str(exc)) from None
        if from_meta is not None and chosen.id != from_meta.id:
            raise InputError(
                shown, None, "--jurisdiction",
                f"names {chosen.id}, but {meta.where} gives iso_code {meta.iso_code} ({from_meta.id}): "
                "leave --jurisdiction out or correct it",
            )  # fmt: skip
        if (
            chosen.id not in stored
            and meta.legislature_name
            and "/legislature" in chosen.id
            and "-" in (chosen.iso_code or "")
        ):
            chosen.name = meta.legislature_name
        return chosen
    if from_meta is None:
        raise InputError(
            shown, None, None,
            "cannot tell the legislature of this Popolo file (no EveryPolitician meta.json with iso_code beside "
            "or above it): pass --jurisdiction with an ISO 3166-1/3166-2 code (ca, GB-NIR), an OCD jurisdiction id "
            "or the name of a stored jurisdiction",
        )  # fmt: skip
    if from_meta.id in stored:
        item = stored[from_meta.id]
        from_meta.name = item.name
    return from_meta


def _policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        timeout_seconds=settings.import_http_timeout_seconds,
        retries=settings.import_http_retries,
        backoff_seconds=settings.import_http_backoff_seconds,
        max_bytes=settings.import_max_download_bytes,
    )


def _shown(location: str) -> str:
    """The location as recorded: URLs as given, paths absolute."""
    return location if "://" in location else os.path.abspath(os.path.expanduser(location))


def _actor() -> str:
    user = os.environ.get("USER") or os.environ.get("LOGNAME") or str(os.getuid())
    return f"cli:{user}"


async def _audit(
    settings: Settings,
    url: str,
    outcome: str,
    source: str,
    location: str,
    details: dict[str, Any],
    *,
    action: str = "import",
) -> None:
    from openpolicy.db.audit import record_standalone
    from openpolicy.observability.logging import get_logger

    try:
        await record_standalone(
            settings.model_copy(update={"database_url": url}),
            actor=_actor(),
            action=action,
            target=f"{source}:{location}",
            outcome=outcome,
            details=details,
        )
    except Exception as exc:  # the audit trail must not turn a finished import into a failure
        get_logger("openpolicy.ingest").warning("could not record the audit event", error=str(exc))


def _bump_cache(settings: Settings, resources: set[str]) -> None:
    if not settings.redis_url or not resources:
        return
    from openpolicy.db.generations import bump

    bump(settings.redis_url, resources)


async def run_import_async(
    settings: Settings,
    source: str,
    location: str,
    *,
    jurisdiction: str | None = None,
    database_url: str | None = None,
    reporter: Reporter | None = None,
) -> ImportReport:
    try:
        spec = registry.get(source)
    except registry.UnknownSource as exc:
        raise ImportFailed(str(exc), None) from None
    progress: Reporter = reporter or Reporter()

    async def produce(conn: Any) -> Bundle:
        with tempfile.TemporaryDirectory(prefix="openpolicy-import-") as workdir:
            progress.stage("fetch")

            def on_bytes(done: int, total: int | None) -> None:
                progress.advance("fetch", done)

            fetched = await asyncio.to_thread(
                resolve, location, spec.discover, Path(workdir), _policy(settings), on_bytes
            )
            progress.stage("parse", len(fetched.files))
            known = [Known(r["id"], r["iso_code"], r["name"])
                     for r in await conn.fetch("SELECT id, iso_code, name FROM jurisdictions")]  # fmt: skip
            bundle: Bundle = await asyncio.to_thread(
                partial(parse_files, known=known, defer_ballots=True),
                source, fetched.files, fetched.names, jurisdiction,
            )  # fmt: skip
            return bundle

    return await load_run(
        settings,
        source,
        _shown(location),
        produce,
        prepare=_join_boundaries if source == "boundaries" else None,
        database_url=database_url,
        reporter=progress,
    )


# The records of a run, read before its load transaction opens (fetch and parse, or generate): (conn) -> bundle.
Produce = Callable[[Any], Awaitable[Bundle]]


@dataclass
class Prepared:
    """What a run's own step before the loader did (inside the load transaction)."""

    details: dict[str, Any] = field(default_factory=dict)  # merged into the run's details
    deleted: dict[str, int] = field(default_factory=dict)  # entity type -> entities deleted (already change-logged)


# A run's own step in its load transaction before the loader writes the bundle: (conn, bundle, run id).
Prepare = Callable[[Any, Bundle, int], Awaitable[Prepared]]


async def load_run(
    settings: Settings,
    source: str,
    location: str,
    produce: Produce,
    *,
    prepare: Prepare | None = None,
    database_url: str | None = None,
    reporter: Reporter | None = None,
) -> ImportReport:
    """One run of a writer of the public tables (every import, the demo data): the only path to them.

    Records the run (``running``, committed first), takes the bundle from ``produce``, then in one transaction
    under the import lock runs ``prepare``, the :class:`~openpolicy.ingest.loader.Loader` (facts, change log) and
    the data checks and marks the run succeeded; a failure rolls all of it back and marks the run failed. Then
    audits the run and invalidates the api cache of every changed entity type. ImportFailed names the cause.
    """
    import asyncpg

    from openpolicy.db.embedded import resolve_database_url
    from openpolicy.db.engine import to_asyncpg_dsn
    from openpolicy.db.generations import resources_for
    from openpolicy.ingest.checks import run_checks
    from openpolicy.ingest.loader import Loader, Outcome

    reporter = reporter or Reporter()
    url = database_url or resolve_database_url(settings)
    started = time.monotonic()
    conn = await asyncpg.connect(
        to_asyncpg_dsn(url),
        timeout=settings.db_connect_timeout_seconds,
        server_settings={"application_name": f"openpolicy-import-{source}"},
    )
    try:
        try:
            from openpolicy.ingest.status import ABANDONED_SQL
            from openpolicy.observability.logging import get_logger

            abandoned = await conn.fetch(ABANDONED_SQL)
            if abandoned:
                get_logger("openpolicy.ingest").warning(
                    "import runs abandoned by a process that ended marked failed", runs=[r["id"] for r in abandoned]
                )
            run_id = int(
                await conn.fetchval(
                    "INSERT INTO import_runs (source, location, status, triggered_by, details) "
                    "VALUES ($1, $2, 'running', $3, jsonb_build_object('backend_pid', pg_backend_pid())) RETURNING id",
                    source,
                    location,
                    _actor(),
                )
            )
        except asyncpg.UndefinedTableError:
            raise ImportFailed("the database has no schema yet: run `openpolicy migrate` first", None) from None
        try:
            bundle = await produce(conn)
            total = sum(bundle.counts().values())
            reporter.stage("load", total)
            async with conn.transaction():
                await conn.execute("SET LOCAL statement_timeout = 0")
                await conn.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK_KEY)
                prepared = await prepare(conn, bundle, run_id) if prepare is not None else Prepared()
                loader = Loader(conn, run_id, lambda name, n: reporter.advance(name, n))
                result = await loader.load(bundle)
                for entity, n in prepared.deleted.items():
                    if n:
                        result.counts.setdefault(entity, Outcome()).deleted += n
                        result.changed_entities.add(entity)
                reporter.stage("checks")
                checks = await run_checks(conn, run_id, [j.id for j in bundle.jurisdictions])
                counts = result.as_dict()
                details = {
                    "files": bundle.files,
                    "snapshots": sorted(bundle.snapshots),
                    "merges": result.merges,
                    "ended": result.ended,
                    **prepared.details,
                    "unresolved": result.unresolved,
                }
                await conn.execute(
                    "UPDATE import_runs SET status = 'succeeded', finished_at = clock_timestamp(), counts = $2::jsonb, "
                    "details = details || $3::jsonb, error = NULL WHERE id = $1",
                    run_id,
                    orjson.dumps(counts).decode(),
                    orjson.dumps(details).decode(),
                )
                reporter.stage("commit")
        except Exception as exc:
            message = _describe(exc)
            try:
                await conn.execute(
                    "UPDATE import_runs SET status = 'failed', finished_at = clock_timestamp(), error = $2 "
                    "WHERE id = $1",
                    run_id,
                    message,
                )
            except Exception as record_exc:  # e.g. the database went away: still report the original failure
                from openpolicy.observability.logging import get_logger

                get_logger("openpolicy.ingest").error(
                    "could not record the failed import run", run_id=run_id, error=str(record_exc)
                )
            reporter.finish()
            await _audit(settings, url, "failure", source, location, {"run_id": run_id, "error": message})
            raise ImportFailed(message, run_id) from exc
    finally:
        await conn.close()
    reporter.finish()
    report = ImportReport(
        run_id=run_id,
        source=source,
        location=location,
        counts=counts,
        checks=checks,
        duration_seconds=time.monotonic() - started,
        files=bundle.files,
        merges=result.merges,
        unresolved=result.unresolved,
        snapshots=sorted(bundle.snapshots),
        ended=result.ended,
        joins=prepared.details.get("joins", []),
        details=prepared.details,
    )
    await _audit(
        settings,
        url,
        "success",
        source,
        location,
        {"run_id": run_id, "changes": report.changes, "checks": checks},
    )
    await asyncio.to_thread(_bump_cache, settings, resources_for(result.changed_entities) | {"status"})
    return report


async def _join_boundaries(conn: Any, bundle: Bundle, run_id: int) -> Prepared:
    """Boundaries: join each shape to the platform's districts before the shapes are written (details.joins)."""
    from openpolicy.ingest.sources import boundaries

    joins = await boundaries.join_areas(conn, bundle)
    return Prepared(details={"joins": joins} if joins else {})


def _describe(exc: BaseException) -> str:
    if isinstance(exc, InputError | FetchError):
        return str(exc)
    import asyncpg

    if isinstance(exc, asyncpg.PostgresError):
        detail = getattr(exc, "detail", None)
        table = getattr(exc, "table_name", None)
        column = getattr(exc, "column_name", None)
        where = ", ".join(p for p in (f"table {table}" if table else "", f"column {column}" if column else "") if p)
        return f"database rejected the data ({type(exc).__name__}{': ' + where if where else ''}): {exc}" + (
            f" — {detail}" if detail else ""
        )
    return f"{type(exc).__name__}: {exc}"


def run_import(
    settings: Settings,
    source: str,
    location: str,
    *,
    jurisdiction: str | None = None,
    database_url: str | None = None,
    reporter: Reporter | None = None,
) -> ImportReport:
    """Synchronous wrapper of :func:`run_import_async` (the CLI's entry), with the cyclic garbage collector paused.

    A large import allocates millions of containers that are never cyclic (the parsed JSON, one tuple per
    ballot); every allocation threshold crossed makes the collector re-scan all of them — a third of the parse
    time of a 1,000,000-ballot file (bench/bench_import.py). Reference counting still frees everything; the
    collector's previous state is restored when the run ends.
    """
    with collector_paused():
        return asyncio.run(
            run_import_async(
                settings, source, location, jurisdiction=jurisdiction, database_url=database_url, reporter=reporter
            )
        )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for a bulk load (see :func:`run_import`), its state restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
