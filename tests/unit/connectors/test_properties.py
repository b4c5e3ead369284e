"""Properties every connector's parser keeps, whatever it is given (hypothesis)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import InvalidPayloadError, ParseContext
from connectors.registry import connectors_by_name
from correlator.model import Alert, Notice, Severity, State

if TYPE_CHECKING:
    from collections.abc import Callable

DATA = Path(__file__).resolve().parents[2] / "data"
SOURCES = ["nagios", "icinga", "zabbix", "prtg", "alertmanager", "prometheus"]
PARSERS = {name: connector.parse for name, connector in connectors_by_name().items()}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Field names of every source, so that random objects often hit the fields parsers read.
KNOWN_KEYS = [
    "NOTIFICATIONTYPE", "HOSTNAME", "HOSTSTATE", "SERVICEDESC", "SERVICESTATE", "TIMET",
    "HOSTPROBLEMID", "LASTHOSTPROBLEMID", "HOSTGROUPNAMES", "HOSTSTATETYPE",
    "type", "host", "service", "state", "state_type", "check_result", "output", "timestamp",
    "notification_type", "downtime", "host_name", "service_name", "is_flapping", "vars_after",
    "event_id", "event_value", "event_update_status", "event_ack", "event_severity",
    "event_name", "event_tags", "event_date", "event_time", "trigger_id", "trigger_name",
    "proxy", "host_ip", "tag", "value",
    "device", "sensor", "sensorid", "status", "datetime", "priority", "probe", "message",
    "alerts", "labels", "annotations", "alertname", "instance", "severity", "startsAt",
    "endsAt", "fingerprint", "prometheus", "summary",
]  # fmt: skip
NASTY = [
    "", " ", "0", "-1", "1e400", "nan", "inf", "NaN", "9" * 5000, "{EVENT.ID}", "{}", "[",
    "[[[[[[[[[[", "[" * 5000, "\x00", "\ud800", "٣", "Ⅻ", "ß", "ǅ", "PROBLEM", "DOWN", "OK",
    "Down ended (now: Up)", "ended (now: )", "Paused", "99/99/9999 99:99:99 PM",
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "[::1]:9100", "[::1", "http://[::1",
    "a:b:c", ":", "Europe/Brussels", 10**400, -(10**400), 2**63, -1, 0, 1, 4, 1e308,
    float("nan"), float("inf"), -0.0, True, False,
]  # fmt: skip

keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(NASTY)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)
contexts = st.builds(
    ParseContext,
    received_at=st.floats(min_value=1.0, max_value=4e9),
    observer=st.none() | st.text(max_size=10),
    timezone=st.sampled_from(["UTC", "Europe/Brussels", "America/New_York", "Nope/Nope", ""]),
)
names = st.text(min_size=1, max_size=24).filter(
    lambda s: bool(s.strip()) and not (s.strip()[0] == "{" and s.strip()[-1] == "}")
)
free_text = st.text(max_size=40) | st.sampled_from(NASTY).map(str)


def check_events(events: Any) -> None:
    """What any successful parse gives: well-formed events, serializable, with a host."""
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, (Alert, Notice))
        assert isinstance(event.host, str)
        assert event.host.strip()
        assert isinstance(event.source_id, str)
        assert event.source_id
        assert math.isfinite(event.raised_at)
        assert event.raised_at > 0
        if isinstance(event, Alert):
            assert isinstance(event.severity, Severity)
            assert isinstance(event.state, State)
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.tags.items())
            assert event.check is None or event.check.strip()
        json.dumps(event.to_json())


def parse_or_reject(source: str, payload: Any, ctx: ParseContext) -> list[Any] | None:
    """Parse; ``None`` when rejected with InvalidPayloadError (any other exception fails)."""
    field: Any = None
    try:
        events = PARSERS[source](payload, ctx)
    except InvalidPayloadError as error:
        field = error.field
    else:
        check_events(events)
        return events
    assert isinstance(field, str)
    assert field  # the error always names a field
    return None


# -- arbitrary JSON-like input ------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@SETTINGS
@given(payload=json_values, ctx=contexts)
def test_arbitrary_json_never_raises_anything_but_invalid_payload(
    source: str, payload: Any, ctx: ParseContext
) -> None:
    """Whatever JSON-like value arrives, a parser returns events or raises InvalidPayloadError."""
    parse_or_reject(source, payload, ctx)


@pytest.mark.parametrize("source", SOURCES)
@SETTINGS
@given(payload=st.dictionaries(keys, json_values, max_size=12), ctx=contexts)
def test_arbitrary_objects_never_raise_anything_but_invalid_payload(
    source: str, payload: dict[str, Any], ctx: ParseContext
) -> None:
    """Objects full of the source's field names but random values are parsed or rejected cleanly."""
    parse_or_reject(source, payload, ctx)


# -- mutated golden payloads --------------------------------------------------------------


def golden(source: str) -> list[Any]:
    """Every golden payload of a source (JSON files and form-encoded examples)."""
    payloads: list[Any] = []
    for path in sorted((DATA / source).iterdir()):
        if path.suffix == ".json":
            payloads.append(json.loads(path.read_text()))
        elif path.suffix == ".txt":
            payloads.append(dict(parse_qsl(path.read_text().strip(), keep_blank_values=True)))
    return payloads


