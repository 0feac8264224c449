/**
 * Attention's edge conventions, run by `npx vitest run spec/attention` itself — they used to be
 * tested only in spec/errors and spec/efficient-attention, so a topic run missed a broken
 * convention. The rules (src/core/numeric-conventions.ts; src/reference/softmax.ts;
 * src/reference/scaled-dot-product-attention.ts), on the float64 reference, the 64-digit BigNumber
 * oracle and tfjs (through the registry's adapters, src/ops/implementations.ts):
 *
 *   −∞ is "masked": weight exactly 0; a fully masked row (all −∞) gets zero weights and a zero
 *   output — not NaN (0/0), and not uniform 1/n_k.
 *   maskValue −1e9 (the PyTorch-tutorial habit) equals −∞ on partially masked rows but makes a fully
 *   masked row uniform (e^0 / n_k each) — the difference is the point of the convention.
 *   NaN and +∞ in softmax or attention inputs are refused (NonFiniteError), never spread.
 *   Huge logits (±1e30, gaps of 1e4) stay finite and correct: softmax shifts by the row maximum.
 *   Scores beyond float32's range are refused on every implementation (Float32RangeError).
 * Shapes: q (n_q × d_k), k (n_k × d_k), v (n_k × d_v), mask (n_q × n_k), true = may attend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, Float32RangeError, NonFiniteError, SpecError } from '../../src/core/errors.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE, type Tolerance } from '../../src/core/tolerance.js';
import { asNumbers } from '../../src/reference/field.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { highPrecisionImpl, referenceImpl, tfjsImpl, type ArrayImpl } from '../../src/ops/implementations.js';
import { backendReport } from '../_helpers/setup.js';

type Matrix = number[][];
const tfImpl = tfjsImpl(backendReport);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const IMPLS: Array<[ArrayImpl<any>, Tolerance]> = [
  [referenceImpl, EXACT.reference],
  [highPrecisionImpl, EXACT.reference],
  [tfImpl, EXACT.tfjs],
];

// Query 0 may attend nothing; query 1 key 0 only; query 2 every key.
const mask = [
  [false, false, false],
  [true, false, false],
  [true, true, true],
];
const q: Matrix = [
  [1, 0, 1],
  [0, 1, 0],
  [1, 1, 1],
]; // (n_q 3 × d_k 3)
const k: Matrix = [
  [1, 1, 0],
  [0, 0, 1],
  [1, 0, 0],
]; // (n_k 3 × d_k 3)
const v: Matrix = [
  [1, 2],
  [3, 4],
  [5, 6],
]; // (n_k 3 × d_v 2)

/** Attention's weights and output on an implementation, as float64 numbers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function attend(impl: ArrayImpl<any>, options: { mask: boolean[][]; maskValue?: number }): Promise<{ weights: Matrix; output: Matrix }> {
  const r = await impl.scaledDotProductAttention(impl.lift(q), impl.lift(k), impl.lift(v), { ...options, steps: true });
  return { weights: asNumbers(impl.F, r.weights), output: asNumbers(impl.F, r.output) };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function softmaxOf(impl: ArrayImpl<any>, x: Matrix): Promise<Matrix> {
  return asNumbers(impl.F, await impl.softmax(impl.lift(x)));
}
async function thrown(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  return undefined;
}
const label = (impl: { name: string; backend: string }) => `${impl.name} (${impl.backend})`;

describe('attention conventions at the edges, on the reference, the BigNumber oracle and tfjs', () => {
  it('softmax: an all −∞ row is all zeros (not NaN, not uniform); a −∞ entry gets weight exactly 0', async () => {
    for (const [impl] of IMPLS) {
      expect(await softmaxOf(impl, [[-Infinity, -Infinity, -Infinity], [0, -Infinity, 0]]), label(impl)).toEqual([[0, 0, 0], [0.5, 0, 0.5]]);
    }
  });

  it('a fully masked attention row gets zero weights and a zero output; a row with one key allowed puts weight 1 on it', async () => {
    for (const [impl, tol] of IMPLS) {
      const r = await attend(impl, { mask });
      expect(r.weights[0], label(impl)).toEqual([0, 0, 0]);
      expect(r.output[0], label(impl)).toEqual([0, 0]);
      expect(r.weights[1], label(impl)).toEqual([1, 0, 0]);
      const c = compareNested(r.output[1], v[0], tol);
      expect(c.ok, `${label(impl)}: ${c.message}`).toBe(true);
      expect(r.weights.flat().concat(r.output.flat()).every(Number.isFinite), label(impl)).toBe(true);
    }
  });

  it('maskValue −1e9 equals −∞ on partially masked rows but turns the fully masked row uniform (1/3 each, output the mean of v)', async () => {
    const uniform = [1 / 3, 1 / 3, 1 / 3];
    const meanOfV = [(1 + 3 + 5) / 3, (2 + 4 + 6) / 3];
    for (const [impl, tol] of IMPLS) {
      const inf = await attend(impl, { mask });
      const big = await attend(impl, { mask, maskValue: -1e9 });
      const same = compareNested(big.weights.slice(1), inf.weights.slice(1), tol);
      expect(same.ok, `${label(impl)}: ${same.message}`).toBe(true);
      expect(compareNested(big.weights[0], uniform, tol).ok, label(impl)).toBe(true);
      expect(compareNested(big.output[0], meanOfV, tol).ok, label(impl)).toBe(true);
    }
  });

  it('NaN and +∞ in softmax or attention inputs are refused with NonFiniteError (the oracle\'s attention with a named SpecError); −∞ is not: it means masked', async () => {
    for (const [impl] of IMPLS) {
      for (const bad of [NaN, Infinity]) {
        expect(await thrown(() => softmaxOf(impl, [[0, bad]])), `${label(impl)} softmax ${bad}`).toBeInstanceOf(NonFiniteError);
        const qBad = q.map((r, i) => (i === 0 ? [bad, ...r.slice(1)] : r));
        const e = await thrown(() => impl.scaledDotProductAttention(impl.lift(qBad), impl.lift(k), impl.lift(v)));
        // The BigNumber oracle meets the lifted NaN/∞ first in its score bound: refused too, as a Float32RangeError.
        expect(e, `${label(impl)} attention ${bad}`).toBeInstanceOf(impl === highPrecisionImpl ? SpecError : NonFiniteError);
      }
    }
  });

  it('huge logits stay finite and correct: softmax([1e30, −1e30, 0]) = [1, 0, 0], softmax([1e4, 0, −1e4]) = [1, 0, 0], an all −1e30 row is uniform', async () => {
    for (const [impl, tol] of IMPLS) {
      const got = await softmaxOf(impl, [[1e30, -1e30, 0], [1e4, 0, -1e4], [-1e30, -1e30, -1e30]]);
      const c = compareNested(got, [[1, 0, 0], [1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], impl === tfImpl ? TFJS_VS_REFERENCE.softmax : tol);
      expect(c.ok, `${label(impl)}: ${c.message}`).toBe(true);
    }
  });

  it('scores beyond float32 (q·k = 1e40) are refused with Float32RangeError on every implementation', async () => {
    const [qq, kk, vv] = [[[1e20, 0]], [[1e20, 0], [0, 1]], [[1, 0], [0, 1]]];
    for (const [impl] of IMPLS) {
      expect(await thrown(() => impl.scaledDotProductAttention(impl.lift(qq), impl.lift(kk), impl.lift(vv))), label(impl)).toBeInstanceOf(Float32RangeError);
    }
  });
});

describe('softmax\'s arguments (src/reference/softmax.ts): bad input is named, the axis is honoured', () => {
  it('a NaN or +∞ logit is refused with a message naming the argument and the entry: "x[1][0] is NaN"', () => {
    expect(() => R.softmax([[0, 1], [NaN, 2]])).toThrow(/^x\[1\]\[0\] is NaN; softmax accepts finite numbers and −∞ \(masked\) only$/);
    expect(() => R.softmax([[0, Infinity]])).toThrow(/^x\[0\]\[1\] is Infinity; /);
  });

  it('axis 0 normalises columns (the transpose of the row softmax of the transpose); any other axis is an ArgumentError naming it', () => {
    const x = [
      [0, 1, -Infinity],
      [2, 1, 0],
    ];
    const byColumns = R.softmax(x, 0);
    const expected = [
      [1 / (1 + Math.E ** 2), 0.5, 0],
      [Math.E ** 2 / (1 + Math.E ** 2), 0.5, 1],
    ];
    const c = compareNested(byColumns, expected, EXACT.reference);
    expect(c.ok, c.message).toBe(true);
    expect(R.softmax(x, -1)).toEqual(R.softmax(x));
    expect(() => R.softmax(x, 1 as -1)).toThrow(ArgumentError);
    expect(() => R.softmax(x, 1 as -1)).toThrow(/^softmax axis must be -1 \(rows\) or 0 \(columns\), got 1$/);
  });
});

describe(`tfjs softmax's arguments (src/tfjs/softmax.ts), on ${backendReport.choice}`, () => {
  const rows = (t: tf.Tensor) => t.arraySync() as number[][][];
  it('without an axis, a rank-3 tensor is normalised along its last axis (not axis 1)', () => {
    const x = [
      [
        [0, 1, 2],
        [3, 3, 3],
      ],
    ]; // (1 × 2 × 3)
    const got = tf.tidy(() => rows(T.softmax(tf.tensor3d(x))));
    const c = compareNested(got[0], R.softmax(x[0]), TFJS_VS_REFERENCE.softmax);
    expect(c.ok, c.message).toBe(true);
  });

  it('axes −rank … rank − 1 are accepted (−3 and 0 are the same axis of a rank-3 tensor); −rank − 1, rank and 0.5 are ArgumentErrors naming the axis and the rank', () => {
    const x = tf.tensor3d([[[0, 1]], [[2, 0]]]); // (2 × 1 × 2)
    try {
      const first = tf.tidy(() => T.softmax(x, 0).arraySync());
      expect(tf.tidy(() => T.softmax(x, -3).arraySync())).toEqual(first);
      const c = compareNested(first as number[][][], [[[1 / (1 + Math.E ** 2), Math.E / (1 + Math.E)]], [[Math.E ** 2 / (1 + Math.E ** 2), 1 / (1 + Math.E)]]], TFJS_VS_REFERENCE.softmax);
      expect(c.ok, c.message).toBe(true);
      expect(tf.tidy(() => T.softmax(x, 2).arraySync())).toEqual(tf.tidy(() => T.softmax(x).arraySync()));
      for (const axis of [3, -4, 0.5]) {
        expect(() => tf.tidy(() => T.softmax(x, axis)), `axis ${axis}`).toThrow(ArgumentError);
        expect(() => tf.tidy(() => T.softmax(x, axis)), `axis ${axis}`).toThrow(new RegExp(`^softmax axis ${String(axis).replace('.', '\\.')} is out of range for x of rank 3$`));
      }
    } finally {
      x.dispose();
    }
  });

  it('bad tensors are named "x": a scalar (ShapeError), a NaN entry (NonFiniteError)', () => {
    expect(() => tf.tidy(() => T.softmax(tf.scalar(1)))).toThrow(/^x must have rank ≥ 1, got shape \[\]$/);
    expect(() => tf.tidy(() => T.softmax(tf.tensor2d([[1, NaN]])))).toThrow(/^x contains NaN at flat index 1; /);
    expect(() => T.softmax([[1]] as unknown as tf.Tensor)).toThrow(/^x /);
  });
});
