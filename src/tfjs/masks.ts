/**
 * Causal mask as a boolean tensor (true = may attend): query i may attend key j when
 * j ≤ i + (n_k − n_q). See src/reference/masks.ts for the reasoning.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RangeArgumentError } from '../core/errors.js';

export function causalMask(nQueries: number, nKeys: number = nQueries): tf.Tensor2D {
  if (!Number.isInteger(nQueries) || nQueries < 1) throw new RangeArgumentError(`nQueries must be an integer ≥ 1, got ${nQueries}`);
  if (!Number.isInteger(nKeys) || nKeys < nQueries) {
    throw new RangeArgumentError(`nKeys must be an integer ≥ nQueries (${nQueries}) for a causal mask, got ${nKeys}`);
  }
  return tf.tidy(() => {
    const i = tf.reshape(tf.range(0, nQueries, 1, 'int32'), [nQueries, 1]); // (n_q × 1)
    const j = tf.reshape(tf.range(0, nKeys, 1, 'int32'), [1, nKeys]); // (1 × n_k)
    return tf.lessEqual(j, tf.add(i, nKeys - nQueries)) as tf.Tensor2D; // (n_q × n_k)
  });
}
