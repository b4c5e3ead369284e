"""The storm generator is realistic and honest, and the metrics count what they claim to."""

from __future__ import annotations

import importlib
import json
import re
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import generator as gen
from scenarios import metrics as met
from scenarios.metrics import alerts_of

ID_RE = re.compile(r"[A-Za-z0-9._:-]+")
NAGIOS_TYPES = {
    "PROBLEM", "RECOVERY", "ACKNOWLEDGEMENT", "FLAPPINGSTART", "FLAPPINGSTOP",
    "FLAPPINGDISABLED", "DOWNTIMESTART", "DOWNTIMEEND", "DOWNTIMECANCELLED", "CUSTOM",
}  # fmt: skip
ZABBIX_KEYS = {
    "event_id", "event_value", "event_update_status", "event_ack", "event_severity",
    "event_name", "event_tags", "event_date", "event_time", "recovery_id", "host",
    "host_name", "host_ip", "trigger_id", "trigger_name", "proxy",
}  # fmt: skip
PRTG_KEYS = {
    "device", "deviceid", "sensor", "sensorid", "status", "down", "message", "datetime",
    "priority", "group", "probe", "host", "home", "lastvalue",
}  # fmt: skip
AM_KEYS = {
    "status", "groupKey", "receiver", "groupLabels", "commonLabels", "commonAnnotations",
    "externalURL", "alerts", "version",
}  # fmt: skip


def is_problem(line: dict[str, Any]) -> bool:
    return any(a["problem"] for a in alerts_of(line))


def truth_by_event(scenario: gen.Scenario) -> dict[str, list[gen.TrueIncident]]:
    out: dict[str, list[gen.TrueIncident]] = {}
    for t in scenario.truth:
        for e in t.event_ids:
            out.setdefault(e, []).append(t)
    return out


@pytest.fixture(scope="module")
def storms() -> list[gen.Scenario]:
    """A small corpus of storms on ~150 and ~1,500 nodes."""
    return [gen.storm(seed, nodes=150) for seed in range(6)] + [
        gen.storm(seed, nodes=1500) for seed in (0, 1)
    ]


@pytest.fixture(scope="module")
def corpus(storms: list[gen.Scenario]) -> list[gen.Scenario]:
    """Storms plus ordinary mixed days and noise-heavy scenarios."""
    return (
        storms
        + [gen.mixed(seed) for seed in range(4)]
        + [gen.noise_heavy(seed) for seed in range(3)]
    )


# -- determinism and validity ---------------------------------------------------------------


def test_same_seed_gives_the_same_scenario() -> None:
    """A seed fixes topology, lines and truth byte for byte; another seed changes them."""
    a, b, c = gen.storm(11), gen.storm(11), gen.storm(12)
    assert a.topology_yaml() == b.topology_yaml()
    assert a.alerts_jsonl() == b.alerts_jsonl()
    assert a.truth == b.truth
    assert a.alerts_jsonl() != c.alerts_jsonl()


def test_topology_loads_with_the_project_loader(storms: list[gen.Scenario], tmp_path: Path) -> None:
    """Every generated topology is valid native YAML for topology.load (or passes our own checks)."""
    try:
        load_topology = importlib.import_module("topology.load").load_topology
    except ImportError:  # the loader is another module's job; our own checks still apply
        load_topology = None
    for n, s in enumerate(storms[:3] + storms[-1:]):
        topo, _ = s.write(tmp_path / str(n))
        structural_check(s.topology)
        if load_topology is not None:
            loaded = load_topology(topo)
            assert len(loaded.nodes) == len(s.topology["nodes"])


def structural_check(topology: dict[str, Any]) -> None:
    """Ids unique and well-formed, dependencies known, no monitored_as entry claimed twice."""
    assert topology["version"] == 1
    ids = [n["id"] for n in topology["nodes"]]
    assert len(ids) == len(set(ids))
    known = set(ids)
    claims: dict[str, str] = {}
    allowed = {
        "id",
        "kind",
        "team",
        "site",
        "criticality",
        "tags",
        "runbook",
        "monitored_as",
        "depends_on",
    }
    for node in topology["nodes"]:
        assert set(node) <= allowed
        assert ID_RE.fullmatch(node["id"])
        assert 1 <= node.get("criticality", 3) <= 5
        for dep in node.get("depends_on", []):
            members = dep["any_of"] if isinstance(dep, dict) else [dep]
            assert members, node["id"]
            assert set(members) <= known, (node["id"], members)
        for entry in node.get("monitored_as", []):
            host, sep, check = entry.partition("!")
            assert host, entry
            assert not sep or check, entry
            key = f"{host.lower()}!{check.lower()}" if sep else host.lower()
            assert claims.setdefault(key, node["id"]) == node["id"], entry


