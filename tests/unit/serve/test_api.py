# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The operator API against real stages: SQLite store, in-memory bus, engine and dispatch.

Alerts are published on the bus as the intake would; the correlator and dispatch loops
run as tasks, so incidents reach the store as in the daemon, and the API is called
through httpx's ASGI transport.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from structlog.testing import capture_logs

from connectors.base import ParseContext
from connectors.registry import connectors_by_name
from correlator.bus.codec import event_record
from correlator.bus.memory import InMemoryBus
from correlator.bus.topics import Topics
from correlator.clock import WallClock
from correlator.correlate.engine import Engine
from correlator.correlate.service import CorrelatorService
from correlator.correlate.settings import EngineSettings
from correlator.dispatch.service import DispatchService
from correlator.dispatch.settings import DispatchSettings
from correlator.serve.api import ApiContext, api_app, page_routes
from correlator.serve.auth import ApiToken, Authenticator
from correlator.serve.openapi import document
from correlator.serve.operations import Operations
from correlator.serve.stream import StreamHub
from correlator.store.sqlite import SqliteStore
from topology.model import Dependency, NodeSpec, Topology, build

TIMEOUT_S = 20.0
VIEWER = {"authorization": "Bearer wall-secret"}
OPERATOR = {"authorization": "Bearer alice-secret"}
TOKENS = [
    ApiToken("noc-wall", "wall-secret", "viewer"),
    ApiToken("alice", "alice-secret", "operator"),
]


def _topology() -> Topology:
    """Two sites with nothing in common: Brussels (a switch and two web servers behind
    it) and Amsterdam (a switch and a database)."""
    return build(
        [
            NodeSpec("sw-bru", kind="switch", site="bru", team="network"),
            NodeSpec(
                "web-bru-1",
                site="bru",
                tags={"role": "web"},
                depends_on=(Dependency(("sw-bru",)),),
            ),
            NodeSpec(
                "web-bru-2",
                site="bru",
                tags={"role": "web"},
                depends_on=(Dependency(("sw-bru",)),),
            ),
            NodeSpec("sw-ams", kind="switch", site="ams", team="network"),
            NodeSpec(
                "db-ams-1", kind="database", site="ams", depends_on=(Dependency(("sw-ams",)),)
            ),
        ],
        "test-topology",
    )


@dataclass
class World:
    """The running stages and a client of the API."""

    client: httpx.AsyncClient
    bus: InMemoryBus
    topics: Topics
    ops: Operations
    hub: StreamHub
    clock: WallClock

    async def host_down(self, host: str, problem_id: int) -> None:
        """Publish a Nagios host-down alert as the intake would."""
        payload = {
            "NOTIFICATIONTYPE": "PROBLEM",
            "HOSTNAME": host,
            "HOSTSTATE": "DOWN",
            "HOSTSTATETYPE": "HARD",
            "HOSTOUTPUT": "CRITICAL - Host Unreachable",
            "HOSTPROBLEMID": str(problem_id),
        }
        context = ParseContext(received_at=self.clock.now())
        events = connectors_by_name()["nagios"].parse(payload, context)
        await self.bus.publish([event_record(self.topics.alerts, e) for e in events])

    async def incidents(self, **params: Any) -> list[dict[str, Any]]:
        """The incident list as the operator sees it."""
        answer = await self.client.get("/api/v1/incidents", params=params, headers=OPERATOR)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["incidents"]
        return found

    async def wait_for(self, what: str, condition: Callable[[], Any]) -> Any:
        """Poll ``condition`` (a coroutine function) until it returns something truthy."""
        deadline = asyncio.get_running_loop().time() + TIMEOUT_S
        while True:
            found = await condition()
            if found:
                return found
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)

    async def open_incident(self, host: str, problem_id: int) -> dict[str, Any]:
        """Post a host down and wait for the open incident it makes."""
        await self.host_down(host, problem_id)

        async def found() -> dict[str, Any] | None:
            for summary in await self.incidents():
                if summary["alert_count"] and host in _hosts(await self.detail(summary["id"])):
                    return summary
            return None

        result: dict[str, Any] = await self.wait_for(f"an incident for {host}", found)
        return result

    async def detail(self, incident_id: str) -> dict[str, Any]:
        """One incident's detail."""
        answer = await self.client.get(f"/api/v1/incidents/{incident_id}", headers=VIEWER)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def _hosts(detail: dict[str, Any]) -> set[str]:
    return {a["host"] for a in detail["alerts"]}


