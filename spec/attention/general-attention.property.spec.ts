/**
 * The general attention op (src/reference/attention.ts, src/tfjs/attention.ts), as properties:
 *
 *   GQA:      H_kv = H is multi-head attention (per-head scaled dot-product attention);
 *             H_kv = 1 is multi-query attention; any H_kv equals MHA with K/V repeated (HF repeat_kv)
 *   cache:    decoding token by token with present K/V fed back as past K/V equals the full causal pass
 *   scale:    an explicit scale s equals unscaled attention on s·Q;  d_v ≠ d_k gives (…, n_q, d_v)
 *   causal:   top-left (PyTorch is_causal) j ≤ i; bottom-right (FlashAttention ≥ 2.1, the default) j ≤ i + n_k − n_q
 *   masks:    2-D, 3-D and 4-D masks and biases broadcast right-aligned like PyTorch's attn_mask
 *   bias:     a bias constant along the keys changes no weight; −∞ in a bias is a masked entry
 *   fully masked rows give zeros on every variant (numeric-conventions rule 2)
 *   ALiBi:    Press et al.'s slopes for any head count; weights equal HF build_alibi_tensor's m_h·j
 *   softcap:  cap·tanh(s/cap) is bounded by cap, monotone, and tends to s as the cap grows
 *   lengths:  keyLengths equals a (B, 1, 1, n_k) mask, and equals dropping the padded keys
 *
 * Shapes: q (B, H, n_q, d_k), k (B, H_kv, n_k, d_k), v (B, H_kv, n_k, d_v); H = G · H_kv.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, NonFiniteError, RangeArgumentError, ResourceLimitError, ShapeError } from '../../src/core/errors.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { arbitrariesOf } from '../../src/ops/arbitraries.js';
import { alibiSlopes, attention, checkGeneralAttentionShapes, DEFAULT_CAUSAL_ALIGNMENT, type GeneralAttentionOptions, type Nested } from '../../src/reference/attention.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

const A = arbitrariesOf(fc);
/** checkProperty with the case type spelled out (fast-check's inference stops at the record chains). */
const prop = <X>(name: string, arb: fc.Arbitrary<X>, f: (x: X) => void) => checkProperty<[X]>(name, arb, f);
const prop2 = <X, Y>(name: string, a: fc.Arbitrary<X>, b: fc.Arbitrary<Y>, f: (x: X, y: Y) => void) => checkProperty<[X, Y]>(name, a, b, f);
type T4 = number[][][][];

const close = (actual: unknown, expected: unknown, t = EXACT.reference) => {
  const c = compareNested(actual as number[], expected as number[], t);
  expect(c.ok, c.message).toBe(true);
};
/** Runs tfjs attention on nested arrays and reads back (every tensor disposed). */
function tfAttention(q: Nested, k: Nested, v: Nested, options: GeneralAttentionOptions = {}): Nested {
  const ts = [tf.tensor(q), tf.tensor(k), tf.tensor(v)];
  try {
    const out = T.attention(ts[0], ts[1], ts[2], { ...options, steps: false, present: false });
    const values = out.arraySync();
    out.dispose();
    return values as Nested;
  } finally {
    tf.dispose(ts);
  }
}
/** HF repeat_kv: (B, H_kv, n, d) → (B, H_kv·G, n, d), kv head g repeated for query heads g·G … g·G + G − 1. */
const repeatKv = (x: T4, G: number): T4 => x.map((xb) => xb.flatMap((head) => Array.from({ length: G }, () => head)));

