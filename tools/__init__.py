"""Repository tooling: generators of committed files (dashboards, SLO rules, chart docs, rendered manifests,
the README settings table), run by make targets from the repository root and drift-tested by the test suite.

Not part of the ``openpolicy`` wheel: these modules find the repository from their own location and may use
dev-only packages. They import ``openpolicy``; ``openpolicy`` never imports them.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
