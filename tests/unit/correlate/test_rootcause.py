"""Root-cause grouping as specs/topology-format.md describes it.

Each test builds a small graph, feeds alerts with realistic timing (tools notice a failure
seconds to minutes apart) and asserts which incidents exist and what their roots are.
"""

from __future__ import annotations

import pytest

from correlator.correlate.engine import (
    Action,
    Incident,
    _Candidate,
    _Option,
    keep_incumbent_root,
)
from correlator.correlate.score import Score
from correlator.model import Severity, Source

# -- related alerts, late roots -----------------------------------------------------------


def test_related_alerts_within_the_window_form_one_incident(make_sim, site):
    """Alerts on nodes related through the graph, close in time, are one incident."""
    sim = make_sim(site)
    sim.problem(0, "dist-1")
    sim.problem(10, "esx-01")
    sim.problem(20, "web-01")
    sim.problem(25, "db-01")
    inc = sim.only()
    assert inc["root_cause"] == "dist-1"
    assert inc["root_cause_inferred"] is False
    assert set(inc["nodes"]) == {"dist-1", "esx-01", "web-01", "db-01"}


def test_root_arriving_after_its_symptoms_reroots_the_same_incident(make_sim, site):
    """A root alert that arrives last re-roots the existing incident: same id, no second one."""
    sim = make_sim(site)
    first = sim.problem(0, "esx-01")
    sim.problem(4, "web-01", unreachable=True)
    sim.problem(11, "web-01", "HTTP")
    sim.problem(24, "db-01", "Ping", source=Source.PRTG)
    late = sim.problem(
        43, "dist-1", "Unavailable by ICMP ping", source=Source.ZABBIX, severity=Severity.MAJOR
    )
    inc = sim.only()
    assert inc["id"] == first.incident
    assert late.incident == first.incident
    assert late.action is Action.REROOTED
    assert inc["root_cause"] == "dist-1"


def test_a_root_only_slightly_better_does_not_re_root_the_incident():
    """Hysteresis: another root takes an incident over only when it is better by
    ``reroot_margin``; with other incidents taken in, or none, the best option stands."""
    inc = Incident(number=7, opened_at=0.0, root="wan", seeds=frozenset({"wan"}), inferred=True)
    other = Incident(
        number=9, opened_at=5.0, root="fw-1", seeds=frozenset({"fw-1"}), inferred=False
    )

    def option(root: str, absorbed: list[Incident], delta: float, order: int) -> _Option:
        cand = _Candidate(root, frozenset({root}), frozenset({root}), 1, order)
        return _Option(cand, absorbed, Score(10.0 + delta, 0.0, 0.0, 0.0), 10.0, delta)

    router = option("rtr-1", [inc], -0.9, 0)
    keep = option("wan", [inc], -0.6, 1)
    alone = option("host", [], 3.5, 2)
    options = [router, keep, alone]
    kept = keep_incumbent_root(router, options, margin=0.5)
    assert (kept.candidate, kept.absorbed, kept.delta) == (keep.candidate, [inc], -0.6)
    assert kept.note == "kept: rtr-1 would be only 0.30 cheaper (re-rooting takes 0.5)"
    assert keep_incumbent_root(router, options, margin=0.2) is router  # clearly better
    # Keeping the root is an option only with the same incidents taken in.
    merge = option("rtr-1", [inc, other], -0.9, 0)
    assert keep_incumbent_root(merge, [merge, keep, alone], margin=0.5) is merge
    assert keep_incumbent_root(alone, options, margin=0.5) is alone  # a new incident


def test_symptoms_opened_apart_merge_under_their_late_root(make_sim, site):
    """Two incidents opened by sibling symptoms merge into one when their common root alerts."""
    topo = """
version: 1
nodes:
  - {id: sw, kind: switch, monitored_as: [sw]}
  - {id: a, monitored_as: [a], depends_on: [sw]}
  - {id: b, monitored_as: [b], depends_on: [sw]}
"""
    sim = make_sim(topo)
    sim.problem(0, "a", event_id="a")
    sim.problem(3, "b", event_id="b")
    sim.problem(60, "sw", event_id="sw")
    inc = sim.only()
    assert inc["root_cause"] == "sw"
    assert inc["events"] == ["a", "b", "sw"]


def test_root_alert_before_symptoms_keeps_root(make_sim, site):
    """Symptoms arriving after the root join its incident and do not change the root."""
    sim = make_sim(site)
    sim.problem(0, "esx-01")
    for host in ("web-01", "db-01"):
        sim.problem(30, host)
    sim.problem(40, "web-01", "HTTP")
    assert sim.only()["root_cause"] == "esx-01"


def test_alerts_far_apart_in_time_are_separate_incidents(make_sim, site):
    """A related alert long after an incident resolved opens a new one."""
    sim = make_sim(site, window_s=300.0, resolve_linger_s=300.0, reopen_s=900.0)
    sim.problem(0, "esx-01")
    sim.ok(60, "esx-01")
    sim.problem(60 + 300 + 900 + 600, "web-01")
    assert len(sim.out()) == 2


# -- redundancy ---------------------------------------------------------------------------


def test_losing_one_redundant_member_explains_nothing_above_it(make_sim, site):
    """With core-2 up, core-1's loss does not explain dist-1: the two stay separate."""
    sim = make_sim(site)
    sim.problem(0, "core-1")
    sim.problem(20, "dist-1")
    out = sim.out()
    assert len(out) == 2
    assert sim.holding("dist-1")["root_cause"] == "dist-1"
    assert sim.holding("core-1")["root_cause"] == "core-1"


REDUNDANT = """
version: 1
nodes:
  - {id: core-1, kind: switch, monitored_as: [core-1]}
  - {id: core-2, kind: switch, monitored_as: [core-2]}
  - {id: dist-1, kind: switch, monitored_as: [dist-1], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: esx-01, kind: hypervisor, monitored_as: [esx-01], depends_on: [dist-1]}
  - {id: web-01, kind: vm, monitored_as: [web-01], depends_on: [esx-01]}
"""


def test_redundancy_is_honoured_transitively(make_sim):
    """With core-2 up, core-1's loss explains nothing two levels up either (esx-01, web-01)."""
    sim = make_sim(REDUNDANT)
    sim.problem(0, "core-1")
    sim.problem(15, "esx-01")
    sim.problem(25, "web-01")
    assert sim.holding("core-1")["root_cause"] == "core-1"
    above = sim.holding("esx-01")
    assert above["root_cause"] == "esx-01"
    assert {a["host"] for a in above["alerts"]} == {"esx-01", "web-01"}


def test_losing_both_members_explains_alerts_two_levels_up(make_sim):
    """When both cores are lost, the alerts above dist-1 belong to the group-loss incident."""
    sim = make_sim(REDUNDANT)
    sim.problem(0, "core-1")
    sim.problem(10, "core-2")
    sim.problem(30, "esx-01")
    sim.problem(35, "web-01")
    inc = sim.only()
    assert inc["root_cause"] == "core-1"


def test_losing_every_member_is_one_incident_rooted_at_the_first_lost(make_sim, site):
    """Losing both cores is one incident with dist-1's failure, rooted at the core lost first."""
    sim = make_sim(site)
    sim.problem(0, "core-1")
    sim.problem(40, "core-2")
    sim.problem(50, "dist-1")
    sim.problem(60, "esx-01")
    inc = sim.only()
    assert inc["root_cause"] == "core-1"
    assert inc["root_cause_inferred"] is False
    assert {"core-1", "core-2", "dist-1", "esx-01"} <= set(inc["nodes"])


def test_group_root_is_the_member_that_failed_first_whatever_its_name(make_sim, site):
    """When core-2 fails before core-1, core-2 is the root of the group loss."""
    sim = make_sim(site)
    sim.problem(0, "core-2")
    sim.problem(40, "core-1")
    sim.problem(50, "dist-1")
    assert sim.only()["root_cause"] == "core-2"


def test_earlier_incident_about_first_lost_member_is_absorbed(make_sim, site):
    """The incident opened for the first lost member is absorbed, not left beside the group's."""
    sim = make_sim(site)
    first = sim.problem(0, "core-1", event_id="c1")
    sim.advance(120)  # announced as a lone-member incident of its own
    sim.problem(200, "core-2", event_id="c2")
    sim.problem(210, "dist-1", event_id="d")
    inc = sim.only()
    assert inc["events"] == ["c1", "c2", "d"]
    assert inc["root_cause"] == "core-1"
    assert first.incident is not None


def test_dependent_failed_before_the_group_loss_joins_it(make_sim, site):
    """dist-1 failing between the two core losses ends up in the group incident too."""
    sim = make_sim(site)
    sim.problem(0, "core-1", event_id="c1")
    sim.problem(20, "dist-1", event_id="d")
    sim.problem(30, "core-2", event_id="c2")
    inc = sim.only()
    assert inc["root_cause"] == "core-1"
    assert inc["events"] == ["c1", "d", "c2"]


# -- inferred roots -----------------------------------------------------------------------


def test_unmonitored_common_dependency_is_named_as_inferred_root(make_sim, site):
    """core-1 and san-01 failing together are rooted at their unmonitored PDU, inferred."""
    sim = make_sim(site)
    sim.problem(0, "core-1", "Unavailable by ICMP ping", source=Source.ZABBIX)
    sim.problem(12, "san-01", "SNMP Uptime", source=Source.PRTG)
    sim.problem(30, "esx-01", "Datastore latency")
    inc = sim.only()
    assert inc["root_cause"] == "pdu-a"
    assert inc["root_cause_inferred"] is True
    assert inc["team"] == "facilities"


def test_unmonitored_dependency_stays_the_root_while_its_symptoms_keep_coming(make_sim, site):
    """The PDU below core-1 and san-01 stays the inferred root while the storage's symptoms
    keep arriving at each tool's pace, minutes after the first one."""
    sim = make_sim(site)
    sim.problem(0, "esx-01", "Datastore accessible")
    sim.problem(20, "san-01", "Ping", source=Source.PRTG)
    sim.problem(70, "core-1", "Unavailable by ICMP ping", source=Source.ZABBIX)
    sim.problem(190, "web-01")
    sim.problem(300, "db-01")
    sim.problem(420, "web-01", "HTTP")
    sim.advance(1200)  # reviews and repartitions have run
    inc = sim.only()
    assert inc["root_cause"] == "pdu-a"
    assert inc["root_cause_inferred"] is True


def test_unmonitored_link_explains_the_hosts_behind_it(make_sim):
    """Hosts behind one unmonitored WAN link failing together are rooted at the link, inferred."""
    topo = """
version: 1
nodes:
  - {id: wan-bru, kind: link, team: network}
  - {id: site-sw, kind: switch}
  - {id: h1, monitored_as: [h1], depends_on: [wan-bru]}
  - {id: h2, monitored_as: [h2], depends_on: [wan-bru]}
  - {id: h3, monitored_as: [h3], depends_on: [wan-bru]}
"""
    sim = make_sim(topo)
    sim.problem(0, "h1")
    sim.problem(8, "h2")
    sim.problem(15, "h3")
    inc = sim.only()
    assert inc["root_cause"] == "wan-bru"
    assert inc["root_cause_inferred"] is True


