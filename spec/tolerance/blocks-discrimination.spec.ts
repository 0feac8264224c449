/**
 * Discrimination specs for the block-level tolerances: each bound must ACCEPT the right formula
 * and REJECT a known near-miss, or it proves nothing.
 *
 *   PYTORCH_PARITY.forward      (atol 1e-5, rtol 1e-4)  ours vs the PyTorch fixtures
 *   TFJS_VS_REFERENCE.default   (atol 1e-6, rtol 1e-5)  tfjs float32 vs the float64 reference
 *
 * Near-misses (measured gaps, max |near-miss − truth|):
 *   GELU:       tanh approximation for erf — 4.73e-4 at |x| ≈ 2.70, their largest gap; ≥ 9.7e-5
 *               on 2 ≤ |x| ≤ 3.5 (they cross near |x| ≈ 1.885, peak 2.34e-4 at |x| ≈ 1.36);
 *               gelu-erf fixture: 4.73e-4
 *   LayerNorm:  unbiased variance (÷(C−1)) — 0.148 on fixtures/layers/layer-norm (C = 8:
 *               x̂ shrinks by √(7/8))
 *   LayerNorm:  ε = 0 for ε = 1e-5 — relative gap ≈ ε/(2σ²), so only a low-variance row shows it:
 *               0.0123 at σ = 0.02 (the fixture's rows, σ² = 0.45 … 3.6, show 1.5e-5: inside)
 *   Block:      post-LN for pre-LN on the same weights — 1.41 on fixtures/layers/block
 *   Multi-head: bidirectional for causal — 0.64 on fixtures/layers/causal-multi-head
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import type { Matrix } from '../../src/core/shape.js';
import { compareNested, isClose, PYTORCH_PARITY, TFJS_VS_REFERENCE, type Tolerance } from '../../src/core/tolerance.js';
import { applyActivationWith } from '../../src/reference/activations.js';
import { float64 } from '../../src/reference/field.js';
import { layerNorm, type LayerNormParams } from '../../src/reference/layer-norm.js';
import { block, encoderLayer, multiHeadModule, type BlockParams, type MultiHeadModuleParams } from '../../src/reference/transformer-block.js';
import '../../src/tfjs/index.js';
import * as L from '../../src/tfjs/index.js';
import * as TB from '../../src/tfjs/transformer-block.js';
import { type Value } from '../_helpers/arbitraries.js';
import { loadFixture, nested, referenceParams, tfjsParams } from '../_helpers/fixtures.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

type Nested = number | Nested[];
const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
const accepts = (actual: Nested, expected: Nested, t: Tolerance) => compareNested(flat(actual), flat(expected), t);
const maxGap = (a: Nested, b: Nested) => compareNested(flat(a), flat(b), { atol: 0, rtol: 0 }).maxAbsError;
const tfRun = (f: () => tf.Tensor): Nested => tf.tidy(() => f().arraySync() as Nested);

/** Expect the truth accepted and the near-miss rejected under `t`. */
function discriminates(t: Tolerance, truth: Nested, right: Nested, nearMiss: Nested, what: string): void {
  const ok = accepts(right, truth, t);
  expect(ok.ok, `${what}: the right formula was rejected: ${ok.message}`).toBe(true);
  expect(accepts(nearMiss, truth, t).ok, `${what}: the near-miss was accepted`).toBe(false);
}

// ---------------------------------------------------------------------------------------------

