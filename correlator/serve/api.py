# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The operator API's routes (``/api/v1/...``): parse, authorize, call, answer JSON.

Each handler does the same four things: identify the caller (:mod:`correlator.serve.auth`,
401/403), read and check its parameters or body (400 naming the ``field``), call the
application layer (:mod:`correlator.serve.operations`, which raises
:class:`~correlator.serve.operations.OperationError` with 404/409), and answer JSON.
Errors are always ``{"error": "...", "field": "..."?}``; a failure of the store is a 503
and anything unexpected a 500 with one line, never a traceback. The OpenAPI document
(:mod:`correlator.serve.openapi`) describes exactly these routes.

:func:`api_app` returns the API as its own Starlette app, mounted by the composition root
at ``/api/v1`` next to the intake; :func:`page_routes` adds the printable handover page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Route
from structlog.typing import FilteringBoundLogger

from correlator.dispatch.priority import Priority
from correlator.serve.auth import Authenticator, Principal, Refusal
from correlator.serve.openapi import document
from correlator.serve.operations import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_TEXT,
    IncidentQuery,
    OperationError,
    Operations,
    Status,
    WindowRequest,
)
from correlator.serve.stream import StreamHub
from correlator.serve.topoview import MAX_DEPTH
from correlator.store.protocol import StoreError

Handler = Callable[[Request, Principal], Awaitable[Response]]

DEFAULT_SHIFT: Final = "8h"
DEFAULT_REPORT_PERIOD: Final = "24h"
MAX_EPOCH: Final = 32503680000.0  # year 3000
MAX_WINDOW_S: Final = 366 * 86400.0
_STATUSES: Final[tuple[Status, ...]] = ("open", "resolved", "all")


class BadRequestError(Exception):
    """A parameter or body key is wrong: 400 naming it."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def error(status: int, message: str, field: str | None = None, **extra: str) -> JSONResponse:
    """The API's error answer."""
    body: dict[str, str] = {"error": message}
    if field is not None:
        body["field"] = field
    body.update(extra)
    return JSONResponse(body, status_code=status)


@dataclass(frozen=True, slots=True)
class ApiContext:
    """What the routes need: the layer, the stream, the authenticator, the limits."""

    operations: Operations
    hub: StreamHub
    auth: Authenticator
    max_body_bytes: int = 1024 * 1024
    log: FilteringBoundLogger = field(
        default_factory=lambda: structlog.get_logger("correlator.serve.api")
    )


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


