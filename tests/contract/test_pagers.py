# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The pager contract: one suite for PagerDuty, Opsgenie, the webhook and e-mail.

The HTTP adapters talk to recording fakes that check every request against the documented
API (tests/contract/pager_fakes.py); the e-mail adapter talks to a real SMTP server
(aiosmtpd) started on a loopback port. Then the adapter-specific shapes, per-team routing,
the rate limiter and building everything from a plain config mapping.
"""

from __future__ import annotations

import asyncio
import shutil
import smtplib
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from required import unavailable

from correlator.clock import ManualClock
from correlator.dispatch.model import DeliveryError, Page, PageEvent
from correlator.dispatch.pagers.base import Pager
from correlator.dispatch.pagers.email import EmailPager, EmailSettings, MailRoute, Security
from correlator.dispatch.pagers.opsgenie import OpsgeniePager, OpsgenieSettings
from correlator.dispatch.pagers.pagerduty import PagerDutyPager, PagerDutySettings
from correlator.dispatch.pagers.registry import (
    PagingConfigError,
    build_pagers,
    parse_paging,
)
from correlator.dispatch.pagers.router import (
    RateLimit,
    RateLimiter,
    RateReason,
    Router,
    RouteReason,
    TeamRoute,
)
from correlator.dispatch.pagers.webhook import WebhookPager, WebhookSettings
from correlator.dispatch.priority import Priority

from .pager_fakes import (
    OpsgenieFake,
    PagerDutyFake,
    SmtpRecorder,
    WebhookReceiverFake,
    free_port,
    pagerduty_errors,
    parse_mail_date,
    smtp_server,
)

ROUTING_KEY = "R0123456789abcdef0123456789abcde"  # 32 characters, like an integration key
GENIE_KEY = "eb243592-faa2-4ba2-a551-1afdf565c889"
BEARER = "s3cret-webhook-token"
START = 1_760_000_000.0
INCIDENT = "INC-000001"
RUNBOOK = "https://wiki.example.org/runbooks/core-switch"
NOC = "https://noc.example.org/incidents/INC-000001"
KINDS = ["pagerduty", "opsgenie", "webhook", "email"]


def page(event: PageEvent = PageEvent.TRIGGER, **changes: Any) -> Page:
    """The page of the suite: a core switch down, 14 hosts behind it unreachable."""
    base = Page(
        dedup_key=INCIDENT,
        event=event,
        summary="core-sw-1 down: 14 hosts unreachable",
        priority=Priority.P1,
        team="network",
        source="core-sw-1",
        runbook=RUNBOOK,
        url=NOC,
        details={"hosts_down": 14, "site": "fra1"},
    )
    return replace(base, **changes)


# ---- the backends under test ----------------------------------------------------------


Receiver = PagerDutyFake | OpsgenieFake | WebhookReceiverFake | SmtpRecorder


@dataclass
class Backend:
    """One pager wired to its receiver, with what the contract tests need around it."""

    kind: str
    pager: Pager
    receiver: Receiver
    retry_after_s: float | None  # what a throttled answer tells the outbox worker
    down: Callable[[], Pager]  # the same pager aimed at a port nothing listens on
    send_malformed: Callable[[], Awaitable[int]]  # a request the receiver must refuse
    malformed_status: int
    clients: list[httpx.AsyncClient] = field(default_factory=list)


def _asgi_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app))


def _dead_url(path: str) -> str:
    return f"http://127.0.0.1:{free_port()}{path}"


def _pagerduty(clock: ManualClock) -> Backend:
    fake = PagerDutyFake()
    client, real = _asgi_client(fake.app), httpx.AsyncClient()
    url = "http://events.pagerduty.test/v2/enqueue"

    def down() -> Pager:
        return PagerDutyPager("pd", PagerDutySettings(ROUTING_KEY, _dead_url("/v2/enqueue")), real)

    async def malformed() -> int:
        bad = {"routing_key": "too-short", "event_action": "trigger", "payload": {"summary": ""}}
        return (await client.post(url, json=bad)).status_code

    pager = PagerDutyPager("pd", PagerDutySettings(ROUTING_KEY, url), client, clock)
    return Backend("pagerduty", pager, fake, 7.0, down, malformed, 400, [client, real])


def _opsgenie() -> Backend:
    fake = OpsgenieFake(GENIE_KEY)
    client, real = _asgi_client(fake.app), httpx.AsyncClient()
    url = "http://api.opsgenie.test"

    def down() -> Pager:
        return OpsgeniePager("og", OpsgenieSettings(GENIE_KEY, _dead_url("")), real)

    async def malformed() -> int:
        bad = {"message": "x" * 131, "alias": INCIDENT, "priority": "P0"}
        headers = {"Authorization": f"GenieKey {GENIE_KEY}"}
        return (await client.post(f"{url}/v2/alerts", json=bad, headers=headers)).status_code

    pager = OpsgeniePager("og", OpsgenieSettings(GENIE_KEY, url), client)
    return Backend("opsgenie", pager, fake, 7.0, down, malformed, 422, [client, real])


def _webhook(clock: ManualClock) -> Backend:
    fake = WebhookReceiverFake(bearer_token=BEARER)
    client, real = _asgi_client(fake.app), httpx.AsyncClient()
    url = "http://receiver.test/alerts"
    settings = WebhookSettings(url, "noc", "https://noc.example.org", BEARER)

    def down() -> Pager:
        return WebhookPager("hook", replace(settings, url=_dead_url("/alerts")), real)

    async def malformed() -> int:
        bad = {"version": "3", "groupKey": INCIDENT, "status": "firing", "alerts": []}
        headers = {"Authorization": f"Bearer {BEARER}"}
        return (await client.post(url, json=bad, headers=headers)).status_code

    pager = WebhookPager("hook", settings, client, clock)
    return Backend("webhook", pager, fake, 7.0, down, malformed, 400, [client, real])


def _email_settings(port: int, **changes: Any) -> EmailSettings:
    base = EmailSettings(
        host="127.0.0.1",
        sender="correlator@noc.example.org",
        to=("oncall@example.org",),
        port=port,
        teams=MappingProxyType(
            {"network": MailRoute(("net-oncall@example.org",), "noc-network@example.org")}
        ),
    )
    return replace(base, **changes)


def _email(clock: ManualClock, controller: Any, handler: SmtpRecorder) -> Backend:
    def down() -> Pager:
        return EmailPager("mail", _email_settings(free_port()), clock)

    async def malformed() -> int:
        msg = EmailMessage()
        msg["From"] = "someone@example.org"
        msg["To"] = "oncall@example.org"
        msg["Subject"] = "no Date, no Message-ID"
        msg.set_content("hello")

        def deliver() -> int:
            with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as smtp:
                try:
                    smtp.send_message(msg)
                except smtplib.SMTPDataError as exc:
                    return exc.smtp_code
            return 250

        return await asyncio.to_thread(deliver)

    pager = EmailPager("mail", _email_settings(controller.port), clock)
    return Backend("email", pager, handler, None, down, malformed, 550)


@pytest.fixture
def clock() -> ManualClock:
    """Time stands still at START unless a test moves it."""
    return ManualClock(START)


@pytest.fixture
def smtp() -> Iterator[tuple[Any, SmtpRecorder]]:
    """A real SMTP server on a loopback port and the handler recording what it took."""
    handler = SmtpRecorder(unknown_recipients={"nobody@example.org"})
    with smtp_server(handler) as controller:
        yield controller, handler


@pytest.fixture(params=KINDS)
async def backend(
    request: pytest.FixtureRequest, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Backend]:
    """Each pager in turn, wired to its receiver."""
    kind = request.param
    if kind == "email":
        handler = SmtpRecorder(unknown_recipients={"nobody@example.org"})
        with smtp_server(handler) as controller:
            yield _email(clock, controller, handler)
        return
    made = (
        _pagerduty(clock)
        if kind == "pagerduty"
        else _opsgenie()
        if kind == "opsgenie"
        else _webhook(clock)
    )
    try:
        yield made
    finally:
        for client in made.clients:
            await client.aclose()


# ---- the contract, for every pager ----------------------------------------------------


@pytest.mark.parametrize("event", list(PageEvent))
async def test_each_event_reaches_the_receiver_keyed_by_incident(
    backend: Backend, event: PageEvent
) -> None:
    """Trigger, acknowledge and resolve arrive as that event, keyed by the incident id."""
    if event is not PageEvent.TRIGGER:
        await backend.pager.send(page())
    await backend.pager.send(page(event))
    last = backend.receiver.deliveries[-1]
    assert (last.key, last.event) == (INCIDENT, event)
    assert INCIDENT in last.identity


async def test_trigger_carries_the_runbook_link(backend: Backend) -> None:
    """The runbook of the root node reaches on-call with the trigger."""
    await backend.pager.send(page())
    assert backend.receiver.deliveries[-1].runbook == RUNBOOK


async def test_same_page_twice_is_recognisable_as_a_duplicate(backend: Backend) -> None:
    """Sending one page twice gives the receiver two copies it can tell are the same."""
    await backend.pager.send(page())
    await backend.pager.send(page())
    first, second = backend.receiver.deliveries
    assert first.identity == second.identity
    assert backend.receiver.duplicates == 1
    assert list(backend.receiver.states) == [INCIDENT]


async def test_lifecycle_ends_resolved_on_one_incident(backend: Backend) -> None:
    """Trigger, acknowledge and resolve all land on the one incident, which ends resolved."""
    for event in PageEvent:
        await backend.pager.send(page(event))
    assert backend.receiver.states == {INCIDENT: PageEvent.RESOLVE}
    assert [d.event for d in backend.receiver.deliveries] == list(PageEvent)
    assert backend.receiver.duplicates == 0


async def test_throttled_answer_is_retryable_with_retry_after(backend: Backend) -> None:
    """A 429 (SMTP 451) is retryable and passes Retry-After on to the outbox worker."""
    backend.receiver.throttle(1, retry_after_s=7)
    with pytest.raises(DeliveryError) as caught:
        await backend.pager.send(page())
    assert caught.value.retryable
    assert caught.value.retry_after_s == backend.retry_after_s
    await backend.pager.send(page())  # the retry goes through
    assert backend.receiver.states == {INCIDENT: PageEvent.TRIGGER}


async def test_unavailable_receiver_is_retryable(backend: Backend) -> None:
    """A 503 (SMTP 421) is retryable."""
    backend.receiver.unavailable(1)
    with pytest.raises(DeliveryError) as caught:
        await backend.pager.send(page())
    assert caught.value.retryable


async def test_rejected_page_is_not_retryable(backend: Backend) -> None:
    """A 400 (SMTP 554) is final: retrying the same request cannot succeed."""
    backend.receiver.reject(1)
    with pytest.raises(DeliveryError) as caught:
        await backend.pager.send(page())
    assert not caught.value.retryable


async def test_receiver_down_is_retryable(backend: Backend) -> None:
    """Nobody listening (connection refused) is retryable."""
    with pytest.raises(DeliveryError) as caught:
        await backend.down().send(page())
    assert caught.value.retryable
    assert caught.value.retry_after_s is None


async def test_receiver_refuses_a_malformed_request(backend: Backend) -> None:
    """The fakes check requests: one the real API would refuse is refused."""
    assert await backend.send_malformed() == backend.malformed_status
    assert backend.receiver.deliveries == []


@pytest.mark.parametrize("kind", ["pagerduty", "opsgenie", "webhook"])
async def test_http_receiver_refuses_invalid_json(kind: str) -> None:
    """A body that is not JSON gets 400 from every HTTP fake."""
    fakes = {
        "pagerduty": PagerDutyFake(),
        "opsgenie": OpsgenieFake(GENIE_KEY),
        "webhook": WebhookReceiverFake(),
    }
    fake = fakes[kind]
    path = {"pagerduty": "/v2/enqueue", "opsgenie": "/v2/alerts", "webhook": "/alerts"}[kind]
    async with _asgi_client(fake.app) as client:
        answer = await client.post(f"http://fake.test{path}", content=b"{not json")
    assert answer.status_code == 400


# ---- PagerDuty --------------------------------------------------------------------------


async def _pd(clock: ManualClock) -> tuple[PagerDutyFake, PagerDutyPager, httpx.AsyncClient]:
    fake = PagerDutyFake()
    client = _asgi_client(fake.app)
    url = "http://events.pagerduty.test/v2/enqueue"
    return fake, PagerDutyPager("pd", PagerDutySettings(ROUTING_KEY, url), client, clock), client


async def test_pagerduty_trigger_has_payload_links_and_details(clock: ManualClock) -> None:
    """A trigger carries the documented payload, the runbook and NOC links and the details."""
    fake, pager, client = await _pd(clock)
    async with client:
        await pager.send(page())
    body = fake.requests[0].body
    assert fake.requests[0].status == 202
    assert body["routing_key"] == ROUTING_KEY
    assert (body["event_action"], body["dedup_key"]) == ("trigger", INCIDENT)
    payload = body["payload"]
    assert payload["summary"] == "[P1] core-sw-1 down: 14 hosts unreachable"
    assert (payload["source"], payload["severity"]) == ("core-sw-1", "critical")
    assert payload["timestamp"] == "2025-10-09T08:53:20+00:00"
    assert (payload["component"], payload["group"], payload["class"]) == (
        "core-sw-1",
        "network",
        "P1",
    )
    assert payload["custom_details"]["hosts_down"] == 14
    assert payload["custom_details"]["runbook"] == RUNBOOK
    assert body["links"] == [
        {"href": RUNBOOK, "text": "Runbook"},
        {"href": NOC, "text": "Incident on the NOC page"},
    ]


async def test_pagerduty_acknowledge_and_resolve_carry_no_payload(clock: ManualClock) -> None:
    """Acknowledge and resolve send only routing key, action and dedup key."""
    fake, pager, client = await _pd(clock)
    async with client:
        await pager.send(page(PageEvent.ACKNOWLEDGE))
        await pager.send(page(PageEvent.RESOLVE))
    assert [r.body for r in fake.requests] == [
        {"routing_key": ROUTING_KEY, "event_action": action, "dedup_key": INCIDENT}
        for action in ("acknowledge", "resolve")
    ]


async def test_pagerduty_severity_outside_its_set_follows_the_priority(clock: ManualClock) -> None:
    """A severity PagerDuty does not know is replaced by one from the priority, not lost."""
    fake, pager, client = await _pd(clock)
    async with client:
        await pager.send(page(severity="major", priority=Priority.P3))
    payload = fake.requests[0].body["payload"]
    assert payload["severity"] == "warning"
    assert payload["custom_details"]["severity"] == "major"


async def test_pagerduty_wrong_routing_key_is_refused_and_final(clock: ManualClock) -> None:
    """A routing key of the wrong length is answered 400 and is not retried."""
    fake = PagerDutyFake()
    async with _asgi_client(fake.app) as client:
        settings = PagerDutySettings("short", "http://events.pagerduty.test/v2/enqueue")
        with pytest.raises(DeliveryError) as caught:
            await PagerDutyPager("pd", settings, client, clock).send(page())
    assert not caught.value.retryable
    assert "32 characters" in str(caught.value)


def test_pagerduty_checker_requires_payload_only_on_trigger() -> None:
    """The fake's checker wants a payload on trigger and a dedup key on resolve."""
    trigger = {"routing_key": ROUTING_KEY, "event_action": "trigger", "dedup_key": "x"}
    resolve = {"routing_key": ROUTING_KEY, "event_action": "resolve"}
    assert pagerduty_errors(trigger) == ["'payload' is required for trigger"]
    assert pagerduty_errors(resolve) == ["'dedup_key' is required for resolve"]