@asynccontextmanager
async def _world(tmp_path: Path, tokens: list[ApiToken] | None = None) -> AsyncIterator[World]:
    clock = WallClock()
    topology = _topology()
    store = SqliteStore(tmp_path / "correlator.db", clock=clock)
    await store.open()
    bus = InMemoryBus()
    await bus.start()
    topics = Topics()
    ops = Operations(store, clock=clock, topology=topology)
    await ops.load()
    hub = StreamHub(ops.summary, queue_size=8)
    engine = Engine(topology, EngineSettings(window_s=2.0))
    correlator = CorrelatorService(
        bus, topics, engine, clock, poll_s=0.02, maintenance=ops.maintenance
    )
    dispatch = DispatchService(
        bus,
        topics,
        store,
        topology,
        settings=DispatchSettings(),
        clock=clock,
        hold_s=engine.settings.hold_s,
        poll_s=0.02,
        on_change=hub.changed,
    )
    ops.attach(dispatch=dispatch, correlator=correlator)
    auth = Authenticator(TOKENS if tokens is None else tokens)
    app = Starlette(routes=[Mount("/api/v1", app=api_app(ApiContext(ops, hub, auth)))])
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(correlator.run(stop)),
        asyncio.create_task(dispatch.run(stop)),
        asyncio.create_task(hub.run(stop)),
    ]
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield World(client, bus, topics, ops, hub, clock)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), TIMEOUT_S)
        await bus.stop()
        await store.close()


# ---- the contract --------------------------------------------------------------------------


def test_openapi_documents_every_route() -> None:
    """Every route of the API app, and the JSON handover beside the page, is in the OpenAPI
    document with its methods, and back."""
    ops = Operations(None, clock=WallClock(), topology=_topology())  # type: ignore[arg-type]
    context = ApiContext(ops, StreamHub(ops.summary), Authenticator([]))
    app = api_app(context)
    served: set[tuple[str, str]] = set()
    for route in app.routes:
        assert isinstance(route, Route)
        for method in route.methods or ():
            if method != "HEAD":
                served.add((f"/api/v1{route.path}", method.lower()))
    for route in page_routes(context):
        assert isinstance(route, Route)
        if route.path.startswith("/api/"):
            served |= {(route.path, m.lower()) for m in route.methods or () if m != "HEAD"}
    spec = document()
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert ("/api/handover", "get") in served
    assert served | {("/api/v1/topology/reload", "post")} == documented
    assert spec["openapi"].startswith("3.1")


async def test_openapi_is_public_and_the_rest_needs_a_token(tmp_path: Path) -> None:
    """The document is served without a token; other routes answer 401 without one."""
    async with _world(tmp_path) as world:
        spec = await world.client.get("/api/v1/openapi.json")
        assert spec.status_code == 200
        assert spec.json()["info"]["title"] == "correlator operator API"
        denied = await world.client.get("/api/v1/incidents")
        assert denied.status_code == 401
        assert denied.json() == {"error": "missing bearer token"}
        assert denied.headers["www-authenticate"] == "Bearer"


async def test_whoami_and_the_query_token(tmp_path: Path) -> None:
    """whoami names the caller and role; ?access_token= works on GET."""
    async with _world(tmp_path) as world:
        me = await world.client.get("/api/v1/whoami", headers=OPERATOR)
        assert me.json() == {"name": "alice", "role": "operator"}
        wall = await world.client.get("/api/v1/whoami", params={"access_token": "wall-secret"})
        assert wall.json() == {"name": "noc-wall", "role": "viewer"}


