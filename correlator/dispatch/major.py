"""Major incidents (bursts of incidents of one signature) and problem records (one root
failing again and again), as pure sliding-window decisions.

**Major incidents.** Each incident opening has signatures (``dispatch.major_incident.
signatures``): the business services its root takes down, its root's kind, its root's
site, or combinations such as ``kind+site``. When ``count`` incidents sharing one
signature open within ``window_s`` (5 within 10 minutes by default), a
:class:`MajorIncident` is raised: a parent linking them, with a priority ``raise_by``
steps above its most urgent member (P1 at most). It is raised once per burst: later
incidents of the same signature join it (and may raise its priority further, never lower
it) for as long as they keep coming within ``window_s`` of the last member; after that
quiet time the burst is over and a new burst raises a new major incident. An incident
belongs to at most one major incident: the first one it matches, in the order the
majors were raised. The caller pages a major incident once, when it is RAISED; JOINED
only updates the parent ticket.

**Problem records.** When incidents with the same root (or the same host, unplaced)
open ``count`` times within ``window_s`` (3 within a day by default), a
:class:`ProblemRecord` is raised for follow-up, once: later incidents of that root are
LINKED to it until the caller closes it (:func:`close_problem`).

State is immutable and passed in and out; ids are ``MAJ-000001`` / ``PRB-000001``,
numbered in the order raised (deterministic, as replay needs).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from correlator.dispatch.priority import Priority
from correlator.dispatch.queue import IncidentSnapshot
from correlator.dispatch.settings import (
    MajorIncidentSettings,
    ProblemSettings,
    Signature,
    SignatureField,
)

V = TypeVar("V")

SignatureKey = tuple[tuple[SignatureField, str], ...]
"""One concrete signature: ``(("kind", "firewall"), ("site", "bru-dc1"))``."""


def describe(key: SignatureKey) -> str:
    """``same kind 'firewall' and site 'bru-dc1'``."""
    return "same " + " and ".join(f"{name} {value!r}" for name, value in key)


def raised(priority: Priority, steps: int) -> Priority:
    """``priority`` made ``steps`` levels more urgent, P1 at most."""
    return Priority(f"P{max(1, priority.rank - steps)}")


# --------------------------------------------------------------------------------------
# Major incidents
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opening:
    """An incident that just opened, as major-incident detection sees it."""

    incident_id: str
    at: float
    priority: Priority
    kind: str | None = None
    site: str | None = None
    services: frozenset[str] = frozenset()

    @classmethod
    def of(cls, snap: IncidentSnapshot, at: float | None = None) -> Opening:
        """The opening of ``snap`` (at its open time unless ``at`` is given)."""
        node = snap.node
        return cls(
            incident_id=snap.incident_id,
            at=snap.opened_at if at is None else at,
            priority=snap.priority,
            kind=node.kind if node is not None else None,
            site=node.site if node is not None else None,
            services=snap.services,
        )

    def values(self, name: SignatureField) -> tuple[str, ...]:
        if name == "service":
            return tuple(sorted(self.services))
        value = self.kind if name == "kind" else self.site
        return () if value is None else (value,)


def signature_keys(opening: Opening, signatures: Iterable[Signature]) -> tuple[SignatureKey, ...]:
    """Every concrete signature of ``opening``, in config order (none for a missing field)."""
    keys: list[SignatureKey] = []
    for signature in signatures:
        per_field = [[(name, v) for v in opening.values(name)] for name in signature]
        for combo in itertools.product(*per_field):
            key: SignatureKey = tuple(combo)
            if key and key not in keys:
                keys.append(key)
    return tuple(keys)


@dataclass(frozen=True, slots=True)
class MajorIncident:
    """A parent of several incidents of one signature."""

    id: str
    signature: SignatureKey
    members: tuple[str, ...]
    opened_at: float
    last_member_at: float
    priority: Priority
    reason: str


@dataclass(frozen=True, slots=True)
class MajorState:
    """Recent openings not yet in a major incident, the majors still taking members, and
    how many majors were raised so far (for ids)."""

    recent: tuple[Opening, ...] = ()
    active: tuple[MajorIncident, ...] = ()
    issued: int = 0


class MajorAction(StrEnum):
    """What an opening did."""

    RAISED = "raised"
    JOINED = "joined"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class MajorDecision:
    """The decision, the major incident concerned (RAISED/JOINED) and why.

    ``priority_raised`` is true when the major's priority rose (always on RAISED).
    """

    action: MajorAction
    reason: str
    major: MajorIncident | None = None
    priority_raised: bool = False


def expire_major(state: MajorState, now: float, settings: MajorIncidentSettings) -> MajorState:
    """Forget openings older than the window and bursts that went quiet."""
    window = settings.window_s
    recent = tuple(o for o in state.recent if now - o.at <= window)
    active = tuple(m for m in state.active if now - m.last_member_at <= window)
    if len(recent) == len(state.recent) and len(active) == len(state.active):
        return state
    return replace(state, recent=recent, active=active)


def withdraw(state: MajorState, incident_id: str) -> MajorState:
    """Stop counting an incident that no longer exists on its own (merged into another)."""
    recent = tuple(o for o in state.recent if o.incident_id != incident_id)
    return state if len(recent) == len(state.recent) else replace(state, recent=recent)


def observe_opening(
    state: MajorState, opening: Opening, settings: MajorIncidentSettings
) -> tuple[MajorState, MajorDecision]:
    """Count ``opening``; raise a major incident or add it to one (see the module docstring).

    Openings must come in time order (the order the incidents opened).
    """
    if not settings.enabled:
        return state, MajorDecision(MajorAction.NONE, "major incident detection is off")
    if any(o.incident_id == opening.incident_id for o in state.recent) or any(
        opening.incident_id in m.members for m in state.active
    ):
        return state, MajorDecision(MajorAction.NONE, f"{opening.incident_id} already counted")
    state = expire_major(state, opening.at, settings)
    keys = signature_keys(opening, settings.signatures)
    if not keys:
        return state, MajorDecision(
            MajorAction.NONE, f"{opening.incident_id} has no signature (unplaced or no fields)"
        )
    for index, major in enumerate(state.active):
        if major.signature not in keys:
            continue
        priority = major.priority
        candidate = raised(opening.priority, settings.raise_by)
        if candidate.rank < priority.rank:
            priority = candidate
        joined = replace(
            major,
            members=(*major.members, opening.incident_id),
            last_member_at=opening.at,
            priority=priority,
        )
        active = (*state.active[:index], joined, *state.active[index + 1 :])
        rose = priority is not major.priority
        why = (
            f"{opening.incident_id} joins {major.id} ({describe(major.signature)}): "
            f"{len(joined.members)} members"
            + (f"; priority {major.priority.value} -> {priority.value}" if rose else "")
        )
        return replace(state, active=active), MajorDecision(
            MajorAction.JOINED, why, joined, priority_raised=rose
        )
    recent = (*state.recent, opening)
    best: tuple[int, SignatureKey] | None = None
    for key in keys:
        group = [o for o in recent if key in signature_keys(o, (tuple(n for n, _ in key),))]
        if len(group) >= settings.count:
            number = state.issued + 1
            top = min((o.priority for o in group), key=lambda p: p.rank)
            priority = raised(top, settings.raise_by)
            members = tuple(o.incident_id for o in group)
            window = f"{settings.window_s:g}s"
            why = (
                f"{len(group)} incidents with the {describe(key)} within {window} "
                f"(threshold {settings.count}): {', '.join(members)}; "
                f"priority {top.value} raised to {priority.value}"
            )
            major = MajorIncident(
                id=f"MAJ-{number:06d}",
                signature=key,
                members=members,
                opened_at=opening.at,
                last_member_at=opening.at,
                priority=priority,
                reason=why,
            )
            taken = set(members)
            return (
                MajorState(
                    recent=tuple(o for o in recent if o.incident_id not in taken),
                    active=(*state.active, major),
                    issued=number,
                ),
                MajorDecision(MajorAction.RAISED, why, major, priority_raised=True),
            )
        if best is None or len(group) > best[0]:
            best = (len(group), key)
    assert best is not None  # keys is not empty
    count, key = best
    return replace(state, recent=recent), MajorDecision(
        MajorAction.NONE,
        f"{count} of {settings.count} incidents with the {describe(key)} "
        f"within {settings.window_s:g}s",
    )


# --------------------------------------------------------------------------------------
# Problem records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProblemRecord:
    """A root that keeps failing: the incidents that made it a problem, and later ones."""

    id: str
    root: str
    incidents: tuple[str, ...]
    first_at: float
    last_at: float
    reason: str


def _no_history() -> Mapping[str, tuple[tuple[float, str], ...]]:
    return MappingProxyType({})


def _no_records() -> Mapping[str, ProblemRecord]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ProblemState:
    """Recent failures per root (``(at, incident id)``), open problem records per root."""

    history: Mapping[str, tuple[tuple[float, str], ...]] = field(default_factory=_no_history)
    records: Mapping[str, ProblemRecord] = field(default_factory=_no_records)
    issued: int = 0


class ProblemAction(StrEnum):
    """What a failure did."""

    RAISED = "raised"
    LINKED = "linked"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ProblemDecision:
    """The decision, the problem record concerned (RAISED/LINKED) and why."""

    action: ProblemAction
    reason: str
    record: ProblemRecord | None = None


def _with(mapping: Mapping[str, V], key: str, value: V | None) -> Mapping[str, V]:
    out = dict(mapping)
    if value is None:
        out.pop(key, None)
    else:
        out[key] = value
    return MappingProxyType(out)


def observe_failure(
    state: ProblemState,
    *,
    root: str,
    incident_id: str,
    at: float,
    settings: ProblemSettings,
) -> tuple[ProblemState, ProblemDecision]:
    """Count one incident opening on ``root`` (the root node, or the host when unplaced)."""
    if not settings.enabled:
        return state, ProblemDecision(ProblemAction.NONE, "problem records are off")
    record = state.records.get(root)
    if record is not None:
        if incident_id in record.incidents:
            return state, ProblemDecision(
                ProblemAction.NONE, f"{incident_id} already linked", record
            )
        linked = replace(record, incidents=(*record.incidents, incident_id), last_at=at)
        records = _with(state.records, root, linked)
        return replace(state, records=records), ProblemDecision(
            ProblemAction.LINKED,
            f"{root} failed again ({incident_id}): linked to {record.id}",
            linked,
        )
    past = state.history.get(root, ())
    if any(i == incident_id for _, i in past):
        return state, ProblemDecision(ProblemAction.NONE, f"{incident_id} already counted")
    recent = (*(e for e in past if at - e[0] <= settings.window_s), (at, incident_id))
    if len(recent) < settings.count:
        history = _with(state.history, root, recent)
        return replace(state, history=history), ProblemDecision(
            ProblemAction.NONE,
            f"{root} failed {len(recent)} of {settings.count} times within {settings.window_s:g}s",
        )
    number = state.issued + 1
    incidents = tuple(i for _, i in recent)
    why = (
        f"{root} failed {len(recent)} times within {settings.window_s:g}s "
        f"(threshold {settings.count}): {', '.join(incidents)}"
    )
    new = ProblemRecord(f"PRB-{number:06d}", root, incidents, recent[0][0], at, why)
    return (
        ProblemState(
            history=_with(state.history, root, None),
            records=_with(state.records, root, new),
            issued=number,
        ),
        ProblemDecision(ProblemAction.RAISED, why, new),
    )


def close_problem(state: ProblemState, root: str) -> ProblemState:
    """The problem record of ``root`` was closed: a new run of failures raises a new one."""
    if root not in state.records:
        return state
    records = {k: v for k, v in state.records.items() if k != root}
    return replace(state, records=records)


def expire_problems(state: ProblemState, now: float, settings: ProblemSettings) -> ProblemState:
    """Forget failures older than the window (memory hygiene; decisions do not need it)."""
    history = {
        root: kept
        for root, entries in state.history.items()
        if (kept := tuple(e for e in entries if now - e[0] <= settings.window_s))
    }
    return replace(state, history=history)
