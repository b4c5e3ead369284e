"""A second, independent storm generator, written from the public contracts only.

Sources: specs/ingest-formats.md (payload shapes), specs/topology-format.md (what the right
root is), specs/replay.md (line format) and the peer notes on Nagios 4, Icinga 2 and Zabbix 6.
It shares nothing with ``generator.py`` but the judging dataclasses (``Scenario``,
``TrueIncident``), so ``metrics`` judges both the same way.

The world is not a three-tier site: a spine-leaf data centre (racks with a leaf *pair* and
one rack PDU each), a SAN with datastores, hypervisors, a Kubernetes layer (nodes, pods as
``container``, services over ``any_of`` pods), databases as primary/replica pairs, a
message-queue cluster, business services over several applications, and branch offices
behind a VPN hub over unmonitored WAN links, each watched by a PRTG remote probe or a Zabbix
proxy. Monitoring is a mix: Nagios (two satellites, ``observer`` on the line), Icinga 2
(event stream: StateChange + Notification), Zabbix (central server and branch proxies),
PRTG (remote probes) and Alertmanager (grouped webhook bodies, several alerts per body).

Everything is pure and seeded: the same arguments give the same scenario, byte for byte.

Assumptions where the specs are silent (each also noted where it is coded):

- A lost ``any_of`` group: members fail 8-15 min apart, so the member that failed first
  (the spec's root) is also the first one seen; every member's own failure is on record.
- A remote probe / proxy cut off: the root is the probe when the central server said so
  (its own alert), else its unmonitored uplink; each is an equivalent of the other.
- Maintenance is an Icinga downtime: the stream still shows StateChange lines, Icinga sends
  no Notification; alerts of its dependents belong to the same (non-paging) incident.
- Re-notifications (Nagios, Icinga, every 30 min) and Alertmanager bodies re-sent with a
  still-firing alert are problem lines of that alert's fault. An Alertmanager body belongs to
  every fault with a firing alert in it.
- Nagios sends no service notification while the host is down; a Zabbix trigger dependency
  suppresses a child's ping trigger 40 % of the time; an Icinga Dependency disables
  notifications but the event stream still shows the StateChange.
- An observer that is down itself (a Nagios satellite, the Prometheus server) loses what it
  would report; a cut-off PRTG probe or Zabbix proxy turns its checks Unknown instead.
- A background warning stays open at the end of the day 20 % of the time.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

from .generator import Scenario, TrueIncident

T0: Final = 1_780_000_000.0  # a Sunday-ish epoch; only differences matter
DOMAIN: Final = "dc1.example.org"

HOSTLIKE: Final = frozenset(
    {"switch", "router", "firewall", "link", "power", "hypervisor", "host", "vm", "probe"}
)
SERVICELIKE: Final = frozenset({"application", "database", "queue", "container", "storage"})

# Check names per kind: (host-level check?, hard checks fired on "crit", soft (warning) checks)
CHECKS: Final[dict[str, tuple[bool, tuple[str, ...], tuple[str, ...]]]] = {
    "switch": (True, ("Port status",), ("Interface errors", "Packet loss")),
    "router": (True, ("BGP peer",), ("Packet loss", "Interface errors")),
    "firewall": (True, ("IPsec tunnels",), ("Packet loss", "Session table")),
    "hypervisor": (True, ("Datastore accessible",), ("Datastore latency", "CPU ready")),
    "host": (True, ("Service status",), ("CPU load", "Disk space")),
    "vm": (True, ("Disk IO",), ("Disk latency", "CPU load", "Disk space")),
    "database": (True, ("PostgreSQL connections",), ("Replication lag", "Disk latency")),
    "queue": (True, ("RabbitMQ node",), ("RabbitMQ queue depth",)),
    "storage": (True, ("Controller status",), ("Array latency",)),
    "probe": (True, (), ()),
    "container": (False, ("KubePodNotReady",), ("KubePodCrashLooping",)),
    "application": (False, ("HTTP",), ("Response time",)),
}


# --------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Watch:
    """One tool watching one node under one host name."""

    tool: str  # nagios | icinga | zabbix | prtg | alertmanager
    host: str  # the host name as the tool sends it
    address: str | None
    observer: str | None
    host_check: bool
    hard: tuple[str, ...]
    soft: tuple[str, ...]
    host_node: str  # the node that owns the host (differs for HOST!CHECK watches)


@dataclass(slots=True)
class Node:
    id: str
    kind: str
    team: str
    site: str
    deps: list[str | list[str]] = field(default_factory=list)  # list = any_of group
    monitored_as: list[str] = field(default_factory=list)
    watches: list[Watch] = field(default_factory=list)

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "team": self.team}
        out["site"] = self.site
        if self.monitored_as:
            out["monitored_as"] = list(self.monitored_as)
        if self.deps:
            out["depends_on"] = [
                d if isinstance(d, str) else {"any_of": list(d)} for d in self.deps
            ]
        return out


@dataclass(slots=True)
class World:
    nodes: dict[str, Node]
    racks: list[list[str]]  # per rack: [leaf-a, leaf-b, pdu, hypervisors...]
    branches: list[dict[str, Any]]
    groups: list[list[str]]  # any_of groups worth losing as a whole
    probes: dict[str, list[str]]  # probe node -> nodes whose checks it runs
    dependents: dict[str, list[str]] = field(default_factory=dict)

    def topology(self) -> dict[str, Any]:
        return {
            "version": 1,
            "defaults": {"team": "service-desk"},
            "nodes": [n.to_yaml() for n in self.nodes.values()],
        }


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nodes: dict[str, Node] = {}
        self.ip = 0

    def addr(self, prefix: str = "10.20") -> str:
        self.ip += 1
        return f"{prefix}.{self.ip // 250}.{self.ip % 250 + 2}"

    def node(self, nid: str, kind: str, team: str, site: str, deps: list[str | list[str]]) -> Node:
        n = Node(nid, kind, team, site, deps)
        self.nodes[nid] = n
        return n

    def watch(
        self,
        n: Node,
        tool: str,
        observer: str | None,
        *,
        on: Node | None = None,
        name_style: str | None = None,
    ) -> None:
        """Monitor ``n`` with ``tool``; ``on`` is the host it is checked on (HOST!CHECK)."""
        has_host, hard, soft = CHECKS[n.kind]
        rng = self.rng
        if on is not None:  # an application or a database checked on its host
            host = on.watches[0].host if on.watches else on.id
            addr = on.watches[0].address if on.watches else None
            checks = hard + soft
            for c in checks:
                entry = f"{on.id}!{c}"
                if entry not in n.monitored_as:
                    n.monitored_as.append(entry)
            n.watches.append(
                Watch(
                    tool,
                    host,
                    addr,
                    observer,
                    host_check=False,
                    hard=hard,
                    soft=soft,
                    host_node=on.id,
                )
            )
            return
        address = self.addr()
        style = name_style or rng.choice(["plain", "plain", "fqdn", "upper", "addr-entry"])
        # How the alert names the host, and how the topology names the node (rule 2).
        if tool == "alertmanager":
            host = address  # instance is IP:port; the topology lists the address
            n.monitored_as.extend([n.id, address])
        elif style == "fqdn":
            host = f"{n.id}.{n.site}.example.org"  # alert FQDN, entry short: first-label rule
            n.monitored_as.append(n.id)
        elif style == "upper":
            host = n.id.upper()  # case-insensitive rule
            n.monitored_as.append(n.id)
        elif style == "addr-entry":
            host = n.id
            n.monitored_as.extend([f"{n.id}.{n.site}.example.org", address])  # entry FQDN
        else:
            host = n.id
            n.monitored_as.extend([n.id, address])
        n.watches.append(Watch(tool, host, address, observer, has_host, hard, soft, n.id))


def build_world(rng: random.Random, size: int) -> World:
    """A spine-leaf DC + k8s + databases + queues + branches, about ``size`` nodes."""
    b = _Builder(rng)
    racks_n = max(3, size // 45)
    branches_n = max(2, size // 40)
    site = "dc1"
    for p in ("pdu-core-a", "pdu-core-b"):
        b.node(p, "power", "facilities", site, [])  # unmonitored
    spines = []
    for i, p in enumerate(("pdu-core-a", "pdu-core-b"), start=1):
        s = b.node(f"spine-{i}", "switch", "network", site, [p])
        b.watch(s, "zabbix", None)
        spines.append(s.id)
    nag_sats = ["nagios-sat-1", "nagios-sat-2"]
    racks: list[list[str]] = []
    groups: list[list[str]] = [list(spines)]
    hypervisors: list[str] = []
    leaves_r1: list[str] = []
    for r in range(1, racks_n + 1):
        pdu = b.node(f"pdu-r{r:02d}", "power", "facilities", site, [])
        la = b.node(f"leaf-r{r:02d}a", "switch", "network", site, [list(spines)])
        lb = b.node(f"leaf-r{r:02d}b", "switch", "network", site, [list(spines)])
        for leaf in (la, lb):
            b.watch(leaf, rng.choice(["zabbix", "prtg", "zabbix"]), None)
            if leaf.watches[0].tool == "prtg":
                leaf.watches[0].observer = "Local Probe"  # the core's own probe: no node
        groups.append([la.id, lb.id])
        racks.append([la.id, lb.id, pdu.id])
        if r == 1:
            leaves_r1 = [la.id, lb.id]
    # Monitoring probes inside the DC (their own path: a leaf pair)
    for i, sat in enumerate(nag_sats):
        sp = b.node(
            sat, "probe", "monitoring", site, [[racks[i % racks_n][0], racks[i % racks_n][1]]]
        )
        b.watch(sp, "icinga", None, name_style="plain")
    san = b.node("san-01", "storage", "storage", site, [leaves_r1, "pdu-core-a"])
    b.watch(san, "prtg", "Local Probe")
    datastores = []
    for d in range(1, max(2, racks_n // 2) + 1):
        ds = b.node(f"ds-{d:02d}", "storage", "storage", site, ["san-01"])
        b.watch(ds, "nagios", nag_sats[d % 2])
        datastores.append(ds.id)
    for r, rack in enumerate(racks, start=1):
        for h in range(1, rng.randint(3, 5) + 1):
            hv = b.node(
                f"esx-r{r:02d}-{h:02d}", "hypervisor", "systems", site,
                [[rack[0], rack[1]], rack[2], rng.choice(datastores)],
            )  # fmt: skip
            tool = rng.choice(["nagios", "icinga"])
            b.watch(hv, tool, nag_sats[r % 2] if tool == "nagios" else None)
            rack.append(hv.id)
            hypervisors.append(hv.id)
    prom = b.node("prom-01", "probe", "monitoring", site, [rng.choice(hypervisors)])
    b.watch(prom, "nagios", nag_sats[0])

    def vm(nid: str, kind: str, team: str, tool: str) -> Node:
        v = b.node(nid, kind, team, site, [rng.choice(hypervisors)])
        obs = None
        if tool == "nagios":
            obs = rng.choice(nag_sats)
        elif tool == "alertmanager":
            obs = "prom-01"
        b.watch(v, tool, obs)
        return v

    # Kubernetes: nodes are VMs, pods are containers, services any_of their pods
    k8s_nodes = [
        vm(f"k8s-node-{i:02d}", "vm", "platform", "alertmanager").id
        for i in range(1, max(3, racks_n) + 1)
    ]
    # Databases and queues
    apps = ["shop", "checkout", "search", "billing", "crm", "wms", "auth", "media", "report"]
    rng.shuffle(apps)
    apps = apps[: max(4, min(len(apps), size // 30))]
    mq = [vm(f"mq-{i:02d}", "queue", "middleware", "icinga").id for i in (1, 2, 3)]
    groups.append(list(mq))
    app_ids = []
    for app in apps:
        pair = []
        for half in ("a", "b"):
            db = vm(
                f"pg-{app}-{half}", "database", "dba", rng.choice(["nagios", "icinga", "zabbix"])
            )
            pair.append(db.id)
        groups.append(pair)
        deps: list[str | list[str]] = [list(pair)]
        if rng.random() < 0.6:
            deps.append(list(mq))
        if rng.random() < 0.6:  # containerised app
            pods = []
            for k in range(1, rng.randint(2, 4) + 1):
                pod = b.node(
                    f"pod-{app}-{k}", "container", "platform", site, [rng.choice(k8s_nodes)]
                )
                b.watch(pod, "alertmanager", "prom-01")
                pods.append(pod.id)
            groups.append(pods)
            deps.append(list(pods))
            svc = b.node(f"svc-{app}", "application", "web", site, deps)
            # blackbox probe of the in-cluster service name: instance svc-x.prod.svc...:443;
            # the entry's HOST part is found by the first label (topology rule 2)
            checks = ("ProbeFailed", "HighErrorRate")
            svc.monitored_as.extend(f"{svc.id}!{c}" for c in checks)
            fq = f"{svc.id}.prod.svc.cluster.local"
            svc.watches.append(
                Watch(
                    "alertmanager",
                    fq,
                    None,
                    "prom-01",
                    host_check=False,
                    hard=checks,
                    soft=("HighLatency",),
                    host_node=svc.id,
                )
            )
        else:
            hosts = [
                vm(f"{app}-app-{k:02d}", "vm", "web", rng.choice(["nagios", "icinga"]))
                for k in (1, 2)
            ]
            svc = b.node(f"svc-{app}", "application", "web", site, [*deps, [h.id for h in hosts]])
            groups.append([h.id for h in hosts])
            b.watch(svc, hosts[0].watches[0].tool, hosts[0].watches[0].observer, on=hosts[0])
        app_ids.append(svc.id)
    for i in range(max(2, len(app_ids) // 2)):
        b.node(
            f"bs-{i + 1:02d}",
            "service",
            "business",
            site,
            list(rng.sample(app_ids, min(3, len(app_ids)))),
        )
    # Branches behind a VPN hub over unmonitored WAN links
    hub = b.node("vpn-hub-1", "firewall", "network", site, [list(leaves_r1)])
    b.watch(hub, "zabbix", None)
    branches = []
    probes: dict[str, list[str]] = {}
    cities = ["lis", "opo", "mad", "bcn", "vlc", "sev", "bil", "zar", "mal", "pmi", "alc", "gra"]
    for k in range(branches_n):
        city = cities[k % len(cities)] + ("" if k < len(cities) else str(k))
        bsite = f"br-{city}"
        pdu = b.node(f"pdu-{city}", "power", "facilities", bsite, [])
        wan = b.node(f"wan-{city}", "link", "network", bsite, ["vpn-hub-1"])
        rtr = b.node(f"rtr-{city}", "router", "network", bsite, [wan.id, pdu.id])
        b.watch(rtr, "zabbix", None)  # central server polls the router's WAN address
        sw = b.node(f"sw-{city}", "switch", "network", bsite, [rtr.id, pdu.id])
        use_prtg = k % 2 == 0
        pid = f"probe-{city}" if use_prtg else f"zbxp-{city}"
        upl = b.node(f"upl-{pid}", "link", "network", bsite, [sw.id])
        probe = b.node(pid, "probe", "monitoring", bsite, [upl.id])
        probe.monitored_as.append(pid)
        tool = "prtg" if use_prtg else "zabbix"
        observer = pid.upper() if use_prtg else f"{pid}.{bsite}.example.org"
        b.watch(sw, tool, observer)
        devices = [sw.id]
        for d in range(1, rng.randint(4, 9) + 1):
            kind = "host"
            dev = b.node(
                f"{city}-{rng.choice(['pos', 'kiosk', 'ap', 'cam', 'prn'])}-{d:02d}",
                kind,
                "retail-it",
                bsite,
                [sw.id],
            )
            b.watch(dev, tool, observer)
            devices.append(dev.id)
        probes[pid] = devices
        branches.append(
            {
                "city": city,
                "rtr": rtr.id,
                "sw": sw.id,
                "probe": pid,
                "tool": tool,
                "devices": devices,
                "wan": wan.id,
                "uplink": upl.id,
            }
        )
    # Padding: plain servers in racks so the size is roughly what was asked
    r = 0
    while len(b.nodes) < size:
        r += 1
        rack = racks[r % len(racks)]
        srv = b.node(
            f"srv-r{r % len(racks) + 1:02d}-{r:03d}",
            "host",
            "systems",
            site,
            [[rack[0], rack[1]], rack[2]],
        )
        tool = rng.choice(["nagios", "icinga", "zabbix", "alertmanager"])
        b.watch(
            srv,
            tool,
            rng.choice(nag_sats)
            if tool == "nagios"
            else ("prom-01" if tool == "alertmanager" else None),
        )
        rack.append(srv.id)
    w = World(b.nodes, racks, branches, groups, probes)
    for nd in w.nodes.values():
        for dep in nd.deps:
            for x in [dep] if isinstance(dep, str) else dep:
                w.dependents.setdefault(x, []).append(nd.id)
    return w


# --------------------------------------------------------------------------------------
# Faults: which nodes fail, how, and when
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Effect:
    t: float  # when the node fails (or degrades)
    mode: str  # down | crit | warn | quiet
    cause: str | None  # the dependency that made it fail; None for a root


@dataclass(slots=True)
class Plan:
    """One true incident to emit: its effects, its truth, and any special emission."""

    kind: str
    root: str
    start: float
    end: float
    effects: dict[str, Effect]
    equivalents: tuple[str, ...] = ()
    special: str = ""  # probe | flapping | maintenance
    watched: tuple[str, ...] = ()
    check: str | None = None  # flapping / noise: the one check


def propagate(
    w: World,
    roots: dict[str, Effect],
    rng: random.Random,
    *,
    gray: bool = False,
    hop: tuple[float, float] = (5.0, 40.0),
) -> dict[str, Effect]:
    """Walk up ``depends_on`` edges with ``any_of`` semantics from the failed roots.

    A node fails when a plain dependency failed, or when every member of one of its
    ``any_of`` groups failed (specs/topology-format.md). Hard failures of network, power or
    compute make a host-like dependent *down*; anything else makes its checks critical. A
    gray root degrades what is above it: host-like nodes stay up (sometimes with a warning),
    applications, databases, queues and pods fail their checks.
    """
    eff = dict(roots)
    while True:
        cands = sorted({d for n in eff for d in w.dependents.get(n, ()) if d not in eff})
        added = False
        for cid in cands:
            node = w.nodes[cid]
            best: tuple[float, str] | None = None
            for d in node.deps:
                if isinstance(d, str):
                    if d in eff:
                        t = eff[d].t
                        cause = d
                    else:
                        continue
                else:
                    if not all(m in eff for m in d):
                        continue
                    cause = max(d, key=lambda m: eff[m].t)
                    t = eff[cause].t
                if best is None or t < best[0]:
                    best = (t, cause)
            if best is None:
                continue
            t, cause = best
            ce = eff[cause]
            has_host = CHECKS.get(node.kind, (False, (), ()))[0]
            if node.kind == "service":
                mode = "quiet"
            elif gray or ce.mode in ("warn", "quiet"):
                if node.kind in ("application", "database", "queue", "container"):
                    mode = "crit"
                else:
                    mode = "warn" if rng.random() < 0.4 else "quiet"
            elif (
                ce.mode == "down"
                and w.nodes[cause].kind in HOSTLIKE
                and (has_host or node.kind == "container")
            ):
                mode = "down"
            else:
                mode = "crit"
            eff[cid] = Effect(t + rng.uniform(*hop), mode, cause)
            added = True
        if not added:
            return eff


def _monitored(n: Node) -> bool:
    return bool(n.watches)


def _hard_ok(w: World, eff: dict[str, Effect]) -> bool:
    """At least one hard (crit/down) watched dependent above a gray root."""
    return any(e.mode in ("crit", "down") and w.nodes[n].watches for n, e in eff.items() if e.cause)


FAULT_KINDS_B: Final = (
    "node-down",
    "group-lost",
    "member-lost",
    "member-and-above",
    "gray",
    "slow-spread",
    "unmonitored",
    "probe",
    "flapping",
    "maintenance",
    "two-under-shared",
    "noise",
)


def plan_fault(w: World, kind: str, start: float, rng: random.Random) -> list[Plan]:
    """One fault of ``kind`` starting at ``start`` (one or two true incidents)."""
    nodes = w.nodes
    dur = rng.uniform(900, 2700)
    end = start + dur
    if kind == "node-down":
        pool = [
            n.id
            for n in nodes.values()
            if n.watches
            and n.watches[0].host_check
            and n.kind
            in (
                "hypervisor",
                "vm",
                "database",
                "queue",
                "switch",
                "router",
                "storage",
                "firewall",
                "host",
            )
        ]
        # Mostly nodes something depends on: a leaf device going down alone is easy.
        inner = sorted(p for p in pool if w.dependents.get(p))
        root = rng.choice(inner if inner and rng.random() < 0.8 else sorted(pool))
        eff = propagate(w, {root: Effect(start, "down", None)}, rng)
        return [Plan(kind, root, start, end, eff)]
    if kind == "group-lost":
        grp = rng.choice(
            [g for g in w.groups if not g[0].startswith("spine") or rng.random() < 0.3]
        )
        order = list(grp)
        rng.shuffle(order)
        t = start
        roots = {}
        for m in order:
            roots[m] = Effect(t, "down", None)
            # Stagger well beyond every tool's detection spread, so "failed first" is also
            # what the evidence shows first (spec: the root is the member that failed first).
            t += rng.uniform(480, 900)
        eff = propagate(w, roots, rng)
        return [Plan(kind, order[0], start, t + dur, eff)]
    if kind == "member-lost":
        grp = rng.choice(w.groups)
        m = rng.choice(grp)
        eff = propagate(w, {m: Effect(start, "down", None)}, rng)
        return [Plan(kind, m, start, end, eff)]
    if kind == "member-and-above":
        for _ in range(50):
            grp = rng.choice(w.groups)
            above = sorted(
                {
                    d
                    for m in grp
                    for d in w.dependents.get(m, ())
                    if nodes[d].watches and nodes[d].watches[0].host_check
                }
            )
            if above:
                break
        m = rng.choice(grp)
        top = rng.choice(above)
        e1 = propagate(w, {m: Effect(start, "down", None)}, rng)
        t2 = start + rng.uniform(-90, 90)
        e2 = propagate(w, {top: Effect(t2, "down", None)}, rng)
        return [
            Plan("member-lost", m, start, end, e1),
            Plan("node-down", top, t2, end + rng.uniform(-300, 300), e2),
        ]
    if kind in ("gray", "slow-spread"):
        pool = sorted(
            n.id
            for n in nodes.values()
            if (n.watches and n.kind in ("hypervisor", "storage")) or n.id.startswith("k8s-node")
        )
        if kind == "slow-spread":
            pool = sorted(n.id for n in nodes.values() if n.kind == "storage")
        hop = (240.0, 600.0) if kind == "slow-spread" else (20.0, 120.0)
        for _ in range(40):
            root = rng.choice(pool)
            eff = propagate(w, {root: Effect(start, "warn", None)}, rng, gray=True, hop=hop)
            if _hard_ok(w, eff):
                break
        if kind == "slow-spread":
            end = max(e.t for e in eff.values()) + rng.uniform(900, 1800)
        return [Plan(kind, root, start, end, eff)]
    if kind == "unmonitored":
        pdus = [r[2] for r in w.racks if len(r) > 4] + ["pdu-core-a"]
        root = rng.choice(pdus)
        eff = propagate(w, {root: Effect(start, "down", None)}, rng, hop=(0.0, 5.0))
        return [Plan(kind, root, start, end, eff)]
    if kind == "probe":
        br = rng.choice(w.branches)
        upl, probe = br["uplink"], br["probe"]
        eff = {upl: Effect(start, "down", None), probe: Effect(start + 1, "down", upl)}
        return [Plan(kind, probe, start, end, eff, (upl,), "probe", tuple(w.probes[probe]))]
    if kind in ("flapping", "noise"):
        pool = sorted(
            n.id
            for n in nodes.values()
            if n.watches
            and CHECKS[n.kind][2]
            and (kind == "noise" or n.watches[0].tool in ("nagios", "icinga"))
        )
        root = rng.choice(pool)
        check = rng.choice(CHECKS[nodes[root].kind][2])
        if kind == "noise":
            check = rng.choice([c for c in (*CHECKS[nodes[root].kind][2], "CPU load") if c])
        eff = {root: Effect(start, "warn", None)}
        e = start + (rng.uniform(600, 1500) if kind == "flapping" else rng.uniform(300, 5400))
        return [Plan(kind, root, start, e, eff, special=kind, check=check)]
    if kind == "maintenance":
        pool = sorted(
            n.id
            for n in nodes.values()
            if n.watches
            and n.watches[0].tool == "icinga"
            and n.kind in ("vm", "database", "host", "queue")
        )
        root = rng.choice(pool)
        eff = propagate(w, {root: Effect(start + 120, "down", None)}, rng)
        return [Plan(kind, root, start, end, eff, special="maintenance")]
    if kind == "two-under-shared":
        by_parent: dict[str, list[str]] = {}
        for n in nodes.values():
            if n.watches and n.watches[0].host_check and n.kind in ("vm", "database", "queue"):
                dep = n.deps[0]
                if isinstance(dep, str) and nodes[dep].watches:
                    by_parent.setdefault(dep, []).append(n.id)
        parent = rng.choice(sorted(p for p, c in by_parent.items() if len(c) >= 2))
        a, b = rng.sample(sorted(by_parent[parent]), 2)
        t2 = start + rng.uniform(30, 300)
        return [
            Plan("node-down", a, start, end, propagate(w, {a: Effect(start, "down", None)}, rng)),
            Plan("node-down", b, t2, t2 + dur, propagate(w, {b: Effect(t2, "down", None)}, rng)),
        ]
    raise ValueError(f"unknown fault kind {kind!r}")


# --------------------------------------------------------------------------------------
# Emission: each tool's native payloads (specs/ingest-formats.md)
# --------------------------------------------------------------------------------------

# Detection delay after the failure, per tool (check interval x retries, 'for:' etc.)
DELAY: Final[dict[str, tuple[float, float]]] = {
    "nagios": (40.0, 360.0),  # 5 min interval, 1 min retry, 3 attempts
    "icinga": (30.0, 240.0),
    "zabbix": (60.0, 200.0),  # ICMP ping trigger over 3 values a minute apart
    "prtg": (30.0, 120.0),
    "alertmanager": (60.0, 300.0),  # rule 'for:' before the group_wait
}
RENOTIFY: Final = 1800.0  # Nagios notification_interval / Icinga interval (30 min)
MISS: Final = 0.06  # a symptom check that never fires (trigger dependency, bad luck)
ACK: Final = 0.2  # an engineer acknowledges a hard problem (a notice, never a new problem)

_OUTPUT: Final = {
    "down": "PING CRITICAL - Packet loss = 100%",
    "crit": "CRITICAL - connection timed out",
    "warn": "WARNING - threshold exceeded",
    "unknown": "UNKNOWN - no data from probe",
}


@dataclass(slots=True)
class Ev:
    at: float
    source: str
    payload: dict[str, Any]
    observer: str | None
    truth: tuple[int, ...]  # true incidents of a problem line; () for recoveries, notices
    nodes: tuple[str, ...] = ()  # nodes its problem alerts are on


@dataclass(slots=True)
class AmChange:
    t: float
    prom: str
    alertname: str
    labels: dict[str, str]
    firing: bool
    truth: int
    starts: float
    node: str


class Emitter:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.events: list[Ev] = []
        self.am: list[AmChange] = []
        self.nagios_id = 1000
        self.zabbix_id = 40000
        self.ids: dict[tuple[str, ...], str] = {}
        self.lost: list[tuple[str, float, float]] = []  # (observer, from, to): reports lost

    def _stable(self, *key: str) -> str:
        k = tuple(key)
        if k not in self.ids:
            self.ids[k] = str(20000 + len(self.ids))
        return self.ids[k]

    # One alert: a problem at ``t`` and (unless None) its recovery at ``rec``.
    def alert(
        self,
        wt: Watch,
        check: str | None,
        level: str,
        t: float,
        rec: float | None,
        truth: int,
        node: str,
        *,
        notify: bool = True,
    ) -> None:
        rng = self.rng
        tool = wt.tool
        ack: float | None = None
        if level in ("down", "crit") and rng.random() < ACK:
            ack = t + rng.uniform(120, 900)
            if rec is not None and ack >= rec:
                ack = None
        if tool == "nagios":
            self.nagios_id += 1
            pid = str(self.nagios_id)
            k = 0
            while True:
                tt = t + k * RENOTIFY
                if rec is not None and tt >= rec:
                    break
                if k and rec is None and tt > t + 4 * RENOTIFY:
                    break
                self._nagios(wt, check, level, tt, pid, truth, node)
                k += 1
            if ack is not None:
                self._nagios(wt, check, level, ack, pid, None, node, ntype="ACKNOWLEDGEMENT")
            if rec is not None:
                self._nagios(wt, check, "ok", rec, pid, None, node)
        elif tool == "icinga":
            self._icinga(wt, check, level, t, truth, node, notify=notify, rec=rec, ack=ack)
        elif tool == "zabbix":
            self._zabbix(wt, check, level, t, rec, truth, node, ack=ack)
        elif tool == "prtg":
            self._prtg(wt, check, level, t, rec, truth, node, ack=ack)
        else:
            prom = wt.observer or "prom-01"
            name = check or "InstanceDown"
            port = "9100" if check is None else rng.choice(["8080", "9187", "443"])
            labels = {
                "alertname": name,
                "instance": f"{wt.host}:{port}",
                "job": "node" if check is None else "app",
                "severity": {"down": "critical", "crit": "critical", "warn": "warning"}.get(
                    level, "warning"
                ),
                "prometheus": prom,
                "cluster": "dc1",
            }
            self.am.append(
                AmChange(t, prom, name, labels, firing=True, truth=truth, starts=t, node=node)
            )
            if rec is not None:
                self.am.append(
                    AmChange(
                        rec, prom, name, labels, firing=False, truth=truth, starts=t, node=node
                    )
                )

    def _nagios(
        self,
        wt: Watch,
        check: str | None,
        level: str,
        t: float,
        pid: str,
        truth: int | None,
        node: str,
        *,
        ntype: str | None = None,
    ) -> None:
        p: dict[str, Any] = {"NOTIFICATIONTYPE": "PROBLEM" if level != "ok" else "RECOVERY"}
        if ntype is not None:
            p["NOTIFICATIONTYPE"] = ntype
            p["NOTIFICATIONAUTHOR"] = "oncall"
            p["NOTIFICATIONCOMMENT"] = "looking into it"
        p["HOSTNAME"] = wt.host
        if wt.address:
            p["HOSTADDRESS"] = wt.address
        if check is None:
            p["HOSTSTATE"] = {"down": "DOWN", "unreach": "UNREACHABLE", "ok": "UP"}[level]
            p["HOSTSTATETYPE"] = "HARD"
            p["HOSTOUTPUT"] = _OUTPUT["down"] if level != "ok" else "PING OK - Packet loss = 0%"
            # Nagios 4.4.6: a host RECOVERY carries HOSTPROBLEMID=0, the episode in LAST...
            p["HOSTPROBLEMID"] = "0" if level == "ok" else pid
            p["LASTHOSTPROBLEMID"] = pid if level == "ok" else "0"
        else:
            p["SERVICEDESC"] = check
            p["HOSTSTATE"] = "UP"
            st = {"crit": "CRITICAL", "warn": "WARNING", "unknown": "UNKNOWN", "ok": "OK"}[level]
            p["SERVICESTATE"] = st
            p["SERVICESTATETYPE"] = "HARD"
            p["SERVICEOUTPUT"] = _OUTPUT.get(level, "OK")
            # ... while a service RECOVERY keeps SERVICEPROBLEMID and LAST... is 0
            p["SERVICEPROBLEMID"] = pid
            p["LASTSERVICEPROBLEMID"] = "0"
        p["TIMET"] = str(int(t))
        p["HOSTGROUPNAMES"] = "linux-servers"
        # notify script latency; same-second notifications may arrive out of order
        at = t + self.rng.uniform(0.06, 1.5)
        self.events.append(
            Ev(at, "nagios", p, wt.observer, () if truth is None else (truth,), (node,))
        )

    def _icinga(
        self,
        wt: Watch,
        check: str | None,
        level: str,
        t: float,
        truth: int,
        node: str,
        *,
        notify: bool,
        rec: float | None,
        ack: float | None = None,
    ) -> None:
        def obj(typ: str, state: int, tt: float, ntype: str | None) -> dict[str, Any]:
            out: dict[str, Any] = {"type": typ, "host": wt.host}
            if check is not None:
                out["service"] = check
            rstate = state if check is not None else (2 if state else 0)
            out["check_result"] = {
                "output": _OUTPUT.get(level, "OK") if state else "OK",
                "state": rstate,
                "exit_status": rstate,
                "active": True,
                "vars_after": {"state": state, "state_type": 1, "reachable": True},
            }
            if ntype is None:
                out["state"] = state
                out["state_type"] = 1
                out["acknowledgement"] = False
                out["downtime_depth"] = 1 if not notify else 0
            else:
                out["notification_type"] = ntype
                out["users"] = ["ops"]
                out["author"] = ""
                out["text"] = ""
                out["command"] = (
                    "mail-host-notification" if check is None else "mail-service-notification"
                )
            out["timestamp"] = round(tt, 6)
            return out

        state = 1 if check is None else {"crit": 2, "warn": 1, "unknown": 3, "down": 2}[level]
        rng = self.rng
        at = t + rng.uniform(0.05, 0.5)
        self.events.append(
            Ev(at, "icinga", obj("StateChange", state, t, None), wt.observer, (truth,), (node,))
        )
        if notify:
            k = 0
            while rec is None or t + k * RENOTIFY < rec:
                if rec is None and k > 3:
                    break
                tt = t + k * RENOTIFY + rng.uniform(0.1, 0.8)
                ev = obj("Notification", state, tt, "Problem")
                self.events.append(Ev(tt + 0.1, "icinga", ev, wt.observer, (truth,), (node,)))
                k += 1
        ack_obj: dict[str, Any] = {"host": wt.host}
        if check is not None:
            ack_obj["service"] = check
        if ack is not None:
            a = dict(ack_obj, type="AcknowledgementSet", author="oncall", comment="looking")
            a.update(acknowledgement_type=1, notify=True, expiry=0, state=state, state_type=1)
            a["timestamp"] = round(ack, 6)
            self.events.append(Ev(ack + 0.1, "icinga", a, wt.observer, ()))
        if rec is not None:
            self.events.append(
                Ev(rec + 0.2, "icinga", obj("StateChange", 0, rec, None), wt.observer, (), (node,))
            )
            if ack is not None:  # Icinga clears the acknowledgement on recovery
                c = dict(ack_obj, type="AcknowledgementCleared", acknowledgement_type=0)
                c.update(state=0, state_type=1, timestamp=round(rec + 0.1, 6))
                self.events.append(Ev(rec + 0.25, "icinga", c, wt.observer, ()))
            if notify:
                ev = obj("Notification", 0, rec + 0.3, "Recovery")
                self.events.append(Ev(rec + 0.5, "icinga", ev, wt.observer, (), (node,)))

    def _zabbix(
        self,
        wt: Watch,
        check: str | None,
        level: str,
        t: float,
        rec: float | None,
        truth: int,
        node: str,
        *,
        ack: float | None = None,
    ) -> None:
        name = check or "Unavailable by ICMP ping"
        if level == "unknown":
            name = "Zabbix agent is not available (for 3m)"
        sev = {"down": "4", "crit": "4", "warn": "2", "unknown": "3"}[level]
        if check is None and level == "down" and wt.host_node.startswith(("spine", "vpn")):
            sev = "5"
        self.zabbix_id += 1
        eid = str(self.zabbix_id)
        trig = self._stable("zbx", wt.host, name)

        def payload(value: str, tt: float, rid: str) -> dict[str, Any]:
            d = datetime.fromtimestamp(tt, UTC)
            return {
                "event_id": eid,
                "event_value": value,
                "event_update_status": "0",
                "event_ack": "No",
                "event_severity": sev,
                "event_name": name,
                "event_tags": '[{"tag":"scope","value":"availability"}]',
                "event_date": d.strftime("%Y.%m.%d"),
                "event_time": d.strftime("%H:%M:%S"),
                "recovery_id": rid,
                "host": wt.host,
                "host_name": wt.host.split(".")[0],
                "host_ip": wt.address or "",
                "trigger_id": trig,
                "trigger_name": name,
                "proxy": wt.observer or "",
            }

        lat = self.rng.uniform(0.7, 3.5)
        self.events.append(
            Ev(t + lat, "zabbix", payload("1", t, "{EVENT.RECOVERY.ID}"), None, (truth,), (node,))
        )
        if ack is not None:  # an update of the same problem event: acknowledged
            upd = payload("1", ack, "{EVENT.RECOVERY.ID}")
            upd.update(event_update_status="1", event_ack="Yes")
            self.events.append(Ev(ack + lat, "zabbix", upd, None, ()))
        if rec is not None:
            self.zabbix_id += 1
            rid = str(self.zabbix_id)
            self.events.append(Ev(rec + lat, "zabbix", payload("0", rec, rid), None, (), (node,)))

    def _prtg(
        self,
        wt: Watch,
        check: str | None,
        level: str,
        t: float,
        rec: float | None,
        truth: int,
        node: str,
        *,
        ack: float | None = None,
    ) -> None:
        sensor = check or "Ping"
        status = {
            "down": "Down",
            "crit": "Down",
            "warn": "Warning",
            "unknown": "Unknown",
            "paused": "Paused by Dependency",
        }[level]
        device = wt.host

        def payload(st: str, tt: float) -> dict[str, Any]:
            d = datetime.fromtimestamp(tt, UTC)
            return {
                "device": device,
                "deviceid": self._stable("prtgdev", device),
                "sensor": sensor,
                "sensorid": self._stable("prtg", device, sensor),
                "status": st,
                "down": "1 m" if st != "Up" else "",
                "message": _OUTPUT.get(level, "OK"),
                "datetime": d.strftime("%m/%d/%Y %I:%M:%S %p"),
                "priority": "****" if level in ("down", "crit") else "***",
                "group": "Branch" if wt.observer and wt.observer != "Local Probe" else "Datacenter",
                "probe": wt.observer or "Local Probe",
                "host": wt.address or device,
                "home": "https://prtg.example.org/",
                "lastvalue": "",
            }

        lat = self.rng.uniform(1.0, 12.0)
        self.events.append(Ev(t + lat, "prtg", payload(status, t), None, (truth,), (node,)))
        if ack is not None and status == "Down":
            self.events.append(Ev(ack + lat, "prtg", payload("Down (Acknowledged)", ack), None, ()))
        if rec is not None:
            self.events.append(
                Ev(rec + lat, "prtg", payload(f"{status} ended (now: Up)", rec), None, (), (node,))
            )

    def flush_alertmanager(self) -> None:
        """Batch Alertmanager alerts into webhook bodies: group_wait 30 s, group_interval 5 min.

        Grouped by (Prometheus, alertname). Each body carries every alert of the group that
        is firing, plus those resolved since the last body (as Alertmanager does).
        """
        by_group: dict[tuple[str, str], list[AmChange]] = {}
        for c in sorted(self.am, key=lambda c: (c.t, c.labels["instance"])):
            by_group.setdefault((c.prom, c.alertname), []).append(c)
        for (prom, name), changes in sorted(by_group.items()):
            firing: dict[str, AmChange] = {}
            resolved: dict[str, AmChange] = {}
            i = 0
            last_flush: float | None = None
            while i < len(changes):
                first = changes[i].t
                flush = (
                    first + 30.0
                    if last_flush is None or first > last_flush + 300
                    else last_flush + 300
                )
                while i < len(changes) and changes[i].t <= flush:
                    c = changes[i]
                    key = c.labels["instance"]
                    if c.firing:
                        firing[key] = c
                        resolved.pop(key, None)
                    elif key in firing:
                        started = firing.pop(key)
                        resolved[key] = replace(c, starts=started.starts)
                    i += 1
                self._am_body(prom, name, flush, firing, resolved)
                resolved = {}
                last_flush = flush
                # repeat while alerts keep firing is 4 h (repeat_interval): none in our spans

    def _am_body(
        self,
        prom: str,
        name: str,
        at: float,
        firing: dict[str, AmChange],
        resolved: dict[str, AmChange],
    ) -> None:
        alerts = []
        truths: set[int] = set()
        for c in [*firing.values(), *resolved.values()]:
            fp = hashlib.sha256(repr(sorted(c.labels.items())).encode()).hexdigest()[:16]
            alerts.append(
                {
                    "status": "firing" if c.firing else "resolved",
                    "labels": dict(c.labels),
                    "annotations": {"summary": f"{name} on {c.labels['instance']}"},
                    "startsAt": _rfc3339(c.starts),
                    "endsAt": "0001-01-01T00:00:00Z" if c.firing else _rfc3339(c.t),
                    "generatorURL": f"http://{prom}:9090/graph",
                    "fingerprint": fp,
                }
            )
            if c.firing:
                truths.add(c.truth)
        if not alerts:
            return
        body = {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="{name}", prometheus="{prom}"}}',
            "truncatedAlerts": 0,
            "status": "firing" if truths else "resolved",
            "receiver": "correlator",
            "groupLabels": {"alertname": name, "prometheus": prom},
            "commonLabels": {"alertname": name, "prometheus": prom},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.dc1.example.org:9093",
            "alerts": alerts,
        }
        nodes = tuple(sorted({c.node for c in firing.values()}))
        self.events.append(Ev(at, "alertmanager", body, None, tuple(sorted(truths)), nodes))


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------------------
# From plans to replay lines and truth
# --------------------------------------------------------------------------------------


def _observer_nodes(w: World) -> dict[str, str]:
    """Observer name (as the tools send it) -> probe node."""
    out = {"nagios-sat-1": "nagios-sat-1", "nagios-sat-2": "nagios-sat-2", "prom-01": "prom-01"}
    for br in w.branches:
        for n in br["devices"]:
            for wt in w.nodes[n].watches:
                if wt.observer:
                    out[wt.observer] = br["probe"]
    return out


def _watched_by(w: World, node: str, tool: str) -> bool:
    return any(x.tool == tool for x in w.nodes[node].watches)


def emit_plan(w: World, plan: Plan, idx: int, em: Emitter, obs: dict[str, str]) -> None:
    rng = em.rng
    if plan.special == "flapping":
        _emit_flapping(w, plan, idx, em)
        return
    if plan.special == "noise":
        wt = w.nodes[plan.root].watches[0]
        t = plan.start + rng.uniform(*DELAY[wt.tool])
        # Assumption (spec silent): an unrelated warning still open at the end stays open.
        rec = plan.end if rng.random() < 0.8 else None
        em.alert(wt, plan.check, "warn", t, rec, idx, plan.root)
        return
    if plan.special == "probe":
        _emit_probe(w, plan, idx, em)
        return
    if plan.special == "maintenance":
        host = w.nodes[plan.root].watches[0].host
        dt = {
            "type": "DowntimeStarted",
            "downtime": {
                "host_name": host,
                "service_name": "",
                "author": "ops",
                "comment": "kernel patching",
                "start_time": plan.start,
                "end_time": plan.end + 600,
                "fixed": True,
            },
            "timestamp": plan.start,
        }
        em.events.append(Ev(plan.start + 0.2, "icinga", dt, None, ()))
        end = dict(dt, type="DowntimeRemoved", timestamp=plan.end + 600)
        em.events.append(Ev(plan.end + 600.2, "icinga", end, None, ()))
    down_probes = {
        n for n, e in plan.effects.items() if w.nodes[n].kind == "probe" and e.mode == "down"
    }
    for nid, e in sorted(plan.effects.items()):
        node = w.nodes[nid]
        if e.mode == "quiet":
            continue
        for wt in node.watches:
            # Roots (every member of a lost group too) are always seen: the spec's "member
            # that failed first" presumes the members' failures are on record.
            if e.cause is not None and rng.random() < MISS:
                continue
            t = e.t + rng.uniform(*DELAY[wt.tool])
            rec = plan.end + rng.uniform(10, 240)
            if t >= rec:
                continue
            probe = obs.get(wt.observer or "")
            if probe in down_probes and wt.tool in ("prtg", "zabbix"):
                # the remote probe / proxy itself is cut off: its checks go Unknown
                em.alert(wt, None if wt.tool == "zabbix" else "Ping", "unknown", t, rec, idx, nid)
                continue
            if probe is not None and any(o == probe and a <= t <= b for o, a, b in em.lost):
                continue  # the satellite / Prometheus that would report it is down itself
            _emit_node(w, plan, idx, em, nid, e, wt, t, rec)


def _emit_node(
    w: World,
    plan: Plan,
    idx: int,
    em: Emitter,
    nid: str,
    e: Effect,
    wt: Watch,
    t: float,
    rec: float,
) -> None:
    rng = em.rng
    cause = e.cause
    notify = plan.special != "maintenance"
    if e.mode == "down" and wt.host_check:
        level = "down"
        if wt.tool == "nagios" and cause and _watched_by(w, cause, "nagios") and rng.random() < 0.8:
            level = "unreach"  # the parent is known to this Nagios and already down
        if wt.tool == "prtg" and cause and _watched_by(w, cause, "prtg") and rng.random() < 0.7:
            level = "paused"
        if wt.tool == "zabbix" and cause and _watched_by(w, cause, "zabbix") and rng.random() < 0.4:
            return  # a trigger dependency on the parent's ping suppresses it
        if wt.tool == "icinga" and cause and _watched_by(w, cause, "icinga") and rng.random() < 0.8:
            notify = False  # an Icinga Dependency disables notifications; the stream still shows it
        em.alert(wt, None, level, t, rec, idx, nid, notify=notify)
        if wt.tool == "icinga" and wt.hard and rng.random() < 0.5:
            # services of a down host change state too; implicit dependency: no notification
            em.alert(wt, wt.hard[0], "crit", t + rng.uniform(5, 60), rec, idx, nid, notify=False)
        return
    if e.mode in ("down", "crit"):
        host_eff = plan.effects.get(wt.host_node)
        if (
            wt.tool == "nagios"
            and host_eff is not None
            and host_eff.mode == "down"
            and wt.host_node != nid
        ):
            return  # Nagios sends no service notification while the host is down
        for c in wt.hard:
            em.alert(wt, c, "crit", t, rec, idx, nid, notify=notify)
            t += rng.uniform(5, 90)
        return
    if e.mode == "warn" and wt.soft:
        # a gray root shows any of its degradation checks; what it degrades shows the first
        check = rng.choice(wt.soft) if e.cause is None else wt.soft[0]
        em.alert(wt, check, "warn", t, rec, idx, nid, notify=notify)


def _emit_flapping(w: World, plan: Plan, idx: int, em: Emitter) -> None:
    rng = em.rng
    wt = w.nodes[plan.root].watches[0]
    check = plan.check
    t = plan.start
    cycles = rng.randint(4, 7)
    for i in range(cycles):
        up = t + rng.uniform(40, 110)
        if wt.tool == "nagios":
            if i < 3:
                em.alert(wt, check, "warn", t, up, idx, plan.root)
            if i == 2:
                p = {
                    "NOTIFICATIONTYPE": "FLAPPINGSTART",
                    "HOSTNAME": wt.host,
                    "SERVICEDESC": check,
                    "SERVICESTATE": "WARNING",
                    "SERVICEOUTPUT": _OUTPUT["warn"],
                    "TIMET": str(int(up + 5)),
                }
                em.events.append(Ev(up + 5.2, "nagios", p, wt.observer, ()))
        else:
            em.alert(wt, check, "warn", t, up, idx, plan.root, notify=i < 3)
            if i == 2:
                f = {
                    "type": "Flapping",
                    "host": wt.host,
                    "service": check,
                    "is_flapping": True,
                    "state": 1,
                    "state_type": 1,
                    "timestamp": up + 5,
                }
                em.events.append(Ev(up + 5.2, "icinga", f, wt.observer, ()))
        t = up + rng.uniform(60, 200)
    if wt.tool == "nagios":
        p = {
            "NOTIFICATIONTYPE": "FLAPPINGSTOP",
            "HOSTNAME": wt.host,
            "SERVICEDESC": check,
            "SERVICESTATE": "OK",
            "SERVICEOUTPUT": "OK",
            "TIMET": str(int(t + 600)),
        }
        em.events.append(Ev(t + 600.3, "nagios", p, wt.observer, ()))
    else:
        f = {"type": "Flapping", "host": wt.host, "service": check, "is_flapping": False,
             "state": 0, "state_type": 1, "timestamp": t + 600}  # fmt: skip
        em.events.append(Ev(t + 600.3, "icinga", f, wt.observer, ()))


def _emit_probe(w: World, plan: Plan, idx: int, em: Emitter) -> None:
    """A remote probe / proxy cut off: every check it runs goes Unknown at about once."""
    rng = em.rng
    pid = plan.root
    zbx = pid.startswith("zbxp")
    base = plan.start + (rng.uniform(180, 300) if zbx else rng.uniform(60, 120))
    rec = plan.end + rng.uniform(10, 60)
    for nid in plan.watched:
        for wt in w.nodes[nid].watches:
            if zbx:  # nodata()-style trigger per host, computed by the server
                em.alert(wt, None, "unknown", base + rng.uniform(0, 40), rec, idx, nid)
            else:
                for c in ("Ping", *wt.hard, *wt.soft):
                    em.alert(wt, c, "unknown", base + rng.uniform(0, 15), rec, idx, nid)
    if rng.random() < 0.6:  # the central server's own word about the probe
        if zbx:
            own = Watch(
                "zabbix", pid, None, None, host_check=False, hard=(), soft=(), host_node=pid
            )
            check = f"Proxy {pid}: last seen more than 600 seconds ago"
            em.alert(own, check, "crit", plan.start + 600, rec, idx, pid)
        else:
            own = Watch(
                "prtg", pid, None, "Local Probe", host_check=False, hard=(), soft=(), host_node=pid
            )
            em.alert(own, "Probe Health", "crit", base + rng.uniform(0, 30), rec, idx, pid)


def assemble(seed: int, w: World, plans: list[Plan], rng: random.Random, **stats: Any) -> Scenario:
    em = Emitter(rng)
    for p in plans:  # reports lost while a satellite / the Prometheus server is down
        for n, e in p.effects.items():
            if w.nodes[n].kind == "probe" and e.mode == "down":
                em.lost.append((n, e.t, p.end + 60))
    obs = _observer_nodes(w)
    for i, p in enumerate(plans):
        emit_plan(w, p, i, em, obs)
    em.flush_alertmanager()
    events = sorted(em.events, key=lambda e: e.at)
    lines = []
    by_truth: dict[int, list[str]] = {}
    nodes_of: dict[int, set[str]] = {}
    first_at: dict[int, float] = {}
    for num, ev in enumerate(events, start=1):
        eid = f"b{num:05d}"
        line: dict[str, Any] = {
            "at": round(ev.at, 3),
            "source": ev.source,
            "id": eid,
            "payload": ev.payload,
        }
        if ev.observer and ev.source in ("nagios", "icinga"):
            line["observer"] = ev.observer
        lines.append(line)
        for k in ev.truth:
            by_truth.setdefault(k, []).append(eid)
            nodes_of.setdefault(k, set()).update(ev.nodes)
            first_at.setdefault(k, ev.at)
    truth = []
    for k, p in enumerate(plans):
        if k not in by_truth:
            continue  # every alert of it was missed or lost: no incident to find
        root, equiv = p.root, p.equivalents
        own = p.root in nodes_of[k]
        if p.special == "probe" and not own:
            root, equiv = p.equivalents[0], (p.root,)  # the uplink; the probe is as good
            own = False
        truth.append(
            TrueIncident(
                root=root,
                inferred=not own,
                event_ids=tuple(by_truth[k]),
                kind_of_fault=p.kind,
                equivalent_roots=equiv,
                site=w.nodes[p.root].site,
                started_at=first_at[k],
                maintenance=p.special == "maintenance",
                watched=p.watched,
                nodes=tuple(sorted(nodes_of[k])),
            )
        )
    st = {"seed": seed, "nodes": len(w.nodes), "lines": len(lines), "faults": len(truth), **stats}
    return Scenario(seed, w.topology(), lines, truth, st)


# --------------------------------------------------------------------------------------
# Scenario families
# --------------------------------------------------------------------------------------


def _affected(p: Plan) -> set[str]:
    return set(p.effects) | set(p.watched) | {p.root}


def _fits(w: World, p: Plan, plans: list[Plan], margin: float = 900.0) -> bool:
    """No overlap in time with a fault that touches the same nodes.

    Assumption: storage faults are rare, so two faults rooted in the storage layer (the SAN,
    its datastores) are never concurrent; three datastores degrading at once while the SAN
    says nothing would be the SAN's fault, not three coincidences.
    """
    storage = w.nodes[p.root].kind == "storage"
    for q in plans:
        if p.start < q.end + margin and q.start < p.end + margin:
            if _affected(p) & _affected(q):
                return False
            if storage and w.nodes[q.root].kind == "storage":
                return False
    return True


def single(seed: int, kind: str, nodes: int = 300) -> Scenario:
    """One fault of ``kind`` alone (two true incidents for the compound kinds)."""
    rng = random.Random(f"genb-single-{seed}-{kind}-{nodes}")
    w = build_world(rng, nodes)
    plans = plan_fault(w, kind, T0 + 600, rng)
    return assemble(seed, w, plans, rng, family=f"single-{kind}")


BIG: Final = ("group-lost", "unmonitored", "slow-spread", "node-down", "probe")


def storm(seed: int, nodes: int = 800) -> Scenario:
    """A big fault, a few concurrent independent ones elsewhere, and background noise."""
    rng = random.Random(f"genb-storm-{seed}-{nodes}")
    w = build_world(rng, nodes)
    plans: list[Plan] = []
    big = BIG[seed % len(BIG)]
    options = [plan_fault(w, big, T0 + 600, rng) for _ in range(6)]
    plans.extend(max(options, key=lambda c: sum(len(p.effects) for p in c)))
    _add(
        w,
        plans,
        rng,
        T0 + 300,
        T0 + 2400,
        3,
        ("node-down", "member-lost", "two-under-shared", "gray"),
    )
    _add(w, plans, rng, T0, T0 + 3600, 6, ("noise",))
    return assemble(seed, w, plans, rng, family="storm", big=big)


def day(seed: int, nodes: int = 600, faults: int = 16, noise: int = 14) -> Scenario:
    """A working day: faults of every kind spread over eight hours, with noise."""
    rng = random.Random(f"genb-day-{seed}-{nodes}")
    w = build_world(rng, nodes)
    plans: list[Plan] = []
    kinds = tuple(k for k in FAULT_KINDS_B if k != "noise")
    _add(w, plans, rng, T0, T0 + 8 * 3600, faults, kinds)
    _add(w, plans, rng, T0, T0 + 8 * 3600, noise, ("noise",))
    return assemble(seed, w, plans, rng, family="day")


def _add(
    w: World,
    plans: list[Plan],
    rng: random.Random,
    t0: float,
    t1: float,
    n: int,
    kinds: tuple[str, ...],
) -> None:
    added = 0
    for _ in range(n * 20):
        if added >= n:
            return
        kind = rng.choice(kinds)
        cand = plan_fault(w, kind, rng.uniform(t0, t1), rng)
        if all(_fits(w, p, plans) for p in cand):
            plans.extend(cand)
            added += 1
