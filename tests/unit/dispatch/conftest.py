"""Fixtures for the dispatch decisions: topology nodes and incident snapshots as plain data."""

from __future__ import annotations

from typing import Any

import pytest

from correlator.correlate.engine import Status
from correlator.dispatch.priority import Priority
from correlator.dispatch.queue import IncidentSnapshot
from topology.model import NodeSpec

T0 = 1_763_900_000.0


def node(node_id: str = "bru-core-1", **fields: Any) -> NodeSpec:
    """A topology node with the given fields (a switch of the network team by default)."""
    fields.setdefault("kind", "switch")
    fields.setdefault("team", "network")
    fields.setdefault("site", "bru-dc1")
    return NodeSpec(id=node_id, **fields)


def snapshot(incident_id: str = "INC-000001", **fields: Any) -> IncidentSnapshot:
    """An announced open P2 incident rooted at ``bru-core-1`` unless told otherwise."""
    spec = fields.pop("node", None)
    root = fields.pop("root", "bru-core-1")
    if spec is None and root is not None:
        spec = node(root)
    values: dict[str, Any] = {
        "title": f"{root} down: 1 alerts on 1 nodes",
        "status": Status.OPEN,
        "announced": True,
        "opened_at": T0,
        "priority": Priority.P2,
        "root": root,
        "subject": root or "web-99",
        "node": spec,
        "nodes": frozenset({root} if root else ()),
        "alerts": frozenset({f"nagios:{root or 'web-99'}"}),
    }
    values.update(fields)
    return IncidentSnapshot(incident_id=incident_id, **values)


@pytest.fixture
def make_node():
    """Build a :class:`NodeSpec` (see :func:`node`)."""
    return node


@pytest.fixture
def make_snapshot():
    """Build an :class:`IncidentSnapshot` (see :func:`snapshot`)."""
    return snapshot


@pytest.fixture
def t0() -> float:
    """The epoch every time in these tests is relative to."""
    return T0
