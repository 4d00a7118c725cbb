"""Commands of this area, registered on the `openpolicy` CLI by :mod:`openpolicy.cli`.

``openpolicy import SOURCE LOCATION`` and ``openpolicy import-runs``. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openpolicy.db.commands import cli_settings, connection_error, database_url_or_exit, describe, fail
from openpolicy.ingest import registry

if TYPE_CHECKING:
    from openpolicy.config import Settings
    from openpolicy.ingest import demo
    from openpolicy.ingest.runs import ImportReport, Reporter

SOURCE_HELP = registry.help_text()


def _reporter(plain: bool) -> Reporter:
    from openpolicy.ingest.runs import Reporter

    class PlainReporter(Reporter):
        """One log line per phase and per loaded entity type (for logs, CI and Kubernetes jobs)."""

        def __init__(self) -> None:
            self.started = time.monotonic()
            self.last_fetch = 0.0

        def _line(self, text: str) -> None:
            print(f"[import {time.monotonic() - self.started:7.2f}s] {text}", file=sys.stderr, flush=True)

        def stage(self, name: str, total: int | None = None) -> None:
            self._line(f"{name} started" + (f" ({total} items)" if total is not None else ""))

        def advance(self, name: str, amount: int) -> None:
            if name == "fetch":
                now = time.monotonic()
                if now - self.last_fetch >= 2.0:
                    self.last_fetch = now
                    self._line(f"downloaded {amount} bytes")
                return
            if name == "ballot-staged":
                self._line(f"staged {amount} ballots")
            elif name == "ballot-copied":
                self._line(f"copied {amount} new ballots; rebuilding the ballots keys")
            elif name == "change-log":
                self._line("writing the change log")
            else:
                self._line(f"loaded {name}: {amount} records")

    class RichReporter(Reporter):
        """Rich progress bars on a terminal."""

        def __init__(self) -> None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=False,
            )
            self.progress.start()
            self.tasks: dict[str, Any] = {}
            self.current: str | None = None

        def stage(self, name: str, total: int | None = None) -> None:
            if self.current is not None:
                task = self.tasks[self.current]
                self.progress.update(task, total=self.progress.tasks[task].completed or 1, completed=None)
            self.tasks[name] = self.progress.add_task(name, total=total)
            self.current = name

        def advance(self, name: str, amount: int) -> None:
            task = self.tasks.get(self.current or "")
            if task is None:
                return
            if name == "fetch":
                self.progress.update(task, completed=amount)
            elif name not in {"ballot-staged", "ballot-copied", "change-log"}:
                self.progress.advance(task, amount)
                self.progress.update(task, description=f"load: {name}")

        def finish(self) -> None:
            if self.current is not None:
                task = self.tasks[self.current]
                done = self.progress.tasks[task].completed
                self.progress.update(task, total=done or 1, completed=done or 1)
            self.progress.stop()

    return PlainReporter() if plain or not sys.stderr.isatty() else RichReporter()


def _settings() -> Settings:
    """The environment's settings, or exit 2 naming the bad one (also a source IMPORT_EXPECTED_INTERVALS names
    that is no import source)."""
    from openpolicy.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    unknown = registry.unknown_overrides(settings)
    if unknown:
        typer.echo(
            f"error: IMPORT_EXPECTED_INTERVALS names no import source: {', '.join(unknown)}; the sources are "
            f"{', '.join(registry.NAMES)}",
            err=True,
        )
        raise typer.Exit(2)
    return settings


def _summary(report: ImportReport) -> str:
    lines = [f"import run {report.run_id}: {report.source} {report.location} ({report.duration_seconds:.1f}s)"]
    for entity, c in report.counts.items():
        if any(c.values()):
            lines.append(
                f"  {entity:<20} inserted {c['inserted']:>8}  updated {c['updated']:>8}  "
                f"unchanged {c['unchanged']:>8}  deleted {c['deleted']:>6}"
            )
    findings = ", ".join(f"{name}={n}" for name, n in report.checks.items())
    lines.append(f"  data checks: {findings}")
    lines.append(f"  records joined to another person: {len(report.merges)}")
    for merge in report.merges:
        lines.append(
            f"    {merge['record']} -> {merge['person']} ({merge['person_id']}) by {', '.join(merge['via']) or '?'}"
        )
    covered = ", ".join(report.snapshots) or "none (this input ends no membership by leaving it out)"
    lines.append(f"  full snapshots of: {covered}")
    if report.ended:
        lines.append(f"  memberships ended (no longer in their dataset's snapshot): {len(report.ended)}")
        lines.extend(f"    {item['id']} ended {item['end_date']} ({item['dataset']})" for item in report.ended)
    if report.unresolved:
        lines.append(f"  named but matching no stored person (kept by name): {len(report.unresolved)}")
        lines.extend(f"    {item['record']}: {item['name']} ({item['why']})" for item in report.unresolved)
    for join in report.joins:
        lines.extend(join_lines(join))
    return "\n".join(lines)


def join_lines(join: dict[str, Any]) -> list[str]:
    """A boundary set's join report (openpolicy.ingest.sources.boundaries.join) as summary lines."""
    lines = [
        f"  boundary set {join['set']}: shapes joined by code {join['by_code']}, by name {join['by_name']}, "
        f"unjoined {len(join['shapes_unjoined'])}; districts unjoined {len(join['districts_unjoined'])}, "
        f"explained {len(join['districts_unjoined_explained'])}"
    ]
    lines.extend(f"    shape unjoined: {s['id']} {s['name']}" for s in join["shapes_unjoined"])
    lines.extend(f"    district unjoined: {d['id']} {d['name']}" for d in join["districts_unjoined"])
    lines.extend(
        f"    district unjoined (explained): {d['id']} {d['name']}: {d['reason']}"
        for d in join["districts_unjoined_explained"]
    )
    return lines


