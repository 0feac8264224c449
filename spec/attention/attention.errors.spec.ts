/**
 * Attention's own argument checks, on both implementations, by error class and message: the
 * attention topic catches a broken check without help from spec/errors (issue 17: `npm run mutate
 * -- attention` found these checks covered only from outside the topic). Each refusal names the
 * problem; each boundary that is allowed (one head, maskValue 0, a scale of exactly 1) is run too,
 * so a check that refuses too much fails as well as one that refuses too little. Biases of
 * multi-head attention are checked against two identities that hold exactly in real arithmetic:
 *
 *   bV = c    adds c·W_O to every output row (each row of weights sums to 1)
 *   bK = c    changes nothing (it shifts every score of a query's row by q·c; softmax ignores that)
 *
 * Tolerances: EXACT.reference for float64 (the same operations in another order: 1e-12), and
 * TFJS_VS_REFERENCE.multiHeadAttention for tfjs against the reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, NonFiniteError, RangeArgumentError, ShapeError } from '../../src/core/errors.js';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { backendReport } from '../_helpers/setup.js';

type M = number[][];
const TFJS = `tfjs (${backendReport.choice})`;
const flat = (m: unknown): number[] => (Array.isArray(m) ? m.flatMap(flat) : [m as number]);
const t2 = (m: M) => tf.tensor2d(m);

/** Runs tfjs attention on plain matrices, reads the output, frees every tensor (also on a throw). */
function tfAttention(q: M, k: M, v: M, options: Parameters<typeof T.scaledDotProductAttention>[3] = {}): M {
  const ts = [q, k, v].map(t2);
  try {
    const out = T.scaledDotProductAttention(ts[0], ts[1], ts[2], options as never) as unknown as tf.Tensor;
    const r = out.arraySync() as M;
    out.dispose();
    return r;
  } finally {
    tf.dispose(ts);
  }
}

type Params = { wQ: M; wK: M; wV: M; wO: M; bQ?: number[]; bK?: number[]; bV?: number[]; bO?: number[] };
function tfMha(x: M, kv: M, p: Params, options: { nHeads: number; nKvHeads?: number }): M {
  const before = tf.memory().numTensors;
  const tp = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, tf.tensor(v as number[])])) as never;
  const [tx, tkv] = [t2(x), t2(kv)];
  try {
    const r = T.multiHeadAttention(tx, tkv, tp, options);
    const out = r.output.arraySync() as M;
    tf.dispose(Object.values(r).filter((v) => v instanceof tf.Tensor));
    return out;
  } finally {
    tf.dispose([tx, tkv, ...Object.values(tp as Record<string, tf.Tensor>)]);
    expect(tf.memory().numTensors, 'tensors left after multiHeadAttention').toBe(before);
  }
}

const rng = seededRng(2026);
const [Q, K, V] = [randomMatrix(rng, 2, 3), randomMatrix(rng, 3, 3), randomMatrix(rng, 3, 2)]; // n_q 2, n_k 3, d_k 3, d_v 2

