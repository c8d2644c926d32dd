import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pulumi's runtime state is process-global: each test file gets its own process.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
