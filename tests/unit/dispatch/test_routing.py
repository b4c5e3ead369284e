"""Routing: the root's team, overridden by the first matching config rule, else the default."""

from __future__ import annotations

from correlator.dispatch.routing import RouteBasis, route
from correlator.dispatch.settings import RoutingRule


def test_root_team_when_no_rule_matches(make_node):
    """Without rules, the incident goes to the team of its root node."""
    decision = route(make_node(), (), (), default_team="service-desk")
    assert decision.team == "network"
    assert decision.basis is RouteBasis.NODE
    assert "bru-core-1" in decision.reason


def test_root_without_team_goes_to_the_default_team(make_node):
    """A root node that names no team sends the incident to the default team."""
    decision = route(make_node(team=None), (), (), default_team="service-desk")
    assert decision.team == "service-desk"
    assert decision.basis is RouteBasis.DEFAULT
    assert "names no team" in decision.reason


def test_unplaced_incident_goes_to_the_default_team():
    """An incident without a root node goes to the default team."""
    rules = (RoutingRule(team="security", kind="*"),)
    decision = route(None, ("HTTP",), rules, default_team="service-desk")
    assert decision.team == "service-desk"
    assert "unplaced" in decision.reason


def test_first_matching_rule_wins(make_node):
    """Rules are tried in order and the first one that matches decides."""
    rules = (
        RoutingRule(team="dc-ops", site="ams-*"),
        RoutingRule(team="core", kind="switch"),
        RoutingRule(team="bru", site="bru-*"),
    )
    decision = route(make_node(), (), rules, default_team="service-desk")
    assert (decision.team, decision.rule, decision.basis) == ("core", 1, RouteBasis.RULE)
    assert decision.reason == "routing rule 2 (kind 'switch' ~ 'switch')"


def test_every_condition_of_a_rule_must_match(make_node):
    """A rule with kind, site and tags only matches when all of them do."""
    rule = RoutingRule(team="cisco-bru", kind="switch", site="bru-*", tags={"vendor": "cis*"})
    cisco = make_node(tags={"vendor": "cisco", "rack": "r1"})
    juniper = make_node(tags={"vendor": "juniper"})
    untagged = make_node()
    assert route(cisco, (), (rule,), default_team="d").team == "cisco-bru"
    assert route(juniper, (), (rule,), default_team="d").team == "network"
    assert route(untagged, (), (rule,), default_team="d").team == "network"


def test_site_rule_does_not_match_a_node_without_site(make_node):
    """A site pattern never matches a node that has no site, even ``*``."""
    rule = RoutingRule(team="x", site="*")
    assert route(make_node(site=None), (), (rule,), default_team="d").team == "network"


def test_kind_and_site_patterns_are_case_sensitive(make_node):
    """Kind and site are compared as written in the topology."""
    rule = RoutingRule(team="x", kind="Switch")
    assert route(make_node(), (), (rule,), default_team="d").team == "network"


def test_check_rule_ignores_case_and_names_the_check(make_node):
    """A check pattern matches one of the root's checks, ignoring case like placement does."""
    rule = RoutingRule(team="dba", check="oracle_*")
    decision = route(make_node(), ("Disk", "ORACLE_tablespace"), (rule,), default_team="d")
    assert decision.team == "dba"
    assert "ORACLE_tablespace" in decision.reason


def test_check_only_rule_routes_an_unplaced_incident():
    """An unplaced incident can be routed by a rule that only looks at checks."""
    rules = (RoutingRule(team="web", check="HTTP*"),)
    assert route(None, ("HTTPS cert",), rules, default_team="d").team == "web"


def test_same_input_always_routes_the_same(make_node):
    """Routing is a pure function: the same root, checks and rules give the same decision."""
    rules = (RoutingRule(team="a", check="x*"), RoutingRule(team="b", kind="switch"))
    first = route(make_node(), ("xa", "xb"), rules, default_team="d")
    assert all(route(make_node(), ("xa", "xb"), rules, default_team="d") == first for _ in range(3))
