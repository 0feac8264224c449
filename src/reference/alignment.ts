/**
 * Alignment objectives (course "Overview of RLHF", "Building the Reward Model", "Policy
 * Optimization with PPO", "Why PPO and KL Regularization?", "DPO: Direct Preference Optimization"):
 *
 * Reward model from rankings — Bradley & Terry 1952; Ouyang et al. 2022 (InstructGPT), eq. 1.
 * The probability that answer w is preferred to answer l is σ(r_w − r_l); a ranking of K answers
 * gives C(K, 2) ordered pairs, and the loss is their mean negative log-likelihood:
 *
 *   L_RM = −1/C(K,2) · Σ_{i ranked above j} log σ(r_i − r_j)
 *
 * PPO's clipped surrogate — Schulman et al. 2017, eq. 7, with ρ = π_θ(a|s) / π_old(a|s):
 *
 *   L_CLIP = min( ρ·Â, clip(ρ, 1 − ε, 1 + ε)·Â )      (maximised; ε = 0.2 in the paper)
 *
 * KL penalty to the reference (SFT) policy — Ouyang et al. 2022, eq. 2 (after Stiennon et al. 2020):
 *
 *   R(x, y) = r(x, y) − β · log( π_RL(y|x) / π_SFT(y|x) ),   whose expectation under π_RL is
 *   E[r] − β · KL(π_RL ‖ π_SFT),   KL(p ‖ q) = Σ_i p_i log(p_i / q_i) ≥ 0, = 0 only when p = q (Gibbs).
 *
 * DPO — Rafailov et al. 2023, eq. 7, with implicit rewards r̂(y) = β·(log π_θ(y|x) − log π_ref(y|x)):
 *
 *   L_DPO = −log σ( r̂(y_w) − r̂(y_l) )
 *   ∂L/∂log π_θ(y_w) = −β·σ(r̂(y_l) − r̂(y_w)) < 0,    ∂L/∂log π_θ(y_l) = +β·σ(r̂(y_l) − r̂(y_w)) > 0
 *
 * so a gradient step raises the chosen answer's log-probability and lowers the rejected one's; at
 * π_θ = π_ref the loss is −log σ(0) = ln 2. No reward model and no sampling: only the policy's and
 * the reference's log-probabilities of the two answers.
 *
 * −log σ(z) = log(1 + e^{−z}) is evaluated as max(−z, 0) + log(1 + e^{−|z|}), which never
 * overflows. Scalars are the field's (float64 or BigNumber).
 */
import { ArgumentError, RangeArgumentError } from '../core/errors.js';
import { float64, type Field } from './field.js';

const num = <S>(F: Field<S>, x: S, what: string): S => {
  if (!F.isFinite(x)) throw new RangeArgumentError(`${what} must be finite, got ${F.toString(x)}`);
  return x;
};

/** −log σ(z), stably. */
export function negLogSigmoidWith<S>(F: Field<S>, z: S): S {
  const neg = F.lt(z, F.zero);
  const absZ = neg ? F.neg(z) : z;
  return F.add(neg ? absZ : F.zero, F.log(F.add(F.one, F.exp(F.neg(absZ)))));
}

/** σ(z) = 1/(1 + e^{−z}). */
export function sigmoidWith<S>(F: Field<S>, z: S): S {
  return F.div(F.one, F.add(F.one, F.exp(F.neg(z))));
}

/** Bradley–Terry negative log-likelihood that `chosen` beats `rejected`: −log σ(r_w − r_l). */
export function bradleyTerryLossWith<S>(F: Field<S>, rChosen: S, rRejected: S): S {
  return negLogSigmoidWith(F, F.sub(num(F, rChosen, 'chosen reward'), num(F, rRejected, 'rejected reward')));
}

/** InstructGPT's reward-model loss for one ranking: rewards listed best first; mean over the C(K,2) pairs. */
export function rankingLossWith<S>(F: Field<S>, rewardsBestFirst: readonly S[]): S {
  const K = rewardsBestFirst.length;
  if (K < 2) throw new RangeArgumentError(`a ranking needs at least 2 answers, got ${K}`);
  let sum = F.zero;
  for (let i = 0; i < K; i++) for (let j = i + 1; j < K; j++) sum = F.add(sum, bradleyTerryLossWith(F, rewardsBestFirst[i], rewardsBestFirst[j]));
  return F.div(sum, F.from((K * (K - 1)) / 2));
}

