"""Helpers of the database area's tests: a data folder the embedded PostgreSQL can use.

As root the embedded server runs as the system user ``embedded_postgres``, which must be able to reach its
data folder. pytest's ``tmp_path`` lives under ``/tmp/pytest-of-root`` (mode 0700, and every pytest
session started meanwhile resets it to 0700), so the server's data folder is made elsewhere under /tmp.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def embedded_data_dir(prefix: str = "openpolicy-test-db-") -> Iterator[Path]:
    """A fresh folder for OPENPOLICY_DATA_DIR, removed afterwards (stop the server before leaving)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path / "data"
    finally:
        shutil.rmtree(path, ignore_errors=True)
