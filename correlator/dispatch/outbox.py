# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The outbox worker: sends what dispatch decided, exactly once as far as anyone can see.

Dispatch never calls a ticket system or a pager itself. It writes the incident change and
the actions it causes in one transaction (:meth:`correlator.store.protocol.Store.apply`),
each under an idempotency key, with the builders below (:func:`ticket_create`, ...). This
worker claims the due actions, sends each through its adapter, and records the result:

- success: the action is ``sent``, together with what it changed (the ticket and its SLA
  deadlines, the history step, the page) in the same transaction;
- a retryable :class:`DeliveryError` (429, 5xx, timeout, refused connection): attempt
  again later, with exponential back-off that honours ``Retry-After``
  (:func:`next_attempt`), until ``max_attempts`` or ``max_age_s`` is reached;
- a non-retryable one (other 4xx, a bad payload, an unknown target): ``failed``, with the
  reason kept in ``last_error``;
- a ticket update or resolve whose ticket does not exist yet waits while its
  ``ticket.create`` is pending, and fails (saying why) once that create has failed.

A restart loses nothing (pending actions stay in the store; a worker that died mid-send
lets its lease run out) and sends nothing twice that was recorded as sent. The window
left, a timeout or a crash between the system's answer and the store's commit, is closed
by the adapters: ``create`` finds the ticket by incident id, a page is sent again under
the same dedup key (PagerDuty and Opsgenie drop the repeat; an e-mail repeats its
Message-ID), and a comment (``update``, ``resolve``, ``reopen``) carries a
:class:`~correlator.dispatch.model.CommentKey` made of the action's idempotency key. The
comment is posted with the key's marker; when the action may have been sent before (an
attempt was recorded, or the store counts an earlier claim: a worker that died or lost
its store after sending, :attr:`OutboxEntry.is_retry
<correlator.store.protocol.OutboxEntry.is_retry>`) the adapter looks for the marker among
the ticket's comments and does not post it twice. A first attempt makes no extra call.

What stays possible: a comment posted twice when a person deletes the first one before
the retry looks, or when the system hides comments from the API account that wrote them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

from correlator.clock import Clock
from correlator.dispatch.model import (
    CommentKey,
    DeliveryError,
    Page,
    PageEvent,
    TicketDraft,
    TicketRef,
    TicketStatus,
)
from correlator.dispatch.pagers.base import Pager
from correlator.dispatch.priority import Priority
from correlator.dispatch.tickets.base import TicketSystem
from correlator.store.protocol import (
    ActionKind,
    HistoryEntry,
    HistoryStep,
    OutboxAction,
    OutboxEntry,
    OutboxStatus,
    PageRecord,
    SentEffects,
    Store,
    StoreError,
    TicketRecord,
)

log = logging.getLogger(__name__)

ACTOR: Final = "correlator"
"""Who the history names for what the worker did."""


# ---------------------------------------------------------------------------------------
# back-off


class RetryReason(StrEnum):
    """Why the next attempt is when it is."""

    BACKOFF = "backoff"  # base x 2^(attempts-1), jittered
    CAPPED = "capped"  # the back-off reached its cap
    RETRY_AFTER = "retry_after"  # the system asked for a longer wait (Retry-After)


@dataclass(frozen=True, slots=True)
class NextAttempt:
    """When to try again, and why then."""

    at: float
    delay_s: float
    reason: RetryReason

    def describe(self) -> str:
        """``retry in 12.0 s (backoff)``: what the outbox's last_error says."""
        return f"retry in {self.delay_s:.1f} s ({self.reason.value})"


