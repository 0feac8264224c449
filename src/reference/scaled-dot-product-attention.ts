/**
 * Scaled dot-product attention (Vaswani et al. 2017; interview deck "How to make Attention
 * Calculation"; course "The Scaled Dot-Product Attention Formula"):
 *
 *   Attention(Q, K, V) = softmax( Q Kᵀ / √d_k ) V
 *
 * Shapes:  Q (n_q × d_k),  K (n_k × d_k),  V (n_k × d_v)
 *          scores = Q Kᵀ (n_q × n_k),  weights (n_q × n_k),  output (n_q × d_v)
 *
 * The result is the output (n_q × d_v). With `steps: true` every intermediate step is returned
 * instead — scores → scaled → masked → weights → output — because the documents print them one by
 * one and `explain attention` shows them. Steps are opt-in so that a tfjs caller who keeps only the
 * output has nothing else to dispose (src/tfjs/scaled-dot-product-attention.ts, same names and
 * options).
 *
 * `scale`: true (default) divides by √d_k; false skips it (the course's "I love cats" example does
 * this on purpose); a number multiplies the scores by that factor (1/d_k reproduces the factor the
 * scratch tutorial's text states, so the two can be compared).
 * `mask`: 'causal', a boolean matrix (true = may attend) of shape n_q × n_k, or none.
 * `maskValue`: what masked scores become before softmax: −∞ (default, exact zero weight) or a large
 * negative number such as −1e9 (weight e^{−1e9} = 0 in float, but a fully masked row becomes
 * uniform instead of zero — see the edge-case specs).
 *
 * Inputs must be finite and within float32's range, and scores whose bound |scale|·Σ|q||k| passes
 * float32's largest value are refused with Float32RangeError — by every implementation, so that
 * q = [1e20, 0] against k = [1e20, 0] is one named error, not [1, 0] here and [∞, 1] on tfjs
 * (src/core/numeric-conventions.ts, rules 1, 3a and 3b).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { checkFloat32Values, checkScoreBound } from '../core/numeric-conventions.js';
import { asNumbers, float64, type Field } from './field.js';
import { matMulWith, transpose } from './linear-algebra.js';
import { causalMask, type BooleanMask } from './masks.js';
import { softmaxWith } from './softmax.js';

export interface AttentionOptions {
  scale?: boolean | number;
  mask?: 'causal' | BooleanMask | null;
  maskValue?: number;
  /** true: return every step (AttentionSteps); otherwise only the output. */
  steps?: boolean;
}

/** The options that ask for every step. */
export type WithSteps<O> = O & { steps: true };
/** The options that ask for the output only (the default). */
export type OutputOnly<O> = O & { steps?: false };

export interface AttentionSteps<M> {
  /** Q Kᵀ (n_q × n_k) */
  scores: M;
  /** scores × scale factor (n_q × n_k) */
  scaled: M;
  /** scaled with masked entries replaced by maskValue (n_q × n_k) */
  masked: M;
  /** row-wise softmax of masked (n_q × n_k) */
  weights: M;
  /** weights V (n_q × d_v) */
  output: M;
}

export function resolveMask(mask: AttentionOptions['mask'], nQ: number, nK: number): BooleanMask | null {
  if (mask == null) return null;
  if (mask === 'causal') return causalMask(nQ, nK);
  if (!Array.isArray(mask) || mask.length !== nQ || mask.some((r) => !Array.isArray(r) || r.length !== nK)) {
    throw new ShapeError(`mask must be 'causal' or a boolean matrix of shape ${nQ}×${nK} (queries × keys)`);
  }
  if (mask.some((r) => r.some((b) => typeof b !== 'boolean'))) throw new ArgumentError('mask entries must be booleans (true = may attend)');
  return mask;
}

export function resolveScale(scale: AttentionOptions['scale'], dK: number): number {
  if (scale === undefined || scale === true) return 1 / Math.sqrt(dK);
  if (scale === false) return 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new ArgumentError(`scale must be true, false or a finite positive number, got ${String(scale)}`);
  }
  return scale;
}