interface GqaCase {
  q: T4;
  k: T4;
  v: T4;
  G: number;
}
const tensor4 = (s: number[]) => fc.array(A.value, { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) }).map((f) => shape(f, s) as T4);
function shape(flat: unknown[], s: number[]): unknown {
  if (s.length === 0) return flat[0];
  const n = s.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: s[0] }, (_, i) => shape(flat.slice(i * n, (i + 1) * n), s.slice(1)));
}
const gqaCase = (o: { Hkv?: number; G?: number; nQ?: number; nK?: number } = {}): fc.Arbitrary<GqaCase> =>
  fc
    .record({ B: A.size(1, 2), Hkv: o.Hkv ? fc.constant(o.Hkv) : A.size(1, 3), G: o.G ? fc.constant(o.G) : A.size(1, 3), nQ: o.nQ ? fc.constant(o.nQ) : A.size(1, 5), nK: o.nK ? fc.constant(o.nK) : A.size(1, 6), dK: A.size(1, 6), dV: A.size(1, 5) })
    .chain(({ B, Hkv, G, nQ, nK, dK, dV }) => fc.record({ q: tensor4([B, Hkv * G, nQ, dK]), k: tensor4([B, Hkv, nK, dK]), v: tensor4([B, Hkv, nK, dV]), G: fc.constant(G) }));

describe('grouped-query and multi-query attention', () => {
  it('nKvHeads = nHeads is multi-head attention: head h is scaled dot-product attention of (q_h, k_h, v_h)', () => {
    prop('H_kv = H is MHA', gqaCase({ G: 1 }), ({ q, k, v }) => {
      const causal = k[0][0].length >= q[0][0].length; // the older op's causal mask needs n_k ≥ n_q
      const out = attention(q, k, v, { causal }) as T4;
      q.forEach((qb, b) => qb.forEach((qh, h) => close(out[b][h], R.scaledDotProductAttention(qh, k[b][h], v[b][h], { mask: causal ? 'causal' : null }))));
    });
  });

  it('nKvHeads = 1 is multi-query attention: every query head reads the one key/value head', () => {
    prop('H_kv = 1 is MQA', gqaCase({ Hkv: 1 }), ({ q, k, v }) => {
      const out = attention(q, k, v) as T4;
      q.forEach((qb, b) => qb.forEach((qh, h) => close(out[b][h], R.scaledDotProductAttention(qh, k[b][0], v[b][0]))));
    });
  });

  it('any nKvHeads: outputs equal MHA run with the K/V heads repeated (HF repeat_kv order) — reference and tfjs', () => {
    prop('GQA = MHA with repeated K/V', gqaCase(), ({ q, k, v, G }) => {
      const gqa = attention(q, k, v, { causal: 'top-left' });
      const mha = attention(q, repeatKv(k, G), repeatKv(v, G), { causal: 'top-left' });
      close(gqa, mha);
      close(tfAttention(q, k, v, { causal: 'top-left' }), mha, TFJS_VS_REFERENCE.attention);
    });
  });

  it('discrimination: the other grouping (query head h reads kv head h mod H_kv) gives other outputs', () => {
    const rng = fc.sample(gqaCase({ Hkv: 2, G: 2, nQ: 3, nK: 4 }), { seed: 7, numRuns: 1 })[0];
    const tiled = (x: T4): T4 => x.map((xb) => [...xb, ...xb]); // heads 0,1,0,1 instead of 0,0,1,1
    const c = compareNested(attention(rng.q, rng.k, rng.v) as number[], attention(rng.q, tiled(rng.k), tiled(rng.v)) as number[], TFJS_VS_REFERENCE.attention);
    expect(c.ok).toBe(false);
  });

  it('an explicit scale s equals unscaled attention on s·Q; d_v ≠ d_k gives (…, n_q, d_v)', () => {
    prop2('scale', gqaCase(), fc.constantFrom(0.125, 0.3, 2), ({ q, k, v }, s) => {
      const out = attention(q, k, v, { scale: s }) as T4;
      close(out, attention(q.map((qb) => qb.map((qh) => qh.map((r) => r.map((x) => x * s)))), k, v, { scale: false }));
      expect([out.length, out[0].length, out[0][0].length, out[0][0][0].length]).toEqual([q.length, q[0].length, q[0][0].length, v[0][0][0].length]);
    });
  });
});

