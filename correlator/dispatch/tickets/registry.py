"""Ticket systems built from plain config mappings (``{"kind": "rt", "url": ..., ...}``).

:func:`parse_ticket_system` turns one mapping into a frozen :class:`TicketSystemConfig`
(unknown keys, missing keys and wrong types raise :class:`TicketConfigError`, naming
the key); :func:`build_ticket_system` turns that into an adapter with the shared
``httpx.AsyncClient`` (the composition root owns the client, tests inject a transport).

Keys common to every kind: ``kind`` (builtin, rt, glpi, servicenow, jsm, zendesk;
default builtin), ``name`` (default: the kind), ``timeout_s`` and ``priorities`` (a
mapping P1..P5 -> the system's value, replacing the adapter's default scale; for
ServiceNow each value is ``[impact, urgency]``). The others are each kind's settings
fields, e.g. for rt: ``url``, ``token``, ``queue``, ``custom_field``.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final, Literal, get_args, get_origin

import httpx

from correlator.clock import Clock
from correlator.dispatch.priority import Priority
from correlator.dispatch.tickets.base import TicketSystem
from correlator.dispatch.tickets.builtin import BuiltinTickets
from correlator.dispatch.tickets.glpi import GLPI, GLPISettings
from correlator.dispatch.tickets.jsm import JiraServiceManagement, JSMSettings
from correlator.dispatch.tickets.rt import RequestTracker, RTSettings
from correlator.dispatch.tickets.servicenow import ServiceNow, ServiceNowSettings
from correlator.dispatch.tickets.zendesk import Zendesk, ZendeskSettings


class TicketKind(StrEnum):
    """The ticket systems there are adapters for."""

    BUILTIN = "builtin"
    RT = "rt"
    GLPI = "glpi"
    SERVICENOW = "servicenow"
    JSM = "jsm"
    ZENDESK = "zendesk"


@dataclass(frozen=True, slots=True)
class BuiltinSettings:
    """The built-in queue: nothing to reach, only how its tickets link to the NOC page."""

    url_template: str | None = None  # e.g. "https://noc.example/tickets/{ticket_id}"
    close_after_s: float | None = 604800.0  # resolved and quiet this long: closed (None: never)


Settings = (
    BuiltinSettings | RTSettings | GLPISettings | ServiceNowSettings | JSMSettings | ZendeskSettings
)

SETTINGS: Final[Mapping[TicketKind, type[Any]]] = MappingProxyType(
    {
        TicketKind.BUILTIN: BuiltinSettings,
        TicketKind.RT: RTSettings,
        TicketKind.GLPI: GLPISettings,
        TicketKind.SERVICENOW: ServiceNowSettings,
        TicketKind.JSM: JSMSettings,
        TicketKind.ZENDESK: ZendeskSettings,
    }
)


class TicketConfigError(ValueError):
    """A bad ticket-system mapping; the message names the key path."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what


@dataclass(frozen=True, slots=True)
class TicketSystemConfig:
    """One configured ticket system."""

    kind: TicketKind
    name: str
    settings: Settings


def _value(value: Any, kind: Any, where: str) -> Any:
    """``value`` checked against the annotation ``kind`` (the settings' field types)."""
    origin = get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        options = get_args(kind)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _value(value, option, where)
            except TicketConfigError as exc:
                errors.append(exc.what)
        raise TicketConfigError(where, " or ".join(errors))
    if origin is Literal:
        if value not in get_args(kind):
            allowed = ", ".join(repr(a) for a in get_args(kind))
            raise TicketConfigError(where, f"expected one of {allowed}, got {value!r}")
        return value
    if origin is tuple:  # tuple[str, ...]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise TicketConfigError(where, f"expected a list of strings, got {value!r}")
        return tuple(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise TicketConfigError(where, f"expected true or false, got {value!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TicketConfigError(where, f"expected an integer, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise TicketConfigError(where, f"expected a positive number, got {value!r}")
        return float(value)
    if kind is str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)  # ids such as service_desk_id: 3
        if not isinstance(value, str) or not value:
            raise TicketConfigError(where, f"expected a non-empty string, got {value!r}")
        return value
    raise TicketConfigError(where, f"unsupported setting type {kind!r}")  # pragma: no cover


def _priorities(value: Any, default: Mapping[Priority, Any], where: str) -> Mapping[Priority, Any]:
    if not isinstance(value, Mapping):
        raise TicketConfigError(where, f"expected a mapping P1..P5 -> value, got {value!r}")
    table = dict(default)
    sample = next(iter(default.values()))
    for key, item in value.items():
        try:
            priority = Priority(str(key).upper())
        except ValueError:
            raise TicketConfigError(where, f"unknown priority {key!r} (P1..P5)") from None
        at = f"{where}.{priority.value}"
        if isinstance(sample, tuple):
            if (
                not isinstance(item, list | tuple)
                or len(item) != len(sample)
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in item)
            ):
                raise TicketConfigError(at, f"expected [impact, urgency] integers, got {item!r}")
            table[priority] = tuple(item)
        else:
            table[priority] = _value(item, type(sample), at)
    return MappingProxyType(table)


