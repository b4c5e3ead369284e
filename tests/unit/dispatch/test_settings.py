"""The ``dispatch`` config section: documented defaults, typed parsing, errors naming the key."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from correlator.dispatch.priority import ITIL_MATRIX, Level, Priority
from correlator.dispatch.settings import (
    DispatchConfigError,
    DispatchSettings,
    EscalationLevel,
    RateLimit,
    SlaTarget,
    dotted,
    from_mapping,
)

# The section exactly as it should appear in config/default.yaml (without the comments).
DEFAULT_SECTION = """
default_team: service-desk
priority_matrix:
  high: {high: P1, medium: P2, low: P3}
  medium: {high: P2, medium: P3, low: P4}
  low: {high: P3, medium: P4, low: P5}
routing: []
sla:
  warn_at: 0.8
  targets:
    P1: {response_s: 900, resolution_s: 14400}
    P2: {response_s: 3600, resolution_s: 28800}
    P3: {response_s: 14400, resolution_s: 259200}
    P4: {response_s: 86400, resolution_s: 604800}
    P5: {response_s: 259200, resolution_s: 2592000}
major_incident:
  enabled: true
  count: 5
  window_s: 600
  signatures: [service, kind, site]
  raise_by: 1
problem:
  enabled: true
  count: 3
  window_s: 86400
paging:
  page_at_or_above: P3
  resolve_notices: true
  repage_on_reopen: false
  ack_timeout_s: {P1: 300, P2: 900, P3: 1800, P4: 3600, P5: 7200}
  levels: [first-line, second-line, third-line]
  rate_limit: {max_pages: 20, window_s: 3600, exempt_at_or_above: P1}
  teams: {}
runbooks: []
incident_url: null
tick_s: 5
sync_s: 60
outbox_poll_s: 1
"""

EXAMPLE = """
default_team: noc
routing:
  - {kind: firewall, team: security}
  - {site: "bru-*", tags: {vendor: cisco}, team: network-bru}
  - {check: "oracle_*", team: dba}
sla:
  warn_at: 0.75
  targets:
    P1: {response_s: 600}
major_incident:
  signatures: [service, kind+site, "site + kind"]
paging:
  page_at_or_above: P2
  ack_timeout_s: {P4: null}
  teams:
    network:
      levels: [{name: noc, notify: noc-rota}, {name: network-engineers}]
      rate_limit: {max_pages: 5}
runbooks:
  - {kind: switch, url: "https://wiki.example.net/kb/{kind}/{node}"}
  - {check: "HTTP*", url: "https://wiki.example.net/web/{check}"}
