"""Seventh scenario generator (letter G): a financial services firm, trading and retail
banking, with many gray failures.

Written from the public contracts only (specs/topology-format.md, specs/replay.md,
specs/ingest-formats.md, the peer notes on Nagios 4, Icinga 2 and Zabbix 6, the tool delays
of config/default.yaml); it never looks at the correlator. Pure and seeded: the same
arguments give the same topology, replay lines and truth, byte for byte (``random.Random``
seeded from the arguments, sets never iterated unsorted, hashes from ``hashlib``). Entry
points: :func:`single` (one fault of a kind), :func:`storm` (wide-blast faults close
together), :func:`day` (ten hours of faults, lots of background warnings, decoration),
:func:`build_world`. Each returns a :class:`generator.Scenario`.

**The world** (:class:`World`), a Frankfurt bank with two data centres and an exchange colo

- Stretched core pair ``core-1`` (site ``fra-dc1``) / ``core-2`` (``fra-dc2``). Per DC: a
  management switch pair (monitoring servers live behind it), leaf pairs
  (``d1-leaf-01a``/``d1-leaf-01b``, ``any_of`` the cores), a firewall cluster, a load
  balancer pair on leaf pair 01 and a storage array. Servers are dual-homed on ``any_of``
  their leaf pair.
- Colo ``fr2-colo`` at the exchange: two cross connects to the DCs (``fr2-xc-dc1`` on
  ``core-1``, ``fr2-xc-dc2`` on ``core-2``; kind ``link``, path links), a colo switch pair on
  ``any_of`` the two, a GNSS roof antenna (``fr2-gnss``, unmonitored, one antenna split to
  both grandmasters) under the PTP grandmaster pair ``fr2-ptp-gm1``/``gm2``. Per venue
  (XETR, XEUR, and XLON in larger worlds) an A and a B multicast feed line (``link``,
  exchange side, no dependencies) and a feed handler ``fr2-fh-<venue>`` on ``any_of`` the
  two lines; per venue an order-gateway pair. The feed handlers' per-line checks ("line A
  packet loss", Prometheus ``FeedLineAGap`` and a PRTG sensor) are placed on the line by
  ``HOST!CHECK``; the cross connects are either unmonitored or watched by a Zabbix interface
  trigger on the core (placed on the link the same way).
- Trading: a market-data distributor ``md-dist`` (soft dependency on every feed handler: a
  venue lost makes it stale, not dead) fanned out to pricing engines, algo engines, the
  risk engine and the OMS; a message bus of three brokers with quorum (``mq-bus``,
  unmonitored, on three unmonitored quorum nodes ``mq-quorum-12``/``13``/``23``, each
  ``any_of`` one pair of brokers: the bus lives while two brokers of three live); a
  trading database ``db-trd`` (logical, unmonitored) over ``any_of`` a primary and a
  standby server on the two arrays. Every trading host depends on ``any_of`` the PTP
  grandmasters.
- Retail banking: the core-banking mainframe LPAR ``cbs-lpar1`` (one Nagios check), an
  HSM pair, an API gateway pair behind the VIP ``apigw-vip``, an online-banking web pool
  behind ``obk-vip``, card authorisation servers depending on the external card network
  (``ext-card-net``, unmonitored third party), the HSM pair and the mainframe, an ATM/POS
  switch, the retail database ``db-obk`` (like ``db-trd``), backup and batch hosts and
  generic servers (background-warning magnets: disk 85 %, certificates, CPU on batch).
- Monitoring nodes (kind ``probe``): ``icinga-master`` and ``nagios-legacy`` (central, on the
  DC1 management pair), Zabbix proxies ``zbx-proxy-dc1``/``dc2``/``fr2``, Prometheus
  ``prom-trading-1``/``prom-retail-1``, PRTG core ``prtg-core`` and the colo remote probe
  ``prtg-probe-fr2`` (on the colo switch pair).

**Tools** (native payloads of specs/ingest-formats.md): Icinga 2 event-stream objects for
the DC servers (soft then hard StateChange, Problem Notification, re-notification every 30
min, acknowledgements, notifications suppressed by dependency for hosts behind a failed
parent, downtimes, flapping); Zabbix 6 webhook for network gear and arrays, polled through
the site's proxy (arrays directly, empty proxy), trigger dependencies suppressing about half
of the triggers of unreachable hosts, ack updates; Prometheus Alertmanager v4 for trading
apps and brokers (warning and critical, grouped by ``alertname`` and ``env``, group_wait
30 s, group_interval 5 min, repeat 4 h: several alerts per body); Nagios 4 for the
mainframe, the HSMs, the ATM switch and legacy pings of the DC leaves (UNREACHABLE behind a
down leaf, service notifications suppressed on a down host); PRTG for the colo through the
remote probe (``Paused by Dependency`` behind a down device, ``Unknown`` when the probe is
cut off, ``Down (Acknowledged)``). Host names are spelled per tool: short, FQDN (matched by
its first label), upper case (Zabbix technical names, Nagios) or the address.

**Fault kinds** (``FAULT_KINDS_G``): feed-line, feed-both, md-slow, ptp-antenna,
broker-slow, broker-down, db-failover, db-both, lb-pair, core-member, leaf-pair,
card-network, hsm-pair, storage-latency, colo-xc-cut, probe-cut, lpar-down, concurrent.
Others (``OTHER_KINDS_G``): noise, flapping, maintenance, unplaced.

**Truth rules and assumptions** (where the specs are silent, decided here):

1. The root is the node that physically failed; ``inferred`` is true exactly when no
   problem event is placed on it; ``nodes`` are the nodes its problem events are placed on.
   About 10 % of detections are missed; the root's own alerts are never missed for the
   kinds whose root is monitored (a missed root alert would leave a more specific or an
   unmonitored explanation); for a group lost as a whole the first member's alerts are kept.
2. Modes spread up ``depends_on``: a dead node makes hosts that reach the network through
   it *unreachable* (its path: switches, path links) and everything else that needs it
   *failed* (services critical, error rates warn); ``any_of`` groups fail only when every
   member has. A *soft* dependency (the distributor on a feed handler) turns a loss into a
   degradation.
3. Gray failures: a *slow* node (array latency, broker disk, distributor GC) slows its
   dependents' performance checks (warnings), even across ``any_of``: redundancy protects
   against loss, not slowness (a slow quorum member slows every acknowledged write). The
   slowness fades: each monitored hop fires less often, three monitored hops at most
   (unmonitored logical nodes such as the bus, its quorum nodes and the logical databases
   add no hop). A performance check about one dependency (``MarketDataStale``,
   ``BusPublishLatencyHigh``) fires only when that dependency ails.
4. Clock: the GNSS antenna lost puts both grandmasters in holdover ("GNSS signal lost"
   warnings, Zabbix) and every host on ``any_of`` the pair drifts: clock-offset WARNINGS
   5-25 min later (the drift builds up). Root = ``fr2-gnss`` (unmonitored: inferred); at
   least three hosts besides the grandmasters alert. Clock offset does not spread further.
5. A group lost as a whole (leaf pair, LB pair, HSM pair, database servers, feed lines,
   cross connects): root = the member lost first; the other member and everything above
   belong to the same incident. A member lost alone (core-member, broker-down, feed-line,
   db-failover) explains nothing above; its sideways symptoms are its own incident's events:
   the surviving brokers' under-replicated-partitions warnings, the standby's replication
   alert until it is promoted, and (half the time) callers' short connection-error warnings
   during the database failover.
6. Colo cross connects both cut: everything in the colo becomes unreachable from the DCs
   (Icinga pings DOWN, Prometheus InstanceDown), the remote PRTG probe is cut off (its
   sensors go Unknown, the core's "Probe Health" Down), the Zabbix proxy's "last seen"
   trigger fires, trading apps in the DC lose venues. Root = the link lost first; when the
   links are unmonitored the other link and the colo switch pair are equivalent roots (they
   would give exactly the same alerts).
7. Probe cut (the PRTG remote probe's service hangs): the core's "Probe Health" sensor Down
   and the probe's sensors Unknown; nothing else. Root = the probe; ``watched`` lists the
   hosts its sensors watch (fine: nobody should be paged for them).
8. Card network: the external network (unmonitored) fails; both card-authorisation
   servers alert (at least two, or a single server would explain it better) and the ATM
   switch warns. Root = ``ext-card-net``, inferred.
9. Checks whose observer has lost its path: PRTG sensors go Unknown, a Zabbix proxy
   buffers (silent), Prometheus would be silent. Checks on a host that is down or
   unreachable: Alertmanager only fires ``InstanceDown`` (no scrape, no app alerts), Nagios
   suppresses service notifications, Icinga streams the StateChanges but suppresses the
   notifications (dependency), PRTG pauses the device's other sensors.
10. Noise (background warnings), flapping checks and unplaced hosts are one incident each;
    noise, flapping and maintenance never land on a node a concurrent fault affects. Two
    faults overlapping in time never affect the same node; an alert identity recovers
    before it is raised again. ``concurrent``: two independent faults within two minutes.
11. Maintenance: an Icinga downtime on a server; StateChanges still stream (problem
    events) but nothing is notified. Never pages.
12. Alertmanager bodies carry every firing alert of their group, so one line can belong to
    several true incidents.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .generator import Scenario, TrueIncident

FAULT_KINDS_G: Final = (
    "feed-line",
    "feed-both",
    "md-slow",
    "ptp-antenna",
    "broker-slow",
    "broker-down",
    "db-failover",
    "db-both",
    "lb-pair",
    "core-member",
    "leaf-pair",
    "card-network",
    "hsm-pair",
    "storage-latency",
    "colo-xc-cut",
    "probe-cut",
    "lpar-down",
    "concurrent",
)
OTHER_KINDS_G: Final = ("noise", "flapping", "maintenance", "unplaced")

DOMAIN: Final = "fin.example.com"
BASE_T: Final = 1769936400.0  # 2026-02-01 09:00 UTC
INF: Final = math.inf
MISS: Final = 0.10

DAY_WEIGHTS: Final = {
    "feed-line": 4,
    "feed-both": 2,
    "md-slow": 3,
    "ptp-antenna": 2,
    "broker-slow": 3,
    "broker-down": 3,
    "db-failover": 3,
    "db-both": 2,
    "lb-pair": 2,
    "core-member": 2,
    "leaf-pair": 3,
    "card-network": 3,
    "hsm-pair": 2,
    "storage-latency": 3,
    "colo-xc-cut": 2,
    "probe-cut": 3,
    "lpar-down": 2,
}
STORM_WEIGHTS: Final = {
    "feed-both": 3,
    "md-slow": 3,
    "ptp-antenna": 3,
    "broker-slow": 3,
    "db-both": 2,
    "lb-pair": 2,
    "leaf-pair": 4,
    "card-network": 2,
    "hsm-pair": 2,
    "storage-latency": 3,
    "colo-xc-cut": 3,
    "probe-cut": 2,
    "lpar-down": 2,
}

# Node kinds that are reached over the network (a dead path makes them unreachable).
_HOSTLIKE: Final = frozenset(
    {"switch", "firewall", "lb", "host", "server", "vm", "storage", "probe", "time", "hsm"}
)
_HARD: Final = frozenset({"down", "unreach", "fail"})
_RANK: Final = {"clock": 1, "slow": 2, "fail": 3, "unreach": 4, "down": 5, "hung": 5, "deg": 5}

# Which modes fire which check categories, at which level.
_FIRE: Final[dict[str, dict[str, str]]] = {
    "av": {"down": "crit", "unreach": "crit"},
    "svc": {"down": "crit", "unreach": "crit", "fail": "crit"},
    "perf": {"fail": "warn", "slow": "warn"},
    "clock": {"clock": "warn"},
    "gnss": {"clock": "warn"},
    "line": {"deg": "warn", "down": "crit"},
    "phealth": {"down": "crit", "unreach": "crit", "hung": "crit"},
    "xc": {"down": "crit"},
}


# Performance checks about one dependency (they fire only when that dependency ails).
_ABOUT: Final = {"MarketDataStale": "md-dist", "BusPublishLatencyHigh": "mq-bus"}


def _hx(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    id: str
    kind: str
    team: str
    site: str
    crit: int = 3
    deps: list[str | tuple[str, ...]] = field(default_factory=list)
    soft: tuple[str, ...] = ()
    address: str | None = None
    monitored_as: list[str] = field(default_factory=list)
    path: bool = False  # a network path: its loss makes hosts behind it unreachable
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Check:
    cid: int
    node: str  # the node the alert is placed on
    carrier: str  # the node whose host runs the check
    tool: str
    host: str  # host as the tool spells it
    name: str | None  # None: host check
    cat: str
    text: str
    observer: str | None
    address: str | None
    ident: str
    zsev: int = 3
    labels: dict[str, str] = field(default_factory=dict)
    group: str = ""
    device_id: str = ""
    noise: bool = False  # a background check (never fired by faults)
    about: str | None = None  # a perf check about one dependency: fires only when it ails


class World:
    """Topology and monitoring of the bank; see the module docstring."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"world-g:{seed}:{size}")
        self.nodes: dict[str, Node] = {}
        self.order: list[str] = []
        self.checks: list[Check] = []
        self.by_node: dict[str, list[Check]] = defaultdict(list)
        self.by_observer: dict[str, list[Check]] = defaultdict(list)
        self._ips: dict[str, int] = defaultdict(int)
        self._spell: dict[tuple[str, str], str] = {}
        self.venues: list[str] = []
        self.leaves: dict[str, list[tuple[str, str]]] = {"d1": [], "d2": []}
        self.xc_monitored = False
        self._build(size)
        self.dependents: dict[str, list[str]] = defaultdict(list)
        for nid in self.order:
            for d in self.nodes[nid].deps:
                for m in (d,) if isinstance(d, str) else d:
                    self.dependents[m].append(nid)

    # -- building blocks -------------------------------------------------------------

    def _ip(self, site: str) -> str:
        net = {"fra-dc1": 10, "fra-dc2": 20, "fr2-colo": 30}[site]
        self._ips[site] += 1
        n = self._ips[site]
        return f"10.{net}.{n // 250 + 1}.{n % 250 + 2}"

    def add(
        self,
        nid: str,
        kind: str,
        team: str,
        site: str,
        deps: list[str | tuple[str, ...]] | None = None,
        *,
        crit: int = 3,
        soft: tuple[str, ...] = (),
        path: bool = False,
        address: bool = True,
        tags: dict[str, str] | None = None,
    ) -> Node:
        n = Node(
            nid,
            kind,
            team,
            site,
            crit,
            list(deps or []),
            soft,
            self._ip(site) if address else None,
            path=path,
            tags=dict(tags or {}),
        )
        self.nodes[nid] = n
        self.order.append(nid)
        return n

    def spell(self, nid: str, tool: str) -> str:
        """How ``tool`` spells the host of node ``nid`` (chosen once per node and tool)."""
        key = (nid, tool)
        if key not in self._spell:
            n = self.nodes[nid]
            sub = {"fra-dc1": "dc1", "fra-dc2": "dc2", "fr2-colo": "fr2"}[n.site]
            fqdn = f"{nid}.{sub}.{DOMAIN}"
            r = self.rng.random()
            if tool == "nagios":
                s = nid.upper()
            elif tool == "zabbix":
                s = nid.upper() if r < 0.5 else fqdn
            elif tool == "icinga":
                s = fqdn if r < 0.6 else nid
            elif tool == "prtg":
                s = nid if r < 0.4 else (fqdn if r < 0.8 else nid.upper())
            else:
                s = fqdn if r < 0.7 or n.address is None else n.address
            self._spell[key] = s
        return self._spell[key]

    def check(
        self,
        nid: str,
        tool: str,
        name: str | None,
        cat: str,
        text: str,
        *,
        observer: str | None,
        carrier: str | None = None,
        zsev: int = 3,
        severity: str = "",
        port: int = 9100,
        noise: bool = False,
    ) -> Check:
        carrier = carrier or nid
        cn = self.nodes[carrier]
        host = self.spell(carrier, tool)
        if carrier != nid and host == cn.address:
            host = f"{carrier}.{DOMAIN}"
        cid = len(self.checks)
        ident = {
            "zabbix": str(20000 + cid),
            "prtg": str(4000 + cid),
            "alertmanager": _hx("fp", self.seed, cid)[:16],
        }.get(tool, f"{tool}:{cid}")
        labels: dict[str, str] = {}
        if tool == "alertmanager":
            labels = {
                "alertname": name or "InstanceDown",
                "env": "prod",
                "instance": f"{host}:{port}",
                "job": "node" if port == 9100 else carrier.split("-")[0],
                "prometheus": observer or "",
                "severity": severity or "warning",
                "site": cn.site,
            }
        c = Check(
            cid,
            nid,
            carrier,
            tool,
            host,
            name,
            cat,
            text,
            observer,
            cn.address,
            ident,
            zsev,
            labels,
            group=cn.site,
            device_id=str(2000 + self.order.index(carrier)),
            noise=noise,
            about=_ABOUT.get(name or ""),
        )
        self.checks.append(c)
        self.by_node[nid].append(c)
        if observer:
            self.by_observer[observer].append(c)
        node = self.nodes[nid]
        if carrier == nid:
            short = nid
            if short not in node.monitored_as:
                node.monitored_as.append(short)
                if node.address:
                    node.monitored_as.append(node.address)
        else:
            entry = f"{carrier}!{name}"
            if entry not in node.monitored_as:
                node.monitored_as.append(entry)
        return c

    # -- monitoring recipes ----------------------------------------------------------

    def icinga_server(self, nid: str, *, web: bool = False, noise: bool = True) -> None:
        obs = "icinga-master"
        self.check(nid, "icinga", None, "av", "CRITICAL - Host Unreachable", observer=obs)
        if web:
            self.check(
                nid,
                "icinga",
                "HTTPS",
                "svc",
                "HTTP CRITICAL - 503 Service Unavailable",
                observer=obs,
            )
            self.check(
                nid,
                "icinga",
                "HTTP response time",
                "perf",
                "HTTP WARNING: HTTP/1.1 200 OK - 4.87 second response time",
                observer=obs,
            )
        if noise:
            self.check(
                nid,
                "icinga",
                "disk /var",
                "noise",
                "DISK WARNING - free space: /var 2101 MB (14% inode=88%)",
                observer=obs,
                noise=True,
            )
            if self.rng.random() < 0.4:
                self.check(
                    nid,
                    "icinga",
                    "TLS certificate",
                    "noise",
                    "SSL WARNING - Certificate expires in 13 day(s)",
                    observer=obs,
                    noise=True,
                )

    def zabbix_net(self, nid: str, proxy: str | None) -> None:
        self.check(
            nid,
            "zabbix",
            "Unavailable by ICMP ping",
            "av",
            "Unavailable by ICMP ping",
            observer=proxy,
            zsev=4,
        )
        self.check(
            nid,
            "zabbix",
            "High ICMP ping loss",
            "perf",
            "High ICMP ping loss",
            observer=proxy,
            zsev=2,
        )
        if self.rng.random() < 0.5:
            self.check(
                nid,
                "zabbix",
                "High CPU utilization (over 90% for 5m)",
                "noise",
                "High CPU utilization",
                observer=proxy,
                zsev=2,
                noise=True,
            )

    def prom_app(
        self, nid: str, prom: str, apps: list[tuple[str, str, str, str]], port: int
    ) -> None:
        """Prometheus: InstanceDown plus app alerts (alertname, category, severity, text)."""
        self.check(
            nid,
            "alertmanager",
            "InstanceDown",
            "av",
            f"{nid} has been down for 2 minutes",
            observer=prom,
            severity="critical",
        )
        for alertname, cat, sev, text in apps:
            self.check(
                nid, "alertmanager", alertname, cat, text, observer=prom, severity=sev, port=port
            )

    def prtg_dev(self, nid: str, sensors: list[tuple[str, str, str]]) -> None:
        obs = "prtg-probe-fr2"
        self.check(nid, "prtg", "Ping", "av", "Destination host unreachable", observer=obs)
        for name, cat, text in sensors:
            self.check(nid, "prtg", name, cat, text, observer=obs)

    # -- the world -------------------------------------------------------------------

    def _build(self, size: int) -> None:
        rng = self.rng
        scale = max(1.0, size / 250)
        # Network core and DCs.
        self.add("core-1", "switch", "network", "fra-dc1", crit=1, path=True)
        self.add("core-2", "switch", "network", "fra-dc2", crit=1, path=True)
        cores = ("core-1", "core-2")
        n_leaf = 2 + int(scale * 1.2)
        for dc, site in (("d1", "fra-dc1"), ("d2", "fra-dc2")):
            self.add(f"{dc}-mgmt-1", "switch", "network", site, [cores], path=True)
            self.add(f"{dc}-mgmt-2", "switch", "network", site, [cores], path=True)
            for k in (1, 2):
                self.add(f"{dc}-fw-{k}", "firewall", "security", site, [cores], crit=2, path=True)
            for i in range(1, n_leaf + 1):
                a, b = f"{dc}-leaf-{i:02d}a", f"{dc}-leaf-{i:02d}b"
                self.add(a, "switch", "network", site, [cores], crit=2, path=True)
                self.add(b, "switch", "network", site, [cores], crit=2, path=True)
                self.leaves[dc].append((a, b))
            l1 = self.leaves[dc][0]
            for k in (1, 2):
                self.add(f"{dc}-lb-{k}", "lb", "network", site, [l1], crit=2, path=True)
            self.add(f"{dc}-array-1", "storage", "storage", site, [l1], crit=1)
        # Monitoring.
        m1 = ("d1-mgmt-1", "d1-mgmt-2")
        m2 = ("d2-mgmt-1", "d2-mgmt-2")
        for pid in ("icinga-master", "nagios-legacy", "prtg-core", "zbx-proxy-dc1"):
            self.add(pid, "probe", "monitoring", "fra-dc1", [m1])
        self.add("zbx-proxy-dc2", "probe", "monitoring", "fra-dc2", [m2])
        self.add("prom-trading-1", "probe", "monitoring", "fra-dc1", [m1])
        self.add("prom-retail-1", "probe", "monitoring", "fra-dc2", [m2])
        # Colo.
        self.add("fr2-xc-dc1", "link", "network", "fr2-colo", ["core-1"], path=True)
        self.add("fr2-xc-dc2", "link", "network", "fr2-colo", ["core-2"], path=True)
        xcs = ("fr2-xc-dc1", "fr2-xc-dc2")
        self.nodes["fr2-xc-dc1"].address = None
        self.nodes["fr2-xc-dc2"].address = None
        self.add("fr2-sw-a", "switch", "network", "fr2-colo", [xcs], crit=1, path=True)
        self.add("fr2-sw-b", "switch", "network", "fr2-colo", [xcs], crit=1, path=True)
        csw = ("fr2-sw-a", "fr2-sw-b")
        self.add("zbx-proxy-fr2", "probe", "monitoring", "fr2-colo", [csw])
        self.add("prtg-probe-fr2", "probe", "monitoring", "fr2-colo", [csw])
        self.add("fr2-gnss", "gnss", "trading-infra", "fr2-colo", address=False)
        self.add("fr2-ptp-gm1", "time", "trading-infra", "fr2-colo", ["fr2-gnss", csw], crit=2)
        self.add("fr2-ptp-gm2", "time", "trading-infra", "fr2-colo", ["fr2-gnss", csw], crit=2)
        gm = ("fr2-ptp-gm1", "fr2-ptp-gm2")
        self.venues = ["xetr", "xeur"] + (["xlon"] if size >= 350 else [])
        fhs = []
        ogws = []
        for v in self.venues:
            la, lb_ = f"fr2-line-{v}-a", f"fr2-line-{v}-b"
            self.add(la, "link", "trading-infra", "fr2-colo", address=False)
            self.add(lb_, "link", "trading-infra", "fr2-colo", address=False)
            fh = f"fr2-fh-{v}"
            self.add(fh, "server", "market-data", "fr2-colo", [csw, (la, lb_), gm], crit=1)
            fhs.append(fh)
            pair = (f"fr2-ogw-{v}-1", f"fr2-ogw-{v}-2")
            for o in pair:
                self.add(o, "server", "trading-apps", "fr2-colo", [csw, gm], crit=1)
            ogws.append(pair)
        # Trading in DC1 (and DC2 for the brokers' third member and the standby db).
        d1 = self.leaves["d1"]
        d2 = self.leaves["d2"]

        def leaf1() -> tuple[str, str]:
            return d1[rng.randrange(len(d1))]

        self.add("mq-broker-1", "server", "middleware", "fra-dc1", [leaf1()], crit=1)
        self.add("mq-broker-2", "server", "middleware", "fra-dc1", [leaf1()], crit=1)
        self.add("mq-broker-3", "server", "middleware", "fra-dc2", [d2[0]], crit=1)
        b = ("mq-broker-1", "mq-broker-2", "mq-broker-3")
        quorum: list[str | tuple[str, ...]] = []
        for x, y in ((0, 1), (0, 2), (1, 2)):
            q = f"mq-quorum-{x + 1}{y + 1}"
            self.add(q, "queue", "middleware", "fra-dc1", [(b[x], b[y])], crit=1, address=False)
            quorum.append(q)
        self.add("mq-bus", "queue", "middleware", "fra-dc1", quorum, crit=1, address=False)
        for dbn, team in (("db-trd", "dba"), ("db-obk", "dba")):
            self.add(f"{dbn}-p", "server", team, "fra-dc1", [leaf1(), "d1-array-1"], crit=1)
            self.add(f"{dbn}-s", "server", team, "fra-dc2", [d2[0], "d2-array-1"], crit=2)
            self.add(
                dbn,
                "database",
                team,
                "fra-dc1",
                [(f"{dbn}-p", f"{dbn}-s")],
                crit=1,
                address=False,
            )
        self.add(
            "md-dist",
            "server",
            "market-data",
            "fra-dc1",
            [leaf1(), *fhs, gm],
            crit=1,
            soft=tuple(fhs),
        )
        self.add(
            "risk-eng-1",
            "server",
            "risk-it",
            "fra-dc1",
            [leaf1(), "md-dist", "mq-bus", "db-trd", gm],
            crit=1,
        )
        self.add(
            "oms-1",
            "server",
            "trading-apps",
            "fra-dc1",
            [leaf1(), "mq-bus", "db-trd", "risk-eng-1", *ogws, gm],
            crit=1,
            soft=("risk-eng-1",),
        )
        for i in range(1, 3 + int(scale * 2)):
            self.add(
                f"prc-eng-{i:02d}",
                "server",
                "pricing",
                "fra-dc1",
                [leaf1(), "md-dist", "mq-bus", gm],
                crit=2,
            )
        for i in range(1, 2 + int(scale * 2)):
            self.add(
                f"algo-{i:02d}",
                "server",
                "algo-trading",
                "fra-dc1",
                [leaf1(), "md-dist", "mq-bus", "oms-1", gm],
                crit=2,
            )
        # Retail banking.
        self.add("cbs-lpar1", "mainframe", "mainframe", "fra-dc1", [cores], crit=1)
        self.add("hsm-1", "hsm", "security", "fra-dc1", [d1[0]], crit=1)
        self.add("hsm-2", "hsm", "security", "fra-dc2", [d2[0]], crit=1)
        self.add("ext-card-net", "external", "card-services", "fra-dc1", address=False)
        hsm = ("hsm-1", "hsm-2")
        for k in (1, 2):
            self.add(
                f"apigw-{k:02d}",
                "vm",
                "digital-banking",
                "fra-dc1",
                [leaf1(), "cbs-lpar1", "db-obk"],
                crit=1,
            )
        lbs = ("d1-lb-1", "d1-lb-2")
        self.add(
            "apigw-vip",
            "service",
            "digital-banking",
            "fra-dc1",
            [lbs, ("apigw-01", "apigw-02")],
            crit=1,
        )
        webs = []
        for i in range(1, 3 + int(scale * 1.5)):
            w = f"obk-web-{i:02d}"
            self.add(w, "vm", "digital-banking", "fra-dc1", [leaf1(), "apigw-vip", hsm], crit=2)
            webs.append(w)
        self.add("obk-vip", "service", "digital-banking", "fra-dc1", [lbs, tuple(webs)], crit=1)
        for k in (1, 2):
            self.add(
                f"cardauth-{k:02d}",
                "server",
                "card-services",
                "fra-dc1",
                [leaf1(), hsm, "ext-card-net", "cbs-lpar1"],
                crit=1,
            )
        self.add(
            "atm-switch",
            "server",
            "card-services",
            "fra-dc1",
            [leaf1(), ("cardauth-01", "cardauth-02")],
            crit=1,
        )
        self.add("bkp-01", "server", "storage", "fra-dc2", [d2[0], "d2-array-1"], crit=4)
        for i in range(1, 2 + int(scale)):
            self.add(f"batch-{i:02d}", "server", "batch", "fra-dc1", [leaf1(), "db-obk"], crit=4)
        # Generic servers fill the rest of the requested size.
        n = 0
        while len(self.order) < size - 0:
            dc = "d1" if n % 3 else "d2"
            site = "fra-dc1" if dc == "d1" else "fra-dc2"
            leaves = self.leaves[dc]
            lp = leaves[rng.randrange(len(leaves))]
            deps: list[str | tuple[str, ...]] = [lp]
            if rng.random() < 0.3:
                deps.append(f"{dc}-array-1")
            role = ("app", "web", "file", "jump", "ldap", "mq", "etl", "rep")[n % 8]
            self.add(f"{dc}-{role}-{n + 1:03d}", "server", "infrastructure", site, deps, crit=4)
            n += 1
        self.xc_monitored = rng.random() < 0.6
        self._monitor()

    def _monitor(self) -> None:
        rng = self.rng
        # Network via Zabbix proxies (and Nagios legacy pings of the DC leaves).
        for nid in self.order:
            nd = self.nodes[nid]
            if nd.kind in ("switch", "firewall", "lb"):
                proxy = {"fra-dc1": "zbx-proxy-dc1", "fra-dc2": "zbx-proxy-dc2"}.get(nd.site)
                proxy = proxy or "zbx-proxy-fr2"
                self.zabbix_net(nid, proxy)
                if nid.startswith("core") or "-fw-" in nid:
                    self.check(
                        nid,
                        "icinga",
                        None,
                        "av",
                        "CRITICAL - Host Unreachable",
                        observer="icinga-master",
                    )
                if "-leaf-" in nid:
                    self.check(
                        nid,
                        "nagios",
                        None,
                        "av",
                        "PING CRITICAL - Packet loss = 100%",
                        observer="nagios-legacy",
                    )
        for dc in ("d1", "d2"):
            arr = f"{dc}-array-1"
            self.check(
                arr,
                "zabbix",
                "Array unavailable",
                "av",
                "Storage array is unavailable",
                observer=None,
                zsev=5,
            )
            self.check(
                arr,
                "zabbix",
                "Average read latency is too high (over 20ms for 5m)",
                "perf",
                "Average read latency is too high",
                observer=None,
                zsev=2,
            )
            self.check(
                arr,
                "zabbix",
                "Pool usage over 85%",
                "noise",
                "Pool usage over 85%",
                observer=None,
                zsev=2,
                noise=True,
            )
        if self.xc_monitored:
            for xc, core in (("fr2-xc-dc1", "core-1"), ("fr2-xc-dc2", "core-2")):
                self.check(
                    xc,
                    "zabbix",
                    "Interface Et49/1(XC FR2): Link down",
                    "xc",
                    "Interface Et49/1(XC FR2): Link down",
                    observer="zbx-proxy-dc1" if core == "core-1" else "zbx-proxy-dc2",
                    carrier=core,
                    zsev=3,
                )
        # Monitoring nodes watched by the central servers.
        self.check(
            "prtg-probe-fr2",
            "prtg",
            "Probe Health",
            "phealth",
            "Probe disconnected from core server",
            observer="prtg-core",
        )
        self.check(
            "zbx-proxy-fr2",
            "zabbix",
            "Zabbix proxy: last seen > 10m",
            "phealth",
            "Proxy zbx-proxy-fr2: last seen more than 10 minutes ago",
            observer=None,
            zsev=3,
        )
        for pid in ("zbx-proxy-dc1", "zbx-proxy-dc2", "prom-trading-1", "prom-retail-1"):
            self.icinga_server(pid)
        # Colo via PRTG (remote probe) plus Icinga pings from DC1 and Prometheus.
        for gm in ("fr2-ptp-gm1", "fr2-ptp-gm2"):
            self.prtg_dev(gm, [("PTP Port State", "svc", "Port state not MASTER")])
            self.check(
                gm,
                "zabbix",
                "GNSS receiver not locked (holdover)",
                "gnss",
                "GNSS receiver not locked, oscillator in holdover",
                observer="zbx-proxy-fr2",
                zsev=2,
            )
        for v in self.venues:
            fh = f"fr2-fh-{v}"
            self.prtg_dev(fh, [("Feed handler process", "svc", "Process not running")])
            self.check(
                fh, "icinga", None, "av", "CRITICAL - Host Unreachable", observer="icinga-master"
            )
            self.prom_app(
                fh,
                "prom-trading-1",
                [
                    ("FeedHandlerNoData", "svc", "critical", f"No market data from {v.upper()}"),
                    ("ClockOffsetHigh", "clock", "warning", "PTP clock offset above 1 us"),
                ],
                9200,
            )
            for ln in ("a", "b"):
                link = f"fr2-line-{v}-{ln}"
                up = ln.upper()
                self.check(
                    link,
                    "alertmanager",
                    f"FeedLine{up}Gap",
                    "line",
                    f"{v.upper()} line {up}: sequence gaps / packet loss",
                    observer="prom-trading-1",
                    carrier=fh,
                    severity="warning",
                    port=9200,
                )
                self.check(
                    link,
                    "prtg",
                    f"{v.upper()} multicast line {up}",
                    "line",
                    f"Packet loss on line {up}",
                    observer="prtg-probe-fr2",
                    carrier=fh,
                )
            for o in (f"fr2-ogw-{v}-1", f"fr2-ogw-{v}-2"):
                self.prtg_dev(o, [("FIX session", "svc", "FIX session to exchange down")])
                self.prom_app(
                    o,
                    "prom-trading-1",
                    [("ClockOffsetHigh", "clock", "warning", "PTP clock offset above 1 us")],
                    9300,
                )
        for sw in ("fr2-sw-a", "fr2-sw-b"):
            self.prtg_dev(sw, [("Uplink traffic", "perf", "Uplink errors")])
            self.check(
                sw, "icinga", None, "av", "CRITICAL - Host Unreachable", observer="icinga-master"
            )
        # Trading apps via Prometheus.
        prom = "prom-trading-1"
        for k in (1, 2, 3):
            self.prom_app(
                f"mq-broker-{k}",
                prom,
                [
                    ("BrokerRequestLatencyHigh", "perf", "warning", "Produce p99 latency > 50 ms"),
                    ("UnderReplicatedPartitions", "urp", "warning", "Partitions under-replicated"),
                ],
                9308,
            )
            self.icinga_server(f"mq-broker-{k}", noise=rng.random() < 0.5)
        self.prom_app(
            "md-dist",
            prom,
            [
                ("MarketDataFanoutLatencyHigh", "perf", "warning", "Fan-out latency p99 > 2 ms"),
                ("MarketDataServiceDown", "svc", "critical", "Distribution service down"),
                ("ClockOffsetHigh", "clock", "warning", "PTP clock offset above 1 us"),
            ],
            9400,
        )
        trading = ["risk-eng-1", "oms-1"] + [
            x for x in self.order if x.startswith(("prc-eng-", "algo-"))
        ]
        for nid in trading:
            apps = [
                ("MarketDataStale", "perf", "warning", "Market data older than 500 ms"),
                ("BusPublishLatencyHigh", "perf", "warning", "Bus publish latency p99 > 20 ms"),
                ("ServiceErrorRateHigh", "svc", "critical", "Error rate above 5 %"),
                ("ClockOffsetHigh", "clock", "warning", "PTP clock offset above 1 us"),
            ]
            if nid == "oms-1":
                apps.append(("OrderLatencyHigh", "perf", "warning", "Order ack latency p99 > 5 ms"))
            self.prom_app(nid, prom, apps, 9500)
            if rng.random() < 0.5:
                self.icinga_server(nid)
        for dbn in ("db-trd", "db-obk"):
            for role in ("p", "s"):
                sv = f"{dbn}-{role}"
                self.icinga_server(sv)
                self.check(
                    sv,
                    "icinga",
                    "postgres connection",
                    "svc",
                    "POSTGRES_CONNECTION CRITICAL: could not connect",
                    observer="icinga-master",
                )
                self.check(
                    sv,
                    "icinga",
                    "postgres query time",
                    "perf",
                    "POSTGRES_QUERY_TIME WARNING: 3.2 s",
                    observer="icinga-master",
                )
                if role == "s":
                    self.check(
                        sv,
                        "icinga",
                        "postgres replication",
                        "repl",
                        "POSTGRES_REPLICATE_ROW CRITICAL: replication stopped",
                        observer="icinga-master",
                    )
        # Retail.
        self.check(
            "cbs-lpar1",
            "nagios",
            "CICS CBSPROD",
            "svc",
            "CRITICAL - CICS region CBSPROD not responding",
            observer="nagios-legacy",
        )
        for h in ("hsm-1", "hsm-2"):
            self.check(
                h,
                "nagios",
                None,
                "av",
                "PING CRITICAL - Packet loss = 100%",
                observer="nagios-legacy",
            )
            self.check(
                h,
                "nagios",
                "HSM status",
                "svc",
                "CRITICAL - HSM not responding",
                observer="nagios-legacy",
            )
        self.check(
            "atm-switch",
            "nagios",
            None,
            "av",
            "PING CRITICAL - Packet loss = 100%",
            observer="nagios-legacy",
        )
        self.check(
            "atm-switch",
            "nagios",
            "Authorisation response time",
            "perf",
            "WARNING - authorisation response 2.9 s",
            observer="nagios-legacy",
        )
        for nid in ("apigw-01", "apigw-02", "cardauth-01", "cardauth-02"):
            self.icinga_server(nid, web=True)
        for nid in ("cardauth-01", "cardauth-02"):
            self.check(
                nid,
                "icinga",
                "card network link",
                "ext",
                "CRITICAL - no response from card network (timeouts 100%)",
                observer="icinga-master",
            )
        for nid in ("apigw-vip", "obk-vip"):
            self.nodes[nid].address = self._ip("fra-dc1")
            self.check(
                nid,
                "icinga",
                "HTTPS",
                "svc",
                "HTTP CRITICAL - 503 Service Unavailable",
                observer="icinga-master",
            )
        for nid in self.order:
            if nid.startswith("obk-web-"):
                self.icinga_server(nid, web=True)
                self.check(
                    nid,
                    "icinga",
                    "login transaction",
                    "perf",
                    "WARNING - login transaction slow or failing (synthetic user)",
                    observer="icinga-master",
                )
            elif nid.startswith(("batch-", "bkp-")) or nid[3:].startswith(
                ("app-", "web-", "file-", "jump-", "ldap-", "mq-", "etl-", "rep-")
            ):
                self.icinga_server(nid)
                if nid.startswith("batch-"):
                    self.check(
                        nid,
                        "icinga",
                        "CPU load",
                        "noise",
                        "LOAD WARNING - load average: 31.2, 29.8, 27.1",
                        observer="icinga-master",
                        noise=True,
                    )
                elif rng.random() < 0.3:
                    self.check(
                        nid,
                        "zabbix",
                        "Zabbix agent is not available",
                        "av",
                        "Zabbix agent is not available (for 3m)",
                        observer="zbx-proxy-dc1" if nid.startswith("d1") else "zbx-proxy-dc2",
                        zsev=3,
                    )
        # Nagios service check on legacy hosts: certificate expiry noise on the mainframe.
        self.check(
            "cbs-lpar1",
            "nagios",
            "RACF certificate expiry",
            "noise",
            "WARNING - certificate CBSPRODTLS expires in 20 days",
            observer="nagios-legacy",
            noise=True,
        )

    # -- views -----------------------------------------------------------------------

    def monitored(self, nid: str) -> bool:
        return bool(self.nodes[nid].monitored_as)

    def topology(self) -> dict[str, Any]:
        out = []
        for nid in self.order:
            n = self.nodes[nid]
            d: dict[str, Any] = {"id": nid, "kind": n.kind, "team": n.team, "site": n.site}
            d["criticality"] = n.crit
            if n.tags:
                d["tags"] = dict(n.tags)
            if n.monitored_as:
                d["monitored_as"] = list(n.monitored_as)
            if n.deps:
                d["depends_on"] = [x if isinstance(x, str) else {"any_of": list(x)} for x in n.deps]
            out.append(d)
        return {"version": 1, "defaults": {"team": "service-desk"}, "nodes": out}


