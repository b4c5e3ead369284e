# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Reports: MTTA, MTTR, alerts in versus incidents out, noisy checks, per-hour buckets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from correlator.clock import ManualClock
from correlator.dispatch.priority import Priority
from correlator.dispatch.service import MEMORY_KEY, IncidentMemory
from correlator.dispatch.sla import SlaClock
from correlator.serve.handover import IncidentFacts
from correlator.serve.reports import (
    Durations,
    Report,
    build_report,
    load_report,
    report_json,
    report_markdown,
)
from correlator.store.protocol import HistoryEntry, HistoryStep, IncidentSnapshot
from correlator.store.sqlite import SqliteStore

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
H = 3600.0
SINCE = T0
UNTIL = T0 + 4 * H


def iid(number: int) -> str:
    return f"INC-{number:06d}"


def alert(host: str, check: str | None, first_seen: float, **extra: Any) -> dict[str, Any]:
    return {
        "source": "nagios",
        "source_id": f"{host}/{check}",
        "host": host,
        "check": check,
        "node": host,
        "severity": "critical",
        "first_seen": first_seen,
        "resolved_at": None,
        **extra,
    }


def body(
    number: int,
    *,
    opened: float,
    resolved: float | None = None,
    priority: str = "P3",
    team: str = "net",
    alerts: list[dict[str, Any]] | None = None,
    merged_into: str | None = None,
    memory: IncidentMemory | None = None,
) -> dict[str, Any]:
    """An incident record as incident_json writes it (plus dispatch's memory)."""
    doc: dict[str, Any] = {
        "id": iid(number),
        "opened_at": opened,
        "resolved_at": resolved,
        "root_cause": "sw-1",
        "root_cause_inferred": False,
        "title": "sw-1 down",
        "priority": priority,
        "team": team,
        "nodes": ["sw-1"],
        "alerts": alerts if alerts is not None else [],
        "events": [],
        "pages": 0,
        "status": "open" if resolved is None else "resolved",
        "flapping": False,
        "maintenance": False,
        "priority_reason": "",
        "explanation": [],
        "updated_at": resolved if resolved is not None else opened,
    }
    if merged_into is not None:
        doc["merged_into"] = merged_into
    if memory is not None:
        doc[MEMORY_KEY] = memory.to_json()
    return doc


def acked(number: int, at: float, team: str = "noc") -> IncidentMemory:
    return IncidentMemory(iid(number), team=team, acknowledged_by="alice", acknowledged_at=at)


def report(*facts: IncidentFacts, **kwargs: Any) -> Report:
    return build_report(facts, since=SINCE, until=UNTIL, **kwargs)


def test_durations_summary_with_nearest_rank_p90() -> None:
    """Count, mean, median and the nearest-rank 90th percentile of a set of durations."""
    d = Durations.of([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 1000.0])
    assert (d.count, d.mean, d.median, d.p90) == (10, 145.0, 55.0, 90.0)
    assert Durations.of([5.0]) == Durations(1, 5.0, 5.0, 5.0)
    assert Durations.of([]) == Durations(0, None, None, None)


def test_mtta_per_team_priority_and_overall() -> None:
    """MTTA measures opened to first acknowledgement of the incidents acknowledged in the period."""
    r = report(
        IncidentFacts(body(1, opened=T0, priority="P1", memory=acked(1, T0 + 60))),
        IncidentFacts(body(2, opened=T0, priority="P2", memory=acked(2, T0 + 300))),
        IncidentFacts(
            body(3, opened=T0 + H, priority="P1", team="srv"),
            history=(
                HistoryEntry(iid(3), T0 + H + 600, "bob", HistoryStep.ACKNOWLEDGED, "ticket"),
            ),
        ),
        IncidentFacts(body(4, opened=T0 - 2 * H, memory=acked(4, T0 - H))),  # before the period
        IncidentFacts(body(5, opened=T0 + H)),  # never acknowledged
    )
    assert r.mtta.overall == Durations(3, 320.0, 300.0, 600.0)
    assert r.mtta.by_team == {"noc": Durations.of([60.0, 300.0]), "srv": Durations.of([600.0])}
    assert r.mtta.by_priority == {"P1": Durations.of([60.0, 600.0]), "P2": Durations.of([300.0])}


