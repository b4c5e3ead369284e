"""Read and write topology files (specs/topology-format.md).

Three forms, chosen by the file's extension in :func:`load_topology`:

``.yaml`` / ``.yml``
    The native form of the spec. Every error names the file, the line of the offending
    key or value, the node and the key. String fields keep the text exactly as written
    (``id: 0x1F`` is the id ``"0x1F"``, ``team: no`` is the team ``"no"``); an explicit
    ``null`` counts as if the key were absent. YAML merge keys (``<<: *anchor``) work;
    a key written twice in one mapping is an error.

``.json``
    Node-link JSON as ``networkx.node_link_data`` writes it. Nodes carry the attributes
    of the YAML form except ``depends_on``; the edge ``{"source": A, "target": B}`` means
    A depends on B. Edges out of one source that share an ``any_of`` value (a string or
    an integer label) form one redundancy group, in the order the edges first appear.
    Both ``edges`` (networkx >= 3.4) and ``links`` (older) are accepted. ``graph``
    attributes are ignored; ``defaults`` exist only in the YAML form. Errors carry no
    line (the json module gives none) except syntax errors.

``.graphml``
    GraphML read by ``networkx``: the same node attributes and the ``any_of`` edge
    attribute as data keys. Because GraphML values are scalars, ``monitored_as`` is a
    JSON list (``["web-01", "10.0.3.21"]``) or comma-separated text (``web-01,10.0.3.21``),
    and ``tags`` a JSON object (``{"rack": "r12"}``) or comma-separated ``key=value``
    pairs (``rack=r12,vendor=cisco``); use the JSON forms when a value holds a comma.
    A key's ``<default>`` applies to the nodes (or edges) that do not set it, as in GraphML.
    ``criticality`` may be declared as an int or as a string of digits. The ``id``
    edge attribute of GraphML is ignored. Node-link JSON accepts the same text forms.

Writers: :func:`dump_yaml`, :func:`to_node_link` and :func:`to_graphml` give back a file
that loads into the same nodes and redundancy groups.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, TypeAlias
from xml.etree.ElementTree import ParseError

import networkx as nx
import yaml

from topology.model import (
    DEFAULT_CRITICALITY,
    Dependency,
    NodeSpec,
    Topology,
    TopologyError,
    build,
)

if TYPE_CHECKING:
    from pathlib import Path

    from yaml.nodes import Node

__all__ = [
    "ID_PATTERN",
    "NODE_KEYS",
    "claim_key",
    "dump_yaml",
    "load_graphml_text",
    "load_node_link",
    "load_node_link_text",
    "load_topology",
    "load_yaml_text",
    "to_graphml",
    "to_node_link",
]

ID_PATTERN: Final = re.compile(r"[A-Za-z0-9._:-]+")
NODE_KEYS: Final = (
    "id",
    "kind",
    "team",
    "site",
    "criticality",
    "tags",
    "runbook",
    "monitored_as",
    "depends_on",
)
DEFAULT_KEYS: Final = ("team", "site", "criticality", "kind")
TOP_KEYS: Final = ("version", "defaults", "nodes")
DEFAULT_KIND: Final = "host"
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"
_NODE_LINK_KEYS: Final = ("directed", "multigraph", "graph", "nodes", "edges", "links")


# libyaml's loader when PyYAML was built with it (same nodes and marks, ~10x faster on a
# large topology), else the pure-Python one.
_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def claim_key(entry: str) -> str:
    """How two ``monitored_as`` entries are compared for duplicate claims (as in build)."""
    host, sep, check = entry.partition("!")
    return f"{host.lower()}!{check.lower()}" if sep else host.lower()


# -- a small tree that remembers lines, shared by every form -----------------------------


@dataclass(frozen=True, slots=True)
class _Scalar:
    value: object  # typed value (int, bool, None, str, ...)
    text: str  # the text as written (YAML) or str() of the value (JSON, GraphML)
    line: int | None


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    key_line: int | None
    value: _Tree


@dataclass(frozen=True, slots=True)
class _Map:
    entries: tuple[_Entry, ...]
    line: int | None

    def get(self, key: str) -> _Entry | None:
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None


@dataclass(frozen=True, slots=True)
class _Seq:
    items: tuple[_Tree, ...]
    line: int | None


_Tree: TypeAlias = "_Scalar | _Map | _Seq"


def _describe(tree: _Tree) -> str:
    if isinstance(tree, _Map):
        return "a mapping"
    if isinstance(tree, _Seq):
        return "a list" if tree.items else "an empty list"
    if tree.value is None:
        return "null"
    return f"{type(tree.value).__name__} {tree.text!r}"


def _from_python(value: object) -> _Tree:
    """Wrap a JSON/GraphML value in the tree the validators read (no lines)."""
    if isinstance(value, Mapping):
        return _Map(tuple(_Entry(str(k), None, _from_python(v)) for k, v in value.items()), None)
    if isinstance(value, list | tuple):
        return _Seq(tuple(_from_python(v) for v in value), None)
    if isinstance(value, bool):
        return _Scalar(value, "true" if value else "false", None)
    return _Scalar(value, "" if value is None else str(value), None)


def _problem(exc: yaml.YAMLError) -> str:
    """The one-line cause of a YAML error (its str() spans several lines)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or exc.context or "syntax error"
        if exc.problem and exc.context and exc.context_mark is not None:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        return problem
    return " ".join(str(exc).split())


