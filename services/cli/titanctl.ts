// titanctl, the on-call CLI. Each area registers its commands here; later issues add theirs.
import { Command } from "commander";
import { ApiError } from "./http-client.js";
import { cliContext } from "./context.js";
import { loadTargets, runStatus } from "./commands/status.js";
import { registerBrainCommands } from "./commands/brain.js";
import { registerExecutionCommands } from "./commands/execution.js";
import { registerScavengerCommands } from "./commands/scavenger.js";
import { registerTokenCommands } from "./commands/token.js";
import { registerQuantCommands } from "./commands/quant.js";
import { registerProposalsCommands } from "./commands/proposals.js";
import { registerBackupCommands } from "./commands/backup.js";
import { registerAuditCommands } from "./commands/audit.js";
import { registerUserCommands } from "./commands/users.js";
import { registerIncidentCommands } from "./commands/incident.js";
import { registerBusCommands } from "./commands/bus.js";

const program = new Command()
  .name("titanctl")
  .description(
    "Titan on-call CLI. Environment: TITAN_API_URL, TITAN_TOKEN or TITAN_TOKEN_FILE, TITAN_CA_FILE, TITAN_STATE_DIR; " +
      "for the commands that log in to the console (token create, user add|disable|enable): TITAN_USER and TITAN_OTP",
  )
  .showHelpAfterError()
  // Each command's options follow its name, so a subcommand may reuse its parent's (restore / restore redis).
  .enablePositionalOptions();

program
  .command("status")
  .description("health of every component, one line each; exits 1 if any is unhealthy")
  .option("--json", "print JSON")
  .option("--timeout-ms <ms>", "per-component timeout", "3000")
  .action(async (opts: { json?: boolean; timeoutMs: string }) => {
    const ctx = cliContext();
    const targets = loadTargets(ctx.stateDir, ctx.apiUrl);
    const { text, exitCode, results } = await runStatus(targets, { timeoutMs: Number(opts.timeoutMs), ...(ctx.caFile ? { caFile: ctx.caFile } : {}) });
    console.log(opts.json ? JSON.stringify(results, null, 2) : text);
    process.exitCode = exitCode;
  });

registerTokenCommands(program, () => cliContext());
registerScavengerCommands(program, () => cliContext());
registerBrainCommands(program, () => cliContext());
registerExecutionCommands(program, () => cliContext());
registerQuantCommands(program, () => cliContext());
registerProposalsCommands(program, () => cliContext());
registerBackupCommands(program, () => cliContext());
registerAuditCommands(program, () => cliContext());
registerUserCommands(program, () => cliContext());
registerIncidentCommands(program, () => cliContext());
registerBusCommands(program, () => cliContext());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`titanctl: ${err instanceof ApiError ? err.message : (err as Error).message}`);
  process.exitCode = 2;
}
