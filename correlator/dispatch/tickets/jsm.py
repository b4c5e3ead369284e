"""Jira Service Management through its request API, with basic auth (email + API token).

Requests are raised with ``POST /rest/servicedeskapi/request`` (``serviceDeskId``,
``requestTypeId``, ``requestFieldValues``); their summary starts with the incident tag
(``[INC-000001] title``) and ``create`` first looks for it among the requests this account
raised (``searchTerm``, every status), so a retried create finds the first one. Comments
are internal (``public: false``) request comments. Priority is a Jira field: it is set at
creation when the request type shows it, and changed with the platform's issue edit.
Resolving runs the request's resolve transition, with the comment as its additional
comment; reopening runs its reopen transition (``reopen_transition``) the same way.
``fetch`` reads the platform issue: the status category (new, indeterminate, done) and
the assignee. A comment sent with a key ends with its marker line; on a retry the
request's comments are read for the marker before it is posted again.
"""

from __future__ import annotations

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
    basic_auth,
    epoch,
    priority_scale,
    retitle,
    subject_tag,
    tagged,
    ticket_state,
    ticket_text,
)

# Jira's default priority scheme (P1..P5).
DEFAULT_PRIORITIES: Final[Mapping[Priority, str]] = priority_scale(
    "Highest", "High", "Medium", "Low", "Lowest"
)

CATEGORIES: Final[Mapping[str, TicketStatus]] = MappingProxyType(
    {
        "new": TicketStatus.NEW,
        "indeterminate": TicketStatus.ACKNOWLEDGED,
        "done": TicketStatus.RESOLVED,
    }
)
CLOSED_NAMES: Final = frozenset({"closed", "canceled", "cancelled", "declined"})
TIME_LAYOUT: Final = "%Y-%m-%dT%H:%M:%S.%f%z"  # Jira's 2024-05-01T10:00:00.000+0000
_PAGE: Final = 100  # comments asked for per page (the API may give fewer)


@dataclass(frozen=True, slots=True)
class JSMSettings:
    """One service desk, the request type incidents are raised as, and the account."""

    url: str  # the site, e.g. https://example.atlassian.net
    email: str
    api_token: str = field(repr=False)
    service_desk_id: str = "1"
    request_type_id: str = "1"
    resolve_transition: str = "Resolve this issue"  # the request's transition name
    reopen_transition: str = "Reopen"  # the transition out of resolved, back to work
    priority_at_create: bool = True  # False when the request type does not show priority
    priorities: Mapping[Priority, str] = field(default_factory=lambda: DEFAULT_PRIORITIES)
    timeout_s: float = 10.0


