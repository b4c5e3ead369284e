# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The ticket-system contract: one suite for the built-in queue, a real RT 5 and the SaaS fakes.

Request Tracker is the real thing (Debian 12's request-tracker5 on loopback, started once
per session by tests/rt_server.py; scripts/install-rt installs it), run twice: finding
tickets by the ``ExternalId`` custom field and by the subject tag alone. GLPI, ServiceNow,
Jira Service Management and Zendesk are Starlette fakes (ticket_fakes.py) that check every
request against the documented API.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from required import unavailable
from rt_server import RTServer, RTUnavailableError, missing_prerequisite

from contract.ticket_fakes import GLPIFake, JSMFake, ServiceNowFake, ZendeskFake
from contract.ticket_fixtures import (
    FAKE_SITES,
    Backend,
    builtin_backend,
    draft_for,
    fake_backend,
    new_incident_id,
    rt_backend,
)
from correlator.clock import ManualClock
from correlator.dispatch.model import CommentKey, DeliveryError, TicketRef, TicketStatus
from correlator.dispatch.priority import Priority
from correlator.dispatch.tickets.builtin import BuiltinTickets, QueuedTicket
from correlator.dispatch.tickets.glpi import GLPI
from correlator.dispatch.tickets.jsm import JiraServiceManagement
from correlator.dispatch.tickets.registry import (
    TicketConfigError,
    TicketKind,
    parse_ticket_system,
    ticket_system_from_mapping,
)
from correlator.dispatch.tickets.rt import RequestTracker
from correlator.dispatch.tickets.servicenow import ServiceNow, ServiceNowSettings
from correlator.dispatch.tickets.zendesk import Zendesk

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

    from contract.ticket_fakes import FakeSystem


@pytest.fixture(scope="session")
def rt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTServer]:
    """The real RT 5 (tests/rt_server.py), set up once and stopped at the end of the session."""
    reason = missing_prerequisite()
    if reason is not None:
        unavailable("Request Tracker 5", reason)
    server = RTServer(tmp_path_factory.mktemp("rt5"))
    try:
        server.start()
    except RTUnavailableError as exc:
        unavailable("Request Tracker 5", str(exc))
    print(f"Request Tracker 5 ready at {server.url} after {server.startup_s:.1f} s")
    try:
        yield server
    finally:
        server.stop()


FAKES: dict[str, Callable[[], FakeSystem]] = {
    "glpi": GLPIFake,
    "servicenow": ServiceNowFake,
    "jsm": JSMFake,
    "zendesk": ZendeskFake,
}
RT_KINDS = ("rt", "rt-subject")
ALL = [
    "builtin",
    *(pytest.param(kind, marks=pytest.mark.peer) for kind in RT_KINDS),
    *FAKES,
]
HTTP = [p for p in ALL if p != "builtin"]


async def _backend(request: pytest.FixtureRequest) -> Backend:
    kind = request.param
    if kind == "builtin":
        return builtin_backend()
    if kind in RT_KINDS:
        server: RTServer = request.getfixturevalue("rt_server")
        return rt_backend(server, by_custom_field=kind == "rt")
    return fake_backend(FAKES[kind]())


@pytest.fixture(params=ALL)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """Each ticket system under test, fresh adapter and client per test."""
    made = await _backend(request)
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture(params=HTTP)
async def http_backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """Each ticket system reached over HTTP (all but the built-in queue)."""
    made = await _backend(request)
    try:
        yield made
    finally:
        await made.close()


# ---- the contract ------------------------------------------------------------------------


async def test_create_returns_a_ref_and_a_second_create_returns_the_same(backend: Backend) -> None:
    """Creating twice for one incident returns the same ticket; another incident gets its own."""
    incident = new_incident_id()
    first = await backend.system.create(draft_for(incident))
    again = await backend.system.create(draft_for(incident))
    other = await backend.system.create(draft_for(new_incident_id()))

    assert first.system == backend.system.name
    assert first.ticket_id
    assert again == first
    assert other.ticket_id != first.ticket_id
    assert await backend.tickets_for(incident) == [first.ticket_id]


