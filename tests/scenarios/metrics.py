"""Judge replay output (specs/replay.md incidents) against generated ground truth.

Only the replay contract is read: each output incident's ``root_cause``,
``root_cause_inferred``, ``events`` and ``pages``. The unit is the *problem event* (an input
line that carried a problem: see :class:`generator.TrueIncident`); recoveries and notices
listed in ``events`` are ignored here.

- **root-cause accuracy**: share of true incidents whose *majority incident* (the output
  incident holding most of their problem events; ties go to the one opened first) names
  their root (or an equivalent one).
- **pairwise precision / recall / F1** over pairs of problem events: a pair is "together"
  in the truth when both belong to one true incident, and in the output when some output
  incident lists both. A line can belong to several incidents on either side (an
  Alertmanager body with several alerts); counting is exact for that case too.
- **incident reduction**: 1 - output incidents / problem events.
- **one-incident-per-fault rate**: share of true incidents whose problem events all sit in
  one output incident.
- **inferred-root recall**: share of true incidents with an inferred root whose majority
  incident names that root (or an equivalent) — marked inferred when it is the root itself.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .generator import Scenario, TrueIncident

ReplayMain = Callable[[list[str]], int]

PRTG_PROBLEM = {"Down", "Warning", "Unknown", "Unusual", "Paused by Dependency", "Down (Partial)"}


@dataclass(frozen=True, slots=True)
class FaultReport:
    """How the output treated one true incident."""

    truth: TrueIncident
    majority: Mapping[str, Any] | None  # the output incident holding most of its events
    share: float  # fraction of its problem events in the majority incident
    root_ok: bool
    one_incident: bool  # all its problem events in one output incident
    incidents: tuple[str, ...]  # ids of output incidents holding any of its events
    pages: int  # pages of those incidents, summed
    missing: int  # its problem events that no output incident lists

    def describe(self) -> str:
        t = self.truth
        got = None if self.majority is None else self.majority.get("root_cause")
        inf = None if self.majority is None else self.majority.get("root_cause_inferred")
        return (
            f"{t.kind_of_fault:16s} root={t.root} inferred={t.inferred} events={len(t.event_ids)} "
            f"-> majority root={got} inferred={inf} share={self.share:.2f} "
            f"incidents={len(self.incidents)} pages={self.pages} missing={self.missing}"
            f"{'' if self.root_ok else '  <-- WRONG ROOT'}"
        )


@dataclass(frozen=True, slots=True)
class Metrics:
    """Every figure of one replay, with the per-fault detail behind it."""

    root_accuracy: float
    precision: float
    recall: float
    f1: float
    incidents: int
    problem_events: int
    reduction: float
    one_incident_rate: float
    inferred_recall: float | None  # None when no true incident has an inferred root
    missing_events: int
    faults: tuple[FaultReport, ...]

    @property
    def incident_ratio(self) -> float:
        return self.incidents / self.problem_events if self.problem_events else 0.0

    def summary(self) -> str:
        inferred = "n/a" if self.inferred_recall is None else f"{self.inferred_recall:.3f}"
        return (
            f"root={self.root_accuracy:.3f} P={self.precision:.3f} R={self.recall:.3f} "
            f"F1={self.f1:.3f} incidents={self.incidents}/{self.problem_events} events "
            f"({self.incident_ratio:.1%}) reduction={self.reduction:.3f} "
            f"one-per-fault={self.one_incident_rate:.3f} inferred-recall={inferred} "
            f"missing={self.missing_events}"
        )

    def report(self) -> str:
        return "\n".join([self.summary(), *(f"  {f.describe()}" for f in self.faults)])


def read_incidents(path: Path) -> list[dict[str, Any]]:
    """The incidents a replay wrote, one JSON object a line."""
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _together(labels: Mapping[str, frozenset[Any]]) -> int:
    """Pairs of items whose label sets intersect (each item has >= 1 label)."""
    classes: Counter[frozenset[Any]] = Counter(labels.values())
    total = sum(_pairs(n) for n in classes.values())
    multi = [c for c in classes if len(c) > 1]
    if not multi:
        return total
    by_label: dict[Any, list[frozenset[Any]]] = defaultdict(list)
    for c in classes:
        for label in c:
            by_label[label].append(c)
    seen: set[frozenset[frozenset[Any]]] = set()
    for m in multi:
        partners = {c for label in m for c in by_label[label] if c != m}
        for c in partners:
            key = frozenset((m, c))
            if key in seen:
                continue
            seen.add(key)
            total += classes[m] * classes[c]
    return total


def _together_both(a: Mapping[str, frozenset[Any]], b: Mapping[str, frozenset[Any]]) -> int:
    """Pairs of items whose ``a`` sets intersect and whose ``b`` sets intersect."""
    joint: Counter[tuple[frozenset[Any], frozenset[Any]]] = Counter(
        (a[item], b[item]) for item in a
    )
    total = 0
    keys = list(joint)
    simple = [k for k in keys if len(k[0]) == 1 and len(k[1]) == 1]
    complex_ = [k for k in keys if not (len(k[0]) == 1 and len(k[1]) == 1)]
    for k in simple:
        total += _pairs(joint[k])
    # Two distinct simple classes never meet on both sides (single labels would be equal).
    for i, k in enumerate(complex_):
        total += _pairs(joint[k])
        for other in complex_[i + 1 :]:
            if k[0] & other[0] and k[1] & other[1]:
                total += joint[k] * joint[other]
        for other in simple:
            if k[0] & other[0] and k[1] & other[1]:
                total += joint[k] * joint[other]
    return total


def evaluate(incidents: Sequence[Mapping[str, Any]], truth: Sequence[TrueIncident]) -> Metrics:
    """Compare output incidents with the truth (see the module docstring)."""
    truth_of: dict[str, set[int]] = defaultdict(set)
    for k, t in enumerate(truth):
        for e in t.event_ids:
            truth_of[e].add(k)
    out_of: dict[str, set[int]] = defaultdict(set)
    for j, inc in enumerate(incidents):
        for e in inc.get("events") or ():
            if e in truth_of:
                out_of[e].add(j)
    # Events in no output incident each get a label of their own: never "together".
    t_labels = {e: frozenset(ks) for e, ks in truth_of.items()}
    o_labels = {
        e: frozenset(out_of[e]) if out_of.get(e) else frozenset({("missing", e)}) for e in truth_of
    }
    true_pairs = _together(t_labels)
    out_pairs = _together(o_labels)
    both = _together_both(t_labels, o_labels)
    precision = both / out_pairs if out_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    reports: list[FaultReport] = []
    for t in truth:
        counts: Counter[int] = Counter()
        missing = 0
        for e in t.event_ids:
            if out_of.get(e):
                counts.update(out_of[e])
            else:
                missing += 1
        majority = None
        share = 0.0
        if counts:
            best = max(counts.values())
            j = min(j for j, n in counts.items() if n == best)
            majority = incidents[j]
            share = best / len(t.event_ids)
        root_ok = majority is not None and t.accepts(majority.get("root_cause"))
        one = missing == 0 and any(n == len(t.event_ids) for n in counts.values())
        ids = tuple(str(incidents[j].get("id", j)) for j in sorted(counts))
        pages = sum(int(incidents[j].get("pages") or 0) for j in counts)
        reports.append(FaultReport(t, majority, share, root_ok, one, ids, pages, missing))

    n = len(reports)
    inferred = [r for r in reports if r.truth.inferred]
    inferred_hits = [
        r
        for r in inferred
        if r.root_ok
        and r.majority is not None
        and (r.majority.get("root_cause") != r.truth.root or r.majority.get("root_cause_inferred"))
    ]
    problem_events = len(truth_of)
    return Metrics(
        root_accuracy=sum(r.root_ok for r in reports) / n if n else 1.0,
        precision=precision,
        recall=recall,
        f1=f1,
        incidents=len(incidents),
        problem_events=problem_events,
        reduction=1 - len(incidents) / problem_events if problem_events else 0.0,
        one_incident_rate=sum(r.one_incident for r in reports) / n if n else 1.0,
        inferred_recall=len(inferred_hits) / len(inferred) if inferred else None,
        missing_events=sum(1 for e in truth_of if not out_of.get(e)),
        faults=tuple(reports),
    )


def incidents_with(
    incidents: Iterable[Mapping[str, Any]], events: Iterable[str]
) -> list[Mapping[str, Any]]:
    """The output incidents that list any of ``events``."""
    wanted = set(events)
    return [inc for inc in incidents if wanted & set(inc.get("events") or ())]


def replay(main: ReplayMain, scenario: Scenario, directory: Path) -> list[dict[str, Any]]:
    """Write the scenario's files, run ``main`` as ``correlator replay`` would, read the output."""
    topology, alerts = scenario.write(directory)
    out = directory / "incidents.jsonl"
    argv = ["--topology", str(topology), "--alerts", str(alerts), "--out", str(out)]
    status = main(argv)
    if status != 0:
        raise AssertionError(f"replay exited with status {status} on {directory}")
    if not out.exists():
        raise AssertionError(f"replay wrote no {out}")
    return read_incidents(out)


