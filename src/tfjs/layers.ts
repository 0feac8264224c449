/**
 * Transformer layers in TensorFlow.js (float32), the same names, formulas and PyTorch parameter
 * layout as the reference modules they mirror:
 *   linear              src/reference/linear.ts           y = x Wᵀ + b, W (out × in)
 *   layerNorm           src/reference/layer-norm.ts       per token over features, biased variance, ε = 1e-5
 *   batchNorm           src/reference/batch-norm.ts       per feature over the batch (training statistics)
 *   activation          src/reference/activations.ts      relu | gelu (erf) | gelu-tanh
 *   feedForward         src/reference/feed-forward.ts     net.0 → act → net.2
 *   dropout             src/reference/dropout.ts          inverted dropout, seeded; identity in eval
 * Inputs may have any leading (batch, time) dimensions; the last one is the feature axis.
 * Everything runs inside tf.tidy; the caller owns the returned tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Activation } from '../reference/activations.js';

export interface TfLinearParams {
  weight: tf.Tensor;
  bias?: tf.Tensor;
}
export interface TfLayerNormParams {
  weight: tf.Tensor;
  bias: tf.Tensor;
}
export interface TfFeedForwardParams {
  net: TfLinearParams[];
}

const last = (t: tf.Tensor) => t.shape[t.rank - 1]!;

export function linear(x: tf.Tensor, p: TfLinearParams, name = 'linear'): tf.Tensor {
  const [out, inW] = p.weight.shape;
  if (p.weight.rank !== 2) throw new ShapeError(`${name}.weight must be 2-D (out × in), got ${formatShape(p.weight.shape)}`, 'BAD_RANK');
  if (last(x) !== inW) throw new ShapeError(`${name}: input has ${last(x)} features but ${name}.weight is ${out}×${inW} (out × in)`);
  if (p.bias && (p.bias.rank !== 1 || p.bias.shape[0] !== out)) throw new ShapeError(`${name}.bias must have shape [${out}], got ${formatShape(p.bias.shape)}`);
  return tf.tidy(() => {
    const flat = tf.reshape(x, [-1, inW!]); // (N × in)
    const y = tf.matMul(flat, p.weight, false, true); // (N × in)(in × out) → (N × out)
    const yb = p.bias ? tf.add(y, p.bias) : y;
    return tf.reshape(yb, [...x.shape.slice(0, -1), out!]); // (… × out)
  });
}

export function layerNorm(x: tf.Tensor, p: TfLayerNormParams | null, eps = 1e-5, name = 'layerNorm'): tf.Tensor {
  if (p && (p.weight.shape[0] !== last(x) || p.bias.shape[0] !== last(x))) throw new ShapeError(`${name}: weight and bias must have ${last(x)} entries`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`${name}: eps must be a finite number ≥ 0, got ${eps}`);
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true); // μ per token
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true); // biased σ²
    const xhat = tf.div(centred, tf.sqrt(tf.add(variance, eps)));
    return p ? tf.add(tf.mul(xhat, p.weight), p.bias) : xhat;
  });
}

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

export function activation(x: tf.Tensor, kind: Activation): tf.Tensor {
  return tf.tidy(() => {
    if (kind === 'relu') return tf.relu(x);
    if (kind === 'gelu') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))); // x·Φ(x)
    if (kind === 'gelu-tanh') {
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
    }
    throw new ArgumentError(`unknown activation ${String(kind)}; use relu, gelu or gelu-tanh`);
  });
}

export function feedForward(x: tf.Tensor, p: TfFeedForwardParams, kind: Activation, name = 'ff'): tf.Tensor {
  if (!p.net?.[0] || !p.net?.[2]) throw new ShapeError(`${name} needs parameters net.0 and net.2 (the two Linear layers)`);
  return tf.tidy(() => linear(activation(linear(x, p.net[0], `${name}.net.0`), kind), p.net[2], `${name}.net.2`)); // (… × d_ff) → (… × d_model)
}

export function dropout(x: tf.Tensor, p: number, options: { training: boolean; seed?: number }): tf.Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeArgumentError(`dropout probability must be in [0, 1), got ${p}`);
  if (!options.training || p === 0) return x.clone();
  if (options.seed === undefined) throw new RangeArgumentError('dropout in training mode needs a seed (options.seed)');
  return tf.dropout(x, p, undefined, options.seed);
}
