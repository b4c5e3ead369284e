"""The ticket-system Protocol every adapter implements (and its contract suite tests)."""

from __future__ import annotations

from typing import Protocol

from correlator.dispatch.model import CommentKey, TicketDraft, TicketRef, TicketState
from correlator.dispatch.priority import Priority


class TicketSystem(Protocol):
    """One outside (or built-in) ticket system.

    Every call may raise :class:`correlator.dispatch.model.DeliveryError`; ``retryable``
    tells the outbox worker whether to try again later.

    The calls that post a comment take a ``key`` (:class:`CommentKey`): the comment is
    posted with its marker, and when ``key.retry`` is set (an earlier attempt may have
    posted it, its answer lost) the adapter first looks for the marker among the ticket's
    comments and does not post it a second time. Without a key a comment is posted as it
    is, on every call.
    """

    name: str

    async def create(self, draft: TicketDraft) -> TicketRef:
        """Open a ticket, or return the existing one for ``draft.incident_id``.

        Must be idempotent: a retry after a timeout (the first call may have succeeded)
        finds the ticket by its correlation id instead of opening a second one.
        """
        ...

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        """Add a comment and/or change priority/title (incident changes never open tickets)."""
        ...

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Comment and resolve (idempotent: resolving a resolved ticket is fine)."""
        ...

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Comment and reopen a resolved ticket (the same ticket: its incident failed again).

        Idempotent: reopening a ticket that is open is only the comment. A ticket closed
        for good (where the system tells closed from resolved) stays closed: it gets the
        comment where the system still takes one.
        """
        ...

    async def fetch(self, ref: TicketRef) -> TicketState:
        """The ticket as its system sees it (a person may have taken or resolved it)."""
        ...
