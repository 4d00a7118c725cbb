"""``make mutate``: mutation testing (mutmut) of the modules whose mistakes users see first.

For each target below, mutmut copies ``src`` into a scratch folder (``.tools/mutate/<name>/mutants``), makes every
small change it knows in that one file (a mutant) — or only in the functions the target names — and runs, for each
mutant, the selected tests that reach the mutated function; a mutant is *killed* when a test fails. The score of a
target is killed / (mutants − listed equivalent mutants). Equivalent mutants (changes no caller can observe) are
listed with why in ``tests/support/mutation_equivalents.toml``, matched by function and changed lines (not by
mutmut's numbers, which shift when the module changes). Every survivor is printed as a diff; a target under the
floor fails the run.

The tests selected per target are fast ones that need no database: mutmut runs them once per mutant, so a
database created per test session would cost seconds per mutant. ``make test`` runs every target (``--jobs`` =
the machine's cores).

    python -m tests.support.mutation [--floor 80] [--jobs N] [TARGET ...]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import ROOT, SHARED_DATA

EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.toml")
WORK = ROOT / ".tools" / "mutate"
MUTMUT = Path(sys.executable).with_name("mutmut")

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
NOT_KILLED = {"survived", "no tests", "suspicious"}


@dataclass(frozen=True)
class Target:
    """A module to mutate and the tests that judge it (the tests that reach each mutated function run).

    ``functions`` (mutmut's mangled names: ``x_name`` for a function, ``xǁClassǁmethod`` for a method) limits the
    mutants to those functions, for a module of which only a part is the target (the cache key of api/cache.py).
    """

    name: str
    source: str
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()
    what: str = ""

    @property
    def module(self) -> str:
        return self.source.removeprefix("src/").removesuffix(".py").replace("/", ".")

    @property
    def patterns(self) -> list[str]:
        """mutmut's names of the mutants to run (all of the module's when no functions are named)."""
        return [f"{self.module}.{function}__mutmut_*" for function in self.functions]


# The targets, in the order they run. Not (yet) here: the document builder (documents/build.py), whose every
# function reads the database; the person join of the loader beyond _check_group (the union of records sharing an
# id, the match against stored people), which runs inside one SQL transaction. Their integration tests judge them.
TARGETS = {
    t.name: t
    for t in (
        Target(
            "pagination",
            "src/openpolicy/api/pagination.py",
            (
                "tests/unit/test_mutation_pagination.py",
                "tests/unit/test_routers_cursor.py",
                "tests/unit/test_list_query.py",
                "tests/integration/test_pagination_pages.py",  # one connection and a temporary table, no database
            ),
            what="cursors, next links, limits, sort orders, keyset pages on both paths",
        ),
        Target(
            "errors",
            "src/openpolicy/api/errors.py",
            ("tests/unit/test_mutation_errors.py",),
            what="RFC 9457 problem documents, 503 on database outages",
        ),
        Target(
            "cache-key",
            "src/openpolicy/api/cache.py",
            ("tests/unit/test_mutation_cache_key.py",),
            functions=("x_first_segment", "x_resource_of", "x_request_key", "x_check_resources"),
            what="the response cache's key and resources (request_key, resource_of, first_segment, check_resources)",
        ),
        Target(
            "common",
            "src/openpolicy/ingest/sources/common.py",
            ("tests/unit/test_mutation_common.py",),
            what="the importers' shared file helpers",
        ),
        Target(
            "identity",
            "src/openpolicy/ingest/identity.py",
            ("tests/unit/test_mutation_identity.py",),
            what="which identifier schemes join records and how they are scoped",
        ),
        Target(
            "person-join",
            "src/openpolicy/ingest/loader.py",
            ("tests/unit/test_mutation_identity.py",),
            functions=("xǁLoaderǁ_check_group",),
            what="the loader's refusal of joined records that cannot be one person (Loader._check_group)",
        ),
    )
}


@dataclass
class Mutant:
    name: str
    status: str
    function: str = ""
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    diff: str = ""


@dataclass
class Outcome:
    target: Target
    mutants: list[Mutant] = field(default_factory=list)
    equivalent: list[tuple[Mutant, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def killed(self) -> int:
        return sum(m.status in KILLED for m in self.mutants)

    @property
    def survivors(self) -> list[Mutant]:
        listed = {id(m) for m, _ in self.equivalent}
        return [m for m in self.mutants if m.status in NOT_KILLED and id(m) not in listed]

    @property
    def score(self) -> float:
        judged = len(self.mutants) - len(self.equivalent)
        return 100.0 * self.killed / judged if judged else 100.0


def load_equivalents() -> list[dict[str, str]]:
    entries: list[dict[str, str]] = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")).get("equivalent", [])
    for entry in entries:
        missing = {"module", "function", "before", "after", "why"} - set(entry)
        if missing:
            raise SystemExit(f"{EQUIVALENTS}: an entry lacks {sorted(missing)}: {entry}")
    return entries


def _mutmut(work: Path, *args: str, log: Path | None = None) -> str:
    env = {**os.environ, "OPENPOLICY_TEST_DATA": str(SHARED_DATA), "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run(
        [str(MUTMUT), *args], cwd=work, env=env, capture_output=True, text=True, timeout=3600, check=False
    )
    if log is not None:
        log.write_text(out.stdout + out.stderr, encoding="utf-8")
    if out.returncode != 0:
        tail = "\n".join((out.stdout + out.stderr).splitlines()[-40:])
        raise SystemExit(f"mutmut {' '.join(args)} failed ({out.returncode}) in {work}:\n{tail}")
    return out.stdout


def _prepare(target: Target) -> Path:
    work = WORK / target.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("src", "tests", "pyproject.toml"):
        (work / name).symlink_to(ROOT / name)
    selection = "\n    ".join(target.tests)
    (work / "setup.cfg").write_text(
        "[mutmut]\n"
        "source_paths = src\n"
        f"only_mutate = {target.source}\n"
        f"pytest_add_cli_args_test_selection =\n    {selection}\n"
        "pytest_add_cli_args = -p no:cacheprovider\n"
        "use_git_change_detection = false\n"
        # a mutant that loops is stopped after (its tests' seconds + 1) x 5 x 2 CPU seconds (mutmut's default x 15)
        "timeout_multiplier = 5\n",
        encoding="utf-8",
    )
    return work


_RESULT = re.compile(r"^\s*(\S+__mutmut_\d+): (.+?)\s*$")
_FUNCTION = re.compile(r"\.x[ǁ_]?(.+?)__mutmut_\d+$")


_DIFFS = (
    "import json, sys\n"
    "from mutmut.mutation.diff_apply import get_diff_for_mutant\n"
    "print(json.dumps({name: get_diff_for_mutant(name) for name in sys.argv[1:]}))\n"
)


def _describe(work: Path, mutants: list[Mutant]) -> None:
    """Each mutant's diff (what ``mutmut show`` prints), read in one process for all of them."""
    if not mutants:
        return
    out = subprocess.run(
        [sys.executable, "-c", _DIFFS, *(m.name for m in mutants)],
        cwd=work, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"reading the mutants' diffs failed in {work}:\n{out.stderr[-3000:]}")
    diffs: dict[str, str] = json.loads(out.stdout)
    for mutant in mutants:
        diff = diffs[mutant.name]
        mutant.diff = "\n".join(line for line in diff.splitlines() if not line.startswith("#"))
        body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@", "#"))]
        mutant.removed = tuple(line[1:].strip() for line in body if line.startswith("-"))
        mutant.added = tuple(line[1:].strip() for line in body if line.startswith("+"))
        match = _FUNCTION.search(mutant.name)
        mutant.function = (match.group(1) if match else mutant.name).replace("ǁ", ".")


