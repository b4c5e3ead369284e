# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The HTTP intake edge: every tool's native push, parsed and durably handed to the bus.

One ASGI handler per push endpoint of specs/ingest-formats.md. A request goes through the
same steps whatever its source, and each step has one way to fail:

1. authorize (``401``), when a token is configured: ``Authorization: Bearer <token>``;
2. read the body, counting bytes against the limit whatever ``Content-Length`` says
   (``413``);
3. decode it: JSON, or form fields on the endpoints whose tools post forms; a form on a
   JSON-only endpoint is ``415``, a body that does not decode is ``400``;
4. parse it with the source's connector (``400`` on :class:`InvalidPayloadError`, ``500``
   for anything else, which is a bug);
5. publish the alerts and notices, and answer ``202 {"accepted": N}`` only once
   ``bus.publish`` has returned (``503`` when it raised).

A body turned away in steps 3 and 4 is written, exactly as received, to the dead-letter
topic before the answer goes out; when even that fails the answer is ``503``, so a client
never reads "rejected, but kept" about a body that was not kept. The hot path builds no
Starlette ``Request``/``Response`` objects and decodes the JSON once.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import parse_qs, parse_qsl

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartParser
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.base import InvalidPayloadError, ParseContext
from correlator.bus.codec import DeadLetter, dead_letter_record, event_record
from correlator.bus.protocol import Bus, BusUnavailableError

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Mapping, Sequence

    from prometheus_client.metrics import Counter, Histogram
    from starlette.requests import Request
    from starlette.types import ASGIApp, Receive, Scope, Send
    from structlog.typing import FilteringBoundLogger

    from connectors.base import Connector, Parser
    from correlator.bus.topics import Topics
    from correlator.clock import Clock
    from correlator.telemetry import Metrics, RejectReason

BodyFormat = Literal["json", "form"]
"""``form``: the tool may post form fields (urlencoded or multipart) as well as JSON."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One push endpoint: its path, the connector it feeds and the bodies it takes."""

    path: str
    source: str  # key in the connectors mapping (connectors/registry.py)
    body: BodyFormat


ENDPOINTS: Final[tuple[Endpoint, ...]] = (
    Endpoint("/ingest/nagios", "nagios", "form"),
    Endpoint("/ingest/icinga", "icinga", "json"),
    Endpoint("/ingest/zabbix", "zabbix", "json"),
    Endpoint("/ingest/prtg", "prtg", "form"),
    Endpoint("/ingest/alertmanager", "alertmanager", "json"),
    Endpoint("/api/v2/alerts", "prometheus", "json"),
)
"""The push endpoints of specs/ingest-formats.md, in its order."""


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Per-source parse settings from config: the default observer and Zabbix's time zone."""

    observer: str | None = None  # used when the ingest URL has no ?observer=
    timezone: str = "UTC"  # the Zabbix server's zone for EVENT.DATE / EVENT.TIME


_DEFAULT_OPTIONS: Final = SourceOptions()

_FORM_URLENCODED: Final = b"application/x-www-form-urlencoded"
_MULTIPART: Final = b"multipart/form-data"
_JSON_HEADERS: Final = (b"content-type", b"application/json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)
# for the answers: compact ASCII, so a reason echoing a lone surrogate still encodes
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"))


def build_intake_app(
    *,
    bus: Bus,
    topics: Topics,
    connectors: Mapping[str, Connector],
    clock: Clock,
    metrics: Metrics,
    auth_token: str | None,
    max_body_bytes: int,
    contexts: Mapping[str, SourceOptions] | None = None,
    ready: Callable[[], bool] | None = None,
    logger: FilteringBoundLogger | None = None,
) -> Starlette:
    """The intake ASGI app: the push endpoints, ``/healthz``, ``/readyz`` and ``/metrics``.

    ``connectors`` is keyed by source name (``connectors_by_name()``); an endpoint whose
    source has no connector is not routed. ``contexts`` gives per-source parse settings
    (missing sources get the defaults). ``ready`` tells ``/readyz`` whether the bus is
    started and accepting; without it ``/readyz`` answers as ``/healthz`` does.
    ``auth_token`` None or empty means no authentication.
    """
    if max_body_bytes <= 0:
        raise ValueError(f"max_body_bytes: must be positive, got {max_body_bytes}")
    log = (logger if logger is not None else structlog.get_logger("correlator.intake")).bind(
        component="intake"
    )
    edge = _Edge(
        bus=bus,
        topics=topics,
        clock=clock,
        metrics=metrics,
        token=auth_token.encode() if auth_token else None,
        max_body_bytes=max_body_bytes,
        log=log,
    )
    options = contexts if contexts is not None else {}
    handlers = {
        endpoint.path: _IngestHandler(
            edge,
            endpoint,
            connectors[endpoint.source].parse,
            options.get(endpoint.source, _DEFAULT_OPTIONS),
        )
        for endpoint in ENDPOINTS
        if endpoint.source in connectors
    }
    routes = [
        Route(path, handler, methods=["POST"], name=f"ingest_{handler.source}")
        for path, handler in handlers.items()
    ]
    is_ready = ready if ready is not None else _always

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        if is_ready():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready"}, status_code=503)

    async def metrics_endpoint(_: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes += [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_IngestFastPath, handlers=handlers)])


