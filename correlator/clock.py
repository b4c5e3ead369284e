"""Injected time: the wall clock in the daemon, event time in replay and tests."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time in epoch seconds."""

    def now(self) -> float: ...


class WallClock:
    """The real time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to (replay's event time, tests)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def set(self, at: float) -> None:
        """Move to ``at``; never backwards."""
        self._now = max(self._now, at)

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``."""
        self._now += seconds