class JiraServiceManagement:
    """Requests in one Jira Service Management service desk."""

    def __init__(self, name: str, settings: JSMSettings, client: httpx.AsyncClient) -> None:
        self.name = name
        self.settings = settings
        self._site = settings.url.rstrip("/")
        self._call = JSONAPI(  # issue edits and transitions answer 204 without a body
            client,
            system=name,
            base=self._site,
            headers=basic_auth(settings.email, settings.api_token),
            timeout_s=settings.timeout_s,
            empty_is_none=True,
        )

    def _ref(self, key: str, web: str | None = None) -> TicketRef:
        return TicketRef(self.name, key, web or f"{self._site}/browse/{key}")

    async def find(self, incident_id: str) -> TicketRef | None:
        """The request this account already raised for ``incident_id``, or None."""
        tag = subject_tag(incident_id)
        found = await self._call(
            "GET",
            "/rest/servicedeskapi/request",
            params={
                "serviceDeskId": self.settings.service_desk_id,
                "searchTerm": incident_id,
                "requestOwnership": "OWNED_REQUESTS",
                "requestStatus": "ALL_REQUESTS",
                "limit": "50",
            },
        )
        for request in (found or {}).get("values", []):
            summary = next(
                (
                    str(value.get("value", ""))
                    for value in request.get("requestFieldValues", [])
                    if value.get("fieldId") == "summary"
                ),
                "",
            )
            if summary.startswith(tag):
                return self._ref(str(request["issueKey"]), request.get("_links", {}).get("web"))
        return None

    async def create(self, draft: TicketDraft) -> TicketRef:
        """Find the incident's request or raise one."""
        existing = await self.find(draft.incident_id)
        if existing is not None:
            return existing
        values: dict[str, Any] = {
            "summary": tagged(draft.incident_id, draft.title)[:255],
            "description": ticket_text(draft),
        }
        if self.settings.priority_at_create:
            values["priority"] = {"name": self.settings.priorities[draft.priority]}
        created = await self._call(
            "POST",
            "/rest/servicedeskapi/request",
            json={
                "serviceDeskId": self.settings.service_desk_id,
                "requestTypeId": self.settings.request_type_id,
                "requestFieldValues": values,
            },
        )
        ref = self._ref(str(created["issueKey"]), created.get("_links", {}).get("web"))
        if not self.settings.priority_at_create:
            await self._edit(ref.ticket_id, priority=draft.priority)
        return ref

    async def _comment(self, key: str, text: str, once: CommentKey | None) -> None:
        """An internal comment, unless it is a retry and the request has it already."""
        if once is not None and once.retry and await self._posted(key, once):
            return
        await self._call(
            "POST",
            f"/rest/servicedeskapi/request/{key}/comment",
            json={"body": marked(text, once), "public": False},
        )

    async def _posted(self, key: str, once: CommentKey) -> bool:
        """True when one of the request's comments (public or internal) carries the marker."""
        start = 0
        while True:
            page = await self._call(
                "GET",
                f"/rest/servicedeskapi/request/{key}/comment",
                params={
                    "public": "true",
                    "internal": "true",
                    "start": str(start),
                    "limit": str(_PAGE),
                },
            )
            values = (page or {}).get("values") or []
            if once.found_in(str(v.get("body") or "") for v in values):
                return True
            if (page or {}).get("isLastPage", True) or not values:
                return False
            start += len(values)

    async def _edit(
        self, key: str, *, priority: Priority | None = None, title: str | None = None
    ) -> None:
        fields: dict[str, Any] = {}
        if priority is not None:
            fields["priority"] = {"name": self.settings.priorities[priority]}
        if title is not None:
            issue = await self._call(
                "GET", f"/rest/api/3/issue/{key}", params={"fields": "summary"}
            )
            summary = str(issue.get("fields", {}).get("summary", ""))
            fields["summary"] = retitle(summary, title)[:255]
        if fields:
            await self._call("PUT", f"/rest/api/3/issue/{key}", json={"fields": fields})

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        """An internal comment, then priority and summary through the issue edit."""
        if comment:
            await self._comment(ref.ticket_id, comment, key)
        await self._edit(ref.ticket_id, priority=priority, title=title)

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Run the resolve transition (with the comment), unless the request is done.

        The transition carries the comment, so a done request is all a retry needs to see."""
        state = await self.fetch(ref)
        if state.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            return
        await self._transition(
            ref.ticket_id, self.settings.resolve_transition, marked(comment, key) if comment else ""
        )

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """Run the reopen transition (with the comment) on a resolved request; a closed
        (canceled, declined) one or an active one gets an internal comment only (unless a
        retry finds the comment there: the lost answer was the transition's)."""
        state = await self.fetch(ref)
        if state.status is not TicketStatus.RESOLVED:
            if comment:
                await self._comment(ref.ticket_id, comment, key)
            return
        await self._transition(
            ref.ticket_id, self.settings.reopen_transition, marked(comment, key) if comment else ""
        )

    async def _transition(self, key: str, name: str, comment: str) -> None:
        """Run the request's transition called ``name`` (case-insensitive)."""
        path = f"/rest/servicedeskapi/request/{key}/transition"
        offered = await self._call("GET", path)
        wanted = name.casefold()
        transition = next(
            (
                t
                for t in (offered or {}).get("values", [])
                if str(t.get("name", "")).casefold() == wanted
            ),
            None,
        )
        if transition is None:
            names = ", ".join(str(t.get("name")) for t in (offered or {}).get("values", []))
            raise DeliveryError(
                f"{self.name}: {key} offers no transition {name!r} (offered: {names or 'none'})",
                retryable=False,
            )
        body: dict[str, Any] = {"id": str(transition["id"])}
        if comment:
            body["additionalComment"] = {"body": comment}
        await self._call("POST", path, json=body)

    async def fetch(self, ref: TicketRef) -> TicketState:
        """Status category and assignee of the request's issue."""
        issue = await self._call(
            "GET",
            f"/rest/api/3/issue/{ref.ticket_id}",
            params={"fields": "status,assignee,updated"},
        )
        fields = issue.get("fields", {})
        status_field = fields.get("status") or {}
        category = str((status_field.get("statusCategory") or {}).get("key", ""))
        status = CATEGORIES.get(category, TicketStatus.ACKNOWLEDGED)
        if (
            status is TicketStatus.RESOLVED
            and str(status_field.get("name", "")).casefold() in CLOSED_NAMES
        ):
            status = TicketStatus.CLOSED
        person = fields.get("assignee") or {}
        assignee = person.get("displayName") or person.get("accountId") or None
        updated = epoch(fields.get("updated"), formats=(TIME_LAYOUT,))
        return ticket_state(ref, status, assignee, updated)
