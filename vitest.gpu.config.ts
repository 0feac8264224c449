import { defineConfig } from 'vitest/config';

// `npm run test:gpu`: the tfjs specs on webgl and webgpu in headless Chromium (src/browser/), kept
// out of `npm test`, which must work without a browser. One worker: the legs share one Chromium.
export default defineConfig({
  test: {
    include: ['spec/**/*.gpu.spec.ts'],
    globalSetup: ['spec/_helpers/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
