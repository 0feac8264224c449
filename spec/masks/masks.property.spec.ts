/**
 * Masks, as properties over random inputs:
 *
 *   causal:  query i attends key j only when j ≤ i, so output_i is a function of x_1 … x_i
 *   P(x_1 … x_T) = Π_t P(x_t | x_<t)   read off one causal forward pass (the decoder's training trick)
 *   cross-attention: Q from the decoder, K and V from the encoder → weights (n_dec × n_enc) per head
 *
 * Shapes: X (n × d_model), W_Q/W_K/W_V (d_model × d_attn), W_O (d_attn × d_out).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import { shapeOf } from '../../src/core/shape.js';
import { compareNested, EXACT } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { type Matrix, type Value, matrixOf, mhaParamsOf } from '../_helpers/arbitraries.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';


const tfParams = (p: R.MultiHeadParams<number>) => ({ wQ: tf.tensor2d(p.wQ), wK: tf.tensor2d(p.wK), wV: tf.tensor2d(p.wV), wO: tf.tensor2d(p.wO) });

/** Equal element by element as numbers (===, so +0 and −0 count as the same value). */
const sameNumbers = (a: Matrix, b: Matrix): boolean =>
  a.length === b.length && a.every((row, i) => row.length === b[i].length && row.every((x, j) => x === b[i][j]));

// ---------------------------------------------------------------------------------------------

interface FutureCase {
  x: Matrix;
  future: Matrix;
  t: number;
  params: R.MultiHeadParams<number>;
  nHeads: number;
}

/** A sequence x, a position t, and other tokens to put after t. */
const futureCase: fc.Arbitrary<FutureCase> = fc
  .record({
    n: fc.integer({ min: 2, max: 12 }),
    dModel: fc.integer({ min: 1, max: 8 }),
    nHeads: fc.integer({ min: 1, max: 3 }),
    dK: fc.integer({ min: 1, max: 4 }),
    dOut: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ n, dModel, nHeads, dK, dOut }) =>
    fc.integer({ min: 0, max: n - 2 }).chain((t) =>
      fc.record({
        x: matrixOf(n, dModel),
        future: matrixOf(n - 1 - t, dModel),
        t: fc.constant(t),
        params: mhaParamsOf(dModel, nHeads * dK, dOut),
        nHeads: fc.constant(nHeads),
      }),
    ),
  );

/** x with every row after t replaced by `future`. */
const withFuture = ({ x, future, t }: FutureCase): Matrix => [...x.slice(0, t + 1), ...future];

describe('a causal mask hides the future', () => {
  it('[interview.masks.causal-ignores-future] reference: changing tokens after t leaves outputs and weights at positions ≤ t bit-identical', () => {
    checkProperty<[Value<typeof futureCase>]>('reference causal outputs ignore the future', futureCase, (c) => {
      const opts = { nHeads: c.nHeads, mask: 'causal' as const };
      const a = R.multiHeadAttention(c.x, c.x, c.params, opts);
      const x2 = withFuture(c);
      const b = R.multiHeadAttention(x2, x2, c.params, opts);
      expect(sameNumbers(a.output.slice(0, c.t + 1), b.output.slice(0, c.t + 1))).toBe(true); // rows 0…t of (n × d_out)
      a.weights.forEach((w, h) => expect(sameNumbers(w.slice(0, c.t + 1), b.weights[h].slice(0, c.t + 1))).toBe(true)); // (n × n) per head
      // and no weight ever lands on a future key
      a.weights.forEach((w) => expect(w.every((row, i) => row.every((p, j) => j <= i || p === 0))).toBe(true));
    });
  });

  it(`[interview.masks.causal-ignores-future] tfjs (${backendReport.choice}): changing tokens after t leaves outputs at positions ≤ t unchanged`, () => {
    checkProperty<[Value<typeof futureCase>]>('tfjs causal outputs ignore the future', futureCase, (c) => {
      const opts = { nHeads: c.nHeads, mask: 'causal' as const };
      const [a, b, w] = tf.tidy(() => {
        const p = tfParams(c.params);
        const [x1, x2] = [tf.tensor2d(c.x), tf.tensor2d(withFuture(c))];
        const r1 = T.multiHeadAttention(x1, x1, p, opts);
        const r2 = T.multiHeadAttention(x2, x2, p, opts);
        return [r1.output.arraySync() as Matrix, r2.output.arraySync() as Matrix, r1.weights.arraySync() as Matrix[]];
      });
      // tfjs against itself on the same shapes: float32 rounding at most
      const cmp = compareNested(b.slice(0, c.t + 1), a.slice(0, c.t + 1), EXACT.tfjs);
      expect(cmp.ok, cmp.message).toBe(true);
      w.forEach((wh) => expect(wh.every((row, i) => row.every((p, j) => j <= i || p === 0))).toBe(true)); // (n × n) per head
    });
  });
});