def test_inferred_root_gives_way_to_a_monitored_node_that_alerts(make_sim):
    """Once the switch below the failing hosts alerts itself, it is the root, not the link."""
    topo = """
version: 1
nodes:
  - {id: wan, kind: link}
  - {id: sw, kind: switch, monitored_as: [sw], depends_on: [wan]}
  - {id: h1, monitored_as: [h1], depends_on: [sw]}
  - {id: h2, monitored_as: [h2], depends_on: [sw]}
"""
    sim = make_sim(topo)
    sim.problem(0, "h1")
    sim.problem(5, "h2")
    sim.problem(60, "sw")
    inc = sim.only()
    assert inc["root_cause"] == "sw"
    assert inc["root_cause_inferred"] is False


def test_root_that_alerts_itself_is_not_inferred(make_sim, site):
    """A root that raised its own alert is not marked inferred."""
    sim = make_sim(site)
    sim.problem(0, "esx-01")
    sim.problem(10, "web-01")
    assert sim.only()["root_cause_inferred"] is False


# -- symptoms are never roots -------------------------------------------------------------


def test_nagios_unreachable_is_never_a_root(make_sim, site):
    """Hosts that Nagios calls UNREACHABLE are not roots of their incident."""
    sim = make_sim(site)
    sim.problem(0, "web-01", unreachable=True)
    sim.problem(5, "db-01", unreachable=True)
    inc = sim.only()
    assert inc["root_cause"] not in {"web-01", "db-01"}


def test_unreachable_siblings_are_rooted_at_their_nearest_common_parent(make_sim, site):
    """Two UNREACHABLE VMs on one hypervisor are rooted at it, not at a far unmonitored PDU.

    pdu-a is not "the only explanation" (specs/topology-format.md): esx-01 explains both, and
    the PDU's failure would also take down core-1 and san-01, which are monitored and silent.
    """
    sim = make_sim(site)
    sim.problem(0, "web-01", unreachable=True)
    sim.problem(5, "db-01", unreachable=True)
    assert sim.only()["root_cause"] == "esx-01"


def test_lone_unreachable_alert_is_not_its_own_root(make_sim, site):
    """Even alone, an UNREACHABLE host is not named as the root of its incident."""
    sim = make_sim(site)
    sim.problem(0, "web-01", unreachable=True)
    assert sim.only()["root_cause"] != "web-01"


def test_unreachable_before_the_down_parent_is_rooted_at_the_parent(make_sim, site):
    """UNREACHABLE arriving before its parent's DOWN (out of order) still roots at the parent."""
    sim = make_sim(site)
    sim.problem(0, "web-01", unreachable=True)
    sim.problem(20, "esx-01")
    inc = sim.only()
    assert inc["root_cause"] == "esx-01"
    assert inc["root_cause_inferred"] is False


def test_prtg_paused_by_dependency_is_never_a_root(make_sim, site):
    """PRTG sensors paused by dependency are not roots: their common parent is."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Ping", source=Source.PRTG, suppressed=True)
    sim.problem(3, "db-01", "Ping", source=Source.PRTG, suppressed=True)
    inc = sim.only()
    assert inc["root_cause"] not in {"web-01", "db-01"}


def test_paused_by_dependency_then_parent_down_is_one_incident(make_sim, site):
    """A paused-by-dependency sensor joins its parent's incident, which stays rooted there."""
    sim = make_sim(site)
    sim.problem(0, "esx-01", "Ping", source=Source.PRTG)
    sim.problem(5, "web-01", "Ping", source=Source.PRTG, suppressed=True)
    assert sim.only()["root_cause"] == "esx-01"


# -- independent faults stay apart --------------------------------------------------------

TWO_SITES = """
version: 1
nodes:
  - {id: bru-rtr, kind: router, monitored_as: [bru-rtr]}
  - {id: bru-h1, monitored_as: [bru-h1], depends_on: [bru-rtr]}
  - {id: bru-h2, monitored_as: [bru-h2], depends_on: [bru-rtr]}
  - {id: ams-rtr, kind: router, monitored_as: [ams-rtr]}
  - {id: ams-h1, monitored_as: [ams-h1], depends_on: [ams-rtr]}
  - {id: ams-h2, monitored_as: [ams-h2], depends_on: [ams-rtr]}
"""


def test_independent_faults_at_the_same_time_stay_separate(make_sim):
    """Simultaneous failures in unrelated parts of the graph are separate incidents."""
    sim = make_sim(TWO_SITES)
    sim.problem(0, "bru-rtr")
    sim.problem(1, "ams-h1")
    sim.problem(2, "bru-h1")
    sim.problem(3, "bru-h2")
    out = sim.out()
    assert len(out) == 2
    assert sim.holding("bru-h2")["root_cause"] == "bru-rtr"
    assert sim.holding("ams-h1")["root_cause"] == "ams-h1"


SHARED_UPSTREAM = """
version: 1
nodes:
  - {id: agg, kind: switch, monitored_as: [agg]}
  - {id: h1, monitored_as: [h1], depends_on: [agg]}
  - {id: h2, monitored_as: [h2], depends_on: [agg]}
  - {id: h3, monitored_as: [h3], depends_on: [agg]}
  - {id: h4, monitored_as: [h4], depends_on: [agg]}
  - {id: h5, monitored_as: [h5], depends_on: [agg]}
  - {id: h6, monitored_as: [h6], depends_on: [agg]}
"""


def test_two_faults_under_a_silent_monitored_upstream_stay_two(make_sim):
    """Two hosts failing together under a monitored upstream that stays silent stay two incidents."""
    sim = make_sim(SHARED_UPSTREAM)
    sim.problem(0, "h1")
    sim.problem(5, "h2")
    sim.advance(900)  # agg and h3..h6 stay silent long after every tool would have noticed
    out = sim.out()
    assert len(out) == 2
    assert {i["root_cause"] for i in out} == {"h1", "h2"}


def test_two_faults_minutes_apart_under_a_silent_upstream_stay_two(make_sim):
    """The second of two faults under a healthy upstream, minutes later, is still its own."""
    sim = make_sim(SHARED_UPSTREAM)
    sim.problem(0, "h1")
    sim.problem(200, "h3")
    out = sim.out()
    assert len(out) == 2
    assert {i["root_cause"] for i in out} == {"h1", "h3"}


def test_three_faults_under_a_silent_upstream_after_its_tools_had_time(make_sim):
    """A third unrelated fault, when the silent upstream's tools have had time, stays apart."""
    sim = make_sim(SHARED_UPSTREAM)
    sim.problem(0, "h1")
    sim.problem(200, "h2")
    sim.problem(400, "h3")
    out = sim.out()
    assert "agg" not in {i["root_cause"] for i in out}


def test_most_dependents_down_together_infers_the_silent_upstream(make_sim):
    """When (nearly) everything under a silent upstream fails at once, the upstream is the root."""
    sim = make_sim(SHARED_UPSTREAM)
    for i, host in enumerate(["h1", "h2", "h3", "h4", "h5", "h6"]):
        sim.problem(i * 2, host)
    inc = sim.only()
    assert inc["root_cause"] == "agg"
    assert inc["root_cause_inferred"] is True


# -- gray failures and deep warnings ------------------------------------------------------

SAN_FARM = """
version: 1
nodes:
  - {id: san, kind: storage, team: storage, monitored_as: [san]}
""" + "".join(
    f"  - {{id: esx-{i:02d}, kind: hypervisor, monitored_as: [esx-{i:02d}], depends_on: [san]}}\n"
    f"  - {{id: vm-{i:02d}, kind: vm, monitored_as: [vm-{i:02d}], depends_on: [esx-{i:02d}]}}\n"
    for i in range(1, 11)
)


def test_deep_warning_does_not_pull_in_a_later_unrelated_alert(make_sim):
    """A SAN warning whose many dependents stay silent does not absorb a later VM failure."""
    sim = make_sim(SAN_FARM)
    sim.problem(0, "san", "Latency", severity=Severity.WARNING)
    sim.problem(240, "vm-03", "Disk", severity=Severity.CRITICAL)
    out = sim.out()
    assert len(out) == 2, out
    assert sim.holding("vm-03", "Disk")["root_cause"] != "san"
    assert sim.holding("san", "Latency")["root_cause"] == "san"


def test_deep_warning_does_not_pull_in_a_later_host_down(make_sim):
    """A SAN warning does not absorb one hypervisor going down minutes later, others healthy."""
    sim = make_sim(SAN_FARM)
    sim.problem(0, "san", "Latency", severity=Severity.WARNING)
    sim.problem(240, "esx-04")
    out = sim.out()
    assert len(out) == 2, out
    assert sim.holding("esx-04")["root_cause"] == "esx-04"


GRAY = """
version: 1
nodes:
  - {id: san, kind: storage, team: storage, monitored_as: [san]}
  - {id: esx-01, kind: hypervisor, monitored_as: [esx-01], depends_on: [san]}
  - {id: esx-02, kind: hypervisor, monitored_as: [esx-02], depends_on: [san]}
  - {id: vm-01, kind: vm, monitored_as: [vm-01], depends_on: [esx-01]}
  - {id: vm-02, kind: vm, monitored_as: [vm-02], depends_on: [esx-02]}
"""


def test_gray_failure_is_rooted_at_the_warning_node(make_sim):
    """The root only warns, its dependents fail hard, nothing else explains them: root is it."""
    sim = make_sim(GRAY)
    sim.problem(0, "san", "Latency", severity=Severity.WARNING)
    sim.problem(30, "esx-01", "Datastore san", severity=Severity.CRITICAL)
    sim.problem(40, "esx-02", "Datastore san", severity=Severity.CRITICAL)
    sim.problem(60, "vm-01")
    sim.problem(70, "vm-02")
    inc = sim.only()
    assert inc["root_cause"] == "san"
    assert inc["root_cause_inferred"] is False


def test_gray_failure_root_warning_arriving_last_still_roots(make_sim):
    """A gray-failure root whose warning arrives after the hard failures still becomes the root."""
    sim = make_sim(GRAY)
    sim.problem(0, "esx-01", "Datastore san")
    sim.problem(5, "esx-02", "Datastore san")
    sim.problem(10, "vm-01")
    sim.problem(60, "san", "Latency", severity=Severity.WARNING)
    assert sim.only()["root_cause"] == "san"


APP_DB = """
version: 1
nodes:
  - {id: db, kind: database, monitored_as: [db]}
  - {id: app-1, kind: application, monitored_as: [app-1], depends_on: [db]}
  - {id: app-2, kind: application, monitored_as: [app-2], depends_on: [db]}
  - {id: shop, kind: service, depends_on: [{any_of: [app-1, app-2]}]}
"""


