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

/** The maths without input checks, for use inside other ops that already validated. */
export function softmaxUnchecked(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.max(x, axis, true);
    // false only for a fully masked (all −∞) slice: m ≥ the lowest finite float32 holds for every
    // finite m and for +∞ (which then makes the slice NaN below, as it must).
    const live = tf.greaterEqual(m, -FLOAT32_MAX);
    const mSafe = tf.where(live, m, tf.zerosLike(m)); // fully masked slice: shift by 0
    const e = tf.exp(tf.sub(x, mSafe)); // exp(−∞) = 0
    const z = tf.sum(e, axis, true); // ≥ 1 whenever m is finite (the max term is e^0)
    // 0/1 = 0 instead of 0/0 = NaN. The condition is GreaterEqual on m, not equal(z, 0): tfjs-core
    // has no gradient for Equal, and an Equal on the path from x to the loss would make tf.grads throw.
    const zSafe = tf.where(live, z, tf.onesLike(z));
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
