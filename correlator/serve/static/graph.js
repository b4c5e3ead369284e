// Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
// The topology around an incident's root, drawn as plain SVG from the server's layout
// (x, y in [0, 1], dependencies below the nodes that depend on them).

import { s } from "./dom.js";

const NODE_H = 46;
const PAD_X = 110;
const PAD_Y = 46; // the bottom gets 24 more, for the label under the root
const RING = 7; // gap between a node and the root's ring

function boxWidth(node) {
  const text = String(node.label || node.id);
  return Math.min(220, Math.max(96, text.length * 9 + 28));
}

/** Where the segment from a box's centre in direction (dx, dy) leaves the box. */
function border(cx, cy, halfW, halfH, dx, dy) {
  const tx = dx === 0 ? Infinity : halfW / Math.abs(dx);
  const ty = dy === 0 ? Infinity : halfH / Math.abs(dy);
  const t = Math.min(tx, ty);
  return [cx + dx * t, cy + dy * t];
}

function layers(nodes) {
  const rows = new Map();
  for (const node of nodes) {
    const key = Math.round((node.y || 0) * 1000);
    rows.set(key, (rows.get(key) || 0) + 1);
  }
  return rows;
}

/**
 * The graph as an <svg>. `topology` is GET /api/v1/incidents/{id}/topology:
 * {root, inferred, nodes: [{id, label, kind, alerting, severity, root, inferred_root, x, y}],
 *  edges: [{from, to, kind, group}]}; an edge goes from a node to what it depends on.
 */
export function topologyGraph(topology) {
  const nodes = Array.isArray(topology && topology.nodes) ? topology.nodes : [];
  const edges = Array.isArray(topology && topology.edges) ? topology.edges : [];
  const rows = layers(nodes);
  const widest = Math.max(1, ...rows.values());
  const width = Math.max(900, widest * 200 + 2 * PAD_X);
  const height = Math.max(300, rows.size * 120 + 2 * PAD_Y + 24);
  const place = new Map();
  for (const node of nodes) {
    const x = PAD_X + Math.min(1, Math.max(0, node.x || 0)) * (width - 2 * PAD_X);
    const y = PAD_Y + Math.min(1, Math.max(0, node.y || 0)) * (height - 2 * PAD_Y - 24);
    place.set(node.id, { x, y, w: boxWidth(node), node });
  }

  const svg = s("svg", {
    class: "graph",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `topology around ${topology && topology.root ? topology.root : "the incident"}`,
    testid: "topology-graph",
  });
  svg.append(
    s("defs", {},
      s("marker", {
        id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
        markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse",
      }, s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow-head" })),
    ),
  );

  if (nodes.length === 0) {
    svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "graph-empty" },
      "this incident is on no topology node"));
    return svg;
  }

  const edgeLayer = s("g", { class: "edges" });
  for (const edge of edges) {
    const a = place.get(edge.from);
    const b = place.get(edge.to);
    if (!a || !b) continue;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const length = Math.hypot(dx, dy) || 1;
    const ux = dx / length;
    const uy = dy / length;
    const ringA = a.node.root ? RING : 0;
    const ringB = b.node.root ? RING : 0;
    const [x1, y1] = border(a.x, a.y, a.w / 2 + ringA, NODE_H / 2 + ringA, ux, uy);
    const [x2, y2] = border(b.x, b.y, b.w / 2 + ringB + 2, NODE_H / 2 + ringB + 2, -ux, -uy);
    const anyOf = edge.kind === "any_of";
    edgeLayer.append(
      s("line", {
        x1, y1, x2, y2,
        class: anyOf ? "edge edge-any" : "edge",
        "marker-end": "url(#arrow)",
        testid: "graph-edge",
        "data-from": edge.from,
        "data-to": edge.to,
        "data-kind": edge.kind,
      }, s("title", {}, anyOf
        ? `${edge.from} depends on any one of ${edge.group ? `group ${edge.group}` : "several"} (${edge.to})`
        : `${edge.from} depends on ${edge.to}`)),
    );
  }
  svg.append(edgeLayer);

  const nodeLayer = s("g", { class: "nodes" });
  for (const { x, y, w, node } of place.values()) {
    const severity = node.alerting ? node.severity || "critical" : null;
    const classes = ["node", severity ? `sev-${severity}` : "quiet"];
    if (node.inferred_root) classes.push("inferred");
    const group = s("g", {
      class: classes.join(" "),
      testid: "graph-node",
      "data-node": node.id,
      "data-root": node.root ? "true" : "false",
      "data-alerting": node.alerting ? "true" : "false",
      "data-severity": severity || "",
      "data-inferred": node.inferred_root ? "true" : "false",
      transform: `translate(${x} ${y})`,
    });
    const details = [node.kind, node.site, node.team && `team ${node.team}`, severity && `alerting: ${severity}`]
      .filter(Boolean).join(" · ");
    group.append(s("title", {}, `${node.id}${details ? ` — ${details}` : ""}`));
    if (node.root) {
      group.append(s("rect", {
        class: node.inferred_root ? "root-ring inferred" : "root-ring",
        x: -w / 2 - RING, y: -NODE_H / 2 - RING, width: w + 2 * RING, height: NODE_H + 2 * RING,
        rx: 14, testid: "graph-root-ring",
      }));
    }
    group.append(
      s("rect", { class: "node-box", x: -w / 2, y: -NODE_H / 2, width: w, height: NODE_H, rx: 9 }),
      s("text", { class: "node-label", y: -3, "text-anchor": "middle" }, node.label || node.id),
      s("text", { class: "node-kind", y: 14, "text-anchor": "middle" }, node.kind || ""),
    );
    if (node.inferred_root) {
      group.append(s("text", {
        class: "node-inferred", y: NODE_H / 2 + RING + 17, "text-anchor": "middle",
      }, "inferred (unmonitored)"));
    } else if (node.root) {
      group.append(s("text", {
        class: "node-root", y: NODE_H / 2 + RING + 17, "text-anchor": "middle",
      }, "root cause"));
    }
    nodeLayer.append(group);
  }
  svg.append(nodeLayer);
  return svg;
}
