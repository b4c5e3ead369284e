# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The configuration: defaults, the documented default file, examples, env overrides, errors."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pydantic
import pytest
import yaml

from correlator.app import kafka_security
from correlator.config import (
    ConfigError,
    Settings,
    default_config_path,
    load_config,
    parse_config,
)
from correlator.correlate.settings import EngineSettings
from correlator.dispatch.pagers.router import RateLimit as PagerRateLimit
from correlator.dispatch.pagers.webhook import WebhookSettings
from correlator.dispatch.priority import Level, Priority
from correlator.dispatch.settings import DispatchSettings, RoutingRule
from correlator.dispatch.tickets.registry import TicketKind
from correlator.model import Source

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_YAML = ROOT / "config" / "default.yaml"
EXAMPLES = ROOT / "config" / "examples"
GOOD_EXAMPLES = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.startswith("bad-"))
BAD_EXAMPLES = sorted(EXAMPLES.glob("bad-*.yaml"))


def _expected_error(path: Path) -> str:
    """The ``# expect-error: LINE: MESSAGE`` header of a bad example."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# expect-error: "
    assert first.startswith(prefix), f"{path.name} lacks its '{prefix}' header"
    return first.removeprefix(prefix)


def _error(data: object, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, environ=environ)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


def _schema_paths(model: type[pydantic.BaseModel], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            paths.add(path)
            paths |= _schema_paths(annotation, f"{path}.")
        elif name == "dispatch":
            paths |= _dataclass_paths(DispatchSettings(), path)
        elif name in SECTION_KEYS:
            paths |= {f"{path}{key}" for key in SECTION_KEYS[name]}
        elif annotation is EngineSettings:
            paths.add(path)
            defaults = EngineSettings()
            for engine_field in dataclasses.fields(EngineSettings):
                key_path = f"{path}.{engine_field.name}"
                paths.add(key_path)
                default = getattr(defaults, engine_field.name)
                if isinstance(default, typing.Mapping):  # detection_delay_s: one per source
                    paths |= {f"{key_path}.{key}" for key in default}
        else:
            paths.add(path)
    return paths


# Sections keyed by names the operator chooses: the keys default.yaml must show.
SECTION_KEYS = {
    "tickets": ("", ".builtin", ".builtin.kind", ".builtin.url_template", ".builtin.close_after_s"),
    "paging": (
        "",
        ".pagers",
        ".routes",
        ".routes.default",
        ".routes.default.pagers",
        ".routes.default.escalation",
        ".routes.teams",
        ".rate_limits",
        ".rate_limits.default",
        ".rate_limits.teams",
    ),
}


def _key_name(key: object) -> str:
    return key.name.lower() if isinstance(key, Level) else str(key)


def _dataclass_paths(value: object, path: str) -> set[str]:
    """Every key of a dispatch settings object as the YAML writes it (mappings nest)."""
    paths = {path}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            paths |= _dataclass_paths(getattr(value, item.name), f"{path}.{item.name}")
    elif isinstance(value, typing.Mapping):
        for key, item in value.items():
            if isinstance(key, tuple):  # the priority matrix: impact -> urgency -> priority
                impact, urgency = (_key_name(k) for k in key)
                paths |= {f"{path}.{impact}", f"{path}.{impact}.{urgency}"}
            else:
                paths |= _dataclass_paths(item, f"{path}.{_key_name(key)}")
    return paths


def _yaml_paths(node: yaml.Node, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            paths.add(path)
            paths |= _yaml_paths(value, f"{path}.")
    return paths


# ---- defaults ---------------------------------------------------------------------------


def test_built_in_defaults() -> None:
    """An empty config gives the documented defaults of every section."""
    settings = parse_config({})
    assert settings.server.host == "127.0.0.1"
    assert settings.server.port == 8080
    assert settings.server.max_body_bytes == 1024 * 1024
    assert settings.auth_token is None
    assert settings.bus.kind == "memory"
    assert settings.bus.topic_prefix == "correlator."
    assert settings.data_dir == Path("data")
    assert settings.journal_path == Path("data") / "journal.sqlite"
    assert settings.bus.kafka.create_topics is True
    assert settings.bus.kafka.alerts_retention_ms == 7 * 24 * 3600 * 1000
    assert settings.bus.kafka.dlq_retention_ms == 30 * 24 * 3600 * 1000
    assert settings.connectors.enabled_sources() == tuple(Source)
    assert settings.connectors.zabbix.timezone == "UTC"
    assert settings.topology.path is None
    assert settings.correlation == EngineSettings()
    assert settings.dispatch == DispatchSettings()
    assert settings.dispatch.default_team == "service-desk"
    assert settings.store.kind == "sqlite"
    assert settings.store_path == Path("data") / "correlator.db"
    assert settings.store_dsn is None
    assert list(settings.tickets.targets) == ["builtin"]
    assert settings.tickets.builtin() == "builtin"
    assert settings.paging.pagers == {}
    assert settings.paging.router.route("network").pagers == ()
    assert settings.paging.limiter().limit_for("network") is None
    assert settings.logging.level == "info"
    assert settings.logging.format == "auto"


def test_none_and_empty_file_mean_defaults(tmp_path: Path) -> None:
    """No file, an empty file and an empty mapping all give the built-in defaults."""
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n", encoding="utf-8")
    assert load_config(None, {}) == parse_config({}) == load_config(empty, {})


def test_default_yaml_is_exactly_the_defaults() -> None:
    """config/default.yaml parses to the same settings as no config at all."""
    assert load_config(DEFAULT_YAML, {}) == parse_config({})


def test_default_yaml_documents_every_key() -> None:
    """config/default.yaml lists every key of the schema and no other."""
    node = yaml.compose(DEFAULT_YAML.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert node is not None
    assert _yaml_paths(node) == _schema_paths(Settings)


def test_default_yaml_comments_every_section() -> None:
    """Every top-level section of config/default.yaml is preceded by a comment."""
    lines = DEFAULT_YAML.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith(("#", " ")):
            assert lines[index - 1].startswith("#"), f"section without a comment: {line}"


def test_settings_are_frozen() -> None:
    """Parsed settings cannot be changed after the fact."""
    settings = parse_config({})
    with pytest.raises(pydantic.ValidationError):
        settings.server.port = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.correlation.window_s = 1.0  # type: ignore[misc]


def test_default_config_path(tmp_path: Path) -> None:
    """The CLI's default is config/default.yaml under the working directory, if present."""
    assert default_config_path(tmp_path) is None
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "default.yaml").write_text("{}\n", encoding="utf-8")
    assert default_config_path(tmp_path) == tmp_path / "config" / "default.yaml"


