"""The daemon's life around its incidents: reloading the topology while it runs
(``POST /api/v1/topology/reload``) and restarting it, without losing open incidents."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from required import unavailable

from correlator.app import serve
from correlator.clock import WallClock
from correlator.config import Settings, parse_config
from correlator.store.sqlite import SqliteStore

SMALL_SITE = Path(__file__).resolve().parents[3] / "shared" / "examples" / "small-site"
TIMEOUT_S = 30.0
TOKEN = "s3cret-token"
NEW_NODE = """
  - id: new-01
    kind: vm
    team: systems
    monitored_as: [new-01]
    depends_on: [esx-01]
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _small_site() -> Path:
    if not SMALL_SITE.is_dir():
        unavailable("the shared small-site example", f"not found at {SMALL_SITE}")
    return SMALL_SITE


@contextlib.asynccontextmanager
async def _daemon(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(settings, ready=ready, stop=stop, handle_signals=False))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    assert ready.is_set(), "the daemon did not become ready"
    headers = {"authorization": f"Bearer {TOKEN}"}
    base = f"http://127.0.0.1:{settings.server.port}"
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
            yield client
    finally:
        stop.set()
        await asyncio.wait_for(task, TIMEOUT_S)


async def _eventually(check: Callable[[], Any], what: str) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT_S
    while True:
        found = await check()
        if found:
            return found
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _host_down(host: str) -> dict[str, str]:
    return {
        "NOTIFICATIONTYPE": "PROBLEM",
        "HOSTNAME": host,
        "HOSTSTATE": "DOWN",
        "HOSTSTATETYPE": "HARD",
        "HOSTOUTPUT": "PING CRITICAL - Packet loss = 100%",
    }


async def _roots(data: Path) -> dict[str, Any]:
    store = SqliteStore(data / "correlator.db", clock=WallClock())
    await store.open()
    try:
        return {i.id: i.body.get("root_cause") for i in await store.incidents()}
    finally:
        await store.close()


async def test_api_reload_places_alerts_on_new_nodes_and_keeps_open_incidents(tmp_path: Path):
    """An alert on a host the topology does not know is unplaced; after the file gains
    that node and the API reloads it, the same open incident is rooted at the new node."""
    topology = tmp_path / "topology.yaml"
    topology.write_text((_small_site() / "topology.yaml").read_text(), encoding="utf-8")
    data = tmp_path / "data"
    settings = parse_config(
        {
            "server": {"port": _free_port(), "auth_token": TOKEN},
            "data_dir": str(data),
            "topology": {"path": str(topology)},
        }
    )
    async with _daemon(settings) as client:
        answer = await client.post("/ingest/nagios", json=_host_down("new-01"))
        assert answer.status_code == 202
        roots = await _eventually(lambda: _roots(data), "the unplaced incident")
        [(incident, root)] = roots.items()
        assert root is None

        unauthorized = await client.post(
            "/api/v1/topology/reload", headers={"authorization": "Bearer wrong"}
        )
        assert unauthorized.status_code == 401

        topology.write_text(topology.read_text() + NEW_NODE, encoding="utf-8")
        answer = await client.post("/api/v1/topology/reload")
        assert answer.status_code == 202, answer.text
        assert answer.json()["nodes"] == 11

        # The reload is applied before the next batch: an unrelated alert makes one.
        warning = {
            "NOTIFICATIONTYPE": "PROBLEM",
            "HOSTNAME": "bru-core-2",
            "SERVICEDESC": "CPU load",
            "SERVICESTATE": "WARNING",
            "SERVICESTATETYPE": "HARD",
        }
        assert (await client.post("/ingest/nagios", json=warning)).status_code == 202

        async def placed() -> bool:
            return (await _roots(data)).get(incident) == "new-01"

        await _eventually(placed, "the incident re-placed on the new node")


async def test_api_reload_of_a_broken_file_is_a_400_and_changes_nothing(tmp_path: Path):
    """A topology file that no longer loads gets 400 with the one-line error naming the
    file, and the running topology stays in force."""
    topology = tmp_path / "topology.yaml"
    topology.write_text((_small_site() / "topology.yaml").read_text(), encoding="utf-8")
    data = tmp_path / "data"
    settings = parse_config(
        {
            "server": {"port": _free_port(), "auth_token": TOKEN},
            "data_dir": str(data),
            "topology": {"path": str(topology)},
        }
    )
    async with _daemon(settings) as client:
        topology.write_text(
            topology.read_text() + "\n  - id: broken\n    depends_on: [nowhere]\n",
            encoding="utf-8",
        )
        answer = await client.post("/api/v1/topology/reload")
        assert answer.status_code == 400
        body = answer.json()
        assert "topology.yaml" in body["reason"]
        assert "nowhere" in body["reason"]

        answer = await client.post("/ingest/nagios", json=_host_down("esx-01"))
        assert answer.status_code == 202
        roots = await _eventually(lambda: _roots(data), "the incident")
        assert list(roots.values()) == ["esx-01"]


