/**
 * ROUGE (Lin 2004) as the `rouge_score` package (google-research/rouge) defines it, with the
 * defaults Hugging Face `evaluate`'s "rouge" metric uses: the default tokenizer, no stemming.
 *
 * Tokenizer: lower-case; every run of characters other than a–z, 0–9 becomes a space; split on
 * whitespace; keep the non-empty tokens. (So "Rūmī" → "r", "m"; "don't" → "don", "t".)
 *
 * For a reference (target) T and a prediction C, with token lists t and c:
 *   ROUGE-N   overlap = Σ_g min(count_t(g), count_c(g)) over n-grams g
 *             P = overlap / max(|n-grams(c)|, 1),  R = overlap / max(|n-grams(t)|, 1)
 *   ROUGE-L   L = |LCS(t, c)|;  P = L/|c|,  R = L/|t|   (all 0 if either is empty)
 *   ROUGE-Lsum  summary-level LCS: T and C are cut into sentences at "\n" (empty pieces dropped),
 *             each tokenized; for each reference sentence r, the union of the token positions of
 *             one LCS of r with each candidate sentence (the LCS read back from the DP table as
 *             rouge_score does) gives "hits", each token counted at most as often as it occurs in
 *             all of T and in all of C; P = hits/|c|, R = hits/|t|.
 *   F = 2PR/(P + R) (0 when P + R = 0)
 *
 * ROUGE-L treats "\n" as a space; ROUGE-Lsum uses it as the sentence boundary, so the two are
 * equal when neither text has a line break (property-tested).
 *
 * Corpus scores: `evaluate` returns, per type, the F-measure ("mid") of a bootstrap aggregate
 * (1,000 resamples of the pairs, unseeded, then the median of the resampled means), which
 * estimates the mean F-measure over the pairs; `corpusRouge` returns that mean (and the mean P and
 * R) exactly and deterministically — what `evaluate` gives with use_aggregator=False, averaged.
 *
 * Source: "LLMs From Scratch" (scratch) §5 and §6 Evaluation (ROUGE as precision, recall and F1 of
 * overlapping n-grams and sequences; Tables 5.1 and 6.1 print rouge1, rouge2, rougeL, rougeLSum).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export const ROUGE_TYPES = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;
export type RougeType = (typeof ROUGE_TYPES)[number];
export type RougeScores = Record<RougeType, RougeScore>;

/** rouge_score's default tokenizer (no stemming). */
export function rougeTokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(/\s+/)
    .filter((t) => /^[a-z0-9]+$/.test(t));
}

export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function counts<T>(items: readonly T[], key: (x: T) => string = String): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of items) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

function ngrams(tokens: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' ')); // tokens have no spaces
  return out;
}

/** ROUGE-N of token lists (target t, prediction c). */
export function rougeNTokens(t: readonly string[], c: readonly string[], n: number): RougeScore {
  const gt = ngrams(t, n);
  const gc = ngrams(c, n);
  const ct = counts(gt);
  const cc = counts(gc);
  let overlap = 0;
  for (const [g, k] of ct) overlap += Math.min(k, cc.get(g) ?? 0);
  const precision = overlap / Math.max(gc.length, 1);
  const recall = overlap / Math.max(gt.length, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** The LCS dynamic-programming table, (|a|+1) × (|b|+1). */
function lcsTable(a: readonly string[], b: readonly string[]): number[][] {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
  }
  return t;
}

export function lcsLength(a: readonly string[], b: readonly string[]): number {
  return lcsTable(a, b)[a.length][b.length];
}

/** Positions in `ref` of one LCS with `can`, read back as rouge_score's _backtrack_norec does. */
function lcsPositions(ref: readonly string[], can: readonly string[]): number[] {
  const t = lcsTable(ref, can);
  const out: number[] = [];
  let i = ref.length;
  let j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.unshift(i - 1);
      i--;
      j--;
    } else if (t[i][j - 1] > t[i - 1][j]) {
      j--;
    } else {
      i--;
    }
  }
  return out;
}

export function rougeLTokens(t: readonly string[], c: readonly string[]): RougeScore {
  if (t.length === 0 || c.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const l = lcsLength(t, c);
  const precision = l / c.length;
  const recall = l / t.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Summary-level LCS over tokenized sentences (reference sentences, candidate sentences). */
export function rougeLsumSentences(refSents: readonly (readonly string[])[], canSents: readonly (readonly string[])[]): RougeScore {
  const zero = { precision: 0, recall: 0, fmeasure: 0 };
  if (refSents.length === 0 || canSents.length === 0) return zero;
  const m = refSents.reduce((s, x) => s + x.length, 0);
  const n = canSents.reduce((s, x) => s + x.length, 0);
  if (m === 0 || n === 0) return zero;
  const left = { r: counts(refSents.flat()), c: counts(canSents.flat()) }; // each token counts at most this often
  let hits = 0;
  for (const r of refSents) {
    const union = [...new Set(canSents.flatMap((c) => lcsPositions(r, c)))].sort((a, b) => a - b);
    for (const pos of union) {
      const tok = r[pos];
      if ((left.c.get(tok) ?? 0) > 0 && (left.r.get(tok) ?? 0) > 0) {
        hits += 1;
        left.c.set(tok, left.c.get(tok)! - 1);
        left.r.set(tok, left.r.get(tok)! - 1);
      }
    }
  }
  const precision = hits / n;
  const recall = hits / m;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Sentences for ROUGE-Lsum: the text cut at "\n", empty pieces dropped. */
export function rougeSentences(text: string): string[] {
  return text.split('\n').filter((s) => s.length > 0);
}

/** All four ROUGE scores of one prediction against one reference (rouge_score's score(target, prediction)). */
export function rouge(reference: string, prediction: string): RougeScores {
  const t = rougeTokenize(reference);
  const c = rougeTokenize(prediction);
  return {
    rouge1: rougeNTokens(t, c, 1),
    rouge2: rougeNTokens(t, c, 2),
    rougeL: rougeLTokens(t, c),
    rougeLsum: rougeLsumSentences(rougeSentences(reference).map(rougeTokenize), rougeSentences(prediction).map(rougeTokenize)),
  };
}

/** Mean precision, recall and F-measure per type over the pairs (see the header on evaluate's bootstrap). */
export function corpusRouge(predictions: readonly string[], references: readonly string[]): RougeScores {
  if (predictions.length === 0) throw new ArgumentError('ROUGE needs at least one prediction, got an empty list');
  if (references.length !== predictions.length) throw new ShapeError(`ROUGE: ${predictions.length} prediction${predictions.length === 1 ? '' : 's'} but ${references.length} reference${references.length === 1 ? '' : 's'}; they are scored in pairs`);
  const all = predictions.map((p, i) => rouge(references[i], p));
  const mean = (type: RougeType, k: keyof RougeScore) => all.reduce((s, x) => s + x[type][k], 0) / all.length;
  return Object.fromEntries(ROUGE_TYPES.map((type) => [type, { precision: mean(type, 'precision'), recall: mean(type, 'recall'), fmeasure: mean(type, 'fmeasure') }])) as RougeScores;
}
