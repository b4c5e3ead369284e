# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The HTTP intake edge against an in-memory bus (specs/ingest-formats.md, "Answers")."""

from __future__ import annotations

import asyncio
import json
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from connectors.base import Connector, InvalidPayloadError, ParseContext
from connectors.intake import ENDPOINTS, SourceOptions, build_intake_app
from connectors.registry import connectors_by_name
from correlator.bus.memory import InMemoryBus
from correlator.bus.topics import Topics
from correlator.clock import ManualClock
from correlator.model import Alert, Event, Notice, Source, event_from_json
from correlator.telemetry import Metrics

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from correlator.bus.protocol import Message, Record

NOW = 1763900100.0
TOKEN = "s3cret-token"
DATA = Path(__file__).resolve().parent.parent / "data"

# Native payloads, from shared/examples/small-site/storm.jsonl where the storm has one.
NAGIOS_HOST_DOWN: dict[str, str] = {
    "NOTIFICATIONTYPE": "PROBLEM",
    "HOSTNAME": "esx-01",
    "HOSTADDRESS": "10.0.2.11",
    "HOSTSTATE": "DOWN",
    "HOSTSTATETYPE": "HARD",
    "HOSTOUTPUT": "PING CRITICAL - Packet loss = 100%",
    "HOSTPROBLEMID": "9101",
    "TIMET": "1763900020",
}
NAGIOS_SERVICE: dict[str, str] = {
    "NOTIFICATIONTYPE": "PROBLEM",
    "HOSTNAME": "esx-01",
    "HOSTADDRESS": "10.0.2.11",
    "SERVICEDESC": "Datastore latency",
    "SERVICESTATE": "CRITICAL",
    "SERVICESTATETYPE": "HARD",
    "SERVICEOUTPUT": "CRITICAL - datastore san-01 unreachable",
    "SERVICEPROBLEMID": "9200",
    "TIMET": "1763903030",
}
ICINGA_STATE_CHANGE: dict[str, Any] = {
    "type": "StateChange",
    "host": "web-01",
    "service": "HTTP",
    "state": 2,
    "state_type": 1,
    "check_result": {"output": "connect to address 10.0.3.21 and port 80: No route to host"},
    "timestamp": 1763900031.0,
}
ZABBIX_PROBLEM: dict[str, str] = {
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
}
PRTG_DOWN: dict[str, str] = {
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
}
_AM_ALERT: dict[str, Any] = {
    "status": "firing",
    "labels": {
        "alertname": "HighErrorRate",
        "instance": "web-01:9100",
        "job": "shop",
        "severity": "critical",
    },
    "annotations": {"summary": "5xx ratio above 20% for 1m"},
    "startsAt": "2025-11-23T12:14:12Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus:9090/graph",
    "fingerprint": "6f1c2a9b0d3e4f57",
}
ALERTMANAGER_WEBHOOK: dict[str, Any] = {
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate"}',
    "status": "firing",
    "receiver": "correlator",
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        _AM_ALERT,
        {
            **_AM_ALERT,
            "labels": {**_AM_ALERT["labels"], "instance": "web-02:9100"},
            "fingerprint": "7a2d3b0c1e4f5a68",
        },
    ],
}
PROMETHEUS_ALERTS: list[dict[str, Any]] = [
    {
        "labels": {"alertname": "HighErrorRate", "instance": "web-01:9100", "severity": "critical"},
        "annotations": {"summary": "5xx ratio above 20% for 1m"},
        "startsAt": "2025-11-23T12:14:12Z",
        "endsAt": "2025-11-23T12:20:12Z",
        "generatorURL": "http://prometheus:9090/graph",
    }
]

