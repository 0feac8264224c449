/**
 * Properties of the decoding filters and samplers (src/reference/sampling.ts, src/tfjs/sampling.ts):
 * top-k keeps exactly k tokens when there are no ties and is a no-op for k ≥ V; top-p keeps the
 * smallest most-probable set with mass ≥ p; temperature → 0 approaches greedy; no sampler ever
 * returns a token of probability 0; the generation loop never feeds more than block_size tokens;
 * the majority vote returns a most frequent answer. Then tfjs against the reference, and a
 * statistical spec of the inverse-CDF sampler.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/random.js';
import { TFJS_VS_REFERENCE, compareNested } from '../../src/core/tolerance.js';
import {
  filterLogits,
  generateTokens,
  generateTokensAsync,
  greedy,
  majorityVote,
  nucleus,
  sampleIndex,
  sampleNext,
  samplingDistribution,
  softmaxLogits,
  type SamplingOptions,
} from '../../src/reference/sampling.js';
import '../../src/tfjs/index.js';
import { samplingDistribution as tfDistribution } from '../../src/tfjs/sampling.js';
import { checkProperty, checkPropertyAsync, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

/** Distinct logits (no ties): hundredths in [−8, 8], 2…16 of them. */
const distinctLogits = fc.uniqueArray(fc.integer({ min: -800, max: 800 }), { minLength: 2, maxLength: 16 }).map((xs) => xs.map((x) => x / 100));
/** Logits that may repeat and may hold −∞ entries (at least one finite). */
const maskedLogits = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.double({ min: -8, max: 8, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(Number.NEGATIVE_INFINITY) }), { minLength: 1, maxLength: 16 })
  .filter((z) => z.some((x) => Number.isFinite(x)));
const temperature = fc.double({ min: 0.05, max: 4, noNaN: true });
const topP = fc.double({ min: 0.01, max: 1, noNaN: true });
const options: fc.Arbitrary<SamplingOptions> = fc.record({ temperature, topK: fc.integer({ min: 1, max: 20 }), topP }, { requiredKeys: [] });

const keptOf = (p: number[]) => p.flatMap((x, i) => (x > 0 ? [i] : []));

describe('top-k', () => {
  it('[interview.sampling.top-k] without ties, keeps exactly k tokens — the k largest logits — and renormalises over them', () => {
    checkProperty<[number[], number]>('top-k keeps k', distinctLogits, fc.integer({ min: 1, max: 64 }), (z, kRaw) => {
      const k = 1 + (kRaw % (z.length - 1)); // 1 ≤ k < V
      const p = samplingDistribution(z, { topK: k });
      const kept = keptOf(p);
      expect(kept.length).toBe(k);
      const threshold = [...z].sort((a, b) => b - a)[k - 1];
      expect(kept.every((i) => z[i] >= threshold)).toBe(true);
      const direct = softmaxLogits(kept.map((i) => z[i])); // softmax over the kept logits only
      expect(compareNested(kept.map((i) => p[i]), direct, { atol: 1e-12, rtol: 1e-12 }).ok).toBe(true);
    });
  });

  it('[interview.sampling.top-k] k ≥ V returns the distribution unchanged (bit for bit)', () => {
    checkProperty<[number[], number]>('top-k no-op', maskedLogits, fc.integer({ min: 0, max: 10 }), (z, extra) => {
      expect(samplingDistribution(z, { topK: z.length + extra })).toEqual(samplingDistribution(z));
    });
  });

  it('ties at the k-th value are kept (torch.topk + "logits < v[-1]" as in the tutorial): [3, 1, 1, 0] with k = 2 keeps three', () => {
    expect(keptOf(samplingDistribution([3, 1, 1, 0], { topK: 2 }))).toEqual([0, 1, 2]);
  });
});

describe('top-p', () => {
  it('[interview.sampling.top-p] the kept set is a most-probable prefix with mass ≥ p, and no smaller prefix reaches p', () => {
    checkProperty<[number[], number]>('top-p smallest set', distinctLogits, topP, (z, p) => {
      const probs = softmaxLogits(z);
      const kept = new Set(keptOf(samplingDistribution(z, { topP: p })));
      const keptProbs = probs.filter((_, i) => kept.has(i));
      const dropped = probs.filter((_, i) => !kept.has(i));
      expect(Math.min(...keptProbs)).toBeGreaterThanOrEqual(dropped.length ? Math.max(...dropped) : 0); // a prefix in probability order
      const mass = keptProbs.reduce((a, b) => a + b, 0);
      expect(mass).toBeGreaterThanOrEqual(p - 1e-12); // reaches p (float64 sums: 1e-12)
      expect(mass - Math.min(...keptProbs)).toBeLessThan(p + 1e-12); // one fewer token does not
    });
  });

  it('[interview.sampling.top-p] p = 1 keeps every token of non-zero probability', () => {
    checkProperty<[number[]]>('top-p p=1', maskedLogits, (z) => {
      expect(samplingDistribution(z, { topP: 1 })).toEqual(samplingDistribution(z));
    });
  });

  it('boundary convention: the nucleus of [0.5, 0.25, 0.25] at p = 0.6 keeps both tokens tied at 0.25', () => {
    expect(nucleus([0.5, 0.25, 0.25], 0.6)).toEqual([0, 1, 2]);
    expect(nucleus([0.5, 0.3, 0.2], 0.6)).toEqual([0, 1]);
  });
});

