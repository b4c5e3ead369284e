# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Plumbing of the ticket contract suite: one :class:`Backend` per ticket system under test.

A backend bundles the adapter under test (built through the registry from a plain config
mapping, as the daemon builds it) with what the tests need around it: how a person takes
or resolves a ticket directly in the system, how to read a ticket as the system holds it
(priority on the system's own scale, comments), and a :class:`FaultTransport` under the
adapter's HTTP client that can answer the next request with an error or lose its answer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from rt_server import CUSTOM_FIELD, PERSON, PERSON_PASSWORD, ROOT_PASSWORD, RTServer

from contract.ticket_fakes import FakeSystem, GLPIFake, JSMFake, ServiceNowFake, ZendeskFake
from correlator.dispatch.model import TicketDraft, TicketRef
from correlator.dispatch.priority import Priority
from correlator.dispatch.tickets import glpi, jsm, rt, zendesk
from correlator.dispatch.tickets.builtin import BuiltinTickets
from correlator.dispatch.tickets.registry import ticket_system_from_mapping

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from correlator.dispatch.tickets.base import TicketSystem

_incident_numbers = itertools.count(1)


def new_incident_id() -> str:
    """An incident id no other test of this session uses (RT is shared by the session)."""
    return f"INC-{next(_incident_numbers):06d}"


def draft_for(incident_id: str, priority: Priority = Priority.P3) -> TicketDraft:
    """A realistic ticket draft: a switch down and the hosts behind it."""
    return TicketDraft(
        incident_id=incident_id,
        title="core-sw-1 down: 14 hosts unreachable",
        description="Switch core-sw-1 stopped answering; the 14 hosts behind it are unreachable.",
        priority=priority,
        team="network",
        root="core-sw-1",
        runbook="https://wiki.example.com/runbooks/switch-down",
        nodes=("core-sw-1", "web-1", "web-2"),
        url=f"https://noc.example.com/incidents/{incident_id}",
    )


# ---- fault injection -------------------------------------------------------------------


@dataclass
class _Plan:
    method: str | None
    status: int | None  # None: forward, then lose the answer (a timeout after the fact)
    headers: dict[str, str]
    body: bytes
    carrying: str | None = None  # only a request whose body holds this text

    def matches(self, request: httpx.Request) -> bool:
        if self.method not in (None, request.method):
            return False
        return self.carrying is None or self.carrying.encode() in request.content


class FaultTransport(httpx.AsyncBaseTransport):
    """Forwards to ``inner``; a planned request is answered by the plan instead."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self._plans: list[_Plan] = []
        self.sent: list[tuple[str, str]] = []  # (method, path) of every request, in order

    def fail_next(
        self,
        status: int,
        *,
        method: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        """Answer the next request (of ``method``, if given) with ``status``."""
        self._plans.append(_Plan(method, status, headers or {}, body))

    def lose_next(self, method: str) -> None:
        """Let the next ``method`` request reach the system, then time out reading its answer."""
        self._plans.append(_Plan(method, None, {}, b""))

    def lose_next_carrying(self, text: str) -> None:
        """Let the next request whose body holds ``text`` reach the system, then time out."""
        self._plans.append(_Plan(None, None, {}, b"", carrying=text))

    def fail_next_carrying(self, text: str, status: int) -> None:
        """Answer the next request whose body holds ``text`` with ``status`` (not sent on)."""
        self._plans.append(_Plan(None, status, {}, b"", carrying=text))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.sent.append((request.method, request.url.path))
        plan = next((p for p in self._plans if p.matches(request)), None)
        if plan is None:
            return await self.inner.handle_async_request(request)
        self._plans.remove(plan)
        if plan.status is not None:
            return httpx.Response(plan.status, headers=plan.headers, content=plan.body)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        await response.aclose()
        raise httpx.ReadTimeout("the answer was lost", request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# ---- backends ----------------------------------------------------------------------------


@dataclass
class Seen:
    """A ticket as its system holds it."""

    priority: str  # on the system's own scale
    comments: list[str]


@dataclass
class Backend:
    """One ticket system under test, with what the tests need around it."""

    kind: str
    system: TicketSystem
    person: str  # the name fetch reports once the person has taken the ticket
    expected_priority: Callable[[Priority], str]
    inspect: Callable[[TicketRef], Awaitable[Seen]]
    take: Callable[[TicketRef], Awaitable[None]]
    person_resolves: Callable[[TicketRef], Awaitable[None]]
    tickets_for: Callable[[str], Awaitable[list[str]]]
    faults: FaultTransport | None = None
    fake: FakeSystem | None = None
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def close(self) -> None:
        closing = getattr(self.system, "aclose", None)  # GLPI ends its API session
        if closing is not None:
            await closing()
        for client in self.clients:
            await client.aclose()


def builtin_backend() -> Backend:
    """The built-in queue; people work it through its own methods."""
    queue = BuiltinTickets()

    async def inspect(ref: TicketRef) -> Seen:
        ticket = queue.get(ref.ticket_id)
        assert ticket is not None
        return Seen(ticket.priority.value, [c.text for c in ticket.comments])

    async def take(ref: TicketRef) -> None:
        queue.assign(ref.ticket_id, "alice")
        queue.acknowledge(ref.ticket_id, "alice")

    async def person_resolves(ref: TicketRef) -> None:
        queue.resolve_by(ref.ticket_id, "alice", "fixed the cable")

    async def tickets_for(incident_id: str) -> list[str]:
        ticket = queue.for_incident(incident_id)
        return [] if ticket is None else [ticket.ticket_id]

    return Backend(
        "builtin",
        queue,
        "alice",
        lambda p: p.value,
        inspect,
        take,
        person_resolves,
        tickets_for,
    )


FAKE_SITES = {
    "glpi": "https://glpi.example.test",
    "servicenow": "https://example.service-now.test",
    "jsm": "https://example.atlassian.test",
    "zendesk": "https://example.zendesk.test",
}


def fake_config(fake: FakeSystem) -> dict[str, Any]:
    """The plain config mapping that points an adapter at ``fake``."""
    site = FAKE_SITES[fake.name]
    if isinstance(fake, GLPIFake):
        return {
            "kind": "glpi",
            "url": f"{site}/apirest.php",
            "app_token": fake.app_token,
            "user_token": fake.user_token,
        }
    if isinstance(fake, ServiceNowFake):
        return {
            "kind": "servicenow",
            "url": site,
            "username": fake.username,
            "password": fake.password,
            "assignment_group": "Network",
        }
    if isinstance(fake, JSMFake):
        return {
            "kind": "jsm",
            "url": site,
            "email": fake.email,
            "api_token": fake.api_token,
            "service_desk_id": fake.service_desk_id,
            "request_type_id": fake.request_type_id,
            "priority_at_create": fake.priority_on_request_type,
        }
    if isinstance(fake, ZendeskFake):
        return {"kind": "zendesk", "url": site, "email": fake.email, "api_token": fake.api_token}
    raise AssertionError(fake)


_FAKE_PRIORITY: dict[str, Callable[[Priority], str]] = {
    "glpi": lambda p: str(glpi.DEFAULT_PRIORITIES[p]),
    "servicenow": lambda p: str(p.rank),  # the (impact, urgency) pairs give priority 1..5
    "jsm": lambda p: jsm.DEFAULT_PRIORITIES[p],
    "zendesk": lambda p: zendesk.DEFAULT_PRIORITIES[p],
}


def fake_backend(fake: FakeSystem, **overrides: Any) -> Backend:
    """An adapter talking to ``fake`` in process (ASGI), under a fault transport."""
    faults = FaultTransport(httpx.ASGITransport(app=fake.app))
    client = httpx.AsyncClient(transport=faults)
    helper = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))
    site = FAKE_SITES[fake.name]
    system = ticket_system_from_mapping({**fake_config(fake), **overrides}, client)

    async def inspect(ref: TicketRef) -> Seen:
        shown = (await helper.get(f"{site}/_test/tickets/{ref.ticket_id}")).raise_for_status()
        data = shown.json()
        return Seen(str(data["priority"]), list(data["comments"]))

    async def take(ref: TicketRef) -> None:
        (await helper.post(f"{site}/_test/tickets/{ref.ticket_id}/take")).raise_for_status()

    async def person_resolves(ref: TicketRef) -> None:
        (await helper.post(f"{site}/_test/tickets/{ref.ticket_id}/resolve")).raise_for_status()

    async def tickets_for(incident_id: str) -> list[str]:
        found = (await helper.get(f"{site}/_test/incidents/{incident_id}")).raise_for_status()
        return list(found.json()["tickets"])

    return Backend(
        fake.name,
        system,
        fake.person,
        _FAKE_PRIORITY[fake.name],
        inspect,
        take,
        person_resolves,
        tickets_for,
        faults=faults,
        fake=fake,
        clients=[client, helper],
    )


def rt_backend(server: RTServer, *, by_custom_field: bool) -> Backend:
    """The adapter against the real RT 5; alice works tickets through REST 2.0 herself."""
    faults = FaultTransport(httpx.AsyncHTTPTransport())
    client = httpx.AsyncClient(transport=faults)
    root = httpx.AsyncClient(base_url=server.rest_url, auth=("root", ROOT_PASSWORD), timeout=30)
    alice = httpx.AsyncClient(base_url=server.rest_url, auth=(PERSON, PERSON_PASSWORD), timeout=30)
    config: dict[str, Any] = {
        "kind": "rt",
        "url": server.url,
        "token": server.token,
        "queue": "General",
    }
    if by_custom_field:
        config["custom_field"] = CUSTOM_FIELD
    system = ticket_system_from_mapping(config, client)

    async def inspect(ref: TicketRef) -> Seen:
        ticket = (await root.get(f"/ticket/{ref.ticket_id}")).raise_for_status().json()
        history = await root.get(
            f"/ticket/{ref.ticket_id}/history", params={"fields": "Type", "per_page": "100"}
        )
        comments = []
        for item in history.raise_for_status().json()["items"]:
            if item["Type"] == "Comment":
                parts = await root.get(
                    f"/transaction/{item['id']}/attachments", params={"fields": "Content"}
                )
                comments.extend(
                    str(part.get("Content", "")).strip()
                    for part in parts.raise_for_status().json()["items"]
                )
        return Seen(str(ticket["Priority"]), comments)

    async def put_as_alice(ref: TicketRef, changes: dict[str, str]) -> None:
        answer = await alice.put(f"/ticket/{ref.ticket_id}", json=changes)
        messages = answer.raise_for_status().json()
        assert all("changed" in m for m in messages), messages

    async def take(ref: TicketRef) -> None:
        await put_as_alice(ref, {"Owner": PERSON, "Status": "open"})

    async def person_resolves(ref: TicketRef) -> None:
        await put_as_alice(ref, {"Status": "resolved"})

    async def tickets_for(incident_id: str) -> list[str]:
        tag = rt.subject_tag(incident_id)
        found = await root.get(
            "/tickets", params={"query": f"Subject LIKE '{tag}'", "fields": "Subject"}
        )
        return [
            str(item["id"])
            for item in found.raise_for_status().json()["items"]
            if str(item["Subject"]).startswith(tag)
        ]

    return Backend(
        "rt" if by_custom_field else "rt-subject",
        system,
        PERSON,
        lambda p: str(rt.DEFAULT_PRIORITIES[p]),
        inspect,
        take,
        person_resolves,
        tickets_for,
        faults=faults,
        clients=[client, root, alice],
    )
