"""Realistic alert storms with ground truth: the yardstick for correlation quality.

Everything here is pure and seeded (``random.Random`` seeded from the arguments): the same
arguments give the same topology, the same replay lines and the same truth, byte for byte.

Entry points: :func:`storm` (wide-blast-radius failures, the scenarios the "incidents <= 5 %
of alerts" bar is for), :func:`mixed` (failures of every size plus noise), :func:`noise_heavy`,
:func:`single_fault` (one incident of a given kind) and :func:`generate` (everything tunable).
Each returns a :class:`Scenario` whose ``write(dir)`` gives the files ``correlator replay``
reads.

The model, in the order the generator builds it:

1. **A multi-site enterprise** (:func:`build_world`). Sites are an HQ and branches; each
   has a PDU pair (unmonitored), a redundant core pair (each core fed by one PDU), a
   firewall pair, distribution switches (``any_of`` both cores), access switches, a SAN,
   hypervisors dual-homed on two distribution switches (some single-homed), VMs, databases
   and applications on VMs (watched as ``HOST!CHECK``), physical hosts on access switches,
   business services (``any_of`` across sites for the global ones, never alerting) and the
   monitoring itself: per branch a PRTG remote probe, a Zabbix proxy, a Nagios or Icinga
   satellite and (often) a Prometheus server, all of kind ``probe`` and depending on an
   access switch and the branch's WAN link (kind ``link``, unmonitored unless HQ's router
   has an interface check on it). The HQ is watched centrally.
2. **Monitoring**: each watched node has 1-3 tools, each with several checks (availability,
   service, performance, storage, interface, hardware), each check with the tool's own
   timing (check interval x retries, Zabbix trigger windows, PRTG scan interval, Prometheus
   ``for:`` + scrape + Alertmanager group_wait) and observer. Tools spell host names their
   own way: short, FQDN, upper case, or the bare address.
3. **Faults**, each the ground truth of one incident (:class:`TrueIncident`): a failing
   node's state propagates up ``depends_on`` with ``any_of`` semantics (losing one member of
   a group explains nothing above it), with a *mode* (dead, storage loss, gray/impaired,
   slow storage) that decides which checks can fail; each check that can fail does so with
   its probability, minus ~10 % missed detections; probes that lose their path make every
   check they run go Unknown/Down (or silent, for the tools that buffer).
4. **Rendering** into each tool's native payload (specs/ingest-formats.md) as replay lines,
   with re-notifications, acknowledgements, Nagios UNREACHABLE (sometimes, sometimes late),
   PRTG ``Paused by Dependency``, Nagios service-notification suppression, Alertmanager
   group_wait/group_interval batching, recoveries in a realistic order.

**How truth is defined for the hard cases** (the generator never looks at any correlator):

- The truth root is the node that physically failed. When a fault's realised alerts (after
  missed detections) could be explained *more specifically* by another single node (e.g. only
  one VM of a failed hypervisor alerted), the detections are re-drawn; a fault that stays
  unidentifiable is replaced. Nodes whose failure would produce *exactly* the same set of
  possible alerts (a branch router behind its WAN link, as seen from HQ) are listed in
  ``equivalent_roots`` and count as correct.
- ``inferred`` is true when no problem event is placed on the root node itself.
- A redundancy group (core pair) lost as a whole: root = the member that failed first; its
  own loss is made visible (a group nobody saw fail could not be told apart).
- A probe losing its path: root = the probe node; ``watched`` lists the hosts whose checks it
  ran (they are fine: nobody should be paged for them).
- Gray failure: root = the degraded node (warnings), even though its dependents fail hard.
- Noise is independent, one incident each; it is never placed on a node that a concurrent
  fault has affected (a host that is down or impaired cannot report an unrelated CPU warning),
  but it does land beside and below failing nodes (siblings, the surviving member of a pair,
  the failing node's own dependencies). Two concurrent faults never share an unmonitored
  common dependency that would explain both, and never combine into a bigger failure.
"""

from __future__ import annotations

import hashlib
import heapq
import ipaddress
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import yaml

T0: Final = 1_764_000_000.0  # 2025-11-24 16:00:00 UTC
MISS: Final = 0.10  # missed detections

TOOLS: Final = ("nagios", "icinga", "zabbix", "prtg", "alertmanager")

# Check categories.
AV: Final = "availability"
SV: Final = "service"
PF: Final = "perf"
ST: Final = "storage"
IF: Final = "interface"
HW: Final = "hardware"
PL: Final = "probe-link"  # the server's view of a probe (Zabbix proxy last seen, ...)
PS: Final = "probe-self"  # a probe's own health (pollers busy, too many targets down)

FAULT_KINDS: Final = (
    "redundant-member",
    "core-pair",
    "dist-down",
    "access-down",
    "hypervisor-down",
    "san-down",
    "wan-down",
    "pdu-down",
    "vm-down",
    "db-down",
    "app-down",
    "gray",
    "storage-latency",
    "probe",
)
OTHER_KINDS: Final = ("noise", "flapping", "maintenance")

# Failures with a wide blast radius: what a "storm" is made of.
STORM_WEIGHTS: Final[Mapping[str, float]] = {
    "core-pair": 1,
    "dist-down": 6,
    "access-down": 2,
    "hypervisor-down": 8,
    "san-down": 3,
    "wan-down": 5,
    "storage-latency": 3,
    "probe": 5,
}

MIXED_WEIGHTS: Final[Mapping[str, float]] = {
    "redundant-member": 6,
    "core-pair": 2,
    "dist-down": 6,
    "access-down": 4,
    "hypervisor-down": 8,
    "san-down": 2,
    "wan-down": 5,
    "pdu-down": 3,
    "vm-down": 8,
    "db-down": 5,
    "app-down": 7,
    "gray": 5,
    "storage-latency": 3,
    "probe": 5,
}


