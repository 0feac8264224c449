/**
 * Tiled attention with an online softmax (FlashAttention's algorithm), as properties:
 *
 *   tiled(Q, K, V; B_q, B_k, mask) = softmax(Q Kᵀ/√d_k + mask) V     for every shape, block size and mask
 *   m_i = max_j s_ij,  ℓ_i = Σ_j e^{s_ij − m_i}                        (the row statistics it returns)
 *   a row with no allowed key → output 0, m = −∞, ℓ = 0               (the project's convention)
 *   ∂/∂(Q, K, V) by recomputation = autodiff of standard attention    (tfjs)
 *   working memory O(n·d + B_q·B_k), never n_q × n_k                  (allocation counter; tf.profile)
 *
 * Shapes: Q (n_q × d_k), K (n_k × d_k), V (n_k × d_v); n_q ≤ 16, n_k ≤ 20, d_k ≤ 32, d_v ≤ 16,
 * |x| ≤ 4 (scores up to |90|), block sizes 1 … n + 2 (dividing n or not). Tolerances:
 * TILED_VS_STANDARD (src/core/tolerance.ts); tfjs vs the reference: TFJS_VS_REFERENCE.attention.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareNested, TFJS_VS_REFERENCE, TILED_VS_STANDARD, type Tolerance } from '../../src/core/tolerance.js';
import { ArgumentError } from '../../src/core/errors.js';
import * as HP from '../../src/reference/high-precision.js';
import { bignumber } from '../../src/reference/field.js';
import { scaledDotProductAttention as refAttention } from '../../src/reference/scaled-dot-product-attention.js';
import { slidingWindowMask } from '../../src/reference/sliding-window-attention.js';
import { tiledAttention as refTiled, tiledAttentionWith, Workspace, type TiledMask } from '../../src/reference/tiled-attention.js';
import '../../src/tfjs/index.js';
import { scaledDotProductAttention as tfAttention } from '../../src/tfjs/scaled-dot-product-attention.js';
import { tiledAttention as tfTiled } from '../../src/tfjs/tiled-attention.js';
import { type Matrix, type Value, matrixOf } from '../_helpers/arbitraries.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

type Nested = number | Nested[];
const expectClose = (actual: Nested, expected: Nested, t: Pick<Tolerance, 'atol' | 'rtol'>, what: string) => {
  const c = compareNested(actual, expected, t);
  expect(c.ok, `${what}: ${c.message}`).toBe(true);
};

type MaskKind = 'none' | 'causal' | 'window' | 'boolean';

interface Case {
  q: Matrix;
  k: Matrix;
  v: Matrix;
  blockQ: number;
  blockK: number;
  kind: MaskKind;
  window: number;
  bool: boolean[][];
}

/** Random shapes, block sizes 1 … n + 2, and one of four masks (random booleans may empty a row). */
const caseOf = (maxQ: number, maxK: number, maxDk: number, maxDv: number): fc.Arbitrary<Case> =>
  fc
    .record({
      nQ: fc.integer({ min: 1, max: maxQ }),
      extraK: fc.integer({ min: 0, max: maxK - maxQ }),
      dK: fc.integer({ min: 1, max: maxDk }),
      dV: fc.integer({ min: 1, max: maxDv }),
      kind: fc.constantFrom<MaskKind>('none', 'causal', 'window', 'boolean'),
    })
    .chain(({ nQ, extraK, dK, dV, kind }) => {
      const nK = nQ + extraK; // n_k ≥ n_q, so causal and window masks apply too
      return fc.record({
        q: matrixOf(nQ, dK),
        k: matrixOf(nK, dK),
        v: matrixOf(nK, dV),
        blockQ: fc.integer({ min: 1, max: nQ + 2 }),
        blockK: fc.integer({ min: 1, max: nK + 2 }),
        kind: fc.constant(kind),
        window: fc.integer({ min: 1, max: nK + 2 }),
        bool: fc.array(fc.array(fc.boolean(), { minLength: nK, maxLength: nK }), { minLength: nQ, maxLength: nQ }),
      });
    });

/** The case's mask for the tiled pass, and the same mask as standard attention takes it. */
function masks(c: Case): { tiled: TiledMask; standard: 'causal' | boolean[][] | null } {
  if (c.kind === 'none') return { tiled: null, standard: null };
  if (c.kind === 'causal') return { tiled: 'causal', standard: 'causal' };
  if (c.kind === 'window') return { tiled: { window: c.window }, standard: slidingWindowMask(c.q.length, c.k.length, c.window) };
  return { tiled: c.bool, standard: c.bool };
}

