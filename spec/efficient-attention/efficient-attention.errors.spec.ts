/**
 * Bad input and tolerance discrimination for tiled and sliding-window attention.
 *
 * Bad input: both implementations throw the same named errors (src/core/errors.ts) for block
 * sizes, windows, masks and shapes, and the tfjs one leaks no tensor when it throws.
 *
 * Discrimination (STYLE.md: a tolerance must reject a known near-miss):
 *   TILED_VS_STANDARD.reference / .tfjs  reject the online softmax without the α = e^{m − m'}
 *                                        rescale (each tile summed against its own maximum);
 *   TILED_VS_STANDARD.tfjsGradient       rejects ∂Q without the softmax-Jacobian term
 *                                        D_i = rowsum(dO ∘ O) (dS = P ∘ dP instead of P ∘ (dP − D)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, NonFiniteError, RangeArgumentError, ShapeError } from '../../src/core/errors.js';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import { compareNested, TILED_VS_STANDARD } from '../../src/core/tolerance.js';
import { matMul, transpose } from '../../src/reference/linear-algebra.js';
import { scaledDotProductAttention as refAttention } from '../../src/reference/scaled-dot-product-attention.js';
import { slidingWindowAttention as refWindow, slidingWindowMask as refWindowMask } from '../../src/reference/sliding-window-attention.js';
import { tiledAttention as refTiled } from '../../src/reference/tiled-attention.js';
import '../../src/tfjs/index.js';
import { scaledDotProductAttention as tfAttention } from '../../src/tfjs/scaled-dot-product-attention.js';
import { slidingWindowAttention as tfWindow, slidingWindowMask as tfWindowMask } from '../../src/tfjs/sliding-window-attention.js';
import { tiledAttention as tfTiled } from '../../src/tfjs/tiled-attention.js';
import type { Matrix } from '../_helpers/arbitraries.js';
import { backendReport } from '../_helpers/setup.js';

const q = [
  [1, 0],
  [0, 1],
  [1, 1],
]; // (3 × 2)

type ErrorClass = new (...args: never[]) => Error;
const cases: Array<[string, Matrix, Matrix, object, ErrorClass, RegExp]> = [
  ['blockQ = 0', q, q, { blockQ: 0 }, RangeArgumentError, /blockQ must be an integer ≥ 1/],
  ['blockK = 1.5', q, q, { blockK: 1.5 }, RangeArgumentError, /blockK must be an integer ≥ 1/],
  ['window = 0', q, q, { mask: { window: 0 } }, RangeArgumentError, /window must be an integer ≥ 1/],
  ['a causal mask with fewer keys than queries', q, q.slice(0, 2), { mask: 'causal' }, RangeArgumentError, /causal mask needs n_k ≥ n_q/],
  ['a boolean mask of the wrong shape', q, q, { mask: [[true, false]] }, ShapeError, /boolean matrix of shape 3×3/],
  ['a mask with a non-boolean entry', q, q, { mask: q.map(() => [true, 1, false]) }, ArgumentError, /mask entries must be booleans/],
  ['keys with another d_k', q, [[1, 2, 3]], {}, ShapeError, /queries and keys must share d_k/],
];

describe('bad input is refused with a named error (reference and tfjs alike)', () => {
  for (const [name, qq, kk, options, cls, message] of cases) {
    it(`${name}: reference`, () => {
      expect(() => refTiled(qq, kk, kk, options)).toThrow(cls);
      expect(() => refTiled(qq, kk, kk, options)).toThrow(message);
    });
    it(`${name}: tfjs (${backendReport.choice}), leaking no tensor`, () => {
      const inputs = [tf.tensor2d(qq), tf.tensor2d(kk)];
      const before = tf.memory().numTensors;
      expect(() => tfTiled(inputs[0], inputs[1], inputs[1], options)).toThrow(cls);
      expect(() => tfTiled(inputs[0], inputs[1], inputs[1], options)).toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(inputs);
    });
  }

  it('NaN in q: reference and tfjs name the entry (NonFiniteError)', () => {
    const bad = [[1, NaN], [0, 1], [1, 1]];
    expect(() => refTiled(bad, q, q)).toThrow(NonFiniteError);
    const t = [tf.tensor2d(bad), tf.tensor2d(q)];
    expect(() => tfTiled(t[0], t[1], t[1])).toThrow(NonFiniteError);
    tf.dispose(t);
  });

  it('a mask tensor that is not bool, or of the wrong shape, is refused', () => {
    const t = tf.tensor2d(q);
    const wrongType = tf.ones([3, 3]);
    const wrongShape = tf.ones([3, 2], 'bool');
    expect(() => tfTiled(t, t, t, { mask: wrongType })).toThrow(/mask tensor must have dtype bool/);
    expect(() => tfTiled(t, t, t, { mask: wrongShape })).toThrow(/mask must end in shape \[3, 3\]/);
    tf.dispose([t, wrongType, wrongShape]);
  });

  it('sliding windows: window 2.5, or more queries than keys, are refused by both implementations', () => {
    expect(() => refWindow(q, q, q, { window: 2.5 })).toThrow(/window must be an integer ≥ 1/);
    expect(() => refWindowMask(3, 2, 2)).toThrow(RangeArgumentError);
    expect(() => tfWindowMask(3, 3, 0)).toThrow(/window must be an integer ≥ 1/);
    const [a, b] = [tf.tensor2d(q), tf.tensor2d(q.slice(0, 2))];
    const before = tf.memory().numTensors;
    expect(() => tfWindow(a, b, b, { window: 2 })).toThrow(RangeArgumentError);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});

// ---------------------------------------------------------------------------------------------

/** The classic near-miss: online softmax whose running sums are never rescaled by e^{m − m'}. */
function withoutRescale(q: Matrix, k: Matrix, v: Matrix, block: number): Matrix {
  const scale = 1 / Math.sqrt(q[0].length);
  return q.map((qi) => {
    let l = 0;
    const o = new Array(v[0].length).fill(0);
    for (let j0 = 0; j0 < k.length; j0 += block) {
      const s = k.slice(j0, j0 + block).map((kj) => kj.reduce((acc, x, t) => acc + x * qi[t], 0) * scale);
      const m = Math.max(...s); // this tile's own maximum, never reconciled with the previous ones
      s.forEach((x, c) => {
        const p = Math.exp(x - m);
        l += p;
        v[j0 + c].forEach((vx, t) => (o[t] += p * vx));
      });
    }
    return o.map((x) => x / l);
  });
}

