/**
 * Attention invariants, as properties over random inputs (fast-check via checkProperty) and one
 * seeded statistical spec:
 *
 *   softmax(x)_j = exp(x_j − m) / Σ_k exp(x_k − m)            rows are distributions, shift-invariant
 *   Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V                 Var(q·k) = d_k,  Var(q·k/√d_k) = 1
 *   MHA(P X) = P · MHA(X)                                       permutation equivariance (no PE)
 *   ∂L/∂W_Q ≠ ∂L/∂W_K ≠ ∂L/∂W_V  even when W_Q = W_K = W_V      roles break the symmetry
 *
 * Shapes: X (n × d_model), W_Q/W_K/W_V (d_model × d_attn), W_O (d_attn × d_out), P (n × n).
 * Inputs stay within the ranges of the tolerance policy: |x| ≤ 4, n ≤ 12, d ≤ 32.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { randomMatrix, seededRng, type Rng } from '../../src/core/random.js';
import { compareNested, EXACT, FINITE_DIFFERENCE, TFJS_VS_REFERENCE, isClose } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { type Matrix, type Value, matrixOf, mhaParamsOf } from '../_helpers/arbitraries.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';


// ---------------------------------------------------------------------------------------------
// Arbitraries and small helpers

const logits = fc
  .record({ rows: fc.integer({ min: 1, max: 12 }), cols: fc.integer({ min: 1, max: 12 }) })
  .chain(({ rows, cols }) => matrixOf(rows, cols));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const permutationOf = (n: number): fc.Arbitrary<number[]> => fc.shuffledSubarray(range(n), { minLength: n, maxLength: n });
/** Rows of m reordered by perm: (P m)_i = m_{perm[i]}. */
const permuteRows = (m: Matrix, perm: number[]): Matrix => perm.map((i) => m[i]);
const rowSums = (m: Matrix): number[] => m.map((row) => row.reduce((s, x) => s + x, 0));

/** Runs a tfjs computation and returns plain arrays; every tensor made inside is disposed. */
const tfArrays = <Out extends tf.TensorContainer>(f: () => Out): Out => tf.tidy(f);

interface MhaCase {
  x: Matrix;
  params: R.MultiHeadParams<number>;
  nHeads: number;
  perm: number[];
}

const mhaCase: fc.Arbitrary<MhaCase> = fc
  .record({
    n: fc.integer({ min: 1, max: 8 }),
    dModel: fc.integer({ min: 1, max: 8 }),
    nHeads: fc.integer({ min: 1, max: 3 }),
    dK: fc.integer({ min: 1, max: 4 }),
    dOut: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ n, dModel, nHeads, dK, dOut }) => {
    const dAttn = nHeads * dK;
    return fc.record({
      x: matrixOf(n, dModel),
      params: mhaParamsOf(dModel, dAttn, dOut),
      nHeads: fc.constant(nHeads),
      perm: permutationOf(n),
    });
  });

const tfParams = (p: R.MultiHeadParams<number>) => ({ wQ: tf.tensor2d(p.wQ), wK: tf.tensor2d(p.wK), wV: tf.tensor2d(p.wV), wO: tf.tensor2d(p.wO) });

// ---------------------------------------------------------------------------------------------

