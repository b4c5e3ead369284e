# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Reports over a chosen period: how fast people answer, how much noise the correlator removes.

For ``[since, until)``:

* **MTTA** (opened -> first acknowledgement) over the incidents *acknowledged* in the
  period, and **MTTR** (opened -> resolved) over the incidents *resolved* in the period,
  each overall, per team and per priority: count, mean, median and 90th percentile
  (nearest rank), in seconds. The first acknowledgement is the earliest of dispatch's
  memory (``acknowledged_at`` and the SLA clock's response time) and the history's
  ``acknowledged`` steps (see :func:`correlator.serve.handover.acknowledgement_of`).
* **alerts in vs incidents out**: alerts first seen in the period, incidents opened in it,
  their ratio, and the same per hour (``hourly``: every hour of the period, alerts by
  ``first_seen``, incidents by ``opened_at``) for the NOC page's chart.
* **top noisy checks**: per (source, check) the alerts first seen in the period, on how
  many hosts, how many events (state changes; an alert without a per-alert count is one)
  and in how many incidents.

A merged incident (``merged_into`` set) is not an incident of its own: its alerts went to
the incident that absorbed it, and it is counted in none of the figures. Pure
(:func:`build_report`) with a thin loader (:func:`load_report`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from correlator.dispatch.priority import Priority
from correlator.serve.handover import (
    IncidentFacts,
    acknowledgement_of,
    format_time,
    markdown_table,
    merged_into_of,
    opened_at_of,
    plural,
    priority_of,
    resolved_at_of,
    team_of,
)
from correlator.store.protocol import Store

HOUR: Final = 3600.0
TOP_CHECKS: Final = 10
"""How many noisy checks a report lists."""
HOST_CHECK: Final = "(host)"
"""The check name shown for host-level alerts (no check)."""


@dataclass(frozen=True, slots=True)
class Durations:
    """Summary of a set of durations in seconds (None when there are none)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, samples: Iterable[float]) -> Durations:
        """The summary of ``samples`` (p90 by nearest rank)."""
        values = sorted(samples)
        if not values:
            return cls(0, None, None, None)
        rank = max(1, math.ceil(0.9 * len(values)))
        return cls(
            count=len(values),
            mean=statistics.fmean(values),
            median=statistics.median(values),
            p90=values[rank - 1],
        )


@dataclass(frozen=True, slots=True)
class Timing:
    """One measure (MTTA or MTTR) overall, per team and per priority."""

    overall: Durations
    by_team: Mapping[str, Durations]
    by_priority: Mapping[str, Durations]


@dataclass(frozen=True, slots=True)
class NoisyCheck:
    """One check's noise in the period."""

    source: str
    check: str
    hosts: int
    alerts: int
    events: int
    incidents: int


@dataclass(frozen=True, slots=True)
class HourBucket:
    """Alerts in and incidents out in the hour starting at ``hour`` (epoch seconds)."""

    hour: float
    alerts: int
    incidents: int


@dataclass(frozen=True, slots=True)
class Report:
    """The report of ``[since, until)``."""

    since: float
    until: float
    alerts: int
    incidents: int
    mtta: Timing
    mttr: Timing
    noisy_checks: tuple[NoisyCheck, ...]
    hourly: tuple[HourBucket, ...]

    @property
    def alerts_per_incident(self) -> float | None:
        """Alerts in per incident out (None: no incident in the period)."""
        return self.alerts / self.incidents if self.incidents else None

    @property
    def noise_reduction(self) -> float | None:
        """The share of alerts that did not become an incident of their own (None: no alert)."""
        return max(0.0, 1.0 - self.incidents / self.alerts) if self.alerts else None


@dataclass(frozen=True, slots=True)
class _Alert:
    incident: str
    source: str
    host: str
    check: str
    first_seen: float
    events: int


def _events(alert: Mapping[str, Any]) -> int:
    value = alert.get("events")
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return max(1, value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return max(1, len(value))
    return 1


def _alerts_of(body: Mapping[str, Any]) -> list[_Alert]:
    found: list[_Alert] = []
    for alert in body.get("alerts") or ():
        if not isinstance(alert, Mapping):
            continue
        first_seen = alert.get("first_seen")
        if isinstance(first_seen, bool) or not isinstance(first_seen, int | float):
            continue
        found.append(
            _Alert(
                incident=str(body["id"]),
                source=str(alert.get("source") or "unknown"),
                host=str(alert.get("host") or ""),
                check=str(alert.get("check") or HOST_CHECK),
                first_seen=float(first_seen),
                events=_events(alert),
            )
        )
    return found


def _timing(samples: Sequence[tuple[str, Priority, float]]) -> Timing:
    teams: dict[str, list[float]] = {}
    priorities: dict[str, list[float]] = {}
    for team, priority, value in samples:
        teams.setdefault(team, []).append(value)
        priorities.setdefault(priority.value, []).append(value)
    return Timing(
        overall=Durations.of(v for _, _, v in samples),
        by_team={t: Durations.of(teams[t]) for t in sorted(teams)},
        by_priority={
            p.value: Durations.of(priorities[p.value]) for p in Priority if p.value in priorities
        },
    )


def build_report(
    incidents: Iterable[IncidentFacts], *, since: float, until: float, top: int = TOP_CHECKS
) -> Report:
    """The report of ``[since, until)`` from the stored facts (see the module docstring)."""

    def in_period(at: float) -> bool:
        return since <= at < until

    acks: list[tuple[str, Priority, float]] = []
    repairs: list[tuple[str, Priority, float]] = []
    alerts: dict[tuple[str, str, str, float], _Alert] = {}
    incident_count = 0
    hours: dict[float, list[int]] = {}
    for facts in incidents:
        body = facts.body
        if merged_into_of(body) is not None:
            continue
        team, priority = team_of(facts), priority_of(body)
        opened = opened_at_of(body)
        if in_period(opened):
            incident_count += 1
            hours.setdefault(_hour(opened), [0, 0])[1] += 1
        _, acked = acknowledgement_of(facts)
        if acked is not None and in_period(acked):
            acks.append((team, priority, max(0.0, acked - opened)))
        resolved = resolved_at_of(body)
        if resolved is not None and in_period(resolved):
            repairs.append((team, priority, max(0.0, resolved - opened)))
        for alert in _alerts_of(body):
            if in_period(alert.first_seen):
                alerts.setdefault((alert.source, alert.host, alert.check, alert.first_seen), alert)
    for alert in alerts.values():
        hours.setdefault(_hour(alert.first_seen), [0, 0])[0] += 1
    return Report(
        since=since,
        until=until,
        alerts=len(alerts),
        incidents=incident_count,
        mtta=_timing(acks),
        mttr=_timing(repairs),
        noisy_checks=_noisy(alerts.values(), top),
        hourly=tuple(HourBucket(hour, *hours.get(hour, (0, 0))) for hour in _hours(since, until)),
    )


def _hour(at: float) -> float:
    return math.floor(at / HOUR) * HOUR


def _hours(since: float, until: float) -> list[float]:
    """The start of every hour that overlaps ``[since, until)``."""
    first = _hour(since)
    count = max(0, math.ceil((until - first) / HOUR))
    return [first + i * HOUR for i in range(count)]


def _noisy(alerts: Iterable[_Alert], top: int) -> tuple[NoisyCheck, ...]:
    groups: dict[tuple[str, str], list[_Alert]] = {}
    for alert in alerts:
        groups.setdefault((alert.source, alert.check), []).append(alert)
    checks = [
        NoisyCheck(
            source=source,
            check=check,
            hosts=len({a.host for a in members}),
            alerts=len(members),
            events=sum(a.events for a in members),
            incidents=len({a.incident for a in members}),
        )
        for (source, check), members in groups.items()
    ]
    checks.sort(key=lambda c: (-c.alerts, -c.events, -c.hosts, c.source, c.check))
    return tuple(checks[:top])


def _relevant(body: Mapping[str, Any], since: float, until: float) -> bool:
    """Whether the incident may have been acknowledged in the period (its history is read)."""
    opened = opened_at_of(body)
    resolved = resolved_at_of(body)
    return opened < until and (resolved is None or resolved >= since)


async def load_report(store: Store, *, since: float, until: float) -> Report:
    """Read the incidents (and the history of those open in the period) and build the report.

    Raises :class:`correlator.store.protocol.StoreError` when the store fails.
    """
    facts: list[IncidentFacts] = []
    for snapshot in await store.incidents():
        body = snapshot.body
        if merged_into_of(body) is None and _relevant(body, since, until):
            facts.append(IncidentFacts(body, tuple(await store.history(snapshot.id))))
        else:
            facts.append(IncidentFacts(body))
    return build_report(facts, since=since, until=until)


# --------------------------------------------------------------------------------------
# Renderings
# --------------------------------------------------------------------------------------


def _durations_json(d: Durations) -> dict[str, Any]:
    return {"count": d.count, "mean": d.mean, "median": d.median, "p90": d.p90}


def _timing_json(t: Timing) -> dict[str, Any]:
    return {
        "overall": _durations_json(t.overall),
        "by_team": {k: _durations_json(v) for k, v in t.by_team.items()},
        "by_priority": {k: _durations_json(v) for k, v in t.by_priority.items()},
    }


def report_json(r: Report) -> dict[str, Any]:
    """The report as a JSON object (what ``GET /api/v1/reports`` returns); durations in
    seconds, ``null`` where there is nothing to measure."""
    return {
        "since": r.since,
        "until": r.until,
        "alerts": r.alerts,
        "incidents": r.incidents,
        "alerts_per_incident": r.alerts_per_incident,
        "noise_reduction": r.noise_reduction,
        "mtta": _timing_json(r.mtta),
        "mttr": _timing_json(r.mttr),
        "noisy_checks": [
            {
                "source": c.source,
                "check": c.check,
                "hosts": c.hosts,
                "alerts": c.alerts,
                "events": c.events,
                "incidents": c.incidents,
            }
            for c in r.noisy_checks
        ],
        "hourly": [
            {"hour": b.hour, "alerts": b.alerts, "incidents": b.incidents} for b in r.hourly
        ],
    }


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.0f}s"
    if value < 3600:
        return f"{value / 60:.1f}min"
    return f"{value / 3600:.1f}h"


def _timing_rows(t: Timing) -> list[list[str]]:
    rows = [["overall", *_duration_cells(t.overall)]]
    rows.extend([f"priority {k}", *_duration_cells(v)] for k, v in t.by_priority.items())
    rows.extend([f"team {k}", *_duration_cells(v)] for k, v in t.by_team.items())
    return rows


def _duration_cells(d: Durations) -> list[str]:
    return [str(d.count), _seconds(d.mean), _seconds(d.median), _seconds(d.p90)]


def report_markdown(r: Report) -> str:
    """The report as Markdown (what ``correlator report --format markdown`` prints)."""
    ratio = r.alerts_per_incident
    reduction = r.noise_reduction
    lines = [
        f"# Report {format_time(r.since)} to {format_time(r.until)} UTC",
        "",
        f"{plural(r.alerts, 'alert', 'alerts')} in,"
        f" {plural(r.incidents, 'incident', 'incidents')} out"
        + (f": {ratio:.1f} alerts per incident" if ratio is not None else "")
        + (f", {reduction:.0%} noise reduction" if reduction is not None else "")
        + ".",
        "",
    ]
    headers = ("", "count", "mean", "median", "p90")
    for title, timing in (
        ("MTTA (opened to first acknowledgement)", r.mtta),
        ("MTTR (opened to resolved)", r.mttr),
    ):
        lines.extend([f"## {title}", "", *markdown_table(headers, _timing_rows(timing)), ""])
    lines.extend(["## Top noisy checks", ""])
    if r.noisy_checks:
        lines.extend(
            markdown_table(
                ("source", "check", "hosts", "alerts", "events", "incidents"),
                (
                    [
                        c.source,
                        c.check,
                        str(c.hosts),
                        str(c.alerts),
                        str(c.events),
                        str(c.incidents),
                    ]
                    for c in r.noisy_checks
                ),
            )
        )
    else:
        lines.append("No alert in the period.")
    lines.extend(["", "## Per hour", ""])
    lines.extend(
        markdown_table(
            ("hour (UTC)", "alerts", "incidents"),
            ([format_time(b.hour), str(b.alerts), str(b.incidents)] for b in r.hourly),
        )
    )
    lines.append("")
    return "\n".join(lines)
