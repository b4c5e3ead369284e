# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The bus contract: one suite for the in-memory bus, the journalled one and real Kafka.

Every test gets a fresh topic prefix and fresh group names, so tests sharing the session's
Kafka broker never see each other's messages.
"""

from __future__ import annotations

import asyncio
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka_broker import SASL_USERS, KafkaBroker, TcpProxy, free_port

from correlator.bus.codec import (
    DeadLetter,
    dead_letter_from_message,
    dead_letter_record,
    event_from_message,
    event_record,
    json_record,
)
from correlator.bus.kafka import KafkaBus, KafkaSecurity, MissingTopicError
from correlator.bus.memory import InMemoryBus
from correlator.bus.protocol import Bus, BusUnavailableError, Consumer, Message, Record
from correlator.bus.topics import Topics
from correlator.model import Alert, Notice, NoticeKind, Severity, Source, State

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

# Generous bounds for waiting on Kafka (group joins, first fetch); never asserted on.
DRAIN_S = 60.0
POLL_S = 0.5


def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}."


@dataclass
class Backend:
    """One bus implementation under test, with what the tests need around it."""

    name: str
    topics: Topics
    _open: Callable[[], Bus]
    _outage: Callable[[], Any]
    _unreachable: Callable[[], Bus] | None
    started: list[Bus] = field(default_factory=list)

    async def open(self) -> Bus:
        """A new started bus on the same storage (journal file, Kafka cluster)."""
        bus = self._open()
        await bus.start()
        self.started.append(bus)
        return bus

    def outage(self) -> Any:
        """``async with backend.outage() as (bus, cut, restore)``: a bus that can fail."""
        return self._outage()

    def unreachable(self) -> Bus | None:
        """A bus whose storage cannot be reached, or None when it has no outside storage."""
        return None if self._unreachable is None else self._unreachable()

    def group(self, name: str) -> str:
        return f"{self.topics.prefix}{name}"

    async def close(self) -> None:
        for bus in reversed(self.started):
            await bus.stop()


def _memory_backend() -> Backend:
    shared = InMemoryBus()  # the process is its storage: every open() is the same bus

    @asynccontextmanager
    async def outage() -> AsyncIterator[tuple[Bus, Any, Any]]:
        await shared.start()

        async def cut() -> None:
            shared.set_available(False)

        async def restore() -> None:
            shared.set_available(True)

        yield shared, cut, restore
        await shared.stop()

    return Backend(
        name="memory",
        topics=Topics(_prefix()),
        _open=lambda: shared,
        _outage=outage,
        _unreachable=None,
    )


def _journal_backend(tmp_path: Path) -> Backend:
    journal = tmp_path / "bus.sqlite"
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the journal's folder should be")
    backend: Backend

    @asynccontextmanager
    async def outage() -> AsyncIterator[tuple[Bus, Any, Any]]:
        bus = await backend.open()
        assert isinstance(bus, InMemoryBus)

        async def cut() -> None:
            bus.set_available(False)

        async def restore() -> None:
            bus.set_available(True)

        yield bus, cut, restore

    backend = Backend(
        name="journal",
        topics=Topics(_prefix()),
        _open=lambda: InMemoryBus(journal),
        _outage=outage,
        _unreachable=lambda: InMemoryBus(blocked / "bus.sqlite"),
    )
    return backend


def _kafka_backend(broker: KafkaBroker) -> Backend:
    topics = Topics(_prefix())
    backend: Backend

    @asynccontextmanager
    async def outage() -> AsyncIterator[tuple[Bus, Any, Any]]:
        proxy = TcpProxy(broker.proxied_port, broker.proxied_target)
        await proxy.start()
        bus = KafkaBus(
            broker.proxied_bootstrap,
            topics=topics,
            create_topics=True,
            request_timeout_ms=3000,
            publish_timeout_s=5.0,
            close_timeout_s=5.0,
        )
        try:
            await bus.start()
            yield bus, proxy.cut, proxy.start
        finally:
            await bus.stop()
            await proxy.cut()

    backend = Backend(
        name="kafka",
        topics=topics,
        _open=lambda: KafkaBus(broker.bootstrap, topics=topics, create_topics=True),
        _outage=outage,
        _unreachable=lambda: KafkaBus(
            f"127.0.0.1:{free_port()}", topics=topics, create_topics=True, request_timeout_ms=2000
        ),
    )
    return backend


def secure(broker: KafkaBroker, mechanism: str = "SCRAM-SHA-512", **changes: Any) -> KafkaSecurity:
    """A login as ``correlator`` over TLS, trusting the broker's test CA."""
    options: dict[str, Any] = {
        "protocol": "SASL_SSL",
        "sasl_mechanism": mechanism,
        "sasl_username": "correlator",
        "sasl_password": SASL_USERS["correlator"],
        "ssl_cafile": broker.ca_file,
        **changes,
    }
    return KafkaSecurity(**options)


