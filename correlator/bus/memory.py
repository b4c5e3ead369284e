# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The in-process bus of the embedded default, optionally journalled to SQLite.

One partition per topic, consumer groups with committed offsets, as on Kafka: a group's
single partition of a topic is read by one member at a time (the first to ask), a member
that stops without committing leaves its messages to the next member, and a new group
starts at the beginning (``from_beginning``) or at the end of the log.

With a ``journal`` file every published record and every committed offset is written to
SQLite (WAL, ``synchronous=FULL``) and committed before :meth:`InMemoryBus.publish` or
:meth:`MemoryConsumer.commit` returns, and :meth:`InMemoryBus.start` reloads it: a restart
loses no accepted alert and redelivers what was not committed. SQLite work runs in a worker
thread, one statement batch at a time, so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, Final

from correlator.bus.protocol import BusUnavailableError, Message, Record
from correlator.clock import Clock, WallClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    key BLOB,
    value BLOB,
    headers TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    PRIMARY KEY (topic, "offset")
);
CREATE TABLE IF NOT EXISTS log_start (
    topic TEXT PRIMARY KEY,
    "offset" INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS committed (
    grp TEXT NOT NULL,
    topic TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    PRIMARY KEY (grp, topic)
);
"""


def _encode_headers(headers: tuple[tuple[str, bytes], ...]) -> str:
    return json.dumps([[name, value.hex()] for name, value in headers])


def _decode_headers(text: str) -> tuple[tuple[str, bytes], ...]:
    return tuple((str(name), bytes.fromhex(value)) for name, value in json.loads(text))


class _Journal:
    """The SQLite file behind a journalled bus; every method commits before returning."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def open(self) -> None:
        with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.executescript(_SCHEMA)
            except sqlite3.Error:
                db.close()
                raise
            self._db = db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise sqlite3.ProgrammingError(f"journal {self._path} is closed")
        return self._db

    def load(
        self,
    ) -> tuple[dict[str, int], list[Message], dict[tuple[str, str], int]]:
        """Log start per topic, every retained record in order, committed offsets."""
        with self._lock:
            db = self._conn()
            starts = {
                str(t): int(o) for t, o in db.execute('SELECT topic, "offset" FROM log_start')
            }
            rows = db.execute(
                'SELECT topic, "offset", key, value, headers, timestamp_ms FROM records '
                'ORDER BY topic, "offset"'
            )
            messages = [
                Message(
                    topic=str(topic),
                    partition=0,
                    offset=int(offset),
                    key=None if key is None else bytes(key),
                    value=None if value is None else bytes(value),
                    headers=_decode_headers(str(headers)),
                    timestamp_ms=int(timestamp_ms),
                )
                for topic, offset, key, value, headers, timestamp_ms in rows
            ]
            committed = {
                (str(g), str(t)): int(o)
                for g, t, o in db.execute('SELECT grp, topic, "offset" FROM committed')
            }
        return starts, messages, committed

    def append(self, messages: Sequence[Message]) -> None:
        with self._lock:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (
                            m.topic,
                            m.offset,
                            m.key,
                            m.value,
                            _encode_headers(m.headers),
                            m.timestamp_ms,
                        )
                        for m in messages
                    ],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def commit_offsets(self, group: str, offsets: Mapping[str, int]) -> None:
        with self._lock:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(
                    'INSERT INTO committed (grp, topic, "offset") VALUES (?, ?, ?) '
                    'ON CONFLICT (grp, topic) DO UPDATE SET "offset" = excluded."offset"',
                    [(group, topic, offset) for topic, offset in offsets.items()],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def trim(self, topic: str, start: int) -> None:
        with self._lock:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute('DELETE FROM records WHERE topic = ? AND "offset" < ?', (topic, start))
                db.execute(
                    'INSERT INTO log_start (topic, "offset") VALUES (?, ?) '
                    'ON CONFLICT (topic) DO UPDATE SET "offset" = excluded."offset"',
                    (topic, start),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise


@dataclass(slots=True)
class _Log:
    """One topic's single partition: ``messages[i].offset == start + i``."""

    start: int = 0
    messages: list[Message] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.start + len(self.messages)

    def read(self, position: int, limit: int) -> list[Message]:
        first = max(position, self.start) - self.start
        return self.messages[first : first + limit]


def _settle(pending: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
    """A done-callback that forgets the task and retrieves its outcome (no log noise)."""

    def done(task: asyncio.Task[None]) -> None:
        pending.discard(task)
        if not task.cancelled():
            task.exception()

    return done


class _Groups:
    """The logs, committed offsets and partition owners shared by a bus and its consumers."""

    def __init__(self, journal: _Journal | None) -> None:
        self.journal = journal
        self.logs: dict[str, _Log] = {}
        self.committed: dict[tuple[str, str], int] = {}
        self.owners: dict[tuple[str, str], int] = {}  # (group, topic) -> member id
        self.members: dict[int, MemoryConsumer] = {}
        self.new_data = asyncio.Event()

    def wake(self) -> None:
        """Wake every waiting :meth:`MemoryConsumer.getmany`."""
        event, self.new_data = self.new_data, asyncio.Event()
        event.set()

    def acquire(self, member: MemoryConsumer, topic: str) -> int | None:
        """The read position of ``member`` on ``topic``; None while another member owns it."""
        owner = self.owners.setdefault((member.group, topic), member.member_id)
        if owner != member.member_id:
            return None
        log = self.logs.get(topic, _Log())
        committed = self.committed.get((member.group, topic))
        if committed is not None:
            return max(committed, log.start)
        return log.start if member.from_beginning else log.end

    def release(self, member: MemoryConsumer) -> None:
        """``member`` left: its partitions go to the next member, from the committed offset."""
        for topic in member.topics:
            if self.owners.get((member.group, topic)) == member.member_id:
                del self.owners[(member.group, topic)]
        self.members.pop(member.member_id, None)
        self.wake()

    def read(self, topic: str, position: int, limit: int) -> list[Message]:
        log = self.logs.get(topic)
        return [] if log is None else log.read(position, limit)

    async def commit_offsets(self, group: str, offsets: Mapping[str, int]) -> None:
        if self.journal is not None:
            try:
                await asyncio.to_thread(self.journal.commit_offsets, group, offsets)
            except (sqlite3.Error, OSError) as exc:
                raise BusUnavailableError(f"cannot write the bus journal: {exc}") from exc
        for topic, offset in offsets.items():
            self.committed[(group, topic)] = offset


class InMemoryBus:
    """The Bus Protocol in process; with ``journal`` it survives a restart.

    ``retention_s`` maps a topic to how long its records are kept (like Kafka's
    ``retention.ms``); topics not named keep everything. Expired records are dropped when
    the next record is published to the topic.
    """

    def __init__(
        self,
        journal: Path | None = None,
        *,
        clock: Clock | None = None,
        retention_s: Mapping[str, float] | None = None,
    ) -> None:
        self._journal = None if journal is None else _Journal(journal)
        self._clock: Clock = clock or WallClock()
        self._retention_s = dict(retention_s or {})
        self._groups = _Groups(self._journal)
        self._ids = count(1)
        self._publish_lock = asyncio.Lock()
        self._pending: set[asyncio.Task[None]] = set()
        self._available = True
        self._started = False

    async def start(self) -> None:
        """Open and reload the journal, if any."""
        if self._started:
            return
        if self._journal is not None:
            journal = self._journal
            try:
                await asyncio.to_thread(journal.open)
                starts, messages, committed = await asyncio.to_thread(journal.load)
            except (sqlite3.Error, OSError) as exc:
                await asyncio.to_thread(journal.close)
                raise BusUnavailableError(f"cannot open the bus journal: {exc}") from exc
            logs = {topic: _Log(start=start) for topic, start in starts.items()}
            for message in messages:
                log = logs.setdefault(message.topic, _Log(start=message.offset))
                if message.offset != log.end:
                    await asyncio.to_thread(journal.close)
                    raise BusUnavailableError(
                        f"bus journal is inconsistent: {message.topic} offset "
                        f"{message.offset} follows {log.end - 1}"
                    )
                log.messages.append(message)
            self._groups.logs = logs
            self._groups.committed = committed
        self._started = True

    async def stop(self) -> None:
        """Stop every consumer and close the journal (publishes are already on disk)."""
        self._started = False
        if self._pending:
            await asyncio.wait(self._pending)
        for member in list(self._groups.members.values()):
            await member.stop()
        if self._journal is not None:
            await asyncio.to_thread(self._journal.close)

    async def publish(self, records: Sequence[Record]) -> None:
        """Append ``records``; with a journal, only once they are committed to disk."""
        if not self._available:
            raise BusUnavailableError("the in-memory bus is marked unavailable")
        if not self._started:
            raise BusUnavailableError("the in-memory bus is not started")
        if not records:
            return
        # Shielded: once the journal may hold the batch, memory must take it too, even if
        # the caller is cancelled meanwhile (the next offsets depend on it).
        task = asyncio.create_task(self._append(records))
        self._pending.add(task)
        task.add_done_callback(_settle(self._pending))
        await asyncio.shield(task)

    async def _append(self, records: Sequence[Record]) -> None:
        groups = self._groups
        async with self._publish_lock:
            now_ms = int(self._clock.now() * 1000)
            ends = {topic: log.end for topic, log in groups.logs.items()}
            batch: list[Message] = []
            for record in records:
                offset = ends.get(record.topic, 0)
                ends[record.topic] = offset + 1
                batch.append(
                    Message(
                        topic=record.topic,
                        partition=0,
                        offset=offset,
                        key=record.key,
                        value=record.value,
                        headers=tuple(record.headers),
                        timestamp_ms=now_ms,
                    )
                )
            if self._journal is not None:
                try:
                    await asyncio.to_thread(self._journal.append, batch)
                except (sqlite3.Error, OSError) as exc:
                    raise BusUnavailableError(f"cannot write the bus journal: {exc}") from exc
            for message in batch:
                groups.logs.setdefault(message.topic, _Log()).messages.append(message)
            await self._expire({m.topic for m in batch}, now_ms)
        groups.wake()

    async def consumer(
        self, topics: Sequence[str], group: str, *, from_beginning: bool = True
    ) -> MemoryConsumer:
        """A member of ``group`` reading ``topics`` from the group's committed offsets."""
        if not self._started:
            raise BusUnavailableError("the in-memory bus is not started")
        member = MemoryConsumer(self._groups, next(self._ids), tuple(topics), group, from_beginning)
        self._groups.members[member.member_id] = member
        return member

    def set_available(self, available: bool) -> None:
        """Simulate an outage: while False, :meth:`publish` raises BusUnavailableError."""
        self._available = available

    def end_offsets(self) -> dict[str, int]:
        """The next offset of every topic (how many records it ever took)."""
        return {topic: log.end for topic, log in self._groups.logs.items()}

    def committed(self, group: str) -> dict[str, int]:
        """The committed offsets of ``group`` per topic."""
        return {t: o for (g, t), o in self._groups.committed.items() if g == group}

    async def _expire(self, topics: Iterable[str], now_ms: int) -> None:
        for topic in topics:
            keep_s = self._retention_s.get(topic)
            log = self._groups.logs[topic]
            if keep_s is None or not log.messages:
                continue
            horizon = now_ms - int(keep_s * 1000)
            drop = 0
            while drop < len(log.messages) and log.messages[drop].timestamp_ms < horizon:
                drop += 1
            if drop == 0:
                continue
            new_start = log.start + drop
            if self._journal is not None:
                try:
                    await asyncio.to_thread(self._journal.trim, topic, new_start)
                except (sqlite3.Error, OSError):
                    continue  # retention is best effort: the records stay until next time
            del log.messages[:drop]
            log.start = new_start


class MemoryConsumer:
    """A member of one group on an :class:`InMemoryBus`."""

    def __init__(
        self,
        bus: _Groups,
        member_id: int,
        topics: tuple[str, ...],
        group: str,
        from_beginning: bool,
    ) -> None:
        self._bus = bus
        self.member_id = member_id
        self.topics = topics
        self.group = group
        self.from_beginning = from_beginning
        self._positions: dict[str, int] = {}
        self._stopped = False

    async def getmany(self, timeout_s: float, max_records: int = 500) -> list[Message]:
        """Up to ``max_records`` next messages, waiting up to ``timeout_s`` for one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not self._stopped:
            waiter = self._bus.new_data  # taken before reading: no wake-up is missed
            batch = self._poll(max_records)
            if batch:
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                async with asyncio.timeout(remaining):
                    await waiter.wait()
            except TimeoutError:
                break
        return []

    def _poll(self, max_records: int) -> list[Message]:
        batch: list[Message] = []
        for topic in self.topics:
            position = self._positions.get(topic)
            if position is None:
                position = self._bus.acquire(self, topic)
                if position is None:
                    continue
                self._positions[topic] = position
            messages = self._bus.read(topic, position, max_records - len(batch))
            if messages:
                self._positions[topic] = messages[-1].offset + 1
                batch.extend(messages)
            if len(batch) >= max_records:
                break
        return batch

    async def commit(self, messages: Sequence[Message]) -> None:
        """Commit, per topic, the offset after the highest of ``messages``."""
        if self._stopped:
            raise BusUnavailableError(f"consumer of group {self.group!r} is stopped")
        offsets: dict[str, int] = {}
        for message in messages:
            offsets[message.topic] = max(offsets.get(message.topic, 0), message.offset + 1)
        if offsets:
            await self._bus.commit_offsets(self.group, offsets)

    async def stop(self) -> None:
        """Leave the group; what was not committed goes to the next member."""
        if not self._stopped:
            self._stopped = True
            self._positions.clear()
            self._bus.release(self)
