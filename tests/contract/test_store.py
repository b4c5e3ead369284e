# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The store contract: one suite for SQLite (a file in a temporary data folder) and a real
PostgreSQL server (tests/postgres_server.py), each test on a fresh database.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import sql

from correlator.clock import ManualClock
from correlator.dispatch.model import PageEvent, TicketStatus
from correlator.dispatch.priority import Priority
from correlator.store.migrations import POSTGRES, SQLITE
from correlator.store.postgres import PostgresStore
from correlator.store.protocol import (
    ActionKind,
    HistoryEntry,
    HistoryStep,
    IncidentSnapshot,
    MaintenanceWindow,
    OutboxAction,
    OutboxStatus,
    PageRecord,
    ProblemKind,
    ProblemRecord,
    SentEffects,
    Store,
    StoreError,
    TicketRecord,
)
from correlator.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

T0 = 1_700_000_000.0
LEASE = 60.0


@dataclass
class Backend:
    """One store implementation under test: new stores on the same database, raw counts."""

    name: str
    clock: ManualClock
    _make: Callable[[], Store]
    _count: Callable[[str], int]
    _execute: Callable[[str], None]
    opened: list[Store] = field(default_factory=list)

    async def open(self) -> Store:
        """A new opened store on the same database (another connection)."""
        store = self._make()
        self.opened.append(store)
        await store.open()
        return store

    def count(self, table: str) -> int:
        """Rows in ``table``, read over a connection of the test's own."""
        return self._count(table)

    def execute(self, statement: str) -> None:
        """Run one statement over a connection of the test's own (committed)."""
        self._execute(statement)


def _sqlite_count(path: Path) -> Callable[[str], int]:
    def count(table: str) -> int:
        with sqlite3.connect(path) as db:
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    return count


def _sqlite_execute(path: Path) -> Callable[[str], None]:
    def execute(statement: str) -> None:
        with sqlite3.connect(path) as db:
            db.execute(statement)

    return execute


def _pg_execute(dsn: str) -> Callable[[str], None]:
    def execute(statement: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(statement.encode())

    return execute


def _pg_count(dsn: str) -> Callable[[str], int]:
    def count(table: str) -> int:
        with psycopg.connect(dsn) as conn:
            query = sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None
            return int(row[0])

    return count


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.peer)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    clock = ManualClock(T0)
    if request.param == "sqlite":
        path = tmp_path / "data" / "correlator.db"
        return Backend(
            "sqlite",
            clock,
            lambda: SqliteStore(path, clock=clock),
            _sqlite_count(path),
            _sqlite_execute(path),
        )
    dsn: str = request.getfixturevalue("fresh_pg_dsn")
    return Backend(
        "postgres",
        clock,
        lambda: PostgresStore(dsn, clock=clock),
        _pg_count(dsn),
        _pg_execute(dsn),
    )


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    store = await backend.open()
    yield store
    for opened in backend.opened:
        await opened.close()


def incident_doc(incident_id: str = "INC-000001", *, updated_at: float = T0, **extra: Any):
    doc: dict[str, Any] = {
        "id": incident_id,
        "opened_at": T0 - 30,
        "resolved_at": None,
        "root_cause": "bru-core-1",
        "root_cause_inferred": False,
        "title": "bru-core-1 down: 3 alerts on 2 nodes",
        "priority": "P1",
        "team": "network",
        "nodes": ["bru-core-1", "web-01"],
        "alerts": [
            {
                "source": "nagios",
                "host": "bru-core-1",
                "check": None,
                "node": "bru-core-1",
                "severity": "critical",
                "first_seen": T0 - 30,
                "resolved_at": None,
            }
        ],
        "events": ["e17", "e18"],
        "pages": 1,
        "status": "open",
        "flapping": False,
        "maintenance": False,
        "priority_reason": "impact high x urgency high = P1",
        "explanation": ["bru-core-1 explains web-01 (cost 1.5)"],
        "updated_at": updated_at,
    }
    doc.update(extra)
    return doc


