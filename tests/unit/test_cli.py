# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The ``correlator`` command line: version, check-config, delegation, no tracebacks."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from correlator import __version__
from correlator.cli import main
from correlator.clock import ManualClock
from correlator.store.protocol import HistoryEntry, HistoryStep, IncidentSnapshot
from correlator.store.sqlite import DEFAULT_FILENAME, SqliteStore

ROOT = Path(__file__).resolve().parents[2]
BAD_PORT = "config/examples/bad-port.yaml"
BAD_PORT_LINE = (
    "config/examples/bad-port.yaml:4: server.port: expected an integer 1..65535, got 'eighty'"
)


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRELATOR_")}
    env.update(overrides)
    return env


def _cli(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "correlator", *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version() -> None:
    """--version prints the package version and exits 0."""
    result = _cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"correlator {__version__}"


def test_check_config_ok() -> None:
    """check-config on a valid file prints 'ok: FILE' and exits 0."""
    result = _cli("check-config", "config/default.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: config/default.yaml\n"
    assert result.stderr == ""


def test_check_config_bad_is_one_line_exit_2() -> None:
    """check-config on a bad file prints the one-line error to stderr and exits 2."""
    result = _cli("check-config", BAD_PORT)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == BAD_PORT_LINE + "\n"


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (ROOT / "config" / "examples").glob("bad-*.yaml"))
)
def test_check_config_never_shows_a_traceback(name: str) -> None:
    """Every bad example gives exit 2 and a single stderr line, never a traceback."""
    result = _cli("check-config", f"config/examples/{name}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"config/examples/{name}:")


def test_check_config_missing_file() -> None:
    """check-config on a missing file is a one-line error and exit 2."""
    result = _cli("check-config", "config/nope.yaml")
    assert result.returncode == 2
    assert (
        result.stderr
        == "config/nope.yaml: cannot read the config file: No such file or directory\n"
    )


def test_check_config_applies_the_environment() -> None:
    """check-config validates the environment overrides the daemon would use."""
    result = _cli("check-config", "config/default.yaml", CORRELATOR_SERVER__PORT="eighty")
    assert result.returncode == 2
    assert result.stderr.startswith("environment CORRELATOR_SERVER__PORT: server.port: ")


def test_run_with_bad_config_exits_2_with_one_line() -> None:
    """run with an invalid config exits 2 with the one-line error, before starting anything."""
    result = _cli("run", "--config", BAD_PORT)
    assert result.returncode == 2
    assert result.stderr == BAD_PORT_LINE + "\n"


def test_connector_with_bad_env_exits_2(tmp_path: Path) -> None:
    """connector without --config uses the defaults, and a bad variable still exits 2."""
    result = _cli("connector", cwd=tmp_path, CORRELATOR_BUS__KIND="rabbit")
    assert result.returncode == 2
    assert result.stderr == (
        "environment CORRELATOR_BUS__KIND: bus.kind: expected 'memory' or 'kafka', got 'rabbit'\n"
    )


def test_usage_errors_exit_2() -> None:
    """A missing or unknown command is a usage error with exit status 2."""
    assert _cli().returncode == 2
    assert _cli("frobnicate").returncode == 2


def test_importing_the_cli_has_no_side_effects() -> None:
    """Importing cli, app and config imports no other stage and starts nothing."""
    code = (
        "import sys, threading, correlator.cli, correlator.app, correlator.config;"
        "print(sorted(m for m in sys.modules if m.startswith(('connectors', 'correlator.bus.'))"
        " and m not in ('correlator.bus.topics', 'correlator.bus.protocol')),"
        " threading.active_count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] 1"


def test_main_returns_exit_codes_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    """main() returns the status instead of exiting, for --version and check-config."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"correlator {__version__}"
    assert main(["check-config", str(ROOT / BAD_PORT)]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("server.port: expected an integer 1..65535, got 'eighty'")
    )


@pytest.mark.parametrize(
    ("command", "module"), [("replay", "correlator.replay"), ("topology", "topology.cli")]
)
def test_delegated_commands_get_the_remaining_argv(
    command: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """replay and topology hand every following argument, options included, to their main."""
    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(argv)
        return 7

    fake = types.ModuleType(module)
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module, fake)
    assert main([command, "--topology", "t.yaml", "--help"]) == 7
    assert seen == [["--topology", "t.yaml", "--help"]]


# --------------------------------------------------------------------------------------
# handover and report: read the configured store
# --------------------------------------------------------------------------------------


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "correlator.yaml"
    config.write_text(f"data_dir: {json.dumps(str(tmp_path / 'data'))}\n", encoding="utf-8")
    return config


def _fill_store(tmp_path: Path) -> float:
    """Write one open P1 incident opened an hour ago, with a ticket note; return now."""
    now = time.time()
    opened = now - 3600
    doc = {
        "id": "INC-000007",
        "opened_at": opened,
        "resolved_at": None,
        "root_cause": "bru-core-1",
        "root_cause_inferred": False,
        "title": "bru-core-1 down: 2 alerts on 2 nodes",
        "priority": "P1",
        "team": "network",
        "nodes": ["bru-core-1", "bru-sw-2"],
        "alerts": [
            {
                "source": "nagios",
                "host": h,
                "check": "ping",
                "node": h,
                "severity": "critical",
                "first_seen": opened,
                "resolved_at": None,
            }
            for h in ("bru-core-1", "bru-sw-2")
        ],
        "events": [],
        "pages": 0,
        "status": "open",
        "updated_at": opened,
    }

    async def fill() -> None:
        store = SqliteStore(tmp_path / "data" / DEFAULT_FILENAME, clock=ManualClock(now))
        await store.open()
        try:
            await store.apply(IncidentSnapshot.of(doc), [])
            await store.add_history(
                HistoryEntry("INC-000007", now - 60, "alice", HistoryStep.NOTE, "carrier called")
            )
        finally:
            await store.close()

    asyncio.run(fill())
    return now


@pytest.fixture
def no_correlator_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("CORRELATOR_")]:
        monkeypatch.delenv(name)


@pytest.mark.usefixtures("no_correlator_env")
def test_handover_prints_markdown_from_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """handover reads the configured store and prints the Markdown handover, exit 0."""
    _fill_store(tmp_path)
    assert main(["handover", "--since", "8h", "--config", str(_config(tmp_path))]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("# Shift handover ")
    assert "## Open incidents (1)" in out
    assert "| P1 | INC-000007 | 1h | network | bru-core-1 |" in out
    assert "carrier called" in out


@pytest.mark.usefixtures("no_correlator_env")
def test_handover_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format json prints the handover JSON document."""
    now = _fill_store(tmp_path)
    config = str(_config(tmp_path))
    assert main(["handover", "--since", "2h", "--format", "json", "--config", config]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["open"] == 1
    assert doc["open"][0]["id"] == "INC-000007"
    assert doc["until"] == pytest.approx(now, abs=60)
    assert doc["since"] == pytest.approx(doc["until"] - 7200)


@pytest.mark.usefixtures("no_correlator_env")
def test_handover_until_limits_the_shift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--until ends the shift earlier: an incident opened after it is not in the handover."""
    _fill_store(tmp_path)
    config = str(_config(tmp_path))
    args = ["handover", "--since", "8h", "--until", "2h", "--format", "json", "--config", config]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["open"] == 0
    assert doc["counts"]["opened"] == 0


@pytest.mark.usefixtures("no_correlator_env")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "cannot read the time 'yesterday'"),
        (["--since", "2h", "--until", "8h"], "the period is empty"),
    ],
)
def test_handover_bad_time_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """An unreadable --since or an empty period is one line on stderr and exit 2."""
    assert main(["handover", *args, "--config", str(_config(tmp_path))]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("correlator handover: ")
    assert message in err


@pytest.mark.usefixtures("no_correlator_env")
def test_handover_without_a_store_is_one_line_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no store file where the config points, handover says so and creates none."""
    assert main(["handover", "--config", str(_config(tmp_path))]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"correlator handover: no store at {tmp_path / 'data' / DEFAULT_FILENAME}\n"
    assert not (tmp_path / "data").exists()


@pytest.mark.usefixtures("no_correlator_env")
def test_report_on_an_unreadable_store_is_one_line_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store file that is not a database is one line on stderr and exit 1."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEFAULT_FILENAME).write_bytes(b"not a database, " * 512)
    assert main(["report", "--config", str(_config(tmp_path))]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("correlator report: sqlite store: ")


@pytest.mark.usefixtures("no_correlator_env")
def test_report_prints_markdown_then_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """report prints Markdown by default (as handover does) and JSON with --format json."""
    _fill_store(tmp_path)
    config = str(_config(tmp_path))
    assert main(["report", "--since", "24h", "--config", config]) == 0
    assert "2 alerts in, 1 incident out" in capsys.readouterr().out
    assert main(["report", "--since", "24h", "--format", "json", "--config", config]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["alerts"], doc["incidents"]) == (2, 1)
    assert doc["noisy_checks"][0]["check"] == "ping"
    assert len(doc["hourly"]) in {24, 25}
