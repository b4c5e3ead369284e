"""A third scenario generator, written from the contracts only (specs/*.md), for judging the
correlation engine on a world neither of the other generators models.

Everything is pure and seeded: ``random.Random`` is seeded from the arguments, no set is
iterated unsorted, so the same arguments give byte-identical files under any hash seed.

Entry points: :func:`single` (one fault of a kind, a little background noise),
:func:`storm` (a few wide faults at once, noise bursts, unplaced hosts) and :func:`day`
(24 hours of faults of every size, noise, flapping, maintenance). Each returns a
:class:`generator.Scenario`, so ``metrics.py`` judges it as it judges the others.

**The world: a regional MSP running a hybrid estate** (:func:`build_world`).

- One data centre around a *chassis* core switch whose line cards are their own nodes,
  watched through the chassis (``HOST!CHECK`` on Zabbix's "Module N" triggers). Servers
  are dual-homed on two line cards (``any_of``), a few single-homed.
- A firewall cluster, a load-balancer pair, two SAN fabrics and storage arrays whose
  datastores are nodes watched through vCenter (``vcsa01!Datastore ... is inaccessible``).
- VMware clusters: VMs depend on ``any_of`` the hosts of their cluster (vMotion/HA) and on
  one datastore. Shared infrastructure every application needs: a DNS pair, an AD pair
  (both ``any_of``) and one NFS filer (hard dependency of the servers that mount it).
- Applications behind the load balancers: ``any_of`` a pool of web VMs, a database on a
  VM, DNS, AD, sometimes NFS; watched end to end by a blackbox exporter and PRTG on the
  VIP's name (``shop.example.com``).
- A campus: a core switch, per building a fibre riser (unmonitored), per floor a switch
  stack whose members are nodes (Zabbix "Stack member N removed"), access points and
  printers on the members, watched by PRTG (descriptive device names) and a campus Zabbix
  proxy that knows the stacks by address only.
- A cloud region: two availability zones (unmonitored), instances known by private
  address, microservices calling each other in chains (``any_of`` instances across zones,
  some single-zone), managed databases; Prometheus with Alertmanager grouping by
  ``alertname`` (one webhook body carries many hosts' alerts, of several faults).
- Branch offices on an MPLS WAN with two carriers: each office router depends on
  ``any_of`` its carrier-A and carrier-B circuits; a circuit is watched by the data
  centre's PE router's BGP trigger (``wan-pe-a!BGP peer ...``) and depends on its carrier
  (unmonitored) and that PE. Each office has a PRTG remote probe or a Zabbix proxy.

**Monitoring**: Nagios central (retries: notifications 60-90 s after the failure,
re-notification every hour, UNREACHABLE for children of a down parent, host-down service
suppression), Icinga 2 (soft then hard StateChange, Notifications), Zabbix (technical host
names that are IPs, FQDNs or upper case, pretty visible names; acknowledgements as
updates), PRTG (US-formatted times, "Paused by Dependency", "Unknown" for every sensor of a
probe that lost its core, acknowledgements), Alertmanager (``for:`` + group_wait 30 s +
group_interval 60 s batching, resolved alerts in the next body). Detection delays stay
within the tool defaults of config/default.yaml (Nagios/PRTG 90 s, Zabbix 120 s,
Alertmanager 150 s) with most mass at the upper end; callers' error-rate alerts often fire
before the failing service's own, slower, alert.

Where the specs are silent, these assumptions (listed so they can be argued with):

- Alertmanager groups critical alerts by ``alertname`` and ``cluster`` (one body carries
  many hosts, sometimes of two incidents) and warnings by ``alertname``, ``cluster`` and
  ``instance``; group_wait 30 s, group_interval 60 s, repeat 4 h, resolved alerts sent.
- Nagios sends host and service notifications with retries done (HARD), re-notifies
  hourly, suppresses most service notifications of a host it saw DOWN, says UNREACHABLE
  for half of the children of a down parent it knows, and stops notifying a flapping
  check after FLAPPINGSTART. Icinga sends a soft then a hard StateChange half of the
  time, a Notification half of the time; soft blips that recover are noise.
- A PRTG remote probe that loses its core (hung, or its office cut off) turns every
  sensor it runs Unknown; a Zabbix proxy that goes away leaves its hosts silent (no
  ``nodata`` triggers while the proxy is unavailable); a check polled through a node
  that is down (a line card through the chassis, a datastore through vCenter, a circuit
  through the PE router) stays silent.
- Planned work: a downtime (host and each service) starts 1-5 minutes before the host
  reboots and ends 2-7 minutes after it is back; Nagios, Zabbix, PRTG and Alertmanager
  are silenced for it, only Icinga's event stream (which is not filtered) reports it.
- VMware HA/vMotion restarts a lost host's VMs before any check notices; NFS, DNS, AD
  and a database are soft dependencies (their loss impairs: service checks fail, hosts
  stay up), network, hypervisors and storage are hard ones (dependents go down).
- A storage array's slow degradation reaches its dependents level by level, 2-10
  minutes a level; every other failure reaches them within 20 seconds.

**Truth** (from specs/topology-format.md; the generator never looks at a correlator):

- The root is the node that failed. A lost redundancy group's root is its first lost
  member (which always alerts); the other members belong to the same incident.
- An unmonitored root (riser, carrier, availability zone) is *inferred*; its fault is
  only kept when at least two monitored nodes alert that nothing more specific explains:
  the realised alerts are checked against every candidate node's possible alerts, and a
  node whose possible alerts are exactly the root's is an ``equivalent_root``.
- Gray: the degraded node (warnings) is the root of its dependents' hard failures.
- A probe that hangs: the probe is the root, ``watched`` lists the hosts its checks ran.
- Alerts on hosts the topology does not know: root ``None``, one incident per host burst.
- Noise, flapping and maintenance are one incident each on their node. Noise never lands
  on a node a concurrent fault affects or whose observer it cut off. Concurrent faults
  never overlap, never complete a redundancy group together and never share an
  unmonitored node that could explain both.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .generator import Scenario, TrueIncident

T0: Final = 1_768_464_000.0  # 2026-01-15 08:00:00 UTC

FAULT_KINDS_C: Final = (
    "linecard",
    "member",
    "pool-lost",
    "cluster-lost",
    "circuit-pair",
    "array-down",
    "array-latency",
    "nfs-down",
    "carrier",
    "riser",
    "stack-member",
    "az",
    "svc-chain",
    "db-down",
    "vm-down",
    "gray-office",
    "probe",
    "unplaced",
)
OTHER_KINDS_C: Final = ("noise", "flapping", "maintenance")

STORM_KINDS: Final = (
    "array-down",
    "array-latency",
    "nfs-down",
    "circuit-pair",
    "riser",
    "az",
    "cluster-lost",
    "linecard",
    "probe",
    "carrier",
)

# Detection delays (seconds after the check's node failed): (low, high, skew). The delay
# is low + (high - low) * u ** skew: a skew < 1 puts the mass near ``high``.
_DELAY: Final[Mapping[str, tuple[float, float, float]]] = {
    "nagios": (55.0, 90.0, 0.7),
    "icinga": (30.0, 90.0, 0.7),
    "zabbix": (30.0, 120.0, 0.6),
    "prtg": (10.0, 90.0, 0.8),
    "alertmanager": (60.0, 120.0, 0.8),  # + group_wait / group_interval in the renderer
}

AV: Final = "av"  # availability: fails when the node is down
SV: Final = "svc"  # service: fails when the node is down or impaired
PF: Final = "perf"  # performance: warns when the node is degraded (gray root)
HW: Final = "hw"  # hardware/cause: only the failing node itself

_DOMAIN: Final = "example.net"
_TOWNS: Final = (
    "delft", "gouda", "leiden", "breda", "zwolle", "emmen", "venlo", "assen", "almere",
    "hoorn", "tiel", "weert", "sneek", "lelystad", "roermond", "kampen", "meppel", "vught",
    "oss", "ede", "epe", "goes", "heerlen", "nijkerk",
)  # fmt: skip
_APPS: Final = (
    ("shop", "web"), ("portal", "web"), ("erp", "erp"), ("crm", "crm"), ("payroll", "hr-it"),
    ("wiki", "collab"), ("tickets", "service-desk"), ("billing", "finance-it"),
    ("booking", "web"), ("cms", "web"), ("lms", "collab"), ("gis", "gis"),
)  # fmt: skip
_SVCS: Final = (
    "frontend", "checkout", "payments", "catalog", "search", "accounts", "cart",
    "shipping", "pricing", "reviews", "notify", "ledger", "inventory", "media",
)  # fmt: skip
_MISC: Final = ("file", "print", "jump", "build", "log", "bkp", "git", "lic", "sftp", "av")


# --------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Check:
    """One check of one tool on one node (the alert's identity)."""

    node: str
    tool: str
    host: str  # the host as the tool names it
    address: str | None
    name: str | None  # None: a host check (Nagios/Icinga host, PRTG ping-like)
    cat: str
    observer: str | None  # observer name as the alert carries it
    probe: str | None  # the probe node of that observer
    via: str  # node whose reachability the check needs (usually ``node``)
    ident: str  # sensorid / trigger id / fingerprint seed
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Node:
    id: str
    kind: str
    team: str
    site: str
    role: str
    crit: int = 3
    deps: list[str | tuple[str, ...]] = field(default_factory=list)
    soft: set[str | tuple[str, ...]] = field(
        default_factory=set
    )  # deps whose loss only impairs this node
    monitored_as: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)


