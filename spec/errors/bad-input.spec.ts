/**
 * Bad input and edge-case conventions, on both implementations: the reference (nested arrays)
 * and tfjs (tensors, on the selected backend).
 *
 * Every bad input throws a named error class with a stable `code`, and the message names the
 * argument. The conventions at the edges are stated and tested by name:
 *   - a fully masked attention row (all −∞) gets zero weights and a zero output, not NaN;
 *   - maskValue −1e9 gives the same weights as −∞ on partially masked rows, but turns a fully
 *     masked row uniform (e^0 / n_k each) — the usual PyTorch-tutorial behaviour;
 *   - softmax of huge logits (±1e30, gaps of 1e4) is finite and correct (max-shifted);
 *   - NaN or +∞ into softmax or attention throws NonFiniteError instead of spreading.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, NonFiniteError, RangeArgumentError, ShapeError, type SpecErrorCode } from '../../src/core/errors.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { backendReport } from '../_helpers/setup.js';
import { expectSpecError, type ErrorClass } from '../_helpers/errors.js';

type Matrix = number[][];

const TFJS = `tfjs (${backendReport.choice})`;


/** Runs a tfjs call inside tf.tidy, so the input tensors it makes are disposed even when it throws. */
const tidy = (f: () => unknown) => () => tf.tidy(() => void f());
const t2 = (m: Matrix) => tf.tensor2d(m);

const q = [
  [1, 0, 1],
  [0, 1, 0],
]; // (2 × 3)
const k3 = [
  [1, 1, 0],
  [0, 0, 1],
  [1, 0, 0],
]; // (3 × 3)
const v3 = [
  [1, 2],
  [3, 4],
  [5, 6],
]; // (3 × 2)
const w46 = Array.from({ length: 4 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i + j) / 10)); // (4 × 6)
const w64 = Array.from({ length: 6 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i - j) / 10)); // (6 × 4)
const x4 = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
]; // (2 × 4)
const table = [
  [0, 1],
  [2, 3],
  [4, 5],
  [6, 7],
]; // (4 × 2): a learned table for positions 0…3

interface BadCase {
  what: string;
  cls: ErrorClass;
  code: SpecErrorCode;
  /** When the tfjs counterpart of the bad input is a different kind of shape error. */
  tfjsCode?: SpecErrorCode;
  reference: [() => unknown, RegExp];
  tfjs: [() => unknown, RegExp];
}

