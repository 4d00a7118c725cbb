"""Commands of this area, registered on the `openpolicy` CLI by :mod:`openpolicy.cli`."""

from __future__ import annotations

import typer


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add this area's commands to the CLI."""
