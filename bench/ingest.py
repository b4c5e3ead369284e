# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Ingest benchmark: parse cost per alert, HTTP POSTs per second, Kafka publish rate.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/ingest.py                 # (a) parse cost and (b) HTTP rate
    .venv/bin/python bench/ingest.py --kafka         # and (c) bus vs raw aiokafka producer
    .venv/bin/python bench/ingest.py --only parse    # one part only: parse, http or kafka

Every figure is printed with its target (parse <= 20 us per alert, >= 5,000 single-alert
POSTs/s on loopback, bus >= 0.7 x raw producer) and whether it met it. The HTTP part starts
uvicorn with the intake app on an InMemoryBus (no journal) in a child process and loads it
from other processes: wrk when it is installed (or asked for with ``--load wrk``), else a
built-in asyncio raw-socket client; the report names the one used. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import timeit
from collections import Counter
from pathlib import Path
from typing import Any

import uvicorn
from prometheus_client import CollectorRegistry

from connectors.base import ParseContext
from connectors.intake import build_intake_app
from connectors.registry import connectors_by_name
from correlator.bus.codec import event_record
from correlator.bus.memory import InMemoryBus
from correlator.bus.topics import Topics
from correlator.clock import WallClock
from correlator.telemetry import Metrics

PARSE_TARGET_US = 20.0
HTTP_TARGET_RPS = 5_000.0
KAFKA_TARGET_RATIO = 0.7
BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
NOW = 1763900100.0

# One storm-like native payload per source (shared/examples/small-site/storm.jsonl shapes).
PAYLOADS: dict[str, Any] = {
    "nagios": {
        "NOTIFICATIONTYPE": "PROBLEM",
        "HOSTNAME": "web-01",
        "HOSTADDRESS": "10.0.3.21",
        "SERVICEDESC": "HTTP",
        "SERVICESTATE": "CRITICAL",
        "SERVICESTATETYPE": "HARD",
        "SERVICEOUTPUT": "connect to address 10.0.3.21 and port 80: No route to host",
        "SERVICEPROBLEMID": "9103",
        "HOSTGROUPNAMES": "web,shop",
        "TIMET": "1763900031",
    },
    "icinga": {
        "type": "StateChange",
        "host": "web-01",
        "service": "HTTP",
        "state": 2,
        "state_type": 1,
        "check_result": {"output": "connect to address 10.0.3.21 and port 80: No route to host"},
        "timestamp": 1763900031.0,
    },
    "zabbix": {
        "event_id": "51230",
        "event_value": "1",
        "event_update_status": "0",
        "event_ack": "No",
        "event_severity": "4",
        "event_name": "Unavailable by ICMP ping",
        "event_tags": '[{"tag":"scope","value":"availability"}]',
        "event_date": "2025.11.23",
        "event_time": "12:14:23",
        "recovery_id": "{EVENT.RECOVERY.ID}",
        "host": "bru-dist-1",
        "host_name": "bru-dist-1",
        "host_ip": "10.0.1.1",
        "trigger_id": "23001",
        "trigger_name": "Unavailable by ICMP ping",
    },
    "prtg": {
        "device": "db-01",
        "deviceid": "2041",
        "sensor": "Ping",
        "sensorid": "2042",
        "status": "Down",
        "down": "45 s",
        "message": "Destination host unreachable (ICMP error # 11003)",
        "datetime": "11/23/2025 12:14:04 PM",
        "priority": "****",
        "group": "Databases",
        "probe": "Local Probe",
        "host": "10.0.3.31",
        "home": "https://prtg.example.net/",
    },
    "alertmanager": {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "status": "firing",
        "receiver": "correlator",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "instance": "web-01:9100"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "HighErrorRate",
                    "instance": "web-01:9100",
                    "job": "shop",
                    "severity": "critical",
                    "prometheus": "prom-bru",
                },
                "annotations": {"summary": "5xx ratio above 20% for 1m"},
                "startsAt": "2025-11-23T12:14:12Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": "6f1c2a9b0d3e4f57",
            }
        ],
    },
    "prometheus": [
        {
            "labels": {
                "alertname": "HighErrorRate",
                "instance": "web-01:9100",
                "job": "shop",
                "severity": "critical",
            },
            "annotations": {"summary": "5xx ratio above 20% for 1m"},
            "startsAt": "2025-11-23T12:14:12Z",
            "endsAt": "2025-11-23T12:20:12Z",
            "generatorURL": "http://prometheus:9090/graph",
        }
    ],
}
HTTP_PATH = "/ingest/nagios"
HTTP_SOURCE = "nagios"


def verdict(ok: bool) -> str:
    return "meets target" if ok else "BELOW TARGET"


# --- (a) parse cost -------------------------------------------------------------------------


