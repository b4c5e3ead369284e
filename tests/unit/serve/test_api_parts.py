# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The API's pure parts: the stream hub, the topology layout, the listing and the windows."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from correlator.serve.operations import IncidentQuery, listing_order, matches, window_nodes
from correlator.serve.stream import StreamHub, sse
from correlator.serve.topoview import neighbourhood
from correlator.store.protocol import MaintenanceWindow
from topology.model import Dependency, NodeSpec, Topology, build


def _topology() -> Topology:
    """A service on two redundant web servers behind a switch, on two cores, on one power."""
    return build(
        [
            NodeSpec("power", kind="power"),
            NodeSpec("core-1", depends_on=(Dependency(("power",)),)),
            NodeSpec("core-2", depends_on=(Dependency(("power",)),)),
            NodeSpec(
                "sw", kind="switch", site="bru", depends_on=(Dependency(("core-1", "core-2")),)
            ),
            NodeSpec("web-1", site="bru", tags={"role": "web"}, depends_on=(Dependency(("sw",)),)),
            NodeSpec("web-2", site="bru", tags={"role": "web"}, depends_on=(Dependency(("sw",)),)),
            NodeSpec("shop", kind="service", depends_on=(Dependency(("web-1", "web-2")),)),
            NodeSpec("far", site="ams"),
        ],
        "test",
    )


# ---- the stream hub ---------------------------------------------------------------------------------


async def _summaries(incident_id: str) -> dict[str, Any] | None:
    return None if incident_id == "gone" else {"id": incident_id}


async def test_hub_sends_hello_then_changes() -> None:
    """A client gets hello, then one incident event per change with the summary."""
    hub = StreamHub(_summaries)
    client = hub.subscribe()
    events = hub.events(client, {"name": "wall", "role": "viewer"})
    assert await anext(events) == sse("hello", {"name": "wall", "role": "viewer"})
    hub.changed("INC-000001")
    hub.changed("gone")  # no longer in the store: nothing to send
    await hub.flush()
    event = await anext(events)
    assert event == 'event: incident\ndata: {"id":"INC-000001"}\n\n'
    assert client.queue.empty()


async def test_hub_coalesces_changes_of_one_incident() -> None:
    """Several changes of an incident before a flush are sent once, with the latest state."""
    reads: list[str] = []

    async def summarize(incident_id: str) -> dict[str, Any]:
        reads.append(incident_id)
        return {"id": incident_id}

    hub = StreamHub(summarize)
    client = hub.subscribe()
    for incident_id in ["INC-1", "INC-2", "INC-1", "INC-1"]:
        hub.changed(incident_id)
    await hub.flush()
    assert reads == ["INC-1", "INC-2"]
    assert client.queue.qsize() == 2


async def test_slow_client_is_dropped_without_blocking_others() -> None:
    """A client whose queue is full is dropped (its stream ends); the others get every event."""
    hub = StreamHub(_summaries, queue_size=2)
    slow = hub.subscribe()
    fast = hub.subscribe()
    fast_events = hub.events(fast, {})
    await anext(fast_events)
    received = []
    for number in range(5):
        hub.publish(sse("incident", {"id": number}))
        received.append(await anext(fast_events))
    assert len(received) == 5
    assert slow.dropped
    assert hub.stats.dropped_clients == 1
    assert hub.clients == 1
    slow_events = [e async for e in hub.events(slow, {})]
    assert slow_events[0].startswith("event: hello")  # then the end, whatever was queued


async def test_keepalive_when_nothing_happens() -> None:
    """Without changes the stream sends a comment every keepalive_s."""
    hub = StreamHub(_summaries, keepalive_s=0.01)
    events = hub.events(hub.subscribe(), {})
    await anext(events)
    assert await anext(events) == ": keepalive\n\n"


async def test_stop_ends_every_stream() -> None:
    """When the daemon stops, the hub's task returns and every open stream ends."""
    hub = StreamHub(_summaries)
    client = hub.subscribe()
    stop = asyncio.Event()
    task = asyncio.create_task(hub.run(stop))
    hub.changed("INC-000001")
    events = [e async for e in _until_two(hub.events(client, {}))]
    assert json.loads(events[1].split("data: ", 1)[1]) == {"id": "INC-000001"}
    stop.set()
    await asyncio.wait_for(task, 5)
    assert [e async for e in hub.events(hub.subscribe(), {})][1:] == []


async def _until_two(events: Any) -> Any:
    count = 0
    async for event in events:
        yield event
        count += 1
        if count == 2:
            return


# ---- the topology around an incident --------------------------------------------------------------------


def test_neighbourhood_within_depth_with_groups() -> None:
    """Depth 1 around the switch gives its dependents and its redundant cores (one group)."""
    record = {"id": "INC-1", "root_cause": "sw", "nodes": ["sw"], "alerts": []}
    view = neighbourhood(_topology(), record, depth=1)
    assert {n["id"] for n in view["nodes"]} == {"sw", "web-1", "web-2", "core-1", "core-2"}
    groups = {e["group"] for e in view["edges"] if e["kind"] == "any_of"}
    assert groups == {"sw#0"}
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in view["nodes"])