def next_attempt(
    attempts: int,
    now: float,
    retry_after: float | None,
    base: float,
    cap: float,
    jitter: float,
) -> NextAttempt:
    """When to try again after ``attempts`` failed attempts (1 after the first failure).

    The wait doubles with every attempt from ``base`` up to ``cap``, and is then scaled
    into [50 %, 100 %] of itself by ``jitter`` (0..1, drawn by the caller) so that actions
    that failed together do not all come back at the same instant. A ``retry_after`` from
    the system (429/503 ``Retry-After``) is a floor: never sooner than it asked.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    if not 0.0 <= jitter <= 1.0:
        raise ValueError(f"jitter must be within [0, 1], got {jitter}")
    exponential = base * 2.0 ** min(attempts - 1, 64)
    reason = RetryReason.CAPPED if exponential >= cap else RetryReason.BACKOFF
    delay = min(exponential, cap) * (0.5 + jitter / 2.0)
    if retry_after is not None and retry_after >= delay:
        delay, reason = retry_after, RetryReason.RETRY_AFTER
    return NextAttempt(at=now + delay, delay_s=delay, reason=reason)


# ---------------------------------------------------------------------------------------
# actions: what dispatch enqueues, and how the worker reads them back


class PayloadError(ValueError):
    """An outbox payload that does not say what its kind needs (never retried)."""


def _key(kind: ActionKind, target: str, incident_id: str, change: str) -> str:
    key = f"{kind.value}:{target}:{incident_id}"
    return f"{key}:{change}" if change else key


def ticket_create(
    target: str,
    draft: TicketDraft,
    *,
    response_due: float | None = None,
    resolution_due: float | None = None,
    change: str = "",
) -> OutboxAction:
    """Open the incident's ticket in ``target`` (one per incident and system by default)."""
    payload: dict[str, Any] = {
        "draft": {
            "incident_id": draft.incident_id,
            "title": draft.title,
            "description": draft.description,
            "priority": draft.priority.value,
            "team": draft.team,
            "root": draft.root,
            "runbook": draft.runbook,
            "nodes": list(draft.nodes),
            "url": draft.url,
        },
        "response_due": response_due,
        "resolution_due": resolution_due,
    }
    kind = ActionKind.TICKET_CREATE
    return OutboxAction(
        _key(kind, target, draft.incident_id, change), kind, target, draft.incident_id, payload
    )


def ticket_update(
    target: str,
    incident_id: str,
    change: str,
    *,
    comment: str | None = None,
    priority: Priority | None = None,
    title: str | None = None,
) -> OutboxAction:
    """Comment on / re-prioritize / retitle the ticket; ``change`` names this change.

    ``change`` makes the idempotency key: the same incident change (a redelivered message)
    gives the same key and is sent once; a new change needs a new name (e.g. the incident's
    ``updated_at`` or a counter).
    """
    if not change:
        raise ValueError("a ticket update needs a change name for its idempotency key")
    payload = {
        "comment": comment,
        "priority": None if priority is None else priority.value,
        "title": title,
    }
    kind = ActionKind.TICKET_UPDATE
    return OutboxAction(_key(kind, target, incident_id, change), kind, target, incident_id, payload)


def ticket_resolve(
    target: str, incident_id: str, comment: str, *, change: str = ""
) -> OutboxAction:
    """Comment and resolve the ticket (a reopened incident resolves again with a new change)."""
    kind = ActionKind.TICKET_RESOLVE
    return OutboxAction(
        _key(kind, target, incident_id, change), kind, target, incident_id, {"comment": comment}
    )


def ticket_reopen(target: str, incident_id: str, comment: str, *, change: str) -> OutboxAction:
    """Comment and reopen the incident's resolved ticket (the incident failed again, or a
    person resolved it while it is still open); ``change`` names the reopening."""
    if not change:
        raise ValueError("a ticket reopen needs a change name for its idempotency key")
    kind = ActionKind.TICKET_REOPEN
    return OutboxAction(
        _key(kind, target, incident_id, change), kind, target, incident_id, {"comment": comment}
    )


_PAGE_KINDS: Final[Mapping[PageEvent, ActionKind]] = {
    PageEvent.TRIGGER: ActionKind.PAGE_TRIGGER,
    PageEvent.ACKNOWLEDGE: ActionKind.PAGE_ACKNOWLEDGE,
    PageEvent.RESOLVE: ActionKind.PAGE_RESOLVE,
}


