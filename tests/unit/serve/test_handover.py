# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The shift handover: what is open, what the shift changed, and the three renderings."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from correlator.clock import ManualClock
from correlator.dispatch.model import TicketStatus
from correlator.dispatch.priority import Priority
from correlator.dispatch.service import MEMORY_KEY, IncidentMemory
from correlator.dispatch.sla import SlaClock, SlaKind, SlaLevel
from correlator.serve.handover import (
    UNROUTED,
    Handover,
    IncidentFacts,
    SlaState,
    build_handover,
    handover_html,
    handover_json,
    handover_markdown,
    load_handover,
    parse_period,
    parse_since,
    row_json,
)
from correlator.store.protocol import (
    HistoryEntry,
    HistoryStep,
    IncidentSnapshot,
    MaintenanceWindow,
    ProblemKind,
    ProblemRecord,
    TicketRecord,
)
from correlator.store.sqlite import SqliteStore
from topology.model import NodeSpec, build

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
H = 3600.0
SINCE = T0 + 6 * H
UNTIL = T0 + 14 * H
BREACH = "SLA breached: not acknowledged within the P1 response target of 15min (5min late)"


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
    team: str | None = "net",
    root: str | None = "sw-1",
    title: str | None = None,
    alerts: list[dict[str, Any]] | None = None,
    merged_into: str | None = None,
    memory: IncidentMemory | None = None,
) -> dict[str, Any]:
    """An incident record as incident_json writes it (plus dispatch's memory)."""
    doc: dict[str, Any] = {
        "id": iid(number),
        "opened_at": opened,
        "resolved_at": resolved,
        "root_cause": root,
        "root_cause_inferred": False,
        "title": title or f"{root} down: 1 alerts on 1 nodes",
        "priority": priority,
        "team": team,
        "nodes": [root] if root else [],
        "alerts": alerts if alerts is not None else [alert(root or "h", "ping", opened)],
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


def ticket(number: int, opened: float, **extra: Any) -> TicketRecord:
    fields: dict[str, Any] = {
        "incident_id": iid(number),
        "system": "builtin",
        "ticket_id": f"Q-{number}",
        "status": TicketStatus.NEW,
        "priority": Priority.P1,
        "created_at": opened,
        "updated_at": opened,
        "url": f"https://tickets.example/Q-{number}",
        "response_due": opened + 900,
        "resolution_due": opened + 4 * H,
    }
    fields.update(extra)
    return TicketRecord(**fields)


def window(wid: str, starts: float, ends: float | None, **extra: Any) -> MaintenanceWindow:
    fields: dict[str, Any] = {
        "id": wid,
        "nodes": ("sw-9",),
        "sites": (),
        "tags": ("rack=r1",),
        "starts_at": starts,
        "ends_at": ends,
        "reason": "firmware upgrade",
        "created_by": "carol",
        "created_at": starts,
    }
    fields.update(extra)
    return MaintenanceWindow(**fields)


def shift(*facts: IncidentFacts, **kwargs: Any) -> Handover:
    return build_handover(facts, since=SINCE, until=UNTIL, **kwargs)


# --------------------------------------------------------------------------------------
# parse_since
# --------------------------------------------------------------------------------------

NOW = T0 + 12 * H


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8h", NOW - 8 * H),
        ("30m", NOW - 1800),
        ("2d", NOW - 2 * 86400),
        ("1w", NOW - 7 * 86400),
        ("1h30m", NOW - 5400),
        (" 45s ", NOW - 45),
        ("2026-01-01T06:00:00Z", T0 + 6 * H),
        ("2026-01-01T07:00:00+01:00", T0 + 6 * H),
        ("2026-01-01T06:00", T0 + 6 * H),
        ("2026-01-01", T0),
        ("1767247200", T0 + 6 * H),
        ("1767247200.5", T0 + 6 * H + 0.5),
    ],
)
def test_parse_since_reads_durations_iso_times_and_epoch_seconds(
    text: str, expected: float
) -> None:
    """Durations count back from now, ISO times without a zone are UTC, numbers are epochs."""
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "8 hours", "-8h", "8x", "h8", "2026-13-01"])
def test_parse_since_refuses_other_text_naming_it(text: str) -> None:
    """Anything else is a ValueError whose message quotes the text and the accepted forms."""
    with pytest.raises(ValueError, match=re.escape(repr(text))) as caught:
        parse_since(text, NOW)
    assert "8h" in str(caught.value)
    assert "ISO 8601" in str(caught.value)


