"""The correlation engine: alerts in, root-cause incidents out.

One engine instance holds the live state (alerts, incidents, timers). It is driven by two
calls: :meth:`Engine.advance` moves time forward (announcing incidents whose opening hold
elapsed, resolving those whose alerts have all been quiet for the linger), and
:meth:`Engine.handle` takes one normalized event. Time is whatever the caller says (the
wall clock in the daemon, the event time in replay), so the same input always gives the
same incidents.

How a new problem alert is placed (the heart of it): every node that could explain it —
its own node, each node below it in the dependency graph, each redundancy group whose
members are all down, and the path of the probe that observed it — is a hypothesis. A
hypothesis absorbs the open incidents whose root it explains. Each option is priced by
``score.score`` (see there) against what it replaces, and the cheapest wins: join an
incident, re-root it to a deeper cause that just alerted, merge incidents under a common
(possibly unmonitored, hence *inferred*) cause, or open a new incident.

People correct it through operator commands (:meth:`Engine.merge`, :meth:`Engine.split`,
:meth:`Engine.reroot`; the API runs them in the correlator's loop). Each is recorded on
the incident as that person's (``Incident.manual``) and pins it: the engine's reviews and
repartitions leave a pinned incident alone, it is never merged into another or with
another pinned one, and new alerts join it only under its own root.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from heapq import merge as heap_merge
from typing import Final, NamedTuple

from correlator.correlate.cover import Group, greedy_cover
from correlator.correlate.evidence import (
    Evidence,
    classify,
    local_warning,
    path_quality_warning,
    replication_check,
    slow_service_warning,
    spreading_warning,
    stated_window,
    sync_warning,
    threshold_warning,
)
from correlator.correlate.graph import GraphIndex
from correlator.correlate.lifecycle import decide_flapping
from correlator.correlate.score import (
    DEFAULT_WEIGHTS,
    Score,
    Weights,
    missed_detection,
    score,
)
from correlator.correlate.settings import EngineSettings
from correlator.dispatch.model import PageEvent
from correlator.dispatch.paging import PageMemory, decide_paging, rate_limit_verdict
from correlator.dispatch.priority import ITIL_MATRIX, Level, Priority, decide_priority
from correlator.dispatch.settings import PagingSettings
from correlator.model import Alert, Event, Notice, NoticeKind, Severity, Source, State
from topology.model import Topology, host_key

_EVIDENCE_RANK: Final = {Evidence.DOWN: 3, Evidence.DEGRADED: 2, Evidence.SYMPTOM: 1}
REASONS_KEPT: Final = 40  # decisions recorded per incident: the first ones and the latest
REASONS_HEAD: Final = 10
REVIEW_MAX_NODES: Final = 64  # reviewed on every join up to this size
REVIEW_LARGE_MAX_NODES: Final = 1024  # reviewed on the review timers up to this size
_SPREADS_FROM: Final = (Evidence.DEGRADED, Evidence.DOWN)
INFERRED_SIBLINGS_MAX: Final = 32  # an inferred root's dependents looked under, at most
EARLY_DIRECT_MAX: Final = 2  # direct dependents priced as early under a root seen down
REPARTITION_MAX_NODES: Final = 96  # the neighbourhood re-decided at once, at most
GRAY_PASS_THROUGH: Final = 3  # unmonitored nodes in a row a degradation is followed through
PAIR_MAX_ROOTS: Final = 6  # failing roots below an alert paired as two-cut hypotheses, at most
REPARTITION_MARGIN: Final = 1.0  # nats a new partition must save to replace the current one
STEAL_SCAN_MAX: Final = 512  # a new root's closure scanned for misplaced alerts, at most
GROUP_SILENT_MAX: Final = 1  # silent watched members of a group still taken as lost, at most
TWO_SUBTREES_SCAN: Final = 6  # causes of a probe's burst paired as two faults it watched, at most
SYNC_WAVE_DELAYS: Final = 4  # detection delays between two receivers of one time source
TOGETHER_S: Final = 30.0  # failures this close began together: no tool's timing orders them
DEFAULT_TEAM: Final = "service-desk"
_NEVER: Final = float("inf")


class Action(StrEnum):
    """What the engine did with one event (``replay --explain``, logs)."""

    OPENED = "opened"
    JOINED = "joined"
    REROOTED = "re-rooted"
    MERGED = "merged"
    REOPENED = "reopened"
    FOLDED = "folded"
    RECOVERED = "recovered"
    NOTICE = "notice"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision about one event, with the reason."""

    action: Action
    incident: str | None
    reason: str