describe('multiHeadAttention with nKvHeads: grouped-query projections (W_K, W_V of nKvHeads·d_k columns)', () => {
  const mhaCase = fc
    .record({ n: A.size(1, 5), dModel: A.size(1, 6), Hkv: A.size(1, 2), G: A.size(1, 3), dK: A.size(1, 3), dOut: A.size(1, 4) })
    .chain(({ n, dModel, Hkv, G, dK, dOut }) =>
      fc.record({ x: A.matrixOf(n, dModel), wQ: A.weightsOf(dModel, Hkv * G * dK), wK: A.weightsOf(dModel, Hkv * dK), wV: A.weightsOf(dModel, Hkv * dK), wO: A.weightsOf(Hkv * G * dK, dOut), Hkv: fc.constant(Hkv), G: fc.constant(G), dK: fc.constant(dK) }),
    );
  it('equals the general attention op on the projected heads, and MHA with W_K, W_V columns repeated per group; tfjs agrees', () => {
    prop('MHA with nKvHeads', mhaCase, ({ x, wQ, wK, wV, wO, Hkv, G, dK }) => {
      const r = R.multiHeadAttention(x, x, { wQ, wK, wV, wO }, { nHeads: Hkv * G, nKvHeads: Hkv, mask: 'causal' });
      expect(r.k).toHaveLength(Hkv);
      close(r.heads, attention(r.q, r.k, r.v, { causal: true }));
      // repeating each kv head's d_k columns G times gives ordinary MHA with nHeads heads
      const rep = (w: number[][]) => w.map((row) => Array.from({ length: Hkv }, (_, g) => Array.from({ length: G }, () => row.slice(g * dK, (g + 1) * dK)).flat()).flat());
      close(r.output, R.multiHeadAttention(x, x, { wQ, wK: rep(wK), wV: rep(wV), wO }, { nHeads: Hkv * G, mask: 'causal' }).output);
      const t = tf.tidy(() => T.multiHeadAttention(tf.tensor2d(x), tf.tensor2d(x), { wQ: tf.tensor2d(wQ), wK: tf.tensor2d(wK), wV: tf.tensor2d(wV), wO: tf.tensor2d(wO) }, { nHeads: Hkv * G, nKvHeads: Hkv, mask: 'causal' }).output.arraySync());
      close(t, r.output, TFJS_VS_REFERENCE.multiHeadAttention);
    });
  });
  it('nKvHeads that does not divide nHeads: ShapeError on both implementations', () => {
    const w = [[1, 0, 0, 0, 0, 0]];
    const p = { wQ: w, wK: [[1, 0, 0, 0]], wV: [[1, 0, 0, 0]], wO: [[1], [0], [0], [0], [0], [0]] };
    expect(() => R.multiHeadAttention([[1]], [[1]], p, { nHeads: 3, nKvHeads: 2 })).toThrow(/nHeads = 3 is not a multiple of nKvHeads = 2/);
    const tp = { wQ: tf.tensor2d(p.wQ), wK: tf.tensor2d(p.wK), wV: tf.tensor2d(p.wV), wO: tf.tensor2d(p.wO) };
    const x = tf.tensor2d([[1]]);
    expect(() => T.multiHeadAttention(x, x, tp, { nHeads: 3, nKvHeads: 2 })).toThrow(ShapeError);
    tf.dispose([x, ...Object.values(tp)]);
  });
});

