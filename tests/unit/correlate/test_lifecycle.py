"""Incident lifecycle: opening hold, resolve linger, reopen, flapping (specs/replay.md)."""

from __future__ import annotations

import pytest

from correlator.correlate.engine import Action
from correlator.correlate.lifecycle import decide_flapping
from correlator.model import NoticeKind, Severity, Source

# web-01!HTTP is shop-web, under the criticality-1 shop: a critical alert there is P1.
P1_HOST, P1_CHECK = "web-01", "HTTP"


# -- opening hold -------------------------------------------------------------------------


def test_incident_is_not_announced_or_paged_before_the_hold(make_sim, site):
    """An incident is neither announced nor paged until its opening hold has elapsed."""
    sim = make_sim(site, hold_s=30.0)
    sim.problem(0, P1_HOST, P1_CHECK)
    sim.advance(29)
    (inc,) = sim.incidents()
    assert not inc.announced
    assert inc.pages == 0
    sim.advance(31)
    assert inc.announced
    assert inc.pages == 1


def test_a_soft_state_that_clears_pages_nobody(make_sim, site):
    """A SOFT state is a check being retried: Nagios and Icinga notify nobody until it
    turns HARD. One that clears at the next retry is recorded, and pages nobody."""
    sim = make_sim(site, hold_s=30.0, resolve_linger_s=60.0)
    sim.problem(0, P1_HOST, P1_CHECK, source=Source.ICINGA, soft=True)
    sim.advance(100)
    assert sim.only()["unconfirmed"] is True
    sim.ok(120, P1_HOST, P1_CHECK, source=Source.ICINGA)
    sim.advance(600)
    inc = sim.only()
    assert inc["status"] == "resolved"
    assert inc["pages"] == 0


def test_a_soft_state_turning_hard_pages_then(make_sim, site, t0):
    """The same check turning HARD confirms the failure: the incident pages then (once),
    and its onset is still the SOFT state's."""
    sim = make_sim(site, hold_s=30.0)
    sim.problem(0, P1_HOST, P1_CHECK, source=Source.ICINGA, soft=True)
    sim.advance(100)
    (inc,) = sim.incidents()
    assert inc.announced
    assert inc.pages == 0
    sim.problem(110, P1_HOST, P1_CHECK, source=Source.ICINGA)
    assert inc.pages == 1
    assert sim.only()["unconfirmed"] is False
    assert sim.only()["alerts"][0]["first_seen"] == t0


def test_a_hard_alert_beside_a_soft_one_pages(make_sim, site):
    """An incident pages as usual once any of its alerts is HARD."""
    sim = make_sim(site, hold_s=30.0)
    sim.problem(0, "web-01", source=Source.ICINGA, soft=True)
    sim.problem(5, "esx-01")
    sim.advance(100)
    assert sim.only()["pages"] == 1


def test_root_arriving_inside_the_hold_gives_one_page(make_sim, site):
    """Symptoms and a late root arriving inside the hold make one incident and one page."""
    sim = make_sim(site, hold_s=30.0)
    sim.problem(0, P1_HOST, P1_CHECK)
    sim.problem(5, "web-01")
    sim.problem(20, "esx-01")
    sim.advance(600)
    inc = sim.only()
    assert inc["root_cause"] == "esx-01"
    assert inc["pages"] == 1


def test_incident_resolved_inside_the_hold_is_still_listed(make_sim, site):
    """An incident whose alerts recover inside the hold is still recorded, not lost."""
    sim = make_sim(site, hold_s=30.0, resolve_linger_s=10.0)
    sim.problem(0, "web-01", "Disk", severity=Severity.WARNING)
    sim.ok(5, "web-01", "Disk")
    sim.advance(1000)
    inc = sim.only()
    assert inc["resolved_at"] is not None
    assert len(inc["alerts"]) == 1


# -- resolve linger -----------------------------------------------------------------------


def test_resolved_at_is_null_when_the_clock_stops_inside_the_linger(make_sim, site):
    """With the clock stopped before the linger elapsed, the incident is still open."""
    sim = make_sim(site, resolve_linger_s=300.0)
    sim.problem(0, "esx-01")
    sim.ok(100, "esx-01")
    sim.advance(100 + 250)
    inc = sim.only()
    assert inc["resolved_at"] is None
    assert inc["alerts"][0]["resolved_at"] is not None


def test_resolved_at_is_set_after_the_linger(make_sim, site, t0):
    """Once the linger has elapsed, resolved_at is set, no earlier than the last recovery."""
    sim = make_sim(site, resolve_linger_s=300.0)
    sim.problem(0, "esx-01")
    sim.problem(10, "web-01")
    sim.ok(100, "web-01")
    sim.ok(120, "esx-01")
    sim.advance(120 + 301)
    inc = sim.only()
    assert inc["resolved_at"] is not None
    assert inc["resolved_at"] >= t0 + 120


