"""SLA deadlines, warnings and breaches: each reported once, deadlines moving with priority."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from correlator.dispatch.priority import Priority
from correlator.dispatch.settings import SlaSettings
from correlator.dispatch.sla import (
    SlaClock,
    SlaKind,
    SlaLevel,
    acknowledge,
    check,
    deadlines,
    next_check,
    resolve,
)

SLA = SlaSettings()
MIN, HOUR = 60.0, 3600.0


def clock(t0: float, priority: Priority = Priority.P1) -> SlaClock:
    return SlaClock("INC-000001", priority, opened_at=t0)


def kinds(events) -> list[tuple[SlaKind, SlaLevel]]:
    return [(e.kind, e.level) for e in events]


def test_deadlines_run_from_the_open_time(t0):
    """A P1 opened at t0 is due a response at t0+15min and a resolution at t0+4h."""
    due = deadlines(Priority.P1, t0, SLA.targets, SLA.warn_at)
    assert due.response_due == t0 + 15 * MIN
    assert due.resolution_due == t0 + 4 * HOUR
    assert due.response_warn == t0 + 12 * MIN


def test_nothing_before_the_warning_threshold(t0):
    """Before 80 % of a target has elapsed there is nothing to report."""
    result = check(clock(t0), t0 + 11 * MIN, SLA)
    assert result.events == ()


def test_warning_then_breach_each_once(t0):
    """The warning comes at 80 % and the breach at 100 %, each reported exactly once."""
    state = clock(t0)
    seen = []
    for minutes in (12, 13, 14, 15, 16, 30):
        result = check(state, t0 + minutes * MIN, SLA)
        seen.extend(result.events)
        state = result.clock
    assert kinds(seen) == [
        (SlaKind.RESPONSE, SlaLevel.WARNING),
        (SlaKind.RESPONSE, SlaLevel.BREACHED),
    ]
    warning, breach = seen
    assert warning.reason == (
        "SLA warning: 3min left to be acknowledged within the P1 response target of 15min "
        "(80% used, warning at 80%)"
    )
    assert breach.reason == (
        "SLA breached: not acknowledged within the P1 response target of 15min (0s late)"
    )
    assert breach.due == t0 + 15 * MIN


def test_a_late_check_reports_only_the_breach(t0):
    """A check that finds a deadline already past reports the breach, not a stale warning."""
    result = check(clock(t0), t0 + HOUR, SLA)
    assert kinds(result.events) == [(SlaKind.RESPONSE, SlaLevel.BREACHED)]
    assert check(result.clock, t0 + HOUR + 1, SLA).events == ()


def test_acknowledgement_stops_the_response_target(t0):
    """Once acknowledged, the response target reports nothing; resolution still counts."""
    state = acknowledge(clock(t0), t0 + 5 * MIN, SLA).clock
    result = check(state, t0 + 3.5 * HOUR, SLA)
    assert kinds(result.events) == [(SlaKind.RESOLUTION, SlaLevel.WARNING)]


def test_late_acknowledgement_reports_the_missed_breach(t0):
    """An acknowledgement after the deadline, with no check in between, reports the breach."""
    result = acknowledge(clock(t0), t0 + 20 * MIN, SLA)
    assert kinds(result.events) == [(SlaKind.RESPONSE, SlaLevel.BREACHED)]
    assert "5min late" in result.events[0].reason
    assert acknowledge(result.clock, t0 + 30 * MIN, SLA).events == ()


def test_resolution_stops_every_target(t0):
    """A resolved, acknowledged incident reports nothing more, however long we wait."""
    state = acknowledge(clock(t0), t0 + MIN, SLA).clock
    state = resolve(state, t0 + HOUR, SLA).clock
    assert check(state, t0 + 100 * HOUR, SLA).events == ()
    assert next_check(state, SLA) is None


def test_raising_the_priority_pulls_the_deadlines_in(t0):
    """A P3 raised to P1 after an hour has missed the P1 response target: breach at once."""
    state = check(clock(t0, Priority.P3), t0 + HOUR, SLA).clock
    assert state.emitted == frozenset()
    result = check(state.reprioritised(Priority.P1), t0 + HOUR, SLA)
    assert kinds(result.events) == [(SlaKind.RESPONSE, SlaLevel.BREACHED)]
    assert result.events[0].priority is Priority.P1


def test_lowering_the_priority_pushes_the_deadlines_out(t0):
    """A P1 lowered to P3 before its deadline is judged against the P3 target."""
    state = clock(t0).reprioritised(Priority.P3)
    assert check(state, t0 + HOUR, SLA).events == ()
    assert next_check(state, SLA) == t0 + 0.8 * 4 * HOUR


def test_no_repeat_after_a_priority_change(t0):
    """A warning sent under P3 is not repeated when a new priority crosses its threshold."""
    state = check(clock(t0, Priority.P3), t0 + 3.5 * HOUR, SLA).clock
    assert (SlaKind.RESPONSE, SlaLevel.WARNING) in state.emitted
    result = check(state.reprioritised(Priority.P2), t0 + 3.5 * HOUR, SLA)
    assert kinds(result.events) == [(SlaKind.RESPONSE, SlaLevel.BREACHED)]
    state = result.clock.reprioritised(Priority.P5)
    assert check(state, t0 + 100 * HOUR, SLA).events == ()


def test_reopen_runs_the_resolution_clock_again_without_repeats(t0):
    """A reopened incident counts toward resolution again, but a sent warning stays sent."""
    state = acknowledge(clock(t0), t0 + MIN, SLA).clock
    state = check(state, t0 + 3.3 * HOUR, SLA).clock
    state = resolve(state, t0 + 3.4 * HOUR, SLA).clock
    state = state.reopened()
    result = check(state, t0 + 5 * HOUR, SLA)
    assert kinds(result.events) == [(SlaKind.RESOLUTION, SlaLevel.BREACHED)]


def test_next_check_is_the_earliest_pending_threshold(t0):
    """The next check falls due at the earliest warning or deadline not yet reported."""
    state = clock(t0)
    assert next_check(state, SLA) == t0 + 12 * MIN
    state = check(state, t0 + 12 * MIN, SLA).clock
    assert next_check(state, SLA) == t0 + 15 * MIN


_steps = st.lists(
    st.tuples(
        st.floats(0, 40 * 86400),
        st.sampled_from(["check", "ack", "resolve", "reopen", "P1", "P2", "P3", "P4", "P5"]),
    ),
    max_size=30,
)


@settings(max_examples=300)
@given(st.sampled_from(list(Priority)), _steps)
def test_sla_events_are_each_emitted_at_most_once(first, steps):
    """Whatever the checks, acknowledgements, resolutions and priority changes, each
    (target, level) is reported at most once, and never before its deadline or threshold."""
    t0 = 0.0
    state = SlaClock("INC-1", first, opened_at=t0)
    emitted: list[tuple[SlaKind, SlaLevel]] = []
    for at, step in sorted(steps, key=lambda s: s[0]):
        if step == "check":
            result = check(state, at, SLA)
        elif step == "ack":
            result = acknowledge(state, at, SLA)
        elif step == "resolve":
            result = resolve(state, at, SLA)
        else:
            state = state.reopened() if step == "reopen" else state.reprioritised(Priority(step))
            continue
        for event in result.events:
            due = deadlines(event.priority, t0, SLA.targets, SLA.warn_at)
            if event.kind is SlaKind.RESPONSE:
                warn, deadline = due.response_warn, due.response_due
            else:
                warn, deadline = due.resolution_warn, due.resolution_due
            assert event.at >= (deadline if event.level is SlaLevel.BREACHED else warn)
        emitted.extend(kinds(result.events))
        state = result.clock
    assert len(emitted) == len(set(emitted))
