import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Each file gets its own database and Redis prefix, so files run in parallel safely.
    pool: "forks",
    // Most files wait on real services and child processes, not the CPU: three forks on two
    // cores take the suite from ~9 to ~6.5 minutes here (all green either way).
    maxWorkers: 3,
    // Timeouts only catch hangs (speed is measured by benchmarks): generous, so a slow or busy
    // CI machine does not fail a test that spawns commands or waits on a debounced job.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
