"""Location resolution without a network: files, folders, unsupported schemes, missing paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from openpolicy.ingest.fetch import FetchError, FetchPolicy, resolve
from openpolicy.ingest.sources import ourcommons


def test_file_folder_and_errors(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.xml").write_text("<x/>")
    (tmp_path / "notes.txt").write_text("ignored")
    policy = FetchPolicy()
    assert resolve(str(tmp_path / "a.csv"), ourcommons.discover, tmp_path, policy).files == [tmp_path / "a.csv"]
    assert resolve(str(tmp_path), ourcommons.discover, tmp_path, policy).files == [
        tmp_path / "a.csv",
        tmp_path / "sub" / "b.xml",
    ]
    with pytest.raises(FetchError, match="no such file or folder"):
        resolve(str(tmp_path / "missing.xml"), ourcommons.discover, tmp_path, policy)
    with pytest.raises(FetchError, match="unsupported scheme"):
        resolve("ftp://example.org/data.xml", ourcommons.discover, tmp_path, policy)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FetchError, match="holds no files this source reads"):
        resolve(str(tmp_path / "empty"), ourcommons.discover, tmp_path, policy)
