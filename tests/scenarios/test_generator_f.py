"""The sixth scenario generator itself: deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_f.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest

from scenarios import generator_checks as gck
from scenarios import generator_f as gf
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of

LABELS = [*gf.FAULT_KINDS_F, *gf.OTHER_KINDS_F, "storm", "day"]
INFERRED_KINDS = ("store-power", "acquirer-outage", "cdn-outage")
PROBE_KINDS = ("proxy-cut", "vantage-cut")
OWN_ALERT_KINDS = (
    "store-broadband",
    "store-switch",
    "db-failover",
    "db-both",
    "k8s-node",
    "svc-slow",
    "mq-down",
    "dc-core-pair",
    "wms-down",
    *PROBE_KINDS,
)


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return gf.storm(1, 1200)
    if label == "day":
        return gf.day(1, 900, faults=12, noise=10)
    return gf.single(1, label, 400)


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(gf.single, 3, "store-cut", 400),
        partial(gf.storm, 2, 1200),
        partial(gf.day, 2, 900, 8, 6),
    ]
    gck.assert_same_scenarios(makers)
    assert gf.day(1, 900, 8, 6).alerts_jsonl() != gf.day(2, 900, 8, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    gck.assert_hash_seed_free("generator_f", "day(4, 900, 10, 8)", gf.day(4, 900, 10, 8))


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    gck.assert_payloads_parse(scenario(label))


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("store-power" if label == "single" else label)
    gck.assert_topology_checks(sc, tmp_path)


def test_the_world_has_what_the_faults_need() -> None:
    """Stores on two links, unmonitored mains and acquirer, probes, redundant pairs."""
    w = gf.build_world(5, 2000)
    nodes = w.nodes
    assert len(w.order) == len(set(w.order))
    assert 1850 <= len(w.order) <= 2100
    assert len(w.stores) >= 100
    for s in w.stores:
        rtr = nodes[s.nodes["rtr"]]
        assert (s.nodes["bb"], s.nodes["lte"]) in rtr.deps
        assert not nodes[s.nodes["pwr"]].monitored_as
        assert nodes[s.proxy].kind == "probe"
        assert nodes[s.nodes["card"]].deps[1] == ("pay-acq-01", "pay-acq-02")
    assert any(w.monitored(s.nodes["bb"]) for s in w.stores)
    assert any(not w.monitored(s.nodes["bb"]) for s in w.stores)
    for ext in ("acquirer", "cdn"):
        assert not nodes[ext].monitored_as
    assert nodes["shop-db"].deps == [("shop-db-1", "shop-db-2")]
    for v in w.vantages:
        assert nodes[v].kind == "probe"
        assert any(c.observer == v for c in w.checks)
    for x in w.warehouses:
        assert nodes[x.probe].kind == "probe"
    entries = [e.lower() for n in nodes.values() for e in n.monitored_as]
    assert len(entries) == len(set(entries))


@pytest.mark.parametrize("label", LABELS)
def test_truth_is_consistent_with_the_lines(label: str) -> None:
    """Lines are in order with unique ids; every problem line belongs to a true incident."""
    sc = scenario(label)
    nodes = gck.assert_lines_match_truth(sc)
    kinds = {t.kind_of_fault for t in sc.truth}
    if label in gf.FAULT_KINDS_F or label in gf.OTHER_KINDS_F:
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
            assert len(t.nodes) >= 2
        if t.kind_of_fault in PROBE_KINDS:
            assert nodes[t.root]["kind"] == "probe"
            assert t.watched
        if t.kind_of_fault in OWN_ALERT_KINDS:
            assert not t.inferred, t
        if t.kind_of_fault == "maintenance":
            assert t.maintenance


def test_a_store_cut_is_rooted_at_the_link_lost_first() -> None:
    """store-cut: a monitored first link alerts before anything else in the store; an
    unmonitored one leaves the other link, router, UPS and mains as equivalent roots."""
    for seed in range(1, 7):
        sc = gf.single(seed, "store-cut", 400)
        (t,) = sc.by_kind("store-cut")
        assert t.root is not None
        code = t.root.split("-")[0]
        if t.inferred:
            assert set(t.equivalent_roots) == {
                f"{code}-{x}" for x in ("bb", "lte", "rtr", "ups", "pwr")
            } - {t.root}
        else:
            first = next(line for line in sc.lines if line["id"] == t.event_ids[0])
            (a,) = alerts_of(first)
            assert a["check"].startswith("SD-WAN: transport")


def test_a_power_cut_leaves_the_comms_cabinet_up_at_first() -> None:
    """store-power: the lanes, server, APs or ESL gateway go down before router and switch."""
    sc = scenario("store-power")
    (t,) = sc.by_kind("store-power")
    assert t.root is not None
    code = t.root.split("-")[0]
    first = next(line for line in sc.lines if line["id"] == t.event_ids[0])
    hosts = [a["host"].split(".")[0].lower() for a in alerts_of(first)]
    assert hosts
    assert all(h not in (f"{code}-rtr", f"{code}-sw") for h in hosts)


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    gck.assert_oracle_clears_the_bar(scenario(label))


@pytest.mark.parametrize("label", ["storm", "acquirer-outage", "unplaced"])
def test_a_replay_lists_every_problem_event(label: str, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    gck.assert_replay_lists_every_problem(scenario(label), tmp_path)


@pytest.mark.parametrize("label", ["storm", "day", "concurrent"])
def test_one_alert_is_in_one_incident_at_a_time(label: str) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first."""
    gck.assert_one_incident_per_alert_at_a_time(scenario(label))
