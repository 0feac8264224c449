/**
 * Gradient clipping by global norm in TensorFlow.js; formula and checks as
 * src/reference/grad-clip.ts (torch.nn.utils.clip_grad_norm_):
 *   N = √(Σ_i ‖g_i‖²),  c = min(1, max_norm/(N + 10⁻⁶)),  g_i ← c·g_i
 * Returns new tensors (the caller owns them and the inputs) and N as a number.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../core/errors.js';
import { CLIP_EPSILON, checkMaxNorm } from '../reference/grad-clip.js';

export function clipGradNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; totalNorm: number; scale: number } {
  checkMaxNorm(maxNorm);
  const totalNorm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  if (!Number.isFinite(totalNorm)) throw new ArgumentError(`the global gradient norm is ${totalNorm}: a gradient holds NaN or ±∞`);
  const scale = Math.min(1, maxNorm / (totalNorm + CLIP_EPSILON));
  return { grads: grads.map((g) => tf.tidy(() => tf.mul(g, scale))), totalNorm, scale };
}
