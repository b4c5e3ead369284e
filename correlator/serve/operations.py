# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The operator API's application layer: what each route reads and does.

Reads come from the store (incident bodies, tickets, history, pages, problem records,
maintenance windows) and the topology (the root's site, the neighbourhood). Writes go
through the stage that owns the state:

* acknowledge, assign, note: :class:`correlator.dispatch.service.DispatchService`
  (which tells the ticket system and the pagers, stops escalation and writes history);
* merge, split, re-root: the engine, between two batches of the correlator's loop
  (:meth:`correlator.correlate.service.CorrelatorService.execute`); the changed incidents
  are published like any other change, and this layer records the step in history;
* maintenance windows: saved in the store and kept in memory; the correlator asks
  :meth:`Operations.maintenance` on every step which topology nodes are in a window.

Every write is logged (``operator_action``: actor, role, action, incident or window) and
refused with an :class:`OperationError` carrying the HTTP status and the field at fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Literal

import structlog
from structlog.typing import FilteringBoundLogger

from correlator.clock import Clock
from correlator.correlate.engine import OperatorError
from correlator.correlate.report import incident_json
from correlator.dispatch.priority import Priority
from correlator.dispatch.service import MEMORY_KEY, UnknownIncidentError
from correlator.serve.auth import Principal
from correlator.serve.handover import IncidentFacts, SlaState, incident_row, row_json, window_json
from correlator.serve.topoview import neighbourhood
from correlator.store.protocol import (
    HistoryEntry,
    HistoryStep,
    MaintenanceWindow,
    ProblemKind,
    Store,
)
from topology.model import Topology

if TYPE_CHECKING:
    from correlator.correlate.engine import Engine
    from correlator.correlate.service import CorrelatorService
    from correlator.dispatch.service import DispatchService

Status = Literal["open", "resolved", "all"]
"""Which incidents a listing shows."""

DEFAULT_LIMIT: Final = 500
MAX_LIMIT: Final = 5000
MAX_TEXT: Final = 4000
"""The longest note, reason or name accepted."""

_WINDOW_ID: Final = re.compile(r"^MW-(\d+)$")


class OperationError(Exception):
    """A refused request: the HTTP status, a one-line reason, the field at fault."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def not_found(what: str) -> OperationError:
    """404 for an unknown incident or window."""
    return OperationError(404, f"{what} not found")


@dataclass(frozen=True, slots=True)
class IncidentQuery:
    """The filters of ``GET /api/v1/incidents`` (all optional)."""

    status: Status = "open"
    priorities: frozenset[Priority] = frozenset()
    team: str | None = None
    site: str | None = None
    since: float | None = None  # open at some time at or after (resolved_at >= since)
    until: float | None = None  # opened at or before
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class WindowRequest:
    """A maintenance window to open, as the request gave it (validated by the layer)."""

    nodes: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    starts_at: float | None = None
    ends_at: float | None = None
    duration_s: float | None = None
    reason: str = ""


# --------------------------------------------------------------------------------------
# Pure parts
# --------------------------------------------------------------------------------------


def summary_of(
    facts: IncidentFacts,
    now: float,
    *,
    topology: Topology | None,
    majors: Mapping[str, str],
    problems: Mapping[str, str],
) -> dict[str, Any]:
    """An incident's summary as the wall and the list show it (the handover's row)."""
    row = incident_row(facts, now, topology=topology, majors=majors, problems=problems)
    summary = row_json(row)
    if row.sla.state is SlaState.NONE:
        summary["sla"] = None
    summary["updated_at"] = _number(facts.body.get("updated_at")) or row.opened_at
    return summary


def detail_of(
    facts: IncidentFacts, summary: Mapping[str, Any], pages: Sequence[Any]
) -> dict[str, Any]:
    """The incident's detail: the summary plus its alerts, reasons, history and pages."""
    record = facts.record
    history = sorted(facts.history, key=lambda h: h.at)
    memory = facts.memory
    return {
        **summary,
        "runbook": memory.runbook if memory is not None else None,
        "paging": None
        if memory is None
        else {
            "decided": memory.page.pages,
            "last_priority": memory.page.last_paged.value if memory.page.last_paged else None,
            "pagers": list(memory.paged_to),
        },
        "alerts": [a for a in record.get("alerts") or () if isinstance(a, Mapping)],
        "nodes": [str(n) for n in record.get("nodes") or ()],
        "events": [str(e) for e in record.get("events") or ()],
        "explanation": [str(r) for r in record.get("explanation") or ()],
        "priority_reason": str(record.get("priority_reason") or ""),
        "manual": [m for m in record.get("manual") or () if isinstance(m, Mapping)],
        "history": [
            {
                "at": h.at,
                "actor": h.actor,
                "step": h.step.value,
                "detail": h.detail,
                "system": h.system,
            }
            for h in history
        ],
        "notes": [
            {"at": h.at, "actor": h.actor, "text": h.detail}
            for h in history
            if h.step is HistoryStep.NOTE
        ],
        "pages": [
            {"pager": p.pager, "event": p.event.value, "level": p.level, "sent_at": p.sent_at}
            for p in pages
        ],
        "tickets": [
            {
                "system": t.system,
                "id": t.ticket_id,
                "url": t.url,
                "status": t.status.value,
                "assignee": t.assignee,
            }
            for t in facts.tickets
        ],
    }


