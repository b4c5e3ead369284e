"""Pagers, routes and rate limits from the plain ``paging`` config mapping.

Parsing and building are separate steps: :func:`parse_paging` turns the mapping into frozen
settings once (unknown keys and bad values are :class:`PagingConfigError`), and
:func:`build_pagers` makes adapters from them with the HTTP client and clock the
composition root owns. Nothing here opens a connection. The shape::

    pagers:                       # name -> one adapter
      pd-network: {type: pagerduty, routing_key: 0123456789abcdef0123456789abcdef}
      opsgenie:   {type: opsgenie, api_key: ..., url: https://api.eu.opsgenie.com,
                   responders: {network: [{type: team, name: Network Ops}]}}
      chat:       {type: webhook, url: https://hooks.example.org/am, bearer_token: ...}
      mail:       {type: email, host: smtp.example.org, port: 587, security: starttls,
                   username: ..., password: ..., from: noc@example.org,
                   to: [oncall@example.org], teams: {network: {to: [net@example.org]}}}
    routes:
      default: {pagers: [mail]}   # teams without a route of their own
      teams:
        network: {pagers: [pd-network], escalation: {2: [mail], 3: [opsgenie]}}
    rate_limits:                  # token bucket per team and pager; omitted = unlimited
      default: {pages: 10, per_s: 3600}
      teams: {network: {pages: 30, per_s: 3600}, lab: null}   # null: unlimited
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final, TypeVar

import httpx

from correlator.clock import Clock
from correlator.dispatch.pagers.base import Pager
from correlator.dispatch.pagers.email import EmailPager, EmailSettings, MailRoute, Security
from correlator.dispatch.pagers.opsgenie import API_URL, OpsgeniePager, OpsgenieSettings
from correlator.dispatch.pagers.pagerduty import EVENTS_URL, PagerDutyPager, PagerDutySettings
from correlator.dispatch.pagers.router import RateLimit, RateLimiter, Router, TeamRoute
from correlator.dispatch.pagers.webhook import WebhookPager, WebhookSettings

ROUTING_KEY_LENGTH: Final = 32

_E = TypeVar("_E", bound=StrEnum)


class PagerKind(StrEnum):
    """The adapters there are."""

    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"
    WEBHOOK = "webhook"
    EMAIL = "email"


PagerSettings = PagerDutySettings | OpsgenieSettings | WebhookSettings | EmailSettings


class PagingConfigError(ValueError):
    """The paging config is invalid; ``str(error)`` is one line naming the key and what."""

    def __init__(self, key: str, what: str) -> None:
        super().__init__(f"{key}: {what}")
        self.key = key
        self.what = what


@dataclass(frozen=True, slots=True)
class PagingSettings:
    """The parsed ``paging`` section."""

    pagers: Mapping[str, PagerSettings]
    router: Router
    limits: RateLimiter


def parse_paging(raw: object, where: str = "paging") -> PagingSettings:
    """Parse the whole section; every route must name a configured pager."""
    section = _Section(raw, where)
    pagers = parse_pagers(section.raw("pagers", {}), f"{where}.pagers")
    router = parse_routes(section.raw("routes", {"default": {"pagers": []}}), f"{where}.routes")
    limits = parse_rate_limits(section.raw("rate_limits", {}), f"{where}.rate_limits")
    section.close()
    unknown = sorted(router.names() - pagers.keys())
    if unknown:
        name = unknown[0]
        raise PagingConfigError(f"{where}.routes", f"no pager named {name!r}{_hint(name, pagers)}")
    return PagingSettings(MappingProxyType(dict(pagers)), router, limits)


def parse_pagers(raw: object, where: str = "paging.pagers") -> Mapping[str, PagerSettings]:
    """Each named pager's settings."""
    section = _Section(raw, where)
    return MappingProxyType(
        {name: parse_pager(section.raw(name), f"{where}.{name}") for name in section.names()}
    )


