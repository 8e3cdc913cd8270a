// The real NGINX entry point in front of stub services: TLS 1.3 only with a certificate the stack's
// CA signed, prefixes stripped, WebSocket upgrades passed, /metrics hidden, oversized bodies refused.
// The stubs listen with HTTPS, as the services do: NGINX reaches them over TLS 1.3 and checks their
// certificates against the stack's CA.
import { mkdtempSync, readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { createServer, request, type Server } from "node:https";
import { join } from "node:path";
import { connect } from "node:tls";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureCertificateAuthority, ensureLeafCertificate, type LeafFiles } from "../../../scripts/stack/ca.js";
import { nginxPid, startNginx, stopNginx, testNginxConfig, writeNginxConfig, type NginxOptions } from "../../../scripts/stack/nginx.js";
import { stackPorts, type StackPorts } from "../../../scripts/stack/ports.js";

const UPSTREAMS = ["console", "brain", "execution", "scavenger"] as const;
const seen: Array<{ upstream: string; url: string; headers: IncomingMessage["headers"] }> = [];
const servers: Server[] = [];
let ports: StackPorts;
let opts: NginxOptions;
let caCert: Buffer;

let leaf: LeafFiles;

const stub = (upstream: string, port: number, tls: { cert: string; key: string; maxVersion?: "TLSv1.2" } = { cert: leaf.cert, key: leaf.key }): Promise<Server> =>
  new Promise((resolveListen) => {
    const server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}) }, (req, res) => {
      seen.push({ upstream, url: req.url ?? "", headers: req.headers });
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end(`${upstream} ${req.url}`));
    });
    server.on("upgrade", (req, socket) => {
      seen.push({ upstream, url: req.url ?? "", headers: req.headers });
      socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    });
    servers.push(server);
    server.listen(port, "127.0.0.1", () => resolveListen(server));
  });

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

const send = (path: string, init: { method?: string; body?: Buffer; headers?: Record<string, string> } = {}): Promise<Answer> =>
  new Promise((resolveAnswer, reject) => {
    const req = request({ host: "127.0.0.1", servername: "localhost", port: ports.nginxHttps, path, method: init.method ?? "GET", ca: caCert, headers: init.headers ?? {}, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
    });
    req.on("error", reject);
    req.end(init.body);
  });

beforeAll(async () => {
  const dir = mkdtempSync(join(inject("scratchDir"), "stack-nginx-"));
  const ca = ensureCertificateAuthority(join(dir, "ca"));
  caCert = readFileSync(ca.files.caCert);
  leaf = ensureLeafCertificate(join(dir, "ca"), "stub").files;
  ports = { ...stackPorts(), nginxHttps: await getPort(), console: await getPort(), brain: await getPort(), execution: await getPort(), scavenger: await getPort() };
  for (const upstream of UPSTREAMS) await stub(upstream, ports[upstream]);
  opts = {
    ports,
    paths: { dir: join(dir, "nginx"), logsDir: join(dir, "logs"), serverCert: ca.files.serverCert, serverKey: ca.files.serverKey, caCert: ca.files.caCert },
    ...(process.getuid?.() === 0 ? { workerUser: "nobody nogroup" } : {}),
  };
  writeNginxConfig(opts);
  testNginxConfig(opts);
  expect(startNginx(opts, false).started).toBe(true);
});

afterAll(async () => {
  if (opts) await stopNginx(opts.paths.dir);
  for (const server of servers) server.close();
});

