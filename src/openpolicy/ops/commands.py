"""Operations commands: deploy, rollback, status, smoke, backup, restore, render (code in ops.render).

Exit codes (see :class:`openpolicy.ops.output.ExitCode`): 0 ok, 1 failed, 2 bad input, 3 deploy rolled back,
4 verification failed (checksum, manifest, row counts), 5 refused (non-empty database without --force).
Modules are imported inside the commands to keep CLI start-up fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
EnvArg = Annotated[str, typer.Argument(help="Environment: development, staging or production.")]
ContextOpt = Annotated[str | None, typer.Option("--kube-context", help="kubeconfig context (default: current).")]
TimeoutOpt = Annotated[str, typer.Option("--timeout", help="Helm/rollout timeout (Go duration).")]


def _target(environment: str, kube_context: str | None) -> Any:
    from openpolicy.ops.kube import Target

    return Target(environment=environment, kube_context=kube_context)


def register(app: typer.Typer, serve: typer.Typer) -> None:
    """Add this area's commands to the CLI."""

    @app.command()
    def deploy(
        environment: EnvArg,
        image_digest: Annotated[
            list[str] | None,
            typer.Option("--image-digest", help="COMPONENT=sha256:<digest> (api, web); repeatable."),
        ] = None,
        set_values: Annotated[
            list[str] | None, typer.Option("--set", help="Extra Helm value KEY=VALUE; repeatable.")
        ] = None,
        smoke_url: Annotated[
            str | None, typer.Option("--smoke-url", help="Public api URL to smoke-test after the rollout.")
        ] = None,
        web_url: Annotated[str | None, typer.Option("--web-url", help="Public web URL to smoke-test.")] = None,
        no_smoke: Annotated[bool, typer.Option("--no-smoke", help="Skip the smoke test (say so explicitly).")] = False,
        smoke_attempts: Annotated[
            int, typer.Option("--smoke-attempts", help="Tries of the smoke test before rolling back.")
        ] = 3,
        smoke_interval: Annotated[float, typer.Option("--smoke-interval", help="Seconds between tries.")] = 10.0,
        kube_context: ContextOpt = None,
        timeout: TimeoutOpt = "10m",
        chart: Annotated[Path, typer.Option(help="Umbrella chart folder.")] = Path(
            "infrastructure/helm/charts/openpolicy-platform"
        ),
        values_dir: Annotated[Path, typer.Option(help="Folder of ENV.yaml values files.")] = Path(
            "infrastructure/helm/values"
        ),
        json_output: JsonOpt = False,
    ) -> None:
        """helm upgrade --install ENV by image digest, wait, rollout status, smoke test; roll back on failure."""
        from openpolicy.ops.deploy import deploy as do_deploy
        from openpolicy.ops.deploy import parse_digests
        from openpolicy.ops.output import ExitCode, OpsError, run_command

        def action(reporter: Any) -> tuple[dict[str, Any], str]:
            if smoke_url is None and not no_smoke:
                raise OpsError("give --smoke-url URL (or --no-smoke to skip the smoke test)", ExitCode.USAGE)
            result = do_deploy(
                _target(environment, kube_context),
                chart=chart,
                values_dir=values_dir,
                digests=parse_digests(image_digest or []),
                sets=set_values or [],
                timeout=timeout,
                smoke_url=smoke_url,
                smoke_web_url=web_url,
                reporter=reporter,
                smoke_attempts=smoke_attempts,
                smoke_interval=smoke_interval,
            )
            smoke = result.get("smoke", {})
            smoke_note = f", smoke test: {smoke.get('passed')} checks passed" if smoke else ", smoke test skipped"
            return result, f"deployed {result['release']} to {environment}: revision {result['revision']}{smoke_note}"

        run_command(json_output, action)

    @app.command()
    def rollback(
        environment: EnvArg,
        revision: Annotated[int | None, typer.Argument(help="Revision to return to (default: previous).")] = None,
        kube_context: ContextOpt = None,
        timeout: TimeoutOpt = "10m",
        json_output: JsonOpt = False,
    ) -> None:
        """Roll the release back to REVISION (default: the previous one) and wait for the rollout."""
        from openpolicy.ops.deploy import rollback as do_rollback
        from openpolicy.ops.output import run_command

        def action(reporter: Any) -> tuple[dict[str, Any], str]:
            result = do_rollback(_target(environment, kube_context), revision, timeout=timeout, reporter=reporter)
            return (
                result,
                f"rolled back {environment} from revision {result['from_revision']}: now {result['revision']}",
            )

        run_command(json_output, action)

    @app.command()
    def status(environment: EnvArg, kube_context: ContextOpt = None, json_output: JsonOpt = False) -> None:
        """Release, revision, pods ready and the image digests running."""
        from openpolicy.ops.deploy import status as do_status
        from openpolicy.ops.output import run_command

        def action(reporter: Any) -> tuple[dict[str, Any], str]:
            r = do_status(_target(environment, kube_context))
            lines = [
                f"{r['release']} ({environment}) revision {r['revision']} {r['status']} chart {r['chart']}",
                f"pods ready: {r['pods_ready']}/{r['pods_total']}",
                *[f"image {d}" for d in r["image_digests"]],
            ]
            return r, "\n".join(lines)

        run_command(json_output, action)

    @app.command()
    def smoke(
        url: Annotated[str, typer.Argument(help="Base URL of the api (http://host:8000).")],
        web_url: Annotated[str | None, typer.Option("--web-url", help="Base URL of the web interface.")] = None,
        timeout: Annotated[float, typer.Option(help="Per-request timeout in seconds.")] = 10.0,
        json_output: JsonOpt = False,
    ) -> None:
        """Health, readiness, metrics, /v1 endpoints and web pages of a running deployment."""
        from openpolicy.ops.output import ExitCode, Reporter
        from openpolicy.ops.smoke import run_smoke

        reporter = Reporter(json_output=json_output)
        for value in (url, web_url):
            if value is not None and not value.startswith(("http://", "https://")):
                reporter.err.print(f"error: {value!r} is not an http(s) URL")
                raise typer.Exit(int(ExitCode.USAGE))
        with reporter.status(f"smoke test {url}"):
            report = run_smoke(url, web_url, timeout=timeout)

        def human(_r: dict[str, Any]) -> str:
            lines = [f"{'ok  ' if c.ok else 'FAIL'} {c.name} ({c.status}) {c.detail}".rstrip() for c in report.checks]
            verdict = "smoke test passed" if report.ok else f"SMOKE TEST FAILED: {report.summary()}"
            return "\n".join([*lines, verdict])

        reporter.finish(report.to_dict(), human, ExitCode.OK if report.ok else ExitCode.FAILED)

    @app.command()
    def backup(
        dest: Annotated[str, typer.Argument(help="Folder, or s3://BUCKET/PREFIX (AWS_* credentials).")],
        keep: Annotated[
            int, typer.Option("--keep", help="Folder only: keep the N newest backups, delete older ones (0: all).")
        ] = 0,
        json_output: JsonOpt = False,
    ) -> None:
        """pg_dump (custom format) of DATABASE_URL with a sha256 and a manifest of row counts."""
        from openpolicy.ops.backup import backup as do_backup
        from openpolicy.ops.backup import database_url_from_settings
        from openpolicy.ops.output import run_command

        def action(reporter: Any) -> tuple[dict[str, Any], str]:
            result = do_backup(database_url_from_settings(), dest, reporter, keep=keep)
            m = result["manifest"]
            return result, (
                f"backup {result['location']}: {len(m['tables'])} tables, {m['total_rows']} rows, "
                f"{m['dump']['bytes']} bytes, sha256 {m['dump']['sha256']}"
                + (f"; removed {len(result['pruned'])} older backups" if result["pruned"] else "")
            )

        run_command(json_output, action)

    @app.command()
    def restore(
        src: Annotated[str, typer.Argument(help="Backup folder (or its manifest.json), or s3://BUCKET/PREFIX/NAME.")],
        database: Annotated[
            str | None, typer.Option("--database", help="Restore into this database (created if absent).")
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="Overwrite a database that already has tables.")] = False,
        json_output: JsonOpt = False,
    ) -> None:
        """Verify a backup's checksum, restore it, and check every table's row count against the manifest."""
        from openpolicy.ops.backup import database_url_from_settings
        from openpolicy.ops.backup import restore as do_restore
        from openpolicy.ops.output import run_command

        def action(reporter: Any) -> tuple[dict[str, Any], str]:
            result = do_restore(database_url_from_settings(), src, database=database, force=force, reporter=reporter)
            return result, (
                f"restored {src} into {result['database']}: {result['tables']} tables, {result['total_rows']} rows "
                "verified"
            )

        run_command(json_output, action)

    @app.command()
    def render(
        environment: EnvArg,
        out: Annotated[
            Path | None, typer.Option("--out", help="Write the files into this folder (default: print them).")
        ] = None,
        chart: Annotated[Path, typer.Option(help="Umbrella chart folder.")] = Path(
            "infrastructure/helm/charts/openpolicy-platform"
        ),
        values_dir: Annotated[Path, typer.Option(help="Folder of ENV.yaml values files.")] = Path(
            "infrastructure/helm/values"
        ),
        image_digest: Annotated[
            list[str] | None,
            typer.Option(
                "--image-digest", help="COMPONENT=sha256:<digest> (api, web); repeatable; staging/production need both."
            ),
        ] = None,
        json_output: JsonOpt = False,
    ) -> None:
        """Plain Kubernetes manifests of ENV rendered from the Helm charts (what infrastructure/k8s/ holds)."""
        from openpolicy.ops.output import ExitCode, OpsError, run_command

        def action(reporter: Any) -> tuple[dict[str, Any], str]:
            from openpolicy.ops.deploy import parse_digests
            from openpolicy.ops.kube import ENVIRONMENTS
            from openpolicy.ops.render import RenderError, write
            from openpolicy.ops.render import render as do_render

            if environment not in ENVIRONMENTS:
                raise OpsError(
                    f"unknown environment {environment!r}: expected one of {', '.join(ENVIRONMENTS)}", ExitCode.USAGE
                )
            digests = parse_digests(image_digest or [])
            try:
                with reporter.status(f"helm template ({environment})"):
                    if out is not None:
                        paths = write(environment, out, chart, values_dir, digests)
                        return {"environment": environment, "written": [str(p) for p in paths]}, (
                            f"wrote {len(paths)} files into {out}"
                        )
                    files = do_render(environment, chart, values_dir, digests)
            except RenderError as exc:
                raise OpsError(f"render failed: {exc}") from None
            text = "".join(f"---\n# Source: {path}\n{body}" for path, body in files.items())
            return {"environment": environment, "files": files}, text.rstrip("\n")

        run_command(json_output, action)
