// Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
// The operator API as the page uses it: the token, JSON requests, and the live feed
// (server-sent events, with polling while the stream is down).

const TOKEN_KEY = "correlator.token";
const POLL_MS = 5000; // polling period while the stream is down
const STREAM_RETRY_MS = 30000; // how long to poll before trying the stream again
const STREAM_ERRORS = 3; // failed (re)connections in a row before falling back to polling

/** Raised on 401: the token is missing or wrong (the page shows the login prompt). */
export class AuthError extends Error {}

/** Any other refused request, with the server's one-line reason. */
export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

// ---- the token: ?token= in the page URL wins, then localStorage ----------------------

function stored() {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled (some kiosk browsers)
  }
}

let token = new URLSearchParams(window.location.search).get("token") || stored() || null;
if (token) saveToken(token);

function saveToken(value) {
  try {
    if (value) window.localStorage.setItem(TOKEN_KEY, value);
    else window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // not kept across reloads; the page still works with the URL token
  }
}

export function currentToken() {
  return token;
}

export function setToken(value) {
  token = value ? value.trim() : null;
  saveToken(token);
}

// ---- server time: countdowns use the daemon's clock, not the screen's ----------------

let skewMs = 0;

/** Now, in epoch seconds, corrected by the server's Date header. */
export function now() {
  return (Date.now() + skewMs) / 1000;
}

function learnSkew(response) {
  const date = Date.parse(response.headers.get("Date") || "");
  if (Number.isFinite(date)) {
    // the header has whole seconds: only correct an offset the rounding cannot explain
    const offset = date - Date.now();
    skewMs = Math.abs(offset) > 1500 ? offset : 0;
  }
}

// ---- requests --------------------------------------------------------------------

const unauthorizedListeners = new Set();

/** Call `listener` whenever a request answers 401. */
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

/** A JSON request: api("/api/v1/incidents"), api(path, {method: "POST", body: {...}}). */
export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  learnSkew(response);
  if (response.status === 401) {
    for (const listener of unauthorizedListeners) listener();
    throw new AuthError("a valid token is needed");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: text.slice(0, 200) };
    }
  }
  if (!response.ok) {
    const reason = (data && data.error) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, reason, data && data.field);
  }
  return data;
}

// ---- the live feed -----------------------------------------------------------------

/**
 * Incident changes as they happen: `event: incident` on /api/v1/stream. `onResync` is
 * called whenever the full list must be read again (on every (re)connection, and every
 * few seconds while polling); `onState` gets "connecting", "live", "reconnecting" or
 * "polling".
 */
export class LiveFeed {
  constructor({ onIncident, onResync, onState }) {
    this.onIncident = onIncident;
    this.onResync = onResync;
    this.onState = onState;
    this.source = null;
    this.errors = 0;
    this.pollTimer = null;
    this.retryTimer = null;
  }

  start() {
    this.stop();
    this.open();
  }

  stop() {
    if (this.source) this.source.close();
    this.source = null;
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
    this.pollTimer = null;
    this.retryTimer = null;
  }

  open() {
    if (typeof window.EventSource !== "function") {
      this.poll();
      return;
    }
    const query = token ? `?access_token=${encodeURIComponent(token)}` : "";
    const source = new EventSource(`/api/v1/stream${query}`);
    this.source = source;
    this.onState(this.pollTimer ? "polling" : "connecting");
    source.addEventListener("hello", () => {
      this.errors = 0;
      clearInterval(this.pollTimer);
      this.pollTimer = null;
      this.onState("live");
      this.onResync(); // whatever changed while we were away
    });
    source.addEventListener("incident", (event) => {
      try {
        this.onIncident(JSON.parse(event.data));
      } catch (error) {
        console.warn("bad incident event", error);
      }
    });
    source.addEventListener("error", () => {
      if (this.source !== source) return;
      this.errors += 1;
      // CLOSED: the server refused the stream (401, not event-stream): the browser gives up
      if (source.readyState === EventSource.CLOSED || this.errors >= STREAM_ERRORS) {
        source.close();
        this.source = null;
        this.poll();
      } else {
        this.onState("reconnecting"); // the browser retries by itself
      }
    });
  }

  poll() {
    this.onState("polling");
    if (!this.pollTimer) {
      this.onResync();
      this.pollTimer = setInterval(() => this.onResync(), POLL_MS);
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.errors = 0;
      this.open();
    }, STREAM_RETRY_MS);
  }
}