def run_target(target: Target, equivalents: list[dict[str, str]], jobs: int = 1) -> Outcome:
    missing = [t for t in target.tests if not (ROOT / t).is_file()]
    if missing:
        raise SystemExit(f"{target.name}: selected test files missing: {missing}")
    work = _prepare(target)
    started = time.monotonic()
    _mutmut(work, "run", "--max-children", str(jobs), *target.patterns, log=work / "run.log")
    outcome = Outcome(target, seconds=time.monotonic() - started)
    for line in _mutmut(work, "results", "--all", "true").splitlines():
        match = _RESULT.match(line)
        if match and match.group(1).startswith(f"{target.module}."):
            if target.patterns and not any(fnmatch.fnmatchcase(match.group(1), p) for p in target.patterns):
                continue
            outcome.mutants.append(Mutant(match.group(1), match.group(2)))
    if not outcome.mutants:
        raise SystemExit(f"{target.name}: mutmut made no mutants of {target.source} (see {work}/run.log)")
    if target.functions:
        made = {m.name.rsplit("__mutmut_", 1)[0].removeprefix(f"{target.module}.") for m in outcome.mutants}
        absent = sorted(set(target.functions) - made)
        if absent:  # a renamed function must not silently leave the target
            raise SystemExit(f"{target.name}: no mutants of {absent} in {target.source}: renamed or removed?")
    unfinished = [m for m in outcome.mutants if m.status not in KILLED | NOT_KILLED]
    if unfinished:
        raise SystemExit(f"{target.name}: mutants not judged: {[(m.name, m.status) for m in unfinished][:10]}")
    mine = [e for e in equivalents if e["module"] == target.module]
    not_killed = [m for m in outcome.mutants if m.status in NOT_KILLED]
    _describe(work, not_killed)
    for mutant in not_killed:
        for entry in mine:
            if (
                entry["function"] == mutant.function
                and _lines(entry["before"]) == mutant.removed
                and _lines(entry["after"]) == mutant.added
            ):
                outcome.equivalent.append((mutant, entry["why"]))
                break
    return outcome


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.strip().splitlines())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=f"one of {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--floor", type=float, default=80.0, help="minimum %% killed per module (default 80)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="mutants judged at once (default: the cores)"
    )
    args = parser.parse_args(argv)
    if not MUTMUT.is_file():
        raise SystemExit(f"{MUTMUT} is missing: `make install` installs mutmut (dev dependency group)")
    unknown = sorted(set(args.modules) - set(TARGETS))
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {', '.join(TARGETS)}")
    equivalents = load_equivalents()
    outcomes = []
    started = time.monotonic()
    for name in args.modules or list(TARGETS):
        target = TARGETS[name]
        part = f" ({', '.join(target.functions)})" if target.functions else ""
        print(f"mutate {name}: {target.source}{part} against {' '.join(target.tests)}", flush=True)
        outcome = run_target(target, equivalents, jobs=args.jobs)
        outcomes.append(outcome)
        for mutant in outcome.survivors:
            print(f"\nSURVIVED ({mutant.status}) {mutant.name}\n{mutant.diff}")
        for mutant, why in outcome.equivalent:
            print(f"\nequivalent {mutant.name}: {why}")
        print(flush=True)
    print(f"{'module':<12} {'mutants':>8} {'killed':>7} {'equiv.':>7} {'survived':>9} {'score':>7}  seconds")
    failed = []
    for o in outcomes:
        print(
            f"{o.target.name:<12} {len(o.mutants):>8} {o.killed:>7} {len(o.equivalent):>7} "
            f"{len(o.survivors):>9} {o.score:>6.1f}%  {o.seconds:.0f}"
        )
        if o.score < args.floor:
            failed.append(o.target.name)
    print(f"{len(outcomes)} module(s) in {time.monotonic() - started:.0f} s with {args.jobs} job(s)")
    if failed:
        print(f"below the floor of {args.floor:.0f} % killed: {', '.join(failed)}")
        return 1
    print(f"every module at or above {args.floor:.0f} % killed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