async def test_a_new_ticket_is_new_unassigned_and_carries_the_priority(backend: Backend) -> None:
    """A fresh ticket is new, has no assignee, and has the draft's priority on the system's scale."""
    ref = await backend.system.create(draft_for(new_incident_id(), Priority.P2))

    state = await backend.system.fetch(ref)
    seen = await backend.inspect(ref)

    assert state.ref == ref
    assert state.status is TicketStatus.NEW
    assert state.assignee is None
    assert seen.priority == backend.expected_priority(Priority.P2)


async def test_update_adds_a_visible_comment_and_changes_priority(backend: Backend) -> None:
    """An update shows up in the system as a comment and as the new priority."""
    ref = await backend.system.create(draft_for(new_incident_id(), Priority.P3))

    await backend.system.update(
        ref, comment="Re-rooted: core-sw-1 -> dc1-uplink; 20 more hosts.", priority=Priority.P1
    )
    seen = await backend.inspect(ref)

    assert "Re-rooted: core-sw-1 -> dc1-uplink; 20 more hosts." in seen.comments
    assert seen.priority == backend.expected_priority(Priority.P1)
    assert seen.priority != backend.expected_priority(Priority.P3)
    assert (await backend.system.fetch(ref)).status is TicketStatus.NEW


async def test_resolve_resolves_and_resolving_twice_is_fine(backend: Backend) -> None:
    """Resolve comments and resolves; a second resolve changes nothing and adds no comment."""
    ref = await backend.system.create(draft_for(new_incident_id()))

    await backend.system.resolve(ref, "All 14 hosts answer again; incident resolved.")
    await backend.system.resolve(ref, "All 14 hosts answer again; incident resolved.")

    assert (await backend.system.fetch(ref)).status is TicketStatus.RESOLVED
    seen = await backend.inspect(ref)
    assert seen.comments.count("All 14 hosts answer again; incident resolved.") == 1


async def test_a_ticket_taken_by_a_person_is_seen_by_fetch(backend: Backend) -> None:
    """A person taking the ticket in the system shows as its assignee and an active status."""
    ref = await backend.system.create(draft_for(new_incident_id()))

    await backend.take(ref)
    state = await backend.system.fetch(ref)

    assert state.assignee == backend.person
    assert state.status in (TicketStatus.ASSIGNED, TicketStatus.ACKNOWLEDGED)


async def test_a_ticket_resolved_by_a_person_is_seen_by_fetch(backend: Backend) -> None:
    """A person resolving the ticket shows as resolved; resolving it afterwards is a no-op."""
    ref = await backend.system.create(draft_for(new_incident_id()))
    await backend.take(ref)

    await backend.person_resolves(ref)
    state = await backend.system.fetch(ref)
    await backend.system.resolve(ref, "incident over")

    assert state.status is TicketStatus.RESOLVED
    assert state.assignee == backend.person
    assert "incident over" not in (await backend.inspect(ref)).comments


ACTIVE = (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.ACKNOWLEDGED)


async def test_reopen_brings_the_same_resolved_ticket_back_with_a_comment(
    backend: Backend,
) -> None:
    """Reopening a resolved ticket makes that same ticket active again with the comment;
    reopening it again leaves it active, and no second ticket is ever opened."""
    incident = new_incident_id()
    ref = await backend.system.create(draft_for(incident))
    await backend.system.resolve(ref, "every alert has cleared")

    await backend.system.reopen(ref, "incident reopened: the incident failed again")
    state = await backend.system.fetch(ref)
    await backend.system.reopen(ref, "incident reopened: the incident failed again")

    assert state.status in ACTIVE
    assert (await backend.system.fetch(ref)).status in ACTIVE
    assert "incident reopened: the incident failed again" in (await backend.inspect(ref)).comments
    assert await backend.tickets_for(incident) == [ref.ticket_id]
    await backend.system.resolve(ref, "cleared again")
    assert (await backend.system.fetch(ref)).status is TicketStatus.RESOLVED


async def test_a_ticket_a_person_resolved_reopens_with_its_assignee(backend: Backend) -> None:
    """A ticket a person took and resolved comes back active when reopened, still theirs."""
    ref = await backend.system.create(draft_for(new_incident_id()))
    await backend.take(ref)
    await backend.person_resolves(ref)

    await backend.system.reopen(ref, "ticket resolved while the incident is open: 2 new alerts")
    state = await backend.system.fetch(ref)

    assert state.status in ACTIVE
    assert state.assignee == backend.person


