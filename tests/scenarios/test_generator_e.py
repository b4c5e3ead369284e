"""The fifth scenario generator itself: deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_e.py``.
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
from scenarios import generator_e as ge
from scenarios import metrics as met
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of
from topology import cli as topology_cli

LABELS = [*ge.FAULT_KINDS_E, *ge.OTHER_KINDS_E, "storm", "day"]
INFERRED_KINDS = ("cooling", "building-power")
GROUP_KINDS = ("dist-pair", "db-both", "clinic-cut")


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return ge.storm(1, 400)
    if label == "day":
        return ge.day(1, 300, faults=12, noise=10)
    return ge.single(1, label, 200)


def _digest(sc: Scenario) -> str:
    text = sc.topology_yaml() + sc.alerts_jsonl() + repr(sc.truth)
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(ge.single, 3, "clinic-cut", 200),
        partial(ge.storm, 2, 400),
        partial(ge.day, 2, 300, 8, 6),
    ]
    for make in makers:
        a, b = make(), make()
        assert a.topology_yaml() == b.topology_yaml()
        assert a.alerts_jsonl() == b.alerts_jsonl()
        assert a.truth == b.truth
    assert ge.day(1, 300, 8, 6).alerts_jsonl() != ge.day(2, 300, 8, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    code = (
        "import sys; sys.path.insert(0, 'tests');"
        "from scenarios import generator_e as ge;"
        "from scenarios.test_generator_e import _digest;"
        "print(_digest(ge.day(4, 300, 10, 8)))"
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
    assert digests == {_digest(ge.day(4, 300, 10, 8))}


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
    sc = scenario("cooling" if label == "single" else label)
    topology, _ = sc.write(tmp_path)
    assert topology_cli.main(["check", str(topology)]) == 0


def test_the_world_has_what_the_faults_need() -> None:
    """Unmonitored cooling, monitored UPS, redundant pairs, clinics on two links, probes."""
    w = ge.build_world(5, 600)
    nodes = w.nodes
    assert len(w.order) == len(set(w.order))
    assert 550 <= len(w.order) <= 650
    assert len(w.rooms) == 2
    for room in w.rooms:
        assert nodes[room.crac].kind == "cooling"
        assert not nodes[room.crac].monitored_as
        assert not nodes[room.feed].monitored_as
        assert nodes[room.ups].monitored_as
        assert len(w.dependents(room.crac)) >= 10
        assert nodes[room.san].deps[0] == room.ctls
    for b in w.buildings:
        for d in b.dists:
            assert nodes[d].deps == [("core-1", "core-2")]
        assert not nodes[b.feed].monitored_as
    assert 10 <= len(w.clinics) <= 12
    for c in w.clinics:
        assert nodes[c.router].deps == [(c.fibre, c.lte)]
        assert nodes[c.probe].kind == "probe"
    assert any(w.monitored(c.fibre) for c in w.clinics)
    for cl in w.clusters:
        assert nodes[cl.prom].kind == "probe"
        assert any(x.observer == cl.prom for x in w.checks)
    for db, pa, pb in w.db_pairs:
        assert nodes[db].deps == [(pa, pb)]
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
    if label in ge.FAULT_KINDS_E or label in ge.OTHER_KINDS_E:
        assert label in kinds
    for t in sc.truth:
        assert t.event_ids
        if t.kind_of_fault == "unplaced":
            assert t.root is None
            assert not t.nodes
            continue
        assert t.root in nodes
        assert all(e in nodes for e in t.equivalent_roots)
        assert t.inferred == (t.root not in t.nodes)
        if t.kind_of_fault in INFERRED_KINDS:
            assert t.inferred
            assert "monitored_as" not in nodes[t.root]
            assert len(t.nodes) >= 3
        if t.kind_of_fault in ("prom-cut", "probe-hung"):
            assert nodes[t.root]["kind"] == "probe"
            assert t.watched
        if t.kind_of_fault in (
            "ups-battery",
            "dist-pair",
            "dist-member",
            "k8s-worker",
            "db-both",
            "db-primary",
            "san-array",
            "san-controller",
            "hl7-degraded",
        ):
            assert not t.inferred, t  # the root's own alert is never missed
        if t.kind_of_fault == "maintenance":
            assert t.maintenance


def test_a_group_lost_is_rooted_at_the_member_lost_first() -> None:
    """dist-pair: the root member alerts first of the pair; both members are in the incident."""
    sc = scenario("dist-pair")
    (t,) = sc.by_kind("dist-pair")
    assert t.root is not None
    mine = [line for line in sc.lines if line["id"] in t.event_ids]
    first = mine[0]
    hosts = [a["host"].split(".")[0].lower() for a in alerts_of(first)]
    pair = {t.root, t.root[:-1] + ("2" if t.root.endswith("1") else "1")}
    seen = [
        h
        for line in mine
        for h in (a["host"].split(".")[0].lower() for a in alerts_of(line))
        if h in pair
    ]
    assert seen
    assert seen[0] == t.root, (hosts, seen[:3])
    assert len(t.nodes) >= 3


def test_cooling_warns_before_hosts_go_down() -> None:
    """cooling: the first problems are temperature warnings, hard downs come later."""
    sc = scenario("cooling")
    (t,) = sc.by_kind("cooling")
    mine = [line for line in sc.lines if line["id"] in t.event_ids]
    checks = [a["check"] or "" for line in mine[:3] for a in alerts_of(line)]
    assert all(any(w in c for w in ("Temp", "IPMI", "Health")) for c in checks), checks


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    sc = scenario(label)
    oracle = met.oracle_incidents(sc.truth)
    m = met.evaluate(oracle, sc.truth)
    assert m.root_accuracy == 1.0
    assert m.f1 == 1.0
    assert not met.shortfalls(m, oracle, storm=False)


@pytest.mark.parametrize("label", ["storm", "cooling", "unplaced"])
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


@pytest.mark.parametrize("label", ["storm", "day", "concurrent"])
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
