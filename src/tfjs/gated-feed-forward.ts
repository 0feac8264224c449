/**
 * Gated feed-forward network in TensorFlow.js (float32), as src/reference/gated-feed-forward.ts:
 *
 *   GLU(x) = down_proj( act(gate_proj(x)) ⊙ up_proj(x) ),  act: 'silu' (SwiGLU), 'gelu' / 'gelu-tanh' (GeGLU)
 *
 * with Hugging Face LlamaMLP's names. Shapes: x (… × d_model) → (… × d_model); gate_proj, up_proj
 * (d_ff × d_model), down_proj (d_model × d_ff).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { checkGatedArgs, type GatedActivation } from '../reference/gated-feed-forward.js';
import { activation as act } from './activations.js';
import { linear, type TfLinearParams } from './linear.js';

export interface TfGatedFeedForwardParams {
  gate_proj: TfLinearParams;
  up_proj: TfLinearParams;
  down_proj: TfLinearParams;
}

export function gatedFeedForward(x: tf.Tensor, p: TfGatedFeedForwardParams, activation: GatedActivation, name = 'mlp'): tf.Tensor {
  checkGatedArgs(p, activation, name);
  const [fGate, fUp] = [p.gate_proj.weight.shape[0], p.up_proj.weight.shape[0]];
  if (fGate !== fUp) throw new ShapeError(`${name}: gate_proj gives ${fGate} features but up_proj gives ${fUp}; both must be d_ff`);
  return tf.tidy(() => {
    const hidden = tf.mul(act(linear(x, p.gate_proj, `${name}.gate_proj`), activation), linear(x, p.up_proj, `${name}.up_proj`)); // (… × d_ff)
    return linear(hidden, p.down_proj, `${name}.down_proj`); // (… × d_model)
  });
}
