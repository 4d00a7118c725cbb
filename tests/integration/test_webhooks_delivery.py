"""The notifier as real processes against real PostgreSQL, the api and HTTP receivers that verify every delivery with
``standardwebhooks.Webhook(secret).verify``: an import that changes a followed person gives exactly the expected
events to each subscription; a receiver down for a while gets its events after retries; a receiver that keeps failing
gets its subscription disabled (the reason in its delivery log); a redirect is not followed; a 10 s-slow receiver does
not delay another subscription; SIGTERM lets deliveries in flight finish and exits 0; two replicas deliver no event
twice; replicas killed with ``kill -9`` mid-delivery and a restart → every event delivered at least once, duplicates
with the same ``webhook-id``."""

from __future__ import annotations

import copy
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from tests.support import start_api
from tests.support.ingest import query, run
from tests.support.webhooks import (
    POPOLO_BASE,
    SECRETS_KEY,
    Behaviour,
    Receiver,
    create_key,
    person_id,
    receiver,
    start_notifier,
    subscribe,
    webhook_database,
    write_popolo,
)

CANADA = "ocd-jurisdiction/country:ca/legislature"
API_ENV = {"WEBHOOK_SECRETS_KEY": SECRETS_KEY, "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"}


def with_extra_people(n: int) -> dict[str, Any]:
    doc = copy.deepcopy(POPOLO_BASE)
    for i in range(n):
        doc["persons"].append({"id": f"x{i}", "name": f"Extra Member {i:03d}"})
        doc["memberships"].append({"person_id": f"x{i}", "organization_id": "leg", "start_date": "2021-01-01"})
    return doc


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line == name:
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")


def events_at(rx: Receiver, path: str) -> list[tuple[str, str]]:
    """(event type, entity id) of each delivery at ``path``; each verified with the subscription's secret."""
    out = []
    for r in rx.at(path):
        assert r.error is None and r.verified is not None, (path, r.error)
        out.append((r.verified["type"], r.verified["data"]["entity_id"]))
    return out