def _id_of(node: yaml.MappingNode) -> str | None:
    """The ``id`` written in a mapping, to name the node in an error found before parsing it."""
    for key_node, value_node in node.value:
        if key_node.value == "id" and isinstance(value_node, yaml.ScalarNode):
            return str(value_node.value)
    return None


class _YamlTree:
    """Turn ``yaml.compose`` nodes into the tree, keeping ``start_mark.line + 1``."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._constructor = yaml.constructor.SafeConstructor()
        self._done: dict[int, _Tree] = {}
        self._busy: set[int] = set()

    def convert(self, node: Node) -> _Tree:
        key = id(node)
        done = self._done.get(key)
        if done is not None:
            return done  # an alias: the same node again
        line = node.start_mark.line + 1
        if key in self._busy:
            raise TopologyError(self.file, "an alias refers to itself", line=line)
        self._busy.add(key)
        try:
            tree = self._convert(node, line)
        finally:
            self._busy.discard(key)
        self._done[key] = tree
        return tree

    def _convert(self, node: Node, line: int) -> _Tree:
        if isinstance(node, yaml.ScalarNode):
            try:
                value = self._constructor.construct_object(node)
            except yaml.YAMLError as exc:
                reason = f"bad value {node.value!r}: {_problem(exc)}"
                raise TopologyError(self.file, reason, line=line) from None
            return _Scalar(value, str(node.value), line)
        if isinstance(node, yaml.SequenceNode):
            return _Seq(tuple(self.convert(item) for item in node.value), line)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, line)
        raise TopologyError(self.file, "unsupported YAML node", line=line)  # pragma: no cover

    def _mapping(self, node: yaml.MappingNode, line: int) -> _Map:
        seen: dict[str, int] = {}
        has_merge = False
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                has_merge = True
                continue
            key = self._key(key_node)
            key_line = key_node.start_mark.line + 1
            if key in seen:
                raise TopologyError(
                    self.file,
                    f"key {key!r} is written twice in one mapping (first on line {seen[key]})",
                    node=_id_of(node),
                    key=key,
                    line=key_line,
                )
            seen[key] = key_line
        if has_merge:
            try:
                self._constructor.flatten_mapping(node)
            except yaml.YAMLError as exc:
                reason = f"bad merge key: {_problem(exc)}"
                raise TopologyError(self.file, reason, line=line) from None
        entries: dict[str, _Entry] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            entries[key] = _Entry(key, key_node.start_mark.line + 1, self.convert(value_node))
        return _Map(tuple(entries.values()), line)

    def _key(self, key_node: Node) -> str:
        if not isinstance(key_node, yaml.ScalarNode):
            raise TopologyError(
                self.file, "a mapping key must be plain text", line=key_node.start_mark.line + 1
            )
        return str(key_node.value)


# -- validation shared by every form ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Defaults:
    team: str | None = None
    site: str | None = None
    criticality: int = DEFAULT_CRITICALITY
    kind: str = DEFAULT_KIND


@dataclass(slots=True)
class _Reader:
    """Validates node trees and remembers the lines needed by the cross-node checks."""

    file: str
    specs: list[NodeSpec] = field(default_factory=list)
    id_lines: dict[str, int | None] = field(default_factory=dict)
    refs: list[tuple[str, str, int | None]] = field(default_factory=list)
    claims: list[tuple[str, str, int | None]] = field(default_factory=list)

    def error(
        self, reason: str, *, node: str | None = None, key: str | None = None, line: int | None
    ) -> TopologyError:
        return TopologyError(self.file, reason, node=node, key=key, line=line)

    # scalar fields

    def text(self, tree: _Tree, *, node: str | None, key: str, what: str) -> str | None:
        """A non-empty text value, or None for null (treated as absent)."""
        if not isinstance(tree, _Scalar):
            raise self.error(
                f"{what} must be text, got {_describe(tree)}", node=node, key=key, line=tree.line
            )
        if tree.value is None:
            return None
        if not tree.text.strip():
            raise self.error(f"{what} must not be empty", node=node, key=key, line=tree.line)
        return tree.text

    def criticality(self, tree: _Tree, *, node: str | None) -> int | None:
        if isinstance(tree, _Scalar) and tree.value is None:
            return None
        value = tree.value if isinstance(tree, _Scalar) else None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(
                f"criticality must be an integer 1..5, got {_describe(tree)}",
                node=node,
                key="criticality",
                line=tree.line,
            )
        if not 1 <= value <= 5:
            raise self.error(
                f"criticality must be 1 (highest) .. 5 (lowest), got {value}",
                node=node,
                key="criticality",
                line=tree.line,
            )
        return value

    def node_id(self, tree: _Tree, *, what: str = "id") -> str:
        if not isinstance(tree, _Scalar) or tree.value is None:
            raise self.error(
                f"{what} must be text, got {_describe(tree)}", key="id", line=tree.line
            )
        text = tree.text
        if not ID_PATTERN.fullmatch(text):
            raise self.error(
                f"id {text!r} is not valid: use only letters, digits and . _ : -",
                node=text,
                key="id",
                line=tree.line,
            )
        return text

    def tags(self, tree: _Tree, *, node: str) -> dict[str, str]:
        if isinstance(tree, _Scalar) and tree.value is None:
            return {}
        if not isinstance(tree, _Map):
            raise self.error(
                f"tags must be a mapping of key: value, got {_describe(tree)}",
                node=node,
                key="tags",
                line=tree.line,
            )
        tags: dict[str, str] = {}
        for entry in tree.entries:
            value = entry.value
            if not isinstance(value, _Scalar) or value.value is None:
                raise self.error(
                    f"tag {entry.key!r} must have a text value, got {_describe(value)}",
                    node=node,
                    key="tags",
                    line=value.line or entry.key_line,
                )
            tags[entry.key] = value.text
        return tags

    def monitored_as(self, tree: _Tree, *, node: str) -> tuple[str, ...]:
        if isinstance(tree, _Scalar) and tree.value is None:
            return ()
        if not isinstance(tree, _Seq):
            raise self.error(
                f"monitored_as must be a list of HOST or HOST!CHECK, got {_describe(tree)}",
                node=node,
                key="monitored_as",
                line=tree.line,
            )
        entries: list[str] = []
        for item in tree.items:
            text = self.text(item, node=node, key="monitored_as", what="a monitored_as entry")
            if text is None:
                raise self.error(
                    "a monitored_as entry must not be null",
                    node=node,
                    key="monitored_as",
                    line=item.line,
                )
            if text != text.strip():
                raise self.error(
                    f"monitored_as entry {text!r} has leading or trailing spaces",
                    node=node,
                    key="monitored_as",
                    line=item.line,
                )
            host, sep, check = text.partition("!")
            if sep and not (host.strip() and check.strip()):
                raise self.error(
                    f"monitored_as entry {text!r} must be HOST!CHECK with both parts",
                    node=node,
                    key="monitored_as",
                    line=item.line,
                )
            entries.append(text)
            self.claims.append((node, text, item.line))
        return tuple(entries)

    def _ref(self, tree: _Tree, *, node: str) -> tuple[str, int | None]:
        text = self.text(tree, node=node, key="depends_on", what="a depends_on member")
        if text is None:
            raise self.error(
                "a depends_on member must be a node id, got null",
                node=node,
                key="depends_on",
                line=tree.line,
            )
        return text, tree.line

    def depends_on(self, tree: _Tree, *, node: str) -> tuple[Dependency, ...]:
        if isinstance(tree, _Scalar) and tree.value is None:
            return ()
        if not isinstance(tree, _Seq):
            raise self.error(
                "depends_on must be a list of node ids or {any_of: [...]}, "
                f"got {_describe(tree)}",
                node=node,
                key="depends_on",
                line=tree.line,
            )
        groups: list[list[tuple[str, int | None]]] = []
        for item in tree.items:
            if isinstance(item, _Map):
                groups.append(self._any_of(item, node=node))
            elif isinstance(item, _Seq):
                raise self.error(
                    "a depends_on entry must be a node id or {any_of: [...]}, got a list",
                    node=node,
                    key="depends_on",
                    line=item.line,
                )
            else:
                groups.append([self._ref(item, node=node)])
        return self.dependencies(groups, node=node)

    def _any_of(self, item: _Map, *, node: str) -> list[tuple[str, int | None]]:
        for entry in item.entries:
            if entry.key != "any_of":
                raise self.error(
                    f"unknown key {entry.key!r} in a depends_on entry (only any_of is allowed)",
                    node=node,
                    key="depends_on",
                    line=entry.key_line,
                )
        found = item.get("any_of")
        if found is None:
            raise self.error(
                "a depends_on mapping must be {any_of: [...]}",
                node=node,
                key="depends_on",
                line=item.line,
            )
        members = found.value
        if not isinstance(members, _Seq) or not members.items:
            raise self.error(
                f"any_of must be a list of at least one node id, got {_describe(members)}",
                node=node,
                key="depends_on",
                line=members.line or found.key_line,
            )
        return [self._ref(member, node=node) for member in members.items]

    def dependencies(
        self, groups: Sequence[Sequence[tuple[str, int | None]]], *, node: str
    ) -> tuple[Dependency, ...]:
        """Record references and reject a node named twice (the graph has one edge per pair)."""
        seen: set[str] = set()
        deps: list[Dependency] = []
        for group in groups:
            for target, line in group:
                if target in seen:
                    raise self.error(
                        f"depends_on names {target!r} twice",
                        node=node,
                        key="depends_on",
                        line=line,
                    )
                seen.add(target)
                self.refs.append((node, target, line))
            deps.append(Dependency(tuple(target for target, _ in group)))
        return tuple(deps)

    # mappings

    def defaults(self, tree: _Tree) -> _Defaults:
        if isinstance(tree, _Scalar) and tree.value is None:
            return _Defaults()
        if not isinstance(tree, _Map):
            raise self.error(
                f"defaults must be a mapping, got {_describe(tree)}", key="defaults", line=tree.line
            )
        values: dict[str, Any] = {}
        for entry in tree.entries:
            if entry.key not in DEFAULT_KEYS:
                raise self.error(
                    f"unknown key {entry.key!r} in defaults{_hint(entry.key, DEFAULT_KEYS)}"
                    f" (allowed: {', '.join(DEFAULT_KEYS)})",
                    key=entry.key,
                    line=entry.key_line,
                )
            if entry.key == "criticality":
                value: object = self.criticality(entry.value, node=None)
            else:
                value = self.text(
                    entry.value, node=None, key=entry.key, what=f"defaults.{entry.key}"
                )
            if value is not None:
                values[entry.key] = value
        return _Defaults(**values)

    def node(
        self, tree: _Tree, defaults: _Defaults, *, position: int, allowed: Sequence[str] = NODE_KEYS
    ) -> NodeSpec:
        """Validate one node; ``position`` (1-based) names it when it has no usable id."""
        if not isinstance(tree, _Map):
            raise self.error(
                f"node #{position} must be a mapping, got {_describe(tree)}", line=tree.line
            )
        id_entry = tree.get("id")
        if id_entry is None:
            raise self.error(f"node #{position} has no id", key="id", line=tree.line)
        node_id = self.node_id(id_entry.value)
        if node_id in self.id_lines:
            first = self.id_lines[node_id]
            where = f" (first on line {first})" if first is not None else ""
            raise self.error(
                f"duplicate node id{where}", node=node_id, key="id", line=id_entry.value.line
            )
        self.id_lines[node_id] = id_entry.value.line
        fields: dict[str, Any] = {}
        for entry in tree.entries:
            key, value = entry.key, entry.value
            if key not in allowed:
                if key == "depends_on":
                    reason = "depends_on is written as edges in this form"
                else:
                    reason = f"unknown key {key!r}{_hint(key, allowed)}"
                raise self.error(reason, node=node_id, key=key, line=entry.key_line)
            if key == "id":
                continue
            if key == "criticality":
                fields[key] = self.criticality(value, node=node_id)
            elif key == "tags":
                fields[key] = self.tags(value, node=node_id)
            elif key == "monitored_as":
                fields[key] = self.monitored_as(value, node=node_id)
            elif key == "depends_on":
                fields[key] = self.depends_on(value, node=node_id)
            else:  # kind, team, site, runbook
                fields[key] = self.text(value, node=node_id, key=key, what=key)
        spec = NodeSpec(
            id=node_id,
            kind=fields.get("kind") or defaults.kind,
            team=fields.get("team") or defaults.team,
            site=fields.get("site") or defaults.site,
            criticality=fields.get("criticality") or defaults.criticality,
            tags=fields.get("tags") or {},
            runbook=fields.get("runbook"),
            monitored_as=fields.get("monitored_as") or (),
            depends_on=fields.get("depends_on") or (),
            line=tree.line,
        )
        self.specs.append(spec)
        return spec

    def finish(self) -> Topology:
        """Cross-node checks with the line of the offending value, then :func:`build`."""
        for node, target, line in self.refs:
            if target not in self.id_lines:
                raise self.error(
                    f"depends_on names unknown node {target!r}{_hint(target, self.id_lines)}",
                    node=node,
                    key="depends_on",
                    line=line,
                )
        claimed: dict[str, tuple[str, int | None]] = {}
        for node, entry, line in self.claims:
            norm = claim_key(entry)
            other = claimed.get(norm)
            if other is not None and other[0] != node:
                where = f" (line {other[1]})" if other[1] is not None else ""
                raise self.error(
                    f"monitored_as entry {entry!r} is already claimed by node {other[0]!r}{where}",
                    node=node,
                    key="monitored_as",
                    line=line,
                )
            claimed.setdefault(norm, (node, line))
        return build(self.specs, self.file)


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# -- YAML ----------------------------------------------------------------------------------


def load_yaml_text(text: str, file: str) -> Topology:
    """Parse the native YAML form; ``file`` is only used in error messages."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise TopologyError(file, f"YAML syntax error: {_problem(exc)}", line=line) from None
    except yaml.YAMLError as exc:
        raise TopologyError(file, f"YAML error: {_problem(exc)}") from None
    if root is None:
        raise TopologyError(file, "the file is empty; expected version: 1 and nodes", line=1)
    tree = _YamlTree(file).convert(root)
    reader = _Reader(file)
    if not isinstance(tree, _Map):
        raise reader.error(
            f"the top level must be a mapping with version and nodes, got {_describe(tree)}",
            line=tree.line,
        )
    for entry in tree.entries:
        if entry.key not in TOP_KEYS:
            raise reader.error(
                f"unknown top-level key {entry.key!r}{_hint(entry.key, TOP_KEYS)}",
                key=entry.key,
                line=entry.key_line,
            )
    version = tree.get("version")
    if version is None:
        raise reader.error("version is required (version: 1)", key="version", line=tree.line)
    value = version.value
    number = value.value if isinstance(value, _Scalar) else None
    if not (isinstance(number, int) and not isinstance(number, bool) and number == 1):
        raise reader.error(
            f"unsupported version {_describe(value)}; this correlator reads version: 1",
            key="version",
            line=value.line,
        )
    defaults_entry = tree.get("defaults")
    defaults = reader.defaults(defaults_entry.value) if defaults_entry else _Defaults()
    nodes = tree.get("nodes")
    if nodes is None:
        raise reader.error("nodes is required (a list of nodes)", key="nodes", line=tree.line)
    if not isinstance(nodes.value, _Seq):
        raise reader.error(
            f"nodes must be a list, got {_describe(nodes.value)}",
            key="nodes",
            line=nodes.value.line or nodes.key_line,
        )
    for position, item in enumerate(nodes.value.items, start=1):
        reader.node(item, defaults, position=position)
    return reader.finish()


