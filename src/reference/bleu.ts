/**
 * BLEU (Papineni et al. 2002) exactly as Hugging Face `evaluate`'s "bleu" metric computes it: its
 * 13a tokenizer, then TensorFlow NMT's `compute_bleu` (nmt/scripts/bleu.py), which it wraps.
 *
 *   p_n  = Σ_segments Σ_{g ∈ n-grams(c)} min(count_c(g), max_r count_r(g)) / Σ_segments max(0, |c| − n + 1)
 *          (clipped n-gram precision, pooled over the corpus; n = 1…4; p_n = 0 when nothing to count)
 *   geo  = exp(Σ_n ¼ ln p_n)            (0 if any p_n = 0 — no smoothing by default)
 *   c    = Σ |candidate|,  r = Σ min_k |reference_k|   (the SHORTEST reference, not the closest)
 *   BP   = 1 if c > r, else exp(1 − r/c)
 *   BLEU = BP · geo
 *
 * With `smooth`, p_n = (matches + 1)/(possible + 1) (Lin & Och 2004), as compute_bleu's option.
 * Sentence BLEU is the same on a one-segment corpus.
 *
 * Tokenizer 13a (mteval-v13a, as evaluate's tokenizer_13a.py): drop "<skipped>", join "-\n", newlines
 * become spaces, un-escape &quot; &amp; &lt; &gt; (in that order), pad with spaces, then
 *   1. put spaces around each of  { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
 *   2. split "." and "," from a preceding non-digit, 3. and from a following non-digit,
 *   4. split "-" from a preceding digit,
 * and split on whitespace as Python's str.split() does. Case is kept (evaluate's bleu does not
 * lowercase); apostrophes and other non-ASCII punctuation stay inside words.
 *
 * Source: "LLMs From Scratch" (scratch) §5 and §6 Evaluation (Tables 5.1 and 6.1 print bleu and the
 * four precisions, with the keys evaluate returns). Shapes: candidates (S), references (S × K_s).
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import { float64, type Field } from './field.js';
import { pythonSplit } from './vocabulary.js';

export interface BleuResult {
  bleu: number;
  precisions: number[];
  brevityPenalty: number;
  lengthRatio: number;
  translationLength: number;
  referenceLength: number;
}

export interface BleuOptions {
  maxOrder?: number;
  smooth?: boolean;
  /** Default: tokenize13a (evaluate's default). */
  tokenizer?: (line: string) => string[];
}

/** 1: ASCII punctuation and symbols that always become separate tokens (not ' - . ,). */
const SYMBOLS = /([\x7B-\x7E\x5B-\x60\x20-\x26\x28-\x2B\x3A-\x40/])/g;

/** evaluate's Tokenizer13a (see the module header). */
export function tokenize13a(line: string): string[] {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  s = ` ${s} `
    .replace(SYMBOLS, ' $1 ')
    .replace(/([^0-9])([.,])/g, '$1 $2 ') // 2: period/comma after a non-digit
    .replace(/([.,])([^0-9])/g, ' $1 $2') // 3: period/comma before a non-digit
    .replace(/([0-9])(-)/g, '$1 $2 '); // 4: dash after a digit
  return pythonSplit(s);
}

/** Counts of every n-gram of orders 1…maxOrder (keys are JSON arrays, so any token text is safe). */
function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, { order: number; count: number }> {
  const counts = new Map<string, { order: number; count: number }>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = JSON.stringify(tokens.slice(i, i + n));
      const c = counts.get(key);
      if (c) c.count += 1;
      else counts.set(key, { order: n, count: 1 });
    }
  }
  return counts;
}

/** BP · exp(Σ_n (1/N) ln p_n), in any field (the tables' "BLEU from its four precisions"). */
export function bleuFromPrecisionsWith<S>(F: Field<S>, precisions: readonly S[], brevityPenalty: S): S {
  if (precisions.length === 0) throw new ArgumentError('BLEU needs at least one n-gram precision');
  for (const p of precisions) {
    if (!F.isFinite(p) || F.lt(p, F.zero) || F.lt(F.one, p)) throw new RangeArgumentError(`an n-gram precision must lie in [0, 1], got ${F.toString(p)}`);
  }
  if (!F.isFinite(brevityPenalty) || !F.lt(F.zero, brevityPenalty) || F.lt(F.one, brevityPenalty)) throw new RangeArgumentError(`the brevity penalty must lie in (0, 1], got ${F.toString(brevityPenalty)}`);
  if (precisions.some((p) => !F.lt(F.zero, p))) return F.zero; // compute_bleu: geo_mean = 0 when any p_n = 0
  const w = F.div(F.one, F.from(precisions.length));
  let logSum = F.zero;
  for (const p of precisions) logSum = F.add(logSum, F.mul(w, F.log(p)));
  return F.mul(brevityPenalty, F.exp(logSum));
}

