# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The outbox worker on a real SQLite store: never twice, never lost.

The ticket system and the pager are in-test fakes that record every call and can fail on
demand: raise a retryable or final DeliveryError, succeed on their side and then time out
(the worker never learns it worked), or be down for a stretch of the injected clock. Time
only moves when a test moves it; every pass is an explicit ``run_once``.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import tempfile
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from contract.ticket_fakes import GLPIFake, JSMFake, ServiceNowFake, ZendeskFake
from contract.ticket_fixtures import Backend, builtin_backend, fake_backend
from hypothesis import given, settings
from hypothesis import strategies as st

from correlator.clock import ManualClock
from correlator.dispatch.model import (
    CommentKey,
    DeliveryError,
    Page,
    PageEvent,
    TicketDraft,
    TicketRef,
    TicketState,
    TicketStatus,
)
from correlator.dispatch.outbox import (
    NextAttempt,
    OutboxWorker,
    Outcome,
    RetryReason,
    next_attempt,
    send_page,
    ticket_create,
    ticket_reopen,
    ticket_resolve,
    ticket_update,
)
from correlator.dispatch.priority import Priority
from correlator.dispatch.tickets.base import TicketSystem
from correlator.store.protocol import (
    ActionKind,
    HistoryStep,
    IncidentSnapshot,
    OutboxAction,
    OutboxStatus,
    Store,
)
from correlator.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable

T0 = 1_700_000_000.0
BASE = 2.0
CAP = 120.0


# ---------------------------------------------------------------------------------------
# fakes


@dataclass
class Fault:
    """What the next call does instead of (or after) succeeding."""

    kind: str  # "retryable" | "final" | "timeout-after-success"
    message: str = "HTTP 503"
    retry_after_s: float | None = None


