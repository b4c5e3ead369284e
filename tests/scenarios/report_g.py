"""Replay generator_g's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_g.py [--seeds 1-5] [--family single,storm,day]
        [--kinds md-slow,ptp-antenna] [--nodes 300] [--quiet] [--keep DIR]

The world is a Frankfurt bank, trading and retail banking (two data centres on a stretched
core with leaf pairs, firewall clusters, load balancers and storage arrays; an exchange colo
with feed handlers on A/B feed lines, order gateways and a PTP grandmaster pair on one GNSS
antenna; market-data fan-out, a three-broker message bus with quorum, trading and retail
database pairs; a mainframe LPAR, an HSM pair, card authorisation on an external card
network), watched by Icinga 2, Zabbix 6 proxies, Prometheus/Alertmanager, Nagios 4 and a
PRTG remote probe, with many gray failures and background warnings: see ``generator_g``'s
docstring. Per scenario: root accuracy, pairwise F1, incident reduction, and the per-fault
lines of ``metrics`` for every fault with a wrong root or split over several incidents. Then
one summary line per family (means over its seeds) and per fault kind, and the wrong roots
counted by failure pattern (the tags of ``reporting.pattern``). ``--keep DIR`` keeps every
scenario's topology, alerts and incidents under ``DIR/<family>-<seed>-<nodes>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator_g as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=(*gen.FAULT_KINDS_G, *gen.OTHER_KINDS_G),
        sizes=(250, 600, 450),
    )


if __name__ == "__main__":
    raise SystemExit(main())
