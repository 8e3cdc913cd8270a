import { describe, expect, it } from "vitest";
import { PAGES, escapeHtml, renderPage } from "./layout.js";

const user = (role: "viewer" | "operator" | "admin") => ({ username: "<b>eve</b>", role, csrfToken: 'tok"en' });

describe("pages", () => {
  it("escape every value they print", () => {
    expect(escapeHtml(`<script>"'&`)).toBe("&lt;script&gt;&quot;&#39;&amp;");
    const html = renderPage("overview", user("viewer"));
    expect(html).toContain("&lt;b&gt;eve&lt;/b&gt;");
    expect(html).not.toContain("<b>eve</b>");
    expect(html).toContain('content="tok&quot;en"');
  });

  it("carry no inline script (the CSP allows scripts from the console only)", () => {
    for (const page of PAGES) expect(renderPage(page.id, user("admin"))).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("render no emergency control for a viewer, the operator's for an operator, all for an admin", () => {
    const controlsOf = (role: "viewer" | "operator" | "admin") =>
      [...PAGES.map((p) => renderPage(p.id, user(role))).join("").matchAll(/data-control="([a-z-]+)"/g)].map((m) => m[1]).sort();
    expect(controlsOf("viewer")).toEqual([]);
    expect(controlsOf("operator")).toEqual(["breaker-reset", "cancel-all", "flatten", "halt", "resume"]);
    expect(controlsOf("admin")).toEqual(["allocation-override", "allocation-override-clear", "breaker-reset", "cancel-all", "flatten", "halt", "resume"]);
  });

  it("link only the pages the role may open", () => {
    expect(renderPage("overview", user("viewer"))).not.toContain('href="/users"');
    expect(renderPage("overview", user("admin"))).toContain('href="/users"');
  });
});
