"""Request Tracker 5 through REST 2.0, with an RT auth token.

A ticket's subject starts with the incident tag (``[INC-000001] title``); with
``custom_field`` set (a ticket custom field on the queue, e.g. ``ExternalId``) the
incident id is also stored there. ``create`` first searches (TicketSQL, every status) by
the custom field or, without one, by the subject tag, so a retried create finds the ticket
the first attempt opened.

RT answers 200 to a PUT even when it refuses a change, with the reason in the message
array ("Status 'x' isn't a valid status", "Permission Denied"); those are raised as
non-retryable errors, and a resolve is read back before it counts.

A comment sent with a key ends with its marker line; on a retry the ticket's attachments
(``GET /ticket/{id}/attachments``, newest first) are searched for the marker first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import httpx

from correlator.dispatch.model import (
    CommentKey,
    DeliveryError,
    TicketDraft,
    TicketRef,
    TicketState,
    TicketStatus,
    marked,
)
from correlator.dispatch.priority import Priority
from correlator.dispatch.tickets._common import (
    JSONAPI,
    epoch,
    priority_scale,
    retitle,
    subject_tag,
    tagged,
    ticket_state,
    ticket_text,
)

# RT 5's default PriorityAsString is Low 0, Medium 50, High 100 (P1..P5).
DEFAULT_PRIORITIES: Final[Mapping[Priority, int]] = priority_scale(100, 75, 50, 25, 0)

STATUSES: Final[Mapping[str, TicketStatus]] = MappingProxyType(
    {
        "new": TicketStatus.NEW,
        "open": TicketStatus.ACKNOWLEDGED,
        "stalled": TicketStatus.ACKNOWLEDGED,
        "resolved": TicketStatus.RESOLVED,
        "rejected": TicketStatus.CLOSED,
        "deleted": TicketStatus.CLOSED,
    }
)
_DONE: Final = frozenset({"resolved", "rejected", "deleted"})
NOBODY: Final = "Nobody"  # RT's owner of an unowned ticket
UNSET: Final = "1970-01-01"  # how RT writes a date that was never set
_PAGE: Final = 100  # the most items REST 2.0 gives per page

# What RT says (in a 200 answer) when it did not make a change.
_REFUSED: Final = re.compile(
    r"isn't a valid|permission denied|does not exist|not allowed|illegal|"
    r"could ?n[o']t|invalid|failed|no permission",
    re.IGNORECASE,
)
_CHANGED: Final = re.compile(r"\bchanged (from|to)\b")  # a change made (values may say anything)


@dataclass(frozen=True, slots=True)
class RTSettings:
    """One RT instance and the queue incidents go to."""

    url: str  # the web base URL, e.g. https://rt.example.com (REST 2.0 is under it)
    token: str = field(repr=False)  # an RT 5 auth token: "<id>-<user id>-<secret>"
    queue: str = "General"
    custom_field: str | None = None  # a ticket CF that holds the incident id
    priorities: Mapping[Priority, int] = field(default_factory=lambda: DEFAULT_PRIORITIES)
    timeout_s: float = 10.0


def _quote(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class RequestTracker:
    """Tickets in one RT 5 queue."""

    def __init__(self, name: str, settings: RTSettings, client: httpx.AsyncClient) -> None:
        self.name = name
        self.settings = settings
        self._call = JSONAPI(
            client,
            system=name,
            base=settings.url.rstrip("/") + "/REST/2.0",
            headers={"Authorization": f"token {settings.token}"},
            timeout_s=settings.timeout_s,
        )

    def _ref(self, ticket_id: str) -> TicketRef:
        web = self.settings.url.rstrip("/")
        return TicketRef(self.name, ticket_id, f"{web}/Ticket/Display.html?id={ticket_id}")

    async def _put(self, ticket_id: str, changes: Mapping[str, Any]) -> None:
        messages = await self._call("PUT", f"/ticket/{ticket_id}", json=dict(changes))
        refused = [
            m
            for m in messages
            if isinstance(m, str) and _REFUSED.search(m) and not _CHANGED.search(m)
        ]
        if refused:
            raise DeliveryError(
                f"{self.name}: ticket {ticket_id}: {'; '.join(refused)}", retryable=False
            )

    async def _comment(self, ticket_id: str, text: str, key: CommentKey | None) -> None:
        """An internal comment, unless it is a retry and the ticket has it already."""
        if key is not None and key.retry and await self._posted(ticket_id, key):
            return
        await self._call(
            "POST",
            f"/ticket/{ticket_id}/comment",
            json={"Content": marked(text, key), "ContentType": "text/plain"},
        )

    async def _posted(self, ticket_id: str, key: CommentKey) -> bool:
        """True when one of the ticket's messages carries the key's marker."""
        page = 1
        while True:
            found = await self._call(
                "GET",
                f"/ticket/{ticket_id}/attachments",
                params={
                    "fields": "Content",
                    "orderby": "id",
                    "order": "DESC",
                    "per_page": str(_PAGE),
                    "page": str(page),
                },
            )
            items = found.get("items") or []
            if key.found_in(str(item.get("Content") or "") for item in items):
                return True
            if len(items) < _PAGE:
                return False
            page += 1

    async def find(self, incident_id: str) -> TicketRef | None:
        """The ticket already opened for ``incident_id`` (any status), or None.

        With a custom field, a ticket matches by it *or* by the subject tag: RT ignores an
        unknown custom field on create, so a misnamed one still finds the ticket by subject.
        """
        tag = subject_tag(incident_id)
        match = f"Subject LIKE {_quote(tag)}"
        cf = self.settings.custom_field
        if cf:
            by_cf = "'CF.{" + cf.replace("}", "") + "}' = " + _quote(incident_id)
            match = f"({by_cf} OR {match})"
        found = await self._call(
            "GET",
            "/tickets",
            params={
                "query": f"Queue = {_quote(self.settings.queue)} AND {match}",
                "fields": "Subject,CustomFields",
                "orderby": "id",
                "order": "ASC",
            },
        )
        for item in found.get("items", []):
            values = [
                value
                for field_ in item.get("CustomFields") or []
                if cf and field_.get("name") == cf
                for value in field_.get("values") or []
            ]
            if str(item.get("Subject", "")).startswith(tag) or incident_id in values:
                return self._ref(str(item["id"]))
        return None

    async def create(self, draft: TicketDraft) -> TicketRef:
        """Find the incident's ticket or open one in the queue."""
        existing = await self.find(draft.incident_id)
        if existing is not None:
            return existing
        body: dict[str, Any] = {
            "Queue": self.settings.queue,
            "Subject": tagged(draft.incident_id, draft.title),
            "Content": ticket_text(draft),
            "ContentType": "text/plain",
            "Priority": self.settings.priorities[draft.priority],
        }
        if self.settings.custom_field:
            body["CustomFields"] = {self.settings.custom_field: draft.incident_id}
        created = await self._call("POST", "/ticket", json=body)
        return self._ref(str(created["id"]))

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        """Comment (internal), then set priority and subject."""
        if comment:
            await self._comment(ref.ticket_id, comment, key)
        changes: dict[str, Any] = {}
        if priority is not None:
            changes["Priority"] = self.settings.priorities[priority]
        if title is not None:
            ticket = await self._call("GET", f"/ticket/{ref.ticket_id}")
            changes["Subject"] = retitle(str(ticket.get("Subject", "")), title)
        if changes:
            await self._put(ref.ticket_id, changes)

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Comment and set status resolved, unless RT already has it resolved or rejected."""
        ticket = await self._call("GET", f"/ticket/{ref.ticket_id}")
        if ticket.get("Status") in _DONE:
            return
        if comment:
            await self._comment(ref.ticket_id, comment, key)
        await self._put(ref.ticket_id, {"Status": "resolved"})
        after = await self._call("GET", f"/ticket/{ref.ticket_id}")
        if after.get("Status") not in _DONE:
            raise DeliveryError(
                f"{self.name}: ticket {ref.ticket_id} is still {after.get('Status')!r} "
                "after resolving (a lifecycle that forbids it?)",
                retryable=False,
            )

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Comment and set a resolved ticket's status back to open (a rejected or deleted
        one, and one that is active already, gets the comment only)."""
        ticket = await self._call("GET", f"/ticket/{ref.ticket_id}")
        if comment:
            await self._comment(ref.ticket_id, comment, key)
        if ticket.get("Status") != "resolved":
            return
        await self._put(ref.ticket_id, {"Status": "open"})
        after = await self._call("GET", f"/ticket/{ref.ticket_id}")
        if after.get("Status") in _DONE:
            raise DeliveryError(
                f"{self.name}: ticket {ref.ticket_id} is still {after.get('Status')!r} "
                "after reopening (a lifecycle that forbids it?)",
                retryable=False,
            )

    async def fetch(self, ref: TicketRef) -> TicketState:
        """Status and owner as RT has them."""
        ticket = await self._call("GET", f"/ticket/{ref.ticket_id}")
        raw = str(ticket.get("Status", ""))
        owner_field = ticket.get("Owner")
        owner = owner_field.get("id") if isinstance(owner_field, dict) else owner_field
        assignee = None if owner in (None, "", NOBODY) else str(owner)
        status = STATUSES.get(raw, TicketStatus.ACKNOWLEDGED)  # custom lifecycles: active
        return ticket_state(ref, status, assignee, epoch(ticket.get("LastUpdated"), unset=UNSET))
