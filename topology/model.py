"""The immutable topology snapshot (specs/topology-format.md).

Loaders (``topology/load.py``) turn YAML, node-link JSON or GraphML into a list of
:class:`NodeSpec` and call :func:`build`, which validates the cross-node rules (unknown
dependencies, duplicate ``monitored_as`` claims) and precomputes every lookup the
correlation engine needs, so nothing walks the whole graph per alert.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import networkx as nx

DEFAULT_CRITICALITY: Final = 3
KNOWN_KINDS: Final = frozenset(
    {
        "router",
        "switch",
        "firewall",
        "link",
        "power",
        "storage",
        "hypervisor",
        "host",
        "vm",
        "container",
        "database",
        "queue",
        "application",
        "service",
        "probe",
    }
)


class TopologyError(ValueError):
    """A topology that breaks a rule of the spec; the message names file, line, node, key."""

    def __init__(
        self,
        file: str,
        reason: str,
        *,
        node: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file = file
        self.reason = reason
        self.node = node
        self.key = key
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        parts = [where]
        if node is not None:
            parts.append(f"node {node!r}")
        if key is not None:
            parts.append(f"key {key!r}")
        super().__init__(": ".join([*parts, reason]))


@dataclass(frozen=True, slots=True)
class Dependency:
    """One ``depends_on`` entry: a single node, or a redundant ``any_of`` group."""

    any_of: tuple[str, ...]

    @property
    def redundant(self) -> bool:
        return len(self.any_of) > 1


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """One node as written by the operator, defaults already applied by the loader."""

    id: str
    kind: str = "host"
    team: str | None = None
    site: str | None = None
    criticality: int = DEFAULT_CRITICALITY
    tags: Mapping[str, str] = field(default_factory=dict)
    runbook: str | None = None
    monitored_as: tuple[str, ...] = ()
    depends_on: tuple[Dependency, ...] = ()
    line: int | None = None  # where the node starts in its file, for error messages

    @property
    def monitored(self) -> bool:
        return bool(self.monitored_as)


_IPV4_CHARS: Final = frozenset("0123456789.")


def _is_ip(text: str) -> bool:
    # Most names are host names: without a colon (IPv6) a character other than ASCII
    # digits and dots rules an address out, without the cost of a raised ValueError.
    if ":" not in text and not _IPV4_CHARS.issuperset(text):
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _short(name: str) -> str:
    """First label of a dotted host name (never of an IP address)."""
    if _is_ip(name):
        return name
    return name.split(".", 1)[0]


def host_key(name: str) -> str:
    """The host an alert is about, whatever spelling its tool uses: lower case, a dotted
    name by its first label, an address whole (the matching rules of
    specs/topology-format.md, applied to hosts that match no node: ``st9901-rtr`` and
    ``ST9901-RTR.sdwan`` are one host for grouping and downtimes)."""
    return _short(name.lower())


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an alert lands on the graph, and by which rule (shown by --explain)."""

    node: str | None
    rule: str  # "check", "host", "address", "short-name", "id", "unplaced"


