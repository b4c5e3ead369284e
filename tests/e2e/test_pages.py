# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The NOC page's files as the daemon serves them (no browser needed): all there, all local."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from correlator.serve.pages import STATIC_DIR, page_routes

IMPORT = re.compile(r"""^\s*import\s[^;]*?from\s+"(\./[^"]+)";""", re.MULTILINE | re.DOTALL)
ASSET = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")


@pytest.fixture
def client() -> TestClient:
    """The page routes alone, in a Starlette app."""
    return TestClient(Starlette(routes=page_routes()))


def test_root_and_reports_serve_the_page_with_its_security_headers(client: TestClient) -> None:
    """`/` and `/reports` answer index.html, same-origin only and never sending a Referer."""
    for path in ("/", "/reports"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert 'data-testid="wall"' in answer.text


def test_every_asset_the_page_names_is_served(client: TestClient) -> None:
    """Each /static/ file index.html links and each module a script imports answers 200."""
    page = client.get("/").text
    wanted = set(ASSET.findall(page))
    assert {"/static/noc.css", "/static/main.js"} <= wanted
    for script in STATIC_DIR.glob("*.js"):
        wanted |= {f"/static/{name[2:]}" for name in IMPORT.findall(script.read_text("utf-8"))}
    assert {f"/static/{p.name}" for p in STATIC_DIR.glob("*.js")} <= wanted  # none is orphaned
    for path in sorted(wanted):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"] == "no-cache"
    assert (
        client.get("/static/main.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )


def test_nothing_is_fetched_from_the_internet() -> None:
    """No static file loads a script, style or font from another origin (no CDN)."""
    for path in STATIC_DIR.iterdir():
        text = path.read_text("utf-8")
        remote = re.findall(
            r"""(?:src=|href=|url\(|from\s+|import\()\s*["']?(?:https?:)?//""", text
        )
        assert not remote, f"{path.name} loads from another origin: {remote}"


def test_unknown_asset_is_404(client: TestClient) -> None:
    """A missing file under /static is a 404, and nothing outside the folder is reachable."""
    assert client.get("/static/missing.js").status_code == 404
    assert client.get("/static/../pages.py").status_code == 404
