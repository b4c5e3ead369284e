"""Zabbix webhook media type parameters (specs/ingest-formats.md, "Zabbix").

The body is the JSON object that ``contrib/zabbix/media_correlator.yaml`` posts: the
spec's parameters, every value a string. A value still in ``{...}`` form is a macro Zabbix
could not resolve and counts as absent.

Choices this module makes where the spec leaves room:

- ``event_update_status`` ``1`` gives a Notice: ``acknowledgement`` when ``event_ack`` is
  ``Yes``, else ``update``. Otherwise ``event_value`` (required, ``1``/``0``) gives an Alert.
- Time: ``event_date`` + ``event_time`` in ``ctx.timezone`` for a problem. In recovery and
  update messages Zabbix resolves ``{EVENT.DATE}``/``{EVENT.TIME}`` to the *problem*
  event, so those use ``recovery_date``/``recovery_time`` when the media type sends them
  (``{EVENT.RECOVERY.DATE}``/``{EVENT.RECOVERY.TIME}``, not in the spec's table), else the
  arrival time. An unknown time zone or an unparsable date also gives the arrival time.
- ``event_severity`` (required for an alert) keeps the problem's severity on a recovery.
- ``event_tags`` becomes the tags: ``{tag: value}``; a tag name that occurs more than once
  joins its values with ``,``. When ``event_tags`` is not a JSON list of objects the tags
  are ignored (the alert is still accepted: tags never decide whether an alert exists).
- host = ``host`` (technical name), else ``host_name``; check = ``trigger_name``, else
  ``event_name``; summary = ``event_name``, else the check. Both host and check are
  required, as is ``trigger_id``: identity is ``"<host>:<trigger_id>"``.
- Optional extras, read when present: ``event_update_user``/``event_update_message``
  (``{USER.FULLNAME}``/``{EVENT.UPDATE.MESSAGE}``) as a notice's author and comment.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from connectors import _fields
from connectors.base import InvalidPayloadError, ParseContext
from correlator.model import Alert, Event, Notice, NoticeKind, Severity, Source, State

if TYPE_CHECKING:
    from collections.abc import Mapping

_SEVERITIES: Final[Mapping[str, Severity]] = {
    "0": Severity.INFO,
    "1": Severity.INFO,
    "2": Severity.WARNING,
    "3": Severity.MINOR,
    "4": Severity.MAJOR,
    "5": Severity.CRITICAL,
}
_MAX_TAGS_TEXT: Final = 65536


def parse(payload: Any, ctx: ParseContext) -> list[Event]:
    """One Zabbix webhook message (problem, recovery or update) as one Alert or Notice."""
    params = _fields.require_object(payload, "payload", "an object of Zabbix webhook parameters")
    # The last alternative raises, naming why the preferred parameter is unusable.
    host = _value(params, "host") or _value(params, "host_name") or _required(params, "host")
    trigger_id = _required(params, "trigger_id")
    check = (
        _value(params, "trigger_name")
        or _value(params, "event_name")
        or _required(params, "trigger_name")
    )
    source_id = f"{host}:{trigger_id}"
    observer = _value(params, "proxy") or ctx.observer
    raw = dict(params)

    if _value(params, "event_update_status") == "1":
        acked = (_value(params, "event_ack") or "").lower() == "yes"
        return [
            Notice(
                source=Source.ZABBIX,
                source_id=source_id,
                host=host,
                kind=NoticeKind.ACKNOWLEDGEMENT if acked else NoticeKind.UPDATE,
                raised_at=_recovery_time(params, ctx),
                received_at=ctx.received_at,
                check=check,
                author=_value(params, "event_update_user") or "",
                comment=_value(params, "event_update_message") or "",
                observer=observer,
                raw=raw,
            )
        ]

    value = _required(params, "event_value")
    if value not in {"0", "1"}:
        raise InvalidPayloadError("event_value", f"must be 1 or 0, got {value!r:.40}")
    severity_text = _required(params, "event_severity")
    severity = _SEVERITIES.get(severity_text)
    if severity is None:
        raise InvalidPayloadError("event_severity", f"must be 0 to 5, got {severity_text!r:.40}")
    problem = value == "1"
    if problem:
        raised_at = _local_time(params, "event_date", "event_time", ctx.timezone) or ctx.received_at
    else:
        raised_at = _recovery_time(params, ctx)
    return [
        Alert(
            source=Source.ZABBIX,
            source_id=source_id,
            host=host,
            state=State.PROBLEM if problem else State.OK,
            severity=severity,
            raised_at=raised_at,
            received_at=ctx.received_at,
            check=check,
            address=_value(params, "host_ip"),
            summary=_value(params, "event_name") or check,
            episode=_value(params, "event_id"),
            observer=observer,
            tags=_tags(params.get("event_tags")),
            raw=raw,
        )
    ]


def _value(params: Mapping[str, Any], key: str) -> str | None:
    """The parameter's text, or ``None`` when absent, empty or an unresolved ``{MACRO}``."""
    value = _fields.optional(params, key)
    if value is None or _fields.is_unresolved_macro(value):
        return None
    return value


def _required(params: Mapping[str, Any], key: str) -> str:
    value = _fields.required(params, key)
    if _fields.is_unresolved_macro(value):
        raise InvalidPayloadError(key, f"unresolved macro {value:.60}")
    return value


def _recovery_time(params: Mapping[str, Any], ctx: ParseContext) -> float:
    return _local_time(params, "recovery_date", "recovery_time", ctx.timezone) or ctx.received_at


def _local_time(
    params: Mapping[str, Any], date_key: str, time_key: str, zone_name: str
) -> float | None:
    """``YYYY.MM.DD`` + ``HH:MM:SS`` in the zone ``zone_name``; ``None`` when unusable."""
    date = _value(params, date_key)
    time = _value(params, time_key)
    if date is None or time is None:
        return None
    ymd = date.split(".")
    hms = time.split(":")
    if len(ymd) != 3 or len(hms) != 3:
        return None
    parts = ymd + hms
    if not all(0 < len(part) <= 4 and part.isascii() and part.isdigit() for part in parts):
        return None
    year, month, day, hour, minute, second = (int(part) for part in parts)
    return _fields.local_epoch((year, month, day), (hour, minute, second), zone_name)


def _tags(value: Any) -> dict[str, str]:
    """``{EVENT.TAGSJSON}`` (a JSON list of ``{"tag", "value"}``) as tags; ``{}`` if unusable."""
    if isinstance(value, str):
        if len(value) > _MAX_TAGS_TEXT or not value.lstrip().startswith("["):
            return {}
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return {}
    if not isinstance(value, list):
        return {}
    tags: dict[str, str] = {}
    for item in value:
        if not isinstance(item, dict):
            continue
        name = item.get("tag")
        if not isinstance(name, str) or not name:
            continue
        tag_value = item.get("value")
        if not isinstance(tag_value, str):
            tag_value = ""
        previous = tags.get(name)
        if previous is None:
            tags[name] = tag_value
        elif tag_value not in previous.split(","):
            tags[name] = f"{previous},{tag_value}"
    return tags
