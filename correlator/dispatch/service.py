# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The dispatch stage as a bus consumer: ``correlator.incidents`` in, tickets and pages out.

Pipeline, per incident change (one record of the compacted incidents topic)::

    record -> snapshot (record + topology) -> team (routing) + runbook
           -> ticket actions (queue.decide_ticket) + SLA clock
           -> page actions (paging.decide_paging + rate limits, pager routes)
           -> major-incident / problem observation (first announcement only): a
              RAISED major incident gets its parent ticket and its one page
              (:func:`plan_major`), a member that JOINED a comment on the parent
           -> store.apply(snapshot + what dispatch remembers, actions)  [one transaction]
           -> wake the outbox worker; commit the offsets after the whole batch

and on a tick of the injected clock (every ``tick_s``): ticket-system sync (who
acknowledged what), SLA checks (warnings and breaches become ticket comments and log
events) and escalation (an unacknowledged page goes to the team's next level; the ticket
says so). Nothing here calls a ticket system or a pager to *change* anything: every such
call is an outbox action under an idempotency key, sent by
:class:`correlator.dispatch.outbox.OutboxWorker`.

Why a consumer (and not a call from the correlator stage): the stage then depends only on
the public record (specs/kafka-topics.md) and the topology, commits its own offsets only
after ``store.apply`` (a crash redelivers, the idempotency keys make the redelivery
harmless), and could run as a process of its own on Kafka. Two facts the record does not
carry are derived (see :func:`snapshot_from_record`): whether the incident is past its
opening hold, and the business services it takes down.

What dispatch remembers of each incident (:class:`IncidentMemory`: the ticket as last
told, what was paged, the SLA clock, the escalation) is written inside the incident's
stored snapshot, in the same transaction as the actions it caused, and read back after a
restart: a redelivered record then decides nothing new.

People act on incidents too: through the API (:meth:`DispatchService.acknowledge`,
:meth:`~DispatchService.assign`, :meth:`~DispatchService.add_note`, each recorded in the
history under the person's name) and in the ticket system, which two-way sync reads (a
ticket taken names the incident's assignee; acknowledged or resolved, it stops the
escalation; resolved while the incident is still open, it also ends the page). When the
last member of a major incident ends, its parent ticket is resolved and its page gets the
resolve notice. An incident that fails again reopens its own ticket (``ticket.reopen``).
One lock keeps the consumer loop and the API from interleaving on the memory.

The decisions themselves are pure (:func:`plan_change`, :func:`plan_tick`,
:func:`plan_ticket_state`, :func:`plan_acknowledge`, ...); the service only reads,
writes and keeps the state between them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import structlog

from correlator.bus.protocol import Bus, Message
from correlator.bus.topics import Topics
from correlator.clock import Clock
from correlator.correlate.engine import Status
from correlator.correlate.graph import GraphIndex
from correlator.dispatch.escalation import EscalationAction, EscalationState, decide_escalation
from correlator.dispatch.major import (
    MajorAction,
    MajorDecision,
    MajorIncident,
    MajorState,
    Opening,
    ProblemAction,
    ProblemState,
    describe,
    observe_failure,
    observe_opening,
    withdraw,
)
from correlator.dispatch.major import ProblemRecord as RootProblem
from correlator.dispatch.model import (
    CommentKey,
    DeliveryError,
    Page,
    PageEvent,
    TicketDraft,
    TicketRef,
    TicketState,
    TicketStatus,
)
from correlator.dispatch.outbox import (
    PayloadError,
    draft_of,
    page_of,
    send_page,
    ticket_create,
    ticket_reopen,
    ticket_resolve,
    ticket_update,
)
from correlator.dispatch.pagers.base import Pager
from correlator.dispatch.pagers.router import (
    RateDecision,
    RateLimiter,
    RateReason,
    Router,
    TeamRoute,
)
from correlator.dispatch.paging import (
    PageMemory,
    PagingDecision,
    decide_paging,
    rate_limit_verdict,
)
from correlator.dispatch.priority import Priority
from correlator.dispatch.queue import (
    SERVICE_KIND,
    IncidentSnapshot,
    TicketActionKind,
    TicketMemory,
    alert_label,
    decide_ticket,
)
from correlator.dispatch.routing import route
from correlator.dispatch.runbook import runbook_for
from correlator.dispatch.settings import DispatchSettings
from correlator.dispatch.sla import SlaClock, SlaEvent, SlaKind, SlaLevel, deadlines
from correlator.dispatch.sla import acknowledge as sla_acknowledge
from correlator.dispatch.sla import check as sla_check
from correlator.dispatch.sla import resolve as sla_resolve
from correlator.dispatch.tickets.base import TicketSystem
from correlator.dispatch.tickets.builtin import BuiltinTickets, Comment, QueuedTicket
from correlator.store.protocol import (
    ActionKind,
    HistoryEntry,
    HistoryStep,
    OutboxAction,
    OutboxStatus,
    ProblemKind,
    ProblemRecord,
    Store,
    StoreError,
)
from correlator.store.protocol import IncidentSnapshot as StoredIncident
from correlator.telemetry import Metrics
from topology.model import Topology

log = structlog.get_logger("correlator.dispatch")

GROUP: Final = "dispatch"
"""Consumer group of the dispatch stage on ``correlator.incidents``."""
MEMORY_KEY: Final = "dispatch"
"""Where the stored incident body keeps what dispatch remembers (specs allow added fields)."""

SEVERITY: Final[Mapping[Priority, str]] = {
    Priority.P1: "critical",
    Priority.P2: "critical",
    Priority.P3: "error",
    Priority.P4: "warning",
    Priority.P5: "info",
}
"""Page severity (PagerDuty's vocabulary) of each priority."""

ACKNOWLEDGED: Final = frozenset(
    {TicketStatus.ACKNOWLEDGED, TicketStatus.RESOLVED, TicketStatus.CLOSED}
)
"""Ticket statuses that meet the response target and stop escalation: a person has it."""

_HISTORY_STEP: Final[Mapping[TicketStatus, HistoryStep]] = {
    TicketStatus.NEW: HistoryStep.UPDATED,
    TicketStatus.ASSIGNED: HistoryStep.ASSIGNED,
    TicketStatus.ACKNOWLEDGED: HistoryStep.ACKNOWLEDGED,
    TicketStatus.RESOLVED: HistoryStep.RESOLVED,
    TicketStatus.CLOSED: HistoryStep.CLOSED,
}

ACTOR_SYSTEM: Final = "correlator"
"""Who the history names for what dispatch itself did to a ticket (closing it)."""

_NUMBERED: Final = re.compile(r"^[A-Z]+-(\d+)$")
_MAJOR_ID: Final = "MAJ-{:06d}"
"""How :func:`correlator.dispatch.major.observe_opening` numbers major incidents."""


# --------------------------------------------------------------------------------------
# The incident as dispatch reads it from its record
# --------------------------------------------------------------------------------------


def announced_in(doc: Mapping[str, Any], hold_s: float) -> bool:
    """Whether the engine had announced the incident (past its opening hold) at this change.

    The record does not say it; it follows from the engine's lifecycle: a resolved
    incident is always announced, a paged one too, and the hold timer fires at
    ``opened_at + hold_s`` (a merge only ever moves ``opened_at`` earlier, to the opening
    of an incident that was itself announced by then).
    """
    if doc.get("status") == Status.RESOLVED.value and not doc.get("merged_into"):
        return True
    if int(doc.get("pages") or 0) > 0:
        return True
    opened = float(doc["opened_at"])
    return float(doc.get("updated_at") or opened) >= opened + hold_s


def snapshot_from_record(
    doc: Mapping[str, Any], graph: GraphIndex, *, hold_s: float
) -> IncidentSnapshot:
    """The dispatch view of one ``correlator.incidents`` record (``graph``: the topology).

    What :func:`correlator.dispatch.queue.snapshot_of` reads from a live incident, taken
    from the record: business services are those above the root in the topology (and any
    that alert); ``announced`` comes from :func:`announced_in`.
    """
    nodes = graph.topology.nodes
    raw_root = doc.get("root_cause")
    root = raw_root if isinstance(raw_root, str) else None
    node = nodes.get(root) if root is not None else None
    alerts = [a for a in doc.get("alerts") or () if isinstance(a, Mapping)]
    own = [a for a in alerts if root is None or a.get("node") == root]
    checks = tuple(sorted({str(a["check"]) for a in own if a.get("check")}))
    labels = frozenset(
        alert_label(str(a.get("source")), str(a.get("host")), a.get("check") or None)
        for a in alerts
    )
    involved = frozenset(str(n) for n in doc.get("nodes") or ())
    services: set[str] = set()
    if node is not None:
        closure = graph.group_closure(frozenset((node.id,)))
        services = {n for n in closure if nodes[n].kind == SERVICE_KIND}
    services.update(n for n in involved if n in nodes and nodes[n].kind == SERVICE_KIND)
    merged_into = doc.get("merged_into")
    status = Status.MERGED if merged_into else Status(doc.get("status") or Status.OPEN.value)
    title = str(doc.get("title") or doc["id"])
    resolved_at = doc.get("resolved_at")
    return IncidentSnapshot(
        incident_id=str(doc["id"]),
        title=title,
        status=status,
        announced=announced_in(doc, hold_s),
        opened_at=float(doc["opened_at"]),
        priority=Priority(doc.get("priority") or Priority.P5.value),
        root=root,
        subject=root if root is not None else title.split(" ", 1)[0],
        node=node,
        inferred=bool(doc.get("root_cause_inferred")),
        priority_reason=str(doc.get("priority_reason") or ""),
        checks=checks,
        nodes=involved,
        alerts=labels,
        services=frozenset(services),
        flapping=bool(doc.get("flapping")),
        maintenance=bool(doc.get("maintenance")),
        unconfirmed=bool(doc.get("unconfirmed")),
        resolved_at=None if resolved_at is None else float(resolved_at),
        merged_into=str(merged_into) if merged_into else None,
    )