async def test_an_unknown_ticket_is_a_permanent_error(backend: Backend) -> None:
    """Fetching or updating a ticket the system does not have is not worth retrying."""
    ghost = TicketRef(backend.system.name, "999999")

    with pytest.raises(DeliveryError) as fetched:
        await backend.system.fetch(ghost)
    with pytest.raises(DeliveryError) as updated:
        await backend.system.update(ghost, comment="hello?")

    assert fetched.value.retryable is False
    assert updated.value.retryable is False


async def test_a_503_is_retryable_with_its_retry_after(http_backend: Backend) -> None:
    """A 503 from the system surfaces as DeliveryError(retryable=True) with Retry-After."""
    assert http_backend.faults is not None
    http_backend.faults.fail_next(503, headers={"Retry-After": "7"}, body=b"maintenance")

    with pytest.raises(DeliveryError) as failed:
        await http_backend.system.create(draft_for(new_incident_id()))

    assert failed.value.retryable is True
    assert failed.value.retry_after_s == 7.0


async def test_a_400_is_not_retryable(http_backend: Backend) -> None:
    """A 400 from the system surfaces as DeliveryError(retryable=False)."""
    assert http_backend.faults is not None
    ref = await http_backend.system.create(draft_for(new_incident_id()))
    http_backend.faults.fail_next(400, body=b'{"message":"bad request"}')

    with pytest.raises(DeliveryError) as failed:
        await http_backend.system.update(ref, comment="more alerts", priority=Priority.P2)

    assert failed.value.retryable is False


async def test_a_create_whose_answer_was_lost_is_found_by_the_retry(http_backend: Backend) -> None:
    """When the create's answer is lost (timeout), the retry finds the ticket instead of opening a second."""
    assert http_backend.faults is not None
    incident = new_incident_id()
    http_backend.faults.lose_next("POST")

    with pytest.raises(DeliveryError) as lost:
        await http_backend.system.create(draft_for(incident))
    ref = await http_backend.system.create(draft_for(incident))

    assert lost.value.retryable is True
    assert await http_backend.tickets_for(incident) == [ref.ticket_id]


# ---- a comment sent again is posted once ----------------------------------------------------


async def _lost_then_retried(
    backend: Backend, send: Callable[[CommentKey], Awaitable[None]], key: str
) -> None:
    """Send with ``key``, losing the answer of the request that carries the comment (the
    system has it; the caller sees a timeout), then send again as the outbox's retry does."""
    first = CommentKey(key)
    if backend.faults is None:  # the built-in queue answers in process: the caller loses it
        await send(first)
    else:
        backend.faults.lose_next_carrying(first.marker)
        with pytest.raises(DeliveryError) as lost:
            await send(first)
        assert lost.value.retryable is True
    await send(CommentKey(key, retry=True))


def _count(comments: list[str], text: str) -> int:
    return sum(text in comment for comment in comments)


async def test_an_update_retried_after_a_lost_answer_comments_once(backend: Backend) -> None:
    """An update whose answer was lost, sent again as a retry, leaves exactly one comment
    (and the priority it set)."""
    ref = await backend.system.create(draft_for(new_incident_id(), Priority.P3))
    text = "Re-rooted: core-sw-1 -> dc1-uplink; 20 more hosts."

    async def send(key: CommentKey) -> None:
        await backend.system.update(ref, comment=text, priority=Priority.P1, key=key)

    await _lost_then_retried(backend, send, f"ticket.update:{ref.ticket_id}:rerooted")
    seen = await backend.inspect(ref)

    assert _count(seen.comments, text) == 1, seen.comments
    assert seen.priority == backend.expected_priority(Priority.P1)


async def test_a_resolve_retried_after_a_lost_answer_comments_once(backend: Backend) -> None:
    """A resolve whose answer was lost, sent again as a retry, resolves with exactly one comment."""
    ref = await backend.system.create(draft_for(new_incident_id()))
    text = "All 14 hosts answer again; incident resolved."

    async def send(key: CommentKey) -> None:
        await backend.system.resolve(ref, text, key=key)

    await _lost_then_retried(backend, send, f"ticket.resolve:{ref.ticket_id}")

    assert (await backend.system.fetch(ref)).status is TicketStatus.RESOLVED
    assert _count((await backend.inspect(ref)).comments, text) == 1


