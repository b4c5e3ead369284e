# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Two-way sync with a real Request Tracker 5: what a person does in RT reaches the incident.

The engine, a DispatchService on a SQLite store, the RT adapter against the real RT of
tests/rt_server.py (Debian's packages, SQLite, loopback), a recording pager and the outbox
worker, with a manual clock. The person (``alice``) works the ticket through RT's own
REST 2.0 API, as she would in its web interface.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from contract.ticket_fixtures import Backend, rt_backend
from prometheus_client import CollectorRegistry
from required import unavailable
from rt_server import RTServer, RTUnavailableError, missing_prerequisite
from test_dispatch import STORE_FILE, T0, Stage, _nagios_down

from correlator.bus.memory import InMemoryBus
from correlator.bus.topics import Topics
from correlator.clock import ManualClock
from correlator.dispatch.model import PageEvent, TicketRef, TicketStatus
from correlator.dispatch.outbox import OutboxWorker
from correlator.dispatch.pagers.router import Router, TeamRoute
from correlator.dispatch.service import DispatchService, PagerRouting, memory_of
from correlator.dispatch.settings import from_mapping
from correlator.store.protocol import HistoryStep
from correlator.store.sqlite import SqliteStore

pytestmark = pytest.mark.peer

INC = "INC-000001"


@pytest.fixture(scope="module")
def rt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTServer]:
    """The real RT 5; its absence fails under CI and skips (with the reason) elsewhere."""
    reason = missing_prerequisite()
    server = None if reason is not None else RTServer(tmp_path_factory.mktemp("rt5"))
    try:
        if server is not None:
            server.start()
    except RTUnavailableError as exc:
        reason = str(exc)
    if server is None or reason is not None:
        unavailable("Request Tracker 5", str(reason))
    try:
        yield server
    finally:
        server.stop()


class RTStage(Stage):
    """A stage whose only ticket system is the real RT (target ``rt``)."""

    def __init__(self, store: SqliteStore, backend: Backend) -> None:
        super().__init__(store, ManualClock(T0), CollectorRegistry())
        self.backend = backend
        self.worker = OutboxWorker(store, {"rt": backend.system}, {"rec": self.pager}, self.clock)
        self.service = DispatchService(
            InMemoryBus(),
            Topics(),
            store,
            self.engine.topology,
            settings=from_mapping({"paging": {"ack_timeout_s": {"P2": 300}}}),
            clock=self.clock,
            hold_s=30.0,
            ticket_targets=("rt",),
            ticket_systems={"rt": backend.system},
            pagers=PagerRouting(Router(TeamRoute(("rec",)))),
            sync_s=0.0,
        )

    async def ref(self) -> TicketRef:
        record = await self.store.ticket(INC, "rt")
        assert record is not None, "the ticket was not opened in RT"
        return TicketRef("rt", record.ticket_id, record.url)

    def events(self) -> list[PageEvent]:
        return [p.event for p in self.pager.pages if p.dedup_key == INC]


@pytest.fixture
async def stage(rt_server: RTServer, tmp_path: Path) -> AsyncIterator[RTStage]:
    """An incident on sw-1, announced, with its ticket opened in RT and its page sent."""
    store = SqliteStore(tmp_path / STORE_FILE, clock=ManualClock(T0))
    await store.open()
    backend = rt_backend(rt_server, by_custom_field=True)
    try:
        stage = RTStage(store, backend)
        await stage.alert(_nagios_down("sw-1"))
        await stage.at(T0 + 31)
        assert stage.events() == [PageEvent.TRIGGER]
        yield stage
    finally:
        await backend.close()
        await store.close()


async def test_a_ticket_taken_and_resolved_in_rt_updates_the_incident(stage: RTStage) -> None:
    """alice takes the incident's ticket in RT: the incident names her as its assignee and
    acknowledger, escalation stops and the pager hears ``acknowledge``; she resolves it in
    RT while the alerts still fire: the page ends (``resolve``), the incident stays open,
    and the history says each step with RT as the system."""
    ref = await stage.ref()
    await stage.backend.take(ref)
    await stage.at(T0 + 60)

    memory = memory_of((await stage.store.incident(INC)).body)  # type: ignore[union-attr]
    assert memory is not None
    assert (memory.assignee, memory.acknowledged_by) == ("alice", "alice")
    assert memory.escalation is not None
    assert memory.escalation.acknowledged
    assert stage.events() == [PageEvent.TRIGGER, PageEvent.ACKNOWLEDGE]
    await stage.at(T0 + 31 + 301)  # past the P2 acknowledgement timeout: no escalation
    assert stage.events() == [PageEvent.TRIGGER, PageEvent.ACKNOWLEDGE]

    await stage.backend.person_resolves(ref)
    await stage.at(T0 + 400)

    stored = await stage.store.incident(INC)
    assert stored is not None
    assert stored.status == "open"  # sw-1 is still down
    assert stage.events() == [PageEvent.TRIGGER, PageEvent.ACKNOWLEDGE, PageEvent.RESOLVE]
    record = await stage.store.ticket(INC, "rt")
    assert record is not None
    assert record.status is TicketStatus.RESOLVED
    steps = [(h.step, h.system) for h in await stage.store.history(INC) if h.actor == "alice"]
    assert (HistoryStep.ACKNOWLEDGED, "rt") in steps
    assert (HistoryStep.RESOLVED, "rt") in steps
