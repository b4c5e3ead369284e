"""The dispatch queue: one ticket per incident, and what to tell it when the incident changes.

:func:`decide_ticket` is pure: given what dispatch last told the ticket system about an
incident (a :class:`TicketMemory`, or None when there is no ticket yet) and the incident
as it is now (an :class:`IncidentSnapshot`), it returns the ticket actions to carry out —
create, update (a comment saying what changed: new alerts, re-rooted from X to Y,
priority P3 -> P1, team A -> B), reopen, resolve — each with its reason, and the memory
to keep. It creates a ticket only when there is none: every later change of the
incident, including resolution and reopening, is an action on that same ticket.

Lifecycle (``TicketStatus``): a created ticket is ``new``; ticket-system sync moves it to
``assigned`` / ``acknowledged`` as people work it (:meth:`TicketMemory.with_status`);
dispatch resolves it when the incident clears, and reopens a resolved ticket (back to
``assigned``) when the incident fails again or a person resolved it while alerts keep
coming. A ``closed`` ticket is final: later changes become comments only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from correlator.correlate.engine import Incident, Status
from correlator.correlate.graph import GraphIndex
from correlator.correlate.report import incident_title
from correlator.dispatch.model import TicketDraft, TicketStatus
from correlator.dispatch.priority import Priority
from topology.model import NodeSpec

SERVICE_KIND: Final = "service"
"""Nodes of this kind are the business services of major-incident signatures."""
MAX_LISTED_ALERTS: Final = 10
"""A comment names at most this many new alerts, then says how many more."""


@dataclass(frozen=True, slots=True)
class IncidentSnapshot:
    """An incident as dispatch sees it: plain frozen data, built by :func:`snapshot_of`."""

    incident_id: str
    title: str
    status: Status
    announced: bool
    opened_at: float
    priority: Priority
    root: str | None
    subject: str
    """The root node, or the host of an unplaced incident: what the incident is about."""
    node: NodeSpec | None = None
    """The root's topology node (None: unplaced, or root not in the topology)."""
    inferred: bool = False
    priority_reason: str = ""
    checks: tuple[str, ...] = ()
    """Check names of the root's alerts (all alerts when unplaced), sorted."""
    nodes: frozenset[str] = frozenset()
    alerts: frozenset[str] = frozenset()
    """One label per distinct alert: ``source:host!check``."""
    services: frozenset[str] = frozenset()
    """Business services (kind ``service``) the root's failure takes down."""
    flapping: bool = False
    maintenance: bool = False
    unconfirmed: bool = False  # every alert a SOFT state so far: nobody is paged yet
    resolved_at: float | None = None
    merged_into: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN


def alert_label(source: str, host: str, check: str | None) -> str:
    """``nagios:web-01!HTTP``: how comments and records name one alert."""
    return f"{source}:{host}" + (f"!{check}" if check else "")


def snapshot_of(inc: Incident, graph: GraphIndex) -> IncidentSnapshot:
    """The dispatch view of a live engine incident (``graph`` over the same topology)."""
    nodes = graph.topology.nodes
    root = inc.root
    node = nodes.get(root) if root is not None else None
    subject = root if root is not None else (inc.unplaced_host or "unplaced")
    alerts = inc.alerts.values()
    own = [a for a in alerts if root is None or a.node == root]
    checks = tuple(sorted({a.check for a in own if a.check}))
    services: set[str] = set()
    if node is not None:
        closure = graph.group_closure(inc.seeds or frozenset((node.id,)))
        services = {n for n in closure if nodes[n].kind == SERVICE_KIND}
    services.update(n for n in inc.node_evidence if n in nodes and nodes[n].kind == SERVICE_KIND)
    title = incident_title(inc)
    merged_into = None if inc.merged_into is None else f"INC-{inc.merged_into:06d}"
    return IncidentSnapshot(
        incident_id=inc.id,
        title=title,
        status=inc.status,
        announced=inc.announced,
        opened_at=inc.opened_at,
        priority=inc.priority,
        root=root,
        subject=subject,
        node=node,
        inferred=inc.inferred,
        priority_reason=inc.priority_reason,
        checks=checks,
        nodes=frozenset(inc.node_evidence),
        alerts=frozenset(alert_label(a.source.value, a.host, a.check) for a in alerts),
        services=frozenset(services),
        flapping=inc.flapping,
        maintenance=inc.maintenance,
        unconfirmed=inc.unconfirmed,
        resolved_at=inc.resolved_at,
        merged_into=merged_into,
    )