async def test_a_reopen_retried_after_a_lost_answer_comments_once(backend: Backend) -> None:
    """A reopen whose answer was lost, sent again as a retry, reopens with exactly one comment."""
    ref = await backend.system.create(draft_for(new_incident_id()))
    await backend.system.resolve(ref, "every alert has cleared")
    text = "incident reopened: the incident failed again"

    async def send(key: CommentKey) -> None:
        await backend.system.reopen(ref, text, key=key)

    await _lost_then_retried(backend, send, f"ticket.reopen:{ref.ticket_id}:1")

    assert (await backend.system.fetch(ref)).status in ACTIVE
    assert _count((await backend.inspect(ref)).comments, text) == 1


async def test_a_comment_refused_the_first_time_is_posted_by_the_retry(
    http_backend: Backend,
) -> None:
    """A retry whose first attempt never reached the system (a 503) does post the comment:
    the look before posting finds nothing."""
    assert http_backend.faults is not None
    ref = await http_backend.system.create(draft_for(new_incident_id()))
    first = CommentKey(f"ticket.update:{ref.ticket_id}:sla")
    http_backend.faults.fail_next_carrying(first.marker, 503)

    with pytest.raises(DeliveryError):
        await http_backend.system.update(ref, comment="Response SLA breached", key=first)
    await http_backend.system.update(
        ref, comment="Response SLA breached", key=CommentKey(first.value, retry=True)
    )

    comments = (await http_backend.inspect(ref)).comments
    assert _count(comments, "Response SLA breached") == 1
    assert _count(comments, first.marker) == 1


async def test_comments_with_other_keys_are_all_posted(backend: Backend) -> None:
    """Retries look for their own key only: two changes with the same text but their own keys
    are two comments, and a first attempt never looks."""
    ref = await backend.system.create(draft_for(new_incident_id()))

    await backend.system.update(ref, comment="still down", key=CommentKey("k1"))
    await backend.system.update(ref, comment="still down", key=CommentKey("k2", retry=True))

    assert _count((await backend.inspect(ref)).comments, "still down") == 2


async def test_a_first_attempt_makes_no_extra_call(http_backend: Backend) -> None:
    """A comment with a key, not a retry, costs the same requests as one without a key; a
    retry is what reads the ticket's comments."""
    assert http_backend.faults is not None
    sent = http_backend.faults.sent
    ref = await http_backend.system.create(draft_for(new_incident_id()))

    before = len(sent)
    await http_backend.system.update(ref, comment="plain", priority=Priority.P2)
    plain = sent[before:]
    before = len(sent)
    await http_backend.system.update(
        ref, comment="keyed", priority=Priority.P2, key=CommentKey("first")
    )
    keyed = sent[before:]
    before = len(sent)
    await http_backend.system.update(
        ref, comment="retried", priority=Priority.P2, key=CommentKey("again", retry=True)
    )
    retried = sent[before:]

    assert keyed == plain
    assert len(retried) > len(plain)


# ---- the fakes check what they are sent ----------------------------------------------------


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def _glpi_session(client: httpx.AsyncClient, fake: GLPIFake) -> dict[str, str]:
    answer = await client.get(
        "/apirest.php/initSession",
        headers={"App-Token": fake.app_token, "Authorization": f"user_token {fake.user_token}"},
    )
    return {"App-Token": fake.app_token, "Session-Token": answer.json()["session_token"]}


async def _glpi_ticket(client: httpx.AsyncClient, fake: GLPIFake) -> tuple[dict[str, str], int]:
    session = await _glpi_session(client, fake)
    made = await client.post(
        "/apirest.php/Ticket", headers=session, json={"input": {"name": "x", "content": "y"}}
    )
    return session, int(made.json()["id"])


async def _sn_incident(client: httpx.AsyncClient, fake: ServiceNowFake) -> str:
    made = await client.post(
        "/api/now/table/incident",
        headers=_basic(fake.username, fake.password),
        json={"short_description": "x", "impact": "2", "urgency": "2"},
    )
    return str(made.json()["result"]["sys_id"])


async def _jsm_request(client: httpx.AsyncClient, fake: JSMFake) -> str:
    made = await client.post(
        "/rest/servicedeskapi/request",
        headers=_basic(fake.email, fake.api_token),
        json={
            "serviceDeskId": fake.service_desk_id,
            "requestTypeId": fake.request_type_id,
            "requestFieldValues": {"summary": "x"},
        },
    )
    return str(made.json()["issueKey"])


