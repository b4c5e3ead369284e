"""Imports from monitoring tools into the native YAML form (specs/topology-format.md).

Each importer is a pure conversion from what the tool knows (Nagios object files, Zabbix
API answers) to :class:`ImportResult`; :func:`render` writes it as YAML with a header that
says the file is a draft for a person to review. What an import cannot know (teams, sites,
kinds, criticality, unmonitored links and power, business services) is left for that person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from topology.load import ID_PATTERN, claim_key, dump_yaml
from topology.model import Dependency, NodeSpec, build

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["Claims", "ImportResult", "merge_dependencies", "node_id", "render"]

_BAD_ID_CHARS: Final = re.compile(r"[^A-Za-z0-9._:-]+")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The nodes an import found, and what the reviewer should know about them."""

    specs: tuple[NodeSpec, ...]
    warnings: tuple[str, ...] = ()


def node_id(name: str, taken: set[str]) -> str:
    """A valid, unused node id for a tool's object name (the name stays in monitored_as)."""
    base = name if ID_PATTERN.fullmatch(name) else _BAD_ID_CHARS.sub("_", name).strip("_")
    base = base or "node"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


class Claims:
    """``monitored_as`` entries already given to a node; a second claim is dropped."""

    def __init__(self) -> None:
        self._owner: dict[str, str] = {}

    def take(self, node: str, entries: Iterable[str], warnings: list[str]) -> tuple[str, ...]:
        kept: list[str] = []
        for entry in entries:
            if not entry or entry != entry.strip():
                continue
            norm = claim_key(entry)
            owner = self._owner.get(norm)
            if owner is None:
                self._owner[norm] = node
                kept.append(entry)
            elif owner != node:
                warnings.append(
                    f"{entry!r} names both {owner!r} and {node!r}; kept on {owner!r} only"
                )
        return tuple(kept)


def merge_dependencies(
    node: str, groups: Sequence[Sequence[str]], warnings: list[str]
) -> tuple[Dependency, ...]:
    """Dependencies from raw groups: no duplicates, no self-dependency, loadable again.

    A one-member group is a plain dependency. A redundancy group that contains a plain
    dependency says nothing more (that member alone already explains the node) and is
    dropped; a node already named by an earlier group drops the later group.
    """
    plain = {group[0] for group in groups if len(group) == 1}
    seen: set[str] = set()
    deps: list[Dependency] = []
    for group in groups:
        members = tuple(dict.fromkeys(m for m in group if m != node))
        if not members:
            continue
        if len(members) > 1 and plain.intersection(members):
            warnings.append(
                f"{node!r}: any_of {list(members)} dropped, "
                f"{min(plain.intersection(members))!r} alone already explains it"
            )
            continue
        if seen.intersection(members):
            if len(members) > 1:
                warnings.append(f"{node!r}: any_of {list(members)} overlaps an earlier one")
            continue
        seen.update(members)
        deps.append(Dependency(members))
    return tuple(deps)


def render(result: ImportResult, *, command: str, sources: Sequence[str]) -> str:
    """The YAML a person reviews: header, warnings, then the nodes (validated by build)."""
    topology = build(result.specs, f"<{command}>")
    lines = [
        f"# Imported by `{command}` from: {', '.join(sources)}",
        "# A DRAFT for a person to review, not a finished topology. Before committing it:",
        "#   - set team, site, kind and criticality (the import cannot know them);",
        "#   - add what the tool does not see: links, PDUs, storage, business services;",
        "#   - check every depends_on and any_of, then run `correlator topology check`.",
    ]
    if result.warnings:
        lines.append("# Warnings:")
        lines.extend(f"#   - {' '.join(warning.split())}" for warning in result.warnings)
    return "\n".join(lines) + "\n" + dump_yaml(topology)
