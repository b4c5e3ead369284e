"""Imports: Nagios object files and Zabbix API answers become reviewable topologies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from topology.imports import ImportResult, nagios, render, zabbix
from topology.load import load_yaml_text
from topology.model import Dependency, NodeSpec, Topology, TopologyError, build

DATA = Path(__file__).resolve().parents[2] / "data" / "topology"


@pytest.fixture(scope="module")
def nagios_import() -> ImportResult:
    return nagios.import_files([DATA / "nagios-objects.cfg"])


@pytest.fixture(scope="module")
def nagios_topology(nagios_import) -> Topology:
    return build(nagios_import.specs, "nagios")


def answer(name: str) -> list[dict[str, object]]:
    return json.loads((DATA / name).read_text())["result"]


@pytest.fixture(scope="module")
def zabbix_topology() -> Topology:
    result = zabbix.convert(answer("zabbix6-host.get.json"), answer("zabbix6-trigger.get.json"))
    return build(result.specs, "zabbix")


# -- Nagios -------------------------------------------------------------------------------


def test_nagios_hosts_become_nodes(nagios_topology):
    """Every registered host is a node; templates (register 0) are not."""
    hosts = [s.id for s in nagios_topology.nodes.values() if s.kind == "host"]
    assert hosts == ["core-a", "core-b", "dist-1", "web-01.bru.example.net", "db-01", "backup_srv"]


def test_nagios_monitored_as_is_host_name_and_address(nagios_topology):
    """A host is monitored as its host_name and its address."""
    assert nagios_topology.nodes["core-a"].monitored_as == ("core-a", "127.0.0.11")
    assert nagios_topology.place("dist-1").node == "dist-1"
    assert nagios_topology.place("x", address="10.0.3.21").node == "web-01.bru.example.net"


def test_nagios_single_parent_is_a_plain_dependency(nagios_topology):
    """One parent becomes a plain depends_on."""
    assert nagios_topology.depends_on("db-01") == (Dependency(("dist-1",)),)


def test_nagios_several_parents_are_one_any_of_group(nagios_topology):
    """Several parents become one any_of group (unreachable only when all parents are down)."""
    assert nagios_topology.depends_on("dist-1") == (Dependency(("core-a", "core-b")),)


def test_nagios_host_dependency_is_a_plain_dependency(nagios_topology):
    """A hostdependency adds the master as a plain dependency after the parents."""
    assert nagios_topology.depends_on("web-01.bru.example.net") == (
        Dependency(("dist-1",)),
        Dependency(("db-01",)),
    )


def test_nagios_service_dependency_makes_service_nodes(nagios_topology):
    """A servicedependency gives both services a node that depends on its host and the master service."""
    web = nagios_topology.nodes["web-01.bru.example.net:HTTP"]
    assert web.monitored_as == ("web-01.bru.example.net!HTTP",)
    assert web.depends_on == (Dependency(("web-01.bru.example.net",)), Dependency(("db-01:MySQL",)))
    assert nagios_topology.depends_on("db-01:MySQL") == (Dependency(("db-01",)),)
    assert nagios_topology.place("web-01.bru.example.net", "HTTP").node == web.id


def test_nagios_templates_and_host_groups_become_tags(nagios_topology):
    """Host groups from templates (with +additions) and from hostgroup members are a tag."""
    assert dict(nagios_topology.nodes["core-a"].tags) == {"hostgroups": "all-hosts"}
    assert dict(nagios_topology.nodes["db-01"].tags) == {"hostgroups": "all-hosts,linux,databases"}


def test_nagios_names_that_are_not_ids_are_made_valid(nagios_topology):
    """A host name with a space gets a valid id, and the name itself stays in monitored_as."""
    assert nagios_topology.nodes["backup_srv"].monitored_as == ("backup srv",)
    assert nagios_topology.place("backup srv").node == "backup_srv"


def test_nagios_shared_address_is_kept_once_with_a_warning(nagios_import):
    """Two hosts with one address: the first keeps it, and the reviewer is told."""
    assert any(
        "'10.0.3.31' names both 'db-01' and 'backup_srv'" in w for w in nagios_import.warnings
    )


def test_nagios_rendered_yaml_loads_back(nagios_import, nagios_topology):
    """The rendered import is commented YAML that loads into the same nodes."""
    text = render(nagios_import, command="correlator topology import nagios", sources=["o.cfg"])
    assert all(line.startswith("#") for line in text.split("version: 1")[0].splitlines())
    loaded = load_yaml_text(text, "imported.yaml")
    assert [s.id for s in loaded.nodes.values()] == list(nagios_topology.nodes)


def test_nagios_objects_cache_format():
    """objects.cache (tab-separated, templates resolved) parses like hand-written files."""
    text = (
        "define host {\n\thost_name\tcore-a\n\talias\tcore-a\n\taddress\t127.0.0.11\n\t}\n\n"
        "define host {\n\thost_name\tedge-b\n\taddress\t127.0.0.12\n\tparents\tcore-a\n\t}\n"
    )
    result = nagios.convert(nagios.parse_objects(text, "objects.cache"))
    assert [s.depends_on for s in result.specs] == [(), (Dependency(("core-a",)),)]


def test_nagios_escaped_semicolon_is_kept():
    """`\\;` in a value is a semicolon, and `;` starts a comment."""
    text = "define host {\n  host_name a\\;b ; comment\n}\n"
    assert nagios.parse_objects(text, "o.cfg")[0].attrs == {"host_name": "a;b"}


def test_nagios_same_host_service_dependency():
    """A servicedependency without a dependent host links services of the same host."""
    text = """
