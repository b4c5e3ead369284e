"""YAML, node-link JSON and GraphML describe the same model and convert without loss."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topology.load import (
    ID_PATTERN,
    claim_key,
    dump_yaml,
    load_graphml_text,
    load_node_link,
    load_node_link_text,
    load_topology,
    load_yaml_text,
    to_graphml,
    to_node_link,
)
from topology.model import Dependency, NodeSpec, Topology, build

DATA = Path(__file__).resolve().parents[2] / "data" / "topology"


def specs(topology: Topology) -> list[NodeSpec]:
    """The NodeSpecs without the line they came from (which differs between forms)."""
    return [replace(spec, line=None) for spec in topology.nodes.values()]


def groups(topology: Topology) -> list[tuple[str, tuple[str, ...]]]:
    return [(s.id, d.any_of) for s in topology.nodes.values() for d in s.depends_on if d.redundant]


def test_yaml_to_node_link_and_back():
    """Small-site YAML written as node-link JSON loads into the same nodes and groups."""
    original = load_topology(DATA / "small-site.yaml")
    again = load_node_link_text(json.dumps(to_node_link(original)), "site.json")
    assert specs(again) == specs(original)
    assert groups(again) == groups(original) == [("bru-dist-1", ("bru-core-1", "bru-core-2"))]


def test_yaml_to_graphml_and_back():
    """Small-site YAML written as GraphML loads into the same nodes and groups."""
    original = load_topology(DATA / "small-site.yaml")
    again = load_graphml_text(to_graphml(original), "site.graphml")
    assert specs(again) == specs(original)
    assert groups(again) == groups(original)


def test_yaml_dump_and_back():
    """dump_yaml of the small site loads into the same nodes."""
    original = load_topology(DATA / "small-site.yaml")
    assert specs(load_yaml_text(dump_yaml(original), "again.yaml")) == specs(original)


def test_hand_written_node_link_file_matches_yaml():
    """The node-link JSON file (links key, a string any_of label) equals the YAML file."""
    assert specs(load_topology(DATA / "small-site.json")) == specs(
        load_topology(DATA / "small-site.yaml")
    )


def test_hand_written_graphml_file_matches_yaml():
    """The GraphML file (comma-separated monitored_as, key defaults) equals the YAML file."""
    assert specs(load_topology(DATA / "small-site.graphml")) == specs(
        load_topology(DATA / "small-site.yaml")
    )


def test_node_link_is_what_networkx_reads():
    """to_node_link output is accepted by networkx.node_link_graph with the same edges."""
    original = load_topology(DATA / "small-site.yaml")
    graph = nx.node_link_graph(to_node_link(original), edges="edges")
    assert set(graph.edges) == set(original.graph.edges)
    assert graph.nodes["bru-core-1"]["criticality"] == 1


def test_networkx_node_link_data_is_accepted():
    """A graph written by networkx.node_link_data itself loads; edges out of a source sharing any_of group."""
    graph = nx.DiGraph()
    for node in ("a", "b", "c", "d"):
        graph.add_node(node, kind="switch", monitored_as=[node])
    graph.add_edge("a", "b", any_of="up")
    graph.add_edge("a", "d")
    graph.add_edge("a", "c", any_of="up")
    topology = load_node_link(nx.node_link_data(graph, edges="edges"), "nx.json")
    assert topology.depends_on("a") == (Dependency(("b", "c")), Dependency(("d",)))


def test_same_any_of_label_on_two_sources_makes_two_groups():
    """any_of labels group edges per source: the same label on another source is another group."""
    data = {
        "nodes": [{"id": n} for n in ("a", "b", "x", "y")],
        "edges": [
            {"source": "a", "target": "x", "any_of": 1},
            {"source": "b", "target": "x", "any_of": 1},
            {"source": "a", "target": "y", "any_of": 1},
            {"source": "b", "target": "y", "any_of": 1},
        ],
    }
    topology = load_node_link(data, "t.json")
    assert topology.depends_on("a") == (Dependency(("x", "y")),)
    assert topology.depends_on("b") == (Dependency(("x", "y")),)


# -- property: any valid topology survives dump_yaml -> load (and the other forms) -------

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn")),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")
IDS = st.from_regex(ID_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 16)
HOSTS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.-]{0,14}", fullmatch=True)
CHECKS = TEXT.map(str.strip).filter(lambda s: s != "")


@st.composite
def topologies(draw: st.DrawFn) -> list[NodeSpec]:
    ids = draw(st.lists(IDS, min_size=1, max_size=6, unique=True))
    entries = draw(
        st.lists(
            st.tuples(HOSTS, st.none() | CHECKS).map(
                lambda hc: hc[0] + ("!" + hc[1] if hc[1] else "")
            ),
            max_size=10,
            unique_by=claim_key,
        )
    )
    owners = draw(st.lists(st.sampled_from(ids), min_size=len(entries), max_size=len(entries)))
    nodes: list[NodeSpec] = []
    for node_id in ids:
        targets = draw(st.lists(st.sampled_from(ids), unique=True, max_size=4))
        cuts = draw(st.lists(st.booleans(), min_size=len(targets), max_size=len(targets)))
        deps: list[list[str]] = []
        for target, new_group in zip(targets, cuts, strict=True):
            if new_group or not deps:
                deps.append([target])
            else:
                deps[-1].append(target)
        nodes.append(
            NodeSpec(
                id=node_id,
                kind=draw(st.sampled_from(["host", "switch", "vm"]) | TEXT),
                team=draw(st.none() | TEXT),
                site=draw(st.none() | TEXT),
                criticality=draw(st.integers(1, 5)),
                tags=draw(
                    st.dictionaries(TEXT, st.text(max_size=8).filter(str.isprintable), max_size=3)
                ),
                runbook=draw(st.none() | TEXT),
                monitored_as=tuple(e for e, o in zip(entries, owners, strict=True) if o == node_id),
                depends_on=tuple(Dependency(tuple(group)) for group in deps),
            )
        )
    return nodes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies())
def test_any_valid_topology_survives_dump_yaml_and_load(nodes):
    """For any valid topology, dump_yaml then load gives back the same NodeSpecs."""
    topology = build(nodes, "generated")
    assert specs(load_yaml_text(dump_yaml(topology), "dumped.yaml")) == nodes


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies())
def test_any_valid_topology_survives_node_link_and_graphml(nodes):
    """For any valid topology, node-link JSON and GraphML give back the same NodeSpecs."""
    topology = build(nodes, "generated")
    assert specs(load_node_link_text(json.dumps(to_node_link(topology)), "g.json")) == nodes
    assert specs(load_graphml_text(to_graphml(topology), "g.graphml")) == nodes