def _secure_kafka_backend(broker: KafkaBroker) -> Backend:
    """Kafka through the SASL_SSL listener (SCRAM-SHA-512 over TLS); outages as plain Kafka."""
    plain = _kafka_backend(broker)
    topics = plain.topics
    return Backend(
        name="kafka-sasl-ssl",
        topics=topics,
        _open=lambda: KafkaBus(
            broker.secure_bootstrap, topics=topics, create_topics=True, security=secure(broker)
        ),
        _outage=plain._outage,  # the same bus code under an outage
        _unreachable=lambda: KafkaBus(
            f"127.0.0.1:{free_port()}",
            topics=topics,
            create_topics=True,
            request_timeout_ms=2000,
            security=secure(broker),
        ),
    )


def _make_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "memory":
        return _memory_backend()
    if request.param == "journal":
        return _journal_backend(tmp_path)
    if request.param == "kafka-sasl-ssl":
        return _secure_kafka_backend(request.getfixturevalue("kafka_broker"))
    return _kafka_backend(request.getfixturevalue("kafka_broker"))


@pytest.fixture(
    params=[
        "memory",
        "journal",
        pytest.param("kafka", marks=pytest.mark.kafka),
        pytest.param("kafka-sasl-ssl", marks=pytest.mark.kafka),
    ],
)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Each bus implementation in turn."""
    made = _make_backend(request, tmp_path)
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture(params=["journal", pytest.param("kafka", marks=pytest.mark.kafka)])
async def durable_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Each bus implementation with outside storage (the plain in-memory bus keeps nothing
    across a restart and has no storage to lose, by design)."""
    made = _make_backend(request, tmp_path)
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture
async def bus(backend: Backend) -> Bus:
    """A started bus of the implementation under test."""
    return await backend.open()


