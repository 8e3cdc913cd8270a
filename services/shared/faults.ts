// Crash points for the exactly-once tests. A fault point named in TITAN_FAULT_POINTS kills the process
// with SIGKILL right there, the way a power cut or OOM kill would: no finally blocks, no flushing.
// `name@N` kills at the N-th time the point is reached, so a crash can land mid-stream.
// With the variable unset (production) every fault point is an empty function call.

/** Names of the fault points and the hit on which each kills (1 = the first time). */
export const parseFaultPoints = (spec: string | undefined): ReadonlyMap<string, number> => {
  const armed = new Map<string, number>();
  for (const item of (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9._:-]+)(?:@(\d+))?$/.exec(item);
    if (!match) throw new Error(`TITAN_FAULT_POINTS: "${item}" is not <name> or <name>@<hit number>`);
    const hit = match[2] === undefined ? 1 : Number(match[2]);
    if (!Number.isSafeInteger(hit) || hit < 1) throw new Error(`TITAN_FAULT_POINTS: "${item}": the hit number must be ≥ 1`);
    armed.set(match[1] as string, hit);
  }
  return armed;
};

const armed = parseFaultPoints(process.env.TITAN_FAULT_POINTS);
const hits = new Map<string, number>();

if (armed.size > 0) {
  // A fault point armed by accident in a real deployment must be visible in its logs.
  process.stderr.write(`TITAN_FAULT_POINTS armed: ${[...armed].map(([name, hit]) => `${name}@${hit}`).join(", ")}\n`);
}

const noop = (_name: string): void => undefined;

const maybeKill = (name: string): void => {
  const killAt = armed.get(name);
  if (killAt === undefined) return;
  const hit = (hits.get(name) ?? 0) + 1;
  hits.set(name, hit);
  if (hit >= killAt) process.kill(process.pid, "SIGKILL");
};

/** Kills the process here when TITAN_FAULT_POINTS arms `name`; otherwise does nothing. */
export const faultPoint: (name: string) => void = armed.size === 0 ? noop : maybeKill;
