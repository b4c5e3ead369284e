"""Icinga 2 API event-stream objects (specs/ingest-formats.md, "Icinga 2").

One ``POST /ingest/icinga`` carries one object of ``/v1/events``. The identity is the same
as Nagios': ``host`` or ``host!service``.

Choices this module makes where the spec leaves room:

- ``StateChange`` gives an Alert from ``state``/``state_type``. ``Notification`` of type
  Problem/Recovery gives an Alert too (the same news as its StateChange; the correlator
  deduplicates by identity). A Notification has no top-level ``state`` in Icinga 2.13, so
  its state is read from ``check_result.state``, which uses *service* numbering even for
  hosts (a host is up for 0/1, down for 2/3, as Icinga 2 maps plugin exit codes). Without
  any state a Problem is critical for a host and warning for a service.
- ``notification_type`` is matched without regard to case or underscores: the spec names
  ``Problem``/``FlappingStart``, Icinga 2.13 sends ``PROBLEM``/``DOWNTIMESTART``. Icinga's
  ``FlappingEnd`` and ``DowntimeRemoved`` notification types are accepted too.
- A Notification of another type, ``AcknowledgementSet``/``Cleared``, ``DowntimeStarted``/
  ``Removed`` and ``Flapping`` give a Notice. ``DowntimeRemoved`` ends the downtime.
- Event types the correlator does not use (``CheckResult``, ``DowntimeAdded``,
  ``DowntimeTriggered``, comment and object events) give no event at all (an empty list),
  so a stream subscribed to more types than needed is not rejected. Any other ``type`` is
  invalid.
- ``unreachable`` stays false: Icinga 2 has no UNREACHABLE state and the spec leaves it to
  the topology (``check_result.vars_after.reachable`` stays in the raw payload).
- An ok alert has severity ``info``; time is ``timestamp``, else the arrival time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from connectors import _fields
from connectors.base import InvalidPayloadError, ParseContext
from correlator.model import Alert, Event, Notice, NoticeKind, Severity, Source, State

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_HOST_STATES: Final[Mapping[int, Severity]] = {0: Severity.INFO, 1: Severity.CRITICAL}
_SERVICE_STATES: Final[Mapping[int, Severity]] = {
    0: Severity.INFO,
    1: Severity.WARNING,
    2: Severity.CRITICAL,
    3: Severity.MINOR,
}
# check_result.state of a host uses service numbering: 0/1 mean UP, 2/3 mean DOWN.
_HOST_RESULT_STATES: Final[Mapping[int, Severity]] = {
    0: Severity.INFO,
    1: Severity.INFO,
    2: Severity.CRITICAL,
    3: Severity.CRITICAL,
}
_NOTIFICATION_NOTICES: Final[Mapping[str, NoticeKind]] = {
    "ACKNOWLEDGEMENT": NoticeKind.ACKNOWLEDGEMENT,
    "FLAPPINGSTART": NoticeKind.FLAPPING_START,
    "FLAPPINGEND": NoticeKind.FLAPPING_STOP,
    "DOWNTIMESTART": NoticeKind.DOWNTIME_START,
    "DOWNTIMEEND": NoticeKind.DOWNTIME_END,
    "DOWNTIMEREMOVED": NoticeKind.DOWNTIME_END,
    "CUSTOM": NoticeKind.CUSTOM,
}
_IGNORED_TYPES: Final = frozenset(
    {
        "CheckResult",
        "DowntimeAdded",
        "DowntimeTriggered",
        "CommentAdded",
        "CommentRemoved",
        "ObjectCreated",
        "ObjectModified",
        "ObjectDeleted",
    }
)


def parse(payload: Any, ctx: ParseContext) -> list[Event]:
    """One Icinga 2 event-stream object as at most one Alert or Notice."""
    event = _fields.require_object(payload, "payload", "an Icinga 2 event-stream object")
    event_type = _fields.required(event, "type")
    handler = _HANDLERS.get(event_type)
    if handler is None:
        if event_type in _IGNORED_TYPES:
            return []
        raise InvalidPayloadError("type", f"unsupported event type {event_type!r}")
    return [handler(event, ctx)]


def _state_change(event: Mapping[str, Any], ctx: ParseContext) -> Event:
    host, service = _checkable(event)
    value = event.get("state")
    state = _fields.small_int(value)
    states = _HOST_STATES if service is None else _SERVICE_STATES
    severity = states.get(state) if state is not None else None
    if severity is None:
        if value is None:
            raise InvalidPayloadError("state", "missing")
        expected = "0 (up) or 1 (down)" if service is None else "0, 1, 2 or 3"
        raise InvalidPayloadError("state", f"must be {expected}, got {value!r:.40}")
    return _alert(event, ctx, host, service, severity, ok=state == 0)


def _notification(event: Mapping[str, Any], ctx: ParseContext) -> Event:
    host, service = _checkable(event)
    notification_type = _fields.required(event, "notification_type")
    normalized = notification_type.upper().replace("_", "")
    if normalized in {"PROBLEM", "RECOVERY"}:
        # The notification type says what happened; the numbers only grade it. A Problem
        # whose state reads as "up" (host results use service numbering, and senders
        # differ) is still a problem: a down host graded critical.
        ok = normalized == "RECOVERY"
        severity = _notified_severity(event, service)
        if not ok and severity is Severity.INFO:
            severity = Severity.CRITICAL if service is None else Severity.WARNING
        return _alert(event, ctx, host, service, severity, ok=ok)
    kind = _NOTIFICATION_NOTICES.get(normalized)
    if kind is None:
        raise InvalidPayloadError(
            "notification_type", f"unknown notification type {notification_type!r}"
        )
    return _notice(
        event,
        ctx,
        host,
        service,
        kind,
        author=_fields.optional(event, "author"),
        comment=_fields.optional(event, "text"),
    )


def _acknowledgement_set(event: Mapping[str, Any], ctx: ParseContext) -> Event:
    host, service = _checkable(event)
    return _notice(
        event,
        ctx,
        host,
        service,
        NoticeKind.ACKNOWLEDGEMENT,
        author=_fields.optional(event, "author"),
        comment=_fields.optional(event, "comment"),
    )


def _acknowledgement_cleared(event: Mapping[str, Any], ctx: ParseContext) -> Event:
    host, service = _checkable(event)
    return _notice(event, ctx, host, service, NoticeKind.ACKNOWLEDGEMENT_CLEARED)


def _downtime(kind: NoticeKind) -> Callable[[Mapping[str, Any], ParseContext], Event]:
    def handle(event: Mapping[str, Any], ctx: ParseContext) -> Event:
        downtime = _fields.require_object(event.get("downtime"), "downtime", "an object")
        host = _fields.required(downtime, "host_name", "downtime.host_name")
        service = _fields.optional(downtime, "service_name")
        return _notice(
            event,
            ctx,
            host,
            service,
            kind,
            author=_fields.optional(downtime, "author"),
            comment=_fields.optional(downtime, "comment"),
        )

    return handle


def _flapping(event: Mapping[str, Any], ctx: ParseContext) -> Event:
    host, service = _checkable(event)
    flapping = event.get("is_flapping")
    if not isinstance(flapping, bool):
        reason = "missing" if flapping is None else "must be true or false"
        raise InvalidPayloadError("is_flapping", reason)
    kind = NoticeKind.FLAPPING_START if flapping else NoticeKind.FLAPPING_STOP
    return _notice(event, ctx, host, service, kind)


_HANDLERS: Final[Mapping[str, Callable[[Mapping[str, Any], ParseContext], Event]]] = {
    "StateChange": _state_change,
    "Notification": _notification,
    "AcknowledgementSet": _acknowledgement_set,
    "AcknowledgementCleared": _acknowledgement_cleared,
    "DowntimeStarted": _downtime(NoticeKind.DOWNTIME_START),
    "DowntimeRemoved": _downtime(NoticeKind.DOWNTIME_END),
    "Flapping": _flapping,
}


def _checkable(event: Mapping[str, Any]) -> tuple[str, str | None]:
    """``host`` (required) and ``service`` (absent or empty for a host)."""
    return _fields.required(event, "host"), _fields.optional(event, "service")


def _check_result(event: Mapping[str, Any]) -> Mapping[str, Any]:
    result = event.get("check_result")
    return result if isinstance(result, dict) else {}


def _notified_severity(event: Mapping[str, Any], service: str | None) -> Severity:
    """A Problem/Recovery notification's severity: top-level ``state``, else the check result."""
    state = _fields.small_int(event.get("state"))
    states = _HOST_STATES if service is None else _SERVICE_STATES
    if state is None:
        state = _fields.small_int(_check_result(event).get("state"))
        states = _HOST_RESULT_STATES if service is None else _SERVICE_STATES
    severity = states.get(state) if state is not None else None
    if severity is None:
        return Severity.CRITICAL if service is None else Severity.WARNING
    return severity


