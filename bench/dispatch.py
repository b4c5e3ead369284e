# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""Dispatch benchmark: tickets and pages per generated storm next to its alerts; outbox rate.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/dispatch.py               # storms and outbox (about 15 s on 2 cores)
    .venv/bin/python bench/dispatch.py --quick       # fewer storms, 300 incident changes
    .venv/bin/python bench/dispatch.py --only outbox --changes 5000

(a) **Storms.** Generated storms (``tests/scenarios/generator.py``: seeds 1-4 on ~150 nodes,
1-2 on ~1,500) are replayed in-process through ``correlator.replay.main`` (the code path of
``correlator replay``, which says per incident which ticket the built-in queue would open
and how many pages went out). Per storm: its problem events (from the generator's truth)
and input lines, incidents, tickets, pages, and alerts per ticket and per page, next to
what a per-alert tool would have produced. That comparison baseline is a model, not a
measurement of any product: one ticket per problem event (a ticket per notification), and
one page per distinct alert that fired (source + the alert's identity: re-notifications of
an alert already paged are deduplicated, as PagerDuty does by key; Alertmanager alerts page
once per notification group, by ``groupKey``). An alert that recovers and fires again is
not paged again, so the baseline's page count is a lower bound.

(b) **Outbox.** N incident changes (incident records of those storms, renumbered), each
with a ``ticket.create`` and a ``page.trigger`` action, are enqueued one change per
``store.apply`` transaction, then drained by an ``OutboxWorker`` (the daemon's default
concurrency of 8) sending to an in-process ticket system and pager that answer at once and
record every call: the figure is the store and the worker's ceiling, not a ticket
system's. Stores: SQLite (a temporary file, WAL, ``synchronous=FULL`` as shipped: each
commit waits for an fsync, whose cost here is printed too) and a real PostgreSQL started by
the test harness (``tests/postgres_server.py``) on loopback, with the harness's settings
(fsync and synchronous_commit off: no commit waits for the disk, so that figure is an upper
bound for a durable server). When the PostgreSQL server cannot be run here, the report says
why instead of printing a figure. The drain is checked: every action sent once, one ticket
and one page per incident.

