import { defineConfig } from 'vitest/config';

/** Tests that restart shared services (dockerd, the git server): one file at a time, after the rest. */
export default defineConfig({
  test: {
    include: ['test/disruptive/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