# ---- example files ----------------------------------------------------------------------


def test_examples_exist() -> None:
    """config/examples holds several good and several bad files."""
    assert len(GOOD_EXAMPLES) >= 3
    assert len(BAD_EXAMPLES) >= 5


@pytest.mark.parametrize("path", GOOD_EXAMPLES, ids=lambda p: p.name)
def test_good_example_parses(path: Path) -> None:
    """Every good example file is a valid configuration."""
    assert isinstance(load_config(path, {}), Settings)


@pytest.mark.parametrize("path", BAD_EXAMPLES, ids=lambda p: p.name)
def test_bad_example_fails_with_its_line_and_key(path: Path) -> None:
    """Every bad example fails with the one-line message its header announces."""
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value) == f"{path}:{_expected_error(path)}"


def test_kafka_example_settings() -> None:
    """The Kafka production example selects Kafka with its replication and overrides."""
    settings = load_config(EXAMPLES / "kafka-production.yaml", {})
    assert settings.bus.kind == "kafka"
    assert settings.bus.kafka.replication_factor == 3
    assert settings.bus.kafka.bootstrap is not None
    assert Source.PRTG not in settings.connectors.enabled_sources()
    assert settings.correlation.detection_delay_s["zabbix"] == 60.0
    assert settings.correlation.detection_delay_s["nagios"] == 90.0
    assert settings.logging.level == "info"


def test_auth_example_has_a_token() -> None:
    """The auth-enabled example configures a bearer token, kept out of the repr."""
    settings = load_config(EXAMPLES / "auth-enabled.yaml", {})
    assert settings.auth_token == "change-me: a long random string"
    assert "change-me" not in repr(settings)


# ---- errors -----------------------------------------------------------------------------