def action(
    key: str,
    incident_id: str = "INC-000001",
    *,
    kind: ActionKind = ActionKind.TICKET_CREATE,
    target: str = "rt",
    payload: dict[str, Any] | None = None,
) -> OutboxAction:
    return OutboxAction(
        idempotency_key=key,
        kind=kind,
        target=target,
        incident_id=incident_id,
        payload=payload if payload is not None else {"title": f"ticket for {incident_id}"},
    )


def ticket(incident_id: str = "INC-000001", **changes: Any) -> TicketRecord:
    record = TicketRecord(
        incident_id=incident_id,
        system="rt",
        ticket_id="4711",
        status=TicketStatus.NEW,
        priority=Priority.P1,
        created_at=T0,
        updated_at=T0,
        url="https://rt.example/Ticket/Display.html?id=4711",
        assignee=None,
        response_due=T0 + 900,
        resolution_due=T0 + 4 * 3600,
    )
    return replace(record, **changes)


# schema


def test_both_databases_have_the_same_migrations() -> None:
    """SQLite and PostgreSQL migrate through the same numbered, named versions."""
    assert [(m.version, m.name) for m in SQLITE] == [(m.version, m.name) for m in POSTGRES]
    assert [m.version for m in SQLITE] == list(range(1, len(SQLITE) + 1))


async def test_migrations_apply_on_an_empty_database_and_reopen_is_a_no_op(
    backend: Backend, store: Store
) -> None:
    """Opening an empty database applies every migration once; opening it again changes nothing."""
    assert await store.schema_version() == len(SQLITE)
    assert backend.count("schema_version") == len(SQLITE)
    await store.apply(IncidentSnapshot.of(incident_doc()), [action("k1")])
    await store.close()

    backend.clock.advance(60)
    again = await backend.open()
    assert await again.schema_version() == len(SQLITE)
    assert backend.count("schema_version") == len(SQLITE)
    assert await again.incident("INC-000001") is not None
    assert [a.idempotency_key for a in await again.actions("INC-000001")] == ["k1"]


async def test_a_version_1_database_is_upgraded_and_keeps_its_data(
    backend: Backend, store: Store
) -> None:
    """A database at schema version 1 (before maintenance windows and outbox claims) gets
    the later migrations at open and keeps what it held."""
    await store.apply(IncidentSnapshot.of(incident_doc()), [action("k1")])
    await store.close()
    backend.execute("DROP TABLE maintenance_windows")
    backend.execute("ALTER TABLE outbox DROP COLUMN claims")
    backend.execute("DELETE FROM schema_version WHERE version > 1")

    again = await backend.open()
    assert await again.schema_version() == len(SQLITE)
    assert await again.incident("INC-000001") is not None
    assert [(c.idempotency_key, c.claims) for c in await again.due(T0, 10)] == [("k1", 1)]
    assert await again.windows() == []
    await again.save_window(window())
    assert await again.window("MW-1") == window()


async def test_stores_opening_together_migrate_once(backend: Backend) -> None:
    """Several stores opening a new database at the same moment apply each migration once."""
    stores = await asyncio.gather(*(backend.open() for _ in range(3)))
    assert [await s.schema_version() for s in stores] == [len(SQLITE)] * 3
    assert backend.count("schema_version") == len(SQLITE)
    for s in stores:
        await s.close()


async def test_a_closed_store_refuses_calls(store: Store) -> None:
    """A call on a closed store raises StoreError instead of hanging or half-working."""
    await store.close()
    with pytest.raises(StoreError):
        await store.incident("INC-000001")


# apply: snapshot and actions in one transaction