async def drain(consumer: Consumer, count: int) -> list[Message]:
    """Poll until ``count`` messages arrived (or the generous bound passed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_S
    got: list[Message] = []
    while len(got) < count and loop.time() < deadline:
        got.extend(await consumer.getmany(POLL_S, max_records=count - len(got)))
    return got


def records(topic: str, n: int, tag: str = "m") -> list[Record]:
    return [
        Record(
            topic=topic,
            key=f"key-{i % 3}".encode(),
            value=f'{{"v":1,"n":{i},"tag":"{tag}"}}'.encode(),
            headers=(("source", b"nagios"), ("content-type", b"application/json")),
        )
        for i in range(n)
    ]


def content(messages: list[Message]) -> list[tuple[str, bytes | None, bytes | None, Any]]:
    return [(m.topic, m.key, m.value, m.headers) for m in messages]


def as_sent(sent: list[Record]) -> list[tuple[str, bytes | None, bytes | None, Any]]:
    return [(r.topic, r.key, r.value, r.headers) for r in sent]


# -- publish and consume -------------------------------------------------------------------


async def test_consumer_gets_published_records_in_order(backend: Backend, bus: Bus) -> None:
    """A consumer gets every published record once, in publish order, with key, value, headers."""
    first, second = records(backend.topics.alerts, 5, "a"), records(backend.topics.alerts, 4, "b")
    await bus.publish(first)
    await bus.publish(second)
    consumer = await bus.consumer([backend.topics.alerts], backend.group("reader"))
    got = await drain(consumer, 9)
    assert content(got) == as_sent(first + second)
    offsets = [m.offset for m in got]
    assert offsets == sorted(offsets)
    assert len(set(offsets)) == 9
    await consumer.stop()


async def test_published_record_is_readable_by_a_fresh_client(backend: Backend, bus: Bus) -> None:
    """Once publish returns, a new client on the same storage reads the record."""
    sent = records(backend.topics.alerts, 3)
    await bus.publish(sent)
    other = await backend.open()  # Kafka: new clients; journal: reloaded from the file
    consumer = await other.consumer([backend.topics.alerts], backend.group("fresh"))
    assert content(await drain(consumer, 3)) == as_sent(sent)
    await consumer.stop()


async def test_consumer_waits_for_records_published_later(backend: Backend, bus: Bus) -> None:
    """A consumer polling an empty topic gets a record published while it waits."""
    consumer = await bus.consumer([backend.topics.alerts], backend.group("waiter"))
    assert await consumer.getmany(0.2) == []
    polling = asyncio.create_task(drain(consumer, 1))
    await asyncio.sleep(0.1)
    sent = records(backend.topics.alerts, 1)
    await bus.publish(sent)
    assert content(await polling) == as_sent(sent)
    await consumer.stop()


async def test_tombstones_round_trip(backend: Backend, bus: Bus) -> None:
    """A record with no value (a tombstone) is consumed with its key and no value."""
    topic = backend.topics.incidents
    await bus.publish([json_record(topic, "INC-1", {"v": 1, "status": "open"})])
    await bus.publish([json_record(topic, "INC-1", None)])
    consumer = await bus.consumer([topic], backend.group("incidents"))
    got = await drain(consumer, 2)
    assert [(m.key, m.value) for m in got] == [
        (b"INC-1", b'{"v":1,"status":"open"}'),
        (b"INC-1", None),
    ]
    await consumer.stop()


async def test_codec_records_round_trip(backend: Backend, bus: Bus) -> None:
    """Alerts, notices and dead letters come back equal, with the contract's key and headers."""
    alert = Alert(
        source=Source.NAGIOS,
        source_id="web01/HTTP",
        host="web01",
        check="HTTP",
        state=State.PROBLEM,
        severity=Severity.CRITICAL,
        raised_at=1700000000.0,
        received_at=1700000001.5,
        summary="CRITICAL - Socket timeout · ünïcode",
        tags={"env": "prod"},
        raw={"SERVICESTATE": "CRITICAL"},
    )
    notice = Notice(
        source=Source.ZABBIX,
        source_id="12345",
        host="db01",
        kind=NoticeKind.ACKNOWLEDGEMENT,
        raised_at=1700000002.0,
        received_at=1700000003.0,
        author="alice",
    )
    letter = DeadLetter("prtg", 1700000004.0, "missing field", "sensorid", "a=b&c=%ZZ")
    topics = backend.topics
    await bus.publish([event_record(topics.alerts, alert), event_record(topics.alerts, notice)])
    await bus.publish([dead_letter_record(topics.dlq, letter)])
    consumer = await bus.consumer([topics.alerts], backend.group("codec"))
    got = await drain(consumer, 2)
    assert [event_from_message(m) for m in got] == [alert, notice]
    assert [m.key for m in got] == [b"web01/HTTP", b"12345"]
    assert dict(got[0].headers) == {"source": b"nagios", "content-type": b"application/json"}
    dlq = await bus.consumer([topics.dlq], backend.group("codec"))
    letters = await drain(dlq, 1)
    assert [dead_letter_from_message(m) for m in letters] == [letter]
    assert letters[0].key == b"prtg"
    await consumer.stop()
    await dlq.stop()


# -- groups and commits --------------------------------------------------------------------


async def test_uncommitted_messages_go_to_the_next_member(backend: Backend, bus: Bus) -> None:
    """A member that stops without committing leaves every message to the next member."""
    sent = records(backend.topics.alerts, 4)
    await bus.publish(sent)
    group = backend.group("correlator")
    first = await bus.consumer([backend.topics.alerts], group)
    assert content(await drain(first, 4)) == as_sent(sent)
    await first.stop()
    second = await bus.consumer([backend.topics.alerts], group)
    assert content(await drain(second, 4)) == as_sent(sent)
    await second.stop()


async def test_committed_messages_are_not_redelivered(backend: Backend, bus: Bus) -> None:
    """After a commit, the next member resumes right after the committed messages."""
    topic = backend.topics.alerts
    sent = records(topic, 5)
    await bus.publish(sent)
    group = backend.group("correlator")
    first = await bus.consumer([topic], group)
    got = await drain(first, 5)
    await first.commit(got[:3])
    await first.stop()
    second = await bus.consumer([topic], group)
    assert content(await drain(second, 2)) == as_sent(sent[3:])
    later = records(topic, 1, "later")
    await bus.publish(later)
    assert content(await drain(second, 1)) == as_sent(later)
    await second.stop()


