"""The import sources, defined once.

Every consumer reads this registry and nothing else: ``openpolicy import SOURCE`` accepts exactly these names
(and its help lists them), an import run finds and parses its files with the source's parser module, freshness
(``/v1/status``, the import metrics, ``openpolicy import-runs``) lists exactly these sources,
``IMPORT_EXPECTED_INTERVALS`` overrides their default intervals, and the charts run an import CronJob for
exactly the ``scheduled`` ones (tests/unit/test_source_registry.py checks each consumer).

Runs recorded under other names (the demo generator's ``demo``, a ``revert``) are not data sources.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from openpolicy.config import Settings
    from openpolicy.ingest.records import JurisdictionRec

# How a run's legislature is chosen (Source.jurisdiction).
FROM_FILES: Final = "from-files"  # per file: EveryPolitician's meta.json and/or --jurisdiction, which must agree
FIXED: Final = "fixed"  # always one legislature: the JURISDICTION of the parser module named by Source.fixed
IN_DATA: Final = "in-data"  # the data names its legislature; --jurisdiction is refused
JURISDICTION_RULES: Final = (FROM_FILES, FIXED, IN_DATA)

DAY: Final = 86400


@dataclass(frozen=True, slots=True)
class Source:
    """One import source: ``openpolicy import NAME LOCATION``.

    The parser module (``openpolicy.ingest.sources.<module>``) has ``discover(folder) -> files`` and ``parse``:
    ``parse(files, chosen, names, defer_ballots=)`` for FROM_FILES (``chosen``: each file's legislature),
    ``parse(files, names)`` otherwise. It is imported when a run needs it, not with the registry.
    """

    name: str
    description: str  # one line, for the CLI's help
    module: str
    jurisdiction: str  # FROM_FILES | FIXED | IN_DATA
    expected_interval: int  # default seconds between successful runs before the data is stale
    scheduled: bool  # the charts import it on a schedule (its location is a stable URL)
    snapshot: bool  # its files state their memberships in full: a later run ends those it no longer states
    fixed: str | None = None  # FIXED: the parser module whose JURISDICTION this source's data always belongs to

    def parser(self) -> ModuleType:
        return importlib.import_module(f"openpolicy.ingest.sources.{self.module}")

    def discover(self, folder: Path) -> list[Path]:
        """The files of ``folder`` this source reads."""
        files: list[Path] = self.parser().discover(folder)
        return files

    def fixed_jurisdiction(self) -> JurisdictionRec:
        """The legislature of a FIXED source's data."""
        if self.fixed is None:
            raise ValueError(f"{self.name}: its data names no fixed legislature ({self.jurisdiction})")
        record: JurisdictionRec = importlib.import_module(f"openpolicy.ingest.sources.{self.fixed}").JURISDICTION
        return record


SOURCES: Final[tuple[Source, ...]] = (
    Source(
        "popolo",
        "EveryPolitician Popolo JSON: people, parties, districts, terms, memberships, votes (a file or a folder)",
        "popolo",
        FROM_FILES,
        7 * DAY,
        scheduled=True,
        snapshot=True,
    ),
    Source(
        "us-congress",
        "US Congress legislators, committees and committee memberships (unitedstates/congress-legislators)",
        "us_congress",
        FIXED,
        DAY,
        scheduled=True,
        snapshot=True,
        fixed="us_congress",
    ),
    Source(
        "ourcommons",
        "Canadian House of Commons: members XML and divisions CSV",
        "ourcommons",
        FIXED,
        DAY,
        scheduled=True,
        snapshot=False,
        fixed="ourcommons",
    ),
    Source(
        "congress-bills",
        "US Congress Bill Status XML: bills, sponsors, actions, texts",
        "billstatus",
        FIXED,
        DAY,
        scheduled=False,
        snapshot=False,
        fixed="us_congress",
    ),
    Source(
        "boundaries",
        "Electoral boundaries (GeoJSON or TopoJSON) of a known boundary set",
        "boundaries",
        IN_DATA,
        365 * DAY,
        scheduled=True,
        snapshot=False,
    ),
    Source(
        "hansard",
        "Canadian House of Commons Hansard XML: sittings, speeches, divisions",
        "hansard",
        FIXED,
        DAY,
        scheduled=False,
        snapshot=False,
        fixed="ourcommons",
    ),
)
NAMES: Final[tuple[str, ...]] = tuple(source.name for source in SOURCES)
_BY_NAME: Final = {source.name: source for source in SOURCES}


class UnknownSource(KeyError):
    """A name that is no import source; the message lists the known ones."""

    def __str__(self) -> str:
        return f"unknown source {self.args[0]!r}; choose one of {', '.join(NAMES)}"


def get(name: str) -> Source:
    """The source called ``name`` (UnknownSource otherwise)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownSource(name) from None


def expected_interval(settings: Settings, name: str) -> int:
    """Seconds expected between successful runs of ``name``: IMPORT_EXPECTED_INTERVALS, else the source's default."""
    override = settings.import_expected_intervals.get(name)
    return int(override) if override is not None else get(name).expected_interval


def unknown_overrides(settings: Settings) -> list[str]:
    """Names in IMPORT_EXPECTED_INTERVALS that are no source (a typo there would silently change nothing)."""
    return sorted(set(settings.import_expected_intervals) - set(NAMES))


def _interval(seconds: int) -> str:
    days = seconds / DAY
    return f"{days:g} day" + ("s" if days != 1 else "")


def help_text() -> str:
    """Each source with its description and default expected interval, for ``openpolicy import --help``."""
    return "; ".join(
        f"{s.name}: {s.description} (" + ("full snapshot, " if s.snapshot else "") + f"stale after "
        f"{_interval(s.expected_interval)})"
        for s in SOURCES
    )