def test_topology_is_a_realistic_enterprise() -> None:
    """Sites with PDU pairs, redundant cores, dual-homed hypervisors, probes, WAN links, services."""
    s = gen.storm(3, nodes=1500)
    nodes = {n["id"]: n for n in s.topology["nodes"]}
    kinds = Counter(n["kind"] for n in nodes.values())
    for kind in ("power", "link", "switch", "router", "firewall", "storage", "hypervisor",
                 "vm", "host", "database", "application", "service", "probe"):  # fmt: skip
        assert kinds[kind] > 0, kind
    assert all("monitored_as" not in n for n in nodes.values() if n["kind"] in ("power", "service"))
    links = [n for n in nodes.values() if n["kind"] == "link"]
    assert any("monitored_as" not in n for n in links), "some WAN links are unmonitored"

    def groups(n: dict[str, Any]) -> list[list[str]]:
        return [d["any_of"] if isinstance(d, dict) else [d] for d in n.get("depends_on", [])]

    dists = [n for n in nodes.values() if re.search(r"-dist-\d+$", n["id"])]
    assert dists
    assert all(any(len(g) == 2 and all("-core-" in m for m in g) for g in groups(d)) for d in dists)
    hyps = [n for n in nodes.values() if n["kind"] == "hypervisor"]
    dual = [
        h for h in hyps if any(len(g) == 2 and all("-dist-" in m for m in g) for g in groups(h))
    ]
    assert 0.6 < len(dual) / len(hyps) < 0.95, "most hypervisors are dual-homed, not all"
    assert all(any(nodes[g[0]]["kind"] == "storage" for g in groups(h)) for h in hyps)
    sans = [n for n in nodes.values() if n["kind"] == "storage"]
    assert all(nodes[m]["kind"] == "power" for n in sans for g in groups(n) for m in g)
    probes = [n for n in nodes.values() if n["kind"] == "probe" and n["site"] != "hq"]
    assert probes
    for p in probes:
        deps = [m for g in groups(p) for m in g]
        assert {nodes[m]["kind"] for m in deps} == {"switch", "link"}
    services = [n for n in nodes.values() if n["kind"] == "service"]
    assert all(n["criticality"] in (1, 2) for n in services)
    cross_site = [
        n for n in services
        if any(len({nodes[m]["site"] for m in g}) > 1 for g in groups(n))
    ]  # fmt: skip
    assert cross_site, "global services depend on any_of across sites"
    apps = [
        n
        for n in nodes.values()
        if n["kind"] in ("application", "database") and "monitored_as" in n
    ]
    assert apps
    assert all("!" in e for n in apps for e in n["monitored_as"])
    teams = {n["kind"]: n.get("team", "service-desk") for n in nodes.values()}
    assert teams["power"] == "facilities"
    assert teams["switch"] == "network"
    assert teams["probe"] == "monitoring"


@pytest.mark.parametrize(
    ("target", "low", "high"), [(150, 100, 230), (1500, 1200, 1800), (15000, 12500, 17500)]
)
def test_world_size_scales(target: int, low: int, high: int) -> None:
    """The enterprise has about the number of nodes asked for."""
    world = gen.build_world(5, target)
    assert low <= len(world.nodes) <= high


def test_lines_are_well_formed(corpus: list[gen.Scenario]) -> None:
    """Replay lines: unique ids, sorted by ``at``, known sources, observer only for Nagios/Icinga."""
    for s in corpus:
        ids = [line["id"] for line in s.lines]
        assert len(ids) == len(set(ids))
        ats = [line["at"] for line in s.lines]
        assert ats == sorted(ats)
        for line in s.lines:
            assert set(line) <= {"at", "source", "id", "payload", "observer"}
            assert line["source"] in gen.TOOLS
            if "observer" in line:
                assert line["source"] in ("nagios", "icinga")
            check_payload_shape(line)
        json.loads(s.alerts_jsonl().splitlines()[0])


