"""Commands of the web area: ``serve web`` (registered by :mod:`openpolicy.cli`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def serve_web(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: HOST, 0.0.0.0).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: WEB_PORT, 8080).", min=1, max=65535)] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.", min=1, max=64)] = 1,
) -> None:
    """Serve the web-interface: the public site, reading the platform through the api at API_URL.

    /health, /health/ready (the api answers), /metrics. On SIGTERM readiness turns 503, in-flight requests
    finish within SHUTDOWN_GRACE_SECONDS, then it exits 0.
    """
    from openpolicy.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"openpolicy: {exc}\n")
        raise typer.Exit(2) from None
    from openpolicy.http.server import run

    code = run(
        settings, host=host, port=port or settings.web_port, workers=workers, app="openpolicy.web.app:create_app"
    )
    raise typer.Exit(code)


def register(app: typer.Typer, serve: typer.Typer) -> None:
    serve.command("web")(serve_web)
