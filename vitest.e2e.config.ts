import { defineConfig } from "vitest/config";

/** End-to-end tests of the built site in headless Chromium (run after `npm run build`). */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
