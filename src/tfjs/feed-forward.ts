/**
 * Position-wise feed-forward network in TensorFlow.js (float32), as src/reference/feed-forward.ts:
 * FFN(x) = act(x W₁ᵀ + b₁) W₂ᵀ + b₂ with the tutorial's names net.0 (d_ff × d_model) and
 * net.2 (d_model × d_ff). Shapes: x (… × d_model) → (… × d_model).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import type { Activation } from '../reference/activations.js';
import { activation as act } from './activations.js';
import { linear, type TfLinearParams } from './linear.js';

export interface TfFeedForwardParams {
  net: TfLinearParams[];
}

export function feedForward(x: tf.Tensor, p: TfFeedForwardParams, activation: Activation, name = 'ff'): tf.Tensor {
  if (!p.net?.[0] || !p.net?.[2]) throw new ShapeError(`${name} needs parameters net.0 and net.2 (the two Linear layers)`);
  return tf.tidy(() => linear(act(linear(x, p.net[0], `${name}.net.0`), activation), p.net[2], `${name}.net.2`)); // (… × d_ff) → (… × d_model)
}
