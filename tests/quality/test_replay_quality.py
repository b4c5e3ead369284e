"""Correlation quality of ``correlator replay`` on generated storms with known ground truth.

Only the replay contract is used (specs/replay.md): files in, incidents JSONL out. The
storms come from ``tests/scenarios/generator.py``; the figures from
``tests/scenarios/metrics.py``. Run with ``pytest -s`` to see every scenario's figures (they
are in the assertion messages too).

The bar: root-cause accuracy >= 0.95, pairwise F1 >= 0.95, no problem event lost, incidents
<= 5 % of problem events on storms (mixed and noise-heavy days are judged on F1 and root),
inferred roots named, a failed probe as the root with no page for the hosts it watched,
no page under maintenance, a flapping check as one incident paging at most once.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from scenarios import generator as gen
from scenarios import generator_b as genb
from scenarios import generator_c as genc
from scenarios import generator_d as gend
from scenarios import generator_e as gene
from scenarios import generator_f as genf
from scenarios import generator_g as geng
from scenarios import generator_h as genh
from scenarios import generator_i as geni
from scenarios import generator_j as genj
from scenarios import metrics as met


def replay_main() -> Callable[[list[str]], int]:
    """``correlator.replay.main``, looked up when a test runs (a missing replay fails that test)."""
    main: Callable[[list[str]], int] = importlib.import_module("correlator.replay").main
    return main


# (label, factory, judged as a storm)
SCENARIOS: list[tuple[str, Callable[[], gen.Scenario], bool]] = [
    ("storm-150-s1", lambda: gen.storm(1, nodes=150), True),
    ("storm-150-s2", lambda: gen.storm(2, nodes=150), True),
    ("storm-150-s3", lambda: gen.storm(3, nodes=150), True),
    ("storm-150-s4", lambda: gen.storm(4, nodes=150), True),
    ("storm-1500-s1", lambda: gen.storm(1, nodes=1500), True),
    ("storm-1500-s2", lambda: gen.storm(2, nodes=1500), True),
    ("mixed-150-s1", lambda: gen.mixed(1, nodes=150), False),
    ("mixed-150-s2", lambda: gen.mixed(2, nodes=150), False),
    ("mixed-1500-s3", lambda: gen.mixed(3, nodes=1500), False),
    ("noise-150-s1", lambda: gen.noise_heavy(1, nodes=150), False),
    ("noise-1500-s2", lambda: gen.noise_heavy(2, nodes=1500, noise=80), False),
]


# Measured shortfalls of the current engine against the bar (issue 4 stays open until
# they are gone). Strict: the day a case clears the bar, its XPASS fails the run, so the
# entry must be removed. Every case still runs and prints its figures.
BELOW_BAR: dict[str, str] = {
    "storm-1500-s2": "F1 0.999: a host under maintenance shares an Alertmanager body with a "
    "failure's alerts; that failure's incident pages, and the page is counted against the "
    "maintenance too (its own incident pages nobody)",
    "noise-150-s1": "a flapping database check is merged under its host's concurrent CPU "
    "warning, and that incident pages twice",
}


def below_bar(label: str, table: dict[str, str] = BELOW_BAR) -> list[pytest.MarkDecorator]:
    """The strict xfail mark of a case listed in ``table``, else nothing."""
    reason = table.get(label)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def judge(
    scenario: gen.Scenario, tmp_path: Path, *, storm: bool
) -> tuple[met.Metrics, list[dict[str, Any]], list[str]]:
    incidents = met.replay(replay_main(), scenario, tmp_path)
    metrics = met.evaluate(incidents, scenario.truth)
    print(f"\n{scenario.stats}\n{metrics.report()}")
    return metrics, incidents, met.shortfalls(metrics, incidents, storm=storm)


def assert_one_right_incident_each(metrics: met.Metrics, kind: str) -> None:
    """Every fault of ``kind`` (there is one at least) is one incident with its root."""
    faults = [f for f in metrics.faults if f.truth.kind_of_fault == kind]
    assert faults, kind
    for f in faults:
        assert f.root_ok, f.describe()
        assert f.one_incident, f.describe()


@pytest.mark.parametrize(
    ("factory", "storm"),
    [pytest.param(f, s, id=label, marks=below_bar(label)) for label, f, s in SCENARIOS],
)
def test_replay_clears_the_bar(
    factory: Callable[[], gen.Scenario], storm: bool, tmp_path: Path
) -> None:
    """On each generated day, replay clears the quality bar (see the module docstring)."""
    scenario = factory()
    if storm:
        # The bar must be attainable: a perfect correlator clears it on this storm.
        perfect = met.evaluate(met.oracle_incidents(scenario.truth), scenario.truth)
        assert perfect.incident_ratio <= met.Bar().incident_ratio, scenario.stats
    metrics, _incidents, problems = judge(scenario, tmp_path, storm=storm)
    assert not problems, "\n".join([*problems, metrics.report()])


@pytest.mark.parametrize(
    ("seed", "kind"),
    [
        pytest.param(seed, kind, id=f"{seed}-{kind}", marks=below_bar(f"single-{seed}-{kind}"))
        for seed in (0, 1)
        for kind in (*gen.FAULT_KINDS, *gen.OTHER_KINDS)
    ],
)
def test_single_fault_is_one_incident_with_the_right_root(
    kind: str, seed: int, tmp_path: Path
) -> None:
    """One fault alone: exactly one incident, holding all its problem events, with its root."""
    scenario = gen.single_fault(seed, kind)
    (truth,) = scenario.truth
    metrics, incidents, problems = judge(scenario, tmp_path, storm=False)
    report = metrics.report()
    assert len(incidents) == 1, f"{len(incidents)} incidents for one {kind}\n{report}"
    (incident,) = incidents
    assert set(truth.event_ids) <= set(incident["events"]), report
    assert truth.accepts(incident["root_cause"]), report
    if incident["root_cause"] == truth.root:
        assert incident["root_cause_inferred"] is truth.inferred, report
    if kind == "maintenance":
        assert incident["pages"] == 0, report
    if kind == "flapping":
        assert incident["pages"] <= 1, report
    assert not problems, "\n".join([*problems, report])


def test_probe_failure_pages_nobody_for_the_hosts_it_watched(tmp_path: Path) -> None:
    """A probe losing its path during a storm: rooted at the probe, no page for watched hosts."""
    scenario = gen.generate(
        5, nodes=1500, faults=["probe", "probe", "dist-down", "hypervisor-down"], noise=3
    )
    assert len(scenario.by_kind("probe")) == 2
    metrics, incidents, problems = judge(scenario, tmp_path, storm=False)
    probe_reports = [f for f in metrics.faults if f.truth.kind_of_fault == "probe"]
    for f in probe_reports:
        watched = set(f.truth.watched)
        assert f.root_ok, f.describe()
        paged = [
            i for i in met.incidents_with(incidents, f.truth.event_ids)
            if i["root_cause"] in watched and i["pages"]
        ]  # fmt: skip
        assert not paged, f.describe()
    assert not problems, "\n".join([*problems, metrics.report()])


def test_twin_failures_under_a_healthy_upstream_stay_apart(tmp_path: Path) -> None:
    """Two hypervisors failing independently on one healthy SAN are two incidents, not a SAN outage."""
    scenario = gen.generate(7, nodes=1500, faults=[], noise=0, flapping=0, maintenance=0, twins=1,
                            twin_kind="hypervisor")  # fmt: skip
    twins = scenario.by_kind("hypervisor-down")
    assert len(twins) == 2
    metrics, _incidents, problems = judge(scenario, tmp_path, storm=False)
    for f in metrics.faults:
        assert f.root_ok, f.describe()
        assert f.majority is not None
        assert f.share >= 0.95, f.describe()
    majors = {id(f.majority) for f in metrics.faults}
    assert len(majors) == 2, metrics.report()
    assert not problems, "\n".join([*problems, metrics.report()])


def _bench_stream_start() -> gen.Scenario:
    """The first 2,000 lines of the 150-node stream `bench/correlate.py` replays: a branch
    whose PRTG probe reports its own trouble while confirming the site Nagios's hosts, two
    probes whose blindness depends on each other (which one was judged first used to
    decide the incidents, and that order followed the hash seed)."""
    stream = gen.generate(
        1,
        nodes=150,
        faults=218,
        weights=gen.STORM_WEIGHTS,
        noise=109,
        flapping=18,
        maintenance=18,
        hours=218.4,
    )
    return gen.Scenario(stream.seed, stream.topology, stream.lines[:2000], [], {})


@pytest.mark.parametrize(
    "factory",
    [
        pytest.param(lambda: gen.storm(1, nodes=1500), id="storm-1500-s1"),
        pytest.param(lambda: gen.mixed(2, nodes=150), id="mixed-150-s2"),
        pytest.param(lambda: genb.storm(3), id="b-storm-800-s3"),
        pytest.param(lambda: genb.day(4), id="b-day-600-s4"),
        pytest.param(_bench_stream_start, id="bench-150-first-2000"),
    ],
)
def test_replay_output_does_not_depend_on_the_hash_seed(
    factory: Callable[[], gen.Scenario], tmp_path: Path
) -> None:
    """Two `correlator replay` processes with different hash seeds (so different set orders)
    write the same incidents and the same --explain lines, byte for byte."""
    topology, alerts = factory().write(tmp_path)
    outputs = []
    for seed in ("0", "2"):  # two seeds that ordered the bench stream's probes differently
        out = tmp_path / f"incidents-{seed}.jsonl"
        done = subprocess.run(
            [sys.executable, "-m", "correlator", "replay", "--topology", str(topology),
             "--alerts", str(alerts), "--out", str(out), "--explain"],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        outputs.append((out.read_bytes(), done.stderr))
    assert outputs[0][0]
    assert outputs[0] == outputs[1]


def test_a_prometheus_reporting_one_of_its_own_hosts_down_is_still_the_root(
    tmp_path: Path,
) -> None:
    """A Prometheus server (replicas on two Kubernetes hosts) stops scraping: every
    target turns TargetDown, one of its own hosts among them, and minutes later it says
    it ingests nothing. That host is down only in the word of the blinded server, not a
    member of the host pair seen down with the other one's alert missed: the root stays
    the Prometheus server (generator H, single prometheus-down, seed 20)."""
    scenario = genh.single(20, "prometheus-down")
    metrics, incidents, _problems = judge(scenario, tmp_path, storm=False)
    (truth,) = scenario.truth
    assert [i["root_cause"] for i in incidents] == [truth.root], metrics.report()


@pytest.mark.parametrize("seed", [7, 2])
def test_a_leaf_pair_lost_is_not_blamed_on_the_central_server_watching_it(
    seed: int, tmp_path: Path
) -> None:
    """A rack's leaf pair is lost during a storm (generator G): the central Icinga finds
    forty hosts down in a minute. Storm 7: the Zabbix proxy then finds one leaf down, the
    other leaf's own alert missed; the pair lost but for that missed detection, with a
    member seen down beyond the Icinga's word, explains the burst. Storm 2: the hosts'
    failures keep to what the pair carries, a third of it and more, before any leaf's own
    alert came; a server that lost its path keeps to no subtree. The leaf is the root,
    not the Icinga losing its path (which had taken later faults with it)."""
    scenario = geng.storm(seed)
    metrics, _incidents, _problems = judge(scenario, tmp_path, storm=False)
    pairs = [f for f in metrics.faults if f.truth.kind_of_fault == "leaf-pair"]
    assert pairs
    for f in pairs:
        assert f.root_ok, f.describe()
    blamed = [f.describe() for f in metrics.faults if f.majority and f.majority.get(
        "root_cause") == "icinga-master"]  # fmt: skip
    assert not blamed, "\n".join(blamed)


@pytest.mark.parametrize(
    "seed",
    [
        pytest.param(2, id="zabbix-proxy-pop-2"),
        pytest.param(5, id="zabbix-proxy-pop-5"),
        pytest.param(1, id="prtg-probe-pop-1"),
        pytest.param(3, id="prtg-probe-pop-3"),
    ],
)
def test_a_fibre_duct_carrying_both_uplinks_of_a_pair_is_named(seed: int, tmp_path: Path) -> None:
    """Generator J (a regional ISP), a fibre duct cut: both aggregation routers go down
    within seconds, then everything behind them over the next minutes. In a POP watched
    by a PRTG remote probe behind its management switch, the probe is cut off with the
    switch: its lost path explains what only it reports, never the routers that Zabbix
    and Nagios saw fail from the data centre. One incident, rooted at the duct nobody
    monitors (inferred), not at the pair failing together nor at the switch the probe
    reports through."""
    metrics, _incidents, _problems = judge(genj.single(seed, "duct-cut"), tmp_path, storm=False)
    assert_one_right_incident_each(metrics, "duct-cut")


@pytest.mark.parametrize("seed", [4, 7])
def test_a_pair_lost_minutes_apart_is_not_blamed_on_the_duct_beneath_it(
    seed: int, tmp_path: Path
) -> None:
    """Generator J: an aggregation router dies, and its partner minutes later, over a
    fibre duct nobody monitors that carries both. A cut duct takes both at once; it
    does not degrade them one after the other: the pair is lost, rooted at the router
    that went first."""
    metrics, _incidents, _problems = judge(genj.single(seed, "agg-pair"), tmp_path, storm=False)
    for f in metrics.faults:
        if f.truth.kind_of_fault == "agg-pair":
            assert f.root_ok, f.describe()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_fading_radio_link_is_the_root_of_the_rural_site_it_drops(
    seed: int, tmp_path: Path
) -> None:
    """Generator J: a microwave link's signal fades (RSL and modulation warnings), and
    five to fifteen minutes later the rural router and DSLAM behind it drop out again and
    again. One incident, rooted at the link, not at the router that keeps coming back."""
    metrics, _incidents, _problems = judge(
        genj.single(seed, "microwave-fade"), tmp_path, storm=False
    )
    assert_one_right_incident_each(metrics, "microwave-fade")


@pytest.mark.parametrize("seed", [2, 3])
def test_an_olt_line_card_and_the_subscriber_counts_it_drops_are_one_incident(
    seed: int, tmp_path: Path
) -> None:
    """Generator J: an OLT's line-card fault trap, then its access node's ONT-down count
    and dropped sessions, minutes later (counters read at their own pace). One incident,
    rooted at the OLT, not the access node's warnings standing apart."""
    metrics, _incidents, _problems = judge(genj.single(seed, "olt-card"), tmp_path, storm=False)
    assert_one_right_incident_each(metrics, "olt-card")


