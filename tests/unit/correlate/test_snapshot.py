"""The engine's snapshot: a daemon restarted at any point carries on as if it had not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from required import unavailable

from connectors.registry import connectors_by_name
from correlator.correlate.engine import Engine
from correlator.correlate.report import incident_json
from correlator.correlate.snapshot import SnapshotError, export_state, import_state
from correlator.replay import read_lines, replay
from topology.load import load_topology

SMALL_SITE = Path(__file__).resolve().parents[4] / "shared" / "examples" / "small-site"


def _site() -> Path:
    if not SMALL_SITE.is_dir():
        unavailable("the shared small-site example", f"not found at {SMALL_SITE}")
    return SMALL_SITE


def _lines():
    alerts = _site() / "storm.jsonl"
    return list(read_lines(alerts, alerts.read_text().splitlines()))


def _outcome(engine: Engine) -> list[dict]:
    keep = ("id", "root_cause", "root_cause_inferred", "events", "resolved_at", "pages")
    return [{k: incident_json(i)[k] for k in keep} for i in engine.incidents()]


@pytest.mark.parametrize("cut", [1, 3, 6, 7, 9, 14, 16, 17])
def test_a_restart_anywhere_gives_the_same_incidents(cut: int):
    """Snapshot after ``cut`` lines, restore into a fresh engine through JSON, replay the
    rest: the incidents are those of an uninterrupted replay."""
    topology = load_topology(_site() / "topology.yaml")
    lines = _lines()
    whole = Engine(topology)
    replay(whole, lines, connectors_by_name())

    first = Engine(topology)
    replay(first, lines[:cut], connectors_by_name())
    saved = json.loads(json.dumps(export_state(first)))
    second = Engine(topology)
    import_state(second, saved)
    replay(second, lines[cut:], connectors_by_name())

    assert _outcome(second) == _outcome(whole)


def test_a_recovery_after_a_restart_closes_the_open_incident():
    """An alert open before the restart is known after it: its recovery resolves the
    incident instead of being ignored as an alert never seen."""
    topology = load_topology(_site() / "topology.yaml")
    lines = _lines()
    first = Engine(topology)
    replay(first, lines[:1], connectors_by_name())  # esx-01 down
    second = Engine(topology)
    assert import_state(second, json.loads(json.dumps(export_state(first)))) == 1
    recovery = next(line for line in lines if line.event_id == "a9")
    replay(second, [recovery], connectors_by_name())
    second.advance(recovery.at + second.settings.resolve_linger_s + 1)
    [incident] = second.incidents()
    assert incident.resolved_at == recovery.at
    assert [e for _, e in incident.events] == ["a1", "a9"]


def test_a_restart_keeps_each_episode_with_its_incident(make_sim):
    """An alert that failed again in a new incident: after a restart the earlier incident
    still shows its own episode (resolved), the new one the current episode."""
    topology = load_topology(_site() / "topology.yaml")
    sim = make_sim(topology, resolve_linger_s=300.0)
    host = next(n.monitored_as[0] for n in topology.nodes.values() if n.monitored_as)
    sim.problem(0, host, "Disk")
    sim.ok(100, host, "Disk")
    sim.problem(3000, host, "Disk")
    restored = Engine(topology, sim.engine.settings)
    import_state(restored, json.loads(json.dumps(export_state(sim.engine))))
    before = [incident_json(i)["alerts"] for i in sim.engine.incidents()]
    after = [incident_json(i)["alerts"] for i in restored.incidents()]
    assert after == before
    assert after[0][0]["resolved_at"] is not None
    assert after[1][0]["resolved_at"] is None


def test_a_foreign_document_is_refused():
    """Anything but a snapshot of this version is a SnapshotError, not a half restore."""
    topology = load_topology(_site() / "topology.yaml")
    with pytest.raises(SnapshotError):
        import_state(Engine(topology), {"v": 99})
    with pytest.raises(SnapshotError):
        import_state(Engine(topology), {"v": 1, "alerts": [{"key": ["x"]}]})