def test_database_warning_after_its_applications_failed_roots_them(make_sim):
    """A database stuck on locks times out both applications on it; its own warning
    crosses its threshold two minutes after the first HTTP check failed: one incident,
    rooted at the database (not the pair of applications lost as a whole)."""
    sim = make_sim(APP_DB)
    sim.problem(0, "app-1", "HTTP", source=Source.PRTG)
    sim.problem(90, "app-1", "EndpointDown", source=Source.ALERTMANAGER)
    sim.problem(125, "app-2", "HTTP")
    sim.problem(127, "db", "PostgreSQL locks", severity=Severity.WARNING)
    inc = sim.only()
    assert inc["root_cause"] == "db"
    assert inc["root_cause_inferred"] is False


def test_database_warning_long_after_its_applications_failed_stays_apart(make_sim):
    """The same warning half an hour after both applications failed explains neither."""
    sim = make_sim(APP_DB)
    sim.problem(0, "app-1", "HTTP", source=Source.PRTG)
    sim.problem(125, "app-2", "HTTP")
    sim.problem(1800, "db", "PostgreSQL locks", severity=Severity.WARNING)
    assert sim.holding("db", "PostgreSQL locks")["nodes"] == ["db"]
    assert sim.holding("app-2", "HTTP")["root_cause"] != "db"


POWERED = """
version: 1
nodes:
  - {id: pdu-a, kind: power, team: facilities}
  - {id: pdu-b, kind: power, team: facilities}
  - {id: core-1, kind: switch, monitored_as: [core-1], depends_on: [pdu-a]}
  - {id: core-2, kind: switch, monitored_as: [core-2], depends_on: [pdu-b]}
  - {id: fw, kind: switch, monitored_as: [fw], depends_on: [{any_of: [core-1, core-2]}, pdu-a]}
  - {id: dist, kind: switch, monitored_as: [dist],
     depends_on: [{any_of: [core-1, core-2]}, {any_of: [pdu-a, pdu-b]}]}
  - {id: san, kind: storage, monitored_as: [san], depends_on: [pdu-a]}
""" + "".join(
    f"  - {{id: esx-{h}, kind: hypervisor, monitored_as: [esx-{h}], depends_on: [san, dist]}}\n"
    + "".join(
        f"  - {{id: vm-{h}{v}, kind: vm, monitored_as: [vm-{h}{v}], depends_on: [esx-{h}]}}\n"
        for v in range(5)
    )
    for h in range(4)
)


def test_scattered_warnings_are_not_an_unwatched_feed_degrading(make_sim):
    """Warnings on guests and a switch fed by one power feed, a quarter of an hour apart,
    and a guest down in between: the day's noise, not the unmonitored feed failing
    slowly."""
    sim = make_sim(POWERED)
    sim.problem(
        0, "vm-01", "HostHighCpuLoad", source=Source.ALERTMANAGER, severity=Severity.WARNING
    )
    sim.problem(1040, "vm-02")
    sim.problem(2150, "core-1", "Memory usage", severity=Severity.WARNING)
    sim.problem(2330, "vm-12", "SNMP Disk Free", source=Source.PRTG, severity=Severity.WARNING)
    roots = sorted(i["root_cause"] for i in sim.out())
    assert "pdu-a" not in roots, roots


ACCESS = """
version: 1
nodes:
  - {id: dist, kind: switch, monitored_as: [dist]}
  - {id: acc, kind: switch, depends_on: [dist]}
  - {id: bkp, kind: host, monitored_as: [bkp], depends_on: [acc]}
  - {id: tape, kind: host, monitored_as: [tape], depends_on: [acc]}
"""


def _two_hosts_clearing(sim, tape_back: float) -> None:
    """Nagios finds one host down; Alertmanager says the other is down six minutes later
    (a 5-minute ``for:`` and its group interval): too late to be taken as a symptom of
    the same failure. Both come back about 45 minutes later."""
    sim.problem(0, "bkp", event_id="bkp-down")
    sim.problem(345, "tape", "InstanceDown", source=Source.ALERTMANAGER, event_id="tape-down")
    sim.ok(tape_back, "tape", "InstanceDown", source=Source.ALERTMANAGER, event_id="tape-up")
    sim.ok(2_890, "bkp", event_id="bkp-up")


def test_hosts_clearing_together_under_an_unmonitored_switch_are_one_failure(make_sim):
    """Two incidents that failed and cleared together, everything the unmonitored switch
    between them carries having alerted: one failure of that switch, named as inferred."""
    sim = make_sim(ACCESS)
    _two_hosts_clearing(sim, tape_back=2_745)
    inc = sim.only()
    assert inc["root_cause"] == "acc"
    assert inc["root_cause_inferred"] is True
    assert inc["events"] == ["bkp-down", "tape-down", "tape-up", "bkp-up"]


def test_hosts_clearing_apart_stay_two_failures(make_sim):
    """The same hosts, one back half an hour before the other: two faults."""
    sim = make_sim(ACCESS)
    _two_hosts_clearing(sim, tape_back=1_000)
    assert sorted(i["root_cause"] for i in sim.out()) == ["bkp", "tape"]


def test_hosts_clearing_together_under_a_silent_watched_switch_stay_two(make_sim):
    """When the switch between them is watched and said nothing, it did not fail: two."""
    sim = make_sim(
        ACCESS.replace("{id: acc, kind: switch,", "{id: acc, kind: switch, monitored_as: [acc],")
    )
    _two_hosts_clearing(sim, tape_back=2_745)
    assert sorted(i["root_cause"] for i in sim.out()) == ["bkp", "tape"]


RACK = """
version: 1
nodes:
  - {id: leaf-a, kind: switch, monitored_as: [leaf-a]}
  - {id: leaf-b, kind: switch, monitored_as: [leaf-b]}
  - {id: pdu, kind: power, team: facilities}
""" + "".join(
    f"  - {{id: srv-{i}, kind: host, monitored_as: [srv-{i}],"
    f" depends_on: [{{any_of: [leaf-a, leaf-b]}}, pdu]}}\n"
    for i in range(6)
)


def test_a_rack_losing_power_is_one_incident_despite_an_old_warning_under_it(make_sim):
    """A CPU warning on one server has lasted for hours when the rack's unmonitored power
    feed fails and its servers go down one after another: one incident, rooted at the
    feed (inferred); the old warning stays on its own."""
    sim = make_sim(RACK)
    sim.problem(0, "srv-5", "CPU load", severity=Severity.WARNING)
    for i in range(5):
        sim.problem(9_000 + 20 * i, f"srv-{i}")
    storm = sim.holding("srv-0")
    assert storm["root_cause"] == "pdu"
    assert storm["root_cause_inferred"] is True
    assert {a["host"] for a in storm["alerts"]} == {f"srv-{i}" for i in range(5)}
    assert sim.holding("srv-5", "CPU load")["nodes"] == ["srv-5"]


def test_slowly_spreading_fault_stays_one_incident(make_sim):
    """Dependents alerting one after another over 20 minutes, incident active: one incident."""
    sim = make_sim(SAN_FARM, window_s=300.0)
    sim.problem(0, "san", "Latency", severity=Severity.WARNING)
    at = 0
    for i in range(1, 11):
        at += 60
        sim.problem(at, f"esx-{i:02d}", "Datastore latency", severity=Severity.WARNING)
        at += 60
        sim.problem(at, f"vm-{i:02d}", "Response time", severity=Severity.CRITICAL)
    assert at == 1200
    inc = sim.only()
    assert inc["root_cause"] == "san"
    assert len(inc["alerts"]) == 21


def test_slow_spread_with_gaps_longer_than_the_window_stays_one(make_sim):
    """Related alerts keep joining an active incident even when gaps exceed the window."""
    sim = make_sim(GRAY, window_s=300.0)
    sim.problem(0, "san", "Latency", severity=Severity.WARNING)
    sim.problem(400, "esx-01", "Datastore latency", severity=Severity.WARNING)
    sim.problem(800, "vm-01", "Response time", severity=Severity.CRITICAL)
    sim.problem(1200, "esx-02", "Datastore san")
    assert sim.only()["root_cause"] == "san"


# -- cycles -------------------------------------------------------------------------------


def test_cycles_in_the_graph_terminate_and_group(make_sim):
    """A dependency cycle does not hang the search, and related alerts still group."""
    topo = """
version: 1
nodes:
  - {id: a, monitored_as: [a], depends_on: [b]}
  - {id: b, monitored_as: [b], depends_on: [c]}
  - {id: c, monitored_as: [c], depends_on: [a]}
  - {id: d, monitored_as: [d], depends_on: [a]}
"""
    sim = make_sim(topo)
    sim.problem(0, "a")
    sim.problem(5, "b")
    sim.problem(10, "c")
    sim.problem(15, "d")
    assert len(sim.out()) == 1


ARRAY = """
version: 1
nodes:
  - {id: san, kind: storage, team: storage, monitored_as: [san]}
""" + "".join(
    f"  - {{id: ds-{d}, kind: storage, monitored_as: [ds-{d}], depends_on: [san]}}\n"
    + "".join(
        f"  - {{id: esx-{d}{h}, kind: hypervisor, monitored_as: [esx-{d}{h}], "
        f"depends_on: [ds-{d}]}}\n"
        f"  - {{id: vm-{d}{h}, kind: vm, monitored_as: [vm-{d}{h}], depends_on: [esx-{d}{h}]}}\n"
        for h in "ab"
    )
    for d in range(1, 5)
)


def test_silent_monitored_array_does_not_merge_a_gray_datastore_with_a_later_host_down(make_sim):
    """A datastore degrading and a host down under another datastore, the array above both
    silent long after its tools would have seen trouble, stay two incidents."""
    sim = make_sim(ARRAY)
    sim.problem(0, "ds-1", "Array latency", severity=Severity.WARNING)
    sim.problem(60, "esx-1a", "Datastore latency", severity=Severity.WARNING)
    sim.problem(90, "vm-1a", "Disk IO")
    sim.problem(120, "vm-1b", "Disk IO")
    sim.problem(700, "esx-3a")
    sim.problem(760, "esx-2b", "CPU load", severity=Severity.WARNING)
    roots = {i["root_cause"] for i in sim.out()}
    assert "san" not in roots, roots
    assert sim.holding("vm-1b", "Disk IO")["root_cause"] == "ds-1"
    assert sim.holding("esx-3a")["root_cause"] == "esx-3a"


def test_a_late_warning_on_a_common_dependency_does_not_take_over_older_faults(make_sim):
    """A warning on the array long after independent faults began under it explains none
    of them: they keep their own roots and the array's warning stands alone."""
    sim = make_sim(ARRAY)
    sim.problem(0, "esx-1a", "CPU ready", severity=Severity.WARNING)
    sim.problem(100, "vm-2a", "HTTP")
    sim.problem(150, "vm-4b", "Replication lag", severity=Severity.WARNING)
    sim.problem(1250, "esx-3b", "CPU ready", severity=Severity.WARNING)
    sim.problem(1400, "vm-1b", "HTTP")
    sim.problem(2500, "san", "CPU load", severity=Severity.WARNING)
    assert sim.holding("san", "CPU load")["nodes"] == ["san"]
    assert sim.holding("vm-2a", "HTTP")["root_cause"] != "san"


