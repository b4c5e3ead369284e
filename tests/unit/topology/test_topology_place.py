"""Placement of an alert on the graph: spec rules 2 and 3 (Topology.place in topology/model.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from topology.load import load_topology, load_yaml_text
from topology.model import Placement

DATA = Path(__file__).resolve().parents[2] / "data" / "topology"

SITE = """version: 1
nodes:
  - id: web-01
    monitored_as: [web-01, "10.0.3.21"]
  - id: shop-web
    kind: application
    monitored_as: ["web-01!HTTP", "db-01.bru.example.net!Disk"]
  - id: db-01
    monitored_as: [db-01.bru.example.net]
  - id: app-01
    monitored_as: [app-01]
  - id: app-01-dmz
    monitored_as: [app-01.dmz.example.net]
  - id: core
    monitored_as: ["10.0.0.1"]
  - id: ten
    monitored_as: ["10"]
  - id: bru-pdu-a
    kind: power
  - id: fw-01.bru.example.net
    kind: firewall
"""


@pytest.fixture(scope="module")
def site():
    return load_yaml_text(SITE, "site.yaml")


def test_check_entry_beats_host_entry(site):
    """HOST!CHECK wins over a bare HOST entry for that check, and only for that check."""
    assert site.place("web-01", "HTTP") == Placement("shop-web", "check")
    assert site.place("web-01", "CPU load") == Placement("web-01", "host")
    assert site.place("web-01") == Placement("web-01", "host")


def test_matching_is_case_insensitive(site):
    """Host names and check names match whatever their case."""
    assert site.place("WEB-01", "http") == Placement("shop-web", "check")
    assert site.place("Web-01") == Placement("web-01", "host")
    assert site.place("DB-01.BRU.example.NET") == Placement("db-01", "host")


def test_dotted_alert_name_finds_short_entry(site):
    """WEB-01.bru.example.net finds the entry web-01 by its first label, for hosts and checks."""
    assert site.place("WEB-01.bru.example.net") == Placement("web-01", "short-name")
    assert site.place("web-01.bru.example.net", "HTTP") == Placement("shop-web", "check")


def test_dotted_entry_is_found_by_short_alert_name(site):
    """An entry db-01.bru.example.net is found by an alert on db-01, for hosts and checks."""
    assert site.place("db-01") == Placement("db-01", "short-name")
    assert site.place("db-01", "Disk") == Placement("shop-web", "check")


def test_full_name_beats_first_label(site):
    """When an entry equals the full name, the first-label comparison is not used."""
    assert site.place("app-01.dmz.example.net") == Placement("app-01-dmz", "host")
    assert site.place("app-01") == Placement("app-01", "host")


def test_ip_address_only_matches_whole(site):
    """An IP address matches only an equal entry; it is never cut at its first dot."""
    assert site.place("10.0.0.1") == Placement("core", "host")
    assert site.place("10.0.0.10") == Placement(None, "unplaced")
    assert site.place("10.0.0.99").node != "ten"
    assert site.place("10.0.3.21") == Placement("web-01", "host")


def test_address_of_the_alert_matches_an_entry(site):
    """An alert whose host name is unknown is placed by its address."""
    assert site.place("web01-old-name", address="10.0.3.21") == Placement("web-01", "address")
    assert site.place("unknown", "HTTP", address="10.0.0.1") == Placement("core", "address")


def test_host_name_beats_address(site):
    """The alert's host name is tried before its address."""
    assert site.place("web-01", address="10.0.0.1") == Placement("web-01", "host")


def test_id_fallback(site):
    """An alert matching no entry lands on the node whose id equals its host, by the same rules."""
    assert site.place("bru-pdu-a") == Placement("bru-pdu-a", "id")
    assert site.place("BRU-PDU-A") == Placement("bru-pdu-a", "id")
    assert site.place("bru-pdu-a.bru.example.net") == Placement("bru-pdu-a", "id")
    assert site.place("fw-01") == Placement("fw-01.bru.example.net", "id")


def test_unplaced_alert(site):
    """An alert that matches nothing is unplaced, not dropped."""
    assert site.place("nobody") == Placement(None, "unplaced")
    assert site.place("nobody", "PING", address="192.0.2.9") == Placement(None, "unplaced")


def test_small_site_placements():
    """The small-site alerts of the replay example land where the example says."""
    topology = load_topology(DATA / "small-site.yaml")
    assert topology.place("web-01", "HTTP").node == "shop-web"
    assert topology.place("web-01", "HighErrorRate").node == "shop-web"
    assert topology.place("web-01", "PING").node == "web-01"
    assert topology.place("esx-01.bru.example.net").node == "esx-01"
    assert topology.place("10.0.1.1").node == "bru-dist-1"
    assert topology.place("bru-pdu-a") == Placement("bru-pdu-a", "id")


def test_full_name_entry_beats_check_entry_matched_by_first_label():
    """A bare entry equal to the alert's full name wins over a HOST!CHECK entry found by first label."""
    topology = load_yaml_text(
        "version: 1\nnodes:\n  - {id: x, monitored_as: [web-01.bru.example.net]}\n"
        '  - {id: y, monitored_as: ["web-01!HTTP"]}\n',
        "t.yaml",
    )
    assert topology.place("web-01.bru.example.net", "HTTP") == Placement("x", "host")


@pytest.mark.parametrize("reverse", [False, True])
def test_entry_equal_to_first_label_wins_whatever_the_order(reverse):
    """An alert app-01.lan finds the entry app-01 rather than app-01.dmz, in either file order."""
    nodes = [
        "  - {id: app-01, monitored_as: [app-01]}",
        "  - {id: app-01-dmz, monitored_as: [app-01.dmz.example.net]}",
    ]
    if reverse:
        nodes.reverse()
    topology = load_yaml_text("version: 1\nnodes:\n" + "\n".join(nodes) + "\n", "t.yaml")
    assert topology.place("app-01.lan.example.net") == Placement("app-01", "short-name")
