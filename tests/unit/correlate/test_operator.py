"""Operator commands: people merge, split and re-root incidents, and set maintenance.

Every manual decision is recorded as that person's (``manual`` and the explanation), is
refused with the status the API answers (404 unknown, 409 not open, 400 otherwise), and
pins the incident: the engine's own reviews, repartitions and merges never undo it, even
across a restart.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from correlator.bus.memory import InMemoryBus
from correlator.bus.topics import Topics
from correlator.clock import ManualClock
from correlator.correlate.engine import Engine, Incident, OperatorError, Status
from correlator.correlate.report import incident_json, incident_record
from correlator.correlate.service import CorrelatorService
from correlator.correlate.snapshot import export_state, import_state
from correlator.model import NoticeKind, Severity

Sim = Any  # conftest.Sim: the driver the make_sim fixture builds

# -- helpers ------------------------------------------------------------------------------


def summary(out: list[dict[str, Any]]) -> str:
    """Roots and alerts of incidents, for assertion messages."""
    return "; ".join(
        f"{i['id']} root={i['root_cause']} hosts={[a['host'] for a in i['alerts']]}" for i in out
    )


def unpin(sim: Sim) -> None:
    """Forget every manual decision (the control: what the engine does on its own)."""
    for inc in sim.engine.state_for_snapshot().incidents:
        inc.manual.clear()


def holding(sim: Sim, host: str, check: str | None = None) -> dict[str, Any]:
    """The one incident holding the alert on ``host``/``check``."""
    return sim.holding(host, check)


def refused(excinfo: pytest.ExceptionInfo[OperatorError]) -> int:
    """The status an operator error carries."""
    return excinfo.value.status


@pytest.fixture
def esx_storm(make_sim, site) -> Sim:
    """A hypervisor down with both its VMs: one incident rooted at esx-01."""
    sim = make_sim(site)
    sim.problem(0, "esx-01")
    sim.problem(5, "web-01")
    sim.problem(6, "db-01")
    assert sim.only()["root_cause"] == "esx-01"
    return sim


@pytest.fixture
def two_disks(make_sim, site) -> Sim:
    """Two unrelated disk warnings a few minutes apart: two incidents."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk")
    sim.problem(200, "db-01", "Disk")
    assert [i["root_cause"] for i in sim.out()] == ["web-01", "db-01"]
    return sim


# -- merge --------------------------------------------------------------------------------


def test_merge_moves_every_alert_into_the_first_and_records_who(two_disks, t0):
    """Merging takes the other's alerts and events, keeps the root, and names the person."""
    sim = two_disks
    kept = sim.engine.merge("INC-000001", "INC-000002", actor="bob", now=t0 + 300)
    assert kept.id == "INC-000001"
    out = sim.only()
    assert out["root_cause"] == "web-01"
    assert sorted(a["host"] for a in out["alerts"]) == ["db-01", "web-01"]
    assert out["events"] == ["e1", "e2"]
    assert out["manual"] == [
        {"at": t0 + 300, "actor": "bob", "action": "merge", "detail": "merged in INC-000002 "
         "(root db-01)"}
    ]  # fmt: skip
    assert out["explanation"][-1] == "merged in INC-000002 (root db-01) by bob (operator)"


def test_merged_incident_is_published_as_resolved_into_the_survivor(two_disks, t0):
    """The absorbed incident goes out as resolved with merged_into, and says who did it."""
    sim = two_disks
    sim.engine.merge("INC-000001", "INC-000002", actor="bob", now=t0 + 300)
    changed = {inc.id: inc for inc in sim.engine.drain_changes()}
    assert set(changed) == {"INC-000001", "INC-000002"}
    value = json.loads(incident_record(changed["INC-000002"], "t").value or b"{}")
    assert value["status"] == "resolved"
    assert value["merged_into"] == "INC-000001"
    assert value["manual"][0]["detail"] == "merged into INC-000001"


