/**
 * Attention as today's decoder LLMs use it, in TensorFlow.js (float32): the same formula, name,
 * arguments, options and steps as src/reference/attention.ts (read the header there for the
 * sources and the conventions it names):
 *
 *   scores = Q_h K_{g(h)}ᵀ,  scaled = scale · scores,  capped = cap · tanh(scaled / cap),
 *   biased = capped + bias + ALiBi,  masked = biased where allowed else maskValue,
 *   weights = softmax(masked),  output = weights V_{g(h)},   g(h) = ⌊h / (H / H_kv)⌋
 *
 * Shapes: q (B, H, n_q, d_k), k (B, H_kv, n_new, d_k), v (B, H_kv, n_new, d_v) — or rank 3 without
 * B, rank 2 without B and H; every step (…, H, n_q, n_k), output (…, H, n_q, d_v), presentKey /
 * presentValue (…, H_kv, n_past + n_new, d). Inside, everything runs in the padded 4-D layout.
 *
 * Returns the output tensor; with `present: true` { output, presentKey, presentValue }; with
 * `steps: true` every step and the present keys/values. The caller owns what is returned. The
 * mask, the causal alignment, the key lengths and ALiBi's bias are built on the host (no
 * synchronous read-back); a bias or mask given as a tensor stays on the device (a bias tensor is
 * differentiable).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../core/errors.js';
import { shapeOf } from '../core/shape.js';
import {
  alibiBias,
  alibiSlopes,
  broadcastIndexer,
  checkGeneralAttentionShapes,
  checkMaskAndBias,
  pastShapes,
  resolveCausal,
  structuralAllows,
  type AttentionDims,
  type AttentionWithPresent,
  type GeneralAttentionOptions,
  type GeneralAttentionSteps,
} from '../reference/attention.js';
import { resolveScale } from '../reference/scaled-dot-product-attention.js';
import { softmaxUnchecked } from './softmax.js';
import { assertFinite, assertTensor } from './validate.js';

/** A nested array or a tensor, as an options field arrives. */
const isTensor = (x: unknown): x is tf.Tensor => x instanceof tf.Tensor;

/** The padded 4-D shape: (1, 1, …) in front of a lower-rank shape. */
const pad4 = (s: readonly number[]) => [...new Array(4 - s.length).fill(1), ...s];

/** Host-built boolean "allowed" tensor (B or 1, 1, n_q, n_k) for the causal alignment and key lengths, or null. */
function structuralMask(options: GeneralAttentionOptions, dims: AttentionDims): tf.Tensor | null {
  const alignment = resolveCausal(options.causal);
  const lengths = options.keyLengths ?? null;
  if (!alignment && !lengths) return null;
  const Bm = lengths ? dims.batch : 1;
  const values = new Uint8Array(Bm * dims.nQ * dims.nK);
  for (let b = 0; b < Bm; b++) {
    for (let i = 0; i < dims.nQ; i++) for (let j = 0; j < dims.nK; j++) values[(b * dims.nQ + i) * dims.nK + j] = structuralAllows(alignment, lengths, dims, b, i, j) ? 1 : 0;
  }
  return tf.tensor4d(values, [Bm, 1, dims.nQ, dims.nK], 'bool'); // (B or 1, 1, n_q, n_k)
}

/** Host-built ALiBi bias (1, H, n_q, n_k), or null. */
function alibiTensor(options: GeneralAttentionOptions, dims: AttentionDims): tf.Tensor | null {
  if (!options.alibi) return null;
  const slopes = options.alibi === true ? alibiSlopes(dims.nHeads) : options.alibi;
  const values = new Float32Array(dims.nHeads * dims.nQ * dims.nK);
  for (let h = 0; h < dims.nHeads; h++) {
    for (let i = 0; i < dims.nQ; i++) for (let j = 0; j < dims.nK; j++) values[(h * dims.nQ + i) * dims.nK + j] = alibiBias(slopes[h], i, j, dims.nQ, dims.nK);
  }
  return tf.tensor4d(values, [1, dims.nHeads, dims.nQ, dims.nK]); // (1, H, n_q, n_k)
}

/** K or V of H_kv heads repeated to H heads, HF repeat_kv order (kv head g serves query heads g·G … g·G + G − 1). */
function repeatKv(x: tf.Tensor, group: number): tf.Tensor {
  if (group === 1) return x;
  const [B, Hkv, n, d] = x.shape;
  // rank 4 throughout: tfjs has no gradient for a rank-5 tile
  const tiled = tf.tile(tf.reshape(x, [B * Hkv, 1, n, d]), [1, group, 1, 1]); // (B·H_kv, 1, n, d) → (B·H_kv, G, n, d)
  return tf.reshape(tiled, [B, Hkv * group, n, d]); // (B, H, n, d)
}