@dataclass(frozen=True, slots=True)
class TicketMemory:
    """What dispatch last told the ticket system about one incident (its one ticket).

    Not the store's ``TicketRecord`` (where the ticket lives and its deadlines): this is the
    incident as the ticket last heard of it, which the next decision compares against."""

    incident_id: str
    status: TicketStatus
    priority: Priority
    team: str
    root: str | None
    alerts: frozenset[str]
    incident_open: bool
    """Whether the incident was open when dispatch last decided."""

    def with_status(self, status: TicketStatus) -> TicketMemory:
        """The memory after ticket-system sync saw ``status`` (people's changes win)."""
        return replace(self, status=status)


class TicketActionKind(StrEnum):
    """What to do to the incident's ticket."""

    CREATE = "create"
    UPDATE = "update"
    REOPEN = "reopen"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class TicketAction:
    """One action on the ticket. ``priority``, ``team`` and ``title`` are set only when
    they change (always on CREATE); ``draft`` only on CREATE."""

    kind: TicketActionKind
    reason: str
    comment: str | None = None
    priority: Priority | None = None
    team: str | None = None
    title: str | None = None
    draft: TicketDraft | None = None


@dataclass(frozen=True, slots=True)
class TicketDecision:
    """The actions (none: nothing to do), why, and the memory to keep afterwards."""

    actions: tuple[TicketAction, ...]
    reason: str
    memory: TicketMemory | None


def _listed(labels: Iterable[str]) -> str:
    ordered = sorted(labels)
    shown = ", ".join(ordered[:MAX_LISTED_ALERTS])
    more = len(ordered) - MAX_LISTED_ALERTS
    return shown + (f" and {more} more" if more > 0 else "")


def _changes(previous: TicketMemory, snap: IncidentSnapshot, team: str) -> list[str]:
    changes: list[str] = []
    if snap.root != previous.root:
        changes.append(f"re-rooted from {previous.root or 'unplaced'} to {snap.root or 'unplaced'}")
    if snap.priority is not previous.priority:
        why = f" ({snap.priority_reason})" if snap.priority_reason else ""
        changes.append(f"priority {previous.priority.value} -> {snap.priority.value}{why}")
    if team != previous.team:
        changes.append(f"team {previous.team} -> {team}")
    new = snap.alerts - previous.alerts
    if new:
        noun = "alert" if len(new) == 1 else "alerts"
        changes.append(f"{len(new)} new {noun}: {_listed(new)}")
    return changes


def _description(snap: IncidentSnapshot, team: str, route_reason: str, runbook: str | None) -> str:
    root = snap.root or f"unplaced (host {snap.subject})"
    lines = [
        f"Incident {snap.incident_id}: {snap.title}",
        f"Root cause: {root}" + (" (inferred: it raised no alert itself)" if snap.inferred else ""),
        f"Priority: {snap.priority.value}"
        + (f" ({snap.priority_reason})" if snap.priority_reason else ""),
        f"Team: {team}" + (f" ({route_reason})" if route_reason else ""),
    ]
    if snap.services:
        lines.append(f"Business services affected: {', '.join(sorted(snap.services))}")
    if runbook:
        lines.append(f"Runbook: {runbook}")
    lines.append(f"Nodes ({len(snap.nodes)}): {', '.join(sorted(snap.nodes)) or '-'}")
    lines.append(f"Alerts ({len(snap.alerts)}): {_listed(snap.alerts) or '-'}")
    return "\n".join(lines)


def _memory(snap: IncidentSnapshot, team: str, status: TicketStatus) -> TicketMemory:
    return TicketMemory(
        incident_id=snap.incident_id,
        status=status,
        priority=snap.priority,
        team=team,
        root=snap.root,
        alerts=snap.alerts,
        incident_open=snap.is_open,
    )


