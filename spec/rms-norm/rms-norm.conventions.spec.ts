/**
 * RMSNorm's argument conventions, run by `npx vitest run spec/rms-norm` itself (a mutation run
 * found them checked nowhere in the folder): on the reference and tfjs, ε must be a finite number
 * > 0 (with ε = 0 an all-zero token is 0/0) and γ must have C entries, else the same named error
 * naming the layer (`name`, default "rmsNorm"); the reference takes an (n × C) matrix and
 * { weight }, tfjs any tensor with a feature axis — a single token (C) included.
 * Shapes: x (n × C) or (C) → same shape; γ (C).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import { compareNested, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { rmsNorm as referenceRmsNorm } from '../../src/reference/rms-norm.js';
import '../../src/tfjs/index.js';
import { rmsNorm as tfjsRmsNorm } from '../../src/tfjs/rms-norm.js';

const x = [
  [3, 4, 0],
  [1, -1, 2],
]; // (2 × 3)
const weight = [1, 2, 0.5];
const tfjs = (xs: number[][], w: number[], eps?: number, name?: string) => tf.tidy(() => tfjsRmsNorm(tf.tensor2d(xs), { weight: tf.tensor1d(w) }, eps, name).arraySync());
const IMPLS = [
  ['reference', (xs: number[][], w: number[], eps?: number, name?: string) => referenceRmsNorm(xs, { weight: w }, eps, name)],
  ['tfjs', tfjs],
] as const;

describe('RMSNorm arguments, on the reference and tfjs', () => {
  it('ε = 0, < 0, NaN, ∞ or not a number: ArgumentError "rmsNorm: eps must be a finite number > 0 …, got ε"; a tiny ε > 0 is accepted', () => {
    for (const [impl, f] of IMPLS) {
      for (const eps of [0, -1e-6, NaN, Infinity, '1e-6' as unknown as number]) {
        expect(() => f(x, weight, eps), `${impl} eps ${eps}`).toThrow(ArgumentError);
        expect(() => f(x, weight, eps), `${impl} eps ${eps}`).toThrow(`rmsNorm: eps must be a finite number > 0 (with ε = 0 an all-zero token is 0/0), got ${eps}`);
      }
      expect(() => f(x, weight, 1e-300), `${impl} eps 1e-300`).not.toThrow();
    }
  });

  it('γ with the wrong number of entries: ShapeError naming both counts; the layer name given replaces "rmsNorm" in every message', () => {
    for (const [impl, f] of IMPLS) {
      expect(() => f(x, [1, 1]), impl).toThrow(ShapeError);
      expect(() => f(x, [1, 1]), impl).toThrow('rmsNorm: weight must have 3 entries (one per feature), got 2');
      expect(() => f(x, [1, 1], undefined, 'ln_f'), impl).toThrow('ln_f: weight must have 3 entries (one per feature), got 2');
      expect(() => f(x, weight, 0, 'ln_f'), impl).toThrow(/^ln_f: eps must be/);
    }
  });

  it('reference: x must be (n × C) and the parameters { weight: (C) }, each named', () => {
    expect(() => referenceRmsNorm([1, 2] as unknown as number[][], { weight: [1, 1] })).toThrow('rmsNorm input must be 2-D (rows × columns), got shape [2]');
    expect(() => referenceRmsNorm(x, {} as { weight: number[] })).toThrow(ArgumentError);
    expect(() => referenceRmsNorm(x, {} as { weight: number[] })).toThrow('rmsNorm: parameters must be { weight: (C) }, got {}');
    expect(() => referenceRmsNorm(x, undefined as unknown as { weight: number[] })).toThrow(/^rmsNorm: parameters must be \{ weight: \(C\) \}/);
  });

  it('tfjs: one token (C) is normalised like a one-row matrix; a scalar x or a 2-D γ is a ShapeError naming it', () => {
    const one = tf.tidy(() => tfjsRmsNorm(tf.tensor1d([3, 4]), { weight: tf.tensor1d([1, 1]) }).arraySync() as number[]);
    const c = compareNested(one, referenceRmsNorm([[3, 4]], { weight: [1, 1] })[0], TFJS_VS_REFERENCE.normalisation);
    expect(c.ok, c.message).toBe(true);
    expect(() => tf.tidy(() => tfjsRmsNorm(tf.scalar(1), { weight: tf.tensor1d([1]) }))).toThrow('rmsNorm input must have a feature axis, got shape []');
    expect(() => tf.tidy(() => tfjsRmsNorm(tf.tensor2d([[1, 2]]), { weight: tf.tensor2d([[1, 1]]) }))).toThrow('rmsNorm: weight must be 1-D (C), got shape [1, 2]');
  });

  it('the default ε is 1e-6 on both: an all-zero token gives zeros, and [3, 4] gives [3, 4]/√(12.5 + 1e-6)', () => {
    for (const [impl, f] of IMPLS) {
      const got = f([[0, 0], [3, 4]], [1, 1]) as number[][];
      expect(got[0], impl).toEqual([0, 0]);
      const r = Math.sqrt(12.5 + 1e-6);
      const c = compareNested(got[1], [3 / r, 4 / r], impl === 'tfjs' ? TFJS_VS_REFERENCE.normalisation : { atol: 1e-15, rtol: 1e-15 });
      expect(c.ok, `${impl}: ${c.message}`).toBe(true);
    }
  });
});
