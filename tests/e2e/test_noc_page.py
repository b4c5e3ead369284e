# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The NOC page as people use it: a monitoring tool posts, the wall shows, an operator acts.

Each test starts the real daemon (``python -m correlator run``) with the small-site
topology, posts native alerts the way Nagios, Zabbix and PRTG send them, and drives
Debian's Chromium through the page, saving screenshots in ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Daemon, Screen

pytestmark = pytest.mark.browser

SCREEN_HEIGHT = 1080  # the browser tab is a 1920x1080 wall (conftest.SCREEN)
APPEAR_MS = 20_000  # "within seconds": a one-second hold, the dispatch write, the stream
ACT_MS = 10_000


def _nagios_host(host: str, address: str, state: str, problem_id: str) -> dict[str, Any]:
    """A Nagios host notification, as the shipped notify command posts it (form fields)."""
    return {
        "NOTIFICATIONTYPE": "PROBLEM",
        "HOSTNAME": host,
        "HOSTADDRESS": address,
        "HOSTSTATE": state,
        "HOSTSTATETYPE": "HARD",
        "HOSTOUTPUT": f"CRITICAL - Host Unreachable ({address})",
        "HOSTPROBLEMID": problem_id,
        "TIMET": str(int(time.time())),
    }


def _zabbix_problem(host: str, address: str, event_id: str) -> dict[str, Any]:
    """A Zabbix problem from the shipped webhook media type (the server's zone is UTC)."""
    now = time.gmtime()
    return {
        "event_id": event_id,
        "event_value": "1",
        "event_update_status": "0",
        "event_ack": "No",
        "event_severity": "4",
        "event_name": "Unavailable by ICMP ping",
        "event_tags": "[]",
        "event_date": time.strftime("%Y.%m.%d", now),
        "event_time": time.strftime("%H:%M:%S", now),
        "recovery_id": "{EVENT.RECOVERY.ID}",
        "host": host,
        "host_name": host,
        "host_ip": address,
        "trigger_id": "23000",
        "trigger_name": "Unavailable by ICMP ping",
    }


def _prtg_down(device: str, sensor: str, sensor_id: str) -> dict[str, Any]:
    """A PRTG sensor down, as the shipped HTTP action posts it (form fields, US date)."""
    now = time.gmtime()
    hour = now.tm_hour % 12 or 12
    return {
        "device": device,
        "deviceid": "3001",
        "sensor": sensor,
        "sensorid": sensor_id,
        "status": "Down",
        "down": "12 s",
        "message": "No such host is known (SNMP error # -2003)",
        "datetime": f"{now.tm_mon}/{now.tm_mday}/{now.tm_year} "
        f"{hour}:{now.tm_min:02d}:{now.tm_sec:02d} {'PM' if now.tm_hour >= 12 else 'AM'}",
        "priority": "*****",
        "group": "Storage",
        "probe": "Local Probe",
    }


def _esx_outage(daemon: Daemon) -> None:
    """esx-01 goes down and Nagios finds web-01 (a VM on it) unreachable."""
    daemon.post("/ingest/nagios", _nagios_host("esx-01", "10.0.2.11", "DOWN", "9101"), form=True)
    daemon.post(
        "/ingest/nagios", _nagios_host("web-01", "10.0.3.21", "UNREACHABLE", "9102"), form=True
    )


def _open_wall(screen: Screen, daemon: Daemon, token: str | None) -> None:
    query = f"/?token={token}" if token else "/"
    screen.page.goto(f"{daemon.base}{query}")
    expect(screen.page.get_by_test_id("wall")).to_be_visible()


def _row(screen: Screen, root: str) -> Any:
    rows = screen.page.get_by_test_id("incident-row")
    return rows.filter(has=screen.page.get_by_test_id("root-cause").filter(has_text=root))