describe(`GELU: erf vs its tanh approximation (tfjs on ${backendReport.choice})`, () => {
  const gelu = (xs: number[]) => applyActivationWith(float64, [xs], 'gelu')[0];
  const geluTanh = (xs: number[]) => applyActivationWith(float64, [xs], 'gelu-tanh')[0];
  const tfGelu = (xs: number[], kind: 'gelu' | 'gelu-tanh') => tfRun(() => L.activation(tf.tensor1d(xs), kind)) as number[];

  it('they differ most near |x| ≈ 2.70 (4.73e-4), by ≥ 9.7e-5 on 2 ≤ |x| ≤ 3.5, and cross near |x| ≈ 1.885', () => {
    const grid = Array.from({ length: 6001 }, (_, i) => i / 1000); // 0 … 6, step 1e-3 (the gap is even: d(−x) = d(x))
    const approx = geluTanh(grid);
    const gap = gelu(grid).map((e, i) => Math.abs(e - approx[i]));
    const worst = gap.indexOf(Math.max(...gap));
    expect(grid[worst]).toBeCloseTo(2.7, 1);
    expect(gap[worst]).toBeGreaterThan(4.7e-4);
    expect(gap[worst]).toBeLessThan(4.75e-4);
    const band = grid.map((x, i) => [x, gap[i]]).filter(([x]) => x >= 2 && x <= 3.5);
    expect(Math.min(...band.map(([, g]) => g))).toBeGreaterThan(9.7e-5);
    expect(gap[1885]).toBeLessThan(1e-6); // the crossing: here no tolerance could tell them apart
  });

  const band = fc.array(
    fc.record({ mag: fc.double({ min: 2, max: 3.5, noNaN: true }), negative: fc.boolean() }).map(({ mag, negative }) => (negative ? -mag : mag)),
    { minLength: 1, maxLength: 16 },
  );

  it('TFJS_VS_REFERENCE.default accepts tfjs erf-GELU and rejects tanh-GELU at every point with 2 ≤ |x| ≤ 3.5', () => {
    checkProperty<[Value<typeof band>]>('default bound rejects tanh-GELU for erf-GELU', band, (xs) => {
      const truth = gelu(xs);
      const right = tfGelu(xs, 'gelu');
      const wrong = tfGelu(xs, 'gelu-tanh');
      expect(accepts(right, truth, TFJS_VS_REFERENCE.default).ok).toBe(true); // float32 erf, two products
      // allowed ≤ 1e-6 + 1e-5·3.5 = 3.6e-5 < 9.7e-5 ≤ gap: each point alone is rejected
      xs.forEach((x, i) => expect(isClose(wrong[i], truth[i], TFJS_VS_REFERENCE.default), `x = ${x}`).toBe(false));
    });
  });

  it('PYTORCH_PARITY.forward rejects tanh-GELU at every point with −3.5 ≤ x ≤ −2; for x > 0 its relative part (1e-4·|y| ≈ 2e-4) hides the gap near x = 2', () => {
    checkProperty<[Value<typeof band>]>('PyTorch forward bound rejects tanh-GELU for x ≤ −2', band, (xs) => {
      const truth = gelu(xs);
      const wrong = geluTanh(xs);
      // for x ≤ −2, |GELU(x)| ≤ 0.0455: allowed ≤ 1e-5 + 4.6e-6 against a gap ≥ 9.7e-5
      xs.forEach((x, i) => {
        if (x < 0) expect(isClose(wrong[i], truth[i], PYTORCH_PARITY.forward), `x = ${x}`).toBe(false);
      });
    });
    // the stated limit: at x = +2, gap 9.8e-5 < 1e-5 + 1e-4·1.954
    expect(isClose(geluTanh([2])[0], gelu([2])[0], PYTORCH_PARITY.forward)).toBe(true);
    expect(isClose(geluTanh([-2])[0], gelu([-2])[0], PYTORCH_PARITY.forward)).toBe(false);
  });

  it('on fixtures/layers/gelu-erf (64 points in −6…6): erf-GELU of both implementations is accepted, tanh-GELU of both rejected (gap 4.73e-4)', () => {
    const f = loadFixture('layers/gelu-erf.safetensors');
    const xs = f.input.get('x')!.values;
    const truth = f.output.get('y')!.values; // PyTorch nn.GELU()
    discriminates(PYTORCH_PARITY.forward, truth, gelu(xs), geluTanh(xs), 'reference');
    discriminates(PYTORCH_PARITY.forward, truth, tfGelu(xs, 'gelu'), tfGelu(xs, 'gelu-tanh'), `tfjs[${backendReport.choice}]`);
    expect(maxGap(geluTanh(xs), truth)).toBeGreaterThan(4.5e-4);
  });
});

// ---------------------------------------------------------------------------------------------

/** LayerNorm with the UNBIASED variance Σ(x − μ)²/(C − 1): torch.var's default, not LayerNorm's. */
function layerNormUnbiased(x: Matrix, p: LayerNormParams<number>, eps = 1e-5): Matrix {
  return x.map((row) => {
    const C = row.length;
    const mean = row.reduce((s, v) => s + v, 0) / C;
    const s2 = row.reduce((s, v) => s + (v - mean) ** 2, 0) / (C - 1); // ÷(C − 1): the near-miss
    return row.map((v, c) => (p.weight[c] * (v - mean)) / Math.sqrt(s2 + eps) + p.bias[c]);
  });
}

function tfLayerNormUnbiased(x: tf.Tensor, p: L.TfLayerNormParams, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const C = x.shape[x.rank - 1]!;
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const s2 = tf.div(tf.sum(tf.square(centred), -1, true), C - 1); // ÷(C − 1)
    return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(s2, eps))), p.weight), p.bias);
  });
}

