"""Replay generator_c's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_c.py [--seeds 1-5] [--family single,storm,day]
        [--kinds riser,probe] [--nodes 300] [--quiet] [--keep DIR]

Per scenario: root accuracy, pairwise F1, incident reduction, and the per-fault lines of
``metrics`` for every fault with a wrong root or split over several incidents. Then one
summary line per family (means over its seeds) and per fault kind (root accuracy over all
true incidents of that kind). Each wrong root is tagged with a failure pattern (see
``pattern``, the same tags as report_b.py) and the patterns are counted at the end.
``--keep DIR`` keeps every scenario's topology, alerts and incidents under DIR
(``DIR/<family>-<seed>-<nodes>/``) for a closer look.

Pattern F (another incident rooted right holds all the fault's events) is mostly the
metric's majority rule meeting an Alertmanager body that carries alerts of two incidents:
read it as "grouped right, counted wrong".
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator_c as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=(*gen.FAULT_KINDS_C, *gen.OTHER_KINDS_C),
        sizes=(300, 700, 500),
    )


if __name__ == "__main__":
    raise SystemExit(main())
