/**
 * Transformer layers in TensorFlow.js with the tutorial's PyTorch parameter names; see
 * src/reference/transformer-block.ts for the formulas. Inputs are batched: x (B × T × C).
 * The tutorial's per-head Linear layers are stacked into one projection per role:
 * W_Q = concat_h(heads.h.query.weight) (H·hs × C), so Q = x W_Qᵀ is split into H heads.
 *
 * Training mode (`training` option of multiHeadModule / block): inverted dropout with probability
 * p at the three places the tutorial's modules apply nn.Dropout (scratch §3.4, §4.4): on each
 * head's attention weights (after softmax, before the product with V), on MultiHead's output
 * projection, and at the end of FeedForward. Without the option the layers run in evaluation mode
 * and compute exactly what they computed before training mode existed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Activation } from '../reference/activations.js';
import { causalMask } from './masks.js';
import { attentionUnchecked } from './scaled-dot-product-attention.js';
import { activation } from './activations.js';
import { feedForward, type TfFeedForwardParams } from './feed-forward.js';
import { layerNorm, type TfLayerNormParams } from './layer-norm.js';
import { linear, type TfLinearParams } from './linear.js';
import { attentionForTraining, dropoutForTraining, geluForTraining, layerNormForTraining, linearForTraining, selfAttentionForTraining } from './training/training-ops.js';

const trainingActivation = (x: tf.Tensor, kind: Activation): tf.Tensor => (kind === 'gelu' ? (geluForTraining(x) as tf.Tensor) : activation(x, kind));

export interface TfHeadParams {
  query: TfLinearParams;
  key: TfLinearParams;
  value: TfLinearParams;
  tril?: tf.Tensor;
}
export interface TfMultiHeadModuleParams {
  heads: TfHeadParams[];
  proj: TfLinearParams;
}
export interface TfBlockParams {
  ln1: TfLayerNormParams;
  mh: TfMultiHeadModuleParams;
  ln2: TfLayerNormParams;
  ff: TfFeedForwardParams;
}
export interface TfEncoderLayerParams {
  self_attn: TfMultiHeadModuleParams;
  ln1: TfLayerNormParams;
  ff: TfFeedForwardParams;
  ln2: TfLayerNormParams;
}
export interface TfDecoderLayerParams extends TfEncoderLayerParams {
  cross_attn: TfMultiHeadModuleParams;
  ln3: TfLayerNormParams;
}

/**
 * Training mode: dropout probability p (the model's `dropout`, 0.1 in the tutorial) and a source
 * of seeds, one per dropout call, so that a training run is reproducible from its first seed.
 */
export interface TfTrainingMode {
  p: number;
  nextSeed(): number;
}

export interface TfLayerOptions {
  causal?: boolean;
  memory?: tf.Tensor;
  /** Absent: evaluation mode (dropout is the identity). */
  training?: TfTrainingMode;
}

const drop = (x: tf.Tensor, training: TfTrainingMode | undefined): tf.Tensor => (training && training.p > 0 ? dropoutForTraining(x, training.p, training.nextSeed()) : x);