# path, payload, source, expected events, host of the first event, check of the first event
NATIVE: list[tuple[str, Any, Source, int, str, str | None]] = [
    ("/ingest/nagios", NAGIOS_HOST_DOWN, Source.NAGIOS, 1, "esx-01", None),
    ("/ingest/icinga", ICINGA_STATE_CHANGE, Source.ICINGA, 1, "web-01", "HTTP"),
    (
        "/ingest/zabbix",
        ZABBIX_PROBLEM,
        Source.ZABBIX,
        1,
        "bru-dist-1",
        "Unavailable by ICMP ping",
    ),
    ("/ingest/prtg", PRTG_DOWN, Source.PRTG, 1, "db-01", "Ping"),
    (
        "/ingest/alertmanager",
        ALERTMANAGER_WEBHOOK,
        Source.ALERTMANAGER,
        2,
        "web-01",
        "HighErrorRate",
    ),
    ("/api/v2/alerts", PROMETHEUS_ALERTS, Source.PROMETHEUS, 1, "web-01", "HighErrorRate"),
]

PATH_OF: dict[str, str] = {endpoint.source: endpoint.path for endpoint in ENDPOINTS}
VALID_PAYLOAD: dict[str, Any] = {
    "nagios": NAGIOS_SERVICE,
    "icinga": ICINGA_STATE_CHANGE,
    "zabbix": ZABBIX_PROBLEM,
    "prtg": PRTG_DOWN,
    "alertmanager": ALERTMANAGER_WEBHOOK,
    "prometheus": PROMETHEUS_ALERTS,
}


class Edge:
    """An intake app wired to an in-memory bus, with the pieces tests look at."""

    def __init__(
        self,
        *,
        token: str | None = None,
        max_body_bytes: int = 64 * 1024,
        connectors: dict[str, Connector] | None = None,
        contexts: dict[str, SourceOptions] | None = None,
    ) -> None:
        self.bus = InMemoryBus()
        self.topics = Topics()
        self.registry = CollectorRegistry()
        self.metrics = Metrics(self.registry)
        self.clock = ManualClock(NOW)
        self.ready = True
        self.app = build_intake_app(
            bus=self.bus,
            topics=self.topics,
            connectors=connectors if connectors is not None else dict(connectors_by_name()),
            clock=self.clock,
            metrics=self.metrics,
            auth_token=token,
            max_body_bytes=max_body_bytes,
            contexts=contexts,
            ready=lambda: self.ready,
        )
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://intake"
        )

    async def drain(self, topic: str) -> list[Message]:
        """Every message published to ``topic`` so far."""
        consumer = await self.bus.consumer([topic], group=f"test-{topic}")
        try:
            return await consumer.getmany(timeout_s=0.0, max_records=10_000)
        finally:
            await consumer.stop()

    async def events(self) -> list[Event]:
        return [
            event_from_json(json.loads(m.value or b""))
            for m in await self.drain(self.topics.alerts)
        ]

    async def dead_letters(self) -> list[dict[str, Any]]:
        return [json.loads(m.value or b"") for m in await self.drain(self.topics.dlq)]

    def sample(self, name: str, **labels: str) -> float:
        return self.metrics.sample(name, labels)  # type: ignore[arg-type]


@pytest.fixture
async def edge() -> AsyncIterator[Edge]:
    built = Edge()
    await built.bus.start()
    yield built
    await built.client.aclose()
    await built.bus.stop()


async def started(built: Edge) -> Edge:
    await built.bus.start()
    return built


@pytest.mark.parametrize(("path", "payload", "source", "count", "host", "check"), NATIVE)
async def test_native_payload_is_accepted_and_published_normalized(
    edge: Edge, path: str, payload: Any, source: Source, count: int, host: str, check: str | None
) -> None:
    """Each tool's native JSON push gets 202 with its alert count, and the alerts land normalized on the alerts topic."""
    response = await edge.client.post(path, json=payload)

    assert response.status_code == 202
    assert response.json() == {"accepted": count}
    messages = await edge.drain(edge.topics.alerts)
    assert len(messages) == count
    events = [event_from_json(json.loads(m.value or b"")) for m in messages]
    assert all(event.source is source for event in events)
    assert events[0].host == host
    assert events[0].check == check
    assert all(event.received_at == NOW for event in events)
    for message, event in zip(messages, events, strict=True):
        assert message.key == event.source_id.encode()
        assert dict(message.headers) == {
            "source": source.value.encode(),
            "content-type": b"application/json",
        }
    assert await edge.dead_letters() == []
    assert edge.sample("correlator_alerts_accepted_total", source=source.value) == count