def test_silent_monitored_array_does_not_gather_faults_under_other_silent_datastores(make_sim):
    """Concurrent faults under different datastores that all stayed silent are not one gray
    failure of the silent array above them: the degradation would have shown on the way."""
    sim = make_sim(ARRAY)
    sim.problem(0, "ds-1", "Array latency", severity=Severity.WARNING)
    sim.problem(20, "esx-1a", "Datastore latency", severity=Severity.WARNING)
    sim.problem(30, "vm-2a", "HTTP")
    sim.problem(40, "esx-3a", "CPU ready", severity=Severity.WARNING)
    sim.problem(50, "vm-4b", "HTTP")
    sim.problem(200, "vm-3b", "HTTP")
    sim.problem(400, "vm-2b", "HTTP")
    sim.advance(1200)  # reviews and repartitions have run
    roots = {i["root_cause"] for i in sim.out()}
    assert "san" not in roots, roots


def test_a_hard_down_cause_reported_minutes_after_its_symptoms_still_takes_them(make_sim, site):
    """A hypervisor whose DOWN comes 410 s after a VM's (a slow host check with retries) still
    explains both VMs: only a degradation must show before the faults it causes."""
    sim = make_sim(site)
    sim.problem(0, "web-01")
    sim.problem(400, "db-01")
    sim.problem(410, "esx-01")
    sim.advance(600)
    incident = sim.only()
    assert incident["root_cause"] == "esx-01"
    assert sorted(a["host"] for a in incident["alerts"]) == ["db-01", "esx-01", "web-01"]


def test_a_degradation_spreading_hop_by_hop_stays_one_incident(make_sim):
    """Array latency, then two datastores' latency, then their hypervisors failing, then
    the guests, each a couple of minutes after the node it sits on (specs: a slow spread
    stays one incident while related alerts keep coming): minutes after the array's own
    warning, but right after the failure they depend on, so rooted at the array."""
    sim = make_sim(ARRAY)
    sim.problem(0, "san", "Latency", severity=Severity.WARNING)
    for d in range(1, 5):
        sim.problem(170 + 30 * d, f"ds-{d}", "Latency", severity=Severity.WARNING)
        for k, h in enumerate("ab"):
            sim.problem(300 + 30 * d + 10 * k, f"esx-{d}{h}", "Datastore inaccessible")
            sim.problem(420 + 30 * d + 10 * k, f"vm-{d}{h}", "SSH")
    sim.advance(1200)  # reviews and repartitions have run
    inc = sim.only()
    assert inc["root_cause"] == "san"


OFFICE = """
version: 1
nodes:
  - {id: rtr, kind: router, monitored_as: [rtr]}
  - {id: sw, kind: switch, monitored_as: [sw], depends_on: [rtr]}
  - {id: srv, kind: host, monitored_as: [srv], depends_on: [sw]}
""" + "".join(
    f"  - {{id: ap-{i}, kind: host, monitored_as: [ap-{i}], depends_on: [sw]}}\n"
    for i in range(1, 7)
)


def test_two_hard_failures_that_began_with_their_switch_degrading_are_its_incident(make_sim):
    """An office switch reports interface errors, and within the minute the server and an
    access point behind it stop answering while five other access points keep working:
    one gray failure of the switch, not a warning and two coincidences."""
    sim = make_sim(OFFICE)
    sim.problem(0, "sw", "Interface errors", source=Source.PRTG, severity=Severity.WARNING)
    sim.problem(24, "ap-4", "Ping", source=Source.PRTG)
    sim.problem(25, "srv", "Load", source=Source.PRTG, severity=Severity.WARNING)
    sim.problem(64, "srv")
    sim.problem(67, "srv", "SMB share", source=Source.PRTG)
    sim.advance(600)
    inc = sim.only()
    assert inc["root_cause"] == "sw"


RADIO_SITE = """
version: 1
nodes:
  - {id: agg, kind: router, monitored_as: [agg]}
  - {id: mw, kind: link, monitored_as: [mw], depends_on: [agg]}
  - {id: rural, kind: router, monitored_as: [rural], depends_on: [mw]}
  - {id: dslam, kind: dslam, monitored_as: [dslam], depends_on: [rural]}
"""


def _rural_site_drops(sim, first_warning: str) -> None:
    """A warning on the radio link, then, twelve minutes later, the site behind it lost
    three times for a minute or two."""
    zabbix, warning = Source.ZABBIX, Severity.WARNING
    sim.problem(0, "mw", first_warning, source=zabbix, severity=warning)
    for start in (750.0, 1060.0, 1290.0):
        sim.problem(start, "rural", "Unavailable by ICMP ping", source=zabbix)
        sim.problem(start + 45, "dslam", "Unavailable by ICMP ping", source=zabbix)
        sim.ok(start + 105, "rural", "Unavailable by ICMP ping", source=zabbix)
        sim.ok(start + 150, "dslam", "Unavailable by ICMP ping", source=zabbix)
    sim.advance(2400)


def test_a_radio_link_fading_is_the_root_of_the_site_behind_it_dropping_out(make_sim):
    """A microwave link's received signal falls below its threshold; twelve minutes
    later the rural router behind it, and the DSLAM behind that, drop out three times.
    A path losing its quality drops what it carries now and then before it drops it for
    good: one incident, rooted at the link, not a warning and a router fault."""
    sim = make_sim(RADIO_SITE)
    _rural_site_drops(sim, "RSL below threshold")
    inc = sim.only()
    assert inc["root_cause"] == "mw", inc["title"]


def test_a_busy_radio_does_not_take_the_site_behind_it_down(make_sim):
    """The same outages behind a link whose only warning is its CPU load (a busy
    controller still carries traffic): the router's fault and the link's warning stay
    two incidents."""
    sim = make_sim(RADIO_SITE)
    _rural_site_drops(sim, "CPU load high")
    assert sim.holding("rural", "Unavailable by ICMP ping")["root_cause"] == "rural"
    assert sim.holding("mw", "CPU load high")["nodes"] == ["mw"]


ACCESS_NODE = """
version: 1
nodes:
  - {id: agg, kind: router, monitored_as: [agg]}
  - {id: olt, kind: olt, monitored_as: [olt], depends_on: [agg]}
  - {id: olt-subs, kind: access, monitored_as: ["olt!ONT down count high"], depends_on: [olt]}
  - {id: radius, kind: host, monitored_as: [radius]}
  - {id: portal, kind: application, monitored_as: [portal], depends_on: [olt, radius]}
"""


def test_the_subscribers_an_access_node_alone_serves_warn_at_their_polling_pace(make_sim):
    """An OLT's line card fails; the count of its subscribers' ONTs down, a counter read
    every few minutes, crosses its threshold four minutes later, beyond one detection
    delay. Nothing but the OLT explains it: one incident, rooted at the OLT."""
    sim = make_sim(ACCESS_NODE)
    zabbix = Source.ZABBIX
    sim.problem(0, "olt", "Line card fault (slot 3)", source=zabbix)
    sim.problem(256, "olt", "ONT down count high", source=zabbix, severity=Severity.WARNING)
    sim.advance(1200)
    inc = sim.only()
    assert inc["root_cause"] == "olt", inc["title"]


def test_a_warning_minutes_after_an_outage_on_what_also_uses_another_node_stays_apart(
    make_sim,
):
    """The same warning, as late, on an application that uses the OLT and a RADIUS
    server: its own trouble or the other's as much as the OLT's, so beyond one detection
    delay it is not the outage's."""
    sim = make_sim(ACCESS_NODE)
    zabbix = Source.ZABBIX
    sim.problem(0, "olt", "Line card fault (slot 3)", source=zabbix)
    sim.problem(256, "portal", "Response time high", source=zabbix, severity=Severity.WARNING)
    sim.advance(1200)
    assert sim.holding("portal", "Response time high")["root_cause"] == "portal"


HYPERVISOR = """
version: 1
nodes:
  - {id: esx, kind: hypervisor, monitored_as: [esx]}
  - {id: k8s-node, kind: vm, monitored_as: [k8s-node], depends_on: [esx]}
  - {id: pod, kind: container, monitored_as: [pod], depends_on: [k8s-node]}
"""


def test_a_hypervisor_degrading_keeps_the_pod_its_slow_guest_loses(make_sim):
    """A hypervisor's CPU-ready warning, its guest's disk latency three minutes later,
    and a pod on that guest not ready two minutes after that: one degradation spreading
    hop by hop, rooted at the hypervisor. (A degradation's spread is judged as one: the
    polling pace allowed to what depends on a failed root alone is not for a gray root,
    whose guest's warning would otherwise stand as its own cheap spread.)"""
    sim = make_sim(HYPERVISOR)
    warning = Severity.WARNING
    sim.problem(0, "esx", "CPU ready", source=Source.ICINGA, severity=warning)
    sim.problem(176, "k8s-node", "Disk latency", source=Source.ALERTMANAGER, severity=warning)
    sim.problem(311, "pod", "KubePodNotReady", source=Source.ALERTMANAGER)
    sim.advance(1200)
    inc = sim.only()
    assert inc["root_cause"] == "esx", inc["title"]


STORE_ON_MAINS = """
version: 1
nodes:
  - {id: mains, kind: power}
  - {id: ups, kind: power, depends_on: [mains]}
  - {id: rtr, kind: router, monitored_as: [rtr], depends_on: [ups]}
  - {id: sw, kind: switch, monitored_as: [sw], depends_on: [rtr, ups]}
""" + "".join(
    f"  - {{id: {h}, kind: host, monitored_as: [{h}], depends_on: [sw, mains]}}\n"
    for h in ("srv", "ap-1", "ap-2", "esl")
)


def test_a_silent_switch_is_not_on_the_way_from_the_mains_to_what_the_mains_feeds(make_sim):
    """A store's mains fails: the server, access points and label gateway, each plugged
    into the mains and into the switch, go down; the switch and router stay up on the UPS
    and say nothing. The mains reaches those hosts directly, not through the silent switch:
    the inferred mains, not a switch that was seen working, is the root."""
    sim = make_sim(STORE_ON_MAINS)
    for i, host in enumerate(("srv", "ap-1", "ap-2", "esl")):
        sim.problem(20 * i, host, "Unavailable by ICMP ping", source=Source.ZABBIX)
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "mains"
    assert inc["root_cause_inferred"] is True


STORE_ON_TWO_LINKS = """
version: 1
nodes:
  - {id: bb, kind: link, monitored_as: ["edge!Transport broadband down"]}
  - {id: lte, kind: link, monitored_as: ["edge!Transport LTE down"]}
  - {id: rtr, kind: router, monitored_as: [edge, rtr], depends_on: [{any_of: [bb, lte]}]}
  - {id: sw, kind: switch, monitored_as: [sw], depends_on: [rtr]}
""" + "".join(
    f"  - {{id: {h}, kind: host, monitored_as: [{h}], depends_on: [sw]}}\n"
    for h in ("srv", "ap-1", "ap-2")
)


