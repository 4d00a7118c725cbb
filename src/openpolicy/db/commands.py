"""Commands of the database area: ``migrate`` (registered by :mod:`openpolicy.cli`), and the helpers every
command that opens the database uses to load settings and name the database in its messages.

Only typer is imported at module level; everything heavy is imported inside the command that needs it.
Without ``DATABASE_URL`` every command acts on the embedded PostgreSQL in ``OPENPOLICY_DATA_DIR``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from openpolicy.config import Settings


def fail(message: str, code: int = 1) -> typer.Exit:
    sys.stderr.write(f"openpolicy: {message}\n")
    return typer.Exit(code)


def cli_settings() -> Settings:
    """The environment's settings, or exit 2 naming the bad one."""
    from openpolicy.config import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        raise fail(str(exc), 2) from None


def database_url_or_exit(settings: Settings) -> str:
    from openpolicy.db.embedded import EmbeddedPostgresError, EmbeddedPostgresMissing, resolve_database_url

    try:
        return resolve_database_url(settings)
    except EmbeddedPostgresMissing as exc:
        raise fail(str(exc), 2) from None
    except EmbeddedPostgresError as exc:
        raise fail(str(exc)) from None


def describe(settings: Settings, url: str) -> str:
    from openpolicy.db.embedded import pgdata_dir
    from openpolicy.db.engine import redact_url

    if settings.database_url:
        return f"DATABASE_URL {redact_url(url)}"
    return f"embedded PostgreSQL in {pgdata_dir(settings)}"


def connection_error(exc: BaseException, where: str) -> typer.Exit:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return fail(f"cannot use the database ({where}): {detail}")


def migrate(
    check: Annotated[
        bool, typer.Option("--check", help="Only check: exit 1 when the schema is not current; change nothing.")
    ] = False,
) -> None:
    """Migrate the database schema to the current revision (exit 0 and print it when already current).

    Idempotent and safe to run concurrently (an advisory lock serialises migrators).
    """
    from openpolicy.db import migrations

    settings = cli_settings()
    url = database_url_or_exit(settings)
    where = describe(settings, url)
    head = migrations.head_revision()
    try:
        current = migrations.current_revision(url)
        if check:
            if current == head:
                typer.echo(f"schema is current: revision {head} ({where})")
                return
            raise fail(f"schema is not current: database at {current or 'no revision'}, code expects {head} ({where})")
        if current == head:
            typer.echo(f"schema is current: revision {head} ({where})")
            return
        migrations.upgrade(url)
        after = migrations.current_revision(url)
    except typer.Exit:
        raise
    except Exception as exc:  # connection refused, authentication, permission ...
        raise connection_error(exc, where) from None
    typer.echo(f"migrated {current or 'empty database'} → {after} (head) ({where})")


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add this area's commands to the CLI."""
    app.command("migrate")(migrate)