def check_payload_shape(line: dict[str, Any]) -> None:
    """The fields specs/ingest-formats.md requires, in each tool's own shape."""
    p = line["payload"]
    src = line["source"]
    if src == "nagios":
        assert p["NOTIFICATIONTYPE"] in NAGIOS_TYPES
        assert "HOSTNAME" in p
        assert ("SERVICESTATE" in p) if "SERVICEDESC" in p else ("HOSTSTATE" in p)
        assert all(isinstance(v, str) for v in p.values())
    elif src == "icinga":
        assert p["type"] in {"StateChange", "Notification", "AcknowledgementSet", "DowntimeStarted",
                             "DowntimeRemoved", "Flapping"}  # fmt: skip
        if p["type"].startswith("Downtime"):
            assert "host_name" in p["downtime"]
        else:
            assert "host" in p
            assert "timestamp" in p
        if p["type"] == "StateChange":
            assert p["state_type"] in (0, 1)
            assert "output" in p["check_result"]
    elif src == "zabbix":
        assert set(p) == ZABBIX_KEYS
        assert all(isinstance(v, str) for v in p.values())
        assert p["event_value"] in ("0", "1")
        json.loads(p["event_tags"])
    elif src == "prtg":
        assert set(p) == PRTG_KEYS
        assert set(p["priority"]) == {"*"}
    else:
        assert set(p) >= AM_KEYS
        assert p["version"] == "4"
        for a in p["alerts"]:
            assert a["status"] in ("firing", "resolved")
            assert {"alertname", "instance", "severity", "prometheus"} <= set(a["labels"])
            assert a["startsAt"].endswith("Z")
            assert re.fullmatch(r"[0-9a-f]{16}", a["fingerprint"])


def test_truth_covers_exactly_the_problem_events(corpus: list[gen.Scenario]) -> None:
    """Every problem event belongs to a true incident; recoveries and notices to none."""
    for s in corpus:
        problems = {line["id"] for line in s.lines if is_problem(line)}
        assert problems == s.problem_event_ids()
        assert all(t.event_ids for t in s.truth)


def test_problem_events_are_placed_on_their_incident(
    corpus: list[gen.Scenario], tmp_path: Path
) -> None:
    """By the topology rules, each problem alert lands on a node of its true incident."""
    place = pytest.importorskip("topology.load").load_topology
    for n, s in enumerate(corpus):
        topo, _ = s.write(tmp_path / str(n))
        topology = place(topo)
        truths = truth_by_event(s)
        for line in s.lines:
            found = [a for a in alerts_of(line) if a["problem"]]
            if not found:
                continue
            placed = {topology.place(a["host"], a["check"], a["address"]).node for a in found}
            for t in truths[line["id"]]:
                if t.root is None:
                    assert None in placed, line
                else:
                    assert placed & set(t.nodes), (t.kind_of_fault, t.root, line)


# -- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [*gen.FAULT_KINDS, *gen.OTHER_KINDS])
def test_each_kind_can_be_generated(kind: str) -> None:
    """single_fault gives exactly one true incident of that kind, with problem events."""
    for seed in range(3):
        s = gen.single_fault(seed, kind)
        assert [t.kind_of_fault for t in s.truth] == [kind]
        assert s.truth[0].event_ids


def test_redundancy_member_alone_explains_nothing_above() -> None:
    """Losing one member of a pair raises alerts on that member only."""
    for seed in range(8):
        t = gen.single_fault(seed, "redundant-member").truth[0]
        assert t.nodes == (t.root,)
        assert not t.inferred


def test_core_pair_is_rooted_at_one_member_and_shows_both() -> None:
    """Both cores lost: root is a core, both cores alert, and nodes above alert too.

    (An HQ pair takes HQ's routers and so every WAN link with it: branch cores then show up
    too, through their blinded probes.)"""
    for seed in range(4):
        t = gen.single_fault(seed, "core-pair").truth[0]
        assert t.root is not None
        assert "-core-" in t.root
        site = t.root.split("-core-")[0]
        cores = [n for n in t.nodes if n.startswith(f"{site}-core-")]
        assert len(cores) == 2
        assert len(t.nodes) > 10


