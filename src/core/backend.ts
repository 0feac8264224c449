/**
 * TensorFlow.js backend selection — one module, one order, and a report of why.
 *
 * Order of preference: tensorflow (GPU, @tensorflow/tfjs-node-gpu) → tensorflow (CPU,
 * @tensorflow/tfjs-node) → wasm (@tensorflow/tfjs-backend-wasm) → cpu (@tensorflow/tfjs-backend-cpu).
 * The two native packages are optionalDependencies: their install downloads libtensorflow, which
 * fails without internet, and npm then simply leaves them out. `TFJS_BACKEND` (gpu | tensorflow |
 * wasm | cpu) forces one; if the forced one cannot start, that is an error, not a silent fallback.
 *
 * The report names the backend that runs and, for every better candidate, why it did not.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { SpecError } from './errors.js';
import { planWasmThreads, setWasmBackendThreaded } from './wasm-threads.js';

export type BackendChoice = 'gpu' | 'tensorflow' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';
/** tfjs's own GPU backends: they run in a browser page, never in Node (src/browser/runner.ts). */
export type BrowserBackendChoice = Extract<BackendChoice, 'webgl' | 'webgpu'>;
export const BROWSER_BACKEND_CHOICES: readonly BrowserBackendChoice[] = ['webgl', 'webgpu'];
export const isBrowserBackend = (c: string): c is BrowserBackendChoice => (BROWSER_BACKEND_CHOICES as readonly string[]).includes(c);
export const BACKEND_ORDER: readonly BackendChoice[] = ['gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendAttempt {
  choice: BackendChoice;
  ok: boolean;
  reason: string;
}

export interface BackendReport {
  /** What ran: gpu | tensorflow | wasm | cpu. */
  choice: BackendChoice;
  /** tf.getBackend() after selection ('tensorflow', 'wasm' or 'cpu'). */
  tfBackend: string;
  /** Whether TFJS_BACKEND forced it. */
  forced: boolean;
  attempts: BackendAttempt[];
  /** wasm only: XNNPACK's thread count and why (see src/core/wasm-threads.ts). */
  wasmThreads?: { threads: number; reason: string };
  /** One line for humans: "wasm, 2 threads (gpu: package not installed; ...)". */
  summary: string;
}

const PACKAGE: Record<BackendChoice, string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  webgl: '@tensorflow/tfjs-backend-webgl',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
};

function hasCuda(): string | null {
  if (process.platform !== 'linux') return `CUDA detection is implemented for Linux only (platform ${process.platform})`;
  if (!existsSync('/proc/driver/nvidia/version')) return 'no NVIDIA driver found (/proc/driver/nvidia/version is missing), so no CUDA device';
  return null;
}

async function importOptional(pkg: string): Promise<string | null> {
  try {
    await import(pkg);
    return null;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/Cannot find (package|module)/.test(msg)) return `package ${pkg} is not installed (optional dependency; its install downloads libtensorflow)`;
    return `package ${pkg} failed to load: ${msg.split('\n')[0]}`;
  }
}

async function quietly<T>(f: () => Promise<T>): Promise<T> {
  // The cpu backend prints an advertisement for tfjs-node on first use; it is noise in a report.
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await f();
  } finally {
    console.warn = warn;
  }
}

let wasmThreads: { threads: number; reason: string } | undefined;

