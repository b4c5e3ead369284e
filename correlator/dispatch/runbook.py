"""The runbook (knowledge-base) link tickets and pages carry for an incident's root.

The root node's own ``runbook`` field wins; otherwise the first config rule whose ``kind``
and ``check`` patterns (shell-style, see :mod:`correlator.dispatch.settings`) match gives a
URL template, filled with ``{node}``, ``{kind}`` and ``{check}``. Filled-in values are
percent-encoded, so a check named ``HTTP response`` gives ``HTTP%20response``. A rule whose
template needs ``{check}`` (or ``{kind}``, ``{node}``) is skipped when the incident has no
such value, rather than producing a broken link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from urllib.parse import quote

from correlator.dispatch.routing import matches_check
from correlator.dispatch.settings import RunbookRule
from topology.model import NodeSpec


class RunbookBasis(StrEnum):
    """Where the link came from."""

    NODE = "node"
    RULE = "rule"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class RunbookDecision:
    """The link (None when there is none) and why; ``rule`` is the matching rule's index."""

    url: str | None
    basis: RunbookBasis
    reason: str
    rule: int | None = None


def runbook_for(
    node: NodeSpec | None,
    checks: Iterable[str],
    rules: Iterable[RunbookRule],
    *,
    subject: str | None = None,
) -> RunbookDecision:
    """The runbook link for an incident rooted at ``node`` (None: unplaced).

    ``checks`` are the root's alerting check names in a stable order (the first matching
    one fills ``{check}``); ``subject`` names an unplaced incident (its host) for ``{node}``.
    """
    if node is not None and node.runbook:
        return RunbookDecision(node.runbook, RunbookBasis.NODE, f"runbook of node {node.id!r}")
    ordered = tuple(checks)
    name = node.id if node is not None else subject
    kind = node.kind if node is not None else None
    for index, rule in enumerate(rules):
        if rule.kind is not None and (kind is None or not fnmatchcase(kind, rule.kind)):
            continue
        check: str | None
        if rule.check is not None:
            check = matches_check(rule.check, ordered)
            if check is None:
                continue
        else:
            check = ordered[0] if ordered else None
        values = {"node": name, "kind": kind, "check": check}
        if any(values[f] is None for f in rule.fields):
            continue
        url = rule.url.format(**{f: quote(values[f] or "", safe="") for f in rule.fields})
        why = [f"kind {kind!r} ~ {rule.kind!r}"] if rule.kind is not None else []
        if rule.check is not None:
            why.append(f"check {check!r} ~ {rule.check!r}")
        return RunbookDecision(
            url, RunbookBasis.RULE, f"runbook rule {index + 1} ({', '.join(why)})", rule=index
        )
    what = f"node {node.id!r} has no runbook" if node is not None else "unplaced"
    return RunbookDecision(None, RunbookBasis.NONE, f"{what} and no runbook rule matches")