/** BP = 1 if c > r, else exp(1 − r/c), as compute_bleu writes it (ratio = c/r). */
export function brevityPenaltyWith<S>(F: Field<S>, translationLength: number, referenceLength: number): S {
  if (referenceLength <= 0) throw new ArgumentError('BLEU: every reference is empty after tokenisation, so the length ratio c/r is undefined (evaluate raises ZeroDivisionError)');
  if (translationLength <= 0) throw new ArgumentError('BLEU: every candidate is empty after tokenisation, so the brevity penalty exp(1 − r/c) is undefined (evaluate raises ZeroDivisionError)');
  const ratio = F.div(F.from(translationLength), F.from(referenceLength));
  if (F.lt(F.one, ratio)) return F.one;
  return F.exp(F.sub(F.one, F.div(F.one, ratio)));
}

/** References as evaluate accepts them: one string per candidate, or a list of strings per candidate. */
export type References = readonly (string | readonly string[])[];

/** Corpus BLEU of `candidates` against `references` (evaluate's `bleu.compute`). */
export function corpusBleu(candidates: readonly string[], references: References, options: BleuOptions = {}): BleuResult {
  const { maxOrder = 4, smooth = false, tokenizer = tokenize13a } = options;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new RangeArgumentError(`BLEU maxOrder must be an integer ≥ 1, got ${maxOrder}`);
  if (candidates.length === 0) throw new ArgumentError('BLEU needs at least one candidate, got an empty list');
  if (references.length !== candidates.length) throw new ShapeError(`BLEU: ${candidates.length} candidate${candidates.length === 1 ? '' : 's'} but ${references.length} reference entr${references.length === 1 ? 'y' : 'ies'}; each candidate needs its own references`);
  const matches = new Array<number>(maxOrder).fill(0);
  const possible = new Array<number>(maxOrder).fill(0);
  let translationLength = 0;
  let referenceLength = 0;
  candidates.forEach((candidate, s) => {
    const refs = typeof references[s] === 'string' ? [references[s] as string] : (references[s] as readonly string[]);
    if (refs.length === 0) throw new ArgumentError(`BLEU: candidate ${s} has no reference`);
    const refTokens = refs.map(tokenizer);
    const c = tokenizer(candidate);
    referenceLength += Math.min(...refTokens.map((r) => r.length));
    translationLength += c.length;
    const maxRef = new Map<string, number>(); // Counter union: the largest count over the references
    for (const r of refTokens) for (const [g, { count }] of ngramCounts(r, maxOrder)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, count));
    for (const [g, { order, count }] of ngramCounts(c, maxOrder)) matches[order - 1] += Math.min(count, maxRef.get(g) ?? 0);
    for (let n = 1; n <= maxOrder; n++) possible[n - 1] += Math.max(0, c.length - n + 1);
  });
  const precisions = matches.map((m, i) => (smooth ? (m + 1) / (possible[i] + 1) : possible[i] > 0 ? m / possible[i] : 0));
  const brevityPenalty = brevityPenaltyWith(float64, translationLength, referenceLength);
  let geo = 0;
  if (Math.min(...precisions) > 0) {
    let logSum = 0; // summed in compute_bleu's order, so the float64 result matches it
    for (const p of precisions) logSum += (1 / maxOrder) * Math.log(p);
    geo = Math.exp(logSum);
  }
  return { bleu: geo * brevityPenalty, precisions, brevityPenalty, lengthRatio: translationLength / referenceLength, translationLength, referenceLength };
}

/** BLEU of one candidate against its reference(s): corpus BLEU on a one-segment corpus. */
export function sentenceBleu(candidate: string, references: string | readonly string[], options: BleuOptions = {}): BleuResult {
  return corpusBleu([candidate], [references], options);
}

export const bleuFromPrecisions = (precisions: readonly number[], brevityPenalty = 1): number => bleuFromPrecisionsWith(float64, precisions, brevityPenalty);
