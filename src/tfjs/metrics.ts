/**
 * Language-model losses and metrics in TensorFlow.js (float32): the same names, formulas and
 * argument checks as src/reference/metrics.ts. Logits (N × V) float32, targets (N) as numbers.
 *
 *   response loss  cross-entropy with prompt positions' targets set to −100 (mean or sum)
 *   perplexity     e^CE            bits per char   CE / ln 2
 *   accuracy       share of scored positions whose argmax is the target (tf.argMax: first maximum)
 *
 * Cross-entropy itself is tiny-models.ts's `crossEntropy` (log-softmax, ignore index −100).
 * Results are scalars the caller disposes; intermediates live inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import { IGNORE_INDEX, maskTargets, type Reduction } from '../reference/metrics.js';
import { crossEntropy } from './tiny-models.js';
import { assertFinite, assertTensor, canReadSynchronously } from './validate.js';

function checkLogits(logits: tf.Tensor, targets: readonly number[], what: string): void {
  assertTensor(logits, `${what}: logits`);
  if (logits.rank !== 2 || logits.shape[0] !== targets.length) throw new ShapeError(`${what} needs logits (N × V) and N targets, got logits [${logits.shape}] and ${targets.length} targets`);
  assertFinite(logits, `${what}: logits`);
}

const targetTensor = (targets: readonly number[]) => tf.tensor1d(targets as number[], 'int32');

/** Mean (or summed) cross-entropy over the positions where `responseMask` is true. */
export function responseLoss(logits: tf.Tensor, targets: readonly number[], responseMask: readonly boolean[], reduction: Reduction = 'mean'): tf.Scalar {
  checkLogits(logits, targets, 'response loss');
  const masked = maskTargets(targets, responseMask);
  if (reduction !== 'mean' && reduction !== 'sum') throw new ArgumentError(`reduction must be "mean" or "sum", got ${JSON.stringify(reduction)}`);
  const kept = masked.filter((t) => t !== IGNORE_INDEX).length;
  return tf.tidy(() => {
    const mean = crossEntropy(logits, targetTensor(masked), IGNORE_INDEX);
    return (reduction === 'mean' ? mean : tf.mul(mean, kept)) as tf.Scalar;
  });
}

function checkLoss(ce: tf.Scalar, what: string): void {
  assertTensor(ce, `${what}: cross-entropy`);
  if (ce.rank !== 0) throw new ShapeError(`${what}: the cross-entropy must be a scalar, got shape [${ce.shape}]`);
  // webgpu: no synchronous read (it loses the device). The adapter checked the value on the host
  // (finite); a negative loss gives NaN from the op itself (see onDevice below), refused on read-back.
  if (!canReadSynchronously()) return;
  const v = ce.dataSync()[0];
  if (!Number.isFinite(v)) throw new RangeArgumentError(`${what}: the cross-entropy must be finite, got ${v}`);
  if (v < 0) throw new RangeArgumentError(`${what}: a cross-entropy is never negative, got ${v}`);
}

/** Where checkLoss could not read the loss (webgpu): a negative loss makes the result NaN, which the read-back refuses. */
const onDevice = (ce: tf.Tensor, result: tf.Tensor): tf.Tensor => (canReadSynchronously() ? result : tf.where(tf.greaterEqual(ce, 0), result, tf.fill(result.shape, NaN)));

/** PPL = e^CE. */
export function perplexityFromLoss(ce: tf.Scalar): tf.Scalar {
  checkLoss(ce, 'perplexity');
  return tf.tidy(() => onDevice(ce, tf.exp(ce)) as tf.Scalar);
}

/** BPC = CE / ln 2. */
export function bitsPerCharacterFromLoss(ce: tf.Scalar): tf.Scalar {
  checkLoss(ce, 'bits per character');
  return tf.tidy(() => onDevice(ce, tf.div(ce, Math.LN2)) as tf.Scalar);
}

export function perplexity(logits: tf.Tensor, targets: readonly number[], ignoreIndex = IGNORE_INDEX): tf.Scalar {
  checkLogits(logits, targets, 'perplexity');
  return tf.tidy(() => tf.exp(crossEntropy(logits, targetTensor(targets), ignoreIndex)) as tf.Scalar);
}

export function bitsPerCharacter(logits: tf.Tensor, targets: readonly number[], ignoreIndex = IGNORE_INDEX): tf.Scalar {
  checkLogits(logits, targets, 'bits per character');
  return tf.tidy(() => tf.div(crossEntropy(logits, targetTensor(targets), ignoreIndex), Math.LN2) as tf.Scalar);
}

/** Checks the targets and builds the per-row hits (N) on the device; `total` scored positions. */
function accuracyParts(logits: tf.Tensor, targets: readonly number[], ignoreIndex: number): { total: number; hits: () => tf.Tensor } {
  checkLogits(logits, targets, 'accuracy');
  const V = logits.shape[1]!;
  targets.forEach((t, i) => {
    if (t !== ignoreIndex && (!Number.isInteger(t) || t < 0 || t >= V)) throw new RangeArgumentError(`accuracy: target ${i} is ${t}, outside the vocabulary 0…${V - 1} (and not the ignore index ${ignoreIndex})`);
  });
  const total = targets.filter((t) => t !== ignoreIndex).length;
  if (total === 0) throw new ArgumentError(`accuracy: every target is the ignore index ${ignoreIndex}, so there is nothing to score`);
  return {
    total,
    hits: () =>
      tf.tidy(() => {
        const t = targetTensor(targets);
        const hit = tf.logicalAnd(tf.equal(tf.argMax(logits, -1), t), tf.notEqual(t, ignoreIndex)); // (N)
        return tf.sum(tf.cast(hit, 'int32'));
      }),
  };
}

/** Share of scored positions whose argmax is the target, with the counts (reads the count synchronously: not on webgpu). */
export function accuracy(logits: tf.Tensor, targets: readonly number[], ignoreIndex = IGNORE_INDEX): { correct: number; total: number; accuracy: tf.Scalar } {
  const { total, hits } = accuracyParts(logits, targets, ignoreIndex);
  if (!canReadSynchronously()) throw new ArgumentError(`accuracy reads its count synchronously, which loses the device on ${tf.getBackend()}: use accuracyAsync`);
  const h = hits();
  const correct = h.dataSync()[0];
  h.dispose();
  return { correct, total, accuracy: tf.scalar(correct / total) };
}

/** The same, reading the count asynchronously (every backend; the form the op registry uses on webgpu). */
export async function accuracyAsync(logits: tf.Tensor, targets: readonly number[], ignoreIndex = IGNORE_INDEX): Promise<{ correct: number; total: number; accuracy: tf.Scalar }> {
  const { total, hits } = accuracyParts(logits, targets, ignoreIndex);
  const h = hits();
  const correct = (await h.data())[0];
  h.dispose();
  return { correct, total, accuracy: tf.scalar(correct / total) };
}
