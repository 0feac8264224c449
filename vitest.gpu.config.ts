// `npm run test:gpu`: the tfjs specs on webgl and webgpu in headless Chromium (src/browser/), kept
// out of `npm test`, which must work without a browser (TFJS_BACKEND=webgl|webgpu npm test runs
// the same config for one backend). The config itself is in vitest.config.ts.
export { gpuConfig as default } from './vitest.config.js';
