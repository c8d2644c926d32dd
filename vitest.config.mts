import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Installs what the tests run (docker-registry, kubectl) when it is missing: test/helpers/tools.ts.
    globalSetup: ["test/setup/provision.ts"],
    // Test files run in worker processes that are reused, modules and all (no per-file isolation): the Pulumi SDK
    // and the providers load once per worker, not once per file, which halves the suite's time. Pulumi's runtime
    // state is process-global; the offline engine installs fresh mocks, monitor and config for every program it runs
    // (src/plan/engine.ts recordProgram), as `runway plan --all` does for every stack in one process. Three workers
    // keep two cores busy while tests wait for the processes they start (helm, the registry, the language host).
    pool: "forks",
    isolate: false,
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
