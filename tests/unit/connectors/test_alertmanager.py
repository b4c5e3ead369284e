"""Alertmanager webhooks and Prometheus /api/v2/alerts normalize as the spec says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.alertmanager import parse, parse_prometheus
from connectors.base import InvalidPayloadError, ParseContext
from correlator.model import Alert, Notice

DATA = Path(__file__).resolve().parents[2] / "data"
RECEIVED = 1763900100.0  # 2025-11-23T12:15:00Z
CTX = ParseContext(received_at=RECEIVED, observer="am-bru")


def load(path: str) -> Any:
    return json.loads((DATA / path).read_text())


def fields(event: Alert | Notice) -> dict[str, Any]:
    """Every normalized field of an event except the schema version and the raw payload."""
    data = event.to_json()
    del data["v"], data["raw"]
    return data


def alert(**expected: Any) -> dict[str, Any]:
    return {
        "type": "alert",
        "source": "alertmanager",
        "received_at": RECEIVED,
        "episode": None,
        "address": None,
        "summary": "",
        "observer": "am-bru",
        "unreachable": False,
        "source_suppressed": False,
        "soft": False,
        **expected,
    }


NODE_DOWN_LABELS = {
    "alertname": "NodeDown",
    "instance": "10.0.3.21:9100",
    "job": "node",
    "severity": "critical",
    "prometheus": "monitoring/prom-bru1",
}
NODE_DOWN = {
    "source_id": "0b6b8a5fd1e3b4c1",
    "host": "10.0.3.21",
    "address": "10.0.3.21",
    "check": "NodeDown",
    "severity": "critical",
    "summary": "Node 10.0.3.21 is down",
    "observer": "monitoring/prom-bru1",
    "tags": NODE_DOWN_LABELS,
}

GOLDEN: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "alertmanager/firing.json",
        [
            alert(**NODE_DOWN, state="problem", raised_at=1763900052.392716),
            alert(
                source_id="7c1f55e0a9b2d3e4",
                host="2001:db8::21",
                address="2001:db8::21",
                check="DiskFull",
                state="problem",
                severity="warning",
                summary="/var is 93% full",
                observer="monitoring/prom-bru1",
                raised_at=1763899800.0,
                tags={
                    "alertname": "DiskFull",
                    "instance": "[2001:db8::21]:9100",
                    "job": "node",
                    "severity": "warning",
                    "mountpoint": "/var",
                    "prometheus": "monitoring/prom-bru1",
                },
            ),
        ],
    ),
    (
        "alertmanager/resolved.json",
        [alert(**NODE_DOWN, state="ok", raised_at=1763900982.1)],  # endsAt
    ),
    (
        "alertmanager/host-fallbacks.json",
        [
            alert(
                source_id="aa01",
                host="esx-01",  # nodename
                check="SystemdUnitFailed",
                state="problem",
                severity="major",  # error
                summary="ntpd.service failed",
                raised_at=1763899200.0,
                tags={
                    "alertname": "SystemdUnitFailed",
                    "nodename": "esx-01",
                    "name": "ntpd.service",
                    "severity": "error",
                },
            ),
            alert(
                source_id="aa02",
                host="shop",  # job: an aggregate over hosts
                check="ShopErrorBudgetBurn",
                state="problem",
                severity="critical",  # page
                summary="error budget burning 14x",
                raised_at=1763899260.0,
                tags={"alertname": "ShopErrorBudgetBurn", "job": "shop", "severity": "page"},
            ),
            alert(
                source_id='{alertname="WatchdogSilent",severity="none"}',  # no fingerprint
                host="WatchdogSilent",  # nothing else to go by
                check="WatchdogSilent",
                state="problem",
                severity="info",  # none
                raised_at=1763899320.0,
                tags={"alertname": "WatchdogSilent", "severity": "none"},
            ),
            alert(
                source_id="aa04",
                host="shop.example.net",  # blackbox target URL
                check="ProbeFailed",
                state="problem",
                severity="major",
                summary="probe failed",
                raised_at=1763899380.0,
                tags={
                    "alertname": "ProbeFailed",
                    "instance": "https://shop.example.net/health",
                    "job": "blackbox",
                    "severity": "major",
                },
            ),
            alert(
                source_id="aa05",
                host="db-01",  # hostname
                check="Unclassified",
                state="problem",
                severity="warning",  # unknown severity label
                raised_at=1763899440.0,
                tags={"alertname": "Unclassified", "hostname": "db-01", "severity": "bogus"},
            ),
        ],
    ),
]


@pytest.mark.parametrize(("name", "expected"), GOLDEN, ids=[name for name, _ in GOLDEN])
def test_golden_webhook_normalizes_field_by_field(
    name: str, expected: list[dict[str, Any]]
) -> None:
    """Each element of a webhook's alerts gives one Alert with exactly these fields."""
    payload = load(name)
    events = parse(payload, CTX)
    assert [fields(event) for event in events] == expected
    assert [event.raw for event in events] == payload["alerts"]


def test_every_golden_webhook_has_expectations() -> None:
    """No golden payload under tests/data/alertmanager is left without an expected result."""
    names = {f"alertmanager/{path.name}" for path in (DATA / "alertmanager").iterdir()}
    assert names == {name for name, _ in GOLDEN}


