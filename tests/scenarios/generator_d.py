"""Fourth scenario generator: a regional ISP / utility network operator, with ground truth.

Written from the public contracts only (specs/topology-format.md, specs/replay.md,
specs/ingest-formats.md, the peer notes on Nagios 4, Icinga 2 and Zabbix 6, and the tool
delays of config/default.yaml); it never looks at the correlator. Pure and seeded: the same
arguments give the same topology, replay lines and truth, byte for byte.

Entry points (the shape of generator_c, so ``reporting.run`` drives them):
:func:`single` (one fault of a kind plus a little noise), :func:`storm` (several wide faults in
different regions within 20 minutes), :func:`day` (24 hours of faults, noise, flapping,
maintenance and unplaced alerts). Each returns a :class:`generator.Scenario`.

The world (:func:`build_world`)
-------------------------------

- **Core**: a redundant pair ``core-1``/``core-2`` (routers). A data centre hangs off both
  (``dc-sw-1``/``dc-sw-2``, ``any_of`` the cores) with the central services: DNS resolver
  pair behind an anycast address (``dns-svc`` is an application, ``any_of`` the two
  resolvers, watched on the host ``dns-anycast``), a RADIUS pair behind ``radius-vip``
  (``aaa-svc``), DHCP pair, billing (app + database) and the customer portal (two web
  front ends), and business services (kind ``service``, never alerting).
- **Regions** (three-letter codes), each with: aggregation routers ``agg-<r>-1``/``-2``
  (``any_of`` the cores) and sometimes a single-homed spur ``agg-<r>-3`` (depends on
  ``agg-<r>-1`` only); a BNG (``any_of`` the two aggregation routers) with a subscriber-auth
  application on it (depends on the BNG and ``aaa-svc``); a business service
  ``internet-<r>`` that is ``any_of`` this region's BNG and a neighbour region's BNG
  (nested redundancy: each BNG is itself ``any_of`` two aggregation routers).
- **Access**: fibre spans (kind ``link``, unmonitored) from one aggregation router, each
  shared by 2-4 access nodes (OLTs, DSLAMs, cell-site routers); rings (two monitored
  ``link`` sides, each seen as an interface trigger ``agg-<r>-N!Interface ...: Link down``
  on its aggregation router, the access nodes ``any_of`` both sides); street cabinets with
  an unmonitored power feed (kind ``power``) feeding two DSLAMs and sometimes a monitored
  cabinet controller (the DSLAMs' span always also feeds an access node outside the
  cabinet, so a span cut and a cabinet power loss can be told apart); mast sites whose
  cell-site router depends on ``any_of`` mains and battery (kind ``power``), one of the two
  watched through the router (``csr!Rectifier: mains failure`` or ``csr!Battery voltage
  low``). Every access node has 4-9 CPEs (kind ``cpe``), each watched only by ping: the
  central Zabbix server (no proxy), the regional Zabbix proxy, or the regional PRTG probe.
- **Utility side**: per region a microwave radio link (kind ``link``, monitored as its radio
  unit) from the hub carrying 2-3 SCADA RTUs, polled by the regional Zabbix proxy.
- **Monitoring**: Zabbix central (``proxy`` empty) plus one proxy per region
  (``zbx-prx-<r>``), PRTG core (``Local Probe``, not a topology node) plus one remote probe
  per region (``prtg-probe-<r>``), Nagios 4 central, Icinga 2 central, Prometheus +
  Alertmanager central (label ``prometheus: prom-dc1``). Probes/proxies are nodes of kind
  ``probe`` depending on a private unmonitored uplink (kind ``link``) from an aggregation
  router (PRTG from ``agg-<r>-1``, Zabbix proxy from ``agg-<r>-2``); Nagios pings them and
  the central Zabbix/PRTG core watch them (``proxy last seen``, ``Probe Health``). Each tool
  spells a host its own way (short, FQDN, upper case, bare address; never an address for a
  ``HOST!CHECK`` claimed check) per topology-format.md rule 2.

Timing: detection delays are drawn inside config/default.yaml's ``detection_delay_s``
(Nagios/Icinga <= 90 s, Zabbix <= 120 s, PRTG <= 90 s, Alertmanager <= 150 s including
group_wait/group_interval). CPE pings are fast (20-75 s), the access nodes' own SNMP/ICMP
triggers via the proxy slow (80-120 s), so symptoms often arrive before the cause. About
10 % of detections are missed. Nagios re-notifies, Zabbix escalations repeat, operators
acknowledge, recoveries come root first then dependents (CPEs resync for up to 3 min).
Tool quirks: Nagios UNREACHABLE for a child whose parents were already DOWN (and sometimes a
later DOWN -> UNREACHABLE re-notification with ``HOSTPROBLEMID=0``), no service notification
for a host already DOWN, none in downtime; Icinga 2 sends the StateChange but no
Notification for a host behind a down parent, for a service on a down host and in downtime;
PRTG sends ``Paused by Dependency`` for a sensor whose parent device's ping is down;
Alertmanager batches by ``alertname`` (group_wait 30 s, group_interval 60 s) and repeats the
still-firing alerts of a group in each body.

Fault kinds (``FAULT_KINDS_D``), each the truth of one incident
----------------------------------------------------------------

- ``access-dead``: an OLT/DSLAM/cell-site router dies; its CPEs go down (PRTG pauses some by
  dependency). Root: the access node (its own alert is always seen).
- ``span-cut``: a shared fibre span is cut; every access node on it and their CPEs go down.
  Root: the span, inferred.
- ``cabinet-power``: a street cabinet's power feed fails; its DSLAMs (and controller) and their
  CPEs go down. Root: the power feed, inferred.
- ``ring-one-side``: one side of a ring is cut; only that side's interface trigger fires.
  Root: the ring side (nothing above it is explained).
- ``ring-both``: one side is cut, 2-12 minutes later the other side too; the ring's access
  nodes and CPEs go down. Root: the side lost first; its earlier alert is part of the same
  incident (topology-format.md, "When all members of a redundancy group fail").
- ``agg-lost``: an aggregation router dies; its single-homed children (spans, spur router,
  access nodes, CPEs, the probe/proxy whose uplink hangs off it and so every check that
  probe runs) go down; ring access nodes survive on their other side. Root: the router.
- ``core-one``: one core router dies while its pair is fine: only its own alerts.
- ``probe-cut``: a regional PRTG probe or Zabbix proxy loses its uplink: its own alerts from
  the central servers and Unknown / no-data for most of the checks it runs. Root: the
  probe (its private uplink is an equivalent root); ``watched`` lists the hosts it watches.
- ``mast-power``: mains fails at a mast site, the battery runs out 8-30 minutes later and
  the cell-site router and its CPEs go down. Root: mains (the member lost first). When the
  mains alarm is watched it is the first alert (not inferred); when only the battery is
  watched, mains is inferred and the battery is an equivalent root (nothing tells which of
  the two members failed first).
- ``gray-agg``: an aggregation router with interface errors / packet loss (warnings); its
  single-path dependents time out intermittently (CPE pings down and up, access nodes'
  "No SNMP data collection"). Root: the router.
- ``twin-cpe``: two CPEs under the same (healthy, monitored) access node fail
  independently within a minute: two incidents, each rooted at its CPE.
- ``svc-degradation``: DNS or RADIUS degrades: the callers' error-rate alerts (portal,
  billing, BNG subscriber auth) arrive before the service's own check. Root: ``dns-svc`` or
  ``aaa-svc``.
- ``refail``: an access node fails, recovers, and fails again 2-8 minutes after its last
  alert cleared: one incident (config/default.yaml ``reopen_s``: "The same root failing
  again within this time reopens the incident").
- ``concurrent``: two wide faults (access-dead, span-cut, cabinet-power, agg-lost,
  ring-both) in two different regions starting within a minute of each other; each is its
  own incident with its own root (the truth's kind is ``concurrent``).

Other kinds (``OTHER_KINDS_D``): ``noise`` (independent warnings, one incident each),
``flapping`` (a check changing state 6-10 times in half an hour: one incident, at most one
page), ``maintenance`` (a Nagios/Icinga downtime notice on a host, then planned work on it:
an aggregation/core router with only its own alerts, or an access node and its CPEs; the
incident must not page), ``unplaced`` (alerts on hosts the topology does not know, one
incident per host, root ``None``).

Assumptions where the specs are silent (kept consistent throughout)
-------------------------------------------------------------------

1. The truth root is the node that physically failed. A node whose failure would produce
   exactly the same possible alerts (the same set of monitored nodes failing) and that
   explains every realised alert is listed in ``equivalent_roots``; when another single
   node would explain the realised alerts *more specifically* (fewer monitored nodes), the
   detections are re-drawn. ``inferred`` means no problem event is placed on the root.
2. Redundancy group lost as a whole: root = the member that failed first, and its alert
   (when watched) is forced to be seen. When no member's failure time is observable (mast
   with only the battery watched), any member is accepted (``equivalent_roots``).
3. Alerts that a cut probe/proxy turns Unknown / no-data belong to the incident of whatever
   cut it (the probe itself, or the aggregation router its uplink hangs off).
4. Maintenance: an incident whose root is under a Nagios/Icinga downtime is "under
   maintenance" as a whole: the CPE pings of an OLT upgraded under a downtime (sent by
   Zabbix/PRTG, which know nothing of the downtime) are part of it and must not page.
5. A gray failure's dependents are chosen only among single-path dependents (no ``any_of``
   between them and the degraded router), where the spec lets the degraded node explain
   them.
6. Noise (warnings on CPU, temperature, disk, radio signal, ping response time) is never
   placed on a node a concurrent fault affects, nor on a dependency of an inferred-root or
   twin-CPE fault while it runs (where a warning would be a plausible alternative gray
   root), nor on a probe's watched hosts while the probe is cut. It may sit below or beside
   faults with a monitored root (a core's CPU warning during an access node's death).
7. Concurrent faults (storms, days) are in different regions; two faults with the same root
   are at least two hours apart except inside ``refail``. One alert identity is never in
   two true incidents at once.
8. A re-notification, a Nagios DOWN -> UNREACHABLE notification, a PRTG change to
   ``Paused by Dependency``, an Icinga StateChange and its Notification, and every
   Alertmanager body in which one of the fault's alerts is firing, are all problem events
   of the fault.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .generator import Scenario, TrueIncident

T0: Final = 1_766_000_000.0  # 2025-12-17 19:33:20 UTC
MISS: Final = 0.10
DOMAIN: Final = "net.example-isp.net"

FAULT_KINDS_D: Final = (
    "access-dead",
    "span-cut",
    "cabinet-power",
    "ring-one-side",
    "ring-both",
    "agg-lost",
    "core-one",
    "probe-cut",
    "mast-power",
    "gray-agg",
    "twin-cpe",
    "svc-degradation",
    "refail",
    "concurrent",
)
OTHER_KINDS_D: Final = ("noise", "flapping", "maintenance", "unplaced")

STORM_KINDS: Final = (
    "access-dead",
    "span-cut",
    "cabinet-power",
    "ring-both",
    "agg-lost",
    "probe-cut",
    "mast-power",
    "gray-agg",
)
DAY_WEIGHTS: Final[Mapping[str, float]] = {
    "access-dead": 6,
    "span-cut": 4,
    "cabinet-power": 3,
    "ring-one-side": 3,
    "ring-both": 2,
    "agg-lost": 2,
    "core-one": 1,
    "probe-cut": 2,
    "mast-power": 2,
    "gray-agg": 2,
    "twin-cpe": 3,
    "svc-degradation": 2,
    "refail": 2,
}
CONCURRENT_KINDS: Final = ("access-dead", "span-cut", "cabinet-power", "agg-lost", "ring-both")

_REGIONS: Final = (
    "nrt",
    "sth",
    "est",
    "wst",
    "ctr",
    "hil",
    "val",
    "cst",
    "lak",
    "mtn",
    "riv",
    "bay",
    "frs",
    "moo",
    "gle",
    "pen",
)

# Check categories: which failure modes make a check fire.
AV: Final = "avail"  # fires when the node is dead (or, impaired, intermittently)
SV: Final = "service"  # fires when the node is dead or degraded (applications)
PF: Final = "perf"  # warnings: a gray node's own measurements; noise
ND: Final = "nodata"  # a Zabbix nodata trigger: fires only when its proxy is cut
NOISE: Final = "noise-only"  # never fires for a fault (temperature, disk, cpu)

DEAD: Final = "dead"
DEGRADED: Final = "degraded"
GRAY: Final = "gray"
IMPAIRED: Final = "impaired"

# Detection delay ranges per (tool, speed), seconds from the state change to arrival.
_DELAYS: Final[Mapping[str, tuple[float, float]]] = {
    "nagios": (40.0, 88.0),
    "nagios-slow": (70.0, 89.0),
    "icinga": (35.0, 84.0),
    "zabbix-fast": (20.0, 70.0),
    "zabbix": (60.0, 110.0),
    "zabbix-slow": (80.0, 118.0),
    "zabbix-trap": (8.0, 35.0),
    "prtg": (25.0, 88.0),
    "alertmanager": (40.0, 88.0),  # plus group_wait / group_interval below
    "alertmanager-fast": (10.0, 25.0),  # error-rate rules with a short for:
}
AM_GROUP_WAIT: Final = 30.0
AM_GROUP_INTERVAL: Final = 60.0


# --------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Check:
    """One alert identity: a tool's check on a host, placed on ``node``."""

    key: str  # unique, stable
    node: str  # node the alert is placed on (HOST!CHECK entries place it on that node)
    host_node: str  # node whose host runs the check (must be up for the check to report)
    tool: str  # nagios | icinga | zabbix | prtg | alertmanager
    host: str  # host name as the tool spells it
    address: str | None
    name: str | None  # None: Nagios/Icinga host check
    cat: str
    severity: str  # zabbix 0-5 / prtg Down|Warning / nagios CRITICAL|WARNING / am label
    speed: str  # key of _DELAYS
    observer: str | None  # probe node id (PRTG probe, Zabbix proxy) or None
    observer_text: str  # how the tool names the observer ("" when none)
    ident: int  # trigger id / sensor id
    device_id: int = 0  # PRTG device id
    parents: tuple[str, ...] = ()  # Nagios/Icinga parents (node ids) of a host check
    prtg_parent: str | None = None  # key of the PRTG ping sensor this one depends on
    group: str = ""  # PRTG group / AM job
    text: str = ""  # problem output


