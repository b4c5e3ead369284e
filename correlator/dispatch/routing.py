"""Which team gets an incident: a pure decision that explains itself.

The team of the root node (``team`` in the topology) unless a routing rule of the config
matches the root (kind, site, tags) or its alerting checks; the first matching rule wins.
An incident without a root node (unplaced), or whose root names no team, goes to the
default team — unless a rule that only looks at checks matches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase

from correlator.dispatch.settings import RoutingRule
from topology.model import NodeSpec


class RouteBasis(StrEnum):
    """Where the team came from."""

    RULE = "rule"
    NODE = "node"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """The team and why; ``rule`` is the index of the matching rule, if any."""

    team: str
    basis: RouteBasis
    reason: str
    rule: int | None = None


def matches_check(pattern: str, checks: Iterable[str]) -> str | None:
    """The first check (in the given order) matching ``pattern``, ignoring case."""
    lowered = pattern.lower()
    return next((c for c in checks if fnmatchcase(c.lower(), lowered)), None)


def _tags_match(wanted: Mapping[str, str], tags: Mapping[str, str]) -> bool:
    return all(key in tags and fnmatchcase(tags[key], pattern) for key, pattern in wanted.items())


def rule_matches(rule: RoutingRule, node: NodeSpec | None, checks: Iterable[str]) -> str | None:
    """Why ``rule`` matches (``kind=switch, site=bru-*``), or None when it does not."""
    why: list[str] = []
    if rule.needs_node:
        if node is None:
            return None
        if rule.kind is not None:
            if not fnmatchcase(node.kind, rule.kind):
                return None
            why.append(f"kind {node.kind!r} ~ {rule.kind!r}")
        if rule.site is not None:
            if node.site is None or not fnmatchcase(node.site, rule.site):
                return None
            why.append(f"site {node.site!r} ~ {rule.site!r}")
        if rule.tags:
            if not _tags_match(rule.tags, node.tags):
                return None
            why.append("tags " + ", ".join(f"{k}={v!r}" for k, v in sorted(rule.tags.items())))
    if rule.check is not None:
        found = matches_check(rule.check, checks)
        if found is None:
            return None
        why.append(f"check {found!r} ~ {rule.check!r}")
    return ", ".join(why)


def route(
    node: NodeSpec | None,
    checks: Iterable[str],
    rules: Iterable[RoutingRule],
    *,
    default_team: str,
) -> RouteDecision:
    """The team of an incident whose root is ``node`` (None: unplaced).

    ``checks`` are the check names of the root's alerts (of the unplaced host's alerts when
    there is no root node), in a stable order, so the same incident always routes the same.
    """
    ordered = tuple(checks)
    for index, rule in enumerate(rules):
        why = rule_matches(rule, node, ordered)
        if why is not None:
            return RouteDecision(
                rule.team, RouteBasis.RULE, f"routing rule {index + 1} ({why})", rule=index
            )
    if node is None:
        return RouteDecision(
            default_team, RouteBasis.DEFAULT, "unplaced: no root node, default team"
        )
    if node.team:
        return RouteDecision(node.team, RouteBasis.NODE, f"team of root node {node.id!r}")
    return RouteDecision(
        default_team, RouteBasis.DEFAULT, f"root node {node.id!r} names no team: default team"
    )
