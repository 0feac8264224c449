/**
 * Linear layer in TensorFlow.js (float32), PyTorch's layout as src/reference/linear.ts:
 *
 *   y = x Wᵀ + b,   W (out × in), b (out);   x (… × in) → y (… × out)
 *
 * Inputs may have any leading (batch, time) dimensions; the last one is the feature axis.
 * Runs inside tf.tidy; the caller owns the returned tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';

export interface TfLinearParams {
  weight: tf.Tensor;
  bias?: tf.Tensor;
}

/** The size of the last (feature) axis. */
export const lastDim = (t: tf.Tensor): number => t.shape[t.rank - 1]!;

export function linear(x: tf.Tensor, p: TfLinearParams, name = 'linear'): tf.Tensor {
  const [out, inW] = p.weight.shape;
  if (p.weight.rank !== 2) throw new ShapeError(`${name}.weight must be 2-D (out × in), got ${formatShape(p.weight.shape)}`, 'BAD_RANK');
  if (lastDim(x) !== inW) throw new ShapeError(`${name}: input has ${lastDim(x)} features but ${name}.weight is ${out}×${inW} (out × in)`);
  if (p.bias && (p.bias.rank !== 1 || p.bias.shape[0] !== out)) throw new ShapeError(`${name}.bias must have shape [${out}], got ${formatShape(p.bias.shape)}`);
  return tf.tidy(() => {
    const flat = tf.reshape(x, [-1, inW!]); // (N × in)
    const y = tf.matMul(flat, p.weight, false, true); // (N × in)(in × out) → (N × out)
    const yb = p.bias ? tf.add(y, p.bias) : y;
    return tf.reshape(yb, [...x.shape.slice(0, -1), out!]); // (… × out)
  });
}