def test_error_names_file_line_key_and_expectation(tmp_path: Path) -> None:
    """A bad value names file:line, the dotted key and what was expected."""
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  host: 0.0.0.0\n\n  port: eighty\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value) == (
        f"{path}:4: server.port: expected an integer 1..65535, got 'eighty'"
    )
    assert caught.value.key == "server.port"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"server": {"port": 0}}, "server.port: expected an integer 1..65535, got 0"),
        ({"server": {"port": True}}, "server.port: expected an integer 1..65535, got true"),
        ({"server": 5}, "server: expected a mapping, got 5"),
        ({"bus": {"kind": "rabbit"}}, "bus.kind: expected 'memory' or 'kafka', got 'rabbit'"),
        (
            {"serve": {}},
            (
                "serve: unknown key 'serve' (did you mean 'server'?), expected one of: "
                "server, bus, data_dir, connectors, topology, correlation, dispatch, store, "
                "tickets, paging, logging"
            ),
        ),
        (
            {"connectors": {"nagios": {"observer": ""}}},
            "connectors.nagios.observer: expected a non-empty string or null, got ''",
        ),
        (
            {"connectors": {"snmp": {}}},
            (
                "connectors.snmp: unknown key 'snmp', expected one of: "
                "nagios, icinga, zabbix, prtg, alertmanager, prometheus"
            ),
        ),
        (
            {"logging": {"format": "xml"}},
            "logging.format: expected 'auto', 'json' or 'console', got 'xml'",
        ),
        (
            {"correlation": {"window_s": "soon"}},
            "correlation.window_s: expected a number of seconds >= 0, got 'soon'",
        ),
        (
            {"correlation": {"flap_changes": 2.5}},
            "correlation.flap_changes: expected an integer >= 0, got 2.5",
        ),
        (
            {"correlation": {"detection_delay_s": {"nagios": -1}}},
            "correlation.detection_delay_s.nagios: expected a number of seconds >= 0, got -1",
        ),
        (
            {"correlation": {"detection_delay_s": [1, 2]}},
            "correlation.detection_delay_s: expected a mapping of source to seconds, got a list",
        ),
        (
            {"bus": {"kafka": {"dlq_retention_ms": 0}}},
            (
                "bus.kafka.dlq_retention_ms: expected -1 (keep forever) or an integer number of "
                "milliseconds >= 1, got 0"
            ),
        ),
        (
            {"bus": {"topic_prefix": "a b"}},
            (
                "bus.topic_prefix: expected a topic name prefix of letters, digits, '.', '_' and "
                "'-', got 'a b'"
            ),
        ),
        (
            {"server": {"auth_token": "x", "auth_token_file": "token"}},
            "server.auth_token_file: set auth_token or auth_token_file, not both",
        ),
    ],
)
def test_one_line_errors(data: dict[str, object], message: str) -> None:
    """Each kind of mistake gives one line naming the key and what was expected."""
    assert _error(data) == f"<config>: {message}"