describe('temperature', () => {
  it('[scratch.sampling.temperature] lowering T never lowers the argmax probability, and at T the argmax has ≥ 1 − (V−1)·e^(−gap/T)', () => {
    checkProperty<[number[], number, number]>('temperature sharpens', distinctLogits, temperature, temperature, (z, a, b) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const top = greedy(z);
      const pLo = samplingDistribution(z, { temperature: lo })[top];
      const pHi = samplingDistribution(z, { temperature: hi })[top];
      expect(pLo).toBeGreaterThanOrEqual(pHi - 1e-12);
      const sorted = [...z].sort((x, y) => y - x);
      const gap = sorted[0] - sorted[1];
      expect(pLo).toBeGreaterThanOrEqual(1 - (z.length - 1) * Math.exp(-gap / lo) - 1e-12);
    });
  });

  it('[scratch.sampling.temperature] T → 0: with T = 10⁻³ and a gap ≥ 0.05 every seeded draw is the argmax', () => {
    checkProperty<[number[], number]>('temperature to zero is greedy', distinctLogits.filter((z) => {
      const s = [...z].sort((a, b) => b - a);
      return s[0] - s[1] >= 0.05;
    }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (z, seed) => {
      const rng = seededRng(seed);
      for (let i = 0; i < 20; i++) expect(sampleNext(z, { temperature: 1e-3 }, rng)).toBe(greedy(z));
    });
  });
});

describe('every sampler returns only tokens with non-zero probability', () => {
  it('any logits (with −∞ entries), any temperature / top-k / top-p: 20 seeded draws each land on a token the filtered distribution gives mass', () => {
    checkProperty<[number[], SamplingOptions, number]>('sampler support', maskedLogits, options, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (z, o, seed) => {
      const p = samplingDistribution(z, o);
      const rng = seededRng(seed);
      for (let i = 0; i < 20; i++) {
        const t = sampleNext(z, o, rng);
        expect(p[t]).toBeGreaterThan(0);
        expect(Number.isFinite(z[t])).toBe(true);
      }
      expect(Number.isFinite(z[greedy(z)])).toBe(true);
    });
  });

  it('a distribution with zeros never yields a zero-probability index, even when u·Σ rounds up to Σ', () => {
    const edge = { next: () => 1 - 2 ** -53, uniform: () => 0, normal: () => 0, int: () => 0 }; // the largest u < 1
    expect(sampleIndex([0.5, 0.5, 0], edge)).toBe(1);
    expect(sampleIndex([0, 1, 0, 0], edge)).toBe(1);
  });
});

describe('the generation loop', () => {
  const bigram = (V: number, seed: number) => {
    const rng = seededRng(seed);
    const table = Array.from({ length: V }, () => Array.from({ length: V }, () => rng.normal()));
    return (context: number[]) => table[context[context.length - 1]];
  };
  it('never feeds more than blockSize tokens, keeps the prompt, adds exactly maxNewTokens, and repeats itself from the same seed', () => {
    checkProperty<[number, number, number, number]>('generation loop', fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 1000 }), (blockSize, promptLength, n, seed) => {
      const V = 7;
      let maxSeen = 0;
      const next = (c: number[]) => {
        maxSeen = Math.max(maxSeen, c.length);
        return bigram(V, seed)(c);
      };
      const prompt = Array.from({ length: promptLength }, (_, i) => i % V);
      const a = generateTokens(next, prompt, { blockSize, maxNewTokens: n, rng: seededRng(seed), temperature: 0.8 });
      const b = generateTokens(next, prompt, { blockSize, maxNewTokens: n, rng: seededRng(seed), temperature: 0.8 });
      expect(a.tokens.length).toBe(promptLength + n);
      expect(a.tokens.slice(0, promptLength)).toEqual(prompt);
      expect(maxSeen).toBeLessThanOrEqual(blockSize);
      expect(a.contextLengths.every((l, i) => l === Math.min(blockSize, promptLength + i))).toBe(true);
      expect(b.tokens).toEqual(a.tokens);
    });
  });

  it('the asynchronous loop (the GPU backends\' form) gives the same tokens and context lengths, greedy, sampled with the default distribution, and with a given one', async () => {
    await checkPropertyAsync(
      'generateTokensAsync = generateTokens',
      fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 1000 }), fc.constantFrom('greedy', 'default', 'given')),
      async ([blockSize, promptLength, n, seed, how]) => {
        const next = bigram(7, seed);
        const prompt = Array.from({ length: promptLength }, (_, i) => i % 7);
        const o = { blockSize, maxNewTokens: n, temperature: 0.8, topK: 4, greedy: how === 'greedy' };
        const given = (z: number[]) => samplingDistribution(z, { temperature: 1.3 });
        const sync = generateTokens(next, prompt, { ...o, rng: seededRng(seed), ...(how === 'given' ? { distribution: given } : {}) });
        const async = await generateTokensAsync(async (c) => next(c), prompt, { ...o, rng: seededRng(seed), ...(how === 'given' ? { distribution: async (z: number[]) => given(z) } : {}) });
        expect(async).toEqual(sync);
      },
    );
  });
});