def updated_at_of(doc: Mapping[str, Any]) -> float:
    """When the record's change happened (its ``updated_at``, else its opening)."""
    return float(doc.get("updated_at") or doc.get("opened_at") or 0.0)


# --------------------------------------------------------------------------------------
# What dispatch remembers of one incident
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncidentMemory:
    """Dispatch's state of one incident: what the ticket and on-call were told, the clocks.

    ``seen`` is the ``updated_at`` of the last record handled (an older one is stale);
    ``title`` .. ``runbook`` are the incident as last seen, for pages sent on a tick.
    """

    incident_id: str
    seen: float = float("-inf")
    open: bool = True
    title: str = ""
    priority: Priority = Priority.P5
    team: str = ""
    subject: str = ""
    runbook: str | None = None
    ticket: TicketMemory | None = None
    sla: SlaClock | None = None
    page: PageMemory = field(default_factory=PageMemory)
    paged_to: tuple[str, ...] = ()
    """Pagers that received a trigger (a resolve notice goes to each)."""
    escalation: EscalationState | None = None
    acknowledged_by: str | None = None
    """Who acknowledged the incident: a person through the API, or the person (else the
    system) the ticket system names when the ticket was acknowledged or resolved there."""
    acknowledged_at: float | None = None
    assignee: str | None = None
    """Who has the incident: assigned through the API, or taken in the ticket system."""

    def to_json(self) -> dict[str, Any]:
        """A JSON object for the stored incident body."""
        ticket = self.ticket
        sla = self.sla
        esc = self.escalation
        return {
            "seen": self.seen if self.seen != float("-inf") else None,
            "open": self.open,
            "title": self.title,
            "priority": self.priority.value,
            "team": self.team,
            "subject": self.subject,
            "runbook": self.runbook,
            "ticket": None
            if ticket is None
            else {
                "status": ticket.status.value,
                "priority": ticket.priority.value,
                "team": ticket.team,
                "root": ticket.root,
                "alerts": sorted(ticket.alerts),
                "incident_open": ticket.incident_open,
            },
            "sla": None
            if sla is None
            else {
                "priority": sla.priority.value,
                "opened_at": sla.opened_at,
                "acknowledged_at": sla.acknowledged_at,
                "resolved_at": sla.resolved_at,
                "emitted": sorted([kind.value, level.value] for kind, level in sla.emitted),
            },
            "page": {
                "pages": self.page.pages,
                "last_paged": None if self.page.last_paged is None else self.page.last_paged.value,
                "resolve_sent": self.page.resolve_sent,
            },
            "paged_to": list(self.paged_to),
            "escalation": None
            if esc is None
            else {
                "triggered_at": esc.triggered_at,
                "level": esc.level,
                "level_since": esc.level_since,
                "acknowledged": esc.acknowledged,
                "resolved": esc.resolved,
            },
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_at": self.acknowledged_at,
            "assignee": self.assignee,
        }

    @classmethod
    def from_json(cls, incident_id: str, data: Mapping[str, Any]) -> IncidentMemory:
        """The memory written by :meth:`to_json` (raises KeyError/ValueError/TypeError)."""
        ticket = data.get("ticket")
        sla = data.get("sla")
        page = data["page"]
        esc = data.get("escalation")
        seen = data.get("seen")
        last_paged = page.get("last_paged")
        acknowledged_by = data.get("acknowledged_by")
        acknowledged_at = data.get("acknowledged_at")
        assignee = data.get("assignee")
        return cls(
            incident_id=incident_id,
            seen=float("-inf") if seen is None else float(seen),
            open=bool(data["open"]),
            title=str(data["title"]),
            priority=Priority(data["priority"]),
            team=str(data["team"]),
            subject=str(data["subject"]),
            runbook=data.get("runbook"),
            ticket=None
            if ticket is None
            else TicketMemory(
                incident_id=incident_id,
                status=TicketStatus(ticket["status"]),
                priority=Priority(ticket["priority"]),
                team=str(ticket["team"]),
                root=ticket.get("root"),
                alerts=frozenset(str(a) for a in ticket["alerts"]),
                incident_open=bool(ticket["incident_open"]),
            ),
            sla=None
            if sla is None
            else SlaClock(
                incident_id=incident_id,
                priority=Priority(sla["priority"]),
                opened_at=float(sla["opened_at"]),
                acknowledged_at=sla.get("acknowledged_at"),
                resolved_at=sla.get("resolved_at"),
                emitted=frozenset((SlaKind(k), SlaLevel(v)) for k, v in sla["emitted"]),
            ),
            page=PageMemory(
                pages=int(page["pages"]),
                last_paged=None if last_paged is None else Priority(last_paged),
                resolve_sent=bool(page["resolve_sent"]),
            ),
            paged_to=tuple(str(p) for p in data.get("paged_to") or ()),
            escalation=None
            if esc is None
            else EscalationState(
                triggered_at=float(esc["triggered_at"]),
                level=int(esc["level"]),
                level_since=esc.get("level_since"),
                acknowledged=bool(esc["acknowledged"]),
                resolved=bool(esc["resolved"]),
            ),
            # absent from memories written before the operator API: None
            acknowledged_by=None if acknowledged_by is None else str(acknowledged_by),
            acknowledged_at=None if acknowledged_at is None else float(acknowledged_at),
            assignee=None if assignee is None else str(assignee),
        )


def memory_of(body: Mapping[str, Any]) -> IncidentMemory | None:
    """The memory kept in a stored incident body (None: none, or unreadable)."""
    data = body.get(MEMORY_KEY)
    if not isinstance(data, Mapping):
        return None
    try:
        return IncidentMemory.from_json(str(body["id"]), data)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        log.warning("dispatch_memory_unreadable", incident=body.get("id"), error=str(exc))
        return None


def record_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """The incident record inside a stored body (without dispatch's memory)."""
    return {k: v for k, v in body.items() if k != MEMORY_KEY}


# --------------------------------------------------------------------------------------
# Pure decisions
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class PagerRouting:
    """Which pagers a team's page reaches at a level, and their token buckets."""

    router: Router = field(default_factory=lambda: Router(TeamRoute(())))
    limiter: RateLimiter | None = None

    def pagers(self, team: str, level: int) -> tuple[str, ...]:
        """The pagers of ``team`` at escalation ``level``."""
        return self.router.route(team, level).pagers

    def admit(self, team: str, pager: str, now: float) -> RateDecision:
        """Take a token for one trigger of ``team`` to ``pager`` (no limiter: unlimited)."""
        if self.limiter is None:
            return RateDecision(
                allowed=True, reason=RateReason.UNLIMITED, detail=f"{team}/{pager}: no rate limit"
            )
        return self.limiter.allow(team, now, pager)


@dataclass(frozen=True, slots=True)
class Plan:
    """What one decision step wants written: actions, the memory to keep, and why."""

    actions: tuple[OutboxAction, ...]
    memory: IncidentMemory
    notes: tuple[str, ...] = ()
    sla_events: tuple[SlaEvent, ...] = ()
    opened: bool = False
    """A ticket creation was decided: the incident was just announced."""
    paging: PagingDecision | None = None
    escalated_to: int | None = None
    history: tuple[HistoryEntry, ...] = ()
    """What people did, recorded with the change (operator actions)."""


def _page(
    memory: IncidentMemory,
    event: PageEvent,
    level: int,
    reason: str,
    notify: str | None,
    url: str | None = None,
) -> Page:
    details: dict[str, Any] = {"reason": reason}
    if notify:
        details["notify"] = notify
    return Page(
        dedup_key=memory.incident_id,
        event=event,
        summary=memory.title,
        priority=memory.priority,
        team=memory.team,
        source=memory.subject,
        severity=SEVERITY[memory.priority],
        runbook=memory.runbook,
        url=url,
        escalation_level=level,
        details=details,
    )


def _notify(settings: DispatchSettings, team: str, level: int) -> str | None:
    levels = settings.paging.levels_for(team)
    return levels[level - 1].notify if 0 < level <= len(levels) else None


def _ticket_end(
    settings: DispatchSettings, target: str, incident_id: str, comment: str, change: str
) -> OutboxAction:
    """The ticket's part in an incident's end: resolved with ``comment``, or only the
    comment when ``dispatch.resolve_tickets`` is off (a person resolves it)."""
    if settings.resolve_tickets:
        return ticket_resolve(target, incident_id, comment, change=change)
    return ticket_update(
        target,
        incident_id,
        f"{change}:over" if change else "over",
        comment=f"{comment} (the ticket is left open for a person to resolve)",
    )