# ---- Opsgenie ---------------------------------------------------------------------------


async def test_opsgenie_create_is_an_alias_keyed_alert(clock: ManualClock) -> None:
    """Create sends GenieKey, alias, priority, team responder, description and text details."""
    fake = OpsgenieFake(GENIE_KEY)
    async with _asgi_client(fake.app) as client:
        pager = OpsgeniePager("og", OpsgenieSettings(GENIE_KEY, "http://og.test"), client)
        await pager.send(page(summary="x" * 200))
    rec = fake.requests[0]
    assert (rec.path, rec.status) == ("/v2/alerts", 202)
    assert rec.headers["authorization"] == f"GenieKey {GENIE_KEY}"
    body = rec.body
    assert (body["alias"], body["priority"], body["entity"]) == (INCIDENT, "P1", "core-sw-1")
    assert len(body["message"]) == 130
    assert body["responders"] == [{"type": "team", "name": "network"}]
    assert body["details"]["hosts_down"] == "14"
    assert body["details"]["runbook"] == RUNBOOK
    assert f"Runbook: {RUNBOOK}" in body["description"]


async def test_opsgenie_acknowledge_and_close_address_the_alias(clock: ManualClock) -> None:
    """Acknowledge and close go to the alert by alias (identifierType=alias)."""
    fake = OpsgenieFake(GENIE_KEY)
    async with _asgi_client(fake.app) as client:
        pager = OpsgeniePager("og", OpsgenieSettings(GENIE_KEY, "http://og.test/"), client)
        for event in PageEvent:
            await pager.send(page(event))
    assert [(r.path, r.query) for r in fake.requests] == [
        ("/v2/alerts", {}),
        (f"/v2/alerts/{INCIDENT}/acknowledge", {"identifierType": "alias"}),
        (f"/v2/alerts/{INCIDENT}/close", {"identifierType": "alias"}),
    ]
    assert fake.states == {INCIDENT: PageEvent.RESOLVE}