def test_unmonitored_roots_are_inferred() -> None:
    """PDU failures are always inferred; WAN link failures mostly (sometimes HQ watches the link)."""
    assert all(gen.single_fault(seed, "pdu-down").truth[0].inferred for seed in range(6))
    wan = [gen.single_fault(seed, "wan-down").truth[0] for seed in range(10)]
    assert any(t.inferred for t in wan)
    for t in wan:
        assert t.root is not None
        assert t.root.endswith("-wan")
        assert t.equivalent_roots == (t.root.replace("-wan", "-rtr-1"),)


def test_pdu_failure_shows_two_unrelated_alerting_nodes() -> None:
    """A PDU is only named when two of its fed nodes alert, neither explaining the other."""
    for seed in range(6):
        t = gen.single_fault(seed, "pdu-down").truth[0]
        assert len(t.nodes) >= 2
        assert t.root not in t.nodes


def test_probe_failure_is_seen_only_through_that_probe(tmp_path: Path) -> None:
    """A probe losing its path: the watched hosts alert only via that probe, other observers stay quiet."""
    for seed in range(6):
        s = gen.single_fault(seed, "probe")
        t = s.truth[0]
        assert t.watched
        assert t.root not in t.watched
        wanted = dict.fromkeys(t.event_ids)
        observers = Counter()
        for line in s.lines:
            if line["id"] not in wanted:
                continue
            for a in alerts_of(line):
                if a["problem"]:
                    observers[(a["observer"] or "").lower()] += 1
        # most events come from the probe itself; the rest are the server's view of it
        top, count = observers.most_common(1)[0]
        assert top == str(t.root), observers
        assert count >= 0.6 * sum(observers.values())


def test_gray_failure_root_only_warns() -> None:
    """A gray failure's root raises warnings, not hard failures, while dependents may fail hard."""
    seen_hard_above = False
    for seed in range(10):
        s = gen.single_fault(seed, "gray")
        t = s.truth[0]
        ids = set(t.event_ids)
        for line in s.lines:
            if line["id"] not in ids:
                continue
            p = line["payload"]
            text = json.dumps(p)
            if t.root is not None and (t.root in text or t.root.upper() in text):
                if line["source"] == "nagios":
                    assert p.get("SERVICESTATE", "WARNING") in ("WARNING", "CRITICAL")
                    assert p.get("HOSTSTATE") != "DOWN"
            elif "CRITICAL" in text:
                seen_hard_above = True
    assert seen_hard_above


def test_storage_latency_spreads_slowly() -> None:
    """Storage latency reaches dependents over 10-30 minutes and stays one true incident."""
    spreads = []
    for seed in range(6):
        s = gen.single_fault(seed, "storage-latency")
        t = s.truth[0]
        at = {line["id"]: line["at"] for line in s.lines}
        times = sorted(at[e] for e in t.event_ids)
        spreads.append(times[-1] - times[0])
        assert len(s.truth) == 1
    assert max(spreads) >= 600


def test_maintenance_is_announced_before_its_alerts(tmp_path: Path) -> None:
    """A downtime notice for the root host precedes the maintenance incident's problem events."""
    load = pytest.importorskip("topology.load").load_topology
    for seed in range(5):
        s = gen.single_fault(seed, "maintenance")
        topology = load(s.write(tmp_path / str(seed))[0])
        t = s.truth[0]
        assert t.maintenance
        first = min(line["at"] for line in s.lines if line["id"] in set(t.event_ids))
        notices = [
            line for line in s.lines
            if line["payload"].get("NOTIFICATIONTYPE") == "DOWNTIMESTART"
            or line["payload"].get("type") == "DowntimeStarted"
        ]  # fmt: skip
        assert notices
        assert min(n["at"] for n in notices) < first

        def host_of(p: dict[str, Any], topology: Any = topology) -> str | None:
            if "HOSTNAME" in p:
                return topology.place(p["HOSTNAME"], None, p.get("HOSTADDRESS")).node
            return topology.place(p["downtime"]["host_name"]).node

        assert t.root in {host_of(n["payload"]) for n in notices}
        silenced = [
            line for line in s.lines
            if line["source"] == "nagios" and line["payload"]["NOTIFICATIONTYPE"] == "PROBLEM"
            and host_of(line["payload"]) == t.root
        ]  # fmt: skip
        assert not silenced, "Nagios sends no problem notifications during a downtime"


