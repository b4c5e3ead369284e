"""Small helpers the connectors share: field look-ups that name the field, and time parsing.

Every helper is total: it returns ``None`` for "absent or unusable" or raises
:class:`InvalidPayloadError` naming the field, never anything else, whatever the input
(wrong JSON types, huge numbers, NaN, garbage text). The connectors build on that to keep
their own promise of raising nothing but ``InvalidPayloadError``.

Conventions:

- text values are stripped; an empty or whitespace-only string is absent;
- a JSON integer is accepted where text is expected (``"HOSTPROBLEMID": 12``), booleans,
  floats, arrays and objects are not;
- epoch seconds must lie in (1970-01-01, 9999-12-31]; anything else is "no usable time",
  and the connector falls back to ``ctx.received_at``.
"""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from connectors.base import InvalidPayloadError

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_EPOCH: Final = 253402300799.0  # 9999-12-31T23:59:59Z: the largest time datetime can show
_MAX_INT_TEXT: Final = 10**18  # larger integers are no ids we know of (and str() of them is slow)

_JSON_TYPE_NAMES: Final[Mapping[type, str]] = {
    dict: "an object",
    list: "an array",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
}


def json_type(value: Any) -> str:
    """The JSON name of ``value``'s type, for error messages ("an object", "null"...)."""
    if value is None:
        return "null"
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def require_object(value: Any, field: str, what: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object (dict), else InvalidPayloadError(field)."""
    if not isinstance(value, dict):
        raise InvalidPayloadError(field, f"expected {what}, got {json_type(value)}")
    return value


def text(value: Any) -> str | None:
    """A JSON string (stripped) or integer as text; ``None`` for anything else or empty."""
    if isinstance(value, str):
        return value.strip() or None
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and -_MAX_INT_TEXT < value < _MAX_INT_TEXT
    ):
        return str(value)
    return None


def optional(obj: Mapping[str, Any], key: str) -> str | None:
    """The text of ``obj[key]``, or ``None`` when absent, empty or not text."""
    return text(obj.get(key))


def required(obj: Mapping[str, Any], key: str, field: str | None = None) -> str:
    """The text of ``obj[key]``; InvalidPayloadError naming ``field`` (default ``key``)."""
    value = obj.get(key)
    result = text(value)
    if result is None:
        name = field or key
        if value is None:
            raise InvalidPayloadError(name, "missing")
        if isinstance(value, str):
            raise InvalidPayloadError(name, "empty")
        raise InvalidPayloadError(name, f"must be a string, got {json_type(value)}")
    return result


def is_unresolved_macro(value: str) -> bool:
    """True for a Zabbix macro left literally in the text: ``{EVENT.RECOVERY.ID}``."""
    return len(value) >= 2 and value[0] == "{" and value[-1] == "}"


def small_int(value: Any) -> int | None:
    """A JSON integer (or integral float, or digit string) below 2**31; else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -(2**31) < value < 2**31 else None
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and -(2**31) < value < 2**31:
            return int(value)
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if 0 < len(stripped) <= 10 and stripped.isascii() and stripped.lstrip("-").isdigit():
            return int(stripped)
    return None


def epoch(value: Any) -> float | None:
    """Epoch seconds from a JSON number or numeric string; ``None`` when unusable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if 0 < value <= MAX_EPOCH else None
    if isinstance(value, float):
        seconds = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            seconds = float(value)
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_EPOCH:
        return None
    return seconds


def rfc3339(value: Any) -> float | None:
    """Epoch seconds of an RFC 3339 / ISO 8601 time; naive means UTC; ``None`` if unusable.

    Go's zero time (``0001-01-01T00:00:00Z``, Alertmanager's "no end") is unusable too.
    """
    if not isinstance(value, str) or not 10 <= len(value) <= 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        seconds = moment.timestamp()
    except (OverflowError, ValueError):
        return None
    return seconds if 0 < seconds <= MAX_EPOCH else None


@functools.lru_cache(maxsize=64)
def zone(name: str) -> tzinfo | None:
    """The time zone called ``name`` (IANA key), or ``None`` when there is no such zone.

    The first look-up of a name reads the system's tz database (once: then cached).
    """
    if name in {"UTC", "Etc/UTC", "Z"}:
        return UTC
    try:
        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError (a KeyError), ValueError, OSError...
        return None


def local_epoch(
    date: tuple[int, int, int], time: tuple[int, int, int], zone_name: str
) -> float | None:
    """Epoch seconds of a wall-clock ``(y, m, d)``, ``(H, M, S)`` in ``zone_name``, or ``None``."""
    tz = zone(zone_name) if isinstance(zone_name, str) else None
    if tz is None:
        return None
    try:
        seconds = datetime(*date, *time, tzinfo=tz).timestamp()
    except (OverflowError, ValueError):
        return None
    return seconds if 0 < seconds <= MAX_EPOCH else None


def host_service_id(host: str, service: str | None) -> str:
    """Nagios-style identity: ``HOST`` for a host, ``HOST!SERVICE`` for a service."""
    return host if service is None else f"{host}!{service}"
