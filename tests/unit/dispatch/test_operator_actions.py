"""What people do to an incident (acknowledge, assign, note; take or resolve its ticket) and
the end of a major incident, as pure plans: the actions, the memory kept and the history."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from correlator.correlate.engine import Status
from correlator.dispatch.escalation import EscalationState
from correlator.dispatch.model import Page, PageEvent, TicketStatus
from correlator.dispatch.outbox import draft_of, page_of
from correlator.dispatch.pagers.router import Router, TeamRoute
from correlator.dispatch.paging import PageMemory
from correlator.dispatch.priority import Priority
from correlator.dispatch.queue import TicketMemory
from correlator.dispatch.service import (
    MEMORY_KEY,
    IncidentMemory,
    PagerRouting,
    memory_of,
    plan_acknowledge,
    plan_assign,
    plan_change,
    plan_major_resolved,
    plan_note,
    plan_ticket_state,
)
from correlator.dispatch.settings import DispatchSettings, PagingSettings
from correlator.dispatch.sla import SlaClock
from correlator.store.protocol import ActionKind, HistoryStep, OutboxAction

T0 = 1_763_900_000.0
INC = "INC-000001"
NOC = "https://noc.example/#/incidents/{id}"
SETTINGS = DispatchSettings(incident_url=NOC)
TARGETS = ("builtin", "rt")


def engaged(**changes: Any) -> IncidentMemory:
    """An open P2 incident with its ticket, its SLA clock running and its page escalated
    to level 2 through two pagers."""
    memory = IncidentMemory(
        INC,
        seen=T0,
        title="sw-1 down: 1 alerts on 1 nodes",
        priority=Priority.P2,
        team="network",
        subject="sw-1",
        ticket=TicketMemory(
            INC,
            TicketStatus.NEW,
            Priority.P2,
            "network",
            "sw-1",
            frozenset({"nagios:sw-1"}),
            incident_open=True,
        ),
        sla=SlaClock(INC, Priority.P2, T0),
        page=PageMemory(pages=1, last_paged=Priority.P2),
        paged_to=("pd", "mail"),
        escalation=EscalationState(triggered_at=T0, level=2, level_since=T0 + 300),
    )
    return replace(memory, **changes)


def keys(actions: tuple[OutboxAction, ...]) -> list[str]:
    return [a.idempotency_key for a in actions]


def pages(actions: tuple[OutboxAction, ...]) -> list[tuple[str, Page]]:
    return [(a.target, page_of(a.payload)) for a in actions if not a.kind.is_ticket]


# ---- acknowledge -------------------------------------------------------------------------


def test_acknowledging_meets_the_response_target_stops_escalation_and_tells_everyone() -> None:
    """A person's acknowledgement meets the SLA response target, stops the escalation,
    sends ``acknowledge`` at the current level to every pager that was paged, comments on
    the ticket in each target and records ACKNOWLEDGED by that person."""
    now = T0 + 600
    plan = plan_acknowledge(
        engaged(), actor="alice", settings=SETTINGS, ticket_targets=TARGETS, now=now
    )

    assert keys(plan.actions) == [
        f"ticket.update:builtin:{INC}:ack:alice:{now!r}",
        f"ticket.update:rt:{INC}:ack:alice:{now!r}",
        f"page.acknowledge:pd:{INC}:L2:t1",
        f"page.acknowledge:mail:{INC}:L2:t1",
    ]
    assert plan.actions[0].payload["comment"] == "Acknowledged by alice"
    for _, page in pages(plan.actions):
        assert page.event is PageEvent.ACKNOWLEDGE
        assert page.escalation_level == 2
        assert page.url == f"https://noc.example/#/incidents/{INC}"
    kept = plan.memory
    assert (kept.acknowledged_by, kept.acknowledged_at) == ("alice", now)
    assert kept.sla is not None
    assert kept.sla.acknowledged_at == now
    assert kept.escalation is not None
    assert kept.escalation.acknowledged
    [step] = plan.history
    assert (step.actor, step.step, step.at, step.incident_id) == (
        "alice",
        HistoryStep.ACKNOWLEDGED,
        now,
        INC,
    )
    assert "escalation stopped at level 2" in step.detail


def test_acknowledging_twice_changes_nothing() -> None:
    """A second acknowledgement (by anyone) sends nothing, records nothing and keeps the first."""
    first = plan_acknowledge(
        engaged(), actor="alice", settings=SETTINGS, ticket_targets=TARGETS, now=T0 + 600
    )
    again = plan_acknowledge(
        first.memory, actor="bob", settings=SETTINGS, ticket_targets=TARGETS, now=T0 + 700
    )

    assert again.actions == ()
    assert again.history == ()
    assert again.memory == first.memory
    assert again.notes == ("already acknowledged by alice",)


def test_a_late_acknowledgement_still_reports_the_missed_response_target() -> None:
    """Acknowledging after the response deadline, before any check reported it, writes the
    breach to the ticket as the SLA check would have."""
    late = T0 + 3600 + 60  # P2's default response target is one hour
    plan = plan_acknowledge(
        engaged(), actor="alice", settings=SETTINGS, ticket_targets=("builtin",), now=late
    )

    assert [e.level.value for e in plan.sla_events] == ["breached"]
    comments = [a.payload["comment"] for a in plan.actions if a.kind.is_ticket]
    assert comments[0].startswith("SLA breached: not acknowledged within the P2 response target")
    assert comments[1] == "Acknowledged by alice"


def test_a_page_sent_again_after_an_acknowledgement_can_be_acknowledged_again() -> None:
    """When a priority rise re-paged an acknowledged incident (a new escalation), a new
    acknowledgement tells the pagers again under the new page's run."""
    acked = plan_acknowledge(
        engaged(), actor="alice", settings=SETTINGS, ticket_targets=(), now=T0 + 600
    ).memory
    repaged = replace(
        acked,
        page=PageMemory(pages=2, last_paged=Priority.P1),
        escalation=EscalationState(triggered_at=T0 + 900, level=1, level_since=T0 + 900),
    )

    plan = plan_acknowledge(
        repaged, actor="bob", settings=SETTINGS, ticket_targets=(), now=T0 + 960
    )

    assert keys(plan.actions) == [
        f"page.acknowledge:pd:{INC}:L1:t2",
        f"page.acknowledge:mail:{INC}:L1:t2",
    ]
    assert plan.memory.acknowledged_by == "bob"


