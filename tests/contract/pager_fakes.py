# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Recording receivers for the pager contract suite, strict about the documented APIs.

Each fake records what arrived, keeps the receiving side's view of the incident (open,
acknowledged, resolved) and counts duplicates the way the real system would recognise
them (PagerDuty by ``dedup_key``, Opsgenie by ``alias``, an Alertmanager webhook receiver
by ``groupKey`` and status, a mail reader by ``Message-ID``). Each answers a request the
real API would refuse with the real API's refusal (PagerDuty 400 "invalid event",
Opsgenie 400 for bad JSON, 401 for a bad key, 422 for a semantic error, the webhook
receiver 400) and can be told to throttle (429 with Retry-After / SMTP 451), be
unavailable (503 / SMTP 421) or reject (400 / SMTP 554) the next N calls.

The HTTP fakes are Starlette apps, reached through ``httpx.ASGITransport``; the SMTP
receiver is an aiosmtpd handler run by a real SMTP server on a loopback port.
"""

from __future__ import annotations

import datetime as dt
import email
import email.message
import email.policy
import email.utils
import json
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from correlator.dispatch.model import PageEvent

PAGERDUTY_SEVERITIES = {"critical", "error", "warning", "info"}
PAGERDUTY_ACTIONS = {"trigger", "acknowledge", "resolve"}
OPSGENIE_PRIORITIES = {"P1", "P2", "P3", "P4", "P5"}
OPSGENIE_RESPONDER_TYPES = {"team", "user", "escalation", "schedule"}


@dataclass(frozen=True)
class Delivery:
    """One page as the receiving side understood it."""

    key: str  # the incident id it carried (dedup_key / alias / groupKey / from Message-ID)
    event: PageEvent
    identity: str  # what the receiver de-duplicates on
    runbook: str | None
    raw: Any  # the JSON body, or the parsed e-mail message


@dataclass
class Recorded:
    """One HTTP request and the status it was answered with."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class _Faults:
    """Answers queued for the next calls, in order."""

    queue: list[tuple[int, str | None]] = field(default_factory=list)

    def add(self, n: int, status: int, extra: str | None = None) -> None:
        self.queue.extend([(status, extra)] * n)

    def take(self) -> tuple[int, str | None] | None:
        return self.queue.pop(0) if self.queue else None


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _HttpFake:
    """What the three HTTP fakes share: recording, queued faults, the state per key."""

    app: Starlette

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.deliveries: list[Delivery] = []
        self.states: dict[str, PageEvent] = {}
        self.duplicates = 0
        self._faults = _Faults()

    # -- what tests tell the fake -------------------------------------------------------

    def throttle(self, n: int = 1, retry_after_s: int = 7) -> None:
        """Answer the next ``n`` calls 429 with ``Retry-After``."""
        self._faults.add(n, 429, str(retry_after_s))

    def unavailable(self, n: int = 1) -> None:
        """Answer the next ``n`` calls 503."""
        self._faults.add(n, 503)

    def reject(self, n: int = 1) -> None:
        """Answer the next ``n`` calls 400, as for a request the API refuses."""
        self._faults.add(n, 400)

    # -- helpers for the handlers -------------------------------------------------------

    async def _record(self, request: Request) -> tuple[Recorded, Response | None]:
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
            bad_json = False
        except ValueError:
            body, bad_json = raw.decode(errors="replace"), True
        rec = Recorded(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            body,
            0,
        )
        self.requests.append(rec)
        fault = self._faults.take()
        if fault is not None:
            status, retry_after = fault
            headers = {"Retry-After": retry_after} if retry_after else None
            return rec, self._answer(rec, JSONResponse({"message": "fault"}, status, headers))
        if bad_json:
            return rec, self._answer(rec, self._bad_json())
        return rec, None

    def _bad_json(self) -> Response:
        return JSONResponse({"message": "invalid JSON"}, 400)

    @staticmethod
    def _answer(rec: Recorded, response: Response) -> Response:
        rec.status = response.status_code
        return response

    def _apply(self, delivery: Delivery) -> None:
        """Move the key's state; an event that changes nothing is a duplicate."""
        if self.states.get(delivery.key) is delivery.event:
            self.duplicates += 1
        self.states[delivery.key] = delivery.event
        self.deliveries.append(delivery)


# ---- PagerDuty Events API v2 ----------------------------------------------------------