# -- reopen -------------------------------------------------------------------------------


def test_same_root_failing_again_within_reopen_reopens(make_sim, site):
    """The same root failing again within reopen_s after resolving reopens the incident."""
    sim = make_sim(site, resolve_linger_s=300.0, reopen_s=900.0)
    first = sim.problem(0, "esx-01")
    sim.ok(60, "esx-01")
    sim.advance(60 + 301)
    assert sim.only()["resolved_at"] is not None
    again = sim.problem(60 + 301 + 400, "esx-01")
    inc = sim.only()
    assert inc["id"] == first.incident
    assert again.incident == first.incident
    assert again.action is Action.REOPENED
    assert inc["resolved_at"] is None


def test_same_root_failing_through_another_alert_reopens(make_sim, site):
    """A different alert on the same root within reopen_s reopens rather than duplicates."""
    sim = make_sim(site, resolve_linger_s=300.0, reopen_s=900.0)
    first = sim.problem(0, "esx-01")
    sim.ok(60, "esx-01")
    sim.advance(60 + 301)
    sim.problem(60 + 301 + 300, "esx-01", "Ping")
    inc = sim.only()
    assert inc["id"] == first.incident
    assert inc["resolved_at"] is None


def test_same_root_failing_after_reopen_window_opens_new(make_sim, site):
    """The same root failing again after reopen_s opens a new incident."""
    sim = make_sim(site, resolve_linger_s=300.0, reopen_s=900.0, window_s=300.0)
    sim.problem(0, "esx-01")
    sim.ok(60, "esx-01")
    sim.advance(60 + 301)
    sim.problem(60 + 301 + 900 + 300, "esx-01")
    out = sim.out()
    assert len(out) == 2
    assert out[0]["resolved_at"] is not None
    assert out[1]["resolved_at"] is None


def test_root_failing_again_hours_later_is_new_while_a_warning_lingers(make_sim, site):
    """A warning of the first outage lasting all day keeps its incident open, but the root
    failing again hours after it came back is a new failure: a new incident."""
    sim = make_sim(site, reopen_s=900.0)
    first = sim.problem(0, "esx-01")
    sim.problem(40, "web-01")
    sim.problem(50, "web-01", "Disk /", severity=Severity.WARNING)
    sim.ok(600, "esx-01")
    sim.ok(620, "web-01")
    again = sim.problem(20_000, "esx-01", event_id="again")
    assert again.incident != first.incident
    assert sim.holding("web-01", "Disk /")["id"] == first.incident
    (second,) = [i for i in sim.out() if i["id"] == again.incident]
    assert second["events"] == ["again"]
    assert second["root_cause"] == "esx-01"


def test_symptom_beginning_long_after_the_root_came_back_does_not_join(make_sim, site):
    """Nor does a new symptom under that root, hours later, join the lingering incident."""
    sim = make_sim(site, reopen_s=900.0)
    first = sim.problem(0, "esx-01")
    sim.problem(40, "web-01", "Disk /", severity=Severity.WARNING)
    sim.ok(600, "esx-01")
    late = sim.problem(20_000, "db-01")
    assert late.incident != first.incident
    assert sim.holding("db-01")["root_cause"] == "db-01"


def test_later_storm_under_a_root_that_came_back_is_not_pooled_with_its_incident(make_sim, site):
    """Hours after the hypervisor came back (one warning of it lingering), its guests fail
    one after another: re-deciding their neighbourhood leaves the old incident alone."""
    sim = make_sim(site, reopen_s=900.0)
    first = sim.problem(0, "esx-01")
    sim.problem(30, "web-01", "Disk /", severity=Severity.WARNING)
    sim.ok(600, "esx-01")
    sim.problem(20_000, "db-01")
    sim.problem(20_020, "web-01")
    sim.problem(20_040, "web-01", "HTTP")
    sim.advance(21_000)
    old = next(i for i in sim.out() if i["id"] == first.incident)
    assert set(old["nodes"]) == {"esx-01", "web-01"}
    assert sim.holding("db-01")["id"] != first.incident
    assert sim.holding("web-01", "HTTP")["id"] != first.incident