def test_followed_person_retries_disabling_redirects_slow_receivers_and_sigterm(tmp_path: Path) -> None:
    with webhook_database() as url, receiver() as rx:
        doc = with_extra_people(6)
        popolo = write_popolo(tmp_path / "popolo", doc)
        run(url, "popolo", str(popolo), jurisdiction="ca")
        alice, bob = person_id(url, "Alice Able"), person_id(url, "Bob Baker")
        api, base = start_api(url, tmp_path, extra_env=API_ENV)
        try:
            key = create_key(url)
            auth = {"X-API-Key": key}
            subs = {
                "/alice": subscribe(base, key, rx, "/alice", person_id=alice),
                "/ended": subscribe(base, key, rx, "/ended", event_types=["membership.ended"]),
                "/search": subscribe(base, key, rx, "/search", query="Baker"),
                "/canada": subscribe(base, key, rx, "/canada", jurisdiction_id=CANADA, event_types=["person.updated"]),
                "/paused": subscribe(base, key, rx, "/paused"),
                "/down": subscribe(base, key, rx, "/down", person_id=bob),
                "/dead": subscribe(base, key, rx, "/dead", person_id=alice, event_types=["person.updated"]),
                "/moved": subscribe(base, key, rx, "/moved", event_types=["membership.ended"]),
                "/slow": subscribe(base, key, rx, "/slow"),
                "/fast": subscribe(base, key, rx, "/fast"),
            }
            assert httpx.post(f"{base}/v1/subscriptions/{subs['/paused']['id']}/pause", headers=auth).status_code == 200
            rx.behaviours["/down"] = Behaviour(fail_first=2)
            rx.behaviours["/dead"] = Behaviour(status=500)
            rx.behaviours["/moved"] = Behaviour(status=302, location=rx.url("/internal"))
            rx.behaviours["/slow"] = Behaviour(delay=10.0)
            notifier, nbase = start_notifier(
                url,
                tmp_path,
                WEBHOOK_TIMEOUT_SECONDS="12",
                WEBHOOK_DISABLE_AFTER_FAILURES="4",
                WEBHOOK_DISABLE_AFTER_SECONDS="0",
            )
            try:
                changed = copy.deepcopy(doc)
                changed["persons"][0]["name"] = "Alice Able-Smith"  # p1
                changed["persons"][1]["name"] = "Bob Baker Jr"  # p2
                changed["memberships"][3]["end_date"] = "2024-06-30"  # Alice leaves the Blue Party
                for person in changed["persons"][3:]:
                    person["name"] += " (Renamed)"  # six more person.updated
                run(url, "popolo", str(write_popolo(tmp_path / "popolo", changed)), jurisdiction="ca")
                imported = time.monotonic()
                blue = query(
                    url,
                    "SELECT m.id FROM memberships m JOIN organizations o ON o.id = m.organization_id "
                    "WHERE o.name = 'Blue Party'",
                )[0]["id"]
                everything = 8 + 1  # 8 person.updated, 1 membership.ended

                # a slow receiver (10 s a delivery) holds only its own slots: the other subscription is served now
                rx.wait_for(lambda: len(rx.at("/fast")) == everything, 8, "every event at /fast")
                assert time.monotonic() - imported < 8
                assert 1 <= len(rx.at("/slow")) <= 4  # at most WEBHOOK_PER_SUBSCRIPTION_CONCURRENCY in flight
                rx.wait_for(lambda: len(rx.at("/down")) >= 3, 8, "the third attempt at /down")
                rx.wait_for(
                    lambda: (
                        query(url, "SELECT status FROM webhook_subscriptions WHERE id = $1", subs["/dead"]["id"])[0][
                            "status"
                        ]
                        == "disabled"
                    ),
                    8,
                    "/dead disabled",
                )

                # exactly the expected events, each verified with its subscription's secret
                assert sorted(events_at(rx, "/alice")) == [("membership.ended", blue), ("person.updated", alice)]
                assert events_at(rx, "/ended") == [("membership.ended", blue)]
                assert events_at(rx, "/search") == [("person.updated", bob)]
                renamed = [
                    new["name"] for old, new in zip(doc["persons"], changed["persons"], strict=True) if old != new
                ]
                assert sorted(events_at(rx, "/canada")) == sorted(
                    ("person.updated", person_id(url, n)) for n in renamed
                )
                assert len(renamed) == 8
                assert rx.at("/paused") == []
                fast = rx.at("/fast")
                assert Counter(r.verified["type"] for r in fast) == {"person.updated": 8, "membership.ended": 1}
                assert len({r.headers["webhook-id"] for r in fast}) == everything
                stored = {
                    r["event_id"]: r["payload"]
                    for r in query(
                        url, "SELECT event_id, payload::text FROM webhook_deliveries WHERE subscription_id = $1",
                        subs["/fast"]["id"],
                    )
                }  # fmt: skip
                assert {r.headers["webhook-id"]: r.body.decode() for r in fast} == stored

                # a receiver down for a while: retries, then delivered (one event, three attempts)
                assert events_at(rx, "/down") == [("person.updated", bob)] * 3
                [down] = httpx.get(f"{base}/v1/subscriptions/{subs['/down']['id']}/deliveries", headers=auth).json()[
                    "results"
                ]
                # the log counts every try, also one that failed before reaching the receiver (a connect error
                # under load): at least the three the receiver saw
                assert (down["status"], down["last_status_code"]) == ("delivered", 200) and down["attempts"] >= 3
                assert len({r.headers["webhook-id"] for r in rx.at("/down")}) == 1  # the same webhook-id each time
                gaps = [b.at - a.at for a, b in zip(rx.at("/down"), rx.at("/down")[1:], strict=False)]
                assert all(gap >= 0.1 for gap in gaps), gaps  # backed off (base 0.3 s, equal jitter)

                # a receiver that keeps failing: disabled after 4 failed attempts, the reason in its delivery log
                dead = httpx.get(f"{base}/v1/subscriptions/{subs['/dead']['id']}", headers=auth).json()
                assert dead["status"] == "disabled" and "4 failed attempts" in dead["disabled_reason"]
                log = httpx.get(f"{base}/v1/subscriptions/{subs['/dead']['id']}/deliveries", headers=auth).json()
                notice, failed = log["results"]
                assert notice["status"] == "notice" and notice["event_type"] == "subscription.disabled"
                assert (
                    "HTTP 500" in notice["last_error"]
                    and notice["payload"]["data"]["reason"] == dead["disabled_reason"]
                )
                assert (failed["status"], failed["attempts"], failed["last_status_code"]) == ("pending", 4, 500)
                # the receiver saw the tries that reached it: all four, or three when one failed before reaching it
                # (a connect error under load, counted by the log as an attempt all the same)
                assert 3 <= len(rx.at("/dead")) <= 4

                # a redirect is not followed (the delivery log says so), its target never reached
                moved_log = f"{base}/v1/subscriptions/{subs['/moved']['id']}/deliveries?status=pending"
                [moved] = httpx.get(moved_log, headers=auth).json()["results"]
                assert moved["last_status_code"] == 302 and "redirects are not followed" in moved["last_error"]
                assert rx.at("/internal") == []

                metrics = httpx.get(f"{nbase}/metrics").text
                assert metric(metrics, 'openpolicy_webhook_deliveries_total{outcome="delivered"}') >= 2 * everything
                assert metric(metrics, 'openpolicy_webhook_deliveries_total{outcome="retry"}') >= 4
                assert metric(metrics, 'openpolicy_webhook_deliveries_total{outcome="disabled"}') >= 1
                assert metric(metrics, 'openpolicy_webhook_delivery_failures_total{reason="http_5xx"}') >= 5
                assert metric(metrics, "openpolicy_webhook_delivery_lag_seconds_count") >= 2 * everything
                assert metric(metrics, "openpolicy_notifier_cursor_lag_events") == 0
                assert metric(metrics, "openpolicy_webhook_pending_deliveries") >= everything - 4  # /slow's wait

                # SIGTERM with /slow's deliveries in flight: they finish, nothing more is claimed, exit 0
                in_flight = len(rx.at("/slow"))
                stopped = time.monotonic()
                assert notifier.stop(signal.SIGTERM, timeout=30) == 0, notifier.logs()
                assert time.monotonic() - stopped < 14
                slow = query(
                    url,
                    "SELECT status, count(*), bool_or(claimed_by IS NOT NULL) FROM webhook_deliveries "
                    "WHERE subscription_id = $1 GROUP BY status",
                    subs["/slow"]["id"],
                )
                by_status = {r[0]: (r[1], r[2]) for r in slow}
                assert by_status["delivered"][0] == in_flight == len(rx.at("/slow"))
                assert by_status["pending"] == (everything - in_flight, False)
            finally:
                notifier.stop()
        finally:
            api.stop()


