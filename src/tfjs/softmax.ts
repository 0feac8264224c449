/**
 * Softmax in TensorFlow.js (float32), same conventions as src/reference/softmax.ts:
 *
 *   softmax(x)_j = exp(x_j − m) / Σ_k exp(x_k − m),   m = max_k x_k   (along `axis`)
 *
 * −∞ entries get weight 0; an all −∞ slice gives zeros (not NaN); NaN/+∞ inputs are rejected.
 * Built from public ops only, inside tf.tidy, so it is differentiable and leaks nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../core/errors.js';
import { assertFinite, assertRankAtLeast, assertTensor } from './validate.js';

/** The maths without input checks, for use inside other ops that already validated. */
export function softmaxUnchecked(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.max(x, axis, true);
    const live = tf.isFinite(m); // false only for a fully masked (all −∞) slice
    const mSafe = tf.where(live, m, tf.zerosLike(m)); // fully masked slice: shift by 0
    const e = tf.exp(tf.sub(x, mSafe)); // exp(−∞) = 0
    const z = tf.sum(e, axis, true); // ≥ 1 whenever m is finite (the max term is e^0)
    // 0/1 = 0 instead of 0/0 = NaN. The condition is isFinite(m), not equal(z, 0): tfjs-core has no
    // gradient for Equal, and an Equal on the path from x to the loss would make tf.grads throw.
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
