"""The loader's column specs come from the schema: every loaded column has a record attribute to fill it."""

from __future__ import annotations

import dataclasses
import typing

from openpolicy.db import models
from openpolicy.ingest.loader import GENERATED_COLUMNS, JSON_LIST, JSON_OBJECT, NOT_LOADED, SPECS
from openpolicy.ingest.records import Bundle


def _record_type(attr: str) -> type:
    hint = typing.get_type_hints(Bundle)[attr]
    (item,) = typing.get_args(hint)
    return typing.cast(type, item)


def test_every_entity_type_has_one_spec() -> None:
    assert sorted(spec.entity for spec in SPECS) == sorted(models.ENTITY_TYPES)


def test_spec_columns_are_the_tables_columns() -> None:
    for spec in SPECS:
        table = models.Base.metadata.tables[spec.table]
        expected = [c.name for c in table.columns if c.computed is None and c.name not in NOT_LOADED]
        assert list(spec.columns) == expected, spec.table
        assert spec.columns[0] == "id"
        assert not set(spec.columns) & set(GENERATED_COLUMNS)


def test_every_loaded_column_is_a_record_field() -> None:
    for spec in SPECS:
        record = _record_type(spec.attr)
        fields = {f.name for f in dataclasses.fields(record)}
        missing = [c for c in spec.columns if c not in fields]
        assert not missing, f"{record.__name__} lacks {missing} (columns of {spec.table})"


def test_json_kinds_follow_the_column_defaults() -> None:
    for spec in SPECS:
        record = _record_type(spec.attr)
        defaults = {f.name: f.default_factory for f in dataclasses.fields(record)}
        for column, kind in spec.json.items():
            assert kind in (JSON_LIST, JSON_OBJECT)
            factory = defaults[column]
            assert factory is not dataclasses.MISSING, f"{record.__name__}.{column} has no default"
            assert isinstance(factory(), list if kind == JSON_LIST else dict), (spec.table, column)  # type: ignore[misc]
