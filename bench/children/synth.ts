// Child process of the synth path: a fresh process synthesises the prod stack twice; the first call
// (Pulumi and the program imported for the first time) is the cold figure, the second the warm one.
// Prints one JSON line.
const startedMs = performance.now();
const { synthStack } = await import("../../infra/synth.js");
const importedMs = performance.now();
const cold = await synthStack("prod");
const coldEndMs = performance.now();
const warm = process.argv.includes("--quick") ? undefined : await synthStack("prod");
process.stdout.write(
  `${JSON.stringify({
    resources: cold.resources.length,
    importSeconds: (importedMs - startedMs) / 1000,
    coldSeconds: (coldEndMs - startedMs) / 1000,
    coldSynthSeconds: cold.seconds,
    warmSeconds: warm?.seconds,
  })}\n`,
);
// Pulumi's runtime may hold handles open; the figures are out.
process.exit(0);
