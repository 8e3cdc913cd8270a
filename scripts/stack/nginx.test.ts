import { describe, expect, it } from "vitest";
import { API_ROUTES, renderNginxConfig } from "./nginx.js";
import { stackPorts } from "./ports.js";

const paths = { dir: "/state/nginx", logsDir: "/state/logs", serverCert: "/state/ca/server.crt", serverKey: "/state/ca/server.key", caCert: "/state/ca/ca.crt" };
const config = renderNginxConfig({ ports: stackPorts(), paths, workerUser: "nobody nogroup" });
const directives = (name: string): string[] => [...config.matchAll(new RegExp(`^\\s*${name}\\s+([^;]*);`, "gm"))].map((m) => m[1]!.trim());

/** The location block that begins with `location <match> {`, up to its closing brace. */
const locationBlock = (match: string): string => {
  const start = config.indexOf(`location ${match} {`);
  expect(start, `location ${match}`).toBeGreaterThanOrEqual(0);
  return config.slice(start, config.indexOf("\n    }", start));
};

describe("the NGINX entry point config", () => {
  it("speaks TLS 1.3 only, with the stack CA's server certificate", () => {
    expect(directives("ssl_protocols")).toEqual(["TLSv1.3"]);
    expect(config).not.toMatch(/TLSv1(\.[012])?[;\s]/);
    expect(directives("ssl_certificate")).toEqual([paths.serverCert]);
    expect(directives("ssl_certificate_key")).toEqual([paths.serverKey]);
    // One listener, HTTPS: no plain-HTTP port, not even a redirecting one.
    expect(directives("listen")).toEqual(["127.0.0.1:8443 ssl"]);
  });

  it("reaches every service over TLS 1.3 only, verifying its certificate against the stack's CA", () => {
    for (const block of [...API_ROUTES.map((r) => locationBlock(r.prefix)), locationBlock("/")]) {
      expect(block).toMatch(/proxy_pass https:\/\//);
      expect(block).toContain("proxy_ssl_verify on;");
      expect(block).toContain(`proxy_ssl_trusted_certificate ${paths.caCert};`);
      expect(block).toContain("proxy_ssl_protocols TLSv1.3;");
      expect(block).toContain("proxy_ssl_name localhost;");
    }
    expect(config).not.toMatch(/proxy_pass http:\/\//);
  });

  it("routes each service API under its prefix to that service, stripping the prefix", () => {
    const upstreamPort = (name: string): string => new RegExp(`upstream ${name} \\{\\s*server 127\\.0\\.0\\.1:(\\d+);`).exec(config)![1]!;
    expect(API_ROUTES.map((r) => r.prefix)).toEqual(["/api/brain/", "/api/execution/", "/api/scavenger/", "/api/quant/"]);
    expect(upstreamPort("brain")).toBe("3100");
    expect(upstreamPort("execution")).toBe("3002");
    expect(upstreamPort("scavenger")).toBe("8081");
    expect(upstreamPort("console")).toBe("3001");
    expect(upstreamPort("ai-quant-api")).toBe("3003");
    for (const route of API_ROUTES) expect(locationBlock(route.prefix)).toContain(`proxy_pass https://${route.upstream}/;`);
  });

  it("serves the console at / with WebSocket upgrades", () => {
    const block = locationBlock("/");
    expect(block).toContain("proxy_pass https://console;");
    expect(block).toContain("proxy_set_header Upgrade $http_upgrade;");
    expect(block).toContain("proxy_set_header Connection $connection_upgrade;");
  });

  it("never exposes /metrics, at the root or under any API prefix", () => {
    const pattern = /location ~ (\S+) \{\s*return 404;/.exec(config)![1]!;
    const blocked = new RegExp(pattern);
    for (const path of ["/metrics", "/metrics/", "/api/brain/metrics", "/api/execution/metrics", "/api/scavenger/metrics/", "/api/quant/metrics"]) expect(path).toMatch(blocked);
    for (const path of ["/api/brain/health/ready", "/metrics-dashboard", "/api/brain/metricsfoo", "/api/quant/proposals", "/"]) expect(path).not.toMatch(blocked);
    expect(config).not.toMatch(/proxy_pass \S*metrics/);
  });

  it("answers its own health check and limits request bodies", () => {
    expect(locationBlock("= /healthz")).toContain('return 200 "ok\\n";');
    expect(directives("client_max_body_size")).toEqual(["1m"]);
  });

  it("sends security headers on every answer and hides its version", () => {
    for (const header of ["Strict-Transport-Security", "X-Content-Type-Options nosniff", "X-Frame-Options DENY", "Referrer-Policy no-referrer"]) {
      expect(config).toMatch(new RegExp(`add_header ${header}.* always;`));
    }
    expect(directives("server_tokens")).toEqual(["off"]);
  });

  it("keeps its pid, logs and temp files in the stack folder and drops workers to the given user", () => {
    expect(directives("pid")).toEqual(["/state/nginx/nginx.pid"]);
    expect(directives("error_log")).toEqual(["/state/logs/nginx-error.log warn"]);
    expect(directives("proxy_temp_path")).toEqual(["/state/nginx/tmp/proxy"]);
    expect(directives("user")).toEqual(["nobody nogroup"]);
    expect(renderNginxConfig({ ports: stackPorts(), paths })).not.toMatch(/^user /m);
  });

  it("follows the port offset everywhere", () => {
    const moved = renderNginxConfig({ ports: stackPorts(1000), paths });
    expect(moved).toContain("listen 127.0.0.1:9443 ssl;");
    expect(moved).toContain("server 127.0.0.1:4100;");
  });
});