async def test_fully_committed_group_gets_only_new_messages(backend: Backend, bus: Bus) -> None:
    """A member of a group that committed everything gets only what is published afterwards."""
    topic = backend.topics.alerts
    await bus.publish(records(topic, 3, "old"))
    group = backend.group("correlator")
    first = await bus.consumer([topic], group)
    await first.commit(await drain(first, 3))
    await first.stop()
    second = await bus.consumer([topic], group)
    new = records(topic, 2, "new")
    await bus.publish(new)
    assert content(await drain(second, 2)) == as_sent(new)
    await second.stop()


async def test_each_group_sees_every_message(backend: Backend, bus: Bus) -> None:
    """Two groups on one topic each get every message, whatever the other commits."""
    topic = backend.topics.alerts
    sent = records(topic, 6)
    await bus.publish(sent)
    one = await bus.consumer([topic], backend.group("one"))
    two = await bus.consumer([topic], backend.group("two"))
    got_one = await drain(one, 6)
    await one.commit(got_one)
    assert content(got_one) == as_sent(sent)
    assert content(await drain(two, 6)) == as_sent(sent)
    await one.stop()
    await two.stop()


async def test_consumer_reads_several_topics(backend: Backend, bus: Bus) -> None:
    """A consumer of two topics gets the messages of both, each topic in its order."""
    alerts, dlq = backend.topics.alerts, backend.topics.dlq
    sent_alerts, sent_dlq = records(alerts, 3), records(dlq, 2)
    await bus.publish(sent_alerts + sent_dlq)
    consumer = await bus.consumer([alerts, dlq], backend.group("both"))
    got = await drain(consumer, 5)
    assert content([m for m in got if m.topic == alerts]) == as_sent(sent_alerts)
    assert content([m for m in got if m.topic == dlq]) == as_sent(sent_dlq)
    await consumer.stop()


async def test_new_group_can_start_at_the_end(backend: Backend, bus: Bus) -> None:
    """A new group that does not start from the beginning gets only later messages."""
    topic = backend.topics.alerts
    await bus.publish(records(topic, 3, "before"))
    consumer = await bus.consumer([topic], backend.group("tail"), from_beginning=False)
    await consumer.getmany(POLL_S)  # joins the group and takes its position at the end
    if backend.name == "kafka":
        await _wait_for_assignment(consumer)
    after = records(topic, 2, "after")
    await bus.publish(after)
    assert content(await drain(consumer, 2)) == as_sent(after)
    await consumer.stop()


async def _wait_for_assignment(consumer: Consumer) -> None:
    """Kafka: poll until the group gave this member its partition and its position."""
    inner = consumer._consumer  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_S
    while loop.time() < deadline:
        assignment = inner.assignment()
        if assignment:
            for tp in assignment:
                await inner.position(tp)
            return
        await consumer.getmany(POLL_S)


# -- durability and outages ----------------------------------------------------------------


async def test_restart_keeps_records_and_committed_offsets(durable_backend: Backend) -> None:
    """After a restart, the group resumes at its committed offset and nothing is lost."""
    backend = durable_backend
    bus = await backend.open()
    topic = backend.topics.alerts
    sent = records(topic, 5)
    await bus.publish(sent)
    group = backend.group("correlator")
    consumer = await bus.consumer([topic], group)
    got = await drain(consumer, 5)
    await consumer.commit(got[:2])
    await bus.stop()
    backend.started.remove(bus)
    restarted = await backend.open()
    after = await restarted.consumer([topic], group)
    assert content(await drain(after, 3)) == as_sent(sent[2:])
    await restarted.publish(records(topic, 1, "after-restart"))
    tail = await drain(after, 1)
    assert [m.offset for m in tail] == [got[-1].offset + 1]
    await after.stop()


