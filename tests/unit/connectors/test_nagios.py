"""Nagios/Naemon notifications normalize as specs/ingest-formats.md ("Nagios / Naemon") says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from connectors.base import InvalidPayloadError, ParseContext
from connectors.nagios import parse
from correlator.model import Alert, Notice

DATA = Path(__file__).resolve().parents[2] / "data" / "nagios"
RECEIVED = 1795463130.5
CTX = ParseContext(received_at=RECEIVED, observer="nagios-bru1")


def load(name: str) -> dict[str, Any]:
    if name.endswith(".txt"):
        # What the intake does with form fields: one string per macro, empty ones kept.
        return dict(parse_qsl((DATA / name).read_text().strip(), keep_blank_values=True))
    return json.loads((DATA / name).read_text())


def fields(event: Alert | Notice) -> dict[str, Any]:
    """Every normalized field of an event except the schema version and the raw payload."""
    data = event.to_json()
    del data["v"], data["raw"]
    return data


def alert(**expected: Any) -> dict[str, Any]:
    return {
        "type": "alert",
        "source": "nagios",
        "received_at": RECEIVED,
        "observer": "nagios-bru1",
        "address": None,
        "check": None,
        "episode": None,
        "summary": "",
        "tags": {},
        "unreachable": False,
        "source_suppressed": False,
        "soft": False,
        **expected,
    }


def notice(**expected: Any) -> dict[str, Any]:
    return {
        "type": "notice",
        "source": "nagios",
        "received_at": RECEIVED,
        "observer": "nagios-bru1",
        "check": None,
        "author": "",
        "comment": "",
        **expected,
    }


GOLDEN: list[tuple[str, dict[str, Any]]] = [
    (
        "host-problem-down.json",
        alert(
            source_id="core-a",
            host="core-a",
            address="127.0.0.11",
            state="problem",
            severity="critical",
            summary="CRITICAL - Host Unreachable (127.0.0.11)",
            raised_at=1795463113.0,
            episode="2",
            tags={"hostgroup:core-switches": "", "hostgroup:bru-dc1": ""},
        ),
    ),
    (
        "host-problem-unreachable.json",
        alert(
            source_id="edge-b",
            host="edge-b",
            address="127.0.0.12",
            state="problem",
            severity="critical",
            summary="CRITICAL - Host Unreachable (127.0.0.12)",
            raised_at=1795463113.0,
            episode="3",
            unreachable=True,
        ),
    ),
    (
        "host-problem-down-to-unreachable.json",
        alert(
            source_id="edge-c",
            host="edge-c",
            address="127.0.0.13",
            state="problem",
            severity="critical",
            summary="child again",
            raised_at=1795463115.0,
            episode="5",
            unreachable=True,
        ),
    ),
    (
        "host-problem-soft.json",
        alert(
            source_id="esx-01",
            host="esx-01",
            address="10.0.2.11",
            state="problem",
            severity="critical",
            summary="PING CRITICAL - Packet loss = 80%",
            raised_at=RECEIVED,  # TIMET is not a number: the arrival time
            episode="41",
            soft=True,
        ),
    ),
    (
        "host-problem-state-up.json",
        alert(
            source_id="esx-01",
            host="esx-01",
            address="10.0.2.11",
            state="ok",
            severity="info",
            summary="PING OK - Packet loss = 0%",
            raised_at=1795463120.0,
            episode="41",
        ),
    ),
    (
        "host-recovery.json",
        alert(
            source_id="core-a",
            host="core-a",
            address="127.0.0.11",
            state="ok",
            severity="info",
            summary="PING OK - rta 0.2 ms",
            raised_at=1795463114.0,
            episode="2",
        ),
    ),
    (
        "service-problem-critical.json",
        alert(
            source_id="core-a!PING",
            host="core-a",
            check="PING",
            address="127.0.0.11",
            state="problem",
            severity="critical",
            summary="PING CRITICAL - Packet loss = 100%",
            raised_at=1795463112.0,
            episode="1",
        ),
    ),
    (
        "service-recovery.json",
        alert(
            source_id="core-a!PING",
            host="core-a",
            check="PING",
            address="127.0.0.11",
            state="ok",
            severity="info",
            summary="PING OK - rta 0.1 ms",
            raised_at=1795463113.0,
            episode="1",
        ),
    ),
    (
        "service-problem-warning-soft.json",
        alert(
            source_id="bru-core-2!CPU load",
            host="bru-core-2",
            check="CPU load",
            address="10.0.0.2",
            state="problem",
            severity="warning",
            summary="WARNING - load average: 7.12",
            raised_at=1795463200.0,
            episode="57",
            tags={
                "hostgroup:switches": "",
                "hostgroup:bru-dc1": "",
                "servicegroup:performance": "",
            },
            soft=True,
        ),
    ),
    (
        "service-problem-unknown.json",
        alert(
            source_id="db-01!PostgreSQL connections",
            host="db-01",
            check="PostgreSQL connections",
            address="10.0.3.31",
            state="problem",
            severity="minor",
            summary="UNKNOWN - could not connect: timeout",
            raised_at=1795463260.0,
            episode="58",
        ),
    ),
    (
        "host-acknowledgement.json",
        notice(
            source_id="core-a",
            host="core-a",
            kind="acknowledgement",
            raised_at=1795463113.0,
            author="alice",
            comment="working on it",
        ),
    ),
    (
        "service-acknowledgement.json",
        notice(
            source_id="db-01!PostgreSQL connections",
            host="db-01",
            check="PostgreSQL connections",
            kind="acknowledgement",
            raised_at=1795463300.0,
            author="carol",
            comment="restarting pgbouncer",
        ),
    ),
    (
        "host-downtimestart.json",
        notice(
            source_id="edge-b",
            host="edge-b",
            kind="downtime_start",
            raised_at=1795463114.0,
            author="bob",
            comment="maintenance window",
        ),
    ),
    (
        "host-downtimeend.json",
        notice(
            source_id="edge-b",
            host="edge-b",
            kind="downtime_end",
            raised_at=1795464314.0,
            author="bob",
            comment="maintenance window",
        ),
    ),
    (
        "host-downtimecancelled.json",
        notice(source_id="edge-b", host="edge-b", kind="downtime_end", raised_at=1795463114.0),
    ),
    (
        "service-downtimestart.json",
        notice(
            source_id="web-01!HTTP",
            host="web-01",
            check="HTTP",
            kind="downtime_start",
            raised_at=1795464200.0,
            author="dave",
            comment="deploy 2026-11-24",
        ),
    ),
    (
        "service-flappingstart.json",
        notice(
            source_id="web-01!HTTP",
            host="web-01",
            check="HTTP",
            kind="flapping_start",
            raised_at=1795463400.0,
        ),
    ),
    (
        "service-flappingstop.json",
        notice(
            source_id="web-01!HTTP",
            host="web-01",
            check="HTTP",
            kind="flapping_stop",
            raised_at=1795464000.0,
        ),
    ),
    (
        "service-flappingdisabled.json",
        notice(
            source_id="web-01!HTTP",
            host="web-01",
            check="HTTP",
            kind="flapping_stop",
            raised_at=1795464100.0,
        ),
    ),
    (
        "service-custom.json",
        notice(
            source_id="web-01!HTTP",
            host="web-01",
            check="HTTP",
            kind="custom",
            raised_at=1795464300.0,
            author="erin",
            comment="test of the notification chain",
        ),
    ),
    (
        "host-problem.form.txt",
        alert(
            source_id="esx-01",
            host="esx-01",
            address="10.0.2.11",
            state="problem",
            severity="critical",
            summary="PING CRITICAL - Packet loss = 100%",
            raised_at=1763900020.0,
            episode="9101",
            tags={"hostgroup:hypervisors": ""},
        ),
    ),
    (
        "service-problem.form.txt",
        alert(
            source_id="web-01!HTTP",
            host="web-01",
            check="HTTP",
            address="10.0.3.21",
            state="problem",
            severity="critical",
            summary="connect to address 10.0.3.21 and port 80: No route to host",
            raised_at=1763900031.0,
            episode="9103",
            tags={"hostgroup:linux-servers": "", "hostgroup:web": "", "servicegroup:shop": ""},
        ),
    ),
]


@pytest.mark.parametrize(("name", "expected"), GOLDEN, ids=[name for name, _ in GOLDEN])
def test_golden_payload_normalizes_field_by_field(name: str, expected: dict[str, Any]) -> None:
    """Each recorded Nagios notification gives exactly one event with exactly these fields."""
    payload = load(name)
    events = parse(payload, CTX)
    assert len(events) == 1
    assert fields(events[0]) == expected
    assert events[0].raw == payload


def test_every_golden_file_has_expectations() -> None:
    """No golden payload under tests/data/nagios is left without an expected result."""
    assert {path.name for path in DATA.iterdir()} == {name for name, _ in GOLDEN}


def test_identity_never_uses_problem_ids() -> None:
    """A problem and its recovery share the identity although Nagios moves the problem id."""
    problem = parse(load("host-problem-down.json"), CTX)[0]
    recovery = parse(load("host-recovery.json"), CTX)[0]
    assert problem.key == recovery.key == ("nagios", "core-a")
    assert isinstance(problem, Alert)
    assert isinstance(recovery, Alert)
    assert problem.episode == recovery.episode == "2"


def test_observer_is_the_context_observer() -> None:
    """Nagios says nothing about the observer: it is the ingest URL's, or None."""
    event = parse(load("host-problem-down.json"), ParseContext(received_at=RECEIVED))[0]
    assert event.observer is None


