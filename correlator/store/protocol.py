# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The store Protocol: what dispatch keeps, and the outbox that makes sending exactly-once.

The key operation is :meth:`Store.apply`: an incident change and the ticket/page actions it
causes are written in **one transaction**, each action under an idempotency key that the
store keeps unique. A redelivered bus message or a replayed incident change therefore never
enqueues an action twice, and a crash between "decide" and "send" loses nothing: the outbox
worker (``correlator/dispatch/outbox.py``) sends what is pending after a restart.

Claiming (:meth:`Store.due`) hands each pending action to one worker only: it leases the
action by moving its ``next_attempt_at`` forward by ``lease_s`` in the same transaction
that selects it, so a second worker (another connection, another process) does not see it
as due, and a worker that dies mid-send lets the lease run out and the action be sent
again. Actions of one incident to one target are claimed in order, one at a time: an
update is never sent before the create it follows, a resolve never before the trigger.
(A ``ticket.create`` is the exception: it never waits behind older actions.)

Times are epoch seconds from the injected clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from correlator.dispatch.model import PageEvent, TicketStatus
from correlator.dispatch.priority import Priority

DEFAULT_LEASE_S = 60.0
"""How long a claimed action stays invisible to other workers (longer than any send)."""


class StoreError(RuntimeError):
    """The store could not be read or written (server down, disk full, locked too long)."""


class ActionKind(StrEnum):
    """What an outbox action does; the target names the ticket system or pager."""

    TICKET_CREATE = "ticket.create"
    TICKET_UPDATE = "ticket.update"
    TICKET_RESOLVE = "ticket.resolve"
    TICKET_REOPEN = "ticket.reopen"
    PAGE_TRIGGER = "page.trigger"
    PAGE_ACKNOWLEDGE = "page.acknowledge"
    PAGE_RESOLVE = "page.resolve"

    @property
    def is_ticket(self) -> bool:
        """True for actions sent to a ticket system, False for pages."""
        return self.value.startswith("ticket.")


class OutboxStatus(StrEnum):
    """Where an outbox action is: waiting to be sent (or being sent), done, given up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class IncidentSnapshot:
    """The incident as ``incident_json`` shows it (specs/replay.md), kept by id.

    A snapshot older than the stored one (``updated_at`` lower) does not replace it, so a
    redelivered old change never rolls an incident back.
    """

    id: str
    status: str
    updated_at: float
    body: Mapping[str, Any]

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> IncidentSnapshot:
        """The snapshot of an ``incident_json`` document (id, status, updated_at from it)."""
        return cls(
            id=str(doc["id"]),
            status=str(doc.get("status", "open")),
            updated_at=float(doc.get("updated_at") or doc.get("opened_at") or 0.0),
            body=doc,
        )


@dataclass(frozen=True, slots=True)
class OutboxAction:
    """One thing to send, as enqueued; ``idempotency_key`` is unique in the outbox."""

    idempotency_key: str
    kind: ActionKind
    target: str
    incident_id: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One outbox row as stored. ``attempts`` counts the sends tried so far.

    ``claims`` counts the times :meth:`Store.due` handed the action to a worker (a deferred
    claim, which sent nothing, does not count). An entry just claimed with ``claims > 1``
    or ``attempts > 0`` may have reached its system before: a worker that died mid-send,
    or whose store write failed, recorded no attempt, but its claim shows.
    """

    id: int
    idempotency_key: str
    kind: ActionKind
    target: str
    incident_id: str
    payload: Mapping[str, Any]
    status: OutboxStatus
    attempts: int
    next_attempt_at: float
    last_error: str | None
    result: Mapping[str, Any] | None
    created_at: float
    updated_at: float
    claims: int = 0

    @property
    def is_retry(self) -> bool:
        """True when an earlier claim may have sent this action (it must look before it
        sends a comment again); False for a first send."""
        return self.attempts > 0 or self.claims > 1


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """The ticket of one incident in one ticket system, with its SLA deadlines."""

    incident_id: str
    system: str
    ticket_id: str
    status: TicketStatus
    priority: Priority
    created_at: float
    updated_at: float
    url: str | None = None
    assignee: str | None = None
    response_due: float | None = None
    resolution_due: float | None = None


class HistoryStep(StrEnum):
    """One step of a ticket's life or of an incident's escalation."""

    CREATED = "created"
    UPDATED = "updated"  # a comment, a new priority or title
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    PAGED = "paged"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    NOTE = "note"  # a person's note on the incident (the NOC page, the API)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """Who did what when: ``actor`` is a person, a system or ``correlator``."""

    incident_id: str
    at: float
    actor: str
    step: HistoryStep
    detail: str = ""
    system: str | None = None  # the ticket system or pager involved, when one is


@dataclass(frozen=True, slots=True)
class PageRecord:
    """One page that reached a pager."""

    incident_id: str
    pager: str
    event: PageEvent
    level: int
    sent_at: float


class ProblemKind(StrEnum):
    """A problem record (recurring incidents) or a major incident (a simultaneous set)."""

    PROBLEM = "problem"
    MAJOR_INCIDENT = "major_incident"


@dataclass(frozen=True, slots=True)
class ProblemRecord:
    """A set of incidents that share a signature; saving the same id replaces it."""

    id: str
    kind: ProblemKind
    signature: str
    members: tuple[str, ...]
    created_at: float


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """A maintenance window declared by an operator: alerts of the nodes it covers (by id,
    by site, by tag) count as maintenance from ``starts_at`` until ``ends_at`` (None: until
    ended) or until someone ends it early (``ended_at``, ``ended_by``).

    ``tags`` are ``key=value`` (a node matches when its tag ``key`` is ``value``) or a bare
    ``key`` (the node has the tag); the store keeps them as given.
    """

    id: str
    nodes: tuple[str, ...]
    sites: tuple[str, ...]
    tags: tuple[str, ...]
    starts_at: float
    ends_at: float | None
    reason: str
    created_by: str
    created_at: float
    ended_at: float | None = None
    ended_by: str | None = None

    def active(self, now: float) -> bool:
        """In force at ``now``: started, and neither over nor ended (ends are exclusive)."""
        if now < self.starts_at:
            return False
        if self.ends_at is not None and now >= self.ends_at:
            return False
        return self.ended_at is None or now < self.ended_at