def test_flapping_is_one_incident_with_several_cycles() -> None:
    """A flapping check: one true incident, several problem events of one alert, recoveries between."""
    for seed in range(6):
        s = gen.single_fault(seed, "flapping")
        t = s.truth[0]
        keys = set()
        for line in s.lines:
            if line["id"] in set(t.event_ids):
                keys |= {a["key"] for a in alerts_of(line)}
        assert len(keys) == 1
        recoveries = [line for line in s.lines if alerts_of(line) and not is_problem(line)]
        assert len(t.event_ids) >= 2 or recoveries


def test_noise_never_lands_on_a_node_a_concurrent_fault_affects(storms: list[gen.Scenario]) -> None:
    """Independent noise is its own incident and avoids nodes already failing at the time."""
    for s in storms:
        at = {line["id"]: line["at"] for line in s.lines}
        failures = [t for t in s.truth if t.kind_of_fault in gen.FAULT_KINDS]
        for noise in s.by_kind("noise"):
            assert len({a for e in noise.event_ids for a in [at[e]]}) >= 1
            start = min(at[e] for e in noise.event_ids)
            for f in failures:
                lo = min(at[e] for e in f.event_ids) - 600
                hi = max(at[e] for e in f.event_ids) + 1800
                if lo <= start <= hi:
                    assert noise.root not in f.nodes


def test_realism_features_all_occur(corpus: list[gen.Scenario]) -> None:
    """Across a corpus: UNREACHABLE (also as a late change), paused by dependency, soft states,
    grouped Alertmanager bodies, literal Zabbix macros, PRTG "ended", FQDN/upper/address host
    names, re-notifications, acknowledgements, queued (out-of-order) notifications."""
    seen: Counter[str] = Counter()
    for s in corpus:
        problem_keys: Counter[tuple[Any, ...]] = Counter()
        for line in s.lines:
            p = line["payload"]
            src = line["source"]
            if src == "nagios":
                if p.get("HOSTSTATE") == "UNREACHABLE":
                    seen["unreachable"] += 1
                    if p["HOSTPROBLEMID"] == "0":
                        seen["down-to-unreachable"] += 1
                if p["NOTIFICATIONTYPE"] == "ACKNOWLEDGEMENT":
                    seen["ack"] += 1
                if int(p["TIMET"]) > line["at"] + 5 or int(p["TIMET"]) < line["at"] - 9:
                    seen["queued"] += 1
            if src == "prtg":
                seen["paused"] += p["status"] == "Paused by Dependency"
                seen["ended"] += "ended (now: Up)" in p["status"]
                seen["upper"] += p["device"].isupper()
                seen["address"] += bool(re.fullmatch(r"[\d.]+", p["device"]))
            if src == "icinga" and p.get("state_type") == 0:
                seen["soft"] += 1
            if src == "zabbix" and p["recovery_id"] == "{EVENT.RECOVERY.ID}":
                seen["macro"] += 1
            if src == "alertmanager" and len(p["alerts"]) > 1:
                seen["grouped"] += 1
            for a in alerts_of(line):
                if "." in a["host"] and not re.fullmatch(r"[\d.]+", a["host"]):
                    seen["fqdn"] += 1
                if a["problem"]:
                    problem_keys[(line["source"], a["key"])] += 1
        seen["renotified"] += sum(1 for n in problem_keys.values() if n > 1)
    for feature in ("unreachable", "down-to-unreachable", "ack", "queued", "paused", "ended",
                    "upper", "address", "soft", "macro", "grouped", "fqdn", "renotified"):  # fmt: skip
        assert seen[feature] > 0, (feature, seen)


