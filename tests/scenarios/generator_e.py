"""Fifth scenario generator: a university hospital campus with its own platform team.

Written from the public contracts only (specs/topology-format.md, specs/replay.md,
specs/ingest-formats.md, the peer notes on Nagios 4, Icinga 2 and Zabbix 6, the example
small site and the tool delays of config/default.yaml); it never looks at the correlator.
Pure and seeded: the same arguments give the same topology, replay lines and truth, byte for
byte (``random.Random`` seeded from the arguments, sets never iterated unsorted, hashes from
``hashlib``). Entry points: :func:`single` (one fault of a kind), :func:`storm` (wide blast
radius faults close together), :func:`day` (a working day of faults, noise and decoration),
:func:`build_world`. Each returns a :class:`generator.Scenario`.

**The world** (:class:`World`)

- Campus core pair ``core-1`` (room A) / ``core-2`` (room B); SD-WAN hub pair.
- Two data-centre rooms ``dca``/``dcb``. Each has a mains feed (``power``, unmonitored),
  a UPS (``power``, Zabbix SNMP: "UPS is on battery" Average, "Battery has low capacity"
  High, "Unavailable by ICMP ping" High), a CRAC unit (``cooling``, unmonitored), a ToR
  switch pair. Every physical server and storage array of a room depends on its CRAC, its
  UPS and (servers) ``any_of`` its ToR pair; network gear depends on the UPS, not the CRAC.
- Hypervisors in both rooms; VMs depend on ``any_of`` one host in each room (stretched HA
  cluster) and on a replicated volume (``any_of`` the SAN arrays of both rooms). Each array
  depends on ``any_of`` its two controllers; each room also has a room-local volume (PACS
  archive tier, backup repository) that depends on its array alone.
- Databases: a logical database (``database``) over ``any_of`` a primary and a replica
  server in different rooms (EHR, PACS, LIS). Clinical applications (EHR, PACS, PACS archive,
  LIS) depend on their database, on ``any_of`` the LDAP pair and the DNS pair, and on the HL7
  integration engine (``hl7-engine``, watched on its VIP ``hl7-vip``).
- A Kubernetes cluster per room (``ka``/``kb``): control plane, workers (bare metal), an
  ingress pair, and workloads per namespace (``clinical``, ``imaging``, ``portal``,
  ``platform``): a stateful set pinned to one worker (local volume) and stateless services on
  ``any_of`` two workers that use it (and the ingress pair when exposed, the HL7 engine for
  some). A Prometheus server per cluster (``prom-a``/``prom-b``, kind ``probe``) scrapes
  them; Alertmanager groups by ``alertname`` and ``namespace`` (group_wait 30 s,
  group_interval 5 min, repeat 1 h).
- Buildings: a distribution pair in the building's main distribution frame (``any_of`` the
  cores), floor access switches on ``any_of`` the pair and on the building's power feed
  (unmonitored), medical devices, workstations, printers and APs on the access switches (APs
  also on ``any_of`` the two WLAN controllers). Some devices are watched by PRTG only.
- A dozen clinics (fewer in small worlds) on SD-WAN: the clinic router depends on ``any_of``
  a fibre circuit and an LTE backup (``link``); each link is either unmonitored or watched
  from the SD-WAN orchestrator through Zabbix as a check on the router ("SD-WAN transport
  fibre: tunnel down", "Cellular interface down", placed on the link by ``HOST!CHECK``).
  A clinic is watched by a PRTG remote probe or an Icinga 2 satellite (kind ``probe``, on the
  clinic switch); central Icinga pings the router.

**Tools** (specs/ingest-formats.md payloads): Icinga 2 event-stream objects (central
``icinga-master`` and clinic satellites; soft then hard StateChange, Problem notification,
dependency-suppressed notifications for hosts behind a failed parent, re-notifications,
acknowledgements, downtimes, flapping), PRTG HTTP actions (central ``prtg-core`` and remote
probes; ``Paused by Dependency``, ``Unknown`` when a probe is disconnected), Alertmanager v4
webhooks, Zabbix 6 webhook (direct polling with empty proxy, or ``zbx-proxy-campus``), a
little Nagios 4 (``nagios-med``: infusion-pump gateways and the LIS; UNREACHABLE for hosts
behind a failed parent, service notifications suppressed on a down host). Host names are
spelled per tool: short, FQDN (found by its first label), upper case, or the address.

**Fault kinds** (``FAULT_KINDS_E``): cooling, ups-battery, dist-pair, dist-member,
building-power, k8s-worker, prom-cut, hl7-degraded, db-primary, db-both, san-controller,
san-array, clinic-cut, clinic-fibre, probe-hung, concurrent, twin-warn. Others
(``OTHER_KINDS_E``): noise, flapping, maintenance, unplaced.

**Truth rules and assumptions** (where the specs are silent, decided here):

1. The truth root is the node that physically failed; ``inferred`` is true exactly when no
   problem event is placed on the root node. ``nodes`` are the nodes its problem events are
   placed on.
2. Missed detections (about 10 %) are re-drawn when the alerts that remain could be
   explained by a single node of the fault whose failure would affect strictly fewer nodes
   (e.g. only one floor's devices of a building power loss); the root's own alert is never
   missed when it has one (and for ``clinic-cut``, see 9).
3. ``equivalent_roots``: unmonitored nodes below the root whose failure would put alerts on
   exactly the same monitored nodes (a UPS's mains feed, whose only dependent is the UPS).
4. Cooling: the CRAC's direct dependents (servers, arrays) raise temperature/fan WARNINGS
   over 2-10 min, then 25-50 % of them shut down hard (thermal) 10-30 min in; their
   dependents fail with them. Root = the CRAC (unmonitored: inferred). At least 3 hosts alert.
5. UPS: mains lost -> "UPS is on battery" (the UPS's own alert, first), "Battery has low
   capacity" minutes before the battery runs out, then everything on the UPS is down.
   Root = the UPS (it alerted first and its failure took the room down); the unmonitored
   mains feed, whose only dependent is the UPS, is an equivalent root.
6. A redundancy group lost as a whole (distribution pair, both links of a clinic, both
   database servers): root = the member lost first (specs/topology-format.md), the other
   member's alerts and everything above belong to the same incident. A member lost alone
   is an incident with only its own alerts; nothing above alerts (Alertmanager's
   replicas-mismatch alerts for replicated services are assumed to clear within their
   ``for:`` as the pods are rescheduled).
7. A k8s worker goes NotReady (kubelet hung: the host still answers ping): the stateful set
   pinned to it fails at once (blackbox probe 1 min), the services using it crash-loop
   (``for: 5m``) and raise error rates, and the worker's own KubeNodeNotReady (``for: 15m``)
   comes last. Root = the worker.
8. Prometheus cut: the server loses its path to its targets (network policy / CNI on the
   scrape network): TargetDown (``up == 0`` per instance, ``for: 5m``) for every target at
   once, observer = the server; central Icinga's check on the server's own scrape health
   is its own alert. Root = the Prometheus node; ``watched`` = the targets (fine: nobody
   should be paged for them).
9. Clinic cut: both links lost minutes apart, the router, switch, devices and the probe
   become unreachable (central ping DOWN, PRTG "Probe Health" Down from the core, the remote
   probe's sensors Unknown; an Icinga satellite's own checks stay silent). Root = the link
   lost first. When that link shows no alert of its own, the other link is an equivalent
   root (nothing tells their order); when neither link shows an alert, the router is one
   too (its failure would give exactly the alerts seen).
10. Clinic fibre alone: only the fibre's own SD-WAN alert (chosen among monitored fibres).
11. Probe hung (PRTG remote probe): the core's "Probe Health" sensor goes Down (its own
    alert) and at least four of its sensors go Unknown at once (observer = the probe);
    for an Icinga satellite only the central ``cluster-zone`` check fires. Root = the probe,
    ``watched`` = the hosts it watches.
12. HL7 degradation: callers' latency/error WARNINGS 0.5-3 min in, the engine's own queue
    and channel-error alerts 6-12 min in. Root = ``hl7-engine`` (gray failure).
13. SAN controller: only that controller's trigger (the array survives on the other one).
    SAN array lost: the array's own alerts (its controllers' triggers depend on the array's
    availability trigger in Zabbix and stay silent) plus the room-local volume's users;
    replicated volumes survive on the other room's array.
14. Maintenance: Icinga downtime on an Icinga-only host; StateChanges still stream during
    the downtime (no Problem notification). Never pages. Only the tool with the downtime
    reports the host (Nagios sends nothing during a downtime, so Nagios only gets the
    downtime notices themselves, as decoration of an Icinga maintenance).
15. Noise, flapping and unplaced alerts are one incident each; noise and maintenance never
    land on a node a concurrent fault affects. Two faults overlapping in time never share a
    room, building or clinic (so no unmonitored node explains both), and an alert identity
    recovers before another fault may raise it again. ``twin-warn``: two sibling hosts each
    raise an unrelated warning within a minute: two incidents.
16. Alertmanager bodies carry every firing alert of their group, so one line can belong to
    several true incidents.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .generator import Scenario, TrueIncident

FAULT_KINDS_E: Final = (
    "cooling",
    "ups-battery",
    "dist-pair",
    "dist-member",
    "building-power",
    "k8s-worker",
    "prom-cut",
    "hl7-degraded",
    "db-primary",
    "db-both",
    "san-controller",
    "san-array",
    "clinic-cut",
    "clinic-fibre",
    "probe-hung",
    "concurrent",
    "twin-warn",
)
OTHER_KINDS_E: Final = ("noise", "flapping", "maintenance", "unplaced")

DOMAIN: Final = "med.uni-example.org"
BASE_T: Final = 1767254400.0  # 2026-01-01 08:00 UTC
INF: Final = math.inf

# Propagating modes: a dependent of a node in one of these fails too.
_PROPAGATING: Final = frozenset({"down", "hung", "broken"})
_APP_KINDS: Final = frozenset({"application", "container", "database", "service"})

DAY_WEIGHTS: Final = {
    "cooling": 2,
    "ups-battery": 2,
    "dist-pair": 3,
    "dist-member": 4,
    "building-power": 3,
    "k8s-worker": 4,
    "prom-cut": 2,
    "hl7-degraded": 3,
    "db-primary": 3,
    "db-both": 2,
    "san-controller": 2,
    "san-array": 2,
    "clinic-cut": 4,
    "clinic-fibre": 3,
    "probe-hung": 3,
    "concurrent": 2,
    "twin-warn": 2,
}
STORM_WEIGHTS: Final = {
    "cooling": 3,
    "ups-battery": 3,
    "dist-pair": 4,
    "building-power": 4,
    "k8s-worker": 3,
    "prom-cut": 3,
    "db-both": 2,
    "san-array": 2,
    "clinic-cut": 5,
    "probe-hung": 3,
}


def _h(*parts: object) -> float:
    """A deterministic number in [0, 1) from ``parts`` (no Python hash involved)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


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
    area: str
    deps: list[str | tuple[str, ...]] = field(default_factory=list)
    hostname: str = ""
    address: str = ""
    criticality: int = 3
    tags: dict[str, str] = field(default_factory=dict)
    monitored_as: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Check:
    cid: str
    node: str
    tool: str
    host: str  # the host as the tool spells it
    name: str | None  # None: a host check
    modes: frozenset[str]
    level: str  # down | crit | warn | unknown
    text: str
    zsev: int = 0
    observer: str | None = None
    address: str = ""
    p: float = 0.9
    slow: bool = False
    for_s: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)
    ident: str = ""
    device_id: str = ""
    group: str = ""
    noise: bool = False


@dataclass(slots=True)
class Room:
    name: str
    feed: str
    ups: str
    crac: str
    tors: tuple[str, str]
    san: str
    ctls: tuple[str, str]
    local_vol: str


@dataclass(slots=True)
class Building:
    name: str
    feed: str
    dists: tuple[str, str]
    floors: list[tuple[str, list[str]]]  # access switch, its devices and APs