@dataclass(frozen=True, slots=True)
class SentEffects:
    """What a successful send changes besides the action's status, written with it."""

    ticket: TicketRecord | None = None
    history: Sequence[HistoryEntry] = field(default=())
    pages: Sequence[PageRecord] = field(default=())


class Store(Protocol):
    """Durable state of dispatch. Every method may raise :class:`StoreError`."""

    async def open(self) -> None:
        """Connect and apply the missing schema migrations (a no-op when up to date)."""
        ...

    async def close(self) -> None:
        """Release the connection; the store may be opened again."""
        ...

    async def schema_version(self) -> int:
        """The highest migration applied."""
        ...

    # incidents and the outbox

    async def apply(
        self,
        snapshot: IncidentSnapshot | None,
        actions: Sequence[OutboxAction],
        *,
        history: Sequence[HistoryEntry] = (),
    ) -> None:
        """Write the snapshot, enqueue the actions and record the history in one transaction.

        An action whose idempotency key is already in the outbox (in any status) is
        ignored (history is always recorded: it is for what people did, which is never
        redelivered). When anything fails, nothing is written.
        """
        ...

    async def incident(self, incident_id: str) -> IncidentSnapshot | None:
        """The latest snapshot of an incident."""
        ...

    async def incidents(self, status: str | None = None) -> list[IncidentSnapshot]:
        """Every snapshot (in the given status), oldest change first."""
        ...

    async def due(
        self, now: float, limit: int, *, lease_s: float = DEFAULT_LEASE_S
    ) -> list[OutboxEntry]:
        """Claim up to ``limit`` pending actions whose ``next_attempt_at <= now``.

        A claimed action's ``next_attempt_at`` becomes ``now + lease_s`` (the entries
        returned show that lease). Only the oldest pending action of each (incident,
        target) is ever due, and any pending ``ticket.create``, so actions of one incident
        to one system go out in the order they were enqueued. Entries come in id order.
        """
        ...

    async def mark_sent(
        self,
        action_id: int,
        result: Mapping[str, Any] | None = None,
        effects: SentEffects | None = None,
    ) -> None:
        """Record a successful send and its effects (ticket, history, pages) atomically.

        When the action is no longer pending (another worker whose lease had run out sent
        it too), nothing is written.
        """
        ...

    async def mark_retry(self, action_id: int, next_attempt_at: float, error: str) -> None:
        """Count a failed attempt and make the action due again at ``next_attempt_at``."""
        ...

    async def defer(self, action_id: int, next_attempt_at: float, reason: str) -> None:
        """Put a claimed action back, due at ``next_attempt_at``, without counting an attempt."""
        ...

    async def mark_failed(self, action_id: int, error: str) -> None:
        """Give up on the action, keeping the reason."""
        ...

    async def action(self, action_id: int) -> OutboxEntry | None:
        """One outbox row by id."""
        ...

    async def actions(self, incident_id: str) -> list[OutboxEntry]:
        """Every outbox row of an incident, in the order they were enqueued."""
        ...

    async def outbox_counts(self) -> dict[OutboxStatus, int]:
        """How many actions are in each status (every status present, 0 when none)."""
        ...

    # tickets, history, pages

    async def save_ticket(self, ticket: TicketRecord) -> None:
        """Insert or replace the ticket of (incident, system)."""
        ...

    async def ticket(self, incident_id: str, system: str) -> TicketRecord | None:
        """The ticket of an incident in one system."""
        ...

    async def tickets(self, incident_id: str) -> list[TicketRecord]:
        """The tickets of an incident, in every system, oldest first."""
        ...

    async def open_tickets(self) -> list[TicketRecord]:
        """Tickets neither resolved nor closed (what two-way sync and SLA timers watch)."""
        ...

    async def add_history(self, entry: HistoryEntry) -> None:
        """Record one lifecycle or escalation step."""
        ...

    async def history(self, incident_id: str) -> list[HistoryEntry]:
        """The steps of an incident, in the order they were recorded."""
        ...

    async def log_page(self, page: PageRecord) -> None:
        """Record one page that was sent."""
        ...

    async def pages(self, incident_id: str) -> list[PageRecord]:
        """The pages of an incident, in the order they were sent."""
        ...

    # problem records and major incidents

    async def save_problem(self, problem: ProblemRecord) -> None:
        """Insert or replace a problem record or major incident by id."""
        ...

    async def problem(self, problem_id: str) -> ProblemRecord | None:
        """One problem record or major incident."""
        ...

    async def problems(
        self, kind: ProblemKind | None = None, signature: str | None = None
    ) -> list[ProblemRecord]:
        """Problem records and major incidents (of a kind, with a signature), oldest first."""
        ...

    # maintenance windows

    async def save_window(self, window: MaintenanceWindow) -> None:
        """Insert or replace a maintenance window by id (ending one saves it again)."""
        ...

    async def windows(self, *, active_at: float | None = None) -> list[MaintenanceWindow]:
        """Every window, or those in force at ``active_at`` (:meth:`MaintenanceWindow.active`),
        oldest first (by creation, then id)."""
        ...

    async def window(self, window_id: str) -> MaintenanceWindow | None:
        """One maintenance window by id."""
        ...