def test_symptoms_often_arrive_before_their_cause(storms: list[gen.Scenario]) -> None:
    """In some failures the root's first alert is not the first alert of the incident."""
    late_roots = 0
    failures = 0
    for s in storms:
        at = {line["id"]: line for line in s.lines}
        for t in s.truth:
            if t.kind_of_fault not in ("dist-down", "hypervisor-down", "san-down", "access-down"):
                continue
            failures += 1
            lines = sorted((at[e] for e in t.event_ids), key=lambda line: line["at"])
            first_text = json.dumps(lines[0]["payload"])
            if t.root and t.root not in first_text and t.root.upper() not in first_text:
                late_roots += 1
    assert failures
    assert late_roots > 0


def test_detection_delays_are_those_of_the_tools(storms: list[gen.Scenario]) -> None:
    """No alert precedes its failure; the first alert of a failure comes within minutes."""
    for s in storms:
        at = {line["id"]: line["at"] for line in s.lines}
        for t in s.truth:
            if t.kind_of_fault not in gen.FAULT_KINDS:
                continue
            first = min(at[e] for e in t.event_ids)
            assert first >= t.started_at
            assert first - t.started_at < 1200, t


def test_detection_delay_ranges_per_tool() -> None:
    """First alert of each check after a hypervisor fails: tools have their own delays."""
    delays: dict[str, list[float]] = {}
    for seed in range(12):
        s = gen.single_fault(seed, "hypervisor-down", nodes=1500)
        t = s.truth[0]
        ids = set(t.event_ids)
        first: dict[tuple[Any, ...], float] = {}
        for line in s.lines:
            if line["id"] not in ids:
                continue
            for a in alerts_of(line):
                if a["problem"]:
                    first.setdefault((line["source"], a["key"]), line["at"] - t.started_at)
        for (source, _key), delay in first.items():
            delays.setdefault(source, []).append(delay)
    medians = {tool: sorted(ds)[len(ds) // 2] for tool, ds in delays.items()}
    assert set(medians) == set(gen.TOOLS), medians
    for tool, median in medians.items():
        assert 30 <= median <= 600, (tool, median)
    assert medians["prtg"] < medians["nagios"], medians  # 60-120 s vs 60-300 s and retries
    assert medians["zabbix"] < medians["alertmanager"], medians  # Prometheus for: + group_wait


# -- metrics on hand-made inputs -------------------------------------------------------------


def ti(root: str | None, events: str, kind: str = "dist-down", **kw: Any) -> gen.TrueIncident:
    return gen.TrueIncident(root=root, inferred=kw.pop("inferred", False), event_ids=tuple(events.split()),
                            kind_of_fault=kind, **kw)  # fmt: skip


def inc(
    n: int, root: str | None, events: str, pages: int = 1, inferred: bool = False
) -> dict[str, Any]:
    return {"id": f"INC-{n}", "root_cause": root, "root_cause_inferred": inferred,
            "events": events.split(), "pages": pages}  # fmt: skip


def test_metrics_perfect_output_scores_one() -> None:
    """An output identical to the truth scores 1 everywhere."""
    truth = [ti("a", "e1 e2 e3"), ti("b", "e4 e5"), ti("c", "e6", kind="noise")]
    m = met.evaluate(met.oracle_incidents(truth), truth)
    assert (m.root_accuracy, m.precision, m.recall, m.f1, m.one_incident_rate) == (1, 1, 1, 1, 1)
    assert m.incidents == 3
    assert m.problem_events == 6
    assert m.reduction == 0.5
    assert m.inferred_recall is None
    assert m.missing_events == 0


def test_metrics_pair_counts_by_hand() -> None:
    """Truth {1,2,3},{4,5}; output {1,2},{3,4,5}: 4 true pairs, 4 output pairs, 2 shared."""
    truth = [ti("a", "e1 e2 e3"), ti("b", "e4 e5")]
    out = [inc(1, "a", "e1 e2 r9"), inc(2, "b", "e3 e4 e5")]  # r9: a recovery, ignored
    m = met.evaluate(out, truth)
    assert (m.precision, m.recall) == (0.5, 0.5)
    assert m.f1 == 0.5
    assert m.root_accuracy == 1.0  # a: majority {e1,e2} rooted a; b: majority rooted b
    assert m.one_incident_rate == 0.5  # only b sits whole in one incident


def test_metrics_everything_in_one_incident() -> None:
    """Lumping everything together: recall 1, poor precision, one root right at most."""
    truth = [ti("a", "e1 e2"), ti("b", "e3 e4"), ti("c", "e5 e6")]
    m = met.evaluate([inc(1, "a", "e1 e2 e3 e4 e5 e6")], truth)
    assert m.recall == 1.0
    assert m.precision == pytest.approx(3 / 15)
    assert m.root_accuracy == pytest.approx(1 / 3)


def test_metrics_singletons_and_missing_events() -> None:
    """One incident per event has no recall; events in no incident are counted as missing."""
    truth = [ti("a", "e1 e2 e3")]
    m = met.evaluate([inc(1, "a", "e1"), inc(2, "x", "e2")], truth)
    assert m.recall == 0.0
    assert m.f1 == 0.0
    assert m.precision == 1.0
    assert m.missing_events == 1
    assert not m.faults[0].one_incident


def test_metrics_majority_ties_go_to_the_first_incident_and_equivalents_count() -> None:
    """Ties pick the incident opened first; an equivalent root counts as right."""
    truth = [ti("wan", "e1 e2", equivalent_roots=("rtr",))]
    m = met.evaluate([inc(1, "rtr", "e1"), inc(2, "wan", "e2")], truth)
    assert m.faults[0].majority is not None
    assert m.faults[0].majority["id"] == "INC-1"
    assert m.root_accuracy == 1.0
    m = met.evaluate([inc(1, "core", "e1"), inc(2, "wan", "e2")], truth)
    assert m.root_accuracy == 0.0


def test_metrics_inferred_recall_needs_the_inferred_flag_on_the_true_root() -> None:
    """Naming an inferred root counts only when the output marks it inferred."""
    truth = [ti("pdu", "e1 e2", inferred=True), ti("web", "e3")]
    assert (
        met.evaluate(
            [inc(1, "pdu", "e1 e2", inferred=True), inc(2, "web", "e3")], truth
        ).inferred_recall
        == 1.0
    )
    assert (
        met.evaluate(
            [inc(1, "pdu", "e1 e2", inferred=False), inc(2, "web", "e3")], truth
        ).inferred_recall
        == 0.0
    )
    assert (
        met.evaluate(
            [inc(1, "core", "e1 e2", inferred=True), inc(2, "web", "e3")], truth
        ).inferred_recall
        == 0.0
    )


def test_metrics_pages_and_incident_lists_per_fault() -> None:
    """Each fault reports the incidents holding its events and their pages."""
    truth = [ti("vm", "e1 e2", kind="maintenance", maintenance=True)]
    m = met.evaluate([inc(1, "vm", "e1", pages=0), inc(2, "vm", "e2", pages=1)], truth)
    assert m.faults[0].incidents == ("INC-1", "INC-2")
    assert m.faults[0].pages == 1


def brute_force(
    labels_t: dict[str, set[int]], labels_o: dict[str, set[Any]]
) -> tuple[int, int, int]:
    t = o = b = 0
    for x, y in combinations(sorted(labels_t), 2):
        st_ = bool(labels_t[x] & labels_t[y])
        so = bool(labels_o[x] & labels_o[y])
        t += st_
        o += so
        b += st_ and so
    return t, o, b


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sets(st.integers(0, 4), min_size=1, max_size=2),
            st.sets(st.integers(0, 4), max_size=2),
        ),
        min_size=1,
        max_size=14,
    )
)
def test_metrics_pair_counting_matches_brute_force(items: list[tuple[set[int], set[int]]]) -> None:
    """Exact pair counting holds with events in several incidents on either side (Alertmanager bodies)."""
    truth_sets: dict[int, list[str]] = {}
    out_sets: dict[int, list[str]] = {}
    for n, (ts, os_) in enumerate(items):
        for k in ts:
            truth_sets.setdefault(k, []).append(f"e{n}")
        for j in os_:
            out_sets.setdefault(j, []).append(f"e{n}")
    truth = [ti(f"r{k}", " ".join(v)) for k, v in sorted(truth_sets.items())]
    out = [inc(j, f"r{j}", " ".join(v)) for j, v in sorted(out_sets.items())]
    m = met.evaluate(out, truth)
    lt = {f"e{n}": ts for n, (ts, _o) in enumerate(items)}
    lo = {f"e{n}": (os_ or {("missing", n)}) for n, (_t, os_) in enumerate(items)}
    t, o, b = brute_force(lt, lo)
    assert m.recall == pytest.approx(b / t if t else 1.0)
    assert m.precision == pytest.approx(b / o if o else 1.0)