def pagerduty_errors(body: Any) -> list[str]:
    """What PagerDuty's Events API v2 would object to in ``body`` (empty: valid)."""
    if not isinstance(body, dict):
        return ["Event object is not a JSON object"]
    errors = []
    key = body.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    action = body.get("event_action")
    if action not in PAGERDUTY_ACTIONS:
        errors.append("'event_action' is invalid (must be trigger, acknowledge or resolve)")
    dedup = body.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or not 0 < len(dedup) <= 255):
        errors.append("'dedup_key' must be a string of 1..255 characters")
    if action in {"acknowledge", "resolve"} and dedup is None:
        errors.append(f"'dedup_key' is required for {action}")
    if action == "trigger":
        errors += _pagerduty_payload_errors(body.get("payload"))
    links = body.get("links", [])
    if not isinstance(links, list) or not all(
        isinstance(link, dict)
        and isinstance(link.get("href"), str)
        and isinstance(link.get("text", ""), str)
        for link in links
    ):
        errors.append("'links' must be a list of {href, text}")
    return errors


def _pagerduty_payload_errors(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is required for trigger"]
    errors = []
    summary = payload.get("summary")
    if not isinstance(summary, str) or not 0 < len(summary) <= 1024:
        errors.append("'payload.summary' is required (1..1024 characters)")
    if not isinstance(payload.get("source"), str) or not payload["source"]:
        errors.append("'payload.source' is required")
    if payload.get("severity") not in PAGERDUTY_SEVERITIES:
        errors.append("'payload.severity' must be critical, error, warning or info")
    stamp = payload.get("timestamp")
    if stamp is not None and not _is_timestamp(stamp):
        errors.append("'payload.timestamp' must be an ISO 8601 timestamp")
    for name in ("component", "group", "class"):
        if name in payload and not isinstance(payload[name], str):
            errors.append(f"'payload.{name}' must be a string")
    if "custom_details" in payload and not isinstance(payload["custom_details"], dict):
        errors.append("'payload.custom_details' must be an object")
    return errors


class PagerDutyFake(_HttpFake):
    """``POST /v2/enqueue`` of the Events API v2."""

    def __init__(self) -> None:
        super().__init__()
        self.app = Starlette(routes=[Route("/v2/enqueue", self._enqueue, methods=["POST"])])

    def _bad_json(self) -> Response:
        return JSONResponse(
            {"status": "invalid event", "message": "Event object is invalid", "errors": []}, 400
        )

    async def _enqueue(self, request: Request) -> Response:
        rec, early = await self._record(request)
        if early is not None:
            return early
        errors = pagerduty_errors(rec.body)
        if errors:
            return self._answer(
                rec,
                JSONResponse(
                    {
                        "status": "invalid event",
                        "message": "Event object is invalid",
                        "errors": errors,
                    },
                    400,
                ),
            )
        body = rec.body
        key = body.get("dedup_key") or uuid.uuid4().hex
        links = body.get("links", [])
        runbook = next((ln["href"] for ln in links if ln.get("text") == "Runbook"), None)
        self._apply(Delivery(key, PageEvent(body["event_action"]), key, runbook, body))
        return self._answer(
            rec,
            JSONResponse(
                {"status": "success", "message": "Event processed", "dedup_key": key}, 202
            ),
        )


# ---- Opsgenie Alert API ---------------------------------------------------------------


def opsgenie_create_errors(body: Any) -> dict[str, str]:
    """What Opsgenie's create-alert call would answer 422 for (empty: valid)."""
    if not isinstance(body, dict):
        return {"body": "must be an object"}
    errors = {}
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        errors["message"] = "Message can not be empty."
    elif len(message) > 130:
        errors["message"] = "Message can not be longer than 130 characters."
    limits = {"alias": 512, "description": 15000, "entity": 512, "source": 100, "user": 100}
    for name, limit in limits.items():
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors[name] = f"{name} must be a string of at most {limit} characters."
    priority = body.get("priority")
    if priority is not None and priority not in OPSGENIE_PRIORITIES:
        errors["priority"] = "Priority should be one of [P1, P2, P3, P4, P5]."
    responders = body.get("responders", [])
    if not isinstance(responders, list) or not all(
        isinstance(r, dict)
        and r.get("type") in OPSGENIE_RESPONDER_TYPES
        and any(isinstance(r.get(k), str) for k in ("id", "name", "username"))
        for r in responders
    ):
        errors["responders"] = "Responders need a type and an id, name or username."
    details = body.get("details", {})
    if not isinstance(details, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in details.items()
    ):
        errors["details"] = "Details must map text to text."
    tags = body.get("tags", [])
    if not isinstance(tags, list) or len(tags) > 20 or not all(isinstance(t, str) for t in tags):
        errors["tags"] = "Tags must be at most 20 strings."
    return errors


class OpsgenieFake(_HttpFake):
    """``POST /v2/alerts``, ``/v2/alerts/{id}/acknowledge`` and ``/close``."""

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.counts: dict[str, int] = {}  # Opsgenie's de-duplication count per alias
        self.app = Starlette(
            routes=[
                Route("/v2/alerts", self._create, methods=["POST"]),
                Route("/v2/alerts/{identifier}/{action}", self._action, methods=["POST"]),
            ]
        )

    def _refusal(self, rec: Recorded) -> Response | None:
        if rec.headers.get("authorization") != f"GenieKey {self.api_key}":
            return self._answer(rec, _opsgenie({"message": "Could not authenticate"}, 401))
        return None

    async def _create(self, request: Request) -> Response:
        rec, early = await self._record(request)
        if early is not None:
            return early
        refused = self._refusal(rec)
        if refused is not None:
            return refused
        errors = opsgenie_create_errors(rec.body)
        if errors:
            return self._answer(
                rec,
                _opsgenie(
                    {
                        "message": "Request body is not processable. Please check the errors.",
                        "errors": errors,
                    },
                    422,
                ),
            )
        alias = rec.body.get("alias") or uuid.uuid4().hex
        if self.states.get(alias) in {PageEvent.TRIGGER, PageEvent.ACKNOWLEDGE}:
            self.counts[alias] += 1  # an open alert with this alias: de-duplicated
        else:
            self.counts[alias] = 1
        runbook = rec.body.get("details", {}).get("runbook")
        self._apply(Delivery(alias, PageEvent.TRIGGER, alias, runbook, rec.body))
        return self._answer(rec, _opsgenie({"result": "Request will be processed"}, 202))

    async def _action(self, request: Request) -> Response:
        rec, early = await self._record(request)
        if early is not None:
            return early
        refused = self._refusal(rec)
        if refused is not None:
            return refused
        action = request.path_params["action"]
        kind = rec.query.get("identifierType", "id")
        body = rec.body if rec.body not in ("", None) else {}
        if action not in {"acknowledge", "close"}:
            return self._answer(rec, _opsgenie({"message": "Not found"}, 404))
        if kind not in {"id", "alias", "tiny"} or not isinstance(body, dict):
            return self._answer(rec, _opsgenie({"message": "Invalid identifier type"}, 422))
        for name, limit in {"user": 100, "source": 100, "note": 25000}.items():
            if name in body and (not isinstance(body[name], str) or len(body[name]) > limit):
                return self._answer(rec, _opsgenie({"message": f"Invalid {name}"}, 422))
        # Accepted either way (processing is asynchronous); only an alias we know moves.
        alias = request.path_params["identifier"]
        if kind == "alias" and alias in self.states:
            event = PageEvent.ACKNOWLEDGE if action == "acknowledge" else PageEvent.RESOLVE
            self._apply(Delivery(alias, event, alias, None, body))
        return self._answer(rec, _opsgenie({"result": "Request will be processed"}, 202))


def _opsgenie(content: dict[str, Any], status: int) -> JSONResponse:
    return JSONResponse({**content, "took": 0.01, "requestId": str(uuid.uuid4())}, status)


# ---- Alertmanager webhook v4 receiver -------------------------------------------------


def alertmanager_errors(body: Any) -> list[str]:
    """What a receiver of Alertmanager's webhook v4 body would find wrong (empty: valid)."""
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    errors = []
    if body.get("version") != "4":
        errors.append("version must be '4'")
    if not isinstance(body.get("groupKey"), str) or not body["groupKey"]:
        errors.append("groupKey must be a non-empty string")
    truncated = body.get("truncatedAlerts")
    if isinstance(truncated, bool) or not isinstance(truncated, int) or truncated < 0:
        errors.append("truncatedAlerts must be a non-negative integer")
    if body.get("status") not in {"firing", "resolved"}:
        errors.append("status must be firing or resolved")
    for name in ("receiver", "externalURL"):
        if not isinstance(body.get(name), str):
            errors.append(f"{name} must be a string")
    for name in ("groupLabels", "commonLabels", "commonAnnotations"):
        if not _text_map(body.get(name)):
            errors.append(f"{name} must map strings to strings")
    if _text_map(body.get("groupLabels")) and _text_map(body.get("commonLabels")):
        common = body["commonLabels"]
        if any(common.get(k) != v for k, v in body["groupLabels"].items()):
            errors.append("groupLabels must be a subset of commonLabels")
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        errors.append("alerts must be a non-empty list")
        return errors
    for i, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            errors.append(f"alerts[{i}] must be an object")
            continue
        if alert.get("status") not in {"firing", "resolved"}:
            errors.append(f"alerts[{i}].status must be firing or resolved")
        for name in ("labels", "annotations"):
            if not _text_map(alert.get(name)):
                errors.append(f"alerts[{i}].{name} must map strings to strings")
        for name in ("startsAt", "endsAt"):
            if not _is_timestamp(alert.get(name)):
                errors.append(f"alerts[{i}].{name} must be an RFC 3339 timestamp")
        for name in ("generatorURL", "fingerprint"):
            if not isinstance(alert.get(name), str):
                errors.append(f"alerts[{i}].{name} must be a string")
    return errors


class WebhookReceiverFake(_HttpFake):
    """A receiver for Alertmanager's webhook, at ``POST /alerts``."""

    def __init__(self, bearer_token: str | None = None) -> None:
        super().__init__()
        self.bearer_token = bearer_token
        self.app = Starlette(routes=[Route("/alerts", self._receive, methods=["POST"])])

    async def _receive(self, request: Request) -> Response:
        rec, early = await self._record(request)
        if early is not None:
            return early
        if self.bearer_token and rec.headers.get("authorization") != f"Bearer {self.bearer_token}":
            return self._answer(rec, JSONResponse({"message": "unauthorized"}, 401))
        errors = alertmanager_errors(rec.body)
        if errors:
            return self._answer(rec, JSONResponse({"errors": errors}, 400))
        body = rec.body
        annotations = body["commonAnnotations"]
        event = PageEvent(annotations.get("event", "trigger"))
        if body["status"] == "resolved":
            event = PageEvent.RESOLVE
        identity = f"{body['groupKey']}/{body['status']}/{event.value}"
        delivery = Delivery(body["groupKey"], event, identity, annotations.get("runbook_url"), body)
        self._apply(delivery)
        return self._answer(rec, Response(status_code=200))


def _text_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return stamp.tzinfo is not None


# ---- SMTP -----------------------------------------------------------------------------


class SmtpRecorder:
    """An aiosmtpd handler: records messages, refuses what a strict relay refuses.

    Refused like a real relay: unknown recipients (550 5.1.1) and messages without
    ``From``, ``Date`` or a valid ``Message-ID`` (550 5.7.1, as large providers do).
    The handler runs on the server's thread; tests read its lists after ``send`` returned,
    by which time the server has answered.
    """

    def __init__(self, unknown_recipients: set[str] | None = None) -> None:
        self.unknown_recipients = unknown_recipients or set()
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.deliveries: list[Delivery] = []
        self.states: dict[str, PageEvent] = {}
        self.duplicates = 0
        self.logins: list[str] = []
        self._faults = _Faults()

    def throttle(self, n: int = 1, retry_after_s: int = 7) -> None:
        """Answer the next ``n`` messages 451 (SMTP has no Retry-After)."""
        self._faults.add(n, 451, "4.7.1 Rate limit exceeded, try again later")

    def unavailable(self, n: int = 1) -> None:
        """Answer the next ``n`` messages 421 (service shutting down)."""
        self._faults.add(n, 421, "4.3.2 Service not available, closing channel")

    def reject(self, n: int = 1) -> None:
        """Answer the next ``n`` messages 554 (rejected for good)."""
        self._faults.add(n, 554, "5.7.1 Message rejected")

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.unknown_recipients:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        fault = self._faults.take()
        if fault is not None:
            return f"{fault[0]} {fault[1]}"
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        missing = [h for h in ("From", "Date", "Message-ID") if msg[h] is None]
        message_id = str(msg["Message-ID"] or "")
        if missing or not (message_id.startswith("<") and "@" in message_id):
            return f"550 5.7.1 Message rejected: missing or invalid {', '.join(missing) or 'Message-ID'}"
        self.messages.append(msg)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if any(str(m["Message-ID"]) == message_id for m in self.messages[:-1]):
            self.duplicates += 1
        key, event = _incident_of(message_id)
        self.states[key] = event
        runbook = next(
            (
                line.split(":", 1)[1].strip()
                for line in msg.get_content().splitlines()
                if line.startswith("Runbook:")
            ),
            None,
        )
        self.deliveries.append(Delivery(key, event, message_id, runbook, msg))
        return "250 Message accepted for delivery"


def _incident_of(message_id: str) -> tuple[str, PageEvent]:
    """``<INC-1.trigger.p1.l1@host>`` -> ("INC-1", trigger)."""
    left = message_id.strip("<>").rpartition("@")[0]
    key, event, _priority, _level = left.rsplit(".", 3)
    return key, PageEvent(event)


@contextmanager
def smtp_server(handler: SmtpRecorder, **smtp_options: Any) -> Iterator[Controller]:
    """A real SMTP server (aiosmtpd) on a free loopback port, stopped on exit."""
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="mx.test", **smtp_options
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def parse_mail_date(msg: email.message.Message) -> dt.datetime:
    """The ``Date`` header as an aware datetime."""
    return email.utils.parsedate_to_datetime(str(msg["Date"]))
