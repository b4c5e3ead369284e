"""Prometheus alerts: Alertmanager's webhook (v4) and Prometheus' own ``/api/v2/alerts`` list.

See specs/ingest-formats.md, "Prometheus Alertmanager". Both shapes carry the same alert
objects (``labels``, ``annotations``, ``startsAt``, ``endsAt``, ``generatorURL``); the
webhook adds ``status`` and ``fingerprint`` to each.

Choices this module makes where the spec leaves room:

- host: the ``instance`` label without its port (``web-01:9100`` -> ``web-01``,
  ``[2001:db8::1]:9100`` -> ``2001:db8::1``, a URL such as blackbox's
  ``https://shop.example.net/health`` -> its host name), else ``host``, ``hostname``,
  ``nodename``. An alert with none of them (an aggregate over many hosts) is kept, with its
  ``job`` label as host, else its ``alertname``: rejecting it would make Alertmanager drop
  the whole group, and the topology leaves it unplaced unless a node is monitored as that.
- identity: the webhook's ``fingerprint``; without one (and always on ``/api/v2/alerts``)
  the sorted label set, written like Prometheus writes it: ``{a="1",b="2"}``.
- time: a firing alert's ``startsAt``; a resolved one's ``endsAt`` (else ``startsAt``);
  else the arrival time. A ``/api/v2/alerts`` alert is resolved when its ``endsAt`` is not
  after the arrival time (Prometheus signals a resolution by sending an ``endsAt`` in the
  past; a firing alert's ``endsAt`` lies ahead).
- severity: the ``severity`` label as the spec maps it, for resolved alerts too.
- tags: the labels (string values only). raw: the alert object, not the whole body.
- Only the label ``prometheus`` names the observer, else ``ctx.observer``.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from connectors import _fields
from connectors.base import InvalidPayloadError, ParseContext
from correlator.model import Alert, Event, Severity, Source, State

if TYPE_CHECKING:
    from collections.abc import Mapping

_SEVERITIES: Final[Mapping[str, Severity]] = {
    "critical": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "error": Severity.MAJOR,
    "major": Severity.MAJOR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "none": Severity.INFO,
}
_STATUSES: Final[Mapping[str, State]] = {"firing": State.PROBLEM, "resolved": State.OK}
_HOST_LABELS: Final = ("host", "hostname", "nodename", "job")


def parse(payload: Any, ctx: ParseContext) -> list[Event]:
    """An Alertmanager webhook body (version 4): one Alert per element of ``alerts``."""
    body = _fields.require_object(payload, "payload", "an Alertmanager webhook object")
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        reason = (
            "missing" if alerts is None else f"must be an array, got {_fields.json_type(alerts)}"
        )
        raise InvalidPayloadError("alerts", reason)
    return [
        _alert(item, f"alerts[{index}]", ctx, Source.ALERTMANAGER)
        for index, item in enumerate(alerts)
    ]


def parse_prometheus(payload: Any, ctx: ParseContext) -> list[Event]:
    """Prometheus' ``POST /api/v2/alerts`` body: a JSON list of alerts, one Alert each."""
    if not isinstance(payload, list):
        raise InvalidPayloadError(
            "payload", f"expected an array of alerts, got {_fields.json_type(payload)}"
        )
    return [
        _alert(item, f"[{index}]", ctx, Source.PROMETHEUS) for index, item in enumerate(payload)
    ]


def _alert(item: Any, where: str, ctx: ParseContext, source: Source) -> Alert:
    alert = _fields.require_object(item, where, "an alert object")
    labels = _fields.require_object(alert.get("labels"), f"{where}.labels", "an object of labels")
    name = labels.get("alertname")
    if name is not None and not isinstance(name, str):  # label values are strings
        raise InvalidPayloadError(
            f"{where}.labels.alertname", f"must be a string, got {_fields.json_type(name)}"
        )
    alertname = _fields.required(labels, "alertname", f"{where}.labels.alertname")
    tags = {k: v for k, v in labels.items() if isinstance(k, str) and isinstance(v, str)}

    starts_at = _fields.rfc3339(alert.get("startsAt"))
    ends_at = _fields.rfc3339(alert.get("endsAt"))
    if source is Source.PROMETHEUS:
        state = State.OK if ends_at is not None and ends_at <= ctx.received_at else State.PROBLEM
        source_id = _label_set(tags)
    else:
        status = alert.get("status")
        known = _STATUSES.get(status) if isinstance(status, str) else None
        if known is None:
            reason = (
                "missing" if status is None else f"must be firing or resolved, got {status!r:.40}"
            )
            raise InvalidPayloadError(f"{where}.status", reason)
        state = known
        source_id = _fields.optional(alert, "fingerprint") or _label_set(tags)
    if state is State.OK:
        raised_at = ends_at or starts_at or ctx.received_at
    else:
        raised_at = starts_at or ctx.received_at

    instance_host = _instance_host(tags.get("instance"))
    host = instance_host or _first_label(tags) or alertname
    annotations = alert.get("annotations")
    summary = None
    if isinstance(annotations, dict):
        summary = _fields.optional(annotations, "summary") or _fields.optional(
            annotations, "description"
        )
    severity_label = tags.get("severity")
    severity = (
        _SEVERITIES.get(severity_label.strip().lower(), Severity.WARNING)
        if severity_label is not None
        else Severity.WARNING
    )
    return Alert(
        source=source,
        source_id=source_id,
        host=host,
        state=state,
        severity=severity,
        raised_at=raised_at,
        received_at=ctx.received_at,
        check=alertname,
        address=_ip_address(instance_host),
        summary=summary or "",
        observer=_fields.optional(tags, "prometheus") or ctx.observer,
        tags=tags,
        raw=dict(alert),
    )


def _instance_host(instance: str | None) -> str | None:
    """The host part of an ``instance`` label: no port, no brackets, no URL scheme."""
    if instance is None:
        return None
    value = instance.strip()
    if "://" in value:
        try:
            return urlsplit(value).hostname or None
        except ValueError:
            return None
    if value.startswith("["):
        end = value.find("]")
        return (value[1:end].strip() or None) if end > 0 else None
    if value.count(":") == 1:  # host:port; two or more colons is a bare IPv6 address
        value = value.split(":", 1)[0].strip()
    return value or None


def _first_label(tags: Mapping[str, str]) -> str | None:
    for label in _HOST_LABELS:
        value = _fields.optional(tags, label)
        if value is not None:
            return value
    return None


def _ip_address(host: str | None) -> str | None:
    """``host`` when it is an IPv4 or IPv6 address, else ``None``."""
    if host is None or not (host[0].isdigit() or ":" in host):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return host


def _label_set(labels: Mapping[str, str]) -> str:
    """The sorted label set, as Prometheus prints it: ``{alertname="X",instance="y"}``."""
    pairs = ",".join(f'{key}="{_escape(value)}"' for key, value in sorted(labels.items()))
    return "{" + pairs + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
