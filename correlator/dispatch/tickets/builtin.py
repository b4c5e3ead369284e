"""The built-in ticket queue: the default ticket system, kept in this process.

Tickets are numbered ``TKT-000001`` and kept in a dict. Each change hands the new
snapshot of the ticket to an optional ``on_change`` hook (the SQL store persists it), and
tickets given to the constructor are restored, so a restart continues the numbering.

People work the queue through :meth:`BuiltinTickets.assign`, :meth:`acknowledge
<BuiltinTickets.acknowledge>`, :meth:`resolve_by <BuiltinTickets.resolve_by>` and
:meth:`close <BuiltinTickets.close>` (the NOC page's Acknowledge and Assign call the
first two); two-way sync sees their changes through :meth:`BuiltinTickets.fetch`, as with
any other system. A resolved ticket closes for good once it has been quiet for
``close_after_s`` (:func:`closes_at`; the dispatch tick calls :meth:`BuiltinTickets.due_to_close`
and :meth:`~BuiltinTickets.close`), which ends the lifecycle new -> assigned ->
acknowledged -> resolved -> closed.

A comment sent with a :class:`~correlator.dispatch.model.CommentKey` keeps the key in its
own field (the text stays as written): the same key is never added twice, so a change the
outbox sends again (its store write failed after the queue took it) comments once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from correlator.clock import Clock, WallClock
from correlator.dispatch.model import (
    CommentKey,
    DeliveryError,
    TicketDraft,
    TicketRef,
    TicketState,
    TicketStatus,
)
from correlator.dispatch.priority import Priority

PREFIX: Final = "TKT-"
AUTHOR: Final = "correlator"  # the author of the comments the daemon writes
_DONE: Final = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment on a queued ticket."""

    at: float
    author: str
    text: str
    key: str | None = None  # the CommentKey's value it was sent with (None: not sent so)


@dataclass(frozen=True, slots=True)
class QueuedTicket:
    """One ticket of the built-in queue (an immutable snapshot; changes make a new one)."""

    ticket_id: str
    incident_id: str
    title: str
    description: str
    priority: Priority
    team: str
    status: TicketStatus
    created_at: float
    updated_at: float
    assignee: str | None = None
    comments: tuple[Comment, ...] = ()
    url: str | None = None


def ticket_id_of(number: int) -> str:
    """``TKT-000001`` for 1."""
    return f"{PREFIX}{number:06d}"


def _number_of(ticket_id: str) -> int:
    digits = ticket_id.removeprefix(PREFIX)
    return int(digits) if digits.isdigit() else 0


def closes_at(ticket: QueuedTicket, close_after_s: float | None) -> float | None:
    """When a resolved ticket closes: ``close_after_s`` after its last change (a comment on
    a resolved ticket starts the wait again); None when it is not resolved, or never."""
    if close_after_s is None or ticket.status is not TicketStatus.RESOLVED:
        return None
    return ticket.updated_at + close_after_s