# -- the quality tests' plumbing, with fake replays -------------------------------------------


def fake_main(scenario: gen.Scenario, make: Any) -> Any:
    """A stand-in for correlator.replay.main that checks its arguments and writes ``make(truth)``."""

    def main(argv: list[str]) -> int:
        args = dict(zip(argv[::2], argv[1::2], strict=True))
        assert set(args) == {"--topology", "--alerts", "--out"}
        lines = Path(args["--alerts"]).read_text().splitlines()
        assert len(lines) == len(scenario.lines)
        assert Path(args["--topology"]).read_text().startswith("version: 1")
        incidents = make(scenario.truth)
        Path(args["--out"]).write_text("".join(json.dumps(i) + "\n" for i in incidents))
        return 0

    return main


def test_plumbing_oracle_replay_clears_the_bar(tmp_path: Path) -> None:
    """The quality-test plumbing passes a perfect replay through to a clean bill."""
    s = gen.storm(2)
    incidents = met.replay(fake_main(s, met.oracle_incidents), s, tmp_path)
    m = met.evaluate(incidents, s.truth)
    assert met.shortfalls(m, incidents, storm=True) == [], m.report()
    assert m.f1 == 1.0
    assert m.root_accuracy == 1.0


def test_plumbing_flags_a_replay_that_does_not_correlate(tmp_path: Path) -> None:
    """One incident per event fails F1 and the incident ratio; the messages say so."""
    s = gen.storm(2)

    def singletons(truth: list[gen.TrueIncident]) -> list[dict[str, Any]]:
        events = sorted({e for t in truth for e in t.event_ids}, key=lambda e: int(e[1:]))
        return [inc(n, None, e) for n, e in enumerate(events)]

    incidents = met.replay(fake_main(s, singletons), s, tmp_path)
    m = met.evaluate(incidents, s.truth)
    problems = met.shortfalls(m, incidents, storm=True)
    assert any("F1" in p for p in problems)
    assert any("incidents for" in p for p in problems)
    assert any("root-cause accuracy" in p for p in problems)


