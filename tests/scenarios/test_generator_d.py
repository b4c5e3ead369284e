"""The fourth scenario generator itself: deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_d.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest

from scenarios import generator_checks as gck
from scenarios import generator_d as gd
from scenarios.generator import Scenario

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


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(gd.single, 3, "ring-both", 200),
        partial(gd.storm, 2, 400),
        partial(gd.day, 2, 300, 8, 6),
    ]
    gck.assert_same_scenarios(makers)
    assert gd.day(1, 300, 8, 6).alerts_jsonl() != gd.day(2, 300, 8, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    gck.assert_hash_seed_free("generator_d", "day(4, 300, 10, 8)", gd.day(4, 300, 10, 8))


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    gck.assert_payloads_parse(scenario(label))


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("span-cut" if label == "single" else label)
    gck.assert_topology_checks(sc, tmp_path)


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
    nodes = gck.assert_lines_match_truth(sc)
    kinds = {t.kind_of_fault for t in sc.truth}
    if label in gd.FAULT_KINDS_D or label in gd.OTHER_KINDS_D:
        assert label in kinds
    for t in sc.truth:
        if t.kind_of_fault == "unplaced":
            assert t.root is None
            continue
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
    gck.assert_oracle_clears_the_bar(scenario(label))


@pytest.mark.parametrize("label", ["storm", "span-cut", "unplaced"])
def test_a_replay_lists_every_problem_event(label: str, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    gck.assert_replay_lists_every_problem(scenario(label), tmp_path)


@pytest.mark.parametrize("label", ["storm", "day", "refail"])
def test_one_alert_is_in_one_incident_at_a_time(label: str) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first."""
    gck.assert_one_incident_per_alert_at_a_time(scenario(label))
