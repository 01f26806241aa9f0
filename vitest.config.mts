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
