/**
 * Decoding filters in TensorFlow.js (float32) on logits (… × V), the last axis the vocabulary;
 * formulas, conventions (ties kept at the top-k and top-p boundaries, order temperature → top-k →
 * top-p) and argument checks are those of src/reference/sampling.ts:
 *
 *   temperature   z / T; a row float32 cannot hold that way (T = 1e-300 rounds to 0, or z/T passes
 *                 float32's range) is scaled as (z − max z)/T with the max entries exactly 0 instead:
 *                 softmax gives the same distribution (it is shift-invariant), top-k/top-p keep the
 *                 same tokens, and T → 0 is the limit — the argmax, ties shared — as the float64
 *                 reference gives, not 0/0 (src/core/numeric-conventions.ts, rule 3f)
 *   top-k         z_i ↦ −∞ where z_i < z_(k), z_(k) = the k-th largest (tf.topk); k ≥ V: unchanged
 *   top-p         π = softmax(z), π_(1) ≥ π_(2) ≥ … (tf.topk over all V), before_j = Σ_{i<j} π_(i)
 *                 (exclusive cumsum); the nucleus is every j with before_j < p and π_(j) > 0; its
 *                 least probable member π_min; keep z_i where π_i ≥ π_min. p = 1: unchanged
 *
 * Sampling itself draws from the probabilities read back to JavaScript with the reference's
 * seeded inverse-CDF sampler, so a seed gives the same tokens whichever implementation produced
 * the logits (unless float32 moves a probability across a draw, which is rare).
 * The caller owns returned tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TinyConfig } from '../core/tiny-config.js';
import { checkSamplingOptions, type SamplingOptions } from '../reference/sampling.js';
import { softmaxUnchecked } from './softmax.js';
import { tinyModel, type TfTinyModelParams } from './tiny-models.js';
import { assertFinite, assertRankAtLeast, assertTensor } from './validate.js';

export function filterLogits(logits: tf.Tensor, o: SamplingOptions = {}): tf.Tensor {
  assertTensor(logits, 'logits');
  assertRankAtLeast(logits, 1, 'logits');
  assertFinite(logits, 'logits', true);
  checkSamplingOptions(o);
  const V = logits.shape[logits.rank - 1]!;
  return tf.tidy(() => {
    let z = o.temperature === undefined || o.temperature === 1 ? logits.clone() : temperatureScaled(logits, o.temperature);
    if (o.topK !== undefined && o.topK < V) {
      const kth = tf.min(tf.topk(z, o.topK).values, -1, true); // z_(k), (… × 1)
      z = tf.where(tf.less(z, kth), tf.fill(z.shape, -Infinity), z);
    }
    if (o.topP !== undefined && o.topP < 1) {
      const probs = softmaxUnchecked(z, -1); // (… × V)
      const sorted = tf.topk(probs, V).values; // descending, (… × V)
      // the mass of the more probable tokens; a positive axis, because cumsum with axis −1 returns a tensor of shape [undefined] on the wasm backend (tfjs 4.22)
      const before = tf.cumsum(sorted, sorted.rank - 1, true);
      const inNucleus = tf.logicalAnd(tf.less(before, o.topP), tf.greater(sorted, 0));
      const smallest = tf.min(tf.where(inNucleus, sorted, tf.fill(sorted.shape, Infinity)), -1, true); // π_min, (… × 1)
      z = tf.where(tf.greaterEqual(probs, smallest), z, tf.fill(z.shape, -Infinity));
    }
    return z;
  });
}

/**
 * z / T, as the reference computes it, for every row float32 can hold; a row where float32 cannot
 * (T rounds to 0, or the largest z/T passes float32's range: NaN or +∞ appear) becomes
 * (z − max z)/T with the max entries exactly 0 — the same distribution, and the limit T → 0 (see
 * the module header). −∞ (masked) stays −∞.
 */
function temperatureScaled(z: tf.Tensor, temperature: number): tf.Tensor {
  return tf.tidy(() => {
    const plain = tf.div(z, temperature); // (… × V)
    const m = tf.max(z, -1, true); // (… × 1)
    const shifted = tf.sub(z, m); // ≤ 0; −∞ for masked entries
    const limit = tf.where(tf.greaterEqual(shifted, 0), tf.zerosLike(z), tf.div(shifted, temperature)); // (… × V)
    const broken = tf.any(tf.logicalOr(tf.isNaN(plain), tf.isInf(tf.relu(plain))), -1, true); // NaN or +∞ in the row, (… × 1)
    return tf.where(tf.broadcastTo(broken, z.shape), limit, plain);
  });
}

/** softmax of the filtered logits. */
export function samplingDistribution(logits: tf.Tensor, o: SamplingOptions = {}): tf.Tensor {
  return tf.tidy(() => softmaxUnchecked(filterLogits(logits, o), -1));
}

/** TinyGPT's next-token logits (length V) after a context of ≤ block_size tokens, evaluation mode. */
export function tinyGptNextLogits(config: TinyConfig, params: TfTinyModelParams): (context: number[]) => number[] {
  return (context) =>
    Array.from(
      tf.tidy(() => {
        const logits = tinyModel('tinygpt', config, params, [context]).logits; // (1 × T × V)
        return tf.slice(logits, [0, context.length - 1, 0], [1, 1, -1]).dataSync(); // the last position
      }),
    );
}

/** tinyGptNextLogits read back asynchronously: the form a GPU backend allows (WebGPU loses its device on a synchronous read). */
export function tinyGptNextLogitsAsync(config: TinyConfig, params: TfTinyModelParams): (context: number[]) => Promise<number[]> {
  return async (context) => {
    const last = tf.tidy(() => tf.slice(tinyModel('tinygpt', config, params, [context]).logits, [0, context.length - 1, 0], [1, 1, -1])); // (1 × 1 × V)
    try {
      return Array.from(await last.data());
    } finally {
      last.dispose();
    }
  };
}

/** distributionOf, read back asynchronously. */
export function distributionOfAsync(o: SamplingOptions): (logits: number[]) => Promise<number[]> {
  return async (z) => {
    const p = tf.tidy(() => samplingDistribution(tf.tensor1d(z), o));
    try {
      return Array.from(await p.data());
    } finally {
      p.dispose();
    }
  };
}

/** The same filters as a plain-array function (for the generation loop): probabilities of length V. */
export function distributionOf(o: SamplingOptions): (logits: number[]) => number[] {
  return (z) => Array.from(tf.tidy(() => samplingDistribution(tf.tensor1d(z), o).dataSync()));
}
