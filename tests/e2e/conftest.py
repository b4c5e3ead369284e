# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The browser tests' world: the real daemon in a subprocess, Debian's Chromium, screenshots.

Chromium is driven by Playwright through ``executable_path`` (``scripts/install-chromium``
installs Debian's ``chromium``); no browser is ever downloaded. Without it the tests fail
under CI and are skipped (with the reason printed) elsewhere. Screenshots and the daemon's
log of every test are kept in ``test-artifacts/e2e/<test>/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from required import unavailable

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = ROOT / "tests" / "data" / "topology" / "small-site.yaml"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OPERATOR = ("alice", "e2e-operator-token-0123456789")
VIEWER = ("noc-wall", "e2e-viewer-token-9876543210")
START_TIMEOUT_S = 30.0
SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium (scripts/install-chromium), never a downloaded browser."""
    found = shutil.which("chromium")
    if found is None:
        unavailable(
            "Debian's chromium", "`chromium` is not on PATH (scripts/install-chromium installs it)"
        )
    assert found is not None
    return found


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright's driver (it talks to the browser; it downloads nothing by itself)."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError as exc:  # the test extra is not installed
        unavailable("Debian's chromium", f"the playwright package is missing: {exc}")
        raise
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright, chromium_path: str) -> Iterator[Browser]:
    """Headless Debian Chromium, shared by the tests of a module."""
    launched = playwright_driver.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield launched
    finally:
        launched.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Daemon:
    """The running daemon: its base URL and tokens, and a way to post native alerts."""

    base: str
    operator: str
    viewer: str
    log: Path

    def post(self, endpoint: str, payload: dict[str, Any], *, form: bool = False) -> None:
        """POST one native payload to an ingest endpoint; it must be accepted (202)."""
        if form:
            answer = httpx.post(f"{self.base}{endpoint}", data=payload, timeout=10)
        else:
            answer = httpx.post(f"{self.base}{endpoint}", json=payload, timeout=10)
        assert answer.status_code == 202, answer.text

    def act(self, path: str, body: dict[str, Any]) -> Any:
        """POST to an API path as the operator (what the page's buttons do); 200 or 201."""
        headers = {"Authorization": f"Bearer {self.operator}"}
        answer = httpx.post(f"{self.base}{path}", json=body, headers=headers, timeout=10)
        assert answer.status_code in {200, 201}, answer.text
        return answer.json()

    def api(self, path: str, *, token: str | None = None) -> Any:
        """GET an API path as the operator (or with ``token``) and return its JSON."""
        headers = {"Authorization": f"Bearer {token or self.operator}"}
        answer = httpx.get(f"{self.base}{path}", headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()


def _write_config(folder: Path, port: int) -> Path:
    config = folder / "config.yaml"
    config.write_text(
        f"""\
server:
  port: {port}
  api_tokens:
    - {{name: {OPERATOR[0]}, token: {OPERATOR[1]}, role: operator}}
    - {{name: {VIEWER[0]}, token: {VIEWER[1]}, role: viewer}}
data_dir: {folder / "data"}
topology:
  path: {TOPOLOGY}
correlation:
  hold_s: 1.0
dispatch:
  runbooks:
    - {{kind: hypervisor, url: "https://wiki.example.net/kb/{{kind}}/{{node}}"}}
tickets:
  builtin:
    kind: builtin
    url_template: "https://tickets.example.net/ticket/{{ticket_id}}"
logging:
  format: json
""",
        encoding="utf-8",
    )
    return config


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRELATOR_")}
    env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    return env


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"daemon exited with {process.returncode} during start-up:\n"
                + log.read_text(encoding="utf-8", errors="replace")[-4000:]
            )
        try:
            if httpx.get(f"{base}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"daemon not ready after {START_TIMEOUT_S}s; log in {log}")


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """``test-artifacts/e2e/<test>/``, emptied first: this test's screenshots and logs."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def daemon(tmp_path: Path, artifacts: Path) -> Iterator[Daemon]:
    """``python -m correlator run`` on a free loopback port with the small-site topology,
    an operator and a viewer token and a one-second hold; stopped with SIGTERM after."""
    port = _free_port()
    config = _write_config(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    log = artifacts / "daemon.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "correlator", "run", "--config", str(config)],
            cwd=tmp_path,
            env=_env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(process, base, log)
        yield Daemon(base, OPERATOR[1], VIEWER[1], log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Screen:
    """A browser tab the size of a NOC wall (1920x1080) that keeps screenshots and errors."""

    page: Page
    folder: Path
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        """Save a numbered screenshot into the test's artifact folder."""
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=full_page)
        return path

    def assert_no_errors(self, *allowed: str) -> None:
        """No uncaught script error and no console error but those containing ``allowed``."""
        left = [e for e in self.errors if not any(a in e for a in allowed)]
        assert not left, "\n".join(left)


@pytest.fixture
def screen(browser: Browser, artifacts: Path) -> Iterator[Screen]:
    """A fresh browser context per test (no token left in localStorage from another)."""
    context = browser.new_context(viewport=SCREEN)  # type: ignore[arg-type]
    page = context.new_page()
    result = Screen(page, artifacts)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            result.errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: result.errors.append(f"page error: {error}"))
    try:
        yield result
    finally:
        try:
            result.shot("last", full_page=True)
        finally:
            context.close()
