/**
 * Bottleneck adapter in TensorFlow.js (float32); formula and initialisation as in
 * src/reference/adapter.ts (Houlsby et al. 2019):
 *
 *   Adapter(h) = h + φ(h W_downᵀ + b_down) W_upᵀ + b_up        h (… × d), W_down (m × d), W_up (d × m)
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import type { Activation } from '../reference/activations.js';
import { activation as act } from './activations.js';
import { linear, type TfLinearParams } from './linear.js';

export interface TfAdapterParams {
  down: TfLinearParams;
  up: TfLinearParams;
}

export function adapter(h: tf.Tensor, p: TfAdapterParams, activation: Activation = 'gelu', name = 'adapter'): tf.Tensor {
  const [m, d] = p.down.weight.shape;
  const [dOut, m2] = p.up.weight.shape;
  if (p.down.weight.rank !== 2 || p.up.weight.rank !== 2 || m2 !== m || dOut !== d) throw new ShapeError(`adapter down.weight is [${p.down.weight.shape}] and up.weight [${p.up.weight.shape}]: expected (m × d) and (d × m)`);
  if (h.shape[h.rank - 1] !== d) throw new ShapeError(`the adapter is ${d} wide but its input has ${h.shape[h.rank - 1]} features`);
  return tf.tidy(() => tf.add(h, linear(act(linear(h, p.down, `${name}.down`), activation), p.up, `${name}.up`))); // (… × m) → (… × d)
}