def _is_soft(event: Mapping[str, Any]) -> bool:
    """``state_type`` 0, or for a notification the check result's ``vars_after.state_type``."""
    state_type = _fields.small_int(event.get("state_type"))
    if state_type is None:
        after = _check_result(event).get("vars_after")
        if isinstance(after, dict):
            state_type = _fields.small_int(after.get("state_type"))
    return state_type == 0


def _alert(
    event: Mapping[str, Any],
    ctx: ParseContext,
    host: str,
    service: str | None,
    severity: Severity,
    *,
    ok: bool,
) -> Alert:
    return Alert(
        source=Source.ICINGA,
        source_id=_fields.host_service_id(host, service),
        host=host,
        state=State.OK if ok else State.PROBLEM,
        severity=Severity.INFO if ok else severity,
        raised_at=_fields.epoch(event.get("timestamp")) or ctx.received_at,
        received_at=ctx.received_at,
        check=service,
        summary=_fields.optional(_check_result(event), "output") or "",
        observer=ctx.observer,
        soft=_is_soft(event),
        raw=dict(event),
    )


def _notice(
    event: Mapping[str, Any],
    ctx: ParseContext,
    host: str,
    service: str | None,
    kind: NoticeKind,
    *,
    author: str | None = None,
    comment: str | None = None,
) -> Notice:
    return Notice(
        source=Source.ICINGA,
        source_id=_fields.host_service_id(host, service),
        host=host,
        kind=kind,
        raised_at=_fields.epoch(event.get("timestamp")) or ctx.received_at,
        received_at=ctx.received_at,
        check=service,
        author=author or "",
        comment=comment or "",
        observer=ctx.observer,
        raw=dict(event),
    )