def test_a_link_watched_through_its_edge_says_nothing_once_the_edge_is_offline(make_sim):
    """The SD-WAN orchestrator reports each transport link as a check on the edge router.
    Broadband goes down; seven minutes later the edge goes offline and the store with it.
    The LTE link's silence is no answer (nobody can report it through an offline edge):
    both links lost, rooted at the one lost first, and the earlier broadband incident is
    absorbed rather than left beside the store's (specs/topology-format.md)."""
    sim = make_sim(STORE_ON_TWO_LINKS)
    zabbix, average = Source.ZABBIX, Severity.MINOR
    sim.problem(0, "edge", "Transport broadband down", source=zabbix, severity=average)
    sim.problem(420, "edge", "Edge offline", source=zabbix)
    for i, host in enumerate(("sw", "srv", "ap-1", "ap-2")):
        sim.problem(460 + 5 * i, host, "Unavailable by ICMP ping", source=zabbix)
    sim.advance(1200)
    inc = sim.only()
    assert inc["root_cause"] == "bb"
    assert len(inc["alerts"]) == 6


LOGICAL_DATABASE = """
version: 1
nodes:
  - {id: pg-0, kind: database, monitored_as: [pg-0]}
  - {id: pg-1, kind: database, monitored_as: [pg-1]}
  - {id: pg, kind: database, depends_on: [{any_of: [pg-0, pg-1]}]}
""" + "".join(
    f"  - {{id: svc-{i}, kind: application, monitored_as: [svc-{i}], depends_on: [pg]}}\n"
    for i in range(1, 9)
)


def test_callers_erroring_when_both_database_instances_are_gone_are_that_loss(make_sim):
    """A managed database: an unmonitored logical node over its primary and replica.
    The primary dies, the replica five minutes later; within a minute six of the eight
    services that use the database warn of a high error rate. One incident, rooted at the
    instance lost first (specs/topology-format.md), not the logical node the callers hang
    on (it cannot alert, so they are the first layer that can show the loss)."""
    sim = make_sim(LOGICAL_DATABASE)
    am, warning = Source.ALERTMANAGER, Severity.WARNING
    sim.problem(0, "pg-0", "PostgresqlDown", source=am)
    sim.problem(300, "pg-1", "PostgresqlDown", source=am)
    for i in range(1, 7):
        sim.problem(330 + 5 * i, f"svc-{i}", "HighErrorRate", source=am, severity=warning)
    sim.advance(1200)
    inc = sim.only()
    assert inc["root_cause"] == "pg-0"
    assert len(inc["alerts"]) == 8


ERP_AND_STORES = """
version: 1
nodes:
  - {id: erp, kind: application, monitored_as: [erp]}
""" + "".join(
    f"  - {{id: st{i}-srv, kind: host, monitored_as: [st{i}-srv]}}\n"
    f"  - {{id: st{i}-inv, kind: application, "
    f'monitored_as: ["st{i}-srv!Inventory sync from ERP delayed (over 30m)"], '
    f"depends_on: [st{i}-srv, erp]}}\n"
    for i in range(1, 6)
)


def test_a_check_that_waits_thirty_minutes_reports_an_outage_that_began_thirty_minutes_ago(
    make_sim,
):
    """The ERP goes down; thirty-one minutes later five stores' "Inventory sync from ERP
    delayed (over 30m)" warnings fire. The check says it waits thirty minutes: its
    condition began with the ERP outage, so the warnings are that outage's symptoms, not
    five late and unrelated warnings."""
    sim = make_sim(ERP_AND_STORES)
    sim.problem(0, "erp")
    for i in range(1, 6):
        sim.problem(
            1860 + 10 * i,
            f"st{i}-srv",
            "Inventory sync from ERP delayed (over 30m)",
            source=Source.ZABBIX,
            severity=Severity.WARNING,
        )
    sim.advance(2400)
    inc = sim.only()
    assert inc["root_cause"] == "erp"
    assert len(inc["alerts"]) == 6


QUORUM = """
version: 1
nodes:
  - {id: broker-1, kind: server, monitored_as: [broker-1]}
  - {id: broker-2, kind: server, monitored_as: [broker-2]}
  - {id: broker-3, kind: server, monitored_as: [broker-3]}
  - {id: quorum-12, kind: queue, depends_on: [{any_of: [broker-1, broker-2]}]}
  - {id: quorum-13, kind: queue, depends_on: [{any_of: [broker-1, broker-3]}]}
  - {id: quorum-23, kind: queue, depends_on: [{any_of: [broker-2, broker-3]}]}
  - {id: bus, kind: queue, depends_on: [quorum-12, quorum-13, quorum-23]}
  - {id: algo, kind: application, monitored_as: [algo], depends_on: [bus]}
  - {id: pricing, kind: application, monitored_as: [pricing], depends_on: [bus]}
  - {id: risk, kind: application, monitored_as: [risk], depends_on: [bus]}
  - {id: oms, kind: application, monitored_as: [oms], depends_on: [bus, risk]}
"""


def test_a_slow_member_of_a_redundant_group_slows_what_uses_the_group(make_sim):
    """Redundancy protects against a member lost, not one that answers slowly: a slow
    broker of a quorum slows every acknowledged write, so the publishers' latency
    warnings minutes later are its degradation, one incident rooted at the broker."""
    sim = make_sim(QUORUM)
    sim.problem(0, "broker-1", "Produce request latency", severity=Severity.WARNING)
    sim.problem(480, "algo", "Bus publish latency", severity=Severity.WARNING)
    sim.problem(560, "pricing", "Bus publish latency", severity=Severity.WARNING)
    sim.problem(600, "oms", "Order latency", severity=Severity.WARNING)
    sim.problem(640, "risk", "Bus publish latency", severity=Severity.WARNING)
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "broker-1", sim.out()
    # The dispatcher sees why a member of a redundant group is blamed for what is above it.
    assert any("broker-1 answers slowly" in line for line in inc["explanation"]), inc


HSM_PAIR = """
version: 1
nodes:
  - {id: hsm-1, kind: hsm, monitored_as: [hsm-1]}
  - {id: hsm-2, kind: hsm, monitored_as: [hsm-2]}
  - {id: apigw, kind: service, monitored_as: [apigw]}
  - {id: card-net, kind: link}
  - {id: web-1, kind: vm, monitored_as: [web-1],
     depends_on: [apigw, {any_of: [hsm-1, hsm-2]}]}
  - {id: web-2, kind: vm, monitored_as: [web-2],
     depends_on: [apigw, {any_of: [hsm-1, hsm-2]}]}
  - {id: shop, kind: service, monitored_as: [shop], depends_on: [{any_of: [web-1, web-2]}]}
  - {id: cardauth-1, kind: server, monitored_as: [cardauth-1],
     depends_on: [card-net, {any_of: [hsm-1, hsm-2]}]}
  - {id: cardauth-2, kind: server, monitored_as: [cardauth-2],
     depends_on: [card-net, {any_of: [hsm-1, hsm-2]}]}
"""


def test_a_pair_lost_with_one_member_unseen_is_one_incident_at_the_member_seen(make_sim):
    """Both HSMs fail; the host check of one never fires (a missed detection). Every
    service using the pair fails, through the API gateway and the card network alike,
    and the other unit is seen down: the pair was lost. One incident rooted at the unit
    seen failing, not an unseen gateway and an unseen card network beside it."""
    sim = make_sim(HSM_PAIR)
    sim.problem(0, "web-2", "HTTPS")
    sim.problem(20, "web-1", "HTTPS")
    sim.problem(28, "shop", "HTTPS")
    sim.problem(80, "cardauth-2", "HTTPS")
    sim.problem(92, "hsm-2")
    sim.problem(100, "cardauth-1", "HTTPS")
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "hsm-2", sim.out()


def test_a_member_lost_with_one_service_above_failing_is_not_the_pair(make_sim):
    """One HSM fails and the other keeps answering (watched, silent); one web server
    that uses the pair fails too: the pair still serves it, so that is a fault of its
    own, not the pair lost with a missed detection (which would have taken the card
    services down as well)."""
    sim = make_sim(HSM_PAIR)
    sim.problem(0, "hsm-2")
    sim.problem(30, "web-1", "HTTPS")
    sim.advance(1800)
    assert sim.holding("web-1", "HTTPS")["root_cause"] == "web-1", sim.out()
    assert sim.holding("hsm-2")["root_cause"] == "hsm-2", sim.out()


def test_a_pair_lost_keeps_its_first_member_as_root_once_that_one_is_back(make_sim):
    """Both HSMs fail, hsm-2 first; hsm-2 comes back while hsm-1 is still down, and a
    report using the shop fails: hsm-2 is back up, not a member that stayed silent (the
    pair lost with hsm-2 unseen, rooted at hsm-1), so the incident stays rooted where
    the loss began."""
    sim = make_sim(
        HSM_PAIR
        + "  - {id: report, kind: application, monitored_as: [report], depends_on: [shop]}\n"
    )
    sim.problem(0, "hsm-2")
    sim.problem(30, "hsm-1")
    for i, host in enumerate(["web-1", "web-2", "shop", "cardauth-1", "cardauth-2"]):
        sim.problem(40 + 5 * i, host, "HTTPS")
    sim.ok(70, "hsm-2")
    sim.problem(75, "report", "HTTPS")
    sim.advance(1200)
    assert sim.holding("web-1", "HTTPS")["root_cause"] == "hsm-2", sim.out()


def test_a_member_lost_alone_still_explains_nothing_above_its_group(make_sim):
    """A broker that fails hard is covered by the quorum: a publisher's latency warning
    twenty minutes later is not its loss (only a degradation passes the redundancy)."""
    sim = make_sim(QUORUM)
    sim.problem(0, "broker-1")
    sim.problem(1200, "algo", "Bus publish latency", severity=Severity.WARNING)
    sim.advance(1800)
    assert sim.holding("algo", "Bus publish latency")["root_cause"] != "broker-1", sim.out()


REPLICAS = """
version: 1
nodes:
  - {id: ldap-1, kind: vm, monitored_as: [ldap-1]}
  - {id: ldap-2, kind: vm, monitored_as: [ldap-2]}
  - {id: engine, kind: application, monitored_as: [engine], depends_on: [{any_of: [ldap-1, ldap-2]}]}
  - {id: orders, kind: application, monitored_as: [orders], depends_on: [engine]}
  - {id: results, kind: application, monitored_as: [results], depends_on: [engine]}
"""


@pytest.mark.parametrize(("check", "root"), [("load", "engine"), ("LDAP response time", "ldap-1")])
def test_a_busy_member_of_a_redundant_pair_does_not_slow_what_uses_the_pair(
    make_sim, check: str, root: str
):
    """One directory replica reports a high load, and a minute later an interface engine
    using the pair and its callers report latency: a busy replica still answers (and
    the other one too), so the engine's latency is its own degradation, rooted at the
    engine. A replica answering slowly is the root: every caller it serves waits."""
    sim = make_sim(REPLICAS)
    sim.problem(0, "ldap-1", check, severity=Severity.WARNING)
    sim.problem(60, "engine", "HL7 latency", severity=Severity.WARNING)
    sim.problem(80, "orders", "HighLatency", severity=Severity.WARNING)
    sim.problem(100, "results", "HighLatency", severity=Severity.WARNING)
    sim.advance(1800)
    assert sim.holding("orders", "HighLatency")["root_cause"] == root, sim.out()


