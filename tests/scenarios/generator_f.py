"""Sixth scenario generator (F): a national retail chain with its e-commerce platform.

Written from the public contracts only (specs/topology-format.md, specs/replay.md,
specs/ingest-formats.md, the peer notes on Nagios 4, Icinga 2 and Zabbix 6, the example
small site and the tool delays of config/default.yaml); it never looks at the correlator.
Pure and seeded: the same arguments give the same topology, replay lines and truth, byte for
byte (``random.Random`` seeded from the arguments through ``hashlib``, sets never iterated
unsorted). Entry points: :func:`single` (one fault of a kind), :func:`storm` (wide blast
radius faults close together), :func:`day` (ten hours of faults, noise and decoration),
:func:`build_world`. Each returns a :class:`generator.Scenario`.

**The world** (:class:`World`; the store count scales with ``nodes``: about one store per
13 nodes once the central estate is built, so 2,000-5,000 nodes give the chain's 150-400
stores; the report uses smaller worlds for speed)

- Stores ``stNNNN`` on SD-WAN: the router (``-rtr``) depends on the comms-cabinet UPS
  (``-ups``, unmonitored, fed by the store's mains ``-pwr``, unmonitored) and ``any_of`` a
  broadband circuit (``-bb``) and an LTE backup (``-lte``), both ``link``. About half the
  links are watched from the SD-WAN orchestrator: Zabbix discovers one host per edge,
  ``stNNNN-rtr.sdwan`` (server-polled, no proxy), whose triggers "SD-WAN: transport
  broadband down" / "SD-WAN: transport LTE down" are placed on the link (``HOST!CHECK``,
  found by the host's first label) and "SD-WAN: edge offline" on the router. The store
  switch depends on the router and the UPS; POS lanes (a pool node watched only by the
  central POS management server's aggregate trigger "Store NNNN: POS lanes offline", plus
  two individually pinged lanes in flagship stores), the store server (inventory cache),
  Wi-Fi APs and the price-label (ESL) gateway depend on the switch and the mains. The
  store server carries two application checks placed on their own nodes: card payment
  failures (``-card``: ``any_of`` the two payment-switch acquirer connections) and the
  inventory sync from the ERP (``-inv``). Stores are polled by four regional Zabbix
  proxies (``zbx-prx-north`` ..., kind ``probe``, VMs in dc2) with trigger dependencies
  on the router's ping trigger in about 40 % of stores.
- Regional distribution centres ``whs-<city>`` (PRTG, one remote probe each, kind
  ``probe``): a core switch pair, the WMS server and application, the scanner WLAN
  controller and the handheld-scanner pool, conveyor PLC gateways and the conveyor control
  interface. PRTG's device dependencies give ``Paused by Dependency``.
- Two data centres ``dc1``/``dc2``, each with a core pair (Icinga 2, central
  ``icinga-master`` in dc2): DNS pair, identity provider, directory and file servers;
  the legacy ERP (``erp-app-01/02``, ``erp-db-01``, checks on the virtual host
  ``erp-vip``) and the payment switches ``pay-sw-01`` (dc1) / ``pay-sw-02`` (dc2) watched
  by Nagios 4 (``nagios-legacy`` in dc2, parents set, so UNREACHABLE); each payment switch
  holds a connection to the external acquirer (``acquirer``, unmonitored third party).
- A cloud region for e-commerce: Kubernetes workers, services ``api-gw``, ``catalog``,
  ``search``, ``cart``, ``checkout``, ``order-worker`` (each ``any_of`` two workers),
  ``cart-redis`` pinned to one worker (local volume), a RabbitMQ ``order-mq``, a Patroni
  PostgreSQL ``shop-db`` (``any_of`` ``shop-db-1``/``shop-db-2``), a web pool (``any_of``),
  all scraped by ``prom-cloud``. The public endpoints (www, m, static through the external
  CDN ``cdn``, unmonitored; api and checkout direct) are probed by three blackbox vantage
  points ``bbx-eu-west``, ``bbx-eu-central``, ``bbx-dc2`` (Prometheus servers, kind
  ``probe``), each also probing an external canary. Alertmanager groups by
  ``prometheus`` and ``alertname`` (group_wait 30 s, group_interval 5 min, repeat 1 h).

**Tools and timings** (detection after the node fails): Zabbix ICMP 2-3 min, agent 3-4
min, SD-WAN orchestrator 0.5-1.5 min, POS aggregate 5-6 min, strict ``nodata`` 15-16 min;
problems, escalation repeats of High/Disaster problems every hour until acknowledged,
acknowledgement updates, recoveries. Nagios (5 min interval, 1 min retries, 3 attempts):
HARD notifications only, UNREACHABLE behind failed parents (sometimes DOWN first, then a
DOWN -> UNREACHABLE change with problem id 0), services on a down host not notified,
re-notification every hour, acknowledgements, flapping. Icinga 2 (1 min, 30 s retries):
soft and hard StateChanges, Problem notifications (suppressed by dependencies and by
the host's implicit dependency for its services), re-notification every 30 min,
acknowledgements, downtimes, flapping. PRTG (60 s scans): Down/Warning, ``Paused by
Dependency``, ``Unknown``, ``Down (Acknowledged)``, ``... ended (now: Up)``. Alertmanager v4
webhooks with ``for:`` windows (1-15 min) plus scrape and group timing.

**Fault kinds** (``FAULT_KINDS_F``): store-cut, store-broadband, store-power, store-switch,
acquirer-outage, cdn-outage, db-failover, db-both, k8s-node, svc-slow, mq-down, proxy-cut,
vantage-cut, dc-core-pair, wms-down, concurrent. Others (``OTHER_KINDS_F``): noise,
flapping, maintenance, unplaced.

**Truth rules and assumptions** (where the specs are silent, decided here):

1. The root is the node that physically failed; ``inferred`` is true exactly when no
   problem event is placed on it; ``nodes`` are the nodes its problem events land on.
2. Each detection is missed with probability 0.10, except the root's own primary alert
   when it has one. After misses (and Zabbix trigger-dependency suppression) the draw is
   repeated when a single other node hit by the fault would explain every alerting node
   (its failure alone, with ``any_of`` semantics, covers them); a fault that stays
   unidentifiable is not placed.
3. A redundancy group lost as a whole (both store links, both DC cores, both database
   members): root = the member lost first; the other member's alerts and everything above
   belong to the same incident. One member lost alone is an incident of its own alerts
   only (store-broadband, db-failover: the replica takes over within a minute, before any
   caller's ``for:`` window ends).
4. store-cut: the first link's orchestrator alert is seen (when that link is monitored)
   before the second link drops (2-12 min later); then the edge is offline, the
   second link's own alert is never sent (the orchestrator only reports transports of an
   edge it still hears) and everything in the store is unreachable. When the first link is
   unmonitored nothing tells the cut from a dead router, UPS or mains: the other link, the
   router, the UPS and the mains are ``equivalent_roots``.
5. store-power: the mains fails, the comms cabinet stays up on its UPS, so the lanes,
   server, APs and ESL gateway go down while router and switch stay up (the mains is the
   only common cause: inferred). In about a quarter of cases the UPS runs flat 20-40 min
   later and the router and switch follow (same incident, same root).
6. acquirer-outage: both payment switches' acquirer checks (Nagios) and the stores' card
   payment triggers (30-70 % of stores, 2-12 min in) fail; the acquirer is unmonitored:
   inferred. cdn-outage: the www, m and static endpoints fail from every vantage point;
   api and checkout (not behind the CDN) stay up: inferred.
7. Probe faults (proxy-cut, vantage-cut): root = the probe node, ``watched`` = the nodes of
   the alerts it sent. A proxy cut from the server: the server's own ping of the proxy
   fails (its own alert) and, 15 min later, the strict ``nodata`` triggers of its store
   routers fire (observer = the proxy) while the server-polled orchestrator checks and the
   POS aggregate stay quiet. A vantage point losing its egress: its canary and every
   endpoint it probes fail (observer = it), the other vantages see nothing.
8. k8s-node: the worker dies; ``cart-redis`` when pinned there fails at once (RedisDown,
   for 1 m), cart and checkout error rates follow (for 2 m), the worker's own
   KubeNodeNotReady / NodeExporter alerts come last (for 5-10 m). Root = the worker.
9. svc-slow (gray failure): a service's p99 latency warning; each caller slows with
   probability 0.75 per hop, minutes later, endpoints may show BlackboxSlowProbe.
   Root = the slow service. mq-down: RabbitmqDown, then checkout and order-worker error
   rates, then the ERP's web order import backlog (Nagios, 15-25 min). Root = the queue.
10. dc-core-pair: dc1's two cores fail 1-6 min apart (root = the first); ERP, dns-01,
    pay-sw-01, the dc1 servers go DOWN/UNREACHABLE, order-worker errors and, 30-45 min
    later, half the stores' inventory sync warnings arrive (same incident). Only dc1 fails
    this way (the monitoring servers live in dc2).
11. wms-down: the WMS server dies: its ping Down, the WMS HTTP sensor Down or Paused by
    Dependency, scanner sessions and the conveyor's WMS interface in error. Root = server.
12. Alerts are only sent while their observer works; hosts behind a failed node are
    reported as the tools really do (Nagios UNREACHABLE, Icinga notifications suppressed
    but StateChanges streamed, PRTG Paused by Dependency, Zabbix dependent triggers silent).
13. Noise (warnings on CPU, disk, ping loss ...), flapping (a Nagios or Icinga service with
    flapping notices) and unplaced alerts (a store opened this week, not in the CMDB yet:
    root ``None``) are one incident each; noise never lands on a node a concurrent fault
    affects. Maintenance: an Icinga host rebooted under a downtime (StateChanges stream,
    no Problem notification); never pages. Two faults overlapping in time never share a
    store, a warehouse, the cloud platform, the payment estate or a probe's watch list,
    and an alert identity recovers before another incident may raise it again.
14. Alertmanager bodies carry every firing alert of their group, so one line can belong to
    several true incidents.
15. ``concurrent``: two independent faults (different stores, or a store and a warehouse
    or the cloud) starting within two minutes; each is its own incident, labelled
    ``concurrent``.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .generator import Scenario, TrueIncident

FAULT_KINDS_F: Final = (
    "store-cut",
    "store-broadband",
    "store-power",
    "store-switch",
    "acquirer-outage",
    "cdn-outage",
    "db-failover",
    "db-both",
    "k8s-node",
    "svc-slow",
    "mq-down",
    "proxy-cut",
    "vantage-cut",
    "dc-core-pair",
    "wms-down",
    "concurrent",
)
OTHER_KINDS_F: Final = ("noise", "flapping", "maintenance", "unplaced")

T0: Final = 1_770_274_800.0  # 2026-02-05 07:00 UTC, stores opening
MISS: Final = 0.10
DOMAIN: Final = "example-retail.net"
PUBLIC: Final = "example-retail.com"

DOWN: Final = "down"
ERROR: Final = "error"
SLOW: Final = "slow"
_RANK: Final = {SLOW: 1, ERROR: 2, DOWN: 3}

_INFRA: Final = frozenset(
    {"router", "switch", "link", "power", "host", "vm", "pos", "ap", "gateway", "probe"}
)

STORM_WEIGHTS: Final = {
    "store-cut": 6,
    "store-power": 4,
    "store-switch": 2,
    "acquirer-outage": 2,
    "cdn-outage": 2,
    "db-both": 2,
    "k8s-node": 2,
    "mq-down": 2,
    "proxy-cut": 3,
    "vantage-cut": 2,
    "dc-core-pair": 2,
    "wms-down": 2,
}
DAY_WEIGHTS: Final = {
    "store-cut": 5,
    "store-broadband": 5,
    "store-power": 3,
    "store-switch": 3,
    "acquirer-outage": 1,
    "cdn-outage": 1,
    "db-failover": 2,
    "db-both": 1,
    "k8s-node": 3,
    "svc-slow": 3,
    "mq-down": 2,
    "proxy-cut": 2,
    "vantage-cut": 2,
    "dc-core-pair": 1,
    "wms-down": 2,
    "concurrent": 2,
}

_CITIES: Final = (
    "ham", "ber", "muc", "cgn", "fra", "stu", "dus", "lej", "dre", "han", "nue", "bre",
    "ess", "dor", "kie", "ros", "mag", "erf", "mz", "sb", "fr", "kar", "aug", "reg",
)  # fmt: skip
_REGIONS: Final = ("north", "east", "south", "west")


def _h(*parts: object) -> float:
    """A stable number in [0, 1) from ``parts`` (never Python's ``hash``)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{int((t % 1) * 1000):03d}Z"
    )


