"""Replay generator_j's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_j.py [--seeds 1-5] [--family single,storm,day]
        [--kinds duct-cut,pop-power] [--nodes 250] [--quiet] [--keep DIR]

The world is a regional ISP: a national core (core routers, route reflectors), a data centre
with the BSS/OSS (RADIUS, DHCP and DNS resolver pairs, billing database, CRM, portal,
provisioning API), three to five regional POPs (aggregation router pairs on a shared fibre
duct, mains / generator / UPS, OLTs and DSLAMs with aggregated subscriber checks, microwave
links to rural sites, a PRTG remote probe or a Zabbix proxy): see ``generator_j``'s
docstring. Per scenario: root accuracy, pairwise F1, incident reduction, and the per-fault
lines of ``metrics`` for every fault with a wrong root or split over several incidents. Then
one summary line per family (means over its seeds) and per fault kind, and the wrong roots
counted by failure pattern (``reporting.pattern``). ``--keep DIR`` keeps every scenario's
files under ``DIR/<family>-<seed>-<nodes>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator_j as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=(*gen.FAULT_KINDS_J, *gen.OTHER_KINDS_J),
        sizes=(250, 500, 400),
    )


if __name__ == "__main__":
    raise SystemExit(main())
