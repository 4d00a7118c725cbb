"""Async engine and sessions (SQLAlchemy 2 + asyncpg), configured from :class:`~openpolicy.config.Settings`."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

if TYPE_CHECKING:
    import asyncpg

    from openpolicy.config import Settings

# libpq's sslmode values → asyncpg's ``ssl`` argument (asyncpg accepts the same mode names).
_SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
# libpq-only URL parameters asyncpg does not understand; their effect is given by engine settings instead.
_DROPPED_PARAMS = {"connect_timeout", "application_name", "options", "target_session_attrs", "client_encoding"}


POOL_RECYCLE_SECONDS = 1800.0
"""Connections older than this are replaced (SQLAlchemy's pool); the api's asyncpg pool closes those unused as long."""


class DatabaseUrlError(ValueError):
    """The database URL cannot be used (the message never contains the password)."""


def _scheme_and_rest(url: str) -> tuple[str, str]:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise DatabaseUrlError("database URL must look like postgresql://user:password@host:5432/database")
    return scheme.lower(), rest


def to_async_url(url: str) -> str:
    """``postgresql://`` (or ``postgres://``, ``postgresql+psycopg://``) → ``postgresql+asyncpg://``.

    User, password, host(s), port, database and unix-socket ``host=`` parameters are kept as they are;
    ``sslmode=`` becomes asyncpg's ``ssl=``; libpq-only parameters asyncpg rejects are dropped.
    """
    scheme, _ = _scheme_and_rest(url)
    base = scheme.split("+", 1)[0]
    if base not in {"postgresql", "postgres"}:
        raise DatabaseUrlError(f"database URL must use postgresql://, not {base}://")
    parts = urlsplit(url)
    params: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "sslmode":
            if value not in _SSL_MODES:
                raise DatabaseUrlError(f"database URL has an unknown sslmode={value!r}")
            params.append(("ssl", value))
        elif key in _DROPPED_PARAMS:
            continue
        else:
            params.append((key, value))
    return urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, urlencode(params), parts.fragment))


def to_asyncpg_dsn(url: str) -> str:
    """A DSN for ``asyncpg.connect`` (no driver suffix, libpq-only parameters removed)."""
    async_url = to_async_url(url)
    parts = urlsplit(async_url)
    params = [("sslmode" if k == "ssl" else k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(params), parts.fragment))


def redact_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (for logs and messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def create_engine(
    settings: Settings, url: str | None = None, *, application_name: str = "openpolicy", read_only: bool = False
) -> AsyncEngine:
    """An :class:`AsyncEngine` with the pool, statement and connect timeouts of ``settings``.

    ``read_only`` (the api-service): every statement runs in autocommit on a read-only session
    (``default_transaction_read_only``) with generic plans for its prepared statements (``plan_cache_mode``),
    and connections are not pinged at checkout. A read request then costs
    its queries' round trips only — no ``BEGIN``, ``ROLLBACK`` or ping, three round trips of five on a typical
    request. A connection that died with its server fails its next query; the pool then drops every connection
    older than that failure (SQLAlchemy's disconnect handling) and the next request reconnects.

    ``url`` defaults to ``settings.database_url``; when both are unset the embedded PostgreSQL in
    ``settings.openpolicy_data_dir`` is used (started if needed, see :mod:`openpolicy.db.embedded`).
    """
    if url is None:
        url = settings.database_url
    if url is None:
        from openpolicy.db.embedded import resolve_database_url

        url = resolve_database_url(settings)
    if read_only:
        server_settings = read_only_settings(settings, application_name)
    else:
        server_settings = {"application_name": application_name, "jit": "off"}
        if settings.db_statement_timeout_ms:
            server_settings["statement_timeout"] = str(settings.db_statement_timeout_ms)
    return _create_async_engine(
        to_async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=not read_only,
        pool_recycle=POOL_RECYCLE_SECONDS,
        isolation_level="AUTOCOMMIT" if read_only else "READ COMMITTED",
        connect_args={"timeout": settings.db_connect_timeout_seconds, "server_settings": server_settings},
    )


def read_only_settings(settings: Settings, application_name: str) -> dict[str, str]:
    """Server settings of the api's connections: read-only sessions, no JIT, generic plans for prepared statements
    (the api sends a fixed set of statements; planning each execution again cost more than running it), and the
    statement timeout of ``settings``."""
    server_settings = {
        "application_name": application_name,
        "jit": "off",
        "default_transaction_read_only": "on",
        "plan_cache_mode": "force_generic_plan",
    }
    if settings.db_statement_timeout_ms:
        server_settings["statement_timeout"] = str(settings.db_statement_timeout_ms)
    return server_settings


async def create_pool(settings: Settings, url: str, *, application_name: str = "openpolicy") -> asyncpg.Pool:
    """The api's pool of asyncpg connections (read-only sessions, :func:`read_only_settings`) to ``url``: at most
    ``DB_POOL_SIZE`` + ``DB_MAX_OVERFLOW`` connections, opened when first needed (the pool starts with none, so an
    unreachable database does not stop the api from starting) and closed after ``POOL_RECYCLE_SECONDS`` unused."""
    import asyncpg

    pool = asyncpg.create_pool(
        to_asyncpg_dsn(url),
        min_size=0,
        max_size=max(settings.db_pool_size + settings.db_max_overflow, 1),
        max_inactive_connection_lifetime=POOL_RECYCLE_SECONDS,
        timeout=settings.db_connect_timeout_seconds,
        server_settings=read_only_settings(settings, application_name),
    )
    return await pool


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (``expire_on_commit=False``)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