async def test_opsgenie_repeated_create_raises_the_count(clock: ManualClock) -> None:
    """A second create for an open alias is Opsgenie-deduplicated: one alert, count 2."""
    fake = OpsgenieFake(GENIE_KEY)
    async with _asgi_client(fake.app) as client:
        pager = OpsgeniePager("og", OpsgenieSettings(GENIE_KEY, "http://og.test"), client)
        await pager.send(page())
        await pager.send(page())
    assert fake.counts == {INCIDENT: 2}


async def test_opsgenie_team_responders_come_from_settings(clock: ManualClock) -> None:
    """A team mapped in the settings is sent as its configured responders."""
    fake = OpsgenieFake(GENIE_KEY)
    responders = ({"type": "escalation", "name": "Network_Escalation"},)
    settings = OpsgenieSettings(
        GENIE_KEY, "http://og.test", MappingProxyType({"network": responders})
    )
    async with _asgi_client(fake.app) as client:
        await OpsgeniePager("og", settings, client).send(page())
    assert fake.requests[0].body["responders"] == [dict(r) for r in responders]


async def test_opsgenie_wrong_key_is_final(clock: ManualClock) -> None:
    """A wrong API key is answered 401 and is not retried."""
    fake = OpsgenieFake(GENIE_KEY)
    async with _asgi_client(fake.app) as client:
        pager = OpsgeniePager("og", OpsgenieSettings("wrong", "http://og.test"), client)
        with pytest.raises(DeliveryError) as caught:
            await pager.send(page())
    assert not caught.value.retryable
    assert fake.requests[0].status == 401


