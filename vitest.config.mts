import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Installs what the tests run (docker-registry, kubectl) when it is missing: test/helpers/tools.ts.
    globalSetup: ["test/setup/provision.ts"],
    // Pulumi's runtime state is process-global: each test file gets its own process.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