def test_several_problems_report_the_first_line(tmp_path: Path) -> None:
    """With several mistakes the earliest line is reported, with a count of the others."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "logging:\n  level: loud\nserver:\n  port: x\ncorrelation:\n  hold: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    message = str(caught.value)
    assert message.startswith(f"{path}:2: logging.level: ")
    assert message.endswith("(and 2 more)")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    """A YAML syntax error is one line with the file and the line of the problem."""
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  port: 80\n   host: x\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value).startswith(f"{path}:3: YAML syntax error: ")
    assert "\n" not in str(caught.value)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    """A key written twice is refused instead of the last one silently winning."""
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  port: 80\n  port: 81\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value) == f"{path}:3: server.port: duplicate key"


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    """A file that is not a mapping of sections is refused at line 1."""
    path = tmp_path / "c.yaml"
    path.write_text("- server\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value) == f"{path}:1: expected a mapping of sections, got a list"


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """An unreadable config file is a one-line ConfigError naming it."""
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value) == f"{path}: cannot read the config file: No such file or directory"


def test_kafka_needs_bootstrap(tmp_path: Path) -> None:
    """bus.kind kafka without bus.kafka.bootstrap points at the line choosing Kafka."""
    path = tmp_path / "c.yaml"
    path.write_text("data_dir: /tmp/x\nbus:\n  kind: kafka\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value).startswith(f"{path}:3: bus.kafka.bootstrap: required when")


def test_timezone_is_validated() -> None:
    """The Zabbix time zone must be a known IANA zone (UTC always is)."""
    assert parse_config({"connectors": {"zabbix": {"timezone": "UTC"}}})
    assert "connectors.zabbix.timezone: expected an IANA time zone" in _error(
        {"connectors": {"zabbix": {"timezone": "Mars/Olympus"}}}
    )


# ---- paths and the token file -----------------------------------------------------------


def test_journal_is_relative_to_data_dir() -> None:
    """A relative journal lives under data_dir, an absolute one stays, null disables it."""
    assert parse_config({"data_dir": "/var/lib/c"}).journal_path == Path(
        "/var/lib/c/journal.sqlite"
    )
    absolute = {"bus": {"memory": {"journal": "/srv/j.sqlite"}}}
    assert parse_config(absolute).journal_path == Path("/srv/j.sqlite")
    assert parse_config({"bus": {"memory": {"journal": None}}}).journal_path is None


def test_token_file_is_read_and_stripped(tmp_path: Path) -> None:
    """auth_token_file is read at load time, surrounding whitespace dropped."""
    token = tmp_path / "token"
    token.write_text("  s3cret\n", encoding="utf-8")
    settings = parse_config({"server": {"auth_token_file": str(token)}})
    assert settings.auth_token == "s3cret"


def test_token_file_problems(tmp_path: Path) -> None:
    """A missing or empty token file is a one-line error naming the key."""
    missing = tmp_path / "missing"
    assert _error({"server": {"auth_token_file": str(missing)}}) == (
        f"<config>: server.auth_token_file: cannot read '{missing}': No such file or directory"
    )
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    assert _error({"server": {"auth_token_file": str(empty)}}) == (
        f"<config>: server.auth_token_file: '{empty}' is empty"
    )


# ---- the correlation section ------------------------------------------------------------


def test_every_engine_setting_can_be_configured() -> None:
    """Each EngineSettings field is read from the correlation section, with its type."""
    hints = typing.get_type_hints(EngineSettings)
    data: dict[str, object] = {}
    for field in dataclasses.fields(EngineSettings):
        hint = hints[field.name]
        if hint is int:
            data[field.name] = 7
        elif hint is float:
            data[field.name] = 7.5
        else:
            data[field.name] = {"nagios": 7.5}
    settings = parse_config({"correlation": data})
    for field in dataclasses.fields(EngineSettings):
        value = getattr(settings.correlation, field.name)
        if isinstance(value, typing.Mapping):
            assert value["nagios"] == 7.5
        else:
            assert value == data[field.name]
            assert type(value) is hints[field.name]


def test_detection_delays_merge_over_the_defaults() -> None:
    """Sources listed in detection_delay_s override the default; the others keep it."""
    settings = parse_config({"correlation": {"detection_delay_s": {"zabbix": 30}}})
    delays = settings.correlation.detection_delay_s
    assert delays["zabbix"] == 30.0
    assert delays["nagios"] == EngineSettings().detection_delay_s["nagios"]
    assert set(delays) == {s.value for s in Source}


def test_integers_are_accepted_for_seconds() -> None:
    """A whole number of seconds is read as a float."""
    settings = parse_config({"correlation": {"hold_s": 45}})
    assert settings.correlation.hold_s == 45.0
    assert isinstance(settings.correlation.hold_s, float)


# ---- environment overrides --------------------------------------------------------------


def test_env_overrides_are_yaml_scalars() -> None:
    """CORRELATOR_SECTION__KEY sets nested keys, values read as YAML scalars."""
    settings = parse_config(
        {},
        environ={
            "CORRELATOR_SERVER__PORT": "9000",
            "CORRELATOR_BUS__KIND": "kafka",
            "CORRELATOR_BUS__KAFKA__BOOTSTRAP": "k1:9092,k2:9092",
            "CORRELATOR_BUS__KAFKA__CREATE_TOPICS": "false",
            "CORRELATOR_CORRELATION__DETECTION_DELAY_S__ZABBIX": "60",
            "CORRELATOR_CONNECTORS__PRTG__ENABLED": "no",
            "CORRELATOR_DATA_DIR": "/var/lib/correlator",
            "PATH": "/usr/bin",  # not ours: ignored
        },
    )
    assert settings.server.port == 9000
    assert settings.bus.kind == "kafka"
    assert settings.bus.kafka.bootstrap == "k1:9092,k2:9092"
    assert settings.bus.kafka.create_topics is False
    assert settings.correlation.detection_delay_s["zabbix"] == 60.0
    assert Source.PRTG not in settings.connectors.enabled_sources()
    assert settings.data_dir == Path("/var/lib/correlator")


def test_env_text_keys_are_verbatim() -> None:
    """Keys holding text take the variable verbatim, so a token may contain '#' or ': '."""
    settings = parse_config(
        {},
        environ={
            "CORRELATOR_SERVER__AUTH_TOKEN": "12345 #not: a comment",
            "CORRELATOR_SERVER__HOST": "0.0.0.0",
            "CORRELATOR_BUS__TOPIC_PREFIX": "2024.",
        },
    )
    assert settings.auth_token == "12345 #not: a comment"
    assert settings.server.host == "0.0.0.0"
    assert settings.bus.topic_prefix == "2024."


def test_env_null_unsets_an_optional_key() -> None:
    """'null' in a variable unsets an optional key set by the file."""
    settings = parse_config(
        {"topology": {"path": "/etc/t.yaml"}}, environ={"CORRELATOR_TOPOLOGY__PATH": "null"}
    )
    assert settings.topology.path is None


def test_env_wins_over_the_file(tmp_path: Path) -> None:
    """An environment variable overrides the same key of the config file."""
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  port: 8081\n", encoding="utf-8")
    assert load_config(path, {"CORRELATOR_SERVER__PORT": "8082"}).server.port == 8082


def test_env_errors_name_the_variable(tmp_path: Path) -> None:
    """A bad or unknown variable is one line naming the variable and the key."""
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  port: 8081\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {"CORRELATOR_SERVER__PORT": "eighty"})
    assert str(caught.value) == (
        "environment CORRELATOR_SERVER__PORT: server.port: "
        "expected an integer 1..65535, got 'eighty'"
    )
    assert _error({}, {"CORRELATOR_SERVER__PROT": "1"}).startswith(
        "environment CORRELATOR_SERVER__PROT: server.prot: unknown key 'prot' "
        "(did you mean 'port'?)"
    )
    assert _error({}, {"CORRELATOR_SERVER____PORT": "1"}).startswith(
        "environment CORRELATOR_SERVER____PORT: "
    )
    assert _error({}, {"CORRELATOR_CORRELATION__HOLD": "1"}).startswith(
        "environment CORRELATOR_CORRELATION__HOLD: correlation.hold: unknown key 'hold'"
    )


# ---- dispatch, store, tickets, paging ---------------------------------------------------


def test_dispatch_section_is_parsed_by_the_dispatch_stage() -> None:
    """The dispatch section becomes the stage's typed settings (routing rules, policies)."""
    settings = parse_config(
        {
            "dispatch": {
                "default_team": "noc",
                "routing": [{"kind": "firewall", "team": "security"}],
                "paging": {"page_at_or_above": "P2"},
            }
        }
    )
    assert settings.dispatch.default_team == "noc"
    assert settings.dispatch.routing == (RoutingRule(team="security", kind="firewall"),)
    assert settings.dispatch.paging.page_at_or_above is Priority.P2
    assert settings.dispatch.priority_matrix[(Level.HIGH, Level.HIGH)] is Priority.P1


