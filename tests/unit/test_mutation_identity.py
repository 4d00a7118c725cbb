"""Identity matching without a database: which identifiers join records into one person (ingest/identity.py) and
the loader's refusal of a group of joined records that cannot be one person (``Loader._check_group``), with the
message an importer reads. ``make mutate`` judges both with these; the joins against stored people are tested
with PostgreSQL in tests/integration/test_ingest_identity.py.
"""

from __future__ import annotations

import pytest

from openpolicy.ingest.identity import GLOBAL_SCHEMES, SINGLE_VALUED, is_global, scope_of
from openpolicy.ingest.loader import Loader
from openpolicy.ingest.records import InputError

FILE = "ep-gb-commons.json"


@pytest.mark.parametrize(
    "scheme",
    ["wikidata", "bioguide", "lis", "thomas", "govtrack", "icpsr", "ourcommons", "represent", "parlinfo",
     "datadotparl", "parliamentdotuk", "theyworkforyou", "aph", "demo-parliament"],
)  # fmt: skip
def test_a_global_scheme_joins_across_datasets_and_is_stored_unscoped(scheme: str) -> None:
    assert is_global(scheme) is True
    assert scope_of(scheme, "everypolitician/gb-commons") == ""


@pytest.mark.parametrize("scheme", ["everypolitician_legacy", "viaf", "isni", "Wikidata", "wikidata ", "", "x"])
def test_any_other_scheme_is_scoped_to_the_dataset_that_issued_it(scheme: str) -> None:
    assert is_global(scheme) is False
    assert scope_of(scheme, "everypolitician/gb-commons") == "everypolitician/gb-commons"
    assert scope_of(scheme, "congress/legislators") == "congress/legislators"


def test_every_global_scheme_is_single_valued() -> None:
    assert SINGLE_VALUED == GLOBAL_SCHEMES and len(GLOBAL_SCHEMES) == 14


def _check(members: dict[str, tuple[str, list[tuple[str, str]]]]) -> None:
    """Loader._check_group over records ``id -> (dataset, global ids)``, labelled ``person <id>``."""
    Loader._check_group(
        FILE,
        list(members),
        {member: dataset for member, (dataset, _) in members.items()},
        {member: f"person {member}" for member in members},
        {member: ids for member, (_, ids) in members.items()},
    )


def test_records_of_different_datasets_sharing_an_id_are_one_person() -> None:
    _check({"a": ("ep/gb", [("wikidata", "Q1")]), "b": ("ep/ni", [("wikidata", "Q1"), ("datadotparl", "7")])})
    _check({"a": ("ep/gb", [("wikidata", "Q1")])})
    _check({})


def test_two_records_of_one_dataset_joined_are_refused_naming_both_and_the_shared_ids() -> None:
    with pytest.raises(InputError) as info:
        _check(
            {
                "a": ("ep/gb", [("datadotparl", "7"), ("wikidata", "Q1")]),
                "b": ("ep/ni", [("wikidata", "Q1")]),
                "c": ("ep/gb", [("theyworkforyou", "9"), ("wikidata", "Q1"), ("datadotparl", "7")]),
            }
        )
    error = info.value
    assert (error.file, error.record, error.field) == (FILE, "person c", "identifiers")
    assert error.problem == (
        "shares datadotparl=7, wikidata=Q1 with person a, another record of the same dataset"
    )  # sorted, only the ids both hold
    assert str(error) == f"{FILE}: record person c: field 'identifiers': {error.problem}"


def test_two_records_of_one_dataset_joined_through_a_third_name_the_later_ones_ids() -> None:
    """``a`` and ``c`` share nothing; ``b`` of another dataset joins both: the message lists what ``c`` holds."""
    with pytest.raises(InputError) as info:
        _check(
            {
                "a": ("ep/gb", [("wikidata", "Q1")]),
                "b": ("ep/ni", [("wikidata", "Q1"), ("datadotparl", "7")]),
                "c": ("ep/gb", [("datadotparl", "7"), ("theyworkforyou", "9")]),
            }
        )
    assert info.value.record == "person c"
    assert info.value.problem == (
        "shares datadotparl=7, theyworkforyou=9 with person a, another record of the same dataset"
    )


def test_a_person_given_two_values_of_a_single_valued_scheme_is_refused() -> None:
    with pytest.raises(InputError) as info:
        _check(
            {
                "a": ("ep/gb", [("datadotparl", "7"), ("wikidata", "Q1")]),
                "b": ("ep/ni", [("datadotparl", "7")]),
                "c": ("congress", [("datadotparl", "7"), ("wikidata", "Q2")]),
            }
        )
    error = info.value
    assert (error.file, error.record, error.field) == (FILE, "person c", "identifiers")
    assert error.problem == ("wikidata=Q2, while person a, joined to it by another identifier, has wikidata=Q1")


def test_the_same_value_twice_in_a_group_is_no_conflict() -> None:
    _check(
        {
            "a": ("ep/gb", [("datadotparl", "7"), ("wikidata", "Q1")]),
            "b": ("ep/ni", [("datadotparl", "7"), ("wikidata", "Q1")]),
            "c": ("congress", [("wikidata", "Q1"), ("bioguide", "B1")]),
        }
    )