"""


def test_no_section_gives_the_documented_defaults():
    """A missing or empty ``dispatch`` section is the built-in defaults."""
    assert from_mapping(None) == DispatchSettings()
    assert from_mapping({}) == DispatchSettings()


def test_the_documented_section_is_exactly_the_defaults():
    """The section proposed for config/default.yaml parses to exactly the built-in defaults."""
    assert from_mapping(yaml.safe_load(DEFAULT_SECTION)) == DispatchSettings()


def test_default_matrix_is_itil_3x3():
    """The default priority matrix is the ITIL impact x urgency matrix."""
    matrix = DispatchSettings().priority_matrix
    assert matrix == ITIL_MATRIX
    assert matrix[(Level.HIGH, Level.HIGH)] is Priority.P1
    assert matrix[(Level.LOW, Level.LOW)] is Priority.P5


def test_default_sla_targets_are_service_desk_values():
    """P1 is 15 minutes to respond and 4 hours to resolve; P5 is 3 days and 30 days."""
    targets = DispatchSettings().sla.targets
    assert targets[Priority.P1] == SlaTarget(900.0, 4 * 3600.0)
    assert targets[Priority.P5] == SlaTarget(3 * 86400.0, 30 * 86400.0)
    assert all(t.response_s <= t.resolution_s for t in targets.values())


def test_example_section_parses_into_typed_settings():
    """Routing rules, SLA overrides, signatures, team policies and runbook rules are typed."""
    settings = from_mapping(yaml.safe_load(EXAMPLE))
    assert settings.default_team == "noc"
    assert [r.team for r in settings.routing] == ["security", "network-bru", "dba"]
    assert dict(settings.routing[1].tags) == {"vendor": "cisco"}
    assert settings.sla.warn_at == 0.75
    assert settings.sla.targets[Priority.P1] == SlaTarget(600.0, 14400.0)
    assert settings.sla.targets[Priority.P2] == SlaTarget(3600.0, 28800.0)
    assert settings.major_incident.signatures == (("service",), ("kind", "site"))
    assert settings.paging.page_at_or_above is Priority.P2
    assert settings.paging.ack_timeout_s[Priority.P4] is None
    assert settings.paging.ack_timeout_s[Priority.P1] == 300.0
    assert settings.paging.levels_for("network") == (
        EscalationLevel("noc", "noc-rota"),
        EscalationLevel("network-engineers"),
    )
    assert settings.paging.levels_for("web") == settings.paging.levels
    assert settings.paging.rate_limit_for("network") == RateLimit(max_pages=5)
    assert settings.paging.rate_limit_for("web") == RateLimit()
    assert settings.runbooks[0].fields == frozenset({"kind", "node"})


def test_a_custom_matrix_replaces_the_itil_one():
    """A complete matrix in config replaces the default one cell for cell."""
    rows = {"high": {"high": "P1", "medium": "P1", "low": "P2"}}
    rows |= {name: {"high": "P3", "medium": "P4", "low": "P5"} for name in ("medium", "low")}
    matrix = from_mapping({"priority_matrix": rows}).priority_matrix
    assert matrix[(Level.HIGH, Level.MEDIUM)] is Priority.P1
    assert matrix[(Level.LOW, Level.LOW)] is Priority.P5


@pytest.mark.parametrize(
    ("section", "path"),
    [
        ({"default_tem": "x"}, "dispatch.default_tem"),
        ({"sla": {"targets": {"P1": {"respons_s": 3}}}}, "dispatch.sla.targets.P1.respons_s"),
        ({"sla": {"targets": {"P6": {}}}}, "dispatch.sla.targets.P6"),
        ({"routing": [{"kind": "x", "team": "t", "owner": "y"}]}, "dispatch.routing[0].owner"),
        ({"paging": {"teams": {"net": {"level": []}}}}, "dispatch.paging.teams.net.level"),
        ({"paging": {"rate_limit": {"max": 3}}}, "dispatch.paging.rate_limit.max"),
        ({"major_incident": {"windows_s": 3}}, "dispatch.major_incident.windows_s"),
        ({"priority_matrix": {"huge": {}}}, "dispatch.priority_matrix.huge"),
        ({"runbooks": [{"kind": "x", "url": "u", "note": 1}]}, "dispatch.runbooks[0].note"),
    ],
)
def test_unknown_keys_are_errors_naming_the_key_path(section: dict[str, Any], path: str):
    """A typo anywhere in the section is an error whose message starts with its key path."""
    with pytest.raises(DispatchConfigError) as caught:
        from_mapping(section)
    assert str(caught.value).startswith(f"{path}: unknown key")


@pytest.mark.parametrize(
    ("section", "path", "expected"),
    [
        ({"paging": {"page_at_or_above": "P9"}}, "dispatch.paging.page_at_or_above", "P1, P2"),
        ({"paging": {"page_at_or_above": 3}}, "dispatch.paging.page_at_or_above", "P1, P2"),
        ({"default_team": ""}, "dispatch.default_team", "non-empty string"),
        ({"major_incident": {"count": 1}}, "dispatch.major_incident.count", "integer >= 2"),
        ({"major_incident": {"count": True}}, "dispatch.major_incident.count", "integer"),
        ({"major_incident": {"window_s": -5}}, "dispatch.major_incident.window_s", "> 0"),
        ({"major_incident": {"enabled": "yes"}}, "dispatch.major_incident.enabled", "true or"),
        (
            {"major_incident": {"signatures": ["rack"]}},
            "dispatch.major_incident.signatures[0]",
            "service, kind, site",
        ),
        ({"problem": {"window_s": 0}}, "dispatch.problem.window_s", "> 0"),
        ({"sla": {"warn_at": 1.0}}, "dispatch.sla.warn_at", "fraction"),
        ({"sla": {"warn_at": float("nan")}}, "dispatch.sla.warn_at", "fraction"),
        (
            {"sla": {"targets": {"P1": {"resolution_s": 60}}}},
            "dispatch.sla.targets.P1.resolution_s",
            "shorter",
        ),
        (
            {"sla": {"targets": {"P1": {"response_s": float("inf")}}}},
            "dispatch.sla.targets.P1.response_s",
            "> 0",
        ),
        (
            {"priority_matrix": {"high": {"high": "P1"}}},
            "dispatch.priority_matrix.high.medium",
            "missing",
        ),
        ({"priority_matrix": "itil"}, "dispatch.priority_matrix", "mapping"),
        ({"routing": {"kind": "x"}}, "dispatch.routing", "a list"),
        ({"routing": [{"kind": "x"}]}, "dispatch.routing[0].team", "missing"),
        ({"routing": [{"team": "x"}]}, "dispatch.routing[0]", "at least one"),
        (
            {"routing": [{"team": "x", "tags": {"rack": None}}]},
            "dispatch.routing[0].tags.rack",
            "pattern",
        ),
        ({"runbooks": [{"url": "u"}]}, "dispatch.runbooks[0]", "kind, check"),
        ({"runbooks": [{"kind": "x"}]}, "dispatch.runbooks[0].url", "missing"),
        (
            {"runbooks": [{"kind": "x", "url": "https://kb/{host}"}]},
            "dispatch.runbooks[0].url",
            "{host}",
        ),
        (
            {"runbooks": [{"kind": "x", "url": "https://kb/{node!r}"}]},
            "dispatch.runbooks[0].url",
            "placeholder",
        ),
        (
            {"runbooks": [{"kind": "x", "url": "https://kb/{node"}]},
            "dispatch.runbooks[0].url",
            "bad URL",
        ),
        ({"paging": {"levels": []}}, "dispatch.paging.levels", "at least one"),
        ({"paging": {"levels": ["a", "a"]}}, "dispatch.paging.levels[1]", "twice"),
        ({"paging": {"levels": [{"notify": "x"}]}}, "dispatch.paging.levels[0].name", "missing"),
        ({"paging": {"ack_timeout_s": {"P1": 0}}}, "dispatch.paging.ack_timeout_s.P1", "> 0"),
        (
            {"paging": {"rate_limit": {"max_pages": 0}}},
            "dispatch.paging.rate_limit.max_pages",
            ">= 1",
        ),
        ({"paging": {"teams": {"net": []}}}, "dispatch.paging.teams.net", "mapping"),
        ({"paging": {"resolve_notices": 1}}, "dispatch.paging.resolve_notices", "true or false"),
        ({"tick_s": 0}, "dispatch.tick_s", "> 0"),
        ({"sync_s": "1m"}, "dispatch.sync_s", "seconds"),
        ({"outbox_poll_s": -1}, "dispatch.outbox_poll_s", "> 0"),
        ({"incident_url": "noc.example/{id}"}, "dispatch.incident_url", "http(s) URL"),
        ({"incident_url": "https://noc.example/"}, "dispatch.incident_url", "one {id}"),
        ({"incident_url": "https://noc/{id}/{node}"}, "dispatch.incident_url", "one {id}"),
        ({"incident_url": "https://noc/{id"}, "dispatch.incident_url", "bad URL"),
    ],
)
def test_bad_values_are_errors_naming_the_key_path(
    section: dict[str, Any], path: str, expected: str
):
    """A bad value is a ValueError whose message names its key path and what was expected."""
    with pytest.raises(ValueError, match=r".") as caught:
        from_mapping(section)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert expected in message


def test_intervals_and_the_incident_link_are_read_from_the_section():
    """The tick, sync and outbox intervals and the NOC link template are taken as given;
    the link fills in the incident id, and no template gives no link."""
    settings = from_mapping(
        {
            "tick_s": 2,
            "sync_s": 30.5,
            "outbox_poll_s": 0.25,
            "incident_url": "https://noc.example/#/incidents/{id}",
        }
    )
    assert (settings.tick_s, settings.sync_s, settings.outbox_poll_s) == (2.0, 30.5, 0.25)
    assert settings.incident_link("INC-000007") == "https://noc.example/#/incidents/INC-000007"
    assert DispatchSettings().incident_link("INC-000007") is None


def test_resolving_tickets_with_their_incidents_can_be_switched_off():
    """resolve_tickets is on by default, read as given, and must be a boolean."""
    assert DispatchSettings().resolve_tickets is True
    assert from_mapping({"resolve_tickets": False}).resolve_tickets is False
    with pytest.raises(DispatchConfigError) as caught:
        from_mapping({"resolve_tickets": "no"})
    assert caught.value.path == ("resolve_tickets",)


def test_error_carries_the_path_inside_the_section():
    """The error's ``path`` is relative to the section, for the config loader to locate."""
    with pytest.raises(DispatchConfigError) as caught:
        from_mapping({"routing": [{"kind": "x", "team": 3}]})
    assert caught.value.path == ("routing", 0, "team")
    assert "non-empty string" in caught.value.what


