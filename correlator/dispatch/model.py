"""The vocabulary of dispatch: what a ticket and a page carry, shared by every adapter."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from correlator.dispatch.priority import Priority


class TicketStatus(StrEnum):
    """Ticket lifecycle of the dispatch queue: new -> assigned -> acknowledged -> resolved
    -> closed (adapters map their system's statuses onto these)."""

    NEW = "new"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class TicketDraft:
    """What a new ticket says. ``incident_id`` is also the correlation/idempotency id."""

    incident_id: str
    title: str
    description: str
    priority: Priority
    team: str
    root: str | None = None
    runbook: str | None = None
    nodes: tuple[str, ...] = ()
    url: str | None = None  # the incident on the NOC page


@dataclass(frozen=True, slots=True)
class TicketRef:
    """Where a ticket lives: the system's name and its own id."""

    system: str
    ticket_id: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class TicketState:
    """A ticket as its system sees it now (two-way sync reads this)."""

    ref: TicketRef
    status: TicketStatus
    assignee: str | None = None
    updated_at: float | None = None


@dataclass(frozen=True, slots=True)
class CommentKey:
    """Which comment this is, so that a comment sent again is posted once.

    ``value`` is the same on every attempt (the outbox action's idempotency key).
    ``retry`` is True when an earlier attempt may have posted the comment already (its
    answer was lost, its worker died): only then does an adapter look among the ticket's
    comments for the :attr:`marker` before posting, so a first attempt costs no extra
    call. The marker ends every comment sent with a key (:meth:`mark`), or goes in a
    native field where the system has one.
    """

    value: str
    retry: bool = False

    @property
    def marker(self) -> str:
        """``[correlator:3f2a9c0d41be7756]``: short, and the same for the same key."""
        digest = hashlib.sha256(self.value.encode()).hexdigest()[:16]
        return f"[correlator:{digest}]"

    def mark(self, text: str) -> str:
        """``text`` with the marker as its last line."""
        return f"{text}\n\n{self.marker}"

    def found_in(self, texts: Iterable[str]) -> bool:
        """True when one of ``texts`` (the ticket's comments) carries the marker."""
        return any(self.marker in text for text in texts)


def marked(text: str, key: CommentKey | None) -> str:
    """``text`` as posted: with the key's marker when there is a key."""
    return text if key is None else key.mark(text)


class PageEvent(StrEnum):
    """What a page tells on-call (PagerDuty Events API v2 vocabulary)."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class Page:
    """One notification to on-call about one incident; ``dedup_key`` = incident id."""

    dedup_key: str
    event: PageEvent
    summary: str
    priority: Priority
    team: str
    source: str  # the root node (or host when unplaced)
    severity: str = "critical"  # critical | error | warning | info (PagerDuty's set)
    runbook: str | None = None
    url: str | None = None
    escalation_level: int = 1
    details: Mapping[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """Sending to an outside system failed."""

    def __init__(
        self, message: str, *, retryable: bool, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable  # 429, 5xx, timeouts, refused connections
        self.retry_after_s = retry_after_s  # from a Retry-After header, when given
