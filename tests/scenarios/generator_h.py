"""Scenario generator H: a cloud-native SaaS company on its own multi-region Kubernetes.

Pure and seeded: the same arguments give the same topology, replay lines and truth, byte for
byte (``random.Random`` seeded from the arguments, sorted iteration only, hashes from
``hashlib``). Entry points: :func:`single` (one fault of a kind), :func:`storm` (wide faults
close together plus noise), :func:`day` (a working day of faults, noise, flapping, maintenance
and unplaced alerts) and :func:`build_world`. The scenario and truth types are those of
``generator`` (:class:`Scenario`, :class:`TrueIncident`).

**The world** ("tessellate.io", a SaaS product):

- Two or three cloud regions (``euw1``, ``use1``, ...), each with three availability zones
  (kind ``zone``, unmonitored), one production Kubernetes cluster with worker nodes in every
  zone (monitored by the cluster's Prometheus: ``KubeNodeNotReady`` by node name,
  ``NodeDown``/``NodeHighCPUUsage`` by node-exporter address), a mesh control plane
  (istiod), an ingress controller, a Kafka cluster, a regional HAProxy load-balancer pair on
  VMs (Zabbix through the region's Zabbix proxy), managed PostgreSQL clusters (a logical
  cluster node, unmonitored, ``any_of`` its primary and replica instances, each in one zone)
  and Redis (single zone), 15-60 microservices (deployments: most with replicas across the
  three zones, ``any_of`` three workers; some pinned to one zone) calling each other in
  layers, a bastion host (Zabbix and Nagios) reached by Nagios through a VPN gateway.
- Global: the DNS provider, the CDN, object storage, the payments and e-mail APIs (all
  external and unmonitored), public endpoints (``api-<region>``, ``app``, ``www``,
  ``static``) watched by blackbox probes from two outside vantage points (each a Prometheus
  of its own, kind ``probe``), a meta Prometheus watching the cluster Prometheus servers,
  legacy VMs watched by Icinga 2.
- Observers (kind ``probe``): each cluster Prometheus (label ``prometheus``), the
  synthetics vantage points, the meta Prometheus, the Zabbix proxies (``proxy``), the
  Icinga master and the Nagios server (replay line ``observer``).

**Tools**: one Alertmanager (group_by alertname/cluster/namespace, group_wait 30 s,
group_interval 5 min, repeat 4 h, send_resolved): each webhook body carries every firing
alert of its group plus those resolved since the last one; alerts fire after their rule's
``for:`` (plus scrape jitter) and never fire for a blip shorter than that. Zabbix: problem
after the trigger window, acknowledgement updates, recovery with ``recovery_id``. Icinga 2:
soft then hard ``StateChange`` and a ``Notification`` (none under downtime), ``Flapping``,
``AcknowledgementSet``, downtimes. Nagios: HARD notifications, re-notification every
30 min, ``UNREACHABLE`` for the bastion behind a down VPN gateway, acknowledgements.
Host spellings: node FQDN (``ip-10-21-1-13.eu-west-1.compute.internal``), node address
with port, ``name.namespace.cluster`` for deployments, RDS/ElastiCache DNS names, URLs for
blackbox, upper case for Nagios, FQDNs for Icinga.

**Fault kinds** (``FAULT_KINDS_H``): zone-outage (inferred), node-down, bad-deploy,
db-failover (one instance of a pair), db-down (both, primary first), redis-down,
queue-lag (gray), dns-outage (inferred), cdn-outage (inferred), payments-api-down
(inferred), prometheus-down (observer), synthetics-down (observer), ingress-pair-lost,
cert-expiry, mesh-degraded (gray), noisy-neighbour (gray), concurrent (two independent
faults in two regions within minutes). ``OTHER_KINDS_H``: noise, flapping, maintenance,
unplaced.

**Truth rules, where the specs are silent**:

- Root = the node that physically failed; ``inferred`` = no problem event is placed on it.
- A fault's incident holds every problem event it physically caused, on any tool, including
  a caller's error rate two hops up and the Nagios UNREACHABLE of the bastion behind the
  VPN gateway a zone outage took away. Callers' errors are drawn only along ``depends_on``.
- Losing one replica of a multi-zone deployment raises nothing (pods reschedule within
  Alertmanager's ``for:``); single-zone/single-node deployments fail with their zone/node.
- db-failover: the lost instance alerts alone (failover is faster than any ``for:``).
  db-down and ingress-pair-lost: the second member fails 4-9 minutes after the first (more
  than any tool's delay), so the root is the member lost first; both members' own alerts
  are always kept (a group whose second loss nobody saw could not be told from its
  logical node).
- Gray roots (queue-lag, mesh-degraded, noisy-neighbour) and the failing service of a
  bad-deploy, the Redis of redis-down and the node of node-down always keep at least one
  own alert (the rest suffer ~10 % missed detections).
- Inferred roots (zone, DNS, CDN, payments API) are redrawn until at least two distinct
  dependents alert (for DNS, a regional and a CDN endpoint; for payments, the callers of
  the API in two regions), so no single monitored node explains the alerts better.
- A fault whose every problem line is an Alertmanager body shared with an earlier fault is
  left out (no evidence could tell it apart).
- prometheus-down: the Prometheus (kind probe) is the root; its targets' ``TargetDown``
  alerts and its own/meta alerts are the incident; ``watched`` lists the targets. While it
  is down, no other alert of that cluster is sent. synthetics-down: one vantage point's
  probes fail on every endpoint, the other stays quiet, and its canary probe of an outside
  reference site (``BlackboxCanaryFailed``, placed on the vantage point, ~10 % missed)
  fails too (a DNS or CDN outage leaves the canary up); root = that vantage point.
- A Zabbix proxy lost with its zone buffers: its hosts' checks stay silent, the server's
  "proxy not seen" alert belongs to the zone outage.
- An Alertmanager body belongs to the truth incidents of the alerts it carries firing.
- Noise (CPU, disk, slow probe, CronJob failure) is one incident each, rooted at its node,
  never on a node a concurrent fault touches. Flapping: one Icinga/Nagios check flapping,
  one incident. Maintenance: an Icinga downtime on a legacy VM (state changes, no
  notifications). Unplaced: a deployment not yet in the topology (root None).
- Two concurrent faults never touch the same node and never share an unmonitored
  dependency that would explain both (different regions).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .generator import Scenario, TrueIncident

T0: Final = 1_766_400_000.0  # 2025-12-22 10:40 UTC
MISS: Final = 0.10
DOMAIN: Final = "tessellate.io"

FAULT_KINDS_H: Final = (
    "zone-outage",
    "node-down",
    "bad-deploy",
    "db-failover",
    "db-down",
    "redis-down",
    "queue-lag",
    "dns-outage",
    "cdn-outage",
    "payments-api-down",
    "prometheus-down",
    "synthetics-down",
    "ingress-pair-lost",
    "cert-expiry",
    "mesh-degraded",
    "noisy-neighbour",
    "concurrent",
)
OTHER_KINDS_H: Final = ("noise", "flapping", "maintenance", "unplaced")

_REGIONS: Final = (
    ("euw1", "eu-west-1", 21),
    ("use1", "us-east-1", 22),
    ("euc1", "eu-central-1", 23),
    ("usw2", "us-west-2", 24),
    ("apse1", "ap-southeast-1", 25),
)
# (service, namespace, layer); layer 0 is the edge, higher layers are called by lower ones.
_SERVICES: Final = (
    ("gateway", "edge", 0), ("web-bff", "edge", 1), ("mobile-bff", "edge", 1),
    ("auth", "identity", 2), ("users", "identity", 3), ("teams", "identity", 3),
    ("sso", "identity", 3), ("scim", "identity", 4), ("checkout", "shop", 2),
    ("cart", "shop", 3), ("catalog", "shop", 3), ("pricing", "shop", 4),
    ("inventory", "shop", 4), ("orders", "shop", 3), ("payments", "billing", 4),
    ("invoices", "billing", 4), ("subscriptions", "billing", 3), ("ledger", "billing", 5),
    ("tax", "billing", 5), ("usage-metering", "billing", 4), ("notifications", "comms", 4),
    ("email-sender", "comms", 5), ("webhooks", "comms", 4), ("search", "discovery", 3),
    ("search-indexer", "discovery", 5), ("recommendations", "discovery", 4),
    ("documents", "workspace", 3), ("comments", "workspace", 4), ("sharing", "workspace", 4),
    ("files", "workspace", 4), ("previews", "workspace", 5), ("realtime", "workspace", 3),
    ("presence", "workspace", 5), ("activity-feed", "workspace", 4), ("audit", "platform", 5),
    ("feature-flags", "platform", 5), ("quota", "platform", 5), ("rate-limiter", "platform", 4),
    ("scheduler", "platform", 4), ("workflow", "platform", 4), ("exports", "data", 4),
    ("imports", "data", 4), ("reporting", "data", 3), ("analytics-ingest", "data", 5),
    ("integrations", "connect", 4), ("slack-bridge", "connect", 5), ("crm-sync", "connect", 5),
    ("entitlements", "billing", 5), ("admin", "backoffice", 2), ("support-tools", "backoffice", 3),
    ("geo", "platform", 5), ("i18n", "platform", 5), ("media", "workspace", 5),
    ("thumbnails", "workspace", 5), ("dunning", "billing", 5), ("currency", "billing", 5),
    ("invitations", "identity", 4), ("chat", "workspace", 4), ("config", "platform", 5),
    ("ledger-export", "data", 5),
)  # fmt: skip
_DBS: Final = ("orders", "identity", "billing", "workspace", "platform", "search")
_TEAMS: Final = {
    "edge": "edge", "identity": "identity", "shop": "commerce", "billing": "billing",
    "comms": "comms", "discovery": "discovery", "workspace": "collab", "platform": "platform",
    "data": "data", "connect": "integrations", "backoffice": "backoffice",
}  # fmt: skip


def _iso(t: float) -> str:
    return (
        datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{round(t * 1000) % 1000:03d}Z"
    )


def _h(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _rng(*parts: object) -> random.Random:
    return random.Random(int(_h("generator-h", *parts)[:16], 16))


# --------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    id: str
    kind: str
    team: str
    site: str
    deps: list[tuple[str, ...]] = field(default_factory=list)
    monitored_as: list[str] = field(default_factory=list)
    criticality: int | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Region:
    code: str
    name: str
    octet: int
    cluster: str  # the cluster label
    zones: list[str] = field(default_factory=list)
    workers: dict[str, list[str]] = field(default_factory=dict)  # zone -> worker ids
    lbs: tuple[str, str] = ("", "")
    ingress: str = ""
    mesh: str = ""
    kafka: str = ""
    prom: str = ""
    zbx_proxy: str = ""
    bastion: str = ""
    vpn: str = ""
    endpoint: str = ""
    services: list[str] = field(default_factory=list)
    dbs: list[tuple[str, str, str]] = field(default_factory=list)  # logical, primary, replica
    redis: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Mon:
    """How the tools name a node."""

    tool: str  # am | zabbix | icinga | nagios | blackbox
    host: str  # the host as spelled in alerts (AM: instance label)
    address: str | None = None
    alt: str | None = None  # AM: second instance (node-exporter address:port)
    cluster: str = ""
    namespace: str = ""
    job: str = ""
    prom: str = ""  # Prometheus external label
    observer: str = ""  # probe node id
    zbx_host: str = ""  # Zabbix technical host name
    nagios_host: str = ""
    proxy: str = ""


@dataclass(slots=True)
class World:
    seed: int
    size: int
    regions: list[Region]
    nodes: dict[str, Node]
    order: list[str]
    mon: dict[str, Mon]
    callers: dict[str, list[str]]  # node -> nodes that depend on it (direct)
    svc_name: dict[str, str]
    placement: dict[str, str]  # service -> "multi" | "zone" | "node"
    zone_of: dict[str, str]
    region_of: dict[str, str]
    edges_cdn: list[str]
    vantages: list[str]
    legacy: list[str]
    prom_label: dict[str, str]  # probe node -> label it is written as

    def add(self, n: Node) -> Node:
        self.nodes[n.id] = n
        self.order.append(n.id)
        return n

    def topology(self) -> dict[str, Any]:
        out = []
        for nid in self.order:
            n = self.nodes[nid]
            d: dict[str, Any] = {"id": n.id, "kind": n.kind, "team": n.team, "site": n.site}
            if n.criticality is not None:
                d["criticality"] = n.criticality
            if n.tags:
                d["tags"] = dict(n.tags)
            if n.monitored_as:
                d["monitored_as"] = list(n.monitored_as)
            if n.deps:
                d["depends_on"] = [g[0] if len(g) == 1 else {"any_of": list(g)} for g in n.deps]
            out.append(d)
        return {"version": 1, "defaults": {"team": "platform"}, "nodes": out}

    def dependents(self, nid: str) -> list[str]:
        return self.callers.get(nid, [])

    def prom_of_cluster(self, cluster: str) -> str:
        for r in self.regions:
            if r.cluster == cluster:
                return r.prom
        raise KeyError(cluster)


def build_world(seed: int, nodes: int = 300) -> World:
    """The company's estate, about ``nodes`` topology nodes."""
    rng = _rng("world", seed, nodes)
    n_regions = 2 if nodes < 260 or rng.random() < 0.3 else 3
    picks = sorted(rng.sample(range(len(_REGIONS)), n_regions))
    w = World(seed, nodes, [], {}, [], {}, {}, {}, {}, {}, {}, [], [], [], {})
    # Global, external.
    w.add(Node("ext-dns", "dns", "sre", "external", criticality=1, tags={"vendor": "dnsprovider"}))
    w.add(Node("ext-cdn", "cdn", "sre", "external", criticality=1, tags={"vendor": "cdn"}))
    w.add(Node("ext-s3", "storage", "sre", "external"))
    w.add(Node("ext-payments", "service", "billing", "external", criticality=1))
    w.add(Node("ext-email", "service", "comms", "external"))
    meta = w.add(Node("meta-prom", "probe", "sre", "global", monitored_as=["meta-monitoring"]))
    w.prom_label[meta.id] = "meta-monitoring"
    for v in ("synthetics-fra", "synthetics-iad"):
        w.add(Node(v, "probe", "sre", "external", monitored_as=[v]))
        w.vantages.append(v)
        w.prom_label[v] = v
    w.add(Node("icinga-master", "probe", "sre", "office", monitored_as=["icinga-master"]))
    w.add(Node("nagios-ops", "probe", "sre", "office", monitored_as=["nagios-ops"]))
    per_region = max(60, nodes // n_regions)
    n_svc = max(15, min(len(_SERVICES), int(per_region * 0.35)))
    catalog = sorted(_SERVICES, key=lambda s: (s[2], s[0]))
    core = [s for s in catalog if s[0] in ("gateway", "auth", "payments", "checkout", "users")]
    rest = [s for s in catalog if s not in core]
    chosen = sorted(core + rng.sample(rest, n_svc - len(core)), key=lambda s: (s[2], s[0]))
    n_dbs = max(2, min(len(_DBS), per_region // 40))
    fixed = 3 + 2 + 8 + 3 * n_dbs + 2 + n_svc
    per_zone = max(3, min(40, (per_region - fixed) // 3))
    for ri in picks:
        code, name, octet = _REGIONS[ri]
        r = Region(code, name, octet, f"{code}-prod")
        w.regions.append(r)
        for z in "abc":
            zid = w.add(Node(f"{code}-az-{z}", "zone", "cloud", code, tags={"zone": name + z})).id
            r.zones.append(zid)
            r.workers[zid] = []
            for k in range(per_zone):
                third = {"a": 1, "b": 2, "c": 3}[z]
                ip = f"10.{octet}.{third * 16 + k // 200}.{10 + k % 200}"
                fq = f"ip-{ip.replace('.', '-')}.{name}.compute.internal"
                nid = f"{code}-k8s-{z}{k + 1:02d}"
                w.add(Node(nid, "host", "platform", code, [(zid,)], [fq, ip], tags={"zone": z}))
                r.workers[zid].append(nid)
                w.mon[nid] = Mon("am", fq, ip, f"{ip}:9100", r.cluster, "monitoring", "node")
                w.zone_of[nid] = zid
        zs = r.zones

        def spread(k: int, zs: list[str] = zs, r: Region = r) -> tuple[str, ...]:
            zones = rng.sample(zs, k)
            return tuple(sorted(rng.choice(r.workers[z]) for z in zones))

        # Monitoring of the cluster.
        pid = f"{code}-prom"
        plabel = f"k8s-{r.cluster}"
        pinst = f"prometheus-k8s.monitoring.{r.cluster}"
        w.add(Node(pid, "probe", "sre", code, [spread(2)], [plabel, pinst]))
        w.prom_label[pid] = plabel
        r.prom = pid
        w.mon[pid] = Mon("am", pinst + ":9090", None, None, r.cluster, "monitoring", "prometheus")
        zp = f"zbx-proxy-{code}"
        zpz = rng.choice(zs)
        w.add(Node(zp, "probe", "sre", code, [(zpz,)], [zp]))
        w.zone_of[zp] = zpz
        r.zbx_proxy = zp
        w.mon[zp] = Mon("zabbix", zp, None, zbx_host=zp)
        # Edge: load balancers, ingress, mesh, kafka.
        lbs = []
        for i, z in ((1, zs[0]), (2, zs[1])):
            lid = f"{code}-lb-{i}"
            ip = f"10.{octet}.250.{10 + i}"
            zh = lid if rng.random() < 0.6 else f"{lid}.prod.{DOMAIN}"
            w.add(Node(lid, "loadbalancer", "edge", code, [(z,)], [lid, ip], criticality=2))
            w.mon[lid] = Mon("zabbix", zh, ip, zbx_host=zh, proxy=zp)
            w.zone_of[lid] = z
            lbs.append(lid)
        r.lbs = (lbs[0], lbs[1])
        ing = f"{code}-ingress"
        ii = f"ingress-nginx-controller.ingress-nginx.{r.cluster}"
        w.add(Node(ing, "application", "edge", code, [spread(3)], [ii], criticality=2))
        w.mon[ing] = Mon("am", ii, None, None, r.cluster, "ingress-nginx", "ingress-nginx")
        r.ingress = ing
        mesh = f"{code}-mesh"
        mi = f"istiod.istio-system.{r.cluster}"
        w.add(Node(mesh, "mesh", "platform", code, [spread(2)], [mi], criticality=2))
        w.mon[mesh] = Mon("am", mi, None, None, r.cluster, "istio-system", "istiod")
        r.mesh = mesh
        kf = f"{code}-kafka"
        ki = f"kafka-{code}-kafka-bootstrap.kafka.{r.cluster}"
        w.add(Node(kf, "queue", "data", code, [spread(3)], [ki]))
        w.mon[kf] = Mon("am", ki, None, None, r.cluster, "kafka", "kafka-exporter")
        r.kafka = kf
        # Data stores.
        rds = f"c{_h(seed, code)[:8]}"
        for name_ in sorted(rng.sample(_DBS, n_dbs)):
            logical = f"{code}-pg-{name_}"
            z1, z2 = rng.sample(zs, 2)
            insts = []
            for k, z in ((0, z1), (1, z2)):
                iid = f"{logical}-{k}"
                dns = f"pg-{name_}-{code}-{k}.{rds}.{name}.rds.amazonaws.com"
                w.add(Node(iid, "database", "dba", code, [(z,)], [dns], tags={"zone": z[-1]}))
                w.mon[iid] = Mon("am", dns + ":5432", None, None, r.cluster, "databases", "pg")
                w.zone_of[iid] = z
                insts.append(iid)
            w.add(Node(logical, "database", "dba", code, [(insts[0], insts[1])], criticality=2))
            r.dbs.append((logical, insts[0], insts[1]))
        for name_ in ("sessions", "cache")[: 1 + (per_region > 120)]:
            rid = f"{code}-redis-{name_}"
            z = rng.choice(zs)
            dns = f"redis-{name_}-{code}.{rds[:6]}.ng.0001.{code}.cache.amazonaws.com"
            w.add(Node(rid, "database", "platform", code, [(z,)], [dns], tags={"zone": z[-1]}))
            w.mon[rid] = Mon("am", dns + ":6379", None, None, r.cluster, "databases", "redis")
            w.zone_of[rid] = z
            r.redis.append(rid)
        # Services, deepest layer first so callees exist.
        by_layer: dict[int, list[str]] = defaultdict(list)
        for sname, ns, layer in sorted(chosen, key=lambda s: (-s[2], s[0])):
            sid = f"{code}-{sname}"
            roll = rng.random()
            if roll < 0.7:
                place: tuple[str, ...] = spread(3)
                w.placement[sid] = "multi"
            elif roll < 0.9:
                z = rng.choice(zs)
                place = tuple(sorted(rng.sample(r.workers[z], 2)))
                w.placement[sid] = "zone"
                w.zone_of[sid] = z
            else:
                z = rng.choice(zs)
                place = (rng.choice(r.workers[z]),)
                w.placement[sid] = "node"
                w.zone_of[sid] = z
            deps: list[tuple[str, ...]] = [place, (mesh,)]
            deeper = [s for lay in sorted(by_layer) if lay > layer for s in by_layer[lay]]
            for c in sorted(rng.sample(deeper, min(len(deeper), rng.randint(1, 3)))):
                deps.append((c,))
            if layer >= 3 and rng.random() < 0.75:
                deps.append((rng.choice(r.dbs)[0],))
            if layer >= 2 and rng.random() < 0.35:
                deps.append((rng.choice(r.redis),))
            if rng.random() < 0.25 or sname in ("search-indexer", "analytics-ingest"):
                deps.append((kf,))
            if sname in ("payments", "dunning"):
                deps.append(("ext-payments",))
            if sname in ("email-sender", "notifications"):
                deps.append(("ext-email",))
            if sname in ("files", "media", "exports", "previews"):
                deps.append(("ext-s3",))
            if sname == "gateway":
                deps = [place, (mesh,)] + [(s,) for s in r.services if s.endswith("-auth")]
                deps += [(s,) for s in r.services if s.endswith("-bff")]
            if sname in ("web-bff", "mobile-bff") and f"{code}-checkout" in r.services:
                deps.append((f"{code}-checkout",))
            inst = f"{sname}.{ns}.{r.cluster}"
            crit = 1 if layer <= 1 else (2 if layer == 2 else None)
            seen: list[tuple[str, ...]] = []
            for d in deps:
                if d not in seen:
                    seen.append(d)
            w.add(Node(sid, "application", _TEAMS[ns], code, seen, [inst], criticality=crit))
            w.mon[sid] = Mon("am", inst, None, None, r.cluster, ns, sname)
            w.svc_name[sid] = sname
            r.services.append(sid)
            by_layer[layer].append(sid)
        # Bastion and VPN (Zabbix + Nagios).
        vpn = f"{code}-vpn"
        w.add(Node(vpn, "router", "network", code, [(zs[0],)], [f"vpn-gw-{code}"]))
        w.mon[vpn] = Mon(
            "nagios", f"vpn-gw-{code}", f"10.{octet}.254.1", nagios_host=f"VPN-GW-{code.upper()}"
        )
        w.zone_of[vpn] = zs[0]
        r.vpn = vpn
        bz = rng.choice(zs)
        bh = f"bastion-{code}"
        w.add(
            Node(f"{code}-bastion", "vm", "sre", code, [(bz,), (vpn,)], [bh, f"10.{octet}.254.10"])
        )
        w.mon[f"{code}-bastion"] = Mon(
            "zabbix", bh, f"10.{octet}.254.10", zbx_host=bh, proxy=zp, nagios_host=bh.upper()
        )
        w.zone_of[f"{code}-bastion"] = bz
        r.bastion = f"{code}-bastion"
        # Public endpoint.
        ep = f"edge-api-{code}"
        gw = [s for s in r.services if s.endswith("-gateway")]
        w.add(
            Node(
                ep,
                "service",
                "edge",
                "external",
                [("ext-dns",), r.lbs, (ing,), *[(g,) for g in gw]],
                [f"api-{code}.{DOMAIN}"],
                criticality=1,
            )
        )
        w.mon[ep] = Mon("blackbox", f"https://api-{code}.{DOMAIN}/healthz")
        r.endpoint = ep
    apis = tuple(r.endpoint for r in w.regions)
    for host, deps2 in (
        ("app", [("ext-dns",), ("ext-cdn",), apis]),
        ("www", [("ext-dns",), ("ext-cdn",), ("ext-s3",)]),
        ("static", [("ext-dns",), ("ext-cdn",), ("ext-s3",)]),
    ):
        nid = f"edge-{host}"
        w.add(Node(nid, "service", "edge", "external", deps2, [f"{host}.{DOMAIN}"], criticality=1))
        w.mon[nid] = Mon("blackbox", f"https://{host}.{DOMAIN}/")
        w.edges_cdn.append(nid)
    # Legacy VMs in the first region's first zone(s), Icinga 2.
    r0 = w.regions[0]
    for name_ in ("legacy-billing-01", "sftp-01", "reporting-db-01")[: 2 + (nodes > 250)]:
        z = rng.choice(r0.zones)
        fq = f"{name_}.{r0.code}.{DOMAIN}"
        w.add(Node(name_, "vm", "backoffice", r0.code, [(z,)], [name_]))
        w.mon[name_] = Mon("icinga", fq if rng.random() < 0.6 else name_)
        w.zone_of[name_] = z
        w.legacy.append(name_)
    for nid in w.order:
        w.region_of[nid] = w.nodes[nid].site
        for g in w.nodes[nid].deps:
            for d in g:
                w.callers.setdefault(d, []).append(nid)
    return w


# --------------------------------------------------------------------------------------
# Alert episodes
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Ep:
    """One alert episode: it fires at ``start`` (as the tool sees it) and clears at ``end``."""

    tool: str
    node: str | None
    key: tuple[str, ...]
    start: float
    end: float
    fault: int
    sev: str
    check: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


# (for: seconds, severity) of the Prometheus rules used
_RULES: Final[dict[str, tuple[float, str]]] = {
    "KubeNodeNotReady": (120, "critical"),
    "NodeDown": (60, "critical"),
    "NodeHighCPUUsage": (600, "warning"),
    "HighErrorRate": (120, "critical"),
    "LatencyHigh": (300, "warning"),
    "KubeDeploymentReplicasMismatch": (300, "warning"),
    "KubePodCrashLooping": (300, "warning"),
    "KubePodNotReady": (180, "warning"),
    "KubeJobFailed": (0, "warning"),
    "CPUThrottlingHigh": (900, "info"),
    "TargetDown": (300, "warning"),
    "PostgresqlDown": (60, "critical"),
    "RedisDown": (60, "critical"),
    "KafkaConsumerGroupLagHigh": (300, "warning"),
    "KafkaUnderReplicatedPartitions": (300, "warning"),
    "IstiodXdsPushErrors": (300, "warning"),
    "PilotProxyConvergenceSlow": (300, "warning"),
    "UpstreamServiceUnavailable": (120, "critical"),
    "NginxIngressNoBackends": (60, "critical"),
    "ProbeFailed": (60, "critical"),
    "BlackboxCanaryFailed": (60, "critical"),
    "ProbeSlowHTTP": (300, "warning"),
    "SSLCertExpiringSoon": (0, "warning"),
    "PrometheusRuleEvaluationFailures": (300, "warning"),
    "PrometheusNotIngestingSamples": (600, "critical"),
}


class _Fault:
    """Collects the alert episodes of one true incident."""

    def __init__(self, w: World, rng: random.Random, idx: int, kind: str, root: str | None):
        self.w = w
        self.rng = rng
        self.idx = idx
        self.kind = kind
        self.root = root
        self.eps: list[Ep] = []
        self.equivalent: tuple[str, ...] = ()
        self.watched: tuple[str, ...] = ()
        self.maintenance = False
        self.touched: list[str] = [] if root is None else [root]
        self.silenced_proxies: list[str] = []
        self.silenced_proms: list[str] = []
        self._seen: set[tuple[str, ...]] = set()

    def touch(self, nid: str) -> None:
        if nid not in self.touched:
            self.touched.append(nid)

    def _miss(self, keep: bool) -> bool:
        return not keep and self.rng.random() < MISS

    def am(
        self,
        nid: str | None,
        alertname: str,
        onset: float,
        end: float,
        keep: bool = False,
        *,
        instance: str | None = None,
        prom: str | None = None,
        mon: Mon | None = None,
        extra: dict[str, str] | None = None,
    ) -> bool:
        """A Prometheus rule over ``nid``'s metrics; fires ``for:`` after the onset."""
        m = mon or self.w.mon[nid or ""]
        inst = instance or m.host
        key = ("am", alertname, inst, prom or "")
        if key in self._seen:
            return False
        if nid is not None:
            self.touch(nid)
        for_s, sev = _RULES[alertname]
        start = onset + self.rng.uniform(5, 30) + for_s
        stop = end + self.rng.uniform(5, 30)
        if stop <= start + 15 or self._miss(keep):
            return False
        self._seen.add(key)
        if m.tool == "blackbox":
            cluster, ns, job = "synthetics", "blackbox", "blackbox-http"
            plabel = prom or self.w.vantages[0]
        else:
            cluster, ns, job = m.cluster, m.namespace, m.job
            plabel = prom or self.w.prom_label[self.w.prom_of_cluster(cluster)]
        labels = {
            "alertname": alertname,
            "cluster": cluster,
            "instance": inst,
            "job": job,
            "namespace": ns,
            "prometheus": plabel,
            "severity": sev,
        }
        labels.update(extra or {})
        self.eps.append(Ep("am", nid, key, start, stop, self.idx, sev, alertname, labels))
        return True

    def zbx(
        self, nid: str, trigger: str, sev: int, onset: float, end: float, keep: bool = False
    ) -> bool:
        m = self.w.mon[nid]
        key = ("zabbix", m.zbx_host, trigger)
        if key in self._seen or m.proxy in self.silenced_proxies:
            return False
        self.touch(nid)
        start = onset + self.rng.uniform(60, 180)
        stop = end + self.rng.uniform(10, 60)
        if stop <= start or self._miss(keep):
            return False
        self._seen.add(key)
        info = {"sev": sev, "host": m.zbx_host, "ip": m.address or "", "proxy": m.proxy}
        self.eps.append(Ep("zabbix", nid, key, start, stop, self.idx, str(sev), trigger, {}, info))
        return True

    def zbx_raw(
        self, nid: str, host: str, trigger: str, sev: int, onset: float, end: float
    ) -> None:
        key = ("zabbix", host, trigger)
        start = onset + self.rng.uniform(120, 300)
        stop = end + self.rng.uniform(10, 60)
        self._seen.add(key)
        self.touch(nid)
        info = {"sev": sev, "host": host, "ip": "", "proxy": ""}
        self.eps.append(Ep("zabbix", nid, key, start, stop, self.idx, str(sev), trigger, {}, info))

    def classic(
        self,
        tool: str,
        nid: str,
        service: str | None,
        state: str,
        onset: float,
        end: float,
        keep: bool = False,
        **info: Any,
    ) -> bool:
        """A Nagios or Icinga 2 check (host check when ``service`` is None)."""
        m = self.w.mon[nid]
        host = m.nagios_host if tool == "nagios" else m.host
        key = (tool, host, service or "")
        if key in self._seen:
            return False
        self.touch(nid)
        first = onset + self.rng.uniform(5, 60)
        hard = first + 2 * self.rng.uniform(25, 35)
        stop = end + self.rng.uniform(5, 60)
        if stop <= hard or self._miss(keep):
            return False
        self._seen.add(key)
        info.update(
            {"first": first, "host": host, "addr": m.address, "state": state, "service": service}
        )
        self.eps.append(Ep(tool, nid, key, hard, stop, self.idx, state, service, {}, info))
        return True


# --------------------------------------------------------------------------------------
# Symptoms
# --------------------------------------------------------------------------------------


def _svc_errors(f: _Fault, sid: str, onset: float, end: float, keep: bool = False) -> bool:
    ok = f.am(sid, "HighErrorRate", onset, end, keep)
    if f.rng.random() < 0.4:
        ok = f.am(sid, "LatencyHigh", onset + f.rng.uniform(0, 60), end) or ok
    return ok


def _svc_down(f: _Fault, sid: str, onset: float, end: float, keep: bool = False) -> bool:
    ok = f.am(sid, "KubeDeploymentReplicasMismatch", onset, end, keep)
    ok = f.am(sid, "KubePodNotReady", onset, end) or ok
    if f.rng.random() < 0.5:
        ok = f.am(sid, "TargetDown", onset, end) or ok
    return ok


def _node_down(f: _Fault, nid: str, onset: float, end: float, keep: bool = False) -> bool:
    m = f.w.mon[nid]
    ok = f.am(nid, "KubeNodeNotReady", onset, end, keep)
    return f.am(nid, "NodeDown", onset, end, instance=m.alt) or ok


def _callers_fail(
    f: _Fault, src: str, onset: float, end: float, hops: int = 2, p: float = 0.8, mode: str = "err"
) -> None:
    """Errors (or latency) spreading up the call graph from ``src``, hop by hop."""
    w = f.w
    frontier = [(src, onset)]
    seen = {src}
    for hop in range(hops):
        nxt = []
        for s, t in frontier:
            for c in w.dependents(s):
                if c in seen or w.nodes[c].kind != "application" or c not in w.svc_name:
                    continue
                seen.add(c)
                if f.rng.random() >= p * (0.55**hop):
                    continue
                tc = t + f.rng.uniform(10, 75)
                ec = end + f.rng.uniform(0, 120)
                if mode == "slow" or (mode == "mix" and f.rng.random() < 0.4):
                    f.am(c, "LatencyHigh", tc, ec)
                else:
                    _svc_errors(f, c, tc, ec)
                nxt.append((c, tc))
        frontier = nxt


def _single_placed(w: World, nid: str) -> list[str]:
    """Deployments that run only on ``nid`` (no replica elsewhere)."""
    return [s for s in w.dependents(nid) if w.placement.get(s) == "node"]


# --------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------


def _pick_region(w: World, rng: random.Random, avoid: Sequence[str]) -> Region:
    free = [r for r in w.regions if r.code not in avoid] or w.regions
    return rng.choice(free)


def _fault(w: World, rng: random.Random, idx: int, kind: str, t0: float, region: Region) -> _Fault:
    """Draw one fault of ``kind`` starting at ``t0``."""
    dur = rng.uniform(900, 2400)
    t1 = t0 + dur
    r = region
    if kind == "zone-outage":
        z = rng.choice(r.zones)
        f = _Fault(w, rng, idx, kind, z)
        t1 = t0 + rng.uniform(1500, 3000)
        if w.zone_of.get(r.zbx_proxy) == z:
            f.silenced_proxies.append(r.zbx_proxy)
            f.zbx_raw(
                r.zbx_proxy, r.zbx_proxy, f"Proxy [{r.zbx_proxy}]: not seen for 3m", 3, t0, t1
            )
        for nid in r.workers[z]:
            _node_down(f, nid, t0 + rng.uniform(0, 20), t1)
        for sid in r.services:
            if w.zone_of.get(sid) == z:
                ts = t0 + rng.uniform(20, 90)
                _svc_down(f, sid, ts, t1)
                _callers_fail(f, sid, ts, t1, hops=1, p=0.6)
        for lb in r.lbs:
            if w.zone_of[lb] == z:
                f.zbx(lb, "Unavailable by ICMP ping", 4, t0, t1)
        for _logical, a, b in r.dbs:
            for inst in (a, b):
                if w.zone_of[inst] == z:
                    f.am(inst, "PostgresqlDown", t0 + rng.uniform(0, 30), t1)
        for rid in r.redis:
            if w.zone_of[rid] == z:
                f.am(rid, "RedisDown", t0, t1)
                _callers_fail(f, rid, t0 + 30, t1, hops=1, p=0.6)
        if w.zone_of[r.bastion] == z:
            f.zbx(r.bastion, "Unavailable by ICMP ping", 4, t0, t1)
            f.classic("nagios", r.bastion, None, "DOWN", t0, t1)
        if w.zone_of[r.vpn] == z:
            f.classic("nagios", r.vpn, None, "DOWN", t0, t1)
            if w.zone_of[r.bastion] != z:
                f.classic("nagios", r.bastion, None, "UNREACHABLE", t0 + 20, t1)
        for vm in w.legacy:
            if w.zone_of[vm] == z:
                f.classic("icinga", vm, None, "DOWN", t0, t1)
        return f
    if kind == "node-down":
        cand = [n for z in r.zones for n in r.workers[z]]
        weighted = [n for n in cand if _single_placed(w, n)] * 3 + cand
        nid = rng.choice(weighted)
        f = _Fault(w, rng, idx, kind, nid)
        t1 = t0 + rng.uniform(1200, 3600)
        _node_down(f, nid, t0, t1, keep=True)
        for sid in _single_placed(w, nid):
            tr = t0 + rng.uniform(330, 420)  # pods evicted after 5 min, rescheduled
            _svc_down(f, sid, t0 + 10, tr)
            _callers_fail(f, sid, t0 + 20, tr, hops=1, p=0.6)
        return f
    if kind == "bad-deploy":
        cand = [s for s in r.services if w.dependents(s)]
        sid = rng.choice(cand or r.services)
        f = _Fault(w, rng, idx, kind, sid)
        if rng.random() < 0.4:
            f.am(sid, "KubePodCrashLooping", t0, t1, keep=True)
            f.am(sid, "KubeDeploymentReplicasMismatch", t0, t1)
            _callers_fail(f, sid, t0 + 60, t1, hops=2, p=0.8)
        else:
            _svc_errors(f, sid, t0, t1, keep=True)
            _callers_fail(f, sid, t0, t1, hops=2, p=0.8, mode="mix")
        if w.svc_name[sid] == "gateway":
            for v in w.vantages:
                f.am(r.endpoint, "ProbeFailed", t0 + 20, t1, prom=v, mon=w.mon[r.endpoint])
        return f
    if kind == "db-failover":
        logical, a, b = rng.choice(r.dbs)
        f = _Fault(w, rng, idx, kind, a)
        f.am(a, "PostgresqlDown", t0, t0 + rng.uniform(900, 2400), keep=True)
        return f
    if kind == "db-down":
        users = [d for d in r.dbs if w.dependents(d[0])]
        logical, a, b = rng.choice(users or r.dbs)
        f = _Fault(w, rng, idx, kind, a)
        f.touch(logical)
        t2 = t0 + rng.uniform(240, 540)
        f.am(a, "PostgresqlDown", t0, t1, keep=True)
        f.am(b, "PostgresqlDown", t2, t1, keep=True)
        for sid in w.dependents(logical):
            ts = t2 + rng.uniform(5, 40)
            _svc_errors(f, sid, ts, t1)
            _callers_fail(f, sid, ts, t1, hops=1, p=0.5)
        return f
    if kind == "redis-down":
        rid = rng.choice(r.redis)
        f = _Fault(w, rng, idx, kind, rid)
        f.am(rid, "RedisDown", t0, t1, keep=True)
        for sid in w.dependents(rid):
            ts = t0 + rng.uniform(5, 40)
            if rng.random() < 0.6:
                _svc_errors(f, sid, ts, t1)
            else:
                f.am(sid, "LatencyHigh", ts, t1)
            _callers_fail(f, sid, ts, t1, hops=1, p=0.4)
        return f
    if kind == "queue-lag":
        f = _Fault(w, rng, idx, kind, r.kafka)
        t1 = t0 + rng.uniform(1800, 3600)
        f.am(r.kafka, "KafkaConsumerGroupLagHigh", t0, t1, keep=True)
        f.am(r.kafka, "KafkaUnderReplicatedPartitions", t0 + rng.uniform(0, 300), t1)
        for sid in w.dependents(r.kafka):
            if sid in w.svc_name and rng.random() < 0.8:
                f.am(sid, "LatencyHigh", t0 + rng.uniform(300, 1200), t1)
        return f
    if kind == "mesh-degraded":
        f = _Fault(w, rng, idx, kind, r.mesh)
        t1 = t0 + rng.uniform(1200, 2700)
        f.am(r.mesh, "IstiodXdsPushErrors", t0, t1, keep=True)
        f.am(r.mesh, "PilotProxyConvergenceSlow", t0 + rng.uniform(0, 200), t1)
        hit = rng.sample(r.services, max(3, len(r.services) // 4))
        for sid in sorted(hit):
            ts = t0 + rng.uniform(120, 1200)
            if rng.random() < 0.5:
                f.am(sid, "UpstreamServiceUnavailable", ts, t1)
            else:
                f.am(sid, "LatencyHigh", ts, t1)
        return f
    if kind == "noisy-neighbour":
        cand = [n for z in r.zones for n in r.workers[z]]
        with_svc = [n for n in cand if w.dependents(n)]
        nid = rng.choice(with_svc or cand)
        f = _Fault(w, rng, idx, kind, nid)
        f.am(nid, "NodeHighCPUUsage", t0, t1, keep=True, instance=w.mon[nid].alt)
        for sid in w.dependents(nid):
            if w.placement.get(sid) in ("node", "zone") and rng.random() < 0.7:
                f.am(sid, "LatencyHigh", t0 + rng.uniform(0, 300), t1)
                f.am(sid, "CPUThrottlingHigh", t0, t1)
        return f
    if kind in ("dns-outage", "cdn-outage"):
        root = "ext-dns" if kind == "dns-outage" else "ext-cdn"
        f = _Fault(w, rng, idx, kind, root)
        t1 = t0 + rng.uniform(900, 3000)
        eps = w.edges_cdn + ([x.endpoint for x in w.regions] if root == "ext-dns" else [])
        for e in eps:
            for v in w.vantages:
                f.am(e, "ProbeFailed", t0 + rng.uniform(0, 40), t1, prom=v)
        return f
    if kind == "payments-api-down":
        f = _Fault(w, rng, idx, kind, "ext-payments")
        for sid in w.dependents("ext-payments"):
            ts = t0 + rng.uniform(10, 90)
            _svc_errors(f, sid, ts, t1)
            _callers_fail(f, sid, ts, t1, hops=1, p=0.6)
        return f
    if kind == "prometheus-down":
        f = _Fault(w, rng, idx, kind, r.prom)
        t1 = t0 + rng.uniform(1200, 2400)
        f.am(r.prom, "PrometheusRuleEvaluationFailures", t0, t1)
        f.am(r.prom, "PrometheusNotIngestingSamples", t0, t1, prom="meta-monitoring")
        if not f.eps:
            f.am(r.prom, "PrometheusNotIngestingSamples", t0, t1, keep=True, prom="meta-monitoring")
        targets = [n for n in w.order if w.mon.get(n) and w.mon[n].cluster == r.cluster]
        targets = [n for n in targets if n != r.prom]
        share = rng.uniform(0.5, 0.85)
        watched = []
        for n in targets:
            if rng.random() < share:
                inst = w.mon[n].alt or w.mon[n].host
                if f.am(n, "TargetDown", t0 + rng.uniform(0, 60), t1, instance=inst):
                    watched.append(n)
        for n in targets:
            f.touch(n)
        f.watched = tuple(watched)
        f.silenced_proms.append(r.prom)
        return f
    if kind == "synthetics-down":
        v = rng.choice(w.vantages)
        f = _Fault(w, rng, idx, kind, v)
        t1 = t0 + rng.uniform(600, 1800)
        watched = []
        canary = Mon("blackbox", f"{v}:9115")
        f.am(v, "BlackboxCanaryFailed", t0 + rng.uniform(0, 20), t1, prom=v, mon=canary)
        for e in [x.endpoint for x in w.regions] + w.edges_cdn:
            if f.am(e, "ProbeFailed", t0 + rng.uniform(0, 20), t1, prom=v):
                watched.append(e)
        f.watched = tuple(watched)
        return f
    if kind == "ingress-pair-lost":
        a, b = r.lbs if rng.random() < 0.5 else (r.lbs[1], r.lbs[0])
        f = _Fault(w, rng, idx, kind, a)
        t2 = t0 + rng.uniform(240, 540)
        f.zbx(a, "HAProxy: Service is down", 4, t0, t1, keep=True)
        f.zbx(b, "HAProxy: Service is down", 4, t2, t1, keep=True)
        for v in w.vantages:
            f.am(r.endpoint, "ProbeFailed", t2 + rng.uniform(0, 30), t1, prom=v)
        return f
    if kind == "cert-expiry":
        e = rng.choice([x.endpoint for x in w.regions] + w.edges_cdn)
        f = _Fault(w, rng, idx, kind, e)
        t1 = t0 + rng.uniform(3600, 7200)
        for v in w.vantages:
            f.am(e, "SSLCertExpiringSoon", t0 + rng.uniform(0, 60), t1, v == w.vantages[0], prom=v)
        return f
    raise ValueError(f"unknown fault kind {kind!r}")


def _check_identifiable(w: World, f: _Fault) -> bool:
    """Inferred roots need two distinct dependents alerting (see the module docstring)."""
    placed = sorted({e.node for e in f.eps if e.node is not None})
    if not f.eps:
        return False
    if f.kind == "zone-outage":
        return len([n for n in placed if w.nodes[n].kind == "host"]) >= 2
    if f.kind == "dns-outage":
        regional = [n for n in placed if n.startswith("edge-api-")]
        cdn = [n for n in placed if n in w.edges_cdn]
        return bool(regional) and bool(cdn)
    if f.kind == "cdn-outage":
        return len(placed) >= 2
    if f.kind == "payments-api-down":
        direct = [n for n in placed if "ext-payments" in [d for g in w.nodes[n].deps for d in g]]
        return len({w.region_of[n] for n in direct}) >= 2
    if f.kind in ("db-down", "ingress-pair-lost"):
        return any(e.node == f.root for e in f.eps)
    return True


def _draw(w: World, rng: random.Random, idx: int, kind: str, t0: float, region: Region) -> _Fault:
    for _ in range(12):
        f = _fault(w, rng, idx, kind, t0, region)
        if _check_identifiable(w, f):
            return f
    return f


def _noise(w: World, rng: random.Random, idx: int, t0: float, busy: set[str]) -> _Fault:
    for _ in range(30):
        r = rng.choice(w.regions)
        roll = rng.random()
        if roll < 0.3:
            n = rng.choice([x for z in r.zones for x in r.workers[z]])
            if n in busy:
                continue
            f = _Fault(w, rng, idx, "noise", n)
            f.am(
                n,
                "NodeHighCPUUsage",
                t0,
                t0 + rng.uniform(900, 2400),
                keep=True,
                instance=w.mon[n].alt,
            )
        elif roll < 0.45:
            n = rng.choice(list(r.lbs))
            if n in busy:
                continue
            f = _Fault(w, rng, idx, "noise", n)
            f.zbx(
                n,
                "High CPU utilization (over 90% for 5m)",
                2,
                t0,
                t0 + rng.uniform(600, 1800),
                keep=True,
            )
        elif roll < 0.6:
            n = rng.choice(w.legacy)
            if n in busy:
                continue
            f = _Fault(w, rng, idx, "noise", n)
            f.classic(
                "icinga", n, "disk /var", "WARNING", t0, t0 + rng.uniform(1800, 5400), keep=True
            )
        elif roll < 0.72:
            n = rng.choice([x.endpoint for x in w.regions] + w.edges_cdn)
            if n in busy:
                continue
            f = _Fault(w, rng, idx, "noise", n)
            v = rng.choice(w.vantages)
            f.am(n, "ProbeSlowHTTP", t0, t0 + rng.uniform(400, 900), keep=True, prom=v)
        elif roll < 0.86:
            n = rng.choice(r.services)
            if n in busy:
                continue
            f = _Fault(w, rng, idx, "noise", n)
            f.am(n, "KubeJobFailed", t0, t0 + rng.uniform(1800, 3600), keep=True)
        else:
            n = rng.choice(r.services)
            if n in busy:
                continue
            f = _Fault(w, rng, idx, "noise", n)
            f.am(n, "CPUThrottlingHigh", t0, t0 + rng.uniform(1800, 3600), keep=True)
        if f.eps:
            return f
    raise RuntimeError("no room for noise")


def _flapping(w: World, rng: random.Random, idx: int, t0: float) -> _Fault:
    if rng.random() < 0.6:
        n = rng.choice(w.legacy)
        tool, service = "icinga", "http"
    else:
        n = rng.choice(w.regions).vpn
        tool, service = "nagios", "IPsec tunnel office"
    f = _Fault(w, rng, idx, "flapping", n)
    t = t0
    for k in range(rng.randint(4, 6)):
        up = rng.uniform(150, 300)
        f._seen.discard(
            (tool, w.mon[n].nagios_host if tool == "nagios" else w.mon[n].host, service)
        )
        f.classic(tool, n, service, "CRITICAL", t, t + up, keep=True, flap=k)
        t += up + rng.uniform(120, 240)
    for e in f.eps:
        e.info["flapping"] = True
    return f


def _maintenance(w: World, rng: random.Random, idx: int, t0: float) -> _Fault:
    n = rng.choice(w.legacy)
    f = _Fault(w, rng, idx, "maintenance", n)
    f.maintenance = True
    t1 = t0 + rng.uniform(900, 1800)
    f.classic("icinga", n, None, "DOWN", t0 + 120, t1, keep=True, downtime=(t0, t1 + 600))
    f.classic("icinga", n, "http", "CRITICAL", t0 + 130, t1, downtime=(t0, t1 + 600))
    return f


def _unplaced(w: World, rng: random.Random, idx: int, t0: float) -> _Fault:
    r = rng.choice(w.regions)
    name = rng.choice(("recsys-v2", "ai-summarizer", "billing-canary", "ocr-worker"))
    f = _Fault(w, rng, idx, "unplaced", None)
    m = Mon("am", f"{name}.labs.{r.cluster}", None, None, r.cluster, "labs", name)
    t1 = t0 + rng.uniform(900, 2400)
    f.am(None, "KubePodCrashLooping", t0, t1, keep=True, mon=m)
    f.am(None, "KubeDeploymentReplicasMismatch", t0, t1, mon=m)
    return f


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def _fp(labels: dict[str, str]) -> str:
    return _h(*sorted(labels.items()))[:16]


def _am_alert(e: Ep, *, firing: bool) -> dict[str, Any]:
    lab = e.labels
    return {
        "status": "firing" if firing else "resolved",
        "labels": dict(lab),
        "annotations": {
            "summary": f"{lab['alertname']} on {lab['instance']}",
            "runbook_url": f"https://runbooks.{DOMAIN}/{lab['alertname'].lower()}",
        },
        "startsAt": _iso(e.start),
        "endsAt": "0001-01-01T00:00:00Z" if firing else _iso(e.end),
        "generatorURL": f"https://{lab['prometheus']}.prom.{DOMAIN}/graph?g0.expr=ALERTS",
        "fingerprint": _fp(lab),
    }


def _render_am(
    eps: list[Ep], rng: random.Random, out: list[tuple[float, str, dict, set]], sent: set[int]
) -> None:
    groups: dict[tuple[str, str, str], list[Ep]] = defaultdict(list)
    for e in eps:
        groups[(e.labels["alertname"], e.labels["cluster"], e.labels["namespace"])].append(e)
    for gk in sorted(groups):
        alerts = sorted(groups[gk], key=lambda e: (e.start, _fp(e.labels)))
        pending = list(alerts)
        while pending:
            t = pending[0].start + 30.0  # group_wait
            notified: dict[int, Ep] = {}
            last_send = -1e18
            while True:
                firing = [e for e in alerts if e.start <= t < e.end]
                new = [e for e in firing if id(e) not in notified]
                resolved = [e for k, e in sorted(notified.items()) if e.end <= t]
                resolved.sort(key=lambda e: (e.start, _fp(e.labels)))
                repeat = firing and t - last_send >= 4 * 3600
                if new or resolved or repeat:
                    body_alerts = [_am_alert(e, firing=True) for e in firing]
                    body_alerts += [_am_alert(e, firing=False) for e in resolved]
                    labs = [a["labels"] for a in body_alerts]
                    common = {k: v for k, v in labs[0].items() if all(x.get(k) == v for x in labs)}
                    gl = {"alertname": gk[0], "cluster": gk[1], "namespace": gk[2]}
                    body = {
                        "version": "4",
                        "groupKey": "{}:{" + ", ".join(f'{k}="{v}"' for k, v in gl.items()) + "}",
                        "truncatedAlerts": 0,
                        "status": "firing" if firing else "resolved",
                        "receiver": "correlator",
                        "groupLabels": gl,
                        "commonLabels": common,
                        "commonAnnotations": {},
                        "externalURL": f"https://alertmanager.ops.{DOMAIN}",
                        "alerts": body_alerts,
                    }
                    faults = {e.fault for e in firing}
                    out.append((t + rng.uniform(0.05, 1.5), "alertmanager", body, faults))
                    last_send = t
                    for e in new:
                        notified[id(e)] = e
                        sent.add(id(e))
                    for e in resolved:
                        del notified[id(e)]
                started = {id(e) for e in firing}
                pending = [e for e in pending if id(e) not in started]
                if not firing and not notified:
                    # Alerts that fired and cleared between two flushes were never sent.
                    pending = [e for e in pending if e.start > t]
                    break
                t += 300.0  # group_interval


def _zbx_time(t: float) -> tuple[str, str]:
    d = datetime.fromtimestamp(t, UTC)
    return d.strftime("%Y.%m.%d"), d.strftime("%H:%M:%S")


def _render_zabbix(e: Ep, rng: random.Random, n: int, out: list) -> None:
    i = e.info
    event_id = str(3_100_000 + n * 7)
    trig = str(20000 + int(_h(i["host"], e.check)[:6], 16) % 70000)
    date, tim = _zbx_time(e.start)
    tags = [{"tag": "scope", "value": "availability" if e.sev == "4" else "performance"}]
    base = {
        "event_id": event_id,
        "event_value": "1",
        "event_update_status": "0",
        "event_ack": "No",
        "event_severity": e.sev,
        "event_name": e.check,
        "event_tags": json.dumps(tags, separators=(",", ":")),
        "event_date": date,
        "event_time": tim,
        "recovery_id": "{EVENT.RECOVERY.ID}",
        "host": i["host"],
        "host_name": i["host"].split(".")[0].upper(),
        "host_ip": i["ip"],
        "trigger_id": trig,
        "trigger_name": e.check,
        "proxy": i["proxy"],
    }
    out.append((e.start + rng.uniform(0.5, 3), "zabbix", base, {e.fault}))
    t_ack = e.start + rng.uniform(120, 900)
    if rng.random() < 0.3 and t_ack < e.end:
        ack = dict(base, event_update_status="1", event_ack="Yes")
        out.append((t_ack, "zabbix", ack, set()))
    rec = dict(base, event_value="0", recovery_id=str(int(event_id) + 3))
    if t_ack < e.end and rng.random() < 0.3:
        rec["event_ack"] = "Yes"
    out.append((e.end + rng.uniform(0.5, 3), "zabbix", rec, set()))


_ICINGA_STATE: Final = {"DOWN": 1, "UP": 0, "OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def _render_icinga(e: Ep, rng: random.Random, out: list) -> None:
    i = e.info
    host, svc, state = i["host"], i["service"], i["state"]
    code = _ICINGA_STATE[state]
    down = i.get("downtime")

    def obj(typ: str, t: float, st: int, stype: int, output: str, **kw: Any) -> dict[str, Any]:
        d: dict[str, Any] = {"type": typ, "host": host}
        if svc:
            d["service"] = svc
        d.update({"state": st, "state_type": stype})
        d["check_result"] = {"output": output, "state": st if svc else (2 if st else 0)}
        d["timestamp"] = round(t, 3)
        d.update(kw)
        return d

    what = f"{svc} " if svc else ""
    bad = f"{what}{state}: " + (
        "CRITICAL - Host Unreachable" if not svc else "connection refused / threshold exceeded"
    )
    if down and svc is None:
        d0 = {
            "type": "DowntimeStarted",
            "timestamp": round(down[0], 3),
            "downtime": {
                "host_name": host,
                "author": "ops-oncall",
                "comment": "monthly OS patching",
                "start_time": down[0],
                "end_time": down[1],
            },
        }
        out.append((down[0], "icinga", d0, set()))
        d1 = {
            "type": "DowntimeRemoved",
            "timestamp": round(e.end + 300, 3),
            "downtime": {"host_name": host, "author": "ops-oncall"},
        }
        out.append((e.end + 300, "icinga", d1, set()))
    out.append((i["first"], "icinga", obj("StateChange", i["first"], code, 0, bad), {e.fault}))
    out.append((e.start, "icinga", obj("StateChange", e.start, code, 1, bad), {e.fault}))
    if not down:
        n = obj("Notification", e.start + 0.4, code, 1, bad)
        n.update(notification_type="Problem", users=["oncall"], author="", text="")
        if i.get("flapping") and i.get("flap", 0) >= 2:
            pass  # Icinga 2 suppresses notifications while the checkable is flapping
        else:
            out.append((e.start + 0.4, "icinga", n, {e.fault}))
        if i.get("flapping") and i.get("flap") == 2:
            fl: dict[str, Any] = {"type": "Flapping", "host": host, "is_flapping": True}
            if svc:
                fl["service"] = svc
            fl.update(timestamp=round(e.start + 1, 3), state=code, state_type=1)
            out.append((e.start + 1, "icinga", fl, set()))
        elif rng.random() < 0.25 and e.start + 300 < e.end and not i.get("flapping"):
            ack = {"type": "AcknowledgementSet", "host": host, "author": "sre-oncall"}
            if svc:
                ack["service"] = svc
            ack.update(comment="looking", timestamp=round(e.start + 300, 3), state=code)
            out.append((e.start + 300, "icinga", ack, set()))
    ok = "OK" if svc else "UP"
    out.append((e.end, "icinga", obj("StateChange", e.end, 0, 1, f"{what}{ok}"), set()))
    if not down and not (i.get("flapping") and i.get("flap", 0) >= 2):
        r = obj("Notification", e.end + 0.4, 0, 1, f"{what}{ok}")
        r.update(notification_type="Recovery", users=["oncall"], author="", text="")
        out.append((e.end + 0.4, "icinga", r, set()))


def _render_nagios(e: Ep, rng: random.Random, pid: int, out: list) -> None:
    i = e.info
    host, svc, state = i["host"], i["service"], i["state"]

    def mac(kind: str, t: float, st: str, **kw: str) -> dict[str, str]:
        d = {"NOTIFICATIONTYPE": kind, "HOSTNAME": host}
        if i.get("addr"):
            d["HOSTADDRESS"] = i["addr"]
        if svc:
            d.update(SERVICEDESC=svc, SERVICESTATE=st, SERVICESTATETYPE="HARD")
            d["SERVICEOUTPUT"] = f"{svc} {st}" if st != "OK" else f"{svc} OK"
        else:
            d.update(HOSTSTATE=st, HOSTSTATETYPE="HARD")
            d["HOSTOUTPUT"] = (
                "PING CRITICAL - Packet loss = 100%" if st != "UP" else "PING OK - rta 1.2 ms"
            )
        d.update(kw)
        d["TIMET"] = str(int(t))
        return d

    pk = "SERVICEPROBLEMID" if svc else "HOSTPROBLEMID"
    if i.get("flapping") and i.get("flap", 0) >= 3:
        return  # Nagios notifies nothing while the service is flapping
    t = e.start
    first = True
    while t < e.end:
        out.append(
            (
                t + rng.uniform(0.2, 2),
                "nagios",
                mac("PROBLEM", t, state, **{pk: str(pid)}),
                {e.fault},
            )
        )
        if first and i.get("flapping") and i.get("flap") == 2:
            out.append(
                (t + 1, "nagios", mac("FLAPPINGSTART", t + 1, state, **{pk: str(pid)}), set())
            )
        if first and rng.random() < 0.3 and t + 400 < e.end and not i.get("flapping"):
            ack = mac("ACKNOWLEDGEMENT", t + 400, state, **{pk: str(pid)})
            ack.update(NOTIFICATIONAUTHOR="sre-oncall", NOTIFICATIONCOMMENT="on it")
            out.append((t + 400, "nagios", ack, set()))
            break  # acknowledged: no re-notification
        first = False
        if i.get("flapping"):
            break
        t += 1800.0
    if svc:
        rec = mac("RECOVERY", e.end, "OK", SERVICEPROBLEMID=str(pid), LASTSERVICEPROBLEMID="0")
    else:
        rec = mac("RECOVERY", e.end, "UP", HOSTPROBLEMID="0", LASTHOSTPROBLEMID=str(pid))
    out.append((e.end + rng.uniform(0.2, 2), "nagios", rec, set()))


def _render(w: World, faults: list[_Fault], rng: random.Random) -> tuple[list, list]:
    # Observers that are down send nothing (Prometheus) or buffer (Zabbix proxy).
    dead: list[tuple[str, float, float, int]] = []
    for f in faults:
        if f.eps:
            lo, hi = min(e.start for e in f.eps), max(e.end for e in f.eps)
            for p in f.silenced_proms:
                dead.append((w.prom_label[p], lo - 120, hi, f.idx))
            for p in f.silenced_proxies:
                dead.append((p, lo - 120, hi, f.idx))
    eps: list[Ep] = []
    for f in faults:
        for e in f.eps:
            obs = e.labels.get("prometheus") if e.tool == "am" else e.info.get("proxy", "")
            if any(obs == o and lo <= e.start <= hi and e.fault != k for o, lo, hi, k in dead):
                continue
            eps.append(e)
    # One alert identity carries one episode at a time.
    by_key: dict[tuple[str, ...], list[Ep]] = defaultdict(list)
    for e in sorted(eps, key=lambda e: (e.start, e.fault)):
        prev = by_key[e.key]
        if prev and e.start < prev[-1].end + 60 and prev[-1].fault != e.fault:
            continue
        prev.append(e)
    kept = sorted((e for v in by_key.values() for e in v), key=lambda e: (e.start, e.key))
    raw: list[tuple[float, str, dict, set]] = []
    sent: set[int] = set()
    _render_am([e for e in kept if e.tool == "am"], rng, raw, sent)
    kept = [e for e in kept if e.tool != "am" or id(e) in sent]
    pid = 41000
    for n, e in enumerate(kept):
        if e.tool == "zabbix":
            _render_zabbix(e, rng, n, raw)
        elif e.tool == "icinga":
            _render_icinga(e, rng, raw)
        elif e.tool == "nagios":
            pid += 1
            _render_nagios(e, rng, pid, raw)
    raw.sort(key=lambda x: (round(x[0], 3), x[1], json.dumps(x[2], sort_keys=True)))
    lines = []
    ev: dict[int, list[str]] = defaultdict(list)
    for k, (at, src, payload, fs) in enumerate(raw, start=1):
        lid = f"h{k}"
        line: dict[str, Any] = {"at": round(at, 3), "source": src, "id": lid}
        if src == "icinga":
            line["observer"] = "icinga-master"
        elif src == "nagios":
            line["observer"] = "nagios-ops"
        line["payload"] = payload
        lines.append(line)
        for fi in sorted(fs):
            ev[fi].append(lid)
    return lines, [ev, kept]


def _scenario(
    w: World, seed: int, faults: list[_Fault], rng: random.Random, family: str
) -> Scenario:
    """Render the faults. A fault whose every problem line is an Alertmanager body shared
    with an earlier fault (its alerts only rode in another fault's group) cannot be told
    apart by any evidence: it is left out and the rest rendered again."""
    salt = rng.random()
    while True:
        lines, (ev, kept) = _render(w, faults, _rng("render", seed, family, salt))
        owner: dict[str, list[int]] = defaultdict(list)
        for fi in sorted(ev):
            for lid in ev[fi]:
                owner[lid].append(fi)
        hidden = [fi for fi in sorted(ev) if ev[fi] and all(len(owner[lid]) > 1 for lid in ev[fi])]
        if not hidden:
            break
        faults = [f for f in faults if f.idx != hidden[-1]]
    nodes_of: dict[int, list[str]] = defaultdict(list)
    first: dict[int, float] = {}
    for e in kept:
        if e.node is not None and e.node not in nodes_of[e.fault]:
            nodes_of[e.fault].append(e.node)
        first[e.fault] = min(first.get(e.fault, e.start), e.start)
    truth = []
    for f in faults:
        ids = tuple(ev.get(f.idx, ()))
        if not ids:
            continue
        nodes = tuple(sorted(nodes_of[f.idx]))
        truth.append(
            TrueIncident(
                root=f.root,
                inferred=f.root is not None and f.root not in nodes,
                event_ids=ids,
                kind_of_fault=f.kind,
                equivalent_roots=f.equivalent,
                site=w.region_of.get(f.root or ""),
                started_at=round(first[f.idx], 3),
                maintenance=f.maintenance,
                watched=tuple(sorted(set(f.watched) & set(nodes))),
                nodes=nodes,
            )
        )
    stats = {"nodes": w.size, "family": family, "topology_nodes": len(w.order)}
    return Scenario(seed=seed, topology=w.topology(), lines=lines, truth=truth, stats=stats)


def _conflicts(a: _Fault, b: _Fault, margin: float = 900.0) -> bool:
    if not a.eps or not b.eps:
        return False
    a0, a1 = min(e.start for e in a.eps), max(e.end for e in a.eps)
    b0, b1 = min(e.start for e in b.eps), max(e.end for e in b.eps)
    if a1 + margin < b0 or b1 + margin < a0:
        return False
    ta, tb = set(a.touched), set(b.touched)
    if ta & tb:
        return True
    wide = ("zone-outage", "prometheus-down", "mesh-degraded", "synthetics-down")
    if a.kind in wide or b.kind in wide or "concurrent" in (a.kind, b.kind):
        ra = {a.w.region_of.get(n) for n in ta}
        rb = {b.w.region_of.get(n) for n in tb}
        return bool(ra & rb)
    # Callers two hops up are shared by many faults of one region: keep them apart.
    up_a = {c for n in ta for c in a.w.dependents(n)}
    up_b = {c for n in tb for c in b.w.dependents(n)}
    return bool((ta | up_a) & (tb | up_b))


def _place(
    w: World, rng: random.Random, faults: list[_Fault], kind: str, t0: float, idx: int
) -> _Fault | None:
    for _ in range(20):
        f = _draw(w, rng, idx, kind, t0, rng.choice(w.regions))
        if f.eps and not any(_conflicts(f, g) for g in faults):
            return f
    return None


def single(seed: int, kind: str, nodes: int = 200) -> Scenario:
    """One fault of ``kind`` (``concurrent``: two independent faults minutes apart)."""
    w = build_world(seed, nodes)
    rng = _rng("single", seed, kind, nodes)
    t0 = T0 + rng.uniform(0, 600)
    faults: list[_Fault] = []
    if kind == "concurrent":
        kinds = [k for k in FAULT_KINDS_H if k not in ("concurrent", "dns-outage", "cdn-outage")]
        kinds = [k for k in kinds if k != "payments-api-down"]
        first = rng.choice(kinds)
        f = _place(w, rng, faults, first, t0, 0)
        assert f is not None
        f.kind = first
        faults.append(f)
        for _ in range(30):
            g = _place(w, rng, faults, rng.choice(kinds), t0 + rng.uniform(30, 300), 1)
            if g is not None:
                faults.append(g)
                break
        for x in faults:
            x.kind = "concurrent"
    elif kind == "noise":
        faults.append(_noise(w, rng, 0, t0, set()))
    elif kind == "flapping":
        faults.append(_flapping(w, rng, 0, t0))
    elif kind == "maintenance":
        faults.append(_maintenance(w, rng, 0, t0))
    elif kind == "unplaced":
        faults.append(_unplaced(w, rng, 0, t0))
    else:
        f = _place(w, rng, faults, kind, t0, 0)
        assert f is not None
        faults.append(f)
    return _scenario(w, seed, faults, rng, f"single-{kind}")


_STORM_WEIGHTS: Final = {
    "zone-outage": 3,
    "db-down": 2,
    "bad-deploy": 3,
    "dns-outage": 1,
    "prometheus-down": 2,
    "ingress-pair-lost": 2,
    "redis-down": 2,
    "mesh-degraded": 1,
    "payments-api-down": 1,
    "cdn-outage": 1,
    "node-down": 1,
}
_DAY_WEIGHTS: Final = {k: 2 for k in FAULT_KINDS_H if k != "concurrent"} | {
    "bad-deploy": 5,
    "node-down": 4,
    "db-failover": 3,
    "zone-outage": 1,
    "dns-outage": 1,
    "cdn-outage": 1,
}


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _busy(faults: list[_Fault]) -> set[str]:
    return {n for f in faults for n in f.touched}


def storm(seed: int, nodes: int = 600) -> Scenario:
    """Two or three wide faults within twenty minutes, plus background noise."""
    w = build_world(seed, nodes)
    rng = _rng("storm", seed, nodes)
    faults: list[_Fault] = []
    t = T0
    for _ in range(rng.randint(2, 4)):
        for _ in range(10):
            f = _place(w, rng, faults, _weighted(rng, _STORM_WEIGHTS), t, len(faults))
            if f is not None:
                faults.append(f)
                break
        t += rng.uniform(60, 600)
    for _ in range(rng.randint(3, 6)):
        faults.append(_noise(w, rng, len(faults), T0 + rng.uniform(-600, 2400), _busy(faults)))
    return _scenario(w, seed, faults, rng, "storm")


def day(seed: int, nodes: int = 400, faults: int = 12, noise: int = 10) -> Scenario:
    """A working day: ``faults`` faults (some overlapping), ``noise`` background alerts,
    flapping, a maintenance window and an unplaced deployment."""
    w = build_world(seed, nodes)
    rng = _rng("day", seed, nodes, faults, noise)
    out: list[_Fault] = []
    t = T0
    for _ in range(faults):
        t += rng.uniform(300, 900) if rng.random() < 0.25 else rng.uniform(1800, 3600)
        f = _place(w, rng, out, _weighted(rng, _DAY_WEIGHTS), t, len(out))
        if f is not None:
            out.append(f)
    span = t - T0 + 1800
    extra: list[_Fault] = []
    for _ in range(noise):
        extra.append(_noise(w, rng, len(out) + len(extra), T0 + rng.uniform(0, span), _busy(out)))
    specials = [(_flapping, 1 + (faults > 8)), (_maintenance, 1), (_unplaced, 1)]
    for maker, count in specials:
        for _ in range(count):
            for _ in range(10):
                g = maker(w, rng, len(out) + len(extra), T0 + rng.uniform(0, span))
                if not any(
                    _conflicts(g, x, 300) and set(g.touched) & set(x.touched) for x in out + extra
                ):
                    extra.append(g)
                    break
    return _scenario(w, seed, out + extra, rng, "day")