@pytest.mark.parametrize(
    ("into", "other", "status"),
    [
        ("INC-000009", "INC-000002", 404),
        ("INC-000001", "INC-000009", 404),
        ("nonsense", "INC-000002", 404),
        ("INC-000001", "INC-000001", 409),
    ],
)
def test_merge_refusals_carry_their_status(two_disks, t0, into, other, status):
    """Unknown incidents are 404, merging an incident into itself is 409."""
    with pytest.raises(OperatorError) as excinfo:
        two_disks.engine.merge(into, other, actor="bob", now=t0 + 300)
    assert refused(excinfo) == status
    assert all(not i["manual"] for i in two_disks.out())


def test_merge_of_an_incident_that_is_not_open_is_409(two_disks, t0):
    """A merged or resolved incident cannot take part in a merge."""
    sim = two_disks
    sim.engine.merge("INC-000001", "INC-000002", actor="bob", now=t0 + 300)
    with pytest.raises(OperatorError) as excinfo:
        sim.engine.merge("INC-000001", "INC-000002", actor="bob", now=t0 + 301)
    assert refused(excinfo) == 409
    assert "merged into INC-000001" in str(excinfo.value)
    sim.ok(400, "web-01", "Disk")
    sim.ok(400, "db-01", "Disk")
    sim.problem(500, "core-2")
    sim.advance(2000)
    assert sim.out()[0]["status"] == "resolved"
    with pytest.raises(OperatorError) as excinfo:
        sim.engine.merge("INC-000003", "INC-000001", actor="bob", now=t0 + 2000)
    assert refused(excinfo) == 409


def test_an_operator_command_needs_an_actor(two_disks, t0):
    """A command without a person's name is a 400."""
    with pytest.raises(OperatorError) as excinfo:
        two_disks.engine.merge("INC-000001", "INC-000002", actor=" ", now=t0 + 300)
    assert refused(excinfo) == 400


def test_merged_incident_is_not_split_again_by_the_engine(make_sim, site, t0):
    """The engine's repartition would separate the two disks again; the merge pin stops it."""
    for pinned in (True, False):
        sim = make_sim(site)
        sim.problem(0, "web-01", "Disk")
        sim.problem(200, "db-01", "Disk")
        sim.engine.merge("INC-000001", "INC-000002", actor="bob", now=t0 + 300)
        if not pinned:
            unpin(sim)
        sim.advance(3000)  # every review timer fires
        sim.problem(3010, "web-01", "Memory", severity=Severity.WARNING)
        sim.advance(6000)
        out = sim.out()
        if pinned:
            assert len(out) == 1, summary(out)
            assert {a["host"] for a in out[0]["alerts"]} == {"web-01", "db-01"}
            assert out[0]["events"] == ["e1", "e2", "e3"]
        else:  # the control: on its own the engine does undo the merge
            assert len(out) == 2, summary(out)


# -- split --------------------------------------------------------------------------------


def test_split_moves_the_alerts_into_a_new_incident_with_its_own_root(esx_storm, t0):
    """The split-out alert gets a fresh incident, rooted where the engine would root it."""
    sim = esx_storm
    new = sim.engine.split("INC-000001", [("nagios", "db-01")], actor="carol", now=t0 + 30)
    assert new.id == "INC-000002"
    original, split = sim.out()
    assert original["root_cause"] == "esx-01"
    assert [a["host"] for a in original["alerts"]] == ["esx-01", "web-01"]
    assert original["events"] == ["e1", "e2"]
    assert split["root_cause"] == "db-01"
    assert split["root_cause_inferred"] is False
    assert split["team"] == "dba"
    assert split["alerts"][0]["source_id"] == "db-01"
    assert split["events"] == ["e3"]
    assert split["manual"][0]["actor"] == "carol"
    assert split["manual"][0]["action"] == "split"
    assert original["manual"][0]["detail"] == "split out nagios:db-01 to INC-000002"
    assert original["explanation"][-1] == "split out nagios:db-01 to INC-000002 by carol (operator)"


def test_split_never_roots_the_new_incident_at_the_old_root(esx_storm, t0):
    """Alerts split away from esx-01 are not blamed on esx-01 again."""
    sim = esx_storm
    new = sim.engine.split(
        "INC-000001", [("nagios", "web-01"), ("nagios", "db-01")], actor="carol", now=t0 + 30
    )
    assert new.root not in (None, "esx-01")
    assert {a.host for a in new.alerts.values()} == {"web-01", "db-01"}


