// Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
// Reports over a chosen period: MTTA and MTTR per team and per priority, how many alerts
// became how many incidents, and the checks that make the most noise.

import { AuthError, api } from "./api.js";
import { hourlyChart } from "./chart.js";
import { clockTime, h, maybeDuration, replace } from "./dom.js";

const PERIODS = [["8h", "8 hours"], ["24h", "24 hours"], ["7d", "7 days"], ["30d", "30 days"]];

/** The headline figures: alerts in, incidents out, alerts per incident, noise reduction. */
export function figuresOf(report) {
  const ratio = report.alerts_per_incident;
  const reduction = report.noise_reduction;
  return {
    alerts: typeof report.alerts === "number" ? String(report.alerts) : "–",
    incidents: typeof report.incidents === "number" ? String(report.incidents) : "–",
    ratio: typeof ratio === "number" ? ratio.toFixed(1) : "–",
    reduction: typeof reduction === "number" ? `${Math.round(reduction * 100)} %` : "–",
  };
}

const EMPTY = { count: 0, mean: null, median: null, p90: null };

function timingCells(d) {
  return [
    h("td", { class: "num" }, String(d.count)),
    h("td", { class: "num" }, maybeDuration(d.mean)),
    h("td", { class: "num" }, maybeDuration(d.median)),
    h("td", { class: "num" }, maybeDuration(d.p90)),
  ];
}

/** MTTA and MTTR side by side, one row per key (team or priority). */
function timesTable(testid, keyLabel, mtta, mttr, order) {
  const keys = [...new Set([...Object.keys(mtta || {}), ...Object.keys(mttr || {})])].sort(order);
  if (!keys.length) return h("p", { class: "muted", testid: `${testid}-empty` }, "no incident acknowledged or resolved in this period");
  return h("table", { class: "grid", testid },
    h("thead", {},
      h("tr", {}, h("th", {}, ""), h("th", { colspan: 4 }, "MTTA (to first acknowledgement)"), h("th", { colspan: 4 }, "MTTR (to resolved)")),
      h("tr", {}, h("th", {}, keyLabel),
        ["acked", "mean", "median", "p90", "resolved", "mean", "median", "p90"].map((c) => h("th", { class: "num" }, c)))),
    h("tbody", {}, keys.map((key) => h("tr", { testid: `${testid}-row`, "data-key": key },
      h("td", {}, key),
      timingCells((mtta || {})[key] || EMPTY),
      timingCells((mttr || {})[key] || EMPTY)))));
}

function noisyTable(rows) {
  if (!rows.length) return h("p", { class: "muted", testid: "noisy-checks-empty" }, "no alerts in this period");
  return h("table", { class: "grid", testid: "noisy-checks" },
    h("thead", {}, h("tr", {}, ["Source", "Check"].map((c) => h("th", {}, c)),
      ["Alerts", "Hosts", "Events", "Incidents"].map((c) => h("th", { class: "num" }, c)))),
    h("tbody", {}, rows.map((row) => h("tr", { testid: "noisy-check-row" },
      h("td", {}, row.source || ""),
      h("td", {}, row.check || ""),
      [row.alerts, row.hosts, row.events, row.incidents].map((n) => h("td", { class: "num" }, String(n ?? "–")))))));
}

/** The reports view: show() loads the chosen period. */
export class Reports {
  constructor(container) {
    this.container = container;
    this.since = "24h";
    this.body = h("div", { class: "reports-body", testid: "reports-body" });
    this.buttons = PERIODS.map(([value, label]) => h("button", {
      type: "button", "data-since": value, testid: `period-${value}`,
      onclick: () => { this.since = value; this.show(); },
    }, label));
    this.range = h("span", { class: "muted", testid: "reports-range" });
    replace(container,
      h("a", { class: "back", href: "#/", testid: "back" }, "← Wall"),
      h("div", { class: "reports-head" }, h("h1", {}, "Reports"), h("div", { class: "periods" }, this.buttons), this.range),
      this.body);
  }

  async show() {
    for (const button of this.buttons) button.classList.toggle("active", button.dataset.since === this.since);
    let report;
    try {
      report = await api(`/api/v1/reports?since=${encodeURIComponent(this.since)}`);
    } catch (error) {
      if (!(error instanceof AuthError)) {
        replace(this.body, h("p", { class: "message error", testid: "reports-error" }, `reports unavailable: ${error.message}`));
      }
      return;
    }
    // a period over more than one day dates both ends ("2026-12-05 15:26 – 2026-12-06 15:26")
    const date = new Date(report.since * 1000).toDateString() !== new Date(report.until * 1000).toDateString();
    this.range.textContent = `${clockTime(report.since, { seconds: false, date })} – ${clockTime(report.until, { seconds: false, date })}`;
    const figures = figuresOf(report);
    const mtta = report.mtta || {};
    const mttr = report.mttr || {};
    const figure = (testid, value, label) => h("div", { class: "figure", testid }, h("span", { class: "big" }, value), label);
    replace(this.body,
      h("div", { class: "figures" },
        figure("figure-alerts", figures.alerts, "alerts in"),
        figure("figure-incidents", figures.incidents, "incidents out"),
        figure("figure-ratio", figures.ratio, "alerts per incident"),
        figure("figure-reduction", figures.reduction, "noise reduction"),
        figure("figure-mtta", maybeDuration((mtta.overall || {}).mean), `MTTA (${(mtta.overall || {}).count ?? 0} acked)`),
        figure("figure-mttr", maybeDuration((mttr.overall || {}).mean), `MTTR (${(mttr.overall || {}).count ?? 0} resolved)`)),
      h("section", {}, h("h2", {}, "Alerts in vs incidents out per hour"),
        hourlyChart(report.hourly, { width: 1200, height: 280, title: true })),
      h("section", {}, h("h2", {}, "Per priority"),
        timesTable("by-priority", "Priority", mtta.by_priority, mttr.by_priority, (a, b) => a.localeCompare(b))),
      h("section", {}, h("h2", {}, "Per team"),
        timesTable("by-team", "Team", mtta.by_team, mttr.by_team, (a, b) => a.localeCompare(b))),
      h("section", {}, h("h2", {}, "Top noisy checks"), noisyTable(report.noisy_checks || [])));
  }
}

