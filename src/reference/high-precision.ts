/**
 * The high-precision oracle: the reference formulas evaluated with mathjs BigNumber at
 * HIGH_PRECISION_DIGITS (64) significant digits. Same names and argument order as the float64
 * reference and the tfjs implementation; scalars are BigNumbers.
 */
import type { BigNumber } from 'mathjs';
import type { Matrix } from '../core/shape.js';
import { bignumber } from './field.js';
import { matMulWith } from './linear-algebra.js';
import { softmaxWith, type SoftmaxAxis } from './softmax.js';
import { scaledDotProductAttentionWith, type AttentionOptions, type AttentionSteps, type OutputOnly, type WithSteps } from './scaled-dot-product-attention.js';
import { multiHeadAttentionWith, type MultiHeadOptions, type MultiHeadParams } from './multi-head-attention.js';
import { sinusoidalEncodingWith, type PositionalEncodingOptions } from './sinusoidal-encoding.js';
import { ropeWith, type RopeOptions } from './rope.js';

export type Big = BigNumber;
export const toBig = (m: number[][]): Matrix<Big> => m.map((r) => r.map((x) => bignumber.from(x)));
export const toNumbers = (m: Matrix<Big>): number[][] => m.map((r) => r.map((x) => x.toNumber()));

export const matMul = (a: Matrix<Big>, b: Matrix<Big>) => matMulWith(bignumber, a, b);
export const softmax = (x: Matrix<Big>, axis: SoftmaxAxis = -1) => softmaxWith(bignumber, x, axis);
export function scaledDotProductAttention(q: Matrix<Big>, k: Matrix<Big>, v: Matrix<Big>, options: WithSteps<AttentionOptions>): AttentionSteps<Matrix<Big>>;
export function scaledDotProductAttention(q: Matrix<Big>, k: Matrix<Big>, v: Matrix<Big>, options?: OutputOnly<AttentionOptions>): Matrix<Big>;
export function scaledDotProductAttention(q: Matrix<Big>, k: Matrix<Big>, v: Matrix<Big>, options?: AttentionOptions): AttentionSteps<Matrix<Big>> | Matrix<Big> {
  return scaledDotProductAttentionWith(bignumber, q, k, v, options);
}
export const multiHeadAttention = (xQ: Matrix<Big>, xKV: Matrix<Big>, params: MultiHeadParams<Big>, options: MultiHeadOptions) =>
  multiHeadAttentionWith(bignumber, xQ, xKV, params, options);
export const sinusoidalEncoding = (positions: number | readonly number[], dModel: number, options?: PositionalEncodingOptions) =>
  sinusoidalEncodingWith(bignumber, positions, dModel, options);
export const rope = (x: Matrix<Big>, options?: RopeOptions) => ropeWith(bignumber, x, options);
