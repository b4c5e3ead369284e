"""The engine's bookkeeping as specs/replay.md and specs/ingest-formats.md describe it.

Deduplication (same source + identity = same alert), notices that never open incidents,
unplaced alerts, one failure seen by several tools, maintenance, observers (probes), and
determinism of ids, order and events.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from correlator.correlate.engine import Action
from correlator.correlate.evidence import (
    Evidence,
    classify,
    local_warning,
    reference_lost,
    replication_check,
    spreading_warning,
    stated_window,
    sync_warning,
    threshold_warning,
)
from correlator.model import Alert, NoticeKind, Severity, Source, State

# -- deduplication ------------------------------------------------------------------------


def test_renotifications_fold_into_one_alert_and_incident(make_sim, site):
    """Re-notifications of one alert fold into the same alert of the same incident."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk", event_id="p1")
    sim.problem(60, "web-01", "Disk", event_id="p2")
    sim.problem(120, "web-01", "Disk", event_id="p3")
    inc = sim.only()
    assert len(inc["alerts"]) == 1
    assert inc["events"] == ["p1", "p2", "p3"]
    assert [d.action for _, d in sim.decisions[1:]] == [Action.FOLDED, Action.FOLDED]


def test_same_check_from_two_sources_is_two_alerts(make_sim, site):
    """Identity is source plus the tool's id: the same host from two tools is two alerts."""
    sim = make_sim(site)
    sim.problem(0, "esx-01", source=Source.NAGIOS)
    sim.problem(5, "esx-01", source=Source.ZABBIX, sid="esx-01:10001")
    inc = sim.only()
    assert sorted(a["source"] for a in inc["alerts"]) == ["nagios", "zabbix"]


def test_recovery_closes_the_alert(make_sim, site):
    """A recovery closes its alert: it is no longer active and carries its resolve time."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk")
    sim.ok(100, "web-01", "Disk")
    assert sim.engine.active_alerts() == 0
    (alert,) = sim.only()["alerts"]
    assert alert["resolved_at"] == sim.engine.now
    assert alert["first_seen"] == sim.engine.now - 100


def test_an_alert_failing_again_in_a_new_incident_is_first_seen_then(make_sim, site, t0):
    """An alert failing again after its incident resolved is first seen in the new incident
    when it failed again, and the earlier incident keeps its own record of it."""
    sim = make_sim(site, resolve_linger_s=300.0)
    sim.problem(0, "web-01", "Disk")
    sim.ok(100, "web-01", "Disk")
    sim.problem(3000, "web-01", "Disk")
    earlier, later = sim.out()
    assert earlier["status"] == "resolved"
    assert earlier["alerts"][0]["first_seen"] == t0
    assert earlier["alerts"][0]["resolved_at"] == t0 + 100
    assert later["alerts"][0]["first_seen"] == t0 + 3000
    assert later["alerts"][0]["resolved_at"] is None


def test_recovery_events_are_listed_in_the_incident(make_sim, site):
    """Problems and recoveries alike appear in the incident's events, in input order."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk", event_id="p")
    sim.ok(100, "web-01", "Disk", event_id="r")
    assert sim.only()["events"] == ["p", "r"]


def test_incident_resolves_only_when_every_alert_recovered_and_linger_elapsed(make_sim, site):
    """An incident resolves only after all its alerts recovered and the resolve linger passed."""
    sim = make_sim(site, resolve_linger_s=300.0)
    sim.problem(0, "esx-01")
    sim.problem(10, "web-01")
    sim.ok(50, "esx-01")
    sim.advance(2000)  # one alert is still in trouble: no amount of time resolves it
    assert sim.only()["resolved_at"] is None
    sim.ok(2100, "web-01")
    sim.advance(2100 + 299)
    assert sim.only()["resolved_at"] is None, "resolved before the linger elapsed"
    sim.advance(2100 + 301)
    inc = sim.only()
    assert inc["resolved_at"] is not None
    assert inc["status"] == "resolved"


def test_same_alert_failing_during_linger_keeps_incident_open(make_sim, site):
    """An alert failing again inside the linger cancels the pending resolve: same incident."""
    sim = make_sim(site, resolve_linger_s=300.0)
    sim.problem(0, "esx-01", event_id="p1")
    sim.ok(60, "esx-01", event_id="r1")
    sim.problem(200, "esx-01", event_id="p2")
    sim.advance(60 + 400)
    inc = sim.only()
    assert inc["resolved_at"] is None
    assert inc["events"] == ["p1", "r1", "p2"]


def test_recovery_of_unknown_alert_opens_nothing(make_sim, site):
    """A recovery for an alert never seen open opens no incident."""
    sim = make_sim(site)
    decision = sim.ok(0, "web-01", "Disk")
    assert sim.out() == []
    assert decision.incident is None
    assert decision.action is Action.IGNORED


def test_duplicate_recovery_changes_nothing(make_sim, site):
    """A second recovery of an alert already closed neither reopens nor duplicates anything."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk")
    sim.ok(10, "web-01", "Disk")
    sim.ok(20, "web-01", "Disk")
    sim.advance(2000)
    inc = sim.only()
    assert inc["resolved_at"] is not None
    assert inc["alerts"][0]["resolved_at"] == sim.engine.now - 2000 + 10


# -- notices ------------------------------------------------------------------------------

NOTICE_KINDS = [
    NoticeKind.ACKNOWLEDGEMENT,
    NoticeKind.ACKNOWLEDGEMENT_CLEARED,
    NoticeKind.FLAPPING_START,
    NoticeKind.FLAPPING_STOP,
    NoticeKind.DOWNTIME_START,
    NoticeKind.DOWNTIME_END,
    NoticeKind.CUSTOM,
    NoticeKind.UPDATE,
]


@pytest.mark.parametrize("kind", NOTICE_KINDS, ids=[k.value for k in NOTICE_KINDS])
def test_notice_alone_never_opens_an_incident(make_sim, site, kind):
    """A notice about an alert never seen opens no incident."""
    sim = make_sim(site)
    sim.notice(0, kind, "web-01", "Disk")
    sim.advance(1000)
    assert sim.out() == []


@pytest.mark.parametrize("kind", NOTICE_KINDS, ids=[k.value for k in NOTICE_KINDS])
def test_notice_on_open_alert_opens_no_second_incident(make_sim, site, kind):
    """A notice about an open alert updates it but never opens an incident of its own."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk")
    before = sim.only()["id"]
    decision = sim.notice(30, kind, "web-01", "Disk")
    assert decision.action in {Action.NOTICE, Action.IGNORED}
    inc = sim.only()
    assert inc["id"] == before
    assert len(inc["alerts"]) == 1


def test_acknowledgement_updates_the_alert(make_sim, site):
    """An acknowledgement marks the existing alert acknowledged and is reported on it."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk")
    decision = sim.notice(30, NoticeKind.ACKNOWLEDGEMENT, "web-01", "Disk")
    inc = sim.incidents()[0]
    (state,) = inc.alerts.values()
    assert state.acked
    assert decision.action is Action.NOTICE
    assert decision.incident == inc.id


def test_flapping_notice_marks_the_alert_flapping(make_sim, site):
    """A flapping-start notice marks the alert (and its incident) flapping; stop clears it."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk")
    sim.notice(30, NoticeKind.FLAPPING_START, "web-01", "Disk")
    assert sim.only()["flapping"] is True
    sim.notice(60, NoticeKind.FLAPPING_STOP, "web-01", "Disk")
    assert sim.only()["flapping"] is False


