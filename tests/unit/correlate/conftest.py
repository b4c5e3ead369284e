"""Fixtures for the correlation-engine tests: small topologies and a driver with a clock.

The driver (:class:`Sim`) feeds normalized :class:`Alert` / :class:`Notice` objects to a
real :class:`Engine` the way the daemon and replay do: it moves time forward with
``advance`` before each event, numbers events in input order and gives each an id, so the
tests can assert on the incidents exactly as ``replay`` writes them (``incident_json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from correlator.correlate.engine import Decision, Engine, Incident
from correlator.correlate.settings import EngineSettings
from correlator.dispatch.settings import PagingSettings
from correlator.model import Alert, Notice, NoticeKind, Severity, Source, State
from correlator.replay import incident_json
from topology.load import load_yaml_text
from topology.model import Topology

T0 = 1_763_900_000.0


def topology_from(text: str) -> Topology:
    """A topology from the native YAML form (specs/topology-format.md)."""
    return load_yaml_text(text, "test-topology.yaml")


def source_id(host: str, check: str | None) -> str:
    """One identity per (host, check), the Nagios way; good enough for every source here."""
    return host if check is None else f"{host}!{check}"


@dataclass
class Sim:
    """Drive one engine with normalized events at explicit times (event time, as replay)."""

    engine: Engine
    seq: int = 0
    decisions: list[tuple[str, Decision]] = field(default_factory=list)

    # -- events ----------------------------------------------------------------------

    def problem(
        self,
        at: float,
        host: str,
        check: str | None = None,
        *,
        source: Source = Source.NAGIOS,
        severity: Severity = Severity.CRITICAL,
        observer: str | None = None,
        unreachable: bool = False,
        suppressed: bool = False,
        soft: bool = False,
        event_id: str | None = None,
        sid: str | None = None,
    ) -> Decision:
        """A problem alert (state problem) of ``host``/``check`` at time ``T0 + at``
        (``soft``: a Nagios/Icinga SOFT state, the check still being retried)."""
        alert = Alert(
            source=source,
            source_id=sid or source_id(host, check),
            host=host,
            check=check,
            state=State.PROBLEM,
            severity=severity,
            raised_at=T0 + at,
            received_at=T0 + at,
            observer=observer,
            unreachable=unreachable,
            source_suppressed=suppressed,
            soft=soft,
        )
        return self.feed(alert, at, event_id)

    def ok(
        self,
        at: float,
        host: str,
        check: str | None = None,
        *,
        source: Source = Source.NAGIOS,
        observer: str | None = None,
        event_id: str | None = None,
        sid: str | None = None,
    ) -> Decision:
        """A recovery (state ok) of ``host``/``check`` at time ``T0 + at``."""
        alert = Alert(
            source=source,
            source_id=sid or source_id(host, check),
            host=host,
            check=check,
            state=State.OK,
            severity=Severity.INFO,
            raised_at=T0 + at,
            received_at=T0 + at,
            observer=observer,
        )
        return self.feed(alert, at, event_id)

    def notice(
        self,
        at: float,
        kind: NoticeKind,
        host: str,
        check: str | None = None,
        *,
        source: Source = Source.NAGIOS,
        event_id: str | None = None,
        sid: str | None = None,
    ) -> Decision:
        """An acknowledgement / flapping / downtime notice about ``host``/``check``."""
        notice = Notice(
            source=source,
            source_id=sid or source_id(host, check),
            host=host,
            check=check,
            kind=kind,
            raised_at=T0 + at,
            received_at=T0 + at,
        )
        return self.feed(notice, at, event_id)

    def feed(self, event: Alert | Notice, at: float, event_id: str | None = None) -> Decision:
        """Advance the clock to ``T0 + at`` and hand the event to the engine, as replay does."""
        self.seq += 1
        eid = event_id or f"e{self.seq}"
        self.engine.advance(T0 + at)
        decision = self.engine.handle(event, seq=self.seq, event_id=eid, now=T0 + at)
        self.decisions.append((eid, decision))
        return decision

    def advance(self, at: float) -> None:
        """Move the clock to ``T0 + at`` without an event."""
        self.engine.advance(T0 + at)

    # -- views -----------------------------------------------------------------------

    def incidents(self) -> list[Incident]:
        return self.engine.incidents()

    def out(self) -> list[dict[str, Any]]:
        """The incidents as replay writes them."""
        return [incident_json(i) for i in self.engine.incidents()]

    def only(self) -> dict[str, Any]:
        """The one incident there must be."""
        out = self.out()
        assert len(out) == 1, summary(out)
        return out[0]

    def holding(self, host: str, check: str | None = None) -> dict[str, Any]:
        """The incident holding the alert on ``host``/``check`` (any source)."""
        found = [
            inc
            for inc in self.out()
            if any(a["host"] == host and a["check"] == check for a in inc["alerts"])
        ]
        assert len(found) == 1, (
            f"{host}!{check} is in {len(found)} incidents: {summary(self.out())}"
        )
        return found[0]


def summary(out: list[dict[str, Any]]) -> str:
    """A short text of incidents for assertion messages."""
    return "; ".join(
        f"{i['id']} root={i['root_cause']} inferred={i['root_cause_inferred']} "
        f"events={i['events']} pages={i['pages']} {i['priority']}"
        for i in out
    )


@pytest.fixture
def make_sim():
    """Build a :class:`Sim` from YAML text (or a Topology), optional engine settings and
    an optional ``dispatch.paging`` policy."""

    def make(
        topology: str | Topology, *, paging: PagingSettings | None = None, **settings: Any
    ) -> Sim:
        topo = topology_from(topology) if isinstance(topology, str) else topology
        return Sim(Engine(topo, EngineSettings(**settings), paging=paging))

    return make


@pytest.fixture
def parse_topology():
    """Parse a topology from YAML text (for reload tests)."""
    return topology_from


@pytest.fixture
def t0() -> float:
    """The epoch every simulated time is relative to."""
    return T0


# A small site like shared/examples/small-site, reused by several tests.
SITE = """
version: 1
defaults: {team: service-desk}
nodes:
  - {id: pdu-a, kind: power, team: facilities}
  - {id: core-1, kind: switch, team: network, criticality: 2, monitored_as: [core-1],
     depends_on: [pdu-a]}
  - {id: core-2, kind: switch, team: network, criticality: 2, monitored_as: [core-2]}
  - {id: dist-1, kind: switch, team: network, monitored_as: [dist-1],
     depends_on: [{any_of: [core-1, core-2]}]}
  - {id: san-01, kind: storage, team: storage, monitored_as: [san-01], depends_on: [pdu-a]}
  - {id: esx-01, kind: hypervisor, team: systems, monitored_as: [esx-01],
     depends_on: [dist-1, san-01]}
  - {id: web-01, kind: vm, team: systems, monitored_as: [web-01], depends_on: [esx-01]}
  - {id: db-01, kind: vm, team: dba, monitored_as: [db-01], depends_on: [esx-01]}
  - {id: shop-web, kind: application, team: web, monitored_as: ["web-01!HTTP"],
     depends_on: [web-01, db-01]}
  - {id: shop, kind: service, criticality: 1, depends_on: [shop-web]}
"""


@pytest.fixture
def site() -> str:
    """YAML of a small site: redundant core pair, a distribution switch, a SAN, VMs, a shop."""
    return SITE