def test_alert_appears_on_the_wall_and_the_operator_acknowledges_it(
    daemon: Daemon, screen: Screen
) -> None:
    """Posted Nagios alerts become one incident on the live wall; its detail draws the
    topology with the root ringed; Acknowledge shows "acknowledged by alice" on the wall."""
    page = screen.page
    _open_wall(screen, daemon, daemon.operator)
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    expect(page.get_by_test_id("whoami")).to_have_text(re.compile(r"alice"))
    expect(page.get_by_test_id("wall-empty")).to_be_visible()
    screen.shot("wall-empty")

    _esx_outage(daemon)
    row = _row(screen, "esx-01")
    expect(row).to_have_count(1, timeout=APPEAR_MS)
    expect(row.get_by_test_id("ack-state")).to_have_text("unacknowledged")
    expect(row.get_by_test_id("counts")).to_have_text(re.compile(r"^2 / 2$"), timeout=APPEAR_MS)
    expect(row.get_by_test_id("priority-badge")).to_have_text(re.compile(r"^P[1-5]$"))
    expect(row.get_by_test_id("sla")).to_have_text(re.compile(r"^(ack|fix) "))
    screen.shot("wall-incident")

    row.click()
    expect(page).to_have_url(re.compile(r"#/incident/INC-\d{6}$"))
    incident_id = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_test_id("detail-title")).to_contain_text("esx-01")
    expect(page.get_by_test_id("alert-row")).to_have_count(2)
    expect(page.get_by_test_id("explanation").locator("li").first).not_to_be_empty()
    graph = page.get_by_test_id("topology-graph")
    expect(graph).to_be_visible()
    root = graph.locator('[data-testid="graph-node"][data-root="true"]')
    expect(root).to_have_count(1)
    expect(root).to_have_attribute("data-node", "esx-01")
    expect(root).to_have_attribute("data-alerting", "true")
    expect(root.get_by_test_id("graph-root-ring")).to_have_count(1)
    expect(graph.locator('[data-node="web-01"]')).to_have_attribute("data-alerting", "true")
    expect(graph.locator('[data-node="bru-dist-1"]')).to_have_attribute("data-alerting", "false")
    assert graph.get_by_test_id("graph-edge").count() >= 3
    expect(page.get_by_test_id("ticket-link").first).to_have_attribute(
        "href", re.compile(r"^https://tickets\.example\.net/ticket/")
    )
    expect(page.get_by_test_id("runbook-link")).to_have_attribute(
        "href", "https://wiki.example.net/kb/hypervisor/esx-01"
    )
    # no pager is configured: the page the policy decided is said to have reached nobody
    expect(page.get_by_test_id("paging-note")).to_contain_text("sent to nobody")
    screen.shot("detail", full_page=True)

    page.get_by_test_id("ack-button").click()
    expect(page.get_by_test_id("detail-ack")).to_have_text(
        re.compile(r"^acknowledged by alice"), timeout=ACT_MS
    )
    expect(page.get_by_test_id("ack-button")).to_be_disabled()

    page.get_by_test_id("note-text").fill("esx-01 lost both PSUs; facilities on the way")
    page.get_by_test_id("note-button").click()
    expect(page.get_by_test_id("note")).to_contain_text(["esx-01 lost both PSUs"], timeout=ACT_MS)
    page.get_by_test_id("assign-input").fill("bob")
    page.get_by_test_id("assign-button").click()
    expect(page.get_by_test_id("detail-assignee")).to_have_text("bob", timeout=ACT_MS)
    screen.shot("detail-acknowledged", full_page=True)

    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("wall")).to_be_visible()
    expect(row).to_be_visible()
    expect(row.get_by_test_id("ack-state")).to_have_text("acknowledged by alice", timeout=ACT_MS)
    expect(row.get_by_test_id("team")).to_contain_text("bob")
    screen.shot("wall-acknowledged")

    # a ticket's or page's link to the incident (dispatch.incident_url) opens its detail,
    # in the page's own form and in the plural one an incident_url may be written with
    for form in ("incident", "incidents"):
        page.goto(f"{daemon.base}/#/{form}/{incident_id}")
        expect(page.get_by_test_id("detail-title")).to_be_visible()
        expect(page.get_by_test_id("detail-title")).to_contain_text("esx-01")
        page.get_by_test_id("back").click()
        expect(page.get_by_test_id("wall")).to_be_visible()
    screen.assert_no_errors()


def test_an_alert_from_a_host_outside_the_topology_is_named_plainly(
    daemon: Daemon, screen: Screen
) -> None:
    """A host the topology does not know: "1 alert, not in the topology" on the wall, and
    the detail names the host instead of counting zero nodes."""
    page = screen.page
    _open_wall(screen, daemon, daemon.operator)
    daemon.post("/ingest/nagios", _nagios_host("printer-07", "10.9.9.7", "DOWN", "9201"), form=True)
    title = page.get_by_test_id("incident-title").filter(has_text="printer-07")
    expect(title).to_have_text("printer-07 down: 1 alert, not in the topology", timeout=APPEAR_MS)
    row = page.get_by_test_id("incident-row").filter(has=title)
    expect(row.get_by_test_id("counts")).to_have_text("1 / \u2013")
    title.click()
    expect(page.get_by_test_id("detail-counts")).to_have_text(
        "1 alert (1 active), on no topology node"
    )
    expect(page.get_by_test_id("detail-title")).to_contain_text("printer-07")
    root = page.locator("dd").filter(has_text="unplaced")
    expect(root).to_have_text("unplaced — printer-07 is not in the topology")
    screen.shot("detail-unplaced", full_page=True)
    screen.assert_no_errors()


