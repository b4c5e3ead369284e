"""Nagios Core / Naemon notifications: a dict of macros (specs/ingest-formats.md, "Nagios").

The body is the notification's macros by name without ``$`` (``{"HOSTNAME": "web-01",
...}``), posted as JSON or as form fields by ``contrib/nagios/correlator-notify``; the
intake turns form fields into the same dict. A non-empty ``SERVICEDESC`` makes it a service
notification, otherwise it is a host notification (Nagios leaves the SERVICE* macros empty
for hosts).

Choices this module makes where the spec leaves room:

- ``PROBLEM``/``RECOVERY`` give an :class:`Alert`; the other types give a :class:`Notice`
  (``FLAPPINGDISABLED`` ends flapping, ``DOWNTIMECANCELLED`` ends a downtime).
- An ok alert (``RECOVERY``, or a ``PROBLEM`` whose state is ``UP``/``OK``) has severity
  ``info``: Nagios does not say how bad the problem was.
- ``HOSTGROUPNAMES`` (comma list) becomes tags ``{"hostgroup:<name>": ""}``, and for a service
  notification ``SERVICEGROUPNAMES`` becomes ``{"servicegroup:<name>": ""}``.
- A notice's author and comment are ``NOTIFICATIONAUTHOR``/``NOTIFICATIONCOMMENT`` (for an
  acknowledgement, ``HOSTACKAUTHOR``/``SERVICEACKAUTHOR`` and the ACKCOMMENT macros when
  those are empty).
- The state macro is required for notices too (the spec lists it as required, and Nagios
  always sends it); its value must be one of the host or service states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from connectors import _fields
from connectors.base import InvalidPayloadError, ParseContext
from correlator.model import Alert, Event, Notice, NoticeKind, Severity, Source, State

if TYPE_CHECKING:
    from collections.abc import Mapping

_HOST_STATES: Final[Mapping[str, Severity]] = {
    "UP": Severity.INFO,
    "DOWN": Severity.CRITICAL,
    "UNREACHABLE": Severity.CRITICAL,
}
_SERVICE_STATES: Final[Mapping[str, Severity]] = {
    "OK": Severity.INFO,
    "WARNING": Severity.WARNING,
    "CRITICAL": Severity.CRITICAL,
    "UNKNOWN": Severity.MINOR,
}
_OK_STATES: Final = frozenset({"UP", "OK"})
_STATE_TYPES: Final = frozenset({"PROBLEM", "RECOVERY"})
_NOTICE_KINDS: Final[Mapping[str, NoticeKind]] = {
    "ACKNOWLEDGEMENT": NoticeKind.ACKNOWLEDGEMENT,
    "FLAPPINGSTART": NoticeKind.FLAPPING_START,
    "FLAPPINGSTOP": NoticeKind.FLAPPING_STOP,
    "FLAPPINGDISABLED": NoticeKind.FLAPPING_STOP,
    "DOWNTIMESTART": NoticeKind.DOWNTIME_START,
    "DOWNTIMEEND": NoticeKind.DOWNTIME_END,
    "DOWNTIMECANCELLED": NoticeKind.DOWNTIME_END,
    "CUSTOM": NoticeKind.CUSTOM,
}


def parse(payload: Any, ctx: ParseContext) -> list[Event]:
    """One Nagios notification (its macros) as one Alert or Notice."""
    macros = _fields.require_object(payload, "payload", "an object of Nagios macros")
    notification_type = _fields.required(macros, "NOTIFICATIONTYPE").upper()
    notice_kind = _NOTICE_KINDS.get(notification_type)
    if notice_kind is None and notification_type not in _STATE_TYPES:
        raise InvalidPayloadError(
            "NOTIFICATIONTYPE", f"unknown notification type {notification_type!r}"
        )
    host = _fields.required(macros, "HOSTNAME")
    service = _fields.optional(macros, "SERVICEDESC")
    prefix, states = ("HOST", _HOST_STATES) if service is None else ("SERVICE", _SERVICE_STATES)
    state_macro = prefix + "STATE"
    state = _fields.required(macros, state_macro).upper()
    severity = states.get(state)
    if severity is None:
        allowed = ", ".join(states)
        raise InvalidPayloadError(state_macro, f"unknown state {state!r} (expected {allowed})")

    source_id = _fields.host_service_id(host, service)
    raised_at = _fields.epoch(macros.get("TIMET")) or ctx.received_at
    raw = dict(macros)

    if notice_kind is not None:
        author = _fields.optional(macros, "NOTIFICATIONAUTHOR")
        comment = _fields.optional(macros, "NOTIFICATIONCOMMENT")
        if notice_kind is NoticeKind.ACKNOWLEDGEMENT:
            author = author or _fields.optional(macros, prefix + "ACKAUTHOR")
            comment = comment or _fields.optional(macros, prefix + "ACKCOMMENT")
        return [
            Notice(
                source=Source.NAGIOS,
                source_id=source_id,
                host=host,
                kind=notice_kind,
                raised_at=raised_at,
                received_at=ctx.received_at,
                check=service,
                author=author or "",
                comment=comment or "",
                observer=ctx.observer,
                raw=raw,
            )
        ]

    ok = notification_type == "RECOVERY" or state in _OK_STATES
    return [
        Alert(
            source=Source.NAGIOS,
            source_id=source_id,
            host=host,
            state=State.OK if ok else State.PROBLEM,
            severity=Severity.INFO if ok else severity,
            raised_at=raised_at,
            received_at=ctx.received_at,
            check=service,
            address=_fields.optional(macros, "HOSTADDRESS"),
            summary=_fields.optional(macros, prefix + "OUTPUT") or "",
            episode=_episode(macros, prefix),
            observer=ctx.observer,
            tags=_tags(macros, service),
            unreachable=state == "UNREACHABLE",
            soft=(_fields.optional(macros, prefix + "STATETYPE") or "").upper() == "SOFT",
            raw=raw,
        )
    ]


def _episode(macros: Mapping[str, Any], prefix: str) -> str | None:
    """Whichever of ``<P>PROBLEMID`` / ``LAST<P>PROBLEMID`` is non-zero (Nagios 4.4.6 uses both).

    A host RECOVERY carries the episode in LASTHOSTPROBLEMID, a service RECOVERY keeps it in
    SERVICEPROBLEMID, and a DOWN -> UNREACHABLE PROBLEM has HOSTPROBLEMID=0.
    """
    for macro in (prefix + "PROBLEMID", "LAST" + prefix + "PROBLEMID"):
        value = _fields.optional(macros, macro)
        if value is not None and value != "0":
            return value
    return None


def _tags(macros: Mapping[str, Any], service: str | None) -> dict[str, str]:
    """Host groups (and a service's service groups) as ``{"hostgroup:<name>": ""}`` tags."""
    tags: dict[str, str] = {}
    groups = _fields.optional(macros, "HOSTGROUPNAMES")
    if groups is not None:
        for name in groups.split(","):
            if stripped := name.strip():
                tags["hostgroup:" + stripped] = ""
    if service is not None:
        groups = _fields.optional(macros, "SERVICEGROUPNAMES")
        if groups is not None:
            for name in groups.split(","):
                if stripped := name.strip():
                    tags["servicegroup:" + stripped] = ""
    return tags
