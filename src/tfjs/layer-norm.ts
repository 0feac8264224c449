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
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../core/errors.js';
import { lastDim } from './linear.js';

export interface TfLayerNormParams {
  weight: tf.Tensor;
  bias: tf.Tensor;
}

export function layerNorm(x: tf.Tensor, p: TfLayerNormParams | null, eps = 1e-5, name = 'layerNorm'): tf.Tensor {
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