@dataclass(frozen=True, slots=True)
class Bar:
    """The quality bar a replay must clear."""

    root_accuracy: float = 0.95
    f1: float = 0.95
    incident_ratio: float = 0.05  # incidents / problem events, judged on storms only


def shortfalls(
    metrics: Metrics,
    incidents: Sequence[Mapping[str, Any]],
    *,
    storm: bool,
    bar: Bar = Bar(),
) -> list[str]:
    """What falls short of ``bar`` and of the special cases (empty when the replay clears it).

    Special cases, per true incident: an inferred root is named (and marked inferred); a
    failed probe is the root and nobody is paged for the hosts it watched; maintenance never
    pages; a flapping check is one incident that pages at most once.
    """
    out = []
    if metrics.root_accuracy < bar.root_accuracy:
        out.append(f"root-cause accuracy {metrics.root_accuracy:.3f} < {bar.root_accuracy}")
    if metrics.f1 < bar.f1:
        out.append(f"pairwise F1 {metrics.f1:.3f} < {bar.f1}")
    if storm and metrics.incident_ratio > bar.incident_ratio:
        out.append(
            f"{metrics.incidents} incidents for {metrics.problem_events} problem events "
            f"({metrics.incident_ratio:.1%} > {bar.incident_ratio:.0%})"
        )
    if metrics.missing_events:
        out.append(f"{metrics.missing_events} problem events are in no incident")
    if metrics.inferred_recall is not None and metrics.inferred_recall < bar.root_accuracy:
        out.append(f"inferred-root recall {metrics.inferred_recall:.3f} < {bar.root_accuracy}")
    for f in metrics.faults:
        t = f.truth
        holding = incidents_with(incidents, t.event_ids)
        if t.kind_of_fault == "probe":
            if not f.root_ok:
                out.append(f"probe failure not rooted at the probe: {f.describe()}")
            watched = set(t.watched)
            paged = [i for i in holding if i.get("root_cause") in watched and i.get("pages")]
            if paged:
                names = ", ".join(f"{i.get('id')}@{i.get('root_cause')}" for i in paged)
                out.append(f"pages for hosts a failed probe watched ({t.root}): {names}")
        if t.maintenance and f.pages:
            out.append(f"maintenance paged {f.pages} time(s): {f.describe()}")
        if t.kind_of_fault == "flapping" and (not f.one_incident or f.pages > 1):
            out.append(f"flapping check not one incident paging at most once: {f.describe()}")
    return out


