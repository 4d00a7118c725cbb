"""Jurisdictions of the importers: one per legislature, several per country, named after what they are.

* A national legislature is ``ocd-jurisdiction/country:xx/legislature`` (ISO 3166-1 ``XX``); a devolved, state
  or provincial one is ``ocd-jurisdiction/country:xx/<type>:yyy/legislature`` (ISO 3166-2 ``XX-YYY``), the
  type being OCD's (``state``, ``province``, ``territory``) for the countries whose OCD divisions use them,
  ``region`` elsewhere (``ocd-jurisdiction/country:gb/region:nir/legislature``).
* Names: the legislature's own name where the source gives one (EveryPolitician's ``meta.json``), else the
  known name of a national legislature (:data:`NATIONAL_LEGISLATURES`), else ``Legislature of <place>`` with
  the place's ISO name. A code is never shown as a name.
* ``-j`` takes what :func:`openpolicy.db.jurisdictions.resolve` accepts (among the stored jurisdictions),
  or an ISO code or OCD id of a legislature not stored yet; anything else is an error listing the choices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import pycountry

from openpolicy.db.jurisdictions import ISO_CODE_RE, JurisdictionNotFound, Known, describe, resolve
from openpolicy.ingest.records import JurisdictionRec

NATIONAL_LEGISLATURES: Final = {
    "au": "Parliament of Australia",
    "ca": "Parliament of Canada",
    "gb": "Parliament of the United Kingdom",
    "ie": "Oireachtas",
    "nz": "New Zealand Parliament",
    "us": "United States Congress",
}
# OCD division types of first-level subdivisions, where OCD names them; other countries use ``region``.
SUBDIVISION_TYPES: Final = {
    "au": {"State": "state", "Territory": "territory"},
    "ca": {"Province": "province", "Territory": "territory"},
    "us": {"State": "state", "District": "district", "Outlying area": "territory"},
}
_OCD_RE: Final = re.compile(r"^ocd-jurisdiction/country:([a-z]{2})(?:/([a-z_]+):([a-z0-9_\-]+))?/legislature$")


class UnknownJurisdiction(ValueError):
    """The value names no legislature (stored or by ISO code): the message lists the choices."""


def country_name(country: str) -> str:
    found = pycountry.countries.get(alpha_2=country.upper())
    if found is None:
        raise UnknownJurisdiction(f"{country.upper()!r} is not an ISO 3166-1 country code")
    return str(getattr(found, "common_name", None) or found.name)


def national(
    country: str, name: str | None = None, url: str | None = None, place: str | None = None
) -> JurisdictionRec:
    """The national legislature of ISO 3166-1 ``country`` (``place``: the country's name where the source gives one,
    for codes ISO does not assign, such as EveryPolitician's ``XK``)."""
    code = country.lower()
    if code == "uk":
        code = "gb"
    known = NATIONAL_LEGISLATURES.get(code)
    label = name or known or f"Legislature of {place if place and not _assigned(code) else country_name(code)}"
    return JurisdictionRec(
        id=f"ocd-jurisdiction/country:{code}/legislature", name=label, country=code, iso_code=code.upper(), url=url
    )


def _assigned(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code.upper()) is not None


def subnational(iso_code: str, name: str | None = None) -> JurisdictionRec:
    """The legislature of the ISO 3166-2 subdivision ``iso_code`` (``GB-NIR``)."""
    code = iso_code.upper()
    sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    if sub is None:
        raise UnknownJurisdiction(f"{code!r} is not an ISO 3166-2 subdivision code")
    country, local = code.split("-", 1)
    kind = SUBDIVISION_TYPES.get(country.lower(), {}).get(str(sub.type), "region")
    return JurisdictionRec(
        id=f"ocd-jurisdiction/country:{country.lower()}/{kind}:{local.lower()}/legislature",
        name=name or f"Legislature of {sub.name}",
        country=country.lower(),
        iso_code=code,
    )


def from_code(code: str, name: str | None = None, place: str | None = None) -> JurisdictionRec:
    """A legislature by ISO 3166-1 or 3166-2 code (``ca``, ``GB-NIR``); ``place`` names a country whose code ISO
    does not assign (then required)."""
    value = code.strip()
    if not ISO_CODE_RE.match(value):
        raise UnknownJurisdiction(f"{value!r} is not an ISO 3166-1 or 3166-2 code")
    return subnational(value, name) if "-" in value else national(value, name, place=place)


def from_ocd_id(value: str) -> JurisdictionRec:
    """A legislature by OCD jurisdiction id whose place is a country or a first-level ISO subdivision."""
    match = _OCD_RE.match(value.strip())
    if not match:
        raise UnknownJurisdiction(f"{value!r} is not an OCD jurisdiction id of a legislature")
    country, kind, local = match.groups()
    if kind is None:
        return national(country)
    found = subnational(f"{country}-{local}")
    if found.id != value.strip():
        raise UnknownJurisdiction(f"{value!r}: ISO {found.iso_code} is {found.id}")
    return found


def choose(value: str, stored: Iterable[Known]) -> JurisdictionRec:
    """What ``-j VALUE`` names: a stored jurisdiction (id, ISO code or name), else a new one by ISO code or OCD
    id; UnknownJurisdiction (listing the stored ones) otherwise."""
    known = list(stored)
    try:
        item = resolve(value, known)
    except JurisdictionNotFound as exc:
        if exc.problem.startswith("ambiguous"):
            raise UnknownJurisdiction(str(exc)) from None
        try:
            return from_ocd_id(value) if value.strip().startswith("ocd-jurisdiction/") else from_code(value)
        except UnknownJurisdiction as why:
            listed = "; ".join(describe(k) for k in known) or "none stored yet"
            raise UnknownJurisdiction(
                f"{why}; --jurisdiction takes a stored jurisdiction ({listed}), or an ISO 3166-1/3166-2 code "
                "(ca, gb, GB-NIR) or OCD jurisdiction id of a legislature"
            ) from None
    country = item.id.split("country:", 1)[1][:2] if "country:" in item.id else ""
    return JurisdictionRec(id=item.id, name=item.name, country=country, iso_code=item.iso_code)
