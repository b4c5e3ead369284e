# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The operator API in the real daemon: a native alert becomes an incident people act on.

The daemon runs in-process (``serve``) on a free port with a viewer and an operator
token. A Nagios host-down is posted to the intake; the incident is listed by the API,
acknowledged by the operator (the viewer is refused), its history names the person, and
the live stream delivers the change.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from correlator.app import serve
from correlator.config import Settings, parse_config

TIMEOUT_S = 30.0
INTAKE_TOKEN = "intake-secret"
VIEWER = {"authorization": "Bearer wall-secret"}
OPERATOR = {"authorization": "Bearer alice-secret"}
NAGIOS_HOST_DOWN = {
    "NOTIFICATIONTYPE": "PROBLEM",
    "HOSTNAME": "web-01",
    "HOSTADDRESS": "10.0.0.21",
    "HOSTSTATE": "DOWN",
    "HOSTSTATETYPE": "HARD",
    "HOSTOUTPUT": "CRITICAL - Host Unreachable (10.0.0.21)",
    "HOSTPROBLEMID": "4711",
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(tmp_path: Path, **server: Any) -> Settings:
    return parse_config(
        {
            "server": {
                "port": _free_port(),
                "auth_token": INTAKE_TOKEN,
                "api_tokens": [
                    {"name": "noc-wall", "token": "wall-secret", "role": "viewer"},
                    {"name": "alice", "token": "alice-secret", "role": "operator"},
                ],
                "shutdown_timeout_s": 5,
                **server,
            },
            "data_dir": str(tmp_path / "data"),
        }
    )


@contextlib.asynccontextmanager
async def _daemon(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, ready=ready, stop=stop, registry=CollectorRegistry(), handle_signals=False)
    )
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    assert ready.is_set(), "the daemon did not become ready"
    base = f"http://127.0.0.1:{settings.server.port}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        try:
            yield client
        finally:  # the daemon stops while the client (and any open stream) is connected
            stop.set()
            started = time.monotonic()
            await asyncio.wait_for(task, TIMEOUT_S)
            # an open event stream must not hold the shutdown up until its timeout
            assert time.monotonic() - started < settings.server.shutdown_timeout_s


async def _stream(client: httpx.AsyncClient, events: asyncio.Queue[tuple[str, Any]]) -> None:
    """Read the viewer's event stream (token in the query, as EventSource sends it)."""
    params = {"access_token": "wall-secret"}
    async with client.stream("GET", "/api/v1/stream", params=params, timeout=None) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        kind = ""
        async for line in answer.aiter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                await events.put((kind, json.loads(line.removeprefix("data: "))))