async def test_anonymous_operator_without_tokens(tmp_path: Path) -> None:
    """With no token configured the caller is the operator 'anonymous'."""
    async with _world(tmp_path, tokens=[]) as world:
        me = await world.client.get("/api/v1/whoami")
        assert me.json() == {"name": "anonymous", "role": "operator"}


async def test_unknown_routes_answer_json(tmp_path: Path) -> None:
    """An unknown path under /api/v1 is a JSON 404, a wrong method a JSON 405."""
    async with _world(tmp_path) as world:
        missing = await world.client.get("/api/v1/nothing-here", headers=OPERATOR)
        assert missing.status_code == 404
        assert missing.json() == {"error": "no such route"}
        wrong = await world.client.delete("/api/v1/incidents", headers=OPERATOR)
        assert wrong.status_code == 405
        assert "error" in wrong.json()


# ---- reading ---------------------------------------------------------------------------------


async def test_incident_appears_in_the_list_and_detail(tmp_path: Path) -> None:
    """A host down becomes an open incident, listed with its summary and shown in detail."""
    async with _world(tmp_path) as world:
        summary = await world.open_incident("db-ams-1", 1)
        assert summary["status"] == "open"
        assert summary["root_cause"] == "db-ams-1"
        assert summary["site"] == "ams"
        assert summary["active_alerts"] == 1
        assert summary["acknowledged_by"] is None
        detail = await world.detail(summary["id"])
        assert detail["alerts"][0]["source_id"]
        assert detail["explanation"]
        assert detail["history"] == []
        assert detail["notes"] == []
        assert detail["runbook"] is None  # no node runbook, no runbook rule
        # inside its opening hold: dispatch has decided no page yet, and sent none
        assert detail["paging"] == {"decided": 0, "last_priority": None, "pagers": []}


async def test_filters_and_their_errors(tmp_path: Path) -> None:
    """The list filters by status, priority, site; a bad filter is a 400 naming it."""
    async with _world(tmp_path) as world:
        summary = await world.open_incident("db-ams-1", 1)
        assert [s["id"] for s in await world.incidents(site="ams")] == [summary["id"]]
        assert await world.incidents(site="bru") == []
        assert await world.incidents(status="resolved") == []
        assert len(await world.incidents(status="all", priority=summary["priority"])) == 1
        assert await world.incidents(since="1h", until="1m") == []
        for params, field in [
            ({"status": "closed"}, "status"),
            ({"priority": "P9"}, "priority"),
            ({"limit": "0"}, "limit"),
            ({"limit": "many"}, "limit"),
            ({"since": "yesterday-ish"}, "since"),
        ]:
            answer = await world.client.get("/api/v1/incidents", params=params, headers=VIEWER)
            assert answer.status_code == 400, params
            assert answer.json()["field"] == field


async def test_unknown_incident_is_404(tmp_path: Path) -> None:
    """Reading or acting on an incident the store does not know is a JSON 404."""
    async with _world(tmp_path) as world:
        for answer in [
            await world.client.get("/api/v1/incidents/INC-999999", headers=VIEWER),
            await world.client.get("/api/v1/incidents/INC-999999/topology", headers=VIEWER),
            await world.client.post("/api/v1/incidents/INC-999999/ack", headers=OPERATOR),
            await world.client.post(
                "/api/v1/incidents/INC-999999/notes", json={"text": "x"}, headers=OPERATOR
            ),
        ]:
            assert answer.status_code == 404
            assert answer.json() == {"error": "incident 'INC-999999' not found"}


