"""``correlator replay`` as specs/replay.md describes it: input, output, errors, --explain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from required import unavailable

from correlator.replay import main

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SMALL_SITE = SHARED / "examples" / "small-site"

TOPOLOGY = """\
version: 1
nodes:
  - {id: sw, kind: switch, team: network, monitored_as: [sw]}
  - {id: web-01, kind: vm, team: systems, monitored_as: [web-01], depends_on: [sw]}
  - {id: db-01, kind: vm, team: dba, monitored_as: [db-01], depends_on: [sw]}
"""
T = 1_763_900_000.0


def nagios_host(host: str, state: str = "DOWN", kind: str = "PROBLEM") -> dict:
    return {
        "NOTIFICATIONTYPE": kind,
        "HOSTNAME": host,
        "HOSTSTATE": state,
        "HOSTSTATETYPE": "HARD",
        "HOSTOUTPUT": "PING CRITICAL - Packet loss = 100%",
    }


def line(at: float, payload: dict, event_id: str, source: str = "nagios") -> str:
    return json.dumps({"at": T + at, "source": source, "id": event_id, "payload": payload})


def alertmanager(*hosts: str, status: str = "firing") -> dict:
    alerts = [
        {
            "status": status,
            "labels": {
                "alertname": "InstanceDown",
                "instance": f"{h}:9100",
                "severity": "critical",
            },
            "annotations": {},
            "startsAt": "2025-11-23T12:14:12Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": f"fp-{h}",
        }
        for h in hosts
    ]
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "status": status,
        "receiver": "correlator",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    path = tmp_path / "topology.yaml"
    path.write_text(TOPOLOGY, encoding="utf-8")
    return path


def write(tmp_path: Path, lines: list[str], name: str = "alerts.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8")
    return path


def incidents(text: str) -> list[dict]:
    return [json.loads(row) for row in text.splitlines() if row.strip()]


def one_line(err: str) -> str:
    rows = [row for row in err.splitlines() if row.strip()]
    assert len(rows) == 1, f"expected exactly one line on stderr, got {rows!r}"
    return rows[0]


@pytest.fixture
def small_site() -> Path:
    """shared/examples/small-site beside the checkout: required under CI, skipped elsewhere."""
    if not (SMALL_SITE / "storm.jsonl").is_file():
        unavailable("the shared small-site example", f"not found at {SMALL_SITE}")
    return SMALL_SITE


# -- the shared example -------------------------------------------------------------------


def test_small_site_gives_its_expected_incidents(small_site, capsys):
    """The small-site storm opens exactly the incidents of its expected.jsonl."""
    status = main(
        [
            "--topology",
            str(small_site / "topology.yaml"),
            "--alerts",
            str(small_site / "storm.jsonl"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    expected = incidents((small_site / "expected.jsonl").read_text(encoding="utf-8"))
    got = []
    for inc, want in zip(incidents(out), expected, strict=False):
        view = {k: inc[k] for k in want if k != "resolved"}
        if "resolved" in want:
            view["resolved"] = inc["resolved_at"] is not None
        got.append(view)
    assert len(incidents(out)) == len(expected)
    assert got == expected


def test_output_has_every_contract_field(small_site, capsys):
    """Every incident line carries the fields specs/replay.md names, with their types."""
    main(
        [
            "--topology",
            str(small_site / "topology.yaml"),
            "--alerts",
            str(small_site / "storm.jsonl"),
        ]
    )
    for inc in incidents(capsys.readouterr().out):
        assert re.fullmatch(r"INC-\d{6}", inc["id"])
        assert isinstance(inc["opened_at"], float)
        assert inc["priority"] in {"P1", "P2", "P3", "P4", "P5"}
        assert isinstance(inc["pages"], int)
        assert isinstance(inc["title"], str)
        assert inc["title"]
        assert isinstance(inc["nodes"], list)
        for alert in inc["alerts"]:
            assert set(alert) >= {
                "source",
                "host",
                "check",
                "node",
                "severity",
                "first_seen",
                "resolved_at",
            }


def test_small_site_output_is_byte_identical_on_two_runs(small_site, capsys):
    """Replaying the same files twice gives byte-identical output."""
    argv = [
        "--topology",
        str(small_site / "topology.yaml"),
        "--alerts",
        str(small_site / "storm.jsonl"),
    ]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    second = capsys.readouterr().out
    assert first == second
    assert first


def test_explain_writes_one_line_per_input_line(small_site, capsys):
    """--explain writes exactly one standard-error line per input line, naming its line number."""
    storm = small_site / "storm.jsonl"
    count = sum(1 for row in storm.read_text(encoding="utf-8").splitlines() if row.strip())
    status = main(
        ["--topology", str(small_site / "topology.yaml"), "--alerts", str(storm), "--explain"]
    )
    captured = capsys.readouterr()
    assert status == 0
    rows = [row for row in captured.err.splitlines() if row.strip()]
    assert len(rows) == count
    for number, row in enumerate(rows, start=1):
        assert re.search(rf"\bline {number}\b", row), row
    assert incidents(captured.out), "--explain must not replace the incident output"


# -- own small inputs ---------------------------------------------------------------------


def test_out_writes_the_incidents_to_the_file(tmp_path, topology, capsys):
    """--out writes the incidents to the named file and nothing to standard output."""
    alerts = write(tmp_path, [line(0, nagios_host("web-01"), "e1")])
    target = tmp_path / "incidents.jsonl"
    status = main(["--topology", str(topology), "--alerts", str(alerts), "--out", str(target)])
    captured = capsys.readouterr()
    assert status == 0
    assert captured.out == ""
    (inc,) = incidents(target.read_text(encoding="utf-8"))
    assert inc["events"] == ["e1"]


def test_out_and_stdout_are_the_same_bytes(tmp_path, topology, capsys):
    """The file written by --out holds exactly what standard output would have shown."""
    alerts = write(
        tmp_path,
        [line(0, nagios_host("web-01"), "e1"), line(5, nagios_host("db-01"), "e2")],
    )
    main(["--topology", str(topology), "--alerts", str(alerts)])
    shown = capsys.readouterr().out
    target = tmp_path / "out.jsonl"
    main(["--topology", str(topology), "--alerts", str(alerts), "--out", str(target)])
    assert target.read_text(encoding="utf-8") == shown


def test_alert_still_inside_its_hold_is_written(tmp_path, topology, capsys):
    """An alert whose incident is still inside the opening hold when the input ends is output."""
    alerts = write(tmp_path, [line(0, nagios_host("web-01"), "only")])
    assert main(["--topology", str(topology), "--alerts", str(alerts)]) == 0
    (inc,) = incidents(capsys.readouterr().out)
    assert inc["events"] == ["only"]
    assert inc["resolved_at"] is None


def test_resolved_at_is_null_when_input_ends_inside_the_linger(tmp_path, topology, capsys):
    """The replay clock stops at the last event: a linger not yet elapsed leaves it open."""
    alerts = write(
        tmp_path,
        [
            line(0, nagios_host("web-01"), "p"),
            line(60, nagios_host("web-01", "UP", "RECOVERY"), "r"),
        ],
    )
    assert main(["--topology", str(topology), "--alerts", str(alerts)]) == 0
    (inc,) = incidents(capsys.readouterr().out)
    assert inc["resolved_at"] is None
    assert inc["events"] == ["p", "r"]
    assert inc["alerts"][0]["resolved_at"] == T + 60


def test_resolved_when_a_later_event_passes_the_linger(tmp_path, topology, capsys):
    """A later unrelated event that moves the clock past the linger resolves the incident."""
    alerts = write(
        tmp_path,
        [
            line(0, nagios_host("web-01"), "p"),
            line(60, nagios_host("web-01", "UP", "RECOVERY"), "r"),
            line(5000, nagios_host("unknown-host"), "later"),
        ],
    )
    assert main(["--topology", str(topology), "--alerts", str(alerts)]) == 0
    first = incidents(capsys.readouterr().out)[0]
    assert first["events"] == ["p", "r"]
    assert first["resolved_at"] is not None


def test_multi_alert_alertmanager_line_gives_one_explain_line(tmp_path, topology, capsys):
    """A line carrying several alerts is one input event: --explain writes one line for it."""
    alerts = write(
        tmp_path,
        [
            line(0, nagios_host("sw"), "e1"),
            line(10, alertmanager("web-01", "db-01"), "e2", source="alertmanager"),
        ],
    )
    status = main(["--topology", str(topology), "--alerts", str(alerts), "--explain"])
    captured = capsys.readouterr()
    assert status == 0
    rows = [row for row in captured.err.splitlines() if row.strip()]
    assert len(rows) == 2, rows
    assert "e2" in incidents(captured.out)[0]["events"]


def test_event_ids_are_optional(tmp_path, topology, capsys):
    """A line without an id is correlated all the same; it just lists no event id."""
    payload = json.dumps({"at": T, "source": "nagios", "payload": nagios_host("web-01")})
    alerts = write(tmp_path, [payload])
    assert main(["--topology", str(topology), "--alerts", str(alerts)]) == 0
    (inc,) = incidents(capsys.readouterr().out)
    assert inc["events"] == []
    assert len(inc["alerts"]) == 1


def test_nagios_observer_field_is_used(tmp_path, capsys):
    """The line's ``observer`` gives Nagios alerts their observer (a probe explains them)."""
    topo = tmp_path / "t.yaml"
    topo.write_text(
        """\
version: 1
nodes:
  - {id: sat-1, kind: probe, monitored_as: [sat-1]}
  - {id: a, monitored_as: [a]}
  - {id: b, monitored_as: [b]}
  - {id: c, monitored_as: [c]}
  - {id: d, monitored_as: [d]}
""",
        encoding="utf-8",
    )
    rows = [
        json.dumps(
            {
                "at": T + i,
                "source": "nagios",
                "id": h,
                "observer": "sat-1",
                "payload": nagios_host(h),
            }
        )
        for i, h in enumerate("abcd")
    ]
    alerts = write(tmp_path, rows)
    assert main(["--topology", str(topo), "--alerts", str(alerts)]) == 0
    (inc,) = incidents(capsys.readouterr().out)
    assert inc["root_cause"] == "sat-1"