async def test_apply_writes_the_snapshot_and_the_actions(backend: Backend, store: Store) -> None:
    """apply stores the incident JSON as given and enqueues every action as pending."""
    doc = incident_doc()
    await store.apply(
        IncidentSnapshot.of(doc),
        [action("k1"), action("k2", kind=ActionKind.PAGE_TRIGGER, target="pagerduty")],
    )
    got = await store.incident("INC-000001")
    assert got is not None
    assert (got.id, got.status, got.updated_at) == ("INC-000001", "open", T0)
    assert dict(got.body) == doc

    entries = await store.actions("INC-000001")
    assert [(e.idempotency_key, e.kind, e.target) for e in entries] == [
        ("k1", ActionKind.TICKET_CREATE, "rt"),
        ("k2", ActionKind.PAGE_TRIGGER, "pagerduty"),
    ]
    for entry in entries:
        assert entry.status is OutboxStatus.PENDING
        assert entry.attempts == 0
        assert entry.next_attempt_at == T0
        assert entry.created_at == T0
        assert entry.last_error is None
        assert entry.result is None
    assert dict(entries[0].payload) == {"title": "ticket for INC-000001"}
    assert await store.outbox_counts() == {
        OutboxStatus.PENDING: 2,
        OutboxStatus.SENT: 0,
        OutboxStatus.FAILED: 0,
    }


async def test_apply_is_all_or_nothing(backend: Backend, store: Store) -> None:
    """A failure in the middle of apply (after the snapshot and one action) writes nothing."""
    not_json = {"when": object()}
    with pytest.raises(TypeError):
        await store.apply(
            IncidentSnapshot.of(incident_doc()),
            [action("k1"), action("k2", payload=not_json)],
        )
    assert await store.incident("INC-000001") is None
    assert await store.actions("INC-000001") == []
    assert backend.count("incidents") == 0
    assert backend.count("outbox") == 0

    # an existing incident keeps its last snapshot when a later change fails
    await store.apply(IncidentSnapshot.of(incident_doc(pages=1)), [action("k1")])
    with pytest.raises(TypeError):
        await store.apply(
            IncidentSnapshot.of(incident_doc(updated_at=T0 + 5, pages=2)),
            [action("k3"), action("k4", payload=not_json)],
        )
    got = await store.incident("INC-000001")
    assert got is not None
    assert got.body["pages"] == 1
    assert [a.idempotency_key for a in await store.actions("INC-000001")] == ["k1"]


async def test_apply_records_history_with_the_change_all_or_nothing(
    backend: Backend, store: Store
) -> None:
    """History given to apply is written in the same transaction as the snapshot and the
    actions: with them when they are written, not at all when apply fails."""
    step = HistoryEntry("INC-000001", T0, "alice", HistoryStep.ACKNOWLEDGED, "acknowledged")
    note = HistoryEntry("INC-000001", T0 + 1, "alice", HistoryStep.NOTE, "rebooting the core")
    with pytest.raises(TypeError):
        await store.apply(
            IncidentSnapshot.of(incident_doc()),
            [action("k1", payload={"when": object()})],
            history=[step],
        )
    assert await store.history("INC-000001") == []
    assert backend.count("ticket_history") == 0

    await store.apply(IncidentSnapshot.of(incident_doc()), [action("k1")], history=[step, note])
    assert await store.history("INC-000001") == [step, note]
    await store.apply(None, [action("k1")], history=[note])
    assert await store.history("INC-000001") == [step, note, note]
    assert [a.idempotency_key for a in await store.actions("INC-000001")] == ["k1"]


async def test_apply_without_a_snapshot_only_enqueues(store: Store) -> None:
    """Actions that come from no incident change (an escalation step) are enqueued alone."""
    await store.apply(None, [action("esc-2", kind=ActionKind.PAGE_TRIGGER, target="pd")])
    assert await store.incident("INC-000001") is None
    assert [a.idempotency_key for a in await store.actions("INC-000001")] == ["esc-2"]


