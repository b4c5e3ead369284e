# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Contract fixtures: the real PostgreSQL server, started once, only when a test needs it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from postgres_server import PostgresServer, PostgresUnavailableError, missing_prerequisite

if TYPE_CHECKING:
    from collections.abc import Iterator


def _unavailable(reason: str) -> None:
    """Fail under CI (a missing server must not pass as a skip), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"the PostgreSQL test server is required under CI: {reason}", pytrace=False)
    print(f"skipping PostgreSQL tests: {reason}")
    pytest.skip(f"no PostgreSQL test server: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The real server (tests/postgres_server.py), stopped at the end of the session."""
    reason = missing_prerequisite()
    if reason is not None:
        _unavailable(reason)
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailableError as exc:
        _unavailable(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_dsn(pg_server: PostgresServer) -> str:
    """The DSN of a database made for this session."""
    return pg_server.database("correlator")


@pytest.fixture
def fresh_pg_dsn(pg_server: PostgresServer) -> str:
    """The DSN of a new, empty database for one test."""
    return pg_server.database()
