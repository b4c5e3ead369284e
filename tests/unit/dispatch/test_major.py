"""Major incidents from bursts of one signature, and problem records for repeated failures."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from correlator.dispatch.major import (
    MajorAction,
    MajorState,
    Opening,
    ProblemAction,
    ProblemState,
    close_problem,
    expire_major,
    expire_problems,
    observe_failure,
    observe_opening,
    raised,
    signature_keys,
    withdraw,
)
from correlator.dispatch.priority import Priority
from correlator.dispatch.settings import MajorIncidentSettings, ProblemSettings

MAJOR = MajorIncidentSettings()
PROBLEM = ProblemSettings()


def opening(n: int, at: float, **fields) -> Opening:
    fields.setdefault("priority", Priority.P3)
    fields.setdefault("kind", f"kind-{n}")
    fields.setdefault("site", "bru-dc1")
    return Opening(f"INC-{n:06d}", at, **fields)


def feed(openings, settings=MAJOR, state=None):
    state = state or MajorState()
    decisions = []
    for o in openings:
        state, decision = observe_opening(state, o, settings)
        decisions.append(decision)
    return state, decisions


def test_five_incidents_on_one_site_within_ten_minutes_raise_a_major(t0):
    """The fifth incident of the same site within 10 minutes raises one major incident."""
    state, decisions = feed(opening(n, t0 + 60 * n) for n in range(1, 6))
    assert [d.action for d in decisions] == [MajorAction.NONE] * 4 + [MajorAction.RAISED]
    major = decisions[-1].major
    assert major is not None
    assert major.id == "MAJ-000001"
    assert major.members == tuple(f"INC-{n:06d}" for n in range(1, 6))
    assert major.signature == (("site", "bru-dc1"),)
    assert major.priority is Priority.P2  # raised one step above the members' P3
    assert decisions[-1].reason.startswith("5 incidents with the same site 'bru-dc1' within 600s")
    assert decisions[3].reason == "4 of 5 incidents with the same site 'bru-dc1' within 600s"
    assert state.issued == 1


def test_openings_outside_the_window_do_not_count(t0):
    """Five incidents spread over more than the window raise nothing."""
    _, decisions = feed(opening(n, t0 + 200 * n) for n in range(1, 6))
    assert all(d.action is MajorAction.NONE for d in decisions)


def test_later_members_join_the_major_once_raised(t0):
    """After the major is raised, more incidents of the signature join it, not a new one."""
    state, decisions = feed(opening(n, t0 + 10 * n) for n in range(1, 8))
    assert [d.action for d in decisions[4:]] == [
        MajorAction.RAISED,
        MajorAction.JOINED,
        MajorAction.JOINED,
    ]
    assert len(state.active) == 1
    assert len(state.active[0].members) == 7
    assert decisions[-1].reason == "INC-000007 joins MAJ-000001 (same site 'bru-dc1'): 7 members"


def test_a_more_urgent_member_raises_the_major_never_lowers_it(t0):
    """A P1 member raises the major to P1; a later P5 member does not lower it."""
    first = [opening(n, t0 + n) for n in range(1, 6)]
    state, _ = feed([*first, opening(6, t0 + 6, priority=Priority.P1)])
    assert state.active[0].priority is Priority.P1
    state, decision = observe_opening(state, opening(7, t0 + 7, priority=Priority.P5), MAJOR)
    assert decision.action is MajorAction.JOINED
    assert not decision.priority_raised
    assert state.active[0].priority is Priority.P1


def test_a_new_burst_after_a_quiet_window_raises_a_new_major(t0):
    """Once no member came for the window, the next burst raises a second major incident."""
    state, _ = feed(opening(n, t0 + n) for n in range(1, 6))
    later = [opening(n, t0 + 5000 + n) for n in range(6, 11)]
    state, decisions = feed(later, state=state)
    assert decisions[0].action is MajorAction.NONE
    assert decisions[-1].action is MajorAction.RAISED
    assert decisions[-1].major is not None
    assert decisions[-1].major.id == "MAJ-000002"


def test_composite_signature_needs_every_field_equal(t0):
    """With ``kind+site``, only incidents of the same kind on the same site count together."""
    settings = MajorIncidentSettings(signatures=(("kind", "site"),), count=3)
    mixed = [
        opening(1, t0, kind="firewall"),
        opening(2, t0 + 1, kind="firewall", site="ams-dc1"),
        opening(3, t0 + 2, kind="switch"),
        opening(4, t0 + 3, kind="firewall"),
        opening(5, t0 + 4, kind="firewall"),
    ]
    _, decisions = feed(mixed, settings)
    assert decisions[-1].action is MajorAction.RAISED
    assert decisions[-1].major is not None
    assert decisions[-1].major.members == ("INC-000001", "INC-000004", "INC-000005")


def test_service_signature_counts_each_affected_service(t0):
    """Incidents taking down the same business service count together, whatever their site."""
    settings = MajorIncidentSettings(signatures=(("service",),), count=3)
    services = [{"shop", "crm"}, {"shop"}, {"crm", "shop"}]
    openings = [
        opening(n, t0 + n, site=f"s{n}", services=frozenset(s))
        for n, s in enumerate(services, start=1)
    ]
    _, decisions = feed(openings, settings)
    assert decisions[-1].action is MajorAction.RAISED
    assert decisions[-1].major is not None
    assert decisions[-1].major.signature == (("service", "shop"),)  # crm is on two only


def test_an_incident_belongs_to_one_major_only(t0):
    """Members of a site major are not counted again toward a kind major."""
    same = [opening(n, t0 + n, kind="switch") for n in range(1, 6)]
    state, decisions = feed(same)
    assert [d.action for d in decisions].count(MajorAction.RAISED) == 1
    assert state.recent == ()


def test_unplaced_incident_has_no_signature(t0):
    """An incident with no kind, site or service is never part of a burst."""
    state, decision = observe_opening(MajorState(), Opening("INC-000001", t0, Priority.P2), MAJOR)
    assert decision.action is MajorAction.NONE
    assert "no signature" in decision.reason
    assert state.recent == ()


def test_detection_can_be_switched_off(t0):
    """With ``enabled: false`` nothing is ever raised."""
    _, decisions = feed(
        (opening(n, t0 + n) for n in range(1, 10)), MajorIncidentSettings(enabled=False)
    )
    assert {d.action for d in decisions} == {MajorAction.NONE}


def test_the_same_incident_is_counted_once(t0):
    """Observing the same opening twice does not count it twice."""
    state, _ = feed([opening(1, t0)])
    state, decision = observe_opening(state, opening(1, t0 + 1), MAJOR)
    assert decision.reason == "INC-000001 already counted"
    assert len(state.recent) == 1


def test_withdrawn_incident_no_longer_counts(t0):
    """An incident merged into another is withdrawn and stops counting toward a burst."""
    state, _ = feed(opening(n, t0 + n) for n in range(1, 5))
    state = withdraw(state, "INC-000002")
    state, decision = observe_opening(state, opening(5, t0 + 5), MAJOR)
    assert decision.action is MajorAction.NONE


def test_expiry_forgets_old_openings_and_quiet_bursts(t0):
    """Expiry drops openings and majors older than the window."""
    state, _ = feed(opening(n, t0 + n) for n in range(1, 7))
    assert state.active
    state = expire_major(state, t0 + 10_000, MAJOR)
    assert state.active == ()
    assert state.recent == ()


def test_opening_of_a_snapshot_takes_kind_site_and_services(make_snapshot):
    """An opening carries the root's kind and site and the services the snapshot names."""
    snap = make_snapshot(services=frozenset({"shop"}))
    found = Opening.of(snap)
    assert (found.kind, found.site, found.services) == ("switch", "bru-dc1", frozenset({"shop"}))
    assert signature_keys(found, MAJOR.signatures) == (
        (("service", "shop"),),
        (("kind", "switch"),),
        (("site", "bru-dc1"),),
    )


