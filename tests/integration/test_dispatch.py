# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The dispatch stage: incidents in, one ticket per incident and one page per paged incident out.

The daemon runs in-process on the memory bus with the small-site topology, the built-in
ticket queue and a generic webhook pager pointed at a recording HTTP server; the storm's
native payloads are posted to the intake. The DispatchService is also driven directly,
with a manual clock, for SLA breaches and escalation.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from contract.pager_fakes import WebhookReceiverFake, free_port
from prometheus_client import CollectorRegistry
from required import unavailable

from connectors.base import ParseContext
from connectors.registry import connectors_by_name
from correlator.app import StartupError, serve
from correlator.bus.memory import InMemoryBus
from correlator.bus.protocol import Message
from correlator.bus.topics import Topics
from correlator.clock import ManualClock
from correlator.config import Settings, parse_config
from correlator.correlate.engine import Engine
from correlator.correlate.graph import GraphIndex
from correlator.correlate.report import incident_record
from correlator.correlate.settings import EngineSettings
from correlator.dispatch.major import MajorAction, MajorDecision, MajorIncident
from correlator.dispatch.model import Page, PageEvent, TicketStatus
from correlator.dispatch.outbox import OutboxWorker
from correlator.dispatch.pagers.router import Router, TeamRoute
from correlator.dispatch.priority import Priority
from correlator.dispatch.queue import snapshot_of
from correlator.dispatch.service import (
    DispatchMetrics,
    DispatchService,
    MajorMember,
    PagerRouting,
    announced_in,
    memory_of,
    plan_major,
    restore_builtin_tickets,
    snapshot_from_record,
)
from correlator.dispatch.settings import from_mapping
from correlator.dispatch.tickets.builtin import BuiltinTickets
from correlator.store.protocol import HistoryStep, OutboxStatus, ProblemKind
from correlator.store.sqlite import SqliteStore
from correlator.telemetry import Metrics
from topology.load import load_topology, load_yaml_text

SMALL_SITE = Path(__file__).resolve().parents[3] / "shared" / "examples" / "small-site"
TIMEOUT_S = 30.0
STORE_FILE = "correlator.db"


@pytest.fixture
def small_site() -> Path:
    """shared/examples/small-site beside the checkout: required under CI, skipped elsewhere."""
    if not (SMALL_SITE / "storm.jsonl").is_file():
        unavailable("the shared small-site example", f"not found at {SMALL_SITE}")
    return SMALL_SITE


def _storm(site: Path) -> dict[str, dict[str, Any]]:
    lines = [json.loads(row) for row in (site / "storm.jsonl").read_text().splitlines() if row]
    return {line["id"]: line for line in lines}


# ---- a recording webhook receiver on a real port ----------------------------------------


@asynccontextmanager
async def _receiver() -> AsyncIterator[tuple[WebhookReceiverFake, str]]:
    fake = WebhookReceiverFake()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    await _eventually(lambda: server.started, "the webhook receiver to listen")
    try:
        yield fake, f"http://127.0.0.1:{port}/alerts"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT_S)


