"""SLA deadlines of a ticket and the warnings and breaches they raise, each exactly once.

Two targets per priority (``dispatch.sla.targets``): **response** (the ticket is
acknowledged by a person) and **resolution** (the incident is resolved). A deadline is the
incident's open time plus the target of the ticket's *current* priority; a warning is due
at ``warn_at`` (80 %) of the target.

Re-prioritisation (our choice, documented): deadlines always run from the time the
incident was logged, with the targets of the current priority — the "retroactive start"
of ITIL tooling. Raising the priority pulls the deadlines in (a P3 raised to P1 after an
hour has already missed its 15-minute response: the breach is reported at the next check,
which is the truth the customer sees); lowering it pushes them out. Each (target, level)
is reported at most once per ticket whatever the priority does afterwards: a breach
reported under P1 is not withdrawn by a later drop to P3, and a warning is not repeated
when a new priority crosses its threshold again. When a check finds a deadline already
past and its warning never sent, only the breach is reported (the warning is then moot).
A target met late (:func:`acknowledge`, :func:`resolve`) whose breach no check reported
yet reports it then, so a sparse tick never hides a breach.

Pure: time is a parameter; the caller keeps the :class:`SlaClock` that :func:`check`,
:func:`acknowledge` and :func:`resolve` return and passes it back next time, and schedules
the next check at :func:`next_check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from correlator.dispatch.priority import Priority
from correlator.dispatch.settings import SlaSettings, SlaTarget


class SlaKind(StrEnum):
    """Which target."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


class SlaLevel(StrEnum):
    """How close to (or past) the deadline."""

    WARNING = "warning"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class SlaClock:
    """The SLA state of one ticket: when its clock started, what stopped it, what was said."""

    incident_id: str
    priority: Priority
    opened_at: float
    acknowledged_at: float | None = None
    resolved_at: float | None = None
    emitted: frozenset[tuple[SlaKind, SlaLevel]] = frozenset()

    def reprioritised(self, priority: Priority) -> SlaClock:
        """The same clock under a new priority (deadlines move; see the module docstring)."""
        return replace(self, priority=priority)

    def reopened(self) -> SlaClock:
        """The incident failed again: the resolution target counts again (what was already
        reported stays reported)."""
        return replace(self, resolved_at=None)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When each target is due and when its warning is."""

    response_due: float
    resolution_due: float
    response_warn: float
    resolution_warn: float


@dataclass(frozen=True, slots=True)
class SlaEvent:
    """A warning or a breach; ``reason`` is also the ticket comment."""

    incident_id: str
    kind: SlaKind
    level: SlaLevel
    priority: Priority
    due: float
    at: float
    reason: str


@dataclass(frozen=True, slots=True)
class SlaCheck:
    """What one check found, and the clock to keep for the next one."""

    events: tuple[SlaEvent, ...]
    clock: SlaClock


def deadlines(
    priority: Priority, opened_at: float, targets: Mapping[Priority, SlaTarget], warn_at: float
) -> Deadlines:
    """The deadlines of a ticket at ``priority`` for an incident opened at ``opened_at``."""
    target = targets[priority]
    return Deadlines(
        response_due=opened_at + target.response_s,
        resolution_due=opened_at + target.resolution_s,
        response_warn=opened_at + warn_at * target.response_s,
        resolution_warn=opened_at + warn_at * target.resolution_s,
    )


def _duration(seconds: float) -> str:
    if seconds >= 86400 and seconds % 3600 == 0:
        days, rest = divmod(seconds, 86400)
        return f"{days:.0f}d" + (f" {rest / 3600:.0f}h" if rest else "")
    if seconds >= 3600:
        hours, rest = divmod(seconds, 3600)
        return f"{hours:.0f}h" + (f" {rest / 60:.0f}min" if rest >= 60 else "")
    if seconds >= 60:
        return f"{seconds / 60:.0f}min"
    return f"{seconds:.0f}s"


def _breach(
    clock: SlaClock, kind: SlaKind, deadline: float, span: float, at: float, now: float
) -> SlaEvent:
    verb = "acknowledged" if kind is SlaKind.RESPONSE else "resolved"
    return SlaEvent(
        clock.incident_id,
        kind,
        SlaLevel.BREACHED,
        clock.priority,
        deadline,
        now,
        f"SLA breached: not {verb} within the {clock.priority.value} {kind.value} target "
        f"of {_duration(span)} ({_duration(at - deadline)} late)",
    )


def _warning(
    clock: SlaClock, kind: SlaKind, deadline: float, span: float, now: float, warn_at: float
) -> SlaEvent:
    verb = "acknowledged" if kind is SlaKind.RESPONSE else "resolved"
    return SlaEvent(
        clock.incident_id,
        kind,
        SlaLevel.WARNING,
        clock.priority,
        deadline,
        now,
        f"SLA warning: {_duration(deadline - now)} left to be {verb} within the "
        f"{clock.priority.value} {kind.value} target of {_duration(span)} "
        f"({(now - clock.opened_at) / span:.0%} used, warning at {warn_at:.0%})",
    )


def _target(clock: SlaClock, kind: SlaKind, settings: SlaSettings) -> tuple[float, float, float]:
    """(warning time, deadline, target length) of ``kind`` at the clock's priority."""
    due = deadlines(clock.priority, clock.opened_at, settings.targets, settings.warn_at)
    target = settings.targets[clock.priority]
    if kind is SlaKind.RESPONSE:
        return due.response_warn, due.response_due, target.response_s
    return due.resolution_warn, due.resolution_due, target.resolution_s