describe('the explicit KV cache: past keys and values in, present keys and values out', () => {
  it('decoding one token at a time, feeding present back as past, equals the full causal pass (GQA; reference and tfjs)', () => {
    prop('cached decoding = full pass', gqaCase({ nQ: 4, nK: 4 }), ({ q, k, v }) => {
      const full = attention(q, k, v, { causal: true }) as T4;
      const slice = (x: T4, t: number, u = t + 1): T4 => x.map((xb) => xb.map((xh) => xh.slice(t, u)));
      let past: { presentKey: Nested; presentValue: Nested } | null = null;
      const tfSteps: T4[] = [];
      for (let t = 0; t < 4; t++) {
        const opts: GeneralAttentionOptions = { causal: true, ...(past ? { pastKey: past.presentKey, pastValue: past.presentValue } : {}) };
        const step = attention(slice(q, t), slice(k, t), slice(v, t), { ...opts, steps: false, present: true });
        close(step.output, slice(full, t));
        tfSteps.push(tfAttention(slice(q, t), slice(k, t), slice(v, t), opts) as T4);
        past = step;
      }
      close(past!.presentKey, k);
      close(past!.presentValue, v);
      tfSteps.forEach((s, t) => close(s, slice(full, t), TFJS_VS_REFERENCE.attention));
      // a prefill of 3 tokens then one step: the same again
      const pre = attention(slice(q, 0, 3), slice(k, 0, 3), slice(v, 0, 3), { causal: true, present: true });
      close(attention(slice(q, 3), slice(k, 3), slice(v, 3), { causal: true, pastKey: pre.presentKey, pastValue: pre.presentValue }), slice(full, 3));
    });
  });

  it('tfjs returns present keys and values (past ++ new) with present: true', () => {
    const q = [[[1, 0]]];
    const [k, v, pk, pv] = [[[[0, 1]]], [[[2, 3, 4]]], [[[1, 1], [0, 2]]], [[[1, 0, 0], [0, 1, 0]]]];
    const ts = [tf.tensor(q), tf.tensor(k), tf.tensor(v)];
    const r = T.attention(ts[0], ts[1], ts[2], { present: true, pastKey: pk, pastValue: pv, causal: true });
    expect(r.presentKey.arraySync()).toEqual([[[1, 1], [0, 2], [0, 1]]]);
    expect(r.presentValue.shape).toEqual([1, 3, 3]);
    close(r.output.arraySync(), attention(q, k, v, { pastKey: pk, pastValue: pv, causal: true }), TFJS_VS_REFERENCE.attention);
    tf.dispose([...ts, r.output, r.presentKey, r.presentValue]);
  });
});

describe('causal alignment: top-left and bottom-right, named and selectable', () => {
  const qkv = fc.record({ nQ: A.size(1, 5), extra: A.size(0, 4), d: A.size(1, 4) }).chain(({ nQ, extra, d }) => fc.record({ q: A.matrixOf(nQ, d), k: A.matrixOf(nQ + extra, d), v: A.matrixOf(nQ + extra, d) }));
  it(`the default (causal: true) is ${DEFAULT_CAUSAL_ALIGNMENT}, the project's existing causal mask ('causal' of scaledDotProductAttention)`, () => {
    expect(DEFAULT_CAUSAL_ALIGNMENT).toBe('bottom-right');
    prop('default alignment', qkv, ({ q, k, v }) => {
      const d = attention(q, k, v, { causal: true, steps: true });
      close(d.weights, attention(q, k, v, { causal: 'bottom-right', steps: true }).weights);
      close(d.weights, R.scaledDotProductAttention(q, k, v, { mask: 'causal', steps: true }).weights);
    });
  });

  it('top-left: query i sees keys j ≤ i; bottom-right: j ≤ i + n_k − n_q; equal when n_q = n_k', () => {
    prop('alignments', qkv, ({ q, k, v }) => {
      const [nQ, nK] = [q.length, k.length];
      const tl = attention(q, k, v, { causal: 'top-left', steps: true }).weights as number[][];
      const br = attention(q, k, v, { causal: 'bottom-right', steps: true }).weights as number[][];
      tl.forEach((row, i) => row.forEach((w, j) => j > i && expect(w).toBe(0)));
      br.forEach((row, i) => row.forEach((w, j) => j > i + nK - nQ && expect(w).toBe(0)));
      if (nQ === nK) close(tl, br);
    });
  });

  it('discrimination: with fewer queries than keys the two alignments differ (2 queries, 4 keys)', () => {
    const [q, k] = [[[1, 0], [0, 1]], [[1, 0], [0, 1], [1, 1], [2, 0]]];
    const tl = attention(q, k, k, { causal: 'top-left', steps: true }).weights as number[][];
    const br = attention(q, k, k, { causal: 'bottom-right', steps: true }).weights as number[][];
    expect(tl[0].slice(1)).toEqual([0, 0, 0]); // query 0 sees key 0 only
    expect(br[0][3]).toBe(0);
    expect(br[0][2]).toBeGreaterThan(0); // query 0 is position 2 of 4
    expect(compareNested(tl, br, TFJS_VS_REFERENCE.attention).ok).toBe(false);
  });
});

