"""The correlator daemon stage on a real bus: alerts topic in, compacted incidents out.

The same tests run on the in-memory bus of the embedded default and on the real Kafka
broker started by the test harness.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from connectors.base import ParseContext
from connectors.registry import connectors_by_name
from correlator.bus.codec import event_record
from correlator.bus.memory import InMemoryBus
from correlator.bus.protocol import Bus, BusUnavailableError, Message, Record
from correlator.bus.topics import Topics
from correlator.clock import ManualClock
from correlator.correlate.engine import Engine
from correlator.correlate.service import CorrelateMetrics, CorrelatorService
from correlator.model import Alert, Severity, Source, State
from correlator.telemetry import Metrics
from topology.load import load_topology

SMALL_SITE = Path(__file__).resolve().parents[3] / "shared" / "examples" / "small-site"


def _small_site() -> Path:
    if not SMALL_SITE.is_dir():
        pytest.fail(f"shared example missing: {SMALL_SITE}")
    return SMALL_SITE


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
async def bus_and_topics(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Bus, Topics]]:
    """A started bus (in-memory or real Kafka) with topics under a fresh prefix."""
    topics = Topics(f"t{uuid.uuid4().hex[:8]}.correlator.")
    bus: Bus
    if request.param == "memory":
        bus = InMemoryBus()
    else:
        from correlator.bus.kafka import KafkaBus  # noqa: PLC0415 - only for the kafka variant

        bootstrap = request.getfixturevalue("kafka_bootstrap")
        bus = KafkaBus(
            bootstrap,
            client_id="test-correlator",
            create_topics=True,
            partitions=1,
            replication_factor=1,
            topics=topics,
        )
    await bus.start()
    try:
        yield bus, topics
    finally:
        await bus.stop()


def _storm_records(topics: Topics, ids: set[str]) -> tuple[list, float]:
    """The small-site storm's events with the given ids, normalized, as alert records."""
    connectors = connectors_by_name()
    records = []
    last = 0.0
    for line in (_small_site() / "storm.jsonl").read_text().splitlines():
        data = json.loads(line)
        if data["id"] not in ids:
            continue
        ctx = ParseContext(received_at=data["at"])
        for event in connectors[data["source"]].parse(data["payload"], ctx):
            records.append(event_record(topics.alerts, event))
        last = data["at"]
    return records, last


async def _read_incidents(bus: Bus, topics: Topics, expect: int) -> dict[str, dict]:
    """Latest value per key of the incidents topic, read from the beginning."""
    consumer = await bus.consumer([topics.incidents], f"reader-{uuid.uuid4().hex[:6]}")
    latest: dict[str, dict] = {}
    try:
        for _ in range(60):
            for message in await consumer.getmany(0.5):
                assert message.key is not None
                latest[message.key.decode()] = (
                    json.loads(message.value) if message.value is not None else {}
                )
            if len(latest) >= expect:
                break
    finally:
        await consumer.stop()
    return latest


async def _drain(service: CorrelatorService, expected: int) -> None:
    """Run the service's consume-correlate-publish-commit loop until it consumed ``expected``."""
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    try:
        for _ in range(120):
            if service.stats.consumed >= expected or task.done():
                break
            await asyncio.sleep(0.25)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert service.stats.consumed == expected


async def test_storm_becomes_one_rerooted_incident_on_the_incidents_topic(bus_and_topics):
    """Six alerts of one failure (root last) give one incident keyed by id, rooted at dist-1."""
    bus, topics = bus_and_topics
    records, last = _storm_records(topics, {"a1", "a2", "a3", "a4", "a5", "a6"})
    await bus.publish(records)
    topology = load_topology(_small_site() / "topology.yaml")
    service = CorrelatorService(
        bus, topics, Engine(topology), ManualClock(last), group="correlator", poll_s=0.2
    )
    await _drain(service, len(records))
    incidents = await _read_incidents(bus, topics, 1)
    assert list(incidents) == ["INC-000001"]
    value = incidents["INC-000001"]
    assert value["v"] == 1
    assert value["status"] == "open"
    assert value["root_cause"] == "bru-dist-1"
    assert value["root_cause_inferred"] is False
    assert "updated_at" in value
    assert service.stats.consumed == len(records)


