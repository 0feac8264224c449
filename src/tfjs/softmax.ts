/**
 * Softmax in TensorFlow.js (float32), same conventions as src/reference/softmax.ts:
 *
 *   softmax(x)_j = exp(x_j − m) / Σ_k exp(x_k − m),   m = max_k x_k   (along `axis`)
 *
 * −∞ entries get weight 0; an all −∞ slice gives zeros (not NaN); NaN/+∞ inputs are rejected.
 * Built from public ops only, inside tf.tidy, so it is differentiable and leaks nothing.
 *
 * A slice whose maximum is +∞ — which only float32 overflow inside another op can produce, since
 * inputs are checked — is not a masked slice: it comes out NaN, and the read-back refuses it by
 * name (src/core/numeric-conventions.ts, rules 2 and 4). It used to be shifted by 0 like a masked
 * slice, which turned scores [+∞, 0] into "weights" [∞, 1].
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../core/errors.js';
import { FLOAT32_MAX } from '../core/numeric-conventions.js';
import { assertFinite, assertRankAtLeast, assertTensor } from './validate.js';

/**
 * The maths without input checks, for use inside other ops that already validated.
 *
 * No −∞ enters the arithmetic: a masked entry is replaced by −FLOAT32_MAX before the max and the
 * subtraction, and its weight is set to 0 by selection. WebGL (SwiftShader, Chromium 156) does not
 * keep IEEE −∞ through a shader chain: softmax of a fully masked row of length ≥ 3, written as
 * exp(x − m) with m = max x = −∞ shifted by 0, came out [1, 1, 1] instead of zeros.
 * The conditions are GreaterEqual (tfjs-core has no gradient for Equal or Less, and a condition on
 * the path from x to the loss must have one, or tf.grads throws).
 */
export function softmaxUnchecked(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => {
    const masked = tf.greaterEqual(tf.neg(x), Infinity); // x = −∞ exactly (NaN compares false: it stays, and spreads)
    const xs = tf.where(masked, tf.fill(x.shape, -FLOAT32_MAX), x); // finite wherever x was −∞
    const m = tf.max(xs, axis, true); // finite, or +∞ / NaN (only from float32 overflow inside another op)
    const e = tf.where(masked, tf.zerosLike(x), tf.exp(tf.sub(xs, m))); // masked → 0
    const z = tf.sum(e, axis, true); // ≥ 1 when anything is allowed (the max term is e^0); 0 for a fully masked slice
    // 0/1 = 0 for a fully masked slice instead of 0/0; z = NaN (a +∞ maximum) stays NaN, refused on read-back.
    const zSafe = tf.where(tf.greaterEqual(tf.neg(z), 0), tf.onesLike(z), z);
    return tf.div(e, zSafe);
  });
}

export function softmax(x: tf.Tensor, axis: number = -1): tf.Tensor {
  assertTensor(x, 'x');
  assertRankAtLeast(x, 1, 'x');
  if (!Number.isInteger(axis) || axis < -x.rank || axis >= x.rank) {
    throw new ArgumentError(`softmax axis ${axis} is out of range for x of rank ${x.rank}`);
  }
  assertFinite(x, 'x', true);
  return softmaxUnchecked(x, axis);
}