async def test_duplicate_idempotency_keys_are_ignored(backend: Backend, store: Store) -> None:
    """An action whose key is already in the outbox, in any status, is not enqueued again."""
    snapshot = IncidentSnapshot.of(incident_doc())
    await store.apply(snapshot, [action("k1"), action("k1")])
    await store.apply(snapshot, [action("k1", payload={"other": True}), action("k2")])
    entries = await store.actions("INC-000001")
    assert [e.idempotency_key for e in entries] == ["k1", "k2"]
    assert dict(entries[0].payload) == {"title": "ticket for INC-000001"}

    # once sent (or failed), a redelivered change still does not enqueue it again
    (first,) = await store.due(T0, 1, lease_s=LEASE)
    await store.mark_sent(first.id, {"ticket_id": "1"})
    backend.clock.advance(3600)
    await store.apply(snapshot, [action("k1")])
    assert backend.count("outbox") == 2
    entry = await store.action(first.id)
    assert entry is not None
    assert entry.status is OutboxStatus.SENT


async def test_an_older_snapshot_never_replaces_a_newer_one(store: Store) -> None:
    """A redelivered old incident change leaves the newer snapshot in place."""
    await store.apply(IncidentSnapshot.of(incident_doc(updated_at=T0 + 10, pages=2)), [])
    await store.apply(IncidentSnapshot.of(incident_doc(updated_at=T0, pages=1)), [])
    got = await store.incident("INC-000001")
    assert got is not None
    assert (got.updated_at, got.body["pages"]) == (T0 + 10, 2)

    await store.apply(IncidentSnapshot.of(incident_doc(updated_at=T0 + 20, status="resolved")), [])
    got = await store.incident("INC-000001")
    assert got is not None
    assert (got.status, got.updated_at) == ("resolved", T0 + 20)


async def test_incidents_are_listed_by_status(store: Store) -> None:
    """incidents() lists every snapshot, oldest change first, optionally of one status."""
    await store.apply(IncidentSnapshot.of(incident_doc("INC-000002", updated_at=T0 + 2)), [])
    await store.apply(
        IncidentSnapshot.of(incident_doc("INC-000001", updated_at=T0 + 1, status="resolved")),
        [],
    )
    await store.apply(IncidentSnapshot.of(incident_doc("INC-000003", updated_at=T0 + 3)), [])
    assert [s.id for s in await store.incidents()] == ["INC-000001", "INC-000002", "INC-000003"]
    assert [s.id for s in await store.incidents("open")] == ["INC-000002", "INC-000003"]
    assert [s.id for s in await store.incidents("resolved")] == ["INC-000001"]


# due, claim, mark_*


async def test_due_claims_and_leases_pending_actions(backend: Backend, store: Store) -> None:
    """due() returns actions whose time has come and hides them from other claims for the lease."""
    await store.apply(None, [action("k1", "INC-1"), action("k2", "INC-2")])
    assert await store.due(T0 - 1, 10, lease_s=LEASE) == []

    claimed = await store.due(T0, 10, lease_s=LEASE)
    assert [c.idempotency_key for c in claimed] == ["k1", "k2"]
    assert all(c.next_attempt_at == T0 + LEASE for c in claimed)
    assert all(c.attempts == 0 for c in claimed)
    assert await store.due(T0, 10, lease_s=LEASE) == []
    assert await store.due(T0 + LEASE - 1, 10, lease_s=LEASE) == []

    # a worker that died mid-send: the lease runs out and the action is due again
    again = await store.due(T0 + LEASE, 10, lease_s=LEASE)
    assert [c.idempotency_key for c in again] == ["k1", "k2"]


async def test_a_reclaimed_action_counts_as_a_retry(store: Store) -> None:
    """Each claim is counted durably: the first claim is a first send, a claim after a lease ran
    out (no attempt recorded) or after a failed attempt is a retry, and a deferral is not one."""
    await store.apply(None, [action("lost", "A"), action("failed", "B"), action("wait", "C")])
    first = {c.idempotency_key: c for c in await store.due(T0, 10, lease_s=LEASE)}
    assert [(c.claims, c.is_retry) for c in first.values()] == [(1, False)] * 3

    await store.mark_retry(first["failed"].id, T0 + 1, "rt: timed out")
    await store.defer(first["wait"].id, T0 + 1, "waiting for ticket.create")
    # "lost" recorded nothing: its worker died after sending; its lease runs out
    later = {c.idempotency_key: c for c in await store.due(T0 + LEASE, 10, lease_s=LEASE)}

    assert {k: (c.claims, c.attempts, c.is_retry) for k, c in later.items()} == {
        "lost": (2, 0, True),
        "failed": (2, 1, True),
        "wait": (1, 0, False),
    }


