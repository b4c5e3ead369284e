"""Tunables of the correlation engine (config section ``correlation``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _default_delays() -> Mapping[str, float]:
    # Typical detection delay (check interval x retries) of each tool with its defaults.
    return MappingProxyType(
        {
            "nagios": 90.0,
            "icinga": 90.0,
            "zabbix": 120.0,
            "prtg": 90.0,
            "alertmanager": 150.0,
            "prometheus": 90.0,
        }
    )


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Every knob of the correlator; defaults suit a typical site."""

    window_s: float = 300.0
    """Alerts related through the graph join an incident that is at most this old."""
    hold_s: float = 90.0
    """An incident is only announced after this hold, so the root has a chance to arrive."""
    resolve_linger_s: float = 300.0
    """An incident whose alerts have all recovered resolves after this quiet time."""
    reopen_s: float = 900.0
    """The same root failing again within this time reopens the incident."""
    flap_changes: int = 4
    """State changes within flap_window_s that mark an alert as flapping."""
    flap_window_s: float = 1800.0
    """Window over which state changes are counted for flapping."""
    flap_quiet_s: float = 1800.0
    """A flapping alert stops flapping after this long without a change (hysteresis)."""
    forget_after_s: float = 604800.0
    """Resolved incidents (and their alerts) are forgotten this long after they resolved:
    the daemon's memory stays bounded, and a tombstone is written for each on
    ``correlator.incidents`` so the compacted topic drops them too (7 days)."""
    checkpoint_s: float = 30.0
    """The daemon saves the engine's state this often (when anything changed) and commits
    its offsets on the alerts topic only then, right after: a crash or a kill restarts
    from the last checkpoint and handles again only the alerts that came after it."""
    observer_min_checks: int = 4
    """How many checks of one observer must fail together before the observer is suspected."""
    detection_delay_s: Mapping[str, float] = field(default_factory=_default_delays)
    """Per-source detection delay in seconds, used to judge the order in which alerts began."""
