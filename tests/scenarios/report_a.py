"""Count, per fault, how often ``correlator replay`` names the right root on generator A.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_a.py [--set tested,held-out] [--jobs 2]

Two sets of ``tests/scenarios/generator.py`` scenarios:

- ``tested``: the days and single faults that ``tests/quality/`` asserts on (45);
- ``held-out``: 167 scenarios on seeds the tests do not use (storms, mixed and
  noise-heavy days, every single-fault kind on seeds 2-9).

Per set: faults whose root is right over all faults, and the pairwise grouping F1 of
its days (lowest, median, how many below 0.95). These are the figures README.md quotes.
``--list`` also prints every scenario that falls short of the quality bar.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator as gen
from scenarios import metrics as met

Spec = tuple[str, int, int | str]  # (family, seed, nodes or fault kind)
KINDS = (*gen.FAULT_KINDS, *gen.OTHER_KINDS)


def tested() -> list[Spec]:
    """The scenarios of tests/quality/test_replay_quality.py."""
    out: list[Spec] = [("storm", s, 150) for s in (1, 2, 3, 4)]
    out += [("storm", s, 1500) for s in (1, 2)]
    out += [("mixed", 1, 150), ("mixed", 2, 150), ("mixed", 3, 1500)]
    out += [("noise", 1, 150), ("noise", 2, 1500)]
    out += [("single", s, k) for s in (0, 1) for k in KINDS]
    return out


def held_out() -> list[Spec]:
    """Seeds the tests do not use."""
    out: list[Spec] = [("storm", s, 150) for s in range(5, 17)]
    out += [("storm", s, 1500) for s in (3, 4, 5)]
    out += [("mixed", s, 150) for s in range(3, 13)]
    out += [("noise", s, 150) for s in range(3, 9)]
    out += [("single", s, k) for s in range(2, 10) for k in KINDS]
    return out


def build(spec: Spec) -> gen.Scenario:
    family, seed, x = spec
    if family == "single":
        return gen.single_fault(seed, str(x))
    nodes = int(x)
    if family == "storm":
        return gen.storm(seed, nodes=nodes)
    if family == "mixed":
        return gen.mixed(seed, nodes=nodes)
    if nodes >= 1500:
        return gen.noise_heavy(seed, nodes=nodes, noise=80)  # as the quality test does
    return gen.noise_heavy(seed, nodes=nodes)


def judge(spec: Spec) -> tuple[Spec, int, int, float, list[str]]:
    """Replay one scenario: (spec, faults rooted right, faults, F1, shortfalls)."""
    main: Callable[[list[str]], int] = importlib.import_module("correlator.replay").main
    scenario = build(spec)
    with tempfile.TemporaryDirectory(prefix="gena-") as tmp:
        incidents = met.replay(main, scenario, Path(tmp))
    metrics = met.evaluate(incidents, scenario.truth)
    right = sum(1 for f in metrics.faults if f.root_ok)
    problems = met.shortfalls(metrics, incidents, storm=spec[0] == "storm")
    return spec, right, len(metrics.faults), metrics.f1, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--set", default="both", help="tested, held-out, or both (the two, comma-separated)"
    )
    ap.add_argument("--jobs", type=int, default=2, help="replays run side by side")
    ap.add_argument("--list", action="store_true", help="print each scenario short of the bar")
    args = ap.parse_args(argv)
    sets = {"tested": tested, "held-out": held_out}
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        names = "tested,held-out" if args.set == "both" else args.set
        for name in names.split(","):
            specs = sets[name]()
            results = list(pool.map(judge, specs))
            right = sum(r[1] for r in results)
            total = sum(r[2] for r in results)
            f1s = sorted(r[3] for r in results if r[0][0] != "single")
            below = sum(1 for f in f1s if f < met.Bar().f1)
            print(
                f"{name}: {len(specs)} scenarios ({len(f1s)} days); root right {right}/{total}"
                f" = {right / total:.1%}; day F1 lowest {f1s[0]:.3f}, median"
                f" {f1s[len(f1s) // 2]:.3f}, {below} below {met.Bar().f1}"
            )
            if args.list:
                for spec, _right, _total, f1, problems in results:
                    if problems:
                        label = "-".join(str(part) for part in spec)
                        print(f"  {label}: F1 {f1:.3f}: {'; '.join(problems)[:300]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