# -- errors -------------------------------------------------------------------------------


def test_non_json_line_exits_2_naming_file_and_line(tmp_path, topology, capsys):
    """A line that is not JSON stops the replay with exit 2 and one line naming file and line."""
    alerts = write(
        tmp_path,
        [line(0, nagios_host("web-01"), "e1"), line(5, nagios_host("db-01"), "e2"), "{not json"],
    )
    status = main(["--topology", str(topology), "--alerts", str(alerts)])
    err = one_line(capsys.readouterr().err)
    assert status == 2
    assert str(alerts) in err
    assert re.search(r"(:3\b|line 3\b)", err), err


def test_json_line_that_is_not_an_object_exits_2(tmp_path, topology, capsys):
    """A JSON line that is not an event object is a bad line: exit 2 naming file and line."""
    alerts = write(tmp_path, [line(0, nagios_host("web-01"), "e1"), "[1, 2]"])
    status = main(["--topology", str(topology), "--alerts", str(alerts)])
    err = one_line(capsys.readouterr().err)
    assert status == 2
    assert str(alerts) in err
    assert re.search(r"(:2\b|line 2\b)", err), err


def test_missing_topology_exits_2_naming_the_file(tmp_path, capsys):
    """A topology file that does not exist: exit 2, one line naming it."""
    alerts = write(tmp_path, [line(0, nagios_host("web-01"), "e1")])
    missing = tmp_path / "nope.yaml"
    status = main(["--topology", str(missing), "--alerts", str(alerts)])
    captured = capsys.readouterr()
    assert status == 2
    assert str(missing) in one_line(captured.err)
    assert captured.out == ""


