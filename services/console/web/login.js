// The login and setup pages. Credentials travel in the Authorization header of one POST (Basic for the
// password, X-Titan-Otp for the code; an enrollment code as Titan-Enrollment), never in a URL.
/* global document, fetch, location, btoa, TextEncoder, FormData */
const problemOf = async (res) => {
  try {
    const p = await res.json();
    return [p.detail, ...(p.errors ?? []).map((e) => e.message)].filter(Boolean).join("; ");
  } catch {
    return `HTTP ${res.status}`;
  }
};

const show = (form, text, kind) => {
  const out = form.querySelector("output");
  out.textContent = text;
  out.dataset.kind = kind;
};

const basic = (username, password) => `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${password}`)))}`;

const login = document.getElementById("login");
login?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(login);
  const headers = { authorization: basic(String(f.get("username")).trim(), String(f.get("password"))) };
  const otp = String(f.get("otp") ?? "").trim();
  if (otp !== "") headers["x-titan-otp"] = otp;
  show(login, "logging in…", "info");
  const res = await fetch("/api/session", { method: "POST", headers, credentials: "same-origin" });
  if (res.status === 201) {
    location.assign("/");
    return;
  }
  // One answer for every failure: which part was wrong is in the audit log, not told to a guesser.
  show(login, res.status === 401 ? "Login failed: wrong username, password or code, or the account is locked for a while." : await problemOf(res), "error");
});

let enrollmentCode = "";
const begin = document.getElementById("setup-begin");
const complete = document.getElementById("setup-complete");
begin?.addEventListener("submit", async (e) => {
  e.preventDefault();
  enrollmentCode = String(new FormData(begin).get("code")).trim();
  const res = await fetch("/api/enrollment/begin", { method: "POST", headers: { authorization: `Titan-Enrollment ${enrollmentCode}` } });
  if (!res.ok) {
    show(begin, res.status === 401 ? "That code is not valid (used, expired or mistyped)." : await problemOf(res), "error");
    return;
  }
  const start = await res.json();
  document.getElementById("totp-secret").textContent = start.totpSecret;
  document.getElementById("totp-uri").setAttribute("href", start.totpUri);
  const name = document.getElementById("username-field");
  if (start.username !== null) {
    name.hidden = true;
    show(begin, `Setting up ${start.username} (${start.role}).`, "ok");
  } else {
    name.querySelector("input").required = true;
    show(begin, `Setting up the first ${start.role}: choose a username.`, "ok");
  }
  complete.hidden = false;
});
complete?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(complete);
  const body = { password: String(f.get("password")) };
  const username = String(f.get("username") ?? "").trim();
  if (username !== "") body.username = username;
  const code = String(f.get("totpCode") ?? "").trim();
  if (code !== "") body.totpCode = code;
  const res = await fetch("/api/enrollment/complete", { method: "POST", headers: { authorization: `Titan-Enrollment ${enrollmentCode}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status === 201) {
    const done = await res.json();
    show(complete, `Done: log in as ${done.username}.`, "ok");
    setTimeout(() => location.assign("/login"), 1500);
    return;
  }
  show(complete, await problemOf(res), "error");
});
