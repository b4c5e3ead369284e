"""Import hosts and dependencies from a Zabbix server's API (Zabbix 6.x, pyzabbix).

:func:`fetch` makes two calls and :func:`convert` is a pure function of their answers, so
the conversion is tested on recorded answers without a server:

- ``host.get`` with ``selectGroups`` (``selectHostGroups`` from 6.2 on; both answer
  shapes are read) and ``selectInterfaces``: every host becomes a node whose id is the
  technical name ``host``; ``monitored_as`` holds ``host``, the visible ``name`` when it
  differs, and each interface's ``ip`` and ``dns``; the host groups become the tag
  ``groups``. An entry another host already claimed (two hosts on ``127.0.0.1``) is kept
  on the first host only, with a warning.
- ``trigger.get`` with ``selectDependencies`` and ``selectHosts``: a host with a trigger
  that depends on a trigger of another host depends on that host (plain ``depends_on``:
  Zabbix suppresses the dependent trigger as soon as any one of its dependencies is in
  problem). Dependencies between triggers of the same host, and triggers of templates or
  of hosts not in the ``host.get`` answer, add nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from topology.imports import Claims, ImportResult, merge_dependencies, node_id
from topology.model import NodeSpec

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["convert", "fetch"]

_ZABBIX_6_2 = (6, 2)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _addresses(host: Mapping[str, Any]) -> list[str]:
    interfaces = [i for i in host.get("interfaces") or [] if isinstance(i, dict)]
    interfaces.sort(key=lambda i: _text(i.get("main")) != "1")  # main interfaces first
    found: list[str] = []
    for interface in interfaces:
        found.extend(x for x in (_text(interface.get("ip")), _text(interface.get("dns"))) if x)
    return found


def _group_names(host: Mapping[str, Any]) -> list[str]:
    groups = host.get("hostgroups") or host.get("groups") or []
    return [_text(g.get("name")) for g in groups if isinstance(g, dict) and _text(g.get("name"))]


def convert(
    hosts: Sequence[Mapping[str, Any]], triggers: Sequence[Mapping[str, Any]]
) -> ImportResult:
    """``host.get`` and ``trigger.get`` answers to nodes; see the module docstring."""
    warnings: list[str] = []
    taken: set[str] = set()
    ids: dict[str, str] = {}  # hostid -> node id
    names: dict[str, str] = {}  # hostid -> technical name
    for host in hosts:
        hostid, name = _text(host.get("hostid")), _text(host.get("host"))
        if not hostid or not name:
            warnings.append(f"host without hostid or host skipped: {dict(host)!r}")
            continue
        if hostid in ids:
            continue
        ids[hostid] = node_id(name, taken)
        names[hostid] = name

    trigger_hosts: dict[str, list[str]] = {}
    for trigger in triggers:
        trigger_hosts[_text(trigger.get("triggerid"))] = [
            _text(h.get("hostid")) for h in trigger.get("hosts") or [] if isinstance(h, dict)
        ]
    depends: dict[str, list[list[str]]] = {hostid: [] for hostid in ids}
    missing = 0
    for trigger in triggers:
        dependents = [h for h in trigger_hosts[_text(trigger.get("triggerid"))] if h in ids]
        for dependency in trigger.get("dependencies") or []:
            masters = trigger_hosts.get(_text(dependency.get("triggerid")))
            if masters is None:
                missing += 1
                continue
            for dependent in dependents:
                for master in masters:
                    if master in ids and master != dependent:
                        depends[dependent].append([ids[master]])
    if missing:
        warnings.append(
            f"not imported: {missing} trigger dependency(ies) on a trigger that trigger.get "
            "did not return (one this user cannot read?)"
        )

    claims = Claims()
    specs: list[NodeSpec] = []
    done: set[str] = set()
    for host in hosts:
        hostid = _text(host.get("hostid"))
        nid = ids.get(hostid)
        if nid is None or nid in done:
            continue
        done.add(nid)
        entries = [names[hostid], _text(host.get("name")), *_addresses(host)]
        groups = _group_names(host)
        specs.append(
            NodeSpec(
                id=nid,
                kind="host",
                tags={"groups": ",".join(groups)} if groups else {},
                monitored_as=claims.take(nid, entries, warnings),
                depends_on=merge_dependencies(nid, depends[hostid], warnings),
            )
        )
    return ImportResult(tuple(specs), tuple(dict.fromkeys(warnings)))


def fetch(
    url: str,
    *,
    token: str | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ask the server for hosts and triggers (the two answers :func:`convert` reads)."""
    from pyzabbix.api import ZabbixAPI  # noqa: PLC0415 - only the import command needs it

    with ZabbixAPI(url, timeout=timeout) as api:
        if token is not None:
            api.login(api_token=token)
        else:
            api.login(user or "", password or "")
        version = api.version
        new_groups = version is not None and (version.major, version.minor) >= _ZABBIX_6_2
        groups_param = "selectHostGroups" if new_groups else "selectGroups"
        hosts = api.host.get(
            output=["hostid", "host", "name", "status"],
            selectInterfaces=["ip", "dns", "main", "type", "useip"],
            **{groups_param: ["groupid", "name"]},
        )
        triggers = api.trigger.get(
            output=["triggerid", "description"],
            selectDependencies="extend",
            selectHosts=["hostid", "host"],
        )
    return list(hosts), list(triggers)