def test_layout_puts_dependencies_below_dependents() -> None:
    """Every edge goes down the page: a node sits below everything that depends on it."""
    record = {"root_cause": "sw", "root_cause_inferred": True, "nodes": ["web-1"], "alerts": []}
    view = neighbourhood(_topology(), record, depth=4)
    y = {n["id"]: n["y"] for n in view["nodes"]}
    assert all(y[e["from"]] < y[e["to"]] for e in view["edges"])
    assert y["shop"] == 0.0
    assert y["power"] == 1.0
    root = next(n for n in view["nodes"] if n["root"])
    assert root["id"] == "sw"
    assert root["inferred_root"]
    assert "far" not in y


def test_alerting_nodes_carry_their_worst_active_severity() -> None:
    """A node is alerting with the worst severity of its active alerts; cleared ones don't count."""
    alerts = [
        {"node": "web-1", "severity": "warning", "resolved_at": None},
        {"node": "web-1", "severity": "critical", "resolved_at": None},
        {"node": "web-2", "severity": "critical", "resolved_at": 12.0},
    ]
    record = {"root_cause": None, "nodes": ["web-1", "web-2"], "alerts": alerts}
    nodes = {n["id"]: n for n in neighbourhood(_topology(), record, depth=0)["nodes"]}
    assert (nodes["web-1"]["alerting"], nodes["web-1"]["severity"]) == (True, "critical")
    assert (nodes["web-2"]["alerting"], nodes["web-2"]["severity"]) == (False, None)


def test_cycles_and_unknown_nodes_do_not_break_the_layout() -> None:
    """A dependency cycle shares a layer; a root the topology no longer knows is left out."""
    cyclic = build(
        [
            NodeSpec("a", depends_on=(Dependency(("b",)),)),
            NodeSpec("b", depends_on=(Dependency(("a",)),)),
        ],
        "cycle",
    )
    view = neighbourhood(cyclic, {"root_cause": "a", "nodes": ["a", "gone"]}, depth=2)
    assert {n["id"]: n["y"] for n in view["nodes"]} == {"a": 0.5, "b": 0.5}
    empty = neighbourhood(cyclic, {"root_cause": "gone", "nodes": []})
    assert empty == {"root": "gone", "inferred": False, "nodes": [], "edges": []}


# ---- listing and windows ------------------------------------------------------------------------------


def _summary(incident_id: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": incident_id,
        "status": "open",
        "priority": "P3",
        "team": "network",
        "site": "bru",
        "opened_at": 100.0,
        "resolved_at": None,
    }
    return {**base, **fields}


def test_listing_order_is_priority_then_age_then_the_resolved() -> None:
    """Open incidents come first by priority then oldest; resolved ones after, latest first."""
    found = [
        _summary("a", priority="P3", opened_at=10.0),
        _summary("b", priority="P1", opened_at=50.0),
        _summary("c", status="resolved", resolved_at=70.0),
        _summary("d", priority="P3", opened_at=5.0),
        _summary("e", status="resolved", resolved_at=90.0),
    ]
    assert [s["id"] for s in sorted(found, key=listing_order)] == ["b", "d", "a", "e", "c"]


def test_filters() -> None:
    """Status, team, site and the time bounds each leave out what does not match."""
    resolved = _summary("r", status="resolved", resolved_at=200.0)
    assert not matches(IncidentQuery(), resolved)
    assert matches(IncidentQuery(status="all"), resolved)
    assert not matches(IncidentQuery(status="all", since=300.0), resolved)
    assert matches(IncidentQuery(status="all", since=150.0, until=100.0), resolved)
    assert not matches(IncidentQuery(until=50.0), _summary("o"))
    assert not matches(IncidentQuery(team="dba"), _summary("o"))
    assert not matches(IncidentQuery(site="ams"), _summary("o"))


def test_window_nodes_by_id_site_and_tag() -> None:
    """A window covers its nodes, the nodes at its sites and those with its tags."""

    def window(**scope: tuple[str, ...]) -> MaintenanceWindow:
        return MaintenanceWindow(
            id="MW-000001",
            nodes=scope.get("nodes", ()),
            sites=scope.get("sites", ()),
            tags=scope.get("tags", ()),
            starts_at=0.0,
            ends_at=None,
            reason="test",
            created_by="alice",
            created_at=0.0,
        )

    topology = _topology()
    assert window_nodes(window(nodes=("power", "gone")), topology) == {"power"}
    assert window_nodes(window(sites=("bru",)), topology) == {"sw", "web-1", "web-2"}
    assert window_nodes(window(tags=("role=web",)), topology) == {"web-1", "web-2"}
    assert window_nodes(window(tags=("role",)), topology) == {"web-1", "web-2"}
    assert window_nodes(window(tags=("role=db",)), topology) == frozenset()
