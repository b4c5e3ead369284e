"""Runbook links: the node's own field first, else the first matching kind/check rule."""

from __future__ import annotations

from correlator.dispatch.runbook import RunbookBasis, runbook_for
from correlator.dispatch.settings import RunbookRule

KB = "https://wiki.example.net/kb"


def test_node_runbook_wins_over_rules(make_node):
    """A node's own ``runbook`` field is used even when a rule would match."""
    spec = make_node(runbook="https://wiki.example.net/network/core-switch")
    rules = (RunbookRule(url=f"{KB}/{{kind}}", kind="switch"),)
    decision = runbook_for(spec, (), rules)
    assert decision.url == "https://wiki.example.net/network/core-switch"
    assert decision.basis is RunbookBasis.NODE


def test_kind_rule_fills_the_template(make_node):
    """A rule matching the root's kind gives its URL with {node} and {kind} filled in."""
    rules = (RunbookRule(url=f"{KB}/{{kind}}/{{node}}", kind="sw*"),)
    decision = runbook_for(make_node(), (), rules)
    assert decision.url == f"{KB}/switch/bru-core-1"
    assert decision.basis is RunbookBasis.RULE
    assert decision.rule == 0


def test_check_rule_uses_the_matching_check_percent_encoded(make_node):
    """A check rule fills {check} with the first matching check, percent-encoded."""
    rules = (RunbookRule(url=f"{KB}/checks/{{check}}", check="http*"),)
    decision = runbook_for(make_node(kind="application"), ("Disk", "HTTP response/s"), rules)
    assert decision.url == f"{KB}/checks/HTTP%20response%2Fs"
    assert "HTTP response/s" in decision.reason


def test_kind_and_check_must_both_match(make_node):
    """A rule with kind and check only matches when both do; the next rule is then tried."""
    rules = (
        RunbookRule(url=f"{KB}/db-disk", kind="database", check="Disk*"),
        RunbookRule(url=f"{KB}/disk", check="Disk*"),
    )
    assert runbook_for(make_node(kind="host"), ("Disk /",), rules).url == f"{KB}/disk"
    assert runbook_for(make_node(kind="database"), ("Disk /",), rules).url == f"{KB}/db-disk"


def test_rule_needing_a_check_is_skipped_without_one(make_node):
    """A template that uses {check} does not match an incident with no check."""
    rules = (
        RunbookRule(url=f"{KB}/{{check}}", kind="switch"),
        RunbookRule(url=f"{KB}/{{kind}}", kind="switch"),
    )
    assert runbook_for(make_node(), (), rules).url == f"{KB}/switch"


def test_no_runbook_when_nothing_matches(make_node):
    """Without a node field or a matching rule there is no link, and the reason says so."""
    decision = runbook_for(make_node(), (), (RunbookRule(url=KB, kind="router"),))
    assert decision.url is None
    assert decision.basis is RunbookBasis.NONE
    assert "no runbook rule matches" in decision.reason


def test_unplaced_incident_uses_its_host_for_node(make_node):
    """An unplaced incident matches check rules, with its host standing in for {node}."""
    rules = (
        RunbookRule(url=f"{KB}/{{kind}}", kind="*"),
        RunbookRule(url=f"{KB}/{{node}}/{{check}}", check="*"),
    )
    decision = runbook_for(None, ("ping",), rules, subject="web-99")
    assert decision.url == f"{KB}/web-99/ping"


def test_literal_braces_survive(make_node):
    """Doubled braces in a template are literal braces in the link."""
    rules = (RunbookRule(url=f"{KB}/{{{{x}}}}/{{node}}", kind="switch"),)
    assert runbook_for(make_node(), (), rules).url == f"{KB}/{{x}}/bru-core-1"