def test_invalid_topology_exits_2_naming_file_and_line(tmp_path, capsys):
    """A topology breaking a rule (unknown dependency): exit 2, one line naming file and line."""
    topo = tmp_path / "bad.yaml"
    topo.write_text("version: 1\nnodes:\n  - id: a\n    depends_on: [ghost]\n", encoding="utf-8")
    alerts = write(tmp_path, [line(0, nagios_host("a"), "e1")])
    status = main(["--topology", str(topo), "--alerts", str(alerts)])
    captured = capsys.readouterr()
    err = one_line(captured.err)
    assert status == 2
    assert str(topo) in err
    assert "ghost" in err
    assert re.search(rf"{re.escape(str(topo))}:\d+", err), err
    assert captured.out == ""


def test_unreadable_alerts_file_exits_2(tmp_path, topology, capsys):
    """An alerts file that does not exist: exit 2, one line naming it."""
    missing = tmp_path / "missing.jsonl"
    status = main(["--topology", str(topology), "--alerts", str(missing)])
    assert status == 2
    assert str(missing) in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--alerts", "x.jsonl"],
        ["--topology", "t.yaml"],
        ["--topology", "t.yaml", "--alerts", "x.jsonl", "--bogus"],
    ],
    ids=["nothing", "no-topology", "no-alerts", "unknown-option"],
)
def test_bad_arguments_exit_2_with_one_line(argv, capsys):
    """Bad arguments: exit 2 and a one-line error, not a usage dump."""
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2
    one_line(captured.err)
    assert captured.out == ""


