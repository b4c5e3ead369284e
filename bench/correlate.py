"""Correlation benchmark: replay throughput, per-alert cost and memory per active alert.

Generates storms (``tests/scenarios/generator.py``) on enterprises of about 150, 1,500 and
15,000 nodes, replays each in-process on one core through ``correlator.replay.main`` (the
same code path as ``correlator replay``) and prints, next to each target:

- **alerts/s** per size: input lines per second of replay. The replay's fixed start-up cost
  (reading and indexing the topology) is measured on a one-line input and taken out; the raw
  figure, start-up included, is printed beside it. Only the replay is timed, never the
  generation. Best of ``--repeat`` runs.
- **per-alert cost ratio**, largest / smallest topology (flat cost is the design goal).
- **memory per active alert** (tracemalloc): two replays on the same topology whose inputs
  leave N1 and N2 alerts active at the end (nothing recovers); (peak2 - peak1) / (N2 - N1)
  cancels the topology and the fixed costs (each peak the smallest of three runs). The
  share of that which is just the input text the replay holds is printed too.

Targets: >= 50,000 alerts/s on 1,500 nodes; ratio <= 1.5; <= 2 KiB per active alert.

    .venv/bin/python bench/correlate.py              # full run (a few minutes)
    .venv/bin/python bench/correlate.py --quick      # smaller inputs, one repeat
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.scenarios import generator as gen  # noqa: E402
from tests.scenarios import metrics as met  # noqa: E402

TARGET_RATE = 50_000.0  # alerts/s on ~1,500 nodes
TARGET_RATIO = 1.5
TARGET_BYTES = 2048.0
FAULTS_PER_HOUR = {150: 1.0, 1500: 6.0, 15000: 25.0}


def replay_main():
    from correlator.replay import main  # noqa: PLC0415 - imported when the bench runs

    return main


def pin_one_core() -> str:
    """Run on one core, so the figures do not depend on the machine's core count."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity here)"


def storm_with_lines(seed: int, nodes: int, lines: int) -> gen.Scenario:
    """A storm-dominated stream on ~``nodes`` nodes, cut to exactly ``lines`` lines."""
    world = gen.build_world(seed, nodes)
    rate = FAULTS_PER_HOUR.get(nodes, max(1.0, nodes / 600))
    hours = max(1.0, lines / 250 / rate)  # storms average a few hundred lines a failure
    scenario = None
    for _ in range(8):
        faults = max(4, round(hours * rate))
        scenario = gen.generate(
            seed,
            nodes=nodes,
            faults=faults,
            weights=gen.STORM_WEIGHTS,
            noise=faults // 2,
            flapping=max(1, round(hours / 12)),
            maintenance=max(1, round(hours / 12)),
            hours=hours,
            world=world,
        )
        if len(scenario.lines) >= lines:
            break
        hours *= min(6.0, 1.2 * lines / max(1, len(scenario.lines)))
    assert scenario is not None
    kept = scenario.lines[:lines]
    ids = {line["id"] for line in kept}
    truth = [
        gen.TrueIncident(**{**_fields(t), "event_ids": tuple(e for e in t.event_ids if e in ids)})
        for t in scenario.truth
        if any(e in ids for e in t.event_ids)
    ]
    problems = sum(len(t.event_ids) for t in truth)
    stats = {**scenario.stats, "lines": len(kept), "problem_events": problems}
    return gen.Scenario(scenario.seed, scenario.topology, kept, truth, stats)


def _fields(t: gen.TrueIncident) -> dict:
    return {name: getattr(t, name) for name in gen.TrueIncident.__dataclass_fields__}


def open_storm(seed: int, nodes: int, faults: int, world: gen.World) -> gen.Scenario:
    """Failures that never recover within the input: every alert they raise stays active."""
    return gen.generate(
        seed,
        nodes=nodes,
        faults=faults,
        weights=gen.STORM_WEIGHTS,
        noise=0,
        flapping=0,
        maintenance=0,
        hours=4.0,
        open_share=1.0,
        world=world,
    )


def active_alerts(lines: list[dict]) -> int:
    """Distinct alerts (source + identity) whose last state in the input is a problem."""
    state: dict[tuple, bool] = {}
    for line in lines:
        for alert in met.alerts_of(line):
            state[(line["source"], alert["key"])] = alert["problem"]
    return sum(state.values())


def write_inputs(scenario: gen.Scenario, directory: Path) -> tuple[Path, Path, Path]:
    topology, alerts = scenario.write(directory)
    tiny = directory / "one-line.jsonl"
    tiny.write_text(json.dumps(scenario.lines[0]) + "\n", encoding="utf-8")
    return topology, alerts, tiny


