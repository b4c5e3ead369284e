# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Metrics on an injected registry and the one-format logging set-up."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from typing import TYPE_CHECKING, get_args

import pytest
import structlog
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

from correlator.telemetry import (
    METRIC_NAMES,
    REJECT_REASONS,
    MetricName,
    Metrics,
    RejectReason,
    configure_logging,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


def test_metrics_register_on_the_given_registry_only() -> None:
    """Metrics registers its collectors on the registry it is given, never on the global default one."""
    before = set(REGISTRY._names_to_collectors)
    registry = CollectorRegistry()

    metrics = Metrics(registry)
    metrics.alerts_received.labels(source="nagios").inc()

    assert set(REGISTRY._names_to_collectors) == before
    assert metrics.sample("correlator_alerts_received_total", {"source": "nagios"}) == 1.0


def test_two_metrics_instances_do_not_collide() -> None:
    """Two Metrics on two registries count independently (one per test, one per process)."""
    first, second = Metrics(CollectorRegistry()), Metrics(CollectorRegistry())

    first.alerts_accepted.labels(source="prtg").inc(3)

    assert first.sample("correlator_alerts_accepted_total", {"source": "prtg"}) == 3.0
    assert second.sample("correlator_alerts_accepted_total", {"source": "prtg"}) == 0.0


def test_exported_names_are_in_the_closed_vocabulary() -> None:
    """Every metric family the intake exports is a member of the MetricName Literal."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.alerts_received.labels(source="nagios").inc()
    metrics.alerts_accepted.labels(source="nagios").inc()
    metrics.alerts_rejected.labels(source="nagios", reason="invalid").inc()
    metrics.dead_letters.labels(source="nagios").inc()
    metrics.bus_publish_seconds.observe(0.001)

    exported = {
        sample.name.removesuffix("_bucket").removesuffix("_count").removesuffix("_sum")
        for family in registry.collect()
        for sample in family.samples
        if not sample.name.endswith("_created")
    }

    assert exported <= METRIC_NAMES
    assert exported == {
        "correlator_alerts_received_total",
        "correlator_alerts_accepted_total",
        "correlator_alerts_rejected_total",
        "correlator_dead_letters_total",
        "correlator_bus_publish_seconds",
    }
    assert set(get_args(MetricName)) == METRIC_NAMES


def test_reject_reasons_are_a_closed_vocabulary() -> None:
    """The rejection reasons are exactly the Literal's members, including the ones the spec's answers need."""
    assert get_args(RejectReason) == REJECT_REASONS
    assert {"invalid", "unauthorized", "too_large", "unavailable"} <= set(REJECT_REASONS)


def test_later_stages_add_metrics_once() -> None:
    """Metrics.counter registers a later stage's counter on first use and returns the same one after."""
    metrics = Metrics(CollectorRegistry())

    opened = metrics.counter(
        "correlator_incidents_opened_total", "Incidents opened.", ("priority",)
    )
    again = metrics.counter("correlator_incidents_opened_total", "Incidents opened.", ("priority",))
    opened.labels(priority="high").inc()

    assert opened is again
    assert b'correlator_incidents_opened_total{priority="high"} 1.0' in generate_latest(
        metrics.registry
    )


def test_importing_telemetry_has_no_side_effects() -> None:
    """Importing the module registers no metric globally and configures no logging."""
    code = (
        "import logging, structlog, prometheus_client\n"
        "before = set(prometheus_client.REGISTRY._names_to_collectors)\n"
        "import correlator.telemetry\n"
        "assert set(prometheus_client.REGISTRY._names_to_collectors) == before\n"
        "assert not structlog.is_configured()\n"
        "assert logging.getLogger().handlers == []\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_format_writes_one_json_object_per_event(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """With fmt=json every structlog event is one JSON line on stderr with level and timestamp."""
    configure_logging("info", "json")

    structlog.get_logger("correlator.test").warning("alert rejected", source="nagios", field="X")
    structlog.get_logger("correlator.test").debug("not shown")

    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "alert rejected"
    assert event["level"] == "warning"
    assert event["source"] == "nagios"
    assert "timestamp" in event


def test_json_format_renders_exceptions_as_data(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """An exception logged in JSON mode stays one parseable JSON line carrying the exception."""
    configure_logging("info", "json")

    try:
        raise RuntimeError("bus down")
    except RuntimeError:
        structlog.get_logger().exception("publish failed")

    [line] = capsys.readouterr().err.strip().splitlines()
    event = json.loads(line)
    assert "bus down" in json.dumps(event["exception"])


def test_library_logs_use_the_same_format(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Standard-library loggers (uvicorn, aiokafka) come out in the same JSON format."""
    configure_logging("info", "json")

    logging.getLogger("uvicorn.error").info("Started server process")

    event = json.loads(capsys.readouterr().err.strip())
    assert event["event"] == "Started server process"
    assert event["logger"] == "uvicorn.error"


def test_console_format_is_not_json(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """With fmt=console the event is rendered for humans, not as JSON."""
    configure_logging("debug", "console")

    structlog.get_logger().info("hello", source="zabbix")

    err = capsys.readouterr().err
    assert "hello" in err
    assert "source" in err
    with pytest.raises(json.JSONDecodeError):
        json.loads(err)


def test_auto_format_is_json_when_stderr_is_not_a_terminal(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """With fmt=auto and stderr captured (not a TTY) the output is JSON."""
    configure_logging("info", "auto")

    structlog.get_logger().info("hello")

    assert json.loads(capsys.readouterr().err)["event"] == "hello"


def test_unknown_level_is_an_error() -> None:
    """An unknown level name is refused with a message naming it."""
    with pytest.raises(ValueError, match="loud"):
        configure_logging("loud", "json")


def test_dispatch_metrics_are_in_the_closed_vocabulary() -> None:
    """Every metric family the dispatch stage exports (tickets, pages, SLA events) is a MetricName."""
    from correlator.dispatch.service import DispatchMetrics  # noqa: PLC0415

    registry = CollectorRegistry()
    dispatch = DispatchMetrics(Metrics(registry))
    dispatch.tickets_written.labels("builtin", "create").inc()
    dispatch.pages_sent.labels("pd", "trigger").inc()
    dispatch.pages_failed.labels("pd", "trigger").inc()
    dispatch.sla_events.labels("response", "breached").inc()

    exported = {
        sample.name
        for family in registry.collect()
        for sample in family.samples
        if sample.name.startswith(("correlator_tickets", "correlator_pages", "correlator_sla"))
        and not sample.name.endswith("_created")
    }

    assert exported == {
        "correlator_tickets_written_total",
        "correlator_pages_sent_total",
        "correlator_pages_failed_total",
        "correlator_sla_events_total",
    }
    assert exported <= METRIC_NAMES