def test_invalid_alert_is_reported_and_skipped(tmp_path, topology, capsys):
    """A JSON line that is not a valid alert of its source is reported with its line, skipped."""
    bad = {"NOTIFICATIONTYPE": "PROBLEM", "HOSTSTATE": "DOWN"}  # no HOSTNAME
    alerts = write(
        tmp_path,
        [
            line(0, nagios_host("web-01"), "e1"),
            line(5, bad, "bad"),
            line(10, nagios_host("db-01"), "e3"),
        ],
    )
    status = main(["--topology", str(topology), "--alerts", str(alerts)])
    captured = capsys.readouterr()
    assert status == 0
    assert re.search(r"\bline 2\b", captured.err), captured.err
    out = incidents(captured.out)
    assert out, "the valid lines still give incidents"
    events = [e for inc in out for e in inc["events"]]
    assert sorted(events) == ["e1", "e3"]


@pytest.mark.parametrize(
    ("source", "payload"),
    [
        ("zabbix", {"event_value": "1"}),
        ("prtg", {"status": "Down"}),
        ("alertmanager", {"alerts": "nope"}),
        ("nagios", "not an object"),
        ("icinga", {"type": "StateChange"}),
    ],
)
def test_invalid_alert_of_each_source_is_skipped(tmp_path, topology, capsys, source, payload):
    """An invalid payload of any source is skipped with its line number; the replay goes on."""
    alerts = write(
        tmp_path,
        [
            line(0, payload, "bad", source=source),
            line(5, nagios_host("web-01"), "good"),
        ],
    )
    status = main(["--topology", str(topology), "--alerts", str(alerts)])
    captured = capsys.readouterr()
    assert status == 0
    assert re.search(r"\bline 1\b", captured.err), captured.err
    assert [inc["events"] for inc in incidents(captured.out)] == [["good"]]


def test_explain_names_a_skipped_line_once(tmp_path, topology, capsys):
    """With --explain, a skipped line is still named exactly once on standard error."""
    bad = {"NOTIFICATIONTYPE": "PROBLEM", "HOSTSTATE": "DOWN"}
    alerts = write(
        tmp_path,
        [
            line(0, nagios_host("web-01"), "e1"),
            line(5, bad, "bad"),
            line(9, nagios_host("db-01"), "e3"),
        ],
    )
    assert main(["--topology", str(topology), "--alerts", str(alerts), "--explain"]) == 0
    err = capsys.readouterr().err
    for number in (1, 2, 3):
        assert len(re.findall(rf"\bline {number}\b", err)) == 1, err