describe('boolean masks and additive biases broadcast over batch and heads', () => {
  const withMask = gqaCase().chain((c) => {
    const [B, H, nQ, nK] = [c.q.length, c.q[0].length, c.q[0][0].length, c.k[0][0].length];
    const bools = (s: number[]) => fc.array(fc.boolean(), { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) }).map((f) => shape(f, s));
    return fc.record({ c: fc.constant(c), shape: fc.constantFrom<number[]>([nQ, nK], [1, nQ, nK], [H, nQ, nK], [B, 1, nQ, nK], [1, H, 1, nK], [B, H, nQ, nK]) }).chain(({ c, shape: s }) => fc.record({ c: fc.constant(c), mask: bools(s), bias: tensor4([1, 1, 1, 1]).chain(() => fc.array(A.value, { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) }).map((f) => shape(f, s))), s: fc.constant(s) }));
  });
  /** The mask or bias expanded to the full (B, H, n_q, n_k) by right-aligned broadcasting, written out. */
  const expand = (x: unknown, s: number[], full: number[]) => {
    const p = [...new Array(4 - s.length).fill(1), ...s];
    const at = (b: number, h: number, i: number, j: number) => {
      let y = x;
      const idx = [b, h, i, j].slice(4 - s.length).map((n, a) => (p[4 - s.length + a] === 1 ? 0 : n));
      for (const n of idx) y = (y as unknown[])[n];
      return y;
    };
    return Array.from({ length: full[0] }, (_, b) => Array.from({ length: full[1] }, (_, h) => Array.from({ length: full[2] }, (_, i) => Array.from({ length: full[3] }, (_, j) => at(b, h, i, j)))));
  };

  it('a 2-D, 3-D or 4-D mask or bias equals its explicit (B, H, n_q, n_k) expansion — reference and tfjs', () => {
    prop('broadcast', withMask, ({ c, mask, bias, s }) => {
      const full = [c.q.length, c.q[0].length, c.q[0][0].length, c.k[0][0].length];
      const ref = attention(c.q, c.k, c.v, { mask, bias });
      close(ref, attention(c.q, c.k, c.v, { mask: expand(mask, s, full), bias: expand(bias, s, full) }));
      close(tfAttention(c.q, c.k, c.v, { mask, bias }), ref, TFJS_VS_REFERENCE.attention);
    });
  });

  it('a bias constant along the keys changes no weight; −∞ in a bias is exactly a false mask entry', () => {
    prop('bias', withMask, ({ c, mask }) => {
      const [H, nQ, nK] = [c.q[0].length, c.q[0][0].length, c.k[0][0].length];
      const rowConst = Array.from({ length: H }, (_, h) => Array.from({ length: nQ }, (_, i) => new Array(nK).fill(h - 2 * i)));
      close(attention(c.q, c.k, c.v, { bias: rowConst, steps: true }).weights, attention(c.q, c.k, c.v, { steps: true }).weights);
      const full = expand(mask, mask instanceof Array ? (shapeOfNested(mask) as number[]) : [], [c.q.length, H, nQ, nK]) as boolean[][][][];
      const negInf = full.map((b) => b.map((h) => h.map((r) => r.map((m) => (m ? 0 : -Infinity)))));
      close(attention(c.q, c.k, c.v, { bias: negInf, steps: true }).weights, attention(c.q, c.k, c.v, { mask: full, steps: true }).weights);
    });
  });
});
const shapeOfNested = (x: unknown): number[] => (Array.isArray(x) ? [x.length, ...shapeOfNested(x[0])] : []);

