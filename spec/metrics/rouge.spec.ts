/**
 * ROUGE as rouge_score defines it with evaluate's defaults (src/reference/rouge.ts):
 *   - differential: 85 pairs and 41 tokenizer texts whose expected values were computed by
 *     rouge_score's definitions (fixtures/metrics/evaluate-oracle.json), to float64 rounding;
 *   - properties: scores ∈ [0, 1]; ROUGE-L ≤ ROUGE-1 (precision, recall, F); Lsum = L when no text
 *     has a line break; swapping reference and prediction swaps precision and recall (1, 2, L);
 *     a text against itself scores 1; the corpus score is the mean over pairs;
 *   - bad input: empty or mismatched lists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import { EXACT, isClose } from '../../src/core/tolerance.js';
import { corpusRouge, rouge, rougeTokenize, ROUGE_TYPES } from '../../src/reference/rouge.js';
import { checkProperty, fc } from '../_helpers/property.js';

interface OracleRouge {
  name: string;
  reference: string;
  prediction: string;
  expected: Record<string, [number, number, number]>;
}
const ORACLE = JSON.parse(readFileSync(join(PROJECT_ROOT, 'fixtures/metrics/evaluate-oracle.json'), 'utf8')) as { rouge: OracleRouge[]; rougeTokenize: Array<{ text: string; expected: string[] }> };
const close = (a: number, b: number) => isClose(a, b, EXACT.reference);

describe('ROUGE = rouge_score (evaluate\'s defaults), on cases computed by its definitions', () => {
  it.each(ORACLE.rouge.map((c) => [c.name, c] as const))('[scratch.metrics.rouge-definition] %s', (_name, c) => {
    const s = rouge(c.reference, c.prediction);
    for (const t of ROUGE_TYPES) {
      const [p, r, f] = c.expected[t];
      expect(close(s[t].precision, p) && close(s[t].recall, r) && close(s[t].fmeasure, f), `${t}: ${JSON.stringify(s[t])} vs ${[p, r, f]}`).toBe(true);
    }
  });

  it('[scratch.metrics.rouge-definition] the tokenizer lower-cases and keeps runs of a–z, 0–9 (41 texts)', () => {
    for (const { text, expected } of ORACLE.rougeTokenize) expect(rougeTokenize(text), JSON.stringify(text)).toEqual(expected);
  });
});

const line = fc.array(fc.constantFrom('the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', 'The', 'Mat.', 'x,', '!'), { minLength: 0, maxLength: 12 }).map((w) => w.join(' '));
const text = fc.array(line, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('\n'));

describe('ROUGE properties', () => {
  it('[scratch.metrics.table-5-1-rouge] scores lie in [0, 1] and ROUGE-L never exceeds ROUGE-1 (precision, recall, F)', () => {
    checkProperty<[string, string]>('rougeL ≤ rouge1', text, text, (ref, pred) => {
      const s = rouge(ref, pred);
      for (const t of ROUGE_TYPES) for (const k of ['precision', 'recall', 'fmeasure'] as const) expect(s[t][k] >= 0 && s[t][k] <= 1 + EXACT.reference.atol).toBe(true);
      expect(s.rougeL.precision).toBeLessThanOrEqual(s.rouge1.precision);
      expect(s.rougeL.recall).toBeLessThanOrEqual(s.rouge1.recall);
      expect(s.rougeL.fmeasure).toBeLessThanOrEqual(s.rouge1.fmeasure + EXACT.reference.atol);
    });
  });

  it('[scratch.metrics.table-6-1-rouge] without line breaks ROUGE-Lsum equals ROUGE-L', () => {
    checkProperty<[string, string]>('Lsum = L on one line', line, line, (ref, pred) => {
      const s = rouge(ref, pred);
      expect(s.rougeLsum).toEqual(s.rougeL);
    });
  });

  it('swapping reference and prediction swaps precision and recall of ROUGE-1, -2 and -L; a text against itself scores 1', () => {
    checkProperty<[string, string]>('symmetry', text, text, (ref, pred) => {
      const a = rouge(ref, pred);
      const b = rouge(pred, ref);
      for (const t of ['rouge1', 'rouge2', 'rougeL'] as const) {
        expect(b[t].precision).toBe(a[t].recall);
        expect(b[t].recall).toBe(a[t].precision);
      }
      if (rougeTokenize(ref).length > 0) expect(rouge(ref, ref).rouge1.fmeasure).toBe(1);
    });
  });

  it('the corpus score is the mean over pairs (what evaluate\'s bootstrap median estimates)', () => {
    checkProperty<[Array<[string, string]>]>('corpus mean', fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 5 }), (pairs) => {
      const c = corpusRouge(pairs.map(([, p]) => p), pairs.map(([r]) => r));
      for (const t of ROUGE_TYPES) {
        const mean = pairs.reduce((s, [r, p]) => s + rouge(r, p)[t].fmeasure, 0) / pairs.length;
        expect(close(c[t].fmeasure, mean)).toBe(true);
      }
    });
  });
});

describe('ROUGE bad input: named errors', () => {
  it('an empty list of predictions', () => {
    expect(() => corpusRouge([], [])).toThrow(ArgumentError);
    expect(() => corpusRouge([], [])).toThrow(/at least one prediction, got an empty list/);
  });
  it('predictions and references of different lengths', () => {
    expect(() => corpusRouge(['a', 'b'], ['a'])).toThrow(ShapeError);
    expect(() => corpusRouge(['a', 'b'], ['a'])).toThrow(/2 predictions but 1 reference; they are scored in pairs/);
  });
});