# ---- the Alertmanager-compatible webhook ------------------------------------------------


async def _hook(clock: ManualClock, events: list[Page]) -> WebhookReceiverFake:
    fake = WebhookReceiverFake(bearer_token=BEARER)
    settings = WebhookSettings("http://r.test/alerts", "noc", "https://noc.example.org", BEARER)
    async with _asgi_client(fake.app) as client:
        pager = WebhookPager("hook", settings, client, clock)
        for p in events:
            await pager.send(p)
    return fake


async def test_webhook_body_is_alertmanager_v4(clock: ManualClock) -> None:
    """A trigger is a firing v4 group keyed by incident, with labels, annotations and token."""
    fake = await _hook(clock, [page()])
    rec = fake.requests[0]
    assert rec.headers["authorization"] == f"Bearer {BEARER}"
    body = rec.body
    assert (body["version"], body["groupKey"], body["status"]) == ("4", INCIDENT, "firing")
    assert (body["receiver"], body["truncatedAlerts"]) == ("noc", 0)
    assert body["externalURL"] == "https://noc.example.org"
    assert body["commonLabels"] == {
        "alertname": "CorrelatorIncident",
        "incident": INCIDENT,
        "severity": "critical",
        "priority": "P1",
        "team": "network",
        "root": "core-sw-1",
    }
    assert body["commonAnnotations"]["summary"] == "core-sw-1 down: 14 hosts unreachable"
    assert body["commonAnnotations"]["runbook_url"] == RUNBOOK
    (alert,) = body["alerts"]
    assert alert["startsAt"] == "2025-10-09T08:53:20Z"
    assert alert["endsAt"] == "0001-01-01T00:00:00Z"
    assert alert["generatorURL"] == NOC


