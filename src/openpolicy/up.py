"""``openpolicy up``: the newcomer's path, every part of the platform on one machine.

1. the database: ``DATABASE_URL`` when set, else the embedded PostgreSQL in ``OPENPOLICY_DATA_DIR``
   (started, or joined when another command already runs it);
2. migrations to head;
3. demo data (scale 1) when the database holds no jurisdiction yet — so only on the first start; ``up`` says it is
   synthetic when it loads it and again in its "ready" lines while the api reports it loaded (``/v1/status``);
4. ``openpolicy serve api`` and, when the web-interface is installed (``openpolicy.web.app``),
   ``openpolicy serve web`` with ``API_URL`` pointing at the api, as child processes;
5. Ctrl-C or SIGTERM stops the children (SIGTERM, then SIGKILL after the grace period) and then releases the
   database, which stops when no other process uses it. A child that dies ends ``up`` with exit code 1.

Output follows ``LOG_FORMAT`` like every process (``auto``: console when standard output is a terminal): in
console form ``up`` writes plain lines for a person on stderr, in JSON form one log object per line on stdout.
The children inherit the same standard output and setting.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from openpolicy.config import Settings

START_TIMEOUT_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1


class UpError(RuntimeError):
    """``up`` cannot start (port in use, database unusable ...); the message says what to do."""


@dataclass
class Child:
    name: str
    url: str
    proc: subprocess.Popen[bytes]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Children get SIGTERM when `up` itself dies (even by SIGKILL), so no server is left orphaned."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def web_available() -> bool:
    """True when the web-interface is part of this installation (its app and `serve web` command)."""
    try:
        if importlib.util.find_spec("openpolicy.web.app") is None:
            return False
    except ModuleNotFoundError:
        return False
    from openpolicy.cli import serve

    names = {info.name or (info.callback.__name__ if info.callback else "") for info in serve.registered_commands}
    return bool(names & {"web", "serve_web"})


_json_output = False


def _say(message: str) -> None:
    if _json_output:
        from openpolicy.observability.logging import get_logger

        get_logger("openpolicy.up").info(message)
        return
    sys.stderr.write(f"openpolicy up: {message}\n")
    sys.stderr.flush()


SYNTHETIC_NOTICE = (
    "the demo parliament is SYNTHETIC: its people, parties, districts, bills and votes are generated, not real "
    "(the web shows a banner on every page while it is loaded)"
)


def _demo_loaded(api_url: str) -> bool:
    """True when the api reports the synthetic demo parliament loaded (``demo_data`` of ``/v1/status``)."""
    import httpx

    try:
        response = httpx.get(f"{api_url}/v1/status", timeout=10.0)
        return response.status_code == 200 and bool(response.json().get("demo_data"))
    except (httpx.HTTPError, ValueError):
        return False


def _wait_healthy(child: Child, stop: threading.Event) -> bool:
    import httpx

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and not stop.is_set():
        if child.proc.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{child.url}/health", timeout=2.0).status_code == 200:
                return True
        stop.wait(0.2)
    return False


def _stop_children(children: list[Child], grace: float) -> None:
    for child in children:
        if child.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            child.proc.wait(remaining)
        except subprocess.TimeoutExpired:
            _say(f"{child.name} did not stop within {grace:.0f} s: killing it")
            child.proc.kill()
            child.proc.wait(10)


def _prepare_database(settings: Settings) -> str:
    from openpolicy.db import migrations
    from openpolicy.db.embedded import EmbeddedPostgresError, pgdata_dir, resolve_database_url
    from openpolicy.db.engine import redact_url
    from openpolicy.ingest import demo

    try:
        url = resolve_database_url(settings)
    except EmbeddedPostgresError as exc:
        raise UpError(str(exc)) from None
    where = redact_url(url) if settings.database_url else f"embedded PostgreSQL in {pgdata_dir(settings)}"
    _say(f"database: {where}")
    try:
        before = migrations.current_revision(url)
        migrations.upgrade(url)
    except Exception as exc:
        raise UpError(f"cannot migrate the database ({where}): {exc}") from None
    head = migrations.head_revision()
    _say(f"schema at revision {head}" + ("" if before == head else f" (migrated from {before or 'empty'})"))
    started = time.perf_counter()
    try:
        report = demo.generate_and_load(url, scale=1, seed=1, if_empty=True)
    except Exception as exc:  # the database went away, disk full ...: say so instead of a traceback
        raise UpError(f"cannot load the demo data ({where}): {type(exc).__name__}: {exc}") from None
    if report.skipped:
        _say("data: reusing the data already in the database")
    else:
        _say(
            f"data: loaded the demo parliament (scale 1: {report.counts['people']} people, "
            f"{report.counts['bills']} bills, {report.counts['vote_events']} votes, "
            f"{report.counts['ballots']:,} ballots) in {time.perf_counter() - started:.1f} s"
        )
        _say(f"data: {SYNTHETIC_NOTICE}")
    return url


def run_up(settings: Settings, *, api_port: int, web_port: int, host: str = "127.0.0.1") -> int:
    """Start everything and block until Ctrl-C / SIGTERM or a child's death; return the exit code."""
    global _json_output
    from openpolicy.db import embedded
    from openpolicy.observability.logging import configure_logging, resolve_format

    _json_output = resolve_format(settings.log_format) == "json"
    configure_logging(settings.log_level, settings.log_format)

    with_web = web_available()
    for name, port, wanted in (("api", api_port, True), ("web", web_port, with_web)):
        if wanted and not _port_free(host, port):
            flag = "--api-port" if name == "api" else "--web-port"
            raise UpError(f"port {port} on {host} is in use (another `openpolicy up`?): choose one with {flag}")
    if with_web and api_port == web_port:
        raise UpError("--api-port and --web-port must differ")

    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: list[Child] = []
    code = 0
    try:
        url = _prepare_database(settings)
        if stop.is_set():
            return 130
        env = {k: v for k, v in os.environ.items() if k not in {"API_URL"}}
        env.update(
            {
                "DATABASE_URL": url,
                "HOST": host,
                "API_PORT": str(api_port),
                "WEB_PORT": str(web_port),
                "OPENPOLICY_DATA_DIR": str(embedded.data_dir(settings)),
                "SHUTDOWN_DRAIN_SECONDS": "0",  # nobody routes traffic here: stop at once on Ctrl-C
            }
        )
        display_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
        api_url = f"http://{display_host}:{api_port}"
        # Host and ports travel as settings (HOST, API_PORT, WEB_PORT) like in every other deployment.
        plan: list[tuple[str, str, list[str], dict[str, str]]] = [("api", api_url, ["serve", "api"], {})]
        if with_web:
            web_url = f"http://{display_host}:{web_port}"
            plan.append(("web", web_url, ["serve", "web"], {"API_URL": api_url}))
        for name, child_url, args, extra in plan:
            proc = subprocess.Popen(
                [sys.executable, "-m", "openpolicy.cli", *args],
                env={**env, **extra},
                start_new_session=True,  # Ctrl-C reaches `up` only; `up` stops the children in order
                preexec_fn=_die_with_parent,
            )
            children.append(Child(name, child_url, proc))
        for child in children:
            if not _wait_healthy(child, stop):
                if stop.is_set():
                    return 130
                _say(f"{child.name} did not become healthy (exit code {child.proc.poll()}); stopping")
                return 1
        lines = [f"api  {api_url}  (docs {api_url}/docs, e.g. {api_url}/v1/people)"]
        if with_web:
            lines.append(f"web  {children[1].url}")
        else:
            lines.append("web  not part of this build (no openpolicy.web.app / `serve web`)")
        if _demo_loaded(api_url):
            lines.append(f"data {SYNTHETIC_NOTICE}")
        _say("ready:\n  " + "\n  ".join(lines) + "\n  press Ctrl-C to stop")
        while not stop.wait(0.5):
            for child in children:
                if child.proc.poll() is not None:
                    _say(f"{child.name} exited unexpectedly with code {child.proc.returncode}; stopping")
                    return 1
        _say(f"received {signal.Signals(received[0]).name}: stopping")
        return code
    finally:
        _stop_children(children, settings.shutdown_grace_seconds + 5)
        if children:
            _say("api and web stopped" if with_web else "api stopped")
        if embedded.stop(settings):
            _say("embedded PostgreSQL stopped")
        elif settings.database_url is None and embedded.is_running(settings):
            _say("embedded PostgreSQL left running: another openpolicy process still uses it")
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def up(
    api_port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the api.")] = 8000,
    web_port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the web interface.")] = 8080,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of the embedded PostgreSQL (default: OPENPOLICY_DATA_DIR, .openpolicy)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address the api and web bind to.")] = "127.0.0.1",
) -> None:
    """Everything at once: embedded PostgreSQL, migrations, demo data (first start), the api and the web.

    Uses DATABASE_URL instead of the embedded database when it is set. A second start reuses the data.

    Ctrl-C (or SIGTERM) stops the api and the web, then the database.
    """
    from openpolicy.config import SettingsError, load_settings

    try:
        settings = load_settings(openpolicy_data_dir=data_dir) if data_dir is not None else load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"openpolicy: {exc}\n")
        raise typer.Exit(2) from None
    try:
        code = run_up(settings, api_port=api_port, web_port=web_port, host=host)
    except UpError as exc:
        sys.stderr.write(f"openpolicy: {exc}\n")
        raise typer.Exit(1) from None
    raise typer.Exit(code)


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add ``openpolicy up`` to the CLI."""
    app.command("up")(up)
