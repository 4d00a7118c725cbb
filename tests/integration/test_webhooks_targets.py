"""Webhook targets, signing and events in-process, with real HTTP receivers on loopback: SSRF refusals at delivery
(after resolution, against rebinding; redirects not followed), the connection made to the checked address, the
Standard Webhooks headers, secrets sealed at rest, backoff, and how change rows become events."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import random
from typing import Any

import pytest
from standardwebhooks import Webhook
from tests.support.webhooks import Behaviour, receiver

from openpolicy.notify.deliver import Sender, sign
from openpolicy.notify.events import EVENT_TYPES, Change, Filters, events_of
from openpolicy.notify.secrets import SealedSecretInvalid, SecretBox, SecretsKeyMissing, new_secret
from openpolicy.notify.targets import TargetRefused, check_target, parse_target, refusal, resolve_target
from openpolicy.notify.worker import backoff_seconds

NOW = dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC)


def fixed(*addresses: str) -> Any:
    async def resolver(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolver


def test_refusal_of_every_non_public_range() -> None:
    refused = [
        "127.0.0.1", "127.255.255.254", "::1", "10.0.0.1", "10.200.3.4", "172.16.0.1", "192.168.0.1",
        "169.254.169.254", "fe80::1", "fc00::1", "fd12::1", "224.0.0.1", "ff02::1", "0.0.0.0", "::",
        "100.64.0.1", "192.0.2.1", "198.51.100.7", "203.0.113.9", "240.0.0.1", "255.255.255.255",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "2002:a00:1::",
    ]  # fmt: skip
    for text in refused:
        assert refusal(ipaddress.ip_address(text)) is not None, text
    for text in ["1.1.1.1", "8.8.4.4", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"]:
        assert refusal(ipaddress.ip_address(text)) is None, text


def test_a_name_is_refused_when_any_of_its_addresses_is_internal() -> None:
    target = parse_target("https://hooks.example.org/x", allow_private=False)
    assert asyncio.run(resolve_target(target, allow_private=False, resolver=fixed("1.1.1.1"))) == [
        ipaddress.ip_address("1.1.1.1")
    ]
    for answer in (["1.1.1.1", "10.0.0.7"], ["169.254.169.254"], ["::1"]):
        with pytest.raises(TargetRefused, match=r"hooks\.example\.org resolves to"):
            asyncio.run(resolve_target(target, allow_private=False, resolver=fixed(*answer)))
    with pytest.raises(TargetRefused, match="does not resolve"):
        asyncio.run(resolve_target(target, allow_private=False, resolver=fixed()))
    # the real resolver: localhost is loopback, a .invalid name never resolves
    with pytest.raises(TargetRefused, match=r"localhost resolves to .*loopback"):
        asyncio.run(check_target("https://localhost:8443/x", allow_private=False))
    with pytest.raises(TargetRefused, match="does not resolve"):
        asyncio.run(check_target("https://nothing.invalid/x", allow_private=False))
    # allowed for tests: http and loopback
    assert asyncio.run(check_target("http://localhost:9/x", allow_private=True)).port == 9


def test_delivery_refuses_a_name_rebound_to_an_internal_address() -> None:
    """The name was public at creation; at delivery it resolves to loopback, where a receiver listens: nothing
    reaches it and the attempt fails with reason refused_address."""
    secret = new_secret()
    with receiver() as rx:
        rebinding = fixed("127.0.0.1")
        sender = Sender(timeout=2, allow_private=False, resolver=rebinding)
        body = b'{"type": "person.updated"}'
        headers = sign([secret], "msg_1_0", dt.datetime.now(dt.UTC), body)
        outcome = asyncio.run(_send(sender, f"https://hooks.example.org:{rx.port}/in", headers, body))
        assert not outcome.ok and outcome.reason == "refused_address" and "loopback" in (outcome.error or "")
        for url in (f"https://127.0.0.1:{rx.port}/in", f"https://[::ffff:127.0.0.1]:{rx.port}/in"):
            outcome = asyncio.run(_send(sender, url, headers, body))
            assert outcome.reason == "refused_address", outcome
        assert rx.received == []


async def _send(sender: Sender, url: str, headers: dict[str, str], body: bytes) -> Any:
    try:
        return await sender.send(url, headers, body)
    finally:
        await sender.aclose()


def test_delivery_connects_to_the_checked_address_and_signs() -> None:
    """A name the system cannot resolve reaches the receiver through the address the resolver checked; the name
    stays in Host; the signature verifies with the secret (and, during a rotation, with the previous one)."""
    current, previous = new_secret(), new_secret()
    with receiver() as rx:
        sender = Sender(timeout=2, allow_private=True, resolver=fixed("127.0.0.1"))
        body = b'{"type": "bill.action", "data": {"n": 1}}'
        headers = sign([current, previous], "msg_42_1", dt.datetime.now(dt.UTC), body)
        outcome = asyncio.run(_send(sender, f"http://receiver.invalid:{rx.port}/hook?x=1", headers, body))
        assert outcome.ok and outcome.status_code == 200, outcome
        [got] = rx.received
        assert got.path == "/hook?x=1" and got.headers["host"] == f"receiver.invalid:{rx.port}"
        assert got.headers["webhook-id"] == "msg_42_1" and got.headers["content-type"] == "application/json"
        assert Webhook(current).verify(got.body, got.headers) == {"type": "bill.action", "data": {"n": 1}}
        assert Webhook(previous).verify(got.body, got.headers)["type"] == "bill.action"
        assert len(got.headers["webhook-signature"].split(" ")) == 2


def test_redirects_are_not_followed_and_answers_are_classified() -> None:
    with receiver() as rx:
        rx.behaviours["/moved"] = Behaviour(status=302, location=f"http://127.0.0.1:{rx.port}/internal")
        rx.behaviours["/meta"] = Behaviour(status=307, location="http://169.254.169.254/latest/meta-data/")
        rx.behaviours["/gone"] = Behaviour(status=410)
        rx.behaviours["/broken"] = Behaviour(status=503)
        rx.behaviours["/slow"] = Behaviour(delay=1.5)
        sender = Sender(timeout=0.5, allow_private=True, resolver=fixed("127.0.0.1"))
        body = b"{}"
        headers = sign([new_secret()], "msg_1_0", dt.datetime.now(dt.UTC), body)

        async def each() -> dict[str, Any]:
            try:
                return {
                    path: await sender.send(f"http://127.0.0.1:{rx.port}{path}", headers, body)
                    for path in ("/moved", "/meta", "/gone", "/broken", "/slow")
                }
            finally:
                await sender.aclose()

        outcomes = asyncio.run(each())
        assert outcomes["/moved"].reason == "other" and "redirects are not followed" in outcomes["/moved"].error
        assert outcomes["/meta"].status_code == 307 and not outcomes["/meta"].ok
        assert (outcomes["/gone"].reason, outcomes["/gone"].status_code) == ("http_4xx", 410)
        assert (outcomes["/broken"].reason, outcomes["/broken"].status_code) == ("http_5xx", 503)
        assert outcomes["/slow"].reason == "timeout"
        assert {r.path for r in rx.received} == {"/moved", "/meta", "/gone", "/broken", "/slow"}  # never /internal
        refused = Sender(timeout=0.5, allow_private=True, resolver=fixed("127.0.0.1"))
        closed_port = rx.port + 1 if rx.port < 65535 else rx.port - 1
        outcome = asyncio.run(_send(refused, f"http://127.0.0.1:{closed_port}/x", headers, body))
        assert outcome.reason in {"connect", "timeout"}


def test_secrets_are_sealed_per_row_and_key() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(Webhook(secret)._whsecret) == 32
    box = SecretBox("k" * 40)
    sealed = box.seal(7, secret)
    assert secret.encode() not in sealed and box.seal(7, secret) != sealed  # random nonce
    assert box.open(7, sealed) == secret
    for bad in (lambda: box.open(8, sealed), lambda: SecretBox("j" * 40).open(7, sealed), lambda: box.open(7, b"x")):
        with pytest.raises(SealedSecretInvalid):
            bad()
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SealedSecretInvalid):
        box.open(7, tampered)


def test_without_a_key_nothing_is_sealed() -> None:
    from openpolicy.config import load_settings

    with pytest.raises(SecretsKeyMissing):
        SecretBox.from_settings(load_settings(webhook_secrets_key=None))


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(5)
    for attempt in range(1, 12):
        delay = min(3600.0, 2.0 * 2 ** (attempt - 1))
        for _ in range(50):
            got = backoff_seconds(attempt, 2.0, 3600.0, rng)
            assert delay / 2 <= got <= delay
    samples = {round(backoff_seconds(4, 2.0, 3600.0, rng), 6) for _ in range(20)}
    assert len(samples) > 10  # jittered


def change(
    entity: str, op: str, data: dict[str, Any] | None, previous: dict[str, Any] | None = None, n: int = 9
) -> Change:
    return Change(n, NOW, entity, str((data or previous or {}).get("id")), op, data, previous)


def test_events_of_changes() -> None:
    person = {"id": "ocd-person/a", "name": "Alice Able", "other_names": [{"name": "Al"}]}
    [ev] = events_of(change("person", "update", person), lambda c: ["ocd-jurisdiction/country:ca/legislature"])
    assert (ev.id, ev.type, ev.people, ev.text) == ("msg_9_0", "person.updated", {"ocd-person/a"}, "Alice Able Al")
    assert ev.jurisdictions == {"ocd-jurisdiction/country:ca/legislature"}
    assert ev.payload == {
        "type": "person.updated",
        "timestamp": NOW.isoformat(),
        "data": {
            "change_id": 9,
            "entity_type": "person",
            "entity_id": "ocd-person/a",
            "operation": "update",
            "url": "/v1/people/ocd-person/a",
            "object": person,
        },
    }
    membership = {"id": "ocd-membership/m", "person_id": "ocd-person/a", "end_date": None}
    assert [e.type for e in events_of(change("membership", "insert", membership))] == ["membership.started"]
    ended = {**membership, "end_date": "2024-01-01"}
    assert [e.type for e in events_of(change("membership", "update", ended, membership))] == ["membership.ended"]
    assert [e.type for e in events_of(change("membership", "update", ended, ended))] == ["membership.updated"]
    [gone] = events_of(change("membership", "delete", None, ended))
    assert (
        gone.type == "membership.deleted" and gone.people == {"ocd-person/a"} and gone.payload["data"]["object"] is None
    )

    bill = {
        "id": "ocd-bill/b", "identifier": "C-5", "title": "An Act", "jurisdiction_id": "j",
        "sponsorships": [{"person_id": "ocd-person/s"}],
        "actions": [{"date": "2025-01-01", "description": "First reading"}],
    }  # fmt: skip
    more = {**bill, "actions": [*bill["actions"], {"date": "2025-02-01", "description": "Second reading"}]}
    events = events_of(change("bill", "update", more, bill))
    assert [e.type for e in events] == ["bill.action"]  # only a new action: no bill.updated
    assert events[0].payload["data"]["action"]["description"] == "Second reading"
    assert (
        events[0].people == {"ocd-person/s"}
        and events[0].bills == {"ocd-bill/b"}
        and "actions" not in events[0].payload["data"]["object"]
    )
    retitled = {**more, "title": "An Act, amended"}
    assert [e.type for e in events_of(change("bill", "update", retitled, bill))] == ["bill.updated", "bill.action"]
    assert [e.id for e in events_of(change("bill", "update", retitled, bill))] == ["msg_9_0", "msg_9_1"]

    vote = {"id": "ocd-vote/v", "bill_id": "ocd-bill/b", "jurisdiction_id": "j", "motion_text": "That the bill be read",
            "ballots": {"person_id": ["ocd-person/a", None], "option": ["yes", "no"]}}  # fmt: skip
    [ev] = events_of(change("vote", "insert", vote))
    assert (ev.type, ev.people, ev.bills, ev.jurisdictions) == ("vote.created", {"ocd-person/a"}, {"ocd-bill/b"}, {"j"})
    assert "ballots" not in ev.payload["data"]["object"]

    debate = {"id": "ocd-debate/d", "jurisdiction_id": "j", "speeches": [
        {"id": 1, "person_id": "ocd-person/a", "speaker_name": "Alice", "paragraphs": ["Hello", "World"]}]}  # fmt: skip
    grown = {**debate, "speeches": [*debate["speeches"], {"id": 2, "person_id": None, "paragraphs": ["x" * 3000]}]}
    events = events_of(change("debate", "update", grown, debate))
    assert [e.type for e in events] == ["debate.updated", "speech.created"]
    speech = events[1].payload["data"]["speech"]
    assert speech["id"] == 2 and len(speech["text"]) == 2000 and speech["truncated"] and events[1].people == set()
    assert [e.type for e in events_of(change("debate", "insert", debate))] == ["debate.created", "speech.created"]
    assert events_of(change("area", "insert", {"id": "ocd-division/x"})) == []
    assert {e.type for e in events if e.type not in EVENT_TYPES} == set()


def test_filters() -> None:
    [ev] = events_of(
        change("vote", "insert", {"id": "v", "bill_id": "b", "jurisdiction_id": "j", "ballots": {"person_id": ["p"]}})
    )
    assert Filters(frozenset()).matches(ev)
    assert Filters(frozenset({"vote.created"}), person_id="p", bill_id="b", jurisdiction_id="j").matches(ev)
    assert not Filters(frozenset({"vote.updated"})).matches(ev)
    assert not Filters(frozenset(), person_id="q").matches(ev)
    assert not Filters(frozenset(), bill_id="c").matches(ev)
    assert not Filters(frozenset(), jurisdiction_id="k").matches(ev)
