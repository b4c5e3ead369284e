# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Shift handover: what the IT dispatcher reads at every shift change.

For a shift ``[since, until)`` it says what is still open (by priority, with age, team,
root cause, ticket, who acknowledged it and where its SLA stands), what was opened and
resolved in the shift, the SLA breaches found in it, the major incidents and recurring
problems that are live, the maintenance windows in force at the end of the shift, and the
notes people wrote. Served as JSON (``/api/v1/handover``), Markdown (the CLI
``correlator handover``) and a printable HTML page (``/handover``).

Loading is thin (:func:`load_handover` reads the store); building is pure
(:func:`build_handover`: a function of the stored facts, the shift and nothing else, so
tests build inputs by hand). Where the facts come from:

* the incident: its stored body, the incident record of ``correlator.incidents`` plus
  dispatch's memory (:func:`correlator.dispatch.service.memory_of`);
* acknowledged by / at: dispatch's memory, else the first ``acknowledged`` history step
  (a person's, or the ticket system's when it reported the acknowledgement); the SLA
  response clock's ``acknowledged_at`` when nothing else says it;
* SLA breaches: dispatch's SLA clock (``emitted`` keeps each breach reported) and the
  ticket comments that reported them (history ``updated`` steps, whose time is when the
  breach was told); deadlines from the ticket records;
* major incidents and problem records: ``store.problems()``; maintenance:
  ``store.windows(active_at=until)``; notes: history ``note`` steps.

A merged incident (``merged_into`` set) is shown only through the incident that absorbed
it: it is never listed as opened or resolved of its own. Times are epoch seconds; the
text renderings show them in UTC.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from correlator.dispatch.outbox import ACTOR
from correlator.dispatch.priority import Priority
from correlator.dispatch.service import IncidentMemory, memory_of, record_of
from correlator.dispatch.sla import SlaKind, SlaLevel
from correlator.store.protocol import (
    HistoryEntry,
    HistoryStep,
    MaintenanceWindow,
    ProblemKind,
    ProblemRecord,
    Store,
    TicketRecord,
)
from topology.model import Topology

UNROUTED: Final = "unrouted"
"""The team shown for an incident that neither dispatch nor the topology gave a team."""

_BREACH: Final = re.compile(
    r"SLA breached: not (?:acknowledged|resolved) within the (?P<priority>P\d) "
    r"(?P<kind>response|resolution) target[^;]*"
)
"""The ticket comment :mod:`correlator.dispatch.sla` writes for a breach."""


# --------------------------------------------------------------------------------------
# Parsing the shift
# --------------------------------------------------------------------------------------

_UNITS: Final[Mapping[str, float]] = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION: Final = re.compile(r"(?:\d+(?:\.\d+)?[smhdw])+")
_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_EPOCH: Final = re.compile(r"\d+(?:\.\d+)?")


def parse_since(text: str, now: float) -> float:
    """The epoch time ``text`` names, relative to ``now`` for a duration.

    Accepted: a duration back from ``now`` (``30m``, ``8h``, ``2d``, ``1w``, ``1h30m``;
    units s, m, h, d, w), an ISO 8601 time (``2026-03-01T06:00:00+01:00``; without a zone
    it is UTC) or epoch seconds (``1767225600``). Raises ValueError naming the text.
    """
    raw = text.strip()
    when: float | None = None
    if _DURATION.fullmatch(raw):
        seconds = sum(float(amount) * _UNITS[unit] for amount, unit in _DURATION_PART.findall(raw))
        when = now - seconds
    elif _EPOCH.fullmatch(raw):
        when = float(raw)
    else:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            when = parsed.timestamp()
    if when is None:
        raise ValueError(
            f"cannot read the time {text!r}: expected a duration like 8h, 30m, 2d or 1w, "
            "an ISO 8601 time like 2026-03-01T06:00:00Z, or epoch seconds"
        )
    try:
        datetime.fromtimestamp(when, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"the time {text!r} is out of range") from None
    return when


def parse_period(since: str, until: str | None, now: float) -> tuple[float, float]:
    """The period ``[since, until)`` (``until`` None: ``now``); ValueError when it is empty."""
    start = parse_since(since, now)
    end = now if until is None else parse_since(until, now)
    if start >= end:
        raise ValueError(
            f"the period is empty: since {format_time(start)} is not before "
            f"until {format_time(end)}"
        )
    return start, end