def _comments(
    targets: Sequence[str], incident_id: str, change: str, comment: str
) -> list[OutboxAction]:
    return [ticket_update(t, incident_id, change, comment=comment) for t in targets]


def _sla_comments(targets: Sequence[str], events: Sequence[SlaEvent]) -> list[OutboxAction]:
    actions: list[OutboxAction] = []
    for event in events:
        change = f"sla-{event.kind.value}-{event.level.value}"
        actions.extend(_comments(targets, event.incident_id, change, event.reason))
    return actions


def plan_change(
    previous: IncidentMemory | None,
    snap: IncidentSnapshot,
    *,
    settings: DispatchSettings,
    ticket_targets: Sequence[str],
    pagers: PagerRouting,
    recent_triggers: Mapping[str, Sequence[float]],
    changed_at: float,
    now: float,
) -> Plan:
    """The ticket, SLA and page actions for one incident change (see the module docstring).

    ``recent_triggers`` are the times of each team's recent triggers (the policy's rate
    limit); ``changed_at`` is the change's ``updated_at`` and names the ticket actions it
    causes, so a redelivered change enqueues nothing twice.
    """
    memory = previous if previous is not None else IncidentMemory(snap.incident_id)
    team = route(snap.node, snap.checks, settings.routing, default_team=settings.default_team)
    book = runbook_for(snap.node, snap.checks, settings.runbooks, subject=snap.subject)
    link = settings.incident_link(snap.incident_id)
    decision = decide_ticket(
        memory.ticket,
        snap,
        team=team.team,
        route_reason=team.reason,
        runbook=book.url,
        url=link,
    )
    notes = [f"team {team.team} ({team.reason})", f"ticket: {decision.reason}"]
    incident_id = snap.incident_id
    change = f"c{changed_at!r}"
    head: list[OutboxAction] = []
    tail: list[OutboxAction] = []
    sla = memory.sla
    opened = False
    for action in decision.actions:
        if action.kind is TicketActionKind.CREATE:
            draft: TicketDraft | None = action.draft
            if draft is None:  # decide_ticket always sets it on CREATE
                raise ValueError("a ticket creation without its draft")
            opened = True
            # a person who acknowledged inside the opening hold has met the response target
            sla = SlaClock(
                incident_id, snap.priority, snap.opened_at, acknowledged_at=memory.acknowledged_at
            )
            due = deadlines(
                snap.priority, snap.opened_at, settings.sla.targets, settings.sla.warn_at
            )
            head.extend(
                ticket_create(
                    t, draft, response_due=due.response_due, resolution_due=due.resolution_due
                )
                for t in ticket_targets
            )
        elif action.kind is TicketActionKind.RESOLVE:
            tail.extend(
                _ticket_end(settings, t, incident_id, action.comment or "resolved", change)
                for t in ticket_targets
            )
        elif action.kind is TicketActionKind.REOPEN:
            # the same ticket again (never a second one), then what else changed
            why = f"{action.reason}: {action.comment}"
            head.extend(ticket_reopen(t, incident_id, why, change=change) for t in ticket_targets)
            if action.priority is not None or action.title is not None:
                head.extend(
                    ticket_update(
                        t, incident_id, change, priority=action.priority, title=action.title
                    )
                    for t in ticket_targets
                )
        else:
            comment = action.comment
            head.extend(
                ticket_update(
                    t,
                    incident_id,
                    change,
                    comment=comment,
                    priority=action.priority,
                    title=action.title,
                )
                for t in ticket_targets
            )
    events: tuple[SlaEvent, ...] = ()
    if sla is not None:
        if sla.priority is not snap.priority:
            sla = sla.reprioritised(snap.priority)
        if snap.is_open and sla.resolved_at is not None:
            sla = sla.reopened()
        elif not snap.is_open and sla.resolved_at is None:
            stopped = sla_resolve(sla, snap.resolved_at or now, settings.sla)
            sla, events = stopped.clock, stopped.events
    actions = [*head, *_sla_comments(ticket_targets, events), *tail]
    ticket_memory = decision.memory
    ending = any(a.kind is TicketActionKind.RESOLVE for a in decision.actions)
    if ending and not settings.resolve_tickets and ticket_memory is not None:
        # the ticket stays as people have it: a reopening then comments, never reopens
        before = memory.ticket.status if memory.ticket is not None else TicketStatus.NEW
        ticket_memory = replace(ticket_memory, status=before)

    seen = replace(
        memory,
        seen=changed_at,
        open=snap.is_open,
        title=snap.title,
        priority=snap.priority,
        team=team.team,
        subject=snap.subject,
        runbook=book.url,
        ticket=ticket_memory,
        sla=sla,
    )
    limit = settings.paging.rate_limit_for(team.team)
    rate = rate_limit_verdict(limit, snap.priority, recent_triggers.get(team.team, ()), now)
    paging = decide_paging(
        settings.paging,
        priority=snap.priority,
        resolved=not snap.is_open,
        announced=snap.announced,
        maintenance=snap.maintenance,
        flapping=snap.flapping,
        unconfirmed=snap.unconfirmed,
        memory=memory.page,
        rate=rate,
    )
    notes.append(f"page: {paging.event.value if paging.event else 'none'} ({paging.reason})")
    page_memory = memory.page.after(paging, snap.priority)
    escalation = memory.escalation
    paged_to = memory.paged_to
    if paging.event is PageEvent.TRIGGER:
        level = 1
        if escalation is not None and not (escalation.resolved or escalation.acknowledged):
            level = escalation.level  # a rise re-pages whoever is engaged by now
        page = _page(
            seen,
            PageEvent.TRIGGER,
            level,
            paging.reason,
            _notify(settings, team.team, level),
            link,
        )
        sent: list[str] = []
        for name in pagers.pagers(team.team, level):
            admitted = pagers.admit(team.team, name, now)
            if admitted.allowed:
                actions.append(send_page(name, page, change=f"t{page_memory.pages}"))
                sent.append(name)
            else:
                notes.append(f"not paged through {name}: {admitted.detail}")
        if not sent:
            notes.append(f"no pager reached for team {team.team}: the page is recorded only")
        paged_to = tuple(dict.fromkeys((*paged_to, *sent)))
        escalation = EscalationState(triggered_at=now, level=level, level_since=now)
    elif paging.event is PageEvent.RESOLVE:
        level = escalation.level if escalation is not None else 1
        page = _page(seen, PageEvent.RESOLVE, level, paging.reason, None, link)
        actions.extend(send_page(n, page, change=f"t{page_memory.pages}") for n in paged_to)
    if not snap.is_open and escalation is not None and not escalation.resolved:
        escalation = replace(escalation, resolved=True)
    kept = replace(seen, page=page_memory, paged_to=paged_to, escalation=escalation)
    return Plan(tuple(actions), kept, tuple(notes), events, opened, paging)


def plan_tick(
    memory: IncidentMemory,
    *,
    settings: DispatchSettings,
    ticket_targets: Sequence[str],
    pagers: PagerRouting,
    now: float,
) -> Plan:
    """SLA warnings/breaches due now, and the escalation of an unacknowledged page."""
    if not memory.open:
        return Plan((), memory)
    actions: list[OutboxAction] = []
    notes: list[str] = []
    events: tuple[SlaEvent, ...] = ()
    sla = memory.sla
    if sla is not None:
        checked = sla_check(sla, now, settings.sla)
        sla, events = checked.clock, checked.events
        actions.extend(_sla_comments(ticket_targets, events))
        notes.extend(e.reason for e in events)
    escalation = memory.escalation
    paged_to = memory.paged_to
    escalated: int | None = None
    if escalation is not None:
        decision = decide_escalation(
            escalation,
            priority=memory.priority,
            levels=settings.paging.levels_for(memory.team),
            ack_timeout_s=settings.paging.ack_timeout_s,
            now=now,
        )
        if decision.action is EscalationAction.ESCALATE:
            level = decision.level
            escalated = level
            notify = decision.target.notify if decision.target is not None else None
            link = settings.incident_link(memory.incident_id)
            page = _page(memory, PageEvent.TRIGGER, level, decision.reason, notify, link)
            names = pagers.pagers(memory.team, level)
            run = f"t{memory.page.pages}"
            actions.extend(send_page(n, page, change=run) for n in names)
            reached = ", ".join(names) if names else "no pager configured: not sent"
            actions.extend(
                _comments(
                    ticket_targets,
                    memory.incident_id,
                    f"esc-{run}-L{level}",
                    f"page escalated: {decision.reason} ({reached})",
                )
            )
            notes.append(decision.reason)
            paged_to = tuple(dict.fromkeys((*paged_to, *names)))
            escalation = escalation.escalated(level, now)
    kept = replace(memory, sla=sla, escalation=escalation, paged_to=paged_to)
    return Plan(tuple(actions), kept, tuple(notes), events, escalated_to=escalated)


