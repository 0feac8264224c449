/**
 * RMSNorm in TensorFlow.js (float32): the same exported name, arguments and formula as
 * src/reference/rms-norm.ts (see its header):
 *
 *   y = x / √(mean(x², last axis) + ε) · γ
 *
 * Inputs may have any leading (batch, time) dimensions; the last one is the feature axis.
 * Everything runs inside tf.tidy; the caller owns the returned tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { assertRmsNormArgs, RMS_NORM_EPS } from '../reference/rms-norm.js';

/** The reference's RmsNormParams, as a tensor: weight γ (C). */
export interface TfRmsNormParams {
  weight: tf.Tensor;
}

export function rmsNorm(x: tf.Tensor, p: TfRmsNormParams, eps = RMS_NORM_EPS, name = 'rmsNorm'): tf.Tensor {
  if (x.rank < 1) throw new ShapeError(`${name} input must have a feature axis, got shape ${formatShape(x.shape)}`, 'BAD_RANK');
  if (p.weight.rank !== 1) throw new ShapeError(`${name}: weight must be 1-D (C), got shape ${formatShape(p.weight.shape)}`, 'BAD_RANK');
  assertRmsNormArgs(x.shape[x.rank - 1]!, p.weight.shape[0]!, eps, name);
  return tf.tidy(() => {
    const meanSquare = tf.mean(tf.square(x), -1, true); // (… × 1): (1/C) Σ x_c²
    const rms = tf.sqrt(tf.add(meanSquare, eps)); // (… × 1)
    return tf.mul(tf.div(x, rms), p.weight); // (… × C) · (C)
  });
}
