"""Where exports live: a folder (``EXPORT_DIR``) and, optionally, object storage (``EXPORT_S3_URL``).

An export is ``<root>/<id>/`` with ``manifest.json`` and the files it lists; ``<id>`` is its UTC creation time
(``20261208T013000Z``, ``-2`` … when two start in the same second), so names sort by age. Only folders whose
name is an export id and that hold a manifest are exports: temporary folders (``.tmp-…``) never are. A file is
addressed by its manifest ``path``; :func:`entry` resolves a name only when the manifest lists it, so no
request can name anything else (no traversal). In object storage an export is the same keys under
``<prefix>/<id>/``, its manifest uploaded last.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpolicy.export import objectstore
from openpolicy.export.objectstore import Credentials, S3Location

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
STALE_TMP_SECONDS = 86400
EXPORT_ID_RE = re.compile(r"^[0-9]{8}T[0-9]{6}Z(-[0-9]{1,4})?$")


class ManifestError(Exception):
    """A manifest that cannot be read or does not describe an export (the message names it)."""


@dataclass(frozen=True)
class Export:
    id: str
    manifest: dict[str, Any]

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.manifest["files"])

    def entry(self, path: str) -> dict[str, Any] | None:
        """The manifest's entry of ``path`` (the manifest itself has none), or None when it lists no such file."""
        for item in self.manifest["files"]:
            if item["path"] == path:
                return dict(item)
        return None


def parse_manifest(raw: bytes, where: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ManifestError(f"{where}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list) or "id" not in data:
        raise ManifestError(f"{where}: not an export manifest (needs id and files)")
    for index, item in enumerate(data["files"]):
        if not isinstance(item, dict) or not {"path", "rows", "bytes", "sha256"} <= item.keys():
            raise ManifestError(f"{where}: files[{index}] needs path, rows, bytes and sha256")
        path = item["path"]
        if not isinstance(path, str) or path.startswith("/") or ".." in path.split("/") or path == MANIFEST:
            raise ManifestError(f"{where}: files[{index}].path {path!r} is not a relative path inside the export")
    return data


# --- a folder ------------------------------------------------------------------------------------------------


def local_ids(root: Path) -> list[str]:
    """Ids of the complete exports under ``root``, oldest first."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if EXPORT_ID_RE.match(p.name) and (p / MANIFEST).is_file())


def load_local(root: Path, export_id: str) -> Export | None:
    if not EXPORT_ID_RE.match(export_id):
        return None
    path = root / export_id / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    return Export(export_id, parse_manifest(raw, str(path)))


def local_file(root: Path, export: Export, path: str) -> Path | None:
    """The file ``path`` of ``export`` when its manifest lists it (None otherwise)."""
    if path != MANIFEST and export.entry(path) is None:
        return None
    return root / export.id / path


def prune_local(root: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest exports, and temporary folders untouched for a day (left by an export
    that died: a running one writes into its own continuously); the ids deleted."""
    ids = local_ids(root)
    removed = ids[: max(len(ids) - keep, 0)]
    for export_id in removed:
        shutil.rmtree(root / export_id)
    cutoff = time.time() - STALE_TMP_SECONDS
    for tmp in root.glob(".tmp-*"):
        if tmp.is_dir() and tmp.stat().st_mtime < cutoff:
            shutil.rmtree(tmp, ignore_errors=True)
    return removed


def verify_local(root: Path, export: Export) -> list[str]:
    """Differences between the manifest and the files on disk (sizes and SHA-256); empty when they agree."""
    import hashlib

    problems: list[str] = []
    for item in export.files:
        path = root / export.id / item["path"]
        if not path.is_file():
            problems.append(f"{item['path']}: missing")
            continue
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        if path.stat().st_size != item["bytes"]:
            problems.append(f"{item['path']}: {path.stat().st_size} bytes, manifest says {item['bytes']}")
        if digest.hexdigest() != item["sha256"]:
            problems.append(f"{item['path']}: SHA-256 {digest.hexdigest()}, manifest says {item['sha256']}")
    return problems


# --- object storage ------------------------------------------------------------------------------------------


def upload(root: Path, export: Export, target: S3Location, creds: Credentials, progress: Callable[[str], None]) -> None:
    """Upload ``export`` under ``target/<id>/``: every file, then the manifest (an export without one is not listed)."""
    base = target.child(export.id)
    for item in export.files:
        objectstore.put_file(
            base.child(item["path"]), root / export.id / item["path"], creds, content_type=item.get("media_type") or
            "application/octet-stream",
        )  # fmt: skip
        progress(f"uploaded {base.child(item['path'])}")
    objectstore.put_file(base.child(MANIFEST), root / export.id / MANIFEST, creds, content_type="application/json")
    progress(f"uploaded {base.child(MANIFEST)}")


def remote_ids(target: S3Location, creds: Credentials) -> list[str]:
    """Ids of the exports under ``target`` (folders named like an export id), oldest first. An id whose manifest
    is not there yet (an upload in progress) is listed here; :func:`load_remote` then finds no manifest."""
    return [name for name in objectstore.folders(target, creds) if EXPORT_ID_RE.match(name)]


def load_remote(target: S3Location, creds: Credentials, export_id: str) -> Export | None:
    if not EXPORT_ID_RE.match(export_id):
        return None
    location = target.child(export_id).child(MANIFEST)
    raw = objectstore.get_bytes(location, creds)
    return None if raw is None else Export(export_id, parse_manifest(raw, str(location)))


def prune_remote(target: S3Location, creds: Credentials, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest exports under ``target``; the ids deleted."""
    ids = [i for i in remote_ids(target, creds) if load_remote(target, creds, i) is not None]
    removed = ids[: max(len(ids) - keep, 0)]
    for export_id in removed:
        objectstore.remove_folder(target.child(export_id), creds)
    return removed
