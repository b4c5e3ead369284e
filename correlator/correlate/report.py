"""The incident as the outside world sees it: replay output and `correlator.incidents`."""

from __future__ import annotations

import json
from typing import Any

from correlator.bus.protocol import Record
from correlator.correlate.engine import REASONS_HEAD, Incident, Status
from correlator.model import SCHEMA_VERSION, Severity


def _counted(count: int, noun: str) -> str:
    """``1 alert``, ``3 alerts``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def incident_title(inc: Incident) -> str:
    """``bru-core-1 down: 37 alerts on 12 nodes`` (specs/replay.md); ``degraded`` when no
    alert is worse than minor (a CPU warning is not an outage); an incident on no topology
    node is named by its host: ``printer-07 down: 1 alert, not in the topology``."""
    if inc.inferred:
        verb = "suspected (inferred)"
    else:
        verb = "down" if inc.worst.rank >= Severity.MAJOR.rank else "degraded"
    alerts = _counted(len(inc.alerts), "alert")
    if inc.root is None and not inc.node_evidence:
        return f"{inc.unplaced_host or 'unplaced'} {verb}: {alerts}, not in the topology"
    subject = inc.root if inc.root is not None else (inc.unplaced_host or "unplaced")
    return f"{subject} {verb}: {alerts} on {_counted(len(inc.node_evidence), 'node')}"


def incident_json(inc: Incident) -> dict[str, Any]:
    """The incident exactly as specs/replay.md shows it (plus a few added fields)."""
    nodes = sorted(inc.node_evidence)
    alerts = sorted(inc.alerts.values(), key=lambda a: (a.first_seen, a.key))
    root = inc.root
    return {
        "id": inc.id,
        "opened_at": inc.opened_at,
        "resolved_at": inc.resolved_at,
        "root_cause": root,
        "root_cause_inferred": inc.inferred,
        "title": incident_title(inc),
        "priority": inc.priority.value,
        "team": inc.team,
        "nodes": nodes,
        "alerts": [
            {
                "source": a.source.value,
                "source_id": a.key[1],
                "host": a.host,
                "check": a.check,
                "node": a.node,
                "severity": a.severity.value,
                "first_seen": a.first_seen,
                "resolved_at": None if a.active else a.resolved_at,
            }
            for a in alerts
        ],
        "events": [event_id for _, event_id in inc.events],
        "pages": inc.pages,
        "status": inc.status.value,
        "flapping": inc.flapping,
        "maintenance": inc.maintenance,
        "unconfirmed": inc.unconfirmed,
        "priority_reason": inc.priority_reason,
        "explanation": (
            [
                *inc.reasons[:REASONS_HEAD],
                f"... {inc.reasons_elided} more decisions ...",
                *inc.reasons[REASONS_HEAD:],
            ]
            if inc.reasons_elided
            else list(inc.reasons)
        ),
        "updated_at": inc.updated_at,
        "manual": [
            {"at": m.at, "actor": m.actor, "action": m.action.value, "detail": m.detail}
            for m in inc.manual
        ],
    }


def incident_record(inc: Incident, topic: str) -> Record:
    """The `correlator.incidents` record (specs/kafka-topics.md): key = incident id.

    A merged incident is published as resolved with ``merged_into`` naming the incident
    that absorbed it, so consumers that only know ``open``/``resolved`` stay correct.
    """
    value = incident_json(inc)
    value["v"] = SCHEMA_VERSION
    if inc.status is Status.MERGED:
        value["status"] = Status.RESOLVED.value
        value["resolved_at"] = inc.updated_at
        value["merged_into"] = None if inc.merged_into is None else f"INC-{inc.merged_into:06d}"
    return Record(
        topic=topic,
        key=inc.id.encode(),
        value=json.dumps(value, ensure_ascii=False).encode(),
        headers=(("content-type", b"application/json"),),
    )
