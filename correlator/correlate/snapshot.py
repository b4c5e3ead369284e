"""The engine's live state as JSON, so a restarted daemon carries on where it stopped.

The correlator stage writes it at a clean shutdown, after its last commit, so it matches
the committed offsets exactly; the next start restores it and removes the file (a crash
later must not bring back a stale state). What is derived (indexes, caches, timers) is
rebuilt on restore, not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from correlator.correlate.engine import (
    AlertState,
    Engine,
    Incident,
    ManualAction,
    ManualStep,
    Status,
)
from correlator.correlate.evidence import Evidence
from correlator.dispatch.priority import Priority
from correlator.model import Severity, Source

SNAPSHOT_VERSION: Final = 1


class SnapshotError(ValueError):
    """The snapshot cannot be restored (another version, or not a snapshot)."""


def _alert(state: AlertState) -> dict[str, Any]:
    return {
        "key": list(state.key),
        "source": state.source.value,
        "host": state.host,
        "check": state.check,
        "node": state.node,
        "observer_node": state.observer_node,
        "evidence": state.evidence.value,
        "severity": state.severity.value,
        "first_seen": state.first_seen,
        "onset": state.onset,
        "active": state.active,
        "resolved_at": state.resolved_at,
        "incident": state.incident,
        "changes": list(state.changes),
        "flapping": state.flapping,
        "maintenance": state.maintenance,
        "acked": state.acked,
        "soft": state.soft,
        "events": [list(e) for e in state.events],
    }


def _incident(inc: Incident, current: Mapping[tuple[str, str], AlertState]) -> dict[str, Any]:
    # An alert that failed again in another incident has a record per episode: this
    # incident keeps its own (absent from snapshots written before episodes had records).
    earlier = [a for k, a in inc.alerts.items() if current.get(k) is not a]
    return {
        "number": inc.number,
        "opened_at": inc.opened_at,
        "root": inc.root,
        "seeds": sorted(inc.seeds),
        "inferred": inc.inferred,
        "unplaced_host": inc.unplaced_host,
        "status": inc.status.value,
        "resolved_at": inc.resolved_at,
        "merged_into": inc.merged_into,
        "alerts": [list(k) for k in inc.alerts],
        "episodes": [_alert(a) for a in earlier],
        "node_onset": inc.node_onset,
        "node_evidence": {n: e.value for n, e in inc.node_evidence.items()},
        "observed_only": sorted(inc.observed_only),
        "events": [list(e) for e in inc.events],
        "last_activity": inc.last_activity,
        "quiet_since": inc.quiet_since,
        "announced": inc.announced,
        "pages": inc.pages,
        "last_paged": None if inc.last_paged is None else inc.last_paged.value,
        "resolve_sent": inc.resolve_sent,
        "team": inc.team,
        "reasons": inc.reasons,
        "reasons_elided": inc.reasons_elided,
        "updated_at": inc.updated_at,
        "manual": [
            {"at": m.at, "actor": m.actor, "action": m.action.value, "detail": m.detail}
            for m in inc.manual
        ],
    }


def _alert_state(raw: Mapping[str, Any]) -> AlertState:
    return AlertState(
        key=(str(raw["key"][0]), str(raw["key"][1])),
        source=Source(raw["source"]),
        host=raw["host"],
        check=raw["check"],
        node=raw["node"],
        observer_node=raw["observer_node"],
        evidence=Evidence(raw["evidence"]),
        severity=Severity(raw["severity"]),
        first_seen=float(raw["first_seen"]),
        onset=float(raw["onset"]),
        active=bool(raw["active"]),
        resolved_at=raw["resolved_at"],
        incident=raw["incident"],
        changes=tuple(float(t) for t in raw["changes"]),
        flapping=bool(raw["flapping"]),
        maintenance=bool(raw["maintenance"]),
        acked=bool(raw["acked"]),
        soft=bool(raw.get("soft", False)),  # absent from snapshots written before it
        events=tuple((int(s), str(i)) for s, i in raw["events"]),
    )


def export_state(engine: Engine) -> dict[str, Any]:
    """Everything the engine must remember, as plain JSON data."""
    state = engine.state_for_snapshot()
    current = {a.key: a for a in state.alerts}
    return {
        "v": SNAPSHOT_VERSION,
        "now": engine.now,
        "next_number": state.next_number,
        "alerts": [_alert(a) for a in state.alerts],
        "incidents": [_incident(i, current) for i in state.incidents],
        "maintenance": {
            "hosts": sorted(state.maint_hosts),
            "keys": [list(k) for k in sorted(state.maint_keys)],
            "nodes": dict(state.maint_nodes),
            "operator_nodes": sorted(state.operator_maint),
        },
    }


def import_state(engine: Engine, data: Mapping[str, Any]) -> int:
    """Restore ``data`` into a fresh ``engine``; returns how many incidents came back."""
    if not isinstance(data, Mapping) or data.get("v") != SNAPSHOT_VERSION:
        raise SnapshotError(f"not an engine snapshot of version {SNAPSHOT_VERSION}")
    try:
        alerts: dict[tuple[str, str], AlertState] = {}
        for raw in data["alerts"]:
            state = _alert_state(raw)
            alerts[state.key] = state
        incidents: list[Incident] = []
        for raw in data["incidents"]:
            own = {a.key: a for a in map(_alert_state, raw.get("episodes", ()))}
            inc = Incident(
                number=int(raw["number"]),
                opened_at=float(raw["opened_at"]),
                root=raw["root"],
                seeds=frozenset(raw["seeds"]),
                inferred=bool(raw["inferred"]),
                unplaced_host=raw["unplaced_host"],
                status=Status(raw["status"]),
                resolved_at=raw["resolved_at"],
                merged_into=raw["merged_into"],
                alerts={
                    key: own.get(key) or alerts[key]
                    for key in ((str(k[0]), str(k[1])) for k in raw["alerts"])
                },
                node_onset={n: float(t) for n, t in raw["node_onset"].items()},
                node_evidence={n: Evidence(e) for n, e in raw["node_evidence"].items()},
                observed_only=set(raw["observed_only"]),
                events=[(int(s), str(i)) for s, i in raw["events"]],
                last_activity=float(raw["last_activity"]),
                quiet_since=raw["quiet_since"],
                announced=bool(raw["announced"]),
                pages=int(raw["pages"]),
                last_paged=None if raw["last_paged"] is None else Priority(raw["last_paged"]),
                resolve_sent=bool(raw.get("resolve_sent", False)),  # absent before 2026-12
                team=raw["team"],
                reasons=[str(r) for r in raw["reasons"]],
                reasons_elided=int(raw["reasons_elided"]),
                updated_at=float(raw["updated_at"]),
                manual=[  # absent from snapshots written before operator commands existed
                    ManualStep(
                        float(m["at"]), str(m["actor"]), ManualAction(m["action"]), str(m["detail"])
                    )
                    for m in raw.get("manual", ())
                ],
            )
            inc.onsets = sorted(inc.node_onset.values())
            inc.active = sum(1 for a in inc.alerts.values() if a.active)
            incidents.append(inc)
        maintenance = data["maintenance"]
        engine.restore_from_snapshot(
            now=float(data["now"]),
            next_number=int(data["next_number"]),
            alerts=alerts,
            incidents=incidents,
            maint_hosts=set(maintenance["hosts"]),
            maint_keys={(str(k[0]), str(k[1])) for k in maintenance["keys"]},
            maint_nodes={str(n): int(c) for n, c in maintenance["nodes"].items()},
            operator_maint=frozenset(str(n) for n in maintenance.get("operator_nodes", ())),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SnapshotError(f"damaged engine snapshot: {exc!r}") from exc
    return len(incidents)
