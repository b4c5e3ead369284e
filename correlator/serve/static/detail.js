// Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
// One incident: what it is, why the engine chose its root, its alerts, its history, the
// topology around the root, and (for operators) acknowledge, assign and note.

import { ApiError, AuthError, api, now } from "./api.js";
import { badge, clockTime, duration, h, plural, replace } from "./dom.js";
import { topologyGraph } from "./graph.js";
import { slaClock } from "./wall.js";

function path(id, suffix = "") {
  return `/api/v1/incidents/${encodeURIComponent(id)}${suffix}`;
}

function fact(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

function link(url, text, testid) {
  // only web links: a ticket URL comes from config or a ticket system
  if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return h("span", { testid }, text);
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer", testid }, text);
}

function ticketLinks(incident) {
  const tickets = Array.isArray(incident.tickets) && incident.tickets.length
    ? incident.tickets
    : incident.ticket ? [incident.ticket] : [];
  if (!tickets.length) return ["none"];
  return tickets.flatMap((t, i) => [
    i ? ", " : "",
    link(t.url, `${t.system || "ticket"} ${t.id || ""}`.trim(), "ticket-link"),
    t.status ? ` (${t.status})` : "",
  ]);
}

/** "printer-07 is" / "a, b are": the hosts of an unplaced incident's alerts. */
function unplacedHosts(incident) {
  const hosts = [...new Set((incident.alerts || []).map((a) => a.host).filter(Boolean))];
  if (!hosts.length) return "its host is";
  return `${hosts.join(", ")} ${hosts.length === 1 ? "is" : "are"}`;
}

/** What the paging policy decided when that is not what was sent (no pager reached). */
function pagingNote(incident) {
  const paging = incident.paging;
  if (!paging || !paging.decided || (paging.pagers || []).length) return "";
  const at = paging.last_priority ? ` at ${paging.last_priority}` : "";
  return h("p", { class: "muted", testid: "paging-note" },
    `paged by policy${at}, but sent to nobody: no pager is configured for team ${incident.team || "?"}`);
}

function table(testid, head, rows) {
  if (!rows.length) return h("p", { class: "muted", testid: `${testid}-empty` }, "none");
  return h("table", { class: "grid", testid },
    h("thead", {}, h("tr", {}, head.map((c) => h("th", {}, c)))),
    h("tbody", {}, rows));
}

/** The detail view: show(id) loads and draws it; refresh() re-reads it after a change. */
export class Detail {
  constructor(container, { canWrite }) {
    this.container = container;
    this.canWrite = canWrite;
    this.id = null;
    this.incident = null;
    this.loading = null;
    this.refreshTimer = null;
  }

  show(id) {
    if (id !== this.id) {
      this.id = id;
      this.incident = null;
      this.build();
    }
    return this.refresh();
  }

  build() {
    this.head = h("div", { class: "detail-head" });
    this.facts = h("dl", { class: "facts", testid: "facts" });
    this.explanation = h("ol", { class: "explanation", testid: "explanation" });
    this.graph = h("div", { class: "graph-box", testid: "graph-box" });
    this.alerts = h("div", { testid: "alerts" });
    this.history = h("div", { testid: "history" });
    this.notes = h("div", { testid: "notes" });
    this.pages = h("div", { testid: "pages" });
    this.message = h("p", { class: "message", testid: "action-message", role: "status" });
    this.actions = this.canWrite() ? this.buildActions() : null;
    replace(this.container,
      h("a", { class: "back", href: "#/", testid: "back" }, "← Wall"),
      this.head,
      h("div", { class: "detail-grid" },
        h("div", { class: "detail-side" },
          h("section", {}, h("h2", {}, "Incident"), this.facts),
          this.actions,
          this.message,
          h("section", {}, h("h2", {}, "Why this root cause"), this.explanation),
          h("section", {}, h("h2", {}, "Notes"), this.notes)),
        h("div", { class: "detail-main" },
          h("section", {}, h("h2", {}, "Topology around the root"), this.graph, this.legend()),
          h("section", {}, h("h2", {}, "Alert timeline"), this.alerts),
          h("section", {}, h("h2", {}, "History"), this.history),
          h("section", {}, h("h2", {}, "Pages"), this.pages))));
  }

  legend() {
    const swatch = (cls, text) => h("span", { class: "legend-item" }, h("span", { class: `swatch ${cls}` }), text);
    return h("div", { class: "legend" },
      swatch("ring", "root cause"), swatch("dashed", "inferred (unmonitored)"),
      swatch("sev-critical", "critical"), swatch("sev-major", "major"), swatch("sev-minor", "minor"),
      swatch("sev-warning", "warning"), swatch("sev-info", "info"), swatch("quiet", "no alert"),
      h("span", { class: "legend-item" }, "arrow: depends on; dashed arrow: any one of"));
  }

  buildActions() {
    this.ackButton = h("button", { type: "button", class: "primary", testid: "ack-button", onclick: () => this.acknowledge() }, "Acknowledge");
    this.assignInput = h("input", { type: "text", name: "assignee", placeholder: "assignee", autocomplete: "off", testid: "assign-input", "aria-label": "assignee" });
    this.noteInput = h("textarea", { name: "note", rows: 3, placeholder: "what you found, what you did", testid: "note-text", "aria-label": "note" });
    const assign = h("form", { class: "inline", testid: "assign-form", onsubmit: (e) => { e.preventDefault(); this.assign(); } },
      this.assignInput, h("button", { type: "submit", testid: "assign-button" }, "Assign"));
    const note = h("form", { class: "note-form", testid: "note-form", onsubmit: (e) => { e.preventDefault(); this.addNote(); } },
      this.noteInput, h("button", { type: "submit", testid: "note-button" }, "Add note"));
    return h("section", { class: "actions", testid: "actions" }, h("h2", {}, "Act"), this.ackButton, assign, note);
  }

  refresh() {
    if (!this.id) return Promise.resolve();
    const id = this.id;
    this.loading = Promise.all([
      api(path(id)),
      api(path(id, "/topology?depth=2")).catch((error) => (error instanceof AuthError ? Promise.reject(error) : { error })),
    ]).then(([incident, topology]) => {
      if (id !== this.id) return;
      this.incident = incident;
      this.draw(incident, topology);
    }).catch((error) => {
      if (id !== this.id || error instanceof AuthError) return;
      replace(this.head, h("h1", { testid: "detail-error" },
        error instanceof ApiError && error.status === 404 ? `${id}: no such incident` : `${id}: ${error.message}`));
    });
    return this.loading;
  }

  /** Re-read soon (several stream events for one change come together). */
  changed(id) {
    if (id !== this.id) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), 300);
  }

  draw(incident, topology) {
    replace(this.head,
      badge(incident.priority),
      h("h1", { testid: "detail-title" }, h("span", { class: "muted" }, `${incident.id} `), incident.title || ""),
      h("span", { class: `status status-${incident.status}`, testid: "detail-status" }, incident.status));

    const t = now();
    const sla = incident.sla || {};
    const clock = incident.status === "open"
      ? slaClock(incident, t)
      : { text: sla.state || "–", state: sla.state === "breached" ? "breached" : "" };
    const root = incident.root_cause
      ? [incident.root_cause, incident.root_cause_inferred ? h("span", { class: "inferred-tag" }, " (inferred, unmonitored)") : ""]
      : ["unplaced", h("span", { class: "muted" }, ` — ${unplacedHosts(incident)} not in the topology`)];
    const alertCount = incident.alert_count ?? (incident.alerts || []).length;
    const nodeCount = incident.node_count ?? (incident.nodes || []).length;
    replace(this.facts,
      fact("Status", incident.status, incident.merged_into ? ` (merged into ${incident.merged_into})` : ""),
      fact("Priority", incident.priority, incident.priority_reason ? h("span", { class: "muted" }, ` — ${incident.priority_reason}`) : ""),
      fact("Root cause", ...root),
      fact("Team", incident.team || "–"),
      fact("Assignee", h("span", { testid: "detail-assignee" }, incident.assignee || "–")),
      fact("Acknowledged", h("span", { testid: "detail-ack" }, incident.acknowledged_by
        ? `acknowledged by ${incident.acknowledged_by} at ${clockTime(incident.acknowledged_at)}`
        : "unacknowledged")),
      fact("Opened", `${clockTime(incident.opened_at)} (${duration(t - incident.opened_at)} ago)`),
      incident.resolved_at ? fact("Resolved", clockTime(incident.resolved_at)) : [],
      fact("SLA", h("span", { class: `sla ${clock.state}` }, clock.text),
        sla.response_due ? h("span", { class: "muted" }, ` · response due ${clockTime(sla.response_due)}, resolution due ${clockTime(sla.resolution_due)}`) : ""),
      fact("Ticket", ...ticketLinks(incident)),
      incident.runbook ? fact("Runbook", link(incident.runbook, incident.runbook, "runbook-link")) : [],
      fact("Alerts / nodes", h("span", { testid: "detail-counts" },
        `${plural(alertCount, "alert")} (${incident.active_alerts ?? "?"} active)`
        + (nodeCount ? ` on ${plural(nodeCount, "node")}` : ", on no topology node"))),
      incident.site ? fact("Site", incident.site) : [],
      incident.major ? fact("Major incident", incident.major) : [],
      incident.flapping ? fact("Flapping", "yes") : [],
      incident.maintenance ? fact("Maintenance", "under maintenance") : []);

    if (this.ackButton) {
      const acked = Boolean(incident.acknowledged_by);
      this.ackButton.disabled = acked || incident.status !== "open";
      this.ackButton.textContent = acked ? `Acknowledged by ${incident.acknowledged_by}` : "Acknowledge";
    }

    const reasons = Array.isArray(incident.explanation) ? incident.explanation : [];
    replace(this.explanation, reasons.length
      ? reasons.map((r) => h("li", {}, r))
      : h("li", { class: "muted" }, "no reasons recorded"));

    if (topology && !topology.error) {
      replace(this.graph, topologyGraph(topology));
    } else {
      replace(this.graph, h("p", { class: "muted", testid: "graph-error" },
        `topology unavailable: ${topology && topology.error ? topology.error.message : "unknown"}`));
    }

    const alerts = [...(incident.alerts || [])].sort((a, b) => (a.first_seen || 0) - (b.first_seen || 0));
    replace(this.alerts, table("alert-timeline", ["First seen", "Source", "Host", "Check", "Severity", "Node", "Resolved"],
      alerts.map((a) => h("tr", { testid: "alert-row", class: a.resolved_at ? "resolved" : "" },
        h("td", {}, clockTime(a.first_seen)),
        h("td", {}, a.source || ""),
        h("td", {}, a.host || ""),
        h("td", {}, a.check || "(host)"),
        h("td", {}, h("span", { class: `sev sev-${a.severity}` }, a.severity || "")),
        h("td", {}, a.node || "–"),
        h("td", {}, a.resolved_at ? clockTime(a.resolved_at) : "active")))));

    const history = [...(incident.history || [])].sort((a, b) => (a.at || 0) - (b.at || 0));
    replace(this.history, table("history-table", ["At", "Who", "Step", "Detail", "System"],
      history.map((e) => h("tr", { testid: "history-row" },
        h("td", {}, clockTime(e.at)), h("td", {}, e.actor || "correlator"), h("td", {}, e.step || ""),
        h("td", {}, typeof e.detail === "string" ? e.detail : JSON.stringify(e.detail ?? "")),
        h("td", {}, e.system || "")))));

    const notes = [...(incident.notes || [])].sort((a, b) => (a.at || 0) - (b.at || 0));
    replace(this.notes, notes.length
      ? h("ul", { class: "notes" }, notes.map((n) => h("li", { testid: "note" },
        h("span", { class: "muted" }, `${clockTime(n.at)} ${n.actor || ""}: `), n.text || "")))
      : h("p", { class: "muted" }, "no notes"));

    const pages = incident.pages || [];
    replace(this.pages, table("pages-table", ["Sent", "Pager", "Event", "Level"],
      pages.map((p) => h("tr", {},
        h("td", {}, clockTime(p.sent_at ?? p.at)), h("td", {}, p.pager || ""), h("td", {}, p.event || ""),
        h("td", {}, p.level ?? "")))),
      pagingNote(incident));
  }

  async act(what, request) {
    this.message.className = "message";
    this.message.textContent = `${what}…`;
    try {
      await request();
      this.message.textContent = `${what}: done`;
      await this.refresh();
      return true;
    } catch (error) {
      if (error instanceof AuthError) {
        this.message.textContent = `${what}: sign in first`;
      } else {
        this.message.className = "message error";
        this.message.textContent = `${what} refused: ${error.message}`;
      }
      return false;
    }
  }

  acknowledge() {
    const id = this.id;
    return this.act("Acknowledge", () => api(path(id, "/ack"), { method: "POST", body: {} }));
  }

  async assign() {
    const assignee = this.assignInput.value.trim();
    if (!assignee) return;
    const id = this.id;
    if (await this.act(`Assign to ${assignee}`, () => api(path(id, "/assign"), { method: "POST", body: { assignee } }))) {
      this.assignInput.value = "";
    }
  }

  async addNote() {
    const text = this.noteInput.value.trim();
    if (!text) return;
    const id = this.id;
    if (await this.act("Add note", () => api(path(id, "/notes"), { method: "POST", body: { text } }))) {
      this.noteInput.value = "";
    }
  }
}
