"""The checks every scenario generator's own tests make (determinism, valid payloads and
topology, truth that matches the lines, a bar a perfect correlator clears, a replay that
loses nothing). The generators stay independent of each other; only their tests share
these.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from connectors.base import ParseContext
from connectors.registry import connectors_by_name
from topology import cli as topology_cli

from . import metrics as met
from .generator import Scenario
from .metrics import alerts_of

ROOT = Path(__file__).resolve().parents[2]


def digest(sc: Scenario) -> str:
    """One hash of everything a scenario is: topology, lines and truth."""
    text = sc.topology_yaml() + sc.alerts_jsonl() + repr(sc.truth)
    return hashlib.sha256(text.encode()).hexdigest()


def assert_same_scenarios(makers: Sequence[Callable[[], Scenario]]) -> None:
    """Two calls of each maker give byte-identical files and the same truth."""
    for make in makers:
        a, b = make(), make()
        assert a.topology_yaml() == b.topology_yaml()
        assert a.alerts_jsonl() == b.alerts_jsonl()
        assert a.truth == b.truth


def assert_hash_seed_free(module: str, call: str, expected: Scenario) -> None:
    """``scenarios.<module>.<call>`` gives ``expected`` under two other PYTHONHASHSEEDs
    (no unordered set leaks into the output)."""
    code = (
        "import sys; sys.path.insert(0, 'tests');"
        f"from scenarios import {module} as g;"
        "from scenarios.generator_checks import digest;"
        f"print(digest(g.{call}))"
    )
    digests = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert digests == {digest(expected)}


def assert_payloads_parse(sc: Scenario) -> None:
    """Each replay line parses with its source's connector into at least one event."""
    registry = connectors_by_name()
    for line in sc.lines:
        ctx = ParseContext(received_at=line["at"], observer=line.get("observer"))
        assert registry[line["source"]].parse(line["payload"], ctx), line


def assert_topology_checks(sc: Scenario, tmp_path: Path) -> None:
    """``correlator topology check`` accepts the generated topology."""
    topology, _ = sc.write(tmp_path)
    assert topology_cli.main(["check", str(topology)]) == 0


def assert_lines_match_truth(sc: Scenario) -> dict[str, dict[str, Any]]:
    """Lines in time order with unique ids; the truth's events are exactly the problem
    lines; every placed root (and equivalent) is a node. Returns the nodes by id."""
    ats = [line["at"] for line in sc.lines]
    assert ats == sorted(ats)
    ids = [line["id"] for line in sc.lines]
    assert len(ids) == len(set(ids))
    problem = {line["id"] for line in sc.lines if any(a["problem"] for a in alerts_of(line))}
    assert sc.problem_event_ids() == problem
    nodes = {n["id"]: n for n in sc.topology["nodes"]}
    for t in sc.truth:
        assert t.event_ids
        if t.root is not None:
            assert t.root in nodes
            assert all(e in nodes for e in t.equivalent_roots)
    return nodes


def assert_oracle_clears_the_bar(sc: Scenario) -> None:
    """The truth's own incidents score 1.0 and meet every special case of the bar."""
    oracle = met.oracle_incidents(sc.truth)
    m = met.evaluate(oracle, sc.truth)
    assert m.root_accuracy == 1.0
    assert m.f1 == 1.0
    assert not met.shortfalls(m, oracle, storm=False)


def assert_replay_lists_every_problem(sc: Scenario, tmp_path: Path) -> None:
    """``correlator replay`` exits 0 and puts every problem event in some incident."""
    replay = importlib.import_module("correlator.replay").main
    incidents = met.replay(replay, sc, tmp_path)
    assert met.evaluate(incidents, sc.truth).missing_events == 0


def _recovers(line: dict[str, Any]) -> bool:
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


def assert_one_incident_per_alert_at_a_time(sc: Scenario) -> None:
    """No alert identity carries two true incidents at once: each episode recovers first
    (Alertmanager bodies aside: one carries many alerts)."""
    truth_of: dict[str, set[int]] = {}
    for k, t in enumerate(sc.truth):
        for e in t.event_ids:
            truth_of.setdefault(e, set()).add(k)
    state: dict[tuple[object, ...], set[int] | None] = {}
    for line in sc.lines:
        if line["source"] == "alertmanager":
            continue
        for a in alerts_of(line):
            key = (line["source"], *a["key"])
            if a["problem"]:
                now = state.get(key)
                assert now is None or now & truth_of[line["id"]], (key, line["id"])
                state[key] = truth_of[line["id"]]
            elif _recovers(line):
                state[key] = None
