/**
 * rms-norm: a worked example small enough to compute by hand, on all three implementations.
 * It is the project's own example, not a document claim: none of the five documents mentions
 * RMSNorm (Zhang & Sennrich 2019 is the source of the formula), so there is no golden record and
 * no claim id here.
 *
 * Expected values are strings, checked at the decimals written (the printed-precision rule of
 * src/core/tolerance.ts: the computed value must round to them).
 *
 * By hand, for the token x = [3, 4] (ε = 1e-6):
 *   mean of squares  (3² + 4²)/2 = (9 + 16)/2 = 12.5
 *   RMS              √(12.5 + 0.000001) = 3.5355340…   (√12.5 = 5/√2 = 3.5355339…)
 *   x / RMS          [3, 4] / 3.5355340 = [0.848528, 1.131371]   (= [0.6·√2, 0.8·√2] up to ε/25 = 4e-8)
 *   · γ = [2, 0.5]   [1.697056, 0.565685]
 * The squares of x/RMS average to 1: (0.72 + 1.28)/2 = 1. No mean was subtracted — LayerNorm of
 * the same token is ≈ [−1, 1] — and there is no β.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { shapeOf } from '../../src/core/shape.js';
import { compareNested, EXACT, matchesPrinted, PRINTED_SLACK, type ImplName } from '../../src/core/tolerance.js';
import { bignumber, evaluateClosedForm } from '../../src/reference/field.js';
import { layerNorm } from '../../src/reference/layer-norm.js';
import { rmsNorm, rmsNormWith } from '../../src/reference/rms-norm.js';
import '../../src/tfjs/index.js';
import { rmsNorm as tfRmsNorm } from '../../src/tfjs/rms-norm.js';
import { backendReport } from '../_helpers/setup.js';

const x = [[3, 4]];
const CASES: Array<{ gamma: number[]; expected: string[][] }> = [
  { gamma: [1, 1], expected: [['0.848528', '1.131371']] }, // [3, 4] / √12.500001
  { gamma: [2, 0.5], expected: [['1.697056', '0.565685']] }, // the same, times γ
];

function expectRoundsTo(actual: number[][], expected: string[][], impl: ImplName): void {
  expect(shapeOf(actual), 'output shape').toEqual(shapeOf(expected));
  actual.flat().forEach((v, i) => {
    expect(matchesPrinted(v, expected.flat()[i], PRINTED_SLACK[impl]), `entry ${i}: computed ${v}, hand-computed ${expected.flat()[i]}`).toBe(true);
  });
}

const lift = (v: number) => bignumber.from(v);
const bigRmsNorm = (gamma: number[]) => rmsNormWith(bignumber, x.map((r) => r.map(lift)), { weight: gamma.map(lift) });

function tfjsRmsNorm(gamma: number[]): number[][] {
  const [xt, w] = [tf.tensor2d(x), tf.tensor1d(gamma)];
  try {
    const y = tfRmsNorm(xt, { weight: w });
    const values = y.arraySync() as number[][];
    y.dispose();
    return values;
  } finally {
    tf.dispose([xt, w]);
  }
}

describe('rms-norm worked example (the project\'s own, not a document claim): x = [3, 4], mean of squares 12.5', () => {
  for (const { gamma, expected } of CASES) {
    describe(`γ = [${gamma}] → [${expected[0]}]`, () => {
      it('reference-f64: the output rounds to the hand-computed values', () => {
        expectRoundsTo(rmsNorm(x, { weight: gamma }), expected, 'reference');
      });

      it('bignumber-64: the output rounds to the hand-computed values', () => {
        expectRoundsTo(bigRmsNorm(gamma).map((r) => r.map((v) => bignumber.toNumber(v))), expected, 'high-precision');
      });

      it(`tfjs[${backendReport.choice}]: the output rounds to the hand-computed values`, () => {
        expectRoundsTo(tfjsRmsNorm(gamma), expected, 'tfjs');
      });
    });
  }

  it('bignumber-64: the output is exactly γ·[3, 4]/√12.500001, to 50 digits', () => {
    const y = bigRmsNorm([2, 0.5])[0];
    const exact = ['2*3/sqrt(12.5 + 0.000001)', '0.5*4/sqrt(12.5 + 0.000001)'].map((e) => evaluateClosedForm(e));
    y.forEach((v, i) => expect(v.minus(exact[i]).abs().toNumber(), `entry ${i}: ${v} vs ${exact[i]}`).toBeLessThanOrEqual(EXACT['high-precision'].atol));
  });

  it('reference-f64: the squares of x/RMS average to 1 (up to ε: 12.5/12.500001), and LayerNorm of the same token is ≈ [−1, 1] instead', () => {
    const y = rmsNorm(x, { weight: [1, 1] })[0];
    const meanSquare = (y[0] ** 2 + y[1] ** 2) / 2;
    expect(compareNested(meanSquare, 12.5 / 12.500001, EXACT.reference).ok, `mean of squares ${meanSquare}`).toBe(true);
    const ln = layerNorm(x, { weight: [1, 1], bias: [0, 0] })[0]; // μ = 3.5, σ² = 0.25: (x − μ)/√(σ² + 1e-5)
    expect([matchesPrinted(ln[0], '-1.0000', PRINTED_SLACK.reference), matchesPrinted(ln[1], '1.0000', PRINTED_SLACK.reference)], `LayerNorm ${ln}`).toEqual([true, true]); // ±0.5/√0.25001 = ±0.99998
    expect(compareNested(y, ln, EXACT.reference).ok, 'RMSNorm must not re-centre the token').toBe(false);
  });
});
