/**
 * Layer normalisation in TensorFlow.js (float32); formula and conventions as
 * src/reference/layer-norm.ts: per token over its features, biased variance, ε = 1e-5 by default,
 *
 *   y = γ (x − μ)/√(σ² + ε) + β
 *
 * and the interview deck's simplified x̂ = (x − μ)/σ (ε = 0, no γ, β), which is undefined on a
 * constant row: the reference refuses such a row by name, and so does `layerNormSimplified` here,
 * with one asynchronous read of a per-row flag (never a synchronous read-back; see src/tfjs/index.ts).
 * Shapes: x (… × C) → (… × C); γ, β (C).
 *
 * Over the whole float32 range (src/core/numeric-conventions.ts, rule 3c): each row is first divided
 * by s = max(max_c |x_c|, 1), and ε by s². The formula is unchanged by it — (x − μ)/√(σ² + ε) is
 * the same for x/s, μ/s, σ²/s², ε/s² — but (x − μ)² can no longer overflow: LayerNorm([1e30, −1e30])
 * is [1, −1] as on the reference (σ² = 1e60 was +∞ in float32, and the row came out [0, 0]).
 * Rows with every |x_c| ≤ 1 are divided by 1: their values are exactly what they were.
 *
 * `normalizedDims` = k > 1 normalises the block of the last k axes together (nn.LayerNorm with a
 * normalized_shape of k axes): x is viewed as (… × ∏s), γ and β (of shape s₁ × … × s_k) as (∏s).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { checkNormalizedDims } from '../reference/trailing-axes.js';
import { lastDim } from './linear.js';

export interface TfLayerNormParams {
  weight: tf.Tensor;
  bias: tf.Tensor;
}

export function layerNorm(x: tf.Tensor, p: TfLayerNormParams | null, eps = 1e-5, name = 'layerNorm', normalizedDims = 1): tf.Tensor {
  if (checkNormalizedDims(normalizedDims, name) > 1) {
    const trailing = trailingShape(x, normalizedDims, name);
    if (p) for (const [k, t] of [['weight', p.weight], ['bias', p.bias]] as const) checkTrailingParameter(t, trailing, `${name}: ${k}`);
    const width = trailing.reduce((a, b) => a * b, 1);
    return tf.tidy(() => {
      const flatP = p ? { weight: tf.reshape(p.weight, [width]), bias: tf.reshape(p.bias, [width]) } : null; // (∏s)
      return tf.reshape(layerNorm(tf.reshape(x, [...x.shape.slice(0, x.rank - normalizedDims), width]), flatP, eps, name), x.shape); // (… × ∏s) → x's shape
    });
  }
  if (p && (p.weight.shape[0] !== lastDim(x) || p.bias.shape[0] !== lastDim(x))) throw new ShapeError(`${name}: weight and bias must have ${lastDim(x)} entries`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`${name}: eps must be a finite number ≥ 0, got ${eps}`);
  return tf.tidy(() => {
    const s = rowScale(x); // (… × 1), ≥ 1
    const y = tf.div(x, s); // |y| ≤ 1: no square below overflows
    const mean = tf.mean(y, -1, true); // μ/s per token
    const centred = tf.sub(y, mean);
    const variance = tf.mean(tf.square(centred), -1, true); // biased σ²/s²
    const xhat = tf.div(centred, tf.sqrt(tf.add(variance, tf.div(eps, tf.square(s))))); // ε/s²
    return p ? tf.add(tf.mul(xhat, p.weight), p.bias) : xhat;
  });
}

/**
 * s = max(max_c |x_c|, 1) per row (… × 1): dividing a row by it bounds every entry by 1, so squares
 * and means of squares stay finite; rows already within [−1, 1] get s = 1. Shared by the
 * normalisations (LayerNorm, RMSNorm) — src/core/numeric-conventions.ts, rule 3c.
 */
export function rowScale(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.maximum(tf.max(tf.abs(x), -1, true), 1));
}

/** x̂ = (x − μ)/σ per row; a constant row (σ = 0) is refused, as in the reference. */
export async function layerNormSimplified(x: tf.Tensor): Promise<tf.Tensor> {
  const constantRow = tf.tidy(() => tf.any(tf.equal(tf.max(x, -1), tf.min(x, -1)))); // one flag for all rows
  const [anyConstant] = await constantRow.data();
  constantRow.dispose();
  if (anyConstant) throw new ArgumentError('a row is constant: σ = 0, so (x − μ)/σ is undefined (LayerNorm\'s ε exists for this)');
  return layerNorm(x, null, 0);
}

/** The shape of x's last k axes, or a ShapeError when x has fewer. */
export function trailingShape(x: tf.Tensor, k: number, name: string): number[] {
  if (x.rank < k) throw new ShapeError(`${name}: input of shape ${formatShape(x.shape)} has fewer than normalizedDims = ${k} axes`, 'BAD_RANK');
  return x.shape.slice(x.rank - k);
}

/** A parameter must have the normalised axes' shape (as nn.LayerNorm's weight has normalized_shape). */
export function checkTrailingParameter(t: tf.Tensor, trailing: number[], what: string): void {
  if (t.rank !== trailing.length || t.shape.some((d, i) => d !== trailing[i])) throw new ShapeError(`${what} must have shape ${formatShape(trailing)} (the normalised axes), got ${formatShape(t.shape)}`);
}
