/**
 * Seeded random tensors for op specs: entries uniform in (−scale, scale) from the given generator,
 * so a spec's inputs repeat run after run.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../src/core/random.js';

export function uniformTensor(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-scale, scale)), shape);
}
