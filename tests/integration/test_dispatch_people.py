# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""People and dispatch: operator actions (acknowledge, assign, note), two-way sync with the
built-in queue, the same ticket reopened, the end of a major incident, the NOC link.

Each test drives the engine, a DispatchService on a SQLite store, the built-in queue, a
recording pager and the outbox worker with a manual clock (``Stage`` of test_dispatch).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from test_dispatch import (
    DISPATCH,
    MAJOR,
    MAJOR_TOPOLOGY,
    STORE_FILE,
    T0,
    Stage,
    _fail_switches,
    _nagios_down,
)

from correlator.bus.memory import InMemoryBus
from correlator.bus.protocol import Message
from correlator.bus.topics import Topics
from correlator.clock import ManualClock
from correlator.correlate.report import incident_record
from correlator.dispatch.model import PageEvent, TicketStatus
from correlator.dispatch.outbox import draft_of
from correlator.dispatch.pagers.router import Router, TeamRoute
from correlator.dispatch.service import (
    DispatchService,
    PagerRouting,
    UnknownIncidentError,
    memory_of,
)
from correlator.dispatch.settings import from_mapping
from correlator.store.protocol import (
    ActionKind,
    HistoryEntry,
    HistoryStep,
    IncidentSnapshot,
    OutboxAction,
)
from correlator.store.sqlite import SqliteStore

INC = "INC-000001"
NOC = "https://noc.example/#/incidents/{id}"


def _nagios_up(host: str) -> dict[str, Any]:
    return {
        "NOTIFICATIONTYPE": "RECOVERY",
        "HOSTNAME": host,
        "HOSTSTATE": "UP",
        "HOSTSTATETYPE": "HARD",
    }


class SlowStore(SqliteStore):
    """A SQLite store whose writes take a moment, so that concurrent callers interleave."""

    async def apply(
        self,
        snapshot: IncidentSnapshot | None,
        actions: Sequence[OutboxAction],
        *,
        history: Sequence[HistoryEntry] = (),
    ) -> None:
        await asyncio.sleep(0.01)
        await super().apply(snapshot, actions, history=history)


