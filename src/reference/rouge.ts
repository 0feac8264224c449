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
import { BYTES, checkMemory } from '../core/limits.js';

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

/**
 * |LCS(a, b)| by the usual recurrence, keeping two rows of the table: O(|a|·|b|) time, O(|b|)
 * memory — a 30,000-token line needs two rows of 30,001 entries, not a 900-million-entry table.
 */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const [x, y] = tokenIds(a, b); // integers compare faster than strings in the O(|a|·|b|) loop
  let previous = new Int32Array(y.length + 1); // row i − 1
  let current = new Int32Array(y.length + 1); // row i
  for (let i = 1; i <= x.length; i++) {
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      const up = previous[j];
      const left = current[j - 1];
      current[j] = xi === y[j - 1] ? previous[j - 1] + 1 : up > left ? up : left;
    }
    [previous, current] = [current, previous];
  }
  return previous[y.length];
}

/** The two token lists as small integers (equal tokens, equal ids). */
function tokenIds(a: readonly string[], b: readonly string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const id = (t: string) => ids.get(t) ?? (ids.set(t, ids.size), ids.size - 1);
  return [Int32Array.from(a, id), Int32Array.from(b, id)];
}

/**
 * Positions in `ref` of one LCS with `can`, read back as rouge_score's _backtrack_norec does. The
 * read-back needs the whole (|ref|+1) × (|can|+1) table (4 bytes an entry), so its size is checked
 * against the memory limit first (src/core/limits.ts).
 */
function lcsPositions(ref: readonly string[], can: readonly string[]): number[] {
  const w = can.length + 1;
  checkMemory(`ROUGE-Lsum's LCS table for sentences of ${ref.length} and ${can.length} tokens`, (ref.length + 1) * w * BYTES.int32);
  const t = new Int32Array((ref.length + 1) * w); // t[i·w + j] = |LCS(ref[0…i), can[0…j))|
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= can.length; j++) t[i * w + j] = ref[i - 1] === can[j - 1] ? t[(i - 1) * w + j - 1] + 1 : Math.max(t[(i - 1) * w + j], t[i * w + j - 1]);
  }
  const out: number[] = [];
  let i = ref.length;
  let j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if (t[i * w + j - 1] > t[(i - 1) * w + j]) {
      j--;
    } else {
      i--;
    }
  }
  return out.reverse();
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
  if (refSents.length === 1 && canSents.length === 1) {
    // One sentence each: the union is one LCS, whose tokens all occur in both texts often enough,
    // so hits = |LCS| — computed in two rows instead of read back from the whole table.
    const hits = lcsLength(refSents[0], canSents[0]);
    return { precision: hits / n, recall: hits / m, fmeasure: fmeasure(hits / n, hits / m) };
  }
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
  const rougeL = rougeLTokens(t, c);
  // Without a line break each text is one sentence with the same tokens, and Lsum is L (see the
  // header): reuse it rather than run the O(|t|·|c|) recurrence twice.
  const oneSentence = !reference.includes('\n') && !prediction.includes('\n') && t.length > 0 && c.length > 0;
  return {
    rouge1: rougeNTokens(t, c, 1),
    rouge2: rougeNTokens(t, c, 2),
    rougeL,
    rougeLsum: oneSentence ? { ...rougeL } : rougeLsumSentences(rougeSentences(reference).map(rougeTokenize), rougeSentences(prediction).map(rougeTokenize)),
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