def test_mtta_uses_the_sla_clock_when_nothing_else_says() -> None:
    """The SLA response time counts as the first acknowledgement when memory names nobody."""
    memory = IncidentMemory(
        iid(1), team="noc", sla=SlaClock(iid(1), Priority.P3, T0, acknowledged_at=T0 + 120)
    )
    r = report(IncidentFacts(body(1, opened=T0, memory=memory)))
    assert r.mtta.overall.mean == 120.0


def test_mttr_over_incidents_resolved_in_the_period_without_merged_ones() -> None:
    """MTTR measures opened to resolved of the incidents resolved in the period, merged ones not."""
    r = report(
        IncidentFacts(body(1, opened=T0, resolved=T0 + 1800, priority="P1")),
        IncidentFacts(body(2, opened=T0 - H, resolved=T0 + H, priority="P2")),
        IncidentFacts(body(3, opened=T0, resolved=T0 + 60, merged_into=iid(1))),
        IncidentFacts(body(4, opened=T0 - 3 * H, resolved=T0 - H)),
        IncidentFacts(body(5, opened=T0 + H)),
    )
    assert r.mttr.overall == Durations.of([1800.0, 7200.0])
    assert set(r.mttr.by_priority) == {"P1", "P2"}
    assert r.mttr.by_team == {"net": Durations.of([1800.0, 7200.0])}
    assert r.incidents == 2  # 1 and 5 opened in the period; 3 was merged


def test_alerts_per_incident_and_noise_reduction() -> None:
    """Alerts first seen in the period over incidents opened in it; merged ones add nothing."""
    r = report(
        IncidentFacts(
            body(
                1,
                opened=T0,
                alerts=[
                    alert("sw-1", None, T0),
                    alert("h1", "ping", T0 + 10),
                    alert("h2", "ping", T0 + 20),
                ],
            )
        ),
        IncidentFacts(body(2, opened=T0 + H, alerts=[alert("h3", "http", T0 + H)])),
        IncidentFacts(
            body(3, opened=T0, alerts=[alert("h1", "ping", T0 + 10)], merged_into=iid(1))
        ),
        IncidentFacts(body(4, opened=T0 - H, alerts=[alert("h9", "disk", T0 - H)])),
    )
    assert (r.alerts, r.incidents) == (4, 2)
    assert r.alerts_per_incident == 2.0
    assert r.noise_reduction == 0.5
    empty = report()
    assert (empty.alerts_per_incident, empty.noise_reduction) == (None, None)


def test_top_noisy_checks() -> None:
    """Checks are ranked by alerts, with their hosts, events and incidents; host alerts named."""
    r = report(
        IncidentFacts(
            body(
                1,
                opened=T0,
                alerts=[
                    alert("h1", "ping", T0, events=5),
                    alert("h2", "ping", T0 + 1, events=[1, 2]),
                    alert("sw-1", None, T0 + 2),
                ],
            )
        ),
        IncidentFacts(
            body(
                2,
                opened=T0 + H,
                alerts=[alert("h1", "ping", T0 + H), alert("h4", "disk", T0 + H)],
            )
        ),
        top=2,  # ties go by source then check name: disk is left out
    )
    assert [(c.check, c.hosts, c.alerts, c.events, c.incidents) for c in r.noisy_checks] == [
        ("ping", 2, 3, 8, 2),
        ("(host)", 1, 1, 1, 1),
    ]