# -- the `ticket` field -----------------------------------------------------------------------


def test_ticket_is_the_builtin_queue_id_dispatch_would_open(tmp_path, topology, capsys):
    """Each incident names the built-in queue ticket dispatch would have opened for it, numbered
    in the order they were announced; one still inside its opening hold has none yet."""
    alerts = write(
        tmp_path,
        [
            line(0, nagios_host("web-01"), "p1"),
            line(100, nagios_host("elsewhere-a"), "p2"),
            line(200, nagios_host("elsewhere-b"), "p3"),
            line(210, nagios_host("elsewhere-c"), "p4"),
        ],
    )
    assert main(["--topology", str(topology), "--alerts", str(alerts)]) == 0
    found = incidents(capsys.readouterr().out)
    assert [(inc["events"], inc["ticket"]) for inc in found] == [
        (["p1"], "TKT-000001"),
        (["p2"], "TKT-000002"),
        (["p3"], None),  # announced at 230, after the last event
        (["p4"], None),
    ]
    assert list(found[0])[-1] == "ticket"


def test_ticket_is_null_without_a_builtin_queue(tmp_path, topology, capsys):
    """With no built-in queue in the config's tickets section, no incident names a ticket."""
    config = tmp_path / "config.yaml"
    config.write_text("tickets: {}\n", encoding="utf-8")
    alerts = write(
        tmp_path, [line(0, nagios_host("web-01"), "p1"), line(100, nagios_host("x"), "p2")]
    )
    args = ["--topology", str(topology), "--alerts", str(alerts), "--config", str(config)]
    assert main(args) == 0
    assert [inc["ticket"] for inc in incidents(capsys.readouterr().out)] == [None, None]


def test_small_site_tickets(small_site, capsys):
    """The small-site storm's two announced incidents get TKT-000001 and TKT-000002; the
    third is still inside its opening hold when the input ends."""
    main(
        [
            "--topology",
            str(small_site / "topology.yaml"),
            "--alerts",
            str(small_site / "storm.jsonl"),
        ]
    )
    assert [inc["ticket"] for inc in incidents(capsys.readouterr().out)] == [
        "TKT-000001",
        "TKT-000002",
        None,
    ]


def test_pages_follow_the_configured_paging_threshold(small_site, tmp_path, capsys):
    """Replay counts pages with the configured dispatch.paging.page_at_or_above: the
    small site's low-priority (P4) CPU warning pages nobody by default, once at P5."""
    args = ["--topology", str(small_site / "topology.yaml"), "--alerts"]
    args.append(str(small_site / "storm.jsonl"))
    assert main(args) == 0
    by_default = {i["root_cause"]: i for i in incidents(capsys.readouterr().out)}
    assert by_default["bru-core-2"]["priority"] == "P4"
    assert by_default["bru-core-2"]["pages"] == 0

    config = tmp_path / "config.yaml"
    config.write_text("dispatch:\n  paging:\n    page_at_or_above: P5\n", encoding="utf-8")
    assert main([*args, "--config", str(config)]) == 0
    everything = {i["root_cause"]: i for i in incidents(capsys.readouterr().out)}
    assert everything["bru-core-2"]["pages"] == 1
    assert everything["bru-dist-1"]["pages"] == by_default["bru-dist-1"]["pages"]


# -- priority and team from the dispatch section --------------------------------------------

MATRIX_MOSTLY_P4 = """\
dispatch:
  priority_matrix:
    high: {high: P1, medium: P4, low: P4}
    medium: {high: P4, medium: P4, low: P4}
    low: {high: P4, medium: P4, low: P4}
"""