async def _statuses(data: Path) -> dict[str, str]:
    store = SqliteStore(data / "correlator.db", clock=WallClock())
    await store.open()
    try:
        return {i.id: i.status for i in await store.incidents()}
    finally:
        await store.close()


async def test_a_restart_keeps_open_incidents_and_their_alerts(tmp_path: Path):
    """An incident open when the daemon stops is still known after the restart: the
    recovery of its alert resolves it, rather than being ignored and leaving it open."""
    topology = tmp_path / "topology.yaml"
    topology.write_text((_small_site() / "topology.yaml").read_text(), encoding="utf-8")
    data = tmp_path / "data"

    def settings() -> Settings:
        return parse_config(
            {
                "server": {"port": _free_port(), "auth_token": TOKEN},
                "data_dir": str(data),
                "topology": {"path": str(topology)},
                "correlation": {"hold_s": 0, "resolve_linger_s": 0},
            }
        )

    async with _daemon(settings()) as client:
        assert (await client.post("/ingest/nagios", json=_host_down("esx-01"))).status_code == 202

        async def opened() -> bool:
            return list((await _statuses(data)).values()) == ["open"]

        await _eventually(opened, "the incident")
    state = data / "engine-state.json"
    assert state.is_file(), "a clean stop saves the engine's state"

    async with _daemon(settings()) as client:
        recovery = {
            "NOTIFICATIONTYPE": "RECOVERY",
            "HOSTNAME": "esx-01",
            "HOSTSTATE": "UP",
            "HOSTSTATETYPE": "HARD",
        }
        assert (await client.post("/ingest/nagios", json=recovery)).status_code == 202

        async def resolved() -> bool:
            return list((await _statuses(data)).values()) == ["resolved"]

        await _eventually(resolved, "the incident resolved by the recovery after the restart")


def _spawn(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "correlator", "run", "--config", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def _up(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    async def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the daemon exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            async with httpx.AsyncClient(base_url=base, timeout=2) as client:
                return (await client.get("/readyz")).status_code == 200
        return False

    await _eventually(ready, "the daemon to be ready")


async def test_a_killed_daemon_carries_on_from_its_last_checkpoint(tmp_path: Path):
    """After a SIGKILL (no clean stop, no final save) the restarted daemon still knows the
    incident opened before the kill: the recovery of its alert resolves it."""
    topology = tmp_path / "topology.yaml"
    topology.write_text((_small_site() / "topology.yaml").read_text(), encoding="utf-8")
    data = tmp_path / "data"
    port = _free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "server": {"port": port, "auth_token": TOKEN},
                "data_dir": str(data),
                "topology": {"path": str(topology)},
                "correlation": {"hold_s": 0, "resolve_linger_s": 0, "checkpoint_s": 0.2},
            }
        ),
        encoding="utf-8",
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"authorization": f"Bearer {TOKEN}"}
    log = tmp_path / "daemon.log"
    state = data / "engine-state.json"

    first = _spawn(config, log)
    try:
        await _up(first, base, log)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
            answer = await client.post("/ingest/nagios", json=_host_down("esx-01"))
            assert answer.status_code == 202

        async def opened_and_saved() -> bool:
            return list((await _statuses(data)).values()) == ["open"] and state.is_file()

        await _eventually(opened_and_saved, "the incident and a checkpoint")
    finally:
        first.kill()  # SIGKILL: nothing is saved on the way out
        first.wait(TIMEOUT_S)

    second = _spawn(config, log)
    try:
        await _up(second, base, log)
        recovery = {
            "NOTIFICATIONTYPE": "RECOVERY",
            "HOSTNAME": "esx-01",
            "HOSTSTATE": "UP",
            "HOSTSTATETYPE": "HARD",
        }
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
            assert (await client.post("/ingest/nagios", json=recovery)).status_code == 202

        async def resolved() -> bool:
            return list((await _statuses(data)).values()) == ["resolved"]

        await _eventually(resolved, "the incident resolved by the recovery after the kill")
        assert "engine_state_restored" in log.read_text()
    finally:
        second.terminate()
        assert second.wait(TIMEOUT_S) == 0
