// The test runner's configuration: every test/**/*.test.ts, generous timeouts for tests that start real
// platforms and the Pulumi engine, two workers for a two-core machine, and the shared cache of the Python
// environments tests build.
import { homedir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// Python environments (scikit-learn, skl2onnx, ...) that tests build through the platform are cached
// outside the repository and shared by every test and run, so only the first run on a machine installs.
const cache = process.env.MLP_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "mlplatform");

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The cloud drivers load lazily by `require` in the compiled package; under vitest they come from here.
    setupFiles: ["test/setup/cloud-drivers.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real platforms and processes; two cores do not gain from wide parallelism.
    maxWorkers: 2,
    env: { MLPLATFORM_PYTHON_ENV_CACHE: process.env.MLPLATFORM_PYTHON_ENV_CACHE ?? join(cache, "venvs") },
  },
});
