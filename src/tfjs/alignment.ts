/**
 * Alignment objectives in TensorFlow.js (float32), batched and differentiable with tf.grads; the
 * formulas and citations are those of src/reference/alignment.ts:
 *
 *   ranking loss  −1/C(K,2) Σ_{i<j} log σ(r_i − r_j)      rewards (K) listed best first
 *   PPO clip      min(ρ·Â, clip(ρ, 1−ε, 1+ε)·Â)            elementwise
 *   KL            Σ p log(p/q)                              along the last axis
 *   DPO           −log σ(β[(π_w − ref_w) − (π_l − ref_l)])  elementwise over a batch of pairs (log-probabilities)
 */
import * as tf from '@tensorflow/tfjs-core';
import { RangeArgumentError, ShapeError } from '../core/errors.js';

export function rankingLoss(rewardsBestFirst: tf.Tensor): tf.Scalar {
  if (rewardsBestFirst.rank !== 1 || rewardsBestFirst.shape[0]! < 2) throw new ShapeError(`rewards must be a vector of K ≥ 2 answers, got [${rewardsBestFirst.shape}]`);
  const K = rewardsBestFirst.shape[0]!;
  const above: number[] = [];
  const below: number[] = [];
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      above.push(i);
      below.push(j);
    }
  }
  return tf.tidy(() => {
    const diff = tf.sub(tf.gather(rewardsBestFirst, above), tf.gather(rewardsBestFirst, below)); // (C(K,2))
    return tf.mean(tf.softplus(tf.neg(diff))) as tf.Scalar; // −log σ(z) = softplus(−z)
  });
}

export function ppoClipObjective(ratio: tf.Tensor, advantage: tf.Tensor, epsilon = 0.2): tf.Tensor {
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeArgumentError(`PPO's clip range ε must be in (0, 1), got ${epsilon}`);
  return tf.tidy(() => tf.minimum(tf.mul(ratio, advantage), tf.mul(tf.clipByValue(ratio, 1 - epsilon, 1 + epsilon), advantage)));
}

export function klDivergence(p: tf.Tensor, q: tf.Tensor): tf.Tensor {
  if (p.shape.join() !== q.shape.join()) throw new ShapeError(`p and q must have one shape, got [${p.shape}] and [${q.shape}]`);
  return tf.tidy(() => {
    const positive = tf.greater(p, 0);
    const safeP = tf.where(positive, p, tf.onesLike(p));
    const terms = tf.where(positive, tf.mul(p, tf.log(tf.div(safeP, q))), tf.zerosLike(p)); // 0·log 0 = 0
    return tf.sum(terms, -1);
  });
}

export interface TfPreferenceLogProbs {
  policyChosen: tf.Tensor;
  policyRejected: tf.Tensor;
  referenceChosen: tf.Tensor;
  referenceRejected: tf.Tensor;
}

export function dpoLoss(lp: TfPreferenceLogProbs, beta: number): tf.Tensor {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new RangeArgumentError(`β must be a finite number > 0, got ${beta}`);
  return tf.tidy(() => {
    const margin = tf.mul(beta, tf.sub(tf.sub(lp.policyChosen, lp.referenceChosen), tf.sub(lp.policyRejected, lp.referenceRejected)));
    return tf.softplus(tf.neg(margin)); // −log σ(z) = softplus(−z)
  });
}