def _end_comment(snap: IncidentSnapshot, changes: list[str]) -> str:
    if snap.status is Status.MERGED:
        into = snap.merged_into or "another incident"
        head = f"merged into {into}: follow that incident's ticket"
    else:
        head = "resolved: every alert has cleared"
    return "; ".join([head, *changes])


def decide_ticket(
    previous: TicketMemory | None,
    snap: IncidentSnapshot,
    *,
    team: str,
    route_reason: str = "",
    runbook: str | None = None,
    url: str | None = None,
) -> TicketDecision:
    """The ticket actions for the incident's latest change (see the module docstring).

    ``team`` (and ``route_reason``) come from :func:`correlator.dispatch.routing.route`,
    ``runbook`` from :func:`correlator.dispatch.runbook.runbook_for`; ``url`` is the
    incident on the NOC page.
    """
    if previous is None:
        if not snap.announced:
            return TicketDecision((), "no ticket yet: inside the opening hold", None)
        draft = TicketDraft(
            incident_id=snap.incident_id,
            title=snap.title,
            description=_description(snap, team, route_reason, runbook),
            priority=snap.priority,
            team=team,
            root=snap.root,
            runbook=runbook,
            nodes=tuple(sorted(snap.nodes)),
            url=url,
        )
        create = TicketAction(
            TicketActionKind.CREATE,
            f"new incident at {snap.priority.value} for {team}",
            priority=snap.priority,
            team=team,
            title=snap.title,
            draft=draft,
        )
        if snap.is_open:
            return TicketDecision((create,), create.reason, _memory(snap, team, TicketStatus.NEW))
        # Cleared before its ticket was written: it is still logged, then resolved at once.
        resolve = TicketAction(
            TicketActionKind.RESOLVE,
            "the incident cleared before its ticket was created",
            comment=_end_comment(snap, []),
        )
        return TicketDecision(
            (create, resolve),
            "new incident, already resolved: ticket created and resolved",
            _memory(snap, team, TicketStatus.RESOLVED),
        )

    changes = _changes(previous, snap, team)
    ticket_done = previous.status in {TicketStatus.RESOLVED, TicketStatus.CLOSED}

    if not snap.is_open:
        memory = _memory(snap, team, previous.status)
        if ticket_done:
            return TicketDecision(
                (), f"ticket already {previous.status.value}: nothing to resolve", memory
            )
        if not previous.incident_open:
            return TicketDecision(
                (), "resolution already handled: the ticket is left as people set it", memory
            )
        resolve = TicketAction(
            TicketActionKind.RESOLVE,
            "incident merged" if snap.status is Status.MERGED else "incident resolved",
            comment=_end_comment(snap, changes),
        )
        return TicketDecision(
            (resolve,), resolve.reason, replace(memory, status=TicketStatus.RESOLVED)
        )

    reopened = not previous.incident_open
    if reopened:
        changes.insert(0, "the incident failed again and reopened")
    if not changes:
        return TicketDecision((), "nothing new for the ticket", previous)
    comment = "; ".join(changes)
    priority = snap.priority if snap.priority is not previous.priority else None
    new_team = team if team != previous.team else None
    title = snap.title if snap.root != previous.root else None
    memory = _memory(snap, team, previous.status)
    if previous.status is TicketStatus.CLOSED:
        note = TicketAction(
            TicketActionKind.UPDATE,
            "ticket closed: changes recorded as a comment, no second ticket",
            comment=f"after closure: {comment}",
        )
        return TicketDecision((note,), note.reason, memory)
    if ticket_done:
        why = "incident reopened" if reopened else "ticket resolved while the incident is open"
        action = TicketAction(
            TicketActionKind.REOPEN,
            why,
            comment=comment,
            priority=priority,
            team=new_team,
            title=title,
        )
        return TicketDecision((action,), why, replace(memory, status=TicketStatus.ASSIGNED))
    action = TicketAction(
        TicketActionKind.UPDATE,
        "incident changed: " + comment,
        comment=comment,
        priority=priority,
        team=new_team,
        title=title,
    )
    return TicketDecision((action,), action.reason, memory)