export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: GeneralAttentionOptions & { steps: true }): GeneralAttentionSteps<tf.Tensor>;
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: GeneralAttentionOptions & { present: true; steps?: false }): AttentionWithPresent<tf.Tensor>;
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options?: GeneralAttentionOptions): tf.Tensor;
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: GeneralAttentionOptions = {}): tf.Tensor | GeneralAttentionSteps<tf.Tensor> | AttentionWithPresent<tf.Tensor> {
  assertTensor(q, 'q');
  assertTensor(k, 'k');
  assertTensor(v, 'v');
  const hasPast = options.pastKey != null || options.pastValue != null;
  const shapeOfArg = (x: unknown, name: string) => (isTensor(x) ? x.shape : shapeOf(x, name));
  const dims = checkGeneralAttentionShapes(q.shape, k.shape, v.shape, pastShapes(options, shapeOfArg));
  // tensors given as mask or bias: shape checks here, entries on the device (bool dtype, finite or −∞)
  const maskT = isTensor(options.mask) ? options.mask : null;
  const biasT = isTensor(options.bias) ? options.bias : null;
  if (maskT && maskT.dtype !== 'bool') throw new ArgumentError(`mask tensor must have dtype bool (true = may attend), got ${maskT.dtype}`);
  checkMaskAndBias(options, dims, maskT ? null : options.mask, biasT ? null : options.bias); // tensors: their shapes just below
  if (maskT) broadcastIndexer(maskT.shape, dims.scoresShape, 'mask');
  if (biasT) {
    broadcastIndexer(biasT.shape, dims.scoresShape, 'bias');
    assertFinite(biasT, 'bias', true);
  }
  for (const [t, n] of [[q, 'q'], [k, 'k'], [v, 'v']] as const) assertFinite(t, n);
  const factor = resolveScale(options.scale, dims.dK);
  const { rank, nQ, dV } = dims;
  const stepShape = dims.scoresShape;
  const outShape = [...q.shape.slice(0, -2), nQ, dV];

  return tf.tidy((): tf.TensorContainer => {
    const pastK = hasPast ? (isTensor(options.pastKey) ? options.pastKey : tf.tensor(options.pastKey as number[])) : null;
    const pastV = hasPast ? (isTensor(options.pastValue) ? options.pastValue : tf.tensor(options.pastValue as number[])) : null;
    if (pastK) assertFinite(pastK, 'pastKey');
    if (pastV) assertFinite(pastV, 'pastValue');
    const as4 = (t: tf.Tensor) => tf.reshape(t, pad4(t.shape)); // (…, n, d) → (B, H, n, d)
    const q4 = as4(q); // (B, H, n_q, d_k)
    const presentKey = pastK ? tf.concat([as4(pastK), as4(k)], 2) : as4(k); // (B, H_kv, n_k, d_k)
    const presentValue = pastV ? tf.concat([as4(pastV), as4(v)], 2) : as4(v); // (B, H_kv, n_k, d_v)
    const keys = repeatKv(presentKey, dims.group); // (B, H, n_k, d_k)
    const values = repeatKv(presentValue, dims.group); // (B, H, n_k, d_v)
    // Explicit transpose: wasm's matMul with transposeB is much slower than a plain product.
    const scores = tf.matMul(q4, tf.transpose(keys, [0, 1, 3, 2])); // (B, H, n_q, d_k)(B, H, d_k, n_k) → (B, H, n_q, n_k)
    const scaled = factor === 1 ? scores.clone() : tf.mul(scores, tf.scalar(factor)); // (B, H, n_q, n_k)
    const cap = options.softcap ?? null;
    const capped = cap != null ? tf.mul(tf.tanh(tf.div(scaled, tf.scalar(cap))), tf.scalar(cap)) : scaled.clone(); // (B, H, n_q, n_k)
    let biased = capped;
    const userBias = biasT ?? (options.bias != null ? tf.tensor(options.bias as number[]) : null);
    if (userBias) biased = tf.add(biased, as4(userBias)); // broadcast to (B, H, n_q, n_k)
    const alibi = alibiTensor(options, dims);
    if (alibi) biased = tf.add(biased, alibi); // + (1, H, n_q, n_k)
    if (biased === capped) biased = capped.clone();
    let allowed = structuralMask(options, dims); // (B or 1, 1, n_q, n_k)
    const userMask = maskT ?? (options.mask != null ? tf.tensor(options.mask as unknown as number[], undefined, 'bool') : null);
    if (userMask) allowed = allowed ? tf.logicalAnd(allowed, as4(userMask)) : as4(userMask);
    const maskValue = options.maskValue ?? -Infinity;
    const masked = allowed ? tf.where(tf.broadcastTo(allowed, biased.shape), biased, tf.fill(biased.shape, maskValue)) : biased.clone(); // (B, H, n_q, n_k)
    const weights = softmaxUnchecked(masked, -1); // rows sum to 1, or are all 0 when fully masked (B, H, n_q, n_k)
    const output = tf.matMul(weights, values); // (B, H, n_q, n_k)(B, H, n_k, d_v) → (B, H, n_q, d_v)
    const back = (t: tf.Tensor, shape: number[]) => tf.reshape(t, shape); // (B, H, …) → the inputs' rank
    const presentShape = (t: tf.Tensor) => (rank === 4 ? t.shape : t.shape.slice(4 - rank));
    const present = { presentKey: back(presentKey, presentShape(presentKey)), presentValue: back(presentValue, presentShape(presentValue)) };
    const out = back(output, outShape);
    if (options.steps) {
      return { scores: back(scores, stepShape), scaled: back(scaled, stepShape), capped: back(capped, stepShape), biased: back(biased, stepShape), masked: back(masked, stepShape), weights: back(weights, stepShape), output: out, ...present };
    }
    if (options.present) return { output: out, ...present };
    return out;
  }) as unknown as tf.Tensor;
}

