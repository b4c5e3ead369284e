"""Small pure decisions of the incident lifecycle: flapping (paging is the daemon's own
``correlator.dispatch.paging.decide_paging``, which the engine calls too).

Each returns the decision and its reason, so the engine, the API and ``replay --explain``
can all say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