async def test_publish_to_unavailable_bus_raises(backend: Backend) -> None:
    """While the bus cannot take records, publish raises BusUnavailableError, then recovers."""
    topic = backend.topics.alerts
    async with backend.outage() as (bus, cut, restore):
        await bus.publish(records(topic, 1, "before"))
        await cut()
        with pytest.raises(BusUnavailableError):
            await bus.publish(records(topic, 2, "during"))
        await restore()
        await bus.publish(records(topic, 1, "after"))
        consumer = await bus.consumer([topic], backend.group("outage"))
        got = await drain(consumer, 2)
        await consumer.stop()
    assert [m.value for m in got] == [r.value for r in records(topic, 1, "before")] + [
        r.value for r in records(topic, 1, "after")
    ]


async def test_start_fails_when_storage_is_unreachable(durable_backend: Backend) -> None:
    """A bus whose storage cannot be reached fails start() with BusUnavailableError."""
    bus = durable_backend.unreachable()
    assert bus is not None
    with pytest.raises(BusUnavailableError):
        await bus.start()
    with pytest.raises(BusUnavailableError):
        await bus.publish(records(durable_backend.topics.alerts, 1))


async def test_publish_before_start_raises(backend: Backend) -> None:
    """Publishing on a bus that was never started raises BusUnavailableError."""
    bus = backend._open()
    if backend.name == "memory":
        bus = InMemoryBus()
    with pytest.raises(BusUnavailableError):
        await bus.publish(records(backend.topics.alerts, 1))


# -- Kafka topics ---------------------------------------------------------------------------


async def _topic_configs(bootstrap: str, topics: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in topics]
        )
    finally:
        await admin.close()
    found: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.to_object()["resources"]:
            entries = resource["config_entries"]
            found[resource["resource_name"]] = {
                e["config_names"]: e["config_value"] for e in entries
            }
    return found


@pytest.mark.kafka
async def test_kafka_topic_creation_is_idempotent_and_configured(kafka_bootstrap: str) -> None:
    """Starting twice creates the topics once; incidents is compacted, retentions as specified."""
    topics = Topics(_prefix())
    first = KafkaBus(
        kafka_bootstrap,
        topics=topics,
        create_topics=True,
        topic_configs={topics.alerts: {"retention.ms": "86400000"}},
    )
    second = KafkaBus(kafka_bootstrap, topics=topics, create_topics=True)
    await first.start()
    await second.start()
    await second.ensure_topics()
    await first.stop()
    await second.stop()
    configs = await _topic_configs(kafka_bootstrap, [topics.alerts, topics.dlq, topics.incidents])
    assert configs[topics.incidents]["cleanup.policy"] == "compact"
    assert configs[topics.alerts]["cleanup.policy"] == "delete"
    assert configs[topics.alerts]["retention.ms"] == "86400000"
    assert configs[topics.dlq]["retention.ms"] == str(30 * 24 * 3600 * 1000)


@pytest.mark.kafka
async def test_kafka_missing_topic_is_named_when_creation_is_off(kafka_bootstrap: str) -> None:
    """Without topic creation, start fails with an error naming the missing topic."""
    topics = Topics(_prefix())
    bus = KafkaBus(kafka_bootstrap, topics=topics, create_topics=False)
    with pytest.raises(MissingTopicError, match=rf"'{topics.alerts}'"):
        await bus.start()


def test_kafka_topic_configs_reject_unknown_topics() -> None:
    """A topic config for a topic the bus does not own is a configuration error."""
    with pytest.raises(ValueError, match="unknown topic"):
        KafkaBus("127.0.0.1:9", topic_configs={"other.topic": {"retention.ms": "1"}})


# -- property: nothing is lost -------------------------------------------------------------

_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.integers(1, 4)),
        st.tuples(st.just("poll"), st.integers(1, 5)),
        st.tuples(st.just("commit"), st.integers(0, 5)),
        st.tuples(st.just("rejoin"), st.just(0)),
        st.tuples(st.just("restart"), st.just(0)),
    ),
    max_size=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=_OPS, journalled=st.booleans())
def test_no_published_record_is_lost(
    tmp_path: Path, ops: list[tuple[str, int]], journalled: bool
) -> None:
    """Whatever the mix of polls, partial commits, rejoins and restarts, every record published
    is delivered to the group at least once, and none is delivered past its commit again."""
    journal = tmp_path / f"{uuid.uuid4().hex}.sqlite" if journalled else None
    asyncio.run(_run_ops(ops, journal))