async def test_webhook_acknowledge_is_firing_and_annotated(clock: ManualClock) -> None:
    """Alertmanager has no acknowledgement: an acknowledge is firing, annotated as such."""
    fake = await _hook(clock, [page(PageEvent.ACKNOWLEDGE)])
    body = fake.requests[0].body
    assert body["status"] == "firing"
    assert body["commonAnnotations"]["event"] == "acknowledge"
    assert body["alerts"][0]["annotations"]["acknowledged"] == "true"


async def test_webhook_resolve_is_resolved_with_an_end(clock: ManualClock) -> None:
    """A resolve is a resolved group whose alert has an end time."""
    fake = await _hook(clock, [page(PageEvent.RESOLVE)])
    body = fake.requests[0].body
    assert (body["status"], body["alerts"][0]["status"]) == ("resolved", "resolved")
    assert body["alerts"][0]["endsAt"] == "2025-10-09T08:53:20Z"


async def test_webhook_fingerprint_survives_a_priority_change(clock: ManualClock) -> None:
    """Re-paging at a higher priority keeps the alert's fingerprint (receivers key on it)."""
    fake = await _hook(clock, [page(priority=Priority.P3), page(priority=Priority.P1)])
    prints = {r.body["alerts"][0]["fingerprint"] for r in fake.requests}
    assert len(prints) == 1
    assert [r.body["commonLabels"]["priority"] for r in fake.requests] == ["P3", "P1"]


# ---- e-mail, against a real SMTP server -------------------------------------------------


