/**
 * Rotary position embedding in TensorFlow.js (float32); same formula, pairings and checks as
 * src/reference/rope.ts: pair (a, b) at position p is rotated by p·θ_i, θ_i = base^{−2i/d}.
 *
 * The angles p·θ_i and their cos and sin are computed in float64 on the host (sinusoidTables,
 * src/core/angle-tables.ts; src/core/numeric-conventions.ts rule 3d) and uploaded as tables: only
 * the rotation itself runs in float32, so positions of 10^7 or 10^8 rotate by the reference's
 * angles (forming p·θ in float32 was off by 7.1e-2 at 10^7 and 0.83 at 10^8, d = 64).
 * Shapes: x (n × d), cos and sin (n × d/2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { inverseFrequencies, sinusoidTables } from '../core/angle-tables.js';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { RopeOptions } from '../reference/rope.js';
import { checkRopeArgs } from '../reference/rope.js';
import { assertFinite, assertTensor } from './validate.js';

export function rope(x: tf.Tensor, options: RopeOptions = {}): tf.Tensor2D {
  assertTensor(x, 'x');
  if (x.rank !== 2) throw new ShapeError(`x must be 2-D (n × d), got shape ${formatShape(x.shape)}`, 'BAD_RANK');
  const proxy = Array.from({ length: x.shape[0] }, () => new Array(x.shape[1]).fill(0));
  const { n, d, positions, base, pairing } = checkRopeArgs(proxy, options);
  assertFinite(x, 'x');
  const t = sinusoidTables(positions, inverseFrequencies(d, base)); // (n × d/2) each, float64 → float32
  return tf.tidy(() => {
    const [c, s] = [tf.tensor2d(t.cos, [n, d / 2]), tf.tensor2d(t.sin, [n, d / 2])]; // (n × d/2)
    if (pairing === 'interleaved') {
      const xy = tf.reshape(x, [n, d / 2, 2]); // (n × d/2 × 2): pairs (2i, 2i+1)
      const [a, b] = tf.unstack(xy, 2); // (n × d/2) each
      const rotated = tf.stack([tf.sub(tf.mul(a, c), tf.mul(b, s)), tf.add(tf.mul(a, s), tf.mul(b, c))], 2); // (n × d/2 × 2)
      return tf.reshape(rotated, [n, d]) as tf.Tensor2D;
    }
    const [a, b] = tf.split(x, 2, 1); // (n × d/2) each: pairs (i, i + d/2)
    return tf.concat([tf.sub(tf.mul(a, c), tf.mul(b, s)), tf.add(tf.mul(a, s), tf.mul(b, c))], 1) as tf.Tensor2D; // (n × d)
  });
}