def send_page(target: str, page: Page, *, change: str = "") -> OutboxAction:
    """Send one page; the default key allows one page per event and escalation level."""
    kind = _PAGE_KINDS[page.event]
    payload = {
        "page": {
            "dedup_key": page.dedup_key,
            "event": page.event.value,
            "summary": page.summary,
            "priority": page.priority.value,
            "team": page.team,
            "source": page.source,
            "severity": page.severity,
            "runbook": page.runbook,
            "url": page.url,
            "escalation_level": page.escalation_level,
            "details": dict(page.details),
        }
    }
    level_change = f"L{page.escalation_level}" + (f":{change}" if change else "")
    return OutboxAction(
        _key(kind, target, page.dedup_key, level_change), kind, target, page.dedup_key, payload
    )


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise PayloadError(f"{key!r} must be a string or null, got {value!r}")
    return value


def _str(data: Mapping[str, Any], key: str) -> str:
    value = _opt_str(data, key)
    if value is None:
        raise PayloadError(f"{key!r} is missing")
    return value


def _opt_float(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{key!r} must be a number or null, got {value!r}")
    return float(value)


def _priority(data: Mapping[str, Any], key: str) -> Priority | None:
    value = _opt_str(data, key)
    if value is None:
        return None
    try:
        return Priority(value)
    except ValueError:
        raise PayloadError(f"{key!r} is not a priority: {value!r}") from None


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise PayloadError(f"{key!r} must be an object, got {value!r}")
    return value


def draft_of(payload: Mapping[str, Any]) -> TicketDraft:
    """The ticket draft of a ``ticket.create`` payload."""
    draft = _mapping(payload, "draft")
    priority = _priority(draft, "priority")
    if priority is None:
        raise PayloadError("'priority' is missing")
    nodes = draft.get("nodes") or []
    if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes):
        raise PayloadError(f"'nodes' must be a list of strings, got {nodes!r}")
    return TicketDraft(
        incident_id=_str(draft, "incident_id"),
        title=_str(draft, "title"),
        description=_str(draft, "description"),
        priority=priority,
        team=_str(draft, "team"),
        root=_opt_str(draft, "root"),
        runbook=_opt_str(draft, "runbook"),
        nodes=tuple(nodes),
        url=_opt_str(draft, "url"),
    )


def page_of(payload: Mapping[str, Any]) -> Page:
    """The page of a ``page.*`` payload."""
    data = _mapping(payload, "page")
    priority = _priority(data, "priority")
    if priority is None:
        raise PayloadError("'priority' is missing")
    try:
        event = PageEvent(_str(data, "event"))
    except ValueError as exc:
        raise PayloadError(f"'event' is not a page event: {data.get('event')!r}") from exc
    level = data.get("escalation_level", 1)
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise PayloadError(f"'escalation_level' must be a positive integer, got {level!r}")
    details = data.get("details") or {}
    if not isinstance(details, Mapping):
        raise PayloadError(f"'details' must be an object, got {details!r}")
    return Page(
        dedup_key=_str(data, "dedup_key"),
        event=event,
        summary=_str(data, "summary"),
        priority=priority,
        team=_str(data, "team"),
        source=_str(data, "source"),
        severity=_opt_str(data, "severity") or "critical",
        runbook=_opt_str(data, "runbook"),
        url=_opt_str(data, "url"),
        escalation_level=level,
        details=dict(details),
    )


# ---------------------------------------------------------------------------------------
# the worker


class Outcome(StrEnum):
    """What became of one claimed action in one pass."""

    SENT = "sent"
    RETRY = "retry"  # a retryable failure; due again later
    DEFERRED = "deferred"  # waiting for its ticket.create; no attempt counted
    FAILED = "failed"  # given up, with the reason
    UNRECORDED = "unrecorded"  # the store could not record it; due again after the lease


@dataclass(frozen=True, slots=True)
class Handled:
    """One action handled by :meth:`OutboxWorker.run_once`, and why it ended so."""

    action_id: int
    kind: ActionKind
    target: str
    incident_id: str
    outcome: Outcome
    reason: str