describe("the NGINX entry point", () => {
  it("answers its own health check over TLS 1.3 with a certificate for localhost signed by the stack CA", async () => {
    const answer = await send("/healthz");
    expect(answer).toMatchObject({ status: 200, body: "ok\n" });
    const protocol = await new Promise<string | null>((resolveProtocol, reject) => {
      const socket = connect({ host: "127.0.0.1", port: ports.nginxHttps, servername: "localhost", ca: caCert }, () => {
        resolveProtocol(socket.getProtocol());
        socket.end();
      });
      socket.on("error", reject);
    });
    expect(protocol).toBe("TLSv1.3");
  });

  it("refuses TLS 1.2 clients", async () => {
    const error = await new Promise<Error>((resolveError) => {
      const socket = connect({ host: "127.0.0.1", port: ports.nginxHttps, servername: "localhost", ca: caCert, maxVersion: "TLSv1.2" }, () => socket.end());
      socket.on("error", resolveError);
    });
    expect(error.message).toMatch(/protocol version|alert/i);
  });

  it("serves the console at / and each API under its prefix with the prefix stripped", async () => {
    expect((await send("/index.html")).body).toBe("console /index.html");
    expect((await send("/api/brain/health/ready")).body).toBe("brain /health/ready");
    expect((await send("/api/execution/orders?limit=5")).body).toBe("execution /orders?limit=5");
    expect((await send("/api/scavenger/")).body).toBe("scavenger /");
    const last = seen.at(-1)!;
    expect(last.headers["x-forwarded-proto"]).toBe("https");
    expect(last.headers["x-forwarded-prefix"]).toBe("/api/scavenger");
  });

  it("refuses to forward to a service whose certificate another CA signed, or that speaks TLS 1.2", async () => {
    const closeStub = (server: Server) => new Promise<void>((resolveClose) => {
      server.closeAllConnections();
      server.close(() => resolveClose());
    });
    const scavenger = servers.find((s) => (s.address() as { port: number }).port === ports.scavenger)!;
    await closeStub(scavenger);
    const foreignDir = mkdtempSync(join(inject("scratchDir"), "stack-nginx-foreign-"));
    ensureCertificateAuthority(foreignDir);
    const foreign = await stub("scavenger", ports.scavenger, ensureLeafCertificate(foreignDir, "impostor").files);
    const before = seen.length;
    expect((await send("/api/scavenger/health/ready")).status).toBe(502);
    await closeStub(foreign);
    const old = await stub("scavenger", ports.scavenger, { ...leaf, maxVersion: "TLSv1.2" });
    expect((await send("/api/scavenger/health/ready")).status).toBe(502);
    expect(seen.length).toBe(before);
    await closeStub(old);
    await stub("scavenger", ports.scavenger);
    expect((await send("/api/scavenger/health/ready")).body).toBe("scavenger /health/ready");
  });

  it("passes WebSocket upgrades through to the console", async () => {
    const answer = await send("/ws", { headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    expect(answer.status).toBe(101);
    expect(seen.at(-1)).toMatchObject({ upstream: "console", url: "/ws" });
  });

  it("does not expose /metrics of any service", async () => {
    const before = seen.length;
    for (const path of ["/metrics", "/api/brain/metrics", "/api/execution/metrics/", "/api/scavenger//metrics"]) expect((await send(path)).status, path).toBe(404);
    expect(seen.length).toBe(before);
  });

  it("refuses a body over the limit before it reaches a service", async () => {
    const before = seen.length;
    const answer = await send("/api/brain/signals", { method: "POST", body: Buffer.alloc(2 * 1024 * 1024, 1), headers: { "content-type": "application/octet-stream" } });
    expect(answer.status).toBe(413);
    expect(seen.length).toBe(before);
  });

  it("sends security headers and no version", async () => {
    const { headers } = await send("/api/brain/x");
    expect(headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers.server).toBe("nginx");
  });

  it("serves no plain HTTP: a plain request on its only port is refused, never proxied", async () => {
    const before = seen.length;
    const answer = await fetch(`http://127.0.0.1:${ports.nginxHttps}/api/brain/x?y=1`, { redirect: "manual" });
    expect(answer.status).toBe(400);
    expect(seen.length).toBe(before);
  });

  it("is left running by a second start and stopped for good by stop", async () => {
    const pid = nginxPid(opts.paths.dir)!;
    expect(startNginx(opts, true)).toEqual({ pid, started: false });
    expect((await send("/healthz")).status).toBe(200);
    expect(await stopNginx(opts.paths.dir)).toBe(true);
    expect(nginxPid(opts.paths.dir)).toBeUndefined();
    expect(await stopNginx(opts.paths.dir)).toBe(false);
  });
});
