# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The NOC page: hand-written HTML, CSS and ES modules in ``static/``, served as they are.

There is no build step: the files in ``static/`` are what the browser runs, and nothing is
fetched from the internet. ``/`` and ``/reports`` answer the same page (the script picks
the view from the path or the ``#/...`` route); the assets are under ``/static``. The page
and its assets are public: the data comes from the API, which asks for the token.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR: Final = Path(__file__).parent / "static"
"""The page's files, inside the installed package (package data)."""

_SECURITY_HEADERS: Final = {
    # Everything is same-origin; no inline script or style is needed by the page.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    # A kiosk URL may carry ?token=: never hand it to a ticket system in a Referer.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # Revalidate (ETag) on every load, so an upgraded daemon never runs stale scripts.
    "Cache-Control": "no-cache",
}


class _Assets(StaticFiles):
    """StaticFiles with the page's security and caching headers on every file."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(_SECURITY_HEADERS)
        return response


def page_routes(static_dir: Path | None = None) -> list[BaseRoute]:
    """``GET /`` and ``GET /reports`` (the NOC page) and ``/static`` (its assets).

    ``static_dir`` defaults to the package's own ``static/`` folder.
    """
    directory = static_dir if static_dir is not None else STATIC_DIR
    index = directory / "index.html"

    async def page(_: Request) -> Response:
        return FileResponse(index, media_type="text/html", headers=_SECURITY_HEADERS)

    return [
        Route("/", page, methods=["GET", "HEAD"], name="noc_page"),
        Route("/reports", page, methods=["GET", "HEAD"], name="noc_reports_page"),
        Mount("/static", app=_Assets(directory=directory), name="static"),
    ]
