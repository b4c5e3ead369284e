"""What report_b.py and report_c.py share: replay a generator's scenario families through
``correlator replay``, judge them with ``metrics`` and print the figures, with each wrong
root tagged by a coarse failure pattern (see ``pattern``).

Pattern F (another incident rooted right holds all the fault's events) is mostly the
metric's majority rule meeting an Alertmanager body that carries alerts of two incidents:
read it as "grouped right, counted wrong".
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from . import metrics as met
from .generator import Scenario


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def _also(f: met.FaultReport, incidents: list[dict[str, Any]]) -> str:
    """When the root is judged wrong, whether another incident names the true root anyway.

    An Alertmanager body carries every firing alert of its group, so one line can belong to
    two faults; the majority rule may then pick the other fault's incident.
    """
    if f.root_ok:
        return ""
    events = set(f.truth.event_ids)
    for inc in incidents:
        if f.truth.accepts(inc.get("root_cause")):
            n = len(events & set(inc.get("events") or ()))
            if n:
                return f"  (also: {inc.get('id')} rooted right holds {n}/{len(events)})"
    return ""


def _below(topology: dict[str, Any], start: str) -> set[str]:
    """Every node ``start`` depends on, transitively (``any_of`` members included)."""
    deps: dict[str, list[str]] = {}
    for n in topology["nodes"]:
        out: list[str] = []
        for d in n.get("depends_on", ()):
            out.extend([d] if isinstance(d, str) else d["any_of"])
        deps[n["id"]] = out
    seen: set[str] = set()
    stack = [start]
    while stack:
        for d in deps.get(stack.pop(), ()):
            if d not in seen:
                seen.add(d)
                stack.append(d)
    return seen


def pattern(sc: Scenario, f: met.FaultReport, incidents: list[dict[str, Any]]) -> str:
    """A coarse failure pattern for a fault whose majority incident names a wrong root."""
    t = f.truth
    got = None if f.majority is None else f.majority.get("root_cause")
    inferred = bool(f.majority and f.majority.get("root_cause_inferred"))
    nodes = {n["id"]: n for n in sc.topology["nodes"]}
    monitored = got in nodes and "monitored_as" in nodes[got]
    events = set(t.event_ids)
    right_elsewhere = any(
        t.accepts(i.get("root_cause")) and events <= set(i.get("events") or ()) for i in incidents
    )
    if right_elsewhere:
        return "F: another incident with the right root holds all its events (shared AM body)"
    if got is None:
        return "G: unplaced"
    if t.kind_of_fault == "noise":
        return "N: a background warning absorbed into another fault's incident"
    below_truth = _below(sc.topology, t.root) if t.root else set()
    if got in below_truth and inferred and monitored:
        return "A: a quiet, monitored common dependency named as inferred root"
    if got in below_truth and inferred:
        return "B: an unmonitored dependency preferred to the alerting root"
    if got in below_truth:
        return "C: an alerting dependency that did not cause it absorbs it"
    if t.root in _below(sc.topology, got):
        return "D: rooted at a symptom above the true root"
    if nodes.get(got, {}).get("kind") == "probe":
        return "E1: blamed on a probe with no evidence it failed"
    return "E: rooted at a node unrelated to the true root"


def run(
    argv: list[str] | None,
    *,
    description: str,
    generator: ModuleType,
    kinds: Sequence[str],
    sizes: tuple[int, int, int],
) -> int:
    """The report: ``generator``'s ``single``/``storm``/``day`` families replayed and judged;
    ``sizes`` are the default topology sizes of the three families."""
    single_nodes, storm_nodes, day_nodes = sizes
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--family", default="single,storm,day")
    ap.add_argument("--kinds", default=",".join(kinds))
    ap.add_argument("--nodes", type=int, default=0, help="override the topology size")
    ap.add_argument("--quiet", action="store_true", help="no per-fault lines")
    ap.add_argument("--keep", default="", help="keep the scenario files under this folder")
    args = ap.parse_args(argv)
    replay: Callable[[list[str]], int] = importlib.import_module("correlator.replay").main
    seeds = _seeds(args.seeds)
    jobs: list[tuple[str, Callable[[], Scenario]]] = []
    for fam in args.family.split(","):
        for seed in seeds:
            if fam == "single":
                for kind in args.kinds.split(","):
                    jobs.append(
                        (
                            f"single-{kind}",
                            partial(generator.single, seed, kind, args.nodes or single_nodes),
                        )
                    )
            elif fam == "storm":
                jobs.append(("storm", partial(generator.storm, seed, args.nodes or storm_nodes)))
            elif fam == "day":
                jobs.append(("day", partial(generator.day, seed, args.nodes or day_nodes)))
    fam_figs: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    kind_hits: dict[str, list[bool]] = defaultdict(list)
    patterns: dict[str, list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        base = Path(args.keep or tmp)
        for fam, make in jobs:
            sc = make()
            where = f"{fam}-{sc.seed}-{sc.stats['nodes']}"
            incidents = met.replay(replay, sc, base / where)
            m = met.evaluate(incidents, sc.truth)
            fam_figs[fam].append((m.root_accuracy, m.f1, m.reduction))
            for f in m.faults:
                kind_hits[f.truth.kind_of_fault].append(f.root_ok)
                if not f.root_ok:
                    got = f.majority.get("root_cause") if f.majority else None
                    patterns[pattern(sc, f, incidents)].append(
                        f"{where} {f.truth.kind_of_fault} {f.truth.root} -> {got} "
                        f"({f.truth.event_ids[0]})"
                    )
            print(f"{fam:26s} seed={sc.seed:<3d} lines={len(sc.lines):5d} {m.summary()}")
            if not args.quiet:
                for f in m.faults:
                    if not f.root_ok or not f.one_incident:
                        ids = ",".join(f.truth.event_ids[:4])
                        print(f"    {f.describe()}  first-events={ids}{_also(f, incidents)}")
                for s in met.shortfalls(m, incidents, storm=False):
                    if s.startswith(("pages", "maintenance", "flapping", "probe")):
                        print(f"    ! {s}")
    print("\nper family (mean over seeds):")
    for fam, figs in fam_figs.items():
        n = len(figs)
        r, f1, red = (sum(x[i] for x in figs) / n for i in range(3))
        print(f"  {fam:26s} n={n:3d} root={r:.3f} F1={f1:.3f} reduction={red:.3f}")
    print("\nper fault kind (root right / true incidents):")
    for kind, hits in sorted(kind_hits.items()):
        print(f"  {kind:20s} {sum(hits):4d}/{len(hits):<4d} {sum(hits) / len(hits):.3f}")
    print("\nwrong roots by pattern:")
    for name, cases in sorted(patterns.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(cases):4d}  {name}")
        for c in cases[:3]:
            print(f"          e.g. {c}")
    return 0