describe('scaled dot-product attention refuses bad arguments by name, on both implementations', () => {
  const both = (name: string, run: (impl: 'reference' | 'tfjs') => unknown, error: new (...a: never[]) => Error, message: RegExp) => {
    for (const impl of ['reference', 'tfjs'] as const) {
      it(`${impl === 'tfjs' ? TFJS : 'reference'}: ${name}`, () => {
        const before = tf.memory().numTensors;
        expect(() => run(impl)).toThrow(error);
        expect(() => run(impl)).toThrow(message);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  };
  const sdpa = (impl: 'reference' | 'tfjs', q: M, k: M, v: M, o: object = {}) => (impl === 'reference' ? R.scaledDotProductAttention(q, k, v, o) : tfAttention(q, k, v, o));

  both('q and k with different d_k', (i) => sdpa(i, Q, randomMatrix(rng, 3, 2), V), ShapeError, /^q has d_k = 3 columns but k has 2: queries and keys must share d_k$/);
  both('k and v with different row counts', (i) => sdpa(i, Q, K, randomMatrix(rng, 2, 2)), ShapeError, /^k has 3 rows but v has 2: every key needs exactly one value$/);
  both('a mask of the wrong shape', (i) => sdpa(i, Q, K, V, { mask: [[true, true, true]] }), ShapeError, /^mask must be 'causal' or a boolean matrix of shape 2×3 \(queries × keys\)$/);
  both('a mask row of the wrong length', (i) => sdpa(i, Q, K, V, { mask: [[true, true, true], [true, true]] }), ShapeError, /boolean matrix of shape 2×3/);
  both('a mask with a number in it', (i) => sdpa(i, Q, K, V, { mask: [[true, 1, true], [true, true, true]] }), ArgumentError, /^mask entries must be booleans \(true = may attend\)$/);
  both('maskValue NaN', (i) => sdpa(i, Q, K, V, { maskValue: NaN }), ArgumentError, /^maskValue must be −∞ or a negative number, got NaN$/);
  both('maskValue above 0', (i) => sdpa(i, Q, K, V, { maskValue: 1e-9 }), ArgumentError, /^maskValue must be −∞ or a negative number, got 1e-9$/);
  for (const scale of [0, -1, NaN, Infinity, '2']) {
    both(`scale ${String(scale)}`, (i) => sdpa(i, Q, K, V, { scale }), ArgumentError, new RegExp(`^scale must be true, false or a finite positive number, got ${String(scale)}$`));
  }

  it(`allowed at the boundaries, equal on both: maskValue 0, scale 1 (= scale false), scale true (= the default 1/√d_k) (${TFJS} within TFJS_VS_REFERENCE.attention)`, () => {
    const mask = [[true, false, true], [false, false, true]];
    for (const o of [{ mask, maskValue: 0 }, { scale: 1 }, { scale: false }, { scale: true }, {}]) {
      const ref = R.scaledDotProductAttention(Q, K, V, o);
      const c = compareNested(flat(tfAttention(Q, K, V, o)), flat(ref), TFJS_VS_REFERENCE.attention);
      expect(c.ok, `${JSON.stringify(o)}: ${c.message}`).toBe(true);
    }
    expect(R.scaledDotProductAttention(Q, K, V, { scale: 1 })).toEqual(R.scaledDotProductAttention(Q, K, V, { scale: false }));
    expect(R.scaledDotProductAttention(Q, K, V, { scale: true })).toEqual(R.scaledDotProductAttention(Q, K, V));
    // maskValue 0: masked scores become 0, not −∞, so the weights differ from the −∞ mask's
    expect(R.scaledDotProductAttention(Q, K, V, { mask, maskValue: 0 })).not.toEqual(R.scaledDotProductAttention(Q, K, V, { mask }));
  });

  it(`${TFJS} only: rank below 2, ranks that differ, leading dimensions that differ, a mask tensor of the wrong dtype or shape, a non-finite input`, () => {
    const before = tf.memory().numTensors;
    const [q, k, v] = [Q, K, V].map(t2);
    const q3 = tf.tensor3d([Q]);
    const [k3, v3] = [tf.tensor3d([K, K]), tf.tensor3d([V, V])];
    const [floatMask, wrongShape, rank1, withNaN] = [tf.ones([2, 3]), tf.ones([3, 2], 'bool'), tf.tensor1d([1, 2, 3]), tf.tensor2d([[1, NaN, 0], [0, 0, 0]])];
    const cases: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
      [() => T.scaledDotProductAttention(rank1, k, v), ShapeError, /q/],
      [() => T.scaledDotProductAttention(q3, k, v), ShapeError, /^q, k and v must have the same rank, got \[1, 2, 3\], \[3, 3\], \[3, 2\]$/],
      [() => T.scaledDotProductAttention(q3, k3, v3), ShapeError, /^q, k and v must share leading \(batch\/head\) dimensions, got \[1, 2, 3\], \[2, 3, 3\], \[2, 3, 2\]$/],
      [() => T.scaledDotProductAttention(q, k, v, { mask: floatMask as never }), ArgumentError, /^mask tensor must have dtype bool \(true = may attend\), got float32$/],
      [() => T.scaledDotProductAttention(q, k, v, { mask: wrongShape as never }), ShapeError, /^mask must end in shape \[2, 3\] \(queries × keys\), got \[3, 2\]$/],
      [() => T.scaledDotProductAttention(withNaN, k, v), NonFiniteError, /q/],
    ];
    const inputs = [q, k, v, q3, k3, v3, floatMask, wrongShape, rank1, withNaN];
    for (const [run, error, message] of cases) {
      expect(run).toThrow(error);
      expect(run).toThrow(message);
    }
    tf.dispose(inputs);
    expect(tf.memory().numTensors, 'no tensor left by a refused call').toBe(before);
  });
});

describe('multi-head attention refuses bad arguments by name, on both implementations', () => {
  const x = randomMatrix(rng, 3, 4); // n 3, d_model 4
  const p = (over: Partial<Params> = {}): Params => ({ wQ: randomMatrix(rng, 4, 4), wK: randomMatrix(rng, 4, 4), wV: randomMatrix(rng, 4, 4), wO: randomMatrix(rng, 4, 5), ...over });
  const cases: [string, () => [M, M, Params, { nHeads: number; nKvHeads?: number }], new (...a: never[]) => Error, RegExp][] = [
    ['xQ and xKV with different d_model', () => [x, randomMatrix(rng, 3, 3), p(), { nHeads: 2 }], ShapeError, /^xQ has d_model = 4 but xKV has 3$/],
    ['nHeads 0', () => [x, x, p(), { nHeads: 0 }], RangeArgumentError, /^nHeads must be an integer ≥ 1, got 0$/],
    ['nHeads 1.5', () => [x, x, p(), { nHeads: 1.5 }], RangeArgumentError, /^nHeads must be an integer ≥ 1, got 1.5$/],
    ['nKvHeads 0', () => [x, x, p(), { nHeads: 2, nKvHeads: 0 }], RangeArgumentError, /^nKvHeads must be an integer ≥ 1, got 0$/],
    ['nKvHeads 0.5', () => [x, x, p(), { nHeads: 2, nKvHeads: 0.5 }], RangeArgumentError, /^nKvHeads must be an integer ≥ 1, got 0.5$/],
    ['nHeads not a multiple of nKvHeads', () => [x, x, p({ wQ: randomMatrix(rng, 4, 6), wK: randomMatrix(rng, 4, 4), wV: randomMatrix(rng, 4, 4), wO: randomMatrix(rng, 6, 5) }), { nHeads: 3, nKvHeads: 2 }], ShapeError, /^nHeads = 3 is not a multiple of nKvHeads = 2: grouped-query attention shares each key\/value head among nHeads \/ nKvHeads query heads, which must be a whole number$/],
    ['a projection width that heads cannot split', () => [x, x, p({ wQ: randomMatrix(rng, 4, 6), wK: randomMatrix(rng, 4, 6), wV: randomMatrix(rng, 4, 6), wO: randomMatrix(rng, 6, 5) }), { nHeads: 4 }], ShapeError, /^the projection width 6 is not divisible by nHeads = 4: heads would not have equal d_k$/],
    ['wK with the wrong row count', () => [x, x, p({ wK: randomMatrix(rng, 3, 4) }), { nHeads: 2 }], ShapeError, /^wK must have d_model = 4 rows, got 3$/],
    ['wQ with the wrong row count', () => [x, x, p({ wQ: randomMatrix(rng, 5, 4) }), { nHeads: 2 }], ShapeError, /^wQ must have d_model = 4 rows, got 5$/],
    ['wV with columns that differ from wQ', () => [x, x, p({ wV: randomMatrix(rng, 4, 6) }), { nHeads: 2 }], ShapeError, /^wV has 6 columns but wQ has 4: Q, K and V projections must agree$/],
    ['grouped-query wK with the columns of all query heads', () => [x, x, p(), { nHeads: 2, nKvHeads: 1 }], ShapeError, /^wK has 4 columns but nKvHeads × d_k = 1 × 2 = 2$/],
    ['wO with the wrong row count', () => [x, x, p({ wO: randomMatrix(rng, 3, 5) }), { nHeads: 2 }], ShapeError, /^wO must have 4 rows \(the concatenated heads\), got 3$/],
    ['bK of the wrong length', () => [x, x, { ...p(), bK: [1, 2, 3] }, { nHeads: 2 }], ShapeError, /^bK must be a vector of length 4, got 3$/],
    ['bO of the wrong length', () => [x, x, { ...p(), bO: [1, 2, 3, 4] }, { nHeads: 2 }], ShapeError, /^bO must be a vector of length 5, got 4$/],
  ];
  for (const impl of ['reference', TFJS]) {
    for (const [name, make, error, message] of cases) {
      it(`${impl}: ${name}`, () => {
        const [xq, xkv, params, o] = make();
        const run = () => (impl === 'reference' ? R.multiHeadAttention(xq, xkv, params, o) : tfMha(xq, xkv, params, o));
        expect(run).toThrow(error);
        expect(run).toThrow(message);
      });
    }
  }
  it('reference: a bias that is not an array is named with its type', () => {
    expect(() => R.multiHeadAttention(x, x, { ...p(), bQ: 3 as never }, { nHeads: 2 })).toThrow(/^bQ must be a vector of length 4, got number$/);
  });
  it(`${TFJS}: a weight of rank 3 is refused by name`, () => {
    const w = tf.zeros([4, 4, 1]);
    const ts = { wQ: w, wK: tf.zeros([4, 4]), wV: tf.zeros([4, 4]), wO: tf.zeros([4, 5]) };
    const tx = t2(x);
    expect(() => T.multiHeadAttention(tx, tx, ts, { nHeads: 2 })).toThrow(/^wQ must be 2-D, got shape \[4, 4, 1\]$/);
    tf.dispose([tx, ...Object.values(ts)]);
  });
  it('allowed at the boundaries: one head, and nKvHeads = 1 with d_k-wide key/value projections (equal on both)', () => {
    for (const [params, o] of [[p(), { nHeads: 1 }], [p({ wK: randomMatrix(rng, 4, 2), wV: randomMatrix(rng, 4, 2) }), { nHeads: 2, nKvHeads: 1 }]] as const) {
      const c = compareNested(flat(tfMha(x, x, params, o)), flat(R.multiHeadAttention(x, x, params, o).output), TFJS_VS_REFERENCE.multiHeadAttention);
      expect(c.ok, `${JSON.stringify(o)}: ${c.message}`).toBe(true);
    }
  });
});

describe('multi-head attention biases', () => {
  const r = seededRng(7);
  const x = randomMatrix(r, 4, 6);
  const kv = randomMatrix(r, 5, 6);
  const base: Params = { wQ: randomMatrix(r, 6, 6), wK: randomMatrix(r, 6, 6), wV: randomMatrix(r, 6, 6), wO: randomMatrix(r, 6, 3) };
  const vec = (n: number) => randomMatrix(r, 1, n)[0];
  const out = (p: Params) => R.multiHeadAttention(x, kv, p, { nHeads: 3 }).output;

  it('reference: bV = c adds c·W_O to every output row; bO adds itself; bK changes nothing (within EXACT.reference)', () => {
    const c = vec(6);
    const bO = vec(3);
    const cWo = base.wO[0].map((_, j) => c.reduce((s, ci, i) => s + ci * base.wO[i][j], 0));
    const plain = out(base);
    const expected = plain.map((row) => row.map((y, j) => y + cWo[j] + bO[j]));
    const cmp = compareNested(flat(out({ ...base, bV: c, bO })), flat(expected), EXACT.reference);
    expect(cmp.ok, cmp.message).toBe(true);
    const k = compareNested(flat(out({ ...base, bK: vec(6) })), flat(plain), EXACT.reference);
    expect(k.ok, `bK: ${k.message}`).toBe(true);
    // bQ is not such an identity: it moves the output (so the checks above can tell the biases apart)
    expect(compareNested(flat(out({ ...base, bQ: vec(6) })), flat(plain), EXACT.reference).ok).toBe(false);
  });

  it(`${TFJS}: every bias, with grouped-query heads too, equals the reference within TFJS_VS_REFERENCE.multiHeadAttention`, () => {
    const full = { ...base, bQ: vec(6), bK: vec(6), bV: vec(6), bO: vec(3) };
    const gqa = { ...base, wK: randomMatrix(r, 6, 2), wV: randomMatrix(r, 6, 2), bQ: vec(6), bK: vec(2), bV: vec(2), bO: vec(3) };
    for (const [p, o] of [[full, { nHeads: 3 }], [gqa, { nHeads: 3, nKvHeads: 1 }]] as const) {
      const c = compareNested(flat(tfMha(x, kv, p, o)), flat(R.multiHeadAttention(x, kv, p, o).output), TFJS_VS_REFERENCE.multiHeadAttention);
      expect(c.ok, `${JSON.stringify(o)}: ${c.message}`).toBe(true);
    }
  });
});
