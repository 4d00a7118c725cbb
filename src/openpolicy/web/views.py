"""Small presentation helpers for the templates: dates, ballot options, query strings, pagination links, and
which URLs from the data may become links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit


def human_date(value: Any) -> str:
    """2024-05-01 → 1 May 2024 (accepts dates, datetimes, ISO strings and partial dates like 1961 or 1961-04)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return f"{value.day} {value:%B %Y, %H:%M} UTC" if value.tzinfo else f"{value.day} {value:%B %Y, %H:%M}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    text = str(value)
    try:
        return human_date(dt.date.fromisoformat(text))
    except ValueError:
        return text


def human_age(seconds: int | float | None) -> str:
    if seconds is None:
        return "never"
    seconds = int(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def option_class(option: str) -> str:
    return "opt-" + str(option).replace(" ", "-")


def thousands(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def query_with(params: Mapping[str, Any], **changes: Any) -> str:
    """The query string of ``params`` with ``changes`` applied (None removes a key); empty values dropped."""
    merged = {k: v for k, v in params.items() if v not in (None, "", False)}
    for key, value in changes.items():
        if value in (None, "", False):
            merged.pop(key, None)
        else:
            merged[key] = value
    return urlencode({k: ("true" if v is True else v) for k, v in merged.items()})


def web_url(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host, else None: only such URLs from the data become
    links or images (never ``javascript:``, ``data:``, relative or protocol-relative ones)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if any(ch in text for ch in "\x00\t\n\r "):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in {"http", "https"} and parts.hostname else None


def cursor_of(next_url: str | None) -> str | None:
    """The ``cursor`` parameter of an api ``next`` link (None on the last page)."""
    if not next_url:
        return None
    values = parse_qs(urlsplit(next_url).query).get("cursor")
    return values[0] if values else None


FILTERS = {
    "human_date": human_date,
    "human_age": human_age,
    "option_class": option_class,
    "thousands": thousands,
    "web_url": web_url,
}


PAGE_PREFIXES = {
    "person": "/people/",
    "bill": "/bills/",
    "vote": "/votes/",
    "area": "/districts/",
    "committee": "/committees/",
    "organization": "/organizations/",
    "speech": "/speeches/",
    "debate": "/debates/",
}


def web_path(kind: str, ident: str) -> str:
    """The site's page of an api record (ids keep their slashes: the site's routes take them whole)."""
    return PAGE_PREFIXES[kind] + quote(ident, safe="/:")


def debate_path(debate_id: str, language: str | None = None, ordinal: int | None = None) -> str:
    """The site's page of a debate, in ``language`` (when not English), at a speech."""
    path = web_path("debate", debate_id)
    if language and language != "en":
        path += f"?lang={language}"
    return path + (f"#speech-{ordinal}" if ordinal is not None else "")
