"""``openpolicy documents rebuild``: remake the read model from the facts (after a change of a response model, an
upgrade to revision 0015, or daily with ``--stale`` for documents whose date-dependent facts changed)."""

from __future__ import annotations

import typer

from openpolicy.documents.store import KINDS


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add this area's commands to the CLI."""
    documents_app = typer.Typer(help="The read model: documents the api serves, built from the facts.")
    app.add_typer(documents_app, name="documents")

    @documents_app.command("rebuild")
    def rebuild(
        kind: list[str] = typer.Option(
            [], "--kind", "-k", help=f"Only this kind ({', '.join(KINDS)}); repeatable. Default: every kind."
        ),
        stale: bool = typer.Option(False, "--stale", help="Only documents whose date-dependent facts have changed."),
    ) -> None:
        """Rebuild the documents of KIND (every kind by default) in one transaction; print how many were written."""
        import asyncio
        import time

        import asyncpg

        from openpolicy.config import SettingsError, load_settings
        from openpolicy.db.embedded import resolve_database_url
        from openpolicy.db.engine import to_asyncpg_dsn
        from openpolicy.documents.store import rebuild_all

        unknown = [k for k in kind if k not in KINDS]
        if unknown:
            typer.echo(f"error: --kind {unknown[0]!r} is not one of: {', '.join(KINDS)}", err=True)
            raise typer.Exit(2)
        try:
            settings = load_settings()
        except SettingsError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

        async def run() -> dict[str, int]:
            conn = await asyncpg.connect(to_asyncpg_dsn(resolve_database_url(settings)), timeout=30)
            try:
                async with conn.transaction():
                    await conn.execute("SET LOCAL statement_timeout = 0")
                    return await rebuild_all(conn, kind or KINDS, stale_only=stale)
            finally:
                await conn.close()

        started = time.monotonic()
        counts = asyncio.run(run())
        seconds = time.monotonic() - started
        if settings.redis_url and any(counts.values()):
            from openpolicy.db.generations import bump, resources_for

            # answers cached from the documents before the rebuild are unreachable from now on (a kind is named
            # like the entity type it documents)
            bump(settings.redis_url, resources_for(name for name, count in counts.items() if count))
        for name, count in counts.items():
            typer.echo(f"{name}: {count} documents")
        typer.echo(f"rebuilt in {seconds:.1f} s")
