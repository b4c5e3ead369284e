"""Replay generator_d's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_d.py [--seeds 1-5] [--family single,storm,day]
        [--kinds span-cut,probe-cut] [--nodes 300] [--quiet] [--keep DIR]

The world is a regional ISP / utility operator (deep access trees, fibre spans, rings,
street cabinets, mast sites, SCADA on radio backhaul, regional probes and proxies): see
``generator_d``'s docstring. Per scenario: root accuracy, pairwise F1, incident reduction,
and the per-fault lines of ``metrics`` for every fault with a wrong root or split over
several incidents. Then one summary line per family (means over its seeds) and per fault
kind (root accuracy over all true incidents of that kind), and the wrong roots counted by
failure pattern (the tags of ``reporting.pattern``). ``--keep DIR`` keeps every scenario's
topology, alerts and incidents under ``DIR/<family>-<seed>-<nodes>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator_d as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=(*gen.FAULT_KINDS_D, *gen.OTHER_KINDS_D),
        sizes=(300, 800, 600),
    )


if __name__ == "__main__":
    raise SystemExit(main())
