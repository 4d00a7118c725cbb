"""Query-parameter types shared by the list endpoints.

Every filter is validated before it reaches SQL, so a bad value becomes a 4xx problem naming the parameter
(FastAPI reports the validation error with the parameter's location), never a database error:

* text filters are stripped, must not contain NUL characters (PostgreSQL text cannot hold them) and are at most
  :data:`MAX_TEXT` characters; an empty value means "no filter";
* datetimes without an offset are taken as UTC; dates are ISO dates (``2024-05-01``);
* a filter with a closed set of values (:func:`choice`) takes one of them, any case; another value is a 400
  listing them (``openpolicy.api.strict``), as is a parameter the endpoint does not declare (``extra="forbid"``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

MAX_TEXT = 200


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _lowered_or_none(value: object) -> object:
    if isinstance(value, str):
        return value.strip().lower() or None
    return value


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if len(value) > MAX_TEXT:
        raise ValueError(f"must be at most {MAX_TEXT} characters, got {len(value)}")
    return value.strip()


def _clean_optional_text(value: str | None) -> str | None:
    return (_clean_text(value) or None) if value is not None else None


def _assume_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


CleanText = Annotated[str, AfterValidator(_clean_text)]
"""A stripped string without NUL characters."""

UtcDateTime = Annotated[datetime, AfterValidator(_assume_utc)]
"""A timezone-aware datetime (no offset given means UTC); a bare date means its midnight UTC."""

OptText = Annotated[str | None, AfterValidator(_clean_optional_text)]
OptDate = Annotated[date | None, BeforeValidator(_blank_to_none)]
OptDateTime = Annotated[UtcDateTime | None, BeforeValidator(_blank_to_none)]
OptBool = Annotated[bool | None, BeforeValidator(_blank_to_none)]


Choice = BeforeValidator(_lowered_or_none)
"""Metadata of a closed-set filter, ``Annotated[Literal["a", "b"] | None, Choice, Query(...)]``: the value is
stripped and lower-cased, an empty one means "no filter"."""


class Filters(BaseModel):
    """Base of a list endpoint's filters (``openpolicy.api.pagination.ListQuery``): one field per query parameter,
    declared like a FastAPI one (``party: Annotated[OptText, text("Party id ...")] = None``); a parameter the model
    does not name is an error (``extra="forbid"``: a typo never widens a result)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def text(description: str, *, example: str | None = None) -> Any:
    """``Query`` metadata of a text filter (at most :data:`MAX_TEXT` characters)."""
    return Query(description=description, examples=[example] if example else None)


def when(description: str, *, example: str | None = None) -> Any:
    """``Query`` metadata of a date or datetime filter."""
    return Query(description=description, examples=[example] if example else None)


def flag(description: str) -> Any:
    """``Query`` metadata of a boolean filter (``true``/``false``)."""
    return Query(description=description)


# Shared descriptions keep the wording identical across resources.
JURISDICTION = (
    "Jurisdiction: its id (`ocd-jurisdiction/country:ca/legislature`), an ISO 3166-1/3166-2 code only it has "
    "(`ca`, `GB-NIR`; any case) or its exact name (any case). An unknown or ambiguous value is a 400 listing the "
    "jurisdictions."
)
UPDATED_SINCE = "Only records changed at or after this time (ISO 8601; no offset means UTC)."
NAME_Q = "Case-insensitive substring of the name."
CLASSIFICATION = "Classification (exact match)."
SESSION = "Session id or identifier (e.g. `44-1`)."
