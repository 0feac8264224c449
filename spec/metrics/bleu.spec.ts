/**
 * BLEU as Hugging Face evaluate computes it (src/reference/bleu.ts):
 *   - differential: 88 corpora and 63 tokenizer lines whose expected values were computed by
 *     evaluate's own tokenizer_13a.py and TensorFlow NMT's compute_bleu (fixtures/metrics/evaluate-oracle.json),
 *     equal to float64 rounding (EXACT.reference);
 *   - properties: BLEU ∈ [0, 1]; a candidate equal to its reference scores 1; clipped precisions
 *     ≤ 1; BP = 1 iff c > r (else exp(1 − r/c)); corpus BLEU pools counts (segment order is
 *     irrelevant); sentence BLEU = corpus BLEU of one segment; BLEU = BP·exp(¼ Σ ln p_n);
 *   - bad input: empty or mismatched lists, candidates or references empty after tokenisation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { ArgumentError, RangeArgumentError, ShapeError } from '../../src/core/errors.js';
import { EXACT, isClose } from '../../src/core/tolerance.js';
import { bleuFromPrecisions, corpusBleu, sentenceBleu, tokenize13a, type References } from '../../src/reference/bleu.js';
import { checkProperty, fc } from '../_helpers/property.js';

interface OracleBleu {
  name: string;
  candidates: string[];
  references: References;
  smooth: boolean;
  expected: { bleu: number; precisions: number[]; brevity_penalty: number; length_ratio: number; translation_length: number; reference_length: number };
}
const ORACLE = JSON.parse(readFileSync(join(PROJECT_ROOT, 'fixtures/metrics/evaluate-oracle.json'), 'utf8')) as { bleu: OracleBleu[]; tokenize13a: Array<{ line: string; expected: string[] }> };
const close = (a: number, b: number) => isClose(a, b, EXACT.reference);

describe('BLEU = evaluate\'s bleu (tokenizer_13a + NMT compute_bleu), on cases computed by its own code', () => {
  it.each(ORACLE.bleu.map((c) => [c.name, c] as const))('[scratch.metrics.bleu-definition] %s', (_name, c) => {
    const r = corpusBleu(c.candidates, c.references, { smooth: c.smooth });
    const e = c.expected;
    expect([r.translationLength, r.referenceLength]).toEqual([e.translation_length, e.reference_length]);
    r.precisions.forEach((p, i) => expect(close(p, e.precisions[i]), `p_${i + 1}: ${p} vs ${e.precisions[i]}`).toBe(true));
    expect(close(r.brevityPenalty, e.brevity_penalty)).toBe(true);
    expect(close(r.lengthRatio, e.length_ratio)).toBe(true);
    expect(close(r.bleu, e.bleu), `${r.bleu} vs ${e.bleu}`).toBe(true);
  });

  it('[scratch.metrics.bleu-definition] tokenizer 13a splits exactly as evaluate\'s tokenizer_13a.py on 63 lines', () => {
    for (const { line, expected } of ORACLE.tokenize13a) expect(tokenize13a(line), JSON.stringify(line)).toEqual(expected);
  });
});

const words = fc.array(fc.constantFrom('the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', '.', ',', '3.5', 'x-y'), { minLength: 1, maxLength: 14 }).map((w) => w.join(' '));
const corpus = fc.array(fc.tuple(words, fc.array(words, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 5 });

describe('BLEU properties', () => {
  it('BLEU ∈ [0, 1], precisions ∈ [0, 1], BLEU = BP·exp(¼ Σ ln p_n), BP = 1 iff c > r, else exp(1 − r/c)', () => {
    checkProperty<[Array<[string, string[]]>, boolean]>('BLEU structure', corpus, fc.boolean(), (pairs, smooth) => {
      const r = corpusBleu(pairs.map(([c]) => c), pairs.map(([, refs]) => refs), { smooth });
      expect(r.bleu).toBeGreaterThanOrEqual(0);
      expect(r.bleu).toBeLessThanOrEqual(1 + EXACT.reference.atol);
      for (const p of r.precisions) expect(p >= 0 && p <= 1).toBe(true);
      const c = r.translationLength;
      const ref = r.referenceLength;
      expect(r.brevityPenalty).toBe(c > ref ? 1 : Math.exp(1 - 1 / (c / ref)));
      const expected = r.precisions.every((p) => p > 0) ? bleuFromPrecisions(r.precisions, r.brevityPenalty) : 0;
      expect(close(r.bleu, expected)).toBe(true);
    });
  });

  it('corpus BLEU pools counts: the order of the segments does not matter; one segment is sentence BLEU', () => {
    checkProperty<[Array<[string, string[]]>]>('pooling', corpus, (pairs) => {
      const a = corpusBleu(pairs.map(([c]) => c), pairs.map(([, refs]) => refs));
      const rev = [...pairs].reverse();
      const b = corpusBleu(rev.map(([c]) => c), rev.map(([, refs]) => refs));
      expect(b.precisions).toEqual(a.precisions);
      expect(close(b.bleu, a.bleu)).toBe(true);
      expect(sentenceBleu(pairs[0][0], pairs[0][1])).toEqual(corpusBleu([pairs[0][0]], [pairs[0][1]]));
    });
  });

  it('a candidate identical to its reference scores 1 once it has a 4-gram; adding a reference never lowers the clipped matches', () => {
    checkProperty<[string, string]>('identity and references', words, words, (s, other) => {
      const n = tokenize13a(s).length;
      if (n >= 4) expect(sentenceBleu(s, s).bleu).toBe(1);
      const one = sentenceBleu(s, [other]);
      const two = sentenceBleu(s, [other, s]);
      two.precisions.forEach((p, i) => expect(p).toBeGreaterThanOrEqual(one.precisions[i]));
    });
  });

  it('no smoothing: one n-gram order without a match makes BLEU exactly 0; smoothing keeps it positive', () => {
    const r = sentenceBleu('the cat the mat on sat', 'the cat sat on the mat');
    expect(r.precisions.slice(2)).toEqual([0, 0]);
    expect(r.bleu).toBe(0);
    expect(sentenceBleu('the cat the mat on sat', 'the cat sat on the mat', { smooth: true }).bleu).toBeGreaterThan(0);
  });

  it('the brevity penalty uses the shortest reference, not the closest', () => {
    const r = sentenceBleu('a b c d e f g', ['a b c d e f g h i j', 'a b c d e']);
    expect(r.referenceLength).toBe(5);
    expect(r.brevityPenalty).toBe(1);
  });
});

describe('BLEU bad input: named errors', () => {
  it.each<[string, () => unknown, typeof ArgumentError, RegExp]>([
    ['no candidates', () => corpusBleu([], []), ArgumentError, /at least one candidate, got an empty list/],
    ['more candidates than references', () => corpusBleu(['a b', 'c d'], ['a b']), ShapeError, /2 candidates but 1 reference entry/],
    ['a candidate without references', () => corpusBleu(['a b'], [[]]), ArgumentError, /candidate 0 has no reference/],
    ['every reference empty', () => corpusBleu(['a b'], ['   ']), ArgumentError, /every reference is empty after tokenisation/],
    ['every candidate empty', () => corpusBleu([''], ['a b']), ArgumentError, /every candidate is empty after tokenisation/],
    ['maxOrder 0', () => corpusBleu(['a'], ['a'], { maxOrder: 0 }), RangeArgumentError, /maxOrder must be an integer ≥ 1/],
    ['a precision above 1', () => bleuFromPrecisions([1.2, 1, 1, 1]), RangeArgumentError, /must lie in \[0, 1\], got 1.2/],
    ['a brevity penalty of 0', () => bleuFromPrecisions([1, 1, 1, 1], 0), RangeArgumentError, /brevity penalty must lie in \(0, 1\]/],
  ])('%s', (_name, f, type, message) => {
    expect(f).toThrow(type);
    expect(f).toThrow(message);
  });
});
