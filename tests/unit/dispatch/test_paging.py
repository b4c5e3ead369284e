"""The paging policy: trigger at/above the threshold, again only on a rise, resolve once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from correlator.dispatch.model import PageEvent
from correlator.dispatch.paging import (
    PageMemory,
    RateLimitVerdict,
    decide_paging,
    rate_limit_verdict,
)
from correlator.dispatch.priority import Priority
from correlator.dispatch.settings import PagingSettings, RateLimit

POLICY = PagingSettings()
NEVER_PAGED = PageMemory()


def decide(priority=Priority.P2, memory=NEVER_PAGED, **flags):
    values = {"resolved": False, "announced": True, "maintenance": False, "flapping": False}
    values.update(flags)
    settings = values.pop("settings", POLICY)
    return decide_paging(settings, priority=priority, memory=memory, **values)


def paged(priority: Priority, pages: int = 1) -> PageMemory:
    return PageMemory(pages=pages, last_paged=priority)


def test_opening_at_or_above_the_threshold_triggers():
    """An announced incident at P1-P3 pages, and the reason says at what priority."""
    decision = decide(Priority.P3)
    assert decision.event is PageEvent.TRIGGER
    assert decision.reason == "opened at P3 (paging at P3 and above)"


def test_below_the_threshold_does_not_page():
    """A P4 incident does not page under the default policy."""
    decision = decide(Priority.P4)
    assert decision.event is None
    assert decision.reason == "P4 is below the paging threshold P3"


def test_threshold_comes_from_config():
    """With ``page_at_or_above: P1`` a P2 incident does not page."""
    decision = decide(Priority.P2, settings=PagingSettings(page_at_or_above=Priority.P1))
    assert decision.event is None


def test_pages_again_only_when_the_priority_rises():
    """After a P3 page, a rise to P1 pages again; staying or falling does not."""
    assert decide(Priority.P1, paged(Priority.P3)).event is PageEvent.TRIGGER
    assert decide(Priority.P1, paged(Priority.P3)).reason == "priority rose from P3 to P1"
    assert decide(Priority.P3, paged(Priority.P3)).event is None
    assert decide(Priority.P3, paged(Priority.P1)).event is None


def test_no_page_inside_the_opening_hold():
    """An incident not announced yet does not page."""
    assert decide(announced=False).reason == "inside the opening hold"


def test_no_page_under_maintenance():
    """An incident under maintenance never pages, whatever its priority."""
    decision = decide(Priority.P1, maintenance=True)
    assert (decision.event, decision.reason) == (None, "under maintenance")


def test_no_page_while_every_alert_is_soft():
    """An incident of SOFT states only (checks still retried) pages nobody; once it has
    paged, that no longer matters (a later rise pages as usual)."""
    decision = decide(Priority.P1, unconfirmed=True)
    assert decision.event is None
    assert decision.reason.startswith("unconfirmed")
    assert decide(Priority.P1, paged(Priority.P3), unconfirmed=True).event is PageEvent.TRIGGER


def test_flapping_incident_pages_at_most_once():
    """A flapping incident pages once, then not even when its priority rises."""
    assert decide(Priority.P3, flapping=True).event is PageEvent.TRIGGER
    decision = decide(Priority.P1, paged(Priority.P3), flapping=True)
    assert (decision.event, decision.reason) == (None, "flapping: already paged once")


def test_resolve_notice_once_when_a_paged_incident_clears():
    """A paged incident that clears sends one resolve notice."""
    memory = paged(Priority.P2)
    decision = decide(memory=memory, resolved=True)
    assert decision.event is PageEvent.RESOLVE
    memory = memory.after(decision, Priority.P2)
    assert decide(memory=memory, resolved=True).event is None


def test_resolve_notices_can_be_switched_off():
    """With ``resolve_notices: false`` a cleared incident sends nothing."""
    settings = PagingSettings(resolve_notices=False)
    decision = decide(memory=paged(Priority.P2), resolved=True, settings=settings)
    assert (decision.event, decision.reason) == (None, "resolved: resolve notices are off")


def test_never_paged_incident_sends_no_resolve():
    """An incident that never paged sends no resolve notice when it clears."""
    assert decide(resolved=True).event is None


def test_resolve_notice_even_under_maintenance_or_flapping():
    """A resolve notice closes a page someone has, so maintenance and flapping do not hold it."""
    decision = decide(memory=paged(Priority.P2), resolved=True, maintenance=True, flapping=True)
    assert decision.event is PageEvent.RESOLVE


def test_reopen_at_the_same_priority_does_not_page_by_default():
    """A reopened incident at the priority already paged stays quiet (specs/replay.md)."""
    memory = PageMemory(pages=1, last_paged=Priority.P2, resolve_sent=True)
    decision = decide(Priority.P2, memory)
    assert (decision.event, decision.reason) == (None, "reopened at P2: already paged at P2")


def test_reopen_pages_again_when_configured():
    """With ``repage_on_reopen`` a reopen after a resolve notice triggers again."""
    memory = PageMemory(pages=1, last_paged=Priority.P2, resolve_sent=True)
    decision = decide(Priority.P2, memory, settings=PagingSettings(repage_on_reopen=True))
    assert decision.event is PageEvent.TRIGGER
    assert decision.reason == "reopened at P2 after its resolve notice"


def test_rate_limited_trigger_is_not_sent():
    """A trigger the team's rate limit holds back is not sent, and the reason says both."""
    verdict = RateLimitVerdict(allowed=False, reason="20 pages in the last 3600s (limit 20)")
    decision = decide(Priority.P2, rate=verdict)
    assert decision.event is None
    assert decision.reason == (
        "rate limited: 20 pages in the last 3600s (limit 20) "
        "(would have paged: opened at P2 (paging at P3 and above))"
    )


