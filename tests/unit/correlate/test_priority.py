"""Priority (ITIL impact x urgency) and the default paging policy (specs/replay.md)."""

from __future__ import annotations

import pytest

from correlator.correlate.lifecycle import PageAction, PagingPolicy, decide_page
from correlator.dispatch.priority import (
    ITIL_MATRIX,
    Level,
    Priority,
    decide_priority,
    urgency_of,
)
from correlator.model import Severity

H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW

# -- the matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        (H, H, Priority.P1),
        (H, M, Priority.P2),
        (M, H, Priority.P2),
        (H, L, Priority.P3),
        (M, M, Priority.P3),
        (L, H, Priority.P3),
        (M, L, Priority.P4),
        (L, M, Priority.P4),
        (L, L, Priority.P5),
    ],
)
def test_itil_matrix(impact, urgency, priority):
    """The 3x3 ITIL matrix: P1 high x high down to P5 low x low, symmetric."""
    assert ITIL_MATRIX[(impact, urgency)] is priority


def test_critical_alerts_under_a_criticality_1_service_are_p1():
    """Critical alerts whose loss reaches a criticality-1 business service are P1."""
    decision = decide_priority((1, 3), 3, (Severity.CRITICAL, Severity.WARNING))
    assert decision.priority is Priority.P1
    assert decision.reason


def test_warnings_on_a_low_criticality_node_are_p5():
    """Warnings on a criticality-5 node are the lowest priority."""
    assert decide_priority((5,), 1, (Severity.WARNING,)).priority is Priority.P5


def test_lone_redundant_member_with_a_warning_is_p4_or_lower():
    """A warning on one member of a redundant pair, even a critical one, is P4 or lower."""
    decision = decide_priority((1,), 1, (Severity.WARNING,), redundant_root=True)
    assert decision.priority.rank >= Priority.P4.rank


@pytest.mark.parametrize(
    ("severity", "urgency"),
    [
        (Severity.CRITICAL, H),
        (Severity.MAJOR, M),
        (Severity.MINOR, M),
        (Severity.WARNING, L),
        (Severity.INFO, L),
    ],
)
def test_urgency_follows_the_worst_severity(severity, urgency):
    """Urgency is high for critical alerts, medium for major/minor, low for warnings."""
    assert urgency_of([Severity.INFO, severity])[0] is urgency


# -- the paging policy (pure) -------------------------------------------------------------

POLICY = PagingPolicy()


def page(priority, *, last=None, maintenance=False, flapping=False, pages=0):
    return decide_page(
        POLICY,
        priority=priority,
        last_paged=last,
        maintenance=maintenance,
        flapping=flapping,
        pages_so_far=pages,
    ).action


@pytest.mark.parametrize("priority", [Priority.P1, Priority.P2, Priority.P3])
def test_page_on_open_at_p1_to_p3(priority):
    """An incident opening at P1-P3 is paged."""
    assert page(priority) is PageAction.TRIGGER


@pytest.mark.parametrize("priority", [Priority.P4, Priority.P5])
def test_no_page_at_p4_p5(priority):
    """An incident at P4 or P5 is never paged."""
    assert page(priority) is PageAction.NONE


def test_one_more_page_only_on_a_rise():
    """After a page, another one only when the priority rises."""
    assert page(Priority.P3, last=Priority.P3, pages=1) is PageAction.NONE
    assert page(Priority.P2, last=Priority.P3, pages=1) is PageAction.TRIGGER
    assert page(Priority.P3, last=Priority.P2, pages=2) is PageAction.NONE


def test_no_page_under_maintenance():
    """Nothing is paged under maintenance, whatever the priority."""
    assert page(Priority.P1, maintenance=True) is PageAction.NONE


def test_flapping_pages_at_most_once():
    """A flapping incident already paged is not paged again, even on a rise."""
    assert page(Priority.P1, last=Priority.P3, flapping=True, pages=1) is PageAction.NONE


# -- priority and pages through the engine ------------------------------------------------


def test_engine_gives_p1_and_one_page_for_the_shop_outage(make_sim, site):
    """Critical alerts on a node the criticality-1 shop depends on: P1, paged once."""
    sim = make_sim(site)
    sim.problem(0, "esx-01")
    sim.problem(10, "web-01", "HTTP")
    sim.problem(20, "db-01")
    sim.advance(600)
    inc = sim.only()
    assert inc["priority"] == "P1"
    assert inc["pages"] == 1


def test_engine_lone_redundant_member_warning_is_low_and_not_paged(make_sim):
    """A warning on one core of a redundant pair under a critical service: P4 or lower, no page."""
    topo = """
version: 1
nodes:
  - {id: core-1, kind: switch, criticality: 1, monitored_as: [core-1]}
  - {id: core-2, kind: switch, criticality: 1, monitored_as: [core-2]}
  - {id: dist-1, kind: switch, monitored_as: [dist-1], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: shop, kind: service, criticality: 1, depends_on: [dist-1]}
"""
    sim = make_sim(topo)
    sim.problem(0, "core-2", "CPU load", severity=Severity.WARNING)
    sim.advance(600)
    inc = sim.only()
    assert Priority(inc["priority"]).rank >= Priority.P4.rank, inc["priority_reason"]
    assert inc["pages"] == 0


def test_engine_lone_redundant_member_down_is_lower_than_the_outage(make_sim, site):
    """Losing one core is a real incident of lower priority than losing both."""
    one = make_sim(site)
    one.problem(0, "core-1")
    one.advance(600)
    both = make_sim(site)
    both.problem(0, "core-1")
    both.problem(10, "core-2")
    both.advance(600)
    lone = Priority(one.only()["priority"])
    whole = Priority(both.only()["priority"])
    assert lone.rank > whole.rank


def test_engine_pages_once_more_only_on_a_priority_rise(make_sim):
    """An incident paged at P3 is paged again when it rises to P2, and not after that."""
    topo = """
version: 1
nodes:
  - {id: batch-01, criticality: 3, monitored_as: [batch-01]}
"""
    sim = make_sim(topo)
    sim.problem(0, "batch-01", "Backup job", severity=Severity.MINOR)
    sim.advance(100)
    assert sim.only()["priority"] == "P3"
    assert sim.only()["pages"] == 1
    sim.problem(200, "batch-01")  # host down: critical
    sim.advance(300)
    assert sim.only()["priority"] == "P2"
    assert sim.only()["pages"] == 2
    sim.problem(400, "batch-01", "Disk", severity=Severity.CRITICAL)
    sim.advance(800)
    assert sim.only()["pages"] == 2


@pytest.mark.parametrize(
    ("criticality", "severity", "expected"),
    [(5, Severity.WARNING, "P5"), (5, Severity.MINOR, "P4"), (3, Severity.WARNING, "P4")],
)
def test_engine_never_pages_p4_p5(make_sim, criticality, severity, expected):
    """An incident that stays at P4/P5 pages nobody."""
    topo = f"""
version: 1
nodes:
  - {{id: lab-01, criticality: {criticality}, monitored_as: [lab-01]}}
"""
    sim = make_sim(topo)
    sim.problem(0, "lab-01", "Disk", severity=severity)
    sim.problem(10, "lab-01", "Memory", severity=severity)
    sim.advance(1000)
    inc = sim.only()
    assert inc["priority"] == expected
    assert inc["pages"] == 0


def test_team_is_the_root_nodes_team(make_sim, site):
    """The dispatch team of an incident is the team of its root node."""
    sim = make_sim(site)
    sim.problem(0, "esx-01")
    sim.problem(5, "web-01")
    assert sim.only()["team"] == "systems"
