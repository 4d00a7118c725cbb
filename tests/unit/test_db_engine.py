"""URL handling of the engine and the schema module's pure helpers."""

from __future__ import annotations

import pytest

from openpolicy.config import load_settings
from openpolicy.db.engine import DatabaseUrlError, create_engine, redact_url, to_async_url, to_asyncpg_dsn
from openpolicy.db.models import normalize_bill_identifier, ocd_id


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p%40ss@db:5432/openpolicy", "postgresql+asyncpg://u:p%40ss@db:5432/openpolicy"),
        ("postgres://u@db/openpolicy", "postgresql+asyncpg://u@db/openpolicy"),
        ("postgresql+psycopg://u@db/x", "postgresql+asyncpg://u@db/x"),
        ("postgresql://u@db/x?sslmode=require", "postgresql+asyncpg://u@db/x?ssl=require"),
        ("postgresql://u@db/x?sslmode=verify-full&connect_timeout=3", "postgresql+asyncpg://u@db/x?ssl=verify-full"),
        (
            "postgresql://postgres:@/openpolicy?host=/tmp/pg",
            "postgresql+asyncpg://postgres:@/openpolicy?host=%2Ftmp%2Fpg",
        ),
    ],
)
def test_to_async_url(url: str, expected: str) -> None:
    assert to_async_url(url) == expected


def test_to_async_url_rejects_other_schemes_and_bad_sslmode() -> None:
    with pytest.raises(DatabaseUrlError, match="mysql"):
        to_async_url("mysql://u@db/x")
    with pytest.raises(DatabaseUrlError, match="sslmode"):
        to_async_url("postgresql://u@db/x?sslmode=sometimes")
    with pytest.raises(DatabaseUrlError):
        to_async_url("not a url")


def test_asyncpg_dsn_keeps_sslmode_and_drops_libpq_only_parameters() -> None:
    assert to_asyncpg_dsn("postgresql+asyncpg://u:pw@db/x?sslmode=require&application_name=a") == (
        "postgresql://u:pw@db/x?sslmode=require"
    )


def test_redact_url_hides_the_password_only() -> None:
    assert redact_url("postgresql://u:secret@db:5432/x") == "postgresql://u:***@db:5432/x"
    assert redact_url("postgresql://u@db/x") == "postgresql://u@db/x"


def test_create_engine_applies_pool_settings() -> None:
    settings = load_settings(database_url="postgresql://u:pw@db:5432/x", db_pool_size=7, db_max_overflow=3)
    engine = create_engine(settings)
    try:
        assert engine.url.drivername == "postgresql+asyncpg"
        assert engine.url.password == "pw"
        assert engine.pool.size() == 7  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 3  # type: ignore[attr-defined]
    finally:
        engine.sync_engine.dispose()


@pytest.mark.parametrize(
    ("identifier", "normalized"),
    [("C-21", "C21"), ("H.R. 1", "HR1"), ("h.res. 24", "HRES24"), ("S 5", "S5"), ("Bill 7", "BILL7")],
)
def test_normalize_bill_identifier(identifier: str, normalized: str) -> None:
    assert normalize_bill_identifier(identifier) == normalized


def test_ocd_ids_are_deterministic_and_distinct() -> None:
    assert ocd_id("person", "demo", 1) == ocd_id("person", "demo", 1)
    assert ocd_id("person", "demo", 1) != ocd_id("person", "demo", 2)
    assert ocd_id("bill", "demo", 1).startswith("ocd-bill/")
