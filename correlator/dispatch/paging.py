"""The paging policy: whether to trigger on-call, send a resolve notice, or stay quiet.

This supersedes the engine's minimal ``correlate.lifecycle.decide_page`` with the whole
policy of ``dispatch.paging``:

- trigger when an announced incident is at or above ``page_at_or_above``;
- trigger again only when its priority rises above what was paged (a reopen at the same
  priority does not, unless ``repage_on_reopen`` and a resolve notice had been sent);
- a resolve notice when a paged incident clears (``resolve_notices``), once;
- nothing while the incident is under maintenance; a flapping incident pages at most once;
- a trigger the team's rate limit holds back is not sent (P1 is exempt by default).
  Resolve notices are never rate-limited or suppressed by flapping or maintenance: they
  close a page someone already has, and wake nobody.

Pure: the caller passes what was paged so far (:class:`PageMemory`) and the rate-limit
verdict (:func:`rate_limit_verdict` over the team's recent triggers), and keeps
``memory.after(decision, priority)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from correlator.dispatch.model import PageEvent
from correlator.dispatch.priority import Priority
from correlator.dispatch.settings import PagingSettings, RateLimit


@dataclass(frozen=True, slots=True)
class PageMemory:
    """What was paged for one incident so far."""

    pages: int = 0
    """Triggers sent (what ``replay`` reports as ``pages``)."""
    last_paged: Priority | None = None
    resolve_sent: bool = False
    """A resolve notice closed the last trigger."""

    def after(self, decision: PagingDecision, priority: Priority) -> PageMemory:
        """The memory once ``decision`` (taken at ``priority``) has been carried out."""
        if decision.event is PageEvent.TRIGGER:
            return PageMemory(self.pages + 1, priority, resolve_sent=False)
        if decision.event is PageEvent.RESOLVE:
            return replace(self, resolve_sent=True)
        return self


@dataclass(frozen=True, slots=True)
class RateLimitVerdict:
    """Whether the team's rate limit lets one more trigger through now, and why."""

    allowed: bool
    reason: str


@dataclass(frozen=True, slots=True)
class PagingDecision:
    """The page to send (None: none) and why."""

    event: PageEvent | None
    reason: str


def rate_limit_verdict(
    limit: RateLimit, priority: Priority, recent: Iterable[float], now: float
) -> RateLimitVerdict:
    """Whether a trigger at ``priority`` may go out, given the team's ``recent`` triggers."""
    exempt = limit.exempt_at_or_above
    if exempt is not None and priority.rank <= exempt.rank:
        return RateLimitVerdict(
            allowed=True, reason=f"{priority.value} is exempt from the rate limit"
        )
    count = sum(1 for at in recent if now - limit.window_s < at <= now)
    if count >= limit.max_pages:
        return RateLimitVerdict(
            allowed=False,
            reason=f"{count} pages in the last {limit.window_s:g}s (limit {limit.max_pages})",
        )
    return RateLimitVerdict(
        allowed=True, reason=f"{count} of {limit.max_pages} pages in the last {limit.window_s:g}s"
    )


def _none(reason: str) -> PagingDecision:
    return PagingDecision(None, reason)


def decide_paging(
    settings: PagingSettings,
    *,
    priority: Priority,
    resolved: bool,
    announced: bool,
    maintenance: bool,
    flapping: bool,
    memory: PageMemory,
    rate: RateLimitVerdict | None = None,
    unconfirmed: bool = False,
) -> PagingDecision:
    """What to tell on-call about one incident now (see the module docstring).

    ``resolved`` is true for a resolved incident and for one merged into another; ``rate``
    None means no rate limit applies.
    """
    if resolved:
        if memory.pages == 0:
            return _none("resolved, never paged: nothing to resolve")
        if memory.resolve_sent:
            return _none("resolved: resolve notice already sent")
        if not settings.resolve_notices:
            return _none("resolved: resolve notices are off")
        return PagingDecision(PageEvent.RESOLVE, "incident resolved: resolve notice")
    if not announced:
        return _none("inside the opening hold")
    if maintenance:
        return _none("under maintenance")
    if unconfirmed and memory.pages == 0:
        # Nagios and Icinga notify only once a check is HARD: a SOFT state may be a blip
        # that the next retry clears, and nobody is woken for it.
        return _none("unconfirmed: only SOFT states so far (the tool is still retrying)")
    threshold = settings.page_at_or_above
    if priority.rank > threshold.rank:
        return _none(f"{priority.value} is below the paging threshold {threshold.value}")
    if flapping and memory.pages > 0:
        return _none("flapping: already paged once")
    last = memory.last_paged
    if last is None:
        why = f"opened at {priority.value} (paging at {threshold.value} and above)"
    elif priority.rank < last.rank:
        why = f"priority rose from {last.value} to {priority.value}"
    elif memory.resolve_sent and settings.repage_on_reopen:
        why = f"reopened at {priority.value} after its resolve notice"
    elif memory.resolve_sent:
        return _none(f"reopened at {priority.value}: already paged at {last.value}")
    else:
        return _none(f"already paged at {last.value}")
    if rate is not None and not rate.allowed:
        return _none(f"rate limited: {rate.reason} (would have paged: {why})")
    return PagingDecision(PageEvent.TRIGGER, why)
