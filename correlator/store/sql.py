# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The SQL both stores run, and the conversions between rows and the Protocol's records.

Queries use ``?`` placeholders (SQLite's); the PostgreSQL store turns them into ``%s``
with :func:`pg`. JSON is encoded here, in Python, for both databases, so a value that is
not JSON fails the same way (and inside the transaction) on both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from correlator.dispatch.model import PageEvent, TicketStatus
from correlator.dispatch.priority import Priority
from correlator.store.protocol import (
    ActionKind,
    HistoryEntry,
    HistoryStep,
    IncidentSnapshot,
    MaintenanceWindow,
    OutboxAction,
    OutboxEntry,
    OutboxStatus,
    PageRecord,
    ProblemKind,
    ProblemRecord,
    TicketRecord,
)

Row = Mapping[str, Any]
Decode = Callable[[Any], Any]


def pg(query: str) -> str:
    """The query with PostgreSQL's ``%s`` placeholders (no query here contains ``%``)."""
    return query.replace("?", "%s")


def encode_json(value: Any) -> str:
    """Compact JSON; NaN and infinities are refused, as PostgreSQL's jsonb refuses them."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


SELECT_VERSION: Final = "SELECT COALESCE(MAX(version), 0) AS version FROM schema_version"
INSERT_VERSION: Final = "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)"

UPSERT_INCIDENT: Final = """
INSERT INTO incidents (id, status, updated_at, body) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    status = excluded.status, updated_at = excluded.updated_at, body = excluded.body
WHERE incidents.updated_at <= excluded.updated_at
"""
SELECT_INCIDENT: Final = "SELECT * FROM incidents WHERE id = ?"
SELECT_INCIDENTS: Final = "SELECT * FROM incidents ORDER BY updated_at, id"
SELECT_INCIDENTS_IN: Final = "SELECT * FROM incidents WHERE status = ? ORDER BY updated_at, id"

INSERT_ACTION: Final = """
INSERT INTO outbox (
    idempotency_key, kind, target, incident_id, payload,
    status, attempts, next_attempt_at, created_at, updated_at
) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
ON CONFLICT (idempotency_key) DO NOTHING
"""

# Due: pending, its time has come, and the oldest pending action of its (incident, target)
# or a ticket.create (nothing has to go out before a create; an update enqueued ahead of
# its create waits for it, see correlator/dispatch/outbox.py).
SELECT_DUE: Final = """
SELECT o.id FROM outbox AS o
WHERE o.status = 'pending' AND o.next_attempt_at <= ?
  AND (o.kind = 'ticket.create' OR NOT EXISTS (
      SELECT 1 FROM outbox AS p
      WHERE p.status = 'pending' AND p.incident_id = o.incident_id
        AND p.target = o.target AND p.id < o.id
  ))
ORDER BY o.next_attempt_at, o.id
LIMIT ?
"""
LEASE: Final = """
UPDATE outbox SET next_attempt_at = ?, updated_at = ?, claims = claims + 1 WHERE id = ?
"""
SELECT_ACTION: Final = "SELECT * FROM outbox WHERE id = ?"
SELECT_ACTIONS: Final = "SELECT * FROM outbox WHERE incident_id = ? ORDER BY id"
COUNT_ACTIONS: Final = "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status"

# Only a pending action changes: marking twice, or after another worker did, is a no-op.
MARK_SENT: Final = """
UPDATE outbox SET status = 'sent', attempts = attempts + 1, result = ?, updated_at = ?
WHERE id = ? AND status = 'pending'
"""
MARK_RETRY: Final = """
UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ?
WHERE id = ? AND status = 'pending'
"""
# A deferred claim sent nothing: it does not count (the next claim is still a first send).
DEFER: Final = """
UPDATE outbox SET next_attempt_at = ?, last_error = ?, updated_at = ?, claims = claims - 1
WHERE id = ? AND status = 'pending'
"""
MARK_FAILED: Final = """
UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ?
WHERE id = ? AND status = 'pending'
"""

UPSERT_TICKET: Final = """
INSERT INTO tickets (
    incident_id, system, ticket_id, url, status, assignee, priority,
    response_due, resolution_due, created_at, updated_at
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (incident_id, system) DO UPDATE SET
    ticket_id = excluded.ticket_id, url = excluded.url, status = excluded.status,
    assignee = excluded.assignee, priority = excluded.priority,
    response_due = excluded.response_due, resolution_due = excluded.resolution_due,
    updated_at = excluded.updated_at
"""
SELECT_TICKET: Final = "SELECT * FROM tickets WHERE incident_id = ? AND system = ?"
SELECT_TICKETS: Final = "SELECT * FROM tickets WHERE incident_id = ? ORDER BY created_at, system"
SELECT_OPEN_TICKETS: Final = """
SELECT * FROM tickets WHERE status NOT IN ('resolved', 'closed')
ORDER BY created_at, incident_id, system
"""

INSERT_HISTORY: Final = """
INSERT INTO ticket_history (incident_id, system, at, actor, step, detail)
VALUES (?, ?, ?, ?, ?, ?)
"""
SELECT_HISTORY: Final = "SELECT * FROM ticket_history WHERE incident_id = ? ORDER BY id"

INSERT_PAGE: Final = """
INSERT INTO pages (incident_id, pager, event, level, sent_at) VALUES (?, ?, ?, ?, ?)
"""
SELECT_PAGES: Final = "SELECT * FROM pages WHERE incident_id = ? ORDER BY id"

UPSERT_PROBLEM: Final = """
INSERT INTO problems (id, kind, signature, members, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    kind = excluded.kind, signature = excluded.signature, members = excluded.members
"""
SELECT_PROBLEM: Final = "SELECT * FROM problems WHERE id = ?"

UPSERT_WINDOW: Final = """
INSERT INTO maintenance_windows (
    id, nodes, sites, tags, starts_at, ends_at, reason, created_by, created_at,
    ended_at, ended_by
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    nodes = excluded.nodes, sites = excluded.sites, tags = excluded.tags,
    starts_at = excluded.starts_at, ends_at = excluded.ends_at, reason = excluded.reason,
    created_by = excluded.created_by, created_at = excluded.created_at,
    ended_at = excluded.ended_at, ended_by = excluded.ended_by
"""
SELECT_WINDOW: Final = "SELECT * FROM maintenance_windows WHERE id = ?"
SELECT_WINDOWS: Final = "SELECT * FROM maintenance_windows ORDER BY created_at, id"
# In force at a time: the same test as MaintenanceWindow.active (ends are exclusive).
SELECT_ACTIVE_WINDOWS: Final = """
SELECT * FROM maintenance_windows
WHERE starts_at <= ? AND (ends_at IS NULL OR ends_at > ?) AND (ended_at IS NULL OR ended_at > ?)
ORDER BY created_at, id
"""


# parameters


def incident_params(s: IncidentSnapshot) -> tuple[Any, ...]:
    return (s.id, s.status, s.updated_at, encode_json(s.body))


def action_params(a: OutboxAction, now: float) -> tuple[Any, ...]:
    return (
        a.idempotency_key,
        a.kind.value,
        a.target,
        a.incident_id,
        encode_json(a.payload),
        now,
        now,
        now,
    )


def ticket_params(t: TicketRecord) -> tuple[Any, ...]:
    return (
        t.incident_id,
        t.system,
        t.ticket_id,
        t.url,
        t.status.value,
        t.assignee,
        t.priority.value,
        t.response_due,
        t.resolution_due,
        t.created_at,
        t.updated_at,
    )


def history_params(h: HistoryEntry) -> tuple[Any, ...]:
    return (h.incident_id, h.system, h.at, h.actor, h.step.value, h.detail)


def page_params(p: PageRecord) -> tuple[Any, ...]:
    return (p.incident_id, p.pager, p.event.value, p.level, p.sent_at)


def problem_params(p: ProblemRecord) -> tuple[Any, ...]:
    return (p.id, p.kind.value, p.signature, encode_json(list(p.members)), p.created_at)


def window_params(w: MaintenanceWindow) -> tuple[Any, ...]:
    return (
        w.id,
        encode_json(list(w.nodes)),
        encode_json(list(w.sites)),
        encode_json(list(w.tags)),
        w.starts_at,
        w.ends_at,
        w.reason,
        w.created_by,
        w.created_at,
        w.ended_at,
        w.ended_by,
    )


def select_windows(active_at: float | None) -> tuple[str, tuple[Any, ...]]:
    """The query for every maintenance window, or those in force at ``active_at``."""
    if active_at is None:
        return SELECT_WINDOWS, ()
    return SELECT_ACTIVE_WINDOWS, (active_at, active_at, active_at)


def select_problems(kind: ProblemKind | None, signature: str | None) -> tuple[str, tuple[Any, ...]]:
    """The query for problems of a kind and/or signature, and its parameters."""
    where: list[str] = []
    params: list[Any] = []
    if kind is not None:
        where.append("kind = ?")
        params.append(kind.value)
    if signature is not None:
        where.append("signature = ?")
        params.append(signature)
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    return f"SELECT * FROM problems {clause}ORDER BY created_at, id", tuple(params)  # noqa: S608


# rows


def incident_of(row: Row, decode: Decode) -> IncidentSnapshot:
    return IncidentSnapshot(
        id=row["id"],
        status=row["status"],
        updated_at=float(row["updated_at"]),
        body=decode(row["body"]),
    )


def entry_of(row: Row, decode: Decode) -> OutboxEntry:
    result = row["result"]
    return OutboxEntry(
        id=int(row["id"]),
        idempotency_key=row["idempotency_key"],
        kind=ActionKind(row["kind"]),
        target=row["target"],
        incident_id=row["incident_id"],
        payload=decode(row["payload"]),
        status=OutboxStatus(row["status"]),
        attempts=int(row["attempts"]),
        claims=int(row["claims"]),
        next_attempt_at=float(row["next_attempt_at"]),
        last_error=row["last_error"],
        result=None if result is None else decode(result),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def ticket_of(row: Row) -> TicketRecord:
    return TicketRecord(
        incident_id=row["incident_id"],
        system=row["system"],
        ticket_id=row["ticket_id"],
        status=TicketStatus(row["status"]),
        priority=Priority(row["priority"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        url=row["url"],
        assignee=row["assignee"],
        response_due=_float(row["response_due"]),
        resolution_due=_float(row["resolution_due"]),
    )


def history_of(row: Row) -> HistoryEntry:
    return HistoryEntry(
        incident_id=row["incident_id"],
        at=float(row["at"]),
        actor=row["actor"],
        step=HistoryStep(row["step"]),
        detail=row["detail"],
        system=row["system"],
    )


def page_of(row: Row) -> PageRecord:
    return PageRecord(
        incident_id=row["incident_id"],
        pager=row["pager"],
        event=PageEvent(row["event"]),
        level=int(row["level"]),
        sent_at=float(row["sent_at"]),
    )


def problem_of(row: Row, decode: Decode) -> ProblemRecord:
    return ProblemRecord(
        id=row["id"],
        kind=ProblemKind(row["kind"]),
        signature=row["signature"],
        members=tuple(decode(row["members"])),
        created_at=float(row["created_at"]),
    )


def window_of(row: Row, decode: Decode) -> MaintenanceWindow:
    return MaintenanceWindow(
        id=row["id"],
        nodes=tuple(str(n) for n in decode(row["nodes"])),
        sites=tuple(str(n) for n in decode(row["sites"])),
        tags=tuple(str(n) for n in decode(row["tags"])),
        starts_at=float(row["starts_at"]),
        ends_at=_float(row["ends_at"]),
        reason=row["reason"],
        created_by=row["created_by"],
        created_at=float(row["created_at"]),
        ended_at=_float(row["ended_at"]),
        ended_by=row["ended_by"],
    )


def counts_of(rows: list[Row]) -> dict[OutboxStatus, int]:
    counts = dict.fromkeys(OutboxStatus, 0)
    for row in rows:
        counts[OutboxStatus(row["status"])] = int(row["n"])
    return counts
