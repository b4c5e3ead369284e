"""Priority (ITIL impact x urgency) and the default paging policy (specs/replay.md)."""

from __future__ import annotations

import pytest

from correlator.dispatch.priority import (
    ITIL_MATRIX,
    Level,
    Priority,
    decide_priority,
    urgency_of,
)
from correlator.dispatch.settings import PagingSettings, RateLimit
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


# -- the daemon's paging policy, in event time ---------------------------------------------

TEAM_OF_FOUR = """
version: 1
defaults: {team: web, criticality: 1}
nodes:
  - {id: app-1, kind: application, monitored_as: [app-1]}
  - {id: app-2, kind: application, monitored_as: [app-2]}
  - {id: app-3, kind: application, monitored_as: [app-3]}
  - {id: app-4, kind: application, monitored_as: [app-4]}
"""


def test_engine_pages_within_the_team_rate_limit_in_event_time(make_sim):
    """With at most 2 pages an hour for the team, the third outage inside the hour is not
    paged (the explanation says so) and one after the window is."""
    paging = PagingSettings(
        rate_limit=RateLimit(max_pages=2, window_s=3600.0, exempt_at_or_above=None)
    )
    sim = make_sim(TEAM_OF_FOUR, paging=paging)
    for at, host in ((0, "app-1"), (1000, "app-2"), (2000, "app-3"), (3700, "app-4")):
        sim.problem(at, host)
    sim.advance(3900)
    pages = {inc["root_cause"]: inc["pages"] for inc in sim.out()}
    assert pages == {"app-1": 1, "app-2": 1, "app-3": 0, "app-4": 1}
    (held,) = [i for i in sim.incidents() if i.root == "app-3"]
    assert any(
        r.startswith("not paged: rate limited: 2 pages in the last 3600s") for r in held.reasons
    )


def test_engine_exempt_priority_pages_through_the_rate_limit(make_sim):
    """P1 is exempt by default: a full rate window still pages a P1 outage."""
    paging = PagingSettings(rate_limit=RateLimit(max_pages=1, window_s=3600.0))
    sim = make_sim(TEAM_OF_FOUR, paging=paging)
    sim.problem(0, "app-1")
    sim.problem(500, "app-2")
    sim.advance(700)
    assert [(i["priority"], i["pages"]) for i in sim.out()] == [("P1", 1), ("P1", 1)]


@pytest.mark.parametrize(("repage", "pages"), [(False, 1), (True, 2)])
def test_engine_reopen_pages_again_only_with_repage_on_reopen(make_sim, site, repage, pages):
    """A reopened incident (after its resolve notice) pages again only when
    dispatch.paging.repage_on_reopen is on."""
    sim = make_sim(
        site,
        paging=PagingSettings(repage_on_reopen=repage),
        resolve_linger_s=300.0,
        reopen_s=900.0,
    )
    sim.problem(0, "esx-01")
    sim.advance(200)
    sim.ok(260, "esx-01")
    sim.advance(260 + 301)
    assert sim.only()["resolved_at"] is not None
    sim.problem(260 + 301 + 100, "esx-01")
    sim.advance(260 + 301 + 400)
    assert sim.only()["pages"] == pages


def test_engine_does_not_page_again_on_a_reopen_before_any_resolve_notice(make_sim, site):
    """With resolve notices off nothing closed the page, so a reopen is no new page even with
    repage_on_reopen."""
    sim = make_sim(
        site,
        paging=PagingSettings(repage_on_reopen=True, resolve_notices=False),
        resolve_linger_s=300.0,
        reopen_s=900.0,
    )
    sim.problem(0, "esx-01")
    sim.advance(200)
    sim.ok(260, "esx-01")
    sim.advance(260 + 301)
    sim.problem(260 + 301 + 100, "esx-01")
    sim.advance(260 + 301 + 400)
    assert sim.only()["pages"] == 1