@dataclass(slots=True)
class Clinic:
    name: str
    fibre: str
    lte: str
    router: str
    switch: str
    probe: str
    prtg: bool
    devices: list[str]


@dataclass(slots=True)
class Cluster:
    name: str
    room: str
    prom: str
    cps: list[str]
    workers: list[str]
    ingress: tuple[str, str]
    stateful: list[str]
    stateless: list[str]


class World:
    """The campus: nodes, checks, and the handles the faults need."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"world-e:{seed}:{size}")
        self.nodes: dict[str, Node] = {}
        self.order: list[str] = []
        self.checks: list[Check] = []
        self.by_node: dict[str, list[Check]] = defaultdict(list)
        self.rooms: list[Room] = []
        self.buildings: list[Building] = []
        self.clinics: list[Clinic] = []
        self.clusters: list[Cluster] = []
        self.db_pairs: list[tuple[str, str, str]] = []  # logical db, primary, replica
        self.hl7_callers: list[str] = []
        self._ip = 0
        self._style: dict[tuple[str, str], str] = {}
        self._ids = 0
        self._entries: dict[str, list[str]] = defaultdict(list)
        self._dependents: dict[str, list[str]] | None = None
        self._affected: dict[str, frozenset[str]] = {}
        self._build(size)
        self._finish()

    # -- building blocks -----------------------------------------------------------------

    def _next_ip(self) -> str:
        self._ip += 1
        n = self._ip
        return f"10.{20 + n // 62500}.{(n // 250) % 250}.{n % 250 + 1}"

    def add(
        self,
        nid: str,
        kind: str,
        team: str,
        site: str,
        area: str,
        deps: Iterable[str | tuple[str, ...]] = (),
        *,
        hostname: str | None = None,
        address: bool = True,
        crit: int = 3,
        tags: dict[str, str] | None = None,
    ) -> str:
        assert nid not in self.nodes, nid
        for d in deps:
            for m in (d,) if isinstance(d, str) else d:
                assert m in self.nodes, (nid, m)
        self.nodes[nid] = Node(
            nid,
            kind,
            team,
            site,
            area,
            list(deps),
            hostname=hostname or nid,
            address=self._next_ip() if address else "",
            criticality=crit,
            tags=dict(tags or {}),
        )
        self.order.append(nid)
        return nid

    def _spell(self, host: str, tool: str, address: str, *, bare: bool) -> str:
        key = (host, tool)
        style = self._style.get(key)
        if style is None:
            r = self.rng.random()
            if tool == "nagios":
                style = "short" if r < 0.8 else "upper"
            elif tool == "icinga":
                style = "fqdn" if r < 0.6 else "short"
            elif tool == "zabbix":
                style = "short" if r < 0.5 else ("fqdn" if r < 0.8 else "upper")
            else:  # prtg
                style = "upper" if r < 0.4 else ("short" if r < 0.8 else "ip")
            self._style[key] = style
        if style == "ip" and not (bare and address):
            style = "short"
        if style == "fqdn":
            return f"{host}.{DOMAIN}"
        if style == "upper":
            return host.upper()
        if style == "ip":
            return address
        return host

    def chk(
        self,
        nid: str,
        tool: str,
        name: str | None,
        modes: Iterable[str],
        level: str,
        text: str,
        *,
        zsev: int = 0,
        observer: str | None = None,
        on_host: str | None = None,
        p: float = 0.9,
        slow: bool = False,
        noise: bool = False,
        group: str = "",
    ) -> Check:
        node = self.nodes[nid]
        bare = on_host is None
        host_short = node.hostname if on_host is None else on_host
        other = self.nodes.get(on_host) if on_host else None
        address = node.address if bare else (other.address if other else "")
        host = self._spell(host_short, tool, address, bare=bare)
        self._ids += 1
        c = Check(
            cid=f"{tool}:{host}:{name}",
            node=nid,
            tool=tool,
            host=host,
            name=name,
            modes=frozenset(modes),
            level=level,
            text=text,
            zsev=zsev,
            observer=observer,
            address=address,
            p=p,
            slow=slow,
            ident=str(20000 + self._ids * 7),
            device_id=str(4000 + (int(_h("dev", host_short, tool) * 90000))),
            group=group or node.site,
            noise=noise,
        )
        self.checks.append(c)
        self.by_node[nid].append(c)
        entry = host_short if bare else f"{host_short}!{name}"
        if entry not in self._entries[nid]:
            self._entries[nid].append(entry)
        if bare and node.address and node.address not in self._entries[nid]:
            self._entries[nid].append(node.address)
        return c

    def am(
        self,
        nid: str,
        prom: str,
        alertname: str,
        modes: Iterable[str],
        severity: str,
        for_s: float,
        instance: str,
        *,
        namespace: str = "",
        job: str = "",
        p: float = 0.9,
        noise: bool = False,
        summary: str = "",
    ) -> Check:
        labels = {
            "alertname": alertname,
            "instance": instance,
            "job": job or alertname.lower(),
            "prometheus": prom,
            "cluster": prom.replace("prom-", "k"),
            "severity": severity,
        }
        if namespace:
            labels["namespace"] = namespace
        fp = hashlib.blake2b(json.dumps(labels, sort_keys=True).encode(), digest_size=8).hexdigest()
        c = Check(
            cid=f"am:{fp}",
            node=nid,
            tool="alertmanager",
            host=instance,
            name=alertname,
            modes=frozenset(modes),
            level="crit" if severity == "critical" else "warn",
            text=summary or f"{alertname} on {instance}",
            observer=prom,
            p=p,
            for_s=for_s,
            labels=labels,
            ident=fp,
            noise=noise,
        )
        self.checks.append(c)
        self.by_node[nid].append(c)
        if nid not in self._entries[nid]:
            self._entries[nid].append(self.nodes[nid].hostname)
        return c

    # -- the campus ----------------------------------------------------------------------

    def _host_checks(
        self, nid: str, tools: list[str], *, thermal: bool = False, observer_icinga: str = ""
    ) -> None:
        """Availability (and for physical servers, temperature) checks in the given tools."""
        r = self.rng
        obs_i = observer_icinga or "icinga-master"
        for tool in tools:
            if tool == "icinga":
                self.chk(
                    nid,
                    "icinga",
                    None,
                    ["down"],
                    "down",
                    "CRITICAL - Host Unreachable",
                    observer=obs_i,
                )
                if thermal:
                    self.chk(
                        nid,
                        "icinga",
                        "IPMI Sensors",
                        ["hot"],
                        "warn",
                        "IPMI Status: Warning [Inlet Temp = 38 C (Warning)]",
                        observer=obs_i,
                        slow=True,
                    )
                self.chk(
                    nid,
                    "icinga",
                    r.choice(["disk /var", "disk /", "load"]),
                    [],
                    "warn",
                    "DISK WARNING - free space: /var 9 %",
                    observer=obs_i,
                    noise=True,
                )
            elif tool == "zabbix":
                self.chk(
                    nid,
                    "zabbix",
                    "Unavailable by ICMP ping",
                    ["down"],
                    "crit",
                    "Unavailable by ICMP ping",
                    zsev=4,
                )
                if thermal:
                    self.chk(
                        nid,
                        "zabbix",
                        "Temperature is above warning threshold",
                        ["hot"],
                        "warn",
                        "Inlet temperature is above warning threshold: >35C",
                        zsev=2,
                        slow=True,
                    )
                self.chk(
                    nid,
                    "zabbix",
                    r.choice(
                        [
                            "/var: Disk space is low (used > 80%)",
                            "High CPU utilization (over 90% for 5m)",
                        ]
                    ),
                    [],
                    "warn",
                    "Disk space is low",
                    zsev=2,
                    noise=True,
                )
            elif tool == "prtg":
                self.chk(
                    nid, "prtg", "Ping", ["down"], "down", "Request timed out", observer="prtg-core"
                )
                if thermal:
                    self.chk(
                        nid,
                        "prtg",
                        "System Health",
                        ["hot"],
                        "warn",
                        "Temperature 41 C (Warning)",
                        observer="prtg-core",
                        slow=True,
                    )
                self.chk(
                    nid,
                    "prtg",
                    "Disk Free",
                    [],
                    "warn",
                    "Free space 8 %",
                    observer="prtg-core",
                    noise=True,
                )
            elif tool == "nagios":
                self.chk(
                    nid,
                    "nagios",
                    None,
                    ["down"],
                    "down",
                    "PING CRITICAL - Packet loss = 100%",
                    observer="nagios-med",
                )
                self.chk(
                    nid,
                    "nagios",
                    "Disk Usage",
                    [],
                    "warn",
                    "DISK WARNING - 88% used",
                    observer="nagios-med",
                    noise=True,
                )

    def _switch(self, nid: str, *, proxy: str = "", prtg: bool = True) -> None:
        self.chk(
            nid,
            "zabbix",
            "Unavailable by ICMP ping",
            ["down"],
            "crit",
            "Unavailable by ICMP ping",
            zsev=4,
            observer=proxy or None,
        )
        self.chk(
            nid,
            "zabbix",
            "High CPU utilization (over 90% for 5m)",
            [],
            "warn",
            "High CPU utilization",
            zsev=2,
            observer=proxy or None,
            noise=True,
        )
        if prtg:
            self.chk(
                nid, "prtg", "Ping", ["down"], "down", "Request timed out", observer="prtg-core"
            )
        if self.rng.random() < 0.5:
            self.chk(
                nid,
                "icinga",
                None,
                ["down"],
                "down",
                "CRITICAL - Host Unreachable",
                observer="icinga-master",
            )

    def _build(self, size: int) -> None:
        r = self.rng
        n_esx = max(3, min(8, size // 100 + 2))
        n_wrk = max(3, min(7, size // 120 + 2))
        n_misc = max(0, min(20, (size - 300) // 20))
        add = self.add
        # monitoring itself
        for p in ("icinga-master", "prtg-core", "nagios-med", "zbx-proxy-campus"):
            add(p, "probe", "monitoring", "campus", "central", address=False)
        add("core-1", "switch", "network", "dca", "room-a", crit=1)
        add("core-2", "switch", "network", "dcb", "room-b", crit=1)
        cores = ("core-1", "core-2")
        for p in ("icinga-master", "prtg-core", "nagios-med", "zbx-proxy-campus"):
            self.nodes[p].deps = [cores]
        for h in ("sdwan-hub-1", "sdwan-hub-2"):
            add(h, "router", "network", "dca" if h.endswith("1") else "dcb", "central", [cores])
            self._switch(h, prtg=False)
        # rooms
        for x, core in (("a", "core-1"), ("b", "core-2")):
            room = f"dc{x}"
            area = f"room-{x}"
            feed = add(f"{room}-mains", "power", "facilities", room, area, address=False)
            ups = add(f"{room}-ups", "power", "facilities", room, area, [feed])
            crac = add(f"{room}-crac", "cooling", "facilities", room, area, address=False)
            self.chk(
                ups,
                "zabbix",
                "UPS is on battery",
                ["onbatt", "battlow"],
                "warn",
                "UPS is on battery",
                zsev=3,
            )
            self.chk(
                ups,
                "zabbix",
                "Battery has low capacity",
                ["battlow"],
                "crit",
                "Battery has low capacity (< 20 %)",
                zsev=4,
            )
            self.chk(
                ups,
                "zabbix",
                "Unavailable by ICMP ping",
                ["down"],
                "crit",
                "Unavailable by ICMP ping",
                zsev=4,
                p=0.7,
            )
            self.chk(
                ups,
                "zabbix",
                "Battery temperature is high",
                [],
                "warn",
                "Battery temperature is high",
                zsev=2,
                noise=True,
            )
            if r.random() < 0.6:
                self.chk(
                    ups,
                    "prtg",
                    "UPS Health",
                    ["onbatt", "battlow"],
                    "warn",
                    "On battery (Warning)",
                    observer="prtg-core",
                )
            self.nodes[core].deps = [ups]
            tors = []
            for i in (1, 2):
                t = add(f"{room}-tor-{i}", "switch", "network", room, area, [ups, cores])
                self._switch(t, prtg=False)
                tors.append(t)
            tor_pair = (tors[0], tors[1])
            ctls = []
            for c in ("a", "b"):
                ctl = add(f"san-{x}-ctl{c}", "storage", "storage", room, area, [ups], address=False)
                self.chk(
                    ctl,
                    "zabbix",
                    f"Controller {c.upper()}: Status is failed",
                    ["down"],
                    "crit",
                    f"Controller {c.upper()}: Status is failed",
                    zsev=4,
                    on_host=f"san-{x}",
                )
                ctls.append(ctl)
            san = add(f"san-{x}", "storage", "storage", room, area, [(ctls[0], ctls[1]), crac, ups])
            self.nodes[ctls[0]].hostname = f"san-{x}"
            self.nodes[ctls[1]].hostname = f"san-{x}"
            self.chk(
                san,
                "zabbix",
                "Unavailable by ICMP ping",
                ["down"],
                "crit",
                "Unavailable by ICMP ping",
                zsev=4,
            )
            self.chk(
                san,
                "zabbix",
                "Array: Status is critical",
                ["down"],
                "crit",
                "Array status is critical",
                zsev=4,
            )
            self.chk(
                san,
                "zabbix",
                "Enclosure temperature is above warning threshold",
                ["hot"],
                "warn",
                "Enclosure temperature is high",
                zsev=2,
                slow=True,
            )
            self.chk(
                san,
                "prtg",
                "Ping",
                ["down"],
                "down",
                "Request timed out",
                observer="prtg-core",
                p=0.8,
            )
            self.chk(
                san,
                "zabbix",
                "Pool pacs: Used space is high (over 85%)",
                [],
                "warn",
                "Pool used space is high",
                zsev=2,
                noise=True,
            )
            local = add(f"vol-{x}-local", "storage", "storage", room, area, [san], address=False)
            self.rooms.append(Room(room, feed, ups, crac, tor_pair, san, (ctls[0], ctls[1]), local))
            add(f"wlc-{x}", "switch", "network", room, area, [ups, tor_pair])
            self._switch(f"wlc-{x}", prtg=False)
        ra, rb = self.rooms
        for k in (1, 2, 3):
            add(
                f"vol-rep-{k}",
                "storage",
                "storage",
                "dca",
                "central",
                [(ra.san, rb.san)],
                address=False,
            )

        def server(nid: str, room: Room, kind: str, team: str) -> str:
            add(
                nid,
                kind,
                team,
                room.name,
                f"room-{room.name[-1]}",
                [room.crac, room.ups, room.tors],
            )
            tools = ["icinga", *r.sample(["zabbix", "prtg"], k=r.choice([1, 1, 2]))]
            self._host_checks(nid, tools, thermal=True)
            return nid

        esx: dict[str, list[str]] = {"a": [], "b": []}
        for room in self.rooms:
            x = room.name[-1]
            for i in range(1, n_esx + 1):
                esx[x].append(server(f"esx-{x}-{i:02d}", room, "hypervisor", "systems"))
        vmc = [0]

        def vm(nid: str, team: str, tools: list[str] | None = None) -> str:
            vmc[0] += 1
            pair = (esx["a"][vmc[0] % n_esx], esx["b"][(vmc[0] * 3) % n_esx])
            add(nid, "vm", team, "dca", "central", [pair, f"vol-rep-{vmc[0] % 3 + 1}"])
            self._host_checks(nid, tools or ["icinga"])
            return nid

        # shared services
        for svc in ("ldap", "dns"):
            for i in (1, 2):
                v = vm(f"{svc}-{i}", "platform")
                self.chk(
                    v,
                    "icinga",
                    svc.upper(),
                    ["down"],
                    "crit",
                    f"{svc.upper()} CRITICAL",
                    observer="icinga-master",
                    p=0.6,
                )
        ldap = ("ldap-1", "ldap-2")
        dns = ("dns-1", "dns-2")
        # databases
        for db, team in (("ehr", "dba"), ("pacs", "dba"), ("lis", "dba")):
            pa = server(f"{db}-pg-01", ra, "host", team)
            pb = server(f"{db}-pg-02", rb, "host", team)
            for ph in (pa, pb):
                self.chk(
                    ph,
                    "icinga",
                    "postgres",
                    ["down"],
                    "crit",
                    "POSTGRES_CONNECTION CRITICAL: could not connect",
                    observer="icinga-master",
                    p=0.6,
                )
            add(f"{db}-db", "database", team, "dca", "central", [(pa, pb)], address=False)
            self.db_pairs.append((f"{db}-db", pa, pb))
        # HL7 integration engine
        vm("hl7-01", "integration")
        vm("hl7-02", "integration")
        hl7 = add(
            "hl7-engine",
            "application",
            "integration",
            "dca",
            "central",
            [("hl7-01", "hl7-02"), ldap],
            hostname="hl7-vip",
            address=False,
            crit=1,
        )
        self.chk(
            hl7,
            "zabbix",
            "HL7 engine: queue depth is high",
            ["degraded"],
            "warn",
            "HL7 engine: queue depth is high (> 500 messages)",
            zsev=2,
            slow=True,
        )
        self.chk(
            hl7,
            "zabbix",
            "HL7 engine: channel errors",
            ["degraded", "broken"],
            "warn",
            "HL7 engine: channel errors (ADT_OUT)",
            zsev=2,
            slow=True,
        )
        self.chk(
            hl7,
            "icinga",
            "HL7 MLLP listener",
            ["broken"],
            "crit",
            "CRITICAL - MLLP listener not answering",
            observer="icinga-master",
        )
        # clinical applications
        for v in ("ehr-app-01", "ehr-app-02"):
            vm(v, "clinical-apps", ["icinga"] + (["prtg"] if r.random() < 0.5 else []))
        ehr = add(
            "ehr",
            "application",
            "clinical-apps",
            "dca",
            "central",
            [("ehr-app-01", "ehr-app-02"), "ehr-db", hl7, ldap, dns],
            address=False,
            crit=1,
        )
        for v in ("ehr-app-01", "ehr-app-02"):
            self.chk(
                ehr,
                "icinga",
                "EHR HTTPS",
                ["broken"],
                "crit",
                "HTTP CRITICAL - 503 Service Unavailable",
                observer="icinga-master",
                on_host=v,
            )
            self.chk(
                ehr,
                "icinga",
                "EHR HL7 latency",
                ["degraded", "broken"],
                "warn",
                "HL7 round trip 14.2 s (warning 5 s)",
                observer="icinga-master",
                on_host=v,
                slow=True,
            )
        self.chk(
            ehr,
            "icinga",
            "EHR certificate",
            [],
            "warn",
            "SSL WARNING - certificate expires in 12 days",
            observer="icinga-master",
            on_host="ehr-app-01",
            noise=True,
        )
        vm("pacs-app-01", "imaging")
        vm("pacs-app-02", "imaging")
        pacs = add(
            "pacs",
            "application",
            "imaging",
            "dca",
            "central",
            [("pacs-app-01", "pacs-app-02"), "pacs-db", hl7, ldap, dns],
            hostname="pacs-vip",
            address=False,
            crit=2,
        )
        self.chk(
            pacs,
            "zabbix",
            "PACS web: HTTP check failed",
            ["broken"],
            "crit",
            "PACS web: HTTP check failed",
            zsev=4,
        )
        self.chk(
            pacs,
            "zabbix",
            "PACS: HL7 ORM latency is high",
            ["degraded", "broken"],
            "warn",
            "PACS: HL7 ORM latency is high (> 10 s)",
            zsev=2,
            slow=True,
        )
        self.chk(
            pacs,
            "prtg",
            "HTTPS PACS viewer",
            ["broken"],
            "down",
            "HTTP 502",
            observer="prtg-core",
            p=0.7,
        )
        self.chk(
            pacs,
            "zabbix",
            "SSL certificate expires in less than 14 days",
            [],
            "warn",
            "SSL certificate expires soon",
            zsev=2,
            noise=True,
        )
        arch = add(
            "pacs-archive",
            "application",
            "imaging",
            "dca",
            "room-a",
            [ra.local_vol, ("pacs-app-01", "pacs-app-02")],
            hostname="pacs-arch-vip",
            address=False,
        )
        self.chk(
            arch,
            "zabbix",
            "DICOM archive: C-ECHO failed",
            ["broken"],
            "crit",
            "DICOM archive: C-ECHO failed",
            zsev=4,
        )
        self.chk(
            arch,
            "prtg",
            "DICOM C-ECHO",
            ["broken"],
            "down",
            "Association rejected",
            observer="prtg-core",
            p=0.7,
        )
        vm("lis-01", "lab-it", ["nagios"])
        vm("lis-02", "lab-it", ["nagios"])
        lis = add(
            "lis",
            "application",
            "lab-it",
            "dca",
            "central",
            [("lis-01", "lis-02"), "lis-db", hl7, ldap, dns],
            address=False,
            crit=2,
        )
        self.chk(
            lis,
            "nagios",
            "LIS HTTP",
            ["broken"],
            "crit",
            "HTTP CRITICAL: HTTP/1.1 500 Internal Server Error",
            observer="nagios-med",
            on_host="lis-01",
        )
        self.chk(
            lis,
            "nagios",
            "HL7 outbound queue",
            ["degraded", "broken"],
            "warn",
            "WARNING - 412 messages queued",
            observer="nagios-med",
            on_host="lis-01",
            slow=True,
        )
        self.hl7_callers = [ehr, pacs, lis]
        server("bkp-01", rb, "host", "systems")
        bkp = add(
            "bkp-svc",
            "application",
            "systems",
            "dcb",
            "room-b",
            [rb.local_vol, "bkp-01"],
            address=False,
        )
        self.chk(
            bkp,
            "icinga",
            "Veeam repository",
            ["broken"],
            "crit",
            "CRITICAL - repository offline",
            observer="icinga-master",
            on_host="bkp-01",
        )
        self.chk(
            bkp,
            "icinga",
            "Backup job nightly",
            [],
            "crit",
            "CRITICAL - job 'ehr-db nightly' failed",
            observer="icinga-master",
            on_host="bkp-01",
            noise=True,
        )
        for i in range(n_misc):
            vm(
                f"{r.choice(['file', 'print', 'citrix', 'jump', 'mail', 'wsus'])}-{i + 1:02d}",
                "systems",
                r.choice([["icinga"], ["icinga", "zabbix"], ["zabbix"]]),
            )
        # Kubernetes per room
        for room in self.rooms:
            self._cluster(room, n_wrk)
        for name, deps in (
            ("svc-ehr", ["ehr"]),
            ("svc-imaging", ["pacs"]),
            ("svc-lab", ["lis"]),
            ("svc-portal", [tuple(c.stateless[0] for c in self.clusters)]),
        ):
            add(name, "service", "service-desk", "campus", "central", deps, address=False, crit=1)
        # campus buildings and clinics, to the size asked for
        left = size - len(self.order)
        n_cl = max(3, min(12, left // 40))
        n_b = max(2, min(10, (left - n_cl * 9) // 45))
        per_b = max(10, (left - n_cl * 9) // n_b)
        for b in range(1, n_b + 1):
            self._building(f"b{b:02d}", per_b, b)
        left = size - len(self.order)
        per_cl = max(2, min(10, left // n_cl - 5))
        for c in range(1, n_cl + 1):
            self._clinic(f"cl{c:02d}", per_cl, monitored_fibre=c % 2 == 1 or c <= 2)

    def _cluster(self, room: Room, n_wrk: int) -> None:
        r = self.rng
        x = room.name[-1]
        k = f"k{x}"
        prom = self.add(
            f"prom-{x}", "probe", "platform", room.name, "central", [("core-1", "core-2")]
        )
        self.chk(
            prom,
            "icinga",
            "Prometheus scrape health",
            ["cut"],
            "crit",
            "CRITICAL - 0 of 212 targets up",
            observer="icinga-master",
        )
        area = f"room-{x}"

        def knode(nid: str) -> str:
            self.add(nid, "host", "platform", room.name, area, [room.crac, room.ups, room.tors])
            tools = ["icinga"] + (["zabbix"] if r.random() < 0.4 else [])
            self._host_checks(nid, tools, thermal=True)
            self.am(
                nid,
                prom,
                "KubeNodeNotReady",
                ["down", "hung"],
                "warning",
                900,
                f"{nid}:10250",
                job="kubelet",
                summary=f"{nid} has been unready for 15 min",
            )
            self.am(
                nid,
                prom,
                "TargetDown",
                ["down"],
                "warning",
                300,
                f"{nid}:9100",
                job="node-exporter",
                p=0.8,
            )
            self.am(
                nid,
                prom,
                "NodeFilesystemSpaceFillingUp",
                [],
                "warning",
                3600,
                f"{nid}:9100",
                job="node-exporter",
                noise=True,
            )
            return nid

        cps = [knode(f"{k}-cp-{i}") for i in (1, 2, 3)]
        workers = [knode(f"{k}-wrk-{i:02d}") for i in range(1, n_wrk + 1)]
        ingress = []
        for i in (1, 2):
            ing = self.add(
                f"{k}-ingress-{i}",
                "container",
                "platform",
                room.name,
                area,
                [workers[i - 1]],
                address=False,
            )
            self.am(
                ing,
                prom,
                "BlackboxProbeFailed",
                ["broken"],
                "critical",
                60,
                f"https://{ing}.apps.{DOMAIN}/healthz",
                job="blackbox",
            )
            self.am(
                ing,
                prom,
                "TargetDown",
                ["broken"],
                "warning",
                300,
                f"{ing}.ingress-nginx.svc:10254",
                namespace="ingress-nginx",
                job="ingress",
                p=0.5,
            )
            ingress.append(ing)
        ing_pair = (ingress[0], ingress[1])
        stateful: list[str] = []
        stateless: list[str] = []
        pin = 2  # workers 0 and 1 carry the ingress; stateful sets spread over the rest
        for ns, sf, sls in (
            ("clinical", "redis", ["orders", "results", "scheduling"]),
            ("imaging", "minio", ["worklist", "viewer"]),
            ("portal", "postgres", ["web", "api"]),
            ("platform", "rabbitmq", ["notify"]),
        ):
            w = workers[pin % n_wrk]
            pin += 1
            sfn = self.add(
                f"{k}-{ns}-{sf}", "container", "platform", room.name, area, [w], address=False
            )
            self.am(
                sfn,
                prom,
                "KubeStatefulSetReplicasMismatch",
                ["broken"],
                "warning",
                900,
                f"{sfn}.{ns}.svc:9121",
                namespace=ns,
                job="kube-state-metrics",
            )
            self.am(
                sfn,
                prom,
                "TargetDown",
                ["broken"],
                "warning",
                300,
                f"{sfn}.{ns}.svc:9100",
                namespace=ns,
                job=f"{sf}-exporter",
                p=0.8,
            )
            self.am(
                sfn,
                prom,
                "BlackboxProbeFailed",
                ["broken"],
                "critical",
                60,
                f"tcp://{sfn}.{ns}.svc:6379",
                namespace=ns,
                job="blackbox-tcp",
            )
            stateful.append(sfn)
            count = r.randint(1, len(sls))
            for j, s in enumerate(sls[:count]):
                a, b = r.sample(workers, 2)
                deps: list[str | tuple[str, ...]] = [(a, b), sfn]
                exposed = ns in ("portal", "imaging") or j == 0
                if exposed:
                    deps.append(ing_pair)
                calls_hl7 = ns == "clinical"
                if calls_hl7:
                    deps.append("hl7-engine")
                if ns == "portal":
                    deps.append(("ldap-1", "ldap-2"))
                sl = self.add(
                    f"{k}-{ns}-{s}", "container", "platform", room.name, area, deps, address=False
                )
                inst = f"{sl}.{ns}.svc:8080"
                self.am(
                    sl,
                    prom,
                    "KubePodCrashLooping",
                    ["broken"],
                    "warning",
                    300,
                    inst,
                    namespace=ns,
                    job="kube-state-metrics",
                )
                self.am(
                    sl,
                    prom,
                    "HighErrorRate",
                    ["broken"],
                    "error",
                    300,
                    inst,
                    namespace=ns,
                    job=s,
                    p=0.7,
                )
                self.am(
                    sl,
                    prom,
                    "KubeDeploymentReplicasMismatch",
                    ["broken"],
                    "warning",
                    900,
                    inst,
                    namespace=ns,
                    job="kube-state-metrics",
                    p=0.6,
                )
                self.am(
                    sl,
                    prom,
                    "TargetDown",
                    ["broken"],
                    "warning",
                    300,
                    f"{sl}.{ns}.svc:9090",
                    namespace=ns,
                    job=f"{s}-metrics",
                    p=0.4,
                )
                if calls_hl7:
                    self.am(
                        sl,
                        prom,
                        "HighLatency",
                        ["degraded", "broken"],
                        "warning",
                        300,
                        inst,
                        namespace=ns,
                        job=s,
                    )
                    self.hl7_callers.append(sl)
                if exposed:
                    self.am(
                        sl,
                        prom,
                        "BlackboxProbeFailed",
                        ["broken"],
                        "critical",
                        60,
                        f"https://{sl}.apps.{DOMAIN}/healthz",
                        namespace=ns,
                        job="blackbox",
                    )
                self.am(
                    sl,
                    prom,
                    "CertificateExpiringSoon",
                    [],
                    "warning",
                    3600,
                    f"https://{sl}.apps.{DOMAIN}/",
                    namespace=ns,
                    job="blackbox",
                    noise=True,
                )
                stateless.append(sl)
        self.clusters.append(
            Cluster(k, room.name, prom, cps, workers, ing_pair, stateful, stateless)
        )

    def _building(self, b: str, budget: int, idx: int) -> None:
        r = self.rng
        area = f"bldg-{b}"
        site = f"campus-{b}"
        feed = self.add(f"{b}-feed", "power", "facilities", site, area, address=False)
        dists = []
        for i in (1, 2):
            d = self.add(
                f"{b}-dist-{i}", "switch", "network", site, area, [("core-1", "core-2")], crit=2
            )
            self._switch(d, proxy="zbx-proxy-campus")
            dists.append(d)
        pair = (dists[0], dists[1])
        n_fl = max(2, min(5, budget // 10))
        per_fl = max(3, budget // n_fl - 1)
        floors = []
        nagios_bldg = idx % 3 == 1
        for f in range(n_fl):
            acc = self.add(f"{b}-fl{f}-acc", "switch", "network", site, area, [pair, feed])
            self._switch(acc, proxy="zbx-proxy-campus", prtg=r.random() < 0.7)
            members = []
            for a in range(1 + (per_fl > 8)):
                ap = self.add(
                    f"{b}-fl{f}-ap{a + 1:02d}",
                    "ap",
                    "network",
                    site,
                    area,
                    [acc, ("wlc-a", "wlc-b")],
                )
                self.chk(
                    ap,
                    "zabbix",
                    "Unavailable by ICMP ping",
                    ["down"],
                    "crit",
                    "Unavailable by ICMP ping",
                    zsev=4,
                    observer="zbx-proxy-campus",
                )
                self.chk(
                    ap,
                    "zabbix",
                    "Too many associated clients",
                    [],
                    "warn",
                    "Too many associated clients (> 60)",
                    zsev=2,
                    observer="zbx-proxy-campus",
                    noise=True,
                )
                members.append(ap)
            for d in range(per_fl - len(members)):
                kind = r.choice(["ws", "ws", "ws", "pmon", "ivgw", "prn", "mod"])
                nid = self.add(
                    f"{b}-fl{f}-{kind}{d + 1:02d}",
                    "host" if kind == "ws" else "device",
                    "clinical-engineering" if kind in ("pmon", "ivgw", "mod") else "desktop",
                    site,
                    area,
                    [acc],
                )
                self._device(nid, kind, nagios_bldg=nagios_bldg)
                members.append(nid)
            floors.append((acc, members))
        self.buildings.append(Building(b, feed, pair, floors))

    def _device(
        self,
        nid: str,
        kind: str,
        *,
        nagios_bldg: bool,
        probe: str = "prtg-core",
        icinga_obs: str = "icinga-master",
        prtg: bool = True,
    ) -> None:
        r = self.rng
        if kind == "ivgw" and nagios_bldg and probe == "prtg-core":
            self._host_checks(nid, ["nagios"])
            if r.random() < 0.5:
                self.chk(nid, "prtg", "Ping", ["down"], "down", "Request timed out", observer=probe)
            return
        if prtg:
            self.chk(nid, "prtg", "Ping", ["down"], "down", "Request timed out", observer=probe)
            noise = {"prn": "SNMP Printer Toner", "ws": "Disk Free", "mod": "Disk Free"}
            self.chk(
                nid,
                "prtg",
                noise.get(kind, "Ping Jitter"),
                [],
                "warn",
                "Toner low (8 %)" if kind == "prn" else "Warning",
                observer=probe,
                noise=True,
            )
        if kind == "pmon" and probe == "prtg-core":
            self.chk(
                nid,
                "zabbix",
                "Unavailable by ICMP ping",
                ["down"],
                "crit",
                "Unavailable by ICMP ping",
                zsev=4,
                observer="zbx-proxy-campus",
            )
        if kind in ("mod", "pmon") or not prtg or r.random() < 0.15:
            self.chk(
                nid,
                "icinga",
                None,
                ["down"],
                "down",
                "CRITICAL - Host Unreachable",
                observer=icinga_obs,
            )
            if kind == "mod":
                self.chk(
                    nid,
                    "icinga",
                    "DICOM echo",
                    ["down"],
                    "crit",
                    "CRITICAL - DICOM association failed",
                    observer=icinga_obs,
                    p=0.5,
                )
            self.chk(
                nid,
                "icinga",
                "disk C:",
                [],
                "warn",
                "WARNING - C: 91 % used",
                observer=icinga_obs,
                noise=True,
            )

    def _clinic(self, c: str, n_dev: int, *, monitored_fibre: bool) -> None:
        r = self.rng
        area = f"clinic-{c}"
        site = f"clinic-{c}"
        hubs = ("sdwan-hub-1", "sdwan-hub-2")
        fibre = self.add(f"{c}-fibre", "link", "network", site, area, [hubs], address=False)
        lte = self.add(f"{c}-lte", "link", "network", site, area, [hubs], address=False)
        rtr = self.add(f"{c}-rtr", "router", "network", site, area, [(fibre, lte)])
        self.nodes[fibre].hostname = rtr
        self.nodes[lte].hostname = rtr
        if monitored_fibre:
            self.chk(
                fibre,
                "zabbix",
                "SD-WAN transport fibre: tunnel down",
                ["down"],
                "crit",
                "SD-WAN transport fibre: tunnel down",
                zsev=3,
                on_host=rtr,
            )
        if r.random() < 0.5:
            self.chk(
                lte,
                "zabbix",
                "Cellular interface down",
                ["down"],
                "crit",
                "Cellular interface down",
                zsev=3,
                on_host=rtr,
            )
        self.chk(
            rtr,
            "icinga",
            None,
            ["down"],
            "down",
            "CRITICAL - Host Unreachable",
            observer="icinga-master",
        )
        self.chk(
            rtr,
            "zabbix",
            "Interface Gi0/0/1(fibre): High error rate",
            [],
            "warn",
            "High error rate (> 2 % for 5m)",
            zsev=2,
            noise=True,
        )
        sw = self.add(f"{c}-sw", "switch", "network", site, area, [rtr])
        prtg = r.random() < 0.6
        if prtg:
            probe = self.add(f"{c}-probe", "probe", "monitoring", site, area, [sw])
            self.chk(
                probe,
                "prtg",
                "Probe Health",
                ["down", "probehung"],
                "down",
                "Probe disconnected",
                observer="prtg-core",
            )
            self.chk(rtr, "prtg", "Ping", ["down"], "down", "Request timed out", observer=probe)
            self.chk(sw, "prtg", "Ping", ["down"], "down", "Request timed out", observer=probe)
        else:
            probe = self.add(f"{c}-sat", "probe", "monitoring", site, area, [sw])
            self.chk(
                probe,
                "icinga",
                "cluster-zone",
                ["down", "probehung"],
                "crit",
                f"CRITICAL - Zone '{c}' is not connected",
                observer="icinga-master",
            )
            self.chk(
                sw, "icinga", None, ["down"], "down", "CRITICAL - Host Unreachable", observer=probe
            )
        devices = []
        for d in range(max(4 if prtg else 2, n_dev)):
            kind = r.choice(["ws", "ws", "prn", "pmon", "mod"])
            nid = self.add(
                f"{c}-{kind}{d + 1:02d}",
                "host" if kind == "ws" else "device",
                "desktop",
                site,
                area,
                [sw],
            )
            if prtg:
                self._device(nid, kind, nagios_bldg=False, probe=probe)
            else:
                self._device(nid, kind, nagios_bldg=False, icinga_obs=probe, prtg=False)
            devices.append(nid)
        self.clinics.append(Clinic(c, fibre, lte, rtr, sw, probe, prtg, devices))

    def _finish(self) -> None:
        for nid in self.order:
            self.nodes[nid].monitored_as = list(self._entries.get(nid, []))

    # -- graph queries -------------------------------------------------------------------

    def dependents(self, nid: str) -> list[str]:
        if self._dependents is None:
            deps: dict[str, list[str]] = defaultdict(list)
            for n in self.order:
                for d in self.nodes[n].deps:
                    for m in (d,) if isinstance(d, str) else d:
                        if n not in deps[m]:
                            deps[m].append(n)
            self._dependents = deps
        return self._dependents.get(nid, [])

    def affected(self, roots: Iterable[str]) -> frozenset[str]:
        """Every node that fails when ``roots`` fail (``any_of`` honoured)."""
        key = "|".join(sorted(roots))
        got = self._affected.get(key)
        if got is not None:
            return got
        failed = set(key.split("|"))
        for n in self.order:  # dependencies are always added before their dependents
            if n in failed:
                continue
            for d in self.nodes[n].deps:
                members = (d,) if isinstance(d, str) else d
                if all(m in failed for m in members):
                    failed.add(n)
                    break
        out = frozenset(failed)
        self._affected[key] = out
        return out

    def below(self, nid: str) -> list[str]:
        seen: list[str] = []
        stack = [nid]
        while stack:
            for d in self.nodes[stack.pop()].deps:
                for m in (d,) if isinstance(d, str) else d:
                    if m not in seen:
                        seen.append(m)
                        stack.append(m)
        return seen

    def monitored(self, nid: str) -> bool:
        return bool(self.by_node.get(nid))

    def topology(self) -> dict[str, Any]:
        out: list[dict[str, Any]] = []
        for nid in self.order:
            n = self.nodes[nid]
            item: dict[str, Any] = {"id": nid, "kind": n.kind, "team": n.team, "site": n.site}
            if n.criticality != 3:
                item["criticality"] = n.criticality
            if n.tags:
                item["tags"] = dict(n.tags)
            if n.monitored_as:
                item["monitored_as"] = list(n.monitored_as)
            if n.deps:
                item["depends_on"] = [
                    d if isinstance(d, str) else {"any_of": list(d)} for d in n.deps
                ]
            out.append(item)
        return {"version": 1, "defaults": {"team": "service-desk"}, "nodes": out}


def build_world(seed: int, nodes: int = 600) -> World:
    return World(seed, nodes)


# --------------------------------------------------------------------------------------
# Faults and their episodes
# --------------------------------------------------------------------------------------

# Detection delay (s) from a state change to the tool's first report: check interval x
# retries within config/default.yaml's detection_delay_s; slower for warnings (averaging
# trigger windows, sensor thresholds). Icinga's first report is its SOFT state; HARD
# follows two 30 s retries later.
_DET: Final = {"nagios": (30, 90), "icinga": (15, 45), "zabbix": (30, 120), "prtg": (30, 90)}
_DET_SLOW: Final = {
    "nagios": (60, 240),
    "icinga": (60, 200),
    "zabbix": (120, 300),
    "prtg": (60, 180),
}
_ICINGA_RETRY: Final = 60.0
_RENOTIFY: Final = 1800.0


@dataclass(slots=True)
class Ep:
    chk: Check
    t: float  # first report (Icinga: the SOFT state)
    end: float  # recovery report; INF: still open when the stream ends
    fault: int
    level: str  # down | unreach | paused | crit | warn | unknown
    notify: bool = True
    renotify: bool = False
    ack_at: float | None = None
    maint: bool = False
    flaps: list[tuple[float, float]] | None = None
    observer_only: bool = False
    notice_only: bool = False  # maintenance in a tool that reports no problem meanwhile


@dataclass(slots=True)
class Plan:
    kind: str
    root: str | None
    t0: float
    end: float
    seeds: dict[str, list[tuple[str, float]]]
    seed_end: dict[str, float] = field(default_factory=dict)
    group: tuple[str, ...] = ()
    force: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    min_nodes: int = 1
    min_extra: int = 0
    watched: list[str] = field(default_factory=list)
    extra: list[tuple[Check, float, str, float]] = field(default_factory=list)


@dataclass(slots=True)
class _Fault:
    idx: int
    kind: str
    root: str | None
    started_at: float
    equivalent: list[str]
    watched: list[str]
    maintenance: bool = False


def _child_mode(parent_mode: str, kind: str) -> str:
    if kind in _APP_KINDS:
        return "broken"
    return "down" if parent_mode in ("down", "hung") else "broken"


Timeline = dict[str, tuple[list[tuple[str, float]], float]]


class _Sim:
    """Places faults on the world and draws their episodes."""

    def __init__(self, world: World, seed: int, tag: str) -> None:
        self.w = world
        self.seed = seed
        self.tag = tag
        self.rng = random.Random(f"sim-e:{tag}:{seed}:{len(world.order)}")
        self.faults: list[_Fault] = []
        self.eps: list[Ep] = []
        self.busy: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.unplaced_n = 0

    # -- bookkeeping ---------------------------------------------------------------------

    def _free(self, keys: Iterable[str], t0: float, t1: float) -> bool:
        for key in keys:
            for a, b in self.busy.get(key, ()):
                if a < t1 and t0 < b:
                    return False
        return True

    def _mark(self, keys: Iterable[str], t0: float, t1: float) -> None:
        for key in keys:
            self.busy[key].append((t0, t1))

    def _new_fault(
        self,
        kind: str,
        root: str | None,
        t: float,
        *,
        equivalent: Iterable[str] = (),
        watched: Iterable[str] = (),
        maintenance: bool = False,
    ) -> int:
        k = len(self.faults)
        self.faults.append(_Fault(k, kind, root, t, list(equivalent), list(watched), maintenance))
        return k

    # -- propagation and detection -------------------------------------------------------

    def _timeline(self, plan: Plan, k: int) -> Timeline:
        w = self.w
        memo: dict[str, tuple[str, float, float]] = {}
        for nid in w.order:
            best: tuple[str, float, float] | None = None
            for mode, t in plan.seeds.get(nid, []):
                if mode in _PROPAGATING and (best is None or t < best[1]):
                    best = (mode, t, plan.seed_end.get(nid, plan.end))
            node = w.nodes[nid]
            for d in node.deps:
                members = (d,) if isinstance(d, str) else d
                effs = [memo[m] for m in members if m in memo]
                if len(effs) < len(members):
                    continue
                last = max(effs, key=lambda e: e[1])
                mode = _child_mode(last[0], node.kind)
                lag = (
                    3 + 25 * _h(self.seed, k, nid)
                    if mode == "down"
                    else 40 + 110 * _h(self.seed, k, nid)
                )
                end = min(e[2] for e in effs) + 20 + 100 * _h(self.seed, k, nid, "end")
                if best is None or last[1] + lag < best[1]:
                    best = (mode, last[1] + lag, end)
            if best is not None:
                memo[nid] = best
        tl: Timeline = {}
        for nid in w.order:
            modes = [(m, t) for m, t in plan.seeds.get(nid, []) if m not in _PROPAGATING]
            e = memo.get(nid)
            end = plan.seed_end.get(nid, plan.end)
            if e is not None:
                modes.append((e[0], e[1]))
                end = e[2]
            if modes:
                tl[nid] = (sorted(modes, key=lambda x: x[1]), end)
        return tl

    def _delay(self, c: Check, mode: str, rng: random.Random) -> float:
        if c.tool == "alertmanager":
            return c.for_s + rng.uniform(15, 60)
        slow = c.slow or mode in ("degraded", "hot")
        lo, hi = (_DET_SLOW if slow else _DET)[c.tool]
        return rng.uniform(lo, hi)

    def _rdelay(self, c: Check, rng: random.Random) -> float:
        return rng.uniform(30, 120) if c.tool == "alertmanager" else rng.uniform(10, 90)

    def _detect(
        self, plan: Plan, tl: Timeline, k: int, rng: random.Random, *, miss: bool
    ) -> list[Ep]:
        w = self.w
        cut: dict[str, float] = {}
        for nid, (modes, _end) in tl.items():
            if w.nodes[nid].kind == "probe":
                for m, t in modes:
                    if m == "down":
                        cut[nid] = t
        eps: list[Ep] = []
        for nid, (modes, end) in tl.items():
            seeded = nid in plan.seeds
            forced = nid in plan.force
            for c in w.by_node.get(nid, []):
                if c.noise:
                    continue
                hit = next(((m, t) for m, t in modes if m in c.modes), None)
                if hit is None:
                    continue
                mode, t = hit
                det = t + self._delay(c, mode, rng)
                level = c.level
                lost = cut.get(c.observer) if c.observer else None
                if lost is not None and lost <= det:
                    # the watcher lost its path: PRTG's core shows the sensor Unknown,
                    # the other tools' satellites and probes cannot send at all
                    if c.tool != "prtg" or rng.random() > 0.6:
                        continue
                    level = "unknown"
                    det = lost + rng.uniform(60, 180)
                elif not forced and miss and rng.random() > c.p:
                    continue
                if det >= end - 30:
                    continue
                forced = False
                notify = True
                if level == "down" and not seeded:
                    r = rng.random()
                    if c.tool == "nagios" and r < 0.5:
                        level = "unreach"
                    elif c.tool == "prtg" and r < 0.15:
                        level = "paused"
                    notify = c.tool != "icinga" or r < 0.3
                eps.append(
                    Ep(
                        c,
                        det,
                        end + self._rdelay(c, rng),
                        k,
                        level,
                        notify=notify,
                        renotify=rng.random() < 0.5,
                    )
                )
        for c, t, level, p in plan.extra:
            if miss and rng.random() > p:
                continue
            det = t + self._delay(c, "down", rng)
            end = plan.end + self._rdelay(c, rng)
            if det < end - 30:
                eps.append(Ep(c, det, end, k, level, observer_only=True))
        return eps

    def _rivals(self, plan: Plan, tl: Timeline, alerting: set[str]) -> tuple[list[str], list[str]]:
        """Single nodes of the fault that would explain the alerts seen: strictly fewer
        possible alerts (rivals: re-draw) or exactly the same (equivalent roots)."""
        w = self.w
        roots = set(plan.group) if plan.group else {plan.root}
        mon_all = {n for n in tl if w.monitored(n)}
        rivals: list[str] = []
        equal: list[str] = []
        for x in tl:
            if x in roots:
                continue
            ax = w.affected([x])
            if not alerting <= ax:
                continue
            mon = {n for n in ax if w.monitored(n)}
            if not mon <= mon_all:
                continue
            if mon == mon_all:
                equal.append(x)
            else:
                rivals.append(x)
        return rivals, equal

    def place(self, plans: list[Plan], label: str | None = None) -> bool:
        """Place ``plans`` together (all or none)."""
        staged: list[tuple[Plan, list[Ep], list[str], list[str], float]] = []
        marks: list[tuple[list[str], float, float]] = []
        ok = True
        for n, plan in enumerate(plans):
            k = len(self.faults) + n
            tl = self._timeline(plan, k)
            t1 = max([end for _, end in tl.values()] + [plan.end]) + 1800
            keys = [*tl, *plan.watched, *(c.node for c, _, _, _ in plan.extra), *plan.areas]
            if not self._free(keys, plan.t0 - 600, t1):
                ok = False
                break
            found = None
            for attempt in range(40):
                rng = random.Random(f"detect-e:{self.tag}:{self.seed}:{k}:{attempt}")
                eps = self._detect(plan, tl, k, rng, miss=attempt < 30)
                alerting = {e.chk.node for e in eps if not e.observer_only}
                extra = sum(1 for e in eps if e.observer_only)
                if len(alerting) < plan.min_nodes or extra < plan.min_extra:
                    continue
                rivals, equal = self._rivals(plan, tl, alerting)
                if rivals:
                    continue
                found = (eps, equal, alerting)
                break
            if found is None:
                ok = False
                break
            eps, equal, alerting = found
            if plan.group and plan.root not in alerting:
                equal = [m for m in plan.group if m != plan.root] + equal
            self._mark(keys, plan.t0 - 600, t1)
            marks.append((keys, plan.t0 - 600, t1))
            staged.append((plan, eps, equal, plan.watched, t1))
        if not ok:
            for keys, a, b in marks:
                for key in keys:
                    self.busy[key].remove((a, b))
            return False
        for plan, eps, equal, watched, _t1 in staged:
            k = self._new_fault(
                label or plan.kind, plan.root, plan.t0, equivalent=equal, watched=watched
            )
            for e in eps:
                e.fault = k
            self._acks(eps)
            self.eps.extend(eps)
        return True

    def _acks(self, eps: list[Ep]) -> None:
        rng = self.rng
        if not eps or rng.random() > 0.35:
            return
        firsts = sorted((e for e in eps if e.chk.tool != "alertmanager"), key=lambda e: e.t)
        for e in firsts[: rng.randint(1, 2)]:
            at = e.t + rng.uniform(300, 1200)
            if at < e.end - 60 and e.level in ("down", "crit", "warn"):
                e.ack_at = at

    # -- fault plans ---------------------------------------------------------------------

    def plan(self, kind: str, t: float, rng: random.Random) -> list[Plan] | None:
        w = self.w
        u = rng.uniform
        if kind == "cooling":
            room = rng.choice(w.rooms)
            servers = list(w.dependents(room.crac))
            seeds: dict[str, list[tuple[str, float]]] = {room.crac: [("cooling", t)]}
            seed_end: dict[str, float] = {}
            end = t + u(2400, 4200)
            shut = rng.sample(servers, max(2, int(len(servers) * u(0.25, 0.5))))
            for s in servers:
                seeds[s] = [("hot", t + u(120, 600))]
                seed_end[s] = end + u(300, 900)
                if s in shut:
                    seeds[s].append(("down", t + u(600, 1800)))
                    seed_end[s] = end + u(600, 1500)
            return [
                Plan(
                    kind,
                    room.crac,
                    t,
                    end,
                    seeds,
                    seed_end,
                    areas=[f"room-{room.name[-1]}"],
                    min_nodes=3,
                )
            ]
        if kind == "ups-battery":
            room = rng.choice(w.rooms)
            batt = u(480, 1200)
            seeds = {
                room.feed: [("mainsloss", t)],
                room.ups: [("onbatt", t), ("battlow", t + batt - u(120, 300)), ("down", t + batt)],
            }
            end = t + batt + u(900, 2700)
            return [
                Plan(
                    kind,
                    room.ups,
                    t,
                    end,
                    seeds,
                    force=[room.ups],
                    areas=[f"room-{room.name[-1]}"],
                    min_nodes=3,
                )
            ]
        if kind in ("dist-pair", "dist-member", "building-power"):
            b = rng.choice(w.buildings)
            area = [f"bldg-{b.name}"]
            if kind == "building-power":
                end = t + u(900, 3600)
                return [
                    Plan(kind, b.feed, t, end, {b.feed: [("down", t)]}, areas=area, min_nodes=3)
                ]
            first, second = rng.sample(list(b.dists), 2)
            if kind == "dist-member":
                end = t + u(600, 2400)
                return [
                    Plan(kind, first, t, end, {first: [("down", t)]}, force=[first], areas=area)
                ]
            t2 = t + u(120, 600)
            end = t2 + u(900, 2400)
            return [
                Plan(
                    kind,
                    first,
                    t,
                    end,
                    {first: [("down", t)], second: [("down", t2)]},
                    group=(first, second),
                    force=[first],
                    areas=area,
                    min_nodes=3,
                )
            ]
        if kind == "k8s-worker":
            c = rng.choice(w.clusters)
            cands = [
                x
                for x in c.workers
                if any(
                    w.nodes[d].kind == "container"
                    for d in w.dependents(x)
                    if w.nodes[d].deps[0] == x
                )
            ]
            worker = rng.choice(cands)
            end = t + u(2100, 3600)
            return [
                Plan(
                    kind,
                    worker,
                    t,
                    end,
                    {worker: [("hung", t)]},
                    force=[worker],
                    areas=[f"room-{c.room[-1]}"],
                    min_nodes=2,
                )
            ]
        if kind == "prom-cut":
            c = rng.choice(w.clusters)
            end = t + u(1800, 3600)
            targets = [x for x in w.checks if x.observer == c.prom and x.name == "TargetDown"]
            start = t + u(0, 20)
            extra = [(x, start + u(0, 25), "warn", 0.95) for x in targets]
            watched = list(dict.fromkeys(x.node for x in targets))
            return [
                Plan(
                    kind,
                    c.prom,
                    t,
                    end,
                    {c.prom: [("cut", t)]},
                    force=[c.prom],
                    areas=[f"room-{c.room[-1]}"],
                    watched=watched,
                    extra=extra,
                    min_extra=4,
                )
            ]
        if kind == "hl7-degraded":
            seeds = {"hl7-engine": [("degraded", t + u(300, 600))]}
            for caller in w.hl7_callers:
                seeds[caller] = [("degraded", t + u(20, 150))]
            end = t + u(1800, 3600)
            return [
                Plan(
                    kind,
                    "hl7-engine",
                    t,
                    end,
                    seeds,
                    force=["hl7-engine"],
                    areas=["room-a", "room-b"],
                    min_nodes=3,
                )
            ]
        if kind in ("db-primary", "db-both"):
            _db, pa, pb = rng.choice(w.db_pairs)
            first, second = rng.sample([pa, pb], 2)
            areas = ["room-a", "room-b"]
            if kind == "db-primary":
                end = t + u(1200, 3600)
                return [
                    Plan(kind, first, t, end, {first: [("down", t)]}, force=[first], areas=areas)
                ]
            t2 = t + u(120, 600)
            end = t2 + u(1200, 3000)
            return [
                Plan(
                    kind,
                    first,
                    t,
                    end,
                    {first: [("down", t)], second: [("down", t2)]},
                    group=(first, second),
                    force=[first],
                    areas=areas,
                    min_nodes=3,
                )
            ]
        if kind == "san-controller":
            room = rng.choice(w.rooms)
            ctl = rng.choice(list(room.ctls))
            end = t + u(1800, 5400)
            return [
                Plan(
                    kind,
                    ctl,
                    t,
                    end,
                    {ctl: [("down", t)]},
                    force=[ctl],
                    areas=[f"room-{room.name[-1]}"],
                )
            ]
        if kind == "san-array":
            room = rng.choice(w.rooms)
            end = t + u(1800, 3600)
            return [
                Plan(
                    kind,
                    room.san,
                    t,
                    end,
                    {room.san: [("down", t)]},
                    force=[room.san],
                    areas=["room-a", "room-b"],
                    min_nodes=2,
                )
            ]
        if kind in ("clinic-cut", "clinic-fibre", "probe-hung"):
            pool = w.clinics
            if kind == "clinic-fibre":
                pool = [c for c in w.clinics if w.monitored(c.fibre)]
            if kind == "probe-hung":
                pool = [
                    c
                    for c in w.clinics
                    if not c.prtg or sum(1 for x in w.checks if x.observer == c.probe) >= 5
                ]
            cl = rng.choice(pool)
            area = [f"clinic-{cl.name}"]
            if kind == "clinic-fibre":
                end = t + u(900, 3600)
                return [
                    Plan(
                        kind,
                        cl.fibre,
                        t,
                        end,
                        {cl.fibre: [("down", t)]},
                        force=[cl.fibre],
                        areas=area,
                    )
                ]
            if kind == "probe-hung":
                end = t + u(1800, 5400)
                observed = [x for x in w.checks if x.observer == cl.probe]
                extra = [(x, t + u(0, 60), "unknown", 0.85) for x in observed] if cl.prtg else []
                watched = list(dict.fromkeys(x.node for x in observed))
                return [
                    Plan(
                        kind,
                        cl.probe,
                        t,
                        end,
                        {cl.probe: [("probehung", t)]},
                        force=[cl.probe],
                        areas=area,
                        watched=watched,
                        extra=extra,
                        min_extra=4 if cl.prtg else 0,
                    )
                ]
            first, second = rng.sample([cl.fibre, cl.lte], 2)
            t2 = t + u(60, 900)
            end = t2 + u(1200, 3600)
            force = [first] if w.monitored(first) else []
            return [
                Plan(
                    kind,
                    first,
                    t,
                    end,
                    {first: [("down", t)], second: [("down", t2)]},
                    group=(first, second),
                    force=force,
                    areas=area,
                    min_nodes=3,
                )
            ]
        if kind == "concurrent":
            pool = [
                "clinic-cut",
                "dist-pair",
                "dist-member",
                "building-power",
                "probe-hung",
                "clinic-fibre",
                "k8s-worker",
                "db-primary",
                "cooling",
                "san-controller",
            ]
            ka, kb = rng.sample(pool, 2)
            pa = self.plan(ka, t, rng)
            pb = self.plan(kb, t + u(0, 120), rng)
            if not pa or not pb or set(pa[0].areas) & set(pb[0].areas):
                return None
            return pa + pb
        raise ValueError(f"unknown fault kind {kind!r}")

    def add_fault(self, kind: str, t: float) -> bool:
        if kind == "twin-warn":
            return self.add_twin(t)
        if kind in OTHER_KINDS_E:
            return getattr(self, "add_" + kind)(t)  # type: ignore[no-any-return]
        for attempt in range(30):
            rng = random.Random(f"plan-e:{self.tag}:{self.seed}:{kind}:{t}:{attempt}")
            plans = self.plan(kind, t + attempt * 97.0, rng)
            if plans and self.place(plans, "concurrent" if kind == "concurrent" else None):
                return True
        return False

    # -- noise and decoration ------------------------------------------------------------

    def _noise_checks(self, t0: float, t1: float) -> list[Check]:
        return [c for c in self.w.checks if c.noise and self._free([c.node, c.cid], t0, t1)]

    def _noise_ep(self, c: Check, t: float, kind: str, end: float) -> None:
        rng = self.rng
        k = self._new_fault(kind, c.node, t)
        e = Ep(c, t, end, k, c.level, renotify=rng.random() < 0.4)
        self._acks([e])
        self.eps.append(e)
        self._mark([c.node, c.cid], t - 600, end + 1800)

    def add_noise(self, t: float) -> bool:
        # a warning left open (a certificate nobody renews) blocks its node to the end
        end = INF if self.rng.random() < 0.25 else t + self.rng.uniform(900, 7200)
        cands = self._noise_checks(t - 600, end + 1800)
        if not cands:
            return False
        self._noise_ep(self.rng.choice(cands), t, "noise", end)
        return True

    def add_twin(self, t: float) -> bool:
        rng = self.rng
        w = self.w
        parents = [acc for b in w.buildings for acc, _ in b.floors] + [c.switch for c in w.clinics]
        rng.shuffle(parents)
        for parent in parents:
            kids = [
                c
                for d in w.dependents(parent)
                for c in w.by_node.get(d, [])
                if c.noise and self._free([c.node, c.cid, parent], t - 600, t + 9100)
            ]
            by_node: dict[str, Check] = {}
            for c in kids:
                by_node.setdefault(c.node, c)
            if len(by_node) < 2:
                continue
            a, b = rng.sample(sorted(by_node), 2)
            self._noise_ep(by_node[a], t, "twin-warn", t + rng.uniform(900, 7200))
            tb = t + rng.uniform(0, 60)
            self._noise_ep(by_node[b], tb, "twin-warn", tb + rng.uniform(900, 7200))
            return True
        return False

    def add_flapping(self, t: float) -> bool:
        rng = self.rng
        cands = [
            c
            for c in self._noise_checks(t - 600, t + 9000)
            if c.tool in ("icinga", "nagios", "prtg", "zabbix")
        ]
        if not cands:
            return False
        c = rng.choice(cands)
        k = self._new_fault("flapping", c.node, t)
        flaps = []
        at = t
        for _ in range(rng.randint(4, 7)):
            ok = at + rng.uniform(60, 240)
            flaps.append((at, ok))
            at = ok + rng.uniform(90, 400)
        self.eps.append(Ep(c, t, flaps[-1][1], k, c.level, flaps=flaps))
        self._mark([c.node, c.cid], t - 600, at + 1800)
        return True

    def add_maintenance(self, t: float) -> bool:
        rng = self.rng
        w = self.w
        cands = [
            n
            for n in w.order
            if any(c.tool == "icinga" and c.name is None for c in w.by_node.get(n, []))
            and not w.dependents(n)
            and self._free([n, w.nodes[n].area], t - 1200, t + 5400)
        ]
        if not cands:
            return False
        n = rng.choice(cands)
        k = self._new_fault("maintenance", n, t, maintenance=True)
        end = t + rng.uniform(300, 1500)
        for c in w.by_node[n]:
            if c.noise or "down" not in c.modes or (c.name is not None and rng.random() < 0.5):
                continue
            # The other tools are put in maintenance too (PRTG paused by the user, Nagios
            # downtime, Zabbix maintenance without problems): notices only.
            self.eps.append(
                Ep(
                    c,
                    t + rng.uniform(5, 40),
                    end + rng.uniform(10, 60),
                    k,
                    c.level,
                    notify=False,
                    maint=True,
                    notice_only=c.tool != "icinga",
                )
            )
        self._mark([n], t - 1200, end + 1800)
        return True

    def add_unplaced(self, t: float) -> bool:
        rng = self.rng
        self.unplaced_n += 1
        i = self.unplaced_n
        host, tool = rng.choice(
            [
                (f"MOBILE-XRAY-{i:02d}", "prtg"),
                (f"lab-analyzer-tmp{i}", "zabbix"),
                (f"guest-kiosk-{i}.{DOMAIN}", "icinga"),
                (f"10.99.{i}.{rng.randint(2, 250)}", "prtg"),
            ]
        )
        k = self._new_fault("unplaced", None, t)
        names = {
            "prtg": ["Ping"],
            "zabbix": ["Unavailable by ICMP ping", "Zabbix agent is not available"],
            "icinga": [None],
        }[tool]
        for j, name in enumerate(names[: rng.randint(1, len(names))]):
            c = Check(
                cid=f"{tool}:{host}:{name}",
                node="",
                tool=tool,
                host=host,
                name=name,
                modes=frozenset(),
                level="down" if name in (None, "Ping") else "crit",
                text="Request timed out",
                zsev=4 if tool == "zabbix" else 0,
                observer="prtg-core"
                if tool == "prtg"
                else ("icinga-master" if tool == "icinga" else None),
                ident=str(900000 + i * 10 + j),
                device_id=str(90000 + i),
                group="Unsorted",
                address=host if host[0].isdigit() else "",
            )
            self.eps.append(
                Ep(c, t + j * rng.uniform(5, 60), t + rng.uniform(900, 3600), k, c.level)
            )
        return True


# --------------------------------------------------------------------------------------
# Rendering: episodes -> native payloads -> replay lines
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    at: float
    seq: int
    source: str
    payload: dict[str, Any]
    observer: str | None
    marks: list[tuple[int, str]]  # (fault, node) of each problem it carries


_ICINGA_SVC_STATE: Final = {"crit": 2, "warn": 1, "unknown": 3, "down": 2}
_NAGIOS_SVC_STATE: Final = {"crit": "CRITICAL", "warn": "WARNING", "unknown": "UNKNOWN"}
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
        self.rng = random.Random(f"render-e:{tag}:{seed}")
        self.lines: list[_Line] = []
        self.horizon = horizon
        self.nagios_id = 1000
        self.zabbix_id = 500000

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

    def _cr(self, c: Check, state: int, state_type: int, t: float, output: str) -> dict[str, Any]:
        return {
            "active": True,
            "check_source": c.observer or "icinga-master",
            "command": ["check_dummy"],
            "execution_start": round(t - 0.4, 3),
            "execution_end": round(t, 3),
            "exit_status": state,
            "output": output,
            "performance_data": [],
            "state": state,
            "type": "CheckResult",
            "vars_after": {
                "attempt": 1,
                "reachable": True,
                "state": state,
                "state_type": state_type,
            },
        }

    def _icinga_obj(self, c: Check, kind: str, t: float, **extra: Any) -> dict[str, Any]:
        obj: dict[str, Any] = {"type": kind, "host": c.host}
        if c.name is not None:
            obj["service"] = c.name
        obj.update(extra)
        obj["timestamp"] = round(t, 3)
        return obj

    def icinga(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        host = c.name is None
        pstate = 1 if host else _ICINGA_SVC_STATE[e.level]
        crstate = 2 if host else pstate
        mark = [(e.fault, c.node)]
        obs = c.observer

        def lat() -> float:
            return rng.uniform(0.02, 5.0)

        def state_change(t: float, state: int, cr: int, st: int, output: str, *, m: bool) -> None:
            self.emit(
                t + lat(),
                "icinga",
                self._icinga_obj(
                    c,
                    "StateChange",
                    t,
                    state=state,
                    state_type=st,
                    check_result=self._cr(c, cr, st, t, output),
                    downtime_depth=1 if e.maint else 0,
                    acknowledgement=False,
                ),
                obs,
                mark if m else None,
            )

        def notification(
            t: float,
            ntype: str,
            state: int,
            output: str,
            *,
            m: bool,
            author: str = "",
            text: str = "",
        ) -> None:
            self.emit(
                t + lat(),
                "icinga",
                self._icinga_obj(
                    c,
                    "Notification",
                    t,
                    notification_type=ntype,
                    command="http-notify",
                    users=["oncall"],
                    author=author,
                    text=text,
                    check_result=self._cr(c, state, 1, t, output),
                ),
                obs,
                mark if m else None,
            )

        if e.flaps:
            for n, (p, ok) in enumerate(e.flaps):
                state_change(p, pstate, crstate, 1, c.text, m=True)
                if n == 0:
                    notification(p + 0.1, "Problem", crstate, c.text, m=True)
                state_change(ok, 0, 0, 1, "OK", m=False)
                if n == 2:
                    self.emit(
                        ok + lat(),
                        "icinga",
                        self._icinga_obj(
                            c, "Flapping", ok, is_flapping=True, state=0, state_type=1
                        ),
                        obs,
                    )
                    notification(ok + 0.1, "FlappingStart", 0, "OK", m=False)
            last = e.flaps[-1][1]
            if len(e.flaps) > 2:
                end_flap = last + rng.uniform(600, 1200)
                self.emit(
                    end_flap,
                    "icinga",
                    self._icinga_obj(
                        c, "Flapping", end_flap, is_flapping=False, state=0, state_type=1
                    ),
                    obs,
                )
                notification(end_flap + 0.1, "FlappingEnd", 0, "OK", m=False)
            return
        if e.maint:
            dt = {
                "__name": f"{c.host}!maint-{e.fault}",
                "author": "ward-it",
                "comment": "planned firmware update",
                "host_name": c.host,
                "service_name": c.name or "",
                "start_time": int(e.t - 120),
                "end_time": int(e.end + 600),
                "fixed": True,
                "type": "Downtime",
            }
            self.emit(
                e.t - 120 + lat(),
                "icinga",
                {"type": "DowntimeStarted", "downtime": dt, "timestamp": e.t - 120},
                obs,
            )
        state_change(e.t, pstate, crstate, 0, c.text, m=True)
        hard = e.t + _ICINGA_RETRY
        notified = False
        if hard < e.end:
            state_change(hard, pstate, crstate, 1, c.text, m=True)
            if e.notify and not e.maint:
                notified = True
                notification(hard + 0.05, "Problem", crstate, c.text, m=True)
                if e.renotify:
                    t = hard + _RENOTIFY
                    while t < min(e.end, self.horizon):
                        notification(t, "Problem", crstate, c.text, m=True)
                        t += _RENOTIFY
            if e.ack_at is not None and e.ack_at > hard:
                if notified:
                    notification(
                        e.ack_at,
                        "Acknowledgement",
                        crstate,
                        c.text,
                        m=False,
                        author="noc-oncall",
                        text="looking into it",
                    )
                self.emit(
                    e.ack_at + 0.2 + lat(),
                    "icinga",
                    self._icinga_obj(
                        c,
                        "AcknowledgementSet",
                        e.ack_at + 0.2,
                        author="noc-oncall",
                        comment="looking into it",
                        acknowledgement_type=1,
                        state=pstate,
                        state_type=1,
                        expiry=0,
                        notify=True,
                        persistent=False,
                    ),
                    obs,
                )
        if e.end < self.horizon:
            if e.ack_at is not None and e.ack_at > hard and hard < e.end:
                self.emit(
                    e.end + lat(),
                    "icinga",
                    self._icinga_obj(
                        c,
                        "AcknowledgementCleared",
                        e.end,
                        acknowledgement_type=0,
                        state=0,
                        state_type=1,
                    ),
                    obs,
                )
            state_change(e.end + 0.01, 0, 0, 1, "OK" if c.name else "PING OK - rta 0.8 ms", m=False)
            if notified:
                notification(e.end + 0.05, "Recovery", 0, "OK", m=False)
        if e.maint:
            t = e.end + 600
            dt = {
                "__name": f"{c.host}!maint-{e.fault}",
                "author": "ward-it",
                "comment": "planned firmware update",
                "host_name": c.host,
                "service_name": c.name or "",
                "type": "Downtime",
            }
            if t < self.horizon:
                self.emit(
                    t + lat(),
                    "icinga",
                    {"type": "DowntimeRemoved", "downtime": dt, "timestamp": t},
                    obs,
                )

    # -- Nagios 4 ------------------------------------------------------------------------

    def nagios(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        self.nagios_id += 1
        pid = str(self.nagios_id)
        host = c.name is None

        def body(
            ntype: str,
            t: float,
            state: str,
            output: str,
            *,
            recovery: bool = False,
            author: str = "",
            comment: str = "",
        ) -> dict[str, Any]:
            p: dict[str, Any] = {
                "NOTIFICATIONTYPE": ntype,
                "HOSTNAME": c.host,
                "HOSTADDRESS": c.address,
                "HOSTGROUPNAMES": "medical-devices" if "ivgw" in c.host.lower() else "servers",
                "TIMET": str(int(t)),
            }
            if host:
                p.update(
                    HOSTSTATE=state,
                    HOSTSTATETYPE="HARD",
                    HOSTOUTPUT=output,
                    HOSTPROBLEMID="0" if recovery else pid,
                    LASTHOSTPROBLEMID=pid if recovery else "0",
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
            if author:
                p.update(NOTIFICATIONAUTHOR=author, NOTIFICATIONCOMMENT=comment)
            return p

        if host:
            pstate = "UNREACHABLE" if e.level == "unreach" else "DOWN"
            okstate, okout = "UP", "PING OK - Packet loss = 0%, RTA = 0.61 ms"
            out = f"CRITICAL - Host Unreachable ({c.address})" if e.level == "unreach" else c.text
        else:
            pstate = _NAGIOS_SVC_STATE.get(e.level, "CRITICAL")
            okstate, okout = "OK", "OK"
            out = c.text

        def lat() -> float:
            return rng.uniform(0.06, 0.3)

        if e.notice_only:
            a, b = e.t - 120, e.end + 600
            self.emit(
                a + lat(),
                "nagios",
                body(
                    "DOWNTIMESTART", a, okstate, okout, author="ward-it", comment="planned update"
                ),
                c.observer,
            )
            if b < self.horizon:
                self.emit(b + lat(), "nagios", body("DOWNTIMEEND", b, okstate, okout), c.observer)
            return
        if e.flaps:
            for n, (p, ok) in enumerate(e.flaps):
                if n < 2:
                    self.emit(
                        p + lat(), "nagios", body("PROBLEM", p, pstate, out), c.observer, mark
                    )
                    if n == 0:
                        self.emit(
                            ok + lat(),
                            "nagios",
                            body("RECOVERY", ok, okstate, okout, recovery=True),
                            c.observer,
                        )
                if n == 1:
                    self.emit(
                        p + 1 + lat(),
                        "nagios",
                        body("FLAPPINGSTART", p + 1, pstate, out),
                        c.observer,
                    )
            last = e.flaps[-1][1] + rng.uniform(600, 1200)
            self.emit(
                last + lat(), "nagios", body("FLAPPINGSTOP", last, okstate, okout), c.observer
            )
            return
        self.emit(e.t + lat(), "nagios", body("PROBLEM", e.t, pstate, out), c.observer, mark)
        if e.renotify:
            t = e.t + _RENOTIFY
            while t < min(e.end, self.horizon):
                self.emit(t + lat(), "nagios", body("PROBLEM", t, pstate, out), c.observer, mark)
                t += _RENOTIFY
        if e.ack_at is not None:
            self.emit(
                e.ack_at + lat(),
                "nagios",
                body(
                    "ACKNOWLEDGEMENT", e.ack_at, pstate, out, author="noc-oncall", comment="on it"
                ),
                c.observer,
            )
        if e.end < self.horizon:
            self.emit(
                e.end + lat(),
                "nagios",
                body("RECOVERY", e.end, okstate, okout, recovery=True),
                c.observer,
            )

    # -- Zabbix 6 ------------------------------------------------------------------------

    def zabbix(self, e: Ep) -> None:
        c = e.chk
        rng = self.rng
        mark = [(e.fault, c.node)]
        visible = c.host.split(".")[0]

        def body(
            t: float,
            event_id: str,
            value: str,
            *,
            update: bool = False,
            recovery_id: str = "{EVENT.RECOVERY.ID}",
        ) -> dict[str, Any]:
            d = datetime.fromtimestamp(t, UTC)
            p = {
                "event_id": event_id,
                "event_value": value,
                "event_update_status": "1" if update else "0",
                "event_ack": "Yes" if update else "No",
                "event_severity": str(c.zsev),
                "event_name": c.text if value == "1" else f"Resolved: {c.text}",
                "event_tags": json.dumps(
                    [
                        {"tag": "class", "value": "hardware" if c.zsev >= 3 else "os"},
                        {"tag": "site", "value": c.group},
                    ],
                    separators=(",", ":"),
                ),
                "event_date": d.strftime("%Y.%m.%d"),
                "event_time": d.strftime("%H:%M:%S"),
                "recovery_id": recovery_id,
                "host": c.host,
                "host_name": visible,
                "host_ip": c.address,
                "trigger_id": c.ident,
                "trigger_name": c.name or "",
                "proxy": c.observer or "",
            }
            if update:
                p["event_update_user"] = "noc-oncall"
                p["event_update_message"] = "acknowledged, on it"
            return p

        def lat() -> float:
            return rng.uniform(0.7, 3.5)

        if e.notice_only:
            return  # a Zabbix maintenance period without data collection: nothing is sent
        spans = e.flaps or [(e.t, e.end)]
        for p, ok in spans:
            self.zabbix_id += 3
            eid = str(self.zabbix_id)
            self.emit(p + lat(), "zabbix", body(p, eid, "1"), c.observer, mark)
            if e.renotify and not e.flaps:
                t = p + _RENOTIFY
                while t < min(ok, self.horizon):
                    self.emit(t + lat(), "zabbix", body(p, eid, "1"), c.observer, mark)
                    t += _RENOTIFY
            if e.ack_at is not None and not e.flaps:
                self.emit(e.ack_at + lat(), "zabbix", body(p, eid, "1", update=True), c.observer)
            if ok < self.horizon:
                self.emit(
                    ok + lat(),
                    "zabbix",
                    body(p, eid, "0", recovery_id=str(self.zabbix_id + 1)),
                    c.observer,
                )

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
                "datetime": d.strftime("%m/%d/%Y %I:%M:%S %p"),
                "priority": "****" if c.level in ("down", "crit") else "***",
                "group": c.group,
                "probe": c.observer or "prtg-core",
                "host": c.address,
                "home": f"https://prtg.{DOMAIN}/",
                "lastvalue": "-" if st != "Up" else "1 msec",
            }

        def lat() -> float:
            return rng.uniform(0.5, 5.0)

        if e.notice_only:
            a, b = e.t - 120, e.end + 600
            self.emit(
                a + lat(),
                "prtg",
                body(a, "Paused by User", "Paused by user: planned update"),
                c.observer,
            )
            if b < self.horizon:
                self.emit(
                    b + lat(), "prtg", body(b, "Paused by User ended (now: Up)", "OK"), c.observer
                )
            return
        msg = "No data from probe (probe disconnected)" if e.level == "unknown" else c.text
        for p, ok in e.flaps or [(e.t, e.end)]:
            self.emit(p + lat(), "prtg", body(p, status, msg), c.observer, mark)
            if e.renotify and not e.flaps and ok - p > 3700:
                t = p + 3600
                self.emit(t + lat(), "prtg", body(t, status, msg), c.observer, mark)
            if e.ack_at is not None and status == "Down" and not e.flaps:
                self.emit(
                    e.ack_at + lat(),
                    "prtg",
                    body(e.ack_at, "Down (Acknowledged)", "Acknowledged: on it"),
                    c.observer,
                )
            if ok < self.horizon:
                self.emit(
                    ok + lat(), "prtg", body(ok, f"{status} ended (now: Up)", "OK"), c.observer
                )

    # -- Alertmanager --------------------------------------------------------------------

    def alertmanager(self, eps: list[Ep]) -> None:
        groups: dict[tuple[str, str, str], list[Ep]] = defaultdict(list)
        for e in eps:
            lb = e.chk.labels
            groups[(lb["prometheus"], lb["alertname"], lb.get("namespace", ""))].append(e)
        for key in sorted(groups):
            items = sorted(groups[key], key=lambda e: (e.t, e.chk.cid))
            self._am_group(key, items)

    def _am_group(self, key: tuple[str, str, str], items: list[Ep]) -> None:
        prom, alertname, ns = key
        sent: dict[int, bool] = {}
        last_sent = -INF
        flush = items[0].t + 30
        while flush <= self.horizon:
            firing = [i for i, e in enumerate(items) if e.t <= flush < e.end]
            resolved = [i for i, e in enumerate(items) if e.end <= flush and sent.get(i)]
            new = [i for i in firing if not sent.get(i)]
            if new or resolved or (firing and flush - last_sent >= 3600):
                self._am_body(prom, alertname, ns, items, firing, resolved, flush)
                for i in firing:
                    sent[i] = True
                for i in resolved:
                    sent[i] = False
                last_sent = flush
            if firing:
                flush += 300
            else:
                later = [e.t for e in items if e.t > flush]
                if not later:
                    break
                flush = max(flush + 300, min(later) + 30)

    def _am_body(
        self,
        prom: str,
        alertname: str,
        ns: str,
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
            is_firing = i in firing
            labelsets.append(c.labels)
            if is_firing:
                marks.append((e.fault, c.node))
            alerts.append(
                {
                    "status": "firing" if is_firing else "resolved",
                    "labels": dict(c.labels),
                    "annotations": {"summary": c.text},
                    "startsAt": _iso(e.t),
                    "endsAt": "0001-01-01T00:00:00Z" if is_firing else _iso(e.end),
                    "generatorURL": f"http://{prom}.{DOMAIN}:9090/graph?g0.expr=ALERTS",
                    "fingerprint": c.ident,
                }
            )
        common = {k: v for k, v in labelsets[0].items() if all(ls.get(k) == v for ls in labelsets)}
        group_labels = {"alertname": alertname}
        if ns:
            group_labels["namespace"] = ns
        body = {
            "version": "4",
            "groupKey": "{}:{" + ",".join(f'{k}="{v}"' for k, v in group_labels.items()) + "}",
            "truncatedAlerts": 0,
            "status": "firing" if firing else "resolved",
            "receiver": "correlator",
            "groupLabels": group_labels,
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
    finite = [e.end for e in sim.eps if e.end < INF] + [e.t for e in sim.eps]
    horizon = max(finite) + 600
    r = _Renderer(sim.seed, f"{sim.tag}:{label}", horizon)
    am: list[Ep] = []
    for e in sim.eps:
        if e.chk.tool == "alertmanager":
            am.append(e)
        else:
            getattr(r, e.chk.tool)(e)
    r.alertmanager(am)
    lines = sorted(r.lines, key=lambda x: (x.at, x.seq))
    out: list[dict[str, Any]] = []
    events: dict[int, list[str]] = defaultdict(list)
    placed: dict[int, list[str]] = defaultdict(list)
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
                site=w.nodes[f.root].site if f.root else None,
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


def single(seed: int, kind: str, nodes: int = 300) -> Scenario:
    """One fault of ``kind`` (two incidents for concurrent and twin-warn) and a little noise."""
    if kind not in FAULT_KINDS_E and kind not in OTHER_KINDS_E:
        raise ValueError(f"unknown kind {kind!r}")
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, f"single-{kind}")
    t = BASE_T + 1800
    for attempt in range(10):
        if sim.add_fault(kind, t + attempt * 1800):
            break
    else:
        raise RuntimeError(f"could not place {kind} on seed {seed}")
    for _ in range(2):
        sim.add_noise(BASE_T + sim.rng.uniform(0, 7200))
    return _finish(sim, kind)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    kinds = list(weights)
    return rng.choices(kinds, weights=[weights[k] for k in kinds])[0]


def storm(seed: int, nodes: int = 800) -> Scenario:
    """Wide-blast-radius failures close together (two hours), a little noise and flapping."""
    w = build_world(seed, nodes)
    sim = _Sim(w, seed, "storm")
    rng = sim.rng
    t = BASE_T + 600
    placed = 0
    for _ in range(40):
        if placed >= 7:
            break
        if sim.add_fault(_weighted(rng, STORM_WEIGHTS), t):
            placed += 1
            t += rng.uniform(60, 900)
    for _ in range(4):
        sim.add_noise(BASE_T + rng.uniform(0, 7200))
    sim.add_flapping(BASE_T + rng.uniform(0, 5400))
    return _finish(sim, "storm")


def day(seed: int, nodes: int = 600, faults: int = 14, noise: int = 12) -> Scenario:
    """A working day (ten hours): faults of every kind, noise, flapping, maintenance,
    unplaced alerts and acknowledgements."""
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