# -- node-link JSON and GraphML ----------------------------------------------------------


def _decode_list(value: object) -> object:
    """monitored_as as a JSON list or comma-separated text (GraphML keeps only scalars)."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value  # reported as "must be a list"
    return [part.strip() for part in value.split(",") if part.strip()]


def _decode_tags(value: object) -> object:
    """tags as a JSON object or comma-separated key=value pairs."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    tags: dict[str, str] = {}
    for part in value.split(","):
        if not part.strip():
            continue
        key, sep, tag_value = part.partition("=")
        if not sep:
            return value  # not key=value: reported as "must be a mapping"
        tags[key.strip()] = tag_value.strip()
    return tags


def _decode_criticality(value: object) -> object:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _from_records(
    nodes: Sequence[object],
    edges: Sequence[object],
    file: str,
    *,
    form: str,
    ignored_edge_keys: frozenset[str],
) -> Topology:
    """Node and edge records (node-link or GraphML) to a Topology."""
    reader = _Reader(file)
    allowed = tuple(k for k in NODE_KEYS if k != "depends_on")
    specs: list[NodeSpec] = []
    for position, record in enumerate(nodes, start=1):
        if not isinstance(record, Mapping):
            raise reader.error(f"{form} node #{position} must be an object", line=None)
        attrs = dict(record)
        if isinstance(attrs.get("id"), int) and not isinstance(attrs.get("id"), bool):
            attrs["id"] = str(attrs["id"])
        if "monitored_as" in attrs:
            attrs["monitored_as"] = _decode_list(attrs["monitored_as"])
        if "tags" in attrs:
            attrs["tags"] = _decode_tags(attrs["tags"])
        if "criticality" in attrs:
            attrs["criticality"] = _decode_criticality(attrs["criticality"])
        specs.append(
            reader.node(_from_python(attrs), _Defaults(), position=position, allowed=allowed)
        )
    groups: dict[str, list[list[tuple[str, int | None]]]] = {spec.id: [] for spec in specs}
    labels: dict[tuple[str, str], list[tuple[str, int | None]]] = {}
    for position, edge in enumerate(edges, start=1):
        if not isinstance(edge, Mapping):
            raise reader.error(f"{form} edge #{position} must be an object", line=None)
        for key in edge:
            if key not in {"source", "target", "any_of"} | ignored_edge_keys:
                raise reader.error(
                    f"edge #{position} has unknown attribute {key!r} "
                    "(edges carry source, target and any_of)",
                    key=str(key),
                    line=None,
                )
        source, target = (
            _edge_end(reader, edge, "source", position),
            _edge_end(reader, edge, "target", position),
        )
        if source not in groups:
            raise reader.error(
                f"edge #{position} starts at unknown node {source!r}",
                key="depends_on",
                line=None,
            )
        label = edge.get("any_of")
        if label is None:
            groups[source].append([(target, None)])
            continue
        if isinstance(label, bool) or not isinstance(label, str | int):
            raise reader.error(
                f"edge #{position}: any_of must be a text or integer group label, got {label!r}",
                node=source,
                key="depends_on",
                line=None,
            )
        group = labels.get((source, str(label)))
        if group is None:
            group = labels[(source, str(label))] = []
            groups[source].append(group)
        group.append((target, None))
    reader.specs = [
        replace(spec, depends_on=reader.dependencies(groups[spec.id], node=spec.id))
        for spec in specs
    ]
    return reader.finish()


