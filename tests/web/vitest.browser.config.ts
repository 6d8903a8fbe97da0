import { defineConfig } from "vitest/config";

// The browser test (browser/): a headless Chromium drives the built mobile client against its own
// world (redis-server + kepud with the gateway serving clients/mobile/dist). Run by
// `npm run test:browser`, never by `npm test`. One file, one world, the tests in order.
export default defineConfig({
  test: {
    include: ["browser/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 150_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ["default"],
  },
});
