/**
 * Sliding-window causal attention, as properties (window w, query i at absolute position
 * p = i + n_k − n_q):
 *
 *   weight(i, j) = 0 exactly unless p − w < j ≤ p;  every row sums to 1
 *   w ≥ n_k gives the causal mask, hence bit-identical results
 *   tiledAttention with { window: w } = standard attention with the window mask, computing at most
 *   ⌈(w − 1)/B_k⌉ + 1 + ⌈(B_q − 1)/B_k⌉ tiles per query block (independent of n)
 *
 * Shapes: Q (n_q × d_k), K (n_k × d_k), V (n_k × d_v), n_q ≤ 12 ≤ n_k ≤ 16, |x| ≤ 4.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareNested, EXACT, TILED_VS_STANDARD, type Tolerance } from '../../src/core/tolerance.js';
import { scaledDotProductAttention as refAttention } from '../../src/reference/scaled-dot-product-attention.js';
import { slidingWindowAttention as refWindow } from '../../src/reference/sliding-window-attention.js';
import { tiledAttention as refTiled } from '../../src/reference/tiled-attention.js';
import '../../src/tfjs/index.js';
import { scaledDotProductAttention as tfAttention } from '../../src/tfjs/scaled-dot-product-attention.js';
import { slidingWindowAttention as tfWindow } from '../../src/tfjs/sliding-window-attention.js';
import { tiledAttention as tfTiled } from '../../src/tfjs/tiled-attention.js';
import { type Matrix, type Value, matrixOf } from '../_helpers/arbitraries.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

const expectClose = (actual: number[][], expected: number[][], t: Pick<Tolerance, 'atol' | 'rtol'>, what: string) => {
  const c = compareNested(actual, expected, t);
  expect(c.ok, `${what}: ${c.message}`).toBe(true);
};
/** Equal element by element as numbers (===). */
const sameNumbers = (a: Matrix, b: Matrix): boolean => a.length === b.length && a.every((row, i) => row.length === b[i].length && row.every((x, j) => x === b[i][j]));

interface WindowCase {
  q: Matrix;
  k: Matrix;
  v: Matrix;
  window: number;
  blockQ: number;
  blockK: number;
}

const windowCase: fc.Arbitrary<WindowCase> = fc
  .record({ nQ: fc.integer({ min: 1, max: 12 }), extra: fc.integer({ min: 0, max: 4 }), dK: fc.integer({ min: 1, max: 8 }), dV: fc.integer({ min: 1, max: 6 }) })
  .chain(({ nQ, extra, dK, dV }) =>
    fc.record({
      q: matrixOf(nQ, dK),
      k: matrixOf(nQ + extra, dK),
      v: matrixOf(nQ + extra, dV),
      window: fc.integer({ min: 1, max: nQ + extra + 3 }),
      blockQ: fc.integer({ min: 1, max: nQ + 1 }),
      blockK: fc.integer({ min: 1, max: nQ + extra + 1 }),
    }),
  );

/** Every weight outside the window is exactly 0 and every row sums to 1 within `rowSum`. */
function checkWeights(weights: Matrix, c: WindowCase, rowSum: Pick<Tolerance, 'atol' | 'rtol'>): void {
  const offset = c.k.length - c.q.length;
  weights.forEach((row, i) =>
    row.forEach((w, j) => {
      const p = i + offset;
      if (!(j <= p && j > p - c.window)) expect(w, `weight (${i}, ${j}) outside the window`).toBe(0);
    }),
  );
  const sums = weights.map((row) => [row.reduce((a, b) => a + b, 0)]);
  expectClose(sums, sums.map(() => [1]), rowSum, 'row sums');
}

describe('sliding-window causal attention', () => {
  it('[notes.efficient-attention.sliding-window] reference-f64: weights outside the window are exactly 0, rows sum to 1, and w ≥ n_k is bit-identical to causal attention', () => {
    checkProperty<[Value<typeof windowCase>]>('reference sliding window', windowCase, (c) => {
      const r = refWindow(c.q, c.k, c.v, { window: c.window });
      checkWeights(r.weights, c, EXACT.reference);
      const causal = refAttention(c.q, c.k, c.v, { mask: 'causal', steps: true });
      const wide = refWindow(c.q, c.k, c.v, { window: c.k.length + c.window }); // w ≥ n_k
      expect(sameNumbers(wide.output, causal.output)).toBe(true);
      expect(sameNumbers(wide.weights, causal.weights)).toBe(true);
    });
  });

  it(`[notes.efficient-attention.sliding-window] tfjs (${backendReport.choice}): weights outside the window are exactly 0, rows sum to 1, and w ≥ n_k is bit-identical to causal attention`, () => {
    checkProperty<[Value<typeof windowCase>]>('tfjs sliding window', windowCase, (c) => {
      const [weights, wide, causal] = tf.tidy(() => {
        const [q, k, v] = [tf.tensor2d(c.q), tf.tensor2d(c.k), tf.tensor2d(c.v)];
        return [
          tfWindow(q, k, v, { window: c.window }).weights.arraySync() as Matrix,
          tfWindow(q, k, v, { window: c.k.length + c.window }).output.arraySync() as Matrix,
          tfAttention(q, k, v, { mask: 'causal' }).arraySync() as Matrix,
        ];
      });
      checkWeights(weights, c, EXACT.tfjs);
      expect(sameNumbers(wide, causal)).toBe(true); // the same mask values, the same kernels
    });
  });

  it('[notes.efficient-attention.sliding-window] the tiled pass with { window } equals the standard window (reference within TILED_VS_STANDARD.reference, tfjs within TILED_VS_STANDARD.tfjs) and skips the tiles outside the band', () => {
    checkProperty<[Value<typeof windowCase>]>('tiled window = standard window', windowCase, (c) => {
      const opts = { mask: { window: c.window }, blockQ: c.blockQ, blockK: c.blockK };
      const ref = refTiled(c.q, c.k, c.v, opts);
      expectClose(ref.output, refWindow(c.q, c.k, c.v, { window: c.window }).output, TILED_VS_STANDARD.reference, 'reference output');
      const [tiled, standard] = tf.tidy(() => {
        const [q, k, v] = [tf.tensor2d(c.q), tf.tensor2d(c.k), tf.tensor2d(c.v)];
        return [tfTiled(q, k, v, opts).output.arraySync() as Matrix, tfWindow(q, k, v, { window: c.window }).output.arraySync() as Matrix];
      });
      expectClose(tiled, standard, TILED_VS_STANDARD.tfjs, 'tfjs output');
      // The band of a query block spans at most B_q − 1 + w keys, so it meets at most this many key blocks:
      const queryBlocks = Math.ceil(c.q.length / c.blockQ);
      const perQueryBlock = Math.ceil((Math.min(c.blockQ, c.q.length) - 1 + c.window - 1) / c.blockK) + 1;
      expect(ref.tiles.computed).toBeLessThanOrEqual(queryBlocks * perQueryBlock);
    });
  });

  it('a window of 1 attends each query to its own position only: the output is V’s row at that position', () => {
    const q = [
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    const v = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    expect(refWindow(q, q, v, { window: 1 }).output).toEqual(v); // weight 1 on the diagonal, 0 elsewhere: exact
    const tfOut = tf.tidy(() => tfWindow(tf.tensor2d(q), tf.tensor2d(q), tf.tensor2d(v), { window: 1 }).output.arraySync() as Matrix);
    expect(tfOut).toEqual(v);
  });
});
