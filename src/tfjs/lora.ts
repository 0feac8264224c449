/**
 * LoRA in TensorFlow.js (float32); the formula, layout, initialisation and conventions are those of
 * src/reference/lora.ts (Hu et al. 2021):
 *
 *   h = x W₀ᵀ + b + (α/r) · (drop(x) Aᵀ) Bᵀ,     merged: W = W₀ + (α/r)·B A
 *
 * Shapes: x (… × d_in), W₀ (d_out × d_in), A (r × d_in), B (d_out × r) → h (… × d_out).
 * Argument checks are the reference's (checkLoraShapes), so both raise the same errors. The
 * caller owns returned tensors; everything else is freed inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { checkLoraShapes } from '../reference/lora.js';
import { dropout } from './dropout.js';
import { linear, type TfLinearParams } from './linear.js';

export interface TfLoraFactors {
  /** lora_A.weight (r × d_in) */
  A: tf.Tensor;
  /** lora_B.weight (d_out × r) */
  B: tf.Tensor;
}
export interface TfLoraParams extends TfLoraFactors {
  base: TfLinearParams;
}
export interface TfLoraOptions {
  alpha: number;
  /** Training: inverted dropout on the branch input with this probability and seed (src/tfjs/dropout.ts: the reference's mask for the same seed). */
  dropout?: { p: number; seed: number };
}

export function loraDelta(f: TfLoraFactors, o: { alpha: number }): tf.Tensor {
  const { scaling } = checkLoraShapes(f.A.shape, f.B.shape, o.alpha);
  return tf.tidy(() => tf.mul(tf.matMul(f.B, f.A), scaling)); // (d_out × r)(r × d_in) → (d_out × d_in)
}

export function loraLinear(x: tf.Tensor, p: TfLoraParams, o: TfLoraOptions, name = 'lora'): tf.Tensor {
  const { dIn, scaling } = checkLoraShapes(p.A.shape, p.B.shape, o.alpha, p.base.weight.shape);
  if (x.shape[x.rank - 1] !== dIn) throw new ShapeError(`${name}: input has ${x.shape[x.rank - 1]} features but the layer takes d_in = ${dIn}`);
  return tf.tidy(() => {
    const base = linear(x, p.base, `${name}.base_layer`); // x W₀ᵀ + b   (… × d_out)
    const xd = o.dropout && o.dropout.p > 0 ? dropout(x, o.dropout.p, { training: true, seed: o.dropout.seed }) : x;
    const down = linear(xd, { weight: p.A }, `${name}.lora_A`); // (… × r)
    const up = linear(down, { weight: p.B }, `${name}.lora_B`); // (… × d_out)
    return tf.add(base, tf.mul(up, scaling));
  });
}

export function mergeLora(p: TfLoraParams, o: { alpha: number }): TfLinearParams {
  checkLoraShapes(p.A.shape, p.B.shape, o.alpha, p.base.weight.shape);
  return tf.tidy(() => ({ weight: tf.add(p.base.weight, loraDelta(p, o)), ...(p.base.bias ? { bias: p.base.bias.clone() } : {}) })) as TfLinearParams;
}

export function unmergeLora(merged: TfLinearParams, f: TfLoraFactors, o: { alpha: number }): TfLinearParams {
  checkLoraShapes(f.A.shape, f.B.shape, o.alpha, merged.weight.shape);
  return tf.tidy(() => ({ weight: tf.sub(merged.weight, loraDelta(f, o)), ...(merged.bias ? { bias: merged.bias.clone() } : {}) })) as TfLinearParams;
}

/** ΔW = A Bᵀ in the interview deck's convention, A (d_out × r), B (d_in × r). */
export function deltaAbt(A: tf.Tensor, B: tf.Tensor): tf.Tensor {
  if (A.rank !== 2 || B.rank !== 2 || A.shape[1] !== B.shape[1]) throw new ShapeError(`A [${A.shape}] and B [${B.shape}] must be (d_out × r) and (d_in × r)`);
  return tf.matMul(A, B, false, true); // (d_out × r)(r × d_in) → (d_out × d_in)
}

/** ΔW = B A in the course's convention (unscaled). */
export function deltaBa(f: TfLoraFactors): tf.Tensor {
  checkLoraShapes(f.A.shape, f.B.shape, 1);
  return tf.matMul(f.B, f.A); // (d_out × r)(r × d_in) → (d_out × d_in)
}
