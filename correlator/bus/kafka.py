# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The bus on Apache Kafka through aiokafka (specs/kafka-topics.md).

The producer is idempotent with ``acks="all"``, and :meth:`KafkaBus.publish` returns only
once the broker acknowledged every record; any Kafka error or a delivery slower than
``publish_timeout_s`` becomes :class:`BusUnavailableError` (the intake answers 503, the
source retries). Consumers never auto-commit: offsets move only on
:meth:`KafkaConsumer.commit`, after the work they stand for is written.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError, for_code
from aiokafka.helpers import create_ssl_context

from correlator.bus.protocol import BusUnavailableError, Message, Record
from correlator.bus.topics import Topics

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

DAY_MS: Final = 24 * 60 * 60 * 1000
ALERTS_RETENTION_MS: Final = 7 * DAY_MS
DLQ_RETENTION_MS: Final = 30 * DAY_MS

# What aiokafka raises when the cluster cannot be reached or does not answer in time.
_FAILURES: Final = (KafkaError, TimeoutError, OSError)


SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    """How every client of the bus connects: TLS and SASL (default: plaintext, no login).

    ``SSL`` and ``SASL_SSL`` verify the brokers against ``ssl_cafile`` (the system's CAs
    when None); ``ssl_certfile``/``ssl_keyfile`` add a client certificate (mutual TLS).
    ``SASL_PLAINTEXT`` and ``SASL_SSL`` log in as ``sasl_username`` with ``sasl_mechanism``.
    """

    protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "PLAIN"
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_check_hostname: bool = True

    @property
    def uses_tls(self) -> bool:
        """True for SSL and SASL_SSL."""
        return self.protocol in {"SSL", "SASL_SSL"}

    @property
    def uses_sasl(self) -> bool:
        """True for SASL_PLAINTEXT and SASL_SSL."""
        return self.protocol in {"SASL_PLAINTEXT", "SASL_SSL"}

    def describe(self) -> str:
        """``SASL_SSL as 'correlator' (SCRAM-SHA-512)``, for error messages (no secret)."""
        if not self.uses_sasl:
            return self.protocol
        return f"{self.protocol} as {self.sasl_username!r} ({self.sasl_mechanism})"

    def client_options(self) -> dict[str, Any]:
        """The aiokafka keyword arguments (reads the certificate files: call at start)."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            context = create_ssl_context(
                cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile
            )
            context.check_hostname = self.ssl_check_hostname
            options["ssl_context"] = context
        if self.uses_sasl:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password
        return options


class MissingTopicError(RuntimeError):
    """A topic the correlator needs does not exist and it may not create it."""


def default_topic_configs(topics: Topics) -> dict[str, dict[str, str]]:
    """The per-topic configs of specs/kafka-topics.md for the topics under one prefix."""
    return {
        topics.alerts: {"cleanup.policy": "delete", "retention.ms": str(ALERTS_RETENTION_MS)},
        topics.dlq: {"cleanup.policy": "delete", "retention.ms": str(DLQ_RETENTION_MS)},
        topics.incidents: {"cleanup.policy": "compact"},
    }


def _to_message(record: Any) -> Message:
    """An aiokafka ``ConsumerRecord`` as a bus :class:`Message`."""
    return Message(
        topic=str(record.topic),
        partition=int(record.partition),
        offset=int(record.offset),
        key=record.key,
        value=record.value,
        headers=tuple((str(name), bytes(value)) for name, value in record.headers or ()),
        timestamp_ms=int(record.timestamp),
    )


class KafkaBus:
    """The Bus Protocol on a Kafka cluster.

    ``topics`` names the three public topics; at :meth:`start` they are created when
    ``create_topics`` is true (with ``partitions``, ``replication_factor`` and the configs
    of :func:`default_topic_configs` overlaid by ``topic_configs``, keyed by topic name),
    otherwise their absence is a :class:`MissingTopicError` naming the topic.
    """

    def __init__(
        self,
        bootstrap: str,
        *,
        topics: Topics | None = None,
        client_id: str = "correlator",
        create_topics: bool = False,
        partitions: int = 1,
        replication_factor: int = 1,
        topic_configs: Mapping[str, Mapping[str, str]] | None = None,
        request_timeout_ms: int = 30_000,
        publish_timeout_s: float = 30.0,
        close_timeout_s: float = 10.0,
        linger_ms: int = 0,
        max_batch_size: int = 65_536,
        compression_type: str | None = None,
        security: KafkaSecurity | None = None,
    ) -> None:
        self.topics = topics or Topics()
        self._security = security or KafkaSecurity()
        self._security_options: dict[str, Any] | None = None
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._create_topics = create_topics
        self._partitions = partitions
        self._replication_factor = replication_factor
        configs = default_topic_configs(self.topics)
        for name, overrides in (topic_configs or {}).items():
            if name not in configs:
                known = ", ".join(sorted(configs))
                raise ValueError(f"topic_configs names unknown topic {name!r} (known: {known})")
            configs[name] = {**configs[name], **overrides}
        self._topic_configs = configs
        self._request_timeout_ms = request_timeout_ms
        self._publish_timeout_s = publish_timeout_s
        self._linger_ms = linger_ms
        self._max_batch_size = max_batch_size
        self._compression_type = compression_type
        self._close_timeout_s = close_timeout_s
        self._producer: Any = None
        self._producer_lock = asyncio.Lock()
        self._closing: set[asyncio.Task[None]] = set()
        self._consumers: set[KafkaConsumer] = set()
        self._started = False

    @property
    def topic_configs(self) -> Mapping[str, Mapping[str, str]]:
        """The configs each topic is created with."""
        return self._topic_configs

    def _client_options(self) -> dict[str, Any]:
        """TLS/SASL options of every client (the TLS context is built once, at first use)."""
        if self._security_options is None:
            try:
                self._security_options = self._security.client_options()
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                raise BusUnavailableError(
                    f"cannot set up TLS for Kafka at {self._bootstrap}: {exc}"
                ) from exc
        return self._security_options

    def _unreachable(self, what: str, exc: BaseException) -> BusUnavailableError:
        """A failure to reach the cluster, saying how we connected (a refused login looks
        like an unreachable broker in aiokafka: the reason is only in its log)."""
        how = "" if self._security.protocol == "PLAINTEXT" else f" over {self._security.describe()}"
        return BusUnavailableError(f"{what}{how}: {exc!r}")

    async def start(self) -> None:
        """Ensure the topics (create or check), then start the producer."""
        if self._started:
            return
        await self.ensure_topics()
        await self._connected_producer()
        self._started = True

    async def _connected_producer(self) -> Any:
        """The producer, started anew after a failure dropped the previous one."""
        async with self._producer_lock:
            if self._producer is not None:
                return self._producer
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                acks="all",
                enable_idempotence=True,
                request_timeout_ms=self._request_timeout_ms,
                linger_ms=self._linger_ms,
                max_batch_size=self._max_batch_size,
                compression_type=self._compression_type,
                **self._client_options(),
            )
            try:
                await producer.start()
            except _FAILURES as exc:
                await _close_producer(producer, flush_s=0.0, close_s=self._close_timeout_s)
                raise self._unreachable(f"Kafka at {self._bootstrap} is unreachable", exc) from exc
            except BaseException:  # cancelled (a publish timeout): leave nothing half-open
                await _close_producer(producer, flush_s=0.0, close_s=self._close_timeout_s)
                raise
            self._producer = producer
            return producer

    def _drop_producer(self, producer: Any) -> None:
        """Close a producer that failed a publish; the next publish starts a new one.

        aiokafka retries a batch whose broker is unreachable forever (it has no
        ``delivery.timeout.ms``): keeping that producer would hold every later record
        behind the stuck ones, so it is failed and closed in the background.
        """
        if self._producer is not producer:
            return
        self._producer = None
        task = asyncio.create_task(_close_producer(producer, 0.0, self._close_timeout_s))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def ensure_topics(self) -> None:
        """Create the missing topics (idempotent), or fail naming the first missing one."""
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._bootstrap,
            client_id=f"{self._client_id}-admin",
            request_timeout_ms=self._request_timeout_ms,
            **self._client_options(),
        )
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [name for name in self._topic_configs if name not in existing]
            if missing and not self._create_topics:
                raise MissingTopicError(
                    f"Kafka topic {missing[0]!r} does not exist (missing: {', '.join(missing)})"
                    " and topic creation is disabled: create it, or let the correlator"
                    " create its topics"
                )
            if missing:
                response = await admin.create_topics(
                    [
                        NewTopic(
                            name=name,
                            num_partitions=self._partitions,
                            replication_factor=self._replication_factor,
                            topic_configs=dict(self._topic_configs[name]),
                        )
                        for name in missing
                    ]
                )
                _raise_topic_errors(response.to_object())
        except _FAILURES as exc:
            raise self._unreachable(
                f"cannot ensure Kafka topics at {self._bootstrap}", exc
            ) from exc
        finally:
            await admin.close()

    async def stop(self) -> None:
        """Stop the consumers still running, flush pending publishes and disconnect."""
        self._started = False
        for consumer in list(self._consumers):
            await consumer.stop()
        async with self._producer_lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            await _close_producer(producer, self._publish_timeout_s, self._close_timeout_s)
        if self._closing:
            await asyncio.wait(self._closing)

    async def publish(self, records: Sequence[Record]) -> None:
        """Send every record and wait for all acknowledgements (acks=all)."""
        if not self._started:
            raise BusUnavailableError("the Kafka bus is not started")
        if not records:
            return
        producer: Any = None
        futures: list[asyncio.Future[Any]] = []
        failure: BaseException | None = None
        try:
            async with asyncio.timeout(self._publish_timeout_s):
                producer = await self._connected_producer()
                for record in records:
                    futures.append(  # noqa: PERF401 - each send may wait for buffer space
                        await producer.send(
                            record.topic,
                            value=record.value,
                            key=record.key,
                            headers=list(record.headers) or None,
                        )
                    )
                results = await asyncio.gather(*futures, return_exceptions=True)
            failure = next((r for r in results if isinstance(r, BaseException)), None)
        except _FAILURES as exc:
            failure = exc
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()
        if failure is not None:
            if producer is not None:
                self._drop_producer(producer)
            raise BusUnavailableError(f"Kafka did not take the records: {failure!r}") from failure

    async def consumer(
        self, topics: Sequence[str], group: str, *, from_beginning: bool = True
    ) -> KafkaConsumer:
        """A started member of ``group`` on ``topics``, resuming at committed offsets."""
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest" if from_beginning else "latest",
            request_timeout_ms=self._request_timeout_ms,
            **self._client_options(),
        )
        try:
            await consumer.start()
        except _FAILURES as exc:
            await consumer.stop()
            raise self._unreachable(f"cannot join group {group!r} on Kafka", exc) from exc
        wrapper = KafkaConsumer(consumer, self._consumers.discard)
        self._consumers.add(wrapper)
        return wrapper


async def _close_producer(producer: Any, flush_s: float, close_s: float) -> None:
    """Flush for up to ``flush_s``, drop what is still pending, then close.

    ``producer.stop()`` alone waits for every pending batch, forever while the broker is
    unreachable; those records were already reported as not taken.
    """
    try:
        async with asyncio.timeout(flush_s + close_s):
            if flush_s > 0:
                try:
                    async with asyncio.timeout(flush_s):
                        await producer.flush()
                except _FAILURES:
                    pass
            await _abandon_pending(producer)
            await producer.stop()
    except _FAILURES:
        pass  # the connections die with the process; nothing more can be done here


async def _abandon_pending(producer: Any) -> None:
    """Stop aiokafka's sender and fail the batches it still holds.

    aiokafka has no ``delivery.timeout.ms`` and no public way to give up on a batch, so
    this reaches into its sender and accumulator (checked against aiokafka 0.14; with other
    internals it does nothing and the caller's timeout bounds the stop instead).
    """
    sender = getattr(producer, "_sender", None)
    accumulator = getattr(producer, "_message_accumulator", None)
    batches = getattr(accumulator, "_batches", None)
    in_flight = getattr(accumulator, "_pending_batches", None)
    if sender is None or not isinstance(batches, dict) or not isinstance(in_flight, set):
        return
    await sender.close()  # waits for the requests in flight, which re-queue their batches
    error = KafkaTimeoutError("the producer was closed before the broker acknowledged")
    for queue in list(batches.values()):
        for batch in list(queue):
            # a re-queued batch still has the done-callback that removes it from the
            # in-flight set: put it back there so that callback finds it
            in_flight.add(batch)
            batch.failure(error)
            for future in (batch.future, getattr(batch, "_drain_waiter", None)):
                if future is not None and future.done() and not future.cancelled():
                    future.exception()  # retrieved: no "never retrieved" warning
    batches.clear()


def _raise_topic_errors(response: Mapping[str, Any]) -> None:
    """Raise for a CreateTopics error other than "already exists" (a creation race)."""
    for entry in response.get("topic_errors", ()):
        code = int(entry["error_code"])
        if code in (0, TopicAlreadyExistsError.errno):
            continue
        error = for_code(code)
        detail = entry.get("error_message") or error.description
        raise MissingTopicError(
            f"Kafka refused to create topic {entry['topic']!r}: {error.__name__}: {detail}"
        )


class KafkaConsumer:
    """A group member on Kafka; offsets move only on :meth:`commit`."""

    def __init__(self, consumer: Any, on_stop: Callable[[KafkaConsumer], None]) -> None:
        self._consumer = consumer
        self._on_stop = on_stop
        self._stopped = False

    async def getmany(self, timeout_s: float, max_records: int = 500) -> list[Message]:
        """The next messages of the assigned partitions, partition by partition in order."""
        try:
            batches = await self._consumer.getmany(
                timeout_ms=max(0, int(timeout_s * 1000)), max_records=max_records
            )
        except KafkaError as exc:
            raise BusUnavailableError(f"Kafka fetch failed: {exc!r}") from exc
        return [_to_message(record) for batch in batches.values() for record in batch]

    async def commit(self, messages: Sequence[Message]) -> None:
        """Commit, per partition, the offset after the highest of ``messages``."""
        offsets = _next_offsets(messages)
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:
            raise BusUnavailableError(f"Kafka offset commit failed: {exc!r}") from exc

    async def stop(self) -> None:
        """Leave the group without committing; the rest is redelivered to the next member."""
        if self._stopped:
            return
        self._stopped = True
        self._on_stop(self)
        await self._consumer.stop()


def _next_offsets(messages: Iterable[Message]) -> dict[Any, int]:
    offsets: dict[tuple[str, int], int] = {}
    for message in messages:
        tp = (message.topic, message.partition)
        offsets[tp] = max(offsets.get(tp, 0), message.offset + 1)
    return {TopicPartition(topic, partition): o for (topic, partition), o in offsets.items()}