describe('a fully masked row gives zeros (numeric-conventions rule 2) on every variant', () => {
  const q = [[[[1, 2], [0, 1], [3, 1]]]]; // (1, 1, 3, 2)
  const k = [[[[1, 0], [2, 1]]]]; // (1, 1, 2, 2)
  const v = [[[[5, 6, 7], [1, 2, 3]]]]; // d_v = 3 ≠ d_k = 2
  const variants: [string, GeneralAttentionOptions][] = [
    ['a false mask row', { mask: [[true, true], [false, false], [true, false]] }],
    ['bottom-right causal with n_q > n_k (query 0 is before every key)', { causal: 'bottom-right' }],
    ['keyLengths 0', { keyLengths: [0] }],
    ['a −∞ bias row', { bias: [[0, 0], [-Infinity, -Infinity], [0, 1]] }],
    ['with softcap and ALiBi too', { mask: [[true, true], [false, false], [true, false]], softcap: 5, alibi: true }],
  ];
  it.each(variants)('%s: reference and tfjs give an all-zero weight row and output row', (_name, o) => {
    const r = attention(q, k, v, { ...o, steps: true });
    const w = (r.weights as T4)[0][0];
    const row = o.causal ? 0 : 1;
    const out = (r.output as T4)[0][0];
    expect(o.keyLengths ? w.flat() : w[row]).toEqual(o.keyLengths ? [0, 0, 0, 0, 0, 0] : [0, 0]);
    expect(out[row]).toEqual([0, 0, 0]);
    const t = tfAttention(q, k, v, o) as T4;
    expect(t[0][0][row]).toEqual([0, 0, 0]);
  });

  it('maskValue −1e9 instead gives a uniform row (the stated alternative)', () => {
    const r = attention(q, k, v, { mask: [[true, true], [false, false], [true, false]], maskValue: -1e9, steps: true });
    close((r.weights as T4)[0][0][1], [0.5, 0.5]);
  });
});

describe('ALiBi (Press et al. 2022), slopes for any head count', () => {
  it('a power of two n: the geometric sequence 2^(−8/n), 2^(−16/n), …, 2^(−8)', () => {
    for (const n of [1, 2, 4, 8, 16, 32]) close(alibiSlopes(n), Array.from({ length: n }, (_, h) => 2 ** ((-8 * (h + 1)) / n)));
    expect(alibiSlopes(8)).toEqual([1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256]);
  });

  it('not a power of two (12 heads, as HF build_alibi_tensor): the 8-head slopes, then 2^(−0.5), 2^(−1.5), 2^(−2.5), 2^(−3.5)', () => {
    close(alibiSlopes(12), [...alibiSlopes(8), 2 ** -0.5, 2 ** -1.5, 2 ** -2.5, 2 ** -3.5]);
    for (let n = 1; n <= 64; n++) {
      const p = 2 ** Math.floor(Math.log2(n));
      close(alibiSlopes(n), [...alibiSlopes(p), ...alibiSlopes(2 * p).filter((_, i) => i % 2 === 0).slice(0, n - p)]);
    }
  });

  it('alibi: true equals the bias m_h·(j − p_i) given explicitly, and its weights equal HF build_alibi_tensor\'s m_h·j', () => {
    prop2('ALiBi', gqaCase(), fc.constantFrom<GeneralAttentionOptions['causal']>(null, 'bottom-right', 'top-left'), ({ q, k, v }, causal) => {
      const [H, nQ, nK] = [q[0].length, q[0][0].length, k[0][0].length];
      const m = alibiSlopes(H);
      const explicit = m.map((mh) => Array.from({ length: nQ }, (_, i) => Array.from({ length: nK }, (_, j) => mh * (j - (i + nK - nQ)))));
      const hf = m.map((mh) => Array.from({ length: nQ }, () => Array.from({ length: nK }, (_, j) => mh * j)));
      const a = attention(q, k, v, { alibi: true, causal, steps: true });
      close(a.biased, attention(q, k, v, { bias: explicit, causal, steps: true }).biased);
      close(a.weights, attention(q, k, v, { bias: hf, causal, steps: true }).weights);
      close(tfAttention(q, k, v, { alibi: true, causal }), a.output, TFJS_VS_REFERENCE.attention);
    });
  });
});