# --------------------------------------------------------------------------------------
# Public results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrueIncident:
    """One ground-truth incident: what failed, and which problem events it caused."""

    root: str | None  # node id; None for an alert on a host the topology does not know
    inferred: bool  # the root raised no problem event itself
    event_ids: tuple[str, ...]  # problem events only (no recoveries, no notices)
    kind_of_fault: str
    equivalent_roots: tuple[str, ...] = ()  # indistinguishable from root by any evidence
    site: str | None = None
    started_at: float = 0.0
    maintenance: bool = False  # under a Nagios/Icinga downtime: must not page
    watched: tuple[str, ...] = ()  # probe faults: nodes whose checks the probe ran
    nodes: tuple[str, ...] = ()  # nodes on which its problem events are placed

    def accepts(self, root: str | None) -> bool:
        """Whether ``root`` names this incident's cause (or an equivalent one)."""
        return root == self.root or (root is not None and root in self.equivalent_roots)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A generated storm: topology (native YAML form), replay lines, and the truth."""

    seed: int
    topology: dict[str, Any]
    lines: list[dict[str, Any]]
    truth: list[TrueIncident]
    stats: dict[str, Any] = field(default_factory=dict)

    def topology_yaml(self) -> str:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(
            self.topology, Dumper=dumper, sort_keys=False, allow_unicode=True, width=1000
        )

    def alerts_jsonl(self) -> str:
        return "".join(
            json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n"
            for line in self.lines
        )

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write ``topology.yaml`` and ``alerts.jsonl`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        topo = directory / "topology.yaml"
        alerts = directory / "alerts.jsonl"
        topo.write_text(self.topology_yaml(), encoding="utf-8")
        alerts.write_text(self.alerts_jsonl(), encoding="utf-8")
        return topo, alerts

    def problem_event_ids(self) -> set[str]:
        return {e for t in self.truth for e in t.event_ids}

    def by_kind(self, kind: str) -> list[TrueIncident]:
        return [t for t in self.truth if t.kind_of_fault == kind]


# --------------------------------------------------------------------------------------
# The world: topology + monitoring
# --------------------------------------------------------------------------------------

_CITIES: Final = (
    "fra", "muc", "ber", "ham", "cgn", "stu", "dus", "lej", "par", "lyo", "mrs", "tls",
    "mad", "bcn", "vlc", "mil", "rom", "trn", "ams", "rtm", "bru", "ant", "lux", "vie",
    "grz", "zrh", "gva", "bsl", "waw", "krk", "prg", "brn", "bud", "cph", "aar", "sto",
    "got", "osl", "hel", "dub", "lis", "opo", "ath", "sof", "otp", "zag", "lju", "bts",
)  # fmt: skip

# (app, team, db engine or None, VM role of its front ends)
_APPS: Final = (
    ("shop", "web", "postgresql", "web"),
    ("erp", "erp", "postgresql", "app"),
    ("crm", "crm", "mysql", "app"),
    ("intranet", "web", "mysql", "web"),
    ("billing", "finance-it", "postgresql", "app"),
    ("hr", "hr-it", "postgresql", "app"),
    ("wms", "logistics-it", "postgresql", "app"),
    ("pos", "retail-it", "mysql", "app"),
    ("mail", "collab", None, "mx"),
    ("api", "platform", "postgresql", "api"),
)
_GLOBAL_APPS: Final = ("shop", "api", "mail")
_GENERIC_ROLES: Final = (
    "dc", "file", "print", "jump", "build", "log", "mon", "bkp", "proxy", "ci", "git",
    "wsus", "av", "dns", "vdi", "sftp", "ldap", "lic",
)  # fmt: skip
_PHYS_ROLES: Final = ("bkp", "nas", "phys", "print", "tape", "ups-mgmt")

_DOMAIN: Final = "corp.example.net"


@dataclass(slots=True)
class _Node:
    id: str
    kind: str
    team: str
    site: str
    deps: list[tuple[str, ...]]
    criticality: int | None = None
    host: str | None = None  # canonical host name of a machine
    address: str | None = None
    machine: str | None = None  # the machine whose host name its checks use
    entries: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    runbook: str | None = None
    fqdn_entry: bool = False
    app: str | None = None


@dataclass(slots=True)
class _Site:
    code: str
    index: int
    hq: bool
    nms: str  # nagios | icinga
    has_prom: bool
    zabbix_strict: bool  # nodata triggers fire when the proxy is gone
    observers: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    pdus: tuple[str, str] = ("", "")
    cores: tuple[str, str] = ("", "")
    fws: tuple[str, str] = ("", "")
    rtrs: tuple[str, ...] = ()
    wan: str | None = None
    dists: list[str] = field(default_factory=list)
    accs: list[str] = field(default_factory=list)
    san: str = ""
    hyps: list[str] = field(default_factory=list)
    vms: list[str] = field(default_factory=list)
    phys: list[str] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)
    dbs: list[str] = field(default_factory=list)
    apps: list[str] = field(default_factory=list)
    n_addr: int = 0


@dataclass(slots=True)
class _Check:
    idx: int
    node: str
    tool: str
    host: str  # as the tool spells it
    address: str | None
    name: str | None  # None: the host check of Nagios/Icinga
    category: str
    severity: str  # "crit" | "warn" when it fails in earnest
    observer: str | None  # probe node id
    label: str | None  # observer as written in the payload / replay line
    site: str
    machine: str
    interval: float
    retries: int
    retry: float
    renotify: float
    ident: dict[str, Any]


# Check catalogues: (name, category, severity). Kind groups: net, storage, hyp, server, db, app.
_NMS_CHECKS: Final[Mapping[str, tuple[tuple[str, str, str], ...]]] = {
    "net": (
        ("Interface Gi1/0/48 uplink", IF, "crit"),
        ("Interface errors", IF, "warn"),
        ("CPU usage", PF, "warn"),
        ("Memory usage", PF, "warn"),
        ("Environment", HW, "warn"),
    ),
    "storage": (
        ("Controller status", HW, "crit"),
        ("Volume latency", ST, "crit"),
        ("Aggregate free space", PF, "warn"),
        ("Disk shelf status", HW, "warn"),
    ),
    "hyp": (
        ("Datastore latency", ST, "crit"),
        ("Datastore access", ST, "crit"),
        ("CPU load", PF, "warn"),
        ("Memory usage", PF, "warn"),
        ("Hardware health", HW, "warn"),
        ("vmnic link status", IF, "warn"),
    ),
    "server": (
        ("CPU load", PF, "warn"),
        ("Disk /", PF, "warn"),
        ("Disk /var", PF, "warn"),
        ("Memory", PF, "warn"),
        ("SSH", SV, "crit"),
        ("NTP offset", PF, "warn"),
        ("Disk I/O latency", ST, "warn"),
        ("Swap usage", PF, "warn"),
    ),
    "postgresql": (
        ("PostgreSQL connection", SV, "crit"),
        ("PostgreSQL replication lag", PF, "warn"),
        ("PostgreSQL locks", PF, "warn"),
    ),
    "mysql": (
        ("MySQL connection", SV, "crit"),
        ("MySQL slave lag", PF, "warn"),
        ("MySQL threads", PF, "warn"),
    ),
    "app": (
        ("HTTP", SV, "crit"),
        ("HTTPS", SV, "crit"),
        ("HTTP response time", PF, "warn"),
        ("Certificate expiry", PF, "warn"),
    ),
    "mail": (
        ("SMTP", SV, "crit"),
        ("IMAP", SV, "crit"),
        ("Mail queue", PF, "warn"),
    ),
}
_ZBX_CHECKS: Final[Mapping[str, tuple[tuple[str, str, str], ...]]] = {
    "net": (
        ("Unavailable by ICMP ping", AV, "crit"),
        ("No SNMP data collection", AV, "warn"),
        ("Interface Gi1/0/48(uplink): Link down", IF, "crit"),
        ("Interface Gi1/0/48(uplink): High error rate (>2 for 5m)", IF, "warn"),
        ("High CPU utilization (over 90% for 5m)", PF, "warn"),
        ("High ICMP ping loss", PF, "warn"),
        ("Power supply is in critical state", HW, "crit"),
    ),
    "storage": (
        ("Unavailable by ICMP ping", AV, "crit"),
        ("Volume vol01: Latency is too high (over 20ms for 5m)", ST, "crit"),
        ("Controller A: Status is not OK", HW, "crit"),
        ("Aggregate aggr1: Space utilization is too high (over 90%)", PF, "warn"),
    ),
    "hyp": (
        ("Hypervisor is down", AV, "crit"),
        ("Datastore ds01: Latency is too high (over 30ms for 5m)", ST, "crit"),
        ("The host health is Red", HW, "crit"),
        ("High CPU utilization (over 90% for 5m)", PF, "warn"),
    ),
    "server": (
        ("Unavailable by ICMP ping", AV, "crit"),
        ("Zabbix agent is not available (for 3m)", AV, "crit"),
        ("High CPU utilization (over 90% for 5m)", PF, "warn"),
        ("/: Disk space is low (used > 80%)", PF, "warn"),
        ("High memory utilization (>90% for 5m)", PF, "warn"),
        ("Load average is too high (per CPU load over 1.5 for 5m)", PF, "warn"),
        (
            (
                "sda: Disk read/write request responses are too high "
                "(read > 20 ms for 15m or write > 20 ms for 15m)"
            ),
            ST,
            "warn",
        ),
    ),
    "postgresql": (
        ("PostgreSQL: Service is down", SV, "crit"),
        ("PostgreSQL: Streaming lag with master is too high (over 10m)", PF, "warn"),
        ("PostgreSQL: Too many connections (over 90%)", PF, "warn"),
    ),
    "mysql": (
        ("MySQL: Service is down", SV, "crit"),
        ("MySQL: Replication lag is too high (over 30m)", PF, "warn"),
        ("MySQL: Refused connections (max_connections limit reached)", PF, "warn"),
    ),
    "app": (
        ("HTTP service is down on {host}", SV, "crit"),
        ("Nginx: Service is down", SV, "crit"),
        ("Nginx: Service response time is too high (over 10s for 5m)", PF, "warn"),
    ),
    "mail": (
        ("SMTP service is down on {host}", SV, "crit"),
        ("Postfix: Mail queue is too long (over 500)", PF, "warn"),
    ),
}
_PRTG_CHECKS: Final[Mapping[str, tuple[tuple[str, str, str], ...]]] = {
    "net": (
        ("Ping", AV, "crit"),
        ("SNMP Uptime", AV, "crit"),
        ("SNMP Traffic Gi1/0/48", IF, "warn"),
        ("SNMP CPU Load", PF, "warn"),
        ("SNMP Cisco System Health", HW, "warn"),
    ),
    "storage": (
        ("Ping", AV, "crit"),
        ("SNMP NetApp System Health", HW, "crit"),
        ("NetApp Volume vol01", ST, "crit"),
        ("NetApp I/O", ST, "warn"),
    ),
    "hyp": (
        ("Ping", AV, "crit"),
        ("VMware Host Hardware Status (SOAP)", HW, "warn"),
        ("VMware Host Performance (SOAP)", PF, "warn"),
        ("VMware Datastore (SOAP) ds01", ST, "crit"),
    ),
    "server": (
        ("Ping", AV, "crit"),
        ("SSH Load Average", PF, "warn"),
        ("SSH Disk Free", PF, "warn"),
        ("SNMP Memory", PF, "warn"),
        ("SNMP Disk Free", PF, "warn"),
    ),
    "postgresql": (("PostgreSQL", SV, "crit"),),
    "mysql": (("MySQL v2", SV, "crit"),),
    "app": (
        ("HTTP", SV, "crit"),
        ("HTTP Advanced", SV, "crit"),
        ("SSL Certificate", PF, "warn"),
    ),
    "mail": (("SMTP", SV, "crit"), ("IMAP", SV, "crit")),
}
_AM_CHECKS: Final[Mapping[str, tuple[tuple[str, str, str], ...]]] = {
    "server": (
        ("InstanceDown", AV, "crit"),
        ("HostHighCpuLoad", PF, "warn"),
        ("HostOutOfDiskSpace", PF, "warn"),
        ("HostOutOfMemory", PF, "warn"),
        ("HostUnusualDiskReadLatency", ST, "warn"),
        ("HostClockSkew", PF, "warn"),
    ),
    "postgresql": (
        ("PostgresqlDown", SV, "crit"),
        ("PostgresqlReplicationLag", PF, "warn"),
        ("PostgresqlTooManyConnections", PF, "warn"),
    ),
    "mysql": (
        ("MysqlDown", SV, "crit"),
        ("MysqlSlaveReplicationLag", PF, "warn"),
        ("MysqlTooManyConnections", PF, "warn"),
    ),
    "app": (
        ("HighErrorRate", SV, "crit"),
        ("HighLatency", PF, "warn"),
        ("EndpointDown", SV, "crit"),
    ),
    "mail": (("PostfixDown", SV, "crit"), ("PostfixQueueTooLong", PF, "warn")),
}
_AM_PORT: Final = {"server": 9100, "postgresql": 9187, "mysql": 9104, "app": 8080, "mail": 9154}
_AM_JOB: Final = {"server": "node", "postgresql": "postgres", "mysql": "mysql", "mail": "postfix"}
_AM_GROUPABLE: Final = ("InstanceDown", "EndpointDown", "HostOutOfDiskSpace", "HighErrorRate")

# Which tools may watch which kind of node.
_TOOLS_FOR: Final[Mapping[str, tuple[str, ...]]] = {
    "switch": ("nms", "zabbix", "prtg"),
    "router": ("nms", "zabbix", "prtg"),
    "firewall": ("nms", "zabbix", "prtg"),
    "storage": ("nms", "zabbix", "prtg"),
    "hypervisor": ("nms", "zabbix", "prtg"),
    "vm": ("nms", "zabbix", "prtg", "alertmanager"),
    "host": ("nms", "zabbix", "prtg", "alertmanager"),
    "database": ("nms", "zabbix", "prtg", "alertmanager"),
    "application": ("nms", "zabbix", "prtg", "alertmanager"),
}
_GROUP_OF_KIND: Final = {
    "switch": "net",
    "router": "net",
    "firewall": "net",
    "storage": "storage",
    "hypervisor": "hyp",
    "vm": "server",
    "host": "server",
    "probe": "server",
}
_PRTG_GROUP: Final = {
    "net": "Network",
    "storage": "Storage",
    "hyp": "Virtualization",
    "server": "Servers",
    "postgresql": "Databases",
    "mysql": "Databases",
    "app": "Applications",
    "mail": "Applications",
}

# Probability that a check of a category fails, given the node's mode.
_MODE_P: Final[Mapping[str, Mapping[str, float]]] = {
    "down": {AV: 1.0, SV: 0.7, PF: 0.35, ST: 0.35, IF: 0.35, HW: 0.2, PL: 1.0, PS: 0.0},
    "storage": {AV: 0.15, SV: 0.7, PF: 0.5, ST: 1.0, IF: 0.0, HW: 0.0, PL: 0.0, PS: 0.0},
    "impaired": {AV: 0.05, SV: 0.85, PF: 0.4, ST: 0.1, IF: 0.0, HW: 0.0, PL: 0.0, PS: 0.0},
    "degraded": {AV: 0.0, SV: 0.15, PF: 0.9, ST: 0.6, IF: 0.9, HW: 0.3, PL: 0.0, PS: 0.0},
    "slow": {AV: 0.0, SV: 0.35, PF: 0.5, ST: 0.9, IF: 0.0, HW: 0.0, PL: 0.0, PS: 0.0},
    "latency-root": {AV: 0.0, SV: 0.1, PF: 0.6, ST: 1.0, IF: 0.0, HW: 0.0, PL: 0.0, PS: 0.0},
    "self": {AV: 0.0, SV: 0.0, PF: 0.0, ST: 0.0, IF: 0.0, HW: 0.0, PL: 0.0, PS: 0.9},
}
_APP_DOWN_P: Final = {"nagios": 0.9, "icinga": 0.9, "zabbix": 0.6, "prtg": 0.8, "alertmanager": 0.5}


def _iso(t: float) -> str:
    return (
        datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{int(t * 1000) % 1000:03d}Z"
    )


class World:
    """The enterprise: nodes, sites, and every check of every tool."""

    def __init__(self, seed: int, nodes: int) -> None:
        self.rng = random.Random(f"world:{seed}:{nodes}")
        self.nodes: dict[str, _Node] = {}
        self.sites: list[_Site] = []
        self.checks: list[_Check] = []
        self.by_node: dict[str, list[_Check]] = {}
        self.by_observer: dict[str, list[_Check]] = {}
        self.dependents: dict[str, list[str]] = {}
        self.spelling: dict[tuple[str, str], str] = {}
        self.nagios_parents: set[str] = set()  # machines with Nagios parents configured
        self.prtg_dependency: set[str] = set()  # PRTG devices with a parent dependency
        self.prtg_devices: dict[str, int] = {}
        self.zbx_hosts: dict[str, str] = {}  # zabbix host -> visible name
        self._closure: dict[str, frozenset[str]] = {}
        self._counter = 0
        self.prtg_locale = self.rng.choice(("us", "us", "de", "uk"))
        self.am_grouped = frozenset(a for a in _AM_GROUPABLE if self.rng.random() < 0.4)
        self.am_group_wait = 30.0
        self.am_group_interval = self.rng.choice((60.0, 120.0, 300.0))
        self.am_repeat = self.rng.choice((3600.0, 4 * 3600.0))
        self._build(nodes)

    # -- building -----------------------------------------------------------------------

    def _uid(self) -> int:
        self._counter += 1
        return self._counter

    def _add(
        self,
        node_id: str,
        kind: str,
        team: str,
        site: _Site,
        deps: Iterable[tuple[str, ...]] = (),
        *,
        criticality: int | None = None,
        machine: bool = False,
    ) -> str:
        node = _Node(node_id, kind, team, site.code, [tuple(d) for d in deps], criticality)
        if machine:
            site.n_addr += 1
            base = int(ipaddress.IPv4Address("10.0.0.0"))
            block = (site.index + 1) % 250
            node.host = node_id
            node.address = str(ipaddress.IPv4Address(base + block * 65536 + 256 + site.n_addr))
            node.machine = node_id
            node.fqdn_entry = kind != "probe" and self.rng.random() < 0.1
        self.nodes[node_id] = node
        self.dependents.setdefault(node_id, [])
        for group in node.deps:
            for member in group:
                self.dependents[member].append(node_id)
        return node_id

    def _build(self, target: int) -> None:
        rng = self.rng
        n_sites = max(2, round(target / 250))
        fixed = 32
        hyp_total = max(2 * n_sites, round((target - n_sites * fixed) / 11.0))
        weights = [3.0] + [rng.uniform(0.6, 1.4) for _ in range(n_sites - 1)]
        total_w = sum(weights)
        for i in range(n_sites):
            if i == 0:
                code = "hq"
            else:
                j = i - 1
                code = _CITIES[j % len(_CITIES)] + (
                    str(j // len(_CITIES) + 1) if j >= len(_CITIES) else ""
                )
            hq = i == 0
            site = _Site(
                code=code,
                index=i,
                hq=hq,
                nms="nagios" if hq or rng.random() < 0.5 else "icinga",
                has_prom=hq or rng.random() < 0.7,
                zabbix_strict=rng.random() < 0.3,
            )
            self.sites.append(site)
            hyps = max(1, round(hyp_total * weights[i] / total_w))
            self._build_site(site, hyps)
        self._build_services()
        self._build_monitoring()

    def _build_site(self, site: _Site, n_hyp: int) -> None:
        rng = self.rng
        c = site.code
        hq_site = self.sites[0]
        pa = self._add(f"{c}-pdu-a", "power", "facilities", site, criticality=2)
        pb = self._add(f"{c}-pdu-b", "power", "facilities", site, criticality=2)
        site.pdus = (pa, pb)
        core1 = self._add(
            f"{c}-core-1", "switch", "network", site, [(pa,)], criticality=1, machine=True
        )
        core2 = self._add(
            f"{c}-core-2", "switch", "network", site, [(pb,)], criticality=1, machine=True
        )
        cores = (core1, core2)
        site.cores = cores
        fw1 = self._add(
            f"{c}-fw-1", "firewall", "security", site, [cores, (pa,)], criticality=2, machine=True
        )
        fw2 = self._add(
            f"{c}-fw-2", "firewall", "security", site, [cores, (pb,)], criticality=2, machine=True
        )
        site.fws = (fw1, fw2)
        if site.hq:
            r1 = self._add(
                f"{c}-rtr-1", "router", "network", site, [cores, (pa,)], criticality=1, machine=True
            )
            r2 = self._add(
                f"{c}-rtr-2", "router", "network", site, [cores, (pb,)], criticality=1, machine=True
            )
            site.rtrs = (r1, r2)
        else:
            r1 = self._add(
                f"{c}-rtr-1",
                "router",
                "network",
                site,
                [cores, (pa, pb)],
                criticality=2,
                machine=True,
            )
            site.rtrs = (r1,)
            site.wan = self._add(
                f"{c}-wan", "link", "network", site, [(r1,), hq_site.rtrs], criticality=2
            )
        n_dist = max(2, min(8, round(1.2 + n_hyp / 6 + rng.uniform(-0.5, 0.5))))
        for i in range(1, n_dist + 1):
            site.dists.append(
                self._add(
                    f"{c}-dist-{i}",
                    "switch",
                    "network",
                    site,
                    [cores, (pa, pb)],
                    criticality=2,
                    machine=True,
                )
            )
        n = 0
        for d in site.dists:
            for _ in range(rng.choice((1, 1, 2, 2, 3)) if not site.hq else rng.choice((2, 3))):
                n += 1
                site.accs.append(
                    self._add(
                        f"{c}-acc-{n}",
                        "switch",
                        "network",
                        site,
                        [(d,)],
                        criticality=3,
                        machine=True,
                    )
                )
        san_power = (pa, pb) if rng.random() < 0.75 else (pa,)
        site.san = self._add(
            f"{c}-san-01", "storage", "storage", site, [san_power], criticality=1, machine=True
        )
        # hypervisors
        vm_counts = []
        for i in range(1, n_hyp + 1):
            if len(site.dists) >= 2 and rng.random() < 0.8:
                homes = tuple(sorted(rng.sample(site.dists, 2)))
            else:
                homes = (rng.choice(site.dists),)
            site.hyps.append(
                self._add(
                    f"{c}-esx-{i:02d}",
                    "hypervisor",
                    "systems",
                    site,
                    [homes, (site.san,)],
                    criticality=2,
                    machine=True,
                )
            )
            vm_counts.append(rng.randint(5, 13))
        self._build_vms_and_apps(site, vm_counts)
        # physical hosts on access switches
        counters: dict[str, int] = {}
        for acc in site.accs:
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                role = rng.choice(_PHYS_ROLES)
                counters[role] = counters.get(role, 0) + 1
                site.phys.append(
                    self._add(
                        f"{c}-{role}{counters[role]:02d}",
                        "host",
                        "systems",
                        site,
                        [(acc,)],
                        criticality=3,
                        machine=True,
                    )
                )
        # probes, spread over access switches
        accs = list(site.accs)
        rng.shuffle(accs)
        if site.hq:
            names = [("prom", "hq-prom01")]
        else:
            names = [
                ("prtg", f"{c}-prtg01"),
                ("zabbix", f"{c}-zbxproxy01"),
                ("nms", f"{c}-{site.nms}01"),
            ]
            if site.has_prom:
                names.append(("prom", f"{c}-prom01"))
        for k, (what, name) in enumerate(names):
            deps: list[tuple[str, ...]] = [(accs[k % len(accs)],)]
            if site.wan:
                deps.append((site.wan,))
            self._add(name, "probe", "monitoring", site, deps, criticality=2, machine=True)
            self.nodes[name].tags = {"role": what}
            site.probes.append(name)
        # observers
        if site.hq:
            site.observers = {
                "nagios": (None, None),
                "icinga": (None, None),
                "zabbix": ("", None),
                "prtg": ("Local Probe", None),
                "alertmanager": ("hq-prom01", "hq-prom01"),
            }
        else:
            prtg_label = f"{c}-prtg01" if rng.random() < 0.5 else f"{c}-prtg01".upper()
            site.observers = {
                site.nms: (f"{c}-{site.nms}01", f"{c}-{site.nms}01"),
                "zabbix": (f"{c}-zbxproxy01", f"{c}-zbxproxy01"),
                "prtg": (prtg_label, f"{c}-prtg01"),
            }
            if site.has_prom:
                site.observers["alertmanager"] = (f"{c}-prom01", f"{c}-prom01")

    def _build_vms_and_apps(self, site: _Site, vm_counts: list[int]) -> None:
        rng = self.rng
        c = site.code
        total = sum(vm_counts)
        if site.hq:
            n_apps = min(len(_APPS), max(1, total // 6))
            apps = list(_APPS[:n_apps])
        else:
            n_apps = min(4, max(1, total // 7))
            pool = [a for a in _APPS if a[0] in ("pos", "wms", "mail", "shop", "api", "intranet")]
            apps = rng.sample(pool, min(n_apps, len(pool)))
        roles: list[tuple[str, str | None, str]] = []  # (vm role, app, what: web|db|generic)
        for app, _team, engine, role in apps:
            for _ in range(rng.choice((1, 2, 2, 3)) if site.hq else 1):
                roles.append((role, app, "web"))
            if engine is not None:
                roles.append(("db", app, "db"))
        roles = roles[:total]
        while len(roles) < total:
            roles.append((rng.choice(_GENERIC_ROLES), None, "generic"))
        rng.shuffle(roles)
        counters: dict[str, int] = {}
        k = 0
        placed: list[tuple[str, str | None, str]] = []
        for hyp, count in zip(site.hyps, vm_counts, strict=True):
            for _ in range(count):
                role, app, what = roles[k]
                k += 1
                counters[role] = counters.get(role, 0) + 1
                vm = self._add(
                    f"{c}-{role}{counters[role]:02d}",
                    "vm",
                    "systems",
                    site,
                    [(hyp,)],
                    criticality=3,
                    machine=True,
                )
                site.vms.append(vm)
                placed.append((vm, app, what))
        app_info = {a[0]: a for a in _APPS}
        dbs: dict[str, str] = {}
        for vm, app, what in placed:
            if what == "db" and app is not None:
                engine = app_info[app][2]
                db = self._add(f"{c}-{app}-db", "database", "dba", site, [(vm,)], criticality=2)
                self.nodes[db].machine = vm
                self.nodes[db].app = str(engine)
                dbs[app] = db
                site.dbs.append(db)
        web_n: dict[str, int] = {}
        for vm, app, what in placed:
            if what != "web" or app is None:
                continue
            web_n[app] = web_n.get(app, 0) + 1
            deps: list[tuple[str, ...]] = [(vm,)]
            if app in dbs:
                deps.append((dbs[app],))
            team = app_info[app][1]
            node = self._add(
                f"{c}-{app}-{web_n[app]}", "application", team, site, deps, criticality=2
            )
            self.nodes[node].machine = vm
            self.nodes[node].app = "mail" if app == "mail" else "app"
            self.nodes[node].runbook = f"https://wiki.{_DOMAIN}/apps/{app}"
            site.apps.append(node)

    def _build_services(self) -> None:
        by_app: dict[str, list[str]] = {}
        for site in self.sites:
            for node in site.apps:
                app = node[len(site.code) + 1 :].rsplit("-", 1)[0]
                by_app.setdefault(app, []).append(node)
        hq = self.sites[0]
        for app, team, _engine, _role in _APPS:
            members = by_app.get(app, [])
            if not members:
                continue
            if app in _GLOBAL_APPS:
                self._add(f"svc-{app}", "service", team, hq, [tuple(members)], criticality=1)
                continue
            per_site: dict[str, list[str]] = {}
            for m in members:
                per_site.setdefault(self.nodes[m].site, []).append(m)
            for code, group in per_site.items():
                site = next(s for s in self.sites if s.code == code)
                self._add(
                    f"svc-{code}-{app}",
                    "service",
                    team,
                    site,
                    [tuple(group)],
                    criticality=1 if code == "hq" else 2,
                )

    # -- monitoring ---------------------------------------------------------------------

    def _spell(self, machine: str, tool: str) -> str:
        key = (machine, tool)
        got = self.spelling.get(key)
        if got is not None:
            return got
        node = self.nodes[machine]
        assert node.host is not None
        r = self.rng.random()
        cut = {
            "alertmanager": (0.6, 0.8, 0.8),
            "prtg": (0.45, 0.55, 0.85),
            "zabbix": (0.6, 0.8, 0.9),
        }.get(tool, (0.6, 0.9, 0.95))
        if r < cut[0]:
            spelled = node.host
        elif r < cut[1]:
            spelled = f"{node.host}.{node.site}.{_DOMAIN}"
        elif r < cut[2]:
            spelled = node.host.upper()
        else:
            spelled = str(node.address)
            if str(node.address) not in node.entries:
                node.entries.append(str(node.address))
        self.spelling[key] = spelled
        return spelled

    def _timing(self, tool: str) -> tuple[float, int, float, float]:
        rng = self.rng
        if tool in ("nagios", "icinga"):
            return (
                rng.choice((60.0, 60.0, 120.0, 180.0, 300.0)),
                rng.choice((2, 3, 3, 4)),
                rng.choice((30.0, 60.0)),
                rng.choice((0.0, 0.0, 300.0, 900.0, 1800.0, 3600.0)),
            )
        if tool == "zabbix":
            return (
                rng.choice((30.0, 60.0, 60.0)),
                rng.choice((1, 2, 3)),
                0.0,
                rng.choice((0.0, 0.0, 0.0, 900.0, 1800.0)),
            )
        if tool == "prtg":
            return (
                rng.choice((60.0, 60.0, 60.0, 30.0)),
                1,
                rng.choice((0.0, 60.0, 60.0, 120.0)),
                rng.choice((0.0, 0.0, 600.0, 3600.0)),
            )
        return (
            rng.choice((15.0, 30.0, 60.0)),  # scrape interval
            1,
            rng.choice((60.0, 120.0, 300.0)),  # for:
            0.0,
        )

    def _new_check(
        self,
        node: str,
        tool: str,
        machine: str,
        name: str | None,
        category: str,
        severity: str,
        observer: tuple[str | None, str | None],
        *,
        group: str,
        spelled: str | None = None,
    ) -> _Check:
        n = self.nodes[node]
        m = self.nodes[machine]
        host = spelled if spelled is not None else self._spell(machine, tool)
        interval, retries, retry, renotify = self._timing(tool)
        if name is not None and "{host}" in name:
            name = name.replace("{host}", self.zbx_hosts.get(host, host))
        ident: dict[str, Any] = {}
        if tool == "zabbix":
            ident["trigger_id"] = str(13000 + self._uid())
            if host not in self.zbx_hosts:
                self.zbx_hosts[host] = host.upper() if self.rng.random() < 0.3 else host
            ident["visible"] = self.zbx_hosts[host]
            scope = {
                AV: "availability",
                SV: "availability",
                PF: "performance",
                ST: "performance",
                IF: "notice",
                HW: "notice",
                PL: "availability",
                PS: "capacity",
            }[category]
            ident["tags"] = [
                {"tag": "scope", "value": scope},
                {
                    "tag": "class",
                    "value": {"net": "network", "storage": "storage", "hyp": "software"}.get(
                        group, "os"
                    ),
                },
                {"tag": "site", "value": n.site},
            ]
            ident["nseverity"] = (
                ("4" if category in (AV, SV, PL) else "3")
                if severity == "crit"
                else self.rng.choice(("2", "2", "3"))
            )
        elif tool == "prtg":
            if host not in self.prtg_devices:
                self.prtg_devices[host] = 2000 + self._uid()
            ident["deviceid"] = str(self.prtg_devices[host])
            ident["sensorid"] = str(2000 + self._uid())
            ident["group"] = f"{n.site.upper()} / {_PRTG_GROUP.get(group, 'Servers')}"
            crit = n.criticality or 3
            ident["priority"] = "*" * max(2, 6 - crit)
        elif tool == "alertmanager":
            port = _AM_PORT.get(group, 9100)
            labels = {
                "alertname": name,
                "instance": f"{host}:{port}",
                "job": _AM_JOB.get(group, n.app or group)
                if group != "app"
                else f"{n.id.split('-')[1]}",
                "severity": "critical" if severity == "crit" else "warning",
                "prometheus": observer[0],
                "site": n.site,
            }
            if category == PL:
                labels["job"] = "federate"
            ident["labels"] = labels
            ident["fingerprint"] = hashlib.sha256(
                json.dumps(labels, sort_keys=True).encode()
            ).hexdigest()[:16]
        check = _Check(
            idx=len(self.checks),
            node=node,
            tool=tool,
            host=host,
            address=m.address,
            name=name,
            category=category,
            severity=severity,
            observer=observer[1],
            label=observer[0],
            site=n.site,
            machine=machine,
            interval=interval,
            retries=retries,
            retry=retry,
            renotify=renotify,
            ident=ident,
        )
        self.checks.append(check)
        self.by_node.setdefault(node, []).append(check)
        if check.observer is not None:
            self.by_observer.setdefault(check.observer, []).append(check)
        if n.machine != node:  # HOST!CHECK node
            hostpart = host if _is_ip(host) else self._entry_name(m)
            entry = f"{hostpart}!{name}"
            if entry not in n.entries:
                n.entries.append(entry)
        return check

    @staticmethod
    def _entry_name(m: _Node) -> str:
        """How the topology spells a machine: short, or its FQDN for some."""
        return f"{m.host}.{m.site}.{_DOMAIN}" if m.fqdn_entry else str(m.host)

    def _pick_tools(self, site: _Site, kind: str) -> list[str]:
        allowed = [
            (site.nms if t == "nms" else t)
            for t in _TOOLS_FOR[kind]
            if t != "alertmanager" or site.has_prom
        ]
        r = self.rng.random()
        k = 1 if r < 0.35 else 2 if r < 0.8 else 3
        return self.rng.sample(allowed, min(k, len(allowed)))

    def _catalogue(self, tool: str, group: str) -> tuple[tuple[str, str, str], ...]:
        if tool in ("nagios", "icinga"):
            return _NMS_CHECKS[group]
        if tool == "zabbix":
            return _ZBX_CHECKS[group]
        if tool == "prtg":
            return _PRTG_CHECKS[group]
        return _AM_CHECKS[group]

    def _build_monitoring(self) -> None:
        rng = self.rng
        site_of = {s.code: s for s in self.sites}
        hq = self.sites[0]
        for node in list(self.nodes.values()):
            site = site_of[node.site]
            kind = node.kind
            if kind in ("power", "service"):
                continue
            if kind == "link":
                self._monitor_link(node, hq)
                continue
            if kind == "probe":
                self._monitor_probe(node, site, hq)
                continue
            if kind == "switch" and node.id.split("-")[-2] == "acc" and rng.random() < 0.1:
                continue  # an access switch nobody added to monitoring
            if kind in ("vm", "host") and rng.random() < 0.05:
                continue
            group = node.app if kind in ("database", "application") else _GROUP_OF_KIND[kind]
            assert group is not None
            machine = node.machine or node.id
            for tool in self._pick_tools(site, kind):
                observer = site.observers[tool]
                if tool == "alertmanager" and group in ("net", "storage", "hyp"):
                    continue
                catalogue = self._catalogue(tool, group)
                if kind in ("database", "application"):
                    sv = [c for c in catalogue if c[1] == SV]
                    others = [c for c in catalogue if c[1] != SV]
                    chosen = rng.sample(sv, min(len(sv), rng.choice((1, 1, 2))))
                    chosen += rng.sample(others, min(len(others), rng.choice((0, 1, 1))))
                else:
                    av = [c for c in catalogue if c[1] == AV]
                    others = [c for c in catalogue if c[1] != AV]
                    chosen = []
                    if tool in ("nagios", "icinga"):
                        chosen.append((None, AV, "crit"))
                    elif av:
                        chosen.append(av[0] if rng.random() < 0.9 else rng.choice(av))
                        if len(av) > 1 and rng.random() < 0.35:
                            chosen.append(av[1])
                    chosen += rng.sample(others, min(len(others), rng.randint(1, 3)))
                for name, category, severity in chosen:
                    self._new_check(
                        node.id, tool, machine, name, category, severity, observer, group=group
                    )
            if (
                node.machine == node.id
                and rng.random() < 0.4
                and str(node.address) not in node.entries
            ):
                node.entries.append(str(node.address))
        # Nagios parents / PRTG device dependencies, configured per machine
        for node in self.nodes.values():
            if node.machine == node.id:
                if rng.random() < 0.7:
                    self.nagios_parents.add(node.id)
                if rng.random() < 0.4:
                    self.prtg_dependency.add(node.id)

    def _monitor_link(self, node: _Node, hq: _Site) -> None:
        rng = self.rng
        if rng.random() >= 0.4:
            return  # unmonitored WAN link
        code = node.site.upper()
        rtr = rng.choice(hq.rtrs)
        if rng.random() < 0.5:
            port = rng.randint(1, 8)
            name = f"Interface Gi0/0/{port}(WAN-{code}): Link down"
            self._new_check(
                node.id, "zabbix", rtr, name, AV, "crit", hq.observers["zabbix"], group="net"
            )
        else:
            name = f"SNMP Traffic WAN-{code}"
            self._new_check(
                node.id, "prtg", rtr, name, AV, "crit", hq.observers["prtg"], group="net"
            )

    def _monitor_probe(self, node: _Node, site: _Site, hq: _Site) -> None:
        rng = self.rng
        role = node.tags.get("role")
        central = hq.observers["nagios"]
        if rng.random() < 0.5:
            self._new_check(node.id, "nagios", node.id, None, AV, "crit", central, group="server")
        if role == "zabbix":
            self._new_check(
                node.id,
                "zabbix",
                node.id,
                "Zabbix proxy last seen more than 600 seconds ago",
                PL,
                "crit",
                hq.observers["zabbix"],
                group="server",
            )
            if rng.random() < 0.5:
                self._new_check(
                    node.id,
                    "zabbix",
                    node.id,
                    "Utilization of unreachable poller processes is high (over 75% for 5m)",
                    PS,
                    "warn",
                    site.observers["zabbix"],
                    group="server",
                )
        elif role == "nms":
            if site.nms == "icinga":
                self._new_check(
                    node.id, "icinga", node.id, "cluster-zone", PL, "crit", central, group="server"
                )
            elif rng.random() < 0.7:
                self._new_check(
                    node.id,
                    "nagios",
                    node.id,
                    "Satellite heartbeat",
                    PL,
                    "crit",
                    central,
                    group="server",
                )
        elif role == "prtg":
            if rng.random() < 0.5:
                self._new_check(
                    node.id,
                    "prtg",
                    node.id,
                    "Probe Health",
                    PS,
                    "warn",
                    site.observers["prtg"],
                    group="server",
                )
        elif role == "prom":
            if not site.hq:
                self._new_check(
                    node.id,
                    "alertmanager",
                    node.id,
                    "PrometheusTargetMissing",
                    PL,
                    "crit",
                    hq.observers["alertmanager"],
                    group="server",
                    spelled=self._spell(node.id, "alertmanager"),
                )
            if rng.random() < 0.5:
                self._new_check(
                    node.id,
                    "alertmanager",
                    node.id,
                    "PrometheusTooManyTargetsDown",
                    PS,
                    "warn",
                    site.observers["alertmanager"],
                    group="server",
                )

    # -- graph queries --------------------------------------------------------------------

    def closure(self, node: str) -> frozenset[str]:
        """``node`` and everything it depends on, directly or not (any member of a group)."""
        got = self._closure.get(node)
        if got is not None:
            return got
        out = {node}
        stack = [node]
        while stack:
            n = stack.pop()
            for group in self.nodes[n].deps:
                for m in group:
                    if m not in out:
                        cached = self._closure.get(m)
                        if cached is not None:
                            out |= cached
                        else:
                            out.add(m)
                            stack.append(m)
        frozen = frozenset(out)
        self._closure[node] = frozen
        return frozen

    def affected(self, failed: Iterable[str]) -> set[str]:
        """Every node that stops working when ``failed`` all fail (``any_of`` honoured)."""
        out = set(failed)
        queue = list(out)
        while queue:
            n = queue.pop()
            for d in self.dependents[n]:
                if d in out:
                    continue
                if any(all(m in out for m in group) for group in self.nodes[d].deps):
                    out.add(d)
                    queue.append(d)
        return out

    def topology(self) -> dict[str, Any]:
        nodes = []
        for n in self.nodes.values():
            rec: dict[str, Any] = {"id": n.id, "kind": n.kind}
            if n.team != "service-desk":
                rec["team"] = n.team
            rec["site"] = n.site
            if n.criticality is not None:
                rec["criticality"] = n.criticality
            if n.tags:
                rec["tags"] = dict(n.tags)
            if n.runbook:
                rec["runbook"] = n.runbook
            checks = self.by_node.get(n.id)
            if checks and n.machine == n.id:
                first = self._entry_name(n)
                rec["monitored_as"] = [first, *[e for e in n.entries if e != first]]
            elif checks:
                rec["monitored_as"] = list(n.entries)
            if n.deps:
                rec["depends_on"] = [g[0] if len(g) == 1 else {"any_of": list(g)} for g in n.deps]
            nodes.append(rec)
        return {"version": 1, "defaults": {"team": "service-desk"}, "nodes": nodes}


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------
# Simulation: faults become episodes of checks
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Episode:
    check: _Check
    start: float  # source time of the problem
    end: float | None  # source time of the recovery (None: still failing at the end)
    state: str  # down | unreachable | critical | warning | unknown | paused
    truth: int
    text: str
    renotify: list[float] = field(default_factory=list)
    ack: float | None = None
    downtime: bool = False
    silent: bool = False  # Nagios flapping: no notifications
    change: tuple[float, str] | None = None  # a later state change within the episode
    soft_at: float | None = None  # Icinga: a SOFT state change precedes the HARD one


@dataclass(slots=True)
class _Notice:
    at: float
    check: _Check
    what: str  # downtime-start | downtime-end | flapping-start | flapping-stop
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Fault:
    kind: str
    root: str | None
    mode: str
    start: float
    end: float | None
    site: str | None
    failing: dict[str, float] = field(default_factory=dict)  # node -> failure time (roots)
    affected: dict[str, tuple[float, str]] = field(default_factory=dict)  # node -> onset, mode
    blind: dict[str, tuple[float, str]] = field(default_factory=dict)  # probe -> onset, mode
    footprint: set[str] = field(default_factory=set)
    compound: bool = False
    equivalent: tuple[str, ...] = ()
    maintenance: bool = False
    watched: tuple[str, ...] = ()

    @property
    def span(self) -> tuple[float, float]:
        return (self.start - 600.0, (self.end if self.end is not None else math.inf) + 2400.0)


def _child_mode(parent_mode: str, parent_kind: str, kind: str) -> str:
    machine = kind in ("hypervisor", "vm", "host")
    if parent_mode == "down":
        return "storage" if parent_kind == "storage" and machine else "down"
    if parent_mode == "storage":
        return "storage" if machine else "down"
    if parent_mode in ("degraded", "impaired"):
        return "impaired"
    if parent_mode in ("latency-root", "slow"):
        return "slow" if machine else "impaired"
    return "down"


class _Sim:
    """Plans faults on a world and turns them into check episodes."""

    def __init__(self, world: World, rng: random.Random, horizon: float) -> None:
        self.w = world
        self.rng = rng
        self.horizon = horizon
        self.faults: list[_Fault] = []
        self.episodes: list[_Episode] = []
        self.notices: list[_Notice] = []
        self.site_of = {s.code: s for s in world.sites}
        w = world
        self.roots: dict[str, list[str]] = {
            "redundant-member": [
                n
                for s in w.sites
                for n in (*s.cores, *s.fws, *(s.rtrs if s.hq else ()))
                if n in w.by_node
            ],
            "core-pair": [s.code for s in w.sites],
            "dist-down": [n for s in w.sites for n in s.dists],
            "access-down": [n for s in w.sites for n in s.accs if w.dependents[n]],
            "hypervisor-down": [n for s in w.sites for n in s.hyps],
            "san-down": [s.san for s in w.sites],
            "wan-down": [str(s.wan) for s in w.sites if s.wan],
            "pdu-down": [p for s in w.sites for p in s.pdus],
            "vm-down": [n for s in w.sites for n in s.vms],
            "db-down": [n for s in w.sites for n in s.dbs if n in w.by_node],
            "app-down": [n for s in w.sites for n in s.apps if n in w.by_node],
            "gray": [
                n for s in w.sites for n in (*s.dists, *s.accs, *s.hyps, *s.dbs) if n in w.by_node
            ],
            "storage-latency": [s.san for s in w.sites if s.san in w.by_node],
            "probe": [n for s in w.sites for n in s.probes if w.by_observer.get(n)],
        }

    # -- detection timing ---------------------------------------------------------------

    def _delay(self, c: _Check) -> float:
        u = self.rng.uniform
        if c.tool in ("nagios", "icinga"):
            return u(0, c.interval) + (c.retries - 1) * c.retry + u(0.5, 3)
        if c.tool == "zabbix":
            return u(20, 20 + c.interval) + (c.retries - 1) * c.interval + u(0.2, 2)
        if c.tool == "prtg":
            return u(0, c.interval) + c.retry + u(1, 5)
        return u(0, c.interval) + u(0, 30) + c.retry  # Prometheus: scrape + eval + for:

    def _blind_delay(self, c: _Check, mode: str) -> float:
        u = self.rng.uniform
        if mode == "targets":
            return self._delay(c)
        if c.tool == "prtg":
            return u(120, 420)
        if c.tool == "nagios":
            return u(300, 900)  # freshness threshold of passive results
        if c.tool == "icinga":
            return u(60, 300)
        return u(300, 420)  # Zabbix nodata(5m)

    def _recover_delay(self, c: _Check) -> float:
        u = self.rng.uniform
        if c.tool in ("nagios", "icinga"):
            return u(0, c.interval) + u(0.5, 3)
        if c.tool == "zabbix":
            return u(0, c.interval) + u(5, 30)
        if c.tool == "prtg":
            return u(0, c.interval) + u(1, 5)
        return u(0, c.interval) + u(0, 30)

    # -- what can fail ----------------------------------------------------------------------

    def _blind_p(self, c: _Check, mode: str) -> float:
        if c.tool == "prtg":
            return 0.95 if (mode == "disconnected" or c.category == AV) else 0.7
        if c.tool in ("nagios", "icinga"):
            if c.category == AV:
                return 0.95
            return 0.9 if mode == "disconnected" else 0.6
        if c.tool == "zabbix":
            if c.category != AV:
                return 0.0
            return 0.95 if (mode == "targets" or self.site_of[c.site].zabbix_strict) else 0.0
        return 0.95 if (mode == "targets" and c.category == AV) else 0.0

    def _node_p(self, c: _Check, mode: str) -> float:
        node = self.w.nodes[c.node]
        if mode == "down" and node.kind in ("application", "database"):
            return _APP_DOWN_P[c.tool] if c.category == SV else 0.3
        if mode == "down" and c.category not in (AV, PL):
            if c.tool == "zabbix":
                return 0.5 if c.category == SV else 0.0
            if c.tool == "alertmanager":
                return 0.3 if c.category == SV else 0.0
            if c.tool == "prtg":
                return 0.6
        return _MODE_P[mode][c.category]

    def possible(self, affected: Mapping[str, str], blind: Mapping[str, str]) -> set[int]:
        """Checks that can fail when ``affected`` nodes are in their modes (no luck involved)."""
        out: set[int] = set()
        for probe, bmode in blind.items():
            for c in self.w.by_observer.get(probe, ()):
                if self._blind_p(c, bmode) > 0:
                    out.add(c.idx)
        for node, mode in affected.items():
            for c in self.w.by_node.get(node, ()):
                if c.observer in blind:
                    continue  # a blind observer reports nothing about the node itself
                if self._node_p(c, mode) > 0:
                    out.add(c.idx)
        return out

    def _modes_for(self, root: str, mode: str) -> tuple[dict[str, str], dict[str, str]]:
        """Modes of every affected node, and blinded probes, for a single failing root."""
        w = self.w
        modes = {root: mode}
        blind: dict[str, str] = {}
        if mode == "self":
            blind[root] = "targets"
            return modes, blind
        queue = [root]
        while queue:
            n = queue.pop(0)
            for d in w.dependents[n]:
                if d in modes:
                    continue
                if any(all(m in modes for m in g) for g in w.nodes[d].deps):
                    modes[d] = _child_mode(modes[n], w.nodes[n].kind, w.nodes[d].kind)
                    queue.append(d)
        for n, m in modes.items():
            if w.nodes[n].kind == "probe" and m == "down":
                blind[n] = "disconnected"
        return modes, blind

    # -- planning -------------------------------------------------------------------------

    def _choose(self, kind: str) -> str | None:
        pool = self.roots.get(kind) or []
        return self.rng.choice(pool) if pool else None

    def plan(self, kind: str, start: float, duration: float | None) -> _Fault | None:
        w = self.w
        rng = self.rng
        end = None if duration is None else start + duration
        target = self._choose(kind)
        if target is None:
            return None
        if kind == "core-pair":
            site = self.site_of[target]
            first, second = site.cores if rng.random() < 0.5 else site.cores[::-1]
            gap = rng.uniform(180, 900)
            fault = _Fault(kind, first, "down", start, end, site.code, compound=True)
            fault.failing = {first: start, second: start + gap}
        else:
            mode = {
                "gray": "degraded",
                "storage-latency": "latency-root",
            }.get(kind, "down")
            if kind == "probe":
                role = w.nodes[target].tags.get("role")
                p_targets = 0.4 if role in ("prtg", "nms") else 0.7
                if w.nodes[target].id == "hq-prom01":
                    p_targets = 1.0
                mode = "self" if rng.random() < p_targets else "down"
            fault = _Fault(kind, target, mode, start, end, w.nodes[target].site)
            fault.failing = {target: start}
        self._propagate(fault)
        fault.footprint = set(fault.affected) | set(fault.blind)
        for probe in fault.blind:
            fault.footprint |= {c.node for c in w.by_observer.get(probe, ())}
        if kind == "probe":
            fault.watched = tuple(sorted({c.node for c in w.by_observer[target]} - {target}))
        return fault

    def _propagate(self, fault: _Fault) -> None:
        """Onset time and mode of every affected node, with propagation delays."""
        w = self.w
        rng = self.rng
        failed: dict[str, tuple[float, str]] = {}
        heap: list[tuple[float, str]] = []
        for node, t in fault.failing.items():
            failed[node] = (t, fault.mode)
            heapq.heappush(heap, (t, node))
        if fault.mode == "self":
            fault.affected = failed
            fault.blind = {fault.root or "": (fault.start, "targets")}
            return
        done: set[str] = set()
        while heap:
            t, n = heapq.heappop(heap)
            if n in done:
                continue
            done.add(n)
            pmode = failed[n][1]
            pkind = w.nodes[n].kind
            for d in w.dependents[n]:
                if d in failed:
                    continue
                best: float | None = None
                for g in w.nodes[d].deps:
                    if all(m in done for m in g):
                        tg = max(failed[m][0] for m in g)
                        best = tg if best is None else min(best, tg)
                if best is None:
                    continue
                dkind = w.nodes[d].kind
                mode = _child_mode(pmode, pkind, dkind)
                if mode == "slow":
                    lag = rng.uniform(60, 600) if dkind == "hypervisor" else rng.uniform(120, 600)
                elif mode == "impaired" and pmode in ("latency-root", "slow"):
                    lag = rng.uniform(60, 600)
                elif mode == "impaired":
                    lag = rng.uniform(10, 120)
                elif mode == "storage":
                    lag = rng.uniform(5, 60) if dkind == "hypervisor" else rng.uniform(30, 180)
                elif dkind in ("application", "database"):
                    lag = rng.uniform(5, 90)
                else:
                    lag = rng.uniform(0.2, 5)
                failed[d] = (best + lag, mode)
                heapq.heappush(heap, (best + lag, d))
        fault.affected = failed
        fault.blind = {
            n: (t, "disconnected")
            for n, (t, m) in failed.items()
            if w.nodes[n].kind == "probe" and m == "down"
        }

    def conflicts(self, fault: _Fault) -> bool:
        """Whether ``fault`` overlaps a planned one (same nodes, or a combined failure)."""
        lo, hi = fault.span
        for other in self.faults:
            olo, ohi = other.span
            if olo > hi or lo > ohi:
                continue
            if fault.footprint & other.footprint:
                return True
            if other.kind in OTHER_KINDS:
                continue
            if fault.kind in OTHER_KINDS:
                continue
            together = self.w.affected([*fault.failing, *other.failing])
            if together != set(fault.affected) | set(other.affected):
                return True
            if fault.site == other.site and self._shared_hidden_cause(fault, other):
                return True
        return False

    def _shared_hidden_cause(self, a: _Fault, b: _Fault) -> bool:
        """An unmonitored node whose failure alone would explain both faults."""
        w = self.w
        ra = a.root or ""
        rb = b.root or ""
        common = w.closure(ra) & w.closure(rb)
        union = set(a.affected) | set(b.affected)
        for c in sorted(common):
            if w.by_node.get(c):
                continue
            if union <= w.affected([c]):
                return True
        return False

    # -- realisation ----------------------------------------------------------------------

    def realise(self, fault: _Fault, truth: int) -> list[_Episode] | None:
        """Draw which checks fire and when; re-draw until the root is identifiable."""
        for _ in range(25):
            episodes = self._draw(fault, truth)
            fired = {e.check.idx for e in episodes}
            if not fired:
                continue
            if fault.compound:
                # each member's loss is seen, the first one's before the second fails:
                # otherwise no one could tell that (or which) the whole group was lost
                (first, _t1), (second, t2) = sorted(fault.failing.items(), key=lambda x: x[1])
                seen_first = [e.start for e in episodes if e.check.node == first]
                if (
                    seen_first
                    and min(seen_first) < t2
                    and any(e.check.node == second for e in episodes)
                ):
                    return episodes
                continue
            ok, equivalent = self._identifiable(fault, fired)
            if ok:
                fault.equivalent = equivalent
                return episodes
        return None

    def _identifiable(self, fault: _Fault, fired: set[int]) -> tuple[bool, tuple[str, ...]]:
        w = self.w
        root = fault.root
        assert root is not None
        modes = {n: m for n, (_t, m) in fault.affected.items()}
        blind = {n: m for n, (_t, m) in fault.blind.items()}
        possible_root = self.possible(modes, blind)
        nodes_root = set(modes) | set(blind)
        candidates: set[str] | None = None
        for idx in fired:
            c = w.checks[idx]
            reach = w.closure(c.node)
            if c.observer is not None:
                reach = reach | w.closure(c.observer)
            candidates = set(reach) if candidates is None else candidates & reach
            if not candidates:
                break
        equivalent: list[str] = []
        for cand in sorted(candidates or ()):
            if cand == root:
                continue
            mode = fault.mode
            if mode == "self" and w.nodes[cand].kind != "probe":
                mode = "down"
            elif mode == "latency-root" and w.nodes[cand].kind != "storage":
                mode = "degraded"
            cmodes, cblind = self._modes_for(cand, mode)
            possible = self.possible(cmodes, cblind)
            if not fired <= possible:
                continue
            if possible == possible_root:
                equivalent.append(cand)
            elif possible < possible_root or (set(cmodes) | set(cblind)) < nodes_root:
                return False, ()  # a more specific explanation fits what was seen
        return True, tuple(equivalent)

    def _state_for(self, c: _Check, mode: str | None, blind: str | None) -> tuple[str, str]:
        """Abstract problem state and the tool's output text."""
        rng = self.rng
        addr = c.address or c.host
        if blind == "disconnected":
            if c.tool == "prtg":
                return "unknown", "No data: the probe is disconnected (PE131)"
            if c.tool == "nagios":
                if c.category == AV:
                    return "down", "CRITICAL: no passive check result for 900s (stale)"
                return "unknown", "UNKNOWN: service results are stale"
            if c.tool == "icinga":
                if c.category == AV:
                    return (
                        "down",
                        f"Remote Icinga instance '{c.label}' is not connected to 'master'",
                    )
                return "unknown", f"Remote Icinga instance '{c.label}' is not connected to 'master'"
            return "critical", "No data received for 5m"
        if blind == "targets":
            if c.category == AV:
                if c.tool == "prtg":
                    return "down", "Destination host unreachable (ICMP error # 11003)"
                return "down", f"CRITICAL - Host Unreachable ({addr})"
            if c.tool == "prtg":
                return (
                    ("down", "Timeout (code: PE018)")
                    if rng.random() < 0.6
                    else ("unknown", "No response (code: PE013)")
                )
            return "unknown", "CHECK_NRPE: Socket timeout after 10 seconds."
        assert mode is not None
        cat = c.category
        if mode == "down":
            if cat == AV:
                if c.tool == "prtg":
                    return "down", "Destination host unreachable (ICMP error # 11003)"
                return "down", "PING CRITICAL - Packet loss = 100%"
            if cat == PL:
                return "critical", "CRITICAL - connection to the server lost"
            if cat == SV:
                if c.name and "HTTP" in c.name:
                    return "critical", rng.choice(
                        (
                            (
                                "HTTP CRITICAL - Invalid HTTP response received from host "
                                "on port 443: HTTP/1.1 503 Service Unavailable"
                            ),
                            f"connect to address {addr} and port 80: No route to host",
                            "CRITICAL - Socket timeout after 10 seconds",
                        )
                    )
                return "critical", rng.choice(
                    (
                        f"connect to address {addr}: Connection refused",
                        "CRITICAL - Socket timeout after 10 seconds",
                    )
                )
            if c.tool == "prtg":
                return "down", "No response (code: PE013)"
            return "unknown", "CHECK_NRPE: Socket timeout after 10 seconds."
        if mode == "storage":
            if cat == ST:
                return "critical", "CRITICAL - datastore inaccessible: all paths down"
            if cat == AV:
                return "down", "Zabbix agent is not available (for 3m)" if c.tool == "zabbix" else (
                    "CRITICAL - Socket timeout after 10 seconds"
                )
            if cat == PF:
                return "critical", "CRITICAL - iowait 98%"
            return "critical", "CRITICAL - Socket timeout after 30 seconds"
        if mode in ("impaired", "slow"):
            if cat == SV:
                return "critical", "CRITICAL - Socket timeout after 10 seconds"
            if cat == ST:
                return "warning", "WARNING - read latency 85 ms"
            if cat == AV:
                return "down", "PING CRITICAL - Packet loss = 60%"
            return "warning", "WARNING - response time 4.2 s"
        if mode in ("degraded", "latency-root"):
            if cat == IF:
                return "warning", "WARNING - 1242 input errors/s, CRC errors rising"
            if cat == ST:
                return "warning", "WARNING - volume latency 48 ms"
            if cat == SV:
                return "warning", "WARNING - slow response 6.1 s"
            return "warning", "WARNING - packet loss 7%, rta 180 ms"
        if mode == "self":
            return "warning", "WARNING - 92% of targets unreachable"
        return "critical", "CRITICAL"

    def _draw(self, fault: _Fault, truth: int) -> list[_Episode]:
        w = self.w
        rng = self.rng
        episodes: list[_Episode] = []
        considered: dict[int, tuple[_Check, float, str | None, tuple[float, str] | None]] = {}
        for probe, (t, bmode) in fault.blind.items():
            for c in w.by_observer.get(probe, ()):
                considered[c.idx] = (c, t, None, (t, bmode))
        for node, (t, mode) in fault.affected.items():
            for c in w.by_node.get(node, ()):
                prev = considered.get(c.idx)
                if prev is not None:
                    # blind already; the node's own failure wins if it is seen first
                    bt = prev[3][0] if prev[3] else math.inf
                    if t + 60 < bt:
                        considered[c.idx] = (c, t, mode, None)
                    continue
                considered[c.idx] = (c, t, mode, None)
        host_down: dict[tuple[str, str | None], float] = {}
        drafts: list[tuple[_Check, float, str, str, float | None]] = []
        paused_device: dict[str, bool] = {}
        for idx in sorted(considered):
            c, onset, mode, blind = considered[idx]
            if blind is not None:
                p = self._blind_p(c, blind[1])
                state, text = self._state_for(c, None, blind[1])
                detect = onset + self._blind_delay(c, blind[1])
            else:
                assert mode is not None
                p = self._node_p(c, mode)
                state, text = self._state_for(c, mode, None)
                detect = onset + self._delay(c)
            if p <= 0 or rng.random() >= p * (1 - MISS):
                continue
            if mode == "down" and c.tool == "prtg" and blind is None and c.node != fault.root:
                paused = paused_device.get(c.host)
                if paused is None:
                    paused = c.machine in w.prtg_dependency and self._parent_failed(
                        c, fault, "prtg"
                    )
                    paused_device[c.host] = paused
                if paused:
                    state, text = "paused", "Paused by dependency"
            end = self._end_of(c, fault)
            if end is not None and end <= detect:
                continue
            drafts.append((c, detect, state, text, end))
            if c.tool in ("nagios", "icinga") and c.name is None:
                host_down[(c.host, c.label)] = detect
        for c, detect, state, text, end in drafts:
            if c.tool == "nagios" and c.name is not None:
                hd = host_down.get((c.host, c.label))
                if hd is not None and detect > hd:
                    continue  # Nagios sends no service notifications while the host is down
            ep = _Episode(c, detect, end, state, truth, text)
            if (
                c.tool == "nagios"
                and c.name is None
                and state == "down"
                and c.node != fault.root
                and c.machine in w.nagios_parents
                and self._parent_failed(c, fault, "nagios")
            ):
                r = rng.random()
                if r < 0.5:
                    ep.state = "unreachable"
                    ep.text = f"CRITICAL - Host Unreachable ({c.address})"
                elif r < 0.65:
                    ep.change = (detect + rng.uniform(30, 240), "unreachable")
            if (
                fault.mode == "latency-root"
                and c.category == ST
                and ep.state == "warning"
                and rng.random() < 0.6
            ):
                ep.change = (detect + rng.uniform(300, 900), "critical")
            if c.tool == "icinga" and c.retries > 1 and rng.random() < 0.3:
                onset = considered[c.idx][1]
                soft = detect - (c.retries - 1) * c.retry
                if soft > onset + 1:
                    ep.soft_at = soft
            self._renotify(ep)
            episodes.append(ep)
        if (
            episodes
            and fault.end is not None
            and fault.end - fault.start > 600
            and rng.random() < 0.35
        ):
            first = min(
                (e for e in episodes if e.check.tool != "alertmanager"),
                key=lambda e: e.start,
                default=None,
            )
            if first is not None:
                t = first.start + rng.uniform(300, 1500)
                if first.end is None or t < first.end:
                    first.ack = t
        return episodes

    def _parent_failed(self, c: _Check, fault: _Fault, tool: str) -> bool:
        """A direct dependency of the host is down and watched by the same tool instance."""
        w = self.w
        for g in w.nodes[c.machine].deps:
            for p in g:
                got = fault.affected.get(p)
                if got is None or got[1] != "down":
                    continue
                if any(pc.tool == tool and pc.label == c.label for pc in w.by_node.get(p, ())):
                    return True
        return False

    def _end_of(self, c: _Check, fault: _Fault) -> float | None:
        if fault.end is None:
            return None
        rng = self.rng
        node = self.w.nodes[c.node]
        if c.node in fault.failing:
            back = fault.end + (fault.failing[c.node] - fault.start)
        else:
            kind = node.kind
            _onset, mode = fault.affected.get(c.node, (fault.start, "down"))
            if mode in ("storage", "slow") and kind == "vm":
                back = fault.end + rng.uniform(120, 900)  # guests hung on I/O need a reboot
            elif kind in ("application", "database"):
                back = fault.end + rng.uniform(30, 300)
            elif kind == "hypervisor":
                back = fault.end + rng.uniform(20, 240)
            else:
                back = fault.end + rng.uniform(2, 60)
        if c.observer in fault.blind:
            back = max(back, fault.end + rng.uniform(10, 120))
        end = back + self._recover_delay(c)
        return end if end < self.horizon else None

    def _renotify(self, ep: _Episode) -> None:
        c = ep.check
        if c.renotify <= 0 or c.tool == "alertmanager":
            return
        stop = ep.end if ep.end is not None else self.horizon
        t = ep.start + c.renotify
        while t < stop and len(ep.renotify) < 12:
            ep.renotify.append(t)
            t += c.renotify

    # -- faults that are not failures ---------------------------------------------------------

    def noise(self, truth: int, start: float) -> tuple[_Fault, list[_Episode]] | None:
        w = self.w
        rng = self.rng
        duration = rng.uniform(120, 3600) if rng.random() < 0.75 else None
        end = None if duration is None else start + duration
        if rng.random() < 0.04:
            return self._unplaced_noise(truth, start, end)
        pool = [
            c for c in w.checks if c.category in (PF, HW, ST) and w.nodes[c.node].kind != "probe"
        ]
        if not pool:
            return None
        c = rng.choice(pool)
        fault = _Fault("noise", c.node, "noise", start, end, w.nodes[c.node].site)
        fault.footprint = {c.node}
        if self.conflicts(fault):
            return None
        state = "warning" if c.severity == "warn" or rng.random() < 0.7 else "critical"
        text = {
            PF: "WARNING - load average: 7.12, 6.80, 5.95",
            HW: "WARNING - fan 2 speed below threshold",
            ST: "WARNING - disk latency 35 ms",
        }[c.category]
        if state == "critical":
            text = text.replace("WARNING", "CRITICAL")
        if c.tool == "prtg" and rng.random() < 0.2:
            state, text = "unusual", "Unusual value: 94 % is outside the typical range"
        real_end = None if end is None or end + 1 >= self.horizon else end
        ep = _Episode(c, start, real_end, state, truth, text)
        self._renotify(ep)
        return fault, [ep]

    def _unplaced_noise(
        self, truth: int, start: float, end: float | None
    ) -> tuple[_Fault, list[_Episode]] | None:
        rng = self.rng
        n = rng.randint(1, 99)
        host = rng.choice((f"lab-test-{n:02d}", f"tmp-vm-{n:03d}", f"LAPTOP-{n:04d}"))
        tool = rng.choice(("nagios", "zabbix", "prtg"))
        name = {
            "nagios": "Disk /",
            "zabbix": "/: Disk space is low (used > 80%)",
            "prtg": "SSH Disk Free",
        }[tool]
        check = _Check(
            idx=-1,
            node="",
            tool=tool,
            host=host,
            address=None,
            name=name,
            category=PF,
            severity="warn",
            observer=None,
            label={"nagios": None, "zabbix": "", "prtg": "Local Probe"}[tool],
            site="hq",
            machine="",
            interval=60.0,
            retries=1,
            retry=60.0,
            renotify=0.0,
            ident={
                "trigger_id": str(90000 + n),
                "visible": host,
                "nseverity": "2",
                "tags": [{"tag": "scope", "value": "capacity"}],
                "deviceid": str(9000 + n),
                "sensorid": str(9500 + n),
                "group": "Lab",
                "priority": "**",
            },
        )
        fault = _Fault("noise", None, "noise", start, end, None)
        real_end = None if end is None or end + 1 >= self.horizon else end
        return fault, [_Episode(check, start, real_end, "warning", truth, "WARNING - 84% used")]

    def flapping(self, truth: int, start: float) -> tuple[_Fault, list[_Episode]] | None:
        w = self.w
        rng = self.rng
        pool = [c for c in w.checks if c.category in (SV, PF) and w.nodes[c.node].kind != "probe"]
        c = rng.choice(pool)
        cycles = rng.randint(4, 8)
        t = start
        spans = []
        for _ in range(cycles):
            up = t + rng.uniform(60, 420)
            spans.append((t, up))
            t = up + rng.uniform(60, 600)
        fault = _Fault("flapping", c.node, "flap", start, spans[-1][1], w.nodes[c.node].site)
        fault.footprint = {c.node}
        if spans[-1][1] >= self.horizon or self.conflicts(fault):
            return None
        state = "warning" if c.severity == "warn" else "critical"
        text = (
            "WARNING - response time 3.9 s"
            if state == "warning"
            else "CRITICAL - Socket timeout after 10 seconds"
        )
        episodes = [_Episode(c, a, b, state, truth, text) for a, b in spans]
        if c.tool == "nagios":
            detected = episodes[2].start + rng.uniform(1, 30)
            self.notices.append(_Notice(detected, c, "flapping-start"))
            for ep in episodes[3:]:
                ep.silent = True
            self.notices.append(_Notice(spans[-1][1] + rng.uniform(600, 1200), c, "flapping-stop"))
        elif c.tool == "icinga":
            self.notices.append(
                _Notice(episodes[2].start + rng.uniform(1, 30), c, "flapping-start")
            )
        return fault, episodes

    def maintenance(self, truth: int, start: float) -> tuple[_Fault, list[_Episode]] | None:
        w = self.w
        rng = self.rng
        pool = []
        for s in w.sites:
            for vm in s.vms:
                deps = w.dependents[vm]
                if any(w.nodes[d].kind == "database" for d in deps):
                    continue
                checks = w.by_node.get(vm, [])
                nms = [c for c in checks if c.tool in ("nagios", "icinga") and c.name is None]
                if nms and len({c.tool for c in checks}) >= 2:
                    pool.append(vm)
        if not pool:
            return None
        vm = rng.choice(pool)
        nms_check = next(
            c for c in w.by_node[vm] if c.tool in ("nagios", "icinga") and c.name is None
        )
        window = rng.uniform(1800, 3600)
        reboot = start + rng.uniform(60, 600)
        back = reboot + rng.uniform(120, 600)
        fault = _Fault("maintenance", vm, "down", reboot, back, w.nodes[vm].site, maintenance=True)
        fault.failing = {vm: reboot}
        self._propagate(fault)
        fault.footprint = set(fault.affected)
        if start + window >= self.horizon or self.conflicts(fault):
            return None
        for _ in range(10):
            episodes = self._draw(fault, truth)
            for ep in episodes:
                ep.ack = None
                if ep.check.tool == nms_check.tool and ep.check.machine == vm:
                    ep.downtime = True
            # Nagios stays silent under a downtime: something else must have said something
            if any(ep.check.tool != "nagios" or not ep.downtime for ep in episodes):
                break
        else:
            return None
        tool_checks = [c for c in w.by_node[vm] if c.tool == nms_check.tool]
        for node in fault.affected:
            tool_checks += [
                c
                for c in w.by_node.get(node, ())
                if c.tool == nms_check.tool and c.machine == vm and c.node != vm
            ]
        extra = {
            "start": start,
            "end": start + window,
            "author": rng.choice(("jdoe", "asmith", "ops-automation")),
        }
        for c in tool_checks:
            self.notices.append(
                _Notice(
                    start + (0 if c.name is None else rng.uniform(0.1, 2)),
                    c,
                    "downtime-start",
                    extra,
                )
            )
            self.notices.append(
                _Notice(start + window + rng.uniform(0, 2), c, "downtime-end", extra)
            )
        fault.start = start
        return fault, episodes


