"""How a legislature is named: OCD id, ISO 3166-1/3166-2 code or exact name; everything else refused with choices."""

from __future__ import annotations

import pytest

from openpolicy.db.jurisdictions import JurisdictionNotFound, Known, resolve
from openpolicy.ingest.jurisdictions import UnknownJurisdiction, choose, from_code, from_ocd_id, national

UK = Known("ocd-jurisdiction/country:gb/legislature", "GB", "Parliament of the United Kingdom")
NI = Known("ocd-jurisdiction/country:gb/region:nir/legislature", "GB-NIR", "Northern Ireland Assembly")
TWIN = Known("ocd-jurisdiction/country:gb/region:nir/other", "GB-NIR", "Another body")


def test_resolve_by_id_iso_code_or_name() -> None:
    for value in (NI.id, "GB-NIR", "gb-nir", " Northern Ireland Assembly ", "NORTHERN IRELAND ASSEMBLY"):
        assert resolve(value, [UK, NI]) == NI
    assert resolve("gb", [UK, NI]) == UK


def test_unknown_and_ambiguous_values_list_the_choices() -> None:
    with pytest.raises(JurisdictionNotFound) as unknown:
        resolve("GB-SCT", [UK, NI])
    assert unknown.value.problem == "unknown jurisdiction"
    assert unknown.value.choices == [
        "ocd-jurisdiction/country:gb/legislature (GB, Parliament of the United Kingdom)",
        "ocd-jurisdiction/country:gb/region:nir/legislature (GB-NIR, Northern Ireland Assembly)",
    ]
    with pytest.raises(JurisdictionNotFound, match="ambiguous jurisdiction 'GB-NIR'") as ambiguous:
        resolve("GB-NIR", [UK, NI, TWIN])
    assert len(ambiguous.value.choices) == 2
    # a substring or a near miss never matches
    for value in ("Northern Ireland", "GBR", "ocd-jurisdiction/country:gb", ""):
        with pytest.raises(JurisdictionNotFound):
            resolve(value, [UK, NI])


def test_new_legislatures_by_iso_code_or_ocd_id() -> None:
    assert from_code("GB-NIR", "Northern Ireland Assembly").id == NI.id
    assert from_code("gb-nir").name == "Legislature of Northern Ireland"
    assert from_code("US-TX").id == "ocd-jurisdiction/country:us/state:tx/legislature"
    assert from_code("CA-YT").id == "ocd-jurisdiction/country:ca/territory:yt/legislature"
    assert from_code("AU").name == "Parliament of Australia"
    assert from_code("fr").name == "Legislature of France"
    assert national("uk").id == UK.id  # the common alias
    assert from_code("XK", place="Kosovo").name == "Legislature of Kosovo"
    assert from_ocd_id(NI.id).iso_code == "GB-NIR"
    for bad in ("XK", "ZZ-123", "Atlantis"):
        with pytest.raises(UnknownJurisdiction):
            from_code(bad)
    with pytest.raises(UnknownJurisdiction):
        from_ocd_id("ocd-jurisdiction/country:gb/province:nir/legislature")  # ISO GB-NIR is region:nir


def test_choose_prefers_a_stored_legislature() -> None:
    stored = choose("northern ireland assembly", [UK, NI])
    assert (stored.id, stored.name, stored.iso_code) == (NI.id, NI.name, "GB-NIR")
    assert choose("GB-SCT", [UK, NI]).id == "ocd-jurisdiction/country:gb/region:sct/legislature"
    with pytest.raises(UnknownJurisdiction, match="Northern Ireland Assembly"):
        choose("Scottish Parliament", [UK, NI])  # an unknown name lists the stored ones