def _edge_end(reader: _Reader, edge: Mapping[Any, Any], key: str, position: int) -> str:
    value = edge.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise reader.error(f"edge #{position} has no {key}", key="depends_on", line=None)
    return value


def load_node_link(data: object, file: str) -> Topology:
    """Load a decoded node-link JSON document (``networkx.node_link_data`` shape)."""
    if not isinstance(data, Mapping):
        raise TopologyError(file, "node-link JSON must be an object with nodes and edges")
    for key in data:
        if key not in _NODE_LINK_KEYS:
            raise TopologyError(
                file,
                f"unknown top-level key {key!r}{_hint(str(key), _NODE_LINK_KEYS)}",
                key=str(key),
            )
    if data.get("directed", True) is not True:
        raise TopologyError(
            file, "the graph must be directed (an edge A -> B means A depends on B)", key="directed"
        )
    if "edges" in data and "links" in data:
        raise TopologyError(file, "write the edges under edges or links, not both", key="links")
    nodes = data.get("nodes")
    edges = data.get("edges", data.get("links", []))
    if not isinstance(nodes, list):
        raise TopologyError(file, "nodes must be a list of node objects", key="nodes")
    if not isinstance(edges, list):
        raise TopologyError(file, "edges must be a list of edge objects", key="edges")
    return _from_records(
        nodes, edges, file, form="node-link JSON", ignored_edge_keys=frozenset({"key"})
    )


