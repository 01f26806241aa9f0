// The test runner's configuration: every test/**/*.test.ts, generous timeouts for tests that start real
// platforms and the Pulumi engine, and two workers for a two-core machine.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real platforms and processes; two cores do not gain from wide parallelism.
    maxWorkers: 2,
  },
});