def test_a_core_pair_lost_a_minute_and_a_half_apart_is_a_pair_lost(tmp_path: Path) -> None:
    """Generator F: a data centre's two core switches fail 88 s apart (each its own
    fault), above a power feed nobody monitors. Not lost together (the tools order
    them): the pair is lost, rooted at the core that failed first, not the power."""
    scenario = genf.single(1, "dc-core-pair")
    metrics, _incidents, _problems = judge(scenario, tmp_path, storm=False)
    for f in metrics.faults:
        assert f.root_ok, f.describe()


def _root_flips(explain: str) -> list[str]:
    """Re-roots that put an incident back on the root it had two re-roots before."""
    history: dict[str, list[str]] = {}
    flips = []
    for line in explain.splitlines():
        found = re.search(r": re-rooted (INC-\d+): .*?, root (\S+)", line)
        if found is None:
            continue
        incident, root = found.groups()
        roots = history.setdefault(incident, [])
        if len(roots) >= 2 and roots[-2] == root:
            flips.append(line[:200])
        roots.append(root)
    return flips


def test_a_storms_root_does_not_flip_back_and_forth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A branch whose WAN link and router explain its storm almost equally well: each new
    alert tips the balance a little. The incident keeps its root unless another is clearly
    better, so the NOC screen and the ticket do not swap roots alert after alert."""
    topology, alerts = gen.storm(1, nodes=150).write(tmp_path)
    argv = ["--topology", str(topology), "--alerts", str(alerts), "--out", str(tmp_path / "o")]
    assert replay_main()([*argv, "--explain"]) == 0
    explain = capsys.readouterr().err
    assert "re-rooted" in explain  # roots still change when the evidence says so
    assert _root_flips(explain) == []


@pytest.mark.parametrize("seed", [6, 8])
def test_a_slow_storage_degradation_stays_one_incident(seed: int, tmp_path: Path) -> None:
    """Generator C's array latency (array, then datastores, then guests failing over half an
    hour, each hop a detection delay or two after the last): one incident under the array,
    on days with a few dozen other faults and the day's noise."""
    metrics, _incidents, _problems = judge(genc.day(seed), tmp_path, storm=False)
    assert_one_right_incident_each(metrics, "array-latency")


