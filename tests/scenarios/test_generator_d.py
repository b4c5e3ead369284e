"""The fourth scenario generator itself: deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_d.py``.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest

from connectors.base import ParseContext
from connectors.registry import connectors_by_name
from scenarios import generator_d as gd
from scenarios import metrics as met
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of
from topology import cli as topology_cli

LABELS = [*gd.FAULT_KINDS_D, *gd.OTHER_KINDS_D, "storm", "day"]
INFERRED_KINDS = ("span-cut", "cabinet-power")


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return gd.storm(1, 400)
    if label == "day":
        return gd.day(1, 300, faults=14, noise=12)
    return gd.single(1, label, 200)


def _digest(sc: Scenario) -> str:
    text = sc.topology_yaml() + sc.alerts_jsonl() + repr(sc.truth)
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(gd.single, 3, "ring-both", 200),
        partial(gd.storm, 2, 400),
        partial(gd.day, 2, 300, 8, 6),
    ]
    for make in makers:
        a, b = make(), make()
        assert a.topology_yaml() == b.topology_yaml()
        assert a.alerts_jsonl() == b.alerts_jsonl()
        assert a.truth == b.truth
    assert gd.day(1, 300, 8, 6).alerts_jsonl() != gd.day(2, 300, 8, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    code = (
        "import sys; sys.path.insert(0, 'tests');"
        "from scenarios import generator_d as gd;"
        "from scenarios.test_generator_d import _digest;"
        "print(_digest(gd.day(4, 300, 10, 8)))"
    )
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert digests == {_digest(gd.day(4, 300, 10, 8))}


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    sc = scenario(label)
    registry = connectors_by_name()
    for line in sc.lines:
        ctx = ParseContext(received_at=line["at"], observer=line.get("observer"))
        assert registry[line["source"]].parse(line["payload"], ctx), line


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("span-cut" if label == "single" else label)
    topology, _ = sc.write(tmp_path)
    assert topology_cli.main(["check", str(topology)]) == 0


def test_the_world_has_what_the_faults_need() -> None:
    """Cores in a pair, rings with two monitored sides, unmonitored spans and feeds, probes."""
    w = gd.build_world(5, 600)
    nodes = w.nodes
    assert len(w.order) == len(set(w.order))
    assert 500 <= len(w.order) <= 700
    for r in w.regions:
        assert nodes[r.aggs[0]].depends_on == [("core-1", "core-2")]
        for a, b in r.rings:
            assert nodes[a].monitored_as
            assert nodes[b].monitored_as
        for s in r.spans:
            assert not nodes[s].monitored_as
            assert nodes[s].kind == "link"
        for feed, children in r.cabinets:
            assert not nodes[feed].monitored_as
            assert len(children) >= 2
        assert nodes[r.prtg].kind == "probe"
        assert nodes[r.proxy].kind == "probe"
    cpes = [n for n in nodes.values() if n.kind == "cpe"]
    assert len(cpes) >= 250
    assert all(len(c.depends_on) == 1 for c in cpes)
    entries = [e.lower() for n in nodes.values() for e in n.monitored_as]
    assert len(entries) == len(set(entries))


@pytest.mark.parametrize("label", LABELS)
def test_truth_is_consistent_with_the_lines(label: str) -> None:
    """Lines are in order with unique ids; every problem line belongs to a true incident."""
    sc = scenario(label)
    ats = [line["at"] for line in sc.lines]
    assert ats == sorted(ats)
    ids = [line["id"] for line in sc.lines]
    assert len(ids) == len(set(ids))
    problem = {line["id"] for line in sc.lines if any(a["problem"] for a in alerts_of(line))}
    assert sc.problem_event_ids() == problem
    nodes = {n["id"]: n for n in sc.topology["nodes"]}
    kinds = {t.kind_of_fault for t in sc.truth}
    if label in gd.FAULT_KINDS_D or label in gd.OTHER_KINDS_D:
        assert label in kinds
    for t in sc.truth:
        assert t.event_ids
        if t.kind_of_fault == "unplaced":
            assert t.root is None
            continue
        assert t.root in nodes
        assert all(e in nodes for e in t.equivalent_roots)
        if t.kind_of_fault in INFERRED_KINDS:
            assert t.inferred
            assert "monitored_as" not in nodes[t.root]
            assert len(t.nodes) >= 2
        elif t.kind_of_fault == "mast-power":
            assert t.inferred == ("monitored_as" not in nodes[t.root])
        elif t.kind_of_fault != "concurrent":
            assert not t.inferred, t  # a monitored root (probes too) always alerts itself
        if t.kind_of_fault == "probe-cut":
            assert nodes[t.root]["kind"] == "probe"
            assert t.watched
        if t.kind_of_fault == "twin-cpe":
            assert nodes[t.root]["kind"] == "cpe"
        if t.kind_of_fault == "maintenance":
            assert t.maintenance


def test_twins_are_two_incidents_under_one_quiet_access_node() -> None:
    """twin-cpe gives two true incidents whose CPEs share a parent that raised nothing."""
    sc = scenario("twin-cpe")
    twins = sc.by_kind("twin-cpe")
    assert len(twins) == 2
    nodes = {n["id"]: n for n in sc.topology["nodes"]}
    parents = {nodes[t.root]["depends_on"][0] for t in twins if t.root}
    assert len(parents) == 1
    assert not any(parents & set(t.nodes) for t in sc.truth)


def test_ring_both_is_one_incident_rooted_at_the_side_lost_first() -> None:
    """Both ring sides' alerts and the ring's access nodes are one incident; the root alerted first."""
    sc = scenario("ring-both")
    (t,) = sc.by_kind("ring-both")
    first = min(
        (line for line in sc.lines if line["id"] in t.event_ids), key=lambda line: line["at"]
    )
    assert any(e.endswith(first["payload"]["trigger_name"]) for e in _entries(sc, t.root))
    assert len(t.nodes) >= 4


def _entries(sc: Scenario, nid: str | None) -> list[str]:
    return next(n.get("monitored_as", []) for n in sc.topology["nodes"] if n["id"] == nid)


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    sc = scenario(label)
    oracle = met.oracle_incidents(sc.truth)
    m = met.evaluate(oracle, sc.truth)
    assert m.root_accuracy == 1.0
    assert m.f1 == 1.0
    assert not met.shortfalls(m, oracle, storm=False)


@pytest.mark.parametrize("label", ["storm", "span-cut", "unplaced"])
def test_a_replay_lists_every_problem_event(label: str, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    replay = importlib.import_module("correlator.replay").main
    sc = scenario(label)
    incidents = met.replay(replay, sc, tmp_path)
    m = met.evaluate(incidents, sc.truth)
    assert m.missing_events == 0


def _recovers(line: dict[str, object]) -> bool:
    """Whether a non-problem line takes its alert back to OK (not an ack or other notice)."""
    p = line["payload"]
    assert isinstance(p, dict)
    src = line["source"]
    if src == "zabbix":
        return bool(p["event_value"] == "0")
    if src == "nagios":
        return bool(p["NOTIFICATIONTYPE"] == "RECOVERY")
    if src == "icinga":
        return bool(p["type"] == "StateChange")
    return src == "prtg" and "now: Up" in str(p["status"])


@pytest.mark.parametrize("label", ["storm", "day", "refail"])
def test_one_alert_is_in_one_incident_at_a_time(label: str) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first."""
    sc = scenario(label)
    truth_of: dict[str, set[int]] = {}
    for k, t in enumerate(sc.truth):
        for e in t.event_ids:
            truth_of.setdefault(e, set()).add(k)
    state: dict[tuple[object, ...], set[int] | None] = {}
    for line in sc.lines:
        if line["source"] == "alertmanager":
            continue  # a body carries many alerts; its labels are per line
        for a in alerts_of(line):
            key = (line["source"], *a["key"])
            if a["problem"]:
                now = state.get(key)
                assert now is None or now & truth_of[line["id"]], (key, line["id"])
                state[key] = truth_of[line["id"]]
            elif _recovers(line):
                state[key] = None
