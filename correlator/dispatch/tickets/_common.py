"""What the HTTP ticket adapters share: ticket text, title tags, timestamps, priority
scales and the JSON call.

Where the systems differ (how a timestamp is written, how an answer is wrapped) the
helper takes the difference as a parameter, so each adapter still says what its system
does.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, TypeVar

import httpx

from correlator.dispatch.http import call
from correlator.dispatch.model import TicketDraft, TicketRef, TicketState, TicketStatus
from correlator.dispatch.priority import Priority

T = TypeVar("T")

# The resolution note when the incident's own resolve comment is empty.
DEFAULT_RESOLUTION: Final = "Resolved: the incident is over."


def priority_scale(p1: T, p2: T, p3: T, p4: T, p5: T) -> Mapping[Priority, T]:
    """A system's values for P1 (most urgent) .. P5, as a read-only table."""
    return MappingProxyType(
        {Priority.P1: p1, Priority.P2: p2, Priority.P3: p3, Priority.P4: p4, Priority.P5: p5}
    )


def ticket_text(draft: TicketDraft) -> str:
    """The ticket's plain-text description: the draft's text, then the incident's facts."""
    lines = [draft.description, "", f"Incident: {draft.incident_id}", f"Team: {draft.team}"]
    if draft.root:
        lines.append(f"Root cause: {draft.root}")
    if draft.nodes:
        lines.append(f"Nodes: {', '.join(draft.nodes)}")
    if draft.runbook:
        lines.append(f"Runbook: {draft.runbook}")
    if draft.url:
        lines.append(f"Incident page: {draft.url}")
    return "\n".join(lines)


def subject_tag(incident_id: str) -> str:
    """``[INC-000001]``: how a ticket's subject (name, summary) names its incident."""
    return f"[{incident_id}]"


def tagged(incident_id: str, title: str) -> str:
    """``[INC-000001] title``: a new ticket's subject."""
    return f"{subject_tag(incident_id)} {title}"


def retitle(current: str, title: str) -> str:
    """``title`` behind the tag the ``current`` subject starts with (when it has one)."""
    tag = current.split(" ", 1)[0] if current.startswith("[") else ""
    return f"{tag} {title}".strip()


def epoch(
    value: Any,
    *,
    zone: dt.tzinfo | None = None,
    formats: Sequence[str] = (),
    unset: str | None = None,
) -> float | None:
    """A system's timestamp in seconds since the epoch; None when absent or unreadable.

    ``formats`` (``strptime``) are tried before ISO 8601. ``zone``, for systems that
    write their times without a zone, is the one they mean: it replaces whatever zone the
    value has. A value starting with ``unset`` means "no date" (RT writes 1970-01-01).
    """
    if not isinstance(value, str) or not value:
        return None
    if unset is not None and value.startswith(unset):
        return None
    for layout in formats:
        with contextlib.suppress(ValueError):
            # Zoneless only when the layout has no %z; then, as for ISO 8601, ``zone`` says.
            return _seconds(dt.datetime.strptime(value, layout), zone)  # noqa: DTZ007
    try:
        return _seconds(dt.datetime.fromisoformat(value), zone)
    except ValueError:
        return None


def _seconds(moment: dt.datetime, zone: dt.tzinfo | None) -> float:
    return (moment if zone is None else moment.replace(tzinfo=zone)).timestamp()


def ticket_state(
    ref: TicketRef, status: TicketStatus, assignee: str | None, updated_at: float | None
) -> TicketState:
    """The ticket's state; a new ticket someone has taken counts as assigned."""
    if status is TicketStatus.NEW and assignee is not None:
        status = TicketStatus.ASSIGNED
    return TicketState(ref, status, assignee, updated_at)


def basic_auth(user: str, secret: str) -> dict[str, str]:
    """Headers for a JSON API with HTTP basic auth."""
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"Accept": "application/json", "Authorization": f"Basic {basic}"}


@dataclass(frozen=True, slots=True)
class JSONAPI:
    """One system's JSON API: calling it sends a request and returns the decoded answer.

    Failures are raised by :func:`correlator.dispatch.http.call` as retryable or not.
    """

    client: httpx.AsyncClient
    system: str  # the adapter's name, which error messages start with
    base: str  # put before every path ("" when the caller passes whole URLs)
    headers: Mapping[str, str] = field(repr=False)  # sent with every call (auth)
    timeout_s: float
    envelope: str | None = None  # the key every answer is wrapped in (ServiceNow: result)
    empty_is_none: bool = False  # an answer without a body is None (else it must be JSON)

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The decoded answer (unwrapped from ``envelope``); ``headers`` add to the API's."""
        response = await call(
            self.client,
            method,
            f"{self.base}{path}",
            system=self.system,
            json=json,
            params=params,
            headers={**self.headers, **headers} if headers else self.headers,
            timeout_s=self.timeout_s,
        )
        if self.empty_is_none and not response.content:
            return None
        answer = response.json()
        return answer if self.envelope is None else answer.get(self.envelope)
