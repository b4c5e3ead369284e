"""Scenario generator H itself: deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_h.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest

from scenarios import generator_checks as gck
from scenarios import generator_h as gh
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of

LABELS = [*gh.FAULT_KINDS_H, *gh.OTHER_KINDS_H, "storm", "day"]
INFERRED_KINDS = ("zone-outage", "dns-outage", "cdn-outage", "payments-api-down")
OWN_ALERT_KINDS = (
    "node-down",
    "bad-deploy",
    "db-failover",
    "db-down",
    "redis-down",
    "queue-lag",
    "ingress-pair-lost",
    "cert-expiry",
    "mesh-degraded",
    "noisy-neighbour",
    "prometheus-down",
)


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return gh.storm(1, 400)
    if label == "day":
        return gh.day(1, 300, faults=10, noise=8)
    return gh.single(1, label, 200)


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(gh.single, 3, "zone-outage", 200),
        partial(gh.storm, 2, 400),
        partial(gh.day, 2, 300, 8, 6),
    ]
    gck.assert_same_scenarios(makers)
    assert gh.day(1, 300, 8, 6).alerts_jsonl() != gh.day(2, 300, 8, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    gck.assert_hash_seed_free("generator_h", "day(4, 300, 10, 8)", gh.day(4, 300, 10, 8))


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    gck.assert_payloads_parse(scenario(label))


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("zone-outage" if label == "single" else label)
    gck.assert_topology_checks(sc, tmp_path)


def test_the_world_has_what_the_faults_need() -> None:
    """Unmonitored zones and externals, LB pairs, DB pairs, probes watching the checks."""
    w = gh.build_world(5, 600)
    nodes = w.nodes
    assert len(w.order) == len(set(w.order))
    assert 2 <= len(w.regions) <= 3
    for ext in ("ext-dns", "ext-cdn", "ext-payments"):
        assert not nodes[ext].monitored_as
        assert len(w.dependents(ext)) >= 2
    for r in w.regions:
        assert len(r.zones) == 3
        for z in r.zones:
            assert not nodes[z].monitored_as
            assert len(w.dependents(z)) >= 3
        assert nodes[r.prom].kind == "probe"
        assert (r.lbs[0], r.lbs[1]) in nodes[r.endpoint].deps
        for logical, a, b in r.dbs:
            assert nodes[logical].deps == [(a, b)]
            assert not nodes[logical].monitored_as
        assert 15 <= len(r.services) <= 60
        assert any(w.placement[s] == "multi" for s in r.services)
    for v in w.vantages:
        assert nodes[v].kind == "probe"
    entries = [e.lower() for n in nodes.values() for e in n.monitored_as]
    assert len(entries) == len(set(entries))


@pytest.mark.parametrize("label", LABELS)
def test_truth_is_consistent_with_the_lines(label: str) -> None:
    """Lines are in order with unique ids; every problem line belongs to a true incident."""
    sc = scenario(label)
    nodes = gck.assert_lines_match_truth(sc)
    kinds = {t.kind_of_fault for t in sc.truth}
    if label in gh.FAULT_KINDS_H or label in gh.OTHER_KINDS_H:
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
        if t.kind_of_fault in ("prometheus-down", "synthetics-down"):
            assert nodes[t.root]["kind"] == "probe"
            assert t.watched
        if t.kind_of_fault in OWN_ALERT_KINDS:
            assert not t.inferred, t
        if t.kind_of_fault == "maintenance":
            assert t.maintenance


def test_a_pair_lost_is_rooted_at_the_member_lost_first() -> None:
    """ingress-pair-lost: the root balancer alerts before its partner; both are in it."""
    sc = scenario("ingress-pair-lost")
    (t,) = sc.by_kind("ingress-pair-lost")
    assert t.root is not None
    partner = t.root[:-1] + ("2" if t.root.endswith("1") else "1")
    assert partner in t.nodes
    mine = [line for line in sc.lines if line["id"] in t.event_ids]
    hosts = [a["host"].split(".")[0].lower() for line in mine for a in alerts_of(line)]
    seen = [h for h in hosts if h in (t.root, partner)]
    assert seen[0] == t.root, seen


def test_alertmanager_bodies_carry_several_alerts() -> None:
    """Alertmanager groups by alertname/cluster/namespace: a zone outage's node alerts share
    a body."""
    sc = scenario("storm")
    sizes = [
        len(line["payload"]["alerts"]) for line in sc.lines if line["source"] == "alertmanager"
    ]
    assert max(sizes) >= 3


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    gck.assert_oracle_clears_the_bar(scenario(label))


@pytest.mark.parametrize("label", ["storm", "zone-outage", "unplaced"])
def test_a_replay_lists_every_problem_event(label: str, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    gck.assert_replay_lists_every_problem(scenario(label), tmp_path)


@pytest.mark.parametrize("label", ["storm", "day", "concurrent", "flapping"])
def test_one_alert_is_in_one_incident_at_a_time(label: str) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first."""
    gck.assert_one_incident_per_alert_at_a_time(scenario(label))
