/**
 * LayerNorm's conventions at float32's edges, run by `npx vitest run spec/layer-norm` itself (they
 * were tested only in spec/errors/numerics.spec.ts, rule 3c): normalisation agrees over the whole
 * float32 range on every implementation — a row is scaled before its variance is formed, so
 * [1e30, −1e30] gives [1, −1] (to ε), not the [0, 0] of a float32 overflow — and NaN/±∞ inputs are
 * refused with NonFiniteError. Shapes: x (n × C) → (n × C).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, NonFiniteError, ShapeError } from '../../src/core/errors.js';
import { compareNested, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { highPrecisionImpl, referenceImpl, tfjsImpl } from '../../src/ops/implementations.js';
import { asNumbers } from '../../src/reference/field.js';
import { layerNorm as referenceLayerNorm, layerNormSimplified as referenceSimplified } from '../../src/reference/layer-norm.js';
import '../../src/tfjs/index.js';
import { layerNorm as tfjsLayerNorm, layerNormSimplified as tfjsSimplified } from '../../src/tfjs/layer-norm.js';
import { backendReport } from '../_helpers/setup.js';

const tfImpl = tfjsImpl(backendReport);
const IMPLS = [referenceImpl, highPrecisionImpl, tfImpl] as const;

async function thrown(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('LayerNorm at the edges of float32, on the reference, the BigNumber oracle and tfjs', () => {
  it('[1e30, −1e30] and [3e38, −3e38, 0] normalise to [1, −1] and [1.2247, −1.2247, 0] (to ε), not to zeros', async () => {
    const x = [[1e30, -1e30]];
    const y = [[3e38, -3e38, 0]];
    for (const impl of IMPLS) {
      const a = asNumbers(impl.F, await impl.layerNorm(impl.lift(x), null));
      expect(compareNested(a, [[1, -1]], TFJS_VS_REFERENCE.default).ok, `${impl.name}: ${JSON.stringify(a)}`).toBe(true);
      const b = asNumbers(impl.F, await impl.layerNorm(impl.lift(y), null));
      expect(compareNested(b, [[Math.sqrt(1.5), -Math.sqrt(1.5), 0]], TFJS_VS_REFERENCE.default).ok, `${impl.name}: ${JSON.stringify(b)}`).toBe(true);
    }
  });

  it('NaN, +∞ and −∞ are refused with NonFiniteError by the reference and tfjs (no −∞ "mask" meaning here)', async () => {
    for (const impl of [referenceImpl, tfImpl]) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        expect(await thrown(() => impl.layerNorm([[1, bad, 0]], null)), `${impl.name} ${bad}`).toBeInstanceOf(NonFiniteError);
      }
    }
  });
});

describe('LayerNorm arguments and the ε = 0 convention, on the reference and tfjs', () => {
  const x = [
    [1, 2, 4],
    [0, -1, 3],
  ]; // (2 × 3)
  type P = { weight: number[]; bias: number[] } | null;
  const IMPLS = [
    ['reference', (xs: number[][], p: P, eps?: number, name?: string) => referenceLayerNorm(xs, p, eps, name)],
    ['tfjs', (xs: number[][], p: P, eps?: number, name?: string) => tf.tidy(() => tfjsLayerNorm(tf.tensor2d(xs), p && { weight: tf.tensor1d(p.weight), bias: tf.tensor1d(p.bias) }, eps, name).arraySync())],
  ] as const;

  it('ε < 0, NaN or ∞: ArgumentError "layerNorm: eps must be a finite number ≥ 0, got ε" (the name given replaces "layerNorm"); ε = 0 is allowed', () => {
    for (const [impl, f] of IMPLS) {
      for (const eps of [-1e-5, NaN, Infinity]) {
        expect(() => f(x, null, eps), `${impl} eps ${eps}`).toThrow(ArgumentError);
        expect(() => f(x, null, eps), `${impl} eps ${eps}`).toThrow(`layerNorm: eps must be a finite number ≥ 0, got ${eps}`);
      }
      expect(() => f(x, null, -1, 'ln_1'), impl).toThrow(/^ln_1: eps must be/);
      expect(() => f(x, null, 0), `${impl} eps 0`).not.toThrow();
    }
  });

  it('γ or β with the wrong number of entries: ShapeError naming C, on both', () => {
    for (const [impl, f] of IMPLS) {
      for (const p of [{ weight: [1, 1], bias: [0, 0, 0] }, { weight: [1, 1, 1], bias: [0, 0] }]) {
        expect(() => f(x, p), `${impl} ${JSON.stringify(p)}`).toThrow(ShapeError);
        expect(() => f(x, p, undefined, 'ln_f'), `${impl} ${JSON.stringify(p)}`).toThrow(/^ln_f: weight and bias must have 3 entries/);
      }
    }
    expect(() => referenceLayerNorm(x, { weight: [1, 1], bias: [0, 0, 0] })).toThrow('layerNorm: weight and bias must have 3 entries (one per feature), got 2 and 3');
  });

  it('reference: the input is named "layerNorm input" in its shape and value errors', () => {
    expect(() => referenceLayerNorm([1, 2] as unknown as number[][], null)).toThrow(/^layerNorm input must be 2-D/);
    expect(() => referenceLayerNorm([[1, NaN]], null)).toThrow(/^layerNorm input\[0\]\[1\] is NaN/);
  });

  it('tfjs: a rank-3 input (B × T × C) is normalised along its last axis', () => {
    const x3 = [x, x.map((r) => r.map((v) => 2 * v + 1))];
    const got = tf.tidy(() => tfjsLayerNorm(tf.tensor3d(x3), null).arraySync() as number[][][]);
    x3.forEach((m, b) => {
      const c = compareNested(got[b], referenceLayerNorm(m, null), TFJS_VS_REFERENCE.normalisation);
      expect(c.ok, `batch ${b}: ${c.message}`).toBe(true);
    });
  });

  it('the simplified x̂ = (x − μ)/σ (no ε) refuses a constant row by name, on both; other rows normalise to mean 0, variance 1', async () => {
    expect(() => referenceSimplified([[1, 2], [3, 3]])).toThrow(ArgumentError);
    expect(() => referenceSimplified([[1, 2], [3, 3]])).toThrow("row 1 is constant: σ = 0, so (x − μ)/σ is undefined (LayerNorm's ε exists for this)");
    const t = tf.tensor2d([[1, 2], [3, 3]]);
    await expect(tfjsSimplified(t)).rejects.toThrow("a row is constant: σ = 0, so (x − μ)/σ is undefined (LayerNorm's ε exists for this)");
    t.dispose();
    expect(referenceSimplified([[1, 3], [-2, 2]])).toEqual([[-1, 1], [-1, 1]]);
    const ok = tf.tensor2d([[1, 3], [-2, 2]]);
    const y = await tfjsSimplified(ok);
    const c = compareNested(y.arraySync() as number[][], [[-1, 1], [-1, 1]], TFJS_VS_REFERENCE.normalisation);
    expect(c.ok, c.message).toBe(true);
    tf.dispose([ok, y]);
  });
});
