/**
 * Dropout in TensorFlow.js (float32), "inverted" as in PyTorch and src/reference/dropout.ts: in
 * training each entry is kept with probability 1 − p and scaled by 1/(1 − p), so E[dropout(x)] = x;
 * in evaluation it is the identity (a copy). The mask is src/core/random.ts's dropoutMask, drawn on
 * the host from the seed and uploaded: the same seed gives the same mask as the reference, on
 * every backend, and nothing is read back from the device.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RangeArgumentError } from '../core/errors.js';
import { checkDropout, dropoutMask } from '../core/random.js';

export function dropout(x: tf.Tensor, p: number, options: { training: boolean; seed?: number }): tf.Tensor {
  checkDropout(p, options.seed);
  if (!options.training || p === 0) return x.clone();
  if (options.seed === undefined) throw new RangeArgumentError('dropout in training mode needs a seed (options.seed)');
  const mask = dropoutMask(x.size, p, options.seed);
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape, 'float32')));
}
