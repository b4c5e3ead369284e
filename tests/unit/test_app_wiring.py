"""The composition root builds the engine from the whole config, dispatch section included."""

from __future__ import annotations

from correlator.app import build_engine
from correlator.config import parse_config
from correlator.model import Alert, Severity, Source, State
from topology.load import load_yaml_text

TOPOLOGY = """\
version: 1
nodes:
  - {id: web-01, kind: vm, team: systems, monitored_as: [web-01]}
"""
T0 = 1_763_900_000.0
MATRIX = {
    "high": {"high": "P1", "medium": "P4", "low": "P4"},
    "medium": {"high": "P4", "medium": "P4", "low": "P4"},
    "low": {"high": "P4", "medium": "P4", "low": "P4"},
}


def _priority_of_a_host_down(config: dict) -> tuple[str, str]:
    engine = build_engine(parse_config(config), load_yaml_text(TOPOLOGY, "t.yaml"))
    alert = Alert(
        source=Source.NAGIOS,
        source_id="web-01",
        host="web-01",
        state=State.PROBLEM,
        severity=Severity.CRITICAL,
        raised_at=T0,
        received_at=T0,
    )
    engine.advance(T0)
    engine.handle(alert, seq=1, event_id="e1", now=T0)
    (incident,) = engine.drain_changes()
    return incident.priority.value, incident.team


def test_the_daemon_engine_uses_the_configured_priority_matrix():
    """dispatch.priority_matrix decides the daemon's priorities (ITIL's when not given)."""
    assert _priority_of_a_host_down({}) == ("P2", "systems")
    configured = {"dispatch": {"priority_matrix": MATRIX}}
    assert _priority_of_a_host_down(configured) == ("P4", "systems")
