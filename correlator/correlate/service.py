"""The correlator as a bus consumer: `correlator.alerts` in, `correlator.incidents` out.

Offsets are committed only after the incident changes caused by a batch of alerts are
published (specs/kafka-topics.md), so a crash between the two redelivers the alerts
rather than losing them. Time is the injected clock; timers (opening hold, resolve
linger) fire on every loop turn even when no alert arrives.

Operator commands (merge, split, re-root from the API) run in the same loop, between two
batches, through :meth:`CorrelatorService.execute`: the engine is only ever touched by
this loop, and the incidents a command changed are published like any others before its
caller hears back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import structlog

from correlator.bus.protocol import Bus, Consumer, Message, Record
from correlator.bus.topics import Topics
from correlator.clock import Clock
from correlator.correlate.engine import Engine, Incident
from correlator.correlate.report import incident_record
from correlator.correlate.snapshot import export_state
from correlator.model import event_from_json
from topology.model import Topology, TopologyError

if TYPE_CHECKING:
    from correlator.telemetry import Metrics

log = structlog.get_logger("correlator.correlate")
T = TypeVar("T")
PURGE_EVERY_S = 60.0  # how often resolved incidents past their retention are forgotten


@dataclass(slots=True)
class ServiceStats:
    """Counters the service keeps (the daemon exports them through :class:`CorrelateMetrics`)."""

    consumed: int = 0
    undecodable: int = 0
    failed: int = 0  # alerts the engine could not correlate (a bug: logged with its trace)
    incidents_published: int = 0
    commands: int = 0
    decisions: dict[str, int] = field(default_factory=dict)


# Time to correlate one batch of alerts (up to ``batch`` of them): a quiet minute takes well
# under a millisecond, a storm's batch of 500 tens to hundreds of milliseconds.
_BATCH_BUCKETS: Final = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class CorrelateMetrics:
    """The correlate stage's Prometheus metrics, registered once on the daemon's registry.

    ``correlator_alerts_consumed_total{outcome}``: every message read from the alerts topic,
    as ``correlated``, ``undecodable`` (a foreign producer's record) or ``failed`` (the engine
    raised: a bug, logged with its trace). ``correlator_incidents_opened_total{how}``
    (``new`` or ``reopened``) and ``correlator_incidents_resolved_total`` count status
    changes as published on the incidents topic; ``correlator_correlate_seconds`` is the
    time spent correlating each batch.
    """

    def __init__(self, metrics: Metrics) -> None:
        self.consumed: Final = metrics.counter(
            "correlator_alerts_consumed_total",
            "Messages read from the alerts topic, by outcome (correlated, undecodable, failed).",
            ("outcome",),
        )
        self.opened: Final = metrics.counter(
            "correlator_incidents_opened_total",
            "Incidents published as open, new or reopened after they had resolved.",
            ("how",),
        )
        self.resolved: Final = metrics.counter(
            "correlator_incidents_resolved_total",
            "Incidents published as resolved (every alert recovered, linger passed).",
        )
        self.seconds: Final = metrics.histogram(
            "correlator_correlate_seconds",
            "Time to correlate one batch of alerts read from the bus.",
            buckets=_BATCH_BUCKETS,
        )
        for outcome in ("correlated", "undecodable", "failed"):
            self.consumed.labels(outcome)  # exported at 0 from the start
        for how in ("new", "reopened"):
            self.opened.labels(how)


class CorrelatorService:
    """Consume normalized alerts, correlate, publish incident changes, then commit."""

    def __init__(
        self,
        bus: Bus,
        topics: Topics,
        engine: Engine,
        clock: Clock,
        *,
        group: str = "correlator",
        poll_s: float = 0.5,
        batch: int = 500,
        snapshot_path: Path | None = None,
        checkpoint_s: float = 30.0,
        maintenance: Callable[[float], frozenset[str]] | None = None,
        metrics: CorrelateMetrics | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.bus = bus
        self.topics = topics
        self.engine = engine
        self.clock = clock
        self.group = group
        self.poll_s = poll_s
        self.batch = batch
        self.stats = ServiceStats()
        self._consumer: Consumer | None = None
        self._reload: Callable[[], Topology] | None = None
        self._last_purge = float("-inf")
        self.snapshot_path = snapshot_path
        self.checkpoint_s = checkpoint_s
        # With a snapshot file, offsets are committed at checkpoints only, each right after
        # the snapshot of the state they stand for: the last message handled per partition
        # waits here, and a crash restarts from the snapshot with exactly the alerts after it.
        self._uncommitted: dict[tuple[str, int], Message] = {}
        self._dirty = False
        self._last_checkpoint = float("-inf")
        self._maintenance = maintenance
        self._maintenance_nodes: frozenset[str] | None = None  # None: never applied yet
        self._commands: deque[tuple[Callable[[Engine, float], Any], asyncio.Future[Any]]] = deque()
        self._wake = asyncio.Event()
        self._metrics = metrics
        self._timer = timer
        self._published_status: dict[str, str] = {}  # incident id -> status last published

    def execute(self, command: Callable[[Engine, float], T]) -> Awaitable[T]:
        """Queue ``command(engine, now)`` to run between two batches of the loop (or at the
        next :meth:`step` if the loop is not running yet). The awaitable resolves, after
        the incidents it changed are published, to what it returned, or raises what it
        raised. Call it from the event loop the service runs on.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._commands.append((command, future))
        self._wake.set()
        return future

    def request_reload(self, loader: Callable[[], Topology]) -> None:
        """Reload the topology before the next batch (SIGHUP, API); open incidents stay."""
        self._reload = loader

    def _apply_reload(self) -> None:
        loader, self._reload = self._reload, None
        if loader is None:
            return
        try:
            topology = loader()
        except (TopologyError, OSError) as exc:
            # An operator's bad file, not a bug: one line, no traceback.
            log.error("topology_reload_failed", error=str(exc), kept="previous topology")  # noqa: TRY400
            return
        self.engine.reload(topology)
        log.info(
            "topology_reloaded",
            file=topology.file,
            nodes=len(topology.nodes),
            open_incidents=sum(1 for i in self.engine.incidents() if i.status.value == "open"),
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until ``stop`` is set; the last handled batch is committed before return.

        A queued operator command wakes the loop at once: it runs while the fetch of the
        next batch is still waiting (that fetch is picked up on the next turn). ``stop``
        too ends the wait; a fetch still pending then is dropped (nothing it read was
        committed, so it is delivered again).
        """
        consumer = await self.bus.consumer([self.topics.alerts], self.group)
        self._consumer = consumer
        self._last_checkpoint = self.clock.now()
        clean = False
        fetch: asyncio.Task[list[Message]] | None = None
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                if fetch is None:
                    fetch = asyncio.ensure_future(consumer.getmany(self.poll_s, self.batch))
                self._wake.clear()
                if not self._commands:
                    wake = asyncio.ensure_future(self._wake.wait())
                    try:
                        await asyncio.wait(
                            (fetch, wake, stopping), return_when=asyncio.FIRST_COMPLETED
                        )
                    finally:
                        wake.cancel()
                messages: list[Message] = []
                if fetch.done():
                    messages, fetch = fetch.result(), None
                await self.step(messages)
                await self._commit(consumer, messages)
            await self._checkpoint(consumer)  # a clean stop: state and offsets agree
            clean = True
        finally:
            stopping.cancel()
            if fetch is not None and not fetch.done():
                fetch.cancel()  # nothing it might have read is committed: it comes again
                with contextlib.suppress(asyncio.CancelledError):
                    await fetch
            self._fail_commands(RuntimeError("the correlator stopped before running it"))
            await consumer.stop()
        if clean:
            log.info("correlator_stopped", consumed=self.stats.consumed)

    async def _commit(self, consumer: Consumer, messages: Sequence[Message]) -> None:
        """Commit a handled batch: at once without a snapshot file, else at the next
        checkpoint (every ``checkpoint_s`` while anything changed)."""
        if self.snapshot_path is None:
            if messages:
                await consumer.commit(messages)
            return
        for message in messages:
            self._uncommitted[(message.topic, message.partition)] = message
        if messages:
            self._dirty = True
        if self.clock.now() - self._last_checkpoint >= self.checkpoint_s:
            await self._checkpoint(consumer)

    async def _checkpoint(self, consumer: Consumer) -> None:
        """Write the engine's state, then commit the offsets of what it holds.

        In that order: a crash between the two redelivers alerts the state already has
        (seen again as repeats), never loses one the state lacks.
        """
        self._last_checkpoint = self.clock.now()
        if self.snapshot_path is None or not (self._dirty or self._uncommitted):
            return
        await self.write_snapshot(self.snapshot_path)
        self._dirty = False
        pending, self._uncommitted = list(self._uncommitted.values()), {}
        if pending:
            await consumer.commit(pending)

    async def write_snapshot(self, path: Path) -> None:
        """Write the engine's state atomically and durably (a temporary file, fsync, then a
        rename). The state is serialized in the loop (consistent); the disk write runs in a
        thread, so a large state does not hold up the loop while it is written."""
        data = export_state(self.engine)
        text = json.dumps(data, ensure_ascii=True)
        await asyncio.to_thread(_write_atomically, path, text)
        log.info("engine_state_saved", file=str(path), incidents=len(data["incidents"]))

    async def step(self, messages: Sequence[Message]) -> None:
        """Handle one batch and publish every incident it changed (plus due timers)."""
        engine = self.engine
        engine.advance(self.clock.now())
        self._apply_reload()  # after advancing, so its changes carry the current time
        self._apply_maintenance()
        done = self._run_commands()
        try:
            await self._handle(messages)
        except BaseException as exc:
            self._settle(done, exc)
            raise
        self._settle(done, None)

    def _apply_maintenance(self) -> None:
        """Hand the engine the nodes in operator maintenance windows, when they changed."""
        if self._maintenance is None:
            return
        now = self.clock.now()
        try:
            nodes = frozenset(self._maintenance(now))
        except Exception:
            # The windows come from the store: keep the last known set and go on.
            log.exception("maintenance_lookup_failed", kept=sorted(self._maintenance_nodes or ()))
            return
        if nodes != self._maintenance_nodes:
            self.engine.set_operator_maintenance(nodes, now)
            self._maintenance_nodes = nodes
            log.info("operator_maintenance", nodes=sorted(nodes))

    def _run_commands(self) -> list[tuple[asyncio.Future[Any], Any, BaseException | None]]:
        """Run the queued operator commands; their outcomes wait for the publication."""
        done: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        while self._commands:
            command, future = self._commands.popleft()
            if future.done():  # the caller gave up (cancelled) before it ran
                continue
            self.stats.commands += 1
            try:
                result = command(self.engine, self.clock.now())
            except Exception as exc:  # the caller's to handle (OperatorError: 4xx)
                done.append((future, None, exc))
            else:
                done.append((future, result, None))
        return done

    @staticmethod
    def _settle(
        done: list[tuple[asyncio.Future[Any], Any, BaseException | None]],
        failure: BaseException | None,
    ) -> None:
        """Resolve the commands' futures; ``failure``: publishing their changes failed."""
        for future, result, error in done:
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            elif failure is not None:
                future.set_exception(
                    RuntimeError(f"its changes could not be published: {failure!r}")
                )
            else:
                future.set_result(result)

    def _fail_commands(self, error: BaseException) -> None:
        while self._commands:
            _, future = self._commands.popleft()
            if not future.done():
                future.set_exception(error)

    async def _handle(self, messages: Sequence[Message]) -> None:
        """Correlate one batch, then publish every incident changed since the last one."""
        engine = self.engine
        metrics = self._metrics
        started = self._timer()
        for message in messages:
            self.stats.consumed += 1
            if message.value is None:
                continue
            try:
                event = event_from_json(json.loads(message.value))
            except (ValueError, KeyError, TypeError) as exc:
                # Written by a foreign producer: keep going, say so; the message stays on
                # the alerts topic for whoever needs to look at it.
                self.stats.undecodable += 1
                if metrics is not None:
                    metrics.consumed.labels("undecodable").inc()
                log.warning(
                    "undecodable_alert",
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    error=str(exc),
                )
                continue
            now = self.clock.now()
            try:
                decision = engine.handle(
                    event,
                    seq=message.offset,
                    event_id=f"{message.partition}:{message.offset}",
                    now=now,
                )
            except Exception:
                # A bug in the engine must not stop every later alert (the daemon would
                # restart on the same message for ever): say so loudly, with the trace and
                # where the alert is kept, and go on with the next one.
                self.stats.failed += 1
                if metrics is not None:
                    metrics.consumed.labels("failed").inc()
                log.exception(
                    "alert_not_correlated",
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    source=event.source.value,
                    host=event.host,
                )
                continue
            if metrics is not None:
                metrics.consumed.labels("correlated").inc()
            counts = self.stats.decisions
            counts[decision.action.value] = counts.get(decision.action.value, 0) + 1
            log.debug(
                "alert_correlated",
                action=decision.action.value,
                incident=decision.incident,
                reason=decision.reason,
            )
        changed = engine.drain_changes()
        if metrics is not None and messages:
            metrics.seconds.observe(self._timer() - started)
        now = self.clock.now()
        purged: list[Record] = []
        gone: list[Incident] = []
        if now - self._last_purge >= PURGE_EVERY_S:
            self._last_purge = now
            gone = engine.forget_resolved(now - engine.settings.forget_after_s)
            purged = [Record(self.topics.incidents, inc.id.encode(), None) for inc in gone]
            if gone:
                log.info("incidents_forgotten", count=len(gone))
        if changed or purged:
            self._dirty = True  # timers and operator commands change the state too
            records = [incident_record(inc, self.topics.incidents) for inc in changed]
            records += purged
            await self.bus.publish(records)
            self.stats.incidents_published += len(records)
            self._count_transitions(changed, [inc.id for inc in gone])
            for inc in changed:
                log.info(
                    "incident_changed",
                    incident=inc.id,
                    status=inc.status.value,
                    root=inc.root,
                    priority=inc.priority.value,
                    alerts=len(inc.alerts),
                )

    def _count_transitions(self, changed: Sequence[Incident], forgotten: Sequence[str]) -> None:
        """Count the opens and resolves among the incident changes just published."""
        metrics = self._metrics
        if metrics is None:
            return  # nothing to count for: no status is remembered either
        last = self._published_status
        for inc in changed:
            status = inc.status.value
            before = last.get(inc.id)
            last[inc.id] = status
            if status == before:
                continue
            if status == "open":
                metrics.opened.labels("new" if before is None else "reopened").inc()
            elif status == "resolved":
                metrics.resolved.inc()
        for incident_id in forgotten:
            last.pop(incident_id, None)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