def test_dispatch_errors_name_file_line_and_key(tmp_path: Path) -> None:
    """A bad dispatch value is one line naming the file, the line of the key and its path."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "dispatch:\n  sla:\n    targets:\n      P1:\n        response_s: -5\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value) == (
        f"{path}:5: dispatch.sla.targets.P1.response_s: expected a number of seconds > 0, got -5"
    )


def test_store_settings() -> None:
    """The SQLite file lives under data_dir unless absolute; PostgreSQL needs its DSN."""
    assert parse_config({"data_dir": "/var/lib/c"}).store_path == Path("/var/lib/c/correlator.db")
    absolute = parse_config({"store": {"sqlite": {"path": "/srv/c.db"}}})
    assert absolute.store_path == Path("/srv/c.db")
    postgres = parse_config(
        {"store": {"kind": "postgres"}},
        environ={"CORRELATOR_STORE__POSTGRES__DSN": "postgresql://c:p#1@db/c"},
    )
    assert postgres.store_dsn == "postgresql://c:p#1@db/c"
    assert "p#1" not in repr(postgres)
    assert _error({"store": {"kind": "postgres"}}) == (
        "<config>: store.postgres.dsn: required when store.kind is 'postgres': "
        "a libpq connection string or URL"
    )
    assert _error({"store": {"kind": "mysql"}}) == (
        "<config>: store.kind: expected 'sqlite' or 'postgres', got 'mysql'"
    )


def test_ticket_targets_are_named_by_their_key() -> None:
    """Each ticket target is built from its mapping by the registry, named by its key."""
    settings = parse_config(
        {
            "tickets": {
                "queue": {"kind": "builtin", "url_template": "https://noc/t/{ticket_id}"},
                "rt": {"kind": "rt", "url": "https://rt.example.net", "token": "1-2-s3cret"},
            }
        }
    )
    assert list(settings.tickets.targets) == ["queue", "rt"]
    assert settings.tickets.targets["rt"].kind is TicketKind.RT
    assert settings.tickets.targets["rt"].name == "rt"
    assert settings.tickets.builtin() == "queue"
    assert "s3cret" not in repr(settings)
    assert parse_config({"tickets": {}}).tickets.targets == {}
    assert parse_config({"tickets": {}}).tickets.builtin() is None
    assert _error({"tickets": {"q": {"kind": "builtin", "name": "other"}}}) == (
        "<config>: tickets.q.name: a target is named by its key; remove 'name'"
    )
    assert _error({"tickets": {"rt": {"kind": "rt", "url": "ftp://x", "token": "t"}}}) == (
        "<config>: tickets.rt.url: expected an http(s) URL, got 'ftp://x'"
    )


def test_paging_section_builds_pagers_routes_and_limits() -> None:
    """Pagers, per-team routes and per-pager token buckets come from the paging section."""
    settings = parse_config(
        {
            "paging": {
                "pagers": {"chat": {"type": "webhook", "url": "https://hooks.example.net/a"}},
                "routes": {
                    "default": {"pagers": []},
                    "teams": {"network": {"pagers": ["chat"]}},
                },
                "rate_limits": {
                    "default": {"pages": 10, "per_s": 3600},
                    "teams": {"network": None},
                },
            }
        }
    )
    paging = settings.paging
    assert paging.pagers["chat"] == WebhookSettings(url="https://hooks.example.net/a")
    assert paging.router.route("network").pagers == ("chat",)
    assert paging.router.route("systems").pagers == ()
    limiter = paging.limiter()
    assert limiter.limit_for("systems") == PagerRateLimit(10, 3600.0)
    assert limiter.limit_for("network") is None
    assert paging == parse_config({"paging": settings_paging_again()}).paging


def settings_paging_again() -> dict[str, object]:
    return {
        "pagers": {"chat": {"type": "webhook", "url": "https://hooks.example.net/a"}},
        "routes": {"default": {"pagers": []}, "teams": {"network": {"pagers": ["chat"]}}},
        "rate_limits": {"default": {"pages": 10, "per_s": 3600}, "teams": {"network": None}},
    }


def test_env_sets_dispatch_tickets_and_paging_text_verbatim() -> None:
    """In the schema-less sections, text from the environment is taken verbatim, numbers
    and booleans are read as YAML."""
    settings = parse_config(
        {"paging": {"pagers": {"hook": {"type": "webhook", "url": "https://h/a"}}}},
        environ={
            "CORRELATOR_DISPATCH__DEFAULT_TEAM": "ops #1",
            "CORRELATOR_DISPATCH__SLA__WARN_AT": "0.5",
            "CORRELATOR_PAGING__PAGERS__HOOK__BEARER_TOKEN": "abc #def: ghi",
            "CORRELATOR_PAGING__PAGERS__HOOK__TIMEOUT_S": "3",
        },
    )
    assert settings.dispatch.default_team == "ops #1"
    assert settings.dispatch.sla.warn_at == 0.5
    hook = settings.paging.pagers["hook"]
    assert isinstance(hook, WebhookSettings)
    assert hook.bearer_token == "abc #def: ghi"
    assert hook.timeout_s == 3.0
    assert _error({}, {"CORRELATOR_DISPATCH__PAGING__PAGE_AT": "P1"}).startswith(
        "environment CORRELATOR_DISPATCH__PAGING__PAGE_AT: dispatch.paging.page_at: unknown key"
    )


def test_dispatch_production_example() -> None:
    """The production dispatch example: PostgreSQL, RT and the queue, PagerDuty and a chat."""
    settings = load_config(EXAMPLES / "dispatch-production.yaml", {})
    assert settings.store.kind == "postgres"
    assert list(settings.tickets.targets) == ["builtin", "rt"]
    assert settings.paging.router.route("network", 2).pagers == ("pd-network", "chat")
    assert settings.paging.limiter().limit_for("network") is None
    assert settings.dispatch.paging.page_at_or_above is Priority.P2
    assert settings.dispatch.paging.levels_for("network")[0].notify == "noc-rota"


# ---- the operator API's tokens --------------------------------------------------------------


def test_api_tokens_example() -> None:
    """The API tokens example names a viewer and an operator, tokens kept out of the repr."""
    settings = load_config(EXAMPLES / "api-tokens.yaml", {})
    assert [(t.name, t.role) for t in settings.api_tokens] == [
        ("noc-wall", "viewer"),
        ("alice", "operator"),
    ]
    assert settings.api_tokens[1].secret == "alice: another long random string"
    assert "another long" not in repr(settings)
    assert parse_config({}).api_tokens == ()


def test_api_token_from_its_file(tmp_path: Path) -> None:
    """An API token's token_file is read and stripped; token and token_file exclude each other."""
    secret = tmp_path / "alice.token"
    secret.write_text("  s3cret #1\n", encoding="utf-8")
    entry = {"name": "alice", "token_file": str(secret), "role": "operator"}
    settings = parse_config({"server": {"api_tokens": [entry]}})
    assert settings.api_tokens[0].secret == "s3cret #1"
    both = {**entry, "token": "x"}
    assert _error({"server": {"api_tokens": [both]}}) == (
        "<config>: server.api_tokens[0].token_file: set token or token_file, not both"
    )
    empty = tmp_path / "empty.token"
    empty.write_text("\n", encoding="utf-8")
    assert _error({"server": {"api_tokens": [{"name": "a", "token_file": str(empty)}]}}) == (
        f"<config>: server.api_tokens[0].token_file: '{empty}' is empty"
    )


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ("x", "server.api_tokens: expected a list of {name, token or token_file, role} mappings"),
        ([{"name": "a"}], "server.api_tokens[0].token: required: set token or token_file"),
        ([{"token": "t"}], "server.api_tokens[0].name: expected a non-empty name"),
        ([{"name": "a", "token": "t", "role": "root"}], "server.api_tokens[0].role: expected"),
        ([{"name": "a", "token": " "}], "server.api_tokens[0].token: expected a non-empty"),
        (
            [{"name": "a", "token": "t", "rol": "viewer"}],
            "unknown key 'rol' (did you mean 'role'?)",
        ),
        (
            [{"name": "a", "token": "t"}, {"name": "b", "token": "t"}],
            "server.api_tokens[1].token: the same token is given twice",
        ),
    ],
)
def test_api_token_errors(tokens: object, message: str) -> None:
    """A bad API token entry is one line naming its index and key."""
    assert message in _error({"server": {"api_tokens": tokens}})


