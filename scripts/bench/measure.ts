/**
 * Timing and memory helpers for `npm run bench`. Benchmarks measure; they assert nothing, and no
 * spec depends on them (wall time on a shared 2-core machine is not a test oracle).
 *
 * Timing: a timed loop runs until it has lasted `minMs` (and at least `minRuns` calls); this is
 * repeated `repeats` times and the median rate is kept, with the individual rates for the record.
 * Memory (tfjs): tf.profile() reports, after every kernel, the bytes held by live tensors; the
 * peak minus the bytes live before the call is the call's working memory, and the largest output
 * of any kernel is the largest tensor it ever materialised.
 */
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';

export interface Rate {
  /** Median over the repeats of units per second. */
  perSecond: number;
  /** Each repeat's rate. */
  runs: number[];
}

export interface TimingOptions {
  minMs: number;
  minRuns?: number;
  repeats?: number;
}

/** `f` does some units of work and returns how many (1 for a call, 15 for 15 tokens, …). */
export function rate(f: () => number, o: TimingOptions): Rate {
  const runs: number[] = [];
  for (let r = 0; r < (o.repeats ?? 3); r++) {
    let done = 0;
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < o.minMs || calls < (o.minRuns ?? 1)) {
      done += f();
      calls += 1;
      elapsed = performance.now() - start;
    }
    runs.push((done * 1000) / elapsed);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { perSecond: sorted[Math.floor(sorted.length / 2)], runs };
}

export interface MemoryProfile {
  /** Peak bytes of live tensors during the call, minus the bytes live before it. */
  peakBytes: number;
  /** Entries of the largest tensor any kernel produced. */
  largestTensor: number;
  /** Its shape. */
  largestShape: number[];
  kernels: number;
}

/** Runs `f` once under tf.profile; `f` must dispose what it creates (its result included). */
export async function memoryOf(f: () => void): Promise<MemoryProfile> {
  const before = tf.memory().numBytes;
  const info = await tf.profile(f);
  let largestTensor = 0;
  let largestShape: number[] = [];
  for (const k of info.kernels) {
    for (const s of k.outputShapes) {
      const size = (s ?? []).reduce((a, b) => a * b, 1);
      if (size > largestTensor) {
        largestTensor = size;
        largestShape = [...(s ?? [])];
      }
    }
  }
  return { peakBytes: Math.max(0, info.peakBytes - before), largestTensor, largestShape, kernels: info.kernels.length };
}

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  /** 1-minute load average before and after the run: a shared machine shows here. */
  loadBefore: number;
  loadAfter?: number;
}

export function machine(): Machine {
  return { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadBefore: loadavg()[0] };
}

export const load1 = (): number => loadavg()[0];