async def test_email_trigger_arrives_with_subject_threading_and_body(
    smtp: tuple[Any, SmtpRecorder], clock: ManualClock
) -> None:
    """The message has the subject, a Message-ID from the dedup key, the thread and the body."""
    controller, handler = smtp
    await EmailPager("mail", _email_settings(controller.port), clock).send(page())
    (msg,) = handler.messages
    assert msg["Subject"] == f"[P1] TRIGGER {INCIDENT}: core-sw-1 down: 14 hosts unreachable"
    assert msg["Message-ID"] == f"<{INCIDENT}.trigger.p1.l1@noc.example.org>"
    assert msg["In-Reply-To"] == msg["References"] == f"<{INCIDENT}@noc.example.org>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert parse_mail_date(msg).timestamp() == START
    body = msg.get_content()
    for line in (
        "Priority:   P1",
        "Team:       network",
        "Root:       core-sw-1",
        f"Runbook:    {RUNBOOK}",
        f"NOC:        {NOC}",
    ):
        assert line in body.splitlines()


async def test_email_resolve_threads_under_the_trigger(
    smtp: tuple[Any, SmtpRecorder], clock: ManualClock
) -> None:
    """Trigger and resolve of one incident share the thread and differ in Message-ID."""
    controller, handler = smtp
    pager = EmailPager("mail", _email_settings(controller.port), clock)
    await pager.send(page())
    await pager.send(page(PageEvent.RESOLVE))
    trigger, resolve = handler.messages
    assert resolve["Subject"].startswith(f"[P1] RESOLVE {INCIDENT}: ")
    assert resolve["References"] == trigger["References"]
    assert resolve["Message-ID"] != trigger["Message-ID"]
    assert "The incident has cleared." in resolve.get_content()


async def test_email_goes_to_the_team_or_the_default_recipients(
    smtp: tuple[Any, SmtpRecorder], clock: ManualClock
) -> None:
    """A team with its own route gets its To and From; another team gets the defaults."""
    controller, handler = smtp
    pager = EmailPager("mail", _email_settings(controller.port), clock)
    await pager.send(page())
    await pager.send(page(team="storage", dedup_key="INC-000002"))
    assert handler.envelopes == [
        ("noc-network@example.org", ["net-oncall@example.org"]),
        ("correlator@noc.example.org", ["oncall@example.org"]),
    ]
    assert handler.messages[1]["To"] == "oncall@example.org"


async def test_email_repage_at_higher_priority_is_a_new_message(
    smtp: tuple[Any, SmtpRecorder], clock: ManualClock
) -> None:
    """A trigger at a higher priority is not mistaken for a duplicate of the first."""
    controller, handler = smtp
    pager = EmailPager("mail", _email_settings(controller.port), clock)
    await pager.send(page(priority=Priority.P3))
    await pager.send(page(priority=Priority.P1))
    assert handler.duplicates == 0
    assert len({m["Message-ID"] for m in handler.messages}) == 2


async def test_email_unknown_recipient_is_final(
    smtp: tuple[Any, SmtpRecorder], clock: ManualClock
) -> None:
    """A recipient the relay does not know (550) is not retried."""
    controller, handler = smtp
    settings = _email_settings(controller.port, to=("nobody@example.org",))
    with pytest.raises(DeliveryError) as caught:
        await EmailPager("mail", settings, clock).send(page(team="storage"))
    assert not caught.value.retryable
    assert "550" in str(caught.value)
    assert handler.messages == []


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            shutil.which("openssl") or "openssl",
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=mx.test"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[Any, SmtpRecorder, Path]]:
    """A real SMTP server that requires STARTTLS and login (user oncall, password hunter2)."""
    if shutil.which("openssl") is None:
        unavailable("openssl", "it makes the STARTTLS test certificate, and is not installed")
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    handler = SmtpRecorder()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"oncall",
            b"hunter2",
        )
        if ok:
            handler.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    with smtp_server(
        handler,
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticate,
    ) as controller:
        yield controller, handler, cert


async def test_email_uses_starttls_and_login_when_configured(
    tls_smtp: tuple[Any, SmtpRecorder, Path], clock: ManualClock
) -> None:
    """With STARTTLS and credentials configured, the message goes over TLS after a login."""
    controller, handler, cert = tls_smtp
    settings = _email_settings(
        controller.port,
        security=Security.STARTTLS,
        username="oncall",
        password="hunter2",
        ca_file=str(cert),
    )
    await EmailPager("mail", settings, clock).send(page())
    assert handler.logins == ["oncall"]
    assert len(handler.messages) == 1


