# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The daemon's configuration: parsed once, from a mapping, into typed frozen settings.

Sources, later ones winning:

1. the built-in defaults (``config/default.yaml`` documents every key and is exactly them);
2. the YAML file given to ``--config`` (optional: a missing key keeps its default);
3. environment variables ``CORRELATOR_<SECTION>__<KEY>`` (double underscore for each level
   of nesting, e.g. ``CORRELATOR_SERVER__PORT=9000``, ``CORRELATOR_BUS__KAFKA__BOOTSTRAP``).
   A value is read as a YAML scalar (``9000`` is a number, ``true`` a boolean, ``null``
   nothing), except for keys that hold text (host names, tokens, paths, names), which take
   the text verbatim so that a token with ``#`` or ``:`` survives (``null`` or ``~`` still
   unset an optional one); in the ``dispatch``, ``tickets`` and ``paging`` sections every
   text value is taken verbatim. Every ``CORRELATOR_*`` variable must name a known key.

The ``correlation``, ``dispatch``, ``tickets`` and ``paging`` sections are parsed by their
stage's own code (``EngineSettings``, :func:`correlator.dispatch.settings.from_mapping`,
the ticket-system and pager registries); their errors are located and worded like all
others.

Unknown keys are errors. Every problem (YAML syntax, unknown key, bad value, bad
environment variable) raises one :class:`ConfigError` whose message is a single line naming
where (``file:line`` or the environment variable), the key path and what was expected::

    config/examples/bad-port.yaml:4: server.port: expected an integer 1..65535, got 'eighty'

Nothing here runs at import time; :func:`load_config` reads the config file and, when
``server.auth_token_file`` or an API token's ``token_file`` is set, the token file, and
nothing else. An entry of a list is addressed by its index in an environment variable
(``CORRELATOR_SERVER__API_TOKENS__0__TOKEN`` sets the token of the first API token the
file lists), so a secret stays out of the file there too.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import difflib
import os
import re
import typing
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, UnionType
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    InstanceOf,
    SecretStr,
    Strict,
    ValidationError,
    field_validator,
)

from correlator.correlate.settings import EngineSettings
from correlator.dispatch.pagers.registry import PagerSettings, PagingConfigError, parse_paging
from correlator.dispatch.pagers.router import RateLimit, RateLimiter, Router, TeamRoute
from correlator.dispatch.settings import DispatchConfigError, DispatchSettings, from_mapping
from correlator.dispatch.tickets.registry import (
    BuiltinSettings,
    TicketConfigError,
    TicketKind,
    TicketSystemConfig,
    parse_ticket_system,
)
from correlator.model import Source
from correlator.store.sqlite import DEFAULT_FILENAME as DEFAULT_STORE_FILE

if typing.TYPE_CHECKING:
    from pydantic.fields import FieldInfo

ENV_PREFIX: Final = "CORRELATOR_"
"""Environment variables with this prefix override config keys."""

DEFAULT_CONFIG_PATH: Final = Path("config") / "default.yaml"
"""Where the CLI looks (relative to the working directory) when ``--config`` is not given."""

BUILTIN_TARGET: Final = "builtin"
"""The ticket target of the default configuration: the built-in queue."""

_TARGET_NAME: Final = re.compile(r"^[A-Za-z0-9_-]+$")


class ConfigError(ValueError):
    """The configuration is invalid; ``str(error)`` is one line naming where and what."""

    def __init__(self, where: str, key: str, what: str) -> None:
        super().__init__(f"{where}: {key}: {what}" if key else f"{where}: {what}")
        self.where = where
        self.key = key
        self.what = what


@dataclass(frozen=True, slots=True)
class Expect:
    """Annotation metadata: what a key must hold, as error messages say it."""

    text: str


# --------------------------------------------------------------------------------------
# The schema. Each leaf says what it expects, in the words the error message uses.
# --------------------------------------------------------------------------------------

_FlexPath = Annotated[Path, Strict(strict=False)]  # YAML gives text; a path is made of it


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


ApiRole = Literal["viewer", "operator"]
"""What an API token may do: ``viewer`` reads, ``operator`` reads and writes."""