async def test_due_honours_the_limit_and_the_order(store: Store) -> None:
    """due() claims at most ``limit`` actions, earliest next attempt first."""
    await store.apply(None, [action(f"k{i}", f"INC-{i}") for i in range(5)])
    first = await store.due(T0, 2, lease_s=LEASE)
    assert [c.idempotency_key for c in first] == ["k0", "k1"]
    rest = await store.due(T0, 10, lease_s=LEASE)
    assert [c.idempotency_key for c in rest] == ["k2", "k3", "k4"]


async def test_mark_sent_retry_failed_and_defer(backend: Backend, store: Store) -> None:
    """The outbox lifecycle: retry counts an attempt, defer does not, sent and failed are final."""
    await store.apply(None, [action("sent", "A"), action("retry", "B"), action("fail", "C")])
    await store.apply(None, [action("wait", "D")])
    by_key = {c.idempotency_key: c for c in await store.due(T0, 10, lease_s=LEASE)}
    assert set(by_key) == {"sent", "retry", "fail", "wait"}

    backend.clock.advance(1)
    await store.mark_sent(by_key["sent"].id, {"ticket_id": "42"})
    await store.mark_retry(by_key["retry"].id, T0 + 30, "rt: HTTP 503")
    await store.mark_failed(by_key["fail"].id, "rt: HTTP 400: no such queue")
    await store.defer(by_key["wait"].id, T0 + 10, "waiting for ticket.create")

    sent = await store.action(by_key["sent"].id)
    assert sent is not None
    assert (sent.status, sent.attempts, sent.result) == (OutboxStatus.SENT, 1, {"ticket_id": "42"})
    assert sent.updated_at == T0 + 1
    retry = await store.action(by_key["retry"].id)
    assert retry is not None
    assert (retry.status, retry.attempts, retry.next_attempt_at, retry.last_error) == (
        OutboxStatus.PENDING,
        1,
        T0 + 30,
        "rt: HTTP 503",
    )
    failed = await store.action(by_key["fail"].id)
    assert failed is not None
    assert (failed.status, failed.attempts, failed.last_error) == (
        OutboxStatus.FAILED,
        1,
        "rt: HTTP 400: no such queue",
    )
    waiting = await store.action(by_key["wait"].id)
    assert waiting is not None
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == (
        OutboxStatus.PENDING,
        0,
        T0 + 10,
    )
    assert await store.outbox_counts() == {
        OutboxStatus.PENDING: 2,
        OutboxStatus.SENT: 1,
        OutboxStatus.FAILED: 1,
    }

    assert [c.idempotency_key for c in await store.due(T0 + 10, 10, lease_s=LEASE)] == ["wait"]
    assert [c.idempotency_key for c in await store.due(T0 + 30, 10, lease_s=LEASE)] == ["retry"]


async def test_sent_and_failed_actions_are_never_due_again(store: Store) -> None:
    """After mark_sent or mark_failed an action is never claimed again, however late it is."""
    await store.apply(None, [action("a", "A"), action("b", "B")])
    a, b = await store.due(T0, 10, lease_s=LEASE)
    await store.mark_sent(a.id)
    await store.mark_failed(b.id, "HTTP 400")
    assert await store.due(T0 + 10**6, 10, lease_s=LEASE) == []


