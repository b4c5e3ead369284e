# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The daemon end to end: start it, post an alert, stop it with a signal, find it on disk."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from kafka_broker import SASL_USERS, KafkaBroker
from prometheus_client import CollectorRegistry

from correlator import app
from correlator.app import StartupError, serve
from correlator.bus.kafka import KafkaBus
from correlator.bus.memory import InMemoryBus
from correlator.bus.topics import Topics
from correlator.config import parse_config

ROOT = Path(__file__).resolve().parents[2]
NAGIOS_PROBLEM = {
    "NOTIFICATIONTYPE": "PROBLEM",
    "HOSTNAME": "web-01",
    "HOSTADDRESS": "10.0.0.21",
    "HOSTSTATE": "DOWN",
    "HOSTSTATETYPE": "HARD",
    "HOSTOUTPUT": "CRITICAL - Host Unreachable (10.0.0.21)",
    "HOSTPROBLEMID": "4711",
    "TIMET": "1700000000",
}
START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CORRELATOR_")}


def _write_config(tmp_path: Path, port: int) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"server:\n  port: {port}\ndata_dir: {tmp_path / 'data'}\nlogging:\n  format: json\n",
        encoding="utf-8",
    )
    return config


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "correlator", *args],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_ready(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"daemon exited with {process.returncode} during start-up: {err}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    _, err = process.communicate()
    pytest.fail(f"daemon not ready after {START_TIMEOUT_S}s: {err}")


async def _journalled_alerts(journal: Path) -> list[dict[str, object]]:
    bus = InMemoryBus(journal)
    await bus.start()
    try:
        consumer = await bus.consumer([Topics().alerts], "test-reader")
        messages = await consumer.getmany(timeout_s=0.5)
        return [json.loads(m.value or b"null") for m in messages]
    finally:
        await bus.stop()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_run_accepts_an_alert_and_stops_cleanly(tmp_path: Path, stop_signal: int) -> None:
    """`correlator run` answers 202 to a Nagios alert, exits 0 on the signal, alert on disk."""
    port = _free_port()
    config = _write_config(tmp_path, port)
    process = _start(tmp_path, "run", "--config", str(config))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base)
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        answer = httpx.post(f"{base}/ingest/nagios", json=NAGIOS_PROBLEM, timeout=5)
        assert answer.status_code == 202, answer.text
        assert answer.json() == {"accepted": 1}
    finally:
        process.send_signal(stop_signal)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    started = [e for e in events if e.get("event") == "started"]
    assert started, err
    assert started[0]["listen"] == f"http://127.0.0.1:{port}"
    assert started[0]["bus"] == "memory"
    journal = tmp_path / "data" / "journal.sqlite"
    assert journal.is_file()
    alerts = asyncio.run(_journalled_alerts(journal))
    assert [(a["source"], a["host"], a["state"]) for a in alerts] == [
        ("nagios", "web-01", "problem")
    ]


def test_run_with_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    """`correlator run` with an invalid config exits 2 with one line on stderr, no traceback."""
    config = tmp_path / "bad.yaml"
    config.write_text("server:\n  port: eighty\n", encoding="utf-8")
    process = _start(tmp_path, "run", "--config", str(config))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert out == ""
    assert err == f"{config}:2: server.port: expected an integer 1..65535, got 'eighty'\n"


def test_disabled_connector_has_no_endpoint(tmp_path: Path) -> None:
    """A source with enabled: false gets no route (404), the others still accept."""
    port = _free_port()
    config = _write_config(tmp_path, port)
    config.write_text(
        config.read_text(encoding="utf-8") + "connectors:\n  prtg:\n    enabled: false\n",
        encoding="utf-8",
    )
    process = _start(tmp_path, "run", "--config", str(config))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base)
        assert httpx.post(f"{base}/ingest/prtg", data={"x": "y"}, timeout=5).status_code == 404
        ok = httpx.post(f"{base}/ingest/nagios", json=NAGIOS_PROBLEM, timeout=5)
        assert ok.status_code == 202
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0


async def test_serve_in_process_with_ready_and_stop(tmp_path: Path) -> None:
    """serve() sets `ready` once listening, honours the token, and returns when `stop` is set."""
    port = _free_port()
    settings = parse_config(
        {
            "server": {"port": port, "auth_token": "t0ken"},
            "data_dir": str(tmp_path / "data"),
        }
    )
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, ready=ready, stop=stop, registry=CollectorRegistry(), handle_signals=False)
    )
    try:
        await asyncio.wait_for(ready.wait(), START_TIMEOUT_S)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            assert (await client.get("/readyz")).status_code == 200
            denied = await client.post("/ingest/nagios", json=NAGIOS_PROBLEM)
            assert denied.status_code == 401
            accepted = await client.post(
                "/ingest/nagios",
                json=NAGIOS_PROBLEM,
                headers={"Authorization": "Bearer t0ken"},
            )
            assert accepted.status_code == 202
            # The correlate stage counts it on the same /metrics once it has consumed it.
            wanted = 'correlator_alerts_consumed_total{outcome="correlated"} 1.0'
            text = ""
            for _ in range(100):
                text = (await client.get("/metrics")).text
                if wanted in text:
                    break
                await asyncio.sleep(0.1)
            assert wanted in text, text
            assert "correlator_correlate_seconds_count" in text
    finally:
        stop.set()
        await asyncio.wait_for(task, START_TIMEOUT_S)
    assert (tmp_path / "data" / "journal.sqlite").is_file()


