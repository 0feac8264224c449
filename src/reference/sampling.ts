/**
 * Decoding: how a language model's next-token logits z ∈ R^V become a token.
 *
 *   temperature   z ← z / T                      T > 0; T → 0 approaches greedy, T = 1 is the model
 *   top-k         z_i ← −∞ unless z_i ≥ z_(k)    z_(k) the k-th largest logit (ties with it are kept,
 *                                                as torch.topk + "logits < v[-1]" in the tutorial's
 *                                                generate()); k ≥ V keeps everything
 *   top-p         keep N_p = the smallest set of most probable tokens with Σ_{i∈N_p} π_i ≥ p,
 *                 π = softmax(z) (Holtzman et al. 2020, "nucleus"; the interview deck: "smallest set
 *                 of tokens whose probabilities sum ≥ p"); tokens tied with N_p's least probable
 *                 member are kept too, so the set does not depend on how a sort orders ties;
 *                 p = 1 keeps everything
 *   distribution  π' = softmax(filtered z)       zeros where a filter put −∞
 *   sample        the token i with Σ_{j<i} π'_j ≤ u·Σπ' < Σ_{j≤i} π'_j, u ~ U[0, 1) from a seeded
 *                 generator (inverse CDF); a token of probability 0 is never returned
 *   greedy        argmax_i z_i (the first index on ties, as torch.argmax)
 *
 * The filters apply in the order temperature → top-k → top-p (as Hugging Face's generate()).
 * Sources: interview deck, "Top-K vs Top-P (nucleus) sampling?"; tutorial (scratch) §4.4.1
 * generate(); course, "Self-Consistency with CoT" (majority vote over sampled answers).
 *
 * Generation loop (scratch §4.4.1): the model sees at most block_size tokens, the last ones
 * ("idx[:, -block_size:]"), because its position table has block_size rows; the sequence itself
 * grows without bound.
 *
 * Shapes: logits and probabilities are vectors of length V (one position, one sequence).
 * Bad input raises a named error: ProbabilityError (negative, NaN or not summing to 1),
 * TopKError (k not an integer ≥ 1), TopPError (p outside (0, 1]), TemperatureError (T ≤ 0 or not
 * finite); logits that are NaN or +∞ raise NonFiniteError, and −∞ (a masked logit) is allowed.
 */
import { ArgumentError, NonFiniteError, RangeArgumentError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import { PROBABILITY_SUM } from '../core/tolerance.js';
import { float64 } from './field.js';
import { argmax } from './metrics.js';
import { softmaxRowWith } from './softmax.js';

/** A probability vector that is not one: a negative or NaN entry, or a sum other than 1. */
export class ProbabilityError extends RangeArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'ProbabilityError';
  }
}
/** top-k with k not an integer ≥ 1. */
export class TopKError extends RangeArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'TopKError';
  }
}
/** top-p with p outside (0, 1]. */
export class TopPError extends RangeArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'TopPError';
  }
}
/** A temperature that is not a finite number > 0. */
export class TemperatureError extends RangeArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'TemperatureError';
  }
}

export interface SamplingOptions {
  /** Divides the logits; default 1. */
  temperature?: number;
  /** Keep the k largest logits (ties kept); undefined = no top-k. */
  topK?: number;
  /** Keep the nucleus of mass ≥ p; undefined or 1 = no top-p. */
  topP?: number;
}

// ---------------------------------------------------------------------------------------------
// Argument checks (shared with src/tfjs/sampling.ts so both raise the same errors)

export function checkLogits(logits: readonly number[], name = 'logits'): void {
  if (!Array.isArray(logits) || logits.length === 0) throw new ArgumentError(`${name} must be a non-empty vector of numbers (one per vocabulary entry)`);
  let finite = 0;
  logits.forEach((z, i) => {
    if (typeof z !== 'number' || Number.isNaN(z) || z === Infinity) throw new NonFiniteError(`${name}[${i}] is ${z}: logits must be finite, or −∞ for a masked token`);
    if (z !== -Infinity) finite += 1;
  });
  if (finite === 0) throw new ArgumentError(`every entry of ${name} is −∞: no token can be chosen`);
}

export function checkTemperature(t: number): void {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw new TemperatureError(`temperature must be a finite number > 0, got ${t}${t === 0 ? ' (for the limit T → 0 use greedy decoding)' : ''}`);
  }
}

export function checkTopK(k: number): void {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new TopKError(`top-k needs an integer k ≥ 1, got ${k}`);
}

export function checkTopP(p: number): void {
  if (typeof p !== 'number' || Number.isNaN(p) || p <= 0 || p > 1) throw new TopPError(`top-p needs p in (0, 1], got ${p}`);
}

