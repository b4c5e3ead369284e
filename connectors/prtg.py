"""PRTG "Execute HTTP Action" notifications (specs/ingest-formats.md, "PRTG").

The body is the placeholders that ``contrib/prtg/`` posts as form fields (or JSON):
``device``, ``deviceid``, ``sensor``, ``sensorid``, ``status``, ``down``, ``message``,
``datetime``, ``priority``, ``group``, ``probe``, ``host``, ``home``, ``lastvalue``.

Choices this module makes where the spec leaves room:

- ``status`` is matched without regard to case or repeated spaces. ``Up`` is ok (info);
  ``Down``/``Down (Partial)`` critical, ``Warning`` warning, ``Unusual``/``Unknown`` minor.
- ``Paused by Dependency`` (or any pause text naming a dependency) is a problem with
  ``source_suppressed=True`` and severity minor: PRTG no longer knows the sensor's state.
- Any other pause (``Paused``, ``Paused by User``, ``Paused (until ...)``, by schedule...) is
  an operator's or a schedule's doing: a ``downtime_start`` Notice, never a problem.
- ``Down (Acknowledged)`` is an ``acknowledgement`` Notice whose comment is ``message``.
- ``X ended (now: Y)`` is read as Y; when X was a (non-dependency) pause and Y is not, a
  ``downtime_end`` Notice comes first, then Y.
- host = ``device`` (required), address = ``host``, check = ``sensor``, identity =
  ``sensorid`` (required), observer = ``probe`` else ``ctx.observer``, summary = ``message``;
  tags: ``group`` and ``priority`` (the number of stars, ``"1"``..``"5"``).
- ``datetime`` is read in ``ctx.timezone`` from ``11/23/2025 12:14:04 PM`` (US, with AM/PM),
  ``23.11.2025 12:14:04``, ``2025-11-23 12:14:04`` or ISO 8601 (an offset is honoured),
  ``23/11/2025 12:14:04`` (day first only when the first number exceeds 12: otherwise
  ``a/b/yyyy`` is month first, PRTG's default) and ``23-11-2025 12:14:04``; anything else
  gives the arrival time.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from connectors import _fields
from connectors.base import InvalidPayloadError, ParseContext
from correlator.model import Alert, Event, Notice, NoticeKind, Severity, Source, State

if TYPE_CHECKING:
    from collections.abc import Mapping

_STATES: Final[Mapping[str, tuple[State, Severity]]] = {
    "up": (State.OK, Severity.INFO),
    "down": (State.PROBLEM, Severity.CRITICAL),
    "down (partial)": (State.PROBLEM, Severity.CRITICAL),
    "warning": (State.PROBLEM, Severity.WARNING),
    "unusual": (State.PROBLEM, Severity.MINOR),
    "unknown": (State.PROBLEM, Severity.MINOR),
}
_ACKNOWLEDGED: Final = "down (acknowledged)"
_ENDED: Final = re.compile(r"(.+?) ended \(now: ?(.+)\)")
_DATETIME: Final = re.compile(
    r"([0-9]{1,4})([./-])([0-9]{1,2})\2([0-9]{4}|[0-9]{1,2})[ T]+"
    r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?: ?([AaPp])\.?[Mm]\.?)?"
)
_MAX_TEXT: Final = 64

# What a status means: an alert (state, severity, suppressed by PRTG) or a notice kind.
_Meaning = tuple[State, Severity, bool] | NoticeKind


def parse(payload: Any, ctx: ParseContext) -> list[Event]:
    """One PRTG HTTP action as an Alert or Notice (a pause ending may add a Notice first)."""
    fields = _fields.require_object(payload, "payload", "an object of PRTG placeholders")
    status = _fields.required(fields, "status")
    sensor_id = _fields.required(fields, "sensorid")
    device = _fields.required(fields, "device")
    normalized = " ".join(status.split()).lower()
    previous: str | None = None
    if ended := _ENDED.fullmatch(normalized):
        previous, normalized = ended.group(1), ended.group(2)
    meaning = _meaning(normalized)
    if meaning is None:
        raise InvalidPayloadError("status", f"unknown PRTG status {status:.80}")

    sensor = _fields.optional(fields, "sensor")
    observer = _fields.optional(fields, "probe") or ctx.observer
    message = _fields.optional(fields, "message") or ""
    raised_at = _datetime(_fields.optional(fields, "datetime"), ctx.timezone) or ctx.received_at
    raw = dict(fields)

    def notice(kind: NoticeKind) -> Notice:
        return Notice(
            source=Source.PRTG,
            source_id=sensor_id,
            host=device,
            kind=kind,
            raised_at=raised_at,
            received_at=ctx.received_at,
            check=sensor,
            comment=message,
            observer=observer,
            raw=raw,
        )

    events: list[Event] = []
    if (
        previous is not None
        and _is_user_pause(previous)
        and meaning is not NoticeKind.DOWNTIME_START
    ):
        events.append(notice(NoticeKind.DOWNTIME_END))
    if isinstance(meaning, NoticeKind):
        events.append(notice(meaning))
        return events
    state, severity, suppressed = meaning
    events.append(
        Alert(
            source=Source.PRTG,
            source_id=sensor_id,
            host=device,
            state=state,
            severity=severity,
            raised_at=raised_at,
            received_at=ctx.received_at,
            check=sensor,
            address=_fields.optional(fields, "host"),
            summary=message,
            observer=observer,
            tags=_tags(fields),
            source_suppressed=suppressed,
            raw=raw,
        )
    )
    return events


def _is_user_pause(status: str) -> bool:
    return status.startswith("paused") and "dependency" not in status


def _meaning(status: str) -> _Meaning | None:
    """What a normalized (lower-case, single-spaced) status means; ``None`` if unknown."""
    known = _STATES.get(status)
    if known is not None:
        return (known[0], known[1], False)
    if status == _ACKNOWLEDGED:
        return NoticeKind.ACKNOWLEDGEMENT
    if status.startswith("paused"):
        if "dependency" in status:
            return (State.PROBLEM, Severity.MINOR, True)
        return NoticeKind.DOWNTIME_START
    return None


def _tags(fields: Mapping[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = {}
    group = _fields.optional(fields, "group")
    if group is not None:
        tags["group"] = group
    priority = _fields.optional(fields, "priority")
    if priority is not None:
        if priority in {"1", "2", "3", "4", "5"}:
            tags["priority"] = priority
        elif 1 <= len(priority) <= 5 and priority == "*" * len(priority):
            tags["priority"] = str(len(priority))
    return tags


def _datetime(value: str | None, zone_name: str) -> float | None:
    """A PRTG locale-formatted date and time in ``zone_name``; ``None`` when unusable."""
    if value is None or len(value) > _MAX_TEXT:
        return None
    match = _DATETIME.fullmatch(value)
    if match is None:
        return _iso(value, zone_name)
    first, separator, second, third, hour_text, minute, seconds, meridiem = match.groups()
    if len(first) == 4:
        year, month, day = int(first), int(second), int(third)
    elif len(third) == 4:
        year = int(third)
        a, b = int(first), int(second)
        month_first = separator == "/" and (meridiem is not None or a <= 12)
        month, day = (a, b) if month_first else (b, a)
    else:
        return None
    hour = int(hour_text)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem in "Pp" else 0)
    second_value = int(seconds) if seconds else 0
    return _fields.local_epoch((year, month, day), (hour, int(minute), second_value), zone_name)


def _iso(value: str, zone_name: str) -> float | None:
    """ISO 8601 with an offset or fraction; a naive time is read in ``zone_name``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return _fields.rfc3339(value)
    return _fields.local_epoch(
        (moment.year, moment.month, moment.day),
        (moment.hour, moment.minute, moment.second),
        zone_name,
    )
