"""Audit events: who did what to what, when, with which outcome — a row in ``audit_events`` and a log line.

Imports, cache purges and any write or admin action call :func:`record`::

    await record(session, actor="cli:alice", action="import.popolo", target="ca", outcome="success",
                 details={"people": 338})            # AsyncSession or AsyncConnection: returns an awaitable
    record(sync_session, actor=..., ...)             # Session or Connection: runs at once

The row is added in the caller's transaction (it commits with the work it describes; nothing is committed
here). To record a *failure* whose transaction was rolled back, use a fresh session/connection, or
:func:`record_standalone`, which opens its own connection and commits.

``details`` are scrubbed before they are stored or logged: values under secret-looking keys (password,
token, secret, authorization ...) become ``"[redacted]"`` and URL passwords are masked. ``outcome`` is one of
:data:`OUTCOMES`. Each event also increments ``openpolicy_audit_events_total{action,outcome}``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session

from openpolicy.observability.logging import get_logger, scrub
from openpolicy.observability.metrics import AUDIT_EVENTS

if TYPE_CHECKING:
    from openpolicy.config import Settings

OUTCOMES = frozenset({"success", "failure", "denied", "partial"})
_ACTION = re.compile(r"^[a-z][a-z0-9_.:-]{0,99}$")
_log = get_logger("openpolicy.audit")


def _prepare(
    actor: str, action: str, target: str | None, outcome: str, request_id: str | None, details: Mapping[str, Any] | None
) -> dict[str, Any]:
    if not actor:
        raise ValueError("audit actor must not be empty")
    if not _ACTION.match(action):
        raise ValueError(f"audit action {action!r} must look like 'import.popolo' (lowercase, ≤ 100 chars)")
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome {outcome!r} must be one of {', '.join(sorted(OUTCOMES))}")
    return {
        "actor": actor[:200],
        "action": action,
        "target": target,
        "outcome": outcome,
        "request_id": request_id[:100] if request_id else None,
        "details": scrub(dict(details or {})),
    }


def _statement(values: dict[str, Any]) -> Any:
    from openpolicy.db.models import AuditEvent

    return insert(AuditEvent).values(**values)


def _emit(values: dict[str, Any]) -> None:
    AUDIT_EVENTS.labels(values["action"], values["outcome"]).inc()
    _log.info(
        "audit",
        audit_actor=values["actor"],
        audit_action=values["action"],
        audit_target=values["target"],
        audit_outcome=values["outcome"],
        audit_request_id=values["request_id"],
        audit_details=values["details"],
    )


async def _record_async(target: AsyncSession | AsyncConnection, values: dict[str, Any]) -> None:
    await target.execute(_statement(values))
    _emit(values)


@overload
def record(
    session_or_conn: AsyncSession | AsyncConnection,
    *,
    actor: str,
    action: str,
    target: str | None,
    outcome: str,
    request_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> Awaitable[None]: ...


@overload
def record(
    session_or_conn: Session | Connection,
    *,
    actor: str,
    action: str,
    target: str | None,
    outcome: str,
    request_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None: ...


def record(
    session_or_conn: AsyncSession | AsyncConnection | Session | Connection,
    *,
    actor: str,
    action: str,
    target: str | None,
    outcome: str,
    request_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> Awaitable[None] | None:
    """Add an audit event in the caller's transaction and log it (see the module docstring).

    Bad ``action``/``outcome``/empty ``actor`` → ``ValueError`` before anything is written.
    """
    values = _prepare(actor, action, target, outcome, request_id, details)
    if isinstance(session_or_conn, AsyncSession | AsyncConnection):
        return _record_async(session_or_conn, values)
    session_or_conn.execute(_statement(values))
    _emit(values)
    return None


async def record_standalone(
    settings: Settings,
    *,
    actor: str,
    action: str,
    target: str | None,
    outcome: str,
    request_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Record an event in a transaction of its own (for CLI actions and failures); commits."""
    from openpolicy.db.engine import create_engine

    engine = create_engine(settings, application_name="openpolicy-audit")
    try:
        async with engine.begin() as conn:
            await record(
                conn,
                actor=actor,
                action=action,
                target=target,
                outcome=outcome,
                request_id=request_id,
                details=details,
            )
    finally:
        await engine.dispose()
