/**
 * Rotary position embedding in TensorFlow.js (float32); the formula, conventions (pairing,
 * rotaryDim, positions, base, tables) and checks of src/reference/rope.ts: pair (a, b) at position
 * p is rotated by p·θ_i, θ_i = base^{−2i/r}; dimensions r … d−1 pass through.
 *
 * The angles p·θ_i and their cos and sin are computed in float64 on the host (sinusoidTables,
 * src/core/angle-tables.ts; src/core/numeric-conventions.ts rule 3d) and uploaded as tables: only
 * the rotation itself runs in float32, so positions of 10^7 or 10^8 rotate by the reference's
 * angles (forming p·θ in float32 was off by 7.1e-2 at 10^7 and 0.83 at 10^8, d = 64). Given
 * tables are uploaded as they are.
 * Shapes: x (… × n × d) — any leading (batch, head) axes share the n positions; cos and sin
 * (n × r/2) → (… × n × d).
 */
import * as tf from '@tensorflow/tfjs-core';
import { inverseFrequencies, sinusoidTables } from '../core/angle-tables.js';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { RopeOptions } from '../reference/rope.js';
import { checkRopeShape } from '../reference/rope.js';
import { assertFinite, assertTensor } from './validate.js';

export function rope(x: tf.Tensor, options: RopeOptions = {}): tf.Tensor {
  assertTensor(x, 'x');
  if (x.rank < 2) throw new ShapeError(`x must be (… × n × d), rank ≥ 2, got shape ${formatShape(x.shape)}`, 'BAD_RANK');
  if (x.shape.some((s) => s === 0)) throw new ShapeError(`x must not be empty, got shape ${formatShape(x.shape)}`);
  const [n, d] = x.shape.slice(-2) as [number, number];
  const { rotaryDim: r, positions, base, pairing, tables } = checkRopeShape(n, d, options);
  assertFinite(x, 'x');
  const t = tables
    ? { cos: Float32Array.from(tables.cos.flat()), sin: Float32Array.from(tables.sin.flat()) }
    : sinusoidTables(positions, inverseFrequencies(r, base)); // (n × r/2) each, float64 → float32
  const lead = x.shape.slice(0, -2); // (…)
  return tf.tidy(() => {
    const [c, s] = [tf.tensor2d(t.cos, [n, r / 2]), tf.tensor2d(t.sin, [n, r / 2])]; // (n × r/2), broadcast over …
    const [rot, pass] = r === d ? [x, null] : tf.split(x, [r, d - r], -1); // (… × n × r), (… × n × d−r)
    let rotated: tf.Tensor;
    if (pairing === 'interleaved') {
      const xy = tf.reshape(rot, [...lead, n, r / 2, 2]); // (… × n × r/2 × 2): pairs (2i, 2i+1)
      const [a, b] = tf.unstack(xy, xy.rank - 1); // (… × n × r/2) each
      const pair = tf.stack([tf.sub(tf.mul(a, c), tf.mul(b, s)), tf.add(tf.mul(a, s), tf.mul(b, c))], xy.rank - 1); // (… × n × r/2 × 2)
      rotated = tf.reshape(pair, [...lead, n, r]); // (… × n × r)
    } else {
      const [a, b] = tf.split(rot, 2, -1); // (… × n × r/2) each: pairs (i, i + r/2)
      rotated = tf.concat([tf.sub(tf.mul(a, c), tf.mul(b, s)), tf.add(tf.mul(a, s), tf.mul(b, c))], -1); // (… × n × r)
    }
    return pass ? tf.concat([rotated, pass], -1) : rotated; // (… × n × d)
  });
}