def timed_replay(main, topology: Path, alerts: Path, out: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        status = main(["--topology", str(topology), "--alerts", str(alerts), "--out", str(out)])
        elapsed = time.perf_counter() - start
        if status != 0:
            raise SystemExit(f"replay failed with status {status} on {alerts}")
        best = min(best, elapsed)
    return best


class Sampler:
    """Samples tracemalloc's current traced size from a helper thread while replay runs."""

    def __init__(self, every: float = 0.002) -> None:
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.start = 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(
                (time.perf_counter() - self.start, tracemalloc.get_traced_memory()[0])
            )
            time.sleep(self.every)

    def __enter__(self) -> Self:
        self.start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def traced_run(
    main, topology: Path, alerts: Path, out: Path
) -> tuple[float, list[tuple[float, int]]]:
    """Replay under tracemalloc; return its duration and the (time, bytes) samples."""
    gc.collect()
    tracemalloc.start()
    try:
        with Sampler() as sampler:
            status = main(["--topology", str(topology), "--alerts", str(alerts), "--out", str(out)])
        duration = time.perf_counter() - sampler.start
    finally:
        tracemalloc.stop()
    if status != 0:
        raise SystemExit(f"replay failed with status {status} on {alerts}")
    return duration, sampler.samples


def verdict(ok: bool) -> str:
    return "ok " if ok else "MISS"


def bench_throughput(
    sizes: list[int], lines: int, repeat: int, seed: int, work: Path
) -> dict[int, float]:
    main = replay_main()
    cost: dict[int, float] = {}
    print(f"\nthroughput: {lines:,} input lines per size, best of {repeat}")
    print(f"{'nodes':>8} {'sites':>5} {'lines':>8} {'problems':>8} {'gen s':>6} {'start-up s':>10} "
          f"{'replay s':>8} {'raw/s':>9} {'alerts/s':>9}  target")  # fmt: skip
    for size in sizes:
        t0 = time.perf_counter()
        scenario = storm_with_lines(seed, size, lines)
        generated = time.perf_counter() - t0
        directory = work / f"throughput-{size}"
        topology, alerts, tiny = write_inputs(scenario, directory)
        out = directory / "incidents.jsonl"
        startup = timed_replay(main, topology, tiny, out, repeat)
        total = timed_replay(main, topology, alerts, out, repeat)
        n = len(scenario.lines)
        net = max(total - startup, 1e-9)
        cost[size] = net / n
        rate = n / net
        target = f">= {TARGET_RATE:,.0f} {verdict(rate >= TARGET_RATE)}" if size == 1500 else ""
        print(f"{len(scenario.topology['nodes']):>8,} {scenario.stats['sites']:>5} {n:>8,} "
              f"{scenario.stats['problem_events']:>8,} {generated:>6.1f} {startup:>10.3f} {total:>8.3f} "
              f"{n / total:>9,.0f} {rate:>9,.0f}  {target}")  # fmt: skip
        incidents = met.read_incidents(out)
        quality = met.evaluate(incidents, scenario.truth)
        print(f"{'':>8} quality on this stream: {quality.summary()}")
    return cost


def first_problems(lines: list[dict]) -> list[dict]:
    """Only each alert's first problem line: as many lines as active alerts, nothing more."""
    seen: set[tuple] = set()
    kept = []
    for line in lines:
        new = [
            a
            for a in met.alerts_of(line)
            if a["problem"] and (line["source"], a["key"]) not in seen
        ]
        if new:
            seen.update((line["source"], a["key"]) for a in new)
            kept.append(line)
    return kept


def held_memory(main, topology: Path, alerts: Path, out: Path) -> tuple[int, int]:
    """Largest traced size once the topology load is over, and how many samples it rests on.

    Loading ends with its temporaries freed: the traced size falls well below the peak it
    reached. Everything after that fall is the replay holding the topology, its input and
    its alerts; the maximum there is reached with every alert active.
    """
    _duration, samples = traced_run(main, topology, alerts, out)
    top = 0
    start = None
    for i, (_t, size) in enumerate(samples):
        if size > top:
            top = size
        elif size < 0.75 * top:
            start = i
            break
    if start is None:
        raise SystemExit(f"no end of the topology load seen in {len(samples)} samples")
    after = [size for _t, size in samples[start:]]
    return max(after), len(after)


def bench_memory(size: int, faults: int, seed: int, work: Path, runs: int = 3) -> None:
    """Memory held while N alerts are active, per alert, net of the topology and fixed costs.

    Loading the topology has a transient peak larger than a storm's state, so plain peaks
    would measure the loader. A helper thread samples the traced size instead; the load
    phase ends where the traced size falls from the load's peak (its temporaries freed), and
    only samples after that count (nothing recovers, so the maximum is reached with all N
    alerts active). Two inputs with N1 and N2 active alerts on the same topology -- N1 is
    every other true incident of the N2 storm -- give (held2 - held1) / (N2 - N1). Each
    input is replayed ``runs`` times and the smallest held size kept: the sampler catches
    a short-lived peak in some runs only, and such a peak is not state held per alert.

    Primary figure: inputs cut to each alert's first problem line (one line per alert), so
    that what a replay keeps per *input line* weighs as little as the black box allows.
    Secondary: the full streams (re-notifications, acknowledgements, grouped bodies).
    """
    main = replay_main()
    world = gen.build_world(seed, size)
    large = open_storm(seed, size, 2 * faults, world)
    # N1: every other true incident of the same storm, so both inputs are alike
    half = {e for t in large.truth[::2] for e in t.event_ids}
    kept = [line for line in large.lines if line["id"] in half]
    small = gen.Scenario(large.seed, large.topology, kept, [], {})
    directory = work / f"memory-{size}"
    topology, _alerts, tiny = write_inputs(small, directory / "base")
    out = directory / "incidents.jsonl"
    load_time, _samples = traced_run(main, topology, tiny, out)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)  # let the sampler in often
    print(f"\nmemory per active alert on {len(small.topology['nodes']):,} nodes "
          f"(tracemalloc sampled after the topology load, {load_time:.2f} s; nothing recovers)")  # fmt: skip
    print(
        f"{'input':>12} {'run':>4} {'active':>8} {'lines':>8} {'input B':>11} {'held B':>12} {'samples':>8}"
    )
    figures = {}
    for label, reduce in (("first-only", first_problems), ("full", lambda lines: lines)):
        rows = []
        for name, scenario in (("N1", small), ("N2", large)):
            lines = reduce(scenario.lines)
            cut = gen.Scenario(scenario.seed, scenario.topology, lines, [], {})
            alerts = directory / f"{label}-{name}.jsonl"
            alerts.write_text(cut.alerts_jsonl(), encoding="utf-8")
            # Each run's figure is the largest sample after the load; a short-lived peak
            # (a repartition's temporaries, the output being written) is caught in some
            # runs and not others, so the smallest of the runs' figures is kept.
            held, count = min(held_memory(main, topology, alerts, out) for _ in range(runs))
            rows.append((active_alerts(lines), len(lines), alerts.stat().st_size, held))
            print(f"{label:>12} {name:>4} {rows[-1][0]:>8,} {len(lines):>8,} {rows[-1][2]:>11,} "
                  f"{held:>12,} {count:>8}")  # fmt: skip
        (a1, _n1, s1, h1), (a2, _n2, s2, h2) = rows
        if a2 > a1:
            figures[label] = ((h2 - h1) / (a2 - a1), (s2 - s1) / (a2 - a1))
    sys.setswitchinterval(switch)
    for label, (per_alert, text) in figures.items():
        mark = (
            f"target <= {TARGET_BYTES:,.0f} B {verdict(per_alert <= TARGET_BYTES)}"
            if label == "first-only"
            else ""
        )
        print(f"  {label:>10}: (held2 - held1) / (N2 - N1) = {per_alert:>8,.0f} B per active alert "
              f"(input text {text:,.0f} B of it if kept)  {mark}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="150,1500,15000", help="topology sizes (nodes)")
    parser.add_argument("--lines", type=int, default=30_000, help="input lines replayed per size")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per input (best kept)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--memory-size", type=int, default=1500, help="topology size for memory (0: skip)"
    )
    parser.add_argument(
        "--memory-faults",
        type=int,
        default=15,
        help="the N2 input has twice this many open failures",
    )
    parser.add_argument(
        "--quick", action="store_true", help="5,000 lines, one repeat, smaller memory run"
    )
    parser.add_argument("--keep", type=Path, help="write the generated inputs here and keep them")
    args = parser.parse_args(argv)
    if args.quick:
        args.lines, args.repeat, args.memory_faults = 5_000, 1, 8
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"correlator replay benchmark ({pin_one_core()}, python {sys.version.split()[0]})")
    with tempfile.TemporaryDirectory(prefix="correlate-bench-") as tmp:
        work = args.keep or Path(tmp)
        cost = bench_throughput(sizes, args.lines, args.repeat, args.seed, work) if sizes else {}
        if len(cost) >= 2:
            small, large = min(cost), max(cost)
            ratio = cost[large] / cost[small]
            print(f"\nper-alert cost {large:,} / {small:,} nodes: {cost[large] * 1e6:.1f} us / "
                  f"{cost[small] * 1e6:.1f} us = {ratio:.2f}   target <= {TARGET_RATIO} "
                  f"{verdict(ratio <= TARGET_RATIO)}")  # fmt: skip
        if args.memory_size:
            bench_memory(args.memory_size, args.memory_faults, args.seed, work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