ACTIONS = ["keep"] * 5 + ["drop", "replace", "garble", "retype", "recurse"]


def garble(draw: Callable[[Any], Any], value: str) -> str:
    how = draw(st.sampled_from(["insert", "cut", "swapcase", "pad", "nasty"]))
    if how == "insert":
        at = draw(st.integers(min_value=0, max_value=len(value)))
        return value[:at] + draw(st.text(min_size=1, max_size=5)) + value[at:]
    if how == "cut":
        at = draw(st.integers(min_value=0, max_value=len(value)))
        return value[:at]
    if how == "swapcase":
        return value.swapcase()
    if how == "pad":
        return f"  {value}\n"
    return str(draw(st.sampled_from(NASTY)))


def retype(value: Any) -> Any:
    """The same datum in another JSON type: "4" -> 4, 4 -> "4", x -> [x], {..} -> "{..}"."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return [value]
    if isinstance(value, (bool, int, float)) or value is None:
        return str(value)
    return json.dumps(value)


def mutate(draw: Callable[[Any], Any], value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            action = draw(st.sampled_from(ACTIONS))
            if action != "drop":
                out[key] = apply(draw, action, item)
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            out[draw(keys)] = draw(json_values)
        return out
    if isinstance(value, list):
        items = [apply(draw, draw(st.sampled_from(ACTIONS)), item) for item in value]
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            items.append(draw(json_values))
        return items
    return apply(draw, draw(st.sampled_from(ACTIONS)), value)


def apply(draw: Callable[[Any], Any], action: str, value: Any) -> Any:
    if action == "replace":
        return draw(json_values)
    if action == "garble" and isinstance(value, str):
        return garble(draw, value)
    if action == "retype":
        return retype(value)
    if action == "recurse" and isinstance(value, (dict, list)):
        return mutate(draw, value)
    return value


@pytest.mark.parametrize("source", SOURCES)
@SETTINGS
@given(data=st.data(), ctx=contexts)
def test_mutated_golden_payloads_never_raise_anything_but_invalid_payload(
    source: str, data: st.DataObject, ctx: ParseContext
) -> None:
    """Golden payloads with fields dropped, types swapped and strings garbled parse or are rejected cleanly."""
    payload = data.draw(st.sampled_from(golden(source)))
    parse_or_reject(source, mutate(data.draw, payload), ctx)


# -- valid payloads -----------------------------------------------------------------------


@st.composite
def nagios_payloads(draw: st.DrawFn) -> dict[str, Any]:
    types = ["PROBLEM", "RECOVERY", "ACKNOWLEDGEMENT", "FLAPPINGSTART", "FLAPPINGSTOP",
             "FLAPPINGDISABLED", "DOWNTIMESTART", "DOWNTIMEEND", "DOWNTIMECANCELLED", "CUSTOM"]  # fmt: skip
    payload: dict[str, Any] = {
        "NOTIFICATIONTYPE": draw(st.sampled_from(types)),
        "HOSTNAME": draw(names),
    }
    if draw(st.booleans()):
        payload["SERVICEDESC"] = draw(names)
        payload["SERVICESTATE"] = draw(st.sampled_from(["OK", "WARNING", "CRITICAL", "UNKNOWN"]))
    else:
        payload["HOSTSTATE"] = draw(st.sampled_from(["UP", "DOWN", "UNREACHABLE"]))
    optional = ["HOSTADDRESS", "HOSTOUTPUT", "SERVICEOUTPUT", "HOSTSTATETYPE", "SERVICESTATETYPE",
                "HOSTPROBLEMID", "SERVICEPROBLEMID", "LASTHOSTPROBLEMID", "LASTSERVICEPROBLEMID",
                "HOSTGROUPNAMES", "NOTIFICATIONAUTHOR", "NOTIFICATIONCOMMENT", "TIMET",
                "LONGDATETIME"]  # fmt: skip
    payload |= draw(st.dictionaries(st.sampled_from(optional), free_text, max_size=8))
    return payload


@st.composite
def icinga_payloads(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(
        st.sampled_from(
            [
                "StateChange",
                "Notification",
                "AcknowledgementSet",
                "AcknowledgementCleared",
                "DowntimeStarted",
                "DowntimeRemoved",
                "Flapping",
                "CheckResult",
            ]
        )
    )
    service = draw(st.none() | names)
    payload: dict[str, Any] = {"type": event_type, "timestamp": draw(scalars)}
    if event_type.startswith("Downtime"):
        downtime = {"host_name": draw(names), "author": draw(free_text)}
        if service is not None:
            downtime["service_name"] = service
        payload["downtime"] = downtime
    else:
        payload["host"] = draw(names)
        if service is not None:
            payload["service"] = service
    if event_type == "StateChange":
        payload["state"] = draw(st.integers(0, 1 if service is None else 3))
        payload["state_type"] = draw(st.sampled_from([0, 1, 0.0, 1.0]))
    if event_type == "Notification":
        payload["notification_type"] = draw(
            st.sampled_from(
                [
                    "Problem",
                    "Recovery",
                    "Acknowledgement",
                    "FlappingStart",
                    "FlappingEnd",
                    "DowntimeStart",
                    "DowntimeEnd",
                    "DowntimeRemoved",
                    "Custom",
                    "PROBLEM",
                    "DOWNTIMESTART",
                ]
            )
        )
        payload["check_result"] = draw(
            st.fixed_dictionaries({}, optional={"state": scalars, "output": free_text})
        )
    if event_type == "Flapping":
        payload["is_flapping"] = draw(st.booleans())
    return payload


@st.composite
def zabbix_payloads(draw: st.DrawFn) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "host": draw(names),
        "trigger_id": draw(st.integers(1, 10**9).map(str)),
        "trigger_name": draw(names),
        "event_value": draw(st.sampled_from(["0", "1"])),
        "event_severity": draw(st.sampled_from(["0", "1", "2", "3", "4", "5"])),
        "event_update_status": draw(st.sampled_from(["0", "1", "{EVENT.UPDATE.STATUS}"])),
    }
    optional = ["event_id", "event_ack", "event_name", "event_tags", "event_date", "event_time",
                "recovery_id", "host_name", "host_ip", "proxy"]  # fmt: skip
    payload |= draw(st.dictionaries(st.sampled_from(optional), free_text, max_size=8))
    moment = draw(st.datetimes())
    if draw(st.booleans()):
        payload["event_date"] = moment.strftime("%Y.%m.%d")
        payload["event_time"] = moment.strftime("%H:%M:%S")
    return payload


PRTG_STATUSES = ["Up", "Down", "Warning", "Unusual", "Unknown", "Down (Partial)",
                 "Down (Acknowledged)", "Paused", "Paused by Dependency", "Paused by User"]  # fmt: skip


@st.composite
def prtg_payloads(draw: st.DrawFn) -> dict[str, Any]:
    status = draw(st.sampled_from(PRTG_STATUSES))
    if draw(st.booleans()):
        status = f"{draw(st.sampled_from(PRTG_STATUSES))} ended (now: {status})"
    payload: dict[str, Any] = {
        "device": draw(names),
        "sensorid": draw(st.integers(1, 10**7).map(str)),
        "status": status,
    }
    optional = ["deviceid", "sensor", "down", "message", "datetime", "priority", "group",
                "probe", "host", "home", "lastvalue"]  # fmt: skip
    payload |= draw(st.dictionaries(st.sampled_from(optional), free_text, max_size=8))
    if draw(st.booleans()):
        payload["datetime"] = draw(st.datetimes()).strftime(
            draw(
                st.sampled_from(["%m/%d/%Y %I:%M:%S %p", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"])
            )
        )
    return payload


def times() -> st.SearchStrategy[str]:
    return st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat) | free_text


@st.composite
def prometheus_alerts(draw: st.DrawFn) -> dict[str, Any]:
    labels = draw(st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=6))
    labels["alertname"] = draw(names)
    if draw(st.booleans()):
        labels["instance"] = draw(free_text)
    item: dict[str, Any] = {"labels": labels}
    item |= draw(
        st.fixed_dictionaries(
            {},
            optional={
                "annotations": st.dictionaries(
                    st.sampled_from(["summary", "description"]), free_text
                ),
                "startsAt": times(),
                "endsAt": times(),
                "generatorURL": free_text,
            },
        )
    )
    return item


@st.composite
def alertmanager_payloads(draw: st.DrawFn) -> dict[str, Any]:
    alerts = []
    for item in draw(st.lists(prometheus_alerts(), max_size=4)):
        item["status"] = draw(st.sampled_from(["firing", "resolved"]))
        if draw(st.booleans()):
            item["fingerprint"] = draw(free_text)
        alerts.append(item)
    return {"version": "4", "status": "firing", "receiver": "correlator", "alerts": alerts}


VALID: dict[str, st.SearchStrategy[Any]] = {
    "nagios": nagios_payloads(),
    "icinga": icinga_payloads(),
    "zabbix": zabbix_payloads(),
    "prtg": prtg_payloads(),
    "alertmanager": alertmanager_payloads(),
    "prometheus": st.lists(prometheus_alerts(), max_size=4),
}


@pytest.mark.parametrize("source", SOURCES)
@SETTINGS
@given(data=st.data(), ctx=contexts)
def test_valid_payloads_give_alerts_with_a_host_and_a_severity(
    source: str, data: st.DataObject, ctx: ParseContext
) -> None:
    """A payload valid for its source is never rejected, and its Alerts have a host and a Severity."""
    payload = data.draw(VALID[source])
    events = PARSERS[source](payload, ctx)
    check_events(events)
    if source in {"alertmanager", "prometheus"}:
        alerts = payload["alerts"] if source == "alertmanager" else payload
        assert len(events) == len(alerts)
    elif not (source == "icinga" and payload["type"] == "CheckResult"):
        assert 1 <= len(events) <= 2
    for event in events:
        if isinstance(event, Alert):
            assert event.host
            assert isinstance(event.severity, Severity)
