// Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
// Alerts in versus incidents out per hour, drawn as plain SVG: the noise the correlator
// takes off the team's hands.

import { plural, s } from "./dom.js";

function niceMax(value) {
  if (value <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

function axisValue(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function hourLabel(epoch) {
  const d = new Date(epoch * 1000);
  return `${String(d.getHours()).padStart(2, "0")}h`;
}

/**
 * The chart as an <svg>: `buckets` is [{hour, alerts, incidents}] (hour = epoch seconds),
 * oldest first. Alerts are wide bars, incidents narrow bars in front of them.
 */
export function hourlyChart(buckets, { width = 600, height = 260, title = true } = {}) {
  const rows = Array.isArray(buckets) ? [...buckets].sort((a, b) => a.hour - b.hour) : [];
  const top = title ? 44 : 14;
  const left = 48;
  const right = 10;
  const bottom = 28;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(1, ...rows.map((r) => Math.max(r.alerts || 0, r.incidents || 0))));
  const totalAlerts = rows.reduce((n, r) => n + (r.alerts || 0), 0);
  const totalIncidents = rows.reduce((n, r) => n + (r.incidents || 0), 0);
  const svg = s("svg", {
    class: "chart",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `alerts in versus incidents out per hour: ${plural(totalAlerts, "alert")}, ${plural(totalIncidents, "incident")}`,
    testid: "hourly-chart",
  });
  if (title) {
    svg.append(
      s("rect", { x: left, y: 8, width: 14, height: 14, class: "bar-alerts" }),
      s("text", { x: left + 20, y: 20, class: "chart-legend" }, `alerts in (${totalAlerts})`),
      s("rect", { x: left + plotW / 2, y: 8, width: 14, height: 14, class: "bar-incidents" }),
      s("text", { x: left + plotW / 2 + 20, y: 20, class: "chart-legend" }, `incidents out (${totalIncidents})`),
    );
  }
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotH * (1 - fraction);
    svg.append(
      s("line", { x1: left, x2: width - right, y1: y, y2: y, class: "chart-grid" }),
      s("text", { x: left - 6, y: y + 4, class: "chart-axis", "text-anchor": "end" }, axisValue(max * fraction)),
    );
  }
  if (rows.length === 0) {
    svg.append(s("text", { x: left + plotW / 2, y: top + plotH / 2, class: "chart-empty", "text-anchor": "middle" }, "no data yet"));
    return svg;
  }
  const slot = plotW / rows.length;
  const labelEvery = Math.max(1, Math.ceil(rows.length / 8));
  rows.forEach((row, i) => {
    const x = left + i * slot;
    const alertsH = (plotH * (row.alerts || 0)) / max;
    const incidentsH = (plotH * (row.incidents || 0)) / max;
    const when = hourLabel(row.hour);
    svg.append(
      s("rect", {
        x: x + slot * 0.1, y: top + plotH - alertsH, width: slot * 0.8, height: alertsH,
        class: "bar-alerts", testid: "chart-alerts",
      }, s("title", {}, `${when}: ${row.alerts || 0} alerts`)),
      s("rect", {
        x: x + slot * 0.3, y: top + plotH - incidentsH, width: slot * 0.4, height: incidentsH,
        class: "bar-incidents", testid: "chart-incidents",
      }, s("title", {}, `${when}: ${row.incidents || 0} incidents`)),
    );
    if (i % labelEvery === 0) {
      svg.append(s("text", { x: x + slot / 2, y: height - 8, class: "chart-axis", "text-anchor": "middle" }, when));
    }
  });
  return svg;
}