def _stopped(clock: SlaClock, kind: SlaKind) -> bool:
    stopped_at = clock.acknowledged_at if kind is SlaKind.RESPONSE else clock.resolved_at
    return stopped_at is not None


def check(clock: SlaClock, now: float, settings: SlaSettings) -> SlaCheck:
    """The warnings and breaches due at ``now`` that were not reported yet.

    A target that was met (see :func:`acknowledge`, :func:`resolve`) reports nothing more.
    """
    events: list[SlaEvent] = []
    emitted = set(clock.emitted)
    for kind in SlaKind:
        if _stopped(clock, kind):
            continue
        warn, deadline, span = _target(clock, kind, settings)
        if now >= deadline:
            if (kind, SlaLevel.BREACHED) not in emitted:
                events.append(_breach(clock, kind, deadline, span, now, now))
            emitted.update({(kind, SlaLevel.BREACHED), (kind, SlaLevel.WARNING)})
        elif now >= warn and (kind, SlaLevel.WARNING) not in emitted:
            events.append(_warning(clock, kind, deadline, span, now, settings.warn_at))
            emitted.add((kind, SlaLevel.WARNING))
    return SlaCheck(tuple(events), replace(clock, emitted=frozenset(emitted)))


def _stop(clock: SlaClock, kind: SlaKind, at: float, settings: SlaSettings) -> SlaCheck:
    if _stopped(clock, kind):
        return SlaCheck((), clock)
    _, deadline, span = _target(clock, kind, settings)
    events: tuple[SlaEvent, ...] = ()
    emitted = set(clock.emitted)
    if at >= deadline and (kind, SlaLevel.BREACHED) not in emitted:
        # met late, and no check ran between the deadline and now: the breach still counts
        events = (_breach(clock, kind, deadline, span, at, at),)
        emitted.update({(kind, SlaLevel.BREACHED), (kind, SlaLevel.WARNING)})
    stopped = (
        replace(clock, acknowledged_at=at)
        if kind is SlaKind.RESPONSE
        else replace(clock, resolved_at=at)
    )
    return SlaCheck(events, replace(stopped, emitted=frozenset(emitted)))


def acknowledge(clock: SlaClock, at: float, settings: SlaSettings) -> SlaCheck:
    """The response target is met at ``at`` (the first acknowledgement counts); a breach
    not yet reported is reported now if it was met late."""
    return _stop(clock, SlaKind.RESPONSE, at, settings)


def resolve(clock: SlaClock, at: float, settings: SlaSettings) -> SlaCheck:
    """The resolution target is met at ``at``; a late resolution not yet reported as a
    breach is reported now."""
    return _stop(clock, SlaKind.RESOLUTION, at, settings)


def next_check(clock: SlaClock, settings: SlaSettings) -> float | None:
    """When the next warning or breach of ``clock`` falls due (None: nothing left).

    The caller schedules its next :func:`check` then, instead of polling.
    """
    due = deadlines(clock.priority, clock.opened_at, settings.targets, settings.warn_at)
    times: list[float] = []
    if clock.acknowledged_at is None:
        if (SlaKind.RESPONSE, SlaLevel.WARNING) not in clock.emitted:
            times.append(due.response_warn)
        if (SlaKind.RESPONSE, SlaLevel.BREACHED) not in clock.emitted:
            times.append(due.response_due)
    if clock.resolved_at is None:
        if (SlaKind.RESOLUTION, SlaLevel.WARNING) not in clock.emitted:
            times.append(due.resolution_warn)
        if (SlaKind.RESOLUTION, SlaLevel.BREACHED) not in clock.emitted:
            times.append(due.resolution_due)
    return min(times, default=None)