class World:
    """Topology and monitoring of one MSP estate."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nodes: dict[str, Node] = {}
        self.order: list[str] = []  # creation order = dependencies first
        self.groups: list[tuple[str, tuple[str, ...]]] = []  # (label, members)
        self.ips: set[str] = set()
        self.next_ident = 1000
        self.observers: dict[str, str] = {}  # observer name -> probe node
        self.prtg_parent: dict[str, str] = {}  # PRTG device dependency: node -> parent node
        self.dependents: dict[str, list[str]] = {}

    # -- building -----------------------------------------------------------------------

    def ip(self, prefix: str) -> str:
        while True:
            a = f"{prefix}.{self.rng.randint(1, 254)}"
            if a not in self.ips:
                self.ips.add(a)
                return a

    def ident(self) -> str:
        self.next_ident += self.rng.randint(1, 9)
        return str(self.next_ident)

    def add(
        self,
        nid: str,
        kind: str,
        team: str,
        site: str,
        role: str,
        deps: Sequence[str | tuple[str, ...]] = (),
        crit: int = 3,
        **tags: str,
    ) -> Node:
        node = Node(nid, kind, team, site, role, crit, list(deps), tags=dict(tags))
        self.nodes[nid] = node
        self.order.append(nid)
        for d in deps:
            if isinstance(d, tuple):
                self.groups.append((nid, d))
        return node

    def watch(
        self,
        nid: str,
        tool: str,
        host: str,
        name: str | None,
        cat: str,
        *,
        address: str | None = None,
        observer: str | None = None,
        via: str | None = None,
        entry: str | None = None,
        **extra: str,
    ) -> Check:
        """Add a check; ``entry`` is the monitored_as entry it needs (when any)."""
        node = self.nodes[nid]
        probe = self.observers.get(observer) if observer else None
        c = Check(nid, tool, host, address, name, cat, observer, probe, via or nid, "", extra)
        c.ident = self.ident()
        node.checks.append(c)
        if entry is not None and entry.lower() not in {e.lower() for e in node.monitored_as}:
            node.monitored_as.append(entry)
        return c

    def finish(self) -> None:
        self.dependents = {n: [] for n in self.order}
        for nid in self.order:
            for d in self.nodes[nid].deps:
                for m in d if isinstance(d, tuple) else (d,):
                    self.dependents[m].append(nid)

    # -- queries ------------------------------------------------------------------------

    def affected(self, failed: Iterable[str]) -> list[str]:
        """Nodes that stop working when ``failed`` do (any_of semantics), in order."""
        down = set(failed)
        for nid in self.order:
            if nid in down:
                continue
            for d in self.nodes[nid].deps:
                if isinstance(d, tuple):
                    if all(m in down for m in d):
                        down.add(nid)
                        break
                elif d in down:
                    down.add(nid)
                    break
        return [n for n in self.order if n in down]

    def possible(self, failed: Iterable[str]) -> frozenset[str]:
        """Nodes on which some check could raise a problem when ``failed`` fail."""
        aff = set(self.affected(failed))
        out = set()
        for nid in sorted(aff):
            for c in self.nodes[nid].checks:
                if c.via != nid and c.via in aff:
                    continue
                if c.probe in aff and c.tool != "prtg":
                    continue
                out.add(nid)
        for nid in self.order:  # PRTG sensors of a cut-off probe go Unknown
            if nid in out:
                continue
            if any(c.tool == "prtg" and c.probe in aff for c in self.nodes[nid].checks):
                out.add(nid)
        return frozenset(out)

    def below(self, nid: str) -> list[str]:
        seen: dict[str, None] = {}
        stack = [nid]
        while stack:
            for d in self.nodes[stack.pop()].deps:
                for m in d if isinstance(d, tuple) else (d,):
                    if m not in seen:
                        seen[m] = None
                        stack.append(m)
        return list(seen)

    def yaml_dict(self) -> dict[str, Any]:
        out = []
        for nid in self.order:
            n = self.nodes[nid]
            rec: dict[str, Any] = {"id": n.id, "kind": n.kind, "team": n.team, "site": n.site}
            if n.crit != 3:
                rec["criticality"] = n.crit
            if n.tags:
                rec["tags"] = dict(n.tags)
            if n.monitored_as:
                rec["monitored_as"] = list(n.monitored_as)
            if n.deps:
                rec["depends_on"] = [
                    {"any_of": list(d)} if isinstance(d, tuple) else d for d in n.deps
                ]
            out.append(rec)
        return {"version": 1, "defaults": {"team": "noc"}, "nodes": out}


def _spell(rng: random.Random, short: str, fqdn: str, ip: str, *, ip_ok: bool = True) -> str:
    r = rng.random()
    if r < 0.35:
        return short
    if r < 0.65:
        return fqdn
    if r < 0.85 or not ip_ok:
        return short.upper() if r < 0.85 else fqdn.upper()
    return ip


def _host_entries(rng: random.Random, short: str, fqdn: str, ip: str) -> list[str]:
    """How a CMDB export names a host: short or FQDN, plus its address."""
    return [short if rng.random() < 0.5 else fqdn, ip]


class _Builder:
    """Builds a :class:`World` of about ``size`` nodes."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self.rng = rng
        self.size = size
        self.w = World(rng)

    # Each host-like node gets entries and a set of checks from a few tools.
    def host(
        self,
        nid: str,
        fqdn: str,
        ip: str,
        tools: Sequence[tuple[str, str | None]],
        services: Sequence[str] = (),
        perf: Sequence[str] = ("Load", "Disk /"),
        hw: Sequence[str] = (),
    ) -> None:
        rng, w = self.rng, self.w
        node = w.nodes[nid]
        if not node.monitored_as:
            node.monitored_as += _host_entries(rng, nid, fqdn, ip)
        for tool, obs in tools:
            if tool in ("nagios", "icinga"):
                h = nid if tool == "nagios" and rng.random() < 0.6 else _spell(rng, nid, fqdn, ip)
                w.watch(nid, tool, h, None, AV, address=ip, observer=obs)
                for s in services:
                    w.watch(nid, tool, h, s, SV, address=ip, observer=obs)
                for p in perf:
                    w.watch(nid, tool, h, p, PF, address=ip, observer=obs)
                for x in hw:
                    w.watch(nid, tool, h, x, HW, address=ip, observer=obs)
            elif tool == "zabbix":
                h = _spell(rng, nid, fqdn, ip)
                visible = f"{node.kind} {nid} ({node.site})"
                w.watch(nid, tool, h, "Unavailable by ICMP ping", AV, address=ip,
                        observer=obs, visible=visible)  # fmt: skip
                for s in services[:1]:
                    w.watch(nid, tool, h, f"{s} service is down", SV, address=ip,
                            observer=obs, visible=visible)  # fmt: skip
                for p in perf[:1]:
                    w.watch(nid, tool, h, f"High {p.lower()} on {h}", PF, address=ip,
                            observer=obs, visible=visible)  # fmt: skip
                for x in hw:
                    w.watch(nid, tool, h, x, HW, address=ip, observer=obs, visible=visible)
            elif tool == "prtg":
                r = rng.random()
                dev = nid.upper() if r < 0.3 else f"{node.kind.title()} {nid} [{ip}]"
                if r < 0.3 or rng.random() < 0.5:
                    dev_entry: str | None = dev
                else:
                    dev_entry = None  # placed by its address (PRTG ``host``)
                if dev_entry and dev_entry.lower() not in {e.lower() for e in node.monitored_as}:
                    node.monitored_as.append(dev_entry)
                w.watch(nid, tool, dev, "Ping", AV, address=ip, observer=obs)
                for s in services[:1]:
                    w.watch(nid, tool, dev, s, SV, address=ip, observer=obs)
                for p in perf[:1]:
                    w.watch(nid, tool, dev, p, PF, address=ip, observer=obs)
                for x in hw[:1]:
                    w.watch(nid, tool, dev, x, HW, address=ip, observer=obs)
            elif tool == "alertmanager":
                inst = f"{fqdn if rng.random() < 0.6 else ip}:9100"
                w.watch(nid, tool, inst, "InstanceDown", AV, observer=obs)
                for p in perf[:1]:
                    alert = "NodeHighLoad" if p == "Load" else "NodeFilesystemAlmostFull"
                    w.watch(nid, tool, inst, alert, PF, observer=obs)

    def probe_node(self, nid: str, observer: str, site: str, deps: Sequence[Any]) -> Node:
        node = self.w.add(nid, "probe", "monitoring", site, "probe", deps)
        node.monitored_as.append(observer)
        self.w.observers[observer] = nid
        return node

    def build(self) -> World:
        rng, w, n = self.rng, self.w, self.size
        dc = "dc-west"
        # --- monitoring servers and the chassis core
        w.add("dc-chassis", "switch", "network", dc, "chassis", crit=1, vendor="cisco")
        ip = w.ip("10.0.0")
        w.nodes["dc-chassis"].monitored_as += ["dc-chassis-01", ip]
        w.watch("dc-chassis", "zabbix", ip, "Unavailable by ICMP ping", AV, address=ip,
                visible="DC core chassis")  # fmt: skip
        w.watch("dc-chassis", "zabbix", ip, "Fan tray 1 failure", HW, address=ip,
                visible="DC core chassis")  # fmt: skip
        w.watch("dc-chassis", "zabbix", ip, "High CPU utilization", PF, address=ip,
                visible="DC core chassis")  # fmt: skip
        n_lc = max(4, min(8, n // 80))
        lcs = []
        for k in range(1, n_lc + 1):
            lc = f"dc-chassis-lc{k}"
            w.add(lc, "switch", "network", dc, "linecard", ["dc-chassis"], crit=2)
            name = f"Module {k}: status is not OK"
            w.watch(lc, "zabbix", ip, name, AV, address=ip, via="dc-chassis",
                    entry=f"{ip}!{name}", visible="DC core chassis")  # fmt: skip
            pname = f"Module {k}: CRC errors on uplinks"
            w.watch(lc, "zabbix", ip, pname, PF, address=ip, via="dc-chassis",
                    entry=f"{ip}!{pname}", visible="DC core chassis")  # fmt: skip
            lcs.append(lc)

        def homing() -> list[str | tuple[str, ...]]:
            if rng.random() < 0.15:
                return [rng.choice(lcs)]
            a, b = rng.sample(lcs, 2)
            return [(a, b)]

        self.probe_node("nagios-central", "nagios-central", dc, homing())
        self.probe_node("icinga-dc", "icinga-dc", dc, homing())
        self.probe_node("prom-dc", "dc/prometheus-0", dc, homing())
        self.probe_node("prtg-core", "Local Probe", dc, homing())
        ng = ("nagios", "nagios-central")
        ic = ("icinga", "icinga-dc")
        zb = ("zabbix", None)
        pc = ("prtg", "Local Probe")
        am = ("alertmanager", "dc/prometheus-0")

        def dchost(nid: str, kind: str, team: str, role: str, deps: Sequence[Any],
                   tools: Sequence[tuple[str, str | None]], **kw: Any) -> Node:  # fmt: skip
            node = w.add(nid, kind, team, dc, role, deps)
            self.host(nid, f"{nid}.dc.{_DOMAIN}", w.ip("10.1." + str(rng.randint(0, 9))),
                      tools, **kw)  # fmt: skip
            return node

        for fw in ("fw-01", "fw-02"):
            dchost(fw, "firewall", "security", "fw", homing(), [zb], perf=("Sessions",),
                   hw=("HA state changed",))  # fmt: skip
        for lb in ("lb-01", "lb-02"):
            dchost(lb, "loadbalancer", "network", "lb", homing(), [zb, pc], perf=("CPU",),
                   services=("Virtual servers",))  # fmt: skip
        for pe in ("wan-pe-a", "wan-pe-b"):
            dchost(pe, "router", "network", "pe", homing(), [zb], perf=("Interface errors",))
        for fab in ("san-fab-a", "san-fab-b"):
            dchost(fab, "switch", "storage", "fabric", homing(), [pc], perf=("Port errors",),
                   hw=("Power supply",))  # fmt: skip
        w.add("vcsa01", "vm", "systems", dc, "vcsa")  # deps set once clusters exist
        n_arr = 2 if n < 600 else 3
        datastores: list[str] = []
        arrays = []
        for a in range(1, n_arr + 1):
            arr = f"stor-arr{a}"
            dchost(arr, "storage", "storage", "array", [("san-fab-a", "san-fab-b")],
                   [pc, zb], perf=("Latency",), hw=("Controller status",))  # fmt: skip
            arrays.append(arr)
            for d in range(1, rng.randint(3, 5) + 1):
                ds = f"ds-a{a}-{d:02d}"
                w.add(ds, "storage", "storage", dc, "datastore", [arr])
                av = f"Datastore {ds}: is inaccessible"
                pf = f"Datastore {ds}: read latency is high"
                w.watch(ds, "zabbix", "vcsa01", av, AV, via="vcsa01", entry=f"vcsa01!{av}",
                        visible="vCenter")  # fmt: skip
                w.watch(ds, "zabbix", "vcsa01", pf, PF, via="vcsa01", entry=f"vcsa01!{pf}",
                        visible="vCenter")  # fmt: skip
                datastores.append(ds)
        dchost("nfs-01", "storage", "storage", "nfs", homing(), [ng, pc],
               services=("NFS",), perf=("NFS latency",))  # fmt: skip

        # --- VMware clusters
        n_cl = max(2, min(8, n // 90))
        clusters: list[tuple[str, ...]] = []
        for c in range(1, n_cl + 1):
            hosts = []
            for h in range(1, rng.randint(2, 4) + 1):
                esx = f"esx-cl{c}-{h:02d}"
                dchost(esx, "hypervisor", "systems", "esx", homing(), [zb, ng],
                       services=("ESXi API",), perf=("Memory usage",),
                       hw=("Hardware sensor: PSU",))  # fmt: skip
                hosts.append(esx)
            clusters.append(tuple(hosts))
        w.nodes["vcsa01"].deps = [clusters[0], rng.choice(datastores)]
        self.host(
            "vcsa01", f"vcsa01.dc.{_DOMAIN}", w.ip("10.1.10"), [ng], services=("vCenter API",)
        )
        w.groups += [("vcsa01", clusters[0])]

        def vm(nid: str, role: str, team: str, services: Sequence[str], nfs: bool = False,
               cluster: tuple[str, ...] | None = None, crit: int = 3) -> Node:  # fmt: skip
            cl = cluster or rng.choice(clusters)
            deps: list[Any] = [cl, rng.choice(datastores)]
            if nfs:
                deps.append("nfs-01")
            node = w.add(nid, "vm", team, dc, role, deps, crit=crit)
            if nfs:
                node.soft.add("nfs-01")
            r = rng.random()
            tools: list[tuple[str, str | None]] = [ng] if r < 0.55 else [ic]
            if rng.random() < 0.45:
                tools.append(am)
            svc = [*services, *(["NFS mount /data"] if nfs else [])]
            self.host(nid, f"{nid}.dc.{_DOMAIN}", w.ip(f"10.2.{rng.randint(0, 30)}"), tools,
                      services=svc)  # fmt: skip
            return node

        dns = (vm("dns-01", "dns", "systems", ["DNS"], cluster=clusters[0]).id,
               vm("dns-02", "dns", "systems", ["DNS"], cluster=clusters[-1]).id)  # fmt: skip
        ads = (vm("ad-01", "ad", "systems", ["LDAP", "Kerberos"], cluster=clusters[0]).id,
               vm("ad-02", "ad", "systems", ["LDAP"], cluster=clusters[-1]).id)  # fmt: skip
        for nid in (*dns, *ads):
            w.nodes[nid].crit = 2
        w.groups += [("dns", dns), ("ad", ads)]

        # --- applications
        n_app = max(3, min(len(_APPS), n // 55))
        apps = []
        for app, team in _APPS[:n_app]:
            nfs = rng.random() < 0.4
            pool = tuple(
                vm(f"web-{app}-{k:02d}", "web", team, ["HTTP"], nfs=nfs).id
                for k in range(1, rng.randint(2, 4) + 1)
            )
            dbvm = vm(f"db-{app}-01", "dbvm", "dba", ["SSH"]).id
            engine = rng.choice(("MySQL", "PostgreSQL"))
            db = w.add(f"{app}-db", "database", "dba", dc, "db", [dbvm])
            dbhost = next(c.host for c in w.nodes[dbvm].checks if c.tool in ("nagios", "icinga"))
            dbtool = next(c.tool for c in w.nodes[dbvm].checks if c.tool in ("nagios", "icinga"))
            dbobs = "nagios-central" if dbtool == "nagios" else "icinga-dc"
            w.watch(db.id, dbtool, dbhost, engine, SV, observer=dbobs, via=dbvm,
                    entry=f"{dbhost}!{engine}")  # fmt: skip
            w.watch(db.id, dbtool, dbhost, f"{engine} slow queries", PF, observer=dbobs,
                    via=dbvm, entry=f"{dbhost}!{engine} slow queries")  # fmt: skip
            amname = f"{engine}Down"
            w.watch(db.id, "alertmanager", f"{dbvm}:9104", amname, SV,
                    observer="dc/prometheus-0", via=dbvm, entry=f"{dbvm}!{amname}")  # fmt: skip
            deps: list[Any] = [pool, ("lb-01", "lb-02"), db.id, dns, ads]
            if nfs:
                deps.append("nfs-01")
            node = w.add(app, "application", team, dc, "app", deps, crit=rng.choice((1, 2, 2, 3)))
            node.soft.update({"nfs-01", db.id, dns, ads})
            vip = f"{app}.{_DOMAIN}"
            node.monitored_as.append(vip)
            w.watch(app, "alertmanager", f"{vip}:443", "ProbeFailure", SV,
                    observer="dc/prometheus-0")  # fmt: skip
            w.watch(app, "alertmanager", f"{vip}:443", "ProbeSlowHttp", PF,
                    observer="dc/prometheus-0")  # fmt: skip
            w.watch(app, "prtg", vip, "HTTP Advanced", SV, address=w.ip("10.3.0"),
                    observer="Local Probe")  # fmt: skip
            w.groups.append((app, pool))
            apps.append(app)
        n_misc = max(2, (n - len(w.nodes)) // 3)
        for k in range(n_misc):
            role = _MISC[k % len(_MISC)]
            vm(f"{role}-{k // len(_MISC) + 1:02d}", "misc", "systems", ["SSH"],
               nfs=rng.random() < 0.2)  # fmt: skip

        # --- campus
        camp = "campus"
        w.add("camp-core", "switch", "network", camp, "campcore", homing(), crit=2)
        self.host("camp-core", f"camp-core.campus.{_DOMAIN}", w.ip("10.20.0"), [zb, pc],
                  perf=("Interface errors",))  # fmt: skip
        self.probe_node("zbxproxy-campus", "zbxproxy-campus", camp, ["camp-core"])
        cp = "zbxproxy-campus"
        w.watch("zbxproxy-campus", "zabbix", "Zabbix server",
                "Proxy zbxproxy-campus: last seen more than 2m ago", AV,
                via="zbxproxy-campus",
                entry="Zabbix server!Proxy zbxproxy-campus: last seen more than 2m ago",
                visible="Zabbix server")  # fmt: skip
        # the campus's own PRTG remote probe watches every access point, printer and stack
        cprobe = self.probe_node("camp-probe", "Remote Probe Campus", camp, ["camp-core"])
        w.watch(cprobe.id, "prtg", "camp-probe", "Probe Health", AV, address=w.ip("10.20.1"),
                observer="Local Probe", via=cprobe.id, entry="camp-probe")  # fmt: skip
        rpc = "Remote Probe Campus"
        n_bld = max(1, min(6, n // 150))
        for b in range(1, n_bld + 1):
            riser = f"camp-b{b}-riser"
            w.add(riser, "link", "network", camp, "riser", ["camp-core"])
            for f in range(1, rng.randint(2, 3) + 1):
                stk = f"camp-b{b}-f{f}-stk"
                sip = w.ip(f"10.21.{b}")
                node = w.add(stk, "switch", "network", camp, "stack", [riser])
                node.monitored_as.append(sip)
                w.watch(stk, "zabbix", sip, "Unavailable by ICMP ping", AV, address=sip,
                        observer=cp, visible=f"Stack B{b} floor {f}")  # fmt: skip
                w.watch(stk, "zabbix", sip, "High interface error rate", PF, address=sip,
                        observer=cp, visible=f"Stack B{b} floor {f}")  # fmt: skip
                for m in range(1, rng.randint(2, 3) + 1):
                    mem = f"{stk}-m{m}"
                    w.add(mem, "switch", "network", camp, "member", [stk])
                    name = f"Stack member {m} removed"
                    w.watch(mem, "zabbix", sip, name, AV, address=sip, observer=cp, via=stk,
                            entry=f"{sip}!{name}", visible=f"Stack B{b} floor {f}")  # fmt: skip
                    for d in range(1, rng.randint(2, 4) + 1):
                        is_ap = rng.random() < 0.7
                        dev = f"{'ap' if is_ap else 'prn'}-b{b}f{f}-{m}{d:02d}"
                        kind = "access-point" if is_ap else "printer"
                        w.add(dev, kind, "workplace", camp, "device", [mem], crit=4)
                        dip = w.ip(f"10.22.{b * 10 + f}")
                        label = dev.upper() if rng.random() < 0.5 else f"{kind} {dev} ({dip})"
                        w.nodes[dev].monitored_as += [dev, dip]  # a descriptive label: by address
                        w.watch(dev, "prtg", label, "Ping", AV, address=dip,
                                observer=rpc)  # fmt: skip
                        w.prtg_parent[dev] = stk
                        if not is_ap:
                            w.watch(dev, "prtg", label, "Toner level", PF, address=dip,
                                    observer=rpc)  # fmt: skip
                # PRTG knows the stack too (the parent of its devices' ping sensors)
                w.watch(stk, "prtg", f"Stack {stk}", "Ping", AV, address=sip,
                        observer=rpc)  # fmt: skip

        # --- cloud region
        cl = "cloud-eu1"
        w.add("cloud-az-a", "zone", "cloud", cl, "az")
        w.add("cloud-az-b", "zone", "cloud", cl, "az")
        self.probe_node("prom-cloud", "cloud-eu1/prometheus-0", cl, ["cloud-az-a"])
        pcl = "cloud-eu1/prometheus-0"
        n_svc = max(4, min(len(_SVCS), n // 45))
        svcs: list[str] = []
        for s in _SVCS[:n_svc]:
            insts = []
            single = len(svcs) >= 2 and rng.random() < 0.25  # the first two span both zones
            zones = [rng.choice(("cloud-az-a", "cloud-az-b"))] if single else ["cloud-az-a",
                                                                               "cloud-az-b"]  # fmt: skip
            for k in range(rng.randint(2, 3)):
                zone = zones[k % len(zones)]
                iip = w.ip(f"10.40.{1 if zone.endswith('a') else 2}")
                inst = "ip-" + iip.replace(".", "-")
                w.add(inst, "vm", "platform", cl, "instance", [zone], zone=zone, service=s)
                w.nodes[inst].monitored_as += [f"{inst}.eu-west-1.compute.internal", iip]
                w.watch(inst, "alertmanager", f"{iip}:9100", "InstanceDown", AV, observer=pcl)
                w.watch(inst, "alertmanager", f"{iip}:9100", "NodeHighCpu", PF, observer=pcl)
                insts.append(inst)
            sdeps: list[Any] = [tuple(insts)]
            # call chains: each service calls one or two earlier-built services
            callees = rng.sample(svcs, min(len(svcs), rng.choice((0, 1, 1, 2)))) if svcs else []
            sdeps += sorted(callees)
            soft: set[str | tuple[str, ...]] = set(callees)
            if rng.random() < 0.4:
                mdb = f"pg-{s}"
                w.add(mdb, "database", "platform", cl, "mdb", [rng.choice(("cloud-az-a",
                                                                           "cloud-az-b"))])  # fmt: skip
                w.nodes[mdb].monitored_as.append(f"{mdb}.cloud.internal")
                w.watch(mdb, "alertmanager", f"{mdb}.cloud.internal:9187", "PostgresDown", AV,
                        observer=pcl)  # fmt: skip
                w.watch(mdb, "alertmanager", f"{mdb}.cloud.internal:9187",
                        "PostgresSlowQueries", PF, observer=pcl)  # fmt: skip
                sdeps.append(mdb)
                soft.add(mdb)
            sid = f"svc-{s}"
            w.add(sid, "application", "platform", cl, "svc", sdeps, crit=2)
            w.nodes[sid].soft = soft
            host = f"{s}.prod.svc"
            w.nodes[sid].monitored_as.append(host)
            w.watch(sid, "alertmanager", f"{host}:8080", "HighErrorRate", SV, observer=pcl)
            w.watch(sid, "alertmanager", f"{host}:8080", "ServiceUnavailable", HW, observer=pcl)
            w.watch(sid, "alertmanager", f"{host}:8080", "HighLatencyP99", PF, observer=pcl)
            w.groups.append((sid, tuple(insts)))
            svcs.append(sid)

        # --- branch offices on two carriers
        w.add("carrier-a", "link", "network", "wan", "carrier")
        w.add("carrier-b", "link", "network", "wan", "carrier")
        n_ofc = max(2, min(len(_TOWNS), n // 45))
        for town in _TOWNS[:n_ofc]:
            site = f"ofc-{town}"
            circ = []
            for letter in ("a", "b"):
                cid = f"{site}-mpls-{letter}"
                w.add(
                    cid,
                    "link",
                    "network",
                    site,
                    "circuit",
                    [f"carrier-{letter}", f"wan-pe-{letter}"],
                )
                name = f"BGP peer {site} (carrier {letter.upper()}) is down"
                pe_host = next(x.host for x in w.nodes[f"wan-pe-{letter}"].checks)
                w.watch(cid, "zabbix", pe_host, name, AV, via=f"wan-pe-{letter}",
                        entry=f"{pe_host}!{name}", visible=f"WAN PE {letter.upper()}")  # fmt: skip
                circ.append(cid)
            rtr = f"{site}-rtr"
            w.add(rtr, "router", "network", site, "orouter", [tuple(circ)], crit=2)
            w.groups.append((rtr, tuple(circ)))
            rip = w.ip(f"10.{50 + _TOWNS.index(town)}.0")
            self.host(rtr, f"{rtr}.{_DOMAIN}", rip, [zb], perf=("Interface errors",))
            sw = f"{site}-sw"
            w.add(sw, "switch", "network", site, "osw", [rtr])
            prtg_office = rng.random() < 0.6
            if prtg_office:
                obs = f"Remote Probe {town.title()}"
                probe = self.probe_node(f"{site}-probe", obs, site, [sw])
                w.watch(probe.id, "prtg", f"{site}-probe", "Probe Health", AV,
                        address=w.ip(f"10.{50 + _TOWNS.index(town)}.1"),
                        observer="Local Probe", via=probe.id,
                        entry=f"{site}-probe")  # fmt: skip
                otool: tuple[str, str | None] = ("prtg", obs)
            else:
                obs = f"zbxproxy-{town}"
                probe = self.probe_node(f"{site}-zbxproxy", obs, site, [sw])
                name = f"Proxy {obs}: last seen more than 2m ago"
                w.watch(probe.id, "zabbix", "Zabbix server", name, AV, via=probe.id,
                        entry=f"Zabbix server!{name}", visible="Zabbix server")  # fmt: skip
                otool = ("zabbix", obs)
            self.host(sw, f"{sw}.{_DOMAIN}", w.ip(f"10.{50 + _TOWNS.index(town)}.2"), [otool],
                      perf=("Interface errors",))  # fmt: skip
            w.prtg_parent[sw] = rtr
            srv = f"{site}-srv"
            w.add(srv, "host", "systems", site, "osrv", [sw])
            self.host(srv, f"{srv}.{_DOMAIN}", w.ip(f"10.{50 + _TOWNS.index(town)}.3"),
                      [ng, otool], services=("SMB share", "Print spooler"))  # fmt: skip
            w.prtg_parent[srv] = sw
            for k in range(1, rng.randint(2, 4) + 1):
                ap = f"{site}-ap{k}"
                w.add(ap, "access-point", "workplace", site, "device", [sw], crit=4)
                self.host(ap, f"{ap}.{_DOMAIN}", w.ip(f"10.{50 + _TOWNS.index(town)}.4"),
                          [otool], perf=())  # fmt: skip
                w.prtg_parent[ap] = sw
            if otool[0] == "prtg":  # PRTG also pings the router through the office probe
                self.host(rtr, f"{rtr}.{_DOMAIN}", rip, [otool], perf=())
        w.finish()
        return w


def build_world(seed: int, nodes: int = 300) -> World:
    """The estate for ``seed``, about ``nodes`` nodes."""
    return _Builder(random.Random(f"genc-world-{seed}-{nodes}"), nodes).build()


# --------------------------------------------------------------------------------------
# Faults and what the checks see
# --------------------------------------------------------------------------------------

DOWN: Final = "down"
IMPAIRED: Final = "impaired"
DEGRADED: Final = "degraded"  # a gray root: warnings only on the node itself


@dataclass(slots=True)
class Episode:
    """One check in a problem state from ``start`` to ``end`` (detection times)."""

    check: Check
    start: float
    end: float
    status: str  # down, unreach, unknown, paused, crit, warn
    truth: int
    raised: float  # when the condition began (Alertmanager startsAt)
    ack: float | None = None
    notices: tuple[tuple[float, str], ...] = ()  # (time, kind) flapping/downtime notices


@dataclass(slots=True)
class Fault:
    kind: str
    root: str | None
    t0: float
    failures: list[tuple[str, float, str]]  # (node, time, mode)
    duration: float
    maintenance: bool = False
    inferred_kind: bool = False  # the root is unmonitored by design
    state: dict[str, tuple[float, str]] = field(default_factory=dict)
    episodes: list[Episode] = field(default_factory=list)
    equivalents: tuple[str, ...] = ()
    watched: tuple[str, ...] = ()
    end: float = 0.0

    def alerting(self) -> frozenset[str]:
        return frozenset(e.check.node for e in self.episodes)


def _delay(rng: random.Random, tool: str) -> float:
    lo, hi, skew = _DELAY[tool]
    return float(lo + (hi - lo) * rng.random() ** skew)


def _propagate(
    w: World, rng: random.Random, failures: Sequence[tuple[str, float, str]]
) -> dict[str, tuple[float, str]]:
    """Failure time and mode of every affected node (dependencies first)."""
    state = {n: (t, m) for n, t, m in failures}
    slow = any(m == DEGRADED and w.nodes[n].role == "array" for n, _, m in failures)
    for nid in w.order:
        if nid in state:
            continue
        node = w.nodes[nid]
        best: tuple[float, str] | None = None
        for d in node.deps:
            members = d if isinstance(d, tuple) else (d,)
            if not all(m in state for m in members):
                continue
            last = max(members, key=lambda m: state[m][0])
            t, mode = state[last]
            child = DOWN if mode == DOWN and d not in node.soft else IMPAIRED
            lag = rng.uniform(120, 600) if slow else rng.uniform(1, 20)
            cand = (t + lag, child)
            if best is None or cand[0] < best[0]:
                best = cand
        if best is not None:
            state[nid] = best
    return state


_P: Final[Mapping[str, Mapping[str, float]]] = {
    DOWN: {AV: 0.92, SV: 0.6, PF: 0.05, HW: 0.0},
    IMPAIRED: {AV: 0.12, SV: 0.85, PF: 0.45, HW: 0.0},
    DEGRADED: {AV: 0.0, SV: 0.0, PF: 0.95, HW: 0.0},
}


def _sample(w: World, rng: random.Random, f: Fault, k: int) -> None:
    """Which checks see the fault, when, and in which state."""
    f.state = _propagate(w, rng, f.failures)
    roots = {n for n, _, _ in f.failures}
    end_root = f.t0 + f.duration
    f.end = end_root
    eps: list[Episode] = []
    cut = {n for n, (_, m) in f.state.items() if m == DOWN and w.nodes[n].kind == "probe"}
    nagios_known = {n for n in w.order if any(c.tool == "nagios" for c in w.nodes[n].checks)}
    for nid, (t, mode) in f.state.items():
        node = w.nodes[nid]
        rec = end_root + rng.uniform(5, 120)
        host_down = False
        for c in node.checks:
            if c.via != nid and c.via in f.state and f.state[c.via][1] == DOWN:
                continue  # polled through a node that is itself down
            if c.probe in cut:
                continue  # handled below (Unknown or silent)
            p = _P[mode][c.cat]
            if c.cat == HW and nid in roots and mode == DOWN:
                p = 0.8
            if c.tool == "nagios" and c.name is not None and host_down:
                p *= 0.3  # Nagios suppresses service notifications of a down host
            if rng.random() >= p:
                continue
            start = t + _delay(rng, c.tool)
            status = _status(c, mode)
            if c.name is None and c.tool == "nagios" and nid not in roots and mode == DOWN:
                host_down = True
                if any(d in nagios_known for d in w.below(nid)[:6]) and rng.random() < 0.5:
                    status = "unreach"
            if c.tool == "nagios" and c.name is None and status == "down":
                host_down = True
            if c.tool == "prtg" and nid not in roots and mode == DOWN:
                parent = w.prtg_parent.get(nid)
                if parent in f.state and rng.random() < 0.6:
                    status = "paused"
            end = rec + _delay(rng, c.tool) * 0.5
            if start < end - 60:  # a node that failed only as the root recovered saw nothing
                eps.append(Episode(c, start, end, status, k, t))
    for nid in w.order:  # PRTG sensors of a probe that lost its core go Unknown
        for c in w.nodes[nid].checks:
            if c.tool == "prtg" and c.probe in cut:
                t = f.state[c.probe][0] + rng.uniform(60, 150)
                eps.append(Episode(c, t, end_root + rng.uniform(40, 150), "unknown", k, t))
    f.episodes = eps
    f.watched = tuple(
        sorted({c.node for c in (e.check for e in eps) if c.probe in cut and c.node not in f.state})
    )


def _status(c: Check, mode: str) -> str:
    if c.cat == PF:
        return "warn"
    if c.name is None and c.tool in ("nagios", "icinga"):
        return "down"
    return "crit"


def _force(w: World, rng: random.Random, f: Fault, k: int, nid: str, cats: Sequence[str]) -> bool:
    """Make sure ``nid`` raises something in ``cats`` (a missed detection redrawn)."""
    if any(e.check.node == nid and e.check.cat in cats for e in f.episodes):
        return True
    if nid not in f.state:
        return False
    t, _ = f.state[nid]
    mode_ok = [
        c
        for c in w.nodes[nid].checks
        if c.cat in cats
        and not (c.via != nid and c.via in f.state)
        and not (c.probe is not None and c.probe in f.state)
    ]
    if not mode_ok:
        return False
    c = rng.choice(mode_ok)
    start = t + _delay(rng, c.tool)
    end = f.end + rng.uniform(5, 120) + _delay(rng, c.tool) * 0.5
    status = "warn" if c.cat == PF else ("down" if c.name is None and c.tool != "prtg" else "crit")
    f.episodes.append(Episode(c, start, end, status, k, t))
    return True


class _Explain:
    """Which nodes' failures could produce a set of alerting nodes (memoized per world)."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.poss: dict[str, frozenset[str]] = {}
        self.anc: dict[str, frozenset[str]] = {}

    def possible(self, nid: str) -> frozenset[str]:
        if nid not in self.poss:
            self.poss[nid] = self.w.possible([nid])
        return self.poss[nid]

    def ancestors(self, nid: str) -> frozenset[str]:
        if nid not in self.anc:
            out = {nid, *self.w.below(nid)}
            for c in self.w.nodes[nid].checks:
                if c.probe:
                    out.update([c.probe, *self.w.below(c.probe)])
            self.anc[nid] = frozenset(out)
        return self.anc[nid]

    def covers(self, alerting: frozenset[str]) -> list[str]:
        """Every node whose failure could raise alerts on all of ``alerting``."""
        common: set[str] | None = None
        for nid in sorted(alerting):
            a = self.ancestors(nid)
            common = set(a) if common is None else common & a
        return sorted(x for x in common or () if alerting <= self.possible(x))

    def check_root(self, root: str, alerting: frozenset[str]) -> tuple[bool, tuple[str, ...]]:
        """Whether ``root`` is the most specific explanation; and its equivalents."""
        cands = self.covers(alerting)
        if root not in cands:
            return False, ()
        mine = self.possible(root)
        if any(self.possible(x) < mine for x in cands):
            return False, ()
        return True, tuple(x for x in cands if x != root and self.possible(x) == mine)


def _by_role(w: World, *roles: str) -> list[str]:
    return [n for n in w.order if w.nodes[n].role in roles]


def _pick_fault(w: World, rng: random.Random, kind: str, t0: float) -> Fault | None:
    """A fault of ``kind`` starting at ``t0`` (its nodes chosen at random)."""
    dur = rng.uniform(900, 3600)
    if kind == "linecard":
        lc = rng.choice(_by_role(w, "linecard"))
        return Fault(kind, lc, t0, [(lc, t0, DOWN)], dur)
    if kind == "member":
        cands = [
            m
            for m in _by_role(w, "esx", "dns", "ad", "lb", "web", "instance", "circuit")
            if w.affected([m]) == [m]
        ]
        m = rng.choice(cands)
        return Fault(kind, m, t0, [(m, t0, DOWN)], dur)
    if kind in ("pool-lost", "cluster-lost", "circuit-pair"):
        if kind == "pool-lost":
            groups = [
                g for lbl, g in w.groups if lbl in ("dns", "ad") or w.nodes[lbl].role == "app"
            ]
            groups.append(("lb-01", "lb-02"))
        elif kind == "cluster-lost":
            groups = sorted(
                {g for _, g in w.groups if w.nodes[g[0]].role == "esx"}, key=lambda g: (len(g), g)
            )[:3]
        else:
            groups = [g for lbl, g in w.groups if lbl in w.nodes and w.nodes[lbl].role == "orouter"]
        members = list(rng.choice(sorted(set(groups))))
        rng.shuffle(members)
        fails = []
        t = t0
        for m in members:
            fails.append((m, t, DOWN))
            t += rng.uniform(240, 900)  # the order stays visible through detection delays
        return Fault(kind, members[0], t0, fails, dur + t - t0)
    if kind in ("array-down", "array-latency"):
        arr = rng.choice(_by_role(w, "array"))
        mode = DOWN if kind == "array-down" else DEGRADED
        return Fault(kind, arr, t0, [(arr, t0, mode)], dur + (1800 if mode == DEGRADED else 0))
    if kind == "nfs-down":
        return Fault(kind, "nfs-01", t0, [("nfs-01", t0, DOWN)], dur)
    if kind in ("carrier", "riser", "az"):
        role = {"carrier": "carrier", "riser": "riser", "az": "az"}[kind]
        cands = _by_role(w, role)
        if kind == "az":
            cands = [c for c in cands if "prom-cloud" not in w.affected([c])]
        root = rng.choice(cands)
        return Fault(kind, root, t0, [(root, t0, DOWN)], dur, inferred_kind=True)
    if kind == "stack-member":
        m = rng.choice(_by_role(w, "member"))
        return Fault(kind, m, t0, [(m, t0, DOWN)], dur)
    if kind == "svc-chain":
        cands = [s for s in _by_role(w, "svc") if w.dependents[s]]
        if not cands:
            return None
        s = rng.choice(cands)
        return Fault(kind, s, t0, [(s, t0, DOWN)], dur)
    if kind == "db-down":
        d = rng.choice(_by_role(w, "db", "mdb"))
        return Fault(kind, d, t0, [(d, t0, DOWN)], dur)
    if kind == "vm-down":
        v = rng.choice(_by_role(w, "misc", "dbvm", "web", "osrv", "instance"))
        return Fault(kind, v, t0, [(v, t0, DOWN)], dur)
    if kind == "gray-office":
        sw = rng.choice(_by_role(w, "osw"))
        return Fault(kind, sw, t0, [(sw, t0, DEGRADED)], dur + 1200)
    if kind == "probe":  # an office's PRTG remote probe (mostly) or Zabbix proxy hangs
        prtg = [p for p in _by_role(w, "probe") if p.endswith("-probe")]
        zbx = [p for p in _by_role(w, "probe") if p.endswith("-zbxproxy")]
        p = rng.choice(prtg if prtg and (not zbx or rng.random() < 0.7) else zbx)
        return Fault(kind, p, t0, [(p, t0, DOWN)], dur)
    raise ValueError(f"unknown fault kind {kind!r}")


def _realise(
    w: World, rng: random.Random, ex: _Explain, kind: str, t0: float, k: int
) -> Fault | None:
    """A fault whose alerts identify its root (redrawn up to a few times), or None."""
    for _ in range(12):
        f = _pick_fault(w, rng, kind, t0)
        if f is None:
            return None
        _sample(w, rng, f, k)
        assert f.root is not None
        if f.inferred_kind:
            # the root's direct dependents that alert: at least two, or redraw
            top = [d for d in w.dependents[f.root] if w.nodes[d].checks]
            rng.shuffle(top)
            for d in top[:3]:
                _force(w, rng, f, k, d, (AV,))
            ok, eq = ex.check_root(f.root, f.alerting())
            if not ok or len(f.alerting()) < 2:
                continue
            f.equivalents = eq
        else:
            cats = (PF,) if f.failures[0][2] == DEGRADED else (AV, SV, HW)
            # every lost member of a group shows its loss: a group nobody saw fail whole
            # could not be told from a failure of the node above it
            if not all(_force(w, rng, f, k, n, cats) for n, _, _ in f.failures):
                continue
            hard = {
                e.check.node
                for e in f.episodes
                if e.check.cat in (AV, SV) and w.nodes[e.check.node].kind != "probe"
            } - {f.root}
            if f.failures[0][2] == DEGRADED and len(hard) < 2:
                continue  # with fewer than two nodes failing hard above it, a gray failure
                # is no better an explanation than the one failing node itself
        if f.kind == "svc-chain" and rng.random() < 0.6:
            # the callers' error rates are quicker than the service's own alert
            for e in f.episodes:
                if e.check.node == f.root:
                    e.start += rng.uniform(30, 90)
        return f
    return None


def _overlap(a: Fault, b: Fault) -> bool:
    return a.t0 - 1800 < b.end + 1800 and b.t0 - 1800 < a.end + 1800


def _compatible(w: World, ex: _Explain, f: Fault, others: Sequence[Fault]) -> bool:
    """Concurrent faults stay apart: no shared node, no joint group loss, no common cover."""
    mine = set(f.state) | set(f.alerting())
    for o in others:
        if not _overlap(f, o):
            continue
        theirs = set(o.state) | set(o.alerting())
        if mine & theirs:
            return False
        roots = [n for n, _, _ in f.failures] + [n for n, _, _ in o.failures]
        if set(w.affected(roots)) != set(w.affected([n for n, _, _ in f.failures])) | set(
            w.affected([n for n, _, _ in o.failures])
        ):
            return False
        both = f.alerting() | o.alerting()
        if any(not w.nodes[x].checks for x in ex.covers(both)):
            return False  # an unmonitored node would explain both at once
    return True


# --------------------------------------------------------------------------------------
# Background: noise, flapping, maintenance, hosts the topology does not know
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Extra:
    """A non-fault true incident: its episodes and notices."""

    kind: str
    root: str | None
    t0: float
    episodes: list[Episode]
    notices: list[tuple[float, Check, str]] = field(default_factory=list)
    maintenance: bool = False


def _quiet(
    w: World,
    c: Check,
    t0: float,
    t1: float,
    faults: Sequence[Fault],
    extras: Sequence[Extra] = (),
) -> bool:
    """Whether no fault touches ``c`` (its node, path or observer) around [t0, t1], and no
    other background incident is on its node then (two warnings on one host within minutes
    are one incident, not two)."""
    for x in extras:
        if (
            x.root == c.node
            and x.episodes
            and (
                min(e.start for e in x.episodes) - 1800 < t1
                and t0 < max(e.end for e in x.episodes) + 1800
            )
        ):
            return False
    for f in faults:
        if f.t0 - 1800 < t1 and t0 < f.end + 1800:
            if c.node in f.state or c.via in f.state or (c.probe and c.probe in f.state):
                return False
            if c.node in f.alerting():
                return False
    return True


def _noise(
    w: World,
    rng: random.Random,
    t: float,
    k: int,
    faults: Sequence[Fault],
    extras: Sequence[Extra],
    burst: bool = False,
) -> Extra | None:
    # a burst (patch day, backup window) hits servers' own checks, not the infrastructure
    roles = ("misc", "web", "dbvm", "dns", "ad", "osrv", "esx", "instance")
    checks = [
        c for n in w.order if not burst or w.nodes[n].role in roles for c in w.nodes[n].checks
    ]
    for _ in range(30):
        c = rng.choice(checks)
        if c.cat != PF and not (c.cat == SV and rng.random() < 0.25):
            continue
        dur = rng.uniform(300, 2400) if burst else rng.uniform(300, 10800)
        if not _quiet(w, c, t - 300, t + dur, faults, extras):
            continue
        status = "warn" if c.cat == PF else "crit"
        start = t + _delay(rng, c.tool)
        if c.tool == "icinga" and rng.random() < 0.4:
            # a blip: one soft StateChange, back to OK before the check turned hard
            status, dur = "soft-" + status, rng.uniform(40, 150)
        return Extra("noise", c.node, t, [Episode(c, start, start + dur, status, k, t)])
    return None


def _flapping(
    w: World, rng: random.Random, t: float, k: int, faults: Sequence[Fault], extras: Sequence[Extra]
) -> Extra | None:
    checks = [
        c
        for n in w.order
        if not w.dependents[n]
        for c in w.nodes[n].checks
        if c.tool in ("nagios", "icinga", "zabbix", "prtg") and c.cat in (SV, PF)
    ]
    for _ in range(30):
        c = rng.choice(checks)
        if not _quiet(w, c, t - 300, t + 5400, faults, extras):
            continue
        eps: list[Episode] = []
        notices: list[tuple[float, Check, str]] = []
        s = t
        for n in range(rng.randint(5, 8)):
            e = s + rng.uniform(60, 240)
            if not (c.tool == "nagios" and n >= 3):  # Nagios stops notifying once flapping
                eps.append(Episode(c, s, e, "warn" if c.cat == PF else "crit", k, s))
            if n == 2 and c.tool in ("nagios", "icinga"):
                notices.append((e + 1, c, "flapstart"))
            s = e + rng.uniform(60, 300)
        if c.tool in ("nagios", "icinga"):
            notices.append((s + 600, c, "flapstop"))
        return Extra("flapping", c.node, t, eps, notices)
    return None


def _maintenance(
    w: World, rng: random.Random, t: float, k: int, faults: Sequence[Fault], extras: Sequence[Extra]
) -> Extra | None:
    cands = [
        n
        for n in _by_role(w, "web", "misc")
        if any(c.tool == "icinga" for c in w.nodes[n].checks) and w.affected([n]) == [n]
    ]
    rng.shuffle(cands)
    for nid in cands:
        checks = [c for c in w.nodes[nid].checks if c.tool == "icinga"]
        if not all(_quiet(w, c, t - 600, t + 3600, faults, extras) for c in checks):
            continue
        dur = rng.uniform(600, 1800)
        eps = []
        notices = [(t - rng.uniform(60, 300), c, "downtimestart") for c in checks]
        for c in checks:
            if c.name is None or (c.cat == SV and rng.random() < 0.6):
                start = t + rng.uniform(30, 90)
                status = "down" if c.name is None else "crit"
                eps.append(Episode(c, start, t + dur + rng.uniform(30, 90), status, k, t))
        notices += [(t + dur + rng.uniform(150, 400), c, "downtimeend") for c in checks]
        return Extra("maintenance", nid, t, eps, notices, maintenance=True)
    return None


_UNPLACED_NAMES: Final = ("lt-jdevries", "lt-pbakker", "kiosk-lobby", "tmp-build", "lab-scope")


def _unplaced(w: World, rng: random.Random, t: float, k: int, n: int) -> Extra:
    r = rng.random()
    if r < 0.3:
        ip = f"10.40.9.{rng.randint(2, 250)}"  # an autoscaled instance the CMDB never saw
        host, tool, obs = f"{ip}:9100", "alertmanager", "cloud-eu1/prometheus-0"
        names = [("InstanceDown", AV), ("NodeHighCpu", PF)]
        addr = None
    elif r < 0.55:
        host = f"10.99.{rng.randint(0, 255)}.{rng.randint(2, 250)}"  # Zabbix discovery
        tool, obs, addr = "zabbix", None, host
        names = [("Unavailable by ICMP ping", AV), ("High CPU utilization", PF)]
    elif r < 0.8:
        host = f"{rng.choice(_UNPLACED_NAMES)}-{n:02d}"
        tool, obs, addr = "prtg", "Local Probe", f"10.98.0.{rng.randint(2, 250)}"
        names = [("Ping", AV), ("Disk Free", PF)]
    else:
        host = f"tmp-vm-{n:02d}{rng.choice('abcdef')}.{_DOMAIN}"
        tool, obs, addr = "nagios", "nagios-central", f"10.97.0.{rng.randint(2, 250)}"
        names = [(None, AV), ("SSH", SV), ("Disk /", PF)]  # type: ignore[list-item]
    eps: list[Episode] = []
    for name, cat in names[: rng.randint(1, len(names))]:
        c = Check("", tool, host, addr, name, cat, obs, None, "", str(900000 + n * 10 + len(eps)))
        start = t + rng.uniform(0, 120)
        status = "warn" if cat == PF else ("down" if name is None else "crit")
        eps.append(Episode(c, start, start + rng.uniform(300, 2400), status, k, t))
    return Extra("unplaced", None, t, eps)


# --------------------------------------------------------------------------------------
# Rendering into each tool's native payload
# --------------------------------------------------------------------------------------


def _iso(t: float) -> str:
    return datetime.fromtimestamp(round(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _us(t: float) -> str:
    d = datetime.fromtimestamp(round(t), UTC)
    h = d.hour % 12 or 12
    return f"{d.month}/{d.day}/{d.year} {h}:{d.minute:02d}:{d.second:02d} {'PM' if d.hour >= 12 else 'AM'}"


@dataclass(slots=True)
class _Line:
    at: float
    seq: int
    source: str
    payload: dict[str, Any]
    observer: str | None
    problems: tuple[tuple[int, str], ...]  # (truth, node) of each problem alert it carries


class _Renderer:
    def __init__(self, rng: random.Random, horizon: float) -> None:
        self.rng = rng
        self.horizon = horizon
        self.lines: list[_Line] = []
        self.pid = 4100 + rng.randint(0, 500)
        self.eid = 780000 + rng.randint(0, 9000)

    def emit(
        self,
        t: float,
        source: str,
        payload: dict[str, Any],
        observer: str | None = None,
        problem: tuple[tuple[int, str], ...] = (),
    ) -> None:
        if t > self.horizon:
            return
        at = round(t + self.rng.uniform(0.2, 4.0), 3)
        if not problem:
            at = round(t + 4.5, 3)  # a recovery or notice never overtakes its problem
        self.lines.append(_Line(at, len(self.lines), source, payload, observer, problem))

    # -- Nagios --------------------------------------------------------------------------

    def nagios(self, e: Episode) -> None:
        c = e.check
        self.pid += 1
        pid = str(self.pid)
        prob = ((e.truth, c.node),)
        t = e.start
        while t == e.start or t < e.end - 300:  # re-notified hourly while it lasts
            self.emit(t, "nagios", self._nag(c, "PROBLEM", e.status, pid, t), c.observer, prob)
            t += 3600
        if e.ack is not None and e.ack < e.end:
            body = self._nag(c, "ACKNOWLEDGEMENT", e.status, pid, e.ack)
            body.update(NOTIFICATIONAUTHOR="noc-oncall", NOTIFICATIONCOMMENT="looking into it")
            self.emit(e.ack, "nagios", body, c.observer)
        self.emit(e.end, "nagios", self._nag(c, "RECOVERY", "ok", pid, e.end), c.observer)

    def _nag(self, c: Check, kind: str, status: str, pid: str, t: float) -> dict[str, Any]:
        body: dict[str, Any] = {"NOTIFICATIONTYPE": kind, "HOSTNAME": c.host}
        if c.address:
            body["HOSTADDRESS"] = c.address
        ok = status == "ok"
        if c.name is None:
            state = {"down": "DOWN", "unreach": "UNREACHABLE", "ok": "UP"}.get(status, "DOWN")
            out = "PING OK - Packet loss = 0%" if ok else "CRITICAL - Host Unreachable"
            body.update(HOSTSTATE=state, HOSTSTATETYPE="HARD", HOSTOUTPUT=out)
            body.update(
                HOSTPROBLEMID="0" if kind == "RECOVERY" else pid,
                LASTHOSTPROBLEMID=pid if kind == "RECOVERY" else "0",
            )
        else:
            state = {"warn": "WARNING", "ok": "OK", "unknown": "UNKNOWN"}.get(status, "CRITICAL")
            out = f"{c.name} OK" if ok else f"{c.name} {state.lower()}: check failed"
            body.update(SERVICEDESC=c.name, SERVICESTATE=state, SERVICESTATETYPE="HARD")
            body.update(SERVICEOUTPUT=out, SERVICEPROBLEMID=pid, LASTSERVICEPROBLEMID="0")
        body["TIMET"] = str(int(t))
        return body

    # -- Icinga 2 --------------------------------------------------------------------------

    def icinga(self, e: Episode) -> None:
        c, rng = e.check, self.rng
        prob = ((e.truth, c.node),)
        bad = 1 if c.name is None else (1 if e.status.endswith("warn") else 2)
        if e.status.startswith("soft-"):
            self.emit(e.start, "icinga", self._ici(c, "StateChange", bad, 0, e.start), c.observer,
                      prob)  # fmt: skip
            self.emit(e.end, "icinga", self._ici(c, "StateChange", 0, 0, e.end), c.observer)
            return
        if rng.random() < 0.5:
            soft = e.start - rng.uniform(20, 60)
            self.emit(soft, "icinga", self._ici(c, "StateChange", bad, 0, soft), c.observer, prob)
        self.emit(e.start, "icinga", self._ici(c, "StateChange", bad, 1, e.start), c.observer, prob)
        if rng.random() < 0.5:
            t = e.start + rng.uniform(0.5, 3)
            body = self._ici(c, "Notification", bad, 1, t)
            body["notification_type"] = "Problem"
            body["check_result"]["state"] = 2 if c.name is None else bad
            self.emit(t, "icinga", body, c.observer, prob)
        if e.ack is not None and e.ack < e.end:
            body = self._ici(c, "AcknowledgementSet", bad, 1, e.ack)
            body.update(author="noc-oncall", comment="known, working on it")
            del body["state"], body["state_type"]
            self.emit(e.ack, "icinga", body, c.observer)
        self.emit(e.end, "icinga", self._ici(c, "StateChange", 0, 1, e.end), c.observer)

    def _ici(self, c: Check, kind: str, state: int, stype: int, t: float) -> dict[str, Any]:
        body: dict[str, Any] = {"type": kind, "host": c.host}
        if c.name is not None:
            body["service"] = c.name
        out = "OK" if state == 0 else f"{c.name or 'PING'} CRITICAL - no answer"
        body.update(state=state, state_type=stype, check_result={"output": out}, timestamp=t)
        body["timestamp"] = round(t, 3)
        return body

    def icinga_notice(self, t: float, c: Check, kind: str) -> None:
        if kind in ("downtimestart", "downtimeend"):
            dt = {"host_name": c.host, "service_name": c.name or "", "author": "change-mgmt"}
            typ = "DowntimeStarted" if kind == "downtimestart" else "DowntimeRemoved"
            self.emit(t, "icinga", {"type": typ, "downtime": dt, "timestamp": round(t, 3)},
                      c.observer)  # fmt: skip
        else:
            body: dict[str, Any] = {"type": "Flapping", "host": c.host, "timestamp": round(t, 3)}
            if c.name:
                body["service"] = c.name
            body["is_flapping"] = kind == "flapstart"
            self.emit(t, "icinga", body, c.observer)

    def nagios_notice(self, t: float, c: Check, kind: str) -> None:
        typ = {"flapstart": "FLAPPINGSTART", "flapstop": "FLAPPINGSTOP",
               "downtimestart": "DOWNTIMESTART", "downtimeend": "DOWNTIMEEND"}[kind]  # fmt: skip
        self.emit(t, "nagios", self._nag(c, typ, "crit", "0", t), c.observer)

    # -- Zabbix ----------------------------------------------------------------------------

    def zabbix(self, e: Episode) -> None:
        c = e.check
        self.eid += self.rng.randint(1, 40)
        eid = str(self.eid)
        sev = {AV: "4", SV: "4", HW: "3", PF: "2"}[c.cat]
        if c.node in ("dc-chassis", "fw-01", "fw-02") and c.cat == AV:
            sev = "5"
        prob = ((e.truth, c.node),)
        self.emit(e.start, "zabbix", self._zbx(c, eid, "1", "0", "No", sev, e.start), None, prob)
        if e.ack is not None and e.ack < e.end:
            self.emit(e.ack, "zabbix", self._zbx(c, eid, "1", "1", "Yes", sev, e.start))
        self.eid += 1
        body = self._zbx(c, eid, "0", "0", "No", sev, e.end)
        body["recovery_id"] = str(self.eid)
        self.emit(e.end, "zabbix", body)

    def _zbx(
        self, c: Check, eid: str, value: str, update: str, ack: str, sev: str, t: float
    ) -> dict[str, Any]:
        d = datetime.fromtimestamp(int(t), UTC)
        tags = [{"tag": "class", "value": c.cat}, {"tag": "scope", "value": "availability"}]
        return {
            "event_id": eid,
            "event_value": value,
            "event_update_status": update,
            "event_ack": ack,
            "event_severity": sev,
            "event_name": c.name or "",
            "event_tags": _json(tags),
            "event_date": d.strftime("%Y.%m.%d"),
            "event_time": d.strftime("%H:%M:%S"),
            "recovery_id": "{EVENT.RECOVERY.ID}",
            "host": c.host,
            "host_name": c.extra.get("visible", c.host),
            "host_ip": c.address or "",
            "trigger_id": c.ident,
            "trigger_name": c.name or "",
            "proxy": c.observer or "",
        }

    # -- PRTG ------------------------------------------------------------------------------

    def prtg(self, e: Episode) -> None:
        c = e.check
        status = {"warn": "Warning", "unknown": "Unknown", "paused": "Paused by Dependency"}.get(
            e.status, "Down"
        )
        prob = ((e.truth, c.node),)
        self.emit(e.start, "prtg", self._prtg(c, status, e.start, e.start), None, prob)
        if e.ack is not None and e.ack < e.end and status == "Down":
            self.emit(e.ack, "prtg", self._prtg(c, "Down (Acknowledged)", e.ack, e.start))
            status = "Down (Acknowledged)"
        self.emit(e.end, "prtg", self._prtg(c, f"{status} ended (now: Up)", e.end, e.start))

    def _prtg(self, c: Check, status: str, t: float, since: float) -> dict[str, Any]:
        down = int(max(0, t - since))
        return {
            "device": c.host,
            "deviceid": str(2000 + int(hashlib.sha256(c.host.encode()).hexdigest()[:4], 16)),
            "sensor": c.name or "Ping",
            "sensorid": c.ident,
            "status": status,
            "down": f"{down // 60} m {down % 60} s" if down else "",
            "message": "OK" if "now: Up" in status else f"{c.name or 'Ping'}: no response",
            "datetime": _us(t),
            "priority": "****" if c.cat in (AV, SV, HW) else "***",
            "group": c.extra.get("group", "Infrastructure"),
            "probe": c.observer or "Local Probe",
            "host": c.address or "",
            "home": "https://prtg.msp.example.net/",
            "lastvalue": "No data" if status != "Up" else "1 msec",
        }

    # -- Alertmanager ------------------------------------------------------------------------

    def alertmanager(self, eps: Sequence[Episode]) -> None:
        """Webhook bodies per group: group_wait 30 s, group_interval 60 s, repeat 4 h."""
        groups: dict[tuple[str, str, str], list[Episode]] = {}
        for e in eps:
            c = e.check
            cluster = "cloud" if (c.observer or "").startswith("cloud") else "dc"
            # the warning route groups by instance too (tickets, no pages); critical alerts
            # are grouped by alertname and cluster, so one body carries many hosts
            inst = c.host if c.cat == PF else ""
            groups.setdefault((c.name or "", cluster, inst), []).append(e)
        for key in sorted(groups):
            self._am_group(key, sorted(groups[key], key=lambda e: (e.start, e.check.ident)))

    def _am_group(self, key: tuple[str, str, str], eps: list[Episode]) -> None:
        alertname, cluster, _ = key
        state = [0] * len(eps)  # 0 pending, 1 notified firing, 2 done
        f = eps[0].start + 30.0
        last_sent = -1e18
        while f <= self.horizon + 60:
            firing = [i for i, e in enumerate(eps) if e.start <= f < e.end and state[i] != 2]
            resolved = [i for i, e in enumerate(eps) if e.end <= f and state[i] == 1]
            for i, e in enumerate(eps):
                if e.end <= f and state[i] == 0:
                    state[i] = 2  # began and ended between two notifications: never sent
            changed = any(state[i] == 0 for i in firing) or resolved
            if changed or (firing and f - last_sent >= 4 * 3600):
                self._am_body(alertname, cluster, [eps[i] for i in firing],
                              [eps[i] for i in resolved], f)  # fmt: skip
                last_sent = f
                for i in firing:
                    state[i] = 1
                for i in resolved:
                    state[i] = 2
            pending = [i for i in range(len(eps)) if state[i] != 2]
            if not pending:
                return
            nxt = min(
                [eps[i].start for i in pending if state[i] == 0 and eps[i].start > f]
                + [eps[i].end for i in pending if eps[i].end > f]
                + ([last_sent + 4 * 3600] if firing else [])
                + [math.inf]
            )
            if nxt == math.inf:
                return
            if not firing and not resolved and not any(state[i] == 1 for i in range(len(eps))):
                f = max(nxt + 30.0, f + 60.0)  # an empty group is gone: a new one waits
            else:
                f += 60.0 * max(1, math.ceil((nxt - f) / 60.0))

    def _am_body(
        self,
        alertname: str,
        cluster: str,
        firing: Sequence[Episode],
        resolved: Sequence[Episode],
        t: float,
    ) -> None:
        alerts: list[dict[str, Any]] = []
        for e, status in [*((e, "firing") for e in firing), *((e, "resolved") for e in resolved)]:
            c = e.check
            sev = {AV: "critical", SV: "critical", HW: "critical", PF: "warning"}[c.cat]
            labels = {
                "alertname": alertname,
                "cluster": cluster,
                "instance": c.host,
                "job": "node" if c.host.endswith(":9100") else "blackbox",
                "prometheus": c.observer or "",
                "severity": sev,
            }
            fp = hashlib.sha256(_json(labels).encode()).hexdigest()[:16]
            alerts.append(
                {
                    "status": status,
                    "labels": labels,
                    "annotations": {"summary": f"{alertname} on {c.host}"},
                    "startsAt": _iso(e.raised),
                    "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else _iso(e.end),
                    "generatorURL": f"http://prometheus.{cluster}:9090/graph",
                    "fingerprint": fp,
                }
            )
        common = {
            k: v
            for k, v in alerts[0]["labels"].items()
            if all(a["labels"].get(k) == v for a in alerts)
        }
        body = {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="{alertname}", cluster="{cluster}"}}',
            "truncatedAlerts": 0,
            "status": "firing" if firing else "resolved",
            "receiver": "correlator",
            "groupLabels": {"alertname": alertname, "cluster": cluster},
            "commonLabels": common,
            "commonAnnotations": {},
            "externalURL": f"http://alertmanager.{cluster}:9093",
            "alerts": alerts,
        }
        prob = tuple((e.truth, e.check.node) for e in firing)
        self.emit(t, "alertmanager", body, None, prob)


def _json(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


def _acks(rng: random.Random, eps: Iterable[Episode]) -> None:
    for e in eps:
        if e.check.tool != "alertmanager" and rng.random() < 0.2:
            e.ack = e.start + rng.uniform(120, 1200)


def _assemble(
    w: World,
    rng: random.Random,
    seed: int,
    family: str,
    faults: Sequence[Fault],
    extras: Sequence[Extra],
    horizon: float,
) -> Scenario:
    r = _Renderer(rng, horizon)
    items: list[tuple[str, str | None, str, float, bool, tuple[str, ...], tuple[str, ...]]] = []
    eps: list[Episode] = []
    notices: list[tuple[float, Check, str]] = []
    for f in faults:
        assert f.root is not None
        site = w.nodes[f.root].site
        items.append((f.kind, f.root, site, f.t0, False, f.equivalents, f.watched))
        eps += f.episodes
    for x in extras:
        site = w.nodes[x.root].site if x.root else ""
        items.append((x.kind, x.root, site or "", x.t0, x.maintenance, (), ()))
        eps += x.episodes
        notices += x.notices
    _acks(rng, eps)
    eps.sort(key=lambda e: (e.start, e.check.tool, e.check.ident, e.truth))
    for e in eps:
        if e.start > horizon:
            continue
        if e.check.tool == "nagios":
            r.nagios(e)
        elif e.check.tool == "icinga":
            r.icinga(e)
        elif e.check.tool == "zabbix":
            r.zabbix(e)
        elif e.check.tool == "prtg":
            r.prtg(e)
    r.alertmanager([e for e in eps if e.check.tool == "alertmanager" and e.start <= horizon])
    for t, c, kind in sorted(notices, key=lambda n: (n[0], n[1].ident, n[2])):
        if c.tool == "icinga":
            r.icinga_notice(t, c, kind)
        elif c.tool == "nagios":
            r.nagios_notice(t, c, kind)
    r.lines.sort(key=lambda x: (x.at, x.seq))
    lines: list[dict[str, Any]] = []
    events: dict[int, list[str]] = {}
    placed: dict[int, set[str]] = {}
    for n, ln in enumerate(r.lines, start=1):
        eid = f"c{n:06d}"
        rec: dict[str, Any] = {"at": ln.at, "source": ln.source, "id": eid, "payload": ln.payload}
        if ln.source in ("nagios", "icinga") and ln.observer:
            rec["observer"] = ln.observer
        lines.append(rec)
        for k in sorted({k for k, _ in ln.problems}):
            events.setdefault(k, []).append(eid)
        for k, node in ln.problems:
            placed.setdefault(k, set()).add(node)
    truth: list[TrueIncident] = []
    for k, (kind, root, site, t0, maint, eq, watched) in enumerate(items):
        if k not in events:
            continue
        nodes = tuple(sorted(x for x in placed[k] if x))
        truth.append(
            TrueIncident(
                root=root,
                inferred=root is not None and root not in nodes,
                event_ids=tuple(events[k]),
                kind_of_fault=kind,
                equivalent_roots=eq,
                site=site or None,
                started_at=t0,
                maintenance=maint,
                watched=watched,
                nodes=nodes,
            )
        )
    stats = {
        "family": family,
        "nodes": len(w.nodes),
        "faults": len(faults),
        "extras": len(extras),
        "lines": len(lines),
    }
    return Scenario(seed, w.yaml_dict(), lines, truth, stats)


def _schedule(
    w: World,
    rng: random.Random,
    kinds: Sequence[str],
    times: Sequence[float],
    faults: list[Fault],
    extras: list[Extra],
) -> None:
    ex = _Explain(w)
    for kind, start in zip(kinds, times, strict=True):
        t = start
        k = len(faults) + len(extras)
        if kind == "unplaced":
            for _ in range(rng.randint(1, 3)):
                extras.append(_unplaced(w, rng, t + rng.uniform(0, 600), len(faults) + len(extras),
                                        len(extras) + 1))  # fmt: skip
            continue
        for _ in range(6):
            f = _realise(w, rng, ex, kind, t, k)
            if f is not None and _compatible(w, ex, f, faults):
                faults.append(f)
                break
            t += rng.uniform(600, 1800)


def _background(
    w: World,
    rng: random.Random,
    faults: list[Fault],
    extras: list[Extra],
    t0: float,
    t1: float,
    *,
    noise: int,
    bursts: int = 0,
    flapping: int = 0,
    maintenance: int = 0,
    unplaced: int = 0,
) -> None:
    def k() -> int:
        return len(faults) + len(extras)

    for _ in range(noise):
        x = _noise(w, rng, rng.uniform(t0, t1), k(), faults, extras)
        if x:
            extras.append(x)
    for _ in range(bursts):  # a patch day or a backup window: many unrelated warnings at once
        t = rng.uniform(t0, t1)
        for _ in range(rng.randint(6, 14)):
            x = _noise(w, rng, t + rng.uniform(0, 180), k(), faults, extras, burst=True)
            if x:
                extras.append(x)
    for _ in range(flapping):
        x = _flapping(w, rng, rng.uniform(t0, t1), k(), faults, extras)
        if x:
            extras.append(x)
    for _ in range(maintenance):
        x = _maintenance(w, rng, rng.uniform(t0, t1), k(), faults, extras)
        if x:
            extras.append(x)
    for _ in range(unplaced):
        extras.append(_unplaced(w, rng, rng.uniform(t0, t1), k(), len(extras) + 1))


def _fix_truth_index(faults: list[Fault], extras: list[Extra]) -> None:
    """Number episodes by position: faults first, then extras (as ``_assemble`` lists them)."""
    for k, f in enumerate(faults):
        for e in f.episodes:
            e.truth = k
    for j, x in enumerate(extras):
        for e in x.episodes:
            e.truth = len(faults) + j


def single(seed: int, kind: str, nodes: int = 300) -> Scenario:
    """One fault of ``kind`` (or one background incident), with a little unrelated noise."""
    w = build_world(seed, nodes)
    rng = random.Random(f"genc-single-{seed}-{kind}-{nodes}")
    faults: list[Fault] = []
    extras: list[Extra] = []
    t = T0 + 900
    if kind in FAULT_KINDS_C:
        _schedule(w, rng, [kind], [t], faults, extras)
    elif kind == "noise":
        _background(w, rng, faults, extras, t, t + 60, noise=0, bursts=1)
    elif kind == "flapping":
        _background(w, rng, faults, extras, t, t + 60, noise=0, flapping=1)
    elif kind == "maintenance":
        _background(w, rng, faults, extras, t, t + 60, noise=0, maintenance=1)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    _background(w, rng, faults, extras, T0, T0 + 5400, noise=rng.randint(0, 2))
    _fix_truth_index(faults, extras)
    end = max([f.end for f in faults] + [T0 + 3600])
    return _assemble(w, rng, seed, f"single-{kind}", faults, extras, end + 1500)


def storm(seed: int, nodes: int = 700) -> Scenario:
    """A few wide faults within 20 minutes in different parts of the estate, plus noise."""
    w = build_world(seed, nodes)
    rng = random.Random(f"genc-storm-{seed}-{nodes}")
    faults: list[Fault] = []
    extras: list[Extra] = []
    n = rng.randint(2, 4)
    kinds = rng.sample(STORM_KINDS, n)
    times = sorted(T0 + 600 + rng.uniform(0, 1200) for _ in kinds)
    _schedule(w, rng, kinds, times, faults, extras)
    _background(w, rng, faults, extras, T0, T0 + 6000, noise=rng.randint(3, 6), bursts=1,
                unplaced=rng.randint(1, 2))  # fmt: skip
    _fix_truth_index(faults, extras)
    end = max([f.end for f in faults] + [T0 + 3600])
    return _assemble(w, rng, seed, "storm", faults, extras, end + 1800)


def day(seed: int, nodes: int = 500, faults: int = 18, noise: int = 30) -> Scenario:
    """24 hours: faults of every kind and size at random times, noise, flapping, maintenance."""
    w = build_world(seed, nodes)
    rng = random.Random(f"genc-day-{seed}-{nodes}-{faults}-{noise}")
    fs: list[Fault] = []
    extras: list[Extra] = []
    kinds = [rng.choice(FAULT_KINDS_C) for _ in range(faults)]
    times = sorted(T0 + rng.uniform(600, 84000) for _ in kinds)
    _schedule(w, rng, kinds, times, fs, extras)
    _background(w, rng, fs, extras, T0, T0 + 86400, noise=noise, bursts=2, flapping=2,
                maintenance=2, unplaced=3)  # fmt: skip
    _fix_truth_index(fs, extras)
    return _assemble(w, rng, seed, "day", fs, extras, T0 + 86400)
