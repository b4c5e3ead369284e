"""The fifth scenario generator itself: deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_e.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest

from scenarios import generator_checks as gck
from scenarios import generator_e as ge
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of

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


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(ge.single, 3, "clinic-cut", 200),
        partial(ge.storm, 2, 400),
        partial(ge.day, 2, 300, 8, 6),
    ]
    gck.assert_same_scenarios(makers)
    assert ge.day(1, 300, 8, 6).alerts_jsonl() != ge.day(2, 300, 8, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    gck.assert_hash_seed_free("generator_e", "day(4, 300, 10, 8)", ge.day(4, 300, 10, 8))


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    gck.assert_payloads_parse(scenario(label))


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("cooling" if label == "single" else label)
    gck.assert_topology_checks(sc, tmp_path)


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
    nodes = gck.assert_lines_match_truth(sc)
    kinds = {t.kind_of_fault for t in sc.truth}
    if label in ge.FAULT_KINDS_E or label in ge.OTHER_KINDS_E:
        assert label in kinds
    for t in sc.truth:
        if t.kind_of_fault == "unplaced":
            assert t.root is None
            assert not t.nodes
            continue
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
    gck.assert_oracle_clears_the_bar(scenario(label))


@pytest.mark.parametrize("label", ["storm", "cooling", "unplaced"])
def test_a_replay_lists_every_problem_event(label: str, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    gck.assert_replay_lists_every_problem(scenario(label), tmp_path)


@pytest.mark.parametrize("label", ["storm", "day", "concurrent"])
def test_one_alert_is_in_one_incident_at_a_time(label: str) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first."""
    gck.assert_one_incident_per_alert_at_a_time(scenario(label))