def matches(query: IncidentQuery, summary: Mapping[str, Any]) -> bool:
    """Whether an incident's summary passes the query's filters."""
    status = summary["status"]
    if query.status not in {"all", status}:
        return False
    if query.priorities and Priority(summary["priority"]) not in query.priorities:
        return False
    if query.team is not None and summary["team"] != query.team:
        return False
    if query.site is not None and summary["site"] != query.site:
        return False
    resolved = summary["resolved_at"]
    if query.since is not None and resolved is not None and resolved < query.since:
        return False
    return query.until is None or summary["opened_at"] <= query.until


def listing_order(summary: Mapping[str, Any]) -> tuple[int, str, float, str]:
    """Open incidents first, by priority then oldest; then the others, latest resolved."""
    if summary["status"] == "open":
        return (0, summary["priority"], summary["opened_at"], summary["id"])
    return (1, "", -(summary["resolved_at"] or summary["opened_at"]), summary["id"])


def window_nodes(window: MaintenanceWindow, topology: Topology) -> frozenset[str]:
    """The topology nodes a window covers: by id, by site, by tag (``key=value`` or ``key``)."""
    found = {n for n in window.nodes if n in topology.nodes}
    sites = set(window.sites)
    tags = [t.partition("=") for t in window.tags]
    for node_id, spec in topology.nodes.items():
        at_site = spec.site is not None and spec.site in sites
        if at_site or any(
            key in spec.tags and (not sep or spec.tags[key] == value) for key, sep, value in tags
        ):
            found.add(node_id)
    return frozenset(found)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _members(problems: Sequence[Any], kind: ProblemKind) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in problems:
        if problem.kind is kind:
            for member in problem.members:
                found.setdefault(member, problem.id)
    return found


# --------------------------------------------------------------------------------------
# The layer
# --------------------------------------------------------------------------------------


