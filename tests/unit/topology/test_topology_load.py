"""Loading the native YAML form (specs/topology-format.md) and its error rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from topology.load import load_graphml_text, load_node_link, load_topology, load_yaml_text
from topology.model import Dependency, TopologyError

DATA = Path(__file__).resolve().parents[2] / "data" / "topology"


def test_small_site_loads_with_every_node():
    """The small-site example loads with its ten nodes in file order."""
    topology = load_topology(DATA / "small-site.yaml")
    assert list(topology.nodes) == [
        "bru-pdu-a",
        "bru-core-1",
        "bru-core-2",
        "bru-dist-1",
        "bru-san-01",
        "esx-01",
        "web-01",
        "db-01",
        "shop-web",
        "shop",
    ]


def test_small_site_has_one_any_of_group():
    """bru-dist-1 depends on the redundant pair bru-core-1/bru-core-2, and only it is redundant."""
    topology = load_topology(DATA / "small-site.yaml")
    assert topology.depends_on("bru-dist-1") == (Dependency(("bru-core-1", "bru-core-2")),)
    redundant = [
        (spec.id, dep.any_of)
        for spec in topology.nodes.values()
        for dep in spec.depends_on
        if dep.redundant
    ]
    assert redundant == [("bru-dist-1", ("bru-core-1", "bru-core-2"))]


def test_small_site_unmonitored_nodes():
    """The PDU (and the business service) have no monitored_as and are reported unmonitored."""
    topology = load_topology(DATA / "small-site.yaml")
    assert "bru-pdu-a" in topology.unmonitored()
    assert topology.unmonitored() == ["bru-pdu-a", "shop"]


def test_small_site_defaults_are_applied():
    """defaults fill team and site where a node omits them, and never override a node's own."""
    topology = load_topology(DATA / "small-site.yaml")
    assert topology.nodes["shop"].team == "service-desk"
    assert topology.nodes["bru-pdu-a"].team == "facilities"
    assert {spec.site for spec in topology.nodes.values()} == {"bru-dc1"}
    assert topology.nodes["web-01"].criticality == 3
    assert topology.nodes["bru-core-1"].criticality == 1


def test_node_line_is_where_the_node_starts():
    """NodeSpec.line is the line of the node's first key, for later error messages."""
    topology = load_topology(DATA / "small-site.yaml")
    text = (DATA / "small-site.yaml").read_text().splitlines()
    for spec in topology.nodes.values():
        assert spec.line is not None
        assert text[spec.line - 1].strip() == f"- id: {spec.id}"


def test_kind_defaults_to_host():
    """A node with no kind, in a file with no default kind, is a host."""
    topology = load_yaml_text("version: 1\nnodes:\n  - id: a\n", "t.yaml")
    assert topology.nodes["a"].kind == "host"


def test_defaults_kind_and_criticality_apply():
    """defaults.kind and defaults.criticality apply to nodes that omit them."""
    text = "version: 1\ndefaults: {kind: vm, criticality: 2}\nnodes:\n  - id: a\n  - id: b\n    kind: host\n"
    topology = load_yaml_text(text, "t.yaml")
    assert (topology.nodes["a"].kind, topology.nodes["a"].criticality) == ("vm", 2)
    assert topology.nodes["b"].kind == "host"


def test_text_fields_keep_what_was_written():
    """Ids, entries and tag values are the text as written, not YAML's guess at a type."""
    text = """version: 1
nodes:
  - id: 0x1F
    team: no
    tags: {rack: 012, on: yes, since: 2024-01-01}
    monitored_as: [1.10, 10.0.0.1]
  - id: b
    depends_on: [0x1F]
"""
    topology = load_yaml_text(text, "t.yaml")
    spec = topology.nodes["0x1F"]
    assert spec.team == "no"
    assert dict(spec.tags) == {"rack": "012", "on": "yes", "since": "2024-01-01"}
    assert spec.monitored_as == ("1.10", "10.0.0.1")
    assert topology.depends_on("b") == (Dependency(("0x1F",)),)


def test_null_counts_as_absent():
    """An explicit null is the same as leaving the key out, so defaults still apply."""
    text = "version: 1\ndefaults: {team: ops}\nnodes:\n  - id: a\n    team: null\n    tags: ~\n    depends_on:\n"
    spec = load_yaml_text(text, "t.yaml").nodes["a"]
    assert (spec.team, dict(spec.tags), spec.depends_on) == ("ops", {}, ())


