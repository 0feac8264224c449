/**
 * Sinusoidal positional encoding in TensorFlow.js (float32); same formula and checks as
 * src/reference/sinusoidal-encoding.ts:
 *
 *   PE(pos, 2i) = sin(pos·ω_i),  PE(pos, 2i+1) = cos(pos·ω_i),  ω_i = base^{−2i/d}
 *
 * ω_i is computed in float64 on the host and rounded once to float32; the product pos·ω_i is formed
 * in float32, which is the dominant error at large positions (see TFJS_VS_REFERENCE.positionalEncoding).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PositionalEncodingOptions } from '../reference/sinusoidal-encoding.js';
import { BYTES } from '../core/limits.js';
import { checkEncodingArgs, checkEncodingSize, resolvePositions } from '../reference/sinusoidal-encoding.js';

export function sinusoidalEncoding(positions: number | readonly number[], dModel: number, options: PositionalEncodingOptions = {}): tf.Tensor2D {
  const base = options.base ?? 10000;
  checkEncodingArgs(dModel, base);
  checkEncodingSize(positions, dModel, 2 * BYTES.float32); // the angles, then the stacked sin/cos
  const pos = resolvePositions(positions);
  const omega = Array.from({ length: dModel / 2 }, (_, i) => 1 / Math.pow(base, (2 * i) / dModel));
  return tf.tidy(() => {
    const angle = tf.mul(tf.tensor2d(pos, [pos.length, 1]), tf.tensor2d(omega, [1, dModel / 2])); // (n × 1)(1 × d/2) → (n × d/2)
    const pairs = tf.stack([tf.sin(angle), tf.cos(angle)], 2); // (n × d/2 × 2): [sin, cos] per frequency
    return tf.reshape(pairs, [pos.length, dModel]) as tf.Tensor2D; // (n × d), columns 2i = sin, 2i+1 = cos
  });
}