async def test_nagios_host_down_is_a_critical_problem(edge: Edge) -> None:
    """A Nagios host DOWN posted as JSON becomes one critical host-level problem alert."""
    await edge.client.post("/ingest/nagios", json=NAGIOS_HOST_DOWN)

    [event] = await edge.events()
    assert isinstance(event, Alert)
    assert event.state.value == "problem"
    assert event.severity.value == "critical"
    assert event.address == "10.0.2.11"


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
async def test_nagios_form_fields_are_accepted_like_json(edge: Edge, encoding: str) -> None:
    """Nagios macros posted as form fields (urlencoded or multipart) give the same alert as the JSON body."""
    if encoding == "urlencoded":
        response = await edge.client.post("/ingest/nagios", data=NAGIOS_SERVICE)
    else:
        boundary = "correlatorboundary"
        parts = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in NAGIOS_SERVICE.items()
        )
        response = await edge.client.post(
            "/ingest/nagios",
            content=(parts + f"--{boundary}--\r\n").encode(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1}

    await edge.client.post("/ingest/nagios", json=NAGIOS_SERVICE)
    events = await edge.events()
    from_form, from_json = events[-2], events[-1]
    assert isinstance(from_form, Alert)
    assert from_form.host == from_json.host == "esx-01"
    assert from_form.check == from_json.check == "Datastore latency"
    assert from_form.source_id == from_json.source_id


async def test_prtg_form_fields_are_accepted(edge: Edge) -> None:
    """PRTG's HTTP action posts form fields, which are accepted as one alert."""
    response = await edge.client.post("/ingest/prtg", data=PRTG_DOWN)

    assert response.status_code == 202
    [event] = await edge.events()
    assert event.host == "db-01"
    assert event.observer == "Local Probe"


async def test_observer_comes_from_the_query_parameter_else_the_configured_default() -> None:
    """``?observer=`` names the observer; without it the source's configured default applies."""
    built = await started(Edge(contexts={"nagios": SourceOptions(observer="nagios-bru")}))
    async with built.client:
        await built.client.post("/ingest/nagios?observer=naemon-ghent", json=NAGIOS_HOST_DOWN)
        await built.client.post("/ingest/nagios", json=NAGIOS_HOST_DOWN)
        first, second = await built.events()
    assert first.observer == "naemon-ghent"
    assert second.observer == "nagios-bru"


async def test_malformed_payload_is_400_naming_the_field_and_dead_lettered(edge: Edge) -> None:
    """A payload missing a required field gets 400 naming it, and its raw body lands on the DLQ with reason and field."""
    payload = {k: v for k, v in NAGIOS_HOST_DOWN.items() if k != "HOSTNAME"}
    raw = json.dumps(payload, indent=1).encode()

    response = await edge.client.post(
        "/ingest/nagios", content=raw, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid payload"
    assert answer["field"] == "HOSTNAME"
    assert answer["reason"]
    assert await edge.events() == []
    [letter] = await edge.dead_letters()
    assert letter == {
        "v": 1,
        "source": "nagios",
        "received_at": NOW,
        "reason": answer["reason"],
        "field": "HOSTNAME",
        "body": raw.decode(),
    }
    [message] = await edge.drain(edge.topics.dlq)
    assert message.key == b"nagios"
    assert ("content-type", b"application/json") in message.headers
    assert edge.sample("correlator_dead_letters_total", source="nagios") == 1
    assert edge.sample("correlator_alerts_rejected_total", source="nagios", reason="invalid") == 1


@pytest.mark.parametrize(
    "body", [b"", b"{not json", b'{"a": NaN}', b"\xff\xfe garbage \x00", b"[" * 5000 + b"]" * 5000]
)
async def test_body_that_is_not_json_is_400_and_kept_exactly_on_the_dlq(
    edge: Edge, body: bytes
) -> None:
    """A body that does not decode as JSON gets 400, and its text (bad bytes replaced) lands on the DLQ."""
    response = await edge.client.post(
        "/ingest/zabbix", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["field"] == "body"
    [letter] = await edge.dead_letters()
    assert letter["body"] == body.decode("utf-8", "replace")
    assert letter["field"] == "body"
    assert letter["reason"] == response.json()["reason"]


async def test_unpaired_surrogate_escape_is_stored_not_a_crash(edge: Edge) -> None:
    """A lone surrogate escape in a text field neither crashes nor loses the alert: the bus
    writes ASCII-escaped JSON, so the alert is accepted and read back unchanged."""
    raw = json.dumps(NAGIOS_HOST_DOWN).replace("100%", "100% \\ud800").encode()

    response = await edge.client.post(
        "/ingest/nagios", content=raw, headers={"content-type": "application/json"}
    )

    assert response.status_code == 202
    [event] = await edge.events()
    assert "\ud800" in event.summary
    assert await edge.dead_letters() == []


async def test_form_body_on_a_json_only_endpoint_is_415_and_dead_lettered(edge: Edge) -> None:
    """Zabbix posts JSON only, so a form body gets 415 and is still kept on the DLQ."""
    response = await edge.client.post("/ingest/zabbix", data=ZABBIX_PROBLEM)

    assert response.status_code == 415
    [letter] = await edge.dead_letters()
    assert letter["body"] == urlencode(ZABBIX_PROBLEM)
    assert letter["field"] == "Content-Type"


async def test_token_missing_or_wrong_is_401_and_right_is_202() -> None:
    """With a token configured, a missing or wrong bearer token gets 401 and publishes nothing; the right one gets 202."""
    built = await started(Edge(token=TOKEN))
    async with built.client:
        missing = await built.client.post("/ingest/nagios", json=NAGIOS_HOST_DOWN)
        wrong = await built.client.post(
            "/ingest/nagios", json=NAGIOS_HOST_DOWN, headers={"authorization": "Bearer nope"}
        )
        basic = await built.client.post(
            "/ingest/nagios", json=NAGIOS_HOST_DOWN, headers={"authorization": f"Basic {TOKEN}"}
        )
        query = await built.client.post(f"/ingest/nagios?token={TOKEN}", json=NAGIOS_HOST_DOWN)
        assert [r.status_code for r in (missing, wrong, basic, query)] == [401] * 4
        assert missing.headers["www-authenticate"] == "Bearer"
        assert built.bus.end_offsets() == {}

        right = await built.client.post(
            "/ingest/nagios", json=NAGIOS_HOST_DOWN, headers={"authorization": f"Bearer {TOKEN}"}
        )
        assert right.status_code == 202
        assert len(await built.events()) == 1
    assert (
        built.sample("correlator_alerts_rejected_total", source="nagios", reason="unauthorized")
        == 4
    )


async def test_health_and_metrics_need_no_token() -> None:
    """/healthz, /readyz and /metrics answer without the ingest token."""
    built = await started(Edge(token=TOKEN))
    async with built.client:
        for path in ("/healthz", "/readyz", "/metrics"):
            assert (await built.client.get(path)).status_code == 200


async def test_body_over_the_limit_by_content_length_is_413() -> None:
    """A body whose Content-Length is over the limit gets 413 and nothing is published."""
    built = await started(Edge(max_body_bytes=100))
    async with built.client:
        response = await built.client.post("/ingest/nagios", json=NAGIOS_HOST_DOWN)
    assert response.status_code == 413
    assert built.bus.end_offsets() == {}
    assert (
        built.sample("correlator_alerts_rejected_total", source="nagios", reason="too_large") == 1
    )


async def test_body_over_the_limit_without_content_length_is_413() -> None:
    """A streamed body with no Content-Length is counted as it arrives and cut off at the limit with 413."""
    built = await started(Edge(max_body_bytes=100))
    raw = json.dumps(NAGIOS_HOST_DOWN).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 16):
            yield raw[start : start + 16]

    async with built.client:
        response = await built.client.post(
            "/ingest/nagios", content=chunks(), headers={"content-type": "application/json"}
        )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert built.bus.end_offsets() == {}


async def test_lying_content_length_cannot_bypass_the_limit() -> None:
    """A Content-Length under the limit does not let a longer body through."""
    built = await started(Edge(max_body_bytes=100))
    raw = json.dumps(NAGIOS_HOST_DOWN).encode()
    received: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        received.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/ingest/nagios",
        "raw_path": b"/ingest/nagios",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"10")],
        "client": ("127.0.0.1", 5000),
        "server": ("intake", 80),
    }
    await built.app(scope, receive, send)
    assert received[0]["status"] == 413
    assert built.bus.end_offsets() == {}