describe('softmax rows are probability distributions', () => {
  it('[course.attention.softmax-rows-are-distributions] reference: every row is ≥ 0 and sums to 1', () => {
    checkProperty<[Value<typeof logits>]>('reference softmax rows are distributions', logits, (x) => {
      const w = R.softmax(x); // (rows × cols)
      expect(w.flat().every((p) => p >= 0 && p <= 1)).toBe(true);
      // a sum of ≤ 12 O(1) terms: a short float64 chain
      const c = compareNested(rowSums(w), rowSums(w).map(() => 1), EXACT.reference);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it(`[course.attention.softmax-rows-are-distributions] tfjs (${backendReport.choice}): every row is ≥ 0 and sums to 1`, () => {
    checkProperty<[Value<typeof logits>]>('tfjs softmax rows are distributions', logits, (x) => {
      const w = tfArrays(() => T.softmax(tf.tensor2d(x)).arraySync() as Matrix); // (rows × cols)
      expect(w.flat().every((p) => p >= 0 && p <= 1)).toBe(true);
      // float32 exp + sum of ≤ 12 terms + division
      const c = compareNested(rowSums(w), rowSums(w).map(() => 1), EXACT.tfjs);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('[course.attention.softmax-rows-are-distributions] softmax(x + c) = softmax(x) for any constant c added to a row (reference and tfjs)', () => {
    const shift = fc.double({ min: -10, max: 10, noNaN: true });
    checkProperty<[Value<typeof logits>, Value<typeof shift>]>('softmax is shift-invariant', logits, shift, (x, c) => {
      const shifted = x.map((row) => row.map((v) => v + c)); // formed in float64, so only the float32 cast differs
      const ref = R.softmax(x); // (rows × cols)
      const cRef = compareNested(R.softmax(shifted), ref, EXACT.reference); // |x + c| ≤ 14: float64 rounding ~1e-15
      expect(cRef.ok, cRef.message).toBe(true);
      const tfShifted = tfArrays(() => T.softmax(tf.tensor2d(shifted)).arraySync() as Matrix);
      // the float32 cast of x + c moves each logit by ≤ 14·6e-8 ≈ 1e-6 relative: the softmax bound
      const cTf = compareNested(tfShifted, ref, TFJS_VS_REFERENCE.softmax);
      expect(cTf.ok, cTf.message).toBe(true);
    });
  });

  it('[course.attention.softmax-rows-are-distributions] attention weights are distributions, with and without a causal mask', () => {
    const qkv = fc
      .record({ n: fc.integer({ min: 1, max: 12 }), dK: fc.integer({ min: 1, max: 32 }), dV: fc.integer({ min: 1, max: 8 }) })
      .chain(({ n, dK, dV }) => fc.tuple(matrixOf(n, dK), matrixOf(n, dK), matrixOf(n, dV)));
    checkProperty<[Value<typeof qkv>, boolean]>('attention weights rows are distributions', qkv, fc.boolean(), ([q, k, v], causal) => {
      const { weights } = R.scaledDotProductAttention(q, k, v, { mask: causal ? 'causal' : null, steps: true }); // (n × n)
      expect(weights.flat().every((p) => p >= 0)).toBe(true);
      const c = compareNested(rowSums(weights), rowSums(weights).map(() => 1), EXACT.reference); // ≤ 12 terms
      expect(c.ok, c.message).toBe(true);
      if (causal) expect(weights.every((row, i) => row.every((p, j) => j <= i || p === 0))).toBe(true);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('why the scores are divided by √d_k', () => {
  /*
   * Statistical spec, seeded (mulberry32, src/core/random.ts).
   *
   * For q, k with iid N(0, 1) entries, s = q·k = Σ_i q_i k_i is a sum of d_k independent products
   * with E[q_i k_i] = 0, E[(q_i k_i)²] = 1, E[(q_i k_i)⁴] = 9. Hence Var(s) = d_k and
   * E[s⁴] = 3d_k² + 6d_k. The mean is known (0), so we estimate the variance by v̂ = (1/N) Σ s²,
   * which is unbiased with Var(v̂) = (E[s⁴] − d_k²)/N = (2d_k² + 6d_k)/N, i.e. a relative standard
   * error of √((2 + 6/d_k)/N). By the CLT v̂ is close to normal, and we allow 5 standard errors
   * (two-sided failure probability ≈ 6e-7 per check, so any seed passes, not just this one).
   */
  const N = 10_000;
  const SIGMAS = 5;

  it('[course.attention.scaling-restores-variance] Var(q·k) ≈ d_k grows with d_k, while Var(q·k/√d_k) ≈ 1 for every d_k', () => {
    const rng = seededRng(20_261_123);
    const measured = [4, 16, 64].map((dK) => {
      let sumRaw = 0;
      let sumScaled = 0;
      for (let t = 0; t < N; t++) {
        const q = randomMatrix(rng, 1, dK); // (1 × d_k)
        const k = randomMatrix(rng, 1, dK); // (1 × d_k)
        const { scores, scaled } = R.scaledDotProductAttention(q, k, [[1]], { steps: true }); // (1 × 1) each
        sumRaw += scores[0][0] ** 2;
        sumScaled += scaled[0][0] ** 2;
      }
      const bound = SIGMAS * Math.sqrt((2 + 6 / dK) / N); // relative: 5 standard errors of v̂ / d_k
      return { dK, raw: sumRaw / N, scaled: sumScaled / N, bound };
    });
    for (const { dK, raw, scaled, bound } of measured) {
      expect(Math.abs(raw / dK - 1), `Var(q·k) at d_k = ${dK} is ${raw}`).toBeLessThanOrEqual(bound);
      expect(Math.abs(scaled - 1), `Var(q·k/√d_k) at d_k = ${dK} is ${scaled}`).toBeLessThanOrEqual(bound);
    }
    // Grows with d_k: each step multiplies d_k by 4 while the bands above are at most ±10 %.
    for (let i = 1; i < measured.length; i++) expect(measured[i].raw).toBeGreaterThan(measured[i - 1].raw);
  });

  /*
   * Saturation: one query against n = 8 keys, all entries N(0, 1), M independent trials per d_k.
   * Let W be the largest softmax weight of the row (W ∈ [0, 1]). Its sample mean over M trials has
   * standard error σ_W/√M ≤ 0.5/√M; we compare means with 5 combined standard errors, estimated
   * from the sample (same 6e-7 reasoning as above).
   */
  const M = 1000;
  const KEYS = 8;
  const D_K = [4, 16, 64, 256];
  const identity = range(KEYS).map((i) => range(KEYS).map((j) => (i === j ? 1 : 0))); // V = I: output = weights

  const summary = (xs: number[]) => {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
    return { mean, se: Math.sqrt(variance / xs.length) };
  };
  const apart = (a: { mean: number; se: number }, b: { mean: number; se: number }) => SIGMAS * Math.hypot(a.se, b.se);

  it('[course.attention.scaling-restores-variance] without 1/√d_k the largest softmax weight approaches 1 as d_k grows; with it, it stays put', () => {
    const rng: Rng = seededRng(7);
    const rows = D_K.map((dK) => {
      const unscaledMax: number[] = [];
      const scaledMax: number[] = [];
      for (let t = 0; t < M; t++) {
        const q = randomMatrix(rng, 1, dK); // (1 × d_k)
        const k = randomMatrix(rng, KEYS, dK); // (8 × d_k)
        const steps = R.scaledDotProductAttention(q, k, identity, { steps: true }); // scaled by 1/√d_k
        scaledMax.push(Math.max(...steps.weights[0]));
        unscaledMax.push(Math.max(...R.softmax(steps.scores)[0])); // softmax(q kᵀ): no scaling
      }
      return { dK, unscaled: summary(unscaledMax), scaled: summary(scaledMax) };
    });
    for (let i = 1; i < rows.length; i++) {
      const [prev, cur] = [rows[i - 1], rows[i]];
      // unscaled: strictly higher at every larger d_k, by more than the noise
      expect(cur.unscaled.mean - prev.unscaled.mean, `unscaled d_k ${prev.dK} → ${cur.dK}`).toBeGreaterThan(apart(cur.unscaled, prev.unscaled));
    }
    const [d64, d256] = [rows[rows.length - 2], rows[rows.length - 1]];
    // at d_k = 256 one key takes over 85 % of the weight on average (about 53 % at d_k = 4): saturated
    expect(d256.unscaled.mean - SIGMAS * d256.unscaled.se).toBeGreaterThan(0.85);
    // scaled: q·k/√d_k tends to N(0, 1) whatever d_k, so the mean largest weight settles (64 vs 256
    // agree within the noise) at a value far from 1 for every d_k
    expect(Math.abs(d256.scaled.mean - d64.scaled.mean)).toBeLessThanOrEqual(apart(d256.scaled, d64.scaled));
    for (const r of rows) {
      expect(r.scaled.mean + SIGMAS * r.scaled.se).toBeLessThan(0.5);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('self-attention is permutation-equivariant until positions are added', () => {
  it('[interview.attention.permutation-equivariance] reference: MHA(PX) = P·MHA(X) for every permutation P', () => {
    checkProperty<[Value<typeof mhaCase>]>('reference MHA is permutation-equivariant', mhaCase, ({ x, params, nHeads, perm }) => {
      const out = R.multiHeadAttention(x, x, params, { nHeads }).output; // (n × d_out)
      const px = permuteRows(x, perm); // (n × d_model)
      const outP = R.multiHeadAttention(px, px, params, { nHeads }).output; // (n × d_out)
      // only the order of additions changes: float64 rounding, far below 1e-12
      const c = compareNested(outP, permuteRows(out, perm), EXACT.reference);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it(`[interview.attention.permutation-equivariance] tfjs (${backendReport.choice}): MHA(PX) matches P·MHA(X) of the reference`, () => {
    checkProperty<[Value<typeof mhaCase>]>('tfjs MHA is permutation-equivariant', mhaCase, ({ x, params, nHeads, perm }) => {
      const expected = permuteRows(R.multiHeadAttention(x, x, params, { nHeads }).output, perm); // (n × d_out)
      const px = tf.tensor2d(permuteRows(x, perm));
      const actual = tfArrays(() => T.multiHeadAttention(px, px, tfParams(params), { nHeads }).output.arraySync() as Matrix);
      px.dispose();
      const c = compareNested(actual, expected, TFJS_VS_REFERENCE.multiHeadAttention); // float32 MHA chain
      expect(c.ok, c.message).toBe(true);
    });
  });

  // "I love cats" → "cats love I": token vectors, identity projections, one head.
  const tokens = [
    [1, 0, 1, 0],
    [0, 2, 0, 1],
    [1, 1, 0, 0],
  ]; // (3 × 4)
  const eye4 = range(4).map((i) => range(4).map((j) => (i === j ? 1 : 0)));
  const identityParams = { wQ: eye4, wK: eye4, wV: eye4, wO: eye4 };
  const swap = [2, 1, 0];

  it('[interview.attention.permutation-equivariance] concrete case: reversing 3 tokens reverses the outputs without PE, but not with sinusoidal PE', () => {
    const mha = (x: Matrix) => R.multiHeadAttention(x, x, identityParams, { nHeads: 1 }).output; // (3 × 4)
    const noPe = compareNested(mha(permuteRows(tokens, swap)), permuteRows(mha(tokens), swap), EXACT.reference);
    expect(noPe.ok, noPe.message).toBe(true);

    const pe = R.sinusoidalEncoding(3, 4); // (3 × 4): position p is added to whatever token sits at p
    const withPe = (x: Matrix) => mha(R.add(x, pe));
    const broken = compareNested(withPe(permuteRows(tokens, swap)), permuteRows(withPe(tokens), swap), EXACT.reference); // (3 × 4): float64 sees it
    expect(broken.ok).toBe(false);
    // not a rounding effect: even the loosest float32 bound of the project sees the difference
    expect(compareNested(withPe(permuteRows(tokens, swap)), permuteRows(withPe(tokens), swap), TFJS_VS_REFERENCE.multiHeadAttention).ok).toBe(false);
  });

  it('[interview.attention.permutation-equivariance] with sinusoidal PE, for random inputs with n ≥ 2 some permutation breaks equivariance', () => {
    // Generic inputs (Gaussian tokens, Glorot weights) drawn from a seed: a degenerate draw such
    // as all-zero weights would make every output equal and prove nothing.
    const peCase = fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      n: fc.integer({ min: 2, max: 8 }),
      halfD: fc.integer({ min: 1, max: 8 }),
      nHeads: fc.constantFrom(1, 2),
    });
    checkProperty<[Value<typeof peCase>]>('some permutation breaks equivariance once PE is added', peCase, ({ seed, n, halfD, nHeads }) => {
      const rng = seededRng(seed);
      const d = 2 * halfD;
      const x = randomMatrix(rng, n, d); // (n × d)
      const params = { wQ: R.glorotUniform(d, d, rng), wK: R.glorotUniform(d, d, rng), wV: R.glorotUniform(d, d, rng), wO: R.glorotUniform(d, d, rng) };
      const pe = R.sinusoidalEncoding(n, d); // (n × d)
      const model = (tokensInOrder: Matrix) => {
        const h = R.add(tokensInOrder, pe); // token + position
        return R.multiHeadAttention(h, h, params, { nHeads }).output; // (n × d); d is even, so 1 or 2 heads divide it
      };
      const out = model(x);
      const transpositions = range(n).flatMap((i) => range(n).filter((j) => j > i).map((j) => range(n).map((t) => (t === i ? j : t === j ? i : t))));
      // a transposition whose outputs differ by more than float64 rounding (n × d)
      const breaking = transpositions.find((perm) => !compareNested(model(permuteRows(x, perm)), permuteRows(out, perm), EXACT.reference).ok);
      expect(breaking, 'every transposition left the outputs permuted alike').toBeDefined();
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('W_Q, W_K and W_V get different gradients even from identical initial values', () => {
  const [n, dModel, dAttn, nHeads, dOut] = [3, 4, 4, 2, 3];

  /** L(W_Q, W_K, W_V) = Σ MHA(X, X)_{ij} · R_{ij}, a scalar loss with a fixed random matrix R. */
  const referenceLoss = (x: Matrix, r: Matrix, wO: Matrix) => (wQ: Matrix, wK: Matrix, wV: Matrix) =>
    R.multiHeadAttention(x, x, { wQ, wK, wV, wO }, { nHeads }).output.reduce((s, row, i) => s + row.reduce((t, y, j) => t + y * r[i][j], 0), 0);

  it(`[interview.attention.gradients-differ] tf.grads on tfjs (${backendReport.choice}), checked against finite differences on the reference`, () => {
    checkProperty<[number]>(
      'identical W_Q, W_K, W_V receive different gradients',
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (seed) => {
        const rng = seededRng(seed);
        const x = randomMatrix(rng, n, dModel); // (n × d_model)
        const w = R.glorotUniform(dModel, dAttn, rng); // (d_model × d_attn): W_Q = W_K = W_V = w
        const wO = R.glorotUniform(dAttn, dOut, rng); // (d_attn × d_out)
        const r = randomMatrix(rng, n, dOut); // (n × d_out)

        const [gQ, gK, gV] = tf.tidy(() => {
          const [xT, rT, wOT] = [tf.tensor2d(x), tf.tensor2d(r), tf.tensor2d(wO)];
          const loss = (wQ: tf.Tensor, wK: tf.Tensor, wV: tf.Tensor) =>
            tf.sum(tf.mul(T.multiHeadAttention(xT, xT, { wQ, wK, wV, wO: wOT }, { nHeads }).output, rT));
          const grads = tf.grads(loss)([tf.tensor2d(w), tf.tensor2d(w), tf.tensor2d(w)]);
          return grads.map((g) => g.arraySync() as Matrix);
        });

        // 1. The three gradients differ by more than the float32 gradient tolerance.
        for (const [a, b, label] of [[gQ, gK, 'W_Q vs W_K'], [gQ, gV, 'W_Q vs W_V'], [gK, gV, 'W_K vs W_V']] as const) {
          expect(compareNested(a, b, TFJS_VS_REFERENCE.gradient).ok, `${label} gradients coincide`).toBe(false); // (d_model × d_attn), beyond float32 gradient error
        }

        // 2. Each is the true gradient: central differences of the float64 reference loss.
        const L = referenceLoss(x, r, wO);
        const fd = {
          wQ: R.finiteDifferenceGradient((m) => L(m, w, w), w),
          wK: R.finiteDifferenceGradient((m) => L(w, m, w), w),
          wV: R.finiteDifferenceGradient((m) => L(w, w, m), w),
        };
        for (const [g, e, label] of [[gQ, fd.wQ, 'W_Q'], [gK, fd.wK, 'W_K'], [gV, fd.wV, 'W_V']] as const) {
          const c = compareNested(g, e, FINITE_DIFFERENCE); // float32 tf.grads vs float64 central differences
          expect(c.ok, `${label}: ${c.message}`).toBe(true);
        }
      },
      // Each run does tf.grads through MHA plus 3 × 2 × 16 reference forward passes for the
      // finite differences; 25 runs keep the spec near a second on the cpu backend.
      { numRuns: 25 },
    );
  });

  it('the finite-difference oracle itself reproduces a known gradient: d/dX Σ X² = 2X', () => {
    const x = randomMatrix(seededRng(3), 3, 4);
    const g = R.finiteDifferenceGradient((m) => m.flat().reduce((s, v) => s + v * v, 0), x);
    expect(g.every((row, i) => row.every((v, j) => isClose(v, 2 * x[i][j], FINITE_DIFFERENCE)))).toBe(true);
  });
});
