"""The second scenario generator itself: deterministic, valid payloads, consistent truth.

No replay here (quality figures come from ``tests/scenarios/report_b.py``); these checks are
fast so the suite stays quick.
"""

from __future__ import annotations

import pytest

from connectors.base import ParseContext
from connectors.registry import connectors_by_name
from scenarios import generator_b as gb
from scenarios import metrics as met
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of
from topology.load import load_yaml_text


def _all() -> list[Scenario]:
    out = [gb.single(1, kind, 200) for kind in gb.FAULT_KINDS_B]
    out.append(gb.storm(1, 300))
    out.append(gb.day(1, 300, faults=8, noise=6))
    return out


SCENARIOS = _all()


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    for make in (lambda: gb.single(3, "group-lost", 200), lambda: gb.day(2, 300, 6, 4)):
        a, b = make(), make()
        assert a.topology_yaml() == b.topology_yaml()
        assert a.alerts_jsonl() == b.alerts_jsonl()
        assert a.truth == b.truth
    assert gb.day(1, 300, 6, 4).alerts_jsonl() != gb.day(2, 300, 6, 4).alerts_jsonl()


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda s: f"{s.stats['family']}-{s.seed}")
def test_every_payload_is_accepted_by_its_connector(sc: Scenario) -> None:
    """Each replay line parses with its source's connector, and the topology loads."""
    registry = connectors_by_name()
    for line in sc.lines:
        ctx = ParseContext(received_at=line["at"], observer=line.get("observer"))
        registry[line["source"]].parse(line["payload"], ctx)
    load_yaml_text(sc.topology_yaml(), "generated.yaml")


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda s: f"{s.stats['family']}-{s.seed}")
def test_truth_is_consistent_with_the_lines(sc: Scenario) -> None:
    """Lines are in time order with unique ids; truth events are exactly the problem lines."""
    ats = [line["at"] for line in sc.lines]
    assert ats == sorted(ats)
    ids = [line["id"] for line in sc.lines]
    assert len(ids) == len(set(ids))
    problem = {line["id"] for line in sc.lines if any(a["problem"] for a in alerts_of(line))}
    assert sc.problem_event_ids() == problem
    nodes = {n["id"]: n for n in sc.topology["nodes"]}
    for t in sc.truth:
        assert t.event_ids
        assert t.root in nodes
        assert all(e in nodes for e in t.equivalent_roots)
        if t.inferred and t.kind_of_fault == "unmonitored":
            assert "monitored_as" not in nodes[t.root]


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda s: f"{s.stats['family']}-{s.seed}")
def test_a_perfect_correlator_clears_the_bar(sc: Scenario) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    oracle = met.oracle_incidents(sc.truth)
    m = met.evaluate(oracle, sc.truth)
    assert m.root_accuracy == 1.0
    assert m.f1 == 1.0
    assert not met.shortfalls(m, oracle, storm=False)