describe('logit soft-capping (Gemma 2): capped = cap · tanh(scaled / cap), before the bias and the mask', () => {
  const caseAndCap = fc.tuple(gqaCase(), fc.constantFrom(0.5, 1, 5, 30, 50));
  it('bounded by the cap: |capped| < cap', () => {
    prop('softcap bounded', caseAndCap, ([{ q, k, v }, cap]) => {
      const c = (attention(q, k, v, { softcap: cap, scale: 4, steps: true }).capped as T4).flat(3);
      c.forEach((x) => expect(Math.abs(x)).toBeLessThanOrEqual(cap));
    });
  });
  it('monotone: the capped scores keep the order of the scaled scores', () => {
    prop('softcap monotone', caseAndCap, ([{ q, k, v }, cap]) => {
      const r = attention(q, k, v, { softcap: cap, steps: true });
      const [s, c] = [(r.scaled as T4).flat(3), (r.capped as T4).flat(3)];
      for (let a = 0; a < s.length; a++) for (let b = 0; b < s.length; b++) if (s[a] < s[b]) expect(c[a]).toBeLessThanOrEqual(c[b]);
    });
  });
  it('tends to the plain logits as the cap grows: |capped − scaled| ≤ |s|³ / (3 cap²)', () => {
    prop2('softcap limit', gqaCase(), fc.constantFrom(1e2, 1e3, 1e4), ({ q, k, v }, cap) => {
      const r = attention(q, k, v, { softcap: cap, steps: true });
      const [s, c] = [(r.scaled as T4).flat(3), (r.capped as T4).flat(3)];
      s.forEach((x, i) => expect(Math.abs(c[i] - x)).toBeLessThanOrEqual(Math.abs(x) ** 3 / (3 * cap * cap) + 1e-12));
    });
  });
  it('discrimination: cap 5 on scores up to 16 changes the weights by more than the attention tolerance', () => {
    const q = [[4, 0], [0, 4]];
    const k = [[4, 0], [0, 2]];
    const capped = attention(q, k, k, { softcap: 5, scale: 1, steps: true }).weights;
    expect(compareNested(capped as number[][], attention(q, k, k, { scale: 1, steps: true }).weights as number[][], TFJS_VS_REFERENCE.attention).ok).toBe(false);
  });
});

describe('per-sequence key lengths for padded batches', () => {
  it('keyLengths equals a (B, 1, 1, n_k) mask with j < length, and equals dropping the padded keys', () => {
    const lens = gqaCase().chain((c) => fc.record({ c: fc.constant(c), lengths: fc.array(fc.integer({ min: 1, max: c.k[0][0].length }), { minLength: c.q.length, maxLength: c.q.length }) }));
    prop('keyLengths', lens, ({ c, lengths }) => {
      const nK = c.k[0][0].length;
      const out = attention(c.q, c.k, c.v, { keyLengths: lengths }) as T4;
      close(out, attention(c.q, c.k, c.v, { mask: lengths.map((L) => [[Array.from({ length: nK }, (_, j) => j < L)]]) }));
      lengths.forEach((L, b) => {
        const cut = (x: T4) => [x[b].map((h) => h.slice(0, L))];
        close([out[b]], attention([c.q[b]], cut(c.k), cut(c.v)));
      });
      close(tfAttention(c.q, c.k, c.v, { keyLengths: lengths }), out, TFJS_VS_REFERENCE.attention);
    });
  });
});

