"""Settings: one class, bad values fail at start with a message naming the variable."""

from __future__ import annotations

import pytest

from openpolicy.config import SettingsError, load_settings


def test_defaults_use_embedded_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.embedded
    assert settings.api_port == 8000 and settings.web_port == 8080


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL"),
        ("DATABASE_URL", "postgresql://u@h:99999/db", "DATABASE_URL"),
        ("DATABASE_URL", "postgresql://u@h:5432/", "DATABASE_URL"),
        ("REDIS_URL", "http://localhost", "REDIS_URL"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
        ("DB_POOL_SIZE", "zero", "DB_POOL_SIZE"),
        ("API_URL", "localhost:8000", "API_URL"),
    ],
)
def test_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, fragment: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert fragment in str(info.value)


def test_database_password_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@h:99999/db")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "hunter2" not in str(info.value)