class _FailsOnHost(Engine):
    """An engine with a bug that shows on one host's alerts."""

    def __init__(self, topology, host: str) -> None:
        super().__init__(topology)
        self.host = host

    def handle(self, event, *, seq, event_id, now):  # type: ignore[no-untyped-def]
        if getattr(event, "host", None) == self.host:
            raise RecursionError("maximum recursion depth exceeded")
        return super().handle(event, seq=seq, event_id=event_id, now=now)


async def test_an_alert_the_engine_fails_on_does_not_stop_the_others(bus_and_topics):
    """An engine bug on one alert is logged and counted; the alerts after it are still
    correlated and published (no crash loop on the same message)."""
    bus, topics = bus_and_topics
    records, last = _storm_records(topics, {"a1", "a2", "a3", "a4", "a5", "a6"})
    first_host = json.loads(records[0].value)["host"]
    await bus.publish(records)
    topology = load_topology(_small_site() / "topology.yaml")
    engine = _FailsOnHost(topology, first_host)
    metrics = Metrics(CollectorRegistry())
    service = CorrelatorService(
        bus, topics, engine, ManualClock(last), poll_s=0.2, metrics=CorrelateMetrics(metrics)
    )
    await _drain(service, len(records))
    failed = sum(1 for r in records if json.loads(r.value)["host"] == first_host)
    assert service.stats.failed == failed > 0
    consumed = "correlator_alerts_consumed_total"
    assert metrics.sample(consumed, {"outcome": "failed"}) == failed
    assert metrics.sample(consumed, {"outcome": "correlated"}) == len(records) - failed
    incidents = await _read_incidents(bus, topics, 1)
    assert incidents, "the other alerts were not correlated"


async def test_offsets_are_committed_only_after_the_incidents_are_written(bus_and_topics):
    """Alerts whose incident changes could not be published are redelivered, not lost."""
    bus, topics = bus_and_topics
    records, last = _storm_records(topics, {"b1", "b2"})
    await bus.publish(records)
    topology = load_topology(_small_site() / "topology.yaml")
    failing = CorrelatorService(bus, topics, Engine(topology), ManualClock(last), poll_s=0.2)

    async def refuse(_records):
        raise BusUnavailableError("incidents topic down")

    failing.bus = type("Refusing", (), {"publish": staticmethod(refuse)})()  # type: ignore[assignment]
    consumer = await bus.consumer([topics.alerts], "correlator")
    failing._consumer = consumer
    messages: list[Message] = []
    for _ in range(20):
        messages.extend(await consumer.getmany(0.5))
        if len(messages) >= len(records):
            break
    with pytest.raises(BusUnavailableError):
        await failing.step(messages)
    await consumer.stop()  # crash: nothing was committed

    healthy = CorrelatorService(bus, topics, Engine(topology), ManualClock(last), poll_s=0.2)
    await _drain(healthy, len(records))
    incidents = await _read_incidents(bus, topics, 1)
    assert incidents["INC-000001"]["root_cause"] == "bru-pdu-a"
    assert incidents["INC-000001"]["root_cause_inferred"] is True

    after = await bus.consumer([topics.alerts], "correlator")
    try:
        assert await after.getmany(1.0) == []
    finally:
        await after.stop()


def _host_down(host: str, at: float, *, up: bool = False) -> Alert:
    """A Nagios host notification: DOWN, or its recovery with ``up``."""
    return Alert(
        source=Source.NAGIOS,
        source_id=host,
        host=host,
        state=State.OK if up else State.PROBLEM,
        severity=Severity.INFO if up else Severity.CRITICAL,
        raised_at=at,
        received_at=at,
    )


def _host_up(host: str, at: float) -> Alert:
    return _host_down(host, at, up=True)