/** The threaded wasm build (see wasm-threads.ts); on failure, the single-threaded one and why. */
async function startWasm(): Promise<boolean> {
  const plan = planWasmThreads();
  if (plan.threads > 1) {
    try {
      const threads = await setWasmBackendThreaded(plan.threads);
      wasmThreads = { threads, reason: plan.reason };
      return true;
    } catch (e) {
      wasmThreads = { threads: 1, reason: `the threaded build failed: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  const threads = await setWasmBackendThreaded(1);
  wasmThreads ??= { threads, reason: plan.reason };
  return true;
}

async function tryChoice(choice: BackendChoice): Promise<string | null> {
  if (isBrowserBackend(choice)) return `${choice} is a browser backend: it runs in headless Chromium (src/browser/runner.ts), where npm start, npm test, npm run test:gpu and the CLI's explain, forward and generate take it with TFJS_BACKEND=${choice}; this Node process cannot start it`;
  const missing = await importOptional(PACKAGE[choice]);
  if (missing) return missing;
  if (choice === 'gpu') {
    const noCuda = hasCuda();
    if (noCuda) return `${noCuda}; tfjs-node-gpu would silently run on the CPU, which the 'tensorflow' candidate covers`;
  }
  const name = choice === 'gpu' || choice === 'tensorflow' ? 'tensorflow' : choice;
  try {
    return await quietly(async () => {
      const ok = name === 'wasm' ? await startWasm() : await tf.setBackend(name);
      if (!ok) return `tf.setBackend('${name}') returned false (backend failed to initialise)`;
      await tf.ready();
      // A tiny op proves the kernels actually run on this backend.
      const probe = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)).dataSync()[0]);
      return probe === 12 ? null : `probe computation returned ${probe} instead of 12`;
    });
  } catch (e) {
    return `init error: ${(e as Error).message.split('\n')[0]}`;
  }
}

let current: Promise<BackendReport> | null = null;
let currentKey = '';

export function parseBackendChoice(value: string | undefined): BackendChoice | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  const v = value.toLowerCase();
  if (v === 'gpu' || v === 'tensorflow-gpu' || v === 'cuda') return 'gpu';
  if (v === 'tensorflow' || v === 'node' || v === 'tensorflow-cpu') return 'tensorflow';
  if (v === 'wasm' || v === 'cpu' || v === 'webgl' || v === 'webgpu') return v;
  throw new SpecError('BACKEND_UNAVAILABLE', `TFJS_BACKEND=${value} is not a backend; use one of gpu, tensorflow, wasm, cpu, webgl, webgpu (or leave it unset)`);
}

/**
 * Select and initialise the best available backend (memoised per requested value).
 * @param requested a backend to force; defaults to process.env.TFJS_BACKEND.
 */
export function initBackend(requested: string | undefined = process.env.TFJS_BACKEND): Promise<BackendReport> {
  const key = requested ?? '';
  if (current && key === currentKey) return current;
  currentKey = key;
  current = (async () => {
    const forcedChoice = parseBackendChoice(requested);
    const attempts: BackendAttempt[] = [];
    const candidates = forcedChoice ? [forcedChoice] : BACKEND_ORDER; // BACKEND_ORDER holds Node's backends only
    for (const choice of candidates) {
      const failure = await tryChoice(choice);
      attempts.push({ choice, ok: failure === null, reason: failure ?? 'selected' });
      if (failure === null) {
        const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.choice}: ${a.reason}`);
        const why = forcedChoice ? 'forced by TFJS_BACKEND' : skipped.length ? `better backends unavailable — ${skipped.join('; ')}` : 'best available';
        const threads = choice === 'wasm' && wasmThreads ? { wasmThreads } : {};
        const label = choice === 'wasm' && wasmThreads ? `wasm, ${wasmThreads.threads} thread${wasmThreads.threads === 1 ? '' : 's'} [${wasmThreads.reason}]` : choice;
        return { choice, tfBackend: tf.getBackend(), forced: !!forcedChoice, attempts, ...threads, summary: `${label} (${why})` };
      }
    }
    const why = attempts.map((a) => `${a.choice}: ${a.reason}`).join('; ');
    throw new SpecError('BACKEND_UNAVAILABLE', forcedChoice ? `TFJS_BACKEND=${requested} cannot start — ${why}` : `no TensorFlow.js backend could start — ${why}`);
  })();
  current.catch(() => {
    current = null;
  });
  return current;
}