describe('bad combinations are named errors, on both implementations', () => {
  const q = [[[1, 0]], [[0, 1]], [[1, 1]]]; // 3 heads
  const kv = [[[1, 0]], [[0, 1]]]; // 2 kv heads
  const both = (f: (impl: typeof attention) => unknown, error: new (...a: never[]) => Error, message: RegExp) => {
    expect(() => f(attention)).toThrow(error);
    expect(() => f(attention)).toThrow(message);
    const tfImpl = ((a: Nested, b: Nested, c: Nested, o?: GeneralAttentionOptions) => tfAttention(a, b, c, o)) as unknown as typeof attention;
    expect(() => f(tfImpl)).toThrow(error);
    expect(() => f(tfImpl)).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  };
  const before = tf.memory().numTensors;
  it(`heads that do not divide: ShapeError (tfjs on ${backendReport.choice})`, () => both((f) => f(q, kv, kv), ShapeError, /nHeads = 3 is not a multiple of nKvHeads = 2/));
  it('a bias shape that does not broadcast: ShapeError naming both shapes', () => both((f) => f([[1, 0]], [[1, 0], [0, 1]], [[1], [2]], { bias: [[1, 2, 3]] }), ShapeError, /bias of shape \[1, 3\] does not broadcast to the scores' shape \[1, 2\]/));
  it('a mask of higher rank than the scores: ShapeError', () => both((f) => f([[1, 0]], [[1, 0]], [[1]], { mask: [[[[true]]]] }), ShapeError, /mask of shape \[1, 1, 1, 1\] does not broadcast/));
  it('a non-boolean mask entry: ArgumentError', () => both((f) => f([[1, 0]], [[1, 0]], [[1]], { mask: [[1]] }), ArgumentError, /mask entries must be booleans/));
  it('a NaN or +∞ bias entry: NonFiniteError', () => both((f) => f([[1, 0]], [[1, 0]], [[1]], { bias: [[Infinity]] }), NonFiniteError, /bias entry 0 is Infinity/));
  it('softcap ≤ 0: RangeArgumentError', () => both((f) => f([[1, 0]], [[1, 0]], [[1]], { softcap: 0 }), RangeArgumentError, /softcap must be a finite number > 0/));
  it('an unknown causal alignment: ArgumentError', () => both((f) => f([[1, 0]], [[1, 0]], [[1]], { causal: 'top-right' as never }), ArgumentError, /causal must be true, false, 'top-left' or 'bottom-right'/));
  it('keyLengths without a batch axis: ArgumentError', () => both((f) => f([[1, 0]], [[1, 0]], [[1]], { keyLengths: [1] }), ArgumentError, /keyLengths needs a batch axis/));
  it('a key length beyond the keys: RangeArgumentError', () => both((f) => f([[[[1, 0]]]], [[[[1, 0]]]], [[[[1]]]], { keyLengths: [2] }), RangeArgumentError, /keyLengths\[0\] must be an integer in 0…1/));
  it('pastKey without pastValue: ArgumentError', () => both((f) => f([[1, 0]], [[1, 0]], [[1]], { pastKey: [[1, 0]] }), ArgumentError, /pastKey and pastValue come together/));
  it('scores beyond the memory limit are refused before anything is allocated: ResourceLimitError', () => {
    const q = [[[[1]]]];
    // shapes alone decide: 1 × 1 × 1 query against 2^28 keys would need 7 × 2^28 × 8 bytes of steps
    expect(() => checkGeneralAttentionShapes([1, 1, 1, 1], [1, 1, 2 ** 28, 1], [1, 1, 2 ** 28, 1])).toThrow(ResourceLimitError);
    expect(() => checkGeneralAttentionShapes([1, 1, 1, 1], [1, 1, 2 ** 28, 1], [1, 1, 2 ** 28, 1])).toThrow(/attention with 1 × 1 × 1 × 268435456 scores .* more than the memory limit/);
    expect(attention(q, q, q)).toEqual([[[[1]]]]);
  });
  it('ALiBi slopes of the wrong count: ArgumentError', () => both((f) => f(q, q, q, { alibi: [0.5] }), ArgumentError, /alibi must be true, false or 3 finite slopes/));
});