def plan_ticket_state(
    memory: IncidentMemory,
    status: TicketStatus,
    *,
    settings: DispatchSettings,
    ticket_targets: Sequence[str],
    now: float,
    assignee: str | None = None,
    system: str | None = None,
) -> Plan:
    """The ticket system says ``status`` (a person took, acknowledged or resolved it).

    ``assignee`` is who the system names as having the ticket (None: nobody, or not
    told), ``system`` the ticket system that said so. The assignee becomes the incident's;
    an acknowledged or resolved ticket meets the response target, stops the escalation and
    tells the pagers (``acknowledge``); one resolved or closed by a person while the
    incident is still open also ends the page (``resolve`` to every pager that was paged):
    paging about it stops, while the incident stays open for its alerts to clear.
    """
    ticket = memory.ticket
    if ticket is not None and ticket.status is not status:
        ticket = ticket.with_status(status)
    sla = memory.sla
    escalation = memory.escalation
    page_memory = memory.page
    events: tuple[SlaEvent, ...] = ()
    notes: list[str] = []
    pages: list[OutboxAction] = []
    kept_assignee = memory.assignee
    if assignee is not None and assignee != memory.assignee:
        kept_assignee = assignee
        notes.append(f"assigned to {assignee} in {system or 'the ticket system'}")
    acknowledged_by, acknowledged_at = memory.acknowledged_by, memory.acknowledged_at
    who = assignee or system or "the ticket system"
    link = settings.incident_link(memory.incident_id)
    run = f"t{memory.page.pages}"
    if status in ACKNOWLEDGED:
        if acknowledged_by is None:
            acknowledged_by, acknowledged_at = who, now
        if sla is not None and sla.acknowledged_at is None:
            met = sla_acknowledge(sla, now, settings.sla)
            sla, events = met.clock, met.events
            notes.append(f"response target met: ticket {status.value}")
        done = status in {TicketStatus.RESOLVED, TicketStatus.CLOSED}
        if done and memory.open and escalation is not None and not escalation.resolved:
            why = f"ticket {status.value} by {who} while the incident is open: paging stops"
            notice = settings.paging.resolve_notices
            if notice and memory.page.pages and not memory.page.resolve_sent:
                page = _page(memory, PageEvent.RESOLVE, escalation.level, why, None, link)
                pages = [send_page(n, page, change=run) for n in memory.paged_to]
                page_memory = replace(memory.page, resolve_sent=True)
            escalation = replace(escalation, acknowledged=True, resolved=True)
            notes.append(why)
        elif escalation is not None and not escalation.acknowledged:
            if not escalation.resolved:  # tell the pagers, so they stop paging too
                why = f"ticket {status.value} by {who}"
                page = _page(memory, PageEvent.ACKNOWLEDGE, escalation.level, why, None, link)
                pages = [send_page(n, page, change=run) for n in memory.paged_to]
            escalation = replace(escalation, acknowledged=True)
            notes.append("escalation stopped: acknowledged")
    kept = replace(
        memory,
        ticket=ticket,
        sla=sla,
        escalation=escalation,
        page=page_memory,
        assignee=kept_assignee,
        acknowledged_by=acknowledged_by,
        acknowledged_at=acknowledged_at,
    )
    actions = (*_sla_comments(ticket_targets, events), *pages)
    return Plan(actions, kept, tuple(notes), events)


# --------------------------------------------------------------------------------------
# What people do through the NOC page and its API
# --------------------------------------------------------------------------------------


def _awaiting_acknowledgement(memory: IncidentMemory) -> bool:
    """Something an acknowledgement would still stop: a running escalation, an SLA
    response clock."""
    esc = memory.escalation
    if esc is not None and not (esc.acknowledged or esc.resolved):
        return True
    return memory.sla is not None and memory.sla.acknowledged_at is None


def _operator_change(step: str, actor: str, now: float, text: str = "") -> str:
    """The idempotency name of one operator action: who, when (and what, for notes)."""
    change = f"{step}:{actor}:{now!r}"
    if text:
        change += ":" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return change


def _ticket_comments(
    memory: IncidentMemory, targets: Sequence[str], change: str, comment: str
) -> list[OutboxAction]:
    """A comment on the incident's ticket in each target, once the ticket was decided."""
    if memory.ticket is None:
        return []  # inside the opening hold: there is no ticket to comment on yet
    return _comments(targets, memory.incident_id, change, comment)


def plan_acknowledge(
    memory: IncidentMemory,
    *,
    actor: str,
    settings: DispatchSettings,
    ticket_targets: Sequence[str],
    now: float,
) -> Plan:
    """``actor`` acknowledges the incident: the SLA response target is met, the escalation
    stops, every pager that was paged is told ``acknowledge``, the ticket says who, and
    the history records it. Acknowledging what is already acknowledged changes nothing
    (a page that a priority rise sent again can be acknowledged again)."""
    if memory.acknowledged_by is not None and not _awaiting_acknowledgement(memory):
        return Plan((), memory, (f"already acknowledged by {memory.acknowledged_by}",))
    sla, escalation = memory.sla, memory.escalation
    events: tuple[SlaEvent, ...] = ()
    notes = [f"acknowledged by {actor}"]
    pages: list[OutboxAction] = []
    if sla is not None and sla.acknowledged_at is None:
        met = sla_acknowledge(sla, now, settings.sla)
        sla, events = met.clock, met.events
        notes.append("response target met")
    if escalation is not None and not escalation.acknowledged:
        if not escalation.resolved:
            link = settings.incident_link(memory.incident_id)
            why = f"acknowledged by {actor}"
            page = _page(memory, PageEvent.ACKNOWLEDGE, escalation.level, why, None, link)
            run = f"t{memory.page.pages}"
            pages = [send_page(n, page, change=run) for n in memory.paged_to]
            notes.append(f"escalation stopped at level {escalation.level}")
        escalation = replace(escalation, acknowledged=True)
    change = _operator_change("ack", actor, now)
    actions = (
        *_sla_comments(ticket_targets, events),
        *_ticket_comments(memory, ticket_targets, change, f"Acknowledged by {actor}"),
        *pages,
    )
    kept = replace(
        memory, sla=sla, escalation=escalation, acknowledged_by=actor, acknowledged_at=now
    )
    history = HistoryEntry(
        memory.incident_id, now, actor, HistoryStep.ACKNOWLEDGED, "; ".join(notes)
    )
    return Plan(actions, kept, tuple(notes), events, history=(history,))


def plan_assign(
    memory: IncidentMemory,
    *,
    assignee: str,
    actor: str,
    ticket_targets: Sequence[str],
    now: float,
) -> Plan:
    """``actor`` gives the incident to ``assignee``: the ticket says so and the history
    records it. Assigning it to whoever has it already changes nothing."""
    if memory.assignee == assignee:
        return Plan((), memory, (f"already assigned to {assignee}",))
    text = f"Assigned to {assignee}" + ("" if actor == assignee else f" by {actor}")
    change = _operator_change("assign", actor, now, assignee)
    actions = tuple(_ticket_comments(memory, ticket_targets, change, text))
    history = HistoryEntry(
        memory.incident_id, now, actor, HistoryStep.ASSIGNED, f"assigned to {assignee}"
    )
    kept = replace(memory, assignee=assignee)
    return Plan(actions, kept, (text,), history=(history,))


def plan_note(
    memory: IncidentMemory,
    *,
    text: str,
    actor: str,
    ticket_targets: Sequence[str],
    now: float,
) -> Plan:
    """``actor``'s note on the incident: a comment on its ticket and a NOTE in its history."""
    change = _operator_change("note", actor, now, text)
    actions = tuple(_ticket_comments(memory, ticket_targets, change, f"Note from {actor}: {text}"))
    history = HistoryEntry(memory.incident_id, now, actor, HistoryStep.NOTE, text)
    return Plan(actions, memory, (f"note from {actor}",), history=(history,))


# --------------------------------------------------------------------------------------
# Major incidents: the parent ticket and the one page
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MajorMember:
    """A member incident as the parent ticket and the page of its major incident show it.

    ``tickets`` maps each ticket target to the member's ticket there, when one is open.
    """

    incident_id: str
    title: str
    team: str
    maintenance: bool = False
    tickets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MajorPlan:
    """The parent-ticket and page actions of one major-incident decision, and why.

    ``team`` is the team the page is for (the first member's; None when JOINED).
    """

    actions: tuple[OutboxAction, ...] = ()
    notes: tuple[str, ...] = ()
    paging: PagingDecision | None = None
    team: str | None = None


def major_title(major: MajorIncident) -> str:
    """``Major incident MAJ-000001: 5 incidents with the same kind 'switch'``."""
    return (
        f"Major incident {major.id}: {len(major.members)} incidents "
        f"with the {describe(major.signature)}"
    )


def _major_description(major: MajorIncident, members: Sequence[MajorMember], target: str) -> str:
    head = (
        f"{len(members)} incidents with the {describe(major.signature)} opened together: "
        f"one major incident at {major.priority.value}."
    )
    lines = [
        head,
        "",
        "Member incidents:",
    ]
    for member in members:
        ticket = member.tickets.get(target)
        where = f"ticket {ticket}" if ticket else "its ticket is being opened"
        lines.append(f"- {member.incident_id}: {member.title} ({where})")
    lines += ["", f"Why: {major.reason}"]
    return "\n".join(lines)


