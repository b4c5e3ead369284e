"""The hand-written small-site example replays to exactly its expected incidents.

The example lives in the shared folder beside the repository checkout (``../shared`` from
the repository root, in CI too); see its README for what is compared.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from required import unavailable

EXAMPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "examples" / "small-site"


@pytest.fixture(scope="module")
def example() -> Path:
    """The example folder; its absence fails under CI and skips (with a reason) elsewhere."""
    if not (EXAMPLE / "expected.jsonl").is_file():
        unavailable("the shared small-site example", f"not found at {EXAMPLE}")
    return EXAMPLE


def run_replay(example: Path, out: Path) -> list[dict[str, Any]]:
    main = importlib.import_module("correlator.replay").main
    argv = [
        "--topology", str(example / "topology.yaml"),
        "--alerts", str(example / "storm.jsonl"),
        "--out", str(out),
    ]  # fmt: skip
    status = main(argv)
    assert status == 0, f"replay exited with {status}"
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]


def compared(incident: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Only the fields the expected file shows; ``resolved`` means ``resolved_at`` is set."""
    out = {}
    for name in fields:
        if name == "resolved":
            out[name] = incident.get("resolved_at") is not None
        else:
            out[name] = incident.get(name)
    return out


def test_small_site_opens_exactly_the_expected_incidents(example: Path, tmp_path: Path) -> None:
    """Three incidents, in opening order, matching expected.jsonl on the fields it shows."""
    expected = [
        json.loads(line)
        for line in (example / "expected.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    got = run_replay(example, tmp_path / "incidents.jsonl")
    shown = [compared(inc, list(exp)) for inc, exp in zip(got, expected, strict=False)]
    detail = "\n".join(json.dumps(compared(i, [*list(expected[0]), "title"])) for i in got)
    assert len(got) == len(expected), f"{len(got)} incidents instead of {len(expected)}:\n{detail}"
    assert shown == expected, f"got:\n{detail}"


def test_small_site_replay_is_byte_identical_twice(example: Path, tmp_path: Path) -> None:
    """Time is event time: the same files give the same bytes on every run."""
    run_replay(example, tmp_path / "first.jsonl")
    run_replay(example, tmp_path / "second.jsonl")
    first = (tmp_path / "first.jsonl").read_bytes()
    assert first
    assert first == (tmp_path / "second.jsonl").read_bytes()
