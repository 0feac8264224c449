/**
 * LayerNorm over several trailing axes (nn.LayerNorm(normalized_shape) with a shape of k axes) and
 * the named epsilons (issue 15, item 6), on the float64 reference and tfjs:
 *
 *   layerNorm(x, p, ε, name, k) normalises each block of the last k axes as one vector:
 *     = layerNorm over the flattened block, with γ and β flattened the same way;
 *     without affine, each block has mean 0 and variance σ²/(σ² + ε)
 *   NORM_EPS names each model family's ε with its config field and default
 *
 * Parity: fixtures/llm/layer-norm-2d.safetensors (nn.LayerNorm((3, 4), eps=1e-12), BERT's ε).
 * Shapes: x (… × s₁ × … × s_k), γ, β (s₁ × … × s_k). Tolerances: EXACT, TFJS_VS_REFERENCE.normalisation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RangeArgumentError, ShapeError } from '../../src/core/errors.js';
import { NORM_EPS } from '../../src/core/norm-conventions.js';
import { layerNormParameters } from '../../src/core/parameter-accounting.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { describeLayerParity, layerFixture } from '../_helpers/layer-parity.js';
import { backendReport } from '../_helpers/setup.js';

type Value<A> = A extends fc.Arbitrary<infer V> ? V : never;
type M3 = number[][][];
/** The reference over the last k axes: x and the result of rank 3 here (the declared types are those of k = 1). */
const ln3 = (x: unknown, p: unknown, eps: number, k: number): M3 => R.layerNorm(x as never, p as never, eps, 'ln', k) as unknown as M3;
const value = fc.double({ min: -4, max: 4, noNaN: true });
const spread = (v: number[]) => Math.max(...v) - Math.min(...v) > 0.5;
/** x of shape (n × a × b) with every (a × b) block spread out, γ and β of shape (a × b). */
const args = fc.record({ n: fc.integer({ min: 1, max: 5 }), a: fc.integer({ min: 1, max: 4 }), b: fc.integer({ min: 2, max: 5 }) }).chain(({ n, a, b }) => {
  const block = fc.array(fc.array(value, { minLength: b, maxLength: b }), { minLength: a, maxLength: a }).filter((m) => spread(m.flat()));
  return fc.record({ x: fc.array(block, { minLength: n, maxLength: n }), weight: block, bias: block, eps: fc.constantFrom(1e-5, 1e-12, 1e-6) });
});

describe('LayerNorm over the last two axes', () => {
  it('reference: each (a × b) block is LayerNorm of the flattened block, γ and β flattened alike', () => {
    checkProperty<[Value<typeof args>]>('trailing axes = flattened block', args, ({ x, weight, bias, eps }) => {
      const y = ln3(x, { weight, bias }, eps, 2);
      const flat = R.layerNorm(x.map((m) => m.flat()), { weight: weight.flat(), bias: bias.flat() }, eps);
      expect(compareNested(y.map((m) => m.flat()), flat, EXACT.reference).ok).toBe(true);
    });
  });

  it('reference: without affine each block has mean 0 and variance σ²/(σ² + ε)', () => {
    checkProperty<[Value<typeof args>]>('block statistics', args, ({ x, eps }) => {
      ln3(x, null, eps, 2).forEach((m, i) => {
        const v = m.flat();
        const src = x[i].flat();
        const mu = src.reduce((s, t) => s + t, 0) / src.length;
        const s2 = src.reduce((s, t) => s + (t - mu) ** 2, 0) / src.length;
        expect(Math.abs(v.reduce((s, t) => s + t, 0) / v.length)).toBeLessThan(1e-12);
        expect(compareNested([v.reduce((s, t) => s + t * t, 0) / v.length], [s2 / (s2 + eps)], EXACT.reference).ok).toBe(true);
      });
    });
  });

  it(`tfjs (${backendReport.choice}) matches the reference over the last two axes`, () => {
    checkProperty<[Value<typeof args>]>('tfjs trailing axes', args, ({ x, weight, bias, eps }) => {
      const got = tf.tidy(() => T.layerNorm(tf.tensor3d(x), { weight: tf.tensor2d(weight), bias: tf.tensor2d(bias) }, eps, 'ln', 2).arraySync());
      const c = compareNested(got, ln3(x, { weight, bias }, eps, 2), TFJS_VS_REFERENCE.normalisation);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('bad input: k beyond the input\'s rank, γ of the wrong shape, k not an integer ≥ 1 are named errors on both implementations', () => {
    const x = [[[1, 2], [3, 4]]]; // (1 × 2 × 2)
    expect(() => ln3(x, null, 1e-5, 4)).toThrow(ShapeError);
    expect(() => ln3(x, { weight: [1, 1, 1, 1], bias: [0, 0, 0, 0] }, 1e-5, 2)).toThrow(/weight must have shape \[2, 2\]/);
    expect(() => ln3(x, null, 1e-5, 0)).toThrow(RangeArgumentError);
    const t = tf.tensor3d(x);
    expect(() => T.layerNorm(t, null, 1e-5, 'ln', 4)).toThrow(ShapeError);
    expect(() => T.layerNorm(t, null, 1e-5, 'ln', 1.5)).toThrow(RangeArgumentError);
    t.dispose();
  });
});

describe('named epsilons: each model family\'s ε, its config field and its default', () => {
  it('BERT 1e-12 (layer_norm_eps), GPT-2 1e-5 (layer_norm_epsilon), nn.LayerNorm 1e-5, LLaMA/Mistral/Qwen2 1e-6 (rms_norm_eps; LLaMA-2 and Mistral-7B checkpoints set 1e-5)', () => {
    expect(NORM_EPS.bert).toMatchObject({ eps: 1e-12, field: 'layer_norm_eps', norm: 'layernorm' });
    expect(NORM_EPS.gpt2).toMatchObject({ eps: 1e-5, field: 'layer_norm_epsilon', norm: 'layernorm' });
    expect(NORM_EPS.torch).toMatchObject({ eps: 1e-5, norm: 'layernorm' });
    for (const k of ['llama', 'mistral', 'qwen2'] as const) expect(NORM_EPS[k]).toMatchObject({ eps: 1e-6, field: 'rms_norm_eps', norm: 'rmsnorm' });
    expect(R.layerNorm([[1, 2]], null)).toEqual(R.layerNorm([[1, 2]], null, NORM_EPS.torch.eps)); // the layer's own default is PyTorch's
  });
});

describe('layer-norm-2d: the PyTorch fixture (nn.LayerNorm((3, 4)), ε = 1e-12)', () => {
  it('was exported with normalized_shape [3, 4], BERT\'s ε, γ and β of shape (3 × 4); numel = layerNormParameters([3, 4])', () => {
    const f = layerFixture('llm/layer-norm-2d');
    expect(f.config.normalized_shape).toEqual([3, 4]);
    expect(f.config.eps).toBe(NORM_EPS.bert.eps);
    expect(f.param.get('weight')!.shape).toEqual([3, 4]);
    expect(BigInt([...f.param.values()].reduce((s, t) => s + t.values.length, 0))).toBe(layerNormParameters([3, 4]));
  });
});

describeLayerParity('llm/layer-norm-2d');