// ---------------------------------------------------------------------------------------------

/*
 * A tiny causal "language model", built here from the project's layers:
 *   tokens {0, 1, 2} plus a start token BOS = 3, embedding table E (4 × 4), sinusoidal PE,
 *   h = CausalAttention(X W_Q, X W_K, X W_V),  logits = h W_head (n × 3),  P = softmax(logits)
 * Row t of P is the model's distribution of the token after position t, so on the input
 * [BOS, x_1, x_2] one forward pass gives P(x_1), P(x_2 | x_1) and P(x_3 | x_1, x_2).
 */
const VOCAB = 3;
const BOS = VOCAB;
const D = 4;
const LENGTH = 3;
const ALL_SEQUENCES: number[][] = Array.from({ length: VOCAB ** LENGTH }, (_, s) =>
  Array.from({ length: LENGTH }, (_, t) => Math.floor(s / VOCAB ** (LENGTH - 1 - t)) % VOCAB),
); // 27 sequences of length 3

interface TinyLm {
  embedding: Matrix; // (4 × d): rows 0…2 tokens, row 3 BOS
  wQ: Matrix;
  wK: Matrix;
  wV: Matrix; // (d × d)
  wHead: Matrix; // (d × 3)
}

const tinyLm = (seed: number): TinyLm => {
  const rng = seededRng(seed);
  return {
    embedding: randomMatrix(rng, VOCAB + 1, D),
    wQ: R.glorotUniform(D, D, rng),
    wK: R.glorotUniform(D, D, rng),
    wV: R.glorotUniform(D, D, rng),
    wHead: R.glorotUniform(D, VOCAB, rng),
  };
};

/** Reference forward pass: input token ids (n) → next-token distributions (n × 3). */
const referenceLm = (m: TinyLm, input: number[]): Matrix => {
  const x = R.add(input.map((tok) => m.embedding[tok]), R.sinusoidalEncoding(input.length, D)); // embedding lookup + PE, (n × d)
  const h = R.scaledDotProductAttention(R.matMul(x, m.wQ), R.matMul(x, m.wK), R.matMul(x, m.wV), { mask: 'causal' }); // (n × d)
  return R.softmax(R.matMul(h, m.wHead)); // (n × d)(d × 3) → (n × 3)
};

