"""Settings of the dispatch stage (config section ``dispatch``), parsed from a mapping.

Every knob has a documented default that suits a typical service desk, so an empty
section (or none at all) is a working configuration. :func:`from_mapping` turns the
section as loaded from YAML into frozen objects; a problem raises
:class:`DispatchConfigError` (a ``ValueError``) naming the key path, e.g.
``dispatch.paging.page_at_or_above: expected one of P1, P2, P3, P4, P5, got 'P9'``.

Patterns (routing rules, runbook rules) are shell-style (``fnmatch``): ``bru-*``,
``core-?``, ``[ab]-dc``. Check patterns ignore case, as topology placement does for check
names; kind, site and tag patterns are case-sensitive, as the topology is.
"""

from __future__ import annotations

import difflib
import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, get_args

from correlator.dispatch.priority import ITIL_MATRIX, Level, Priority

KeyPath = tuple[str | int, ...]

SignatureField = Literal["service", "kind", "site"]
"""What makes incidents "of the same signature" for major-incident detection."""

Signature = tuple[SignatureField, ...]
"""One signature: the fields that must all be equal (``("kind", "site")``: same kind on
the same site)."""

TEMPLATE_FIELDS: Final = frozenset({"node", "kind", "check"})
"""Placeholders a runbook URL template may use."""

LEVEL_NAMES: Final[Mapping[str, Level]] = MappingProxyType(
    {"high": Level.HIGH, "medium": Level.MEDIUM, "low": Level.LOW}
)
"""How impact and urgency levels are written in the config."""


class DispatchConfigError(ValueError):
    """A bad ``dispatch`` section; ``path`` is the key path inside the section."""

    def __init__(self, path: KeyPath, what: str) -> None:
        super().__init__(f"{dotted(('dispatch', *path))}: {what}")
        self.path = path
        self.what = what


def dotted(path: KeyPath) -> str:
    """``('dispatch', 'routing', 0, 'team')`` -> ``dispatch.routing[0].team``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# --------------------------------------------------------------------------------------
# The settings
# --------------------------------------------------------------------------------------


def _empty_tags() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """Send incidents whose root matches every given pattern to ``team``.

    Only the conditions that are set are checked (at least one is). ``tags`` match when
    the root node has each key with a value matching its pattern; ``check`` matches when
    one of the root's alerting checks matches. An unplaced incident (no root node) can only
    match a rule that has nothing but a ``check`` condition.
    """

    team: str
    kind: str | None = None
    site: str | None = None
    check: str | None = None
    tags: Mapping[str, str] = field(default_factory=_empty_tags)

    @property
    def needs_node(self) -> bool:
        """True when the rule looks at the node (kind, site or tags)."""
        return self.kind is not None or self.site is not None or bool(self.tags)


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """Service-level targets of one priority, in seconds from when the incident opened."""

    response_s: float
    resolution_s: float


def _default_sla() -> Mapping[Priority, SlaTarget]:
    hour, day = 3600.0, 86400.0
    return MappingProxyType(
        {
            Priority.P1: SlaTarget(response_s=15 * 60.0, resolution_s=4 * hour),
            Priority.P2: SlaTarget(response_s=hour, resolution_s=8 * hour),
            Priority.P3: SlaTarget(response_s=4 * hour, resolution_s=3 * day),
            Priority.P4: SlaTarget(response_s=day, resolution_s=7 * day),
            Priority.P5: SlaTarget(response_s=3 * day, resolution_s=30 * day),
        }
    )


@dataclass(frozen=True, slots=True)
class SlaSettings:
    """SLA targets per priority and when to warn before a breach."""

    warn_at: float = 0.8
    """Fraction of a target after which a breach warning is raised (0 < warn_at < 1)."""
    targets: Mapping[Priority, SlaTarget] = field(default_factory=_default_sla)
    """Response (acknowledged) and resolution targets of each priority."""


@dataclass(frozen=True, slots=True)
class MajorIncidentSettings:
    """When several incidents of the same signature make one major incident."""

    enabled: bool = True
    count: int = 5
    """Incidents of one signature opened within ``window_s`` that raise a major incident."""
    window_s: float = 600.0
    signatures: tuple[Signature, ...] = (("service",), ("kind",), ("site",))
    """Each entry is one signature; incidents sharing it are counted together."""
    raise_by: int = 1
    """Steps the major incident's priority is raised above its most urgent member (P1 max)."""