def test_merge_keys_work_and_own_keys_win():
    """YAML anchors and merge keys may share attributes; a node's own key overrides the merged one."""
    text = """version: 1
nodes:
  - &switch {id: sw-1, kind: switch, team: network}
  - <<: *switch
    id: sw-2
    team: campus
"""
    topology = load_yaml_text(text, "t.yaml")
    assert (topology.nodes["sw-2"].kind, topology.nodes["sw-2"].team) == ("switch", "campus")


def test_single_member_any_of_is_a_plain_dependency():
    """{any_of: [x]} with one member means the same as x."""
    text = "version: 1\nnodes:\n  - id: a\n  - id: b\n    depends_on: [{any_of: [a]}]\n"
    assert load_yaml_text(text, "t.yaml").depends_on("b") == (Dependency(("a",)),)


def test_all_fields_are_read():
    """Every node key of the spec lands in the NodeSpec."""
    text = """version: 1
nodes:
  - id: core
  - id: bru-core-1
    kind: switch
    team: network
    site: bru-dc1
    criticality: 2
    tags: {rack: r12, vendor: cisco}
    runbook: https://wiki.example.net/network/core-switch
    monitored_as: [bru-core-1, "10.0.0.1", "bru-core-1!CPU load"]
    depends_on: [core]
"""
    spec = load_yaml_text(text, "t.yaml").nodes["bru-core-1"]
    assert spec.kind == "switch"
    assert (spec.team, spec.site, spec.criticality) == ("network", "bru-dc1", 2)
    assert dict(spec.tags) == {"rack": "r12", "vendor": "cisco"}
    assert spec.runbook == "https://wiki.example.net/network/core-switch"
    assert spec.monitored_as == ("bru-core-1", "10.0.0.1", "bru-core-1!CPU load")
    assert spec.depends_on == (Dependency(("core",)),)


# file, line, node, key, a fragment of the reason
BAD_FILES = [
    ("bad-missing-version.yaml", 2, None, "version", "version is required"),
    ("bad-version.yaml", 2, None, "version", "unsupported version"),
    ("bad-top-key.yaml", 3, None, "node", "did you mean 'nodes'"),
    ("bad-nodes-type.yaml", 4, None, "nodes", "nodes must be a list"),
    ("bad-node-type.yaml", 5, None, None, "node #2 must be a mapping"),
    ("bad-defaults-key.yaml", 5, None, "owner", "unknown key 'owner' in defaults"),
    ("bad-defaults-criticality.yaml", 4, None, "criticality", "got 0"),
    ("bad-no-id.yaml", 5, None, "id", "node #2 has no id"),
    ("bad-id-chars.yaml", 5, "db 01", "id", "is not valid"),
    ("bad-id-type.yaml", 4, None, "id", "id must be text"),
    ("bad-duplicate-id.yaml", 7, "web-01", "id", "duplicate node id (first on line 4)"),
    ("bad-unknown-key.yaml", 7, "web-01", "depend_on", "did you mean 'depends_on'"),
    ("bad-duplicate-key.yaml", 7, "web-01", "team", "written twice"),
    ("bad-kind-type.yaml", 5, "web-01", "kind", "kind must be text"),
    ("bad-team-empty.yaml", 5, "web-01", "team", "must not be empty"),
    ("bad-criticality-range.yaml", 6, "web-01", "criticality", "got 7"),
    ("bad-criticality-type.yaml", 5, "web-01", "criticality", "must be an integer"),
    ("bad-tags-type.yaml", 5, "web-01", "tags", "tags must be a mapping"),
    ("bad-tags-value.yaml", 7, "web-01", "tags", "tag 'vendors'"),
    ("bad-monitored-as-type.yaml", 5, "web-01", "monitored_as", "must be a list"),
    ("bad-monitored-as-check.yaml", 7, "shop-web", "monitored_as", "'web-01!'"),
    ("bad-monitored-as-entry.yaml", 7, "web-01", "monitored_as", "must be text"),
    ("bad-depends-on-type.yaml", 6, "web-01", "depends_on", "must be a list"),
    ("bad-depends-on-entry.yaml", 8, "dist-1", "depends_on", "got a list"),
    ("bad-any-of-empty.yaml", 6, "dist-1", "depends_on", "at least one"),
    ("bad-any-of-type.yaml", 7, "dist-1", "depends_on", "any_of must be a list"),
    ("bad-any-of-extra-key.yaml", 9, "dist-1", "depends_on", "unknown key 'min'"),
    ("bad-depends-on-mapping.yaml", 7, "dist-1", "depends_on", "unknown key 'all_of'"),
    ("bad-depends-on-unknown.yaml", 9, "dist-1", "depends_on", "unknown node 'core-3'"),
    ("bad-depends-on-twice.yaml", 9, "dist-1", "depends_on", "names 'core-1' twice"),
    ("bad-duplicate-claim.yaml", 9, "web-02", "monitored_as", "already claimed by node 'web-01'"),
    ("bad-syntax.yaml", 6, None, None, "YAML syntax error"),
    ("bad-empty.yaml", 1, None, None, "empty"),
]