/** PPO's clipped surrogate for one action: min(ρ·Â, clip(ρ, 1 − ε, 1 + ε)·Â), ρ = exp(log π − log π_old). */
export function ppoClipObjectiveWith<S>(F: Field<S>, ratio: S, advantage: S, epsilon = 0.2): S {
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeArgumentError(`PPO's clip range ε must be in (0, 1), got ${epsilon}`);
  if (F.lt(num(F, ratio, 'probability ratio'), F.zero)) throw new RangeArgumentError(`a probability ratio is ≥ 0, got ${F.toString(ratio)}`);
  const [lo, hi] = [F.from(1 - epsilon), F.from(1 + epsilon)];
  const clipped = F.lt(ratio, lo) ? lo : F.lt(hi, ratio) ? hi : ratio;
  const a = F.mul(ratio, advantage);
  const b = F.mul(clipped, num(F, advantage, 'advantage'));
  return F.lt(a, b) ? a : b;
}

/** KL(p ‖ q) = Σ p_i log(p_i / q_i) for two distributions over the same outcomes (0·log 0 = 0). */
export function klDivergenceWith<S>(F: Field<S>, p: readonly S[], q: readonly S[]): S {
  if (p.length !== q.length || p.length === 0) throw new ArgumentError(`KL needs two distributions over the same outcomes, got ${p.length} and ${q.length} entries`);
  let kl = F.zero;
  p.forEach((pi, i) => {
    if (F.lt(pi, F.zero) || F.lt(q[i], F.zero)) throw new RangeArgumentError(`probabilities must be ≥ 0 (entry ${i})`);
    if (!F.lt(F.zero, pi)) return; // 0 · log 0 = 0
    if (!F.lt(F.zero, q[i])) throw new RangeArgumentError(`KL(p ‖ q) is infinite: q[${i}] = 0 where p[${i}] > 0`);
    kl = F.add(kl, F.mul(pi, F.log(F.div(pi, q[i]))));
  });
  return kl;
}

/** The per-sample reward PPO maximises in RLHF: r − β·(log π_RL(y|x) − log π_SFT(y|x)). */
export function klPenalisedRewardWith<S>(F: Field<S>, reward: S, logpPolicy: S, logpReference: S, beta: number): S {
  if (!(beta >= 0) || !Number.isFinite(beta)) throw new RangeArgumentError(`β must be a finite number ≥ 0, got ${beta}`);
  return F.sub(reward, F.mul(F.from(beta), F.sub(logpPolicy, logpReference)));
}

export interface PreferenceLogProbs<S> {
  /** log π_θ(y_w | x) */
  policyChosen: S;
  /** log π_θ(y_l | x) */
  policyRejected: S;
  /** log π_ref(y_w | x) */
  referenceChosen: S;
  /** log π_ref(y_l | x) */
  referenceRejected: S;
}

/** The DPO margin β·[(log π_θ(y_w) − log π_ref(y_w)) − (log π_θ(y_l) − log π_ref(y_l))]. */
export function dpoMarginWith<S>(F: Field<S>, lp: PreferenceLogProbs<S>, beta: number): S {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new RangeArgumentError(`β must be a finite number > 0, got ${beta}`);
  for (const k of ['policyChosen', 'policyRejected', 'referenceChosen', 'referenceRejected'] as const) num(F, lp[k], k);
  return F.mul(F.from(beta), F.sub(F.sub(lp.policyChosen, lp.referenceChosen), F.sub(lp.policyRejected, lp.referenceRejected)));
}

export function dpoLossWith<S>(F: Field<S>, lp: PreferenceLogProbs<S>, beta: number): S {
  return negLogSigmoidWith(F, dpoMarginWith(F, lp, beta));
}

/** The analytic gradient of L_DPO with respect to the policy's two log-probabilities. */
export function dpoGradientWith<S>(F: Field<S>, lp: PreferenceLogProbs<S>, beta: number): { chosen: S; rejected: S } {
  const w = F.mul(F.from(beta), sigmoidWith(F, F.neg(dpoMarginWith(F, lp, beta)))); // β·σ(−margin)
  return { chosen: F.neg(w), rejected: w };
}

export const dpoLoss = (lp: PreferenceLogProbs<number>, beta: number) => dpoLossWith(float64, lp, beta);
export const rankingLoss = (rewardsBestFirst: readonly number[]) => rankingLossWith(float64, rewardsBestFirst);
export const ppoClipObjective = (ratio: number, advantage: number, epsilon?: number) => ppoClipObjectiveWith(float64, ratio, advantage, epsilon);
export const klDivergence = (p: readonly number[], q: readonly number[]) => klDivergenceWith(float64, p, q);