describe(`LayerNorm: biased vs unbiased variance, ε = 1e-5 vs ε = 0 (tfjs on ${backendReport.choice})`, () => {
  const f = loadFixture('layers/layer-norm.safetensors');
  const x = nested(f.input.get('x')!) as Matrix[]; // (2 × 4 × 8)
  const p = referenceParams(f.param) as unknown as LayerNormParams<number>;
  const truth = f.output.get('y')!.values; // nn.LayerNorm(8), biased variance

  it('on fixtures/layers/layer-norm: the biased variance (PyTorch\'s) is accepted, the unbiased one rejected by PYTORCH_PARITY.forward (gap 0.148), in both implementations', () => {
    discriminates(PYTORCH_PARITY.forward, truth, x.map((s) => layerNorm(s, p)), x.map((s) => layerNormUnbiased(s, p)), 'reference');
    const t = tfjsParams(f.param);
    const tree = t.tree as unknown as L.TfLayerNormParams;
    const xt = tf.tensor3d(x);
    const right = tfRun(() => L.layerNorm(xt, tree));
    const wrong = tfRun(() => tfLayerNormUnbiased(xt, tree));
    tf.dispose([xt, ...t.tensors]);
    discriminates(PYTORCH_PARITY.forward, truth, right, wrong, `tfjs[${backendReport.choice}]`);
    expect(maxGap(wrong, truth)).toBeGreaterThan(0.1);
  });

  const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
  const affine = (rng: ReturnType<typeof seededRng>, C: number): LayerNormParams<number> => ({
    weight: Array.from({ length: C }, () => Math.fround(1 + 0.1 * rng.normal())),
    bias: Array.from({ length: C }, () => Math.fround(0.1 * rng.normal())),
  });

  it('TFJS_VS_REFERENCE.default accepts tfjs LayerNorm and rejects the unbiased variance on random inputs (C = 4 … 32)', () => {
    const args = fc.record({ s: seed, C: fc.integer({ min: 4, max: 32 }) });
    checkProperty<[Value<typeof args>]>('default bound rejects unbiased-variance LayerNorm', args, ({ s, C }) => {
      const rng = seededRng(s);
      const x = randomMatrix(rng, 6, C).map((r) => r.map(Math.fround)); // (6 × C), N(0, 1)
      const p = affine(rng, C);
      const truth = layerNorm(x, p);
      const right = tf.tidy(() => L.layerNorm(tf.tensor2d(x), { weight: tf.tensor1d(p.weight), bias: tf.tensor1d(p.bias) }).arraySync() as Matrix);
      // x̂ shrinks by √((C−1)/C) ≥ √(31/32): a relative gap ≥ 1.6 %, far beyond 1e-5
      discriminates(TFJS_VS_REFERENCE.default, truth, right, layerNormUnbiased(x, p), 'unbiased');
    });
  });

  /*
   * ε = 0 rescales x̂ by √((σ² + ε)/σ²) ≈ 1 + ε/(2σ²). A bound with relative part r only sees it
   * when ε/(2σ²) > r: σ² < 0.5 for TFJS_VS_REFERENCE.default, σ² < 0.05 for PYTORCH_PARITY.forward.
   * So the near-miss is shown on low-variance rows, σ ∈ [0.005, 0.1] (gap ≥ 5e-4 relative), with
   * γ = 1, β = 0 and |μ| ≤ σ so that float32 keeps the spread.
   */
  it('ε = 1e-5 is accepted and ε = 0 rejected by both bounds on low-variance rows (σ = 0.005 … 0.1)', () => {
    const args = fc.record({ s: seed, C: fc.integer({ min: 4, max: 32 }), sigma: fc.double({ min: 0.005, max: 0.1, noNaN: true }), mu: fc.double({ min: -1, max: 1, noNaN: true }) });
    checkProperty<[Value<typeof args>]>('both bounds reject ε = 0 on low-variance rows', args, ({ s, C, sigma, mu }) => {
      const x = randomMatrix(seededRng(s), 4, C).map((z) => {
        const m = z.reduce((a, v) => a + v, 0) / C;
        const sd = Math.sqrt(z.reduce((a, v) => a + (v - m) ** 2, 0) / C) || 1;
        return z.map((v) => Math.fround(mu * sigma + (sigma * (v - m)) / sd)); // standard deviation σ exactly, mean μσ
      });
      const truth = layerNorm(x, null, 1e-5);
      const t = tf.tensor2d(x);
      const right = tfRun(() => L.layerNorm(t, null, 1e-5));
      const noEps = tfRun(() => L.layerNorm(t, null, 0));
      t.dispose();
      discriminates(TFJS_VS_REFERENCE.default, truth, right, noEps, `tfjs[${backendReport.choice}] ε = 0`);
      expect(accepts(layerNorm(x, null, 0), truth, PYTORCH_PARITY.forward).ok, 'PYTORCH_PARITY.forward accepted ε = 0').toBe(false);
    });
    // the measured gap at σ = 0.02: ε/(2σ²) = 1.25 % of |x̂| ≤ 1.6
    const rows = [[-0.02, 0.02, -0.02, 0.02]]; // σ = 0.02 exactly, μ = 0
    expect(maxGap(layerNorm(rows, null, 0), layerNorm(rows, null, 1e-5))).toBeCloseTo(0.0123, 3);
  });

  it('the limit, stated: on the fixture\'s rows (σ² = 0.45 … 3.6) ε = 0 is within PYTORCH_PARITY.forward (gap 1.5e-5), which is why ε needs the low-variance input', () => {
    const noEps = x.map((s) => layerNorm(s, p, 0));
    expect(accepts(noEps, truth, PYTORCH_PARITY.forward).ok).toBe(true);
    expect(maxGap(noEps, truth)).toBeLessThan(2e-5);
  });
});

