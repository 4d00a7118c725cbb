"""FastAPI dependencies of the api's routers: database (session, or pooled connections for the document
statements), settings, Redis, request id."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from openpolicy.api.errors import DatabaseUnavailable, ProblemError
from openpolicy.config import Settings


class DatabaseGate:
    """First come, first served access to the database pool for requests.

    SQLAlchemy's pool hands a returned connection to whichever coroutine asks next, not to the one that has
    waited longest: under more concurrent requests than connections, a request could wait its whole
    ``DB_POOL_TIMEOUT_SECONDS`` while later ones were served. Requests
    therefore queue here, in order (``asyncio.Semaphore`` is fair), for one of ``size`` places — the pool's
    connections but one, kept for ``/health/ready`` and the metrics scrape so they never queue behind traffic.
    """

    def __init__(self, size: int, timeout: float) -> None:
        self.size = max(size, 1)
        self.timeout = timeout
        self._places = asyncio.Semaphore(self.size)

    @contextlib.asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        if not self._places.locked():
            await self._places.acquire()  # a free place and nobody waiting: taken at once, no timer to arm
        else:
            try:
                async with asyncio.timeout(self.timeout):
                    await self._places.acquire()
            except TimeoutError:
                raise DatabaseUnavailable(f"no database connection free within {self.timeout:g} s") from None
        try:
            yield
        finally:
            self._places.release()


def database_gate(settings: Settings) -> DatabaseGate:
    """The gate for an app's pool of ``DB_POOL_SIZE`` + ``DB_MAX_OVERFLOW`` connections."""
    return DatabaseGate(settings.db_pool_size + settings.db_max_overflow - 1, settings.db_pool_timeout_seconds)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One AsyncSession per request on a connection of the app's :class:`Database`; closed afterwards."""
    database: Database = request.app.state.database
    async with (
        database.connection() as conn,
        AsyncSession(bind=conn, expire_on_commit=False, autoflush=False) as session,
    ):
        try:
            yield session
        except OSError as exc:  # e.g. the server's unix socket is gone: not a DBAPI error, still "unavailable"
            raise DatabaseUnavailable(str(exc)) from exc


class Database:
    """The routes' way to PostgreSQL: a pool place (:class:`DatabaseGate`, first come, first served) and a pooled
    connection (autocommit, read-only: ``create_engine(read_only=True)``), taken by :meth:`connection` for the
    statements of a request and given back right after them, not when FastAPI tears the request down.

    The connections a request gives back stay checked out of SQLAlchemy's pool, in a free list of this object's:
    the next request takes one in a list ``pop`` instead of a pool checkout and return (a greenlet switch each, the
    pool's bookkeeping and a reset). The gate
    bounds them at the gate's size, and the list at ``max_idle`` (the pool's size but one: ``DB_MAX_OVERFLOW``'s
    burst connections are closed when returned, as before), so one pooled connection stays free for
    ``/health/ready`` and the metrics scrape. A connection goes back to the pool — which replaces it as it would
    have — when it is older than ``recycle`` seconds (the engine's ``pool_recycle``), when a request failed with it
    (anything but an api problem such as a 404 raised after its statement: a cancelled or failed statement may
    leave it busy), and when it was invalidated (connection lost); the others are then given back too, since they
    predate the failure.

    One instance per app (``app.state.database``), handed to routes by :func:`get_database`, a plain coroutine:
    FastAPI runs a ``yield`` dependency through an exit stack and context-manager wrappers, which cost more than
    the pool checkout itself.
    """

    def __init__(
        self, engine: AsyncEngine, gate: DatabaseGate, recycle: float = 1800.0, max_idle: int | None = None
    ) -> None:
        self.engine = engine
        self.gate = gate
        self.dialect = engine.dialect
        self.recycle = recycle
        self.max_idle = gate.size if max_idle is None else max_idle
        self._idle: list[tuple[AsyncConnection, float]] = []

    @property
    def idle(self) -> int:
        """Connections held in the free list (checked out of the pool, doing nothing)."""
        return len(self._idle)

    async def _open(self) -> tuple[AsyncConnection, float]:
        connection = self.engine.connect()
        try:
            await connection.start()
        except OSError as exc:  # e.g. the server's unix socket is gone: not a DBAPI error, still "unavailable"
            raise DatabaseUnavailable(str(exc)) from exc
        return connection, time.monotonic()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        async with self.gate.place():
            connection, opened = self._idle.pop() if self._idle else await self._open()
            keep = False
            try:
                yield connection
                keep = True
            except ProblemError:
                keep = True
                raise
            finally:
                if connection.invalidated:
                    await connection.close()
                    await self.close()
                elif (
                    keep
                    and not connection.closed
                    and len(self._idle) < self.max_idle
                    and time.monotonic() - opened < self.recycle
                ):
                    self._idle.append((connection, opened))
                else:
                    await connection.close()

    async def close(self) -> None:
        """Give every connection of the free list back to the pool (at shutdown, after a lost connection)."""
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            with contextlib.suppress(Exception):
                await connection.close()


async def get_database(request: Request) -> Database:
    """The app's :class:`Database` (created by the lifespan)."""
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_redis(request: Request) -> Any:
    """The app's redis.asyncio client, or None without ``REDIS_URL``."""
    return getattr(request.app.state, "redis", None)


async def get_request_id(request: Request) -> str | None:
    """The request's id (``X-Request-ID`` accepted or generated by the observability middleware)."""
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None
