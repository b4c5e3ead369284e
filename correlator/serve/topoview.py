# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The topology around an incident, laid out for drawing (the detail view's graph).

:func:`neighbourhood` takes the nodes within ``depth`` hops (either direction: what they
depend on and what depends on them) of the incident's root and of every node it involves,
with the ``depends_on`` edges between them (an ``any_of`` group's edges share a group
name), and places them in layers: a node is drawn below everything that depends on it
(dependents at the top, the power and core at the bottom), ordered within its layer by
the mean position of its neighbours to keep crossings down. Coordinates are in [0, 1];
the page scales them to its canvas. Pure: the topology and the incident record in, a JSON
document out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, Final

import networkx as nx

from correlator.model import Severity
from topology.model import Topology

MAX_DEPTH: Final = 6
"""The deepest neighbourhood the API draws."""
MAX_NODES: Final = 250
"""At most this many nodes are drawn (the incident's own come first)."""
_SWEEPS: Final = 4


def neighbourhood(
    topology: Topology, record: Mapping[str, Any], *, depth: int = 2, max_nodes: int = MAX_NODES
) -> dict[str, Any]:
    """``{"root", "inferred", "nodes": [...], "edges": [...]}`` for one incident record."""
    raw_root = record.get("root_cause")
    root = raw_root if isinstance(raw_root, str) else None
    inferred = bool(record.get("root_cause_inferred"))
    seeds = [n for n in _seeds(root, record) if n in topology.nodes]
    chosen = _within(topology, seeds, depth, max_nodes)
    severity = _alerting(record)
    edges = list(_edges(topology, chosen))
    positions = _layout(chosen, edges)
    nodes = []
    for node_id in chosen:
        spec = topology.nodes[node_id]
        x, y = positions[node_id]
        nodes.append(
            {
                "id": node_id,
                "kind": spec.kind,
                "site": spec.site,
                "team": spec.team,
                "label": node_id,
                "alerting": node_id in severity,
                "severity": severity.get(node_id),
                "root": node_id == root,
                "inferred_root": node_id == root and inferred,
                "x": x,
                "y": y,
            }
        )
    return {"root": root, "inferred": inferred, "nodes": nodes, "edges": edges}


def _seeds(root: str | None, record: Mapping[str, Any]) -> list[str]:
    seeds = [root] if root is not None else []
    for node in record.get("nodes") or ():
        if isinstance(node, str) and node not in seeds:
            seeds.append(node)
    return seeds


def _within(topology: Topology, seeds: list[str], depth: int, limit: int) -> list[str]:
    """Breadth first from the seeds over both edge directions, seeds first, in order."""
    found: dict[str, int] = {}
    queue: deque[str] = deque()
    for seed in seeds[:limit]:
        found[seed] = 0
        queue.append(seed)
    while queue:
        node = queue.popleft()
        hops = found[node]
        if hops >= depth:
            continue
        around = (*_dependencies(topology, node), *topology.dependents.get(node, ()))
        for other in around:
            if other not in found and len(found) < limit:
                found[other] = hops + 1
                queue.append(other)
    return list(found)


def _dependencies(topology: Topology, node: str) -> Iterable[str]:
    for dep in topology.nodes[node].depends_on:
        yield from dep.any_of


def _edges(topology: Topology, chosen: list[str]) -> Iterable[dict[str, Any]]:
    present = set(chosen)
    for node in chosen:
        for index, dep in enumerate(topology.nodes[node].depends_on):
            for target in dep.any_of:
                if target in present:
                    yield {
                        "from": node,
                        "to": target,
                        "kind": "any_of" if dep.redundant else "depends_on",
                        "group": f"{node}#{index}" if dep.redundant else None,
                    }


def _alerting(record: Mapping[str, Any]) -> dict[str, str]:
    """Node -> the worst severity of its active alerts."""
    worst: dict[str, Severity] = {}
    for alert in record.get("alerts") or ():
        if not isinstance(alert, Mapping) or alert.get("resolved_at") is not None:
            continue
        node = alert.get("node")
        try:
            severity = Severity(str(alert.get("severity")))
        except ValueError:
            continue
        if isinstance(node, str) and (node not in worst or severity.rank > worst[node].rank):
            worst[node] = severity
    return {node: severity.value for node, severity in worst.items()}


def _layout(chosen: list[str], edges: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Layered coordinates: each node one layer below the lowest of its dependents."""
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(chosen)
    graph.add_edges_from((e["from"], e["to"]) for e in edges if e["from"] != e["to"])
    layer = _layers(graph)
    rows: dict[int, list[str]] = {}
    for node in chosen:
        rows.setdefault(layer[node], []).append(node)
    order = {node: float(i) for row in rows.values() for i, node in enumerate(row)}
    levels = sorted(rows)
    for sweep in range(_SWEEPS):  # barycentre ordering, down then up
        downward = sweep % 2 == 0
        for level in levels if downward else reversed(levels):
            row = rows[level]
            neighbours = graph.predecessors if downward else graph.successors

            def centre(node: str, around: Any = neighbours) -> float:
                placed = [order[n] for n in around(node)]
                return sum(placed) / len(placed) if placed else order[node]

            row.sort(key=lambda n: (centre(n), order[n]))
            for i, node in enumerate(row):
                order[node] = float(i)
    deepest = max(levels, default=0)
    positions: dict[str, tuple[float, float]] = {}
    for level, row in rows.items():
        y = 0.5 if deepest == 0 else level / deepest
        for i, node in enumerate(row):
            positions[node] = ((i + 1) / (len(row) + 1), round(y, 4))
    return {n: (round(x, 4), y) for n, (x, y) in positions.items()}


def _layers(graph: nx.DiGraph) -> dict[str, int]:
    """The longest path from a top node to each node (a cycle shares one layer)."""
    condensed = nx.condensation(graph)
    members: Mapping[int, Iterable[str]] = nx.get_node_attributes(condensed, "members")
    depth: dict[int, int] = {}
    for component in nx.topological_sort(condensed):
        above = [depth[p] + 1 for p in condensed.predecessors(component)]
        depth[component] = max(above, default=0)
    return {node: depth[c] for c, nodes in members.items() for node in nodes}
