/**
 * RMSNorm over several trailing axes (issue 15, item 6), on the float64 reference and tfjs:
 *
 *   rmsNorm(x, p, ε, name, k) = RMSNorm of each flattened block of the last k axes, γ flattened alike;
 *   with γ = 1 the squares of a block average to m/(m + ε), m = its mean square
 *
 * Parity: fixtures/llm/rms-norm-2d.safetensors (RMSNorm over (3, 4), ε = 1e-5: LLaMA 2's rms_norm_eps).
 * Shapes: x (… × s₁ × … × s_k), γ (s₁ × … × s_k). Tolerances: EXACT, TFJS_VS_REFERENCE.normalisation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/core/errors.js';
import { rmsNormParameters } from '../../src/core/parameter-accounting.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { describeLayerParity, layerFixture } from '../_helpers/layer-parity.js';
import { backendReport } from '../_helpers/setup.js';

type Value<A> = A extends fc.Arbitrary<infer V> ? V : never;
type M3 = number[][][];
/** The reference over the last k axes: x and the result of rank 3 here (the declared types are those of k = 1). */
const rms3 = (x: unknown, p: unknown, eps: number, k: number): M3 => R.rmsNorm(x as never, p as never, eps, 'rms', k) as unknown as M3;
const value = fc.double({ min: -4, max: 4, noNaN: true });
const args = fc.record({ n: fc.integer({ min: 1, max: 5 }), a: fc.integer({ min: 1, max: 4 }), b: fc.integer({ min: 1, max: 5 }) }).chain(({ n, a, b }) => {
  const block = fc.array(fc.array(value, { minLength: b, maxLength: b }), { minLength: a, maxLength: a });
  return fc.record({ x: fc.array(block.filter((m) => m.flat().some((v) => Math.abs(v) > 0.1)), { minLength: n, maxLength: n }), weight: block, eps: fc.constantFrom(1e-5, 1e-6) });
});

describe('RMSNorm over the last two axes', () => {
  it('reference: each (a × b) block is RMSNorm of the flattened block, γ flattened alike; with γ = 1 the mean square is m/(m + ε)', () => {
    checkProperty<[Value<typeof args>]>('rms trailing axes', args, ({ x, weight, eps }) => {
      const y = rms3(x, { weight }, eps, 2);
      expect(compareNested(y.map((m) => m.flat()), R.rmsNorm(x.map((m) => m.flat()), { weight: weight.flat() }, eps), EXACT.reference).ok).toBe(true);
      rms3(x, { weight: weight.map((r) => r.map(() => 1)) }, eps, 2).forEach((m, i) => {
        const ms = (v: number[]) => v.reduce((s, t) => s + t * t, 0) / v.length;
        const src = ms(x[i].flat());
        expect(compareNested([ms(m.flat())], [src / (src + eps)], EXACT.reference).ok).toBe(true);
      });
    });
  });

  it(`tfjs (${backendReport.choice}) matches the reference; γ of the wrong shape is a ShapeError on both`, () => {
    checkProperty<[Value<typeof args>]>('tfjs rms trailing axes', args, ({ x, weight, eps }) => {
      const got = tf.tidy(() => T.rmsNorm(tf.tensor3d(x), { weight: tf.tensor2d(weight) }, eps, 'rms', 2).arraySync());
      const c = compareNested(got, rms3(x, { weight }, eps, 2), TFJS_VS_REFERENCE.normalisation);
      expect(c.ok, c.message).toBe(true);
    });
    expect(() => rms3([[[1, 2], [3, 4]]], { weight: [1, 1, 1, 1] }, 1e-6, 2)).toThrow(ShapeError);
    const [t, w] = [tf.tensor3d([[[1, 2], [3, 4]]]), tf.tensor1d([1, 1, 1, 1])];
    expect(() => T.rmsNorm(t, { weight: w }, 1e-6, 'rms', 2)).toThrow(ShapeError);
    tf.dispose([t, w]);
  });

  it('the fixture: RMSNorm over (3, 4), ε = 1e-5, γ (3 × 4), numel = rmsNormParameters([3, 4])', () => {
    const f = layerFixture('llm/rms-norm-2d');
    expect(f.config.normalized_shape).toEqual([3, 4]);
    expect(f.config.eps).toBe(1e-5);
    expect(BigInt(f.param.get('weight')!.values.length)).toBe(rmsNormParameters([3, 4]));
  });
});

describeLayerParity('llm/rms-norm-2d');