async def test_topology_neighbourhood(tmp_path: Path) -> None:
    """The detail graph holds the root and its switch, laid out with the switch below."""
    async with _world(tmp_path) as world:
        summary = await world.open_incident("db-ams-1", 1)
        path = f"/api/v1/incidents/{summary['id']}/topology"
        graph = (await world.client.get(path, headers=VIEWER)).json()
        nodes = {n["id"]: n for n in graph["nodes"]}
        assert set(nodes) == {"db-ams-1", "sw-ams"}
        assert nodes["db-ams-1"]["root"]
        assert nodes["db-ams-1"]["alerting"]
        assert nodes["db-ams-1"]["severity"] == "critical"
        assert nodes["sw-ams"]["y"] > nodes["db-ams-1"]["y"]
        assert graph["edges"] == [
            {"from": "db-ams-1", "to": "sw-ams", "kind": "depends_on", "group": None}
        ]
        bad = await world.client.get(path, params={"depth": "99"}, headers=VIEWER)
        assert bad.status_code == 400
        assert bad.json()["field"] == "depth"


# ---- writing through dispatch ------------------------------------------------------------------


async def test_acknowledge_records_the_person(tmp_path: Path) -> None:
    """An operator's ack is answered with the summary, recorded in history and logged."""
    async with _world(tmp_path) as world:
        summary = await world.open_incident("db-ams-1", 1)
        path = f"/api/v1/incidents/{summary['id']}/ack"
        with capture_logs() as logs:
            answer = await world.client.post(path, json={"note": "on it"}, headers=OPERATOR)
        assert answer.status_code == 200, answer.text
        assert answer.json()["acknowledged_by"] == "alice"
        actions = [e for e in logs if e["event"] == "operator_action"]
        assert actions == [
            {
                "event": "operator_action",
                "log_level": "info",
                "actor": "alice",
                "role": "operator",
                "action": "acknowledge",
                "incident": summary["id"],
                "note": True,
            }
        ]
        detail = await world.detail(summary["id"])
        assert ("alice", "acknowledged") in {(h["actor"], h["step"]) for h in detail["history"]}
        assert [(n["actor"], n["text"]) for n in detail["notes"]] == [("alice", "on it")]


async def test_viewer_cannot_write(tmp_path: Path) -> None:
    """A viewer's ack, note or maintenance window is refused with 403 and changes nothing."""
    async with _world(tmp_path) as world:
        summary = await world.open_incident("db-ams-1", 1)
        for path, body in [
            (f"/api/v1/incidents/{summary['id']}/ack", {}),
            (f"/api/v1/incidents/{summary['id']}/notes", {"text": "hi"}),
            ("/api/v1/maintenance", {"nodes": ["sw-ams"], "reason": "x"}),
        ]:
            answer = await world.client.post(path, json=body, headers=VIEWER)
            assert answer.status_code == 403
            assert "viewer" in answer.json()["error"]
        assert (await world.detail(summary["id"]))["acknowledged_by"] is None


async def test_assign_and_note(tmp_path: Path) -> None:
    """Assigning names the assignee in the summary; a note is 201 and listed in the detail."""
    async with _world(tmp_path) as world:
        summary = await world.open_incident("db-ams-1", 1)
        base = f"/api/v1/incidents/{summary['id']}"
        assigned = await world.client.post(
            f"{base}/assign", json={"assignee": "bob"}, headers=OPERATOR
        )
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["assignee"] == "bob"
        note = await world.client.post(
            f"{base}/notes", json={"text": "vendor called"}, headers=OPERATOR
        )
        assert note.status_code == 201
        assert note.json()["actor"] == "alice"
        detail = await world.detail(summary["id"])
        assert [n["text"] for n in detail["notes"]] == ["vendor called"]


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("assign", {}, "assignee"),
        ("assign", {"assignee": ""}, "assignee"),
        ("assign", {"assignee": "bob", "extra": 1}, "extra"),
        ("notes", {"text": 5}, "text"),
        ("notes", {"text": "x" * 5000}, "text"),
        ("ack", {"note": ["x"]}, "note"),
        ("merge", {}, "other"),
        ("split", {"alerts": []}, "alerts"),
        ("split", {"alerts": [{"source": "nagios"}]}, "alerts"),
        ("reroot", {"node": None}, "node"),
    ],
)
async def test_bad_bodies_name_the_field(
    tmp_path: Path, route: str, body: dict[str, Any], field: str
) -> None:
    """A body with a missing, wrong or unknown key is a 400 naming that key."""
    async with _world(tmp_path) as world:
        answer = await world.client.post(
            f"/api/v1/incidents/INC-000001/{route}", json=body, headers=OPERATOR
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == field


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'{"text": NaN}', b"\xff\xfe"])
async def test_malformed_json_is_400(tmp_path: Path, raw: bytes) -> None:
    """A body that is not a JSON object is a 400, never a 500."""
    async with _world(tmp_path) as world:
        answer = await world.client.post(
            "/api/v1/incidents/INC-000001/notes", content=raw, headers=OPERATOR
        )
        assert answer.status_code == 400
        assert "error" in answer.json()


