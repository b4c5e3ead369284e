// Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
// The incident wall: open incidents, most urgent first, readable across the room.

import { badge, duration, h, plural, priorityRank, replace } from "./dom.js";

export const WALL_ROWS = 20; // rows that always fit on the screen, whatever its size

/** P1 before P2 ...; within a priority, the oldest (longest open) first. */
export function wallOrder(a, b) {
  return priorityRank(a.priority) - priorityRank(b.priority)
    || (a.opened_at || 0) - (b.opened_at || 0)
    || String(a.id).localeCompare(String(b.id));
}

/** Whether an incident belongs on the wall (open, not folded into another one). */
export function onWall(incident) {
  return incident.status === "open" && !incident.merged_into;
}

/**
 * The SLA clock that matters now: the response target until someone acknowledged, then
 * the resolution target. {text, state: ""|"soon"|"breached", title}.
 */
export function slaClock(incident, t) {
  const sla = incident.sla;
  if (!sla) return { text: "–", state: "", title: "no SLA target" };
  const responded = sla.responded_at || incident.acknowledged_at;
  const stage = !responded && typeof sla.response_due === "number" ? "response" : "resolution";
  const due = stage === "response" ? sla.response_due : sla.resolution_due;
  if (typeof due !== "number") return { text: "–", state: "", title: "no SLA target" };
  const left = due - t;
  const label = stage === "response" ? "ack" : "fix";
  // breached: the targets missed, e.g. ["response"]; a missed response stays on the title
  const missed = Array.isArray(sla.breached) ? sla.breached : sla.breached ? [stage] : [];
  const breached = left < 0 || missed.includes(stage);
  const text = left >= 0 ? `${label} ${duration(left)}` : `${label} −${duration(-left)}`;
  return {
    text,
    state: breached ? "breached" : sla.state === "warning" || left < 600 ? "soon" : "",
    title: `${stage} due ${new Date(due * 1000).toLocaleString()}`
      + (missed.length ? ` (missed: ${missed.join(", ")})` : ""),
  };
}

/** The wall: call update() with the incidents, tick() every second. */
export class Wall {
  constructor(container) {
    this.container = container;
    this.ticking = new Map(); // id -> {incident, age, sla}
    this.seen = null; // ids shown by the previous update (null: first load)
    this.list = h("div", { class: "wall-rows", testid: "wall-rows" });
    replace(
      container,
      h("div", { class: "wall-head", role: "row" },
        h("span", {}, "Prio"),
        h("span", {}, "Root cause · incident"),
        h("span", { class: "num" }, "Age"),
        h("span", {}, "SLA"),
        h("span", { class: "num", title: "alerts / nodes" }, "Alerts / nodes"),
        h("span", {}, "Team"),
        h("span", {}, "Acknowledged")),
      this.list,
    );
  }

  update(incidents, t) {
    const open = [...incidents.values()].filter(onWall).sort(wallOrder);
    const fresh = this.seen === null ? new Set() : new Set(open.map((i) => i.id).filter((id) => !this.seen.has(id)));
    this.seen = new Set(open.map((i) => i.id));
    this.ticking.clear();
    if (open.length === 0) {
      replace(this.list, h("div", { class: "wall-empty", testid: "wall-empty" }, "No open incidents"));
      return;
    }
    const shown = open.length > WALL_ROWS ? open.slice(0, WALL_ROWS - 1) : open;
    const rows = shown.map((incident) => this.row(incident, fresh.has(incident.id), t));
    if (shown.length < open.length) {
      const hidden = open.slice(shown.length);
      const byPriority = {};
      for (const i of hidden) byPriority[i.priority] = (byPriority[i.priority] || 0) + 1;
      const detail = Object.entries(byPriority).map(([p, n]) => `${p}: ${n}`).join(", ");
      rows.push(h("div", { class: "wall-more", testid: "wall-more" },
        `+ ${plural(hidden.length, "more incident")} (${detail})`));
    }
    replace(this.list, rows);
  }

  row(incident, fresh, t) {
    const age = h("span", { class: "age num", testid: "age" });
    const sla = h("span", { class: "sla", testid: "sla" });
    this.ticking.set(incident.id, { incident, age, sla });
    const root = incident.root_cause
      ? h("span", { class: "root", testid: "root-cause" }, incident.root_cause,
        incident.root_cause_inferred ? h("span", { class: "inferred-tag" }, " (inferred)") : null)
      : null;
    const flags = [
      incident.major ? h("span", { class: "flag major", title: `member of ${incident.major}` }, "MAJOR") : null,
      incident.flapping ? h("span", { class: "flag" }, "flapping") : null,
      incident.maintenance ? h("span", { class: "flag" }, "maintenance") : null,
    ];
    const acked = incident.acknowledged_by;
    const team = incident.assignee ? `${incident.team || "–"} · ${incident.assignee}` : incident.team || "–";
    const row = h("a", {
      class: `wall-row prio-row-${incident.priority}${fresh ? " fresh" : ""}${acked ? " acked" : ""}`,
      href: `#/incident/${encodeURIComponent(incident.id)}`,
      testid: "incident-row",
      "data-incident-id": incident.id,
      "data-priority": incident.priority,
    },
    badge(incident.priority),
    h("span", { class: "what" }, root, flags,
      h("span", { class: root ? "title" : "title unplaced", testid: "incident-title" }, incident.title || incident.id)),
    age,
    sla,
    h("span", { class: "num counts", testid: "counts", title: "alerts / topology nodes" },
      // an incident on no topology node has no node count to show ("1 / –", not "1 / 0")
      `${incident.alert_count ?? "?"} / ${root ? incident.node_count ?? "?" : "–"}`),
    h("span", { class: "team", testid: "team" }, team),
    h("span", { class: acked ? "ack yes" : "ack no", testid: "ack-state" },
      acked ? `acknowledged by ${acked}` : "unacknowledged"));
    this.tickRow(this.ticking.get(incident.id), t);
    return row;
  }

  tick(t) {
    for (const entry of this.ticking.values()) this.tickRow(entry, t);
  }

  tickRow({ incident, age, sla }, t) {
    age.textContent = duration(t - (incident.opened_at || t));
    const clock = slaClock(incident, t);
    if (sla.textContent !== clock.text) sla.textContent = clock.text;
    sla.className = `sla ${clock.state}`;
    sla.title = clock.title;
  }
}

/** Open incidents per priority, for the header. */
export function countByPriority(incidents) {
  const counts = { P1: 0, P2: 0, P3: 0, P4: 0, P5: 0 };
  let unacked = 0;
  for (const incident of incidents.values()) {
    if (!onWall(incident)) continue;
    counts[incident.priority] = (counts[incident.priority] || 0) + 1;
    if (!incident.acknowledged_by) unacked += 1;
  }
  return { counts, unacked };
}