export function checkAttentionShapes(q: unknown, k: unknown, v: unknown): { nQ: number; nK: number; dK: number; dV: number } {
  const [nQ, dK] = assertMatrix(q, 'q');
  const [nK, dK2] = assertMatrix(k, 'k');
  const [nV, dV] = assertMatrix(v, 'v');
  if (dK !== dK2) throw new ShapeError(`q has d_k = ${dK} columns but k has ${dK2}: queries and keys must share d_k`);
  if (nK !== nV) throw new ShapeError(`k has ${nK} rows but v has ${nV}: every key needs exactly one value`);
  return { nQ, nK, dK, dV };
}

/**
 * Rules 3a and 3b of src/core/numeric-conventions.ts on plain numbers: q, k, v within float32's
 * range, and every score's bound |scale|·Σ|q||k| too. Every implementation runs it before computing
 * (tfjs on the host, before the upload).
 * @throws Float32RangeError
 */
export function checkAttentionRange(q: number[][], k: number[][], v: number[][], scale: number): void {
  checkFloat32Values(q, 'q');
  checkFloat32Values(k, 'k');
  checkFloat32Values(v, 'v');
  checkScoreBound(q, k, scale);
}

export function scaledDotProductAttentionWith<S>(F: Field<S>, q: Matrix<S>, k: Matrix<S>, v: Matrix<S>, options: WithSteps<AttentionOptions>): AttentionSteps<Matrix<S>>;
export function scaledDotProductAttentionWith<S>(F: Field<S>, q: Matrix<S>, k: Matrix<S>, v: Matrix<S>, options?: OutputOnly<AttentionOptions>): Matrix<S>;
export function scaledDotProductAttentionWith<S>(F: Field<S>, q: Matrix<S>, k: Matrix<S>, v: Matrix<S>, options?: AttentionOptions): AttentionSteps<Matrix<S>> | Matrix<S>;
export function scaledDotProductAttentionWith<S>(
  F: Field<S>,
  q: Matrix<S>,
  k: Matrix<S>,
  v: Matrix<S>,
  options: AttentionOptions = {},
): AttentionSteps<Matrix<S>> | Matrix<S> {
  const { nQ, nK, dK } = checkAttentionShapes(q, k, v);
  const mask = resolveMask(options.mask, nQ, nK);
  const maskValue = options.maskValue ?? -Infinity;
  if (Number.isNaN(maskValue) || maskValue > 0) throw new ArgumentError(`maskValue must be −∞ or a negative number, got ${maskValue}`);
  // The scale factor is formed in the field itself, so BigNumber sees 1/√d_k to 64 digits.
  const factor =
    options.scale === undefined || options.scale === true
      ? F.div(F.one, F.sqrt(F.from(dK)))
      : F.from(resolveScale(options.scale, dK));
  checkAttentionRange(asNumbers(F, q), asNumbers(F, k), asNumbers(F, v), F.toNumber(factor));

  const scores = matMulWith(F, q, transpose(k), ['q', 'kᵀ']); // (n_q × d_k)(d_k × n_k) → (n_q × n_k)
  const scaled = scores.map((row) => row.map((s) => F.mul(s, factor))); // (n_q × n_k)
  const fill = F.from(maskValue);
  const masked = mask ? scaled.map((row, i) => row.map((s, j) => (mask[i][j] ? s : fill))) : scaled; // (n_q × n_k)
  const weights = softmaxWith(F, masked, -1); // rows sum to 1 (n_q × n_k)
  const output = matMulWith(F, weights, v, ['weights', 'v']); // (n_q × n_k)(n_k × d_v) → (n_q × d_v)
  return options.steps ? { scores, scaled, masked, weights, output } : output;
}

export function scaledDotProductAttention(q: Matrix, k: Matrix, v: Matrix, options: WithSteps<AttentionOptions>): AttentionSteps<Matrix>;
export function scaledDotProductAttention(q: Matrix, k: Matrix, v: Matrix, options?: OutputOnly<AttentionOptions>): Matrix;
export function scaledDotProductAttention(q: Matrix, k: Matrix, v: Matrix, options?: AttentionOptions): AttentionSteps<Matrix> | Matrix;
export function scaledDotProductAttention(q: Matrix, k: Matrix, v: Matrix, options?: AttentionOptions): AttentionSteps<Matrix> | Matrix {
  return scaledDotProductAttentionWith(float64, q, k, v, options);
}
