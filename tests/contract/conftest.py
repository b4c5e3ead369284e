# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Contract fixtures: the real PostgreSQL server, started once, only when a test needs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from postgres_server import PostgresServer, PostgresUnavailableError, missing_prerequisite
from required import unavailable

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The real server (tests/postgres_server.py), stopped at the end of the session."""
    reason = missing_prerequisite()
    if reason is not None:
        unavailable("the PostgreSQL test server", reason)
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailableError as exc:
        unavailable("the PostgreSQL test server", str(exc))
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
