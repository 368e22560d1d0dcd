"""The web UI: the single-page app built into `frontend/dist` (`make frontend`), served at `/`.

It is found as package data: `vlad/server/webui_dist` links to the checkout's `frontend/dist`
(a checkout, an editable install), and a wheel built after `make frontend` holds a copy.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.convertors import Convertor, register_url_convertor

FRONTEND_DIST = Path(str(files("vlad.server") / "webui_dist")).resolve()


class _UiPath(Convertor[str]):
    """Any path but the API's and its docs', so routes added later still answer first."""

    regex = r"(?!api(?:/|$)|docs(?:/|$)|openapi\.json$).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("ui_path", _UiPath())

NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>VLAD: web UI not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 42rem; margin: 10vh auto; line-height: 1.5">
<h1>The web UI is not built yet</h1>
<p>Build it once with <code>make frontend</code> (it runs <code>scripts/build-frontend.sh</code>:
<code>npm ci</code> and <code>npm run build</code> in <code>frontend/</code>, Node.js 20 or newer),
then reload this page. <code>make run</code> builds it by itself.</p>
<p>Meanwhile the REST API works: <a href="/docs">/docs</a>.</p>
</body></html>"""


def mount_web_ui(app: FastAPI, dist: Path = FRONTEND_DIST) -> None:
    """Serve the built files as they are and any other non-API path as index.html.

    Its path never matches `/api/...`, `/docs` or `/openapi.json`, so it shadows no API
    route, whenever added. `dist` is looked at per request: a UI built after the platform
    started is served without a restart.
    """
    root = dist.resolve()

    @app.get("/{path:ui_path}", include_in_schema=False)
    def web_ui(path: str) -> Response:
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        if path:
            candidate = (root / path).resolve()
            if candidate.is_file() and candidate.is_relative_to(root):
                # Vite names assets by content hash: they never change under one name.
                immutable = path.startswith("assets/")
                cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
            if path.startswith("assets/"):
                raise HTTPException(404, f"no such file: /{path}")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
