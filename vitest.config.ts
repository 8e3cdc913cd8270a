import { defineConfig } from "vitest/config";

// Five projects, each runnable alone: `npx vitest run --project unit` (or integration, fuzz, infra, e2e).
export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        test: {
          name: "unit",
          include: ["services/**/*.test.ts", "ops/**/*.test.ts", "alerts/**/*.test.ts", "dashboards/**/*.test.ts", "runbooks/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts", "tests/unit/**/*.test.ts"],
          // Projects do not inherit the root's timeouts: a property test may take seconds on a busy 2-core machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts"],
          testTimeout: 60_000,
        },
      },
      {
        // Hostile input against every route and bus message (issue 12); TITAN_FUZZ_RUNS sets the cases per endpoint.
        test: {
          name: "fuzz",
          include: ["tests/fuzz/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts"],
          testTimeout: 120_000,
        },
      },
      {
        test: { name: "infra", include: ["tests/infra/**/*.test.ts", "infra/**/*.test.ts"], testTimeout: 60_000 },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts"],
          testTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