def test_acknowledging_before_the_ticket_exists_counts_when_it_is_opened(make_snapshot) -> None:
    """An incident acknowledged inside its opening hold gets no ticket comment then, and
    its SLA clock starts with the response target already met when the ticket is opened."""
    held = IncidentMemory(INC, seen=T0, title="sw-1 down")
    plan = plan_acknowledge(
        held, actor="alice", settings=SETTINGS, ticket_targets=TARGETS, now=T0 + 10
    )
    assert plan.actions == ()
    assert plan.memory.acknowledged_by == "alice"

    opened = plan_change(
        plan.memory,
        make_snapshot(INC, opened_at=T0),
        settings=SETTINGS,
        ticket_targets=("builtin",),
        pagers=PagerRouting(),
        recent_triggers={},
        changed_at=T0 + 31,
        now=T0 + 31,
    )
    assert opened.opened
    assert opened.memory.sla is not None
    assert opened.memory.sla.acknowledged_at == T0 + 10
    assert opened.memory.acknowledged_by == "alice"


# ---- assign and notes --------------------------------------------------------------------


def test_assigning_comments_on_the_ticket_and_records_who_gave_it_to_whom() -> None:
    """Assigning sets the incident's assignee, says so on the ticket, and records ASSIGNED
    by the person who did it; assigning to the same person again changes nothing."""
    plan = plan_assign(
        engaged(), assignee="bob", actor="alice", ticket_targets=("builtin",), now=T0 + 5
    )

    assert plan.memory.assignee == "bob"
    [comment] = plan.actions
    assert comment.kind is ActionKind.TICKET_UPDATE
    assert comment.payload["comment"] == "Assigned to bob by alice"
    [step] = plan.history
    assert (step.actor, step.step, step.detail) == (
        "alice",
        HistoryStep.ASSIGNED,
        "assigned to bob",
    )

    again = plan_assign(
        plan.memory, assignee="bob", actor="carol", ticket_targets=("builtin",), now=T0 + 9
    )
    assert (again.actions, again.history, again.memory) == ((), (), plan.memory)


