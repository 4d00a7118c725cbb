"""The export's one definition of files and columns: it covers the schema, and the data dictionary is current."""

from __future__ import annotations

import pytest
from tests.support import ROOT

from openpolicy.api.routers.exports import _range
from openpolicy.db.models import Base
from openpolicy.export.spec import FILES, NOT_EXPORTED, excluded
from openpolicy.export.writer import slug


def test_every_column_of_an_exported_table_is_exported_or_excluded_with_a_reason() -> None:
    for spec in FILES:
        table = spec.table_obj()
        names = [c.name for c in spec.columns]
        assert len(names) == len(set(names)), spec.name
        assert [n for n in names if n not in table.c] == [], f"{spec.filename}: columns the table lacks"
        forgotten = [c.name for c in table.c if c.name not in names and not excluded(table.name, c.name)]
        assert forgotten == [], f"{spec.filename}: table {table.name} columns neither exported nor excluded"
        assert all(c.description.strip() for c in spec.columns), spec.name


def test_every_table_is_exported_or_named_as_not_exported() -> None:
    exported = {spec.table for spec in FILES}
    unaccounted = set(Base.metadata.tables) - exported - set(NOT_EXPORTED)
    assert unaccounted == set(), "add these tables to openpolicy.export.spec.FILES or NOT_EXPORTED (with why)"
    assert not exported & set(NOT_EXPORTED)
    assert len({spec.name for spec in FILES}) == len(FILES)


def test_the_data_dictionary_is_generated_from_the_spec() -> None:
    from tools.data_dictionary import render

    page = (ROOT / "docs" / "data-dictionary.md").read_text()
    assert page == render(), "docs/data-dictionary.md is stale: run `make data-dictionary`"
    for spec in FILES:
        for col in spec.columns:
            assert f"| `{col.name}` |" in page


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-9", 100, (0, 9)),
        ("bytes=90-", 100, (90, 99)),
        ("bytes=-10", 100, (90, 99)),
        ("bytes=-500", 100, (0, 99)),
        ("bytes=95-200", 100, (95, 99)),
        ("bytes=99-99", 100, (99, 99)),
        ("bytes=100-", 100, "bad"),
        ("bytes=5-4", 100, "bad"),
        ("bytes=-0", 100, "bad"),
        ("bytes=-", 100, "bad"),
        ("bytes=x-1", 100, "bad"),
        ("bytes=0-0", 0, "bad"),
        ("bytes=0-1,5-6", 100, None),
        ("items=0-1", 100, None),
    ],
)
def test_byte_ranges(header: str, size: int, expected: object) -> None:
    assert _range(header, size) == expected


def test_folder_names() -> None:
    assert slug("ocd-jurisdiction/country:gb/region:nir/legislature") == "country-gb-region-nir"
    assert slug("44-1") == "44-1"
    assert slug("../..") == "x"
    assert "/" not in slug("a/b") and slug("a/b") == "a-b"