# --------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    id: str
    kind: str
    team: str
    site: str
    deps: list[tuple[str, ...]]
    monitored_as: list[str] = field(default_factory=list)
    criticality: int | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Check:
    cid: int
    node: str  # where the alert lands
    tool: str  # nagios | icinga | zabbix | prtg | alertmanager
    host: str  # as the tool spells it
    address: str
    name: str | None  # None: the Nagios / Icinga host check
    fires: frozenset[str]  # node modes that make it fail
    sev: str  # crit | major | warn
    observer: str | None  # probe node id (also the label in payloads)
    delay: tuple[float, float]  # detection delay after the node's failure
    text: str
    noise: bool = False  # may raise an unrelated warning
    machine: str = ""  # node of the host the check runs on (host-check suppression)
    primary: bool = False  # the node's own availability alert
    nodata: bool = False  # strict nodata: fires only when its proxy is cut from the server
    supp_by: str | None = None  # Zabbix trigger dependency: that node's ping trigger
    parent_dev: str | None = None  # PRTG: parent device node (dependency)
    ident: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Store:
    code: str
    region: str
    proxy: str
    deps_cfg: bool
    flagship: bool
    bb_mon: bool
    lte_mon: bool
    nodes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Warehouse:
    code: str
    probe: str
    nodes: dict[str, str] = field(default_factory=dict)