def test_a_note_is_a_ticket_comment_and_a_note_in_the_history() -> None:
    """A note goes to the ticket as ``Note from X: ...`` and into the history as NOTE; two
    notes at the same instant are two actions, and without a ticket only the history has it."""
    first = plan_note(
        engaged(), text="rebooting the core", actor="alice", ticket_targets=("builtin",), now=T0
    )
    second = plan_note(
        engaged(), text="rebooted", actor="alice", ticket_targets=("builtin",), now=T0
    )

    assert first.actions[0].payload["comment"] == "Note from alice: rebooting the core"
    assert keys(first.actions) != keys(second.actions)
    [step] = first.history
    assert (step.actor, step.step, step.detail) == ("alice", HistoryStep.NOTE, "rebooting the core")
    assert first.memory == engaged()

    held = plan_note(
        engaged(ticket=None), text="looking", actor="bob", ticket_targets=("builtin",), now=T0
    )
    assert held.actions == ()
    assert [h.step for h in held.history] == [HistoryStep.NOTE]


# ---- the ticket system says what a person did ----------------------------------------------


def test_a_ticket_taken_in_the_system_names_the_incident_assignee() -> None:
    """A ticket assigned to a person in the ticket system makes them the incident's
    assignee without acknowledging it (the page keeps escalating)."""
    plan = plan_ticket_state(
        engaged(),
        TicketStatus.ASSIGNED,
        settings=SETTINGS,
        ticket_targets=TARGETS,
        now=T0 + 60,
        assignee="bob",
        system="rt",
    )

    assert plan.memory.assignee == "bob"
    assert plan.memory.acknowledged_by is None
    assert plan.actions == ()
    assert plan.memory.escalation == engaged().escalation


def test_a_ticket_acknowledged_in_the_system_names_who_acknowledged() -> None:
    """An acknowledged ticket records the acknowledging person (the system when it names
    nobody) and sends ``acknowledge`` to the pagers."""
    by_person = plan_ticket_state(
        engaged(),
        TicketStatus.ACKNOWLEDGED,
        settings=SETTINGS,
        ticket_targets=(),
        now=T0 + 60,
        assignee="bob",
        system="rt",
    )
    anonymous = plan_ticket_state(
        engaged(),
        TicketStatus.ACKNOWLEDGED,
        settings=SETTINGS,
        ticket_targets=(),
        now=T0 + 60,
        system="rt",
    )

    assert (by_person.memory.acknowledged_by, by_person.memory.acknowledged_at) == ("bob", T0 + 60)
    assert anonymous.memory.acknowledged_by == "rt"
    assert [p.event for _, p in pages(by_person.actions)] == [PageEvent.ACKNOWLEDGE] * 2


def test_a_ticket_resolved_by_a_person_while_the_incident_is_open_stops_the_paging() -> None:
    """A person resolving the ticket while the incident is still open ends the page: each
    paged pager gets ``resolve`` (not acknowledge), the escalation is over and the resolve
    notice is not sent a second time when the incident clears."""
    plan = plan_ticket_state(
        engaged(),
        TicketStatus.RESOLVED,
        settings=SETTINGS,
        ticket_targets=(),
        now=T0 + 900,
        assignee="bob",
        system="builtin",
    )

    assert keys(plan.actions) == [f"page.resolve:pd:{INC}:L2:t1", f"page.resolve:mail:{INC}:L2:t1"]
    assert (
        "resolved by bob while the incident is open"
        in page_of(plan.actions[0].payload).details["reason"]
    )
    kept = plan.memory
    assert kept.open
    assert kept.page.resolve_sent
    assert kept.escalation is not None
    assert (kept.escalation.resolved, kept.escalation.acknowledged) == (True, True)
    assert kept.ticket is not None
    assert kept.ticket.status is TicketStatus.RESOLVED
    assert kept.acknowledged_by == "bob"

    again = plan_ticket_state(
        kept,
        TicketStatus.RESOLVED,
        settings=SETTINGS,
        ticket_targets=(),
        now=T0 + 960,
        assignee="bob",
        system="builtin",
    )
    assert (again.actions, again.memory) == ((), kept)