def test_viewer_sees_the_incident_but_no_write_buttons(daemon: Daemon, screen: Screen) -> None:
    """The wall's viewer token shows incidents and their detail with no Acknowledge, no note form."""
    page = screen.page
    _open_wall(screen, daemon, daemon.viewer)
    expect(page.get_by_test_id("whoami")).to_have_text(re.compile(r"noc-wall · viewer"))
    _esx_outage(daemon)
    row = _row(screen, "esx-01")
    expect(row).to_have_count(1, timeout=APPEAR_MS)
    row.click()
    expect(page.get_by_test_id("topology-graph")).to_be_visible()
    expect(page.get_by_test_id("detail-ack")).to_have_text("unacknowledged")
    expect(page.get_by_test_id("ack-button")).to_have_count(0)
    expect(page.get_by_test_id("note-form")).to_have_count(0)
    expect(page.get_by_test_id("assign-form")).to_have_count(0)
    screen.shot("viewer-detail", full_page=True)
    screen.assert_no_errors()


def test_inferred_unmonitored_root_is_drawn_dashed(daemon: Daemon, screen: Screen) -> None:
    """bru-core-1 (Zabbix) and bru-san-01 (PRTG) failing together are put on the unmonitored
    PDU: the wall says "(inferred)", the graph rings it dashed and labels it inferred."""
    page = screen.page
    _open_wall(screen, daemon, daemon.operator)
    daemon.post("/ingest/zabbix", _zabbix_problem("bru-core-1", "10.0.0.1", "51400"))
    daemon.post("/ingest/prtg", _prtg_down("bru-san-01", "SNMP Uptime", "3002"), form=True)
    row = _row(screen, "bru-pdu-a")
    expect(row).to_have_count(1, timeout=APPEAR_MS)
    expect(row.get_by_test_id("root-cause")).to_have_text("bru-pdu-a (inferred)")
    screen.shot("wall-inferred")

    row.click()
    node = page.locator('[data-testid="graph-node"][data-node="bru-pdu-a"]')
    expect(node).to_have_attribute("data-root", "true")
    expect(node).to_have_attribute("data-inferred", "true")
    expect(node).to_have_attribute("data-alerting", "false")
    expect(node.get_by_test_id("graph-root-ring")).to_have_class(re.compile(r"\binferred\b"))
    expect(node).to_contain_text("inferred")
    for alerting in ("bru-core-1", "bru-san-01"):
        expect(page.locator(f'[data-node="{alerting}"]')).to_have_attribute("data-alerting", "true")
    screen.shot("detail-inferred", full_page=True)
    screen.assert_no_errors()


def test_login_prompt_asks_for_a_token(daemon: Daemon, screen: Screen) -> None:
    """Without a token the page asks for one; a wrong one is refused; the viewer's works."""
    page = screen.page
    _open_wall(screen, daemon, None)
    dialog = page.get_by_test_id("login-dialog")
    expect(dialog).to_be_visible()
    screen.shot("login")
    page.get_by_test_id("login-token").fill("not-a-token")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("That token was refused.")
    page.get_by_test_id("login-token").fill(daemon.viewer)
    page.get_by_test_id("login-submit").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("whoami")).to_have_text(re.compile(r"noc-wall"))
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    page.reload()  # the token is remembered (localStorage)
    expect(page.get_by_test_id("whoami")).to_have_text(re.compile(r"noc-wall"))
    expect(dialog).to_be_hidden()
    screen.assert_no_errors("401")


def test_wall_polls_when_the_stream_is_unavailable(daemon: Daemon, screen: Screen) -> None:
    """With the event stream blocked the wall falls back to polling and still shows new incidents."""
    page = screen.page
    page.route("**/api/v1/stream**", lambda route: route.abort())
    _open_wall(screen, daemon, daemon.operator)
    expect(page.get_by_test_id("live-state")).to_have_attribute(
        "data-state", "polling", timeout=APPEAR_MS
    )  # after three failed connections, a few seconds apart
    _esx_outage(daemon)
    expect(_row(screen, "esx-01")).to_have_count(1, timeout=APPEAR_MS)
    screen.shot("wall-polling")
    screen.assert_no_errors("/api/v1/stream", "net::ERR_FAILED")