def plan_major(
    decision: MajorDecision,
    members: Sequence[MajorMember],
    *,
    settings: DispatchSettings,
    ticket_targets: Sequence[str],
    pagers: PagerRouting,
    recent_triggers: Mapping[str, Sequence[float]],
    now: float,
) -> MajorPlan:
    """The parent ticket and the page of a RAISED major incident; the parent's update for
    a member that JOINED (a comment, and its new priority when it rose; never a page).

    ``members`` are the major's members in order when RAISED, the new member when JOINED.
    The parent ticket is keyed by the major's id (one per target); the page's dedup key is
    the major's id and it goes to the pagers of the first member's team, unless every
    member is under maintenance, the raised priority is below the paging threshold or the
    team's rate limit holds it back (:func:`correlator.dispatch.paging.decide_paging`).
    """
    major = decision.major
    if major is None or decision.action is MajorAction.NONE:
        return MajorPlan()
    if decision.action is MajorAction.JOINED:
        if not members:
            raise ValueError(f"{major.id}: a joining member is needed to comment on it")
        new = members[-1]
        comment = f"member added: {new.incident_id} ({new.title}): {decision.reason}"
        updates = tuple(
            ticket_update(
                t,
                major.id,
                f"join-{new.incident_id}",
                comment=comment,
                priority=major.priority if decision.priority_raised else None,
                title=major_title(major),
            )
            for t in ticket_targets
        )
        return MajorPlan(updates, (f"{major.id}: parent ticket updated, not paged again",))
    if [m.incident_id for m in members] != list(major.members):
        raise ValueError(f"{major.id}: the members given are not the major's members")
    team = members[0].team
    actions: list[OutboxAction] = []
    for target in ticket_targets:
        draft = TicketDraft(
            incident_id=major.id,
            title=major_title(major),
            description=_major_description(major, members, target),
            priority=major.priority,
            team=team,
        )
        actions.append(ticket_create(target, draft))
    limit = settings.paging.rate_limit_for(team)
    rate = rate_limit_verdict(limit, major.priority, recent_triggers.get(team, ()), now)
    paging = decide_paging(
        settings.paging,
        priority=major.priority,
        resolved=False,
        announced=True,
        maintenance=all(m.maintenance for m in members),
        flapping=False,
        memory=PageMemory(),
        rate=rate,
    )
    notes = [f"{major.id} page: {paging.event.value if paging.event else 'none'} ({paging.reason})"]
    if paging.event is not PageEvent.TRIGGER:
        return MajorPlan(tuple(actions), tuple(notes), paging, team)
    details: dict[str, Any] = {
        "reason": paging.reason,
        "major_incident": major.reason,
        "members": list(major.members),
    }
    notify = _notify(settings, team, 1)
    if notify:
        details["notify"] = notify
    page = Page(
        dedup_key=major.id,
        event=PageEvent.TRIGGER,
        summary=(
            f"{major_title(major)}: {', '.join(major.members)} (raised to {major.priority.value})"
        ),
        priority=major.priority,
        team=team,
        source=",".join(f"{name}={value}" for name, value in major.signature),
        severity=SEVERITY[major.priority],
        escalation_level=1,
        details=details,
    )
    sent: list[str] = []
    for name in pagers.pagers(team, 1):
        admitted = pagers.admit(team, name, now)
        if admitted.allowed:
            actions.append(send_page(name, page, change="t1"))  # as an incident's first
            sent.append(name)
        else:
            notes.append(f"{major.id} not paged through {name}: {admitted.detail}")
    if not sent:
        notes.append(f"{major.id}: no pager reached for team {team}: the page is recorded only")
    return MajorPlan(tuple(actions), tuple(notes), paging, team)


def plan_major_resolved(
    major_id: str,
    members: Sequence[str],
    open_members: Sequence[str],
    triggers: Sequence[tuple[str, Page]],
    *,
    settings: DispatchSettings,
    ticket_targets: Sequence[str],
) -> MajorPlan:
    """The end of a major incident: once none of its ``members`` is open any more, its
    parent ticket is resolved in every target and each pager that received its trigger
    (``triggers``: pager name and the page sent) gets the resolve notice.

    Nothing while a member is still open (``open_members``). The actions' keys are fixed
    per major incident, so the end is announced once however often it is decided.
    """
    if open_members:
        return MajorPlan(
            notes=(f"{major_id}: {len(open_members)} member(s) still open",),
        )
    comment = (
        f"every member incident has resolved ({', '.join(members)}): "
        f"major incident {major_id} is over"
    )
    actions: list[OutboxAction] = [
        _ticket_end(settings, t, major_id, comment, "members-resolved") for t in ticket_targets
    ]
    ended = "resolved" if settings.resolve_tickets else "told, left open for a person"
    notes = [f"{major_id}: every member resolved: parent ticket {ended}"]
    if settings.paging.resolve_notices:
        for name, trigger in triggers:
            page = replace(
                trigger,
                event=PageEvent.RESOLVE,
                details={**trigger.details, "reason": "every member incident has resolved"},
            )
            actions.append(send_page(name, page, change="t1"))
        if triggers:
            notes.append(f"{major_id}: resolve notice to {', '.join(n for n, _ in triggers)}")
    return MajorPlan(tuple(actions), tuple(notes))


# --------------------------------------------------------------------------------------
# Metrics: adapters that count what they deliver
# --------------------------------------------------------------------------------------


class DispatchMetrics:
    """The dispatch stage's counters, registered once on the daemon's registry."""

    def __init__(self, metrics: Metrics) -> None:
        self.tickets_written: Final = metrics.counter(
            "correlator_tickets_written_total",
            "Ticket changes a ticket system accepted, by system and action.",
            ("system", "action"),
        )
        self.pages_sent: Final = metrics.counter(
            "correlator_pages_sent_total",
            "Pages a pager accepted, by pager and event (trigger, acknowledge, resolve).",
            ("pager", "event"),
        )
        self.pages_failed: Final = metrics.counter(
            "correlator_pages_failed_total",
            "Page deliveries a pager refused or did not answer, by pager and event.",
            ("pager", "event"),
        )
        self.sla_events: Final = metrics.counter(
            "correlator_sla_events_total",
            "SLA warnings and breaches reported, by target (response, resolution) and level.",
            ("target", "level"),
        )


class CountedTickets:
    """A ticket system that counts the changes it accepted."""

    def __init__(self, system: TicketSystem, metrics: DispatchMetrics) -> None:
        self.name = system.name
        self.inner = system
        self._written = metrics.tickets_written

    async def create(self, draft: TicketDraft) -> TicketRef:
        ref = await self.inner.create(draft)
        self._written.labels(self.name, "create").inc()
        return ref

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        await self.inner.update(ref, comment=comment, priority=priority, title=title, key=key)
        self._written.labels(self.name, "update").inc()

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        await self.inner.resolve(ref, comment, key=key)
        self._written.labels(self.name, "resolve").inc()

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        await self.inner.reopen(ref, comment, key=key)
        self._written.labels(self.name, "reopen").inc()

    async def fetch(self, ref: TicketRef) -> TicketState:
        return await self.inner.fetch(ref)


class CountedPager:
    """A pager that counts the pages it delivered and the deliveries that failed."""

    def __init__(self, pager: Pager, metrics: DispatchMetrics) -> None:
        self.name = pager.name
        self.inner = pager
        self._sent = metrics.pages_sent
        self._failed = metrics.pages_failed

    async def send(self, page: Page) -> None:
        try:
            await self.inner.send(page)
        except (DeliveryError, TimeoutError):
            self._failed.labels(self.name, page.event.value).inc()
            raise
        self._sent.labels(self.name, page.event.value).inc()


# --------------------------------------------------------------------------------------
# Restoring the built-in queue
# --------------------------------------------------------------------------------------


async def restore_builtin_tickets(store: Store, system: str) -> list[QueuedTicket]:
    """The built-in queue ``system`` as the store knows it, to continue after a restart.

    The queue keeps its tickets in memory; the store has each ticket (number, status,
    priority, assignee), the draft it was opened with (its ``ticket.create`` action) and
    its comments (the history), so numbering and updates carry on where they stopped.
    The parent tickets of major incidents are restored too (they have no incident
    snapshot: their title is the last one sent).
    """
    owners: list[tuple[str, Mapping[str, Any]]] = [(i.id, i.body) for i in await store.incidents()]
    owners.extend((major_id, {}) for major_id in await major_ids(store))
    restored: list[QueuedTicket] = []
    for owner, body in owners:
        record = await store.ticket(owner, system)
        if record is None:
            continue
        draft = None
        retitled: str | None = None
        for action in await store.actions(owner):
            if action.target != system:
                continue
            if action.kind is ActionKind.TICKET_CREATE and draft is None:
                try:
                    draft = draft_of(action.payload)
                except ValueError:
                    draft = None
            elif action.kind is ActionKind.TICKET_UPDATE and action.status is OutboxStatus.SENT:
                title = action.payload.get("title")
                retitled = title if isinstance(title, str) and title else retitled
        comments = tuple(
            Comment(step.at, step.actor, step.detail)
            for step in await store.history(owner)
            if step.system == system
            and step.detail
            and step.step in {HistoryStep.UPDATED, HistoryStep.RESOLVED, HistoryStep.REOPENED}
        )
        restored.append(
            QueuedTicket(
                ticket_id=record.ticket_id,
                incident_id=owner,
                title=str(body.get("title") or retitled or (draft.title if draft else owner)),
                description=draft.description if draft else "",
                priority=record.priority,
                team=draft.team if draft else str(body.get("team") or ""),
                status=record.status,
                created_at=record.created_at,
                updated_at=record.updated_at,
                assignee=record.assignee,
                comments=comments,
                url=record.url,
            )
        )
    return restored


