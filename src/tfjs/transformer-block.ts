/**
 * Transformer layers in TensorFlow.js with the tutorial's PyTorch parameter names; see
 * src/reference/transformer-block.ts for the formulas. Inputs are batched: x (B × T × C).
 * The tutorial's per-head Linear layers are stacked into one projection per role:
 * W_Q = concat_h(heads.h.query.weight) (H·hs × C), so Q = x W_Qᵀ is split into H heads.
 *
 * The ops the layers are built from come as one set (src/tfjs/op-set.ts), chosen once by the
 * caller: EVALUATION_OPS (the default, plain formulas, dropout the identity) or a trainer's
 * trainingOps (src/tfjs/training/training-op-set.ts: fast kernels, dropout where the tutorial's
 * modules apply it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Activation } from '../reference/activations.js';
import { feedForward, type TfFeedForwardParams } from './feed-forward.js';
import { layerNorm, type TfLayerNormParams } from './layer-norm.js';
import type { TfLinearParams } from './linear.js';
import { EVALUATION_OPS, type TfOpSet } from './op-set.js';

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

export interface TfLayerOptions {
  causal?: boolean;
  memory?: tf.Tensor;
  /** The op set (default EVALUATION_OPS). */
  ops?: TfOpSet;
}

/** The tutorial's MultiHead on batched input; `memory` switches to cross-attention. */
export function multiHeadModule(x: tf.Tensor, p: TfMultiHeadModuleParams, options: TfLayerOptions = {}): tf.Tensor {
  if (x.rank !== 3) throw new ShapeError(`x must be (B × T × C), got ${formatShape(x.shape)}`, 'BAD_RANK');
  const kv = options.memory ?? x;
  if (kv.rank !== 3 || kv.shape[0] !== x.shape[0] || kv.shape[2] !== x.shape[2]) throw new ShapeError(`memory must be (B × T_enc × C) with B = ${x.shape[0]} and C = ${x.shape[2]}, got ${formatShape(kv.shape)}`);
  if (p.heads.length === 0) throw new ShapeError('multi-head module needs at least one head (heads.0.…)');
  const ops = options.ops ?? EVALUATION_OPS;
  return tf.tidy(() => {
    const heads = { query: p.heads.map((h) => h.query.weight), key: p.heads.map((h) => h.key.weight), value: p.heads.map((h) => h.value.weight) };
    const merged = ops.attention(x, options.memory, heads, { causal: options.causal ?? false }); // (B × T × H·hs)
    return ops.dropout(ops.linear(merged, p.proj, 'proj')); // (B × T × C)
  });
}

/** Pre-LN block: h = x + MHA(LN₁ x), y = h + FFN(LN₂ h), FFN = net.2(act(net.0(·))) then dropout. */
export function block(x: tf.Tensor, p: TfBlockParams, options: { causal?: boolean; activation?: Activation; ops?: TfOpSet } = {}): tf.Tensor {
  if (!p.ff.net?.[0] || !p.ff.net?.[2]) throw new ShapeError('ff needs parameters net.0 and net.2 (the two Linear layers)');
  const ops = options.ops ?? EVALUATION_OPS;
  return tf.tidy(() => {
    const h = tf.add(x, multiHeadModule(ops.layerNorm(x, p.ln1, 1e-5, 'ln1'), p.mh, { causal: options.causal, ops })); // x + MHA(LN₁ x)
    const z = ops.layerNorm(h, p.ln2, 1e-5, 'ln2');
    const ffn = ops.dropout(ops.linear(ops.activation(ops.linear(z, p.ff.net[0], 'ff.net.0'), options.activation ?? 'gelu'), p.ff.net[2], 'ff.net.2')); // (… × d_ff) → (… × C)
    return tf.add(h, ffn); // h + FFN(LN₂ h)
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
