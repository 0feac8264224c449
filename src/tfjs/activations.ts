/**
 * Activations in TensorFlow.js (float32), the formulas of src/reference/activations.ts:
 *
 *   relu(x)      = max(0, x)
 *   gelu(x)      = x Φ(x) = x (1 + erf(x/√2))/2                       (exact; nn.GELU())
 *   geluTanh(x)  = x (1 + tanh(√(2/π) (x + 0.044715 x³)))/2            (nn.GELU(approximate='tanh'))
 *   silu(x)      = x σ(x)                                               (nn.SiLU; SwiGLU's gate)
 *   tanh(x)                                                             (nn.Tanh)
 *
 * `activation(x, kind)` picks one by name, as the feed-forward network does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../core/errors.js';
import { ACTIVATIONS, type Activation } from '../reference/activations.js';

export const relu = (x: tf.Tensor): tf.Tensor => activation(x, 'relu');
export const gelu = (x: tf.Tensor): tf.Tensor => activation(x, 'gelu');
export const geluTanh = (x: tf.Tensor): tf.Tensor => activation(x, 'gelu-tanh');
export const silu = (x: tf.Tensor): tf.Tensor => activation(x, 'silu');
export const tanh = (x: tf.Tensor): tf.Tensor => activation(x, 'tanh');

export function activation(x: tf.Tensor, kind: Activation): tf.Tensor {
  return tf.tidy(() => {
    if (kind === 'relu') return tf.relu(x);
    if (kind === 'gelu') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))); // x·Φ(x)
    if (kind === 'gelu-tanh') {
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
    }
    if (kind === 'silu') return tf.mul(x, tf.sigmoid(x)); // x·σ(x)
    if (kind === 'tanh') return tf.tanh(x);
    throw new ArgumentError(`unknown activation ${String(kind)}; use ${ACTIVATIONS.join(', ')}`);
  });
}