def test_hourly_buckets_cover_every_hour_of_the_period() -> None:
    """Every hour of the period has a bucket; alerts go by first_seen, incidents by opened_at."""
    r = build_report(
        [
            IncidentFacts(
                body(
                    1,
                    opened=T0 + 1800,
                    alerts=[alert("h1", "ping", T0 + 1700), alert("h2", "ping", T0 + H + 5)],
                )
            ),
            IncidentFacts(body(2, opened=T0 + 3 * H + 10, alerts=[alert("h3", "x", T0 + 3 * H)])),
        ],
        since=T0 + 600,
        until=T0 + 3 * H + 600,
    )
    assert [(b.hour, b.alerts, b.incidents) for b in r.hourly] == [
        (T0, 1, 1),
        (T0 + H, 1, 0),
        (T0 + 2 * H, 0, 0),
        (T0 + 3 * H, 1, 1),
    ]


def test_report_json_shape() -> None:
    """The JSON form has the figures, both timings and the buckets, and survives json."""
    r = report(
        IncidentFacts(
            body(
                1,
                opened=T0,
                resolved=T0 + 600,
                memory=acked(1, T0 + 60),
                alerts=[alert("h", "c", T0)],
            )
        )
    )
    doc = json.loads(json.dumps(report_json(r)))
    assert doc["alerts"] == 1
    assert doc["incidents"] == 1
    assert doc["alerts_per_incident"] == 1.0
    assert doc["mtta"]["overall"] == {"count": 1, "mean": 60.0, "median": 60.0, "p90": 60.0}
    assert doc["mttr"]["by_priority"]["P3"]["count"] == 1
    assert doc["mttr"]["by_team"]["noc"]["mean"] == 600.0
    assert doc["noisy_checks"] == [
        {"source": "nagios", "check": "c", "hosts": 1, "alerts": 1, "events": 1, "incidents": 1}
    ]
    assert doc["hourly"][0] == {"hour": T0, "alerts": 1, "incidents": 1}
    assert len(doc["hourly"]) == 4


def test_report_markdown_names_each_figure() -> None:
    """The Markdown report has the headline, both timings, the noisy checks and the hours."""
    text = report_markdown(
        report(IncidentFacts(body(1, opened=T0, alerts=[alert("h", "c", T0), alert("g", "c", T0)])))
    )
    assert "2 alerts in, 1 incident out: 2.0 alerts per incident, 50% noise reduction." in text
    assert "## MTTA (opened to first acknowledgement)" in text
    assert "## MTTR (opened to resolved)" in text
    assert "| nagios | c | 2 | 2 | 2 | 1 |" in text
    assert "| 2026-01-01 00:00 | 2 | 1 |" in text


@pytest.mark.parametrize("merged", [False, True])
async def test_load_report_reads_a_sqlite_store(tmp_path: Path, merged: bool) -> None:
    """Incidents and history written to SQLite give the same report as the pure builder."""
    store = SqliteStore(tmp_path / "correlator.db", clock=ManualClock(UNTIL))
    await store.open()
    try:
        await store.apply(
            IncidentSnapshot.of(
                body(
                    1,
                    opened=T0,
                    resolved=T0 + 900,
                    priority="P2",
                    alerts=[alert("h1", "ping", T0), alert("h2", "ping", T0 + 5)],
                )
            ),
            [],
        )
        await store.add_history(
            HistoryEntry(iid(1), T0 + 240, "alice", HistoryStep.ACKNOWLEDGED, "ticket Q-1")
        )
        await store.apply(
            IncidentSnapshot.of(
                body(
                    2,
                    opened=T0 + 60,
                    resolved=T0 + 120,
                    alerts=[alert("h3", "ping", T0 + 60)],
                    merged_into=iid(1) if merged else None,
                )
            ),
            [],
        )
        r = await load_report(store, since=SINCE, until=UNTIL)
    finally:
        await store.close()
    assert r.mtta.overall == Durations(1, 240.0, 240.0, 240.0)
    assert r.mtta.by_priority == {"P2": Durations(1, 240.0, 240.0, 240.0)}
    assert r.incidents == (1 if merged else 2)
    assert r.mttr.overall.count == (1 if merged else 2)
    assert r.alerts == (2 if merged else 3)
