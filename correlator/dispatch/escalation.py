"""Escalation of an unacknowledged page through the team's levels, as a service desk does.

A page starts at level 1 (first line). If nobody acknowledges it within the ack timeout
of the incident's current priority (``dispatch.paging.ack_timeout_s``), it escalates to
the next level (second line, then third line); each level gets the full timeout from the
moment it was notified, so a late tick escalates one level, never two. Nothing escalates
beyond the team's last level, nor once the page is acknowledged or the incident resolved.

Pure: the caller keeps the :class:`EscalationState` of each page, calls
:func:`decide_escalation` on each tick (or at ``due_at``), and on ``ESCALATE`` sends the
page to the new level and keeps ``state.escalated(decision.level, now)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from correlator.dispatch.priority import Priority
from correlator.dispatch.settings import EscalationLevel


class EscalationAction(StrEnum):
    """What to do with a page now."""

    ESCALATE = "escalate"
    """Notify the next level (``decision.level``)."""
    HOLD = "hold"
    """Wait: the current level still has time (until ``decision.due_at``)."""
    STOP = "stop"
    """Nothing more will happen: acknowledged, resolved, last level, or no timeout."""


@dataclass(frozen=True, slots=True)
class EscalationState:
    """One page's escalation: when it was triggered, the level notified and since when."""

    triggered_at: float
    level: int = 1
    level_since: float | None = None  # None: since triggered_at
    acknowledged: bool = False
    resolved: bool = False

    @property
    def since(self) -> float:
        """When the current level was notified."""
        return self.triggered_at if self.level_since is None else self.level_since

    def escalated(self, level: int, at: float) -> EscalationState:
        """The state after notifying ``level`` at ``at``."""
        return replace(self, level=level, level_since=at)


@dataclass(frozen=True, slots=True)
class EscalationDecision:
    """The decision, the level it concerns (1-based) and its name, and when to look again."""

    action: EscalationAction
    level: int
    target: EscalationLevel | None
    reason: str
    due_at: float | None = None


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g}min" if seconds >= 60 else f"{seconds:g}s"


def decide_escalation(
    state: EscalationState,
    *,
    priority: Priority,
    levels: Sequence[EscalationLevel],
    ack_timeout_s: Mapping[Priority, float | None],
    now: float,
) -> EscalationDecision:
    """Escalate to the next level when the current one has not acknowledged in time."""
    current = min(max(state.level, 1), len(levels)) if levels else state.level
    here = levels[current - 1] if levels else None
    name = here.name if here is not None else f"level {current}"
    if state.resolved:
        return EscalationDecision(EscalationAction.STOP, current, here, "incident resolved")
    if state.acknowledged:
        return EscalationDecision(EscalationAction.STOP, current, here, f"acknowledged (at {name})")
    if current >= len(levels):
        return EscalationDecision(
            EscalationAction.STOP,
            current,
            here,
            f"already at the last level ({name}): nothing above it",
        )
    timeout = ack_timeout_s.get(priority)
    if timeout is None:
        return EscalationDecision(
            EscalationAction.STOP, current, here, f"{priority.value} pages never escalate"
        )
    due = state.since + timeout
    if now < due:
        return EscalationDecision(
            EscalationAction.HOLD,
            current,
            here,
            f"{name} has {_duration(due - now)} left of {_duration(timeout)} to acknowledge",
            due_at=due,
        )
    nxt = levels[current]
    further = current + 1 < len(levels)
    return EscalationDecision(
        EscalationAction.ESCALATE,
        current + 1,
        nxt,
        f"not acknowledged within {_duration(timeout)} ({priority.value}) at {name}: "
        f"escalating to {nxt.name} (level {current + 1} of {len(levels)})",
        due_at=now + timeout if further else None,
    )
