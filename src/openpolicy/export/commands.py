"""``openpolicy export``: write one bulk export, upload it when object storage is configured, keep the newest N."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add this area's commands to the CLI."""

    @app.command("export")
    def export(
        folder: Path | None = typer.Option(None, "--dir", help="Folder of the exports (default: EXPORT_DIR)."),
        keep: int | None = typer.Option(None, "--keep", min=1, help="Exports to keep (default: EXPORT_KEEP)."),
        jurisdiction: list[str] = typer.Option(
            [], "--jurisdiction", "-j", help="Only this jurisdiction (OCD id, ISO code or name); repeatable."
        ),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the final line."),
    ) -> None:
        """Export every jurisdiction as CSV, JSON Lines and Popolo JSON with a manifest (docs/exports.md)."""
        import asyncpg

        from openpolicy.config import SettingsError, load_settings
        from openpolicy.db.engine import redact_url, to_asyncpg_dsn
        from openpolicy.export import objectstore, store
        from openpolicy.export.writer import ExportError, write_export

        try:
            settings = load_settings()
        except SettingsError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        if settings.database_url:
            url = settings.database_url
        else:
            from openpolicy.db.embedded import resolve_database_url

            url = str(resolve_database_url(settings))
        root = folder or settings.exports_root()
        keep_n = keep or settings.export_keep
        target = creds = None
        try:
            if settings.export_s3_url:
                target = objectstore.parse_s3_url(settings.export_s3_url)
                creds = objectstore.Credentials.from_env()
        except objectstore.ObjectStoreError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

        def say(line: str) -> None:
            if not quiet:
                typer.echo(line, err=True)

        try:
            path, manifest = write_export(to_asyncpg_dsn(url), root, jurisdictions=jurisdiction, progress=say)
        except ExportError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            typer.echo(f"error: export from {redact_url(url)} failed: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(1) from None
        uploaded = ""
        try:
            if target is not None and creds is not None:
                exported = store.load_local(root, manifest["id"])
                assert exported is not None
                store.upload(root, exported, target, creds, say)
                removed_remote = store.prune_remote(target, creds, keep_n)
                uploaded = f", uploaded to {target.child(manifest['id'])}"
                if removed_remote:
                    say(f"deleted from {target}: {', '.join(removed_remote)}")
        except objectstore.ObjectStoreError as exc:
            typer.echo(f"error: export {path} written, but {exc}", err=True)
            raise typer.Exit(1) from None
        removed = store.prune_local(root, keep_n)
        if removed:
            say(f"deleted from {root}: {', '.join(removed)}")
        files = manifest["files"]
        typer.echo(
            f"export {manifest['id']}: {len(files)} files, {sum(f['rows'] for f in files)} rows, "
            f"{sum(f['bytes'] for f in files)} bytes at change {manifest['change_feed_position']} in {path}{uploaded}"
        )
