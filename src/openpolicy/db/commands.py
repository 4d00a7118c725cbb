"""Commands of the database area: ``migrate``, ``demo-data`` (registered by :mod:`openpolicy.cli`).

Only typer is imported at module level; everything heavy is imported inside the command that needs it.
Without ``DATABASE_URL`` every command acts on the embedded PostgreSQL in ``OPENPOLICY_DATA_DIR``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from openpolicy.config import Settings


def _fail(message: str, code: int = 1) -> typer.Exit:
    sys.stderr.write(f"openpolicy: {message}\n")
    return typer.Exit(code)


def _settings(data_dir: Path | None = None) -> Settings:
    from openpolicy.config import SettingsError, load_settings

    try:
        if data_dir is not None:
            return load_settings(openpolicy_data_dir=data_dir)
        return load_settings()
    except SettingsError as exc:
        raise _fail(str(exc), 2) from None


def _database_url(settings: Settings) -> str:
    from openpolicy.db.embedded import EmbeddedPostgresError, EmbeddedPostgresMissing, resolve_database_url

    try:
        return resolve_database_url(settings)
    except EmbeddedPostgresMissing as exc:
        raise _fail(str(exc), 2) from None
    except EmbeddedPostgresError as exc:
        raise _fail(str(exc)) from None


def _describe(settings: Settings, url: str) -> str:
    from openpolicy.db.embedded import pgdata_dir
    from openpolicy.db.engine import redact_url

    if settings.database_url:
        return f"DATABASE_URL {redact_url(url)}"
    return f"embedded PostgreSQL in {pgdata_dir(settings)}"


def _connection_error(exc: BaseException, where: str) -> typer.Exit:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return _fail(f"cannot use the database ({where}): {detail}")


def migrate(
    check: Annotated[
        bool, typer.Option("--check", help="Only check: exit 1 when the schema is not current; change nothing.")
    ] = False,
) -> None:
    """Migrate the database schema to the current revision (exit 0 and print it when already current).

    Idempotent and safe to run concurrently (an advisory lock serialises migrators).
    """
    from openpolicy.db import migrations

    settings = _settings()
    url = _database_url(settings)
    where = _describe(settings, url)
    head = migrations.head_revision()
    try:
        current = migrations.current_revision(url)
        if check:
            if current == head:
                typer.echo(f"schema is current: revision {head} ({where})")
                return
            raise _fail(f"schema is not current: database at {current or 'no revision'}, code expects {head} ({where})")
        if current == head:
            typer.echo(f"schema is current: revision {head} ({where})")
            return
        migrations.upgrade(url)
        after = migrations.current_revision(url)
    except typer.Exit:
        raise
    except Exception as exc:  # connection refused, authentication, permission ...
        raise _connection_error(exc, where) from None
    typer.echo(f"migrated {current or 'empty database'} → {after} (head) ({where})")


def demo_data(
    scale: Annotated[
        int, typer.Option(min=1, max=50, help="Size: 1 ≈ 400 people, 1,000 bills, 500 votes (205,000 ballots).")
    ] = 1,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 1,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only when the database holds no jurisdiction yet.")
    ] = False,
) -> None:
    """Load a realistic synthetic parliament ("Demo Parliament (synthetic)") with bulk COPY.

    Replaces an earlier demo parliament; imported data is left alone. Scale 5: 1,025,000 ballots.
    """
    from openpolicy.db import migrations
    from openpolicy.ingest import demo

    settings = _settings()
    url = _database_url(settings)
    where = _describe(settings, url)
    try:
        if migrations.current_revision(url) != migrations.head_revision():
            raise _fail(f"the schema is not current ({where}): run `openpolicy migrate` first")
    except typer.Exit:
        raise
    except Exception as exc:
        raise _connection_error(exc, where) from None
    try:
        report = _load_with_progress(url, scale=scale, seed=seed, if_empty=if_empty)
    except demo.DemoDataError as exc:
        raise _fail(str(exc)) from None
    if report.skipped:
        typer.echo(f"database already holds data: nothing loaded (--if-empty) ({where})")
        return
    _print_report(report, where, scale, seed)


def _load_with_progress(url: str, *, scale: int, seed: int, if_empty: bool) -> demo.LoadReport:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from openpolicy.ingest import demo

    console = Console(stderr=True)
    if not console.is_terminal:
        return demo.generate_and_load(url, scale=scale, seed=seed, if_empty=if_empty)
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

        return demo.generate_and_load(url, scale=scale, seed=seed, if_empty=if_empty, progress=report)


def _print_report(report: demo.LoadReport, where: str, scale: int, seed: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"Demo Parliament (synthetic), scale {scale}, seed {seed}", highlight=False)
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    for name, count in report.counts.items():
        table.add_row(name, f"{count:,}", f"{report.seconds.get(name, 0.0):.2f}")
    console.print(table)
    action = "replaced the earlier demo parliament" if report.replaced else "loaded"
    console.print(
        f"{action} in {report.total_seconds:.1f} s (generate {report.generate_seconds:.1f} s, "
        f"ballot indexes {report.seconds.get('ballot indexes', 0.0):.1f} s); "
        f"ballots {report.counts.get('ballots', 0):,} at {report.ballots_per_second:,.0f} ballots/s; "
        f"import run {report.import_run_id} ({where})",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add this area's commands to the CLI."""
    app.command("migrate")(migrate)
    app.command("demo-data")(demo_data)


if TYPE_CHECKING:
    from openpolicy.ingest import demo