def test_prometheus_firing_list() -> None:
    """A list POSTed by Prometheus gives one firing Alert each, identified by its label set."""
    events = parse_prometheus(load("prometheus/firing.json"), CTX)
    assert [fields(event) for event in events] == [
        alert(
            **{
                **NODE_DOWN,
                "source_id": '{alertname="NodeDown",instance="10.0.3.21:9100",job="node",'
                'prometheus="prom-bru1",severity="critical"}',
                "observer": "prom-bru1",
                "tags": {**NODE_DOWN_LABELS, "prometheus": "prom-bru1"},
            },
            source="prometheus",
            state="problem",
            raised_at=1763900052.392,
        ),
        alert(
            source="prometheus",
            source_id='{alertname="HighErrorRate",instance="web-01:9100",job="shop",'
            'severity="critical"}',
            host="web-01",
            check="HighErrorRate",
            state="problem",
            severity="critical",
            summary="5xx ratio above 20% for 1m",
            raised_at=1763900052.0,
            tags={
                "alertname": "HighErrorRate",
                "instance": "web-01:9100",
                "job": "shop",
                "severity": "critical",
            },
        ),
    ]


def test_prometheus_end_in_the_past_is_a_resolution() -> None:
    """An alert whose endsAt is not after its arrival is resolved, dated by endsAt."""
    payload = load("prometheus/resolved.json")
    after = parse_prometheus(payload, ParseContext(received_at=1763901000.0))[0]
    before = parse_prometheus(payload, ParseContext(received_at=1763900900.0))[0]
    assert isinstance(after, Alert)
    assert isinstance(before, Alert)
    assert (after.state.value, after.raised_at) == ("ok", 1763900980.0)
    assert (before.state.value, before.raised_at) == ("problem", 1763900052.392)
    assert after.key == before.key


def test_label_set_identity_ignores_label_order() -> None:
    """The same labels in another order are the same Prometheus alert."""
    first = {"labels": {"alertname": "X", "b": "2", "a": "1"}}
    second = {"labels": {"a": "1", "alertname": "X", "b": "2"}}
    assert parse_prometheus([first], CTX)[0].key == parse_prometheus([second], CTX)[0].key


@pytest.mark.parametrize(
    ("instance", "host", "address"),
    [
        ("web-01:9100", "web-01", None),
        ("web-01", "web-01", None),
        ("10.0.3.21:9100", "10.0.3.21", "10.0.3.21"),
        ("10.0.3.21", "10.0.3.21", "10.0.3.21"),
        ("[::1]:9100", "::1", "::1"),
        ("[2001:db8::1]", "2001:db8::1", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1", "2001:db8::1"),
        ("http://[2001:db8::1]:8080/metrics", "2001:db8::1", "2001:db8::1"),
        ("https://shop.example.net", "shop.example.net", None),
        (":9100", "node-7", None),
        ("", "node-7", None),
    ],
)
def test_instance_host_and_address(instance: str, host: str, address: str | None) -> None:
    """The host is the instance without its port; the address is that host when it is an IP."""
    labels = {"alertname": "X", "instance": instance, "nodename": "node-7"}
    event = parse({"alerts": [{"status": "firing", "labels": labels}]}, CTX)[0]
    assert isinstance(event, Alert)
    assert (event.host, event.address) == (host, address)


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", "critical"),
        ("page", "critical"),
        ("error", "major"),
        ("major", "major"),
        ("warning", "warning"),
        ("info", "info"),
        ("none", "info"),
        ("CRITICAL", "critical"),
        ("minor", "warning"),
        (None, "warning"),
    ],
)
def test_severity_label_mapping(label: str | None, severity: str) -> None:
    """The severity label maps as the spec says; anything else, or none, is warning."""
    labels = {"alertname": "X", "instance": "h:1"} | ({"severity": label} if label else {})
    event = parse({"alerts": [{"status": "firing", "labels": labels}]}, CTX)[0]
    assert isinstance(event, Alert)
    assert event.severity.value == severity


def test_resolved_without_end_is_dated_by_start() -> None:
    """A resolved alert with Go's zero endsAt falls back to startsAt."""
    item = {"status": "resolved", "labels": {"alertname": "X"}, "startsAt": "2025-11-23T12:00:00Z"}
    assert parse({"alerts": [item]}, CTX)[0].raised_at == 1763899200.0


def test_empty_alert_list_gives_nothing() -> None:
    """An empty group is valid and gives no event."""
    assert parse({"alerts": []}, CTX) == []
    assert parse_prometheus([], CTX) == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "payload"),
        ({"status": "firing"}, "alerts"),
        ({"alerts": {"status": "firing"}}, "alerts"),
        ({"alerts": [{"status": "firing", "labels": {"alertname": "A"}}, "oops"]}, "alerts[1]"),
        ({"alerts": [{"status": "firing"}]}, "alerts[0].labels"),
        ({"alerts": [{"status": "firing", "labels": {"job": "x"}}]}, "alerts[0].labels.alertname"),
        (
            {"alerts": [{"status": "firing", "labels": {"alertname": 5}}]},
            "alerts[0].labels.alertname",
        ),
        ({"alerts": [{"labels": {"alertname": "A"}}]}, "alerts[0].status"),
        ({"alerts": [{"status": "pending", "labels": {"alertname": "A"}}]}, "alerts[0].status"),
    ],
)
def test_invalid_webhook_names_the_field(payload: Any, field: str) -> None:
    """A malformed webhook is rejected naming the field the way the user wrote it."""
    with pytest.raises(InvalidPayloadError) as caught:
        parse(payload, CTX)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"alerts": []}, "payload"),
        ([{"labels": {"alertname": "A"}}, {"labels": {}}], "[1].labels.alertname"),
        ([{"annotations": {}}], "[0].labels"),
    ],
)
def test_invalid_prometheus_list_names_the_field(payload: Any, field: str) -> None:
    """A malformed /api/v2/alerts body is rejected naming the field."""
    with pytest.raises(InvalidPayloadError) as caught:
        parse_prometheus(payload, CTX)
    assert caught.value.field == field