def test_recovery_is_ok_whatever_the_state_macro() -> None:
    """A RECOVERY is ok even when the state macro still says DOWN."""
    payload = {**load("host-recovery.json"), "HOSTSTATE": "DOWN"}
    event = parse(payload, CTX)[0]
    assert isinstance(event, Alert)
    assert (event.state.value, event.severity.value) == ("ok", "info")


def test_host_macros_of_a_service_notification_are_informational() -> None:
    """A service notification's HOSTSTATE does not change the service alert's state or flags."""
    payload = {**load("service-problem-critical.json"), "HOSTSTATE": "UNREACHABLE"}
    event = parse(payload, CTX)[0]
    assert isinstance(event, Alert)
    assert (event.check, event.severity.value, event.unreachable) == ("PING", "critical", False)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"NOTIFICATIONTYPE": None}, "NOTIFICATIONTYPE"),
        ({"NOTIFICATIONTYPE": "PROBLEMO"}, "NOTIFICATIONTYPE"),
        ({"HOSTNAME": None}, "HOSTNAME"),
        ({"HOSTNAME": "  "}, "HOSTNAME"),
        ({"HOSTNAME": ["core-a"]}, "HOSTNAME"),
        ({"HOSTSTATE": None}, "HOSTSTATE"),
        ({"HOSTSTATE": "CRITICAL"}, "HOSTSTATE"),
        ({"SERVICEDESC": "PING"}, "SERVICESTATE"),
        ({"SERVICEDESC": "PING", "SERVICESTATE": "DOWN"}, "SERVICESTATE"),
    ],
)
def test_invalid_payload_names_the_field(change: dict[str, Any], field: str) -> None:
    """A missing or invalid required macro is rejected naming that macro."""
    payload = {**load("host-problem-down.json"), **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    with pytest.raises(InvalidPayloadError) as caught:
        parse(payload, CTX)
    assert caught.value.field == field


def test_a_body_that_is_not_an_object_is_rejected() -> None:
    """A JSON list or string is not a set of macros."""
    with pytest.raises(InvalidPayloadError) as caught:
        parse(["HOSTNAME", "core-a"], CTX)
    assert caught.value.field == "payload"