const cases: BadCase[] = [
  {
    what: 'q and k with different d_k',
    cls: ShapeError,
    code: 'SHAPE_MISMATCH',
    reference: [() => R.scaledDotProductAttention(q, [[1, 2], [3, 4], [5, 6]], v3), /q has d_k = 3 columns but k has 2/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2([[1, 2], [3, 4], [5, 6]]), t2(v3))), /q has d_k = 3 columns but k has 2/],
  },
  {
    what: 'k and v with different row counts',
    cls: ShapeError,
    code: 'SHAPE_MISMATCH',
    reference: [() => R.scaledDotProductAttention(q, k3, v3.slice(0, 2)), /k has 3 rows but v has 2/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2(k3), t2(v3.slice(0, 2)))), /k has 3 rows but v has 2/],
  },
  {
    // a tensor cannot be ragged; its counterpart is a tensor of the wrong rank
    what: 'a ragged q (reference) / a rank-1 q (tfjs)',
    cls: ShapeError,
    code: 'SHAPE_MISMATCH',
    tfjsCode: 'BAD_RANK',
    reference: [() => R.scaledDotProductAttention([[1, 0, 1], [0, 1]], k3, v3), /q is ragged: q\[0\] has shape \[3\] but q\[1\] has shape \[2\]/],
    tfjs: [tidy(() => T.scaledDotProductAttention(tf.tensor1d([1, 0, 1]), t2(k3), t2(v3))), /q must have rank ≥ 2/],
  },
  {
    what: 'a 1-D softmax input',
    cls: ShapeError,
    code: 'BAD_RANK',
    reference: [() => R.softmax([1, 2, 3] as unknown as Matrix), /x must be 2-D/],
    tfjs: [tidy(() => T.softmax(tf.scalar(1))), /x must have rank ≥ 1/],
  },
  {
    what: 'an empty input',
    cls: ShapeError,
    code: 'SHAPE_MISMATCH',
    reference: [() => R.softmax([[]]), /x must not be empty/],
    tfjs: [tidy(() => T.softmax(tf.tensor2d([], [1, 0]))), /x must not be empty/],
  },
  {
    what: 'NaN in q',
    cls: NonFiniteError,
    code: 'NON_FINITE',
    reference: [() => R.scaledDotProductAttention([[1, NaN, 0], [0, 1, 0]], k3, v3), /q\[0\]\[1\] is NaN/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2([[1, NaN, 0], [0, 1, 0]]), t2(k3), t2(v3))), /q contains NaN at flat index 1/],
  },
  {
    what: 'Infinity in v',
    cls: NonFiniteError,
    code: 'NON_FINITE',
    reference: [() => R.scaledDotProductAttention(q, k3, [[1, 2], [3, Infinity], [5, 6]]), /v\[1\]\[1\] is Infinity/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2(k3), t2([[1, 2], [3, Infinity], [5, 6]]))), /v contains Infinity at flat index 3/],
  },
  {
    what: '−Infinity in k (only softmax logits may be −∞)',
    cls: NonFiniteError,
    code: 'NON_FINITE',
    reference: [() => R.scaledDotProductAttention(q, [[1, 1, 0], [0, -Infinity, 1], [1, 0, 0]], v3), /k\[1\]\[1\] is -Infinity/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2([[1, 1, 0], [0, -Infinity, 1], [1, 0, 0]]), t2(v3))), /k contains -Infinity at flat index 4/],
  },
  {
    what: 'NaN in the multi-head input xQ',
    cls: NonFiniteError,
    code: 'NON_FINITE',
    reference: [() => R.multiHeadAttention([[1, 2, NaN, 4]], x4, { wQ: w46, wK: w46, wV: w46, wO: w64 }, { nHeads: 2 }), /xQ\[0\]\[2\] is NaN/],
    tfjs: [
      tidy(() => T.multiHeadAttention(t2([[1, 2, NaN, 4]]), t2(x4), { wQ: t2(w46), wK: t2(w46), wV: t2(w46), wO: t2(w64) }, { nHeads: 2 })),
      /xQ contains NaN at flat index 2/,
    ],
  },
  {
    what: 'Infinity in a projection matrix wK',
    cls: NonFiniteError,
    code: 'NON_FINITE',
    reference: [() => R.multiHeadAttention(x4, x4, { wQ: w46, wK: w46.map((r, i) => (i === 3 ? [...r.slice(0, 5), Infinity] : r)), wV: w46, wO: w64 }, { nHeads: 2 }), /wK\[3\]\[5\] is Infinity/],
    tfjs: [
      tidy(() => T.multiHeadAttention(t2(x4), t2(x4), { wQ: t2(w46), wK: t2(w46.map((r, i) => (i === 3 ? [...r.slice(0, 5), Infinity] : r))), wV: t2(w46), wO: t2(w64) }, { nHeads: 2 })),
      /wK contains Infinity at flat index 23/,
    ],
  },
  {
    what: 'NaN in the RoPE input',
    cls: NonFiniteError,
    code: 'NON_FINITE',
    reference: [() => R.rope([[1, NaN, 0, 0]]), /x\[0\]\[1\] is NaN/],
    tfjs: [tidy(() => T.rope(t2([[1, NaN, 0, 0]]))), /x contains NaN at flat index 1/],
  },
  {
    what: 'softmax input containing NaN',
    cls: NonFiniteError,
    code: 'NON_FINITE',
    reference: [() => R.softmax([[0, 1], [NaN, 2]]), /x\[1\]\[0\] is NaN; softmax accepts finite numbers and −∞/],
    tfjs: [tidy(() => T.softmax(t2([[0, 1], [NaN, 2]]))), /x contains NaN at flat index 2/],
  },
  {
    what: 'softmax input containing +Infinity',
    cls: NonFiniteError,
    code: 'NON_FINITE',
    reference: [() => R.softmax([[0, Infinity]]), /x\[0\]\[1\] is Infinity/],
    tfjs: [tidy(() => T.softmax(t2([[0, Infinity]]))), /x contains Infinity at flat index 1/],
  },
  {
    what: 'odd d for the sinusoidal encoding',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.sinusoidalEncoding(4, 5), /d \(dModel\) = 5 is odd/],
    tfjs: [tidy(() => T.sinusoidalEncoding(4, 5)), /d \(dModel\) = 5 is odd/],
  },
  {
    what: 'd = 0 for the sinusoidal encoding',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.sinusoidalEncoding(4, 0), /d \(dModel\) must be an even integer ≥ 2, got 0/],
    tfjs: [tidy(() => T.sinusoidalEncoding(4, 0)), /d \(dModel\) must be an even integer ≥ 2, got 0/],
  },
  {
    what: 'odd d for RoPE',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.rope([[1, 2, 3]]), /x has d = 3 columns, which is odd/],
    tfjs: [tidy(() => T.rope(t2([[1, 2, 3]]))), /x has d = 3 columns, which is odd/],
  },
  {
    what: 'a negative position',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.sinusoidalEncoding([0, -1], 4), /positions\[1\] is -1: positions must be ≥ 0/],
    tfjs: [tidy(() => T.sinusoidalEncoding([0, -1], 4)), /positions\[1\] is -1: positions must be ≥ 0/],
  },
  {
    what: 'a negative RoPE position',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.rope(x4, { positions: [-3, 0] }), /positions\[0\] is -3/],
    tfjs: [tidy(() => T.rope(t2(x4), { positions: [-3, 0] })), /positions\[0\] is -3/],
  },
  {
    what: 'a non-integer position',
    cls: ArgumentError,
    code: 'BAD_ARGUMENT',
    reference: [() => R.sinusoidalEncoding([0, 1.5], 4), /positions\[1\] must be an integer, got 1.5/],
    tfjs: [tidy(() => T.sinusoidalEncoding([0, 1.5], 4)), /positions\[1\] must be an integer, got 1.5/],
  },
  {
    what: 'a non-integer position count',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.sinusoidalEncoding(2.5, 4), /positions must be a count ≥ 1 or a list of positions, got 2.5/],
    tfjs: [tidy(() => T.sinusoidalEncoding(2.5, 4)), /positions must be a count ≥ 1 or a list of positions, got 2.5/],
  },
  {
    what: 'RoPE positions that do not match the rows of x',
    cls: ShapeError,
    code: 'SHAPE_MISMATCH',
    reference: [() => R.rope(x4, { positions: [0, 1, 2] }), /positions has 3 entries but x has 2 rows/],
    tfjs: [tidy(() => T.rope(t2(x4), { positions: [0, 1, 2] })), /positions has 3 entries but x has 2 rows/],
  },
  ...[1, 0.5, -10, NaN, Infinity].map(
    (base): BadCase => ({
      what: `base = ${base} for the sinusoidal encoding`,
      cls: RangeArgumentError,
      code: 'OUT_OF_RANGE',
      reference: [() => R.sinusoidalEncoding(4, 4, { base }), new RegExp(`base must be a finite number > 1, got ${base}`)],
      tfjs: [tidy(() => T.sinusoidalEncoding(4, 4, { base })), new RegExp(`base must be a finite number > 1, got ${base}`)],
    }),
  ),
  {
    what: 'base = 1 for RoPE',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.rope(x4, { base: 1 }), /base must be a finite number > 1, got 1/],
    tfjs: [tidy(() => T.rope(t2(x4), { base: 1 })), /base must be a finite number > 1, got 1/],
  },
  {
    what: 'a learned positional embedding asked beyond its table',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.learnedPositionalEmbedding(table, [0, 4]), /positions\[1\] = 4 is beyond the learned table, which has rows for positions 0…3 only/],
    tfjs: [tidy(() => T.learnedPositionalEmbedding(t2(table), [0, 4])), /positions\[1\] = 4 is beyond the learned table, which has rows for positions 0…3 only/],
  },
  {
    what: 'a learned positional embedding at a negative position',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.learnedPositionalEmbedding(table, [-1]), /positions\[0\] is -1/],
    tfjs: [tidy(() => T.learnedPositionalEmbedding(t2(table), [-1])), /positions\[0\] is -1/],
  },
  {
    what: 'nHeads that does not divide the projection width',
    cls: ShapeError,
    code: 'SHAPE_MISMATCH',
    reference: [() => R.multiHeadAttention(x4, x4, { wQ: w46, wK: w46, wV: w46, wO: w64 }, { nHeads: 4 }), /projection width 6 is not divisible by nHeads = 4/],
    tfjs: [
      tidy(() => T.multiHeadAttention(t2(x4), t2(x4), { wQ: t2(w46), wK: t2(w46), wV: t2(w46), wO: t2(w64) }, { nHeads: 4 })),
      /projection width 6 is not divisible by nHeads = 4/,
    ],
  },
  {
    what: 'nHeads = 0',
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.multiHeadAttention(x4, x4, { wQ: w46, wK: w46, wV: w46, wO: w64 }, { nHeads: 0 }), /nHeads must be an integer ≥ 1, got 0/],
    tfjs: [tidy(() => T.multiHeadAttention(t2(x4), t2(x4), { wQ: t2(w46), wK: t2(w46), wV: t2(w46), wO: t2(w64) }, { nHeads: 0 })), /nHeads must be an integer ≥ 1, got 0/],
  },
  {
    what: 'a mask of the wrong shape',
    cls: ShapeError,
    code: 'SHAPE_MISMATCH',
    reference: [() => R.scaledDotProductAttention(q, k3, v3, { mask: [[true, true, true]] }), /mask must be 'causal' or a boolean matrix of shape 2×3 \(queries × keys\)/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2(k3), t2(v3), { mask: [[true, true, true]] })), /mask must be 'causal' or a boolean matrix of shape 2×3 \(queries × keys\)/],
  },
  {
    what: 'a mask tensor of the wrong shape',
    cls: ShapeError,
    code: 'SHAPE_MISMATCH',
    reference: [() => R.multiHeadAttention(x4, x4, { wQ: w46, wK: w46, wV: w46, wO: w64 }, { nHeads: 2, mask: [[true], [true]] }), /mask must be 'causal' or a boolean matrix of shape 2×2/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2(k3), t2(v3), { mask: tf.ones([3, 3], 'bool') })), /mask must end in shape \[2, 3\]/],
  },
  {
    what: 'mask entries that are not booleans',
    cls: ArgumentError,
    code: 'BAD_ARGUMENT',
    reference: [() => R.scaledDotProductAttention(q, k3, v3, { mask: [[1, 1, 1], [1, 0, 1]] as unknown as boolean[][] }), /mask entries must be booleans/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2(k3), t2(v3), { mask: tf.ones([2, 3], 'float32') })), /mask tensor must have dtype bool/],
  },
  {
    what: "a causal mask with fewer keys than queries",
    cls: RangeArgumentError,
    code: 'OUT_OF_RANGE',
    reference: [() => R.scaledDotProductAttention(k3, q, q, { mask: 'causal' }), /nKeys must be an integer ≥ nQueries \(3\) for a causal mask, got 2/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(k3), t2(q), t2(q), { mask: 'causal' })), /nKeys must be an integer ≥ nQueries \(3\) for a causal mask, got 2/],
  },
  {
    what: 'a positive maskValue',
    cls: ArgumentError,
    code: 'BAD_ARGUMENT',
    reference: [() => R.scaledDotProductAttention(q, k3, v3, { mask: 'causal', maskValue: 5 }), /maskValue must be −∞ or a negative number, got 5/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2(k3), t2(v3), { mask: 'causal', maskValue: 5 })), /maskValue must be −∞ or a negative number, got 5/],
  },
  {
    what: 'a negative scale factor',
    cls: ArgumentError,
    code: 'BAD_ARGUMENT',
    reference: [() => R.scaledDotProductAttention(q, k3, v3, { scale: -0.5 }), /scale must be true, false or a finite positive number, got -0.5/],
    tfjs: [tidy(() => T.scaledDotProductAttention(t2(q), t2(k3), t2(v3), { scale: -0.5 })), /scale must be true, false or a finite positive number, got -0.5/],
  },
  {
    what: 'a softmax axis that does not exist',
    cls: ArgumentError,
    code: 'BAD_ARGUMENT',
    reference: [() => R.softmax(q, 1 as unknown as -1), /softmax axis must be -1 \(rows\) or 0 \(columns\), got 1/],
    tfjs: [tidy(() => T.softmax(t2(q), 2)), /softmax axis 2 is out of range for x of rank 2/],
  },
  {
    what: 'a disposed tensor (tfjs) / a non-array (reference)',
    cls: ArgumentError,
    code: 'BAD_ARGUMENT',
    reference: [() => R.softmax('not a matrix' as unknown as Matrix), /x must be a matrix \(array of rows\), got string/],
    tfjs: [
      () => {
        const x = t2(q);
        x.dispose();
        T.softmax(x);
      },
      /x has already been disposed/,
    ],
  },
];