async def test_email_bad_password_is_final(
    tls_smtp: tuple[Any, SmtpRecorder, Path], clock: ManualClock
) -> None:
    """Credentials the relay refuses (535) are not retried."""
    controller, _handler, cert = tls_smtp
    settings = _email_settings(
        controller.port,
        security=Security.STARTTLS,
        username="oncall",
        password="wrong",
        ca_file=str(cert),
    )
    with pytest.raises(DeliveryError) as caught:
        await EmailPager("mail", settings, clock).send(page())
    assert not caught.value.retryable
    assert "535" in str(caught.value)


async def test_email_untrusted_certificate_is_final(
    tls_smtp: tuple[Any, SmtpRecorder, Path], clock: ManualClock
) -> None:
    """A relay whose certificate does not verify is not retried (it needs a person)."""
    controller, _handler, _cert = tls_smtp
    settings = _email_settings(controller.port, security=Security.STARTTLS)
    with pytest.raises(DeliveryError) as caught:
        await EmailPager("mail", settings, clock).send(page())
    assert not caught.value.retryable
    assert "certificate" in str(caught.value)


# ---- routing ------------------------------------------------------------------------------


ROUTER = Router(
    default=TeamRoute(("mail",)),
    teams=MappingProxyType(
        {
            "network": TeamRoute(
                ("pd-network",),
                MappingProxyType({2: ("mail-leads",), 3: ("opsgenie", "pd-network")}),
            ),
            "storage": TeamRoute(("opsgenie",)),
        }
    ),
)


def test_team_route_picks_the_teams_pager() -> None:
    """A team with a route of its own is paged through its pager."""
    decision = ROUTER.route("storage")
    assert decision.pagers == ("opsgenie",)
    assert decision.reason is RouteReason.TEAM


def test_unknown_team_falls_back_to_the_default() -> None:
    """A team without a route is paged through the default route, and the reason says so."""
    decision = ROUTER.route("facilities")
    assert decision.pagers == ("mail",)
    assert decision.reason is RouteReason.DEFAULT
    assert "'facilities' has no route" in decision.detail


def test_escalation_adds_pagers_level_by_level() -> None:
    """Each escalation level adds its targets to the levels below, without repeats."""
    assert ROUTER.route("network", 1).pagers == ("pd-network",)
    assert ROUTER.route("network", 2).pagers == ("pd-network", "mail-leads")
    assert ROUTER.route("network", 3).pagers == ("pd-network", "mail-leads", "opsgenie")
    assert ROUTER.route("network", 9).pagers == ("pd-network", "mail-leads", "opsgenie")


def test_escalation_level_below_one_is_an_error() -> None:
    """Level 0 is a caller's bug, not a quiet default."""
    with pytest.raises(ValueError, match="level"):
        ROUTER.route("network", 0)


# ---- rate limiting --------------------------------------------------------------------------


