"""The correlator as a bus consumer: `correlator.alerts` in, `correlator.incidents` out.

Offsets are committed only after the incident changes caused by a batch of alerts are
published (specs/kafka-topics.md), so a crash between the two redelivers the alerts
rather than losing them. Time is the injected clock; timers (opening hold, resolve
linger) fire on every loop turn even when no alert arrives.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from correlator.bus.protocol import Bus, Consumer, Message, Record
from correlator.bus.topics import Topics
from correlator.clock import Clock
from correlator.correlate.engine import Engine
from correlator.correlate.report import incident_record
from correlator.correlate.snapshot import export_state
from correlator.model import event_from_json
from topology.model import Topology, TopologyError

log = structlog.get_logger("correlator.correlate")
PURGE_EVERY_S = 60.0  # how often resolved incidents past their retention are forgotten


@dataclass(slots=True)
class ServiceStats:
    """Counters the service keeps (also exported as metrics by the composition root)."""

    consumed: int = 0
    undecodable: int = 0
    incidents_published: int = 0
    decisions: dict[str, int] = field(default_factory=dict)


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
        """Loop until ``stop`` is set; the last handled batch is committed before return."""
        consumer = await self.bus.consumer([self.topics.alerts], self.group)
        self._consumer = consumer
        clean = False
        try:
            while not stop.is_set():
                messages = await consumer.getmany(self.poll_s, self.batch)
                await self.step(messages)
                if messages:
                    await consumer.commit(messages)
            clean = True
        finally:
            await consumer.stop()
        if clean and self.snapshot_path is not None:
            # After the last commit: the snapshot is exactly the state of what was
            # committed, so the next start carries on from there.
            self.write_snapshot(self.snapshot_path)

    def write_snapshot(self, path: Path) -> None:
        """Write the engine's state atomically (a temporary file, then a rename)."""
        data = export_state(self.engine)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
        tmp.replace(path)
        log.info("engine_state_saved", file=str(path), incidents=len(data["incidents"]))

    async def step(self, messages: Sequence[Message]) -> None:
        """Handle one batch and publish every incident it changed (plus due timers)."""
        engine = self.engine
        engine.advance(self.clock.now())
        self._apply_reload()  # after advancing, so its changes carry the current time
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
                log.warning(
                    "undecodable_alert",
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    error=str(exc),
                )
                continue
            now = self.clock.now()
            decision = engine.handle(
                event,
                seq=message.offset,
                event_id=f"{message.partition}:{message.offset}",
                now=now,
            )
            counts = self.stats.decisions
            counts[decision.action.value] = counts.get(decision.action.value, 0) + 1
            log.debug(
                "alert_correlated",
                action=decision.action.value,
                incident=decision.incident,
                reason=decision.reason,
            )
        changed = engine.drain_changes()
        now = self.clock.now()
        purged: list[Record] = []
        if now - self._last_purge >= PURGE_EVERY_S:
            self._last_purge = now
            gone = engine.forget_resolved(now - engine.settings.forget_after_s)
            purged = [Record(self.topics.incidents, inc.id.encode(), None) for inc in gone]
            if gone:
                log.info("incidents_forgotten", count=len(gone))
        if changed or purged:
            records = [incident_record(inc, self.topics.incidents) for inc in changed]
            records += purged
            await self.bus.publish(records)
            self.stats.incidents_published += len(records)
            for inc in changed:
                log.info(
                    "incident_changed",
                    incident=inc.id,
                    status=inc.status.value,
                    root=inc.root,
                    priority=inc.priority.value,
                    alerts=len(inc.alerts),
                )
