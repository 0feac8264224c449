/**
 * Causal mask as a boolean tensor (true = may attend): query i may attend key j when
 * j ≤ i + (n_k − n_q). See src/reference/masks.ts for the reasoning.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RangeArgumentError } from '../core/errors.js';

function checkCausalShape(nQueries: number, nKeys: number): void {
  if (!Number.isInteger(nQueries) || nQueries < 1) throw new RangeArgumentError(`nQueries must be an integer ≥ 1, got ${nQueries}`);
  if (!Number.isInteger(nKeys) || nKeys < nQueries) {
    throw new RangeArgumentError(`nKeys must be an integer ≥ nQueries (${nQueries}) for a causal mask, got ${nKeys}`);
  }
}

export function causalMask(nQueries: number, nKeys: number = nQueries): tf.Tensor2D {
  checkCausalShape(nQueries, nKeys);
  // Filled on the host: a broadcast comparison of two ranges is slow on the wasm backend.
  const offset = nKeys - nQueries;
  const values = new Uint8Array(nQueries * nKeys);
  for (let i = 0; i < nQueries; i++) for (let j = 0; j <= Math.min(nKeys - 1, i + offset); j++) values[i * nKeys + j] = 1;
  return tf.tensor2d(values, [nQueries, nKeys], 'bool'); // (n_q × n_k)
}

/**
 * The causal mask as an additive bias (0 where query i may attend key j, −∞ elsewhere), added to
 * the scores before softmax; same weights as the boolean mask with a −∞ fill, in one broadcast add.
 */
export function causalBias(nQueries: number, nKeys: number = nQueries): tf.Tensor2D {
  checkCausalShape(nQueries, nKeys);
  const offset = nKeys - nQueries;
  const values = new Float32Array(nQueries * nKeys).fill(-Infinity);
  for (let i = 0; i < nQueries; i++) values.fill(0, i * nKeys, i * nKeys + Math.min(nKeys, i + offset + 1));
  return tf.tensor2d(values, [nQueries, nKeys], 'float32'); // (n_q × n_k)
}
