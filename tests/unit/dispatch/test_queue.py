"""The dispatch queue: one ticket per incident; every later change is an action on it."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from correlator.correlate.engine import Engine, Status
from correlator.correlate.graph import GraphIndex
from correlator.correlate.settings import EngineSettings
from correlator.dispatch.model import TicketStatus
from correlator.dispatch.priority import Priority
from correlator.dispatch.queue import (
    MAX_LISTED_ALERTS,
    IncidentSnapshot,
    TicketActionKind,
    TicketMemory,
    decide_ticket,
    snapshot_of,
)
from correlator.model import Alert, Severity, Source, State
from topology.load import load_yaml_text

TEAM = "network"


def created(snap: IncidentSnapshot) -> TicketMemory:
    decision = decide_ticket(None, snap, team=TEAM)
    assert decision.memory is not None
    return decision.memory


def kinds(decision) -> list[TicketActionKind]:
    return [a.kind for a in decision.actions]


def test_first_announced_snapshot_creates_the_ticket(make_snapshot):
    """An announced incident without a ticket gets one, with priority, team and runbook."""
    snap = make_snapshot(services=frozenset({"shop"}), priority_reason="impact high")
    decision = decide_ticket(
        None, snap, team=TEAM, route_reason="team of root node", runbook="https://kb/x"
    )
    (action,) = decision.actions
    assert action.kind is TicketActionKind.CREATE
    assert action.reason == "new incident at P2 for network"
    assert action.draft is not None
    assert action.draft.incident_id == "INC-000001"
    assert (action.draft.priority, action.draft.team) == (Priority.P2, TEAM)
    assert action.draft.runbook == "https://kb/x"
    assert "Business services affected: shop" in action.draft.description
    assert "Runbook: https://kb/x" in action.draft.description
    assert decision.memory is not None
    assert decision.memory.status is TicketStatus.NEW


def test_no_ticket_inside_the_opening_hold(make_snapshot):
    """An incident not yet announced gets no ticket."""
    decision = decide_ticket(None, make_snapshot(announced=False), team=TEAM)
    assert decision.actions == ()
    assert decision.memory is None
    assert decision.reason == "no ticket yet: inside the opening hold"


def test_new_alerts_become_a_comment(make_snapshot):
    """New alerts on the incident are an update naming them, not a new ticket."""
    snap = make_snapshot()
    record = created(snap)
    later = replace(snap, alerts=snap.alerts | {"nagios:web-01!HTTP", "zabbix:db-01"})
    decision = decide_ticket(record, later, team=TEAM)
    (action,) = decision.actions
    assert action.kind is TicketActionKind.UPDATE
    assert action.comment == "2 new alerts: nagios:web-01!HTTP, zabbix:db-01"
    assert (action.priority, action.team, action.title) == (None, None, None)
    assert decision.memory is not None
    assert decision.memory.alerts == later.alerts


def test_long_alert_lists_are_cut_short(make_snapshot):
    """A comment names at most ten new alerts and counts the rest."""
    snap = make_snapshot()
    many = frozenset(f"nagios:web-{n:02d}" for n in range(25))
    decision = decide_ticket(created(snap), replace(snap, alerts=snap.alerts | many), team=TEAM)
    comment = decision.actions[0].comment
    assert comment is not None
    assert comment.endswith(f"and {25 - MAX_LISTED_ALERTS} more")


def test_re_rooting_says_from_what_to_what(make_snapshot, make_node):
    """A re-rooted incident updates its ticket's title and says from which root to which."""
    snap = make_snapshot()
    moved = replace(snap, root="bru-pdu-a", node=make_node("bru-pdu-a"), title="bru-pdu-a down")
    (action,) = decide_ticket(created(snap), moved, team=TEAM).actions
    assert action.comment == "re-rooted from bru-core-1 to bru-pdu-a"
    assert action.title == "bru-pdu-a down"


def test_priority_change_is_an_update_with_the_new_priority(make_snapshot):
    """A priority change updates the ticket's priority and says P3 -> P1 and why."""
    snap = make_snapshot(priority=Priority.P3)
    raised = replace(snap, priority=Priority.P1, priority_reason="impact high x urgency high")
    (action,) = decide_ticket(created(snap), raised, team=TEAM).actions
    assert action.priority is Priority.P1
    assert action.comment == "priority P3 -> P1 (impact high x urgency high)"


