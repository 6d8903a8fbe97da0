import { defineConfig } from "vitest/config";

// Every test file starts its own world (redis-server + kepud on free loopback ports), so files
// are independent; two at a time fits the 2-core machines.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The browser test has its own config (vitest.browser.config.ts, npm run test:browser).
    exclude: ["browser/**", "node_modules/**"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
    reporters: ["default"],
  },
});