@dataclass(slots=True)
class RunSummary:
    """What one :meth:`OutboxWorker.run_once` did."""

    handled: list[Handled] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        """How many actions ended with ``outcome``."""
        return sum(1 for h in self.handled if h.outcome is outcome)


@dataclass(frozen=True, slots=True)
class _Sent:
    result: Mapping[str, Any]
    effects: SentEffects | None
    reason: str


@dataclass(frozen=True, slots=True)
class _Retry:
    error: str
    retry_after: float | None


@dataclass(frozen=True, slots=True)
class _Wait:
    reason: str


@dataclass(frozen=True, slots=True)
class _Fail:
    reason: str


_Decision = _Sent | _Retry | _Wait | _Fail


class OutboxWorker:
    """Sends due outbox actions through the ticket systems and pagers named by target."""

    def __init__(
        self,
        store: Store,
        tickets: Mapping[str, TicketSystem],
        pagers: Mapping[str, Pager],
        clock: Clock,
        *,
        backoff_base_s: float = 2.0,
        backoff_cap_s: float = 120.0,
        max_attempts: int | None = None,
        max_age_s: float | None = 24 * 3600.0,
        rng: random.Random | None = None,
        send_timeout_s: float = 30.0,
        concurrency: int = 8,
        wait_s: float = 5.0,
        poll_interval_s: float = 1.0,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._store = store
        self._tickets = tickets
        self._pagers = pagers
        self._clock = clock
        self._base = backoff_base_s
        self._cap = backoff_cap_s
        self._max_attempts = max_attempts
        self._max_age_s = max_age_s
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter only
        self._send_timeout_s = send_timeout_s
        self._concurrency = concurrency
        self._wait_s = wait_s
        self._poll_interval_s = poll_interval_s
        self._on_change = on_change  # hears the incident whose ticket or pages a send changed
        # a claimed action must outlive one send and the store calls around it
        self.lease_s: Final = 2 * send_timeout_s + 30.0
        self._wake = asyncio.Event()

    # running

    def wake(self) -> None:
        """Look for due actions now (dispatch calls this after enqueuing)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send due actions until ``stop`` is set; a store outage only delays them."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.run_once()
            except StoreError as exc:
                log.warning("outbox: the store is unavailable: %s", exc)
            await self._idle(stop)

    async def _idle(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(
                waiters, timeout=self._poll_interval_s, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    async def run_once(self, max_batches: int = 1000) -> RunSummary:
        """Send every action due now; returns what became of each."""
        summary = RunSummary()
        for _ in range(max_batches):
            batch = await self._store.due(
                self._clock.now(), self._concurrency, lease_s=self.lease_s
            )
            if not batch:
                break
            summary.handled.extend(await asyncio.gather(*(self._handle(e) for e in batch)))
        return summary

    # one action

    async def _handle(self, entry: OutboxEntry) -> Handled:
        try:
            decision = await self._attempt(entry)
        except DeliveryError as exc:
            decision = _Retry(str(exc), exc.retry_after_s) if exc.retryable else _Fail(str(exc))
        except TimeoutError:
            decision = _Retry(f"{entry.target}: no answer within {self._send_timeout_s:g} s", None)
        except PayloadError as exc:
            decision = _Fail(f"bad {entry.kind.value} payload: {exc}")
        except StoreError as exc:
            return self._unrecorded(entry, exc)
        except Exception as exc:  # an adapter bug must not stop the other actions
            log.exception("outbox: %s #%d raised", entry.kind.value, entry.id)
            decision = _Retry(f"{entry.target}: unexpected {type(exc).__name__}: {exc}", None)
        try:
            outcome, reason = await self._record(entry, decision)
        except StoreError as exc:
            return self._unrecorded(entry, exc)
        handled = Handled(entry.id, entry.kind, entry.target, entry.incident_id, outcome, reason)
        level = logging.WARNING if outcome in {Outcome.FAILED, Outcome.RETRY} else logging.INFO
        log.log(
            level,
            "outbox: %s #%d %s -> %s: %s",
            entry.kind.value,
            entry.id,
            entry.incident_id,
            outcome.value,
            reason,
        )
        return handled

    def _unrecorded(self, entry: OutboxEntry, exc: StoreError) -> Handled:
        reason = f"the store could not record the outcome ({exc}); due again after the lease"
        log.warning("outbox: %s #%d: %s", entry.kind.value, entry.id, reason)
        return Handled(
            entry.id, entry.kind, entry.target, entry.incident_id, Outcome.UNRECORDED, reason
        )

    async def _record(self, entry: OutboxEntry, decision: _Decision) -> tuple[Outcome, str]:
        now = self._clock.now()
        if isinstance(decision, _Sent):
            await self._store.mark_sent(entry.id, decision.result, decision.effects)
            if self._on_change is not None and decision.effects is not None:
                try:
                    self._on_change(entry.incident_id)
                except Exception:  # a listener never stops sending
                    log.exception("outbox: change listener failed")
            return Outcome.SENT, decision.reason
        if isinstance(decision, _Wait):
            await self._store.defer(entry.id, now + self._wait_s, decision.reason)
            return Outcome.DEFERRED, decision.reason
        if isinstance(decision, _Fail):
            await self._store.mark_failed(entry.id, decision.reason)
            return Outcome.FAILED, decision.reason
        attempts = entry.attempts + 1
        if self._max_attempts is not None and attempts >= self._max_attempts:
            reason = f"gave up after {attempts} attempts: {decision.error}"
            await self._store.mark_failed(entry.id, reason)
            return Outcome.FAILED, reason
        age = now - entry.created_at
        if self._max_age_s is not None and age >= self._max_age_s:
            reason = f"gave up after {age:.0f} s and {attempts} attempts: {decision.error}"
            await self._store.mark_failed(entry.id, reason)
            return Outcome.FAILED, reason
        plan = next_attempt(
            attempts, now, decision.retry_after, self._base, self._cap, self._rng.random()
        )
        reason = f"{decision.error}; attempt {attempts}, {plan.describe()}"
        await self._store.mark_retry(entry.id, plan.at, reason)
        return Outcome.RETRY, reason

    async def _attempt(self, entry: OutboxEntry) -> _Decision:
        if entry.kind.is_ticket:
            system = self._tickets.get(entry.target)
            if system is None:
                return _Fail(f"no ticket system named {entry.target!r} is configured")
            if entry.kind is ActionKind.TICKET_CREATE:
                return await self._create(entry, system)
            return await self._change(entry, system)
        pager = self._pagers.get(entry.target)
        if pager is None:
            return _Fail(f"no pager named {entry.target!r} is configured")
        return await self._page(entry, pager)

    async def _create(self, entry: OutboxEntry, system: TicketSystem) -> _Decision:
        existing = await self._store.ticket(entry.incident_id, entry.target)
        if existing is not None:
            return _Sent(
                _ref_json(existing), None, f"already has ticket {existing.ticket_id}; not sent"
            )
        draft = draft_of(entry.payload)
        response_due = _opt_float(entry.payload, "response_due")
        resolution_due = _opt_float(entry.payload, "resolution_due")
        async with asyncio.timeout(self._send_timeout_s):
            ref = await system.create(draft)
        now = self._clock.now()
        record = TicketRecord(
            incident_id=entry.incident_id,
            system=entry.target,
            ticket_id=ref.ticket_id,
            status=TicketStatus.NEW,
            priority=draft.priority,
            created_at=now,
            updated_at=now,
            url=ref.url,
            response_due=response_due,
            resolution_due=resolution_due,
        )
        step = HistoryEntry(
            entry.incident_id,
            now,
            ACTOR,
            HistoryStep.CREATED,
            f"ticket {ref.ticket_id} opened at {draft.priority.value}",
            entry.target,
        )
        return _Sent(
            _ref_json(record),
            SentEffects(ticket=record, history=[step]),
            f"created ticket {ref.ticket_id}",
        )

    async def _change(self, entry: OutboxEntry, system: TicketSystem) -> _Decision:
        record = await self._store.ticket(entry.incident_id, entry.target)
        if record is None:
            return await self._no_ticket(entry)
        ref = TicketRef(record.system, record.ticket_id, record.url)
        payload = entry.payload
        key = CommentKey(entry.idempotency_key, retry=entry.is_retry)
        if entry.kind is ActionKind.TICKET_RESOLVE:
            detail = _str(payload, "comment")
            async with asyncio.timeout(self._send_timeout_s):
                await system.resolve(ref, detail, key=key)
            now = self._clock.now()
            record = replace(record, status=TicketStatus.RESOLVED, updated_at=now)
            step = HistoryStep.RESOLVED
        elif entry.kind is ActionKind.TICKET_REOPEN:
            detail = _str(payload, "comment")
            async with asyncio.timeout(self._send_timeout_s):
                await system.reopen(ref, detail, key=key)
            now = self._clock.now()
            status = TicketStatus.ASSIGNED if record.assignee else TicketStatus.NEW
            record = replace(record, status=status, updated_at=now)
            step = HistoryStep.REOPENED
        else:
            comment = _opt_str(payload, "comment")
            priority = _priority(payload, "priority")
            title = _opt_str(payload, "title")
            async with asyncio.timeout(self._send_timeout_s):
                await system.update(ref, comment=comment, priority=priority, title=title, key=key)
            now = self._clock.now()
            record = replace(record, priority=priority or record.priority, updated_at=now)
            step = HistoryStep.UPDATED
            detail = "; ".join(
                part
                for part in (
                    None if priority is None else f"priority {priority.value}",
                    None if title is None else f"title {title!r}",
                    comment,
                )
                if part
            )
        history = HistoryEntry(entry.incident_id, now, ACTOR, step, detail, entry.target)
        return _Sent(
            _ref_json(record),
            SentEffects(ticket=record, history=[history]),
            f"{step.value} ticket {record.ticket_id}",
        )

    async def _no_ticket(self, entry: OutboxEntry) -> _Decision:
        creates = [
            a
            for a in await self._store.actions(entry.incident_id)
            if a.kind is ActionKind.TICKET_CREATE and a.target == entry.target
        ]
        pending = [a for a in creates if a.status is OutboxStatus.PENDING]
        if pending:
            create = pending[0]
            why = create.last_error or "not sent yet"
            return _Wait(f"waiting for ticket.create #{create.id} ({why})")
        if creates:
            last = creates[-1]
            return _Fail(
                f"no ticket: ticket.create #{last.id} is {last.status.value}"
                + (f" ({last.last_error})" if last.last_error else "")
            )
        return _Fail(
            f"no ticket for {entry.incident_id} in {entry.target!r} and no ticket.create queued"
        )

    async def _page(self, entry: OutboxEntry, pager: Pager) -> _Decision:
        page = page_of(entry.payload)
        if _PAGE_KINDS[page.event] is not entry.kind:
            raise PayloadError(f"a {entry.kind.value} action carries a {page.event.value} page")
        async with asyncio.timeout(self._send_timeout_s):
            await pager.send(page)
        now = self._clock.now()
        level = page.escalation_level
        if page.event is PageEvent.TRIGGER:
            step = HistoryStep.PAGED if level == 1 else HistoryStep.ESCALATED
        elif page.event is PageEvent.ACKNOWLEDGE:
            step = HistoryStep.ACKNOWLEDGED
        else:
            step = HistoryStep.RESOLVED
        detail = f"level {level} {page.event.value}: {page.summary}"
        effects = SentEffects(
            history=[HistoryEntry(entry.incident_id, now, ACTOR, step, detail, entry.target)],
            pages=[PageRecord(entry.incident_id, entry.target, page.event, level, now)],
        )
        result = {"pager": entry.target, "event": page.event.value, "level": level}
        return _Sent(result, effects, f"{page.event.value} level {level} sent")


def _ref_json(record: TicketRecord) -> dict[str, Any]:
    return {"system": record.system, "ticket_id": record.ticket_id, "url": record.url}