def test_team_change_reassigns(make_snapshot):
    """When routing gives another team, the update carries the new team."""
    snap = make_snapshot()
    (action,) = decide_ticket(created(snap), snap, team="dc-ops").actions
    assert action.team == "dc-ops"
    assert action.comment == "team network -> dc-ops"


def test_nothing_new_means_nothing_to_do(make_snapshot):
    """A snapshot that changes nothing the ticket shows gives no action."""
    snap = make_snapshot()
    record = created(snap)
    decision = decide_ticket(record, replace(snap, title="other counts"), team=TEAM)
    assert decision.actions == ()
    assert decision.memory == record
    assert decision.reason == "nothing new for the ticket"


def test_resolution_resolves_the_ticket(make_snapshot, t0):
    """A resolved incident resolves its ticket with a comment."""
    snap = make_snapshot()
    done = replace(snap, status=Status.RESOLVED, resolved_at=t0 + 600)
    decision = decide_ticket(created(snap), done, team=TEAM)
    (action,) = decision.actions
    assert action.kind is TicketActionKind.RESOLVE
    assert action.comment == "resolved: every alert has cleared"
    assert decision.memory is not None
    assert decision.memory.status is TicketStatus.RESOLVED
    assert not decision.memory.incident_open


def test_merged_incident_resolves_naming_the_survivor(make_snapshot):
    """An incident merged into another resolves its ticket pointing at the other incident."""
    snap = make_snapshot()
    merged = replace(snap, status=Status.MERGED, merged_into="INC-000007")
    (action,) = decide_ticket(created(snap), merged, team=TEAM).actions
    assert action.kind is TicketActionKind.RESOLVE
    assert action.comment == "merged into INC-000007: follow that incident's ticket"


def test_incident_resolved_before_its_ticket_is_still_logged(make_snapshot):
    """An incident that cleared before it had a ticket gets one, resolved at once."""
    decision = decide_ticket(None, make_snapshot(status=Status.RESOLVED), team=TEAM)
    assert kinds(decision) == [TicketActionKind.CREATE, TicketActionKind.RESOLVE]
    assert decision.memory is not None
    assert decision.memory.status is TicketStatus.RESOLVED


def test_reopened_incident_reopens_its_ticket(make_snapshot):
    """An incident that fails again after resolution reopens the same ticket."""
    snap = make_snapshot()
    done = decide_ticket(created(snap), replace(snap, status=Status.RESOLVED), team=TEAM).memory
    again = replace(snap, alerts=snap.alerts | {"nagios:bru-core-1!ping"})
    decision = decide_ticket(done, again, team=TEAM)
    (action,) = decision.actions
    assert action.kind is TicketActionKind.REOPEN
    assert action.comment == (
        "the incident failed again and reopened; 1 new alert: nagios:bru-core-1!ping"
    )
    assert decision.memory is not None
    assert decision.memory.status is TicketStatus.ASSIGNED


def test_person_resolved_ticket_is_reopened_only_when_alerts_keep_coming(make_snapshot):
    """A ticket a person resolved while the incident is open is reopened on new alerts only."""
    snap = make_snapshot()
    record = created(snap).with_status(TicketStatus.RESOLVED)
    assert decide_ticket(record, snap, team=TEAM).actions == ()
    more = replace(snap, alerts=snap.alerts | {"nagios:x"})
    (action,) = decide_ticket(record, more, team=TEAM).actions
    assert action.kind is TicketActionKind.REOPEN
    assert action.reason == "ticket resolved while the incident is open"


def test_closed_ticket_gets_comments_only(make_snapshot):
    """A closed ticket is final: changes become a comment, never a second ticket."""
    snap = make_snapshot()
    record = created(snap).with_status(TicketStatus.CLOSED)
    decision = decide_ticket(record, replace(snap, priority=Priority.P1), team=TEAM)
    (action,) = decision.actions
    assert action.kind is TicketActionKind.UPDATE
    assert action.comment is not None
    assert action.comment.startswith("after closure: priority P2 -> P1")


