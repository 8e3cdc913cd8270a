import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listeningSockets, parseListeningSockets } from "./listeners.js";

const SS_OUTPUT = [
  'LISTEN 0      511        127.0.0.1:8443       0.0.0.0:*    users:(("nginx",pid=4312,fd=6),("nginx",pid=4311,fd=6))',
  'LISTEN 0      244        127.0.0.1:55432      0.0.0.0:*    users:(("postgres",pid=4001,fd=7))',
  'LISTEN 0      4096           [::1]:9090          [::]:*    users:(("prometheus",pid=4100,fd=3))',
  "LISTEN 0      128          0.0.0.0:2024       0.0.0.0:*",
  "",
].join("\n");

describe("the listening sockets", () => {
  it("are read from ss output with every owner of a shared socket", () => {
    expect(parseListeningSockets(SS_OUTPUT)).toEqual([
      { address: "127.0.0.1", port: 8443, pids: [4312, 4311], programs: ["nginx"] },
      { address: "127.0.0.1", port: 55432, pids: [4001], programs: ["postgres"] },
      { address: "::1", port: 9090, pids: [4100], programs: ["prometheus"] },
      { address: "0.0.0.0", port: 2024, pids: [], programs: [] },
    ]);
  });

  it("refuse a line without a local address", () => {
    expect(() => parseListeningSockets("LISTEN 0 128 nonsense")).toThrow(/no local address/);
  });

  describe("of this machine", () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer();
      await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => void server.close());

    it("include a socket this process listens on, owned by this process", () => {
      const mine = listeningSockets().find((s) => s.port === port);
      expect(mine).toMatchObject({ address: "127.0.0.1", port });
      expect(mine?.pids).toContain(process.pid);
    });
  });
});