No targets are set for these figures. The exit status is 0, or 1 when the drain did not
send every action exactly once (a bug, not a slow machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
for folder in (ROOT, TESTS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from correlator.clock import WallClock  # noqa: E402
from correlator.correlate.engine import Status  # noqa: E402
from correlator.dispatch.model import (  # noqa: E402
    CommentKey,
    Page,
    PageEvent,
    TicketDraft,
    TicketRef,
    TicketState,
    TicketStatus,
)
from correlator.dispatch.outbox import OutboxWorker, send_page, ticket_create  # noqa: E402
from correlator.dispatch.priority import Priority  # noqa: E402
from correlator.dispatch.queue import IncidentSnapshot as QueueSnapshot  # noqa: E402
from correlator.dispatch.queue import alert_label, decide_ticket  # noqa: E402
from correlator.dispatch.service import SEVERITY  # noqa: E402
from correlator.dispatch.settings import DispatchSettings  # noqa: E402
from correlator.dispatch.sla import deadlines  # noqa: E402
from correlator.store.protocol import IncidentSnapshot, OutboxStatus, Store  # noqa: E402
from correlator.store.sqlite import SqliteStore  # noqa: E402
from tests.scenarios import generator as gen  # noqa: E402
from tests.scenarios import metrics as met  # noqa: E402

STORMS = {150: (1, 2, 3, 4), 1500: (1, 2)}
QUICK_STORMS = {150: (1, 2), 1500: (1,)}
CHANGES = 2_000
QUICK_CHANGES = 300
TICKET_TARGET = "tickets"
PAGER_TARGET = "oncall"
T0 = 1_764_000_000.0


def note(text: str) -> None:
    """An indented explanatory paragraph under a table."""
    print(textwrap.fill(text, width=92, initial_indent="  ", subsequent_indent="  "))


def replay_main():
    from correlator.replay import main  # noqa: PLC0415 - imported when the bench runs

    return main


# ---------------------------------------------------------------------------------------
# (a) tickets and pages per storm


@dataclass(frozen=True, slots=True)
class StormFigures:
    nodes: int
    seed: int
    lines: int
    problems: int
    incidents: int
    tickets: int
    pages: int
    per_alert_pages: int


def per_alert_pages(lines: list[dict[str, Any]]) -> int:
    """Pages a per-alert pager would send: one per distinct alert that fired (see above)."""
    keys: set[tuple[Any, ...]] = set()
    for line in lines:
        if line["source"] == "alertmanager":
            payload = line["payload"]
            if any(a["status"] == "firing" for a in payload["alerts"]):
                keys.add(("alertmanager", payload["groupKey"]))
            continue
        keys.update((line["source"], a["key"]) for a in met.alerts_of(line) if a["problem"])
    return len(keys)


def replay_storm(main, scenario: gen.Scenario, directory: Path) -> list[dict[str, Any]]:
    topology, alerts = scenario.write(directory)
    out = directory / "incidents.jsonl"
    status = main(["--topology", str(topology), "--alerts", str(alerts), "--out", str(out)])
    if status != 0:
        raise SystemExit(f"replay failed with status {status} on {alerts}")
    return met.read_incidents(out)


def ratio(alerts: int, count: int) -> str:
    return f"{alerts / count:,.1f}" if count else "-"


def bench_storms(storms: dict[int, tuple[int, ...]], work: Path) -> list[dict[str, Any]]:
    """Replay each storm, print its figures; return every incident record (outbox input)."""
    main = replay_main()
    print("\n(a) tickets and pages per generated storm (replayed with the default config)")
    print(f"{'nodes':>6} {'seed':>4} {'lines':>6} {'alerts':>6} {'incid.':>6} {'tickets':>7} "
          f"{'pages':>5} {'alerts/ticket':>13} {'alerts/page':>11}   "
          f"{'per-alert tool: tickets':>23} {'pages':>5}")  # fmt: skip
    rows: list[StormFigures] = []
    records: list[dict[str, Any]] = []
    for size, seeds in storms.items():
        for seed in seeds:
            scenario = gen.storm(seed, nodes=size)
            incidents = replay_storm(main, scenario, work / f"storm-{size}-{seed}")
            records.extend(incidents)
            row = StormFigures(
                nodes=len(scenario.topology["nodes"]),
                seed=seed,
                lines=len(scenario.lines),
                problems=len(scenario.problem_event_ids()),
                incidents=len(incidents),
                tickets=sum(1 for inc in incidents if inc.get("ticket")),
                pages=sum(int(inc.get("pages") or 0) for inc in incidents),
                per_alert_pages=per_alert_pages(scenario.lines),
            )
            rows.append(row)
            print(f"{row.nodes:>6,} {seed:>4} {row.lines:>6,} {row.problems:>6,} "
                  f"{row.incidents:>6,} {row.tickets:>7,} {row.pages:>5,} "
                  f"{ratio(row.problems, row.tickets):>13} {ratio(row.problems, row.pages):>11}   "
                  f"{row.problems:>23,} {row.per_alert_pages:>5,}")  # fmt: skip
    problems = sum(r.problems for r in rows)
    tickets = sum(r.tickets for r in rows)
    pages = sum(r.pages for r in rows)
    baseline_pages = sum(r.per_alert_pages for r in rows)
    print(f"{'all':>6} {'':>4} {sum(r.lines for r in rows):>6,} {problems:>6,} "
          f"{sum(r.incidents for r in rows):>6,} {tickets:>7,} {pages:>5,} "
          f"{ratio(problems, tickets):>13} {ratio(problems, pages):>11}   "
          f"{problems:>23,} {baseline_pages:>5,}")  # fmt: skip
    if tickets and pages:
        print(f"  vs the per-alert baseline: {problems / tickets:,.0f}x fewer tickets, "
              f"{baseline_pages / pages:,.0f}x fewer pages")  # fmt: skip
    note(
        "alerts = problem events of the generator's truth; lines = input lines (recoveries, "
        "acknowledgements, re-notifications included). Baseline (a model, not a product): "
        "one ticket per problem event; one page per distinct alert that fired (Alertmanager: "
        "per groupKey); re-fires after a recovery not counted, so its pages are a lower bound."
    )
    return records


# ---------------------------------------------------------------------------------------
# (b) outbox throughput


class RecordingTickets:
    """An in-process ticket system: one ticket per incident (idempotent), every call kept."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple[Any, ...]] = []
        self.by_incident: dict[str, TicketRef] = {}

    async def create(self, draft: TicketDraft) -> TicketRef:
        self.calls.append(("create", draft.incident_id))
        ref = self.by_incident.get(draft.incident_id)
        if ref is None:
            ref = TicketRef(self.name, f"FAKE-{len(self.by_incident) + 1}")
            self.by_incident[draft.incident_id] = ref
        return ref

    async def update(
        self,
        ref: TicketRef,
        *,
        comment: str | None = None,
        priority: Priority | None = None,
        title: str | None = None,
        key: CommentKey | None = None,
    ) -> None:
        self.calls.append(("update", ref.ticket_id, comment, priority, title, key))

    async def resolve(self, ref: TicketRef, comment: str, *, key: CommentKey | None = None) -> None:
        self.calls.append(("resolve", ref.ticket_id, comment, key))

    async def fetch(self, ref: TicketRef) -> TicketState:
        return TicketState(ref, TicketStatus.NEW)


class RecordingPager:
    """An in-process pager that keeps every page it is given."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pages: list[tuple[str, PageEvent]] = []

    async def send(self, page: Page) -> None:
        self.pages.append((page.dedup_key, page.event))


def incident_changes(templates: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """``n`` open incident records, the storms' records renumbered (sizes as in real storms)."""
    changes = []
    for i in range(n):
        template = templates[i % len(templates)]
        changes.append(
            {
                **template,
                "id": f"INC-{i + 1:06d}",
                "status": Status.OPEN.value,
                "resolved_at": None,
                "opened_at": T0 + i,
                "updated_at": T0 + i + 30.0,
            }
        )
    return changes


def actions_of(doc: dict[str, Any], settings: DispatchSettings) -> list[Any]:
    """The ticket.create and page.trigger of a newly announced incident, built as dispatch does."""
    priority = Priority(doc.get("priority") or Priority.P5.value)
    team = doc.get("team") or settings.default_team
    root = doc.get("root_cause")
    subject = root or str(doc["title"]).split(" ", 1)[0]
    snap = QueueSnapshot(
        incident_id=doc["id"],
        title=doc["title"],
        status=Status.OPEN,
        announced=True,
        opened_at=doc["opened_at"],
        priority=priority,
        root=root,
        subject=subject,
        inferred=bool(doc.get("root_cause_inferred")),
        priority_reason=str(doc.get("priority_reason") or ""),
        nodes=frozenset(doc.get("nodes") or ()),
        alerts=frozenset(
            alert_label(a["source"], a["host"], a.get("check")) for a in doc.get("alerts") or ()
        ),
    )
    decision = decide_ticket(None, snap, team=team)
    draft = decision.actions[0].draft
    assert draft is not None
    due = deadlines(priority, snap.opened_at, settings.sla.targets, settings.sla.warn_at)
    page = Page(
        dedup_key=doc["id"],
        event=PageEvent.TRIGGER,
        summary=doc["title"],
        priority=priority,
        team=team,
        source=subject,
        severity=SEVERITY[priority],
        details={"reason": "benchmark"},
    )
    return [
        ticket_create(
            TICKET_TARGET,
            draft,
            response_due=due.response_due,
            resolution_due=due.resolution_due,
        ),
        send_page(PAGER_TARGET, page, change="t1"),
    ]


@dataclass(slots=True)
class OutboxFigures:
    changes: int
    actions: int
    enqueue_s: float
    drain_s: float
    problems: list[str] = field(default_factory=list)


async def run_outbox(
    store: Store, changes: list[dict[str, Any]], concurrency: int
) -> OutboxFigures:
    """Enqueue every change (one apply each), then drain the outbox; time both."""
    settings = DispatchSettings()
    prepared = [(IncidentSnapshot.of(doc), actions_of(doc, settings)) for doc in changes]
    actions = sum(len(a) for _s, a in prepared)
    tickets = RecordingTickets(TICKET_TARGET)
    pager = RecordingPager(PAGER_TARGET)
    worker = OutboxWorker(
        store,
        {TICKET_TARGET: tickets},
        {PAGER_TARGET: pager},
        WallClock(),
        concurrency=concurrency,
        rng=random.Random(0),
    )
    await store.open()
    try:
        start = time.perf_counter()
        for snapshot, batch in prepared:
            await store.apply(snapshot, batch)
        enqueue_s = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(100):  # passes; one is enough unless something was deferred
            summary = await worker.run_once(max_batches=1_000_000)
            if not summary.handled:
                break
        drain_s = time.perf_counter() - start
        counts = await store.outbox_counts()
    finally:
        await store.close()
    figures = OutboxFigures(len(changes), actions, enqueue_s, drain_s)
    n = len(changes)
    if counts[OutboxStatus.SENT] != actions or counts[OutboxStatus.PENDING]:
        figures.problems.append(f"outbox after the drain: {dict(counts)} (expected {actions} sent)")
    creates = Counter(call[1] for call in tickets.calls if call[0] == "create")
    if len(creates) != n or max(creates.values(), default=0) != 1:
        figures.problems.append(
            f"ticket system saw {sum(creates.values())} creates for {len(creates)} incidents"
        )
    paged = Counter(key for key, _event in pager.pages)
    if len(paged) != n or max(paged.values(), default=0) != 1:
        figures.problems.append(f"pager saw {len(pager.pages)} pages for {len(paged)} incidents")
    return figures


def print_header(changes: int, concurrency: int) -> None:
    print(f"\n(b) outbox: {changes:,} incident changes, each a ticket.create and a page.trigger "
          f"({2 * changes:,} actions); worker concurrency {concurrency}")  # fmt: skip
    print(f"{'store':<34} {'enqueue s':>9} {'changes/s':>9} {'actions/s':>9} "
          f"{'drain s':>8} {'actions/s':>9}  check")  # fmt: skip


def print_row(label: str, f: OutboxFigures) -> bool:
    check = "ok: each action sent once" if not f.problems else "FAILED: " + "; ".join(f.problems)
    print(f"{label:<34} {f.enqueue_s:>9.2f} {f.changes / f.enqueue_s:>9,.0f} "
          f"{f.actions / f.enqueue_s:>9,.0f} {f.drain_s:>8.2f} {f.actions / f.drain_s:>9,.0f}  "
          f"{check}")  # fmt: skip
    return not f.problems


def filesystem_of(path: Path) -> str:
    """The file system type under ``path`` (fsync is free on tmpfs), from /proc/mounts."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return "unknown file system"
    target = str(path.resolve())
    best, kind = "", "unknown file system"
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, parts[2]
    return kind


def fsync_ms(directory: Path, count: int = 50) -> float:
    """Median time of one small write + fsync in ``directory`` (what a durable commit waits)."""
    path = directory / "fsync-probe"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(count):
            os.write(fd, b"x" * 512)
            start = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    return sorted(times)[len(times) // 2] * 1000


def bench_sqlite(changes: list[dict[str, Any]], concurrency: int, work: Path) -> bool:
    store = SqliteStore(work / "outbox.db", clock=WallClock())
    figures = asyncio.run(run_outbox(store, changes, concurrency))
    ok = print_row(f"SQLite {sqlite3.sqlite_version} (temporary file)", figures)
    note(
        f"SQLite: WAL, synchronous=FULL as shipped: every commit waits for an fsync; here "
        f"({filesystem_of(work)}) one fsync of a small write takes {fsync_ms(work):.2f} ms "
        "(median of 50)."
    )
    return ok


def bench_postgres(changes: list[dict[str, Any]], concurrency: int) -> bool:
    from postgres_server import (  # noqa: PLC0415 - the test harness, only when needed
        PostgresServer,
        PostgresUnavailableError,
        missing_prerequisite,
    )

    from correlator.store.postgres import PostgresStore  # noqa: PLC0415 - imports psycopg

    reason = missing_prerequisite()
    if reason is not None:
        print(f"{'PostgreSQL':<34} not measured: {reason}")
        return True
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailableError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"{'PostgreSQL':<34} not measured: the test server did not start: {first}")
        return True
    ok = True
    try:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(server.dsn()) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        version = str(row[0]).split()[0] if row else "?"
        store = PostgresStore(server.database(), clock=WallClock())
        figures = asyncio.run(run_outbox(store, changes, concurrency))
        ok = print_row(f"PostgreSQL {version} (loopback TCP)", figures)
        note(
            f"PostgreSQL: the throw-away server of tests/postgres_server.py (ready in "
            f"{server.startup_s:.1f} s) with its test settings: fsync, synchronous_commit and "
            "full_page_writes off, so no commit waits for the disk: an upper bound for a "
            "durable server (the harness has no switch for them, and its command line "
            "outranks ALTER SYSTEM)."
        )
    finally:
        server.stop()
    return ok


def bench_outbox(
    templates: list[dict[str, Any]], n: int, concurrency: int, stores: list[str], work: Path
) -> bool:
    changes = incident_changes(templates, n)
    body = sum(len(json.dumps(doc)) for doc in changes) / len(changes)
    print_header(n, concurrency)
    ok = True
    if "sqlite" in stores:
        ok = bench_sqlite(changes, concurrency, work) and ok
    if "postgres" in stores:
        ok = bench_postgres(changes, concurrency) and ok
    note(
        f"Enqueue: one store.apply transaction per change (its incident record, {body:,.0f} B "
        "on average, and 2 actions), one after the other as dispatch writes them. Drain: "
        "OutboxWorker.run_once until nothing is due, every send answered at once by an "
        "in-process fake ticket system and pager (no network)."
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("storms", "outbox"), help="run one part only")
    parser.add_argument(
        "--changes", type=int, help=f"incident changes enqueued per store (default {CHANGES:,})"
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="outbox worker concurrency (daemon: 8)"
    )
    parser.add_argument(
        "--stores", default="sqlite,postgres", help="outbox stores: sqlite, postgres"
    )
    parser.add_argument(
        "--quick", action="store_true", help="storms 1-2 on 150 nodes and 1 on 1,500; 300 changes"
    )
    parser.add_argument("--keep", type=Path, help="write the generated storms here and keep them")
    args = parser.parse_args(argv)
    storms = QUICK_STORMS if args.quick else STORMS
    n = args.changes or (QUICK_CHANGES if args.quick else CHANGES)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = sorted(set(stores) - {"sqlite", "postgres"})
    if unknown:
        parser.error(f"unknown store(s): {', '.join(unknown)} (sqlite, postgres)")
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    usable = f", {affinity} usable" if affinity is not None and affinity != os.cpu_count() else ""
    print(f"correlator dispatch benchmark ({os.cpu_count()} CPUs{usable}, "
          f"python {sys.version.split()[0]})")  # fmt: skip
    ok = True
    with tempfile.TemporaryDirectory(prefix="dispatch-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.only == "outbox":
            templates = replay_storm(replay_main(), gen.storm(1, nodes=150), work / "storm")
        else:
            templates = bench_storms(storms, work)
        if args.only != "storms":
            ok = bench_outbox(templates, n, args.concurrency, stores, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
