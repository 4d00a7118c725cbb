"""The `openpolicy` command: services, jobs and operations.

Each area registers its own commands (``register(app, serve)`` in its ``commands`` module) so this file
stays the table of contents. Heavy imports happen inside the commands, keeping `openpolicy --help` and the
container HEALTHCHECK (`openpolicy health URL`) fast.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="openpolicy",
    help="Open Policy Platform: serve the api and web, run import/migrate/backup jobs, deploy and operate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
serve = typer.Typer(help="Run one service in the foreground (api on :8000, web on :8080).", no_args_is_help=True)
app.add_typer(serve, name="serve")

COMMAND_MODULES = (
    "openpolicy.api.commands",  # serve api, health
    "openpolicy.web.commands",  # serve web
    "openpolicy.db.commands",  # migrate, demo-data
    "openpolicy.ingest.commands",  # import, import-runs (list, revert), people explain
    "openpolicy.documents.commands",  # documents rebuild
    "openpolicy.export.commands",  # export
    "openpolicy.notify.commands",  # serve notifier
    "openpolicy.ops.commands",  # backup, restore, deploy, rollback, status, smoke, render
    "openpolicy.up",  # up (orchestration above every area)
)

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app, serve)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