def test_parse_since_refuses_times_out_of_range() -> None:
    """A time no calendar can show is refused rather than crashing the rendering later."""
    with pytest.raises(ValueError, match="out of range"):
        parse_since("99999999999999999999", NOW)


def test_parse_period_defaults_until_to_now_and_refuses_an_empty_period() -> None:
    """The period ends now unless told otherwise, and must not be empty."""
    assert parse_period("8h", None, NOW) == (NOW - 8 * H, NOW)
    assert parse_period("8h", "2h", NOW) == (NOW - 8 * H, NOW - 2 * H)
    with pytest.raises(ValueError, match="the period is empty"):
        parse_period("2h", "8h", NOW)


# --------------------------------------------------------------------------------------
# The pure builder
# --------------------------------------------------------------------------------------


def test_open_incidents_are_listed_by_priority_then_age() -> None:
    """Open incidents come P1 first, and within a priority the oldest first."""
    h = shift(
        IncidentFacts(body(1, opened=T0 + 7 * H, priority="P3")),
        IncidentFacts(body(2, opened=T0 + 9 * H, priority="P1")),
        IncidentFacts(body(3, opened=T0 + 2 * H, priority="P3")),
        IncidentFacts(body(4, opened=T0 + 1 * H, resolved=T0 + 3 * H, priority="P1")),
    )
    assert [r.id for r in h.open] == [iid(2), iid(3), iid(1)]
    assert h.open[1].age_s == 12 * H
    assert h.open[0].root_cause == "sw-1"


def test_open_row_shows_team_ticket_acknowledgement_and_sla() -> None:
    """A row carries dispatch's team, the ticket, who acknowledged it and its SLA state."""
    opened = T0 + 12 * H
    memory = IncidentMemory(
        iid(1),
        team="noc",
        priority=Priority.P1,
        sla=SlaClock(iid(1), Priority.P1, opened, acknowledged_at=opened + 300),
        acknowledged_by="alice",
        acknowledged_at=opened + 300,
        assignee="bob",
    )
    facts = IncidentFacts(
        body(1, opened=opened, priority="P1", team="net", memory=memory),
        tickets=(ticket(1, opened, status=TicketStatus.ACKNOWLEDGED),),
    )
    (row,) = shift(facts).open
    assert row.team == "noc"
    assert row.priority is Priority.P1
    assert row.ticket is not None
    assert (row.ticket.id, row.ticket.status) == ("Q-1", "acknowledged")
    assert (row.acknowledged_by, row.acknowledged_at) == ("alice", opened + 300)
    assert row.assignee == "bob"
    assert row.sla.state is SlaState.OK
    assert row.sla.detail == "resolution due in 2h"


def test_an_unconfirmed_incident_says_so_in_its_row() -> None:
    """An incident of SOFT states only (nobody paged yet) is flagged in the row and its JSON."""
    doc = body(1, opened=T0 + 8 * H)
    doc["unconfirmed"] = True
    (row,) = shift(IncidentFacts(doc)).open
    assert row.unconfirmed is True
    assert row_json(row)["unconfirmed"] is True
    (plain,) = shift(IncidentFacts(body(1, opened=T0 + 8 * H))).open
    assert plain.unconfirmed is False


