"""Tenth scenario generator (letter J): a regional ISP / telecom operator.

Written from the public contracts only (specs/topology-format.md, specs/replay.md,
specs/ingest-formats.md, the example small site, the tool delays of config/default.yaml);
it never looks at the correlator. Pure and seeded: the same arguments give the same
topology, replay lines and truth, byte for byte (``random.Random`` seeded from the
arguments, sets never iterated unsorted, hashes from ``hashlib``). Entry points:
:func:`single` (one fault of a kind), :func:`storm` (wide blast radius faults close
together), :func:`day` (a shift of faults, noise and decoration), :func:`build_world`.
Each returns a :class:`generator.Scenario`.

**The world** (:class:`World`)

- National core (site ``core``): core routers ``core-rtr-1/2`` and route reflectors
  ``core-rr-1/2`` (``any_of`` the core routers).
- Data centre (site ``dc``): switch pair ``dc-sw-1/2`` (``any_of`` the core routers) and
  servers on ``any_of`` the DC switches: RADIUS ``radius-01/02``, DHCP ``dhcp-01/02``, DNS
  resolvers ``dns-01/02``, the billing database server ``billing-db-01``, the CRM, portal and
  provisioning servers ``crm-01``, ``portal-01``, ``prov-01``, the IPTV head end
  ``iptv-head-01`` and the monitoring servers (kind ``probe``): ``nagios-dc``, ``prom-dc``,
  ``prtg-core``. Logical nodes: ``radius`` (``any_of`` the RADIUS pair, watched on its VIP
  ``radius-vip``), ``dhcp`` (``any_of`` the DHCP pair), ``dns-resolvers`` (``any_of`` the
  resolver pair; its latency and resolution checks run on the servers and are placed on it
  by ``HOST!CHECK``), ``billing-db`` (on ``billing-db-01``), ``crm`` (CRM server, billing DB,
  resolvers), ``portal`` (portal server, CRM, billing DB, resolvers), ``prov-api``
  (provisioning server, billing DB, RADIUS, resolvers). Business services (never alert):
  ``internet-access-<region>`` (``any_of`` the region's aggregation pair, RADIUS, DHCP,
  resolvers), ``voip`` and ``iptv``.
- Three to five regional POPs (codes drawn from a list), each: an unmonitored mains feed
  ``<r>-mains`` and a monitored generator ``<r>-gen`` (``power``), the UPS ``<r>-ups`` on
  ``any_of`` both; a shared-risk fibre duct ``<r>-duct`` (``link``, unmonitored) carrying both
  uplink fibres ``<r>-fib-1/2`` (``link``, unmonitored); the aggregation routers
  ``<r>-agg-1/2``, each on its fibre, ``any_of`` the core routers and the UPS; a management
  switch ``<r>-mgmt-sw`` (``any_of`` the aggregation pair, the UPS) carrying the region's
  probe; an out-of-band console server ``<r>-oob`` on the UPS and ``any_of`` the aggregation
  pair and an unmonitored LTE backup ``<r>-lte`` (so it stays reachable through a duct cut,
  but not through a POP power loss); OLTs ``<r>-olt-NN`` and DSLAMs
  ``<r>-dslam-NN`` on ``any_of`` the aggregation pair and the UPS, each with one access
  node ``<r>-olt-NN-subs`` (kind ``access``: the customers behind it, watched as aggregated
  counts, not one node per customer); one to three microwave links ``<r>-mw-N`` (``link``,
  the hub radio on the aggregation pair and the UPS) to rural sites ``<r>-rural-N``
  (router), each with a DSLAM ``<r>-rural-N-dslam`` and its access node.

**Tools** (specs/ingest-formats.md payloads): each region is watched by a Zabbix 6 proxy
``zbx-proxy-<r>`` or a PRTG remote probe ``prtg-probe-<r>`` (kind ``probe``, on the
management switch and the UPS); both styles occur. The Zabbix server polls the core, the DC
network, the aggregation routers, the management switches of Zabbix regions and the DNS
servers' agents directly (empty proxy), receives the SNMP traps (BGP peer and session
down from the core and route reflectors, VRRP peer lost, chassis alarms, OLT line-card
faults; through the region's proxy in Zabbix regions, straight to the server in PRTG
regions) and the legacy hosts' agent checks. The region's probe pings the POP devices (OLTs,
DSLAMs, UPS, generator, rural sites) and reads the UPS, the generator, the microwave RSL and
the ONT down counts. ``prtg-core`` pings the core routers, the management switches of PRTG
regions and watches the remote probes ("Probe Health"). Nagios 4 (``nagios-dc``, the
replay line's ``observer``) watches the legacy hosts: the RADIUS, DHCP and billing servers,
the RADIUS VIP, the aggregation routers and each POP's console server (whose Nagios parent
is ``<r>-agg-1``). Prometheus ``prom-dc`` with Alertmanager (grouped by ``alertname``:
group_wait 30 s, group_interval 5 min, repeat 4 h) watches the BSS applications and, from
RADIUS accounting, the subscriber sessions of every access node
(``SubscriberSessionsDropped``, ``instance`` = the OLT). Behaviour: Zabbix trigger windows
and trap latency, trigger dependencies on the uplink (a dependent trigger stays silent while
its master is in problem), re-sent problems every 30 minutes for high severities,
acknowledgements as update messages, repeated problem/recovery pairs for a chattering
trigger; Nagios HARD notifications only, host UNREACHABLE behind a DOWN parent (sometimes
first DOWN, then a ``PROBLEM`` with ``HOSTPROBLEMID=0``), service notifications suppressed on
a non-UP host, re-notifications every hour, acknowledgements, DOWNTIMESTART/END,
FLAPPINGSTART/STOP; PRTG Down/Warning/Unknown, ``Paused by Dependency`` behind a down parent
device, ``Down (Acknowledged)``, ``X ended (now: Up)``; Alertmanager bodies carrying every
alert of their group. Host names as the tools spell them: short, FQDN
(``<host>.<site>.isp.example.net``), upper case, or the address (whole-host checks only).

**Fault kinds** (``FAULT_KINDS_J``): duct-cut, agg-member, agg-pair, olt-down, olt-card,
pop-power, microwave-fade, radius-pair, dns-resolvers-degraded, billing-db-down,
core-member, probe-cut, concurrent. Others (``OTHER_KINDS_J``): noise, flapping,
maintenance, unplaced.

**Truth rules and assumptions** (decided here where the specs are silent):

1. The root is the node that physically failed; ``inferred`` is true exactly when no
   problem event is placed on it; ``nodes`` are the nodes its problem events are placed on.
   Every problem event belongs to exactly one true incident (an Alertmanager body, which
   carries every alert of its group, may belong to several).
2. A failure spreads up ``depends_on`` with ``any_of`` semantics and a mode: a dead network,
   power or server node makes what it carries *down*; a dead application, database or
   logical service makes its dependents *svc* (their own error checks fail, 20-120 s per
   hop); a degraded resolver makes its dependents *slow* (latency warnings, one to seven
   minutes per hop); a failed OLT line card reaches only its access node (*card*: ONT down
   count, sessions dropped); a mains loss, a generator that fails to start, a UPS on
   battery and a fading radio reach nobody by themselves.
3. A check fires when its node is reached in a mode it reacts to, its reporter (the device
   that sends a trap or counts for another node) is not itself down, and its observer can
   still deliver it. Missed detections: 10 %, except the root's own checks in the kinds
   that need them (below); a monitored root that alerted nothing would be inferred.
4. Missed detections are re-drawn when the alerts left could be explained by another single
   node of the fault whose failure would reach strictly fewer nodes, or when a node the
   kind needs as evidence (both aggregation routers of a duct cut, both members of a pair)
   raised nothing; a fault that stays unidentifiable after eight draws is not placed.
5. duct-cut: both fibres in the duct go at once, so both aggregation routers are lost within
   seconds, with no chassis alarm; everything in the POP behind them goes down (the region's
   probe too: PRTG sensors Unknown, a Zabbix proxy buffers and the server's "proxy last
   seen" trigger fires after ten minutes). Root = the duct, inferred (the fibres are
   unmonitored as well, and each explains one router only). The UPS, also below both
   routers, is not an equivalent root: its own checks are blind (they travel by the cut-off
   probe), but the console server it powers stays up on its LTE backup and quiet.
6. agg-member / core-member: one router of a pair dies (a chassis alarm trap first, for the
   aggregation routers): its own alerts, plus the partner's "VRRP peer lost" / "BGP peer
   down" trap (placed on the lost router by ``HOST!CHECK``: it is about that router). Nothing
   above a surviving pair fails. agg-pair: the second router dies 3-15 minutes after the
   first (each with its chassis alarm); root = the router lost first; the other one is an
   equivalent root when the tools cannot tell the order (the first's earliest alert, less
   its tool's typical detection delay, is not 30 s ahead of the second's).
7. olt-down: the OLT's ping and, minutes later, its access node's
   ``SubscriberSessionsDropped``; the ONT count cannot be read from a dead OLT. olt-card: the
   OLT's "line card fault" trap (its own alert, never missed), then the access node's ONT
   down count warning and dropped sessions. Root = the OLT in both.
8. pop-power: the mains feed is lost, the generator fails to start, the UPS goes on battery
   ("UPS on battery", never missed), warns "battery low" five minutes before the end, and
   10-40 minutes after the mains loss everything in the POP goes down. Decided: root = the
   mains feed (the node that physically failed, and the first lost member of the
   ``any_of`` group {mains, generator}), inferred; the generator (second member lost, order
   unknowable with a silent first member) and the UPS (the alerting node every hard down
   depends on, whose "on battery" alert is the evidence of the mains loss) are equivalent
   roots. The UPS and generator alerts, the later POP-wide downs, Unknowns and dropped
   sessions are all one incident.
9. microwave-fade (gray): the hub radio's "RSL below threshold" and "Modulation downshift"
   warnings (its own, never missed), then 5-15 minutes later the rural router and DSLAM
   ping flap (three to six short outages, PRTG "Paused by Dependency" for the DSLAM half the
   time) and the rural access node's sessions drop. Root = the microwave link.
10. radius-pair: both RADIUS servers lost 3-15 minutes apart (pair rule of 6); the RADIUS
    VIP check and the provisioning API's errors follow. dns-resolvers-degraded (gray): the
    resolvers' own latency warning first (never missed), then the CRM, portal and
    provisioning API latency warnings over up to half an hour: one incident, root =
    ``dns-resolvers``. billing-db-down: the database's own Nagios checks (never missed) and
    the CRM, portal and provisioning API errors; root = ``billing-db``.
11. probe-cut (PRTG regions): either the management switch dies (root = the switch, the
    probe's path: its own ping from ``prtg-core`` never missed, "Probe Health" and at least
    four sensors Unknown) or the probe server itself dies (root = the probe: "Probe Health"
    never missed, Unknown sensors). ``watched`` = the nodes the probe watches, which are fine
    (nobody should be paged for them).
12. Noise (background warnings: CPU, DHCP pool, interface errors, disk), flapping (a Zabbix
    ONT count trigger chattering, or a Nagios service with FLAPPINGSTART/STOP) and unplaced
    alerts (a new OLT not yet in the inventory, one or two checks) are one incident each.
    Maintenance (planned patching of one DHCP server, whose partner carries the service):
    Nagios DOWNTIMESTART/END notices for the host and its services and, while it reboots,
    the Zabbix agent's problem (Zabbix
    maintenance with data collection and operations not paused, an assumption): one
    incident rooted at the host, ``maintenance`` set (it must not page).
13. Two faults overlapping in time never touch the same node (nor a node's checks), and an
    alert identity recovers before another fault may raise it again; noise never lands on a
    node a fault affects, nor travels by a probe that a fault has cut off. ``concurrent``:
    two independent faults in different regions within two minutes of each other: two
    incidents (their ``SubscriberSessionsDropped`` may share Alertmanager bodies).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .generator import Scenario, TrueIncident

FAULT_KINDS_J: Final = (
    "duct-cut",
    "agg-member",
    "agg-pair",
    "olt-down",
    "olt-card",
    "pop-power",
    "microwave-fade",
    "radius-pair",
    "dns-resolvers-degraded",
    "billing-db-down",
    "core-member",
    "probe-cut",
    "concurrent",
)
OTHER_KINDS_J: Final = ("noise", "flapping", "maintenance", "unplaced")

STORM_WEIGHTS: Final = {
    "duct-cut": 4,
    "agg-pair": 2,
    "pop-power": 3,
    "olt-down": 3,
    "olt-card": 2,
    "microwave-fade": 2,
    "radius-pair": 1,
    "billing-db-down": 1,
    "dns-resolvers-degraded": 1,
    "probe-cut": 2,
}
DAY_WEIGHTS: Final = {k: 2 for k in FAULT_KINDS_J if k != "concurrent"} | {
    "olt-down": 4,
    "olt-card": 3,
    "agg-member": 3,
    "microwave-fade": 3,
    "core-member": 2,
    "duct-cut": 2,
    "pop-power": 1,
}

BASE_T: Final = 1_767_340_800.0  # 2026-01-02 08:00:00 UTC
MISS: Final = 0.10
INF: Final = float("inf")
DOMAIN: Final = "isp.example.net"
RENOTIFY: Final = 3600.0
_REGION_CODES: Final = ("nrd", "sud", "ost", "wst", "mit", "kst", "brg", "tal", "hgl", "see")
_NETWORK: Final = frozenset(
    {"switch", "router", "firewall", "link", "power", "olt", "dslam", "probe", "host"}
)
_LOGICAL: Final = frozenset({"application", "database", "service", "access"})
_NOMINAL: Final = {"nagios": 90.0, "zabbix": 120.0, "prtg": 90.0, "alertmanager": 150.0}
_RANK: Final = {"card": 1, "slow": 1, "svc": 2, "down": 3}
_PING: Final = frozenset({"Ping", "Unavailable by ICMP ping"})


def _h(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


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
    address: str = ""
    monitored_as: list[str] = field(default_factory=list)
    deps: list[str | tuple[str, ...]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Check:
    cid: int
    node: str  # the node the alert is placed on
    host_node: str  # the machine whose name the alert carries
    tool: str
    host: str  # spelled as the tool spells it
    address: str
    name: str | None  # None: a Nagios host check
    level: str  # down | crit | warn
    modes: frozenset[str]
    reporter: str | None  # must not be down for the check to fire; None: polled from outside
    observer: str  # Zabbix proxy ("" direct), PRTG probe, Nagios observer, Prometheus
    delay: tuple[float, float]
    text: str
    zsev: int = 4
    ident: str = ""
    device_id: str = ""
    group: str = ""
    uplink: str | None = None  # the tool's own parent of this check (Nagios parents, ...)
    zdep: bool = False  # Zabbix trigger depends on the uplink's ping trigger
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Rural:
    mw: str
    site: str
    dslam: str
    subs: str


@dataclass(slots=True)
class Region:
    code: str
    idx: int
    style: str  # zbx | prtg
    probe: str
    mains: str
    gen: str
    ups: str
    duct: str
    fibs: tuple[str, str]
    aggs: tuple[str, str]
    mgmt: str
    oob: str
    service: str
    olts: list[str] = field(default_factory=list)
    subs: dict[str, str] = field(default_factory=dict)  # OLT/DSLAM -> its access node
    rurals: list[Rural] = field(default_factory=list)


class World:
    """Topology and monitoring of the ISP."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"world-j:{seed}:{size}")
        self.nodes: dict[str, Node] = {}
        self.order: list[str] = []
        self.checks: list[Check] = []
        self.regions: list[Region] = []
        self.rdeps: dict[str, list[str]] = defaultdict(list)
        self.hosted_on: dict[str, tuple[str, ...]] = {}
        self.nagios_hosts: set[str] = set()
        self.by_node: dict[str, list[Check]] = defaultdict(list)
        self.legacy: list[str] = []
        self._ipn = 0
        self._ident = 40000
        self._build(size)
        for nid in self.order:
            for d in self.nodes[nid].deps:
                for m in [d] if isinstance(d, str) else d:
                    if nid not in self.rdeps[m]:
                        self.rdeps[m].append(nid)
        for c in self.checks:
            self.by_node[c.node].append(c)
            if c.tool == "nagios" and c.name is None:
                self.nagios_hosts.add(c.host_node)

    # -- building blocks -------------------------------------------------------------------

    def _ip(self, site_idx: int) -> str:
        self._ipn += 1
        return f"10.{100 + site_idx}.{self._ipn // 250}.{self._ipn % 250 + 2}"

    def add(
        self,
        nid: str,
        kind: str,
        team: str,
        site: str,
        deps: Iterable[str | tuple[str, ...]] = (),
        *,
        crit: int = 3,
        site_idx: int = 0,
        host: bool = True,
        **tags: str,
    ) -> str:
        assert nid not in self.nodes, nid
        addr = self._ip(site_idx) if host else ""
        n = Node(nid, kind, team, site, crit, addr, [], list(deps), dict(tags))
        if host:
            n.monitored_as = [nid, addr]
        self.nodes[nid] = n
        self.order.append(nid)
        return nid

    def spell(self, nid: str, tool: str, *, whole: bool) -> str:
        n = self.nodes[nid]
        r = _h(self.seed, nid, tool) % 10
        fqdn = f"{nid}.{n.site}.{DOMAIN}"
        if tool == "zabbix":
            return nid if r < 6 else fqdn
        if tool == "prtg":
            if r < 3:
                return nid.upper()
            if r < 5 and whole and n.address:
                return n.address
            return nid
        if tool == "nagios":
            return nid.upper() if r < 4 else nid
        return nid

    def chk(
        self,
        node: str,
        tool: str,
        name: str | None,
        level: str,
        modes: Iterable[str],
        *,
        observer: str = "",
        reporter: str | None = None,
        host_node: str | None = None,
        delay: tuple[float, float] = (60.0, 180.0),
        text: str = "",
        zsev: int = 4,
        uplink: str | None = None,
        host: str | None = None,
    ) -> Check:
        hn = host_node or node
        self._ident += 1
        c = Check(
            cid=len(self.checks),
            node=node,
            host_node=hn,
            tool=tool,
            host=host or self.spell(hn, tool, whole=hn == node),
            address=self.nodes[hn].address,
            name=name,
            level=level,
            modes=frozenset(modes),
            reporter=reporter,
            observer=observer,
            delay=delay,
            text=text or (name or "host down"),
            zsev=zsev,
            ident=str(self._ident),
            device_id=str(3000 + _h(hn, "dev") % 90000),
            group=self.nodes[hn].site,
            uplink=uplink,
            zdep=uplink is not None and tool == "zabbix" and _h(self.seed, node, "zdep") % 2 == 0,
        )
        if hn != node and self.nodes[node].kind in _LOGICAL and node not in self.hosted_on:
            self.hosted_on[node] = (hn,)
        if hn != node:
            entry = f"{hn}!{name}"
            if entry not in self.nodes[node].monitored_as:
                self.nodes[node].monitored_as.append(entry)
        if tool == "alertmanager":
            inst = self.nodes[hn].address if _h(self.seed, hn, "am") % 3 == 0 else hn
            if hn != node:
                inst = hn
            c.host = inst
            c.labels = {
                "alertname": name or "InstanceDown",
                "instance": f"{inst}:9100",
                "job": "node"
                if name in (None, "InstanceDown", "NodeFilesystemAlmostFull")
                else "bss",
                "prometheus": observer,
                "severity": {"down": "critical", "crit": "critical", "warn": "warning"}[level],
            }
            if name == "SubscriberSessionsDropped":
                c.labels["job"] = "radius-accounting"
                c.labels["instance"] = inst
                c.labels["region"] = self.nodes[node].site
            c.ident = hashlib.sha256(json.dumps(c.labels, sort_keys=True).encode()).hexdigest()[:16]
        self.checks.append(c)
        return c

    def zping(self, node: str, *, observer: str = "", uplink: str | None = None) -> None:
        self.chk(
            node,
            "zabbix",
            "Unavailable by ICMP ping",
            "down",
            ["down"],
            observer=observer,
            delay=(60, 190),
            text="Unavailable by ICMP ping",
            uplink=uplink,
        )

    def pping(self, node: str, observer: str, *, uplink: str | None = None) -> None:
        self.chk(
            node,
            "prtg",
            "Ping",
            "down",
            ["down"],
            observer=observer,
            delay=(60, 150),
            text="Destination host unreachable (ICMP error # 11003)",
            uplink=uplink,
        )

    def nping(self, node: str, *, uplink: str | None = None) -> None:
        self.chk(
            node,
            "nagios",
            None,
            "down",
            ["down"],
            observer="nagios-dc",
            delay=(60, 300),
            text="PING CRITICAL - Packet loss = 100%",
            uplink=uplink,
        )

    def rping(self, rg: Region, node: str, *, uplink: str | None = None) -> None:
        """The region probe's ping of a POP device."""
        if rg.style == "zbx":
            self.zping(node, observer=rg.probe, uplink=uplink)
        else:
            self.pping(node, rg.probe, uplink=uplink)

    def rcheck(
        self,
        rg: Region,
        node: str,
        name: str,
        level: str,
        modes: Iterable[str],
        *,
        reporter: str | None,
        host_node: str | None = None,
        delay: tuple[float, float] = (60.0, 180.0),
        text: str = "",
        zsev: int = 3,
        trap: bool = False,
    ) -> None:
        """A check run by the region's probe (or an SNMP trap into Zabbix)."""
        if trap or rg.style == "zbx":
            obs = rg.probe if rg.style == "zbx" else ""
            self.chk(
                node,
                "zabbix",
                name,
                level,
                modes,
                observer=obs,
                reporter=reporter,
                host_node=host_node,
                delay=delay,
                text=text,
                zsev=zsev,
            )
        else:
            self.chk(
                node,
                "prtg",
                name,
                level,
                modes,
                observer=rg.probe,
                reporter=reporter,
                host_node=host_node,
                delay=delay,
                text=text,
            )

    # -- the world -------------------------------------------------------------------------

    def _build(self, size: int) -> None:
        rng = self.rng
        self._core_and_dc()
        n_regions = max(3, min(5, size // 110 + rng.randint(0, 1)))
        codes = rng.sample(_REGION_CODES, n_regions)
        styles = ["zbx", "prtg"] + [rng.choice(["zbx", "prtg"]) for _ in range(n_regions - 2)]
        rng.shuffle(styles)
        budget = max(40, (size - len(self.order) - 3) // n_regions)
        for i, code in enumerate(codes):
            self._region(code, i + 1, styles[i], budget)
        self._services()

    def _core_and_dc(self) -> None:
        add = self.add
        cores = ("core-rtr-1", "core-rtr-2")
        for c in cores:
            add(c, "router", "backbone", "core", crit=1)
            self.zping(c)
            self.pping(c, "prtg-core")
        rrs = ("core-rr-1", "core-rr-2")
        for r in rrs:
            add(r, "router", "backbone", "core", [cores], crit=1)
            self.zping(r)
        for a, b in (cores, cores[::-1], rrs, rrs[::-1]):
            self.chk(
                a,
                "zabbix",
                f"BGP peer {a} is down",
                "crit",
                ["down"],
                reporter=b,
                host_node=b,
                delay=(5, 40),
                zsev=4,
                text=f"BGP peer {a} state changed to Idle",
            )
        sws = ("dc-sw-1", "dc-sw-2")
        for s in sws:
            add(s, "switch", "dc-network", "dc", [cores], crit=1, site_idx=0)
            self.zping(s)
        servers = [
            ("radius-01", "aaa", "nagios"),
            ("radius-02", "aaa", "nagios"),
            ("dhcp-01", "aaa", "nagios"),
            ("dhcp-02", "aaa", "nagios"),
            ("dns-01", "dns", "zabbix"),
            ("dns-02", "dns", "zabbix"),
            ("billing-db-01", "dba", "nagios"),
            ("crm-01", "bss", "prom"),
            ("portal-01", "bss", "prom"),
            ("prov-01", "bss", "prom"),
            ("iptv-head-01", "video", "zabbix"),
            ("nagios-dc", "monitoring", ""),
            ("prom-dc", "monitoring", ""),
            ("prtg-core", "monitoring", ""),
        ]
        for srv, team, tool in servers:
            kind = "probe" if tool == "" else "server"
            add(srv, kind, team, "dc", [sws], crit=2)
            if tool == "nagios":
                self.legacy.append(srv)
                self.nping(srv)
                self.chk(
                    srv,
                    "nagios",
                    "CPU load",
                    "warn",
                    ["noise"],
                    observer="nagios-dc",
                    reporter=srv,
                    text="WARNING - load average: 9.41, 8.02, 6.77",
                )
                self.chk(
                    srv,
                    "zabbix",
                    "Zabbix agent is not available (for 3m)",
                    "crit",
                    ["down", "reboot"],
                    delay=(180, 260),
                    zsev=3,
                )
            elif tool == "zabbix":
                self.zping(srv)
                self.chk(
                    srv,
                    "zabbix",
                    "High CPU utilization (over 90% for 5m)",
                    "warn",
                    ["noise"],
                    reporter=srv,
                    zsev=2,
                )
            elif tool == "prom":
                self.chk(
                    srv,
                    "alertmanager",
                    "InstanceDown",
                    "crit",
                    ["down"],
                    observer="prom-dc",
                    delay=(150, 200),
                    text=f"{srv} has been down for more than 2 minutes",
                )
                self.chk(
                    srv,
                    "alertmanager",
                    "NodeFilesystemAlmostFull",
                    "warn",
                    ["noise"],
                    observer="prom-dc",
                    reporter=srv,
                    text="Filesystem /var has less than 10% space left",
                )
        for a, b in (("radius-01", "radius-02"), ("radius-02", "radius-01")):
            self.chk(
                a,
                "nagios",
                f"RADIUS peer {a}",
                "crit",
                ["down"],
                observer="nagios-dc",
                reporter=b,
                host_node=b,
                delay=(30, 240),
                text=f"CRITICAL - RADIUS peer {a} not answering, serving alone",
            )
        for d in ("dhcp-01", "dhcp-02"):
            self.chk(
                d,
                "nagios",
                "DHCP lease pool usage",
                "warn",
                ["noise"],
                observer="nagios-dc",
                reporter=d,
                text="WARNING - pool cgnat-residential 91% used",
            )
            self.chk(
                d,
                "nagios",
                "NTP offset",
                "warn",
                ["flap"],
                observer="nagios-dc",
                reporter=d,
                text="NTP WARNING: Offset 0.61 secs",
            )
        radius = ("radius-01", "radius-02")
        add("radius", "application", "aaa", "dc", [radius], crit=1)
        self.nodes["radius"].monitored_as[0] = "radius-vip"
        self.chk(
            "radius",
            "nagios",
            "RADIUS Access-Request",
            "crit",
            ["down", "svc"],
            observer="nagios-dc",
            delay=(60, 240),
            text="CRITICAL - no Access-Accept within 5 s",
            host="radius-vip",
        )
        add("dhcp", "application", "aaa", "dc", [("dhcp-01", "dhcp-02")], crit=1, host=False)
        dns = ("dns-01", "dns-02")
        add("dns-resolvers", "application", "dns", "dc", [dns], crit=1, host=False)
        for d in dns:
            self.chk(
                "dns-resolvers",
                "zabbix",
                "Resolver latency is high (over 200 ms for 5m)",
                "warn",
                ["slow"],
                host_node=d,
                delay=(300, 400),
                zsev=2,
            )
            self.chk(
                "dns-resolvers",
                "zabbix",
                "Resolver is not answering queries",
                "crit",
                ["down", "svc"],
                host_node=d,
                delay=(60, 150),
                zsev=4,
            )
        add("billing-db", "database", "dba", "dc", ["billing-db-01"], crit=1, host=False)
        for name, text in (
            ("Oracle listener", "CRITICAL - TNS-12541: no listener"),
            ("Oracle tablespace BILLING", "UNKNOWN - cannot connect to the instance"),
        ):
            self.chk(
                "billing-db",
                "nagios",
                name,
                "crit",
                ["down", "svc"],
                observer="nagios-dc",
                host_node="billing-db-01",
                delay=(60, 200),
                text=text,
            )
        apps = (
            ("crm", "crm-01", "CRM", ["crm-01", "billing-db", "dns-resolvers"]),
            ("portal", "portal-01", "Portal", ["portal-01", "crm", "billing-db", "dns-resolvers"]),
            (
                "prov-api",
                "prov-01",
                "ProvisioningAPI",
                ["prov-01", "billing-db", "radius", "dns-resolvers"],
            ),
        )
        for app, srv, alert, deps in apps:
            add(app, "application", "bss", "dc", deps, crit=2, host=False)
            self.chk(
                app,
                "alertmanager",
                f"{alert}ErrorRateHigh",
                "crit",
                ["down", "svc"],
                observer="prom-dc",
                host_node=srv,
                delay=(150, 260),
                text="5xx ratio above 5 % for 2m",
            )
            self.chk(
                app,
                "alertmanager",
                f"{alert}LatencyHigh",
                "warn",
                ["slow"],
                observer="prom-dc",
                host_node=srv,
                delay=(150, 300),
                text="p95 latency above 2 s for 5m",
            )

    def _region(self, r: str, idx: int, style: str, budget: int) -> None:
        rng = self.rng
        add = self.add
        si = idx
        probe = f"zbx-proxy-{r}" if style == "zbx" else f"prtg-probe-{r}"
        rg = Region(
            code=r,
            idx=idx,
            style=style,
            probe=probe,
            mains=f"{r}-mains",
            gen=f"{r}-gen",
            ups=f"{r}-ups",
            duct=f"{r}-duct",
            fibs=(f"{r}-fib-1", f"{r}-fib-2"),
            aggs=(f"{r}-agg-1", f"{r}-agg-2"),
            mgmt=f"{r}-mgmt-sw",
            oob=f"{r}-oob",
            service=f"internet-access-{r}",
        )
        self.regions.append(rg)
        before = len(self.order)
        add(rg.mains, "power", "facilities", r, crit=1, host=False, feed="utility")
        add(rg.gen, "power", "facilities", r, crit=2, site_idx=si)
        add(rg.ups, "power", "facilities", r, [(rg.mains, rg.gen)], crit=1, site_idx=si)
        add(rg.duct, "link", "outside-plant", r, crit=1, host=False, route=f"{r}-trunk")
        for fib in rg.fibs:
            add(fib, "link", "outside-plant", r, [rg.duct], crit=2, host=False)
        cores = ("core-rtr-1", "core-rtr-2")
        for agg, fib in zip(rg.aggs, rg.fibs, strict=True):
            add(agg, "router", "backbone", r, [fib, cores, rg.ups], crit=1, site_idx=si)
        add(rg.mgmt, "switch", "noc", r, [rg.aggs, rg.ups], crit=3, site_idx=si)
        add(probe, "probe", "monitoring", r, [rg.mgmt, rg.ups], crit=3, site_idx=si)
        lte = add(f"{r}-lte", "link", "noc", r, crit=4, host=False, carrier="cellular")
        add(rg.oob, "host", "noc", r, [(*rg.aggs, lte), rg.ups], crit=4, site_idx=si)
        # the aggregation pair: seen from the centre
        for n, agg in enumerate(rg.aggs, start=1):
            self.zping(agg)
            self.nping(agg)
            self.chk(
                agg,
                "zabbix",
                f"BGP session to {agg} is down",
                "crit",
                ["down"],
                reporter="core-rr-1",
                host_node="core-rr-1",
                delay=(20, 120),
                zsev=4,
            )
            self.chk(
                agg,
                "zabbix",
                f"Interface xe-0/1/{idx * 2 + n}({agg}): Link down",
                "crit",
                ["down"],
                reporter=f"core-rtr-{n}",
                host_node=f"core-rtr-{n}",
                delay=(3, 30),
                zsev=3,
            )
            self.rcheck(
                rg,
                agg,
                "Chassis alarm: FPC 0 offline",
                "crit",
                ["chassis"],
                reporter=agg,
                delay=(2, 20),
                zsev=4,
                trap=True,
            )
        for a, b in (rg.aggs, rg.aggs[::-1]):
            self.rcheck(
                rg,
                a,
                f"VRRP peer {a} lost",
                "warn",
                ["down"],
                reporter=b,
                host_node=b,
                delay=(3, 30),
                zsev=3,
                trap=True,
            )
        self.nping(rg.oob, uplink=rg.aggs[0])
        # the management switch and the probe
        if style == "prtg":
            self.pping(rg.mgmt, "prtg-core")
            self.chk(
                probe,
                "prtg",
                "Probe Health",
                "down",
                ["down"],
                observer="prtg-core",
                delay=(60, 120),
                text="Probe disconnected",
            )
            self.pping(rg.aggs[0], probe)
            self.pping(rg.aggs[1], probe)
        else:
            self.zping(rg.mgmt)
            self.chk(
                probe,
                "zabbix",
                f"Zabbix proxy {probe}: last seen more than 600 seconds ago",
                "crit",
                ["down"],
                delay=(600, 700),
                zsev=4,
            )
        # power
        self.rcheck(
            rg, rg.ups, "UPS on battery", "warn", ["battery"], reporter=rg.ups, delay=(10, 60)
        )
        self.rcheck(
            rg,
            rg.ups,
            "UPS battery capacity low",
            "crit",
            ["battery-low"],
            reporter=rg.ups,
            delay=(10, 60),
            zsev=4,
        )
        self.rping(rg, rg.ups)
        self.rcheck(
            rg,
            rg.gen,
            "Generator failed to start",
            "crit",
            ["power-lost"],
            reporter=rg.gen,
            delay=(30, 120),
            zsev=4,
        )
        # microwave backhaul to rural sites
        n_rural = 1 + rng.randrange(3) if budget >= 50 else 1
        for k in range(1, n_rural + 1):
            mw = add(f"{r}-mw-{k}", "link", "radio", r, [rg.aggs, rg.ups], crit=3, site_idx=si)
            site = add(f"{r}-rural-{k}", "router", "access-network", r, [mw], crit=3, site_idx=si)
            dslam = add(
                f"{r}-rural-{k}-dslam", "dslam", "access-network", r, [site], crit=3, site_idx=si
            )
            subs = add(f"{r}-rural-{k}-subs", "access", "access-network", r, [dslam], host=False)
            rg.rurals.append(Rural(mw, site, dslam, subs))
            rg.subs[dslam] = subs
            self.rcheck(
                rg,
                mw,
                f"RSL below threshold on {mw}",
                "warn",
                ["fade"],
                reporter=mw,
                delay=(30, 120),
                zsev=2,
                text="RSL -71 dBm (threshold -65 dBm)",
            )
            self.rcheck(
                rg,
                mw,
                f"Adaptive modulation downshift on {mw}",
                "warn",
                ["fade"],
                reporter=mw,
                delay=(120, 400),
                zsev=2,
                text="Modulation 1024QAM -> 64QAM",
            )
            self.rping(rg, site, uplink=rg.aggs[0])
            self.rping(rg, dslam, uplink=site)
            self._subs_checks(rg, dslam, subs)
        # OLTs and DSLAMs
        fixed = len(self.order) - before
        n_olt = max(3, (budget - fixed) // 2)
        for k in range(1, n_olt + 1):
            kind = "dslam" if rng.random() < 0.3 else "olt"
            olt = add(
                f"{r}-{kind}-{k:02d}",
                kind,
                "access-network",
                r,
                [rg.aggs, rg.ups],
                crit=2,
                site_idx=si,
                vendor=rng.choice(["huawei", "nokia", "zte"]),
            )
            subs = add(f"{olt}-subs", "access", "access-network", r, [olt], host=False)
            rg.olts.append(olt)
            rg.subs[olt] = subs
            self.rping(rg, olt, uplink=rg.aggs[0])
            self.rcheck(
                rg,
                olt,
                "Line card fault (slot 3)",
                "crit",
                ["card"],
                reporter=olt,
                delay=(3, 40),
                zsev=4,
                trap=True,
                text="hwBoardFail: board 0/3 fault",
            )
            if rng.random() < 0.4:
                self.rcheck(
                    rg,
                    olt,
                    "Uplink interface errors",
                    "warn",
                    ["noise"],
                    reporter=olt,
                    zsev=2,
                    text="CRC errors 0.4 % on uplink",
                )
            self._subs_checks(rg, olt, subs)

    def _subs_checks(self, rg: Region, olt: str, subs: str) -> None:
        self.rcheck(
            rg,
            subs,
            "ONT down count high",
            "warn",
            ["card", "flap"],
            reporter=olt,
            host_node=olt,
            delay=(60, 240),
            zsev=2,
            text="ONTs down: 74 (threshold 20)",
        )
        self.chk(
            subs,
            "alertmanager",
            "SubscriberSessionsDropped",
            "warn",
            ["down", "card"],
            observer="prom-dc",
            host_node=olt,
            delay=(150, 300),
            text="Active PPPoE/IPoE sessions dropped by more than 30 % in 5m",
        )

    def _services(self) -> None:
        add = self.add
        cores = ("core-rtr-1", "core-rtr-2")
        for rg in self.regions:
            add(
                rg.service,
                "service",
                "service-desk",
                rg.code,
                [rg.aggs, "radius", "dhcp", "dns-resolvers"],
                crit=1,
                host=False,
            )
        add("voip", "service", "service-desk", "dc", [cores, "radius", "prov-api"], host=False)
        add("iptv", "service", "service-desk", "dc", [cores, "iptv-head-01"], host=False)
        for nid in ("voip", "iptv"):
            self.nodes[nid].crit = 2

    # -- failure spreading ------------------------------------------------------------------

    def child_mode(self, parent: str, mode: str, child: str) -> str | None:
        """How a failure of ``parent`` in ``mode`` reaches ``child`` (truth rule 2)."""
        if mode == "card":
            return "card" if self.nodes[child].kind == "access" else None
        if mode == "down":
            pk = self.nodes[parent].kind
            ck = self.nodes[child].kind
            if pk in _NETWORK or parent in self.hosted_on.get(child, ()):
                return "down"
            if pk == "server" and ck not in _LOGICAL:
                return "down"
            if pk == "server" and ck in _LOGICAL and parent in _hosting(self, child):
                return "down"
            return "svc"
        if mode in ("svc", "slow"):
            return mode
        return None

    def spread(self, comps: list[tuple[str, str]]) -> dict[str, str]:
        """Every node reached by the failure of ``comps`` (node, mode), with its mode."""
        state: dict[str, str] = {}
        for nid, mode in comps:
            if _RANK.get(mode, 0) >= _RANK.get(state.get(nid, ""), 0):
                state[nid] = mode
        work = sorted(state)
        while work:
            nid = work.pop()
            for child in self.rdeps.get(nid, ()):
                mode = self._eval(child, state)
                if mode is None:
                    continue
                old = state.get(child)
                if old is None or _RANK.get(mode, 0) > _RANK.get(old, 0):
                    if old is not None and child in dict(comps):
                        continue
                    state[child] = mode
                    work.append(child)
        return state

    def _eval(self, nid: str, state: dict[str, str]) -> str | None:
        best: str | None = None
        for d in self.nodes[nid].deps:
            members = [d] if isinstance(d, str) else list(d)
            modes = []
            for m in members:
                if m not in state:
                    break
                cm = self.child_mode(m, state[m], nid)
                if cm is None:
                    break
                modes.append(cm)
            else:
                mode = max(modes, key=lambda x: _RANK.get(x, 0))
                if best is None or _RANK.get(mode, 0) > _RANK.get(best, 0):
                    best = mode
        return best

    def monitored(self, nid: str) -> bool:
        return bool(self.by_node.get(nid))

    def region_of(self, nid: str) -> Region | None:
        site = self.nodes[nid].site
        for rg in self.regions:
            if rg.code == site:
                return rg
        return None

    def topology(self) -> dict[str, Any]:
        nodes = []
        for nid in self.order:
            n = self.nodes[nid]
            item: dict[str, Any] = {"id": n.id, "kind": n.kind, "team": n.team, "site": n.site}
            if n.crit != 3:
                item["criticality"] = n.crit
            if n.tags:
                item["tags"] = dict(n.tags)
            if n.monitored_as:
                item["monitored_as"] = list(n.monitored_as)
            if n.deps:
                item["depends_on"] = [
                    d if isinstance(d, str) else {"any_of": list(d)} for d in n.deps
                ]
            nodes.append(item)
        return {"version": 1, "defaults": {"team": "service-desk"}, "nodes": nodes}


def _hosting(w: World, nid: str) -> tuple[str, ...]:
    """The server a logical node runs on (its first plain server dependency)."""
    for d in w.nodes[nid].deps:
        if isinstance(d, str) and w.nodes[d].kind == "server":
            return (d,)
    return ()


def build_world(seed: int, nodes: int = 400) -> World:
    """The ISP's topology and monitoring, about ``nodes`` nodes."""
    return World(seed, nodes)


# --------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Ep:
    chk: Check
    t: float
    end: float
    fault: int
    level: str  # down | unreach | crit | warn | unknown | paused
    ack_at: float | None = None
    flaps: list[tuple[float, float]] | None = None
    maint: bool = False
    notice_only: bool = False
    est: float = 0.0  # when the problem began, as judged by its tool's typical delay


@dataclass(slots=True)
class Fault:
    idx: int
    kind: str
    root: str | None
    started_at: float
    site: str | None
    equivalent: list[str] = field(default_factory=list)
    watched: list[str] = field(default_factory=list)
    maintenance: bool = False


@dataclass(slots=True)
class Plan:
    """What happens: components (node, mode, time), when it ends, what is guaranteed."""

    kind: str
    root: str
    comps: list[tuple[str, str, float]]
    end: float
    must: list[str] = field(default_factory=list)  # nodes whose own checks are never missed
    need: list[str] = field(default_factory=list)  # nodes that must raise some alert
    pair: tuple[str, str] | None = None  # a group lost as a whole: (first, second)
    watched: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    flaps: list[tuple[Check, list[tuple[float, float]], str]] = field(default_factory=list)
    explainable: bool = True  # apply truth rule 4


class _Sim:
    def __init__(self, world: World, seed: int, tag: str) -> None:
        self.w = world
        self.seed = seed
        self.tag = tag
        self.rng = random.Random(f"sim-j:{tag}:{seed}:{len(world.order)}")
        self.faults: list[Fault] = []
        self.eps: list[Ep] = []
        # (from, to, nodes, blind observers, observers its alerts travel by)
        self.busy_nodes: list[
            tuple[float, float, frozenset[str], frozenset[str], frozenset[str]]
        ] = []
        self.busy_checks: dict[int, list[tuple[float, float]]] = defaultdict(list)

    # -- bookkeeping -------------------------------------------------------------------------

    def _uses(self, eps: list[Ep]) -> frozenset[str]:
        out = set()
        for e in eps:
            if e.chk.observer:
                out.add("obs:" + e.chk.observer)
            if e.chk.reporter:
                out.add("rep:" + e.chk.reporter)
        return frozenset(out)

    def _blind(self, down: Iterable[str]) -> frozenset[str]:
        out = set()
        for nid in down:
            if self.w.nodes[nid].kind == "probe":
                out.add("obs:" + nid)
            out.add("rep:" + nid)
        return frozenset(out)

    def _free(
        self,
        nodes: Iterable[str],
        checks: Iterable[int],
        t0: float,
        t1: float,
        blind: frozenset[str] = frozenset(),
        uses: frozenset[str] = frozenset(),
    ) -> bool:
        ns = frozenset(nodes)
        for a, b, used, b_blind, b_uses in self.busy_nodes:
            overlap = a < t1 + 600 and t0 < b + 600
            if overlap and (used & ns or blind & b_uses or uses & b_blind):
                return False
        for cid in checks:
            for a, b in self.busy_checks.get(cid, ()):
                if a < t1 + 300 and t0 < b + 300:
                    return False
        return True

    def _commit(
        self,
        fault: Fault,
        eps: list[Ep],
        nodes: Iterable[str],
        t0: float,
        t1: float,
        blind: frozenset[str] = frozenset(),
    ) -> None:
        self.faults.append(fault)
        self.eps.extend(eps)
        self.busy_nodes.append((t0, t1, frozenset(nodes), blind, self._uses(eps)))
        for e in eps:
            end = e.flaps[-1][1] if e.flaps else e.end
            self.busy_checks[e.chk.cid].append((e.t - 60, end))

    def _ack(self, e: Ep, rng: random.Random) -> None:
        if e.level in ("down", "crit") and rng.random() < 0.3:
            t = e.t + rng.uniform(180, 1200)
            if t < e.end:
                e.ack_at = t

    # -- drawing -----------------------------------------------------------------------------

    def timeline(self, plan: Plan) -> dict[str, tuple[float, str]]:
        """First time and mode each node is reached (with per-hop lags for svc/slow/card)."""
        out: dict[str, tuple[float, str]] = {}
        comps: dict[str, str] = {}
        for nid, mode, t in sorted(plan.comps, key=lambda x: (x[2], x[0])):
            comps[nid] = mode
            state = self.w.spread(list(comps.items()))
            for node, m in state.items():
                if node in comps:
                    out.setdefault(node, (t, m))
                    continue
                if node in out and _RANK.get(out[node][1], 0) >= _RANK.get(m, 0):
                    continue
                lag = 0.0
                if m in ("svc", "card"):
                    lag = 20.0 + _h(self.seed, node, "lag") % 100
                elif m == "slow":
                    lag = 60.0 + _h(self.seed, node, "lag") % 360
                base = t
                for d in self.w.nodes[node].deps:
                    for mem in [d] if isinstance(d, str) else d:
                        if mem in out and mem in state:
                            base = max(base, out[mem][0])
                out[node] = (base + lag, m)
        return out

    def _mode_time(self, plan: Plan, tl: dict[str, tuple[float, str]], c: Check) -> float | None:
        """When ``c``'s node is first in a mode ``c`` reacts to."""
        best = None
        for nid, mode, t in plan.comps:
            if nid == c.node and mode in c.modes:
                best = t if best is None else min(best, t)
        if c.node in tl and tl[c.node][1] in c.modes:
            t = tl[c.node][0]
            best = t if best is None else min(best, t)
        return best

    def draw(self, plan: Plan, fidx: int, rng: random.Random) -> list[Ep] | None:
        w = self.w
        tl = self.timeline(plan)
        down_at = {n: t for n, (t, m) in tl.items() if m == "down"}
        for nid, mode, t in plan.comps:
            if mode == "down":
                down_at[nid] = min(down_at.get(nid, INF), t)
        eps: list[Ep] = []
        fired: dict[str, float] = {}  # node -> first ping-level fire time
        cands: list[tuple[float, Check]] = []
        for nid in sorted(set(tl) | {c[0] for c in plan.comps}):
            for c in w.by_node.get(nid, ()):
                t = self._mode_time(plan, tl, c)
                if t is None:
                    continue
                fire = t + rng.uniform(*c.delay)
                if c.reporter is not None and down_at.get(c.reporter, INF) <= fire:
                    continue
                if c.observer and down_at.get(c.observer, INF) <= fire:
                    continue  # the probe cannot deliver (PRTG: Unknown, below)
                cands.append((fire, c))
        cands.sort(key=lambda x: (x[0], x[1].cid))
        seen: set[int] = set()
        for fire, c in cands:
            if c.cid in seen:
                continue
            seen.add(c.cid)
            if c.node not in plan.must and rng.random() < MISS:
                continue
            level = c.level
            up = c.uplink
            if c.tool == "nagios" and c.name is None and down_at.get(up or "", INF) < fire:
                level = "unreach"
            if up is not None and up in down_at and up in fired and fired[up] < fire:
                if c.tool == "zabbix" and c.zdep:
                    continue
                if c.tool == "prtg" and rng.random() < 0.5:
                    level = "paused"
            if (
                c.tool == "nagios"
                and c.name is not None
                and c.reporter is None
                and c.host_node in w.nagios_hosts
                and down_at.get(c.host_node, INF) <= fire
            ):
                continue  # service notifications suppressed on a non-UP host
            end = plan.end + rng.uniform(30, 240)
            if c.node in tl and tl[c.node][1] == "slow":
                end += rng.uniform(0, 300)
            if end <= fire + 30:
                end = fire + rng.uniform(60, 180)
            e = Ep(c, fire, end, fidx, level)
            e.est = fire - _NOMINAL[c.tool]
            self._ack(e, rng)
            eps.append(e)
            if c.name is None or c.name in _PING:
                fired.setdefault(c.node, fire)
        for c, flaps, level in plan.flaps:
            if rng.random() < MISS:
                continue
            lv = level
            flapping_parent = any(fc.node == c.uplink for fc, _, _ in plan.flaps)
            if c.tool == "prtg" and flapping_parent and rng.random() < 0.5:
                lv = "paused"
            if c.tool == "alertmanager":
                e = Ep(c, flaps[0][0] + 150, flaps[-1][1] + 120, fidx, lv)
            else:
                e = Ep(c, flaps[0][0], flaps[-1][1], fidx, lv, flaps=list(flaps))
            e.est = e.t - _NOMINAL[c.tool]
            eps.append(e)
        # PRTG remote probes cut off or dead: many of their sensors go Unknown at once
        for nid in sorted(down_at):
            if not nid.startswith("prtg-probe-"):
                continue
            mine = [c for c in w.checks if c.observer == nid and c.tool == "prtg"]
            if not mine:
                continue
            k = max(4, min(40, int(len(mine) * rng.uniform(0.3, 0.6))))
            t0 = down_at[nid] + rng.uniform(60, 150)
            for c in sorted(rng.sample(mine, min(k, len(mine))), key=lambda c: c.cid):
                if c.cid in seen:
                    continue
                t = t0 + rng.uniform(0, 60)
                e = Ep(c, t, plan.end + rng.uniform(60, 300), fidx, "unknown")
                e.est = t - _NOMINAL["prtg"]
                eps.append(e)
        return eps

    def _alerting(self, eps: list[Ep]) -> set[str]:
        return {e.chk.node for e in eps if e.level != "unknown"}

    def _explained_by_other(self, plan: Plan, tl_nodes: set[str], eps: list[Ep]) -> bool:
        """Truth rule 4: another single node of the fault explains what alerted, reaching less."""
        alerting = self._alerting(eps)
        if any(n not in alerting for n in plan.need):
            return True
        if not plan.explainable:
            return False
        if not alerting:
            return True
        mine = len(tl_nodes)
        comp_nodes = {c[0] for c in plan.comps}
        for x in sorted(tl_nodes - comp_nodes):
            reach = self.w.spread([(x, "down")])
            if len(reach) < mine and alerting <= set(reach):
                return True
        return False

    def place(self, plan: Plan, fault_kind: str | None = None) -> bool:
        w = self.w
        idx = len(self.faults)
        t0 = min(c[2] for c in plan.comps)
        for attempt in range(8):
            rng = random.Random(f"{self.tag}:{self.seed}:{idx}:{plan.root}:{attempt}")
            eps = self.draw(plan, idx, rng)
            if not eps:
                continue
            tl = self.timeline(plan)
            nodes = set(tl) | {c[0] for c in plan.comps}
            if self._explained_by_other(plan, nodes, eps):
                continue
            break
        else:
            return False
        t1 = max(plan.end, *(e.end for e in eps))
        used = nodes | {e.chk.node for e in eps} | {e.chk.host_node for e in eps}
        down = sorted(n for n, (_, m) in tl.items() if m == "down")
        down += sorted(c[0] for c in plan.comps if c[1] == "down")
        blind = self._blind(down)
        if not self._free(used, [e.chk.cid for e in eps], t0, t1, blind, self._uses(eps)):
            return False
        equivalent = list(plan.equivalent)
        if plan.pair is not None:
            first, second = plan.pair
            e1 = [e.est for e in eps if e.chk.node == first]
            e2 = [e.est for e in eps if e.chk.node == second]
            if not e1 or (e2 and min(e1) > min(e2) - 30):
                equivalent.append(second)
        f = Fault(
            idx,
            fault_kind or plan.kind,
            plan.root,
            t0,
            w.nodes[plan.root].site,
            equivalent=sorted(set(equivalent) - {plan.root}),
            watched=list(plan.watched),
        )
        self._commit(f, eps, used, t0, t1, blind)
        return True

    # -- fault plans -------------------------------------------------------------------------

    def _region(self, rng: random.Random, avoid: str | None = None, style: str = "") -> Region:
        rs = [r for r in self.w.regions if r.code != avoid and (not style or r.style == style)]
        return rng.choice(rs)

    def plan(
        self, kind: str, t: float, rng: random.Random, avoid: str | None = None
    ) -> Plan | None:
        w = self.w
        if kind == "probe-cut" and not any(
            r.style == "prtg" and r.code != avoid for r in w.regions
        ):
            return None
        rg = self._region(rng, avoid, "prtg" if kind == "probe-cut" else "")
        dur = rng.uniform(900, 3000)
        if kind == "duct-cut":
            plan = Plan(kind, rg.duct, [(rg.duct, "down", t)], t + rng.uniform(1800, 5400))
            plan.need = list(rg.aggs)
            return plan
        if kind in ("agg-member", "core-member"):
            if kind == "agg-member":
                node = rng.choice(rg.aggs)
                comps = [(node, "chassis", t - rng.uniform(20, 90)), (node, "down", t)]
            else:
                node = rng.choice(["core-rtr-1", "core-rtr-2", "core-rr-1", "core-rr-2"])
                comps = [(node, "down", t)]
            return Plan(kind, node, comps, t + dur, must=[node])
        if kind in ("agg-pair", "radius-pair"):
            pair = rg.aggs if kind == "agg-pair" else ("radius-01", "radius-02")
            first, second = pair if rng.random() < 0.5 else pair[::-1]
            gap = rng.uniform(180, 900)
            comps = [(first, "down", t), (second, "down", t + gap)]
            if kind == "agg-pair":
                comps += [
                    (first, "chassis", t - rng.uniform(20, 90)),
                    (second, "chassis", t + gap - rng.uniform(20, 90)),
                ]
            plan = Plan(kind, first, comps, t + gap + dur)
            plan.pair = (first, second)
            plan.need = [first, second]
            return plan
        if kind in ("olt-down", "olt-card"):
            olt = rng.choice(rg.olts)
            mode = "down" if kind == "olt-down" else "card"
            plan = Plan(kind, olt, [(olt, mode, t)], t + dur, must=[olt])
            plan.need = [rg.subs[olt]] if kind == "olt-card" else []
            return plan
        if kind == "pop-power":
            t_end = t + rng.uniform(600, 2400)
            plan = Plan(
                kind,
                rg.mains,
                [
                    (rg.mains, "power-lost", t),
                    (rg.gen, "power-lost", t + rng.uniform(10, 60)),
                    (rg.ups, "battery", t + rng.uniform(1, 5)),
                    (rg.ups, "battery-low", t_end - 300),
                    (rg.ups, "down", t_end),
                ],
                t_end + rng.uniform(900, 1800),
                must=[rg.ups],
            )
            plan.equivalent = [rg.ups, rg.gen]
            return plan
        if kind == "microwave-fade":
            ru = rng.choice(rg.rurals)
            t_end = t + rng.uniform(1800, 3600)
            plan = Plan(kind, ru.mw, [(ru.mw, "fade", t)], t_end, must=[ru.mw])
            s = t + rng.uniform(300, 900)
            flaps: list[tuple[float, float]] = []
            for _ in range(rng.randint(3, 6)):
                ok = s + rng.uniform(40, 200)
                if ok > t_end - 60:
                    break
                flaps.append((s, ok))
                s = ok + rng.uniform(90, 400)
            if not flaps:
                flaps = [(t + 300, t + 420)]
            for nid in (ru.site, ru.dslam, ru.subs):
                for c in w.by_node.get(nid, ()):
                    if c.name in _PING:
                        # the DSLAM behind the rural router is seen lost after it
                        jit = rng.uniform(20, 40) + (30.0 if nid == ru.dslam else 0.0)
                        plan.flaps.append((c, [(a + jit, b + jit) for a, b in flaps], "down"))
                    elif c.tool == "alertmanager":
                        plan.flaps.append((c, flaps, "warn"))
            return plan
        if kind == "dns-resolvers-degraded":
            return Plan(
                kind,
                "dns-resolvers",
                [("dns-resolvers", "slow", t)],
                t + rng.uniform(1800, 3600),
                must=["dns-resolvers"],
            )
        if kind == "billing-db-down":
            return Plan(
                kind, "billing-db", [("billing-db", "down", t)], t + dur, must=["billing-db"]
            )
        if kind == "probe-cut":
            node = rg.mgmt if rng.random() < 0.5 else rg.probe
            plan = Plan(kind, node, [(node, "down", t)], t + dur, must=[node])
            plan.watched = self._watched(rg.probe)
            plan.explainable = False
            return plan
        return None

    def _watched(self, probe: str) -> list[str]:
        return sorted({c.node for c in self.w.checks if c.observer == probe})

    def add_fault(self, kind: str, t: float) -> bool:
        rng = random.Random(f"plan:{self.tag}:{self.seed}:{kind}:{t:.3f}:{len(self.faults)}")
        if kind == "concurrent":
            sub = ["duct-cut", "olt-down", "olt-card", "microwave-fade", "agg-member", "agg-pair"]
            k1, k2 = rng.sample(sub, 2)
            p1 = self.plan(k1, t, rng)
            if p1 is None:
                return False
            site = self.w.nodes[p1.root].site
            p2 = self.plan(k2, t + rng.uniform(0, 120), rng, avoid=site)
            if p2 is None or self.w.nodes[p2.root].site == site:
                return False
            n0 = len(self.faults)
            if not self.place(p1, "concurrent"):
                return False
            if not self.place(p2, "concurrent"):
                self._undo(n0)
                return False
            return True
        plan = self.plan(kind, t, rng)
        if plan is None:
            return False
        return self.place(plan)

    def _undo(self, n: int) -> None:
        while len(self.faults) > n:
            f = self.faults.pop()
            self.busy_nodes.pop()
            mine = [e for e in self.eps if e.fault == f.idx]
            self.eps = [e for e in self.eps if e.fault != f.idx]
            for e in mine:
                lst = self.busy_checks[e.chk.cid]
                if lst:
                    lst.pop()

    # -- decoration ---------------------------------------------------------------------------

    def _simple(self, kind: str, root: str, eps: list[Ep], t0: float, t1: float, **kw: Any) -> bool:
        if not eps:
            return False
        used = {e.chk.node for e in eps} | {e.chk.host_node for e in eps}
        if not self._free(used, [e.chk.cid for e in eps], t0, t1, uses=self._uses(eps)):
            return False
        site = self.w.nodes[root].site if root in self.w.nodes else None
        f = Fault(eps[0].fault, kind, root if root in self.w.nodes else None, t0, site, **kw)
        self._commit(f, eps, used, t0, t1)
        return True

    def add_noise(self, t: float) -> bool:
        rng = random.Random(f"noise:{self.tag}:{self.seed}:{t:.3f}")
        cands = [c for c in self.w.checks if "noise" in c.modes]
        if not cands:
            return False
        c = rng.choice(cands)
        end = t + rng.uniform(300, 1800)
        e = Ep(c, t, end, len(self.faults), "warn", est=t - _NOMINAL[c.tool])
        return self._simple("noise", c.node, [e], t, end)

    def add_flapping(self, t: float) -> bool:
        rng = random.Random(f"flap:{self.tag}:{self.seed}:{t:.3f}")
        w = self.w
        if rng.random() < 0.5:
            cands = [c for c in w.checks if c.tool == "zabbix" and c.name == "ONT down count high"]
        else:
            cands = [c for c in w.checks if c.tool == "nagios" and c.name == "NTP offset"]
        if not cands:
            cands = [c for c in w.checks if c.name == "NTP offset"]
        c = rng.choice(cands)
        flaps = []
        s = t
        for _ in range(rng.randint(5, 8)):
            ok = s + rng.uniform(40, 180)
            flaps.append((s, ok))
            s = ok + rng.uniform(60, 300)
        e = Ep(c, t, flaps[-1][1], len(self.faults), c.level, flaps=flaps)
        return self._simple("flapping", c.node, [e], t, flaps[-1][1])

    def add_maintenance(self, t: float) -> bool:
        rng = random.Random(f"maint:{self.tag}:{self.seed}:{t:.3f}")
        w = self.w
        # a DHCP server: its pair carries the service, nothing above it fails
        host = rng.choice(["dhcp-01", "dhcp-02"])
        end = t + rng.uniform(1200, 3600)
        idx = len(self.faults)
        eps: list[Ep] = []
        for c in w.by_node.get(host, ()):
            if c.tool == "nagios" and c.reporter in (None, host):
                eps.append(Ep(c, t, end, idx, "down", maint=True, notice_only=True))
            elif c.tool == "zabbix" and "reboot" in c.modes:
                s = t + rng.uniform(300, 900) + rng.uniform(*c.delay)
                eps.append(Ep(c, s, s + rng.uniform(300, 900), idx, c.level, maint=True))
        if not any(not e.notice_only for e in eps):
            return False
        return self._simple("maintenance", host, eps, t - 300, end + 900, maintenance=True)

    def add_unplaced(self, t: float) -> bool:
        rng = random.Random(f"unplaced:{self.tag}:{self.seed}:{t:.3f}")
        w = self.w
        rg = rng.choice(w.regions)
        host = f"{rg.code}-olt-{len(rg.olts) + rng.randint(1, 9):02d}"
        if host in w.nodes:
            return False
        addr = f"10.{100 + rg.idx}.250.{rng.randint(10, 250)}"
        idx = len(self.faults)
        eps: list[Ep] = []
        tool = "zabbix" if rg.style == "zbx" else "prtg"
        for n, name in enumerate([None, "Uptime"] if rng.random() < 0.5 else [None]):
            c = Check(
                cid=100000 + _h(host, name, tool) % 100000,
                node="",
                host_node="",
                tool=tool,
                host=host if tool == "zabbix" or n else host.upper(),
                address=addr,
                name=("Unavailable by ICMP ping" if tool == "zabbix" else "Ping")
                if name is None
                else "SNMP Uptime",
                level="down" if name is None else "warn",
                modes=frozenset({"down"}),
                reporter=None,
                observer=rg.probe,
                delay=(60, 150),
                text="Unavailable by ICMP ping" if name is None else "System uptime restarted",
                zsev=4 if name is None else 2,
                ident=str(900000 + _h(host, name) % 90000),
                device_id=str(800000 + _h(host) % 90000),
                group=rg.code,
            )
            s = t + n * rng.uniform(5, 60)
            eps.append(Ep(c, s, s + rng.uniform(600, 1800), idx, c.level))
        if not self._free([], [], t, t + 1800, uses=self._uses(eps)):
            return False
        f = Fault(idx, "unplaced", None, t, rg.code)
        self.faults.append(f)
        self.eps.extend(eps)
        return True


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    at: float
    seq: int
    source: str
    payload: dict[str, Any]
    observer: str | None
    marks: list[tuple[int, str]]


_NAGIOS_STATE: Final = {
    "down": "CRITICAL",
    "crit": "CRITICAL",
    "warn": "WARNING",
    "unknown": "UNKNOWN",
}
_PRTG_STATUS: Final = {
    "down": "Down",
    "crit": "Down",
    "unreach": "Down",
    "paused": "Paused by Dependency",
    "warn": "Warning",
    "unknown": "Unknown",
}


class _Renderer:
    def __init__(self, seed: int, tag: str, horizon: float) -> None:
        self.rng = random.Random(f"render-j:{tag}:{seed}")
        self.lines: list[_Line] = []
        self.horizon = horizon
        self.nagios_id = 6100
        self.zabbix_id = 9_100_000

    def emit(
        self,
        at: float,
        source: str,
        payload: dict[str, Any],
        observer: str | None = None,
        marks: list[tuple[int, str]] | None = None,
    ) -> None:
        self.lines.append(_Line(at, len(self.lines), source, payload, observer, marks or []))

    # -- Nagios 4 ------------------------------------------------------------------------

    def nagios(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        self.nagios_id += 1
        pid = str(self.nagios_id)
        is_host = c.name is None

        def body(
            ntype: str, t: float, state: str, output: str, *, rec: bool = False, **kw: str
        ) -> dict[str, Any]:
            p: dict[str, Any] = {
                "NOTIFICATIONTYPE": ntype,
                "HOSTNAME": c.host,
                "HOSTADDRESS": c.address,
                "HOSTGROUPNAMES": f"legacy,{c.group}",
                "TIMET": str(int(t)),
                "LONGDATETIME": datetime.fromtimestamp(t, UTC).strftime("%a %b %d %H:%M:%S UTC %Y"),
            }
            if is_host:
                p.update(
                    HOSTSTATE=state,
                    HOSTSTATETYPE="HARD",
                    HOSTOUTPUT=output,
                    HOSTPROBLEMID="0" if rec else pid,
                    LASTHOSTPROBLEMID=pid if rec else "0",
                )
            else:
                p.update(
                    SERVICEDESC=c.name,
                    SERVICESTATE=state,
                    SERVICESTATETYPE="HARD",
                    SERVICEOUTPUT=output,
                    HOSTSTATE="UP",
                    SERVICEPROBLEMID=pid,
                    LASTSERVICEPROBLEMID="0",
                )
            p.update(kw)
            return p

        if is_host:
            pstate = "UNREACHABLE" if e.level == "unreach" else "DOWN"
            okstate, okout = "UP", "PING OK - Packet loss = 0%, RTA = 2.31 ms"
            out = f"CRITICAL - Host Unreachable ({c.address})" if e.level == "unreach" else c.text
        else:
            pstate = _NAGIOS_STATE.get(e.level, "CRITICAL")
            okstate, okout = "OK", "OK - all good"
            out = c.text

        def lat() -> float:
            return rng.uniform(0.05, 0.4)

        obs = c.observer
        if e.notice_only:
            a, b = e.t - 300, e.end + 900
            self.emit(
                a + lat(),
                "nagios",
                body(
                    "DOWNTIMESTART",
                    a,
                    okstate,
                    okout,
                    NOTIFICATIONAUTHOR="sysadmin",
                    NOTIFICATIONCOMMENT="planned patching (CHG-2231)",
                ),
                obs,
            )
            if b < self.horizon:
                self.emit(b + lat(), "nagios", body("DOWNTIMEEND", b, okstate, okout), obs)
            return
        if e.flaps:
            for n, (p, ok) in enumerate(e.flaps):
                if n < 3:
                    self.emit(p + lat(), "nagios", body("PROBLEM", p, pstate, out), obs, mark)
                    self.emit(
                        ok + lat(), "nagios", body("RECOVERY", ok, okstate, okout, rec=True), obs
                    )
                if n == 2:
                    self.emit(
                        ok + 1 + lat(), "nagios", body("FLAPPINGSTART", ok + 1, okstate, okout), obs
                    )
            last = e.flaps[-1][1] + rng.uniform(900, 1500)
            if last < self.horizon:
                self.emit(last + lat(), "nagios", body("FLAPPINGSTOP", last, okstate, okout), obs)
            return
        if e.level == "unreach" and rng.random() < 0.3:
            # first seen DOWN, then Nagios learns the parent is down: PROBLEM with id 0
            self.emit(e.t + lat(), "nagios", body("PROBLEM", e.t, "DOWN", c.text), obs, mark)
            t2 = e.t + rng.uniform(20, 90)
            self.emit(
                t2 + lat(),
                "nagios",
                body("PROBLEM", t2, "UNREACHABLE", out, HOSTPROBLEMID="0"),
                obs,
                mark,
            )
        else:
            self.emit(e.t + lat(), "nagios", body("PROBLEM", e.t, pstate, out), obs, mark)
        t = e.t + RENOTIFY
        while t < min(e.end, self.horizon):
            self.emit(t + lat(), "nagios", body("PROBLEM", t, pstate, out), obs, mark)
            t += RENOTIFY
        if e.ack_at is not None:
            self.emit(
                e.ack_at + lat(),
                "nagios",
                body(
                    "ACKNOWLEDGEMENT",
                    e.ack_at,
                    pstate,
                    out,
                    NOTIFICATIONAUTHOR="noc",
                    NOTIFICATIONCOMMENT="ticket opened with field services",
                ),
                obs,
            )
        if e.end < self.horizon:
            self.emit(
                e.end + lat(), "nagios", body("RECOVERY", e.end, okstate, okout, rec=True), obs
            )

    # -- Zabbix 6 ------------------------------------------------------------------------

    def zabbix(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        if e.notice_only:
            return
        name = c.name or "Unavailable by ICMP ping"
        sev = str(c.zsev if e.level != "warn" or c.zsev <= 2 else 2)

        def body(
            t: float,
            eid: str,
            value: str,
            *,
            update: bool = False,
            rid: str = "{EVENT.RECOVERY.ID}",
        ) -> dict[str, Any]:
            d = datetime.fromtimestamp(t, UTC)
            p = {
                "event_id": eid,
                "event_value": value,
                "event_update_status": "1" if update else "0",
                "event_ack": "Yes" if update else "No",
                "event_severity": sev,
                "event_name": name if value == "1" else f"Resolved: {name}",
                "event_tags": json.dumps(
                    [
                        {"tag": "region", "value": c.group},
                        {"tag": "scope", "value": "availability" if "ICMP" in name else "service"},
                    ],
                    separators=(",", ":"),
                ),
                "event_date": d.strftime("%Y.%m.%d"),
                "event_time": d.strftime("%H:%M:%S"),
                "recovery_id": rid,
                "host": c.host,
                "host_name": c.host.split(".")[0],
                "host_ip": c.address,
                "trigger_id": c.ident,
                "trigger_name": name,
                "proxy": c.observer,
            }
            if update:
                p["event_update_user"] = "noc"
                p["event_update_message"] = "ack: field team dispatched"
            return p

        def lat() -> float:
            return rng.uniform(0.7, 3.5)

        for p, ok in e.flaps or [(e.t, e.end)]:
            self.zabbix_id += 7
            eid = str(self.zabbix_id)
            self.emit(p + lat(), "zabbix", body(p, eid, "1"), None, mark)
            if not e.flaps:
                t = p + 1800
                while t < min(ok, self.horizon) and c.zsev >= 4:
                    self.emit(t + lat(), "zabbix", body(p, eid, "1"), None, mark)
                    t += 1800
                if e.ack_at is not None:
                    self.emit(e.ack_at + lat(), "zabbix", body(p, eid, "1", update=True), None)
            if ok < self.horizon:
                self.emit(
                    ok + lat(), "zabbix", body(ok, eid, "0", rid=str(self.zabbix_id + 3)), None
                )

    # -- PRTG ----------------------------------------------------------------------------

    def prtg(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        status = _PRTG_STATUS[e.level]

        def body(t: float, st: str, message: str, since: float) -> dict[str, Any]:
            d = datetime.fromtimestamp(t, UTC)
            return {
                "device": c.host,
                "deviceid": c.device_id,
                "sensor": c.name or "Ping",
                "sensorid": c.ident,
                "status": st,
                "down": f"{int(max(0, t - since))} s",
                "message": message,
                "datetime": d.strftime("%d.%m.%Y %H:%M:%S"),
                "priority": "****" if c.level in ("down", "crit") else "***",
                "group": c.group,
                "probe": c.observer or "prtg-core",
                "host": c.address,
                "home": f"https://prtg.{DOMAIN}/",
                "lastvalue": "-" if "Up" not in st else "3 msec",
            }

        def lat() -> float:
            return rng.uniform(0.5, 4.0)

        msg = "No data from probe (probe disconnected)" if e.level == "unknown" else c.text
        if e.level == "paused":
            msg = "Paused by dependency"
        for p, ok in e.flaps or [(e.t, e.end)]:
            self.emit(p + lat(), "prtg", body(p, status, msg, p), None, mark)
            if e.ack_at is not None and status == "Down" and not e.flaps:
                self.emit(
                    e.ack_at + lat(),
                    "prtg",
                    body(e.ack_at, "Down (Acknowledged)", "Acknowledged: on it", p),
                    None,
                )
            if ok < self.horizon:
                self.emit(ok + lat(), "prtg", body(ok, f"{status} ended (now: Up)", "OK", p), None)

    # -- Alertmanager --------------------------------------------------------------------

    def alertmanager(self, eps: list[Ep]) -> None:
        groups: dict[str, list[Ep]] = defaultdict(list)
        for e in eps:
            groups[e.chk.labels["alertname"]].append(e)
        for key in sorted(groups):
            items = sorted(groups[key], key=lambda e: (e.t, e.chk.cid))
            sent: dict[int, bool] = {}
            last = -INF
            flush = items[0].t + 30
            while flush <= self.horizon:
                firing = [i for i, e in enumerate(items) if e.t <= flush < e.end]
                resolved = [i for i, e in enumerate(items) if e.end <= flush and sent.get(i)]
                new = [i for i in firing if not sent.get(i)]
                if new or resolved or (firing and flush - last >= 14400):
                    self._am_body(key, items, firing, resolved, flush)
                    for i in firing:
                        sent[i] = True
                    for i in resolved:
                        sent[i] = False
                    last = flush
                if firing:
                    flush += 300
                else:
                    later = [e.t for e in items if e.t > flush]
                    if not later:
                        break
                    flush = max(flush + 300, min(later) + 30)

    def _am_body(
        self, alertname: str, items: list[Ep], firing: list[int], resolved: list[int], flush: float
    ) -> None:
        alerts = []
        marks: list[tuple[int, str]] = []
        labelsets = []
        for i in firing + resolved:
            e = items[i]
            c = e.chk
            on = i in firing
            labelsets.append(c.labels)
            if on:
                marks.append((e.fault, c.node))
            alerts.append(
                {
                    "status": "firing" if on else "resolved",
                    "labels": dict(c.labels),
                    "annotations": {"summary": c.text},
                    "startsAt": _iso(e.t),
                    "endsAt": "0001-01-01T00:00:00Z" if on else _iso(e.end),
                    "generatorURL": f"http://prom-dc.{DOMAIN}:9090/graph?g0.expr=ALERTS",
                    "fingerprint": c.ident,
                }
            )
        common = {k: v for k, v in labelsets[0].items() if all(ls.get(k) == v for ls in labelsets)}
        body = {
            "version": "4",
            "groupKey": '{}:{alertname="' + alertname + '"}',
            "truncatedAlerts": 0,
            "status": "firing" if firing else "resolved",
            "receiver": "correlator",
            "groupLabels": {"alertname": alertname},
            "commonLabels": common,
            "commonAnnotations": {},
            "externalURL": f"http://alertmanager.{DOMAIN}:9093",
            "alerts": alerts,
        }
        self.emit(flush + self.rng.uniform(0.05, 0.5), "alertmanager", body, None, marks)


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


def _finish(sim: _Sim, label: str) -> Scenario:
    w = sim.w
    ends = [e.end for e in sim.eps] + [e.flaps[-1][1] for e in sim.eps if e.flaps]
    horizon = max(ends) + 600 if ends else BASE_T + 3600
    r = _Renderer(sim.seed, f"{sim.tag}:{label}", horizon)
    am: list[Ep] = []
    for e in sorted(sim.eps, key=lambda e: (e.t, e.chk.cid, e.fault)):
        if e.chk.tool == "alertmanager":
            am.append(e)
        else:
            getattr(r, e.chk.tool)(e)
    r.alertmanager(am)
    lines = sorted(r.lines, key=lambda x: (round(x.at, 3), x.seq))
    out: list[dict[str, Any]] = []
    events: dict[int, list[str]] = defaultdict(list)
    placed: dict[int, list[str]] = defaultdict(list)
    for n, ln in enumerate(lines, start=1):
        eid = f"j{n}"
        item: dict[str, Any] = {"at": round(ln.at, 3), "source": ln.source, "id": eid}
        if ln.source == "nagios" and ln.observer:
            item["observer"] = ln.observer
        item["payload"] = ln.payload
        out.append(item)
        for k in sorted({k for k, _ in ln.marks}):
            events[k].append(eid)
        for k, node in ln.marks:
            if node and node not in placed[k]:
                placed[k].append(node)
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
                site=f.site,
                started_at=f.started_at,
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


_ADDERS: Final[dict[str, Callable[[_Sim, float], bool]]] = {
    "noise": _Sim.add_noise,
    "flapping": _Sim.add_flapping,
    "maintenance": _Sim.add_maintenance,
    "unplaced": _Sim.add_unplaced,
}


def single(seed: int, kind: str, nodes: int = 250) -> Scenario:
    """One fault of ``kind`` (two incidents for ``concurrent``) and a little noise."""
    if kind not in FAULT_KINDS_J and kind not in OTHER_KINDS_J:
        raise ValueError(f"unknown kind {kind!r}")
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, f"single-{kind}")
    t = BASE_T + 1800
    for attempt in range(12):
        add = _ADDERS.get(kind)
        ok = add(sim, t + attempt * 1800) if add else sim.add_fault(kind, t + attempt * 1800)
        if ok:
            break
    else:
        raise RuntimeError(f"could not place {kind} on seed {seed}")
    for _ in range(2):
        sim.add_noise(BASE_T + sim.rng.uniform(0, 7200))
    return _finish(sim, kind)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    kinds = sorted(weights)
    return rng.choices(kinds, weights=[weights[k] for k in kinds])[0]


def storm(seed: int, nodes: int = 500) -> Scenario:
    """Wide-blast-radius failures close together (about two hours), a little noise and a
    chattering check."""
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, "storm")
    rng = sim.rng
    t = BASE_T + 600
    placed = 0
    for _ in range(40):
        if placed >= 6:
            break
        if sim.add_fault(_weighted(rng, STORM_WEIGHTS), t):
            placed += 1
            t += rng.uniform(60, 900)
    for _ in range(3):
        sim.add_noise(BASE_T + rng.uniform(0, 7200))
    sim.add_flapping(BASE_T + rng.uniform(0, 5400))
    return _finish(sim, "storm")


def day(seed: int, nodes: int = 400, faults: int = 14, noise: int = 12) -> Scenario:
    """A NOC shift (ten hours): faults of every kind, noise, flapping, planned patching,
    unplaced devices and acknowledgements."""
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, "day")
    rng = sim.rng
    span = 36000.0
    starts = sorted(BASE_T + rng.uniform(0, span - 3600) for _ in range(faults))
    for t in starts:
        for attempt in range(6):
            if sim.add_fault(_weighted(rng, DAY_WEIGHTS), t + attempt * 600):
                break
    for _ in range(noise):
        sim.add_noise(BASE_T + rng.uniform(0, span))
    for _ in range(2):
        sim.add_flapping(BASE_T + rng.uniform(0, span - 3600))
    for _ in range(2):
        sim.add_maintenance(BASE_T + rng.uniform(0, span - 3600))
    for _ in range(2):
        sim.add_unplaced(BASE_T + rng.uniform(0, span))
    return _finish(sim, "day")
