"""/v1/exports: the bulk exports that exist (from their manifests) and downloads of their files.

Exports are read from ``EXPORT_DIR`` (the folder ``openpolicy export`` writes), or from object storage when
``EXPORT_S3_URL`` is set, where a download is a 307 redirect to a presigned URL. A file is named by its manifest
``path`` and served only when the manifest lists it (``manifest.json`` itself too): no other name reaches the disk
or the bucket. Local downloads carry ``ETag`` (the file's SHA-256 from the manifest), ``Content-Length`` and
``Accept-Ranges``; a single ``Range: bytes=…`` is a 206, an unsatisfiable or malformed one a 416 problem with
``Content-Range: bytes */SIZE`` (several ranges: the whole file), ``If-Range`` with another tag gives the whole
file, ``If-None-Match`` a 304. Files are sent as ``application/octet-stream`` (the manifest states each file's media
type): the bytes on the wire are exactly the bytes the manifest's SHA-256 covers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from openpolicy.api.deps import get_settings
from openpolicy.api.errors import NotFound, ProblemError, problem_response
from openpolicy.api.etag import if_none_match_matches
from openpolicy.config import Settings
from openpolicy.export import objectstore, store
from openpolicy.export.store import MANIFEST, Export

router = APIRouter(prefix="/exports", tags=["exports"])

CHUNK = 256 * 1024
_RANGE_RE = re.compile(r"^bytes=([0-9]{0,19})-([0-9]{0,19})$")
_remote_manifests: dict[tuple[str, str], Export] = {}  # (EXPORT_S3_URL, id) → export: a manifest never changes


class ExportFile(BaseModel):
    path: str = Field(description="Path inside the export (also the download name).")
    rows: int = Field(description="Data rows (CSV: without the header; JSON Lines: lines; Popolo: objects).")
    bytes: int
    sha256: str = Field(description="SHA-256 of the file's bytes (hex); the download's ETag.")
    media_type: str | None = None
    jurisdiction: str | None = None
    session: str | None = None
    url: str = Field(description="Download link.")


class ExportOut(BaseModel):
    id: str
    created_at: str
    format_version: int
    schema_version: str = Field(description="Alembic revision of the database the export was made from.")
    change_feed_position: int = Field(
        description="The last /v1/changes id the export contains: continue the feed with after=this."
    )
    jurisdictions: list[dict[str, str]]
    documents: bool = Field(description="Whether JSON Lines of the API documents are included.")
    rows: int
    bytes: int
    manifest_url: str
    files: list[ExportFile]


class ExportList(BaseModel):
    results: list[ExportOut] = Field(description="Newest first.")


def _s3(settings: Settings) -> tuple[objectstore.S3Location, objectstore.Credentials] | None:
    if not settings.export_s3_url:
        return None
    try:
        return objectstore.parse_s3_url(settings.export_s3_url), objectstore.Credentials.from_env()
    except objectstore.ObjectStoreError as exc:
        raise ProblemError(503, "Service Unavailable", f"object storage of exports: {exc}") from None


def _unavailable(exc: Exception) -> ProblemError:
    return ProblemError(503, "Service Unavailable", f"exports cannot be read now: {exc}", dependency="exports")


def _ids(settings: Settings) -> list[str]:
    remote = _s3(settings)
    try:
        if remote is None:
            return store.local_ids(settings.exports_root())
        return store.remote_ids(*remote)
    except (OSError, objectstore.ObjectStoreError) as exc:
        raise _unavailable(exc) from None


def _load(settings: Settings, export_id: str) -> Export | None:
    remote = _s3(settings)
    try:
        if remote is None:
            return store.load_local(settings.exports_root(), export_id)
        key = (str(remote[0]), export_id)
        found = _remote_manifests.get(key)
        if found is None:
            found = store.load_remote(remote[0], remote[1], export_id)
            if found is not None:
                _remote_manifests[key] = found
        return found
    except (OSError, objectstore.ObjectStoreError, store.ManifestError) as exc:
        raise _unavailable(exc) from None


def _out(export: Export) -> ExportOut:
    base = f"/v1/exports/{export.id}"
    m = export.manifest
    files = [ExportFile(**{k: f.get(k) for k in ExportFile.model_fields if k != "url"}, url=f"{base}/files/{f['path']}")
             for f in export.files]  # fmt: skip
    return ExportOut(
        id=export.id,
        created_at=str(m.get("created_at")),
        format_version=int(m.get("format_version", 0)),
        schema_version=str(m.get("schema_version")),
        change_feed_position=int(m.get("change_feed_position", 0)),
        jurisdictions=list(m.get("jurisdictions", [])),
        documents=bool(m.get("documents")),
        rows=sum(f.rows for f in files),
        bytes=sum(f.bytes for f in files),
        manifest_url=f"{base}/files/{MANIFEST}",
        files=files,
    )


def _list(settings: Settings) -> ExportList:
    exports = [e for e in (_load(settings, i) for i in reversed(_ids(settings))) if e is not None]
    return ExportList(results=[_out(e) for e in exports])


@router.get("", summary="Bulk exports", response_model=ExportList)
async def list_exports(settings: Annotated[Settings, Depends(get_settings)]) -> ExportList:
    """Every export that exists, newest first, with its files (rows, bytes, SHA-256) and their download links."""
    return await run_in_threadpool(_list, settings)


@router.get("/{export_id}", summary="One bulk export", response_model=ExportOut)
async def get_export(export_id: str, settings: Annotated[Settings, Depends(get_settings)]) -> ExportOut:
    """One export's manifest, with download links."""
    export = await run_in_threadpool(_load, settings, export_id)
    if export is None:
        raise NotFound("export", export_id)
    return _out(export)


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        while length > 0:
            chunk = fh.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _range(header: str, size: int) -> tuple[int, int] | str | None:
    """``(start, end)`` inclusive of a single byte range; None: serve the whole file; "bad": unsatisfiable."""
    value = header.strip()
    if not value.lower().startswith("bytes="):
        return None  # another unit: ignored (RFC 9110 14.2)
    if "," in value:
        return None  # several ranges: the whole file
    match = _RANGE_RE.match("bytes=" + value[6:].strip())
    if match is None or match.group(1) == match.group(2) == "":
        return "bad"
    first, last = match.group(1), match.group(2)
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            return "bad"
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        return "bad"
    return start, end