def demo_data(
    scale: Annotated[
        int, typer.Option(min=1, max=50, help="Size: 1 ≈ 400 people, 1,000 bills, 500 votes (205,000 ballots).")
    ] = 1,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 1,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only when the database holds no jurisdiction yet.")
    ] = False,
) -> None:
    """Load a realistic synthetic parliament ("Demo Parliament (synthetic)") as an import run (source demo).

    Written by the importers' loader (change log, documents, cache invalidation). Replaces an earlier demo
    parliament (the same seed and scale again changes nothing); imported data is left alone. Scale 5: 1,025,000
    ballots.
    """
    from openpolicy.db import migrations
    from openpolicy.ingest import demo

    settings = cli_settings()
    url = database_url_or_exit(settings)
    where = describe(settings, url)
    try:
        if migrations.current_revision(url) != migrations.head_revision():
            raise fail(f"the schema is not current ({where}): run `openpolicy migrate` first")
    except typer.Exit:
        raise
    except Exception as exc:
        raise connection_error(exc, where) from None
    try:
        report = _load_with_progress(settings, url, scale=scale, seed=seed, if_empty=if_empty)
    except demo.DemoDataError as exc:
        raise fail(str(exc)) from None
    if report.skipped:
        typer.echo(f"database already holds data: nothing loaded (--if-empty) ({where})")
        return
    _print_report(report, where, scale, seed)


