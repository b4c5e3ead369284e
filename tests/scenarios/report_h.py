"""Replay generator_h's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_h.py [--seeds 1-5] [--family single,storm,day]
        [--kinds zone-outage,bad-deploy] [--nodes 300] [--quiet] [--keep DIR]

The world is a cloud-native SaaS company on its own multi-region Kubernetes (availability
zones, worker nodes, a mesh, microservices calling each other, managed PostgreSQL and Redis,
Kafka, regional load-balancer pairs, external DNS/CDN/payments, blackbox synthetics from two
vantage points, Prometheus per cluster behind one Alertmanager, a little Zabbix, Nagios and
Icinga 2 for the VMs): see ``generator_h``'s docstring. Per scenario: root accuracy, pairwise
F1, incident reduction, and the per-fault lines of ``metrics`` for every fault with a wrong
root or split over several incidents. Then one summary line per family (means over its
seeds) and per fault kind (root accuracy over all true incidents of that kind), and the
wrong roots counted by failure pattern (the tags of ``reporting.pattern``). ``--keep DIR``
keeps every scenario's topology, alerts and incidents under ``DIR/<family>-<seed>-<nodes>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator_h as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=(*gen.FAULT_KINDS_H, *gen.OTHER_KINDS_H),
        sizes=(200, 600, 400),
    )


if __name__ == "__main__":
    raise SystemExit(main())
