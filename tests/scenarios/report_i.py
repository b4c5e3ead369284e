"""Replay generator_i's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_i.py [--seeds 1-5] [--family single,storm,day]
        [--kinds ring-double-break,plant-wan-cut] [--nodes 300] [--quiet] [--keep DIR]

The world is a manufacturer with three plants and a head office (IT/OT firewall pairs, OT
core pairs, industrial Ethernet rings per production line, PLCs, HMIs, robots, SCADA pairs,
historians, OPC-UA gateways, MES; plant probes on MPLS + VPN; head-office ERP, AD, DNS, SAN
and modern apps): see ``generator_i``'s docstring. Per scenario: root accuracy, pairwise F1,
incident reduction, and the per-fault lines of ``metrics`` for every fault with a wrong root
or split over several incidents. Then one summary line per family (means over its seeds)
and per fault kind, and the wrong roots counted by failure pattern (``reporting.pattern``).
``--keep DIR`` keeps every scenario's files under ``DIR/<family>-<seed>-<nodes>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator_i as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=(*gen.FAULT_KINDS_I, *gen.OTHER_KINDS_I),
        sizes=(300, 800, 600),
    )


if __name__ == "__main__":
    raise SystemExit(main())