export function checkSamplingOptions(o: SamplingOptions): void {
  if (o.temperature !== undefined) checkTemperature(o.temperature);
  if (o.topK !== undefined) checkTopK(o.topK);
  if (o.topP !== undefined) checkTopP(o.topP);
}

/** A probability vector: entries finite and ≥ 0, sum 1 within PROBABILITY_SUM. */
export function checkDistribution(probs: readonly number[], name = 'probabilities'): void {
  if (!Array.isArray(probs) || probs.length === 0) throw new ProbabilityError(`${name} must be a non-empty vector`);
  let sum = 0;
  probs.forEach((p, i) => {
    if (typeof p !== 'number' || !Number.isFinite(p)) throw new ProbabilityError(`${name}[${i}] is ${p}: probabilities must be finite`);
    if (p < 0) throw new ProbabilityError(`${name}[${i}] is ${p}: probabilities cannot be negative`);
    sum += p;
  });
  if (Math.abs(sum - 1) > PROBABILITY_SUM.atol) throw new ProbabilityError(`${name} sum to ${sum}, not 1 (allowed |Σ − 1| ≤ ${PROBABILITY_SUM.atol}: ${PROBABILITY_SUM.reason})`);
}

// ---------------------------------------------------------------------------------------------
// Filters on logits

/** softmax(z)_i = exp(z_i − max z) / Σ_j exp(z_j − max z); −∞ ↦ 0. */
export function softmaxLogits(logits: readonly number[]): number[] {
  checkLogits(logits);
  return softmaxRowWith(float64, [...logits]); // the project's softmax (src/reference/softmax.ts), −∞ ↦ 0
}

/** z / T. */
export function applyTemperature(logits: readonly number[], temperature: number): number[] {
  checkLogits(logits);
  checkTemperature(temperature);
  return logits.map((z) => z / temperature);
}

/** Keeps logits ≥ the k-th largest (ties with it kept); the rest become −∞. k ≥ V: unchanged. */
export function topKFilter(logits: readonly number[], k: number): number[] {
  checkLogits(logits);
  checkTopK(k);
  if (k >= logits.length) return [...logits];
  const threshold = [...logits].sort((a, b) => b - a)[k - 1]; // z_(k)
  return logits.map((z) => (z < threshold ? -Infinity : z));
}

/**
 * Indices of the nucleus: most probable first (ties by index), taken while the mass before a
 * token is < p, then every token tied with the last one taken.
 */
export function nucleus(probs: readonly number[], p: number): number[] {
  checkTopP(p);
  const order = probs.map((_, i) => i).filter((i) => probs[i] > 0).sort((a, b) => probs[b] - probs[a] || a - b);
  if (p === 1) return order;
  const kept: number[] = [];
  let before = 0;
  for (const i of order) {
    if (before >= p) break;
    kept.push(i);
    before += probs[i];
  }
  const smallest = probs[kept[kept.length - 1]];
  for (const i of order.slice(kept.length)) if (probs[i] === smallest) kept.push(i);
  return kept;
}

/** Keeps the logits of the nucleus of softmax(z) with mass ≥ p; the rest become −∞. p = 1: unchanged. */
export function topPFilter(logits: readonly number[], p: number): number[] {
  checkLogits(logits);
  checkTopP(p);
  if (p === 1) return [...logits];
  const keep = new Set(nucleus(softmaxLogits(logits), p));
  return logits.map((z, i) => (keep.has(i) ? z : -Infinity));
}

/** Temperature, then top-k, then top-p. */
export function filterLogits(logits: readonly number[], o: SamplingOptions = {}): number[] {
  checkLogits(logits);
  checkSamplingOptions(o);
  let z = o.temperature === undefined || o.temperature === 1 ? [...logits] : applyTemperature(logits, o.temperature);
  if (o.topK !== undefined) z = topKFilter(z, o.topK);
  if (o.topP !== undefined) z = topPFilter(z, o.topP);
  return z;
}

/** The distribution a sampler draws from: softmax of the filtered logits. */
export function samplingDistribution(logits: readonly number[], o: SamplingOptions = {}): number[] {
  return softmaxLogits(filterLogits(logits, o));
}

// ---------------------------------------------------------------------------------------------
// Choosing a token

/** argmax_i z_i; the first index among equal maxima (torch.argmax). */
export function greedy(logits: readonly number[]): number {
  checkLogits(logits);
  return argmax(logits);
}

