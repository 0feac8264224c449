/**
 * Language-model losses and metrics, over logits (N × V) and integer targets (N), in any Field.
 *
 *   cross-entropy  CE = (1/|K|) Σ_{i∈K} −log softmax(z_i)[t_i],   K = { i : t_i ≠ −100 }  (cross-entropy.ts)
 *   response loss  the same with every prompt position's target set to −100, so only the response
 *                  (assistant) tokens count; reduction "mean" (PyTorch/Hugging Face) or "sum" (the
 *                  course's L = −Σ_t log P(x_t | x_<t))
 *   perplexity     PPL = e^CE                       (CE in nats)
 *   bits per char  BPC = CE / ln 2                  (CE per character in nats, re-expressed in bits)
 *   accuracy       (1/|K|) Σ_{i∈K} [argmax_v z_iv = t_i]     (first maximum on ties, as torch.argmax)
 *   distinct-n     |distinct n-grams| / |n-grams|   over one token sequence
 *
 * Sources: "LLMs From Scratch" (scratch) §3.4.1 and §4.4.1 (cross-entropy, perplexity, accuracy on
 * the masked/next tokens, bits per character, distinct scores; Tables 3.1 and 4.1); "Generative AI:
 * Foundations & Architectures — Day 2" (course), "Loss function for Fine-Tuning" (the loss over the
 * assistant's tokens only). Shapes: logits N × V (one row per scored position), targets N.
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import { crossEntropyWith } from './cross-entropy.js';
import { float64, type Field } from './field.js';

export const IGNORE_INDEX = -100;

export type Reduction = 'mean' | 'sum';

/**
 * Targets for a causal LM's prompt/response example: the target of position t is the token at t+1
 * (the model predicts the next token), and positions whose target is still a prompt token get −100.
 * `tokens` = prompt ++ response; the result has tokens.length − 1 entries.
 */
export function responseTargets(tokens: readonly number[], promptLength: number): number[] {
  if (!Number.isInteger(promptLength) || promptLength < 1 || promptLength >= tokens.length) {
    throw new RangeArgumentError(`promptLength must be an integer in 1…${tokens.length - 1} (a prompt and at least one response token), got ${promptLength}`);
  }
  // position t predicts tokens[t + 1]; it is a response token when t + 1 ≥ promptLength
  return tokens.slice(1).map((next, t) => (t + 1 >= promptLength ? next : IGNORE_INDEX));
}

/** Targets with every position where `responseMask` is false set to the ignore index. */
export function maskTargets(targets: readonly number[], responseMask: readonly boolean[]): number[] {
  if (responseMask.length !== targets.length) throw new ShapeError(`responseMask has ${responseMask.length} entries but there are ${targets.length} targets`);
  return targets.map((t, i) => (responseMask[i] ? t : IGNORE_INDEX));
}

/** Cross-entropy over the response positions only (mean or sum of −log p(target)). */
export function responseLossWith<S>(F: Field<S>, logits: Matrix<S>, targets: readonly number[], responseMask: readonly boolean[], reduction: Reduction = 'mean'): S {
  const masked = maskTargets(targets, responseMask);
  const mean = crossEntropyWith(F, logits, masked, IGNORE_INDEX);
  if (reduction === 'mean') return mean;
  if (reduction !== 'sum') throw new ArgumentError(`reduction must be "mean" or "sum", got ${JSON.stringify(reduction)}`);
  return F.mul(mean, F.from(masked.filter((t) => t !== IGNORE_INDEX).length));
}

function checkLoss<S>(F: Field<S>, ce: S, what: string): void {
  if (!F.isFinite(ce)) throw new RangeArgumentError(`${what}: the cross-entropy must be finite, got ${F.toString(ce)}`);
  if (F.lt(ce, F.zero)) throw new RangeArgumentError(`${what}: a cross-entropy is never negative, got ${F.toString(ce)}`);
}

/** PPL = e^CE (CE in nats per token). */
export function perplexityFromLossWith<S>(F: Field<S>, ce: S): S {
  checkLoss(F, ce, 'perplexity');
  return F.exp(ce);
}