BUSY_ARRAY = """
version: 1
nodes:
  - {id: array, kind: storage, monitored_as: [array]}
  - {id: db, kind: server, monitored_as: [db], depends_on: [array]}
""" + "".join(
    f"  - {{id: host-{i:02d}, kind: server, monitored_as: [host-{i:02d}], depends_on: [array]}}\n"
    for i in range(20)
)


def test_a_slow_array_and_the_one_database_it_slows_are_one_degradation(make_sim):
    """A database's query time and, a minute and a half later, its storage array's read
    latency: one degradation rooted at the array, though the twenty other hosts on it
    stay silent (a slow array slows the callers sensitive to it, not every one)."""
    sim = make_sim(BUSY_ARRAY)
    sim.problem(0, "db", "postgres query time", severity=Severity.WARNING)
    sim.problem(
        84, "array", "Average read latency", source=Source.ZABBIX, severity=Severity.WARNING
    )
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "array", sim.out()


def test_a_slow_array_does_not_take_in_a_warning_that_began_long_after(make_sim):
    """A host's response-time warning 25 minutes after the array's latency, while the
    others on the array stay silent, is not its degradation spreading."""
    sim = make_sim(BUSY_ARRAY)
    sim.problem(0, "array", "Average read latency", source=Source.ZABBIX, severity=Severity.WARNING)
    sim.problem(1500, "host-07", "HTTP response time", severity=Severity.WARNING)
    sim.advance(3600)
    assert sim.holding("host-07", "HTTP response time")["root_cause"] == "host-07", sim.out()


PNEUMATIC_LINE = """
version: 1
nodes:
  - {id: sw, kind: switch, monitored_as: [sw]}
  - {id: air, kind: plc, monitored_as: [air], depends_on: [sw]}
""" + "".join(
    f"  - {{id: rc{i}, kind: robot, monitored_as: [rc{i}], depends_on: [sw, air]}}\n"
    for i in range(1, 8)
)


def test_what_a_failure_degrades_one_after_another_is_its_wave(make_sim):
    """The compressor fails (a hard trap); air pressure falls, and the robots of the line
    lose their gripper vacuum one after another over four minutes, each warning within a
    minute of the one before: one incident rooted at the compressor, not one per robot."""
    sim = make_sim(PNEUMATIC_LINE)
    zabbix, warning = Source.ZABBIX, Severity.WARNING
    sim.problem(0, "air", "Compressor fault (trap)", source=zabbix)
    for i, at in enumerate((80, 142, 153, 203, 236), start=1):
        sim.problem(at, f"rc{i}", "Gripper vacuum low (trap)", source=zabbix, severity=warning)
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "air", sim.out()


def test_a_warning_long_after_a_failure_is_not_its_wave(make_sim):
    """The same compressor fault, and twenty minutes later one robot's warning with
    nothing in between: the day's noise, not the failure's wave."""
    sim = make_sim(PNEUMATIC_LINE)
    zabbix, warning = Source.ZABBIX, Severity.WARNING
    sim.problem(0, "air", "Compressor fault (trap)", source=zabbix)
    sim.problem(60, "rc1", "Gripper vacuum low (trap)", source=zabbix, severity=warning)
    sim.problem(1260, "rc2", "Gripper vacuum low (trap)", source=zabbix, severity=warning)
    sim.advance(3000)
    assert sim.holding("rc2", "Gripper vacuum low (trap)")["root_cause"] == "rc2", sim.out()


def test_a_degradation_does_not_collect_the_day_s_full_disks_below_it(make_sim):
    """The array's latency warning and a hypervisor's datastore latency two minutes later
    (one degradation), then, twenty minutes and more apart, a guest's memory, another's
    certificate and a third's disk space, nothing in between: warnings about each guest's
    own state, the day's noise, each its own incident. The array under every guest would
    otherwise collect every such warning below it for forty minutes."""
    sim = make_sim(SAN_FARM)
    warning = Severity.WARNING
    sim.problem(0, "san", "Volume latency", severity=warning)
    sim.problem(120, "esx-02", "Datastore latency", severity=warning)
    late = (("vm-05", "Memory usage"), ("vm-08", "SSL Certificate"), ("vm-09", "Disk /var"))
    for at, (host, check) in zip((1320, 1980, 2280), late, strict=True):
        sim.problem(at, host, check, severity=warning)
    sim.advance(5400)
    assert sim.holding("esx-02", "Datastore latency")["root_cause"] == "san", sim.out()
    for host, check in late:
        assert sim.holding(host, check)["root_cause"] == host, sim.out()


def test_a_degradation_whose_warnings_keep_coming_stays_one_incident(make_sim):
    """The array's latency, then its guests' warnings one after another, each within a
    few minutes of the one before, for half an hour (the spec's slow spread): one
    incident rooted at the array."""
    sim = make_sim(SAN_FARM)
    warning = Severity.WARNING
    sim.problem(0, "san", "Volume latency", severity=warning)
    for i, at in enumerate((150, 400, 640, 900, 1150, 1400, 1650, 1900), start=1):
        sim.problem(at, f"vm-{i:02d}", "Disk I/O latency", severity=warning)
    sim.advance(3600)
    assert sim.only()["root_cause"] == "san", sim.out()


def test_a_degradation_keeps_the_symptoms_that_recovered(make_sim):
    """The array's latency, then its hypervisors' datastore latency one after another;
    they recover first, the array later: one incident all along, its recovered symptoms
    judged by what they said (latency), not taken for warnings of their own state."""
    sim = make_sim(SAN_FARM)
    warning = Severity.WARNING
    sim.problem(0, "san", "Volume latency", severity=warning)
    for i, at in enumerate((200, 450, 700, 950), start=1):
        sim.problem(at, f"esx-{i:02d}", "Datastore latency", severity=warning)
    for i, at in enumerate((1500, 1520, 1540, 1560), start=1):
        sim.ok(at, f"esx-{i:02d}", "Datastore latency")
    sim.problem(1700, "vm-07", "Disk I/O latency", severity=warning)
    sim.advance(2400)
    inc = sim.only()
    assert inc["root_cause"] == "san", sim.out()


PROVIDER = """
version: 1
nodes:
  - {id: ext-payments, kind: service}
  - {id: eu-payments, kind: application, monitored_as: [eu-payments], depends_on: [ext-payments]}
  - {id: us-payments, kind: application, monitored_as: [us-payments], depends_on: [ext-payments]}
"""


def test_what_uses_an_unwatched_provider_warning_together_names_the_provider(make_sim):
    """The payment services of two regions report error rates the same second, and
    their latency a few minutes later: their common payment provider, which nothing
    watches, degraded (one incident, inferred root), not two coincidences."""
    sim = make_sim(PROVIDER)
    am, warning = Source.ALERTMANAGER, Severity.WARNING
    sim.problem(0, "us-payments", "HighErrorRate", source=am, severity=warning)
    sim.problem(1, "eu-payments", "HighErrorRate", source=am, severity=warning)
    sim.problem(181, "us-payments", "LatencyHigh", source=am, severity=warning)
    sim.advance(1800)
    inc = sim.only()
    assert (inc["root_cause"], inc["root_cause_inferred"]) == ("ext-payments", True), sim.out()


def test_one_warning_is_not_blamed_on_an_unwatched_provider(make_sim):
    """One region's error rate alone, and the other's half an hour later: each a fault
    of its own, the provider is not named for either."""
    sim = make_sim(PROVIDER)
    am, warning = Source.ALERTMANAGER, Severity.WARNING
    sim.problem(0, "us-payments", "HighErrorRate", source=am, severity=warning)
    sim.problem(1800, "eu-payments", "HighErrorRate", source=am, severity=warning)
    sim.advance(3600)
    assert sim.holding("us-payments", "HighErrorRate")["root_cause"] == "us-payments", sim.out()
    assert sim.holding("eu-payments", "HighErrorRate")["root_cause"] == "eu-payments", sim.out()


TIME = """
version: 1
nodes:
  - {id: antenna, kind: gnss}
  - {id: tor, kind: switch}
  - {id: gm1, kind: time, monitored_as: [gm1], depends_on: [antenna]}
  - {id: gm2, kind: time, monitored_as: [gm2], depends_on: [antenna]}
  - {id: feed, kind: host, monitored_as: [feed], depends_on: [tor, {any_of: [gm1, gm2]}]}
  - {id: gateway, kind: host, monitored_as: [gateway], depends_on: [tor, {any_of: [gm1, gm2]}]}
  - {id: pricing, kind: host, monitored_as: [pricing], depends_on: [tor, {any_of: [gm1, gm2]}]}
"""


def test_a_lost_time_reference_is_one_incident_at_its_source(make_sim):
    """The GNSS antenna under both grandmasters is lost: each grandmaster reports its
    holdover at its own poll, minutes apart, and the hosts that take their time there
    drift past their clock-offset threshold ten to twenty minutes later. One incident at
    the antenna (inferred, nothing watches it), not five warnings each on its own."""
    sim = make_sim(TIME)
    zbx, am, warning = Source.ZABBIX, Source.ALERTMANAGER, Severity.WARNING
    sim.problem(0, "gm1", "GNSS receiver not locked (holdover)", source=zbx, severity=warning)
    sim.problem(400, "gm2", "GNSS receiver not locked (holdover)", source=zbx, severity=warning)
    sim.problem(1000, "feed", "ClockOffsetHigh", source=am, severity=warning)
    sim.problem(1300, "gateway", "ClockOffsetHigh", source=am, severity=warning)
    sim.problem(1600, "pricing", "ClockOffsetHigh", source=am, severity=warning)
    sim.advance(3000)
    inc = sim.only()
    assert (inc["root_cause"], inc["root_cause_inferred"]) == ("antenna", True), sim.out()


def test_clock_offsets_are_not_blamed_on_what_else_the_hosts_share(make_sim):
    """Clock offsets with no time source saying it lost its reference: not a
    degradation of the switch the hosts share (a clock drifts from its time source,
    not from a switch)."""
    sim = make_sim(TIME)
    am, warning = Source.ALERTMANAGER, Severity.WARNING
    sim.problem(0, "feed", "ClockOffsetHigh", source=am, severity=warning)
    sim.problem(1, "gateway", "ClockOffsetHigh", source=am, severity=warning)
    sim.advance(1800)
    roots = {i["root_cause"] for i in sim.out()}
    assert "tor" not in roots, sim.out()


DB_PAIR = """
version: 1
nodes:
  - {id: db-p, kind: host, monitored_as: [db-p]}
  - {id: db-s, kind: host, monitored_as: [db-s]}
  - {id: db, kind: database, depends_on: [{any_of: [db-p, db-s]}]}
  - {id: app, kind: application, monitored_as: [app], depends_on: [db]}
"""


