import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/disruptive/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one Docker engine; files run in parallel but each uses unique names.
    fileParallelism: true,
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