def build_world(seed: int, nodes: int = 300) -> World:
    """The bank's topology and monitoring for ``seed``, about ``nodes`` nodes."""
    return World(seed, nodes)


# --------------------------------------------------------------------------------------
# Faults: modes spreading up the graph, checks firing, tools' timing
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Ep:
    """One alert episode: a check in trouble from ``t`` to ``end`` (INF: still open)."""

    fault: int
    chk: Check
    t: float
    end: float
    level: str  # crit | warn | unknown | unreach | paused
    notify: bool = True
    ack_at: float | None = None
    renotify: bool = True
    flaps: list[tuple[float, float]] = field(default_factory=list)
    maint: bool = False


@dataclass(slots=True)
class Fault:
    idx: int
    kind: str
    root: str | None
    t0: float
    equivalent: list[str] = field(default_factory=list)
    watched: list[str] = field(default_factory=list)
    maintenance: bool = False


# (node, category, level, start, end) alerts a fault causes beside its spread.
Side = tuple[str, str, str, float, float]


def _u(rng: random.Random, a: float, b: float) -> float:
    return rng.uniform(a, b)


class _Sim:
    def __init__(self, w: World, seed: int, tag: str) -> None:
        self.w = w
        self.seed = seed
        self.tag = tag
        self.rng = random.Random(f"sim-g:{tag}:{seed}:{len(w.order)}")
        self.eps: list[Ep] = []
        self.faults: list[Fault] = []
        self.busy: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.pos = {nid: i for i, nid in enumerate(w.order)}
        self.dur_range = (1200.0, 4800.0)

    # -- spreading -------------------------------------------------------------------

    def _mode_of(
        self, nid: str, state: dict[str, tuple[str, float, int]]
    ) -> tuple[str, int] | None:
        w = self.w
        node = w.nodes[nid]
        best: tuple[str, int] | None = None
        for entry in node.deps:
            members = (entry,) if isinstance(entry, str) else entry
            got = [state.get(m) for m in members]
            cand: tuple[str, int] | None = None
            if all(g is not None and g[0] in _HARD for g in got):
                if isinstance(entry, str) and entry in node.soft:
                    cand = ("slow", 1)
                elif isinstance(entry, str) and w.nodes[entry].kind == "gnss":
                    cand = ("clock", 0)
                elif node.kind in _HOSTLIKE and all(w.nodes[m].path for m in members):
                    cand = ("unreach", 0)
                else:
                    cand = ("fail", 0)
            elif any(g is not None and g[0] == "slow" for g in got):
                hops = min(
                    g[2] + (1 if w.nodes[m].monitored_as else 0)
                    for g, m in zip(got, members, strict=True)
                    if g is not None and g[0] == "slow"
                )
                cand = ("slow", hops)
            elif all(
                g is not None and g[0] == "clock" and w.nodes[m].kind == "time"
                for g, m in zip(got, members, strict=True)
            ):
                cand = ("clock", 0)
            if cand and (best is None or _RANK[cand[0]] > _RANK[best[0]]):
                best = cand
        if best and best[0] == "slow" and best[1] > 3:
            return None
        return best

    def spread(
        self, starts: list[tuple[str, str, float]], slow_hop: tuple[float, float] = (60, 300)
    ) -> dict[str, tuple[str, float, int]]:
        rng = self.rng
        state: dict[str, tuple[str, float, int]] = {}
        heap: list[tuple[float, int, str]] = []
        fixed = {s[0] for s in starts}
        for nid, mode, t in starts:
            state[nid] = (mode, t, 0)
            heapq.heappush(heap, (t, self.pos[nid], nid))
        while heap:
            t, _, nid = heapq.heappop(heap)
            if state[nid][1] != t:
                continue
            for d in sorted(set(self.w.dependents[nid]), key=self.pos.__getitem__):
                if d in fixed:
                    continue
                m = self._mode_of(d, state)
                if m is None:
                    continue
                mode, hops = m
                old = state.get(d)
                if old and _RANK[old[0]] >= _RANK[mode]:
                    continue
                delay = {
                    "unreach": (0.5, 4.0),
                    "fail": (5.0, 60.0),
                    "slow": slow_hop,
                    "clock": (300.0, 1500.0),
                }[mode]
                nt = t + _u(rng, *delay)
                state[d] = (mode, nt, hops)
                heapq.heappush(heap, (nt, self.pos[d], d))
        return state

    # -- checks firing ---------------------------------------------------------------

    def _delay(self, c: Check, level: str) -> float:
        rng = self.rng
        tool = c.tool
        if tool == "icinga":
            return _u(rng, 10, 70)
        if tool == "nagios":
            return _u(rng, 120, 420) if c.carrier == "cbs-lpar1" else _u(rng, 60, 240)
        if tool == "zabbix":
            if c.cat == "phealth":
                return _u(rng, 600, 700)
            if c.cat in ("perf", "gnss"):
                return _u(rng, 180, 420)
            return _u(rng, 30, 150)
        if tool == "prtg":
            return _u(rng, 60, 180) if level == "unknown" else _u(rng, 30, 120)
        base = {"av": 120, "svc": 60, "perf": 300, "clock": 600, "line": 60, "urp": 300}
        return base.get(c.cat, 120) + _u(rng, 0, 30)

    def _episodes(
        self,
        fi: int,
        state: dict[str, tuple[str, float, int]],
        end: float,
        side: list[Side],
        protect: set[str],
        fire: dict[str, set[str]],
    ) -> list[Ep]:
        """The alert episodes of one fault; ``fire`` adds categories firing on a node."""
        w = self.w
        rng = self.rng
        out: list[Ep] = []
        seen: set[int] = set()

        def stop(t: float) -> float:
            return INF if end == INF else max(t + 60, end + _u(rng, 30, 240))

        def keep(c: Check) -> bool:
            return c.node in protect or rng.random() >= MISS

        lost_obs = {o for o, s in state.items() if s[0] in ("down", "unreach", "hung")}
        for nid in sorted(state, key=self.pos.__getitem__):
            mode, t, hops = state[nid]
            for c in w.by_node[nid]:
                if c.noise:
                    continue
                level = _FIRE.get(c.cat, {}).get(mode)
                if level is None and c.cat in fire.get(nid, ()):
                    level = "crit" if c.cat in ("svc", "ext") else "warn"
                if level is None:
                    continue
                if mode == "slow" and rng.random() > (0.95, 0.9, 0.7, 0.5)[min(hops, 3)]:
                    continue
                if c.about is not None and mode in ("slow", "fail") and c.about not in state:
                    continue
                if mode == "fail" and c.cat == "perf" and rng.random() < 0.4:
                    continue
                cm = state.get(c.carrier, ("", 0.0, 0))[0]
                ep = self._tool_rules(fi, c, level, cm, t, lost_obs)
                if ep is None or not keep(c):
                    continue
                ep.end = stop(ep.t)
                seen.add(c.cid)
                out.append(ep)
        # Sensors of a probe that lost its path (or hung): Unknown, whatever their host.
        for o in sorted(lost_obs, key=self.pos.__getitem__):
            t_o = state[o][1]
            for c in w.by_observer.get(o, ()):
                if c.tool != "prtg" or c.cid in seen or c.noise:
                    continue
                if rng.random() < MISS and c.node not in protect:
                    continue
                t = t_o + _u(rng, 60, 180)
                out.append(Ep(fi, c, t, stop(t), "unknown", renotify=False))
                seen.add(c.cid)
        for nid, cat, level, t, e in side:
            for c in w.by_node[nid]:
                if c.cat != cat or c.cid in seen or not keep(c):
                    continue
                td = t + self._delay(c, level)
                if e != INF and td >= e:
                    continue
                out.append(Ep(fi, c, td, e + _u(rng, 10, 90) if e != INF else INF, level))
                seen.add(c.cid)
        return out

    def _tool_rules(
        self, fi: int, c: Check, level: str, cm: str, t: float, lost_obs: set[str]
    ) -> Ep | None:
        rng = self.rng
        down = cm in ("down", "unreach")
        if c.observer in lost_obs:
            if c.tool != "prtg":
                return None  # a proxy buffers; a Prometheus behind the cut sees nothing
            td = t + _u(rng, 60, 180)
            return Ep(fi, c, td, INF, "unknown", renotify=False)
        notify = True
        if c.tool == "alertmanager" and down and c.cat != "av":
            return None
        if c.tool == "nagios":
            has_host = any(x.tool == "nagios" and x.name is None for x in self.w.by_node[c.carrier])
            if c.name and down and has_host:
                return None
            if c.name is None and cm == "unreach" and rng.random() < 0.8:
                level = "unreach"
        if c.tool == "zabbix" and down and c.cat not in ("av", "xc", "phealth"):
            return None
        if c.tool == "zabbix" and cm == "unreach" and rng.random() < 0.5:
            return None  # trigger dependency on the uplink's trigger
        if c.tool == "icinga" and cm == "unreach" and rng.random() < 0.7:
            notify = False  # Dependency with disable_notifications
        if c.tool == "prtg" and down and c.cat != "av" and c.carrier == c.node:
            if rng.random() < 0.2:
                return None
            level = "paused"
        td = t + self._delay(c, level)
        ack = None
        if level in ("crit", "unreach") and rng.random() < 0.3:
            ack = td + _u(rng, 120, 1200)
        return Ep(fi, c, td, INF, level, notify=notify, ack_at=ack)

    # -- bookkeeping -----------------------------------------------------------------

    def free(self, nodes: list[str], a: float, b: float) -> bool:
        for n in nodes:
            for x, y in self.busy.get(n, ()):
                if x < b and a < y:
                    return False
        return True

    def hold(self, nodes: list[str], a: float, b: float) -> None:
        for n in nodes:
            self.busy[n].append((a, b))

    def commit(self, f: Fault, eps: list[Ep], nodes: list[str], a: float, b: float) -> None:
        self.faults.append(f)
        self.eps.extend(eps)
        self.hold(nodes, a, b)

    # -- faults ----------------------------------------------------------------------

    def add_fault(self, kind: str, t0: float, label: str | None = None) -> bool:
        """Place one fault of ``kind`` starting at ``t0``; False when it does not fit."""
        if kind == "concurrent":
            pool = [k for k in FAULT_KINDS_G if k not in ("concurrent", "ptp-antenna")]
            a, b = self.rng.sample(pool, 2)
            if not self.add_fault(a, t0, "concurrent"):
                return False
            if not self.add_fault(b, t0 + _u(self.rng, 5, 120), "concurrent"):
                for _ in range(6):
                    b = self.rng.choice(pool)
                    if self.add_fault(b, t0 + _u(self.rng, 5, 120), "concurrent"):
                        return True
                return True
            return True
        w = self.w
        rng = self.rng
        dur = _u(rng, *self.dur_range)
        end = t0 + dur if rng.random() > 0.08 else INF
        starts: list[tuple[str, str, float]] = []
        side: list[Side] = []
        fire: dict[str, set[str]] = {}
        equivalent: list[str] = []
        watched: list[str] = []
        slow_hop = (60.0, 300.0)
        need_nodes = 1  # distinct nodes that must alert
        need_on: list[str] = []  # nodes that must alert (at least one of each group)
        root: str
        if kind == "feed-line":
            v = rng.choice(w.venues)
            root = f"fr2-line-{v}-{rng.choice('ab')}"
            starts = [(root, "deg", t0)]
            need_on = [root]
        elif kind == "feed-both":
            v = rng.choice(w.venues)
            first = rng.choice("ab")
            root = f"fr2-line-{v}-{first}"
            other = f"fr2-line-{v}-{'b' if first == 'a' else 'a'}"
            starts = [(root, "down", t0), (other, "down", t0 + _u(rng, 60, 600))]
            need_on = [root]
            need_nodes = 3
        elif kind == "md-slow":
            root = "md-dist"
            starts = [(root, "slow", t0)]
            need_on = [root]
            need_nodes = 3
            slow_hop = (20.0, 120.0)
        elif kind == "ptp-antenna":
            root = "fr2-gnss"
            starts = [(root, "down", t0)]
            need_nodes = 5
        elif kind == "broker-slow":
            root = f"mq-broker-{rng.randint(1, 3)}"
            starts = [(root, "slow", t0)]
            need_on = [root]
            need_nodes = 3
        elif kind == "broker-down":
            k = rng.randint(1, 3)
            root = f"mq-broker-{k}"
            starts = [(root, "down", t0)]
            for j in (1, 2, 3):
                if j != k and rng.random() < 0.8:
                    side.append((f"mq-broker-{j}", "urp", "warn", t0 + 5, t0 + _u(rng, 900, 1800)))
            need_on = [root]
        elif kind in ("db-failover", "db-both"):
            dbn = rng.choice(("db-trd", "db-obk"))
            root = f"{dbn}-p"
            starts = [(root, "down", t0)]
            if kind == "db-both":
                starts.append((f"{dbn}-s", "down", t0 + _u(rng, 60, 400)))
                need_nodes = 3
            else:
                promote = t0 + _u(rng, 120, 600)
                side.append((f"{dbn}-s", "repl", "crit", t0 + 10, promote))
                if rng.random() < 0.5:
                    for d in sorted(self._above(dbn), key=self.pos.__getitem__):
                        if w.nodes[d].kind in ("server", "vm"):
                            side.append((d, "perf", "warn", t0 + 20, promote + 60))
            need_on = [root]
        elif kind in ("lb-pair", "hsm-pair", "leaf-pair"):
            if kind == "lb-pair":
                pair = ("d1-lb-1", "d1-lb-2")
            elif kind == "hsm-pair":
                pair = ("hsm-1", "hsm-2")
            else:
                dc = "d1" if rng.random() < 0.7 else "d2"
                pair = w.leaves[dc][rng.randrange(len(w.leaves[dc]))]
            first = rng.randrange(2)
            root = pair[first]
            gap = _u(rng, 1, 20) if kind == "leaf-pair" and rng.random() < 0.4 else _u(rng, 60, 600)
            starts = [(root, "down", t0), (pair[1 - first], "down", t0 + gap)]
            need_on = [root]
            need_nodes = 3
        elif kind == "core-member":
            root = rng.choice(("core-1", "core-2"))
            starts = [(root, "down", t0)]
            need_on = [root]
        elif kind == "card-network":
            root = "ext-card-net"
            starts = [(root, "down", t0)]
            fire = {"cardauth-01": {"ext"}, "cardauth-02": {"ext"}, "atm-switch": {"perf"}}
            need_nodes = 3
        elif kind == "storage-latency":
            root = f"d{1 if rng.random() < 0.7 else 2}-array-1"
            starts = [(root, "slow", t0)]
            slow_hop = (120.0, 600.0)
            need_on = [root]
            need_nodes = 3
        elif kind == "colo-xc-cut":
            first = rng.randrange(2)
            xcs = ("fr2-xc-dc1", "fr2-xc-dc2")
            root = xcs[first]
            starts = [(root, "down", t0), (xcs[1 - first], "down", t0 + _u(rng, 30, 900))]
            if w.xc_monitored:
                need_on = [root]
            else:
                equivalent = [xcs[1 - first], "fr2-sw-a", "fr2-sw-b"]
            need_nodes = 5
        elif kind == "probe-cut":
            root = "prtg-probe-fr2"
            starts = [(root, "hung", t0)]
            need_on = [root]
            need_nodes = 5
            watched = sorted(
                {c.node for c in w.by_observer[root] if c.node != root}, key=self.pos.__getitem__
            )
        elif kind == "lpar-down":
            root = "cbs-lpar1"
            starts = [(root, "down", t0)]
            need_on = [root]
            need_nodes = 3
        else:
            raise ValueError(f"unknown kind {kind!r}")
        state = self.spread(starts, slow_hop)
        if kind == "ptp-antenna":
            state["fr2-gnss"] = ("down", t0, 0)
        nodes = sorted(set(state) | {s[0] for s in side}, key=self.pos.__getitem__)
        lost = [o for o, s in state.items() if s[0] in ("down", "unreach", "hung")]
        for o in sorted(lost):
            nodes.extend(c.node for c in w.by_observer.get(o, ()) if c.tool == "prtg")
        nodes = sorted(set(nodes), key=self.pos.__getitem__)
        hold_end = (end if end != INF else t0 + 10 * 86400) + 1200
        if not self.free(nodes, t0 - 600, hold_end):
            return False
        fi = len(self.faults)
        protect = set(need_on)
        if kind == "card-network":
            protect |= {"cardauth-01", "cardauth-02"}
        for _ in range(15):
            eps = self._episodes(fi, state, end, side, protect, fire)
            placed = {e.chk.node for e in eps}
            if kind == "ptp-antenna":
                others = placed - {"fr2-ptp-gm1", "fr2-ptp-gm2"}
                if len(others) < 3:
                    continue
            if len(placed) >= need_nodes and all(n in placed for n in need_on):
                break
        else:
            return False
        f = Fault(fi, label or kind, root, t0, equivalent, watched)
        self.commit(f, eps, nodes, t0 - 600, hold_end)
        return True

    def _above(self, nid: str) -> set[str]:
        out: set[str] = set()
        stack = [nid]
        while stack:
            for d in self.w.dependents[stack.pop()]:
                if d not in out:
                    out.add(d)
                    stack.append(d)
        return out

    # -- decoration ------------------------------------------------------------------

    def _pick_check(self, pred: Any, a: float, b: float) -> Check | None:
        cands = [c for c in self.w.checks if pred(c) and self.free([c.node], a, b)]
        return self.rng.choice(cands) if cands else None

    def add_noise(self, t: float) -> bool:
        rng = self.rng
        end = t + _u(rng, 900, 14400) if rng.random() < 0.7 else INF
        c = self._pick_check(lambda c: c.noise, t - 300, (end if end != INF else INF))
        if c is None:
            return False
        fi = len(self.faults)
        self.commit(
            Fault(fi, "noise", c.node, t),
            [Ep(fi, c, t, end, "warn", ack_at=None, renotify=rng.random() < 0.5)],
            [c.node],
            t - 300,
            end + 600 if end != INF else INF,
        )
        return True

    def add_flapping(self, t: float) -> bool:
        rng = self.rng
        c = self._pick_check(
            lambda c: (
                c.tool in ("icinga", "zabbix", "prtg") and c.cat in ("perf", "svc") and not c.noise
            ),
            t - 600,
            t + 7200,
        )
        if c is None:
            return False
        flaps = []
        p = t
        for _ in range(rng.randint(4, 7)):
            ok = p + _u(rng, 90, 400)
            flaps.append((p, ok))
            p = ok + _u(rng, 60, 300)
        fi = len(self.faults)
        level = "warn" if c.cat == "perf" else "crit"
        ep = Ep(fi, c, t, flaps[-1][1], level, flaps=flaps, renotify=False)
        self.commit(Fault(fi, "flapping", c.node, t), [ep], [c.node], t - 600, p + 1800)
        return True

    def add_maintenance(self, t: float) -> bool:
        rng = self.rng
        w = self.w
        hosts = [
            nid
            for nid in w.order
            if nid[3:].startswith(("app-", "file-", "etl-", "rep-"))
            and not self._above(nid)
            and all(c.tool == "icinga" for c in w.by_node[nid])
        ]
        rng.shuffle(hosts)
        end = t + _u(rng, 600, 2400)
        for h in hosts:
            if not self.free([h], t - 900, end + 1800):
                continue
            fi = len(self.faults)
            eps = []
            for c in w.by_node[h]:
                if c.noise:
                    continue
                td = t + _u(rng, 5, 60)
                eps.append(Ep(fi, c, td, end + _u(rng, 20, 120), "crit", notify=False, maint=True))
            self.commit(
                Fault(fi, "maintenance", h, t, maintenance=True), eps, [h], t - 900, end + 1800
            )
            return True
        return False

    def add_unplaced(self, t: float) -> None:
        rng = self.rng
        fi = len(self.faults)
        n = rng.randint(10, 99)
        host = rng.choice((f"uat-sim-{n:02d}.dc1.{DOMAIN}", f"lab-fix-{n:02d}", f"POC-GW-{n:02d}"))
        tool = "zabbix" if host.isupper() else "icinga"
        chk = Check(
            -1 - fi,
            "",
            "",
            tool,
            host,
            None if tool == "icinga" else "Unavailable by ICMP ping",
            "av",
            "CRITICAL - Host Unreachable",
            "icinga-master" if tool == "icinga" else None,
            None if tool == "icinga" else f"10.99.{n}.{n}",
            str(90000 + fi),
            4,
        )
        end = t + _u(rng, 600, 5400) if rng.random() < 0.6 else INF
        self.faults.append(Fault(fi, "unplaced", None, t))
        self.eps.append(Ep(fi, chk, t, end, "crit"))