async def _run_ops(ops: list[tuple[str, int]], journal: Path | None) -> None:
    topic, group = "p.alerts", "p.group"
    bus = InMemoryBus(journal)
    await bus.start()
    consumer = await bus.consumer([topic], group)
    published: list[bytes] = []
    delivered: list[Message] = []  # by the current member, since it joined
    committed_upto = 0
    for op, n in ops:
        if op == "publish":
            batch = [Record(topic, None, f"{len(published) + i}".encode()) for i in range(n)]
            await bus.publish(batch)
            published.extend(r.value or b"" for r in batch)
        elif op == "poll":
            got = await consumer.getmany(0, max_records=n)
            if got:
                # a member resumes exactly where the group committed, or after its own reads
                expected_start = delivered[-1].offset + 1 if delivered else committed_upto
                assert got[0].offset == expected_start
            delivered.extend(got)
        elif op == "commit" and delivered:
            upto = delivered[: min(n, len(delivered))]
            if upto and upto[-1].offset + 1 > committed_upto:
                await consumer.commit(upto)
                committed_upto = upto[-1].offset + 1
        elif op == "rejoin":
            await consumer.stop()
            consumer = await bus.consumer([topic], group)
            delivered = []
        elif op == "restart" and journal is not None:
            await bus.stop()
            bus = InMemoryBus(journal)
            await bus.start()
            consumer = await bus.consumer([topic], group)
            delivered = []
    # a last member drains the rest: with what was committed, that is every record
    await consumer.stop()
    final = await bus.consumer([topic], group)
    rest = await final.getmany(0, max_records=10_000)
    assert [m.value for m in rest] == published[committed_upto:]
    await bus.stop()


# -- Kafka behind TLS and SASL --------------------------------------------------------------


@pytest.mark.kafka
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
async def test_kafka_sasl_ssl_round_trip_with_each_mechanism(
    kafka_broker: KafkaBroker, mechanism: str
) -> None:
    """Over TLS, each SASL mechanism logs in, creates the topics, publishes and consumes."""
    topics = Topics(_prefix())
    bus = KafkaBus(
        kafka_broker.secure_bootstrap,
        topics=topics,
        create_topics=True,
        security=secure(kafka_broker, mechanism),
    )
    await bus.start()
    try:
        sent = records(topics.alerts, 3, tag=mechanism)
        await bus.publish(sent)
        consumer = await bus.consumer([topics.alerts], f"g-{uuid.uuid4().hex}")
        assert content(await drain(consumer, 3)) == as_sent(sent)
    finally:
        await bus.stop()


@pytest.mark.kafka
async def test_kafka_wrong_password_is_a_clear_start_failure(kafka_broker: KafkaBroker) -> None:
    """A refused login stops start() with BusUnavailableError saying how we connected."""
    bus = KafkaBus(
        kafka_broker.secure_bootstrap,
        topics=Topics(_prefix()),
        create_topics=True,
        request_timeout_ms=5000,
        security=secure(kafka_broker, "PLAIN", sasl_password="not-the-password"),
    )
    with pytest.raises(BusUnavailableError, match=r"over SASL_SSL as 'correlator' \(PLAIN\)"):
        await bus.start()
    await bus.stop()


@pytest.mark.kafka
async def test_kafka_untrusted_broker_certificate_is_refused(kafka_broker: KafkaBroker) -> None:
    """Without the broker's CA (the system's CAs only) the TLS handshake fails: no data sent."""
    bus = KafkaBus(
        kafka_broker.secure_bootstrap,
        topics=Topics(_prefix()),
        create_topics=True,
        request_timeout_ms=5000,
        security=secure(kafka_broker, ssl_cafile=None),
    )
    with pytest.raises(BusUnavailableError, match="SASL_SSL"):
        await bus.start()
    await bus.stop()


async def test_kafka_unreadable_ca_file_is_a_clear_start_failure(tmp_path: Path) -> None:
    """A CA file that is not PEM stops start() naming TLS, before any connection."""
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate", encoding="utf-8")
    bus = KafkaBus(
        "127.0.0.1:9",
        topics=Topics(_prefix()),
        security=KafkaSecurity(protocol="SSL", ssl_cafile=bad),
    )
    with pytest.raises(BusUnavailableError, match="cannot set up TLS for Kafka"):
        await bus.start()
