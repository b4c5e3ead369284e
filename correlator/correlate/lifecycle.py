"""Small pure decisions of the incident lifecycle: flapping and paging.

Each returns the decision and its reason, so the engine, the API and ``replay --explain``
can all say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from correlator.dispatch.priority import Priority


@dataclass(frozen=True, slots=True)
class FlapDecision:
    """Whether an alert is flapping now, and why."""

    flapping: bool
    reason: str


def decide_flapping(
    changes: Sequence[float],
    now: float,
    *,
    currently: bool,
    threshold: int,
    window_s: float,
    quiet_s: float,
) -> FlapDecision:
    """A check is flapping once it changed state ``threshold`` times within ``window_s``.

    Hysteresis: once flapping, it stays flapping until it has been quiet for ``quiet_s``.
    """
    recent = sum(1 for at in changes if now - at <= window_s)
    if recent >= threshold:
        return FlapDecision(flapping=True, reason=f"{recent} state changes in {window_s:.0f}s")
    if currently:
        last = changes[-1] if changes else float("-inf")
        if now - last < quiet_s:
            return FlapDecision(
                flapping=True, reason=f"still flapping: last change {now - last:.0f}s ago"
            )
        return FlapDecision(flapping=False, reason=f"quiet for {now - last:.0f}s")
    return FlapDecision(flapping=False, reason=f"{recent} state changes in {window_s:.0f}s")


class PageAction(StrEnum):
    """What to tell on-call."""

    NONE = "none"
    TRIGGER = "trigger"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class PageDecision:
    """Whether to page, and why."""

    action: PageAction
    reason: str


@dataclass(frozen=True, slots=True)
class PagingPolicy:
    """Default policy of specs/replay.md: page at P1-P3 on open, again only on a rise."""

    page_at_or_above: Priority = Priority.P3


def decide_page(
    policy: PagingPolicy,
    *,
    priority: Priority,
    last_paged: Priority | None,
    maintenance: bool,
    flapping: bool,
    pages_so_far: int,
) -> PageDecision:
    """Page when the incident reaches the paging threshold, or rises above what was paged."""
    if maintenance:
        return PageDecision(PageAction.NONE, "under maintenance")
    if priority.rank > policy.page_at_or_above.rank:
        return PageDecision(PageAction.NONE, f"{priority.value} is below the paging threshold")
    if flapping and pages_so_far > 0:
        return PageDecision(PageAction.NONE, "flapping: already paged once")
    if last_paged is None:
        return PageDecision(PageAction.TRIGGER, f"opened at {priority.value}")
    if priority.rank < last_paged.rank:
        return PageDecision(
            PageAction.TRIGGER, f"priority rose from {last_paged.value} to {priority.value}"
        )
    return PageDecision(PageAction.NONE, f"already paged at {last_paged.value}")
