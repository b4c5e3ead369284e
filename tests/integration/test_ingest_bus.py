"""End to end through the HTTP intake onto a real bus: every tool's native payload lands,
normalized, on the alerts topic; a malformed one gets a 400 naming the field and its raw
body lands on the dead-letter topic. Run on the in-memory bus and on the real Kafka
broker started by the test harness."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from prometheus_client import CollectorRegistry

from connectors.base import ParseContext
from connectors.intake import build_intake_app
from connectors.registry import connectors_by_name
from correlator.bus.codec import dead_letter_from_message, event_from_message
from correlator.bus.memory import InMemoryBus
from correlator.bus.protocol import Bus, Message
from correlator.bus.topics import Topics
from correlator.clock import ManualClock
from correlator.telemetry import Metrics

DATA = Path(__file__).resolve().parents[1] / "data"

# (endpoint, source, golden file in the tool's exact shape, posted as json or form fields)
NATIVE: list[tuple[str, str, str, str]] = [
    ("/ingest/nagios", "nagios", "nagios/host-problem-down.json", "json"),
    ("/ingest/nagios", "nagios", "nagios/service-problem.form.txt", "form"),
    ("/ingest/icinga", "icinga", "icinga/statechange-host-down.json", "json"),
    ("/ingest/zabbix", "zabbix", "zabbix/problem.json", "json"),
    ("/ingest/prtg", "prtg", "prtg/down.form.txt", "form"),
    ("/ingest/alertmanager", "alertmanager", "alertmanager/firing.json", "json"),
    ("/api/v2/alerts", "prometheus", "prometheus/firing.json", "json"),
]
NOW = 1_763_900_000.0


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
async def bus_and_topics(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Bus, Topics]]:
    """A started bus (in-process, or the real Kafka broker) under a fresh topic prefix."""
    topics = Topics(f"t{uuid.uuid4().hex[:8]}.correlator.")
    bus: Bus
    if request.param == "memory":
        bus = InMemoryBus()
    else:
        from correlator.bus.kafka import KafkaBus  # noqa: PLC0415 - only for the kafka variant

        bus = KafkaBus(
            request.getfixturevalue("kafka_bootstrap"),
            topics=topics,
            create_topics=True,
            client_id="test-intake",
        )
    await bus.start()
    try:
        yield bus, topics
    finally:
        await bus.stop()


def _client(bus: Bus, topics: Topics) -> httpx.AsyncClient:
    app = build_intake_app(
        bus=bus,
        topics=topics,
        connectors=connectors_by_name(),
        clock=ManualClock(NOW),
        metrics=Metrics(CollectorRegistry()),
        auth_token=None,
        max_body_bytes=1 << 20,
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")


async def _read(bus: Bus, topic: str, count: int) -> list[Message]:
    consumer = await bus.consumer([topic], f"reader-{uuid.uuid4().hex[:8]}")
    got: list[Message] = []
    try:
        for _ in range(60):
            got += await consumer.getmany(0.5)
            if len(got) >= count:
                break
    finally:
        await consumer.stop()
    return got


def _payload(name: str) -> tuple[str, Any]:
    text = (DATA / name).read_text(encoding="utf-8")
    return text, (json.loads(text) if name.endswith(".json") else None)


async def test_every_native_payload_lands_normalized_on_the_alerts_topic(bus_and_topics):
    """Each tool's native payload, as JSON or form fields, is answered 202 with the count of
    alerts it carried, and those alerts are on the alerts topic, normalized as the source's
    parser gives them, in order, with the source header."""
    bus, topics = bus_and_topics
    connectors = connectors_by_name()
    expected: list[dict[str, Any]] = []
    async with _client(bus, topics) as client:
        for endpoint, source, name, shape in NATIVE:
            text, data = _payload(name)
            if shape == "json":
                answer = await client.post(endpoint, json=data)
            else:
                data = dict(parse_qsl(text.strip(), keep_blank_values=True))
                answer = await client.post(
                    endpoint,
                    content=text.strip().encode(),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
            parsed = connectors[source].parse(data, ParseContext(received_at=NOW))
            assert parsed, name
            assert answer.status_code == 202, (name, answer.text)
            assert answer.json() == {"accepted": len(parsed)}
            expected += [e.to_json() for e in parsed]
    messages = await _read(bus, topics.alerts, len(expected))
    assert [event_from_message(m).to_json() for m in messages] == expected
    assert [dict(m.headers)["source"] for m in messages] == [e["source"].encode() for e in expected]
    assert {e["source"] for e in expected} == {source for _, source, _, _ in NATIVE}


async def test_malformed_payload_is_a_400_naming_the_field_and_lands_on_the_dlq(bus_and_topics):
    """A Zabbix body without its trigger id gets 400 naming the field; the raw body, as
    received, is on the dead-letter topic with the reason and the field; nothing reaches the
    alerts topic."""
    bus, topics = bus_and_topics
    _, data = _payload("zabbix/problem.json")
    del data["trigger_id"]
    raw = json.dumps(data)
    async with _client(bus, topics) as client:
        answer = await client.post(
            "/ingest/zabbix", content=raw, headers={"content-type": "application/json"}
        )
    assert answer.status_code == 400
    assert answer.json()["field"] == "trigger_id"
    [message] = await _read(bus, topics.dlq, 1)
    letter = dead_letter_from_message(message)
    assert letter.source == "zabbix"
    assert letter.field == "trigger_id"
    assert letter.body == raw
    assert letter.reason
    consumer = await bus.consumer([topics.alerts], f"reader-{uuid.uuid4().hex[:8]}")
    try:
        assert await consumer.getmany(1.0) == []
    finally:
        await consumer.stop()