async def test_body_under_the_limit_in_many_chunks_is_accepted() -> None:
    """A chunked body under the limit is reassembled and accepted."""
    built = await started(Edge(max_body_bytes=4096))
    raw = json.dumps(NAGIOS_HOST_DOWN).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 7):
            yield raw[start : start + 7]

    async with built.client:
        response = await built.client.post(
            "/ingest/nagios", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 202


async def test_bus_unavailable_is_503_and_never_202(edge: Edge) -> None:
    """When the bus cannot store the alerts the answer is 503 with a JSON error, and nothing is stored."""
    edge.bus.set_available(False)

    response = await edge.client.post("/ingest/alertmanager", json=ALERTMANAGER_WEBHOOK)

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    edge.bus.set_available(True)
    assert await edge.events() == []
    assert edge.sample("correlator_alerts_accepted_total", source="alertmanager") == 0
    assert (
        edge.sample("correlator_alerts_rejected_total", source="alertmanager", reason="unavailable")
        == 2
    )


async def test_invalid_payload_when_the_dlq_cannot_store_it_is_503(edge: Edge) -> None:
    """A bad payload whose dead letter cannot be stored gets 503, never a 400 that pretends it was kept."""
    edge.bus.set_available(False)

    response = await edge.client.post("/ingest/nagios", json={"HOSTNAME": "x"})

    assert response.status_code == 503
    edge.bus.set_available(True)
    assert await edge.dead_letters() == []


class ExplodingBus(InMemoryBus):
    """A bus whose publish fails with a bug, not with BusUnavailableError."""

    async def publish(self, records: Sequence[Record]) -> None:
        raise RuntimeError("boom in /secret/path")


async def test_unexpected_publish_failure_is_503_without_a_traceback() -> None:
    """Any exception from the bus during publish gets a 503 whose body carries no traceback."""
    built = Edge()
    built.bus = ExplodingBus()
    built.app = build_intake_app(
        bus=built.bus,
        topics=built.topics,
        connectors=dict(connectors_by_name()),
        clock=built.clock,
        metrics=built.metrics,
        auth_token=None,
        max_body_bytes=65536,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=built.app), base_url="http://intake"
    ) as client:
        with structlog.testing.capture_logs() as logs:
            response = await client.post("/ingest/nagios", json=NAGIOS_HOST_DOWN)
    assert response.status_code == 503
    assert "boom" not in response.text
    assert "Traceback" not in response.text
    [event] = [e for e in logs if e["event"] == "alert rejected"]
    assert event["reason"] == "unavailable"
    assert isinstance(event["exc_info"], RuntimeError)