def test_a_standby_reporting_its_replication_broken_first_does_not_take_the_root(make_sim):
    """The primary database server dies: the standby's replication check fails four
    seconds before the primary's host check goes down, and the application fails over
    half a minute. One incident whose root is the primary, the server that failed in its
    own right, not the standby that reported losing it first."""
    sim = make_sim(DB_PAIR)
    ici, crit = Source.ICINGA, Severity.CRITICAL
    sim.problem(0, "db-s", "postgres replication", source=ici, severity=crit)
    sim.problem(4, "db-p", source=ici, severity=crit)
    sim.problem(30, "app", "HTTP", source=ici, severity=crit)
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "db-p", sim.out()


INTEGRATION_ENGINE = """
version: 1
nodes:
  - {id: hl7, kind: application, monitored_as: [hl7-vip]}
  - {id: lis, kind: application, monitored_as: [lis-01], depends_on: [hl7]}
  - {id: ehr, kind: application, monitored_as: [ehr-app-01], depends_on: [hl7]}
  - {id: orders-a, kind: container, monitored_as: [orders-a], depends_on: [hl7]}
  - {id: orders-b, kind: container, monitored_as: [orders-b], depends_on: [hl7]}
  - {id: pacs, kind: application, monitored_as: [pacs], depends_on: [hl7]}
"""


def test_a_degradation_seen_on_its_node_after_its_users_is_still_their_cause(make_sim):
    """An integration engine slows down: its users' queues and latency warn first, over
    six minutes, and the engine's own channel-error and queue-depth checks cross their
    thresholds three minutes after the last of them: one degradation rooted at the
    engine, not five warnings each on its own."""
    sim = make_sim(INTEGRATION_ENGINE)
    warning, am, zabbix = Severity.WARNING, Source.ALERTMANAGER, Source.ZABBIX
    sim.problem(0, "lis-01", "HL7 outbound queue", severity=warning)
    sim.problem(49, "ehr-app-01", "EHR HL7 latency", source=Source.ICINGA, severity=warning)
    sim.problem(295, "orders-a", "HighLatency", source=am, severity=warning)
    sim.problem(363, "orders-b", "HighLatency", source=am, severity=warning)
    sim.problem(527, "hl7-vip", "HL7 engine: channel errors", source=zabbix, severity=warning)
    sim.problem(639, "hl7-vip", "HL7 engine: queue depth is high", source=zabbix, severity=warning)
    sim.advance(2400)
    assert sim.only()["root_cause"] == "hl7", sim.out()


CLINIC = """
version: 1
nodes:
  - {id: hub, kind: router, monitored_as: [hub]}
  - id: fibre
    kind: link
    site: clinic
    monitored_as: ["rtr!SD-WAN transport fibre: tunnel down"]
    depends_on: [hub]
  - {id: lte, kind: link, site: clinic, depends_on: [hub]}
  - {id: rtr, kind: router, site: clinic, monitored_as: [rtr], depends_on: [{any_of: [fibre, lte]}]}
  - {id: sw, kind: switch, site: clinic, monitored_as: [sw], depends_on: [rtr]}
  - {id: sat, kind: probe, site: clinic, monitored_as: [sat], depends_on: [sw]}
  - {id: ws01, kind: host, site: clinic, monitored_as: [ws01], depends_on: [sw]}
  - {id: ws02, kind: host, site: clinic, monitored_as: [ws02], depends_on: [sw]}
  - {id: printer, kind: host, site: clinic, monitored_as: [printer], depends_on: [sw]}
"""


def test_a_clinic_cut_off_with_its_probe_is_one_incident_at_its_link(make_sim):
    """The clinic's fibre tunnel goes down (its LTE backup, unwatched, does not take
    over): three minutes later the central server finds the router and the clinic's
    satellite unreachable. The hosts the satellite watched stay silent, as they would
    with their probe gone: one incident, rooted at the fibre, not the router apart."""
    sim = make_sim(CLINIC)
    sim.problem(
        0,
        "rtr",
        "SD-WAN transport fibre: tunnel down",
        source=Source.ZABBIX,
        severity=Severity.MINOR,
    )
    sim.problem(181, "rtr", source=Source.ICINGA)
    sim.problem(203, "sat", "cluster-zone", source=Source.ICINGA)
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "fibre", sim.out()


# A branch site: a core pair, two distribution switches, a satellite and a PRTG probe
# each behind one of them, and the WAN link to the hub both probes report through.
TWO_PROBE_BRANCH = """
version: 1
nodes:
  - {id: hub, kind: router, monitored_as: [hub]}
  - {id: pdu-a, kind: power}
  - {id: pdu-b, kind: power}
  - {id: core-1, kind: switch, monitored_as: [core-1], depends_on: [pdu-a]}
  - {id: core-2, kind: switch, monitored_as: [core-2], depends_on: [pdu-b]}
  - {id: rtr, kind: router, monitored_as: [rtr], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: wan, kind: link, depends_on: [rtr, hub]}
  - {id: dist-1, kind: switch, monitored_as: [dist-1], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: dist-2, kind: switch, monitored_as: [dist-2], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: acc-1, kind: switch, monitored_as: [acc-1], depends_on: [dist-1]}
  - {id: acc-2, kind: switch, monitored_as: [acc-2], depends_on: [dist-2]}
  - {id: sat, kind: probe, monitored_as: [sat], depends_on: [acc-1, wan]}
  - {id: prtg, kind: probe, monitored_as: [prtg], depends_on: [acc-2, wan]}
  - {id: h1, kind: host, monitored_as: [h1], depends_on: [acc-1]}
  - {id: h2, kind: host, monitored_as: [h2], depends_on: [acc-1]}
  - {id: h3, kind: host, monitored_as: [h3], depends_on: [acc-2]}
  - {id: h4, kind: host, monitored_as: [h4], depends_on: [acc-2]}
  - {id: h5, kind: host, monitored_as: [h5], depends_on: [acc-2]}
  - {id: h6, kind: host, monitored_as: [h6], depends_on: [dist-2]}
"""


def test_a_probe_is_not_cut_off_by_what_only_a_blinded_probe_reports(make_sim):
    """A distribution switch dies and takes the Icinga satellite behind it off the
    network: every check it runs fails, the site's core pair included. The PRTG probe on
    the other distribution switch reports the dead switch's ping a minute later. The
    blinded satellite's word that both cores are down does not cut the PRTG probe off
    too, so a WAN link that would blind both probes is not the story: the switch is."""
    sim = make_sim(TWO_PROBE_BRANCH)
    for k, host in enumerate(["core-1", "core-2", "rtr", "dist-2", "acc-2", "h1", "h2", "h3"]):
        sim.problem(k * 4, host, source=Source.ICINGA, observer="sat")
    sim.problem(40, "h4", source=Source.ICINGA, observer="sat")
    sim.problem(60, "dist-1", "Ping", source=Source.PRTG, observer="prtg")
    for k, host in enumerate(["h5", "h6", "acc-1"]):
        sim.problem(70 + k * 5, host, source=Source.ICINGA, observer="sat")
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "dist-1", sim.out()


def test_two_probes_cut_off_together_do_not_vouch_for_each_others_hosts(make_sim):
    """A branch's WAN link fails: the central server finds its Nagios satellite down,
    the satellite's passive results go stale on every host, and the PRTG probe there
    reports every sensor Unknown, the hosts the satellite also watches among them. Each
    probe's word about a shared host does not confirm the host failed for the other
    (both lost their path): one incident, rooted where both paths meet, the WAN link or
    the router it hangs off (the same alerts either way), not a core pair lost."""
    sim = make_sim(TWO_PROBE_BRANCH)
    sim.problem(0, "sat", source=Source.NAGIOS)
    stale = ["core-1", "core-2", "rtr", "dist-1", "dist-2", "acc-1", "acc-2", "h1", "h2", "h3"]
    for k, host in enumerate(stale):
        sim.problem(10 + k * 3, host, source=Source.NAGIOS, observer="sat")
    for k, host in enumerate(["dist-2", "acc-2", "h1", "h2", "h3", "h4", "h5"]):
        sim.problem(
            5 + k * 4, host, "Ping", source=Source.PRTG, severity=Severity.MINOR, observer="prtg"
        )
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] in {"wan", "rtr"}, sim.out()


def test_a_probe_that_seems_blind_itself_confirms_no_failure_for_another(make_sim):
    """The central server finds the PRTG probe down; the probe's last word is that its
    own distribution switch stopped answering, and Icinga's satellite reports hosts
    there down. Only an observer with its path intact says a node really failed: the
    PRTG probe's word neither makes the switch failing nor confirms the satellite's
    hosts, whereas the central server's own check does."""
    sim = make_sim(TWO_PROBE_BRANCH)
    sim.problem(0, "prtg", source=Source.NAGIOS)
    sim.problem(10, "dist-2", "Ping", source=Source.PRTG, observer="prtg")
    sim.problem(20, "h6", source=Source.ICINGA, observer="sat")
    engine = sim.engine
    assert not engine._failing_elsewhere("dist-2", "sat")
    assert engine._confirmed_in({"dist-2", "h6"}, "sat") == 0
    sim.problem(30, "dist-2", source=Source.NAGIOS)
    assert engine._failing_elsewhere("dist-2", "sat")
    assert engine._confirmed_in({"dist-2", "h6"}, "sat") == 1


def test_a_probe_being_judged_vouches_for_no_one_when_it_reports_its_own_trouble(make_sim, t0):
    """A branch's WAN link fails. The central server finds the PRTG probe down and the
    probe reports its sensors Unknown; the Icinga satellite's stale results say hosts on
    both sides of the site are down, four of them the PRTG probe's too. Deciding whether
    either probe is blind asks whether the other's word on those four counts, so whether
    the other is blind, which comes back to the first: meanwhile a probe that says
    itself it is in trouble vouches for none of them. The satellite seems blind too,
    whichever of the two is asked first."""
    minor = Severity.MINOR
    for first, second in (("prtg", "sat"), ("sat", "prtg")):
        sim = make_sim(TWO_PROBE_BRANCH)
        sim.problem(0, "prtg", source=Source.NAGIOS)
        shared = ["h3", "h4", "h5", "h6"]
        for k, host in enumerate(["acc-2", "dist-2", *shared]):
            sim.problem(
                5 + k * 4, host, "Ping", source=Source.PRTG, severity=minor, observer="prtg"
            )
        for k, host in enumerate(["h1", "h2", "acc-1", *shared]):
            sim.problem(40 + k * 3, host, source=Source.ICINGA, observer="sat")
        engine = sim.engine
        asked = {first: engine._suspect_since(first), second: engine._suspect_since(second)}
        assert asked["prtg"] == t0, (first, asked)
        assert asked["sat"] == t0 + 40, (first, asked)


