"""Zendesk Support tickets through the REST API v2, with API-token auth.

Basic auth is ``{email}/token:{api_token}``. The ticket's ``external_id`` is the incident
id: ``create`` first lists ``GET /api/v2/tickets.json?external_id=<id>``, so a retried
create finds the ticket the first attempt opened. Comments are private (``public:
false``). Zendesk will not solve a ticket without an assignee, so resolving an unassigned
ticket assigns it to the API account (``assignee_email``). Statuses: new, open, pending,
hold, solved, closed; the assignee's name comes from the sideloaded users. A comment sent
with a key ends with its marker line; on a retry the ticket's comments
(``GET /api/v2/tickets/{id}/comments.json``, newest first) are read for the marker first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

import httpx

from correlator.dispatch.model import (
    CommentKey,
    TicketDraft,
    TicketRef,
    TicketState,
    TicketStatus,
    marked,
)
from correlator.dispatch.priority import Priority
from correlator.dispatch.tickets._common import (
    JSONAPI,
    basic_auth,
    epoch,
    priority_scale,
    ticket_state,
    ticket_text,
)

# Zendesk's four priorities, for P1..P5.
DEFAULT_PRIORITIES: Final[Mapping[Priority, str]] = priority_scale(
    "urgent", "high", "normal", "low", "low"
)

STATUSES: Final[Mapping[str, TicketStatus]] = MappingProxyType(
    {
        "new": TicketStatus.NEW,
        "open": TicketStatus.ACKNOWLEDGED,
        "pending": TicketStatus.ACKNOWLEDGED,
        "hold": TicketStatus.ACKNOWLEDGED,
        "solved": TicketStatus.RESOLVED,
        "closed": TicketStatus.CLOSED,
    }
)
_DONE: Final = frozenset({"solved", "closed"})
_PAGE: Final = 100  # the most comments the API gives per page


@dataclass(frozen=True, slots=True)
class ZendeskSettings:
    """One Zendesk account (``https://<subdomain>.zendesk.com``) and an agent's API token."""

    url: str
    email: str
    api_token: str = field(repr=False)
    group_id: int | None = None  # the group new tickets go to
    ticket_type: Literal["problem", "incident", "question", "task"] = "incident"
    tags: tuple[str, ...] = ("correlator",)
    priorities: Mapping[Priority, str] = field(default_factory=lambda: DEFAULT_PRIORITIES)
    timeout_s: float = 10.0


class Zendesk:
    """Tickets in one Zendesk account."""

    def __init__(self, name: str, settings: ZendeskSettings, client: httpx.AsyncClient) -> None:
        self.name = name
        self.settings = settings
        self._site = settings.url.rstrip("/")
        self._call = JSONAPI(
            client,
            system=name,
            base=self._site,
            headers=basic_auth(f"{settings.email}/token", settings.api_token),
            timeout_s=settings.timeout_s,
        )

    def _ref(self, ticket_id: str) -> TicketRef:
        return TicketRef(self.name, ticket_id, f"{self._site}/agent/tickets/{ticket_id}")

    async def find(self, incident_id: str) -> TicketRef | None:
        """The ticket already opened for ``incident_id`` (the oldest, if several), or None."""
        found = await self._call("GET", "/api/v2/tickets.json", params={"external_id": incident_id})
        tickets = [t for t in found.get("tickets", []) if t.get("external_id") == incident_id]
        if not tickets:
            return None
        return self._ref(str(min(int(t["id"]) for t in tickets)))

    async def create(self, draft: TicketDraft) -> TicketRef:
        """Find the incident's ticket by ``external_id`` or open one."""
        existing = await self.find(draft.incident_id)
        if existing is not None:
            return existing
        ticket: dict[str, Any] = {
            "subject": draft.title,
            "comment": {"body": ticket_text(draft), "public": False},
            "priority": self.settings.priorities[draft.priority],
            "type": self.settings.ticket_type,
            "external_id": draft.incident_id,
            "tags": [*self.settings.tags, f"team_{draft.team}".replace(" ", "_").lower()],
        }
        if self.settings.group_id is not None:
            ticket["group_id"] = self.settings.group_id
        created = await self._call("POST", "/api/v2/tickets.json", json={"ticket": ticket})
        return self._ref(str(created["ticket"]["id"]))

    async def _posted(self, ticket_id: str, key: CommentKey) -> bool:
        """True when one of the ticket's comments (newest first) carries the key's marker."""
        page = 1
        while True:
            found = await self._call(
                "GET",
                f"/api/v2/tickets/{ticket_id}/comments.json",
                params={"sort_order": "desc", "per_page": str(_PAGE), "page": str(page)},
            )
            comments = found.get("comments") or []
            texts = (str(c.get("plain_body") or c.get("body") or "") for c in comments)
            if key.found_in(texts):
                return True
            if not found.get("next_page") or not comments:
                return False
            page += 1

    async def _comment(
        self, ticket_id: str, text: str | None, key: CommentKey | None
    ) -> dict[str, Any] | None:
        """The private comment to send, or None (no text, or a retry that finds it posted)."""
        if not text:
            return None
        if key is not None and key.retry and await self._posted(ticket_id, key):
            return None
        return {"body": marked(text, key), "public": False}

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        """One PUT: a private comment, priority and subject."""
        changes: dict[str, Any] = {}
        note = await self._comment(ref.ticket_id, comment, key)
        if note is not None:
            changes["comment"] = note
        if priority is not None:
            changes["priority"] = self.settings.priorities[priority]
        if title is not None:
            changes["subject"] = title
        if changes:
            await self._call(
                "PUT", f"/api/v2/tickets/{ref.ticket_id}.json", json={"ticket": changes}
            )

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Solve with a private comment (assigning the API account when nobody has it).

        One PUT carries both, so a solved ticket is all a retry needs to see."""
        current = (await self._call("GET", f"/api/v2/tickets/{ref.ticket_id}.json"))["ticket"]
        if current.get("status") in _DONE:
            return
        changes: dict[str, Any] = {"status": "solved"}
        if comment:
            changes["comment"] = {"body": marked(comment, key), "public": False}
        if current.get("assignee_id") is None:
            changes["assignee_email"] = self.settings.email
        await self._call("PUT", f"/api/v2/tickets/{ref.ticket_id}.json", json={"ticket": changes})

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """A solved ticket back to open, with a private comment; an active one gets the
        comment only, and a closed one nothing (Zendesk refuses to change closed tickets)."""
        current = (await self._call("GET", f"/api/v2/tickets/{ref.ticket_id}.json"))["ticket"]
        status = current.get("status")
        if status == "closed":
            return
        changes: dict[str, Any] = {}
        note = await self._comment(ref.ticket_id, comment, key)
        if note is not None:
            changes["comment"] = note
        if status == "solved":
            changes["status"] = "open"
        if changes:
            await self._call(
                "PUT", f"/api/v2/tickets/{ref.ticket_id}.json", json={"ticket": changes}
            )

    async def fetch(self, ref: TicketRef) -> TicketState:
        """Status and assignee (name, from the sideloaded users)."""
        found = await self._call(
            "GET", f"/api/v2/tickets/{ref.ticket_id}.json", params={"include": "users"}
        )
        ticket = found["ticket"]
        assignee_id = ticket.get("assignee_id")
        assignee: str | None = None
        if assignee_id is not None:
            users = [u for u in found.get("users", []) if u.get("id") == assignee_id]
            user: dict[str, Any] = users[0] if users else {}
            assignee = str(user.get("name") or user.get("email") or assignee_id)
        status = STATUSES.get(str(ticket.get("status", "")), TicketStatus.ACKNOWLEDGED)
        return ticket_state(ref, status, assignee, epoch(ticket.get("updated_at")))