# --------------------------------------------------------------------------------------
# Rendering: each tool's native payloads
# --------------------------------------------------------------------------------------

_RENOTIFY: Final = 1800.0
_ICINGA_STATE: Final = {"crit": 2, "warn": 1, "unknown": 3, "unreach": 2, "paused": 2}
_NAGIOS_STATE: Final = {"crit": "CRITICAL", "warn": "WARNING", "unknown": "UNKNOWN"}
_PRTG_STATUS: Final = {
    "crit": "Down",
    "unreach": "Down",
    "warn": "Warning",
    "unknown": "Unknown",
    "paused": "Paused by Dependency",
}
_ZSEV_WARN: Final = 2


@dataclass(slots=True)
class _Line:
    at: float
    seq: int
    source: str
    payload: dict[str, Any]
    observer: str | None
    marks: list[tuple[int, str]]


class _Renderer:
    def __init__(self, seed: int, tag: str, horizon: float) -> None:
        self.rng = random.Random(f"render-g:{tag}:{seed}")
        self.horizon = horizon
        self.lines: list[_Line] = []
        self.nagios_id = 4100
        self.zabbix_id = 880000

    def emit(
        self,
        at: float,
        source: str,
        payload: dict[str, Any],
        observer: str | None = None,
        marks: list[tuple[int, str]] | None = None,
    ) -> None:
        if at <= self.horizon:
            self.lines.append(_Line(at, len(self.lines), source, payload, observer, marks or []))

    def _spans(self, e: Ep) -> list[tuple[float, float]]:
        return e.flaps or [(e.t, e.end)]

    # -- Icinga 2 ------------------------------------------------------------------------

    def icinga(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        is_host = c.name is None
        state = 1 if is_host else _ICINGA_STATE[e.level]
        cr_state = 2 if is_host else state
        mark = [(e.fault, c.node)]
        obs = c.observer
        text = c.text
        if e.level == "warn" and not is_host:
            text = text.replace("CRITICAL", "WARNING")

        def obj(kind: str, t: float, **extra: Any) -> dict[str, Any]:
            o: dict[str, Any] = {"type": kind, "host": c.host}
            if not is_host:
                o["service"] = c.name
            o.update(extra)
            o["timestamp"] = round(t, 6)
            return o

        def cr(st: int, st_type: int, t: float, out: str, reach: bool = True) -> dict[str, Any]:
            return {
                "active": True,
                "check_source": obs or "icinga-master",
                "command": ["check_nrpe" if not is_host else "hostalive"],
                "execution_start": round(t - 0.3, 6),
                "execution_end": round(t, 6),
                "exit_status": st,
                "output": out,
                "state": st,
                "type": "CheckResult",
                "vars_after": {
                    "attempt": 1,
                    "reachable": reach,
                    "state": st,
                    "state_type": st_type,
                },
            }

        def lat() -> float:
            return rng.uniform(0.02, 5.0)

        reach = e.level != "unreach" and e.notify

        def change(t: float, st: int, crs: int, st_type: int, out: str, *, m: bool) -> None:
            self.emit(
                t + lat(),
                "icinga",
                obj(
                    "StateChange",
                    t,
                    state=st,
                    state_type=st_type,
                    check_result=cr(crs, st_type, t, out, reach or st == 0),
                    downtime_depth=1 if e.maint else 0,
                    acknowledgement=False,
                ),
                obs,
                mark if m else None,
            )

        def notif(t: float, ntype: str, crs: int, out: str, *, m: bool, **kw: str) -> None:
            self.emit(
                t + lat(),
                "icinga",
                obj(
                    "Notification",
                    t,
                    notification_type=ntype,
                    command="notify-correlator",
                    users=["noc"],
                    author=kw.get("author", ""),
                    text=kw.get("text", ""),
                    check_result=cr(crs, 1, t, out),
                ),
                obs,
                mark if m else None,
            )

        ok_text = "PING OK - Packet loss = 0%, RTA = 0.42 ms" if is_host else "OK"
        if e.maint:
            dt = {
                "__name": f"{c.host}!maint-{e.fault}",
                "author": "change-mgmt",
                "comment": "CHG0041: OS patching",
                "host_name": c.host,
                "service_name": c.name or "",
                "start_time": int(e.t - 300),
                "end_time": int(e.end + 900),
                "fixed": True,
                "type": "Downtime",
            }
            if is_host:
                self.emit(
                    e.t - 300 + lat(),
                    "icinga",
                    {"type": "DowntimeStarted", "downtime": dt, "timestamp": e.t - 300},
                    obs,
                )
                notif(
                    e.t - 299.9,
                    "DowntimeStart",
                    0,
                    ok_text,
                    m=False,
                    author="change-mgmt",
                    text="CHG0041: OS patching",
                )
        if e.flaps:
            for n, (p, ok) in enumerate(e.flaps):
                change(p, state, cr_state, 1, text, m=True)
                if n == 0:
                    notif(p + 0.1, "Problem", cr_state, text, m=True)
                change(ok, 0, 0, 1, ok_text, m=False)
                if n == 2:
                    self.emit(
                        ok + lat(),
                        "icinga",
                        obj("Flapping", ok, is_flapping=True, state=0, state_type=1),
                        obs,
                    )
                    notif(ok + 0.1, "FlappingStart", 0, ok_text, m=False)
            t_end = e.flaps[-1][1] + rng.uniform(900, 1500)
            self.emit(
                t_end + lat(),
                "icinga",
                obj("Flapping", t_end, is_flapping=False, state=0, state_type=1),
                obs,
            )
            notif(t_end + 0.1, "FlappingEnd", 0, ok_text, m=False)
            return
        change(e.t, state, cr_state, 0, text, m=True)
        hard = e.t + rng.uniform(55, 95)
        notified = False
        if hard < e.end:
            change(hard, state, cr_state, 1, text, m=True)
            if e.notify and not e.maint:
                notified = True
                notif(hard + 0.05, "Problem", cr_state, text, m=True)
                t = hard + _RENOTIFY
                while e.renotify and t < min(e.end, self.horizon):
                    notif(t, "Problem", cr_state, text, m=True)
                    t += _RENOTIFY
            if notified and e.ack_at is not None and hard < e.ack_at < e.end:
                notif(
                    e.ack_at,
                    "Acknowledgement",
                    cr_state,
                    text,
                    m=False,
                    author="noc-fra",
                    text="investigating",
                )
                self.emit(
                    e.ack_at + 0.3 + lat(),
                    "icinga",
                    obj(
                        "AcknowledgementSet",
                        e.ack_at + 0.3,
                        author="noc-fra",
                        comment="investigating",
                        acknowledgement_type=1,
                        state=state,
                        state_type=1,
                        expiry=0,
                        notify=True,
                        persistent=False,
                    ),
                    obs,
                )
                if e.end < self.horizon:
                    self.emit(
                        e.end + lat(),
                        "icinga",
                        obj(
                            "AcknowledgementCleared",
                            e.end,
                            acknowledgement_type=0,
                            state=0,
                            state_type=1,
                        ),
                        obs,
                    )
        if e.end >= self.horizon:
            return
        change(e.end + 0.01, 0, 0, 1, ok_text, m=False)
        if notified:
            notif(e.end + 0.05, "Recovery", 0, ok_text, m=False)
        if e.maint and is_host:
            t = e.end + 900
            dt = {
                "__name": f"{c.host}!maint-{e.fault}",
                "author": "change-mgmt",
                "comment": "CHG0041: OS patching",
                "host_name": c.host,
                "service_name": "",
                "type": "Downtime",
            }
            self.emit(
                t + lat(),
                "icinga",
                {"type": "DowntimeRemoved", "downtime": dt, "timestamp": t},
                obs,
            )
            notif(t + 0.1, "DowntimeEnd", 0, ok_text, m=False, author="change-mgmt")

    # -- Nagios 4 ------------------------------------------------------------------------

    def nagios(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        self.nagios_id += 1
        pid = str(self.nagios_id)
        is_host = c.name is None

        def body(
            ntype: str, t: float, st: str, out: str, *, rec: bool = False, **kw: str
        ) -> dict[str, Any]:
            p: dict[str, Any] = {
                "NOTIFICATIONTYPE": ntype,
                "HOSTNAME": c.host,
                "HOSTADDRESS": c.address or "",
                "HOSTGROUPNAMES": "legacy,fra-dc1",
                "TIMET": str(int(t)),
                "LONGDATETIME": datetime.fromtimestamp(t, UTC).strftime("%a %b %d %H:%M:%S UTC %Y"),
            }
            if is_host:
                p.update(
                    HOSTSTATE=st,
                    HOSTSTATETYPE="HARD",
                    HOSTOUTPUT=out,
                    HOSTPROBLEMID="0" if rec else pid,
                    LASTHOSTPROBLEMID=pid if rec else "0",
                )
            else:
                p.update(
                    SERVICEDESC=c.name,
                    SERVICESTATE=st,
                    SERVICESTATETYPE="HARD",
                    SERVICEOUTPUT=out,
                    HOSTSTATE="UP",
                    SERVICEPROBLEMID=pid,
                    LASTSERVICEPROBLEMID="0",
                )
            if kw:
                p.update(NOTIFICATIONAUTHOR=kw["author"], NOTIFICATIONCOMMENT=kw["comment"])
            return p

        if is_host:
            st = "UNREACHABLE" if e.level == "unreach" else "DOWN"
            out = f"CRITICAL - Host Unreachable ({c.address})" if e.level == "unreach" else c.text
            ok_st, ok_out = "UP", "PING OK - Packet loss = 0%, RTA = 0.38 ms"
        else:
            st = _NAGIOS_STATE.get(e.level, "CRITICAL")
            out = c.text
            ok_st, ok_out = "OK", "OK"

        def lat() -> float:
            return rng.uniform(0.06, 0.3)

        obs = c.observer
        for n, (p, ok) in enumerate(self._spans(e)):
            if not e.flaps or n < 2:
                self.emit(p + lat(), "nagios", body("PROBLEM", p, st, out), obs, mark)
            if e.flaps and n == 1:
                self.emit(p + 1 + lat(), "nagios", body("FLAPPINGSTART", p + 1, st, out), obs)
            if e.flaps:
                continue
            t = p + 3600
            while e.renotify and t < min(ok, self.horizon):
                self.emit(t + lat(), "nagios", body("PROBLEM", t, st, out), obs, mark)
                t += 3600
            if e.ack_at is not None and e.ack_at < ok:
                self.emit(
                    e.ack_at + lat(),
                    "nagios",
                    body("ACKNOWLEDGEMENT", e.ack_at, st, out, author="noc-fra", comment="on it"),
                    obs,
                )
            if ok < self.horizon:
                self.emit(ok + lat(), "nagios", body("RECOVERY", ok, ok_st, ok_out, rec=True), obs)
        if e.flaps:
            t = e.flaps[-1][1] + rng.uniform(900, 1500)
            self.emit(t + lat(), "nagios", body("FLAPPINGSTOP", t, ok_st, ok_out), obs)

    # -- Zabbix 6 ------------------------------------------------------------------------

    def zabbix(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        sev = _ZSEV_WARN if e.level == "warn" else c.zsev
        visible = c.host.split(".")[0].lower()

        def body(
            t: float, eid: str, value: str, *, upd: bool = False, rid: str = "{EVENT.RECOVERY.ID}"
        ) -> dict[str, Any]:
            d = datetime.fromtimestamp(t, UTC)
            p: dict[str, Any] = {
                "event_id": eid,
                "event_value": value,
                "event_update_status": "1" if upd else "0",
                "event_ack": "Yes" if upd else "No",
                "event_severity": str(sev),
                "event_name": c.text if value == "1" else f"Resolved: {c.text}",
                "event_tags": json.dumps(
                    [{"tag": "site", "value": c.group}, {"tag": "scope", "value": c.cat}],
                    separators=(",", ":"),
                ),
                "event_date": d.strftime("%Y.%m.%d"),
                "event_time": d.strftime("%H:%M:%S"),
                "recovery_id": rid,
                "host": c.host,
                "host_name": visible,
                "host_ip": c.address or "",
                "trigger_id": c.ident,
                "trigger_name": c.name or "",
                "proxy": c.observer or "",
            }
            if upd:
                p["event_update_user"] = "noc-fra"
                p["event_update_message"] = "Acknowledged"
            return p

        def lat() -> float:
            return rng.uniform(0.5, 4.0)

        for p, ok in self._spans(e):
            self.zabbix_id += 3
            eid = str(self.zabbix_id)
            self.emit(p + lat(), "zabbix", body(p, eid, "1"), c.observer, mark)
            if e.renotify and not e.flaps and sev >= 4 and p + _RENOTIFY < min(ok, self.horizon):
                t = p + _RENOTIFY
                self.emit(t + lat(), "zabbix", body(p, eid, "1"), c.observer, mark)
            if e.ack_at is not None and not e.flaps and e.ack_at < ok:
                self.emit(e.ack_at + lat(), "zabbix", body(p, eid, "1", upd=True), c.observer)
            if ok < self.horizon:
                self.emit(
                    ok + lat(),
                    "zabbix",
                    body(ok, eid, "0", rid=str(self.zabbix_id + 1)),
                    c.observer,
                )

    # -- PRTG ----------------------------------------------------------------------------

    def prtg(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        status = _PRTG_STATUS[e.level]
        msg = {
            "unknown": "No data: probe disconnected from the core server",
            "paused": "Paused by dependency (Ping sensor of the device is down)",
        }.get(e.level, c.text)

        def body(t: float, st: str, message: str) -> dict[str, Any]:
            return {
                "device": c.host,
                "deviceid": c.device_id,
                "sensor": c.name or "Ping",
                "sensorid": c.ident,
                "status": st,
                "down": f"{max(0, int(t - e.t))} s",
                "message": message,
                "datetime": datetime.fromtimestamp(t, UTC).strftime("%d.%m.%Y %H:%M:%S"),
                "priority": "*****" if e.level in ("crit", "unreach") else "***",
                "group": "Colo FR2" if c.group == "fr2-colo" else c.group,
                "probe": c.observer or "prtg-core",
                "host": c.address or c.host,
                "home": f"https://prtg.{DOMAIN}/",
                "lastvalue": "No data" if st != "Up" else "1 msec",
            }

        def lat() -> float:
            return rng.uniform(0.5, 6.0)

        for p, ok in self._spans(e):
            self.emit(p + lat(), "prtg", body(p, status, msg), c.observer, mark)
            if e.ack_at is not None and status == "Down" and not e.flaps and e.ack_at < ok:
                self.emit(
                    e.ack_at + lat(),
                    "prtg",
                    body(e.ack_at, "Down (Acknowledged)", "Acknowledged by noc-fra: on it"),
                    c.observer,
                )
            if ok < self.horizon:
                self.emit(
                    ok + lat(), "prtg", body(ok, f"{status} ended (now: Up)", "OK"), c.observer
                )

    # -- Alertmanager --------------------------------------------------------------------

    def alertmanager(self, eps: list[Ep]) -> None:
        groups: dict[tuple[str, str], list[Ep]] = defaultdict(list)
        for e in eps:
            groups[(e.chk.labels["prometheus"], e.chk.labels["alertname"])].append(e)
        for key in sorted(groups):
            items = sorted(groups[key], key=lambda e: (e.t, e.chk.cid))
            self._group(key, items)

    def _group(self, key: tuple[str, str], items: list[Ep]) -> None:
        prom, alertname = key
        sent: dict[int, bool] = {}
        last = -INF
        flush = items[0].t + 30.0
        while flush <= self.horizon:
            firing = [i for i, e in enumerate(items) if e.t <= flush < e.end]
            resolved = [i for i, e in enumerate(items) if e.end <= flush and sent.get(i)]
            new = [i for i in firing if not sent.get(i)]
            if new or resolved or (firing and flush - last >= 14400):
                self._body(prom, alertname, items, firing, resolved, flush)
                for i in firing:
                    sent[i] = True
                for i in resolved:
                    sent[i] = False
                last = flush
            if firing or any(sent.values()):
                flush += 300.0
            else:
                later = [e.t for e in items if e.t > flush]
                if not later:
                    break
                flush = max(flush + 300.0, min(later) + 30.0)

    def _body(
        self,
        prom: str,
        alertname: str,
        items: list[Ep],
        firing: list[int],
        resolved: list[int],
        flush: float,
    ) -> None:
        alerts = []
        marks: list[tuple[int, str]] = []
        labelsets = []
        for i in firing + resolved:
            e = items[i]
            c = e.chk
            on = i in firing
            labels = dict(c.labels)
            if e.level == "crit" and labels["severity"] == "warning" and c.cat == "line":
                labels["severity"] = "critical"
            labelsets.append(labels)
            if on:
                marks.append((e.fault, c.node))
            alerts.append(
                {
                    "status": "firing" if on else "resolved",
                    "labels": labels,
                    "annotations": {"summary": c.text},
                    "startsAt": _iso(e.t),
                    "endsAt": "0001-01-01T00:00:00Z" if on else _iso(e.end),
                    "generatorURL": f"http://{prom}.{DOMAIN}:9090/graph?g0.expr=ALERTS",
                    "fingerprint": c.ident
                    if labels["severity"] == c.labels["severity"]
                    else _hx(c.ident, "crit")[:16],
                }
            )
        common = {k: v for k, v in labelsets[0].items() if all(ls.get(k) == v for ls in labelsets)}
        body = {
            "version": "4",
            "groupKey": f'{{}}/{{env="prod"}}:{{alertname="{alertname}", env="prod"}}',
            "truncatedAlerts": 0,
            "status": "firing" if firing else "resolved",
            "receiver": "correlator",
            "groupLabels": {"alertname": alertname, "env": "prod"},
            "commonLabels": common,
            "commonAnnotations": {"summary": alerts[0]["annotations"]["summary"]}
            if len(alerts) == 1
            else {},
            "externalURL": f"http://alertmanager.{DOMAIN}:9093",
            "alerts": alerts,
        }
        self.emit(flush + self.rng.uniform(0.05, 0.6), "alertmanager", body, None, marks)


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


def _finish(sim: _Sim, label: str) -> Scenario:
    w = sim.w
    finite = [e.end for e in sim.eps if e.end < INF] + [e.t for e in sim.eps]
    horizon = max(finite) + 900
    r = _Renderer(sim.seed, f"{sim.tag}:{label}:{len(w.order)}", horizon)
    am: list[Ep] = []
    for e in sorted(sim.eps, key=lambda e: (e.t, e.chk.cid)):
        if e.chk.tool == "alertmanager":
            am.append(e)
        else:
            getattr(r, e.chk.tool)(e)
    r.alertmanager(am)
    lines = sorted(r.lines, key=lambda x: (x.at, x.seq))
    out: list[dict[str, Any]] = []
    events: dict[int, list[str]] = defaultdict(list)
    placed: dict[int, set[str]] = defaultdict(set)
    for n, ln in enumerate(lines, start=1):
        eid = f"g{n}"
        item: dict[str, Any] = {"at": round(ln.at, 3), "source": ln.source, "id": eid}
        if ln.source in ("nagios", "icinga") and ln.observer:
            item["observer"] = ln.observer
        item["payload"] = ln.payload
        out.append(item)
        for k in sorted({k for k, _ in ln.marks}):
            events[k].append(eid)
        for k, node in ln.marks:
            if node:
                placed[k].add(node)
    truth: list[TrueIncident] = []
    for f in sim.faults:
        if not events.get(f.idx):
            continue
        nodes = tuple(sorted(placed[f.idx]))
        truth.append(
            TrueIncident(
                root=f.root,
                inferred=f.root is not None and f.root not in nodes,
                event_ids=tuple(events[f.idx]),
                kind_of_fault=f.kind,
                equivalent_roots=tuple(f.equivalent),
                site=w.nodes[f.root].site if f.root else None,
                started_at=f.t0,
                maintenance=f.maintenance,
                watched=tuple(f.watched),
                nodes=nodes,
            )
        )
    kinds: dict[str, int] = defaultdict(int)
    for t in truth:
        kinds[t.kind_of_fault] += 1
    stats = {
        "nodes": len(w.order),
        "checks": len(w.checks),
        "lines": len(out),
        "faults": len(truth),
        "kinds": dict(sorted(kinds.items())),
    }
    return Scenario(seed=sim.seed, topology=w.topology(), lines=out, truth=truth, stats=stats)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    kinds = list(weights)
    return rng.choices(kinds, weights=[weights[k] for k in kinds])[0]


def single(seed: int, kind: str, nodes: int = 250) -> Scenario:
    """One fault of ``kind`` (two for concurrent) and a few background warnings."""
    if kind not in FAULT_KINDS_G and kind not in OTHER_KINDS_G:
        raise ValueError(f"unknown kind {kind!r}")
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, f"single-{kind}")
    t = BASE_T + 1800
    for attempt in range(10):
        at = t + attempt * 1800
        if kind == "noise":
            ok = sim.add_noise(at)
        elif kind == "flapping":
            ok = sim.add_flapping(at)
        elif kind == "maintenance":
            ok = sim.add_maintenance(at)
        elif kind == "unplaced":
            sim.add_unplaced(at)
            ok = True
        else:
            ok = sim.add_fault(kind, at)
        if ok:
            break
    else:
        raise RuntimeError(f"could not place {kind} on seed {seed}")
    for _ in range(3):
        sim.add_noise(BASE_T + sim.rng.uniform(0, 7200))
    return _finish(sim, kind)


def storm(seed: int, nodes: int = 600) -> Scenario:
    """Wide-blast faults close together (two hours), background warnings, one flapping check."""
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, "storm")
    rng = sim.rng
    t = BASE_T + 600
    placed = 0
    sim.dur_range = (900.0, 2400.0)
    for _ in range(60):
        if placed >= 6:
            break
        if sim.add_fault(_weighted(rng, STORM_WEIGHTS), t):
            placed += 1
            t += rng.uniform(60, 900)
        else:
            t += rng.uniform(30, 240)
    for _ in range(6):
        sim.add_noise(BASE_T + rng.uniform(0, 7200))
    sim.add_flapping(BASE_T + rng.uniform(0, 5400))
    return _finish(sim, "storm")


def day(seed: int, nodes: int = 450, faults: int = 14, noise: int = 25) -> Scenario:
    """A trading day (ten hours): faults of every kind, lots of background warnings,
    flapping, maintenance, unplaced hosts, acknowledgements."""
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, "day")
    rng = sim.rng
    span = 36000.0
    starts = sorted(BASE_T + rng.uniform(0, span - 3600) for _ in range(faults))
    for n, t in enumerate(starts):
        kind = "concurrent" if n == faults // 2 else _weighted(rng, DAY_WEIGHTS)
        for attempt in range(6):
            if sim.add_fault(kind, t + attempt * 600):
                break
            kind = _weighted(rng, DAY_WEIGHTS)
    for _ in range(noise):
        sim.add_noise(BASE_T + rng.uniform(0, span))
    for _ in range(2):
        sim.add_flapping(BASE_T + rng.uniform(0, span - 3600))
    for _ in range(2):
        sim.add_maintenance(BASE_T + rng.uniform(0, span - 3600))
    for _ in range(2):
        sim.add_unplaced(BASE_T + rng.uniform(0, span))
    return _finish(sim, "day")