def test_a_ticket_resolved_by_a_person_without_resolve_notices_only_stops_escalating() -> None:
    """With resolve notices off, a ticket a person resolved stops the escalation but sends
    no page."""
    quiet = replace(SETTINGS, paging=PagingSettings(resolve_notices=False))
    plan = plan_ticket_state(
        engaged(), TicketStatus.RESOLVED, settings=quiet, ticket_targets=(), now=T0 + 900
    )

    assert plan.actions == ()
    assert plan.memory.escalation is not None
    assert plan.memory.escalation.resolved


# ---- reopening and the NOC link ------------------------------------------------------------


def test_a_reopened_incident_reopens_its_ticket_and_links_to_the_noc(make_snapshot) -> None:
    """An incident that fails again after its ticket was resolved reopens that ticket
    (``ticket.reopen``, never a second create), with a separate update only for what else
    changed; tickets and pages carry the incident's NOC link."""
    routing = PagerRouting(Router(TeamRoute(("pd",))))
    opened = plan_change(
        None,
        make_snapshot(INC, priority=Priority.P2),
        settings=SETTINGS,
        ticket_targets=("builtin",),
        pagers=routing,
        recent_triggers={},
        changed_at=T0 + 31,
        now=T0 + 31,
    )
    link = f"https://noc.example/#/incidents/{INC}"
    [create] = [a for a in opened.actions if a.kind is ActionKind.TICKET_CREATE]
    assert draft_of(create.payload).url == link
    assert [p.url for _, p in pages(opened.actions)] == [link]

    resolved = plan_change(
        opened.memory,
        make_snapshot(INC, status=Status.RESOLVED, resolved_at=T0 + 100),
        settings=SETTINGS,
        ticket_targets=("builtin",),
        pagers=routing,
        recent_triggers={},
        changed_at=T0 + 100,
        now=T0 + 100,
    )
    reopened = plan_change(
        resolved.memory,
        make_snapshot(INC, priority=Priority.P1, alerts=frozenset({"nagios:sw-1", "nagios:web-1"})),
        settings=SETTINGS,
        ticket_targets=("builtin",),
        pagers=routing,
        recent_triggers={},
        changed_at=T0 + 200,
        now=T0 + 200,
    )
    tickets = [a for a in reopened.actions if a.kind.is_ticket]
    assert [a.kind for a in tickets] == [ActionKind.TICKET_REOPEN, ActionKind.TICKET_UPDATE]
    assert tickets[0].payload["comment"].startswith("incident reopened: the incident failed again")
    assert tickets[1].payload == {"comment": None, "priority": "P1", "title": None}
    assert all(a.kind is not ActionKind.TICKET_CREATE for a in reopened.actions)


def test_with_resolve_tickets_off_an_ending_incident_only_comments_on_its_ticket(
    make_snapshot,
) -> None:
    """dispatch.resolve_tickets false: the incident's end is a comment on each ticket, never a
    resolve; the ticket is remembered as people have it, so a reopening comments again."""
    keep = replace(SETTINGS, resolve_tickets=False)

    def change(previous: IncidentMemory | None, snap: Any, at: float) -> Any:
        return plan_change(
            previous,
            snap,
            settings=keep,
            ticket_targets=TARGETS,
            pagers=PagerRouting(),
            recent_triggers={},
            changed_at=at,
            now=at,
        )

    opened = change(None, make_snapshot(INC, priority=Priority.P2), T0 + 31)
    resolved = change(
        opened.memory, make_snapshot(INC, status=Status.RESOLVED, resolved_at=T0 + 100), T0 + 100
    )
    tickets = [a for a in resolved.actions if a.kind.is_ticket]
    assert [a.kind for a in tickets] == [ActionKind.TICKET_UPDATE, ActionKind.TICKET_UPDATE]
    assert [a.target for a in tickets] == list(TARGETS)
    comment = tickets[0].payload["comment"]
    assert comment.startswith("resolved: every alert has cleared")
    assert comment.endswith("(the ticket is left open for a person to resolve)")
    assert resolved.memory.ticket is not None
    assert resolved.memory.ticket.status is TicketStatus.NEW
    assert not resolved.memory.open

    again = change(resolved.memory, make_snapshot(INC, priority=Priority.P2), T0 + 200)
    kinds = [a.kind for a in again.actions if a.kind.is_ticket]
    assert kinds == [ActionKind.TICKET_UPDATE, ActionKind.TICKET_UPDATE]
    assert "the incident failed again and reopened" in again.actions[0].payload["comment"]

    default = plan_change(
        opened.memory,
        make_snapshot(INC, status=Status.RESOLVED, resolved_at=T0 + 100),
        settings=SETTINGS,
        ticket_targets=TARGETS,
        pagers=PagerRouting(),
        recent_triggers={},
        changed_at=T0 + 100,
        now=T0 + 100,
    )
    assert [a.kind for a in default.actions if a.kind.is_ticket] == [ActionKind.TICKET_RESOLVE] * 2


