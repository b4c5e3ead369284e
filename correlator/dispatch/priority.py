"""Priority from impact x urgency (ITIL 3x3), as a pure decision that explains itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Final

from correlator.model import Severity


class Level(IntEnum):
    """Impact or urgency level; lower is more serious."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3


class Priority(StrEnum):
    """Ticket priority; P1 is the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"

    @property
    def rank(self) -> int:
        """1 for P1 .. 5 for P5."""
        return int(self.value[1])


ITIL_MATRIX: Final[Mapping[tuple[Level, Level], Priority]] = MappingProxyType(
    {
        (Level.HIGH, Level.HIGH): Priority.P1,
        (Level.HIGH, Level.MEDIUM): Priority.P2,
        (Level.HIGH, Level.LOW): Priority.P3,
        (Level.MEDIUM, Level.HIGH): Priority.P2,
        (Level.MEDIUM, Level.MEDIUM): Priority.P3,
        (Level.MEDIUM, Level.LOW): Priority.P4,
        (Level.LOW, Level.HIGH): Priority.P3,
        (Level.LOW, Level.MEDIUM): Priority.P4,
        (Level.LOW, Level.LOW): Priority.P5,
    }
)

WIDESPREAD_NODES: Final = 20


@dataclass(frozen=True, slots=True)
class PriorityDecision:
    """The priority and why."""

    priority: Priority
    impact: Level
    urgency: Level
    reason: str


def impact_of(
    criticalities: Iterable[int], affected_nodes: int, *, redundant_root: bool
) -> tuple[Level, str]:
    """Impact from the most critical affected node and how many nodes are affected.

    ``criticalities`` are those of the root and of every node its failure takes down (the
    business services that depend on it included). A root whose loss is absorbed by
    redundancy is one level lower: losing one member of a pair is real but not an outage.
    """
    best = min(criticalities, default=3)
    level = Level.HIGH if best <= 1 else Level.MEDIUM if best <= 3 else Level.LOW
    why = f"most critical affected node has criticality {best}"
    if affected_nodes >= WIDESPREAD_NODES and level > Level.HIGH:
        level = Level(level - 1)
        why += f"; {affected_nodes} nodes affected"
    if redundant_root and level < Level.LOW:
        level = Level(level + 1)
        why += "; redundancy still holds"
    return level, why


def urgency_of(severities: Iterable[Severity]) -> tuple[Level, str]:
    """Urgency from the worst alert severity."""
    worst = max((s.rank for s in severities), default=Severity.WARNING.rank)
    if worst >= Severity.CRITICAL.rank:
        return Level.HIGH, "critical alerts"
    if worst >= Severity.MINOR.rank:
        return Level.MEDIUM, "major/minor alerts"
    return Level.LOW, "warnings only"


def decide_priority(
    criticalities: Iterable[int],
    affected_nodes: int,
    severities: Iterable[Severity],
    *,
    redundant_root: bool = False,
    matrix: Mapping[tuple[Level, Level], Priority] = ITIL_MATRIX,
) -> PriorityDecision:
    """Priority = matrix[impact, urgency], with the reason for both."""
    impact, why_impact = impact_of(criticalities, affected_nodes, redundant_root=redundant_root)
    urgency, why_urgency = urgency_of(severities)
    priority = matrix[(impact, urgency)]
    reason = (
        f"impact {impact.name.lower()} ({why_impact}) x urgency {urgency.name.lower()} "
        f"({why_urgency}) = {priority.value}"
    )
    return PriorityDecision(priority, impact, urgency, reason)