# Generator C (written from the specs only, by someone who had not read the engine): its
# storms and days must clear the same bar (root accuracy and pairwise F1; its storms are
# not built for the "incidents <= 5 % of problem events" bar, so they are judged as days).
C_BELOW_BAR: dict[str, str] = {
    "c-storm-s6": "F1 0.73: an array's latency spreading over half an hour is split between "
    "the array and one of its datastores, whose guests fail minutes after it",
}
C_SCENARIOS: list[tuple[str, Callable[[], gen.Scenario]]] = [
    *((f"c-storm-s{s}", partial(genc.storm, s)) for s in range(1, 11)),
    *((f"c-day-s{s}", partial(genc.day, s)) for s in range(1, 11)),
]


def _judged(
    scenarios: list[tuple[str, Callable[[], gen.Scenario]]], table: dict[str, str]
) -> list[Any]:
    """The scenarios as test parameters, those known below the bar as strict xfails."""
    return [pytest.param(f, id=label, marks=below_bar(label, table)) for label, f in scenarios]


@pytest.mark.parametrize("factory", _judged(C_SCENARIOS, C_BELOW_BAR))
def test_generator_c_clears_the_bar(factory: Callable[[], gen.Scenario], tmp_path: Path) -> None:
    """Generator C's storms and days: right roots, right grouping, no page for planned work
    or for the hosts a failed probe watched."""
    _metrics, _incidents, problems = judge(factory(), tmp_path, storm=False)
    assert not problems, "\n".join(problems)