def load_node_link_text(text: str, file: str) -> Topology:
    """Parse node-link JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TopologyError(file, f"JSON syntax error: {exc.msg}", line=exc.lineno) from None
    return load_node_link(data, file)


def load_graphml_text(text: str | bytes, file: str) -> Topology:
    """Parse GraphML (bytes keep the encoding the XML prolog declares)."""
    try:
        graph = nx.parse_graphml(text)
    except ParseError as exc:
        raise TopologyError(file, f"XML syntax error: {exc}", line=exc.position[0]) from None
    except (nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        raise TopologyError(file, f"GraphML error: {exc}") from None
    if not graph.is_directed():
        raise TopologyError(
            file, 'the graph must be directed (<graph edgedefault="directed">)', key="edgedefault"
        )
    node_default = dict(graph.graph.get("node_default") or {})
    edge_default = dict(graph.graph.get("edge_default") or {})
    nodes = [{**node_default, **attrs, "id": node} for node, attrs in graph.nodes(data=True)]
    edges = [
        {**edge_default, **attrs, "source": u, "target": v}
        for u, v, attrs in graph.edges(data=True)
    ]
    return _from_records(nodes, edges, file, form="GraphML", ignored_edge_keys=frozenset({"id"}))


_LOADERS: Final[Mapping[str, Callable[[str, str], Topology]]] = {
    ".yaml": load_yaml_text,
    ".yml": load_yaml_text,
    ".json": load_node_link_text,
}


def load_topology(path: Path) -> Topology:
    """Load a topology file, choosing the form by extension; raise TopologyError on any fault."""
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in {*_LOADERS, ".graphml"}:
        raise TopologyError(
            file, f"unknown file type {suffix or '(none)'!r}: use .yaml, .yml, .json or .graphml"
        )
    try:
        if suffix == ".graphml":
            return load_graphml_text(path.read_bytes(), file)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TopologyError(file, f"cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TopologyError(file, f"the file is not UTF-8 text ({exc.reason})") from None
    return _LOADERS[suffix](text, file)


# -- writers ------------------------------------------------------------------------------


def _node_record(spec: NodeSpec) -> dict[str, Any]:
    """The attributes of one node, omitting what is unset (no depends_on)."""
    record: dict[str, Any] = {"id": spec.id, "kind": spec.kind}
    if spec.team is not None:
        record["team"] = spec.team
    if spec.site is not None:
        record["site"] = spec.site
    if spec.criticality != DEFAULT_CRITICALITY:
        record["criticality"] = spec.criticality
    if spec.tags:
        record["tags"] = dict(spec.tags)
    if spec.runbook is not None:
        record["runbook"] = spec.runbook
    if spec.monitored_as:
        record["monitored_as"] = list(spec.monitored_as)
    return record


class _Block(dict[str, Any]):
    """A node: written as a block mapping, while its lists and tags stay on one line."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_block(dumper: yaml.SafeDumper, data: _Block) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=False)