def test_person_reopened_ticket_is_not_resolved_again(make_snapshot):
    """After dispatch resolved a ticket, a person reopening it is left alone."""
    snap = make_snapshot()
    done = replace(snap, status=Status.RESOLVED)
    record = decide_ticket(created(snap), done, team=TEAM).memory
    assert record is not None
    reopened_by_person = record.with_status(TicketStatus.ASSIGNED)
    assert decide_ticket(reopened_by_person, done, team=TEAM).actions == ()


# -- from a live engine incident -----------------------------------------------------------

SITE = """
version: 1
nodes:
  - {id: bru-pdu-a, kind: power, team: dc-ops, site: bru-dc1}
  - {id: esx-01, kind: hypervisor, team: virt, site: bru-dc1, depends_on: [bru-pdu-a],
     monitored_as: [esx-01]}
  - {id: web-01, kind: vm, team: web, depends_on: [esx-01], monitored_as: [web-01]}
  - {id: shop-web, kind: application, team: web, depends_on: [web-01],
     monitored_as: ["web-01!HTTP"]}
  - {id: shop, kind: service, criticality: 1, depends_on: [shop-web]}
"""


def test_snapshot_of_a_live_incident(t0):
    """A live engine incident becomes a snapshot with root node, checks and services."""
    engine = Engine(load_yaml_text(SITE, "site.yaml"), EngineSettings(hold_s=0))
    for seq, (host, check) in enumerate([("esx-01", None), ("esx-01", "CPU")], start=1):
        alert = Alert(
            source=Source.NAGIOS,
            source_id=f"{host}!{check}",
            host=host,
            check=check,
            state=State.PROBLEM,
            severity=Severity.CRITICAL,
            raised_at=t0 + seq,
            received_at=t0 + seq,
        )
        engine.advance(t0 + seq)
        engine.handle(alert, seq=seq, event_id=f"e{seq}", now=t0 + seq)
    engine.advance(t0 + 60)
    (inc,) = engine.incidents()
    snap = snapshot_of(inc, GraphIndex(engine.topology))
    assert snap.incident_id == inc.id
    assert snap.root == "esx-01"
    assert snap.node is not None
    assert snap.node.team == "virt"
    assert snap.checks == ("CPU",)
    assert snap.services == frozenset({"shop"})
    assert snap.alerts == frozenset({"nagios:esx-01", "nagios:esx-01!CPU"})
    assert snap.announced
    assert snap.title == "esx-01 down: 2 alerts on 1 node"


# -- the property ------------------------------------------------------------------------

_snapshots = st.lists(
    st.tuples(
        st.sampled_from([Status.OPEN, Status.OPEN, Status.RESOLVED, Status.MERGED]),
        st.booleans(),  # announced
        st.sampled_from(list(Priority)),
        st.sampled_from(["bru-core-1", "bru-pdu-a", None]),
        st.frozensets(st.sampled_from(["a", "b", "c", "d"]), min_size=1),
        st.sampled_from([None, *TicketStatus]),  # what ticket sync saw meanwhile
        st.sampled_from(["network", "dc-ops"]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300)
@given(_snapshots)
def test_one_ticket_per_incident_whatever_the_snapshots(steps):
    """Whatever sequence of snapshots and ticket-system changes, one incident is created as
    a ticket at most once, and once it has a ticket it always keeps one."""
    record: TicketMemory | None = None
    creates = 0
    for status, announced, priority, root, alerts, synced, team in steps:
        if record is not None and synced is not None:
            record = record.with_status(synced)
        snap = IncidentSnapshot(
            incident_id="INC-000001",
            title=f"{root} down",
            status=status,
            announced=announced or record is not None,
            opened_at=0.0,
            priority=priority,
            root=root,
            subject=root or "web-99",
            alerts=alerts,
        )
        had_ticket = record is not None
        decision = decide_ticket(record, snap, team=team)
        made = [a for a in decision.actions if a.kind is TicketActionKind.CREATE]
        creates += len(made)
        assert not (had_ticket and made)
        assert len(made) <= 1
        assert all(a.reason for a in decision.actions)
        if had_ticket:
            assert decision.memory is not None
        record = decision.memory
    assert creates <= 1
