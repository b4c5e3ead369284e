"""Replay generator_b's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_b.py [--seeds 1-5] [--family storm,day,single]
        [--kinds node-down,probe] [--nodes 300] [--quiet]

Per scenario: root accuracy, pairwise F1, incident reduction, and the per-fault lines of
``metrics`` for every fault with a wrong root or split over several incidents. Then one
summary line per family (means over its seeds) and per fault kind (root accuracy over all
true incidents of that kind). Each wrong root is tagged with a failure pattern (see
``pattern``) and the patterns are counted at the end. ``--keep DIR`` keeps every
scenario's topology, alerts and incidents under DIR for a closer look.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator_b as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=gen.FAULT_KINDS_B,
        sizes=(300, 800, 600),
    )


if __name__ == "__main__":
    raise SystemExit(main())
