/**
 * Properties of the language-model losses and metrics (src/reference/metrics.ts, src/tfjs/metrics.ts):
 *
 *   CE with ignore index   the rows labelled −100 never matter; CE = mean over labelled rows of −log softmax
 *   response loss          prompt positions never matter; sum = mean · |response|; = CE on masked targets
 *   PPL = e^CE, BPC = CE/ln 2 (so PPL = 2^BPC); accuracy ∈ [0, 1] is a ratio of counts
 *   distinct-n ∈ (0, 1]; = 1 iff all n-grams differ; a repeated sequence scores less
 *   tfjs = reference within TFJS_METRICS, which rejects label smoothing at ε = 0.001
 *
 * Inputs: logits |z| ≤ 10, V ≤ 64, N ≤ 16 (the ranges TFJS_METRICS is stated for).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, RangeArgumentError, ShapeError } from '../../src/core/errors.js';
import { EXACT, isClose, TFJS_METRICS } from '../../src/core/tolerance.js';
import { crossEntropy } from '../../src/reference/cross-entropy.js';
import {
  accuracy,
  bitsPerCharacter,
  bitsPerCharacterFromLoss,
  distinctN,
  IGNORE_INDEX,
  maskTargets,
  perplexity,
  perplexityFromLoss,
  responseLoss,
  responseTargets,
} from '../../src/reference/metrics.js';
import '../../src/tfjs/index.js';
import * as TM from '../../src/tfjs/metrics.js';
import { crossEntropy as tfCrossEntropy } from '../../src/tfjs/tiny-models.js';
import type { Value } from '../_helpers/arbitraries.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

const close = (a: number, b: number, t = EXACT.reference) => isClose(a, b, t);

/** Logits (N × V), targets in 0…V−1 with some −100, and which rows are labelled. */
const labelled = fc
  .record({ n: fc.integer({ min: 1, max: 16 }), v: fc.integer({ min: 2, max: 64 }) })
  .chain(({ n, v }) =>
    fc.record({
      logits: fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: v, maxLength: v }), { minLength: n, maxLength: n }),
      targets: fc.array(fc.oneof(fc.integer({ min: 0, max: v - 1 }), fc.constant(IGNORE_INDEX)), { minLength: n, maxLength: n }),
      other: fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: v, maxLength: v }), { minLength: n, maxLength: n }),
    }),
  )
  .filter(({ targets }) => targets.some((t) => t !== IGNORE_INDEX));

const logSoftmaxAt = (row: number[], t: number): number => {
  const m = Math.max(...row);
  return row[t] - m - Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0));
};

/** float32 copies, so tfjs and the reference see the same numbers. */
const f32 = (m: number[][]) => m.map((r) => r.map((x) => Math.fround(x)));

function tfValue(f: () => tf.Tensor): number {
  const before = tf.memory().numTensors;
  let v = NaN;
  tf.tidy(() => {
    v = f().dataSync()[0];
  });
  expect(tf.memory().numTensors).toBe(before);
  return v;
}

describe('cross-entropy with ignore index −100', () => {
  it('[scratch.metrics.cross-entropy-ignore-index] the mean runs over labelled rows only; ignored rows may hold any logits (reference, exact)', () => {
    checkProperty<[Value<typeof labelled>]>('ignored rows never matter', labelled, ({ logits, targets, other }) => {
      const swapped = logits.map((row, i) => (targets[i] === IGNORE_INDEX ? other[i] : row));
      expect(crossEntropy(swapped, targets)).toBe(crossEntropy(logits, targets));
      const kept = targets.map((t, i) => [t, i]).filter(([t]) => t !== IGNORE_INDEX);
      const manual = -kept.reduce((s, [t, i]) => s + logSoftmaxAt(logits[i], t), 0) / kept.length;
      expect(close(crossEntropy(logits, targets), manual)).toBe(true);
    });
  });

  it(`[scratch.metrics.cross-entropy-ignore-index] tfjs (${backendReport.choice}) = reference within TFJS_METRICS, ignored rows included`, () => {
    checkProperty<[Value<typeof labelled>]>('tfjs cross-entropy', labelled, ({ logits, targets }) => {
      const z = f32(logits);
      const got = tfValue(() => tfCrossEntropy(tf.tensor2d(z), tf.tensor1d(targets, 'int32')));
      expect(isClose(got, crossEntropy(z, targets), TFJS_METRICS), `${got} vs ${crossEntropy(z, targets)}`).toBe(true);
    }, { numRuns: 50 }); // each run builds tensors on the backend; 50 keeps the file under a few seconds
  });
});

