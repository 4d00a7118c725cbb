"""Baselines of the api benchmark: raw ASGI apps (no framework at all) served by the same uvicorn settings.

* ``app``: fixed small JSON bytes — what this machine and server can do at best (the issue's baseline);
* ``replay``: answers each path with the exact status, headers and body the api gave for it (recorded in the
  file named by ``BENCH_REPLAY_FILE``), so the api's cached figures can also be read against the cost of
  sending the same bytes — the overhead of our own stack, with the response size factored out.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

BODY = b'{"results":[],"pagination":{"limit":20,"next":null}}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def _load_replay() -> dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]]:
    path = os.environ.get("BENCH_REPLAY_FILE")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        recorded = json.load(handle)
    return {
        key: (
            int(item["status"]),
            [(k.encode("latin-1"), v.encode("latin-1")) for k, v in item["headers"]],
            base64.b64decode(item["body"]),
        )
        for key, item in recorded.items()
    }


_REPLAY = _load_replay()
_NOT_FOUND = (404, [(b"content-length", b"0")], b"")


async def replay(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    raw_path = scope.get("raw_path") or scope["path"].encode()
    query = scope["query_string"]
    key = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    status, headers, body = _REPLAY.get(key, _NOT_FOUND)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