def parse_ticket_system(data: Mapping[str, Any], where: str = "tickets") -> TicketSystemConfig:
    """One ticket system's mapping, validated into frozen settings."""
    if not isinstance(data, Mapping):
        raise TicketConfigError(where, f"expected a mapping, got {data!r}")
    raw_kind = data.get("kind", TicketKind.BUILTIN.value)
    try:
        kind = TicketKind(raw_kind)
    except ValueError:
        kinds = ", ".join(k.value for k in TicketKind)
        raise TicketConfigError(
            f"{where}.kind", f"expected one of {kinds}, got {raw_kind!r}"
        ) from None
    name = data.get("name", kind.value)
    if not isinstance(name, str) or not name:
        raise TicketConfigError(f"{where}.name", f"expected a non-empty string, got {name!r}")
    cls = SETTINGS[kind]
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields and key not in ("kind", "name"):
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TicketConfigError(f"{where}.{key}", f"unknown key for kind {kind.value}{hint}")
    values: dict[str, Any] = {}
    for field_name, spec in fields.items():
        at = f"{where}.{field_name}"
        required = (
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        )
        if field_name not in data:
            if required:
                raise TicketConfigError(at, f"missing (kind {kind.value} needs it)")
            continue
        if field_name == "priorities":
            factory = spec.default_factory
            assert factory is not dataclasses.MISSING  # every adapter has a default scale
            values[field_name] = _priorities(data[field_name], factory(), at)
        else:
            values[field_name] = _value(data[field_name], hints[field_name], at)
        if field_name == "url" and not str(values[field_name]).startswith(("http://", "https://")):
            raise TicketConfigError(at, f"expected an http(s) URL, got {data[field_name]!r}")
    return TicketSystemConfig(kind, name, cls(**values))


def build_ticket_system(
    config: TicketSystemConfig,
    client: httpx.AsyncClient,
    *,
    clock: Clock | None = None,
) -> TicketSystem:
    """The adapter for ``config``; HTTP adapters share ``client``."""
    settings = config.settings
    match settings:
        case BuiltinSettings():
            return BuiltinTickets(
                config.name,
                clock=clock,
                url_template=settings.url_template,
                close_after_s=settings.close_after_s,
            )
        case RTSettings():
            return RequestTracker(config.name, settings, client)
        case GLPISettings():
            return GLPI(config.name, settings, client)
        case ServiceNowSettings():
            return ServiceNow(config.name, settings, client)
        case JSMSettings():
            return JiraServiceManagement(config.name, settings, client)
        case ZendeskSettings():
            return Zendesk(config.name, settings, client)
    raise TicketConfigError(config.name, f"no adapter for {settings!r}")  # pragma: no cover


def ticket_system_from_mapping(
    data: Mapping[str, Any],
    client: httpx.AsyncClient,
    *,
    clock: Clock | None = None,
    where: str = "tickets",
) -> TicketSystem:
    """:func:`parse_ticket_system` then :func:`build_ticket_system`."""
    return build_ticket_system(parse_ticket_system(data, where), client, clock=clock)