def test_rate_limit_counts_recent_triggers_in_the_window(t0):
    """The limit counts the team's triggers within the window, not older ones."""
    limit = RateLimit(max_pages=2, window_s=600, exempt_at_or_above=None)
    assert rate_limit_verdict(limit, Priority.P2, [t0 - 700, t0 - 10], t0).allowed
    verdict = rate_limit_verdict(limit, Priority.P2, [t0 - 500, t0 - 10], t0)
    assert not verdict.allowed
    assert verdict.reason == "2 pages in the last 600s (limit 2)"


def test_p1_is_exempt_from_the_rate_limit_by_default(t0):
    """A P1 page goes out even when the team's limit is reached."""
    verdict = rate_limit_verdict(RateLimit(max_pages=1), Priority.P1, [t0 - 1, t0 - 2], t0)
    assert verdict.allowed
    assert verdict.reason == "P1 is exempt from the rate limit"


def test_memory_after_a_trigger_counts_it():
    """Carrying out a trigger counts one page at that priority and clears the resolve flag."""
    memory = PageMemory(pages=1, last_paged=Priority.P3, resolve_sent=True)
    after = memory.after(decide(Priority.P1, memory), Priority.P1)
    assert after == PageMemory(pages=2, last_paged=Priority.P1, resolve_sent=False)


_changes = st.lists(
    st.tuples(st.sampled_from(list(Priority)), st.booleans(), st.booleans(), st.booleans()),
    max_size=30,
)


@given(_changes)
def test_pages_are_bounded_by_the_rises(changes):
    """Over any history, triggers never happen under maintenance, a flapping incident adds at
    most one, and there are never more triggers than paging priorities (P3, P2, P1)."""
    memory = PageMemory()
    for priority, maintenance, flapping, resolved in changes:
        decision = decide(
            priority, memory, maintenance=maintenance, flapping=flapping, resolved=resolved
        )
        if decision.event is PageEvent.TRIGGER:
            assert not maintenance
            assert not resolved
            assert not (flapping and memory.pages > 0)
            assert memory.last_paged is None or priority.rank < memory.last_paged.rank
        memory = memory.after(decision, priority)
    assert memory.pages <= 3