def bench_parse() -> bool:
    print(f"(a) parse cost per alert, target <= {PARSE_TARGET_US:.0f} us")
    print(f"    {'source':<13} {'parse us':>9} {'edge us':>9}  alerts/body  verdict")
    ctx = ParseContext(received_at=NOW, observer="bench")
    all_ok = True
    for name, connector in sorted(connectors_by_name().items()):
        payload = PAYLOADS.get(name)
        if payload is None:
            print(f"    {name:<13} no benchmark payload")
            continue
        parse = connector.parse
        events = parse(payload, ctx)
        body = json.dumps(payload).encode()
        count = max(len(events), 1)

        def parse_only(parse: Any = parse, payload: Any = payload) -> None:
            parse(payload, ctx)

        def edge(parse: Any = parse, body: bytes = body) -> None:
            # what the intake does per body besides HTTP: decode once, parse, encode
            for event in parse(json.loads(body), ctx):
                event_record("correlator.alerts", event)

        parse_us = _best_us(parse_only) / count
        edge_us = _best_us(edge) / count
        ok = parse_us <= PARSE_TARGET_US
        all_ok &= ok
        print(f"    {name:<13} {parse_us:9.2f} {edge_us:9.2f}  {len(events):>11}  {verdict(ok)}")
    print("    (parse: connector.parse alone; edge: json decode + parse + bus record encoding)")
    return all_ok


def _best_us(func: Any) -> float:
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


# --- (b) HTTP rate ----------------------------------------------------------------------------


