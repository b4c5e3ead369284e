"""The connector registry names every source once, with the parser of that source."""

from __future__ import annotations

from connectors import alertmanager, icinga, nagios, prtg, zabbix
from connectors.registry import connectors_by_name
from correlator.model import Source


def test_every_source_has_its_connector() -> None:
    """Each Source value is a key whose connector carries that source and its module's parser."""
    registry = connectors_by_name()
    assert set(registry) == {source.value for source in Source}
    assert {name: connector.source for name, connector in registry.items()} == {
        source.value: source for source in Source
    }
    assert registry["nagios"].parse is nagios.parse
    assert registry["icinga"].parse is icinga.parse
    assert registry["zabbix"].parse is zabbix.parse
    assert registry["prtg"].parse is prtg.parse
    assert registry["alertmanager"].parse is alertmanager.parse
    assert registry["prometheus"].parse is alertmanager.parse_prometheus


def test_registry_is_read_only() -> None:
    """Callers cannot change the shared table by accident."""
    registry = connectors_by_name()
    assert not hasattr(registry, "__setitem__")
