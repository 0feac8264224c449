/**
 * The training path's operations (src/tfjs/training/training-ops.ts) compute the evaluation path's values
 * with other kernels and hand-written gradients. Each is checked here against its plain
 * counterpart — values against the evaluation op, gradients against tfjs's tape through the
 * evaluation op, and GELU's erf approximation against the float64 formula — on a grid or on
 * seeded random inputs, with the tolerance policy's bounds:
 *
 *   values      TFJS_VS_REFERENCE.default   float32 rounding of short elementwise chains
 *   gradients   TFJS_VS_REFERENCE.gradient  gradients chain the forward rounding
 *
 * The whole training path is also held to PyTorch's gradients (spec/training/training-run.spec.ts,
 * PYTORCH_PARITY.gradient) — this file localises a failure to one op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import { compareNested, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { gelu } from '../../src/reference/activations.js';
import { float64 } from '../../src/reference/field.js';
import '../../src/tfjs/index.js';
import { activation, layerNorm, linear } from '../../src/tfjs/index.js';
import { causalBias, causalMask } from '../../src/tfjs/masks.js';
import { softmaxUnchecked } from '../../src/tfjs/softmax.js';
import { batchedProductForTraining, columnSum, dropoutForTraining, erfRational, geluForTraining, layerNormForTraining, linearForTraining, softmaxForTraining } from '../../src/tfjs/training/training-ops.js';
import { backendReport } from '../_helpers/setup.js';
import { uniformTensor } from '../_helpers/tensors.js';

const rng = seededRng(20261123);
const tensor = (shape: number[], scale = 1) => uniformTensor(rng, shape, scale);
const nested = (t: tf.Tensor) => t.arraySync() as number[] | number[][];

/** Expect `ours` to match `theirs` in value and in gradient of Σ w·f (a fixed random weighting w). */
function expectSameOpAndGradient(ours: (...xs: tf.Tensor[]) => tf.Tensor, theirs: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): void {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const w = tensor(theirs(...inputs).shape, 1);
    const [a, b] = [ours(...inputs), theirs(...inputs)];
    const value = compareNested(nested(a), nested(b), TFJS_VS_REFERENCE.default);
    expect(value.ok, value.message).toBe(true);
    const gOurs = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(ours(...xs), w)))(inputs);
    const gTheirs = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(theirs(...xs), w)))(inputs);
    gOurs.forEach((g, i) => {
      const c = compareNested(nested(g), nested(gTheirs[i]), TFJS_VS_REFERENCE.gradient);
      expect(c.ok, `gradient ${i}: ${c.message}`).toBe(true);
    });
  });
  expect(tf.memory().numTensors).toBe(before);
}

