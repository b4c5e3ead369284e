"""Topic names (specs/kafka-topics.md); the prefix is configurable."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topics:
    """The three public topics under one prefix."""

    prefix: str = "correlator."

    @property
    def alerts(self) -> str:
        return f"{self.prefix}alerts"

    @property
    def dlq(self) -> str:
        return f"{self.prefix}alerts.dlq"

    @property
    def incidents(self) -> str:
        return f"{self.prefix}incidents"
