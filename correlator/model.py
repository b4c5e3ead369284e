"""The normalized alert model (specs/ingest-formats.md, "The normalized alert").

Every connector turns its tool's native payload into :class:`Alert` (a state change of one
check on one host) or :class:`Notice` (acknowledgement, flapping, downtime: updates an
existing alert, never opens a problem). Both are plain frozen data with a JSON codec so the
bus, the store and replay all carry the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

SCHEMA_VERSION: Final = 1


class Source(StrEnum):
    """Where an alert came from."""

    NAGIOS = "nagios"
    ICINGA = "icinga"
    ZABBIX = "zabbix"
    PRTG = "prtg"
    ALERTMANAGER = "alertmanager"
    PROMETHEUS = "prometheus"  # alerts posted by Prometheus itself to /api/v2/alerts


class State(StrEnum):
    """Whether the check is failing."""

    PROBLEM = "problem"
    OK = "ok"


class Severity(StrEnum):
    """Normalized severity, most severe first."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """5 for critical down to 1 for info: larger is worse."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK: Final[Mapping[Severity, int]] = {
    Severity.CRITICAL: 5,
    Severity.MAJOR: 4,
    Severity.MINOR: 3,
    Severity.WARNING: 2,
    Severity.INFO: 1,
}


class NoticeKind(StrEnum):
    """Non-state notices: they update an existing alert and never open an incident."""

    ACKNOWLEDGEMENT = "acknowledgement"
    ACKNOWLEDGEMENT_CLEARED = "acknowledgement_cleared"
    FLAPPING_START = "flapping_start"
    FLAPPING_STOP = "flapping_stop"
    DOWNTIME_START = "downtime_start"
    DOWNTIME_END = "downtime_end"
    CUSTOM = "custom"
    UPDATE = "update"  # e.g. a Zabbix severity change or comment without acknowledgement


@dataclass(frozen=True, slots=True)
class Alert:
    """One state change of one check (or a host) as reported by one tool."""

    source: Source
    source_id: str  # the tool's identity of the alert (see the spec, per source)
    host: str
    state: State
    severity: Severity
    raised_at: float  # source time, epoch seconds
    received_at: float  # when the correlator received it, epoch seconds
    check: str | None = None  # None for a host-level alert
    address: str | None = None
    summary: str = ""
    episode: str | None = None  # source problem id, when any
    observer: str | None = None  # probe / proxy / Prometheus server that watched it
    tags: Mapping[str, str] = field(default_factory=dict)
    unreachable: bool = False  # Nagios UNREACHABLE: a symptom, never a root
    source_suppressed: bool = False  # PRTG paused by dependency: a symptom, never a root
    soft: bool = False  # Nagios/Icinga SOFT state: not yet confirmed
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """Deduplication identity: the same tool's same alert."""
        return (self.source.value, self.source_id)

    def to_json(self) -> dict[str, Any]:
        """The value written to `correlator.alerts` (specs/kafka-topics.md)."""
        return {
            "v": SCHEMA_VERSION,
            "type": "alert",
            "source": self.source.value,
            "source_id": self.source_id,
            "host": self.host,
            "address": self.address,
            "check": self.check,
            "state": self.state.value,
            "severity": self.severity.value,
            "summary": self.summary,
            "raised_at": self.raised_at,
            "received_at": self.received_at,
            "episode": self.episode,
            "observer": self.observer,
            "tags": dict(self.tags),
            "unreachable": self.unreachable,
            "source_suppressed": self.source_suppressed,
            "soft": self.soft,
            "raw": dict(self.raw),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Alert:
        """Inverse of :meth:`to_json`; raises KeyError/ValueError on a foreign shape."""
        return cls(
            source=Source(data["source"]),
            source_id=str(data["source_id"]),
            host=str(data["host"]),
            address=data.get("address"),
            check=data.get("check"),
            state=State(data["state"]),
            severity=Severity(data["severity"]),
            summary=str(data.get("summary", "")),
            raised_at=float(data["raised_at"]),
            received_at=float(data["received_at"]),
            episode=data.get("episode"),
            observer=data.get("observer"),
            tags=dict(data.get("tags") or {}),
            unreachable=bool(data.get("unreachable", False)),
            source_suppressed=bool(data.get("source_suppressed", False)),
            soft=bool(data.get("soft", False)),
            raw=dict(data.get("raw") or {}),
        )


@dataclass(frozen=True, slots=True)
class Notice:
    """Acknowledgement, flapping or downtime news about an existing alert."""

    source: Source
    source_id: str  # same identity as the alert it updates
    host: str
    kind: NoticeKind
    raised_at: float
    received_at: float
    check: str | None = None
    author: str = ""
    comment: str = ""
    observer: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """The identity of the alert this notice updates."""
        return (self.source.value, self.source_id)

    def to_json(self) -> dict[str, Any]:
        """The value written to `correlator.alerts` for a notice."""
        return {
            "v": SCHEMA_VERSION,
            "type": "notice",
            "source": self.source.value,
            "source_id": self.source_id,
            "host": self.host,
            "check": self.check,
            "kind": self.kind.value,
            "raised_at": self.raised_at,
            "received_at": self.received_at,
            "author": self.author,
            "comment": self.comment,
            "observer": self.observer,
            "raw": dict(self.raw),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Notice:
        """Inverse of :meth:`to_json`."""
        return cls(
            source=Source(data["source"]),
            source_id=str(data["source_id"]),
            host=str(data["host"]),
            check=data.get("check"),
            kind=NoticeKind(data["kind"]),
            raised_at=float(data["raised_at"]),
            received_at=float(data["received_at"]),
            author=str(data.get("author", "")),
            comment=str(data.get("comment", "")),
            observer=data.get("observer"),
            raw=dict(data.get("raw") or {}),
        )


Event = Alert | Notice


def event_from_json(data: Mapping[str, Any]) -> Event:
    """Decode a `correlator.alerts` value into an Alert or a Notice."""
    if data.get("type") == "notice":
        return Notice.from_json(data)
    return Alert.from_json(data)