def test_api_token_from_the_environment() -> None:
    """CORRELATOR_SERVER__API_TOKENS__<i>__TOKEN sets the token of entry i, verbatim."""
    data = {"server": {"api_tokens": [{"name": "wall"}, {"name": "bob", "role": "operator"}]}}
    settings = parse_config(
        data,
        environ={
            "CORRELATOR_SERVER__API_TOKENS__0__TOKEN": "w #1: x",
            "CORRELATOR_SERVER__API_TOKENS__1__TOKEN": "b0b",
        },
    )
    assert [(t.name, t.role, t.secret) for t in settings.api_tokens] == [
        ("wall", "viewer", "w #1: x"),
        ("bob", "operator", "b0b"),
    ]
    assert _error(data, {"CORRELATOR_SERVER__API_TOKENS__2__TOKEN": "x"}) == (
        "environment CORRELATOR_SERVER__API_TOKENS__2__TOKEN: server.api_tokens[2].token: "
        "no entry 2 in the list (it has 2)"
    )
    whole = parse_config(
        {}, environ={"CORRELATOR_SERVER__API_TOKENS": "[{name: a, token: b, role: operator}]"}
    )
    assert whole.api_tokens[0].role == "operator"


# ---- Kafka TLS and SASL -----------------------------------------------------------------


