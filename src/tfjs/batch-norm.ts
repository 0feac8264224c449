/**
 * Batch normalisation in TensorFlow.js (float32), training statistics, as src/reference/batch-norm.ts:
 * each feature normalised over the batch, y_bc = γ_c (x_bc − μ_c)/√(σ²_c + ε) + β_c.
 * Shapes: x (N × C) → (N × C), N ≥ 2.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { TfLayerNormParams } from './layer-norm.js';

export function batchNorm(x: tf.Tensor, p: TfLayerNormParams | null, eps = 1e-5): tf.Tensor {
  if (x.rank !== 2) throw new ShapeError(`batchNorm input must be 2-D (N × C), got ${formatShape(x.shape)}`, 'BAD_RANK');
  if (x.shape[0]! < 2) throw new ShapeError(`batchNorm needs at least 2 samples to estimate batch statistics, got ${x.shape[0]}`);
  return tf.tidy(() => {
    const mean = tf.mean(x, 0, true); // μ per feature, over the batch
    const centred = tf.sub(x, mean);
    const xhat = tf.div(centred, tf.sqrt(tf.add(tf.mean(tf.square(centred), 0, true), eps)));
    return p ? tf.add(tf.mul(xhat, p.weight), p.bias) : xhat;
  });
}
