# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Property tests of the operator API against its own OpenAPI document (schemathesis).

The real daemon runs as a process with a small topology and two incidents made of native
Nagios alerts. Every operation of ``/api/v1/openapi.json`` is called with generated
requests as an operator: valid ones must get answers that match the document (status
code, content type, body schema), invalid ones must never get a server error. The
explicit examples of the document (``INC-000001``, a window on ``web-01``...) make the
calls reach real incidents and windows, not only 404s. The number of examples
per operation is bounded so the whole run stays well under a minute. The event stream
never ends, so its operation is left to tests/integration/test_api_daemon.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.internal.conjecture.utils import many
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

START_TIMEOUT_S = 30.0
OPERATOR = {"Authorization": "Bearer alice-secret"}
INTAKE = {"Authorization": "Bearer intake-secret"}
CONFORMANCE = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)
TOPOLOGY = """\
version: 1
nodes:
  - id: sw-01
    kind: switch
    site: bru
    team: network
    tags: {vendor: cisco}
  - id: web-01
    site: bru
    depends_on: [sw-01]
  - id: db-01
    site: ams
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _host_down(host: str, problem: int) -> dict[str, str]:
    return {
        "NOTIFICATIONTYPE": "PROBLEM",
        "HOSTNAME": host,
        "HOSTSTATE": "DOWN",
        "HOSTSTATETYPE": "HARD",
        "HOSTOUTPUT": "CRITICAL - Host Unreachable",
        "HOSTPROBLEMID": str(problem),
    }


def _wait(condition: Any, what: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the daemon exited with {process.returncode}: {err}")
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The daemon with a topology and two open incidents; its base URL."""
    home = tmp_path_factory.mktemp("schemathesis")
    port = _free_port()
    (home / "topology.yaml").write_text(TOPOLOGY, encoding="utf-8")
    (home / "config.yaml").write_text(
        f"""\
server:
  port: {port}
  auth_token: intake-secret
  api_tokens:
    - {{name: alice, token: alice-secret, role: operator}}
    - {{name: wall, token: wall-secret, role: viewer}}
data_dir: {home / "data"}
topology:
  path: {home / "topology.yaml"}
logging:
  level: warning
  format: json
""",
        encoding="utf-8",
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CORRELATOR_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "correlator", "run", "--config", str(home / "config.yaml")],
        cwd=home,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{base}/readyz").status_code == 200, "the daemon", process)
        for number, host in enumerate(["web-01", "db-01"], start=1):
            posted = httpx.post(
                f"{base}/ingest/nagios", json=_host_down(host, number), headers=INTAKE
            )
            assert posted.status_code == 202, posted.text

        def two_incidents() -> bool:
            answer = httpx.get(f"{base}/api/v1/incidents", headers=OPERATOR)
            return len(answer.json()["incidents"]) == 2

        _wait(two_incidents, "two incidents", process)
        yield base
    finally:
        process.terminate()
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        assert "Traceback" not in err, err


def _schema(base: str, method: schemathesis.DataGenerationMethod) -> Any:
    if not hasattr(many, "more"):  # what hypothesis-jsonschema 0.23 draws objects with
        pytest.fail(
            "hypothesis >= 6.170 breaks hypothesis-jsonschema 0.23 (schemathesis 3.x): "
            "install hypothesis < 6.170",
            pytrace=False,
        )
    # OpenAPI 3.1: schemathesis 3.x calls its support experimental and wants it switched on.
    schemathesis.experimental.OPEN_API_3_1.enable()
    return schemathesis.from_uri(
        f"{base}/api/v1/openapi.json", base_url=base, data_generation_methods=[method]
    )


@pytest.fixture
def valid_requests(daemon: str) -> Any:
    """The OpenAPI document as the daemon serves it, generating requests it allows (all
    operations but the event stream, which never ends: tests/integration/test_api_daemon.py
    reads it)."""
    schema = _schema(daemon, schemathesis.DataGenerationMethod.positive)
    return schema.exclude(path=STREAM)


@pytest.fixture
def invalid_requests(daemon: str) -> Any:
    """The same document, generating requests it forbids (wrong types, missing keys...),
    for the operations that have something to get wrong besides their path."""
    schema = _schema(daemon, schemathesis.DataGenerationMethod.negative)
    return schema.exclude(func=_nothing_to_negate)


def _nothing_to_negate(context: Any) -> bool:
    """Operations without a query parameter or body, and those with an ``{id}`` in the path
    (schemathesis 3 cannot make a path segment invalid and then gives up on the operation;
    their bad bodies are covered by tests/unit/serve/test_api.py)."""
    operation = context.operation
    return "{" in operation.path or operation.path in NO_PARAMETERS


STREAM = "/api/v1/stream"
NO_PARAMETERS = frozenset(
    {"/api/v1/openapi.json", "/api/v1/whoami", "/api/v1/stream", "/api/v1/topology/reload"}
)


valid = schemathesis.from_pytest_fixture("valid_requests")
invalid = schemathesis.from_pytest_fixture("invalid_requests")
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@valid.parametrize()
@EXAMPLES
def test_answers_conform_to_the_document(case: schemathesis.Case) -> None:
    """Requests the document allows get no 5xx, and status, content type and body as it
    describes them."""
    case.call_and_validate(headers=OPERATOR, checks=CONFORMANCE, timeout=10)


@invalid.parametrize()
@EXAMPLES
def test_invalid_requests_never_break_the_daemon(case: schemathesis.Case) -> None:
    """Requests the document forbids are refused, never answered with a server error.

    (Only the 5xx check: some of them are malformed HTTP that the server's parser
    refuses before the API sees them, and unknown query parameters are ignored.)
    """
    case.call_and_validate(headers=OPERATOR, checks=(not_a_server_error,), timeout=10)
