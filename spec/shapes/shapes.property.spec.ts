/**
 * Shape rules, as properties over random sizes:
 *
 *   (m × n)(n × p) → (m × p);  inner dimensions that differ are a ShapeError, never a broadcast
 *   Attention: Q (n_q × d_k), K (n_k × d_k), V (n_k × d_v) → weights (n_q × n_k), output (n_q × d_v)
 *   MHA: per head (n_q × d_k), weights (n_q × n_k); concat (n_q × d_attn); output (n_q × d_out)
 *   PE (positions × d); RoPE keeps (n × d); learned PE (positions × d)
 *
 * The reference takes nested arrays (shape via shapeOf), tfjs takes tensors (shape via .shape).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/core/errors.js';
import { shapeOf } from '../../src/core/shape.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

type Matrix = number[][];
/** The value type of an arbitrary (checkProperty cannot infer its type arguments, so specs spell them out). */
type Value<A> = A extends fc.Arbitrary<infer V> ? V : never;

const value = fc.double({ min: -4, max: 4, noNaN: true });
const matrixOf = (rows: number, cols: number): fc.Arbitrary<Matrix> =>
  fc.array(fc.array(value, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
const size = fc.integer({ min: 1, max: 12 });

/** The error a call throws (fails the test when it throws nothing). */
const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw, but it returned');
};

// ---------------------------------------------------------------------------------------------

describe('the matrix-product shape rule', () => {
  const agreeing = fc.record({ m: size, n: size, p: size }).chain(({ m, n, p }) => fc.tuple(matrixOf(m, n), matrixOf(n, p)));

  it(`[interview.shapes.matmul-rule] (m×n)(n×p) is (m×p): reference matMul, tf.matMul and Q Kᵀ inside both attentions (tfjs on ${backendReport.choice})`, () => {
    checkProperty<[Value<typeof agreeing>]>('matmul gives m × p', agreeing, ([a, b]) => {
      const [m, p] = [a.length, b[0].length];
      expect(shapeOf(R.matMul(a, b))).toEqual([m, p]); // (m × n)(n × p) → (m × p)
      const tfShape = tf.tidy(() => tf.matMul(tf.tensor2d(a), tf.tensor2d(b)).shape);
      expect(tfShape).toEqual([m, p]);
      // Q Kᵀ: q (m × n), k = bᵀ (p × n) → scores (m × p)
      const k = R.transpose(b); // (p × n)
      const v = k.map((row) => row.slice(0, 1)); // (p × 1)
      expect(shapeOf(R.scaledDotProductAttention(a, k, v, { steps: true }).scores)).toEqual([m, p]);
      const tfScores = tf.tidy(() => T.scaledDotProductAttention(tf.tensor2d(a), tf.tensor2d(k), tf.tensor2d(v), { steps: true }).scores.shape);
      expect(tfScores).toEqual([m, p]);
    });
  });

  const mismatched = fc
    .record({ m: size, n: size, n2: size, p: size })
    .filter(({ n, n2 }) => n !== n2)
    .chain(({ m, n, n2, p }) => fc.tuple(matrixOf(m, n), matrixOf(n2, p)));

  it(`[interview.shapes.matmul-rule] mismatched inner dimensions throw ShapeError on both implementations (tfjs on ${backendReport.choice}), never broadcast`, () => {
    checkProperty<[Value<typeof mismatched>]>('mismatched inner dims throw', mismatched, ([a, b]) => {
      const [n, n2] = [a[0].length, b.length];
      const e = thrown(() => R.matMul(a, b));
      expect(e).toBeInstanceOf(ShapeError);
      expect(e.message).toContain(`inner dimensions ${n} and ${n2} differ`);

      // Q Kᵀ with q (m × n) and k (p × n2): d_k disagrees
      const k = R.transpose(b); // (p × n2)
      const v = k.map((row) => row.slice(0, 1)); // (p × 1)
      for (const attention of [
        () => R.scaledDotProductAttention(a, k, v, { steps: true }),
        () => tf.tidy(() => T.scaledDotProductAttention(tf.tensor2d(a), tf.tensor2d(k), tf.tensor2d(v))),
      ]) {
        const err = thrown(attention);
        expect(err).toBeInstanceOf(ShapeError);
        expect(err.message).toMatch(/q has d_k = \d+ columns but k has \d+/);
      }

      // X W_Q with X (m × n) and W_Q (n2 × p): the projection inside multi-head attention
      const params = { wQ: b, wK: b, wV: b, wO: Array.from({ length: b[0].length }, () => [1]) };
      const refErr = thrown(() => R.multiHeadAttention(a, a, params, { nHeads: 1 }));
      expect(refErr).toBeInstanceOf(ShapeError);
      expect(refErr.message).toContain(`wQ must have d_model = ${n} rows`);
      const tfErr = thrown(() =>
        tf.tidy(() => {
          const x = tf.tensor2d(a);
          const w = tf.tensor2d(b);
          return T.multiHeadAttention(x, x, { wQ: w, wK: w, wV: w, wO: tf.tensor2d(params.wO) }, { nHeads: 1 }).output;
        }),
      );
      expect(tfErr).toBeInstanceOf(ShapeError);
      expect(tfErr.message).toContain(`wQ must have d_model = ${n} rows`);

      // tfjs-core's own matMul refuses as well (its own Error class): the implementation never relies on broadcasting
      expect(() => tf.tidy(() => tf.matMul(tf.tensor2d(a), tf.tensor2d(b)))).toThrow(/inner shapes/);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('every layer returns the shapes of its legend', () => {
  const attentionSizes = fc.record({ nQ: size, nK: size, dK: fc.integer({ min: 1, max: 32 }), dV: fc.integer({ min: 1, max: 16 }) });

  it(`attention: weights n_q × n_k and output n_q × d_v on both implementations (tfjs on ${backendReport.choice}), with and without a mask`, () => {
    const args = attentionSizes.chain(({ nQ, nK, dK, dV }) =>
      fc.record({ q: matrixOf(nQ, dK), k: matrixOf(nK, dK), v: matrixOf(nK, dV), causal: fc.boolean() }).filter((c) => !c.causal || nK >= nQ),
    );
    checkProperty<[Value<typeof args>]>('attention shapes', args, ({ q, k, v, causal }) => {
      const [nQ, nK, dV] = [q.length, k.length, v[0].length];
      const opts = { mask: causal ? ('causal' as const) : null };
      const ref = R.scaledDotProductAttention(q, k, v, { ...opts, steps: true });
      for (const m of [ref.scores, ref.scaled, ref.masked, ref.weights]) expect(shapeOf(m)).toEqual([nQ, nK]);
      expect(shapeOf(ref.output)).toEqual([nQ, dV]);
      const shapes = tf.tidy(() => {
        const r = T.scaledDotProductAttention(tf.tensor2d(q), tf.tensor2d(k), tf.tensor2d(v), { ...opts, steps: true });
        return [r.scores.shape, r.scaled.shape, r.masked.shape, r.weights.shape, r.output.shape];
      });
      expect(shapes).toEqual([[nQ, nK], [nQ, nK], [nQ, nK], [nQ, nK], [nQ, dV]]);
    });
  });

  it(`multi-head attention: per-head n × d_k, weights n_q × n_k, concat n_q × d_attn, output n_q × d_out (tfjs on ${backendReport.choice})`, () => {
    const args = fc
      .record({ nQ: size, nK: size, dModel: fc.integer({ min: 1, max: 16 }), nHeads: fc.integer({ min: 1, max: 4 }), dK: fc.integer({ min: 1, max: 8 }), dOut: fc.integer({ min: 1, max: 8 }) })
      .chain(({ nQ, nK, dModel, nHeads, dK, dOut }) =>
        fc.record({
          xQ: matrixOf(nQ, dModel),
          xKV: matrixOf(nK, dModel),
          wQ: matrixOf(dModel, nHeads * dK),
          wK: matrixOf(dModel, nHeads * dK),
          wV: matrixOf(dModel, nHeads * dK),
          wO: matrixOf(nHeads * dK, dOut),
          nHeads: fc.constant(nHeads),
        }),
      );
    checkProperty<[Value<typeof args>]>('multi-head attention shapes', args, ({ xQ, xKV, wQ, wK, wV, wO, nHeads }) => {
      const [nQ, nK, dModel, dAttn, dOut] = [xQ.length, xKV.length, xQ[0].length, wQ[0].length, wO[0].length];
      const dK = dAttn / nHeads;
      const ref = R.multiHeadAttention(xQ, xKV, { wQ, wK, wV, wO }, { nHeads });
      expect(ref.dK).toBe(dK);
      expect(ref.q.map((m) => shapeOf(m))).toEqual(Array(nHeads).fill([nQ, dK]));
      expect(ref.k.map((m) => shapeOf(m))).toEqual(Array(nHeads).fill([nK, dK]));
      expect(ref.weights.map((m) => shapeOf(m))).toEqual(Array(nHeads).fill([nQ, nK]));
      expect(shapeOf(ref.concat)).toEqual([nQ, dAttn]);
      expect(shapeOf(ref.output)).toEqual([nQ, dOut]);
      const shapes = tf.tidy(() => {
        const x = [tf.tensor2d(xQ), tf.tensor2d(xKV)];
        const r = T.multiHeadAttention(x[0], x[1], { wQ: tf.tensor2d(wQ), wK: tf.tensor2d(wK), wV: tf.tensor2d(wV), wO: tf.tensor2d(wO) }, { nHeads });
        return { wQHeads: r.wQHeads.shape, q: r.q.shape, k: r.k.shape, weights: r.weights.shape, heads: r.heads.shape, concat: r.concat.shape, output: r.output.shape };
      });
      expect(shapes).toEqual({
        wQHeads: [nHeads, dModel, dK],
        q: [nHeads, nQ, dK],
        k: [nHeads, nK, dK],
        weights: [nHeads, nQ, nK],
        heads: [nHeads, nQ, dK],
        concat: [nQ, dAttn],
        output: [nQ, dOut],
      });
    });
  });

  it(`positional encodings: sinusoidal and learned give positions × d, RoPE keeps n × d (tfjs on ${backendReport.choice})`, () => {
    const args = fc
      .record({ n: size, half: fc.integer({ min: 1, max: 16 }), tableRows: fc.integer({ min: 1, max: 64 }) })
      .chain(({ n, half, tableRows }) =>
        fc.record({
          positions: fc.array(fc.integer({ min: 0, max: tableRows - 1 }), { minLength: n, maxLength: n }),
          x: matrixOf(n, 2 * half),
          table: matrixOf(tableRows, 2 * half),
        }),
      );
    checkProperty<[Value<typeof args>]>('positional encoding shapes', args, ({ positions, x, table }) => {
      const [n, d] = [x.length, x[0].length];
      expect(shapeOf(R.sinusoidalEncoding(positions, d))).toEqual([n, d]);
      expect(shapeOf(R.rope(x, { positions }))).toEqual([n, d]);
      expect(shapeOf(R.learnedPositionalEmbedding(table, positions))).toEqual([n, d]);
      const shapes = tf.tidy(() => [
        T.sinusoidalEncoding(positions, d).shape,
        T.rope(tf.tensor2d(x), { positions }).shape,
        T.learnedPositionalEmbedding(tf.tensor2d(table), positions).shape,
      ]);
      expect(shapes).toEqual([[n, d], [n, d], [n, d]]);
    });
  });
});