@dataclass(frozen=True, slots=True)
class ProblemSettings:
    """When the same root failing again and again raises a problem record."""

    enabled: bool = True
    count: int = 3
    """Incidents with the same root within ``window_s`` that raise a problem record."""
    window_s: float = 86400.0


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``max_pages`` triggers per team within ``window_s``."""

    max_pages: int = 20
    window_s: float = 3600.0
    exempt_at_or_above: Priority | None = Priority.P1
    """Pages at this priority or more urgent are never held back; None: no exemption."""


@dataclass(frozen=True, slots=True)
class EscalationLevel:
    """One level of a team's escalation policy (first line, second line, ...)."""

    name: str
    notify: str | None = None
    """Who the pager addresses at this level (rota, schedule, user); None: the team's own
    route for this level, as the pager adapter maps it."""


DEFAULT_LEVELS: Final = (
    EscalationLevel("first-line"),
    EscalationLevel("second-line"),
    EscalationLevel("third-line"),
)


@dataclass(frozen=True, slots=True)
class TeamPaging:
    """Per-team overrides of the paging policy; None keeps the section-wide value."""

    levels: tuple[EscalationLevel, ...] | None = None
    rate_limit: RateLimit | None = None


def _default_ack_timeouts() -> Mapping[Priority, float | None]:
    return MappingProxyType(
        {
            Priority.P1: 300.0,
            Priority.P2: 900.0,
            Priority.P3: 1800.0,
            Priority.P4: 3600.0,
            Priority.P5: 7200.0,
        }
    )


def _no_teams() -> Mapping[str, TeamPaging]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class PagingSettings:
    """Who is woken up, when, and how a page escalates."""

    page_at_or_above: Priority = Priority.P3
    """An incident pages when it opens at this priority or a more urgent one."""
    resolve_notices: bool = True
    """Send a resolve to the pager when a paged incident clears."""
    repage_on_reopen: bool = False
    """Trigger again when an incident whose resolve notice was sent reopens (at the same
    priority). Off by default: specs/replay.md counts one page per opening."""
    ack_timeout_s: Mapping[Priority, float | None] = field(default_factory=_default_ack_timeouts)
    """A page not acknowledged within this time escalates one level; None: never."""
    levels: tuple[EscalationLevel, ...] = DEFAULT_LEVELS
    """The escalation policy of every team that does not set its own."""
    rate_limit: RateLimit = RateLimit()
    teams: Mapping[str, TeamPaging] = field(default_factory=_no_teams)

    def levels_for(self, team: str) -> tuple[EscalationLevel, ...]:
        """The escalation levels of ``team``."""
        own = self.teams.get(team)
        return own.levels if own is not None and own.levels is not None else self.levels

    def rate_limit_for(self, team: str) -> RateLimit:
        """The rate limit of ``team``."""
        own = self.teams.get(team)
        return own.rate_limit if own is not None and own.rate_limit is not None else self.rate_limit


@dataclass(frozen=True, slots=True)
class RunbookRule:
    """A runbook link for roots whose kind and check match (when set); ``url`` is a
    template with ``{node}``, ``{kind}`` and ``{check}``."""

    url: str
    kind: str | None = None
    check: str | None = None

    @property
    def fields(self) -> frozenset[str]:
        """The placeholders ``url`` uses."""
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.url) if name)


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """Everything the dispatch stage decides with."""

    default_team: str = "service-desk"
    """Team of incidents whose root names no team, and of unplaced incidents."""
    priority_matrix: Mapping[tuple[Level, Level], Priority] = field(
        default_factory=lambda: ITIL_MATRIX
    )
    """Priority for each (impact, urgency); ITIL 3x3 by default."""
    routing: tuple[RoutingRule, ...] = ()
    """Overrides of the root's team; the first matching rule wins."""
    sla: SlaSettings = SlaSettings()
    major_incident: MajorIncidentSettings = MajorIncidentSettings()
    problem: ProblemSettings = ProblemSettings()
    paging: PagingSettings = PagingSettings()
    runbooks: tuple[RunbookRule, ...] = ()
    """Runbook links for roots without their own ``runbook``; the first matching rule wins."""
    incident_url: str | None = None
    """The incident on the NOC page, a template with ``{id}`` (e.g.
    ``https://noc.example/#/incident/{id}``): tickets and pages link to it. None: no link."""
    resolve_tickets: bool = True
    """An incident that clears resolves its tickets (with a comment saying why); False:
    only the comment, and a person resolves the ticket."""
    tick_s: float = 5.0
    """How often dispatch checks SLA deadlines and escalates unacknowledged pages."""
    sync_s: float = 60.0
    """How often dispatch reads open tickets back from their systems (two-way sync)."""
    outbox_poll_s: float = 1.0
    """How often the outbox worker looks for due actions when nothing woke it (a retry
    falls due, another process enqueued)."""

    def incident_link(self, incident_id: str) -> str | None:
        """The NOC page's link to ``incident_id`` (None when ``incident_url`` is not set)."""
        if self.incident_url is None:
            return None
        return self.incident_url.format(id=incident_id)


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------

