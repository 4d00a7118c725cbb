"""The web's own response types (``openpolicy.web.types``) read only what the api publishes: every field the web
reads is a field of the api's model of the same name, and where the api may send null the web accepts it."""

from __future__ import annotations

import inspect
import types
import typing

import pytest
from pydantic import BaseModel

from openpolicy.documents import schemas as api
from openpolicy.web import types as web

WEB_TYPES = [
    cls
    for name, cls in vars(web).items()
    if inspect.isclass(cls) and issubclass(cls, web.ApiType) and cls is not web.ApiType and "[" not in name
]


def admits_none(annotation: object) -> bool:
    return annotation is None or (
        typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation)
    )


def test_the_web_reads_every_page_type_it_uses() -> None:
    assert len(WEB_TYPES) > 40
    for name in ("PersonDetail", "VoteDetail", "BillDetail", "Status", "SearchResults", "DebateDetail"):
        assert issubclass(getattr(web, name), web.ApiType)


@pytest.mark.parametrize("cls", WEB_TYPES, ids=lambda cls: cls.__name__)
def test_every_web_field_is_an_api_field(cls: type[BaseModel]) -> None:
    published = getattr(api, cls.__name__, None)
    assert published is not None, f"the api publishes no {cls.__name__}"
    for field, info in cls.model_fields.items():
        assert field in published.model_fields, f"{cls.__name__}.{field} is no field of the api's model"
        if info.is_required() and not admits_none(info.annotation):
            theirs = published.model_fields[field]
            assert not admits_none(theirs.annotation), f"{cls.__name__}.{field}: the api may send null"


def test_an_api_answer_validates_and_extra_fields_are_ignored() -> None:
    answer = {
        "id": "ocd-person/1",
        "name": "Ada",
        "party": None,
        "district": None,
        "image": None,
        "a_field_the_api_adds_later": 1,
    }
    person = web.PersonRef.model_validate(answer)
    assert person.name == "Ada" and not hasattr(person, "a_field_the_api_adds_later")