def oracle_incidents(truth: Sequence[TrueIncident]) -> list[dict[str, Any]]:
    """What a perfect correlator would write (problem events only): for testing the plumbing."""
    out = []
    for n, t in enumerate(sorted(truth, key=lambda t: (t.started_at, t.event_ids[0])), start=1):
        out.append(
            {
                "id": f"INC-{n:06d}",
                "root_cause": t.root,
                "root_cause_inferred": t.inferred,
                "events": list(t.event_ids),
                "pages": 0 if t.maintenance else 1,
            }
        )
    return out


def alerts_of(line: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Host, check, address, observer, identity and problem-ness of each alert of a replay line.

    Read straight from specs/ingest-formats.md, independently of the generator.
    """
    p = line["payload"]
    src = line["source"]
    if src == "nagios":
        return [
            {
                "host": p["HOSTNAME"],
                "check": p.get("SERVICEDESC"),
                "address": p.get("HOSTADDRESS"),
                "observer": line.get("observer"),
                "problem": p["NOTIFICATIONTYPE"] == "PROBLEM",
                "key": (p["HOSTNAME"], p.get("SERVICEDESC")),
            }
        ]
    if src == "icinga":
        if p["type"] not in ("StateChange", "Notification"):
            return []
        problem = (
            p["state"] != 0 if p["type"] == "StateChange" else p["notification_type"] == "Problem"
        )
        return [
            {
                "host": p["host"],
                "check": p.get("service"),
                "address": None,
                "observer": line.get("observer"),
                "problem": problem,
                "key": (p["host"], p.get("service")),
            }
        ]
    if src == "zabbix":
        return [
            {
                "host": p["host"],
                "check": p["trigger_name"],
                "address": p["host_ip"] or None,
                "observer": p["proxy"] or None,
                "problem": p["event_value"] == "1" and p["event_update_status"] == "0",
                "key": (p["trigger_id"], p["host"]),
            }
        ]
    if src == "prtg":
        return [
            {
                "host": p["device"],
                "check": p["sensor"],
                "address": p["host"],
                "observer": p["probe"],
                "problem": p["status"] in PRTG_PROBLEM,
                "key": (p["sensorid"],),
            }
        ]
    out = []
    for a in p["alerts"]:
        host = a["labels"]["instance"].rsplit(":", 1)[0]
        out.append(
            {
                "host": host,
                "check": a["labels"]["alertname"],
                "address": host if re.fullmatch(r"[\d.]+", host) else None,
                "observer": a["labels"].get("prometheus"),
                "problem": a["status"] == "firing",
                "key": (a["fingerprint"],),
            }
        )
    return out
