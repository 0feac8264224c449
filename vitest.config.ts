import { defineConfig } from 'vitest/config';

/**
 * `npm test`. With TFJS_BACKEND=webgl or webgpu — tfjs's GPU backends, which run only in a browser —
 * it runs the tfjs specs in headless Chromium on that backend (spec/**\/*.gpu.spec.ts, the same
 * suite as `npm run test:gpu`, here for the one backend) instead of the Node suite, whose
 * reference-only and file-handling specs do not depend on the backend.
 */
const browserBackend = ['webgl', 'webgpu'].find((b) => b === process.env.TFJS_BACKEND?.toLowerCase());
if (browserBackend) process.env.GPU_BACKENDS = browserBackend; // read by spec/gpu (inherited by the workers)

/** The GPU leg (also `npm run test:gpu`, vitest.gpu.config.ts): one worker, the legs share one Chromium. */
export const gpuConfig = defineConfig({
  test: {
    include: ['spec/**/*.gpu.spec.ts'],
    globalSetup: ['spec/_helpers/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});

export default browserBackend
  ? gpuConfig
  : defineConfig({
      test: {
        include: ['spec/**/*.spec.ts'],
        // Browser specs need Chromium: `npm run test:browser` and `npm run test:gpu` (CI runs all three).
        // .stryker-tmp: the sandbox copies `npm run mutate` makes while it runs.
        exclude: ['spec/**/*.browser.spec.ts', 'spec/**/*.gpu.spec.ts', 'node_modules/**', '.stryker-tmp/**'],
        setupFiles: ['spec/_helpers/setup.ts'],
        globalSetup: ['spec/_helpers/global-setup.ts'],
        // Property specs and BigNumber oracles are CPU-bound; generous per-test limit, no retries.
        testTimeout: 60_000,
        hookTimeout: 60_000,
        pool: 'forks',
        // Spec files share a worker's loaded modules (tfjs, the wasm backend, mathjs) instead of loading
        // them again per file: 1 min 27 s instead of 3 min 21 s for the whole suite (measured). Specs
        // keep no global state between files; tensor-leak checks compare counts before and after.
        isolate: false,
      },
    });
