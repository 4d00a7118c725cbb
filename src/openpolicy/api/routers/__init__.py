"""One router module per resource; ROUTERS is what the app factory mounts under /v1."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