def test_every_bad_file_is_listed():
    """Each tests/data/topology/bad-*.yaml file is checked by the table below."""
    assert sorted(p.name for p in DATA.glob("bad-*.yaml")) == sorted(row[0] for row in BAD_FILES)


@pytest.mark.parametrize(("name", "line", "node", "key", "reason"), BAD_FILES)
def test_bad_file_error_names_file_line_node_and_key(name, line, node, key, reason):
    """A file breaking a rule raises TopologyError naming the file, the offending line, node and key."""
    path = DATA / name
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    error = caught.value
    assert (error.file, error.line, error.node, error.key) == (str(path), line, node, key)
    assert reason in error.reason
    message = str(error)
    assert message.startswith(f"{path}:{line}: ")
    if node is not None:
        assert f"node {node!r}" in message
    if key is not None:
        assert f"key {key!r}" in message
    assert "\n" not in message


def test_unknown_extension_is_an_error(tmp_path):
    """A file whose extension names no known form is refused, naming the file."""
    path = tmp_path / "topology.txt"
    path.write_text("version: 1\nnodes: []\n")
    with pytest.raises(TopologyError, match=r"unknown file type '\.txt'") as caught:
        load_topology(path)
    assert caught.value.file == str(path)


def test_missing_file_is_a_topology_error(tmp_path):
    """A file that cannot be read raises TopologyError, not OSError."""
    with pytest.raises(TopologyError, match="cannot read"):
        load_topology(tmp_path / "absent.yaml")


def test_non_utf8_file_is_a_topology_error(tmp_path):
    """A YAML file that is not UTF-8 raises TopologyError."""
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"version: 1\nnodes:\n  - id: caf\xe9\n")
    with pytest.raises(TopologyError, match="not UTF-8"):
        load_topology(path)


def test_top_level_list_is_refused():
    """The top level of the file is a mapping."""
    with pytest.raises(TopologyError, match="top level must be a mapping") as caught:
        load_yaml_text("- id: a\n", "t.yaml")
    assert caught.value.line == 1


def test_a_bool_is_not_a_version():
    """version: true is not version 1."""
    with pytest.raises(TopologyError, match="unsupported version"):
        load_yaml_text("version: true\nnodes: []\n", "t.yaml")


def test_monitored_as_entry_with_spaces_around_is_refused():
    """An entry with leading or trailing spaces would never match an alert and is an error."""
    with pytest.raises(TopologyError, match="leading or trailing spaces") as caught:
        load_yaml_text('version: 1\nnodes:\n  - id: a\n    monitored_as: ["web-01 "]\n', "t.yaml")
    assert (caught.value.node, caught.value.key, caught.value.line) == ("a", "monitored_as", 4)


def test_cycles_load():
    """A file with cycles loads; cycles are reported, not refused (spec rule 4)."""
    topology = load_topology(DATA / "cycle.yaml")
    cycles = {frozenset(c) for c in topology.cycles()}
    assert cycles == {frozenset({"stack-a", "stack-b"}), frozenset({"r1", "r2", "r3"})}


def test_self_dependency_is_a_cycle_not_an_error():
    """A node depending on itself loads, as a cycle of one."""
    topology = load_yaml_text("version: 1\nnodes:\n  - id: a\n    depends_on: [a]\n", "t.yaml")
    assert topology.cycles() == [["a"]]


# -- node-link JSON and GraphML errors ----------------------------------------------------


def _node_link(nodes, edges):
    return {"directed": True, "multigraph": False, "graph": {}, "nodes": nodes, "edges": edges}


def test_node_link_unknown_attribute_names_node_and_key():
    """A node attribute that is not a spec key is an error naming the node and the key."""
    data = _node_link([{"id": "a", "kind": "vm", "owner": "bob"}], [])
    with pytest.raises(TopologyError, match="unknown key 'owner'") as caught:
        load_node_link(data, "t.json")
    assert (caught.value.node, caught.value.key) == ("a", "owner")