def test_a_split_gray_failure_is_not_left_under_one_root_twice(tmp_path: Path) -> None:
    """Generator C storm 6: an array's latency spreads over half an hour; a re-decision of
    the neighbourhood splits its incident by datastore, then each piece is reviewed back to
    the array. A node does not fail twice at once: no two incidents open at the same time
    may be left rooted at the same node (outside planned work)."""
    incidents = met.replay(replay_main(), genc.storm(6), tmp_path)
    live = [i for i in incidents if i["status"] != "merged" and i["root_cause"] is not None]
    for a in live:
        for b in live:
            if a["id"] >= b["id"] or a["root_cause"] != b["root_cause"]:
                continue
            a_end, b_end = a["resolved_at"] or float("inf"), b["resolved_at"] or float("inf")
            overlap = a["opened_at"] < b_end and b["opened_at"] < a_end
            assert not overlap or a["maintenance"] != b["maintenance"], (
                f"{a['id']} and {b['id']} both rooted at {a['root_cause']}"
            )


# Generator D (an ISP's access network, written from the specs only like C): its storms and
# days must clear the same bar.
D_SCENARIOS: list[tuple[str, Callable[[], gen.Scenario]]] = [
    *((f"d-storm-s{s}", partial(gend.storm, s)) for s in range(1, 11)),
    *((f"d-day-s{s}", partial(gend.day, s)) for s in range(1, 11)),
]


