/**
 * Seeded randomness for evaluators, demonstrations and dropout masks (not for fast-check, which
 * has its own). One generator, mulberry32: a tiny 32-bit generator, good enough for drawing test
 * inputs and masks reproducibly. The fused wasm kernel (assembly/training-kernels.ts) draws the
 * same stream in AssemblyScript; spec/blocks/fused-kernels.spec.ts proves the two agree bitwise.
 */
import { RangeArgumentError } from './errors.js';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  int(lo: number, hiExclusive: number): number;
}

/** mulberry32 seeded by `seed`: each call returns the next uniform 32-bit integer in [0, 2³²). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export function seededRng(seed: number): Rng {
  const next32 = mulberry32(seed);
  const next = (): number => next32() / 4294967296;
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo)),
  };
}

export function randomMatrix(rng: Rng, rows: number, cols: number, scale = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * rng.normal()));
}

/**
 * The one check of a dropout probability (and, where a mask is drawn, its seed): p ∈ [0, 1), the
 * seed an integer. Every dropout of the project (reference, tfjs, the training path, LoRA's branch
 * dropout, the fused kernel's host side) calls it.
 */
export function checkDropout(p: number, seed?: number): void {
  if (!(p >= 0 && p < 1)) throw new RangeArgumentError(`dropout probability must be in [0, 1), got ${p}`);
  if (seed !== undefined && !Number.isInteger(seed)) throw new RangeArgumentError(`dropout seed must be an integer, got ${seed}`);
}

/**
 * An inverted-dropout mask of n entries: 0 where the uniform 32-bit draw u of mulberry32(seed)
 * satisfies u < p·2³² (probability p), else 1/(1 − p), so E[mask] = 1. Same seed, same mask, on
 * every implementation and backend (the mask is drawn on the host, or bitwise the same by the
 * fused wasm kernel).
 */
export function dropoutMask(n: number, p: number, seed: number): Float32Array {
  checkDropout(p, seed);
  const mask = new Float32Array(n);
  const scale = 1 / (1 - p);
  const threshold = p * 4294967296;
  const next = mulberry32(seed | 0);
  for (let i = 0; i < n; i++) mask[i] = next() < threshold ? 0 : scale;
  return mask;
}
