"""Escalation of unacknowledged pages: one level at a time, never past the last, stops on ack."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from correlator.dispatch.escalation import EscalationAction, EscalationState, decide_escalation
from correlator.dispatch.priority import Priority
from correlator.dispatch.settings import DEFAULT_LEVELS, PagingSettings

PAGING = PagingSettings()
TIMEOUTS = PAGING.ack_timeout_s


def decide(state: EscalationState, now: float, priority: Priority = Priority.P1):
    return decide_escalation(
        state, priority=priority, levels=DEFAULT_LEVELS, ack_timeout_s=TIMEOUTS, now=now
    )


def test_first_line_has_the_timeout_to_acknowledge(t0):
    """Before the P1 ack timeout (5 min) the page holds at first line until the due time."""
    decision = decide(EscalationState(triggered_at=t0), t0 + 120)
    assert decision.action is EscalationAction.HOLD
    assert decision.level == 1
    assert decision.due_at == t0 + 300
    assert decision.reason == "first-line has 3min left of 5min to acknowledge"


def test_unacknowledged_page_escalates_to_second_line(t0):
    """A P1 page not acknowledged within 5 minutes escalates to second line."""
    decision = decide(EscalationState(triggered_at=t0), t0 + 300)
    assert decision.action is EscalationAction.ESCALATE
    assert decision.level == 2
    assert decision.target is not None
    assert decision.target.name == "second-line"
    assert decision.reason == (
        "not acknowledged within 5min (P1) at first-line: escalating to second-line (level 2 of 3)"
    )
    assert decision.due_at == t0 + 600


def test_each_level_gets_the_full_timeout(t0):
    """Second line gets its own full timeout from when it was notified, even after a late tick."""
    state = EscalationState(triggered_at=t0).escalated(2, t0 + 900)  # tick came late
    assert decide(state, t0 + 1000).action is EscalationAction.HOLD
    decision = decide(state, t0 + 1200)
    assert (decision.action, decision.level) == (EscalationAction.ESCALATE, 3)
    assert decision.due_at is None  # nothing above third line


def test_late_tick_escalates_one_level_only(t0):
    """However late the tick, a page escalates one level, never skipping one."""
    decision = decide(EscalationState(triggered_at=t0), t0 + 10 * 3600)
    assert (decision.action, decision.level) == (EscalationAction.ESCALATE, 2)


def test_never_beyond_the_last_level(t0):
    """At third line nothing escalates further."""
    state = EscalationState(triggered_at=t0).escalated(3, t0 + 600)
    decision = decide(state, t0 + 10 * 3600)
    assert decision.action is EscalationAction.STOP
    assert decision.level == 3
    assert "last level (third-line)" in decision.reason


def test_acknowledgement_stops_escalation(t0):
    """An acknowledged page does not escalate."""
    decision = decide(EscalationState(triggered_at=t0, acknowledged=True), t0 + 3600)
    assert decision.action is EscalationAction.STOP
    assert decision.reason == "acknowledged (at first-line)"


def test_resolution_stops_escalation(t0):
    """A page whose incident resolved does not escalate."""
    decision = decide(EscalationState(triggered_at=t0, resolved=True), t0 + 3600)
    assert decision.action is EscalationAction.STOP
    assert decision.reason == "incident resolved"


def test_priority_without_timeout_never_escalates(t0):
    """A priority whose ack timeout is null never escalates."""
    decision = decide_escalation(
        EscalationState(triggered_at=t0),
        priority=Priority.P4,
        levels=DEFAULT_LEVELS,
        ack_timeout_s={Priority.P4: None},
        now=t0 + 86400,
    )
    assert decision.action is EscalationAction.STOP
    assert "never escalate" in decision.reason


def test_timeout_follows_the_current_priority(t0):
    """A P3 page (30 min) escalates sooner once the incident is raised to P1 (5 min)."""
    state = EscalationState(triggered_at=t0)
    assert decide(state, t0 + 600, Priority.P3).action is EscalationAction.HOLD
    assert decide(state, t0 + 600, Priority.P1).action is EscalationAction.ESCALATE


def test_a_level_beyond_a_shortened_policy_is_the_last(t0):
    """A page at level 3 of a team whose policy now has 2 levels stays at the last level."""
    state = EscalationState(triggered_at=t0).escalated(3, t0)
    decision = decide_escalation(
        state,
        priority=Priority.P1,
        levels=DEFAULT_LEVELS[:2],
        ack_timeout_s=TIMEOUTS,
        now=t0 + 9999,
    )
    assert (decision.action, decision.level) == (EscalationAction.STOP, 2)


@given(
    st.lists(st.floats(0, 20000), max_size=40),
    st.sampled_from(list(Priority)),
    st.floats(0, 20000) | st.none(),
)
def test_escalation_never_skips_or_repeats_a_level(ticks, priority, acked_at):
    """Over any ticks, levels are reached in order 2, 3 one step at a time, never past the
    last, and never after the acknowledgement."""
    t0 = 0.0
    state = EscalationState(triggered_at=t0)
    reached = [1]
    for now in sorted(ticks):
        if acked_at is not None and now >= acked_at:
            state = EscalationState(
                state.triggered_at, state.level, state.level_since, acknowledged=True
            )
        decision = decide_escalation(
            state, priority=priority, levels=DEFAULT_LEVELS, ack_timeout_s=TIMEOUTS, now=now
        )
        if decision.action is EscalationAction.ESCALATE:
            assert not state.acknowledged
            assert now - state.since >= TIMEOUTS[priority]  # type: ignore[operator]
            reached.append(decision.level)
            state = state.escalated(decision.level, now)
    assert reached == list(range(1, len(reached) + 1))
    assert reached[-1] <= len(DEFAULT_LEVELS)
