// DOM helpers for the console's views: elements built with DOM calls and textContent, never by parsing
// HTML, so no value from the API can become markup.
/* global document, window */
export const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "onclick") el.addEventListener("click", v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof window.Node ? c : String(c));
  return el;
};

export const num = (n, digits = 2) => (typeof n === "number" && Number.isFinite(n) ? n.toFixed(digits) : "–");
export const pct = (f) => (typeof f === "number" ? `${(f * 100).toFixed(2)} %` : "–");
export const time = (ms) => (typeof ms === "number" ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "–");
const box = (id) => document.querySelector(`[data-view="${id}"]`);
export const fill = (id, ...nodes) => box(id)?.replaceChildren(...nodes.flat().filter(Boolean));
export const problem = (source) => (source && source.ok === false ? h("p", { class: "error" }, source.error) : null);
export const okData = (source) => (source && source.ok ? source.data : null);

/** A table: columns of [label, cell(row)], with an id per row when `key` is given. */
export const table = (columns, rows, { key, empty = "none" } = {}) => {
  if (rows.length === 0) return h("p", { class: "muted" }, empty);
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, columns.map(([label]) => h("th", {}, label)))),
    h("tbody", {}, rows.map((r) => h("tr", key ? { "data-key": key(r) } : {}, columns.map(([label, cell]) => h("td", { "data-col": label }, cell(r)))))),
  );
};

export const debounce = (fn, ms) => {
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = window.setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
};