class BuiltinTickets:
    """The built-in queue: an in-memory ticket system with an optional persistence hook."""

    def __init__(
        self,
        name: str = "builtin",
        *,
        clock: Clock | None = None,
        on_change: Callable[[QueuedTicket], None] | None = None,
        tickets: Iterable[QueuedTicket] = (),
        url_template: str | None = None,
        close_after_s: float | None = None,
    ) -> None:
        """``url_template`` (e.g. ``"https://noc.example/tickets/{ticket_id}"``) gives refs a
        link; ``tickets`` restores a persisted queue; a resolved ticket closes after
        ``close_after_s`` of quiet (None: never)."""
        self.name = name
        self.close_after_s = close_after_s
        self._clock = clock or WallClock()
        self._on_change = on_change
        self._url_template = url_template
        self._tickets: dict[str, QueuedTicket] = {}
        self._by_incident: dict[str, str] = {}
        self._last = 0
        for ticket in tickets:
            self._tickets[ticket.ticket_id] = ticket
            self._by_incident.setdefault(ticket.incident_id, ticket.ticket_id)
            self._last = max(self._last, _number_of(ticket.ticket_id))

    # ---- the TicketSystem protocol ----------------------------------------------------

    async def create(self, draft: TicketDraft) -> TicketRef:
        """Open ``TKT-nnnnnn``, or return the ticket already opened for the incident."""
        existing = self._by_incident.get(draft.incident_id)
        if existing is not None:
            return self._ref(self._tickets[existing])
        self._last += 1
        ticket_id = ticket_id_of(self._last)
        now = self._clock.now()
        ticket = QueuedTicket(
            ticket_id=ticket_id,
            incident_id=draft.incident_id,
            title=draft.title,
            description=draft.description,
            priority=draft.priority,
            team=draft.team,
            status=TicketStatus.NEW,
            created_at=now,
            updated_at=now,
            url=self._url_template.format(ticket_id=ticket_id) if self._url_template else None,
        )
        self._by_incident[draft.incident_id] = ticket_id
        self._store(ticket)
        return self._ref(ticket)

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        """Add the comment (unless its key is there already) and set priority/title."""
        ticket = self._get(ref.ticket_id)
        comments = self._commented(ticket, AUTHOR, comment, key)
        changed = dataclasses.replace(
            ticket,
            comments=comments,
            priority=ticket.priority if priority is None else priority,
            title=ticket.title if title is None else title,
        )
        if changed != ticket:
            self._store(dataclasses.replace(changed, updated_at=self._clock.now()))

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Comment and resolve; a resolved or closed ticket is left as it is."""
        ticket = self._get(ref.ticket_id)
        if ticket.status in _DONE:
            return
        self._store(self._resolved(ticket, AUTHOR, comment, key))

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Comment and reopen a resolved ticket (assigned again when someone has it, else
        new); an open ticket gets the comment only, and so does a closed one."""
        ticket = self._get(ref.ticket_id)
        now = self._clock.now()
        status = ticket.status
        if status is TicketStatus.RESOLVED:
            status = TicketStatus.ASSIGNED if ticket.assignee else TicketStatus.NEW
        comments = self._commented(ticket, AUTHOR, comment, key)
        changed = dataclasses.replace(ticket, status=status, comments=comments)
        if changed != ticket:
            self._store(dataclasses.replace(changed, updated_at=now))

    async def fetch(self, ref: TicketRef) -> TicketState:
        """The ticket's status and assignee now."""
        ticket = self._get(ref.ticket_id)
        return TicketState(self._ref(ticket), ticket.status, ticket.assignee, ticket.updated_at)

    # ---- what people do in the queue -----------------------------------------------------

    def assign(self, ticket_id: str, person: str) -> QueuedTicket:
        """``person`` takes the ticket (a new ticket becomes assigned)."""
        ticket = self._get(ticket_id)
        status = TicketStatus.ASSIGNED if ticket.status is TicketStatus.NEW else ticket.status
        return self._store(
            dataclasses.replace(
                ticket, assignee=person, status=status, updated_at=self._clock.now()
            )
        )

    def acknowledge(self, ticket_id: str, person: str) -> QueuedTicket:
        """``person`` is working on it (and takes it when nobody has)."""
        ticket = self._get(ticket_id)
        if ticket.status in _DONE:
            return ticket
        return self._store(
            dataclasses.replace(
                ticket,
                assignee=ticket.assignee or person,
                status=TicketStatus.ACKNOWLEDGED,
                updated_at=self._clock.now(),
            )
        )

    def resolve_by(self, ticket_id: str, person: str, comment: str = "") -> QueuedTicket:
        """``person`` resolves the ticket (and takes it when nobody has)."""
        ticket = self._get(ticket_id)
        if ticket.status in _DONE:
            return ticket
        return self._store(self._resolved(ticket, person, comment))

    def close(self, ticket_id: str) -> QueuedTicket:
        """Close the ticket for good."""
        ticket = self._get(ticket_id)
        return self._store(
            dataclasses.replace(ticket, status=TicketStatus.CLOSED, updated_at=self._clock.now())
        )

    # ---- reading -----------------------------------------------------------------------

    def get(self, ticket_id: str) -> QueuedTicket | None:
        """The ticket, or None."""
        return self._tickets.get(ticket_id)

    def for_incident(self, incident_id: str) -> QueuedTicket | None:
        """The ticket opened for ``incident_id``, or None."""
        ticket_id = self._by_incident.get(incident_id)
        return None if ticket_id is None else self._tickets[ticket_id]

    def due_to_close(self, now: float) -> list[QueuedTicket]:
        """The resolved tickets whose quiet time has run out at ``now``, oldest first."""
        due = []
        for ticket in self.tickets():
            at = closes_at(ticket, self.close_after_s)
            if at is not None and at <= now:
                due.append(ticket)
        return due

    def tickets(self) -> list[QueuedTicket]:
        """Every ticket, oldest first."""
        return sorted(self._tickets.values(), key=lambda t: _number_of(t.ticket_id))

    # ---- internals ---------------------------------------------------------------------

    def _get(self, ticket_id: str) -> QueuedTicket:
        ticket = self._tickets.get(ticket_id)
        if ticket is None:
            raise DeliveryError(f"{self.name}: no ticket {ticket_id}", retryable=False)
        return ticket

    def _commented(
        self, ticket: QueuedTicket, author: str, text: str | None, key: CommentKey | None
    ) -> tuple[Comment, ...]:
        """The ticket's comments with ``text`` added, unless it is empty or its key is
        there (the queue checks on every call: looking costs nothing here)."""
        if not text:
            return ticket.comments
        value = None if key is None else key.value
        if value is not None and any(c.key == value for c in ticket.comments):
            return ticket.comments
        return (*ticket.comments, Comment(self._clock.now(), author, text, value))

    def _resolved(
        self, ticket: QueuedTicket, author: str, comment: str, key: CommentKey | None = None
    ) -> QueuedTicket:
        now = self._clock.now()
        comments = self._commented(ticket, author, comment, key)
        assignee = ticket.assignee or (None if author == AUTHOR else author)
        return dataclasses.replace(
            ticket,
            status=TicketStatus.RESOLVED,
            assignee=assignee,
            comments=comments,
            updated_at=now,
        )

    def _store(self, ticket: QueuedTicket) -> QueuedTicket:
        self._tickets[ticket.ticket_id] = ticket
        if self._on_change is not None:
            self._on_change(ticket)
        return ticket

    def _ref(self, ticket: QueuedTicket) -> TicketRef:
        return TicketRef(self.name, ticket.ticket_id, ticket.url)
