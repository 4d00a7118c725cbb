"""No private names of other packages in ``src/``: their authors change them in any release (SQLAlchemy's
``_compile_w_cache`` changed its return value within 2.0), so the version ranges in pyproject would not hold.

Flagged, with file:line:
* an import from a third-party module of a name starting with ``_``, or of a module with a ``_private`` segment;
* an attribute read, call keyword or attribute name ``._name`` that no module of ``openpolicy`` defines (so it
  belongs to someone else's object): ``stmt._compile_w_cache(...)``, ``construct_params(_collected_params=...)``.
Dunder names (``__version__``, ``__table__``) are public by convention and allowed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "openpolicy"
# Public API spelled with "_" against clashes with field names: namedtuple's and SQLAlchemy Row's.
ALLOWED_ATTRIBUTES = {"_asdict", "_fields", "_replace", "_make", "_mapping", "_tuple", "_t"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _trees() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))) for path in sorted(SRC.rglob("*.py"))
    ]


def _own_names(trees: list[tuple[Path, ast.Module]]) -> set[str]:
    """Every private name the package defines: functions, classes, parameters, assigned names and attributes."""
    names: set[str] = set()
    for _path, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.rpartition(".")[2])
    return {name for name in names if _private(name)}


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return top != "openpolicy" and top not in sys.stdlib_module_names


def violations() -> list[str]:
    trees = _trees()
    own = _own_names(trees)
    found: list[str] = []
    for path, tree in trees:
        where = path.relative_to(SRC.parents[1])
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level and _third_party(node.module):
                private = [a.name for a in node.names if _private(a.name)]
                if any(_private(part) for part in node.module.split(".")) or private:
                    found.append(f"{where}:{node.lineno}: from {node.module} import {', '.join(private) or '…'}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _third_party(alias.name) and any(_private(part) for part in alias.name.split(".")):
                        found.append(f"{where}:{node.lineno}: import {alias.name}")
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                stdlib = isinstance(node.value, ast.Name) and node.value.id in sys.stdlib_module_names
                if node.attr not in own and node.attr not in ALLOWED_ATTRIBUTES and not stdlib:
                    found.append(f"{where}:{node.lineno}: attribute .{node.attr}")
            elif isinstance(node, ast.keyword) and node.arg and _private(node.arg) and node.arg not in own:
                found.append(f"{where}:{node.lineno}: keyword {node.arg}=")
    return sorted(found, key=lambda line: (line.split(":")[0], int(line.split(":")[1])))


def test_src_uses_no_private_name_of_another_package() -> None:
    assert violations() == []


def test_the_check_finds_what_it_forbids(tmp_path: Path, monkeypatch: object) -> None:
    """The check is not vacuous: the two calls the api once made are found, naming file and line."""
    import pytest

    source = (
        "from sqlalchemy.util import _collections\n"
        "from fastapi.routing import _apply_router_form_limits\n"
        "def f(stmt, compiled):\n"
        "    stmt._compile_w_cache(None)\n"
        "    compiled.construct_params(_collected_params=None)\n"
    )
    package = tmp_path / "src" / "openpolicy"
    package.mkdir(parents=True)
    (package / "bad.py").write_text(source)
    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(sys.modules[__name__], "SRC", package)
    assert violations() == [
        "src/openpolicy/bad.py:1: from sqlalchemy.util import _collections",
        "src/openpolicy/bad.py:2: from fastapi.routing import _apply_router_form_limits",
        "src/openpolicy/bad.py:4: attribute ._compile_w_cache",
        "src/openpolicy/bad.py:5: keyword _collected_params=",
    ]
