"""The bus Protocol (specs/kafka-topics.md).

Two implementations pass one contract suite (tests/contract/test_bus.py): the in-process
bus of the embedded default (``memory.py``, optionally journalled to SQLite so a 202 means
the alert is on disk) and Kafka via aiokafka (``kafka.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class BusUnavailableError(RuntimeError):
    """The bus could not durably take the records (intake answers 503)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One message to publish. ``value`` None is a tombstone (compacted topics)."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    """One consumed message with its position."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = field(default=())
    timestamp_ms: int = 0


class Consumer(Protocol):
    """A group member reading topics; offsets move only on :meth:`commit`."""

    async def getmany(self, timeout_s: float, max_records: int = 500) -> list[Message]:
        """Next messages (possibly none after ``timeout_s``)."""
        ...

    async def commit(self, messages: Sequence[Message]) -> None:
        """Mark these messages (and all before them, per partition) as handled."""
        ...

    async def stop(self) -> None:
        """Leave the group; uncommitted messages are redelivered to the next member."""
        ...


class Bus(Protocol):
    """Publish durably, consume with explicit commits."""

    async def start(self) -> None:
        """Connect; create missing topics when allowed by config."""
        ...

    async def stop(self) -> None:
        """Flush pending publishes and disconnect."""
        ...

    async def publish(self, records: Sequence[Record]) -> None:
        """Return only once every record is acknowledged (acks=all / journalled).

        Raises BusUnavailableError when that cannot be done.
        """
        ...

    async def consumer(
        self, topics: Sequence[str], group: str, *, from_beginning: bool = True
    ) -> Consumer:
        """A started consumer in ``group`` that resumes at the group's committed offsets."""
        ...