/** The tutorial's MultiHead on batched input; `memory` switches to cross-attention. */
export function multiHeadModule(x: tf.Tensor, p: TfMultiHeadModuleParams, options: TfLayerOptions = {}): tf.Tensor {
  if (x.rank !== 3) throw new ShapeError(`x must be (B × T × C), got ${formatShape(x.shape)}`, 'BAD_RANK');
  const kv = options.memory ?? x;
  if (kv.rank !== 3 || kv.shape[0] !== x.shape[0] || kv.shape[2] !== x.shape[2]) throw new ShapeError(`memory must be (B × T_enc × C) with B = ${x.shape[0]} and C = ${x.shape[2]}, got ${formatShape(kv.shape)}`);
  const H = p.heads.length;
  if (H === 0) throw new ShapeError('multi-head module needs at least one head (heads.0.…)');
  const [B, T] = x.shape as [number, number, number];
  const Tk = kv.shape[1]!;
  const hs = p.heads[0].query.weight.shape[0]!;
  return tf.tidy(() => {
    const lin = options.training ? linearForTraining : linear; // same values; the training one has transpose-free gradients
    const project = (input: tf.Tensor, role: 'query' | 'key' | 'value') => {
      const w = tf.concat(p.heads.map((h) => h[role].weight), 0); // (H·hs × C)
      return lin(input, { weight: w }, `heads.*.${role}`); // (B × n × H·hs)
    };
    const training = options.training && options.training.p > 0 ? options.training : undefined;
    let merged: tf.Tensor; // (B × T × H·hs)
    if (!options.training) {
      const split = (y: tf.Tensor, n: number) => tf.transpose(tf.reshape(y, [B, n, H, hs]), [0, 2, 1, 3]); // (B × n × H·hs) → (B × H × n × hs)
      const q = split(project(x, 'query'), T);
      const k = split(project(kv, 'key'), Tk);
      const v = split(project(kv, 'value'), Tk);
      const heads = attentionUnchecked(q, k, v, 1 / Math.sqrt(hs), options.causal ? causalMask(T, Tk) : null, -Infinity).output; // (B × H × T × hs)
      merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [B, T, H * hs]); // (B × T × H·hs)
    } else {
      // Training path: kernels that are fast on wasm (src/tfjs/training/training-ops.ts), dropout on the weights.
      const attn = { causal: options.causal ?? false, dropout: training ? { p: training.p, seed: training.nextSeed() } : undefined };
      merged = options.memory
        ? attentionForTraining(project(x, 'query'), project(kv, 'key'), project(kv, 'value'), H, attn)
        : selfAttentionForTraining(x, { query: p.heads.map((h) => h.query.weight), key: p.heads.map((h) => h.key.weight), value: p.heads.map((h) => h.value.weight) }, attn);
    }
    return drop(lin(merged, p.proj, 'proj'), training); // (B × T × C)
  });
}

export function block(x: tf.Tensor, p: TfBlockParams, options: { causal?: boolean; activation?: Activation; training?: TfTrainingMode } = {}): tf.Tensor {
  return tf.tidy(() => {
    const ln = options.training ? layerNormForTraining : layerNorm;
    const h = tf.add(x, multiHeadModule(ln(x, p.ln1, 1e-5, 'ln1'), p.mh, { causal: options.causal, training: options.training })); // x + MHA(LN₁ x)
    const ffn = (z: tf.Tensor) =>
      options.training
        ? drop(linearForTraining(trainingActivation(linearForTraining(z, p.ff.net[0], 'ff.net.0'), options.activation ?? 'gelu'), p.ff.net[2], 'ff.net.2'), options.training) // (… × d_ff) → (… × C), then dropout
        : feedForward(z, p.ff, options.activation ?? 'gelu');
    return tf.add(h, ffn(ln(h, p.ln2, 1e-5, 'ln2'))); // h + FFN(LN₂ h)
  });
}

export function encoderLayer(x: tf.Tensor, p: TfEncoderLayerParams, activation: Activation = 'relu'): tf.Tensor {
  return tf.tidy(() => {
    const h = layerNorm(tf.add(x, multiHeadModule(x, p.self_attn)), p.ln1, 1e-5, 'ln1');
    return layerNorm(tf.add(h, feedForward(h, p.ff, activation)), p.ln2, 1e-5, 'ln2');
  });
}

export function decoderLayer(x: tf.Tensor, memory: tf.Tensor, p: TfDecoderLayerParams, activation: Activation = 'relu'): tf.Tensor {
  return tf.tidy(() => {
    const h1 = layerNorm(tf.add(x, multiHeadModule(x, p.self_attn, { causal: true })), p.ln1, 1e-5, 'ln1');
    const h2 = layerNorm(tf.add(h1, multiHeadModule(h1, p.cross_attn, { memory })), p.ln2, 1e-5, 'ln2');
    return layerNorm(tf.add(h2, feedForward(h2, p.ff, activation)), p.ln3, 1e-5, 'ln3');
  });
}
