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
    const mean = tf.mean(x, -1, true); // μ per token
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true); // biased σ²
    const xhat = tf.div(centred, tf.sqrt(tf.add(variance, eps)));
    return p ? tf.add(tf.mul(xhat, p.weight), p.bias) : xhat;
  });
}

/** x̂ = (x − μ)/σ per row; a constant row (σ = 0) is refused, as in the reference. */
export async function layerNormSimplified(x: tf.Tensor): Promise<tf.Tensor> {
  const constantRow = tf.tidy(() => tf.any(tf.equal(tf.max(x, -1), tf.min(x, -1)))); // one flag for all rows
  const [anyConstant] = await constantRow.data();
  constantRow.dispose();
  if (anyConstant) throw new ArgumentError('a row is constant: σ = 0, so (x − μ)/σ is undefined (LayerNorm\'s ε exists for this)');
  return layerNorm(x, null, 0);
}