_Dumper.add_representer(_Block, _represent_block)


def dump_yaml(topology: Topology) -> str:
    """The topology in the native YAML form, one node per paragraph, loadable again."""
    if not topology.nodes:
        return "version: 1\nnodes: []\n"
    chunks = ["version: 1\nnodes:\n"]
    for index, spec in enumerate(topology.nodes.values()):
        record = _Block(_node_record(spec))
        if spec.depends_on:
            record["depends_on"] = [
                dep.any_of[0] if len(dep.any_of) == 1 else {"any_of": list(dep.any_of)}
                for dep in spec.depends_on
            ]
        text = yaml.dump(
            record,
            Dumper=_Dumper,
            sort_keys=False,
            default_flow_style=True,
            allow_unicode=True,
            width=100,
        )
        lines = text.splitlines(keepends=True)
        body = "".join(
            [f"  - {lines[0]}", *(f"    {line}" if line.strip() else line for line in lines[1:])]
        )
        chunks.append(("\n" if index else "") + body)
    return "".join(chunks)


def _edges(spec: NodeSpec) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    for index, dep in enumerate(spec.depends_on):
        for target in dep.any_of:
            edge: dict[str, Any] = {"source": spec.id, "target": target}
            if dep.redundant:
                edge["any_of"] = index
            edges.append(edge)
    return edges


def to_node_link(topology: Topology) -> dict[str, Any]:
    """The topology as node-link JSON data (the shape ``networkx.node_link_data`` writes)."""
    return {
        "directed": True,
        "multigraph": False,
        "graph": {},
        "nodes": [_node_record(spec) for spec in topology.nodes.values()],
        "edges": [edge for spec in topology.nodes.values() for edge in _edges(spec)],
    }


def to_graphml(topology: Topology) -> str:
    """The topology as GraphML; list and mapping attributes are written as JSON text."""
    graph = nx.DiGraph()
    for spec in topology.nodes.values():
        record = _node_record(spec)
        del record["id"]
        if "tags" in record:
            record["tags"] = json.dumps(record["tags"], ensure_ascii=False)
        if "monitored_as" in record:
            record["monitored_as"] = json.dumps(record["monitored_as"], ensure_ascii=False)
        graph.add_node(spec.id, **record)
    for spec in topology.nodes.values():
        for edge in _edges(spec):
            attrs = {k: v for k, v in edge.items() if k not in {"source", "target"}}
            graph.add_edge(edge["source"], edge["target"], **attrs)
    return "\n".join(nx.generate_graphml(graph)) + "\n"