async def major_ids(store: Store) -> list[str]:
    """The ids of every major incident raised so far, oldest first.

    The saved records, and any later major whose parent ticket or page was enqueued but
    whose record was not saved (it is saved after the transaction that raised it): the
    next major incident must not take its id, or the outbox would take its actions for
    a redelivery and drop them.
    """
    found = [p.id for p in await store.problems(ProblemKind.MAJOR_INCIDENT)]
    number = max((_number(i) for i in found), default=0)
    while await store.actions(_MAJOR_ID.format(number + 1)):
        number += 1
        found.append(_MAJOR_ID.format(number))
    return found


# --------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------


class UnknownIncidentError(LookupError):
    """An operator action named an incident the store does not know."""


@dataclass(frozen=True, slots=True)
class SyncedTicket:
    """What two-way sync read of one incident's tickets: the most advanced status any
    target reports, who that target says has it, and which target it is."""

    status: TicketStatus
    assignee: str | None
    system: str


@dataclass(slots=True)
class DispatchStats:
    """What the service did (for tests and the log)."""

    records: int = 0
    stale: int = 0
    undecodable: int = 0
    tickets_opened: int = 0
    triggers: int = 0
    escalations: int = 0
    sla_events: int = 0
    store_failures: int = 0


@dataclass(frozen=True, slots=True)
class _Observed:
    """What observing one change for major incidents and problem records gave."""

    majors: MajorState
    problems: ProblemState
    actions: Sequence[OutboxAction]
    records: Sequence[ProblemRecord]
    major: MajorPlan


def _number(record_id: str) -> int:
    found = _NUMBERED.match(record_id)
    return int(found.group(1)) if found else 0


