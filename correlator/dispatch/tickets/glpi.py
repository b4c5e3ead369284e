"""GLPI through its REST API (``apirest.php``), with a session token.

``initSession`` (``App-Token`` + ``Authorization: user_token ...``) gives a
``Session-Token`` that every later call carries; when GLPI answers
``ERROR_SESSION_TOKEN_INVALID`` (the session expired) the adapter opens a new session and
tries once more. GLPI tickets have no external-id field, so the ticket name starts with
the incident tag (``[INC-000001] title``) and ``create`` first looks for it with
``searchText[name]=^[INC-000001]`` (GLPI's anchored match).

Comments are ITIL follow-ups; resolving adds an ITIL solution, which GLPI turns into
status 5 (solved); reopening sets status 2 (processing) again. Status 1..6 is new,
processing (assigned), processing (planned), pending, solved, closed; the assignee is the
Ticket_User link of type 2. A follow-up or solution sent with a key ends with its marker
line; on a retry the ticket's follow-ups (``GET /Ticket/{id}/ITILFollowup``, newest first)
are read for the marker before it is posted again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import httpx

from correlator.dispatch.http import call
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
    DEFAULT_RESOLUTION,
    JSONAPI,
    epoch,
    priority_scale,
    retitle,
    subject_tag,
    tagged,
    ticket_state,
    ticket_text,
)

# GLPI priority/urgency: 1 very low .. 5 very high (6, major, is left to people); P1..P5.
DEFAULT_PRIORITIES: Final[Mapping[Priority, int]] = priority_scale(5, 4, 3, 2, 1)

STATUSES: Final[Mapping[int, TicketStatus]] = MappingProxyType(
    {
        1: TicketStatus.NEW,
        2: TicketStatus.ASSIGNED,
        3: TicketStatus.ACKNOWLEDGED,  # planned
        4: TicketStatus.ACKNOWLEDGED,  # pending
        5: TicketStatus.RESOLVED,  # solved
        6: TicketStatus.CLOSED,
    }
)
SOLVED: Final = 5
CLOSED: Final = 6
PROCESSING: Final = 2  # "processing (assigned)": where a reopened ticket goes
ASSIGNED_TO: Final = 2  # Ticket_User.type of the technician(s) in charge
INCIDENT_TYPE: Final = 1  # Ticket.type: 1 incident, 2 request
SESSION_INVALID: Final = "ERROR_SESSION_TOKEN_INVALID"
_PAGE: Final = 100  # follow-ups read per range on a retry


@dataclass(frozen=True, slots=True)
class GLPISettings:
    """One GLPI instance: its API client's App-Token and the API user's personal token."""

    url: str  # the API root, e.g. https://glpi.example.com/apirest.php
    app_token: str = field(repr=False)
    user_token: str = field(repr=False)
    entity_id: int | None = None  # entities_id of new tickets (None: the user's default)
    category_id: int | None = None  # itilcategories_id of new tickets
    priorities: Mapping[Priority, int] = field(default_factory=lambda: DEFAULT_PRIORITIES)
    timeout_s: float = 10.0


def _html(text: str) -> str:
    """GLPI 10 stores rich text: escape, and keep the line breaks."""
    return "<br>".join(html.escape(line) for line in text.split("\n"))


class GLPI:
    """Tickets in one GLPI instance."""

    def __init__(self, name: str, settings: GLPISettings, client: httpx.AsyncClient) -> None:
        self.name = name
        self.settings = settings
        self._client = client
        self._api = settings.url.rstrip("/")
        self._rest = JSONAPI(
            client,
            system=name,
            base=self._api,
            headers={"App-Token": settings.app_token},
            timeout_s=settings.timeout_s,
        )
        self._session: str | None = None
        self._session_lock = asyncio.Lock()

    def _ref(self, ticket_id: str) -> TicketRef:
        web = self._api.removesuffix("/apirest.php")
        return TicketRef(self.name, ticket_id, f"{web}/front/ticket.form.php?id={ticket_id}")

    async def _open_session(self, stale: str | None) -> str:
        async with self._session_lock:
            if self._session is not None and self._session != stale:
                return self._session  # another call already opened a new one
            answer = await self._rest(
                "GET",
                "/initSession",
                headers={"Authorization": f"user_token {self.settings.user_token}"},
            )
            token = answer.get("session_token")
            if not isinstance(token, str) or not token:
                raise DeliveryError(
                    f"{self.name}: initSession gave no session_token", retryable=True
                )
            self._session = token
            return token

    async def _send(
        self, method: str, path: str, session: str, json: Any, params: Mapping[str, str] | None
    ) -> Any:
        return await self._rest(
            method, path, json=json, params=params, headers={"Session-Token": session}
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """One call in the session; an expired session is renewed once."""
        session = self._session or await self._open_session(None)
        try:
            return await self._send(method, path, session, json, params)
        except DeliveryError as exc:
            if exc.retryable or SESSION_INVALID not in str(exc):
                raise
        session = await self._open_session(session)
        return await self._send(method, path, session, json, params)

    async def aclose(self) -> None:
        """End the API session (``killSession``); the next call opens a new one."""
        session, self._session = self._session, None
        if session is not None:
            await call(
                self._client,
                "GET",
                f"{self._api}/killSession",
                system=self.name,
                headers={"App-Token": self.settings.app_token, "Session-Token": session},
                timeout_s=self.settings.timeout_s,
            )

    async def find(self, incident_id: str) -> TicketRef | None:
        """The ticket already opened for ``incident_id``, or None."""
        tag = subject_tag(incident_id)
        found = await self._call(
            "GET",
            "/Ticket",
            params={"searchText[name]": f"^{tag}", "range": "0-49", "sort": "id", "order": "ASC"},
        )
        for item in found if isinstance(found, list) else []:
            if str(item.get("name", "")).startswith(tag):
                return self._ref(str(item["id"]))
        return None

    async def create(self, draft: TicketDraft) -> TicketRef:
        """Find the incident's ticket or add one (type incident)."""
        existing = await self.find(draft.incident_id)
        if existing is not None:
            return existing
        level = self.settings.priorities[draft.priority]
        ticket: dict[str, Any] = {
            "name": tagged(draft.incident_id, draft.title),
            "content": _html(ticket_text(draft)),
            "type": INCIDENT_TYPE,
            "urgency": level,
            "impact": level,
            "priority": level,
        }
        if self.settings.entity_id is not None:
            ticket["entities_id"] = self.settings.entity_id
        if self.settings.category_id is not None:
            ticket["itilcategories_id"] = self.settings.category_id
        created = await self._call("POST", "/Ticket", json={"input": ticket})
        return self._ref(str(created["id"]))

    async def _posted(self, ticket_id: str, key: CommentKey) -> bool:
        """True when one of the ticket's follow-ups carries the key's marker."""
        start = 0
        while True:
            found = await self._call(
                "GET",
                f"/Ticket/{ticket_id}/ITILFollowup",
                params={
                    "range": f"{start}-{start + _PAGE - 1}",
                    "sort": "id",
                    "order": "DESC",
                },
            )
            items = found if isinstance(found, list) else []
            if key.found_in(str(item.get("content") or "") for item in items):
                return True
            if len(items) < _PAGE:
                return False
            start += _PAGE

    async def _followup(self, ticket_id: str, text: str, key: CommentKey | None) -> None:
        """A private follow-up, unless it is a retry and the ticket has it already."""
        if key is not None and key.retry and await self._posted(ticket_id, key):
            return
        text = marked(text, key)
        await self._call(
            "POST",
            "/ITILFollowup",
            json={
                "input": {
                    "itemtype": "Ticket",
                    "items_id": int(ticket_id),
                    "content": _html(text),
                    "is_private": 1,
                }
            },
        )

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        """Add a (private) follow-up, then set urgency/priority and name."""
        if comment:
            await self._followup(ref.ticket_id, comment, key)
        changes: dict[str, Any] = {}
        if priority is not None:
            level = self.settings.priorities[priority]
            changes.update(urgency=level, priority=level)
        if title is not None:
            ticket = await self._call("GET", f"/Ticket/{ref.ticket_id}")
            changes["name"] = retitle(str(ticket.get("name", "")), title)
        if changes:
            await self._put(ref.ticket_id, changes)

    async def _put(self, ticket_id: str, changes: Mapping[str, Any]) -> None:
        answer = await self._call("PUT", f"/Ticket/{ticket_id}", json={"input": dict(changes)})
        # GLPI reports a refused update per item: [{"<id>": false, "message": "..."}]
        for result in answer if isinstance(answer, list) else []:
            if isinstance(result, dict) and result.get(ticket_id) is False:
                raise DeliveryError(
                    f"{self.name}: ticket {ticket_id} not updated: {result.get('message', '')}",
                    retryable=False,
                )

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Add a solution (GLPI sets status solved), unless already solved or closed.

        The solution is the comment, so a solved ticket is all a retry needs to see."""
        ticket = await self._call("GET", f"/Ticket/{ref.ticket_id}")
        if int(ticket.get("status", 0)) >= SOLVED:
            return
        await self._call(
            "POST",
            "/ITILSolution",
            json={
                "input": {
                    "itemtype": "Ticket",
                    "items_id": int(ref.ticket_id),
                    "content": _html(marked(comment or DEFAULT_RESOLUTION, key)),
                }
            },
        )

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """A follow-up, and a solved ticket back to status 2 (processing); a closed ticket
        (status 6) or an active one gets the follow-up only."""
        ticket = await self._call("GET", f"/Ticket/{ref.ticket_id}")
        if comment:
            await self._followup(ref.ticket_id, comment, key)
        if int(ticket.get("status", 0)) == SOLVED:
            await self._put(ref.ticket_id, {"status": PROCESSING})

    async def fetch(self, ref: TicketRef) -> TicketState:
        """Status and the assigned technician as GLPI has them."""
        ticket = await self._call("GET", f"/Ticket/{ref.ticket_id}")
        links = await self._call(
            "GET", f"/Ticket/{ref.ticket_id}/Ticket_User", params={"expand_dropdowns": "true"}
        )
        assignee = next(
            (
                str(link["users_id"])
                for link in (links if isinstance(links, list) else [])
                if int(link.get("type", 0)) == ASSIGNED_TO and link.get("users_id")
            ),
            None,
        )
        status = STATUSES.get(int(ticket.get("status", 1)), TicketStatus.ACKNOWLEDGED)
        # GLPI dates are ``YYYY-MM-DD HH:MM:SS`` in the server's zone; read as UTC.
        return ticket_state(ref, status, assignee, epoch(ticket.get("date_mod"), zone=dt.UTC))