class FakeSystem:
    """Shared failure modes: scheduled faults, and being down until a clock time."""

    name = "fake"

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.faults: deque[Fault] = deque()
        self.down_until = -math.inf
        self.calls: list[tuple[Any, ...]] = []  # every call that reached the system
        self.call_times: list[float] = []

    def fail_next(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def _before(self, faults: deque[Fault] | None = None) -> Fault | None:
        """Raise for a down system or a scheduled fault (from ``faults`` first, when it has
        one); return a fault to raise after."""
        self.call_times.append(self.clock.now())
        if self.clock.now() < self.down_until:
            raise DeliveryError(f"{self.name}: cannot connect (down)", retryable=True)
        queue = faults or self.faults
        if not queue:
            return None
        fault = queue.popleft()
        if fault.kind == "timeout-after-success":
            return fault
        raise DeliveryError(
            f"{self.name}: {fault.message}",
            retryable=fault.kind == "retryable",
            retry_after_s=fault.retry_after_s,
        )

    def _after(self, fault: Fault | None) -> None:
        if fault is not None:
            raise DeliveryError(f"{self.name}: timed out (ReadTimeout)", retryable=True)


class FakeTicketSystem(FakeSystem):
    """A ticket system whose create is idempotent by incident id, as the Protocol requires."""

    name = "rt"

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.by_incident: dict[str, TicketRef] = {}
        self.opened: list[tuple[str, float]] = []  # (incident id, clock time) per new ticket
        self.updates: list[tuple[str, str | None, Priority | None, str | None]] = []
        self.resolved: list[tuple[str, str]] = []
        self.reopened: list[tuple[str, str]] = []
        self.keys: list[CommentKey | None] = []  # the key of every update, resolve, reopen
        self.comments: list[tuple[str, str]] = []  # (ticket, text) posted, as a system keeps them
        self.update_faults: deque[Fault] = deque()  # for updates, before the shared faults
        self._marked: set[str] = set()  # the key values of the comments posted

    def _comment(self, ticket_id: str, text: str | None, key: CommentKey | None) -> None:
        """Post ``text`` as the adapters do: a retry whose key is on the ticket posts nothing."""
        if not text or (key is not None and key.retry and key.value in self._marked):
            return
        if key is not None:
            self._marked.add(key.value)
        self.comments.append((ticket_id, text))

    async def create(self, draft: TicketDraft) -> TicketRef:
        self.calls.append(("create", draft.incident_id))
        fault = self._before()
        ref = self.by_incident.get(draft.incident_id)
        if ref is None:
            number = str(4710 + len(self.by_incident) + 1)
            ref = TicketRef(
                self.name, number, f"https://rt.example/Ticket/Display.html?id={number}"
            )
            self.by_incident[draft.incident_id] = ref
            self.opened.append((draft.incident_id, self.clock.now()))
        self._after(fault)
        return ref

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        self.calls.append(("update", ref.ticket_id))
        self.keys.append(key)
        fault = self._before(self.update_faults)
        self.updates.append((ref.ticket_id, comment, priority, title))
        self._comment(ref.ticket_id, comment, key)
        self._after(fault)

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        self.calls.append(("resolve", ref.ticket_id))
        self.keys.append(key)
        fault = self._before()
        self.resolved.append((ref.ticket_id, comment))
        self._after(fault)

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        self.calls.append(("reopen", ref.ticket_id))
        self.keys.append(key)
        fault = self._before()
        self.reopened.append((ref.ticket_id, comment))
        self._after(fault)

    async def fetch(self, ref: TicketRef) -> TicketState:
        return TicketState(ref, TicketStatus.NEW)


class FakePager(FakeSystem):
    """A pager that records every page that reached it."""

    name = "pd"

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.received: list[Page] = []

    async def send(self, page: Page) -> None:
        self.calls.append(("send", page.dedup_key, page.event, page.escalation_level))
        fault = self._before()
        self.received.append(page)
        self._after(fault)


# ---------------------------------------------------------------------------------------
# helpers


def incident_id(n: int) -> str:
    return f"INC-{n:06d}"


def snapshot(n: int, *, updated_at: float = T0, status: str = "open") -> IncidentSnapshot:
    return IncidentSnapshot.of(
        {
            "id": incident_id(n),
            "opened_at": T0,
            "resolved_at": None,
            "root_cause": f"sw-{n}",
            "root_cause_inferred": False,
            "title": f"sw-{n} down: 4 alerts on 3 nodes",
            "priority": "P2",
            "team": "network",
            "nodes": [f"sw-{n}"],
            "alerts": [],
            "events": [],
            "pages": 1,
            "status": status,
            "updated_at": updated_at,
        }
    )


def draft(n: int) -> TicketDraft:
    return TicketDraft(
        incident_id=incident_id(n),
        title=f"sw-{n} down: 4 alerts on 3 nodes",
        description="Root cause: sw-" + str(n),
        priority=Priority.P2,
        team="network",
        root=f"sw-{n}",
        runbook="https://wiki.example/runbooks/switch",
        nodes=(f"sw-{n}", f"web-{n}"),
        url=f"http://127.0.0.1:8080/incidents/{incident_id(n)}",
    )


def page(n: int, event: PageEvent = PageEvent.TRIGGER, level: int = 1) -> Page:
    return Page(
        dedup_key=incident_id(n),
        event=event,
        summary=f"sw-{n} down",
        priority=Priority.P2,
        team="network",
        source=f"sw-{n}",
        escalation_level=level,
        details={"alerts": 4},
    )


def create(n: int) -> OutboxAction:
    return ticket_create("rt", draft(n), response_due=T0 + 1800, resolution_due=T0 + 8 * 3600)


@dataclass
class World:
    """A store file, the fakes and a way to start (and restart) workers on them."""

    path: Path
    clock: ManualClock
    rt: FakeTicketSystem
    pd: FakePager
    stores: list[Store]

    async def store(self) -> Store:
        store = SqliteStore(self.path, clock=self.clock)
        await store.open()
        self.stores.append(store)
        return store

    def worker(self, store: Store, **options: Any) -> OutboxWorker:
        options.setdefault("backoff_base_s", BASE)
        options.setdefault("backoff_cap_s", CAP)
        options.setdefault("rng", random.Random(7))
        return OutboxWorker(store, {"rt": self.rt}, {"pd": self.pd}, self.clock, **options)

    async def run_until(self, worker: OutboxWorker, until: float, step: float = 1.0) -> None:
        """Run a pass every ``step`` seconds of clock time up to ``until``."""
        while True:
            await worker.run_once()
            if self.clock.now() >= until:
                return
            self.clock.advance(step)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = ManualClock(T0)
    w = World(
        tmp_path / "data" / "correlator.db", clock, FakeTicketSystem(clock), FakePager(clock), []
    )
    yield w
    for store in w.stores:
        await store.close()


def opened_once(rt: FakeTicketSystem, incidents: Iterable[str]) -> bool:
    counts = Counter(i for i, _ in rt.opened)
    return set(counts) == set(incidents) and all(c == 1 for c in counts.values())


# ---------------------------------------------------------------------------------------
# the happy path


async def test_a_ticket_goes_through_its_whole_life(world: World) -> None:
    """create, update and resolve reach the system in order and are recorded with their history."""
    store = await world.store()
    worker = world.worker(store)
    await store.apply(snapshot(1), [create(1), send_page("pd", page(1))])
    first = await worker.run_once()
    assert first.count(Outcome.SENT) == 2

    rec = await store.ticket(incident_id(1), "rt")
    assert rec is not None
    assert (rec.ticket_id, rec.status, rec.priority) == ("4711", TicketStatus.NEW, Priority.P2)
    assert (rec.response_due, rec.resolution_due) == (T0 + 1800, T0 + 8 * 3600)
    assert rec.url == "https://rt.example/Ticket/Display.html?id=4711"

    world.clock.advance(60)
    await store.apply(
        snapshot(1, updated_at=T0 + 60),
        [
            ticket_update(
                "rt", incident_id(1), "t60", comment="3 more alerts", priority=Priority.P1
            ),
        ],
    )
    world.clock.advance(60)
    await store.apply(
        snapshot(1, updated_at=T0 + 120, status="resolved"),
        [
            ticket_resolve("rt", incident_id(1), "all alerts recovered"),
            send_page("pd", page(1, PageEvent.RESOLVE)),
        ],
    )
    await worker.run_once()

    assert world.rt.calls == [("create", "INC-000001"), ("update", "4711"), ("resolve", "4711")]
    assert world.rt.updates == [("4711", "3 more alerts", Priority.P1, None)]
    assert world.rt.resolved == [("4711", "all alerts recovered")]
    assert [(p.event, p.escalation_level) for p in world.pd.received] == [
        (PageEvent.TRIGGER, 1),
        (PageEvent.RESOLVE, 1),
    ]
    rec = await store.ticket(incident_id(1), "rt")
    assert rec is not None
    assert (rec.status, rec.priority) == (TicketStatus.RESOLVED, Priority.P1)
    history = await store.history(incident_id(1))
    assert [(h.step, h.at) for h in history if h.system == "rt"] == [
        (HistoryStep.CREATED, T0),
        (HistoryStep.UPDATED, T0 + 120),
        (HistoryStep.RESOLVED, T0 + 120),
    ]
    assert [(h.step, h.at) for h in history if h.system == "pd"] == [
        (HistoryStep.PAGED, T0),
        (HistoryStep.RESOLVED, T0 + 120),
    ]
    assert all(h.actor == "correlator" for h in history)
    assert [(p.event, p.sent_at) for p in await store.pages(incident_id(1))] == [
        (PageEvent.TRIGGER, T0),
        (PageEvent.RESOLVE, T0 + 120),
    ]
    assert await store.outbox_counts() == {
        OutboxStatus.PENDING: 0,
        OutboxStatus.SENT: 5,
        OutboxStatus.FAILED: 0,
    }


async def test_a_reopen_reopens_the_same_ticket_and_records_it(world: World) -> None:
    """A ``ticket.reopen`` reaches the incident's existing ticket (no create), makes the
    stored ticket active again and records REOPENED with its comment."""
    store = await world.store()
    worker = world.worker(store)
    await store.apply(snapshot(1), [ticket_create("rt", draft(1))])
    await store.apply(
        snapshot(1, updated_at=T0 + 60, status="resolved"),
        [ticket_resolve("rt", incident_id(1), "all alerts recovered", change="c60")],
    )
    await worker.run_once()
    world.clock.advance(120)
    await store.apply(
        snapshot(1, updated_at=T0 + 120),
        [ticket_reopen("rt", incident_id(1), "incident reopened: 1 new alert", change="c120")],
    )
    await worker.run_once()

    assert world.rt.calls == [("create", "INC-000001"), ("resolve", "4711"), ("reopen", "4711")]
    assert world.rt.reopened == [("4711", "incident reopened: 1 new alert")]
    rec = await store.ticket(incident_id(1), "rt")
    assert rec is not None
    assert (rec.ticket_id, rec.status, rec.updated_at) == ("4711", TicketStatus.NEW, T0 + 120)
    last = (await store.history(incident_id(1)))[-1]
    assert (last.step, last.detail, last.system) == (
        HistoryStep.REOPENED,
        "incident reopened: 1 new alert",
        "rt",
    )
    with pytest.raises(ValueError, match="change name"):
        ticket_reopen("rt", incident_id(1), "again", change="")


async def test_escalation_pages_are_recorded_as_escalation_steps(world: World) -> None:
    """A level-2 page is a second page (its own key) and an escalation step in the history."""
    store = await world.store()
    worker = world.worker(store)
    await store.apply(snapshot(1), [send_page("pd", page(1))])
    await worker.run_once()
    world.clock.advance(900)
    await store.apply(None, [send_page("pd", page(1, level=2))])
    await store.apply(None, [send_page("pd", page(1, level=2))])  # the timer fired twice
    await worker.run_once()
    assert [p.escalation_level for p in world.pd.received] == [1, 2]
    assert [h.step for h in await store.history(incident_id(1))] == [
        HistoryStep.PAGED,
        HistoryStep.ESCALATED,
    ]
    assert [(p.level, p.sent_at) for p in await store.pages(incident_id(1))] == [
        (1, T0),
        (2, T0 + 900),
    ]


# ---------------------------------------------------------------------------------------
# never twice


async def test_a_restarted_worker_sends_nothing_already_sent(world: World) -> None:
    """A new worker on the same SQLite file, after a restart, sends nothing the first one sent."""
    store = await world.store()
    await store.apply(snapshot(1), [create(1), send_page("pd", page(1))])
    await store.apply(snapshot(2), [create(2), send_page("pd", page(2))])
    await world.worker(store).run_once()
    await store.close()
    calls = (list(world.rt.calls), list(world.pd.calls))

    world.clock.advance(3600)
    reopened = await world.store()
    summary = await world.worker(reopened).run_once()
    assert summary.handled == []
    assert (world.rt.calls, world.pd.calls) == calls
    assert opened_once(world.rt, [incident_id(1), incident_id(2)])


async def test_a_redelivered_incident_change_enqueues_nothing_new(world: World) -> None:
    """The same incident change applied again (a redelivered bus message) sends nothing more."""
    store = await world.store()
    worker = world.worker(store)
    change = (
        snapshot(1),
        [
            create(1),
            send_page("pd", page(1)),
            ticket_update("rt", incident_id(1), "c1", comment="x"),
        ],
    )
    await store.apply(*change)
    await worker.run_once()
    await worker.run_once()
    world.clock.advance(10)
    await store.apply(*change)
    await store.apply(*change)
    await worker.run_once()
    assert world.rt.calls == [("create", "INC-000001"), ("update", "4711")]
    assert len(world.pd.received) == 1


async def test_a_worker_that_dies_mid_send_is_replaced_after_its_lease(world: World) -> None:
    """An action claimed by a worker that died is sent by the next one, still as one ticket."""
    store = await world.store()
    await store.apply(snapshot(1), [create(1)])
    # the first worker claims the action, its create reaches the system, then it dies
    (claimed,) = await store.due(world.clock.now(), 10, lease_s=90.0)
    await world.rt.create(draft(1))
    await store.close()

    world.clock.advance(30)
    survivor_store = await world.store()
    survivor = world.worker(survivor_store, send_timeout_s=30.0)
    assert (await survivor.run_once()).handled == []  # still leased to the dead worker
    world.clock.advance(60)
    summary = await survivor.run_once()
    assert [(h.action_id, h.outcome) for h in summary.handled] == [(claimed.id, Outcome.SENT)]
    assert world.rt.calls == [("create", "INC-000001")] * 2
    assert opened_once(world.rt, [incident_id(1)])
    rec = await survivor_store.ticket(incident_id(1), "rt")
    assert rec is not None
    assert rec.ticket_id == "4711"


async def test_a_timeout_after_success_never_opens_a_second_ticket(world: World) -> None:
    """A create that worked but timed out is retried under the same key and finds its ticket."""
    store = await world.store()
    worker = world.worker(store)
    await store.apply(snapshot(1), [create(1)])
    world.rt.fail_next(Fault("timeout-after-success"))

    first = await worker.run_once()
    assert [h.outcome for h in first.handled] == [Outcome.RETRY]
    assert "timed out" in first.handled[0].reason
    (entry,) = await store.actions(incident_id(1))
    assert (entry.status, entry.attempts) == (OutboxStatus.PENDING, 1)

    world.clock.set(entry.next_attempt_at)
    second = await worker.run_once()
    assert [h.outcome for h in second.handled] == [Outcome.SENT]
    (entry_after,) = await store.actions(incident_id(1))
    assert entry_after.idempotency_key == entry.idempotency_key
    assert (entry_after.status, entry_after.attempts) == (OutboxStatus.SENT, 2)
    assert world.rt.calls == [("create", "INC-000001")] * 2
    assert opened_once(world.rt, [incident_id(1)])
    assert [t.ticket_id for t in await store.tickets(incident_id(1))] == ["4711"]


# ---------------------------------------------------------------------------------------
# a comment is posted once


async def test_the_worker_tells_a_retry_from_a_first_attempt(world: World) -> None:
    """A comment's key is the action's idempotency key; the first attempt is no retry, the
    attempt after a timeout is one, and a deferral (nothing sent) does not make one."""
    store = await world.store()
    worker = world.worker(store, wait_s=5.0)
    world.rt.down_until = T0 + 1
    early = ticket_update("rt", incident_id(1), "c0", comment="early")
    await store.apply(None, [early])
    await store.apply(snapshot(1), [create(1)])
    deferred = 0
    while await store.ticket(incident_id(1), "rt") is None:
        summary = await worker.run_once()
        deferred += summary.count(Outcome.DEFERRED)
        world.clock.advance(1)
    world.rt.fail_next(Fault("timeout-after-success"))
    await world.run_until(worker, world.clock.now() + 5 + CAP)

    assert deferred >= 1
    (update,) = [a for a in await store.actions(incident_id(1)) if a.kind is early.kind]
    assert (update.status, update.attempts) == (OutboxStatus.SENT, 2)
    assert world.rt.keys == [
        CommentKey(early.idempotency_key, retry=False),
        CommentKey(early.idempotency_key, retry=True),
    ]


class LosesAnswers:
    """A ticket system whose next comment-carrying call goes through and then times out."""

    def __init__(self, inner: TicketSystem) -> None:
        self.name = inner.name
        self.inner = inner
        self.lose_next = False

    def _lost(self) -> None:
        if self.lose_next:
            self.lose_next = False
            raise DeliveryError(f"{self.name}: timed out (ReadTimeout)", retryable=True)

    async def create(self, draft: TicketDraft) -> TicketRef:
        return await self.inner.create(draft)

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        await self.inner.update(ref, comment=comment, priority=priority, title=title, key=key)
        self._lost()

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        await self.inner.resolve(ref, comment, key=key)
        self._lost()

    async def reopen(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        await self.inner.reopen(ref, comment, key=key)
        self._lost()

    async def fetch(self, ref: TicketRef) -> TicketState:
        return await self.inner.fetch(ref)


SYSTEMS: dict[str, Callable[[], Backend]] = {
    "builtin": builtin_backend,
    "glpi": lambda: fake_backend(GLPIFake()),
    "servicenow": lambda: fake_backend(ServiceNowFake()),
    "jsm": lambda: fake_backend(JSMFake()),
    "zendesk": lambda: fake_backend(ZendeskFake()),
}
TEXT = "Response SLA breached: nobody has taken the ticket for 30 min"


def _comment_action(kind: ActionKind) -> OutboxAction:
    if kind is ActionKind.TICKET_RESOLVE:
        return ticket_resolve("t", incident_id(1), TEXT)
    if kind is ActionKind.TICKET_REOPEN:
        return ticket_reopen("t", incident_id(1), TEXT, change="r1")
    return ticket_update("t", incident_id(1), "sla", comment=TEXT, priority=Priority.P1)


@pytest.fixture(params=list(SYSTEMS))
async def ticket_backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """The built-in queue and each HTTP fake that checks requests against its API."""
    backend = SYSTEMS[request.param]()
    try:
        yield backend
    finally:
        await backend.close()


async def _ticketed(world: World, system: TicketSystem) -> tuple[Store, OutboxWorker]:
    """A store and worker for target ``t`` whose incident 1 has its ticket already."""
    store = await world.store()
    worker = OutboxWorker(
        store, {"t": system}, {}, world.clock, rng=random.Random(7), send_timeout_s=30.0
    )
    await store.apply(snapshot(1), [ticket_create("t", draft(1))])
    await worker.run_once()
    return store, worker


async def _comments(store: Store, backend: Backend) -> list[str]:
    record = await store.ticket(incident_id(1), "t")
    assert record is not None
    return (await backend.inspect(TicketRef(record.system, record.ticket_id))).comments


@pytest.mark.parametrize(
    "kind", [ActionKind.TICKET_UPDATE, ActionKind.TICKET_RESOLVE, ActionKind.TICKET_REOPEN]
)
async def test_a_comment_whose_answer_timed_out_is_posted_once(
    world: World, ticket_backend: Backend, kind: ActionKind
) -> None:
    """An update, resolve or reopen that reached the system but whose answer timed out is
    retried, recorded as sent, and its comment is on the ticket once."""
    system = LosesAnswers(ticket_backend.system)
    store, worker = await _ticketed(world, system)
    if kind is ActionKind.TICKET_REOPEN:
        await store.apply(None, [ticket_resolve("t", incident_id(1), "cleared")])
        await worker.run_once()
    action = _comment_action(kind)
    if ticket_backend.faults is None:
        system.lose_next = True
    else:
        ticket_backend.faults.lose_next_carrying(CommentKey(action.idempotency_key).marker)
    await store.apply(None, [action])

    first = await worker.run_once()
    (entry,) = [a for a in await store.actions(incident_id(1)) if a.kind is kind]
    world.clock.set(entry.next_attempt_at)
    second = await worker.run_once()

    assert [h.outcome for h in first.handled] == [Outcome.RETRY]
    assert [h.outcome for h in second.handled] == [Outcome.SENT]
    assert sum(TEXT in c for c in await _comments(store, ticket_backend)) == 1


async def test_a_comment_sent_by_a_worker_that_died_is_not_posted_again(
    world: World, ticket_backend: Backend
) -> None:
    """A worker that posted the comment and died before recording it left only its claim;
    the worker that takes the action after the lease sees a retry and posts nothing more."""
    store, worker = await _ticketed(world, ticket_backend.system)
    action = _comment_action(ActionKind.TICKET_UPDATE)
    await store.apply(None, [action])
    (claimed,) = await store.due(world.clock.now(), 10, lease_s=worker.lease_s)
    record = await store.ticket(incident_id(1), "t")
    assert record is not None
    key = CommentKey(claimed.idempotency_key, retry=claimed.is_retry)
    await ticket_backend.system.update(
        TicketRef(record.system, record.ticket_id), comment=TEXT, key=key
    )  # what the dead worker sent before it died

    world.clock.advance(worker.lease_s)
    summary = await worker.run_once()

    assert key.retry is False
    assert [h.outcome for h in summary.handled] == [Outcome.SENT]
    assert sum(TEXT in c for c in await _comments(store, ticket_backend)) == 1


# ---------------------------------------------------------------------------------------
# never lost


async def test_a_ticket_system_down_for_ten_minutes_gets_every_ticket_once(world: World) -> None:
    """Every ticket (and the updates behind it) arrives exactly once, in order, after the outage."""
    store = await world.store()
    worker = world.worker(store)
    world.rt.down_until = T0 + 600
    incidents = range(1, 26)
    for n in incidents:
        await store.apply(snapshot(n), [create(n), send_page("pd", page(n))])
    world.clock.advance(120)
    for n in incidents:
        await store.apply(
            snapshot(n, updated_at=T0 + 120),
            [ticket_update("rt", incident_id(n), "t120", comment="still down")],
        )

    await world.run_until(worker, T0 + 600 + CAP + 1)

    assert opened_once(world.rt, [incident_id(n) for n in incidents])
    assert all(T0 + 600 <= at <= T0 + 600 + CAP for _, at in world.rt.opened)
    assert len(world.rt.updates) == 25
    assert len({ticket for ticket, *_ in world.rt.updates}) == 25
    # each update reached the system after its ticket's create
    reached = [c for c in world.rt.calls if c[0] == "update"]
    assert len(reached) == 25
    assert len(world.pd.received) == 25  # the pager was up all along
    assert await store.outbox_counts() == {
        OutboxStatus.PENDING: 0,
        OutboxStatus.SENT: 75,
        OutboxStatus.FAILED: 0,
    }
    for n in incidents:
        rec = await store.ticket(incident_id(n), "rt")
        assert rec is not None
        entries = await store.actions(incident_id(n))
        assert all(e.status is OutboxStatus.SENT for e in entries)


async def test_the_outage_is_retried_with_growing_capped_back_off(world: World) -> None:
    """While a system is down, attempts space out exponentially up to the cap, with jitter."""
    store = await world.store()
    worker = world.worker(store, rng=random.Random(1))
    world.rt.down_until = T0 + 3600
    await store.apply(snapshot(1), [create(1)])
    await world.run_until(worker, T0 + 3600 - 1)

    times = world.rt.call_times
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] >= BASE / 2
    assert all(gap <= CAP + 1 for gap in gaps)  # + 1: the test's passes are 1 s apart
    assert all(gap >= CAP / 2 for gap in gaps[8:])  # at the cap, jitter keeps at least half
    # doubling from 2 s to a 120 s cap: a few dozen attempts in an hour, not thousands
    assert 30 <= len(times) <= 70
    (entry,) = await store.actions(incident_id(1))
    assert (entry.status, entry.attempts) == (OutboxStatus.PENDING, len(times))
    assert (entry.last_error or "").startswith("rt: cannot connect (down); attempt ")


async def test_retry_after_is_honoured(world: World) -> None:
    """A 429 with Retry-After: 30 is not tried again before 30 seconds have passed."""
    store = await world.store()
    worker = world.worker(store)
    await store.apply(snapshot(1), [create(1)])
    world.rt.fail_next(Fault("retryable", "HTTP 429", retry_after_s=30.0))

    first = await worker.run_once()
    assert [h.outcome for h in first.handled] == [Outcome.RETRY]
    assert "HTTP 429" in first.handled[0].reason
    assert "retry_after" in first.handled[0].reason
    (entry,) = await store.actions(incident_id(1))
    assert entry.next_attempt_at == T0 + 30.0

    world.clock.advance(29.9)
    assert (await worker.run_once()).handled == []
    assert len(world.rt.calls) == 1
    world.clock.advance(0.1)
    assert [h.outcome for h in (await worker.run_once()).handled] == [Outcome.SENT]
    assert opened_once(world.rt, [incident_id(1)])


async def test_a_5xx_is_retried_with_back_off(world: World) -> None:
    """A 503 without Retry-After is tried again after the jittered back-off, not at once."""
    store = await world.store()
    worker = world.worker(store, rng=random.Random(3))
    await store.apply(snapshot(1), [create(1)])
    world.rt.fail_next(Fault("retryable", "HTTP 503"), Fault("retryable", "HTTP 502"))
    await worker.run_once()
    (entry,) = await store.actions(incident_id(1))
    assert T0 + BASE / 2 <= entry.next_attempt_at <= T0 + BASE
    world.clock.set(entry.next_attempt_at)
    await worker.run_once()
    (entry,) = await store.actions(incident_id(1))
    assert world.clock.now() + BASE <= entry.next_attempt_at <= world.clock.now() + 2 * BASE
    assert "HTTP 502" in (entry.last_error or "")
    world.clock.set(entry.next_attempt_at)
    await worker.run_once()
    (entry,) = await store.actions(incident_id(1))
    assert (entry.status, entry.attempts) == (OutboxStatus.SENT, 3)


# ---------------------------------------------------------------------------------------
# giving up, and waiting


async def test_a_non_retryable_error_ends_failed_with_the_reason(world: World) -> None:
    """A 4xx is final: the action is failed with the system's answer and never tried again."""
    store = await world.store()
    worker = world.worker(store)
    await store.apply(snapshot(1), [create(1)])
    world.rt.fail_next(Fault("final", "HTTP 400: Queue 'noc' not found"))
    summary = await worker.run_once()
    assert [h.outcome for h in summary.handled] == [Outcome.FAILED]
    (entry,) = await store.actions(incident_id(1))
    assert entry.status is OutboxStatus.FAILED
    assert entry.last_error == "rt: HTTP 400: Queue 'noc' not found"

    world.clock.advance(86400)
    assert (await worker.run_once()).handled == []
    assert len(world.rt.calls) == 1

    # what depended on that ticket fails too, saying why
    await store.apply(None, [ticket_update("rt", incident_id(1), "c2", comment="more")])
    (update,) = (await worker.run_once()).handled
    assert update.outcome is Outcome.FAILED
    assert "ticket.create" in update.reason
    assert "failed" in update.reason
    assert "Queue 'noc' not found" in update.reason


async def test_retries_stop_at_max_attempts(world: World) -> None:
    """With max_attempts set, a system that keeps failing ends the action as failed."""
    store = await world.store()
    worker = world.worker(store, max_attempts=3)
    world.rt.down_until = math.inf
    await store.apply(snapshot(1), [create(1)])
    await world.run_until(worker, T0 + 600)
    (entry,) = await store.actions(incident_id(1))
    assert (entry.status, entry.attempts) == (OutboxStatus.FAILED, 3)
    assert entry.last_error is not None
    assert entry.last_error.startswith("gave up after 3 attempts: rt: cannot connect")


async def test_retries_stop_at_max_age(world: World) -> None:
    """With max_age_s set, an action still failing after that long ends as failed."""
    store = await world.store()
    worker = world.worker(store, max_age_s=1800.0)
    world.rt.down_until = math.inf
    await store.apply(snapshot(1), [create(1)])
    await world.run_until(worker, T0 + 1800 + CAP + 1, step=5.0)
    (entry,) = await store.actions(incident_id(1))
    assert entry.status is OutboxStatus.FAILED
    assert (entry.last_error or "").startswith("gave up after 18")


async def test_an_update_waits_for_its_create(world: World) -> None:
    """A ticket update queued while the create keeps failing waits, and goes out right after it."""
    store = await world.store()
    worker = world.worker(store)
    world.rt.down_until = T0 + 300
    await store.apply(snapshot(1), [create(1)])
    await store.apply(
        None, [ticket_update("rt", incident_id(1), "c1", priority=Priority.P1, title="worse")]
    )
    await world.run_until(worker, T0 + 299)
    assert all(call[0] == "create" for call in world.rt.calls)
    actions = await store.actions(incident_id(1))
    assert [(a.kind, a.status, a.attempts) for a in actions][1] == (
        ActionKind.TICKET_UPDATE,
        OutboxStatus.PENDING,
        0,
    )

    await world.run_until(worker, T0 + 300 + CAP + 1)
    assert [c[0] for c in world.rt.calls][-2:] == ["create", "update"]
    assert world.rt.updates == [("4711", None, Priority.P1, "worse")]


async def test_an_update_queued_before_its_create_is_deferred_not_failed(world: World) -> None:
    """An update enqueued ahead of its create waits (no attempt counted) until the ticket exists."""
    store = await world.store()
    worker = world.worker(store, wait_s=5.0)
    world.rt.down_until = T0 + 20
    await store.apply(None, [ticket_update("rt", incident_id(1), "c0", comment="early")])
    await store.apply(snapshot(1), [create(1)])

    first = await worker.run_once()
    by_kind = {h.kind: h for h in first.handled}
    assert by_kind[ActionKind.TICKET_UPDATE].outcome is Outcome.DEFERRED
    assert "waiting for ticket.create" in by_kind[ActionKind.TICKET_UPDATE].reason
    assert by_kind[ActionKind.TICKET_CREATE].outcome is Outcome.RETRY

    await world.run_until(worker, T0 + 20 + CAP + 10)
    update = next(
        a for a in await store.actions(incident_id(1)) if a.kind is ActionKind.TICKET_UPDATE
    )
    assert (update.status, update.attempts) == (OutboxStatus.SENT, 1)
    assert world.rt.updates == [("4711", "early", None, None)]


async def test_an_unknown_target_or_bad_payload_fails_at_once(world: World) -> None:
    """An action for an unconfigured system, or with a payload missing a field, is failed with why."""
    store = await world.store()
    worker = world.worker(store)
    bad = OutboxAction("bad", ActionKind.TICKET_CREATE, "rt", incident_id(2), {"draft": {}})
    await store.apply(None, [ticket_create("jira", draft(1)), bad])
    summary = await worker.run_once()
    reasons = {h.incident_id: (h.outcome, h.reason) for h in summary.handled}
    assert reasons[incident_id(1)] == (
        Outcome.FAILED,
        "no ticket system named 'jira' is configured",
    )
    assert reasons[incident_id(2)][0] is Outcome.FAILED
    assert reasons[incident_id(2)][1].startswith("bad ticket.create payload: 'priority'")
    assert world.rt.calls == []


async def test_an_adapter_bug_is_retried_not_fatal(world: World) -> None:
    """An adapter raising something other than DeliveryError does not stop the worker."""
    store = await world.store()

    class Broken(FakePager):
        async def send(self, page: Page) -> None:
            raise KeyError("oops")

    worker = OutboxWorker(store, {"rt": world.rt}, {"pd": Broken(world.clock)}, world.clock)
    await store.apply(snapshot(1), [create(1), send_page("pd", page(1))])
    summary = await worker.run_once()
    outcomes = {h.kind: h.outcome for h in summary.handled}
    assert outcomes == {
        ActionKind.TICKET_CREATE: Outcome.SENT,
        ActionKind.PAGE_TRIGGER: Outcome.RETRY,
    }
    assert "unexpected KeyError" in next(
        h.reason for h in summary.handled if h.outcome is Outcome.RETRY
    )


# ---------------------------------------------------------------------------------------
# the loop


async def test_run_sends_what_is_due_and_stops_when_told(world: World) -> None:
    """run() sends pending actions at once, again when woken, and returns when stop is set."""
    store = await world.store()
    stop = asyncio.Event()
    sent = asyncio.Event()

    class Signalling(FakePager):
        async def send(self, page: Page) -> None:
            await super().send(page)
            sent.set()

    pager = Signalling(world.clock)
    worker = OutboxWorker(store, {"rt": world.rt}, {"pd": pager}, world.clock, poll_interval_s=3600)
    await store.apply(snapshot(1), [send_page("pd", page(1))])
    task = asyncio.create_task(worker.run(stop))
    await asyncio.wait_for(sent.wait(), timeout=10)
    sent.clear()

    await store.apply(None, [send_page("pd", page(1, level=2))])
    worker.wake()
    await asyncio.wait_for(sent.wait(), timeout=10)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert [p.escalation_level for p in pager.received] == [1, 2]


# ---------------------------------------------------------------------------------------
# next_attempt, the pure back-off decision


def test_next_attempt_doubles_up_to_the_cap() -> None:
    """Without jitter the wait is base, 2 base, 4 base, ... and then the cap, saying which."""
    waits = [next_attempt(n, T0, None, 2.0, 60.0, 1.0) for n in range(1, 8)]
    assert [w.delay_s for w in waits] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert [w.reason for w in waits] == [RetryReason.BACKOFF] * 5 + [RetryReason.CAPPED] * 2
    assert waits[0] == NextAttempt(T0 + 2.0, 2.0, RetryReason.BACKOFF)
    assert waits[0].describe() == "retry in 2.0 s (backoff)"


def test_next_attempt_jitter_keeps_at_least_half_the_wait() -> None:
    """Jitter 0 halves the wait, jitter 1 keeps it whole."""
    assert next_attempt(3, T0, None, 2.0, 60.0, 0.0).delay_s == 4.0
    assert next_attempt(3, T0, None, 2.0, 60.0, 0.5).delay_s == 6.0
    assert next_attempt(3, T0, None, 2.0, 60.0, 1.0).delay_s == 8.0


def test_next_attempt_never_comes_before_retry_after() -> None:
    """A Retry-After longer than the back-off is the wait; a shorter one changes nothing."""
    longer = next_attempt(1, T0, 30.0, 2.0, 60.0, 0.3)
    assert longer == NextAttempt(T0 + 30.0, 30.0, RetryReason.RETRY_AFTER)
    shorter = next_attempt(5, T0, 1.0, 2.0, 60.0, 1.0)
    assert (shorter.delay_s, shorter.reason) == (32.0, RetryReason.BACKOFF)
    beyond_cap = next_attempt(1, T0, 600.0, 2.0, 60.0, 1.0)
    assert (beyond_cap.delay_s, beyond_cap.reason) == (600.0, RetryReason.RETRY_AFTER)


def test_next_attempt_refuses_nonsense() -> None:
    """Attempt numbers start at 1 and jitter is a fraction."""
    with pytest.raises(ValueError, match="attempts"):
        next_attempt(0, T0, None, 2.0, 60.0, 0.5)
    with pytest.raises(ValueError, match="jitter"):
        next_attempt(1, T0, None, 2.0, 60.0, 1.5)


@given(
    attempts=st.integers(1, 10_000),
    retry_after=st.none() | st.floats(0, 1e6),
    base=st.floats(0.01, 100),
    cap=st.floats(0.01, 10_000),
    jitter=st.floats(0, 1),
)
def test_next_attempt_is_bounded(
    attempts: int, retry_after: float | None, base: float, cap: float, jitter: float
) -> None:
    """The wait is positive, at most the cap (or Retry-After), and never before Retry-After."""
    plan = next_attempt(attempts, T0, retry_after, base, cap, jitter)
    assert plan.delay_s > 0 or retry_after == 0
    assert plan.delay_s <= max(cap, retry_after or 0.0)
    if retry_after is not None:
        assert plan.delay_s >= retry_after
    assert plan.at == T0 + plan.delay_s


# ---------------------------------------------------------------------------------------
# the property: whatever fails, every ticket is opened once and every action is sent


FAULTS = st.sampled_from(
    [
        Fault("retryable", "HTTP 503"),
        Fault("retryable", "HTTP 429", retry_after_s=17.0),
        Fault("timeout-after-success"),
    ]
)


async def _scenario(
    folder: Path,
    incidents: int,
    rt_faults: list[Fault],
    pd_faults: list[Fault],
    restart_every: int,
    update_faults: list[Fault],
) -> None:
    clock = ManualClock(T0)
    rt, pd = FakeTicketSystem(clock), FakePager(clock)
    rt.fail_next(*rt_faults)
    rt.update_faults.extend(update_faults)
    pd.fail_next(*pd_faults)
    path = folder / "correlator.db"

    async def start(seed: int) -> tuple[Store, OutboxWorker]:
        store = SqliteStore(path, clock=clock)
        await store.open()
        worker = OutboxWorker(
            store, {"rt": rt}, {"pd": pd}, clock, rng=random.Random(seed), backoff_cap_s=CAP
        )
        return store, worker

    store, worker = await start(0)
    try:
        for n in range(1, incidents + 1):
            await store.apply(
                snapshot(n),
                [
                    create(n),
                    send_page("pd", page(n)),
                    ticket_update("rt", incident_id(n), "c1", comment="more"),
                ],
            )
        passes = 0
        while (await store.outbox_counts())[OutboxStatus.PENDING]:
            passes += 1
            assert passes < 10_000
            if passes % restart_every == 0:  # a restart: new store connection, new worker
                await store.close()
                store, worker = await start(passes)
            await worker.run_once()
            clock.advance(1.0)

        ids = [incident_id(n) for n in range(1, incidents + 1)]
        assert opened_once(rt, ids)
        assert await store.outbox_counts() == {
            OutboxStatus.PENDING: 0,
            OutboxStatus.SENT: 3 * incidents,
            OutboxStatus.FAILED: 0,
        }
        # every ticket got its update, and its comment once (a retry after a timeout looks)
        tickets = sorted(ref.ticket_id for ref in rt.by_incident.values())
        assert {t for t, *_ in rt.updates} == set(tickets)
        assert sorted(t for t, _ in rt.comments) == tickets
        assert {p.dedup_key for p in pd.received} == set(ids)
        for n in ids:
            assert len(await store.tickets(n)) == 1
    finally:
        await store.close()


@settings(max_examples=40, deadline=None)
@given(
    incidents=st.integers(1, 6),
    rt_faults=st.lists(FAULTS, max_size=12),
    pd_faults=st.lists(FAULTS, max_size=6),
    restart_every=st.integers(1, 7),
    update_faults=st.lists(FAULTS, max_size=6),
)
def test_no_action_is_lost_or_ticket_doubled_whatever_fails(
    incidents: int,
    rt_faults: list[Fault],
    pd_faults: list[Fault],
    restart_every: int,
    update_faults: list[Fault],
) -> None:
    """Under any mix of 5xx, 429, timeouts after success and restarts, every action is sent,
    every incident gets exactly one ticket and every comment is posted once."""
    with tempfile.TemporaryDirectory(prefix="correlator-outbox-") as folder:
        asyncio.run(
            _scenario(Path(folder), incidents, rt_faults, pd_faults, restart_every, update_faults)
        )