def test_split_out_alerts_stay_out_through_reviews_and_new_alerts(make_sim, site, t0):
    """Review timers and new alerts do not merge a split incident back (they would unpinned)."""
    for pinned in (True, False):
        sim = make_sim(site)
        sim.problem(0, "esx-01")
        sim.problem(5, "web-01")
        sim.problem(6, "db-01")
        sim.engine.split("INC-000001", [("nagios", "db-01")], actor="carol", now=t0 + 30)
        if not pinned:
            unpin(sim)
        sim.advance(2000)
        sim.problem(2010, "db-01", "Disk", severity=Severity.WARNING)
        sim.problem(2020, "dist-1")
        sim.advance(4000)
        if pinned:
            assert holding(sim, "db-01")["id"] == "INC-000002"
            assert holding(sim, "esx-01")["id"] == "INC-000001"
            assert holding(sim, "esx-01")["root_cause"] == "esx-01"
            assert holding(sim, "db-01")["root_cause"] == "db-01"
            # a new alert on db-01 still joins the incident db-01 is in, as usual
            assert holding(sim, "db-01", "Disk")["id"] == "INC-000002"
        else:  # the control: on its own the engine merges them back
            assert holding(sim, "db-01")["id"] == holding(sim, "esx-01")["id"]


@pytest.mark.parametrize(
    ("incident", "alerts", "status"),
    [
        ("INC-000009", [("nagios", "db-01")], 404),
        ("INC-000001", [("nagios", "nope")], 404),
        ("INC-000001", [("zabbix", "db-01")], 404),
        ("INC-000001", [], 400),
        ("INC-000001", [("nagios", "esx-01"), ("nagios", "web-01"), ("nagios", "db-01")], 400),
    ],
)
def test_split_refusals_carry_their_status(esx_storm, t0, incident, alerts, status):
    """Unknown incident or alert is 404; nothing named, or everything named, is 400."""
    with pytest.raises(OperatorError) as excinfo:
        esx_storm.engine.split(incident, alerts, actor="carol", now=t0 + 30)
    assert refused(excinfo) == status
    assert len(esx_storm.out()) == 1
    assert esx_storm.only()["manual"] == []


def test_split_of_a_resolved_incident_is_409(esx_storm, t0):
    """Only an open incident can be split."""
    sim = esx_storm
    for host in ("esx-01", "web-01", "db-01"):
        sim.ok(50, host)
    sim.advance(1000)
    with pytest.raises(OperatorError) as excinfo:
        sim.engine.split("INC-000001", [("nagios", "db-01")], actor="carol", now=t0 + 1000)
    assert refused(excinfo) == 409


# -- re-root ------------------------------------------------------------------------------


def test_reroot_at_a_silent_node_is_inferred_and_takes_its_team(esx_storm, t0):
    """Re-rooting at the unmonitored PDU: inferred root, the facilities team, a named line."""
    sim = esx_storm
    sim.engine.reroot("INC-000001", "pdu-a", actor="alice", now=t0 + 30)
    out = sim.only()
    assert out["root_cause"] == "pdu-a"
    assert out["root_cause_inferred"] is True
    assert out["team"] == "facilities"
    assert out["manual"] == [
        {"at": t0 + 30, "actor": "alice", "action": "reroot", "detail": "re-rooted at pdu-a"}
    ]
    assert out["explanation"][-1] == "re-rooted at pdu-a by alice (operator)"


def test_reroot_at_an_alerting_node_is_not_inferred(esx_storm, t0):
    """Re-rooting at a node that raised an alert gives a root that is not inferred."""
    sim = esx_storm
    sim.engine.reroot("INC-000001", "web-01", actor="alice", now=t0 + 30)
    out = sim.only()
    assert out["root_cause"] == "web-01"
    assert out["root_cause_inferred"] is False
    assert out["team"] == "systems"