def parse_pager(raw: object, where: str) -> PagerSettings:
    """One pager's settings; ``type`` says which adapter."""
    s = _Section(raw, where)
    kind = s.choice("type", PagerKind)
    timeout_s = s.number("timeout_s", 10.0)
    settings: PagerSettings
    if kind is PagerKind.PAGERDUTY:
        key = s.text("routing_key")
        if len(key) != ROUTING_KEY_LENGTH:
            raise PagingConfigError(
                f"{where}.routing_key",
                f"a PagerDuty integration key has {ROUTING_KEY_LENGTH} characters, got {len(key)}",
            )
        settings = PagerDutySettings(key, s.text("url", EVENTS_URL), timeout_s)
    elif kind is PagerKind.OPSGENIE:
        responders = _Section(s.raw("responders", {}), f"{where}.responders")
        settings = OpsgenieSettings(
            api_key=s.text("api_key"),
            url=s.text("url", API_URL),
            responders=MappingProxyType(
                {
                    team: _responders(responders.raw(team), f"{where}.responders.{team}")
                    for team in responders.names()
                }
            ),
            timeout_s=timeout_s,
        )
    elif kind is PagerKind.WEBHOOK:
        settings = WebhookSettings(
            url=s.text("url"),
            receiver=s.text("receiver", "correlator"),
            external_url=s.text("external_url", ""),
            bearer_token=s.optional_text("bearer_token"),
            timeout_s=timeout_s,
        )
    else:
        settings = _email(s, where, timeout_s)
    s.close()
    return settings


def parse_routes(raw: object, where: str = "paging.routes") -> Router:
    """The default route and each team's."""
    s = _Section(raw, where)
    default = _route(s.raw("default"), f"{where}.default")
    teams = _Section(s.raw("teams", {}), f"{where}.teams")
    own = {team: _route(teams.raw(team), f"{where}.teams.{team}") for team in teams.names()}
    s.close()
    return Router(default, MappingProxyType(own))


def parse_rate_limits(raw: object, where: str = "paging.rate_limits") -> RateLimiter:
    """The default limit and each team's (``null``: unlimited)."""
    s = _Section(raw, where)
    default = _limit(s.raw("default", None), f"{where}.default")
    teams = _Section(s.raw("teams", {}), f"{where}.teams")
    own = {team: _limit(teams.raw(team), f"{where}.teams.{team}") for team in teams.names()}
    s.close()
    return RateLimiter(default, own)


def build_pager(
    name: str, settings: PagerSettings, *, client: httpx.AsyncClient, clock: Clock | None = None
) -> Pager:
    """The adapter for one pager's settings."""
    if isinstance(settings, PagerDutySettings):
        return PagerDutyPager(name, settings, client, clock)
    if isinstance(settings, OpsgenieSettings):
        return OpsgeniePager(name, settings, client)
    if isinstance(settings, WebhookSettings):
        return WebhookPager(name, settings, client, clock)
    return EmailPager(name, settings, clock)


def build_pagers(
    settings: Mapping[str, PagerSettings],
    *,
    client: httpx.AsyncClient,
    clock: Clock | None = None,
) -> Mapping[str, Pager]:
    """Every configured pager by name."""
    return MappingProxyType(
        {name: build_pager(name, s, client=client, clock=clock) for name, s in settings.items()}
    )


# ---- reading plain mappings ------------------------------------------------------------


def _email(s: _Section, where: str, timeout_s: float) -> EmailSettings:
    security = s.choice("security", Security, Security.NONE)
    default_port = {Security.NONE: 25, Security.STARTTLS: 587, Security.TLS: 465}[security]
    username = s.optional_text("username")
    password = s.optional_text("password")
    if (username is None) != (password is None):
        raise PagingConfigError(where, "username and password go together")
    teams = _Section(s.raw("teams", {}), f"{where}.teams")
    routes = {}
    for team in teams.names():
        route = _Section(teams.raw(team), f"{where}.teams.{team}")
        routes[team] = MailRoute(route.addresses("to"), route.optional_text("from"))
        route.close()
    return EmailSettings(
        host=s.text("host"),
        sender=s.text("from"),
        to=s.addresses("to"),
        port=s.integer("port", default_port, 1, 65535),
        security=security,
        username=username,
        password=password,
        teams=MappingProxyType(routes),
        message_id_domain=s.optional_text("message_id_domain"),
        ca_file=s.optional_text("ca_file"),
        timeout_s=timeout_s,
    )


def _responders(raw: object, where: str) -> tuple[Mapping[str, str], ...]:
    if not isinstance(raw, list) or not raw:
        raise PagingConfigError(where, f"expected a non-empty list of responders, got {raw!r}")
    out = []
    for i, item in enumerate(raw):
        r = _Section(item, f"{where}[{i}]")
        kind = r.text("type")
        if kind not in {"team", "user", "escalation", "schedule"}:
            raise PagingConfigError(
                f"{where}[{i}].type", f"expected team, user, escalation or schedule, got {kind!r}"
            )
        ident = {k: v for k in ("id", "name", "username") if (v := r.optional_text(k))}
        if not ident:
            raise PagingConfigError(f"{where}[{i}]", "a responder needs an id, name or username")
        r.close()
        out.append(MappingProxyType({"type": kind, **ident}))
    return tuple(out)


