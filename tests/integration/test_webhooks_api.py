"""/v1/subscriptions through a real api process: every endpoint, its problems (401, 404, 405, 409, 422), ownership
by API key, the secret shown once and sealed at rest, SSRF refusals at creation, and no caching."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from tests.support import REDIS_BASE_URL, start_api
from tests.support.ingest import query, run
from tests.support.webhooks import POPOLO_BASE, SECRETS_KEY, create_key, person_id, webhook_database, write_popolo

from openpolicy.config import load_settings
from openpolicy.notify.secrets import SecretBox

# A public address literal: accepted without DNS; nothing is ever sent to it (no notifier runs here).
PUBLIC_IP_TARGET = "https://1.1.1.1/hooks/openpolicy"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, redis_index: int) -> Iterator[tuple[str, str]]:
    """An api with the Redis response cache on: subscription answers must never come from it."""
    tmp = tmp_path_factory.mktemp("webhooks-api")
    with webhook_database() as url:
        run(url, "popolo", str(write_popolo(tmp / "popolo", POPOLO_BASE)), jurisdiction="ca")
        api, base = start_api(
            url, tmp, redis_url=f"{REDIS_BASE_URL}/{redis_index}", extra_env={"WEBHOOK_SECRETS_KEY": SECRETS_KEY}
        )
        try:
            yield url, base
        finally:
            api.stop()


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    return body


def test_lifecycle_of_a_subscription(site: tuple[str, str]) -> None:
    url, base = site
    key = create_key(url)
    auth = {"X-API-Key": key}
    alice = person_id(url, "Alice Able")
    created = httpx.post(
        f"{base}/v1/subscriptions",
        headers=auth,
        json={
            "url": PUBLIC_IP_TARGET,
            "description": "Alice",
            "event_types": ["person.updated", "membership.ended"],
            "person_id": alice,
            "jurisdiction_id": "ocd-jurisdiction/country:ca/legislature",
            "query": "Alice",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    sub = created.json()
    assert created.headers["location"] == f"/v1/subscriptions/{sub['id']}"
    assert sub["secret"].startswith("whsec_") and sub["status"] == "active"
    assert sub["event_types"] == ["person.updated", "membership.ended"] and sub["person_id"] == alice
    Webhook(sub["secret"])  # a valid Standard Webhooks secret

    # the secret is stored sealed: not in clear, and it opens only with the key, for this row
    [stored] = query(url, "SELECT secret_encrypted FROM webhook_subscriptions WHERE id = $1", sub["id"])
    sealed = bytes(stored["secret_encrypted"])
    assert sub["secret"].encode() not in sealed and sub["secret"][6:].encode() not in sealed
    box = SecretBox.from_settings(load_settings(webhook_secrets_key=SECRETS_KEY))
    assert box.open(sub["id"], sealed) == sub["secret"]
    with pytest.raises(ValueError):
        box.open(sub["id"] + 1, sealed)

    # read: one, the list; never the secret again, never cached
    one = httpx.get(f"{base}/v1/subscriptions/{sub['id']}", headers=auth)
    assert one.status_code == 200 and "secret" not in one.json()
    assert one.headers["cache-control"] == "no-store"
    listed = httpx.get(f"{base}/v1/subscriptions", headers={"Authorization": f"Bearer {key}"})
    assert [s["id"] for s in listed.json()["results"]] == [sub["id"]]
    assert "whsec_" not in listed.text and '"secret"' not in listed.text

    # rotation: a new secret; the previous keeps signing for a day
    rotated = httpx.post(f"{base}/v1/subscriptions/{sub['id']}/rotate-secret", headers=auth)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != sub["secret"] and rotated.json()["previous_secret_expires_at"]
    [stored] = query(url, "SELECT secret_encrypted, previous_secret_encrypted FROM webhook_subscriptions")
    assert box.open(sub["id"], bytes(stored["secret_encrypted"])) == rotated.json()["secret"]
    assert box.open(sub["id"], bytes(stored["previous_secret_encrypted"])) == sub["secret"]

    # pause, resume
    paused = httpx.post(f"{base}/v1/subscriptions/{sub['id']}/pause", headers=auth)
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    resumed = httpx.post(f"{base}/v1/subscriptions/{sub['id']}/resume", headers=auth)
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"

    # the delivery log (written by the notifier; here by hand) and redelivery
    query(
        url,
        "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, change_id, payload, status, attempts, "
        "last_status_code, delivered_at) VALUES ($1, 'msg_7_0', 'person.updated', 7, '{\"type\": \"person.updated\"}', "
        "'delivered', 1, 200, now()), ($1, 'msg_8_0', 'membership.ended', 8, '{}', 'failed', 9, 500, NULL)",
        sub["id"],
    )
    log = httpx.get(f"{base}/v1/subscriptions/{sub['id']}/deliveries", headers=auth)
    assert log.status_code == 200, log.text
    assert [d["event_id"] for d in log.json()["results"]] == ["msg_8_0", "msg_7_0"]
    assert log.json()["results"][1]["payload"] == {"type": "person.updated"}
    page = httpx.get(f"{base}/v1/subscriptions/{sub['id']}/deliveries?limit=1", headers=auth).json()
    assert [d["event_id"] for d in page["results"]] == ["msg_8_0"] and page["next"]
    following = httpx.get(f"{base}{page['next']}", headers=auth).json()
    assert [d["event_id"] for d in following["results"]] == ["msg_7_0"] and following["next"] is None
    failed = httpx.get(f"{base}/v1/subscriptions/{sub['id']}/deliveries?status=failed", headers=auth).json()
    assert [d["event_id"] for d in failed["results"]] == ["msg_8_0"]
    failed_id = failed["results"][0]["id"]
    again = httpx.post(f"{base}/v1/subscriptions/{sub['id']}/deliveries/{failed_id}/redeliver", headers=auth)
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "pending" and again.json()["event_id"] == "msg_8_0"
    problem(httpx.post(f"{base}/v1/subscriptions/{sub['id']}/deliveries/999999/redeliver", headers=auth), 404)

    # delete: gone with its log
    assert httpx.delete(f"{base}/v1/subscriptions/{sub['id']}", headers=auth).status_code == 204
    problem(httpx.get(f"{base}/v1/subscriptions/{sub['id']}", headers=auth), 404)
    assert query(url, "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $1", sub["id"])[0][0] == 0


def test_a_key_sees_only_its_own_subscriptions(site: tuple[str, str]) -> None:
    url, base = site
    owner, other = {"X-API-Key": create_key(url, "owner")}, {"X-API-Key": create_key(url, "other")}
    sub = httpx.post(f"{base}/v1/subscriptions", headers=owner, json={"url": PUBLIC_IP_TARGET}).json()
    mine = httpx.get(f"{base}/v1/subscriptions", headers=owner)
    assert [s["id"] for s in mine.json()["results"]] == [sub["id"]] and "x-cache" not in mine.headers
    theirs = httpx.get(f"{base}/v1/subscriptions", headers=other)  # the same URL: never a cached answer
    assert theirs.json()["results"] == [] and "x-cache" not in theirs.headers
    for method, path in [
        ("GET", ""),
        ("DELETE", ""),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("POST", "/rotate-secret"),
        ("GET", "/deliveries"),
        ("POST", "/deliveries/1/redeliver"),
    ]:
        answer = httpx.request(method, f"{base}/v1/subscriptions/{sub['id']}{path}", headers=other)
        assert problem(answer, 404)["detail"] == f"no subscription {sub['id']} of this API key", (method, path)
    assert httpx.get(f"{base}/v1/subscriptions/{sub['id']}", headers=owner).json()["status"] == "active"


def test_no_key_or_a_bad_key_is_401(site: tuple[str, str]) -> None:
    url, base = site
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        body = problem(httpx.get(f"{base}/v1/subscriptions", headers=headers), 401)
        assert "API key" in body["detail"]
        problem(httpx.post(f"{base}/v1/subscriptions", headers=headers, json={"url": PUBLIC_IP_TARGET}), 401)
        problem(httpx.get(f"{base}/v1/subscriptions/event-types", headers=headers), 401)
    problem(httpx.get(f"{base}/v1/subscriptions", headers={"X-API-Key": "op_not-a-key"}), 401)
    revoked = create_key(url, "revoked")
    query(url, "UPDATE api_keys SET revoked_at = now() WHERE name = 'revoked'")
    problem(httpx.get(f"{base}/v1/subscriptions", headers={"X-API-Key": revoked}), 401)


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://127.1.2.3:8443/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://10.0.0.1/hook", "private"),
        ("https://10.255.1.2/hook", "private"),
        ("https://192.168.1.10/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::ffff:169.254.169.254]/", "link-local"),
        ("https://[fe80::1]/", "link-local"),
        ("https://224.0.0.1/", "multicast"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://100.64.0.1/", "reserved"),
        ("https://localhost/hook", "localhost resolves to"),
        ("https://name.invalid/hook", "does not resolve"),
        ("http://1.1.1.1/hook", "https://"),
        ("https://user:pw@1.1.1.1/hook", "user or password"),
        ("ftp://1.1.1.1/hook", "https://"),
        ("not a url", "spaces"),
        ("https:///nohost", "no host"),
    ],
)
def test_targets_that_are_not_public_https_are_refused(site: tuple[str, str], target: str, fragment: str) -> None:
    url, base = site
    key = {"X-API-Key": create_key(url)}
    body = problem(httpx.post(f"{base}/v1/subscriptions", headers=key, json={"url": target}), 422)
    assert body["parameter"] == "url" and fragment in body["detail"], body
    assert body["errors"] == [{"in": "body", "parameter": "url", "message": body["detail"].split(": ", 1)[1]}]
    assert query(url, "SELECT count(*) FROM webhook_subscriptions WHERE url = $1", target)[0][0] == 0


@pytest.mark.parametrize(
    ("body", "parameter", "fragment"),
    [
        ({"url": PUBLIC_IP_TARGET, "event_types": ["person.exploded"]}, "event_types", "unknown event type"),
        ({"url": PUBLIC_IP_TARGET, "event_types": ["vote.created", "vote.created"]}, "event_types", "twice"),
        ({"url": PUBLIC_IP_TARGET, "person_id": "ocd-person/nobody"}, "person_id", "no person"),
        ({"url": PUBLIC_IP_TARGET, "bill_id": "ocd-bill/none"}, "bill_id", "no bill"),
        ({"url": PUBLIC_IP_TARGET, "jurisdiction_id": "ocd-jurisdiction/country:zz"}, "jurisdiction_id", "no"),
        ({"url": PUBLIC_IP_TARGET, "query": "   "}, "query", "at least one word"),
        ({"url": PUBLIC_IP_TARGET, "colour": "blue"}, "colour", "xtra"),
        ({"event_types": []}, "url", "ield required"),
    ],
)
def test_bad_filters_are_422_and_change_nothing(
    site: tuple[str, str], body: dict[str, Any], parameter: str, fragment: str
) -> None:
    url, base = site
    key = create_key(url)
    answer = problem(httpx.post(f"{base}/v1/subscriptions", headers={"X-API-Key": key}, json=body), 422)
    assert answer["parameter"] == parameter and fragment in str(answer["errors"]), answer
    assert httpx.get(f"{base}/v1/subscriptions", headers={"X-API-Key": key}).json()["results"] == []


def test_bad_ids_and_paths_are_problems(site: tuple[str, str]) -> None:
    url, base = site
    auth = {"X-API-Key": create_key(url)}
    problem(httpx.get(f"{base}/v1/subscriptions/0", headers=auth), 422)
    problem(httpx.get(f"{base}/v1/subscriptions/abc", headers=auth), 422)
    problem(httpx.get(f"{base}/v1/subscriptions/99999999", headers=auth), 404)
    problem(httpx.get(f"{base}/v1/subscriptions/1/deliveries?status=lost", headers=auth), 400)
    problem(httpx.get(f"{base}/v1/subscriptions/1/deliveries?colour=1", headers=auth), 400)
    problem(httpx.put(f"{base}/v1/subscriptions", headers=auth, json={}), 405)
    problem(httpx.post(f"{base}/v1/subscriptions", headers=auth, content=b"{not json"), 422)
    types = httpx.get(f"{base}/v1/subscriptions/event-types", headers=auth)
    assert types.status_code == 200 and "membership.ended" in types.json()["results"]


def test_disabled_subscription_cannot_be_paused_and_the_limit_per_key(site: tuple[str, str]) -> None:
    url, base = site
    auth = {"X-API-Key": create_key(url)}
    sub = httpx.post(f"{base}/v1/subscriptions", headers=auth, json={"url": PUBLIC_IP_TARGET}).json()
    query(url, "UPDATE webhook_subscriptions SET status = 'disabled', disabled_reason = 'x' WHERE id = $1", sub["id"])
    problem(httpx.post(f"{base}/v1/subscriptions/{sub['id']}/pause", headers=auth), 409)
    resumed = httpx.post(f"{base}/v1/subscriptions/{sub['id']}/resume", headers=auth).json()
    assert resumed["status"] == "active" and resumed["disabled_reason"] is None
    [owner] = query(url, "SELECT api_key_id FROM webhook_subscriptions WHERE id = $1", sub["id"])
    query(
        url,
        "INSERT INTO webhook_subscriptions (api_key_id, url, secret_encrypted) "
        "SELECT $1, 'https://1.1.1.1/', '\\x00'::bytea FROM generate_series(1, 99)",
        owner[0],
    )
    body = problem(httpx.post(f"{base}/v1/subscriptions", headers=auth, json={"url": PUBLIC_IP_TARGET}), 409)
    assert "at most 100" in body["detail"]
