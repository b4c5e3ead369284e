"""The third scenario generator itself: deterministic, valid payloads and topology, sane truth.

One small replay checks the plumbing (every problem event lands in some incident); the
quality figures come from ``tests/scenarios/report_c.py``.
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
from scenarios import generator_c as gc
from scenarios import metrics as met
from scenarios.generator import Scenario
from scenarios.metrics import alerts_of
from topology import cli as topology_cli

LABELS = [*gc.FAULT_KINDS_C, *gc.OTHER_KINDS_C, "storm", "day"]
INFERRED_KINDS = ("carrier", "riser", "az")


@cache
def scenario(label: str) -> Scenario:
    """One small scenario per kind, plus a storm and a day (built once, when used)."""
    if label == "storm":
        return gc.storm(1, 300)
    if label == "day":
        return gc.day(1, 300, faults=10, noise=12)
    return gc.single(1, label, 200)


def _digest(sc: Scenario) -> str:
    text = sc.topology_yaml() + sc.alerts_jsonl() + repr(sc.truth)
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_arguments_give_the_same_scenario() -> None:
    """Two calls with the same seed give byte-identical files and the same truth."""
    makers: list[Callable[[], Scenario]] = [
        partial(gc.single, 3, "cluster-lost", 200),
        partial(gc.day, 2, 300, 6, 6),
    ]
    for make in makers:
        a, b = make(), make()
        assert a.topology_yaml() == b.topology_yaml()
        assert a.alerts_jsonl() == b.alerts_jsonl()
        assert a.truth == b.truth
    assert gc.day(1, 300, 6, 6).alerts_jsonl() != gc.day(2, 300, 6, 6).alerts_jsonl()


def test_the_hash_seed_changes_nothing() -> None:
    """A run under another PYTHONHASHSEED gives the same bytes (no unordered set leaks)."""
    code = (
        "import sys; sys.path.insert(0, 'tests');"
        "from scenarios import generator_c as gc;"
        "from scenarios.test_generator_c import _digest;"
        "print(_digest(gc.day(4, 300, 8, 8)))"
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
    assert digests == {_digest(gc.day(4, 300, 8, 8))}


@pytest.mark.parametrize("label", LABELS)
def test_every_payload_is_accepted_by_its_connector(label: str) -> None:
    """Each replay line parses with its source's connector."""
    sc = scenario(label)
    registry = connectors_by_name()
    for line in sc.lines:
        ctx = ParseContext(received_at=line["at"], observer=line.get("observer"))
        registry[line["source"]].parse(line["payload"], ctx)


@pytest.mark.parametrize("label", ["single", "storm", "day"])
def test_the_topology_passes_topology_check(label: str, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    sc = scenario("riser" if label == "single" else label)
    topology, _ = sc.write(tmp_path)
    assert topology_cli.main(["check", str(topology)]) == 0


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
    if label in gc.FAULT_KINDS_C or label in gc.OTHER_KINDS_C:
        assert label in kinds
    for t in sc.truth:
        assert t.event_ids
        if t.kind_of_fault == "unplaced":
            assert t.root is None
            continue
        assert t.root in nodes
        assert all(e in nodes for e in t.equivalent_roots)
        if t.kind_of_fault in INFERRED_KINDS:
            assert t.inferred
            assert "monitored_as" not in nodes[t.root]
            assert len(t.nodes) >= 2
        else:
            assert not t.inferred, t  # a monitored root (probes too) always alerts itself
        if t.kind_of_fault == "probe":
            assert nodes[t.root]["kind"] == "probe"


@pytest.mark.parametrize("label", LABELS)
def test_a_perfect_correlator_clears_the_bar(label: str) -> None:
    """The oracle's incidents score 1.0 and meet every special case of the bar."""
    sc = scenario(label)
    oracle = met.oracle_incidents(sc.truth)
    m = met.evaluate(oracle, sc.truth)
    assert m.root_accuracy == 1.0
    assert m.f1 == 1.0
    assert not met.shortfalls(m, oracle, storm=False)


@pytest.mark.parametrize("label", ["storm", "riser", "unplaced"])
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


@pytest.mark.parametrize("label", ["storm", "day"])
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
