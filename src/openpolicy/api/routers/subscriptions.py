"""/v1/subscriptions: webhooks (Standard Webhooks) owned by API keys; the notifier delivers them.

Every route needs an API key (``X-API-Key: op_…`` or ``Authorization: Bearer op_…``, checked by
:mod:`openpolicy.api.ratelimit`): none is a 401; a key sees and changes only its own subscriptions — another
key's subscription is a 404, as if it did not exist. Answers are never cached (``Cache-Control: no-store``).

A subscription's ``url`` must be a public ``https`` URL (:mod:`openpolicy.notify.targets`, checked here and again
by the notifier before every delivery); its filters (event types, person, bill, jurisdiction, saved search
``query``) all have to match for an event to be delivered. The signing secret (``whsec_…``) is shown once, at
creation and at each rotation; after a rotation the previous secret keeps signing too (a second signature) for
:data:`ROTATION_OVERLAP`. A subscription hears of changes made after its creation. docs/webhooks.md has the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from openpolicy.api.errors import ProblemError
from openpolicy.api.ratelimit import request_key_id
from openpolicy.notify.events import EVENT_TYPES
from openpolicy.notify.secrets import SecretBox, SecretsKeyMissing, new_secret
from openpolicy.notify.targets import TargetRefused, check_target

router = APIRouter(prefix="/subscriptions", tags=["webhooks"])

MAX_SUBSCRIPTIONS_PER_KEY: Final = 100
ROTATION_OVERLAP: Final = dt.timedelta(hours=24)
MAX_QUERY_LENGTH: Final = 500
DELIVERY_PAGE_MAX: Final = 200
NO_STORE: Final = {"Cache-Control": "no-store"}

_COLUMNS = (
    "id, url, description, event_types, person_id, bill_id, jurisdiction_id, query, status, disabled_reason, "
    "failure_streak, failing_since, created_at, updated_at, previous_secret_expires_at"
)


# --- shapes -----------------------------------------------------------------------------------------


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Public https:// URL the events are POSTed to.", max_length=2048)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] = Field(default_factory=list, description="Event types wanted; empty: every type.")
    person_id: str | None = Field(default=None, max_length=300, description="Only events about this person.")
    bill_id: str | None = Field(default=None, max_length=300, description="Only events about this bill.")
    jurisdiction_id: str | None = Field(default=None, max_length=300, description="Only events of this legislature.")
    query: str | None = Field(
        default=None,
        max_length=MAX_QUERY_LENGTH,
        description='Saved search (web search syntax: words, "phrases", -excluded, or): only events whose '
        "text (names, titles, motions, speeches) matches.",
    )


class Subscription(BaseModel):
    id: int
    url: str
    description: str | None
    event_types: list[str]
    person_id: str | None
    bill_id: str | None
    jurisdiction_id: str | None
    query: str | None
    status: Literal["active", "paused", "disabled"]
    disabled_reason: str | None
    failure_streak: int
    failing_since: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    previous_secret_expires_at: dt.datetime | None = Field(
        description="Until then the previous secret signs too (after a rotation)."
    )


class SubscriptionWithSecret(Subscription):
    secret: str = Field(description="The signing secret (whsec_…), shown only now: keep it.")


class SubscriptionList(BaseModel):
    results: list[Subscription]


class Delivery(BaseModel):
    id: int
    event_id: str = Field(description="The webhook-id header.")
    event_type: str
    change_id: int | None
    status: Literal["pending", "delivered", "failed", "notice"]
    attempts: int
    next_attempt_at: dt.datetime | None = Field(description="When pending: the next attempt.")
    last_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    payload: dict[str, Any]


class DeliveryPage(BaseModel):
    results: list[Delivery]
    next: str | None = Field(description="URL of the next (older) page; null at the end.")


class EventTypes(BaseModel):
    results: dict[str, str]


# --- helpers ----------------------------------------------------------------------------------------


def _owner(request: Request) -> int:
    key_id = request_key_id(request.scope)
    if key_id is None:
        raise ProblemError(
            401,
            "Unauthorized",
            "webhook subscriptions need an API key (X-API-Key: op_… or Authorization: Bearer op_…)",
        )
    return key_id


def _box(request: Request) -> SecretBox:
    try:
        return SecretBox.from_settings(request.app.state.settings)
    except SecretsKeyMissing:
        raise ProblemError(
            503, "Service Unavailable", "webhooks are not configured on this server (WEBHOOK_SECRETS_KEY)"
        ) from None


@contextlib.asynccontextmanager
async def _transaction(request: Request) -> AsyncIterator[AsyncConnection]:
    """A read-write transaction (the api's pooled connections are read-only)."""
    engine = request.app.state.engine
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="READ COMMITTED")
        async with conn.begin():
            await conn.execute(text("SET TRANSACTION READ WRITE"))
            yield conn