def _load_with_progress(settings: Settings, url: str, *, scale: int, seed: int, if_empty: bool) -> demo.LoadReport:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from openpolicy.ingest import demo

    console = Console(stderr=True)
    if not console.is_terminal:
        return demo.generate_and_load(url, scale=scale, seed=seed, if_empty=if_empty, settings=settings)
    with Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def report(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(table, total=max(total, 1))
            progress.update(tasks[table], completed=done)

        return demo.generate_and_load(
            url, scale=scale, seed=seed, if_empty=if_empty, progress=report, settings=settings
        )


def _print_report(report: demo.LoadReport, where: str, scale: int, seed: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"Demo Parliament (synthetic), scale {scale}, seed {seed}", highlight=False)
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in report.counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    changes = sum(c["inserted"] + c["updated"] + c["deleted"] for c in report.changes.values())
    action = "replaced the earlier demo parliament" if report.replaced else "loaded"
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
    rate = report.counts.get("ballots", 0) / report.total_seconds if report.total_seconds > 0 else 0.0
    console.print(
        f"{action} in {report.total_seconds:.1f} s ({rate:,.0f} ballots/s; {phases}); {changes:,} changes "
        f"({sum(report.deleted.values()):,} entities of the earlier one deleted); "
        f"import run {report.import_run_id} ({where})",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add this area's commands to the CLI."""
    app.command("demo-data")(demo_data)

    @app.command("import")
    def import_(
        source: str = typer.Argument(..., help=SOURCE_HELP, metavar="SOURCE"),
        location: str = typer.Argument(..., help="A file, a folder or an http(s) URL."),
        jurisdiction: str | None = typer.Option(
            None, "--jurisdiction", "-j", help="Country code (ca, gb, us) or OCD jurisdiction id (Popolo files)."
        ),
        plain: bool = typer.Option(False, "--plain", help="Plain log lines even on a terminal."),
    ) -> None:
        """Import SOURCE data from LOCATION in one transaction; record the run; exit 1 on bad input."""
        from openpolicy.ingest.runs import ImportFailed, run_import

        try:
            registry.get(source)
        except registry.UnknownSource as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        settings = _settings()
        try:
            report = run_import(settings, source, location, jurisdiction=jurisdiction, reporter=_reporter(plain))
        except ImportFailed as exc:
            run = f" (import run {exc.run_id})" if exc.run_id is not None else ""
            typer.echo(f"error: import failed{run}: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(_summary(report))

    runs_app = typer.Typer(
        help="Import runs: list them (with each source's freshness), or revert one.", invoke_without_command=True
    )
    app.add_typer(runs_app, name="import-runs")

    @runs_app.callback()
    def import_runs(
        ctx: typer.Context,
        limit: int = typer.Option(20, min=1, max=1000, help="How many runs, newest first."),
        source: str | None = typer.Option(None, help="Only this source."),
    ) -> None:
        """List recent import runs (status, counts, error) and each source's freshness."""
        if ctx.invoked_subcommand is not None:
            return
        import asyncio

        from openpolicy.ingest.status import fetch_runs_and_freshness

        settings = _settings()
        runs, freshness = asyncio.run(fetch_runs_and_freshness(settings, limit=limit, source=source))
        for row in runs:
            finished = row["finished_at"].isoformat(timespec="seconds") if row["finished_at"] else "-"
            changes = sum(
                c.get("inserted", 0) + c.get("updated", 0) + c.get("deleted", 0) for c in row["counts"].values()
            )
            typer.echo(
                f"{row['id']:>6}  {row['source']:<12} {row['status']:<10} {finished:<26} changes={changes:<8} "
                f"{row['location'] or ''}" + (f"\n        error: {row['error']}" if row["error"] else "")
            )
        for item in freshness:
            age = "-" if item["age_seconds"] is None else f"{item['age_seconds']}s"
            typer.echo(
                f"freshness {item['source']}: last success {item['last_success'] or 'never'}, age {age}, "
                f"expected every {item['expected_interval_seconds']}s, {item['state']}"
            )

    @runs_app.command("revert")
    def revert_run(
        run_id: int = typer.Argument(..., help="The import run to undo (see `openpolicy import-runs`)."),
        cascade: bool = typer.Option(False, "--cascade", help="Also revert the later runs that depend on it."),
    ) -> None:
        """Restore exactly the state before RUN_ID, in one transaction (refused when later runs depend on it)."""
        import asyncio

        from openpolicy.ingest.revert import RevertRefused, run_revert

        settings = _settings()
        try:
            report = asyncio.run(run_revert(settings, run_id, cascade=cascade))
        except RevertRefused as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"revert run {report.run_id}: reverted import run(s) {', '.join(map(str, report.reverted))}")
        for entity in sorted(report.entities):
            restored, deleted = report.restored.get(entity, 0), report.deleted.get(entity, 0)
            typer.echo(f"  {entity:<20} restored {restored:>8}  deleted {deleted:>8}")

    people_app = typer.Typer(help="People: where their data came from.")
    app.add_typer(people_app, name="people")

    @people_app.command("explain")
    def explain_person(
        person_id: str = typer.Argument(..., help="A person id (ocd-person/...)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
    ) -> None:
        """Where PERSON_ID's data came from: identifiers and their scope, sources, runs, joined records, seats."""
        import asyncio

        import asyncpg
        import orjson

        from openpolicy.db.embedded import resolve_database_url
        from openpolicy.db.engine import to_asyncpg_dsn
        from openpolicy.ingest.explain import explain, render

        settings = _settings()

        async def fetch() -> dict[str, Any] | None:
            conn = await asyncpg.connect(to_asyncpg_dsn(resolve_database_url(settings)))
            try:
                return await explain(conn, person_id)
            finally:
                await conn.close()

        info = asyncio.run(fetch())
        if info is None:
            typer.echo(f"error: there is no person {person_id!r}", err=True)
            raise typer.Exit(1)
        typer.echo(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode() if as_json else render(info))