@dataclass(slots=True)
class Node:
    id: str
    kind: str
    team: str
    site: str
    region: str  # region code or "dc"
    criticality: int = 3
    ip: str | None = None
    monitored_as: list[str] = field(default_factory=list)
    depends_on: list[str | tuple[str, ...]] = field(default_factory=list)
    role: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)


@dataclass(slots=True)
class Region:
    code: str
    aggs: list[str] = field(default_factory=list)  # agg-1, agg-2 (dual-homed), spur
    spur: str | None = None
    bng: str = ""
    sess: str = ""
    prtg: str = ""
    prtg_uplink: str = ""
    proxy: str = ""
    proxy_uplink: str = ""
    spans: list[str] = field(default_factory=list)
    rings: list[tuple[str, str]] = field(default_factory=list)
    cabinets: list[tuple[str, list[str]]] = field(default_factory=list)  # (feed, children)
    masts: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # csr, mains, batt, watched
    access: list[str] = field(default_factory=list)
    radios: list[str] = field(default_factory=list)
    rtus: list[str] = field(default_factory=list)


@dataclass(slots=True)
class World:
    seed: int
    nodes: dict[str, Node]
    order: list[str]
    regions: list[Region]
    cpes_of: dict[str, list[str]]  # access node -> its CPEs
    checks: dict[str, Check]
    observed_by: dict[str, list[str]]  # probe node -> check keys it runs
    nodata_of: dict[str, str]  # host node -> its Zabbix nodata check key
    dependents: dict[str, list[str]] = field(default_factory=dict)
    _pred: dict[str, frozenset[str]] = field(default_factory=dict)

    def deps(self, nid: str) -> list[str]:
        out: list[str] = []
        for d in self.nodes[nid].depends_on:
            out.extend([d] if isinstance(d, str) else d)
        return out

    def below(self, nid: str) -> set[str]:
        """Every node ``nid`` depends on, transitively (``any_of`` members included)."""
        seen: set[str] = set()
        stack = [nid]
        while stack:
            for d in self.deps(stack.pop()):
                if d not in seen:
                    seen.add(d)
                    stack.append(d)
        return seen

    def monitored(self, nid: str) -> bool:
        return bool(self.nodes[nid].monitored_as)

    def fail_set(self, failed: Iterable[str]) -> set[str]:
        """Nodes that stop working when ``failed`` fail (``any_of``: all members needed)."""
        down = set(failed)
        frontier = sorted(down)
        while frontier:
            nxt: set[str] = set()
            for n in frontier:
                for up in self.dependents.get(n, ()):
                    if up in down:
                        continue
                    if _is_down(self.nodes[up], down):
                        nxt.add(up)
            down |= nxt
            frontier = sorted(nxt)
        return down

    def pred(self, nid: str) -> frozenset[str]:
        got = self._pred.get(nid)
        if got is None:
            got = frozenset(self.fail_set([nid]))
            self._pred[nid] = got
        return got

    def pred_monitored(self, nid: str) -> frozenset[str]:
        return frozenset(n for n in self.pred(nid) if self.monitored(n))

    def region(self, code: str) -> Region:
        return next(r for r in self.regions if r.code == code)


