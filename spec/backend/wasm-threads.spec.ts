/**
 * The multi-threaded wasm backend (src/core/wasm-threads.ts): it starts under Node with the thread
 * count asked for, and computes bit-for-bit what the single-threaded build computes — XNNPACK
 * splits a product by output tiles, so each output is still one thread's sum in one order.
 * Tolerance: none (bitwise); a difference would mean the threads changed the arithmetic.
 * Each case runs in a child process, because a process starts its wasm backend once.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/core/errors.js';
import { MAX_WASM_THREADS, planWasmThreads } from '../../src/core/wasm-threads.js';
import { backendReport } from '../_helpers/setup.js';

const probe = fileURLToPath(new URL('../_helpers/wasm-threads-probe.ts', import.meta.url));

interface ProbeResult {
  threads: number;
  summary: string;
  productBits: string;
  losses: number[];
  weightBits: string;
}

function runProbe(threads: number): ProbeResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', probe], {
    env: { ...process.env, TFJS_WASM_THREADS: String(threads), TFJS_BACKEND: 'wasm' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as ProbeResult;
}

describe('wasm backend threads (src/core/wasm-threads.ts)', () => {
  it('TFJS_WASM_THREADS accepts 1…8 and auto (one per core), defaults to 1, and rejects anything else with a named error', () => {
    expect(planWasmThreads('1')).toEqual({ threads: 1, reason: 'TFJS_WASM_THREADS' });
    expect(planWasmThreads('2').threads).toBe(2);
    expect(planWasmThreads(undefined).threads).toBe(1); // the suite never calls preferWasmThreadsPerCore
    expect(planWasmThreads('auto').threads).toBeGreaterThanOrEqual(1);
    expect(planWasmThreads('auto').threads).toBeLessThanOrEqual(MAX_WASM_THREADS);
    if (backendReport.choice === 'wasm' && !process.env.TFJS_WASM_THREADS) expect(backendReport.wasmThreads).toEqual({ threads: 1, reason: 'default; TFJS_WASM_THREADS=n for more' });
    for (const bad of ['0', '9', '1.5', 'many', '-2']) {
      expect(() => planWasmThreads(bad)).toThrow(SpecError);
      expect(() => planWasmThreads(bad)).toThrow(/TFJS_WASM_THREADS=.* is not a thread count; use an integer 1…8/);
    }
  });

  it('2 threads start under Node and give bitwise the results of 1 thread (matrix product, 3 training steps)', () => {
    const one = runProbe(1);
    const two = runProbe(2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.summary).toMatch(/^wasm, 2 threads/);
    expect(two.productBits).toBe(one.productBits);
    expect(two.losses).toEqual(one.losses);
    expect(two.weightBits).toBe(one.weightBits);
    expect(one.losses.every(Number.isFinite)).toBe(true);
  });
});