async def test_marking_a_finished_action_changes_nothing(store: Store) -> None:
    """mark_* on an action that is already sent or failed is a no-op, its effects included."""
    await store.apply(None, [action("a", "A"), action("b", "B")])
    a, b = await store.due(T0, 10, lease_s=LEASE)
    await store.mark_sent(a.id, {"n": 1})
    await store.mark_failed(b.id, "HTTP 400")

    await store.mark_sent(a.id, {"n": 2}, SentEffects(ticket=ticket("A")))
    await store.mark_retry(a.id, T0 + 5, "late retry")
    await store.mark_failed(a.id, "late failure")
    await store.mark_sent(b.id, {"n": 3}, SentEffects(ticket=ticket("B")))
    await store.defer(b.id, T0, "late defer")

    a_now, b_now = await store.action(a.id), await store.action(b.id)
    assert a_now is not None
    assert b_now is not None
    assert (a_now.status, a_now.attempts, a_now.result, a_now.last_error) == (
        OutboxStatus.SENT,
        1,
        {"n": 1},
        None,
    )
    assert (b_now.status, b_now.attempts, b_now.last_error) == (
        OutboxStatus.FAILED,
        1,
        "HTTP 400",
    )
    assert await store.tickets("A") == []
    assert await store.tickets("B") == []


async def test_actions_of_one_incident_and_target_go_out_in_order(store: Store) -> None:
    """Only the oldest pending action of an (incident, target) is due: no update before its create."""
    await store.apply(
        None,
        [
            action("create", "A"),
            action("update", "A", kind=ActionKind.TICKET_UPDATE),
            action("resolve", "A", kind=ActionKind.TICKET_RESOLVE),
            action("page", "A", kind=ActionKind.PAGE_TRIGGER, target="pd"),
            action("other", "B"),
        ],
    )
    first = await store.due(T0, 10, lease_s=LEASE)
    assert sorted(c.idempotency_key for c in first) == ["create", "other", "page"]
    create = next(c for c in first if c.idempotency_key == "create")

    # the create is retried later: its update keeps waiting behind it
    await store.mark_retry(create.id, T0 + 30, "HTTP 503")
    assert await store.due(T0 + 29, 10, lease_s=LEASE) == []
    (create_again,) = await store.due(T0 + 30, 10, lease_s=LEASE)
    assert create_again.idempotency_key == "create"

    await store.mark_sent(create_again.id)
    (update,) = await store.due(T0 + 30, 10, lease_s=LEASE)
    assert update.idempotency_key == "update"
    # a failed action does not block the ones behind it
    await store.mark_failed(update.id, "HTTP 400")
    (resolve,) = await store.due(T0 + 30, 10, lease_s=LEASE)
    assert resolve.idempotency_key == "resolve"


async def test_a_create_never_waits_behind_older_actions(store: Store) -> None:
    """A ticket.create is due even when an older action of its incident and target is pending."""
    await store.apply(None, [action("early-update", "A", kind=ActionKind.TICKET_UPDATE)])
    await store.apply(
        None, [action("create", "A"), action("later-update", "A", kind=ActionKind.TICKET_UPDATE)]
    )
    claimed = await store.due(T0, 10, lease_s=LEASE)
    assert [c.idempotency_key for c in claimed] == ["early-update", "create"]


async def test_two_concurrent_claimers_never_get_the_same_action(backend: Backend) -> None:
    """Workers on separate connections claiming at once share out the actions without overlap."""
    stores = [await backend.open() for _ in range(3)]
    await stores[0].apply(None, [action(f"k{i}", f"INC-{i:04d}") for i in range(300)])
    claims: list[list[int]] = [[] for _ in stores]

    async def claimer(index: int, store: Store) -> None:
        while batch := await store.due(T0, 7, lease_s=LEASE):
            claims[index].extend(entry.id for entry in batch)
            await asyncio.sleep(0)

    await asyncio.gather(*(claimer(i, s) for i, s in enumerate(stores)))
    everything = [action_id for claim in claims for action_id in claim]
    assert len(everything) == len(set(everything)) == 300
    for s in stores:
        await s.close()


# what a send records


async def test_mark_sent_records_its_ticket_history_and_pages(store: Store) -> None:
    """mark_sent writes the created ticket, the history step and the page with the sent state."""
    await store.apply(
        None,
        [action("create", "A"), action("page", "A", kind=ActionKind.PAGE_TRIGGER, target="pd")],
    )
    create, page = await store.due(T0, 10, lease_s=LEASE)
    step = HistoryEntry("A", T0, "correlator", HistoryStep.CREATED, "rt #4711", system="rt")
    await store.mark_sent(
        create.id, {"ticket_id": "4711"}, SentEffects(ticket=ticket("A"), history=[step])
    )
    paged = PageRecord("A", "pd", PageEvent.TRIGGER, 1, T0)
    await store.mark_sent(page.id, None, SentEffects(pages=[paged]))

    assert await store.ticket("A", "rt") == ticket("A")
    assert await store.history("A") == [step]
    assert await store.pages("A") == [paged]


async def test_tickets_round_trip(store: Store) -> None:
    """A ticket is kept per (incident, system); saving again replaces all but its creation time."""
    await store.save_ticket(ticket("A"))
    await store.save_ticket(ticket("A", system="jira", ticket_id="OPS-9", created_at=T0 + 1))
    await store.save_ticket(ticket("B", ticket_id="4712", created_at=T0 + 2))
    assert await store.ticket("A", "rt") == ticket("A")
    assert await store.ticket("A", "servicenow") is None
    assert [t.system for t in await store.tickets("A")] == ["rt", "jira"]

    taken = ticket(
        "A",
        status=TicketStatus.ASSIGNED,
        assignee="alice",
        priority=Priority.P2,
        updated_at=T0 + 60,
        created_at=T0 + 999,
    )
    await store.save_ticket(taken)
    assert await store.ticket("A", "rt") == replace(taken, created_at=T0)

    await store.save_ticket(ticket("B", ticket_id="4712", status=TicketStatus.RESOLVED))
    assert [(t.incident_id, t.system) for t in await store.open_tickets()] == [
        ("A", "rt"),
        ("A", "jira"),
    ]


async def test_ticket_without_optional_fields_round_trips(store: Store) -> None:
    """A ticket with no url, assignee or SLA deadlines comes back with None in each."""
    bare = ticket("A", url=None, assignee=None, response_due=None, resolution_due=None)
    await store.save_ticket(bare)
    assert await store.ticket("A", "rt") == bare


async def test_history_and_pages_round_trip(store: Store) -> None:
    """History steps and pages come back per incident in the order they were recorded."""
    steps = [
        HistoryEntry("A", T0, "correlator", HistoryStep.CREATED, "rt #4711", "rt"),
        HistoryEntry("A", T0 + 60, "alice", HistoryStep.ASSIGNED, "taken in RT", "rt"),
        HistoryEntry("A", T0 + 900, "correlator", HistoryStep.ESCALATED, "level 2", "pd"),
        HistoryEntry("B", T0 + 1, "correlator", HistoryStep.UPDATED),
        HistoryEntry("A", T0 + 950, "bob", HistoryStep.RESOLVED, "fixed the uplink", "rt"),
    ]
    for step in steps:
        await store.add_history(step)
    assert await store.history("A") == [s for s in steps if s.incident_id == "A"]
    assert await store.history("B") == [steps[3]]
    assert await store.history("C") == []

    pages = [
        PageRecord("A", "pd", PageEvent.TRIGGER, 1, T0),
        PageRecord("A", "pd", PageEvent.TRIGGER, 2, T0 + 900),
        PageRecord("A", "pd", PageEvent.RESOLVE, 2, T0 + 950),
    ]
    for page in pages:
        await store.log_page(page)
    assert await store.pages("A") == pages
    assert await store.pages("B") == []


async def test_problems_and_major_incidents_round_trip(store: Store) -> None:
    """Problem records and major incidents are kept by id, found by kind and signature."""
    problem = ProblemRecord("PRB-1", ProblemKind.PROBLEM, "root=bru-core-1", ("INC-1",), T0)
    major = ProblemRecord(
        "MAJ-1", ProblemKind.MAJOR_INCIDENT, "site=bru", ("INC-2", "INC-3"), T0 + 5
    )
    await store.save_problem(problem)
    await store.save_problem(major)
    grown = replace(problem, members=("INC-1", "INC-4"))
    await store.save_problem(grown)

    assert await store.problem("PRB-1") == grown
    assert await store.problem("PRB-404") is None
    assert await store.problems() == [grown, major]
    assert await store.problems(ProblemKind.MAJOR_INCIDENT) == [major]
    assert await store.problems(ProblemKind.PROBLEM, "root=bru-core-1") == [grown]
    assert await store.problems(signature="site=bru") == [major]
    assert await store.problems(ProblemKind.PROBLEM, "site=bru") == []


# maintenance windows


def window(window_id: str = "MW-1", **changes: Any) -> MaintenanceWindow:
    record = MaintenanceWindow(
        id=window_id,
        nodes=("bru-core-1", "bru-core-2"),
        sites=("bru-dc1",),
        tags=("role=edge", "lab"),
        starts_at=T0,
        ends_at=T0 + 3600,
        reason="firmware upgrade of the core switches",
        created_by="alice",
        created_at=T0 - 60,
    )
    return replace(record, **changes)


def test_a_window_is_active_from_its_start_until_its_end_or_its_early_end() -> None:
    """A window is in force from ``starts_at`` (inclusive) until ``ends_at`` or
    ``ended_at`` (exclusive); one without an end stays in force until it is ended."""
    planned = window()
    assert not planned.active(T0 - 1)
    assert planned.active(T0)
    assert planned.active(T0 + 3599)
    assert not planned.active(T0 + 3600)
    ended = window(ended_at=T0 + 600, ended_by="bob")
    assert ended.active(T0 + 599)
    assert not ended.active(T0 + 600)
    endless = window(ends_at=None)
    assert endless.active(T0 + 10 * 365 * 86400)


async def test_maintenance_windows_round_trip(store: Store) -> None:
    """Windows are kept by id with every field, listed oldest first, and saving the same
    id again replaces it (ending a window early)."""
    first = window("MW-1")
    second = window("MW-2", nodes=(), sites=(), tags=("rack=r12",), created_at=T0, ends_at=None)
    await store.save_window(second)
    await store.save_window(first)

    assert await store.window("MW-1") == first
    assert await store.window("MW-2") == second
    assert await store.window("MW-404") is None
    assert await store.windows() == [first, second]

    ended = replace(first, ended_at=T0 + 600, ended_by="bob")
    await store.save_window(ended)
    assert await store.window("MW-1") == ended
    assert await store.windows() == [ended, second]


async def test_windows_in_force_at_a_time_agree_with_active(store: Store) -> None:
    """``windows(active_at=t)`` returns exactly the windows whose ``active(t)`` is true,
    boundaries included."""
    saved = [
        window("MW-1"),
        window("MW-2", starts_at=T0 + 1800, ends_at=T0 + 7200, created_at=T0),
        window("MW-3", ends_at=None, ended_at=T0 + 900, ended_by="bob", created_at=T0 + 1),
        window("MW-4", starts_at=T0 + 3600, ends_at=None, created_at=T0 + 2),
    ]
    for item in saved:
        await store.save_window(item)
    for at in (T0 - 1, T0, T0 + 899, T0 + 900, T0 + 1800, T0 + 3599, T0 + 3600, T0 + 7200):
        expected = [w for w in saved if w.active(at)]
        assert await store.windows(active_at=at) == expected, at
    assert [w.id for w in await store.windows(active_at=T0 + 3600)] == ["MW-2", "MW-4"]


# PostgreSQL only


@pytest.mark.peer
async def test_postgres_store_reconnects_after_losing_its_connection(fresh_pg_dsn: str) -> None:
    """When the server drops the connection, one call fails with StoreError and the next works."""
    store = PostgresStore(fresh_pg_dsn, clock=ManualClock(T0))
    await store.open()
    try:
        await store.apply(None, [action("k1")])
        with psycopg.connect(fresh_pg_dsn, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(StoreError):
            await store.actions("INC-000001")
        assert [a.idempotency_key for a in await store.actions("INC-000001")] == ["k1"]
    finally:
        await store.close()
