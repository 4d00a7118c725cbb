"""Commands of the notify area: ``serve notifier`` (registered by :mod:`openpolicy.cli`)."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer


def serve_notifier(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: HOST, 0.0.0.0).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: NOTIFIER_PORT, 8002).", min=1, max=65535)] = None,
) -> None:
    """Deliver webhooks: fan the change feed out to /v1/subscriptions and deliver, signed (Standard Webhooks).

    Run as many replicas as needed: they share the work through the database. /health/live, /health/ready and
    /metrics on NOTIFIER_PORT. On SIGTERM it stops claiming, finishes or releases deliveries in flight and
    exits 0. Needs WEBHOOK_SECRETS_KEY (the api's).
    """
    from openpolicy.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"openpolicy: {exc}\n")
        raise typer.Exit(2) from None
    if settings.webhook_secrets_key is None:
        sys.stderr.write("openpolicy: WEBHOOK_SECRETS_KEY is not set: the notifier cannot sign deliveries\n")
        raise typer.Exit(2)
    from openpolicy.db.embedded import resolve_database_url
    from openpolicy.db.engine import DatabaseUrlError, to_asyncpg_dsn
    from openpolicy.notify.service import serve
    from openpolicy.observability.logging import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    try:
        dsn = to_asyncpg_dsn(resolve_database_url(settings))
    except DatabaseUrlError as exc:
        sys.stderr.write(f"openpolicy: DATABASE_URL: {exc}\n")
        raise typer.Exit(2) from None
    try:
        code = asyncio.run(serve(settings, dsn, host=host or settings.host, port=port or settings.notifier_port))
    except OSError as exc:
        sys.stderr.write(f"openpolicy: notifier: cannot reach the database: {exc}\n")
        raise typer.Exit(1) from None
    raise typer.Exit(code)


def register(app: typer.Typer, serve: typer.Typer) -> None:
    serve.command("notifier")(serve_notifier)