class World:
    """Topology plus monitoring of the retail chain (see the module docstring)."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = size
        self.rng = _rng("world-f", seed, size)
        self.nodes: dict[str, Node] = {}
        self.order: list[str] = []
        self.checks: list[Check] = []
        self.by_node: dict[str, list[int]] = defaultdict(list)
        self.stores: list[Store] = []
        self.warehouses: list[Warehouse] = []
        self.k8s: list[str] = []
        self.services: list[str] = []
        self.endpoints: dict[str, str] = {}  # node id -> public host name
        self.vantages: list[str] = []
        self.proxies: list[str] = []
        self.dc1_servers: list[str] = []
        self.icinga_hosts: list[str] = []
        self.redis_on = ""
        self._addr = 0
        self._used: set[str] = set()
        self._dependents: dict[str, list[str]] = {}
        self._build()
        self._finish()

    # -- construction helpers ----------------------------------------------------------

    def ip(self, net: str) -> str:
        self._addr += 1
        return f"{net}.{self._addr // 250 % 250}.{self._addr % 250 + 1}"

    def add(
        self,
        nid: str,
        kind: str,
        team: str,
        site: str,
        deps: Iterable[Iterable[str] | str] = (),
        monitored_as: Iterable[str] = (),
        crit: int | None = None,
        **tags: str,
    ) -> str:
        assert nid not in self.nodes, nid
        dl = [(d,) if isinstance(d, str) else tuple(d) for d in deps]
        for grp in dl:
            for d in grp:
                assert d in self.nodes, (nid, d)
        entries = list(monitored_as)
        for e in entries:
            assert e.lower() not in self._used, e
            self._used.add(e.lower())
        self.nodes[nid] = Node(nid, kind, team, site, dl, entries, crit, dict(tags))
        self.order.append(nid)
        return nid

    def entry(self, nid: str, e: str) -> None:
        assert e.lower() not in self._used, e
        self._used.add(e.lower())
        self.nodes[nid].monitored_as.append(e)

    def chk(
        self,
        node: str,
        tool: str,
        host: str,
        address: str,
        name: str | None,
        fires: Iterable[str],
        sev: str,
        observer: str | None,
        delay: tuple[float, float],
        text: str,
        **kw: Any,
    ) -> Check:
        c = Check(
            len(self.checks),
            node,
            tool,
            host,
            address,
            name,
            frozenset(fires),
            sev,
            observer,
            delay,
            text,
            **kw,
        )
        c.machine = c.machine or node
        c.ident = self._ident(c)
        self.checks.append(c)
        self.by_node[node].append(c.cid)
        return c

    def _ident(self, c: Check) -> str:
        if c.tool == "zabbix":
            return str(20011 + c.cid * 7)
        if c.tool == "prtg":
            return str(2000 + c.cid * 3)
        if c.tool == "alertmanager":
            return hashlib.sha256(f"{c.host}|{c.name}|{c.observer}".encode()).hexdigest()[:16]
        return f"{c.host}!{c.name or ''}"

    def spell(self, short: str, style: str, sub: str, address: str) -> str:
        if style == "fqdn":
            return f"{short}.{sub}.{DOMAIN}"
        if style == "upper":
            return short.upper()
        if style == "ip":
            return address
        return short

    # -- the estate -------------------------------------------------------------------

    def _build(self) -> None:
        r = self.rng
        self._datacentres()
        self._cloud()
        n_whs = max(2, min(8, self.size // 250))
        for i in range(n_whs):
            self._warehouse(_CITIES[i])
        budget = self.size - len(self.order)
        n_stores = max(6, budget // 13)
        for i in range(n_stores):
            region = _REGIONS[i % 4]
            code = f"st{1001 + i * 7 % 9000:04d}"
            self._store(
                code,
                region,
                deps_cfg=r.random() < 0.4,
                flagship=r.random() < 0.2,
                bb_mon=r.random() < 0.55,
                lte_mon=r.random() < 0.45,
            )

    def _icinga_host(
        self, nid: str, kind: str, team: str, site: str, deps: list[Any], services: list[Any]
    ) -> str:
        addr = self.ip("10.1" if site == "dc1" else "10.2")
        style = self.rng.choice(("short", "short", "fqdn"))
        host = self.spell(nid, style, site, addr)
        self.add(nid, kind, team, site, deps, [nid, addr])
        self.chk(
            nid, "icinga", host, addr, None, {DOWN}, "crit", "icinga-master", (40, 130),
            "PING CRITICAL - Packet loss = 100%", primary=True,
        )  # fmt: skip
        for name, fires, sev, noise in services:
            self.chk(
                nid, "icinga", host, addr, name, fires, sev, "icinga-master", (40, 130),
                f"{name}: check failed", noise=noise,
            )  # fmt: skip
        self.icinga_hosts.append(nid)
        return nid

    def _datacentres(self) -> None:
        core_svcs = [
            ("Interface Po1 uplink", set(), "warn", True),
            ("Environment", set(), "warn", True),
        ]
        srv_svcs = [
            ("disk /", set(), "warn", True),
            ("load", set(), "warn", True),
            ("ntp time", set(), "warn", True),
        ]
        for dc in ("dc1", "dc2"):
            self.add(f"{dc}-pwr", "power", "facilities", dc)
            for m in ("a", "b"):
                self._icinga_host(
                    f"{dc}-core-{m}", "switch", "network", dc, [f"{dc}-pwr"], core_svcs
                )
        pair1 = ("dc1-core-a", "dc1-core-b")
        pair2 = ("dc2-core-a", "dc2-core-b")
        # Monitoring lives in dc2.
        for nid, kind in (
            ("icinga-master", "probe"),
            ("nagios-legacy", "probe"),
            ("zbx-server", "host"),
            ("prtg-core", "host"),
        ):
            self.add(nid, kind, "monitoring", "dc2", [pair2])
        self._icinga_host(
            "dns-01",
            "host",
            "platform",
            "dc1",
            [pair1],
            [("dns", {DOWN}, "crit", False), *srv_svcs[:1]],
        )
        self._icinga_host(
            "dns-02",
            "host",
            "platform",
            "dc2",
            [pair2],
            [("dns", {DOWN}, "crit", False), *srv_svcs[:1]],
        )
        self.add("dns", "service", "platform", "dc1", [("dns-01", "dns-02")])
        self._icinga_host(
            "idp-01",
            "host",
            "identity",
            "dc2",
            [pair2, "dns"],
            [("saml metadata", {DOWN, ERROR}, "crit", False), *srv_svcs[1:2]],
        )
        n_misc = max(2, min(8, self.size // 150))
        for i in range(n_misc):
            dc = "dc1" if i % 3 != 2 else "dc2"
            role = ("ad", "file", "bkp", "print", "wsus", "jump", "log", "lic")[i % 8]
            nid = self._icinga_host(
                f"{dc}-{role}-{i // 8 + 1:02d}", "host", "platform", dc,
                [pair1 if dc == "dc1" else pair2], srv_svcs,
            )  # fmt: skip
            if dc == "dc1":
                self.dc1_servers.append(nid)
        self.dc1_servers.append("dns-01")
        # Legacy ERP and the payment switches: Nagios 4 with parents.
        self._nagios_host(
            "erp-app-01",
            "dc1",
            [pair1, "dns"],
            [("SAP dispatcher", set(), "warn", True), ("Disk /usr/sap", set(), "warn", True)],
        )
        self._nagios_host(
            "erp-app-02", "dc1", [pair1, "dns"], [("SAP dispatcher", set(), "warn", True)]
        )
        self._nagios_host(
            "erp-db-01",
            "dc1",
            [pair1],
            [
                ("Oracle listener", {DOWN}, "crit", False),
                ("Oracle tablespace", set(), "warn", True),
            ],
        )
        self.dc1_servers += ["erp-app-01", "erp-app-02", "erp-db-01"]
        self.add(
            "erp",
            "application",
            "erp",
            "dc1",
            [("erp-app-01", "erp-app-02"), "erp-db-01", "dns"],
            ["erp-vip"],
            crit=1,
        )
        vip = "10.1.9.10"
        self.chk(
            "erp",
            "nagios",
            "erp-vip",
            vip,
            "ERP login",
            {DOWN, ERROR},
            "crit",
            "nagios-legacy",
            (120, 420),
            "CRITICAL - login to ERP failed: connection refused",
        )
        self.chk(
            "erp",
            "nagios",
            "erp-vip",
            vip,
            "ERP dialog response time",
            {SLOW, ERROR},
            "warn",
            "nagios-legacy",
            (120, 420),
            "WARNING - dialog response 2400 ms",
        )
        self.acquirer = self.add(
            "acquirer", "service", "payments-vendor", "external", [], crit=1, vendor="acquirer"
        )
        for i, dc in ((1, "dc1"), (2, "dc2")):
            pair = pair1 if dc == "dc1" else pair2
            sw = self._nagios_host(
                f"pay-sw-0{i}",
                dc,
                [pair, "dns"],
                [("PAY switch process", {DOWN}, "crit", False), ("CPU load", set(), "warn", True)],
            )
            if dc == "dc1":
                self.dc1_servers.append(sw)
            acq = self.add(f"pay-acq-0{i}", "application", "payments", dc, [sw, "acquirer"])
            addr = self._nagios_addr[sw]
            for name, fires, sev, txt in (
                (
                    "Acquirer error rate",
                    {ERROR, DOWN},
                    "crit",
                    "CRITICAL - 34% declined with code 91 (issuer or switch inoperative)",
                ),
                ("Acquirer response time", {ERROR, SLOW}, "warn", "WARNING - acquirer p95 8.2 s"),
            ):
                self.entry(acq, f"{sw}!{name}")
                self.chk(
                    acq,
                    "nagios",
                    self._nagios_name[sw],
                    addr,
                    name,
                    fires,
                    sev,
                    "nagios-legacy",
                    (120, 420),
                    txt,
                    machine=sw,
                )
        self.add("pos-mgmt-01", "host", "store-it", "dc2", [pair2], ["pos-mgmt-01"])
        self.chk(
            "pos-mgmt-01",
            "zabbix",
            "pos-mgmt-01",
            "10.2.8.20",
            "Unavailable by ICMP ping",
            {DOWN},
            "crit",
            None,
            (120, 180),
            "Unavailable by ICMP ping",
            primary=True,
            extra={"sev": "4"},
        )
        self.add("sdwan-orch", "application", "network", "dc2", [pair2], ["sdwan-orch"])
        for i, region in enumerate(_REGIONS):
            p = self.add(
                f"zbx-prx-{region}",
                "probe",
                "monitoring",
                "dc2",
                [pair2],
                [f"zbx-prx-{region}", f"10.2.7.{i + 10}"],
            )
            self.chk(
                p,
                "zabbix",
                p,
                f"10.2.7.{i + 10}",
                "Unavailable by ICMP ping",
                {DOWN},
                "crit",
                None,
                (120, 180),
                "Unavailable by ICMP ping",
                primary=True,
                extra={"sev": "4"},
            )
            self.proxies.append(p)
        # fmt: on

    _nagios_addr: dict[str, str]
    _nagios_name: dict[str, str]

    def _nagios_host(self, nid: str, dc: str, deps: list[Any], services: list[Any]) -> str:
        if not hasattr(self, "_nagios_addr"):
            self._nagios_addr = {}
            self._nagios_name = {}
        addr = self.ip("10.1" if dc == "dc1" else "10.2")
        name = nid.upper() if self.rng.random() < 0.3 else nid
        self._nagios_addr[nid] = addr
        self._nagios_name[nid] = name
        self.add(nid, "host", "erp" if nid.startswith("erp") else "payments", dc, deps, [nid, addr])
        self.chk(
            nid, "nagios", name, addr, None, {DOWN}, "crit", "nagios-legacy", (120, 420),
            "CRITICAL - Host Unreachable", primary=True,
        )  # fmt: skip
        for sname, fires, sev, noise in services:
            self.chk(
                nid, "nagios", name, addr, sname, fires, sev, "nagios-legacy", (120, 420),
                f"{sname}: {'CRITICAL' if sev == 'crit' else 'WARNING'}", noise=noise,
            )  # fmt: skip
        return nid

    def _am(
        self,
        node: str,
        instance: str,
        alertname: str,
        fires: Iterable[str],
        sev: str,
        prom: str,
        delay: tuple[float, float],
        text: str,
        job: str,
        **kw: Any,
    ) -> Check:
        host = instance.rsplit(":", 1)[0]
        c = self.chk(
            node, "alertmanager", host, host, alertname, fires, sev, prom, delay, text, **kw
        )
        c.extra = {"instance": instance, "job": job}
        return c

    def _cloud(self) -> None:
        self.add("cloud-vpc", "link", "platform", "cloud")
        n_k8s = max(4, min(12, self.size // 120))
        for i in range(1, n_k8s + 1):
            nid = self.add(
                f"k8s-node-{i:02d}",
                "host",
                "platform",
                "cloud",
                ["cloud-vpc"],
                [f"k8s-node-{i:02d}"],
            )
            inst = f"{nid}:9100"
            self._am(
                nid,
                inst,
                "KubeNodeNotReady",
                {DOWN},
                "crit",
                "prom-cloud",
                (330, 420),
                f"{nid} has been unready for more than 5 minutes.",
                "kube-state-metrics",
                primary=True,
            )
            self._am(
                nid,
                inst,
                "NodeExporterDown",
                {DOWN},
                "warn",
                "prom-cloud",
                (330, 660),
                "Node exporter has disappeared from Prometheus target discovery.",
                "node-exporter",
            )
            self._am(
                nid,
                inst,
                "NodeFilesystemSpaceFillingUp",
                set(),
                "warn",
                "prom-cloud",
                (3600, 3900),
                "Filesystem is predicted to run out of space within the next 24 hours.",
                "node-exporter",
                noise=True,
            )
            self._am(
                nid,
                inst,
                "NodeHighCPU",
                set(),
                "warn",
                "prom-cloud",
                (600, 900),
                "CPU usage above 90% for 10m.",
                "node-exporter",
                noise=True,
            )
            self.k8s.append(nid)
        self.add("prom-cloud", "probe", "platform", "cloud", ["cloud-vpc"], ["prom-cloud"])
        r = self.rng
        self.redis_on = r.choice(self.k8s)

        def workers(name: str) -> tuple[str, str]:
            a, b = sorted(r.sample(self.k8s, 2))
            return (a, b)

        def svc_checks(nid: str, host: str) -> None:
            inst = f"{host}:8080"
            self._am(
                nid,
                inst,
                "HighErrorRate",
                {ERROR, DOWN},
                "crit",
                "prom-cloud",
                (150, 240),
                "5xx ratio above 5% for 2m",
                "kubernetes-pods",
            )
            self._am(
                nid,
                inst,
                "HighLatencyP99",
                {SLOW},
                "warn",
                "prom-cloud",
                (330, 420),
                "p99 latency above 1.5 s for 5m",
                "kubernetes-pods",
                noise=True,
            )

        # Data layer.
        for i in (1, 2):
            nid = self.add(
                f"shop-db-{i}",
                "vm",
                "ecommerce",
                "cloud",
                ["cloud-vpc"],
                [f"shop-db-{i}", f"10.200.3.{10 + i}"],
            )
            inst = f"10.200.3.{10 + i}:9187" if r.random() < 0.5 else f"shop-db-{i}:9187"
            self._am(
                nid,
                inst,
                "PostgresqlDown",
                {DOWN},
                "crit",
                "prom-cloud",
                (90, 150),
                "PostgreSQL instance is down",
                "postgres-exporter",
                primary=True,
            )
            self._am(
                nid,
                f"shop-db-{i}:9100",
                "InstanceDown",
                {DOWN},
                "crit",
                "prom-cloud",
                (150, 240),
                "Instance has been down for more than 2 minutes.",
                "node-exporter",
            )
            self._am(
                nid,
                inst,
                "PostgresqlTooManyConnections",
                set(),
                "warn",
                "prom-cloud",
                (300, 400),
                "More than 80% of connections in use",
                "postgres-exporter",
                noise=True,
            )
        self.add("shop-db", "database", "ecommerce", "cloud", [("shop-db-1", "shop-db-2")], crit=1)
        self.add("mq-vm", "vm", "ecommerce", "cloud", ["cloud-vpc"])
        self.add("order-mq", "queue", "ecommerce", "cloud", ["mq-vm"], ["rabbitmq.shop.svc"])
        self._am(
            "order-mq",
            "rabbitmq.shop.svc:15692",
            "RabbitmqDown",
            {DOWN},
            "crit",
            "prom-cloud",
            (70, 130),
            "RabbitMQ node down",
            "rabbitmq",
            primary=True,
        )
        self._am(
            "order-mq",
            "rabbitmq.shop.svc:15692",
            "RabbitmqQueueBacklog",
            {SLOW},
            "warn",
            "prom-cloud",
            (330, 420),
            "Queue orders has more than 5000 ready messages",
            "rabbitmq",
            noise=True,
        )
        redis = self.add(
            "cart-redis", "database", "ecommerce", "cloud", [self.redis_on], ["cart-redis.shop.svc"]
        )
        self._am(
            redis,
            "cart-redis.shop.svc:9121",
            "RedisDown",
            {DOWN},
            "crit",
            "prom-cloud",
            (70, 130),
            "Redis instance is down",
            "redis",
            primary=True,
        )
        # Services (call graph).
        graph = (
            ("search", []),
            ("catalog", ["search", "shop-db"]),
            ("cart", ["cart-redis"]),
            ("checkout", ["cart", "shop-db", "order-mq"]),
            ("api-gw", ["catalog", "cart"]),
            ("order-worker", ["order-mq", "erp"]),
        )
        for name, calls in graph:
            host = f"{name}.shop.svc"
            nid = self.add(
                name, "container", "ecommerce", "cloud", [workers(name), *calls], [host], crit=2
            )
            svc_checks(nid, host)
            self.services.append(nid)
        self.add(
            "erp-import",
            "application",
            "erp",
            "dc1",
            ["order-worker", "erp"],
            ["erp-vip!Web order import backlog"],
        )
        self.chk(
            "erp-import",
            "nagios",
            "erp-vip",
            "10.1.9.10",
            "Web order import backlog",
            {ERROR},
            "warn",
            "nagios-legacy",
            (900, 1500),
            "WARNING - 412 web orders waiting for import",
        )
        n_web = max(2, min(6, self.size // 300))
        webs = []
        for i in range(1, n_web + 1):
            nid = self.add(
                f"web-{i:02d}", "vm", "ecommerce", "cloud", ["cloud-vpc"], [f"web-{i:02d}"]
            )
            self._am(
                nid,
                f"web-{i:02d}:9100",
                "InstanceDown",
                {DOWN},
                "crit",
                "prom-cloud",
                (150, 240),
                "Instance has been down for more than 2 minutes.",
                "node-exporter",
                primary=True,
            )
            webs.append(nid)
        self.add("shop-web", "application", "ecommerce", "cloud", [tuple(webs), "api-gw"], crit=1)
        self.add("cdn", "service", "ecommerce", "external", [], crit=1, vendor="cdn")
        eps = (
            ("ep-www", "www", ["cdn", "shop-web"]),
            ("ep-m", "m", ["cdn", "shop-web"]),
            ("ep-static", "static", ["cdn"]),
            ("ep-api", "api", ["api-gw"]),
            ("ep-checkout", "checkout", ["checkout", "api-gw"]),
        )
        for nid, sub, deps in eps:
            self.add(nid, "application", "ecommerce", "internet", deps, [f"{sub}.{PUBLIC}"], crit=1)
            self.endpoints[nid] = f"{sub}.{PUBLIC}"
        for v, site in (
            ("bbx-eu-west", "cloud-west"),
            ("bbx-eu-central", "cloud-central"),
            ("bbx-dc2", "dc2"),
        ):
            self.add(v, "probe", "monitoring", site, [], [v])
            self.vantages.append(v)
            self._am(
                v,
                f"{v}:9115",
                "BlackboxCanaryFailed",
                set(),
                "crit",
                v,
                (90, 150),
                "Canary probe of an external reference failed",
                "blackbox-canary",
                primary=True,
            )
            for nid, host in self.endpoints.items():
                self._am(
                    nid,
                    f"{host}:443",
                    "BlackboxProbeFailed",
                    {DOWN, ERROR},
                    "crit",
                    v,
                    (90, 200),
                    f"Probe of {host} failed for 1m",
                    "blackbox-https",
                )
                self._am(
                    nid,
                    f"{host}:443",
                    "BlackboxSlowProbe",
                    {SLOW},
                    "warn",
                    v,
                    (300, 420),
                    f"Probe of {host} took more than 2 s for 5m",
                    "blackbox-https",
                    noise=True,
                )
        # fmt: on

    def _warehouse(self, city: str) -> None:
        code = f"whs-{city}"
        w = Warehouse(code, f"prtg-probe-{city}")
        r = self.rng
        site = code
        group = f"Logistics/{city.upper()}"

        def sensor(
            node: str,
            device: str,
            addr: str,
            name: str,
            fires: Iterable[str],
            sev: str,
            text: str,
            **kw: Any,
        ) -> Check:
            c = self.chk(
                node, "prtg", device, addr, name, fires, sev, w.probe, (60, 150), text, **kw
            )
            c.extra = {"group": group, "deviceid": str(1000 + int(_h("dev", device) * 8000))}
            return c

        def device(
            nid: str, kind: str, team: str, deps: list[Any], parent: str | None, noise: list[str]
        ) -> tuple[str, str]:
            addr = self.ip(f"10.{50 + len(self.warehouses)}")
            style = r.choice(("short", "short", "fqdn", "ip"))
            dev = self.spell(nid, style, "logistics", addr)
            self.add(nid, kind, team, site, deps, [nid, addr])
            sensor(
                nid,
                dev,
                addr,
                "Ping",
                {DOWN},
                "crit",
                "Destination host unreachable (ICMP error # 11010)",
                primary=True,
                parent_dev=parent,
            )
            for n in noise:
                sensor(nid, dev, addr, n, set(), "warn", f"{n}: above warning limit", noise=True)
            return nid, dev

        self.add(f"{code}-wan", "link", "network", site)
        ca, _ = device(
            f"{code}-core-a", "switch", "network", [f"{code}-wan"], None, ["Uplink traffic"]
        )
        cb, _ = device(f"{code}-core-b", "switch", "network", [f"{code}-wan"], None, [])
        pair = (ca, cb)
        self.add(w.probe, "probe", "monitoring", site, [pair], [w.probe])
        wms1, dev = device(
            f"{code}-wms-01", "host", "logistics-it", [pair], None, ["CPU Load", "Disk Free"]
        )
        # The WMS application sensor lives on the server's device (a device name that is an
        # address could not carry a HOST!CHECK entry: give it a name).
        dev = self.spell(wms1, r.choice(("short", "fqdn", "upper")), "logistics", "")
        self.checks[self.by_node[wms1][0]].host = dev
        for cid in self.by_node[wms1]:
            self.checks[cid].host = dev
        self.add(
            f"{code}-wms", "application", "logistics-it", site, [wms1], [f"{wms1}!HTTP WMS"], crit=2
        )
        sensor(
            f"{code}-wms",
            dev,
            self.checks[self.by_node[wms1][0]].address,
            "HTTP WMS",
            {DOWN, ERROR},
            "crit",
            "HTTP 503 Service Unavailable",
            parent_dev=wms1,
        )
        wlc, wdev = device(f"{code}-wlc", "host", "network", [pair], None, [])
        wdev = self.spell(wlc, "short", "logistics", "")
        for cid in self.by_node[wlc]:
            self.checks[cid].host = wdev
        self.add(
            f"{code}-scan",
            "application",
            "logistics-it",
            site,
            [wlc, f"{code}-wms"],
            [f"{wlc}!Scanner sessions"],
        )
        sensor(
            f"{code}-scan",
            wdev,
            self.checks[self.by_node[wlc][0]].address,
            "Scanner sessions",
            {ERROR},
            "warn",
            "Active WMS sessions below 20% of scanners online",
        )
        plcs = []
        for k in range(1, 1 + r.randint(2, 4)):
            p, pdev = device(f"{code}-plc-{k:02d}", "gateway", "logistics-ot", [pair], None, [])
            plcs.append((p, pdev))
        p1 = plcs[0][0]
        pdev = self.spell(p1, "short", "logistics", "")
        for cid in self.by_node[p1]:
            self.checks[cid].host = pdev
        self.add(
            f"{code}-conv",
            "application",
            "logistics-ot",
            site,
            [p1, f"{code}-wms"],
            [f"{p1}!WMS interface"],
        )
        sensor(
            f"{code}-conv",
            pdev,
            self.checks[self.by_node[p1][0]].address,
            "WMS interface",
            {ERROR},
            "crit",
            "No telegram from WMS for 120 s",
        )
        w.nodes = {"wms-01": wms1, "wms": f"{code}-wms", "core-a": ca, "core-b": cb}
        self.warehouses.append(w)
        # fmt: on

    def _store(
        self, code: str, region: str, *, deps_cfg: bool, flagship: bool, bb_mon: bool, lte_mon: bool
    ) -> None:
        proxy = f"zbx-prx-{region}"
        s = Store(code, region, proxy, deps_cfg, flagship, bb_mon, lte_mon)
        r = self.rng
        site = code
        net = f"10.{100 + len(self.stores) // 250}.{len(self.stores) % 250}"
        style = r.choice(("short", "short", "fqdn", "upper"))
        k = 0

        def addr() -> str:
            nonlocal k
            k += 1
            return f"{net}.{k}"

        def zhost(nid: str, a: str) -> str:
            return self.spell(nid, style, "stores", a)

        def zping(
            nid: str, host: str, a: str, supp: str | None, noise: list[tuple[str, str]] = ()
        ) -> None:  # type: ignore[assignment]
            self.chk(
                nid,
                "zabbix",
                host,
                a,
                "Unavailable by ICMP ping",
                {DOWN},
                "crit",
                proxy,
                (120, 185),
                "Unavailable by ICMP ping",
                primary=True,
                supp_by=supp if deps_cfg else None,
                extra={"sev": "4"},
            )
            for name, sv in noise:
                self.chk(
                    nid,
                    "zabbix",
                    host,
                    a,
                    name,
                    set(),
                    "warn",
                    proxy,
                    (300, 600),
                    name,
                    noise=True,
                    extra={"sev": sv},
                )

        pwr = self.add(f"{code}-pwr", "power", "facilities", site)
        ups = self.add(f"{code}-ups", "power", "facilities", site, [pwr])
        bb = self.add(
            f"{code}-bb",
            "link",
            "network",
            site,
            [],
            [f"{code}-rtr!SD-WAN: transport broadband down"] if bb_mon else [],
        )
        lte = self.add(
            f"{code}-lte",
            "link",
            "network",
            site,
            [],
            [f"{code}-rtr!SD-WAN: transport LTE down"] if lte_mon else [],
        )
        a = addr()
        rtr = self.add(
            f"{code}-rtr",
            "router",
            "network",
            site,
            [ups, (bb, lte)],
            [f"{code}-rtr", a],
            crit=2,
            region=region,
        )
        orch = f"{code}-rtr.sdwan"
        if bb_mon:
            self.chk(
                bb,
                "zabbix",
                orch,
                "",
                "SD-WAN: transport broadband down",
                {"linkdown"},
                "major",
                None,
                (30, 95),
                "Transport GE1 (broadband) dead on edge",
                primary=True,
                extra={"sev": "3"},
            )
        if lte_mon:
            self.chk(
                lte,
                "zabbix",
                orch,
                "",
                "SD-WAN: transport LTE down",
                {"linkdown"},
                "major",
                None,
                (30, 95),
                "Transport CELL1 (LTE) dead on edge",
                primary=True,
                extra={"sev": "3"},
            )
        self.chk(
            rtr,
            "zabbix",
            orch,
            "",
            "SD-WAN: edge offline",
            {DOWN},
            "crit",
            None,
            (40, 100),
            "Edge lost contact with orchestrator",
            extra={"sev": "5"},
        )
        zping(
            rtr,
            zhost(rtr, a),
            a,
            None,
            [("High ICMP ping loss", "2"), ("Interface WAN1: High error rate", "2")],
        )
        self.chk(
            rtr,
            "zabbix",
            zhost(rtr, a),
            a,
            "Store edge: no data for 15m",
            set(),
            "warn",
            proxy,
            (900, 970),
            "No data received from the edge for 15 minutes",
            nodata=True,
            extra={"sev": "3"},
        )
        a = addr()
        sw = self.add(f"{code}-sw", "switch", "network", site, [rtr, ups], [f"{code}-sw", a])
        zping(sw, zhost(sw, a), a, rtr, [("High CPU utilization (over 90% for 5m)", "2")])
        a = addr()
        srv = self.add(f"{code}-srv", "host", "store-it", site, [sw, pwr], [f"{code}-srv", a])
        zping(
            srv,
            zhost(srv, a),
            a,
            sw,
            [
                ("/: Disk space is low (used > 80%)", "2"),
                ("High memory utilization (>90% for 5m)", "2"),
            ],
        )
        self.chk(
            srv,
            "zabbix",
            zhost(srv, a),
            a,
            "Zabbix agent is not available (for 3m)",
            {DOWN},
            "major",
            proxy,
            (180, 260),
            "Zabbix agent is not available",
            supp_by=sw if deps_cfg else None,
            extra={"sev": "3"},
        )
        pos = self.add(
            f"{code}-pos",
            "pos",
            "store-it",
            site,
            [sw, pwr],
            [f"pos-mgmt-01!Store {code[2:]}: POS lanes offline"],
        )
        self.chk(
            pos,
            "zabbix",
            "pos-mgmt-01",
            "10.2.8.20",
            f"Store {code[2:]}: POS lanes offline",
            {DOWN},
            "crit",
            None,
            (300, 370),
            "No heartbeat from the store's POS lanes for 5m",
            extra={"sev": "4"},
        )
        if flagship:
            for j in (1, 2):
                a = addr()
                p = self.add(
                    f"{code}-pos{j:02d}",
                    "pos",
                    "store-it",
                    site,
                    [sw, pwr],
                    [f"{code}-pos{j:02d}", a],
                )
                zping(p, zhost(p, a), a, sw)
        for j in range(1, 2 + (1 if flagship or r.random() < 0.4 else 0)):
            a = addr()
            ap = self.add(f"{code}-ap{j}", "ap", "network", site, [sw, pwr], [f"{code}-ap{j}", a])
            zping(ap, zhost(ap, a), a, sw)
        a = addr()
        esl = self.add(f"{code}-esl", "gateway", "store-it", site, [sw, pwr], [f"{code}-esl", a])
        zping(esl, zhost(esl, a), a, sw)
        shost = zhost(srv, "")
        card = self.add(
            f"{code}-card",
            "application",
            "payments",
            site,
            [srv, ("pay-acq-01", "pay-acq-02")],
            [f"{srv}!Card payment failures above 20%"],
        )
        self.chk(
            card,
            "zabbix",
            shost,
            self.nodes[srv].monitored_as[1],
            "Card payment failures above 20%",
            {ERROR},
            "major",
            proxy,
            (120, 720),
            "Card authorisations failing: 31% of last 50",
            machine=srv,
            extra={"sev": "4"},
        )
        inv = self.add(
            f"{code}-inv",
            "application",
            "store-it",
            site,
            [srv, "erp"],
            [f"{srv}!Inventory sync from ERP delayed (over 30m)"],
        )
        self.chk(
            inv,
            "zabbix",
            shost,
            self.nodes[srv].monitored_as[1],
            "Inventory sync from ERP delayed (over 30m)",
            {ERROR},
            "warn",
            proxy,
            (1800, 2700),
            "Last inventory delta from ERP 34 minutes ago",
            machine=srv,
            extra={"sev": "2"},
        )
        s.nodes = {
            "pwr": pwr,
            "ups": ups,
            "bb": bb,
            "lte": lte,
            "rtr": rtr,
            "sw": sw,
            "srv": srv,
            "pos": pos,
            "card": card,
            "inv": inv,
        }
        self.stores.append(s)
        # fmt: on

    # -- queries ------------------------------------------------------------------------

    def _finish(self) -> None:
        dep: dict[str, list[str]] = defaultdict(list)
        for nid in self.order:
            for grp in self.nodes[nid].deps:
                for d in grp:
                    dep[d].append(nid)
        self._dependents = {k: sorted(set(v)) for k, v in dep.items()}

    def dependents(self, nid: str) -> list[str]:
        return self._dependents.get(nid, [])

    def monitored(self, nid: str) -> bool:
        return bool(self.by_node.get(nid))

    def lost_alone(self, nid: str) -> frozenset[str]:
        """Nodes failing when ``nid`` fails alone (``any_of`` honoured), ``nid`` included."""
        out = {nid}
        for x in self.order:
            if x in out:
                continue
            for grp in self.nodes[x].deps:
                if all(d in out for d in grp):
                    out.add(x)
                    break
        return frozenset(out)

    def topology(self) -> dict[str, Any]:
        nodes = []
        for nid in self.order:
            n = self.nodes[nid]
            item: dict[str, Any] = {"id": n.id, "kind": n.kind, "team": n.team, "site": n.site}
            if n.criticality is not None:
                item["criticality"] = n.criticality
            if n.tags:
                item["tags"] = dict(n.tags)
            if n.monitored_as:
                item["monitored_as"] = list(n.monitored_as)
            if n.deps:
                item["depends_on"] = [g[0] if len(g) == 1 else {"any_of": list(g)} for g in n.deps]
            nodes.append(item)
        return {"version": 1, "defaults": {"criticality": 3}, "nodes": nodes}


def build_world(seed: int, nodes: int = 1200) -> World:
    """The retail chain's topology and monitoring for ``seed`` at about ``nodes`` nodes."""
    return World(seed, nodes)


