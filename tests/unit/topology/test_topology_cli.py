"""`correlator topology check|import`: output, exit codes, and never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from topology.cli import main
from topology.imports import zabbix
from topology.load import load_topology, load_yaml_text

DATA = Path(__file__).resolve().parents[2] / "data" / "topology"


def test_check_valid_file_prints_counts_and_exits_0(capsys):
    """check on the small site prints node, edge, group and unmonitored counts and exits 0."""
    path = DATA / "small-site.yaml"
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{path}: valid",
        "nodes: 10",
        "edges: 11",
        "redundancy groups: 1",
        "unmonitored nodes: 2 (bru-pdu-a, shop)",
        "cycles: 0",
    ]
    assert err == ""


def test_check_reports_cycles_as_warnings_and_exits_0(capsys):
    """Cycles are printed as a → b → a warnings; the file is still valid (exit 0)."""
    assert main(["check", str(DATA / "cycle.yaml")]) == 0
    out = capsys.readouterr().out
    assert "cycles: 2" in out
    assert "warning: cycle r1 → r2 → r3 → r1" in out
    assert "warning: cycle stack-a → stack-b → stack-a" in out


def test_check_reads_every_form(capsys):
    """check accepts node-link JSON and GraphML files as well as YAML."""
    for name in ("small-site.json", "small-site.graphml"):
        assert main(["check", str(DATA / name)]) == 0
        assert "nodes: 10" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("bad-duplicate-claim.yaml", "already claimed by node 'web-01'"),
        ("bad-unknown-key.yaml", "unknown key 'depend_on'"),
        ("bad-syntax.yaml", "YAML syntax error"),
        ("bad-depends-on-unknown.yaml", "unknown node 'core-3'"),
    ],
)
def test_check_invalid_file_exits_2_with_one_line(capsys, name, fragment):
    """An invalid file gives exit 2 and one error line naming file and line, no traceback."""
    path = DATA / name
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {path}:")
    assert fragment in err
    assert "Traceback" not in err


def test_check_missing_file_exits_2(capsys, tmp_path):
    """A file that does not exist is an error line and exit 2."""
    assert main(["check", str(tmp_path / "none.yaml")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_bad_command_line_exits_2(capsys):
    """An unknown command prints usage and one error line, exit 2, and does not raise SystemExit."""
    assert main(["chek", "x.yaml"]) == 2
    err = capsys.readouterr().err
    assert "usage: correlator topology" in err
    assert "error: " in err


def test_help_exits_0(capsys):
    """--help prints the commands and returns 0."""
    assert main(["--help"]) == 0
    assert "check" in capsys.readouterr().out


def test_import_nagios_to_stdout_is_reviewable_yaml(capsys):
    """import nagios writes YAML with a review header to stdout, and it loads as a topology."""
    assert main(["import", "nagios", str(DATA / "nagios-objects.cfg")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(
        "# Imported by `correlator topology import nagios` from: nagios-objects.cfg"
    )
    assert "review" in out.splitlines()[1]
    topology = load_yaml_text(out, "imported.yaml")
    assert "dist-1" in topology.nodes
    assert "warning: '10.0.3.31' names both 'db-01' and 'backup_srv'" in err


def test_import_nagios_to_file_then_check(capsys, tmp_path):
    """import nagios -o writes a file that `topology check` accepts."""
    out_file = tmp_path / "imported.yaml"
    assert main(["import", "nagios", str(DATA / "nagios-objects.cfg"), "-o", str(out_file)]) == 0
    assert "8 nodes written" in capsys.readouterr().out
    assert len(load_topology(out_file).nodes) == 8
    assert main(["check", str(out_file)]) == 0


def test_import_nagios_bad_file_exits_2(capsys, tmp_path):
    """A Nagios file that does not parse gives exit 2 and one line with file and line."""
    bad = tmp_path / "objects.cfg"
    bad.write_text("define host {\n  host_name a\n")
    assert main(["import", "nagios", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {bad}:1: define host is never closed with }}"


def test_import_zabbix_needs_password_with_user(capsys):
    """--user without --password is a usage error (exit 2) before any connection."""
    assert main(["import", "zabbix", "--url", "http://127.0.0.1:1/", "--user", "Admin"]) == 2
    assert "--user needs --password" in capsys.readouterr().err


def test_import_zabbix_needs_credentials(capsys):
    """Without --token or --user the command line is refused (exit 2)."""
    assert main(["import", "zabbix", "--url", "http://127.0.0.1:1/"]) == 2
    assert "one of the arguments --token --user is required" in capsys.readouterr().err


def test_import_zabbix_server_failure_exits_1_without_traceback(capsys, monkeypatch):
    """When the server cannot be asked, the command prints one error line and exits 1."""

    def refuse(url, **_):
        raise ConnectionError(f"{url}: connection refused")

    monkeypatch.setattr(zabbix, "fetch", refuse)
    url = "http://127.0.0.1:9/"
    assert main(["import", "zabbix", "--url", url, "--token", "t"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: zabbix {url}: ConnectionError: ")
    assert len(err.splitlines()) == 1


def test_import_zabbix_writes_reviewable_yaml(capsys, monkeypatch, tmp_path):
    """import zabbix converts the server's answers and writes YAML that loads, with the auth given."""
    hosts = json.loads((DATA / "zabbix6-host.get.json").read_text())["result"]
    triggers = json.loads((DATA / "zabbix6-trigger.get.json").read_text())["result"]
    calls = []

    def answers(url, **kwargs):
        calls.append((url, kwargs))
        return hosts, triggers

    monkeypatch.setattr(zabbix, "fetch", answers)
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    out_file = tmp_path / "zabbix.yaml"
    argv = ["import", "zabbix", "--url", "https://zbx/", "--user", "Admin", "--password", "-"]
    assert main([*argv, "-o", str(out_file)]) == 0
    assert calls == [
        ("https://zbx/", {"token": None, "user": "Admin", "password": "s3cret", "timeout": 30.0})
    ]
    text = out_file.read_text()
    assert text.startswith("# Imported by `correlator topology import zabbix` from: https://zbx/")
    assert load_yaml_text(text, "zabbix.yaml").depends_on("bru-dist-1")[0].any_of == ("bru-core-1",)
