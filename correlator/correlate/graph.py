"""Precomputed graph lookups for root-cause search over an immutable topology snapshot.

Vocabulary (edges point from a dependent to what it needs, ``A -> B`` = A depends on B):

- ``causes(n)``: every node reachable from ``n`` along dependency edges, nearest first —
  the nodes whose failure (alone or with their redundancy partners) could explain ``n``.
- ``closure(seeds)``: the nodes that stop working when every node in ``seeds`` fails,
  honouring ``any_of`` groups (a dependent fails when *all* members of one of its
  dependency groups have failed). ``closure({h})`` is what hypothesis ``h`` predicts.
- ``shielded(n)``: whether redundancy shields something above ``n`` from its loss, so
  that a *slow* ``n`` can reach further than a failed one (redundancy protects against
  a loss, not against a member that still answers, slowly).

Closures are computed lazily and cached, so the per-alert cost does not grow with the
size of the graph: only the neighbourhood of the alerting nodes is ever visited.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable

from topology.model import Topology

_HUB = 16  # dependents beyond which a node's direct dependents are kept as a set
_PASS_THROUGH = 3  # unmonitored layers looked through for a seed's direct dependents


class GraphIndex:
    """Lazy, cached reachability queries over one topology snapshot."""

    __slots__ = (
        "_causes",
        "_closure",
        "_direct_layer",
        "_direct_monitored",
        "_group_closure",
        "_groups",
        "_hub_dependents",
        "_min_crit",
        "_monitored_group",
        "_monitored_in",
        "_shielded",
        "_single",
        "_sole_causes",
        "_sole_groups",
        "monitored",
        "probes",
        "site_monitored",
        "topology",
    )

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self._causes: dict[str, tuple[str, ...]] = {}
        self._closure: dict[str, frozenset[str]] = {}
        self._shielded: dict[str, bool] = {}
        self._monitored_in: dict[str, int] = {}
        self._group_closure: dict[frozenset[str], frozenset[str]] = {}
        self._min_crit: dict[frozenset[str], int] = {}
        self._direct_monitored: dict[frozenset[str], int] = {}
        self._direct_layer: dict[frozenset[str], tuple[frozenset[str], frozenset[str]] | None] = {}
        self._single: dict[str, frozenset[str]] = {}
        self._sole_causes: dict[str, tuple[str, ...]] = {}
        self._sole_groups: dict[str, tuple[frozenset[str], ...]] = {}
        self._hub_dependents: dict[str, frozenset[str]] = {}  # nodes with many dependents
        self._monitored_group: dict[frozenset[str], int] = {}
        # The monitored nodes, asked about in every pricing loop (one set lookup instead
        # of a spec lookup and a property call).
        self.monitored: frozenset[str] = frozenset(
            n for n, spec in topology.nodes.items() if spec.monitored
        )
        # The probes with their sites, and per site its monitored nodes other than probes
        # (what a site's probe most likely watches).
        self.probes: dict[str, str | None] = {
            n: spec.site for n, spec in topology.nodes.items() if spec.kind == "probe"
        }
        by_site: dict[str, list[str]] = {}
        for n, spec in topology.nodes.items():
            if spec.site is not None and spec.monitored and spec.kind != "probe":
                by_site.setdefault(spec.site, []).append(n)
        self.site_monitored: dict[str, tuple[str, ...]] = {
            site: tuple(nodes) for site, nodes in by_site.items()
        }
        # For each node: the redundancy groups (as frozensets) it is a member of.
        groups: dict[str, list[frozenset[str]]] = {}
        for spec in topology.nodes.values():
            for dep in spec.depends_on:
                if dep.redundant:
                    members = frozenset(dep.any_of)
                    for member in dep.any_of:
                        bucket = groups.setdefault(member, [])
                        if members not in bucket:
                            bucket.append(members)
        self._groups = groups

    def causes(self, node: str) -> tuple[str, ...]:
        """Nodes below ``node`` (its dependencies, transitively), nearest first."""
        found = self._causes.get(node)
        if found is None:
            seen = {node}
            order: list[str] = []
            queue: deque[str] = deque([node])
            nodes = self.topology.nodes
            while queue:
                current = queue.popleft()
                for dep in nodes[current].depends_on:
                    for target in dep.any_of:
                        if target not in seen:
                            seen.add(target)
                            order.append(target)
                            queue.append(target)
            found = tuple(order)
            self._causes[node] = found
        return found

    def sole_causes(self, node: str) -> tuple[str, ...]:
        """``node`` and the nodes below it whose failure alone takes it down (``node`` is
        in their closure), nearest first: ``causes`` without the redundancy group
        members ``node`` survives one at a time."""
        found = self._sole_causes.get(node)
        if found is None:
            found = tuple(c for c in (node, *self.causes(node)) if node in self.closure(c))
            self._sole_causes[node] = found
        return found

    def sole_groups(self, node: str) -> tuple[frozenset[str], ...]:
        """The redundancy groups below ``node`` whose loss as a whole takes it down
        (``node`` is in their group closure), nearest first: a rack's hosts on their leaf
        pair, which no single node below them explains."""
        found = self._sole_groups.get(node)
        if found is None:
            groups: list[frozenset[str]] = []
            for c in self.causes(node):
                for group in self.groups_of(c):
                    if group not in groups and node in self.group_closure(group):
                        groups.append(group)
            found = tuple(groups)
            self._sole_groups[node] = found
        return found

    def single(self, node: str) -> frozenset[str]:
        """``frozenset((node,))``, one shared object per node (hypotheses' seeds, the
        closures of leaves and the caches keyed by seeds all hold the same one)."""
        found = self._single.get(node)
        if found is None:
            found = frozenset((node,))
            self._single[node] = found
        return found

    def closure(self, node: str) -> frozenset[str]:
        """Nodes that fail when ``node`` alone fails (including ``node``)."""
        found = self._closure.get(node)
        if found is None:
            seeds = self.single(node)
            found = self._spread(seeds)
            if len(found) == 1:
                found = seeds  # a leaf: its closure is its own singleton
            self._closure[node] = found
        return found

    def shielded(self, node: str) -> bool:
        """Whether redundancy shields something above ``node`` from its loss: a node its
        loss takes down has a dependent that survives (the reach of ``node``, everything
        depending on it, is larger than its closure). Only then can a degradation of
        ``node`` reach further than its loss."""
        found = self._shielded.get(node)
        if found is None:
            closure = self.closure(node)
            dependents = self.topology.dependents
            found = self._shielded[node] = any(
                d not in closure for n in closure for d in dependents.get(n, ())
            )
        return found

    def group_closure(self, seeds: frozenset[str]) -> frozenset[str]:
        """Nodes that fail when every node in ``seeds`` fails together."""
        if len(seeds) == 1:
            return self.closure(next(iter(seeds)))
        found = self._group_closure.get(seeds)
        if found is None:
            found = self._spread(seeds)
            if len(self._group_closure) > 4096:  # bounded: group losses are rare
                self._group_closure.clear()
            self._group_closure[seeds] = found
        return found

    def monitored_predicted(self, node: str) -> int:
        """How many monitored nodes other than ``node`` its failure predicts to fail."""
        count = self._monitored_in.get(node)
        if count is None:
            monitored = self.monitored
            count = sum(1 for n in self.closure(node) if n != node and n in monitored)
            self._monitored_in[node] = count
        return count

    def monitored_group(self, seeds: frozenset[str]) -> int:
        """How many monitored nodes other than ``seeds`` their loss together predicts to
        fail (``monitored_in(group_closure(seeds), seeds)``, cached: a group's closure
        can span a large part of the graph)."""
        count = self._monitored_group.get(seeds)
        if count is None:
            count = self.monitored_in(self.group_closure(seeds), seeds)
            if len(self._monitored_group) > 4096:  # bounded like the group closures
                self._monitored_group.clear()
            self._monitored_group[seeds] = count
        return count

    def monitored_in(self, members: Iterable[str], exclude: frozenset[str]) -> int:
        """How many of ``members`` are monitored, not counting ``exclude``."""
        monitored = self.monitored
        return sum(1 for n in members if n not in exclude and n in monitored)

    def groups_of(self, node: str) -> list[frozenset[str]]:
        """The redundancy groups ``node`` is a member of."""
        return self._groups.get(node, [])

    def is_redundant_member(self, node: str) -> bool:
        """True when ``node`` only ever appears inside ``any_of`` groups of its dependents."""
        if node not in self._groups:
            return False
        nodes = self.topology.nodes
        for dependent in self.topology.dependents.get(node, ()):
            for dep in nodes[dependent].depends_on:
                if node in dep.any_of and not dep.redundant:
                    return False
        return True

    def min_criticality(self, seeds: frozenset[str]) -> int:
        """Most critical (lowest) criticality among the nodes the loss of ``seeds`` takes down.

        This walks *up* the graph, so business services that depend on the root count.
        """
        found = self._min_crit.get(seeds)
        if found is None:
            nodes = self.topology.nodes
            found = min(nodes[n].criticality for n in self.group_closure(seeds))
            self._min_crit[seeds] = found
        return found

    def direct_monitored(self, seeds: frozenset[str]) -> int:
        """How many monitored nodes depend directly on one of ``seeds`` (gray failures)."""
        found = self._direct_monitored.get(seeds)
        if found is None:
            direct = {
                d
                for seed in seeds
                for d in self.topology.dependents.get(seed, ())
                if d not in seeds
            }
            found = sum(1 for d in direct if d in self.monitored)
            self._direct_monitored[seeds] = found
        return found

    def direct_layer(self, seeds: frozenset[str]) -> tuple[frozenset[str], frozenset[str]] | None:
        """The monitored nodes that depend on ``seeds`` directly or only through unmonitored
        nodes standing for a redundancy group, and those nodes in between (a logical
        database over its two instances, a quorum, a VIP over its pool: they cannot alert,
        so what uses them is the first layer that can show a failure of the seeds), at
        most ``_PASS_THROUGH`` deep. An unmonitored link or power feed is a thing that can
        fail on its own, not a window on the seeds: nothing is looked at through it, unless
        the seeds are unwatched too and it depends on nothing else (a duct's fibres). None
        when nothing is looked through (the usual case: the direct dependents are the
        layer, and only that answer is kept, so the cache costs little per seed set)."""
        if seeds in self._direct_layer:
            return self._direct_layer[seeds]
        found: tuple[frozenset[str], frozenset[str]] | None = None
        dependents = self.topology.dependents
        nodes = self.topology.nodes
        layer: set[str] = set()
        between: set[str] = set()
        seen = set(seeds)
        frontier = list(seeds)
        # Under a root nothing watches (a fibre duct), what only it carries (the fibres in
        # it) cannot show its failure either: what uses those is the first layer.
        unwatched = self.monitored.isdisjoint(seeds)
        for _ in range(_PASS_THROUGH):
            ahead: list[str] = []
            for node in frontier:
                for d in dependents.get(node, ()):
                    if d in seen:
                        continue
                    seen.add(d)
                    if d in self.monitored:
                        layer.add(d)
                    elif any(
                        dep.redundant and node in dep.any_of for dep in nodes[d].depends_on
                    ) or (unwatched and self._carried_only(d, seen)):
                        between.add(d)
                        ahead.append(d)
            if not ahead:
                break
            frontier = ahead
        if between:
            found = (frozenset(layer), frozenset(between))
        self._direct_layer[seeds] = found
        return found

    def _carried_only(self, node: str, by: Collection[str]) -> bool:
        """Whether everything ``node`` depends on is among ``by``."""
        return all(t in by for dep in self.topology.nodes[node].depends_on for t in dep.any_of)

    def direct_alerting(self, seeds: frozenset[str], alerting: Collection[str]) -> list[str]:
        """The nodes depending directly on ``seeds`` that are among ``alerting``."""
        if len(seeds) == 1:
            # One seed (nearly always): walk the smaller of its dependents and the alerting
            # nodes, so a hub with thousands of dependents costs no more than a leaf.
            (seed,) = seeds
            deps = self.topology.dependents.get(seed, ())
            if len(deps) > _HUB and len(alerting) < len(deps):
                hub = self._hub_dependents.get(seed)
                if hub is None:
                    hub = self._hub_dependents[seed] = frozenset(deps)
                return sorted(d for d in alerting if d in hub and d != seed)
            return sorted(d for d in deps if d in alerting and d != seed)
        direct = {
            d for seed in seeds for d in self.topology.dependents.get(seed, ()) if d not in seeds
        }
        return sorted(d for d in direct if d in alerting)

    def is_lone_redundant(self, node: str) -> bool:
        """True when losing ``node`` alone takes nothing else down thanks to redundancy."""
        return len(self.closure(node)) == 1 and self.is_redundant_member(node)

    def _spread(self, seeds: frozenset[str]) -> frozenset[str]:
        failed = set(seeds)
        queue: deque[str] = deque(seeds)
        nodes = self.topology.nodes
        dependents = self.topology.dependents
        while queue:
            current = queue.popleft()
            for dependent in dependents.get(current, ()):
                if dependent in failed:
                    continue
                for dep in nodes[dependent].depends_on:
                    if current in dep.any_of and all(m in failed for m in dep.any_of):
                        failed.add(dependent)
                        queue.append(dependent)
                        break
        return frozenset(failed)