class OperatorError(ValueError):
    """An operator command the engine refuses; the message is one line for the caller.

    ``status`` is the HTTP status the API answers with: 404 for an unknown incident, node
    or alert, 409 for an incident that is not open (or merging one into itself), 400 for
    anything else wrong with the request.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ManualAction(StrEnum):
    """What a person did to an incident through the operator API."""

    MERGE = "merge"
    SPLIT = "split"
    REROOT = "reroot"


@dataclass(frozen=True, slots=True)
class ManualStep:
    """One manual decision about an incident: who, when, what."""

    at: float
    actor: str
    action: ManualAction
    detail: str


@dataclass(frozen=True, slots=True)
class EngineState:
    """The state a snapshot keeps (indexes, caches and timers are derived)."""

    next_number: int
    alerts: list[AlertState]
    incidents: list[Incident]
    maint_hosts: set[str]
    maint_keys: set[tuple[str, str]]
    maint_nodes: dict[str, int]
    operator_maint: frozenset[str] = frozenset()


class Status(StrEnum):
    """Incident status."""

    OPEN = "open"
    RESOLVED = "resolved"
    MERGED = "merged"


@dataclass(slots=True)
class AlertState:
    """What the engine remembers of one distinct alert (source + identity)."""

    key: tuple[str, str]  # (source name, source id)
    source: Source
    host: str
    check: str | None
    node: str | None
    observer_node: str | None
    evidence: Evidence
    severity: Severity
    first_seen: float
    onset: float  # start of the current problem episode
    active: bool = True
    resolved_at: float | None = None
    incident: int | None = None
    # Tuples, not lists: most alerts change state once and carry one event, and an empty
    # or one-item tuple costs far less than a list (memory per active alert).
    changes: tuple[float, ...] = ()
    flapping: bool = False
    maintenance: bool = False
    acked: bool = False
    events: tuple[tuple[int, str], ...] = ()  # (input seq, event id)
    # Seen only in SOFT states so far this episode: Nagios or Icinga is still retrying the
    # check, and notifies nobody until it turns HARD.
    soft: bool = False


@dataclass(slots=True)
class Incident:
    """A root-cause incident and the alerts it absorbed."""

    number: int
    opened_at: float
    root: str | None
    seeds: frozenset[str]
    inferred: bool
    unplaced_host: str | None = None
    status: Status = Status.OPEN
    resolved_at: float | None = None
    merged_into: int | None = None
    alerts: dict[tuple[str, str], AlertState] = field(default_factory=dict)
    node_onset: dict[str, float] = field(default_factory=dict)
    node_evidence: dict[str, Evidence] = field(default_factory=dict)
    onsets: list[float] = field(default_factory=list)  # sorted onsets of distinct nodes
    observed_only: set[str] = field(default_factory=set)  # nodes explained by their observer
    events: list[tuple[int, str]] = field(default_factory=list)
    active: int = 0
    last_activity: float = 0.0
    quiet_since: float | None = None
    announced: bool = False
    pages: int = 0
    last_paged: Priority | None = None
    resolve_sent: bool = False  # a resolve notice closed its last page
    priority: Priority = Priority.P5
    priority_reason: str = ""
    team: str = DEFAULT_TEAM
    reasons: list[str] = field(default_factory=list)
    reasons_elided: int = 0  # how many middle reasons were dropped to bound memory
    timer_version: int = 0
    updated_at: float = 0.0
    min_crit: int = 5  # most critical (lowest) criticality among alerting nodes
    path_cache: tuple[tuple[str, int], tuple[int, int]] | None = None
    review_due: float | None = None
    root_in_maintenance: bool = False
    worst: Severity = Severity.INFO  # worst severity among its alerts
    manual: list[ManualStep] = field(default_factory=list)  # decisions taken by people

    @property
    def id(self) -> str:
        return f"INC-{self.number:06d}"

    def note(self, reason: str) -> None:
        """Record a decision; a long-lived incident keeps its first and latest reasons
        (the full story of every event is what ``replay --explain`` and the logs are for)."""
        self.reasons.append(reason)
        if len(self.reasons) > REASONS_KEPT:
            del self.reasons[REASONS_HEAD]
            self.reasons_elided += 1

    @property
    def pinned(self) -> bool:
        """A person decided something about it: the engine's own reviews, repartitions
        and merges leave it alone (new alerts still join it by the usual rules)."""
        return bool(self.manual)

    @property
    def min_onset(self) -> float:
        return self.onsets[0] if self.onsets else self.opened_at

    @property
    def flapping(self) -> bool:
        return any(a.flapping for a in self.alerts.values())

    @property
    def unconfirmed(self) -> bool:
        """Every one of its alerts is a SOFT state so far: unconfirmed, nobody is paged."""
        return bool(self.alerts) and all(a.soft for a in self.alerts.values())

    @property
    def maintenance(self) -> bool:
        """Its root is under maintenance, or every one of its alerts is."""
        if self.root_in_maintenance:
            return True
        return bool(self.alerts) and all(a.maintenance for a in self.alerts.values())


class _Candidate(NamedTuple):
    """One hypothesis (a NamedTuple: immutable, and built several times per alert at a
    third of a frozen dataclass' cost)."""

    root: str
    seeds: frozenset[str]
    predicted: frozenset[str]
    monitored: int  # monitored nodes it predicts to fail, seeds excluded
    order: int


_Observed = tuple[Collection[str], Mapping[str, Evidence], Mapping[str, float]]
"""Nodes explained only by their observer's path, with their evidence and onsets."""


@dataclass(slots=True)
class _Option:
    candidate: _Candidate
    absorbed: list[Incident]
    new: Score
    old: float
    delta: float
    note: str = ""  # why a better-priced option was passed over, when one was


class Engine:
    """Live correlation state; see the module docstring."""

    def __init__(
        self,
        topology: Topology,
        settings: EngineSettings | None = None,
        *,
        weights: Weights = DEFAULT_WEIGHTS,
        paging: PagingSettings | None = None,
        default_team: str = DEFAULT_TEAM,
        first_number: int = 1,
        priority_matrix: Mapping[tuple[Level, Level], Priority] = ITIL_MATRIX,
    ) -> None:
        self.settings = settings or EngineSettings()
        self.priority_matrix = priority_matrix  # dispatch.priority_matrix: impact x urgency
        self.weights = weights
        self.paging = paging or PagingSettings()  # dispatch.paging: what pages on-call
        # team -> event times of its recent pages, for the paging rate limit (not kept in
        # snapshots: after a restart the window starts empty, as the daemon's dispatch does)
        self._page_times: dict[str, deque[float]] = {}
        self.default_team = default_team
        self._graph = GraphIndex(topology)
        self._settle = max(self.settings.detection_delay_s.values(), default=300.0)
        # Twice the slowest tool's detection delay: the tail of slow checks, beyond which a
        # symptom no longer belongs to a failure that began (or ended) before it.
        self._tail = 2 * self._settle
        self._alerts: dict[tuple[str, str], AlertState] = {}
        self._incidents: dict[int, Incident] = {}
        self._next_number = first_number  # a restarted daemon numbers on
        self._timers: list[tuple[float, int, str, int, int]] = []
        self._timer_seq = itertools.count()
        # indexes over open (and recently resolved) incidents
        self._by_root: dict[str, set[int]] = {}
        # For each node watched only through checks on other hosts, those hosts' nodes.
        self._reporters: dict[str, frozenset[str]] = {}
        # Open incidents rooted at an observer, or holding alerts explained by their
        # observer's path rather than the graph.
        self._observer_rooted: set[int] = set()
        self._by_cause: dict[str, set[int]] = {}
        self._by_observer: dict[str, set[int]] = {}
        self._unplaced: dict[str, int] = {}
        self._registered: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        # live per-node facts
        # node -> its alerts in a problem state (a short tuple: most nodes have one or two)
        self._node_active: dict[str, tuple[AlertState, ...]] = {}
        # nodes whose every alert since they began alerting warned of their own state
        # (a disk, a certificate: ``local_warning``), recovered ones included
        self._node_local: set[str] = set()
        self._probes_alerting: set[str] = set()  # probe nodes with an active alert
        # When each node's last active alert recovered (a node back up is not silent).
        self._node_cleared: dict[str, float] = {}
        self._observer_nodes: dict[str, set[str]] = {}  # probe node -> alerting nodes it sees
        self._probe_rank: dict[str, int] = {}  # probe node -> its place in _observer_nodes
        self._maint_hosts: set[str] = set()
        self._maint_keys: set[tuple[str, str]] = set()
        self._maint_nodes: dict[str, int] = {}  # node -> open downtimes on it
        self._operator_maint: frozenset[str] = frozenset()  # nodes in operator windows
        self._observer_cache: dict[str, str | None] = {}
        self._names: dict[str, str] = {}  # host and check names, one copy each
        self._changed: dict[int, Incident] = {}
        self._cost_cache: dict[int, float] = {}
        self._alone_scores: dict[Evidence, Score] = {}
        self._suspect_at = float("nan")
        self._suspect_cache: dict[str, float] = {}  # probe -> since when it seems blind
        # The same, as seen while another probe is being judged (``_suspect_since``).
        self._suspect_inner: dict[str, float] = {}
        self._suspect_depth = 0
        self._unobserved_cache: dict[str, bool] = {}  # node -> _seen_only_by_suspect
        self.now = float("-inf")

    # -- public API ------------------------------------------------------------------

    def state_for_snapshot(self) -> EngineState:
        """What a snapshot must keep (see ``correlate/snapshot.py``)."""
        return EngineState(
            next_number=self._next_number,
            alerts=list(self._alerts.values()),
            incidents=sorted(self._incidents.values(), key=lambda i: i.number),
            maint_hosts=set(self._maint_hosts),
            maint_keys=set(self._maint_keys),
            maint_nodes=dict(self._maint_nodes),
            operator_maint=self._operator_maint,
        )

    def restore_from_snapshot(
        self,
        *,
        now: float,
        next_number: int,
        alerts: Mapping[tuple[str, str], AlertState],
        incidents: Iterable[Incident],
        maint_hosts: set[str],
        maint_keys: set[tuple[str, str]],
        maint_nodes: Mapping[str, int],
        operator_maint: Collection[str] = frozenset(),
    ) -> None:
        """Take over a snapshot's state; indexes, caches and timers are derived again, and
        everything is placed on this engine's topology (which may be newer)."""
        if self._alerts or self._incidents:
            raise RuntimeError("a snapshot is restored into a fresh engine only")
        self.now = now
        self._next_number = max(self._next_number, next_number)
        self._alerts = dict(alerts)
        self._incidents = {inc.number: inc for inc in incidents}
        self._maint_hosts = set(maint_hosts)
        self._maint_keys = set(maint_keys)
        self._maint_nodes = dict(maint_nodes)
        self._operator_maint = frozenset(operator_maint)
        for inc in self._incidents.values():
            if inc.status is Status.MERGED:
                continue
            for state in inc.alerts.values():
                if state.severity.rank > inc.worst.rank:
                    inc.worst = state.severity
                if state.observer_node is not None:
                    self._by_observer.setdefault(state.observer_node, set()).add(inc.number)
            if inc.status is Status.OPEN and inc.unplaced_host is not None:
                self._unplaced[inc.unplaced_host] = inc.number
            if inc.root is not None and inc.root in self.topology.nodes:
                self._register(inc)
        self.reload(self.topology)  # place, index and re-evaluate on the current graph
        for inc in self._open_incidents():
            if not inc.announced:
                self._schedule(inc, max(inc.opened_at + self.settings.hold_s, now), "hold")
            if inc.active <= 0 and inc.quiet_since is not None:
                at = max(inc.quiet_since + self.settings.resolve_linger_s, now)
                self._schedule(inc, at, "resolve")
        self._changed.clear()  # the restored state is what was already published

    @property
    def topology(self) -> Topology:
        return self._graph.topology

    def reload(self, topology: Topology) -> None:
        """Swap the topology; open incidents keep every alert and are re-evaluated.

        Every alert is placed again (a host the old file did not know may now have a
        node), the per-node indexes are rebuilt, and each open incident is rebuilt around
        its root (or, if that node is gone or it was unplaced, its earliest placed alert)
        and reviewed against the new graph.
        """
        self._graph = GraphIndex(topology)
        self._observer_cache.clear()
        self._reporters.clear()
        self._suspect_at = float("nan")
        nodes = topology.nodes
        for state in self._alerts.values():
            state.node = topology.place(state.host, state.check, None).node
            if state.observer_node is not None and state.observer_node not in nodes:
                state.observer_node = None
        self._node_active.clear()
        self._node_local.clear()
        self._probes_alerting.clear()
        self._observer_nodes.clear()
        self._probe_rank.clear()
        for state in self._alerts.values():
            if state.active:
                self._node_active_add(state)
        for inc in self._open_incidents():
            alerts = sorted(inc.alerts.values(), key=lambda a: (a.first_seen, a.key))
            placed = [a.node for a in alerts if a.node is not None]
            if not placed:
                continue  # still unplaced: grouped by host as before
            root = inc.root if inc.root in nodes else placed[0]
            assert root is not None
            seeds = frozenset(s for s in inc.seeds if s in nodes) or self._graph.single(root)
            if inc.unplaced_host is not None:
                if self._unplaced.get(inc.unplaced_host) == inc.number:
                    del self._unplaced[inc.unplaced_host]
                inc.unplaced_host = None
            self._rebuild(inc, alerts, root, seeds, self.now)
            inc.note("topology reloaded: re-placed on the new graph")
            self._review(inc, self.now, thorough=True)

    def advance(self, now: float) -> None:
        """Move time to ``now``: fire opening holds and resolve lingers that are due."""
        now = max(now, self.now)
        while self._timers and self._timers[0][0] <= now:
            at, _, kind, number, version = heapq.heappop(self._timers)
            inc = self._incidents.get(number)
            if inc is None or (kind == "resolve" and inc.timer_version != version):
                continue
            self.now = max(self.now, at)
            if kind == "hold":
                self._announce(inc, at)
            elif kind == "review":
                inc.review_due = None
                if self._repartition(inc, at) is None:
                    self._review(inc, at, thorough=True)
            elif kind == "resolve":
                self._resolve(inc, at)
        self._unobserved_cache.clear()
        self.now = now

    def handle(self, event: Event, *, seq: int, event_id: str | None, now: float) -> Decision:
        """Take one normalized event at time ``now`` (call :meth:`advance` first)."""
        self.advance(now)
        # What probes seem blind is decided afresh for each event: several events of one
        # instant change the alerts it depends on, and an answer kept from an earlier
        # event would depend on which probes that event happened to ask about.
        self._suspect_at = float("nan")
        if isinstance(event, Notice):
            return self._on_notice(event)
        key = event.key
        state = self._alerts.get(key)
        if event.state is State.OK:
            return self._on_recovery(state, seq, event_id, now)
        if state is not None and state.active:
            return self._on_renotify(state, event, seq, event_id, now)
        try:
            return self._on_problem(state, event, seq, event_id, now)
        finally:
            self._unobserved_cache.clear()  # a per-decision cache: hold no memory after it

    def incidents(self) -> list[Incident]:
        """Every incident that was not merged into another, in opening order."""
        live = [i for i in self._incidents.values() if i.status is not Status.MERGED]
        live.sort(key=lambda i: (i.opened_at, i.number))
        return live

    def get(self, incident_id: str) -> Incident | None:
        """Look an incident up by its id (merged ones point to their survivor)."""
        try:
            number = int(incident_id.removeprefix("INC-"))
        except ValueError:
            return None
        return self._incidents.get(number)

    def drain_changes(self) -> list[Incident]:
        """Incidents changed since the last call, in number order."""
        changed = [self._changed[n] for n in sorted(self._changed)]
        self._changed.clear()
        return changed

    def active_alerts(self) -> int:
        """How many alerts are currently in a problem state."""
        return sum(1 for a in self._alerts.values() if a.active)

    def forget_resolved(self, older_than: float) -> list[Incident]:
        """Drop incidents resolved before ``older_than`` and their alerts (retention)."""
        gone = [
            i
            for i in self._incidents.values()
            if i.status is not Status.OPEN
            and (i.resolved_at or i.updated_at) < older_than
            and not any(a.active for a in i.alerts.values())
        ]
        for inc in gone:
            del self._incidents[inc.number]
            self._unregister(inc)
            for numbers in self._by_observer.values():
                numbers.discard(inc.number)
            if inc.unplaced_host is not None and self._unplaced.get(inc.unplaced_host) == (
                inc.number
            ):
                del self._unplaced[inc.unplaced_host]
            for key, state in inc.alerts.items():
                if self._alerts.get(key) is state and not state.active:
                    del self._alerts[key]
        return gone

    # -- operator commands -----------------------------------------------------------

    def merge(self, into_id: str, other_id: str, *, actor: str, now: float) -> Incident:
        """A person merges incident ``other_id`` into ``into_id``: ``into`` takes every alert
        of ``other`` (which is published as merged into it) and keeps its root (or takes
        ``other``'s when it had none). Both are pinned: the engine never splits them again.
        """
        actor = self._actor(actor)
        self.advance(now)
        at = self.now
        into = self._operable(into_id)
        other = self._operable(other_id)
        if into is other:
            raise OperatorError(f"cannot merge {into.id} into itself", 409)
        if into.root is None and other.root is not None:
            self._drop_unplaced(into)
            into.root, into.seeds = other.root, other.seeds
        if other.unplaced_host is not None and self._unplaced.get(other.unplaced_host) == (
            other.number
        ):
            self._unplaced[other.unplaced_host] = into.number  # its host's alerts follow
        quiet = [q for q in (into.quiet_since, other.quiet_since) if q is not None]
        other_root = other.root
        self._merge(other, into, at, note=False)
        if into.active > 0:
            into.quiet_since = None
        elif quiet and into.quiet_since != max(quiet):
            into.quiet_since = max(quiet)
            self._schedule(into, into.quiet_since + self.settings.resolve_linger_s, "resolve")
        if into.root is not None:
            self._rederive(into)
        self._register(into)
        self._record(into, ManualAction.MERGE, f"merged in {other.id} (root {other_root})", actor)
        self._record(other, ManualAction.MERGE, f"merged into {into.id}", actor)
        self._refresh(into)
        self._touch(other)
        return into

    def split(
        self, incident_id: str, alerts: Sequence[tuple[str, str]], *, actor: str, now: float
    ) -> Incident:
        """A person splits ``alerts`` ((source, source id) keys) out of an incident into a
        new one, rooted where the engine's own cost puts the root of those alerts. Both
        are pinned: the engine never merges them back. Returns the new incident."""
        actor = self._actor(actor)
        self.advance(now)
        at = self.now
        inc = self._operable(incident_id)
        keys = list(dict.fromkeys((str(source), str(sid)) for source, sid in alerts))
        if not keys:
            raise OperatorError("name at least one alert to split out")
        for key in keys:
            if key not in inc.alerts:
                raise OperatorError(f"no alert {key[0]} {key[1]!r} in {inc.id}", 404)
        if len(keys) == len(inc.alerts):
            raise OperatorError(f"every alert of {inc.id} is named: nothing would stay in it")
        chosen = set(keys)
        moved = sorted((inc.alerts[k] for k in keys), key=lambda a: (a.first_seen, a.key))
        kept = [a for a in inc.alerts.values() if a.key not in chosen]
        # Not the root they were split away from: the person said they are another problem.
        root = self._root_for(moved, at, exclude=inc.seeds)
        host = moved[0].host.lower()
        new = self._open(
            root,
            frozenset() if root is None else self._graph.single(root),
            at,
            inferred=False,
            unplaced_host=host if root is None else None,
        )
        if root is None and host not in self._unplaced:
            self._unplaced[host] = new.number
        self._rebuild(inc, kept, inc.root, inc.seeds, at)
        self._rebuild(new, moved, root, new.seeds, at)
        labels = ", ".join(self._label(a) for a in moved[:5])
        if len(moved) > 5:
            labels += f" and {len(moved) - 5} more"
        self._record(inc, ManualAction.SPLIT, f"split out {labels} to {new.id}", actor)
        self._record(new, ManualAction.SPLIT, f"split out of {inc.id} ({labels})", actor)
        if root is None:
            new.note(f"unplaced: host {moved[0].host} matches no topology node")
        else:
            why = " (inferred)" if new.inferred else ""
            new.note(f"root {root}{why} chosen for the {len(moved)} split-out alert(s)")
        if inc.announced:
            self._announce(new, at)  # its alerts were already announced in the original
        return new

    def reroot(self, incident_id: str, node: str, *, actor: str, now: float) -> Incident:
        """A person sets the root of an incident to a topology node (inferred when that
        node raised no alert); priority and team follow the new root. It stays pinned."""
        actor = self._actor(actor)
        self.advance(now)
        inc = self._operable(incident_id)
        if node not in self.topology.nodes:
            raise OperatorError(f"no node {node!r} in the topology", 404)
        self._drop_unplaced(inc)
        self._unregister(inc)
        inc.root = node
        inc.seeds = self._graph.single(node)
        self._rederive(inc)
        self._register(inc)
        self._record(inc, ManualAction.REROOT, f"re-rooted at {node}", actor)
        self._refresh(inc)
        return inc

    def set_operator_maintenance(self, nodes: frozenset[str], now: float) -> None:
        """The nodes in an operator's maintenance window (from the API), combined with the
        tools' downtime notices: their alerts and the incidents rooted there do not page."""
        self.advance(now)
        nodes = frozenset(nodes)
        if nodes == self._operator_maint:
            return
        before = {inc.number: inc.maintenance for inc in self._open_incidents()}
        self._operator_maint = nodes
        self._apply_maintenance()
        for inc in self._open_incidents():
            inc.root_in_maintenance = self._root_in_maintenance(inc)
            if inc.maintenance != before[inc.number]:
                inc.note(
                    "under an operator maintenance window"
                    if inc.maintenance
                    else "operator maintenance window ended"
                )
                self._touch(inc)

    def _operable(self, incident_id: str) -> Incident:
        inc = self.get(incident_id)
        if inc is None:
            raise OperatorError(f"no incident {incident_id}", 404)
        if inc.status is Status.MERGED:
            survivor = self._live(inc.number)
            where = f" into {survivor.id}" if survivor is not None else ""
            raise OperatorError(f"{inc.id} was merged{where}", 409)
        if inc.status is not Status.OPEN:
            raise OperatorError(f"{inc.id} is {inc.status.value}, not open", 409)
        return inc

    @staticmethod
    def _actor(actor: str) -> str:
        actor = actor.strip()
        if not actor:
            raise OperatorError("an operator command needs the name of who gives it")
        return actor

    def _record(self, inc: Incident, action: ManualAction, detail: str, actor: str) -> None:
        """Keep a person's decision on the incident (which pins it) and explain it."""
        inc.manual.append(ManualStep(self.now, actor, action, detail))
        inc.note(f"{detail} by {actor} (operator)")
        self._touch(inc)

    def _drop_unplaced(self, inc: Incident) -> None:
        host = inc.unplaced_host
        if host is None:
            return
        if self._unplaced.get(host) == inc.number:
            del self._unplaced[host]
        inc.unplaced_host = None

    def _root_for(
        self, alerts: Sequence[AlertState], now: float, *, exclude: Collection[str] = ()
    ) -> str | None:
        """The single node (not in ``exclude``) that best explains ``alerts`` at the engine's
        own cost (the search of a review), else their earliest alerting node; None if
        none of them is placed."""
        evidence: dict[str, Evidence] = {}
        onset: dict[str, float] = {}
        for st in alerts:
            n = st.node
            if n is None:
                continue
            known = evidence.get(n)
            if known is None or _EVIDENCE_RANK[st.evidence] > _EVIDENCE_RANK[known]:
                evidence[n] = st.evidence
            onset[n] = min(st.first_seen, onset.get(n, st.first_seen))
        if not evidence:
            return None
        graph = self._graph
        order = sorted(evidence, key=lambda n: (onset[n], n))
        tops = [
            n
            for n in order
            if not any(c in evidence and n in graph.closure(c) for c in graph.causes(n))
        ]
        candidates: list[str] = []
        for anchor in tops[:8]:
            for h in (anchor, *graph.causes(anchor)):
                if h not in candidates:
                    candidates.append(h)
        best: tuple[float, str] | None = None
        for h in candidates:
            predicted = self._closure_for(h, evidence, alerts)
            if h in exclude or any(n not in predicted for n in order):
                continue
            cand = _Candidate(h, graph.single(h), predicted, graph.monitored_predicted(h), 0)
            members = [n for n in order if n != h]
            degraded = [
                onset[n]
                for n in members
                if evidence[n] is Evidence.DEGRADED and self._degraded(n, evidence[n])
            ]
            onsets = [onset[n] for n in members]
            path_silent = self._path_silent(cand, members[:REVIEW_MAX_NODES], set(order))
            cost = self._cost(
                cand, len(members), degraded, 0, onsets, now, path_silent, (evidence, onset), order
            ).cost
            if best is None or cost < best[0] - 1e-9:
                best = (cost, h)
        return best[1] if best is not None else order[0]

    # -- events ----------------------------------------------------------------------

    def _on_notice(self, notice: Notice) -> Decision:
        state = self._alerts.get(notice.key)
        host = notice.host.lower()
        kind = notice.kind
        target = f"{notice.host}" + (f"!{notice.check}" if notice.check else "")
        if kind in (NoticeKind.DOWNTIME_START, NoticeKind.DOWNTIME_END):
            # Maintenance follows the topology node, whatever name each tool uses for it
            # (Nagios' short name, Zabbix's FQDN, PRTG's address).
            place = self.topology.place(notice.host, notice.check)
            node = place.node if notice.check is None or place.rule == "check" else None
            if kind is NoticeKind.DOWNTIME_START:
                if notice.check is None:
                    self._maint_hosts.add(host)
                else:
                    self._maint_keys.add(notice.key)
                if node is not None:
                    self._maint_nodes[node] = self._maint_nodes.get(node, 0) + 1
                verb = "started"
            else:
                self._maint_hosts.discard(host)
                self._maint_keys.discard(notice.key)
                if node is not None and node in self._maint_nodes:
                    self._maint_nodes[node] -= 1
                    if self._maint_nodes[node] <= 0:
                        del self._maint_nodes[node]
                verb = "ended"
            self._apply_maintenance()
            where = f" (node {node})" if node is not None else ""
            return Decision(
                Action.NOTICE, self._inc_id(state), f"downtime {verb} on {target}{where}"
            )
        if state is None:
            return Decision(Action.IGNORED, None, f"{kind.value} for an alert never seen open")
        if kind is NoticeKind.ACKNOWLEDGEMENT:
            state.acked = True
        elif kind is NoticeKind.ACKNOWLEDGEMENT_CLEARED:
            state.acked = False
        elif kind is NoticeKind.FLAPPING_START:
            state.flapping = True
        elif kind is NoticeKind.FLAPPING_STOP:
            state.flapping = False
        inc = self._live(state.incident)
        if inc is not None:
            self._touch(inc)
        return Decision(Action.NOTICE, self._inc_id(state), f"{kind.value} on {target}")

    def _on_recovery(
        self, state: AlertState | None, seq: int, event_id: str | None, now: float
    ) -> Decision:
        if state is None or not state.active:
            return Decision(
                Action.IGNORED,
                self._inc_id(state),
                "recovery of an alert that is not open (duplicate or never seen)",
            )
        state.active = False
        state.resolved_at = now
        self._note_change(state, now)
        self._node_inactive(state)
        inc = self._live(state.incident)
        if inc is None:
            return Decision(Action.IGNORED, None, "recovery of an alert without incident")
        inc.active -= 1
        inc.last_activity = now
        self._add_event(inc, seq, event_id, state)
        reason = f"{self._label(state)} recovered"
        if inc.active <= 0:
            inc.active = 0
            inc.quiet_since = now
            self._schedule(inc, now + self.settings.resolve_linger_s, "resolve")
            reason += f"; every alert clear, resolves after {self.settings.resolve_linger_s:.0f}s"
            joined = self._recovered_together(inc, now)
            if joined is not None:
                inc = joined
                reason += f"; cleared together with {inc.id}'s alerts: one failure of {inc.root}"
        self._touch(inc)
        return Decision(Action.RECOVERED, inc.id, reason)

    def _recovered_together(self, inc: Incident, now: float) -> Incident | None:
        """``inc`` has just cleared: if another incident cleared within two detection
        delays of it, both were failing at the same time, and the nearest node below both
        roots that explains them all was seen failing or is unmonitored, with every
        monitored node it takes down having alerted, they were one failure seen apart (a
        slow tool's symptom came too late to join): merged under that node. Independent
        faults rarely fail and clear together (and one root alerting below the other
        would have taken it in already)."""
        if inc.root is None or inc.pinned:
            return None
        window = self._tail
        graph = self._graph
        first = inc.min_onset
        for other in self._open_incidents():
            if (
                other is inc
                or other.root is None
                or other.pinned
                or other.active > 0
                or other.quiet_since is None
                or now - other.quiet_since > window
                or first > other.quiet_since  # never failing at the same time
            ):
                continue
            nodes = set(inc.node_evidence) | set(other.node_evidence)
            below_other = set(graph.causes(other.root))
            for c in graph.causes(inc.root):
                if c not in below_other:
                    continue
                closure = graph.closure(c)
                if not nodes <= closure:
                    continue
                if c in graph.monitored and c not in nodes:
                    break  # watched, and it said nothing: it did not fail
                alerting = sum(1 for n in nodes if n != c and n in graph.monitored)
                if alerting < 2 or alerting < graph.monitored_predicted(c):
                    break  # the nearest common cause predicts more than failed
                keep, gone = (inc, other) if inc.number < other.number else (other, inc)
                self._merge(gone, keep, now)
                self._rebuild(keep, list(keep.alerts.values()), c, graph.single(c), now)
                keep.note(f"cleared together with {gone.id}: one failure of {c}")
                keep.quiet_since = now  # the linger counts from the last recovery
                self._schedule(keep, now + self.settings.resolve_linger_s, "resolve")
                return keep
        return None

    def _on_renotify(
        self, state: AlertState, alert: Alert, seq: int, event_id: str | None, now: float
    ) -> Decision:
        inc = self._live(state.incident)
        if alert.severity.rank > state.severity.rank:
            state.severity = alert.severity
            if inc is not None and alert.severity.rank > inc.worst.rank:
                inc.worst = alert.severity
        evidence = classify(alert)
        if _EVIDENCE_RANK[evidence] > _EVIDENCE_RANK[state.evidence]:
            state.evidence = evidence
        if not alert.soft:
            state.soft = False  # confirmed: the check turned HARD
        if inc is None:  # pragma: no cover - an active alert always has an incident
            return self._on_problem(state, alert, seq, event_id, now)
        inc.last_activity = now
        if state.node is not None:
            self._add_node(inc, state.node, state.onset, state.evidence, observed_only=False)
        self._add_event(inc, seq, event_id, state)
        self._refresh(inc)
        return Decision(Action.FOLDED, inc.id, f"re-notification of {self._label(state)}")

    def _on_problem(
        self,
        state: AlertState | None,
        alert: Alert,
        seq: int,
        event_id: str | None,
        now: float,
    ) -> Decision:
        if state is None:
            observer_node = self._place_observer(alert.observer)
            place = self.topology.place(alert.host, alert.check, alert.address)
            key = alert.key
            check = alert.check
            evidence = classify(alert)
            state = AlertState(
                key=key,
                source=alert.source,
                # Host and check names repeat across alerts: one copy of each.
                host=self._name(alert.host),
                check=None if check is None else self._name(check),
                node=place.node,
                observer_node=observer_node,
                evidence=evidence,
                severity=alert.severity,
                first_seen=now,
                onset=now - self._lead(check, evidence),
                soft=alert.soft,
            )
            self._alerts[key] = state
            self._note_change(state, now)
        else:
            previous = self._live(state.incident)
            if previous is None or not self._can_rejoin(previous, state, now):
                state = self._new_episode(state, now)
            state.active = True
            state.resolved_at = None
            state.evidence = classify(alert)
            state.onset = now - self._lead(alert.check, state.evidence)
            state.severity = alert.severity
            state.soft = alert.soft
            self._note_change(state, now)
        state.maintenance = self._in_maintenance(state)
        if state.evidence is Evidence.DEGRADED and sync_warning(state.check):
            state.onset = min(state.onset, self._drift_began(state.node, now))
        self._node_active_add(state)

        # A check coming back inside its incident's life (flapping, or a short recovery):
        # it rejoins that incident, reopening it if it had resolved recently.
        previous = self._live(state.incident)
        if previous is not None and self._can_rejoin(previous, state, now):
            return self._rejoin(previous, state, seq, event_id, now)
        state.incident = None

        if state.node is None:
            return self._place_unplaced(state, seq, event_id, now)
        sibling = self._same_node_incident(state)
        if sibling is not None:
            # Another check of the same node is already failing in an open incident and
            # this one says nothing stronger: same node, same fault.
            self._add_alert(sibling, state, seq, event_id, now)
            self._refresh(sibling)
            return Decision(
                Action.JOINED,
                sibling.id,
                f"{self._label(state)}: node {state.node} already failing in {sibling.id}",
            )
        option = self._best_option(state, now)
        return self._apply(option, state, seq, event_id, now)

    def _new_episode(self, old: AlertState, now: float) -> AlertState:
        """The alert failing again outside the incident that holds its earlier episode: a
        new episode with its own record (first seen now, no events, not acknowledged), so
        onset order counts from this failure and the earlier incident keeps its own."""
        state = AlertState(
            key=old.key,
            source=old.source,
            host=old.host,
            check=old.check,
            node=old.node,
            observer_node=old.observer_node,
            evidence=old.evidence,
            severity=old.severity,
            first_seen=now,
            onset=now - self._lead(old.check, old.evidence),
            changes=old.changes,
            flapping=old.flapping,
        )
        self._alerts[old.key] = state
        return state

    def _drift_began(self, node: str | None, now: float) -> float:
        """When a clock warning on ``node`` began to build up: a clock drifts from the
        moment its time source lost its reference (every member of a redundant pair of
        them, each with a time-synchronisation warning of its own: a GNSS receiver
        unlocked, a grandmaster in holdover or itself drifting), and its offset crosses the
        threshold only minutes later.
        ``now`` when no time source it uses directly says so, or said so longer ago than a
        degradation spreads."""
        if node is None:
            return now
        spec = self.topology.nodes.get(node)
        if spec is None:
            return now
        horizon = now - self.weights.gray_horizon_s
        began = now
        for dep in spec.depends_on:
            lost = -_NEVER
            for member in dep.any_of:
                since = min(
                    (
                        a.onset
                        for a in self._node_active.get(member, ())
                        if a.evidence is Evidence.DEGRADED and sync_warning(a.check)
                    ),
                    default=_NEVER,
                )
                lost = max(lost, since)
            if horizon <= lost < began:
                began = lost
        return began

    def _lead(self, check: str | None, evidence: Evidence) -> float:
        """How long before its alert a warning's condition began: a check that says it
        waits long ("Inventory sync from ERP delayed (over 30m)") reports a degradation
        that long after it began. (A few minutes' wait is within what the tools' detection
        delays already allow for; and a check that gets no answer, "no data for 10m", is
        timed by the observer rules, which know how probes report.)"""
        if evidence is not Evidence.DEGRADED:
            return 0.0
        window = stated_window(check)
        return window if window > self._tail else 0.0

    # -- choosing ----------------------------------------------------------------------

    def _same_node_incident(self, state: AlertState) -> Incident | None:
        node = state.node
        assert node is not None
        for other in self._node_active.get(node, ()):
            if other is state:
                continue
            inc = self._live(other.incident)
            if inc is None or inc.status is not Status.OPEN:
                continue
            known = inc.node_evidence.get(node)
            if known is not None and _EVIDENCE_RANK[state.evidence] <= _EVIDENCE_RANK[known]:
                return inc
        return None

    def _candidates(self, state: AlertState) -> list[_Candidate]:
        graph = self._graph
        node = state.node
        assert node is not None
        found: list[_Candidate] = []
        seen: set[frozenset[str]] = set()
        base = (node, *graph.causes(node))
        observer = state.observer_node
        via_observer: tuple[str, ...] = ()
        if (
            observer is not None
            and not threshold_warning(state.severity, state.check)
            and self._observer_evidence(observer)
        ):
            # A probe that lost its path gets no answer: its checks time out or return no
            # data, they do not cross a performance threshold. Such a warning is a host it
            # reached.
            via_observer = (observer, *graph.causes(observer))
        order = 0
        for h in itertools.chain(base, via_observer):
            seeds = self._graph.single(h)
            if seeds in seen:
                continue
            seen.add(seeds)
            predicted = self._closure_for(h)
            observed = bool(via_observer) and observer in predicted
            if node in predicted or observed:
                found.append(_Candidate(h, seeds, predicted, graph.monitored_predicted(h), order))
                order += 1
        # Redundancy groups lost as a whole: every member down (this alert included),
        # below the alert's node or below the probe that observed it.
        for c in itertools.chain(base, via_observer):
            for group in graph.groups_of(c):
                if group in seen:
                    continue
                seen.add(group)  # lost or not: the same answer for a pair met twice
                if not self._group_possibly_lost(group):
                    continue
                predicted = graph.group_closure(group)
                if node not in predicted and not (via_observer and observer in predicted):
                    continue
                found.append(self._joint_candidate(group, predicted, order))
                order += 1
        # Two failures together (a ring cut in two places): two roots of open incidents
        # below the alert's node whose joint loss takes it down though neither alone does.
        for pair in self._failed_pairs(node):
            if pair in seen:
                continue
            seen.add(pair)
            found.append(self._joint_candidate(pair, graph.group_closure(pair), order))
            order += 1
        return found

    def _joint_candidate(
        self, seeds: frozenset[str], predicted: frozenset[str], order: int
    ) -> _Candidate:
        """The hypothesis that ``seeds`` failed together, rooted at the one that failed
        first (a redundancy group lost as a whole, or two cuts of a ring) in its own right:
        a standby whose replication broke a few seconds before its primary's host check
        went down reports its primary's failure, not one of its own."""
        root = self._joint_root(seeds, self._node_onset)
        return _Candidate(root, seeds, predicted, self._graph.monitored_group(seeds), order)

    def _joint_root(self, seeds: Iterable[str], onset_of: Callable[[str], float]) -> str:
        """The root of a joint hypothesis: the seed down in its own right that failed
        first (by ``onset_of``), else the first to fail."""
        return min(seeds, key=lambda m: (not self._node_down(m, own=True), onset_of(m), m))

    def _failed_pairs(self, node: str) -> list[frozenset[str]]:
        """Pairs of failing nodes below ``node`` (roots of its open incidents, each seen
        failing) whose loss together takes ``node`` down while neither alone does: the
        two cuts that isolate a stretch of a ring."""
        graph = self._graph
        if not graph.sole_groups(node):
            return []  # no redundancy below it: one failure takes it down or none does
        by_root = self._by_root
        failed = [
            c
            for c in graph.causes(node)
            if by_root.get(c) and node not in graph.closure(c) and self._node_down(c)
        ]
        if len(failed) < 2:
            return []
        return [
            frozenset((a, b))
            for i, a in enumerate(failed[:PAIR_MAX_ROOTS])
            for b in failed[i + 1 : PAIR_MAX_ROOTS]
            if node in graph.group_closure(frozenset((a, b)))
        ]

    def _absorbable(self, cand: _Candidate, state: AlertState, now: float) -> Iterator[Incident]:
        numbers: set[int] = set()
        by_root, by_cause = self._by_root, self._by_cause
        for seed in cand.seeds:
            if seed in by_root:
                numbers |= by_root[seed]
            if seed in by_cause:
                numbers |= by_cause[seed]
        observer = state.observer_node
        if observer is not None and observer in self._by_observer:
            if observer in cand.predicted:
                numbers |= self._by_observer[observer]
            else:
                # An incident blaming this alert's observer (or its path) for what it
                # reports: a cause below the hosts may explain them better (a storage
                # array whose hosts one tool saw going down first).
                seen_by = self._by_observer[observer]
                for c in (observer, *self._graph.causes(observer)):
                    if c in by_root:
                        numbers |= by_root[c] & seen_by
        for number in self._observer_rooted:
            # Hosts blamed on their observer losing its path: a cause below them that
            # explains them through the graph may be the better story (a leaf pair lost,
            # its rack's hosts all seen down by the one central server).
            # (A view's isdisjoint walks the smaller of the two.)
            if not self._incidents[number].node_evidence.keys().isdisjoint(cand.predicted):
                numbers.add(number)
        window = self.settings.window_s
        for number in sorted(numbers):
            inc = self._incidents.get(number)
            if inc is None or inc.root is None or inc.status is Status.MERGED:
                continue
            if inc.status is Status.RESOLVED:
                if inc.root != cand.root or now - (inc.resolved_at or now) > self.settings.reopen_s:
                    continue
            elif (inc.active <= 0 and now - inc.last_activity > window) or self._outlived(
                inc, state, now
            ):
                continue
            if inc.pinned and (inc.root != cand.root or inc.seeds != cand.seeds):
                continue  # a person's root stands: joined under it, never re-rooted
            if inc.maintenance and not self._planned(cand.root):
                continue  # planned work, explained by itself (see _best_option)
            # A lost redundancy group is explained only with all its members.
            if (
                (inc.root in cand.predicted and len(inc.seeds) <= 1)
                or inc.seeds <= cand.predicted
                or self._explains_all(cand, inc)
            ):
                yield inc

    @staticmethod
    def _one_pinned(incidents: list[Incident]) -> list[Incident]:
        """At most one incident a person decided about (the oldest): two such incidents
        are never merged by the engine (a split stays split)."""
        pinned = [i for i in incidents if i.pinned]
        if len(pinned) <= 1:
            return incidents
        return [i for i in incidents if not i.pinned or i is pinned[0]]

    def _explains_all(self, cand: _Candidate, inc: Incident) -> bool:
        """Whether ``cand`` explains every alert of ``inc``: through the graph, or through
        an observer it takes down, but only one with evidence that it lost its path, and
        only what it said once it may have been blind (a probe nothing contradicts does
        not explain every alert it sends, nor a blinded one what it said before)."""
        predicted = cand.predicted
        for a in inc.alerts.values():
            if a.node in predicted:
                continue
            probe = a.observer_node
            if (
                probe is not None
                and probe in predicted
                and not threshold_warning(a.severity, a.check)  # a host it reached
                and self._discounted(a)
            ):
                continue
            return False
        return True

    def _best_option(self, state: AlertState, now: float) -> _Option:
        best: _Option | None = None
        options: list[_Option] = []
        self._cost_cache.clear()
        for cand in self._candidates(state):
            absorbable = self._one_pinned(list(self._absorbable(cand, state, now)))
            root_onset = self._node_onset(cand.root)
            if root_onset != _NEVER:
                tolerance = self._tolerance(cand.root)
                timely = [i for i in absorbable if i.min_onset >= root_onset - tolerance]
                choices = [timely] if len(timely) == len(absorbable) else [timely, absorbable]
            else:
                # No onset of its own to judge by: the incidents of the current wave alone
                # are an option too (an old warning lingering under it need not come along).
                recent = [i for i in absorbable if i.min_onset >= now - self._tail]
                choices = [absorbable] if len(recent) == len(absorbable) else [recent, absorbable]
            same = [i for i in absorbable if i.root == cand.root and i.status is Status.OPEN]
            for absorbed in choices:
                if (
                    same
                    and len(absorbed) < len(absorbable)
                    and any(i not in absorbed for i in same)
                ):
                    # A node does not fail twice at once: an open incident already rooted
                    # there is part of any hypothesis that it failed.
                    continue
                option = self._price(cand, absorbed, state, now)
                options.append(option)
                if best is None or (option.delta, cand.order) < (
                    best.delta - 1e-9,
                    best.candidate.order,
                ):
                    best = option
        if best is not None:
            best = keep_incumbent_root(best, options, self.weights.reroot_margin)
        passed: str | None = None
        if (
            best is not None
            and state.maintenance
            and best.absorbed
            and not self._planned(best.candidate.root)
        ):
            # Planned work explains an alert on a node under maintenance: it joins only
            # a hypothesis under maintenance too (its incident pages nobody), never as a
            # symptom of another failure that would page for it.
            passed = best.candidate.root
            planned = [o for o in options if not o.absorbed or self._planned(o.candidate.root)]
            best = min(planned, key=lambda o: (o.delta, o.candidate.order), default=None)
        if best is None:  # the alert's own node is always a candidate
            node = state.node
            assert node is not None
            cand = _Candidate(
                node,
                self._graph.single(node),
                self._closure_for(node),
                self._graph.monitored_predicted(node),
                0,
            )
            best = self._price(cand, [], state, now)
        if passed is not None:
            best = replace(best, note=f"under maintenance: not a symptom of {passed}")
        return best

    def _planned(self, node: str) -> bool:
        """Whether ``node`` is under maintenance (a downtime notice, an operator's window,
        or its own alerts marked so)."""
        return self._node_in_maintenance(node) or any(
            a.maintenance for a in self._node_active.get(node, ())
        )

    def _price(
        self, cand: _Candidate, absorbed: list[Incident], state: AlertState, now: float
    ) -> _Option:
        node = state.node
        assert node is not None
        predicted = cand.predicted
        best: dict[str, Evidence]
        onset: dict[str, float]
        observed_only: set[str] = set()
        recorded: Mapping[str, Evidence]
        recorded_onset: Mapping[str, float]
        if len(absorbed) <= 1:
            # The common cases (a new incident, or joining one): that incident's own
            # per-node facts, copied at C speed rather than merged node by node.
            if absorbed:
                only = absorbed[0]
                best = only.node_evidence.copy()
                onset = only.node_onset.copy()
                if only.observed_only:
                    observed_only = {n for n in only.observed_only if n not in predicted}
                recorded, recorded_onset = only.node_evidence, only.node_onset
            else:
                best, onset, recorded, recorded_onset = {}, {}, {}, {}
        else:
            best, onset = {}, {}
            merged: dict[str, Evidence] = {}
            merged_onset: dict[str, float] = {}
            for inc in absorbed:
                for n, ev in inc.node_evidence.items():
                    known = best.get(n)
                    if known is None or _EVIDENCE_RANK[ev] > _EVIDENCE_RANK[known]:
                        best[n] = ev
                    at = inc.node_onset[n]
                    onset[n] = min(at, onset.get(n, at))
                observed_only |= {n for n in inc.observed_only if n not in predicted}
                merged.update(inc.node_evidence)
                merged_onset.update(inc.node_onset)
            recorded, recorded_onset = merged, merged_onset
        known = best.get(node)
        if known is None or _EVIDENCE_RANK[state.evidence] > _EVIDENCE_RANK[known]:
            best[node] = state.evidence
        onset[node] = min(state.onset, onset.get(node, state.onset))
        if node not in predicted:
            observed_only.add(node)
        nodes = best  # the alerting nodes (only membership and size are used)
        seeds = cand.seeds
        # The symptoms' onsets (the root's own is judged apart, as ``_incident_cost`` does).
        onsets = [at for n, at in onset.items() if n not in seeds]
        seeds_in = [s for s in seeds if s in nodes]
        # Degraded costs count only where the topology predicts a failure (for an
        # observer's path, Unknown results are exactly what is predicted), never for the
        # root itself, and by each node's best evidence (a warning, then a hard alert on
        # the same node, is a node that is down).
        # (A node only a blinded probe reports is unobserved, not degraded: ``_degraded``,
        # inlined here over the per-decision cache, as this runs for every candidate.)
        self._seen_only_by_suspect(node)  # starts the cache afresh at a new instant
        unobserved = self._unobserved_cache
        seen_only = self._seen_only_by_suspect
        degraded_ev = Evidence.DEGRADED
        degraded = [
            onset[n]
            for n, ev in best.items()
            if ev is degraded_ev
            and n in predicted
            and n not in seeds
            and not (unobserved[n] if n in unobserved else seen_only(n))
        ]
        covered = len(nodes) - len(seeds_in)
        sources = [node, *(inc.root for inc in absorbed if inc.root is not None)]
        path_silent = self._path_silent(cand, sources, nodes)
        new = self._cost(
            cand,
            covered,
            degraded,
            len(observed_only),
            onsets,
            now,
            path_silent,
            (recorded, recorded_onset),
            nodes,
            (observed_only, best, onset),
        )
        old = 0.0
        for inc in absorbed:
            cached = self._cost_cache.get(inc.number)
            if cached is None:
                cached = self._incident_cost(inc, now).cost
                self._cost_cache[inc.number] = cached
            old += cached
        return _Option(cand, absorbed, new, old, new.cost - old)

    def _cost(
        self,
        cand: _Candidate,
        covered: int,
        degraded: Sequence[float],
        observed_only: int,
        onsets: list[float],
        now: float,
        path_silent: tuple[int, int] = (0, 0),
        history: tuple[Mapping[str, Evidence], Mapping[str, float]] | None = None,
        alerting: Collection[str] = (),
        observed: _Observed | None = None,
    ) -> Score:
        """Cost of ``cand`` explaining ``covered`` nodes; ``history`` holds what the
        incidents involved recorded per node (a root whose alert already recovered is still
        a root that alerted); ``observed``: the ``observed_only`` nodes (explained by their
        observer's path, not by the topology) with each node's evidence and onset."""
        root = cand.root
        evidence = self._root_evidence(cand.seeds)
        monitored = not self._graph.monitored.isdisjoint(cand.seeds)
        root_onset = self._node_onset(root)
        if history is not None:
            recorded, recorded_onset = history
            for seed in cand.seeds:
                ev = recorded.get(seed)
                if ev is not None and (
                    evidence is None or _EVIDENCE_RANK[ev] > _EVIDENCE_RANK[evidence]
                ):
                    evidence = ev
            root_onset = min(root_onset, recorded_onset.get(root, root_onset))
        if evidence is not None and all(self._seen_only_by_suspect(s) for s in cand.seeds):
            # Only a probe that itself seems to have lost its path says this node failed:
            # that says nothing about the node (specs/topology-format.md, observers). The
            # node is then as unobserved as one nobody monitors (it may still be the root,
            # e.g. the switch that blinded the probe); a probe's word about itself is
            # worth nothing at all.
            if any(s in self._observer_nodes for s in cand.seeds):
                evidence = Evidence.SYMPTOM
            else:
                evidence = None
                monitored = False
        elif evidence is Evidence.DOWN and self._root_evidence(cand.seeds) is Evidence.DOWN:
            # Some of its alerts still count: only those say what the node did (a warning
            # a working probe saw is not made an outage by a blinded probe's "down").
            evidence = self._trusted_evidence(cand.seeds)
        inferred_root = root_onset == _NEVER
        onsets.sort()
        first = onsets[0] if onsets else (now if inferred_root else root_onset)
        start = first if inferred_root else min(root_onset, first)
        # A hypothesis has a horizon: an outage inferred from its symptoms makes them alert
        # within one detection delay of each other; a gray failure spreads for a while.
        anchor = start if inferred_root else root_onset
        lost_at = start
        if len(cand.seeds) > 1:
            # A redundancy group fails as a whole when its last member goes: what it
            # takes down only starts failing then, and its tools need their delay from
            # there (a leaf lost nine minutes before its twin predicts nothing until then).
            recorded_at = history[1] if history is not None else {}
            for seed in cand.seeds:
                at = min(self._node_onset(seed), recorded_at.get(seed, _NEVER))
                if at != _NEVER and at > lost_at:
                    lost_at = at
        limit = -_NEVER if inferred_root else root_onset - self._tolerance(root)
        down_horizon = anchor + self._settle
        gray_horizon = anchor + self.weights.gray_horizon_s
        wave_end = down_horizon
        unwatched = inferred_root and not monitored and not observed_only
        if unwatched:
            # Known only through its symptoms, which each tool reports at its own pace (a
            # monitored root's silence, on the other hand, weighs more the longer they come;
            # what a probe reports of its own path is timed by the probe, not the tools).
            wave_end = self._wave_end(onsets, degraded, down_horizon, gray_horizon)
        # Counted by bisection on the sorted onsets (the callers hand over lists of their
        # own): this runs for every candidate of every alert.
        early = bisect_left(onsets, limit)
        # A degradation is seen on its own node when a threshold has been crossed for a
        # while, often after the dependents it slows down already failed: under a gray
        # root, symptoms count as early only beyond one more detection delay.
        gray_early = bisect_left(onsets, limit - self._settle)
        # Symptoms far older than their supposed cause argue against it, unless the cause
        # failed hard: a host check can go HARD long after its dependents (a Nagios host
        # retried ten times), while a degradation shows on its own node first.
        if evidence is Evidence.DEGRADED:
            # (A degradation's own threshold may cross a detection delay after what it
            # slows, as ``gray_early`` allows: staleness counts from there.)
            stale = bisect_left(onsets, limit - self._settle - self._tail)
        elif evidence is not Evidence.DOWN:
            stale = bisect_left(onsets, limit - self._tail)
        else:
            stale = 0
            lost_long_after = lost_at - self.weights.gray_horizon_s
            if lost_long_after > limit:
                # A group lost as a whole when its last member went, long after the first:
                # a warning that began long before that (hours before the second core
                # went) is not its symptom, however hard it fell. (Hard symptoms are not
                # judged so: the last member's own alert may come late, a missed check.)
                for at in degraded:
                    if at < lost_long_after:
                        stale += 1
                        early += at >= limit
        if early > EARLY_DIRECT_MAX and evidence is Evidence.DOWN and observed is not None:
            # A node seen failing hard whose own alert came late (a kubelet's NotReady
            # after fifteen minutes): what depends on it directly all failing before it
            # says one thing, that its alert was slow, not one surprise per dependent.
            seen_onset = observed[2]
            fed = self.topology.dependents.get(root, ())
            direct = sum(1 for d in fed if seen_onset.get(d, limit) < limit)
            early -= max(0, direct - EARLY_DIRECT_MAX)
        late_down = len(onsets) - bisect_right(onsets, wave_end)
        late_gray = len(onsets) - bisect_right(onsets, gray_horizon)
        # Warnings that start with the outage are its symptoms; later ones are the day's
        # noise, unless they come in its wave (below).
        degraded_after = sum(1 for at in degraded if at > down_horizon)
        # A time source that lost its reference is seen on each receiver at that tool's
        # polling pace (trend items polled every few minutes, triggers that wait for a
        # few more): when all the hypothesis explains is time synchronisation, its wave
        # carries on over ``SYNC_WAVE_DELAYS`` detection delays. (Asked only when a wave
        # is measured: this runs for every candidate of every alert.)
        step = None
        in_wave = unwatched or (degraded_after and observed is not None)
        if in_wave and self._sync_only(cand.seeds, alerting):
            step = self._settle * SYNC_WAVE_DELAYS
        if inferred_root and not monitored and (unwatched or observed is not None):
            # A degradation nobody watches is known only by its symptoms: they come in one
            # wave, each within a detection delay of the one before (a warning now and
            # another half an hour later are the day's noise, not a gray failure spreading).
            # What only a blinded probe reports is timed by the probe, not the tools: the
            # wave is that of what the topology explains.
            timed, among = onsets, alerting
            if observed is not None and not unwatched:
                seen = observed[0]
                among = [n for n in alerting if n not in seen]
                timed = sorted(observed[2][n] for n in among if n not in cand.seeds)
            gray_wave = self._wave_end(timed, (), down_horizon, gray_horizon, step=step)
            late_gray = len(timed) - bisect_right(timed, gray_wave)
            if observed is not None:
                # What fails above an alerting node that failed in the wave is that node's
                # symptom, timed from it as under a root seen failing (a fibre duct cut:
                # both routers of the pair it carries go down at once, the subscribers
                # behind them are reported minutes later).
                if unwatched and late_down:
                    late_down -= self._late_behind_wave(cand, alerting, observed[2], wave_end)
                if late_gray:
                    late_gray -= self._late_behind_wave(
                        cand, among, observed[2], gray_wave, gray_horizon
                    )
        elif evidence is Evidence.DEGRADED and degraded and observed is not None:
            # A degradation seen on its node spreads for a while to what it slows (latency,
            # errors, queues, failures); a warning about a node's own state (its disk, its
            # certificate, its memory) is its symptom only within the wave of the others.
            late_gray += self._local_after_wave(cand, observed, onsets, anchor, gray_horizon)
        blind_since = self._suspect_probe_since(cand.predicted) if observed_only else _NEVER
        observer_suspect = blind_since != _NEVER
        before_blind = 0  # nodes the probe reported long before it seemed blind
        unexplained = 0.0  # and what they cost
        if observer_suspect and observed is not None:
            # A blinded probe reports each of its checks Unknown at that check's next
            # scan, for as long as it stays blind: such results arriving late are what
            # its blindness predicts, not the day's noise (a host reported down is not).
            nodes_seen, seen_evidence, seen_onset = observed
            # What it reported long before it seemed blind (beyond the horizon of a
            # degradation: a "no data for 10 minutes" is dated back, a tool notices late),
            # it saw: its path explains none of that, which costs what the node costs as a
            # fault of its own and one more coincidence (a disk warning in the morning and
            # the probe cut off in the afternoon are two things).
            clear_until = blind_since - self.weights.gray_horizon_s
            for n in nodes_seen:
                at = seen_onset[n]
                if at < clear_until and not any(
                    a.onset >= clear_until for a in self._node_active.get(n, ())
                ):
                    before_blind += 1
                    unexplained += self._alone_cost(seen_evidence[n]) + self.weights.early_symptom
                    continue
                if at > down_horizon and self._unanswered(n, seen_evidence[n]):
                    late_down -= 1
                    late_gray -= at > gray_horizon
        degraded_late = degraded_after
        if degraded_after and observed is not None:
            # What a failure degrades builds up (air pressure falls, then grippers lose
            # their vacuum one robot after another): warnings on what uses it directly
            # that keep coming within a detection delay of each other are still the
            # outage's wave, up to the horizon of a degradation.
            degraded_late -= self._in_direct_wave(
                cand,
                alerting,
                observed,
                down_horizon,
                gray_horizon,
                step,
                down=evidence is Evidence.DOWN,
            )
            if degraded_late > 0 and evidence is not Evidence.DEGRADED:
                # An outage reaches what it degrades hop by hop (a storage array fails,
                # its hypervisors go down, then their guests' disks and loads complain):
                # a warning that began within a detection delay of the failure of the
                # alerting node it depends on is still the outage's, however long after
                # the root that was.
                degraded_late -= self._degraded_by_hop(cand, observed, down_horizon)
                degraded_late = max(0, degraded_late)
        hard_late = max(0, len(onsets) - bisect_right(onsets, down_horizon) - degraded_after)
        # A path seen losing its quality (a radio's signal fading, errors on a link) drops
        # what lies only behind it now and then before it drops it for good: those going
        # down, within the horizon of a degradation, are its expected effect.
        carrier = evidence is Evidence.DEGRADED and self._seeds_warn(
            cand.seeds, path_quality_warning
        )
        if carrier:
            hard_late = 0
        elif hard_late and evidence is Evidence.DEGRADED and observed is not None:
            # A degradation spreads hop by hop (storage latency, then a datastore, then
            # its guests): a hard symptom that began with the failure of the alerting
            # node it depends on is timely, however long after the root that was.
            hard_late -= self._timely_by_hop(observed[1], observed[2], down_horizon)
            hard_late = max(0, hard_late)
        elapsed = max(0.0, now - lost_at)
        ripeness = min(1.0, elapsed / self._settle) if self._settle > 0 else 1.0
        topo_covered = max(0, covered - observed_only)
        silent = max(0, cand.monitored - topo_covered)
        if silent and alerting:
            silent = max(0, silent - self._watched_by_cut_probe(cand, alerting))
        predicted = covered + silent * ripeness
        through = self._graph.direct_alerting(cand.seeds, alerting) if alerting else []
        dominated = 0.0
        # Occam: an unobserved root whose alerts all come through one alerting direct
        # dependent explains nothing that dependent does not; it only adds a failure.
        if evidence is None and len(through) == 1:
            closure = self._graph.closure(through[0])
            if all(n in closure for n in alerting if n not in cand.seeds):
                dominated = self.weights.dominated
        # Likewise an unobserved root whose every alert comes from one probe that seems
        # blind and that its failure would blind, and that predicts more monitored
        # failures than that probe's own: the probe's loss of its path explains all of
        # it, predicting no more failures (a link that only the probe uses is as good).
        if evidence is None and not dominated and alerting:
            probe = self._sole_blind_observer(alerting, cand.seeds)
            if (
                probe is not None
                and probe in cand.predicted
                and probe not in cand.seeds
                and self._graph.monitored_in(cand.predicted, cand.seeds | {probe}) > 0
            ):
                dominated = self.weights.dominated
        # The first layer that can show a degradation: what depends on the root directly
        # or through unmonitored nodes only (a logical database over two instances).
        layer = self._graph.direct_layer(cand.seeds)
        if layer is None:  # nothing looked through: the direct dependents themselves
            direct_covered = len(through)
            direct_predicted = self._graph.direct_monitored(cand.seeds)
        else:
            monitored_layer = layer[0]
            if len(alerting) < len(monitored_layer):
                direct_covered = sum(1 for n in alerting if n in monitored_layer)
            else:
                direct_covered = sum(1 for n in monitored_layer if n in alerting)
            direct_predicted = len(monitored_layer)
        if evidence is None and not monitored and direct_covered > 1 and observed is not None:
            # A root nobody watches, whose direct dependents all failed hard but not
            # together (minutes apart: a pair lost one router after the other), did not
            # degrade them one by one: that is an outage or nothing (a fibre duct cut takes
            # both routers on it down at once).
            _seen, ev_of, onset_of = observed
            hit = through if layer is None else [n for n in alerting if n in layer[0]]
            if not any(ev_of.get(n) is Evidence.DEGRADED for n in hit):
                times = [onset_of[n] for n in hit if n in onset_of]
                if times and max(times) - min(times) > TOGETHER_S:
                    direct_covered = 0
        result = score(
            evidence=evidence,
            monitored=monitored,
            covered=covered,
            covered_degraded=len(degraded),
            covered_degraded_late=degraded_late,
            predicted=predicted,
            early=early,
            stale=stale,
            observed_only=observed_only - before_blind,
            observer_suspect=observer_suspect,
            path_silent=path_silent[0],
            gray_path_silent=path_silent[1],
            ripeness=ripeness,
            direct_covered=direct_covered,
            direct_predicted=direct_predicted,
            late_down=late_down,
            late_gray=late_gray,
            gray_early=gray_early,
            hard_late=hard_late,
            carrier=carrier,
            spreading=(
                (evidence in _SPREADS_FROM or (evidence is None and not monitored))
                and 0 < len(degraded) == covered
                and self._spreads(cand.seeds, alerting, own=evidence is Evidence.DEGRADED)
            ),
            weights=self.weights,
        )
        # A redundancy group lost as a whole: each member beyond the first failing too
        # is a coincidence of its own (redundancy is there because they rarely fail
        # together), so a common cause below them that explains them all, when there is
        # one, is preferred.
        dominated += (len(cand.seeds) - 1) * self.weights.group_member
        if len(cand.seeds) > 1:
            # A member that stayed silent though watched: a missed detection, as for any
            # node its failure takes down (once its tools had time to see it).
            silent_members = self._group_silent(
                cand.seeds, history[0] if history is not None else None
            )
            if silent_members > 0:
                dominated += silent_members * missed_detection(self.weights) * ripeness
        if dominated or unexplained:
            return Score(
                result.cost + dominated + unexplained,
                result.root_term + dominated,
                result.surprise,
                result.extras + unexplained,
            )
        return result

    def _seeds_warn(self, seeds: Iterable[str], kind: Callable[[str | None], bool]) -> bool:
        """Whether a seed has an active warning of ``kind`` (a predicate on its check)."""
        active = self._node_active
        return any(
            a.evidence is Evidence.DEGRADED and kind(a.check)
            for s in seeds
            for a in active.get(s, ())
        )

    def _spreads(self, seeds: Collection[str], alerting: Iterable[str], *, own: bool) -> bool:
        """Whether every alerting node besides ``seeds`` warns only of things a slow or
        failing dependency causes (latency and errors spread to callers; a certificate or
        a full disk does not) and depends directly on the root or on another of them;
        ``own``: and a root among ``seeds`` warns of such a thing too."""
        if own and not self._seeds_warn(seeds, spreading_warning):
            return False
        active = self._node_active
        nodes = self.topology.nodes
        # (Through unmonitored nodes, which cannot alert: a logical database's callers.)
        layer = self._graph.direct_layer(frozenset(seeds))
        between = layer[1] if layer is not None else frozenset()
        for n in alerting:
            if n in seeds:
                continue
            if not all(spreading_warning(a.check) for a in active.get(n, ())):
                return False
            # Hop by hop: through what it uses directly, the root or another node seen
            # degrading (a slow core router and a customer's latency three silent hops
            # away are two things).
            if not any(
                t in seeds or t in alerting or t in between
                for dep in nodes[n].depends_on
                for t in dep.any_of
            ):
                return False
        return True

    def _sync_only(self, seeds: Collection[str], alerting: Collection[str]) -> bool:
        """Whether every alerting node besides ``seeds`` warns only of time
        synchronisation (``sync_warning``), and there is one."""
        active = self._node_active
        found = False
        for n in alerting:
            if n in seeds:
                continue
            for a in active.get(n, ()):
                if a.evidence is not Evidence.DEGRADED or not sync_warning(a.check):
                    return False
            found = True
        return found

    def _in_direct_wave(
        self,
        cand: _Candidate,
        alerting: Collection[str],
        observed: _Observed,
        horizon: float,
        cap: float,
        step: float | None = None,
        *,
        down: bool = False,
    ) -> int:
        """How many of the warnings ``cand`` explains on what uses its root directly began
        after ``horizon`` but within their wave: each within a detection delay (``step``,
        when given) of the one before, up to ``cap``. Counted over the same warnings as the
        ``degraded`` symptoms of ``_cost`` (alerting, predicted, not a seed, not merely a
        blinded probe's word), each node once. ``down``: the root was seen failing."""
        _nodes, evidence, onset = observed
        seeds = cand.seeds
        direct = {
            d
            for seed in seeds
            for d in self.topology.dependents.get(seed, ())
            if d not in seeds and d in cand.predicted and d in alerting
        }
        warned = [d for d in direct if self._degraded(d, evidence.get(d, Evidence.DOWN))]
        onsets = sorted(onset[d] for d in warned)
        if not onsets or onsets[-1] <= horizon:
            return 0
        # What depends on a root seen failing alone (the subscribers an access node
        # serves) shows its loss at its own polling pace, a counter read every few
        # minutes: its first warning may come one more detection delay late, and nothing
        # else explains it. (A degradation's spread is judged as such, ``_spreads``.)
        nodes = self.topology.nodes
        alone = down and any(
            len(nodes[d].depends_on) == 1
            and nodes[d].depends_on[0].any_of[0] in seeds
            and not nodes[d].depends_on[0].redundant
            for d in warned
            if horizon < onset[d] <= horizon + self._settle
        )
        start = horizon + self._settle if alone else horizon
        wave = self._wave_end(onsets, (), start, cap, step=step)
        return sum(1 for at in onsets if horizon < at <= wave)

    def _degraded_by_hop(self, cand: _Candidate, observed: _Observed, horizon: float) -> int:
        """How many of the warnings ``cand`` explains (as ``_cost`` counts them) began
        after ``horizon`` but within one detection delay of the hard failure of the
        nearest alerting node they depend on, other than the root itself."""
        _nodes, evidence, onset = observed
        seeds = cand.seeds
        predicted = cand.predicted
        nodes = self.topology.nodes
        settle = self._settle
        count = 0
        for n, ev in evidence.items():
            at = onset[n]
            if at <= horizon or ev is not Evidence.DEGRADED or n in seeds or n not in predicted:
                continue
            if any(t in seeds for dep in nodes[n].depends_on for t in dep.any_of):
                continue  # what uses the root directly: its wave is judged apart
            if not self._degraded(n, ev):
                continue
            c = self._alerting_cause(n, onset)
            count += (
                c is not None
                and c not in seeds
                and evidence.get(c) is Evidence.DOWN
                and onset[c] <= at <= onset[c] + settle
            )
        return count

    def _late_behind_wave(
        self,
        cand: _Candidate,
        alerting: Collection[str],
        onset: Mapping[str, float],
        wave_end: float,
        horizon: float = _NEVER,
    ) -> int:
        """How many of the ``alerting`` nodes ``cand`` explains began after ``wave_end``
        though the failures of those that began with the first of them (within
        ``TOGETHER_S``; the root aside) take them down by the topology (a redundancy group
        only when all its members are among them: a duct cut takes both routers of the
        pair it carries at once, while two routers lost minutes apart are a pair lost, its
        first member the root), and began by ``horizon``."""
        seeds = cand.seeds
        first = min((onset[n] for n in alerting if n not in seeds), default=_NEVER)
        together = min(wave_end, first + TOGETHER_S)
        began = frozenset(n for n in alerting if n not in seeds and onset[n] <= together)
        if not began:
            return 0
        taken = self._graph.group_closure(began)  # what their failures take down
        # (A warning about the node's own state, its certificate or its disk, is no
        # symptom of what it depends on, however that failed.)
        return sum(
            1
            for n in alerting
            if n not in seeds
            and wave_end < onset[n] <= horizon
            and n in taken
            and not self._own_state_only(n)
        )

    def _own_state_only(self, node: str) -> bool:
        """Whether every active alert on ``node`` is a warning about its own state
        (``local_warning``: a certificate, a disk), and there is one."""
        active = self._node_active.get(node, ())
        return bool(active) and all(local_warning(a.check) for a in active)

    def _timely_by_hop(
        self, evidence: Mapping[str, Evidence], onset: Mapping[str, float], horizon: float
    ) -> int:
        """How many hard-failing nodes that began after ``horizon`` began within one
        detection delay of the nearest alerting node they depend on."""
        settle = self._settle
        count = 0
        for n, at in onset.items():
            if at <= horizon or evidence.get(n, Evidence.DEGRADED) is Evidence.DEGRADED:
                continue
            c = self._alerting_cause(n, onset)
            count += c is not None and onset[c] <= at <= onset[c] + settle
        return count

    def _alerting_cause(self, node: str, onset: Mapping[str, float]) -> str | None:
        """The nearest node ``node`` depends on that is alerting (has an ``onset``)."""
        for c in self._graph.causes(node):
            if c in onset:
                return c
        return None

    def _watched_by_cut_probe(self, cand: _Candidate, alerting: Collection[str]) -> int:
        """Silent monitored nodes ``cand`` takes down at the site of a probe it takes down
        too, that alerts (cut off, like a clinic's satellite behind its cut link): the
        probe that most likely watches them is gone, so their silence says nothing."""
        graph = self._graph
        predicted, seeds = cand.predicted, cand.seeds
        sites = {
            site
            for p in self._probes_alerting
            if p in predicted
            and p in alerting
            and p not in seeds
            and (site := graph.probes[p]) is not None
        }
        return sum(
            1
            for site in sites
            for n in graph.site_monitored.get(site, ())
            if n in predicted and n not in alerting and n not in seeds
        )

    def _local_after_wave(
        self,
        cand: _Candidate,
        observed: _Observed,
        onsets: Sequence[float],
        anchor: float,
        cap: float,
    ) -> int:
        """How many nodes ``cand`` would explain that only warned of their own state
        (``local_warning``: all their node said since it began alerting, recovered alerts
        included) and began after the wave of its other symptoms (each within two
        detection delays of the one before, from ``anchor``), up to ``cap``. A storage
        array under every guest otherwise collects each guest's full disk and expiring
        certificate for forty minutes after its warning."""
        _nodes, evidence, onset = observed
        seeds, predicted = cand.seeds, cand.predicted
        degraded_ev = Evidence.DEGRADED
        local_nodes = self._node_local
        local = sorted(
            onset[n]
            for n, ev in evidence.items()
            if ev is degraded_ev
            and n in predicted
            and n not in seeds
            and anchor < onset[n] <= cap
            and n in local_nodes
            and not self._seen_only_by_suspect(n)
        )
        if not local:
            return 0
        step = self._tail
        end = self._wave_end(onsets, local, anchor + step, cap, step=step)
        return len(local) - bisect_right(local, end)

    def _wave_end(
        self,
        onsets: Sequence[float],
        degraded: Sequence[float],
        end: float,
        cap: float,
        *,
        step: float | None = None,
    ) -> float:
        """Until when an outage inferred from its symptoms explains new ones: each tool
        notices it at its own pace, so its hard symptoms keep coming within one detection
        delay of each other (``step``, when given, in place of that delay; ``degraded``
        warnings do not carry it on), at most until ``cap``.

        ``onsets`` is sorted; ``degraded`` holds the onsets of its warning-only nodes.
        """
        warnings = sorted(degraded)
        settle = self._settle if step is None else step
        j = 0
        for at in onsets:
            if at > end:
                break
            while j < len(warnings) and warnings[j] < at:
                j += 1
            if j < len(warnings) and warnings[j] == at:
                j += 1
                continue
            end = min(cap, max(end, at + settle))
        return end

    def _path_silent(
        self, cand: _Candidate, sources: Iterable[str], skip: Collection[str]
    ) -> tuple[int, int]:
        """Monitored, silent nodes between the hypothesis and the given alerting nodes: on
        the ways an outage could have taken past the fewest of them, and on every way
        (what a degradation, spreading hop by hop, would have shown on).

        ``sources`` are alerting nodes (their causes are walked) or roots of incidents the
        hypothesis would absorb (walked including themselves: an inferred root that stays
        silent is on the path too). A node that is alerting anywhere is not silent.
        """
        causes = self._graph.causes
        monitored = self._graph.monitored
        predicted = cand.predicted
        seeds = cand.seeds
        active = self._node_active
        seen: set[str] = set()
        count = 0
        quiet: set[str] = set()
        for source in sources:
            if source in predicted and source not in seeds:
                quiet.update(self._quietest_path(cand, source, skip))
            for m in (source, *causes(source)):
                # Most of a chain lies below the hypothesis: test that first.
                if m not in predicted or m in seen or m in seeds or m in skip:
                    continue
                seen.add(m)
                if m in monitored and m not in active:
                    count += 1
                    if source not in predicted or source in seeds:
                        quiet.add(m)
        return len(quiet), count

    def _quietest_path(self, cand: _Candidate, source: str, skip: Collection[str]) -> list[str]:
        """The silent monitored nodes on the way from ``cand``'s seeds up to ``source``
        that the failure could have taken past the fewest of them (0-1 breadth-first
        search down the dependencies inside the prediction): a host that also depends
        directly on the failed mains is not reached through its silent switch."""
        nodes = self.topology.nodes
        monitored = self._graph.monitored
        predicted = cand.predicted
        seeds = cand.seeds
        active = self._node_active
        if source in active and any(
            t in seeds for dep in nodes[source].depends_on for t in dep.any_of
        ):
            return []  # an alerting node right on the seeds (the usual case): no way between

        def silent(m: str) -> bool:
            return m in monitored and m not in active and m not in skip and m not in seeds

        start = 1 if silent(source) else 0
        best: dict[str, int] = {source: start}
        parent: dict[str, str] = {}
        queue: deque[tuple[int, str]] = deque([(start, source)])
        found: str | None = None
        while queue:
            dist, current = queue.popleft()
            if dist > best.get(current, dist):
                continue
            if current in seeds:
                found = current
                break
            for dep in nodes[current].depends_on:
                for target in dep.any_of:
                    if target not in predicted:
                        continue
                    step = 1 if silent(target) else 0
                    if dist + step < best.get(target, dist + step + 1):
                        best[target] = dist + step
                        parent[target] = current
                        if step:
                            queue.append((dist + step, target))
                        else:
                            queue.appendleft((dist, target))
        if found is None:
            return []
        path = []
        node: str | None = found
        while node is not None:
            if silent(node):
                path.append(node)
            node = parent.get(node)
        return path

    def _incident_cost(self, inc: Incident, now: float) -> Score:
        if inc.root is None:  # unplaced: grouped by host, a fault of its own
            return self._alone_score(Evidence.DOWN)
        predicted = self._predicted(inc)
        monitored = (
            self._graph.monitored_predicted(inc.root)
            if len(inc.seeds) <= 1
            else self._graph.monitored_group(inc.seeds)
        )
        cand = _Candidate(
            inc.root, inc.seeds or self._graph.single(inc.root), predicted, monitored, 0
        )
        nodes = inc.node_evidence
        seeds_in = [s for s in cand.seeds if s in nodes]
        degraded = [
            inc.node_onset[n]
            for n, ev in nodes.items()
            if ev is Evidence.DEGRADED
            and n not in cand.seeds
            and n not in inc.observed_only
            and self._degraded(n, ev)
        ]
        covered = len(nodes) - len(seeds_in)
        onsets = [inc.node_onset[n] for n in nodes if n not in cand.seeds]
        path_silent = self._incident_path_silent(inc, cand)
        return self._cost(
            cand,
            covered,
            degraded,
            len(inc.observed_only),
            onsets,
            now,
            path_silent,
            (inc.node_evidence, inc.node_onset),
            inc.node_evidence.keys(),
            (inc.observed_only, nodes, inc.node_onset),
        )

    def _incident_path_silent(self, inc: Incident, cand: _Candidate) -> tuple[int, int]:
        key = (cand.root, len(inc.node_evidence))
        cached = inc.path_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        sources = list(itertools.islice(inc.node_evidence, REVIEW_MAX_NODES))
        count = self._path_silent(cand, sources, set(inc.node_evidence))
        inc.path_cache = (key, count)
        return count

    # -- re-deciding a neighbourhood --------------------------------------------------

    def _misplaced_below(self, inc: Incident) -> bool:
        """Whether nodes this new root explains sit in an incident with an inferred root."""
        if inc.root is None:
            return False
        closure = self._graph.closure(inc.root)
        if len(closure) > STEAL_SCAN_MAX:
            return False
        for node in closure:
            for state in self._node_active.get(node, ()):
                other = self._live(state.incident)
                if other is not None and other is not inc and other.inferred:
                    return True
        return False

    def _neighbourhood(self, inc: Incident) -> list[Incident]:
        """Open incidents close to ``inc`` in the graph, nearest first, bounded in size."""
        found: dict[int, Incident] = {inc.number: inc}
        budget = len(inc.node_evidence)

        def consider(number: int) -> None:
            nonlocal budget
            other = self._incidents.get(number)
            if (
                other is None
                or other.number in found
                or other.status is not Status.OPEN
                or other.root is None
                or other.pinned
                or budget + len(other.node_evidence) > REPARTITION_MAX_NODES
                or self._apart(inc, other)
                or other.maintenance != inc.maintenance  # planned work stays apart
            ):
                return
            found[other.number] = other
            budget += len(other.node_evidence)

        if inc.root is not None:
            closure = self._predicted(inc)
            if len(closure) <= STEAL_SCAN_MAX:
                # Sorted: under the size budget the order decides who is in, and a set's
                # order follows the process's hash seed (replay must not).
                for node in sorted(closure):
                    for state in self._node_active.get(node, ()):
                        if state.incident is not None:
                            consider(state.incident)
        by_root, by_cause = self._by_root, self._by_cause
        for node in list(inc.node_evidence)[:REVIEW_MAX_NODES]:
            for c in self._graph.causes(node):
                if by_root.get(c):  # most nodes below are the root of nothing
                    for number in sorted(by_root[c]):
                        consider(number)
            if by_cause.get(node):
                for number in sorted(by_cause[node]):
                    consider(number)
        return list(found.values())

    def _alone_cost(self, evidence: Evidence) -> float:
        """What a node alerting with ``evidence`` costs as its own root, explaining nothing
        else (``_alone_score``)."""
        return self._alone_score(evidence).cost

    def _alone_score(self, evidence: Evidence) -> Score:
        """The score of a node alerting with ``evidence`` as its own root, explaining
        nothing else: a function of the evidence and the weights only, so computed once."""
        found = self._alone_scores.get(evidence)
        if found is None:
            found = self._alone_scores[evidence] = score(
                evidence=evidence,
                monitored=True,
                covered=0,
                covered_degraded=0,
                predicted=0,
                early=0,
                weights=self.weights,
            )
        return found

    def _repartition(self, inc: Incident, now: float) -> str | None:
        """Re-decide the incidents around ``inc`` at once (greedy weighted set cover).

        Applied only when the new partition costs clearly less than the current one, so
        incidents do not churn; ids are kept (each group takes over the incident holding
        most of its alerts). Returns the reason when something changed.
        """
        if inc.status is not Status.OPEN or inc.root is None or inc.pinned:
            return None
        pool = self._neighbourhood(inc)
        evidence: dict[str, Evidence] = {}
        onset: dict[str, float] = {}
        observers: dict[str, set[str]] = {}
        # Nodes seen failing by a tool whose path is not in question: a central one, or a
        # probe that shows no sign of being cut off and works from another site (one at
        # the node's own site is as likely cut off with it, before it shows).
        confirmed: set[str] = set()
        probes_ok: dict[str, bool] = {}
        probe_site = self._graph.probes
        nodes_spec = self.topology.nodes
        for member in pool:
            for st in member.alerts.values():
                probe = st.observer_node
                if st.node is None:
                    continue
                if probe is None:
                    confirmed.add(st.node)
                    continue
                if probe not in probes_ok:
                    probes_ok[probe] = self._observer_evidence(probe)
                if probes_ok[probe]:
                    observers.setdefault(st.node, set()).add(probe)
                elif probe_site.get(probe) != nodes_spec[st.node].site:
                    confirmed.add(st.node)
        for member in pool:
            for n, ev in member.node_evidence.items():
                known = evidence.get(n)
                if known is None or _EVIDENCE_RANK[ev] > _EVIDENCE_RANK[known]:
                    evidence[n] = ev
                at = member.node_onset[n]
                onset[n] = min(at, onset.get(n, at))
        if len(evidence) < 2 or len(evidence) > REPARTITION_MAX_NODES:
            return None
        order = sorted(evidence, key=lambda n: (onset[n], n))
        graph = self._graph
        pool_alerts = [st for member in pool for st in member.alerts.values()]
        explains: dict[tuple[str, frozenset[str]], frozenset[str]] = {}
        predicted_of: dict[frozenset[str], frozenset[str]] = {}

        no_probes: frozenset[str] = frozenset()

        probes: frozenset[str] = frozenset().union(*observers.values())

        def explained(closure: frozenset[str]) -> frozenset[str]:
            if probes.isdisjoint(closure):  # the usual case: only the topology explains
                return frozenset(m for m in order if m in closure)
            # (A node a tool above suspicion saw failing did fail: a blinded probe's path
            # does not explain it.)
            return frozenset(
                m
                for m in order
                if m in closure
                or (m not in confirmed and not observers.get(m, no_probes).isdisjoint(closure))
            )

        visited: set[str] = set()  # the nodes whose own hypothesis is in explains
        for n in order:
            via = [c for p in sorted(observers.get(n, ())) for c in (p, *graph.causes(p))]
            for h in (n, *graph.causes(n), *via):
                if h in visited:
                    continue
                visited.add(h)
                key = (h, self._graph.single(h))
                closure = self._closure_for(h, evidence, pool_alerts)
                predicted_of[key[1]] = closure
                explains[key] = explained(closure)
                for group in graph.groups_of(h):
                    if group in predicted_of or not self._group_possibly_lost(group):
                        continue
                    g_closure = graph.group_closure(group)
                    predicted_of[group] = g_closure
                    root = self._joint_root(group, lambda m: onset.get(m, self._node_onset(m)))
                    explains[(root, group)] = frozenset(m for m in order if m in g_closure)

        # The greedy cover asks for the same (root, seeds, covered) again and again: every
        # round re-prices each candidate, most of them on an unchanged covered set, and the
        # split check re-covers each group. Nothing the cost reads changes while the cover
        # runs (same instant, same alerts), so each answer is kept for this repartition.
        costs: dict[tuple[str, frozenset[str], frozenset[str]], float] = {}

        def cost_of(root: str, seeds: frozenset[str], covered: frozenset[str]) -> float:
            key = (root, seeds, covered)
            found = costs.get(key)
            if found is None:
                found = costs[key] = price_of(root, seeds, covered)
            return found

        def price_of(root: str, seeds: frozenset[str], covered: frozenset[str]) -> float:
            predicted = predicted_of[seeds]
            monitored = (
                graph.monitored_predicted(root) if len(seeds) == 1 else graph.monitored_group(seeds)
            )
            cand = _Candidate(root, seeds, predicted, monitored, 0)
            members = [n for n in covered if n not in seeds]
            degraded = [
                onset[n]
                for n in members
                if evidence[n] is Evidence.DEGRADED
                and n in predicted
                and self._degraded(n, evidence[n])
            ]
            onsets = [onset[n] for n in members]
            observed = [n for n in members if n not in predicted]
            topo = [n for n in members if n in predicted]
            path = self._path_silent(cand, topo, set(covered))
            return self._cost(
                cand,
                len(members),
                degraded,
                len(observed),
                onsets,
                now,
                path,
                (evidence, onset),
                covered,
                (observed, evidence, onset),
            ).cost

        alone = {n: self._alone_cost(evidence[n]) for n in order}
        groups = greedy_cover(order, explains, cost_of, alone)
        old_total = sum(self._incident_cost(member, now).cost for member in pool)
        new_total = sum(g.cost for g in groups)
        current = {(m.root, frozenset(m.node_evidence)) for m in pool}
        proposed = {(g.root, g.nodes) for g in groups}
        if proposed == current or new_total >= old_total - REPARTITION_MARGIN:
            return None
        self._apply_partition(pool, groups, now)
        for member in pool:
            self._fold_same_root(member, now)
        roots = ", ".join(sorted({g.root for g in groups}))
        return (
            f"re-decided {len(pool)} incident(s) over {len(order)} nodes: roots {roots} "
            f"(cost {new_total:.2f} vs {old_total:.2f})"
        )

    def _apply_partition(self, pool: list[Incident], groups: list[Group], now: float) -> None:
        by_node: dict[str, list[AlertState]] = {}
        for member in pool:
            for state in member.alerts.values():
                if state.node is not None:
                    by_node.setdefault(state.node, []).append(state)
        available = sorted(pool, key=lambda i: (i.opened_at, i.number))
        taken: dict[int, Incident] = {}
        plan: list[tuple[Group, list[AlertState], Incident | None]] = []
        for group in sorted(groups, key=lambda g: (-len(g.nodes), g.root)):
            alerts = [st for n in sorted(group.nodes) for st in by_node.get(n, [])]
            best: Incident | None = None
            best_overlap = 0
            for member in available:
                if member.number in taken:
                    continue
                overlap = sum(1 for st in alerts if st.incident == member.number)
                if overlap > best_overlap:
                    best, best_overlap = member, overlap
            if best is not None:
                taken[best.number] = best
            plan.append((group, alerts, best))
        receivers: dict[int, Incident] = {}
        for group, alerts, chosen in plan:
            target = chosen
            if target is None:
                target = self._open(group.root, group.seeds, now, inferred=False)
            for st in alerts:
                if st.incident is not None and st.incident != target.number:
                    receivers.setdefault(st.incident, target)
            self._rebuild(target, alerts, group.root, group.seeds, now)
        for member in pool:
            if member.number in taken:
                continue
            survivor = receivers.get(member.number) or next(iter(taken.values()), None)
            self._unregister(member)
            member.status = Status.MERGED
            member.merged_into = survivor.number if survivor is not None else None
            member.alerts = {}
            member.timer_version += 1
            member.updated_at = now
            if survivor is not None:
                survivor.pages += member.pages
                survivor.announced = survivor.announced or member.announced
                survivor.note(f"absorbed {member.id} when the neighbourhood was re-decided")
            self._changed[member.number] = member

    def _rebuild(
        self,
        inc: Incident,
        alerts: list[AlertState],
        root: str | None,
        seeds: frozenset[str],
        now: float,
    ) -> None:
        """Make ``inc`` hold exactly ``alerts`` under ``root``, recomputing its aggregates
        (``root`` None: an unplaced incident, grouped by host)."""
        self._unregister(inc)
        old_root = inc.root
        if len(seeds) == 1:
            seeds = self._graph.single(next(iter(seeds)))  # the shared singleton
        # Two episodes of one alert can meet here (each in its own incident before): the
        # newer record stays, listing the events of both.
        records: dict[tuple[str, str], AlertState] = {}
        for st in alerts:
            kept = records.get(st.key)
            if kept is None or kept is st:
                records[st.key] = st
                continue
            newer, older = (st, kept) if st.first_seen >= kept.first_seen else (kept, st)
            newer.events = tuple(sorted({*older.events, *newer.events}))
            records[st.key] = newer
        alerts = list(records.values())
        inc.alerts = records
        inc.node_onset = {}
        inc.node_evidence = {}
        inc.onsets = []
        inc.observed_only = set()
        inc.path_cache = None
        inc.worst = Severity.INFO
        inc.min_crit = 5
        inc.active = 0
        events: set[tuple[int, str]] = set()
        for st in sorted(alerts, key=lambda a: (a.first_seen, a.key)):
            st.incident = inc.number
            if st.severity.rank > inc.worst.rank:
                inc.worst = st.severity
            if st.active:
                inc.active += 1
            if st.node is not None:
                self._add_node(inc, st.node, st.first_seen, st.evidence, observed_only=False)
                if st.observer_node is not None:
                    self._by_observer.setdefault(st.observer_node, set()).add(inc.number)
            events.update(st.events)
        inc.events = sorted(events)
        inc.root = root
        inc.seeds = seeds
        if root is not None:
            inc.inferred = self._is_inferred(inc)
            predicted = self._predicted(inc)
            inc.observed_only = {n for n in inc.node_evidence if n not in predicted}
        else:
            inc.inferred = False
        inc.last_activity = max(inc.last_activity, now)
        if inc.active == 0 and inc.quiet_since is None:
            inc.quiet_since = now
            self._schedule(inc, now + self.settings.resolve_linger_s, "resolve")
        elif inc.active > 0:
            inc.quiet_since = None
        if old_root != root:
            inc.note(f"re-decided: root {old_root} -> {root}")
        self._register(inc)
        self._refresh(inc)

    def _review(self, inc: Incident, now: float, *, thorough: bool = False) -> str | None:
        """Reconsider an incident's root in the light of all its alerts.

        Looks along the dependency chains of its earliest nodes, shallower and deeper than
        the current root, for a single node that explains its alerting nodes at a lower
        cost — e.g. once a silent parent has had time to alert and did not, or when the
        unmonitored guess below it no longer fits. ``thorough`` (the review timers) also
        looks at large incidents and accepts a root that explains all but a few nodes,
        splitting those few off as incidents of their own (a stray warning that an
        over-reaching root had swallowed). Returns the reason when something changed.
        """
        if inc.root is None or inc.status is not Status.OPEN or len(inc.seeds) > 1:
            return None
        if inc.pinned:
            return None  # a person decided: the engine does not second-guess it
        if inc.observed_only:
            return None  # explained through a probe's path: the chain below does not apply
        nodes = inc.node_evidence
        limit = REVIEW_LARGE_MAX_NODES if thorough else REVIEW_MAX_NODES
        if not nodes or len(nodes) > limit:
            return None
        graph = self._graph
        spare = max(2, len(nodes) // 10) if thorough else 0
        # Candidates: the incident's top alerting nodes (no other alerting node of the
        # incident explains them) and what lies below them, nearest first.
        tops = [
            n
            for n in sorted(nodes, key=lambda n: (inc.node_onset[n], n))
            if not any(c in nodes and n in graph.closure(c) for c in graph.causes(n))
        ]
        candidates: list[str] = []
        for anchor in (*tops[:8], inc.root):
            for h in (anchor, *graph.causes(anchor)):
                if h not in candidates:
                    candidates.append(h)
        current = self._incident_cost(inc, now)
        best_cost, best_root, best_rest = current.cost, inc.root, frozenset[str]()
        history = (inc.node_evidence, inc.node_onset)
        for h in candidates:
            predicted = self._closure_for(h, nodes, inc.alerts.values())
            rest = frozenset(n for n in nodes if n not in predicted)
            if len(rest) > spare or (h == inc.root and not rest):
                continue
            kept = [n for n in nodes if n not in rest]
            seeds = self._graph.single(h)
            cand = _Candidate(h, seeds, predicted, graph.monitored_predicted(h), 0)
            members = [n for n in kept if n != h]
            degraded = [
                inc.node_onset[n]
                for n in members
                if nodes[n] is Evidence.DEGRADED and self._degraded(n, nodes[n])
            ]
            onsets = [inc.node_onset[n] for n in members]
            path_silent = self._path_silent(cand, members[:REVIEW_MAX_NODES], set(kept))
            cost = self._cost(
                cand, len(members), degraded, 0, onsets, now, path_silent, history, kept
            ).cost
            cost += sum(self._alone_cost(nodes[n]) for n in rest)
            if cost < best_cost - (REPARTITION_MARGIN if rest else 1e-9):
                best_cost, best_root, best_rest = cost, h, rest
        if best_root == inc.root and not best_rest:
            return None
        old = inc.root
        if best_rest:
            groups = [
                Group(best_root, self._graph.single(best_root), frozenset(nodes) - best_rest, 0.0),
                *(
                    Group(n, self._graph.single(n), self._graph.single(n), 0.0)
                    for n in sorted(best_rest)
                ),
            ]
            self._apply_partition([inc], groups, now)
        else:
            self._unregister(inc)
            inc.root = best_root
            inc.seeds = self._graph.single(best_root)
            inc.inferred = self._is_inferred(inc)
            self._register(inc)
            self._refresh(inc)
        split = f", split off {', '.join(sorted(best_rest))}" if best_rest else ""
        reason = (
            f"reviewed: root {old} -> {best_root}"
            f"{' (inferred)' if inc.inferred else ''}{split} "
            f"(cost {best_cost:.2f} vs {current.cost:.2f})"
        )
        inc.note(reason)
        survivor = self._fold_same_root(inc, now)
        if survivor is not inc:
            reason += f"; one failure with {survivor.id}, already rooted there: merged into it"
        return reason

    def _fold_same_root(self, inc: Incident, now: float) -> Incident:
        """A node does not fail twice at once: another open incident a re-decision left
        under the same root as ``inc`` (split apart by a repartition, then each reviewed
        back to the node below both) is the same failure. The younger is merged into the
        older, which is returned (``inc`` itself when there is no other)."""
        if inc.status is not Status.OPEN or inc.root is None or inc.pinned:
            return inc
        same = [
            other
            for number in sorted(self._by_root.get(inc.root, ()))
            if (other := self._incidents.get(number)) is not None
            and other is not inc
            and other.status is Status.OPEN
            and not other.pinned
            and other.root == inc.root
            and other.seeds == inc.seeds
            and other.maintenance == inc.maintenance
            and not self._apart(inc, other)
        ]
        if not same:
            return inc
        keep, *gone = sorted([inc, *same], key=lambda i: (i.opened_at, i.number))
        for other in gone:
            self._merge(other, keep, now, note=False)
            keep.note(f"absorbed {other.id}: the same failure of {keep.root}")
        self._rederive(keep)
        self._register(keep)
        self._refresh(keep)
        return keep

    def _rederive(self, inc: Incident) -> None:
        """Recompute what follows from a rooted incident's root and alerts: the nodes only
        its observers explain, whether the root is inferred, and no cached path count."""
        predicted = self._predicted(inc)
        inc.observed_only = {n for n in inc.node_evidence if n not in predicted}
        inc.path_cache = None
        inc.inferred = self._is_inferred(inc)

    # -- applying --------------------------------------------------------------------

    def _apply(
        self, option: _Option, state: AlertState, seq: int, event_id: str | None, now: float
    ) -> Decision:
        cand = option.candidate
        label = self._label(state)
        inferred = self._root_evidence(cand.seeds) is None
        replaced = ", ".join(
            f"{inc.id} root {inc.root} {self._cost_cache.get(inc.number, 0.0):.2f}"
            for inc in option.absorbed
        )
        why = f"root {cand.root}{' (inferred)' if inferred else ''} {option.new.describe()}" + (
            f" replacing {replaced}" if replaced else ""
        )
        if option.note:
            why += f"; {option.note}"
        if (
            len(cand.seeds) == 1
            and state.node is not None
            and state.node in cand.predicted
            and state.node not in self._graph.closure(cand.root)
        ):
            # Explained past a redundancy group: say why, the group is no secret.
            why += f"; {cand.root} answers slowly, and its redundancy does not shield its users"
        if not option.absorbed:
            inc = self._open(cand.root, cand.seeds, now, inferred=inferred)
            self._add_alert(inc, state, seq, event_id, now)
            inc.note(f"opened by {label}: {why}")
            self._register(inc)
            self._refresh(inc)
            decision = Decision(Action.OPENED, inc.id, f"{label}: new incident, {why}")
            if state.evidence is Evidence.DOWN and self._misplaced_below(inc):
                moved = self._repartition(inc, now)
                if moved is not None:
                    live = self._live(state.incident)
                    where = live.id if live is not None else inc.id
                    return Decision(Action.REROOTED, where, f"{label}: {why}; then {moved}")
            return decision
        absorbed = sorted(option.absorbed, key=lambda i: (i.opened_at, i.number))
        # The incident a person decided about (if any) survives, under its own root.
        target = next((i for i in absorbed if i.pinned), absorbed[0])
        action = Action.JOINED
        if target.status is Status.RESOLVED:
            target.status = Status.OPEN
            target.resolved_at = None
            target.timer_version += 1
            action = Action.REOPENED
        for other in absorbed:
            if other is target:
                continue
            self._merge(other, target, now)
            action = Action.MERGED if action is Action.JOINED else action
        old_root, old_seeds = target.root, target.seeds
        target.root = cand.root
        target.seeds = cand.seeds
        target.inferred = inferred
        if (old_root, old_seeds) != (cand.root, cand.seeds):
            predicted = self._predicted(target)
            target.observed_only = {n for n in target.node_evidence if n not in predicted}
            target.path_cache = None
        if old_root != cand.root and action is Action.JOINED:
            action = Action.REROOTED
        self._add_alert(target, state, seq, event_id, now)
        target.inferred = self._is_inferred(target)
        target.note(f"{action.value} by {label}: {why}")
        self._register(target)
        review = self._review(target, now)
        self._refresh(target)
        if review is not None:
            why += f"; then {review}"
        return Decision(action, target.id, f"{label}: {action.value} {target.id}, {why}")

    def _take_number(self) -> int:
        number = self._next_number
        self._next_number += 1
        return number

    def _open(
        self,
        root: str | None,
        seeds: frozenset[str],
        now: float,
        *,
        inferred: bool,
        unplaced_host: str | None = None,
    ) -> Incident:
        """A new incident with its timers: the opening hold, and reviews once the tools
        have had time to speak (topology-placed incidents only)."""
        inc = Incident(
            number=self._take_number(),
            opened_at=now,
            root=root,
            seeds=seeds,
            inferred=inferred,
            unplaced_host=unplaced_host,
            last_activity=now,
            updated_at=now,
        )
        self._incidents[inc.number] = inc
        self._schedule(inc, now + self.settings.hold_s, "hold")
        if root is not None:
            self._schedule(inc, now + self._settle / 2, "review")
            self._schedule(inc, now + self._settle, "review")
        return inc

    def _place_unplaced(
        self, state: AlertState, seq: int, event_id: str | None, now: float
    ) -> Decision:
        host = state.host.lower()
        inc = self._unplaced_incident(host)
        label = self._label(state)
        if (
            inc is not None
            and inc.status is Status.OPEN
            and (inc.active > 0 or now - inc.last_activity <= self.settings.window_s)
        ):
            self._add_alert(inc, state, seq, event_id, now)
            self._refresh(inc)
            return Decision(
                Action.JOINED, inc.id, f"{label}: unplaced, grouped with host {state.host}"
            )
        inc = self._open(None, frozenset(), now, inferred=False, unplaced_host=host)
        self._unplaced[host] = inc.number
        short = host_key(host)
        if short != host:
            # Found by its bare name too (another tool's spelling of the same host).
            self._unplaced.setdefault(short, inc.number)
        self._add_alert(inc, state, seq, event_id, now)
        inc.note(f"opened by {label}: host {state.host} matches no topology node")
        self._refresh(inc)
        return Decision(Action.OPENED, inc.id, f"{label}: unplaced (no node for host {state.host})")

    def _unplaced_incident(self, host: str) -> Incident | None:
        """The incident grouping the alerts of ``host`` (lower case) when it matches no
        node: by its full name, else by the spelling rules of specs/topology-format.md
        applied between hosts (``st9901-rtr`` and ``st9901-rtr.sdwan`` are one host, while
        two dotted names that share only their first label are not)."""
        number = self._unplaced.get(host)
        if number is None:
            short = host_key(host)
            if short == host:
                return None
            number = self._unplaced.get(short)
            found = self._incidents.get(number) if number is not None else None
            if found is None or found.unplaced_host != short:
                return None  # a dotted name meets only the bare one
            return found
        return self._incidents.get(number)

    def _can_rejoin(self, inc: Incident, state: AlertState, now: float) -> bool:
        if inc.status is Status.OPEN:
            # Open, but a check failing again hours later (the incident kept open by some
            # other stuck alert) is a new failure, not this one.
            limit = self.settings.window_s if inc.active <= 0 else self.settings.reopen_s
            return now - inc.last_activity <= limit and not self._outlived(inc, state, now)
        return (
            inc.status is Status.RESOLVED
            and now - (inc.resolved_at or now) <= self.settings.reopen_s
        )

    def _outlived(self, inc: Incident, state: AlertState, now: float) -> bool:
        """Whether ``inc``'s root came back too long ago for ``state`` to belong to it.

        An incident stays open while any of its alerts does (a disk-space warning can last
        all day), but the failure it is about ended when its root came back: a symptom that
        begins more than one detection delay after that (twice the slowest tool's, for the
        tail of slow checks) is not that failure's, and the root itself failing again is a
        new failure once ``reopen_s`` has passed.
        """
        back = self._root_back(inc, state)
        if back is None:
            return False
        if state.node in inc.seeds:
            return now - back > self.settings.reopen_s
        return now - back > self._tail

    def _apart(self, a: Incident, b: Incident) -> bool:
        """Whether one of two open incidents began after the other's root had come back
        (``_outlived``): they are about failures at different times, whatever the graph
        says, so a re-decision of the neighbourhood does not pool them."""
        back = self._root_back(a)
        if back is not None and b.min_onset > back + self._tail:
            return True
        back = self._root_back(b)
        return back is not None and a.min_onset > back + self._tail

    def _root_back(self, inc: Incident, ignoring: AlertState | None = None) -> float | None:
        """When an open incident's root came back: the last recovery of its own alerts in
        the incident, if it went down and none of them (``ignoring`` aside) is failing now
        (the root failing again is a new episode, in another incident). None while it is
        failing, and for roots whose end is not observed: an inferred root, or a gray root
        (its warning clears and returns while the degradation goes on)."""
        seeds = inc.seeds
        if not seeds or inc.active <= 0:
            return None
        evidence = inc.node_evidence
        if not any(evidence.get(seed) is Evidence.DOWN for seed in seeds):
            return None
        number = inc.number
        for seed in seeds:  # the common answer, without a walk over the incident's alerts
            for a in self._node_active.get(seed, ()):
                if a.incident == number and a is not ignoring:
                    return None  # still failing
        back: float | None = None
        for a in inc.alerts.values():
            if a.node not in seeds or a is ignoring:
                continue
            if a.active or a.resolved_at is None:
                return None  # still failing, as far as this incident knows
            back = a.resolved_at if back is None else max(back, a.resolved_at)
        return back

    def _rejoin(
        self, inc: Incident, state: AlertState, seq: int, event_id: str | None, now: float
    ) -> Decision:
        action = Action.JOINED
        if inc.status is Status.RESOLVED:
            inc.status = Status.OPEN
            inc.resolved_at = None
            action = Action.REOPENED
        inc.timer_version += 1
        self._add_alert(inc, state, seq, event_id, now)
        inc.note(f"{action.value}: {self._label(state)} failed again")
        self._register(inc)
        self._refresh(inc)
        return Decision(
            action, inc.id, f"{self._label(state)} failed again: {action.value} {inc.id}"
        )

    def _merge(self, other: Incident, target: Incident, now: float, *, note: bool = True) -> None:
        self._unregister(other)
        for state in other.alerts.values():
            if state.observer_node is not None:
                self._by_observer.setdefault(state.observer_node, set()).add(target.number)
                self._by_observer[state.observer_node].discard(other.number)
        for key, state in other.alerts.items():
            _keep_earlier_events(target, state)
            target.alerts[key] = state
            state.incident = target.number
        for n, ev in other.node_evidence.items():
            self._add_node(
                target, n, other.node_onset[n], ev, observed_only=n in other.observed_only
            )
        target.events = list(heap_merge(target.events, other.events))
        if other.worst.rank > target.worst.rank:
            target.worst = other.worst
        target.active += other.active
        target.pages += other.pages
        target.resolve_sent = target.resolve_sent and other.resolve_sent
        target.announced = target.announced or other.announced
        if other.last_paged is not None and (
            target.last_paged is None or other.last_paged.rank < target.last_paged.rank
        ):
            target.last_paged = other.last_paged
        target.opened_at = min(target.opened_at, other.opened_at)
        if note:
            target.note(f"absorbed {other.id} (root {other.root})")
        other.status = Status.MERGED
        other.merged_into = target.number
        other.updated_at = now
        other.timer_version += 1
        other.alerts = {}
        self._changed[other.number] = other

    def _add_alert(
        self, inc: Incident, state: AlertState, seq: int, event_id: str | None, now: float
    ) -> None:
        if state.incident != inc.number:
            # A new episode in another incident: the events of earlier episodes belong to
            # the incidents that absorbed them, not to this one.
            state.events = ()
        _keep_earlier_events(inc, state)
        state.incident = inc.number
        inc.alerts[state.key] = state
        if state.severity.rank > inc.worst.rank:
            inc.worst = state.severity
        inc.active += 1
        inc.quiet_since = None
        inc.last_activity = now
        if state.node is not None:
            observed_only = state.node not in self._predicted(inc) and inc.root is not None
            self._add_node(inc, state.node, state.onset, state.evidence, observed_only)
            if state.observer_node is not None:
                self._by_observer.setdefault(state.observer_node, set()).add(inc.number)
        self._add_event(inc, seq, event_id, state)

    def _add_node(
        self, inc: Incident, node: str, onset: float, evidence: Evidence, observed_only: bool
    ) -> None:
        known = inc.node_evidence.get(node)
        if known is None:
            if inc.review_due is None and inc.status is Status.OPEN:
                # The incident grows: look at it again once its tools had time to speak.
                inc.review_due = self.now + self._settle
                self._schedule(inc, inc.review_due, "review")
            spec = self.topology.nodes.get(node)
            if spec is not None and spec.criticality < inc.min_crit:
                inc.min_crit = spec.criticality
            inc.node_evidence[node] = evidence
            inc.node_onset[node] = onset
            insort(inc.onsets, onset)
            if observed_only:
                inc.observed_only.add(node)
            return
        if _EVIDENCE_RANK[evidence] > _EVIDENCE_RANK[known]:
            inc.node_evidence[node] = evidence
        if onset < inc.node_onset[node]:
            old = inc.node_onset[node]
            del inc.onsets[bisect_left(inc.onsets, old)]
            inc.node_onset[node] = onset
            insort(inc.onsets, onset)
        if not observed_only:
            inc.observed_only.discard(node)

    @staticmethod
    def _add_event(
        inc: Incident, seq: int, event_id: str | None, state: AlertState | None = None
    ) -> None:
        if event_id is None:
            return
        item = (seq, event_id)
        if state is not None and (not state.events or state.events[-1] != item):
            state.events = (*state.events, item)
        if inc.events and inc.events[-1][0] >= seq:
            if item not in inc.events:
                insort(inc.events, item)
            return
        inc.events.append(item)

    # -- lifecycle -------------------------------------------------------------------

    def _announce(self, inc: Incident, at: float) -> None:
        if inc.status is not Status.OPEN or inc.announced:
            return
        inc.announced = True
        inc.note(f"announced after the {self.settings.hold_s:.0f}s hold")
        self._maybe_page(inc)
        self._touch(inc, at)

    def _resolve(self, inc: Incident, at: float) -> None:
        if inc.status is not Status.OPEN or inc.active > 0 or inc.quiet_since is None:
            return
        inc.status = Status.RESOLVED
        inc.resolved_at = inc.quiet_since
        self._observer_rooted.discard(inc.number)  # found by its root alone from now on
        inc.note(f"resolved: every alert clear for {self.settings.resolve_linger_s:.0f}s")
        if not inc.announced:
            inc.announced = True
            self._maybe_page(inc)
        elif inc.pages and not inc.resolve_sent and self.paging.resolve_notices:
            inc.resolve_sent = True  # the resolve notice (not a page: it wakes nobody)
        self._touch(inc, at)
        if inc.unplaced_host is not None and self._unplaced.get(inc.unplaced_host) == inc.number:
            del self._unplaced[inc.unplaced_host]

    def _maybe_page(self, inc: Incident) -> None:
        """Page per ``dispatch.paging`` (:func:`correlator.dispatch.paging.decide_paging`,
        the daemon's own decision): at opening, again on a rise, or on a reopen after the
        resolve notice when ``repage_on_reopen``; the team's rate limit in event time."""
        paging = self.paging
        last = inc.last_paged
        if inc.priority.rank > paging.page_at_or_above.rank or (
            last is not None
            and inc.priority.rank >= last.rank
            and not (inc.resolve_sent and paging.repage_on_reopen)
        ):
            # Below the threshold, or nothing new since the last page: no page, whatever
            # the maintenance and flapping (which cost a walk over every alert to know).
            return
        recent = self._page_times.setdefault(inc.team, deque())
        limit = paging.rate_limit_for(inc.team)
        while recent and recent[0] <= self.now - limit.window_s:
            recent.popleft()
        decision = decide_paging(
            paging,
            priority=inc.priority,
            resolved=False,
            announced=True,
            maintenance=inc.maintenance,
            flapping=inc.flapping,
            unconfirmed=inc.unconfirmed,
            memory=PageMemory(inc.pages, last, resolve_sent=inc.resolve_sent),
            rate=rate_limit_verdict(limit, inc.priority, recent, self.now),
        )
        if decision.event is PageEvent.TRIGGER:
            inc.pages += 1
            inc.last_paged = inc.priority
            inc.resolve_sent = False
            recent.append(self.now)
            inc.note(f"paged: {decision.reason}")
        elif decision.reason.startswith("rate limited"):
            inc.note(f"not paged: {decision.reason}")

    def _refresh(self, inc: Incident) -> None:
        """Recompute priority and team after a change; page on a rise once announced."""
        graph = self._graph
        nodes = self.topology.nodes
        crit = inc.min_crit
        redundant = False
        inc.team = self.default_team
        if inc.root is not None and inc.root in nodes:
            crit = min(crit, graph.min_criticality(inc.seeds or self._graph.single(inc.root)))
            redundant = len(inc.seeds) <= 1 and graph.is_lone_redundant(inc.root)
            inc.team = nodes[inc.root].team or self.default_team
        inc.root_in_maintenance = self._root_in_maintenance(inc)
        decision = decide_priority(
            (crit,),
            len(inc.node_evidence) or 1,
            (inc.worst,),
            redundant_root=redundant,
            matrix=self.priority_matrix,
        )
        inc.priority = decision.priority
        inc.priority_reason = decision.reason
        if inc.announced and inc.status is Status.OPEN:
            self._maybe_page(inc)
        self._touch(inc)

    def _touch(self, inc: Incident, at: float | None = None) -> None:
        inc.updated_at = self.now if at is None else at
        self._changed[inc.number] = inc

    def _schedule(self, inc: Incident, at: float, kind: str) -> None:
        if kind == "resolve":
            inc.timer_version += 1
        heapq.heappush(
            self._timers, (at, next(self._timer_seq), kind, inc.number, inc.timer_version)
        )

    def _note_change(self, state: AlertState, now: float) -> None:
        settings = self.settings
        changes = (*state.changes, now)
        if len(changes) > 2 * settings.flap_changes:
            changes = tuple(t for t in changes if now - t <= settings.flap_window_s)[
                -2 * settings.flap_changes :
            ]
        state.changes = changes
        state.flapping = decide_flapping(
            changes,
            now,
            currently=state.flapping,
            threshold=settings.flap_changes,
            window_s=settings.flap_window_s,
            quiet_s=settings.flap_quiet_s,
        ).flapping

    # -- indexes and node facts ------------------------------------------------------

    def _register(self, inc: Incident) -> None:
        self._unregister(inc)
        if inc.root is None:
            return
        causes: set[str] = set()
        graph = self._graph
        for seed in inc.seeds:
            causes.update(graph.causes(seed))
            if seed not in inc.node_evidence:
                # An inferred root is one guess among the nodes below what it feeds (a
                # cabinet's power, or the fibre span its equipment also hangs on): a cause
                # of those may explain the same alerts and more.
                fed = self.topology.dependents.get(seed, ())
                if len(fed) <= INFERRED_SIBLINGS_MAX:
                    for d in fed:
                        causes.update(c for c in graph.causes(d) if c != seed)
        roots = inc.seeds or self._graph.single(inc.root)
        for r in roots:
            self._by_root.setdefault(r, set()).add(inc.number)
        for c in causes:
            self._by_cause.setdefault(c, set()).add(inc.number)
        self._registered[inc.number] = (roots, frozenset(causes))
        if inc.observed_only or inc.root in self._observer_nodes:
            self._observer_rooted.add(inc.number)

    def _unregister(self, inc: Incident) -> None:
        self._observer_rooted.discard(inc.number)
        entry = self._registered.pop(inc.number, None)
        if entry is None:
            return
        roots, causes = entry
        for r in roots:
            self._by_root.get(r, set()).discard(inc.number)
        for c in causes:
            self._by_cause.get(c, set()).discard(inc.number)

    def _predicted(self, inc: Incident) -> frozenset[str]:
        if inc.root is None:
            return frozenset()
        if len(inc.seeds) > 1:
            return self._graph.group_closure(inc.seeds)
        return self._closure_for(inc.root, inc.node_evidence, inc.alerts.values())

    def _closure_for(
        self,
        node: str,
        recorded: Mapping[str, Evidence] | None = None,
        alerts: Iterable[AlertState] = (),
    ) -> frozenset[str]:
        """What the hypothesis that ``node`` failed predicts: its closure; and when all it
        shows is its service answering slowly (latency, errors, not a mere load), also
        what that degradation reached past redundancy, hop by hop (redundancy protects
        against a member lost, not against one that answers slowly: a slow quorum member
        slows every write). ``recorded`` and ``alerts``: the evidence and the alerts of
        the incidents in question (a root whose alert already recovered is still a root
        that degraded, and its symptoms still a chain)."""
        graph = self._graph
        closure = graph.closure(node)
        # Asked for every candidate of every alert: most nodes below an alert are silent.
        active = self._node_active.get(node, ())
        known = recorded.get(node) if recorded is not None else None
        if known is Evidence.DOWN or (not active and known is None):
            return closure
        best = known
        for a in active:
            if a.evidence is Evidence.DOWN:
                return closure
            if a.evidence is Evidence.DEGRADED:
                best = Evidence.DEGRADED
        if best is not Evidence.DEGRADED or not graph.shielded(node):
            return closure
        if not any(
            a.node == node and slow_service_warning(a.check)
            for a in itertools.chain(active, alerts)
        ):
            return closure
        return self._gray_reach(node, closure, recorded or {})

    def _gray_reach(
        self, node: str, closure: frozenset[str], recorded: Mapping[str, Evidence]
    ) -> frozenset[str]:
        """``closure`` and the nodes above ``node`` a degradation reached: each step up
        lands on a node seen only degrading (now, or in ``recorded``), or on an
        unmonitored node (a quorum, a logical database: they cannot alert), at most
        ``GRAY_PASS_THROUGH`` of those in a row. A silent monitored node, or one that
        failed hard, ends the chain (a slow member does not take down what is above its
        group)."""
        dependents = self.topology.dependents
        monitored = self._graph.monitored
        active = self._node_active
        found = set(closure)
        seen = {node}
        frontier: list[tuple[str, int]] = [(node, 0)]
        while frontier:
            current, silent = frontier.pop()
            for d in dependents.get(current, ()):
                if d in seen:
                    continue
                seen.add(d)
                if d not in monitored:
                    if silent < GRAY_PASS_THROUGH:
                        found.add(d)
                        frontier.append((d, silent + 1))
                    continue
                if (d in active or recorded.get(d) is Evidence.DEGRADED) and not self._node_down(d):
                    found.add(d)
                    frontier.append((d, 0))
        return frozenset(found)

    def _node_active_add(self, state: AlertState) -> None:
        if state.node is None:
            return
        active = self._node_active.get(state.node, ())
        if not any(a is state for a in active):
            self._node_active[state.node] = (*active, state)
            # Whether the node has warned only of its own state since it began alerting
            # (kept once its alerts recover: an incident is judged by what they said).
            if local_warning(state.check) and (not active or state.node in self._node_local):
                self._node_local.add(state.node)
            else:
                self._node_local.discard(state.node)
            if state.node in self._graph.probes:
                self._probes_alerting.add(state.node)
        self._unobserved_cache.pop(state.node, None)
        probe = state.observer_node
        if probe is not None:
            seen = self._observer_nodes.get(probe)
            if seen is None:
                seen = self._observer_nodes[probe] = set()
                self._probe_rank[probe] = len(self._probe_rank)
            seen.add(state.node)

    def _node_inactive(self, state: AlertState) -> None:
        if state.node is None:
            return
        self._unobserved_cache.pop(state.node, None)
        active = self._node_active.get(state.node)
        if active is not None:
            left = tuple(a for a in active if a is not state)
            if left:
                self._node_active[state.node] = left
            else:
                del self._node_active[state.node]
                self._probes_alerting.discard(state.node)
                self._node_cleared[state.node] = self.now
        if state.observer_node is not None:
            still = self._node_active.get(state.node, ())
            if not any(a.observer_node == state.observer_node for a in still):
                self._observer_nodes.get(state.observer_node, set()).discard(state.node)

    def _cut_off_at(self, cause: str, probe: str) -> float:
        """When ``cause`` failing cut ``probe`` off (``_NEVER`` if it does not): at once
        when it alone does, else when the last member of its redundancy group went down
        (a core switch lost an hour before its twin blinds nobody for that hour)."""
        graph = self._graph
        if probe in graph.closure(cause):
            return -_NEVER
        cut = _NEVER
        for group in graph.groups_of(cause):
            if probe in graph.group_closure(group) and all(self._node_down(m) for m in group):
                cut = min(cut, max(self._down_onset(m) for m in group))
        return cut

    def _down_onset(self, node: str) -> float:
        """When ``node``'s earliest active failure (not a mere warning) began."""
        return min(
            (
                a.onset
                for a in self._node_active.get(node, ())
                if a.evidence is not Evidence.DEGRADED
            ),
            default=_NEVER,
        )

    def _sole_blind_observer(self, alerting: Iterable[str], seeds: Collection[str]) -> str | None:
        """The one probe, seeming blind, that every alert on ``alerting`` (``seeds``
        and the probe itself aside) comes from, if there is one."""
        observers: set[str | None] = set()
        others: set[str] = set()
        for n in alerting:
            if n in seeds:
                continue
            if self._seen_only_by_suspect(n):
                for a in self._node_active.get(n, ()):
                    observers.add(a.observer_node)
                if len(observers) > 1:
                    return None
            else:
                others.add(n)
                if len(others) > 1:  # only the probe itself may speak for itself
                    return None
        if len(observers) != 1:
            return None
        (sole,) = observers
        if sole is None or others - {sole}:
            return None
        return sole

    def _unanswered(self, node: str, evidence: Evidence) -> bool:
        """Whether ``node`` reports no outage of its own: no availability alert, or only
        from probes that seem blind."""
        return evidence is not Evidence.DOWN or self._seen_only_by_suspect(node)

    def _degraded(self, node: str, evidence: Evidence) -> bool:
        """Whether ``node`` counts as only degraded under a hypothesis: its best evidence
        is a warning, and not merely the word of a probe that seems blind (its Unknown
        results say nothing about the node, which is unobserved, so possibly down)."""
        return evidence is Evidence.DEGRADED and not self._seen_only_by_suspect(node)

    def _group_lost(self, group: frozenset[str]) -> bool:
        """Whether every member of a redundancy group may be down: each alerts down, or
        is unobserved, so possibly down (nothing watches it, or only probes that seem
        blind: a mast's mains feed nobody monitors, once its battery says it is running
        out), and at least one alerts down."""
        return self._group_silent(group) == 0

    def _group_silent(
        self, group: frozenset[str], recorded: Mapping[str, Evidence] | None = None
    ) -> int:
        """How many members of a redundancy group that may have been lost as a whole (one
        of them alerts down) say nothing, though watched: each a missed detection if the
        group was lost (``-1``: no member alerts down). ``recorded``: what the incident
        in question saw of them (a member whose alert already recovered did alert).
        Without it, a member whose alerts recovered within the window is back up: the
        group is not lost (``-1``) if it ever was."""
        down = False
        silent = 0
        monitored = self._graph.monitored
        recent = self.now - self.settings.window_s
        for m in group:
            if self._node_down(m):
                down = True
            elif (
                m in monitored
                and (recorded is None or m not in recorded)
                and not self._seen_only_by_suspect(m)
                and not self._unreported(m)
            ):
                if recorded is None and self._node_cleared.get(m, -_NEVER) >= recent:
                    return -1
                silent += 1
        return silent if down else -1

    def _group_possibly_lost(self, group: frozenset[str]) -> bool:
        """Whether a redundancy group may have been lost as a whole: every member alerts
        down or is unobserved (``_group_lost``), or one says nothing though watched while
        most of what the group's loss takes down is failing, and at least half of what
        depends on the group directly (a missed detection: an HSM pair whose second
        unit's host check never fired while every service needing either of them
        failed), provided a member is seen down by a probe that does not seem blind.
        That silence is priced in ``_cost``; a member of a core pair failing alone, with
        the day's warnings somewhere above, is no such loss."""
        silent = self._group_silent(group)
        if silent == 0:
            return True
        if not 0 < silent <= GROUP_SILENT_MAX or all(
            self._seen_only_by_suspect(m) for m in group if self._node_down(m)
        ):
            return False  # (a blinded probe's word is no member seen down)
        # Most of what the group takes down fails, beginning with the first layer that
        # can show it (a silent distribution switch above a core pair says the pair still
        # carries it).
        graph = self._graph
        closure = graph.group_closure(group)
        active = self._node_active
        # (The failing ones found at C speed over the smaller of the two; a group's
        # closure holds its members, and a core pair's holds most of a data centre.)
        failing = len(active.keys() & closure) - sum(1 for m in group if m in active)
        if failing * 2 <= graph.monitored_group(group):
            return False
        layer = graph.direct_layer(group)
        if layer is not None:
            first = [n for n in layer[0] if n in closure]
        else:
            monitored = graph.monitored
            dependents = self.topology.dependents
            first = [
                d
                for d in {d for m in group for d in dependents.get(m, ())}
                if d in closure and d not in group and d in monitored
            ]
        seen_failing = sum(1 for n in first if active.get(n))
        return seen_failing > 0 and seen_failing * 2 >= len(first)

    def _unreported(self, node: str) -> bool:
        """Whether every check watching ``node`` runs on another host that is down now
        (a link known only as ``edge!transport LTE down``, reported through the edge
        router, says nothing once the edge is offline): its silence is no answer."""
        reporters = self._reporters.get(node)
        if reporters is None:
            found: set[str] = set()
            for entry in self.topology.nodes[node].monitored_as:
                host, sep, _check = entry.partition("!")
                place = self.topology.place(host) if sep else None
                if place is None or place.node is None or place.node == node:
                    found.clear()  # watched directly: its silence is an answer
                    break
                found.add(place.node)
            reporters = self._reporters[node] = frozenset(found)
        return bool(reporters) and all(
            any(a.evidence is Evidence.DOWN for a in self._node_active.get(r, ()))
            for r in reporters
        )

    def _node_down(self, node: str, *, own: bool = False) -> bool:
        """Whether ``node`` has an active alert that is not a warning; ``own``: one about
        the node itself, not about replicating from its peers (``replication_check``)."""
        active = self._node_active.get(node)
        if not active:
            return False
        if own:
            return any(
                a.evidence is not Evidence.DEGRADED and not replication_check(a.check)
                for a in active
            )
        return any(a.evidence is not Evidence.DEGRADED for a in active)

    def _node_onset(self, node: str) -> float:
        active = self._node_active.get(node)
        if not active:
            return _NEVER
        return min(a.onset for a in active)

    def _is_inferred(self, inc: Incident) -> bool:
        """The root raised no alert of its own, now or earlier in this incident."""
        if any(seed in inc.node_evidence for seed in inc.seeds):
            return False
        return self._root_evidence(inc.seeds) is None

    def _root_evidence(self, seeds: Iterable[str]) -> Evidence | None:
        best: Evidence | None = None
        for seed in seeds:
            for a in self._node_active.get(seed, ()):
                if best is None or _EVIDENCE_RANK[a.evidence] > _EVIDENCE_RANK[best]:
                    best = a.evidence
        return best

    def _tolerance(self, node: str) -> float:
        active = self._node_active.get(node)
        delays = self.settings.detection_delay_s
        if not active:
            return self._settle
        return max(delays.get(a.key[0], self._settle) for a in active)

    def _fresh_instant(self) -> None:
        """Forget what probes seemed blind when time has moved on."""
        if self._suspect_at != self.now:
            self._suspect_at = self.now
            self._suspect_cache.clear()
            self._suspect_inner.clear()
            self._unobserved_cache.clear()

    def _suspect_since(self, probe: str) -> float:
        """``_blind_since`` cached for the current instant.

        Deciding whether a probe is blind asks about nodes other probes watch, whose own
        decision can come back to this probe (two plants' probes, each behind a firewall
        pair the other watches; two probes cut off together). The answer must not depend
        on which probe is asked first: a probe is judged with every other probe judged
        in its turn with the rest taken at their own word (their alerts about
        themselves). Each of the three rounds depends on the alerts alone.
        """
        self._fresh_instant()
        depth = self._suspect_depth
        if depth >= 2:
            own = self._node_active.get(probe)
            return min(a.onset for a in own) if own else _NEVER
        cache = self._suspect_cache if depth == 0 else self._suspect_inner
        found = cache.get(probe)
        if found is None:
            self._suspect_depth = depth + 1
            try:
                found = self._blind_since(probe)
            finally:
                self._suspect_depth = depth
            cache[probe] = found
        return found

    def _suspect_probe_since(self, predicted: frozenset[str]) -> float:
        """Since when the first probe in ``predicted`` that seems to have lost its path
        has seemed so (``_NEVER``: none does).

        The probes are asked in the order they first reported (``_suspect_since`` keeps its
        first answer of an instant, so the same probes must be asked in the same order),
        walking whichever of the probes and the prediction is the smaller.
        """
        probes = self._observer_nodes
        if len(predicted) < len(probes):
            inside = [p for p in predicted if p in probes]
            if len(inside) > 1:
                inside.sort(key=self._probe_rank.__getitem__)
        else:
            inside = [p for p in probes if p in predicted]
        for p in inside:
            since = self._suspect_since(p)
            if since != _NEVER:
                return since
        return _NEVER

    def _seen_only_by_suspect(self, node: str) -> bool:
        """Every active alert on ``node`` comes from probes suspected of losing their path
        (a probe's alerts about itself excepted), and began once its probe may already
        have been blind: what a probe said well before its own trouble still counts."""
        self._fresh_instant()
        if self._suspect_depth:
            # Asked while a probe is being judged: that round's view, not kept.
            alerts = self._node_active.get(node, ())
            return bool(alerts) and all(self._discounted(a) for a in alerts)
        found = self._unobserved_cache.get(node)
        if found is None:
            # all(self._discounted(a) for a in active), inlined (asked hundreds of
            # thousands of times in a storm): the same probes asked in the same order.
            found = False
            active = self._node_active.get(node)
            if active:
                suspect = self._suspect_cache
                settle = self._settle
                for a in active:
                    probe = a.observer_node
                    if probe is None or probe == a.node:
                        break
                    since = suspect.get(probe)
                    if since is None:
                        since = self._suspect_since(probe)
                    if since == _NEVER or a.onset < since - settle:
                        break
                else:
                    found = True
            self._unobserved_cache[node] = found
        return found

    def _discounted(self, alert: AlertState) -> bool:
        """Whether ``alert`` is only the word of a probe that may already have been blind
        when it began (a probe's alerts about itself excepted)."""
        probe = alert.observer_node
        if probe is None or probe == alert.node:
            return False
        # ``_suspect_since``, its cached answers read in place (asked millions of times
        # in a storm on a large topology, nearly always answered from the cache).
        since = None
        depth = self._suspect_depth
        if depth < 2 and self._suspect_at == self.now:
            since = (self._suspect_inner if depth else self._suspect_cache).get(probe)
        if since is None:
            since = self._suspect_since(probe)
        return since != _NEVER and alert.onset >= since - self._settle

    def _discounted_in(self, alert: AlertState, said: dict[str, float]) -> bool:
        """``_discounted``, remembering in ``said`` since when each probe seems blind for
        the length of one judgement (the same answer every time it is asked there: the
        alerts do not change meanwhile), as a probe's judgement asks about the same few
        other probes for each of the hundreds of hosts it reports."""
        probe = alert.observer_node
        if probe is None or probe == alert.node:
            return False
        since = said.get(probe)
        if since is None:
            since = said[probe] = self._suspect_since(probe)
        return since != _NEVER and alert.onset >= since - self._settle

    def _trusted_evidence(self, seeds: Iterable[str]) -> Evidence | None:
        """What the seeds' alerts say once the discounted ones are set aside."""
        best: Evidence | None = None
        for seed in seeds:
            for a in self._node_active.get(seed, ()):
                if self._discounted(a):
                    continue
                if best is None or _EVIDENCE_RANK[a.evidence] > _EVIDENCE_RANK[best]:
                    best = a.evidence
        return best

    def _observer_evidence(self, probe: str) -> bool:
        """Evidence that ``probe`` lost its path (see ``_blind_since``)."""
        return self._blind_since(probe, quick=True) != _NEVER

    def _blind_since(self, probe: str, *, quick: bool = False) -> float:
        """Since when ``probe`` seems to have lost its path (``_NEVER`` without evidence):
        it or its path alerts, or several of the checks it runs fail together
        (availability or unknown, within the detection delay of each other) while no
        other observer confirms those hosts. Another probe that seems blind itself
        neither says its path failed nor confirms its hosts: two probes cut off together
        each report the other's hosts down. The earliest of these, a failure on its
        path counting from when it alone cut the probe off (``quick``: the first one
        found, enough to know whether there is any)."""
        since = _NEVER
        own = self._node_active.get(probe)
        if own:
            since = min(a.onset for a in own)
            if quick:
                return since
        for c in self._graph.causes(probe):
            # A failure (not a mere warning) on the probe's path counts when someone else
            # than the probe saw it (the probe's own word about its uplink is in question)
            # and it cuts the probe off (not one member of a redundant pair).
            for a in self._node_active.get(c, ()):
                if a.observer_node == probe or a.evidence is Evidence.DEGRADED:
                    continue
                if self._discounted(a):
                    continue  # only the word of another probe that seems blind itself
                cut = self._cut_off_at(c, probe)
                if cut == _NEVER:
                    break
                if quick:
                    return max(a.onset, cut)
                since = min(since, max(a.onset, cut))
        seen = self._observer_nodes.get(probe, set())
        if len(seen) < self.settings.observer_min_checks:
            return since
        candidates: list[tuple[float, str]] = []
        answered: set[str] = set()  # nodes the probe reports failing, not merely unknown
        node_active = self._node_active
        degraded, minor, symptom = Evidence.DEGRADED, Severity.MINOR, Evidence.SYMPTOM
        said: dict[str, float] = {}  # what each other probe's blindness is, this judgement
        # A minor warning is an Unknown result (no answer) from Nagios, Icinga and PRTG,
        # but Zabbix's Average, a threshold it measured ("Air pressure low"): a host the
        # probe reached.
        zabbix = Source.ZABBIX
        for node in seen:  # one pass per node: a probe may see hundreds of failing hosts
            alerts = node_active.get(node, ())
            if len(alerts) == 1:  # most nodes: the loop below, for one alert
                a = alerts[0]
                if a.observer_node == probe and (
                    a.evidence is not degraded or (a.severity is minor and a.source is not zabbix)
                ):
                    candidates.append((a.onset, node))
                    if a.severity is not minor or a.evidence is symptom:
                        answered.add(node)
                continue
            first: float | None = None
            hard = False
            for a in alerts:
                if a.observer_node != probe:
                    if self._discounted_in(a, said):
                        continue  # another probe that seems blind itself confirms nothing
                    break  # another observer confirms this host: it really is failing
                if (
                    a.evidence is not degraded or (a.severity is minor and a.source is not zabbix)
                ) and (first is None or a.onset < first):
                    first = a.onset
                hard = hard or a.severity is not minor or a.evidence is symptom
            else:
                if first is not None:
                    candidates.append((first, node))
                    if hard:
                        answered.add(node)
        candidates.sort()
        if not candidates or since <= candidates[0][0]:
            # No burst, or blind since before any of it began: the burst cannot say more.
            return since
        together = self._settle / 2
        best_start, best_len = 0, 0  # the first longest window (listed once, below)
        start = 0
        for end in range(len(candidates)):
            while candidates[end][0] - candidates[start][0] > together:
                start += 1
            if end - start + 1 > best_len:
                best_start, best_len = start, end - start + 1
        best = [n for _, n in candidates[best_start : best_start + best_len]]
        if len(best) < self.settings.observer_min_checks or self._one_subtree(
            best, probe, answered
        ):
            return since
        # The burst began with the run of failures, none far from the next, that leads
        # to its densest part (a failure long before it was seen by a working probe).
        while best_start > 0 and (
            candidates[best_start][0] - candidates[best_start - 1][0] <= together
        ):
            best_start -= 1
        return min(since, candidates[best_start][0])

    def _one_subtree(self, nodes: list[str], probe: str, answered: Collection[str]) -> bool:
        """Whether one topological cause off the probe's own path explains most of
        ``nodes`` (a local outage the probe merely saw, not the probe losing its path).

        Only the ``answered`` nodes count for it: hosts the probe reached and found
        failing (down, or paused by a dependency). A result the probe could not get
        (Unknown) is what a blinded probe reports, not a sign of an outage.
        """
        graph = self._graph
        path = {probe, *graph.causes(probe)}
        # What alone cuts the probe off: a node under one member of its redundant uplinks
        # (the zone one of its two replicas runs in) leaves it seeing, so an outage there
        # is one it watched.
        cuts_off = set(graph.sole_causes(probe))
        members: dict[str, list[str]] = {}  # per cause, the failures it reached under it
        for node in nodes:
            if node not in answered:
                continue
            for c in graph.sole_causes(node):
                if c not in cuts_off:
                    members.setdefault(c, []).append(node)
        reached = sum(1 for n in nodes if n in answered)
        for c, below in members.items():
            count = len(below)
            # Most of the failing nodes, and a good share of what that cause takes down;
            # what it leaves unexplained, a few of them at most (or one: a fault of its own
            # elsewhere at the same time, which a probe that lost its path would not
            # confine to one more node).
            outside = reached - count  # failures it reached that this cause leaves unexplained
            if (
                count * 10 > len(nodes) * 6
                and count * 3 >= graph.monitored_predicted(c) + 1
                and (outside * 10 <= reached or outside <= 1)
            ):
                return True
            # Or that cause is failing (the probe found it so, or another observer did) and
            # everything the probe reached failing lies below it: an outage the probe
            # watched unfold (its first symptoms), not a probe cut off, whose failures
            # would not keep to one subtree.
            if (
                count == reached
                and count * 10 > len(nodes) * 6
                and (c in answered or c not in graph.monitored or self._failing_elsewhere(c, probe))
            ):
                return True
        # A redundancy group lost as a whole off the probe's path (a rack's leaf pair) is
        # such a cause too, though no single node below its hosts is.
        lost: dict[frozenset[str], list[str]] = {}  # per group, the failures under it
        for node in nodes:
            if node in answered:
                # (The group's own members failing are part of its loss, as a single
                # cause's own failure is.)
                for group in (*graph.sole_groups(node), *graph.groups_of(node)):
                    if path.isdisjoint(group):
                        lost.setdefault(group, []).append(node)
        causes: dict[str | frozenset[str], list[str]] = dict(members.items())
        causes.update(lost.items())
        if self._two_subtrees(nodes, probe, reached, causes):
            return True
        # An outage's symptoms arrive over more than the burst window: the same test over
        # everything the probe sees failing, the share of the cause counted over the
        # nodes below it that other observers see failing too (a blinded probe's word
        # alone does not make an outage).
        for group, failing in lost.items():
            count = len(failing)
            if (
                count * 10 > len(nodes) * 6
                and (reached - count) * 10 <= reached
                and (
                    self._group_lost(group)
                    or self._failed_beyond_word(group, probe)
                    or count * 3 >= graph.monitored_group(group) + 1
                )
            ):
                return True
        seen = self._observer_nodes.get(probe, set())
        for c in members:
            closure = graph.closure(c)
            if len(closure) > STEAL_SCAN_MAX:
                continue
            under = len(closure & seen)  # at C speed, over the smaller of the two
            if under * 10 <= len(seen) * 6:
                continue
            if self._confirmed_in(closure, probe) * 3 >= graph.monitored_predicted(c) + 1:
                return True
        return False

    def _two_subtrees(
        self,
        nodes: list[str],
        probe: str,
        reached: int,
        members: Mapping[str | frozenset[str], list[str]],
    ) -> bool:
        """Whether two independent causes off the probe's path, together taking down a
        good share of what they would, explain most of the failures the probe reached:
        two faults at the same time that one server watches (two stores cut off, or an
        HSM pair and a rack's leaf pair lost in the same minute), not the server losing
        its path, whose failures keep to no subtree. A cause is a node or a redundancy
        group (``members``: the failures under each)."""
        graph = self._graph

        def closure(c: str | frozenset[str]) -> frozenset[str]:
            return graph.closure(c) if isinstance(c, str) else graph.group_closure(c)

        def predicts(c: str | frozenset[str]) -> int:
            return graph.monitored_predicted(c) if isinstance(c, str) else graph.monitored_group(c)

        def name(c: str | frozenset[str]) -> str:
            return c if isinstance(c, str) else ",".join(sorted(c))

        # Of the causes over the same failures (a store's switch, router and power) that
        # may have failed beyond this probe's word (nothing watches it, or another
        # observer finds it failing: a switch that answers is not an outage, and a probe
        # that lost its path reports its hosts' switches down too), the nearest: the
        # least it predicts, the better its share.
        nearest: dict[frozenset[str], str | frozenset[str]] = {}
        for c, under in members.items():
            if len(under) < 2 or not self._failed_beyond_word(c, probe):
                continue
            key = frozenset(under)
            known = nearest.get(key)
            if known is None or (predicts(c), name(c)) < (predicts(known), name(known)):
                nearest[key] = c
        shares = sorted(nearest.values(), key=lambda c: (-len(members[c]), name(c)))[
            :TWO_SUBTREES_SCAN
        ]
        for i, a in enumerate(shares):
            closure_a = closure(a)
            for b in shares[i + 1 :]:
                closure_b = closure(b)
                if _within(b, closure_a) or _within(a, closure_b):
                    continue  # one inside the other: the one-cause test's case
                predicted = predicts(a) + predicts(b)
                if (len(members[a]) + len(members[b])) * 3 < predicted + 1:
                    continue
                both = len(set(members[a]) | set(members[b]))
                if both * 10 > len(nodes) * 6 and (reached - both) * 10 <= reached:
                    return True
        return False

    def _failed_beyond_word(self, cause: str | frozenset[str], probe: str) -> bool:
        """Whether ``cause`` may have failed beyond ``probe``'s word: a node nothing
        watches, or one another observer finds failing (a switch that answers is not an
        outage, and a probe that lost its path reports its hosts' switches down too); a
        redundancy group lost as a whole, or but for one member's missed detection, with
        a member found failing by another observer."""
        if isinstance(cause, str):
            return cause not in self._graph.monitored or self._failing_elsewhere(cause, probe)
        # (The member seen failing asked first: a few alerts, where the group's loss is
        # judged over everything it carries.)
        return any(
            self._failing_elsewhere(m, probe) for m in sorted(cause)
        ) and self._group_possibly_lost(cause)

    def _failing_elsewhere(self, node: str, probe: str) -> bool:
        """Whether an observer other than ``probe`` (and not one that seems blind
        itself) reports ``node`` down."""
        return any(
            a.observer_node != probe and a.evidence is Evidence.DOWN and not self._discounted(a)
            for a in self._node_active.get(node, ())
        )

    def _confirmed_in(self, nodes: Collection[str], probe: str) -> int:
        """How many of ``nodes`` an observer other than ``probe`` (and not one that
        seems blind itself) sees failing."""
        active = self._node_active
        count = 0
        said: dict[str, float] = {}
        # The failing ones first (a set intersection at C speed), then their observers.
        for n in active.keys() & nodes:
            for a in active[n]:
                if a.observer_node != probe and not self._discounted_in(a, said):
                    count += 1
                    break
        return count

    def _place_observer(self, observer: str | None) -> str | None:
        if not observer:
            return None
        if observer in self._observer_cache:
            return self._observer_cache[observer]
        place = self.topology.place(observer)
        node = place.node
        self._observer_cache[observer] = node
        return node

    def _in_maintenance(self, state: AlertState) -> bool:
        return (
            state.host.lower() in self._maint_hosts
            or state.key in self._maint_keys
            or (state.node is not None and self._node_in_maintenance(state.node))
        )

    def _node_in_maintenance(self, node: str) -> bool:
        """``node`` is under a downtime notice or an operator's maintenance window."""
        return node in self._maint_nodes or node in self._operator_maint

    def _root_in_maintenance(self, inc: Incident) -> bool:
        """Its root is under a downtime notice or an operator's maintenance window."""
        return inc.root is not None and self._node_in_maintenance(inc.root)

    def _apply_maintenance(self) -> None:
        for state in self._alerts.values():
            if state.active:
                state.maintenance = self._in_maintenance(state)

    def _live(self, number: int | None) -> Incident | None:
        seen = 0
        while number is not None and seen < 64:
            inc = self._incidents.get(number)
            if inc is None:
                return None
            if inc.status is not Status.MERGED:
                return inc
            number = inc.merged_into
            seen += 1
        return None

    def _open_incidents(self) -> list[Incident]:
        return [i for i in self._incidents.values() if i.status is Status.OPEN]

    def _inc_id(self, state: AlertState | None) -> str | None:
        if state is None:
            return None
        inc = self._live(state.incident)
        return inc.id if inc is not None else None

    def _name(self, text: str) -> str:
        """One shared copy of a host or check name (they repeat across many alerts)."""
        return self._names.setdefault(text, text)

    @staticmethod
    def _label(state: AlertState) -> str:
        check = f"!{state.check}" if state.check else ""
        return f"{state.source.value}:{state.host}{check}"


def keep_incumbent_root(best: _Option, options: Sequence[_Option], margin: float) -> _Option:
    """Hysteresis on roots: when ``best`` would re-root the incidents it takes in, but one
    of ``options`` takes in the same incidents under the root one of them has, for at most
    ``margin`` more, that option. Near-ties tip one way and back with each new alert (a
    branch's WAN link and its router explain its storm almost equally well); a root that
    changes with every alert is one nobody on the NOC screen or the ticket can follow."""
    roots = {(i.root, i.seeds) for i in best.absorbed}
    if not roots or (best.candidate.root, best.candidate.seeds) in roots:
        return best
    numbers = [i.number for i in best.absorbed]
    keep = [
        o
        for o in options
        if (o.candidate.root, o.candidate.seeds) in roots
        and [i.number for i in o.absorbed] == numbers
        and o.delta <= best.delta + margin
    ]
    if not keep:
        return best
    kept = min(keep, key=lambda o: (o.delta, o.candidate.order))
    gain = kept.delta - best.delta
    return replace(
        kept,
        note=f"kept: {best.candidate.root} would be only {gain:.2f} cheaper"
        f" (re-rooting takes {margin:g})",
    )


def _within(cause: str | frozenset[str], closure: frozenset[str]) -> bool:
    """Whether a cause (a node, or any member of a group) lies in ``closure``."""
    if isinstance(cause, str):
        return cause in closure
    return not closure.isdisjoint(cause)


def _keep_earlier_events(inc: Incident, state: AlertState) -> None:
    """``state`` is about to take the place of ``inc``'s record of the same alert (a new
    episode rejoining, or two episodes meeting in a merge): the record kept lists the
    events of both, since a later rebuild of the incident lists events from its records."""
    earlier = inc.alerts.get(state.key)
    if earlier is not None and earlier is not state and earlier.events:
        state.events = tuple(sorted({*earlier.events, *state.events}))
