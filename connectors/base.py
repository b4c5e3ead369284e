"""What every connector shares: the parse context, the one validation error, the Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from correlator.model import Event, Source


class InvalidPayloadError(ValueError):
    """The payload is not a valid alert of its source; ``field`` names what is wrong.

    This is the only exception a connector's ``parse`` may raise, whatever the input.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser needs besides the payload, injected so parsing stays pure."""

    received_at: float  # arrival time (wall clock in the daemon, event time in replay)
    observer: str | None = None  # ?observer= on the ingest URL, or the connector's config
    timezone: str = "UTC"  # Zabbix EVENT.DATE/TIME are server-local: the configured zone


class Parser(Protocol):
    """``parse(payload, ctx) -> [Alert | Notice]``; raises only InvalidPayloadError."""

    def __call__(self, payload: Any, ctx: ParseContext) -> list[Event]: ...


@dataclass(frozen=True, slots=True)
class Connector:
    """A source and its parser, as the intake and replay look them up."""

    source: Source
    parse: Parser
