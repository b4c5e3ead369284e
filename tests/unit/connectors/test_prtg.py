"""PRTG HTTP-action notifications normalize as specs/ingest-formats.md ("PRTG") says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from connectors.base import InvalidPayloadError, ParseContext
from connectors.prtg import parse
from correlator.model import Alert, Notice

DATA = Path(__file__).resolve().parents[2] / "data" / "prtg"
RECEIVED = 1763900111.5
CTX = ParseContext(received_at=RECEIVED, observer="prtg-core")


def load(name: str) -> dict[str, Any]:
    if name.endswith(".txt"):
        return dict(parse_qsl((DATA / name).read_text().strip(), keep_blank_values=True))
    return json.loads((DATA / name).read_text())


def fields(event: Alert | Notice) -> dict[str, Any]:
    """Every normalized field of an event except the schema version and the raw payload."""
    data = event.to_json()
    del data["v"], data["raw"]
    return data


DB_PING = {"source_id": "2042", "host": "db-01", "check": "Ping", "observer": "Local Probe"}
WEB_HTTP = {"source_id": "2062", "host": "web-01", "check": "HTTP", "observer": "Remote Probe BRU"}


def alert(**expected: Any) -> dict[str, Any]:
    return {
        "type": "alert",
        "source": "prtg",
        "received_at": RECEIVED,
        "address": "10.0.3.31",
        "episode": None,
        "unreachable": False,
        "source_suppressed": False,
        "soft": False,
        **expected,
    }


def notice(**expected: Any) -> dict[str, Any]:
    return {"type": "notice", "source": "prtg", "received_at": RECEIVED, "author": "", **expected}


DOWN = alert(
    **DB_PING,
    state="problem",
    severity="critical",
    summary="Destination host unreachable (ICMP error # 11003)",
    raised_at=1763900044.0,  # 11/23/2025 12:14:04 PM
    tags={"group": "Databases", "priority": "4"},
)

GOLDEN: list[tuple[str, list[dict[str, Any]]]] = [
    ("down.json", [DOWN]),
    ("down.form.txt", [DOWN]),
    (
        "down-partial.json",
        [
            alert(
                **{**DB_PING, "source_id": "2050", "check": "HTTP Cluster"},
                state="problem",
                severity="critical",
                summary="1 of 3 nodes down",
                raised_at=1763900050.0,  # 23.11.2025 12:14:10
                tags={"group": "Databases", "priority": "3"},
            )
        ],
    ),
    (
        "warning.json",
        [
            alert(
                **{**DB_PING, "source_id": "2043", "check": "Disk Free"},
                state="problem",
                severity="warning",
                summary="11 % (Free Space C:) is below the warning limit of 15 %",
                raised_at=1763900100.0,  # 2025-11-23 12:15:00
                tags={"group": "Databases", "priority": "3"},
            )
        ],
    ),
    (
        "unusual.json",
        [
            alert(
                **{**DB_PING, "source_id": "2044", "check": "Traffic eth0"},
                state="problem",
                severity="minor",
                summary="Unusual values",
                raised_at=1763896560.0,  # 2025-11-23T12:16:00+01:00
                tags={"group": "Databases", "priority": "2"},
            )
        ],
    ),
    (
        "unknown.json",
        [
            alert(
                **{**DB_PING, "source_id": "2045", "check": "WMI Memory"},
                state="problem",
                severity="minor",
                summary="No data received",
                raised_at=RECEIVED,  # "Sunday, November 23, 2025 12:17" is no format we read
                tags={"group": "Databases", "priority": "1"},
            )
        ],
    ),
    (
        "up.json",
        [
            alert(
                **DB_PING,
                state="ok",
                severity="info",
                summary="OK",
                raised_at=1763900970.0,
                tags={"group": "Databases", "priority": "4"},
            )
        ],
    ),
    (
        "down-ended-now-up.json",
        [
            alert(
                **DB_PING,
                state="ok",
                severity="info",
                summary="OK",
                raised_at=1763900970.0,
                tags={"group": "Databases", "priority": "4"},
            )
        ],
    ),
    (
        "warning-ended-now-down.json",
        [
            alert(
                **{**DB_PING, "source_id": "2043", "check": "Disk Free"},
                state="problem",
                severity="critical",
                summary="2 % (Free Space C:) is below the error limit of 5 %",
                raised_at=1763902920.0,  # 11/23/2025 1:02:00 PM
                tags={"group": "Databases", "priority": "3"},
            )
        ],
    ),
    (
        "down-acknowledged.json",
        [
            notice(
                **DB_PING,
                kind="acknowledgement",
                raised_at=1763900400.0,
                comment="Acknowledged by PRTG System Administrator: DBA on it",
            )
        ],
    ),
    (
        "paused-by-dependency.json",
        [
            alert(
                **WEB_HTTP,
                address="10.0.3.21",
                state="problem",
                severity="minor",
                summary="Paused by dependency (Ping on esx-01)",
                raised_at=1763900070.0,
                tags={"group": "Web", "priority": "3"},
                source_suppressed=True,
            )
        ],
    ),
    (
        "paused-by-dependency-ended-now-up.json",
        [
            alert(
                **WEB_HTTP,
                address="10.0.3.21",
                state="ok",
                severity="info",
                summary="OK",
                raised_at=1763901010.0,
                tags={"group": "Web", "priority": "3"},
            )
        ],
    ),
    (
        "paused-by-user.json",
        [
            notice(
                **DB_PING,
                kind="downtime_start",
                raised_at=1763902800.0,
                comment="Paused by user (patching until 14:00)",
            )
        ],
    ),
    (
        "paused-ended-now-down.json",
        [
            notice(
                **DB_PING,
                kind="downtime_end",
                raised_at=1763906405.0,
                comment="Destination host unreachable (ICMP error # 11003)",
            ),
            alert(
                **DB_PING,
                state="problem",
                severity="critical",
                summary="Destination host unreachable (ICMP error # 11003)",
                raised_at=1763906405.0,
                tags={"group": "Databases", "priority": "4"},
            ),
        ],
    ),
]


@pytest.mark.parametrize(("name", "expected"), GOLDEN, ids=[name for name, _ in GOLDEN])
def test_golden_payload_normalizes_field_by_field(
    name: str, expected: list[dict[str, Any]]
) -> None:
    """Each PRTG notification gives exactly these events with exactly these fields."""
    payload = load(name)
    events = parse(payload, CTX)
    assert [fields(event) for event in events] == expected
    assert all(event.raw == payload for event in events)


def test_every_golden_file_has_expectations() -> None:
    """No golden payload under tests/data/prtg is left without an expected result."""
    assert {path.name for path in DATA.iterdir()} == {name for name, _ in GOLDEN}


@pytest.mark.parametrize(
    ("text", "raised_at"),
    [
        ("11/23/2025 12:14:04 PM", 1763900044.0),
        ("11/23/2025 12:14:04 AM", 1763856844.0),
        ("11/23/2025 9:05:00 a.m.", 1763888700.0),
        ("23.11.2025 12:14:04", 1763900044.0),
        ("23/11/2025 12:14:04", 1763900044.0),
        ("23-11-2025 12:14:04", 1763900044.0),
        ("2025-11-23 12:14:04", 1763900044.0),
        ("2025-11-23T12:14:04", 1763900044.0),
        ("2025-11-23T12:14:04Z", 1763900044.0),
        ("2025-11-23 12:14", 1763900040.0),
        ("11/23/2025 13:14:04 PM", RECEIVED),
        ("31.02.2025 12:00:00", RECEIVED),
        ("yesterday", RECEIVED),
        ("", RECEIVED),
    ],
)
def test_datetime_locale_formats(text: str, raised_at: float) -> None:
    """The common PRTG date formats are read; anything else is the arrival time."""
    event = parse({**load("down.json"), "datetime": text}, CTX)[0]
    assert event.raised_at == raised_at


def test_datetime_is_read_in_the_configured_zone() -> None:
    """A PRTG date without an offset is wall-clock time of the configured zone."""
    ctx = ParseContext(received_at=RECEIVED, timezone="Europe/Brussels")
    assert parse(load("down.json"), ctx)[0].raised_at == 1763900044.0 - 3600


def test_status_is_matched_without_regard_to_case_or_spacing() -> None:
    """'down  ENDED (now:  up)' is still a recovery."""
    event = parse({**load("down.json"), "status": "down  ENDED (now:  up)"}, CTX)[0]
    assert isinstance(event, Alert)
    assert event.state.value == "ok"


def test_observer_falls_back_to_context() -> None:
    """Without a probe, the observer is the connector's configured one."""
    payload = {key: value for key, value in load("down.json").items() if key != "probe"}
    assert parse(payload, CTX)[0].observer == "prtg-core"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": None}, "status"),
        ({"status": "Sideways"}, "status"),
        ({"status": "Down ended (now: Sideways)"}, "status"),
        ({"sensorid": None}, "sensorid"),
        ({"sensorid": ""}, "sensorid"),
        ({"device": None}, "device"),
        ({"device": {"name": "db-01"}}, "device"),
    ],
)
def test_invalid_payload_names_the_field(change: dict[str, Any], field: str) -> None:
    """A missing or unknown required field is rejected naming it."""
    payload = {**load("down.json"), **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    with pytest.raises(InvalidPayloadError) as caught:
        parse(payload, CTX)
    assert caught.value.field == field