def _json(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        model.model_dump_json(),
        status_code=status,
        media_type="application/json",
        headers={**NO_STORE, **(headers or {})},
    )


def _invalid(parameter: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Unprocessable Content",
        f"body parameter {parameter!r}: {message}",
        parameter=parameter,
        errors=[{"in": "body", "parameter": parameter, "message": message}],
    )


def _not_found(subscription_id: int) -> ProblemError:
    return ProblemError(404, "Not Found", f"no subscription {subscription_id} of this API key", kind="subscription")


async def _set(conn: AsyncConnection, subscription_id: int, assignments: str, **params: Any) -> dict[str, Any]:
    """``UPDATE … SET assignments`` of one subscription (``assignments`` is this module's SQL; values are
    ``params``); the subscription as it now is."""
    statement = f"UPDATE webhook_subscriptions SET {assignments} WHERE id = :id RETURNING {_COLUMNS}"  # noqa: S608
    row = (await conn.execute(text(statement), {"id": subscription_id, **params})).one()
    return dict(row._mapping)


async def _own(conn: AsyncConnection, owner: int, subscription_id: int, *, lock: bool = False) -> dict[str, Any]:
    row = (
        await conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM webhook_subscriptions WHERE id = :id AND api_key_id = :owner"  # noqa: S608
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": subscription_id, "owner": owner},
        )
    ).first()
    if row is None:
        raise _not_found(subscription_id)
    return dict(row._mapping)


async def _check_filters(conn: AsyncConnection, body: SubscriptionIn) -> None:
    unknown = [t for t in body.event_types if t not in EVENT_TYPES]
    if unknown:
        raise _invalid("event_types", f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}")
    if len(set(body.event_types)) != len(body.event_types):
        raise _invalid("event_types", "an event type is listed twice")
    for parameter, table in (("person_id", "people"), ("bill_id", "bills"), ("jurisdiction_id", "jurisdictions")):
        value = getattr(body, parameter)
        if value is None:
            continue
        found = (await conn.execute(text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": value})).first()  # noqa: S608
        if found is None:
            raise _invalid(parameter, f"no {table.rstrip('s').replace('peopl', 'person')} with id {value!r}")
    if body.query is not None and not body.query.strip():
        raise _invalid("query", "a saved search needs at least one word")


# --- routes -----------------------------------------------------------------------------------------


@router.get("/event-types", summary="The webhook event types", response_model=EventTypes)
async def event_types(request: Request) -> Response:
    _owner(request)
    return _json(EventTypes(results=EVENT_TYPES))


@router.post(
    "",
    summary="Create a webhook subscription (the secret is shown once)",
    status_code=201,
    response_model=SubscriptionWithSecret,
)
async def create_subscription(request: Request, body: Annotated[SubscriptionIn, Body()]) -> Response:
    owner = _owner(request)
    box = _box(request)
    settings = request.app.state.settings
    try:
        target = await check_target(body.url, allow_private=settings.webhook_allow_private_targets)
    except TargetRefused as exc:
        raise _invalid("url", str(exc)) from None
    secret = new_secret()
    async with _transaction(request) as conn:
        # one creation at a time per key, so the count below holds
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('webhook_subscriptions'), CAST(:owner AS int))"),
            {"owner": owner % 2**31},
        )
        count = (
            await conn.execute(text("SELECT count(*) FROM webhook_subscriptions WHERE api_key_id = :o"), {"o": owner})
        ).scalar_one()
        if count >= MAX_SUBSCRIPTIONS_PER_KEY:
            raise ProblemError(
                409, "Conflict", f"an API key has at most {MAX_SUBSCRIPTIONS_PER_KEY} subscriptions; delete one first"
            )
        await _check_filters(conn, body)
        new_id = (
            await conn.execute(text("SELECT nextval(pg_get_serial_sequence('webhook_subscriptions', 'id'))"))
        ).scalar_one()
        row = (
            await conn.execute(
                text(
                    f"""
                    INSERT INTO webhook_subscriptions (id, api_key_id, url, description, secret_encrypted, event_types,
                        person_id, bill_id, jurisdiction_id, query, start_change_id)
                    VALUES (:id, :owner, :url, :description, :secret, :event_types, :person_id, :bill_id,
                        :jurisdiction_id, :query, (SELECT coalesce(max(id), 0) FROM change_log))
                    RETURNING {_COLUMNS}
                    """  # noqa: S608
                ),
                {
                    "id": new_id,
                    "owner": owner,
                    "url": target.url,
                    "description": body.description,
                    "secret": box.seal(new_id, secret),
                    "event_types": body.event_types,
                    "person_id": body.person_id,
                    "bill_id": body.bill_id,
                    "jurisdiction_id": body.jurisdiction_id,
                    "query": body.query.strip() if body.query else None,
                },
            )
        ).one()
    created = SubscriptionWithSecret(**dict(row._mapping), secret=secret)
    return _json(created, 201, {"Location": f"/v1/subscriptions/{new_id}"})


