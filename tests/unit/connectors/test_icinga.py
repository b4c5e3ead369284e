"""Icinga 2 event-stream objects normalize as specs/ingest-formats.md ("Icinga 2") says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.base import InvalidPayloadError, ParseContext
from connectors.icinga import parse
from correlator.model import Alert, Notice

DATA = Path(__file__).resolve().parents[2] / "data" / "icinga"
RECEIVED = 1795463130.5
CTX = ParseContext(received_at=RECEIVED, observer="icinga-bru1")


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def fields(event: Alert | Notice) -> dict[str, Any]:
    """Every normalized field of an event except the schema version and the raw payload."""
    data = event.to_json()
    del data["v"], data["raw"]
    return data


def alert(**expected: Any) -> dict[str, Any]:
    return {
        "type": "alert",
        "source": "icinga",
        "received_at": RECEIVED,
        "observer": "icinga-bru1",
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
        "source": "icinga",
        "received_at": RECEIVED,
        "observer": "icinga-bru1",
        "check": None,
        "author": "",
        "comment": "",
        **expected,
    }


GOLDEN: list[tuple[str, dict[str, Any]]] = [
    (
        "statechange-host-down.json",
        alert(
            source_id="edge-b",
            host="edge-b",
            state="problem",
            severity="critical",
            summary="CRITICAL - Host Unreachable (127.0.0.12)",
            raised_at=1795463084.264738,
        ),
    ),
    (
        "statechange-host-up.json",
        alert(
            source_id="core-a",
            host="core-a",
            state="ok",
            severity="info",
            summary="PING OK - rta 0.2 ms",
            raised_at=1795463095.375428,
        ),
    ),
    (
        "statechange-service-critical-soft.json",
        alert(
            source_id="core-a!ping",
            host="core-a",
            check="ping",
            state="problem",
            severity="critical",
            summary="PING CRITICAL - Packet loss = 100%",
            raised_at=1795463078.102,
            soft=True,
        ),
    ),
    (
        "statechange-service-warning.json",
        alert(
            source_id="core-a!ping",
            host="core-a",
            check="ping",
            state="problem",
            severity="warning",
            summary="PING WARNING - Packet loss = 40%",
            raised_at=1795463079.5,
        ),
    ),
    (
        "statechange-service-unknown.json",
        alert(
            source_id="db-01!postgres",
            host="db-01",
            check="postgres",
            state="problem",
            severity="minor",
            summary="UNKNOWN - plugin timed out",
            raised_at=1795463079.9,
        ),
    ),
    (
        "notification-host-problem.json",
        alert(
            source_id="core-a",
            host="core-a",
            state="problem",
            severity="critical",
            summary="CRITICAL - Host Unreachable (127.0.0.11)",
            raised_at=1795463079.248992,
        ),
    ),
    (
        "notification-host-recovery.json",
        alert(
            source_id="core-a",
            host="core-a",
            state="ok",
            severity="info",
            summary="PING OK - rta 0.2 ms",
            raised_at=1795463095.376,
        ),
    ),
    (
        "notification-service-problem.json",
        alert(
            source_id="core-a!ping",
            host="core-a",
            check="ping",
            state="problem",
            severity="critical",
            summary="PING CRITICAL - Packet loss = 100%",
            raised_at=1795463078.21,
        ),
    ),
    (
        "notification-service-recovery.json",
        alert(
            source_id="core-a!ping",
            host="core-a",
            check="ping",
            state="ok",
            severity="info",
            summary="PING OK - Packet loss = 0%",
            raised_at=1795463090.11,
        ),
    ),
    (
        "notification-acknowledgement.json",
        notice(
            source_id="core-a",
            host="core-a",
            kind="acknowledgement",
            raised_at=1795463095.07,
            author="alice",
            comment="working on it",
        ),
    ),
    (
        "notification-downtimestart.json",
        notice(
            source_id="edge-c",
            host="edge-c",
            kind="downtime_start",
            raised_at=1795463100.450907,
            author="bob",
            comment="maintenance window",
        ),
    ),
    (
        "notification-downtimeend.json",
        notice(
            source_id="edge-c",
            host="edge-c",
            kind="downtime_end",
            raised_at=1795463700.1,
            author="bob",
            comment="maintenance window",
        ),
    ),
    (
        "notification-downtimeremoved.json",
        notice(
            source_id="edge-c",
            host="edge-c",
            kind="downtime_end",
            raised_at=1795463300.2,
            author="bob",
            comment="maintenance window",
        ),
    ),
    (
        "notification-flappingstart.json",
        notice(
            source_id="web-01!http",
            host="web-01",
            check="http",
            kind="flapping_start",
            raised_at=1795463500.3,
        ),
    ),
    (
        "notification-flappingend.json",
        notice(
            source_id="web-01!http",
            host="web-01",
            check="http",
            kind="flapping_stop",
            raised_at=1795463900.3,
        ),
    ),
    (
        "notification-custom.json",
        notice(
            source_id="web-01!http",
            host="web-01",
            check="http",
            kind="custom",
            raised_at=1795464000.0,
            author="erin",
            comment="testing the notification chain",
        ),
    ),
    (
        "acknowledgementset.json",
        notice(
            source_id="core-a",
            host="core-a",
            kind="acknowledgement",
            raised_at=1795463095.072827,
            author="alice",
            comment="working on it",
        ),
    ),
    (
        "acknowledgementcleared.json",
        notice(
            source_id="core-a",
            host="core-a",
            kind="acknowledgement_cleared",
            raised_at=1795463095.375014,
        ),
    ),
    (
        "downtimestarted.json",
        notice(
            source_id="edge-c",
            host="edge-c",
            kind="downtime_start",
            raised_at=1795463100.450775,
            author="bob",
            comment="maintenance window",
        ),
    ),
    (
        "downtimeremoved-service.json",
        notice(
            source_id="web-01!http",
            host="web-01",
            check="http",
            kind="downtime_end",
            raised_at=1795464200.51,
            author="dave",
            comment="deploy",
        ),
    ),
    (
        "flapping-start.json",
        notice(
            source_id="web-01!http",
            host="web-01",
            check="http",
            kind="flapping_start",
            raised_at=1795463500.25,
        ),
    ),
    (
        "flapping-stop.json",
        notice(
            source_id="web-01!http",
            host="web-01",
            check="http",
            kind="flapping_stop",
            raised_at=1795463900.25,
        ),
    ),
]


@pytest.mark.parametrize(("name", "expected"), GOLDEN, ids=[name for name, _ in GOLDEN])
def test_golden_payload_normalizes_field_by_field(name: str, expected: dict[str, Any]) -> None:
    """Each recorded Icinga 2 event gives exactly one event with exactly these fields."""
    payload = load(name)
    events = parse(payload, CTX)
    assert len(events) == 1
    assert fields(events[0]) == expected
    assert events[0].raw == payload


def test_every_golden_file_has_expectations() -> None:
    """No golden payload under tests/data/icinga is left without an expected result."""
    names = {name for name, _ in GOLDEN} | {"checkresult.json"}
    assert {path.name for path in DATA.iterdir()} == names


def test_event_types_the_correlator_does_not_use_give_nothing() -> None:
    """A CheckResult (or DowntimeAdded...) from a wide subscription is accepted as no event."""
    assert parse(load("checkresult.json"), CTX) == []
    assert parse({"type": "DowntimeAdded", "downtime": {}}, CTX) == []


def test_state_change_and_its_notification_are_the_same_alert() -> None:
    """A Problem notification and its StateChange share the identity, so dedup folds them."""
    change = parse({**load("statechange-service-critical-soft.json"), "state_type": 1}, CTX)[0]
    notified = parse(load("notification-service-problem.json"), CTX)[0]
    assert change.key == notified.key == ("icinga", "core-a!ping")


def test_unreachable_child_is_not_flagged_by_the_source() -> None:
    """Icinga has no UNREACHABLE: a child behind a down parent is DOWN, the topology decides."""
    event = parse(load("statechange-host-down.json"), CTX)[0]
    assert isinstance(event, Alert)
    assert event.unreachable is False


def test_problem_notification_is_a_problem_whatever_its_state_number() -> None:
    """A host Problem notification is a critical problem even when check_result.state reads
    as up (1 in service numbering, as some senders write host-numbered states)."""
    payload = load("notification-host-problem.json")
    payload["check_result"] = {**payload["check_result"], "state": 1}
    event = parse(payload, CTX)[0]
    assert isinstance(event, Alert)
    assert event.state.value == "problem"
    assert event.severity.value == "critical"


def test_recovery_notification_is_ok_whatever_its_state_number() -> None:
    """A Recovery notification closes the alert even if its state number looks bad."""
    payload = load("notification-host-problem.json")
    payload["notification_type"] = "Recovery"
    event = parse(payload, CTX)[0]
    assert isinstance(event, Alert)
    assert event.state.value == "ok"


def test_problem_notification_without_any_state_is_still_a_problem() -> None:
    """A Problem notification with no state at all is a critical host problem."""
    payload = {
        k: v for k, v in load("notification-host-problem.json").items() if k != "check_result"
    }
    event = parse(payload, CTX)[0]
    assert isinstance(event, Alert)
    assert (event.state.value, event.severity.value, event.summary) == ("problem", "critical", "")


def test_missing_timestamp_falls_back_to_arrival() -> None:
    """Without a usable timestamp the event is dated by its arrival."""
    payload = {**load("statechange-host-down.json"), "timestamp": "soon"}
    assert parse(payload, CTX)[0].raised_at == RECEIVED


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"host": "a", "state": 1}, "type"),
        ({"type": "Bogus", "host": "a"}, "type"),
        ({"type": "StateChange", "state": 1}, "host"),
        ({"type": "StateChange", "host": "a"}, "state"),
        ({"type": "StateChange", "host": "a", "state": 2}, "state"),
        ({"type": "StateChange", "host": "a", "service": "s", "state": 4}, "state"),
        ({"type": "StateChange", "host": "a", "state": True}, "state"),
        ({"type": "Notification", "host": "a"}, "notification_type"),
        ({"type": "Notification", "host": "a", "notification_type": "Party"}, "notification_type"),
        ({"type": "DowntimeStarted", "host": "a"}, "downtime"),
        ({"type": "DowntimeRemoved", "downtime": {"service_name": "s"}}, "downtime.host_name"),
        ({"type": "Flapping", "host": "a"}, "is_flapping"),
        ({"type": "Flapping", "host": "a", "is_flapping": "yes"}, "is_flapping"),
    ],
)
def test_invalid_payload_names_the_field(payload: dict[str, Any], field: str) -> None:
    """A missing or invalid key is rejected naming it as Icinga writes it."""
    with pytest.raises(InvalidPayloadError) as caught:
        parse(payload, CTX)
    assert caught.value.field == field