describe('the response-only fine-tuning loss', () => {
  const example = fc
    .record({ promptLength: fc.integer({ min: 1, max: 8 }), responseLength: fc.integer({ min: 1, max: 8 }), v: fc.integer({ min: 2, max: 32 }) })
    .chain(({ promptLength, responseLength, v }) => {
      const n = promptLength + responseLength;
      const row = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: v, maxLength: v });
      return fc.record({
        promptLength: fc.constant(promptLength),
        tokens: fc.array(fc.integer({ min: 0, max: v - 1 }), { minLength: n, maxLength: n }),
        logits: fc.array(row, { minLength: n - 1, maxLength: n - 1 }),
        other: fc.array(row, { minLength: n - 1, maxLength: n - 1 }),
      });
    });

  it('[course.metrics.response-masked-loss] prompt positions never matter; sum = mean · |response|; = CE on the −100-masked targets', () => {
    checkProperty<[Value<typeof example>]>('response loss', example, ({ promptLength, tokens, logits, other }) => {
      const masked = responseTargets(tokens, promptLength);
      const targets = tokens.slice(1);
      const mask = masked.map((t) => t !== IGNORE_INDEX);
      expect(mask.filter(Boolean).length).toBe(tokens.length - promptLength); // one target per response token
      const swapped = logits.map((row, t) => (mask[t] ? row : other[t]));
      const sum = responseLoss(logits, targets, mask, 'sum');
      expect(responseLoss(swapped, targets, mask, 'sum')).toBe(sum);
      expect(close(sum, responseLoss(logits, targets, mask, 'mean') * (tokens.length - promptLength))).toBe(true);
      expect(responseLoss(logits, targets, mask)).toBe(crossEntropy(logits, masked));
      const manual = -targets.reduce((s, t, i) => s + (mask[i] ? logSoftmaxAt(logits[i], t) : 0), 0);
      expect(close(sum, manual)).toBe(true);
    });
  });

  it(`[course.metrics.response-masked-loss] tfjs (${backendReport.choice}) = reference within TFJS_METRICS, mean and sum`, () => {
    checkProperty<[Value<typeof example>]>('tfjs response loss', example, ({ promptLength, tokens, logits }) => {
      const z = f32(logits);
      const targets = tokens.slice(1);
      const mask = responseTargets(tokens, promptLength).map((t) => t !== IGNORE_INDEX);
      for (const reduction of ['mean', 'sum'] as const) {
        const got = tfValue(() => TM.responseLoss(tf.tensor2d(z), targets, mask, reduction));
        expect(isClose(got, responseLoss(z, targets, mask, reduction), TFJS_METRICS)).toBe(true);
      }
    }, { numRuns: 50 }); // tensors per run; see above
  });
});

describe('perplexity, bits per character, accuracy', () => {
  it('PPL = e^CE and BPC = CE/ln 2, so PPL = 2^BPC (reference)', () => {
    checkProperty<[Value<typeof labelled>]>('PPL and BPC from CE', labelled, ({ logits, targets }) => {
      const ce = crossEntropy(logits, targets);
      expect(close(perplexity(logits, targets), Math.exp(ce))).toBe(true);
      expect(close(bitsPerCharacter(logits, targets), ce / Math.LN2)).toBe(true);
      expect(isClose(2 ** bitsPerCharacterFromLoss(ce), perplexityFromLoss(ce), EXACT.reference)).toBe(true);
      expect(perplexity(logits, targets)).toBeGreaterThanOrEqual(1); // CE ≥ 0
    });
  });

  it(`tfjs (${backendReport.choice}): perplexity, bits per character and accuracy = reference within TFJS_METRICS`, () => {
    checkProperty<[Value<typeof labelled>]>('tfjs PPL, BPC, accuracy', labelled, ({ logits, targets }) => {
      const z = f32(logits);
      expect(isClose(tfValue(() => TM.perplexity(tf.tensor2d(z), targets)), perplexity(z, targets), TFJS_METRICS)).toBe(true);
      expect(isClose(tfValue(() => TM.bitsPerCharacter(tf.tensor2d(z), targets)), bitsPerCharacter(z, targets), TFJS_METRICS)).toBe(true);
      const ref = accuracy(z, targets);
      const got = tf.tidy(() => TM.accuracy(tf.tensor2d(z), targets));
      expect([got.correct, got.total]).toEqual([ref.correct, ref.total]); // float32 ties are as unlikely as float64 ones here
      got.accuracy.dispose();
    }, { numRuns: 50 }); // tensors per run; see above
  });

  it('accuracy is correct/total over labelled rows, in [0, 1]; ties go to the first maximum (torch.argmax)', () => {
    checkProperty<[Value<typeof labelled>]>('accuracy', labelled, ({ logits, targets }) => {
      const { correct, total, accuracy: a } = accuracy(logits, targets);
      expect(total).toBe(targets.filter((t) => t !== IGNORE_INDEX).length);
      expect(a).toBe(correct / total);
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
    });
    expect(accuracy([[1, 1, 0]], [0]).correct).toBe(1);
    expect(accuracy([[1, 1, 0]], [1]).correct).toBe(0);
  });

  it('the error rate bounds the loss: CE ≥ (1 − accuracy)·ln 2 (a wrong row has p(target) < 1/2)', () => {
    checkProperty<[Value<typeof labelled>]>('CE ≥ errors·ln 2', labelled, ({ logits, targets }) => {
      expect(crossEntropy(logits, targets) + EXACT.reference.atol).toBeGreaterThanOrEqual((1 - accuracy(logits, targets).accuracy) * Math.LN2);
    });
  });
});