_PRIORITIES = ", ".join(p.value for p in Priority)
_SIGNATURE_FIELDS: Final = frozenset(get_args(SignatureField))


def from_mapping(data: object) -> DispatchSettings:
    """The ``dispatch`` section as loaded from YAML (None: all defaults)."""
    if data is None:
        return DispatchSettings()
    section = _mapping(data, ())
    _known(
        section,
        (),
        (
            "default_team",
            "priority_matrix",
            "routing",
            "sla",
            "major_incident",
            "problem",
            "paging",
            "runbooks",
            "incident_url",
            "resolve_tickets",
            "tick_s",
            "sync_s",
            "outbox_poll_s",
        ),
    )
    base = DispatchSettings()
    return DispatchSettings(
        default_team=_text(section["default_team"], ("default_team",))
        if "default_team" in section
        else base.default_team,
        priority_matrix=_matrix(section["priority_matrix"], ("priority_matrix",))
        if "priority_matrix" in section
        else base.priority_matrix,
        routing=_routing(section.get("routing"), ("routing",)),
        sla=_sla(section.get("sla"), ("sla",)),
        major_incident=_major(section.get("major_incident"), ("major_incident",)),
        problem=_problem(section.get("problem"), ("problem",)),
        paging=_paging(section.get("paging"), ("paging",)),
        runbooks=_runbooks(section.get("runbooks"), ("runbooks",)),
        incident_url=_incident_url(section.get("incident_url"), ("incident_url",)),
        resolve_tickets=_bool(
            section.get("resolve_tickets", base.resolve_tickets), ("resolve_tickets",)
        ),
        tick_s=_seconds(section.get("tick_s", base.tick_s), ("tick_s",), positive=True),
        sync_s=_seconds(section.get("sync_s", base.sync_s), ("sync_s",), positive=True),
        outbox_poll_s=_seconds(
            section.get("outbox_poll_s", base.outbox_poll_s), ("outbox_poll_s",), positive=True
        ),
    )


def _matrix(value: object, path: KeyPath) -> Mapping[tuple[Level, Level], Priority]:
    rows = _mapping(value, path, what="a mapping impact -> {urgency: priority}")
    _known(rows, path, tuple(LEVEL_NAMES))
    matrix: dict[tuple[Level, Level], Priority] = {}
    for impact_name, impact in LEVEL_NAMES.items():
        row_path = (*path, impact_name)
        if impact_name not in rows:
            raise DispatchConfigError(row_path, "missing: the matrix needs all 3 impact rows")
        row = _mapping(rows[impact_name], row_path, what="a mapping urgency -> priority")
        _known(row, row_path, tuple(LEVEL_NAMES))
        for urgency_name, urgency in LEVEL_NAMES.items():
            cell_path = (*row_path, urgency_name)
            if urgency_name not in row:
                raise DispatchConfigError(cell_path, "missing: each row needs all 3 urgencies")
            matrix[(impact, urgency)] = _priority(row[urgency_name], cell_path)
    return MappingProxyType(matrix)


