# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The operator API's tokens and roles: who a request comes from, and what they may do."""

from __future__ import annotations

import pytest

from correlator.serve.auth import (
    ANONYMOUS,
    INGEST_TOKEN_NAME,
    ApiToken,
    Authenticator,
    Principal,
    Refusal,
    presented_token,
)

TOKENS = [
    ApiToken("noc-wall", "wall-secret", "viewer"),
    ApiToken("alice", "alice-secret", "operator"),
]


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_no_tokens_means_the_anonymous_operator() -> None:
    """Without configured tokens every caller is the operator 'anonymous', even for writes."""
    auth = Authenticator([])
    assert auth.anonymous
    assert auth.authorize({}, {}, "POST", write=True) == Principal(ANONYMOUS, "operator")


def test_each_token_names_its_caller_and_role() -> None:
    """A known bearer token identifies its person or screen with its role."""
    auth = Authenticator(TOKENS)
    assert auth.identify(_bearer("wall-secret"), {}, "GET") == Principal("noc-wall", "viewer")
    assert auth.identify(_bearer("alice-secret"), {}, "POST") == Principal("alice", "operator")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing bearer token"),
        (_bearer("guess"), "unknown bearer token"),
        ({"authorization": "Basic YWxpY2U6eA=="}, "missing bearer token"),
        ({"authorization": "Bearer "}, "missing bearer token"),
    ],
)
def test_missing_or_unknown_token_is_401(headers: dict[str, str], reason: str) -> None:
    """No token, a wrong one, or another scheme is refused with 401."""
    assert Authenticator(TOKENS).identify(headers, {}, "GET") == Refusal(401, reason)


def test_viewer_may_read_but_not_write() -> None:
    """A viewer token reads; a write with it is 403 naming the caller."""
    auth = Authenticator(TOKENS)
    assert isinstance(auth.authorize(_bearer("wall-secret"), {}, "GET", write=False), Principal)
    refused = auth.authorize(_bearer("wall-secret"), {}, "POST", write=True)
    assert isinstance(refused, Refusal)
    assert refused.status == 403
    assert "noc-wall" in refused.reason
    assert auth.authorize(_bearer("alice-secret"), {}, "POST", write=True) == Principal(
        "alice", "operator"
    )


def test_query_token_only_on_get() -> None:
    """?access_token= works on GET (EventSource, kiosk screens) but never on a POST."""
    auth = Authenticator(TOKENS)
    query = {"access_token": "wall-secret"}
    assert auth.identify({}, query, "GET") == Principal("noc-wall", "viewer")
    assert auth.identify({}, query, "POST") == Refusal(401, "missing bearer token")
    assert presented_token({}, query, "HEAD") == "wall-secret"


def test_header_wins_over_the_query() -> None:
    """When both are given, the Authorization header is the token that counts."""
    auth = Authenticator(TOKENS)
    found = auth.identify(_bearer("alice-secret"), {"access_token": "wall-secret"}, "GET")
    assert found == Principal("alice", "operator")


def test_scheme_is_case_insensitive_and_token_trimmed() -> None:
    """'bearer' in any case is accepted and spaces around the token are ignored."""
    auth = Authenticator(TOKENS)
    headers = {"authorization": "bearer   alice-secret  "}
    assert auth.identify(headers, {}, "GET") == Principal("alice", "operator")


def test_ingest_token_may_reload_when_allowed() -> None:
    """The intake's token counts as an operator where the route accepts it, nowhere else."""
    auth = Authenticator(TOKENS, ingest_token="intake-secret")
    reload = auth.authorize(
        _bearer("intake-secret"), {}, "POST", write=True, accept_ingest_token=True
    )
    assert reload == Principal(INGEST_TOKEN_NAME, "operator")
    elsewhere = auth.authorize(_bearer("intake-secret"), {}, "POST", write=True)
    assert elsewhere == Refusal(401, "unknown bearer token")


def test_ingest_token_still_required_when_no_api_token_is_set() -> None:
    """With only the intake token configured the reload still needs it, as it always did."""
    auth = Authenticator([], ingest_token="intake-secret")
    refused = auth.authorize({}, {}, "POST", write=True, accept_ingest_token=True)
    assert refused == Refusal(401, "missing or wrong bearer token")
    assert auth.authorize({}, {}, "POST", write=True) == Principal(ANONYMOUS, "operator")


def test_token_secret_is_not_in_the_repr() -> None:
    """Printing a configured token never shows its secret."""
    assert "alice-secret" not in repr(TOKENS[1])