async def _next_event(
    events: asyncio.Queue[tuple[str, Any]], kind: str, match: dict[str, Any]
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + TIMEOUT_S
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            pytest.fail(f"no {kind} event with {match}")
        found_kind, data = await asyncio.wait_for(events.get(), left)
        if found_kind == kind and all(data.get(k) == v for k, v in match.items()):
            result: dict[str, Any] = data
            return result


async def _open_incident(client: httpx.AsyncClient) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + TIMEOUT_S
    while asyncio.get_running_loop().time() < deadline:
        answer = await client.get("/api/v1/incidents", headers=VIEWER)
        assert answer.status_code == 200, answer.text
        incidents = answer.json()["incidents"]
        if incidents:
            found: dict[str, Any] = incidents[0]
            return found
        await asyncio.sleep(0.1)
    pytest.fail("the alert never became an incident")


async def test_alert_to_acknowledged_incident_through_the_api(tmp_path: Path) -> None:
    """A native Nagios alert is listed as an incident, acknowledged by the operator (the
    viewer gets 403), its history names the operator and the stream delivers the change."""
    events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    async with _daemon(_settings(tmp_path)) as client:
        reader = asyncio.create_task(_stream(client, events))
        hello = await _next_event(events, "hello", {})
        assert hello == {"name": "noc-wall", "role": "viewer"}

        posted = await client.post(
            "/ingest/nagios",
            json=NAGIOS_HOST_DOWN,
            headers={"authorization": f"Bearer {INTAKE_TOKEN}"},
        )
        assert posted.status_code == 202, posted.text
        incident = await _open_incident(client)
        assert incident["status"] == "open"
        assert incident["root_cause"] is None  # no topology: the alert is unplaced
        assert incident["title"].startswith("web-01")
        await _next_event(events, "incident", {"id": incident["id"]})

        path = f"/api/v1/incidents/{incident['id']}/ack"
        refused = await client.post(path, json={}, headers=VIEWER)
        assert refused.status_code == 403
        with capture_logs() as logs:
            acked = await client.post(path, json={"note": "looking"}, headers=OPERATOR)
        assert acked.status_code == 200, acked.text
        assert acked.json()["acknowledged_by"] == "alice"
        assert any(
            e["event"] == "operator_action" and e["actor"] == "alice" and e["role"] == "operator"
            for e in logs
        )

        streamed = await _next_event(
            events, "incident", {"id": incident["id"], "acknowledged_by": "alice"}
        )
        assert streamed["acknowledged_at"] is not None
        detail = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=VIEWER)).json()
        assert {"actor": "alice", "step": "acknowledged"}.items() <= next(
            h for h in detail["history"] if h["step"] == "acknowledged"
        ).items()
        assert [n["text"] for n in detail["notes"]] == ["looking"]
        # the stream is still open here: stopping the daemon ends it cleanly
        stream_open = not reader.done()
    assert stream_open
    await asyncio.wait_for(reader, TIMEOUT_S)


async def test_tokens_roles_and_pages(tmp_path: Path) -> None:
    """Without a token the API is 401 and the document public; the reload takes an
    operator or the intake token, not a viewer; the NOC page and the handover are served."""
    async with _daemon(_settings(tmp_path)) as client:
        assert (await client.get("/api/v1/incidents")).status_code == 401
        assert (await client.get("/api/v1/stream")).status_code == 401
        assert (await client.get("/api/v1/openapi.json")).status_code == 200
        reload = "/api/v1/topology/reload"
        assert (await client.post(reload, headers=VIEWER)).status_code == 403
        assert (await client.post(reload, headers=OPERATOR)).status_code == 202
        intake = {"authorization": f"Bearer {INTAKE_TOKEN}"}
        assert (await client.post(reload, headers=intake)).status_code == 202
        page = await client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        handover = await client.get("/handover", params={"access_token": "wall-secret"})
        assert handover.status_code == 200, handover.text
        assert handover.headers["content-type"].startswith("text/html")
        markdown = await client.get(
            "/api/v1/handover", params={"since": "8h", "format": "markdown"}, headers=VIEWER
        )
        assert markdown.status_code == 200
        assert markdown.headers["content-type"].startswith("text/markdown")
        short = await client.get("/api/handover", params={"since": "8h"}, headers=VIEWER)
        assert short.status_code == 200, short.text
        assert set(short.json()) >= {"since", "until", "counts", "open"}
        assert (await client.get("/api/handover")).status_code == 401
        report = await client.get("/api/v1/reports", params={"since": "24h"}, headers=VIEWER)
        assert report.status_code == 200, report.text


async def test_without_api_tokens_everyone_is_the_anonymous_operator(tmp_path: Path) -> None:
    """With no api_tokens every caller is the operator 'anonymous' (the start-up warns),
    while the reload still requires the intake token it always required."""
    settings = _settings(tmp_path, api_tokens=[])
    with capture_logs() as logs:
        async with _daemon(settings) as client:
            me = await client.get("/api/v1/whoami")
            assert me.json() == {"name": "anonymous", "role": "operator"}
            assert (await client.post("/api/v1/topology/reload")).status_code == 401
    assert any("anonymous" in e["event"] for e in logs if e["log_level"] == "warning")