# --------------------------------------------------------------------------------------
# Faults: which checks fail when
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Ep:
    """One check failing once: detected at ``t``, back to OK at ``end``."""

    chk: Check
    t: float
    end: float
    fault: int
    onset: float
    how: str = ""  # "" | unreachable | down-then-unreach | quiet | paused | unknown | maint | flap
    ack: float | None = None


@dataclass(slots=True)
class Fault:
    idx: int
    kind: str
    root: str | None
    equivalent: tuple[str, ...]
    watched: tuple[str, ...]
    maintenance: bool
    started_at: float


@dataclass(slots=True)
class Plan:
    kind: str
    root: str
    t0: float
    end: float
    seeds: dict[str, tuple[str, float]]
    keys: list[str]
    forced: set[int] = field(default_factory=set)
    extra: list[tuple[Check, float]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)  # never fail through their dependencies
    silent: set[str] = field(default_factory=set)  # their checks stay quiet
    equivalent: tuple[str, ...] = ()
    watched: bool = False
    identify: bool = True
    min_nodes: int = 1


def _is_app(kind: str) -> bool:
    return kind not in _INFRA


class _Sim:
    def __init__(self, world: World, seed: int, tag: str) -> None:
        self.w = world
        self.seed = seed
        self.tag = tag
        self.rng = _rng("sim-f", seed, world.size, tag)
        self.eps: list[Ep] = []
        self.faults: list[Fault] = []
        self.busy_chk: dict[int, list[tuple[float, float]]] = defaultdict(list)
        self.busy_node: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.busy_key: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self._cover: dict[str, frozenset[str]] = {}
        self._below: dict[str, frozenset[str]] = {}

    # -- bookkeeping --------------------------------------------------------------------

    @staticmethod
    def _free(spans: list[tuple[float, float]], a: float, b: float) -> bool:
        return all(b <= x or a >= y for x, y in spans)

    def key_free(self, key: str, a: float, b: float) -> bool:
        return self._free(self.busy_key.get(key, []), a, b)

    def cover(self, nid: str) -> frozenset[str]:
        if nid not in self._cover:
            self._cover[nid] = self.w.lost_alone(nid)
        return self._cover[nid]

    def below(self, nid: str) -> frozenset[str]:
        if nid not in self._below:
            out: set[str] = set()
            stack = [nid]
            while stack:
                for grp in self.w.nodes[stack.pop()].deps:
                    for d in grp:
                        if d not in out:
                            out.add(d)
                            stack.append(d)
            self._below[nid] = frozenset(out)
        return self._below[nid]

    # -- propagation ----------------------------------------------------------------

    def propagate(self, plan: Plan) -> dict[str, tuple[str, float]]:
        """Every node's failure mode and onset, from the plan's seeds up ``depends_on``."""
        w = self.w
        state = dict(plan.seeds)
        for nid in w.order:
            if nid in plan.seeds or nid in plan.blocked:
                continue
            n = w.nodes[nid]
            best: tuple[int, float] | None = None
            for grp in n.deps:
                ms = [state.get(d) for d in grp]
                if any(m is None for m in ms):
                    continue
                gmode = min((m for m in ms if m), key=lambda m: _RANK[m[0]])[0]
                gt = max(m[1] for m in ms if m)
                infra_dep = all(not _is_app(w.nodes[d].kind) for d in grp)
                if not _is_app(n.kind):
                    if gmode != DOWN:
                        continue
                    mode, lag = DOWN, 1 + 4 * _h(self.tag, plan.t0, nid)
                elif gmode == DOWN and infra_dep:
                    mode, lag = DOWN, 2 + 8 * _h(self.tag, plan.t0, nid)
                elif gmode in (DOWN, ERROR):
                    mode, lag = ERROR, 15 + 100 * _h(self.tag, plan.t0, nid)
                else:
                    if _h("slow", self.tag, plan.t0, nid) >= 0.75:
                        continue
                    mode, lag = SLOW, 60 + 180 * _h(self.tag, plan.t0, nid)
                cand = (_RANK[mode], -(gt + lag))
                if best is None or cand > best:
                    best = cand
                    state[nid] = (mode, gt + lag)
        return state

    # -- realising a plan ---------------------------------------------------------------

    def realise(self, plan: Plan, label: str) -> bool:
        w = self.w
        rng = self.rng
        state = self.propagate(plan)
        lo, hi = plan.t0 - 300, plan.end + 900
        busy_sites = {
            w.nodes[n].site for n in state if not self.key_free(f"site:{w.nodes[n].site}", lo, hi)
        }
        down_obs = {n for n, (m, _) in state.items() if m == DOWN}
        cands: list[tuple[Check, float, float, bool]] = []
        for nid in w.order:
            if nid not in state or nid in plan.silent or w.nodes[nid].site in busy_sites:
                continue
            mode, onset = state[nid]
            for cid in w.by_node.get(nid, ()):
                c = w.checks[cid]
                if mode not in c.fires or c.nodata:
                    continue
                if c.observer is not None and c.observer in down_obs:
                    continue
                t = onset + rng.uniform(*c.delay)
                if t < plan.end - 30:
                    cands.append((c, t, onset, nid not in plan.seeds))
        for c, t in plan.extra:
            if t < plan.end - 30 and w.nodes[c.node].site not in busy_sites:
                cands.append((c, t, plan.t0, False))
        for _attempt in range(25):
            drawn = [x for x in cands if x[0].cid in plan.forced or rng.random() >= MISS]
            drawn = self._suppress(drawn)
            nodes = {x[0].node for x in drawn}
            if len(nodes) < plan.min_nodes or not nodes:
                continue
            if not all(any(x[0].cid == f for x in drawn) for f in plan.forced):
                continue
            if plan.identify and not self._identifiable(plan, state, nodes):
                continue
            break
        else:
            return False
        # Busy checks: an alert identity carries one incident at a time.
        ends = {x[0].cid: plan.end + rng.uniform(20, 240) for x in drawn}
        for c, t, _, _ in drawn:
            if not self._free(self.busy_chk.get(c.cid, []), t - 120, ends[c.cid] + 300):
                return False
        idx = len(self.faults)
        eps = []
        for c, t, onset, via in drawn:
            e = Ep(c, t, ends[c.cid], idx, onset)
            e.how = self._how(c, via, state, plan)
            if ends[c.cid] - t > 900 and rng.random() < 0.3:
                e.ack = t + rng.uniform(240, 900)
            eps.append(e)
        eps = self._host_suppression(eps)
        if not eps:
            return False
        watched = tuple(sorted({e.chk.node for e in eps} - {plan.root})) if plan.watched else ()
        self.faults.append(
            Fault(
                idx,
                label,
                plan.root,
                plan.equivalent,
                watched,
                maintenance=False,
                started_at=plan.t0,
            )
        )
        for e in eps:
            self.eps.append(e)
            self.busy_chk[e.chk.cid].append((e.t - 120, e.end + 300))
        for nid in state:
            self.busy_node[nid].append((lo, hi))
        for k in plan.keys:
            self.busy_key[k].append((lo, hi))
        return True

    def _suppress(self, drawn: list[tuple[Check, float, float, bool]]) -> list[Any]:
        """Zabbix trigger dependencies: a trigger depending (transitively) on a ping trigger
        already in problem does not fire."""
        ping: dict[str, float] = {}
        for c, t, _, _ in drawn:
            if c.tool == "zabbix" and c.primary and c.name == "Unavailable by ICMP ping":
                ping[c.node] = min(t, ping.get(c.node, t))
        chain: dict[str, str | None] = {}
        for c, _, _, _ in drawn:
            if c.tool == "zabbix" and c.primary:
                chain[c.node] = c.supp_by
        out = []
        for x in drawn:
            c, t = x[0], x[1]
            parent = c.supp_by
            hit = False
            seen = 0
            while parent is not None and seen < 5:
                if parent in ping and ping[parent] <= t:
                    hit = True
                    break
                parent = chain.get(parent, self._supp_of(parent))
                seen += 1
            if not hit:
                out.append(x)
        return out

    def _supp_of(self, nid: str) -> str | None:
        for cid in self.w.by_node.get(nid, ()):
            c = self.w.checks[cid]
            if c.tool == "zabbix" and c.primary:
                return c.supp_by
        return None

    def _identifiable(
        self, plan: Plan, state: dict[str, tuple[str, float]], nodes: set[str]
    ) -> bool:
        """No single other node hit by the fault explains every alerting node."""
        first = min(sorted(nodes), key=lambda n: len(self.below(n)))
        skip = {plan.root, *plan.equivalent}
        for x in sorted(self.below(first) | {first}):
            if x in skip or x not in state:
                continue
            if nodes <= self.cover(x):
                return False
        return True

    def _how(self, c: Check, via: bool, state: dict[str, tuple[str, float]], plan: Plan) -> str:
        r = self.rng
        if c.tool == "nagios" and c.name is None and via:
            x = r.random()
            return "unreachable" if x < 0.55 else ("down-then-unreach" if x < 0.75 else "")
        if c.tool == "icinga":
            host_down = state.get(c.machine, ("", 0.0))[0] == DOWN
            if via and r.random() < 0.9:
                return "quiet"
            if c.name is not None and host_down:
                return "quiet"
        if (
            c.tool == "prtg"
            and c.parent_dev
            and state.get(c.parent_dev, ("", 0.0))[0] == DOWN
            and r.random() < 0.5
        ):
            return "paused"
        return ""

    def _host_suppression(self, eps: list[Ep]) -> list[Ep]:
        """Nagios sends no service notification for a host already DOWN or UNREACHABLE."""
        host_t = {e.chk.machine: e.t for e in eps if e.chk.tool == "nagios" and e.chk.name is None}
        return [
            e
            for e in eps
            if not (
                e.chk.tool == "nagios"
                and e.chk.name is not None
                and e.chk.machine in host_t
                and host_t[e.chk.machine] <= e.t
            )
        ]

    # -- picking targets -----------------------------------------------------------------

    def _store(self, t: float, span: float, pred: Any = None) -> Store | None:
        stores = list(self.w.stores)
        self.rng.shuffle(stores)
        for s in stores:
            if pred is not None and not pred(s):
                continue
            if self.key_free(f"site:{s.code}", t - 300, t + span + 900) and self.key_free(
                f"proxy:{s.proxy}", t - 300, t + span + 900
            ):
                return s
        return None

    def _chk(self, node: str, name: str | None, tool: str | None = None) -> Check:
        for cid in self.w.by_node[node]:
            c = self.w.checks[cid]
            if c.name == name and (tool is None or c.tool == tool):
                return c
        raise KeyError((node, name))

    # -- fault plans -----------------------------------------------------------------------

    def plan(self, kind: str, t: float) -> Plan | None:
        w, r = self.w, self.rng
        if kind == "store-cut":
            end = t + r.uniform(1800, 4500)
            s = self._store(t, end - t)
            if s is None:
                return None
            n = s.nodes
            first, second = (n["bb"], n["lte"]) if r.random() < 0.8 else (n["lte"], n["bb"])
            t_cut = t + r.uniform(120, 720)
            p = Plan(
                kind, first, t, end, {first: (DOWN, t), second: (DOWN, t_cut)}, [f"site:{s.code}"]
            )
            if w.monitored(first):
                c = w.checks[w.by_node[first][0]]
                p.extra.append((c, t + r.uniform(*c.delay)))
                p.forced.add(c.cid)
            else:
                p.equivalent = (second, n["rtr"], n["ups"], n["pwr"])
            p.min_nodes = 3
            return p
        if kind == "store-broadband":
            end = t + r.uniform(600, 5400)
            s = self._store(t, end - t, lambda s: s.bb_mon or s.lte_mon)
            if s is None:
                return None
            link = (
                s.nodes["bb"]
                if s.bb_mon and (not s.lte_mon or r.random() < 0.8)
                else s.nodes["lte"]
            )
            c = w.checks[w.by_node[link][0]]
            p = Plan(kind, link, t, end, {link: (DOWN, t)}, [f"site:{s.code}"])
            p.extra.append((c, t + r.uniform(*c.delay)))
            p.forced.add(c.cid)
            return p
        if kind == "store-power":
            flat = r.random() < 0.25
            end = t + r.uniform(2400, 6000)
            s = self._store(t, end - t)
            if s is None:
                return None
            n = s.nodes
            seeds = {n["pwr"]: (DOWN, t)}
            if flat:
                seeds[n["ups"]] = (DOWN, t + r.uniform(1200, 2100))
            p = Plan(kind, n["pwr"], t, end, seeds, [f"site:{s.code}"], blocked={n["ups"]})
            p.min_nodes = 2
            return p
        if kind == "store-switch":
            end = t + r.uniform(1200, 4800)
            s = self._store(t, end - t)
            if s is None:
                return None
            sw = s.nodes["sw"]
            p = Plan(kind, sw, t, end, {sw: (DOWN, t)}, [f"site:{s.code}"])
            p.forced.add(self._chk(sw, "Unavailable by ICMP ping").cid)
            return p
        if kind == "acquirer-outage":
            end = t + r.uniform(1800, 4800)
            p = Plan(kind, "acquirer", t, end, {"acquirer": (DOWN, t)}, ["payments"])
            share = r.uniform(0.3, 0.7)
            p.silent = {s.nodes["card"] for s in w.stores if r.random() >= share}
            p.min_nodes = 3
            return p
        if kind == "cdn-outage":
            end = t + r.uniform(900, 3600)
            p = Plan(kind, "cdn", t, end, {"cdn": (DOWN, t)}, ["cloud", "edge"])
            p.min_nodes = 2
            return p
        if kind in ("db-failover", "db-both"):
            prim, repl = (
                ("shop-db-1", "shop-db-2") if r.random() < 0.5 else ("shop-db-2", "shop-db-1")
            )
            end = t + r.uniform(1200, 3600)
            seeds = {prim: (DOWN, t)}
            if kind == "db-both":
                seeds[repl] = (DOWN, t + r.uniform(120, 600))
            p = Plan(kind, prim, t, end, seeds, ["cloud", "edge"])
            p.forced.add(self._chk(prim, "PostgresqlDown").cid)
            return p
        if kind == "k8s-node":
            node = w.redis_on if r.random() < 0.6 else r.choice(w.k8s)
            end = t + r.uniform(1500, 3600)
            p = Plan(kind, node, t, end, {node: (DOWN, t)}, ["cloud", "edge"])
            p.forced.add(self._chk(node, "KubeNodeNotReady").cid)
            return p
        if kind == "svc-slow":
            root = r.choice(("search", "catalog", "cart", "search"))
            end = t + r.uniform(1800, 3600)
            p = Plan(kind, root, t, end, {root: (SLOW, t)}, ["cloud", "edge"])
            p.forced.add(self._chk(root, "HighLatencyP99").cid)
            return p
        if kind == "mq-down":
            end = t + r.uniform(2100, 4200)
            p = Plan(kind, "order-mq", t, end, {"order-mq": (DOWN, t)}, ["cloud", "edge", "erp"])
            p.forced.add(self._chk("order-mq", "RabbitmqDown").cid)
            return p
        if kind == "proxy-cut":
            end = t + r.uniform(1800, 4200)
            proxies = [x for x in w.proxies if self.key_free(f"proxy:{x}", t - 300, end + 900)]
            if not proxies:
                return None
            px = r.choice(proxies)
            mine = [s for s in w.stores if s.proxy == px]
            if any(not self.key_free(f"site:{s.code}", t - 300, end + 900) for s in mine):
                return None
            p = Plan(kind, px, t, end, {}, [f"proxy:{px}"] + [f"site:{s.code}" for s in mine])
            own = self._chk(px, "Unavailable by ICMP ping")
            p.extra.append((own, t + r.uniform(*own.delay)))
            p.forced.add(own.cid)
            for s in mine:
                c = self._chk(s.nodes["rtr"], "Store edge: no data for 15m")
                p.extra.append((c, t + r.uniform(*c.delay)))
            p.watched = True
            p.identify = False
            p.min_nodes = 5
            return p
        if kind == "vantage-cut":
            v = r.choice(w.vantages)
            end = t + r.uniform(1200, 3600)
            p = Plan(kind, v, t, end, {}, ["edge", f"vantage:{v}"])
            own = self._chk(v, "BlackboxCanaryFailed")
            p.extra.append((own, t + r.uniform(*own.delay)))
            p.forced.add(own.cid)
            for ep in w.endpoints:
                for cid in w.by_node[ep]:
                    c = w.checks[cid]
                    if c.observer == v and c.name == "BlackboxProbeFailed":
                        p.extra.append((c, t + r.uniform(*c.delay)))
            p.watched = True
            p.identify = False
            p.min_nodes = 4
            return p
        if kind == "dc-core-pair":
            first, second = (
                ("dc1-core-a", "dc1-core-b") if r.random() < 0.5 else ("dc1-core-b", "dc1-core-a")
            )
            end = t + r.uniform(2400, 4800)
            seeds = {first: (DOWN, t), second: (DOWN, t + r.uniform(60, 360))}
            p = Plan(kind, first, t, end, seeds, ["dc1", "payments", "erp", "cloud", "edge"])
            p.forced.add(self._chk(first, None).cid)
            p.silent = {s.nodes["inv"] for s in w.stores if r.random() < 0.5}
            return p
        if kind == "wms-down":
            whs = [x for x in w.warehouses if self.key_free(f"site:{x.code}", t - 300, t + 5000)]
            if not whs:
                return None
            x = r.choice(whs)
            node = x.nodes["wms-01"]
            end = t + r.uniform(1200, 3600)
            p = Plan(kind, node, t, end, {node: (DOWN, t)}, [f"site:{x.code}"])
            p.forced.add(self._chk(node, "Ping").cid)
            return p
        raise ValueError(kind)

    def add_fault(self, kind: str, t: float) -> bool:
        if kind == "concurrent":
            a = self.rng.choice(("store-cut", "store-power", "store-switch"))
            b = self.rng.choice(
                ("store-switch", "store-broadband", "wms-down", "k8s-node", "store-cut")
            )
            t2 = t + self.rng.uniform(0, 120)
            n0 = len(self.faults)
            if not self._add(a, t, "concurrent"):
                return False
            if not self._add(b, t2, "concurrent"):
                self._undo(n0)
                return False
            return True
        return self._add(kind, t, kind)

    def _add(self, kind: str, t: float, label: str) -> bool:
        for _ in range(4):
            p = self.plan(kind, t)
            if p is None:
                return False
            if any(not self.key_free(k, t - 300, p.end + 900) for k in p.keys):
                return False
            if self.realise(p, label):
                return True
        return False

    def _undo(self, n0: int) -> None:
        """Forget the faults from ``n0`` on (their busy marks stay: harmless, stricter)."""
        gone = {f.idx for f in self.faults[n0:]}
        self.faults = self.faults[:n0]
        self.eps = [e for e in self.eps if e.fault not in gone]

    # -- background ------------------------------------------------------------------------

    def _noise_check(self, t0: float, t1: float, tools: tuple[str, ...]) -> Check | None:
        w = self.w
        pool = [c for c in w.checks if c.noise and c.tool in tools]
        for _ in range(60):
            c = self.rng.choice(pool)
            site = w.nodes[c.node].site
            if not self._free(self.busy_chk.get(c.cid, []), t0 - 120, t1 + 300):
                continue
            if not self._free(self.busy_node.get(c.node, []), t0 - 600, t1 + 600):
                continue
            if not self.key_free(f"site:{site}", t0 - 600, t1 + 600):
                continue
            if c.observer and not self.key_free(f"proxy:{c.observer}", t0 - 600, t1 + 600):
                continue
            if c.observer in w.vantages and not self.key_free("edge", t0 - 600, t1 + 600):
                continue
            return c
        return None

    def _background(self, c: Check, t: float, end: float, label: str, how: str = "") -> None:
        idx = len(self.faults)
        self.faults.append(Fault(idx, label, c.node, (), (), label == "maintenance", t))
        e = Ep(c, t, end, idx, t - 60, how)
        if label == "noise" and end - t > 1200 and self.rng.random() < 0.25:
            e.ack = t + self.rng.uniform(300, 900)
        self.eps.append(e)
        self.busy_chk[c.cid].append((t - 120, end + 300))
        self.busy_node[c.node].append((t - 600, end + 600))

    def add_noise(self, t: float) -> bool:
        end = t + self.rng.uniform(300, 2700)
        c = self._noise_check(t, end, ("nagios", "icinga", "zabbix", "prtg", "alertmanager"))
        if c is None:
            return False
        self._background(c, t, end, "noise")
        return True

    def add_flapping(self, t: float) -> bool:
        end = t + self.rng.uniform(2400, 4200)
        c = self._noise_check(t, end, ("nagios", "icinga"))
        if c is None:
            return False
        self._background(c, t, end, "flapping", "flap")
        return True

    def add_maintenance(self, t: float) -> bool:
        w = self.w
        hosts = [h for h in w.icinga_hosts if "core" not in h]
        self.rng.shuffle(hosts)
        for h in hosts:
            end = t + self.rng.uniform(600, 1500)
            if not self._free(self.busy_node.get(h, []), t - 900, end + 900):
                continue
            cids = w.by_node[h]
            if any(not self._free(self.busy_chk.get(cid, []), t - 120, end + 300) for cid in cids):
                continue
            idx = len(self.faults)
            self.faults.append(Fault(idx, "maintenance", h, (), (), maintenance=True, started_at=t))
            host_chk = w.checks[cids[0]]
            self.eps.append(Ep(host_chk, t + self.rng.uniform(60, 150), end, idx, t, "maint"))
            for cid in cids[1:]:
                c = w.checks[cid]
                if DOWN in c.fires or self.rng.random() < 0.5:
                    self.eps.append(
                        Ep(c, t + self.rng.uniform(70, 200), end + 30, idx, t, "maint-svc")
                    )
            for cid in cids:
                self.busy_chk[cid].append((t - 900, end + 900))
            self.busy_node[h].append((t - 900, end + 900))
            return True
        return False

    def add_unplaced(self, t: float) -> bool:
        n = 9901 + sum(1 for f in self.faults if f.kind == "unplaced")
        code = f"st{n}"
        region = self.rng.choice(_REGIONS)
        proxy = f"zbx-prx-{region}"
        if not self.key_free(f"proxy:{proxy}", t - 600, t + 4000):
            return False
        idx = len(self.faults)
        self.faults.append(Fault(idx, "unplaced", None, (), (), maintenance=False, started_at=t))
        end = t + self.rng.uniform(900, 3600)
        base = -1000 * (idx + 1)
        made = [
            Check(
                base - 1,
                "",
                "zabbix",
                f"{code}-rtr",
                f"10.250.{n % 250}.1",
                "Unavailable by ICMP ping",
                frozenset(),
                "crit",
                proxy,
                (0, 0),
                "Unavailable by ICMP ping",
                primary=True,
                extra={"sev": "4"},
            ),
            Check(
                base - 2,
                "",
                "zabbix",
                f"{code}-rtr.sdwan",
                "",
                "SD-WAN: edge offline",
                frozenset(),
                "crit",
                None,
                (0, 0),
                "Edge lost contact with orchestrator",
                extra={"sev": "5"},
            ),
            Check(
                base - 3,
                "",
                "zabbix",
                f"{code}-sw",
                f"10.250.{n % 250}.2",
                "Unavailable by ICMP ping",
                frozenset(),
                "crit",
                proxy,
                (0, 0),
                "Unavailable by ICMP ping",
                primary=True,
                extra={"sev": "4"},
            ),
        ]
        for k, c in enumerate(made):
            c.ident = str(90001 + idx * 10 + k)
            if k == 0 or self.rng.random() >= MISS:
                self.eps.append(Ep(c, t + self.rng.uniform(40, 200), end, idx, t))
        return True