describe('bad input throws a named error that names the argument', () => {
  for (const c of cases) {
    it(`${c.what} → ${c.cls.name} (${c.code}), reference`, () => expectSpecError(c.reference[0], c.cls, c.code, c.reference[1]));
    const tfjsCode = c.tfjsCode ?? c.code;
    it(`${c.what} → ${c.cls.name} (${tfjsCode}), ${TFJS}`, () => expectSpecError(c.tfjs[0], c.cls, tfjsCode, c.tfjs[1]));
  }
});

// ---------------------------------------------------------------------------------------------

describe('edge-case conventions, the same on both implementations', () => {
  // Query 0 may attend nothing; query 1 may attend key 0 only; query 2 may attend everything.
  const mask = [
    [false, false, false],
    [true, false, false],
    [true, true, true],
  ];
  const qq = [
    [1, 0, 1],
    [0, 1, 0],
    [1, 1, 1],
  ]; // (3 × 3)

  const tfAttention = (options: Parameters<typeof T.scaledDotProductAttention>[3]) =>
    tf.tidy(() => {
      const r = T.scaledDotProductAttention(t2(qq), t2(k3), t2(v3), { ...options, steps: true });
      return { weights: r.weights.arraySync() as Matrix, output: r.output.arraySync() as Matrix };
    });

  it('fully masked row gives zero weights and zero output, not NaN (reference)', () => {
    const r = R.scaledDotProductAttention(qq, k3, v3, { mask, steps: true });
    expect(r.weights[0]).toEqual([0, 0, 0]);
    expect(r.output[0]).toEqual([0, 0]);
    expect(r.weights[1]).toEqual([1, 0, 0]);
    expect(r.output[1]).toEqual(v3[0]);
    expect(r.weights.flat().every(Number.isFinite) && r.output.flat().every(Number.isFinite)).toBe(true);
  });

  it(`fully masked row gives zero weights and zero output, not NaN (${TFJS})`, () => {
    const r = tfAttention({ mask });
    expect(r.weights[0]).toEqual([0, 0, 0]);
    expect(r.output[0]).toEqual([0, 0]);
    expect(r.weights[1]).toEqual([1, 0, 0]);
    const c = compareNested(r.output[1], v3[0], EXACT.tfjs); // weight exactly 1 on v_0
    expect(c.ok, c.message).toBe(true);
    expect(r.weights.flat().every(Number.isFinite) && r.output.flat().every(Number.isFinite)).toBe(true);
  });

  it('softmax of an all −∞ row is all zeros, on both implementations', () => {
    const x = [
      [-Infinity, -Infinity, -Infinity],
      [0, -Infinity, 0],
    ];
    expect(R.softmax(x)).toEqual([[0, 0, 0], [0.5, 0, 0.5]]);
    expect(tf.tidy(() => T.softmax(t2(x)).arraySync())).toEqual([[0, 0, 0], [0.5, 0, 0.5]]);
  });

  it('maskValue −1e9 gives the same weights as −∞ on partially masked rows, but turns a fully masked row uniform', () => {
    const uniform = [1 / 3, 1 / 3, 1 / 3];
    const meanOfV = [(1 + 3 + 5) / 3, (2 + 4 + 6) / 3]; // uniform weights average the values

    const inf = R.scaledDotProductAttention(qq, k3, v3, { mask, steps: true });
    const big = R.scaledDotProductAttention(qq, k3, v3, { mask, maskValue: -1e9, steps: true });
    // rows 1 and 2: e^{−1e9 − m} underflows to exactly 0, so the weights agree
    const cRef = compareNested(big.weights.slice(1), inf.weights.slice(1), EXACT.reference);
    expect(cRef.ok, cRef.message).toBe(true);
    // row 0: every score is −1e9, the max shift makes each e^0 = 1 → uniform, not zero
    expect(compareNested(big.weights[0], uniform, EXACT.reference).ok).toBe(true);
    expect(compareNested(big.output[0], meanOfV, EXACT.reference).ok).toBe(true); // (d_v): the mean of the three values
    expect(inf.weights[0]).toEqual([0, 0, 0]);

    const tInf = tfAttention({ mask });
    const tBig = tfAttention({ mask, maskValue: -1e9 });
    const cTf = compareNested(tBig.weights.slice(1), tInf.weights.slice(1), EXACT.tfjs); // float32, same arithmetic
    expect(cTf.ok, cTf.message).toBe(true);
    expect(compareNested(tBig.weights[0], uniform, EXACT.tfjs).ok).toBe(true); // (n_k): float32 1/3
    expect(compareNested(tBig.output[0], meanOfV, EXACT.tfjs).ok).toBe(true);
    expect(tInf.weights[0]).toEqual([0, 0, 0]);
  });

  describe('softmax of huge logits is finite and correct (max-shifted)', () => {
    const x = [
      [1e30, -1e30, 0],
      [-1e30, -1e30, -1e30],
      [1e4, 0, -1e4],
      [1e4, 1e4 - 1, 1e4 - 2],
      [-1e4, -1e4 - 1, -1e4 - 2],
    ];
    const z = 1 + Math.exp(-1) + Math.exp(-2);
    const expected = [
      [1, 0, 0],
      [1 / 3, 1 / 3, 1 / 3], // equal huge negatives: still a shift by the max, so uniform
      [1, 0, 0],
      [1 / z, Math.exp(-1) / z, Math.exp(-2) / z], // only differences matter
      [1 / z, Math.exp(-1) / z, Math.exp(-2) / z],
    ];

    it('reference', () => {
      const w = R.softmax(x);
      expect(w.flat().every(Number.isFinite)).toBe(true);
      const c = compareNested(w, expected, EXACT.reference); // closed forms, a few float64 roundings
      expect(c.ok, c.message).toBe(true);
    });

    it(TFJS, () => {
      const w = tf.tidy(() => T.softmax(t2(x)).arraySync() as Matrix);
      expect(w.flat().every(Number.isFinite)).toBe(true);
      const c = compareNested(w, expected, TFJS_VS_REFERENCE.softmax); // 1e4 − 1 and ±1e30 are exact in float32
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('attention with huge scores stays finite: |q·k| ≈ 1e8 picks the best key outright', () => {
    const big = [
      [1e4, 0],
      [0, 1e4],
    ]; // scores ±1e8 / √2
    const v = [
      [1, 0],
      [0, 1],
    ];
    const ref = R.scaledDotProductAttention(big, big, v, { steps: true });
    expect(ref.weights).toEqual([[1, 0], [0, 1]]);
    const tfw = tf.tidy(() => T.scaledDotProductAttention(t2(big), t2(big), t2(v), { steps: true }).weights.arraySync());
    expect(tfw).toEqual([[1, 0], [0, 1]]);
  });
});