def test_acknowledgement_falls_back_to_the_first_history_step_of_a_person() -> None:
    """Without dispatch's word, the first acknowledged step not by the correlator names who."""
    opened = T0 + 8 * H
    history = (
        HistoryEntry(iid(1), opened + 900, "correlator", HistoryStep.ACKNOWLEDGED, "level 1"),
        HistoryEntry(iid(1), opened + 600, "dave", HistoryStep.ACKNOWLEDGED, "ticket Q-1"),
    )
    (row,) = shift(IncidentFacts(body(1, opened=opened), history=history)).open
    assert (row.acknowledged_by, row.acknowledged_at) == ("dave", opened + 600)


def test_unacknowledged_incident_without_team_or_ticket() -> None:
    """No team anywhere shows as unrouted; no SLA clock shows as no SLA."""
    (row,) = shift(IncidentFacts(body(1, opened=T0 + 8 * H, team=None))).open
    assert row.team == UNROUTED
    assert row.acknowledged_by is None
    assert row.acknowledged_at is None
    assert row.ticket is None
    assert row.sla.state is SlaState.NONE


def test_a_passed_deadline_is_a_breach_even_before_dispatch_reports_it() -> None:
    """An open incident past its response deadline and unacknowledged is shown breached."""
    opened = T0 + 13 * H
    memory = IncidentMemory(iid(1), sla=SlaClock(iid(1), Priority.P1, opened))
    facts = IncidentFacts(body(1, opened=opened, memory=memory), tickets=(ticket(1, opened),))
    (row,) = shift(facts).open
    assert row.sla.state is SlaState.BREACHED
    assert row.sla.breached == (SlaKind.RESPONSE,)
    assert row.sla.detail == "response breached; resolution due in 3h"


def test_a_reported_warning_shows_as_warning() -> None:
    """A warning dispatch reported (and no breach) puts the SLA in the warning state."""
    opened = T0 + 13 * H + 3000
    sla = SlaClock(
        iid(1), Priority.P1, opened, emitted=frozenset({(SlaKind.RESPONSE, SlaLevel.WARNING)})
    )
    memory = IncidentMemory(iid(1), sla=sla)
    facts = IncidentFacts(body(1, opened=opened, memory=memory), tickets=(ticket(1, opened),))
    (row,) = shift(facts).open
    assert row.sla.state is SlaState.WARNING


def test_opened_and_resolved_in_the_shift_leave_merged_incidents_out() -> None:
    """The shift's openings and resolutions are listed; a merged incident is in neither."""
    h = shift(
        IncidentFacts(body(1, opened=T0 + 7 * H, resolved=T0 + 9 * H)),
        IncidentFacts(body(2, opened=T0 + 8 * H)),
        IncidentFacts(body(3, opened=T0 + 2 * H, resolved=T0 + 7 * H)),
        IncidentFacts(body(4, opened=T0 + 1 * H, resolved=T0 + 2 * H)),
        IncidentFacts(body(5, opened=T0 + 8 * H, resolved=T0 + 9 * H, merged_into=iid(2))),
        IncidentFacts(body(6, opened=T0 + 15 * H)),
    )
    assert [r.id for r in h.opened] == [iid(1), iid(2)]
    assert [r.id for r in h.resolved] == [iid(3), iid(1)]
    assert [r.id for r in h.open] == [iid(2)]
    resolved = {r.id: r for r in h.resolved}
    assert resolved[iid(3)].age_s == 5 * H


def test_sla_breaches_of_the_shift_come_from_the_ticket_comments_and_memory() -> None:
    """Breaches reported in the shift are listed with their time; older reports are not."""
    in_shift = T0 + 8 * H
    before = T0 + 2 * H
    history_1 = (
        HistoryEntry(iid(1), in_shift + 1200, "correlator", HistoryStep.UPDATED, BREACH, "q"),
        HistoryEntry(iid(1), in_shift + 1300, "correlator", HistoryStep.UPDATED, BREACH, "rt"),
    )
    history_2 = (HistoryEntry(iid(2), before + 1200, "correlator", HistoryStep.UPDATED, BREACH),)
    emitted = frozenset({(SlaKind.RESOLUTION, SlaLevel.BREACHED)})
    memory_3 = IncidentMemory(iid(3), sla=SlaClock(iid(3), Priority.P2, T0, emitted=emitted))
    h = shift(
        IncidentFacts(body(1, opened=in_shift, priority="P1"), history=history_1),
        IncidentFacts(body(2, opened=before, priority="P1"), history=history_2),
        IncidentFacts(body(3, opened=T0, priority="P2", memory=memory_3)),
    )
    found = [(b.incident_id, b.kind, b.at) for b in h.sla_breaches]
    assert found == [
        (iid(3), SlaKind.RESOLUTION, None),
        (iid(1), SlaKind.RESPONSE, in_shift + 1200),
    ]
    assert h.sla_breaches[1].detail == BREACH
    assert h.sla_breaches[1].priority is Priority.P1


