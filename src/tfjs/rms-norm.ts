/**
 * RMSNorm in TensorFlow.js (float32): the same exported name, arguments and formula as
 * src/reference/rms-norm.ts (see its header):
 *
 *   y = x / √(mean(x², last axis) + ε) · γ
 *
 * Inputs may have any leading (batch, time) dimensions; the last one is the feature axis.
 * Everything runs inside tf.tidy; the caller owns the returned tensor. As LayerNorm, each row is
 * first divided by s = max(max|x|, 1) and ε by s² (rowScale; src/core/numeric-conventions.ts,
 * rule 3c), so mean(x²) cannot overflow float32; rows within [−1, 1] are unchanged.
 * `normalizedDims` = k > 1: the block of the last k axes is one row (x as (… × ∏s), γ (s…) as (∏s)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { assertRmsNormArgs, RMS_NORM_EPS } from '../reference/rms-norm.js';
import { checkNormalizedDims } from '../reference/trailing-axes.js';
import { checkTrailingParameter, rowScale, trailingShape } from './layer-norm.js';

/** The reference's RmsNormParams, as a tensor: weight γ (C). */
export interface TfRmsNormParams {
  weight: tf.Tensor;
}

export function rmsNorm(x: tf.Tensor, p: TfRmsNormParams, eps = RMS_NORM_EPS, name = 'rmsNorm', normalizedDims = 1): tf.Tensor {
  if (checkNormalizedDims(normalizedDims, name) > 1) {
    const trailing = trailingShape(x, normalizedDims, name);
    checkTrailingParameter(p.weight, trailing, `${name}: weight`);
    const width = trailing.reduce((a, b) => a * b, 1);
    return tf.tidy(() => tf.reshape(rmsNorm(tf.reshape(x, [...x.shape.slice(0, x.rank - normalizedDims), width]), { weight: tf.reshape(p.weight, [width]) }, eps, name), x.shape)); // (… × ∏s) → x's shape
  }
  if (x.rank < 1) throw new ShapeError(`${name} input must have a feature axis, got shape ${formatShape(x.shape)}`, 'BAD_RANK');
  if (p.weight.rank !== 1) throw new ShapeError(`${name}: weight must be 1-D (C), got shape ${formatShape(p.weight.shape)}`, 'BAD_RANK');
  assertRmsNormArgs(x.shape[x.rank - 1]!, p.weight.shape[0]!, eps, name);
  return tf.tidy(() => {
    const s = rowScale(x); // (… × 1), ≥ 1
    const y = tf.div(x, s); // (… × C), |y| ≤ 1
    const meanSquare = tf.mean(tf.square(y), -1, true); // (… × 1): (1/C) Σ x_c² / s²
    const rms = tf.sqrt(tf.add(meanSquare, tf.div(eps, tf.square(s)))); // (… × 1): rms / s
    return tf.mul(tf.div(y, rms), p.weight); // (… × C) · (C)
  });
}