/** tfjs forward pass for a batch of inputs of equal length: (B × n) → (B × n × 3). */
const tfjsLm = (m: TinyLm, inputs: number[][]): number[][][] =>
  tf.tidy(() => {
    const [B, n] = [inputs.length, inputs[0].length];
    const table = tf.tensor2d(m.embedding);
    const tokens = tf.reshape(tf.gather(table, tf.tensor1d(inputs.flat(), 'int32')), [B, n, D]); // embedding lookup, (B × n × d)
    const x = tf.add(tokens, T.sinusoidalEncoding(n, D)); // + PE (n × d), broadcast over the batch
    const flat = tf.reshape(x, [B * n, D]); // (B·n × d)
    const proj = (w: Matrix) => tf.reshape(tf.matMul(flat, tf.tensor2d(w)), [B, n, D]); // (B·n × d)(d × d) → (B × n × d)
    const h = T.scaledDotProductAttention(proj(m.wQ), proj(m.wK), proj(m.wV), { mask: 'causal' }); // (B × n × d)
    const logits = tf.reshape(tf.matMul(tf.reshape(h, [B * n, D]), tf.tensor2d(m.wHead)), [B, n, VOCAB]); // (B × n × 3)
    return T.softmax(logits).arraySync() as number[][][];
  });

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('one causal forward pass gives every conditional of the autoregressive factorisation', () => {
  it('[interview.masks.autoregressive-factorisation] reference: Σ over all 3³ sequences of Π_t P(x_t | x_<t) from one pass is 1, and each conditional equals the prefix-only pass', () => {
    checkProperty<[Value<typeof seedArb>]>('reference tiny LM factorises', seedArb, (seed) => {
      const m = tinyLm(seed);
      let total = 0;
      for (const seq of ALL_SEQUENCES) {
        const input = [BOS, ...seq.slice(0, -1)]; // [BOS, x_1, x_2]
        const p = referenceLm(m, input); // (3 × 3), ONE full pass
        total += seq.reduce((prod, tok, t) => prod * p[t][tok], 1); // Π_t P(x_t | x_<t)
        for (let t = 0; t < LENGTH - 1; t++) {
          // (t = LENGTH − 1 would be the full pass itself)
          const alone = referenceLm(m, input.slice(0, t + 1)); // the prefix x_<t+1 only
          const c = compareNested(alone[t], p[t], EXACT.reference); // same arithmetic up to masked (+0) terms
          expect(c.ok, `prefix ${input.slice(0, t + 1)}: ${c.message}`).toBe(true);
        }
      }
      expect(compareNested(total, 1, EXACT.reference).ok, `Σ P = ${total}`).toBe(true); // 27 products of 3 probabilities
    });
  });

  it(`[interview.masks.autoregressive-factorisation] tfjs (${backendReport.choice}): the same, with all 27 sequences in one batched pass`, () => {
    checkProperty<[Value<typeof seedArb>]>(
      'tfjs tiny LM factorises',
      seedArb,
      (seed) => {
        const m = tinyLm(seed);
        const inputs = ALL_SEQUENCES.map((seq) => [BOS, ...seq.slice(0, -1)]); // (27 × 3)
        const full = tfjsLm(m, inputs); // (27 × 3 × 3)
        const total = ALL_SEQUENCES.reduce((sum, seq, s) => sum + seq.reduce((prod, tok, t) => prod * full[s][t][tok], 1), 0);
        // 27 float32 products of 3 probabilities, summed: ~27 · 3 roundings of 6e-8
        expect(compareNested(total, 1, EXACT.tfjs).ok, `Σ P = ${total}`).toBe(true);
        for (let t = 0; t < LENGTH - 1; t++) {
          // (t = LENGTH − 1 would be the full pass itself)
          const alone = tfjsLm(m, inputs.map((inp) => inp.slice(0, t + 1))); // (27 × (t+1) × 3)
          const c = compareNested(alone.map((p) => p[t]), full.map((p) => p[t]), EXACT.tfjs); // float32, same ops on fewer keys
          expect(c.ok, `prefix length ${t + 1}: ${c.message}`).toBe(true);
        }
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------

interface CrossCase {
  xDec: Matrix;
  xEnc: Matrix;
  otherRow: number[];
  row: number;
  params: R.MultiHeadParams<number>;
  nHeads: number;
  dOut: number;
}

const crossCase: fc.Arbitrary<CrossCase> = fc
  .record({
    nDec: fc.integer({ min: 1, max: 8 }),
    nEnc: fc.integer({ min: 1, max: 8 }),
    dModel: fc.integer({ min: 1, max: 8 }),
    nHeads: fc.integer({ min: 1, max: 3 }),
    dK: fc.integer({ min: 1, max: 4 }),
    dOut: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ nDec, nEnc, dModel, nHeads, dK, dOut }) =>
    fc.record({
      xDec: matrixOf(nDec, dModel),
      xEnc: matrixOf(nEnc, dModel),
      otherRow: matrixOf(1, dModel).map((m) => m[0]),
      row: fc.integer({ min: 0, max: nDec - 1 }),
      params: mhaParamsOf(dModel, nHeads * dK, dOut),
      nHeads: fc.constant(nHeads),
      dOut: fc.constant(dOut),
    }),
  );

describe('cross-attention: queries from the decoder, keys and values from the encoder', () => {
  it('[notes.masks.cross-attention-shapes] reference: weights n_dec × n_enc per head, output n_dec × d_out; each decoder row depends only on itself and the encoder', () => {
    checkProperty<[Value<typeof crossCase>]>('reference cross-attention shapes and row independence', crossCase, (c) => {
      const [nDec, nEnc] = [c.xDec.length, c.xEnc.length];
      const r = R.multiHeadAttention(c.xDec, c.xEnc, c.params, { nHeads: c.nHeads });
      expect(r.weights.length).toBe(c.nHeads);
      r.weights.forEach((w) => expect(shapeOf(w)).toEqual([nDec, nEnc]));
      expect(shapeOf(r.output)).toEqual([nDec, c.dOut]);

      // Replace decoder row `row`: every other output row is unchanged, bit for bit.
      const changed = c.xDec.map((x, i) => (i === c.row ? c.otherRow : x));
      const r2 = R.multiHeadAttention(changed, c.xEnc, c.params, { nHeads: c.nHeads });
      const others = (m: Matrix) => m.filter((_, i) => i !== c.row);
      expect(sameNumbers(others(r2.output), others(r.output))).toBe(true);
      // Row `row` is what that decoder row alone computes against the encoder states.
      const alone = R.multiHeadAttention([c.xDec[c.row]], c.xEnc, c.params, { nHeads: c.nHeads }).output; // (1 × d_out)
      const cmp = compareNested(alone[0], r.output[c.row], EXACT.reference); // same arithmetic
      expect(cmp.ok, cmp.message).toBe(true);
    });
  });

  it(`[notes.masks.cross-attention-shapes] tfjs (${backendReport.choice}): weights [H, n_dec, n_enc], output [n_dec, d_out]; rows independent`, () => {
    checkProperty<[Value<typeof crossCase>]>('tfjs cross-attention shapes and row independence', crossCase, (c) => {
      const [nDec, nEnc] = [c.xDec.length, c.xEnc.length];
      const changed = c.xDec.map((x, i) => (i === c.row ? c.otherRow : x));
      const { shapes, out, out2, alone } = tf.tidy(() => {
        const p = tfParams(c.params);
        const enc = tf.tensor2d(c.xEnc);
        const r = T.multiHeadAttention(tf.tensor2d(c.xDec), enc, p, { nHeads: c.nHeads });
        const r2 = T.multiHeadAttention(tf.tensor2d(changed), enc, p, { nHeads: c.nHeads });
        const one = T.multiHeadAttention(tf.tensor2d([c.xDec[c.row]]), enc, p, { nHeads: c.nHeads });
        return {
          shapes: { weights: r.weights.shape, output: r.output.shape },
          out: r.output.arraySync() as Matrix,
          out2: r2.output.arraySync() as Matrix,
          alone: one.output.arraySync() as Matrix,
        };
      });
      expect(shapes.weights).toEqual([c.nHeads, nDec, nEnc]);
      expect(shapes.output).toEqual([nDec, c.dOut]);
      const others = (m: Matrix) => m.filter((_, i) => i !== c.row);
      const cmpOthers = compareNested(others(out2), others(out), EXACT.tfjs); // tfjs vs itself: float32 rounding at most
      expect(cmpOthers.ok, cmpOthers.message).toBe(true);
      const cmpAlone = compareNested(alone[0], out[c.row], EXACT.tfjs); // (d_out): the same float32 ops on one query row
      expect(cmpAlone.ok, cmpAlone.message).toBe(true);
    });
  });
});
