"""``/docs``: Swagger UI served by the api itself — its assets come from the ``fastapi-offline`` package's data
(Swagger UI 5, which reads OpenAPI 3.1), so the page works offline and loads nothing from a CDN.

The page has no inline script or style element: it loads the bundle and ``/docs/static/init.js`` (this package's
own), and answers with a Content-Security-Policy allowing only the api's own origin for scripts, styles,
images (and ``data:`` images, which Swagger UI draws its icons with), connections (``/openapi.json`` and
"Try it out") and no framing. Assets are read from the package once per process and cached by clients for a day
(their ETags revalidate them).
"""

from __future__ import annotations

import functools
from importlib.resources import files

from fastapi import APIRouter
from starlette.responses import HTMLResponse, Response

from openpolicy.api.errors import NotFound

router = APIRouter(tags=["docs"])

STATIC_PREFIX = "/docs/static/"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# Swagger UI sets style attributes on its elements (``style-src 'unsafe-inline'`` covers those only: the page
# itself has no <style> block and no script runs but the two files).
_ASSETS = {
    "swagger-ui-bundle.js": ("fastapi_offline", "static/swagger-ui-bundle.js", "application/javascript"),
    "swagger-ui.css": ("fastapi_offline", "static/swagger-ui.css", "text/css; charset=utf-8"),
    "favicon.png": ("fastapi_offline", "static/favicon.png", "image/png"),
    "init.js": ("openpolicy.api", "static/docs-init.js", "application/javascript"),
}

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Open Policy Platform API</title>
<link rel="icon" href="{STATIC_PREFIX}favicon.png">
<link rel="stylesheet" href="{STATIC_PREFIX}swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="{STATIC_PREFIX}swagger-ui-bundle.js"></script>
<script src="{STATIC_PREFIX}init.js"></script>
</body>
</html>
"""


@functools.cache
def asset(name: str) -> tuple[bytes, str]:
    """(bytes, media type) of a docs asset; KeyError for a name that is not one."""
    package, path, media_type = _ASSETS[name]
    return files(package).joinpath(path).read_bytes(), media_type


@router.get("/docs", include_in_schema=False)
async def docs_page() -> Response:
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})


@router.get("/docs/static/{name}", include_in_schema=False)
async def docs_asset(name: str) -> Response:
    if name not in _ASSETS:
        raise NotFound("docs asset", name)
    body, media_type = asset(name)
    return Response(
        body,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400", "Content-Security-Policy": CSP},
    )