@router.get("", summary="The subscriptions of this API key", response_model=SubscriptionList)
async def list_subscriptions(request: Request) -> Response:
    owner = _owner(request)
    async with _transaction(request) as conn:
        rows = (
            await conn.execute(
                text(f"SELECT {_COLUMNS} FROM webhook_subscriptions WHERE api_key_id = :o ORDER BY id"),  # noqa: S608
                {"o": owner},
            )
        ).all()
    return _json(SubscriptionList(results=[Subscription(**dict(r._mapping)) for r in rows]))


SubscriptionId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The subscription's id.")]


@router.get("/{subscription_id}", summary="One subscription", response_model=Subscription)
async def get_subscription(request: Request, subscription_id: SubscriptionId) -> Response:
    owner = _owner(request)
    async with _transaction(request) as conn:
        return _json(Subscription(**await _own(conn, owner, subscription_id)))


@router.delete("/{subscription_id}", summary="Delete a subscription and its delivery log", status_code=204)
async def delete_subscription(request: Request, subscription_id: SubscriptionId) -> Response:
    owner = _owner(request)
    async with _transaction(request) as conn:
        await _own(conn, owner, subscription_id, lock=True)
        await conn.execute(text("DELETE FROM webhook_subscriptions WHERE id = :id"), {"id": subscription_id})
    return Response(status_code=204, headers=NO_STORE)


@router.post(
    "/{subscription_id}/rotate-secret",
    summary="Replace the signing secret (shown once); the previous one keeps signing for 24 h",
    response_model=SubscriptionWithSecret,
)
async def rotate_secret(request: Request, subscription_id: SubscriptionId) -> Response:
    owner = _owner(request)
    box = _box(request)
    secret = new_secret()
    async with _transaction(request) as conn:
        await _own(conn, owner, subscription_id, lock=True)
        row = await _set(
            conn,
            subscription_id,
            "previous_secret_encrypted = secret_encrypted, secret_encrypted = :secret, "
            "previous_secret_expires_at = now() + CAST(:overlap AS interval)",
            secret=box.seal(subscription_id, secret),
            overlap=ROTATION_OVERLAP,
        )
    return _json(SubscriptionWithSecret(**row, secret=secret))


