import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/disruptive/**', 'node_modules/**'],
    // Generous: the suite must pass on a loaded 2-core machine (CI shares it with dockerd and git);
    // tests wait for conditions, so a slow machine only makes them slower, never wrong.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // Integration tests share one Docker engine; files run in parallel but each uses unique names.
    fileParallelism: true,
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