def test_plumbing_flags_pages_for_watched_hosts_maintenance_and_flapping() -> None:
    """Special cases: paging for a blinded probe's hosts, paging maintenance, split flapping."""
    truth = [
        ti("fra-prtg01", "e1 e2 e3", kind="probe", inferred=True, watched=("web-1", "db-1")),
        ti("vm-7", "e4 e5", kind="maintenance", maintenance=True),
        ti("app-2", "e6 e7 e8", kind="flapping"),
    ]
    good = [
        inc(1, "fra-prtg01", "e1 e2 e3", pages=1, inferred=True),
        inc(2, "vm-7", "e4 e5", pages=0),
        inc(3, "app-2", "e6 e7 e8", pages=1),
    ]
    assert met.shortfalls(met.evaluate(good, truth), good, storm=False) == []
    bad = [
        inc(1, "fra-prtg01", "e1 e2", pages=1, inferred=True),
        inc(2, "web-1", "e3", pages=1),
        inc(3, "vm-7", "e4 e5", pages=1),
        inc(4, "app-2", "e6 e7", pages=1),
        inc(5, "app-2", "e8", pages=1),
    ]
    problems = met.shortfalls(met.evaluate(bad, truth), bad, storm=False)
    assert any("web-1" in p for p in problems)
    assert any("maintenance paged" in p for p in problems)
    assert any("flapping" in p for p in problems)


def test_plumbing_rejects_a_failing_replay(tmp_path: Path) -> None:
    """A replay that exits non-zero is an error, not an empty result."""
    s = gen.single_fault(0, "vm-down")
    with pytest.raises(AssertionError, match="status 2"):
        met.replay(lambda argv: 2, s, tmp_path)
