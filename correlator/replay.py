"""``correlator replay``: run the daemon's correlation on a recorded stream (specs/replay.md).

Time is event time (each line's ``at``), so the same files always give byte-identical
output. The same parsers and the same engine as the daemon are used; only the clock and
the transport differ.

Each incident also says which ticket of the built-in queue (``TKT-000001``...) the dispatch
stage would have opened for it (``ticket``; null when none would have been yet, e.g. still
inside its opening hold, or when the config has no built-in queue): the same ticket
decision as the daemon's, taken on every incident change in the order the daemon sees
them, without contacting anything. ``priority`` follows the config's
``dispatch.priority_matrix`` and ``team`` its ``dispatch.routing`` rules, as in the daemon.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from connectors.base import Connector, InvalidPayloadError, ParseContext
from correlator.correlate.engine import Decision, Engine, Incident
from correlator.correlate.graph import GraphIndex
from correlator.correlate.report import incident_json
from correlator.correlate.settings import EngineSettings
from correlator.dispatch.queue import TicketActionKind, decide_ticket, snapshot_of
from correlator.dispatch.routing import route
from correlator.dispatch.settings import DispatchSettings
from correlator.dispatch.tickets.builtin import ticket_id_of
from correlator.model import Source
from topology.model import Topology

EXIT_OK: Final = 0
EXIT_USAGE: Final = 2


class ReplayError(Exception):
    """A problem that stops the replay: one line naming the file and line."""


@dataclass(frozen=True, slots=True)
class ReplayLine:
    """One recorded event of the input file."""

    number: int
    at: float
    source: str
    event_id: str | None
    payload: Any
    observer: str | None


@dataclass(slots=True)
class ReplayReport:
    """What a replay produced, besides the incidents."""

    lines: int = 0
    events: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Per-source parse options taken from the config (observer default, time zone)."""

    observers: Mapping[str, str | None] = field(default_factory=dict)
    timezones: Mapping[str, str] = field(default_factory=dict)


class TicketNumbering:
    """The built-in queue's ticket of each incident, numbered as the daemon's queue would.

    The daemon's dispatch stage opens an incident's ticket on the first change that finds
    it announced (:func:`correlator.dispatch.queue.decide_ticket`), changes taken in the
    order the correlator publishes them (per batch, by incident number); the queue numbers
    tickets in that order. An incident merged away before it was announced opens none.
    """

    def __init__(self, topology: Topology, settings: DispatchSettings) -> None:
        self._graph = GraphIndex(topology)
        self._settings = settings
        self._tickets: dict[str, str] = {}

    def observe(self, changed: Iterable[Incident]) -> None:
        """Take one batch of incident changes (``Engine.drain_changes``)."""
        for inc in changed:
            if inc.id in self._tickets:
                continue
            snap = snapshot_of(inc, self._graph)
            team = route(
                snap.node,
                snap.checks,
                self._settings.routing,
                default_team=self._settings.default_team,
            )
            decision = decide_ticket(None, snap, team=team.team, route_reason=team.reason)
            if any(a.kind is TicketActionKind.CREATE for a in decision.actions):
                self._tickets[inc.id] = ticket_id_of(len(self._tickets) + 1)

    def ticket_of(self, incident_id: str) -> str | None:
        """``TKT-nnnnnn`` of the incident, or None when no ticket would be open yet."""
        return self._tickets.get(incident_id)


def dispatch_team(inc: Incident, graph: GraphIndex, settings: DispatchSettings) -> str:
    """The team the daemon's dispatch stage gives the incident: the root node's team,
    overridden by the config's routing rules (``dispatch.routing``), else the default."""
    snap = snapshot_of(inc, graph)
    return route(snap.node, snap.checks, settings.routing, default_team=settings.default_team).team