D_BELOW_BAR: dict[str, str] = {
    "d-storm-s4": "root 0.909: one Alertmanager body carries a noise warning and a failure's "
    "alerts; the incident rooted right holds it, the majority rule counts the other",
}


@pytest.mark.parametrize("factory", _judged(D_SCENARIOS, D_BELOW_BAR))
def test_generator_d_clears_the_bar(factory: Callable[[], gen.Scenario], tmp_path: Path) -> None:
    """Generator D's storms and days: rings and power pairs lost, fibre spans and cabinet
    feeds inferred, probes cut off, all with the right roots and grouping, and no page for
    planned work or for a failed probe's hosts."""
    _metrics, _incidents, problems = judge(factory(), tmp_path, storm=False)
    assert not problems, "\n".join(problems)


# Generator E (a university hospital's campus, rooms, Kubernetes and clinics, written from
# the specs only like C and D): its storms and days must clear the same bar.
E_BELOW_BAR: dict[str, str] = {
    "e-storm-s6": "F1 0.92: a room's cooling failure, warnings then shutdowns over half an "
    "hour, split over several incidents under the cooling unit",
    "e-storm-s10": "root 0.917: a worker whose NotReady comes 15 minutes after its pods' "
    "probes, rooted at one of the pods",
    "e-day-s9": "root 0.939: a worker's NotReady 15 minutes after its pods' probes, twice; "
    "three early symptoms cost the late root as much as a second failure",
}
E_SCENARIOS: list[tuple[str, Callable[[], gen.Scenario]]] = [
    *((f"e-storm-s{s}", partial(gene.storm, s)) for s in range(1, 11)),
    *((f"e-day-s{s}", partial(gene.day, s)) for s in range(1, 11)),
]


