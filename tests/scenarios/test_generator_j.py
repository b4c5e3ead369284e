"""The tenth scenario generator itself (a regional ISP): deterministic, valid payloads and
topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_j.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest

from scenarios import generator_checks as gck
from scenarios import generator_j as gj
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of

LABELS = [*gj.FAULT_KINDS_J, *gj.OTHER_KINDS_J, "storm", "day"]
PAIR_KINDS = ("agg-pair", "radius-pair")
OWN_ALERT_KINDS = (
    "agg-member",
    "agg-pair",
    "olt-down",
    "olt-card",
    "microwave-fade",
    "radius-pair",
    "dns-resolvers-degraded",
    "billing-db-down",
    "core-member",
    "probe-cut",
)


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return gj.storm(1, 400)
    if label == "day":
        return gj.day(1, 300, faults=12, noise=10)
    return gj.single(1, label, 200)


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(gj.single, 3, "duct-cut", 200),
        partial(gj.single, 3, "pop-power", 200),
        partial(gj.storm, 2, 400),
        partial(gj.day, 2, 300, 8, 6),
    ]
    gck.assert_same_scenarios(makers)
    assert gj.day(1, 300, 8, 6).alerts_jsonl() != gj.day(2, 300, 8, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    gck.assert_hash_seed_free("generator_j", "day(4, 300, 10, 8)", gj.day(4, 300, 10, 8))


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    gck.assert_payloads_parse(scenario(label))


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("duct-cut" if label == "single" else label)
    gck.assert_topology_checks(sc, tmp_path)


def test_the_world_has_what_the_faults_need() -> None:
    """Three to five POPs on shared ducts, power chains, probes of both styles."""
    w = gj.build_world(5, 400)
    nodes = w.nodes
    assert len(w.order) == len(set(w.order))
    assert 360 <= len(w.order) <= 440
    assert 3 <= len(w.regions) <= 5
    assert {r.style for r in w.regions} == {"zbx", "prtg"}
    for r in w.regions:
        assert not nodes[r.duct].monitored_as
        assert not nodes[r.mains].monitored_as
        assert w.monitored(r.ups)
        assert w.monitored(r.gen)
        assert nodes[r.ups].deps == [(r.mains, r.gen)]
        for agg, fib in zip(r.aggs, r.fibs, strict=True):
            assert nodes[fib].deps == [r.duct]
            assert fib in nodes[agg].deps
        assert nodes[r.probe].kind == "probe"
        assert r.mgmt in nodes[r.probe].deps
        assert r.rurals
        for olt in r.olts:
            assert nodes[olt].deps[0] == r.aggs
            assert nodes[r.subs[olt]].kind == "access"
        # one router lost explains nothing above it; the duct takes the whole POP
        assert not set(r.olts) & set(w.spread([(r.aggs[0], "down")]))
        cut = w.spread([(r.duct, "down")])
        assert set(r.olts) <= set(cut)
        assert r.probe in cut
        assert r.oob not in cut  # the console server stays up on its LTE backup
        assert r.oob in w.spread([(r.ups, "down")])
        assert set(w.spread([(r.olts[0], "card")])) == {r.olts[0], r.subs[r.olts[0]]}
    entries = [e.lower() for n in nodes.values() for e in n.monitored_as]
    assert len(entries) == len(set(entries))


@pytest.mark.parametrize("label", LABELS)
def test_truth_is_consistent_with_the_lines(label: str) -> None:
    """Lines are in order with unique ids; every problem line belongs to a true incident."""
    sc = scenario(label)
    nodes = gck.assert_lines_match_truth(sc)
    kinds = {t.kind_of_fault for t in sc.truth}
    if label in gj.FAULT_KINDS_J or label in gj.OTHER_KINDS_J:
        assert label in kinds
    for t in sc.truth:
        if t.kind_of_fault == "unplaced":
            assert t.root is None
            assert not t.nodes
            continue
        assert t.inferred == (t.root not in t.nodes)
        if t.kind_of_fault == "duct-cut":
            assert t.inferred
            assert "monitored_as" not in nodes[t.root]
            assert len(t.nodes) >= 3
        if t.kind_of_fault == "pop-power":
            assert t.inferred
            assert t.root.endswith("-mains")
            ups = t.root.replace("-mains", "-ups")
            assert ups in t.nodes
            assert ups in t.equivalent_roots
        if t.kind_of_fault == "probe-cut":
            assert t.watched
            assert nodes[t.root]["kind"] in ("probe", "switch")
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


def test_a_duct_cut_loses_both_aggregation_routers() -> None:
    """duct-cut: both routers of the pair alert, the POP's access nodes follow."""
    sc = scenario("duct-cut")
    (t,) = sc.by_kind("duct-cut")
    assert t.root is not None
    region = t.root.removesuffix("-duct")
    assert {f"{region}-agg-1", f"{region}-agg-2"} <= set(t.nodes)
    assert any(n.endswith("-subs") for n in t.nodes)


def test_the_pop_goes_dark_after_the_battery() -> None:
    """pop-power: "UPS on battery" comes first, the routers' downs minutes later."""
    sc = scenario("pop-power")
    (t,) = sc.by_kind("pop-power")
    mine = [line for line in sc.lines if line["id"] in t.event_ids]
    checks = [(line["at"], a["check"] or "") for line in mine for a in alerts_of(line)]
    battery = [at for at, c in checks if c == "UPS on battery"]
    downs = [at for at, c in checks if "BGP session" in c or c.startswith("Interface xe-")]
    assert battery
    assert downs
    assert min(battery) + 500 < min(downs)


def test_a_fading_radio_makes_its_rural_site_flap() -> None:
    """microwave-fade: the radio's own warning, then repeated problems of the rural site."""
    sc = scenario("microwave-fade")
    (t,) = sc.by_kind("microwave-fade")
    assert t.root is not None
    assert t.root in t.nodes
    assert any("-rural-" in n for n in t.nodes)


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    gck.assert_oracle_clears_the_bar(scenario(label))


@pytest.mark.parametrize("label", ["storm", "probe-cut", "unplaced"])
def test_a_replay_lists_every_problem_event(label: str, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    gck.assert_replay_lists_every_problem(scenario(label), tmp_path)


@pytest.mark.parametrize("label", ["storm", "day", "concurrent", "flapping", "microwave-fade"])
def test_one_alert_is_in_one_incident_at_a_time(label: str) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first."""
    gck.assert_one_incident_per_alert_at_a_time(scenario(label))