def test_root_failing_again_later_keeps_its_new_storm_apart_from_the_lingering_one(make_sim, site):
    """The hypervisor fails, comes back (a warning of that outage lingering), and fails
    again an hour later with its guests: the second outage is one incident of its own, and
    re-deciding its neighbourhood leaves the first one alone."""
    sim = make_sim(site, reopen_s=900.0)
    first = sim.problem(0, "esx-01")
    sim.problem(30, "web-01", "Disk /", severity=Severity.WARNING)
    sim.problem(40, "db-01")
    sim.ok(600, "esx-01")
    sim.ok(620, "db-01")
    again = sim.problem(4_000, "esx-01", event_id="again")
    sim.problem(4_030, "db-01", event_id="db-again")
    sim.problem(4_040, "web-01", "HTTP", event_id="web-again")
    sim.advance(5_000)
    assert again.incident != first.incident
    second = next(i for i in sim.out() if i["id"] == again.incident)
    assert second["root_cause"] == "esx-01"
    assert set(second["events"]) == {"again", "db-again", "web-again"}
    old = next(i for i in sim.out() if i["id"] == first.incident)
    assert not {"again", "db-again", "web-again"} & set(old["events"])


def test_symptom_detected_just_after_the_root_came_back_still_joins(make_sim, site):
    """A slow check that notices the outage a minute after the root came back is still
    that outage's symptom."""
    sim = make_sim(site, reopen_s=900.0)
    first = sim.problem(0, "esx-01")
    sim.problem(40, "web-01", "Disk /", severity=Severity.WARNING)
    sim.ok(100, "esx-01")
    late = sim.problem(160, "db-01")
    assert late.incident == first.incident


def test_reopen_does_not_page_again_at_the_same_priority(make_sim, site):
    """A reopened incident is not paged again unless its priority rises (default policy)."""
    sim = make_sim(site, resolve_linger_s=300.0, reopen_s=900.0)
    sim.problem(0, P1_HOST, P1_CHECK)
    sim.ok(60, P1_HOST, P1_CHECK)
    sim.advance(60 + 301)
    sim.problem(60 + 301 + 200, P1_HOST, P1_CHECK)
    sim.advance(2000)
    assert sim.only()["pages"] == 1


# -- flapping -----------------------------------------------------------------------------


def test_fast_flapping_check_is_one_flapping_incident_paged_once(make_sim, site):
    """A check flipping problem/ok every minute stays one incident, flapping, paged at most once."""
    sim = make_sim(site)
    at = 0
    for _ in range(6):
        sim.problem(at, P1_HOST, P1_CHECK)
        sim.ok(at + 30, P1_HOST, P1_CHECK)
        at += 60
    sim.problem(at, P1_HOST, P1_CHECK)
    sim.advance(at + 100)
    inc = sim.only()
    assert inc["flapping"] is True
    assert inc["pages"] <= 1
    assert len(inc["alerts"]) == 1


def test_slow_flapping_check_across_resolves_pages_at_most_once(make_sim, site):
    """A check flipping slower than the linger reopens one incident and still pages at most once."""
    sim = make_sim(site, resolve_linger_s=300.0, reopen_s=900.0)
    at = 0
    for _ in range(5):
        sim.problem(at, P1_HOST, P1_CHECK)
        sim.ok(at + 20, P1_HOST, P1_CHECK)
        at += 400  # recovers, resolves after the 300 s linger, then fails again
    sim.advance(at + 1000)
    inc = sim.only()
    assert inc["flapping"] is True
    assert inc["pages"] <= 1


def test_flapping_notice_limits_pages_to_one(make_sim, site):
    """A check the tool itself says is flapping pages at most once."""
    sim = make_sim(site)
    sim.problem(0, P1_HOST, P1_CHECK)
    sim.notice(5, NoticeKind.FLAPPING_START, P1_HOST, P1_CHECK)
    sim.advance(100)
    sim.problem(110, "web-01")  # another alert arrives, priority does not change
    sim.advance(400)
    assert sim.only()["pages"] <= 1


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ([0.0, 60.0, 120.0], False),  # three changes: below the threshold of four
        ([0.0, 60.0, 120.0, 180.0], True),  # four changes inside the window
        ([0.0, 2000.0, 2060.0, 2120.0], False),  # the first change fell out of the window
    ],
)
def test_flapping_counts_state_changes_in_the_window(changes, expected):
    """A check is flapping once it changed state ``threshold`` times within the window."""
    decision = decide_flapping(
        changes, changes[-1], currently=False, threshold=4, window_s=1800.0, quiet_s=1800.0
    )
    assert decision.flapping is expected
    assert decision.reason


def test_flapping_has_hysteresis():
    """Once flapping, a check stays flapping until quiet for quiet_s, then stops."""
    changes = [0.0, 60.0, 120.0, 180.0]
    still = decide_flapping(
        changes, 1900.0, currently=True, threshold=4, window_s=1800.0, quiet_s=1800.0
    )
    assert still.flapping
    done = decide_flapping(
        changes, 180.0 + 1801.0, currently=True, threshold=4, window_s=1800.0, quiet_s=1800.0
    )
    assert not done.flapping