def test_live_major_incidents_and_recurring_problems_are_shown() -> None:
    """Records with an open member or a member opened in the shift are shown; settled ones not."""
    problems = [
        ProblemRecord(
            "MAJ-000001", ProblemKind.MAJOR_INCIDENT, "site bru", (iid(1), iid(2)), SINCE
        ),
        ProblemRecord("PRB-000001", ProblemKind.PROBLEM, "root sw-1", (iid(3), iid(4)), T0),
        ProblemRecord("PRB-000002", ProblemKind.PROBLEM, "root sw-7", (iid(5),), T0 - 86400),
    ]
    h = shift(
        IncidentFacts(body(1, opened=T0 + 7 * H)),
        IncidentFacts(body(2, opened=T0 + 7 * H, resolved=T0 + 8 * H)),
        IncidentFacts(body(3, opened=T0, resolved=T0 + H)),
        IncidentFacts(body(4, opened=T0 + 9 * H, resolved=T0 + 10 * H)),
        IncidentFacts(body(5, opened=T0 - 86400, resolved=T0 - 80000)),
        problems=problems,
    )
    (major,) = h.major_incidents
    assert major.id == "MAJ-000001"
    assert major.open_members == (iid(1),)
    assert major.opened_in_shift == 2
    assert [p.id for p in h.problems] == ["PRB-000001"]
    assert h.problems[0].open_members == ()
    assert h.open[0].major == "MAJ-000001"


def test_maintenance_in_force_at_the_end_of_the_shift() -> None:
    """Only windows in force at the end of the shift are listed, oldest start first."""
    h = shift(
        windows=[
            window("MW-2", T0 + 12 * H, None),
            window("MW-1", T0 + 10 * H, T0 + 16 * H),
            window("MW-3", T0 + 6 * H, T0 + 9 * H),
            window("MW-4", T0 + 6 * H, None, ended_at=T0 + 10 * H, ended_by="carol"),
            window("MW-5", T0 + 15 * H, T0 + 16 * H),
        ]
    )
    assert [w.id for w in h.maintenance] == ["MW-1", "MW-2"]


def test_notes_written_in_the_shift() -> None:
    """Notes people wrote in the shift are listed in time order; other steps are not notes."""
    history = (
        HistoryEntry(iid(1), T0 + 9 * H, "alice", HistoryStep.NOTE, "waiting for the carrier"),
        HistoryEntry(iid(1), T0 + 5 * H, "alice", HistoryStep.NOTE, "from the last shift"),
        HistoryEntry(iid(1), T0 + 8 * H, "bob", HistoryStep.NOTE, "called the site"),
        HistoryEntry(iid(1), T0 + 8 * H, "bob", HistoryStep.ASSIGNED, "to bob"),
    )
    h = shift(IncidentFacts(body(1, opened=T0 + 7 * H), history=history))
    assert [(n.actor, n.text) for n in h.notes] == [
        ("bob", "called the site"),
        ("alice", "waiting for the carrier"),
    ]


def test_site_comes_from_the_topology_when_given() -> None:
    """With a topology, the row names the site of the root cause."""
    topology = build([NodeSpec("sw-1", kind="switch", site="bru")], "t.yaml")
    h = build_handover(
        [IncidentFacts(body(1, opened=T0 + 7 * H))], since=SINCE, until=UNTIL, topology=topology
    )
    assert h.open[0].site == "bru"


