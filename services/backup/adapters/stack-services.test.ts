// Readiness over the stack's TLS: a hand-run titanctl restore has no NODE_EXTRA_CA_CERTS, so the probe
// must trust the stack's CA itself (it waited the whole RTO and failed before).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCertificateAuthority, ensureLeafCertificate } from "../../../scripts/stack/ca.js";
import { answersReady, waitForHealthy } from "./stack-services.js";

let dir: string;
let server: Server;
let url: string;
let caFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "titan-ready-"));
  const caDir = join(dir, "ca");
  caFile = ensureCertificateAuthority(caDir).files.caCert;
  const leaf = ensureLeafCertificate(caDir, "brain").files;
  server = createServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key) }, (req, res) => res.writeHead(req.url === "/health/ready" ? 200 : 503).end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("readiness over the stack's TLS", () => {
  it("trusts the stack's CA when given it, and nothing else", async () => {
    expect(await answersReady(`${url}/health/ready`, caFile)).toBe(true);
    expect(await answersReady(`${url}/health/ready`)).toBe(false); // an unknown CA is not trusted
    expect(await answersReady(`${url}/health/other`, caFile)).toBe(false);
  });

  it("times the targets until ready with that CA", async () => {
    const figures = await waitForHealthy([{ name: "brain", url: `${url}/health/ready`, critical: true }], Date.now(), 5_000, () => undefined, caFile);
    expect(figures.criticalSeconds).toBeGreaterThanOrEqual(0);
    expect(figures.readyAfterSeconds.brain).toBeDefined();
  });
});
