/**
 * Scaled dot-product attention in TensorFlow.js (float32); same formula, options and returned
 * steps as src/reference/scaled-dot-product-attention.ts:
 *
 *   Attention(Q, K, V) = softmax( Q Kᵀ / √d_k ) V
 *
 * Shapes: Q (…, n_q, d_k), K (…, n_k, d_k), V (…, n_k, d_v) with identical leading (batch/head)
 * dimensions; scores and weights (…, n_q, n_k); output (…, n_q, d_v).
 * Returns the output tensor; with `steps: true`, the five step tensors instead (the reference's
 * option and return shapes). The caller owns what is returned (dispose it, or call inside tf.tidy);
 * without `steps` the four intermediate tensors are freed here, so disposing the output leaks nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape, sameShape } from '../core/shape.js';
import type { AttentionOptions, AttentionSteps, OutputOnly, WithSteps } from '../reference/scaled-dot-product-attention.js';
import { resolveScale } from '../reference/scaled-dot-product-attention.js';
import { causalMask } from './masks.js';
import { softmaxUnchecked } from './softmax.js';
import { assertFinite, assertRankAtLeast, assertTensor } from './validate.js';

export type TfAttentionOptions = Omit<AttentionOptions, 'mask'> & { mask?: AttentionOptions['mask'] | tf.Tensor };

export function checkTensorAttentionShapes(q: unknown, k: unknown, v: unknown) {
  assertTensor(q, 'q');
  assertTensor(k, 'k');
  assertTensor(v, 'v');
  for (const [t, n] of [[q, 'q'], [k, 'k'], [v, 'v']] as const) assertRankAtLeast(t, 2, n);
  if (q.rank !== k.rank || k.rank !== v.rank) {
    throw new ShapeError(`q, k and v must have the same rank, got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  }
  const lead = (t: tf.Tensor) => t.shape.slice(0, -2);
  if (!sameShape(lead(q), lead(k)) || !sameShape(lead(k), lead(v))) {
    throw new ShapeError(`q, k and v must share leading (batch/head) dimensions, got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  }
  const [nQ, dK] = q.shape.slice(-2);
  const [nK, dK2] = k.shape.slice(-2);
  const [nV, dV] = v.shape.slice(-2);
  if (dK !== dK2) throw new ShapeError(`q has d_k = ${dK} columns but k has ${dK2}: queries and keys must share d_k`);
  if (nK !== nV) throw new ShapeError(`k has ${nK} rows but v has ${nV}: every key needs exactly one value`);
  return { nQ, nK, dK, dV };
}

function maskTensor(mask: TfAttentionOptions['mask'], nQ: number, nK: number): tf.Tensor | null {
  if (mask == null) return null;
  if (mask === 'causal') return causalMask(nQ, nK);
  if (mask instanceof tf.Tensor) {
    if (mask.dtype !== 'bool') throw new ArgumentError(`mask tensor must have dtype bool (true = may attend), got ${mask.dtype}`);
    if (!sameShape(mask.shape.slice(-2), [nQ, nK])) throw new ShapeError(`mask must end in shape [${nQ}, ${nK}] (queries × keys), got ${formatShape(mask.shape)}`);
    return mask.clone();
  }
  if (!Array.isArray(mask) || mask.length !== nQ || mask.some((r) => !Array.isArray(r) || r.length !== nK)) {
    throw new ShapeError(`mask must be 'causal' or a boolean matrix of shape ${nQ}×${nK} (queries × keys)`);
  }
  if (mask.some((r) => r.some((b) => typeof b !== 'boolean'))) throw new ArgumentError('mask entries must be booleans (true = may attend)');
  return tf.tensor2d(mask.map((r) => r.map((b) => (b ? 1 : 0))), [nQ, nK], 'bool');
}

/** Attention without input validation: for use by layers that have validated already. */
export function attentionUnchecked(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, factor: number, mask: tf.Tensor | null, maskValue: number): AttentionSteps<tf.Tensor> {
  return tf.tidy((): tf.TensorContainer => {
    // Explicit transpose: wasm's matMul with transposeB is 10–60× slower than a plain product.
    const perm = [...Array.from({ length: k.rank - 2 }, (_, i) => i), k.rank - 1, k.rank - 2];
    const scores = tf.matMul(q, tf.transpose(k, perm)); // (…, n_q, d_k)(…, d_k, n_k) → (…, n_q, n_k)
    const scaled = factor === 1 ? scores.clone() : tf.mul(scores, tf.scalar(factor)); // (…, n_q, n_k)
    const masked = mask ? tf.where(tf.broadcastTo(mask, scaled.shape), scaled, tf.fill(scaled.shape, maskValue)) : scaled.clone(); // (…, n_q, n_k)
    const weights = softmaxUnchecked(masked, -1); // rows sum to 1, (…, n_q, n_k)
    const output = tf.matMul(weights, v); // (…, n_q, n_k)(…, n_k, d_v) → (…, n_q, d_v)
    return { scores, scaled, masked, weights, output };
  }) as unknown as AttentionSteps<tf.Tensor>;
}

export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: WithSteps<TfAttentionOptions>): AttentionSteps<tf.Tensor>;
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: OutputOnly<TfAttentionOptions>): tf.Tensor;
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: TfAttentionOptions): AttentionSteps<tf.Tensor> | tf.Tensor;
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: TfAttentionOptions = {}): AttentionSteps<tf.Tensor> | tf.Tensor {
  const { nQ, nK, dK } = checkTensorAttentionShapes(q, k, v);
  assertFinite(q, 'q');
  assertFinite(k, 'k');
  assertFinite(v, 'v');
  const maskValue = options.maskValue ?? -Infinity;
  if (Number.isNaN(maskValue) || maskValue > 0) throw new ArgumentError(`maskValue must be −∞ or a negative number, got ${maskValue}`);
  const factor = resolveScale(options.scale, dK);
  const mask = maskTensor(options.mask, nQ, nK);
  try {
    if (options.steps) return attentionUnchecked(q, k, v, factor, mask, maskValue);
    return tf.tidy(() => attentionUnchecked(q, k, v, factor, mask, maskValue).output); // the other steps are freed here
  } finally {
    mask?.dispose();
  }
}
