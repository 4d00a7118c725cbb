"""Strict query strings: one rule for every route of the api.

A route accepts exactly the query parameters it declares (its FastAPI parameters and the ``query`` parameters of
its ``openapi_extra``: what ``/openapi.json`` documents), each at most once unless it is declared as a list. An
unknown parameter (``disctrict=``) or a repeated single-valued one (``limit=1&limit=3``) is a 400 problem naming
the parameter and listing what the route accepts, before any other validation: a typo never widens a result.

A value outside a parameter's closed set of values (an OpenAPI ``enum``: ``option``, ``result``, ``sort`` ...) is
a 400 problem naming the parameter and listing the allowed values (:func:`closed_value_problem`, used by the
validation error handler).

A date parameter takes ``YYYY-MM-DD``; a date-time parameter an RFC 3339 date-time or a date (midnight UTC), and
nothing else — not the Unix timestamps Pydantic would accept — so that a value means what the OpenAPI says
(``openpolicy.api.errors.document_problems`` documents both forms).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from openpolicy.api.errors import BadParameter


@dataclass(frozen=True)
class DeclaredQuery:
    """The query parameters a route declares: their names, those that may repeat, and the closed value sets."""

    names: frozenset[str]
    repeatable: frozenset[str]
    closed: dict[str, tuple[str, ...]]
    formats: dict[str, str] = dataclass_field(default_factory=dict)  # name → "date" or "date-time"

    @property
    def listed(self) -> list[str]:
        return sorted(self.names)


def enum_values(schema: dict[str, Any]) -> tuple[str, ...] | None:
    """The allowed values of a JSON schema (``enum``, ``const``, or those of an ``anyOf``/``oneOf`` besides
    ``null``); None when the set is open."""
    if "enum" in schema:
        return tuple(str(v) for v in schema["enum"] if v is not None)
    if "const" in schema:
        return (str(schema["const"]),)
    options = schema.get("anyOf") or schema.get("oneOf")
    if not options:
        return None
    values: list[str] = []
    for option in options:
        if option.get("type") == "null":
            continue
        found = enum_values(option)
        if found is None:
            return None
        values.extend(found)
    return tuple(values) or None


def _is_list(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(_is_list(option) for option in schema.get("anyOf") or schema.get("oneOf") or [])


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def declared_query(route: APIRoute) -> DeclaredQuery:
    """The query parameters ``route`` declares (see the module docstring)."""
    schemas: dict[str, dict[str, Any]] = {}
    for dependant in _dependants(route.dependant):
        for field in dependant.query_params:
            schemas[field.alias] = TypeAdapter(field.field_info.annotation or Any).json_schema()
    for parameter in (route.openapi_extra or {}).get("parameters", []):
        if parameter.get("in") == "query":
            schemas[parameter["name"]] = parameter.get("schema", {})
    closed = {name: values for name, schema in schemas.items() if (values := enum_values(schema))}
    repeatable = frozenset(name for name, schema in schemas.items() if _is_list(schema))
    formats = {name: found for name, schema in schemas.items() if (found := date_format(schema))}
    return DeclaredQuery(frozenset(schemas), repeatable, closed, formats)


def date_format(schema: dict[str, Any]) -> str | None:
    """``date`` or ``date-time`` when the schema (or its non-null option) is a string of that format."""
    for option in schema.get("anyOf") or schema.get("oneOf") or [schema]:
        if option.get("type") == "string" and option.get("format") in {"date", "date-time"}:
            return str(option["format"])
    return None


_DATE = r"\d{4}-\d{2}-\d{2}"
_FORMATS = {
    "date": re.compile(rf"{_DATE}\Z"),
    "date-time": re.compile(rf"{_DATE}(?:[Tt ]\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d{{1,6}})?(?:[Zz]|[+-]\d{{2}}:\d{{2}}))?\Z"),
}
_EXAMPLES = {"date": "2024-05-01", "date-time": "2024-05-01T12:00:00Z or 2024-05-01"}


def check_query(request: Request, declared: DeclaredQuery) -> None:
    """A 400 problem for the first unknown or repeated parameter of ``request``'s query string."""
    seen: set[str] = set()
    for name, _value in request.query_params.multi_items():
        if name not in declared.names:
            accepted = ", ".join(declared.listed) or "none"
            raise BadParameter(name, f"unknown parameter; this endpoint accepts: {accepted}", allowed=declared.listed)
        if name in seen and name not in declared.repeatable:
            raise BadParameter(name, "given more than once; give it once")
        seen.add(name)
        kind = declared.formats.get(name)
        if kind is not None and not _FORMATS[kind].match(_value):
            raise BadParameter(name, f"not a {kind}: {_value!r} (e.g. {_EXAMPLES[kind]})")


def closed_value_problem(request: Request, name: str, value: Any) -> BadParameter | None:
    """The 400 problem for ``value`` of ``name`` outside the closed set the route declares (None when the
    parameter's values are not a closed set)."""
    route = request.scope.get("route")
    declared = getattr(route, "declared_query", None)
    if not isinstance(declared, DeclaredQuery) or name not in declared.closed:
        return None
    allowed = list(declared.closed[name])
    return BadParameter(name, f"unknown value {value!r}; choose one of: {', '.join(allowed)}", allowed=allowed)


class StrictRoute(APIRoute):
    """An ``APIRoute`` whose handler first checks the query string against the route's declared parameters
    (:func:`check_query`); ``declared_query`` is computed once, when the route is made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.declared_query = declared_query(self)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            if request.scope["query_string"]:
                check_query(request, self.declared_query)
            return await handler(request)

        return strict_handler
