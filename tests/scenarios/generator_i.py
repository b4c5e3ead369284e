"""Ninth scenario generator (letter I): a manufacturer with three plants (OT + IT) and a
head office.

Written from the public contracts only (specs/topology-format.md, specs/replay.md,
specs/ingest-formats.md, the example small site, the tool delays of config/default.yaml);
it never looks at the correlator. Pure and seeded: the same arguments give the same
topology, replay lines and truth, byte for byte (``random.Random`` seeded from the
arguments, sets never iterated unsorted, hashes from ``hashlib``). Entry points:
:func:`single` (one fault of a kind), :func:`storm` (wide blast radius faults close
together), :func:`day` (a shift of faults, noise and decoration), :func:`build_world`.
Each returns a :class:`generator.Scenario`.

**The world** (:class:`World`)

- Head office ``ho``: core pair ``ho-core-1/2``; WAN hub router ``ho-wan-rtr`` (MPLS) and VPN
  concentrator ``ho-vpn-fw``, both ``any_of`` the cores; a SAN ``ho-san-01``; hypervisors
  ``ho-esx-NN`` (``any_of`` the cores, the SAN); VMs on one hypervisor each: the ERP
  application and database servers, an AD pair, a DNS pair, file servers, a few modern apps
  (supplier portal, EDI gateway, label service) and the central pollers. Logical nodes:
  ``ho-erpdb`` (database on ``erp-db-01``), ``ho-erp`` (application: ERP server, the database,
  ``any_of`` AD, ``any_of`` DNS), ``ho-files``, ``ho-portal``, ``ho-edi``, ``ho-label``.
- Three plants (codes drawn from a list), each: an unmonitored MPLS circuit and internet VPN
  (``link``), the plant edge router on ``any_of`` both links, the plant UPS (``power``,
  monitored), the IT core switch, the IT/OT boundary firewall pair, the OT core pair
  (``any_of`` the firewalls: the pollers sit on the IT side), the SCADA server pair and the
  logical SCADA (``any_of`` the pair, watched on its VIP), a historian, OPC-UA gateways (one
  per two lines), the MES server (which also depends on the edge router: it talks to the ERP
  and is watched from head office) and the logical MES (on the ERP and ``any_of`` AD),
  compressed-air and cooling plant controllers, wireless APs for AGVs and scanners, and per
  production line:

  * an unmonitored distribution board ``<p>-lN-db`` (``power``) feeding the line;
  * an industrial Ethernet ring: ring switches ``<p>-lN-rsJ`` between ``ot-core-1`` (west
    end) and ``ot-core-2`` (east end), ring cables ``<p>-lN-lkJ`` (``link``, J = 0..k, cable J
    joins position J-1 and J), and direction nodes ``<p>-lN-wJ`` / ``<p>-lN-eJ`` (``path``:
    the way west / east from switch J to the core: cable J and the next direction node, the
    west end on ``ot-core-1``, the east end on ``ot-core-2``). A ring switch depends on
    ``any_of`` its two directions: one broken cable is harmless, two isolate the switches
    between them. The ring manager's "MRP ring open" trap is placed on ``<p>-lN-mrp``
    (``service``: the ring's redundancy, depending on every cable), each cable's "Link down"
    traps from the switch ports at both ends are placed on the cable (``HOST!CHECK``);
  * PLCs, HMIs, robot controllers and vision systems on ring switches (and the board);
    HMIs also depend on the logical SCADA, robot controllers and PLCs of pneumatic lines on
    the compressed-air controller, PLCs of cooled lines on the cooling controller;
  * ``<p>-lN-tags`` (``application``: the line's tag collection, on its PLCs and its OPC-UA
    gateway; the gateway's "PLC session lost" and the historian's "Tag data stale" are placed
    on it) and ``<p>-lN`` (``service``: the line as MES sees it, on the MES server and the
    PLCs; head office Icinga's "Line N machine data" is placed on it).

**Tools** (specs/ingest-formats.md payloads): each plant is watched by a Zabbix 6 proxy
``zbx-proxy-<p>`` or a PRTG remote probe ``prtg-probe-<p>`` (kind ``probe``, on the IT core,
the UPS and the edge router: its way to head office), mostly by ping only for OT devices;
PLC, robot and ring-switch SNMP traps go into Zabbix (through the plant proxy, or straight to
the server in PRTG plants); a Nagios 4 satellite ``nagios-<p>`` watches legacy OT hosts (old
HMIs and vision PCs, the SCADA servers); head office runs the Zabbix server (network, WAN
circuits as BGP triggers on ``ho-wan-rtr``, direct polling: empty proxy), PRTG core
(``prtg-core``: VPN tunnels, head-office devices, the remote probes' health), Icinga 2
(``icinga-ho``: IT servers and applications, the plant edge routers, the Nagios satellites,
the plants' MES over HTTP) and Prometheus ``prom-ho`` with Alertmanager for the modern apps
(grouped by ``alertname``: group_wait 30 s, group_interval 5 min, repeat 4 h). Behaviour:
Zabbix trigger windows and trap latency, trigger dependencies on the uplink (a dependent
trigger stays silent while its master is in problem), acknowledgements as update messages,
repeated problem/recovery pairs for a chattering trap; Nagios soft states not notified, host
UNREACHABLE behind a DOWN parent, service notifications suppressed on a non-UP host,
re-notifications every hour, DOWNTIMESTART/END, FLAPPINGSTART/STOP; Icinga soft and hard
StateChanges, Problem/Recovery notifications (suppressed behind a down parent),
acknowledgements, downtimes with StateChanges still streaming; PRTG Down/Warning/Unknown,
``Paused by Dependency`` behind a down parent device, ``Down (Acknowledged)``, ``X ended
(now: Up)``; Alertmanager bodies carrying every alert of their group. Host names as the
tools spell them: short, FQDN (``<host>.<plant>.mfg.example.com``), upper case, or the
address.

**Fault kinds** (``FAULT_KINDS_I``): ring-double-break, ring-single-break, line-power,
plant-ups, ot-core-pair, firewall-pair, firewall-failover, scada-failover, scada-both,
historian-down, opc-gateway-down, plant-wan-cut, mpls-only, plant-probe-hung, ad-pair,
san-latency, erp-db-down, compressed-air, concurrent. Others (``OTHER_KINDS_I``): noise,
flapping, maintenance, unplaced.

**Truth rules and assumptions** (decided here where the specs are silent):

1. The root is the node that physically failed; ``inferred`` is true exactly when no
   problem event is placed on it; ``nodes`` are the nodes its problem events are placed on.
   Every problem event belongs to exactly one true incident (an Alertmanager body, which
   carries every alert of its group, may belong to several).
2. A node's failure spreads up ``depends_on`` with ``any_of`` semantics and a mode: a dead
   network, power, server or storage node makes what it carries *down* (unreachable); a dead
   application, database, PLC or logical service makes its dependents *svc* (the service
   behind them is lost: their own service checks fail, they still answer ping, one to two
   minutes later per hop); SAN latency makes its dependents *slow* (latency warnings, one to
   seven minutes per hop); a utility failure (air, cooling) reaches only the direct
   dependents (process alarms), a UPS on battery and a hung probe reach nobody.
3. A check fires when its node is reached in a mode it reacts to, its reporter (the device
   that sends a trap, runs an agent or reports for another node) is not itself down, and its
   observer can still deliver it. Missed detections: 10 %, except the root's own checks in
   the kinds whose tests say so (a monitored root that alerted nothing is inferred).
4. Missed detections are re-drawn when the alerts left could be explained by another single
   node of the fault whose failure would reach strictly fewer nodes; a fault that stays
   unidentifiable after eight draws is not placed.
5. Ring: one broken cable gives only its own alerts (both ports' "Link down" traps, the ring
   manager's "MRP ring open"): root = the cable. Two broken cables at least two switches
   apart, 3-20 minutes apart: root = the cable broken first (a group lost as a whole: the
   member lost first, its earlier alerts are part of the incident); the isolated switches,
   their devices, the line's tag collection and the MES line check belong to it. When the
   first cable raised no alert of its own, the second is an equivalent root. A single dead
   switch is not a fault kind here (it would give exactly a two-cable break's alerts).
6. Line power: the unmonitored distribution board: inferred root. Plant UPS: the UPS's
   rectifier fails while the mains stay up (production lines, on the mains, keep running) ->
   "UPS on battery" (the root's own alert, never missed), "battery low" 5 minutes before the
   end, then the plant's IT, OT core, firewalls, servers and probes go down; the probe dies
   with it, so the plant's own checks mostly go silent and head office sees the edge router,
   the MES and the probe itself go. Root = the UPS.
7. Pairs (OT core pair, firewall pair, SCADA pair, AD pair) lost as a whole: root = the
   member lost first, 3-15 minutes before the other; when the tools cannot tell the order
   (the first member's earliest alert, less its tool's typical detection delay, is not 30 s
   ahead of the second's) the other member is an equivalent root. A member lost alone:
   its own alerts, plus the partner's "peer lost" check (placed on the lost member by
   ``HOST!CHECK``: it is about that member); a firewall failover also gives a short burst
   (50 %) of "ICMP ping loss" warnings on a few OT hosts that recover within minutes: they
   belong to the failover's incident even though nothing above a surviving pair fails.
8. Plant WAN cut: both circuits lost 1-5 minutes apart. Root = the circuit lost first;
   ``watched`` = the nodes the plant's probe watches (fine, nobody should be paged for
   them). When the first circuit raised no alert, the second is an equivalent root; when
   neither did, the edge router is one too (its failure gives the same alerts). Seen: the
   circuits' own alerts where monitored, head office's view of the edge router, the MES, the
   Nagios satellite and the probe; the PRTG remote probe's sensors go Unknown (at least
   four); a Zabbix proxy buffers (nodata triggers are not fired while a proxy is away) and a
   Nagios satellite cannot deliver its notifications. MPLS alone: the circuit's own alert.
9. A hung probe: root = the probe, ``watched`` = what it watches; PRTG: the core's "Probe
   Health" sensor and at least four Unknown sensors; Zabbix: the server's "proxy last seen"
   trigger only; Nagios: head office's check of its process only.
10. SCADA failover (primary lost): its own alerts and the standby's "redundancy partner
    lost"; SCADA both: the VIP and every HMI's "SCADA client connection" too. Historian
    down: its own alerts. OPC-UA gateway down: its own alerts and, 5-15 minutes later, the
    historian's "Tag data stale" for its lines. PLCs lost (ring, power, OT core, firewalls):
    the gateway's "PLC session lost" within a minute and the historian's stale warning
    minutes later, both symptoms of that fault.
11. ERP database down: its own alerts, the ERP application's, the portal's, and each
    plant's MES "ERP interface backlog" warning minutes later. AD pair: ERP logins, file
    shares and MES logins fail. SAN latency (gray): the SAN's own latency warning first,
    then datastores, guests and applications over up to half an hour: one incident.
12. Compressed air: the controller's "compressor fault" trap (its own alert, may be missed:
    then inferred) and "air pressure low" / "gripper vacuum low" alarms from the PLCs and
    robots of the pneumatic lines. Root = the air controller.
13. Noise (background warnings: CPU, disk, interface errors, PLC cycle time), flapping (a
    chattering PLC trap in Zabbix, or a Nagios service with FLAPPINGSTART/STOP) and unplaced
    alerts (a new machine not in the CMDB, one to two checks) are one incident each;
    maintenance (a planned line stop): head office Icinga's line check under a downtime,
    whose StateChanges still stream, Zabbix maintenance sending nothing, Nagios downtime
    notices and PRTG "Paused by User" for the line's devices: one incident rooted at the line
    node, ``maintenance`` set (it must not page).
14. Two faults overlapping in time never touch the same node (nor a node's checks), and an
    alert identity recovers before another fault may raise it again; noise never lands on a
    node a fault affects, nor travels by a probe or a plant WAN that a fault has cut off
    (such an alert could not be delivered). Compressed air is re-drawn when its controller's
    alert is missed and every alarm comes from PLCs that also hang off the cooling
    controller (which would explain them as well). ``concurrent``: two independent faults in different plants within
    two minutes of each other: two incidents.
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

FAULT_KINDS_I: Final = (
    "ring-double-break",
    "ring-single-break",
    "line-power",
    "plant-ups",
    "ot-core-pair",
    "firewall-pair",
    "firewall-failover",
    "scada-failover",
    "scada-both",
    "historian-down",
    "opc-gateway-down",
    "plant-wan-cut",
    "mpls-only",
    "plant-probe-hung",
    "ad-pair",
    "san-latency",
    "erp-db-down",
    "compressed-air",
    "concurrent",
)
OTHER_KINDS_I: Final = ("noise", "flapping", "maintenance", "unplaced")

STORM_WEIGHTS: Final = {
    "ring-double-break": 4,
    "line-power": 4,
    "plant-ups": 1,
    "ot-core-pair": 2,
    "firewall-pair": 2,
    "plant-wan-cut": 3,
    "scada-both": 2,
    "opc-gateway-down": 2,
    "san-latency": 1,
    "ad-pair": 1,
    "erp-db-down": 1,
    "compressed-air": 2,
    "plant-probe-hung": 2,
}
DAY_WEIGHTS: Final = {k: 2 for k in FAULT_KINDS_I if k != "concurrent"} | {
    "ring-single-break": 4,
    "ring-double-break": 3,
    "line-power": 3,
    "firewall-failover": 3,
    "scada-failover": 3,
    "mpls-only": 3,
    "plant-ups": 1,
    "ot-core-pair": 1,
}

BASE_T: Final = 1_767_254_400.0  # 2026-01-01 08:00:00 UTC
MISS: Final = 0.10
INF: Final = float("inf")
DOMAIN: Final = "mfg.example.com"
RENOTIFY: Final = 3600.0
ICINGA_RETRY: Final = 90.0
_PLANT_CODES: Final = ("ulm", "plz", "trn", "gyr", "kos", "lod", "brv", "vrn", "tim", "mbr")
_NETWORK: Final = frozenset(
    {"switch", "router", "firewall", "link", "path", "power", "hypervisor", "storage"}
)
_LOGICAL: Final = frozenset({"application", "database", "service"})
_NOMINAL: Final = {
    "nagios": 90.0,
    "icinga": 90.0,
    "zabbix": 120.0,
    "prtg": 90.0,
    "alertmanager": 150.0,
}
_RANK: Final = {"utility": 0, "slow": 1, "svc": 2, "down": 3}


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
    name: str | None  # None: a host-level check (Nagios/Icinga host, PRTG/Zabbix ping too)
    level: str  # down | crit | warn
    modes: frozenset[str]
    reporter: str | None  # must not be down for the check to fire; None: polled from outside
    observer: str  # Zabbix proxy ("" direct), PRTG probe, Nagios/Icinga observer, Prometheus
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
class Line:
    plant: str
    n: int
    ring: list[str]
    links: list[str]
    west: list[str]
    east: list[str]
    mrp: str
    db: str
    tags: str
    svc: str
    opc: str
    plcs: list[str] = field(default_factory=list)
    hmis: list[str] = field(default_factory=list)
    robots: list[str] = field(default_factory=list)
    visions: list[str] = field(default_factory=list)
    air: bool = False
    cool: bool = False

    @property
    def devices(self) -> list[str]:
        return self.plcs + self.hmis + self.robots + self.visions


@dataclass(slots=True)
class Plant:
    code: str
    idx: int
    style: str  # zbx | prtg
    probe: str
    sat: str
    mpls: str
    vpn: str
    edge: str
    ups: str
    it_core: str
    fws: tuple[str, str]
    ot_cores: tuple[str, str]
    scada: tuple[str, str]
    scada_app: str
    hist: str
    mes_srv: str
    mes_app: str
    air: str
    chiller: str
    opcs: list[str] = field(default_factory=list)
    aps: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    mpls_mon: bool = False
    vpn_mon: bool = False


class World:
    """Topology and monitoring of the manufacturer."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"world-i:{seed}:{size}")
        self.nodes: dict[str, Node] = {}
        self.order: list[str] = []
        self.checks: list[Check] = []
        self.plants: list[Plant] = []
        self.rdeps: dict[str, list[str]] = defaultdict(list)
        self.hosted_on: dict[str, tuple[str, ...]] = {}
        self.nagios_hosts: set[str] = set()
        self.by_node: dict[str, list[Check]] = defaultdict(list)
        self._ipn = 0
        self._ident = 20000
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
        return f"10.{20 + site_idx}.{self._ipn // 250}.{self._ipn % 250 + 2}"

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

    def spell(self, nid: str, tool: str) -> str:
        n = self.nodes[nid]
        r = _h(self.seed, nid, tool) % 10
        fqdn = f"{nid}.{n.site}.{DOMAIN}"
        if tool == "icinga":
            return fqdn if r < 8 else nid
        if tool == "zabbix":
            return nid if r < 6 else fqdn
        if tool == "prtg":
            return nid.upper() if r < 4 else nid
        if tool == "nagios":
            return nid.upper() if n.kind in ("hmi", "vision") and r < 6 else nid
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
    ) -> Check:
        hn = host_node or node
        self._ident += 1
        c = Check(
            cid=len(self.checks),
            node=node,
            host_node=hn,
            tool=tool,
            host=self.spell(hn, tool),
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
            device_id=str(2000 + _h(hn, "dev") % 90000),
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
                "job": "node" if name in (None, "InstanceDown", "NodeDiskIOLatencyHigh") else "app",
                "prometheus": observer,
                "severity": {"down": "critical", "crit": "critical", "warn": "warning"}[level],
            }
            c.ident = hashlib.sha256(json.dumps(c.labels, sort_keys=True).encode()).hexdigest()[:16]
        self.checks.append(c)
        return c

    def ping(self, node: str, plant: Plant | None, *, uplink: str | None, tools: str = "") -> None:
        """The plant probe's ping of a device (or the given tools at head office)."""
        if plant is not None:
            if plant.style == "zbx":
                self.chk(
                    node,
                    "zabbix",
                    "Unavailable by ICMP ping",
                    "down",
                    ["down"],
                    observer=plant.probe,
                    delay=(60, 190),
                    text="Unavailable by ICMP ping",
                    uplink=uplink,
                )
            else:
                self.chk(
                    node,
                    "prtg",
                    "Ping",
                    "down",
                    ["down"],
                    observer=plant.probe,
                    delay=(60, 150),
                    text="Destination host unreachable (ICMP error # 11003)",
                    uplink=uplink,
                )
            return
        for tool in tools.split(","):
            if tool == "zabbix":
                self.chk(
                    node, "zabbix", "Unavailable by ICMP ping", "down", ["down"], uplink=uplink
                )
            elif tool == "prtg":
                self.chk(
                    node,
                    "prtg",
                    "Ping",
                    "down",
                    ["down"],
                    observer="prtg-core",
                    delay=(60, 150),
                    text="Request timed out (ICMP error # 11010)",
                    uplink=uplink,
                )
            elif tool == "icinga":
                self.chk(
                    node,
                    "icinga",
                    None,
                    "down",
                    ["down"],
                    observer="icinga-ho",
                    delay=(30, 90),
                    text="PING CRITICAL - Packet loss = 100%",
                    uplink=uplink,
                )
            elif tool == "alertmanager":
                self.chk(
                    node,
                    "alertmanager",
                    "InstanceDown",
                    "crit",
                    ["down"],
                    observer="prom-ho",
                    delay=(150, 200),
                    text=f"{node} has been down for more than 2 minutes",
                )

    def loss(self, node: str, plant: Plant) -> None:
        """The probe's packet-loss warning (firewall failover bursts, background noise)."""
        if plant.style == "zbx":
            self.chk(
                node,
                "zabbix",
                "High ICMP ping loss",
                "warn",
                ["loss"],
                observer=plant.probe,
                delay=(60, 120),
                text="High ICMP ping loss",
                zsev=2,
            )
        else:
            self.chk(
                node,
                "prtg",
                "Ping Jitter",
                "warn",
                ["loss"],
                observer=plant.probe,
                delay=(60, 120),
                text="Packet loss 40 % (Warning limit 10 %)",
            )

    def pcheck(
        self,
        plant: Plant,
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
        """A check run by the plant's probe (or a trap into Zabbix)."""
        if trap or plant.style == "zbx":
            obs = plant.probe if plant.style == "zbx" else ""
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
                observer=plant.probe,
                reporter=reporter,
                host_node=host_node,
                delay=delay,
                text=text,
            )

    # -- the world -------------------------------------------------------------------------

    def _build(self, size: int) -> None:
        rng = self.rng
        self._head_office()
        codes = rng.sample(_PLANT_CODES, 3)
        styles = ["zbx", "prtg", rng.choice(["zbx", "prtg"])]
        rng.shuffle(styles)
        budget = max(70, (size - len(self.order)) // 3)
        for i, code in enumerate(codes):
            self._plant(code, i + 1, styles[i], budget)

    def _head_office(self) -> None:
        add = self.add
        add("ho-core-1", "switch", "network", "ho", crit=1)
        add("ho-core-2", "switch", "network", "ho", crit=1)
        cores = ("ho-core-1", "ho-core-2")
        for c in cores:
            self.ping(c, None, uplink=None, tools="zabbix,prtg")
        add("ho-wan-rtr", "router", "network", "ho", [cores], crit=1)
        self.ping("ho-wan-rtr", None, uplink=None, tools="zabbix")
        add("ho-vpn-fw", "firewall", "network", "ho", [cores], crit=1)
        self.ping("ho-vpn-fw", None, uplink=None, tools="prtg")
        add("ho-san-01", "storage", "storage", "ho", [cores], crit=1)
        self.ping("ho-san-01", None, uplink=None, tools="zabbix")
        self.chk(
            "ho-san-01",
            "zabbix",
            "SAN: volume read latency is high (over 30 ms for 5m)",
            "warn",
            ["slow"],
            reporter="ho-san-01",
            delay=(300, 420),
            zsev=2,
        )
        n_esx = 4
        esx = []
        for k in range(1, n_esx + 1):
            e = add(f"ho-esx-{k:02d}", "hypervisor", "systems", "ho", [cores, "ho-san-01"], crit=2)
            esx.append(e)
            self.ping(e, None, uplink="ho-core-1", tools="icinga")
            self.chk(
                e,
                "icinga",
                "datastore latency",
                "warn",
                ["slow"],
                observer="icinga-ho",
                reporter=e,
                delay=(60, 240),
                text="WARNING - datastore ds-prod-01 latency 48 ms",
            )
        vms = [
            ("erp-app-01", "erp"),
            ("erp-db-01", "dba"),
            ("ad-01", "systems"),
            ("ad-02", "systems"),
            ("dns-01", "systems"),
            ("dns-02", "systems"),
            ("fs-01", "systems"),
            ("fs-02", "systems"),
            ("portal-01", "web"),
            ("edi-01", "integration"),
            ("label-01", "logistics-it"),
            ("icinga-ho", "monitoring"),
            ("prtg-core", "monitoring"),
            ("prom-ho", "monitoring"),
        ]
        for j, (vm, team) in enumerate(vms):
            hv = esx[j % n_esx]
            kind = "probe" if vm in ("icinga-ho", "prtg-core", "prom-ho") else "vm"
            add(vm, kind, team, "ho", [hv], crit=2)
            if kind == "probe":
                continue
            modern = vm in ("portal-01", "edi-01", "label-01")
            self.ping(vm, None, uplink=hv, tools="alertmanager" if modern else "icinga")
            if modern:
                self.chk(
                    vm,
                    "alertmanager",
                    "NodeDiskIOLatencyHigh",
                    "warn",
                    ["slow"],
                    observer="prom-ho",
                    reporter=vm,
                    delay=(150, 240),
                    text="Disk IO latency above 50 ms for 5m",
                )
            else:
                self.chk(
                    vm,
                    "icinga",
                    "disk io latency",
                    "warn",
                    ["slow"],
                    observer="icinga-ho",
                    reporter=vm,
                    delay=(60, 200),
                    text="WARNING - avg disk sec/transfer 0.061",
                )
                self.chk(
                    vm,
                    "icinga",
                    "cpu",
                    "warn",
                    ["noise"],
                    observer="icinga-ho",
                    reporter=vm,
                    text="WARNING - CPU load 93%",
                )
        ad = ("ad-01", "ad-02")
        dns = ("dns-01", "dns-02")
        for a in ad:
            self.chk(
                a,
                "icinga",
                "ldap",
                "crit",
                ["down"],
                observer="icinga-ho",
                delay=(30, 90),
                text="Could not bind to the LDAP server",
            )
        add("ho-erpdb", "database", "dba", "ho", ["erp-db-01"], crit=1, host=False)
        for name, text in (
            ("postgres connection", "CRITICAL - could not connect to server: Connection refused"),
            ("postgres replication lag", "CRITICAL - replication lag unknown"),
        ):
            self.chk(
                "ho-erpdb",
                "icinga",
                name,
                "crit",
                ["down", "svc"],
                observer="icinga-ho",
                host_node="erp-db-01",
                delay=(30, 90),
                text=text,
            )
        add(
            "ho-erp",
            "application",
            "erp",
            "ho",
            ["erp-app-01", "ho-erpdb", ad, dns],
            crit=1,
            host=False,
        )
        for name, text in (
            ("ERP web login", "HTTP CRITICAL: HTTP/1.1 500 - login failed"),
            ("ERP dialog response time", "CRITICAL - response time 12.4 s"),
        ):
            self.chk(
                "ho-erp",
                "icinga",
                name,
                "crit",
                ["down", "svc"],
                observer="icinga-ho",
                host_node="erp-app-01",
                delay=(30, 120),
                text=text,
            )
        self.chk(
            "ho-erp",
            "icinga",
            "ERP dialog response time warning",
            "warn",
            ["slow"],
            observer="icinga-ho",
            host_node="erp-app-01",
            delay=(60, 200),
            text="WARNING - response time 3.1 s",
        )
        add("ho-files", "application", "systems", "ho", ["fs-01", ad], crit=2, host=False)
        self.chk(
            "ho-files",
            "icinga",
            "SMB share access",
            "crit",
            ["down", "svc"],
            observer="icinga-ho",
            host_node="fs-01",
            delay=(30, 120),
            text="CRITICAL - NT_STATUS_LOGON_FAILURE",
        )
        for app, vm, alert, deps in (
            ("ho-portal", "portal-01", "SupplierPortalProbeFailed", ["portal-01", "ho-erp"]),
            ("ho-edi", "edi-01", "EDIQueueBacklog", ["edi-01", "ho-erp"]),
            ("ho-label", "label-01", "LabelServiceErrors", ["label-01"]),
        ):
            add(app, "application", "web", "ho", deps, crit=2, host=False)
            self.chk(
                app,
                "alertmanager",
                alert,
                "crit",
                ["down", "svc"],
                observer="prom-ho",
                host_node=vm,
                delay=(150, 260),
                text=f"{alert} for 2m",
            )
            self.chk(
                app,
                "alertmanager",
                alert.replace("Failed", "").replace("Errors", "") + "LatencyHigh",
                "warn",
                ["slow"],
                observer="prom-ho",
                host_node=vm,
                delay=(150, 300),
                text="p95 latency above 2 s",
            )

    def _plant(self, p: str, idx: int, style: str, budget: int) -> None:
        rng = self.rng
        add = self.add
        probe = f"zbx-proxy-{p}" if style == "zbx" else f"prtg-probe-{p}"
        pl = Plant(
            code=p,
            idx=idx,
            style=style,
            probe=probe,
            sat=f"nagios-{p}",
            mpls=f"{p}-mpls",
            vpn=f"{p}-vpn",
            edge=f"{p}-edge",
            ups=f"{p}-ups",
            it_core=f"{p}-it-core",
            fws=(f"{p}-fw-1", f"{p}-fw-2"),
            ot_cores=(f"{p}-ot-core-1", f"{p}-ot-core-2"),
            scada=(f"{p}-scada-1", f"{p}-scada-2"),
            scada_app=f"{p}-scada",
            hist=f"{p}-hist",
            mes_srv=f"{p}-mes-1",
            mes_app=f"{p}-mes",
            air=f"{p}-air",
            chiller=f"{p}-chiller",
        )
        self.plants.append(pl)
        before = len(self.order)
        si = idx
        pl.mpls_mon = rng.random() < 0.7
        pl.vpn_mon = rng.random() < 0.5
        add(pl.mpls, "link", "network", p, host=False, crit=2, site_idx=si, carrier="mpls")
        add(pl.vpn, "link", "network", p, host=False, crit=3, site_idx=si, carrier="internet")
        if pl.mpls_mon:
            self.chk(
                pl.mpls,
                "zabbix",
                f"BGP peer {p.upper()}-MPLS is down",
                "crit",
                ["down"],
                host_node="ho-wan-rtr",
                reporter="ho-wan-rtr",
                delay=(30, 190),
                zsev=4,
                text=f"BGP peer {p.upper()}-MPLS is down",
            )
        if pl.vpn_mon:
            self.chk(
                pl.vpn,
                "prtg",
                f"IPsec tunnel {p}",
                "down",
                ["down"],
                observer="prtg-core",
                host_node="ho-vpn-fw",
                reporter="ho-vpn-fw",
                delay=(60, 150),
                text="Tunnel is down (phase 2 SA missing)",
            )
        add(pl.ups, "power", "facilities", p, crit=1, site_idx=si)
        add(pl.edge, "router", "network", p, [(pl.mpls, pl.vpn), pl.ups], crit=1, site_idx=si)
        self.ping(pl.edge, None, uplink=None, tools="icinga,zabbix")
        add(pl.it_core, "switch", "network", p, [pl.ups], crit=1, site_idx=si)
        add(probe, "probe", "monitoring", p, [pl.it_core, pl.ups, pl.edge], crit=2, site_idx=si)
        add(pl.sat, "probe", "monitoring", p, [pl.it_core, pl.ups, pl.edge], crit=3, site_idx=si)
        if style == "zbx":
            self.chk(
                probe,
                "zabbix",
                f"Zabbix proxy {probe}: last seen more than 600 seconds ago",
                "crit",
                ["down", "hung"],
                delay=(600, 700),
                zsev=4,
            )
        else:
            self.chk(
                probe,
                "prtg",
                "Probe Health",
                "down",
                ["down", "hung"],
                observer="prtg-core",
                delay=(60, 120),
                text="Probe disconnected",
            )
        self.ping(pl.sat, None, uplink=pl.edge, tools="icinga")
        self.chk(
            pl.sat,
            "icinga",
            "nagios process",
            "crit",
            ["hung"],
            observer="icinga-ho",
            reporter=pl.sat,
            delay=(60, 180),
            text="PROCS CRITICAL: 0 processes with command name 'nagios'",
        )
        # UPS
        self.pcheck(
            pl,
            pl.ups,
            "UPS is on battery",
            "warn",
            ["battery"],
            reporter=pl.ups,
            delay=(20, 90),
            zsev=3,
        )
        self.pcheck(
            pl,
            pl.ups,
            "UPS battery capacity is low",
            "crit",
            ["battery-low"],
            reporter=pl.ups,
            delay=(20, 90),
            zsev=4,
        )
        for nid in (pl.it_core,):
            self.ping(nid, pl, uplink=None)
        for fw in pl.fws:
            add(fw, "firewall", "network", p, [pl.it_core, pl.ups], crit=1, site_idx=si)
            self.ping(fw, pl, uplink=pl.it_core)
        for a, b in (pl.fws, pl.fws[::-1]):
            self.pcheck(
                pl,
                a,
                f"HA peer {a} lost",
                "warn",
                ["down"],
                reporter=b,
                host_node=b,
                delay=(5, 40),
                trap=True,
                zsev=3,
            )
        for oc in pl.ot_cores:
            add(oc, "switch", "network", p, [pl.fws, pl.ups], crit=1, site_idx=si)
            self.ping(oc, pl, uplink=pl.fws[0])
            self.loss(oc, pl)
        # servers in the OT zone
        for s in pl.scada:
            add(s, "server", "ot-systems", p, [pl.ot_cores, pl.ups], crit=2, site_idx=si)
            self.ping(s, pl, uplink=pl.ot_cores[0])
            self.loss(s, pl)
            self.chk(
                s,
                "nagios",
                None,
                "down",
                ["down"],
                observer=pl.sat,
                delay=(60, 400),
                text="CRITICAL - Host Unreachable",
                uplink=None,
            )
        for a, b in (pl.scada, pl.scada[::-1]):
            self.chk(
                a,
                "nagios",
                f"Redundancy partner {a}",
                "crit",
                ["down"],
                observer=pl.sat,
                reporter=b,
                host_node=b,
                delay=(30, 300),
                text=f"CRITICAL - redundancy partner {a} not responding, this server is now active",
            )
        add(pl.scada_app, "application", "ot-systems", p, [pl.scada], crit=1, site_idx=si)
        self.nodes[pl.scada_app].monitored_as = [f"{p}-scada-vip", self.nodes[pl.scada_app].address]
        self.chk(
            pl.scada_app,
            "nagios",
            "SCADA runtime",
            "crit",
            ["down", "svc"],
            observer=pl.sat,
            delay=(60, 300),
            text="CRITICAL - connection refused on port 4840",
        )
        self.nodes[pl.scada_app].monitored_as[0] = f"{p}-scada-vip"
        self.checks[-1].host = f"{p}-scada-vip"
        add(pl.hist, "server", "ot-systems", p, [pl.it_core, pl.ups], crit=2, site_idx=si)
        self.ping(pl.hist, pl, uplink=pl.it_core)
        self.pcheck(
            pl,
            pl.hist,
            "Historian archive service is not running",
            "crit",
            ["svc-crash"],
            reporter=pl.hist,
            zsev=4,
        )
        add(pl.mes_srv, "server", "mes", p, [pl.it_core, pl.ups, pl.edge], crit=2, site_idx=si)
        self.ping(pl.mes_srv, pl, uplink=pl.it_core)
        add(
            pl.mes_app,
            "application",
            "mes",
            p,
            [pl.mes_srv, "ho-erp", ("ad-01", "ad-02")],
            crit=1,
            site_idx=si,
            host=False,
        )
        self.chk(
            pl.mes_app,
            "icinga",
            "MES web UI",
            "crit",
            ["down"],
            observer="icinga-ho",
            host_node=pl.mes_srv,
            delay=(30, 120),
            text="CRITICAL - Socket timeout after 10 seconds",
        )
        self.pcheck(
            pl,
            pl.mes_app,
            "MES ERP interface backlog",
            "warn",
            ["svc"],
            reporter=pl.mes_srv,
            host_node=pl.mes_srv,
            delay=(300, 900),
            zsev=2,
        )
        for util, what in ((pl.air, "Compressor fault"), (pl.chiller, "Chiller fault")):
            add(util, "plc", "facilities", p, [pl.ot_cores], crit=2, site_idx=si)
            self.ping(util, pl, uplink=pl.ot_cores[0])
            self.pcheck(
                pl,
                util,
                f"{what} (trap)",
                "crit",
                ["air"],
                reporter=util,
                delay=(5, 40),
                trap=True,
                zsev=4,
            )
        n_ap = 2 + budget // 120
        for k in range(1, n_ap + 1):
            ap = add(f"{p}-ap{k:02d}", "ap", "network", p, [pl.ot_cores], crit=4, site_idx=si)
            pl.aps.append(ap)
            self.ping(ap, pl, uplink=pl.ot_cores[0])
        # lines
        fixed = len(self.order) - before
        n_lines = max(2, min(10, (budget - fixed) // 45))
        per_line = max(20, (budget - fixed - len(pl.aps) - (n_lines + 1) // 2) // n_lines)
        for n in range(1, n_lines + 1):
            if (n - 1) % 2 == 0:
                opc = add(
                    f"{p}-opc{(n + 1) // 2}",
                    "server",
                    "ot-systems",
                    p,
                    [pl.ot_cores, pl.ups],
                    crit=2,
                    site_idx=si,
                )
                pl.opcs.append(opc)
                self.ping(opc, pl, uplink=pl.ot_cores[0])
                self.loss(opc, pl)
            self._line(pl, n, per_line)

    def _line(self, pl: Plant, n: int, budget: int) -> None:
        rng = self.rng
        add = self.add
        p = pl.code
        si = pl.idx
        lp = f"{p}-l{n}"
        k = max(3, min(8, budget // 7))
        db = add(f"{lp}-db", "power", "facilities", p, crit=2, host=False)
        ln = Line(
            plant=p,
            n=n,
            ring=[f"{lp}-rs{j}" for j in range(1, k + 1)],
            links=[f"{lp}-lk{j}" for j in range(k + 1)],
            west=[f"{lp}-w{j}" for j in range(1, k + 1)],
            east=[f"{lp}-e{j}" for j in range(1, k + 1)],
            mrp=f"{lp}-mrp",
            db=db,
            tags=f"{lp}-tags",
            svc=lp,
            opc=pl.opcs[-1],
            air=rng.random() < 0.6,
            cool=rng.random() < 0.4,
        )
        pl.lines.append(ln)
        for lk in ln.links:
            add(lk, "link", "ot-network", p, crit=4, host=False)
        # direction nodes: west chain from ot-core-1, east chain from ot-core-2
        for j in range(k):
            prev = pl.ot_cores[0] if j == 0 else ln.west[j - 1]
            add(ln.west[j], "path", "ot-network", p, [ln.links[j], prev], crit=4, host=False)
        for j in reversed(range(k)):
            nxt = pl.ot_cores[1] if j == k - 1 else ln.east[j + 1]
            add(ln.east[j], "path", "ot-network", p, [ln.links[j + 1], nxt], crit=4, host=False)
        for j, rs in enumerate(ln.ring):
            add(rs, "switch", "ot-network", p, [(ln.west[j], ln.east[j]), db], crit=3, site_idx=si)
            self.ping(rs, pl, uplink=pl.ot_cores[0])
            if j == 0:
                self.loss(rs, pl)
        # port traps of each cable's two ends (placed on the cable)
        for j, lk in enumerate(ln.links):
            ends = []
            if j == 0:
                ends.append(
                    (pl.ot_cores[0], f"Interface Gi1/0/{10 + n}(Ring L{n} west): Link down")
                )
            else:
                ends.append((ln.ring[j - 1], "Interface Port 2(ring east): Link down"))
            if j == k:
                ends.append(
                    (pl.ot_cores[1], f"Interface Gi1/0/{10 + n}(Ring L{n} east): Link down")
                )
            else:
                ends.append((ln.ring[j], "Interface Port 1(ring west): Link down"))
            for host, name in ends:
                self.pcheck(
                    pl,
                    lk,
                    name,
                    "crit",
                    ["down"],
                    reporter=host,
                    host_node=host,
                    delay=(3, 30),
                    trap=True,
                    zsev=3,
                )
        add(ln.mrp, "service", "ot-network", p, ln.links, crit=4, host=False)
        self.pcheck(
            pl,
            ln.mrp,
            f"MRP ring L{n}: ring open",
            "warn",
            ["down"],
            reporter=ln.ring[0],
            host_node=ln.ring[0],
            delay=(3, 30),
            trap=True,
            zsev=2,
        )
        n_dev = max(3, budget - 4 * k - 5)
        roles = ["plc", "hmi", "robot", "vision"]
        for m in range(n_dev):
            role = roles[m % 4] if m < 4 else rng.choices(roles, weights=[4, 2, 3, 2])[0]
            j = m % k if m < k else rng.randrange(k)
            rs = ln.ring[j]
            short = {"plc": "plc", "hmi": "hmi", "robot": "rc", "vision": "vis"}[role]
            lst = {"plc": ln.plcs, "hmi": ln.hmis, "robot": ln.robots, "vision": ln.visions}[role]
            nid = f"{lp}-{short}{len(lst) + 1}"
            deps: list[str | tuple[str, ...]] = [rs, db]
            if role == "hmi":
                deps.append(pl.scada_app)
            if role in ("plc", "robot") and ln.air:
                deps.append(pl.air)
            if role == "plc" and ln.cool:
                deps.append(pl.chiller)
            add(
                nid,
                role,
                "ot-systems" if role != "robot" else "robotics",
                p,
                deps,
                crit=3,
                site_idx=si,
            )
            lst.append(nid)
            legacy = role in ("hmi", "vision") and rng.random() < 0.4
            if legacy:
                self.chk(
                    nid,
                    "nagios",
                    None,
                    "down",
                    ["down"],
                    observer=pl.sat,
                    delay=(60, 400),
                    text="CRITICAL - Host Unreachable",
                    uplink=rs,
                )
            else:
                self.ping(nid, pl, uplink=rs)
            if role == "hmi":
                if legacy:
                    self.chk(
                        nid,
                        "nagios",
                        "SCADA client connection",
                        "crit",
                        ["svc"],
                        observer=pl.sat,
                        reporter=nid,
                        delay=(60, 400),
                        text="CRITICAL - no connection to SCADA server",
                    )
                else:
                    self.pcheck(
                        pl,
                        nid,
                        "SCADA client connection lost",
                        "warn",
                        ["svc"],
                        reporter=nid,
                        delay=(30, 120),
                        zsev=2,
                    )
            if role == "plc":
                if ln.air:
                    self.pcheck(
                        pl,
                        nid,
                        "Air pressure low (trap)",
                        "crit",
                        ["utility"],
                        reporter=nid,
                        delay=(60, 300),
                        trap=True,
                        zsev=3,
                    )
                if ln.cool:
                    self.pcheck(
                        pl,
                        nid,
                        "Coolant temperature high (trap)",
                        "warn",
                        ["utility"],
                        reporter=nid,
                        delay=(120, 600),
                        trap=True,
                        zsev=2,
                    )
                self.pcheck(
                    pl,
                    nid,
                    "Cycle time exceeded (trap)",
                    "warn",
                    ["noise"],
                    reporter=nid,
                    delay=(5, 30),
                    trap=True,
                    zsev=2,
                )
            if role == "robot" and ln.air:
                self.pcheck(
                    pl,
                    nid,
                    "Gripper vacuum low (trap)",
                    "crit",
                    ["utility"],
                    reporter=nid,
                    delay=(60, 300),
                    trap=True,
                    zsev=3,
                )
        add(ln.tags, "application", "ot-systems", p, [*ln.plcs, ln.opc], crit=3, host=False)
        self.pcheck(
            pl,
            ln.tags,
            f"OPC UA L{n}: PLC session lost",
            "crit",
            ["down", "svc"],
            reporter=ln.opc,
            host_node=ln.opc,
            delay=(20, 90),
            trap=True,
            zsev=3,
        )
        self.pcheck(
            pl,
            ln.tags,
            f"Tag data stale: line L{n}",
            "warn",
            ["down", "svc"],
            reporter=pl.hist,
            host_node=pl.hist,
            delay=(300, 900),
            zsev=2,
        )
        add(ln.svc, "service", "production", p, [pl.mes_srv, *ln.plcs], crit=2, host=False)
        self.chk(
            ln.svc,
            "icinga",
            f"Line L{n} machine data",
            "crit",
            ["down", "svc"],
            observer="icinga-ho",
            host_node=pl.mes_srv,
            delay=(120, 360),
            text=f"CRITICAL - line L{n}: no machine data for 5 min",
        )

    # -- queries ---------------------------------------------------------------------------

    def child_mode(self, parent: str, mode: str, child: str) -> str | None:
        """How a failure of ``parent`` in ``mode`` reaches ``child`` (truth rule 2)."""
        if mode == "air":
            return "utility"
        if mode == "down":
            pk = self.nodes[parent].kind
            ck = self.nodes[child].kind
            if pk in _NETWORK or parent in self.hosted_on.get(child, ()):
                return "down"
            if pk in ("vm", "server") and ck not in _LOGICAL:
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


def build_world(seed: int, nodes: int = 600) -> World:
    """The manufacturer's topology and monitoring, about ``nodes`` nodes."""
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
    notify: bool = True
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
    pair: tuple[str, str] | None = None  # a group lost as a whole: (first, second)
    watched: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    extra: list[tuple[Check, float, float, str]] = field(default_factory=list)
    explainable: bool = True  # apply truth rule 4
    edge: str | None = None  # an equivalent root when neither member of the pair alerted


class _Sim:
    def __init__(self, world: World, seed: int, tag: str) -> None:
        self.w = world
        self.seed = seed
        self.tag = tag
        self.rng = random.Random(f"sim-i:{tag}:{seed}:{len(world.order)}")
        self.faults: list[Fault] = []
        self.eps: list[Ep] = []
        # (from, to, nodes, blind observers/plants, observers/plants its alerts travel by)
        self.busy_nodes: list[
            tuple[float, float, frozenset[str], frozenset[str], frozenset[str]]
        ] = []
        self.busy_checks: dict[int, list[tuple[float, float]]] = defaultdict(list)
        self.last_end = BASE_T

    # -- bookkeeping -------------------------------------------------------------------------

    def _uses(self, eps: list[Ep]) -> frozenset[str]:
        out = set()
        for e in eps:
            if e.chk.observer:
                out.add("obs:" + e.chk.observer)
            hn = e.chk.host_node
            site = self.w.nodes[hn].site if hn in self.w.nodes else "ho"
            if site != "ho":
                out.add("via:" + site)
        return frozenset(out)

    def _blind(self, down: Iterable[str]) -> frozenset[str]:
        out = set()
        for nid in down:
            if self.w.nodes[nid].kind == "probe":
                out.add("obs:" + nid)
            if any(p.edge == nid for p in self.w.plants):
                out.add("via:" + self.w.nodes[nid].site)
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
        self.last_end = max(self.last_end, t1)

    def _ack(self, e: Ep, rng: random.Random) -> None:
        if e.level in ("down", "crit") and rng.random() < 0.3:
            t = e.t + rng.uniform(180, 1200)
            if t < e.end:
                e.ack_at = t

    # -- drawing -----------------------------------------------------------------------------

    def timeline(self, plan: Plan) -> dict[str, tuple[float, str]]:
        """First time and mode each node is reached (with per-hop lags for svc/slow)."""
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
                if m == "svc":
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
            if mode in ("down", "hung"):
                down_at[nid] = min(down_at.get(nid, INF), t)
        eps: list[Ep] = []
        fired: dict[str, float] = {}  # node -> first ping-level fire time
        cands: list[tuple[float, Check]] = []
        for nid in sorted(tl):
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
            notify = True
            if (
                c.tool == "nagios"
                and c.name is not None
                and c.reporter is None
                and c.host_node in w.nagios_hosts
                and down_at.get(c.host_node, INF) <= fire
            ):
                continue  # service notifications suppressed on a non-UP host
            if c.tool == "icinga" and up is not None and up in down_at:
                notify = False
            end = plan.end + rng.uniform(30, 240)
            if c.node in tl and tl[c.node][1] == "slow":
                end += rng.uniform(0, 300)
            if end <= fire + 30:
                end = fire + rng.uniform(60, 180)
            e = Ep(c, fire, end, fidx, level, notify=notify)
            e.est = fire - _NOMINAL[c.tool]
            self._ack(e, rng)
            eps.append(e)
            if c.name is None or c.name in ("Ping", "Unavailable by ICMP ping"):
                fired.setdefault(c.node, fire)
        for c, t, end, level in plan.extra:
            if rng.random() < MISS:
                continue
            eps.append(Ep(c, t, end, fidx, level, est=t - _NOMINAL[c.tool]))
        # PRTG remote probes cut off or hung: many of their sensors go Unknown at once
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
        if not plan.explainable:
            return False
        alerting = self._alerting(eps)
        if not alerting:
            return True
        mine = len(tl_nodes)
        comp_nodes = {c[0] for c in plan.comps}
        for x in sorted(tl_nodes - comp_nodes):
            reach = self.w.spread([(x, "down")])
            if len(reach) < mine and alerting <= set(reach):
                return True
        return False

    def _chiller_explains(self, plan: Plan, eps: list[Ep]) -> bool:
        """Compressed air: with the controller's own alert missed, the alarms must not all
        come from PLCs that also hang off the cooling controller."""
        alerting = self._alerting(eps)
        if plan.root in alerting:
            return False
        chiller = plan.root[: -len("air")] + "chiller"
        return alerting <= set(self.w.rdeps.get(chiller, ()))

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
            if plan.kind == "compressed-air" and self._chiller_explains(plan, eps):
                continue
            break
        else:
            return False
        t1 = max(plan.end, *(e.end for e in eps))
        used = nodes | {e.chk.node for e in eps} | {e.chk.host_node for e in eps}
        down = sorted(n for n, (_, m) in tl.items() if m == "down")
        down += sorted(c[0] for c in plan.comps if c[1] == "hung")
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
            if plan.edge is not None and not e1 and not e2:
                equivalent.append(plan.edge)
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

    def _plant(self, rng: random.Random, avoid: str | None = None) -> Plant:
        ps = [p for p in self.w.plants if p.code != avoid]
        return rng.choice(ps)

    def plan(
        self, kind: str, t: float, rng: random.Random, avoid: str | None = None
    ) -> Plan | None:
        w = self.w
        pl = self._plant(rng, avoid)
        dur = rng.uniform(900, 3000)
        if kind == "ring-double-break":
            ln = rng.choice(pl.lines)
            k = len(ln.ring)
            if k < 3:
                return None
            a = rng.randrange(0, k - 1)
            b = rng.randrange(a + 2, k + 1)
            first, second = (a, b) if rng.random() < 0.5 else (b, a)
            gap = rng.uniform(180, 1200)
            la, lb = ln.links[first], ln.links[second]
            plan = Plan(kind, la, [(la, "down", t), (lb, "down", t + gap)], t + gap + dur)
            plan.pair = (la, lb)
            return plan
        if kind == "ring-single-break":
            ln = rng.choice(pl.lines)
            lk = rng.choice(ln.links)
            return Plan(kind, lk, [(lk, "down", t)], t + dur, must=[lk])
        if kind == "line-power":
            ln = rng.choice(pl.lines)
            return Plan(kind, ln.db, [(ln.db, "down", t)], t + rng.uniform(600, 2400))
        if kind == "plant-ups":
            t_end = t + rng.uniform(900, 2400)
            return Plan(
                kind,
                pl.ups,
                [
                    (pl.ups, "battery", t),
                    (pl.ups, "battery-low", t_end - 300),
                    (pl.ups, "down", t_end),
                ],
                t_end + rng.uniform(900, 1800),
                must=[pl.ups],
            )
        if kind in ("ot-core-pair", "firewall-pair", "scada-both", "ad-pair"):
            pair = {
                "ot-core-pair": pl.ot_cores,
                "firewall-pair": pl.fws,
                "scada-both": pl.scada,
                "ad-pair": ("ad-01", "ad-02"),
            }[kind]
            first, second = pair if rng.random() < 0.5 else pair[::-1]
            gap = rng.uniform(180, 900)
            plan = Plan(kind, first, [(first, "down", t), (second, "down", t + gap)], t + gap + dur)
            plan.pair = (first, second)
            return plan
        if kind in ("firewall-failover", "scada-failover"):
            node = rng.choice(pl.fws if kind == "firewall-failover" else pl.scada)
            plan = Plan(kind, node, [(node, "down", t)], t + dur, must=[node])
            if kind == "firewall-failover" and rng.random() < 0.5:
                loss = [
                    c
                    for c in w.checks
                    if c.name in ("High ICMP ping loss", "Ping Jitter")
                    and w.nodes[c.node].site == pl.code
                ]
                for c in rng.sample(loss, min(len(loss), rng.randint(2, 4))):
                    s = t + rng.uniform(40, 120)
                    plan.extra.append((c, s, s + rng.uniform(60, 240), "warn"))
            return plan
        if kind == "historian-down":
            return Plan(kind, pl.hist, [(pl.hist, "down", t)], t + dur, must=[pl.hist])
        if kind == "opc-gateway-down":
            g = rng.choice(pl.opcs)
            return Plan(kind, g, [(g, "down", t)], t + dur, must=[g])
        if kind == "plant-wan-cut":
            first, second = (pl.mpls, pl.vpn) if rng.random() < 0.7 else (pl.vpn, pl.mpls)
            gap = rng.uniform(60, 300)
            plan = Plan(kind, first, [(first, "down", t), (second, "down", t + gap)], t + gap + dur)
            plan.watched = sorted(set(self._watched(pl.probe) + self._watched(pl.sat)))
            plan.pair = (first, second)
            plan.edge = pl.edge
            plan.explainable = False
            return plan
        if kind == "mpls-only":
            if not pl.mpls_mon:
                cands = [p for p in w.plants if p.mpls_mon and p.code != avoid]
                if not cands:
                    return None
                pl = rng.choice(cands)
            return Plan(kind, pl.mpls, [(pl.mpls, "down", t)], t + dur, must=[pl.mpls])
        if kind == "plant-probe-hung":
            probe = pl.probe if rng.random() < 0.75 else pl.sat
            plan = Plan(kind, probe, [(probe, "hung", t)], t + dur, must=[probe])
            plan.watched = self._watched(probe)
            plan.explainable = False
            return plan
        if kind == "san-latency":
            return Plan(
                kind,
                "ho-san-01",
                [("ho-san-01", "slow", t)],
                t + rng.uniform(1800, 3600),
                must=["ho-san-01"],
            )
        if kind == "erp-db-down":
            return Plan(kind, "ho-erpdb", [("ho-erpdb", "down", t)], t + dur, must=["ho-erpdb"])
        if kind == "compressed-air":
            if not any(ln.air for ln in pl.lines):
                return None
            return Plan(kind, pl.air, [(pl.air, "air", t)], t + dur, explainable=False)
        return None

    def _watched(self, probe: str) -> list[str]:
        return sorted({c.node for c in self.w.checks if c.observer == probe})

    def add_fault(self, kind: str, t: float) -> bool:
        rng = random.Random(f"plan:{self.tag}:{self.seed}:{kind}:{t:.3f}:{len(self.faults)}")
        if kind == "concurrent":
            sub = [
                "ring-double-break",
                "line-power",
                "opc-gateway-down",
                "scada-both",
                "firewall-failover",
                "historian-down",
            ]
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
        cands = [
            c
            for c in self.w.checks
            if "noise" in c.modes or c.name in ("High ICMP ping loss", "Ping Jitter")
        ]
        if not cands:
            return False
        c = rng.choice(cands)
        end = t + rng.uniform(300, 1800)
        e = Ep(c, t, end, len(self.faults), "warn", est=t - _NOMINAL[c.tool])
        return self._simple("noise", c.node, [e], t, end)

    def add_flapping(self, t: float) -> bool:
        rng = random.Random(f"flap:{self.tag}:{self.seed}:{t:.3f}")
        w = self.w
        if rng.random() < 0.6:
            cands = [c for c in w.checks if c.name == "Cycle time exceeded (trap)"]
        else:
            cands = [
                c for c in w.checks if c.tool == "nagios" and c.name == "SCADA client connection"
            ]
            if not cands:
                cands = [c for c in w.checks if c.name == "Cycle time exceeded (trap)"]
        c = rng.choice(cands)
        flaps = []
        s = t
        for _ in range(rng.randint(5, 8)):
            ok = s + rng.uniform(40, 180)
            flaps.append((s, ok))
            s = ok + rng.uniform(60, 300)
        e = Ep(
            c,
            t,
            flaps[-1][1],
            len(self.faults),
            "warn" if c.level == "warn" else c.level,
            flaps=flaps,
        )
        return self._simple("flapping", c.node, [e], t, flaps[-1][1])

    def add_maintenance(self, t: float) -> bool:
        rng = random.Random(f"maint:{self.tag}:{self.seed}:{t:.3f}")
        w = self.w
        pl = rng.choice(w.plants)
        ln = rng.choice(pl.lines)
        end = t + rng.uniform(1800, 5400)
        idx = len(self.faults)
        eps: list[Ep] = []
        for c in w.by_node.get(ln.svc, ()):
            s = t + rng.uniform(*c.delay)
            eps.append(Ep(c, s, end + rng.uniform(60, 300), idx, c.level, maint=True))
        for nid in ln.ring + ln.devices:
            for c in w.by_node.get(nid, ()):
                if (c.name is None and c.tool == "nagios") or (
                    c.tool == "prtg" and c.name == "Ping"
                ):
                    eps.append(Ep(c, t, end, idx, "down", maint=True, notice_only=True))
        if not any(not e.notice_only for e in eps):
            return False
        return self._simple("maintenance", ln.svc, eps, t - 300, end + 900, maintenance=True)

    def add_unplaced(self, t: float) -> bool:
        rng = random.Random(f"unplaced:{self.tag}:{self.seed}:{t:.3f}")
        w = self.w
        pl = rng.choice(w.plants)
        ln = rng.choice(pl.lines)
        host = f"{ln.svc}-{rng.choice(['rc', 'vis', 'plc'])}{rng.randint(11, 19)}"
        if host in w.nodes:
            return False
        addr = f"10.{20 + pl.idx}.{200 + ln.n}.{rng.randint(10, 250)}"
        idx = len(self.faults)
        eps: list[Ep] = []
        for n, name in enumerate([None, "Uptime"] if rng.random() < 0.5 else [None]):
            tool = "zabbix" if pl.style == "zbx" else "prtg"
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
                observer=pl.probe,
                delay=(60, 150),
                text="Unavailable by ICMP ping" if name is None else "System uptime restarted",
                zsev=4 if name is None else 2,
                ident=str(900000 + _h(host, name) % 90000),
                device_id=str(800000 + _h(host) % 90000),
                group=pl.code,
            )
            s = t + n * rng.uniform(5, 60)
            eps.append(Ep(c, s, s + rng.uniform(600, 1800), idx, c.level))
        if not eps:
            return False
        f = Fault(idx, "unplaced", None, t, pl.code)
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


_ICINGA_STATE: Final = {"down": 2, "crit": 2, "warn": 1, "unreach": 2, "unknown": 3}
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
        self.rng = random.Random(f"render-i:{tag}:{seed}")
        self.lines: list[_Line] = []
        self.horizon = horizon
        self.nagios_id = 4100
        self.zabbix_id = 7_300_000

    def emit(
        self,
        at: float,
        source: str,
        payload: dict[str, Any],
        observer: str | None = None,
        marks: list[tuple[int, str]] | None = None,
    ) -> None:
        self.lines.append(_Line(at, len(self.lines), source, payload, observer, marks or []))

    # -- Icinga 2 ------------------------------------------------------------------------

    def icinga(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        is_host = c.name is None
        pstate = 1 if is_host else _ICINGA_STATE[e.level]
        mark = [(e.fault, c.node)]

        def obj(kind: str, t: float, **extra: Any) -> dict[str, Any]:
            o: dict[str, Any] = {"type": kind, "host": c.host}
            if not is_host:
                o["service"] = c.name
            o.update(extra)
            o["timestamp"] = round(t, 3)
            return o

        def cr(state: int, output: str, t: float) -> dict[str, Any]:
            return {
                "type": "CheckResult",
                "output": output,
                "state": state,
                "exit_status": state,
                "execution_start": round(t - 0.3, 3),
                "execution_end": round(t, 3),
                "check_source": c.observer or "icinga-ho",
            }

        def change(t: float, state: int, st: int, output: str, *, m: bool) -> None:
            crs = 2 if is_host and state else state
            self.emit(
                t + rng.uniform(0.02, 2),
                "icinga",
                obj(
                    "StateChange",
                    t,
                    state=state,
                    state_type=st,
                    check_result=cr(crs, output, t),
                    downtime_depth=1 if e.maint else 0,
                    acknowledgement=False,
                ),
                c.observer,
                mark if m else None,
            )

        def note(t: float, ntype: str, state: int, output: str, *, m: bool, **kw: Any) -> None:
            self.emit(
                t + rng.uniform(0.02, 2),
                "icinga",
                obj(
                    "Notification",
                    t,
                    notification_type=ntype,
                    users=["plant-oncall"],
                    command="correlator-notify",
                    check_result=cr(state, output, t),
                    **kw,
                ),
                c.observer,
                mark if m else None,
            )

        ok_text = "PING OK - Packet loss = 0%, RTA = 0.92 ms" if is_host else "OK"
        dt_name = f"{c.host}!{c.name or ''}!plan-{e.fault}"
        if e.maint:
            a = e.t - 300
            self.emit(
                a + rng.uniform(0.02, 2),
                "icinga",
                {
                    "type": "DowntimeStarted",
                    "downtime": {
                        "__name": dt_name,
                        "host_name": c.host,
                        "service_name": c.name or "",
                        "author": "production-planning",
                        "comment": "planned line stop (changeover)",
                        "start_time": int(a),
                        "end_time": int(e.end + 900),
                        "fixed": True,
                    },
                    "timestamp": round(a, 3),
                },
                c.observer,
            )
        change(e.t, pstate, 0, c.text, m=True)
        hard = e.t + ICINGA_RETRY
        notified = False
        if hard < e.end:
            change(hard, pstate, 1, c.text, m=True)
            if e.notify and not e.maint:
                notified = True
                note(
                    hard + 0.05,
                    "Problem",
                    _ICINGA_STATE[e.level] if not is_host else 1,
                    c.text,
                    m=True,
                )
                t = hard + 1800
                while t < min(e.end, self.horizon):
                    note(t, "Problem", 2 if not is_host else 1, c.text, m=True)
                    t += 1800
            if e.ack_at is not None and e.ack_at > hard and notified:
                note(
                    e.ack_at, "Acknowledgement", pstate, c.text, m=False, author="noc", text="on it"
                )
                self.emit(
                    e.ack_at + 0.3,
                    "icinga",
                    obj(
                        "AcknowledgementSet",
                        e.ack_at + 0.3,
                        author="noc",
                        comment="on it",
                        acknowledgement_type=1,
                        state=pstate,
                        state_type=1,
                    ),
                    c.observer,
                )
        if e.end < self.horizon:
            change(e.end, 0, 1, ok_text, m=False)
            if notified:
                note(e.end + 0.05, "Recovery", 0, ok_text, m=False)
        if e.maint and e.end + 900 < self.horizon:
            b = e.end + 900
            self.emit(
                b + rng.uniform(0.02, 2),
                "icinga",
                {
                    "type": "DowntimeRemoved",
                    "downtime": {
                        "__name": dt_name,
                        "host_name": c.host,
                        "service_name": c.name or "",
                    },
                    "timestamp": round(b, 3),
                },
                c.observer,
            )

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
                "HOSTGROUPNAMES": f"ot-legacy,{c.group}",
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
            okstate, okout = "UP", "PING OK - Packet loss = 0%, RTA = 1.10 ms"
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
                    NOTIFICATIONAUTHOR="production-planning",
                    NOTIFICATIONCOMMENT="planned line stop",
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
                    NOTIFICATIONAUTHOR="ot-oncall",
                    NOTIFICATIONCOMMENT="checking on site",
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
            return  # a maintenance period: Zabbix sends nothing
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
                        {"tag": "plant", "value": c.group},
                        {"tag": "scope", "value": "availability" if "ICMP" in name else "process"},
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
                p["event_update_user"] = "ot-oncall"
                p["event_update_message"] = "ack: on it"
            return p

        def lat() -> float:
            return rng.uniform(0.7, 3.5)

        for n, (p, ok) in enumerate(e.flaps or [(e.t, e.end)]):
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
            del n

    # -- PRTG ----------------------------------------------------------------------------

    def prtg(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        status = _PRTG_STATUS[e.level]

        def body(t: float, st: str, message: str) -> dict[str, Any]:
            d = datetime.fromtimestamp(t, UTC)
            return {
                "device": c.host,
                "deviceid": c.device_id,
                "sensor": c.name or "Ping",
                "sensorid": c.ident,
                "status": st,
                "down": f"{int(max(0, t - e.t))} s",
                "message": message,
                "datetime": d.strftime("%d.%m.%Y %H:%M:%S"),
                "priority": "****" if c.level in ("down", "crit") else "***",
                "group": c.group,
                "probe": c.observer or "prtg-core",
                "host": c.address,
                "home": f"https://prtg.{DOMAIN}/",
                "lastvalue": "-" if "Up" not in st else "1 msec",
            }

        def lat() -> float:
            return rng.uniform(0.5, 4.0)

        if e.notice_only:
            a, b = e.t - 300, e.end + 900
            self.emit(
                a + lat(),
                "prtg",
                body(a, "Paused by User", "Paused by user: planned line stop"),
                None,
            )
            if b < self.horizon:
                self.emit(b + lat(), "prtg", body(b, "Paused by User ended (now: Up)", "OK"), None)
            return
        msg = "No data from probe (probe disconnected)" if e.level == "unknown" else c.text
        if e.level == "paused":
            msg = "Paused by dependency"
        self.emit(e.t + lat(), "prtg", body(e.t, status, msg), None, mark)
        if e.ack_at is not None and status == "Down":
            self.emit(
                e.ack_at + lat(),
                "prtg",
                body(e.ack_at, "Down (Acknowledged)", "Acknowledged: on it"),
                None,
            )
        if e.end < self.horizon:
            self.emit(e.end + lat(), "prtg", body(e.end, f"{status} ended (now: Up)", "OK"), None)

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
                    "generatorURL": f"http://prom-ho.{DOMAIN}:9090/graph?g0.expr=ALERTS",
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
        eid = f"i{n}"
        item: dict[str, Any] = {"at": round(ln.at, 3), "source": ln.source, "id": eid}
        if ln.source in ("nagios", "icinga") and ln.observer:
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


def single(seed: int, kind: str, nodes: int = 300) -> Scenario:
    """One fault of ``kind`` (two incidents for ``concurrent``) and a little noise."""
    if kind not in FAULT_KINDS_I and kind not in OTHER_KINDS_I:
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


def storm(seed: int, nodes: int = 800) -> Scenario:
    """Wide-blast-radius failures close together (about two hours), a little noise and a
    chattering PLC alarm."""
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


def day(seed: int, nodes: int = 600, faults: int = 14, noise: int = 12) -> Scenario:
    """A production day (ten hours): faults of every kind, noise, flapping, a planned line
    stop, unplaced machines and acknowledgements."""
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