def test_replicas_share_work_and_survive_kill_9(tmp_path: Path) -> None:
    with webhook_database() as url, receiver() as rx:
        doc = with_extra_people(40)
        run(url, "popolo", str(write_popolo(tmp_path / "popolo", doc)), jurisdiction="ca")
        api, base = start_api(url, tmp_path, extra_env=API_ENV)
        try:
            key = create_key(url)
            paths = ["/a", "/b", "/c"]
            for path in paths:
                subscribe(base, key, rx, path, event_types=["person.updated"])
        finally:
            api.stop()
        people = len(doc["persons"])
        one, one_base = start_notifier(url, tmp_path, WEBHOOK_TIMEOUT_SECONDS="5")  # lease: 10 s
        two, two_base = start_notifier(url, tmp_path, WEBHOOK_TIMEOUT_SECONDS="5")
        try:
            # two replicas: every delivery made once, by one of them
            for person in doc["persons"]:
                person["name"] += " I"
            run(url, "popolo", str(write_popolo(tmp_path / "popolo", doc)), jurisdiction="ca")
            rx.wait_for(lambda: len(rx.received) >= 3 * people, 30, "every event at every receiver")
            time.sleep(1.0)  # anything delivered twice would arrive now
            for path in paths:
                ids = Counter(r.headers["webhook-id"] for r in rx.at(path))
                assert len(ids) == people and set(ids.values()) == {1}, (path, ids.most_common(3))
                assert all(r.error is None for r in rx.at(path))
            made = [
                metric(httpx.get(f"{b}/metrics").text, 'openpolicy_webhook_deliveries_total{outcome="delivered"}')
                for b in (one_base, two_base)
            ]
            assert sum(made) == 3 * people and min(made) > 0, made  # both replicas delivered

            # both replicas killed mid-delivery, then one restarted: every event at least once
            with rx.lock:
                rx.received.clear()
            rx.behaviours["/a"] = Behaviour(delay=3.0)  # each delivery to /a is in flight for 3 s
            for person in doc["persons"]:
                person["name"] += "I"
            run(url, "popolo", str(write_popolo(tmp_path / "popolo", doc)), jurisdiction="ca")
            rx.wait_for(lambda: len(rx.at("/a")) >= 4, 20, "deliveries in flight at /a")
            one.stop(signal.SIGKILL)
            two.stop(signal.SIGKILL)
            before = Counter(r.headers["webhook-id"] for r in rx.at("/a"))
            rx.behaviours["/a"] = Behaviour()
            three, _ = start_notifier(url, tmp_path, WEBHOOK_TIMEOUT_SECONDS="5")
            try:
                rx.wait_for(
                    lambda: (
                        query(url, "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")[0][0] == 0
                    ),
                    60,
                    "every delivery made after the restart (those in flight at the kill: once their lease ended)",
                )
            finally:
                assert three.stop() == 0
            for path in paths:
                deliveries = rx.at(path)
                assert all(r.error is None for r in deliveries)
                bodies: dict[str, set[bytes]] = {}
                for r in deliveries:
                    bodies.setdefault(r.headers["webhook-id"], set()).add(r.body)
                assert len(bodies) == people and all(len(b) == 1 for b in bodies.values())  # a duplicate is the same
            again = Counter(r.headers["webhook-id"] for r in rx.at("/a"))
            duplicated = [i for i, n in again.items() if n > 1]
            assert duplicated and set(duplicated) <= set(before), (duplicated, before)  # those in flight at the kill
            assert query(url, "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")[0][0] == 0
        finally:
            one.stop(signal.SIGKILL)
            two.stop(signal.SIGKILL)
