# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Fakes of the SaaS ticket systems: one Starlette app per system that checks each request.

Each fake answers the endpoints the adapter uses the way the documented API does (paths,
methods, auth headers, body shapes, status codes, error bodies) and refuses with a 4xx
what the real API would refuse. Where the real API silently ignores something (an
unknown field in a body, an unknown field in a ServiceNow query) the fake is *stricter*
and refuses it, so that a typo in an adapter cannot pass as a silently dropped field.

Every request to the API is recorded (:attr:`FakeSystem.requests`). Test-only endpoints
under ``/_test/`` play the person working the ticket in the system (take it, resolve it)
and let tests read a ticket as the system holds it (status, priority, comments); they
need no auth and are not recorded.

Documentation the fakes follow:

- GLPI: ``apirest.php`` (glpi-project/glpi ``apirest.md``): ``initSession`` with
  ``App-Token`` and ``Authorization: user_token``; ``Session-Token`` on every call;
  bodies ``{"input": {...}}``; getItems ``searchText[field]`` with ``^``/``$`` anchors;
  sub-items (``/Ticket/{id}/ITILFollowup``) with ``range``, ``sort``, ``order`` and a
  ``Content-Range`` header.
- ServiceNow: Table API ``/api/now/table/incident`` (basic auth, ``sysparm_query``,
  ``sysparm_fields`` with dot-walking, ``{"result": ...}``, data-policy 403 on resolve
  without resolution code and notes); journal entries (work notes, comments) are rows of
  ``sys_journal_field`` (``element_id``, ``element``, ``value``; ``LIKE`` is "contains").
- Jira Service Management: ``/rest/servicedeskapi/request`` (+ ``/comment``,
  ``/transition``) and the platform's ``/rest/api/3/issue/{key}`` (basic auth with an
  API token); comment lists page with ``start``/``limit``/``isLastPage`` and filter with
  ``public``/``internal``.
- Zendesk: ``/api/v2/tickets.json`` with ``{"ticket": {...}}``, ``external_id`` filter,
  ``include=users`` sideloading, basic auth ``{email}/token:{api_token}``, 422
  ``RecordInvalid`` when solving without an assignee; ``/tickets/{id}/comments.json``
  with offset paging (``page``, ``per_page`` up to 100, ``next_page``) and ``sort_order``.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Recorded:
    """One API request as the fake saw it, and the status it answered."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _Recorder:
    """ASGI middleware: record every API request (not ``/_test/``) with its answer's status."""

    def __init__(self, app: ASGIApp, requests: list[Recorded]) -> None:
        self.app = app
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_test/"):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        status = 0

        async def recv() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
            return message

        async def snd(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, recv, snd)
        self.requests.append(
            Recorded(
                scope["method"],
                scope["path"],
                scope.get("query_string", b"").decode(),
                {k.decode().lower(): v.decode() for k, v in scope["headers"]},
                bytes(body),
                status,
            )
        )


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now_sql() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _basic(request: Request) -> tuple[str, str] | None:
    """The (user, password) of a ``Basic`` Authorization header, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except ValueError:
        return None
    return (user, password) if sep else None


async def _json_body(request: Request) -> tuple[bool, Any]:
    """(True, parsed) for a JSON body sent as ``application/json``; (False, why) otherwise."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        return False, f"Content-Type must be application/json, got {kind or 'none'!r}"
    raw = await request.body()
    try:
        return True, json.loads(raw)
    except ValueError as exc:
        return False, f"invalid JSON: {exc}"


@dataclass
class FakeComment:
    """One comment on a fake's ticket."""

    author: str
    text: str
    public: bool = False


class FakeSystem:
    """What every fake has: recorded requests, a Starlette app, and test-only endpoints."""

    name = "fake"
    person = "alice"  # who the test endpoints act as; fetch must report this name

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        routes = [
            *self.api_routes(),
            Route("/_test/tickets/{ticket_id}", self._test_show, methods=["GET"]),
            Route("/_test/tickets/{ticket_id}/take", self._test_take, methods=["POST"]),
            Route("/_test/tickets/{ticket_id}/resolve", self._test_resolve, methods=["POST"]),
            Route("/_test/incidents/{incident_id}", self._test_incident, methods=["GET"]),
        ]
        app = Starlette(routes=routes)
        self.app: ASGIApp = _Recorder(app, self.requests)

    # ---- for subclasses ----------------------------------------------------------------

    def api_routes(self) -> list[Route]:
        raise NotImplementedError

    def show(self, ticket_id: str) -> dict[str, Any] | None:
        """``{"status", "priority", "assignee", "comments": [text, ...]}`` or None."""
        raise NotImplementedError

    def take(self, ticket_id: str) -> bool:
        """The person takes the ticket and starts work on it; False when unknown."""
        raise NotImplementedError

    def person_resolves(self, ticket_id: str) -> bool:
        """The person resolves the ticket; False when unknown."""
        raise NotImplementedError

    def incident_tickets(self, incident_id: str) -> list[str]:
        """Ids of the tickets that carry ``incident_id`` (there must be one at most)."""
        raise NotImplementedError

    # ---- test-only endpoints -----------------------------------------------------------

    async def _test_show(self, request: Request) -> Response:
        shown = self.show(request.path_params["ticket_id"])
        return JSONResponse(shown) if shown is not None else JSONResponse({}, status_code=404)

    async def _test_take(self, request: Request) -> Response:
        ok = self.take(request.path_params["ticket_id"])
        return JSONResponse({"ok": ok}, status_code=200 if ok else 404)

    async def _test_resolve(self, request: Request) -> Response:
        ok = self.person_resolves(request.path_params["ticket_id"])
        return JSONResponse({"ok": ok}, status_code=200 if ok else 404)

    async def _test_incident(self, request: Request) -> Response:
        return JSONResponse({"tickets": self.incident_tickets(request.path_params["incident_id"])})


# ======================================================================================
# GLPI
# ======================================================================================

_GLPI_TICKET_INPUT = frozenset(
    {
        "name",
        "content",
        "urgency",
        "impact",
        "priority",
        "type",
        "status",
        "entities_id",
        "itilcategories_id",
        "requesttypes_id",
        "locations_id",
        "time_to_resolve",
        "_users_id_requester",
        "_users_id_assign",
        "_groups_id_assign",
    }
)
_GLPI_ITIL_INPUT = frozenset({"itemtype", "items_id", "content", "is_private", "date"})


@dataclass
class _GlpiTicket:
    fields: dict[str, Any]
    followups: list[FakeComment] = field(default_factory=list)
    solutions: list[FakeComment] = field(default_factory=list)
    assigned: list[int] = field(default_factory=list)  # Ticket_User type 2


def _glpi_text(rich: str) -> str:
    """GLPI 10 rich text as a person reads it."""
    return html.unescape(re.sub(r"<br\s*/?>", "\n", rich))