# --------------------------------------------------------------------------------------
# Renderings
# --------------------------------------------------------------------------------------


def _busy() -> Handover:
    opened = T0 + 7 * H
    memory = IncidentMemory(iid(1), team="noc", acknowledged_by="alice", acknowledged_at=opened)
    notes = (HistoryEntry(iid(1), T0 + 9 * H, "bob", HistoryStep.NOTE, "line one\nline | two"),)
    return shift(
        IncidentFacts(
            body(1, opened=opened, priority="P1", title="<b>core|1</b> down", memory=memory),
            history=notes,
            tickets=(ticket(1, opened, url="javascript:alert(1)"),),
        ),
        IncidentFacts(body(2, opened=T0 + 8 * H, resolved=T0 + 9 * H)),
        windows=[window("MW-1", T0, None)],
        problems=[ProblemRecord("PRB-1", ProblemKind.PROBLEM, "root sw-1", (iid(2),), T0)],
    )


def test_handover_json_is_plain_json_with_counts() -> None:
    """The JSON form round-trips through json and counts every section."""
    doc = json.loads(json.dumps(handover_json(_busy())))
    assert doc["since"] == SINCE
    assert doc["until"] == UNTIL
    assert doc["counts"]["open"] == 1
    assert doc["counts"]["open_by_priority"]["P1"] == 1
    assert doc["counts"]["opened"] == 2
    assert doc["counts"]["resolved"] == 1
    assert doc["counts"]["maintenance"] == 1
    assert doc["counts"]["notes"] == 1
    first = doc["open"][0]
    assert first["id"] == iid(1)
    assert first["acknowledged_by"] == "alice"
    assert first["ticket"] == {
        "system": "builtin",
        "id": "Q-1",
        "url": "javascript:alert(1)",
        "status": "new",
    }
    assert first["sla"]["state"] == "breached"
    assert doc["maintenance"][0]["tags"] == ["rack=r1"]
    assert doc["problems"][0]["members"] == [iid(2)]


def test_handover_markdown_has_every_section_and_escapes_cells() -> None:
    """The Markdown names each section and keeps a table cell on one line, pipes escaped."""
    text = handover_markdown(_busy())
    assert text.startswith("# Shift handover 2026-01-01 06:00 to 2026-01-01 14:00 UTC\n")
    for title in (
        "## Open incidents (1)",
        "## Opened in the shift (2)",
        "## Resolved in the shift (1)",
        "## SLA breaches (1)",
        "## Major incidents (0)",
        "## Recurring problems (1)",
        "## Maintenance in force (1)",
        "## Notes (1)",
    ):
        assert title in text
    assert "No major incident." in text
    assert r"line one line \| two" in text
    assert r"\<b\>core\|1\</b\> down" in text
    assert "javascript:" not in text  # not a link target
    table_rows = [line for line in text.splitlines() if line.startswith("| P1 ")]
    assert len(table_rows) == 1
    assert table_rows[0].count(" | ") == 10  # eleven columns, none split by a title's pipe


def test_markdown_counts_alerts_in_words_and_says_unplaced_instead_of_zero_nodes() -> None:
    """The open row says "1 of 1 on 1 node", and "1 of 1, unplaced" for no node at all."""
    text = handover_markdown(
        shift(
            IncidentFacts(body(1, opened=T0 + 7 * H, priority="P1")),
            IncidentFacts(body(2, opened=T0 + 8 * H, priority="P2", root=None)),
        )
    )
    placed = next(line for line in text.splitlines() if line.startswith("| P1 "))
    unplaced = next(line for line in text.splitlines() if line.startswith("| P2 "))
    assert "| 1 of 1 on 1 node |" in placed
    assert "| 1 of 1, unplaced |" in unplaced
    assert "0 nodes" not in text


