import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the specs that need a real browser (Debian chromium), kept out of `npm test`.
export default defineConfig({
  test: {
    include: ['spec/**/*.browser.spec.ts'],
    setupFiles: ['spec/_helpers/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
