"""Replay generator_e's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_e.py [--seeds 1-5] [--family single,storm,day]
        [--kinds cooling,clinic-cut] [--nodes 300] [--quiet] [--keep DIR]

The world is a university hospital campus with its own platform team (two data-centre
rooms with unmonitored cooling and UPS-backed power, stretched clusters, replicated SAN,
database pairs, clinical applications and an HL7 engine, a Kubernetes platform per room
watched by Prometheus, buildings with distribution pairs, clinics on SD-WAN watched by PRTG
remote probes or Icinga satellites): see ``generator_e``'s docstring. Per scenario: root accuracy, pairwise F1, incident reduction,
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
from scenarios import generator_e as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=(*gen.FAULT_KINDS_E, *gen.OTHER_KINDS_E),
        sizes=(300, 800, 600),
    )


if __name__ == "__main__":
    raise SystemExit(main())