def _routing(value: object, path: KeyPath) -> tuple[RoutingRule, ...]:
    rules: list[RoutingRule] = []
    for index, item in enumerate(_sequence(value, path)):
        where = (*path, index)
        entry = _mapping(item, where, what="a rule {kind, site, tags, check, team}")
        _known(entry, where, ("team", "kind", "site", "tags", "check"))
        if "team" not in entry:
            raise DispatchConfigError((*where, "team"), "missing: a rule names its team")
        rule = RoutingRule(
            team=_text(entry["team"], (*where, "team")),
            kind=_pattern(entry.get("kind"), (*where, "kind")),
            site=_pattern(entry.get("site"), (*where, "site")),
            check=_pattern(entry.get("check"), (*where, "check")),
            tags=_tags(entry.get("tags"), (*where, "tags")),
        )
        if not rule.needs_node and rule.check is None:
            raise DispatchConfigError(
                where, "a rule needs at least one of kind, site, tags, check (use default_team)"
            )
        rules.append(rule)
    return tuple(rules)


def _sla(value: object, path: KeyPath) -> SlaSettings:
    base = SlaSettings()
    if value is None:
        return base
    section = _mapping(value, path)
    _known(section, path, ("warn_at", "targets"))
    warn_at = base.warn_at
    if "warn_at" in section:
        warn_at = _number(section["warn_at"], (*path, "warn_at"), what="a fraction 0 < x < 1")
        if not 0 < warn_at < 1:
            raise DispatchConfigError(
                (*path, "warn_at"), f"expected a fraction 0 < x < 1, got {warn_at}"
            )
    targets = dict(base.targets)
    if "targets" in section:
        tpath = (*path, "targets")
        given = _mapping(section["targets"], tpath, what="a mapping P1..P5 -> targets")
        _known(given, tpath, tuple(p.value for p in Priority))
        for name, item in given.items():
            where = (*tpath, name)
            entry = _mapping(item, where, what="a mapping {response_s, resolution_s}")
            _known(entry, where, ("response_s", "resolution_s"))
            old = targets[Priority(name)]
            response = old.response_s
            resolution = old.resolution_s
            if "response_s" in entry:
                response = _seconds(entry["response_s"], (*where, "response_s"), positive=True)
            if "resolution_s" in entry:
                resolution = _seconds(
                    entry["resolution_s"], (*where, "resolution_s"), positive=True
                )
            if resolution < response:
                raise DispatchConfigError(
                    (*where, "resolution_s"),
                    f"the resolution target ({resolution:g}s) is shorter than the response "
                    f"target ({response:g}s)",
                )
            targets[Priority(name)] = SlaTarget(response, resolution)
    return SlaSettings(warn_at=warn_at, targets=MappingProxyType(targets))


def _major(value: object, path: KeyPath) -> MajorIncidentSettings:
    base = MajorIncidentSettings()
    if value is None:
        return base
    section = _mapping(value, path)
    _known(section, path, ("enabled", "count", "window_s", "signatures", "raise_by"))
    signatures = base.signatures
    if "signatures" in section:
        spath = (*path, "signatures")
        found: list[Signature] = []
        for index, item in enumerate(_sequence(section["signatures"], spath)):
            signature = _signature(item, (*spath, index))
            if signature not in found:
                found.append(signature)
        signatures = tuple(found)
    return MajorIncidentSettings(
        enabled=_bool(section.get("enabled", base.enabled), (*path, "enabled")),
        count=_integer(section.get("count", base.count), (*path, "count"), minimum=2),
        window_s=_seconds(
            section.get("window_s", base.window_s), (*path, "window_s"), positive=True
        ),
        signatures=signatures,
        raise_by=_integer(section.get("raise_by", base.raise_by), (*path, "raise_by"), minimum=0),
    )


def _signature(value: object, path: KeyPath) -> Signature:
    what = "fields joined by '+' among service, kind, site (e.g. 'kind+site')"
    if not isinstance(value, str) or not value.strip():
        raise DispatchConfigError(path, f"expected {what}, got {_describe(value)}")
    parts = [part.strip() for part in value.split("+")]
    fields: list[SignatureField] = []
    for part in parts:
        if part not in _SIGNATURE_FIELDS:
            raise DispatchConfigError(path, f"expected {what}, got {value!r}")
        name: SignatureField = part  # type: ignore[assignment]  # checked just above
        if name not in fields:
            fields.append(name)
    return tuple(sorted(fields))


def _problem(value: object, path: KeyPath) -> ProblemSettings:
    base = ProblemSettings()
    if value is None:
        return base
    section = _mapping(value, path)
    _known(section, path, ("enabled", "count", "window_s"))
    return ProblemSettings(
        enabled=_bool(section.get("enabled", base.enabled), (*path, "enabled")),
        count=_integer(section.get("count", base.count), (*path, "count"), minimum=2),
        window_s=_seconds(
            section.get("window_s", base.window_s), (*path, "window_s"), positive=True
        ),
    )


