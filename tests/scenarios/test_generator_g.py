"""The seventh scenario generator itself (a bank: trading and retail, gray failures):
deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_g.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest

from scenarios import generator_checks as gck
from scenarios import generator_g as gg
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of

LABELS = [*gg.FAULT_KINDS_G, *gg.OTHER_KINDS_G, "storm", "day"]
INFERRED_KINDS = ("ptp-antenna", "card-network")
OWN_ALERT_KINDS = (
    "feed-line",
    "feed-both",
    "md-slow",
    "broker-slow",
    "broker-down",
    "db-failover",
    "db-both",
    "lb-pair",
    "core-member",
    "leaf-pair",
    "hsm-pair",
    "storage-latency",
    "probe-cut",
    "lpar-down",
)


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return gg.storm(1, 400)
    if label == "day":
        return gg.day(1, 300, faults=12, noise=15)
    return gg.single(1, label, 200)


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(gg.single, 3, "colo-xc-cut", 200),
        partial(gg.storm, 2, 400),
        partial(gg.day, 2, 300, 8, 10),
    ]
    gck.assert_same_scenarios(makers)
    assert gg.day(1, 300, 8, 10).alerts_jsonl() != gg.day(2, 300, 8, 10).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    gck.assert_hash_seed_free("generator_g", "day(4, 300, 10, 12)", gg.day(4, 300, 10, 12))


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    gck.assert_payloads_parse(scenario(label))


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("ptp-antenna" if label == "single" else label)
    gck.assert_topology_checks(sc, tmp_path)


def test_the_world_has_what_the_faults_need() -> None:
    """Pairs, a quorum bus, an unmonitored antenna and card network, feed lines, probes."""
    w = gg.build_world(5, 450)
    nodes = w.nodes
    assert len(w.order) == len(set(w.order))
    assert 430 <= len(w.order) <= 470
    assert not nodes["fr2-gnss"].monitored_as
    assert not nodes["ext-card-net"].monitored_as
    assert len(w.dependents["fr2-gnss"]) == 2
    assert nodes["mq-bus"].deps == ["mq-quorum-12", "mq-quorum-13", "mq-quorum-23"]
    for v in w.venues:
        fh = nodes[f"fr2-fh-{v}"]
        assert (f"fr2-line-{v}-a", f"fr2-line-{v}-b") in fh.deps
        assert any(e.startswith(f"fr2-fh-{v}!") for e in nodes[f"fr2-line-{v}-a"].monitored_as)
    assert nodes["md-dist"].soft
    assert nodes["prtg-probe-fr2"].kind == "probe"
    assert len(w.by_observer["prtg-probe-fr2"]) >= 8
    for dc in ("d1", "d2"):
        for a, b in w.leaves[dc]:
            assert nodes[a].deps == [("core-1", "core-2")] == nodes[b].deps
    entries = [e.lower() for n in nodes.values() for e in n.monitored_as]
    assert len(entries) == len(set(entries))
    assert sum(c.noise for c in w.checks) >= 50


@pytest.mark.parametrize("label", LABELS)
def test_truth_is_consistent_with_the_lines(label: str) -> None:
    """Lines are in order with unique ids; every problem line belongs to a true incident."""
    sc = scenario(label)
    nodes = gck.assert_lines_match_truth(sc)
    kinds = {t.kind_of_fault for t in sc.truth}
    if label in gg.FAULT_KINDS_G or label in gg.OTHER_KINDS_G:
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
        if t.kind_of_fault in OWN_ALERT_KINDS:
            assert not t.inferred, t
        if t.kind_of_fault == "probe-cut":
            assert nodes[t.root]["kind"] == "probe"
            assert t.watched
        if t.kind_of_fault == "maintenance":
            assert t.maintenance


def test_a_slow_distributor_is_seen_late_by_its_own_check() -> None:
    """md-slow: consumers' stale-data warnings; the distributor's own alert is among them."""
    sc = scenario("md-slow")
    (t,) = sc.by_kind("md-slow")
    mine = [line for line in sc.lines if line["id"] in t.event_ids]
    checks = {a["check"] for line in mine for a in alerts_of(line) if a["problem"]}
    assert "MarketDataFanoutLatencyHigh" in checks
    assert len(t.nodes) >= 3


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    gck.assert_oracle_clears_the_bar(scenario(label))


@pytest.mark.parametrize("label", ["storm", "ptp-antenna", "unplaced"])
def test_a_replay_lists_every_problem_event(label: str, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    gck.assert_replay_lists_every_problem(scenario(label), tmp_path)


@pytest.mark.parametrize("label", ["storm", "day", "concurrent"])
def test_one_alert_is_in_one_incident_at_a_time(label: str) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first."""
    gck.assert_one_incident_per_alert_at_a_time(scenario(label))