def test_dotted_paths_read_like_the_config_loader_writes_them():
    """Key paths are dotted, with list indexes in brackets."""
    assert dotted(("dispatch", "routing", 0, "team")) == "dispatch.routing[0].team"


def test_nothing_is_exempt_from_the_rate_limit_when_told():
    """``exempt_at_or_above: null`` removes the P1 exemption."""
    paging = from_mapping({"paging": {"rate_limit": {"exempt_at_or_above": None}}}).paging
    assert paging.rate_limit.exempt_at_or_above is None


_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=6)
)
_keys = st.sampled_from(
    [
        "default_team",
        "routing",
        "sla",
        "paging",
        "team",
        "kind",
        "url",
        "count",
        "P1",
        "high",
        "levels",
        "teams",
        "targets",
        "warn_at",
        "window_s",
        "x",
    ]
)
_junk = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(_keys, _junk, max_size=4))
def test_any_mapping_either_parses_or_raises_a_config_error(data: dict[str, Any]):
    """Whatever the section holds, the parser returns settings or a DispatchConfigError."""
    outcome: object
    try:
        outcome = from_mapping(data)
    except DispatchConfigError as error:
        outcome = error
    assert isinstance(outcome, DispatchSettings | DispatchConfigError)
    assert not isinstance(outcome, DispatchConfigError) or str(outcome).startswith("dispatch")
