/**
 * The causal mask's own conventions, run by `npx vitest run spec/masks` (the argument checks were
 * tested only elsewhere, and tfjs's additive causalBias only in spec/blocks): on the reference and
 * tfjs, query i may attend key j when j ≤ i + (n_k − n_q); n_k defaults to n_q; n_q must be an
 * integer ≥ 1 and n_k an integer ≥ n_q, else a RangeArgumentError naming the argument. causalBias
 * is the same mask as an additive bias: 0 where allowed, −∞ elsewhere.
 * Shapes: (n_q × n_k).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RangeArgumentError } from '../../src/core/errors.js';
import { causalMask as referenceMask } from '../../src/reference/masks.js';
import '../../src/tfjs/index.js';
import { causalBias, causalMask as tfjsMask } from '../../src/tfjs/masks.js';

/** j ≤ i + (n_k − n_q), written out independently of either implementation. */
const expected = (nQ: number, nK: number) => Array.from({ length: nQ }, (_, i) => Array.from({ length: nK }, (_, j) => j - i <= nK - nQ));
function read<T>(f: () => tf.Tensor): T {
  const t = f();
  const out = t.arraySync() as unknown as T;
  t.dispose();
  return out;
}

describe('causal masks: shapes, the shifted diagonal and the argument checks, on the reference and tfjs', () => {
  const SHAPES: Array<[number, number]> = [[1, 1], [1, 4], [3, 3], [3, 5], [4, 7], [5, 5]];

  it('every (n_q, n_k) with n_k ≥ n_q: j ≤ i + (n_k − n_q), on both; causalBias is 0 there and −∞ elsewhere', () => {
    for (const [nQ, nK] of SHAPES) {
      const want = expected(nQ, nK);
      expect(referenceMask(nQ, nK), `reference ${nQ}×${nK}`).toEqual(want);
      expect(read<boolean[][]>(() => tfjsMask(nQ, nK)).map((r) => r.map(Boolean)), `tfjs ${nQ}×${nK}`).toEqual(want);
      const bias = read<number[][]>(() => causalBias(nQ, nK));
      expect(bias, `causalBias ${nQ}×${nK}`).toEqual(want.map((r) => r.map((ok) => (ok ? 0 : -Infinity))));
    }
  });

  it('n_k defaults to n_q (the lower triangle) on all three', () => {
    expect(referenceMask(4)).toEqual(expected(4, 4));
    expect(read<boolean[][]>(() => tfjsMask(4)).map((r) => r.map(Boolean))).toEqual(expected(4, 4));
    expect(read<number[][]>(() => causalBias(4))).toEqual(expected(4, 4).map((r) => r.map((ok) => (ok ? 0 : -Infinity))));
  });

  it('n_q not an integer ≥ 1, or n_k not an integer ≥ n_q: a RangeArgumentError naming the argument, on all three', () => {
    const makers = [['reference causalMask', referenceMask], ['tfjs causalMask', (q: number, k?: number) => tf.tidy(() => tfjsMask(q, k))], ['tfjs causalBias', (q: number, k?: number) => tf.tidy(() => causalBias(q, k))]] as const;
    for (const [name, make] of makers) {
      for (const nQ of [0, -1, 1.5, NaN]) {
        expect(() => make(nQ, 4), `${name} nQueries ${nQ}`).toThrow(RangeArgumentError);
        expect(() => make(nQ, 4), `${name} nQueries ${nQ}`).toThrow(`nQueries must be an integer ≥ 1, got ${nQ}`);
      }
      for (const [nQ, nK] of [[3, 2], [3, 3.5], [1, 0]]) {
        expect(() => make(nQ, nK), `${name} nKeys ${nK}`).toThrow(RangeArgumentError);
        expect(() => make(nQ, nK), `${name} nKeys ${nK}`).toThrow(`nKeys must be an integer ≥ nQueries (${nQ}) for a causal mask, got ${nK}`);
      }
      expect(() => make(1, 1), `${name} 1×1`).not.toThrow();
    }
  });
});
