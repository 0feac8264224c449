/**
 * Bad input to the samplers is a named error, never a NaN or a silent fallback: probabilities that
 * are negative or do not sum to 1 (ProbabilityError), k ≤ 0 or not an integer (TopKError), p
 * outside (0, 1] (TopPError), temperature ≤ 0 or not finite (TemperatureError), NaN or +∞ logits
 * (NonFiniteError), nothing to choose from; the tfjs filters raise the same errors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, NonFiniteError, RangeArgumentError, SpecError } from '../../src/core/errors.js';
import { seededRng } from '../../src/core/random.js';
import {
  checkDistribution,
  generateTokens,
  majorityVote,
  ProbabilityError,
  sampleIndex,
  samplingDistribution,
  TemperatureError,
  TopKError,
  TopPError,
  type SamplingOptions,
} from '../../src/reference/sampling.js';
import '../../src/tfjs/index.js';
import { filterLogits } from '../../src/tfjs/sampling.js';
import { PROBABILITY_SUM } from '../../src/core/tolerance.js';

const rng = () => seededRng(1);

describe('probabilities: ProbabilityError', () => {
  const bad: Array<[string, number[], RegExp]> = [
    ['a negative entry', [0.6, -0.1, 0.5], /probabilities\[1\] is -0\.1: probabilities cannot be negative/],
    ['a NaN entry', [0.5, Number.NaN, 0.5], /probabilities\[1\] is NaN: probabilities must be finite/],
    ['sum 0.9', [0.5, 0.4], /sum to 0\.9, not 1/],
    ['sum 1.1', [0.6, 0.5], /sum to 1\.1, not 1/],
    ['an empty vector', [], /non-empty vector/],
  ];
  it.each(bad)('%s', (_name, p, message) => {
    expect(() => sampleIndex(p, rng())).toThrow(ProbabilityError);
    expect(() => sampleIndex(p, rng())).toThrow(message);
  });
  it(`a float32 softmax's rounding passes: |Σ − 1| ≤ ${PROBABILITY_SUM.atol} (PROBABILITY_SUM)`, () => {
    expect(() => checkDistribution([0.5, 0.5 + 0.5 * PROBABILITY_SUM.atol])).not.toThrow();
    expect(() => checkDistribution([0.5, 0.5 + 2 * PROBABILITY_SUM.atol])).toThrow(ProbabilityError);
  });
  it('is a SpecError with code OUT_OF_RANGE (the CLI reports it on one line and exits 2)', () => {
    const e = (() => {
      try {
        checkDistribution([2, -1]);
      } catch (x) {
        return x as SpecError;
      }
    })()!;
    expect(e).toBeInstanceOf(RangeArgumentError);
    expect(e.code).toBe('OUT_OF_RANGE');
    expect(e.name).toBe('ProbabilityError');
  });
});

const optionCases: Array<[string, SamplingOptions, new (m: string) => Error, RegExp]> = [
  ['k = 0', { topK: 0 }, TopKError, /top-k needs an integer k ≥ 1, got 0/],
  ['k = −3', { topK: -3 }, TopKError, /got -3/],
  ['k = 2.5', { topK: 2.5 }, TopKError, /got 2\.5/],
  ['p = 0', { topP: 0 }, TopPError, /top-p needs p in \(0, 1\], got 0/],
  ['p = 1.5', { topP: 1.5 }, TopPError, /got 1\.5/],
  ['p = −0.2', { topP: -0.2 }, TopPError, /got -0\.2/],
  ['p = NaN', { topP: Number.NaN }, TopPError, /got NaN/],
  ['temperature 0', { temperature: 0 }, TemperatureError, /temperature must be a finite number > 0, got 0 \(for the limit T → 0 use greedy decoding\)/],
  ['temperature −1', { temperature: -1 }, TemperatureError, /got -1/],
  ['temperature ∞', { temperature: Number.POSITIVE_INFINITY }, TemperatureError, /got Infinity/],
];

describe('sampling options: TopKError, TopPError, TemperatureError — reference and tfjs alike', () => {
  it.each(optionCases)('%s', (_name, o, Err, message) => {
    expect(() => samplingDistribution([1, 2, 3], o)).toThrow(Err);
    expect(() => samplingDistribution([1, 2, 3], o)).toThrow(message);
    const z = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numTensors;
    expect(() => filterLogits(z, o)).toThrow(Err);
    expect(tf.memory().numTensors).toBe(before);
    z.dispose();
    expect(() => generateTokens(() => [1, 2, 3], [0], { blockSize: 4, maxNewTokens: 1, rng: rng(), ...o })).toThrow(Err);
  });
});

describe('logits and loops', () => {
  it('NaN or +∞ logits are NonFiniteError (reference and tfjs); −∞ is a masked token and allowed', () => {
    expect(() => samplingDistribution([1, Number.NaN])).toThrow(NonFiniteError);
    expect(() => samplingDistribution([1, Number.POSITIVE_INFINITY])).toThrow(/logits\[1\] is Infinity/);
    expect(samplingDistribution([0, Number.NEGATIVE_INFINITY])).toEqual([1, 0]);
    const z = tf.tensor1d([1, Number.NaN]);
    expect(() => filterLogits(z)).toThrow(NonFiniteError);
    z.dispose();
  });
  it('all −∞, or no logits at all: nothing to choose, an ArgumentError', () => {
    expect(() => samplingDistribution([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY])).toThrow(/every entry of logits is −∞/);
    expect(() => samplingDistribution([])).toThrow(ArgumentError);
  });
  it('generation: an empty prompt, blockSize < 1, a negative or fractional maxNewTokens', () => {
    const next = () => [0, 1];
    expect(() => generateTokens(next, [], { blockSize: 2, maxNewTokens: 1, rng: rng() })).toThrow(/prompt must hold at least one token/);
    expect(() => generateTokens(next, [0], { blockSize: 0, maxNewTokens: 1, rng: rng() })).toThrow(/blockSize must be an integer ≥ 1, got 0/);
    expect(() => generateTokens(next, [0], { blockSize: 2, maxNewTokens: -1, rng: rng() })).toThrow(/maxNewTokens must be an integer ≥ 0, got -1/);
    expect(() => generateTokens(next, [0], { blockSize: 2, maxNewTokens: 1.5, rng: rng() })).toThrow(RangeArgumentError);
  });
  it('majority vote over no answers', () => {
    expect(() => majorityVote([])).toThrow(/needs at least one answer/);
  });
});
