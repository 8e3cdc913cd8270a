// The local stack: `up` starts PostgreSQL, Redis, Prometheus, Alertmanager, Pushgateway, the
// exporters, NGINX (TLS 1.3 from a local CA) and the services under PM2, with all state in `.titan/`;
// `down` stops all of it; `status` prints one line per component.
import { Command, InvalidArgumentError } from "commander";
import { stackContext } from "./stack/context.js";
import { down } from "./stack/down.js";
import { createProgress } from "./stack/progress.js";
import { status } from "./stack/status.js";
import { up } from "./stack/up.js";

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("a positive number of seconds");
  return n;
};

const program = new Command()
  .name("stack")
  .description("Titan's local stack, all state under .titan/ (TITAN_STACK_DIR moves it, TITAN_STACK_PORT_OFFSET shifts every port)")
  .showHelpAfterError();

const run = async (action: () => Promise<number>): Promise<void> => {
  try {
    process.exitCode = await action();
  } catch (err) {
    console.error(`stack: ${(err as Error).message}`);
    process.exitCode = 1;
  }
};

program
  .command("up")
  .description("start every component (a running one is left alone), wait until all are healthy, print the URLs")
  .option("--timeout <seconds>", "how long to wait for health", seconds, Number(process.env.TITAN_STACK_HEALTH_TIMEOUT_S ?? 120))
  .action((opts: { timeout: number }) => run(() => up(stackContext(), createProgress(), { healthTimeoutMs: opts.timeout * 1000 })));

program
  .command("down")
  .description("stop every component and make sure no process of the stack is left; exits 0 when nothing was running")
  .action(() => run(() => down(stackContext(), createProgress())));

program
  .command("status")
  .description("one line per component; exits 1 when any is not healthy")
  .action(() => run(() => status(stackContext())));

await program.parseAsync();