async def read_body(request: Request, limit: int, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object (an empty body is ``{}`` when ``optional``)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequestError(f"the body is larger than {limit} bytes", status=413)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if optional:
            return {}
        raise BadRequestError("a JSON object body is required")
    try:
        value = _DECODER.decode(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequestError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadRequestError("the body must be a JSON object")
    return value


def _only(body: Mapping[str, Any], *known: str) -> None:
    for key in body:
        if key not in known:
            raise BadRequestError(f"unknown key {key!r}, expected one of: {', '.join(known)}", key)


def _text(
    body: Mapping[str, Any], key: str, *, required: bool, max_length: int = MAX_TEXT
) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadRequestError(f"{key} is required", key)
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequestError(f"{key} must be a non-empty string", key)
    if len(value) > max_length:
        raise BadRequestError(f"{key} is longer than {max_length} characters", key)
    return value.strip()


def _strings(body: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = body.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > 1000:
        raise BadRequestError(f"{key} must be a list of at most 1000 strings", key)
    found: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > 200:
            raise BadRequestError(
                f"{key} must hold non-empty strings of at most 200 characters", key
            )
        if item.strip() not in found:
            found.append(item.strip())
    return tuple(found)


def _seconds(
    body: Mapping[str, Any], key: str, *, maximum: float, minimum: float = 0.0
) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequestError(f"{key} must be a number", key)
    number = float(value)
    if not minimum <= number <= maximum:
        raise BadRequestError(f"{key} must be a number {minimum:.0f}..{maximum:.0f}", key)
    return number


def _query_one(request: Request, key: str) -> str | None:
    values = request.query_params.getlist(key)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequestError(f"{key} is given more than once", key)
    return values[0]


def _int_param(request: Request, key: str, default: int, low: int, high: int) -> int:
    raw = _query_one(request, key)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadRequestError(f"{key} must be an integer {low}..{high}", key) from None
    if not low <= value <= high:
        raise BadRequestError(f"{key} must be an integer {low}..{high}", key)
    return value


def _time_param(request: Request, key: str, now: float) -> float | None:
    from correlator.serve.handover import parse_since  # noqa: PLC0415

    raw = _query_one(request, key)
    if raw is None or not raw.strip():
        return None
    try:
        return parse_since(raw, now)
    except ValueError as exc:
        raise BadRequestError(str(exc), key) from None


def incident_query(request: Request, now: float) -> IncidentQuery:
    """The filters of ``GET /incidents`` from the query string."""
    status = _query_one(request, "status") or "open"
    if status not in _STATUSES:
        raise BadRequestError("status must be open, resolved or all", "status")
    priorities: set[Priority] = set()
    for raw in request.query_params.getlist("priority"):
        try:
            priorities.add(Priority(raw.strip().upper()))
        except ValueError:
            raise BadRequestError(
                f"unknown priority {raw!r}, expected P1..P5", "priority"
            ) from None
    return IncidentQuery(
        status=status,
        priorities=frozenset(priorities),
        team=_query_one(request, "team") or None,
        site=_query_one(request, "site") or None,
        since=_time_param(request, "since", now),
        until=_time_param(request, "until", now),
        limit=_int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    )


def window_request(body: Mapping[str, Any]) -> WindowRequest:
    """A maintenance window request from a JSON body."""
    _only(body, "nodes", "sites", "tags", "starts_at", "ends_at", "duration_s", "reason")
    reason = _text(body, "reason", required=True)
    return WindowRequest(
        nodes=_strings(body, "nodes"),
        sites=_strings(body, "sites"),
        tags=_strings(body, "tags"),
        starts_at=_seconds(body, "starts_at", maximum=MAX_EPOCH),
        ends_at=_seconds(body, "ends_at", maximum=MAX_EPOCH),
        duration_s=_seconds(body, "duration_s", maximum=MAX_WINDOW_S, minimum=1.0),
        reason=reason or "",
    )


def split_alerts(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The ``(source, source_id)`` keys of a split request."""
    _only(body, "alerts")
    value = body.get("alerts")
    if not isinstance(value, list) or not value or len(value) > 1000:
        raise BadRequestError("alerts must be a list of 1..1000 {source, source_id}", "alerts")
    keys: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"source", "source_id"}:
            raise BadRequestError("each alert must be {source, source_id}", "alerts")
        source, source_id = item["source"], item["source_id"]
        if not (isinstance(source, str) and source and isinstance(source_id, str) and source_id):
            raise BadRequestError("source and source_id must be non-empty strings", "alerts")
        if (source, source_id) not in keys:
            keys.append((source, source_id))
    return keys


# --------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------


def _guard(
    context: ApiContext, handler: Handler, *, write: bool
) -> Callable[[Request], Awaitable[Response]]:
    """Authorize, then run the handler, turning refusals and failures into JSON errors."""

    async def endpoint(request: Request) -> Response:
        who = context.auth.authorize(
            request.headers, request.query_params, request.method, write=write
        )
        if isinstance(who, Refusal):
            return _refused(who)
        return await answer(context, lambda: handler(request, who))

    return endpoint


async def answer(context: ApiContext, call: Callable[[], Awaitable[Response]]) -> Response:
    """Run ``call``, answering the API's JSON error for each way it can fail."""
    try:
        return await call()
    except BadRequestError as exc:
        return error(exc.status, exc.message, exc.field)
    except OperationError as exc:
        return error(exc.status, exc.message, exc.field)
    except StoreError as exc:
        context.log.error("api_store_error", error=str(exc))  # noqa: TRY400 - one line
        return error(503, "the store is unavailable, try again")


def _refused(refusal: Refusal) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if refusal.status == 401 else None
    body = {"error": refusal.reason}
    return JSONResponse(body, status_code=refusal.status, headers=headers)


def api_routes(context: ApiContext, extra: Sequence[BaseRoute] = ()) -> list[BaseRoute]:
    """The routes under ``/api/v1`` (``extra``: the topology reload of the composition root)."""
    ops = context.operations
    limit = context.max_body_bytes
    spec = document()

    async def openapi(_: Request) -> Response:
        return JSONResponse(spec)

    async def whoami(_: Request, who: Principal) -> Response:
        return JSONResponse({"name": who.name, "role": who.role})

    async def incidents(request: Request, _: Principal) -> Response:
        query = incident_query(request, ops.clock.now())
        return JSONResponse({"incidents": await ops.incidents(query)})

    async def incident(request: Request, _: Principal) -> Response:
        return JSONResponse(await ops.incident(request.path_params["id"]))

    async def topology(request: Request, _: Principal) -> Response:
        depth = _int_param(request, "depth", 2, 0, MAX_DEPTH)
        return JSONResponse(await ops.neighbourhood(request.path_params["id"], depth))

    async def ack(request: Request, who: Principal) -> Response:
        body = await read_body(request, limit, optional=True)
        _only(body, "note")
        note = _text(body, "note", required=False)
        return JSONResponse(await ops.acknowledge(request.path_params["id"], who, note))

    async def assign(request: Request, who: Principal) -> Response:
        body = await read_body(request, limit)
        _only(body, "assignee")
        assignee = _text(body, "assignee", required=True, max_length=200) or ""
        return JSONResponse(await ops.assign(request.path_params["id"], assignee, who))

    async def note(request: Request, who: Principal) -> Response:
        body = await read_body(request, limit)
        _only(body, "text")
        text = _text(body, "text", required=True) or ""
        return JSONResponse(
            await ops.add_note(request.path_params["id"], text, who), status_code=201
        )

    async def merge(request: Request, who: Principal) -> Response:
        body = await read_body(request, limit)
        _only(body, "other")
        other = _text(body, "other", required=True, max_length=200) or ""
        return JSONResponse(await ops.merge(request.path_params["id"], other, who))

    async def split(request: Request, who: Principal) -> Response:
        alerts = split_alerts(await read_body(request, limit))
        summary = await ops.split(request.path_params["id"], alerts, who)
        return JSONResponse(summary, status_code=201)

    async def reroot(request: Request, who: Principal) -> Response:
        body = await read_body(request, limit)
        _only(body, "node")
        node = _text(body, "node", required=True, max_length=200) or ""
        return JSONResponse(await ops.reroot(request.path_params["id"], node, who))

    async def windows(request: Request, _: Principal) -> Response:
        raw = _query_one(request, "active")
        if raw not in {None, "true", "false"}:
            raise BadRequestError("active must be true or false", "active")
        active = None if raw is None else raw == "true"
        return JSONResponse({"windows": ops.windows(active=active)})

    async def open_window(request: Request, who: Principal) -> Response:
        wanted = window_request(await read_body(request, limit))
        return JSONResponse(await ops.open_window(wanted, who), status_code=201)

    async def end_window(request: Request, who: Principal) -> Response:
        return JSONResponse(await ops.end_window(request.path_params["id"], who))

    async def stream(request: Request, who: Principal) -> Response:
        del request
        client = context.hub.subscribe()
        return StreamingResponse(
            context.hub.events(client, {"name": who.name, "role": who.role}),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def handover(request: Request, _: Principal) -> Response:
        return await handover_answer(request, ops)

    async def reports(request: Request, _: Principal) -> Response:
        from correlator.serve.reports import load_report, report_json  # noqa: PLC0415

        since, until = _period(request, ops.clock.now(), DEFAULT_REPORT_PERIOD)
        report = await load_report(ops.store, since=since, until=until)
        return JSONResponse(report_json(report))

    def read(path: str, handler: Handler) -> Route:
        return Route(path, _guard(context, handler, write=False), methods=["GET"])

    def write(path: str, handler: Handler) -> Route:
        return Route(path, _guard(context, handler, write=True), methods=["POST"])

    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        read("/whoami", whoami),
        read("/incidents", incidents),
        read("/incidents/{id}", incident),
        read("/incidents/{id}/topology", topology),
        write("/incidents/{id}/ack", ack),
        write("/incidents/{id}/assign", assign),
        write("/incidents/{id}/notes", note),
        write("/incidents/{id}/merge", merge),
        write("/incidents/{id}/split", split),
        write("/incidents/{id}/reroot", reroot),
        read("/maintenance", windows),
        write("/maintenance", open_window),
        write("/maintenance/{id}/end", end_window),
        read("/stream", stream),
        read("/handover", handover),
        read("/reports", reports),
        *extra,
    ]


def _period(request: Request, now: float, default_since: str) -> tuple[float, float]:
    from correlator.serve.handover import parse_period  # noqa: PLC0415

    since = _query_one(request, "since") or default_since
    until = _query_one(request, "until") or None
    try:
        return parse_period(since, until, now)
    except ValueError as exc:
        field = "until" if until is not None and "until" in str(exc) else "since"
        raise BadRequestError(str(exc), field) from None


async def handover_answer(request: Request, ops: Operations, *, html: bool = False) -> Response:
    """The handover of ``?since=&until=`` as JSON, Markdown (``?format=markdown``) or HTML."""
    from correlator.serve.handover import (  # noqa: PLC0415
        handover_html,
        handover_json,
        handover_markdown,
        load_handover,
    )

    kind = "html" if html else (_query_one(request, "format") or "json")
    if kind not in {"json", "markdown", "html"} or (kind == "html" and not html):
        raise BadRequestError("format must be json or markdown", "format")
    since, until = _period(request, ops.clock.now(), DEFAULT_SHIFT)
    found = await load_handover(ops.store, since=since, until=until, topology=ops.topology)
    if kind == "markdown":
        return PlainTextResponse(handover_markdown(found), media_type="text/markdown")
    if kind == "html":
        return HTMLResponse(handover_html(found), headers={"Referrer-Policy": "no-referrer"})
    return JSONResponse(handover_json(found))


async def _not_found(_: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        message = "no such route" if exc.status_code == 404 else str(exc.detail)
        return error(exc.status_code, message)
    return error(500, "internal error")


async def _internal(request: Request, exc: Exception) -> Response:
    structlog.get_logger("correlator.serve.api").error(
        "api_internal_error", path=request.url.path, error=repr(exc), exc_info=exc
    )
    return error(500, "internal error (logged)")


def api_app(context: ApiContext, extra: Sequence[BaseRoute] = ()) -> Starlette:
    """The API as an app of its own, to mount at ``/api/v1`` (JSON errors for unknown
    routes and methods too)."""
    return Starlette(
        routes=api_routes(context, extra),
        exception_handlers={HTTPException: _not_found, Exception: _internal},
    )


def page_routes(context: ApiContext) -> list[BaseRoute]:
    """``GET /handover`` (the printable page) and ``GET /api/handover`` (the JSON, as the
    issue names it); the token may be in ``?access_token=``."""

    async def page(request: Request, _: Principal) -> Response:
        return await handover_answer(request, context.operations, html=True)

    async def legacy(request: Request, _: Principal) -> Response:
        return await handover_answer(request, context.operations)

    return [
        Route("/handover", _guard(context, page, write=False), methods=["GET"]),
        Route("/api/handover", _guard(context, legacy, write=False), methods=["GET"]),
    ]