def test_raised_priority_stops_at_p1():
    """Raising a priority by some steps never goes above P1."""
    assert raised(Priority.P3, 1) is Priority.P2
    assert raised(Priority.P2, 5) is Priority.P1
    assert raised(Priority.P4, 0) is Priority.P4


@given(
    st.lists(
        st.tuples(
            st.floats(0, 3000),
            st.sampled_from(["a", "b", None]),
            st.sampled_from(["s1", "s2", None]),
            st.sampled_from(list(Priority)),
        ),
        max_size=40,
    )
)
def test_majors_are_raised_once_per_burst_and_never_share_members(items):
    """Whatever the openings, every incident is in at most one major, ids are sequential,
    and a major's priority is never below its raised most urgent member."""
    state = MajorState()
    raised_ids: list[str] = []
    members: dict[str, str] = {}
    for n, (at, kind, site, priority) in enumerate(sorted(items, key=lambda i: i[0])):
        o = Opening(f"INC-{n:06d}", at, priority, kind=kind, site=site)
        state, decision = observe_opening(state, o, MAJOR)
        if decision.action is MajorAction.RAISED:
            assert decision.major is not None
            raised_ids.append(decision.major.id)
        if decision.major is not None:
            for member in decision.major.members:
                assert members.setdefault(member, decision.major.id) == decision.major.id
            assert decision.major.priority.rank <= raised(o.priority, MAJOR.raise_by).rank
    assert raised_ids == [f"MAJ-{i:06d}" for i in range(1, len(raised_ids) + 1)]