def test_reroot_recomputes_priority_from_the_new_root(make_sim, site, t0):
    """Priority is recomputed for the new root as the engine does for its own roots: a
    lone member of a redundant pair lowers it, a root whose failure reaches the shop not."""
    sim = make_sim(site)
    sim.problem(0, "web-01", "Disk", severity=Severity.WARNING)
    assert sim.only()["priority"] == "P3"
    sim.engine.reroot("INC-000001", "core-2", actor="alice", now=t0 + 30)
    assert sim.only()["priority"] == "P5"
    assert "redundancy still holds" in sim.only()["priority_reason"]
    assert sim.only()["team"] == "network"
    sim.engine.reroot("INC-000001", "pdu-a", actor="alice", now=t0 + 40)
    assert sim.only()["priority"] == "P3"
    assert [m["detail"] for m in sim.only()["manual"]] == [
        "re-rooted at core-2",
        "re-rooted at pdu-a",
    ]


def test_rerooted_incident_keeps_its_root_through_reviews_and_new_alerts(make_sim, site, t0):
    """Review timers and a deeper alert do not move a person's root (they would unpinned)."""
    for pinned in (True, False):
        sim = make_sim(site)
        sim.problem(0, "esx-01")
        sim.problem(5, "web-01")
        sim.engine.reroot("INC-000001", "pdu-a", actor="alice", now=t0 + 30)
        if not pinned:
            unpin(sim)
        sim.advance(2000)  # every review timer fires
        sim.problem(2010, "dist-1")
        sim.problem(2011, "web-01", "Load", severity=Severity.WARNING)
        sim.advance(4000)
        if pinned:
            inc = holding(sim, "esx-01")
            assert inc["id"] == "INC-000001"
            assert inc["root_cause"] == "pdu-a"
            assert inc["root_cause_inferred"] is True
            # a new alert on a node already failing there still joins it
            assert holding(sim, "web-01", "Load")["id"] == "INC-000001"
            assert holding(sim, "dist-1")["id"] != "INC-000001"
        else:  # the control: on its own the engine re-roots it
            assert holding(sim, "esx-01")["root_cause"] != "pdu-a"


@pytest.mark.parametrize(
    ("incident", "node", "status"),
    [("INC-000009", "pdu-a", 404), ("INC-000001", "no-such-node", 404)],
)
def test_reroot_refusals_carry_their_status(esx_storm, t0, incident, node, status):
    """An unknown incident or a node outside the topology is a 404."""
    with pytest.raises(OperatorError) as excinfo:
        esx_storm.engine.reroot(incident, node, actor="alice", now=t0 + 30)
    assert refused(excinfo) == status
    assert esx_storm.only()["root_cause"] == "esx-01"


def test_reroot_of_a_merged_incident_is_409(two_disks, t0):
    """A merged incident is no longer open: 409, naming where it went."""
    sim = two_disks
    sim.engine.merge("INC-000001", "INC-000002", actor="bob", now=t0 + 300)
    with pytest.raises(OperatorError) as excinfo:
        sim.engine.reroot("INC-000002", "pdu-a", actor="alice", now=t0 + 301)
    assert refused(excinfo) == 409


def test_reroot_places_an_unplaced_incident(make_sim, site, t0):
    """An alert on a host the topology does not know can be given a root by a person."""
    sim = make_sim(site)
    sim.problem(0, "mystery-box")
    assert sim.only()["root_cause"] is None
    sim.engine.reroot("INC-000001", "core-2", actor="alice", now=t0 + 30)
    out = sim.only()
    assert out["root_cause"] == "core-2"
    assert out["team"] == "network"
    sim.problem(40, "mystery-box", "Disk")  # later alerts of that host go their own way
    assert len(sim.out()) == 2


# -- snapshot -----------------------------------------------------------------------------


def restarted(sim: Sim) -> Sim:
    """The same engine state, through JSON, in a fresh engine (a daemon restart)."""
    data = json.loads(json.dumps(export_state(sim.engine)))
    engine = Engine(sim.engine.topology, sim.engine.settings)
    import_state(engine, data)
    return dataclasses.replace(sim, engine=engine, decisions=[])


