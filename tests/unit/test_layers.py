"""Floors that point one way: every import inside the ``openpolicy`` package goes to its own layer or a lower one.

The layers, lowest first (a module's layer is its first name under ``openpolicy``). Every import counts: at module
level, inside functions (lazy imports) and under ``TYPE_CHECKING``. The web talks to the api only over HTTP, so
it imports nothing of the layers that hold the data (db, documents, ingest, api).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "openpolicy"

LAYERS: list[tuple[str, ...]] = [
    ("__init__", "config"),  # settings; the package itself (its version)
    ("observability",),  # logging, metrics, tracing, health primitives
    ("http",),  # ASGI plumbing and the draining server shared by the api and the web
    ("db",),  # schema, engine, migrations, audit rows, cache generations
    ("documents",),  # the response models and the read model
    ("ingest",),  # sources, loader, import runs, demo data
    ("notify", "export"),  # webhook deliveries and data exports: the api serves their stores (/v1/subscriptions,
    # /v1/exports), so they sit below it; they read the data, never the api
    ("api",),
    ("web",),
    ("ops",),
    ("cli", "up"),  # orchestration: the command line and `openpolicy up`
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
WEB_NEVER_IMPORTS = {"db", "documents", "ingest", "api"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    """``openpolicy.api.cache`` → ``api``; ``openpolicy`` → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[str, int]]:
    """Every ``openpolicy`` module ``path`` imports, with the line; relative imports resolved."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "openpolicy":  # `from openpolicy import api` names submodules
                found += [
                    (f"openpolicy.{alias.name}" if alias.name in RANK else target, node.lineno) for alias in node.names
                ]
            else:
                found.append((target, node.lineno))
    return [(name, line) for name, line in found if name == "openpolicy" or name.startswith("openpolicy.")]


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def violations(paths: list[Path]) -> list[str]:
    out = []
    for path in paths:
        importer = module_name(path)
        here = layer_of(importer)
        for target, line in imports(path):
            there = layer_of(target)
            where = f"{path.relative_to(SRC.parent)}:{line}: {importer} imports {target}"
            if here not in RANK or there not in RANK:
                out.append(f"{where} — {here if here not in RANK else there!r} is in no layer: add it to LAYERS")
            elif RANK[there] > RANK[here]:
                out.append(f"{where} — {there} is above {here}")
            elif here == "web" and there in WEB_NEVER_IMPORTS:
                out.append(f"{where} — the web reaches the api only over HTTP")
    return out


def test_every_import_points_down() -> None:
    found = violations(sources())
    assert found == [], "upward imports:\n" + "\n".join(found)


def test_every_module_is_in_a_layer() -> None:
    unplaced = sorted({layer_of(module_name(p)) for p in sources()} - set(RANK))
    assert unplaced == [], f"add {unplaced} to LAYERS"


@pytest.mark.parametrize(
    ("where", "code", "expected"),
    [
        (
            "db/x.py",
            "from openpolicy.ingest import demo\n",
            "openpolicy.db.x imports openpolicy.ingest — ingest is above db",
        ),
        ("db/x.py", "def f():\n    from openpolicy.cli import app\n", "x.py:2: openpolicy.db.x imports openpolicy.cli"),
        ("observability/x.py", "from ..db import models\n", "imports openpolicy.db — db is above observability"),
        ("ingest/x.py", "from openpolicy import api\n", "imports openpolicy.api — api is above ingest"),
        ("web/x.py", "from openpolicy.documents.schemas import Bill\n", "the web reaches the api only over HTTP"),
        ("newpkg/x.py", "from openpolicy.db import models\n", "'newpkg' is in no layer"),
    ],
)
def test_an_upward_import_is_named_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, code: str, expected: str
) -> None:
    fake = tmp_path / "src"
    path = fake / "openpolicy" / where
    path.parent.mkdir(parents=True)
    path.write_text(code)
    monkeypatch.setitem(globals(), "SRC", fake)
    found = violations([path])
    assert len(found) == 1 and expected in found[0], found


def test_a_downward_import_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "src"
    path = fake / "openpolicy" / "api" / "x.py"
    path.parent.mkdir(parents=True)
    path.write_text("from openpolicy.db import models\nfrom openpolicy.api import cache\nimport openpolicy\n")
    monkeypatch.setitem(globals(), "SRC", fake)
    assert violations([path]) == []
