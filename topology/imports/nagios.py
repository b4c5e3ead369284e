"""Import hosts and dependencies from Nagios object configuration files.

Input: the object files that ``nagios.cfg`` names with ``cfg_file``, or better the
``objects.cache`` file Nagios writes at start (every template already resolved). Comments
(``#`` or ``;`` lines, ``;`` after a value unless written ``\\;``) are skipped. Templates
are resolved as Nagios does: ``name`` defines a template, ``register 0`` keeps an object
out of the configuration, ``use a,b`` inherits (the first template named wins),
``+value`` appends to the inherited list and ``null`` cancels it.

What becomes what:

- ``define host``: a node whose id is ``host_name`` (changed into a valid id when it is not
  one; the name itself stays in ``monitored_as``), kind ``host``, ``monitored_as``
  ``[host_name, address]``, the host groups (from ``hostgroups`` and from ``define hostgroup``
  ``members``) as the tag ``hostgroups``.
- ``parents``: one parent is a plain ``depends_on``. **Several parents are one ``any_of``
  group**: Nagios marks a host UNREACHABLE only when *all* its parents are down, so one
  working parent keeps the host reachable, which is what ``any_of`` means.
- ``define hostdependency``: each master (``host_name``/``hostgroup_name``) becomes a plain
  ``depends_on`` of each dependent (``dependent_host_name``/``dependent_hostgroup_name``):
  Nagios suppresses the dependent as soon as any one of its dependencies fails.
- ``define servicedependency``: both services become nodes ``HOST:SERVICE`` (kind
  ``application``, ``monitored_as`` ``HOST!SERVICE``, depending on their host), and the
  dependent service's node depends on the master service's node. Without a dependent
  host, the dependency is within the same host (as in Nagios).
- ``define service``: read to warn about service dependencies naming an undefined service;
  services without dependencies need no node (the host's ``HOST`` entry covers them).

``*`` (every host) and ``!name`` (exclusion) work in host and host group lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from topology.imports import Claims, ImportResult, merge_dependencies, node_id
from topology.model import NodeSpec, TopologyError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

__all__ = ["NagiosObject", "convert", "import_files", "parse_objects"]

_DEFINE: Final = re.compile(r"define\s+([A-Za-z_]+)\s*\{(.*)$")
_NOT_INHERITED: Final = frozenset({"use", "name", "register"})


@dataclass(frozen=True, slots=True)
class NagiosObject:
    """One ``define TYPE { ... }`` block as written (templates not yet resolved)."""

    type: str
    attrs: Mapping[str, str]
    file: str
    line: int


def _strip_comment(line: str) -> str:
    """Cut a ``;`` comment; ``\\;`` is a literal semicolon."""
    out: list[str] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and line[index + 1 : index + 2] == ";":
            out.append(";")
            index += 2
            continue
        if char == ";":
            break
        out.append(char)
        index += 1
    return "".join(out).strip()


def parse_objects(text: str, file: str) -> list[NagiosObject]:
    """Split object configuration text into definitions; raise TopologyError with the line."""
    objects: list[NagiosObject] = []
    current: tuple[str, int, dict[str, str]] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        line = _strip_comment(stripped)
        if not line:
            continue
        match = _DEFINE.match(line)
        if match is not None:
            if current is not None:
                raise TopologyError(
                    file,
                    f"define {match.group(1)} starts before define {current[0]} "
                    f"(line {current[1]}) is closed with }}",
                    line=number,
                )
            current = (match.group(1).lower(), number, {})
            line = match.group(2).strip()
            if not line:
                continue
        if current is None:
            hint = ""
            if "=" in line.split(None, 1)[0]:
                hint = " (this looks like nagios.cfg: pass the object files it names instead)"
            raise TopologyError(file, f"expected 'define TYPE {{', got {line!r}{hint}", line=number)
        closing = line.endswith("}")
        if closing:
            line = line[:-1].strip()
        if line:
            name, *value = line.split(None, 1)
            current[2][name] = value[0].strip() if value else ""
        if closing:
            objects.append(NagiosObject(current[0], dict(current[2]), file, current[1]))
            current = None
    if current is not None:
        raise TopologyError(file, f"define {current[0]} is never closed with }}", line=current[1])
    return objects


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class _Resolver:
    """Template inheritance (``use``), per object type, as Nagios applies it."""

    def __init__(self, objects: Sequence[NagiosObject], warnings: list[str]) -> None:
        self._warnings = warnings
        self._templates: dict[tuple[str, str], NagiosObject] = {}
        for obj in objects:
            name = obj.attrs.get("name")
            if name:
                self._templates[(obj.type, name)] = obj

    def resolve(self, obj: NagiosObject, stack: tuple[str, ...] = ()) -> dict[str, str]:
        merged: dict[str, str] = {}
        for template_name in reversed(_split(obj.attrs.get("use"))):  # the first one wins
            template = self._templates.get((obj.type, template_name))
            if template is None:
                self._warnings.append(
                    f"{obj.file}:{obj.line}: {obj.type} template {template_name!r} is not defined"
                )
                continue
            if template_name in stack:
                self._warnings.append(
                    f"{obj.file}:{obj.line}: template loop through {template_name!r}"
                )
                continue
            merged.update(self.resolve(template, (*stack, template_name)))
        for key, value in obj.attrs.items():
            if key in _NOT_INHERITED:
                continue
            if value == "null":
                merged[key] = ""
            elif value.startswith("+"):
                inherited = merged.get(key, "")
                merged[key] = f"{inherited},{value[1:]}" if inherited else value[1:]
            else:
                merged[key] = value
        return merged


@dataclass(frozen=True, slots=True)
class _Real:
    type: str
    attrs: dict[str, str]
    where: str


class _Hosts:
    """Host names, host group membership, and ``*``/``!`` list expansion."""

    def __init__(self, objects: Sequence[_Real], warnings: list[str]) -> None:
        self.attrs: dict[str, dict[str, str]] = {}
        for obj in objects:
            if obj.type != "host":
                continue
            name = obj.attrs.get("host_name", "")
            if not name:
                warnings.append(f"{obj.where}: host without host_name skipped")
            elif name in self.attrs:
                warnings.append(f"{obj.where}: host {name!r} is defined twice; first kept")
            else:
                self.attrs[name] = obj.attrs
        self.groups: dict[str, list[str]] = {}
        nested: dict[str, list[str]] = {}
        for name, attrs in self.attrs.items():
            for group in _split(attrs.get("hostgroups")):
                self.groups.setdefault(group, []).append(name)
        for obj in objects:
            if obj.type == "hostgroup" and obj.attrs.get("hostgroup_name"):
                group = obj.attrs["hostgroup_name"]
                members = self.groups.setdefault(group, [])
                members.extend(self.expand(obj.attrs.get("members"), None))
                nested[group] = _split(obj.attrs.get("hostgroup_members"))
        for group in nested:
            self.groups[group] = self._members(group, nested, ())

    def _members(
        self, group: str, nested: dict[str, list[str]], seen: tuple[str, ...]
    ) -> list[str]:
        members = list(self.groups.get(group, []))
        for sub in nested.get(group, []):
            if sub not in seen:
                members.extend(self._members(sub, nested, (*seen, group)))
        return list(dict.fromkeys(members))

    def expand(self, names: str | None, groups: str | None) -> list[str]:
        include: list[str] = []
        exclude: set[str] = set()
        for item in _split(names):
            if item == "*":
                include.extend(self.attrs)
            elif item.startswith("!"):
                exclude.add(item[1:])
            else:
                include.append(item)
        for item in _split(groups):
            if item.startswith("!"):
                exclude.update(self.groups.get(item[1:], []))
            else:
                include.extend(self.groups.get(item, []))
        return [host for host in dict.fromkeys(include) if host not in exclude]

    def groups_of(self, host: str) -> list[str]:
        return [group for group, members in self.groups.items() if host in members]


def convert(objects: Sequence[NagiosObject]) -> ImportResult:
    """Nagios definitions to nodes; see the module docstring for what becomes what."""
    warnings: list[str] = []
    resolver = _Resolver(objects, warnings)
    real = [
        _Real(obj.type, resolver.resolve(obj), f"{obj.file}:{obj.line}")
        for obj in objects
        if obj.attrs.get("register", "1") != "0"
    ]
    hosts = _Hosts(real, warnings)
    taken: set[str] = set()
    ids = {name: node_id(name, taken) for name in hosts.attrs}
    groups: dict[str, list[list[str]]] = {ids[name]: [] for name in hosts.attrs}

    def known(host: str, where: str, role: str) -> bool:
        if host in ids:
            return True
        warnings.append(f"{where}: {role} {host!r} is not a defined host; skipped")
        return False

    for name, attrs in hosts.attrs.items():
        parents = [p for p in _split(attrs.get("parents")) if known(p, f"host {name!r}", "parent")]
        if parents:
            groups[ids[name]].append([ids[p] for p in parents])
    for obj in real:
        if obj.type != "hostdependency":
            continue
        masters = hosts.expand(obj.attrs.get("host_name"), obj.attrs.get("hostgroup_name"))
        dependents = hosts.expand(
            obj.attrs.get("dependent_host_name"), obj.attrs.get("dependent_hostgroup_name")
        )
        for dependent in dependents:
            for master in masters:
                if dependent != master and all(
                    known(h, obj.where, "hostdependency host") for h in (dependent, master)
                ):
                    groups[ids[dependent]].append([ids[master]])

    services = {
        (host, desc)
        for obj in real
        if obj.type == "service"
        for host in hosts.expand(obj.attrs.get("host_name"), obj.attrs.get("hostgroup_name"))
        for desc in [obj.attrs.get("service_description", "")]
        if desc
    }
    service_ids: dict[tuple[str, str], str] = {}
    service_groups: dict[str, list[list[str]]] = {}

    def service_node(host: str, desc: str, where: str) -> str:
        key = (host, desc)
        if key not in service_ids:
            if key not in services:
                warnings.append(f"{where}: service {desc!r} on {host!r} is not defined")
            sid = service_ids[key] = node_id(f"{host}:{desc}", taken)
            service_groups[sid] = [[ids[host]]]
        return service_ids[key]

    for obj in real:
        if obj.type != "servicedependency":
            continue
        master_hosts = hosts.expand(obj.attrs.get("host_name"), obj.attrs.get("hostgroup_name"))
        dependent_hosts = hosts.expand(
            obj.attrs.get("dependent_host_name"), obj.attrs.get("dependent_hostgroup_name")
        )
        master_services = _split(obj.attrs.get("service_description"))
        dependent_services = _split(obj.attrs.get("dependent_service_description"))
        if not (master_hosts and master_services and dependent_services):
            warnings.append(f"{obj.where}: servicedependency without hosts or services skipped")
            continue
        if dependent_hosts or obj.attrs.get("dependent_host_name"):
            pairs = [(d, m) for d in dependent_hosts for m in master_hosts]
        else:  # "same host" dependency
            pairs = [(m, m) for m in master_hosts]
        for dependent_host, master_host in pairs:
            if not all(
                known(h, obj.where, "servicedependency host") for h in (dependent_host, master_host)
            ):
                continue
            for dependent in dependent_services:
                for master in master_services:
                    if (dependent_host, dependent) == (master_host, master):
                        continue
                    d = service_node(dependent_host, dependent, obj.where)
                    m = service_node(master_host, master, obj.where)
                    service_groups[d].append([m])

    claims = Claims()
    specs: list[NodeSpec] = []
    for name, attrs in hosts.attrs.items():
        nid = ids[name]
        member_of = hosts.groups_of(name)
        specs.append(
            NodeSpec(
                id=nid,
                kind="host",
                tags={"hostgroups": ",".join(member_of)} if member_of else {},
                monitored_as=claims.take(nid, [name, attrs.get("address", "")], warnings),
                depends_on=merge_dependencies(nid, groups[nid], warnings),
            )
        )
    for (host, desc), sid in service_ids.items():
        specs.append(
            NodeSpec(
                id=sid,
                kind="application",
                monitored_as=claims.take(sid, [f"{host}!{desc}"], warnings),
                depends_on=merge_dependencies(sid, service_groups[sid], warnings),
            )
        )
    return ImportResult(tuple(specs), tuple(dict.fromkeys(warnings)))


def import_files(paths: Sequence[Path]) -> ImportResult:
    """Read and convert object files; raise TopologyError when one cannot be read or parsed."""
    objects: list[NagiosObject] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TopologyError(str(path), f"cannot read the file: {exc.strerror or exc}") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")  # older Nagios installs write Latin-1
        objects.extend(parse_objects(text, str(path)))
    return convert(objects)