# -- problem records -----------------------------------------------------------------------


def failures(root: str, times, state=None, settings=PROBLEM, first: int = 1):
    state = state or ProblemState()
    decisions = []
    for n, at in enumerate(times, start=first):
        state, decision = observe_failure(
            state, root=root, incident_id=f"INC-{n:06d}", at=at, settings=settings
        )
        decisions.append(decision)
    return state, decisions


def test_third_failure_of_a_root_within_a_day_raises_a_problem(t0):
    """The same root failing three times within the window raises one problem record."""
    _, decisions = failures("esx-01", [t0, t0 + 3600, t0 + 7200])
    assert [d.action for d in decisions] == [
        ProblemAction.NONE,
        ProblemAction.NONE,
        ProblemAction.RAISED,
    ]
    record = decisions[-1].record
    assert record is not None
    assert (record.id, record.root) == ("PRB-000001", "esx-01")
    assert record.incidents == ("INC-000001", "INC-000002", "INC-000003")
    assert decisions[1].reason == "esx-01 failed 2 of 3 times within 86400s"


def test_later_failures_are_linked_not_raised_again(t0):
    """Once a root has a problem record, further incidents are linked to it."""
    state, decisions = failures("esx-01", [t0, t0 + 1, t0 + 2, t0 + 3, t0 + 90_000])
    assert [d.action for d in decisions[2:]] == [
        ProblemAction.RAISED,
        ProblemAction.LINKED,
        ProblemAction.LINKED,
    ]
    assert state.records["esx-01"].incidents[-1] == "INC-000005"
    assert state.issued == 1


def test_failures_spread_beyond_the_window_raise_nothing(t0):
    """Three failures more than a day apart are not a problem record."""
    _, decisions = failures("esx-01", [t0, t0 + 50_000, t0 + 100_000])
    assert {d.action for d in decisions} == {ProblemAction.NONE}


def test_roots_are_counted_separately(t0):
    """Failures of different roots do not add up."""
    state, _ = failures("esx-01", [t0, t0 + 1])
    _, decisions = failures("esx-02", [t0 + 2], state=state, first=3)
    assert decisions[0].action is ProblemAction.NONE


def test_a_closed_problem_lets_a_new_one_be_raised(t0):
    """After the problem record is closed, a new run of failures raises a new one."""
    state, _ = failures("esx-01", [t0, t0 + 1, t0 + 2])
    state = close_problem(state, "esx-01")
    state, decisions = failures("esx-01", [t0 + 3, t0 + 4, t0 + 5], state=state, first=4)
    assert decisions[-1].action is ProblemAction.RAISED
    assert decisions[-1].record is not None
    assert decisions[-1].record.id == "PRB-000002"


def test_problem_records_can_be_switched_off(t0):
    """With ``enabled: false`` no problem record is raised."""
    _, decisions = failures("x", [t0, t0, t0, t0], settings=ProblemSettings(enabled=False))
    assert {d.action for d in decisions} == {ProblemAction.NONE}


def test_expiry_forgets_old_failures(t0):
    """Expiry drops failures older than the window."""
    state, _ = failures("esx-01", [t0, t0 + 1])
    assert expire_problems(state, t0 + 100_000, PROBLEM).history == {}


@given(st.lists(st.tuples(st.floats(0, 300_000), st.sampled_from(["r1", "r2", "r3"]))))
def test_one_problem_record_per_root_until_closed(items):
    """Whatever the failures, each root raises at most one problem record (none closed)."""
    state = ProblemState()
    raised_roots: list[str] = []
    for n, (at, root) in enumerate(sorted(items)):
        state, decision = observe_failure(
            state, root=root, incident_id=f"INC-{n}", at=at, settings=PROBLEM
        )
        if decision.action is ProblemAction.RAISED:
            raised_roots.append(root)
    assert len(raised_roots) == len(set(raised_roots))
