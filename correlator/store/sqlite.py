# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The SQLite store: the embedded default (a file in the data folder, or ``:memory:``).

One connection lives on one worker thread; every call runs there, so the event loop never
blocks on the disk and statements of one store never interleave. Writes run in
``BEGIN IMMEDIATE`` transactions: SQLite lets one writer at a time hold the database, so
two stores on the same file (two processes) never claim the same outbox action.
The file is in WAL mode with ``synchronous=FULL``: a committed action survives a crash.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

from correlator.clock import Clock
from correlator.store import sql
from correlator.store.migrations import SCHEMA_VERSION_TABLE, SQLITE, pending
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

MEMORY: Final = ":memory:"
DEFAULT_FILENAME: Final = "correlator.db"
"""The store's file name inside the configured data folder."""


@contextmanager
def _write(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: the database's write lock is taken at the start."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class SqliteStore:
    """The store in one SQLite file (``path``), created with its folder when missing."""

    def __init__(self, path: Path | str, *, clock: Clock, busy_timeout_s: float = 10.0) -> None:
        self.path = path
        self._clock = clock
        self._busy_timeout_s = busy_timeout_s
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    # plumbing

    async def _call(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            raise StoreError(f"the store {self.path} is not open")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn)
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            if self._db is None:
                raise StoreError(f"the store {self.path} is not open")
            return fn(self._db)

        return await self._call(call)

    async def _rows(self, query: str, params: Sequence[Any] = ()) -> list[sql.Row]:
        return await self._run(lambda db: list(db.execute(query, params)))

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def in_transaction(db: sqlite3.Connection) -> T:
            with _write(db):
                return fn(db)

        return await self._run(in_transaction)

    # lifecycle

    def _connect(self) -> None:
        if self._db is not None:
            return
        target = str(self.path)
        if target != MEMORY:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_s * 1000)}")
            if target != MEMORY:
                self._set_wal(db)
            db.execute("PRAGMA synchronous = FULL")
            with _write(db):
                db.execute(SCHEMA_VERSION_TABLE)
                applied = int(db.execute(sql.SELECT_VERSION).fetchone()["version"])
                for migration in pending(SQLITE, applied):
                    for statement in migration.statements:
                        db.execute(statement)
                    db.execute(
                        sql.INSERT_VERSION,
                        (migration.version, migration.name, self._clock.now()),
                    )
        except BaseException:
            db.close()
            raise
        self._db = db

    def _set_wal(self, db: sqlite3.Connection) -> None:
        """Switch to WAL. Changing the journal mode needs the database to itself and does
        not always wait out ``busy_timeout`` (several daemons or tests opening one new
        file at once get "database is locked"), so it is retried within that timeout."""
        deadline = time.monotonic() + self._busy_timeout_s
        while True:
            try:
                db.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
            else:
                return

    async def open(self) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        try:
            await self._call(self._connect)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return

        def close_db() -> None:
            db, self._db = self._db, None
            if db is not None:
                db.close()

        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(executor, close_db)
        finally:
            executor.shutdown(wait=True)

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

        def write(db: sqlite3.Connection) -> None:
            if snapshot is not None:
                db.execute(sql.UPSERT_INCIDENT, sql.incident_params(snapshot))
            for action in actions:
                db.execute(sql.INSERT_ACTION, sql.action_params(action, now))
            for entry in history:
                db.execute(sql.INSERT_HISTORY, sql.history_params(entry))

        await self._write(write)

    async def incident(self, incident_id: str) -> IncidentSnapshot | None:
        rows = await self._rows(sql.SELECT_INCIDENT, (incident_id,))
        return sql.incident_of(rows[0], json.loads) if rows else None

    async def incidents(self, status: str | None = None) -> list[IncidentSnapshot]:
        if status is None:
            rows = await self._rows(sql.SELECT_INCIDENTS)
        else:
            rows = await self._rows(sql.SELECT_INCIDENTS_IN, (status,))
        return [sql.incident_of(row, json.loads) for row in rows]

    async def due(
        self, now: float, limit: int, *, lease_s: float = DEFAULT_LEASE_S
    ) -> list[OutboxEntry]:
        stamp = self._clock.now()

        def claim(db: sqlite3.Connection) -> list[sql.Row]:
            ids = [int(row["id"]) for row in db.execute(sql.SELECT_DUE, (now, limit))]
            claimed: list[sql.Row] = []
            for action_id in ids:
                db.execute(sql.LEASE, (now + lease_s, stamp, action_id))
                claimed.append(db.execute(sql.SELECT_ACTION, (action_id,)).fetchone())
            return claimed

        rows = sorted(await self._write(claim), key=lambda row: int(row["id"]))
        return [sql.entry_of(row, json.loads) for row in rows]

    async def mark_sent(
        self,
        action_id: int,
        result: Mapping[str, Any] | None = None,
        effects: SentEffects | None = None,
    ) -> None:
        now = self._clock.now()
        encoded = None if result is None else sql.encode_json(result)

        def write(db: sqlite3.Connection) -> None:
            if db.execute(sql.MARK_SENT, (encoded, now, action_id)).rowcount == 0:
                return
            if effects is None:
                return
            if effects.ticket is not None:
                db.execute(sql.UPSERT_TICKET, sql.ticket_params(effects.ticket))
            for entry in effects.history:
                db.execute(sql.INSERT_HISTORY, sql.history_params(entry))
            for page in effects.pages:
                db.execute(sql.INSERT_PAGE, sql.page_params(page))

        await self._write(write)

    async def mark_retry(self, action_id: int, next_attempt_at: float, error: str) -> None:
        params = (next_attempt_at, error, self._clock.now(), action_id)
        await self._write(lambda db: db.execute(sql.MARK_RETRY, params))

    async def defer(self, action_id: int, next_attempt_at: float, reason: str) -> None:
        params = (next_attempt_at, reason, self._clock.now(), action_id)
        await self._write(lambda db: db.execute(sql.DEFER, params))

    async def mark_failed(self, action_id: int, error: str) -> None:
        params = (error, self._clock.now(), action_id)
        await self._write(lambda db: db.execute(sql.MARK_FAILED, params))

    async def action(self, action_id: int) -> OutboxEntry | None:
        rows = await self._rows(sql.SELECT_ACTION, (action_id,))
        return sql.entry_of(rows[0], json.loads) if rows else None

    async def actions(self, incident_id: str) -> list[OutboxEntry]:
        rows = await self._rows(sql.SELECT_ACTIONS, (incident_id,))
        return [sql.entry_of(row, json.loads) for row in rows]

    async def outbox_counts(self) -> dict[OutboxStatus, int]:
        return sql.counts_of(await self._rows(sql.COUNT_ACTIONS))

    # tickets, history, pages

    async def save_ticket(self, ticket: TicketRecord) -> None:
        params = sql.ticket_params(ticket)
        await self._write(lambda db: db.execute(sql.UPSERT_TICKET, params))

    async def ticket(self, incident_id: str, system: str) -> TicketRecord | None:
        rows = await self._rows(sql.SELECT_TICKET, (incident_id, system))
        return sql.ticket_of(rows[0]) if rows else None

    async def tickets(self, incident_id: str) -> list[TicketRecord]:
        return [sql.ticket_of(r) for r in await self._rows(sql.SELECT_TICKETS, (incident_id,))]

    async def open_tickets(self) -> list[TicketRecord]:
        return [sql.ticket_of(r) for r in await self._rows(sql.SELECT_OPEN_TICKETS)]

    async def add_history(self, entry: HistoryEntry) -> None:
        params = sql.history_params(entry)
        await self._write(lambda db: db.execute(sql.INSERT_HISTORY, params))

    async def history(self, incident_id: str) -> list[HistoryEntry]:
        return [sql.history_of(r) for r in await self._rows(sql.SELECT_HISTORY, (incident_id,))]

    async def log_page(self, page: PageRecord) -> None:
        params = sql.page_params(page)
        await self._write(lambda db: db.execute(sql.INSERT_PAGE, params))

    async def pages(self, incident_id: str) -> list[PageRecord]:
        return [sql.page_of(r) for r in await self._rows(sql.SELECT_PAGES, (incident_id,))]

    # problem records and major incidents

    async def save_problem(self, problem: ProblemRecord) -> None:
        params = sql.problem_params(problem)
        await self._write(lambda db: db.execute(sql.UPSERT_PROBLEM, params))

    async def problem(self, problem_id: str) -> ProblemRecord | None:
        rows = await self._rows(sql.SELECT_PROBLEM, (problem_id,))
        return sql.problem_of(rows[0], json.loads) if rows else None

    async def problems(
        self, kind: ProblemKind | None = None, signature: str | None = None
    ) -> list[ProblemRecord]:
        query, params = sql.select_problems(kind, signature)
        return [sql.problem_of(r, json.loads) for r in await self._rows(query, params)]

    # maintenance windows

    async def save_window(self, window: MaintenanceWindow) -> None:
        params = sql.window_params(window)
        await self._write(lambda db: db.execute(sql.UPSERT_WINDOW, params))

    async def windows(self, *, active_at: float | None = None) -> list[MaintenanceWindow]:
        query, params = sql.select_windows(active_at)
        return [sql.window_of(r, json.loads) for r in await self._rows(query, params)]

    async def window(self, window_id: str) -> MaintenanceWindow | None:
        rows = await self._rows(sql.SELECT_WINDOW, (window_id,))
        return sql.window_of(rows[0], json.loads) if rows else None
