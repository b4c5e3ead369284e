# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Metrics and logging: what the daemon tells its operators about itself.

:class:`Metrics` owns no global state: it registers its collectors on the
``CollectorRegistry`` it is given (the composition root makes one per process, tests make
one per test), so two instances never collide. Metric names form a closed vocabulary
(:data:`MetricName`), as do the reasons an alert is rejected at the edge
(:data:`RejectReason`).

Alert accounting at the intake edge keeps one invariant, per source::

    received == accepted + sum(rejected over every reason)

where a request whose body was never parsed (unauthorized, too large, not JSON, invalid)
counts as one alert, and a parsed body counts as the alerts and notices it held.

:func:`configure_logging` is the only function here with side effects and is called once by
the composition root; importing this module configures nothing.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Final, Literal, get_args

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

MetricName = Literal[
    # the intake edge (connectors/intake.py)
    "correlator_alerts_received_total",
    "correlator_alerts_accepted_total",
    "correlator_alerts_rejected_total",
    "correlator_dead_letters_total",
    "correlator_bus_publish_seconds",
    # later stages register theirs through Metrics.counter / Metrics.histogram
    "correlator_alerts_consumed_total",
    "correlator_incidents_opened_total",
    "correlator_incidents_resolved_total",
    "correlator_tickets_written_total",
    "correlator_pages_sent_total",
    "correlator_pages_failed_total",
    "correlator_sla_events_total",
    "correlator_correlate_seconds",
]
"""Every metric the daemon exports; a new metric is added here first."""

METRIC_NAMES: Final[frozenset[str]] = frozenset(get_args(MetricName))

RejectReason = Literal[
    "invalid",  # 400: not JSON/form, or InvalidPayloadError from the connector
    "unauthorized",  # 401: token configured, header missing or wrong
    "too_large",  # 413: body over the configured limit
    "unsupported_media_type",  # 415: a form body posted to a JSON-only endpoint
    "unavailable",  # 503: the bus could not durably take the alerts
    "error",  # 500: a bug (a parser raised something other than InvalidPayloadError)
]
"""Why the intake edge turned an alert away (label ``reason``)."""

REJECT_REASONS: Final[tuple[RejectReason, ...]] = get_args(RejectReason)

LogFormat = Literal["json", "console", "auto"]
"""``auto``: the console renderer when stderr is a terminal, JSON otherwise."""

# Publish latency buckets: an in-process journal answers in well under a millisecond, Kafka
# with acks=all in a few milliseconds, a struggling cluster in seconds.
_PUBLISH_BUCKETS: Final = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class Metrics:
    """The daemon's Prometheus metrics, registered on an injected registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry: Final = registry
        self._counters: dict[MetricName, Counter] = {}
        self._histograms: dict[MetricName, Histogram] = {}
        self.alerts_received: Final = self.counter(
            "correlator_alerts_received_total",
            "Alerts and notices that reached the intake edge (an unparsed body counts as one).",
            ("source",),
        )
        self.alerts_accepted: Final = self.counter(
            "correlator_alerts_accepted_total",
            "Alerts and notices durably handed to the bus (answered 202).",
            ("source",),
        )
        self.alerts_rejected: Final = self.counter(
            "correlator_alerts_rejected_total",
            "Alerts turned away at the intake edge, by reason.",
            ("source", "reason"),
        )
        self.dead_letters: Final = self.counter(
            "correlator_dead_letters_total",
            "Raw bodies written to the dead-letter topic.",
            ("source",),
        )
        self.bus_publish_seconds: Final = self.histogram(
            "correlator_bus_publish_seconds",
            "Time for the bus to durably take one batch of records.",
            buckets=_PUBLISH_BUCKETS,
        )

    def counter(self, name: MetricName, documentation: str, labels: Sequence[str] = ()) -> Counter:
        """The counter ``name``, registered on first use (later stages add theirs this way)."""
        existing = self._counters.get(name)
        if existing is not None:
            return existing
        created = Counter(
            name.removesuffix("_total"), documentation, tuple(labels), registry=self.registry
        )
        self._counters[name] = created
        return created

    def histogram(
        self,
        name: MetricName,
        documentation: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = Histogram.DEFAULT_BUCKETS,
    ) -> Histogram:
        """The histogram ``name``, registered on first use."""
        existing = self._histograms.get(name)
        if existing is not None:
            return existing
        created = Histogram(
            name, documentation, tuple(labels), registry=self.registry, buckets=tuple(buckets)
        )
        self._histograms[name] = created
        return created

    def sample(self, name: MetricName, labels: Mapping[str, str] | None = None) -> float:
        """The current value of one sample (0.0 when never set); for tests and the CLI."""
        value = self.registry.get_sample_value(name, dict(labels or {}))
        return 0.0 if value is None else value


def configure_logging(level: str | int = "info", fmt: LogFormat = "auto") -> None:
    """Route structlog and the standard library's logging to stderr in one format.

    JSON lines by default; the human console renderer when ``fmt`` is ``console``, or
    ``auto`` and stderr is a terminal. Library loggers (uvicorn, aiokafka) go through the
    same renderer, so the daemon writes one format only.
    """
    numeric_level = _level_number(level)
    stream = sys.stderr
    console = fmt == "console" or (fmt == "auto" and _isatty(stream))
    renderer: structlog.typing.Processor
    if console:
        renderer = structlog.dev.ConsoleRenderer(colors=_isatty(stream))
    else:
        renderer = structlog.processors.JSONRenderer()
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    formatter_chain: list[structlog.typing.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
    ]
    if not console:
        formatter_chain.append(structlog.processors.dict_tracebacks)
    formatter_chain.append(renderer)

    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=formatter_chain,
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric_level)

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def _level_number(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelNamesMapping().get(level.upper())
    if number is None:
        raise ValueError(f"log level: unknown level {level!r}")
    return number


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except ValueError:  # a closed stream
        return False
