"""Which connector parses which source: the one table the intake and replay look up."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from connectors import alertmanager, icinga, nagios, prtg, zabbix
from connectors.base import Connector
from correlator.model import Source

if TYPE_CHECKING:
    from collections.abc import Mapping


def connectors_by_name() -> Mapping[str, Connector]:
    """Every connector by its source name (``nagios`` ... ``prometheus``), read-only."""
    return MappingProxyType(
        {
            Source.NAGIOS.value: Connector(Source.NAGIOS, nagios.parse),
            Source.ICINGA.value: Connector(Source.ICINGA, icinga.parse),
            Source.ZABBIX.value: Connector(Source.ZABBIX, zabbix.parse),
            Source.PRTG.value: Connector(Source.PRTG, prtg.parse),
            Source.ALERTMANAGER.value: Connector(Source.ALERTMANAGER, alertmanager.parse),
            Source.PROMETHEUS.value: Connector(Source.PROMETHEUS, alertmanager.parse_prometheus),
        }
    )