# ---- writing through the engine -------------------------------------------------------------


async def test_merge_folds_one_incident_into_another(tmp_path: Path) -> None:
    """Merging answers the surviving incident; the other is resolved into it; history says who."""
    async with _world(tmp_path) as world:
        first = await world.open_incident("db-ams-1", 1)
        second = await world.open_incident("web-bru-1", 2)
        assert first["id"] != second["id"]
        path = f"/api/v1/incidents/{first['id']}/merge"
        answer = await world.client.post(path, json={"other": second["id"]}, headers=OPERATOR)
        assert answer.status_code == 200, answer.text
        assert answer.json()["alert_count"] == 2

        async def merged() -> bool:
            detail = await world.detail(second["id"])
            return detail["merged_into"] == first["id"]

        await world.wait_for("the other incident merged", merged)
        history = (await world.detail(first["id"]))["history"]
        assert any(h["actor"] == "alice" and "merged" in h["detail"] for h in history)
        itself = await world.client.post(path, json={"other": first["id"]}, headers=OPERATOR)
        assert itself.status_code == 409
        unknown = await world.client.post(path, json={"other": "INC-424242"}, headers=OPERATOR)
        assert unknown.status_code == 404


async def test_split_and_reroot(tmp_path: Path) -> None:
    """Splitting an alert out answers a new incident (201); re-rooting sets the root by hand."""
    async with _world(tmp_path) as world:
        await world.host_down("web-bru-1", 1)
        summary = await world.open_incident("web-bru-2", 2)

        async def both() -> dict[str, Any] | None:
            detail = await world.detail(summary["id"])
            return detail if len(detail["alerts"]) == 2 else None

        detail = await world.wait_for("both web servers in one incident", both)
        alert = next(a for a in detail["alerts"] if a["host"] == "web-bru-2")
        split = await world.client.post(
            f"/api/v1/incidents/{summary['id']}/split",
            json={"alerts": [{"source": alert["source"], "source_id": alert["source_id"]}]},
            headers=OPERATOR,
        )
        assert split.status_code == 201, split.text
        new = split.json()
        assert new["id"] != summary["id"]
        assert new["alert_count"] == 1

        reroot = await world.client.post(
            f"/api/v1/incidents/{new['id']}/reroot", json={"node": "sw-bru"}, headers=OPERATOR
        )
        assert reroot.status_code == 200, reroot.text
        assert reroot.json()["root_cause"] == "sw-bru"
        unknown = await world.client.post(
            f"/api/v1/incidents/{new['id']}/reroot", json={"node": "nowhere"}, headers=OPERATOR
        )
        assert unknown.status_code == 404


# ---- maintenance windows ---------------------------------------------------------------------------