# --------------------------------------------------------------------------------------
# Rendering: each tool's native payloads
# --------------------------------------------------------------------------------------

_ZSEV: Final = {"crit": "4", "major": "3", "warn": "2"}
_OPERATORS: Final = ("j.wagner", "a.yilmaz", "noc-night", "m.schulz", "k.nowak")


@dataclass(slots=True)
class _Line:
    at: float
    seq: int
    source: str
    payload: dict[str, Any]
    observer: str | None
    marks: tuple[tuple[int, str], ...]  # (fault, node) of each problem it carries


class _Renderer:
    def __init__(self, seed: int, tag: str, horizon: float) -> None:
        self.rng = _rng("render-f", seed, tag)
        self.horizon = horizon
        self.lines: list[_Line] = []
        self._seq = 0
        self._event = 4_100_000 + int(_h("ev", seed, tag) * 100_000)
        self._problem = 71_000 + int(_h("pb", seed, tag) * 9_000)

    def emit(
        self,
        at: float,
        source: str,
        payload: dict[str, Any],
        observer: str | None,
        marks: Iterable[tuple[int, str]] = (),
    ) -> None:
        if at > self.horizon:
            return
        self._seq += 1
        self.lines.append(_Line(at, self._seq, source, payload, observer, tuple(marks)))

    def _eid(self) -> int:
        self._event += self.rng.randint(1, 40)
        return self._event

    def _pid(self) -> int:
        self._problem += self.rng.randint(1, 9)
        return self._problem

    # -- Zabbix ----------------------------------------------------------------------

    def zabbix(self, e: Ep) -> None:
        c = e.chk
        r = self.rng
        eid = self._eid()
        sev = c.extra.get("sev", _ZSEV[c.sev])
        d = datetime.fromtimestamp(e.t, UTC)
        tags = [{"tag": "scope", "value": "availability" if c.primary else "performance"}]
        if c.node and c.node[:2] == "st" and c.node[2:6].isdigit():
            tags.append({"tag": "store", "value": c.node[2:6]})

        def body(value: str, update: str, ack: str, recovery: str) -> dict[str, Any]:
            return {
                "event_id": str(eid),
                "event_value": value,
                "event_update_status": update,
                "event_ack": ack,
                "event_severity": sev,
                "event_name": c.name or "",
                "event_tags": json.dumps(tags, separators=(",", ":")),
                "event_date": d.strftime("%Y.%m.%d"),
                "event_time": d.strftime("%H:%M:%S"),
                "recovery_id": recovery,
                "host": c.host,
                "host_name": c.host,
                "host_ip": c.address,
                "trigger_id": c.ident,
                "trigger_name": c.name or "",
                "proxy": c.observer or "",
            }

        mark = ((e.fault, c.node),)
        self.emit(
            e.t + r.uniform(0.7, 3.5),
            "zabbix",
            body("1", "0", "No", "{EVENT.RECOVERY.ID}"),
            None,
            mark,
        )
        acked = e.ack is not None and e.ack < e.end
        if acked:
            assert e.ack is not None
            self.emit(e.ack, "zabbix", body("1", "1", "Yes", "{EVENT.RECOVERY.ID}"), None)
        if int(sev) >= 4:
            k = 1
            while e.t + 3600 * k < e.end and not (
                acked and e.ack is not None and e.ack < e.t + 3600 * k
            ):
                self.emit(
                    e.t + 3600 * k + r.uniform(0.5, 3),
                    "zabbix",
                    body("1", "0", "No", "{EVENT.RECOVERY.ID}"),
                    None,
                    mark,
                )
                k += 1
        self.emit(
            e.end + r.uniform(0.7, 3.5),
            "zabbix",
            body("0", "0", "Yes" if acked else "No", str(self._eid())),
            None,
        )

    # -- Nagios ----------------------------------------------------------------------

    def nagios(self, e: Ep) -> None:
        c = e.chk
        r = self.rng
        pid = self._pid()
        host = c.name is None
        obs = c.observer
        mark = ((e.fault, c.node),)

        def body(
            ntype: str, state: str, out: str, t: float, problem_id: int, last: int, **kw: str
        ) -> dict[str, Any]:
            p: dict[str, Any] = {
                "NOTIFICATIONTYPE": ntype,
                "HOSTNAME": c.host,
                "HOSTADDRESS": c.address,
            }
            if host:
                p.update(
                    {
                        "HOSTSTATE": state,
                        "HOSTSTATETYPE": "HARD",
                        "HOSTOUTPUT": out,
                        "HOSTPROBLEMID": str(problem_id),
                        "LASTHOSTPROBLEMID": str(last),
                    }
                )
            else:
                p.update(
                    {
                        "SERVICEDESC": c.name,
                        "SERVICESTATE": state,
                        "SERVICESTATETYPE": "HARD",
                        "SERVICEOUTPUT": out,
                        "SERVICEPROBLEMID": str(problem_id),
                        "LASTSERVICEPROBLEMID": str(last),
                        "HOSTSTATE": "UP",
                    }
                )
            p["TIMET"] = str(int(t))
            p["LONGDATETIME"] = datetime.fromtimestamp(t, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
            p.update(kw)
            return p

        if host:
            bad = "UNREACHABLE" if e.how == "unreachable" else "DOWN"
            out = (
                f"CRITICAL - Host Unreachable ({c.address})"
                if bad == "UNREACHABLE"
                else "PING CRITICAL - Packet loss = 100%"
            )
            ok = "UP"
        else:
            bad = "CRITICAL" if c.sev == "crit" else "WARNING"
            out = c.text
            ok = "OK"
        if e.how == "flap":
            self._nagios_flap(e, body, bad, ok)
            return
        self.emit(e.t, "nagios", body("PROBLEM", bad, out, e.t, pid, 0), obs, mark)
        if e.how == "down-then-unreach":
            t2 = e.t + r.uniform(30, 240)
            if t2 < e.end:
                self.emit(
                    t2,
                    "nagios",
                    body(
                        "PROBLEM",
                        "UNREACHABLE",
                        f"CRITICAL - Host Unreachable ({c.address})",
                        t2,
                        0,
                        pid,
                    ),
                    obs,
                    mark,
                )
                bad = "UNREACHABLE"
        acked = e.ack is not None and e.ack < e.end
        if acked:
            assert e.ack is not None
            self.emit(
                e.ack,
                "nagios",
                body(
                    "ACKNOWLEDGEMENT",
                    bad,
                    out,
                    e.ack,
                    pid,
                    0,
                    NOTIFICATIONAUTHOR=r.choice(_OPERATORS),
                    NOTIFICATIONCOMMENT="looking into it",
                ),
                obs,
            )
        k = 1
        while e.t + 3600 * k < e.end and not (
            acked and e.ack is not None and e.ack < e.t + 3600 * k
        ):
            tt = e.t + 3600 * k
            self.emit(tt, "nagios", body("PROBLEM", bad, out, tt, pid, 0), obs, mark)
            k += 1
        if host:
            self.emit(
                e.end,
                "nagios",
                body("RECOVERY", ok, "PING OK - Packet loss = 0%, RTA = 1.2 ms", e.end, 0, pid),
                obs,
            )
        else:
            self.emit(e.end, "nagios", body("RECOVERY", ok, f"{c.name} OK", e.end, pid, 0), obs)

    def _nagios_flap(self, e: Ep, body: Any, bad: str, ok: str) -> None:
        r = self.rng
        c = e.chk
        obs = c.observer
        mark = ((e.fault, c.node),)
        t = e.t
        pid = self._pid()
        for _ in range(r.randint(1, 3)):
            self.emit(t, "nagios", body("PROBLEM", bad, c.text, t, pid, 0), obs, mark)
            t += r.uniform(120, 400)
            self.emit(t, "nagios", body("RECOVERY", ok, f"{c.name} OK", t, pid, 0), obs)
            t += r.uniform(120, 400)
            pid = self._pid()
        self.emit(t, "nagios", body("FLAPPINGSTART", bad, c.text, t, pid, 0), obs)
        stop = max(t + 600, e.end - r.uniform(300, 600))
        self.emit(stop, "nagios", body("FLAPPINGSTOP", ok, f"{c.name} OK", stop, pid, 0), obs)

    # -- Icinga 2 ------------------------------------------------------------------------

    def _icinga(self, c: Check, typ: str, t: float, **kw: Any) -> dict[str, Any]:
        p: dict[str, Any] = {"type": typ, "host": c.host}
        if c.name is not None:
            p["service"] = c.name
        p.update(kw)
        p["timestamp"] = round(t, 3)
        return p

    def icinga(self, e: Ep) -> None:
        c = e.chk
        r = self.rng
        obs = c.observer
        mark = ((e.fault, c.node),)
        bad = 1 if c.name is None else (2 if c.sev == "crit" else 1)
        out = "PING CRITICAL - Packet loss = 100%" if c.name is None else c.text
        okout = "PING OK - Packet loss = 0%, RTA = 0.61 ms" if c.name is None else f"{c.name} OK"

        def cr(state: int, text: str) -> dict[str, Any]:
            return {"output": text, "state": state, "exit_status": state}

        def change(t: float, state: int, stype: int, text: str, marks: Any = ()) -> None:
            self.emit(
                t,
                "icinga",
                self._icinga(
                    c, "StateChange", t, state=state, state_type=stype, check_result=cr(state, text)
                ),
                obs,
                marks,
            )

        def note(t: float, ntype: str, state: int, msg: str, marks: Any = (), **kw: Any) -> None:
            self.emit(
                t,
                "icinga",
                self._icinga(
                    c,
                    "Notification",
                    t,
                    state=state,
                    notification_type=ntype,
                    users=["noc"],
                    check_result=cr(state, msg),
                    **kw,
                ),
                obs,
                marks,
            )

        if e.how in ("maint", "maint-svc"):
            if e.how == "maint":
                dt = {
                    "host_name": c.host,
                    "service_name": "",
                    "author": r.choice(_OPERATORS),
                    "comment": "Monthly patching and reboot",
                    "start_time": round(e.onset, 3),
                    "end_time": round(e.end + 600, 3),
                }
                self.emit(
                    e.onset,
                    "icinga",
                    {"type": "DowntimeStarted", "downtime": dt, "timestamp": round(e.onset, 3)},
                    obs,
                )
                self.emit(
                    e.end + 600,
                    "icinga",
                    {"type": "DowntimeRemoved", "downtime": dt, "timestamp": round(e.end + 600, 3)},
                    obs,
                )
            change(e.t - 45, bad, 0, out, mark)
            change(e.t, bad, 1, out, mark)
            change(e.end, 0, 1, okout)
            return
        if e.how == "flap":
            t = e.t
            n = r.randint(3, 6)
            for k in range(n):
                change(t, bad, 1, out, mark)
                if k == 0:
                    note(t + 1, "Problem", bad, out, mark)
                t += r.uniform(90, 300)
                change(t, 0, 1, okout)
                t += r.uniform(90, 300)
                if k == 1:
                    self.emit(
                        t,
                        "icinga",
                        self._icinga(c, "Flapping", t, state=0, state_type=1, is_flapping=True),
                        obs,
                    )
            stop = max(t + 300, e.end - 300)
            self.emit(
                stop,
                "icinga",
                self._icinga(c, "Flapping", stop, state=0, state_type=1, is_flapping=False),
                obs,
            )
            return
        soft = e.t - min(60.0, max(5.0, (e.t - e.onset) * 0.6))
        change(soft, bad, 0, out, mark)
        change(e.t, bad, 1, out, mark)
        notified = e.how != "quiet"
        if notified:
            note(e.t + r.uniform(0.2, 2), "Problem", bad, out, mark)
        acked = e.ack is not None and e.ack < e.end
        if acked:
            assert e.ack is not None
            who = r.choice(_OPERATORS)
            self.emit(
                e.ack,
                "icinga",
                self._icinga(
                    c,
                    "AcknowledgementSet",
                    e.ack,
                    state=bad,
                    state_type=1,
                    author=who,
                    comment="on it",
                    acknowledgement_type=1,
                ),
                obs,
            )
            if notified:
                note(e.ack + 0.5, "Acknowledgement", bad, out, author=who, text="on it")
        if notified:
            k = 1
            while e.t + 1800 * k < e.end and not (
                acked and e.ack is not None and e.ack < e.t + 1800 * k
            ):
                note(e.t + 1800 * k, "Problem", bad, out, mark)
                k += 1
        change(e.end, 0, 1, okout)
        if notified:
            note(e.end + r.uniform(0.2, 2), "Recovery", 0, okout)

    # -- PRTG ----------------------------------------------------------------------

    def prtg(self, e: Ep) -> None:
        c = e.chk
        r = self.rng
        mark = ((e.fault, c.node),)
        if e.how == "paused":
            status = "Paused by Dependency"
        elif e.how == "unknown":
            status = "Unknown"
        else:
            status = "Down" if c.sev == "crit" else "Warning"

        def body(st: str, t: float, msg: str, down: str) -> dict[str, Any]:
            d = datetime.fromtimestamp(t, UTC)
            hour = d.hour % 12 or 12
            stamp = f"{d.month}/{d.day}/{d.year} {hour}:{d.minute:02d}:{d.second:02d} {'PM' if d.hour >= 12 else 'AM'}"
            return {
                "device": c.host,
                "deviceid": c.extra.get("deviceid", "1000"),
                "sensor": c.name or "Ping",
                "sensorid": c.ident,
                "status": st,
                "down": down,
                "message": msg,
                "datetime": stamp,
                "priority": "****" if c.sev == "crit" else "***",
                "group": c.extra.get("group", ""),
                "probe": c.observer or "Local Probe",
                "host": c.address,
                "home": f"https://prtg.{DOMAIN}/",
                "lastvalue": "-" if status != "Warning" else "87 %",
            }

        self.emit(
            e.t,
            "prtg",
            body(
                status,
                e.t,
                c.text if status != "Paused by Dependency" else "Paused by dependency",
                f"{int(e.t - e.onset)} s",
            ),
            c.observer,
            mark,
        )
        if e.ack is not None and e.ack < e.end and status == "Down":
            self.emit(
                e.ack,
                "prtg",
                body(
                    "Down (Acknowledged)",
                    e.ack,
                    f"Acknowledged by {r.choice(_OPERATORS)}: checking",
                    "",
                ),
                c.observer,
            )
            status = "Down (Acknowledged)"
        self.emit(e.end, "prtg", body(f"{status} ended (now: Up)", e.end, "OK", ""), c.observer)

    # -- Alertmanager ----------------------------------------------------------------

    def alertmanager(self, eps: list[Ep]) -> None:
        groups: dict[tuple[str, str], list[Ep]] = defaultdict(list)
        for e in eps:
            groups[(e.chk.observer or "", e.chk.name or "")].append(e)
        for key in sorted(groups):
            self._am_group(key, sorted(groups[key], key=lambda e: (e.t, e.chk.cid)))

    def _am_group(self, key: tuple[str, str], items: list[Ep]) -> None:
        prom, alertname = key
        sent: set[int] = set()
        last = -1e18
        tick = items[0].t + 30
        while tick <= self.horizon:
            firing = [i for i, e in enumerate(items) if e.t <= tick < e.end]
            resolved = [i for i, e in enumerate(items) if e.end <= tick and i in sent]
            new = [i for i in firing if i not in sent]
            if new or resolved or (firing and tick - last >= 3600):
                self._am_body(prom, alertname, items, firing, resolved, tick)
                sent.update(firing)
                sent.difference_update(resolved)
                last = tick
            if firing or sent:
                tick += 300
                continue
            later = [e.t for e in items if e.t > tick]
            if not later:
                break
            tick = min(later) + 30
            last = -1e18

    def _am_body(
        self,
        prom: str,
        alertname: str,
        items: list[Ep],
        firing: list[int],
        resolved: list[int],
        tick: float,
    ) -> None:
        alerts = []
        marks = []
        labelsets = []
        for i in firing + resolved:
            e = items[i]
            c = e.chk
            labels = {
                "alertname": alertname,
                "instance": c.extra["instance"],
                "job": c.extra["job"],
                "prometheus": prom,
                "severity": "critical" if c.sev == "crit" else "warning",
            }
            if prom == "prom-cloud":
                labels["namespace"] = "shop" if ".shop.svc" in c.host else "infra"
            labelsets.append(labels)
            on = i in firing
            if on:
                marks.append((e.fault, c.node))
            alerts.append(
                {
                    "status": "firing" if on else "resolved",
                    "labels": labels,
                    "annotations": {"summary": c.text},
                    "startsAt": _iso(e.t - 15),
                    "endsAt": "0001-01-01T00:00:00Z" if on else _iso(e.end),
                    "generatorURL": f"http://{prom}.{DOMAIN}:9090/graph?g0.expr=ALERTS%7Balertname%3D%22{alertname}%22%7D",
                    "fingerprint": c.ident,
                }
            )
        common = {k: v for k, v in labelsets[0].items() if all(ls.get(k) == v for ls in labelsets)}
        body = {
            "version": "4",
            "groupKey": '{}/{severity=~"warning|critical"}:{alertname="'
            + alertname
            + '", prometheus="'
            + prom
            + '"}',
            "truncatedAlerts": 0,
            "status": "firing" if firing else "resolved",
            "receiver": "correlator",
            "groupLabels": {"alertname": alertname, "prometheus": prom},
            "commonLabels": common,
            "commonAnnotations": {"summary": alerts[0]["annotations"]["summary"]}
            if len(alerts) == 1
            else {},
            "externalURL": f"http://alertmanager.{DOMAIN}:9093",
            "alerts": alerts,
        }
        self.emit(tick + self.rng.uniform(0.05, 0.6), "alertmanager", body, None, marks)


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


def _finish(sim: _Sim, label: str) -> Scenario:
    w = sim.w
    horizon = max([e.end for e in sim.eps] + [e.t for e in sim.eps]) + 900
    r = _Renderer(sim.seed, f"{sim.tag}:{label}", horizon)
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
        eid = f"e{n}"
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
                equivalent_roots=f.equivalent,
                site=w.nodes[f.root].site if f.root else None,
                started_at=f.started_at,
                maintenance=f.maintenance,
                watched=f.watched,
                nodes=nodes,
            )
        )
    kinds: dict[str, int] = defaultdict(int)
    for t in truth:
        kinds[t.kind_of_fault] += 1
    stats = {
        "nodes": len(w.order),
        "stores": len(w.stores),
        "checks": len(w.checks),
        "lines": len(out),
        "faults": len(truth),
        "kinds": dict(sorted(kinds.items())),
    }
    return Scenario(seed=sim.seed, topology=w.topology(), lines=out, truth=truth, stats=stats)