def test_priority_follows_the_configured_matrix(tmp_path, topology, capsys):
    """A changed dispatch.priority_matrix changes the replayed priority, and the pages with it."""
    # the second line, past the opening hold, lets the first incident be announced (paged)
    alerts = write(
        tmp_path, [line(0, nagios_host("web-01"), "p1"), line(200, nagios_host("x"), "p2")]
    )
    args = ["--topology", str(topology), "--alerts", str(alerts)]
    assert main(args) == 0
    by_default, _ = incidents(capsys.readouterr().out)
    assert by_default["priority"] == "P2", by_default["priority_reason"]
    assert by_default["pages"] == 1

    config = tmp_path / "config.yaml"
    config.write_text(MATRIX_MOSTLY_P4, encoding="utf-8")
    assert main([*args, "--config", str(config)]) == 0
    configured, _ = incidents(capsys.readouterr().out)
    assert configured["priority"] == "P4"
    assert configured["priority_reason"].endswith("= P4")
    assert configured["pages"] == 0  # below the default paging threshold (P3)


def test_team_follows_the_configured_routing_rules(tmp_path, topology, capsys):
    """A dispatch.routing rule overrides the root node's team in the replay, as in the daemon."""
    alerts = write(
        tmp_path, [line(0, nagios_host("web-01"), "p1"), line(5, nagios_host("x"), "p2")]
    )
    args = ["--topology", str(topology), "--alerts", str(alerts)]
    assert main(args) == 0
    assert [i["team"] for i in incidents(capsys.readouterr().out)] == ["systems", "service-desk"]

    config = tmp_path / "config.yaml"
    config.write_text(
        "dispatch:\n  default_team: noc\n  routing:\n    - {kind: vm, team: hosting}\n",
        encoding="utf-8",
    )
    assert main([*args, "--config", str(config)]) == 0
    assert [i["team"] for i in incidents(capsys.readouterr().out)] == ["hosting", "noc"]


def test_titles_count_in_words_and_name_hosts_outside_the_topology(tmp_path, topology, capsys):
    """Titles say "1 alert on 1 node", and an unplaced host "1 alert, not in the topology"."""
    alerts = write(
        tmp_path,
        [
            line(0, nagios_host("web-01"), "p1"),
            line(1, nagios_host("printer-07"), "p2"),
            line(500, nagios_host("web-01", "UP", "RECOVERY"), "p3"),
            line(2000, nagios_host("sw"), "p4"),
            line(2001, nagios_host("db-01"), "p5"),
        ],
    )
    assert main(["--topology", str(topology), "--alerts", str(alerts)]) == 0
    titles = {i["events"][0]: i["title"] for i in incidents(capsys.readouterr().out)}
    assert titles["p1"] == "web-01 down: 1 alert on 1 node"
    assert titles["p2"] == "printer-07 down: 1 alert, not in the topology"
    assert titles["p4"] == "sw down: 2 alerts on 2 nodes"


def test_a_warning_only_incident_is_degraded_not_down(tmp_path, topology, capsys):
    """An incident of warnings only is titled "degraded"; a critical alert makes it "down"."""
    warning = {
        "NOTIFICATIONTYPE": "PROBLEM",
        "HOSTNAME": "db-01",
        "SERVICEDESC": "CPU",
        "SERVICESTATE": "WARNING",
        "SERVICESTATETYPE": "HARD",
        "SERVICEOUTPUT": "CPU load 92%",
    }
    alerts = write(tmp_path, [line(0, warning, "w1")])
    assert main(["--topology", str(topology), "--alerts", str(alerts)]) == 0
    (found,) = incidents(capsys.readouterr().out)
    assert found["title"] == "db-01 degraded: 1 alert on 1 node"

    critical = {**warning, "SERVICESTATE": "CRITICAL", "SERVICEOUTPUT": "CPU load 100%"}
    alerts = write(tmp_path, [line(0, warning, "w1"), line(60, critical, "c1")])
    assert main(["--topology", str(topology), "--alerts", str(alerts)]) == 0
    (found,) = incidents(capsys.readouterr().out)
    assert found["title"] == "db-01 down: 1 alert on 1 node"
