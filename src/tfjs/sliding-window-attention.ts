/**
 * Sliding-window causal attention in TensorFlow.js (float32); the rule, the shapes and the errors
 * are those of src/reference/sliding-window-attention.ts:
 *
 *   allowed(i, j)  ⇔  p − w < j ≤ p,   p = i + (n_k − n_q)
 *   Attention_w(Q, K, V) = softmax( (Q Kᵀ / √d_k) with disallowed scores set to −∞ ) V
 *
 * Disallowed weights are exactly 0 (e^{−∞}); w ≥ n_k gives the causal mask. This is the standard
 * attention with a banded mask (it still forms n_q × n_k scores): for the O(n·w) form, pass
 * `mask: { window: w }` to tiledAttention (src/tfjs/tiled-attention.ts), which skips every tile
 * outside the band. Shapes: Q (…, n_q, d_k), K (…, n_k, d_k), V (…, n_k, d_v); mask (n_q × n_k).
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkWindow, inWindow, slidingWindowMask as referenceMask, type SlidingWindowOptions } from '../reference/sliding-window-attention.js';
import type { AttentionSteps } from '../reference/scaled-dot-product-attention.js';
import { checkTensorAttentionShapes, scaledDotProductAttention } from './scaled-dot-product-attention.js';

/** The (n_q × n_k) boolean mask tensor, true = may attend; written directly (no broadcasting ops). */
export function slidingWindowMask(nQueries: number, nKeys: number, window: number): tf.Tensor2D {
  checkWindow(window);
  if (!Number.isInteger(nQueries) || !Number.isInteger(nKeys) || nQueries < 1 || nKeys < nQueries) referenceMask(nQueries, nKeys, window); // throws the reference's named error
  const values = new Uint8Array(nQueries * nKeys);
  const offset = nKeys - nQueries;
  for (let i = 0; i < nQueries; i++) for (let j = 0; j < nKeys; j++) values[i * nKeys + j] = inWindow(i, j, offset, window) ? 1 : 0;
  return tf.tensor2d(values, [nQueries, nKeys], 'bool');
}

export function slidingWindowAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: SlidingWindowOptions): AttentionSteps<tf.Tensor> {
  const { nQ, nK } = checkTensorAttentionShapes(q, k, v);
  const mask = slidingWindowMask(nQ, nK, options?.window);
  try {
    return scaledDotProductAttention(q, k, v, { scale: options.scale, mask, steps: true }); // weights (…, n_q, n_k), output (…, n_q, d_v)
  } finally {
    mask.dispose();
  }
}