CENTRAL_AND_CLINIC = """
version: 1
nodes:
  - {id: hub, kind: router, monitored_as: [hub]}
  - {id: master, kind: probe, monitored_as: [master], depends_on: [hub]}
  - {id: fibre, kind: link, depends_on: [hub]}
  - {id: cl-rtr, kind: router, monitored_as: [cl-rtr], depends_on: [fibre]}
  - {id: cl-sw, kind: switch, monitored_as: [cl-sw], depends_on: [cl-rtr]}
  - {id: cl-h1, kind: host, monitored_as: [cl-h1], depends_on: [cl-sw]}
  - {id: cl-h2, kind: host, monitored_as: [cl-h2], depends_on: [cl-sw]}
  - {id: cl-h3, kind: host, monitored_as: [cl-h3], depends_on: [cl-sw]}
  - {id: cl-h4, kind: host, monitored_as: [cl-h4], depends_on: [cl-sw]}
  - {id: db-1, kind: host, monitored_as: [db-1], depends_on: [hub]}
  - {id: db-2, kind: host, monitored_as: [db-2], depends_on: [hub]}
"""


def test_a_central_server_that_sees_a_clinic_cut_and_one_more_fault_is_not_blind(make_sim):
    """The central Icinga finds a clinic's router, switch and hosts down (its fibre was
    cut) and, the same minute, a database server in the data centre. Nobody else
    watches them. One subtree and one fault beside it is what a working server sees of
    two faults; a server that lost its path loses what it watches everywhere, not one
    more host. Two incidents, neither rooted at the server."""
    sim = make_sim(CENTRAL_AND_CLINIC)
    for k, host in enumerate(["cl-rtr", "cl-sw", "cl-h1", "cl-h2", "cl-h3"]):
        sim.problem(k * 5, host, source=Source.ICINGA, observer="master")
    sim.problem(12, "db-1", source=Source.ICINGA, observer="master")
    assert sim.engine._blind_since("master") == float("inf")
    sim.advance(1800)
    roots = sorted(i["root_cause"] for i in sim.out())
    assert roots == ["cl-rtr", "db-1"], sim.out()


TWO_CLINICS = """
version: 1
nodes:
  - {id: hub, kind: router, monitored_as: [hub]}
  - {id: master, kind: probe, monitored_as: [master], depends_on: [hub]}
  - {id: fibre-a, kind: link, depends_on: [hub]}
  - {id: a-rtr, kind: router, monitored_as: [a-rtr], depends_on: [fibre-a]}
  - {id: a-h1, kind: host, monitored_as: [a-h1], depends_on: [a-rtr]}
  - {id: a-h2, kind: host, monitored_as: [a-h2], depends_on: [a-rtr]}
  - {id: a-h3, kind: host, monitored_as: [a-h3], depends_on: [a-rtr]}
  - {id: link-b, kind: link, depends_on: [hub]}
  - {id: b-rtr, kind: router, monitored_as: [b-rtr], depends_on: [link-b]}
  - {id: b-h1, kind: host, monitored_as: [b-h1], depends_on: [b-rtr]}
  - {id: b-h2, kind: host, monitored_as: [b-h2], depends_on: [b-rtr]}
  - {id: b-h3, kind: host, monitored_as: [b-h3], depends_on: [b-rtr]}
  - {id: dc-1, kind: host, monitored_as: [dc-1], depends_on: [hub]}
"""


def test_a_server_that_sees_two_clinics_fail_at_once_is_not_blind(make_sim):
    """The central server finds two clinics unreachable in the same minute: one lost its
    fibre, the other its leased line. Nobody else watches them. Two subtrees, each failing
    whole, are two faults a working server watched, not the server losing its path:
    two incidents, one per clinic, neither rooted at the server."""
    sim = make_sim(TWO_CLINICS)
    hosts = ["a-rtr", "b-rtr", "a-h1", "b-h1", "a-h2", "b-h2", "a-h3", "b-h3"]
    for k, host in enumerate(hosts):
        sim.problem(k * 4, host, source=Source.ICINGA, observer="master")
    assert sim.engine._blind_since("master") == float("inf")
    sim.advance(1800)
    roots = sorted(i["root_cause"] for i in sim.out())
    assert roots == ["a-rtr", "b-rtr"], sim.out()


TWO_PAIRS = """
version: 1
nodes:
  - {id: hub, kind: router, monitored_as: [hub]}
  - {id: master, kind: probe, monitored_as: [master], depends_on: [hub]}
  - {id: hsm-1, kind: hsm, monitored_as: [hsm-1]}
  - {id: hsm-2, kind: hsm, monitored_as: [hsm-2]}
  - {id: leaf-a, kind: switch, monitored_as: [leaf-a]}
  - {id: leaf-b, kind: switch, monitored_as: [leaf-b]}
""" + "".join(
    f"  - {{id: pay-{i}, kind: application, monitored_as: [pay-{i}],"
    f" depends_on: [{{any_of: [hsm-1, hsm-2]}}]}}\n"
    f"  - {{id: rack-{i}, kind: host, monitored_as: [rack-{i}],"
    f" depends_on: [{{any_of: [leaf-a, leaf-b]}}]}}\n"
    for i in range(1, 5)
)


def test_a_server_that_sees_two_pairs_lost_at_once_is_not_blind(make_sim):
    """In the same minute an HSM pair and a rack's leaf pair are lost, each with one
    member's own alert missed; the central server finds the payment services using the
    HSMs and the rack's hosts down, and another tool finds one member of each pair down.
    Two groups lost, each beyond the server's word, are two faults it watched: two
    incidents rooted at the members seen down, not the server losing its path."""
    sim = make_sim(TWO_PAIRS)
    hosts = ["pay-1", "rack-1", "pay-2", "rack-2", "pay-3", "rack-3", "pay-4", "rack-4"]
    for k, host in enumerate(hosts):
        sim.problem(k * 4, host, "HTTPS", source=Source.ICINGA, observer="master")
    sim.problem(30, "leaf-b", "Unavailable by ICMP ping", source=Source.ZABBIX)
    sim.problem(45, "hsm-2")
    sim.advance(1800)
    roots = sorted(i["root_cause"] for i in sim.out())
    assert roots == ["hsm-2", "leaf-b"], sim.out()


DUCT = """
version: 1
nodes:
  - {id: duct, kind: link}
  - {id: fib-1, kind: link, depends_on: [duct]}
  - {id: fib-2, kind: link, depends_on: [duct]}
  - {id: agg-1, kind: router, monitored_as: [agg-1], depends_on: [fib-1]}
  - {id: agg-2, kind: router, monitored_as: [agg-2], depends_on: [fib-2]}
""" + "".join(
    f"  - {{id: olt-{i}, kind: switch, monitored_as: [olt-{i}],"
    f" depends_on: [{{any_of: [agg-1, agg-2]}}]}}\n"
    f"  - {{id: subs-{i}, kind: service, monitored_as: ['olt-{i}!SubscriberSessionsDropped'],"
    f" depends_on: [olt-{i}]}}\n"
    for i in range(1, 7)
)


def test_a_duct_carrying_both_uplinks_of_a_pair_is_named_when_both_go_at_once(make_sim):
    """A fibre duct nobody monitors carries both uplinks of an aggregation pair. A cut
    takes both routers down within seconds; the subscribers behind them are reported
    over the next minutes, each after the routers' wave (Alertmanager holds alerts back
    for its group interval). One failure explains it all, not two routers failing
    together: one incident, the duct its inferred root."""
    sim = make_sim(DUCT)
    sim.problem(0, "agg-1", "Unavailable by ICMP ping", source=Source.ZABBIX)
    sim.problem(10, "agg-2", "Unavailable by ICMP ping", source=Source.ZABBIX)
    for k in range(6):
        sim.problem(
            170 + 60 * k,
            f"olt-{k + 1}",
            "SubscriberSessionsDropped",
            source=Source.ALERTMANAGER,
            severity=Severity.WARNING,
        )
    sim.advance(1800)
    out = sim.out()
    assert [(i["root_cause"], i["root_cause_inferred"]) for i in out] == [("duct", True)], out


def test_a_dependency_chain_longer_than_the_recursion_limit_is_judged(make_sim):
    """An unwatched duct under two routers, and a host at the end of a chain of 1,100
    switches nobody watches above one of them, reported ten minutes after the routers:
    whether the routers' failure takes the host down is worked out along the chain
    without recursion (a chain longer than Python's recursion limit once crashed the
    engine), and the answer is one incident."""
    lines = [
        "version: 1",
        "nodes:",
        "  - {id: duct, kind: link}",
        "  - {id: a-1, kind: router, monitored_as: [a-1], depends_on: [duct]}",
        "  - {id: b-1, kind: router, monitored_as: [b-1], depends_on: [duct]}",
    ]
    below = "b-1"
    for i in range(1, 1101):
        lines.append(f"  - {{id: c-{i}, kind: switch, depends_on: [{below}]}}")
        below = f"c-{i}"
    lines.append(f"  - {{id: top, kind: host, monitored_as: [top], depends_on: [{below}]}}")
    sim = make_sim("\n".join(lines) + "\n")
    sim.problem(0, "a-1", source=Source.ZABBIX)
    sim.problem(5, "b-1", source=Source.ZABBIX)
    sim.problem(600, "top", source=Source.ZABBIX)
    sim.advance(1800)
    assert len(sim.out()) == 1, sim.out()


STORAGE = (
    """
version: 1
nodes:
  - {id: san, kind: storage, monitored_as: [san]}
  - {id: esx-1, kind: hypervisor, monitored_as: [esx-1], depends_on: [san]}
  - {id: esx-2, kind: hypervisor, monitored_as: [esx-2], depends_on: [san]}
"""
    + "".join(
        f"  - {{id: vm-{i}, kind: vm, monitored_as: [vm-{i}], depends_on: [esx-1]}}\n"
        for i in range(1, 19)
    )
    + "".join(
        f"  - {{id: wm-{i}, kind: vm, monitored_as: [wm-{i}], depends_on: [esx-2]}}\n"
        for i in range(1, 4)
    )
)


def test_an_outage_reaches_what_it_degrades_hop_by_hop(make_sim):
    """A storage array stops answering; its hypervisors report trouble over the next
    minutes (one down, the other's datastore latency), ten guests of the one that went
    down follow it, and eight more complain of their disks in the minutes after it.
    Those warnings began long after the array failed, but each within a detection delay
    of its hypervisor going down: one incident rooted at the array, not the hypervisor
    with the array apart."""
    sim = make_sim(STORAGE)
    sim.problem(0, "san", "NetApp I/O", source=Source.PRTG)
    sim.problem(80, "esx-2", "Datastore latency", source=Source.ZABBIX, severity=Severity.WARNING)
    sim.problem(100, "wm-1", source=Source.NAGIOS)
    sim.problem(110, "wm-2", "Disk I/O latency", source=Source.NAGIOS, severity=Severity.WARNING)
    sim.problem(160, "esx-1", "Hypervisor is down", source=Source.ZABBIX)
    for k in range(10):
        sim.problem(170 + 5 * k, f"vm-{k + 1}", source=Source.NAGIOS)
    for k in range(8):
        sim.problem(
            200 + 12 * k,
            f"vm-{k + 11}",
            "Disk I/O latency",
            source=Source.NAGIOS,
            severity=Severity.WARNING,
        )
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "san", sim.out()