def test_node_link_edge_to_unknown_node():
    """An edge to a node that is not listed is an unknown dependency of its source."""
    data = _node_link([{"id": "a"}], [{"source": "a", "target": "b"}])
    with pytest.raises(TopologyError, match="unknown node 'b'") as caught:
        load_node_link(data, "t.json")
    assert (caught.value.node, caught.value.key) == ("a", "depends_on")


def test_node_link_depends_on_attribute_is_refused():
    """In node-link JSON dependencies are edges; a depends_on attribute is an error."""
    data = _node_link([{"id": "a"}, {"id": "b", "depends_on": ["a"]}], [])
    with pytest.raises(TopologyError, match="written as edges"):
        load_node_link(data, "t.json")


def test_node_link_undirected_is_refused():
    """An undirected graph says nothing about who depends on whom and is refused."""
    data = {**_node_link([{"id": "a"}], []), "directed": False}
    with pytest.raises(TopologyError, match="must be directed"):
        load_node_link(data, "t.json")


def test_node_link_duplicate_edge_is_refused():
    """The same dependency written twice is an error, as in YAML."""
    data = _node_link([{"id": "a"}, {"id": "b"}], [{"source": "a", "target": "b"}] * 2)
    with pytest.raises(TopologyError, match="names 'b' twice"):
        load_node_link(data, "t.json")


def test_node_link_syntax_error_has_line(tmp_path):
    """A JSON syntax error is reported with its line."""
    path = tmp_path / "t.json"
    path.write_text('{\n "nodes": [\n  {"id": "a",}\n ]\n}\n')
    with pytest.raises(TopologyError, match="JSON syntax error") as caught:
        load_topology(path)
    assert caught.value.line == 3


def test_node_link_accepts_links_key_and_integer_ids():
    """Older networkx writes links, and ids may be integers; both load."""
    data = {"nodes": [{"id": 1}, {"id": 2}], "links": [{"source": 2, "target": 1}]}
    assert load_node_link(data, "t.json").depends_on("2") == (Dependency(("1",)),)


def test_node_link_text_forms_of_tags_and_monitored_as():
    """monitored_as and tags given as JSON text or comma-separated text are decoded."""
    data = _node_link(
        [
            {"id": "a", "monitored_as": "a, 10.0.0.1", "tags": "rack=r1, vendor=cisco"},
            {"id": "b", "monitored_as": '["b!HTTP, HTTPS"]', "tags": '{"rack": "r2"}'},
        ],
        [],
    )
    topology = load_node_link(data, "t.json")
    assert topology.nodes["a"].monitored_as == ("a", "10.0.0.1")
    assert dict(topology.nodes["a"].tags) == {"rack": "r1", "vendor": "cisco"}
    assert topology.nodes["b"].monitored_as == ("b!HTTP, HTTPS",)
    assert dict(topology.nodes["b"].tags) == {"rack": "r2"}


def test_node_link_bad_criticality_names_node():
    """Type rules of the YAML form hold in node-link JSON too."""
    data = _node_link([{"id": "a", "criticality": 9}], [])
    with pytest.raises(TopologyError, match="got 9") as caught:
        load_node_link(data, "t.json")
    assert (caught.value.node, caught.value.key) == ("a", "criticality")


def test_graphml_syntax_error_has_line():
    """Broken XML is reported with its line."""
    text = '<?xml version="1.0"?>\n<graphml>\n<graph edgedefault="directed">\n<node id="a">\n</graph>\n'
    with pytest.raises(TopologyError, match="XML syntax error") as caught:
        load_graphml_text(text, "t.graphml")
    assert caught.value.line == 5


def test_graphml_undirected_is_refused():
    """An undirected GraphML graph is refused."""
    text = (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<graph edgedefault="undirected"><node id="a"/></graph></graphml>'
    )
    with pytest.raises(TopologyError, match="must be directed"):
        load_graphml_text(text, "t.graphml")


def test_graphml_unknown_data_key_names_node():
    """A GraphML data key that is not a spec attribute is an error naming node and key."""
    text = (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d0" for="node" attr.name="colour" attr.type="string"/>'
        '<graph edgedefault="directed"><node id="a"><data key="d0">red</data></node>'
        "</graph></graphml>"
    )
    with pytest.raises(TopologyError, match="unknown key 'colour'") as caught:
        load_graphml_text(text, "t.graphml")
    assert (caught.value.node, caught.value.key) == ("a", "colour")


def test_node_link_file_from_disk(tmp_path):
    """load_topology reads .json files as node-link JSON."""
    path = tmp_path / "t.json"
    path.write_text(json.dumps(_node_link([{"id": "a", "kind": "vm"}], [])))
    assert load_topology(path).nodes["a"].kind == "vm"