async def _zd_ticket(client: httpx.AsyncClient, fake: ZendeskFake) -> int:
    made = await client.post(
        "/api/v2/tickets.json",
        headers=_basic(f"{fake.email}/token", fake.api_token),
        json={"ticket": {"subject": "x", "comment": {"body": "y"}}},
    )
    return int(made.json()["ticket"]["id"])


async def _glpi_no_app_token(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.get(
        "/apirest.php/initSession", headers={"Authorization": f"user_token {f.user_token}"}
    )


async def _glpi_wrong_user_token(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.get(
        "/apirest.php/initSession",
        headers={"App-Token": f.app_token, "Authorization": "user_token nope"},
    )


async def _glpi_no_session(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.post(
        "/apirest.php/Ticket",
        headers={"App-Token": f.app_token},
        json={"input": {"name": "x", "content": "y"}},
    )


async def _glpi_bare_body(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    session = await _glpi_session(c, f)
    return await c.post("/apirest.php/Ticket", headers=session, json={"name": "x", "content": "y"})


async def _glpi_no_content(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    session = await _glpi_session(c, f)
    return await c.post("/apirest.php/Ticket", headers=session, json={"input": {"name": "x"}})


async def _glpi_bad_urgency(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    session, ticket = await _glpi_ticket(c, f)
    return await c.put(
        f"/apirest.php/Ticket/{ticket}", headers=session, json={"input": {"urgency": 9}}
    )


async def _glpi_solution_on_computer(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    session, ticket = await _glpi_ticket(c, f)
    return await c.post(
        "/apirest.php/ITILSolution",
        headers=session,
        json={"input": {"itemtype": "Computer", "items_id": ticket, "content": "done"}},
    )


async def _sn_no_auth(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.get("/api/now/table/incident", params={"sysparm_limit": "1"})


async def _sn_bad_impact(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.post(
        "/api/now/table/incident",
        headers=_basic(f.username, f.password),
        json={"short_description": "x", "impact": "7"},
    )


async def _sn_resolve_without_close_code(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    sys_id = await _sn_incident(c, f)
    return await c.patch(
        f"/api/now/table/incident/{sys_id}",
        headers=_basic(f.username, f.password),
        json={"state": "6"},
    )


async def _sn_form_body(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.post(
        "/api/now/table/incident",
        headers=_basic(f.username, f.password),
        data={"short_description": "x"},
    )


async def _jsm_wrong_token(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.get("/rest/servicedeskapi/request", headers=_basic(f.email, "wrong"))


async def _jsm_no_summary(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.post(
        "/rest/servicedeskapi/request",
        headers=_basic(f.email, f.api_token),
        json={
            "serviceDeskId": f.service_desk_id,
            "requestTypeId": f.request_type_id,
            "requestFieldValues": {"description": "no summary"},
        },
    )


async def _jsm_no_request_type(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.post(
        "/rest/servicedeskapi/request",
        headers=_basic(f.email, f.api_token),
        json={"serviceDeskId": f.service_desk_id, "requestFieldValues": {"summary": "x"}},
    )


async def _jsm_bad_transition(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    key = await _jsm_request(c, f)
    return await c.post(
        f"/rest/servicedeskapi/request/{key}/transition",
        headers=_basic(f.email, f.api_token),
        json={"id": "999"},
    )


async def _jsm_bad_priority(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    key = await _jsm_request(c, f)
    return await c.put(
        f"/rest/api/3/issue/{key}",
        headers=_basic(f.email, f.api_token),
        json={"fields": {"priority": {"name": "Blocker"}}},
    )


async def _jsm_empty_comment(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    key = await _jsm_request(c, f)
    return await c.post(
        f"/rest/servicedeskapi/request/{key}/comment",
        headers=_basic(f.email, f.api_token),
        json={"body": "", "public": False},
    )


async def _zd_password_style_auth(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.get("/api/v2/tickets.json", headers=_basic(f.email, f.api_token))


async def _zd_no_wrapper(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.post(
        "/api/v2/tickets.json",
        headers=_basic(f"{f.email}/token", f.api_token),
        json={"subject": "x", "comment": {"body": "y"}},
    )


async def _zd_no_comment(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.post(
        "/api/v2/tickets.json",
        headers=_basic(f"{f.email}/token", f.api_token),
        json={"ticket": {"subject": "x"}},
    )


async def _zd_bad_priority(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    return await c.post(
        "/api/v2/tickets.json",
        headers=_basic(f"{f.email}/token", f.api_token),
        json={"ticket": {"subject": "x", "comment": {"body": "y"}, "priority": "critical"}},
    )


async def _zd_solve_unassigned(c: httpx.AsyncClient, f: Any) -> httpx.Response:
    ticket = await _zd_ticket(c, f)
    return await c.put(
        f"/api/v2/tickets/{ticket}.json",
        headers=_basic(f"{f.email}/token", f.api_token),
        json={"ticket": {"status": "solved"}},
    )


BAD_REQUESTS: list[
    tuple[str, Callable[[httpx.AsyncClient, Any], Awaitable[httpx.Response]], int]
] = [
    ("glpi", _glpi_no_app_token, 400),
    ("glpi", _glpi_wrong_user_token, 401),
    ("glpi", _glpi_no_session, 400),
    ("glpi", _glpi_bare_body, 400),
    ("glpi", _glpi_no_content, 400),
    ("glpi", _glpi_bad_urgency, 400),
    ("glpi", _glpi_solution_on_computer, 400),
    ("servicenow", _sn_no_auth, 401),
    ("servicenow", _sn_bad_impact, 400),
    ("servicenow", _sn_resolve_without_close_code, 403),
    ("servicenow", _sn_form_body, 400),
    ("jsm", _jsm_wrong_token, 401),
    ("jsm", _jsm_no_summary, 400),
    ("jsm", _jsm_no_request_type, 400),
    ("jsm", _jsm_bad_transition, 400),
    ("jsm", _jsm_bad_priority, 400),
    ("jsm", _jsm_empty_comment, 400),
    ("zendesk", _zd_password_style_auth, 401),
    ("zendesk", _zd_no_wrapper, 400),
    ("zendesk", _zd_no_comment, 422),
    ("zendesk", _zd_bad_priority, 422),
    ("zendesk", _zd_solve_unassigned, 422),
]


@pytest.mark.parametrize(
    ("kind", "send", "status"),
    BAD_REQUESTS,
    ids=[f"{kind}-{send.__name__.split('_', 2)[2]}" for kind, send, _ in BAD_REQUESTS],
)
async def test_the_fakes_reject_malformed_requests(
    kind: str,
    send: Callable[[httpx.AsyncClient, Any], Awaitable[httpx.Response]],
    status: int,
) -> None:
    """A request the real API would refuse gets the same 4xx from the fake."""
    fake = FAKES[kind]()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app), base_url=FAKE_SITES[kind]
    ) as client:
        answer = await send(client, fake)

    assert answer.status_code == status, answer.text
    assert fake.requests[-1].status == status


async def test_every_request_the_adapters_send_is_accepted_by_the_fakes() -> None:
    """A whole ticket life through each SaaS adapter draws no 4xx from its fake."""
    for make in FAKES.values():
        backend = fake_backend(make())
        try:
            ref = await backend.system.create(draft_for(new_incident_id()))
            await backend.system.update(ref, comment="more", priority=Priority.P1, title="renamed")
            await backend.system.update(ref, comment="more", key=CommentKey("k1", retry=True))
            await backend.system.fetch(ref)
            await backend.system.resolve(ref, "over", key=CommentKey("k2", retry=True))
            await backend.system.reopen(ref, "failed again", key=CommentKey("k3", retry=True))
            await backend.system.fetch(ref)
        finally:
            await backend.close()
        assert backend.fake is not None
        refused = [(r.method, r.path, r.status) for r in backend.fake.requests if r.status >= 400]
        assert refused == [], backend.kind


# ---- system-specific behaviour ------------------------------------------------------------


async def test_glpi_renews_an_expired_session_once() -> None:
    """When GLPI forgets the session, the adapter opens a new one and the call goes through."""
    fake = GLPIFake()
    backend = fake_backend(fake)
    try:
        ref = await backend.system.create(draft_for(new_incident_id()))
        fake.expire_sessions()
        state = await backend.system.fetch(ref)
    finally:
        await backend.close()

    assert state.status is TicketStatus.NEW
    assert [r.path for r in fake.requests].count("/apirest.php/initSession") == 2
    assert fake.requests[-1].path == "/apirest.php/killSession"


async def test_jsm_sets_priority_by_issue_edit_when_the_request_type_lacks_it() -> None:
    """With priority_at_create off, the request is raised without it and edited right after."""
    fake = JSMFake(priority_on_request_type=False)
    backend = fake_backend(fake)
    try:
        ref = await backend.system.create(draft_for(new_incident_id(), Priority.P1))
        seen = await backend.inspect(ref)
    finally:
        await backend.close()

    assert seen.priority == "Highest"
    assert [(r.method, r.path) for r in fake.requests][-1] == (
        "PUT",
        f"/rest/api/3/issue/{ref.ticket_id}",
    )


async def test_builtin_numbers_tickets_and_persists_every_change() -> None:
    """The built-in queue numbers TKT-000001.., hands each change to its hook, and restores."""
    saved: dict[str, QueuedTicket] = {}
    clock = ManualClock(1_000.0)
    queue = BuiltinTickets(clock=clock, on_change=lambda t: saved.__setitem__(t.ticket_id, t))
    first = await queue.create(draft_for("INC-000001"))
    second = await queue.create(draft_for("INC-000002"))
    clock.advance(60)
    await queue.update(first, comment="more alerts", priority=Priority.P1)

    restored = BuiltinTickets(clock=clock, tickets=saved.values())
    third = await restored.create(draft_for("INC-000003"))

    assert (first.ticket_id, second.ticket_id, third.ticket_id) == (
        "TKT-000001",
        "TKT-000002",
        "TKT-000003",
    )
    assert saved["TKT-000001"].priority is Priority.P1
    assert saved["TKT-000001"].updated_at == 1_060.0
    assert await restored.create(draft_for("INC-000001")) == first


async def test_builtin_closes_a_resolved_ticket_once_it_has_been_quiet_long_enough() -> None:
    """A resolved ticket is due to close close_after_s after its last change; open tickets
    never are, a comment restarts the wait, and no close_after_s means never."""
    clock = ManualClock(1_000.0)
    queue = BuiltinTickets(clock=clock, close_after_s=3600.0)
    resolved = await queue.create(draft_for("INC-000001"))
    still_open = await queue.create(draft_for("INC-000002"))
    await queue.resolve(resolved, "every alert has cleared")
    clock.advance(3599)
    assert queue.due_to_close(clock.now()) == []
    clock.advance(1)
    assert [t.ticket_id for t in queue.due_to_close(clock.now())] == [resolved.ticket_id]

    await queue.update(resolved, comment="a late word from the service desk")
    assert queue.due_to_close(clock.now()) == []
    clock.advance(3600)
    (due,) = queue.due_to_close(clock.now())
    assert queue.close(due.ticket_id).status is TicketStatus.CLOSED
    assert queue.due_to_close(clock.now() + 10**6) == []
    assert (await queue.fetch(still_open)).status is TicketStatus.NEW
    assert (await queue.fetch(resolved)).status is TicketStatus.CLOSED

    forever = BuiltinTickets(clock=clock)
    kept = await forever.create(draft_for("INC-000003"))
    await forever.resolve(kept, "cleared")
    assert forever.due_to_close(clock.now() + 10**9) == []


@pytest.mark.peer
async def test_rt_raises_a_change_it_refused_in_a_200_answer(rt_server: RTServer) -> None:
    """RT answers 200 with a refusal message for an invalid change; the adapter raises it."""
    backend = rt_backend(rt_server, by_custom_field=True)
    try:
        ref = await backend.system.create(draft_for(new_incident_id()))
        assert isinstance(backend.system, RequestTracker)
        with pytest.raises(DeliveryError) as refused:
            await backend.system._put(ref.ticket_id, {"Status": "bogus"})
    finally:
        await backend.close()

    assert refused.value.retryable is False
    assert "isn't a valid status" in str(refused.value)


@pytest.mark.peer
async def test_rt_finds_by_subject_when_the_custom_field_does_not_exist(
    rt_server: RTServer,
) -> None:
    """RT ignores an unknown custom field on create, so the subject tag must still find the ticket."""
    async with httpx.AsyncClient() as client:
        system = ticket_system_from_mapping(
            {
                "kind": "rt",
                "url": rt_server.url,
                "token": rt_server.token,
                "custom_field": "NoSuchField",
            },
            client,
        )
        incident = new_incident_id()
        first = await system.create(draft_for(incident))
        again = await system.create(draft_for(incident))

    assert again == first


# ---- the registry --------------------------------------------------------------------------


async def test_the_registry_builds_every_kind_from_a_plain_mapping() -> None:
    """Each kind's mapping builds its adapter, named after the kind unless given a name."""
    async with httpx.AsyncClient() as client:
        built = {
            kind: ticket_system_from_mapping(config, client)
            for kind, config in {
                "builtin": {"kind": "builtin"},
                "rt": {"kind": "rt", "url": "https://rt.example.com", "token": "1-14-abc"},
                "glpi": {
                    "kind": "glpi",
                    "url": "https://g/apirest.php",
                    "app_token": "a",
                    "user_token": "u",
                },
                "servicenow": {
                    "kind": "servicenow",
                    "url": "https://x.service-now.com",
                    "username": "u",
                    "password": "p",
                },
                "jsm": {
                    "kind": "jsm",
                    "url": "https://x.atlassian.net",
                    "email": "e@x",
                    "api_token": "t",
                    "service_desk_id": 3,
                },
                "zendesk": {
                    "kind": "zendesk",
                    "url": "https://x.zendesk.com",
                    "email": "e@x",
                    "api_token": "t",
                    "name": "zd",
                },
            }.items()
        }

    assert isinstance(built["builtin"], BuiltinTickets)
    assert isinstance(built["rt"], RequestTracker)
    assert isinstance(built["glpi"], GLPI)
    assert isinstance(built["servicenow"], ServiceNow)
    assert isinstance(built["jsm"], JiraServiceManagement)
    assert built["jsm"].settings.service_desk_id == "3"
    assert isinstance(built["zendesk"], Zendesk)
    assert built["zendesk"].name == "zd"
    assert built["rt"].name == "rt"


def test_the_registry_applies_a_priority_table() -> None:
    """``priorities`` replaces the named entries of the adapter's default scale."""
    config = parse_ticket_system(
        {
            "kind": "servicenow",
            "url": "https://x",
            "username": "u",
            "password": "p",
            "priorities": {"P5": [3, 2], "p1": [1, 1]},
        }
    )

    assert config.kind is TicketKind.SERVICENOW
    assert isinstance(config.settings, ServiceNowSettings)
    assert config.settings.priorities[Priority.P5] == (3, 2)
    assert config.settings.priorities[Priority.P1] == (1, 1)
    assert config.settings.priorities[Priority.P3] == (2, 2)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"kind": "remedy"}, "tickets.kind: expected one of builtin, rt, glpi"),
        ({"kind": "rt", "url": "https://rt"}, "tickets.token: missing"),
        ({"kind": "rt", "url": "https://rt", "token": "t", "queu": "x"}, "did you mean 'queue'"),
        (
            {"kind": "rt", "url": "rt.example.com", "token": "t"},
            "tickets.url: expected an http(s) URL",
        ),
        ({"kind": "rt", "url": "https://rt", "token": "t", "timeout_s": -1}, "tickets.timeout_s"),
        (
            {"kind": "rt", "url": "https://rt", "token": "t", "priorities": {"P9": 1}},
            "unknown priority 'P9'",
        ),
        (
            {
                "kind": "zendesk",
                "url": "https://z",
                "email": "e",
                "api_token": "t",
                "ticket_type": 3,
            },
            "ticket_type",
        ),
        (
            {
                "kind": "servicenow",
                "url": "https://s",
                "username": "u",
                "password": "p",
                "comment_field": "notes",
            },
            "comment_field",
        ),
    ],
    ids=[
        "unknown-kind",
        "missing-key",
        "misspelt-key",
        "url-without-scheme",
        "negative-timeout",
        "unknown-priority",
        "ticket-type-not-a-name",
        "comment-field-not-a-choice",
    ],
)
def test_the_registry_rejects_bad_config(mapping: dict[str, Any], message: str) -> None:
    """Unknown kinds and keys, missing keys and wrong values raise one error naming the key."""
    with pytest.raises(TicketConfigError, match=re.escape(message)):
        parse_ticket_system(mapping)


def test_secrets_stay_out_of_reprs() -> None:
    """Tokens and passwords are not shown when settings are logged."""
    config = parse_ticket_system({"kind": "rt", "url": "https://rt", "token": "1-14-topsecret"})

    assert "topsecret" not in repr(config)