def _paging(value: object, path: KeyPath) -> PagingSettings:
    base = PagingSettings()
    if value is None:
        return base
    section = _mapping(value, path)
    _known(
        section,
        path,
        (
            "page_at_or_above",
            "resolve_notices",
            "repage_on_reopen",
            "ack_timeout_s",
            "levels",
            "rate_limit",
            "teams",
        ),
    )
    timeouts = dict(base.ack_timeout_s)
    if "ack_timeout_s" in section:
        tpath = (*path, "ack_timeout_s")
        given = _mapping(section["ack_timeout_s"], tpath, what="a mapping P1..P5 -> seconds")
        _known(given, tpath, tuple(p.value for p in Priority))
        for name, item in given.items():
            timeouts[Priority(name)] = (
                None if item is None else _seconds(item, (*tpath, name), positive=True)
            )
    teams: dict[str, TeamPaging] = {}
    if section.get("teams") is not None:
        tpath = (*path, "teams")
        for name, item in _mapping(
            section["teams"], tpath, what="a mapping team -> settings"
        ).items():
            where = (*tpath, name)
            _text(name, where)
            entry = _mapping(item, where, what="a mapping {levels, rate_limit}")
            _known(entry, where, ("levels", "rate_limit"))
            teams[name] = TeamPaging(
                levels=_levels(entry["levels"], (*where, "levels"))
                if entry.get("levels") is not None
                else None,
                rate_limit=_rate_limit(entry["rate_limit"], (*where, "rate_limit"), base.rate_limit)
                if entry.get("rate_limit") is not None
                else None,
            )
    return PagingSettings(
        page_at_or_above=_priority(section["page_at_or_above"], (*path, "page_at_or_above"))
        if "page_at_or_above" in section
        else base.page_at_or_above,
        resolve_notices=_bool(
            section.get("resolve_notices", base.resolve_notices), (*path, "resolve_notices")
        ),
        repage_on_reopen=_bool(
            section.get("repage_on_reopen", base.repage_on_reopen), (*path, "repage_on_reopen")
        ),
        ack_timeout_s=MappingProxyType(timeouts),
        levels=_levels(section["levels"], (*path, "levels"))
        if "levels" in section
        else base.levels,
        rate_limit=_rate_limit(section["rate_limit"], (*path, "rate_limit"), base.rate_limit)
        if "rate_limit" in section
        else base.rate_limit,
        teams=MappingProxyType(teams),
    )


def _levels(value: object, path: KeyPath) -> tuple[EscalationLevel, ...]:
    levels: list[EscalationLevel] = []
    for index, item in enumerate(_sequence(value, path)):
        where = (*path, index)
        if isinstance(item, str):
            levels.append(EscalationLevel(_text(item, where)))
            continue
        entry = _mapping(item, where, what="a level name or {name, notify}")
        _known(entry, where, ("name", "notify"))
        if "name" not in entry:
            raise DispatchConfigError((*where, "name"), "missing: a level has a name")
        notify = entry.get("notify")
        levels.append(
            EscalationLevel(
                _text(entry["name"], (*where, "name")),
                None if notify is None else _text(notify, (*where, "notify")),
            )
        )
    if not levels:
        raise DispatchConfigError(path, "expected at least one escalation level")
    names = [level.name for level in levels]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise DispatchConfigError((*path, index), f"level {name!r} is listed twice")
    return tuple(levels)


def _rate_limit(value: object, path: KeyPath, base: RateLimit) -> RateLimit:
    section = _mapping(value, path)
    _known(section, path, ("max_pages", "window_s", "exempt_at_or_above"))
    exempt = base.exempt_at_or_above
    if "exempt_at_or_above" in section:
        given = section["exempt_at_or_above"]
        exempt = None if given is None else _priority(given, (*path, "exempt_at_or_above"))
    return RateLimit(
        max_pages=_integer(
            section.get("max_pages", base.max_pages), (*path, "max_pages"), minimum=1
        ),
        window_s=_seconds(
            section.get("window_s", base.window_s), (*path, "window_s"), positive=True
        ),
        exempt_at_or_above=exempt,
    )


