/**
 * LayerNorm's invariants (Ba et al. 2016; interview deck "Layer Normalization", course "Layer
 * Normalization"), as properties over random inputs, and its contrast with BatchNorm (interview
 * deck, "BatchNorm vs LayerNorm"):
 *
 *   LN(x)_t = (x_t − μ_t)/√(σ_t² + ε)     mean 0, variance σ²/(σ²+ε) per token; no other token enters
 *   BN(x)_b = (x_b − μ)/√(σ² + ε), μ, σ over the batch      one sample's output depends on the others
 *
 * Shapes: x (T × C) per sequence for the reference, (B × T × C) for tfjs. The differential spec
 * (tfjs vs float64 vs BigNumber) runs from the op registry (spec/differential/registry.spec.ts);
 * the PyTorch parity is layer-norm.parity.spec.ts; the documents' claims layer-norm.golden.spec.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { batchNorm } from '../../src/reference/batch-norm.js';
import { layerNorm } from '../../src/reference/layer-norm.js';
import * as L from '../../src/tfjs/index.js';
import { type Matrix, type Value, matrixOf } from '../_helpers/arbitraries.js';
import { referenceParams } from '../_helpers/fixtures.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { lnLayout, range, seededParams, seqOf, tfArray } from '../_helpers/seeded-params.js';
import { backendReport } from '../_helpers/setup.js';

const row = (m: Matrix, t: number): number[] => m[t];

describe('LayerNorm normalises each token by itself; BatchNorm does not', () => {
  const EPS = 1e-5;
  const stats = (r: number[]) => {
    const mean = r.reduce((s, v) => s + v, 0) / r.length;
    return { mean, variance: r.reduce((s, v) => s + (v - mean) ** 2, 0) / r.length }; // biased, as LayerNorm
  };

  /*
   * Without γ, β: y = (x − μ)/√(σ² + ε), so mean(y) = 0 and the biased variance of y is exactly
   * σ²/(σ² + ε), i.e. 1 − ε/(σ² + ε): variance 1 up to ε/σ² (≤ 1e-5 once σ² ≥ 1; a row with
   * σ² ≪ ε = 1e-5 is barely rescaled at all). The specs compare with that exact value.
   */
  it('reference: every token has mean 0 and biased variance σ²/(σ²+ε) = 1 − ε/(σ²+ε), ε = 1e-5, on any input', () => {
    const xs = fc.record({ n: fc.integer({ min: 1, max: 6 }), C: fc.integer({ min: 2, max: 32 }) }).chain(({ n, C }) => matrixOf(n, C));
    checkProperty<[Value<typeof xs>]>('reference LayerNorm: mean 0, variance σ²/(σ²+ε)', xs, (x) => {
      const y = layerNorm(x, null, EPS); // (n × C)
      y.forEach((r, t) => {
        const { variance: s2 } = stats(x[t]);
        const got = stats(r);
        // float64: C ≤ 32 terms of size ≤ |x|/√(σ²+ε); the bound EXACT.reference covers it
        const c = compareNested([got.mean, got.variance], [0, s2 / (s2 + EPS)], EXACT.reference);
        expect(c.ok, `token ${t}: ${c.message}`).toBe(true);
        expect(Math.abs(got.variance - 1)).toBeLessThanOrEqual(EPS / (s2 + EPS) + EXACT.reference.atol);
      });
    });
  });

  it(`tfjs (${backendReport.choice}): every token has mean 0 and biased variance σ²/(σ²+ε), ε = 1e-5, for spreads σ from 1e-3 (variance ≈ 0.09) to 4`, () => {
    // Rows x = μ + σ·z with z exactly standardised and |μ| ≤ σ: float32 then rounds x to 6e-8·|x|,
    // which is ≤ 6e-8·(1 + √C)·σ, small against √(σ²+ε) — the well-conditioned inputs the float32
    // bound is for (a row like 4 + 1e-4·z would lose its spread to rounding before LN sees it).
    const rows = fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      n: fc.integer({ min: 1, max: 6 }),
      C: fc.integer({ min: 2, max: 32 }),
      logSigma: fc.double({ min: Math.log(1e-3), max: Math.log(4), noNaN: true }),
      muOverSigma: fc.double({ min: -1, max: 1, noNaN: true }),
    });
    checkProperty<[Value<typeof rows>]>('tfjs LayerNorm: mean 0, variance σ²/(σ²+ε)', rows, ({ seed, n, C, logSigma, muOverSigma }) => {
      const rng = seededRng(seed);
      const sigma = Math.exp(logSigma);
      const x = randomMatrix(rng, n, C).map((z) => {
        const { mean, variance } = stats(z);
        const sd = Math.sqrt(variance) || 1;
        return z.map((v) => Math.fround(muOverSigma * sigma + (sigma * (v - mean)) / sd)); // (C)
      });
      const y = tfArray<Matrix>(() => L.layerNorm(tf.tensor2d(x), null, EPS)); // (n × C)
      y.forEach((r, t) => {
        const { variance: s2 } = stats(x[t]); // of the float32 values tfjs received
        const got = stats(r);
        // float32: a handful of roundings per entry of an O(1) result
        const c = compareNested([got.mean, got.variance], [0, s2 / (s2 + EPS)], EXACT.tfjs);
        expect(c.ok, `token ${t} (σ = ${sigma}): ${c.message}`).toBe(true);
      });
    });
  });

  it('LayerNorm of a token ignores the other tokens and the other sequences of the batch: changing them leaves it bit-identical (reference and tfjs)', () => {
    const args = fc.record({ B: fc.integer({ min: 1, max: 3 }), T: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 2, max: 16 }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });
    checkProperty<[Value<typeof args>]>('LayerNorm ignores other tokens and sequences', args, ({ B, T, C, seed }) => {
      const rng = seededRng(seed);
      const p = referenceParams(seededParams(lnLayout('ln', C), rng)).ln as { weight: number[]; bias: number[] };
      const x = range(B).map(() => seqOf(rng, T, C)); // (B × T × C)
      const [b0, t0] = [rng.int(0, B), rng.int(0, T)];
      const y = range(B).map(() => seqOf(rng, T, C)); // everything else replaced…
      y[b0][t0] = x[b0][t0]; // …except token (b0, t0)
      const ref = (z: Matrix[]) => z.map((s) => layerNorm(s, p))[b0][t0]; // (C)
      expect(ref(y)).toEqual(ref(x));
      const tfOut = (z: Matrix[]) =>
        tf.tidy(() => {
          const w = { weight: tf.tensor1d(p.weight), bias: tf.tensor1d(p.bias) };
          return (L.layerNorm(tf.tensor3d(z), w).arraySync() as Matrix[])[b0][t0];
        });
      expect(tfOut(y)).toEqual(tfOut(x)); // per-row reductions: bit-identical on a deterministic backend
    });
  });

  it('BatchNorm does not: changing another sample changes a sample\'s output beyond float32 error, while LayerNorm of that sample stays bit-identical (reference and tfjs)', () => {
    const args = fc.record({ N: fc.integer({ min: 3, max: 8 }), C: fc.integer({ min: 2, max: 16 }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });
    checkProperty<[Value<typeof args>]>('BatchNorm mixes samples, LayerNorm does not', args, ({ N, C, seed }) => {
      const rng = seededRng(seed);
      const x = seqOf(rng, N, C); // (N × C): N samples
      const i = rng.int(0, N);
      const j = (i + 1 + rng.int(0, N - 1)) % N; // another sample
      const changed = x.map((r, k) => (k === j ? r.map((v) => Math.fround(v + 0.5 + rng.uniform(0, 1))) : r)); // shift sample j by 0.5…1.5 per feature
      // BatchNorm: μ_c moves by ≥ 0.5/N and σ_c with it, so every feature of sample i changes
      const [bn, bnChanged] = [batchNorm(x, null), batchNorm(changed, null)];
      expect(compareNested(row(bnChanged, i), row(bn, i), TFJS_VS_REFERENCE.default).ok, 'reference BatchNorm ignored sample j').toBe(false);
      const tfBn = (m: Matrix) => tfArray<Matrix>(() => L.batchNorm(tf.tensor2d(m), null))[i];
      expect(compareNested(tfBn(changed), tfBn(x), TFJS_VS_REFERENCE.default).ok, 'tfjs BatchNorm ignored sample j').toBe(false);
      // LayerNorm on the same rows (samples as tokens): sample i's output is untouched
      expect(row(layerNorm(changed, null), i)).toEqual(row(layerNorm(x, null), i));
      const tfLn = (m: Matrix) => tfArray<Matrix>(() => L.layerNorm(tf.tensor2d(m), null))[i];
      expect(tfLn(changed)).toEqual(tfLn(x));
    });
  });
});