def test_pins_survive_a_restart(make_sim, site, t0):
    """After a restart the manual decisions are still listed and still hold against reviews."""
    sim = make_sim(site)
    sim.problem(0, "esx-01")
    sim.problem(5, "web-01")
    sim.problem(6, "db-01")
    sim.engine.split("INC-000001", [("nagios", "db-01")], actor="carol", now=t0 + 30)
    sim.engine.reroot("INC-000001", "pdu-a", actor="alice", now=t0 + 31)
    before = {i["id"]: i["manual"] for i in sim.out()}
    again = restarted(sim)
    assert {i["id"]: i["manual"] for i in again.out()} == before
    again.advance(2000)
    again.problem(2010, "dist-1")
    again.advance(4000)
    assert holding(again, "esx-01")["root_cause"] == "pdu-a"
    assert holding(again, "db-01")["id"] == "INC-000002"
    assert holding(again, "db-01")["root_cause"] == "db-01"


def test_operator_maintenance_survives_a_restart(make_sim, site, t0):
    """The nodes in operator windows come back with the snapshot."""
    sim = make_sim(site)
    sim.engine.set_operator_maintenance(frozenset({"core-2"}), t0)
    again = restarted(sim)
    again.problem(10, "core-2")
    again.advance(1000)
    assert again.only()["maintenance"] is True
    assert again.only()["pages"] == 0


def test_a_snapshot_without_manual_decisions_still_loads(esx_storm):
    """Snapshots written before operator commands existed restore with no pins."""
    data = json.loads(json.dumps(export_state(esx_storm.engine)))
    for raw in data["incidents"]:
        del raw["manual"]
    del data["maintenance"]["operator_nodes"]
    engine = Engine(esx_storm.engine.topology)
    assert import_state(engine, data) == 1
    assert [i.manual for i in engine.incidents()] == [[]]


# -- operator maintenance -----------------------------------------------------------------


def test_operator_maintenance_suppresses_pages_until_it_ends(make_sim, site, t0):
    """Under an operator window a failure pages nobody; after the window, failures page."""
    sim = make_sim(site)
    sim.engine.set_operator_maintenance(frozenset({"core-2"}), t0)
    sim.problem(0, "core-2")
    sim.advance(500)
    inc = sim.only()
    assert inc["maintenance"] is True
    assert inc["pages"] == 0
    sim.engine.set_operator_maintenance(frozenset(), t0 + 600)
    assert sim.only()["maintenance"] is False
    assert sim.only()["explanation"][-1] == "operator maintenance window ended"
    sim.problem(700, "san-01")
    sim.advance(1200)
    assert holding(sim, "san-01")["pages"] == 1


def test_operator_maintenance_applies_to_open_incidents_and_is_published(make_sim, site, t0):
    """A window started on an open incident's root marks it, publishes it, and stops the page."""
    sim = make_sim(site)
    sim.problem(0, "core-2")
    sim.engine.drain_changes()
    sim.engine.set_operator_maintenance(frozenset({"core-2"}), t0 + 10)
    assert [i.id for i in sim.engine.drain_changes()] == ["INC-000001"]
    sim.advance(500)  # the opening hold ends under maintenance
    assert sim.only()["maintenance"] is True
    assert sim.only()["pages"] == 0


def test_operator_maintenance_combines_with_downtime_notices(make_sim, site, t0):
    """Ending an operator window leaves a tool's downtime on the same node in force."""
    sim = make_sim(site)
    sim.notice(0, NoticeKind.DOWNTIME_START, "core-2")
    sim.engine.set_operator_maintenance(frozenset({"core-2"}), t0 + 1)
    sim.engine.set_operator_maintenance(frozenset(), t0 + 2)
    sim.problem(10, "core-2")
    sim.advance(500)
    assert sim.only()["maintenance"] is True
    assert sim.only()["pages"] == 0


# -- the service --------------------------------------------------------------------------


@pytest.fixture
async def bus() -> AsyncIterator[InMemoryBus]:
    """A started in-memory bus."""
    memory = InMemoryBus()
    await memory.start()
    try:
        yield memory
    finally:
        await memory.stop()


async def published(bus: InMemoryBus, topics: Topics) -> dict[str, dict[str, Any]]:
    """Latest value per incident id on the incidents topic."""
    consumer = await bus.consumer([topics.incidents], "reader")
    latest: dict[str, dict[str, Any]] = {}
    try:
        for message in await consumer.getmany(0.1, 1000):
            assert message.key is not None
            latest[message.key.decode()] = json.loads(message.value or b"{}")
    finally:
        await consumer.stop()
    return latest