def _route(raw: object, where: str) -> TeamRoute:
    s = _Section(raw, where)
    pagers = s.texts("pagers")
    levels = _Section(s.raw("escalation", {}), f"{where}.escalation")
    escalation = {}
    for key in levels.names():
        if not key.isdigit() or int(key) < 2:
            raise PagingConfigError(
                f"{where}.escalation.{key}", "escalation levels are whole numbers from 2 up"
            )
        escalation[int(key)] = levels.texts(key)
    s.close()
    return TeamRoute(pagers, MappingProxyType(escalation))


def _limit(raw: object, where: str) -> RateLimit | None:
    if raw is None:
        return None
    s = _Section(raw, where)
    limit = RateLimit(s.integer("pages", None, 1, None), s.number("per_s", None))
    s.close()
    return limit


def _hint(name: str, known: Mapping[str, object] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_REQUIRED: Final = object()


class _Section:
    """One mapping of the config, read key by key; :meth:`close` rejects unread keys."""

    def __init__(self, raw: object, where: str) -> None:
        if not isinstance(raw, Mapping):
            raise PagingConfigError(where, f"expected a mapping, got {_kind(raw)}")
        self._raw: dict[str, Any] = {str(k): v for k, v in raw.items()}
        self._where = where
        self._read: set[str] = set()

    def names(self) -> list[str]:
        """Every key (for mappings whose keys are names, e.g. teams)."""
        return list(self._raw)

    def raw(self, key: str, default: object = _REQUIRED) -> Any:
        """The value as given."""
        self._read.add(key)
        if key in self._raw:
            return self._raw[key]
        if default is _REQUIRED:
            raise PagingConfigError(self._where, f"missing key {key!r}")
        return default

    def text(self, key: str, default: str | None = None) -> str:
        """A non-empty string (required unless ``default`` is given)."""
        if default is not None and key not in self._raw:
            self._read.add(key)
            return default
        value = self.raw(key)
        if not isinstance(value, str) or not value:
            raise PagingConfigError(self._at(key), f"expected non-empty text, got {_kind(value)}")
        return value

    def optional_text(self, key: str) -> str | None:
        """A non-empty string, or ``None`` when absent or null."""
        return None if self.raw(key, None) is None else self.text(key)

    def texts(self, key: str) -> tuple[str, ...]:
        """A list of non-empty strings (may be empty)."""
        value = self.raw(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise PagingConfigError(self._at(key), f"expected a list of names, got {value!r}")
        return tuple(value)

    def addresses(self, key: str) -> tuple[str, ...]:
        """A non-empty list of e-mail addresses."""
        value = self.texts(key)
        if not value or not all("@" in v for v in value):
            raise PagingConfigError(
                self._at(key), f"expected a non-empty list of e-mail addresses, got {list(value)}"
            )
        return value

    def integer(self, key: str, default: int | None, low: int, high: int | None) -> int:
        """A whole number in ``low..high``."""
        value = self.raw(key, _REQUIRED if default is None else default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            span = f"{low}..{high}" if high is not None else f"{low} or more"
            raise PagingConfigError(self._at(key), f"expected an integer {span}, got {value!r}")
        return value

    def number(self, key: str, default: float | None) -> float:
        """A positive number."""
        value = self.raw(key, _REQUIRED if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise PagingConfigError(self._at(key), f"expected a positive number, got {value!r}")
        return float(value)

    def choice(self, key: str, kind: type[_E], default: _E | None = None) -> _E:
        """One of an enum's values."""
        value = self.raw(key, _REQUIRED if default is None else default)
        try:
            return kind(value)
        except ValueError:
            known = [k.value for k in kind]
            raise PagingConfigError(
                self._at(key), f"expected one of {', '.join(known)}, got {value!r}"
            ) from None

    def close(self) -> None:
        """Reject keys nobody read (typos, options that do not exist)."""
        for key in self._raw:
            if key not in self._read:
                known = sorted(self._read)
                raise PagingConfigError(self._at(key), f"unknown key{_hint(key, known)}")

    def _at(self, key: str) -> str:
        return f"{self._where}.{key}"


def _kind(value: object) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {value!r}"
