"""The small-site storm (shared/examples/small-site, copied to tests/data/storm/) parses as its README implies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.base import ParseContext
from connectors.registry import connectors_by_name
from correlator.model import Alert

STORM = Path(__file__).resolve().parents[2] / "data" / "storm" / "small-site.jsonl"
LINES: list[dict[str, Any]] = [json.loads(line) for line in STORM.read_text().splitlines() if line]
BY_ID = {line["id"]: line for line in LINES}

# Names the topology's nodes are monitored as (examples/small-site/topology.yaml).
MONITORED = {
    "bru-core-1", "10.0.0.1", "bru-core-2", "10.0.0.2", "bru-dist-1", "10.0.1.1",
    "bru-san-01", "esx-01", "10.0.2.11", "web-01", "10.0.3.21", "db-01", "10.0.3.31",
}  # fmt: skip
SHOP_WEB = {"web-01!HTTP", "web-01!HighErrorRate"}

# id: source, host, check, state, severity, unreachable, the id of the problem it continues
EXPECTED: dict[str, tuple[str, str, str | None, str, str, bool, str | None]] = {
    "a1": ("nagios", "esx-01", None, "problem", "critical", False, None),
    "a2": ("nagios", "web-01", None, "problem", "critical", True, None),
    "a3": ("nagios", "web-01", "HTTP", "problem", "critical", False, None),
    "n1": ("nagios", "bru-core-2", "CPU load", "problem", "warning", False, None),
    "a4": ("prtg", "db-01", "Ping", "problem", "critical", False, None),
    "a5": ("alertmanager", "web-01", "HighErrorRate", "problem", "critical", False, None),
    "a6": ("zabbix", "bru-dist-1", "Unavailable by ICMP ping", "problem", "major", False, None),
    "a7": ("nagios", "esx-01", None, "problem", "critical", False, "a1"),
    "a8": ("zabbix", "bru-dist-1", "Unavailable by ICMP ping", "ok", "major", False, "a6"),
    "a9": ("nagios", "esx-01", None, "ok", "info", False, "a1"),
    "a10": ("nagios", "web-01", None, "ok", "info", False, "a2"),
    "a11": ("nagios", "web-01", "HTTP", "ok", "info", False, "a3"),
    "a12": ("prtg", "db-01", "Ping", "ok", "info", False, "a4"),
    "a13": ("alertmanager", "web-01", "HighErrorRate", "ok", "critical", False, "a5"),
    "n2": ("nagios", "bru-core-2", "CPU load", "ok", "info", False, "n1"),
    "b1": ("zabbix", "bru-core-1", "Unavailable by ICMP ping", "problem", "major", False, None),
    "b2": ("prtg", "bru-san-01", "SNMP Uptime", "problem", "critical", False, None),
    "b3": ("nagios", "esx-01", "Datastore latency", "problem", "critical", False, None),
}


def parse_line(line: dict[str, Any]) -> list[Any]:
    connector = connectors_by_name()[line["source"]]
    ctx = ParseContext(received_at=line["at"], observer=line.get("observer"))
    return connector.parse(line["payload"], ctx)


def test_every_storm_line_has_expectations() -> None:
    """Each line of the storm is covered below, in the order of the file."""
    assert [line["id"] for line in LINES] == list(EXPECTED)


@pytest.mark.parametrize("event_id", list(EXPECTED))
def test_storm_line_normalizes_as_the_readme_implies(event_id: str) -> None:
    """Each storm line is one alert of the README's story, on a host the topology knows."""
    line = BY_ID[event_id]
    events = parse_line(line)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, Alert)
    source, host, check, state, severity, unreachable, continues = EXPECTED[event_id]
    assert event.source.value == source
    assert (event.host, event.check) == (host, check)
    assert (event.state.value, event.severity.value) == (state, severity)
    assert event.unreachable is unreachable
    assert event.source_suppressed is False
    assert event.received_at == line["at"]
    assert event.host in MONITORED or event.address in MONITORED
    if continues is not None:
        (earlier,) = parse_line(BY_ID[continues])
        assert event.key == earlier.key


def test_shop_checks_match_the_business_service_node() -> None:
    """The shop's HTTP check and error-rate alert are named host!check as shop-web is monitored."""
    names = set()
    for event_id in ("a3", "a5"):
        (event,) = parse_line(BY_ID[event_id])
        names.add(f"{event.host}!{event.check}")
    assert names == SHOP_WEB


def test_the_root_alert_arrives_last() -> None:
    """bru-dist-1's own alert (Zabbix) arrives after every other alert of the first incident."""
    first_incident = ["a1", "a2", "a3", "a4", "a5"]
    assert all(BY_ID[i]["at"] < BY_ID["a6"]["at"] for i in first_incident)
