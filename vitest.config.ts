import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    // Browser specs need Chromium: `npm run test:browser` (CI runs both).
    exclude: ['spec/**/*.browser.spec.ts', 'node_modules/**'],
    setupFiles: ['spec/_helpers/setup.ts'],
    globalSetup: ['spec/_helpers/global-setup.ts'],
    // Property specs and BigNumber oracles are CPU-bound; generous per-test limit, no retries.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
