// Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
// The NOC page: the header (counts, clock, live state), the wall, the detail and the
// reports views, picked by the #/... route; the data comes from the operator API.

import { AuthError, LiveFeed, api, currentToken, now, onUnauthorized, setToken } from "./api.js";
import { hourlyChart } from "./chart.js";
import { Detail } from "./detail.js";
import { h, replace } from "./dom.js";
import { Reports, figuresOf } from "./reports.js";
import { Wall, countByPriority } from "./wall.js";

const CHART_REFRESH_MS = 5 * 60 * 1000;
const RESYNC_MS = 60 * 1000; // a full re-read now and then, whatever the stream says
// A change is often followed by writes the stream may not announce (the ticket opened by
// the outbox, the SLA clock it starts): read the list once more shortly after a burst.
const FOLLOW_UP_MS = 2500;
const CHART_FOLLOW_MS = 30 * 1000; // new incidents redraw the chart, at most this often

const $ = (id) => document.getElementById(id);

const state = {
  incidents: new Map(),
  me: null, // {name, role}
};

const wall = new Wall($("wall"));
const detail = new Detail($("detail-view"), { canWrite: () => state.me && state.me.role === "operator" });
let reports = null;

// ---- header ------------------------------------------------------------------------

function drawCounts() {
  const { counts, unacked } = countByPriority(state.incidents);
  replace($("counts"),
    Object.entries(counts).map(([p, n]) => h("span", {
      class: `count prio-${p}${n ? "" : " zero"}`, testid: `count-${p}`, title: `${n} open ${p} incidents`,
    }, h("b", {}, p), ` ${n}`)),
    h("span", { class: `count unacked${unacked ? "" : " zero"}`, testid: "count-unacked" }, `${unacked} unacked`));
}

function drawClock() {
  const d = new Date(now() * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  $("clock").textContent = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  $("date").textContent = d.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
}

function drawLive(mode) {
  const live = $("live");
  live.className = `live ${mode}`;
  live.dataset.state = mode;
  live.textContent = { live: "live", connecting: "connecting", reconnecting: "reconnecting", polling: "polling" }[mode] || mode;
}

function drawWho() {
  const who = $("whoami");
  who.textContent = state.me ? `${state.me.name} · ${state.me.role}` : "";
  who.dataset.role = state.me ? state.me.role : "";
  const token = currentToken();
  $("handover-link").href = `/handover?since=8h${token ? `&access_token=${encodeURIComponent(token)}` : ""}`;
}

// ---- data --------------------------------------------------------------------------

function drawWall() {
  wall.update(state.incidents, now());
  drawCounts();
}

async function resync() {
  try {
    const data = await api("/api/v1/incidents?status=open&limit=1000");
    state.incidents = new Map((data.incidents || []).map((i) => [i.id, i]));
    drawWall();
  } catch (error) {
    if (!(error instanceof AuthError)) console.warn("incidents", error);
  }
}

let followUp = null;

function onIncident(summary) {
  if (!summary || !summary.id) return;
  if (summary.status === "open" && !summary.merged_into) state.incidents.set(summary.id, summary);
  else state.incidents.delete(summary.id);
  drawWall();
  detail.changed(summary.id);
  if (!followUp) {
    followUp = setTimeout(() => {
      followUp = null;
      resync();
      if (detail.id) detail.changed(detail.id);
      if (Date.now() - chartLoadedAt > CHART_FOLLOW_MS) loadChart();
    }, FOLLOW_UP_MS);
  }
}


let chartLoadedAt = 0;

async function loadChart() {
  chartLoadedAt = Date.now();
  try {
    const report = await api("/api/v1/reports?since=24h");
    replace($("wall-chart"), hourlyChart(report.hourly, { width: 380, height: 300, title: true }));
    const figures = figuresOf(report);
    const figure = (testid, value, label) => h("div", { class: "figure", testid }, h("span", { class: "big" }, value), label);
    replace($("noise"),
      figure("noise-alerts", figures.alerts, "alerts in"),
      figure("noise-incidents", figures.incidents, "incidents out"),
      figure("noise-ratio", figures.ratio, "alerts per incident"),
      figure("noise-reduction", figures.reduction, "noise reduction"));
  } catch (error) {
    if (!(error instanceof AuthError)) {
      replace($("wall-chart"), h("p", { class: "muted", testid: "chart-error" }, `chart unavailable: ${error.message}`));
    }
  }
}

async function whoami() {
  try {
    state.me = await api("/api/v1/whoami");
  } catch (error) {
    state.me = null;
    if (!(error instanceof AuthError)) console.warn("whoami", error);
  }
  drawWho();
  document.body.dataset.role = state.me ? state.me.role : "";
}

// ---- login -------------------------------------------------------------------------

const feed = new LiveFeed({ onIncident, onResync: resync, onState: drawLive });

function askForToken() {
  const login = $("login");
  if (!login.hidden) return;
  feed.stop();
  drawLive("signed-out");
  $("login-error").textContent = currentToken() ? "That token was refused." : "";
  login.hidden = false;
  $("login-token").value = "";
  $("login-token").focus();
}

onUnauthorized(askForToken);

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  setToken($("login-token").value);
  $("login").hidden = true;
  await start();
});

// ---- routing -----------------------------------------------------------------------

function route() {
  const hash = window.location.hash || (window.location.pathname === "/reports" ? "#/reports" : "#/");
  // #/incident/ID; #/incidents/ID too (a link template written the REST way still works)
  const incident = hash.match(/^#\/incidents?\/(.+)$/);
  const view = incident ? "detail" : hash === "#/reports" ? "reports" : "wall";
  for (const name of ["wall", "detail", "reports"]) $(`${name}-view`).hidden = name !== view;
  document.body.dataset.view = view;
  for (const a of document.querySelectorAll("nav a[data-view]")) a.classList.toggle("active", a.dataset.view === view);
  if (view === "detail") {
    window.scrollTo(0, 0);
    detail.show(decodeURIComponent(incident[1]));
  } else if (view === "reports") {
    if (!reports) reports = new Reports($("reports-view"));
    reports.show();
  } else {
    detail.id = null;
  }
}

window.addEventListener("hashchange", route);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && document.body.dataset.view !== "wall" && $("login").hidden) window.location.hash = "#/";
});

// ---- start -------------------------------------------------------------------------

async function start() {
  await whoami();
  if (!state.me && !$("login").hidden) return; // waiting for a token
  feed.start();
  loadChart();
  route();
}

setInterval(() => {
  drawClock();
  wall.tick(now());
}, 1000);
setInterval(loadChart, CHART_REFRESH_MS);
setInterval(() => {
  if ($("login").hidden) resync();
}, RESYNC_MS);
drawClock();
start();
