"""File helpers shared by the source parsers: every failure is an :class:`InputError` naming the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import orjson

from openpolicy.ingest.records import Bundle, InputError


def display(path: Path, names: dict[Path, str] | None = None) -> str:
    """The name shown in messages: the URL a file was downloaded from, else its path."""
    if names and path in names:
        return names[path]
    return str(path)


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``21st``: Parliaments, Congresses and sessions are named so."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class FileSorter(Protocol):
    """A parser that sorts files by content first (``classify``), then builds its bundle (``finish``)."""

    bundle: Bundle

    def classify(self, path: Path, shown: str) -> None: ...

    def finish(self) -> Bundle: ...


def parse_sorted(parser: FileSorter, files: list[Path], names: dict[Path, str] | None) -> Bundle:
    """Feed every file to ``parser`` under its shown name (listed in the bundle), then finish the bundle."""
    for path in files:
        shown = display(path, names)
        parser.classify(path, shown)
        parser.bundle.files.append(shown)
    return parser.finish()


def read_json(path: Path, shown: str) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(shown, None, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        truncated = "end of data" in exc.msg  # orjson's words for every document cut short
        problem = "truncated JSON" if truncated else "malformed JSON"
        raise InputError(shown, f"at line {exc.lineno} column {exc.colno}", None, f"{problem}: {exc.msg}") from None


def read_csv(path: Path, shown: str, required: tuple[str, ...]) -> Iterator[tuple[str, dict[str, str]]]:
    """Rows of a CSV file as dicts, with a record label (``row N``); a missing column or cell is an error."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(shown, None, None, f"cannot read as UTF-8 text: {exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(shown, "header", None, "empty file (no header row)") from None
    except csv.Error as exc:
        raise InputError(shown, "header", None, f"malformed CSV: {exc}") from None
    missing = [name for name in required if name not in header]
    if missing:
        raise InputError(shown, "header", missing[0], f"missing column(s) {', '.join(missing)}; found {header}")
    line = 1
    try:
        for cells in reader:
            line += 1
            if not cells:
                continue
            if len(cells) != len(header):
                for index, name in enumerate(header):
                    if index >= len(cells) and name in required:
                        raise InputError(
                            shown, f"row {line}", name, f"missing value (row has {len(cells)} of {len(header)} columns)"
                        )
                raise InputError(shown, f"row {line}", None, f"has {len(cells)} columns, the header {len(header)}")
            yield f"row {line}", dict(zip(header, cells, strict=True))
    except csv.Error as exc:  # raised while reading the next row, before it is counted
        raise InputError(shown, f"row {line + 1}", None, f"malformed CSV: {exc}") from None