def _other(sim: _Sim, kind: str, t: float) -> bool:
    if kind == "noise":
        return sim.add_noise(t)
    if kind == "flapping":
        return sim.add_flapping(t)
    if kind == "maintenance":
        return sim.add_maintenance(t)
    return sim.add_unplaced(t)


def single(seed: int, kind: str, nodes: int = 400) -> Scenario:
    """One fault of ``kind`` (two incidents for ``concurrent``) and a little noise."""
    if kind not in FAULT_KINDS_F and kind not in OTHER_KINDS_F:
        raise ValueError(f"unknown kind {kind!r}")
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, f"single-{kind}")
    t = T0 + 1800
    for attempt in range(12):
        ok = (
            sim.add_fault(kind, t + attempt * 900)
            if kind in FAULT_KINDS_F
            else _other(sim, kind, t + attempt * 900)
        )
        if ok:
            break
    else:
        raise RuntimeError(f"could not place {kind} on seed {seed}")
    for _ in range(2):
        sim.add_noise(T0 + sim.rng.uniform(0, 7200))
    return _finish(sim, kind)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    kinds = list(weights)
    return rng.choices(kinds, weights=[weights[k] for k in kinds])[0]


def storm(seed: int, nodes: int = 2000) -> Scenario:
    """Wide-blast-radius faults close together (two hours), a little noise and flapping."""
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, "storm")
    rng = sim.rng
    t = T0 + 600
    placed = 0
    for _ in range(40):
        if placed >= 7:
            break
        if sim.add_fault(_weighted(rng, STORM_WEIGHTS), t):
            placed += 1
            t += rng.uniform(60, 900)
    for _ in range(4):
        sim.add_noise(T0 + rng.uniform(0, 7200))
    sim.add_flapping(T0 + rng.uniform(0, 5400))
    return _finish(sim, "storm")


def day(seed: int, nodes: int = 1200, faults: int = 14, noise: int = 12) -> Scenario:
    """A trading day (ten hours): faults of every kind, noise, flapping, maintenance,
    unplaced alerts and acknowledgements."""
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, "day")
    rng = sim.rng
    span = 36000.0
    starts = sorted(T0 + rng.uniform(0, span - 3600) for _ in range(faults))
    for t in starts:
        for attempt in range(6):
            if sim.add_fault(_weighted(rng, DAY_WEIGHTS), t + attempt * 600):
                break
    for _ in range(noise):
        sim.add_noise(T0 + rng.uniform(0, span))
    for _ in range(2):
        sim.add_flapping(T0 + rng.uniform(0, span - 3600))
    for _ in range(2):
        sim.add_maintenance(T0 + rng.uniform(0, span - 3600))
    for _ in range(2):
        sim.add_unplaced(T0 + rng.uniform(0, span))
    return _finish(sim, "day")