def _buggy_parse(payload: Any, ctx: ParseContext) -> list[Event]:
    return [payload["no such key"]]


async def test_parser_bug_is_500_with_an_error_id_and_the_body_kept() -> None:
    """A parser raising anything but InvalidPayloadError gets 500 with an error id (no 202), and the body is kept on the DLQ."""
    connectors = dict(connectors_by_name())
    connectors["icinga"] = Connector(source=Source.ICINGA, parse=_buggy_parse)
    built = await started(Edge(connectors=connectors))
    async with built.client:
        with structlog.testing.capture_logs() as logs:
            response = await built.client.post("/ingest/icinga", json={"type": "StateChange"})
    assert response.status_code == 500
    error_id = response.json()["id"]
    assert "KeyError" not in response.text
    [event] = [e for e in logs if e["event"] == "alert rejected"]
    assert event["error_id"] == error_id
    [letter] = await built.dead_letters()
    assert error_id in letter["reason"]
    assert await built.events() == []


async def test_rejection_is_logged_once_without_token_or_body() -> None:
    """Each rejected request logs one event with source, reason, field and client, never the token or the body."""
    built = await started(Edge(token=TOKEN))
    secret_body = {**NAGIOS_HOST_DOWN, "HOSTSTATE": "SIDEWAYS", "HOSTOUTPUT": "private-output"}
    async with built.client:
        with structlog.testing.capture_logs() as logs:
            await built.client.post(
                "/ingest/nagios", json=secret_body, headers={"authorization": f"Bearer {TOKEN}"}
            )
            await built.client.post(
                "/ingest/nagios", json=secret_body, headers={"authorization": "Bearer wrong"}
            )
    rejected = [e for e in logs if e["event"] == "alert rejected"]
    assert [e["reason"] for e in rejected] == ["invalid", "unauthorized"]
    for event in rejected:
        assert event["source"] == "nagios"
        assert event["client"] == "127.0.0.1"
        assert "field" in event
    assert rejected[0]["field"] == "HOSTSTATE"
    text = repr(logs)
    assert TOKEN not in text
    assert "wrong" not in text.replace("wrong token", "")
    assert "private-output" not in text


