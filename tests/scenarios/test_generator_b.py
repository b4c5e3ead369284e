"""The second scenario generator itself: deterministic, valid payloads, consistent truth.

No replay here (quality figures come from ``tests/scenarios/report_b.py``); these checks are
fast so the suite stays quick.
"""

from __future__ import annotations

from functools import cache

import pytest

from scenarios import generator_b as gb
from scenarios import generator_checks as gck
from scenarios.generator import Scenario
from topology.load import load_yaml_text

LABELS = [*gb.FAULT_KINDS_B, "storm", "day"]


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per fault kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return gb.storm(1, 300)
    if label == "day":
        return gb.day(1, 300, faults=8, noise=6)
    return gb.single(1, label, 200)


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    gck.assert_same_scenarios(
        [lambda: gb.single(3, "group-lost", 200), lambda: gb.day(2, 300, 6, 4)]
    )
    assert gb.day(1, 300, 6, 4).alerts_jsonl() != gb.day(2, 300, 6, 4).alerts_jsonl()


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector, and the topology loads."""
    sc = scenario(label)
    gck.assert_payloads_parse(sc)
    load_yaml_text(sc.topology_yaml(), "generated.yaml")


@pytest.mark.parametrize("label", LABELS)
def test_truth_is_consistent_with_the_lines(label: str) -> None:
    """Lines are in time order with unique ids; truth events are exactly the problem lines."""
    sc = scenario(label)
    nodes = gck.assert_lines_match_truth(sc)
    for t in sc.truth:
        assert t.root in nodes  # every fault here is placed
        if t.inferred and t.kind_of_fault == "unmonitored":
            assert "monitored_as" not in nodes[t.root]


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    gck.assert_oracle_clears_the_bar(scenario(label))
