/**
 * The ops a Transformer block is built from, as one set chosen once — when a model runs (evaluation,
 * the default) or when a trainer is created (src/tfjs/training/training-op-set.ts) — instead of a
 * choice inside every layer. Both sets compute the same formulas (spec/blocks/training-ops.spec.ts
 * holds the training set to this one, value and gradient); they differ in the kernels they use
 * and in dropout, which only the training set applies.
 *
 * Shapes: x (B × T × C); heads' weights (hs × C) each; the attention op returns the heads merged,
 * (B × T × H·hs), before the output projection.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../reference/activations.js';
import { checkRowIds } from '../reference/tiny-models.js';
import { activation } from './activations.js';
import { layerNorm, type TfLayerNormParams } from './layer-norm.js';
import { linear, type TfLinearParams } from './linear.js';
import { causalMask } from './masks.js';
import { attentionUnchecked } from './scaled-dot-product-attention.js';

/** The heads' projection weights by role, (hs × C) each, in head order. */
export interface TfHeadWeights {
  query: tf.Tensor[];
  key: tf.Tensor[];
  value: tf.Tensor[];
}

export interface TfOpSet {
  /** 'evaluation' or 'training': for messages and reports. */
  readonly name: string;
  linear(x: tf.Tensor, p: TfLinearParams, name: string): tf.Tensor;
  layerNorm(x: tf.Tensor, p: TfLayerNormParams, eps: number, name: string): tf.Tensor;
  activation(x: tf.Tensor, kind: Activation): tf.Tensor;
  /** Rows of an embedding table by token id: (B × T) ids → (B × T × C). */
  embedding(table: tf.Tensor, idx: number[][]): tf.Tensor;
  /**
   * All heads of attention: queries from x (B × T × C), keys and values from `memory`
   * (B × T_kv × C) or, without it, from x; returns the heads merged, (B × T × H·hs).
   */
  attention(x: tf.Tensor, memory: tf.Tensor | undefined, heads: TfHeadWeights, options: { causal: boolean }): tf.Tensor;
  /** Dropout where the tutorial's modules apply it; the identity in evaluation. */
  dropout(x: tf.Tensor): tf.Tensor;
}

/**
 * Rows of an embedding table by token id, as a one-hot matrix product: (B·T × V)(V × C). Same
 * values as tf.gather, but its gradient needs only matMul — the wasm backend has no kernel for
 * gather's gradient (UnsortedSegmentSum).
 */
export function embeddingLookup(table: tf.Tensor, idx: number[][]): tf.Tensor {
  const [V, C] = table.shape as [number, number];
  checkRowIds(idx, V); // on the host, as the reference does
  const [B, T] = [idx.length, idx[0].length];
  return tf.tidy(() => tf.reshape(tf.matMul(oneHotRows(idx.flat(), V), table), [B, T, C])); // (B·T × V)(V × C) → (B × T × C)
}

/** One-hot rows (N × V) of the ids; tf.oneHot needs depth ≥ 2, so a one-row table gets a column of ones. */
export function oneHotRows(ids: number[], V: number): tf.Tensor {
  return V === 1 ? tf.ones([ids.length, 1]) : tf.oneHot(tf.tensor1d(ids, 'int32'), V);
}

/** The plain formulas (the path the PyTorch fixtures test); dropout is the identity. */
export const EVALUATION_OPS: TfOpSet = {
  name: 'evaluation',
  linear,
  layerNorm,
  activation,
  embedding: embeddingLookup,
  attention(x, memory, heads, options) {
    const kv = memory ?? x;
    const [B, T] = x.shape as [number, number, number];
    const Tk = kv.shape[1]!;
    const H = heads.query.length;
    const hs = heads.query[0].shape[0]!;
    return tf.tidy(() => {
      const project = (input: tf.Tensor, role: keyof TfHeadWeights) => linear(input, { weight: tf.concat(heads[role], 0) }, `heads.*.${role}`); // (B × n × H·hs)
      const split = (y: tf.Tensor, n: number) => tf.transpose(tf.reshape(y, [B, n, H, hs]), [0, 2, 1, 3]); // (B × n × H·hs) → (B × H × n × hs)
      const q = split(project(x, 'query'), T);
      const k = split(project(kv, 'key'), Tk);
      const v = split(project(kv, 'value'), Tk);
      const out = attentionUnchecked(q, k, v, 1 / Math.sqrt(hs), options.causal ? causalMask(T, Tk) : null, -Infinity).output; // (B × H × T × hs)
      return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B, T, H * hs]); // (B × H × T × hs) → (B × T × H·hs)
    });
  },
  dropout: (x) => x,
};
