"""ServiceNow incidents through the Table API, with basic auth.

The incident's ``correlation_id`` is the incident id: ``create`` first queries
``sysparm_query=correlation_id=<id>``, so a retried create finds the record the first
attempt inserted. Priority is not written (ServiceNow derives it from impact x urgency
through its priority lookup), so each priority maps to an (impact, urgency) pair that the
default lookup turns into that priority. Comments go to ``work_notes`` (internal) unless
configured as ``comments`` (customer-visible). Resolving sets state 6 with a close code
and the comment as close notes, which the default data policy requires.

States: 1 new, 2 in progress, 3 on hold, 6 resolved, 7 closed, 8 canceled (4 and 5 are
older "awaiting" states). The assignee is read by dot-walking ``assigned_to.user_name``.

A note sent with a key ends with its marker line. On a retry the incident's journal
entries (table ``sys_journal_field``: ``element_id`` is the incident, ``element`` the
field) are queried for the marker first, so the API account needs read access to that
table as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

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
    DEFAULT_RESOLUTION,
    JSONAPI,
    basic_auth,
    epoch,
    priority_scale,
    ticket_state,
    ticket_text,
)

# (impact, urgency) that ServiceNow's default priority lookup maps to priority 1..5.
DEFAULT_PRIORITIES: Final[Mapping[Priority, tuple[int, int]]] = priority_scale(
    (1, 1), (1, 2), (2, 2), (2, 3), (3, 3)
)

STATES: Final[Mapping[int, TicketStatus]] = MappingProxyType(
    {
        1: TicketStatus.NEW,
        2: TicketStatus.ACKNOWLEDGED,  # in progress
        3: TicketStatus.ACKNOWLEDGED,  # on hold
        4: TicketStatus.ACKNOWLEDGED,  # awaiting (older releases)
        5: TicketStatus.ACKNOWLEDGED,  # awaiting (older releases)
        6: TicketStatus.RESOLVED,
        7: TicketStatus.CLOSED,
        8: TicketStatus.CLOSED,  # canceled
    }
)
RESOLVED: Final = 6
NEW: Final = 1
IN_PROGRESS: Final = 2
_DONE: Final = frozenset({6, 7, 8})
_FIELDS: Final = "sys_id,number,state,assigned_to.user_name,sys_updated_on,correlation_id"


@dataclass(frozen=True, slots=True)
class ServiceNowSettings:
    """One ServiceNow instance and what new incidents carry."""

    url: str  # the instance, e.g. https://example.service-now.com
    username: str
    password: str = field(repr=False)
    assignment_group: str | None = None  # sys_id or name of the group new incidents go to
    caller_id: str | None = None  # sys_id or user_name of the caller
    category: str | None = None
    comment_field: Literal["work_notes", "comments"] = "work_notes"
    close_code: str = "Solution provided"
    correlation_display: str = "correlator"
    priorities: Mapping[Priority, tuple[int, int]] = field(
        default_factory=lambda: DEFAULT_PRIORITIES
    )
    timeout_s: float = 10.0


class ServiceNow:
    """Incidents in one ServiceNow instance."""

    def __init__(self, name: str, settings: ServiceNowSettings, client: httpx.AsyncClient) -> None:
        self.name = name
        self.settings = settings
        self._base = settings.url.rstrip("/")
        self._table = f"{self._base}/api/now/table/incident"
        self._journal = f"{self._base}/api/now/table/sys_journal_field"
        self._call = JSONAPI(  # called with whole URLs; every answer is {"result": ...}
            client,
            system=name,
            base="",
            headers=basic_auth(settings.username, settings.password),
            timeout_s=settings.timeout_s,
            envelope="result",
        )

    def _ref(self, sys_id: str) -> TicketRef:
        return TicketRef(
            self.name, sys_id, f"{self._base}/nav_to.do?uri=incident.do%3Fsys_id%3D{sys_id}"
        )

    async def find(self, incident_id: str) -> TicketRef | None:
        """The incident record already opened for ``incident_id``, or None."""
        if "^" in incident_id:  # the encoded query's term separator
            raise DeliveryError(f"{self.name}: cannot query {incident_id!r}", retryable=False)
        found = await self._call(
            "GET",
            self._table,
            params={
                "sysparm_query": f"correlation_id={incident_id}^ORDERBYsys_created_on",
                "sysparm_fields": "sys_id,correlation_id",
                "sysparm_limit": "1",
            },
        )
        for record in found or []:
            if record.get("correlation_id") == incident_id:
                return self._ref(str(record["sys_id"]))
        return None

    async def create(self, draft: TicketDraft) -> TicketRef:
        """Find the incident record by ``correlation_id`` or insert one."""
        existing = await self.find(draft.incident_id)
        if existing is not None:
            return existing
        impact, urgency = self.settings.priorities[draft.priority]
        record: dict[str, Any] = {
            "short_description": f"{draft.title} ({draft.incident_id})"[:160],
            "description": ticket_text(draft),
            "impact": str(impact),
            "urgency": str(urgency),
            "correlation_id": draft.incident_id,
            "correlation_display": self.settings.correlation_display,
        }
        optional = {
            "assignment_group": self.settings.assignment_group,
            "caller_id": self.settings.caller_id,
            "category": self.settings.category,
        }
        record.update({key: value for key, value in optional.items() if value})
        created = await self._call(
            "POST", self._table, json=record, params={"sysparm_fields": "sys_id,number"}
        )
        return self._ref(str(created["sys_id"]))

    async def _posted(self, sys_id: str, key: CommentKey) -> bool:
        """True when one of the incident's journal entries in the comment field carries
        the key's marker."""
        query = f"element_id={sys_id}^element={self.settings.comment_field}^valueLIKE{key.marker}"
        found = await self._call(
            "GET",
            self._journal,
            params={"sysparm_query": query, "sysparm_fields": "sys_id", "sysparm_limit": "1"},
        )
        return bool(found)

    async def _note(self, sys_id: str, text: str | None, key: CommentKey | None) -> str | None:
        """The note to write, or None (no text, or a retry that finds it written)."""
        if not text:
            return None
        if key is not None and key.retry and await self._posted(sys_id, key):
            return None
        return marked(text, key)

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        """One PATCH: the work note, impact/urgency and short description."""
        changes: dict[str, Any] = {}
        note = await self._note(ref.ticket_id, comment, key)
        if note is not None:
            changes[self.settings.comment_field] = note
        if priority is not None:
            impact, urgency = self.settings.priorities[priority]
            changes.update(impact=str(impact), urgency=str(urgency))
        if title is not None:
            changes["short_description"] = title[:160]
        if changes:
            await self._call(
                "PATCH",
                f"{self._table}/{ref.ticket_id}",
                json=changes,
                params={"sysparm_fields": "sys_id"},
            )

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """State 6 with close code and notes, unless resolved, closed or canceled already.

        One PATCH carries state and note, so a resolved incident is all a retry needs to see."""
        record = await self._call(
            "GET", f"{self._table}/{ref.ticket_id}", params={"sysparm_fields": "state"}
        )
        if int(record.get("state") or 0) in _DONE:
            return
        note = comment or DEFAULT_RESOLUTION
        await self._call(
            "PATCH",
            f"{self._table}/{ref.ticket_id}",
            json={
                "state": str(RESOLVED),
                "close_code": self.settings.close_code,
                "close_notes": note,
                self.settings.comment_field: marked(note, key),
            },
            params={"sysparm_fields": "sys_id,state"},
        )

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        """A resolved incident back to state 2 (in progress; 1, new, when nobody has it)
        with the work note; a closed or canceled one, or an active one, gets the note only."""
        record = await self._call(
            "GET",
            f"{self._table}/{ref.ticket_id}",
            params={"sysparm_fields": "state,assigned_to"},
        )
        changes: dict[str, Any] = {}
        note = await self._note(ref.ticket_id, comment, key)
        if note is not None:
            changes[self.settings.comment_field] = note
        if int(record.get("state") or 0) == RESOLVED:
            changes["state"] = str(IN_PROGRESS if record.get("assigned_to") else NEW)
        if changes:
            await self._call(
                "PATCH",
                f"{self._table}/{ref.ticket_id}",
                json=changes,
                params={"sysparm_fields": "sys_id,state"},
            )

    async def fetch(self, ref: TicketRef) -> TicketState:
        """State and assignee (user name) as ServiceNow has them."""
        record = await self._call(
            "GET", f"{self._table}/{ref.ticket_id}", params={"sysparm_fields": _FIELDS}
        )
        assignee = record.get("assigned_to.user_name") or None
        status = STATES.get(int(record.get("state") or 1), TicketStatus.ACKNOWLEDGED)
        # ``sys_updated_on`` as the Table API gives it: ``YYYY-MM-DD HH:MM:SS``, UTC.
        updated = epoch(record.get("sys_updated_on"), zone=dt.UTC)
        return ticket_state(ref, status, assignee, updated)