def test_empty_handover_says_so() -> None:
    """A quiet shift still prints every heading, each with a plain sentence."""
    text = handover_markdown(shift())
    assert "No open incidents." in text
    assert "No maintenance window in force." in text
    assert "0 open; 0 opened and 0 resolved" in text


def test_handover_html_is_self_contained_printable_and_escaped() -> None:
    """The page has inline CSS with a print stylesheet, no scripts, no outside assets."""
    page = handover_html(_busy())
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert "@media print" in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert not re.search(r"""src\s*=""", page)
    assert "&lt;b&gt;core|1&lt;/b&gt; down" in page
    assert "<b>core" not in page
    assert 'href="javascript' not in page
    assert '<tr class="p1 sla-breached">' in page


def test_html_links_only_web_ticket_urls() -> None:
    """An http(s) ticket URL becomes a link, escaped."""
    opened = T0 + 7 * H
    h = shift(
        IncidentFacts(
            body(1, opened=opened), tickets=(ticket(1, opened, url="https://t.example/?a=1&b=2"),)
        )
    )
    assert '<a href="https://t.example/?a=1&amp;b=2">Q-1 (new)</a>' in handover_html(h)


# --------------------------------------------------------------------------------------
# Through a real store
# --------------------------------------------------------------------------------------


async def test_load_handover_reads_a_sqlite_store(tmp_path: Path) -> None:
    """Incidents, history, tickets, problems and windows written to SQLite come back in it."""
    clock = ManualClock(UNTIL)
    store = SqliteStore(tmp_path / "data" / "correlator.db", clock=clock)
    await store.open()
    try:
        opened = T0 + 7 * H
        memory = IncidentMemory(
            iid(1),
            team="noc",
            priority=Priority.P1,
            sla=SlaClock(iid(1), Priority.P1, opened),
            acknowledged_by="alice",
            acknowledged_at=opened + 1500,
        )
        await store.apply(
            IncidentSnapshot.of(body(1, opened=opened, priority="P1", memory=memory)), []
        )
        await store.apply(IncidentSnapshot.of(body(2, opened=T0 + 8 * H, resolved=T0 + 10 * H)), [])
        await store.apply(IncidentSnapshot.of(body(3, opened=T0 - 86400, resolved=T0)), [])
        await store.save_ticket(ticket(1, opened))
        await store.add_history(
            HistoryEntry(iid(1), opened + 1200, "correlator", HistoryStep.UPDATED, BREACH, "q")
        )
        await store.add_history(
            HistoryEntry(iid(1), T0 + 9 * H, "alice", HistoryStep.NOTE, "carrier ticket 42")
        )
        await store.save_problem(
            ProblemRecord("PRB-000001", ProblemKind.PROBLEM, "root sw-1", (iid(2), iid(3)), T0)
        )
        await store.save_window(window("MW-1", T0 + 10 * H, None))
        await store.save_window(window("MW-2", T0, T0 + H))
        h = await load_handover(store, since=SINCE, until=UNTIL)
    finally:
        await store.close()
    assert [r.id for r in h.open] == [iid(1)]
    row = h.open[0]
    assert (row.team, row.acknowledged_by) == ("noc", "alice")
    assert row.ticket is not None
    assert row.ticket.url == "https://tickets.example/Q-1"
    assert [r.id for r in h.opened] == [iid(1), iid(2)]
    assert [r.id for r in h.resolved] == [iid(2)]
    assert [(b.incident_id, b.kind, b.at, b.due) for b in h.sla_breaches] == [
        (iid(1), SlaKind.RESPONSE, opened + 1200, opened + 900),
        (iid(1), SlaKind.RESOLUTION, None, opened + 4 * H),  # past due, not yet reported
    ]
    assert [p.id for p in h.problems] == ["PRB-000001"]
    assert [w.id for w in h.maintenance] == ["MW-1"]
    assert [n.text for n in h.notes] == ["carrier ticket 42"]
    stamp = datetime.fromtimestamp(SINCE, UTC).strftime("%Y-%m-%d %H:%M")
    assert stamp in handover_markdown(h)