/** m and ℓ from the standard pass's masked scores: what the tiled pass must return. */
function rowStatistics(masked: Matrix): { m: number[]; l: number[] } {
  const m = masked.map((row) => Math.max(...row));
  const l = masked.map((row, i) => (Number.isFinite(m[i]) ? row.reduce((s, x) => s + Math.exp(x - m[i]), 0) : 0));
  return { m, l };
}

const smallCases = caseOf(16, 20, 32, 16);

// ---------------------------------------------------------------------------------------------

describe('tiled attention equals standard attention', () => {
  it('[notes.efficient-attention.tiling-exact] reference-f64: any shapes, block sizes and masks, within TILED_VS_STANDARD.reference; m and ℓ are the row max and row sum', () => {
    checkProperty<[Value<typeof smallCases>]>('reference tiled = reference standard', smallCases, (c) => {
      const m = masks(c);
      const standard = refAttention(c.q, c.k, c.v, { mask: m.standard, steps: true }); // (n_q × d_v)
      const tiled = refTiled(c.q, c.k, c.v, { mask: m.tiled, blockQ: c.blockQ, blockK: c.blockK });
      expectClose(tiled.output, standard.output, TILED_VS_STANDARD.reference, 'output (n_q × d_v)');
      const stats = rowStatistics(standard.masked);
      expect(tiled.rowMax).toEqual(stats.m); // the max of the same float64 numbers: exact, −∞ for an empty row
      expectClose(tiled.rowSum, stats.l, TILED_VS_STANDARD.reference, 'ℓ (n_q)');
    });
  });

  it(`[notes.efficient-attention.tiling-exact] tfjs (${backendReport.choice}): within TILED_VS_STANDARD.tfjs of tfjs standard attention, m and ℓ within TFJS_VS_REFERENCE.attention of the reference, no tensor leaked`, () => {
    checkProperty<[Value<typeof smallCases>]>('tfjs tiled = tfjs standard', smallCases, (c) => {
      const m = masks(c);
      const before = tf.memory().numTensors;
      const [tiled, standard] = tf.tidy(() => {
        const [q, k, v] = [tf.tensor2d(c.q), tf.tensor2d(c.k), tf.tensor2d(c.v)];
        const t = tfTiled(q, k, v, { mask: m.tiled, blockQ: c.blockQ, blockK: c.blockK });
        const s = tfAttention(q, k, v, { mask: m.standard });
        return [
          { output: t.output.arraySync() as Matrix, rowMax: t.rowMax.arraySync() as number[], rowSum: t.rowSum.arraySync() as number[] },
          s.arraySync() as Matrix,
        ];
      });
      expect(tf.memory().numTensors).toBe(before);
      expectClose(tiled.output, standard, TILED_VS_STANDARD.tfjs, 'output (n_q × d_v)');
      const reference = refTiled(c.q, c.k, c.v, { mask: m.tiled, blockQ: c.blockQ, blockK: c.blockK });
      expectClose(tiled.rowMax, reference.rowMax, TFJS_VS_REFERENCE.attention, 'm (n_q)'); // float32 scores; −∞ only matches −∞
      expectClose(tiled.rowSum, reference.rowSum, TFJS_VS_REFERENCE.attention, 'ℓ (n_q)');
    });
  });

  it('[notes.efficient-attention.tiling-exact] bignumber-64: the same code over 64-digit BigNumbers agrees with the oracle standard attention within 1e-50', () => {
    const tiny = caseOf(4, 5, 3, 2);
    checkProperty<[Value<typeof tiny>]>(
      'high-precision tiled = high-precision standard',
      tiny,
      (c) => {
        const m = masks(c);
        const [q, k, v] = [HP.toBig(c.q), HP.toBig(c.k), HP.toBig(c.v)];
        const standard = HP.toNumbers(HP.scaledDotProductAttention(q, k, v, { mask: m.standard }));
        const tiled = tiledAttentionWith(bignumber, q, k, v, { mask: m.tiled, blockQ: c.blockQ, blockK: c.blockK });
        // compare the BigNumbers themselves, not their float64 images
        const exact = HP.scaledDotProductAttention(q, k, v, { mask: m.standard });
        const gap = Math.max(0, ...tiled.output.flatMap((row, i) => row.map((x, j) => x.minus(exact[i][j]).abs().toNumber())));
        expect(gap).toBeLessThanOrEqual(TILED_VS_STANDARD.highPrecision.atol);
        expect(standard.length).toBe(c.q.length);
      },
      { numRuns: 20 }, // 64-digit exp is ~0.1 ms per call: 20 runs keep this near a second
    );
  });

  it(`tfjs (${backendReport.choice}): batched (B × H × n × d) input with a broadcast boolean tensor mask equals tfjs standard attention`, () => {
    const args = fc
      .record({ n: fc.integer({ min: 1, max: 9 }), d: fc.integer({ min: 1, max: 8 }), b: fc.integer({ min: 1, max: 5 }) })
      .chain(({ n, d, b }) =>
        fc.record({
          x: fc.array(matrixOf(n, d), { minLength: 18, maxLength: 18 }), // 2 × 3 heads of Q, K, V
          mask: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
          block: fc.constant(b),
        }),
      );
    checkProperty<[Value<typeof args>]>('batched tiled = batched standard', args, ({ x, mask, block }) => {
      const [tiled, standard] = tf.tidy(() => {
        const [n, d] = [x[0].length, x[0][0].length];
        const t = (i: number) => tf.reshape(tf.tensor3d(x.slice(i * 6, i * 6 + 6)), [2, 3, n, d]); // (B × H × n × d)
        const m = tf.tensor3d([mask.map((r) => r.map(Number))], [1, n, n], 'int32').cast('bool'); // (1 × n × n), broadcast over B and H
        const [q, k, v] = [t(0), t(1), t(2)];
        return [tfTiled(q, k, v, { mask: m, blockQ: block, blockK: block }).output.arraySync() as Nested, tfAttention(q, k, v, { mask: m }).arraySync() as Nested];
      });
      expectClose(tiled, standard, TILED_VS_STANDARD.tfjs, 'output (2 × 3 × n × d)');
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('a fully masked row: output 0, m = −∞, ℓ = 0, no NaN (reference and tfjs)', () => {
  const q = [
    [1, 2],
    [0.5, -1],
    [3, 0],
  ]; // (3 × 2)
  const mask = [
    [true, false, true, false],
    [false, false, false, false], // row 1 may attend nothing
    [true, true, true, true],
  ]; // (3 × 4)
  const kv = [
    [1, 0],
    [0, 1],
    [1, 1],
    [-1, 2],
  ]; // (4 × 2)

  it('reference-f64: row 1 is exactly 0 with m = −∞ and ℓ = 0; the other rows equal standard attention', () => {
    const t = refTiled(q, kv, kv, { mask, blockQ: 2, blockK: 3 });
    expect(t.output[1]).toEqual([0, 0]);
    expect(t.rowMax[1]).toBe(-Infinity);
    expect(t.rowSum[1]).toBe(0);
    expectClose(t.output, refAttention(q, kv, kv, { mask }), TILED_VS_STANDARD.reference, 'output (3 × 2)'); // standard gives zeros there too
  });

  it(`tfjs (${backendReport.choice}): the same, and the gradient with respect to row 1 of Q is exactly 0 (finite)`, () => {
    const [out, m, l, dq] = tf.tidy(() => {
      const [qt, kt] = [tf.tensor2d(q), tf.tensor2d(kv)];
      const t = tfTiled(qt, kt, kt, { mask, blockQ: 2, blockK: 3 });
      const g = tf.grad((a: tf.Tensor) => tf.sum(tfTiled(a, kt, kt, { mask, blockQ: 2, blockK: 3 }).output) as tf.Scalar)(qt);
      return [t.output.arraySync() as Matrix, t.rowMax.arraySync() as number[], t.rowSum.arraySync() as number[], g.arraySync() as Matrix];
    });
    expect(out[1]).toEqual([0, 0]);
    expect(m[1]).toBe(-Infinity);
    expect(l[1]).toBe(0);
    expect(dq[1]).toEqual([0, 0]);
    expect(dq.flat().every(Number.isFinite)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('backward pass by recomputation (tfjs)', () => {
  it(`[notes.efficient-attention.recompute-backward] tfjs (${backendReport.choice}): ∂/∂Q, ∂/∂K, ∂/∂V of Σ(output ⊙ G) equal autodiff of standard attention within TILED_VS_STANDARD.tfjsGradient`, () => {
    const args = smallCases.chain((c) => fc.record({ c: fc.constant(c), g: matrixOf(c.q.length, c.v[0].length) }));
    checkProperty<[Value<typeof args>]>(
      'tiled gradients = standard gradients',
      args,
      ({ c, g }) => {
        const m = masks(c);
        const before = tf.memory().numTensors;
        const [tiled, standard] = tf.tidy(() => {
          const [q, k, v, gt] = [tf.tensor2d(c.q), tf.tensor2d(c.k), tf.tensor2d(c.v), tf.tensor2d(g)];
          const loss = (f: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor, cc: tf.Tensor) => tf.sum(tf.mul(f(a, b, cc), gt)) as tf.Scalar;
          const gTiled = tf.grads(loss((a, b, cc) => tfTiled(a, b, cc, { mask: m.tiled, blockQ: c.blockQ, blockK: c.blockK }).output))([q, k, v]);
          const gStandard = tf.grads(loss((a, b, cc) => tfAttention(a, b, cc, { mask: m.standard })))([q, k, v]);
          return [gTiled.map((t) => t.arraySync() as Matrix), gStandard.map((t) => t.arraySync() as Matrix)];
        });
        expect(tf.memory().numTensors).toBe(before);
        ['∂Q (n_q × d_k)', '∂K (n_k × d_k)', '∂V (n_k × d_v)'].forEach((what, i) => expectClose(tiled[i], standard[i], TILED_VS_STANDARD.tfjsGradient, what));
      },
      { numRuns: 50 }, // two backward passes per run; 50 runs still draw every mask kind ~12 times
    );
  });

  it('a gradient arriving at rowMax or rowSum is refused with an error that names them', () => {
    const [q, k] = [tf.tensor2d([[1, 2]]), tf.tensor2d([[0, 1]])];
    expect(() => tf.grad((a: tf.Tensor) => tf.sum(tfTiled(a, k, k).rowMax) as tf.Scalar)(q)).toThrow(ArgumentError);
    expect(() => tf.grad((a: tf.Tensor) => tf.sum(tfTiled(a, k, k).rowSum) as tf.Scalar)(q)).toThrow(/rowMax and rowSum are statistics without a gradient/);
    tf.dispose([q, k]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('working memory never holds an n_q × n_k matrix', () => {
  it('[notes.efficient-attention.no-quadratic-memory] reference-f64: the largest allocation is max(n_q·d_v, B_q·B_k), and the peak is the output plus one block’s tile, accumulator and statistics', () => {
    checkProperty<[Value<typeof smallCases>]>('reference tiled allocations', smallCases, (c) => {
      const [nQ, dV] = [c.q.length, c.v[0].length];
      const [bq, bk] = [Math.min(c.blockQ, nQ), Math.min(c.blockK, c.k.length)];
      const ws = new Workspace();
      refTiled(c.q, c.k, c.v, { mask: masks(c).tiled, blockQ: c.blockQ, blockK: c.blockK, workspace: ws });
      expect(ws.largest).toBeLessThanOrEqual(Math.max(nQ * dV, bq * bk, nQ));
      expect(ws.peakLive).toBeLessThanOrEqual(nQ * dV + 2 * nQ + bq * dV + 2 * bq + bq * bk); // output, m, ℓ + one query block's o, m, ℓ + one tile
      expect(ws.live).toBe(nQ * dV + 2 * nQ); // only the results remain
    });
  });

  it(`[notes.efficient-attention.no-quadratic-memory] tfjs (${backendReport.choice}): at n = 1024, d = 16, blocks 128, no kernel of the forward or the backward pass outputs more than 128 × 128 or n × (d + 2) values; standard attention outputs n × n`, async () => {
    const n = 1024;
    const d = 16;
    const [q, k, v] = [1, 2, 3].map((s) => tf.randomNormal([n, d], 0, 1, 'float32', s));
    const largest = async (f: () => void) => {
      const p = await tf.profile(f);
      return Math.max(...p.kernels.flatMap((kk) => kk.outputShapes.map((s) => (s ?? []).reduce((a, b) => a * b, 1))));
    };
    const tiledForward = await largest(() => {
      const r = tfTiled(q, k, v, { mask: 'causal', blockQ: 128, blockK: 128 });
      tf.dispose([r.output, r.rowMax, r.rowSum]);
    });
    const tiledBackward = await largest(() => tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tfTiled(a, b, c, { mask: 'causal', blockQ: 128, blockK: 128 }).output) as tf.Scalar)([q, k, v])));
    const standard = await largest(() => {
      const r = tfAttention(q, k, v, { mask: 'causal', steps: true });
      tf.dispose([r.scores, r.scaled, r.masked, r.weights, r.output]);
    });
    tf.dispose([q, k, v]);
    expect(tiledForward).toBeLessThanOrEqual(Math.max(128 * 128, n * (d + 2))); // one tile, or the packed [O | m | ℓ] (n × (d + 2))
    expect(tiledBackward).toBeLessThanOrEqual(Math.max(128 * 128, n * (d + 2)));
    expect(standard).toBe(n * n);
  });
});
