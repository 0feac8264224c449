/**
 * TinyGPT / TinyBERT in TensorFlow.js (float32); same formula and parameter tree as
 * src/reference/tiny-models.ts, batched: idx (B × T) int32 → logits (B × T × V), loss (scalar).
 * Evaluation ops (dropout = identity) by default, the mode the PyTorch fixtures are exported in;
 * a trainer passes its op set (`options.ops`, src/tfjs/training/training-op-set.ts), chosen once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { canReadSynchronously } from './validate.js';
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import type { TinyConfig, TinyKind } from '../core/tiny-config.js';
import { checkTokens } from '../reference/tiny-models.js';
import type { TfLayerNormParams } from './layer-norm.js';
import type { TfLinearParams } from './linear.js';
import { EVALUATION_OPS, type TfOpSet } from './op-set.js';
import { block, type TfBlockParams } from './transformer-block.js';

export interface TfTinyModelParams {
  token_embed: { weight: tf.Tensor };
  pos_embed: { weight: tf.Tensor };
  blocks: TfBlockParams[];
  ln_f: TfLayerNormParams;
  lm_head?: TfLinearParams;
  mlm_head?: TfLinearParams;
}

/**
 * The targets' checks, on host values (also run by the op registry's adapter before the upload, so
 * that webgpu, which cannot read the targets back, refuses the same inputs by the same errors).
 * @returns how many targets are kept (not the ignore index)
 */
export function checkCrossEntropyTargets(targets: ArrayLike<number>, V: number, ignoreIndex = -100): number {
  let kept = 0;
  Array.from(targets).forEach((v, i) => {
    if (v === ignoreIndex) return;
    if (!Number.isInteger(v) || v < 0 || v >= V) throw new RangeArgumentError(`cross-entropy: target ${i} is ${v}, outside the vocabulary 0…${V - 1} (and not the ignore index ${ignoreIndex})`);
    kept += 1;
  });
  if (kept === 0) throw new ArgumentError(`cross-entropy: every target is the ignore index ${ignoreIndex}, so the mean loss is undefined`);
  return kept;
}

/**
 * Mean cross-entropy over targets ≠ ignoreIndex (see src/reference/cross-entropy.ts).
 * logits (N × V), targets (N) int32.
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor, ignoreIndex = -100): tf.Scalar {
  if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`cross-entropy needs logits (N × V) and targets (N), got [${logits.shape}] and [${targets.shape}]`);
  }
  const V = logits.shape[1]!;
  if (!canReadSynchronously()) return crossEntropyOnDevice(logits, targets, ignoreIndex);
  const kept = checkCrossEntropyTargets(targets.dataSync(), V, ignoreIndex);
  return tf.tidy(() => {
    const keep = tf.cast(tf.notEqual(targets, ignoreIndex), 'float32'); // (N)
    const safe = tf.where(tf.notEqual(targets, ignoreIndex), targets, tf.zerosLike(targets)); // any valid id for ignored rows
    const logp = tf.logSoftmax(logits, -1); // (N × V)
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(safe, 'int32'), V)), -1); // log p(target) per row
    return tf.div(tf.neg(tf.sum(tf.mul(picked, keep))), kept) as tf.Scalar;
  });
}

/**
 * The same loss without reading the targets (webgpu, where a synchronous read loses the device):
 * the count of kept targets is summed on the device, and a target outside 0…V−1 (other than the
 * ignore index), or no kept target at all, makes the loss NaN — refused by name when it is read
 * back (numeric-conventions rule 4) instead of the RangeArgumentError the other backends throw.
 */
function crossEntropyOnDevice(logits: tf.Tensor, targets: tf.Tensor, ignoreIndex: number): tf.Scalar {
  const V = logits.shape[1]!;
  return tf.tidy(() => {
    const kept = tf.notEqual(targets, ignoreIndex); // (N)
    const keep = tf.cast(kept, 'float32');
    const inRange = tf.logicalAnd(tf.greaterEqual(targets, 0), tf.less(targets, V));
    const valid = tf.all(tf.logicalOr(tf.logicalNot(kept), inRange)); // every kept target is an id
    const safe = tf.where(kept, targets, tf.zerosLike(targets));
    const logp = tf.logSoftmax(logits, -1); // (N × V)
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(safe, 'int32'), V)), -1); // log p(target) per row
    const loss = tf.div(tf.neg(tf.sum(tf.mul(picked, keep))), tf.sum(keep)); // 0/0 = NaN when nothing is kept
    return tf.where(valid, loss, tf.scalar(NaN)) as tf.Scalar;
  });
}

export { embeddingLookup } from './op-set.js';

export function tinyModel(
  kind: TinyKind,
  config: TinyConfig,
  params: TfTinyModelParams,
  idx: number[][],
  targets?: number[][],
  options: { ops?: TfOpSet } = {},
): { logits: tf.Tensor; loss?: tf.Scalar } {
  checkTokens(idx, config);
  const head = kind === 'tinygpt' ? params.lm_head : params.mlm_head;
  if (!head) throw new ShapeError(`${kind} parameters need ${kind === 'tinygpt' ? 'lm_head' : 'mlm_head'}.weight and .bias`);
  if (targets && (targets.length !== idx.length || targets.some((t, b) => t.length !== idx[b].length))) {
    throw new ShapeError(`targets must have the shape of tokens (${idx.length} × ${idx[0].length})`);
  }
  const [B, T] = [idx.length, idx[0].length];
  return tf.tidy(() => {
    const ops = options.ops ?? EVALUATION_OPS;
    const tok = ops.embedding(params.token_embed.weight, idx); // (B × T × C)
    const pos = tf.slice(params.pos_embed.weight, [0, 0], [T, -1]); // rows 0…T−1 (T × C), broadcast over B
    let x = tf.add(tok, pos);
    for (const b of params.blocks) x = block(x, b, { causal: kind === 'tinygpt', ops }); // (B × T × C)
    const logits = ops.linear(ops.layerNorm(x, params.ln_f, 1e-5, 'ln_f'), head, kind === 'tinygpt' ? 'lm_head' : 'mlm_head'); // (B × T × V)
    if (!targets) return { logits };
    const V = config.vocab_size;
    if (kind === 'tinygpt' && targets.flat().some((t) => t === -100)) throw new RangeArgumentError('TinyGPT targets must be token ids; −100 is only an ignore index for TinyBERT');
    const loss = crossEntropy(tf.reshape(logits, [B * T, V]), tf.tensor1d(targets.flat(), 'int32'), -100);
    return { logits, loss };
  }) as { logits: tf.Tensor; loss?: tf.Scalar };
}