define host { host_name h1 }
define host { host_name h2 }
define service { host_name h1,h2
  service_description DB }
define service { hostgroup_name x
  service_description App }
define servicedependency {
  host_name h1,h2
  service_description DB
  dependent_service_description App
}
"""
    result = nagios.convert(nagios.parse_objects(text, "o.cfg"))
    deps = {s.id: s.depends_on for s in result.specs}
    assert deps["h1:App"] == (Dependency(("h1",)), Dependency(("h1:DB",)))
    assert deps["h2:App"] == (Dependency(("h2",)), Dependency(("h2:DB",)))
    assert any("service 'App' on 'h1' is not defined" in w for w in result.warnings)


def test_nagios_host_lists_expand_groups_and_exclusions():
    """hostgroup_name, * and !name expand in host dependencies."""
    text = """
define host { host_name sw
}
define host { host_name a
  hostgroups g
}
define host { host_name b
  hostgroups g
}
define host { host_name c
}
define hostdependency {
  host_name sw
  dependent_host_name *,!b
}
"""
    result = nagios.convert(nagios.parse_objects(text, "o.cfg"))
    deps = {s.id: s.depends_on for s in result.specs}
    assert deps == {
        "sw": (),
        "a": (Dependency(("sw",)),),
        "b": (),
        "c": (Dependency(("sw",)),),
    }


def test_nagios_parent_also_a_host_dependency_drops_the_group():
    """A host dependency on one of several parents makes that parent enough: the group goes."""
    text = """