@router.get(
    "/{export_id}/files/{path:path}",
    summary="Download a file of an export",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file."},
        206: {"content": {"application/octet-stream": {}}, "description": "The requested byte range."},
        304: {"description": "Not modified (If-None-Match)."},
        307: {"description": "Object storage: a presigned URL of the file."},
        416: {"description": "Range not satisfiable."},
    },
)
async def download(
    export_id: str, path: str, request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> Response:
    """A file listed in the export's manifest (or ``manifest.json``); ``Range`` and ``If-None-Match`` honoured."""
    export = await run_in_threadpool(_load, settings, export_id)
    if export is None:
        raise NotFound("export", export_id)
    entry = export.entry(path)
    if entry is None and path != MANIFEST:
        raise ProblemError(404, "Not Found", f"export {export_id} lists no file {path!r}", kind="export file", id=path)
    name = path.rsplit("/", 1)[-1]
    remote = _s3(settings)
    if remote is not None:
        location = remote[0].child(export_id).child(path)
        try:
            url = objectstore.presigned_get(location, remote[1], settings.export_url_ttl_seconds, name)
        except objectstore.ObjectStoreError as exc:
            raise _unavailable(exc) from None
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    file = store.local_file(settings.exports_root(), export, path)
    try:
        size = file.stat().st_size if file is not None else -1
    except FileNotFoundError:
        size = -1
    if file is None or size < 0:  # deleted by a newer export's pruning since the manifest was read
        raise NotFound("export", export_id)
    digest = entry["sha256"] if entry is not None else await run_in_threadpool(_sha256, file)
    etag = f'"{digest}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "public, max-age=86400, immutable",
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    if if_none_match_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    span = _range(wanted, size) if wanted is not None and (if_range is None or if_range.strip() == etag) else None
    if span == "bad":
        return problem_response(
            416,
            detail=f"range {wanted!r} is not satisfiable: {path} has {size} bytes",
            request=request,
            headers={"Content-Range": f"bytes */{size}"},
        )
    media = "application/octet-stream"
    if isinstance(span, tuple):
        start, end = span
        headers.update({"Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(end - start + 1)})
        return StreamingResponse(
            _read(file, start, end - start + 1), status_code=206, headers=headers, media_type=media
        )
    headers["Content-Length"] = str(size)
    return StreamingResponse(_read(file, 0, size), status_code=200, headers=headers, media_type=media)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