async def test_merged_incidents_are_published_resolved_with_their_survivor(bus_and_topics):
    """Two sibling incidents absorbed by their parent's late alert: the absorbed one is
    published as resolved with ``merged_into``, the survivor as open, re-rooted."""
    bus, topics = bus_and_topics
    # db-01 fails long after web-01 (their silent parent explains neither by then), then
    # the parent esx-01 alerts: it explains both, so the younger incident is absorbed.
    alerts = [_host_down("web-01", 100.0), _host_down("db-01", 500.0), _host_down("esx-01", 510.0)]
    records = [event_record(topics.alerts, a) for a in alerts]
    topology = load_topology(_small_site() / "topology.yaml")
    engine = Engine(topology)
    clock = ManualClock(100.0)
    service = CorrelatorService(bus, topics, engine, clock, poll_s=0.2)
    # Feed them one by one, as they would arrive, so the two siblings open first.
    for index, record in enumerate(records):
        clock.set(alerts[index].received_at)
        await bus.publish([record])
        await _drain(service, index + 1)
    incidents = await _read_incidents(bus, topics, 2)
    assert set(incidents) == {"INC-000001", "INC-000002"}
    survivor, absorbed = incidents["INC-000001"], incidents["INC-000002"]
    assert survivor["status"] == "open"
    assert survivor["root_cause"] == "esx-01"
    assert sorted(a["host"] for a in survivor["alerts"]) == ["db-01", "esx-01", "web-01"]
    assert absorbed["status"] == "resolved"
    assert absorbed["merged_into"] == "INC-000001"


async def test_incidents_resolved_past_their_retention_are_forgotten_with_a_tombstone(
    bus_and_topics,
):
    """An incident resolved longer ago than forget_after_s is dropped from the engine's
    memory and a tombstone (key = id, no value) is written on the compacted topic."""
    bus, topics = bus_and_topics
    down = _host_down("esx-01", 100.0)
    up = _host_up("esx-01", 160.0)
    topology = load_topology(_small_site() / "topology.yaml")
    engine = Engine(topology)
    clock = ManualClock(100.0)
    service = CorrelatorService(bus, topics, engine, clock, poll_s=0.2)
    for index, alert in enumerate((down, up)):
        clock.set(alert.received_at)
        await bus.publish([event_record(topics.alerts, alert)])
        await _drain(service, index + 1)
    clock.set(160.0 + engine.settings.resolve_linger_s + 1)
    await service.step([])
    assert engine.get("INC-000001") is not None
    assert engine.get("INC-000001").status.value == "resolved"

    clock.set(160.0 + engine.settings.forget_after_s + 1000)
    await service.step([])
    assert engine.get("INC-000001") is None

    consumer = await bus.consumer([topics.incidents], f"reader-{uuid.uuid4().hex[:6]}")
    seen: list[Message] = []
    try:
        for _ in range(40):
            seen += await consumer.getmany(0.5)
            if seen and seen[-1].value is None:
                break
    finally:
        await consumer.stop()
    assert seen[-1].key == b"INC-000001"
    assert seen[-1].value is None
    assert any(m.value is not None and b'"resolved"' in m.value for m in seen)


async def test_the_correlate_stage_exports_its_counts_as_prometheus_metrics(bus_and_topics):
    """Every consumed message is counted by outcome; opens (new, reopened) and resolves are
    counted as published; the time per batch lands in the histogram."""
    bus, topics = bus_and_topics
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    topology = load_topology(_small_site() / "topology.yaml")
    engine = Engine(topology)
    clock = ManualClock(100.0)
    service = CorrelatorService(
        bus, topics, engine, clock, poll_s=0.2, metrics=CorrelateMetrics(metrics)
    )

    linger = engine.settings.resolve_linger_s
    again = 160.0 + linger + 60.0  # within reopen_s of the resolution
    steps = [(_host_down("esx-01", 100.0), 100.0), (_host_up("esx-01", 160.0), 160.0 + linger + 1)]
    steps += [(_host_down("esx-01", again), again + engine.settings.hold_s + 1)]
    for index, (alert, then) in enumerate(steps):
        clock.set(alert.received_at)
        await bus.publish([event_record(topics.alerts, alert)])
        await _drain(service, index + 1)
        clock.set(then)
        await service.step([])  # timers: the hold, the linger
    await bus.publish([Record(topics.alerts, b"esx-01", b"{not json")])
    await _drain(service, len(steps) + 1)

    def sample(name: str, **labels: str) -> float:
        return metrics.sample(name, labels)

    assert sample("correlator_alerts_consumed_total", outcome="correlated") == 3
    assert sample("correlator_alerts_consumed_total", outcome="undecodable") == 1
    assert sample("correlator_alerts_consumed_total", outcome="failed") == 0
    assert sample("correlator_incidents_opened_total", how="new") == 1
    assert sample("correlator_incidents_resolved_total") == 1
    assert sample("correlator_incidents_opened_total", how="reopened") == 1
    assert engine.get("INC-000001").status.value == "open"
    assert sample("correlator_correlate_seconds_count") >= 4