def service_for(sim: Sim, bus: InMemoryBus, **kwargs: Any) -> CorrelatorService:
    """A correlator stage around the simulated engine, at the engine's time."""
    clock = ManualClock(sim.engine.now)
    return CorrelatorService(bus, Topics(), sim.engine, clock, **kwargs)


async def test_execute_publishes_the_change_before_answering(esx_storm, bus, t0):
    """A queued command runs at the next step; its changes are on the topic when it returns."""
    service = service_for(esx_storm, bus)
    esx_storm.engine.drain_changes()
    result = service.execute(
        lambda engine, now: engine.reroot("INC-000001", "pdu-a", actor="alice", now=now)
    )
    await service.step([])
    inc = await result
    assert isinstance(inc, Incident)
    assert inc.root == "pdu-a"
    value = (await published(bus, Topics()))["INC-000001"]
    assert value["root_cause"] == "pdu-a"
    assert value["manual"][0]["actor"] == "alice"
    assert service.stats.commands == 1


async def test_execute_propagates_the_refusal(esx_storm, bus):
    """A refused command raises its OperatorError, with its status, at the awaiting caller."""
    service = service_for(esx_storm, bus)
    result = service.execute(
        lambda engine, now: engine.reroot("INC-000001", "nowhere", actor="alice", now=now)
    )
    await service.step([])
    with pytest.raises(OperatorError) as excinfo:
        await result
    assert excinfo.value.status == 404


async def test_a_running_service_answers_a_command_without_waiting_for_the_poll(esx_storm, bus):
    """The loop wakes up for a command instead of sleeping out its poll interval."""
    service = service_for(esx_storm, bus, poll_s=30.0)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    try:
        await asyncio.sleep(0.05)
        result = service.execute(
            lambda engine, now: (
                engine.split("INC-000001", [("nagios", "db-01")], actor="carol", now=now).id
            )
        )
        assert await asyncio.wait_for(result, 5) == "INC-000002"
        value = (await published(bus, Topics()))["INC-000002"]
        assert value["status"] == Status.OPEN.value
        assert value["manual"][0]["action"] == "split"
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)  # the stop, too, does not wait for the poll


async def test_a_command_queued_when_the_loop_stops_is_refused_not_lost(esx_storm, bus):
    """A command still queued when the loop ends fails instead of hanging its caller."""
    service = service_for(esx_storm, bus, poll_s=0.05)
    stop = asyncio.Event()
    stop.set()
    result = service.execute(lambda _engine, _now: "never")
    await service.run(stop)
    with pytest.raises(RuntimeError):
        await result


async def test_maintenance_is_read_every_step_and_applied_on_change(make_sim, site, bus):
    """The maintenance callback is asked at each step; the engine hears only of changes."""
    sim = make_sim(site)
    windows: list[frozenset[str]] = [frozenset({"core-2"})]
    asked: list[float] = []
    applied: list[frozenset[str]] = []

    def maintenance(now: float) -> frozenset[str]:
        asked.append(now)
        return windows[-1]

    real = sim.engine.set_operator_maintenance

    def spy(nodes: frozenset[str], now: float) -> None:
        applied.append(nodes)
        real(nodes, now)

    sim.engine.set_operator_maintenance = spy  # type: ignore[method-assign]
    service = service_for(sim, bus, maintenance=maintenance)
    await service.step([])
    await service.step([])
    windows.append(frozenset())
    await service.step([])
    assert len(asked) == 3
    assert applied == [frozenset({"core-2"}), frozenset()]


async def test_a_failing_maintenance_lookup_keeps_the_last_windows(make_sim, site, bus):
    """A maintenance callback that raises is logged and the windows in force stay."""
    sim = make_sim(site)
    answers: list[frozenset[str] | None] = [frozenset({"core-2"}), None]

    def maintenance(_now: float) -> frozenset[str]:
        answer = answers.pop(0)
        if answer is None:
            raise OSError("store unavailable")
        return answer

    service = service_for(sim, bus, maintenance=maintenance)
    await service.step([])
    await service.step([])
    sim.problem(10, "core-2")
    assert incident_json(sim.engine.incidents()[0])["maintenance"] is True