/** BPC = CE / ln 2 (CE in nats per character). */
export function bitsPerCharacterFromLossWith<S>(F: Field<S>, ce: S): S {
  checkLoss(F, ce, 'bits per character');
  return F.div(ce, F.log(F.from(2)));
}

export function perplexityWith<S>(F: Field<S>, logits: Matrix<S>, targets: readonly number[], ignoreIndex = IGNORE_INDEX): S {
  return perplexityFromLossWith(F, crossEntropyWith(F, logits, targets, ignoreIndex));
}

export function bitsPerCharacterWith<S>(F: Field<S>, logits: Matrix<S>, targets: readonly number[], ignoreIndex = IGNORE_INDEX): S {
  return bitsPerCharacterFromLossWith(F, crossEntropyWith(F, logits, targets, ignoreIndex));
}

/** Index of the first maximum of a row (torch.argmax's choice on ties). */
export function argmaxWith<S>(F: Field<S>, row: readonly S[]): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (F.lt(row[best], row[j])) best = j;
  return best;
}

/** Fraction of scored positions whose argmax is the target: { correct, total, accuracy }. */
export function accuracyWith<S>(F: Field<S>, logits: Matrix<S>, targets: readonly number[], ignoreIndex = IGNORE_INDEX): { correct: number; total: number; accuracy: S } {
  if (logits.length !== targets.length) throw new ShapeError(`accuracy: ${logits.length} rows of logits but ${targets.length} targets`);
  const V = logits[0]?.length ?? 0;
  let correct = 0;
  let total = 0;
  targets.forEach((t, i) => {
    if (t === ignoreIndex) return;
    if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeArgumentError(`accuracy: target ${i} is ${t}, outside the vocabulary 0…${V - 1} (and not the ignore index ${ignoreIndex})`);
    total += 1;
    if (argmaxWith(F, logits[i]) === t) correct += 1;
  });
  if (total === 0) throw new ArgumentError(`accuracy: every target is the ignore index ${ignoreIndex}, so there is nothing to score`);
  return { correct, total, accuracy: F.div(F.from(correct), F.from(total)) };
}

/**
 * Distinct-n: the share of n-grams of `tokens` that are distinct. Tokens are compared as strings
 * (characters for TinyGPT, words for a word-level model); n-grams run over the whole sequence.
 */
export function distinctN(tokens: readonly string[], n: number): { distinct: number; total: number; score: number } {
  if (!Number.isInteger(n) || n < 1) throw new RangeArgumentError(`distinct-n: n must be an integer ≥ 1, got ${n}`);
  const total = tokens.length - n + 1;
  if (total < 1) throw new RangeArgumentError(`distinct-${n} needs at least ${n} tokens, got ${tokens.length}`);
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) seen.add(JSON.stringify(tokens.slice(i, i + n)));
  return { distinct: seen.size, total, score: seen.size / total };
}

export const perplexityFromLoss = (ce: number): number => perplexityFromLossWith(float64, ce);
export const bitsPerCharacterFromLoss = (ce: number): number => bitsPerCharacterFromLossWith(float64, ce);
export const perplexity = (logits: Matrix, targets: readonly number[], ignoreIndex = IGNORE_INDEX): number => perplexityWith(float64, logits, targets, ignoreIndex);
export const bitsPerCharacter = (logits: Matrix, targets: readonly number[], ignoreIndex = IGNORE_INDEX): number => bitsPerCharacterWith(float64, logits, targets, ignoreIndex);
export const accuracy = (logits: Matrix, targets: readonly number[], ignoreIndex = IGNORE_INDEX) => accuracyWith(float64, logits, targets, ignoreIndex);
export const argmax = (row: readonly number[]): number => argmaxWith(float64, row);
export const responseLoss = (logits: Matrix, targets: readonly number[], responseMask: readonly boolean[], reduction: Reduction = 'mean'): number =>
  responseLossWith(float64, logits, targets, responseMask, reduction);