@pytest.mark.parametrize("factory", _judged(E_SCENARIOS, E_BELOW_BAR))
def test_generator_e_clears_the_bar(factory: Callable[[], gen.Scenario], tmp_path: Path) -> None:
    """Generator E's storms and days: cooling and power failures in a room, building switch
    pairs, Kubernetes workers and Prometheus servers, clinics over two links, with the
    right roots and grouping and no page for planned work or a failed probe's hosts."""
    _metrics, _incidents, problems = judge(factory(), tmp_path, storm=False)
    assert not problems, "\n".join(problems)


# Generator F (a retail chain: stores on SD-WAN, distribution centres, data centres and an
# online shop behind a CDN) and generator G (a bank: trading colo, gray failures, retail
# banking), written from the specs only like C, D and E: the same bar. The tables below
# were measured with the engine of the day each list was last written (figures, then the
# faults rooted wrong, "as" the root named, and the kinds split over several incidents).
F_BELOW_BAR: dict[str, str] = {
    "f-storm-s8": (
        "root 0.833, F1 0.705: store-power st1148-pwr as zbx-prx-east; cdn-outage cdn as ep-m; "
        "split: acquirer-outage; inferred-root recall 0.500 < 0.95"
    ),
}
F_SCENARIOS: list[tuple[str, Callable[[], gen.Scenario]]] = [
    *((f"f-storm-s{s}", partial(genf.storm, s)) for s in range(1, 11)),
    *((f"f-day-s{s}", partial(genf.day, s)) for s in range(1, 11)),
]
G_BELOW_BAR: dict[str, str] = {
    "g-storm-s4": "root 0.923, F1 1.000: hsm-pair hsm-2 as hsm-1",
    "g-storm-s6": "root 0.923, F1 0.995: leaf-pair d2-leaf-01b as d2-leaf-01a",
    "g-storm-s7": "root 0.923, F1 0.988: lpar-down cbs-lpar1 as apigw-01",
    "g-storm-s9": "root 0.923, F1 0.953: lpar-down cbs-lpar1 as apigw-02",
    "g-storm-s10": (
        "root 0.923, F1 0.999: ptp-antenna fr2-gnss as algo-04; inferred-root recall 0.500 < 0.95"
    ),
    "g-day-s2": (
        "root 0.930, F1 0.999: core-member core-1 as icinga-master (+1); noise d2-jump-316 as "
        "icinga-master"
    ),
    "g-day-s8": (
        "root 0.977, F1 0.997: ptp-antenna fr2-gnss as fr2-ptp-gm2; split: broker-down; "
        "inferred-root recall 0.667 < 0.95"
    ),
    "g-day-s9": (
        "root 0.911, F1 0.917: leaf-pair d2-leaf-04b as d2-leaf-04a; concurrent core-2 as "
        "icinga-master (+1); db-both db-trd-p as icinga-master; split: card-network"
    ),
}
G_SCENARIOS: list[tuple[str, Callable[[], gen.Scenario]]] = [
    *((f"g-storm-s{s}", partial(geng.storm, s)) for s in range(1, 11)),
    *((f"g-day-s{s}", partial(geng.day, s)) for s in range(1, 11)),
]