def read_lines(path: Path, text: Iterable[str]) -> Iterator[ReplayLine]:
    """Decode input lines; a line that is not a JSON object stops with file and line."""
    previous = float("-inf")
    for number, raw in enumerate(text, start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ReplayError(f"{path}:{number}: not JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise ReplayError(f"{path}:{number}: expected a JSON object")
        at = data.get("at")
        if isinstance(at, bool) or not isinstance(at, int | float):
            raise ReplayError(f"{path}:{number}: 'at' must be a number of epoch seconds")
        source = data.get("source")
        if not isinstance(source, str):
            raise ReplayError(f"{path}:{number}: 'source' must be a string")
        event_id = data.get("id")
        observer = data.get("observer")
        # Lines are promised in `at` order; tolerate small disorder without reordering
        # history (the clock never goes backwards).
        at_f = max(float(at), previous)
        previous = at_f
        yield ReplayLine(
            number=number,
            at=at_f,
            source=source,
            event_id=None if event_id is None else str(event_id),
            payload=data.get("payload"),
            observer=observer if isinstance(observer, str) and observer else None,
        )


def replay(
    engine: Engine,
    lines: Iterable[ReplayLine],
    connectors: Mapping[str, Connector],
    *,
    options: SourceOptions | None = None,
    explain: IO[str] | None = None,
    errors: IO[str] | None = None,
    report: ReplayReport | None = None,
    tickets: TicketNumbering | None = None,
) -> list[Incident]:
    """Feed every line through its connector and the engine; return the incidents.

    With ``tickets``, the incident changes of each line are handed to it (the engine's
    change list is then drained after every line)."""
    options = options or SourceOptions()
    report = report if report is not None else ReplayReport()
    seq = 0
    for line in lines:
        report.lines += 1
        connector = connectors.get(line.source)
        if connector is None:
            _reject(report, errors, explain, line, f"unknown source {line.source!r}")
            continue
        ctx = ParseContext(
            received_at=line.at,
            observer=line.observer or options.observers.get(line.source),
            timezone=options.timezones.get(line.source, "UTC"),
        )
        try:
            events = connector.parse(line.payload, ctx)
        except InvalidPayloadError as exc:
            _reject(report, errors, explain, line, f"invalid {line.source} alert: {exc}")
            continue
        engine.advance(line.at)
        decisions: list[Decision] = []
        for event in events:
            seq += 1
            report.events += 1
            decisions.append(
                engine.handle(event, seq=line.number, event_id=line.event_id, now=line.at)
            )
        if explain is not None:
            explain.write(_explain_line(line, decisions))
        if tickets is not None:
            tickets.observe(engine.drain_changes())
    return engine.incidents()


def _label(line: ReplayLine) -> str:
    return f"line {line.number}" + (f" ({line.event_id})" if line.event_id else "")


def _explain_line(line: ReplayLine, decisions: Sequence[Decision]) -> str:
    """One line per input line, whatever number of alerts its payload carried."""
    if not decisions:
        return f"{_label(line)}: nothing to correlate in this payload\n"
    parts = []
    for decision in decisions:
        target = f" {decision.incident}" if decision.incident else ""
        parts.append(f"{decision.action.value}{target}: {decision.reason}")
    return f"{_label(line)}: " + " | ".join(parts) + "\n"


def _reject(
    report: ReplayReport,
    errors: IO[str] | None,
    explain: IO[str] | None,
    line: ReplayLine,
    reason: str,
) -> None:
    report.rejected.append((line.number, reason))
    if errors is not None:
        errors.write(f"line {line.number}: skipped: {reason}\n")
    if explain is not None and explain is not errors:
        explain.write(f"{_label(line)}: rejected: {reason}\n")


class _ArgumentError(Exception):
    pass


class _QuietParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line and exit 2, not a usage dump
        raise _ArgumentError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _QuietParser(
        prog="correlator replay",
        description="Correlate a recorded alert stream and print the incidents (JSON lines).",
    )
    parser.add_argument("--topology", required=True, type=Path, help="topology file")
    parser.add_argument("--alerts", required=True, type=Path, help="recorded events (JSONL)")
    parser.add_argument("--config", type=Path, help="daemon config (correlation section)")
    parser.add_argument("--out", type=Path, help="incidents output (default: stdout)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="write one line per input event to standard error saying what was done and why",
    )
    return parser


@dataclass(frozen=True, slots=True)
class _Loaded:
    engine: EngineSettings
    options: SourceOptions
    dispatch: DispatchSettings
    builtin_queue: bool


def _load_settings(path: Path | None) -> _Loaded:
    if path is None:
        return _Loaded(EngineSettings(), SourceOptions(), DispatchSettings(), builtin_queue=True)
    from correlator.config import ConfigError, load_config  # noqa: PLC0415 - lazy: CLI only

    try:
        config = load_config(path, {})
    except ConfigError as exc:
        raise ReplayError(str(exc)) from None
    observers: dict[str, str | None] = {}
    timezones: dict[str, str] = {}
    for source in Source:
        section = config.connectors.for_source(source)
        if section.observer:
            observers[source.value] = section.observer
        timezone = getattr(section, "timezone", None)  # only Zabbix has one
        if timezone:
            timezones[source.value] = timezone
    return _Loaded(
        config.correlation,
        SourceOptions(observers, timezones),
        config.dispatch,
        config.tickets.builtin() is not None,
    )


class _Progress:
    """A progress bar on standard error, only when it is a terminal."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.enabled = stream.isatty()
        self.last = -1

    def wrap(self, lines: Iterable[ReplayLine]) -> Iterator[ReplayLine]:
        for line in lines:
            if self.enabled:
                pct = line.number * 100 // self.total
                if pct != self.last:
                    self.last = pct
                    bar = "#" * (pct // 4)
                    self.stream.write(f"\rreplay [{bar:<25}] {pct:3d}%")
                    self.stream.flush()
            yield line
        if self.enabled:
            self.stream.write("\n")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while the topology is read and indexed: it builds hundreds
    of thousands of objects that all stay, and each collection that their count sets
    off walks them again for nothing (on 15,000 nodes over half of the start-up time:
    2.3 -> 1.0 s). Whatever cyclic garbage it leaves waits for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Keep the objects that exist before the replay starts (the topology and its indexes,
    tens of thousands of them on a large graph) out of the garbage collector's passes
    while it runs: they live until the end anyway, and every full collection would walk
    them again (a tenth of the replay's time on 15,000 nodes). Released afterwards.

    No ``gc.collect()`` first: it gained no time, and it moved the sampled figure of
    bench/correlate.py up by about 150 B per active alert."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``correlator replay``; returns the exit status."""
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except _ArgumentError as exc:
        print(f"correlator replay: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run(args)
    except ReplayError as exc:
        print(f"correlator replay: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    from connectors.registry import connectors_by_name  # noqa: PLC0415 - lazy: CLI only
    from topology.load import load_topology  # noqa: PLC0415
    from topology.model import TopologyError  # noqa: PLC0415

    loaded = _load_settings(args.config)
    with _collector_paused():
        try:
            topology = load_topology(args.topology)
        except TopologyError as exc:
            raise ReplayError(str(exc)) from None
        except OSError as exc:
            raise ReplayError(f"{args.topology}: cannot read: {exc.strerror}") from None
        engine = Engine(
            topology,
            loaded.engine,
            default_team=loaded.dispatch.default_team,
            paging=loaded.dispatch.paging,
            priority_matrix=loaded.dispatch.priority_matrix,
        )
        tickets = TicketNumbering(topology, loaded.dispatch) if loaded.builtin_queue else None
    report = ReplayReport()
    # The recording is streamed line by line (a week of alerts need not fit in memory);
    # a line that is not JSON still stops the replay with its file and line, before any
    # output is written.
    try:
        with _frozen_heap(), args.alerts.open(encoding="utf-8") as stream:
            total = 0
            if sys.stderr.isatty():  # the progress bar needs the count: one cheap pass
                total = sum(1 for _ in stream)
                stream.seek(0)
            incidents = replay(
                engine,
                _Progress(total, sys.stderr).wrap(read_lines(args.alerts, stream)),
                connectors_by_name(),
                options=loaded.options,
                explain=sys.stderr if args.explain else None,
                errors=sys.stderr,
                report=report,
                tickets=tickets,
            )
    except OSError as exc:
        raise ReplayError(f"{args.alerts}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ReplayError(f"{args.alerts}: not UTF-8 text") from None
    graph = GraphIndex(topology)
    # Written an incident at a time: a week's incidents are never all held as text.
    lines = (
        json.dumps(
            {
                **incident_json(inc),
                "team": dispatch_team(inc, graph, loaded.dispatch),
                "ticket": tickets.ticket_of(inc.id) if tickets else None,
            },
            ensure_ascii=False,
        )
        + "\n"
        for inc in incidents
    )
    if args.out is None:
        sys.stdout.writelines(lines)
    else:
        try:
            with args.out.open("w", encoding="utf-8") as sink:
                sink.writelines(lines)
        except OSError as exc:
            raise ReplayError(f"{args.out}: cannot write: {exc.strerror}") from None
    if report.rejected:
        print(
            f"correlator replay: {len(report.rejected)} of {report.lines} lines skipped "
            "(not a valid alert of their source)",
            file=sys.stderr,
        )
    return EXIT_OK