def _kafka(**keys: object) -> dict[str, object]:
    return {"bus": {"kind": "kafka", "kafka": {"bootstrap": "k:9093", **keys}}}


def test_kafka_sasl_ssl_example_settings() -> None:
    """The SASL_SSL example logs in with SCRAM-SHA-512; the password stays out of the repr."""
    settings = load_config(EXAMPLES / "kafka-sasl-ssl.yaml", {})
    kafka = settings.bus.kafka
    assert (kafka.security_protocol, kafka.sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert kafka.sasl_username == "correlator"
    assert kafka.sasl_password is not None
    assert kafka.sasl_password.get_secret_value().startswith("change-me")
    assert "change-me" not in repr(settings)


def test_kafka_sasl_password_is_read_from_its_file(tmp_path: Path) -> None:
    """sasl_password_file is read at load (surrounding whitespace dropped)."""
    secret = tmp_path / "kafka-password"
    secret.write_text("  s3cret\n", encoding="utf-8")
    settings = parse_config(
        _kafka(
            security_protocol="SASL_PLAINTEXT",
            sasl_username="correlator",
            sasl_password_file=str(secret),
        )
    )
    password = settings.bus.kafka.sasl_password
    assert password is not None
    assert password.get_secret_value() == "s3cret"


def test_kafka_sasl_password_from_the_environment() -> None:
    """CORRELATOR_BUS__KAFKA__SASL_PASSWORD gives the password, verbatim."""
    settings = parse_config(
        _kafka(security_protocol="SASL_SSL", sasl_username="correlator"),
        environ={"CORRELATOR_BUS__KAFKA__SASL_PASSWORD": "123456"},
    )
    password = settings.bus.kafka.sasl_password
    assert password is not None
    assert password.get_secret_value() == "123456"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            {"security_protocol": "SASL_SSL", "sasl_password": "x"},
            "bus.kafka.sasl_username: required when security_protocol is SASL_SSL",
        ),
        (
            {
                "security_protocol": "SASL_SSL",
                "sasl_username": "u",
                "sasl_password": "x",
                "sasl_password_file": "/nonexistent/kafka-password",
            },
            "bus.kafka.sasl_password_file: set sasl_password or sasl_password_file, not both",
        ),
        (
            {"sasl_username": "u", "sasl_password": "x"},
            (
                "bus.kafka.sasl_username: only used when security_protocol is SASL_PLAINTEXT or "
                "SASL_SSL, not PLAINTEXT"
            ),
        ),
        (
            {"security_protocol": "SASL_PLAINTEXT", "ssl_cafile": "ca.pem"},
            (
                "bus.kafka.ssl_cafile: only used when security_protocol is SSL or SASL_SSL, "
                "not SASL_PLAINTEXT"
            ),
        ),
        (
            {"security_protocol": "SSL", "ssl_cafile": "/nonexistent/ca.pem"},
            "bus.kafka.ssl_cafile: cannot read '/nonexistent/ca.pem': No such file or directory",
        ),
        (
            {"security_protocol": "SSL", "sasl_mechanism": "GSSAPI"},
            (
                "bus.kafka.sasl_mechanism: expected 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512', "
                "got 'GSSAPI'"
            ),
        ),
        (
            {"security_protocol": "TLS"},
            (
                "bus.kafka.security_protocol: expected 'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT' or "
                "'SASL_SSL', got 'TLS'"
            ),
        ),
    ],
)
def test_kafka_security_mistakes_are_named(keys: dict[str, object], message: str) -> None:
    """Each TLS/SASL mistake stops loading with the key and what is wrong."""
    assert message in _error(_kafka(**keys))


def test_kafka_security_reaches_the_bus(tmp_path: Path) -> None:
    """build_bus hands the loaded TLS/SASL settings to the Kafka bus's clients."""
    ca = tmp_path / "ca.pem"
    ca.write_text("not read until the bus starts", encoding="utf-8")
    settings = parse_config(
        _kafka(
            security_protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-256",
            sasl_username="correlator",
            sasl_password="pw",
            ssl_cafile=str(ca),
        )
    )
    security = kafka_security(settings.bus.kafka)
    assert security.protocol == "SASL_SSL"
    assert (security.sasl_mechanism, security.sasl_username) == ("SCRAM-SHA-256", "correlator")
    assert security.sasl_password == "pw"
    assert security.ssl_cafile == ca
    assert "pw" not in repr(security)
    assert security.describe() == "SASL_SSL as 'correlator' (SCRAM-SHA-256)"