async def _eventually(condition: Callable[[], Any], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT_S
    while not await _value(condition()):
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _value(result: Any) -> Any:
    return await result if asyncio.iscoroutine(result) else result


# ---- the daemon ------------------------------------------------------------------------


def _settings(data: Path, site: Path, hook: str, port: int) -> Settings:
    return parse_config(
        {
            "server": {"port": port},
            "data_dir": str(data),
            "topology": {"path": str(site / "topology.yaml")},
            "correlation": {"hold_s": 0.5, "resolve_linger_s": 1.0},
            "paging": {
                "pagers": {"hook": {"type": "webhook", "url": hook}},
                "routes": {"default": {"pagers": ["hook"]}},
            },
        }
    )


@asynccontextmanager
async def _daemon(
    settings: Settings, registry: CollectorRegistry | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    ready, stop = asyncio.Event(), asyncio.Event()
    registry = registry if registry is not None else CollectorRegistry()
    task = asyncio.create_task(
        serve(settings, ready=ready, stop=stop, registry=registry, handle_signals=False)
    )
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # raises the start-up failure
    assert ready.is_set(), "the daemon did not become ready"
    base = f"http://127.0.0.1:{settings.server.port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            yield client
    finally:
        stop.set()
        await asyncio.wait_for(task, TIMEOUT_S)


async def _post(client: httpx.AsyncClient, line: dict[str, Any]) -> None:
    params = {"observer": line["observer"]} if line.get("observer") else None
    answer = await client.post(f"/ingest/{line['source']}", json=line["payload"], params=params)
    assert answer.status_code == 202, answer.text


def _dispatch_caught_up(data: Path) -> bool:
    """The dispatch group committed every incident record in the bus journal."""
    topic = Topics().incidents
    db = sqlite3.connect(f"file:{data / 'journal.sqlite'}?mode=ro", uri=True)
    try:
        end = db.execute(
            'SELECT COALESCE(MAX("offset") + 1, 0) FROM records WHERE topic = ?', (topic,)
        ).fetchone()[0]
        row = db.execute(
            'SELECT "offset" FROM committed WHERE grp = ? AND topic = ?', ("dispatch", topic)
        ).fetchone()
    finally:
        db.close()
    return end > 0 and row is not None and row[0] >= end


async def _settled(store: SqliteStore, data: Path, *, want_open: bool | None = None) -> bool:
    """Every change is dispatched, every announced incident has its ticket, nothing is
    left to send (and, when asked, some incident is / none is open)."""
    if not _dispatch_caught_up(data):
        return False
    counts = await store.outbox_counts()
    if counts[OutboxStatus.PENDING]:
        return False
    incidents = await store.incidents()
    for incident in incidents:
        memory = memory_of(incident.body)
        if incident.body.get("merged_into"):
            continue
        if memory is None or memory.ticket is None:
            return False  # still inside its opening hold
    if want_open is None:
        return True
    return any(i.status == "open" for i in incidents) is want_open


def _triggers(fake: WebhookReceiverFake) -> dict[str, int]:
    counts: dict[str, int] = {}
    for delivery in fake.deliveries:
        if delivery.event is PageEvent.TRIGGER:
            counts[delivery.key] = counts.get(delivery.key, 0) + 1
    return counts


def _resolves(fake: WebhookReceiverFake) -> set[str]:
    return {d.key for d in fake.deliveries if d.event is PageEvent.RESOLVE}


async def _check_resolved(store: SqliteStore, fake: WebhookReceiverFake) -> None:
    """Every incident has cleared: each ticket is resolved, each page has its resolve."""
    resolved = await store.incidents()
    assert resolved
    assert all(i.status == "resolved" for i in resolved)
    paged = 0
    for incident in resolved:
        memory = memory_of(incident.body)
        if memory is None or memory.ticket is None:
            continue
        assert [t.status for t in await store.tickets(incident.id)] == [TicketStatus.RESOLVED]
        if memory.page.pages:
            paged += 1
            assert incident.id in _resolves(fake)
            events = [p.event for p in await store.pages(incident.id)]
            assert events == [PageEvent.TRIGGER, PageEvent.RESOLVE]
    assert paged, "an incident that paged has cleared and sent its resolve notice"


async def _read_store(data: Path) -> SqliteStore:
    store = SqliteStore(data / STORE_FILE, clock=ManualClock())
    await store.open()
    return store


async def test_storm_gives_one_ticket_per_incident_and_one_page_per_paged_incident(
    tmp_path: Path, small_site: Path
) -> None:
    """The small-site storm opens exactly one ticket per incident, pages each paged incident
    once (dedup key = incident id), sends a resolve notice when it clears, and a restart that
    re-reads every incident change opens no second ticket and sends no second page."""
    storm = _storm(small_site)
    data = tmp_path / "data"
    async with _receiver() as (fake, hook):
        settings = _settings(data, small_site, hook, free_port())
        registry = CollectorRegistry()
        async with _daemon(settings, registry) as client:
            store = await _read_store(data)
            try:
                for event_id in ("a1", "a2", "a3", "n1", "a4", "a5", "a6", "a7"):
                    await _post(client, storm[event_id])
                await _eventually(lambda: _settled(store, data, want_open=True), "tickets")
                for event_id in ("a8", "a9", "a10", "a11", "a12", "a13", "n2"):
                    await _post(client, storm[event_id])
                await _eventually(lambda: _settled(store, data, want_open=False), "resolution")
                await _check_resolved(store, fake)
                for event_id in ("b1", "b2", "b3"):
                    await _post(client, storm[event_id])
                await _eventually(lambda: _settled(store, data, want_open=True), "storm b")
            finally:
                await store.close()

        store = await _read_store(data)
        try:
            incidents = await store.incidents()
            tickets = {i.id: await store.tickets(i.id) for i in incidents}
            memories = {i.id: memory_of(i.body) for i in incidents}
            pages = {i.id: await store.pages(i.id) for i in incidents}
        finally:
            await store.close()
        triggers, resolves = _triggers(fake), _resolves(fake)
        deliveries = len(fake.deliveries)

        announced = [i for i in incidents if not i.body.get("merged_into")]
        assert len(announced) >= 3
        for incident in announced:
            assert len(tickets[incident.id]) == 1, incident.id
        for incident in incidents:
            if incident.body.get("merged_into") and not tickets[incident.id]:
                memory = memories[incident.id]
                assert memory is None or memory.ticket is None
        ticket_ids = [t.ticket_id for found in tickets.values() for t in found]
        assert len(ticket_ids) == len(set(ticket_ids))
        assert all(t.startswith("TKT-") for t in ticket_ids)

        paged = {i for i, m in memories.items() if m is not None and m.page.pages > 0}
        assert paged, "the storm pages on-call at least once"
        assert triggers == dict.fromkeys(paged, 1)
        assert fake.duplicates == 0

        def sample(name: str, **labels: str) -> float | None:
            return registry.get_sample_value(name, labels)

        written = "correlator_tickets_written_total"
        assert sample(written, system="builtin", action="create") == len(ticket_ids)
        # storm b fails a resolved incident's root again: the incident reopens, and so does
        # its ticket (the same one, reopened in the queue, not a comment on a closed ticket)
        assert (sample(written, system="builtin", action="reopen") or 0) >= 1
        sent = "correlator_pages_sent_total"
        assert sample(sent, pager="hook", event="trigger") == len(paged)
        assert sample(sent, pager="hook", event="resolve") == len(resolves)
        for incident in incidents:
            if incident.id in paged and incident.status == "resolved":
                assert incident.id in resolves
            sent = [p.event for p in pages[incident.id]]
            assert sent in ([], [PageEvent.TRIGGER], [PageEvent.TRIGGER, PageEvent.RESOLVE])

        # A crash after the store wrote but before the offsets were committed: every
        # incident change is delivered to dispatch again after the restart.
        journal = sqlite3.connect(data / "journal.sqlite")
        with journal:
            journal.execute("DELETE FROM committed WHERE grp = 'dispatch'")
        journal.close()
        settings = _settings(data, small_site, hook, free_port())
        async with _daemon(settings) as client:
            store = await _read_store(data)
            try:
                await _eventually(lambda: _settled(store, data), "the replayed changes")
                again = {i.id: await store.tickets(i.id) for i in await store.incidents()}
                assert again == tickets
                assert len(fake.deliveries) == deliveries
                assert _triggers(fake) == triggers
                # A failure after the restart is a new incident: numbering goes on after
                # the incidents the store knows, so no stored incident (or its ticket) is
                # mistaken for it.
                fresh_failure = {
                    "source": "nagios",
                    "payload": {
                        "NOTIFICATIONTYPE": "PROBLEM",
                        "HOSTNAME": "lab-99",
                        "HOSTSTATE": "DOWN",
                        "HOSTSTATETYPE": "HARD",
                    },
                }
                await _post(client, fresh_failure)
                await _eventually(
                    lambda: _has_new_incident(store, set(tickets)), "the new incident"
                )
                fresh = [i for i in await store.incidents() if i.id not in tickets]
                assert len(fresh) == 1
                assert max(tickets) < fresh[0].id
            finally:
                await store.close()


async def _has_new_incident(store: SqliteStore, known: set[str]) -> bool:
    return any(i.id not in known for i in await store.incidents())


async def test_a_store_that_cannot_be_opened_stops_start_up(tmp_path: Path) -> None:
    """When the store cannot be opened, serve() raises StartupError naming the store."""
    blocker = tmp_path / "data" / STORE_FILE
    blocker.mkdir(parents=True)  # a directory where the database file should be
    settings = parse_config({"server": {"port": free_port()}, "data_dir": str(tmp_path / "data")})
    with pytest.raises(StartupError, match=r"^sqlite store: "):
        await asyncio.wait_for(serve(settings, handle_signals=False), TIMEOUT_S)


# ---- the stage on its own, with a manual clock -----------------------------------------

T0 = 1_763_900_000.0
TOPOLOGY = """\
version: 1
nodes:
  - {id: sw-1, kind: switch, team: network, monitored_as: [sw-1]}
  - {id: web-1, kind: vm, team: systems, monitored_as: [web-1], depends_on: [sw-1]}
"""
DISPATCH = {
    "sla": {"warn_at": 0.5, "targets": {"P2": {"response_s": 600, "resolution_s": 1200}}},
    "paging": {
        "ack_timeout_s": {"P2": 300},
        "levels": ["first-line", {"name": "second-line", "notify": "net-managers"}, "third-line"],
    },
}


class RecordingPager:
    """A pager that keeps what it was asked to send."""

    def __init__(self, name: str = "rec") -> None:
        self.name = name
        self.pages: list[Page] = []

    async def send(self, page: Page) -> None:
        self.pages.append(page)


def _nagios_down(host: str) -> dict[str, Any]:
    return {
        "NOTIFICATIONTYPE": "PROBLEM",
        "HOSTNAME": host,
        "HOSTSTATE": "DOWN",
        "HOSTSTATETYPE": "HARD",
        "HOSTOUTPUT": "PING CRITICAL - Packet loss = 100%",
    }


class Stage:
    """An engine feeding a DispatchService directly, a store, the queue, a pager."""

    def __init__(
        self,
        store: SqliteStore,
        clock: ManualClock,
        registry: CollectorRegistry,
        *,
        topology_text: str = TOPOLOGY,
        dispatch: Mapping[str, Any] = DISPATCH,
    ) -> None:
        topology = load_yaml_text(topology_text, "test")
        self.clock = clock
        self.store = store
        self.engine = Engine(topology, EngineSettings(hold_s=30.0))
        self.queue = BuiltinTickets("builtin", clock=clock)
        self.pager = RecordingPager()
        self.worker = OutboxWorker(store, {"builtin": self.queue}, {"rec": self.pager}, clock)
        self.registry = registry
        self.metrics = DispatchMetrics(Metrics(registry))
        self.service = DispatchService(
            InMemoryBus(),
            Topics(),
            store,
            topology,
            settings=from_mapping(dispatch),
            clock=clock,
            hold_s=30.0,
            ticket_targets=("builtin",),
            ticket_systems={"builtin": self.queue},
            pagers=PagerRouting(Router(TeamRoute(("rec",)))),
            metrics=self.metrics,
            sync_s=0.0,
        )
        self.offset = 0
        self.delivered: list[Message] = []
        """Every incident change handed to the service, in order (to redeliver them)."""

    async def alert(self, payload: dict[str, Any]) -> None:
        """One Nagios alert through the engine, at the clock's time."""
        ctx = ParseContext(received_at=self.clock.now())
        for event in connectors_by_name()["nagios"].parse(payload, ctx):
            self.offset += 1
            self.engine.handle(event, seq=self.offset, event_id=None, now=self.clock.now())

    async def at(self, when: float) -> None:
        """Move to ``when``: engine timers, the incident changes, a tick, the outbox."""
        self.clock.set(when)
        self.engine.advance(when)
        messages = []
        for inc in self.engine.drain_changes():
            record = incident_record(inc, Topics().incidents)
            self.offset += 1
            messages.append(Message(record.topic, 0, self.offset, record.key, record.value))
        self.delivered.extend(messages)
        await self.service.handle(messages)
        await self.service.tick()
        await self.worker.run_once()

    def comments(self) -> list[str]:
        ticket = self.queue.for_incident("INC-000001")
        assert ticket is not None
        return [c.text for c in ticket.comments]


@pytest.fixture
async def stage(tmp_path: Path) -> AsyncIterator[Stage]:
    """A stage on a fresh SQLite store, its clock at T0."""
    store = SqliteStore(tmp_path / STORE_FILE, clock=ManualClock(T0))
    await store.open()
    try:
        yield Stage(store, ManualClock(T0), CollectorRegistry())
    finally:
        await store.close()


async def test_sla_warnings_and_breaches_become_ticket_comments_once(stage: Stage) -> None:
    """The response target's warning (at warn_at) and breach (at 100 %) are each written
    once to the ticket and counted; the resolution target warns later, and nothing repeats."""
    await stage.alert(_nagios_down("sw-1"))
    await stage.at(T0 + 31)  # past the hold: ticket and page
    ticket = stage.queue.for_incident("INC-000001")
    assert ticket is not None
    assert ticket.priority.value == "P2"
    assert stage.comments() == []

    await stage.at(T0 + 299)  # before 50 % of the 600 s response target
    assert stage.comments() == []
    await stage.at(T0 + 301)
    assert [c for c in stage.comments() if c.startswith("SLA")] == [
        (
            "SLA warning: 5min left to be acknowledged within the P2 response target of 10min "
            "(50% used, warning at 50%)"
        )
    ]
    await stage.at(T0 + 601)
    await stage.at(T0 + 602)
    sla = [c for c in stage.comments() if c.startswith("SLA")]
    assert sla[1:] == [
        "SLA breached: not acknowledged within the P2 response target of 10min (1s late)",
        (
            "SLA warning: 10min left to be resolved within the P2 resolution target of 20min "
            "(50% used, warning at 50%)"
        ),
    ]

    def counted(target: str, level: str) -> float | None:
        labels = {"target": target, "level": level}
        return stage.registry.get_sample_value("correlator_sla_events_total", labels)

    assert counted("response", "warning") == 1
    assert counted("response", "breached") == 1
    assert counted("resolution", "warning") == 1
    assert stage.service.stats.sla_events == 3
    history = await stage.store.history("INC-000001")
    assert sum(1 for h in history if "SLA breached" in h.detail) == 1


async def test_a_soft_state_pages_only_once_it_turns_hard(stage: Stage) -> None:
    """The daemon's dispatch follows the engine: an incident of SOFT states only (Nagios
    still retrying the check) pages nobody; the same check turning HARD pages once."""
    await stage.alert({**_nagios_down("sw-1"), "HOSTSTATETYPE": "SOFT"})
    await stage.at(T0 + 31)  # past the hold
    assert stage.pager.pages == []
    await stage.alert(_nagios_down("sw-1"))
    await stage.at(T0 + 32)
    assert [p.event for p in stage.pager.pages] == [PageEvent.TRIGGER]


async def test_unacknowledged_page_escalates_and_acknowledgement_stops_it(stage: Stage) -> None:
    """A page nobody acknowledges within the ack timeout goes to the next level (recorded
    in the ticket's history); once a person acknowledges the ticket, the pager is told and
    the page escalates no more."""
    await stage.alert(_nagios_down("sw-1"))
    await stage.at(T0 + 31)
    assert [(p.event, p.escalation_level) for p in stage.pager.pages] == [(PageEvent.TRIGGER, 1)]

    await stage.at(T0 + 31 + 299)
    assert len(stage.pager.pages) == 1
    await stage.at(T0 + 31 + 300)
    second = stage.pager.pages[-1]
    assert (second.event, second.escalation_level) == (PageEvent.TRIGGER, 2)
    assert second.details["notify"] == "net-managers"
    assert second.dedup_key == "INC-000001"
    history = await stage.store.history("INC-000001")
    assert [h.step for h in history if h.step is HistoryStep.ESCALATED] == [HistoryStep.ESCALATED]
    assert any(
        c.startswith("page escalated: not acknowledged within 5min") for c in stage.comments()
    )
    memory = stage.service.memory("INC-000001")
    assert memory is not None
    assert memory.escalation is not None
    assert memory.escalation.level == 2

    ticket = stage.queue.for_incident("INC-000001")
    assert ticket is not None
    stage.queue.acknowledge(ticket.ticket_id, "alice")
    await stage.at(T0 + 400)  # the sync sees it: the response target is met, no breach
    ack = stage.pager.pages[-1]
    assert (ack.event, ack.escalation_level) == (PageEvent.ACKNOWLEDGE, 2)
    await stage.at(T0 + 31 + 300 + 301)
    assert len(stage.pager.pages) == 3
    memory = stage.service.memory("INC-000001")
    assert memory is not None
    assert memory.escalation is not None
    assert memory.escalation.acknowledged
    assert not any("SLA breached: not acknowledged" in c for c in stage.comments())
    steps = [h.step for h in await stage.store.history("INC-000001")]
    assert HistoryStep.ACKNOWLEDGED in steps


async def test_redelivered_and_stale_changes_enqueue_nothing(stage: Stage, tmp_path: Path) -> None:
    """A change handled twice, an older change after a newer one, and a new service on the
    same store (a restart) enqueue no second ticket and no second page."""
    await stage.alert(_nagios_down("sw-1"))
    stage.clock.set(T0 + 31)
    stage.engine.advance(T0 + 31)
    records = [incident_record(i, "t") for i in stage.engine.drain_changes()]
    messages = [Message("t", 0, n, r.key, r.value) for n, r in enumerate(records)]
    await stage.service.handle(messages)
    before = await stage.store.actions("INC-000001")
    await stage.service.handle(messages)
    assert await stage.store.actions("INC-000001") == before
    older = json.loads(records[-1].value or b"{}")
    older["updated_at"] -= 10
    assert await stage.service.handle_record(older) is None

    restarted = DispatchService(
        InMemoryBus(),
        Topics(),
        stage.store,
        stage.engine.topology,
        settings=from_mapping(DISPATCH),
        clock=stage.clock,
        hold_s=30.0,
        ticket_targets=("builtin",),
        pagers=PagerRouting(Router(TeamRoute(("rec",)))),
    )
    await restarted.handle(messages)
    assert await stage.store.actions("INC-000001") == before
    kinds = sorted(a.kind.value for a in before)
    assert kinds == ["page.trigger", "ticket.create"]


async def test_the_record_tells_what_the_live_incident_does(small_site: Path) -> None:
    """For every change of the small-site storm, the snapshot dispatch builds from the
    published record agrees with the one built from the live incident (hold included)."""
    topology = load_topology(small_site / "topology.yaml")
    engine = Engine(topology)
    graph = GraphIndex(topology)
    connectors = connectors_by_name()
    changes = 0
    for number, line in enumerate(_storm(small_site).values()):
        engine.advance(line["at"])
        ctx = ParseContext(received_at=line["at"], observer=line.get("observer"))
        for event in connectors[line["source"]].parse(line["payload"], ctx):
            engine.handle(event, seq=number, event_id=line["id"], now=line["at"])
        for inc in engine.drain_changes():
            doc = json.loads(incident_record(inc, "t").value or b"{}")
            live = snapshot_of(inc, graph)
            seen = snapshot_from_record(doc, graph, hold_s=engine.settings.hold_s)
            assert announced_in(doc, engine.settings.hold_s) is inc.announced
            for name in ("announced", "priority", "root", "subject", "checks", "alerts", "status"):
                assert getattr(seen, name) == getattr(live, name), (inc.id, name)
            assert seen.services == live.services, inc.id
            changes += 1
    assert changes > 10


def _nagios_up(host: str) -> dict[str, Any]:
    return {
        "NOTIFICATIONTYPE": "RECOVERY",
        "HOSTNAME": host,
        "HOSTSTATE": "UP",
        "HOSTSTATETYPE": "HARD",
        "HOSTOUTPUT": "PING OK - Packet loss = 0%",
    }


async def test_a_root_failing_three_times_in_a_day_raises_one_problem_record(
    stage: Stage,
) -> None:
    """sw-1 fails, recovers and fails again, three separate incidents within a day: the
    third raises problem record PRB-000001 naming all three, its ticket says so, and a
    fourth failure is linked to the same record, never a second one."""
    for n in range(4):
        start = T0 + 3000 * n  # past reopen_s after the previous resolution
        stage.clock.set(start)
        await stage.alert(_nagios_down("sw-1"))
        await stage.at(start + 31)  # announced: the ticket is opened
        stage.clock.set(start + 100)
        await stage.alert(_nagios_up("sw-1"))
        await stage.at(start + 100 + 301)  # resolved after the linger

    incidents = [f"INC-{n:06d}" for n in range(1, 5)]
    assert [i.id for i in await stage.store.incidents()] == incidents
    problems = await stage.store.problems(ProblemKind.PROBLEM)
    assert [(p.id, p.signature) for p in problems] == [("PRB-000001", "root sw-1")]
    assert problems[0].members == tuple(incidents)
    for incident, raised in zip(incidents, (False, False, True, True), strict=True):
        ticket = stage.queue.for_incident(incident)
        assert ticket is not None
        said = [c.text for c in ticket.comments if "problem record PRB-000001" in c.text]
        assert len(said) == (1 if raised else 0), (incident, [c.text for c in ticket.comments])


async def test_a_resolved_ticket_of_the_builtin_queue_closes_after_its_quiet_time(
    stage: Stage,
) -> None:
    """The built-in queue's ticket goes new -> acknowledged -> resolved with its incident,
    then the dispatch tick closes it once it has been quiet for close_after_s: in the queue,
    in the store and in the incident's history."""
    stage.queue.close_after_s = 3600.0
    stage.clock.set(T0)
    await stage.alert(_nagios_down("sw-1"))
    await stage.at(T0 + 31)
    await stage.service.acknowledge("INC-000001", actor="alice", now=T0 + 40)
    stage.clock.set(T0 + 100)
    await stage.alert(_nagios_up("sw-1"))
    await stage.at(T0 + 401)  # resolved after the linger; the ticket with it
    ticket = stage.queue.for_incident("INC-000001")
    assert ticket is not None
    assert ticket.status is TicketStatus.RESOLVED

    await stage.at(T0 + 401 + 3599)
    assert (await stage.store.ticket("INC-000001", "builtin")).status is TicketStatus.RESOLVED
    await stage.at(T0 + 401 + 3601)

    record = await stage.store.ticket("INC-000001", "builtin")
    assert record is not None
    assert record.status is TicketStatus.CLOSED
    assert stage.queue.for_incident("INC-000001").status is TicketStatus.CLOSED
    steps = [h.step for h in await stage.store.history("INC-000001") if h.system == "builtin"]
    assert steps[-1] is HistoryStep.CLOSED
    assert HistoryStep.RESOLVED in steps
    await stage.at(T0 + 10 * 3600)  # closed once, never again
    closed = [h for h in await stage.store.history("INC-000001") if h.step is HistoryStep.CLOSED]
    assert len(closed) == 1


# ---- major incidents: a parent ticket and one page ---------------------------------------

SWITCHES = 7
MAJOR_TOPOLOGY = "version: 1\nnodes:\n" + "".join(
    f"  - {{id: sw-{n}, kind: switch, team: network, monitored_as: [sw-{n}]}}\n"
    for n in range(1, SWITCHES + 1)
)
"""Unrelated switches: each failure is an incident of its own, all of kind 'switch'."""
MAJOR = "MAJ-000001"
MEMBERS = [f"INC-{n:06d}" for n in range(1, 6)]


@pytest.fixture
async def switches(tmp_path: Path) -> AsyncIterator[Stage]:
    """A stage whose topology is seven unrelated switches of the network team."""
    store = SqliteStore(tmp_path / STORE_FILE, clock=ManualClock(T0))
    await store.open()
    try:
        yield Stage(store, ManualClock(T0), CollectorRegistry(), topology_text=MAJOR_TOPOLOGY)
    finally:
        await store.close()


async def _fail_switches(stage: Stage, first: int, last: int) -> None:
    """Switches ``first``..``last`` go down a minute apart, each announced after its hold."""
    for n in range(first, last + 1):
        stage.clock.set(T0 + 60 * n)
        await stage.alert(_nagios_down(f"sw-{n}"))
        await stage.at(T0 + 60 * n + 31)


def _downtime(host: str) -> dict[str, Any]:
    return {"NOTIFICATIONTYPE": "DOWNTIMESTART", "HOSTNAME": host, "HOSTSTATE": "UP"}


def _major_triggers(stage: Stage) -> list[Page]:
    return [p for p in stage.pager.pages if p.dedup_key == MAJOR and p.event is PageEvent.TRIGGER]


async def test_five_incidents_of_one_kind_open_one_parent_ticket_and_page_once(
    switches: Stage,
) -> None:
    """Five incidents of the same kind within the window raise one major incident with
    exactly one parent ticket (raised priority, its members and their tickets listed) and
    exactly one page keyed by the major's id to the first member's team."""
    await _fail_switches(switches, 1, 5)

    actions = await switches.store.actions(MAJOR)
    assert sorted(a.idempotency_key for a in actions) == [
        f"page.trigger:rec:{MAJOR}:L1:t1",
        f"ticket.create:builtin:{MAJOR}",
    ]
    assert all(a.status is OutboxStatus.SENT for a in actions)
    tickets = await switches.store.tickets(MAJOR)
    assert len(tickets) == 1
    assert tickets[0].priority.value == "P1"  # the members are P2, raised by one
    parent = switches.queue.for_incident(MAJOR)
    assert parent is not None
    assert parent.ticket_id == tickets[0].ticket_id
    assert parent.title == f"Major incident {MAJOR}: 5 incidents with the same kind 'switch'"
    assert parent.team == "network"
    for member in MEMBERS:
        assert member in parent.description
    for member in MEMBERS[:4]:  # opened before the fifth member raised the major
        member_ticket = switches.queue.for_incident(member)
        assert member_ticket is not None
        assert f"{member}: sw-{member[-1]} down" in parent.description
        assert f"(ticket {member_ticket.ticket_id})" in parent.description

    pages = await switches.store.pages(MAJOR)
    assert [(p.pager, p.event, p.level) for p in pages] == [("rec", PageEvent.TRIGGER, 1)]
    [page] = _major_triggers(switches)
    assert page.priority.value == "P1"
    assert page.team == "network"
    assert "same kind 'switch'" in page.summary
    assert all(member in page.summary for member in MEMBERS)
    problem = await switches.store.problem(MAJOR)
    assert problem is not None
    assert problem.members == tuple(MEMBERS)


async def test_a_sixth_member_comments_on_the_parent_ticket_and_pages_no_more(
    switches: Stage,
) -> None:
    """A sixth incident of the signature joins the major incident: the parent ticket gets
    a comment naming it (and its new member count), and nobody is paged for the major again."""
    await _fail_switches(switches, 1, 5)
    before = {a.idempotency_key for a in await switches.store.actions(MAJOR)}

    await _fail_switches(switches, 6, 6)

    after = await switches.store.actions(MAJOR)
    added = [a for a in after if a.idempotency_key not in before]
    assert [a.idempotency_key for a in added] == [f"ticket.update:builtin:{MAJOR}:join-INC-000006"]
    assert added[0].status is OutboxStatus.SENT
    parent = switches.queue.for_incident(MAJOR)
    assert parent is not None
    comment = (
        f"member added: INC-000006 (sw-6 down: 1 alert on 1 node): INC-000006 joins "
        f"{MAJOR} (same kind 'switch'): 6 members"
    )
    assert [c.text for c in parent.comments] == [comment]
    assert parent.title == f"Major incident {MAJOR}: 6 incidents with the same kind 'switch'"
    assert len(_major_triggers(switches)) == 1
    assert [p.event for p in await switches.store.pages(MAJOR)] == [PageEvent.TRIGGER]
    assert len(await switches.store.tickets(MAJOR)) == 1


async def test_redelivered_changes_of_a_major_incident_enqueue_nothing_new(
    switches: Stage,
) -> None:
    """Handing every incident change of the burst to the service again, and to a new
    service on the same store (a restart), enqueues no second parent ticket, comment or page."""
    await _fail_switches(switches, 1, 6)
    counts = await switches.store.outbox_counts()
    outbox = {i: await switches.store.actions(i) for i in [*MEMBERS, "INC-000006", MAJOR]}

    await switches.service.handle(switches.delivered)
    restarted = DispatchService(
        InMemoryBus(),
        Topics(),
        switches.store,
        switches.engine.topology,
        settings=from_mapping(DISPATCH),
        clock=switches.clock,
        hold_s=30.0,
        ticket_targets=("builtin",),
        pagers=PagerRouting(Router(TeamRoute(("rec",)))),
    )
    await restarted.handle(switches.delivered)
    await switches.worker.run_once()

    assert await switches.store.outbox_counts() == counts
    for incident_id, actions in outbox.items():
        assert await switches.store.actions(incident_id) == actions, incident_id
    assert len(_major_triggers(switches)) == 1
    assert len(await switches.store.tickets(MAJOR)) == 1
    assert await switches.store.problem("MAJ-000002") is None


async def test_a_major_incident_of_members_all_under_maintenance_pages_nobody(
    switches: Stage,
) -> None:
    """When every member of a major incident is under maintenance, its parent ticket is
    opened but no page is sent for it."""
    for n in range(1, 6):
        await switches.alert(_downtime(f"sw-{n}"))
    await _fail_switches(switches, 1, 5)

    assert len(await switches.store.tickets(MAJOR)) == 1
    kinds = [a.kind.value for a in await switches.store.actions(MAJOR)]
    assert kinds == ["ticket.create"]
    assert await switches.store.pages(MAJOR) == []
    assert _major_triggers(switches) == []


async def test_a_major_incident_below_the_paging_threshold_gets_its_ticket_but_no_page() -> None:
    """A major incident whose raised priority is still below the paging threshold gets
    its parent tickets but no page, and says why."""
    members = [MajorMember(f"INC-{n:06d}", f"sw-{n} down", "network") for n in range(1, 6)]
    major = MajorIncident(
        id=MAJOR,
        signature=(("kind", "switch"),),
        members=tuple(m.incident_id for m in members),
        opened_at=T0,
        last_member_at=T0,
        priority=Priority.P4,
        reason="5 incidents with the same kind 'switch'",
    )
    plan = plan_major(
        MajorDecision(MajorAction.RAISED, major.reason, major, priority_raised=True),
        members,
        settings=from_mapping({"paging": {"page_at_or_above": "P3"}}),
        ticket_targets=("builtin", "rt"),
        pagers=PagerRouting(Router(TeamRoute(("rec",)))),
        recent_triggers={},
        now=T0,
    )
    assert [a.idempotency_key for a in plan.actions] == [
        f"ticket.create:builtin:{MAJOR}",
        f"ticket.create:rt:{MAJOR}",
    ]
    assert plan.paging is not None
    assert plan.paging.event is None
    assert plan.paging.reason == "P4 is below the paging threshold P3"


async def test_the_parent_ticket_is_restored_into_the_builtin_queue_after_a_restart(
    switches: Stage,
) -> None:
    """The built-in queue read back from the store holds the parent ticket with its latest
    title, so numbering carries on after it and a later comment finds it."""
    await _fail_switches(switches, 1, 6)
    parent = switches.queue.for_incident(MAJOR)
    assert parent is not None

    restored = {t.incident_id: t for t in await restore_builtin_tickets(switches.store, "builtin")}

    assert restored[MAJOR].ticket_id == parent.ticket_id
    assert restored[MAJOR].title == parent.title
    assert restored[MAJOR].description == parent.description
    assert len({t.ticket_id for t in restored.values()}) == len(restored)
