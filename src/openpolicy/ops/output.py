"""Shared plumbing of the operations commands: exit codes, `--json` output, progress on a terminal.

Every ops command prints one result: a JSON document on stdout with ``--json`` (for pipelines), otherwise a
short human summary. Progress (Rich spinners and bars) goes to stderr and only when stderr is a terminal, so
logs of CI jobs and cron runs stay clean.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from enum import IntEnum
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn


class ExitCode(IntEnum):
    """Exit codes shared by every ops command (documented in docs/operations.md)."""

    OK = 0
    FAILED = 1  # the operation failed; nothing was rolled back (or there was nothing to roll back to)
    USAGE = 2  # bad input: unknown environment, missing file, malformed digest/URL (also Typer's own code)
    ROLLED_BACK = 3  # deploy failed and the release was rolled back to the previous revision
    VERIFY_FAILED = 4  # a backup failed verification (checksum/manifest) or a restore's row counts differ
    REFUSED = 5  # refused to act: restore into a non-empty database without --force


class OpsError(Exception):
    """An operation failed; ``code`` is the exit code, ``details`` goes into the JSON report."""

    def __init__(self, message: str, code: ExitCode = ExitCode.FAILED, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class Reporter:
    """Progress display and final output of one command run."""

    def __init__(self, *, json_output: bool, console: Console | None = None) -> None:
        self.json_output = json_output
        self.err = console or Console(stderr=True, highlight=False)
        self.out = Console(highlight=False, soft_wrap=True)
        self.interactive = self.err.is_terminal and not json_output

    def step(self, message: str) -> None:
        """A one-line progress note (terminal only)."""
        if self.interactive:
            self.err.print(f"[dim]•[/dim] {escape(message)}")

    @contextlib.contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner while a step with no measurable progress runs (terminal only)."""
        if self.interactive:
            with self.err.status(escape(message)):
                yield
            self.err.print(f"[green]✓[/green] {escape(message)}")
        else:
            yield

    @contextlib.contextmanager
    def bytes_progress(self, message: str, total: int) -> Iterator[Callable[[int], None]]:
        """A transfer bar; yields ``advance(n_bytes)``."""
        if not self.interactive:
            yield lambda _n: None
            return
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn())
        with Progress(*columns, TransferSpeedColumn(), console=self.err, transient=False) as progress:
            task = progress.add_task(message, total=total)
            yield lambda n: progress.advance(task, n)

    def finish(self, result: dict[str, Any], human: Callable[[dict[str, Any]], str], code: ExitCode) -> None:
        """Print the result (JSON or human) and exit with ``code``."""
        if self.json_output:
            sys.stdout.write(json.dumps(result, indent=2, sort_keys=False, default=str) + "\n")
            sys.stdout.flush()
        else:
            text = human(result)
            if code == ExitCode.OK:
                self.out.print(text, markup=False)
            else:
                self.err.print(text, style="bold red", soft_wrap=True, markup=False)
        raise typer.Exit(int(code))

    def fail(self, error: OpsError, result: dict[str, Any] | None = None) -> None:
        """Report ``error`` (with any partial ``result``) and exit with its code."""
        body: dict[str, Any] = dict(result or {})
        body.update({"ok": False, "error": str(error), "exit_code": int(error.code)})
        body.update(error.details)
        self.finish(body, lambda _r: f"error: {error}", error.code)


def run_command(json_output: bool, action: Callable[[Reporter], tuple[dict[str, Any], str]]) -> None:
    """Run ``action(reporter)`` → (result, human summary); turn :class:`OpsError` into its exit code, and an object
    store's error (:class:`~openpolicy.export.objectstore.ObjectStoreError`) into one too (bad settings: usage)."""
    from openpolicy.export.objectstore import ObjectStoreError

    reporter = Reporter(json_output=json_output)
    try:
        result, summary = action(reporter)
    except OpsError as exc:
        reporter.fail(exc)
        return
    except ObjectStoreError as exc:
        reporter.fail(OpsError(str(exc), ExitCode.USAGE if exc.usage else ExitCode.FAILED))
        return
    result.setdefault("ok", True)
    reporter.finish(result, lambda _r: summary, ExitCode.OK)