class People(Stage):
    """A stage whose service reports each write of an incident (as the API's stream hears)."""

    def __init__(
        self, store: SqliteStore, *, dispatch: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        super().__init__(store, ManualClock(T0), CollectorRegistry(), **kw)
        self.changed: list[str] = []
        self.service = DispatchService(
            InMemoryBus(),
            Topics(),
            store,
            self.engine.topology,
            settings=from_mapping(
                dispatch if dispatch is not None else {**DISPATCH, "incident_url": NOC}
            ),
            clock=self.clock,
            hold_s=30.0,
            ticket_targets=("builtin",),
            ticket_systems={"builtin": self.queue},
            pagers=PagerRouting(Router(TeamRoute(("rec",)))),
            sync_s=0.0,
            on_change=self.changed.append,
        )

    def ticket_id(self, incident_id: str = INC) -> str:
        ticket = self.queue.for_incident(incident_id)
        assert ticket is not None
        return ticket.ticket_id

    def events(self, dedup_key: str = INC) -> list[tuple[PageEvent, int]]:
        return [(p.event, p.escalation_level) for p in self.pager.pages if p.dedup_key == dedup_key]

    async def stored(self, incident_id: str = INC) -> Any:
        found = await self.store.incident(incident_id)
        assert found is not None
        memory = memory_of(found.body)
        assert memory is not None
        return memory


@pytest.fixture
async def people(tmp_path: Path) -> AsyncIterator[People]:
    """A stage on a fresh SQLite store with an incident on sw-1 announced, ticketed and paged."""
    store = SqliteStore(tmp_path / STORE_FILE, clock=ManualClock(T0))
    await store.open()
    try:
        stage = People(store)
        await stage.alert(_nagios_down("sw-1"))
        await stage.at(T0 + 31)
        assert stage.events() == [(PageEvent.TRIGGER, 1)]
        yield stage
    finally:
        await store.close()


# ---- operator actions -----------------------------------------------------------------------


async def test_an_acknowledgement_reaches_pager_ticket_store_and_history(people: People) -> None:
    """Acknowledging through the service tells the pager, comments on the ticket, keeps who
    and when in the stored memory, records ACKNOWLEDGED by the person, reports the write,
    and the page then escalates no more; acknowledging again enqueues nothing."""
    people.changed.clear()
    memory = await people.service.acknowledge(INC, actor="alice", now=T0 + 60)
    await people.worker.run_once()

    assert (memory.acknowledged_by, memory.acknowledged_at) == ("alice", T0 + 60)
    assert people.events() == [(PageEvent.TRIGGER, 1), (PageEvent.ACKNOWLEDGE, 1)]
    assert "Acknowledged by alice" in people.comments()
    assert (await people.stored()).acknowledged_by == "alice"
    assert people.changed == [INC]
    steps = [(h.actor, h.step) for h in await people.store.history(INC)]
    assert ("alice", HistoryStep.ACKNOWLEDGED) in steps

    outbox = await people.store.actions(INC)
    again = await people.service.acknowledge(INC, actor="bob", now=T0 + 90)
    assert again == memory
    assert await people.store.actions(INC) == outbox

    await people.at(T0 + 31 + 301)  # past the ack timeout: no escalation
    assert people.events() == [(PageEvent.TRIGGER, 1), (PageEvent.ACKNOWLEDGE, 1)]
    assert not any("SLA breached" in c for c in people.comments())


async def test_assign_and_notes_go_to_the_ticket_and_the_history(people: People) -> None:
    """Assigning and noting comment on the ticket and record ASSIGNED and NOTE by the
    person who acted; the assignee is kept in the stored memory."""
    memory = await people.service.assign(INC, assignee="bob", actor="alice", now=T0 + 60)
    await people.service.add_note(INC, text="core switch rebooting", actor="bob", now=T0 + 61)
    await people.worker.run_once()

    assert memory.assignee == "bob"
    assert (await people.stored()).assignee == "bob"
    assert people.comments()[-2:] == [
        "Assigned to bob by alice",
        "Note from bob: core switch rebooting",
    ]
    history = [(h.actor, h.step, h.detail) for h in await people.store.history(INC)]
    assert ("alice", HistoryStep.ASSIGNED, "assigned to bob") in history
    assert ("bob", HistoryStep.NOTE, "core switch rebooting") in history


async def test_the_builtin_queue_shows_who_took_and_acknowledged_at_once(
    people: People,
) -> None:
    """An assignment and an acknowledgement made on the NOC page move the built-in queue's
    ticket (assigned, then acknowledged) and its stored record at once, not at the next sync."""
    ticket_id = people.ticket_id()
    await people.service.assign(INC, assignee="bob", actor="alice", now=T0 + 60)
    queued = people.queue.get(ticket_id)
    assert queued is not None
    assert (queued.status, queued.assignee) == (TicketStatus.ASSIGNED, "bob")
    record = await people.store.ticket(INC, "builtin")
    assert record is not None
    assert (record.status, record.assignee) == (TicketStatus.ASSIGNED, "bob")

    await people.service.acknowledge(INC, actor="carol", now=T0 + 70)
    record = await people.store.ticket(INC, "builtin")
    assert record is not None
    assert (record.status, record.assignee) == (TicketStatus.ACKNOWLEDGED, "bob")


async def test_unknown_incidents_and_empty_text_are_refused(people: People) -> None:
    """An incident the store does not know raises UnknownIncidentError; an empty note or
    assignee raises ValueError; neither writes anything."""
    with pytest.raises(UnknownIncidentError):
        await people.service.acknowledge("INC-999999", actor="alice", now=T0)
    with pytest.raises(ValueError, match="text"):
        await people.service.add_note(INC, text="  ", actor="alice", now=T0)
    with pytest.raises(ValueError, match="assignee"):
        await people.service.assign(INC, assignee="", actor="alice", now=T0)
    assert await people.store.history("INC-999999") == []


async def test_a_resolved_incident_takes_notes_and_stays_resolved(people: People) -> None:
    """A note on a resolved incident is recorded (and commented on its resolved ticket)
    without bringing the incident back into what dispatch ticks over."""
    await people.alert(_nagios_up("sw-1"))
    await people.at(T0 + 400)
    assert people.service.memory(INC) is None

    await people.service.add_note(INC, text="root cause: bad optic", actor="alice", now=T0 + 500)
    await people.worker.run_once()

    assert people.service.memory(INC) is None
    stored = await people.store.incident(INC)
    assert stored is not None
    assert stored.status == "resolved"
    assert "Note from alice: root cause: bad optic" in people.comments()


async def test_an_acknowledgement_during_an_incident_change_is_not_lost(tmp_path: Path) -> None:
    """An acknowledgement arriving while an incident change is being written (the consumer
    and the API interleave at every await) is kept, and so is the change."""
    store = SlowStore(tmp_path / STORE_FILE, clock=ManualClock(T0))
    await store.open()
    try:
        stage = People(store)
        await stage.alert(_nagios_down("sw-1"))
        await stage.at(T0 + 31)
        stage.clock.set(T0 + 40)
        await stage.alert(_nagios_down("web-1"))
        stage.engine.advance(T0 + 40)
        messages = [
            Message("t", 0, n, r.key, r.value)
            for n, r in enumerate(incident_record(i, "t") for i in stage.engine.drain_changes())
        ]
        assert messages

        await asyncio.gather(
            stage.service.handle(messages),
            stage.service.acknowledge(INC, actor="alice", now=T0 + 40),
        )

        memory = await stage.stored()
        assert memory.acknowledged_by == "alice"
        assert memory.seen == T0 + 40
        kept = stage.service.memory(INC)
        assert kept is not None
        assert (kept.acknowledged_by, kept.seen) == ("alice", T0 + 40)
    finally:
        await store.close()


# ---- two-way: what people do in the ticket system ----------------------------------------


async def test_a_ticket_taken_in_the_queue_names_the_incident_assignee(people: People) -> None:
    """A person taking the ticket in the built-in queue becomes the incident's assignee
    (kept in the stored memory) without stopping the page's escalation."""
    people.queue.assign(people.ticket_id(), "bob")
    await people.at(T0 + 60)

    memory = await people.stored()
    assert memory.assignee == "bob"
    assert memory.acknowledged_by is None
    await people.at(T0 + 31 + 300)
    assert people.events() == [(PageEvent.TRIGGER, 1), (PageEvent.TRIGGER, 2)]


async def test_a_ticket_acknowledged_in_the_queue_names_who_acknowledged(people: People) -> None:
    """A person acknowledging the ticket in the queue is the incident's acknowledger."""
    people.queue.acknowledge(people.ticket_id(), "carol")
    await people.at(T0 + 60)

    memory = await people.stored()
    assert (memory.acknowledged_by, memory.acknowledged_at, memory.assignee) == (
        "carol",
        T0 + 60,
        "carol",
    )
    assert people.events() == [(PageEvent.TRIGGER, 1), (PageEvent.ACKNOWLEDGE, 1)]


async def test_a_ticket_resolved_by_a_person_stops_the_paging_and_is_reopened(
    people: People,
) -> None:
    """A person resolving the ticket while the incident is open ends the page (one resolve
    notice, no escalation) and is recorded; when more alerts arrive the same ticket is
    reopened, and when the incident clears no second resolve notice is sent."""
    people.queue.resolve_by(people.ticket_id(), "bob", "fixed the uplink")
    await people.at(T0 + 60)

    assert people.events() == [(PageEvent.TRIGGER, 1), (PageEvent.RESOLVE, 1)]
    memory = await people.stored()
    assert memory.open
    assert memory.escalation is not None
    assert memory.escalation.resolved
    assert memory.acknowledged_by == "bob"
    history = [(h.actor, h.step) for h in await people.store.history(INC)]
    assert ("bob", HistoryStep.RESOLVED) in history
    await people.at(T0 + 31 + 400)
    assert people.events() == [(PageEvent.TRIGGER, 1), (PageEvent.RESOLVE, 1)]

    people.clock.set(T0 + 500)
    await people.alert(_nagios_down("web-1"))
    await people.at(T0 + 500)
    ticket = people.queue.for_incident(INC)
    assert ticket is not None
    assert ticket.status in (TicketStatus.NEW, TicketStatus.ASSIGNED)
    assert any(
        c.startswith("ticket resolved while the incident is open") for c in people.comments()
    )
    assert len(people.queue.tickets()) == 1

    await people.alert(_nagios_up("sw-1"))
    await people.alert(_nagios_up("web-1"))
    await people.at(T0 + 900)
    await people.at(T0 + 1200)
    assert [e for e, _ in people.events()].count(PageEvent.RESOLVE) == 1


# ---- the same ticket when the incident fails again ---------------------------------------------


async def test_an_incident_that_fails_again_reopens_its_own_ticket(people: People) -> None:
    """When a resolved incident reopens, its resolved ticket is reopened (one ticket in
    the queue, active again, with the reason), and it is resolved again when it clears."""
    await people.alert(_nagios_up("sw-1"))
    await people.at(T0 + 400)
    ticket_id = people.ticket_id()
    assert people.queue.get(ticket_id).status is TicketStatus.RESOLVED  # type: ignore[union-attr]

    people.clock.set(T0 + 600)
    await people.alert(_nagios_down("sw-1"))
    await people.at(T0 + 600)

    assert [t.ticket_id for t in people.queue.tickets()] == [ticket_id]
    reopened = people.queue.get(ticket_id)
    assert reopened is not None
    assert reopened.status is TicketStatus.NEW
    assert any(
        c.startswith("incident reopened: the incident failed again") for c in people.comments()
    )
    [record] = await people.store.tickets(INC)
    assert record.status is TicketStatus.NEW
    kinds = [a.kind for a in await people.store.actions(INC)]
    assert kinds.count(ActionKind.TICKET_CREATE) == 1
    assert kinds.count(ActionKind.TICKET_REOPEN) == 1
    assert HistoryStep.REOPENED in [h.step for h in await people.store.history(INC)]

    await people.alert(_nagios_up("sw-1"))
    await people.at(T0 + 1000)
    assert people.queue.get(ticket_id).status is TicketStatus.RESOLVED  # type: ignore[union-attr]


# ---- the NOC link -------------------------------------------------------------------------------


async def test_tickets_and_pages_link_to_the_incident_on_the_noc_page(people: People) -> None:
    """With ``incident_url`` set, the ticket draft and every page carry the incident's link."""
    link = f"https://noc.example/#/incidents/{INC}"
    [create] = [a for a in await people.store.actions(INC) if a.kind is ActionKind.TICKET_CREATE]
    assert draft_of(create.payload).url == link
    await people.service.acknowledge(INC, actor="alice", now=T0 + 60)
    await people.worker.run_once()
    assert [p.url for p in people.pager.pages] == [link, link]


# ---- the end of a major incident ---------------------------------------------------------


@pytest.fixture
async def majors(tmp_path: Path) -> AsyncIterator[People]:
    """A stage on seven unrelated switches of the network team."""
    store = SqliteStore(tmp_path / STORE_FILE, clock=ManualClock(T0))
    await store.open()
    try:
        yield People(store, dispatch=DISPATCH, topology_text=MAJOR_TOPOLOGY)
    finally:
        await store.close()


async def test_a_major_incident_ends_when_every_member_has_resolved(majors: People) -> None:
    """The parent ticket stays open and the major page unresolved while any member is open;
    once the last member resolves, the parent ticket is resolved and the pager that got
    the major's page gets its resolve notice, once."""
    await _fail_switches(majors, 1, 5)
    parent = majors.ticket_id(MAJOR)
    assert majors.events(MAJOR) == [(PageEvent.TRIGGER, 1)]

    now = T0 + 60 * 5 + 31
    for n in range(1, 5):
        await majors.alert(_nagios_up(f"sw-{n}"))
    await majors.at(now + 400)
    assert majors.queue.get(parent).status is not TicketStatus.RESOLVED  # type: ignore[union-attr]
    assert majors.events(MAJOR) == [(PageEvent.TRIGGER, 1)]

    await majors.alert(_nagios_up("sw-5"))
    await majors.at(now + 800)
    resolved = majors.queue.get(parent)
    assert resolved is not None
    assert resolved.status is TicketStatus.RESOLVED
    assert "major incident MAJ-000001 is over" in resolved.comments[-1].text
    assert majors.events(MAJOR) == [(PageEvent.TRIGGER, 1), (PageEvent.RESOLVE, 1)]

    await majors.service.handle(majors.delivered)  # redelivered: nothing twice
    await majors.worker.run_once()
    assert majors.events(MAJOR) == [(PageEvent.TRIGGER, 1), (PageEvent.RESOLVE, 1)]


def test_the_people_stage_builds_its_settings_from_the_shared_dispatch_section() -> None:
    """The NOC link template is added to the shared test section, not replacing it."""
    settings = from_mapping({**DISPATCH, "incident_url": NOC})
    assert settings.incident_link(INC) == f"https://noc.example/#/incidents/{INC}"
    assert replace(settings, incident_url=None).incident_link(INC) is None