class GLPIFake(FakeSystem):
    """GLPI 10's legacy REST API under ``/apirest.php``."""

    name = "glpi"
    app_token = "app-token-0123456789"
    user_token = "user-token-abcdef"
    api_user_id = 7
    users: ClassVar[dict[int, str]] = {
        7: "correlator",
        8: "alice",
    }  # id -> login (what expand_dropdowns shows)

    def __init__(self) -> None:
        self.sessions: set[str] = set()
        self.tickets: dict[int, _GlpiTicket] = {}
        self._ids = itertools.count(1)
        self._item_ids = itertools.count(100)
        super().__init__()

    def api_routes(self) -> list[Route]:
        base = "/apirest.php"
        return [
            Route(f"{base}/initSession", self._init_session, methods=["GET", "POST"]),
            Route(f"{base}/killSession", self._kill_session, methods=["GET"]),
            Route(f"{base}/Ticket", self._tickets, methods=["GET", "POST"]),
            Route(f"{base}/Ticket/{{id:int}}", self._ticket, methods=["GET", "PUT", "PATCH"]),
            Route(f"{base}/Ticket/{{id:int}}/Ticket_User", self._ticket_users, methods=["GET"]),
            Route(f"{base}/Ticket/{{id:int}}/ITILFollowup", self._sub_followups, methods=["GET"]),
            Route(f"{base}/ITILFollowup", self._add_followup, methods=["POST"]),
            Route(f"{base}/ITILSolution", self._add_solution, methods=["POST"]),
        ]

    @staticmethod
    def _error(status: int, code: str, message: str) -> Response:
        return JSONResponse([code, message], status_code=status)

    def _app_token_error(self, request: Request) -> Response | None:
        token = request.headers.get("app-token")
        if token is None:
            return self._error(400, "ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing App-Token")
        if token != self.app_token:
            return self._error(
                400, "ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong"
            )
        return None

    def _session_error(self, request: Request) -> Response | None:
        problem = self._app_token_error(request)
        if problem is not None:
            return problem
        session = request.headers.get("session-token")
        if not session:
            return self._error(
                400, "ERROR_SESSION_TOKEN_MISSING", "parameter session_token is missing or empty"
            )
        if session not in self.sessions:
            return self._error(401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid")
        return None

    async def _input(
        self, request: Request, allowed: frozenset[str]
    ) -> tuple[Any, Response | None]:
        ok, data = await _json_body(request)
        if not ok or not isinstance(data, dict) or not isinstance(data.get("input"), dict):
            return None, self._error(
                400, "ERROR_BAD_ARRAY", "input parameter must be an array of objects"
            )
        item = data["input"]
        unknown = sorted(set(item) - allowed)
        if unknown:  # GLPI ignores unknown fields; the fake refuses them (see module doc)
            return None, self._error(400, "ERROR_GLPI_ADD", f"unknown fields {unknown}")
        return item, None

    def expire_sessions(self) -> None:
        """Forget every session (as GLPI does after its session timeout)."""
        self.sessions.clear()

    async def _init_session(self, request: Request) -> Response:
        problem = self._app_token_error(request)
        if problem is not None:
            return problem
        auth = request.headers.get("authorization", "")
        if not auth:
            return self._error(
                400, "ERROR_LOGIN_PARAMETERS_MISSING", "parameter(s) login, password missing"
            )
        scheme, _, value = auth.partition(" ")
        if scheme != "user_token" or value != self.user_token:
            return self._error(
                401, "ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid"
            )
        token = secrets.token_hex(13)
        self.sessions.add(token)
        return JSONResponse({"session_token": token})

    async def _kill_session(self, request: Request) -> Response:
        problem = self._session_error(request)
        if problem is not None:
            return problem
        self.sessions.discard(request.headers["session-token"])
        return JSONResponse(True)  # noqa: FBT003 - GLPI answers a bare true

    def _add_ticket(self, item: dict[str, Any]) -> int:
        ticket_id = next(self._ids)
        now = _now_sql()
        fields: dict[str, Any] = {
            "id": ticket_id,
            "entities_id": 0,
            "name": "",
            "date": now,
            "closedate": None,
            "solvedate": None,
            "date_mod": now,
            "users_id_lastupdater": self.api_user_id,
            "status": 1,
            "users_id_recipient": self.api_user_id,
            "requesttypes_id": 1,
            "content": "",
            "urgency": 3,
            "impact": 3,
            "priority": 3,
            "itilcategories_id": 0,
            "type": 1,
            "global_validation": 1,
            "is_deleted": 0,
            "locations_id": 0,
            "date_creation": now,
        }
        fields.update({k: v for k, v in item.items() if not k.startswith("_")})
        self.tickets[ticket_id] = _GlpiTicket(fields)
        return ticket_id

    @staticmethod
    def _check_levels(item: dict[str, Any]) -> str | None:
        for key, top in (
            ("urgency", 5),
            ("impact", 5),
            ("priority", 6),
            ("status", 6),
            ("type", 2),
        ):
            if key in item and (not isinstance(item[key], int) or not 1 <= item[key] <= top):
                return f"{key} must be an integer 1..{top}, got {item[key]!r}"
        return None

    async def _tickets(self, request: Request) -> Response:
        problem = self._session_error(request)
        if problem is not None:
            return problem
        if request.method == "POST":
            item, problem = await self._input(request, _GLPI_TICKET_INPUT)
            if problem is not None:
                return problem
            why = self._check_levels(item)
            if why is None and not str(item.get("content", "")).strip():
                why = "mandatory field content is empty"
            if why is not None:
                return self._error(400, "ERROR_GLPI_ADD", why)
            ticket_id = self._add_ticket(item)
            return JSONResponse(
                {"id": ticket_id, "message": f"Item successfully added: {item.get('name', '')}"},
                status_code=201,
                headers={
                    "Location": f"{request.url.scheme}://{request.url.netloc}/apirest.php/Ticket/{ticket_id}"
                },
            )
        found = [t.fields for t in self.tickets.values() if not t.fields["is_deleted"]]
        for key, raw in request.query_params.multi_items():
            if not key.startswith("searchText["):
                continue
            column = key.removeprefix("searchText[").removesuffix("]")
            if found and column not in found[0]:
                return self._error(400, "ERROR_FIELD_NOT_FOUND", f"unknown field {column!r}")
            found = [f for f in found if self._text_matches(str(f.get(column, "")), raw)]
        sort = request.query_params.get("sort", "id")
        reverse = request.query_params.get("order", "ASC").upper() == "DESC"
        found.sort(key=lambda f: f.get(sort) or 0, reverse=reverse)
        start, _, end = request.query_params.get("range", "0-49").partition("-")
        if not start.isdigit() or not end.isdigit() or int(start) > int(end):
            return self._error(400, "ERROR_RANGE_EXCEED_TOTAL", "bad range")
        total = len(found)
        page = found[int(start) : int(end) + 1]
        last = int(start) + max(len(page) - 1, 0)
        return JSONResponse(
            page,
            status_code=206 if len(page) < total else 200,
            headers={"Content-Range": f"{start}-{last}/{total}", "Accept-Range": "Ticket 1000"},
        )

    @staticmethod
    def _text_matches(value: str, pattern: str) -> bool:
        """GLPI's text search: ``LIKE %x%`` with ``^``/``$`` anchoring, case-insensitive."""
        value, pattern = value.lower(), pattern.lower()
        if pattern.startswith("^") and pattern.endswith("$") and len(pattern) > 1:
            return value == pattern[1:-1]
        if pattern.startswith("^"):
            return value.startswith(pattern[1:])
        if pattern.endswith("$"):
            return value.endswith(pattern[:-1])
        return pattern in value

    def _get(self, request: Request) -> _GlpiTicket | None:
        return self.tickets.get(int(request.path_params["id"]))

    async def _ticket(self, request: Request) -> Response:
        problem = self._session_error(request)
        if problem is not None:
            return problem
        ticket = self._get(request)
        if ticket is None:
            return self._error(404, "ERROR_ITEM_NOT_FOUND", "Item not found")
        if request.method == "GET":
            return JSONResponse(ticket.fields)
        item, problem = await self._input(request, _GLPI_TICKET_INPUT)
        if problem is not None:
            return problem
        why = self._check_levels(item)
        if why is not None:
            return self._error(400, "ERROR_GLPI_UPDATE", why)
        ticket.fields.update({k: v for k, v in item.items() if not k.startswith("_")})
        ticket.fields["date_mod"] = _now_sql()
        ticket_id = ticket.fields["id"]
        return JSONResponse([{str(ticket_id): True, "message": ""}])

    async def _ticket_users(self, request: Request) -> Response:
        problem = self._session_error(request)
        if problem is not None:
            return problem
        ticket = self._get(request)
        if ticket is None:
            return self._error(404, "ERROR_ITEM_NOT_FOUND", "Item not found")
        expand = request.query_params.get("expand_dropdowns", "false").lower() in ("true", "1")
        rows: list[dict[str, Any]] = [
            {
                "id": 1000 + ticket.fields["id"],
                "tickets_id": ticket.fields["id"],
                "users_id": self.users[self.api_user_id] if expand else self.api_user_id,
                "type": 1,
                "use_notification": 1,
                "alternative_email": "",
            }
        ]
        rows.extend(
            {
                "id": 2000 + ticket.fields["id"] * 10 + n,
                "tickets_id": ticket.fields["id"],
                "users_id": self.users[user] if expand else user,
                "type": 2,
                "use_notification": 1,
                "alternative_email": "",
            }
            for n, user in enumerate(ticket.assigned)
        )
        return JSONResponse(rows)

    async def _sub_followups(self, request: Request) -> Response:
        problem = self._session_error(request)
        if problem is not None:
            return problem
        ticket = self._get(request)
        if ticket is None:
            return self._error(404, "ERROR_ITEM_NOT_FOUND", "Item not found")
        rows = [
            {"id": n + 1, "content": c.text, "is_private": int(not c.public)}
            for n, c in enumerate(ticket.followups)
        ]
        if request.query_params.get("sort", "id") != "id":
            return self._error(400, "ERROR_FIELD_NOT_FOUND", "the fake sorts by id only")
        if request.query_params.get("order", "ASC").upper() == "DESC":
            rows.reverse()
        start, _, end = request.query_params.get("range", "0-49").partition("-")
        if not start.isdigit() or not end.isdigit() or int(start) > int(end):
            return self._error(400, "ERROR_RANGE_EXCEED_TOTAL", "bad range")
        page = rows[int(start) : int(end) + 1]
        last = int(start) + max(len(page) - 1, 0)
        return JSONResponse(
            page,
            status_code=206 if len(page) < len(rows) else 200,
            headers={"Content-Range": f"{start}-{last}/{len(rows)}"},
        )

    async def _itil_item(
        self, request: Request
    ) -> tuple[_GlpiTicket | None, dict[str, Any], Response | None]:
        problem = self._session_error(request)
        if problem is not None:
            return None, {}, problem
        item, problem = await self._input(request, _GLPI_ITIL_INPUT)
        if problem is not None:
            return None, {}, problem
        if item.get("itemtype") not in ("Ticket", "Change", "Problem"):
            return None, {}, self._error(400, "ERROR_GLPI_ADD", "itemtype must be an ITIL object")
        if not str(item.get("content", "")).strip():
            return None, {}, self._error(400, "ERROR_GLPI_ADD", "content is mandatory")
        if "is_private" in item and item["is_private"] not in (0, 1, True, False):
            return None, {}, self._error(400, "ERROR_GLPI_ADD", "is_private must be 0 or 1")
        ticket = (
            self.tickets.get(item.get("items_id"))
            if isinstance(item.get("items_id"), int)
            else None
        )
        if ticket is None:
            return (
                None,
                {},
                self._error(400, "ERROR_GLPI_ADD", "items_id is not an existing ticket"),
            )
        return ticket, item, None

    async def _add_followup(self, request: Request) -> Response:
        ticket, item, problem = await self._itil_item(request)
        if problem is not None or ticket is None:
            return problem or self._error(400, "ERROR_GLPI_ADD", "no ticket")
        ticket.followups.append(
            FakeComment("correlator", item["content"], not item.get("is_private"))
        )
        ticket.fields["date_mod"] = _now_sql()
        return JSONResponse({"id": next(self._item_ids), "message": ""}, status_code=201)

    async def _add_solution(self, request: Request) -> Response:
        ticket, item, problem = await self._itil_item(request)
        if problem is not None or ticket is None:
            return problem or self._error(400, "ERROR_GLPI_ADD", "no ticket")
        if ticket.fields["status"] >= 5:
            return self._error(400, "ERROR_GLPI_ADD", "The item is already solved or closed")
        ticket.solutions.append(FakeComment("correlator", item["content"]))
        ticket.fields.update(status=5, solvedate=_now_sql(), date_mod=_now_sql())
        return JSONResponse({"id": next(self._item_ids), "message": ""}, status_code=201)

    # ---- test-side ---------------------------------------------------------------------

    def show(self, ticket_id: str) -> dict[str, Any] | None:
        ticket = self.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
        if ticket is None:
            return None
        return {
            "status": ticket.fields["status"],
            "priority": str(ticket.fields["priority"]),
            "assignee": self.users[ticket.assigned[0]] if ticket.assigned else None,
            "comments": [_glpi_text(c.text) for c in (*ticket.followups, *ticket.solutions)],
        }

    def take(self, ticket_id: str) -> bool:
        ticket = self.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
        if ticket is None:
            return False
        ticket.assigned.append(8)
        ticket.fields.update(status=2, date_mod=_now_sql())
        return True

    def person_resolves(self, ticket_id: str) -> bool:
        ticket = self.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
        if ticket is None:
            return False
        ticket.solutions.append(FakeComment(self.person, "fixed the cable"))
        ticket.fields.update(status=5, solvedate=_now_sql(), date_mod=_now_sql())
        return True

    def incident_tickets(self, incident_id: str) -> list[str]:
        tag = f"[{incident_id}]"
        return [str(i) for i, t in self.tickets.items() if str(t.fields["name"]).startswith(tag)]


# ======================================================================================
# ServiceNow
# ======================================================================================

_SN_PRIORITY = {
    (1, 1): 1,
    (1, 2): 2,
    (2, 1): 2,
    (1, 3): 3,
    (2, 2): 3,
    (3, 1): 3,
    (2, 3): 4,
    (3, 2): 4,
    (3, 3): 5,
}
_SN_WRITABLE = frozenset(
    {
        "short_description",
        "description",
        "impact",
        "urgency",
        "state",
        "correlation_id",
        "correlation_display",
        "assignment_group",
        "assigned_to",
        "caller_id",
        "category",
        "subcategory",
        "contact_type",
        "cmdb_ci",
        "close_code",
        "close_notes",
        "work_notes",
        "comments",
    }
)
_SN_CLOSE_CODES = frozenset(
    {
        "Duplicate",
        "Known error",
        "No resolution provided",
        "Resolved by caller",
        "Resolved by change",
        "Resolved by problem",
        "Resolved by request",
        "Solution provided",
        "Workaround provided",
        "User error",
        "Solved (Work Around)",
        "Solved (Permanently)",
        "Solved Remotely (Work Around)",
        "Solved Remotely (Permanently)",
        "Not Solved (Not Reproducible)",
        "Not Solved (Too Costly)",
        "Closed/Resolved by Caller",
    }
)
_SN_QUERYABLE = frozenset(
    {"sys_id", "number", "correlation_id", "state", "active", "short_description", "assigned_to"}
)


class ServiceNowFake(FakeSystem):
    """The Table API for the ``incident`` table."""

    name = "servicenow"
    username = "correlator.integration"
    password = "s3cret-pw"
    person = "alice.operator"
    user_sys_ids: ClassVar[dict[str, str]] = {"alice.operator": "a" * 32}

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.journal: dict[str, list[FakeComment]] = {}
        self._numbers = itertools.count(10001)
        super().__init__()

    def api_routes(self) -> list[Route]:
        table = "/api/now/table/incident"
        return [
            Route(table, self._collection, methods=["GET", "POST"]),
            Route(f"{table}/{{sys_id}}", self._record, methods=["GET", "PATCH", "PUT", "DELETE"]),
            Route("/api/now/table/sys_journal_field", self._journal_rows, methods=["GET"]),
        ]

    async def _journal_rows(self, request: Request) -> Response:
        """``sys_journal_field``: one row per work note or comment, queried like any table."""
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        rows = [
            {
                "sys_id": f"{sys_id[:24]}{n:08d}",
                "element_id": sys_id,
                "name": "incident",
                "element": "comments" if c.public else "work_notes",
                "value": c.text,
            }
            for sys_id, entries in self.journal.items()
            for n, c in enumerate(entries)
        ]
        for term in filter(None, request.query_params.get("sysparm_query", "").split("^")):
            name, sep, value = term.partition("LIKE")
            if sep and name in ("value", "element_id", "element", "name"):
                rows = [r for r in rows if value in r[name]]
                continue
            name, sep, value = term.partition("=")
            if not sep or name not in ("element_id", "element", "name", "sys_id"):
                return self._error(400, "Invalid query", f"unsupported term {term!r}")
            rows = [r for r in rows if r[name] == value]
        limit = request.query_params.get("sysparm_limit")
        if limit is not None:
            if not limit.isdigit():
                return self._error(400, "Invalid sysparm_limit", limit)
            rows = rows[: int(limit)]
        fields = [f for f in request.query_params.get("sysparm_fields", "").split(",") if f]
        shown = [{k: v for k, v in r.items() if not fields or k in fields} for r in rows]
        return JSONResponse({"result": shown}, headers={"X-Total-Count": str(len(shown))})

    @staticmethod
    def _error(status: int, message: str, detail: str = "") -> Response:
        return JSONResponse(
            {"error": {"message": message, "detail": detail}, "status": "failure"},
            status_code=status,
        )

    def _auth_error(self, request: Request) -> Response | None:
        if _basic(request) != (self.username, self.password):
            return self._error(
                401, "User Not Authenticated", "Required to provide Auth information"
            )
        return None

    def _view(self, record: dict[str, Any], fields: str | None) -> dict[str, Any]:
        if not fields:
            return dict(record)
        shown: dict[str, Any] = {}
        for name in (f.strip() for f in fields.split(",") if f.strip()):
            if name == "assigned_to.user_name":
                shown[name] = record["_assignee"] or ""
            elif name in record and not name.startswith("_"):
                shown[name] = record[name]
        return shown

    def _validate(self, body: dict[str, Any], record: dict[str, Any] | None) -> Response | None:
        unknown = sorted(set(body) - _SN_WRITABLE)
        if unknown:  # the real API drops unknown fields silently; the fake refuses (module doc)
            return self._error(400, "Invalid field(s)", f"not writable on incident: {unknown}")
        for key in ("impact", "urgency"):
            if key in body and str(body[key]) not in ("1", "2", "3"):
                return self._error(400, "Invalid value", f"{key} must be 1, 2 or 3")
        if "state" in body and str(body["state"]) not in {"1", "2", "3", "6", "7", "8"}:
            return self._error(400, "Invalid value", f"state {body['state']!r} is not a state")
        if "close_code" in body and body["close_code"] not in _SN_CLOSE_CODES:
            return self._error(400, "Invalid value", f"close_code {body['close_code']!r}")
        if len(str(body.get("correlation_id", ""))) > 100:
            return self._error(400, "Invalid value", "correlation_id is longer than 100")
        merged = {**(record or {}), **body}
        if str(merged.get("state", "1")) == "6" and (
            not merged.get("close_code") or not merged.get("close_notes")
        ):
            return self._error(
                403,
                "Operation Failed",
                "Data Policy Exception: \n\tThe following fields are mandatory: "
                "Resolution code, Resolution notes",
            )
        if record is None and not str(body.get("short_description", "")).strip():
            return self._error(
                403,
                "Operation Failed",
                "Data Policy Exception: \n\tThe following fields are mandatory: Short description",
            )
        return None

    def _apply(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        now = _now_sql()
        for key, value in body.items():
            if key in ("work_notes", "comments"):
                if str(value).strip():
                    self.journal[record["sys_id"]].append(
                        FakeComment(self.username, str(value), key == "comments")
                    )
                continue
            record[key] = str(value)
        record["priority"] = str(_SN_PRIORITY[(int(record["impact"]), int(record["urgency"]))])
        if record["state"] == "6" and not record["resolved_at"]:
            record["resolved_at"] = now
        record["active"] = "false" if record["state"] in ("6", "7", "8") else "true"
        record["incident_state"] = record["state"]
        record["sys_updated_on"] = now
        record["sys_updated_by"] = self.username
        record["sys_mod_count"] = str(int(record["sys_mod_count"]) + 1)

    async def _collection(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        fields = request.query_params.get("sysparm_fields")
        if request.method == "POST":
            ok, body = await _json_body(request)
            if not ok or not isinstance(body, dict):
                return self._error(400, "Exception while reading request", str(body))
            problem = self._validate(body, None)
            if problem is not None:
                return problem
            sys_id = uuid.uuid4().hex
            now = _now_sql()
            record: dict[str, Any] = {
                "sys_id": sys_id,
                "number": f"INC{next(self._numbers):07d}",
                "short_description": "",
                "description": "",
                "state": "1",
                "incident_state": "1",
                "impact": "3",
                "urgency": "3",
                "priority": "5",
                "correlation_id": "",
                "correlation_display": "",
                "assignment_group": "",
                "assigned_to": "",
                "caller_id": "",
                "category": "inquiry",
                "close_code": "",
                "close_notes": "",
                "active": "true",
                "opened_at": now,
                "resolved_at": "",
                "sys_created_on": now,
                "sys_created_by": self.username,
                "sys_updated_on": now,
                "sys_updated_by": self.username,
                "sys_mod_count": "-1",
                "work_notes": "",
                "comments": "",
                "_assignee": None,
            }
            self.records[sys_id] = record
            self.journal[sys_id] = []
            self._apply(record, body)
            return JSONResponse(
                {"result": self._view(record, fields)},
                status_code=201,
                headers={
                    "Location": f"{request.url.scheme}://{request.url.netloc}/api/now/table/incident/{sys_id}"
                },
            )
        found = list(self.records.values())
        order: list[tuple[str, bool]] = []
        for term in filter(None, request.query_params.get("sysparm_query", "").split("^")):
            if term.startswith("ORDERBYDESC"):
                order.append((term.removeprefix("ORDERBYDESC"), True))
                continue
            if term.startswith("ORDERBY"):
                order.append((term.removeprefix("ORDERBY"), False))
                continue
            name, sep, value = term.partition("=")
            if not sep or name not in _SN_QUERYABLE:
                return self._error(400, "Invalid query", f"unsupported term {term!r}")
            found = [r for r in found if r.get(name) == value]
        for name, descending in reversed(order):
            found.sort(key=lambda r, n=name: str(r.get(n, "")), reverse=descending)  # type: ignore[misc]
        limit = request.query_params.get("sysparm_limit")
        if limit is not None:
            if not limit.isdigit():
                return self._error(400, "Invalid sysparm_limit", limit)
            found = found[: int(limit)]
        return JSONResponse(
            {"result": [self._view(r, fields) for r in found]},
            headers={"X-Total-Count": str(len(found))},
        )

    async def _record(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        record = self.records.get(request.path_params["sys_id"])
        if record is None:
            return self._error(
                404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval"
            )
        fields = request.query_params.get("sysparm_fields")
        if request.method == "GET":
            return JSONResponse({"result": self._view(record, fields)})
        if request.method == "DELETE":
            return self._error(403, "Operation Failed", "ACL restricts delete")
        ok, body = await _json_body(request)
        if not ok or not isinstance(body, dict):
            return self._error(400, "Exception while reading request", str(body))
        problem = self._validate(body, record)
        if problem is not None:
            return problem
        self._apply(record, body)
        return JSONResponse({"result": self._view(record, fields)})

    # ---- test-side ---------------------------------------------------------------------

    def show(self, ticket_id: str) -> dict[str, Any] | None:
        record = self.records.get(ticket_id)
        if record is None:
            return None
        return {
            "status": record["state"],
            "priority": record["priority"],
            "assignee": record["_assignee"],
            "comments": [c.text for c in self.journal[ticket_id]],
            "close_notes": record["close_notes"],
        }

    def take(self, ticket_id: str) -> bool:
        record = self.records.get(ticket_id)
        if record is None:
            return False
        record.update(assigned_to=self.user_sys_ids[self.person], _assignee=self.person, state="2")
        record["sys_updated_on"] = _now_sql()
        return True

    def person_resolves(self, ticket_id: str) -> bool:
        record = self.records.get(ticket_id)
        if record is None:
            return False
        record.update(
            state="6",
            incident_state="6",
            close_code="Solution provided",
            close_notes="fixed the cable",
            active="false",
            resolved_at=_now_sql(),
            sys_updated_on=_now_sql(),
        )
        return True

    def incident_tickets(self, incident_id: str) -> list[str]:
        return [s for s, r in self.records.items() if r["correlation_id"] == incident_id]


# ======================================================================================
# Jira Service Management
# ======================================================================================

_JSM_PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
_JSM_OWNERSHIP = frozenset(
    {
        "OWNED_REQUESTS",
        "PARTICIPATED_REQUESTS",
        "ORGANIZATION",
        "ALL_ORGANIZATIONS",
        "APPROVER",
        "ALL_REQUESTS",
    }
)
_JSM_REQUEST_STATUS = frozenset({"OPEN_REQUESTS", "CLOSED_REQUESTS", "ALL_REQUESTS"})
# status name -> (status category key, servicedeskapi category)
_JSM_STATUSES = {
    "Waiting for support": ("new", "NEW"),
    "In progress": ("indeterminate", "INDETERMINATE"),
    "Resolved": ("done", "DONE"),
    "Canceled": ("done", "DONE"),
}
_JSM_TRANSITIONS = {
    "761": ("Resolve this issue", "Resolved"),
    "771": ("Cancel request", "Canceled"),
}
_JSM_REOPEN = {"781": ("Reopen", "Waiting for support")}  # offered by a resolved request


@dataclass
class _JsmIssue:
    issue_id: str
    key: str
    summary: str
    description: str
    priority: str
    status: str
    reporter: str
    created: float
    updated: float
    assignee: str | None = None
    comments: list[FakeComment] = field(default_factory=list)


class JSMFake(FakeSystem):
    """The servicedeskapi request endpoints plus the platform issue read/edit."""

    name = "jsm"
    email = "correlator@example.com"
    api_token = "jsm-api-token-42"
    service_desk_id = "1"
    project_key = "OPS"
    request_type_id = "10"
    person = "Alice Operator"
    accounts: ClassVar[dict[str, tuple[str, str]]] = {
        "correlator@example.com": ("5b10a2844c20165700ede21g", "correlator"),
        "alice": ("5b10ac8d82e05b22cc7d4ef5", "Alice Operator"),
    }

    def __init__(self, *, priority_on_request_type: bool = True) -> None:
        self.issues: dict[str, _JsmIssue] = {}
        self.priority_on_request_type = priority_on_request_type
        self._ids = itertools.count(10001)
        super().__init__()

    def api_routes(self) -> list[Route]:
        sd = "/rest/servicedeskapi/request"
        return [
            Route(sd, self._requests, methods=["GET", "POST"]),
            Route(f"{sd}/{{key}}", self._request, methods=["GET"]),
            Route(f"{sd}/{{key}}/comment", self._comment, methods=["GET", "POST"]),
            Route(f"{sd}/{{key}}/transition", self._transition, methods=["GET", "POST"]),
            Route("/rest/api/3/issue/{key}", self._issue, methods=["GET", "PUT"]),
        ]

    # servicedeskapi errors: {"errorMessage", "i18nErrorMessage"}; platform: errorMessages/errors
    @staticmethod
    def _sd_error(status: int, message: str) -> Response:
        return JSONResponse(
            {
                "errorMessage": message,
                "i18nErrorMessage": {"i18nKey": "sd.request.error", "parameters": []},
            },
            status_code=status,
        )

    @staticmethod
    def _jira_error(
        status: int, messages: list[str], errors: dict[str, str] | None = None
    ) -> Response:
        return JSONResponse({"errorMessages": messages, "errors": errors or {}}, status_code=status)

    def _auth_error(self, request: Request) -> Response | None:
        if _basic(request) != (self.email, self.api_token):
            return JSONResponse(
                {"errorMessages": ["Client must be authenticated to access this resource."]},
                status_code=401,
            )
        return None

    def _find(self, key: str) -> _JsmIssue | None:
        return self.issues.get(key) or next(
            (i for i in self.issues.values() if i.issue_id == key), None
        )

    @staticmethod
    def _date(at: float) -> dict[str, Any]:
        when = dt.datetime.fromtimestamp(at, dt.UTC)
        return {
            "iso8601": when.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "jira": when.strftime("%Y-%m-%dT%H:%M:%S.000%z"),
            "friendly": when.strftime("Today %I:%M %p"),
            "epochMillis": int(at * 1000),
        }

    def _user(self, who: str) -> dict[str, Any]:
        account, display = self.accounts[who]
        return {
            "accountId": account,
            "displayName": display,
            "active": True,
            "timeZone": "UTC",
            "_links": {
                "self": f"https://example.atlassian.net/rest/api/3/user?accountId={account}"
            },
        }

    def _request_json(self, request: Request, issue: _JsmIssue) -> dict[str, Any]:
        site = f"{request.url.scheme}://{request.url.netloc}"
        category = _JSM_STATUSES[issue.status][1]
        return {
            "_expands": ["participant", "status", "sla", "requestType", "serviceDesk"],
            "issueId": issue.issue_id,
            "issueKey": issue.key,
            "requestTypeId": self.request_type_id,
            "serviceDeskId": self.service_desk_id,
            "createdDate": self._date(issue.created),
            "reporter": self._user(issue.reporter),
            "requestFieldValues": [
                {"fieldId": "summary", "label": "Summary", "value": issue.summary},
                {
                    "fieldId": "description",
                    "label": "Description",
                    "value": issue.description,
                    "renderedValue": {"html": f"<p>{issue.description}</p>"},
                },
            ],
            "currentStatus": {
                "status": issue.status,
                "statusCategory": category,
                "statusDate": self._date(issue.updated),
            },
            "_links": {
                "jiraRest": f"{site}/rest/api/2/issue/{issue.issue_id}",
                "web": f"{site}/servicedesk/customer/portal/{self.service_desk_id}/{issue.key}",
                "self": f"{site}/rest/servicedeskapi/request/{issue.issue_id}",
            },
        }

    async def _requests(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        if request.method == "GET":
            return self._list(request)
        ok, body = await _json_body(request)
        if not ok or not isinstance(body, dict):
            return self._sd_error(400, f"Bad request body: {body}")
        unknown = sorted(
            set(body)
            - {
                "serviceDeskId",
                "requestTypeId",
                "requestFieldValues",
                "raiseOnBehalfOf",
                "requestParticipants",
                "channel",
                "isAdfRequest",
            }
        )
        if unknown:
            return self._sd_error(400, f"Unrecognized fields {unknown}")
        if str(body.get("serviceDeskId", "")) != self.service_desk_id:
            return self._sd_error(
                404, f"The service desk {body.get('serviceDeskId')!r} does not exist"
            )
        if str(body.get("requestTypeId", "")) != self.request_type_id:
            return self._sd_error(
                400, f"The request type {body.get('requestTypeId')!r} does not exist"
            )
        values = body.get("requestFieldValues")
        if not isinstance(values, dict):
            return self._sd_error(400, "requestFieldValues is required")
        allowed = {"summary", "description"} | (
            {"priority"} if self.priority_on_request_type else set()
        )
        extra = sorted(set(values) - allowed)
        if extra:
            return self._sd_error(400, f"The fields {extra} are not valid for this request type")
        summary = values.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            return self._sd_error(400, "Summary: You must specify a summary of the issue.")
        if len(summary) > 255:
            return self._sd_error(400, "Summary: must be less than 255 characters.")
        priority = "Medium"
        if "priority" in values:
            wanted = values["priority"]
            name = wanted.get("name") if isinstance(wanted, dict) else None
            if name not in _JSM_PRIORITIES:
                return self._sd_error(400, f"Priority: {wanted!r} is not a valid priority")
            priority = name
        number = next(self._ids)
        now = time.time()
        issue = _JsmIssue(
            issue_id=str(number),
            key=f"{self.project_key}-{number - 10000}",
            summary=summary,
            description=str(values.get("description", "")),
            priority=priority,
            status="Waiting for support",
            reporter=self.email,
            created=now,
            updated=now,
        )
        self.issues[issue.key] = issue
        return JSONResponse(self._request_json(request, issue), status_code=201)

    def _list(self, request: Request) -> Response:
        params = request.query_params
        ownership = params.getlist("requestOwnership")
        if any(o not in _JSM_OWNERSHIP for o in ownership):
            return self._sd_error(400, f"Invalid requestOwnership {ownership}")
        status = params.get("requestStatus", "ALL_REQUESTS")
        if status not in _JSM_REQUEST_STATUS:
            return self._sd_error(400, f"Invalid requestStatus {status!r}")
        desk = params.get("serviceDeskId")
        if desk is not None and desk != self.service_desk_id:
            return self._sd_error(404, f"The service desk {desk!r} does not exist")
        term = params.get("searchTerm", "").lower()
        start = int(params.get("start", "0"))
        limit = int(params.get("limit", "50"))
        found = [
            i
            for i in sorted(self.issues.values(), key=lambda i: i.updated, reverse=True)
            if term in i.summary.lower()
            and (not ownership or "ALL_REQUESTS" in ownership or i.reporter == self.email)
            and (
                status == "ALL_REQUESTS"
                or (status == "CLOSED_REQUESTS") == (_JSM_STATUSES[i.status][0] == "done")
            )
        ]
        page = found[start : start + limit]
        return JSONResponse(
            {
                "size": len(page),
                "start": start,
                "limit": limit,
                "isLastPage": start + limit >= len(found),
                "values": [self._request_json(request, i) for i in page],
                "_links": {},
            }
        )

    async def _request(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        issue = self._find(request.path_params["key"])
        if issue is None:
            return self._sd_error(
                404, "The request does not exist or you do not have access to it."
            )
        return JSONResponse(self._request_json(request, issue))

    async def _comment(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        issue = self._find(request.path_params["key"])
        if issue is None:
            return self._sd_error(
                404, "The request does not exist or you do not have access to it."
            )
        if request.method == "GET":
            wanted = {
                flag: request.query_params.get(flag, "true") for flag in ("public", "internal")
            }
            if any(v not in ("true", "false") for v in wanted.values()):
                return self._sd_error(400, "public and internal must be true or false")
            start_raw = request.query_params.get("start", "0")
            limit_raw = request.query_params.get("limit", "50")
            if not start_raw.isdigit() or not limit_raw.isdigit():
                return self._sd_error(400, "start and limit must be non-negative integers")
            start, limit = int(start_raw), min(int(limit_raw), 100)
            values = [
                {"id": str(n + 1), "body": c.text, "public": c.public}
                for n, c in enumerate(issue.comments)
                if wanted["public" if c.public else "internal"] == "true"
            ]
            page = values[start : start + limit]
            return JSONResponse(
                {
                    "size": len(page),
                    "start": start,
                    "limit": limit,
                    "isLastPage": start + limit >= len(values),
                    "values": page,
                }
            )
        ok, body = await _json_body(request)
        if not ok or not isinstance(body, dict):
            return self._sd_error(400, f"Bad request body: {body}")
        if sorted(set(body) - {"body", "public"}):
            return self._sd_error(
                400, f"Unrecognized fields {sorted(set(body) - {'body', 'public'})}"
            )
        if not isinstance(body.get("body"), str) or not body["body"].strip():
            return self._sd_error(400, "The comment body is required.")
        if "public" in body and not isinstance(body["public"], bool):
            return self._sd_error(400, "public must be true or false")
        comment = FakeComment(self.email, body["body"], bool(body.get("public", True)))
        issue.comments.append(comment)
        issue.updated = time.time()
        return JSONResponse(
            {
                "id": str(len(issue.comments)),
                "body": comment.text,
                "public": comment.public,
                "author": self._user(self.email),
                "created": self._date(issue.updated),
            },
            status_code=201,
        )

    def _offered(self, issue: _JsmIssue) -> dict[str, tuple[str, str]]:
        if issue.status == "Resolved":
            return dict(_JSM_REOPEN)
        return {} if _JSM_STATUSES[issue.status][0] == "done" else dict(_JSM_TRANSITIONS)

    async def _transition(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        issue = self._find(request.path_params["key"])
        if issue is None:
            return self._sd_error(
                404, "The request does not exist or you do not have access to it."
            )
        offered = self._offered(issue)
        if request.method == "GET":
            values = [{"id": tid, "name": name} for tid, (name, _) in offered.items()]
            return JSONResponse(
                {"size": len(values), "start": 0, "limit": 50, "isLastPage": True, "values": values}
            )
        ok, body = await _json_body(request)
        if not ok or not isinstance(body, dict):
            return self._sd_error(400, f"Bad request body: {body}")
        if sorted(set(body) - {"id", "additionalComment"}):
            return self._sd_error(400, "Unrecognized fields")
        target = offered.get(str(body.get("id")))
        if target is None:
            return self._sd_error(
                400, f"The transition {body.get('id')!r} is not valid for this request"
            )
        extra = body.get("additionalComment")
        if extra is not None:
            if not isinstance(extra, dict) or not isinstance(extra.get("body"), str):
                return self._sd_error(400, 'additionalComment must be {"body": text}')
            issue.comments.append(FakeComment(self.email, extra["body"], public=True))
        issue.status = target[1]
        issue.updated = time.time()
        return Response(status_code=204)

    async def _issue(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        issue = self._find(request.path_params["key"])
        if issue is None:
            return self._jira_error(
                404, ["Issue does not exist or you do not have permission to see it."]
            )
        if request.method == "PUT":
            ok, body = await _json_body(request)
            if not ok or not isinstance(body, dict) or not isinstance(body.get("fields", {}), dict):
                return self._jira_error(400, [f"Bad request body: {body}"])
            fields = body.get("fields", {})
            unknown = sorted(set(fields) - {"priority", "summary"})
            if unknown:
                return self._jira_error(
                    400,
                    [],
                    {
                        k: f"Field '{k}' cannot be set. It is not on the appropriate screen, or unknown."
                        for k in unknown
                    },
                )
            if "priority" in fields:
                wanted = fields["priority"]
                name = wanted.get("name") if isinstance(wanted, dict) else None
                if name not in _JSM_PRIORITIES:
                    return self._jira_error(
                        400,
                        [],
                        {"priority": "Specify the Priority (id or name) in the correct format"},
                    )
                issue.priority = name
            if "summary" in fields:
                if not isinstance(fields["summary"], str) or not fields["summary"].strip():
                    return self._jira_error(
                        400, [], {"summary": "You must specify a summary of the issue."}
                    )
                issue.summary = fields["summary"]
            issue.updated = time.time()
            return Response(status_code=204)
        site = f"{request.url.scheme}://{request.url.netloc}"
        category = _JSM_STATUSES[issue.status][0]
        all_fields: dict[str, Any] = {
            "summary": issue.summary,
            "status": {
                "name": issue.status,
                "statusCategory": {
                    "key": category,
                    "name": {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}[
                        category
                    ],
                },
            },
            "assignee": None if issue.assignee is None else self._user(issue.assignee),
            "priority": {"name": issue.priority, "id": _JSM_PRIORITIES[issue.priority]},
            "updated": dt.datetime.fromtimestamp(issue.updated, dt.UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.000%z"
            ),
        }
        wanted = request.query_params.get("fields")
        if wanted:
            names = {n.strip() for n in wanted.split(",")}
            all_fields = {k: v for k, v in all_fields.items() if k in names}
        return JSONResponse(
            {
                "id": issue.issue_id,
                "key": issue.key,
                "self": f"{site}/rest/api/3/issue/{issue.issue_id}",
                "fields": all_fields,
            }
        )

    # ---- test-side ---------------------------------------------------------------------

    def show(self, ticket_id: str) -> dict[str, Any] | None:
        issue = self._find(ticket_id)
        if issue is None:
            return None
        return {
            "status": issue.status,
            "priority": issue.priority,
            "assignee": None if issue.assignee is None else self.accounts[issue.assignee][1],
            "comments": [c.text for c in issue.comments],
        }

    def take(self, ticket_id: str) -> bool:
        issue = self._find(ticket_id)
        if issue is None:
            return False
        issue.assignee = "alice"
        issue.status = "In progress"
        issue.updated = time.time()
        return True

    def person_resolves(self, ticket_id: str) -> bool:
        issue = self._find(ticket_id)
        if issue is None:
            return False
        issue.status = "Resolved"
        issue.updated = time.time()
        return True

    def incident_tickets(self, incident_id: str) -> list[str]:
        tag = f"[{incident_id}]"
        return [k for k, i in self.issues.items() if i.summary.startswith(tag)]


# ======================================================================================
# Zendesk
# ======================================================================================

_ZD_FIELDS = frozenset(
    {
        "subject",
        "comment",
        "priority",
        "status",
        "type",
        "external_id",
        "tags",
        "group_id",
        "assignee_id",
        "assignee_email",
        "requester_id",
        "custom_fields",
        "due_at",
    }
)
_ZD_PRIORITIES = frozenset({"urgent", "high", "normal", "low"})
_ZD_STATUSES = frozenset({"new", "open", "pending", "hold", "solved", "closed"})
_ZD_TYPES = frozenset({"problem", "incident", "question", "task"})


class ZendeskFake(FakeSystem):
    """Tickets API v2 (``/api/v2/tickets``)."""

    name = "zendesk"
    email = "correlator@example.com"
    api_token = "zd-api-token-7"
    person = "Alice Operator"
    users: ClassVar[dict[int, dict[str, Any]]] = {
        9000: {
            "id": 9000,
            "name": "Correlator",
            "email": "correlator@example.com",
            "role": "agent",
        },
        9001: {"id": 9001, "name": "Alice Operator", "email": "alice@example.com", "role": "agent"},
        9002: {"id": 9002, "name": "Eve Customer", "email": "eve@example.com", "role": "end-user"},
    }

    def __init__(self) -> None:
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[FakeComment]] = {}
        self._ids = itertools.count(35436)
        super().__init__()

    def api_routes(self) -> list[Route]:
        return [
            Route("/api/v2/tickets.json", self._collection, methods=["GET", "POST"]),
            Route("/api/v2/tickets/{id:int}.json", self._ticket, methods=["GET", "PUT"]),
            Route("/api/v2/tickets/{id:int}/comments.json", self._comments, methods=["GET"]),
        ]

    @staticmethod
    def _invalid(field_name: str, message: str) -> Response:
        return JSONResponse(
            {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {field_name: [{"description": message, "error": "InvalidValue"}]},
            },
            status_code=422,
        )

    def _auth_error(self, request: Request) -> Response | None:
        if _basic(request) != (f"{self.email}/token", self.api_token):
            return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
        return None

    async def _ticket_body(self, request: Request) -> tuple[dict[str, Any], Response | None]:
        ok, body = await _json_body(request)
        if not ok or not isinstance(body, dict) or not isinstance(body.get("ticket"), dict):
            return {}, JSONResponse(
                {
                    "error": "InvalidEndpoint",
                    "description": 'The request body must be {"ticket": {...}}',
                },
                status_code=400,
            )
        ticket = body["ticket"]
        unknown = sorted(set(ticket) - _ZD_FIELDS)
        if unknown:  # Zendesk ignores unknown fields; the fake refuses them (module doc)
            return {}, self._invalid("base", f"unknown ticket fields {unknown}")
        for key, allowed in (
            ("priority", _ZD_PRIORITIES),
            ("status", _ZD_STATUSES),
            ("type", _ZD_TYPES),
        ):
            if key in ticket and ticket[key] not in allowed:
                return {}, self._invalid(key, f"{key.capitalize()}: {ticket[key]!r} is not valid")
        comment = ticket.get("comment")
        if comment is not None and (
            not isinstance(comment, dict)
            or not isinstance(comment.get("body", comment.get("html_body")), str)
            or not isinstance(comment.get("public", True), bool)
        ):
            return {}, self._invalid("comment", "comment must be {body: text, public: bool}")
        if "tags" in ticket and (
            not isinstance(ticket["tags"], list)
            or not all(isinstance(t, str) and " " not in t for t in ticket["tags"])
        ):
            return {}, self._invalid("tags", "tags must be a list of words")
        if "external_id" in ticket and not isinstance(ticket["external_id"], str | None):
            return {}, self._invalid("external_id", "external_id must be a string")
        if "assignee_email" in ticket:
            agent = self._agent_by_email(ticket["assignee_email"])
            if agent is None:
                return {}, self._invalid("assignee", "Assignee: is not an agent")
        return ticket, None

    def _agent_by_email(self, email: Any) -> int | None:
        return next(
            (u["id"] for u in self.users.values() if u["email"] == email and u["role"] == "agent"),
            None,
        )

    def _json(self, request: Request, ticket: dict[str, Any]) -> dict[str, Any]:
        site = f"{request.url.scheme}://{request.url.netloc}"
        return {**ticket, "url": f"{site}/api/v2/tickets/{ticket['id']}.json"}

    def _apply(
        self, ticket_id: int, ticket: dict[str, Any], changes: dict[str, Any]
    ) -> Response | None:
        changes = dict(changes)
        if "assignee_email" in changes:
            changes["assignee_id"] = self._agent_by_email(changes.pop("assignee_email"))
        status = changes.get("status", ticket["status"])
        if ticket["status"] != "new" and status == "new":
            return self._invalid("status", "Status: cannot be set back to new")
        if status == "solved" and changes.get("assignee_id", ticket["assignee_id"]) is None:
            return self._invalid("assignee", "Assignee: is required when solving a ticket")
        comment = changes.pop("comment", None)
        if comment is not None:
            text = str(comment.get("body", comment.get("html_body", "")))
            if not text.strip():
                return self._invalid("comment", "Comment: body cannot be blank")
            self.comments[ticket_id].append(
                FakeComment(self.email, text, bool(comment.get("public", True)))
            )
        ticket.update(changes)
        if (
            ticket["status"] == "new"
            and ticket["assignee_id"] is not None
            and "status" not in changes
        ):
            ticket["status"] = "open"  # Zendesk's rule: assigning a new ticket opens it
        ticket["updated_at"] = _now_iso()
        return None

    async def _collection(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        if request.method == "GET":
            external = request.query_params.get("external_id")
            found = [
                t for t in self.tickets.values() if external is None or t["external_id"] == external
            ]
            return JSONResponse(
                {
                    "tickets": [self._json(request, t) for t in found],
                    "next_page": None,
                    "previous_page": None,
                    "count": len(found),
                }
            )
        ticket, problem = await self._ticket_body(request)
        if problem is not None:
            return problem
        comment = ticket.get("comment")
        if (
            not isinstance(comment, dict)
            or not str(comment.get("body", comment.get("html_body", ""))).strip()
        ):
            return self._invalid("description", "Description: cannot be blank")
        ticket_id = next(self._ids)
        now = _now_iso()
        record: dict[str, Any] = {
            "id": ticket_id,
            "external_id": None,
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": now,
            "updated_at": now,
            "type": None,
            "subject": ticket.get("subject") or str(comment.get("body", ""))[:60],
            "raw_subject": ticket.get("subject") or "",
            "description": str(comment.get("body", "")),
            "priority": None,
            "status": "new",
            "recipient": None,
            "requester_id": 9000,
            "submitter_id": 9000,
            "assignee_id": None,
            "organization_id": None,
            "group_id": None,
            "collaborator_ids": [],
            "follower_ids": [],
            "tags": [],
            "custom_fields": [],
            "due_at": None,
        }
        self.tickets[ticket_id] = record
        self.comments[ticket_id] = []
        problem = self._apply(ticket_id, record, ticket)
        if problem is not None:
            del self.tickets[ticket_id]
            return problem
        record["raw_subject"] = record["subject"]
        return JSONResponse(
            {"ticket": self._json(request, record), "audit": {"events": []}},
            status_code=201,
            headers={
                "Location": f"{request.url.scheme}://{request.url.netloc}/api/v2/tickets/{ticket_id}.json"
            },
        )

    async def _ticket(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        ticket_id = int(request.path_params["id"])
        record = self.tickets.get(ticket_id)
        if record is None:
            return JSONResponse(
                {"error": "RecordNotFound", "description": "Not found"}, status_code=404
            )
        if request.method == "GET":
            answer: dict[str, Any] = {"ticket": self._json(request, record)}
            include = {i.strip() for i in request.query_params.get("include", "").split(",") if i}
            if "users" in include:
                ids = {record["requester_id"], record["submitter_id"], record["assignee_id"]}
                answer["users"] = [self.users[i] for i in sorted(i for i in ids if i is not None)]
            return JSONResponse(answer)
        if record["status"] == "closed":
            return self._invalid("status", "Status: closed prevents ticket update")
        changes, problem = await self._ticket_body(request)
        if problem is not None:
            return problem
        problem = self._apply(ticket_id, record, changes)
        if problem is not None:
            return problem
        return JSONResponse({"ticket": self._json(request, record), "audit": {"events": []}})

    async def _comments(self, request: Request) -> Response:
        problem = self._auth_error(request)
        if problem is not None:
            return problem
        ticket_id = int(request.path_params["id"])
        if ticket_id not in self.tickets:
            return JSONResponse(
                {"error": "RecordNotFound", "description": "Not found"}, status_code=404
            )
        order = request.query_params.get("sort_order", "asc")
        page_raw = request.query_params.get("page", "1")
        size_raw = request.query_params.get("per_page", "100")
        if order not in ("asc", "desc") or not page_raw.isdigit() or not size_raw.isdigit():
            return JSONResponse(
                {"error": "InvalidPaginationParameter", "description": "bad paging"},
                status_code=400,
            )
        page, size = max(int(page_raw), 1), min(max(int(size_raw), 1), 100)
        rows = [
            {"id": n + 1, "body": c.text, "plain_body": c.text, "public": c.public}
            for n, c in enumerate(self.comments[ticket_id])
        ]
        if order == "desc":
            rows.reverse()
        shown = rows[(page - 1) * size : page * size]
        base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
        more = page * size < len(rows)
        return JSONResponse(
            {
                "comments": shown,
                "next_page": f"{base}?page={page + 1}&per_page={size}" if more else None,
                "previous_page": f"{base}?page={page - 1}&per_page={size}" if page > 1 else None,
                "count": len(rows),
            }
        )

    # ---- test-side ---------------------------------------------------------------------

    def _record(self, ticket_id: str) -> dict[str, Any] | None:
        return self.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None

    def show(self, ticket_id: str) -> dict[str, Any] | None:
        record = self._record(ticket_id)
        if record is None:
            return None
        assignee = record["assignee_id"]
        return {
            "status": record["status"],
            "priority": record["priority"],
            "assignee": None if assignee is None else self.users[assignee]["name"],
            "comments": [c.text for c in self.comments[int(ticket_id)]],
        }

    def take(self, ticket_id: str) -> bool:
        record = self._record(ticket_id)
        if record is None:
            return False
        record.update(assignee_id=9001, status="open", updated_at=_now_iso())
        return True

    def person_resolves(self, ticket_id: str) -> bool:
        record = self._record(ticket_id)
        if record is None:
            return False
        if record["assignee_id"] is None:
            record["assignee_id"] = 9001
        record.update(status="solved", updated_at=_now_iso())
        return True

    def incident_tickets(self, incident_id: str) -> list[str]:
        return [str(i) for i, t in self.tickets.items() if t["external_id"] == incident_id]