define host { host_name p1
}
define host { host_name p2
}
define host { host_name h
  parents p1,p2
}
define hostdependency { host_name p1
  dependent_host_name h
}
"""
    result = nagios.convert(nagios.parse_objects(text, "o.cfg"))
    assert result.specs[2].depends_on == (Dependency(("p1",)),)
    assert any("any_of ['p1', 'p2'] dropped" in w for w in result.warnings)


def test_nagios_unknown_parent_is_a_warning():
    """A parent that is not defined is left out with a warning, so the output still loads."""
    result = nagios.convert(
        nagios.parse_objects("define host {\n host_name a\n parents gone\n}\n", "o")
    )
    assert result.specs[0].depends_on == ()
    assert any("parent 'gone' is not a defined host" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("define host {\n host_name a\n", 1, "never closed"),
        ("define host {\n host_name a\ndefine host {\n}\n", 3, "starts before"),
        ("cfg_file=/etc/nagios4/objects.cfg\n", 1, "looks like nagios.cfg"),
        ("host_name a\n", 1, "expected 'define TYPE {'"),
    ],
)
def test_nagios_parse_errors_name_file_and_line(text, line, fragment):
    """A file that is not object configuration raises TopologyError with its line."""
    with pytest.raises(TopologyError, match=fragment) as caught:
        nagios.parse_objects(text, "objects.cfg")
    assert (caught.value.file, caught.value.line) == ("objects.cfg", line)


# -- Zabbix -------------------------------------------------------------------------------


def test_zabbix_hosts_become_nodes(zabbix_topology):
    """Every host of host.get is a node, with a valid id made from the technical name."""
    assert list(zabbix_topology.nodes) == [
        "Zabbix_server",
        "bru-core-1",
        "bru-dist-1",
        "esx-01",
        "web-01",
        "web-02",
    ]


def test_zabbix_monitored_as_names_and_interfaces(zabbix_topology):
    """monitored_as holds the technical name, a different visible name, then interface ip and dns."""
    assert zabbix_topology.nodes["bru-core-1"].monitored_as == (
        "bru-core-1",
        "BRU core switch 1",
        "10.0.0.1",
        "bru-core-1.bru.example.net",
    )
    assert zabbix_topology.nodes["esx-01"].monitored_as == ("esx-01", "10.0.2.11", "10.9.2.11")


def test_zabbix_host_groups_become_a_tag(zabbix_topology):
    """Host groups are the tag groups."""
    assert dict(zabbix_topology.nodes["bru-dist-1"].tags) == {
        "groups": "Network/Distribution,Site/bru-dc1"
    }


def test_zabbix_trigger_dependencies_become_host_dependencies(zabbix_topology):
    """A host whose trigger depends on another host's trigger depends on that host, once."""
    assert zabbix_topology.depends_on("bru-dist-1") == (Dependency(("bru-core-1",)),)
    assert zabbix_topology.depends_on("esx-01") == (Dependency(("bru-dist-1",)),)
    assert zabbix_topology.depends_on("web-01") == (Dependency(("esx-01",)),)
    assert zabbix_topology.depends_on("bru-core-1") == ()


def test_zabbix_same_host_template_and_unknown_triggers_add_nothing():
    """Same-host, template and unreadable trigger dependencies add no edge; the last is warned about."""
    result = zabbix.convert(answer("zabbix6-host.get.json"), answer("zabbix6-trigger.get.json"))
    web02 = next(s for s in result.specs if s.id == "web-02")
    assert web02.depends_on == ()
    assert any("1 trigger dependency(ies)" in w for w in result.warnings)


def test_zabbix_shared_loopback_address_is_kept_once(zabbix_topology):
    """Two hosts with interface 127.0.0.1: only the first claims it."""
    assert zabbix_topology.nodes["web-02"].monitored_as == ("web-02",)
    assert zabbix_topology.place("127.0.0.1").node == "Zabbix_server"


def test_zabbix_6_2_hostgroups_key_is_read():
    """From Zabbix 6.2 the groups arrive as hostgroups; they are read the same way."""
    hosts = [
        {"hostid": "1", "host": "a", "name": "a", "hostgroups": [{"groupid": "9", "name": "G"}]}
    ]
    result = zabbix.convert(hosts, [])
    assert result.specs == (NodeSpec(id="a", tags={"groups": "G"}, monitored_as=("a",)),)


def test_zabbix_rendered_yaml_loads_back():
    """The rendered Zabbix import loads as a topology."""
    result = zabbix.convert(answer("zabbix6-host.get.json"), answer("zabbix6-trigger.get.json"))
    text = render(result, command="correlator topology import zabbix", sources=["https://zbx/"])
    assert len(load_yaml_text(text, "z.yaml").nodes) == 6