def test_downtime_notice_marks_open_alert_in_maintenance(make_sim, site):
    """A downtime start for a host puts its open alerts (and their incident) in maintenance."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk")
    sim.notice(5, NoticeKind.DOWNTIME_START, "web-01")
    assert sim.only()["maintenance"] is True
    assert len(sim.out()) == 1


# -- unplaced alerts ----------------------------------------------------------------------


def test_unplaced_alerts_group_by_host_and_time(make_sim, site):
    """Alerts on a host no node claims group by host inside the window, root null."""
    sim = make_sim(site)
    sim.problem(0, "mystery-01", "Disk", event_id="u1")
    sim.problem(40, "mystery-01", "CPU", severity=Severity.WARNING, event_id="u2")
    inc = sim.only()
    assert inc["root_cause"] is None
    assert inc["events"] == ["u1", "u2"]
    assert {a["node"] for a in inc["alerts"]} == {None}


def test_unplaced_alerts_of_different_hosts_stay_apart(make_sim, site):
    """Unplaced alerts of different hosts are separate incidents, even at the same time."""
    sim = make_sim(site)
    sim.problem(0, "mystery-01", "Disk")
    sim.problem(5, "mystery-02", "Disk")
    out = sim.out()
    assert len(out) == 2
    assert all(i["root_cause"] is None for i in out)


def test_unplaced_alerts_of_one_host_spelled_two_ways_group(make_sim, site):
    """A host no node claims, named by one tool in full and by another by its bare name
    (specs/topology-format.md: a dotted name is compared by its first label), is one host."""
    sim = make_sim(site)
    sim.problem(0, "ST9901-RTR.sdwan", "Edge offline", source=Source.ZABBIX, event_id="u1")
    sim.problem(80, "st9901-rtr", "Ping", source=Source.ZABBIX, event_id="u2")
    sim.problem(90, "st9901-rtr.sdwan", "Tunnel", source=Source.ZABBIX, event_id="u3")
    inc = sim.only()
    assert inc["root_cause"] is None
    assert inc["events"] == ["u1", "u2", "u3"]


def test_unplaced_dotted_names_sharing_a_first_label_stay_apart(make_sim, site):
    """Two full names that share only their first label are two hosts (two sites' web-01)."""
    sim = make_sim(site)
    sim.problem(0, "mystery-01.bru.example.net", "Disk")
    sim.problem(5, "mystery-01.ams.example.net", "Disk")
    assert len(sim.out()) == 2


def test_unplaced_alert_is_never_dropped(make_sim, site):
    """An unplaced alert still appears in exactly one incident."""
    sim = make_sim(site)
    sim.problem(0, "not-in-topology")
    assert sim.holding("not-in-topology")["alerts"][0]["node"] is None


def test_host_matching_is_case_insensitive_and_by_short_name(make_sim, site):
    """An alert on WEB-01.example.net lands on node web-01 (spec rule 2)."""
    sim = make_sim(site)
    sim.problem(0, "WEB-01.example.net", "Disk")
    assert sim.only()["alerts"][0]["node"] == "web-01"


# -- several tools, one failure -----------------------------------------------------------


def test_one_failure_seen_by_nagios_and_zabbix_is_one_incident(make_sim, site):
    """One host failure reported by Nagios and by Zabbix is one incident, not two."""
    sim = make_sim(site)
    sim.problem(0, "esx-01", source=Source.NAGIOS)
    sim.problem(
        40, "esx-01", "Unavailable by ICMP ping", source=Source.ZABBIX, severity=Severity.MAJOR
    )
    inc = sim.only()
    assert inc["root_cause"] == "esx-01"
    assert len(inc["alerts"]) == 2


def test_zabbix_alert_first_then_nagios_is_still_one_incident(make_sim, site):
    """The order in which two tools report the same failure does not matter."""
    sim = make_sim(site)
    sim.problem(
        0, "esx-01", "Unavailable by ICMP ping", source=Source.ZABBIX, severity=Severity.MAJOR
    )
    sim.problem(30, "esx-01", source=Source.NAGIOS)
    sim.problem(35, "esx-01", "Ping", source=Source.PRTG)
    inc = sim.only()
    assert inc["root_cause"] == "esx-01"
    assert len(inc["alerts"]) == 3


# -- maintenance --------------------------------------------------------------------------


def test_alerts_under_downtime_are_recorded_and_never_paged(make_sim, site):
    """Alerts on a host in downtime are recorded in an incident that pages nobody."""
    sim = make_sim(site)
    sim.notice(0, NoticeKind.DOWNTIME_START, "web-01")
    sim.problem(10, "web-01")
    sim.problem(15, "web-01", "HTTP")  # shop-web, under the criticality-1 shop
    sim.advance(600)
    inc = sim.only()
    assert len(inc["alerts"]) == 2
    assert inc["pages"] == 0
    assert inc["maintenance"] is True


def test_a_host_down_under_downtime_is_not_made_a_symptom_of_a_warning_below_it(make_sim, site):
    """Planned work explains a host going down during its downtime: it is not taken in as
    a symptom by the hypervisor's lingering CPU warning (an incident that would page for
    it), now or when the neighbourhood is re-decided."""
    sim = make_sim(site)
    sim.problem(0, "esx-01", "CPU usage", severity=Severity.WARNING)
    sim.problem(30, "db-01", "Disk", severity=Severity.WARNING)
    sim.notice(200, NoticeKind.DOWNTIME_START, "web-01")
    sim.problem(600, "web-01")
    sim.problem(610, "web-01", "HTTP")
    sim.problem(650, "db-01", "Load", severity=Severity.WARNING)
    sim.ok(900, "web-01")
    sim.ok(905, "web-01", "HTTP")
    sim.advance(3600)
    planned = sim.holding("web-01")
    assert planned["maintenance"] is True
    assert planned["pages"] == 0
    assert {a["host"] for a in planned["alerts"]} == {"web-01"}
    assert sim.holding("esx-01", "CPU usage")["id"] != planned["id"]


def test_downtime_started_during_the_hold_prevents_the_page(make_sim, site):
    """A downtime that starts before the incident is announced means no page."""
    sim = make_sim(site, hold_s=30.0)
    sim.problem(0, "web-01", "HTTP")
    sim.notice(10, NoticeKind.DOWNTIME_START, "web-01")
    sim.advance(600)
    assert sim.only()["pages"] == 0


def test_service_downtime_covers_only_that_check(make_sim, site):
    """A downtime on one check does not put other checks of the host in maintenance."""
    sim = make_sim(site)
    sim.notice(0, NoticeKind.DOWNTIME_START, "web-01", "Disk")
    sim.problem(10, "web-01", "Disk")
    sim.problem(12, "web-01", "HTTP")
    states = {a.check: a.maintenance for i in sim.incidents() for a in i.alerts.values()}
    assert states == {"Disk": True, "HTTP": False}


def test_after_downtime_end_new_alerts_page_again(make_sim, site):
    """Once the downtime ended, a new failure of the host is paged as usual."""
    sim = make_sim(site)
    sim.notice(0, NoticeKind.DOWNTIME_START, "web-01")
    sim.notice(100, NoticeKind.DOWNTIME_END, "web-01")
    sim.problem(5000, "web-01", "HTTP")
    sim.advance(5600)
    assert sim.only()["pages"] == 1


# -- observers (probes) -------------------------------------------------------------------

PROBES = """
version: 1
nodes:
  - {id: core, kind: router, monitored_as: [core]}
  - {id: wan-2, kind: link, depends_on: [core]}
  - {id: probe-remote, kind: probe, monitored_as: [probe-remote], depends_on: [wan-2]}
  - {id: nagios-central, kind: probe, monitored_as: [nagios-central], depends_on: [core]}
  - {id: zbx-proxy, kind: probe, monitored_as: [zbx-proxy], depends_on: [core]}
  - {id: sw-a, kind: switch, monitored_as: [sw-a]}
  - {id: sw-b, kind: switch, monitored_as: [sw-b]}
  - {id: sw-c, kind: switch, monitored_as: [sw-c]}
  - {id: sw-d, kind: switch, monitored_as: [sw-d]}
  - {id: h-a1, monitored_as: [h-a1], depends_on: [sw-a]}
  - {id: h-a2, monitored_as: [h-a2], depends_on: [sw-a]}
  - {id: h-b1, monitored_as: [h-b1], depends_on: [sw-b]}
  - {id: h-b2, monitored_as: [h-b2], depends_on: [sw-b]}
  - {id: h-c1, monitored_as: [h-c1], depends_on: [sw-c]}
  - {id: h-c2, monitored_as: [h-c2], depends_on: [sw-c]}
  - {id: h-d1, monitored_as: [h-d1], depends_on: [sw-d]}
  - {id: h-d2, monitored_as: [h-d2], depends_on: [sw-d]}
"""
SPREAD_HOSTS = ["h-a1", "h-b1", "h-c1", "h-d1"]


def test_alerts_seen_only_by_one_probe_are_rooted_at_the_probe_path(make_sim):
    """Alerts from one probe on hosts all over the graph, unconfirmed, are one probe incident."""
    sim = make_sim(PROBES)
    for i, host in enumerate(SPREAD_HOSTS):
        sim.problem(i * 5, host, "Ping", source=Source.PRTG, observer="probe-remote")
    inc = sim.only()
    assert inc["root_cause"] in {"probe-remote", "wan-2"}
    assert {a["host"] for a in inc["alerts"]} == set(SPREAD_HOSTS)


def test_probe_own_alert_explains_the_alerts_it_observed(make_sim):
    """A probe that alerts itself explains the alerts it observed, even before three checks."""
    sim = make_sim(PROBES)
    sim.problem(0, "probe-remote", "Probe health", source=Source.PRTG)
    sim.problem(10, "h-a1", "Ping", source=Source.PRTG, observer="probe-remote")
    sim.problem(12, "h-c1", "Ping", source=Source.PRTG, observer="probe-remote")
    inc = sim.only()
    assert inc["root_cause"] == "probe-remote"


def test_confirmed_alerts_from_a_central_observer_are_not_blamed_on_it(make_sim):
    """Alerts of a central observer that another observer confirms are not the observer's fault."""
    sim = make_sim(PROBES)
    for i, host in enumerate(SPREAD_HOSTS):
        sim.problem(i * 5, host, source=Source.NAGIOS, observer="nagios-central")
        sim.problem(
            i * 5 + 1,
            host,
            "Unavailable by ICMP ping",
            source=Source.ZABBIX,
            observer="zbx-proxy",
        )
    out = sim.out()
    observer_path = {"nagios-central", "zbx-proxy", "core"}
    assert all(i["root_cause"] not in observer_path for i in out), out
    # each host is its own fault; the two tools' alerts on one host are one incident
    for host in SPREAD_HOSTS:
        assert {a["source"] for a in sim.holding(host)["alerts"]} == {"nagios", "zabbix"}


def test_alerts_with_no_observer_are_never_blamed_on_a_probe(make_sim):
    """Alerts without an observer have none: independent hosts stay independent."""
    sim = make_sim(PROBES)
    for i, host in enumerate(SPREAD_HOSTS):
        sim.problem(i * 5, host, "Ping", source=Source.PRTG)
    out = sim.out()
    assert len(out) == len(SPREAD_HOSTS)
    assert sorted(i["root_cause"] for i in out) == sorted(SPREAD_HOSTS)


def test_probe_losing_its_uplink_is_one_incident_for_all_its_checks(make_sim):
    """A remote probe whose every check goes Unknown at once: one incident on its path."""
    hosts = [f"h-{sw}{n}" for sw in "abcd" for n in (1, 2)]
    sim = make_sim(PROBES)
    for i, host in enumerate(hosts):
        sim.problem(
            i, host, "Ping", source=Source.PRTG, severity=Severity.MINOR, observer="probe-remote"
        )
    sim.advance(600)
    inc = sim.only()
    assert inc["root_cause"] in {"probe-remote", "wan-2"}
    assert len(inc["alerts"]) == len(hosts)
    assert inc["pages"] <= 1


def test_alert_on_the_probe_path_explains_what_the_probe_observed(make_sim):
    """An alert on the probe's own path is evidence enough: its observed alerts join it."""
    topo = PROBES.replace(
        "{id: wan-2, kind: link,", "{id: wan-2, kind: link, monitored_as: [wan-2],"
    )
    sim = make_sim(topo)
    sim.problem(0, "wan-2", "Link status")
    sim.problem(20, "h-a1", "Ping", source=Source.PRTG, observer="probe-remote")
    sim.problem(25, "h-d2", "Ping", source=Source.PRTG, observer="probe-remote")
    inc = sim.only()
    assert inc["root_cause"] == "wan-2"


STORAGE_BEHIND_PROBES = """
version: 1
nodes:
  - {id: core, kind: router, monitored_as: [core]}
  - {id: wan-2, kind: link, depends_on: [core]}
  - {id: probe-remote, kind: probe, monitored_as: [probe-remote], depends_on: [wan-2]}
  - {id: sat-remote, kind: probe, monitored_as: [sat-remote], depends_on: [wan-2]}
  - {id: san, kind: storage, monitored_as: [san]}
""" + "".join(
    f"  - {{id: esx-{h}, kind: hypervisor, monitored_as: [esx-{h}], depends_on: [san]}}\n"
    + "".join(
        f"  - {{id: vm-{h}{v}, kind: vm, monitored_as: [vm-{h}{v}], depends_on: [esx-{h}]}}\n"
        for v in range(4)
    )
    for h in range(6)
)


def test_first_symptoms_of_a_storage_outage_seen_by_local_probes_are_not_their_blindness(
    make_sim,
):
    """A remote probe reports the array and three hypervisors on it failing (real results,
    not Unknown), a satellite beside it a few of the guests: the start of a storage
    outage under way, not both probes cut off, though most of what the array carries has
    not alerted yet."""
    sim = make_sim(STORAGE_BEHIND_PROBES)
    sim.problem(0, "san", "NetApp I/O", source=Source.PRTG, observer="probe-remote")
    for i in range(3):
        sim.problem(
            20 + i, f"esx-{i}", "VMware Datastore", source=Source.PRTG, observer="probe-remote"
        )
    for i, vm in enumerate(("vm-01", "vm-12", "vm-23", "vm-30")):
        sim.problem(60 + i, vm, "SSH", source=Source.ICINGA, observer="sat-remote")
    inc = sim.holding("vm-12", "SSH")
    assert inc["root_cause"] == "san"
    assert sim.holding("esx-1", "VMware Datastore")["id"] == inc["id"]


def test_unrelated_failures_spread_over_time_are_not_blamed_on_the_observer(make_sim):
    """Failures one observer reports one by one over 15 minutes are not its own failure."""
    sim = make_sim(PROBES)
    for i, host in enumerate(SPREAD_HOSTS):
        sim.problem(i * 300, host, "Disk /var", observer="nagios-central")
    out = sim.out()
    assert len(out) == len(SPREAD_HOSTS), out
    assert all(i["root_cause"] not in {"nagios-central", "core"} for i in out)


OBSERVED_ELSEWHERE = """
version: 1
nodes:
  - {id: pdu, kind: power, team: facilities}
  - {id: core-1, kind: switch, monitored_as: [core-1], depends_on: [pdu]}
  - {id: core-2, kind: switch, monitored_as: [core-2]}
  - {id: leaf, kind: switch, monitored_as: [leaf], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: srv, kind: host, monitored_as: [srv], depends_on: [leaf]}
  - {id: san, kind: storage, monitored_as: [san], depends_on: [pdu]}
  - {id: ds-1, kind: storage, monitored_as: [ds-1], depends_on: [san]}
  - {id: ds-2, kind: storage, monitored_as: [ds-2], depends_on: [san]}
  - {id: ds-3, kind: storage, monitored_as: [ds-3], depends_on: [san]}
  - {id: esx-p, kind: hypervisor, monitored_as: [esx-p], depends_on: [san]}
  - {id: prom, kind: probe, monitored_as: [prom], depends_on: [esx-p]}
"""


def test_a_working_observer_below_a_hypothesis_does_not_make_it_explain_what_it_saw(make_sim):
    """A warning seen by a probe that nothing says failed is not absorbed by a cause of that
    probe: it stays its own, and the gray storage array keeps its own incident."""
    sim = make_sim(OBSERVED_ELSEWHERE)
    warning = Severity.WARNING
    sim.problem(
        0, "srv", "Disk space", source=Source.ALERTMANAGER, severity=warning, observer="prom"
    )
    sim.problem(30, "san", "Array latency", severity=Severity.WARNING)
    for i, ds in enumerate(["ds-1", "ds-2", "ds-3"]):
        sim.problem(60 + 30 * i, ds, "Controller status")
    assert sim.holding("srv", "Disk space")["root_cause"] == "srv"
    assert sim.holding("ds-3", "Controller status")["root_cause"] == "san"


RACK_ON_A_LEAF_PAIR = """
version: 1
nodes:
  - {id: core-1, kind: switch, monitored_as: [core-1]}
  - {id: core-2, kind: switch, monitored_as: [core-2]}
  - {id: icinga, kind: probe, monitored_as: [icinga], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: zbx-proxy, kind: probe, monitored_as: [zbx-proxy], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: leaf-a, kind: switch, monitored_as: [leaf-a], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: leaf-b, kind: switch, monitored_as: [leaf-b], depends_on: [{any_of: [core-1, core-2]}]}
""" + "".join(
    f"  - {{id: srv-{i}, kind: host, monitored_as: [srv-{i}], "
    "depends_on: [{any_of: [leaf-a, leaf-b]}]}\n"
    for i in range(1, 9)
)


def test_a_rack_lost_with_its_leaf_pair_is_not_blamed_on_the_server_that_saw_it(make_sim):
    """The central Icinga sees a rack's eight servers go down within seconds; Zabbix reports
    both leaf switches a minute or two later. Before the leaves alert, Icinga losing its
    path is a fair guess; once the pair is lost as a whole, it explains every server
    through the graph (specs: a central server that nothing contradicts does not explain
    every alert it sends): one incident, rooted at the leaf lost first, from the moment the
    second leaf is reported."""
    sim = make_sim(RACK_ON_A_LEAF_PAIR)
    for i in range(1, 9):
        sim.problem(3 * i, f"srv-{i}", source=Source.ICINGA, observer="icinga")
    sim.problem(70, "leaf-a", "Ping", source=Source.ZABBIX, observer="zbx-proxy")
    sim.problem(150, "leaf-b", "Ping", source=Source.ZABBIX, observer="zbx-proxy")
    # At once, not only when a review timer re-decides the neighbourhood.
    assert sim.holding("srv-1")["root_cause"] == "leaf-a"
    assert sim.holding("srv-1")["id"] == sim.holding("leaf-b", "Ping")["id"]
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "leaf-a"
    assert len(inc["alerts"]) == 10


def test_a_leaf_pair_lost_minutes_apart_predicts_its_rack_from_the_second_loss(make_sim):
    """One leaf fails and nothing else does; nine minutes later its twin fails and the
    rack's servers go down with it, the central Icinga reporting four of them before
    Zabbix reports the second leaf. The pair's loss predicts the servers only from the
    second failure on: those not reported yet are not yet silent, so the hypothesis that
    takes the four servers pays (almost) nothing for the rest."""
    sim = make_sim(RACK_ON_A_LEAF_PAIR)
    sim.problem(0, "leaf-a", "Ping", source=Source.ZABBIX, observer="zbx-proxy")
    for i in range(1, 5):
        sim.problem(530 + 2 * i, f"srv-{i}", source=Source.ICINGA, observer="icinga")
    decision = sim.problem(560, "leaf-b", "Ping", source=Source.ZABBIX, observer="zbx-proxy")
    found = re.search(
        r"root leaf-a cost [0-9.]+ \(root [0-9.]+, propagation ([0-9.]+)", decision.reason
    )
    assert found, decision.reason
    assert float(found.group(1)) < 1.0, decision.reason
    inc = sim.holding("leaf-b", "Ping")
    assert {a["host"] for a in inc["alerts"]} == {
        "leaf-a",
        "leaf-b",
        "srv-1",
        "srv-2",
        "srv-3",
        "srv-4",
    }


def test_a_core_lost_an_hour_before_its_twin_blinds_nobody_for_that_hour(make_sim, t0):
    """One core fails (Zabbix confirms what Icinga says); an hour later its twin fails
    too. The central Icinga behind the pair is cut off only from the second loss on:
    what it reported in between it saw, so it is no more unobserved than before."""
    sim = make_sim(RACK_ON_A_LEAF_PAIR)
    sim.problem(0, "core-2", source=Source.ICINGA, observer="icinga")
    sim.problem(40, "core-2", "Ping", source=Source.ZABBIX, observer="zbx-proxy")
    sim.problem(
        1200,
        "srv-3",
        "disk /var",
        source=Source.ICINGA,
        severity=Severity.WARNING,
        observer="icinga",
    )
    assert not sim.engine._observer_evidence("icinga")
    sim.problem(3600, "core-1", "Ping", source=Source.ZABBIX, observer="zbx-proxy")
    engine = sim.engine
    assert engine._suspect_since("icinga") == t0 + 3600
    assert not engine._seen_only_by_suspect("srv-3")


def _disk_warnings_then_both_cores(sim: Any) -> None:
    """Disk warnings the central Icinga reports over the day; a core lost at 3600 s (Zabbix
    confirms what Icinga says) and its twin three hours later, at 10800 s."""
    for i, at in enumerate((0, 600, 5400, 7200)):
        if at == 5400:
            sim.problem(3600, "core-2", source=Source.ICINGA, observer="icinga")
            sim.problem(3640, "core-2", "Ping", source=Source.ZABBIX, observer="zbx-proxy")
        sim.problem(
            at,
            f"srv-{i + 1}",
            "disk /var",
            source=Source.ICINGA,
            severity=Severity.WARNING,
            observer="icinga",
        )
    sim.problem(10800, "core-1", source=Source.ICINGA, observer="icinga")
    sim.problem(10830, "core-1", "Ping", source=Source.ZABBIX, observer="zbx-proxy")


def _each_warning_alone(sim: Any) -> None:
    for i in range(1, 5):
        inc = sim.holding(f"srv-{i}", "disk /var")
        assert inc["root_cause"] == f"srv-{i}", sim.out()
        assert len(inc["alerts"]) == 1, sim.out()


def test_a_pair_lost_late_is_not_the_cause_of_warnings_from_before_its_loss(make_sim):
    """The core pair is lost when its second member goes: warnings that began hours
    before that (or after the first member went, which took nothing down) are not its
    symptoms, however hard the cores fell; each stays an incident of its own."""
    sim = make_sim(RACK_ON_A_LEAF_PAIR)
    _disk_warnings_then_both_cores(sim)
    _each_warning_alone(sim)


def test_a_probe_blinded_late_in_the_day_does_not_take_what_it_saw_before(make_sim):
    """Once both cores are down, the central Icinga behind them seems blind, and the core
    only it reported is unobserved. When the neighbourhood is re-decided, the probe's loss
    of its path does not explain the warnings it reported hours before, while it still
    saw clearly: each stays an incident of its own."""
    sim = make_sim(RACK_ON_A_LEAF_PAIR)
    _disk_warnings_then_both_cores(sim)
    sim.advance(10800 + 1800)  # the reviews of the core's incident are done
    _each_warning_alone(sim)
    assert all(i["root_cause"] != "icinga" for i in sim.out()), sim.out()


def test_a_host_warning_since_the_morning_does_not_keep_its_unknowns_from_the_blind_probe(
    make_sim,
):
    """A host's disk warning from the morning, then in the afternoon the remote probe's
    checks go Unknown together, that host's among them: the old warning is what the probe
    saw, its new Unknowns are the probe's blindness, and go with the others."""
    sim = make_sim(PROBES)
    minor, prtg = Severity.MINOR, Source.PRTG
    sim.problem(
        0, "h-a1", "Disk space", source=prtg, severity=Severity.WARNING, observer="probe-remote"
    )
    checks = [
        ("h-b1", "Service status"),
        ("h-c1", "CPU load"),
        ("h-b1", "Disk space"),
        ("h-a1", "Service status"),
        ("sw-a", "Packet loss"),
        ("h-a1", "CPU load"),
        ("h-d1", "Ping"),
        ("h-a1", "Ping"),
        ("h-c2", "Ping"),
    ]
    for i, (host, check) in enumerate(checks):
        sim.problem(
            14000 + 3 * i, host, check, source=prtg, severity=minor, observer="probe-remote"
        )
    sim.advance(14000 + 1800)
    assert sim.holding("h-a1", "Ping")["root_cause"] in {"probe-remote", "wan-2"}, sim.out()


TWO_PLANTS_WATCHING_EACH_OTHER = (
    """
version: 1
nodes:
  - {id: core, kind: switch, monitored_as: [core]}
  - {id: probe-a, kind: probe, monitored_as: [probe-a], depends_on: [core]}
  - {id: probe-b, kind: probe, monitored_as: [probe-b], depends_on: [core]}
"""
    + "".join(
        f"  - {{id: fw-{p}{i}, kind: firewall, monitored_as: [fw-{p}{i}], depends_on: [core]}}\n"
        for p in "ab"
        for i in (1, 2)
    )
    + "".join(
        f"  - {{id: h-{p}{i}, kind: host, monitored_as: [h-{p}{i}], "
        f"depends_on: [{{any_of: [fw-{p}1, fw-{p}2]}}]}}\n"
        for p in "ab"
        for i in range(1, 5)
    )
)


def test_probes_that_watch_each_others_firewalls_are_judged_without_end(make_sim):
    """Probe A watches plant B's hosts and firewalls, probe B plant A's. Each plant loses one
    firewall (reported by the central server) and its probe warns about the other while the
    plant's hosts go down: whether probe A is blind
    asks whether plant B's pair is lost, which asks whether probe B is blind, which asks
    about plant A's pair and so probe A again. The question ends (a probe being decided
    counts as not blind) and every alert lands in an incident."""
    sim = make_sim(TWO_PLANTS_WATCHING_EACH_OTHER)
    at = 0
    for watcher, plant in (("probe-b", "a"), ("probe-a", "b")):
        sim.problem(at, f"fw-{plant}1", source=Source.ZABBIX)
        sim.problem(
            at + 1, f"fw-{plant}2", "Packet loss", severity=Severity.WARNING, observer=watcher
        )
        for i in range(1, 5):
            sim.problem(at + 2 + i, f"h-{plant}{i}", source=Source.ZABBIX, observer=watcher)
        at += 10
    sim.advance(900)
    held = {(a["host"], a["check"]) for inc in sim.out() for a in inc["alerts"]}
    assert len(held) == 12


def test_what_a_probe_said_before_it_went_blind_is_not_blamed_on_its_path(make_sim):
    """A warning a probe reported long before its host failed is not absorbed, through that
    probe, by a cause of the failure: the probe was still seeing clearly then."""
    sim = make_sim(OBSERVED_ELSEWHERE)
    warning = Severity.WARNING
    sim.problem(
        0, "srv", "Disk space", source=Source.ALERTMANAGER, severity=warning, observer="prom"
    )
    sim.problem(1000, "esx-p")
    sim.problem(1010, "san", "Array latency", severity=Severity.WARNING)
    for i, ds in enumerate(["ds-1", "ds-2", "ds-3"]):
        sim.problem(1040 + 30 * i, ds, "Controller status")
    assert sim.holding("srv", "Disk space")["root_cause"] == "srv"
    assert sim.holding("ds-3", "Controller status")["root_cause"] == "san"


# -- determinism --------------------------------------------------------------------------


def _storm(sim):
    sim.problem(0, "esx-01", event_id="s1")
    sim.problem(3, "core-2", "CPU load", severity=Severity.WARNING, event_id="n1")
    sim.problem(4, "web-01", unreachable=True, event_id="s2")
    sim.problem(9, "web-01", "HTTP", event_id="s3")
    sim.problem(20, "db-01", "Ping", source=Source.PRTG, event_id="s4")
    sim.problem(40, "dist-1", "Unavailable by ICMP ping", source=Source.ZABBIX, event_id="s5")
    sim.problem(300, "esx-01", event_id="s6")
    sim.ok(900, "dist-1", "Unavailable by ICMP ping", source=Source.ZABBIX, event_id="s7")
    sim.ok(910, "esx-01", event_id="s8")
    sim.ok(920, "web-01", event_id="s9")
    sim.ok(925, "web-01", "HTTP", event_id="s10")
    sim.ok(930, "db-01", "Ping", source=Source.PRTG, event_id="s11")
    sim.ok(1200, "core-2", "CPU load", event_id="n2")
    sim.advance(2000)


def test_same_input_gives_identical_incidents(make_sim, site):
    """The same events give identical incidents (ids, order, events, every field) twice."""
    first = make_sim(site)
    second = make_sim(site)
    _storm(first)
    _storm(second)
    assert first.out() == second.out()
    assert [d for _, d in first.decisions] == [d for _, d in second.decisions]


def test_storm_is_one_incident_rerooted_at_the_late_root(make_sim, site):
    """The small-site storm gives the dist-1 incident (re-rooted) and the core-2 noise."""
    sim = make_sim(site)
    _storm(sim)
    out = sim.out()
    assert [(i["root_cause"], i["events"]) for i in out] == [
        ("dist-1", ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"]),
        ("core-2", ["n1", "n2"]),
    ]
    assert [i["id"] for i in out] == ["INC-000001", "INC-000002"]


def test_events_stay_in_input_order_after_a_merge(make_sim, site):
    """Events are listed in input order even when incidents opened apart are merged."""
    sim = make_sim(site)
    sim.problem(0, "core-1", event_id="x1")
    sim.problem(5, "web-01", "Disk", severity=Severity.WARNING, event_id="u1")
    sim.problem(10, "dist-1", event_id="x2")
    sim.problem(15, "core-2", event_id="x3")
    sim.problem(20, "esx-01", event_id="x4")
    inc = sim.holding("core-1")
    assert [e for e in inc["events"] if e.startswith("x")] == ["x1", "x2", "x3", "x4"]
    order = {eid: n for n, (eid, _) in enumerate(sim.decisions)}
    assert inc["events"] == sorted(inc["events"], key=order.__getitem__)


def test_incidents_are_listed_in_opening_order_with_sequential_ids(make_sim, site):
    """Incidents come out in the order they opened, with ids INC-000001, INC-000002, ..."""
    sim = make_sim(site)
    sim.problem(0, "mystery-01")
    sim.problem(10, "core-2", "CPU load", severity=Severity.WARNING)
    sim.problem(20, "mystery-02")
    out = sim.out()
    assert [i["id"] for i in out] == ["INC-000001", "INC-000002", "INC-000003"]
    assert [i["opened_at"] for i in out] == sorted(i["opened_at"] for i in out)


# -- changes and reload -------------------------------------------------------------------


def test_drain_changes_reports_each_changed_incident_once(make_sim, site):
    """drain_changes lists the incidents changed since the last call, then nothing."""
    sim = make_sim(site)
    sim.problem(0, "esx-01")
    sim.problem(5, "mystery-01")
    changed = [i.id for i in sim.engine.drain_changes()]
    assert changed == ["INC-000001", "INC-000002"]
    assert sim.engine.drain_changes() == []
    sim.ok(10, "mystery-01")
    assert [i.id for i in sim.engine.drain_changes()] == ["INC-000002"]


def test_reload_keeps_open_incidents_and_their_alerts(make_sim, site, parse_topology):
    """After a topology reload that drops the root node, the incident keeps every alert."""
    sim = make_sim(site)
    sim.problem(0, "esx-01", event_id="a")
    sim.problem(5, "web-01", event_id="b")
    before = sim.only()
    smaller = parse_topology(
        """
version: 1
nodes:
  - {id: web-01, kind: vm, monitored_as: [web-01]}
"""
    )
    sim.engine.reload(smaller)
    after = sim.only()
    assert after["id"] == before["id"]
    assert {(a["host"], a["check"]) for a in after["alerts"]} == {
        ("esx-01", None),
        ("web-01", None),
    }
    assert after["events"] == ["a", "b"]
    assert after["root_cause"] is None or after["root_cause"] in smaller.nodes


BRANCH = """
version: 1
nodes:
  - {id: hq-core, kind: switch, monitored_as: [hq-core]}
  - {id: nagios-hq, kind: probe, monitored_as: [nagios-hq], depends_on: [hq-core]}
  - {id: wan, kind: link, depends_on: [hq-core, rtr]}
  - {id: core-1, kind: switch, monitored_as: [core-1]}
  - {id: core-2, kind: switch, monitored_as: [core-2]}
  - {id: rtr, kind: router, monitored_as: [rtr], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: dist-1, kind: switch, monitored_as: [dist-1], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: dist-2, kind: switch, monitored_as: [dist-2], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: acc-1, kind: switch, monitored_as: [acc-1], depends_on: [dist-1]}
  - {id: acc-2, kind: switch, monitored_as: [acc-2], depends_on: [dist-2]}
  - {id: sat-a, kind: probe, monitored_as: [sat-a], depends_on: [acc-2]}
  - {id: sat-b, kind: probe, monitored_as: [sat-b], depends_on: [acc-1]}
  - {id: h1, monitored_as: [h1], depends_on: [acc-1]}
  - {id: h2, monitored_as: [h2], depends_on: [acc-1]}
  - {id: h3, monitored_as: [h3], depends_on: [acc-1]}
  - {id: h4, monitored_as: [h4], depends_on: [acc-2]}
  - {id: h5, monitored_as: [h5], depends_on: [acc-2]}
  - {id: h6, monitored_as: [h6], depends_on: [acc-2]}
"""


def test_a_switch_seen_only_by_the_probe_it_blinded_can_still_be_the_root(make_sim):
    """A branch switch whose only monitoring is the probe behind it: its failure blinds that
    probe (every check Unknown, the probe itself seen down from HQ) while the other branch
    probe sees only the hosts below the switch fail; a switch there is the root, not the
    blinded probe (a probe's word about itself is worth nothing) nor the WAN link above
    everything (the other probe, still reporting, contradicts the WAN)."""
    sim = make_sim(BRANCH)
    for i, host in enumerate(["h4", "h5", "h6"]):
        sim.problem(20 + i, host, "Ping", source=Source.PRTG, observer="sat-b")
    sim.problem(40, "sat-a", source=Source.NAGIOS, observer="nagios-hq")
    blinded = ["rtr", "dist-1", "dist-2", "acc-1", "acc-2", "h1", "h2", "h3", "h4", "h5", "h6"]
    for i, host in enumerate(blinded):
        sim.problem(
            60 + i, host, "Ping", source=Source.ICINGA, severity=Severity.MINOR, observer="sat-a"
        )
    sim.advance(900)
    roots = {i["root_cause"] for i in sim.out()}
    assert not roots & {"wan", "sat-a"}, roots
    assert sim.holding("h4", "Ping")["root_cause"] in {"dist-2", "acc-2"}


LOCAL_OUTAGE = """
version: 1
nodes:
  - {id: core, kind: switch, monitored_as: [core]}
  - {id: acc-p, kind: switch, monitored_as: [acc-p], depends_on: [core]}
  - {id: prtg-p, kind: probe, monitored_as: [prtg-p], depends_on: [acc-p]}
  - {id: dist-x, kind: switch, monitored_as: [dist-x], depends_on: [core]}
""" + "".join(
    f"  - {{id: x{n}, monitored_as: [x{n}], depends_on: [dist-x]}}\n" for n in range(1, 13)
)


def test_a_probe_seeing_a_local_outage_that_others_confirm_is_not_suspected(make_sim):
    """A probe whose failing checks all sit below one switch, while another observer sees
    a good share of that switch's hosts fail too, merely saw an outage: it has not lost
    its path, even when the outage's alerts arrive over more than one burst window."""
    sim = make_sim(LOCAL_OUTAGE)
    for i, n in enumerate((1, 2, 3, 4)):  # the probe's first burst: 4 of 12 hosts
        sim.problem(i, f"x{n}", "Ping", source=Source.PRTG, observer="prtg-p")
    for i, n in enumerate((5, 6, 7, 8)):  # later scans of the same probe
        sim.problem(200 + 40 * i, f"x{n}", "Ping", source=Source.PRTG, observer="prtg-p")
    for i, n in enumerate((5, 9, 10, 11, 12)):  # the central server sees its hosts fail too
        sim.problem(100 + 30 * i, f"x{n}")
    assert not sim.engine._observer_evidence("prtg-p")
    sim.advance(900)
    assert sim.holding("x2", "Ping")["root_cause"] == "dist-x", sim.out()


CORE_PAIR = """
version: 1
nodes:
  - {id: hq-core, kind: switch, monitored_as: [hq-core]}
  - {id: core-1, kind: switch, monitored_as: [core-1]}
  - {id: core-2, kind: switch, monitored_as: [core-2]}
  - {id: rtr, kind: router, monitored_as: [rtr], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: wan, kind: link, depends_on: [rtr, hq-core]}
  - {id: dist-1, kind: switch, monitored_as: [dist-1], depends_on: [{any_of: [core-1, core-2]}]}
  - {id: acc-1, kind: switch, monitored_as: [acc-1], depends_on: [dist-1]}
  - {id: acc-2, kind: switch, monitored_as: [acc-2], depends_on: [dist-1]}
  - {id: zbx-proxy, kind: probe, monitored_as: [zbx-proxy], depends_on: [acc-1, wan]}
  - {id: prtg-probe, kind: probe, monitored_as: [prtg-probe], depends_on: [acc-2, wan]}
  - {id: h1, monitored_as: [h1], depends_on: [acc-1]}
  - {id: h2, monitored_as: [h2], depends_on: [acc-1]}
  - {id: h3, monitored_as: [h3], depends_on: [acc-2]}
  - {id: h4, monitored_as: [h4], depends_on: [acc-2]}
"""


def test_a_core_pair_lost_behind_blinded_probes_is_rooted_at_its_first_member(make_sim):
    """A branch losing both cores: the first one's loss, reported while its probe still
    worked, stays evidence once the second loss blinds every probe; the other core,
    seen only as Unknown by a blinded probe, may be down too, so the pair lost as a
    whole is the root, not the WAN link the blinded probes' path shares."""
    sim = make_sim(CORE_PAIR)
    sim.problem(0, "core-2", "Unavailable by ICMP ping", source=Source.ZABBIX, observer="zbx-proxy")
    sim.problem(400, "zbx-proxy", "Zabbix proxy last seen", source=Source.ZABBIX)
    blinded = ["core-1", "rtr", "dist-1", "acc-1", "acc-2", "h1", "h2", "h3", "h4"]
    for i, host in enumerate(blinded):
        sim.problem(
            410 + 5 * i,
            host,
            "Ping",
            source=Source.PRTG,
            severity=Severity.MINOR,
            observer="prtg-probe",
        )
    sim.advance(1200)
    assert sim.holding("h3", "Ping")["root_cause"] == "core-2", sim.out()
    assert (
        sim.holding("core-2", "Unavailable by ICMP ping")["id"] == sim.holding("h3", "Ping")["id"]
    )


def test_unknown_results_of_a_blinded_probe_are_no_warnings(make_sim):
    """A host whose only trouble is Unknown results from a probe that seems blind is
    unobserved (possibly down), not degraded: under an outage it is no late warning,
    while a host's own warning, from an observer that works, still is one."""
    sim = make_sim(PROBES)
    for i, host in enumerate(SPREAD_HOSTS):
        sim.problem(
            i, host, "Ping", source=Source.PRTG, severity=Severity.MINOR, observer="probe-remote"
        )
    sim.problem(5, "h-a2", "CPU load", severity=Severity.WARNING, observer="nagios-central")
    engine = sim.engine
    assert engine._suspect_since("probe-remote") < float("inf")
    assert not engine._degraded("h-b1", Evidence.DEGRADED)
    assert engine._degraded("h-a2", Evidence.DEGRADED)


BLIND_SAT = (
    PROBES
    + """  - {id: acc-s, kind: switch, monitored_as: [acc-s], depends_on: [core]}
  - {id: sat, kind: probe, depends_on: [acc-s]}
  - {id: h-s1, monitored_as: [h-s1], depends_on: [acc-s]}
"""
)


def test_a_switch_is_not_blamed_for_what_only_the_blinded_probe_behind_it_says(make_sim):
    """Every alert comes from one probe that seems blind: the probe's own loss of its path
    explains them all, so the switch it hangs from (which would blind it too, and take
    down more) is not the root."""
    sim = make_sim(BLIND_SAT)
    hosts = ["h-a1", "h-s1", "h-b1", "h-c1", "acc-s", "h-d1", "h-a2", "h-b2"]
    for i, host in enumerate(hosts):
        sim.problem(
            3 * i, host, "Ping", source=Source.PRTG, severity=Severity.MINOR, observer="sat"
        )
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "sat", sim.out()


def test_a_blinded_probe_unknown_results_arriving_scan_after_scan_stay_one_incident(make_sim):
    """A probe's checks go Unknown one scan after another for five minutes: the late ones
    are what its blindness predicts, so they join its incident instead of opening their
    own."""
    sim = make_sim(PROBES)
    hosts = [f"h-{sw}{n}" for sw in "abcd" for n in (1, 2)]
    for i, host in enumerate(hosts):
        sim.problem(
            3 * i if i < 4 else 60 * i,
            host,
            "Ping",
            source=Source.PRTG,
            severity=Severity.MINOR,
            observer="probe-remote",
        )
    sim.advance(1200)
    inc = sim.only()
    assert inc["root_cause"] in {"probe-remote", "wan-2"}


def test_one_redundant_member_down_does_not_blind_the_probes_behind_it(make_sim):
    """One core of a redundant pair down (seen by another observer) leaves the path of the
    probes behind the pair intact: no evidence that they lost it."""
    sim = make_sim(CORE_PAIR)
    sim.problem(0, "core-2", "Unavailable by ICMP ping", source=Source.ZABBIX, observer="zbx-proxy")
    assert not sim.engine._observer_evidence("prtg-probe")
    sim.problem(
        30, "core-1", "Unavailable by ICMP ping", source=Source.ZABBIX, observer="zbx-proxy"
    )
    assert sim.engine._observer_evidence("prtg-probe")


def test_a_blinded_probe_down_does_not_outweigh_what_a_working_probe_saw(make_sim):
    """A node a working observer saw only degraded, then reported down by a probe that
    seems blind by then: its evidence is what the working observer said."""
    sim = make_sim(PROBES)
    sim.problem(0, "sw-a", "CPU load", severity=Severity.WARNING, observer="nagios-central")
    for i, host in enumerate(["h-b1", "h-c1", "h-d1", "h-a1"]):
        sim.problem(
            300 + i,
            host,
            "Ping",
            source=Source.PRTG,
            severity=Severity.MINOR,
            observer="probe-remote",
        )
    sim.problem(310, "sw-a", "Ping", source=Source.PRTG, observer="probe-remote")
    engine = sim.engine
    assert engine._root_evidence(["sw-a"]) is Evidence.DOWN
    assert engine._trusted_evidence(["sw-a"]) is Evidence.DEGRADED


APPS_ON_ONE_DB = """
version: 1
nodes:
  - {id: db, kind: database, monitored_as: [db]}
  - {id: app-1, kind: application, monitored_as: [app-1], depends_on: [db]}
  - {id: app-2, kind: application, monitored_as: [app-2], depends_on: [db]}
  - {id: app-3, kind: application, monitored_as: [app-3], depends_on: [db]}
  - {id: svc, kind: service, depends_on: [{any_of: [app-1, app-2, app-3]}]}
"""


def test_a_degraded_common_dependency_beats_a_redundancy_group_lost_by_coincidence(make_sim):
    """Every member of a redundant application group fails while the database they all
    use reports trouble: the members failing together are not one fault but three, so
    the database's gray failure is the root that explains them."""
    sim = make_sim(APPS_ON_ONE_DB)
    sim.problem(0, "app-1", "HTTP")
    sim.problem(10, "db", "Too many connections", severity=Severity.WARNING)
    sim.problem(20, "app-2", "HTTP")
    sim.problem(30, "app-3", "HTTP")
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "db", sim.out()


def test_the_sole_blind_observer_does_not_depend_on_the_order_nodes_are_asked(make_sim):
    """Whether one blinded probe reports everything is the same answer whatever order
    the alerting nodes are looked at in, the probe's own alert among them (replay must
    not depend on set order)."""
    topo = PROBES + "  - {id: sat, kind: probe, monitored_as: [sat], depends_on: [core]}\n"
    sim = make_sim(topo)
    for i, host in enumerate(["h-a1", "h-b1", "h-c1", "h-d1"]):
        sim.problem(i, host, "Ping", source=Source.PRTG, severity=Severity.MINOR, observer="sat")
    sim.problem(5, "sat", "Probe health", source=Source.PRTG, observer="sat")
    engine = sim.engine
    nodes = ["h-a1", "sat", "h-b1", "h-c1", "h-d1"]
    seeds = frozenset({"core"})
    first = engine._sole_blind_observer(nodes, seeds)
    assert first == "sat"
    assert engine._sole_blind_observer(list(reversed(nodes)), seeds) == first
    assert engine._sole_blind_observer(["sat", *nodes], seeds) == first


def test_a_link_only_the_blinded_probe_uses_is_as_good_a_root_as_the_probe(make_sim):
    """A link that only the probe hangs from predicts no failure beyond the probe's own:
    it is not dominated by the probe, and the probe's path is the root (the spec: "the
    root is the probe's path")."""
    topo = PROBES + (
        "  - {id: upl-sat, kind: link, depends_on: [core]}\n"
        "  - {id: sat, kind: probe, monitored_as: [sat], depends_on: [upl-sat]}\n"
    )
    sim = make_sim(topo)
    for i, host in enumerate(["h-a1", "h-b1", "h-c1", "h-d1", "h-a2"]):
        sim.problem(
            2 * i, host, "Ping", source=Source.PRTG, severity=Severity.MINOR, observer="sat"
        )
    sim.advance(900)
    assert sim.only()["root_cause"] == "upl-sat", sim.out()


def test_events_of_an_earlier_episode_are_never_lost(make_sim, site, t0):
    """An alert that recovers and fails again (a new episode) in the same incident keeps the
    first episode's events listed, even once the alert is split off into an incident of
    its own (every input event stays in some incident's events)."""
    sim = make_sim(site, reopen_s=900.0, window_s=300.0)
    sim.problem(0, "esx-01", event_id="esx-down")
    sim.problem(10, "web-01", event_id="web-down-1")
    sim.ok(20, "web-01", event_id="web-up")
    sim.problem(20 + 901, "web-01", event_id="web-down-2")  # past reopen_s: a new episode
    (incident,) = sim.incidents()
    (web,) = [key for key in incident.alerts if "web-01" in key[1]]
    sim.engine.split(incident.id, [web], actor="alice", now=t0 + 1000)
    listed = {event for inc in sim.out() for event in inc["events"]}
    assert {"esx-down", "web-down-1", "web-up", "web-down-2"} <= listed, sim.out()


CENTRAL_OVER_SAN = """
version: 1
nodes:
  - {id: core, kind: router, monitored_as: [core]}
  - {id: icinga-central, kind: probe, monitored_as: [icinga-central], depends_on: [core]}
  - {id: san, kind: storage, monitored_as: [san]}
""" + "".join(
    f"  - {{id: esx-{h}, kind: hypervisor, monitored_as: [esx-{h}], depends_on: [san]}}\n"
    + "".join(
        f"  - {{id: vm-{h}{v}, kind: vm, monitored_as: [vm-{h}{v}], depends_on: [esx-{h}]}}\n"
        for v in range(8)
    )
    for h in range(12)
)


def test_an_incident_blamed_on_an_observer_joins_the_cause_found_later(make_sim):
    """One tool sees guests on several hypervisors go down together, and nothing else has
    spoken yet: its own blindness is a fair first guess. Once the array they all sit on
    alerts, the next guest that tool reports brings the first ones along: one incident,
    rooted at the array, not a monitoring incident beside a storage one."""
    sim = make_sim(CENTRAL_OVER_SAN)
    early = ("vm-01", "vm-12", "vm-23", "vm-30", "vm-41", "vm-52", "vm-63", "vm-74")
    for i, vm in enumerate(early):
        sim.problem(i * 3, vm, source=Source.ICINGA, observer="icinga-central")
    assert sim.holding("vm-01")["root_cause"] == "icinga-central"  # the premise
    sim.problem(40, "san", "Controller status", source=Source.PRTG, observer="prtg-local")
    sim.problem(50, "vm-02", source=Source.ICINGA, observer="icinga-central")
    inc = sim.holding("vm-02")
    assert inc["root_cause"] == "san"
    assert all(sim.holding(vm)["id"] == inc["id"] for vm in early)


def test_a_threshold_warning_is_not_blamed_on_a_probe_that_seems_blind(make_sim):
    """A probe cut off gets no answer: its checks time out or return no data. A threshold
    warning it reports (a disk filling up) is a host it reached, so it stays that host's
    own incident, even while the probe seems blind."""
    sim = make_sim(PROBES)
    for i, host in enumerate(SPREAD_HOSTS):
        sim.problem(i * 5, host, "Ping", source=Source.PRTG, observer="probe-remote")
    assert sim.holding("h-a1", "Ping")["root_cause"] in {"probe-remote", "wan-2"}  # premise
    sim.problem(
        60, "h-d2", "Disk free", source=Source.PRTG, severity=Severity.WARNING,
        observer="probe-remote",
    )  # fmt: skip
    assert sim.holding("h-d2", "Disk free")["root_cause"] == "h-d2"
    # Nor does the probe's incident take it in when the probe's next timeout arrives.
    sim.problem(70, "h-c2", "Ping", source=Source.PRTG, observer="probe-remote")
    assert sim.holding("h-c2", "Ping")["root_cause"] in {"probe-remote", "wan-2"}
    assert sim.holding("h-d2", "Disk free")["root_cause"] == "h-d2"
    # A warning that data stopped coming is what a blinded probe does report.
    sim.problem(
        80, "h-b2", "No SNMP data collection", source=Source.ZABBIX,
        severity=Severity.WARNING, observer="probe-remote",
    )  # fmt: skip
    nodata = sim.holding("h-b2", "No SNMP data collection")
    assert nodata["id"] == sim.holding("h-c2", "Ping")["id"]


MOSTLY_ONE_SWITCH = (
    """
version: 1
nodes:
  - {id: core, kind: router, monitored_as: [core]}
  - {id: wan, kind: link, depends_on: [core]}
  - {id: probe, kind: probe, monitored_as: [probe], depends_on: [wan]}
  - {id: dist, kind: switch, monitored_as: [dist], depends_on: [core]}
  - {id: acc, kind: switch, monitored_as: [acc], depends_on: [core]}
"""
    + "".join(
        f"  - {{id: d-{i}, kind: host, monitored_as: [d-{i}], depends_on: [dist]}}\n"
        for i in range(7)
    )
    + "".join(
        f"  - {{id: a-{i}, kind: host, monitored_as: [a-{i}], depends_on: [acc]}}\n"
        for i in range(3)
    )
)


def test_a_blind_probe_watching_mostly_one_switch_is_not_that_switch_failing(make_sim):
    """A probe cut off times out on everything it watches at once: seven hosts behind one
    switch, three behind another. Most of the failures lie under the first switch, but
    the other three fail with them and that switch's outage explains none of those: the
    probe's path, one incident, and nobody is paged for the hosts."""
    sim = make_sim(MOSTLY_ONE_SWITCH)
    hosts = [f"d-{i}" for i in range(7)] + [f"a-{i}" for i in range(3)]
    for i, host in enumerate(sorted(hosts, key=lambda h: h[-1])):
        sim.problem(i * 4, host, "Ping", source=Source.PRTG, observer="probe")
    sim.advance(600)
    inc = sim.holding("d-0", "Ping")
    assert inc["root_cause"] in {"probe", "wan"}
    assert all(sim.holding(h, "Ping")["id"] == inc["id"] for h in hosts)


@pytest.mark.parametrize(
    ("check", "severity", "measured"),
    [
        ("Interface errors", Severity.WARNING, True),
        ("SNMP CPU Load", Severity.WARNING, True),
        ("Disk /", Severity.WARNING, True),
        ("HTTP response time", Severity.WARNING, True),
        ("No SNMP data collection", Severity.WARNING, False),
        ("High ICMP ping loss", Severity.WARNING, False),
        ("Zabbix agent is not available (for 3m)", Severity.WARNING, False),
        ("Zabbix proxy last seen more than 600 seconds ago", Severity.WARNING, False),
        ("Load", Severity.CRITICAL, False),  # a timeout is critical (or unknown)
        (None, Severity.WARNING, False),
    ],
)
def test_threshold_warnings_are_measurements_a_blind_probe_cannot_make(
    check: str | None, severity: Severity, measured: bool
) -> None:
    """A warning that a threshold was crossed means the tool reached the host; a warning
    that data or answers stopped coming is what a probe that lost its path reports."""
    assert threshold_warning(severity, check) is measured


CALL_CHAIN = """
version: 1
nodes:
  - {id: payments, kind: application, monitored_as: [payments]}
  - {id: catalog, kind: application, monitored_as: [catalog], depends_on: [payments]}
  - {id: shop, kind: application, monitored_as: [shop], depends_on: [catalog]}
  - {id: mail, kind: application, monitored_as: [mail]}
"""


def test_a_slow_service_and_its_callers_errors_are_one_degradation(make_sim):
    """The caller's error rate climbs a few seconds before the slow service's own alert:
    two warnings beginning together on a service and what calls it are one degradation,
    rooted at the service, not two unrelated warnings."""
    sim = make_sim(CALL_CHAIN)
    sim.problem(0, "catalog", "HighErrorRate", severity=Severity.WARNING)
    sim.problem(9, "payments", "HighErrorRate", severity=Severity.WARNING)
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "payments", sim.out()


def test_warnings_about_a_nodes_own_state_do_not_spread_to_it(make_sim):
    """A certificate about to expire on the caller is not the slow service's doing, and a
    warning half an hour later is the day's noise: each stays its own incident."""
    sim = make_sim(CALL_CHAIN)
    sim.problem(0, "catalog", "SSL certificate expires soon", severity=Severity.WARNING)
    sim.problem(9, "payments", "HighErrorRate", severity=Severity.WARNING)
    sim.problem(1800, "shop", "Response time", severity=Severity.WARNING)
    sim.advance(900)
    roots = sorted(inc["root_cause"] for inc in sim.out())
    assert roots == ["catalog", "payments", "shop"], sim.out()


def test_a_degradation_spreads_hop_by_hop_not_over_a_silent_caller(make_sim):
    """The shop's latency and the payments service's errors begin together, but the
    catalog between them, which uses payments and is used by the shop, says nothing: two
    unrelated warnings, not one degradation."""
    sim = make_sim(CALL_CHAIN)
    sim.problem(0, "shop", "Response time", severity=Severity.WARNING)
    sim.problem(9, "payments", "HighErrorRate", severity=Severity.WARNING)
    sim.advance(900)
    roots = sorted(inc["root_cause"] for inc in sim.out())
    assert roots == ["payments", "shop"], sim.out()


GATEWAY = """
version: 1
nodes:
  - {id: opc-gw, kind: server, monitored_as: [opc-gw]}
  - {id: hist, kind: server, monitored_as: [hist]}
  - id: l1-tags
    kind: application
    monitored_as: ["hist!Tag data stale: line L1"]
    depends_on: [opc-gw]
  - id: l2-tags
    kind: application
    monitored_as: ["hist!Tag data stale: line L2"]
    depends_on: [opc-gw]
  - id: l3-tags
    kind: application
    monitored_as: ["hist!Tag data stale: line L3"]
    depends_on: [opc-gw]
"""


def test_data_going_stale_minutes_after_its_source_died_is_that_outage(make_sim):
    """A gateway goes down; the historian notices the tags it fed went stale only after
    its staleness threshold, 7 and 11 minutes later: one incident at the gateway, not a
    warning incident per line."""
    sim = make_sim(GATEWAY)
    sim.problem(0, "opc-gw")
    sim.problem(450, "hist", "Tag data stale: line L1", severity=Severity.WARNING)
    sim.problem(660, "hist", "Tag data stale: line L2", severity=Severity.WARNING)
    sim.advance(1500)
    inc = sim.only()
    assert inc["root_cause"] == "opc-gw"
    assert sorted(inc["nodes"]) == ["l1-tags", "l2-tags", "opc-gw"]


@pytest.mark.parametrize(
    ("check", "spreads"),
    [
        ("HighErrorRate", True),
        ("HTTP response time", True),
        ("Disk read/write request responses are too high", True),
        ("Message queue length", True),
        ("SNMP CPU Load", True),
        ("postgres query time", True),
        ("Request duration p99 high", True),
        ("Round-trip time high", True),
        ("Tag data stale: line L1", True),
        ("MarketDataStale", True),
        ("Query cache full", False),
        ("SSL certificate expires soon", False),
        ("Free disk space is less than 20%", False),
        ("Swap usage", False),
        ("Backup age", False),
        ("NTP offset", False),
        ("ClockOffsetHigh", False),  # a clock follows its time source, nothing else
        ("GNSS receiver not locked (holdover)", True),  # the reference it uses was lost
        ("PTP grandmaster in holdover", True),
        ("Chassis temperature", False),
        (None, False),
    ],
)
def test_warnings_that_spread_to_callers(check: str | None, spreads: bool) -> None:
    """Latency, errors, queues and load grow in what uses a slow node; a node's own
    certificate, disk, memory, backups, clock and hardware do not."""
    assert spreading_warning(check) is spreads


@pytest.mark.parametrize(
    ("check", "sync", "lost"),
    [
        ("GNSS receiver not locked, oscillator in holdover", True, True),
        ("PTP grandmaster in holdover", True, True),
        ("GPS signal lost", True, True),
        ("ClockOffsetHigh", True, False),
        ("NTP offset", True, False),
        ("HostClockSkew", True, False),
        ("chrony not synchronised", True, False),
        ("Consumer offset lag", False, False),
        ("HTTP response time", False, False),
        (None, False, False),
    ],
)
def test_warnings_about_time_synchronisation(check: str | None, sync: bool, lost: bool) -> None:
    """A time source losing its reference, and the clocks that drift from it."""
    assert (sync_warning(check), reference_lost(check)) == (sync, lost)


@pytest.mark.parametrize(
    ("check", "replication"),
    [
        ("postgres replication", True),
        ("PostgreSQL replication lag", True),
        ("MySQL: Slave IO thread is not running", True),
        ("POSTGRES_REPLICATE_ROW CRITICAL: replication stopped", True),
        ("Log shipping delayed", True),
        ("KubeStatefulSetReplicasMismatch", False),
        ("postgres connection", False),
        (None, False),
    ],
)
def test_checks_about_replicating_from_peers(check: str | None, replication: bool) -> None:
    """A replica's check on its replication fails when a peer does."""
    assert replication_check(check) is replication


@pytest.mark.parametrize(
    ("check", "local"),
    [
        ("SSL Certificate", True),
        ("SSLCertExpiringSoon", True),
        ("Aggregate free space", True),
        ("HostOutOfDiskSpace", True),
        ("SNMP Disk Free", True),
        ("Disk /var", True),
        ("High memory utilization (>90% for 5m)", True),
        ("Swap usage", True),
        ("Backup age", True),
        ("Disk I/O latency", False),
        ("ClockOffsetHigh", False),  # a time source's failure drifts the clocks it feeds
        ("Chassis temperature", False),  # a cooling unit's failure heats its room
        ("KubeNamespaceDown", False),
        ("HTTP response time", False),
        ("CPU load", False),
        (None, False),
    ],
)
def test_warnings_about_a_nodes_own_state(check: str | None, local: bool) -> None:
    """A disk filling up, a certificate, memory, swap or a backup: nothing a node depends
    on causes them (a drifting clock or a hot chassis can be its time source's or its
    cooling's doing)."""
    assert local_warning(check) is local


RING = """
version: 1
nodes:
  - {id: agg-1, kind: router, monitored_as: [agg-1]}
  - {id: agg-2, kind: router, monitored_as: [agg-2]}
  - id: side-a
    kind: link
    monitored_as: ["agg-1!Interface Te0/1/0(ring): Link down"]
    depends_on: [agg-1]
  - id: side-b
    kind: link
    monitored_as: ["agg-2!Interface Te0/1/1(ring): Link down"]
    depends_on: [agg-2]
  - {id: olt-1, kind: olt, monitored_as: [olt-1], depends_on: [{any_of: [side-a, side-b]}]}
  - {id: olt-2, kind: olt, monitored_as: [olt-2], depends_on: [{any_of: [side-a, side-b]}]}
  - {id: cpe-1, kind: cpe, monitored_as: [cpe-1], depends_on: [olt-1]}
  - {id: cpe-2, kind: cpe, monitored_as: [cpe-2], depends_on: [olt-2]}
"""


def test_a_ring_lost_side_by_side_is_one_incident_rooted_at_the_first_side(make_sim):
    """Zabbix's own "Link down" triggers are of Average (minor) severity, yet they say the
    link is down: when the second side of a ring goes too, the access nodes behind it and
    their customers are one incident rooted at the side lost first (the first side's
    incident absorbed), not one per access node."""
    sim = make_sim(RING)
    link_down = "Interface Te0/1/0(ring): Link down"
    sim.problem(0, "agg-1", link_down, source=Source.ZABBIX, severity=Severity.MINOR)
    sim.advance(600)
    other = "Interface Te0/1/1(ring): Link down"
    sim.problem(600, "agg-2", other, source=Source.ZABBIX, severity=Severity.MINOR)
    for i, host in enumerate(["cpe-1", "cpe-2", "olt-1", "olt-2"]):
        sim.problem(640 + 10 * i, host, "Unavailable by ICMP ping", source=Source.ZABBIX)
    sim.advance(1800)
    inc = sim.holding("cpe-1", "Unavailable by ICMP ping")
    assert inc["root_cause"] == "side-a", sim.out()
    for host, check in [("agg-2", other), ("olt-2", "Unavailable by ICMP ping")]:
        assert sim.holding(host, check)["id"] == inc["id"], sim.out()


@pytest.mark.parametrize(
    ("source", "check", "severity", "evidence"),
    [
        (Source.ZABBIX, "Interface Te0/1/0(ring nrt-1): Link down", Severity.MINOR, Evidence.DOWN),
        (Source.ZABBIX, "Rectifier: mains failure", Severity.MINOR, Evidence.DOWN),
        (Source.ZABBIX, "Interface Te0/1/0: High error rate", Severity.MINOR, Evidence.DEGRADED),
        (Source.ZABBIX, "High CPU utilization", Severity.MINOR, Evidence.DEGRADED),
        (Source.ZABBIX, "Power supply is in critical state", Severity.MINOR, Evidence.DEGRADED),
        (Source.ZABBIX, "Zabbix agent is not available", Severity.MINOR, Evidence.DOWN),
        (Source.ICINGA, "BGP peer 10.0.0.1 is down", Severity.MINOR, Evidence.DOWN),
        (Source.PRTG, "Ping", Severity.MINOR, Evidence.DEGRADED),  # Unknown: no answer yet
        (Source.NAGIOS, "SSH", Severity.MINOR, Evidence.DEGRADED),  # UNKNOWN
        (Source.ZABBIX, "Interface Te0/1/0: Link down", Severity.WARNING, Evidence.DEGRADED),
        (Source.NAGIOS, "HTTP", Severity.CRITICAL, Evidence.DOWN),
        (Source.ALERTMANAGER, "TargetDown", Severity.WARNING, Evidence.DOWN),
        (Source.ALERTMANAGER, "KubeNodeNotReady", Severity.WARNING, Evidence.DOWN),
        (Source.ALERTMANAGER, "KubePodCrashLooping", Severity.WARNING, Evidence.DOWN),
        (Source.ALERTMANAGER, "BlackboxProbeFailed", Severity.WARNING, Evidence.DOWN),
        (Source.ALERTMANAGER, "HighErrorRate", Severity.WARNING, Evidence.DEGRADED),
        (Source.ALERTMANAGER, "DownstreamLatencyHigh", Severity.WARNING, Evidence.DEGRADED),
        (
            Source.ALERTMANAGER,
            "KubeStatefulSetReplicasMismatch",
            Severity.WARNING,
            Evidence.DEGRADED,
        ),
    ],
)
def test_what_a_check_says_about_its_node(
    source: Source, check: str, severity: Severity, evidence: Evidence
) -> None:
    """Zabbix's Average (minor) is a problem its own templates rate so ("Link down",
    "mains failure"), next to capacity and hardware ones: down when it says something
    failed. Elsewhere minor
    is an Unknown result, a warning, unless the check says in so many words that something
    is down. Prometheus rules rate most availability alerts warning (kube-prometheus), so
    an Alertmanager warning whose name says down, not ready or failed is an outage."""
    alert = Alert(
        source=source,
        source_id="1",
        host="h",
        check=check,
        state=State.PROBLEM,
        severity=severity,
        raised_at=0.0,
        received_at=0.0,
    )
    assert classify(alert) is evidence


CABINET_ON_A_SPAN = """
version: 1
nodes:
  - {id: agg, kind: router, monitored_as: [agg]}
  - {id: span, kind: link, depends_on: [agg]}
  - {id: feed, kind: power}
  - {id: dslam-1, kind: dslam, monitored_as: [dslam-1], depends_on: [feed, span]}
  - {id: dslam-2, kind: dslam, monitored_as: [dslam-2], depends_on: [feed, span]}
  - {id: olt, kind: olt, monitored_as: [olt], depends_on: [span]}
  - {id: cpe-1a, kind: cpe, monitored_as: [cpe-1a], depends_on: [dslam-1]}
  - {id: cpe-1b, kind: cpe, monitored_as: [cpe-1b], depends_on: [dslam-1]}
  - {id: cpe-2a, kind: cpe, monitored_as: [cpe-2a], depends_on: [dslam-2]}
  - {id: cpe-2b, kind: cpe, monitored_as: [cpe-2b], depends_on: [dslam-2]}
  - {id: cpe-oa, kind: cpe, monitored_as: [cpe-oa], depends_on: [olt]}
  - {id: cpe-ob, kind: cpe, monitored_as: [cpe-ob], depends_on: [olt]}
"""


def test_an_inferred_root_gives_way_to_a_sibling_cause_that_explains_more(make_sim):
    """A cabinet's equipment hangs on its power feed and on a fibre span; both are
    unmonitored. Its customers go down first (the feed and the span explain them equally),
    then the customers of an OLT elsewhere on the same span: one span cut, not a power
    loss plus an OLT failure."""
    sim = make_sim(CABINET_ON_A_SPAN)
    for i, host in enumerate(["cpe-1a", "cpe-2a", "cpe-1b", "cpe-2b"]):
        sim.problem(i * 3, host, "Unavailable by ICMP ping", source=Source.ZABBIX)
    for i, host in enumerate(["cpe-oa", "cpe-ob", "dslam-1", "dslam-2", "olt"]):
        sim.problem(17 + i * 5, host, "Unavailable by ICMP ping", source=Source.ZABBIX)
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "span", sim.out()
    assert inc["root_cause_inferred"]


MAST = """
version: 1
nodes:
  - {id: agg, kind: router, monitored_as: [agg]}
  - {id: mains, kind: power}
  - {id: battery, kind: power, monitored_as: ["csr!Battery voltage low"]}
  - id: csr
    kind: router
    monitored_as: [csr]
    depends_on: [agg, {any_of: [mains, battery]}]
  - {id: cpe-1, kind: cpe, monitored_as: [cpe-1], depends_on: [csr]}
  - {id: cpe-2, kind: cpe, monitored_as: [cpe-2], depends_on: [csr]}
  - {id: cpe-3, kind: cpe, monitored_as: [cpe-3], depends_on: [csr]}
"""


def test_a_redundant_pair_with_an_unwatched_member_is_lost_when_the_other_runs_out(make_sim):
    """A cell site runs on mains or its battery; nobody watches the mains. The battery
    says it is running low, and six minutes later the site router and its customers go
    down: the power pair was lost (the mains first, unseen), one incident rooted at the
    member seen failing, not a router failure beside a battery alarm."""
    sim = make_sim(MAST)
    sim.problem(0, "csr", "Battery voltage low", source=Source.ZABBIX, severity=Severity.MAJOR)
    sim.advance(360)
    for i, host in enumerate(["cpe-1", "cpe-2", "csr", "cpe-3"]):
        sim.problem(360 + 5 * i, host, "Unavailable by ICMP ping", source=Source.ZABBIX)
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "battery", sim.out()


PSU_SWITCH = """
version: 1
nodes:
  - {id: acc, kind: switch, monitored_as: [acc]}
  - {id: ups-mgmt, kind: host, monitored_as: [ups-mgmt], depends_on: [acc]}
"""


def test_a_warning_about_its_own_state_is_no_symptom_of_a_failure_below(make_sim):
    """A switch reports a power supply in critical state; minutes later the UPS card
    behind it warns of its disk filling up. A full disk is nothing a switch causes, and
    a host that measures its disk is reachable: two incidents."""
    sim = make_sim(PSU_SWITCH)
    sim.problem(0, "acc", "Power supply is in critical state", severity=Severity.CRITICAL)
    sim.problem(400, "ups-mgmt", "SNMP Disk Free", severity=Severity.WARNING)
    sim.advance(1800)
    roots = sorted(inc["root_cause"] for inc in sim.out())
    assert roots == ["acc", "ups-mgmt"], sim.out()


WORKER = """
version: 1
nodes:
  - {id: wrk-2, kind: host, monitored_as: [wrk-2]}
  - {id: ingress-2, kind: container, monitored_as: [ingress-2], depends_on: [wrk-2]}
  - {id: rabbitmq, kind: container, monitored_as: [rabbitmq], depends_on: [wrk-2]}
  - {id: notify, kind: container, monitored_as: [notify], depends_on: [rabbitmq]}
"""


def test_a_worker_reported_not_ready_long_after_its_pods_is_their_root(make_sim):
    """kube-prometheus fires KubeNodeNotReady (a warning) only after 15 minutes, long after
    the probes of the pods pinned to the worker failed: when it comes it re-roots their
    incident at the worker rather than opening one of its own."""
    sim = make_sim(WORKER)
    am = {"source": Source.ALERTMANAGER, "severity": Severity.WARNING}
    sim.problem(0, "ingress-2", "BlackboxProbeFailed", **am)
    sim.problem(24, "rabbitmq", "BlackboxProbeFailed", **am)
    sim.problem(300, "notify", "KubePodCrashLooping", **am)
    sim.problem(774, "wrk-2", "KubeNodeNotReady", **am)
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "wrk-2", sim.out()


COOLED_ROOM = "version: 1\nnodes:\n  - {id: crac, kind: cooling}\n" + "".join(
    f"  - {{id: srv-{i}, kind: host, monitored_as: [srv-{i}], depends_on: [crac]}}\n"
    for i in range(1, 13)
)


def test_a_node_never_roots_two_open_incidents_at_once(make_sim):
    """A room's cooling fails: temperature warnings first, then servers shutting down
    20 minutes later. However the later wave is judged, the cooling unit is not the root
    of two open incidents at once: a node does not fail twice at the same time."""
    sim = make_sim(COOLED_ROOM)
    for i in range(1, 9):
        sim.problem(i * 10, f"srv-{i}", "IPMI Sensors: temperature", severity=Severity.WARNING)
    sim.advance(1200)
    for i, host in enumerate(["srv-9", "srv-10", "srv-11", "srv-12"]):
        sim.problem(1200 + 10 * i, host)
    sim.advance(3000)
    roots = [inc["root_cause"] for inc in sim.out() if inc["status"] != "merged"]
    assert roots.count("crac") == 1, sim.out()


PINNED = """
version: 1
nodes:
  - {id: wrk, kind: host, monitored_as: [wrk]}
  - {id: redis, kind: container, monitored_as: [redis], depends_on: [wrk]}
  - {id: orders, kind: container, monitored_as: [orders], depends_on: [wrk, redis]}
  - {id: results, kind: container, monitored_as: [results], depends_on: [wrk, redis]}
"""


def test_a_late_root_alert_is_one_delay_not_one_surprise_per_dependent(make_sim):
    """A cache pinned to a worker fails, then the two services that use it (and run on the
    same worker) crash-loop; the worker's own NotReady comes twelve minutes after the
    first. That all it runs failed before it says once that its alert is slow, not once
    per dependent: the worker re-roots their incident."""
    sim = make_sim(PINNED)
    am = {"source": Source.ALERTMANAGER, "severity": Severity.WARNING}
    sim.problem(0, "redis", "BlackboxProbeFailed", **am)
    sim.problem(366, "orders", "KubePodCrashLooping", **am)
    sim.problem(366, "results", "KubePodCrashLooping", **am)
    sim.problem(717, "wrk", "KubeNodeNotReady", **am)
    sim.advance(1800)
    inc = sim.only()
    assert inc["root_cause"] == "wrk", sim.out()


SERVER_ROOM = (
    "version: 1\nnodes:\n"
    "  - {id: core, kind: switch, monitored_as: [core]}\n"
    "  - {id: icinga, kind: probe, monitored_as: [icinga], depends_on: [core]}\n"
    "  - {id: crac, kind: cooling}\n"
    + "".join(
        f"  - {{id: srv-{i}, kind: host, monitored_as: [srv-{i}], depends_on: [core, crac]}}\n"
        for i in range(1, 21)
    )
    + "".join(
        f"  - {{id: ws-{i}, kind: host, monitored_as: [ws-{i}], depends_on: [core]}}\n"
        for i in range(1, 11)
    )
)


def test_a_central_server_reporting_one_rooms_hosts_down_is_not_blind(make_sim):
    """The central Icinga reports six servers of one room down within a minute; they have
    nothing in common but the room's cooling, which nobody monitors, and the rest of what
    it watches stays quiet: a local outage under the cooling unit, not the monitoring
    server losing its path."""
    sim = make_sim(SERVER_ROOM)
    for i in range(1, 7):
        sim.problem(i * 8, f"srv-{i}", observer="icinga")
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "crac", sim.out()


@pytest.mark.parametrize(
    ("check", "seconds"),
    [
        ("Inventory sync from ERP delayed (over 30m)", 1800.0),
        ("High CPU utilization (over 90% for 5m)", 300.0),
        ("Replication lag over 2 hours", 7200.0),
        ("Disk usage over 80%", 0.0),
        (None, 0.0),
    ],
)
def test_the_wait_a_check_states(check: str | None, seconds: float) -> None:
    """How long a check says its condition must hold before it fires ("over 90%" is a
    threshold, not a wait)."""
    assert stated_window(check) == seconds


AIR = """
version: 1
nodes:
  - {id: core, kind: switch, monitored_as: [core]}
  - {id: proxy, kind: probe, monitored_as: [proxy], depends_on: [core]}
  - {id: air, kind: plc, monitored_as: [air], depends_on: [core]}
  - {id: plc-1, kind: plc, monitored_as: [plc-1], depends_on: [core, air]}
  - {id: plc-2, kind: plc, monitored_as: [plc-2], depends_on: [core, air]}
  - {id: plc-3, kind: plc, monitored_as: [plc-3], depends_on: [core, air]}
  - {id: rc-1, kind: robot, monitored_as: [rc-1], depends_on: [core, air]}
  - {id: rc-2, kind: robot, monitored_as: [rc-2], depends_on: [core, air]}
  - {id: rc-3, kind: robot, monitored_as: [rc-3], depends_on: [core, air]}
  - {id: hmi-1, kind: hmi, monitored_as: [hmi-1], depends_on: [plc-1]}
  - {id: hmi-2, kind: hmi, monitored_as: [hmi-2], depends_on: [plc-2]}
  - {id: hmi-3, kind: hmi, monitored_as: [hmi-3], depends_on: [plc-3]}
  - {id: cell-1, kind: service, monitored_as: [cell-1], depends_on: [rc-1, rc-2, rc-3]}
"""


def test_zabbix_average_alarms_through_a_proxy_are_answers_not_a_blind_proxy(make_sim):
    """Five machines raise Zabbix Average (minor) process alarms through the plant's proxy
    within a minute. An Average alert is a threshold Zabbix measured, not an Unknown (as a
    Nagios or PRTG minor is): the proxy reached those hosts, so it is not blamed."""
    sim = make_sim(AIR)
    for n, host in enumerate(["plc-1", "plc-2", "rc-1", "rc-2", "plc-3"]):
        sim.problem(
            10 * n,
            host,
            "Air pressure low (trap)",
            source=Source.ZABBIX,
            severity=Severity.MINOR,
            observer="proxy",
        )
    sim.advance(900)
    roots = {inc["root_cause"] for inc in sim.out()}
    assert "proxy" not in roots, sim.out()
    assert "core" not in roots, sim.out()


ZONES = """
version: 1
nodes:
  - {id: zone-a, kind: zone}
  - {id: zone-b, kind: zone}
  - {id: a1, kind: host, monitored_as: [a1], depends_on: [zone-a]}
  - {id: a2, kind: host, monitored_as: [a2], depends_on: [zone-a]}
  - {id: a3, kind: host, monitored_as: [a3], depends_on: [zone-a]}
  - {id: b1, kind: host, monitored_as: [b1], depends_on: [zone-b]}
  - {id: b2, kind: host, monitored_as: [b2], depends_on: [zone-b]}
  - {id: b3, kind: host, monitored_as: [b3], depends_on: [zone-b]}
  - {id: b4, kind: host, monitored_as: [b4], depends_on: [zone-b]}
  - {id: b5, kind: host, monitored_as: [b5], depends_on: [zone-b]}
  - {id: db, kind: database, monitored_as: [db], depends_on: [zone-b]}
  - {id: s1, kind: service, monitored_as: [s1], depends_on: [db, {any_of: [a2, b2]}]}
  - {id: s2, kind: service, monitored_as: [s2], depends_on: [db, {any_of: [a2, b2]}]}
  - {id: s3, kind: service, monitored_as: [s3], depends_on: [db, {any_of: [a3, b3]}]}
  - {id: s4, kind: service, monitored_as: [s4], depends_on: [db, {any_of: [a3, b3]}]}
  - id: prom
    kind: probe
    monitored_as: [prom]
    depends_on: [{any_of: [a1, b1]}]
"""


def test_a_zone_lost_under_one_replica_of_the_probe_is_an_outage_it_watched(make_sim):
    """Prometheus runs on a host in each zone; zone b goes and it reports every host there
    down at once. Losing zone b does not cut it off (its other replica still runs), so
    the burst is an outage it watched: rooted at the zone, not at the probe."""
    sim = make_sim(ZONES)
    prom = {"source": Source.ALERTMANAGER, "observer": "prom"}
    for n, host in enumerate(["b1", "b2", "b3", "b4", "b5", "db"]):
        sim.problem(5 * n, host, "NodeDown" if host != "db" else "PostgresqlDown", **prom)
    for n, service in enumerate(["s1", "s2", "s3", "s4"]):
        sim.problem(90 + 10 * n, service, "HighErrorRate", severity=Severity.WARNING, **prom)
    assert not sim.engine._observer_evidence("prom")
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "zone-b", sim.out()
    assert inc["root_cause_inferred"] is True


OPEN_RING = """
version: 1
nodes:
  - {id: core-w, kind: switch, monitored_as: [core-w]}
  - {id: core-e, kind: switch, monitored_as: [core-e]}
  - {id: lk0, kind: link, monitored_as: ["core-w!Ring west: Link down"]}
  - {id: lk1, kind: link, monitored_as: ["rs1!Port 2: Link down"]}
  - {id: lk2, kind: link, monitored_as: ["rs2!Port 2: Link down"]}
  - {id: lk3, kind: link, monitored_as: ["core-e!Ring east: Link down"]}
  - {id: w1, kind: path, depends_on: [lk0, core-w]}
  - {id: w2, kind: path, depends_on: [lk1, w1]}
  - {id: w3, kind: path, depends_on: [lk2, w2]}
  - {id: e3, kind: path, depends_on: [lk3, core-e]}
  - {id: e2, kind: path, depends_on: [lk2, e3]}
  - {id: e1, kind: path, depends_on: [lk1, e2]}
  - {id: rs1, kind: switch, monitored_as: [rs1], depends_on: [{any_of: [w1, e1]}]}
  - {id: rs2, kind: switch, monitored_as: [rs2], depends_on: [{any_of: [w2, e2]}]}
  - {id: rs3, kind: switch, monitored_as: [rs3], depends_on: [{any_of: [w3, e3]}]}
  - {id: plc-2, kind: plc, monitored_as: [plc-2], depends_on: [rs2]}
  - {id: plc-3, kind: plc, monitored_as: [plc-3], depends_on: [rs3]}
"""


def test_a_ring_cut_in_two_places_is_one_incident_at_the_first_cut(make_sim):
    """The ring's east cable breaks (the ring heals); five minutes later a second cable
    breaks and the switches between the two cuts, with what hangs off them, go dark.
    Neither cut alone explains them, both together do: one incident, rooted at the cable
    that broke first, holding the second cut too."""
    sim = make_sim(OPEN_RING)
    sim.problem(0, "core-e", "Ring east: Link down")
    sim.problem(300, "rs1", "Port 2: Link down")
    for n, host in enumerate(["rs2", "rs3", "plc-2", "plc-3"]):
        sim.problem(330 + 10 * n, host)
    sim.advance(1200)
    inc = sim.only()
    assert inc["root_cause"] == "lk3", sim.out()
    assert sorted(inc["nodes"]) == ["lk1", "lk3", "plc-2", "plc-3", "rs2", "rs3"]


DB_PAIR = """
version: 1
nodes:
  - {id: mgmt, kind: switch, monitored_as: [mgmt]}
  - {id: icinga, kind: probe, monitored_as: [icinga], depends_on: [mgmt]}
  - {id: db-p, kind: server, monitored_as: [db-p]}
  - {id: db-s, kind: server, monitored_as: [db-s]}
  - {id: web-1, kind: server, monitored_as: [web-1], depends_on: [{any_of: [db-p, db-s]}]}
  - {id: web-2, kind: server, monitored_as: [web-2], depends_on: [{any_of: [db-p, db-s]}]}
  - {id: web-3, kind: server, monitored_as: [web-3], depends_on: [{any_of: [db-p, db-s]}]}
  - {id: web-4, kind: server, monitored_as: [web-4], depends_on: [{any_of: [db-p, db-s]}]}
"""


def test_a_pair_lost_with_what_uses_it_is_an_outage_the_probe_watched(make_sim):
    """Both database servers of a pair go down and the web servers on them fail, all seen
    by one Icinga: the pair's own members failing are part of the pair's loss, so the
    burst is a local outage the probe watched, not the probe losing its path."""
    sim = make_sim(DB_PAIR)
    sim.problem(0, "db-p", observer="icinga")
    sim.problem(20, "db-s", observer="icinga")
    for n, host in enumerate(["web-1", "web-2", "web-3", "web-4"]):
        sim.problem(30 + 5 * n, host, "HTTPS", observer="icinga")
    assert not sim.engine._observer_evidence("icinga")
    sim.advance(900)
    inc = sim.only()
    assert inc["root_cause"] == "db-p", sim.out()
