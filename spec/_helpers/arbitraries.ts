/**
 * Shared fast-check arbitraries. Ranges match the tolerance policy's stated input ranges
 * (src/core/tolerance.ts: |x| ≤ 4, n ≤ 12, d ≤ 32).
 */
import { fc } from './property.js';

export type Matrix = number[][];
/** The value type of an arbitrary (checkProperty cannot infer its type arguments, so specs spell them out). */
export type Value<A> = A extends fc.Arbitrary<infer V> ? V : never;

/** A finite input value, |x| ≤ 4. */
export const value = fc.double({ min: -4, max: 4, noNaN: true });

export const matrixOf = (rows: number, cols: number, v: fc.Arbitrary<number> = value): fc.Arbitrary<Matrix> =>
  fc.array(fc.array(v, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });

/** Glorot-range weights, |w| ≤ √(6 / (fan_in + fan_out)): the scale real projections start at. */
export const weightsOf = (fanIn: number, fanOut: number): fc.Arbitrary<Matrix> => {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return matrixOf(fanIn, fanOut, fc.double({ min: -a, max: a, noNaN: true }));
};

/** Multi-head attention projections (R.MultiHeadParams): W_Q, W_K, W_V (d_model × d_attn), W_O (d_attn × d_out). */
export const mhaParamsOf = (dModel: number, dAttn: number, dOut: number): fc.Arbitrary<{ wQ: Matrix; wK: Matrix; wV: Matrix; wO: Matrix }> =>
  fc.record({ wQ: weightsOf(dModel, dAttn), wK: weightsOf(dModel, dAttn), wV: weightsOf(dModel, dAttn), wO: weightsOf(dAttn, dOut) });