# ---- the end of a major incident ---------------------------------------------------------


def test_a_major_incident_ends_when_its_last_member_resolves() -> None:
    """While a member is open nothing happens; once none is, the parent ticket is resolved
    in every target and each pager that got the major's trigger gets its resolve notice."""
    trigger = Page(
        "MAJ-000001",
        PageEvent.TRIGGER,
        "Major incident MAJ-000001",
        Priority.P1,
        "network",
        "kind=switch",
    )
    members = ("INC-000001", "INC-000002")

    waiting = plan_major_resolved(
        "MAJ-000001",
        members,
        ["INC-000002"],
        [("pd", trigger)],
        settings=SETTINGS,
        ticket_targets=TARGETS,
    )
    over = plan_major_resolved(
        "MAJ-000001", members, [], [("pd", trigger)], settings=SETTINGS, ticket_targets=TARGETS
    )
    quiet = replace(SETTINGS, paging=PagingSettings(resolve_notices=False))
    silent = plan_major_resolved(
        "MAJ-000001", members, [], [("pd", trigger)], settings=quiet, ticket_targets=TARGETS
    )

    kept = plan_major_resolved(
        "MAJ-000001",
        members,
        [],
        [("pd", trigger)],
        settings=replace(SETTINGS, resolve_tickets=False),
        ticket_targets=TARGETS,
    )
    assert [a.kind for a in kept.actions] == [
        ActionKind.TICKET_UPDATE,
        ActionKind.TICKET_UPDATE,
        ActionKind.PAGE_RESOLVE,
    ]

    assert waiting.actions == ()
    assert keys(over.actions) == [
        "ticket.resolve:builtin:MAJ-000001:members-resolved",
        "ticket.resolve:rt:MAJ-000001:members-resolved",
        "page.resolve:pd:MAJ-000001:L1:t1",
    ]
    assert "INC-000001, INC-000002" in over.actions[0].payload["comment"]
    [(_, page)] = pages(over.actions)
    assert (page.event, page.dedup_key, page.summary) == (
        PageEvent.RESOLVE,
        "MAJ-000001",
        trigger.summary,
    )
    assert [a.kind for a in silent.actions] == [ActionKind.TICKET_RESOLVE] * 2


# ---- what dispatch remembers -----------------------------------------------------------------


def test_the_memory_keeps_who_acknowledged_and_who_has_it() -> None:
    """``acknowledged_by``, ``acknowledged_at`` and ``assignee`` survive the stored JSON, and
    a memory written before they existed still loads (with None)."""
    memory = replace(engaged(), acknowledged_by="alice", acknowledged_at=T0 + 60, assignee="bob")
    body = {"id": INC, MEMORY_KEY: memory.to_json()}
    assert memory_of(body) == memory

    old = memory.to_json()
    for key in ("acknowledged_by", "acknowledged_at", "assignee"):
        del old[key]
    loaded = memory_of({"id": INC, MEMORY_KEY: old})
    assert loaded is not None
    assert (loaded.acknowledged_by, loaded.acknowledged_at, loaded.assignee) == (None, None, None)
    assert loaded == replace(memory, acknowledged_by=None, acknowledged_at=None, assignee=None)
