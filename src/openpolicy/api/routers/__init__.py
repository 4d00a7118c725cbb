"""One router module per resource. Every module here that defines ``router`` is mounted under /v1.

Discovery keeps this file free of edits when a resource is added: `ROUTERS` lists the modules' routers in
name order.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter


def _discover() -> list[APIRouter]:
    routers: list[APIRouter] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


ROUTERS: list[APIRouter] = _discover()