# --------------------------------------------------------------------------------------
# What the handover is made of
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the store holds of one incident: the stored body (the incident record plus
    dispatch's memory), its history steps and its tickets (oldest first)."""

    body: Mapping[str, Any]
    history: tuple[HistoryEntry, ...] = ()
    tickets: tuple[TicketRecord, ...] = ()
    memory: IncidentMemory | None = field(init=False, compare=False)
    """Dispatch's memory of the incident (read from ``body``), when it has one."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "memory", memory_of(self.body))

    @property
    def record(self) -> dict[str, Any]:
        """The incident record (without dispatch's memory)."""
        return record_of(self.body)


class SlaState(StrEnum):
    """Where an incident's SLA stands."""

    NONE = "none"  # no SLA clock (no ticket was decided)
    OK = "ok"  # running, no warning yet
    WARNING = "warning"  # a warning was reported, no breach
    BREACHED = "breached"  # a target was missed
    MET = "met"  # resolved within both targets


@dataclass(frozen=True, slots=True)
class SlaView:
    """An incident's SLA at a time: its state, deadlines, and a line saying it."""

    state: SlaState
    response_due: float | None
    resolution_due: float | None
    responded_at: float | None
    breached: tuple[SlaKind, ...]
    detail: str


@dataclass(frozen=True, slots=True)
class TicketView:
    """The incident's (first) ticket."""

    system: str
    id: str
    url: str | None
    status: str


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """One incident as the handover lists it (``age_s`` at the end of the shift)."""

    id: str
    title: str
    status: str
    priority: Priority
    team: str
    site: str | None
    root_cause: str | None
    root_cause_inferred: bool
    opened_at: float
    resolved_at: float | None
    age_s: float
    alert_count: int
    node_count: int
    active_alerts: int
    acknowledged_by: str | None
    acknowledged_at: float | None
    assignee: str | None
    ticket: TicketView | None
    sla: SlaView
    flapping: bool
    maintenance: bool
    unconfirmed: bool  # every alert a SOFT state so far (the checks still being retried)
    merged_into: str | None
    major: str | None
    problem: str | None


@dataclass(frozen=True, slots=True)
class SlaBreach:
    """A missed SLA target; ``at`` is when it was reported (None: not known)."""

    incident_id: str
    title: str
    priority: Priority
    team: str
    kind: SlaKind
    due: float | None
    at: float | None
    detail: str


@dataclass(frozen=True, slots=True)
class ProblemView:
    """A major incident or problem record with where its members stand."""

    id: str
    kind: ProblemKind
    signature: str
    created_at: float
    members: tuple[str, ...]
    open_members: tuple[str, ...]
    opened_in_shift: int
    last_opened_at: float | None


@dataclass(frozen=True, slots=True)
class Note:
    """A note a person wrote on an incident."""

    incident_id: str
    at: float
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class Handover:
    """The shift handover of ``[since, until)``."""

    since: float
    until: float
    open: tuple[IncidentRow, ...]
    opened: tuple[IncidentRow, ...]
    resolved: tuple[IncidentRow, ...]
    sla_breaches: tuple[SlaBreach, ...]
    major_incidents: tuple[ProblemView, ...]
    problems: tuple[ProblemView, ...]
    maintenance: tuple[MaintenanceWindow, ...]
    notes: tuple[Note, ...]


# --------------------------------------------------------------------------------------
# Reading the facts of one incident
# --------------------------------------------------------------------------------------


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def priority_of(record: Mapping[str, Any]) -> Priority:
    """The incident's priority (P5 when the record has none or an unknown one)."""
    try:
        return Priority(record.get("priority") or Priority.P5.value)
    except ValueError:
        return Priority.P5


def team_of(facts: IncidentFacts) -> str:
    """The team that has the incident: dispatch's routing, else the record's team."""
    memory = facts.memory
    if memory is not None and memory.team:
        return memory.team
    return _str(facts.body.get("team")) or UNROUTED


def opened_at_of(record: Mapping[str, Any]) -> float:
    """When the incident was opened."""
    return _float(record.get("opened_at")) or 0.0


def resolved_at_of(record: Mapping[str, Any]) -> float | None:
    """When the incident was resolved (or merged away); None while it is open."""
    if record.get("status") == "open":
        return None
    return _float(record.get("resolved_at")) or _float(record.get("updated_at"))


def merged_into_of(record: Mapping[str, Any]) -> str | None:
    """The incident that absorbed this one, if it was merged."""
    return _str(record.get("merged_into"))


def open_at(record: Mapping[str, Any], at: float) -> bool:
    """Whether the incident was open at ``at`` (opened by then, not yet resolved)."""
    if opened_at_of(record) > at:
        return False
    resolved = resolved_at_of(record)
    return resolved is None or resolved > at


def acknowledgement_of(facts: IncidentFacts) -> tuple[str | None, float | None]:
    """Who first acknowledged the incident and when (None, None: nobody yet).

    Dispatch's memory says it when the acknowledgement came through the API; else the
    first ``acknowledged`` history step (the ticket system's sync names the assignee or
    the system); else the SLA clock's response time (who is then unknown).
    """
    memory = facts.memory
    candidates: list[tuple[float, str | None]] = []
    if memory is not None and memory.acknowledged_at is not None:
        candidates.append((memory.acknowledged_at, memory.acknowledged_by))
    steps = [h for h in facts.history if h.step is HistoryStep.ACKNOWLEDGED]
    candidates.extend((h.at, h.actor) for h in [h for h in steps if h.actor != ACTOR] or steps)
    if memory is not None and memory.sla is not None and memory.sla.acknowledged_at is not None:
        candidates.append((memory.sla.acknowledged_at, None))
    named = memory.acknowledged_by if memory is not None else None
    if not candidates:
        return named, None
    candidates.sort(key=lambda c: c[0])
    first_at, first_by = candidates[0]
    by = first_by or named or next((b for _, b in candidates if b), None)
    return by, first_at


def assignee_of(facts: IncidentFacts) -> str | None:
    """Who the incident is assigned to: dispatch's memory, else a ticket's assignee."""
    memory = facts.memory
    if memory is not None and memory.assignee:
        return memory.assignee
    return next((t.assignee for t in facts.tickets if t.assignee), None)


def _due(facts: IncidentFacts, kind: SlaKind) -> float | None:
    for ticket in facts.tickets:
        due = ticket.response_due if kind is SlaKind.RESPONSE else ticket.resolution_due
        if due is not None:
            return due
    return None


def _reported_breaches(facts: IncidentFacts) -> dict[SlaKind, tuple[float, str]]:
    """Each SLA kind's first breach comment in the history: (when, what it said)."""
    found: dict[SlaKind, tuple[float, str]] = {}
    for entry in sorted(facts.history, key=lambda h: h.at):
        if entry.step is not HistoryStep.UPDATED:
            continue
        match = _BREACH.search(entry.detail)
        if match is not None:
            found.setdefault(SlaKind(match["kind"]), (entry.at, match.group(0).strip()))
    return found


def _breached_kinds(facts: IncidentFacts, at: float) -> tuple[SlaKind, ...]:
    memory = facts.memory
    emitted = memory.sla.emitted if memory is not None and memory.sla is not None else frozenset()
    reported = _reported_breaches(facts)
    _, responded = acknowledgement_of(facts)
    resolved = resolved_at_of(facts.body)
    kinds: list[SlaKind] = []
    for kind in SlaKind:
        due = _due(facts, kind)
        # a resolution without an acknowledgement answered the incident too
        stopped = (responded or resolved) if kind is SlaKind.RESPONSE else resolved
        missed = due is not None and (stopped if stopped is not None else at) >= due
        if (kind, SlaLevel.BREACHED) in emitted or kind in reported or missed:
            kinds.append(kind)
    return tuple(kinds)


def _duration(seconds: float) -> str:
    """A duration for people: 45s, 12min, 3h 20min, 2d 4h."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}min" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def sla_view(facts: IncidentFacts, at: float) -> SlaView:
    """Where the incident's SLA stands at ``at``."""
    memory = facts.memory
    clock = memory.sla if memory is not None else None
    response_due = _due(facts, SlaKind.RESPONSE)
    resolution_due = _due(facts, SlaKind.RESOLUTION)
    _, responded = acknowledgement_of(facts)
    if clock is None and response_due is None and resolution_due is None:
        return SlaView(SlaState.NONE, None, None, responded, (), "no SLA")
    breached = _breached_kinds(facts, at)
    resolved = resolved_at_of(facts.body) is not None
    emitted = clock.emitted if clock is not None else frozenset()
    pending = [
        (kind, due)
        for kind, due in ((SlaKind.RESPONSE, response_due), (SlaKind.RESOLUTION, resolution_due))
        if not resolved
        and kind not in breached
        and not (kind is SlaKind.RESPONSE and responded is not None)
    ]
    parts = [f"{kind.value} breached" for kind in breached]
    for kind, due in pending:
        if due is not None:
            parts.append(f"{kind.value} due in {_duration(due - at)}")
    if breached:
        state = SlaState.BREACHED
    elif resolved:
        state = SlaState.MET
        parts.append("met")
    elif any((kind, SlaLevel.WARNING) in emitted for kind, _ in pending):
        state = SlaState.WARNING
    else:
        state = SlaState.OK
    detail = "; ".join(parts[:2]) if parts else state.value
    return SlaView(state, response_due, resolution_due, responded, breached, detail)


def breaches_of(facts: IncidentFacts, at: float) -> list[SlaBreach]:
    """The SLA targets the incident missed by ``at``, with when each breach was reported."""
    record = facts.body
    reported = _reported_breaches(facts)
    title = _str(record.get("title")) or str(record.get("id"))
    found: list[SlaBreach] = []
    for kind in _breached_kinds(facts, at):
        due = _due(facts, kind)
        when, detail = reported.get(kind, (None, ""))
        if not detail:
            verb = "acknowledged" if kind is SlaKind.RESPONSE else "resolved"
            detail = (
                f"SLA breached: not {verb} within the {priority_of(record).value} "
                f"{kind.value} target (not reported yet)"
            )
        found.append(
            SlaBreach(
                incident_id=str(record["id"]),
                title=title,
                priority=priority_of(record),
                team=team_of(facts),
                kind=kind,
                due=due,
                at=when,
                detail=detail,
            )
        )
    return found


def incident_row(
    facts: IncidentFacts,
    at: float,
    *,
    topology: Topology | None = None,
    majors: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
) -> IncidentRow:
    """One incident as the handover shows it at ``at`` (``majors``/``problems``: the major
    incident and problem record of each member incident)."""
    record = facts.body
    incident_id = str(record["id"])
    root = _str(record.get("root_cause"))
    site = None
    if topology is not None and root is not None and root in topology.nodes:
        site = topology.nodes[root].site
    alerts = [a for a in record.get("alerts") or () if isinstance(a, Mapping)]
    nodes = record.get("nodes") or ()
    by, acked_at = acknowledgement_of(facts)
    ticket = facts.tickets[0] if facts.tickets else None
    opened = opened_at_of(record)
    resolved = resolved_at_of(record)
    end = resolved if resolved is not None and resolved <= at else at
    return IncidentRow(
        id=incident_id,
        title=_str(record.get("title")) or incident_id,
        status=_str(record.get("status")) or "open",
        priority=priority_of(record),
        team=team_of(facts),
        site=site,
        root_cause=root,
        root_cause_inferred=bool(record.get("root_cause_inferred")),
        opened_at=opened,
        resolved_at=resolved,
        age_s=max(0.0, end - opened),
        alert_count=len(alerts),
        node_count=len(nodes) if isinstance(nodes, Sequence) else 0,
        active_alerts=sum(1 for a in alerts if a.get("resolved_at") is None),
        acknowledged_by=by,
        acknowledged_at=acked_at,
        assignee=assignee_of(facts),
        ticket=None
        if ticket is None
        else TicketView(ticket.system, ticket.ticket_id, ticket.url, ticket.status.value),
        sla=sla_view(facts, at),
        flapping=bool(record.get("flapping")),
        maintenance=bool(record.get("maintenance")),
        unconfirmed=bool(record.get("unconfirmed")),
        merged_into=merged_into_of(record),
        major=(majors or {}).get(incident_id),
        problem=(problems or {}).get(incident_id),
    )


def relevant(record: Mapping[str, Any], since: float, until: float) -> bool:
    """Whether an incident can appear in the handover of ``[since, until)``: open at some
    time in it, or changed in it (whose history and tickets :func:`load_handover` reads)."""
    opened = opened_at_of(record)
    resolved = resolved_at_of(record)
    updated = _float(record.get("updated_at")) or opened
    open_in_shift = opened < until and (resolved is None or resolved >= since)
    return open_in_shift or since <= updated < until


# --------------------------------------------------------------------------------------
# Building the handover (pure)
# --------------------------------------------------------------------------------------


def _by_member(records: Iterable[ProblemRecord]) -> dict[str, str]:
    found: dict[str, str] = {}
    for record in sorted(records, key=lambda p: p.created_at):
        for member in record.members:
            found[member] = record.id  # the newest record a member is in
    return found


def _problem_view(
    record: ProblemRecord, bodies: Mapping[str, Mapping[str, Any]], since: float, until: float
) -> ProblemView:
    members = tuple(record.members)
    known = [bodies[m] for m in members if m in bodies]
    openings = [opened_at_of(b) for b in known]
    return ProblemView(
        id=record.id,
        kind=record.kind,
        signature=record.signature,
        created_at=record.created_at,
        members=members,
        open_members=tuple(m for m in members if m in bodies and open_at(bodies[m], until)),
        opened_in_shift=sum(1 for t in openings if since <= t < until),
        last_opened_at=max(openings) if openings else None,
    )


def _priority_order(row: IncidentRow) -> tuple[int, float, str]:
    return (row.priority.rank, row.opened_at, row.id)


def build_handover(
    incidents: Iterable[IncidentFacts],
    *,
    problems: Sequence[ProblemRecord] = (),
    windows: Sequence[MaintenanceWindow] = (),
    since: float,
    until: float,
    topology: Topology | None = None,
) -> Handover:
    """The handover of the shift ``[since, until)`` from the stored facts.

    ``incidents`` may hold every stored incident (only those open at ``until`` or opened,
    resolved or written on in the shift appear); ``windows`` those in force at ``until``
    are kept.
    """
    facts = list(incidents)
    bodies = {str(f.body["id"]): f.body for f in facts}
    majors = [p for p in problems if p.kind is ProblemKind.MAJOR_INCIDENT]
    recurring = [p for p in problems if p.kind is ProblemKind.PROBLEM]
    major_of = _by_member(majors)
    problem_of = _by_member(recurring)

    def row(f: IncidentFacts) -> IncidentRow:
        return incident_row(f, until, topology=topology, majors=major_of, problems=problem_of)

    own = [f for f in facts if merged_into_of(f.body) is None]
    open_rows = sorted(
        (row(f) for f in own if open_at(f.body, until)),
        key=_priority_order,
    )
    opened = sorted(
        (row(f) for f in own if since <= opened_at_of(f.body) < until),
        key=lambda r: (r.opened_at, r.id),
    )
    resolved = sorted(
        (row(f) for f in own if (t := resolved_at_of(f.body)) is not None and since <= t < until),
        key=lambda r: (r.resolved_at or 0.0, r.id),
    )
    breaches: list[SlaBreach] = []
    for f in own:
        for breach in breaches_of(f, until):
            when = breach.at if breach.at is not None else breach.due
            if (since <= when < until) if when is not None else relevant(f.body, since, until):
                breaches.append(breach)
    breaches.sort(key=lambda b: (b.at or b.due or 0.0, b.incident_id, b.kind.value))

    def live(view: ProblemView) -> bool:
        return (
            bool(view.open_members) or view.opened_in_shift > 0 or since <= view.created_at < until
        )

    major_views = [_problem_view(p, bodies, since, until) for p in majors]
    problem_views = [_problem_view(p, bodies, since, until) for p in recurring]
    notes = sorted(
        (
            Note(h.incident_id, h.at, h.actor, h.detail)
            for f in facts
            for h in f.history
            if h.step is HistoryStep.NOTE and since <= h.at < until
        ),
        key=lambda n: (n.at, n.incident_id),
    )
    return Handover(
        since=since,
        until=until,
        open=tuple(open_rows),
        opened=tuple(opened),
        resolved=tuple(resolved),
        sla_breaches=tuple(breaches),
        major_incidents=tuple(
            sorted((v for v in major_views if live(v)), key=lambda v: (v.created_at, v.id))
        ),
        problems=tuple(
            sorted((v for v in problem_views if live(v)), key=lambda v: (v.created_at, v.id))
        ),
        maintenance=tuple(
            sorted((w for w in windows if w.active(until)), key=lambda w: (w.starts_at, w.id))
        ),
        notes=tuple(notes),
    )


async def load_handover(
    store: Store, *, since: float, until: float, topology: Topology | None = None
) -> Handover:
    """Read what the handover of ``[since, until)`` needs from the store and build it.

    History and tickets are read only for the incidents that can appear (:func:`relevant`).
    Raises :class:`correlator.store.protocol.StoreError` when the store fails.
    """
    facts: list[IncidentFacts] = []
    for snapshot in await store.incidents():
        body = snapshot.body
        if relevant(body, since, until):
            history = tuple(await store.history(snapshot.id))
            tickets = tuple(await store.tickets(snapshot.id))
            facts.append(IncidentFacts(body, history, tickets))
        else:
            facts.append(IncidentFacts(body))
    return build_handover(
        facts,
        problems=await store.problems(),
        windows=await store.windows(active_at=until),
        since=since,
        until=until,
        topology=topology,
    )


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------


def _sla_json(sla: SlaView) -> dict[str, Any]:
    return {
        "state": sla.state.value,
        "response_due": sla.response_due,
        "resolution_due": sla.resolution_due,
        "responded_at": sla.responded_at,
        "breached": [k.value for k in sla.breached],
        "detail": sla.detail,
    }


def row_json(row: IncidentRow) -> dict[str, Any]:
    """One incident row as JSON."""
    ticket = row.ticket
    return {
        "id": row.id,
        "title": row.title,
        "status": row.status,
        "priority": row.priority.value,
        "team": row.team,
        "site": row.site,
        "root_cause": row.root_cause,
        "root_cause_inferred": row.root_cause_inferred,
        "opened_at": row.opened_at,
        "resolved_at": row.resolved_at,
        "age_s": row.age_s,
        "alert_count": row.alert_count,
        "node_count": row.node_count,
        "active_alerts": row.active_alerts,
        "acknowledged_by": row.acknowledged_by,
        "acknowledged_at": row.acknowledged_at,
        "assignee": row.assignee,
        "ticket": None
        if ticket is None
        else {"system": ticket.system, "id": ticket.id, "url": ticket.url, "status": ticket.status},
        "sla": _sla_json(row.sla),
        "flapping": row.flapping,
        "maintenance": row.maintenance,
        "unconfirmed": row.unconfirmed,
        "merged_into": row.merged_into,
        "major": row.major,
        "problem": row.problem,
    }


def _problem_json(view: ProblemView) -> dict[str, Any]:
    return {
        "id": view.id,
        "kind": view.kind.value,
        "signature": view.signature,
        "created_at": view.created_at,
        "members": list(view.members),
        "open_members": list(view.open_members),
        "opened_in_shift": view.opened_in_shift,
        "last_opened_at": view.last_opened_at,
    }


def window_json(window: MaintenanceWindow) -> dict[str, Any]:
    """A maintenance window as JSON."""
    return {
        "id": window.id,
        "nodes": list(window.nodes),
        "sites": list(window.sites),
        "tags": list(window.tags),
        "starts_at": window.starts_at,
        "ends_at": window.ends_at,
        "reason": window.reason,
        "created_by": window.created_by,
        "created_at": window.created_at,
        "ended_at": window.ended_at,
        "ended_by": window.ended_by,
    }


def _counts(h: Handover) -> dict[str, Any]:
    by_priority = {p.value: 0 for p in Priority}
    for row in h.open:
        by_priority[row.priority.value] += 1
    return {
        "open": len(h.open),
        "open_by_priority": by_priority,
        "opened": len(h.opened),
        "resolved": len(h.resolved),
        "sla_breaches": len(h.sla_breaches),
        "major_incidents": len(h.major_incidents),
        "problems": len(h.problems),
        "maintenance": len(h.maintenance),
        "notes": len(h.notes),
    }


def handover_json(h: Handover) -> dict[str, Any]:
    """The handover as a JSON object (what ``GET /api/v1/handover`` returns)."""
    return {
        "since": h.since,
        "until": h.until,
        "counts": _counts(h),
        "open": [row_json(r) for r in h.open],
        "opened": [row_json(r) for r in h.opened],
        "resolved": [row_json(r) for r in h.resolved],
        "sla_breaches": [
            {
                "incident_id": b.incident_id,
                "title": b.title,
                "priority": b.priority.value,
                "team": b.team,
                "kind": b.kind.value,
                "due": b.due,
                "at": b.at,
                "detail": b.detail,
            }
            for b in h.sla_breaches
        ],
        "major_incidents": [_problem_json(v) for v in h.major_incidents],
        "problems": [_problem_json(v) for v in h.problems],
        "maintenance": [window_json(w) for w in h.maintenance],
        "notes": [
            {"incident_id": n.incident_id, "at": n.at, "actor": n.actor, "text": n.text}
            for n in h.notes
        ],
    }


# --------------------------------------------------------------------------------------
# Text renderings: a table model shared by Markdown and HTML
# --------------------------------------------------------------------------------------


def format_time(at: float | None) -> str:
    """An epoch time as ``YYYY-MM-DD HH:MM`` in UTC (``-`` for none)."""
    if at is None or not math.isfinite(at):
        return "-"
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M")


def _root(row: IncidentRow) -> str:
    if row.root_cause is None:
        return "unplaced"
    return f"{row.root_cause} (inferred)" if row.root_cause_inferred else row.root_cause


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _alert_counts(row: IncidentRow) -> str:
    """``3 of 4 on 2 nodes``, ``1 of 1 on 1 node``; ``1 of 1, unplaced`` on no node."""
    counts = f"{row.active_alerts} of {row.alert_count}"
    if not row.node_count:
        return f"{counts}, unplaced"
    return f"{counts} on {_counted(row.node_count, 'node')}"


def _ticket(ticket: TicketView | None) -> str:
    return "-" if ticket is None else f"{ticket.id} ({ticket.status})"


def _ack(row: IncidentRow) -> str:
    if row.acknowledged_at is None and row.acknowledged_by is None:
        return "not acknowledged"
    who = row.acknowledged_by or "someone"
    return f"{who} at {format_time(row.acknowledged_at)}" if row.acknowledged_at else who


def _flags(row: IncidentRow) -> str:
    flags = [
        text
        for on, text in (
            (row.major is not None, f"major {row.major}"),
            (row.problem is not None, f"problem {row.problem}"),
            (row.flapping, "flapping"),
            (row.maintenance, "maintenance"),
            (row.unconfirmed, "unconfirmed (SOFT)"),
            (row.assignee is not None, f"assigned to {row.assignee}"),
        )
        if on
    ]
    return ", ".join(flags)


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class _Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[_Cell, ...], ...]
    classes: tuple[str, ...] = ()  # one CSS class per row (HTML only)


@dataclass(frozen=True, slots=True)
class _Section:
    title: str
    empty: str
    table: _Table | None = None
    items: tuple[str, ...] = ()


def _cells(*values: str | _Cell) -> tuple[_Cell, ...]:
    return tuple(v if isinstance(v, _Cell) else _Cell(v) for v in values)


def _id_cell(row: IncidentRow) -> _Cell:
    return _Cell(row.id)


def _ticket_cell(ticket: TicketView | None) -> _Cell:
    href = ticket.url if ticket is not None and ticket.url else None
    return _Cell(_ticket(ticket), href)


def _open_table(rows: Sequence[IncidentRow]) -> _Table:
    return _Table(
        (
            "Priority",
            "Incident",
            "Age",
            "Team",
            "Root cause",
            "Active alerts",
            "Ticket",
            "Acknowledged by",
            "SLA",
            "Title",
            "Notes",
        ),
        tuple(
            _cells(
                r.priority.value,
                _id_cell(r),
                _duration(r.age_s),
                r.team + (f" ({r.site})" if r.site else ""),
                _root(r),
                _alert_counts(r),
                _ticket_cell(r.ticket),
                _ack(r),
                f"warning: {r.sla.detail}" if r.sla.state is SlaState.WARNING else r.sla.detail,
                r.title,
                _flags(r),
            )
            for r in rows
        ),
        tuple(f"{r.priority.value.lower()} sla-{r.sla.state.value}" for r in rows),
    )


def _opened_table(rows: Sequence[IncidentRow]) -> _Table:
    return _Table(
        ("Opened", "Incident", "Priority", "Team", "Root cause", "Status", "Title"),
        tuple(
            _cells(
                format_time(r.opened_at),
                _id_cell(r),
                r.priority.value,
                r.team,
                _root(r),
                r.status,
                r.title,
            )
            for r in rows
        ),
        tuple(r.priority.value.lower() for r in rows),
    )


def _resolved_table(rows: Sequence[IncidentRow]) -> _Table:
    return _Table(
        ("Resolved", "Incident", "Priority", "Team", "Root cause", "Open for", "Ticket", "Title"),
        tuple(
            _cells(
                format_time(r.resolved_at),
                _id_cell(r),
                r.priority.value,
                r.team,
                _root(r),
                _duration(r.age_s),
                _ticket_cell(r.ticket),
                r.title,
            )
            for r in rows
        ),
        tuple(r.priority.value.lower() for r in rows),
    )


def _breach_table(breaches: Sequence[SlaBreach]) -> _Table:
    return _Table(
        ("Reported", "Incident", "Priority", "Team", "Target", "Due", "Detail"),
        tuple(
            _cells(
                format_time(b.at),
                b.incident_id,
                b.priority.value,
                b.team,
                b.kind.value,
                format_time(b.due),
                b.detail,
            )
            for b in breaches
        ),
        tuple(b.priority.value.lower() for b in breaches),
    )


def _problem_table(views: Sequence[ProblemView]) -> _Table:
    return _Table(
        ("Id", "Since", "Signature", "Incidents", "Still open", "Opened in shift"),
        tuple(
            _cells(
                v.id,
                format_time(v.created_at),
                v.signature,
                ", ".join(v.members),
                ", ".join(v.open_members) or "none",
                str(v.opened_in_shift),
            )
            for v in views
        ),
    )


def _scope(window: MaintenanceWindow) -> str:
    parts = [
        f"{label} {', '.join(values)}"
        for label, values in (
            ("nodes", window.nodes),
            ("sites", window.sites),
            ("tags", window.tags),
        )
        if values
    ]
    return "; ".join(parts) or "nothing"


def _window_table(windows: Sequence[MaintenanceWindow]) -> _Table:
    return _Table(
        ("Id", "Covers", "From", "Until", "Reason", "By"),
        tuple(
            _cells(
                w.id,
                _scope(w),
                format_time(w.starts_at),
                "until ended" if w.ends_at is None else format_time(w.ends_at),
                w.reason,
                w.created_by,
            )
            for w in windows
        ),
    )


def _note_table(notes: Sequence[Note]) -> _Table:
    return _Table(
        ("At", "Incident", "By", "Note"),
        tuple(_cells(format_time(n.at), n.incident_id, n.actor, n.text) for n in notes),
    )


def plural(count: int, one: str, many: str) -> str:
    """``1 SLA breach``, ``2 SLA breaches``."""
    return f"{count} {one if count == 1 else many}"


def _summary(h: Handover) -> str:
    counts = _counts(h)
    by_priority = ", ".join(f"{n} {p}" for p, n in counts["open_by_priority"].items() if n)
    open_text = f"{counts['open']} open" + (f" ({by_priority})" if by_priority else "")
    parts = [
        open_text,
        f"{counts['opened']} opened and {counts['resolved']} resolved in the shift",
        plural(counts["sla_breaches"], "SLA breach", "SLA breaches"),
        plural(counts["major_incidents"], "major incident", "major incidents"),
        plural(counts["problems"], "recurring problem", "recurring problems"),
        plural(counts["maintenance"], "maintenance window", "maintenance windows") + " in force",
        plural(counts["notes"], "note", "notes"),
    ]
    return "; ".join(parts) + "."


def _title(h: Handover) -> str:
    return f"Shift handover {format_time(h.since)} to {format_time(h.until)} UTC"


def _sections(h: Handover) -> list[_Section]:
    return [
        _Section(
            f"Open incidents ({len(h.open)})",
            "No open incidents.",
            _open_table(h.open) if h.open else None,
        ),
        _Section(
            f"Opened in the shift ({len(h.opened)})",
            "No incident was opened in the shift.",
            _opened_table(h.opened) if h.opened else None,
        ),
        _Section(
            f"Resolved in the shift ({len(h.resolved)})",
            "No incident was resolved in the shift.",
            _resolved_table(h.resolved) if h.resolved else None,
        ),
        _Section(
            f"SLA breaches ({len(h.sla_breaches)})",
            "No SLA breach in the shift.",
            _breach_table(h.sla_breaches) if h.sla_breaches else None,
        ),
        _Section(
            f"Major incidents ({len(h.major_incidents)})",
            "No major incident.",
            _problem_table(h.major_incidents) if h.major_incidents else None,
        ),
        _Section(
            f"Recurring problems ({len(h.problems)})",
            "No recurring problem.",
            _problem_table(h.problems) if h.problems else None,
        ),
        _Section(
            f"Maintenance in force ({len(h.maintenance)})",
            "No maintenance window in force.",
            _window_table(h.maintenance) if h.maintenance else None,
        ),
        _Section(
            f"Notes ({len(h.notes)})",
            "No notes were written in the shift.",
            _note_table(h.notes) if h.notes else None,
        ),
    ]


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------

_MD_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>|])")


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, special characters escaped."""
    one_line = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", one_line) or " "


def _md_cell(cell: _Cell) -> str:
    text = _md(cell.text)
    if cell.href is not None and _safe_href(cell.href):
        return f"[{text}](<{cell.href.replace('>', '%3E').replace(' ', '%20')}>)"
    return text


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table of plain text cells (escaped)."""
    return _md_table(_Table(tuple(headers), tuple(_cells(*r) for r in rows)))