describe(`TILED_VS_STANDARD rejects known near-misses (tfjs on ${backendReport.choice})`, () => {
  const rng = seededRng(131);
  const [Q, K, V] = [randomMatrix(rng, 12, 8, 2), randomMatrix(rng, 12, 8, 2), randomMatrix(rng, 12, 4, 2)];
  const truth = refAttention(Q, K, V); // (12 × 4)

  it('forward: the tiled pass is accepted, the pass without the α rescale is rejected (gap > 0.05 here)', () => {
    const nearMiss = withoutRescale(Q, K, V, 4);
    expect(compareNested(refTiled(Q, K, V, { blockQ: 5, blockK: 4 }).output, truth, TILED_VS_STANDARD.reference).ok).toBe(true);
    expect(compareNested(nearMiss, truth, TILED_VS_STANDARD.reference).ok).toBe(false);
    const tfOut = tf.tidy(() => tfTiled(tf.tensor2d(Q), tf.tensor2d(K), tf.tensor2d(V), { blockQ: 5, blockK: 4 }).output.arraySync() as Matrix);
    expect(compareNested(tfOut, truth, TILED_VS_STANDARD.tfjs).ok).toBe(true);
    expect(compareNested(nearMiss, truth, TILED_VS_STANDARD.tfjs).ok).toBe(false);
    expect(compareNested(nearMiss, truth, { atol: 0, rtol: 0 }).maxAbsError).toBeGreaterThan(0.05);
  });

  it('gradient: ∂Q by recomputation is accepted; ∂Q without the D_i term is rejected', () => {
    const G = randomMatrix(rng, 12, 4); // upstream gradient dO (12 × 4)
    const scale = 1 / Math.sqrt(8);
    const P = refAttention(Q, K, V, { steps: true }).weights; // (12 × 12)
    const dP = matMul(G, transpose(V)); // dO Vᵀ (12 × 12)
    const D = G.map((row, i) => row.reduce((s, x, t) => s + x * truth[i][t], 0)); // rowsum(dO ∘ O) (12)
    const dQ = (withD: boolean) => matMul(P.map((row, i) => row.map((p, j) => p * (dP[i][j] - (withD ? D[i] : 0)))), K).map((r) => r.map((x) => x * scale)); // dS K/√d_k (12 × 8)
    const tfDq = tf.tidy(() => {
      const [qt, kt, vt, gt] = [tf.tensor2d(Q), tf.tensor2d(K), tf.tensor2d(V), tf.tensor2d(G)];
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tfTiled(a, kt, vt, { blockQ: 5, blockK: 4 }).output, gt)) as tf.Scalar)(qt).arraySync() as Matrix;
    });
    expect(compareNested(tfDq, dQ(true), TILED_VS_STANDARD.tfjsGradient).ok).toBe(true);
    expect(compareNested(tfDq, dQ(false), TILED_VS_STANDARD.tfjsGradient).ok).toBe(false);
    // and tfjs's own autodiff of standard attention agrees with the float64 formula too
    const auto = tf.tidy(() => {
      const [qt, kt, vt, gt] = [tf.tensor2d(Q), tf.tensor2d(K), tf.tensor2d(V), tf.tensor2d(G)];
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tfAttention(a, kt, vt), gt)) as tf.Scalar)(qt).arraySync() as Matrix;
    });
    expect(compareNested(auto, dQ(true), TILED_VS_STANDARD.tfjsGradient).ok).toBe(true);
  });
});
