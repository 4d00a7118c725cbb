"""The baseline of the api benchmark: a raw ASGI app returning fixed JSON bytes (no framework at all).

Served by the same uvicorn settings as the api (one worker, no access log), it measures what this machine
and server can do at best, so the api's figures can be read as a ratio rather than absolute numbers.
"""

from __future__ import annotations

from typing import Any

BODY = b'{"results":[],"pagination":{"limit":20,"next":null}}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
