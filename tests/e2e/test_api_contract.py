"""schemathesis with every check against the live api (its /openapi.json): no 5xx, no undocumented status, header or
content type, no answer outside its schema, no schema-violating request accepted.

Bounded (3 examples an operation, one worker, a fixed seed) so that it runs in about a minute. The failures a schema
cannot prevent are accepted in ``schemathesis-baseline.json``, each entry with its ``reason``: opaque or
data-dependent values (``cursor``, the change feed's ``after``, ``jurisdiction``) that a generated string does not
match (a 400 naming the parameter), and the webhooks' subscription routes' OPTIONS/DELETE answers. Any other failure —
and any 5xx at all — fails this test, with schemathesis's report (and its ``curl`` reproductions) as the message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import LiveStack

BASELINE = Path(__file__).with_name("schemathesis-baseline.json")
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


def test_the_live_api_keeps_its_openapi_contract(live_stack: LiveStack, tmp_path: Path) -> None:
    run = subprocess.run(
        [SCHEMATHESIS, "run", f"{live_stack.api}/openapi.json", "--checks", "all", "--max-examples", "3",
         "--phases", "examples,coverage,fuzzing,stateful", "--workers", "1", "--seed", "3", "--no-color",
         "--suppress-health-check", "filter_too_much", "--baseline", str(BASELINE),
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    report = run.stdout + run.stderr
    assert "Server error" not in report, report[-20000:]
    assert run.returncode == 0, report[-20000:]
    assert "Tested: " in report and "Known failures" in report
