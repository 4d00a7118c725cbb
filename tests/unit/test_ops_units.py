"""Small pure parts of the ops commands: connection handling, digests, metric parsing, Helm flags."""

from __future__ import annotations

import pytest

from openpolicy.ops.backup import Conn
from openpolicy.ops.deploy import parse_digests
from openpolicy.ops.kube import rollback_wait_flags, upgrade_flags
from openpolicy.ops.output import OpsError
from openpolicy.ops.smoke import metric_names


def test_password_never_reaches_a_command_line() -> None:
    conn = Conn.parse("postgresql+asyncpg://app:s%40cret@db.internal:5433/openpolicy?sslmode=require")
    assert conn.url == "postgresql://app@db.internal:5433/openpolicy?sslmode=require"
    assert "s@cret" not in conn.url and conn.password == "s@cret"
    assert conn.env()["PGPASSWORD"] == "s@cret"
    assert conn.database == "openpolicy"
    assert conn.with_database("other").url == "postgresql://app@db.internal:5433/other?sslmode=require"
    assert Conn.parse("postgres://h/db").url == "postgresql://h/db" and Conn.parse("postgres://h/db").password is None
    with pytest.raises(OpsError, match="postgresql:// URL"):
        Conn.parse("mysql://h/db")


def test_digests() -> None:
    digest = "sha256:" + "ab" * 32
    assert parse_digests([f"api={digest}", f"web={digest}"]) == {"api": digest, "web": digest}
    for bad in ("api", f"db={digest}", "api=sha256:ABC", f"api={digest[:-1]}", f"api=sha512:{'a' * 64}"):
        with pytest.raises(OpsError):
            parse_digests([bad])


def test_helm_flags_per_major_version() -> None:
    assert upgrade_flags(3) == ["--wait", "--atomic"]
    assert upgrade_flags(4) == ["--wait=watcher", "--rollback-on-failure"]
    assert rollback_wait_flags(3) == ["--wait"] and rollback_wait_flags(4) == ["--wait=watcher"]


def test_metric_names_from_declarations_and_samples() -> None:
    text = (
        "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
        'http_requests_total{method="GET",route="/health",status="200"} 3.0\n'
        "# TYPE http_request_duration_seconds histogram\n"
        'http_request_duration_seconds_bucket{le="0.5",method="GET",route="/health"} 3.0\n'
        "openpolicy_build_info 1.0\n"
    )
    names = metric_names(text)
    assert {"http_requests_total", "http_request_duration_seconds", "openpolicy_build_info"} <= names
    assert "http_requests_in_flight" not in names
