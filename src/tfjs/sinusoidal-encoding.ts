/**
 * Sinusoidal positional encoding in TensorFlow.js (float32); same formula and checks as
 * src/reference/sinusoidal-encoding.ts:
 *
 *   PE(pos, 2i) = sin(pos·ω_i),  PE(pos, 2i+1) = cos(pos·ω_i),  ω_i = base^{−2i/d}
 *
 * The angles pos·ω_i and their sin and cos are computed in float64 on the host (sinusoidTables,
 * src/core/angle-tables.ts; src/core/numeric-conventions.ts rule 3d) and uploaded as float32: the
 * result is the reference's value rounded once, at any position (see
 * TFJS_VS_REFERENCE.positionalEncoding). The tables are built before any tensor, so nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PositionalEncodingOptions } from '../reference/sinusoidal-encoding.js';
import { inverseFrequencies, sinusoidTables } from '../core/angle-tables.js';
import { BYTES } from '../core/limits.js';
import { checkEncodingArgs, checkEncodingSize, resolvePositions } from '../reference/sinusoidal-encoding.js';

export function sinusoidalEncoding(positions: number | readonly number[], dModel: number, options: PositionalEncodingOptions = {}): tf.Tensor2D {
  const base = options.base ?? 10000;
  checkEncodingArgs(dModel, base);
  checkEncodingSize(positions, dModel, 2 * BYTES.float32); // the angles, then the stacked sin/cos
  const pos = resolvePositions(positions);
  const t = sinusoidTables(pos, inverseFrequencies(dModel, base)); // (n × d/2) each, float64 → float32
  return tf.tidy(() => {
    const [sin, cos] = [tf.tensor2d(t.sin, [t.rows, t.cols]), tf.tensor2d(t.cos, [t.rows, t.cols])]; // (n × d/2)
    const pairs = tf.stack([sin, cos], 2); // (n × d/2 × 2): [sin, cos] per frequency
    return tf.reshape(pairs, [pos.length, dModel]) as tf.Tensor2D; // (n × d), columns 2i = sin, 2i+1 = cos
  });
}
