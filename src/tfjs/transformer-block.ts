/**
 * Transformer layers in TensorFlow.js with the tutorial's PyTorch parameter names; see
 * src/reference/transformer-block.ts for the formulas. Inputs are batched: x (B × T × C).
 * The tutorial's per-head Linear layers are stacked into one projection per role:
 * W_Q = concat_h(heads.h.query.weight) (H·hs × C), so Q = x W_Qᵀ is split into H heads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Activation } from '../reference/activations.js';
import { causalMask } from './masks.js';
import { attentionUnchecked } from './scaled-dot-product-attention.js';
import { feedForward, layerNorm, linear, type TfFeedForwardParams, type TfLayerNormParams, type TfLinearParams } from './layers.js';

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

/** The tutorial's MultiHead on batched input; `memory` switches to cross-attention. */
export function multiHeadModule(x: tf.Tensor, p: TfMultiHeadModuleParams, options: { causal?: boolean; memory?: tf.Tensor } = {}): tf.Tensor {
  if (x.rank !== 3) throw new ShapeError(`x must be (B × T × C), got ${formatShape(x.shape)}`, 'BAD_RANK');
  const kv = options.memory ?? x;
  if (kv.rank !== 3 || kv.shape[0] !== x.shape[0] || kv.shape[2] !== x.shape[2]) throw new ShapeError(`memory must be (B × T_enc × C) with B = ${x.shape[0]} and C = ${x.shape[2]}, got ${formatShape(kv.shape)}`);
  const H = p.heads.length;
  if (H === 0) throw new ShapeError('multi-head module needs at least one head (heads.0.…)');
  const [B, T] = x.shape as [number, number, number];
  const Tk = kv.shape[1]!;
  const hs = p.heads[0].query.weight.shape[0]!;
  return tf.tidy(() => {
    const project = (input: tf.Tensor, n: number, role: 'query' | 'key' | 'value') => {
      const w = tf.concat(p.heads.map((h) => h[role].weight), 0); // (H·hs × C)
      const y = linear(input, { weight: w }, `heads.*.${role}`); // (B × n × H·hs)
      return tf.transpose(tf.reshape(y, [B, n, H, hs]), [0, 2, 1, 3]); // (B × H × n × hs)
    };
    const q = project(x, T, 'query');
    const k = project(kv, Tk, 'key');
    const v = project(kv, Tk, 'value');
    const mask = options.causal ? causalMask(T, Tk) : null;
    const steps = attentionUnchecked(q, k, v, 1 / Math.sqrt(hs), mask, -Infinity); // output (B × H × T × hs)
    const merged = tf.reshape(tf.transpose(steps.output, [0, 2, 1, 3]), [B, T, H * hs]); // (B × T × H·hs)
    return linear(merged, p.proj, 'proj'); // (B × T × C)
  });
}

export function block(x: tf.Tensor, p: TfBlockParams, options: { causal?: boolean; activation?: Activation } = {}): tf.Tensor {
  return tf.tidy(() => {
    const h = tf.add(x, multiHeadModule(layerNorm(x, p.ln1, 1e-5, 'ln1'), p.mh, options)); // x + MHA(LN₁ x)
    return tf.add(h, feedForward(layerNorm(h, p.ln2, 1e-5, 'ln2'), p.ff, options.activation ?? 'gelu')); // h + FFN(LN₂ h)
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
