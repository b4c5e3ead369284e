// Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
// Small DOM and formatting helpers. Data is only ever set as text (never innerHTML), so
// whatever a monitoring tool puts in a check name is shown, not run.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "testid") {
      node.setAttribute("data-testid", value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: h("td", {class: "age", testid: "age"}, "3m"). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, same calling convention as h(). */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replace every child of `node` with `children`. */
export function replace(node, ...children) {
  node.replaceChildren();
  build(node, {}, children);
  return node;
}

export const PRIORITIES = ["P1", "P2", "P3", "P4", "P5"];

export function priorityRank(priority) {
  const i = PRIORITIES.indexOf(priority);
  return i < 0 ? PRIORITIES.length : i;
}

/** A priority badge, coloured by CSS class (P1 red ... P5 grey). */
export function badge(priority) {
  const p = PRIORITIES.includes(priority) ? priority : "P5";
  return h("span", { class: `badge prio-${p}`, testid: "priority-badge" }, priority || "?");
}

/** 0s, 42s, 7m, 1h 05m, 3d 4h: a duration in seconds, as short as a wall needs. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const hours = Math.floor(m / 60);
  if (hours < 24) return `${hours}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A duration that may be absent (an MTTA with no acknowledged incident). */
export function maybeDuration(seconds) {
  return typeof seconds === "number" && Number.isFinite(seconds) ? duration(seconds) : "–";
}

function pad(n) {
  return String(n).padStart(2, "0");
}

/** Local time of an epoch (seconds): "14:03:20", with the date when not today (or always
 * with ``date``). */
export function clockTime(epoch, { seconds = true, date = false } = {}) {
  if (typeof epoch !== "number") return "–";
  const d = new Date(epoch * 1000);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ""}`;
  const today = new Date();
  if (!date && d.toDateString() === today.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** Plural: plural(3, "alert") -> "3 alerts". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