def _always() -> bool:
    return True


class _IngestFastPath:
    """Send ``POST`` to an ingest path straight to its handler.

    The same handlers are also routes, so anything this does not recognise (another
    method, a ``root_path``) still gets Starlette's routing and answers; skipping the
    router and the exception middleware is a tenth of the app's time per alert.
    """

    def __init__(self, app: ASGIApp, handlers: Mapping[str, _IngestHandler]) -> None:
        self.app = app
        self.handlers = dict(handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            handler = self.handlers.get(scope["path"])
            if handler is not None and not scope.get("root_path"):
                await handler(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Edge:
    """What every ingest handler shares: the bus, the topics, time, limits and the log."""

    __slots__ = (
        "alerts_topic",
        "bus",
        "clock",
        "dlq_topic",
        "log",
        "max_body_bytes",
        "metrics",
        "publish_seconds",
        "token",
    )

    def __init__(
        self,
        *,
        bus: Bus,
        topics: Topics,
        clock: Clock,
        metrics: Metrics,
        token: bytes | None,
        max_body_bytes: int,
        log: FilteringBoundLogger,
    ) -> None:
        self.bus: Final = bus
        self.alerts_topic: Final = topics.alerts
        self.dlq_topic: Final = topics.dlq
        self.clock: Final = clock
        self.metrics: Final = metrics
        self.publish_seconds: Final[Histogram] = metrics.bus_publish_seconds
        self.token: Final = token
        self.max_body_bytes: Final = max_body_bytes
        self.log: Final = log


class _RejectedError(Exception):
    """A request turned away: nothing reached the alerts topic. Carries the answer."""

    def __init__(
        self,
        status: int,
        reason: RejectReason,
        answer: dict[str, Any],
        *,
        field: str | None = None,
        detail: str | None = None,
        extra_headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason: RejectReason = reason
        self.answer = answer
        self.field = field
        self.detail = detail
        self.extra_headers = extra_headers


class _ClientGoneError(Exception):
    """The client disconnected before its body arrived: there is no one to answer."""


class _IngestHandler:
    """The ASGI app of one push endpoint."""

    __slots__ = (
        "accepted",
        "edge",
        "forms",
        "options",
        "parse",
        "received",
        "rejected",
        "source",
    )

    def __init__(
        self, edge: _Edge, endpoint: Endpoint, parse: Parser, options: SourceOptions
    ) -> None:
        self.edge: Final = edge
        self.source: Final = endpoint.source
        self.forms: Final = endpoint.body == "form"
        self.parse: Final = parse
        self.options: Final = options
        # label children resolved once, not per request
        metrics = edge.metrics
        self.received: Final = metrics.alerts_received.labels(source=endpoint.source)
        self.accepted: Final = metrics.alerts_accepted.labels(source=endpoint.source)
        self.rejected: Final[dict[str, Counter]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            status, answer = await self._handle(scope, receive)
        except _ClientGoneError:
            self.edge.log.debug("client gone", source=self.source, client=_client(scope))
            return
        except _RejectedError as rejected:
            self._count_rejected(rejected.reason, 1)
            self._log_rejected(
                scope, rejected.status, rejected.reason, rejected.field, rejected.detail
            )
            await _send_json(
                send,
                rejected.status,
                _ENCODER.encode(rejected.answer).encode(),
                rejected.extra_headers,
            )
            return
        await _send_json(send, status, answer, ())

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        """Steps 1 to 5; returns the answer, or raises _RejectedError / _ClientGoneError."""
        edge = self.edge
        authorization = content_type = content_length = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
            elif name == b"content-length":
                content_length = value
            elif name == b"authorization":
                authorization = value
        if edge.token is not None and not _authorized(authorization, edge.token):
            raise _RejectedError(
                401,
                "unauthorized",
                {"error": "unauthorized"},
                field="Authorization",
                detail="missing bearer token" if authorization is None else "wrong token",
                extra_headers=((b"www-authenticate", b"Bearer"),),
            )
        body = await self._read_body(receive, content_length)
        received_at = edge.clock.now()
        payload = await self._decode(body, content_type, received_at)
        ctx = ParseContext(
            received_at=received_at,
            observer=self._observer(scope["query_string"]),
            timezone=self.options.timezone,
        )
        try:
            events = self.parse(payload, ctx)
        except InvalidPayloadError as exc:
            raise await self._invalid(body, received_at, exc.field, exc.reason) from exc
        except Exception as exc:
            return await self._bug(scope, body, received_at, "parse", exc)
        alerts_topic = edge.alerts_topic
        try:
            records = [event_record(alerts_topic, event) for event in events]
        except UnicodeEncodeError as exc:
            # a "\ud800" escape decodes to a lone surrogate, which is not Unicode text
            reason = "text that is not valid Unicode (an unpaired surrogate escape)"
            raise await self._invalid(body, received_at, "body", reason) from exc
        except Exception as exc:
            return await self._bug(scope, body, received_at, "encode", exc)
        count = len(records)
        if count:
            started = time.perf_counter()
            try:
                await edge.bus.publish(records)
            except Exception as exc:
                self._count_rejected("unavailable", count)
                detail = (
                    "bus unavailable"
                    if isinstance(exc, BusUnavailableError)
                    else "bus publish failed unexpectedly"
                )
                self._log_rejected(scope, 503, "unavailable", None, detail, exc=exc)
                return 503, _UNAVAILABLE
            edge.publish_seconds.observe(time.perf_counter() - started)
        self.received.inc(count)
        self.accepted.inc(count)
        return 202, b'{"accepted":%d}' % count

    async def _read_body(self, receive: Receive, content_length: bytes | None) -> bytes:
        limit = self.edge.max_body_bytes
        if content_length is not None:
            try:
                declared = int(content_length)
            except ValueError:
                declared = -1  # not a number: the byte count below still applies
            if declared > limit:
                raise self._too_large(f"Content-Length {declared}")
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientGoneError
        body: bytes = message.get("body", b"")
        if len(body) > limit:
            raise self._too_large("body")
        if not message.get("more_body", False):
            return body  # the common case: the whole body in one message
        chunks = [body]
        size = len(body)
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _ClientGoneError
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise self._too_large("body")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self, what: str) -> _RejectedError:
        limit = self.edge.max_body_bytes
        return _RejectedError(
            413,
            "too_large",
            {"error": "payload too large", "limit_bytes": limit},
            detail=f"{what} over the limit of {limit} bytes",
        )

    async def _decode(self, body: bytes, content_type: bytes | None, received_at: float) -> Any:
        """The payload as the parser takes it; an undecodable body is dead-lettered (400)."""
        media = b"" if content_type is None else content_type.split(b";", 1)[0].strip().lower()
        if media in (_FORM_URLENCODED, _MULTIPART):
            if not self.forms:
                reason = "a form body on an endpoint that takes JSON only"
                await self._dead_letter(body, received_at, reason, "Content-Type")
                raise _RejectedError(
                    415,
                    "unsupported_media_type",
                    {"error": "unsupported media type", "accepted": "application/json"},
                    field="Content-Type",
                    detail=media.decode("latin-1"),
                )
            try:
                if media == _MULTIPART:
                    return await _multipart_fields(content_type or b"", body)
                return dict(
                    parse_qsl(
                        body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace"
                    )
                )
            except Exception as exc:
                reason = f"not a valid form: {_exception_text(exc)}"
                raise await self._invalid(body, received_at, "body", reason) from exc
        try:
            return _DECODER.decode(body.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            reason = "not UTF-8 text"
            raise await self._invalid(body, received_at, "body", reason) from exc
        except RecursionError as exc:
            reason = "not JSON: nested too deeply"
            raise await self._invalid(body, received_at, "body", reason) from exc
        except ValueError as exc:
            reason = f"not JSON: {exc}"
            raise await self._invalid(body, received_at, "body", reason) from exc

    def _observer(self, query_string: bytes) -> str | None:
        if query_string:
            values = parse_qs(query_string.decode("latin-1")).get("observer")
            if values and values[0]:
                return values[0]
        return self.options.observer

    async def _invalid(
        self, body: bytes, received_at: float, field: str, reason: str
    ) -> _RejectedError:
        """Dead-letter the body, then the 400 to raise (or a 503 when the DLQ failed)."""
        await self._dead_letter(body, received_at, reason, field)
        return _RejectedError(
            400,
            "invalid",
            {"error": "invalid payload", "field": field, "reason": reason},
            field=field,
            detail=reason,
        )

    async def _bug(
        self, scope: Scope, body: bytes, received_at: float, stage: str, exc: Exception
    ) -> tuple[int, bytes]:
        """A parser or encoder raised something unexpected: keep the body, answer 500."""
        error_id = uuid.uuid4().hex
        self._count_rejected("error", 1)
        self._log_rejected(scope, 500, "error", None, f"{stage} failed", exc=exc, error_id=error_id)
        reason = f"internal error {error_id} during {stage}: {type(exc).__name__}"
        with contextlib.suppress(_RejectedError):  # already logged; a 5xx either way
            await self._dead_letter(body, received_at, reason, None)
        return 500, _ENCODER.encode({"error": "internal error", "id": error_id}).encode()

    async def _dead_letter(
        self, body: bytes, received_at: float, reason: str, field: str | None
    ) -> None:
        """Publish the raw body to the DLQ; raise a 503 rejection when that fails."""
        letter = DeadLetter(
            source=self.source,
            received_at=received_at,
            reason=_valid_text(reason),
            field=None if field is None else _valid_text(field),
            body=body.decode("utf-8", "replace"),
        )
        started = time.perf_counter()
        try:
            await self.edge.bus.publish([dead_letter_record(self.edge.dlq_topic, letter)])
        except Exception as exc:
            self.edge.log.exception(
                "dead letter not stored", source=self.source, field=field, reason=reason
            )
            raise _RejectedError(
                503,
                "unavailable",
                {"error": "unavailable", "detail": "the rejected payload could not be stored"},
                field=field,
                detail=f"invalid payload ({reason}) and the dead-letter publish failed",
            ) from exc
        self.edge.publish_seconds.observe(time.perf_counter() - started)
        self.edge.metrics.dead_letters.labels(source=self.source).inc()

    def _count_rejected(self, reason: RejectReason, count: int) -> None:
        counter = self.rejected.get(reason)
        if counter is None:
            counter = self.edge.metrics.alerts_rejected.labels(source=self.source, reason=reason)
            self.rejected[reason] = counter
        counter.inc(count)
        self.received.inc(count)

    def _log_rejected(
        self,
        scope: Scope,
        status: int,
        reason: RejectReason,
        field: str | None,
        detail: str | None,
        *,
        exc: BaseException | None = None,
        error_id: str | None = None,
    ) -> None:
        """One event per rejected request; never the token, never the body."""
        event: dict[str, Any] = {
            "source": self.source,
            "status": status,
            "reason": reason,
            "field": field,
            "detail": detail,
            "client": _client(scope),
        }
        if error_id is not None:
            event["error_id"] = error_id
        if exc is not None:
            self.edge.log.error("alert rejected", exc_info=exc, **event)
        else:
            self.edge.log.warning("alert rejected", **event)


_UNAVAILABLE: Final = _ENCODER.encode(
    {"error": "unavailable", "detail": "the alerts could not be stored; retry later"}
).encode()


def _authorized(header: bytes | None, token: bytes) -> bool:
    if header is None:
        return False
    scheme, _, credentials = header.partition(b" ")
    if scheme.lower() != b"bearer":
        return False
    return hmac.compare_digest(credentials.strip(), token)


def _valid_text(text: str) -> str:
    """``text`` with any lone surrogate (echoed from a bad escape) replaced."""
    return text.encode("utf-8", "replace").decode()


def _client(scope: Scope) -> str | None:
    client: Sequence[Any] | None = scope.get("client")
    if not client:
        return None
    return str(client[0])


def _exception_text(exc: Exception) -> str:
    message = getattr(exc, "message", None)  # starlette's MultiPartException
    return str(message) if message else str(exc) or type(exc).__name__


async def _multipart_fields(content_type: bytes, body: bytes) -> dict[str, str]:
    """The fields of a multipart/form-data body (file parts are refused)."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body
        yield b""

    parser = MultiPartParser(
        Headers(raw=[(b"content-type", content_type)]),
        stream(),
        max_files=0,
    )
    form = await parser.parse()
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


async def _send_json(
    send: Send, status: int, body: bytes, extra_headers: tuple[tuple[bytes, bytes], ...]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                _JSON_HEADERS,
                (b"content-length", b"%d" % len(body)),
                *extra_headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