def test_chart_reports_and_handover_after_an_acknowledged_outage(
    daemon: Daemon, screen: Screen
) -> None:
    """After an acknowledged outage the 24-hour chart and the reports view show 2 alerts in,
    1 incident out and the MTTA of its team; the Handover link opens the printable page."""
    page = screen.page
    _esx_outage(daemon)
    _open_wall(screen, daemon, daemon.viewer)
    row = _row(screen, "esx-01")
    expect(row).to_have_count(1, timeout=APPEAR_MS)
    incident = row.get_attribute("data-incident-id")
    daemon.act(f"/api/v1/incidents/{incident}/ack", {})
    expect(row.get_by_test_id("ack-state")).to_have_text("acknowledged by alice", timeout=ACT_MS)
    page.reload()  # the wall's chart is read at start, then at most twice a minute
    chart = page.get_by_test_id("wall-side").get_by_test_id("hourly-chart")
    expect(chart).to_have_attribute("aria-label", re.compile(r": 2 alerts, 1 incident$"))
    expect(page.get_by_test_id("noise-ratio")).to_contain_text("2.0")
    screen.shot("wall-chart")

    page.get_by_test_id("nav-reports").click()
    reports = page.get_by_test_id("reports")
    expect(reports.get_by_test_id("figure-alerts")).to_contain_text("2")
    expect(reports.get_by_test_id("figure-incidents")).to_contain_text("1")
    expect(reports.get_by_test_id("figure-mtta")).to_contain_text("1 acked")
    expect(reports.get_by_test_id("hourly-chart")).to_be_visible()
    expect(reports.locator('[data-testid="by-team-row"][data-key="systems"]')).to_have_count(1)
    expect(reports.locator('[data-testid="by-priority-row"]')).to_have_count(1)
    expect(reports.get_by_test_id("noisy-check-row")).to_have_count(1)
    # 24 hours span two dates: both ends are dated, never "2026-12-05 15:26 to 15:26"
    day_time = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"
    expect(reports.get_by_test_id("reports-range")).to_have_text(
        re.compile(rf"^{day_time} \u2013 {day_time}$")
    )
    screen.shot("reports", full_page=True)

    with page.context.expect_page() as opened:
        page.get_by_test_id("nav-handover").click()
    handover = opened.value
    handover.wait_for_load_state()
    expect(handover.locator("body")).to_contain_text(str(incident))
    handover.screenshot(path=screen.folder / "handover.png", full_page=True)
    screen.assert_no_errors()


def test_twenty_incidents_fit_the_wall_without_scrolling(daemon: Daemon, screen: Screen) -> None:
    """Twenty incidents on a 1920x1080 wall: all rows on screen, no scrolling, most urgent first."""
    page = screen.page
    _open_wall(screen, daemon, daemon.viewer)
    for n in range(1, 21):  # hosts outside the topology: one incident each
        host = f"branch-{n:02d}"
        daemon.post("/ingest/nagios", _nagios_host(host, f"10.9.0.{n}", "DOWN", str(7000 + n)))
    rows = page.get_by_test_id("incident-row")
    expect(rows).to_have_count(20, timeout=APPEAR_MS)
    expect(page.get_by_test_id("wall-more")).to_have_count(0)
    screen.shot("wall-twenty")
    height = SCREEN_HEIGHT
    # One look at the whole wall in a single script run: the live wall re-renders its rows
    # on every incident change, so row-by-row queries could straddle a re-render.
    wall = page.evaluate(
        """() => ({
            rows: [...document.querySelectorAll('[data-testid="incident-row"]')].map((row) => {
                const box = row.getBoundingClientRect();
                return {top: box.top, bottom: box.bottom, priority: row.dataset.priority};
            }),
            scroll: document.scrollingElement.scrollHeight,
        })"""
    )
    assert len(wall["rows"]) == 20
    for row in wall["rows"]:
        assert row["top"] >= 0
        assert row["bottom"] <= height
    assert wall["scroll"] <= height, f"the wall scrolls: {wall['scroll']}px high"
    ranks = [int(str(row["priority"])[1:]) for row in wall["rows"]]
    assert ranks == sorted(ranks)
    screen.assert_no_errors()