class Operations:
    """What the API routes call. Built by the composition root; ``attach`` gives it the
    correlator and dispatch services once they exist (their callbacks point back here)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        topology: Topology,
        log: FilteringBoundLogger | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.topology = topology
        self.log = log if log is not None else structlog.get_logger("correlator.serve")
        self.dispatch: DispatchService | None = None
        self.correlator: CorrelatorService | None = None
        self._windows: dict[str, MaintenanceWindow] = {}
        self._issued = 0
        self._covered: tuple[tuple[str, ...], int, frozenset[str]] | None = None

    def attach(
        self,
        *,
        dispatch: DispatchService | None = None,
        correlator: CorrelatorService | None = None,
    ) -> None:
        """Route writes to these services (acknowledge etc. need dispatch, merge etc. the
        correlator; without them those requests answer 409)."""
        self.dispatch = dispatch
        self.correlator = correlator

    def reload(self, topology: Topology) -> None:
        """Use a reloaded topology (sites, neighbourhoods, windows' nodes)."""
        self.topology = topology
        self._covered = None

    async def load(self) -> None:
        """Read the maintenance windows from the store (at start-up)."""
        windows = await self.store.windows()
        self._windows = {w.id: w for w in windows}
        numbers = [int(m[1]) for w in windows if (m := _WINDOW_ID.match(w.id))]
        self._issued = max(numbers, default=0)
        self._covered = None

    # ---- reads ------------------------------------------------------------------------

    async def incidents(self, query: IncidentQuery) -> list[dict[str, Any]]:
        """The incidents passing the query, in listing order, at most ``limit``."""
        status = None if query.status == "all" else query.status
        snapshots = await self.store.incidents(status)
        majors, problems = await self._problem_maps()
        now = self.clock.now()
        chosen = []
        for snapshot in snapshots:
            summary = summary_of(
                IncidentFacts(snapshot.body),
                now,
                topology=self.topology,
                majors=majors,
                problems=problems,
            )
            if matches(query, summary):
                chosen.append((listing_order(summary), snapshot.body))
        chosen.sort(key=lambda item: item[0])
        found = []
        for _, body in chosen[: query.limit]:
            facts = await self._facts(body)
            found.append(
                summary_of(facts, now, topology=self.topology, majors=majors, problems=problems)
            )
        return found

    async def summary(self, incident_id: str) -> dict[str, Any] | None:
        """One incident's summary (None when the store does not know it)."""
        snapshot = await self.store.incident(incident_id)
        if snapshot is None:
            return None
        return await self._summary(snapshot.body)

    async def incident(self, incident_id: str) -> dict[str, Any]:
        """One incident's detail (raises 404)."""
        snapshot = await self.store.incident(incident_id)
        if snapshot is None:
            raise not_found(f"incident {incident_id!r}")
        facts = await self._facts(snapshot.body)
        majors, problems = await self._problem_maps()
        summary = summary_of(
            facts, self.clock.now(), topology=self.topology, majors=majors, problems=problems
        )
        return detail_of(facts, summary, await self.store.pages(incident_id))

    async def neighbourhood(self, incident_id: str, depth: int) -> dict[str, Any]:
        """The topology around the incident (raises 404)."""
        snapshot = await self.store.incident(incident_id)
        if snapshot is None:
            raise not_found(f"incident {incident_id!r}")
        return neighbourhood(self.topology, snapshot.body, depth=depth)

    # ---- writes through dispatch ------------------------------------------------------

    async def acknowledge(
        self, incident_id: str, actor: Principal, note: str | None = None
    ) -> dict[str, Any]:
        """Acknowledge an open incident (with an optional note); its summary."""
        dispatch = self._dispatch()
        await self._open(incident_id)
        now = self.clock.now()
        try:
            await dispatch.acknowledge(incident_id, actor=actor.name, now=now)
            if note:
                await dispatch.add_note(incident_id, text=note, actor=actor.name, now=now)
        except UnknownIncidentError as exc:
            raise not_found(f"incident {incident_id!r}") from exc
        self._logged(actor, "acknowledge", incident=incident_id, note=bool(note))
        return await self._summary_or_404(incident_id)

    async def assign(self, incident_id: str, assignee: str, actor: Principal) -> dict[str, Any]:
        """Assign an open incident to someone; its summary."""
        dispatch = self._dispatch()
        await self._open(incident_id)
        try:
            await dispatch.assign(
                incident_id, assignee=assignee, actor=actor.name, now=self.clock.now()
            )
        except UnknownIncidentError as exc:
            raise not_found(f"incident {incident_id!r}") from exc
        self._logged(actor, "assign", incident=incident_id, assignee=assignee)
        return await self._summary_or_404(incident_id)

    async def add_note(self, incident_id: str, text: str, actor: Principal) -> dict[str, Any]:
        """Add a note to an incident (open or not); the note as recorded."""
        dispatch = self._dispatch()
        if await self.store.incident(incident_id) is None:
            raise not_found(f"incident {incident_id!r}")
        now = self.clock.now()
        try:
            await dispatch.add_note(incident_id, text=text, actor=actor.name, now=now)
        except UnknownIncidentError as exc:
            raise not_found(f"incident {incident_id!r}") from exc
        self._logged(actor, "note", incident=incident_id)
        return {"at": now, "actor": actor.name, "text": text}

    # ---- writes through the engine ----------------------------------------------------

    async def merge(self, incident_id: str, other: str, actor: Principal) -> dict[str, Any]:
        """Fold ``other`` into the incident; the incident's summary."""
        if other == incident_id:
            raise OperationError(409, "cannot merge an incident into itself", "other")

        def command(engine: Engine, now: float) -> dict[str, Any]:
            return incident_json(engine.merge(incident_id, other, actor=actor.name, now=now))

        doc = await self._execute(command, field="other")
        now = self.clock.now()
        await self._history(incident_id, actor, now, f"merged {other} into this incident")
        await self._history(other, actor, now, f"merged into {incident_id}")
        self._logged(actor, "merge", incident=incident_id, other=other)
        return await self._summary_of_doc(doc)

    async def split(
        self, incident_id: str, alerts: Sequence[tuple[str, str]], actor: Principal
    ) -> dict[str, Any]:
        """Move alerts out of the incident into a new one; the new incident's summary."""

        def command(engine: Engine, now: float) -> dict[str, Any]:
            return incident_json(engine.split(incident_id, alerts, actor=actor.name, now=now))

        doc = await self._execute(command, field="alerts")
        new_id = str(doc["id"])
        now = self.clock.now()
        moved = ", ".join(f"{source}:{source_id}" for source, source_id in alerts)
        await self._history(incident_id, actor, now, f"split {moved} out into {new_id}")
        await self._history(new_id, actor, now, f"split out of {incident_id}: {moved}")
        self._logged(actor, "split", incident=incident_id, new_incident=new_id, alerts=len(alerts))
        return await self._summary_of_doc(doc)

    async def reroot(self, incident_id: str, node: str, actor: Principal) -> dict[str, Any]:
        """Make ``node`` the incident's root cause; its summary."""

        def command(engine: Engine, now: float) -> dict[str, Any]:
            return incident_json(engine.reroot(incident_id, node, actor=actor.name, now=now))

        doc = await self._execute(command, field="node")
        await self._history(incident_id, actor, self.clock.now(), f"re-rooted at {node}")
        self._logged(actor, "reroot", incident=incident_id, node=node)
        return await self._summary_of_doc(doc)

    # ---- maintenance windows ----------------------------------------------------------

    def windows(self, *, active: bool | None = None) -> list[dict[str, Any]]:
        """The windows (``active``: only those in force now, or only those not), oldest first."""
        now = self.clock.now()
        found = sorted(self._windows.values(), key=lambda w: (w.created_at, w.id))
        if active is not None:
            found = [w for w in found if w.active(now) is active]
        return [self._window_json(w, now) for w in found]

    async def open_window(self, request: WindowRequest, actor: Principal) -> dict[str, Any]:
        """Open a maintenance window; the window as saved."""
        now = self.clock.now()
        starts_at = request.starts_at if request.starts_at is not None else now
        ends_at = request.ends_at
        if request.duration_s is not None:
            if ends_at is not None:
                raise OperationError(400, "give ends_at or duration_s, not both", "duration_s")
            ends_at = starts_at + request.duration_s
        if ends_at is not None and ends_at <= starts_at:
            raise OperationError(400, "the window ends before it starts", "ends_at")
        if ends_at is not None and ends_at <= now:
            raise OperationError(400, "the window is already over", "ends_at")
        self._check_scope(request)
        self._issued += 1
        window = MaintenanceWindow(
            id=f"MW-{self._issued:06d}",
            nodes=request.nodes,
            sites=request.sites,
            tags=request.tags,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=request.reason,
            created_by=actor.name,
            created_at=now,
        )
        await self.store.save_window(window)
        self._windows[window.id] = window
        self._covered = None
        self._logged(
            actor,
            "maintenance_open",
            window=window.id,
            nodes=list(window.nodes),
            sites=list(window.sites),
            tags=list(window.tags),
            starts_at=starts_at,
            ends_at=ends_at,
        )
        return self._window_json(window, now)

    async def end_window(self, window_id: str, actor: Principal) -> dict[str, Any]:
        """End a window now; the window as saved (409 when it is already over)."""
        window = self._windows.get(window_id)
        if window is None:
            raise not_found(f"maintenance window {window_id!r}")
        now = self.clock.now()
        over = window.ended_at is not None or (window.ends_at is not None and window.ends_at <= now)
        if over:
            raise OperationError(409, f"maintenance window {window_id} is already over")
        ended = replace(window, ended_at=now, ended_by=actor.name)
        await self.store.save_window(ended)
        self._windows[window_id] = ended
        self._covered = None
        self._logged(actor, "maintenance_end", window=window_id)
        return self._window_json(ended, now)

    def maintenance(self, now: float) -> frozenset[str]:
        """The topology nodes in a window in force at ``now`` (the correlator asks each step)."""
        active = tuple(sorted(w.id for w in self._windows.values() if w.active(now)))
        cached = self._covered
        if cached is not None and cached[0] == active and cached[1] == id(self.topology):
            return cached[2]
        covered: frozenset[str] = frozenset().union(
            *(window_nodes(self._windows[w], self.topology) for w in active)
        )
        self._covered = (active, id(self.topology), covered)
        return covered

    # ---- internals --------------------------------------------------------------------

    def _window_json(self, window: MaintenanceWindow, now: float) -> dict[str, Any]:
        return {
            **window_json(window),
            "active": window.active(now),
            "covers": sorted(window_nodes(window, self.topology)),
        }

    def _check_scope(self, request: WindowRequest) -> None:
        if not (request.nodes or request.sites or request.tags):
            raise OperationError(400, "name at least one node, site or tag", "nodes")
        nodes = self.topology.nodes
        unknown = [n for n in request.nodes if n not in nodes]
        if unknown:
            raise OperationError(400, f"unknown node {unknown[0]!r}", "nodes")
        sites = {s.site for s in nodes.values() if s.site is not None}
        missing = [s for s in request.sites if s not in sites]
        if missing:
            raise OperationError(400, f"no node is at site {missing[0]!r}", "sites")
        for tag in request.tags:
            key, sep, value = tag.partition("=")
            if not any(key in s.tags and (not sep or s.tags[key] == value) for s in nodes.values()):
                raise OperationError(400, f"no node has the tag {tag!r}", "tags")

    def _dispatch(self) -> DispatchService:
        if self.dispatch is None:
            raise OperationError(409, "this process runs no dispatch stage")
        return self.dispatch

    async def _open(self, incident_id: str) -> None:
        snapshot = await self.store.incident(incident_id)
        if snapshot is None:
            raise not_found(f"incident {incident_id!r}")
        if snapshot.body.get("status") != "open":
            raise OperationError(409, f"incident {incident_id} is not open")

    async def _execute(
        self, command: Callable[[Engine, float], dict[str, Any]], *, field: str
    ) -> dict[str, Any]:
        if self.correlator is None:
            raise OperationError(409, "this process runs no correlator")
        try:
            return await self.correlator.execute(command)
        except OperatorError as exc:
            status = exc.status if exc.status in {400, 404, 409} else 400
            raise OperationError(status, str(exc), field if status == 400 else None) from exc

    async def _history(self, incident_id: str, actor: Principal, now: float, detail: str) -> None:
        await self.store.add_history(
            HistoryEntry(
                incident_id, now, actor.name, HistoryStep.UPDATED, f"{detail} ({actor.role})"
            )
        )

    def _logged(self, actor: Principal, action: str, **detail: Any) -> None:
        self.log.info("operator_action", actor=actor.name, role=actor.role, action=action, **detail)

    async def _problem_maps(self) -> tuple[dict[str, str], dict[str, str]]:
        problems = await self.store.problems()
        return (
            _members(problems, ProblemKind.MAJOR_INCIDENT),
            _members(problems, ProblemKind.PROBLEM),
        )

    async def _facts(self, body: Mapping[str, Any]) -> IncidentFacts:
        incident_id = str(body["id"])
        return IncidentFacts(
            body,
            tuple(await self.store.history(incident_id)),
            tuple(await self.store.tickets(incident_id)),
        )

    async def _summary(self, body: Mapping[str, Any]) -> dict[str, Any]:
        majors, problems = await self._problem_maps()
        return summary_of(
            await self._facts(body),
            self.clock.now(),
            topology=self.topology,
            majors=majors,
            problems=problems,
        )

    async def _summary_or_404(self, incident_id: str) -> dict[str, Any]:
        found = await self.summary(incident_id)
        if found is None:
            raise not_found(f"incident {incident_id!r}")
        return found

    async def _summary_of_doc(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The summary of an incident as the engine just left it, with what dispatch
        remembers of it (the store may not have the new record yet)."""
        stored = await self.store.incident(str(doc["id"]))
        body = dict(doc)
        if stored is not None and MEMORY_KEY in stored.body:
            body[MEMORY_KEY] = stored.body[MEMORY_KEY]
        return await self._summary(body)