class DispatchService:
    """Consume ``correlator.incidents``, decide, write to the store, wake the outbox."""

    def __init__(
        self,
        bus: Bus,
        topics: Topics,
        store: Store,
        topology: Topology,
        *,
        settings: DispatchSettings,
        clock: Clock,
        hold_s: float,
        ticket_targets: Sequence[str] = (),
        ticket_systems: Mapping[str, TicketSystem] | None = None,
        pagers: PagerRouting | None = None,
        wake: Callable[[], None] | None = None,
        metrics: DispatchMetrics | None = None,
        group: str = GROUP,
        poll_s: float = 0.5,
        batch: int = 200,
        tick_s: float | None = None,
        sync_s: float | None = None,
        retry_s: float = 1.0,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        """``tick_s`` and ``sync_s`` default to the settings' (``dispatch.tick_s``,
        ``dispatch.sync_s``); ``on_change`` is called with an incident's id after every
        write of that incident (the API's live stream listens)."""
        self.bus = bus
        self.topics = topics
        self.store = store
        self.settings = settings
        self.clock = clock
        self.hold_s = hold_s
        self.ticket_targets = tuple(ticket_targets)
        self.ticket_systems = dict(ticket_systems or {})
        self.pagers = pagers if pagers is not None else PagerRouting()
        self.group = group
        self.poll_s = poll_s
        self.batch = batch
        self.tick_s = settings.tick_s if tick_s is None else tick_s
        self.sync_s = settings.sync_s if sync_s is None else sync_s
        self.retry_s = retry_s
        self._on_change = on_change
        # One decision at a time on the memory: the consumer loop (records, ticks, sync)
        # and operator actions from the API interleave at every await otherwise.
        self._lock = asyncio.Lock()
        self._starting = asyncio.Lock()  # the consumer and an early API call may both start
        self.stats = DispatchStats()
        self._wake = wake
        self._metrics = metrics
        self._graph = GraphIndex(topology)
        self._memory: dict[str, IncidentMemory] = {}
        self._records: dict[str, Mapping[str, Any]] = {}  # open incidents' latest records
        self._recent: dict[str, list[float]] = {}  # team -> recent trigger times
        self._majors = MajorState()
        self._problems = ProblemState()
        self._started = False
        self._next_tick = float("-inf")
        self._next_sync = float("-inf")

    # ---- state ------------------------------------------------------------------------

    def reload(self, topology: Topology) -> None:
        """Use a new topology for the next records (SIGHUP)."""
        self._graph = GraphIndex(topology)

    def memory(self, incident_id: str) -> IncidentMemory | None:
        """What dispatch remembers of an open incident it holds in memory."""
        return self._memory.get(incident_id)

    async def start(self) -> None:
        """Read back what dispatch remembers of open incidents and the ids it issued."""
        async with self._starting:
            if not self._started:
                await self._start()

    async def _start(self) -> None:
        for incident in await self.store.incidents(Status.OPEN.value):
            memory = memory_of(incident.body)
            if memory is not None and memory.open:
                self._memory[incident.id] = memory
                self._records[incident.id] = record_of(incident.body)
        majors = await major_ids(self.store)
        problems = await self.store.problems(ProblemKind.PROBLEM)
        self._majors = MajorState(issued=max((_number(m) for m in majors), default=0))
        self._problems = ProblemState(issued=max((_number(p.id) for p in problems), default=0))
        self._started = True
        log.info("dispatch_started", open_incidents=len(self._memory), group=self.group)

    async def _remembered(self, incident_id: str) -> IncidentMemory | None:
        memory = self._memory.get(incident_id)
        if memory is not None:
            return memory
        stored = await self.store.incident(incident_id)
        return None if stored is None else memory_of(stored.body)

    # ---- running ----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop``; offsets are committed only after the store wrote."""
        await self.start()
        consumer = await self.bus.consumer([self.topics.incidents], self.group)
        try:
            while not stop.is_set():
                messages = await consumer.getmany(self.poll_s, self.batch)
                if messages:
                    if not await self._handle_until_written(messages, stop):
                        break  # stopping with the batch unwritten: it is redelivered
                    await consumer.commit(messages)
                if self.clock.now() >= self._next_tick:
                    try:
                        await self.tick()
                    except StoreError as exc:
                        self.stats.store_failures += 1
                        log.warning("dispatch_tick_failed", error=str(exc))
                    self._next_tick = self.clock.now() + self.tick_s
        finally:
            await consumer.stop()

    async def _handle_until_written(self, messages: Sequence[Message], stop: asyncio.Event) -> bool:
        while True:
            try:
                await self.handle(messages)
            except StoreError as exc:
                self.stats.store_failures += 1
                log.warning("dispatch_store_unavailable", error=str(exc), retry_s=self.retry_s)
                try:
                    await asyncio.wait_for(stop.wait(), self.retry_s)
                except TimeoutError:
                    continue
                return False
            return True

    async def handle(self, messages: Sequence[Message]) -> list[Plan]:
        """Decide and write every incident change of a batch (raises StoreError)."""
        plans: list[Plan] = []
        for message in messages:
            if message.value is None:
                continue  # a tombstone: the incident was purged
            try:
                plan = await self.handle_record(_decode(message.value))
            except (ValueError, KeyError, TypeError) as exc:
                self.stats.undecodable += 1
                log.warning(
                    "undecodable_incident",
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    error=str(exc),
                )
                continue
            if plan is not None:
                plans.append(plan)
        self._wake_worker(plans)
        return plans

    async def handle_record(self, doc: Mapping[str, Any]) -> Plan | None:
        """Decide and write one incident change; None when the record is stale."""
        if not self._started:
            await self.start()
        async with self._lock:
            return await self._handle_record(doc)

    async def _handle_record(self, doc: Mapping[str, Any]) -> Plan | None:
        self.stats.records += 1
        incident_id = str(doc["id"])
        changed_at = updated_at_of(doc)
        previous = await self._remembered(incident_id)
        if previous is not None and changed_at < previous.seen:
            self.stats.stale += 1
            log.debug("stale_incident_change", incident=incident_id, updated_at=changed_at)
            return None
        snap = snapshot_from_record(doc, self._graph, hold_s=self.hold_s)
        now = self.clock.now()
        plan = plan_change(
            previous,
            snap,
            settings=self.settings,
            ticket_targets=self.ticket_targets,
            pagers=self.pagers,
            recent_triggers=self._recent,
            changed_at=changed_at,
            now=now,
        )
        observed = await self._observe(snap, plan, now)
        ended = await self._majors_ended(snap, changed_at)
        body = {**record_of(doc), MEMORY_KEY: plan.memory.to_json()}
        await self.store.apply(
            StoredIncident.of(body), [*plan.actions, *observed.actions, *ended.actions]
        )
        self._changed(incident_id)
        # written: keep the new state
        self._majors, self._problems = observed.majors, observed.problems
        self._keep(plan.memory, body)
        if plan.paging is not None and plan.paging.event is PageEvent.TRIGGER:
            self._triggered(plan.memory.team, now)
        major = observed.major
        if major.team is not None and major.paging and major.paging.event is PageEvent.TRIGGER:
            self._triggered(major.team, now)
        if plan.opened:
            self.stats.tickets_opened += 1
        self._count_sla(plan.sla_events)
        for record in observed.records:
            try:
                await self.store.save_problem(record)
            except StoreError as exc:  # the comments are written; the record can wait
                log.warning("problem_record_not_saved", problem=record.id, error=str(exc))
        log.info(
            "incident_dispatched",
            incident=incident_id,
            status=snap.status.value,
            priority=snap.priority.value,
            team=plan.memory.team,
            actions=[a.idempotency_key for a in (*plan.actions, *observed.actions, *ended.actions)],
            reasons=[*plan.notes, *major.notes, *ended.notes],
        )
        return plan

    def _triggered(self, team: str, now: float) -> None:
        """Count a trigger of ``team`` (its rate limit looks at the recent ones)."""
        self.stats.triggers += 1
        window = self.settings.paging.rate_limit_for(team).window_s
        times = [t for t in self._recent.get(team, ()) if now - t < window]
        self._recent[team] = [*times, now]

    def _keep(self, memory: IncidentMemory, body: Mapping[str, Any]) -> None:
        if memory.open:
            self._memory[memory.incident_id] = memory
            self._records[memory.incident_id] = record_of(body)
        else:  # nothing ticks for it any more; a reopen reads it back from the store
            self._memory.pop(memory.incident_id, None)
            self._records.pop(memory.incident_id, None)

    async def _observe(self, snap: IncidentSnapshot, plan: Plan, now: float) -> _Observed:
        """Major-incident and problem-record observation of a first announcement."""
        majors, problems = self._majors, self._problems
        actions: list[OutboxAction] = []
        records: list[ProblemRecord] = []
        major_plan = MajorPlan()
        if snap.status is Status.MERGED:
            majors = withdraw(majors, snap.incident_id)
        if not plan.opened:
            return _Observed(majors, problems, actions, records, major_plan)
        majors, major = observe_opening(majors, Opening.of(snap), self.settings.major_incident)
        if major.major is not None and major.action is not MajorAction.NONE:
            parent = major.major
            records.append(_major_record(parent))
            members = parent.members if major.action is MajorAction.RAISED else (snap.incident_id,)
            for member in members:
                actions.extend(
                    _comments(
                        self.ticket_targets,
                        member,
                        f"major-{parent.id}",
                        f"part of major incident {parent.id} at {parent.priority.value}: "
                        f"{major.reason}",
                    )
                )
            major_plan = plan_major(
                major,
                [await self._major_member(m, snap, plan.memory) for m in members],
                settings=self.settings,
                ticket_targets=self.ticket_targets,
                pagers=self.pagers,
                recent_triggers=self._recent,
                now=now,
            )
            actions.extend(major_plan.actions)
            log.warning(
                "major_incident",
                action=major.action.value,
                major=parent.id,
                reason=major.reason,
                notes=list(major_plan.notes),
            )
        problems, problem = observe_failure(
            problems,
            root=snap.subject,
            incident_id=snap.incident_id,
            at=snap.opened_at,
            settings=self.settings.problem,
        )
        if problem.record is not None and problem.action is not ProblemAction.NONE:
            found = problem.record
            records.append(_problem_record(found))
            actions.extend(
                _comments(
                    self.ticket_targets,
                    snap.incident_id,
                    f"problem-{found.id}",
                    f"recurring failure: problem record {found.id} ({problem.reason})",
                )
            )
            log.warning(
                "problem_record",
                action=problem.action.value,
                problem=found.id,
                reason=problem.reason,
            )
        return _Observed(majors, problems, actions, records, major_plan)

    async def _major_member(
        self, incident_id: str, snap: IncidentSnapshot, current: IncidentMemory
    ) -> MajorMember:
        """A member of a major incident as dispatch knows it (``snap`` is the change being
        handled, ``current`` what dispatch will remember of it)."""
        if incident_id == snap.incident_id:
            memory: IncidentMemory | None = current
            maintenance = snap.maintenance
        else:
            memory = self._memory.get(incident_id)
            record = self._records.get(incident_id)
            if memory is None or record is None:
                stored = await self.store.incident(incident_id)
                body = stored.body if stored is not None else {}
                memory = memory if memory is not None else memory_of(body)
                record = record if record is not None else record_of(body)
            maintenance = bool(record.get("maintenance"))
        tickets: dict[str, str] = {}
        for target in self.ticket_targets:
            ticket = await self.store.ticket(incident_id, target)
            if ticket is not None:
                tickets[target] = ticket.ticket_id
        return MajorMember(
            incident_id=incident_id,
            title=memory.title if memory is not None and memory.title else incident_id,
            team=memory.team if memory is not None and memory.team else self.settings.default_team,
            maintenance=maintenance,
            tickets=tickets,
        )

    async def _majors_ended(self, snap: IncidentSnapshot, changed_at: float) -> MajorPlan:
        """When ``snap`` ends (resolved, merged) the last open member of a major incident,
        the parent ticket's resolution and the major page's resolve notice."""
        if snap.is_open or self._majors.issued == 0:
            return MajorPlan()
        actions: list[OutboxAction] = []
        notes: list[str] = []
        for major in await self.store.problems(ProblemKind.MAJOR_INCIDENT):
            if snap.incident_id not in major.members:
                continue
            still_open = [
                m for m in major.members if m != snap.incident_id and await self._is_open(m)
            ]
            triggers: list[tuple[str, Page]] = []
            for action in await self.store.actions(major.id):
                if action.kind is ActionKind.PAGE_TRIGGER:
                    try:
                        triggers.append((action.target, page_of(action.payload)))
                    except PayloadError:
                        continue
            plan = plan_major_resolved(
                major.id,
                major.members,
                still_open,
                triggers,
                settings=self.settings,
                ticket_targets=self.ticket_targets,
            )
            actions.extend(plan.actions)
            notes.extend(plan.notes)
            if plan.actions:
                log.warning("major_incident_over", major=major.id, at=changed_at)
        return MajorPlan(tuple(actions), tuple(notes))

    async def _is_open(self, incident_id: str) -> bool:
        """Whether an incident is still open (as dispatch last wrote it)."""
        if incident_id in self._memory:
            return True
        stored = await self.store.incident(incident_id)
        return stored is not None and stored.status == Status.OPEN.value

    # ---- what people do through the API ------------------------------------------------

    async def acknowledge(self, incident_id: str, *, actor: str, now: float) -> IncidentMemory:
        """``actor`` acknowledges the incident (:func:`plan_acknowledge`); raises
        :class:`UnknownIncidentError` for an incident the store does not know."""
        _check_text(actor, "actor")
        async with self._lock:
            memory, record = await self._operand(incident_id)
            plan = plan_acknowledge(
                memory,
                actor=actor,
                settings=self.settings,
                ticket_targets=self.ticket_targets,
                now=now,
            )
            await self._write_operator(plan, memory, record)
            await self._in_builtin_queue(incident_id, lambda q, t: q.acknowledge(t, actor), now)
        log.info("incident_acknowledged", incident=incident_id, actor=actor, notes=list(plan.notes))
        return plan.memory

    async def assign(
        self, incident_id: str, *, assignee: str, actor: str, now: float
    ) -> IncidentMemory:
        """``actor`` gives the incident to ``assignee`` (:func:`plan_assign`); raises
        :class:`UnknownIncidentError` for an incident the store does not know."""
        _check_text(actor, "actor")
        _check_text(assignee, "assignee")
        async with self._lock:
            memory, record = await self._operand(incident_id)
            plan = plan_assign(
                memory, assignee=assignee, actor=actor, ticket_targets=self.ticket_targets, now=now
            )
            await self._write_operator(plan, memory, record)
            await self._in_builtin_queue(incident_id, lambda q, t: q.assign(t, assignee), now)
        log.info("incident_assigned", incident=incident_id, actor=actor, assignee=assignee)
        return plan.memory

    async def add_note(self, incident_id: str, *, text: str, actor: str, now: float) -> None:
        """``actor``'s note on the incident (:func:`plan_note`); raises
        :class:`UnknownIncidentError` for an incident the store does not know."""
        _check_text(actor, "actor")
        _check_text(text, "text")
        async with self._lock:
            memory, record = await self._operand(incident_id)
            plan = plan_note(
                memory, text=text, actor=actor, ticket_targets=self.ticket_targets, now=now
            )
            await self._write_operator(plan, memory, record)
        log.info("incident_note", incident=incident_id, actor=actor)

    async def _operand(self, incident_id: str) -> tuple[IncidentMemory, Mapping[str, Any]]:
        """The memory and latest record of an incident an operator acts on (open ones from
        memory, others from the store)."""
        if not self._started:
            await self.start()
        memory = self._memory.get(incident_id)
        record = self._records.get(incident_id)
        if memory is not None and record is not None:
            return memory, record
        stored = await self.store.incident(incident_id)
        if stored is None:
            raise UnknownIncidentError(f"no incident {incident_id}")
        found = memory_of(stored.body)
        if found is None:  # stored, but never decided on by dispatch (or unreadable)
            found = IncidentMemory(
                incident_id,
                open=stored.status == Status.OPEN.value,
                title=str(stored.body.get("title") or incident_id),
            )
        return found, record_of(stored.body)

    async def _in_builtin_queue(
        self,
        incident_id: str,
        act: Callable[[BuiltinTickets, str], QueuedTicket],
        now: float,
    ) -> None:
        """Do what a person did on the NOC page in the built-in queue too (the dispatcher's
        queue then shows the ticket acknowledged or assigned at once, not at the next sync).
        Outside systems get the ticket comment the plan enqueued."""
        for target in self.ticket_targets:
            system = self.ticket_systems.get(target)
            queue = system.inner if isinstance(system, CountedTickets) else system
            record = await self.store.ticket(incident_id, target)
            if not isinstance(queue, BuiltinTickets) or record is None:
                continue
            ticket = act(queue, record.ticket_id)
            if (ticket.status, ticket.assignee) != (record.status, record.assignee):
                await self.store.save_ticket(
                    replace(record, status=ticket.status, assignee=ticket.assignee, updated_at=now)
                )

    async def _write_operator(
        self, plan: Plan, before: IncidentMemory, record: Mapping[str, Any]
    ) -> None:
        if plan.memory == before and not plan.actions and not plan.history:
            return  # nothing to do (acknowledged twice, assigned to the same person)
        await self._write(plan, record)
        self._count_sla(plan.sla_events)
        self._wake_worker([plan])

    # ---- the tick ---------------------------------------------------------------------

    async def tick(self) -> list[Plan]:
        """Ticket sync (when due), SLA checks and escalations of the open incidents."""
        if not self._started:
            await self.start()
        now = self.clock.now()
        plans: list[Plan] = []
        if self.ticket_systems and now >= self._next_sync:
            plans.extend(await self.sync(now))
            self._next_sync = now + self.sync_s
        await self.close_quiet_tickets(now)
        for incident_id in sorted(self._memory):
            async with self._lock:
                plan = await self._tick_one(incident_id, now)
            if plan is not None:
                plans.append(plan)
        self._wake_worker(plans)
        return plans

    async def close_quiet_tickets(self, now: float) -> list[str]:
        """Close the built-in queue's resolved tickets that have been quiet for its
        ``close_after_s`` (the end of the ticket lifecycle); returns their ids.

        The store is written first (the ticket record and a CLOSED history step), then the
        queue: a store outage leaves the ticket resolved in both, for the next tick.
        """
        closed: list[str] = []
        for target in self.ticket_targets:
            system = self.ticket_systems.get(target)
            queue = system.inner if isinstance(system, CountedTickets) else system
            if not isinstance(queue, BuiltinTickets) or queue.close_after_s is None:
                continue
            for ticket in queue.due_to_close(now):
                record = await self.store.ticket(ticket.incident_id, target)
                if record is not None and record.ticket_id == ticket.ticket_id:
                    await self.store.save_ticket(
                        replace(record, status=TicketStatus.CLOSED, updated_at=now)
                    )
                    await self.store.add_history(
                        HistoryEntry(
                            ticket.incident_id,
                            now,
                            ACTOR_SYSTEM,
                            HistoryStep.CLOSED,
                            f"ticket {ticket.ticket_id} closed: resolved and quiet for "
                            f"{queue.close_after_s:g} s",
                            target,
                        )
                    )
                    self._changed(ticket.incident_id)
                queue.close(ticket.ticket_id)
                closed.append(ticket.ticket_id)
                log.info("ticket_closed", ticket=ticket.ticket_id, incident=ticket.incident_id)
        return closed

    async def _tick_one(self, incident_id: str, now: float) -> Plan | None:
        memory = self._memory.get(incident_id)
        if memory is None:  # resolved since the tick began
            return None
        plan = plan_tick(
            memory,
            settings=self.settings,
            ticket_targets=self.ticket_targets,
            pagers=self.pagers,
            now=now,
        )
        if plan.memory == memory and not plan.actions:
            return None
        await self._write(plan)
        if plan.escalated_to is not None:
            self.stats.escalations += 1
            log.warning(
                "page_escalated",
                incident=incident_id,
                level=plan.escalated_to,
                reason="; ".join(plan.notes),
            )
        for event in plan.sla_events:
            log.warning(
                "sla_event",
                level=event.level.value,
                incident=incident_id,
                target=event.kind.value,
                priority=event.priority.value,
                due=event.due,
                reason=event.reason,
            )
        self._count_sla(plan.sla_events)
        return plan

    async def sync(self, now: float) -> list[Plan]:
        """Read each open ticket's status from its system; record what people changed.

        The systems are read without holding the memory (a slow system must not hold up
        the consumer or an operator); each incident's decision then runs on its memory as
        it is by then.
        """
        plans: list[Plan] = []
        for incident_id in sorted(self._memory):
            memory = self._memory.get(incident_id)
            if memory is None or memory.ticket is None:
                continue
            synced = await self._ticket_status(incident_id, now)
            if synced is None:
                continue
            async with self._lock:
                plan = await self._sync_one(incident_id, synced, now)
            if plan is not None:
                plans.append(plan)
        return plans

    async def _sync_one(self, incident_id: str, synced: SyncedTicket, now: float) -> Plan | None:
        memory = self._memory.get(incident_id)
        if memory is None or memory.ticket is None:
            return None
        status = synced.status
        reassigned = synced.assignee is not None and synced.assignee != memory.assignee
        if memory.ticket.status is status and status not in ACKNOWLEDGED and not reassigned:
            return None
        plan = plan_ticket_state(
            memory,
            status,
            settings=self.settings,
            ticket_targets=self.ticket_targets,
            now=now,
            assignee=synced.assignee,
            system=synced.system,
        )
        if plan.memory == memory and not plan.actions:
            return None
        await self._write(plan)
        self._count_sla(plan.sla_events)
        log.info("ticket_synced", incident=incident_id, status=status.value, notes=list(plan.notes))
        return plan

    async def _ticket_status(self, incident_id: str, now: float) -> SyncedTicket | None:
        """The most advanced status any target reports (acknowledged anywhere counts).

        A target with ticket actions still waiting in the outbox is not read: the system
        has not heard what dispatch decided (a reopen, a resolve), so its status would
        undo that decision.
        """
        found: SyncedTicket | None = None
        order = list(TicketStatus)
        changed = False
        waiting = {
            a.target
            for a in await self.store.actions(incident_id)
            if a.kind.is_ticket and a.status is OutboxStatus.PENDING
        }
        for target in self.ticket_targets:
            system = self.ticket_systems.get(target)
            record = await self.store.ticket(incident_id, target)
            if system is None or record is None or target in waiting:
                continue
            try:
                state = await system.fetch(TicketRef(record.system, record.ticket_id, record.url))
            except (DeliveryError, TimeoutError) as exc:
                log.warning(
                    "ticket_sync_failed", incident=incident_id, system=target, error=str(exc)
                )
                continue
            if state.status is not record.status or state.assignee != record.assignee:
                await self.store.save_ticket(
                    replace(record, status=state.status, assignee=state.assignee, updated_at=now)
                )
                await self.store.add_history(
                    HistoryEntry(
                        incident_id,
                        now,
                        state.assignee or target,
                        _HISTORY_STEP[state.status],
                        f"ticket {record.ticket_id} is {state.status.value}"
                        + (f" ({state.assignee})" if state.assignee else ""),
                        target,
                    )
                )
                changed = True
            if found is None or order.index(state.status) > order.index(found.status):
                found = SyncedTicket(state.status, state.assignee, target)
        if changed:
            self._changed(incident_id)
        return found

    async def _write(self, plan: Plan, record: Mapping[str, Any] | None = None) -> None:
        """Write the plan's memory (inside the incident's record), actions and history."""
        incident_id = plan.memory.incident_id
        record = record if record is not None else self._records.get(incident_id)
        if record is None:
            await self.store.apply(None, plan.actions, history=plan.history)
            if plan.memory.open:
                self._memory[incident_id] = plan.memory
        else:
            body = {**record, MEMORY_KEY: plan.memory.to_json()}
            await self.store.apply(StoredIncident.of(body), plan.actions, history=plan.history)
            self._keep(plan.memory, body)
        self._changed(incident_id)

    def _changed(self, incident_id: str) -> None:
        """Tell the listener (the API's live stream) that an incident was written."""
        if self._on_change is None:
            return
        try:
            self._on_change(incident_id)
        except Exception as exc:  # a listener's bug must not stop dispatch
            log.warning("incident_listener_failed", incident=incident_id, error=str(exc))

    def _count_sla(self, events: Sequence[SlaEvent]) -> None:
        self.stats.sla_events += len(events)
        if self._metrics is not None:
            for event in events:
                self._metrics.sla_events.labels(event.kind.value, event.level.value).inc()

    def _wake_worker(self, plans: Sequence[Plan]) -> None:
        if self._wake is not None and any(p.actions for p in plans):
            self._wake()


def _check_text(value: str, name: str) -> None:
    """An operator action's text must say something."""
    if not value.strip():
        raise ValueError(f"{name} must not be empty")


def _decode(value: bytes) -> Mapping[str, Any]:
    """One incident record's JSON object (raises ValueError/TypeError)."""
    doc = json.loads(value)
    if not isinstance(doc, Mapping):
        raise TypeError(f"expected a JSON object, got {type(doc).__name__}")
    return doc


def _major_record(major: MajorIncident) -> ProblemRecord:
    return ProblemRecord(
        id=major.id,
        kind=ProblemKind.MAJOR_INCIDENT,
        signature=describe(major.signature),
        members=major.members,
        created_at=major.opened_at,
    )


def _problem_record(problem: RootProblem) -> ProblemRecord:
    return ProblemRecord(
        id=problem.id,
        kind=ProblemKind.PROBLEM,
        signature=f"root {problem.root}",
        members=problem.incidents,
        created_at=problem.first_at,
    )
