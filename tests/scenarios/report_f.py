"""Replay generator_f's scenario families through ``correlator replay`` and print the figures.

Usage (from the repository root)::

    .venv/bin/python tests/scenarios/report_f.py [--seeds 1-5] [--family single,storm,day]
        [--kinds store-cut,acquirer-outage] [--nodes 1200] [--quiet] [--keep DIR]

The world is a national retail chain with its e-commerce platform (stores on SD-WAN with a
broadband circuit and an LTE backup, watched by Zabbix through regional proxies and an
SD-WAN orchestrator; distribution centres watched by PRTG remote probes; two data centres
with Icinga 2 and a legacy Nagios for the ERP and the payment switches, which talk to an
unmonitored external acquirer; a Kubernetes shop behind an unmonitored CDN, scraped by
Prometheus and probed by three blackbox vantage points): see ``generator_f``'s docstring.
Per scenario: root accuracy, pairwise F1, incident reduction, and the per-fault lines of
``metrics`` for every fault with a wrong root or split over several incidents. Then one
summary line per family (means over its seeds) and per fault kind (root accuracy over all
true incidents of that kind), and the wrong roots counted by failure pattern (the tags of
``reporting.pattern``). ``--keep DIR`` keeps every scenario's topology, alerts and
incidents under ``DIR/<family>-<seed>-<nodes>/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scenarios import generator_f as gen
from scenarios.reporting import run


def main(argv: list[str] | None = None) -> int:
    return run(
        argv,
        description=__doc__ or "",
        generator=gen,
        kinds=(*gen.FAULT_KINDS_F, *gen.OTHER_KINDS_F),
        sizes=(400, 2000, 1200),
    )


if __name__ == "__main__":
    raise SystemExit(main())