# --------------------------------------------------------------------------------------
# Rendering: episodes become native payloads
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Raw:
    at: float
    seq: int
    source: str
    payload: dict[str, Any]
    observer: str | None
    truths: frozenset[int]  # non-empty: a problem event of these incidents


class _Renderer:
    def __init__(self, world: World, rng: random.Random, horizon: float) -> None:
        self.w = world
        self.rng = rng
        self.horizon = horizon
        self.out: list[_Raw] = []
        self.seq = 0
        self.nagios_pid = 4100
        self.zbx_eid = 51000
        self.prev_pid: dict[int, str] = {}
        self.am_changes: list[tuple[float, int, str, _Episode]] = []

    def emit(
        self, at: float, c: _Check, payload: dict[str, Any], truths: Iterable[int] = ()
    ) -> None:
        if at >= self.horizon:
            return
        self.seq += 1
        observer = c.label if c.tool in ("nagios", "icinga") else None
        self.out.append(_Raw(round(at, 3), self.seq, c.tool, payload, observer, frozenset(truths)))

    def arrival(self, t: float) -> float:
        r = self.rng.random()
        if r < 0.03:
            return t + self.rng.uniform(10, 45)  # a queued notification, out of order
        return t + self.rng.uniform(0.2, 3.0)

    # -- per tool ------------------------------------------------------------------------

    def episode(self, ep: _Episode) -> None:
        tool = ep.check.tool
        if tool == "nagios":
            self._nagios(ep)
        elif tool == "icinga":
            self._icinga(ep)
        elif tool == "zabbix":
            self._zabbix(ep)
        elif tool == "prtg":
            self._prtg(ep)
        else:
            self.seq += 1
            self.am_changes.append((ep.start, self.seq, "firing", ep))
            if ep.end is not None:
                self.am_changes.append((ep.end, self.seq, "resolved", ep))

    def _nagios_base(self, c: _Check, t: float, kind: str) -> dict[str, Any]:
        p: dict[str, Any] = {"NOTIFICATIONTYPE": kind, "HOSTNAME": c.host}
        if c.address and self.rng.random() < 0.9:
            p["HOSTADDRESS"] = c.address
        p["TIMET"] = str(int(t))
        if self.rng.random() < 0.3:
            p["LONGDATETIME"] = datetime.fromtimestamp(t, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        return p

    def _nagios_problem(
        self, c: _Check, t: float, state: str, text: str, pid: str, kind: str = "PROBLEM"
    ) -> dict[str, Any]:
        p = self._nagios_base(c, t, kind)
        if c.name is None:
            p["HOSTSTATE"] = {"unreachable": "UNREACHABLE"}.get(state, "DOWN")
            p["HOSTSTATETYPE"] = "HARD"
            p["HOSTOUTPUT"] = text
            p["HOSTPROBLEMID"] = pid
            p["LASTHOSTPROBLEMID"] = self.prev_pid.get(c.idx, "0")
        else:
            p["SERVICEDESC"] = c.name
            p["SERVICESTATE"] = {"warning": "WARNING", "unknown": "UNKNOWN"}.get(state, "CRITICAL")
            p["SERVICESTATETYPE"] = "HARD"
            p["SERVICEOUTPUT"] = text
            p["SERVICEPROBLEMID"] = pid
            p["LASTSERVICEPROBLEMID"] = self.prev_pid.get(c.idx, "0")
            if self.rng.random() < 0.4:
                p["HOSTSTATE"] = "UP"
        return p

    def _nagios(self, ep: _Episode) -> None:
        c = ep.check
        self.nagios_pid += 1
        pid = str(self.nagios_pid)
        truths = (ep.truth,)
        if not ep.downtime and not ep.silent:
            self.emit(
                self.arrival(ep.start),
                c,
                self._nagios_problem(c, ep.start, ep.state, ep.text, pid),
                truths,
            )
            for t in ep.renotify:
                self.emit(
                    self.arrival(t), c, self._nagios_problem(c, t, ep.state, ep.text, pid), truths
                )
            if ep.change is not None:
                t, state = ep.change
                if ep.end is None or t < ep.end:
                    later = self._nagios_problem(
                        c,
                        t,
                        state,
                        f"CRITICAL - Host Unreachable ({c.address})"
                        if state == "unreachable"
                        else ep.text.replace("WARNING", "CRITICAL"),
                        pid,
                    )
                    if state == "unreachable":
                        later["HOSTPROBLEMID"] = "0"
                        later["LASTHOSTPROBLEMID"] = pid
                    self.emit(self.arrival(t), c, later, truths)
            if ep.ack is not None:
                p = self._nagios_problem(c, ep.ack, ep.state, ep.text, pid, "ACKNOWLEDGEMENT")
                p["NOTIFICATIONAUTHOR"] = self.rng.choice(("noc-oncall", "mlopez", "tkaya"))
                p["NOTIFICATIONCOMMENT"] = "looking into it"
                self.emit(self.arrival(ep.ack), c, p)
        if ep.end is not None and not ep.downtime and not ep.silent:
            p = self._nagios_base(c, ep.end, "RECOVERY")
            if c.name is None:
                p.update(
                    {
                        "HOSTSTATE": "UP",
                        "HOSTSTATETYPE": "HARD",
                        "HOSTOUTPUT": "PING OK - Packet loss = 0%, RTA = 0.62 ms",
                        "HOSTPROBLEMID": "0",
                        "LASTHOSTPROBLEMID": pid,
                    }
                )
            else:
                p.update(
                    {
                        "SERVICEDESC": c.name,
                        "SERVICESTATE": "OK",
                        "SERVICESTATETYPE": "HARD",
                        "SERVICEOUTPUT": "OK",
                        "SERVICEPROBLEMID": pid,
                        "LASTSERVICEPROBLEMID": "0",
                    }
                )
            self.emit(self.arrival(ep.end), c, p)
        self.prev_pid[c.idx] = pid

    def _icinga_result(self, c: _Check, t: float, state: int, text: str) -> dict[str, Any]:
        return {
            "type": "CheckResult",
            "active": True,
            "check_source": c.label or "icinga-master",
            "command": None,
            "execution_start": round(t - 0.8, 3),
            "execution_end": round(t, 3),
            "exit_status": state,
            "output": text,
            "performance_data": [],
            "schedule_start": round(t - 1.0, 3),
            "schedule_end": round(t, 3),
            "state": state,
            "vars_after": {"attempt": 1.0, "reachable": True, "state": state, "state_type": 1.0},
            "vars_before": {"attempt": 1.0, "reachable": True, "state": 0.0, "state_type": 1.0},
        }

    def _icinga_state(self, c: _Check, state: str) -> int:
        if c.name is None:
            return 0 if state == "ok" else 1
        return {"ok": 0, "warning": 1, "unknown": 3}.get(state, 2)

    def _icinga_event(
        self,
        c: _Check,
        kind: str,
        t: float,
        state: str,
        text: str,
        *,
        hard: bool = True,
        downtime: bool = False,
    ) -> dict[str, Any]:
        n = self._icinga_state(c, state)
        p: dict[str, Any] = {"type": kind, "timestamp": round(t, 6), "host": c.host}
        if c.name is not None:
            p["service"] = c.name
        p["state"] = n
        p["state_type"] = 1 if hard else 0
        p["check_result"] = self._icinga_result(c, t, n, text)
        if kind == "StateChange":
            p["downtime_depth"] = 1 if downtime else 0
            p["acknowledgement"] = False
        return p

    def _icinga(self, ep: _Episode) -> None:
        c = ep.check
        truths = (ep.truth,)
        if ep.soft_at is not None:
            t = ep.soft_at
            self.emit(
                self.arrival(t),
                c,
                self._icinga_event(
                    c, "StateChange", t, ep.state, ep.text, hard=False, downtime=ep.downtime
                ),
                truths,
            )
        self.emit(
            self.arrival(ep.start),
            c,
            self._icinga_event(c, "StateChange", ep.start, ep.state, ep.text, downtime=ep.downtime),
            truths,
        )
        if ep.change is not None and (ep.end is None or ep.change[0] < ep.end):
            t, state = ep.change
            self.emit(
                self.arrival(t),
                c,
                self._icinga_event(
                    c,
                    "StateChange",
                    t,
                    state,
                    ep.text.replace("WARNING", "CRITICAL"),
                    downtime=ep.downtime,
                ),
                truths,
            )
        if not ep.downtime:
            for t in ep.renotify:
                p = self._icinga_event(c, "Notification", t, ep.state, ep.text)
                del p["state"], p["state_type"]
                p.update(
                    {
                        "command": "mail-service-notification"
                        if c.name
                        else "mail-host-notification",
                        "users": ["noc"],
                        "notification_type": "Problem",
                        "author": "",
                        "text": "",
                    }
                )
                self.emit(self.arrival(t), c, p, truths)
        if ep.ack is not None:
            p = {"type": "AcknowledgementSet", "timestamp": round(ep.ack, 6), "host": c.host}
            if c.name is not None:
                p["service"] = c.name
            p.update(
                {
                    "state": self._icinga_state(c, ep.state),
                    "state_type": 1,
                    "author": "noc-oncall",
                    "comment": "looking into it",
                    "acknowledgement_type": 1,
                    "notify": True,
                    "expiry": 0,
                }
            )
            self.emit(self.arrival(ep.ack), c, p)
        if ep.end is not None:
            self.emit(
                self.arrival(ep.end),
                c,
                self._icinga_event(
                    c,
                    "StateChange",
                    ep.end,
                    "ok",
                    "PING OK - Packet loss = 0%" if c.name is None else "OK",
                    downtime=ep.downtime,
                ),
            )

    def _zbx_when(self, t: float) -> tuple[str, str]:
        d = datetime.fromtimestamp(t, UTC)
        return d.strftime("%Y.%m.%d"), d.strftime("%H:%M:%S")

    def _zabbix_payload(
        self,
        c: _Check,
        t: float,
        eid: str,
        value: str,
        *,
        recovery: str | None = None,
        update: bool = False,
    ) -> dict[str, Any]:
        date, time = self._zbx_when(t)
        ident = c.ident
        return {
            "event_id": eid,
            "event_value": value,
            "event_update_status": "1" if update else "0",
            "event_ack": "Yes" if update else "No",
            "event_severity": ident["nseverity"],
            "event_name": c.name,
            "event_tags": json.dumps(ident["tags"], separators=(",", ":")),
            "event_date": date,
            "event_time": time,
            "recovery_id": recovery if recovery is not None else "{EVENT.RECOVERY.ID}",
            "host": c.host,
            "host_name": ident.get("visible", c.host),
            "host_ip": c.address or "",
            "trigger_id": ident["trigger_id"],
            "trigger_name": c.name,
            "proxy": c.label or "",
        }

    def _zabbix(self, ep: _Episode) -> None:
        c = ep.check
        self.zbx_eid += 1 + self.rng.randint(0, 40)
        eid = str(self.zbx_eid)
        truths = (ep.truth,)
        self.emit(self.arrival(ep.start), c, self._zabbix_payload(c, ep.start, eid, "1"), truths)
        for t in ep.renotify:
            self.emit(self.arrival(t), c, self._zabbix_payload(c, t, eid, "1"), truths)
        if ep.ack is not None:
            self.emit(
                self.arrival(ep.ack), c, self._zabbix_payload(c, ep.ack, eid, "1", update=True)
            )
        if ep.end is not None:
            self.zbx_eid += 1 + self.rng.randint(0, 40)
            self.emit(
                self.arrival(ep.end),
                c,
                self._zabbix_payload(c, ep.end, eid, "0", recovery=str(self.zbx_eid)),
            )

    def _prtg_when(self, t: float) -> str:
        d = datetime.fromtimestamp(t, UTC)
        loc = self.w.prtg_locale
        if loc == "de":
            return d.strftime("%d.%m.%Y %H:%M:%S")
        if loc == "uk":
            return d.strftime("%d/%m/%Y %H:%M:%S")
        hour = d.hour % 12 or 12
        return f"{d.month}/{d.day}/{d.year} {hour}:{d.minute:02d}:{d.second:02d} {'AM' if d.hour < 12 else 'PM'}"

    @staticmethod
    def _duration(seconds: float) -> str:
        s = int(seconds)
        if s < 60:
            return f"{s} s"
        if s < 3600:
            return f"{s // 60} m {s % 60} s"
        return f"{s // 3600} h {s % 3600 // 60} m"

    def _prtg_payload(
        self, c: _Check, t: float, status: str, message: str, since: float | None, lastvalue: str
    ) -> dict[str, Any]:
        ident = c.ident
        return {
            "device": c.host,
            "deviceid": ident["deviceid"],
            "sensor": c.name,
            "sensorid": ident["sensorid"],
            "status": status,
            "down": self._duration(t - since) if since is not None else "",
            "message": message,
            "datetime": self._prtg_when(t),
            "priority": ident["priority"],
            "group": ident["group"],
            "probe": c.label or "Local Probe",
            "host": c.address or c.host,
            "home": f"https://prtg.{_DOMAIN}/",
            "lastvalue": lastvalue,
        }

    def _prtg(self, ep: _Episode) -> None:
        c = ep.check
        status = {
            "warning": "Warning",
            "unknown": "Unknown",
            "paused": "Paused by Dependency",
            "unusual": "Unusual",
        }.get(ep.state, "Down")
        last = "No data" if status in ("Down", "Unknown", "Paused by Dependency") else "94 %"
        truths = (ep.truth,)
        since = ep.start - c.retry - 30
        self.emit(
            self.arrival(ep.start),
            c,
            self._prtg_payload(c, ep.start, status, ep.text, since, last),
            truths,
        )
        for t in ep.renotify:
            self.emit(
                self.arrival(t), c, self._prtg_payload(c, t, status, ep.text, since, last), truths
            )
        if ep.change is not None and (ep.end is None or ep.change[0] < ep.end):
            t = ep.change[0]
            status = "Down"
            self.emit(
                self.arrival(t),
                c,
                self._prtg_payload(
                    c, t, status, ep.text.replace("WARNING", "CRITICAL"), since, last
                ),
                truths,
            )
        if ep.ack is not None and status == "Down":
            p = self._prtg_payload(
                c,
                ep.ack,
                "Down (Acknowledged)",
                "Acknowledged by noc-oncall: looking into it",
                since,
                last,
            )
            self.emit(self.arrival(ep.ack), c, p)
        if ep.end is not None:
            p = self._prtg_payload(c, ep.end, f"{status} ended (now: Up)", "OK", None, "12 msec")
            self.emit(self.arrival(ep.end), c, p)

    # -- notices ---------------------------------------------------------------------------

    def notice(self, n: _Notice) -> None:
        c = n.check
        if c.tool == "nagios":
            kind = {
                "downtime-start": "DOWNTIMESTART",
                "downtime-end": "DOWNTIMEEND",
                "flapping-start": "FLAPPINGSTART",
                "flapping-stop": "FLAPPINGSTOP",
            }[n.what]
            p = self._nagios_base(c, n.at, kind)
            if c.name is None:
                p.update(
                    {
                        "HOSTSTATE": "UP",
                        "HOSTSTATETYPE": "HARD",
                        "HOSTOUTPUT": "PING OK - Packet loss = 0%",
                    }
                )
            else:
                p.update(
                    {
                        "SERVICEDESC": c.name,
                        "SERVICESTATE": "OK",
                        "SERVICESTATETYPE": "HARD",
                        "SERVICEOUTPUT": "OK",
                    }
                )
            if n.what.startswith("downtime"):
                p["NOTIFICATIONAUTHOR"] = n.extra["author"]
                p["NOTIFICATIONCOMMENT"] = "Monthly patching"
            self.emit(self.arrival(n.at), c, p)
            return
        if n.what.startswith("downtime"):
            downtime = {
                "__name": f"{c.host}{'!' + c.name if c.name else ''}!patch-{int(n.extra['start'])}",
                "host_name": c.host,
                "service_name": c.name or "",
                "author": n.extra["author"],
                "comment": "Monthly patching",
                "start_time": n.extra["start"],
                "end_time": n.extra["end"],
                "entry_time": n.extra["start"] - 3600,
                "fixed": True,
                "duration": 0,
                "triggered_by": "",
                "scheduled_by": "",
                "was_cancelled": False,
            }
            kind = "DowntimeStarted" if n.what == "downtime-start" else "DowntimeRemoved"
            self.emit(
                self.arrival(n.at),
                c,
                {"type": kind, "timestamp": round(n.at, 6), "downtime": downtime},
            )
            return
        p: dict[str, Any] = {"type": "Flapping", "timestamp": round(n.at, 6), "host": c.host}
        if c.name is not None:
            p["service"] = c.name
        p.update(
            {
                "state": 2,
                "state_type": 1,
                "is_flapping": n.what == "flapping-start",
                "flapping_current": 38.5,
                "threshold_low": 25.0,
                "threshold_high": 30.0,
            }
        )
        self.emit(self.arrival(n.at), c, p)

    # -- Alertmanager ---------------------------------------------------------------------

    def alertmanager(self) -> None:
        """Batch Alertmanager alerts into webhook bodies the way its dispatcher does."""
        w = self.w
        groups: dict[tuple[str, ...], list[tuple[float, int, str, _Episode]]] = {}
        for change in sorted(self.am_changes, key=lambda x: (x[0], x[1])):
            c = change[3].check
            labels = c.ident["labels"]
            if labels["alertname"] in w.am_grouped:
                key = ("g", str(labels["prometheus"]), str(labels["alertname"]))
            else:
                key = ("a", c.ident["fingerprint"])
            groups.setdefault(key, []).append(change)
        for key in sorted(groups):
            self._am_group(key, groups[key])

    def _am_group(
        self, key: tuple[str, ...], changes: list[tuple[float, int, str, _Episode]]
    ) -> None:
        w = self.w
        firing: dict[str, _Episode] = {}
        resolved: dict[str, _Episode] = {}
        changed = False
        next_flush: float | None = None
        last_sent: float | None = None
        i = 0
        while i < len(changes) or next_flush is not None:
            if next_flush is not None and (i >= len(changes) or next_flush <= changes[i][0]):
                t = next_flush
                if t >= self.horizon:
                    return
                if changed or (last_sent is not None and t - last_sent >= w.am_repeat - 1):
                    self._am_send(key, t, firing, resolved)
                    last_sent = t
                    resolved = {}
                    changed = False
                if firing:
                    # the next tick that can matter: a change, or the repeat interval
                    gi = w.am_group_interval
                    target = min(
                        changes[i][0] if i < len(changes) else math.inf,
                        (last_sent if last_sent is not None else t) + w.am_repeat,
                    )
                    steps = max(1, math.ceil((target - t) / gi - 1e-9)) if target < math.inf else 1
                    next_flush = t + steps * gi
                    if target == math.inf:
                        next_flush = math.inf
                else:
                    next_flush = None
                    last_sent = None
                continue
            t, _seq, what, ep = changes[i]
            i += 1
            fp = ep.check.ident["fingerprint"]
            if what == "firing":
                firing[fp] = ep
                resolved.pop(fp, None)
            else:
                if firing.get(fp) is ep:
                    del firing[fp]
                    resolved[fp] = ep
            changed = True
            if next_flush is None:
                next_flush = t + w.am_group_wait

    def _am_send(
        self,
        key: tuple[str, ...],
        t: float,
        firing: Mapping[str, _Episode],
        resolved: Mapping[str, _Episode],
    ) -> None:
        alerts: list[dict[str, Any]] = []
        truths: set[int] = set()
        label_sets: list[dict[str, str]] = []
        annotation_sets: list[dict[str, str]] = []
        for status, eps in (("firing", firing), ("resolved", resolved)):
            for fp in sorted(eps, key=lambda f: (eps[f].start, f)):
                ep = eps[fp]
                c = ep.check
                labels = dict(c.ident["labels"])
                annotations = {
                    "summary": f"{labels['alertname']} on {labels['instance']}",
                    "description": ep.text.split(" - ", 1)[-1],
                }
                starts = ep.start - c.retry
                alerts.append(
                    {
                        "status": status,
                        "labels": labels,
                        "annotations": annotations,
                        "startsAt": _iso(starts),
                        "endsAt": _iso(ep.end)
                        if status == "resolved" and ep.end is not None
                        else "0001-01-01T00:00:00Z",
                        "generatorURL": f"http://{labels['prometheus']}:9090/graph?g0.expr=ALERTS&g0.tab=1",
                        "fingerprint": fp,
                    }
                )
                label_sets.append(labels)
                annotation_sets.append(annotations)
                if status == "firing":
                    truths.add(ep.truth)
        if not alerts:
            return
        common = {
            k: v for k, v in label_sets[0].items() if all(ls.get(k) == v for ls in label_sets)
        }
        common_ann = {
            k: v
            for k, v in annotation_sets[0].items()
            if all(a.get(k) == v for a in annotation_sets)
        }
        if key[0] == "g":
            group_labels = {"alertname": key[2], "prometheus": key[1]}
        else:
            group_labels = dict(label_sets[0])
        inner = ", ".join(f'{k}="{v}"' for k, v in sorted(group_labels.items()))
        body = {
            "receiver": "correlator",
            "status": "firing" if firing else "resolved",
            "alerts": alerts,
            "groupLabels": group_labels,
            "commonLabels": common,
            "commonAnnotations": common_ann,
            "externalURL": f"http://alertmanager.hq.{_DOMAIN}:9093",
            "version": "4",
            "groupKey": "{}:{" + inner + "}",
            "truncatedAlerts": 0,
        }
        self.seq += 1
        self.out.append(
            _Raw(
                round(t + self.rng.uniform(0.05, 1.0), 3),
                self.seq,
                "alertmanager",
                body,
                None,
                frozenset(truths),
            )
        )


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def build_world(seed: int, nodes: int = 150) -> World:
    """The enterprise alone (topology and monitoring), about ``nodes`` nodes."""
    return World(seed, nodes)


def generate(
    seed: int,
    *,
    nodes: int = 150,
    faults: int | Sequence[str] = 6,
    noise: int = 3,
    flapping: int = 1,
    maintenance: int = 1,
    twins: int = 0,
    twin_kind: str = "vm",
    hours: float = 3.0,
    weights: Mapping[str, float] | None = None,
    open_share: float = 0.1,
    world: World | None = None,
) -> Scenario:
    """A storm on a ~``nodes``-node enterprise over ``hours`` of event time.

    ``faults``: how many failures to draw (kinds weighted by ``weights``, by default
    :data:`MIXED_WEIGHTS`), or the exact list of kinds. ``twins``: pairs of independent
    failures of ``twin_kind`` ("vm" or "hypervisor") under one healthy upstream.
    ``open_share``: share of failures still unresolved when the input ends.
    """
    w = world if world is not None else World(seed, nodes)
    rng = random.Random(f"storm:{seed}:{nodes}")
    horizon = T0 + hours * 3600.0
    sim = _Sim(w, rng, horizon)
    truth_meta: list[_Fault] = []
    truth_eps: list[list[_Episode]] = []

    if isinstance(faults, int):
        table = MIXED_WEIGHTS if weights is None else weights
        kinds_w = list(table)
        kinds = rng.choices(kinds_w, weights=[table[k] for k in kinds_w], k=faults)
    else:
        kinds = list(faults)
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")

    def accept(fault: _Fault, episodes: list[_Episode]) -> None:
        sim.faults.append(fault)
        truth_meta.append(fault)
        truth_eps.append(episodes)

    def place_failure(kind: str, lo: float, hi: float) -> _Fault | None:
        for _ in range(80):
            start = rng.uniform(lo, hi)
            # still failing when the input ends: only failures of the last hours (nobody
            # leaves a site dark for days)
            unresolved = rng.random() < open_share and start > horizon - 4 * 3600.0
            duration = None if unresolved else rng.uniform(600, 4800)
            if duration is not None and start + duration > horizon - 900:
                duration = max(300.0, horizon - 900 - start)
            fault = sim.plan(kind, start, duration)
            if fault is None or sim.conflicts(fault):
                continue
            eps = sim.realise(fault, len(truth_meta))
            if eps is None:
                continue
            accept(fault, eps)
            return fault
        return None

    span_lo = T0 + 300.0
    span_hi = T0 + max(900.0, hours * 3600.0 * 0.7)
    for kind in kinds:
        place_failure(kind, span_lo, span_hi)
    for _ in range(twins):
        _place_twins(sim, rng, span_lo, span_hi, horizon, truth_meta, accept, twin_kind)
    for _ in range(maintenance):
        for _ in range(40):
            got = sim.maintenance(len(truth_meta), rng.uniform(span_lo, span_hi))
            if got is not None:
                accept(*got)
                break
    for _ in range(flapping):
        for _ in range(40):
            got = sim.flapping(len(truth_meta), rng.uniform(span_lo, span_hi))
            if got is not None:
                accept(*got)
                break
    for _ in range(noise):
        for _ in range(40):
            got = sim.noise(len(truth_meta), rng.uniform(T0 + 60, horizon - 600))
            if got is not None:
                accept(*got)
                break
    return _render(seed, w, rng, horizon, truth_meta, truth_eps, sim.notices)


def _place_twins(
    sim: _Sim,
    rng: random.Random,
    lo: float,
    hi: float,
    horizon: float,
    truth_meta: list[_Fault],
    accept: Any,
    kind: str = "vm",
) -> None:
    """Two independent failures under one shared upstream that stays healthy.

    ``kind="vm"``: two VMs of one hypervisor; ``kind="hypervisor"``: two hypervisors on one
    SAN (and often the same distribution pair). The shared upstream is monitored, so its
    silence is evidence; no unmonitored node could explain both (see ``conflicts``).
    """
    w = sim.w
    if kind == "vm":
        uppers = [h for s in w.sites for h in s.hyps if w.by_node.get(h)]
        child_kind = "vm"
    else:
        uppers = [s.san for s in w.sites if w.by_node.get(s.san)]
        child_kind = "hypervisor"
    fault_kind = f"{child_kind}-down"
    for _ in range(60):
        upper = rng.choice(uppers)
        children = [
            d for d in w.dependents[upper] if w.nodes[d].kind == child_kind and w.by_node.get(d)
        ]
        if len(children) < 3:
            continue
        a, b = rng.sample(children, 2)
        start = rng.uniform(lo, hi)
        planned = []
        for node, t in ((a, start), (b, start + rng.uniform(0, 480))):
            end = min(t + rng.uniform(900, 3600), horizon - 900)
            fault = _Fault(fault_kind, node, "down", t, end, w.nodes[node].site)
            fault.failing = {node: t}
            sim._propagate(fault)
            fault.footprint = set(fault.affected) | set(fault.blind)
            for probe in fault.blind:
                fault.footprint |= {c.node for c in w.by_observer.get(probe, ())}
            planned.append(fault)
        if planned[0].footprint & planned[1].footprint:
            continue
        if any(sim.conflicts(f) for f in planned):
            continue
        sim.faults.append(planned[0])
        if sim.conflicts(planned[1]):
            sim.faults.pop()
            continue
        sim.faults.pop()
        eps_a = sim.realise(planned[0], len(truth_meta))
        if eps_a is None:
            continue
        eps_b = sim.realise(planned[1], len(truth_meta) + 1)
        if eps_b is None:
            continue
        accept(planned[0], eps_a)
        accept(planned[1], eps_b)
        return


def _render(
    seed: int,
    w: World,
    rng: random.Random,
    horizon: float,
    faults: list[_Fault],
    episodes: list[list[_Episode]],
    notices: list[_Notice],
) -> Scenario:
    r = _Renderer(w, rng, horizon)
    for eps in episodes:
        for ep in sorted(eps, key=lambda e: (e.start, e.check.idx)):
            r.episode(ep)
    for n in notices:
        r.notice(n)
    r.alertmanager()
    raws = sorted(r.out, key=lambda x: (x.at, x.seq))
    lines: list[dict[str, Any]] = []
    events: list[list[str]] = [[] for _ in faults]
    for i, raw in enumerate(raws, start=1):
        eid = f"e{i}"
        line: dict[str, Any] = {
            "at": raw.at,
            "source": raw.source,
            "id": eid,
            "payload": raw.payload,
        }
        if raw.observer is not None:
            line["observer"] = raw.observer
        lines.append(line)
        for t in sorted(raw.truths):
            events[t].append(eid)
    placed: list[set[str]] = [set() for _ in faults]
    for k, eps in enumerate(episodes):
        for ep in eps:
            if ep.check.node and not (ep.check.tool == "nagios" and (ep.downtime or ep.silent)):
                placed[k].add(ep.check.node)
    truth: list[TrueIncident] = []
    for k, f in enumerate(faults):
        if not events[k]:
            continue  # everything it raised fell after the end of the input
        root_events = f.root is not None and any(
            ep.check.node == f.root and _rendered_problem(ep, horizon) for ep in episodes[k]
        )
        truth.append(
            TrueIncident(
                root=f.root,
                inferred=f.root is not None and not root_events,
                event_ids=tuple(events[k]),
                kind_of_fault=f.kind,
                equivalent_roots=f.equivalent,
                site=f.site,
                started_at=f.start,
                maintenance=f.maintenance,
                watched=f.watched,
                nodes=tuple(sorted(placed[k])),
            )
        )
    problem = sum(len(t.event_ids) for t in truth)
    stats = {
        "nodes": len(w.nodes),
        "sites": len(w.sites),
        "checks": len(w.checks),
        "lines": len(lines),
        "problem_events": problem,
        "incidents": len(truth),
        "failures": sum(1 for t in truth if t.kind_of_fault in FAULT_KINDS),
    }
    return Scenario(seed=seed, topology=w.topology(), lines=lines, truth=truth, stats=stats)


def _rendered_problem(ep: _Episode, horizon: float) -> bool:
    if ep.start >= horizon:
        return False
    return not (ep.check.tool == "nagios" and (ep.downtime or ep.silent))


# -- presets -----------------------------------------------------------------------------------


def storm(seed: int, nodes: int = 150, **kwargs: Any) -> Scenario:
    """A storm: wide-blast-radius failures at several sites (two of them independent under a
    shared healthy SAN), a little noise, one flapping check, one maintenance."""
    return generate(
        seed,
        nodes=nodes,
        faults=kwargs.pop("faults", max(3, round(3 + nodes / 300))),
        weights=kwargs.pop("weights", STORM_WEIGHTS),
        noise=kwargs.pop("noise", 2),
        twins=kwargs.pop("twins", 1),
        twin_kind=kwargs.pop("twin_kind", "hypervisor"),
        **kwargs,
    )


def mixed(seed: int, nodes: int = 150, **kwargs: Any) -> Scenario:
    """An ordinary bad day: failures of every kind, big and small, and some noise."""
    return generate(
        seed,
        nodes=nodes,
        faults=kwargs.pop("faults", max(6, round(6 + nodes / 250))),
        noise=kwargs.pop("noise", 8),
        twins=kwargs.pop("twins", 1),
        **kwargs,
    )


def noise_heavy(seed: int, nodes: int = 150, **kwargs: Any) -> Scenario:
    """Mostly independent single alerts, a couple of small failures among them."""
    return generate(
        seed,
        nodes=nodes,
        faults=kwargs.pop("faults", ["vm-down", "app-down"]),
        noise=kwargs.pop("noise", 40),
        flapping=kwargs.pop("flapping", 2),
        **kwargs,
    )


def single_fault(seed: int, kind: str, nodes: int = 150, **kwargs: Any) -> Scenario:
    """Exactly one incident of ``kind`` (a failure kind, or noise / flapping / maintenance)."""
    if kind in FAULT_KINDS:
        return generate(
            seed,
            nodes=nodes,
            faults=[kind],
            noise=0,
            flapping=0,
            maintenance=0,
            open_share=kwargs.pop("open_share", 0.0),
            **kwargs,
        )
    counts = {"noise": 0, "flapping": 0, "maintenance": 0}
    if kind not in counts:
        raise ValueError(f"unknown kind {kind!r}")
    counts[kind] = 1
    return generate(seed, nodes=nodes, faults=[], **counts, **kwargs)