def _runbooks(value: object, path: KeyPath) -> tuple[RunbookRule, ...]:
    rules: list[RunbookRule] = []
    for index, item in enumerate(_sequence(value, path)):
        where = (*path, index)
        entry = _mapping(item, where, what="a rule {kind, check, url}")
        _known(entry, where, ("kind", "check", "url"))
        if "url" not in entry:
            raise DispatchConfigError((*where, "url"), "missing: a rule gives its url template")
        rule = RunbookRule(
            url=_template(entry["url"], (*where, "url")),
            kind=_pattern(entry.get("kind"), (*where, "kind")),
            check=_pattern(entry.get("check"), (*where, "check")),
        )
        if rule.kind is None and rule.check is None:
            raise DispatchConfigError(where, "a rule needs kind, check or both")
        rules.append(rule)
    return tuple(rules)


def _template(value: object, path: KeyPath) -> str:
    text = _text(value, path)
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise DispatchConfigError(path, f"bad URL template {text!r}: {exc}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS or spec or conversion:
            raise DispatchConfigError(
                path,
                f"bad placeholder {{{name}}} in {text!r}: use {{node}}, {{kind}} or {{check}} "
                "(write {{ and }} for literal braces)",
            )
    return text


def _incident_url(value: object, path: KeyPath) -> str | None:
    if value is None:
        return None
    text = _text(value, path)
    if not text.startswith(("http://", "https://")):
        raise DispatchConfigError(path, f"expected an http(s) URL template, got {text!r}")
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise DispatchConfigError(path, f"bad URL template {text!r}: {exc}") from None
    if names != ["id"]:
        raise DispatchConfigError(
            path,
            f"expected a URL template with one {{id}} placeholder, got {text!r} "
            "(write {{ and }} for literal braces)",
        )
    return text


# ---- leaves ---------------------------------------------------------------------------


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    return repr(value)


def _mapping(value: object, path: KeyPath, *, what: str = "a mapping") -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise DispatchConfigError(path, f"expected {what}, got {_describe(value)}")
    for key in value:
        if not isinstance(key, str):
            raise DispatchConfigError(path, f"keys must be text, got {_describe(key)}")
    return value


def _sequence(value: object, path: KeyPath) -> Sequence[object]:
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise DispatchConfigError(path, f"expected a list, got {_describe(value)}")
    return value


def _known(section: Mapping[str, object], path: KeyPath, allowed: Sequence[str]) -> None:
    for key in section:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise DispatchConfigError(
                (*path, key), f"unknown key{hint}; known: {', '.join(allowed)}"
            )


def _text(value: object, path: KeyPath) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DispatchConfigError(path, f"expected a non-empty string, got {_describe(value)}")
    return value


def _pattern(value: object, path: KeyPath) -> str | None:
    return None if value is None else _text(value, path)


def _tags(value: object, path: KeyPath) -> Mapping[str, str]:
    if value is None:
        return _empty_tags()
    tags: dict[str, str] = {}
    for key, item in _mapping(value, path, what="a mapping tag -> pattern").items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise DispatchConfigError(
                (*path, key), f"expected a text pattern, got {_describe(item)}"
            )
        tags[key] = str(item)
    return MappingProxyType(tags)


def _bool(value: object, path: KeyPath) -> bool:
    if not isinstance(value, bool):
        raise DispatchConfigError(path, f"expected true or false, got {_describe(value)}")
    return value


def _number(value: object, path: KeyPath, *, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise DispatchConfigError(path, f"expected {what}, got {_describe(value)}")
    return float(value)


def _seconds(value: object, path: KeyPath, *, positive: bool) -> float:
    what = "a number of seconds > 0" if positive else "a number of seconds >= 0"
    seconds = _number(value, path, what=what)
    if seconds < 0 or (positive and seconds == 0) or math.isinf(seconds):
        raise DispatchConfigError(path, f"expected {what}, got {_describe(value)}")
    return seconds


def _integer(value: object, path: KeyPath, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise DispatchConfigError(path, f"expected an integer >= {minimum}, got {_describe(value)}")
    return value


def _priority(value: object, path: KeyPath) -> Priority:
    if isinstance(value, str) and value in Priority.__members__:
        return Priority(value)
    raise DispatchConfigError(path, f"expected one of {_PRIORITIES}, got {_describe(value)}")