// ---------------------------------------------------------------------------------------------

describe(`pre-LN vs post-LN, causal vs bidirectional, on the PyTorch fixtures (tfjs on ${backendReport.choice})`, () => {
  it('fixtures/layers/block (pre-LN): the pre-LN block is accepted and the post-LN arrangement of the same weights rejected (gap 1.41), in both implementations', () => {
    const f = loadFixture('layers/block.safetensors');
    const x = nested(f.input.get('x')!) as Matrix[]; // (2 × 5 × 16)
    const truth = f.output.get('y')!.values;
    const bp = referenceParams(f.param) as unknown as BlockParams<number>;
    const asEncoder = { self_attn: bp.mh, ln1: bp.ln1, ff: bp.ff, ln2: bp.ln2 }; // same weights, LN after each residual
    const pre = x.map((s) => block(s, bp)); // x + MHA(LN₁ x), then + FFN(LN₂ ·)
    const post = x.map((s) => encoderLayer(s, asEncoder, 'gelu')); // LN₁(x + MHA x), then LN₂(· + FFN ·)
    discriminates(PYTORCH_PARITY.forward, truth, pre, post, 'reference');
    // not a near thing: even the loosest tfjs-vs-reference bound rejects it
    expect(accepts(post, pre, TFJS_VS_REFERENCE.multiHeadAttention).ok).toBe(false);

    const t = tfjsParams(f.param);
    const tree = t.tree as unknown as TB.TfBlockParams;
    const xt = tf.tensor3d(x);
    const tPre = tfRun(() => TB.block(xt, tree));
    const tPost = tfRun(() => TB.encoderLayer(xt, { self_attn: tree.mh, ln1: tree.ln1, ff: tree.ff, ln2: tree.ln2 }, 'gelu'));
    tf.dispose([xt, ...t.tensors]);
    discriminates(PYTORCH_PARITY.forward, truth, tPre, tPost, `tfjs[${backendReport.choice}]`);
    expect(maxGap(post, truth)).toBeGreaterThan(1);
  });

  it('fixtures/layers/causal-multi-head: the causal module is accepted and the bidirectional one rejected (gap 0.64; the last position, which sees everything either way, agrees), in both implementations', () => {
    const f = loadFixture('layers/causal-multi-head.safetensors');
    const x = nested(f.input.get('x')!) as Matrix[]; // (2 × 5 × 16)
    const truth = f.output.get('y')!.values;
    const p = referenceParams(f.param) as unknown as MultiHeadModuleParams<number>;
    const causal = x.map((s) => multiHeadModule(s, p, { causal: true }));
    const bidirectional = x.map((s) => multiHeadModule(s, p));
    discriminates(PYTORCH_PARITY.forward, truth, causal, bidirectional, 'reference');
    expect(accepts(bidirectional, causal, TFJS_VS_REFERENCE.multiHeadAttention).ok).toBe(false);
    // position T−1 attends to all keys under both: the gap lives in positions 0 … T−2
    const last = (m: Matrix[]) => m.map((s) => s[s.length - 1]);
    expect(accepts(last(bidirectional), last(causal), PYTORCH_PARITY.forward).ok).toBe(true);

    const t = tfjsParams(f.param);
    const tree = t.tree as unknown as TB.TfMultiHeadModuleParams;
    const xt = tf.tensor3d(x);
    const tCausal = tfRun(() => TB.multiHeadModule(xt, tree, { causal: true }));
    const tBidirectional = tfRun(() => TB.multiHeadModule(xt, tree));
    tf.dispose([xt, ...t.tensors]);
    discriminates(PYTORCH_PARITY.forward, truth, tCausal, tBidirectional, `tfjs[${backendReport.choice}]`);
    expect(maxGap(bidirectional, truth)).toBeGreaterThan(0.1);
  });
});