@router.post(
    "/{subscription_id}/pause",
    summary="Pause: no events are recorded or delivered until resumed",
    response_model=Subscription,
)
async def pause_subscription(request: Request, subscription_id: SubscriptionId) -> Response:
    owner = _owner(request)
    async with _transaction(request) as conn:
        current = await _own(conn, owner, subscription_id, lock=True)
        if current["status"] == "disabled":
            raise ProblemError(409, "Conflict", f"subscription {subscription_id} is disabled: resume it instead")
        row = await _set(conn, subscription_id, "status = 'paused'")
    return _json(Subscription(**row))


@router.post(
    "/{subscription_id}/resume",
    summary="Resume a paused or disabled subscription (its failure streak starts again)",
    response_model=Subscription,
)
async def resume_subscription(request: Request, subscription_id: SubscriptionId) -> Response:
    owner = _owner(request)
    settings = request.app.state.settings
    async with _transaction(request) as conn:
        current = await _own(conn, owner, subscription_id, lock=True)
        try:
            await check_target(current["url"], allow_private=settings.webhook_allow_private_targets)
        except TargetRefused as exc:
            raise _invalid("url", f"the subscription's URL can no longer be a target: {exc}") from None
        row = await _set(
            conn, subscription_id, "status = 'active', disabled_reason = NULL, failure_streak = 0, failing_since = NULL"
        )
    return _json(Subscription(**row))


@router.get(
    "/{subscription_id}/deliveries",
    summary="The delivery log of a subscription, newest first",
    response_model=DeliveryPage,
)
async def list_deliveries(
    request: Request,
    subscription_id: SubscriptionId,
    status: Annotated[Literal["pending", "delivered", "failed", "notice"] | None, Query()] = None,
    before: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="Cursor: deliveries older than this id.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=DELIVERY_PAGE_MAX)] = 50,
) -> Response:
    owner = _owner(request)
    async with _transaction(request) as conn:
        await _own(conn, owner, subscription_id)
        rows = (
            await conn.execute(
                text(
                    """
                    SELECT id, event_id, event_type, change_id, status, attempts,
                           CASE WHEN status = 'pending' THEN next_attempt_at END AS next_attempt_at, last_attempt_at,
                           last_status_code, last_error, delivered_at, created_at, payload
                    FROM webhook_deliveries
                    WHERE subscription_id = :sub AND (CAST(:status AS text) IS NULL OR status = :status)
                      AND (CAST(:before AS bigint) IS NULL OR id < :before)
                    ORDER BY id DESC LIMIT :limit
                    """
                ),
                {"sub": subscription_id, "status": status, "before": before, "limit": limit + 1},
            )
        ).all()
    results = [Delivery(**dict(r._mapping)) for r in rows[:limit]]
    following = None
    if len(rows) > limit:
        query = f"before={results[-1].id}&limit={limit}" + (f"&status={status}" if status else "")
        following = f"/v1/subscriptions/{subscription_id}/deliveries?{query}"
    return _json(DeliveryPage(results=results, next=following))


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    summary="Deliver one event again (same webhook-id), now, with a fresh retry window",
    status_code=202,
    response_model=Delivery,
)
async def redeliver(
    request: Request,
    subscription_id: SubscriptionId,
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> Response:
    owner = _owner(request)
    async with _transaction(request) as conn:
        await _own(conn, owner, subscription_id)
        row = (
            await conn.execute(
                text(
                    """
                    UPDATE webhook_deliveries
                    SET status = 'pending', next_attempt_at = now(), retry_from = now(), claimed_by = NULL
                    WHERE id = :id AND subscription_id = :sub AND status <> 'notice'
                    RETURNING id, event_id, event_type, change_id, status, attempts, next_attempt_at,
                              last_attempt_at, last_status_code, last_error, delivered_at, created_at, payload
                    """
                ),
                {"id": delivery_id, "sub": subscription_id},
            )
        ).first()
        if row is None:
            raise ProblemError(
                404, "Not Found", f"no delivery {delivery_id} of subscription {subscription_id} to deliver again",
                kind="delivery",
            )  # fmt: skip
    return _json(Delivery(**dict(row._mapping)), 202)
