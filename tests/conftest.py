# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: the real Kafka broker, started once per session when a test needs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from kafka_broker import DEFAULT_LIB, BrokerUnavailableError, KafkaBroker, missing_prerequisite
from required import unavailable

if TYPE_CHECKING:
    from collections.abc import Iterator


# Tests assert behaviour, never wall-clock time: Hypothesis's per-example deadline would
# turn a busy CI machine into a failure, so it is off for every property test.
settings.register_profile("correlator", deadline=None, print_blob=True)
settings.load_profile("correlator")


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """The real broker (tests/kafka_broker.py), stopped at the end of the session."""
    reason = missing_prerequisite(DEFAULT_LIB)
    if reason is not None:
        unavailable("the Kafka test broker", reason)
    broker = KafkaBroker(DEFAULT_LIB, tmp_path_factory.mktemp("kafka"))
    try:
        broker.start()
    except BrokerUnavailableError as exc:
        unavailable("the Kafka test broker", str(exc))
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker) -> str:
    """``host:port`` of the real broker's plain listener."""
    return kafka_broker.bootstrap
