# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Schema migrations, one ordered list per database, applied at open.

Both lists have the same versions and names and build the same tables; only the column
types differ (SQLite keeps JSON as text, PostgreSQL as ``jsonb``). A migration is never
edited once released: a change is a new version appended to both lists. ``schema_version``
records what was applied, so opening an up-to-date database runs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from correlator.store.protocol import StoreError


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its version (1, 2, ...), a name, and the statements it runs."""

    version: int
    name: str
    statements: tuple[str, ...]


SCHEMA_VERSION_TABLE: Final = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL
)
"""

# Both dialects accept this SQL; `{json}` is the JSON column type, `{serial}` an
# auto-numbered primary key.
_V1 = (
    """
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL,
        body {json} NOT NULL
    )
    """,
    "CREATE INDEX incidents_by_status ON incidents (status, updated_at)",
    """
    CREATE TABLE outbox (
        id {serial},
        idempotency_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        payload {json} NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at DOUBLE PRECISION NOT NULL,
        last_error TEXT,
        result {json},
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    )
    """,
    "CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending'",
    """
    CREATE INDEX outbox_stream ON outbox (incident_id, target, id)
        WHERE status = 'pending'
    """,
    "CREATE INDEX outbox_by_incident ON outbox (incident_id, id)",
    """
    CREATE TABLE tickets (
        incident_id TEXT NOT NULL,
        system TEXT NOT NULL,
        ticket_id TEXT NOT NULL,
        url TEXT,
        status TEXT NOT NULL,
        assignee TEXT,
        priority TEXT NOT NULL,
        response_due DOUBLE PRECISION,
        resolution_due DOUBLE PRECISION,
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (incident_id, system)
    )
    """,
    "CREATE INDEX tickets_by_status ON tickets (status)",
    """
    CREATE TABLE ticket_history (
        id {serial},
        incident_id TEXT NOT NULL,
        system TEXT,
        at DOUBLE PRECISION NOT NULL,
        actor TEXT NOT NULL,
        step TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX ticket_history_by_incident ON ticket_history (incident_id, id)",
    """
    CREATE TABLE pages (
        id {serial},
        incident_id TEXT NOT NULL,
        pager TEXT NOT NULL,
        event TEXT NOT NULL,
        level INTEGER NOT NULL,
        sent_at DOUBLE PRECISION NOT NULL
    )
    """,
    "CREATE INDEX pages_by_incident ON pages (incident_id, id)",
    """
    CREATE TABLE problems (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('problem', 'major_incident')),
        signature TEXT NOT NULL,
        members {json} NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    )
    """,
    "CREATE INDEX problems_by_signature ON problems (kind, signature, created_at)",
)


# Operator-declared maintenance windows (the NOC API). Node ids, sites and tags are JSON
# lists; `active_at` queries compare the three times (see MaintenanceWindow.active).
_V2 = (
    """
    CREATE TABLE maintenance_windows (
        id TEXT PRIMARY KEY,
        nodes {json} NOT NULL,
        sites {json} NOT NULL,
        tags {json} NOT NULL,
        starts_at DOUBLE PRECISION NOT NULL,
        ends_at DOUBLE PRECISION,
        reason TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        ended_at DOUBLE PRECISION,
        ended_by TEXT
    )
    """,
    "CREATE INDEX maintenance_windows_by_start ON maintenance_windows (starts_at, ends_at)",
)


# How often each action was claimed: a claim whose send may have reached the system (the
# worker died, or its answer was lost) shows as a later claim, so the next send knows it
# is a retry even when no failed attempt was recorded (see OutboxEntry.claims).
_V3 = ("ALTER TABLE outbox ADD COLUMN claims INTEGER NOT NULL DEFAULT 0",)


def _dialect(statements: tuple[str, ...], *, json: str, serial: str) -> tuple[str, ...]:
    return tuple(" ".join(s.format(json=json, serial=serial).split()) for s in statements)


SQLITE: Final[tuple[Migration, ...]] = (
    Migration(
        1,
        "incidents, outbox, tickets, history, pages, problems",
        _dialect(_V1, json="TEXT", serial="INTEGER PRIMARY KEY AUTOINCREMENT"),
    ),
    Migration(2, "maintenance windows", _dialect(_V2, json="TEXT", serial="")),
    Migration(3, "outbox claims", _dialect(_V3, json="TEXT", serial="")),
)

POSTGRES: Final[tuple[Migration, ...]] = (
    Migration(
        1,
        "incidents, outbox, tickets, history, pages, problems",
        _dialect(_V1, json="JSONB", serial="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    ),
    Migration(2, "maintenance windows", _dialect(_V2, json="JSONB", serial="")),
    Migration(3, "outbox claims", _dialect(_V3, json="JSONB", serial="")),
)


def pending(migrations: tuple[Migration, ...], applied: int) -> list[Migration]:
    """The migrations above version ``applied``, in order (checked to be 1, 2, 3, ...)."""
    for index, migration in enumerate(migrations, start=1):
        if migration.version != index:
            raise StoreError(f"migration {migration.name!r} has version {migration.version}")
    if applied > len(migrations):
        raise StoreError(
            f"the database is at schema version {applied}, newer than this correlator "
            f"({len(migrations)}): upgrade correlator"
        )
    return list(migrations[applied:])