def serve(port: int) -> None:
    """Child process: uvicorn with the intake app on an InMemoryBus without journal."""
    topics = Topics()
    # keep memory flat over a long run: records older than a few seconds are dropped
    bus = InMemoryBus(retention_s={topics.alerts: 5.0, topics.dlq: 5.0})
    app = build_intake_app(
        bus=bus,
        topics=topics,
        connectors=connectors_by_name(),
        clock=WallClock(),
        metrics=Metrics(CollectorRegistry()),
        auth_token="bench-token",
        max_body_bytes=1 << 20,
        ready=lambda: True,
    )
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        await bus.start()
        await server.serve()

    asyncio.run(main())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request_bytes(port: int) -> bytes:
    body = json.dumps(PAYLOADS[HTTP_SOURCE]).encode()
    head = (
        f"POST {HTTP_PATH}?observer=bench HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Authorization: Bearer bench-token\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    probe = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the intake server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
                sock.sendall(probe)
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the intake server did not answer /healthz in time")


async def _connection(
    port: int, request: bytes, start_at: float, stop_at: float, statuses: Counter[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
                    break
            if length:
                await reader.readexactly(length)
            if now >= start_at:  # requests sent during warm-up are not counted
                statuses[status] += 1
    finally:
        writer.close()


def _load_process(args: tuple[int, int, float, float]) -> dict[int, int]:
    port, connections, warmup_s, duration_s = args
    request = _request_bytes(port)
    statuses: Counter[int] = Counter()

    async def main() -> None:
        start_at = time.perf_counter() + warmup_s
        stop_at = start_at + duration_s
        await asyncio.gather(
            *(_connection(port, request, start_at, stop_at, statuses) for _ in range(connections))
        )

    asyncio.run(main())
    return dict(statuses)


def _python_load(
    port: int, processes: int, connections: int, warmup_s: float, duration_s: float
) -> tuple[float, Counter[int]]:
    per_process = max(1, connections // processes)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_load_process, [(port, per_process, warmup_s, duration_s)] * processes)
    statuses: Counter[int] = Counter()
    for result in results:
        statuses.update(result)
    return sum(statuses.values()) / duration_s, statuses


def _wrk_load(
    wrk: str, port: int, threads: int, connections: int, warmup_s: float, duration_s: float
) -> tuple[float, Counter[int]]:
    body = json.dumps(PAYLOADS[HTTP_SOURCE])
    script = (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        'wrk.headers["Authorization"] = "Bearer bench-token"\n'
    )
    url = f"http://127.0.0.1:{port}{HTTP_PATH}?observer=bench"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        common = [wrk, f"-t{threads}", f"-c{connections}", "-s", script_path]
        if warmup_s > 0:
            subprocess.run(
                [*common, f"-d{max(1, round(warmup_s))}s", url], capture_output=True, check=True
            )
        out = subprocess.run(
            [*common, f"-d{max(1, round(duration_s))}s", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script_path).unlink(missing_ok=True)
    rps = 0.0
    total = non_2xx = 0
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            rps = float(words[1])
        elif "requests in" in line:
            total = int(words[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            non_2xx = int(words[-1])
    statuses: Counter[int] = Counter({202: total - non_2xx})
    if non_2xx:
        statuses[0] = non_2xx  # wrk does not say which codes
    return rps * (total - non_2xx) / total if total else 0.0, statuses


def bench_http(
    load: str, processes: int, connections: int, warmup_s: float, duration_s: float
) -> bool:
    http_impl = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop_impl = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(f"(b) HTTP intake, target >= {HTTP_TARGET_RPS:,.0f} single-alert POSTs/s on loopback")
    print(
        f"    server: uvicorn {uvicorn.__version__} (http={http_impl}, loop={loop_impl}), "
        f"one process, InMemoryBus without journal, POST {HTTP_PATH} with a bearer token"
    )
    wrk = shutil.which("wrk")
    if load == "wrk" and wrk is None:
        print("    not measured: --load wrk asked for, but wrk is not installed")
        return False
    use_wrk = wrk is not None and load in ("wrk", "auto")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(port)])
    try:
        _wait_ready(port, proc)
        if use_wrk:
            assert wrk is not None
            print(
                f"    load generator: wrk ({wrk}), {processes} threads x {connections} connections"
            )
            rps, statuses = _wrk_load(wrk, port, processes, connections, warmup_s, duration_s)
        else:
            why = "asked for" if load == "python" else "wrk is not installed"
            print(
                f"    load generator: built-in asyncio raw-socket client ({why}), "
                f"{processes} processes x {max(1, connections // processes)} keep-alive connections"
            )
            rps, statuses = _python_load(port, processes, connections, warmup_s, duration_s)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    accepted = statuses.get(202, 0)
    other = sum(statuses.values()) - accepted
    accepted_rps = rps if not other else rps * accepted / max(sum(statuses.values()), 1)
    ok = accepted_rps >= HTTP_TARGET_RPS and other == 0
    print(
        f"    {accepted_rps:,.0f} POSTs/s answered 202 over {duration_s:.0f} s "
        f"({accepted:,} x 202, {other:,} other)  {verdict(ok)}"
    )
    print(f"    machine: {os.cpu_count()} CPUs shared by the server and the load generator")
    return ok


# --- (c) Kafka --------------------------------------------------------------------------------


def bench_kafka(bootstrap: str | None) -> bool:
    print(f"(c) Kafka publish rate, target: bus >= {KAFKA_TARGET_RATIO} x raw aiokafka producer")
    kafka_rate = _load_module("kafka_rate", BENCH_DIR / "kafka_rate.py")
    if kafka_rate is None or not hasattr(kafka_rate, "measure"):
        print("    not measured: bench/kafka_rate.py with measure(bootstrap) is missing")
        return False
    if bootstrap is not None:
        print(f"    broker: {bootstrap} (given)")
        return _run_kafka(kafka_rate.measure, bootstrap)
    # no broker given: start the integration tests' throw-away broker, as kafka_rate does
    harness = _load_module("kafka_broker", REPO / "tests" / "kafka_broker.py")
    if harness is None:
        print("    not measured: tests/kafka_broker.py (the broker harness) is missing")
        return False
    reason = harness.missing_prerequisite(harness.DEFAULT_LIB)
    if reason is not None:
        print(f"    not measured: cannot start a Kafka broker: {reason}")
        print("    (or pass --bootstrap HOST:PORT of a running broker)")
        return False
    with tempfile.TemporaryDirectory(prefix="ingest-bench-kafka-") as work:
        broker = harness.KafkaBroker(harness.DEFAULT_LIB, Path(work))
        try:
            broker.start()
        except Exception as exc:
            print(f"    not measured: the Kafka broker did not start: {exc}")
            return False
        try:
            print(f"    broker: single-node KRaft from {harness.DEFAULT_LIB.relative_to(REPO)}")
            return _run_kafka(kafka_rate.measure, broker.bootstrap)
        finally:
            broker.stop()


def _load_module(name: str, path: Path) -> Any:
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _run_kafka(measure: Any, bootstrap: str) -> bool:
    try:
        figures = measure(bootstrap)
    except Exception as exc:
        print(f"    not measured: {type(exc).__name__}: {exc}")
        return False
    bus, raw = figures["bus_msgs_per_s"], figures["raw_msgs_per_s"]
    ratio = bus / raw if raw else 0.0
    ok = ratio >= KAFKA_TARGET_RATIO
    print(
        f"    {figures.get('n', 0):,.0f} alerts of {figures.get('value_bytes', 0):,.0f} bytes "
        "per round, acks=all, idempotent (median of the rounds)"
    )
    print(f"    KafkaBus.publish {bus:,.0f} msgs/s, raw aiokafka {raw:,.0f} msgs/s")
    print(f"    ratio {ratio:.2f}  {verdict(ok)}")
    return ok


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=["parse", "http", "kafka"], help="run one part only")
    parser.add_argument("--kafka", action="store_true", help="also measure the Kafka publish rate")
    parser.add_argument(
        "--bootstrap", help="Kafka bootstrap servers for --kafka (default: start one)"
    )
    parser.add_argument(
        "--load",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="HTTP load generator: wrk when installed (auto), or the built-in one",
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="load processes (wrk threads), default 1"
    )
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections in all")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up not measured")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve)
        return 0
    results = []
    if args.only in (None, "parse"):
        results.append(bench_parse())
        print()
    if args.only in (None, "http"):
        results.append(
            bench_http(args.load, args.processes, args.connections, args.warmup, args.duration)
        )
        print()
    if args.only == "kafka" or (args.only is None and args.kafka):
        results.append(bench_kafka(args.bootstrap))
        print()
    elif args.only is None:
        print("(c) Kafka publish rate: not measured (pass --kafka; it needs a broker)")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
