"""FastAPI dependencies of the api's routers: the database (the document path's pool, or an ORM session) and the
settings.

One way to PostgreSQL per purpose: the read model and the other statements the api writes as SQL (documents,
keyset pages, search, represent) run on one asyncpg pool (:class:`Database`); the ORM endpoints and readiness use
SQLAlchemy's engine as SQLAlchemy ships it (:func:`get_session`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from openpolicy.api.errors import DatabaseUnavailable, asyncpg_connection_lost
from openpolicy.config import Settings

if TYPE_CHECKING:
    import asyncpg


class Database:
    """The document path: a connection of the app's asyncpg pool for the statements of one request, given back
    right after them. A connection is waited for at most ``timeout`` seconds (then a 503 problem); waiting requests
    are served in arrival order (the pool's queue). A connection that fails (server restarted, network) is closed by
    asyncpg and replaced on a later request; the failure itself is a 503 (:mod:`openpolicy.api.errors`)."""

    def __init__(self, pool: asyncpg.Pool, timeout: float) -> None:
        self.pool = pool
        self.timeout = timeout

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        try:
            connection = await self.pool.acquire(timeout=self.timeout)
        except TimeoutError:
            raise DatabaseUnavailable(f"no database connection free within {self.timeout:g} s") from None
        except OSError as exc:  # refused, socket file gone: not an asyncpg error, still "unavailable"
            raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc
        try:
            yield connection
        except asyncpg_connection_lost() as exc:
            connection.terminate()  # never handed out again: the pool opens a new one for a later request
            if isinstance(exc, OSError):
                raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc
            raise
        finally:
            await self.pool.release(connection)

    async def close(self) -> None:
        """Close every connection (at shutdown), without waiting for requests still holding one."""
        self.pool.terminate()


async def get_database(request: Request) -> Database:
    """The app's :class:`Database` (created by the lifespan)."""
    database: Database = request.app.state.database
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One AsyncSession per request from the app's sessionmaker (SQLAlchemy's engine and pool); closed afterwards."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessions() as session:
        try:
            yield session
        except OSError as exc:  # e.g. the server's unix socket is gone: not a DBAPI error, still "unavailable"
            raise DatabaseUnavailable(str(exc)) from exc


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings
