# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The PostgreSQL store (production), on psycopg 3's async API.

One connection per store, used by one call at a time, and opened again after the server
went away (the call that saw the loss fails with :class:`StoreError`; the next one
reconnects). Claiming uses ``FOR UPDATE SKIP LOCKED`` so that workers on other connections
neither wait for nor take the actions this one claims. Migrations run under a
transaction-scoped advisory lock, so daemons starting together migrate once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

import psycopg
from psycopg.rows import DictRow, dict_row

from correlator.clock import Clock
from correlator.store import sql
from correlator.store.migrations import POSTGRES, SCHEMA_VERSION_TABLE, pending
from correlator.store.protocol import (
    DEFAULT_LEASE_S,
    HistoryEntry,
    IncidentSnapshot,
    MaintenanceWindow,
    OutboxAction,
    OutboxEntry,
    OutboxStatus,
    PageRecord,
    ProblemKind,
    ProblemRecord,
    SentEffects,
    StoreError,
    TicketRecord,
)

T = TypeVar("T")
Connection = psycopg.AsyncConnection[DictRow]

MIGRATION_LOCK: Final = 0x636F_7272  # "corr": the advisory lock taken while migrating

CLAIM: Final = f"""
WITH claimed AS ({sql.pg(sql.SELECT_DUE)} FOR UPDATE SKIP LOCKED)
UPDATE outbox SET next_attempt_at = %s, updated_at = %s, claims = outbox.claims + 1
FROM claimed WHERE outbox.id = claimed.id
RETURNING outbox.*
"""  # noqa: S608 - made of constant SQL only


def _same(value: Any) -> Any:
    """psycopg already decodes jsonb columns."""
    return value


class PostgresStore:
    """The store in a PostgreSQL database (``dsn``: a libpq connection string or URL)."""

    def __init__(self, dsn: str, *, clock: Clock, connect_timeout_s: float = 10.0) -> None:
        self._dsn = dsn
        self._clock = clock
        self._connect_timeout_s = connect_timeout_s
        self._conn: Connection | None = None
        self._lock = asyncio.Lock()
        self._opened = False

    def __repr__(self) -> str:
        return "PostgresStore()"  # the DSN may hold a password

    # plumbing

    async def _connection(self) -> Connection:
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        self._conn = None
        if conn is not None:
            await conn.close()
        self._conn = await psycopg.AsyncConnection.connect(
            self._dsn,
            autocommit=True,
            row_factory=dict_row,
            connect_timeout=max(1, round(self._connect_timeout_s)),
        )
        return self._conn

    async def _session(self, fn: Callable[[Connection], Awaitable[T]]) -> T:
        if not self._opened:
            raise StoreError("the PostgreSQL store is not open")
        async with self._lock:
            try:
                return await fn(await self._connection())
            except psycopg.Error as exc:
                raise StoreError(f"PostgreSQL store: {exc}") from exc

    async def _rows(self, query: str, params: Sequence[Any] = ()) -> list[DictRow]:
        async def read(conn: Connection) -> list[DictRow]:
            cursor = await conn.execute(sql.pg(query), params)
            return await cursor.fetchall()

        return await self._session(read)

    async def _write(self, fn: Callable[[Connection], Awaitable[T]]) -> T:
        async def in_transaction(conn: Connection) -> T:
            async with conn.transaction():
                return await fn(conn)

        return await self._session(in_transaction)

    async def _execute(self, query: str, params: Sequence[Any]) -> None:
        async def write(conn: Connection) -> None:
            await conn.execute(sql.pg(query), params)

        await self._write(write)

    # lifecycle

    async def open(self) -> None:
        self._opened = True

        async def migrate(conn: Connection) -> None:
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await conn.execute(SCHEMA_VERSION_TABLE)
            row = await (await conn.execute(sql.SELECT_VERSION)).fetchone()
            applied = 0 if row is None else int(row["version"])
            for migration in pending(POSTGRES, applied):
                for statement in migration.statements:
                    await conn.execute(statement)
                await conn.execute(
                    sql.pg(sql.INSERT_VERSION),
                    (migration.version, migration.name, self._clock.now()),
                )

        try:
            await self._write(migrate)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        self._opened = False
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close()

    async def schema_version(self) -> int:
        rows = await self._rows(sql.SELECT_VERSION)
        return int(rows[0]["version"])

    # incidents and the outbox

    async def apply(
        self,
        snapshot: IncidentSnapshot | None,
        actions: Sequence[OutboxAction],
        *,
        history: Sequence[HistoryEntry] = (),
    ) -> None:
        now = self._clock.now()

        async def write(conn: Connection) -> None:
            if snapshot is not None:
                await conn.execute(sql.pg(sql.UPSERT_INCIDENT), sql.incident_params(snapshot))
            for action in actions:
                await conn.execute(sql.pg(sql.INSERT_ACTION), sql.action_params(action, now))
            for entry in history:
                await conn.execute(sql.pg(sql.INSERT_HISTORY), sql.history_params(entry))

        await self._write(write)

    async def incident(self, incident_id: str) -> IncidentSnapshot | None:
        rows = await self._rows(sql.SELECT_INCIDENT, (incident_id,))
        return sql.incident_of(rows[0], _same) if rows else None

    async def incidents(self, status: str | None = None) -> list[IncidentSnapshot]:
        if status is None:
            rows = await self._rows(sql.SELECT_INCIDENTS)
        else:
            rows = await self._rows(sql.SELECT_INCIDENTS_IN, (status,))
        return [sql.incident_of(row, _same) for row in rows]

    async def due(
        self, now: float, limit: int, *, lease_s: float = DEFAULT_LEASE_S
    ) -> list[OutboxEntry]:
        params = (now, limit, now + lease_s, self._clock.now())

        async def claim(conn: Connection) -> list[DictRow]:
            return await (await conn.execute(CLAIM, params)).fetchall()

        rows = sorted(await self._write(claim), key=lambda row: int(row["id"]))
        return [sql.entry_of(row, _same) for row in rows]

    async def mark_sent(
        self,
        action_id: int,
        result: Mapping[str, Any] | None = None,
        effects: SentEffects | None = None,
    ) -> None:
        now = self._clock.now()
        encoded = None if result is None else sql.encode_json(result)

        async def write(conn: Connection) -> None:
            cursor = await conn.execute(sql.pg(sql.MARK_SENT), (encoded, now, action_id))
            if cursor.rowcount == 0 or effects is None:
                return
            if effects.ticket is not None:
                await conn.execute(sql.pg(sql.UPSERT_TICKET), sql.ticket_params(effects.ticket))
            for entry in effects.history:
                await conn.execute(sql.pg(sql.INSERT_HISTORY), sql.history_params(entry))
            for page in effects.pages:
                await conn.execute(sql.pg(sql.INSERT_PAGE), sql.page_params(page))

        await self._write(write)

    async def mark_retry(self, action_id: int, next_attempt_at: float, error: str) -> None:
        await self._execute(sql.MARK_RETRY, (next_attempt_at, error, self._clock.now(), action_id))

    async def defer(self, action_id: int, next_attempt_at: float, reason: str) -> None:
        await self._execute(sql.DEFER, (next_attempt_at, reason, self._clock.now(), action_id))

    async def mark_failed(self, action_id: int, error: str) -> None:
        await self._execute(sql.MARK_FAILED, (error, self._clock.now(), action_id))

    async def action(self, action_id: int) -> OutboxEntry | None:
        rows = await self._rows(sql.SELECT_ACTION, (action_id,))
        return sql.entry_of(rows[0], _same) if rows else None

    async def actions(self, incident_id: str) -> list[OutboxEntry]:
        rows = await self._rows(sql.SELECT_ACTIONS, (incident_id,))
        return [sql.entry_of(row, _same) for row in rows]

    async def outbox_counts(self) -> dict[OutboxStatus, int]:
        return sql.counts_of(list(await self._rows(sql.COUNT_ACTIONS)))

    # tickets, history, pages

    async def save_ticket(self, ticket: TicketRecord) -> None:
        await self._execute(sql.UPSERT_TICKET, sql.ticket_params(ticket))

    async def ticket(self, incident_id: str, system: str) -> TicketRecord | None:
        rows = await self._rows(sql.SELECT_TICKET, (incident_id, system))
        return sql.ticket_of(rows[0]) if rows else None

    async def tickets(self, incident_id: str) -> list[TicketRecord]:
        return [sql.ticket_of(r) for r in await self._rows(sql.SELECT_TICKETS, (incident_id,))]

    async def open_tickets(self) -> list[TicketRecord]:
        return [sql.ticket_of(r) for r in await self._rows(sql.SELECT_OPEN_TICKETS)]

    async def add_history(self, entry: HistoryEntry) -> None:
        await self._execute(sql.INSERT_HISTORY, sql.history_params(entry))

    async def history(self, incident_id: str) -> list[HistoryEntry]:
        return [sql.history_of(r) for r in await self._rows(sql.SELECT_HISTORY, (incident_id,))]

    async def log_page(self, page: PageRecord) -> None:
        await self._execute(sql.INSERT_PAGE, sql.page_params(page))

    async def pages(self, incident_id: str) -> list[PageRecord]:
        return [sql.page_of(r) for r in await self._rows(sql.SELECT_PAGES, (incident_id,))]

    # problem records and major incidents

    async def save_problem(self, problem: ProblemRecord) -> None:
        await self._execute(sql.UPSERT_PROBLEM, sql.problem_params(problem))

    async def problem(self, problem_id: str) -> ProblemRecord | None:
        rows = await self._rows(sql.SELECT_PROBLEM, (problem_id,))
        return sql.problem_of(rows[0], _same) if rows else None

    async def problems(
        self, kind: ProblemKind | None = None, signature: str | None = None
    ) -> list[ProblemRecord]:
        query, params = sql.select_problems(kind, signature)
        return [sql.problem_of(r, _same) for r in await self._rows(query, params)]

    # maintenance windows

    async def save_window(self, window: MaintenanceWindow) -> None:
        await self._execute(sql.UPSERT_WINDOW, sql.window_params(window))

    async def windows(self, *, active_at: float | None = None) -> list[MaintenanceWindow]:
        query, params = sql.select_windows(active_at)
        return [sql.window_of(r, _same) for r in await self._rows(query, params)]

    async def window(self, window_id: str) -> MaintenanceWindow | None:
        rows = await self._rows(sql.SELECT_WINDOW, (window_id,))
        return sql.window_of(rows[0], _same) if rows else None