class Topology:
    """A validated, immutable graph with precomputed lookups.

    ``graph`` is a networkx DiGraph with an edge A -> B for "A depends on B"; edges carry
    ``group`` (the index of the ``depends_on`` entry they belong to) so redundancy groups
    can be rebuilt from the graph alone.
    """

    def __init__(self, nodes: Mapping[str, NodeSpec], file: str) -> None:
        self.file = file
        self.nodes: Mapping[str, NodeSpec] = MappingProxyType(dict(nodes))
        graph: nx.DiGraph = nx.DiGraph()
        for spec in self.nodes.values():
            graph.add_node(spec.id)
        for spec in self.nodes.values():
            for index, dep in enumerate(spec.depends_on):
                for target in dep.any_of:
                    graph.add_edge(spec.id, target, group=index)
        self.graph = graph
        # dependents[B] = nodes that depend on B (directly), i.e. the reverse adjacency.
        dependents: dict[str, list[str]] = {n: [] for n in self.nodes}
        for spec in self.nodes.values():
            for dep in spec.depends_on:
                for target in dep.any_of:
                    if spec.id not in dependents[target]:
                        dependents[target].append(spec.id)
        self.dependents: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in dependents.items()}
        )
        self._by_check: dict[tuple[str, str], str] = {}
        self._by_host: dict[str, str] = {}
        self._by_short: dict[str, str] = {}
        self._by_id_lower: dict[str, str] = {}
        self._by_id_short: dict[str, str] = {}
        for spec in self.nodes.values():
            self._by_id_lower.setdefault(spec.id.lower(), spec.id)
            self._by_id_short.setdefault(_short(spec.id).lower(), spec.id)
            for entry in spec.monitored_as:
                host, sep, check = entry.partition("!")
                if sep:
                    self._by_check[(host.lower(), check.lower())] = spec.id
                else:
                    self._by_host[host.lower()] = spec.id
                if not _is_ip(host):
                    short = _short(host).lower()
                    if sep:
                        self._by_check.setdefault((short, check.lower()), spec.id)
                    else:
                        self._by_short.setdefault(short, spec.id)

    # -- placement (spec rule 2 and 3) ------------------------------------------------

    def place(self, host: str, check: str | None = None, address: str | None = None) -> Placement:
        """Find the node an alert belongs to: HOST!CHECK, then HOST, address, short name, id."""
        name = host.lower()
        short = _short(name)
        if check is not None:
            chk = check.lower()
            node = self._by_check.get((name, chk))
            if node is None and not _is_ip(name) and name not in self._by_host:
                node = self._by_check.get((short, chk))
            if node is None and address:
                node = self._by_check.get((address.lower(), chk))
            if node is not None:
                return Placement(node, "check")
        node = self._by_host.get(name)
        if node is not None:
            return Placement(node, "host")
        if address:
            node = self._by_host.get(address.lower())
            if node is not None:
                return Placement(node, "address")
        if not _is_ip(name):
            node = self._by_host.get(short) or self._by_short.get(short)
            if node is not None:
                return Placement(node, "short-name")
        node = self._by_id_lower.get(name)
        if node is None and not _is_ip(name):
            node = self._by_id_lower.get(short) or self._by_id_short.get(short)
        if node is not None:
            return Placement(node, "id")
        return Placement(None, "unplaced")

    # -- queries ---------------------------------------------------------------------

    def depends_on(self, node: str) -> tuple[Dependency, ...]:
        return self.nodes[node].depends_on

    def unmonitored(self) -> list[str]:
        return sorted(n for n, s in self.nodes.items() if not s.monitored)

    def cycles(self, limit: int | None = None) -> list[list[str]]:
        """Dependency cycles (allowed, but reported); at most ``limit`` of them."""
        found = itertools.islice(nx.simple_cycles(self.graph), limit)
        return [list(c) for c in found]


def build(specs: Iterable[NodeSpec], file: str) -> Topology:
    """Validate cross-node rules and return the snapshot; raise TopologyError on the first."""
    nodes: dict[str, NodeSpec] = {}
    for spec in specs:
        if spec.id in nodes:
            raise TopologyError(file, "duplicate node id", node=spec.id, key="id", line=spec.line)
        if not 1 <= spec.criticality <= 5:
            raise TopologyError(
                file,
                f"criticality must be 1..5, got {spec.criticality}",
                node=spec.id,
                key="criticality",
                line=spec.line,
            )
        nodes[spec.id] = spec
    claims: dict[str, str] = {}
    for spec in nodes.values():
        named: set[str] = set()
        for dep in spec.depends_on:
            for target in dep.any_of:
                if target in named:
                    raise TopologyError(
                        file,
                        f"depends_on names {target!r} twice",
                        node=spec.id,
                        key="depends_on",
                        line=spec.line,
                    )
                named.add(target)
                if target not in nodes:
                    raise TopologyError(
                        file,
                        f"depends_on names unknown node {target!r}",
                        node=spec.id,
                        key="depends_on",
                        line=spec.line,
                    )
        for entry in spec.monitored_as:
            host, sep, check = entry.partition("!")
            norm = f"{host.lower()}!{check.lower()}" if sep else host.lower()
            other = claims.get(norm)
            if other is not None and other != spec.id:
                raise TopologyError(
                    file,
                    f"monitored_as entry {entry!r} is already claimed by node {other!r}",
                    node=spec.id,
                    key="monitored_as",
                    line=spec.line,
                )
            claims[norm] = spec.id
    return Topology(nodes, file)