async def test_serve_connector_role(tmp_path: Path) -> None:
    """The connector role serves the intake alone and stops cleanly too."""
    port = _free_port()
    settings = parse_config({"server": {"port": port}, "data_dir": str(tmp_path)})
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, ready=ready, stop=stop, role="connector", handle_signals=False)
    )
    try:
        await asyncio.wait_for(ready.wait(), START_TIMEOUT_S)
        async with httpx.AsyncClient(timeout=5) as client:
            answer = await client.post(
                f"http://127.0.0.1:{port}/ingest/nagios", json=NAGIOS_PROBLEM
            )
            assert answer.status_code == 202
    finally:
        stop.set()
        await asyncio.wait_for(task, START_TIMEOUT_S)


async def test_port_in_use_is_a_startup_error(tmp_path: Path) -> None:
    """When the port is taken, serve() raises StartupError naming the address."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        settings = parse_config({"server": {"port": port}, "data_dir": str(tmp_path)})
        with pytest.raises(StartupError, match=f"cannot listen on 127.0.0.1:{port}"):
            await asyncio.wait_for(serve(settings, handle_signals=False), START_TIMEOUT_S)


async def test_background_services_stop_before_the_bus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A background service gets the stop event and finishes (committing) before bus.stop()."""
    journal: list[str] = []

    def services_hook(services: app.Services) -> list[tuple[str, app.BackgroundService]]:
        async def probe(stopping: asyncio.Event) -> None:
            consumer = await services.bus.consumer([services.topics.alerts], "probe")
            journal.append("started")
            await stopping.wait()
            await consumer.commit([])  # the bus is still up: commits still work
            await services.bus.publish([])
            journal.append("finished")

        return [("probe", probe)]

    real_stop = InMemoryBus.stop

    async def recording_stop(self: InMemoryBus) -> None:
        journal.append("bus stopped")
        await real_stop(self)

    monkeypatch.setattr(app, "background_services", services_hook)
    monkeypatch.setattr(InMemoryBus, "stop", recording_stop)
    settings = parse_config({"server": {"port": _free_port()}, "data_dir": str(tmp_path)})
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(settings, ready=ready, stop=stop, handle_signals=False))
    await asyncio.wait_for(ready.wait(), START_TIMEOUT_S)
    stop.set()
    await asyncio.wait_for(task, START_TIMEOUT_S)
    assert journal == ["started", "finished", "bus stopped"]


async def test_failing_background_service_stops_the_daemon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A background service that raises stops the daemon with a DaemonError naming it."""

    def services_hook(_: app.Services) -> list[tuple[str, app.BackgroundService]]:
        async def broken(_: asyncio.Event) -> None:
            await asyncio.sleep(0.2)
            raise RuntimeError("boom")

        return [("broken", broken)]

    monkeypatch.setattr(app, "background_services", services_hook)
    settings = parse_config({"server": {"port": _free_port()}, "data_dir": str(tmp_path)})
    with pytest.raises(app.DaemonError, match="'broken'"):
        await asyncio.wait_for(serve(settings, handle_signals=False), START_TIMEOUT_S)


@pytest.mark.kafka
@pytest.mark.parametrize("secure", [False, True], ids=["plaintext", "sasl-ssl"])
async def test_connector_role_on_kafka(
    tmp_path: Path, kafka_broker: KafkaBroker, secure: bool
) -> None:
    """`connector` on Kafka (plain, or SCRAM over TLS configured from the environment with
    the password in a file) creates the topics with the configured retention and publishes."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    port = _free_port()
    kafka_bootstrap = kafka_broker.bootstrap
    environ = {
        "CORRELATOR_BUS__KIND": "kafka",
        "CORRELATOR_BUS__KAFKA__BOOTSTRAP": kafka_bootstrap,
        "CORRELATOR_BUS__TOPIC_PREFIX": prefix,
        "CORRELATOR_BUS__KAFKA__ALERTS_RETENTION_MS": "3600000",
    }
    if secure:
        password_file = tmp_path / "kafka-password"
        password_file.write_text(SASL_USERS["correlator"] + "\n", encoding="utf-8")
        environ |= {
            "CORRELATOR_BUS__KAFKA__BOOTSTRAP": kafka_broker.secure_bootstrap,
            "CORRELATOR_BUS__KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
            "CORRELATOR_BUS__KAFKA__SASL_MECHANISM": "SCRAM-SHA-256",
            "CORRELATOR_BUS__KAFKA__SASL_USERNAME": "correlator",
            "CORRELATOR_BUS__KAFKA__SASL_PASSWORD_FILE": str(password_file),
            "CORRELATOR_BUS__KAFKA__SSL_CAFILE": str(kafka_broker.ca_file),
        }
    settings = parse_config({"server": {"port": port}, "data_dir": str(tmp_path)}, environ=environ)
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings, ready=ready, stop=stop, role="connector", handle_signals=False)
    )
    try:
        await asyncio.wait_for(ready.wait(), 60)
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(
                f"http://127.0.0.1:{port}/ingest/nagios", json=NAGIOS_PROBLEM
            )
            assert answer.status_code == 202, answer.text
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)

    topics = Topics(prefix)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topics.alerts)]
        )
    finally:
        await admin.close()
    entries = {
        entry["config_names"]: entry["config_value"]
        for response in described
        for resource in response.to_object()["resources"]
        for entry in resource["config_entries"]
    }
    assert entries["retention.ms"] == "3600000"

    reader = KafkaBus(kafka_bootstrap, topics=topics)
    await reader.start()
    try:
        consumer = await reader.consumer([topics.alerts], f"reader-{uuid.uuid4().hex}")
        messages: list[object] = []
        for _ in range(20):
            messages += [json.loads(m.value or b"null") for m in await consumer.getmany(1.0)]
            if messages:
                break
        assert [(m["source"], m["host"]) for m in messages] == [("nagios", "web-01")]  # type: ignore[index]
    finally:
        await reader.stop()
