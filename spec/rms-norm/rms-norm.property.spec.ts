/**
 * rms-norm: invariants over random inputs (fast-check through checkProperty: fixed seed,
 * PROPERTY_RUNS runs; a failure prints the seed and the counterexample).
 *
 *   shape              RMSNorm keeps the input's shape (n × C)
 *   oracle / backends  float64 = 64-digit BigNumber (1e-12); tfjs float32 = float64 (TFJS_VS_REFERENCE.default)
 *   unit RMS           with γ = 1 the squares of a token's outputs average to m/(m + ε), m = mean(x²): RMS 1 up to ε
 *   scale              RMSNorm(αx; ε) = sign(α) · RMSNorm(x; ε/α²) for α ≠ 0: only the direction of a token matters
 *   zero-mean tokens   RMSNorm(x − μ) = LayerNorm(x) with β = 0 and the same γ, ε: LayerNorm is RMSNorm after centring
 *   per token          a token's output ignores every other token (bit-identical when they change)
 *
 * Inputs |x| ≤ 4, γ within ±4, C ≤ 16, rounded to float32 so that tfjs and the reference see the
 * same numbers. Tolerances: src/core/tolerance.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { shapeOf } from '../../src/core/shape.js';
import { compareNested, EXACT, REFERENCE_VS_HIGH_PRECISION, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { bignumber } from '../../src/reference/field.js';
import { layerNorm } from '../../src/reference/layer-norm.js';
import { RMS_NORM_EPS, rmsNorm, rmsNormWith } from '../../src/reference/rms-norm.js';
import '../../src/tfjs/index.js';
import { rmsNorm as tfRmsNorm } from '../../src/tfjs/rms-norm.js';
import { type Matrix, type Value, matrixOf, value } from '../_helpers/arbitraries.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

/** x (n × C) and weight (C), rounded to float32 so tfjs and the reference see the same numbers. */
const args = fc
  .record({ n: fc.integer({ min: 1, max: 6 }), C: fc.integer({ min: 1, max: 16 }) })
  .chain(({ n, C }) => fc.record({ x: matrixOf(n, C, value.map(Math.fround)), weight: fc.array(value.map(Math.fround), { minLength: C, maxLength: C }) }));
type Args = Value<typeof args>;

const ones = (C: number) => new Array<number>(C).fill(1);
const meanOf = (r: number[]) => r.reduce((s, v) => s + v, 0) / r.length;
const meanSquare = (r: number[]) => meanOf(r.map((v) => v * v));

const runTfjs = (x: Matrix, weight: number[]): Matrix =>
  tf.tidy(() => tfRmsNorm(tf.tensor2d(x), { weight: tf.tensor1d(weight) }).arraySync() as unknown as tf.TensorContainer) as unknown as Matrix;

describe('rms-norm properties', () => {
  it('reference-f64: the output has the input\'s shape (n × C)', () => {
    checkProperty<[Args]>('rms-norm keeps the shape', args, ({ x, weight }) => {
      expect(shapeOf(rmsNorm(x, { weight }))).toEqual(shapeOf(x));
    });
  });

  it('reference-f64 agrees with the 64-digit BigNumber oracle (REFERENCE_VS_HIGH_PRECISION)', () => {
    checkProperty<[Args]>('rms-norm: float64 = BigNumber', args, ({ x, weight }) => {
      const lift = (v: number) => bignumber.from(v);
      const big = rmsNormWith(bignumber, x.map((r) => r.map(lift)), { weight: weight.map(lift) }).map((r) => r.map((v) => bignumber.toNumber(v)));
      const c = compareNested(rmsNorm(x, { weight }), big, REFERENCE_VS_HIGH_PRECISION);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it(`tfjs (${backendReport.choice}) agrees with the float64 reference (TFJS_VS_REFERENCE.default)`, () => {
    checkProperty<[Args]>('rms-norm: tfjs = reference', args, ({ x, weight }) => {
      // square, a mean over C ≤ 16, sqrt, one division and one product: a handful of float32 roundings per entry
      const c = compareNested(runTfjs(x, weight), rmsNorm(x, { weight }), TFJS_VS_REFERENCE.default);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('reference-f64 and tfjs: with γ = 1 the squares of every token\'s outputs average to m/(m + ε), m = mean(x²) — RMS 1 up to ε', () => {
    checkProperty<[Args]>('rms-norm: unit root mean square', args, ({ x }) => {
      const C = x[0].length;
      const want = x.map((r) => meanSquare(r) / (meanSquare(r) + RMS_NORM_EPS)); // exactly, for y = x/√(m + ε)
      const ref = compareNested(rmsNorm(x, { weight: ones(C) }).map(meanSquare), want, EXACT.reference);
      expect(ref.ok, `reference: ${ref.message}`).toBe(true);
      const tfjs = compareNested(runTfjs(x, ones(C)).map(meanSquare), want, EXACT.tfjs); // |y| ≤ √C = 4: float32 error ≲ 1e-6
      expect(tfjs.ok, `tfjs: ${tfjs.message}`).toBe(true);
    });
  });

  it('reference-f64: RMSNorm(αx; ε) = sign(α)·RMSNorm(x; ε/α²) for any α ≠ 0 — only the direction of a token matters', () => {
    const scaled = fc.record({ a: args, logAlpha: fc.double({ min: Math.log(0.01), max: Math.log(100), noNaN: true }), negative: fc.boolean() });
    checkProperty<[Value<typeof scaled>]>('rms-norm: scale invariance', scaled, ({ a: { x, weight }, logAlpha, negative }) => {
      const alpha = (negative ? -1 : 1) * Math.exp(logAlpha);
      const left = rmsNorm(x.map((r) => r.map((v) => alpha * v)), { weight }); // αx / √(α²m + ε)
      const right = rmsNorm(x, { weight }, RMS_NORM_EPS / alpha ** 2).map((r) => r.map((v) => Math.sign(alpha) * v)); // = sign(α)·x / √(m + ε/α²)
      const c = compareNested(left, right, EXACT.reference);
      expect(c.ok, `α = ${alpha}: ${c.message}`).toBe(true);
    });
  });

  it('reference-f64: on a token whose features have mean 0, RMSNorm is LayerNorm with β = 0 (same γ, same ε)', () => {
    checkProperty<[Args]>('rms-norm: LayerNorm after centring', args, ({ x, weight }) => {
      const centred = x.map((r) => r.map((v) => v - meanOf(r))); // (n × C), every row mean 0
      const ln = layerNorm(x, { weight, bias: weight.map(() => 0) }, RMS_NORM_EPS); // (x − μ)/√(σ² + ε)·γ, σ² = mean((x − μ)²)
      const c = compareNested(rmsNorm(centred, { weight }), ln, EXACT.reference);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('reference-f64 and tfjs: a token\'s output ignores the other tokens — replacing them leaves it bit-identical', () => {
    const pair = fc.record({ a: args, others: matrixOf(6, 16, value.map(Math.fround)), pick: fc.nat() });
    checkProperty<[Value<typeof pair>]>('rms-norm: per token', pair, ({ a: { x, weight }, others, pick }) => {
      const t = pick % x.length;
      const y = x.map((r, i) => (i === t ? r : others[i].slice(0, r.length))); // (n × C): only token t kept
      expect(rmsNorm(y, { weight })[t]).toEqual(rmsNorm(x, { weight })[t]);
      expect(runTfjs(y, weight)[t]).toEqual(runTfjs(x, weight)[t]); // per-row reductions: bit-identical on a deterministic backend
    });
  });
});