def test_limiter_lets_n_pages_through_then_refuses_with_a_reason() -> None:
    """With 3 pages per 60 s, three go and the fourth is refused, saying why and how long."""
    limiter = RateLimiter(RateLimit(3, 60.0))
    decisions = [limiter.allow("network", START) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[0].reason is RateReason.WITHIN_LIMIT
    refused = decisions[-1]
    assert refused.reason is RateReason.LIMIT_REACHED
    assert refused.retry_after_s == pytest.approx(20.0)
    assert "3 per 60s reached" in refused.detail


def test_limiter_refills_as_the_injected_clock_moves() -> None:
    """One token comes back every window/N seconds of the injected clock, up to N."""
    limiter = RateLimiter(RateLimit(3, 60.0))
    clock = ManualClock(START)
    for _ in range(3):
        assert limiter.allow("network", clock.now()).allowed
    clock.advance(19.0)
    assert not limiter.allow("network", clock.now()).allowed
    clock.advance(1.0)
    assert limiter.allow("network", clock.now()).allowed
    assert not limiter.allow("network", clock.now()).allowed
    clock.advance(3600.0)  # a long quiet spell refills to the burst size, not beyond
    assert [limiter.allow("network", clock.now()).allowed for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]


def test_limiter_keeps_a_bucket_per_team_and_pager() -> None:
    """Exhausting one team's (or one pager's) bucket leaves the others alone."""
    limiter = RateLimiter(RateLimit(1, 60.0))
    assert limiter.allow("network", START, "pd").allowed
    assert not limiter.allow("network", START, "pd").allowed
    assert limiter.allow("network", START, "mail").allowed
    assert limiter.allow("storage", START, "pd").allowed


def test_limiter_team_override_and_unlimited_team() -> None:
    """A team's own limit replaces the default; a team set to None is never limited."""
    limiter = RateLimiter(RateLimit(1, 60.0), {"network": RateLimit(2, 60.0), "lab": None})
    assert [limiter.allow("network", START).allowed for _ in range(3)] == [True, True, False]
    lab = [limiter.allow("lab", START) for _ in range(50)]
    assert all(d.allowed and d.reason is RateReason.UNLIMITED for d in lab)


def test_limiter_clock_going_backwards_refills_nothing() -> None:
    """An earlier time than the last seen neither refills nor breaks the bucket."""
    limiter = RateLimiter(RateLimit(1, 60.0))
    assert limiter.allow("network", START).allowed
    assert not limiter.allow("network", START - 3600).allowed
    assert limiter.allow("network", START + 60).allowed


# ---- building from plain config -----------------------------------------------------------


CONFIG: dict[str, Any] = {
    "pagers": {
        "pd-network": {"type": "pagerduty", "routing_key": ROUTING_KEY},
        "opsgenie": {
            "type": "opsgenie",
            "api_key": GENIE_KEY,
            "url": "https://api.eu.opsgenie.com",
            "responders": {"network": [{"type": "team", "name": "Network Ops"}]},
        },
        "chat": {"type": "webhook", "url": "https://hooks.example.org/am", "bearer_token": "t"},
        "mail": {
            "type": "email",
            "host": "smtp.example.org",
            "security": "starttls",
            "username": "correlator",
            "password": "pw",
            "from": "noc@example.org",
            "to": ["oncall@example.org"],
            "teams": {"network": {"to": ["net@example.org"]}},
        },
    },
    "routes": {
        "default": {"pagers": ["mail"]},
        "teams": {"network": {"pagers": ["pd-network"], "escalation": {2: ["opsgenie"]}}},
    },
    "rate_limits": {"default": {"pages": 10, "per_s": 3600}, "teams": {"lab": None}},
}


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """CONFIG with one value replaced (a deep copy along ``path``)."""
    top: dict[str, Any] = dict(CONFIG)
    node = top
    for key in path[:-1]:
        node[key] = dict(node[key])
        node = node[key]
    node[path[-1]] = value
    return top


async def test_registry_builds_every_kind_from_plain_config() -> None:
    """Four pagers, their routes and limits come out of one plain mapping."""
    paging = parse_paging(CONFIG)
    async with httpx.AsyncClient() as client:
        pagers = build_pagers(paging.pagers, client=client)
    assert {name: type(p).__name__ for name, p in pagers.items()} == {
        "pd-network": "PagerDutyPager",
        "opsgenie": "OpsgeniePager",
        "chat": "WebhookPager",
        "mail": "EmailPager",
    }
    mail = paging.pagers["mail"]
    assert isinstance(mail, EmailSettings)
    assert (mail.port, mail.security) == (587, Security.STARTTLS)
    assert mail.teams["network"].to == ("net@example.org",)
    assert paging.router.route("network", 2).pagers == ("pd-network", "opsgenie")
    assert paging.limits.allow("lab", START).reason is RateReason.UNLIMITED
    assert "pw" not in repr(mail)


async def test_registry_pager_reaches_its_receiver() -> None:
    """A pager built from config sends to the URL the config names."""
    fake = PagerDutyFake()
    raw = {"type": "pagerduty", "routing_key": ROUTING_KEY, "url": "http://pd.test/v2/enqueue"}
    paging = parse_paging({"pagers": {"pd": raw}, "routes": {"default": {"pagers": ["pd"]}}})
    async with _asgi_client(fake.app) as client:
        pagers = build_pagers(paging.pagers, client=client, clock=ManualClock(START))
        await pagers["pd"].send(page())
    assert fake.states == {INCIDENT: PageEvent.TRIGGER}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("pagers", "chat", "bearer"), "t", "paging.pagers.chat.bearer: unknown key"),
        (("pagers", "pd-network", "routing_key"), "short", "has 32 characters, got 5"),
        (("pagers", "chat", "type"), "sms", "expected one of pagerduty, opsgenie"),
        (("pagers", "mail", "to"), [], "non-empty list of e-mail addresses"),
        (("routes", "default"), {"pagers": ["mial"]}, "no pager named 'mial' (did you mean"),
        (("routes", "teams"), {"x": {"pagers": [], "escalation": {1: []}}}, "from 2 up"),
        (("rate_limits", "default"), {"pages": 0, "per_s": 60}, "expected an integer 1 or more"),
    ],
)
def test_registry_rejects_bad_config_naming_the_key(
    path: tuple[str, ...], value: Any, message: str
) -> None:
    """Unknown keys, bad values and routes to missing pagers are errors that name the key."""
    with pytest.raises(PagingConfigError, match=None) as caught:
        parse_paging(_with(path, value))
    assert message in str(caught.value)
