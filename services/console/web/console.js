// The console page's client: the API helper (CSRF header, problem+json errors, a lapsed session sends
// the browser to the login page), the live feed with reconnect and jittered exponential backoff (a
// reconnect reloads the page's data, since events may have been missed), and the forms.
/* global document, window, WebSocket, fetch, location, FormData */
import { PAGE_VIEWS } from "./views.js";

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";

/** The problem's detail and each field error, as one readable line. */
export const problemText = (problem, status) => {
  if (problem && typeof problem === "object") {
    const errors = Array.isArray(problem.errors) ? problem.errors.map((e) => `${e.path} ${e.message}`) : [];
    return [problem.detail ?? problem.title ?? `HTTP ${status}`, ...errors.filter((e) => !String(problem.detail ?? "").includes(e))].join("; ");
  }
  return `HTTP ${status}`;
};

export const api = async (method, path, body) => {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) {
    location.assign("/login?expired=1");
    throw new Error("the session has ended");
  }
  const text = await res.text();
  let data = null;
  if (text !== "" && /json/.test(res.headers.get("content-type") ?? "")) data = JSON.parse(text);
  if (!res.ok) {
    const err = new Error(problemText(data, res.status));
    err.status = res.status;
    throw err;
  }
  return data;
};

const notice = (text, kind = "info") => {
  const el = document.getElementById("notice");
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = text === "";
};

const setLiveStatus = (state, text) => {
  const el = document.getElementById("live-status");
  if (!el) return;
  el.dataset.state = state;
  el.textContent = text;
};

/** The live feed: events to the page's handler; on a drop, reconnect after 0.5, 1, 2 … 30 s (±50 %). */
const connectLive = (onEvent, onReconnect) => {
  let attempt = 0;
  let everOpened = false;
  const open = () => {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`);
    ws.addEventListener("open", () => {
      if (everOpened) onReconnect();
      everOpened = true;
      attempt = 0;
      setLiveStatus("live", "live");
    });
    ws.addEventListener("message", (m) => {
      const msg = JSON.parse(m.data);
      if (msg.kind === "event") onEvent(msg.event);
      else if (msg.kind === "events") msg.events.forEach(onEvent);
    });
    ws.addEventListener("close", (e) => {
      if (e.code === 4001) {
        location.assign("/login?expired=1");
        return;
      }
      const delayMs = Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      setLiveStatus("reconnecting", `reconnecting in ${Math.round(delayMs / 1000)} s`);
      setTimeout(open, delayMs);
    });
  };
  open();
};

const formValues = (form) => Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v).trim()]));

const controlBody = (action, form) => {
  const v = formValues(form);
  const body = { confirmation: v.confirmation, reason: v.reason, totpCode: v.totpCode };
  if (v.symbol) body.symbol = v.symbol;
  if (action === "breaker-reset") body.falsePositive = form.elements.namedItem("falsePositive")?.checked === true;
  if (action === "allocation-override") {
    body.weights = { 1: Number(v.w1), 2: Number(v.w2), 3: Number(v.w3) };
    body.hours = Number(v.hours);
  }
  return body;
};

const wireControls = (reload) => {
  for (const form of document.querySelectorAll("form[data-control]")) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const action = form.dataset.control;
      const out = form.querySelector("output");
      const button = form.querySelector("button");
      button.disabled = true;
      out.textContent = "sending…";
      out.dataset.kind = "info";
      try {
        const res = await api("POST", `/api/controls/${action}`, controlBody(action, form));
        out.textContent = `done (${res.status})${res.result && res.result.status ? `: ${res.result.status}` : ""}`;
        out.dataset.kind = "ok";
        form.reset();
        reload();
      } catch (err) {
        out.textContent = `refused: ${err.message}`;
        out.dataset.kind = "error";
      } finally {
        button.disabled = false;
      }
    });
  }
};

const start = () => {
  const page = document.body.dataset.page;
  const view = PAGE_VIEWS[page];
  const ctx = { api, notice, role: document.body.dataset.role, user: document.body.dataset.user };
  const reload = () => view?.load(ctx).catch((err) => notice(err.message, "error"));
  document.getElementById("logout")?.addEventListener("click", async () => {
    await api("DELETE", "/api/session").catch(() => undefined);
    location.assign("/login?out=1");
  });
  wireControls(reload);
  view?.wire?.(ctx, reload);
  void reload();
  if (view?.refreshMs) setInterval(reload, view.refreshMs);
  connectLive((event) => view?.onEvent?.(event, ctx, reload), reload);
};

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

window.titanConsole = { api };