describe('distinct-n', () => {
  const tokens = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'é', '😀'), { minLength: 1, maxLength: 40 });
  it('lies in (0, 1], equals 1 iff every n-gram is different, and counts n-grams over the whole sequence', () => {
    checkProperty<[string[], number]>('distinct-n', tokens, fc.integer({ min: 1, max: 4 }), (ts, n) => {
      fc.pre(ts.length >= n);
      const d = distinctN(ts, n);
      expect(d.total).toBe(ts.length - n + 1);
      expect(d.score).toBe(d.distinct / d.total);
      expect(d.score).toBeGreaterThan(0);
      expect(d.score).toBeLessThanOrEqual(1);
      const grams = ts.slice(0, d.total).map((_, i) => ts.slice(i, i + n).join('\u0000'));
      expect(d.score === 1).toBe(new Set(grams).size === grams.length);
      expect(distinctN([...ts, ...ts], n).score).toBeLessThanOrEqual(d.score + EXACT.reference.atol); // repeating adds no new n-gram but the seam's
    });
  });
});

describe('TFJS_METRICS discriminates', () => {
  it('rejects label smoothing at ε = 0.001 on a confident model (the loss moves by ≫ 1e-5)', () => {
    // confident rows: the target's logit is 8 above the others
    const V = 16;
    const targets = [3, 7, 0, 15, 9];
    const logits: number[][] = targets.map((t) => Array.from({ length: V }, (_, v) => (v === t ? 8 : 0)));
    const ce = crossEntropy(logits, targets);
    const eps = 0.001;
    const smoothed = targets.reduce((s, t, i) => s - ((1 - eps) * logSoftmaxAt(logits[i], t) + (eps / V) * logits[i].reduce((u: number, _z, v) => u + logSoftmaxAt(logits[i], v), 0)), 0) / targets.length;
    expect(Math.abs(smoothed - ce)).toBeGreaterThan(1e-3);
    expect(isClose(smoothed, ce, TFJS_METRICS)).toBe(false);
    const tfCe = tfValue(() => tfCrossEntropy(tf.tensor2d(logits), tf.tensor1d(targets, 'int32')));
    expect(isClose(tfCe, ce, TFJS_METRICS)).toBe(true);
  });
});

describe('bad input: named errors', () => {
  const logits = [[0, 1], [1, 0]];
  it.each<[string, () => unknown, typeof ArgumentError | typeof RangeArgumentError | typeof ShapeError, RegExp]>([
    ['every target ignored', () => crossEntropy(logits, [IGNORE_INDEX, IGNORE_INDEX]), ArgumentError, /every target is the ignore index −?-?100/],
    ['a target outside the vocabulary', () => accuracy(logits, [0, 2]), RangeArgumentError, /target 1 is 2, outside the vocabulary 0…1/],
    ['fewer targets than rows', () => accuracy(logits, [0]), ShapeError, /2 rows of logits but 1 targets/],
    ['a mask of the wrong length', () => maskTargets([0, 1], [true]), ShapeError, /responseMask has 1 entries but there are 2 targets/],
    ['an unknown reduction', () => responseLoss(logits, [0, 1], [true, true], 'max' as 'sum'), ArgumentError, /reduction must be "mean" or "sum"/],
    ['a prompt with no response', () => responseTargets([1, 2, 3], 3), RangeArgumentError, /promptLength must be an integer in 1…2/],
    ['a negative cross-entropy', () => perplexityFromLoss(-0.1), RangeArgumentError, /never negative/],
    ['a NaN cross-entropy', () => bitsPerCharacterFromLoss(NaN), RangeArgumentError, /must be finite/],
    ['distinct-2 of one token', () => distinctN(['a'], 2), RangeArgumentError, /distinct-2 needs at least 2 tokens, got 1/],
    ['distinct-0', () => distinctN(['a'], 0), RangeArgumentError, /n must be an integer ≥ 1/],
  ])('%s', (_name, f, type, message) => {
    expect(f).toThrow(type);
    expect(f).toThrow(message);
  });

  it('tfjs raises the same errors and leaks nothing', () => {
    const z = tf.tensor2d(logits);
    const negative = tf.scalar(-1);
    const nan = tf.tensor2d([[NaN, 0]]);
    const before = tf.memory().numTensors;
    expect(() => TM.accuracy(z, [IGNORE_INDEX, IGNORE_INDEX])).toThrow(ArgumentError);
    expect(() => TM.perplexity(z, [0])).toThrow(ShapeError);
    expect(() => TM.responseLoss(z, [0, 1], [true])).toThrow(ShapeError);
    expect(() => TM.perplexityFromLoss(negative)).toThrow(/never negative/);
    expect(() => TM.perplexity(nan, [0])).toThrow(/contains NaN/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, negative, nan]);
  });
});
