"""The notifier's work: fan the change feed out to subscriptions, deliver, retry, disable.

**Fan-out** (one replica at a time: the cursor row is taken ``FOR UPDATE SKIP LOCKED``): read ``change_log``
after the cursor, turn each change into events (:mod:`.events`), write one ``webhook_deliveries`` row per
matching active subscription of an unrevoked API key (``ON CONFLICT DO NOTHING`` on (subscription, event)) and
advance the cursor, all in one transaction — a crash before the commit leaves both unchanged. Imports write the
change log one at a time, each in one transaction, so the cursor never passes an uncommitted change.

**Delivery** (every replica): claim due pending rows — per active subscription at most
``WEBHOOK_PER_SUBSCRIPTION_CONCURRENCY`` less those already in flight here, in all at most the free slots of
``WEBHOOK_CONCURRENCY`` — with ``FOR UPDATE SKIP LOCKED``, and in the same statement push their
``next_attempt_at`` forward by a lease (timeout + :data:`LEASE_MARGIN_SECONDS`) and count the attempt. No other
replica claims a row until its lease ends, so an event is not delivered twice on purpose; a replica that dies
mid-delivery (``kill -9``) loses its claims, which come back when their lease ends and are delivered again with
the same ``webhook-id`` (at least once). Results are written back only if the row is still at the attempt this
replica made.

**Retries**: a failed attempt is retried after ``WEBHOOK_RETRY_BASE_SECONDS`` × 2^(attempt−1), capped at
``WEBHOOK_RETRY_MAX_DELAY_SECONDS``, with equal jitter (half fixed, half random); a delivery whose next
attempt would fall beyond ``WEBHOOK_RETRY_WINDOW_SECONDS`` after its ``retry_from`` is given up (``failed``).
Every failed attempt lengthens its subscription's failure streak, every success ends it; a streak of at least
``WEBHOOK_DISABLE_AFTER_FAILURES`` attempts lasting ``WEBHOOK_DISABLE_AFTER_SECONDS`` disables the subscription
and writes a ``notice`` row (``subscription.disabled`` with the reason) into its delivery log.

**Stopping** (:meth:`Notifier.stop`, on SIGTERM): no more claims or fan-out; deliveries in flight get their
timeout to finish; any still running after that is cancelled and its claim released (due again at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, Final

import asyncpg
import orjson

from openpolicy.config import Settings
from openpolicy.notify import metrics
from openpolicy.notify.deliver import Outcome, Sender, sign
from openpolicy.notify.events import ENTITY_PATHS, NEEDS_PREVIOUS, Change, Event, Filters, events_of
from openpolicy.notify.secrets import SealedSecretInvalid, SecretBox
from openpolicy.notify.targets import Resolver, system_resolver
from openpolicy.observability.logging import RateLimitedLog, get_logger

CURSOR_NAME: Final = "change_log"
FANOUT_BATCH: Final = 500  # change rows per fan-out transaction
LEASE_MARGIN_SECONDS: Final = 5.0
CLAIM_GATHER_SECONDS: Final = 0.01
CURSOR_LAG_CAP: Final = 1_000_000  # the cursor lag gauge counts at most this many rows
SEARCH_CONFIG: Final = "openpolicy_english"  # full-text configuration of saved searches (revision 0009)
_log = get_logger("openpolicy.notify")


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before the attempt after ``attempt`` (1 = the first attempt failed): exponential, equal jitter."""
    delay = min(cap, base * (2 ** min(attempt - 1, 62)))
    return float(delay / 2 + (rng or random).uniform(0, delay / 2))


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Notifier:
    """Fan-out and delivery loops of one notifier process (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        dsn: str,
        *,
        replica: str | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.settings = settings
        self.dsn = dsn
        self.replica = replica or replica_name()
        self.box = SecretBox.from_settings(settings)
        self.sender = Sender(
            timeout=settings.webhook_timeout_seconds,
            allow_private=settings.webhook_allow_private_targets,
            resolver=resolver,
            connections_per_pool=settings.webhook_per_subscription_concurrency,  # one pool per subscription
        )
        self.lease = settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS
        self.pool: asyncpg.Pool | None = None
        self.in_flight: dict[int, tuple[asyncio.Task[None], int, int]] = {}  # delivery id → (task, sub id, attempt)
        self.per_subscription: Counter[int] = Counter()
        self._stopping = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._failing = RateLimitedLog(_log, interval=30.0)
        self.running = False

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        size = min(self.settings.webhook_concurrency, 8) + 2
        self.pool = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=size, command_timeout=30, server_settings={"application_name": "notifier"}
        )

    def stop(self) -> None:
        self._stopping.set()
        self._slot_freed.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(self) -> None:
        """Run until :meth:`stop`, then drain (module docstring); the pool is closed on return."""
        if self.pool is None:
            await self.start()
        self.running = True
        loops = [asyncio.create_task(self._fanout_loop()), asyncio.create_task(self._delivery_loop())]
        try:
            await self._stopping.wait()
        finally:
            self.running = False
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await self._drain()
            await self.sender.aclose()
            if self.pool is not None:
                await self.pool.close()

    async def _drain(self) -> None:
        tasks = [task for task, _, _ in self.in_flight.values()]
        if tasks:
            _log.info("finishing deliveries in flight", count=len(tasks))
            await asyncio.wait(tasks, timeout=self.settings.webhook_timeout_seconds + 1)
        left = dict(self.in_flight)
        for task, _, _ in left.values():
            task.cancel()
        if left:
            await asyncio.gather(*(task for task, _, _ in left.values()), return_exceptions=True)
            assert self.pool is not None
            await self.pool.execute(
                "UPDATE webhook_deliveries SET next_attempt_at = now(), claimed_by = NULL, attempts = attempts - 1 "
                "WHERE id = ANY($1::bigint[]) AND claimed_by = $2 AND status = 'pending'",
                list(left),
                self.replica,
            )
            _log.info("released deliveries in flight", count=len(left))

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    # --- fan-out ---------------------------------------------------------------------------------
    async def _fanout_loop(self) -> None:
        while not self.stopping:
            try:
                done = await self.fan_out_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self._failing.warning("fan-out failed; retrying", error=f"{type(exc).__name__}: {exc}"[:300])
                done = 0
            if done < FANOUT_BATCH:
                await self._sleep(self.settings.notifier_poll_seconds)

    async def fan_out_once(self) -> int:
        """One fan-out transaction; the number of change rows it moved the cursor over (0: none, or another
        replica holds the cursor)."""
        assert self.pool is not None
        async with self.pool.acquire() as conn, conn.transaction():
            position = await conn.fetchval(
                "SELECT position FROM webhook_notifier_cursor WHERE name = $1 FOR UPDATE SKIP LOCKED", CURSOR_NAME
            )
            if position is None:
                if await conn.fetchval("SELECT true FROM webhook_notifier_cursor WHERE name = $1", CURSOR_NAME):
                    return 0  # another replica holds it (a plain read never waits for its lock)
                position = await conn.fetchval(
                    """
                    INSERT INTO webhook_notifier_cursor (name, position)
                    SELECT $1, least((SELECT coalesce(max(id), 0) FROM change_log),
                                     (SELECT min(start_change_id) FROM webhook_subscriptions))
                    ON CONFLICT (name) DO NOTHING RETURNING position
                    """,
                    CURSOR_NAME,
                )
                if position is None:
                    return 0  # another replica made it just now
            subscriptions = await conn.fetch(
                "SELECT s.id, s.start_change_id, s.event_types, s.person_id, s.bill_id, s.jurisdiction_id, s.query "
                "FROM webhook_subscriptions s JOIN api_keys k ON k.id = s.api_key_id AND k.revoked_at IS NULL "
                "WHERE s.status = 'active'"
            )
            if not subscriptions:
                last = await conn.fetchval(
                    "SELECT max(id) FROM (SELECT id FROM change_log WHERE id > $1 ORDER BY id LIMIT $2) s",
                    position,
                    FANOUT_BATCH * 20,
                )
                if last is None:
                    return 0
                await conn.execute(
                    "UPDATE webhook_notifier_cursor SET position = $2 WHERE name = $1", CURSOR_NAME, last
                )
                return int(last - position)
            rows = await conn.fetch(
                """
                SELECT id, changed_at, entity_type, entity_id, operation,
                       CASE WHEN entity_type = ANY($3::text[]) THEN data::text END AS data
                FROM change_log WHERE id > $1 ORDER BY id LIMIT $2
                """,
                position,
                FANOUT_BATCH,
                list(ENTITY_PATHS),
            )
            if not rows:
                return 0
            changes = [
                Change(
                    r["id"],
                    r["changed_at"],
                    r["entity_type"],
                    r["entity_id"],
                    r["operation"],
                    orjson.loads(r["data"]) if r["data"] is not None else None,
                )
                for r in rows
                if r["entity_type"] in ENTITY_PATHS
            ]
            await self._previous_images(conn, changes)
            wants_jurisdiction = any(s["jurisdiction_id"] for s in subscriptions)
            jurisdictions = await self._jurisdictions(conn, changes) if wants_jurisdiction else {}
            events: list[Event] = []
            for change in changes:
                events.extend(events_of(change, lambda c: jurisdictions.get((c.entity_type, c.entity_id), ())))
            deliveries = await self._match(conn, events, subscriptions)
            if deliveries:
                await conn.execute(
                    """
                    INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, change_id, payload,
                                                    committed_at)
                    SELECT s, e, t, c, p::jsonb, at
                    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[])
                         AS d(s, e, t, c, p, at)
                    ON CONFLICT (subscription_id, event_id) DO NOTHING
                    """,
                    [sub for sub, _ in deliveries],
                    [ev.id for _, ev in deliveries],
                    [ev.type for _, ev in deliveries],
                    [ev.change_id for _, ev in deliveries],
                    [orjson.dumps(ev.payload, default=str).decode() for _, ev in deliveries],
                    [ev.committed_at for _, ev in deliveries],
                )
            last = int(rows[-1]["id"])
            await conn.execute("UPDATE webhook_notifier_cursor SET position = $2 WHERE name = $1", CURSOR_NAME, last)
        if deliveries:
            self._slot_freed.set()  # wake the delivery loop
        return len(rows)

    async def _previous_images(self, conn: Any, changes: list[Change]) -> None:
        wanted = [
            c
            for c in changes
            if c.operation == "delete" or (c.entity_type in NEEDS_PREVIOUS and c.operation == "update")
        ]
        if not wanted:
            return
        found = await conn.fetch(
            """
            SELECT u.id, p.data::text AS data
            FROM unnest($1::bigint[], $2::text[]) AS u(id, entity_id)
            JOIN LATERAL (SELECT data FROM change_log p WHERE p.entity_id = u.entity_id AND p.id < u.id
                          ORDER BY p.id DESC LIMIT 1) p ON true
            """,
            [c.id for c in wanted],
            [c.entity_id for c in wanted],
        )
        images = {r["id"]: r["data"] for r in found}
        for change in wanted:
            raw = images.get(change.id)
            change.previous = orjson.loads(raw) if raw is not None else None

    async def _jurisdictions(self, conn: Any, changes: list[Change]) -> dict[tuple[str, str], list[str]]:
        """Jurisdictions of the batch's people (through their memberships' organizations), memberships and
        organizations, from the database now."""
        out: dict[tuple[str, str], list[str]] = {}
        people = [c.entity_id for c in changes if c.entity_type == "person"]
        if people:
            for r in await conn.fetch(
                "SELECT DISTINCT m.person_id, o.jurisdiction_id FROM memberships m "
                "JOIN organizations o ON o.id = m.organization_id "
                "WHERE m.person_id = ANY($1::text[]) AND o.jurisdiction_id IS NOT NULL",
                people,
            ):
                out.setdefault(("person", r["person_id"]), []).append(r["jurisdiction_id"])
        organizations: dict[str, list[tuple[str, str]]] = {}
        for c in changes:
            image = c.data or c.previous or {}
            if c.entity_type == "membership" and image.get("organization_id"):
                organizations.setdefault(image["organization_id"], []).append(("membership", c.entity_id))
            elif c.entity_type == "organization":
                organizations.setdefault(c.entity_id, []).append(("organization", c.entity_id))
        if organizations:
            for r in await conn.fetch(
                "SELECT id, jurisdiction_id FROM organizations WHERE id = ANY($1::text[]) "
                "AND jurisdiction_id IS NOT NULL",
                list(organizations),
            ):
                for key in organizations[r["id"]]:
                    out.setdefault(key, []).append(r["jurisdiction_id"])
        return out

    async def _match(self, conn: Any, events: list[Event], subscriptions: Iterable[Any]) -> list[tuple[int, Event]]:
        """(subscription id, event) for every event a subscription asks for; saved searches are matched by
        PostgreSQL's full-text search (websearch syntax), the same configuration the api searches with."""
        matched: list[tuple[int, Event]] = []
        searches: list[tuple[int, Event, str]] = []
        for sub in subscriptions:
            filters = Filters(
                frozenset(sub["event_types"] or ()), sub["person_id"], sub["bill_id"], sub["jurisdiction_id"]
            )
            for event in events:
                if event.change_id <= sub["start_change_id"] or not filters.matches(event):
                    continue
                if sub["query"]:
                    searches.append((sub["id"], event, sub["query"]))
                else:
                    matched.append((sub["id"], event))
        if searches:
            hits = await conn.fetch(
                f"""
                SELECT k FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c(body, q, k)
                WHERE to_tsvector('{SEARCH_CONFIG}', c.body) @@ websearch_to_tsquery('{SEARCH_CONFIG}', c.q)
                """,  # noqa: S608 - a module constant
                [event.text for _, event, _ in searches],
                [q for _, _, q in searches],
            )
            for r in hits:
                sub_id, event, _ = searches[r["k"] - 1]
                matched.append((sub_id, event))
        return matched

    # --- delivery --------------------------------------------------------------------------------
    async def _delivery_loop(self) -> None:
        limit = self.settings.webhook_concurrency
        while not self.stopping:
            free = limit - len(self.in_flight)
            claimed = 0
            if free > 0:
                try:
                    claimed = await self.claim_and_start(free)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    self._failing.warning(
                        "claiming deliveries failed; retrying", error=f"{type(exc).__name__}: {exc}"[:300]
                    )
            if claimed < free or len(self.in_flight) >= limit:  # nothing more is due, or no slot is free
                self._slot_freed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._slot_freed.wait(), timeout=self.settings.notifier_poll_seconds)
                if self.in_flight:
                    await asyncio.sleep(CLAIM_GATHER_SECONDS)  # let a few more finish: one claim for several slots

    async def claim_and_start(self, free: int) -> int:
        assert self.pool is not None
        busy = [(sub, n) for sub, n in self.per_subscription.items() if n > 0]
        rows = await self.pool.fetch(
            """
            WITH c AS (
                SELECT d.id FROM webhook_subscriptions s
                JOIN api_keys k ON k.id = s.api_key_id AND k.revoked_at IS NULL
                LEFT JOIN unnest($2::bigint[], $3::int[]) AS b(sub, busy) ON b.sub = s.id
                CROSS JOIN LATERAL (
                    SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
                    WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_at <= now()
                    ORDER BY d.next_attempt_at, d.id
                    LIMIT greatest(0, $4 - coalesce(b.busy, 0))
                    FOR UPDATE OF d SKIP LOCKED
                ) d
                WHERE s.status = 'active'
                ORDER BY d.next_attempt_at, d.id
                LIMIT $1
            )
            UPDATE webhook_deliveries d
            SET next_attempt_at = now() + make_interval(secs => $5), claimed_by = $6, attempts = d.attempts + 1,
                last_attempt_at = now()
            FROM c, webhook_subscriptions s
            WHERE d.id = c.id AND s.id = d.subscription_id
            RETURNING d.id, d.subscription_id, d.event_id, d.payload::text AS payload, d.attempts, d.retry_from,
                      d.committed_at, d.delivered_at, s.url, s.secret_encrypted, s.previous_secret_encrypted,
                      s.previous_secret_expires_at
            """,
            free,
            [sub for sub, _ in busy],
            [n for _, n in busy],
            self.settings.webhook_per_subscription_concurrency,
            self.lease,
            self.replica,
        )
        for row in rows:
            sub = int(row["subscription_id"])
            task = asyncio.create_task(self._deliver(row))
            self.in_flight[int(row["id"])] = (task, sub, int(row["attempts"]))
            self.per_subscription[sub] += 1
            task.add_done_callback(self._done_callback(int(row["id"]), sub))
        return len(rows)

    def _done_callback(self, delivery_id: int, subscription_id: int) -> Callable[[asyncio.Task[None]], None]:
        return lambda _task: self._done(delivery_id, subscription_id)

    def _done(self, delivery_id: int, subscription_id: int) -> None:
        self.in_flight.pop(delivery_id, None)
        self.per_subscription[subscription_id] -= 1
        if self.per_subscription[subscription_id] <= 0:
            del self.per_subscription[subscription_id]
        self._slot_freed.set()

    def _secrets(self, row: Any) -> list[str]:
        sub = int(row["subscription_id"])
        secrets = [self.box.open(sub, row["secret_encrypted"])]
        expires = row["previous_secret_expires_at"]
        if row["previous_secret_encrypted"] is not None and expires is not None and expires > dt.datetime.now(dt.UTC):
            # one sealed under an earlier WEBHOOK_SECRETS_KEY does not open: the current secret signs alone
            with contextlib.suppress(SealedSecretInvalid):
                secrets.append(self.box.open(sub, row["previous_secret_encrypted"]))
        return secrets

    async def _deliver(self, row: Any) -> None:
        body = row["payload"].encode()
        try:
            headers = sign(self._secrets(row), row["event_id"], dt.datetime.now(dt.UTC), body)
        except ValueError as exc:  # a secret that does not open: nothing can be signed
            outcome = Outcome(False, None, "other", f"cannot sign: {exc}")
        else:
            outcome = await self.sender.send(row["url"], headers, body, pool=str(row["subscription_id"]))
        try:
            await self._record(row, outcome)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # The lease ends and the delivery is made again (at least once).
            self._failing.warning("could not record a delivery", error=f"{type(exc).__name__}: {exc}"[:300])

    async def _record(self, row: Any, outcome: Outcome) -> None:
        assert self.pool is not None
        delivery, sub, attempt = int(row["id"]), int(row["subscription_id"]), int(row["attempts"])
        async with self.pool.acquire() as conn, conn.transaction():
            if outcome.ok:
                updated = await conn.fetchval(
                    "UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status_code = $3, "
                    "last_error = NULL, claimed_by = NULL WHERE id = $1 AND attempts = $2 AND status = 'pending' "
                    "RETURNING now() - committed_at",
                    delivery,
                    attempt,
                    outcome.status_code,
                )
                await conn.execute(
                    "UPDATE webhook_subscriptions SET failure_streak = 0, failing_since = NULL "
                    "WHERE id = $1 AND failure_streak <> 0",
                    sub,
                )
                metrics.DELIVERIES.labels("delivered").inc()
                if updated is not None and row["delivered_at"] is None:
                    metrics.LAG.observe(max(0.0, updated.total_seconds()))
                return
            metrics.FAILURES.labels(outcome.reason or "other").inc()
            s = self.settings
            delay = backoff_seconds(attempt, s.webhook_retry_base_seconds, s.webhook_retry_max_delay_seconds)
            give_up = await conn.fetchval(
                """
                UPDATE webhook_deliveries
                SET status = CASE WHEN now() + make_interval(secs => $3) > retry_from + make_interval(secs => $4)
                                  THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = now() + make_interval(secs => $3),
                    last_status_code = $5, last_error = $6, claimed_by = NULL
                WHERE id = $1 AND attempts = $2 AND status = 'pending'
                RETURNING status = 'failed'
                """,
                delivery,
                attempt,
                delay,
                s.webhook_retry_window_seconds,
                outcome.status_code,
                outcome.error,
            )
            streak = await conn.fetchrow(
                "UPDATE webhook_subscriptions SET failure_streak = failure_streak + 1, "
                "failing_since = coalesce(failing_since, now()) WHERE id = $1 "
                "RETURNING failure_streak, now() - failing_since AS failing_for, status",
                sub,
            )
            disabled = False
            if (
                streak is not None
                and streak["status"] == "active"
                and streak["failure_streak"] >= s.webhook_disable_after_failures
                and streak["failing_for"].total_seconds() >= s.webhook_disable_after_seconds
            ):
                reason = (
                    f"disabled after {streak['failure_streak']} failed attempts in a row over "
                    f"{streak['failing_for'].total_seconds() / 3600:.1f} h; last: {outcome.error}"
                )
                disabled = bool(
                    await conn.fetchval(
                        "UPDATE webhook_subscriptions SET status = 'disabled', disabled_reason = $2 "
                        "WHERE id = $1 AND status = 'active' RETURNING true",
                        sub,
                        reason,
                    )
                )
                if disabled:
                    await conn.execute(
                        """
                        INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, payload, status,
                                                        last_error, next_attempt_at)
                        VALUES ($1, $2, 'subscription.disabled', $3::jsonb, 'notice', $4, now())
                        """,
                        sub,
                        f"notice_{uuid.uuid4().hex}",
                        orjson.dumps(
                            {
                                "type": "subscription.disabled",
                                "timestamp": dt.datetime.now(dt.UTC).isoformat(),
                                "data": {"subscription_id": sub, "reason": reason},
                            }
                        ).decode(),
                        reason,
                    )
                    _log.warning("webhook subscription disabled", subscription_id=sub, reason=reason[:300])
        if disabled:
            metrics.DELIVERIES.labels("disabled").inc()
        elif give_up:
            metrics.DELIVERIES.labels("failed").inc()
        else:
            metrics.DELIVERIES.labels("retry").inc()

    # --- gauges ----------------------------------------------------------------------------------
    async def refresh_gauges(self) -> None:
        """Pending deliveries and the cursor's lag, from the database (run on every /metrics scrape)."""
        assert self.pool is not None
        row = await self.pool.fetchrow(
            f"""
            SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending,
                   (SELECT count(*) FROM (SELECT 1 FROM change_log
                                          WHERE id > coalesce((SELECT position FROM webhook_notifier_cursor
                                                               WHERE name = $1), 0)
                                          LIMIT {CURSOR_LAG_CAP}) s) AS lag
            """,  # noqa: S608 - a module constant
            CURSOR_NAME,
        )
        metrics.PENDING.set(row["pending"])
        metrics.CURSOR_LAG.set(row["lag"])

    async def ready(self) -> bool:
        """The database answers and the loops run."""
        if not self.running or self.stopping or self.pool is None:
            return False
        try:
            await asyncio.wait_for(self.pool.fetchval("SELECT 1"), timeout=2.0)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False
        return True
