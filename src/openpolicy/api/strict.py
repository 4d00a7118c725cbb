"""Strict query strings: one rule for every route of the api.

A route accepts exactly the query parameters it declares (its FastAPI parameters and the ``query`` parameters of
its ``openapi_extra``: what ``/openapi.json`` documents), each at most once unless it is declared as a list. An
unknown parameter (``disctrict=``) or a repeated single-valued one (``limit=1&limit=3``) is a 400 problem naming
the parameter and listing what the route accepts, before any other validation: a typo never widens a result.

A value outside a parameter's closed set of values (an OpenAPI ``enum``: ``option``, ``result``, ``sort`` ...) is
a 400 problem naming the parameter and listing the allowed values (:func:`closed_value_problem`, used by the
validation error handler).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
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
    return DeclaredQuery(frozenset(schemas), repeatable, closed)


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
