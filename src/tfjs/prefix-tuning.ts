/**
 * Prefix tuning in TensorFlow.js: one head group's attention with the layer's prefix keys/values
 * in front of its own. Formula, positions and mask: src/reference/prefix-tuning.ts.
 *
 *   q, k, v (B × H × T × hs);  prefix keys/values of the layer (P × H·hs)
 *   K' = [P^K; k], V' = [P^V; v]  (B × H × P+T × hs);  query i sees keys j ≤ i + P
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { causalMask } from './masks.js';
import { attentionUnchecked } from './scaled-dot-product-attention.js';

export function prefixAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, prefixKeys: tf.Tensor, prefixValues: tf.Tensor): tf.Tensor {
  const [B, H, T, hs] = q.shape as [number, number, number, number];
  const P = prefixKeys.shape[0]!;
  if (prefixKeys.rank !== 2 || prefixKeys.shape[1] !== H * hs || !prefixValues.shape.every((s, i) => s === prefixKeys.shape[i])) {
    throw new ShapeError(`prefix keys and values must both be (P × ${H * hs}), got [${prefixKeys.shape}] and [${prefixValues.shape}]`);
  }
  return tf.tidy(() => {
    const heads = (m: tf.Tensor) => tf.tile(tf.expandDims(tf.transpose(tf.reshape(m, [P, H, hs]), [1, 0, 2]), 0), [B, 1, 1, 1]); // (P × H·hs) → (B × H × P × hs)
    const K = tf.concat([heads(prefixKeys), k], 2); // (B × H × P+T × hs)
    const V = tf.concat([heads(prefixValues), v], 2);
    return attentionUnchecked(q, K, V, 1 / Math.sqrt(hs), causalMask(T, P + T), -Infinity).output; // (B × H × T × hs)
  });
}
