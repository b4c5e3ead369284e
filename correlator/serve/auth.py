# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Who is calling the operator API, and what they may do.

A caller presents a bearer token: ``Authorization: Bearer <token>``, or, on ``GET`` only,
``?access_token=<token>`` (an ``EventSource`` cannot send headers; a kiosk screen opens a
URL). Each configured token names a person or a screen and a role: ``viewer`` reads,
``operator`` reads and writes. With no token configured every caller is the operator
``anonymous`` (the composition root warns at start-up).

Tokens are compared in constant time: each candidate is hashed and compared with
:func:`hmac.compare_digest` against every configured token, so neither the answer time nor
an early exit tells how much of a guess was right. The decision is pure: it returns the
caller (:class:`Principal`) or the refusal (:class:`Refusal`, with its HTTP status and
one-line reason).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

Role = Literal["viewer", "operator"]
"""``viewer``: read only (screens); ``operator``: read and write."""

ROLES: Final[tuple[Role, ...]] = ("viewer", "operator")

ANONYMOUS: Final = "anonymous"
"""The caller's name when no API token is configured."""

INGEST_TOKEN_NAME: Final = "ingest-token"  # noqa: S105 - a caller name, not a secret
"""The caller's name when the intake's ``auth_token`` authorises a topology reload."""

QUERY_TOKEN: Final = "access_token"  # noqa: S105 - a parameter name
"""The query parameter that may carry the token on GET requests."""


@dataclass(frozen=True, slots=True)
class ApiToken:
    """One configured token: the caller's name, the secret, the role."""

    name: str
    token: str
    role: Role

    def __repr__(self) -> str:  # never print the secret
        return f"ApiToken(name={self.name!r}, role={self.role!r})"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: their name (the actor in history and logs) and role."""

    name: str
    role: Role

    @property
    def may_write(self) -> bool:
        """True for operators."""
        return self.role == "operator"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is refused: 401 (no or unknown token) or 403 (role too low)."""

    status: Literal[401, 403]
    reason: str


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class Authenticator:
    """Decide who a request comes from, from its headers and query string."""

    def __init__(self, tokens: Sequence[ApiToken], *, ingest_token: str | None = None) -> None:
        self._tokens = tuple((_digest(t.token), Principal(t.name, t.role)) for t in tokens)
        self._ingest = _digest(ingest_token) if ingest_token else None

    @property
    def anonymous(self) -> bool:
        """True when no API token is configured (every caller is the anonymous operator)."""
        return not self._tokens

    def identify(
        self, headers: Mapping[str, str], query: Mapping[str, str], method: str
    ) -> Principal | Refusal:
        """The caller of a request (``headers`` with lower-case names), or why not."""
        if self.anonymous:
            return Principal(ANONYMOUS, "operator")
        presented = presented_token(headers, query, method)
        if presented is None:
            return Refusal(401, "missing bearer token")
        found = self._match(presented)
        if found is None:
            return Refusal(401, "unknown bearer token")
        return found

    def authorize(
        self,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        method: str,
        *,
        write: bool,
        accept_ingest_token: bool = False,
    ) -> Principal | Refusal:
        """The caller if they may make this request (``write``: operators only), else why not.

        ``accept_ingest_token``: the intake's ``auth_token`` also counts as an operator
        (the topology reload accepted it before the API had roles); when no API token is
        configured but an ingest token is, that token is then required, as it was.
        """
        if accept_ingest_token and self._ingest is not None:
            presented = presented_token(headers, query, method)
            if presented is not None and hmac.compare_digest(_digest(presented), self._ingest):
                return Principal(INGEST_TOKEN_NAME, "operator")
            if self.anonymous:
                return Refusal(401, "missing or wrong bearer token")
        who = self.identify(headers, query, method)
        if isinstance(who, Principal) and write and not who.may_write:
            return Refusal(403, f"{who.name} has the viewer role; this needs an operator")
        return who

    def _match(self, presented: str) -> Principal | None:
        digest = _digest(presented)
        found: Principal | None = None
        for expected, principal in self._tokens:  # no early exit: constant time
            if hmac.compare_digest(digest, expected):
                found = principal
        return found


def presented_token(
    headers: Mapping[str, str], query: Mapping[str, str], method: str
) -> str | None:
    """The bearer token of a request: the ``Authorization`` header, else on GET/HEAD the
    ``access_token`` query parameter; None when there is none."""
    header = headers.get("authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    if method in {"GET", "HEAD"}:
        return query.get(QUERY_TOKEN) or None
    return None