describe(`training-path ops on tfjs[${backendReport.choice}]`, () => {
  it('erfRational (clamp ±4, u·P(u²)/Q(u²)) is within float32 rounding of erf on 24,001 points of [−6, 6] (TFJS_VS_REFERENCE.default)', () => {
    const xs = Array.from({ length: 24001 }, (_, i) => -6 + i / 2000);
    const ours = tf.tidy(() => Array.from(erfRational(tf.tensor1d(xs)).dataSync()));
    const exact = xs.map((x) => float64.erf(x));
    const c = compareNested(ours, exact, TFJS_VS_REFERENCE.default);
    expect(c.ok, c.message).toBe(true);
    expect(c.maxAbsError).toBeLessThan(5e-7); // a few float32 units: the approximation itself is not the error source
  });

  it('geluForTraining: x·Φ(x) and its derivative Φ(x) + x·φ(x) within the policy of the float64 formula on [−8, 8]', () => {
    const xs = Array.from({ length: 3201 }, (_, i) => -8 + i / 200);
    const [value, grad] = tf.tidy(() => {
      const x = tf.tensor1d(xs);
      return [Array.from((geluForTraining(x) as tf.Tensor).dataSync()), Array.from(tf.grad((t: tf.Tensor) => tf.sum(geluForTraining(t) as tf.Tensor))(x).dataSync())];
    });
    const cdf = (x: number) => (1 + float64.erf(x * Math.SQRT1_2)) / 2;
    const expectedValue = xs.map((x) => gelu([[x]])[0][0]);
    const expectedGrad = xs.map((x) => cdf(x) + (x * Math.exp(-x * x / 2)) / Math.sqrt(2 * Math.PI));
    const v = compareNested(value, expectedValue, TFJS_VS_REFERENCE.default);
    const g = compareNested(grad, expectedGrad, TFJS_VS_REFERENCE.default);
    expect(v.ok, v.message).toBe(true);
    expect(g.ok, g.message).toBe(true);
  });

  it('geluForTraining matches the evaluation GELU (tf.erf) in value and tape gradient on a (4 × 8 × 40) input', () => {
    expectSameOpAndGradient((x) => geluForTraining(x) as tf.Tensor, (x) => activation(x, 'gelu'), [tensor([4, 8, 40], 5)]);
  });

  it('linearForTraining (with and without bias) matches linear; its hand-written ∂x, ∂W, ∂b match the tape, for in < out and in > out', () => {
    for (const [inW, out] of [[6, 10], [10, 6]]) {
      expectSameOpAndGradient((x, w, b) => linearForTraining(x, { weight: w, bias: b }), (x, w, b) => linear(x, { weight: w, bias: b }), [tensor([3, 5, inW]), tensor([out, inW]), tensor([out])]);
      expectSameOpAndGradient((x, w) => linearForTraining(x, { weight: w }), (x, w) => linear(x, { weight: w }), [tensor([3, 5, inW]), tensor([out, inW])]);
    }
  });

  it('layerNormForTraining matches layerNorm (ε = 1e-5) and its gradient for x, γ, β, with token spreads from 1e-2 to 4', () => {
    const x = tf.tidy(() => tf.mul(tensor([2, 6, 12]), tf.tensor([0.01, 0.1, 1, 4, 2, 0.5], [1, 6, 1])));
    expectSameOpAndGradient((a, w, b) => layerNormForTraining(a, { weight: w, bias: b }), (a, w, b) => layerNorm(a, { weight: w, bias: b }), [x, tensor([12]), tensor([12])]);
    x.dispose();
  });

  it('softmaxForTraining matches softmax and its gradient, with −∞ entries (a causal bias) in the rows', () => {
    const bias = causalBias(7, 7);
    expectSameOpAndGradient((s) => softmaxForTraining(tf.add(s, bias)), (s) => softmaxUnchecked(tf.add(s, bias), -1), [tensor([2, 3, 7, 7], 4)]);
    bias.dispose();
  });

  it('batchedProductForTraining: A·B and A·Bᵀ over leading axes match tf.matMul and its gradients', () => {
    expectSameOpAndGradient((a, b) => batchedProductForTraining(a, b, false), (a, b) => tf.matMul(a, b), [tensor([2, 3, 5, 4]), tensor([2, 3, 4, 6])]);
    expectSameOpAndGradient((a, b) => batchedProductForTraining(a, b, true), (a, b) => tf.matMul(a, b, false, true), [tensor([2, 3, 5, 4]), tensor([2, 3, 6, 4])]);
  });

  it('columnSum sums the rows of an (N × C) matrix (the bias gradient) exactly as tf.sum over axis 0 does within float32 rounding', () => {
    const m = randomMatrix(rng, 37, 9, 3);
    const ours = tf.tidy(() => Array.from(columnSum(tf.tensor2d(m)).dataSync()));
    const expected = m[0].map((_, j) => m.reduce((s, row) => s + row[j], 0));
    const c = compareNested(ours, expected, TFJS_VS_REFERENCE.default);
    expect(c.ok, c.message).toBe(true);
  });

  it('dropoutForTraining: zeros a share within 5 binomial sd of p, keeps the rest as x/(1−p), repeats with its seed, changes with another; the gradient is the mask; p = 0 is the identity', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const shape = [8, 16, 128];
      const n = 8 * 16 * 128;
      const x = tf.add(tensor(shape, 1), 2); // all entries in [1, 3]: a zero can only come from the mask
      const xs = x.dataSync();
      for (const p of [0.1, 0.5]) {
        const y = dropoutForTraining(x, p, 1234);
        const ys = y.dataSync();
        const zeros = ys.filter((v) => v === 0).length;
        expect(Math.abs(zeros - p * n)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
        ys.forEach((v, i) => {
          if (v !== 0) expect(Math.abs(v - xs[i] / (1 - p))).toBeLessThanOrEqual(2 ** -22 * Math.abs(v)); // two float32 roundings (the scale, the product): ≤ 2·2⁻²⁴ relative
        });
        expect(Array.from(dropoutForTraining(x, p, 1234).dataSync())).toEqual(Array.from(ys));
        expect(Array.from(dropoutForTraining(x, p, 1235).dataSync())).not.toEqual(Array.from(ys));
        const g = tf.grad((t: tf.Tensor) => tf.sum(dropoutForTraining(t, p, 1234)))(x).dataSync();
        g.forEach((v, i) => expect(v).toBe(ys[i] === 0 ? 0 : Math.fround(1 / (1 - p)))); // ∂y = 1 times the mask: exact
      }
      expect(Array.from(dropoutForTraining(x, 0, 9).dataSync())).toEqual(Array.from(xs));
      expect(() => dropoutForTraining(x, 1, 1)).toThrow(/dropout probability must be in \[0, 1\)/);
      expect(() => dropoutForTraining(x, 0.1, 1.5)).toThrow(/dropout seed must be an integer/);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('causalBias is 0 where causalMask allows attention and −∞ elsewhere, for square and rectangular (cache) shapes', () => {
    for (const [q, k] of [[1, 1], [5, 5], [3, 8]]) {
      const [bias, mask] = [causalBias(q, k), causalMask(q, k)];
      const b = bias.arraySync();
      const m = mask.arraySync() as unknown as boolean[][];
      expect(b).toEqual(m.map((row) => row.map((allowed) => (allowed ? 0 : -Infinity))));
      tf.dispose([bias, mask]);
    }
    expect(() => causalBias(4, 3)).toThrow(/nKeys must be an integer ≥ nQueries/);
  });
});
