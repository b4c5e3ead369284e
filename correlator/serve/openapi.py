# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The operator API's OpenAPI 3.1 document, written by hand (``GET /api/v1/openapi.json``).

It is the contract the NOC page and other tools code against, and the schemathesis test
checks every answer of the daemon against it: a route, a status code or a field that
changes here changes in ``api.py`` too. :func:`document` builds a fresh dictionary.
"""

from __future__ import annotations

from typing import Any, Final

from correlator import __version__
from correlator.serve.topoview import MAX_DEPTH

JSON: Final = "application/json"
_PRIORITIES: Final = ["P1", "P2", "P3", "P4", "P5"]
_MAX_TEXT: Final = 4000


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _obj(
    required: list[str], properties: dict[str, Any], *, closed: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


_STR: Final = {"type": "string"}
_NUM: Final = {"type": "number"}
_INT: Final = {"type": "integer"}
_BOOL: Final = {"type": "boolean"}
_TEXT: Final = {"type": "string", "minLength": 1, "maxLength": _MAX_TEXT}

_ERROR_TEXT: Final = {
    400: "The request is malformed; `field` names the parameter or body key at fault.",
    401: "No bearer token, or one the daemon does not know.",
    403: "The token has the viewer role; this needs an operator.",
    404: "No such incident, window or node.",
    409: "The request conflicts with the state (the incident is not open, the window is "
    "already over, or this process does not run the stage that does it).",
    413: "The body is larger than `server.max_body_bytes`.",
    503: "The store cannot be read or written right now.",
}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": _ERROR_TEXT[code],
            "content": {JSON: {"schema": _ref("Error")}},
        }
        for code in codes
    }


def _ok(schema: dict[str, Any], description: str, status: int = 200) -> dict[str, Any]:
    return {str(status): {"description": description, "content": {JSON: {"schema": schema}}}}


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": schema}}}


_ID: Final = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The incident id, e.g. `INC-000042`.",
    "schema": {"type": "string"},
    "examples": {"first": {"value": "INC-000001"}, "second": {"value": "INC-000002"}},
}

_READ: Final = (400, 401, 503)
_WRITE: Final = (400, 401, 403, 404, 409, 413, 503)


def _schemas() -> dict[str, Any]:
    ticket = _obj(
        ["system", "id", "url", "status"],
        {"system": _STR, "id": _STR, "url": _nullable("string"), "status": _STR},
    )
    sla = _obj(
        ["state", "response_due", "resolution_due", "responded_at", "breached", "detail"],
        {
            "state": {"enum": ["ok", "warning", "breached", "met", "none"]},
            "response_due": _nullable("number"),
            "resolution_due": _nullable("number"),
            "responded_at": _nullable("number"),
            "breached": _array({"enum": ["response", "resolution"]}),
            "detail": _STR,
        },
    )
    summary_fields: dict[str, Any] = {
        "id": _STR,
        "title": _STR,
        "status": {"type": "string", "description": "`open` or `resolved`."},
        "priority": {"enum": _PRIORITIES},
        "team": _STR,
        "site": _nullable("string"),
        "root_cause": _nullable("string"),
        "root_cause_inferred": _BOOL,
        "opened_at": _NUM,
        "resolved_at": _nullable("number"),
        "updated_at": _NUM,
        "age_s": _NUM,
        "alert_count": _INT,
        "node_count": _INT,
        "active_alerts": _INT,
        "acknowledged_by": _nullable("string"),
        "acknowledged_at": _nullable("number"),
        "assignee": _nullable("string"),
        "ticket": {"oneOf": [{"type": "null"}, _ref("Ticket")]},
        "sla": {"oneOf": [{"type": "null"}, _ref("Sla")]},
        "flapping": _BOOL,
        "maintenance": _BOOL,
        "unconfirmed": {
            "type": "boolean",
            "description": "Every alert a Nagios/Icinga SOFT state so far: nobody paged yet.",
        },
        "merged_into": _nullable("string"),
        "major": _nullable("string", description="The major incident it belongs to."),
        "problem": _nullable("string", description="The problem record it belongs to."),
    }
    alert = _obj(
        ["source", "host", "node", "severity", "first_seen", "resolved_at"],
        {
            "source": _STR,
            "source_id": _STR,
            "host": _STR,
            "check": _nullable("string"),
            "node": _nullable("string"),
            "severity": _STR,
            "first_seen": _NUM,
            "resolved_at": _nullable("number"),
        },
    )
    detail_fields: dict[str, Any] = {
        "alerts": _array(alert),
        "nodes": _array(_STR),
        "events": _array(_STR),
        "explanation": _array(_STR),
        "priority_reason": _STR,
        "manual": _array(
            _obj(
                ["at", "actor", "action", "detail"],
                {"at": _NUM, "actor": _STR, "action": _STR, "detail": _STR},
            )
        ),
        "history": _array(
            _obj(
                ["at", "actor", "step", "detail", "system"],
                {
                    "at": _NUM,
                    "actor": _STR,
                    "step": _STR,
                    "detail": _STR,
                    "system": _nullable("string"),
                },
            )
        ),
        "notes": _array(_ref("Note")),
        "pages": _array(
            _obj(
                ["pager", "event", "level", "sent_at"],
                {
                    "pager": _STR,
                    "event": {"enum": ["trigger", "acknowledge", "resolve"]},
                    "level": _INT,
                    "sent_at": _NUM,
                },
            )
        ),
        "runbook": _nullable(
            "string", description="Where the engineer starts: the root's runbook."
        ),
        "paging": {
            "description": "What the paging policy decided (pages may be decided and not "
            "sent: no pager configured for the team, or a rate limit); null before dispatch "
            "decided anything.",
            "oneOf": [
                {"type": "null"},
                _obj(
                    ["decided", "last_priority", "pagers"],
                    {
                        "decided": _INT,
                        "last_priority": _nullable("string"),
                        "pagers": _array(_STR),
                    },
                ),
            ],
        },
        "tickets": _array(
            _obj(
                ["system", "id", "url", "status", "assignee"],
                {
                    "system": _STR,
                    "id": _STR,
                    "url": _nullable("string"),
                    "status": _STR,
                    "assignee": _nullable("string"),
                },
            )
        ),
    }
    unit = {"type": "number", "minimum": 0, "maximum": 1}
    topology = _obj(
        ["root", "inferred", "nodes", "edges"],
        {
            "root": _nullable("string"),
            "inferred": _BOOL,
            "nodes": _array(
                _obj(
                    [
                        "id",
                        "kind",
                        "site",
                        "team",
                        "label",
                        "alerting",
                        "severity",
                        "root",
                        "inferred_root",
                        "x",
                        "y",
                    ],
                    {
                        "id": _STR,
                        "kind": _STR,
                        "site": _nullable("string"),
                        "team": _nullable("string"),
                        "label": _STR,
                        "alerting": _BOOL,
                        "severity": _nullable("string"),
                        "root": _BOOL,
                        "inferred_root": _BOOL,
                        "x": unit,
                        "y": unit,
                    },
                )
            ),
            "edges": _array(
                _obj(
                    ["from", "to", "kind", "group"],
                    {
                        "from": {"type": "string", "description": "The dependent node."},
                        "to": {"type": "string", "description": "The node it depends on."},
                        "kind": {"enum": ["depends_on", "any_of"]},
                        "group": _nullable("string", description="The any_of group."),
                    },
                )
            ),
        },
    )
    strings = _array({"type": "string", "minLength": 1, "maxLength": 200}, maxItems=1000)
    window = _obj(
        [
            "id",
            "nodes",
            "sites",
            "tags",
            "starts_at",
            "ends_at",
            "reason",
            "created_by",
            "created_at",
            "ended_at",
            "ended_by",
            "active",
            "covers",
        ],
        {
            "id": _STR,
            "nodes": _array(_STR),
            "sites": _array(_STR),
            "tags": _array(_STR),
            "starts_at": _NUM,
            "ends_at": _nullable("number"),
            "reason": _STR,
            "created_by": _STR,
            "created_at": _NUM,
            "ended_at": _nullable("number"),
            "ended_by": _nullable("string"),
            "active": _BOOL,
            "covers": {**_array(_STR), "description": "The topology nodes it covers now."},
        },
    )
    epoch = {"type": "number", "minimum": 0, "maximum": 32503680000}
    window_request: dict[str, Any] = _obj(
        ["reason"],
        {
            "nodes": strings,
            "sites": strings,
            "tags": {**strings, "description": "`key=value`, or a bare `key`."},
            "starts_at": {**epoch, "description": "Epoch seconds; default: now."},
            "ends_at": {**epoch, "description": "Epoch seconds; none: until ended."},
            "duration_s": {"type": "number", "minimum": 1, "maximum": 31622400},
            "reason": _TEXT,
        },
        closed=True,
    )
    window_request["examples"] = [{"nodes": ["web-01"], "duration_s": 600, "reason": "patch"}]
    merge = _obj(["other"], {"other": {"type": "string", "minLength": 1}}, closed=True)
    merge["examples"] = [{"other": "INC-000002"}]
    reroot = _obj(["node"], {"node": {"type": "string", "minLength": 1}}, closed=True)
    reroot["examples"] = [{"node": "sw-01"}]
    return {
        "Error": _obj(
            ["error"],
            {
                "error": {"type": "string", "description": "One line saying what is wrong."},
                "field": {"type": "string", "description": "The parameter or key at fault."},
                "reason": {"type": "string", "description": "More detail (a loader error)."},
            },
        ),
        "Whoami": _obj(["name", "role"], {"name": _STR, "role": {"enum": ["viewer", "operator"]}}),
        "Ticket": ticket,
        "Sla": sla,
        "Summary": _obj(list(summary_fields), summary_fields),
        "Incidents": _obj(["incidents"], {"incidents": _array(_ref("Summary"))}),
        "Detail": _obj([*summary_fields, *detail_fields], {**summary_fields, **detail_fields}),
        "Topology": topology,
        "Note": _obj(["at", "actor", "text"], {"at": _NUM, "actor": _STR, "text": _STR}),
        "Window": window,
        "Windows": _obj(["windows"], {"windows": _array(_ref("Window"))}),
        "WindowRequest": window_request,
        "AckRequest": _obj([], {"note": _TEXT}, closed=True),
        "AssignRequest": _obj(["assignee"], {"assignee": {**_TEXT, "maxLength": 200}}, closed=True),
        "NoteRequest": _obj(["text"], {"text": _TEXT}, closed=True),
        "MergeRequest": merge,
        "SplitRequest": _obj(
            ["alerts"],
            {
                "alerts": _array(
                    _obj(
                        ["source", "source_id"],
                        {
                            "source": {"type": "string", "minLength": 1},
                            "source_id": {"type": "string", "minLength": 1},
                        },
                        closed=True,
                    ),
                    minItems=1,
                    maxItems=1000,
                )
            },
            closed=True,
        ),
        "RerootRequest": reroot,
        "Reload": _obj(["reloading", "nodes"], {"reloading": _STR, "nodes": _INT}),
        "Handover": {
            "type": "object",
            "description": "The shift handover (see `correlator handover`).",
            "required": ["since", "until", "open"],
        },
        "Report": {
            "type": "object",
            "description": "MTTA and MTTR per team and priority, alerts-to-incidents ratio, "
            "noisy checks and hourly buckets over the period.",
        },
    }


def _time_param(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": text, "schema": _STR}


_TIME_TEXT: Final = "a duration back from now (`8h`, `30m`, `2d`), ISO 8601, or epoch seconds"


def _incident_write(
    summary: str, body: str, answer: str, *, status: int = 200, optional: bool = False
) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "tags": ["incidents"],
            "parameters": [_ID],
            "requestBody": _body(_ref(body), required=not optional),
            "responses": {**_ok(_ref(answer), summary, status), **_errors(*_WRITE)},
        }
    }


def _handover(summary: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "tags": ["reports"],
            "parameters": [
                _time_param("since", f"Start of the shift (default 8h): {_TIME_TEXT}."),
                _time_param("until", f"End of the shift (default now): {_TIME_TEXT}."),
                {
                    "name": "format",
                    "in": "query",
                    "required": False,
                    "schema": {"enum": ["json", "markdown"], "default": "json"},
                },
            ],
            "responses": {
                "200": {
                    "description": "The handover.",
                    "content": {
                        JSON: {"schema": _ref("Handover")},
                        "text/markdown": {"schema": _STR},
                    },
                },
                **_errors(*_READ),
            },
        }
    }


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document.",
                "tags": ["meta"],
                "security": [],
                "responses": _ok({"type": "object"}, "The OpenAPI document."),
            }
        },
        "/api/v1/whoami": {
            "get": {
                "summary": "Who the token belongs to, and its role.",
                "tags": ["meta"],
                "responses": {**_ok(_ref("Whoami"), "The caller."), **_errors(401)},
            }
        },
        "/api/v1/incidents": {
            "get": {
                "summary": "List incidents: open ones by priority then age, then the others.",
                "tags": ["incidents"],
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "schema": {"enum": ["open", "resolved", "all"], "default": "open"},
                    },
                    {
                        "name": "priority",
                        "in": "query",
                        "required": False,
                        "description": "Repeat for several priorities.",
                        "schema": _array({"enum": _PRIORITIES}),
                        "style": "form",
                        "explode": True,
                    },
                    {"name": "team", "in": "query", "required": False, "schema": _STR},
                    {"name": "site", "in": "query", "required": False, "schema": _STR},
                    _time_param("since", f"Still open at or after this time: {_TIME_TEXT}."),
                    _time_param("until", f"Opened at or before this time: {_TIME_TEXT}."),
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 5000,
                            "default": 500,
                        },
                    },
                ],
                "responses": {**_ok(_ref("Incidents"), "The incidents."), **_errors(*_READ)},
            }
        },
        "/api/v1/incidents/{id}": {
            "get": {
                "summary": "One incident with its alerts, reasons, history, notes, pages, tickets.",
                "tags": ["incidents"],
                "parameters": [_ID],
                "responses": {**_ok(_ref("Detail"), "The incident."), **_errors(401, 404, 503)},
            }
        },
        "/api/v1/incidents/{id}/topology": {
            "get": {
                "summary": "The topology around the incident, laid out in layers.",
                "tags": ["incidents"],
                "parameters": [
                    _ID,
                    {
                        "name": "depth",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": MAX_DEPTH,
                            "default": 2,
                        },
                    },
                ],
                "responses": {
                    **_ok(_ref("Topology"), "Nodes (x, y in [0, 1]) and edges."),
                    **_errors(400, 401, 404, 503),
                },
            }
        },
        "/api/v1/incidents/{id}/ack": _incident_write(
            "Acknowledge the incident (optionally with a note).",
            "AckRequest",
            "Summary",
            optional=True,
        ),
        "/api/v1/incidents/{id}/assign": _incident_write(
            "Assign the incident to someone.", "AssignRequest", "Summary"
        ),
        "/api/v1/incidents/{id}/notes": _incident_write(
            "Add a note to the incident.", "NoteRequest", "Note", status=201
        ),
        "/api/v1/incidents/{id}/merge": _incident_write(
            "Fold another incident into this one.", "MergeRequest", "Summary"
        ),
        "/api/v1/incidents/{id}/split": _incident_write(
            "Move alerts out into a new incident (answers the new incident).",
            "SplitRequest",
            "Summary",
            status=201,
        ),
        "/api/v1/incidents/{id}/reroot": _incident_write(
            "Make a node the root cause, by hand.", "RerootRequest", "Summary"
        ),
        "/api/v1/maintenance": {
            "get": {
                "summary": "Maintenance windows, oldest first.",
                "tags": ["maintenance"],
                "parameters": [
                    {
                        "name": "active",
                        "in": "query",
                        "required": False,
                        "description": "true: only those in force now; false: only the others.",
                        "schema": {"enum": ["true", "false"]},
                    }
                ],
                "responses": {**_ok(_ref("Windows"), "The windows."), **_errors(400, 401)},
            },
            "post": {
                "summary": "Open a maintenance window on nodes, sites or tags.",
                "tags": ["maintenance"],
                "requestBody": _body(_ref("WindowRequest")),
                "responses": {
                    **_ok(_ref("Window"), "The window.", 201),
                    **_errors(400, 401, 403, 413, 503),
                },
            },
        },
        "/api/v1/maintenance/{id}/end": {
            "post": {
                "summary": "End a maintenance window now.",
                "tags": ["maintenance"],
                "parameters": [
                    {
                        **_ID,
                        "description": "The window id, e.g. `MW-000001`.",
                        "examples": {"first": {"value": "MW-000001"}},
                    }
                ],
                "responses": {
                    **_ok(_ref("Window"), "The window."),
                    **_errors(401, 403, 404, 409, 503),
                },
            }
        },
        "/api/v1/topology/reload": {
            "post": {
                "summary": "Load the topology file again and apply it if it is valid.",
                "description": "Also accepts the intake's `auth_token`.",
                "tags": ["topology"],
                "responses": {
                    **_ok(_ref("Reload"), "Loaded; applied before the next batch.", 202),
                    **_errors(400, 401, 403, 409),
                },
            }
        },
        "/api/v1/stream": {
            "get": {
                "summary": "Server-sent events: `hello`, then `incident` (a Summary) per change.",
                "description": "A `: keepalive` comment every 15 s. A client that falls "
                "behind is disconnected (its EventSource reconnects).",
                "tags": ["incidents"],
                "responses": {
                    "200": {
                        "description": "The event stream.",
                        "content": {"text/event-stream": {"schema": _STR}},
                    },
                    **_errors(401),
                },
            }
        },
        "/api/v1/handover": _handover("The shift handover of [since, until)."),
        "/api/handover": _handover(
            "The shift handover of [since, until), exactly as /api/v1/handover (a shorter "
            "address for the dispatch desk)."
        ),
        "/api/v1/reports": {
            "get": {
                "summary": "MTTA, MTTR, noise reduction and noisy checks over a period.",
                "tags": ["reports"],
                "parameters": [
                    _time_param("since", f"Start of the period (default 24h): {_TIME_TEXT}."),
                    _time_param("until", f"End of the period (default now): {_TIME_TEXT}."),
                ],
                "responses": {**_ok(_ref("Report"), "The report."), **_errors(*_READ)},
            }
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the operator API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "correlator operator API",
            "version": __version__,
            "description": "Incidents, their topology and explanation, operator actions "
            "(acknowledge, assign, note, merge, split, re-root), maintenance windows, the "
            "live stream, the shift handover and reports. Authenticate with "
            "`Authorization: Bearer <token>` (or `?access_token=` on GET); viewer tokens "
            'read, operator tokens also write. Errors are `{"error", "field"?}`.',
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"query": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "query": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "access_token",
                    "description": "GET requests only (EventSource, kiosk screens).",
                },
            },
            "schemas": _schemas(),
        },
        "paths": _paths(),
    }