def _md_table(table: _Table) -> list[str]:
    lines = [
        "| " + " | ".join(_md(h) for h in table.headers) + " |",
        "|" + "|".join("---" for _ in table.headers) + "|",
    ]
    lines.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows)
    return lines


def handover_markdown(h: Handover) -> str:
    """The handover as Markdown (what ``correlator handover`` prints)."""
    lines = [f"# {_title(h)}", "", _md(_summary(h)), ""]
    for section in _sections(h):
        lines.extend([f"## {section.title}", ""])
        if section.table is None:
            lines.append(section.empty)
        else:
            lines.extend(_md_table(section.table))
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# HTML: one self-contained printable page
# --------------------------------------------------------------------------------------

_CSS: Final = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 2rem; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: #111; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; border-bottom: 2px solid #333; }
p.summary { margin: 0 0 1rem; color: #333; }
p.empty { color: #555; font-style: italic; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: left;
  vertical-align: top; white-space: pre-line; }
th { background: #eee; font-weight: 600; }
tr.p1 td:first-child { border-left: 6px solid #b00020; font-weight: 700; }
tr.p2 td:first-child { border-left: 6px solid #e65100; font-weight: 700; }
tr.p3 td:first-child { border-left: 6px solid #f9a825; }
tr.p4 td:first-child { border-left: 6px solid #1565c0; }
tr.p5 td:first-child { border-left: 6px solid #757575; }
tr.sla-breached td { background: #fde7e9; }
tr.sla-warning td { background: #fff6d6; }
a { color: #0b57d0; }
footer { margin-top: 2rem; color: #555; font-size: .85rem; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  tr.sla-breached td, tr.sla-warning td, th { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
}
"""


def _safe_href(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _html_cell(cell: _Cell) -> str:
    text = html.escape(cell.text)
    if cell.href is not None and _safe_href(cell.href):
        return f'<a href="{html.escape(cell.href, quote=True)}">{text}</a>'
    return text


def _html_table(table: _Table) -> list[str]:
    lines = [
        "<table>",
        "<thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
        + "</tr></thead>",
        "<tbody>",
    ]
    for index, row in enumerate(table.rows):
        css = table.classes[index] if index < len(table.classes) else ""
        attr = f' class="{html.escape(css, quote=True)}"' if css else ""
        cells = "".join(f"<td>{_html_cell(c)}</td>" for c in row)
        lines.append(f"<tr{attr}>{cells}</tr>")
    lines.extend(["</tbody>", "</table>"])
    return lines


def handover_html(h: Handover) -> str:
    """The handover as one self-contained printable HTML page (inline CSS, no scripts)."""
    title = html.escape(_title(h))
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{title}</h1>",
        f'<p class="summary">{html.escape(_summary(h))}</p>',
        "</header>",
        "<main>",
    ]
    for section in _sections(h):
        lines.extend(["<section>", f"<h2>{html.escape(section.title)}</h2>"])
        if section.table is None:
            lines.append(f'<p class="empty">{html.escape(section.empty)}</p>')
        else:
            lines.extend(_html_table(section.table))
        lines.append("</section>")
    lines.extend(
        [
            "</main>",
            f"<footer>Up to {html.escape(format_time(h.until))} UTC, by correlator.</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )
    return "\n".join(lines)