/** One draw from a probability vector by inverse CDF with u = rng.next(); never a zero-probability index. */
export function sampleIndex(probs: readonly number[], rng: Rng): number {
  checkDistribution(probs);
  const total = probs.reduce((a, b) => a + b, 0);
  const u = rng.next() * total;
  let cumulative = 0;
  let lastPositive = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] <= 0) continue;
    cumulative += probs[i];
    lastPositive = i;
    if (u < cumulative) return i;
  }
  return lastPositive; // u·Σ rounded up to Σ: the last token that has any mass
}

/** Filters, then draws one token. */
export function sampleNext(logits: readonly number[], o: SamplingOptions, rng: Rng): number {
  return sampleIndex(samplingDistribution(logits, o), rng);
}

// ---------------------------------------------------------------------------------------------
// The generation loop

export interface GenerateOptions extends SamplingOptions {
  /** The model's context length: only the last blockSize tokens are fed back. */
  blockSize: number;
  maxNewTokens: number;
  rng: Rng;
  /** Argmax instead of sampling (the sampling options are then ignored). */
  greedy?: boolean;
  /** Logits → probabilities; default samplingDistribution above (src/tfjs/sampling.ts has a tensor one). */
  distribution?: (logits: number[]) => number[];
}

export interface Generation {
  /** Prompt followed by the new tokens. */
  tokens: number[];
  /** How many tokens the model saw at each step (≤ blockSize). */
  contextLengths: number[];
}

/**
 * The tutorial's generate() loop, model-agnostic: `nextLogits(context)` returns the logits
 * (length V) that follow `context`, which holds at most blockSize tokens.
 */
export function generateTokens(nextLogits: (context: number[]) => number[], prompt: readonly number[], o: GenerateOptions): Generation {
  checkGenerateArgs(prompt, o);
  const tokens = [...prompt];
  const contextLengths: number[] = [];
  for (let step = 0; step < o.maxNewTokens; step++) {
    const context = tokens.slice(-o.blockSize); // idx[:, -block_size:]
    contextLengths.push(context.length);
    tokens.push(nextToken(nextLogits(context), o, o.distribution));
  }
  return { tokens, contextLengths };
}

/**
 * The same loop for a model whose logits arrive asynchronously (tfjs on a GPU backend, where a
 * synchronous read-back is not allowed): the same checks, the same context windows, the same
 * draws from `o.rng` in the same order, so both loops give the same tokens for the same logits.
 */
export async function generateTokensAsync(
  nextLogits: (context: number[]) => Promise<number[]>,
  prompt: readonly number[],
  o: Omit<GenerateOptions, 'distribution'> & { distribution?: (logits: number[]) => Promise<number[]> },
): Promise<Generation> {
  checkGenerateArgs(prompt, o);
  const tokens = [...prompt];
  const contextLengths: number[] = [];
  for (let step = 0; step < o.maxNewTokens; step++) {
    const context = tokens.slice(-o.blockSize);
    contextLengths.push(context.length);
    const z = await nextLogits(context);
    tokens.push(nextToken(z, o, o.distribution && !o.greedy ? await o.distribution(z) : undefined));
  }
  return { tokens, contextLengths };
}

function checkGenerateArgs(prompt: readonly number[], o: Omit<GenerateOptions, 'distribution'>): void {
  if (!Array.isArray(prompt) || prompt.length === 0) throw new ArgumentError('the prompt must hold at least one token');
  if (!Number.isInteger(o.blockSize) || o.blockSize < 1) throw new RangeArgumentError(`blockSize must be an integer ≥ 1, got ${o.blockSize}`);
  if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 0) throw new RangeArgumentError(`maxNewTokens must be an integer ≥ 0, got ${o.maxNewTokens}`);
  checkSamplingOptions(o);
}

/** One step's token: the argmax, or a draw from the distribution (given, or computed from `z`). */
function nextToken(z: number[], o: Omit<GenerateOptions, 'distribution'>, distribution?: number[] | ((logits: number[]) => number[])): number {
  if (o.greedy) return greedy(z);
  const p = typeof distribution === 'function' ? distribution(z) : distribution ?? samplingDistribution(z, o);
  return sampleIndex(p, o.rng);
}

// ---------------------------------------------------------------------------------------------
// Self-consistency

export interface Vote<A> {
  answer: A;
  votes: number;
  /** Every distinct answer with its count, in order of first appearance. */
  counts: Array<[A, number]>;
}

/**
 * Majority (plurality) vote over sampled answers (course, "Self-Consistency with CoT"): the most
 * frequent answer; among equally frequent ones, the one that appeared first.
 */
export function majorityVote<A>(answers: readonly A[]): Vote<A> {
  if (!Array.isArray(answers) || answers.length === 0) throw new ArgumentError('majority vote needs at least one answer');
  const counts = new Map<A, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  let best: [A, number] | null = null;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return { answer: best![0], votes: best![1], counts: [...counts] };
}