async def test_empty_alert_list_is_accepted_as_zero(edge: Edge) -> None:
    """Prometheus posting an empty list gets 202 with zero accepted and publishes nothing."""
    response = await edge.client.post("/api/v2/alerts", json=[])

    assert response.status_code == 202
    assert response.json() == {"accepted": 0}
    assert await edge.events() == []


async def test_wrong_method_and_unknown_path_are_not_ingested(edge: Edge) -> None:
    """GET on an ingest endpoint is 405 and an unknown path is 404; neither publishes."""
    assert (await edge.client.get("/ingest/nagios")).status_code == 405
    assert (await edge.client.post("/ingest/nothing", json={})).status_code == 404
    assert edge.bus.end_offsets() == {}


async def test_healthz_is_ok(edge: Edge) -> None:
    """/healthz answers 200 ok while the process is alive."""
    response = await edge.client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_follows_the_readiness_callable(edge: Edge) -> None:
    """/readyz answers 200 while the bus is ready and 503 when it is not."""
    assert (await edge.client.get("/readyz")).status_code == 200
    edge.ready = False
    response = await edge.client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready"}


async def test_metrics_exposes_the_moved_counters(edge: Edge) -> None:
    """/metrics shows the received, accepted, rejected, dead-letter and publish-time series of the app's own registry."""
    await edge.client.post("/ingest/nagios", json=NAGIOS_HOST_DOWN)
    await edge.client.post("/ingest/nagios", json={"HOSTNAME": "only"})

    response = await edge.client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'correlator_alerts_received_total{source="nagios"} 2.0' in text
    assert 'correlator_alerts_accepted_total{source="nagios"} 1.0' in text
    assert 'correlator_alerts_rejected_total{reason="invalid",source="nagios"} 1.0' in text
    assert 'correlator_dead_letters_total{source="nagios"} 1.0' in text
    assert "correlator_bus_publish_seconds_count 2.0" in text


def _golden_files() -> list[tuple[str, Path]]:
    return [
        (endpoint.source, path)
        for endpoint in ENDPOINTS
        for path in sorted((DATA / endpoint.source).glob("*.json"))
    ]


@pytest.mark.parametrize(
    ("source", "path"), _golden_files() or [pytest.param("", Path(), marks=pytest.mark.skip)]
)
async def test_golden_files_get_the_answer_their_parse_gives(
    edge: Edge, source: str, path: Path
) -> None:
    """Every golden payload under tests/data/<source>/ gets 202 with the parser's event count, or 400 when the parser rejects it."""
    raw = path.read_bytes()
    connector = connectors_by_name()[source]
    try:
        expected: int | None = len(connector.parse(json.loads(raw), ParseContext(received_at=NOW)))
    except InvalidPayloadError:
        expected = None

    response = await edge.client.post(
        PATH_OF[source], content=raw, headers={"content-type": "application/json"}
    )

    if expected is None:
        assert response.status_code == 400
        assert len(await edge.dead_letters()) == 1
    else:
        assert response.status_code == 202
        assert response.json() == {"accepted": expected}
        assert len(await edge.events()) == expected


