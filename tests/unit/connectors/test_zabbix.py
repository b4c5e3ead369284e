"""Zabbix webhook parameters normalize as specs/ingest-formats.md ("Zabbix") says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.base import InvalidPayloadError, ParseContext
from connectors.zabbix import parse
from correlator.model import Alert, Notice

DATA = Path(__file__).resolve().parents[2] / "data" / "zabbix"
RECEIVED = 1763900070.25
# The Zabbix server runs in Brussels time (UTC+1 in November).
CTX = ParseContext(received_at=RECEIVED, observer="zabbix-bru", timezone="Europe/Brussels")
TAGS = {"scope": "availability", "component": "network,health", "class": "network"}


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
        "source": "zabbix",
        "received_at": RECEIVED,
        "unreachable": False,
        "source_suppressed": False,
        "soft": False,
        **expected,
    }


def notice(**expected: Any) -> dict[str, Any]:
    return {"type": "notice", "source": "zabbix", "received_at": RECEIVED, **expected}


DIST_1 = {
    "source_id": "bru-dist-1:23001",
    "host": "bru-dist-1",
    "check": "Unavailable by ICMP ping",
    "observer": "zbx-proxy-bru1",
}

GOLDEN: list[tuple[str, dict[str, Any]]] = [
    (
        "problem.json",
        alert(
            **DIST_1,
            address="10.0.1.1",
            state="problem",
            severity="major",
            summary="Unavailable by ICMP ping",
            raised_at=1763900063.0,  # 2025.11.23 13:14:23 in Brussels
            episode="51230",
            tags=TAGS,
        ),
    ),
    (
        "problem-no-proxy.json",
        alert(
            source_id="bru-dist-1:23002",
            host="bru-dist-1",
            check="bru-dist-1 is unreachable for 3 minutes",
            observer="zabbix-bru",
            address="10.0.1.1",
            state="problem",
            severity="critical",
            summary="bru-dist-1 is unreachable for 3 minutes",
            raised_at=1763900102.0,
            episode="51231",
            tags={},
        ),
    ),
    (
        "recovery.json",
        alert(
            **DIST_1,
            address="10.0.1.1",
            state="ok",
            severity="major",
            summary="Unavailable by ICMP ping",
            raised_at=RECEIVED,  # EVENT.DATE/TIME name the problem, not the recovery
            episode="51230",
            tags=TAGS,
        ),
    ),
    (
        "update-acknowledged.json",
        notice(**DIST_1, kind="acknowledgement", raised_at=RECEIVED, author="", comment=""),
    ),
    (
        "update-comment.json",
        notice(**DIST_1, kind="update", raised_at=RECEIVED, author="", comment=""),
    ),
    (
        "problem-unresolved-macros.json",
        alert(
            source_id="bru-core-1:23000",
            host="bru-core-1",
            check="High CPU utilization (over 90% for 5m)",
            observer="zabbix-bru",
            address=None,
            state="problem",
            severity="minor",
            summary="High CPU utilization (over 90% for 5m)",
            raised_at=RECEIVED,
            episode="51400",
            tags={},
        ),
    ),
    (
        "problem-invalid-tags.json",
        alert(
            **DIST_1,
            address="10.0.1.1",
            state="problem",
            severity="major",
            summary="Unavailable by ICMP ping",
            raised_at=1763900063.0,
            episode="51230",
            tags={},
        ),
    ),
    (
        "peer-verified-problem.json",
        alert(
            source_id="zbx-e2e-host:23133",
            host="zbx-e2e-host",
            check="E2E master zbx-e2e-host value high",
            observer="zabbix-bru",
            address=None,
            state="problem",
            severity="major",
            summary="E2E master zbx-e2e-host value high",
            raised_at=RECEIVED,
            episode="3",
            tags={},
        ),
    ),
    (
        "peer-verified-recovery.json",
        alert(
            source_id="zbx-e2e-host:23133",
            host="zbx-e2e-host",
            check="E2E master zbx-e2e-host value high",
            observer="zabbix-bru",
            address=None,
            state="ok",
            severity="major",
            summary="E2E master zbx-e2e-host value high",
            raised_at=RECEIVED,
            episode="3",
            tags={},
        ),
    ),
]


@pytest.mark.parametrize(("name", "expected"), GOLDEN, ids=[name for name, _ in GOLDEN])
def test_golden_payload_normalizes_field_by_field(name: str, expected: dict[str, Any]) -> None:
    """Each Zabbix webhook message gives exactly one event with exactly these fields."""
    payload = load(name)
    events = parse(payload, CTX)
    assert len(events) == 1
    assert fields(events[0]) == expected
    assert events[0].raw == payload


def test_every_golden_file_has_expectations() -> None:
    """No golden payload under tests/data/zabbix is left without an expected result."""
    assert {path.name for path in DATA.iterdir()} == {name for name, _ in GOLDEN}


@pytest.mark.parametrize(
    ("nseverity", "severity"),
    [
        ("0", "info"),
        ("1", "info"),
        ("2", "warning"),
        ("3", "minor"),
        ("4", "major"),
        ("5", "critical"),
    ],
)
def test_severity_mapping(nseverity: str, severity: str) -> None:
    """{EVENT.NSEVERITY} 0..5 maps to info, info, warning, minor, major, critical."""
    event = parse({**load("problem.json"), "event_severity": nseverity}, CTX)[0]
    assert isinstance(event, Alert)
    assert event.severity.value == severity


def test_problem_and_recovery_share_identity_and_episode() -> None:
    """A problem and its recovery are the same alert (trigger + host) in the same episode."""
    problem = parse(load("problem.json"), CTX)[0]
    recovery = parse(load("recovery.json"), CTX)[0]
    assert isinstance(problem, Alert)
    assert isinstance(recovery, Alert)
    assert problem.key == recovery.key
    assert problem.episode == recovery.episode == "51230"


def test_event_date_is_read_in_utc_by_default() -> None:
    """Without a configured zone, EVENT.DATE/TIME are UTC."""
    event = parse(load("problem.json"), ParseContext(received_at=RECEIVED))[0]
    assert event.raised_at == 1763903663.0  # 13:14:23 UTC


def test_unknown_time_zone_falls_back_to_arrival() -> None:
    """A time zone that does not exist never loses the alert: it is dated by its arrival."""
    ctx = ParseContext(received_at=RECEIVED, timezone="Mars/Olympus_Mons")
    assert parse(load("problem.json"), ctx)[0].raised_at == RECEIVED


def test_recovery_time_is_used_when_the_media_type_sends_it() -> None:
    """recovery_date/recovery_time ({EVENT.RECOVERY.DATE}/{EVENT.RECOVERY.TIME}) date a recovery."""
    payload = {**load("recovery.json"), "recovery_date": "2025.11.23", "recovery_time": "13:29:20"}
    assert parse(payload, CTX)[0].raised_at == 1763900960.0


def test_update_carries_author_and_message_when_sent() -> None:
    """The optional event_update_user/event_update_message become the notice's author and comment."""
    payload = {
        **load("update-acknowledged.json"),
        "event_update_user": "Alice Admin",
        "event_update_message": "on it",
    }
    event = parse(payload, CTX)[0]
    assert isinstance(event, Notice)
    assert (event.author, event.comment) == ("Alice Admin", "on it")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"host": None, "host_name": None}, "host"),
        ({"host": "{HOST.HOST}", "host_name": "{HOST.NAME}"}, "host"),
        ({"trigger_id": None}, "trigger_id"),
        ({"trigger_id": "{TRIGGER.ID}"}, "trigger_id"),
        ({"trigger_name": None, "event_name": None}, "trigger_name"),
        ({"event_value": None}, "event_value"),
        ({"event_value": "2"}, "event_value"),
        ({"event_severity": None}, "event_severity"),
        ({"event_severity": "6"}, "event_severity"),
        ({"event_severity": 4.0}, "event_severity"),
    ],
)
def test_invalid_payload_names_the_field(change: dict[str, Any], field: str) -> None:
    """A missing, unresolved or invalid parameter is rejected naming it."""
    payload = {**load("problem.json"), **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    with pytest.raises(InvalidPayloadError) as caught:
        parse(payload, CTX)
    assert caught.value.field == field