describe('majority vote', () => {
  it('returns an answer with the largest count; with a unique largest count, the order of the answers does not matter', () => {
    checkProperty<[number[], number]>('majority vote', fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 1000 }), (answers, seed) => {
      const v = majorityVote(answers);
      const counts = new Map<number, number>();
      for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
      const best = Math.max(...counts.values());
      expect(v.votes).toBe(best);
      expect(counts.get(v.answer)).toBe(best);
      if ([...counts.values()].filter((c) => c === best).length === 1) {
        const rng = seededRng(seed);
        const shuffled = [...answers].sort(() => rng.next() - 0.5);
        expect(majorityVote(shuffled).answer).toBe(v.answer);
      }
    });
  });
});

describe(`tfjs[${backendReport.choice}] vs reference: the same filtered distributions`, () => {
  it('random logits, temperature, top-k and top-p (p kept ≥ 1e-4 away from every cumulative mass, where float32 and float64 may round to different sets): within TFJS_VS_REFERENCE.softmax, same support (up to float32 underflow below 1e-30)', () => {
    checkProperty<[number[], SamplingOptions]>('tfjs sampling filters', distinctLogits, options, (z, o) => {
      if (o.topP !== undefined && o.topP < 1) {
        const afterK = softmaxLogits(filterLogits(z, { ...o, topP: undefined }));
        const sorted = afterK.filter((x) => x > 0).sort((a, b) => b - a);
        let c = 0;
        const near = sorted.some((x) => {
          c += x;
          return Math.abs(c - o.topP!) < 1e-4;
        });
        fc.pre(!near);
      }
      const before = tf.memory().numTensors;
      const t = tf.tidy(() => Array.from(tfDistribution(tf.tensor1d(z), o).dataSync()));
      expect(tf.memory().numTensors).toBe(before);
      const r = samplingDistribution(z, o);
      // Same support, except where float32 underflows: e^(z/T) below ~1e-38 is 0 in float32 and not in float64.
      r.forEach((ri, i) => {
        if (ri === 0) expect(t[i]).toBe(0);
        else if (ri > 1e-30) expect(t[i]).toBeGreaterThan(0);
      });
      const cmp = compareNested(t, r, TFJS_VS_REFERENCE.softmax);
      expect(cmp.ok, cmp.message).toBe(true);
    });
  });

  it('a batch (B × V) is filtered row by row', () => {
    const z = [
      [2, 1, 0.5, -1],
      [0, 0, 3, 1],
    ];
    const t = tf.tidy(() => tfDistribution(tf.tensor2d(z), { topK: 2, topP: 0.9 }).arraySync() as number[][]);
    z.forEach((row, b) => expect(compareNested(t[b], samplingDistribution(row, { topK: 2, topP: 0.9 }), TFJS_VS_REFERENCE.softmax).ok).toBe(true));
  });
});

describe('the inverse-CDF sampler, statistically', () => {
  it('60,000 seeded draws from [0.5, 0.3, 0.15, 0.05, 0]: χ² over the four live tokens ≤ 27.9 (3 degrees of freedom: P(χ² > 27.9) = 3.8·10⁻⁶), and the zero never appears', () => {
    const p = [0.5, 0.3, 0.15, 0.05, 0];
    const rng = seededRng(2024);
    const counts = [0, 0, 0, 0, 0];
    const N = 60000;
    for (let i = 0; i < N; i++) counts[sampleIndex(p, rng)] += 1;
    expect(counts[4]).toBe(0);
    const chi2 = p.slice(0, 4).reduce((s, pi, i) => s + (counts[i] - N * pi) ** 2 / (N * pi), 0);
    expect(chi2).toBeLessThanOrEqual(27.9);
  });
});