# --- property: whatever arrives, the answer is honest and nothing is lost -------------------

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=()), max_size=40)  # lone surrogates too
)
_json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(string.ascii_letters + "_", max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


@st.composite
def _mutated_valid_payload(draw: st.DrawFn, source: str) -> Any:
    """A real payload of ``source`` with one key dropped or given an arbitrary value."""
    payload = json.loads(json.dumps(VALID_PAYLOAD[source]))
    target = payload[0] if isinstance(payload, list) else payload
    if source == "alertmanager" and draw(st.booleans()):
        target = payload["alerts"][0]
    keys = sorted(target)
    key = draw(st.sampled_from(keys))
    if draw(st.booleans()):
        del target[key]
    else:
        target[key] = draw(_json_values)
    return payload


@st.composite
def _requests(draw: st.DrawFn) -> tuple[str, str, bytes, str | None]:
    endpoint = draw(st.sampled_from(ENDPOINTS))
    kind = draw(st.sampled_from(["bytes", "json", "mutated", "valid"]))
    if kind == "bytes":
        body = draw(st.binary(max_size=600))
    elif kind == "json":
        body = json.dumps(draw(_json_values)).encode()
    elif kind == "mutated":
        body = json.dumps(draw(_mutated_valid_payload(endpoint.source))).encode()
    else:
        body = json.dumps(VALID_PAYLOAD[endpoint.source]).encode()
    content_types: list[str | None] = [None, "application/json", "text/plain"]
    if endpoint.body == "form":
        content_types.append("application/x-www-form-urlencoded")
        if kind == "valid" and draw(st.booleans()):
            body = urlencode(VALID_PAYLOAD[endpoint.source]).encode()
            content_types = ["application/x-www-form-urlencoded"]
    content_type = draw(st.sampled_from(content_types))
    return endpoint.source, endpoint.path, body, content_type


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(request=_requests())
def test_any_body_to_any_endpoint_is_answered_honestly_and_nothing_is_lost(
    request: tuple[str, str, bytes, str | None],
) -> None:
    """Any body posted to any endpoint gets 202, 400 or 413, never 5xx; a 202 stored N alerts and every 400 left its body on the DLQ."""
    source, path, body, content_type = request
    asyncio.run(_post_and_check(source, path, body, content_type))


async def _post_and_check(source: str, path: str, body: bytes, content_type: str | None) -> None:
    built = await started(Edge(max_body_bytes=512))
    headers = {} if content_type is None else {"content-type": content_type}
    async with built.client:
        response = await built.client.post(path, content=body, headers=headers)
    assert response.status_code in {202, 400, 413}, (response.status_code, response.text)
    alerts = await built.drain(built.topics.alerts)
    letters = await built.dead_letters()
    if response.status_code == 202:
        assert len(alerts) == response.json()["accepted"]
        assert letters == []
        for message in alerts:
            event = event_from_json(json.loads(message.value or b""))
            assert isinstance(event, Alert | Notice)
            assert event.source.value == source
    elif response.status_code == 400:
        assert alerts == []
        [letter] = letters
        assert letter["body"] == body.decode("utf-8", "replace")
        assert letter["field"] == response.json()["field"]
        assert letter["reason"] == response.json()["reason"]
        assert letter["source"] == source
    else:
        assert len(body) > 512
        assert alerts == []
        assert letters == []
    received = built.sample("correlator_alerts_received_total", source=source)
    accepted = built.sample("correlator_alerts_accepted_total", source=source)
    rejected = sum(
        built.sample("correlator_alerts_rejected_total", source=source, reason=reason)
        for reason in ("invalid", "too_large")
    )
    assert received == accepted + rejected
    await built.bus.stop()
