"""Who gets paged, and how often: per-team routing and a per-team/pager rate limiter.

Both are pure decisions over plain data that say why (habit 3). The tables are built from
the ``paging`` config section by :mod:`correlator.dispatch.pagers.registry`; tests build
them directly. Time is a parameter: the limiter never reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

ANY_PAGER: Final = "*"
"""The pager name a rate-limit bucket is keyed on when the caller limits a whole team."""


# ---- routing ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamRoute:
    """Where one team's pages go.

    ``pagers`` are reached from escalation level 1; ``escalation[n]`` names the pagers that
    are *added* from level ``n`` up (escalating brings more people in, it does not take the
    first responder off the incident).
    """

    pagers: tuple[str, ...]
    escalation: Mapping[int, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if any(level < 2 for level in self.escalation):
            raise ValueError("escalation levels start at 2 (level 1 is the team's pagers)")

    def pagers_at(self, level: int) -> tuple[str, ...]:
        """The pagers reached at escalation ``level``: level 1's plus every level up to it."""
        names = list(self.pagers)
        for at in sorted(self.escalation):
            if at <= level:
                names.extend(self.escalation[at])
        return tuple(dict.fromkeys(names))  # keep order, drop repeats

    def names(self) -> frozenset[str]:
        """Every pager this route can reach, at any level."""
        return frozenset(self.pagers).union(*self.escalation.values())


class RouteReason(StrEnum):
    """Why a page went where it went."""

    TEAM = "team"  # the team has its own route
    DEFAULT = "default"  # the team has none (or is unknown): the default route


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """The pagers for one page, and why."""

    team: str
    level: int
    pagers: tuple[str, ...]
    reason: RouteReason
    detail: str


@dataclass(frozen=True, slots=True)
class Router:
    """Per-team routing with a default for teams that have no route of their own."""

    default: TeamRoute
    teams: Mapping[str, TeamRoute] = field(default_factory=lambda: MappingProxyType({}))

    def route(self, team: str, level: int = 1) -> RouteDecision:
        """The pagers that page ``team`` at escalation ``level`` (1 = first responders)."""
        if level < 1:
            raise ValueError(f"escalation level must be 1 or more, got {level}")
        own = self.teams.get(team)
        if own is not None:
            pagers = own.pagers_at(level)
            return RouteDecision(
                team,
                level,
                pagers,
                RouteReason.TEAM,
                f"team {team!r} at level {level}: {', '.join(pagers) or 'no pager'}",
            )
        pagers = self.default.pagers_at(level)
        return RouteDecision(
            team,
            level,
            pagers,
            RouteReason.DEFAULT,
            f"team {team!r} has no route; default at level {level}: "
            f"{', '.join(pagers) or 'no pager'}",
        )

    def names(self) -> frozenset[str]:
        """Every pager name any route mentions (the registry checks they all exist)."""
        return self.default.names().union(*(route.names() for route in self.teams.values()))


# ---- rate limiting ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``pages`` pages per ``per_s`` seconds, refilled smoothly (a token bucket).

    A full bucket allows a burst of ``pages``; after that one page every
    ``per_s / pages`` seconds.
    """

    pages: int
    per_s: float

    def __post_init__(self) -> None:
        if self.pages < 1:
            raise ValueError(f"a rate limit allows at least 1 page, got {self.pages}")
        if self.per_s <= 0:
            raise ValueError(f"a rate limit's window must be positive, got {self.per_s}")

    @property
    def refill_per_s(self) -> float:
        """Tokens added per second."""
        return self.pages / self.per_s


class RateReason(StrEnum):
    """Why a page was let through or held back."""

    UNLIMITED = "unlimited"  # no limit configured for this team
    WITHIN_LIMIT = "within_limit"  # a token was available and taken
    LIMIT_REACHED = "limit_reached"  # the bucket is empty


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Whether one page may go now, and why."""

    allowed: bool
    reason: RateReason
    detail: str
    remaining: float | None = None  # tokens left after this decision (None: unlimited)
    retry_after_s: float | None = None  # when refused: seconds until a token is back


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets per (team, pager); the limit is the team's own or the default.

    ``allow`` takes the time as a parameter (event time in replay, the wall clock in the
    daemon). A clock that goes backwards refills nothing; it never takes tokens away.
    """

    def __init__(
        self,
        default: RateLimit | None = None,
        teams: Mapping[str, RateLimit | None] | None = None,
    ) -> None:
        self._default = default
        self._teams: Mapping[str, RateLimit | None] = MappingProxyType(dict(teams or {}))
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def limit_for(self, team: str) -> RateLimit | None:
        """The limit that applies to ``team`` (``None``: unlimited)."""
        return self._teams.get(team, self._default)

    def allow(self, team: str, now: float, pager: str = ANY_PAGER) -> RateDecision:
        """Take one token from ``(team, pager)``'s bucket if there is one."""
        limit = self.limit_for(team)
        who = team if pager == ANY_PAGER else f"{team}/{pager}"
        if limit is None:
            return RateDecision(
                allowed=True, reason=RateReason.UNLIMITED, detail=f"{who}: no rate limit"
            )
        bucket = self._buckets.get((team, pager))
        if bucket is None:
            bucket = self._buckets[(team, pager)] = _Bucket(float(limit.pages), now)
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(float(limit.pages), bucket.tokens + elapsed * limit.refill_per_s)
        bucket.at = max(bucket.at, now)
        window = f"{limit.pages} per {limit.per_s:g}s"
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return RateDecision(
                allowed=True,
                reason=RateReason.WITHIN_LIMIT,
                detail=f"{who}: within {window} ({int(bucket.tokens)} left)",
                remaining=bucket.tokens,
            )
        wait = (1.0 - bucket.tokens) / limit.refill_per_s
        return RateDecision(
            allowed=False,
            reason=RateReason.LIMIT_REACHED,
            detail=f"{who}: {window} reached; next page possible in {wait:.0f}s",
            remaining=bucket.tokens,
            retry_after_s=wait,
        )
