"""Greedy weighted set cover over a neighbourhood of alerting nodes (a pure decision).

The incremental engine decides with what it knows when each alert arrives; early on
that can be a wrong guess (an unmonitored link blamed for two unrelated failures a
second apart, before silence means anything). This module re-decides a whole
neighbourhood at once, the way SCORE and Spotlight do (design/root-cause-approaches.md):
each candidate root covers the alerting nodes it explains; repeatedly take the candidate
that saves the most against the covered nodes standing alone; nodes nobody explains well
stand alone. Greedy favours large explanations, so each chosen group is then checked
against re-covering its nodes without its root (two hypervisors that failed on their own
beat one storage array that "explains" both), and the cheaper answer is kept. The caller
supplies the costs, so the same cost model decides here and in the incremental path.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Group:
    """One explanation chosen by the cover: a root and the alerting nodes it explains."""

    root: str
    seeds: frozenset[str]
    nodes: frozenset[str]
    cost: float


Explains = Mapping[tuple[str, frozenset[str]], frozenset[str]]
"""(root, seeds) -> the alerting nodes of the pool that hypothesis explains."""

CostOf = Callable[[str, frozenset[str], frozenset[str]], float]
"""cost(root, seeds, covered nodes) of one hypothesis explaining exactly those nodes."""

SPLIT_MARGIN = 0.5  # nats a split must save to replace a group


def greedy_cover(
    nodes: Sequence[str],
    explains: Explains,
    cost_of: CostOf,
    alone: Mapping[str, float],
    *,
    refine: int = 2,
) -> list[Group]:
    """Partition ``nodes`` into explained groups; deterministic for the same input.

    A hypothesis whose root is itself an alerting node may only be chosen while that node
    is still uncovered (it cannot be the root of one group and a member of another).
    ``refine`` bounds how deep the split check recurses.
    """
    groups = _greedy(nodes, explains, cost_of, alone, excluded=frozenset())
    if refine <= 0:
        return groups
    refined: list[Group] = []
    for group in groups:
        if len(group.nodes) < 2:
            refined.append(group)
            continue
        members = [n for n in nodes if n in group.nodes]
        # Only hypotheses explaining some of the group's nodes can take part (the others
        # would cover nothing); their relative order, which breaks ties, is kept.
        split = greedy_cover(
            members,
            {
                k: v
                for k, v in explains.items()
                if k != (group.root, group.seeds) and not v.isdisjoint(group.nodes)
            },
            cost_of,
            alone,
            refine=refine - 1,
        )
        if sum(g.cost for g in split) < group.cost - SPLIT_MARGIN:
            refined.extend(split)
        else:
            refined.append(group)
    return refined


def _greedy(
    nodes: Sequence[str],
    explains: Explains,
    cost_of: CostOf,
    alone: Mapping[str, float],
    *,
    excluded: Collection[tuple[str, frozenset[str]]],
) -> list[Group]:
    uncovered = set(nodes)
    groups: list[Group] = []
    order = {n: i for i, n in enumerate(nodes)}
    # What each candidate offered in the previous round: None (not eligible) or its
    # (gain, covered, cost). A candidate whose explained nodes and seeds all lie outside
    # the group just taken sees the same uncovered nodes as before, so it offers exactly
    # the same again (same covered set, built in the same order, same sum).
    offers: dict[int, tuple[float, frozenset[str], float] | None] = {}
    taken: frozenset[str] = frozenset()
    while uncovered:
        best: tuple[float, int, str, frozenset[str], frozenset[str], float] | None = None
        for rank, ((root, seeds), covers) in enumerate(explains.items()):
            if rank in offers and taken.isdisjoint(covers) and taken.isdisjoint(seeds):
                offer = offers[rank]
            else:
                offer = offers[rank] = _offer(
                    root, seeds, covers, uncovered, order, cost_of, alone, excluded
                )
            if offer is None:
                continue
            gain, covered, cost = offer
            if gain > 1e-9 and (best is None or (gain, -rank) > (best[0], -best[1])):
                best = (gain, rank, root, seeds, covered, cost)
        if best is None:
            break
        _, _, root, seeds, covered, cost = best
        groups.append(Group(root, seeds, covered, cost))
        uncovered -= covered
        taken = covered
    groups.extend(
        Group(node, frozenset((node,)), frozenset((node,)), alone[node])
        for node in sorted(uncovered, key=order.__getitem__)
    )
    return groups


def _offer(
    root: str,
    seeds: frozenset[str],
    covers: frozenset[str],
    uncovered: set[str],
    order: Mapping[str, int],
    cost_of: CostOf,
    alone: Mapping[str, float],
    excluded: Collection[tuple[str, frozenset[str]]],
) -> tuple[float, frozenset[str], float] | None:
    """What one candidate offers this round: (gain, covered nodes, cost), None if nothing."""
    if (root, seeds) in excluded:
        return None
    if any(s in order and s not in uncovered for s in seeds):
        return None
    covered = frozenset(n for n in covers if n in uncovered)
    if len(covered) < 2 and not (covered and root not in order):
        return None  # a single node is better off as its own root (handled below)
    cost = cost_of(root, seeds, covered)
    gain = sum(alone[n] for n in covered) - cost
    return gain, covered, cost