async def test_maintenance_window_lifecycle(tmp_path: Path) -> None:
    """A window on a site covers its nodes for the correlator until an operator ends it."""
    async with _world(tmp_path) as world:
        answer = await world.client.post(
            "/api/v1/maintenance",
            json={"sites": ["bru"], "duration_s": 3600, "reason": "switch upgrade"},
            headers=OPERATOR,
        )
        assert answer.status_code == 201, answer.text
        window = answer.json()
        assert window["created_by"] == "alice"
        assert window["active"]
        assert window["covers"] == ["sw-bru", "web-bru-1", "web-bru-2"]
        assert world.ops.maintenance(world.clock.now()) == frozenset(window["covers"])
        listed = await world.client.get(
            "/api/v1/maintenance", params={"active": "true"}, headers=VIEWER
        )
        assert [w["id"] for w in listed.json()["windows"]] == [window["id"]]

        ended = await world.client.post(f"/api/v1/maintenance/{window['id']}/end", headers=OPERATOR)
        assert ended.status_code == 200
        assert ended.json()["ended_by"] == "alice"
        assert world.ops.maintenance(world.clock.now()) == frozenset()
        again = await world.client.post(f"/api/v1/maintenance/{window['id']}/end", headers=OPERATOR)
        assert again.status_code == 409
        missing = await world.client.post("/api/v1/maintenance/MW-9/end", headers=OPERATOR)
        assert missing.status_code == 404


async def test_maintenance_by_tag_survives_a_restart(tmp_path: Path) -> None:
    """A window by tag is saved in the store and read back by a new layer."""
    async with _world(tmp_path) as world:
        answer = await world.client.post(
            "/api/v1/maintenance",
            json={"tags": ["role=web"], "reason": "patching"},
            headers=OPERATOR,
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["ends_at"] is None
        again = Operations(world.ops.store, clock=world.clock, topology=_topology())
        await again.load()
        assert again.maintenance(world.clock.now()) == {"web-bru-1", "web-bru-2"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "nothing named"}, "nodes"),
        ({"nodes": ["nowhere"], "reason": "x"}, "nodes"),
        ({"sites": ["paris"], "reason": "x"}, "sites"),
        ({"tags": ["role=mail"], "reason": "x"}, "tags"),
        ({"nodes": ["sw-bru"]}, "reason"),
        ({"nodes": ["sw-bru"], "reason": "x", "duration_s": 0}, "duration_s"),
        ({"nodes": ["sw-bru"], "reason": "x", "duration_s": 60, "ends_at": 9e9}, "duration_s"),
        ({"nodes": ["sw-bru"], "reason": "x", "starts_at": 2e9, "ends_at": 1.9e9}, "ends_at"),
        ({"nodes": ["sw-bru"], "reason": "x", "ends_at": 1000}, "ends_at"),
        ({"nodes": "sw-bru", "reason": "x"}, "nodes"),
        ({"nodes": ["sw-bru"], "reason": "x", "starts_at": "now"}, "starts_at"),
        ({"nodes": ["sw-bru"], "reason": "x", "why": "y"}, "why"),
    ],
)
async def test_bad_maintenance_windows(tmp_path: Path, body: dict[str, Any], field: str) -> None:
    """A window that names nothing known, ends before it starts or lacks a reason is a 400."""
    async with _world(tmp_path) as world:
        answer = await world.client.post("/api/v1/maintenance", json=body, headers=OPERATOR)
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == field
        assert world.ops.windows() == []


# ---- the live stream ---------------------------------------------------------------------------------


async def test_changes_reach_the_stream_hub(tmp_path: Path) -> None:
    """Dispatch's writes reach a subscribed client as incident events with the summary."""
    async with _world(tmp_path) as world:
        client = world.hub.subscribe()
        events = world.hub.events(client, {"name": "alice", "role": "operator"})
        hello = await anext(events)
        assert hello.startswith("event: hello\n")
        summary = await world.open_incident("db-ams-1", 1)
        event = await asyncio.wait_for(anext(events), TIMEOUT_S)
        kind, data = event.strip().split("\n")
        assert kind == "event: incident"
        assert json.loads(data.removeprefix("data: "))["id"] == summary["id"]
        await events.aclose()
        assert world.hub.clients == 0