class ApiTokenSettings(_Section):
    """One bearer token of the operator API: who presents it and what it may do."""

    name: Annotated[
        str,
        Field(min_length=1, pattern=r"^\S(.*\S)?$"),
        Expect("a non-empty name (the actor shown in history and logs)"),
    ]
    token: Annotated[SecretStr | None, Expect("a non-empty string or null")] = None
    token_file: Annotated[_FlexPath | None, Expect("a path or null")] = None
    role: Annotated[ApiRole, Expect("'viewer' or 'operator'")] = "viewer"

    @field_validator("token")
    @classmethod
    def _token_not_empty(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("empty token")
        return value

    @property
    def secret(self) -> str:
        """The token (already read from ``token_file`` by the loader)."""
        if self.token is None:  # the loader refuses an entry without one
            raise ValueError(f"API token {self.name!r} has no token")
        return self.token.get_secret_value()


class ServerSettings(_Section):
    """The HTTP edge: the intake and the operator API."""

    host: Annotated[str, Field(min_length=1), Expect("a host name or IP address")] = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535), Expect("an integer 1..65535")] = 8080
    auth_token: Annotated[SecretStr | None, Expect("a non-empty string or null")] = None
    auth_token_file: Annotated[_FlexPath | None, Expect("a path or null")] = None
    max_body_bytes: Annotated[int, Field(ge=1), Expect("an integer >= 1")] = 1024 * 1024
    shutdown_timeout_s: Annotated[float, Field(ge=0), Expect("a number of seconds >= 0")] = 10.0
    api_tokens: Annotated[
        tuple[ApiTokenSettings, ...],
        Strict(strict=False),  # YAML gives a list
        Expect("a list of {name, token or token_file, role} mappings"),
    ] = ()

    @field_validator("auth_token")
    @classmethod
    def _token_not_empty(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("empty token")
        return value


_RETENTION = "-1 (keep forever) or an integer number of milliseconds >= 1"
_WEEK_MS = 7 * 24 * 3600 * 1000
_MONTH_MS = 30 * 24 * 3600 * 1000


def _retention_not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("zero retention")
    return value


class MemoryBusSettings(_Section):
    """The in-process bus of the embedded default."""

    journal: Annotated[
        _FlexPath | None, Expect("a path (relative to data_dir) or null for no journal")
    ] = Path("journal.sqlite")
    alerts_retention_ms: Annotated[int, Field(ge=-1), Expect(_RETENTION)] = _WEEK_MS
    dlq_retention_ms: Annotated[int, Field(ge=-1), Expect(_RETENTION)] = _MONTH_MS

    _check_retention = field_validator("alerts_retention_ms", "dlq_retention_ms")(
        _retention_not_zero
    )


class KafkaBusSettings(_Section):
    """Kafka (``bus.kind: kafka``)."""

    bootstrap: Annotated[
        str | None, Field(min_length=1), Expect("a 'host:port[,host:port...]' string")
    ] = None
    client_id: Annotated[str, Field(min_length=1), Expect("a non-empty string")] = "correlator"
    create_topics: Annotated[bool, Expect("true or false")] = True
    partitions: Annotated[int, Field(ge=1), Expect("an integer >= 1")] = 6
    replication_factor: Annotated[int, Field(ge=1), Expect("an integer >= 1")] = 1
    alerts_retention_ms: Annotated[int, Field(ge=-1), Expect(_RETENTION)] = _WEEK_MS
    dlq_retention_ms: Annotated[int, Field(ge=-1), Expect(_RETENTION)] = _MONTH_MS
    security_protocol: Annotated[
        Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
        Expect("'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT' or 'SASL_SSL'"),
    ] = "PLAINTEXT"
    sasl_mechanism: Annotated[
        Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"],
        Expect("'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'"),
    ] = "PLAIN"
    sasl_username: Annotated[
        str | None, Field(min_length=1), Expect("a non-empty string or null")
    ] = None
    sasl_password: Annotated[SecretStr | None, Expect("a non-empty string or null")] = None
    sasl_password_file: Annotated[_FlexPath | None, Expect("a path or null")] = None
    ssl_cafile: Annotated[_FlexPath | None, Expect("a path to a PEM file or null")] = None
    ssl_certfile: Annotated[_FlexPath | None, Expect("a path to a PEM file or null")] = None
    ssl_keyfile: Annotated[_FlexPath | None, Expect("a path to a PEM file or null")] = None
    ssl_check_hostname: Annotated[bool, Expect("true or false")] = True

    _check_retention = field_validator("alerts_retention_ms", "dlq_retention_ms")(
        _retention_not_zero
    )

    @field_validator("sasl_password")
    @classmethod
    def _password_not_empty(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            raise ValueError("empty password")
        return value


class BusSettings(_Section):
    """Where alerts and incidents travel (specs/kafka-topics.md)."""

    kind: Annotated[Literal["memory", "kafka"], Expect("'memory' or 'kafka'")] = "memory"
    topic_prefix: Annotated[
        str,
        Field(pattern=r"^[A-Za-z0-9._-]*$"),
        Expect("a topic name prefix of letters, digits, '.', '_' and '-'"),
    ] = "correlator."
    consumer_group: Annotated[str, Field(min_length=1), Expect("a non-empty string")] = "correlator"
    memory: MemoryBusSettings = MemoryBusSettings()
    kafka: KafkaBusSettings = KafkaBusSettings()


class ConnectorSettings(_Section):
    """One source's receiver."""

    enabled: Annotated[bool, Expect("true or false")] = True
    observer: Annotated[str | None, Field(min_length=1), Expect("a non-empty string or null")] = (
        None
    )


_TIMEZONE = "an IANA time zone name such as 'UTC' or 'Europe/Brussels'"


class ZabbixSettings(ConnectorSettings):
    """The Zabbix receiver: its dates are in the Zabbix server's time zone."""

    timezone: Annotated[str, Expect(_TIMEZONE)] = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value != "UTC":  # UTC needs no tz database (slim images may lack one)
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError("unknown time zone") from exc
        return value


class ConnectorsSettings(_Section):
    """One entry per source (correlator.model.Source)."""

    nagios: ConnectorSettings = ConnectorSettings()
    icinga: ConnectorSettings = ConnectorSettings()
    zabbix: ZabbixSettings = ZabbixSettings()
    prtg: ConnectorSettings = ConnectorSettings()
    alertmanager: ConnectorSettings = ConnectorSettings()
    prometheus: ConnectorSettings = ConnectorSettings()

    def for_source(self, source: Source) -> ConnectorSettings:
        """The settings of ``source``'s receiver."""
        found: ConnectorSettings = getattr(self, source.value)
        return found

    def enabled_sources(self) -> tuple[Source, ...]:
        """The sources whose receiver is on, in Source order."""
        return tuple(s for s in Source if self.for_source(s).enabled)


class TopologySettings(_Section):
    """The topology the correlator places alerts on (specs/topology-format.md)."""

    path: Annotated[_FlexPath | None, Expect("a path to a topology file or null")] = None


class SqliteStoreSettings(_Section):
    """The embedded store: one SQLite file."""

    path: Annotated[_FlexPath, Expect("a path (relative to data_dir)")] = Path(DEFAULT_STORE_FILE)


class PostgresStoreSettings(_Section):
    """The production store: a PostgreSQL database."""

    dsn: Annotated[
        SecretStr | None, Expect("a libpq connection string or postgresql:// URL, or null")
    ] = None

    @field_validator("dsn")
    @classmethod
    def _dsn_not_empty(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("empty DSN")
        return value


class StoreSettings(_Section):
    """Where dispatch keeps incidents, tickets, pages and its outbox."""

    kind: Annotated[Literal["sqlite", "postgres"], Expect("'sqlite' or 'postgres'")] = "sqlite"
    sqlite: SqliteStoreSettings = SqliteStoreSettings()
    postgres: PostgresStoreSettings = PostgresStoreSettings()


@dataclass(frozen=True, slots=True)
class TicketsConfig:
    """The ``tickets`` section: each ticket system by target name (its key in the file).

    Every incident gets one ticket in each target (e.g. the built-in queue for the NOC
    and the service desk's own system); no target: decisions are logged and stored only.
    """

    targets: Mapping[str, TicketSystemConfig] = field(
        default_factory=lambda: MappingProxyType(
            {
                BUILTIN_TARGET: TicketSystemConfig(
                    TicketKind.BUILTIN, BUILTIN_TARGET, BuiltinSettings()
                )
            }
        )
    )

    def builtin(self) -> str | None:
        """The name of the first built-in queue target, if any."""
        return next(
            (name for name, cfg in self.targets.items() if cfg.kind is TicketKind.BUILTIN), None
        )


@dataclass(frozen=True, slots=True)
class PagingConfig:
    """The ``paging`` section: pagers by name, per-team routes, per-pager rate limits.

    Frozen data only: the token buckets are made fresh by :meth:`limiter` for each daemon.
    No pager (the default): pages are decided, logged and recorded, but not sent.
    """

    pagers: Mapping[str, PagerSettings] = field(default_factory=lambda: MappingProxyType({}))
    router: Router = field(default_factory=lambda: Router(TeamRoute(())))
    rate_limit: RateLimit | None = None
    """The default rate limit of every team and pager; None: unlimited."""
    team_rate_limits: Mapping[str, RateLimit | None] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def limiter(self) -> RateLimiter:
        """New token buckets for these limits."""
        return RateLimiter(self.rate_limit, self.team_rate_limits)


class LoggingSettings(_Section):
    """What the daemon writes to stderr."""

    level: Annotated[
        Literal["debug", "info", "warning", "error", "critical"],
        Expect("one of debug, info, warning, error, critical"),
    ] = "info"
    format: Annotated[Literal["auto", "json", "console"], Expect("'auto', 'json' or 'console'")] = (
        "auto"
    )

    @field_validator("level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class Settings(_Section):
    """Everything the composition root needs, validated."""

    server: ServerSettings = ServerSettings()
    bus: BusSettings = BusSettings()
    data_dir: Annotated[_FlexPath, Expect("a path")] = Path("data")
    connectors: ConnectorsSettings = ConnectorsSettings()
    topology: TopologySettings = TopologySettings()
    correlation: InstanceOf[EngineSettings] = Field(default_factory=EngineSettings)
    dispatch: InstanceOf[DispatchSettings] = Field(default_factory=DispatchSettings)
    store: StoreSettings = StoreSettings()
    tickets: InstanceOf[TicketsConfig] = Field(default_factory=TicketsConfig)
    paging: InstanceOf[PagingConfig] = Field(default_factory=PagingConfig)
    logging: LoggingSettings = LoggingSettings()

    @property
    def journal_path(self) -> Path | None:
        """Where the in-process bus journals: ``bus.memory.journal`` under ``data_dir``.

        An absolute journal path stays as it is; None means no journal (alerts live in
        memory only, and a 202 no longer means "on disk").
        """
        journal = self.bus.memory.journal
        return None if journal is None else self.data_dir / journal

    @property
    def store_path(self) -> Path:
        """The SQLite store's file: ``store.sqlite.path`` under ``data_dir`` (an absolute
        path stays as it is)."""
        return self.data_dir / self.store.sqlite.path

    @property
    def store_dsn(self) -> str | None:
        """The PostgreSQL connection string, when configured."""
        dsn = self.store.postgres.dsn
        return None if dsn is None else dsn.get_secret_value()

    @property
    def auth_token(self) -> str | None:
        """The intake's bearer token (already read from ``auth_token_file`` when set)."""
        token = self.server.auth_token
        return None if token is None else token.get_secret_value()

    @property
    def api_tokens(self) -> tuple[ApiTokenSettings, ...]:
        """The operator API's tokens (each already read from its ``token_file``)."""
        return self.server.api_tokens


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_config(path: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Settings:
    """Read the YAML file at ``path`` (None: built-in defaults) and apply ``environ``."""
    if path is None:
        return parse_config({}, environ=environ)
    where = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, "", f"cannot read the config file: {_os_reason(exc)}") from exc
    lines: dict[tuple[str | int, ...], int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _map_lines(node, (), lines, where)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last_line = max(1, len(text.splitlines()))
        line = min(mark.line + 1, last_line) if mark is not None else 1
        problem = _one_line(str(exc.problem or exc.context or "unreadable YAML"))
        raise ConfigError(f"{where}:{line}", "", f"YAML syntax error: {problem}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}:1", "", f"YAML error: {_one_line(str(exc))}") from exc
    return _parse(data, environ=environ, origin=where, lines=lines)


def parse_config(
    data: Mapping[str, Any] | None,
    *,
    environ: Mapping[str, str] | None = None,
    origin: str = "<config>",
) -> Settings:
    """Validate an already-loaded mapping (tests pass a dict); ``origin`` names it in errors."""
    return _parse(data, environ=environ or {}, origin=origin, lines={})


def default_config_path(cwd: Path) -> Path | None:
    """``config/default.yaml`` under ``cwd`` when it exists, else None (built-in defaults)."""
    candidate = cwd / DEFAULT_CONFIG_PATH
    return candidate if candidate.is_file() else None


# --------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------

KeyPath = tuple[str | int, ...]


class _ProblemError(Exception):
    """One problem at a key path (located to a file line or a variable later)."""

    def __init__(self, path: KeyPath, what: str, anchors: tuple[KeyPath, ...] = ()) -> None:
        super().__init__(what)
        self.path = path
        self.what = what
        self.anchors = anchors  # where to point when ``path`` itself is not written anywhere


@dataclass(frozen=True, slots=True)
class _Origin:
    name: str
    lines: Mapping[KeyPath, int]
    env_keys: Mapping[KeyPath, str]

    def locate(self, problem: _ProblemError) -> tuple[str, int]:
        """``(where, order)``: the file line or the variable; order sorts problems."""
        for key in self._candidates(problem):
            variable = self.env_keys.get(key)
            if variable is not None:
                return f"environment {variable}", 10**9
        for key in self._candidates(problem):
            line = self.lines.get(key)
            if line is not None:
                return self._at(line), line
        return self._at(1), 0

    @staticmethod
    def _candidates(problem: _ProblemError) -> Iterator[KeyPath]:
        """The key itself, then its anchors, then the sections around them."""
        keys = (problem.path, *problem.anchors)
        yield from keys
        for key in keys:
            for depth in range(len(key) - 1, 0, -1):
                yield key[:depth]

    def _at(self, line: int) -> str:
        return f"{self.name}:{line}" if self.lines else self.name


def _parse(
    data: object, *, environ: Mapping[str, str], origin: str, lines: Mapping[KeyPath, int]
) -> Settings:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        where = f"{origin}:1" if lines else origin
        raise ConfigError(where, "", f"expected a mapping of sections, got {_describe(data)}")
    raw: dict[str, Any] = copy.deepcopy(dict(data))
    env_keys: dict[KeyPath, str] = {}
    place = _Origin(origin, lines, env_keys)
    try:
        _apply_environ(raw, environ, env_keys)
    except _ProblemError as problem:
        raise _error(place, [problem]) from None

    problems: list[_ProblemError] = []
    for name, parse in _DATA_SECTIONS.items():
        section = raw.pop(name, None)
        try:
            raw[name] = parse(section)
        except _ProblemError as problem:
            problems.append(problem)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_from_pydantic(exc))
    if problems:
        raise _error(place, problems)
    try:
        return _cross_checks(settings)
    except _ProblemError as problem:
        raise _error(place, [problem]) from None


def _error(place: _Origin, problems: list[_ProblemError]) -> ConfigError:
    located = sorted(
        ((place.locate(p), index, p) for index, p in enumerate(problems)),
        key=lambda item: (item[0][1], item[1]),
    )
    (where, _), _, first = located[0]
    what = first.what
    if len(located) > 1:
        what += f" (and {len(located) - 1} more)"
    return ConfigError(where, _dotted(first.path), what)


def _dotted(path: KeyPath) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")


# ---- line numbers from the composed YAML ----------------------------------------------


def _map_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], where: str) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key: str = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if child in lines and key != "<<":
                raise ConfigError(f"{where}:{line}", _dotted(child), "duplicate key")
            lines[child] = line
            _map_lines(value_node, child, lines, where)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _map_lines(item, child, lines, where)


# ---- environment overrides ------------------------------------------------------------


def _apply_environ(
    raw: dict[str, Any], environ: Mapping[str, str], env_keys: dict[KeyPath, str]
) -> None:
    for variable in sorted(environ):
        if not variable.startswith(ENV_PREFIX):
            continue
        parts = variable[len(ENV_PREFIX) :].lower().split("__")
        path: KeyPath = tuple(int(p) if p.isdigit() else p for p in parts)
        env_keys[path] = variable
        if not all(parts):
            raise _ProblemError(
                path, "expected CORRELATOR_<SECTION>__<KEY> with '__' between key names"
            )
        value = _env_value(path, environ[variable])
        target: dict[str, Any] | list[Any] = raw
        for part in path[:-1]:
            target = _env_child(target, part, path)
        _env_set(target, path, value)


def _env_child(
    target: dict[str, Any] | list[Any], part: str | int, path: KeyPath
) -> dict[str, Any] | list[Any]:
    """The mapping or list at ``part`` of ``target`` (a missing mapping is created; a list
    entry must already be in the file: ``__0__`` addresses the first one). ``path`` is
    the variable's whole key path, named in errors."""
    if isinstance(target, list):
        if not isinstance(part, int) or part >= len(target):
            raise _ProblemError(path, f"no entry {part} in the list (it has {len(target)})")
        child = target[part]
        if not isinstance(child, dict | list):
            raise _ProblemError(path, f"expected a mapping, got {_describe(child)}")
        return child
    key = str(part)
    found = target.get(key)
    if isinstance(found, list):
        return found
    if not isinstance(found, dict):
        found = {}
        target[key] = found
    return found


def _env_set(target: dict[str, Any] | list[Any], path: KeyPath, value: object) -> None:
    last = path[-1]
    if isinstance(target, list):
        if not isinstance(last, int) or last >= len(target):
            raise _ProblemError(path, f"no entry {last} in the list (it has {len(target)})")
        target[last] = value
    else:
        target[str(last)] = value


def _env_value(path: KeyPath, text: str) -> object:
    if _holds_text(path):
        return None if text.strip() in {"", "null", "~", "Null", "NULL"} else text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        if path[0] in _VERBATIM_SECTIONS:
            return text
        raise _ProblemError(path, f"expected a YAML scalar, got {text!r}") from exc
    if isinstance(value, dt.date):  # YAML reads 2024-01-01 as a date: keep the text
        return text
    if path[0] in _VERBATIM_SECTIONS and isinstance(value, str | Mapping):
        # Sections without a pydantic schema: text (names, URLs, tokens) stays verbatim,
        # so a '#' or ': ' inside a token survives; numbers, booleans, null and lists are
        # read as YAML.
        return text
    return value


def _holds_text(path: KeyPath) -> bool:
    annotation = _annotation_at(path)
    if annotation is None:
        return False
    members = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    kinds = {_strip_annotated(m) for m in members} - {type(None)}
    return bool(kinds) and kinds <= {str, SecretStr, Path}


def _is_union(annotation: object) -> bool:
    return isinstance(annotation, UnionType) or typing.get_origin(annotation) is typing.Union


def _strip_annotated(annotation: object) -> object:
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _annotation_at(path: KeyPath) -> object | None:
    """The declared type at ``path`` in the schema, None when there is no such key."""
    model: object = Settings
    annotation: object = None
    for part in path:
        if part == "correlation" and model is Settings:
            model = EngineSettings
            continue
        if model is EngineSettings:
            hints = typing.get_type_hints(EngineSettings)
            annotation = hints.get(str(part))
            model = None
            continue
        if isinstance(part, int):  # an entry of a list: its element type
            annotation = _element_of(model)
            model = annotation
            continue
        field = _field_of(model, part)
        if field is None:
            return None
        annotation = field.annotation
        model = annotation
    return annotation


def _element_of(annotation: object) -> object | None:
    """The element type of a ``tuple[X, ...]`` or ``list[X]`` annotation, else None."""
    annotation = _strip_annotated(annotation)
    if typing.get_origin(annotation) in {tuple, list}:
        element: object = typing.get_args(annotation)[0]
        return element
    return None


def _field_of(model: object, name: str | int) -> FieldInfo | None:
    if isinstance(model, type) and issubclass(model, BaseModel) and isinstance(name, str):
        return model.model_fields.get(name)
    return None


# ---- the correlation section (a stdlib dataclass owned by the engine) -----------------


def _engine_settings(raw: object) -> EngineSettings:
    if raw is None:
        return EngineSettings()
    if not isinstance(raw, Mapping):
        raise _ProblemError(
            ("correlation",), f"expected a mapping of engine settings, got {_describe(raw)}"
        )
    fields = {f.name: f for f in dataclasses.fields(EngineSettings)}
    hints = typing.get_type_hints(EngineSettings)
    defaults = EngineSettings()
    values: dict[str, object] = {}
    for key, value in raw.items():
        path: KeyPath = ("correlation", str(key))
        if key not in fields:
            raise _ProblemError(path, _unknown_key(str(key), list(fields)))
        values[key] = _engine_value(path, hints[key], value, getattr(defaults, key))
    return EngineSettings(**values)  # type: ignore[arg-type]  # each value checked above


def _engine_value(path: KeyPath, hint: object, value: object, default: object) -> object:
    name = str(path[-1])
    if hint is bool:
        if not isinstance(value, bool):
            raise _ProblemError(path, _expected("true or false", value))
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _ProblemError(path, _expected("an integer >= 0", value))
        return value
    if hint is float:
        return _seconds(path, value, "a number of seconds >= 0" if name.endswith("_s") else None)
    if hint is str:
        if not isinstance(value, str):
            raise _ProblemError(path, _expected("a string", value))
        return value
    if typing.get_origin(hint) is Mapping and typing.get_args(hint) == (str, float):
        return _merged_mapping(path, value, default)
    raise TypeError(f"config: EngineSettings.{name} has a type the loader cannot read: {hint}")


def _seconds(path: KeyPath, value: object, text: str | None) -> float:
    expect = text or "a number >= 0"
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _ProblemError(path, _expected(expect, value))
    return float(value)


def _merged_mapping(path: KeyPath, value: object, default: object) -> Mapping[str, float]:
    """A ``{source: seconds}`` mapping merged over the default (keys: the default's)."""
    base = dict(default) if isinstance(default, Mapping) else {}
    if not isinstance(value, Mapping):
        raise _ProblemError(path, _expected("a mapping of source to seconds", value))
    for key, seconds in value.items():
        if key not in base:
            raise _ProblemError((*path, str(key)), _unknown_key(str(key), list(base), "source"))
        base[key] = _seconds((*path, str(key)), seconds, "a number of seconds >= 0")
    return MappingProxyType(base)


# ---- the dispatch, tickets and paging sections (parsed by their stage's own code) -----


def _dispatch_settings(raw: object) -> DispatchSettings:
    try:
        return from_mapping(raw)
    except DispatchConfigError as exc:
        raise _ProblemError(("dispatch", *exc.path), exc.what) from None


def _key_path(where: str) -> KeyPath:
    """``paging.pagers.chat.url`` -> its key path (for finding the line in the file)."""
    return tuple(where.split("."))


def _tickets(raw: object) -> TicketsConfig:
    if raw is None:
        return TicketsConfig()
    if not isinstance(raw, Mapping):
        raise _ProblemError(
            ("tickets",), _expected("a mapping of target name to ticket system", raw)
        )
    targets: dict[str, TicketSystemConfig] = {}
    for name, item in raw.items():
        path: KeyPath = ("tickets", str(name))
        if not isinstance(name, str) or not _TARGET_NAME.match(name):
            raise _ProblemError(path, _expected("a target name of letters, digits, '_', '-'", name))
        if not isinstance(item, Mapping):
            raise _ProblemError(path, _expected("a mapping with the ticket system's kind", item))
        if "name" in item:
            raise _ProblemError((*path, "name"), "a target is named by its key; remove 'name'")
        try:
            targets[name] = parse_ticket_system({**item, "name": name}, where=f"tickets.{name}")
        except TicketConfigError as exc:
            raise _ProblemError(_key_path(exc.where), exc.what) from None
    return TicketsConfig(MappingProxyType(targets))


def _paging(raw: object) -> PagingConfig:
    if raw is None:
        return PagingConfig()
    try:
        parsed = parse_paging(raw, "paging")
    except PagingConfigError as exc:
        raise _ProblemError(_key_path(exc.key), exc.what) from None
    # The registry validated the section; each limit is read back through its public API.
    limits = raw.get("rate_limits") if isinstance(raw, Mapping) else None
    teams = limits.get("teams") if isinstance(limits, Mapping) else None
    names = [str(team) for team in teams] if isinstance(teams, Mapping) else []
    outsider = "*" + "".join(names)  # a team name that has no limit of its own
    return PagingConfig(
        pagers=parsed.pagers,
        router=parsed.router,
        rate_limit=parsed.limits.limit_for(outsider),
        team_rate_limits=MappingProxyType({team: parsed.limits.limit_for(team) for team in names}),
    )


_DATA_SECTIONS: Final[Mapping[str, typing.Callable[[object], object]]] = MappingProxyType(
    {
        "correlation": _engine_settings,
        "dispatch": _dispatch_settings,
        "tickets": _tickets,
        "paging": _paging,
    }
)
"""Sections parsed by their stage's own code (not pydantic), in the order they are read."""

_VERBATIM_SECTIONS: Final = frozenset({"dispatch", "tickets", "paging"})
"""Schema-less sections whose text values an environment variable sets verbatim."""


# ---- pydantic errors into our one-line messages ---------------------------------------


def _from_pydantic(exc: ValidationError) -> Iterator[_ProblemError]:
    seen: set[KeyPath] = set()
    for error in exc.errors():
        path: KeyPath = tuple(error["loc"])
        if path in seen:
            continue
        seen.add(path)
        if error["type"] == "extra_forbidden":
            parent = _model_at(path[:-1])
            known = list(parent.model_fields) if parent is not None else []
            yield _ProblemError(path, _unknown_key(str(path[-1]), known))
            continue
        expect = _expect_at(path)
        if expect is None:
            model = _model_at(path)
            expect = "a mapping" if model is not None else error["msg"].lower()
        yield _ProblemError(path, _expected(expect, error["input"]))


def _model_at(path: KeyPath) -> type[BaseModel] | None:
    model: type[BaseModel] = Settings
    pending: object = None  # a list annotation whose entry the next part picks
    for part in path:
        if isinstance(part, int) and pending is not None:
            annotation = _element_of(pending)
            pending = None
        else:
            field = _field_of(model, part)
            if field is None:
                return None
            annotation = field.annotation
            if _element_of(annotation) is not None:
                pending = annotation
                continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return None if pending is not None else model


def _expect_at(path: KeyPath) -> str | None:
    if not path:
        return None
    parent = _model_at(path[:-1])
    field = _field_of(parent, path[-1]) if parent is not None else None
    if field is None:
        return None
    for meta in field.metadata:
        if isinstance(meta, Expect):
            return meta.text
    return None


def _cross_checks(settings: Settings) -> Settings:
    if settings.bus.kind == "kafka" and settings.bus.kafka.bootstrap is None:
        raise _ProblemError(
            ("bus", "kafka", "bootstrap"),
            "required when bus.kind is 'kafka': 'host:port[,host:port...]'",
            anchors=(("bus", "kafka"), ("bus", "kind")),
        )
    if settings.store.kind == "postgres" and settings.store.postgres.dsn is None:
        raise _ProblemError(
            ("store", "postgres", "dsn"),
            "required when store.kind is 'postgres': a libpq connection string or URL",
            anchors=(("store", "postgres"), ("store", "kind")),
        )
    settings = _kafka_security(settings)
    settings = _api_tokens(settings)
    server = settings.server
    if server.auth_token_file is None:
        return settings
    path: KeyPath = ("server", "auth_token_file")
    if server.auth_token is not None:
        raise _ProblemError(path, "set auth_token or auth_token_file, not both")
    token = _read_token(server.auth_token_file, path)
    new_server = server.model_copy(update={"auth_token": SecretStr(token)})
    return settings.model_copy(update={"server": new_server})


def _kafka_security(settings: Settings) -> Settings:
    """TLS files must be readable; SASL needs a user and a password (read from its file);
    TLS or SASL keys under a protocol that does not use them are mistakes, not no-ops."""
    kafka = settings.bus.kafka
    here: KeyPath = ("bus", "kafka")
    protocol = kafka.security_protocol
    tls = protocol in {"SSL", "SASL_SSL"}
    sasl = protocol in {"SASL_PLAINTEXT", "SASL_SSL"}
    for key in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        path: Path | None = getattr(kafka, key)
        if path is None:
            continue
        if not tls:
            raise _ProblemError(
                (*here, key), f"only used when security_protocol is SSL or SASL_SSL, not {protocol}"
            )
        try:
            path.read_bytes()
        except OSError as exc:
            raise _ProblemError((*here, key), f"cannot read '{path}': {_os_reason(exc)}") from exc
    if kafka.ssl_keyfile is not None and kafka.ssl_certfile is None:
        raise _ProblemError(
            (*here, "ssl_certfile"), "required with ssl_keyfile (the client certificate)"
        )
    given = [
        key
        for key in ("sasl_username", "sasl_password", "sasl_password_file")
        if getattr(kafka, key) is not None
    ]
    if not sasl:
        if given:
            raise _ProblemError(
                (*here, given[0]),
                f"only used when security_protocol is SASL_PLAINTEXT or SASL_SSL, not {protocol}",
            )
        return settings
    if kafka.sasl_username is None:
        raise _ProblemError(
            (*here, "sasl_username"),
            f"required when security_protocol is {protocol}",
            anchors=((*here, "security_protocol"), here),
        )
    password = kafka.sasl_password.get_secret_value() if kafka.sasl_password is not None else None
    if kafka.sasl_password_file is not None:
        if password is not None:
            raise _ProblemError(
                (*here, "sasl_password_file"), "set sasl_password or sasl_password_file, not both"
            )
        password = _read_token(kafka.sasl_password_file, (*here, "sasl_password_file"))
    if password is None:
        raise _ProblemError(
            (*here, "sasl_password"),
            f"required when security_protocol is {protocol}:"
            " set sasl_password or sasl_password_file",
            anchors=((*here, "security_protocol"), here),
        )
    new_kafka = kafka.model_copy(update={"sasl_password": SecretStr(password)})
    bus = settings.bus.model_copy(update={"kafka": new_kafka})
    return settings.model_copy(update={"bus": bus})


def _api_tokens(settings: Settings) -> Settings:
    """Read each API token's ``token_file``; names and tokens must be unique."""
    tokens: list[ApiTokenSettings] = []
    names: set[str] = set()
    secrets: set[str] = set()
    for index, entry in enumerate(settings.server.api_tokens):
        here: KeyPath = ("server", "api_tokens", index)
        token = entry.token.get_secret_value() if entry.token is not None else None
        if entry.token_file is not None:
            if token is not None:
                raise _ProblemError((*here, "token_file"), "set token or token_file, not both")
            token = _read_token(entry.token_file, (*here, "token_file"))
        if token is None:
            raise _ProblemError((*here, "token"), "required: set token or token_file")
        if entry.name in names:
            raise _ProblemError((*here, "name"), f"duplicate API token name {entry.name!r}")
        if token in secrets:
            raise _ProblemError(
                (*here, "token"), "the same token is given twice (each caller needs their own)"
            )
        names.add(entry.name)
        secrets.add(token)
        tokens.append(entry.model_copy(update={"token": SecretStr(token)}))
    if not tokens:
        return settings
    server = settings.server.model_copy(update={"api_tokens": tuple(tokens)})
    return settings.model_copy(update={"server": server})


def _read_token(path: Path, key: KeyPath) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise _ProblemError(key, f"cannot read '{path}': {_os_reason(exc)}") from exc
    if not token:
        raise _ProblemError(key, f"'{path}' is empty")
    return token


# ---- wording -------------------------------------------------------------------------


def _expected(what: str, got: object) -> str:
    return f"expected {what}, got {_describe(got)}"


def _unknown_key(key: str, known: list[str], noun: str = "key") -> str:
    hint = difflib.get_close_matches(key, known, n=1)
    suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
    return f"unknown {noun} '{key}'{suggestion}, expected one of: {', '.join(known)}"


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return _one_line(repr(value))


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _one_line(str(exc))
