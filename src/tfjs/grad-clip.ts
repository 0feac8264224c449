/**
 * Gradient clipping by global norm in TensorFlow.js; formula and checks as
 * src/reference/grad-clip.ts (torch.nn.utils.clip_grad_norm_):
 *   N = √(Σ_i ‖g_i‖²),  c = min(1, max_norm/(N + 10⁻⁶)),  g_i ← c·g_i
 * Returns new tensors (the caller owns them and the inputs) and N as a number. N is read back:
 * synchronously by clipGradNorm (not on webgpu, where that loses the device), asynchronously by
 * clipGradNormAsync.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../core/errors.js';
import { CLIP_EPSILON, checkMaxNorm } from '../reference/grad-clip.js';
import { canReadSynchronously } from './validate.js';

export function clipGradNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; totalNorm: number; scale: number } {
  checkMaxNorm(maxNorm);
  if (!canReadSynchronously()) throw new ArgumentError(`clipGradNorm reads the norm synchronously, which loses the device on ${tf.getBackend()}: use clipGradNormAsync`);
  const norm = globalNorm(grads);
  const totalNorm = norm.dataSync()[0];
  norm.dispose();
  return scaled(grads, maxNorm, totalNorm);
}

/** The same, reading N asynchronously (every backend; the only form on webgpu): the same numbers. */
export async function clipGradNormAsync(grads: readonly tf.Tensor[], maxNorm: number): Promise<{ grads: tf.Tensor[]; totalNorm: number; scale: number }> {
  checkMaxNorm(maxNorm);
  const norm = globalNorm(grads);
  const totalNorm = (await norm.data())[0];
  norm.dispose();
  return scaled(grads, maxNorm, totalNorm);
}

/** N = √(Σ_i ‖g_i‖²), on the device. */
const globalNorm = (grads: readonly tf.Tensor[]): tf.Tensor => tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))));

function scaled(grads: readonly tf.Tensor[], maxNorm: number, totalNorm: number): { grads: tf.Tensor[]; totalNorm: number; scale: number } {
  if (!Number.isFinite(totalNorm)) throw new ArgumentError(`the global gradient norm is ${totalNorm}: a gradient holds NaN or ±∞`);
  const scale = Math.min(1, maxNorm / (totalNorm + CLIP_EPSILON));
  return { grads: grads.map((g) => tf.tidy(() => tf.mul(g, scale))), totalNorm, scale };
}
