import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASE_PORTS, portOffsetFromEnv, stackPorts } from "./ports.js";

describe("stack ports", () => {
  it("are the fixed ports of the local stack without an offset", () => {
    expect(stackPorts()).toEqual({
      postgres: 55432,
      redis: 56379,
      prometheus: 9090,
      alertmanager: 9093,
      pushgateway: 9091,
      nodeExporter: 9100,
      postgresExporter: 9187,
      redisExporter: 9121,
      nginxHttps: 8443,
      brain: 3100,
      execution: 3002,
      console: 3001,
      scavenger: 8081,
      aiQuantApi: 3003,
      backup: 3004,
    });
  });

  it("are all different", () => {
    expect(new Set(Object.values(BASE_PORTS)).size).toBe(Object.keys(BASE_PORTS).length);
  });

  it("move together by the offset, staying distinct", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1977, max: 9156 }), (offset) => {
        const ports = stackPorts(offset);
        for (const [name, port] of Object.entries(ports)) expect(port).toBe(BASE_PORTS[name as keyof typeof BASE_PORTS] + offset);
        expect(new Set(Object.values(ports)).size).toBe(Object.keys(ports).length);
      }),
    );
  });

  it("refuse an offset that pushes a port out of the unprivileged range, naming it and the valid range", () => {
    expect(() => stackPorts(10_000)).toThrow(/redis to 66379.*offset between -1977 and 9156/);
    expect(() => stackPorts(-3000)).toThrow(/console to 1/);
    expect(() => stackPorts(1.5)).toThrow(/integer/);
  });

  it("read the offset from TITAN_STACK_PORT_OFFSET and reject anything but an integer", () => {
    expect(portOffsetFromEnv({})).toBe(0);
    expect(portOffsetFromEnv({ TITAN_STACK_PORT_OFFSET: " 1000 " })).toBe(1000);
    expect(portOffsetFromEnv({ TITAN_STACK_PORT_OFFSET: "-500" })).toBe(-500);
    expect(() => portOffsetFromEnv({ TITAN_STACK_PORT_OFFSET: "10k" })).toThrow(/must be an integer, got "10k"/);
  });
});
