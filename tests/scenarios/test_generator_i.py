"""The ninth scenario generator itself (a manufacturer's plants and head office):
deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_i.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest

from scenarios import generator_checks as gck
from scenarios import generator_i as gi
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of

LABELS = [*gi.FAULT_KINDS_I, *gi.OTHER_KINDS_I, "storm", "day"]
PAIR_KINDS = ("ot-core-pair", "firewall-pair", "scada-both", "ad-pair")
OWN_ALERT_KINDS = (
    "ring-single-break",
    "plant-ups",
    "firewall-failover",
    "scada-failover",
    "historian-down",
    "opc-gateway-down",
    "mpls-only",
    "plant-probe-hung",
    "san-latency",
    "erp-db-down",
)


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return gi.storm(1, 400)
    if label == "day":
        return gi.day(1, 300, faults=12, noise=10)
    return gi.single(1, label, 200)


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(gi.single, 3, "ring-double-break", 200),
        partial(gi.storm, 2, 400),
        partial(gi.day, 2, 300, 8, 6),
    ]
    gck.assert_same_scenarios(makers)
    assert gi.day(1, 300, 8, 6).alerts_jsonl() != gi.day(2, 300, 8, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    gck.assert_hash_seed_free("generator_i", "day(4, 300, 10, 8)", gi.day(4, 300, 10, 8))


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    gck.assert_payloads_parse(scenario(label))


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("line-power" if label == "single" else label)
    gck.assert_topology_checks(sc, tmp_path)


def test_the_world_has_what_the_faults_need() -> None:
    """Three plants with rings, pairs, probes on two links, unmonitored boards."""
    w = gi.build_world(5, 600)
    nodes = w.nodes
    assert len(w.order) == len(set(w.order))
    assert 520 <= len(w.order) <= 680
    assert len(w.plants) == 3
    assert {p.style for p in w.plants} == {"zbx", "prtg"}
    for p in w.plants:
        assert nodes[p.edge].deps[0] == (p.mpls, p.vpn)
        assert nodes[p.probe].kind == "probe"
        assert nodes[p.sat].kind == "probe"
        assert p.edge in nodes[p.probe].deps
        assert nodes[p.ot_cores[0]].deps[0] == p.fws
        assert nodes[p.scada_app].deps == [p.scada]
        assert w.monitored(p.ups)
        for ln in p.lines:
            assert not nodes[ln.db].monitored_as
            k = len(ln.ring)
            assert len(ln.links) == k + 1
            for j, rs in enumerate(ln.ring):
                assert nodes[rs].deps[0] == (ln.west[j], ln.east[j])
            # one broken cable isolates nothing, two isolate the switches between them
            assert not set(ln.ring) & set(w.spread([(ln.links[1], "down")]))
            cut = w.spread([(ln.links[0], "down"), (ln.links[2], "down")])
            assert set(ln.ring) & set(cut) == set(ln.ring[0:2])
            assert ln.svc in cut
            assert ln.mrp in w.spread([(ln.links[k], "down")])
    entries = [e.lower() for n in nodes.values() for e in n.monitored_as]
    assert len(entries) == len(set(entries))


@pytest.mark.parametrize("label", LABELS)
def test_truth_is_consistent_with_the_lines(label: str) -> None:
    """Lines are in order with unique ids; every problem line belongs to a true incident."""
    sc = scenario(label)
    nodes = gck.assert_lines_match_truth(sc)
    kinds = {t.kind_of_fault for t in sc.truth}
    if label in gi.FAULT_KINDS_I or label in gi.OTHER_KINDS_I:
        assert label in kinds
    for t in sc.truth:
        if t.kind_of_fault == "unplaced":
            assert t.root is None
            assert not t.nodes
            continue
        assert t.inferred == (t.root not in t.nodes)
        if t.kind_of_fault == "line-power":
            assert t.inferred
            assert "monitored_as" not in nodes[t.root]
            assert len(t.nodes) >= 3
        if t.kind_of_fault in ("plant-wan-cut", "plant-probe-hung"):
            assert t.watched
        if t.kind_of_fault == "plant-probe-hung":
            assert nodes[t.root]["kind"] == "probe"
        if t.kind_of_fault in OWN_ALERT_KINDS:
            assert not t.inferred, t
        if t.kind_of_fault == "maintenance":
            assert t.maintenance


@pytest.mark.parametrize("kind", PAIR_KINDS)
def test_a_group_lost_is_rooted_at_the_member_lost_first(kind: str) -> None:
    """The root is a member of the pair; the other member is equivalent only when its loss
    was seen no later than the root's (the tools could not tell the order)."""
    sc = scenario(kind)
    (t,) = sc.by_kind(kind)
    assert t.root is not None
    assert len(t.nodes) >= 2
    for other in t.equivalent_roots:
        assert other.rsplit("-", 1)[0] == t.root.rsplit("-", 1)[0]


def test_a_double_break_isolates_a_segment() -> None:
    """ring-double-break: the root is a ring cable, the isolated switches alert."""
    sc = scenario("ring-double-break")
    (t,) = sc.by_kind("ring-double-break")
    assert t.root is not None
    assert "-lk" in t.root
    assert any("-rs" in n for n in t.nodes)


def test_tag_data_goes_stale_after_the_plcs() -> None:
    """line-power: the historian's stale-tag warning comes after the first hard downs."""
    sc = scenario("line-power")
    (t,) = sc.by_kind("line-power")
    mine = [line for line in sc.lines if line["id"] in t.event_ids]
    checks = [(line["at"], a["check"] or "") for line in mine for a in alerts_of(line)]
    stale = [at for at, c in checks if c.startswith("Tag data stale")]
    if stale:
        assert min(stale) > mine[0]["at"]


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    gck.assert_oracle_clears_the_bar(scenario(label))


@pytest.mark.parametrize("label", ["storm", "plant-wan-cut", "unplaced"])
def test_a_replay_lists_every_problem_event(label: str, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    gck.assert_replay_lists_every_problem(scenario(label), tmp_path)


@pytest.mark.parametrize("label", ["storm", "day", "concurrent", "flapping"])
def test_one_alert_is_in_one_incident_at_a_time(label: str) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first."""
    gck.assert_one_incident_per_alert_at_a_time(scenario(label))
