/**
 * The LoRA branch's dropout (src/reference/lora.ts, src/tfjs/lora.ts): inverted dropout on the
 * branch input only, y = W₀x + b + (α/r)·((x ⊙ m) Aᵀ) Bᵀ with m_i ∈ {0, 1/(1 − p)} (PEFT's
 * lora_dropout is an nn.Dropout). The mask is read off each implementation's own output, never
 * compared with a mask drawn the same way:
 *
 *   loraDropoutMask(seed, n, d_in, p)            the reference's mask, directly
 *   loraLinear(1, {W₀ = 0, A = I_r, B = I_r}, α = r, dropout {p, seed})
 *                                                 = 0 + (1/1)·((1 ⊙ m) I) I = m, on both
 *                                                 implementations (d_in = d_out = r; products with
 *                                                 the identity and sums with 0 are exact)
 *
 * and checked for entries in {0, 1/(1 − p)} and a mean within 5σ of 1 (the binomial bound derived
 * in spec/_helpers/dropout-mask.ts).
 * Shapes: x (n × d_in) = (400 × 25): 10⁴ entries; A (r × d_in), B (d_out × r), r = d_in = d_out = 25.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loraDropoutMask, loraLinear, type LoraParams } from '../../src/reference/lora.js';
import '../../src/tfjs/index.js';
import { loraLinear as tfLoraLinear } from '../../src/tfjs/lora.js';
import { expectInvertedDropoutMask } from '../_helpers/dropout-mask.js';

const [N, R] = [400, 25];
const identity = Array.from({ length: R }, (_, i) => Array.from({ length: R }, (_, j) => (i === j ? 1 : 0)));
const zeros = Array.from({ length: R }, () => new Array<number>(R).fill(0));
const ones = Array.from({ length: N }, () => new Array<number>(R).fill(1));
const params: LoraParams<number> = { base: { weight: zeros }, A: identity, B: identity };

describe('LoRA branch dropout: the mask on the branch input has entries 0 or 1/(1 − p) and mean within 5σ of 1 (10⁴ entries)', () => {
  for (const p of [0.1, 0.3, 0.7]) {
    for (const seed of [5, 2 ** 31 - 1]) {
      it(`p = ${p}, seed ${seed}: loraDropoutMask, and the branch of loraLinear on x = 1 with A = B = I, α = r, W₀ = 0 (reference and tfjs)`, () => {
        expectInvertedDropoutMask(loraDropoutMask(seed, N, R, p).flat(), p, 'float64', 'reference loraDropoutMask');
        expectInvertedDropoutMask(loraLinear(ones, params, { alpha: R, dropout: { p, seed } }).flat(), p, 'float64', 'reference loraLinear branch');
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => {
          const t = { base: { weight: tf.tensor2d(zeros) }, A: tf.tensor2d(identity), B: tf.tensor2d(identity) };
          return tfLoraLinear(tf.ones([N, R]), t, { alpha: R, dropout: { p, seed } }).dataSync() as Float32Array;
        });
        expect(tf.memory().numTensors).toBe(before);
        expectInvertedDropoutMask(got, p, 'float32', 'tfjs loraLinear branch');
      });
    }
  }

  it('the base path never sees the mask: with A = 0 the output is W₀x + b exactly, whatever p', () => {
    const base = { weight: identity, bias: new Array<number>(R).fill(0.5) };
    const y = loraLinear(ones.slice(0, 4), { base, A: zeros, B: identity }, { alpha: R, dropout: { p: 0.7, seed: 5 } });
    expect(y).toEqual(Array.from({ length: 4 }, () => new Array<number>(R).fill(1.5)));
  });
});