# Generators H (a SaaS company on Kubernetes in several regions) and I (a manufacturer's
# plants, OT rings and head office), written from the specs only like the others.
H_BELOW_BAR: dict[str, str] = {
    "h-storm-s1": "root 1.000, F1 0.933: split: payments-api-down",
    "h-storm-s3": "root 0.889, F1 0.999: noise usw2-dunning as usw2-entitlements",
    "h-storm-s5": "root 0.875, F1 0.986: noise euw1-auth as euw1-pg-billing-0",
    "h-storm-s7": "root 1.000, F1 0.900: split: redis-down",
    "h-storm-s8": (
        "root 0.750, F1 0.953: redis-down apse1-redis-cache as apse1-az-b; noise apse1-k8s-b12 "
        "as apse1-az-b"
    ),
    "h-day-s2": (
        "root 0.920, F1 0.988: bad-deploy euc1-quota as euc1-exports; noisy-neighbour "
        "euc1-k8s-b15 as euc1-k8s-a12; split: payments-api-down"
    ),
    "h-day-s4": (
        "root 0.957, F1 0.962: noisy-neighbour apse1-k8s-a05 as apse1-files; maintenance paged "
        "1 time(s)"
    ),
    "h-day-s7": (
        "root 0.875, F1 0.887: noise euw1-k8s-c09 as euw1-k8s-a32 (+1); flapping euw1-vpn as "
        "euw1-az-a; split: bad-deploy, zone-outage"
    ),
    "h-day-s9": (
        "root 0.962, F1 0.936: maintenance sftp-01 as use1-az-b; split: bad-deploy; "
        "maintenance paged 1 time(s)"
    ),
}
H_SCENARIOS: list[tuple[str, Callable[[], gen.Scenario]]] = [
    *((f"h-storm-s{s}", partial(genh.storm, s)) for s in range(1, 11)),
    *((f"h-day-s{s}", partial(genh.day, s)) for s in range(1, 11)),
]
I_BELOW_BAR: dict[str, str] = {
    "i-storm-s1": "root 0.875, F1 0.997: scada-both gyr-scada-2 as gyr-scada",
    "i-storm-s4": "root 0.875, F1 0.997: opc-gateway-down brv-opc2 as brv-air",
    "i-storm-s8": "root 0.889, F1 0.999: opc-gateway-down lod-opc2 as lod-air",
    "i-storm-s9": "root 0.900, F1 0.985: opc-gateway-down ulm-opc1 as ulm-air",
}
I_SCENARIOS: list[tuple[str, Callable[[], gen.Scenario]]] = [
    *((f"i-storm-s{s}", partial(geni.storm, s)) for s in range(1, 11)),
    *((f"i-day-s{s}", partial(geni.day, s)) for s in range(1, 11)),
]

# Generator J (a regional ISP: POPs on shared fibre ducts, OLTs, microwave links), written
# from the specs only; its seeds 1-10 were looked at for one rule (an unwatched duct under
# a pair lost at once).
J_BELOW_BAR: dict[str, str] = {
    "j-storm-s1": (
        "root 0.833, F1 0.942: pop-power nrd-mains as nrd-duct; split: probe-cut; inferred-root "
        "recall 0.000 < 0.95"
    ),
    "j-day-s1": (
        "root 0.923, F1 0.829: agg-pair mit-agg-2 as mit-ups; probe-cut mit-mgmt-sw as mit-ups; "
        "split: dns-resolvers-degraded"
    ),
    "j-day-s3": "root 1.000, F1 0.944: split: agg-pair",
    "j-day-s6": (
        "root 0.963, F1 0.986: duct-cut see-duct as see-agg-2; split: dns-resolvers-degraded; "
        "inferred-root recall 0.500 < 0.95"
    ),
}
J_SCENARIOS: list[tuple[str, Callable[[], gen.Scenario]]] = [
    *((f"j-storm-s{s}", partial(genj.storm, s)) for s in range(1, 11)),
    *((f"j-day-s{s}", partial(genj.day, s)) for s in range(1, 11)),
]


@pytest.mark.parametrize(
    "factory",
    [
        *_judged(F_SCENARIOS, F_BELOW_BAR),
        *_judged(G_SCENARIOS, G_BELOW_BAR),
        *_judged(H_SCENARIOS, H_BELOW_BAR),
        *_judged(I_SCENARIOS, I_BELOW_BAR),
        *_judged(J_SCENARIOS, J_BELOW_BAR),
    ],
)
def test_generators_f_to_j_clear_the_bar(
    factory: Callable[[], gen.Scenario], tmp_path: Path
) -> None:
    """Generators F to J's storms and days: store cuts and power, external acquirers and
    CDNs; feeds, brokers, clocks and leaf pairs; zones, releases and managed databases;
    rings, line power and plant links; ducts, OLTs and microwave links: right roots and
    grouping, no page for planned work or for the hosts a failed probe watched."""
    _metrics, _incidents, problems = judge(factory(), tmp_path, storm=False)
    assert not problems, "\n".join(problems)
