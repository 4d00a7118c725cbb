"""``make mutate``: mutation testing (mutmut) of the modules whose mistakes users see first.

For each module below, mutmut copies ``src`` into a scratch folder (``.tools/mutate/<name>/mutants``), makes every
small change it knows in that one file (a mutant), and runs, for each mutant, the selected tests that reach the
mutated function; a mutant is *killed* when a test fails. The score of a module is killed / (mutants − listed
equivalent mutants). Equivalent mutants (changes no caller can observe) are listed with why in
``tests/support/mutation_equivalents.toml``, matched by function and changed lines (not by mutmut's numbers, which
shift when the module changes). Every survivor is printed as a diff; a module under the floor fails the run.

    python -m tests.support.mutation [--floor 80] [MODULE ...]     # MODULE: pagination, errors, common
"""

from __future__ import annotations

import argparse
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
    """A module to mutate and the tests that judge it (the tests that reach each mutated function run)."""

    name: str
    source: str
    tests: tuple[str, ...]

    @property
    def module(self) -> str:
        return self.source.removeprefix("src/").removesuffix(".py").replace("/", ".")


# The HTTP cache key (api/cache.py) joins this list once its rewrite has landed.
TARGETS = {
    t.name: t
    for t in (
        Target(
            "pagination",
            "src/openpolicy/api/pagination.py",
            (
                "tests/unit/test_routers_cursor.py",
                "tests/unit/test_list_query.py",
                "tests/unit/test_shaped_pages.py",
                "tests/unit/test_mutation_pagination.py",
                "tests/integration/test_pagination_walk.py",
            ),
        ),
        Target(
            "errors",
            "src/openpolicy/api/errors.py",
            (
                "tests/unit/test_mutation_errors.py",
                "tests/integration/test_problem_details.py",
                "tests/integration/test_api_strict.py",  # strict query strings: a 400 listing what is allowed
            ),
        ),
        Target(
            "common",
            "src/openpolicy/ingest/sources/common.py",
            ("tests/unit/test_mutation_common.py",),
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
        "use_git_change_detection = false\n",
        encoding="utf-8",
    )
    return work


_RESULT = re.compile(r"^\s*(\S+__mutmut_\d+): (.+?)\s*$")
_FUNCTION = re.compile(r"\.x[ǁ_]?(.+?)__mutmut_\d+$")


def _describe(work: Path, mutant: Mutant) -> None:
    diff = _mutmut(work, "show", mutant.name)
    mutant.diff = "\n".join(line for line in diff.splitlines() if not line.startswith("#"))
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "#"))]
    mutant.removed = tuple(line[1:].strip() for line in body if line.startswith("-"))
    mutant.added = tuple(line[1:].strip() for line in body if line.startswith("+"))
    match = _FUNCTION.search(mutant.name)
    mutant.function = (match.group(1) if match else mutant.name).replace("ǁ", ".")


def run_target(target: Target, equivalents: list[dict[str, str]]) -> Outcome:
    missing = [t for t in target.tests if not (ROOT / t).is_file()]
    if missing:
        raise SystemExit(f"{target.name}: selected test files missing: {missing}")
    work = _prepare(target)
    started = time.monotonic()
    _mutmut(work, "run", "--max-children", "1", log=work / "run.log")
    outcome = Outcome(target, seconds=time.monotonic() - started)
    for line in _mutmut(work, "results", "--all", "true").splitlines():
        match = _RESULT.match(line)
        if match and match.group(1).startswith(f"{target.module}."):
            outcome.mutants.append(Mutant(match.group(1), match.group(2)))
    if not outcome.mutants:
        raise SystemExit(f"{target.name}: mutmut made no mutants of {target.source} (see {work}/run.log)")
    unfinished = [m for m in outcome.mutants if m.status not in KILLED | NOT_KILLED]
    if unfinished:
        raise SystemExit(f"{target.name}: mutants not judged: {[(m.name, m.status) for m in unfinished][:10]}")
    mine = [e for e in equivalents if e["module"] == target.module]
    for mutant in outcome.mutants:
        if mutant.status not in NOT_KILLED:
            continue
        _describe(work, mutant)
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
    args = parser.parse_args(argv)
    if not MUTMUT.is_file():
        raise SystemExit(f"{MUTMUT} is missing: `make install` installs mutmut (dev dependency group)")
    unknown = sorted(set(args.modules) - set(TARGETS))
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {', '.join(TARGETS)}")
    equivalents = load_equivalents()
    outcomes = []
    for name in args.modules or list(TARGETS):
        print(f"mutate {name}: {TARGETS[name].source} against {' '.join(TARGETS[name].tests)}", flush=True)
        outcome = run_target(TARGETS[name], equivalents)
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
    if failed:
        print(f"below the floor of {args.floor:.0f} % killed: {', '.join(failed)}")
        return 1
    print(f"every module at or above {args.floor:.0f} % killed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
