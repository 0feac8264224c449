/**
 * Tensor-level leak checks of the tfjs ops, called directly with tensors (boolean mask tensors,
 * inputs that make an op throw): every op leaves tf.memory().numTensors as it found it. The
 * differential specs themselves (tfjs vs float64, float64 vs BigNumber, for every op) are driven by
 * the op registry: spec/differential/registry.spec.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/tfjs/index.js';
import { backendReport } from '../_helpers/setup.js';

// ---------------------------------------------------------------------------------------------

describe(`no tensor leaks on ${backendReport.choice}: every op leaves tf.memory().numTensors as it found it`, () => {
  const q = [
    [0.1, 0.2, 0.3, 0.4],
    [0.5, -0.6, 0.7, -0.8],
    [1, 0, -1, 0],
  ]; // (3 × 4)
  const w = [
    [0.1, 0, 0.2, 0],
    [0, 0.3, 0, 0.4],
    [0.5, 0, 0.6, 0],
    [0, 0.7, 0, 0.8],
  ]; // (4 × 4)

  /** Makes the inputs, counts tensors, runs the op, disposes everything it returned, counts again. */
  const leaks = (makeInputs: () => tf.Tensor[], op: (inputs: tf.Tensor[]) => tf.TensorContainer): number => {
    const inputs = makeInputs();
    const before = tf.memory().numTensors;
    tf.dispose(op(inputs));
    const after = tf.memory().numTensors;
    tf.dispose(inputs);
    return after - before;
  };

  const cases: Array<[string, () => tf.Tensor[], (i: tf.Tensor[]) => tf.TensorContainer]> = [
    ['softmax', () => [tf.tensor2d(q)], ([x]) => T.softmax(x)],
    ['softmax of a fully masked row', () => [tf.tensor2d([[-Infinity, -Infinity], [0, 1]])], ([x]) => T.softmax(x)],
    ['causalMask', () => [], () => T.causalMask(3, 5)],
    ['scaledDotProductAttention', () => [tf.tensor2d(q), tf.tensor2d(q), tf.tensor2d(q)], ([a, b, c]) => ({ ...T.scaledDotProductAttention(a, b, c, { steps: true }) })],
    [
      'scaledDotProductAttention, causal, no scale',
      () => [tf.tensor2d(q), tf.tensor2d(q), tf.tensor2d(q)],
      ([a, b, c]) => ({ ...T.scaledDotProductAttention(a, b, c, { mask: 'causal', scale: false, steps: true }) }),
    ],
    [
      'scaledDotProductAttention with a boolean tensor mask',
      () => [tf.tensor2d(q), tf.tensor2d(q), tf.tensor2d(q), tf.tensor2d([[true, false, false], [true, true, false], [true, true, true]], [3, 3], 'bool')],
      ([a, b, c, m]) => ({ ...T.scaledDotProductAttention(a, b, c, { mask: m, steps: true }) }),
    ],
    [
      'multiHeadAttention',
      () => [tf.tensor2d(q), tf.tensor2d(w)],
      ([x, wt]) => ({ ...T.multiHeadAttention(x, x, { wQ: wt, wK: wt, wV: wt, wO: wt }, { nHeads: 2, mask: 'causal' }) }),
    ],
    ['sinusoidalEncoding', () => [], () => T.sinusoidalEncoding([0, 5, 2048], 8)],
    ['rope (interleaved)', () => [tf.tensor2d(q)], ([x]) => T.rope(x, { pairing: 'interleaved' })],
    ['rope (half)', () => [tf.tensor2d(q)], ([x]) => T.rope(x, { pairing: 'half' })],
    ['learnedPositionalEmbedding', () => [tf.tensor2d(w)], ([t]) => T.learnedPositionalEmbedding(t, [3, 0, 1])],
  ];

  for (const [name, makeInputs, op] of cases) {
    it(`${name} leaks no tensors`, () => {
      expect(leaks(makeInputs, op)).toBe(0);
    });
  }

  it('ops that throw on bad input leak no tensors either', () => {
    const bad: Array<[() => tf.Tensor[], (i: tf.Tensor[]) => unknown]> = [
      [() => [tf.tensor2d([[1, NaN]])], ([x]) => T.softmax(x)],
      [() => [tf.tensor2d(q), tf.tensor2d([[1, 2]]), tf.tensor2d(q)], ([a, b, c]) => T.scaledDotProductAttention(a, b, c, { steps: true })],
      [() => [tf.tensor2d(q), tf.tensor2d(q), tf.tensor2d([[1, Infinity, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])], ([a, b, c]) => T.scaledDotProductAttention(a, b, c, { steps: true })],
      [() => [tf.tensor2d(q), tf.tensor2d(w)], ([x, wt]) => T.multiHeadAttention(x, x, { wQ: wt, wK: wt, wV: wt, wO: wt }, { nHeads: 3 })],
      [() => [tf.tensor2d([[1, 2, 3]])], ([x]) => T.rope(x)],
    ];
    for (const [makeInputs, op] of bad) {
      const inputs = makeInputs();
      const before = tf.memory().numTensors;
      expect(() => op(inputs)).toThrow();
      expect(tf.memory().numTensors - before).toBe(0);
      tf.dispose(inputs);
    }
  });
});
