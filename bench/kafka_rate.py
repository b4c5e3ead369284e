# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""How fast alerts reach Kafka through ``KafkaBus.publish``, against raw aiokafka.

Both paths send the same alert-sized records with the same producer settings (idempotent,
``acks=all``) and the same shape of work as the intake: batches of ``batch`` records, each
awaited in full, ``concurrency`` batches in flight. The ratio tells what the bus costs.

    .venv/bin/python bench/kafka_rate.py            # starts the test harness broker
    .venv/bin/python bench/kafka_rate.py --bootstrap 127.0.0.1:9092
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from correlator.bus.codec import event_record
from correlator.bus.kafka import KafkaBus
from correlator.bus.protocol import Record
from correlator.bus.topics import Topics
from correlator.model import Alert, Severity, Source, State

REPO = Path(__file__).resolve().parent.parent


def alert_records(topic: str, n: int, size: int) -> list[Record]:
    """``n`` alert records whose values are about ``size`` bytes, as the intake makes them."""
    records = []
    for i in range(n):
        host = f"host{i % 500:04d}.dc1.example.net"
        alert = Alert(
            source=Source.NAGIOS,
            source_id=f"{host}/check-{i % 7}",
            host=host,
            check=f"check-{i % 7}",
            address=f"10.{i % 250}.{i // 250 % 250}.{i % 200 + 1}",
            state=State.PROBLEM if i % 3 else State.OK,
            severity=Severity.CRITICAL,
            raised_at=1_700_000_000.0 + i,
            received_at=1_700_000_000.5 + i,
            summary="CRITICAL - connection refused",
            tags={"env": "prod", "team": "web"},
            raw={"NOTIFICATIONTYPE": "PROBLEM", "SERVICESTATE": "CRITICAL"},
        )
        record = event_record(topic, alert)
        pad = max(0, size - len(record.value or b""))
        if pad:
            alert = Alert(**{**_fields(alert), "summary": alert.summary + " " + "x" * (pad - 1)})
            record = event_record(topic, alert)
        records.append(record)
    return records


def _fields(alert: Alert) -> dict[str, Any]:
    return {name: getattr(alert, name) for name in alert.__slots__}


def _batches(records: list[Record], batch: int) -> list[list[Record]]:
    return [records[i : i + batch] for i in range(0, len(records), batch)]


async def _run_batches(batches: list[list[Record]], concurrency: int, send: Any) -> float:
    """Seconds to push every batch with ``concurrency`` batches in flight."""
    queue = list(reversed(batches))

    async def worker() -> None:
        while queue:
            await send(queue.pop())

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


async def _bus_round(bus: KafkaBus, batches: list[list[Record]], concurrency: int) -> float:
    return await _run_batches(batches, concurrency, bus.publish)


async def _raw_round(
    producer: AIOKafkaProducer, batches: list[list[Record]], concurrency: int
) -> float:
    async def send(batch: list[Record]) -> None:
        futures = [
            await producer.send(r.topic, value=r.value, key=r.key, headers=list(r.headers))
            for r in batch
        ]
        await asyncio.gather(*futures)

    return await _run_batches(batches, concurrency, send)


async def measure_async(
    bootstrap: str,
    n: int = 20000,
    size: int = 600,
    *,
    batch: int = 100,
    concurrency: int = 4,
    rounds: int = 6,
) -> dict[str, float]:
    """Median msgs/s over ``rounds`` of ``n`` records, through the bus and raw aiokafka."""
    bus_topics, raw_topics = (
        Topics(f"bench{uuid.uuid4().hex[:8]}."),
        Topics(f"benchraw{uuid.uuid4().hex[:8]}."),
    )
    bus = KafkaBus(bootstrap, topics=bus_topics, create_topics=True, client_id="bench-bus")
    raw_setup = KafkaBus(bootstrap, topics=raw_topics, create_topics=True, client_id="bench-raw")
    await raw_setup.ensure_topics()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="bench-raw",
        acks="all",
        enable_idempotence=True,
        max_batch_size=65_536,
    )
    bus_batches = _batches(alert_records(bus_topics.alerts, n, size), batch)
    raw_batches = _batches(alert_records(raw_topics.alerts, n, size), batch)
    await bus.start()
    await producer.start()
    try:
        # warm-up: connections, metadata, producer ids
        await _bus_round(bus, bus_batches[:5], concurrency)
        await _raw_round(producer, raw_batches[:5], concurrency)
        bus_rates, raw_rates = [], []
        for i in range(rounds):  # alternate which goes first: the broker warms up as it runs
            if i % 2:
                raw_rates.append(n / await _raw_round(producer, raw_batches, concurrency))
                bus_rates.append(n / await _bus_round(bus, bus_batches, concurrency))
            else:
                bus_rates.append(n / await _bus_round(bus, bus_batches, concurrency))
                raw_rates.append(n / await _raw_round(producer, raw_batches, concurrency))
    finally:
        await producer.stop()
        await bus.stop()
    bus_rate, raw_rate = statistics.median(bus_rates), statistics.median(raw_rates)
    return {
        "bus_msgs_per_s": bus_rate,
        "raw_msgs_per_s": raw_rate,
        "ratio": bus_rate / raw_rate,
        "n": float(n),
        "size": float(size),
        "value_bytes": float(len(bus_batches[0][0].value or b"")),
    }


def measure(bootstrap: str, n: int = 20000, size: int = 600) -> dict[str, float]:
    """Publish rate through ``KafkaBus.publish`` and raw aiokafka (msgs/s) and their ratio."""
    return asyncio.run(measure_async(bootstrap, n, size))


def _load_harness() -> Any:
    path = REPO / "tests" / "kafka_broker.py"
    spec = importlib.util.spec_from_file_location("kafka_broker", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _print(figures: dict[str, float]) -> None:
    print(
        f"kafka publish, {figures['n']:.0f} alerts of {figures['value_bytes']:.0f} bytes, "
        "batches of 100, 4 in flight, acks=all, idempotent:"
    )
    print(f"  KafkaBus.publish : {figures['bus_msgs_per_s']:10.0f} msgs/s")
    print(f"  raw aiokafka     : {figures['raw_msgs_per_s']:10.0f} msgs/s")
    print(f"  ratio bus/raw    : {figures['ratio']:10.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", help="an existing broker (default: start the harness)")
    parser.add_argument("-n", type=int, default=20000, help="records per round")
    parser.add_argument("--size", type=int, default=600, help="value size in bytes")
    args = parser.parse_args(argv)
    if args.bootstrap:
        _print(measure(args.bootstrap, args.n, args.size))
        return
    harness = _load_harness()
    reason = harness.missing_prerequisite(harness.DEFAULT_LIB)
    if reason is not None:
        raise SystemExit(f"cannot start the Kafka broker: {reason}")
    with tempfile.TemporaryDirectory(prefix="kafka-bench-") as work:
        broker = harness.KafkaBroker(harness.DEFAULT_LIB, Path(work))
        broker.start()
        try:
            _print(measure(broker.bootstrap, args.n, args.size))
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
