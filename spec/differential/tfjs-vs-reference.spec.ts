/**
 * Differential specs: the same formula on three implementations, on random shapes and values.
 *
 *   tfjs (float32, the selected backend)  vs  float64 reference       — TFJS_VS_REFERENCE.<op>
 *   float64 reference                     vs  64-digit BigNumber oracle — REFERENCE_VS_HIGH_PRECISION
 *
 * Inputs stay within the ranges the policy's bounds were derived for: |x| ≤ 4, n ≤ 12, d ≤ 32,
 * positions ≤ 2048. Each comparison checks shape first (compareNested fails on any shape
 * difference), then values. A last group checks that no tfjs op leaks tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareNested, REFERENCE_VS_HIGH_PRECISION, TFJS_VS_REFERENCE, type Tolerance } from '../../src/core/tolerance.js';
import * as HP from '../../src/reference/high-precision.js';
import * as R from '../../src/reference/index.js';
import type { RopePairing } from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { type Matrix, type Value, matrixOf, mhaParamsOf } from '../_helpers/arbitraries.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

type Nested = number | Nested[];

const evenD = (min: number, max: number) => fc.integer({ min: min / 2, max: max / 2 }).map((h) => 2 * h);
const pairing = fc.constantFrom<RopePairing>('interleaved', 'half');

const expectClose = (actual: Nested, expected: Nested, t: Pick<Tolerance, 'atol' | 'rtol'>, what: string) => {
  const c = compareNested(actual, expected, t);
  expect(c.ok, `${what}: ${c.message}`).toBe(true);
};

// ---------------------------------------------------------------------------------------------

describe(`tfjs (${backendReport.choice}) vs the float64 reference`, () => {
  it('softmax over rows and over columns, any shape up to 12 × 12', () => {
    const args = fc
      .record({ rows: fc.integer({ min: 1, max: 12 }), cols: fc.integer({ min: 1, max: 12 }), axis: fc.constantFrom<-1 | 0>(-1, 0) })
      .chain(({ rows, cols, axis }) => fc.record({ x: matrixOf(rows, cols), axis: fc.constant(axis) }));
    checkProperty<[Value<typeof args>]>('tfjs softmax = reference softmax', args, ({ x, axis }) => {
      const actual = tf.tidy(() => T.softmax(tf.tensor2d(x), axis).arraySync() as Matrix); // (rows × cols)
      expectClose(actual, R.softmax(x, axis), TFJS_VS_REFERENCE.softmax, 'weights'); // exp + one division per entry
    });
  });

  const attentionArgs = fc
    .record({
      nQ: fc.integer({ min: 1, max: 12 }),
      nK: fc.integer({ min: 1, max: 12 }),
      dK: fc.integer({ min: 1, max: 32 }),
      dV: fc.integer({ min: 1, max: 16 }),
      scale: fc.boolean(),
      causal: fc.boolean(),
    })
    .chain(({ nQ, nK, dK, dV, scale, causal }) =>
      fc.record({
        q: matrixOf(nQ, dK),
        k: matrixOf(Math.max(nK, causal ? nQ : 1), dK), // a causal mask needs n_k ≥ n_q
        v: matrixOf(Math.max(nK, causal ? nQ : 1), dV),
        options: fc.constant({ scale, mask: causal ? ('causal' as const) : null }),
      }),
    );

  it('scaled dot-product attention, with and without 1/√d_k, with and without a causal mask', () => {
    checkProperty<[Value<typeof attentionArgs>]>('tfjs attention = reference attention', attentionArgs, ({ q, k, v, options }) => {
      const expected = R.scaledDotProductAttention(q, k, v, { ...options, steps: true });
      const actual = tf.tidy(() => {
        const r = T.scaledDotProductAttention(tf.tensor2d(q), tf.tensor2d(k), tf.tensor2d(v), { ...options, steps: true });
        return { weights: r.weights.arraySync() as Matrix, output: r.output.arraySync() as Matrix };
      });
      // two matmuls (inner dims ≤ 32) and a softmax in float32
      expectClose(actual.weights, expected.weights, TFJS_VS_REFERENCE.attention, 'weights (n_q × n_k)');
      expectClose(actual.output, expected.output, TFJS_VS_REFERENCE.attention, 'output (n_q × d_v)');
    });
  });

  it('multi-head attention: self and cross, 1–4 heads, with and without a causal mask', () => {
    const args = fc
      .record({
        nQ: fc.integer({ min: 1, max: 12 }),
        nK: fc.integer({ min: 1, max: 12 }),
        dModel: fc.integer({ min: 1, max: 16 }),
        nHeads: fc.integer({ min: 1, max: 4 }),
        dK: fc.integer({ min: 1, max: 8 }),
        dOut: fc.integer({ min: 1, max: 16 }),
        causal: fc.boolean(),
      })
      .chain(({ nQ, nK, dModel, nHeads, dK, dOut, causal }) => {
        const dAttn = nHeads * dK;
        return fc.record({
          xQ: matrixOf(nQ, dModel),
          xKV: matrixOf(Math.max(nK, causal ? nQ : 1), dModel),
          params: mhaParamsOf(dModel, dAttn, dOut),
          options: fc.constant({ nHeads, mask: causal ? ('causal' as const) : null }),
        });
      });
    checkProperty<[Value<typeof args>]>('tfjs MHA = reference MHA', args, ({ xQ, xKV, params, options }) => {
      const expected = R.multiHeadAttention(xQ, xKV, params, options);
      const actual = tf.tidy(() => {
        const p = { wQ: tf.tensor2d(params.wQ), wK: tf.tensor2d(params.wK), wV: tf.tensor2d(params.wV), wO: tf.tensor2d(params.wO) };
        const r = T.multiHeadAttention(tf.tensor2d(xQ), tf.tensor2d(xKV), p, options);
        return { weights: r.weights.arraySync() as Matrix[], output: r.output.arraySync() as Matrix };
      });
      // four projections chained with attention
      expectClose(actual.weights, expected.weights, TFJS_VS_REFERENCE.multiHeadAttention, 'weights (H × n_q × n_k)');
      expectClose(actual.output, expected.output, TFJS_VS_REFERENCE.multiHeadAttention, 'output (n_q × d_out)');
    });
  });

  it('sinusoidal encoding at positions up to 2048, d up to 32, three bases', () => {
    const args = fc.record({
      positions: fc.array(fc.integer({ min: 0, max: 2048 }), { minLength: 1, maxLength: 24 }),
      d: evenD(2, 32),
      base: fc.constantFrom(10_000, 1000, 100),
    });
    checkProperty<[Value<typeof args>]>('tfjs PE = reference PE', args, ({ positions, d, base }) => {
      const actual = tf.tidy(() => T.sinusoidalEncoding(positions, d, { base }).arraySync() as Matrix); // (n × d)
      expectClose(actual, R.sinusoidalEncoding(positions, d, { base }), TFJS_VS_REFERENCE.positionalEncoding, 'PE'); // float32 angles
    });
  });

  it('the full 2049 × 32 table at positions 0…2048 stays within the PE bound', () => {
    const actual = tf.tidy(() => T.sinusoidalEncoding(2049, 32).arraySync() as Matrix); // (2049 × 32)
    expectClose(actual, R.sinusoidalEncoding(2049, 32), TFJS_VS_REFERENCE.positionalEncoding, 'PE table'); // the bound's worst case
  });

  it('RoPE with both pairings at positions up to 2048', () => {
    const args = fc
      .record({ n: fc.integer({ min: 1, max: 12 }), d: evenD(2, 32), pairing })
      .chain(({ n, d, pairing: p }) =>
        fc.record({ x: matrixOf(n, d), positions: fc.array(fc.integer({ min: 0, max: 2048 }), { minLength: n, maxLength: n }), pairing: fc.constant(p) }),
      );
    checkProperty<[Value<typeof args>]>('tfjs RoPE = reference RoPE', args, ({ x, positions, pairing: p }) => {
      const actual = tf.tidy(() => T.rope(tf.tensor2d(x), { positions, pairing: p }).arraySync() as Matrix); // (n × d)
      expectClose(actual, R.rope(x, { positions, pairing: p }), TFJS_VS_REFERENCE.rope, 'rotated x'); // float32 angles × |x| ≤ 4
    });
  });

  it('learned positional embedding: rows of the table gathered by position', () => {
    const args = fc
      .record({ L: fc.integer({ min: 1, max: 64 }), d: fc.integer({ min: 1, max: 32 }) })
      .chain(({ L, d }) => fc.record({ table: matrixOf(L, d), positions: fc.array(fc.integer({ min: 0, max: L - 1 }), { minLength: 1, maxLength: 12 }) }));
    checkProperty<[Value<typeof args>]>('tfjs learned PE = reference learned PE', args, ({ table, positions }) => {
      const actual = tf.tidy(() => T.learnedPositionalEmbedding(tf.tensor2d(table), positions).arraySync() as Matrix); // (n × d)
      expectClose(actual, R.learnedPositionalEmbedding(table, positions), TFJS_VS_REFERENCE.default, 'rows'); // one float32 rounding per entry
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('float64 reference vs the 64-digit BigNumber oracle', () => {
  // BigNumber exp/sin/cos at 64 digits cost tens of microseconds each; 40 runs per property keep
  // this group near a second while still drawing every shape class.
  const HP_RUNS = { numRuns: 40 };

  it('softmax', () => {
    const args = fc
      .record({ rows: fc.integer({ min: 1, max: 8 }), cols: fc.integer({ min: 1, max: 8 }) })
      .chain(({ rows, cols }) => matrixOf(rows, cols, fc.double({ min: -10, max: 10, noNaN: true })));
    checkProperty<[Value<typeof args>]>(
      'reference softmax = high-precision softmax',
      args,
      (x) => {
        const exact = HP.toNumbers(HP.softmax(HP.toBig(x))); // (rows × cols)
        expectClose(R.softmax(x), exact, REFERENCE_VS_HIGH_PRECISION, 'weights'); // |x| ≤ 10, n ≤ 8
      },
      HP_RUNS,
    );
  });

  it('scaled dot-product attention, with and without a causal mask', () => {
    const args = fc
      .record({ n: fc.integer({ min: 1, max: 6 }), dK: fc.integer({ min: 1, max: 8 }), dV: fc.integer({ min: 1, max: 6 }), causal: fc.boolean() })
      .chain(({ n, dK, dV, causal }) =>
        fc.record({ q: matrixOf(n, dK), k: matrixOf(n, dK), v: matrixOf(n, dV), options: fc.constant({ mask: causal ? ('causal' as const) : null }) }),
      );
    checkProperty<[Value<typeof args>]>(
      'reference attention = high-precision attention',
      args,
      ({ q, k, v, options }) => {
        const exact = HP.scaledDotProductAttention(HP.toBig(q), HP.toBig(k), HP.toBig(v), { ...options, steps: true });
        const actual = R.scaledDotProductAttention(q, k, v, { ...options, steps: true });
        // float64 matmuls and softmax on n ≤ 6, |x| ≤ 4: within the oracle bound
        expectClose(actual.weights, HP.toNumbers(exact.weights), REFERENCE_VS_HIGH_PRECISION, 'weights (n × n)');
        expectClose(actual.output, HP.toNumbers(exact.output), REFERENCE_VS_HIGH_PRECISION, 'output (n × d_v)');
      },
      HP_RUNS,
    );
  });

  it('sinusoidal encoding at positions up to 2048', () => {
    // float64 rounds ω_i = base^{−2i/d} and pos·ω_i to a few units of 1.1e-16 relative, so at
    // pos ≤ 2048 the angle (and sin/cos) err by ≲ 5e-13: inside the 1e-12 bound.
    const args = fc.record({ positions: fc.array(fc.integer({ min: 0, max: 2048 }), { minLength: 1, maxLength: 6 }), d: evenD(2, 16) });
    checkProperty<[Value<typeof args>]>(
      'reference PE = high-precision PE',
      args,
      ({ positions, d }) => {
        const exact = HP.sinusoidalEncoding(positions, d).map((row) => row.map((x) => x.toNumber())); // (n × d)
        expectClose(R.sinusoidalEncoding(positions, d), exact, REFERENCE_VS_HIGH_PRECISION, 'PE');
      },
      HP_RUNS,
    );
  });
});

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
