# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Bus records of the public topics and back (specs/kafka-topics.md).

Values are compact UTF-8 JSON objects carrying ``"v"``; every record has the header
``content-type: application/json`` and alert records also ``source``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from correlator.bus.protocol import Message, Record
from correlator.model import SCHEMA_VERSION, Event, event_from_json

if TYPE_CHECKING:
    from collections.abc import Mapping

CONTENT_TYPE: Final = ("content-type", b"application/json")


class DecodeError(ValueError):
    """A consumed record is not a value of its topic's contract."""


def encode_json(value: Mapping[str, Any]) -> bytes:
    """Compact JSON (ASCII, hence valid UTF-8), the way every value on the bus is written.

    ASCII escapes keep a lone surrogate (which any JSON body may carry as ``\\ud800``)
    encodable instead of crashing the producer.
    """
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode()


def decode_json(value: bytes | None) -> dict[str, Any]:
    """The JSON object in ``value``; DecodeError for a tombstone or anything else."""
    if value is None:
        raise DecodeError("tombstone: the record has no value")
    try:
        data = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeError(f"value is not UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DecodeError(f"value is a JSON {type(data).__name__}, not an object")
    return data


def event_record(topic: str, event: Event, *, key: str | None = None) -> Record:
    """An alert or notice for `correlator.alerts`, keyed by ``key`` (default its source_id)."""
    return Record(
        topic=topic,
        key=(event.source_id if key is None else key).encode(),
        value=encode_json(event.to_json()),
        headers=(("source", event.source.value.encode()), CONTENT_TYPE),
    )


def event_from_message(message: Message) -> Event:
    """Decode a `correlator.alerts` message; DecodeError when it is not one."""
    data = decode_json(message.value)
    try:
        return event_from_json(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise DecodeError(f"not an alert or notice: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A request the intake could not parse, kept as received (`correlator.alerts.dlq`)."""

    source: str  # the connector's source name (as in the URL), even if not a known Source
    received_at: float
    reason: str
    field: str | None  # the missing or invalid field, when one is to blame
    body: str  # the raw request text exactly as received

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "source": self.source,
            "received_at": self.received_at,
            "reason": self.reason,
            "field": self.field,
            "body": self.body,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeadLetter:
        field = data.get("field")
        return cls(
            source=str(data["source"]),
            received_at=float(data["received_at"]),
            reason=str(data["reason"]),
            field=None if field is None else str(field),
            body=str(data["body"]),
        )


def dead_letter_record(topic: str, letter: DeadLetter) -> Record:
    """A dead letter for `correlator.alerts.dlq`, keyed by the source name."""
    return Record(
        topic=topic,
        key=letter.source.encode(),
        value=encode_json(letter.to_json()),
        headers=(CONTENT_TYPE,),
    )


def dead_letter_from_message(message: Message) -> DeadLetter:
    """Decode a `correlator.alerts.dlq` message; DecodeError when it is not one."""
    data = decode_json(message.value)
    try:
        return DeadLetter.from_json(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise DecodeError(f"not a dead letter: {exc!r}") from exc


def json_record(topic: str, key: str, value: Mapping[str, Any] | None) -> Record:
    """A JSON record keyed by ``key``; ``None`` makes a tombstone (compacted topics).

    For `correlator.incidents` the value is the incident of specs/replay.md with ``"v"``,
    ``"status"`` and ``"updated_at"``; building it is the correlator's business.
    """
    return Record(
        topic=topic,
        key=key.encode(),
        value=None if value is None else encode_json(value),
        headers=(CONTENT_TYPE,),
    )
