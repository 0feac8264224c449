/**
 * Multi-threaded WASM backend under Node.
 *
 * @tensorflow/tfjs-backend-wasm ships a threaded SIMD build (XNNPACK with a pthreadpool over
 * Emscripten workers) but turns it off in Node (its flag WASM_HAS_MULTITHREAD_SUPPORT answers
 * false when IS_NODE; tfjs issue #3830). Three things stand in the way, and this module works
 * around each for the duration of tf.setBackend('wasm') only:
 *
 *   1. the flag — set to true, so init() loads tfjs-backend-wasm-threaded-simd.wasm;
 *   2. the worker script — tfjs hands Emscripten a blob: URL, which Node's worker_threads cannot
 *      open (ERR_WORKER_PATH). We write the package's own worker script to a file (under
 *      node_modules/.cache/transformer-spec-wasm/), changed in one
 *      place: it loads the package's threaded module file (wasm-out/…threaded-simd.js) by path
 *      instead of the Blob it would be sent, and URL.createObjectURL answers that file's path;
 *   3. the thread count — the C++ side caps the pool at (logical cores ÷ 2), assuming
 *      hyper-threading, so a 2-core machine would get 1 thread. os.cpus() answers twice the real
 *      list while the module starts, so the cap becomes the real core count.
 *
 * Values do not change with the thread count: XNNPACK splits a matrix product by output tiles,
 * each output element is still one thread's dot product in the same order, and tfjs's other wasm
 * kernels are single-threaded (spec/core/wasm-threads.spec.ts compares 1 and 2 threads bitwise).
 *
 * TFJS_WASM_THREADS=n picks n threads (1 = the single-threaded SIMD build, as tfjs does in Node;
 * auto = one per core, at most 8, the size of the package's worker pool). Unset, it is 1, except
 * in programs that call preferWasmThreadsPerCore (npm run bench, bench:profile, reproduce).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SpecError } from './errors.js';

/** Worker pool size compiled into the package's threaded build (PTHREAD_POOL_SIZE). */
export const MAX_WASM_THREADS = 8;
const START_TIMEOUT_MS = 20_000;

export interface WasmThreadsPlan {
  /** Threads asked for (1 = single-threaded). */
  threads: number;
  /** Why this many. */
  reason: string;
}

let preferred: WasmThreadsPlan | undefined;

/** One thread per core (at most 8). */
function perCore(why: string): WasmThreadsPlan {
  const cores = os.cpus().length;
  return { threads: Math.max(1, Math.min(cores, MAX_WASM_THREADS)), reason: `one per core, ${cores} cores${why}` };
}

/**
 * For programs whose time goes into large matrix products (training, the bench): use one thread
 * per core unless TFJS_WASM_THREADS says otherwise. Call before the backend starts.
 */
export function preferWasmThreadsPerCore(program: string): void {
  preferred = perCore(` (${program})`);
}

/**
 * The thread count: TFJS_WASM_THREADS if set, else what the program preferred, else 1 — the
 * default for everything else, measured here: a threaded start takes 0.6–0.8 s (the build starts
 * a pool of 8 workers) against 0.1–0.2 s, small kernels get slower (a 262k-value multiply 40 →
 * 60–70 µs; token-by-token generation with the KV cache 359 → 299 tokens/s), while a TinyGPT
 * training step gets 20–30 % faster (125–126 → 84–105 ms) and a 1024² product twice as fast.
 */
export function planWasmThreads(value: string | undefined = process.env.TFJS_WASM_THREADS): WasmThreadsPlan {
  if (value !== undefined && value !== '' && value !== 'auto') {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
      throw new SpecError('BACKEND_UNAVAILABLE', `TFJS_WASM_THREADS=${value} is not a thread count; use an integer 1…${MAX_WASM_THREADS} (or leave it unset)`);
    }
    return { threads: n, reason: 'TFJS_WASM_THREADS' };
  }
  if (value === 'auto') return perCore('');
  return preferred ?? { threads: 1, reason: 'default; TFJS_WASM_THREADS=n for more' };
}

const require = createRequire(import.meta.url);

/** The line of the package's worker script that loads the module it was sent (a Blob in Node). */
const LOAD_SENT_SCRIPT = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';

/** Writes the Node-loadable worker script and returns its path; throws if the package changed shape. */
function writeWorkerScript(): string {
  const pkgDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const wasmOut = join(pkgDir, 'wasm-out');
  const moduleFile = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents?: string };
  if (typeof wasmWorkerContents !== 'string' || !wasmWorkerContents.includes(LOAD_SENT_SCRIPT)) {
    throw new SpecError('BACKEND_UNAVAILABLE', 'the installed tfjs-backend-wasm worker script does not have the expected shape (package version changed?)');
  }
  // As tfjs does before making its Blob: the template literal turned "\n" escapes into newlines.
  const script = wasmWorkerContents.replace(/\n/g, '\\n').replace(LOAD_SENT_SCRIPT, `if(true){importScripts(${JSON.stringify(moduleFile)})}`);
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  // One file per package version and content in node_modules/.cache (the project's own, not a
  // shared /tmp that another user could write to), shared by concurrent processes: written to a
  // private name, then renamed into place, so no process ever reads a half-written script. If
  // node_modules is read-only, a fresh private directory (mkdtemp: mode 0700) per process.
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const name = `worker-${version}-${hash}.cjs`;
  try {
    const dir = join(pkgDir, '..', '..', '.cache', 'transformer-spec-wasm');
    const file = join(dir, name);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== script) writeFileAtomic(file, script);
    return file;
  } catch {
    const file = join(mkdtempSync(join(os.tmpdir(), 'transformer-spec-wasm-')), name);
    writeFileAtomic(file, script);
    return file;
  }
}

interface WasmModuleView {
  PThread?: { runningWorkers?: Array<{ unref?: () => void }>; unusedWorkers?: Array<{ unref?: () => void }> };
}

/**
 * tf.setBackend('wasm') with `threads` threads. Returns the thread count XNNPACK reports.
 * Only for Node; call before anything else initialises the wasm backend.
 */
export async function setWasmBackendThreaded(threads: number): Promise<number> {
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(threads);
  if (threads === 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // tfjs's own answer in Node
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new SpecError('BACKEND_UNAVAILABLE', "tf.setBackend('wasm') returned false");
    return wasm.getThreadsCount();
  }
  const workerFile = writeWorkerScript();
  const realCpus = os.cpus;
  const realCreateObjectURL = URL.createObjectURL;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  os.cpus = () => {
    const c = realCpus();
    return [...c, ...c];
  };
  URL.createObjectURL = () => workerFile;
  try {
    // tfjs logs and returns false when a backend fails to start; a worker that never loads would
    // hang instead, hence the time limit (a start takes ~0.3 s here).
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS)));
    const ok = await Promise.race([tf.setBackend('wasm'), timeout]);
    clearTimeout(timer);
    if (ok === 'timeout') throw new SpecError('BACKEND_UNAVAILABLE', `the threaded build did not start within ${START_TIMEOUT_MS / 1000} s`);
    if (!ok) throw new SpecError('BACKEND_UNAVAILABLE', "tf.setBackend('wasm') returned false for the threaded build");
  } finally {
    os.cpus = realCpus;
    URL.createObjectURL = realCreateObjectURL;
  }
  // Emscripten keeps its pthread workers referenced; they must not keep a finished process alive.
  const module = (tf.backend() as unknown as { wasm: WasmModuleView }).wasm;
  for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref?.();
  return wasm.getThreadsCount();
}
