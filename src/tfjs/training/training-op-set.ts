/**
 * The op set of the training path (see src/tfjs/op-set.ts): the same formulas as EVALUATION_OPS
 * through the kernels of ./training-ops.ts (hand-written gradients; the fused wasm kernels where
 * they run), with inverted dropout at the places the tutorial's modules apply nn.Dropout
 * (scratch §3.4, §4.4): each head's attention weights, the output projection, the end of the FFN.
 * A trainer creates it once, with its dropout probability and seed stream.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activation } from '../activations.js';
import type { TfOpSet } from '../op-set.js';
import { attentionForTraining, dropoutForTraining, embeddingForTraining, geluForTraining, layerNormForTraining, linearForTraining, selfAttentionForTraining } from './training-ops.js';

/**
 * Dropout probability p (the model's `dropout`, 0.1 in the tutorial) and a source of seeds, one
 * per dropout call, so that a training run is reproducible from its first seed. p = 0 trains
 * without dropout (and evaluates on the fast kernels).
 */
export interface TfTrainingMode {
  p: number;
  nextSeed(): number;
}

export function trainingOps(mode: TfTrainingMode): TfOpSet {
  const dropping = mode.p > 0;
  return {
    name: dropping ? `training (dropout ${mode.p})` : 'training (no dropout)',
    linear: linearForTraining,
    layerNorm: layerNormForTraining,
    activation: (x: tf.Tensor, kind) => (kind === 'gelu' ? geluForTraining(x) : activation(x, kind)),
    embedding: embeddingForTraining,
    attention(x, memory, heads, options) {
      const attn = { causal: options.causal, dropout: dropping ? { p: mode.p, seed: mode.nextSeed() } : undefined };
      if (!memory) return selfAttentionForTraining(x, heads, attn);
      const project = (input: tf.Tensor, role: 'query' | 'key' | 'value', w: tf.Tensor[]) => linearForTraining(input, { weight: tf.concat(w, 0) }, `heads.*.${role}`); // (B × n × H·hs)
      return attentionForTraining(project(x, 'query', heads.query), project(memory, 'key', heads.key), project(memory, 'value', heads.value), heads.query.length, attn);
    },
    dropout: (x) => (dropping ? dropoutForTraining(x, mode.p, mode.nextSeed()) : x),
  };
}