def _is_down(node: Node, down: set[str]) -> bool:
    for d in node.depends_on:
        if isinstance(d, str):
            if d in down:
                return True
        elif all(m in down for m in d):
            return True
    return False


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class _Builder:
    """Builds the world node by node, in a fixed order."""

    def __init__(self, seed: int, size: int) -> None:
        self.rng = random.Random(f"gend-world-{seed}-{size}")
        self.seed = seed
        self.size = size
        self.nodes: dict[str, Node] = {}
        self.order: list[str] = []
        self.checks: dict[str, Check] = {}
        self.observed_by: dict[str, list[str]] = {}
        self.nodata_of: dict[str, str] = {}
        self.cpes_of: dict[str, list[str]] = {}
        self.ident = 20000
        self.device = 3000
        self.ip_counter: dict[str, int] = {}
        self.regions: list[Region] = []
        self.prtg_ping_of: dict[str, str] = {}  # node -> its PRTG ping sensor key

    # -- nodes ---------------------------------------------------------------------------

    def add(
        self,
        nid: str,
        kind: str,
        team: str,
        region: str,
        *,
        deps: Sequence[str | tuple[str, ...]] = (),
        crit: int = 3,
        ip_net: str | None = None,
        monitored: bool = True,
        role: str = "",
        tags: Mapping[str, str] | None = None,
    ) -> Node:
        ip = self._ip(ip_net) if ip_net else None
        node = Node(
            nid,
            kind,
            team,
            site=f"{region}-pop" if region != "dc" else "dc1",
            region=region,
            criticality=crit,
            ip=ip,
            depends_on=list(deps),
            role=role or kind,
            tags=dict(tags or {}),
        )
        if monitored:
            fqdn_entry = self.rng.random() < 0.15
            node.monitored_as.append(f"{nid}.{region}.{DOMAIN}" if fqdn_entry else nid)
            if ip:
                node.monitored_as.append(ip)
        self.nodes[nid] = node
        self.order.append(nid)
        return node

    def _ip(self, net: str) -> str:
        n = self.ip_counter.get(net, 0) + 1
        self.ip_counter[net] = n
        return f"{net}.{n // 250}.{n % 250 + 2}"

    # -- checks --------------------------------------------------------------------------

    def spell(self, node: Node, tool: str, *, ip_ok: bool = True) -> str:
        r = self.rng.random()
        if ip_ok and node.ip and r < 0.12:
            return node.ip
        if r < 0.30:
            return f"{node.id}.{node.region}.{DOMAIN}"
        if r < 0.40 and tool in ("zabbix", "prtg", "nagios"):
            return node.id.upper()
        return node.id

    def check(
        self,
        node: Node,
        tool: str,
        name: str | None,
        cat: str,
        severity: str,
        speed: str,
        *,
        observer: str | None = None,
        host_node: Node | None = None,
        claim: bool = False,
        text: str = "",
        group: str = "",
        host: str | None = None,
    ) -> Check:
        """A check of ``tool`` on ``host_node`` (default ``node``), placed on ``node``.

        ``claim``: ``node`` claims it as ``HOST!CHECK`` (its host is never spelled as an
        address then, which would only match the host node's bare address entry).
        """
        hn = host_node or node
        self.ident += 1
        if host is None:
            host = self.spell(hn, tool, ip_ok=not claim)
        if claim:
            assert name is not None
            # The HOST part is written exactly as the host node's own entry: a short HOST
            # part beside an FQDN host entry leaves rule 2 open to two readings.
            host_entry = hn.monitored_as[0] if hn.monitored_as else hn.id
            node.monitored_as.append(f"{host_entry}!{name}")
        obs_text = ""
        if observer is not None:
            pn = self.nodes[observer]
            obs_text = (
                observer.upper()
                if tool == "prtg" and self.rng.random() < 0.3
                else (f"{observer}.{pn.region}.{DOMAIN}" if self.rng.random() < 0.2 else observer)
            )
        elif tool == "prtg":
            obs_text = "Local Probe"
        c = Check(
            key=f"{tool}:{hn.id}:{name or 'host'}:{self.ident}",
            node=node.id,
            host_node=hn.id,
            tool=tool,
            host=host,
            address=hn.ip,
            name=name,
            cat=cat,
            severity=severity,
            speed=speed,
            observer=observer,
            observer_text=obs_text,
            ident=self.ident,
            group=group,
            text=text,
        )
        if tool == "prtg":
            self.device += 0  # device ids are per host, below
            c.device_id = 3000 + self.order.index(hn.id)
        node.checks.append(c)
        self.checks[c.key] = c
        if observer is not None:
            self.observed_by.setdefault(observer, []).append(c.key)
            if tool == "zabbix" and hn.id not in self.nodata_of:
                nd = Check(
                    key=f"zabbix:{hn.id}:nodata:{self.ident}",
                    node=hn.id,
                    host_node=hn.id,
                    tool="zabbix",
                    host=host,
                    address=hn.ip,
                    name="No data received for 10m",
                    cat=ND,
                    severity="2",
                    speed="zabbix",
                    observer=observer,
                    observer_text=obs_text,
                    ident=self.ident + 50000,
                    text="nodata(10m)=1",
                )
                hn.checks.append(nd)
                self.checks[nd.key] = nd
                self.nodata_of[hn.id] = nd.key
        return c

    def nagios_or_icinga(self, node: Node, p_nagios: float, p_icinga: float) -> None:
        r = self.rng.random()
        if r < p_nagios:
            self.check(node, "nagios", None, AV, "DOWN", "nagios")
            if self.rng.random() < 0.6:
                self.check(node, "nagios", "PING", AV, "CRITICAL", "nagios")
        elif r < p_nagios + p_icinga:
            self.check(node, "icinga", None, AV, "DOWN", "icinga")
            if self.rng.random() < 0.5:
                self.check(node, "icinga", "ping4", AV, "CRITICAL", "icinga")

    def prtg_ping(self, node: Node, probe: str | None, parent: str | None) -> Check:
        c = self.check(
            node,
            "prtg",
            "Ping",
            AV,
            "Down",
            "prtg",
            observer=probe,
            text="Destination host unreachable (ICMP error # 11003)",
        )
        if parent is not None and parent in self.prtg_ping_of:
            parent_c = self.checks[self.prtg_ping_of[parent]]
            if parent_c.observer == probe:
                c.prtg_parent = parent_c.key
        self.prtg_ping_of[node.id] = c.key
        return c

    def router_checks(
        self, node: Node, proxy: str | None, prtg: str | None, parent: str | None
    ) -> None:
        """Routers: Zabbix SNMP/ICMP (and gray/noise triggers), Nagios or Icinga, PRTG, AM."""
        self.check(node, "zabbix", "Unavailable by ICMP ping", AV, "4", "zabbix", observer=proxy)
        if self.rng.random() < 0.7:
            self.check(
                node, "zabbix", "No SNMP data collection", AV, "2", "zabbix-slow", observer=proxy
            )
        self.check(
            node, "zabbix", "Interface Te0/0/0: High error rate", PF, "2", "zabbix", observer=proxy
        )
        self.check(node, "zabbix", "High CPU utilization", NOISE, "2", "zabbix", observer=proxy)
        self.nagios_or_icinga(node, 0.65, 0.25)
        if prtg is not None and self.rng.random() < 0.6:
            self.prtg_ping(node, prtg, parent)
            self.check(node, "prtg", "Ping Jitter", PF, "Warning", "prtg", observer=prtg)
        if self.rng.random() < 0.5:
            self.check(
                node, "alertmanager", "SNMPTargetDown", AV, "critical", "alertmanager", group="snmp"
            )
            self.check(
                node,
                "alertmanager",
                "InterfaceErrorsHigh",
                PF,
                "warning",
                "alertmanager",
                group="snmp",
            )

    # -- the world -----------------------------------------------------------------------

    def build(self) -> World:
        rng = self.rng
        n_regions = max(2, min(len(_REGIONS), round(self.size / 95)))
        # Core and data centre.
        for i in (1, 2):
            core = self.add(f"core-{i}", "router", "network-core", "dc", crit=1, ip_net="10.0")
            self.router_checks(core, None, None, None)
            self.check(core, "nagios", "BGP peers", SV, "CRITICAL", "nagios")
        cores = ("core-1", "core-2")
        for i in (1, 2):
            sw = self.add(
                f"dc-sw-{i}", "switch", "network-core", "dc", deps=[cores], crit=1, ip_net="10.1"
            )
            self.check(sw, "zabbix", "Unavailable by ICMP ping", AV, "4", "zabbix")
            self.check(sw, "zabbix", "High CPU utilization", NOISE, "2", "zabbix")
            self.nagios_or_icinga(sw, 0.7, 0.3)
        dcsw = ("dc-sw-1", "dc-sw-2")
        hosts = {}
        for role in (
            "dns-1",
            "dns-2",
            "radius-1",
            "radius-2",
            "dhcp-1",
            "dhcp-2",
            "bill-app-1",
            "bill-db-1",
            "portal-web-1",
            "portal-web-2",
        ):
            h = self.add(role, "host", "systems", "dc", deps=[dcsw], crit=2, ip_net="10.2")
            hosts[role] = h
            self.nagios_or_icinga(h, 0.55, 0.45)
            self.check(
                h, "alertmanager", "InstanceDown", AV, "critical", "alertmanager", group="node"
            )
            self.check(
                h, "alertmanager", "DiskSpaceLow", NOISE, "warning", "alertmanager", group="node"
            )
            tool = "nagios" if any(c.tool == "nagios" for c in h.checks) else "icinga"
            name = "Disk /var" if tool == "nagios" else "disk"
            self.check(h, tool, name, NOISE, "WARNING", tool)
        vip_dns = self.add(
            "dns-anycast",
            "host",
            "systems",
            "dc",
            deps=[dcsw],
            crit=1,
            ip_net="10.3",
            monitored=False,
        )
        vip_rad = self.add(
            "radius-vip",
            "host",
            "systems",
            "dc",
            deps=[dcsw],
            crit=1,
            ip_net="10.3",
            monitored=False,
        )
        # The anycast/VIP names are claimed whole by the service applications.
        dns = self.add(
            "dns-svc",
            "application",
            "dns-team",
            "dc",
            deps=[("dns-1", "dns-2")],
            crit=1,
            monitored=False,
        )
        dns.monitored_as = ["dns-anycast", vip_dns.ip or ""]
        vip_dns.depends_on = []
        self.check(
            dns,
            "nagios",
            "DNS query",
            SV,
            "CRITICAL",
            "nagios-slow",
            host_node=vip_dns,
            host="dns-anycast",
            text="DNS CRITICAL - query timed out",
        )
        self.check(
            dns,
            "alertmanager",
            "DNSProbeFailed",
            SV,
            "critical",
            "alertmanager",
            host_node=vip_dns,
            host="dns-anycast",
            group="blackbox",
        )
        aaa = self.add(
            "aaa-svc",
            "application",
            "aaa-team",
            "dc",
            deps=[("radius-1", "radius-2")],
            crit=1,
            monitored=False,
        )
        aaa.monitored_as = ["radius-vip", vip_rad.ip or ""]
        self.check(
            aaa,
            "nagios",
            "RADIUS auth",
            SV,
            "CRITICAL",
            "nagios-slow",
            host_node=vip_rad,
            host="radius-vip",
            text="RADIUS CRITICAL - no response from server",
        )
        self.check(
            aaa,
            "alertmanager",
            "RadiusProbeFailed",
            SV,
            "critical",
            "alertmanager",
            host_node=vip_rad,
            host="radius-vip",
            group="blackbox",
        )
        # The VIP host nodes are not needed in the graph: drop them (the services claim them).
        for vip in (vip_dns, vip_rad):
            del self.nodes[vip.id]
            self.order.remove(vip.id)
        for c in (*dns.checks, *aaa.checks):
            c.host_node = c.node
        dhcp = self.add(
            "dhcp-svc",
            "application",
            "systems",
            "dc",
            deps=[("dhcp-1", "dhcp-2")],
            crit=2,
            monitored=False,
        )
        del dhcp
        bill = self.add(
            "billing",
            "application",
            "it-apps",
            "dc",
            deps=["bill-app-1", "bill-db-1", "dns-svc"],
            crit=2,
            monitored=False,
        )
        self.check(
            bill,
            "alertmanager",
            "BillingAPIErrors",
            SV,
            "critical",
            "alertmanager-fast",
            host_node=hosts["bill-app-1"],
            claim=True,
            group="billing",
        )
        portal = self.add(
            "portal",
            "application",
            "it-apps",
            "dc",
            deps=[("portal-web-1", "portal-web-2"), "billing", "dns-svc", "aaa-svc"],
            crit=2,
            monitored=False,
        )
        for w in ("portal-web-1", "portal-web-2"):
            self.check(
                portal,
                "alertmanager",
                "PortalErrorRate",
                SV,
                "critical",
                "alertmanager-fast",
                host_node=hosts[w],
                claim=True,
                group="portal",
            )
        self.add(
            "customer-portal", "service", "it-apps", "dc", deps=["portal"], crit=1, monitored=False
        )
        self.add(
            "billing-service", "service", "it-apps", "dc", deps=["billing"], crit=1, monitored=False
        )

        # Regions.
        budget = max(60, (self.size - len(self.order)) // n_regions)
        for k in range(n_regions):
            code = _REGIONS[k] if k < len(_REGIONS) else f"r{k:02d}"
            self.regions.append(self._region(code, budget, cores))
        codes = [r.code for r in self.regions]
        for k, r in enumerate(self.regions):
            other = self.regions[(k + 1) % len(codes)]
            self.add(
                f"internet-{r.code}",
                "service",
                "service-desk",
                r.code,
                deps=[(r.bng, other.bng)],
                crit=1,
                monitored=False,
            )
        self.add(
            "scada",
            "service",
            "scada-ops",
            "dc",
            deps=[tuple(r.radios[0] for r in self.regions)],
            crit=1,
            monitored=False,
        )
        del rng
        dependents: dict[str, list[str]] = {}
        for nid in self.order:
            for d in self.nodes[nid].depends_on:
                for m in [d] if isinstance(d, str) else d:
                    dependents.setdefault(m, []).append(nid)
        # Nagios / Icinga parents: the nearest ancestors the same tool watches.
        self._parents()
        return World(
            seed=self.seed,
            nodes=self.nodes,
            order=self.order,
            regions=self.regions,
            cpes_of=self.cpes_of,
            checks=self.checks,
            observed_by=self.observed_by,
            nodata_of=self.nodata_of,
            dependents=dependents,
        )

    def _parents(self) -> None:
        for tool in ("nagios", "icinga"):
            watched = {
                nid
                for nid in self.order
                if any(c.tool == tool and c.name is None for c in self.nodes[nid].checks)
            }
            for nid in self.order:
                node = self.nodes[nid]
                hc = [c for c in node.checks if c.tool == tool and c.name is None]
                if not hc:
                    continue
                parents: list[str] = []
                stack = list(reversed(self._flat_deps(nid)))
                seen: set[str] = set()
                while stack:
                    d = stack.pop()
                    if d in seen:
                        continue
                    seen.add(d)
                    if d in watched:
                        parents.append(d)
                    else:
                        stack.extend(reversed(self._flat_deps(d)))
                hc[0].parents = tuple(parents)

    def _flat_deps(self, nid: str) -> list[str]:
        out: list[str] = []
        for d in self.nodes[nid].depends_on:
            out.extend([d] if isinstance(d, str) else d)
        return out

    def _region(self, code: str, budget: int, cores: tuple[str, str]) -> Region:
        rng = self.rng
        reg = Region(code)
        net = f"10.{10 + len(self.regions) * 4}"
        start = len(self.order)
        for i in (1, 2):
            agg = self.add(
                f"agg-{code}-{i}", "router", "network-core", code, deps=[cores], crit=2, ip_net=net
            )
            reg.aggs.append(agg.id)
        # Probes hang off the aggregation routers through private uplinks.
        pu = self.add(
            f"upl-prtg-{code}", "link", "network-access", code, deps=[reg.aggs[0]], monitored=False
        )
        probe = self.add(
            f"prtg-probe-{code}", "probe", "noc-tools", code, deps=[pu.id], crit=3, ip_net=net
        )
        zu = self.add(
            f"upl-zbx-{code}", "link", "network-access", code, deps=[reg.aggs[1]], monitored=False
        )
        proxy = self.add(
            f"zbx-prx-{code}", "probe", "noc-tools", code, deps=[zu.id], crit=3, ip_net=net
        )
        reg.prtg, reg.prtg_uplink, reg.proxy, reg.proxy_uplink = probe.id, pu.id, proxy.id, zu.id
        for a in reg.aggs:
            self.router_checks(self.nodes[a], None, probe.id, None)
        if rng.random() < 0.7:
            spur = self.add(
                f"agg-{code}-3",
                "router",
                "network-core",
                code,
                deps=[reg.aggs[0]],
                crit=2,
                ip_net=net,
            )
            self.router_checks(spur, proxy.id, probe.id, reg.aggs[0])
            reg.aggs.append(spur.id)
            reg.spur = spur.id
        # The probes' own health, seen centrally.
        self.check(probe, "prtg", "Probe Health", AV, "Down", "prtg", text="Probe disconnected")
        self.check(probe, "nagios", None, AV, "DOWN", "nagios")
        self.check(
            proxy,
            "zabbix",
            f"Proxy {proxy.id}: last seen more than 10m ago",
            AV,
            "4",
            "zabbix",
            text="Zabbix proxy last seen 612s ago",
        )
        self.check(proxy, "nagios", None, AV, "DOWN", "nagios")
        bng = self.add(
            f"bng-{code}",
            "router",
            "network-core",
            code,
            deps=[(reg.aggs[0], reg.aggs[1])],
            crit=1,
            ip_net=net,
        )
        self.router_checks(bng, None, probe.id, None)
        reg.bng = bng.id
        sess = self.add(
            f"sess-{code}",
            "application",
            "aaa-team",
            code,
            deps=[bng.id, "aaa-svc"],
            crit=2,
            monitored=False,
        )
        self.check(
            sess,
            "zabbix",
            "Subscriber auth failures > 5%",
            SV,
            "3",
            "zabbix-fast",
            host_node=bng,
            claim=True,
        )
        reg.sess = sess.id
        # Radio backhaul with SCADA RTUs, polled by the proxy.
        for i in range(1, 1 + (1 if rng.random() < 0.6 else 2)):
            mw = self.add(
                f"mw-{code}-{i}", "link", "scada-ops", code, deps=[reg.aggs[0]], crit=2, ip_net=net
            )
            self.check(mw, "zabbix", "Radio link down", AV, "4", "zabbix", observer=proxy.id)
            self.check(mw, "zabbix", "RSL below threshold", NOISE, "2", "zabbix", observer=proxy.id)
            reg.radios.append(mw.id)
            for j in range(1, 2 + rng.randint(1, 2)):
                rtu = self.add(
                    f"rtu-{code}-{i}{j}", "rtu", "scada-ops", code, deps=[mw.id], crit=2, ip_net=net
                )
                self.check(
                    rtu, "zabbix", "Unavailable by ICMP ping", AV, "4", "zabbix", observer=proxy.id
                )
                self.check(
                    rtu, "zabbix", "DNP3 polling failed", AV, "3", "zabbix-slow", observer=proxy.id
                )
                reg.rtus.append(rtu.id)
        # Access groups until the budget is used.
        n_span = n_ring = n_cab = n_mast = 0
        kinds = ["span", "ring", "cabinet", "mast", "span"]
        k = 0
        while len(self.order) - start < budget - 8:
            kind = (
                kinds[k % len(kinds)]
                if k < len(kinds)
                else rng.choices(["span", "ring", "cabinet", "mast"], [4, 3, 2, 1.5])[0]
            )
            k += 1
            if kind == "span":
                n_span += 1
                self._span_group(reg, net, f"{code}-{n_span}", rng.randint(2, 4))
            elif kind == "ring":
                n_ring += 1
                self._ring_group(reg, net, f"{code}-{n_ring}")
            elif kind == "cabinet":
                n_cab += 1
                n_span += 1
                self._cabinet_group(reg, net, f"{code}-{n_cab}", f"{code}-{n_span}")
            else:
                n_mast += 1
                self._mast(reg, net, f"{code}-{n_mast}")
        return reg

    def _agg_for_span(self, reg: Region) -> str:
        return self.rng.choice(reg.aggs)

    def _access(
        self,
        reg: Region,
        net: str,
        nid: str,
        kind: str,
        deps: list[str | tuple[str, ...]],
        upstream: str,
    ) -> Node:
        rng = self.rng
        node = self.add(
            nid,
            "router" if kind == "csr" else kind,
            "network-access",
            reg.code,
            deps=deps,
            crit=3,
            ip_net=net,
            role=kind,
        )
        self.check(
            node, "zabbix", "Unavailable by ICMP ping", AV, "4", "zabbix-slow", observer=reg.proxy
        )
        self.check(
            node, "zabbix", "No SNMP data collection", AV, "2", "zabbix-slow", observer=reg.proxy
        )
        self.check(
            node,
            "zabbix",
            "Interface uplink: High error rate",
            PF,
            "2",
            "zabbix",
            observer=reg.proxy,
        )
        self.nagios_or_icinga(node, 0.45, 0.35)
        if rng.random() < 0.45:
            self.prtg_ping(node, reg.prtg, upstream)
        reg.access.append(nid)
        # CPEs.
        cpes = []
        for j in range(rng.randint(4, 9)):
            cid = f"cpe-{nid.split('-', 1)[1]}-{j + 1:02d}"
            cpe = self.add(
                cid,
                "cpe",
                "service-desk",
                reg.code,
                deps=[nid],
                crit=5,
                ip_net=f"100.{64 + len(self.regions)}",
            )
            r = rng.random()
            if r < 0.4:
                self.check(
                    cpe,
                    "zabbix",
                    "Unavailable by ICMP ping",
                    AV,
                    "4",
                    "zabbix-fast",
                    text="ICMP ping: 100% loss",
                )
                self.check(cpe, "zabbix", "High ICMP ping response time", NOISE, "2", "zabbix-fast")
            elif r < 0.7:
                self.check(
                    cpe,
                    "zabbix",
                    "Unavailable by ICMP ping",
                    AV,
                    "4",
                    "zabbix-fast",
                    observer=reg.proxy,
                    text="ICMP ping: 100% loss",
                )
            else:
                self.prtg_ping(cpe, reg.prtg, nid)
            cpes.append(cid)
        self.cpes_of[nid] = cpes
        return node

    def _span_group(self, reg: Region, net: str, tag: str, n: int) -> list[str]:
        agg = self._agg_for_span(reg)
        span = self.add(
            f"span-{tag}", "link", "field-ops", reg.code, deps=[agg], crit=3, monitored=False
        )
        reg.spans.append(span.id)
        out = []
        for i in range(n):
            kind = self.rng.choice(["olt", "olt", "dslam"])
            out.append(
                self._access(reg, net, f"{kind}-{tag}{chr(97 + i)}", kind, [span.id], agg).id
            )
        return out

    def _ring_group(self, reg: Region, net: str, tag: str) -> None:
        sides = []
        for side, agg in (("a", reg.aggs[0]), ("b", reg.aggs[1])):
            link = self.add(
                f"ring-{tag}{side}",
                "link",
                "field-ops",
                reg.code,
                deps=[agg],
                crit=3,
                monitored=False,
            )
            port = f"Te0/{len(reg.rings) + 1}/{0 if side == 'a' else 1}"
            self.check(
                link,
                "zabbix",
                f"Interface {port}(ring {tag}): Link down",
                AV,
                "3",
                "zabbix-trap",
                host_node=self.nodes[agg],
                claim=True,
                text=f"Interface {port} ring {tag} down",
            )
            if self.rng.random() < 0.5:
                self.check(
                    link,
                    "nagios",
                    f"Interface {port} ring {tag}",
                    AV,
                    "CRITICAL",
                    "nagios",
                    host_node=self.nodes[agg],
                    claim=True,
                )
            sides.append(link.id)
        reg.rings.append((sides[0], sides[1]))
        for i in range(self.rng.randint(2, 3)):
            self._access(
                reg, net, f"olt-r{tag}{chr(97 + i)}", "olt", [(sides[0], sides[1])], reg.aggs[0]
            )

    def _cabinet_group(self, reg: Region, net: str, tag: str, span_tag: str) -> None:
        agg = self._agg_for_span(reg)
        span = self.add(
            f"span-{span_tag}", "link", "field-ops", reg.code, deps=[agg], crit=3, monitored=False
        )
        reg.spans.append(span.id)
        feed = self.add(f"pwr-cab-{tag}", "power", "field-ops", reg.code, crit=3, monitored=False)
        children = []
        if self.rng.random() < 0.6:
            ctl = self.add(
                f"cab-{tag}",
                "cabinet",
                "field-ops",
                reg.code,
                deps=[feed.id, span.id],
                crit=4,
                ip_net=net,
            )
            self.check(
                ctl, "zabbix", "Unavailable by ICMP ping", AV, "4", "zabbix", observer=reg.proxy
            )
            self.check(
                ctl, "zabbix", "Cabinet temperature high", NOISE, "2", "zabbix", observer=reg.proxy
            )
            children.append(ctl.id)
        for i in range(2):
            children.append(
                self._access(
                    reg, net, f"dslam-c{tag}{chr(97 + i)}", "dslam", [feed.id, span.id], agg
                ).id
            )
        # The span also feeds an access node outside the cabinet.
        self._access(reg, net, f"olt-s{span_tag}", "olt", [span.id], agg)
        reg.cabinets.append((feed.id, children))

    def _mast(self, reg: Region, net: str, tag: str) -> None:
        mains = self.add(f"mains-{tag}", "power", "field-ops", reg.code, crit=3, monitored=False)
        batt = self.add(f"batt-{tag}", "power", "field-ops", reg.code, crit=3, monitored=False)
        if reg.spans and self.rng.random() < 0.5:
            path: str | tuple[str, ...] = self.rng.choice(reg.spans)
            upstream = self.nodes[str(path)].depends_on[0]
        elif reg.rings:
            path = self.rng.choice(reg.rings)
            upstream = reg.aggs[0]
        else:
            agg = self._agg_for_span(reg)
            span = self.add(
                f"span-m{tag}", "link", "field-ops", reg.code, deps=[agg], crit=3, monitored=False
            )
            reg.spans.append(span.id)
            path, upstream = span.id, agg
        csr = self._access(
            reg, net, f"csr-{tag}", "csr", [path, (mains.id, batt.id)], str(upstream)
        )
        watched = "mains" if self.rng.random() < 0.5 else "batt"
        if watched == "mains":
            self.check(
                mains,
                "zabbix",
                "Rectifier: mains failure",
                AV,
                "3",
                "zabbix",
                observer=reg.proxy,
                host_node=csr,
                claim=True,
                text="Mains input lost, running on battery",
            )
        else:
            self.check(
                batt,
                "zabbix",
                "Battery voltage low",
                AV,
                "4",
                "zabbix",
                observer=reg.proxy,
                host_node=csr,
                claim=True,
                text="Battery voltage 46.1 V < 47 V",
            )
        reg.masts.append((csr.id, mains.id, batt.id, watched))


def build_world(seed: int, nodes: int = 300) -> World:
    return _Builder(seed, nodes).build()


def topology_of(w: World) -> dict[str, Any]:
    out = []
    for nid in w.order:
        n = w.nodes[nid]
        d: dict[str, Any] = {"id": nid, "kind": n.kind, "team": n.team, "site": n.site}
        if n.criticality != 3:
            d["criticality"] = n.criticality
        if n.tags:
            d["tags"] = dict(n.tags)
        if n.monitored_as:
            d["monitored_as"] = list(n.monitored_as)
        if n.depends_on:
            d["depends_on"] = [
                x if isinstance(x, str) else {"any_of": list(x)} for x in n.depends_on
            ]
        out.append(d)
    return {"version": 1, "defaults": {"team": "service-desk"}, "nodes": out}


# --------------------------------------------------------------------------------------
# Faults and their realisation
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Fault:
    kind: str
    root: str | None
    region: str
    t0: float
    end: float
    # node -> (fail time, physical recovery time, mode)
    state: dict[str, tuple[float, float, str]] = field(default_factory=dict)
    forced: list[str] = field(default_factory=list)  # nodes whose own alert must be seen
    forced_checks: list[str] = field(default_factory=list)
    equivalents: tuple[str, ...] = ()
    custom_truth: bool = False  # multi-member failures: no generic identifiability check
    maintenance: bool = False
    min_subtrees: int = 0  # inferred roots: evidence under this many distinct children
    min_dependents: int = 0  # gray: evidence on this many nodes besides the root
    episodes_extra: list[Ep] = field(default_factory=list)
    noise_check: str | None = None
    flaps: int = 0
    unplaced_host: tuple[str, str, str | None] | None = None  # (tool, host, address)
    label: str = ""  # kind_of_fault override (concurrent)
    state2: dict[str, tuple[float, float, str]] = field(default_factory=dict)  # refail
    twin: Fault | None = None  # twin-cpe: the second, independent failure


@dataclass(slots=True)
class Ep:
    """One problem episode of one check."""

    check: Check
    truth: int
    start: float  # arrival of the first problem notification
    end: float | None  # arrival of the recovery
    status: str  # down | crit | warn | unknown | nodata | unreach | paused
    artifact: bool = False  # caused by a cut probe, not by the host's state
    renotify: list[float] = field(default_factory=list)
    ack: float | None = None
    later: list[tuple[float, str]] = field(default_factory=list)  # later status changes
    quiet: bool = False  # Icinga: StateChange only (notification suppressed)
    flapping: tuple[float, float] | None = None  # Nagios/Icinga flapping start/stop times


def _delay(rng: random.Random, speed: str) -> float:
    lo, hi = _DELAYS[speed]
    return rng.uniform(lo, hi)


def _propagate(
    w: World, rng: random.Random, roots: Mapping[str, tuple[float, float]], mode: str = DEAD
) -> dict[str, tuple[float, float, str]]:
    """Fail ``roots`` (node -> (fail, recover)); dependents follow with ``any_of`` semantics."""
    state: dict[str, tuple[float, float, str]] = {n: (t, e, mode) for n, (t, e) in roots.items()}
    changed = True
    while changed:
        changed = False
        for nid in w.order:
            if nid in state:
                continue
            node = w.nodes[nid]
            fail: float | None = None
            rec = 0.0
            for d in node.depends_on:
                members = [d] if isinstance(d, str) else list(d)
                if all(m in state and state[m][2] == DEAD for m in members):
                    t = max(state[m][0] for m in members)
                    e = min(state[m][1] for m in members)
                    if fail is None or t < fail:
                        fail = t
                    rec = max(rec, e)
            if fail is not None:
                lag = rng.uniform(30, 180) if node.kind == "cpe" else rng.uniform(5, 60)
                state[nid] = (fail + rng.uniform(0, 3), rec + lag, DEAD)
                changed = True
    return state


def _fires(c: Check, mode: str) -> bool:
    if c.cat in (ND, NOISE):
        return False
    if mode == DEAD:
        return c.cat in (AV, SV)
    if mode == DEGRADED:
        return c.cat == SV
    if mode == GRAY:
        return c.cat == PF
    if mode == IMPAIRED:
        return c.cat == AV and (c.name is not None or c.tool != "nagios")
    return False


def _status(c: Check, mode: str) -> str:
    if c.tool in ("nagios", "icinga") and c.name is None:
        return "down"
    if mode == GRAY or c.severity in ("2", "Warning", "WARNING", "warning"):
        return "warn"
    return "crit"


class _Sim:
    """Turns faults into episodes (per truth index), then checks identifiability."""

    def __init__(self, w: World, rng: random.Random) -> None:
        self.w = w
        self.rng = rng

    def realise(self, f: Fault, k: int) -> list[Ep] | None:
        """Episodes of fault ``f`` (truth ``k``), re-drawn until the truth is identifiable."""
        for attempt in range(40):
            miss = MISS if attempt < 30 else 0.0
            eps = self._sample(f, k, miss)
            if self._identifiable(f, eps):
                return eps
        return None

    def _sample(self, f: Fault, k: int, miss: float) -> list[Ep]:
        w, rng = self.w, self.rng
        eps: list[Ep] = []
        cut = {
            n: (t, e)
            for n, (t, e, m) in f.state.items()
            if m == DEAD and w.nodes[n].kind == "probe"
        }
        for nid in w.order:
            st = f.state.get(nid)
            if st is None:
                continue
            t_fail, t_rec, mode = st
            node = w.nodes[nid]
            for c in node.checks:
                if not _fires(c, mode):
                    continue
                if self._host_dead(f, c, t_fail):
                    continue  # the host that would report it is dead itself
                if c.observer in cut and cut[c.observer][0] <= t_fail + 200:
                    continue  # its probe is cut: artifacts below instead
                forced = c.key in f.forced_checks
                if not forced and rng.random() < miss:
                    continue
                if mode == IMPAIRED:
                    eps.extend(self._intermittent(c, k, t_fail, t_rec))
                    continue
                start = t_fail + _delay(rng, c.speed)
                end = t_rec + _delay(rng, c.speed) * rng.uniform(0.3, 1.0)
                if end <= start + 20:
                    continue
                eps.append(Ep(c, k, start, end, _status(c, mode)))
        # Observer artifacts.
        for p in sorted(cut):
            t_cut, t_back = cut[p]
            hosts_done: set[str] = set()
            for key in w.observed_by.get(p, ()):
                c = w.checks[key]
                if c.tool == "zabbix":
                    if c.host_node in hosts_done:
                        continue
                    hosts_done.add(c.host_node)
                    c = w.checks[w.nodata_of[c.host_node]]
                if rng.random() < 0.12:
                    continue
                start = t_cut + rng.uniform(60, 150 if c.tool == "zabbix" else 85)
                end = t_back + rng.uniform(15, 100)
                status = "nodata" if c.cat == ND else "unknown"
                eps.append(Ep(c, k, start, end, status, artifact=True))
        # Forced own alerts.
        for nid in f.forced:
            if any(e.check.node == nid and not e.artifact for e in eps):
                continue
            t_fail, t_rec, mode = f.state[nid]
            cands = [
                c
                for c in w.nodes[nid].checks
                if _fires(c, mode) and c.observer not in cut and not self._host_dead(f, c, t_fail)
            ]
            if not cands:
                continue
            c = rng.choice(cands)
            if mode == IMPAIRED:
                eps.extend(self._intermittent(c, k, t_fail, t_rec))
            else:
                start = t_fail + _delay(rng, c.speed)
                eps.append(Ep(c, k, start, t_rec + _delay(rng, c.speed) * 0.6, _status(c, mode)))
        eps.extend(f.episodes_extra)
        return self._tool_quirks(f, eps)

    @staticmethod
    def _host_dead(f: Fault, c: Check, t_fail: float) -> bool:
        """Whether the host that runs ``c`` (placed elsewhere) was already dead at ``t_fail``."""
        if c.host_node == c.node:
            return False
        hs = f.state.get(c.host_node)
        return hs is not None and hs[2] == DEAD and hs[0] <= t_fail + 5

    def _intermittent(self, c: Check, k: int, t0: float, t1: float) -> list[Ep]:
        out = []
        t = t0 + self.rng.uniform(30, 300)
        for _ in range(self.rng.randint(1, 3)):
            if t > t1:
                break
            dur = self.rng.uniform(70, 240)
            status = "warn" if c.cat == PF or c.severity in ("2", "Warning") else _status(c, DEAD)
            out.append(Ep(c, k, t + _delay(self.rng, c.speed) * 0.5, t + dur, status))
            t += dur + self.rng.uniform(120, 500)
        return out

    def _tool_quirks(self, f: Fault, eps: list[Ep]) -> list[Ep]:
        """Nagios UNREACHABLE / suppressed services, Icinga quiet children, PRTG pauses."""
        rng = self.rng
        host_down: dict[tuple[str, str], float] = {}
        for e in eps:
            c = e.check
            if c.tool in ("nagios", "icinga") and c.name is None and not e.artifact:
                host_down[(c.tool, c.host_node)] = min(
                    e.start, host_down.get((c.tool, c.host_node), 1e18)
                )
        prtg_down = {
            e.check.key: e.start for e in eps if e.check.tool == "prtg" and e.status == "crit"
        }
        out: list[Ep] = []
        for e in sorted(eps, key=lambda e: (e.start, e.check.key)):
            c = e.check
            if c.tool in ("nagios", "icinga") and c.name is None and c.parents:
                times = [host_down.get((c.tool, p)) for p in c.parents]
                if all(t is not None for t in times):
                    latest = max(t for t in times if t is not None)
                    if latest < e.start:
                        if c.tool == "nagios":
                            e.status = "unreach"
                        else:
                            e.quiet = True
                    elif (
                        c.tool == "nagios"
                        and e.end is not None
                        and latest < e.end
                        and rng.random() < 0.6
                    ):
                        e.later.append((latest + rng.uniform(1, 30), "unreach"))
            if c.tool in ("nagios", "icinga") and c.name is not None:
                hd = host_down.get((c.tool, c.host_node))
                if hd is not None and hd < e.start:
                    if c.tool == "nagios":
                        continue  # Nagios sends no service notification for a DOWN host
                    e.quiet = True
            if c.tool == "prtg" and c.prtg_parent is not None and e.status == "crit":
                pt = prtg_down.get(c.prtg_parent)
                if pt is not None and pt < e.start:
                    e.start = pt + rng.uniform(1, 10)
                    e.status = "paused"
                elif pt is not None and e.end is not None and pt < e.end and rng.random() < 0.5:
                    e.later.append((pt + rng.uniform(1, 10), "paused"))
            if (
                f.maintenance
                and f.root is not None
                and c.node == f.root
                and c.tool in ("nagios", "icinga")
            ):
                if c.tool == "nagios":
                    continue  # no notification during a downtime
                e.quiet = True
            out.append(e)
        return out

    # -- identifiability -----------------------------------------------------------------

    def alerting(self, f: Fault, eps: Sequence[Ep]) -> set[str]:
        """Nodes with evidence; a probe's artifacts count as evidence on the probe."""
        a: set[str] = set()
        for e in eps:
            a.add(e.check.observer if e.artifact and e.check.observer else e.check.node)
        return a

    def _identifiable(self, f: Fault, eps: Sequence[Ep]) -> bool:
        w = self.w
        if f.root is None or f.kind in ("noise", "flapping", "unplaced"):
            return bool(eps)
        if not eps:
            return False
        for nid in f.forced:
            if not any(e.check.node == nid and not e.artifact for e in eps):
                return False
        a = self.alerting(f, eps)
        if len(a - {f.root}) < f.min_dependents:
            return False
        if f.min_subtrees:
            kids = {self._child_under(f.root, n) for n in a}
            kids.discard(None)
            if len(kids) < f.min_subtrees:
                return False
        if f.custom_truth:
            return True
        root = f.root
        if not a <= w.pred(root):
            return False
        pm_root = w.pred_monitored(root)
        cands = set(a)
        for n in a:
            cands |= w.below(n)
        equivalents = []
        for x in sorted(cands):
            if x == root or not a <= w.pred(x):
                continue
            pm = w.pred_monitored(x)
            if pm < pm_root:
                return False
            if pm == pm_root:
                equivalents.append(x)
        f.equivalents = tuple(equivalents)
        return True

    def _child_under(self, root: str, n: str) -> str | None:
        """The direct dependent of ``root`` through which ``n`` depends on it."""
        w = self.w
        for up in w.dependents.get(root, ()):
            if n == up or up in w.below(n) | {n}:
                return up
        return None


# --------------------------------------------------------------------------------------
# Fault pickers
# --------------------------------------------------------------------------------------


class _Picker:
    def __init__(self, w: World, rng: random.Random) -> None:
        self.w = w
        self.rng = rng

    def dur(self, lo: float = 900, hi: float = 3000) -> float:
        return self.rng.uniform(lo, hi)

    def region(self, allowed: Sequence[str] | None) -> Region:
        regs = [r for r in self.w.regions if allowed is None or r.code in allowed]
        return self.rng.choice(regs)

    def pick(self, kind: str, t0: float, allowed: Sequence[str] | None) -> Fault | None:
        w, rng = self.w, self.rng
        central = kind in ("core-one", "svc-degradation")
        if central and allowed is not None and "dc" not in allowed:
            return None
        reg = None if central else self.region(allowed)
        if reg is None and not central:
            return None
        d = self.dur()
        if kind in ("access-dead", "refail"):
            assert reg is not None
            nid = rng.choice(reg.access)
            f = Fault(kind, nid, reg.code, t0, t0 + d)
            if kind == "refail":
                d1 = rng.uniform(480, 1200)
                f.end = t0 + d1
                f.state = _propagate(w, rng, {nid: (t0, t0 + d1)})
                # Second failure: 2-8 minutes after everything of the first has cleared.
                last = max(e for _, e, _ in f.state.values()) + 120
                t2 = last + rng.uniform(120, 480)
                f.state2 = _propagate(w, rng, {nid: (t2, t2 + rng.uniform(600, 1800))})
            else:
                f.state = _propagate(w, rng, {nid: (t0, t0 + d)})
            f.forced = [nid]
            return f
        if kind == "span-cut":
            assert reg is not None
            spans = [s for s in reg.spans if len(w.dependents.get(s, ())) >= 2]
            if not spans:
                return None
            s = rng.choice(spans)
            f = Fault(kind, s, reg.code, t0, t0 + d, min_subtrees=2)
            f.state = _propagate(w, rng, {s: (t0, t0 + d)})
            return f
        if kind == "cabinet-power":
            assert reg is not None
            if not reg.cabinets:
                return None
            feed, _children = rng.choice(reg.cabinets)
            f = Fault(kind, feed, reg.code, t0, t0 + d, min_subtrees=2)
            f.state = _propagate(w, rng, {feed: (t0, t0 + d)})
            return f
        if kind in ("ring-one-side", "ring-both"):
            assert reg is not None
            if not reg.rings:
                return None
            ring = rng.choice(reg.rings)
            first, second = ring if rng.random() < 0.5 else (ring[1], ring[0])
            f = Fault(kind, first, reg.code, t0, t0 + d)
            f.forced_checks = [c.key for c in w.nodes[first].checks if c.tool == "zabbix"]
            f.forced = [first]
            if kind == "ring-one-side":
                f.state = _propagate(w, rng, {first: (t0, t0 + d)})
                return f
            t2 = t0 + rng.uniform(120, 720)
            f.state = _propagate(
                w, rng, {first: (t0, t0 + d), second: (t2, t0 + d - rng.uniform(0, 200))}
            )
            f.forced_checks += [c.key for c in w.nodes[second].checks if c.tool == "zabbix"]
            f.forced.append(second)
            f.custom_truth = True
            return f
        if kind in ("agg-lost", "gray-agg"):
            assert reg is not None
            agg = rng.choice(reg.aggs)
            f = Fault(kind, agg, reg.code, t0, t0 + d)
            f.forced = [agg]
            if kind == "agg-lost":
                f.state = _propagate(w, rng, {agg: (t0, t0 + d)})
                return f
            f.state = {agg: (t0, t0 + d, GRAY)}
            # Dependents that can show it: monitored, not a link whose own trigger runs on
            # the degraded router (a ring side's "Link down" is not a timeout).
            single = [
                n for n in self._single_path(agg) if w.monitored(n) and w.nodes[n].kind != "link"
            ]
            if len(single) < 3:
                return None
            rng.shuffle(single)
            for n in sorted(single[: max(4, int(len(single) * rng.uniform(0.3, 0.6)))]):
                f.state[n] = (t0 + rng.uniform(0, 240), t0 + d, IMPAIRED)
            f.min_dependents = 2
            return f
        if kind == "core-one":
            core = rng.choice(["core-1", "core-2"])
            f = Fault(kind, core, "dc", t0, t0 + d)
            f.forced = [core]
            f.state = _propagate(w, rng, {core: (t0, t0 + d)})
            return f
        if kind == "probe-cut":
            assert reg is not None
            probe, uplink = (
                (reg.prtg, reg.prtg_uplink) if rng.random() < 0.5 else (reg.proxy, reg.proxy_uplink)
            )
            cause = uplink if rng.random() < 0.7 else probe
            f = Fault(kind, probe, reg.code, t0, t0 + d)
            f.forced = [probe]
            f.state = _propagate(w, rng, {cause: (t0, t0 + d)})
            return f
        if kind == "mast-power":
            assert reg is not None
            if not reg.masts:
                return None
            csr, mains, batt, watched = rng.choice(reg.masts)
            runtime = rng.uniform(480, 1800)
            t_b = t0 + runtime
            f = Fault(kind, mains, reg.code, t0, t_b + d)
            f.state = _propagate(w, rng, {mains: (t0, t_b + d), batt: (t_b, t_b + d - 60)})
            f.forced = [mains if watched == "mains" else batt]
            if watched == "batt":
                f.equivalents = (batt,)
                # The low-voltage alarm comes a few minutes before the router dies.
                f.state[batt] = (t_b - rng.uniform(120, 400), t_b + d - 60, DEAD)
            f.custom_truth = True
            del csr
            return f
        if kind == "twin-cpe":
            assert reg is not None
            cands = [a for a in reg.access if w.monitored(a) and len(w.cpes_of.get(a, [])) >= 5]
            if not cands:
                return None
            acc = rng.choice(cands)
            a, b = rng.sample(w.cpes_of[acc], 2)
            f = Fault(kind, a, reg.code, t0, t0 + d)
            f.forced = [a]
            f.state = {a: (t0, t0 + d, DEAD)}
            tw = Fault(kind, b, reg.code, t0 + rng.uniform(5, 60), t0 + d + rng.uniform(-300, 300))
            f.twin = tw
            tw.forced = [b]
            tw.state = {b: (tw.t0, tw.end, DEAD)}
            return f
        if kind == "svc-degradation":
            svc = rng.choice(["dns-svc", "aaa-svc"])
            f = Fault(kind, svc, "dc", t0, t0 + rng.uniform(900, 2400))
            f.forced = [svc]
            f.state = {svc: (t0, f.end, DEGRADED)}
            callers = self._callers(svc)
            for c in callers:
                f.state[c] = (t0 + rng.uniform(0, 10), f.end + rng.uniform(0, 60), DEGRADED)
            # The service's own check is the slow one: callers' errors come first.
            f.forced_checks = []
            return f
        return None

    def _single_path(self, root: str) -> list[str]:
        """Dependents of ``root`` reached through plain ``depends_on`` only."""
        w = self.w
        out: list[str] = []
        stack = [root]
        seen = {root}
        while stack:
            n = stack.pop()
            for up in w.dependents.get(n, ()):
                node = w.nodes[up]
                plain = any(d == n for d in node.depends_on if isinstance(d, str))
                if (
                    plain
                    and up not in seen
                    and node.kind not in ("service", "probe", "application")
                ):
                    seen.add(up)
                    out.append(up)
                    stack.append(up)
        return sorted(out)

    def _callers(self, svc: str) -> list[str]:
        w = self.w
        out = []
        for up in sorted(w.dependents.get(svc, ())):
            if w.nodes[up].kind == "application" and w.monitored(up):
                out.append(up)
        for up in list(out):
            for up2 in sorted(w.dependents.get(up, ())):
                if w.nodes[up2].kind == "application" and w.monitored(up2) and up2 not in out:
                    out.append(up2)
        if svc == "aaa-svc":
            sess = [o for o in out if o.startswith("sess-")]
            keep = set(self.rng.sample(sess, min(len(sess), self.rng.randint(1, 3))))
            out = [o for o in out if not o.startswith("sess-") or o in keep]
        return out

    # -- background ----------------------------------------------------------------------

    def noise(self, t0: float, exclude: set[str]) -> Fault | None:
        w, rng = self.w, self.rng
        cands = [
            (nid, c)
            for nid in w.order
            if nid not in exclude
            for c in w.nodes[nid].checks
            if c.cat in (NOISE, PF) and c.host_node == nid
        ]
        if not cands:
            return None
        nid, c = rng.choice(cands)
        d = rng.uniform(300, 2400)
        f = Fault("noise", nid, w.nodes[nid].region, t0, t0 + d)
        f.episodes_extra = [Ep(c, -1, t0 + _delay(rng, c.speed), t0 + d, "warn")]
        return f

    def flapping(self, t0: float, exclude: set[str]) -> Fault | None:
        w, rng = self.w, self.rng
        cands = [
            (nid, c)
            for nid in w.order
            if nid not in exclude
            for c in w.nodes[nid].checks
            if c.tool in ("zabbix", "prtg", "icinga", "nagios")
            and c.host_node == nid
            and c.cat in (AV, PF)
            and (w.nodes[nid].kind == "cpe" or c.cat == PF)
            and c.observer is None
        ]
        if not cands:
            return None
        nid, c = rng.choice(cands)
        t = t0
        eps: list[Ep] = []
        n = rng.randint(4, 6)
        for _ in range(n):
            up = rng.uniform(60, 240)
            dn = rng.uniform(60, 200)
            eps.append(Ep(c, -1, t, t + dn, "warn" if c.cat == PF else _status(c, DEAD)))
            t += dn + up
        f = Fault("flapping", nid, w.nodes[nid].region, t0, t)
        f.episodes_extra = eps
        return f

    def maintenance(self, t0: float, allowed: Sequence[str] | None) -> Fault | None:
        w, rng = self.w, self.rng
        reg = self.region(allowed)
        if rng.random() < 0.5:
            cands = [
                a
                for a in reg.access
                if any(c.tool in ("nagios", "icinga") and c.name is None for c in w.nodes[a].checks)
            ]
        else:
            cands = [
                a
                for a in reg.aggs[:2]
                if any(c.tool in ("nagios", "icinga") and c.name is None for c in w.nodes[a].checks)
            ]
        if not cands:
            return None
        nid = rng.choice(cands)
        d = rng.uniform(600, 1800)
        f = Fault("maintenance", nid, reg.code, t0, t0 + d, maintenance=True)
        f.forced = [nid]
        f.forced_checks = [
            c.key for c in w.nodes[nid].checks if c.tool == "zabbix" and c.cat == AV
        ][:1]
        if nid in reg.aggs[:2]:
            # Planned work on a dual-homed router: its single-homed traffic is moved first, so
            # only its own alerts fire.
            f.state = {nid: (t0, t0 + d, DEAD)}
        else:
            f.state = _propagate(w, rng, {nid: (t0, t0 + d)})
        return f

    def unplaced(self, t0: float) -> Fault:
        rng = self.rng
        tool = rng.choice(["zabbix", "prtg", "nagios"])
        host = rng.choice(["lab-olt-0", "test-cpe-", "olt-tst-", "staging-bng-", "192.0.2."]) + str(
            rng.randint(2, 250)
        )
        f = Fault("unplaced", None, "?", t0, t0 + rng.uniform(300, 1800))
        f.unplaced_host = (tool, host, host if host.startswith("192.") else None)
        return f


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Raw:
    at: float
    order: int
    source: str
    payload: dict[str, Any]
    truths: tuple[int, ...]  # truths this line is a problem event of
    observer: str | None = None


class _Renderer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.raws: list[_Raw] = []
        self.n = 0
        self.zbx_event = 880000
        self.nagios_pid = 41000
        self.am_changes: list[tuple[float, int, Check, bool, int, float]] = []

    def _add(
        self,
        at: float,
        source: str,
        payload: dict[str, Any],
        truths: tuple[int, ...],
        observer: str | None = None,
    ) -> None:
        self.n += 1
        self.raws.append(_Raw(round(at, 3), self.n, source, payload, truths, observer))

    # Each episode becomes a sequence of notifications of its tool.
    def episode(self, e: Ep, horizon: float) -> None:
        c = e.check
        end = e.end if e.end is not None and e.end < horizon else None
        if c.tool == "zabbix":
            self._zabbix(e, end)
        elif c.tool == "nagios":
            self._nagios(e, end)
        elif c.tool == "icinga":
            self._icinga(e, end)
        elif c.tool == "prtg":
            self._prtg(e, end)
        else:
            t = (e.truth,)
            self.am_changes.append((e.start, self.n, c, True, t[0], e.start))
            self.n += 1
            if end is not None:
                self.am_changes.append((end, self.n, c, False, t[0], e.start))
                self.n += 1

    def _zabbix(self, e: Ep, end: float | None) -> None:
        c, rng = e.check, self.rng
        self.zbx_event += rng.randint(1, 40)
        eid = str(self.zbx_event)
        sev = c.severity
        name = c.name or ""
        if e.status == "nodata":
            sev = "2"

        def body(
            at: float,
            value: str,
            update: str = "0",
            ack: str = "No",
            rec: str = "{EVENT.RECOVERY.ID}",
        ) -> dict[str, Any]:
            ts = datetime.fromtimestamp(e.start - rng.uniform(1, 4), UTC)
            return {
                "event_id": eid,
                "event_value": value,
                "event_update_status": update,
                "event_ack": ack,
                "event_severity": sev,
                "event_name": name if not c.text else f"{name}",
                "event_tags": json.dumps(
                    [
                        {
                            "tag": "scope",
                            "value": "availability" if c.cat in (AV, ND) else "performance",
                        }
                    ],
                    separators=(",", ":"),
                ),
                "event_date": ts.strftime("%Y.%m.%d"),
                "event_time": ts.strftime("%H:%M:%S"),
                "recovery_id": rec,
                "host": c.host,
                "host_name": c.host_node,
                "host_ip": c.address or "",
                "trigger_id": str(c.ident),
                "trigger_name": name,
                "proxy": c.observer_text,
            }

        t = (e.truth,)
        self._add(e.start, "zabbix", body(e.start, "1"), t)
        for r in e.renotify:
            if end is None or r < end:
                self._add(r, "zabbix", body(r, "1"), t)
        if e.ack is not None and (end is None or e.ack < end):
            self._add(e.ack, "zabbix", body(e.ack, "1", "1", "Yes"), ())
        if end is not None:
            self.zbx_event += rng.randint(1, 40)
            self._add(end, "zabbix", body(end, "0", rec=str(self.zbx_event)), ())

    def _nagios(self, e: Ep, end: float | None) -> None:
        c, rng = e.check, self.rng
        self.nagios_pid += rng.randint(1, 9)
        pid = str(self.nagios_pid)
        host = c.name is None
        obs = None

        def macros(at: float, ntype: str, state: str, pid_now: str, last: str) -> dict[str, Any]:
            m: dict[str, Any] = {
                "NOTIFICATIONTYPE": ntype,
                "HOSTNAME": c.host,
                "TIMET": str(int(at - rng.uniform(0, 2))),
            }
            if c.address:
                m["HOSTADDRESS"] = c.address
            if host:
                m.update(
                    HOSTSTATE=state,
                    HOSTSTATETYPE="HARD",
                    HOSTOUTPUT=(
                        f"CRITICAL - Host Unreachable ({c.address})"
                        if state in ("DOWN", "UNREACHABLE")
                        else "PING OK - Packet loss = 0%, RTA = 1.20 ms"
                    ),
                    HOSTPROBLEMID=pid_now,
                    LASTHOSTPROBLEMID=last,
                )
            else:
                m.update(
                    SERVICEDESC=c.name,
                    SERVICESTATE=state,
                    SERVICESTATETYPE="HARD",
                    SERVICEOUTPUT=c.text or f"{c.name} {state}",
                    SERVICEPROBLEMID=pid_now,
                    LASTSERVICEPROBLEMID=last,
                    HOSTSTATE="UP",
                )
            return m

        bad = {"down": "DOWN", "unreach": "UNREACHABLE", "warn": "WARNING", "crit": "CRITICAL"}.get(
            e.status, "CRITICAL"
        )
        if host and bad not in ("DOWN", "UNREACHABLE"):
            bad = "DOWN"
        if not host and bad in ("DOWN", "UNREACHABLE"):
            bad = "CRITICAL"
        t = (e.truth,)
        flap_from, flap_to = e.flapping or (1e18, 1e18)
        if e.start < flap_from:
            self._add(e.start, "nagios", macros(e.start, "PROBLEM", bad, pid, "0"), t, obs)
        for at, what in e.later:
            if what == "unreach" and host and bad == "DOWN" and (end is None or at < end):
                self._add(at, "nagios", macros(at, "PROBLEM", "UNREACHABLE", "0", pid), t, obs)
        for r in e.renotify:
            if (end is None or r < end) and e.start < flap_from:
                self._add(r, "nagios", macros(r, "PROBLEM", bad, pid, "0"), t, obs)
        if e.ack is not None and (end is None or e.ack < end):
            m = macros(e.ack, "ACKNOWLEDGEMENT", bad, pid, "0")
            m.update(NOTIFICATIONAUTHOR="noc-oncall", NOTIFICATIONCOMMENT="looking into it")
            self._add(e.ack, "nagios", m, (), obs)
        if end is not None and not (flap_from <= end <= flap_to):
            if host:
                self._add(end, "nagios", macros(end, "RECOVERY", "UP", "0", pid), (), obs)
            else:
                self._add(end, "nagios", macros(end, "RECOVERY", "OK", pid, "0"), (), obs)

    def _icinga(self, e: Ep, end: float | None) -> None:
        c, rng = e.check, self.rng
        host = c.name is None
        state = 1 if host else {"warn": 1, "crit": 2, "unknown": 3}.get(e.status, 2)
        output = (
            f"CRITICAL - Host Unreachable ({c.address})"
            if host
            else (c.text or f"{c.name} CRITICAL")
        )

        def state_change(at: float, st: int, out: str, *, reachable: bool) -> dict[str, Any]:
            d: dict[str, Any] = {
                "type": "StateChange",
                "host": c.host,
                "state": st,
                "state_type": 1,
                "timestamp": round(at - rng.uniform(0.02, 5), 3),
                "acknowledgement": False,
                "downtime_depth": 0,
                "check_result": {
                    "output": out,
                    "state": (2 if st else 0) if host else st,
                    "exit_status": 0,
                    "vars_after": {
                        "attempt": 1,
                        "reachable": reachable,
                        "state": st,
                        "state_type": 1,
                    },
                },
            }
            if not host:
                d["service"] = c.name
            return d

        def notification(at: float, ntype: str, st: int, out: str) -> dict[str, Any]:
            d: dict[str, Any] = {
                "type": "Notification",
                "host": c.host,
                "notification_type": ntype,
                "timestamp": round(at - rng.uniform(0.02, 5), 3),
                "users": ["noc"],
                "command": "correlator-notify",
                "author": "",
                "text": "",
                "check_result": {"output": out, "state": (2 if st else 0) if host else st},
            }
            if not host:
                d["service"] = c.name
            return d

        t = (e.truth,)
        obs = "icinga-master"
        self._add(
            e.start, "icinga", state_change(e.start, state, output, reachable=not e.quiet), t, obs
        )
        flap_from = e.flapping[0] if e.flapping else 1e18
        if not e.quiet and e.start < flap_from:
            self._add(
                e.start + rng.uniform(0.05, 0.5),
                "icinga",
                notification(e.start, "Problem", state, output),
                t,
                obs,
            )
        if e.ack is not None and (end is None or e.ack < end):
            ack: dict[str, Any] = {
                "type": "AcknowledgementSet",
                "host": c.host,
                "author": "noc-oncall",
                "comment": "on it",
                "acknowledgement_type": 1,
                "state": state,
                "state_type": 1,
                "timestamp": round(e.ack, 3),
            }
            if not host:
                ack["service"] = c.name
            self._add(e.ack, "icinga", ack, (), obs)
        if end is not None:
            self._add(end, "icinga", state_change(end, 0, "OK", reachable=True), (), obs)
            if not e.quiet and e.start < flap_from:
                self._add(
                    end + rng.uniform(0.05, 0.5),
                    "icinga",
                    notification(end, "Recovery", 0, "OK"),
                    (),
                    obs,
                )

    def _prtg(self, e: Ep, end: float | None) -> None:
        c, rng = e.check, self.rng

        def form(at: float, status: str, message: str) -> dict[str, Any]:
            ts = datetime.fromtimestamp(at - rng.uniform(0, 3), UTC)
            return {
                "device": c.host,
                "deviceid": str(c.device_id),
                "sensor": c.name or "Ping",
                "sensorid": str(c.ident),
                "status": status,
                "down": f"{int(max(0, at - e.start))} s",
                "message": message,
                "datetime": ts.strftime("%m/%d/%Y %I:%M:%S %p"),
                "priority": "****" if c.cat == AV else "***",
                "group": c.group or "Access",
                "probe": c.observer_text,
                "host": c.address or c.host,
                "home": "https://prtg.example-isp.net/",
                "lastvalue": "No data" if status != "Up" else "3 msec",
            }

        status = {
            "crit": "Down",
            "down": "Down",
            "warn": "Warning",
            "unknown": "Unknown",
            "paused": "Paused by Dependency",
        }.get(e.status, "Down")
        msg = {
            "Unknown": "No data from probe (probe disconnected)",
            "Paused by Dependency": "Paused by dependency",
            "Warning": "Packet loss 12%",
        }.get(status, c.text or "Destination host unreachable (ICMP error # 11003)")
        t = (e.truth,)
        self._add(e.start, "prtg", form(e.start, status, msg), t)
        current = status
        for at, what in e.later:
            if what == "paused" and (end is None or at < end):
                self._add(at, "prtg", form(at, "Paused by Dependency", "Paused by dependency"), t)
                current = "Paused by Dependency"
        for r in e.renotify:
            if end is None or r < end:
                self._add(r, "prtg", form(r, current, msg), t)
        if e.ack is not None and (end is None or e.ack < end) and current == "Down":
            self._add(e.ack, "prtg", form(e.ack, "Down (Acknowledged)", "Acknowledged: on it"), ())
        if end is not None:
            self._add(end, "prtg", form(end, f"{current} ended (now: Up)", "OK"), ())

    def alertmanager(self) -> None:
        """Batch Alertmanager changes by alertname: group_wait 30 s, group_interval 60 s."""
        rng = self.rng
        groups: dict[str, list[tuple[float, int, Check, bool, int, float]]] = {}
        for ch in sorted(self.am_changes, key=lambda x: (x[0], x[1])):
            groups.setdefault(ch[2].name or "", []).append(ch)
        for name in sorted(groups):
            changes = groups[name]
            firing: dict[str, tuple[Check, int, float]] = {}
            resolved: dict[str, tuple[Check, int, float, float]] = {}
            last_flush = -1e18
            i = 0
            while i < len(changes):
                t = changes[i][0]
                flush = (
                    t + AM_GROUP_WAIT
                    if t - last_flush > 3600 and not firing
                    else max(t, last_flush + AM_GROUP_INTERVAL)
                )
                while i < len(changes) and changes[i][0] <= flush:
                    _, _, c, fire, truth, started = changes[i]
                    if fire:
                        firing[c.key] = (c, truth, started)
                        resolved.pop(c.key, None)
                    elif c.key in firing:
                        del firing[c.key]
                        resolved[c.key] = (c, truth, started, changes[i][0])
                    i += 1
                alerts = []
                truths: list[int] = []
                for key in sorted(firing):
                    c, truth, started = firing[key]
                    alerts.append(self._am_alert(c, "firing", started, None))
                    if truth not in truths:
                        truths.append(truth)
                for key in sorted(resolved):
                    c, truth, started, ended = resolved[key]
                    alerts.append(self._am_alert(c, "resolved", started, ended))
                resolved = {}
                if alerts:
                    status = "firing" if firing else "resolved"
                    body = {
                        "version": "4",
                        "groupKey": f'{{}}:{{alertname="{name}"}}',
                        "truncatedAlerts": 0,
                        "status": status,
                        "receiver": "correlator",
                        "groupLabels": {"alertname": name},
                        "commonLabels": {"alertname": name, "prometheus": "prom-dc1"},
                        "commonAnnotations": {},
                        "externalURL": "http://alertmanager.dc1.example-isp.net:9093",
                        "alerts": alerts,
                    }
                    self._add(
                        flush + rng.uniform(0.05, 1.5), "alertmanager", body, tuple(sorted(truths))
                    )
                last_flush = flush

    def _am_alert(
        self, c: Check, status: str, started: float, ended: float | None
    ) -> dict[str, Any]:
        port = {"snmp": "9116", "blackbox": "9115", "node": "9100"}.get(c.group, "8080")
        inst = f"{c.host}:{port}"
        sev = c.severity
        labels = {
            "alertname": c.name or "",
            "instance": inst,
            "job": c.group or "app",
            "severity": sev,
            "prometheus": "prom-dc1",
        }
        fp = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
        return {
            "status": status,
            "labels": labels,
            "annotations": {"summary": f"{c.name} on {c.host}"},
            "startsAt": _iso(started - 30),
            "endsAt": _iso(ended) if ended is not None else "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.dc1.example-isp.net:9090/graph",
            "fingerprint": fp,
        }

    def notice(
        self, at: float, source: str, payload: dict[str, Any], observer: str | None = None
    ) -> None:
        self._add(at, source, payload, (), observer)


# --------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    fault: Fault
    eps: list[Ep]
    truth: int


class _Composer:
    """Places faults on a timeline, realises them and renders the scenario."""

    def __init__(self, w: World, rng: random.Random, seed: int, horizon: float) -> None:
        self.w = w
        self.rng = rng
        self.seed = seed
        self.horizon = horizon
        self.sim = _Sim(w, rng)
        self.pick = _Picker(w, rng)
        self.items: list[_Item] = []
        self.truth_meta: list[tuple[Fault, str]] = []  # (fault, kind label)

    # Which nodes and regions an item occupies (for placement constraints).
    def _affected(self, f: Fault, eps: Sequence[Ep]) -> set[str]:
        out = set(f.state) | {e.check.node for e in eps} | {e.check.host_node for e in eps}
        if f.root:
            out.add(f.root)
        out.discard("")
        return out

    def _span(self, f: Fault, eps: Sequence[Ep]) -> tuple[float, float]:
        ends = [e.end if e.end is not None else self.horizon for e in eps]
        return (min([f.t0, *(e.start for e in eps)]), max([f.end, *ends]))

    def _conflicts(self, f: Fault, eps: Sequence[Ep], *, background: bool) -> bool:
        lo, hi = self._span(f, eps)
        mine = self._affected(f, eps)
        for it in self.items:
            olo, ohi = self._span(it.fault, it.eps)
            other = self._affected(it.fault, it.eps)
            if (
                f.root is not None
                and f.root == it.fault.root
                and not (hi + 7200 < olo or ohi + 7200 < lo)
            ):
                return True
            if hi + 1200 < olo or ohi + 1200 < lo:
                continue
            if mine & other:
                return True
            if not background and it.fault.kind not in (
                "noise",
                "flapping",
                "unplaced",
                "maintenance",
            ):
                regions = {f.region} | self._regions(mine)
                oregions = {it.fault.region} | self._regions(other)
                if regions & oregions - {"?"}:
                    return True
            # Nothing below an inferred or twin fault, nothing on a cut probe's hosts.
            for a, b, ea in ((f, it.fault, eps), (it.fault, f, it.eps)):
                if a.kind in (
                    "span-cut",
                    "cabinet-power",
                    "twin-cpe",
                    "mast-power",
                    "gray-agg",
                ) or (a.label == "concurrent"):
                    below: set[str] = set()
                    for n in self._affected(a, ea):
                        below |= self.w.below(n)
                    if b.root in below or (self._affected(b, []) & below):
                        return True
                watched = {e.check.node for e in ea if e.artifact}
                if watched & self._affected(b, []):
                    return True
        return False

    def _regions(self, nodes: Iterable[str]) -> set[str]:
        return {self.w.nodes[n].region for n in nodes if n in self.w.nodes}

    def add_fault(
        self, kind: str, t0: float, *, allowed: Sequence[str] | None = None, label: str = ""
    ) -> bool:
        for _ in range(12):
            f = self.pick.pick(kind, t0, allowed)
            if f is None:
                return False
            f.label = label
            k = len(self.truth_meta)
            if kind == "refail":
                ok = self._refail(f, k)
                if ok:
                    return True
                continue
            eps = self.sim.realise(f, k)
            if eps is None or self._conflicts(f, eps, background=False):
                continue
            twin = f.twin
            if twin is not None:
                eps2 = self.sim.realise(twin, k + 1)
                if eps2 is None or self._conflicts(twin, eps2, background=False):
                    continue
                self._commit(f, eps, label or kind)
                twin.label = label
                self._commit(twin, eps2, label or kind)
                return True
            self._commit(f, eps, label or kind)
            return True
        return False

    def _refail(self, f: Fault, k: int) -> bool:
        eps1 = self.sim.realise(f, k)
        if eps1 is None:
            return False
        second = Fault("refail", f.root, f.region, 0, 0)
        second.state = f.state2
        second.forced = list(f.forced)
        second.t0 = min(t for t, _, _ in second.state.values())
        second.end = max(e for _, e, _ in second.state.values())
        last_clear = max((e.end or self.horizon) for e in eps1)
        gap = second.t0 - last_clear
        if gap < 100:
            shift = 100 - gap + self.rng.uniform(20, 300)
            second.state = {n: (a + shift, b + shift, m) for n, (a, b, m) in second.state.items()}
            second.t0 += shift
            second.end += shift
        eps2 = self.sim.realise(second, k)
        if eps2 is None:
            return False
        # No episode of the first failure may still be open when the second begins.
        if min(e.start for e in eps2) <= last_clear:
            return False
        f.end = second.end
        eps = eps1 + eps2
        if self._conflicts(f, eps, background=False):
            return False
        self._commit(f, eps, "refail")
        return True

    def _commit(self, f: Fault, eps: list[Ep], label: str) -> None:
        k = len(self.truth_meta)
        for e in eps:
            e.truth = k
        self.items.append(_Item(f, eps, k))
        self.truth_meta.append((f, label))

    def add_background(self, kind: str, t0: float) -> bool:
        for _ in range(20):
            exclude: set[str] = set()
            if kind == "noise":
                f = self.pick.noise(t0, exclude)
            elif kind == "flapping":
                f = self.pick.flapping(t0, exclude)
            elif kind == "maintenance":
                f = self.pick.maintenance(t0, None)
            else:
                f = self.pick.unplaced(t0)
            if f is None:
                return False
            k = len(self.truth_meta)
            if kind == "unplaced":
                eps = self._unplaced_eps(f, k)
            else:
                got = self.sim.realise(f, k)
                if got is None:
                    continue
                eps = got
            if kind == "maintenance":
                if self._conflicts(f, eps, background=False):
                    continue
            elif self._conflicts(f, eps, background=True):
                continue
            self._commit(f, eps, kind)
            return True
        return False

    def _unplaced_eps(self, f: Fault, k: int) -> list[Ep]:
        assert f.unplaced_host is not None
        tool, host, addr = f.unplaced_host
        rng = self.rng
        eps = []
        by_tool: dict[str, list[str | None]] = {
            "zabbix": ["Unavailable by ICMP ping", "High CPU utilization"],
            "prtg": ["Ping", "SNMP Traffic"],
            "nagios": [None, "SSH"],
        }
        names = by_tool[tool]
        for j, name in enumerate(names[: rng.randint(1, 2)]):
            c = Check(
                key=f"unplaced:{host}:{j}:{k}",
                node="",
                host_node="",
                tool=tool,
                host=host,
                address=addr,
                name=name,
                cat=AV,
                severity="4" if tool == "zabbix" else ("Down" if tool == "prtg" else "CRITICAL"),
                speed=tool if tool != "zabbix" else "zabbix",
                observer=None,
                observer_text="Local Probe" if tool == "prtg" else "",
                ident=900000 + k * 10 + j,
                device_id=9000 + k,
            )
            start = f.t0 + rng.uniform(5, 90)
            eps.append(
                Ep(c, k, start, f.end + rng.uniform(0, 60), "down" if name is None else "crit")
            )
        return eps

    # -- extras: re-notifications, acknowledgements, flapping notices ----------------------

    def _extras(self) -> None:
        rng = self.rng
        for it in self.items:
            f = it.fault
            firsts = sorted(it.eps, key=lambda e: e.start)
            for e in it.eps:
                dur = (e.end or self.horizon) - e.start
                if e.check.tool == "nagios" and dur > 1800 and rng.random() < 0.6:
                    t = e.start + 1800
                    while t < (e.end or self.horizon) - 5:
                        e.renotify.append(t + rng.uniform(0, 20))
                        t += 1800
                if e.check.tool == "zabbix" and dur > 900 and rng.random() < 0.35:
                    e.renotify.append(e.start + rng.uniform(600, min(dur - 5, 1500)))
                if e.check.tool == "prtg" and dur > 1200 and rng.random() < 0.2:
                    e.renotify.append(e.start + rng.uniform(900, dur - 5))
            if f.kind in ("noise", "flapping", "unplaced") or not firsts:
                continue
            if rng.random() < 0.6:
                own = [e for e in firsts if e.check.node == f.root and not e.artifact] or firsts
                e = own[0]
                if e.check.tool != "alertmanager":
                    e.ack = e.start + rng.uniform(120, 600)
            if f.kind == "flapping":
                continue
        for it in self.items:
            if it.fault.kind != "flapping":
                continue
            eps = sorted(it.eps, key=lambda e: e.start)
            tool = eps[0].check.tool
            if tool in ("nagios", "icinga") and len(eps) >= 4:
                flap_from = eps[2].start - 1
                flap_to = (eps[-1].end or self.horizon) + 1
                for e in eps:
                    e.flapping = (flap_from, flap_to)

    # -- output ----------------------------------------------------------------------------

    def render(self) -> tuple[list[dict[str, Any]], list[TrueIncident], dict[str, Any]]:
        self._extras()
        r = _Renderer(self.rng)
        for it in self.items:
            for e in sorted(it.eps, key=lambda e: (e.start, e.check.key)):
                if e.start >= self.horizon:
                    continue
                r.episode(e, self.horizon)
            self._notices(r, it)
        r.alertmanager()
        raws = sorted((x for x in r.raws if x.at < self.horizon), key=lambda x: (x.at, x.order))
        lines: list[dict[str, Any]] = []
        events: dict[int, list[str]] = {}
        for n, x in enumerate(raws, start=1):
            line: dict[str, Any] = {
                "at": x.at,
                "source": x.source,
                "id": f"d{n}",
                "payload": x.payload,
            }
            if x.observer is not None:
                line["observer"] = x.observer
            lines.append(line)
            for t in x.truths:
                events.setdefault(t, []).append(line["id"])
        truth: list[TrueIncident] = []
        for k, (f, label) in enumerate(self.truth_meta):
            ev = tuple(events.get(k, ()))
            if not ev:
                continue
            eps = self.items[k].eps
            on = sorted({e.check.node for e in eps if e.check.node and e.start < self.horizon})
            inferred = f.root is not None and f.root not in on
            watched: tuple[str, ...] = ()
            if f.kind == "probe-cut" and f.root is not None:
                watched = tuple(
                    sorted(
                        {self.w.checks[key].host_node for key in self.w.observed_by.get(f.root, ())}
                    )
                )
            truth.append(
                TrueIncident(
                    root=f.root,
                    inferred=inferred,
                    event_ids=ev,
                    kind_of_fault=label,
                    equivalent_roots=tuple(x for x in f.equivalents if x != f.root),
                    site=None if f.root is None else self.w.nodes[f.root].site,
                    started_at=min(e.start for e in eps),
                    maintenance=f.maintenance,
                    watched=watched,
                    nodes=tuple(on),
                )
            )
        stats = {
            "nodes": len(self.w.order),
            "requested_nodes": 0,
            "lines": len(lines),
            "problem_events": len({e for t in truth for e in t.event_ids}),
            "faults": len(truth),
        }
        return lines, truth, stats

    def _notices(self, r: _Renderer, it: _Item) -> None:
        f = it.fault
        rng = self.rng
        if f.maintenance and f.root is not None:
            node = self.w.nodes[f.root]
            hc = next(c for c in node.checks if c.tool in ("nagios", "icinga") and c.name is None)
            start = f.t0 - rng.uniform(60, 600)
            end = f.end + rng.uniform(300, 900)
            if hc.tool == "nagios":
                for at, ntype in ((start, "DOWNTIMESTART"), (end, "DOWNTIMEEND")):
                    m = {
                        "NOTIFICATIONTYPE": ntype,
                        "HOSTNAME": hc.host,
                        "HOSTSTATE": "UP",
                        "HOSTSTATETYPE": "HARD",
                        "HOSTOUTPUT": "PING OK",
                        "HOSTPROBLEMID": "0",
                        "LASTHOSTPROBLEMID": "0",
                        "NOTIFICATIONAUTHOR": "change-mgr",
                        "NOTIFICATIONCOMMENT": "CHG-4711 planned firmware upgrade",
                        "TIMET": str(int(at)),
                    }
                    if hc.address:
                        m["HOSTADDRESS"] = hc.address
                    r.notice(at, "nagios", m)
            else:
                dt = {
                    "host_name": hc.host,
                    "service_name": "",
                    "author": "change-mgr",
                    "comment": "CHG-4711 planned firmware upgrade",
                    "start_time": int(start),
                    "end_time": int(end),
                    "fixed": True,
                }
                r.notice(
                    start,
                    "icinga",
                    {"type": "DowntimeStarted", "timestamp": start, "downtime": dt},
                    "icinga-master",
                )
                r.notice(
                    start + 0.2,
                    "icinga",
                    {
                        "type": "Notification",
                        "host": hc.host,
                        "notification_type": "DowntimeStart",
                        "timestamp": start + 0.2,
                        "author": "change-mgr",
                        "text": "CHG-4711",
                        "users": ["noc"],
                    },
                    "icinga-master",
                )
                r.notice(
                    end,
                    "icinga",
                    {"type": "DowntimeRemoved", "timestamp": end, "downtime": dt},
                    "icinga-master",
                )
        if f.kind == "flapping":
            eps = sorted(it.eps, key=lambda e: e.start)
            e0 = eps[0]
            if e0.flapping is not None:
                c = e0.check
                a, b = e0.flapping
                for at, on in ((a, True), (b, False)):
                    if at >= self.horizon:
                        continue
                    if c.tool == "nagios":
                        fm: dict[str, Any] = {
                            "NOTIFICATIONTYPE": "FLAPPINGSTART" if on else "FLAPPINGSTOP",
                            "HOSTNAME": c.host,
                            "TIMET": str(int(at)),
                        }
                        if c.name is None:
                            fm.update(HOSTSTATE="DOWN" if on else "UP", HOSTSTATETYPE="HARD")
                        else:
                            fm.update(
                                SERVICEDESC=c.name,
                                SERVICESTATE="CRITICAL" if on else "OK",
                                SERVICESTATETYPE="HARD",
                            )
                        r.notice(at, "nagios", fm)
                    else:
                        d: dict[str, Any] = {
                            "type": "Flapping",
                            "host": c.host,
                            "is_flapping": on,
                            "timestamp": at,
                            "state": 1 if on else 0,
                            "state_type": 1,
                        }
                        if c.name is not None:
                            d["service"] = c.name
                        r.notice(at, "icinga", d, "icinga-master")


def _scenario(seed: int, w: World, comp: _Composer, nodes: int) -> Scenario:
    lines, truth, stats = comp.render()
    stats["requested_nodes"] = nodes
    stats["nodes"] = len(w.order)
    return Scenario(seed=seed, topology=topology_of(w), lines=lines, truth=truth, stats=stats)


def single(seed: int, kind: str, nodes: int = 300) -> Scenario:
    """One fault of ``kind`` (or one background incident), with a little unrelated noise."""
    w = build_world(seed, nodes)
    rng = random.Random(f"gend-single-{seed}-{kind}-{nodes}")
    comp = _Composer(w, rng, seed, T0 + 3 * 3600)
    t0 = T0 + 600
    if kind == "concurrent":
        for _ in range(30):
            regs = rng.sample([r.code for r in w.regions], 2)
            a, b = rng.choice(CONCURRENT_KINDS), rng.choice(CONCURRENT_KINDS)
            if comp.add_fault(a, t0, allowed=[regs[0]], label="concurrent"):
                comp.add_fault(b, t0 + rng.uniform(0, 60), allowed=[regs[1]], label="concurrent")
                break
    elif kind in FAULT_KINDS_D:
        for attempt in range(30):
            if comp.add_fault(kind, t0 + attempt * 60):
                break
    else:
        for attempt in range(30):
            if comp.add_background(kind, t0 + attempt * 60):
                break
    for _ in range(rng.randint(2, 4)):
        comp.add_background("noise", T0 + rng.uniform(0, 5400))
    return _scenario(seed, w, comp, nodes)


def storm(seed: int, nodes: int = 800) -> Scenario:
    """Several wide faults within 20 minutes in different regions, plus noise."""
    w = build_world(seed, nodes)
    rng = random.Random(f"gend-storm-{seed}-{nodes}")
    comp = _Composer(w, rng, seed, T0 + 3 * 3600)
    regions = [r.code for r in w.regions]
    rng.shuffle(regions)
    n = min(len(regions), rng.randint(3, 6))
    for code in regions[:n]:
        t0 = T0 + 600 + rng.uniform(0, 1200)
        kinds = list(STORM_KINDS)
        rng.shuffle(kinds)
        for kind in kinds:
            if comp.add_fault(kind, t0, allowed=[code]):
                break
    if rng.random() < 0.5:
        comp.add_fault("svc-degradation", T0 + 600 + rng.uniform(0, 1200))
    for _ in range(rng.randint(4, 8)):
        comp.add_background("noise", T0 + rng.uniform(0, 3600))
    return _scenario(seed, w, comp, nodes)


def day(seed: int, nodes: int = 600, faults: int = 18, noise: int = 30) -> Scenario:
    """24 hours: faults of every kind at random times, noise, flapping, maintenance, unplaced."""
    w = build_world(seed, nodes)
    rng = random.Random(f"gend-day-{seed}-{nodes}-{faults}-{noise}")
    comp = _Composer(w, rng, seed, T0 + 86400)
    kinds = list(DAY_WEIGHTS)
    weights = [DAY_WEIGHTS[k] for k in kinds]
    placed = 0
    # Every kind once when there is room, then by weight.
    plan = kinds[:] if faults >= len(kinds) else rng.sample(kinds, faults)
    while len(plan) < faults:
        plan.append(rng.choices(kinds, weights)[0])
    rng.shuffle(plan)
    for kind in plan:
        for _ in range(8):
            if comp.add_fault(kind, T0 + rng.uniform(600, 84000)):
                placed += 1
                break
    if faults >= 6:
        for _ in range(5):
            regs = rng.sample([r.code for r in w.regions], 2)
            t0 = T0 + rng.uniform(600, 84000)
            if comp.add_fault(
                rng.choice(CONCURRENT_KINDS), t0, allowed=[regs[0]], label="concurrent"
            ):
                comp.add_fault(
                    rng.choice(CONCURRENT_KINDS),
                    t0 + rng.uniform(0, 60),
                    allowed=[regs[1]],
                    label="concurrent",
                )
                break
    for kind, count in (("maintenance", 2), ("flapping", 2), ("unplaced", 3), ("noise", noise)):
        for _ in range(count):
            for _ in range(5):
                if comp.add_background(kind, T0 + rng.uniform(0, 85000)):
                    break
    del placed
    return _scenario(seed, w, comp, nodes)
