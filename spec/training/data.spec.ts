/**
 * The data side of the reproductions: the tutorial's texts and printed logs read at run time (and
 * a named error when the tutorial is missing), their vocabularies, BERT's 80/10/10 masking
 * measured statistically over several seeds, the tutorial's TinyBERT batch builder (labels are
 * masked tokens; the next-token windows it builds never reach the loss), and the initial weights.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, RangeArgumentError } from '../../src/core/errors.js';
import { seededRng } from '../../src/core/random.js';
import { tinyStateDictLayout, validateTinyConfig } from '../../src/core/tiny-config.js';
import { maskTokens, mlmViolation } from '../../src/reference/mlm-masking.js';
import { nextTokenBatch, tutorialBertBatch } from '../../src/training/batches.js';
import { initTinyWeights } from '../../src/training/init.js';
import { readPrintedLogs, readTutorialTexts, TutorialFormatError, TutorialSourceMissingError } from '../../src/core/tutorial.js';
import { charVocabulary, charVocabularyFrom, MASK_TOKEN, wordVocabulary } from '../../src/training/vocab.js';

const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the tutorial read at run time', () => {
  const texts = readTutorialTexts();
  it('two texts: TinyBERT 23 words (all different), TinyGPT 302 characters over 48 symbols, the second extending the first', () => {
    const bert = wordVocabulary(texts.bert);
    expect(bert.encode(texts.bert)).toHaveLength(23);
    expect(bert.symbols).toHaveLength(24); // 23 words + [MASK]
    expect(bert.symbols[bert.maskId!]).toBe(MASK_TOKEN);
    expect([...texts.gpt]).toHaveLength(302);
    expect(charVocabulary(texts.gpt).symbols).toHaveLength(48);
    expect(texts.gpt.startsWith(texts.bert.trimEnd())).toBe(true);
  });
  it('vocabularies round-trip the texts (characters exactly, words up to whitespace)', () => {
    const c = charVocabulary(texts.gpt);
    expect(c.decode(c.encode(texts.gpt))).toBe(texts.gpt);
    const w = wordVocabulary(texts.bert);
    expect(w.decode(w.encode(texts.bert))).toBe(texts.bert.trim().split(/\s+/).join(' '));
  });
  it('the printed logs: 10 lines each, epochs 100…1000, TinyBERT with an accuracy, values as printed', () => {
    const logs = readPrintedLogs();
    expect(logs.tinygpt.map((l) => l.epoch)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(logs.tinybert.every((l) => l.of === 1000 && l.accuracy !== undefined && /^\d+\.\d{2}$/.test(l.printed.accuracy!))).toBe(true);
    expect(logs.tinygpt.every((l) => l.accuracy === undefined && /^\d+\.\d{4}$/.test(l.printed.loss))).toBe(true);
  });
  it('a missing tutorial is a TutorialSourceMissingError naming the path; a file without the texts is a TutorialFormatError', () => {
    const absent = join(dir, 'absent.txt');
    expect(() => readTutorialTexts(absent)).toThrow(TutorialSourceMissingError);
    expect(() => readTutorialTexts(absent)).toThrow(new RegExp(`the tutorial "LLMs From Scratch" \\(scratch\\) is not readable at ${absent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, 'no code here\n');
    expect(() => readTutorialTexts(empty)).toThrow(TutorialFormatError);
    expect(() => readPrintedLogs(empty)).toThrow(/expected the printed training logs/);
  });
  it('a config vocabulary must be single characters, without repeats, in code-point order', () => {
    expect(charVocabularyFrom(['a', 'b', 'ā']).encode('bāa')).toEqual([1, 2, 0]);
    expect(() => charVocabularyFrom(['b', 'a'])).toThrow(/code-point order/);
    expect(() => charVocabularyFrom(['a', 'a'])).toThrow(/twice/);
    expect(() => charVocabularyFrom(['ab'])).toThrow(/must be one character/);
    expect(() => charVocabulary('abc').encode('abd')).toThrow(ArgumentError);
  });
});

describe('BERT masking 80/10/10, statistically', () => {
  // 100,000 positions per seed; q = 0.15 gives ~15,000 selected. Each share is compared with its
  // expected value in standard errors; 5σ bounds a false alarm at < 6e-7 per comparison, so the
  // fixed seeds below are not cherry-picked to pass.
  it.each([101, 202, 303])('seed %i: selection 15%, then [MASK] 80% / random 10% / unchanged 10%, each within 5 standard errors', (seed) => {
    const rng = seededRng(seed);
    const V = 23;
    const tokens = Array.from({ length: 1000 }, () => Array.from({ length: 100 }, () => rng.int(0, V)));
    const m = maskTokens(tokens, { vocabSize: V, maskTokenId: V, rng });
    const d = m.decisions.flat();
    const N = d.length;
    const S = d.filter((x) => x !== 'unselected').length;
    const z = (k: number, n: number, p: number) => Math.abs(k / n - p) / Math.sqrt((p * (1 - p)) / n);
    expect(z(S, N, 0.15)).toBeLessThanOrEqual(5);
    expect(z(d.filter((x) => x === 'mask').length, S, 0.8)).toBeLessThanOrEqual(5);
    expect(z(d.filter((x) => x === 'random').length, S, 0.1)).toBeLessThanOrEqual(5);
    expect(z(d.filter((x) => x === 'unchanged').length, S, 0.1)).toBeLessThanOrEqual(5);
    expect(mlmViolation(tokens, m)).toBeNull();
    const labels = m.labels.flat();
    expect(labels.filter((l) => l !== -100).length).toBe(S); // a label exactly where selected
  });
  it('the same seed gives the same batch; options out of range are named errors', () => {
    const t = [[1, 2, 3, 4]];
    expect(maskTokens(t, { vocabSize: 5, maskTokenId: 5, rng: seededRng(9) })).toEqual(maskTokens(t, { vocabSize: 5, maskTokenId: 5, rng: seededRng(9) }));
    expect(() => maskTokens(t, { vocabSize: 5, maskTokenId: 5, rng: seededRng(1), selectProbability: 1.5 })).toThrow(/selectProbability must be in \[0, 1\]/);
    expect(() => maskTokens(t, { vocabSize: 5, maskTokenId: 5, rng: seededRng(1), maskShare: 0.95, randomShare: 0.1 })).toThrow(RangeArgumentError);
    expect(() => maskTokens([], { vocabSize: 5, maskTokenId: 5, rng: seededRng(1) })).toThrow(/non-empty batch/);
    expect(() => maskTokens([[1, -2]], { vocabSize: 5, maskTokenId: 5, rng: seededRng(1) })).toThrow(/tokens\[0\]\[1\] = -2 is not a token id/);
  });
  it('mlmViolation names a label that is not the original token, and a corrupted position without a label', () => {
    expect(mlmViolation([[1, 2]], { inputs: [[1, 2]], labels: [[-100, 3]] })).toMatch(/position \[0\]\[1\] has label 3, but the token there was 2/);
    expect(mlmViolation([[1, 2]], { inputs: [[9, 2]], labels: [[-100, -100]] })).toMatch(/position \[0\]\[0\] is corrupted but carries no label/);
  });
});

describe("the tutorial's TinyBERT batch builder", () => {
  const text = readTutorialTexts().bert;
  const vocab = wordVocabulary(text);
  const data = vocab.encode(text);
  it('returns masked-token labels of x: the next-token windows y it computes are discarded (one batch of 32 × 8, every position checked)', () => {
    const b = tutorialBertBatch(data, { batchSize: 32, blockSize: 8, rng: seededRng(4), vocabSize: vocab.maskId!, maskTokenId: vocab.maskId! });
    expect(mlmViolation(b.windows, b)).toBeNull();
    b.starts.forEach((s, r) => {
      expect(b.windows[r]).toEqual(data.slice(s, s + 8));
      expect(b.discardedShifted[r]).toEqual(data.slice(s + 1, s + 9));
      b.labels[r].forEach((l, t) => {
        if (l !== -100) expect(l).not.toBe(b.discardedShifted[r][t]); // the 23 words are distinct
      });
    });
  });
  it('window starts are drawn from 0…N − T − 2 (randint(0, N − T − 1)); TinyGPT windows from 0…N − T − 1', () => {
    const rng = seededRng(8);
    const bert = new Set<number>();
    const gpt = new Set<number>();
    for (let i = 0; i < 300; i++) {
      tutorialBertBatch(data, { batchSize: 8, blockSize: 8, rng, vocabSize: 23, maskTokenId: 23 }).starts.forEach((s) => bert.add(s));
      nextTokenBatch(data, { batchSize: 8, blockSize: 8, rng }).starts.forEach((s) => gpt.add(s));
    }
    expect(Math.min(...bert)).toBe(0);
    expect(Math.max(...bert)).toBe(23 - 8 - 2);
    expect(Math.max(...gpt)).toBe(23 - 8 - 1);
    const g = nextTokenBatch(data, { batchSize: 4, blockSize: 8, rng });
    g.starts.forEach((s, r) => expect(g.targets[r]).toEqual(data.slice(s + 1, s + 9)));
  });
  it('a text too short for a window is refused', () => {
    expect(() => tutorialBertBatch([1, 2, 3], { batchSize: 1, blockSize: 3, rng: seededRng(1), vocabSize: 4, maskTokenId: 4 })).toThrow(/^block size 3: a text of 3 tokens has no window of 3 tokens and 1 more to draw; it can be at most 1$/);
  });
});

describe('initial weights (PyTorch default distributions, seeded)', () => {
  it('embeddings ~ N(0, 1), Linear weights and biases ~ U(±1/√fan_in), LayerNorm 1 and 0, tril buffers causal; statistics within 5 standard errors', () => {
    const config = validateTinyConfig({ vocab_size: 48, block_size: 16 });
    const w = initTinyWeights('tinygpt', config, seededRng(1337));
    expect(w.names).toEqual([...tinyStateDictLayout('tinygpt', config).keys()]);
    const emb = Array.from(w.tensors.get('token_embed.weight')!.values);
    const mean = emb.reduce((a, b) => a + b, 0) / emb.length;
    const variance = emb.reduce((a, b) => a + (b - mean) ** 2, 0) / emb.length;
    expect(Math.abs(mean) / Math.sqrt(1 / emb.length)).toBeLessThanOrEqual(5);
    expect(Math.abs(variance - 1) / Math.sqrt(2 / emb.length)).toBeLessThanOrEqual(5);
    const ff = Array.from(w.tensors.get('blocks.0.ff.net.2.weight')!.values); // fan_in 512
    const bound = 1 / Math.sqrt(512);
    expect(ff.every((x) => Math.abs(x) <= bound)).toBe(true);
    const v = ff.reduce((a, b) => a + b * b, 0) / ff.length;
    expect(Math.abs(v - bound ** 2 / 3) / ((bound ** 2 / 3) * Math.sqrt(0.8 / ff.length))).toBeLessThanOrEqual(5); // Var(U²) = 4b⁴/45 → sd of the mean 0.894·(b²/3)/√n
    expect(Array.from(w.tensors.get('blocks.3.ln2.weight')!.values).every((x) => x === 1)).toBe(true);
    expect(Array.from(w.tensors.get('ln_f.bias')!.values).every((x) => x === 0)).toBe(true);
    const tril = w.tensors.get('blocks.0.mh.heads.0.tril')!.values;
    expect(tril[0 * 16 + 1]).toBe(0);
    expect(tril[5 * 16 + 5]).toBe(1);
    expect(initTinyWeights('tinygpt', config, seededRng(1337)).tensors.get('lm_head.bias')!.values).toEqual(w.tensors.get('lm_head.bias')!.values);
  });
});
