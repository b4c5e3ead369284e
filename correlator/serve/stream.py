# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The live stream of incident changes (``GET /api/v1/stream``, server-sent events).

Dispatch calls :meth:`StreamHub.changed` with an incident id after each store write; the
hub's task (a background service of the daemon) reads the incident's summary once and
hands it to every client. Each client has a bounded queue: a client that does not keep up
(its queue is full) is dropped, its stream ends and its ``EventSource`` reconnects, and
nobody else waits for it. Changes of one incident that arrive faster than the summaries
are read are coalesced (the latest state is what is sent).

The wire format::

    event: hello            (first: who the stream is for)
    data: {"name": "noc-wall", "role": "viewer"}

    event: incident         (each change: the incident's summary, as the list shows it)
    data: {"id": "INC-000001", ...}

    : keepalive             (a comment every ``keepalive_s`` without a change)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import structlog
from structlog.typing import FilteringBoundLogger

QUEUE_SIZE: Final = 256
"""Events a client may fall behind before it is dropped."""
KEEPALIVE_S: Final = 15.0

Summarize = Callable[[str], Awaitable[Mapping[str, Any] | None]]
"""Reads the summary of an incident by id (None: not in the store)."""


def sse(event: str, data: Mapping[str, Any]) -> str:
    """One server-sent event (the JSON on one ``data:`` line)."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@dataclass(eq=False, slots=True)
class Subscription:
    """One connected client: its queue of events (None ends the stream)."""

    queue: asyncio.Queue[str | None]
    dropped: bool = False


@dataclass(slots=True)
class HubStats:
    """What the hub did (for tests and logs)."""

    published: int = 0
    dropped_clients: int = 0
    failed_reads: int = 0


@dataclass(slots=True)
class StreamHub:
    """Fan incident changes out to the connected clients."""

    summarize: Summarize
    queue_size: int = QUEUE_SIZE
    keepalive_s: float = KEEPALIVE_S
    log: FilteringBoundLogger = field(
        default_factory=lambda: structlog.get_logger("correlator.serve.stream")
    )
    stats: HubStats = field(default_factory=HubStats)
    _clients: set[Subscription] = field(default_factory=set)
    _pending: dict[str, None] = field(default_factory=dict)  # ordered set of changed ids
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _closed: bool = False

    @property
    def clients(self) -> int:
        """How many clients are connected."""
        return len(self._clients)

    def changed(self, incident_id: str) -> None:
        """Dispatch's ``on_change``: the incident was written (cheap; never blocks)."""
        if self._closed:
            return
        self._pending[incident_id] = None
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Publish the changed incidents until ``stop`` is set, then end every stream."""
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                waking = asyncio.create_task(self._wake.wait())
                await asyncio.wait({stopping, waking}, return_when=asyncio.FIRST_COMPLETED)
                waking.cancel()
                self._wake.clear()
                await self.flush()
        finally:
            stopping.cancel()
            self.close()

    async def flush(self) -> None:
        """Read and publish the summary of each incident changed since the last flush."""
        while self._pending:
            incident_id = next(iter(self._pending))
            del self._pending[incident_id]
            try:
                summary = await self.summarize(incident_id)
            except Exception as exc:  # a store hiccup must not end the stream
                self.stats.failed_reads += 1
                self.log.warning("stream_read_failed", incident=incident_id, error=str(exc))
                continue
            if summary is not None:
                self.publish(sse("incident", summary))

    def publish(self, event: str) -> None:
        """Queue one event for every client; drop the clients whose queue is full."""
        self.stats.published += 1
        for client in list(self._clients):
            try:
                client.queue.put_nowait(event)
            except asyncio.QueueFull:
                self._drop(client)

    def subscribe(self) -> Subscription:
        """A new client's subscription (already ended when the hub is closed)."""
        client = Subscription(asyncio.Queue(maxsize=self.queue_size))
        if self._closed:
            client.queue.put_nowait(None)
        else:
            self._clients.add(client)
        return client

    def unsubscribe(self, client: Subscription) -> None:
        """Forget a client that went away."""
        self._clients.discard(client)

    def close(self) -> None:
        """End every stream (the daemon is stopping); later subscribers end at once."""
        self._closed = True
        for client in list(self._clients):
            self._end(client)
        self._clients.clear()

    async def events(self, client: Subscription, hello: Mapping[str, Any]) -> AsyncIterator[str]:
        """The client's stream: ``hello``, then its events, with keepalives between."""
        try:
            yield sse("hello", hello)
            while True:
                try:
                    event = await asyncio.wait_for(client.queue.get(), self.keepalive_s)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if event is None:
                    return
                yield event
        finally:
            self.unsubscribe(client)

    def _drop(self, client: Subscription) -> None:
        client.dropped = True
        self._clients.discard(client)
        self.stats.dropped_clients += 1
        self.log.warning("stream_client_dropped", reason="too slow", queued=self.queue_size)
        self._end(client)

    @staticmethod
    def _end(client: Subscription) -> None:
        while True:  # make room for the end marker
            with contextlib.suppress(asyncio.QueueFull):
                client.queue.put_nowait(None)
                return
            with contextlib.suppress(asyncio.QueueEmpty):
                client.queue.get_nowait()
