"""How a person names a jurisdiction (a legislature): one rule for the CLI, the importers and every API filter.

A value names a jurisdiction when it is, in this order of preference:

1. its Open Civic Data id (``ocd-jurisdiction/country:gb/region:nir/legislature``), exactly;
2. an ISO 3166-1 or 3166-2 code (``ca``, ``GB-NIR``; any case) that exactly one known jurisdiction has;
3. its exact name, ignoring case (``Northern Ireland Assembly``).

Anything else is an error listing the choices: an ISO code held by several jurisdictions is ambiguous (a typo
must never widen a result), an unknown value is unknown. Pure: the caller passes the known jurisdictions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

ISO_CODE_RE: Final = re.compile(r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$")
OCD_JURISDICTION_RE: Final = re.compile(r"^ocd-jurisdiction/country:[a-z]{2}(/[a-z_]+:[a-z0-9_~.\-]+)*/[a-z_]+$")


@dataclass(frozen=True, slots=True)
class Known:
    """A jurisdiction as stored: its id, ISO code (may be unknown) and name."""

    id: str
    iso_code: str | None
    name: str


class JurisdictionNotFound(LookupError):
    """The value names no jurisdiction, or several; ``choices`` lists the known ones (``id (ISO, name)``)."""

    def __init__(self, value: str, problem: str, choices: list[str]) -> None:
        self.value = value
        self.problem = problem
        self.choices = choices
        listed = "; ".join(choices) if choices else "none imported yet"
        super().__init__(f"{problem} {value!r}; choose one of: {listed}")


def describe(item: Known) -> str:
    """``ocd-jurisdiction/country:gb/legislature (GB, Parliament of the United Kingdom)``."""
    return f"{item.id} ({item.iso_code}, {item.name})" if item.iso_code else f"{item.id} ({item.name})"


def resolve(value: str, known: Iterable[Known]) -> Known:
    """The one jurisdiction ``value`` names among ``known`` (rules in the module doc), or JurisdictionNotFound."""
    items = sorted(known, key=lambda k: k.id)
    text = value.strip()
    for item in items:
        if item.id == text:
            return item
    if ISO_CODE_RE.match(text):
        by_code = [item for item in items if item.iso_code and item.iso_code.upper() == text.upper()]
        if len(by_code) == 1:
            return by_code[0]
        if len(by_code) > 1:
            raise JurisdictionNotFound(text, "ambiguous jurisdiction", [describe(i) for i in by_code])
    folded = text.casefold()
    by_name = [item for item in items if item.name.casefold() == folded]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise JurisdictionNotFound(text, "ambiguous jurisdiction", [describe(i) for i in by_name])
    raise JurisdictionNotFound(text, "unknown jurisdiction", [describe(i) for i in items])
