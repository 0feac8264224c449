/**
 * SiLU, tanh and the gated feed-forward networks (issue 15, item 6), as properties on the float64
 * reference and tfjs:
 *
 *   SiLU(x) = x·σ(x)               SiLU(x) − SiLU(−x) = x; SiLU(0) = 0; SiLU(x) ≥ −0.2785
 *   tanh                            odd, |tanh x| ≤ 1, monotone
 *   GLU(x) = W_down (act(W_gate x) ⊙ W_up x)      act = SiLU: SwiGLU (LLaMA, Mistral, Qwen2);
 *                                                 act = GELU: GeGLU (erf; Gemma: the tanh GELU)
 *     linear in W_up (scaling W_up by α scales the output by α); a zero gate gives 0; rows
 *     independent; the variants are told apart by the tolerance
 *   parameter counts: 3·d·d_ff (+ 2·d_ff + d with biases) for a gated FFN, 2·d·d_ff + d_ff + d for
 *   the plain one; norms over a shape count γ (and β) per entry of the shape
 *
 * Shapes: x (n × d) → (n × d); gate_proj, up_proj (d_ff × d), down_proj (d × d_ff).
 * Tolerances: EXACT, TFJS_VS_REFERENCE.linear (src/core/tolerance.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import { gatedFeedForwardParameters, feedForwardParameters, layerNormParameters, rmsNormParameters } from '../../src/core/parameter-accounting.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import type { GatedActivation } from '../../src/reference/gated-feed-forward.js';
import * as T from '../../src/tfjs/index.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

type Matrix = number[][];
type Value<A> = A extends fc.Arbitrary<infer V> ? V : never;

const value = fc.double({ min: -4, max: 4, noNaN: true });
const weight = fc.double({ min: -0.5, max: 0.5, noNaN: true });
const matrixOf = (rows: number, cols: number, v = value): fc.Arbitrary<Matrix> => fc.array(fc.array(v, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
const kinds = fc.constantFrom<GatedActivation>('silu', 'gelu', 'gelu-tanh');
const ffnArgs = fc.record({ n: fc.integer({ min: 1, max: 6 }), d: fc.integer({ min: 1, max: 8 }), f: fc.integer({ min: 1, max: 12 }), kind: kinds }).chain(({ n, d, f, kind }) =>
  fc.record({ x: matrixOf(n, d), gate: matrixOf(f, d, weight), up: matrixOf(f, d, weight), down: matrixOf(d, f, weight), kind: fc.constant(kind), alpha: fc.double({ min: -3, max: 3, noNaN: true }) }),
);
const params = (gate: Matrix, up: Matrix, down: Matrix) => ({ gate_proj: { weight: gate }, up_proj: { weight: up }, down_proj: { weight: down } });
const tfParams = (gate: Matrix, up: Matrix, down: Matrix) => ({ gate_proj: { weight: tf.tensor2d(gate) }, up_proj: { weight: tf.tensor2d(up) }, down_proj: { weight: tf.tensor2d(down) } });
const tfRun = (x: Matrix, gate: Matrix, up: Matrix, down: Matrix, kind: GatedActivation): Matrix => tf.tidy(() => T.gatedFeedForward(tf.tensor2d(x), tfParams(gate, up, down), kind).arraySync() as Matrix);

describe('SiLU and tanh', () => {
  const xs = fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 16 });
  it('reference and tfjs: SiLU(x) − SiLU(−x) = x, SiLU ≥ −0.27846 (its minimum, at x ≈ −1.2785), SiLU(0) = 0', () => {
    checkProperty<[number[]]>('silu identities', xs, (v) => {
      const [pos, neg] = [R.silu([v])[0], R.silu([v.map((x) => -x)])[0]];
      expect(compareNested(pos.map((p, i) => p - neg[i]), v, EXACT.reference).ok).toBe(true);
      expect(pos.every((y) => y >= -0.27846454276107)).toBe(true);
      const t = tf.tidy(() => T.silu(tf.tensor2d([v])).arraySync() as Matrix)[0];
      expect(compareNested(t, pos, TFJS_VS_REFERENCE.default).ok).toBe(true);
    });
    expect(R.silu([[0]])[0][0]).toBe(0);
  });

  it('reference and tfjs: tanh is odd, bounded by 1 and monotone', () => {
    checkProperty<[number[]]>('tanh identities', xs, (v) => {
      const sorted = [...v].sort((a, b) => a - b);
      const y = R.tanh([sorted])[0];
      expect(y.every((t, i) => Math.abs(t) <= 1 && (i === 0 || t >= y[i - 1]))).toBe(true);
      expect(R.tanh([sorted.map((x) => -x)])[0]).toEqual(y.map((t) => -t));
      const t = tf.tidy(() => T.tanh(tf.tensor2d([sorted])).arraySync() as Matrix)[0];
      expect(compareNested(t, y, TFJS_VS_REFERENCE.default).ok).toBe(true);
    });
  });

  it('the activation by name: "silu" and "tanh" join relu, gelu and gelu-tanh', () => {
    expect(R.activation([[1]], 'silu')[0][0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(R.activation([[1]], 'tanh')[0][0]).toBe(Math.tanh(1));
    expect(() => R.activation([[1]], 'swish' as never)).toThrow(ArgumentError);
  });
});

describe('gated feed-forward networks: SwiGLU and GeGLU', () => {
  it('reference: linear in W_up — scaling up_proj by α scales the output by α', () => {
    checkProperty<[Value<typeof ffnArgs>]>('linear in up_proj', ffnArgs, ({ x, gate, up, down, kind, alpha }) => {
      const y = R.gatedFeedForward(x, params(gate, up, down), kind);
      const scaled = R.gatedFeedForward(x, params(gate, up.map((r) => r.map((w) => alpha * w)), down), kind);
      expect(compareNested(scaled, y.map((r) => r.map((v) => alpha * v)), EXACT.reference).ok).toBe(true);
    });
  });

  it('reference: a zero gate closes the network (act(0) = 0 for SiLU and both GELUs)', () => {
    checkProperty<[Value<typeof ffnArgs>]>('zero gate gives zero', ffnArgs, ({ x, gate, up, down, kind }) => {
      const y = R.gatedFeedForward(x, params(gate.map((r) => r.map(() => 0)), up, down), kind);
      expect(y.flat().every((v) => v === 0)).toBe(true);
    });
  });

  it('reference: tokens are independent — each row is the network on that row alone', () => {
    checkProperty<[Value<typeof ffnArgs>]>('rows independent', ffnArgs, ({ x, gate, up, down, kind }) => {
      const y = R.gatedFeedForward(x, params(gate, up, down), kind);
      x.forEach((row, i) => expect(R.gatedFeedForward([row], params(gate, up, down), kind)[0]).toEqual(y[i]));
    });
  });

  it(`tfjs (${backendReport.choice}) matches the reference; leading axes (B × T × d) work`, () => {
    checkProperty<[Value<typeof ffnArgs>]>('tfjs gated FFN', ffnArgs, ({ x, gate, up, down, kind }) => {
      const c = compareNested(tfRun(x, gate, up, down, kind), R.gatedFeedForward(x, params(gate, up, down), kind), TFJS_VS_REFERENCE.linear);
      expect(c.ok, c.message).toBe(true);
    });
    const x3 = [[[1, -2], [0.5, 0.25]], [[3, 1], [-1, -1]]]; // (2 × 2 × 2)
    const [g, u, d] = [[[0.1, 0.2], [-0.3, 0.4], [0.5, -0.1]], [[0.2, 0.1], [0.3, -0.2], [-0.4, 0.3]], [[0.1, -0.2, 0.3], [0.2, 0.1, -0.1]]];
    const got = tf.tidy(() => T.gatedFeedForward(tf.tensor3d(x3), tfParams(g, u, d), 'silu').arraySync()) as number[][][];
    x3.forEach((xb, b) => expect(compareNested(got[b], R.gatedFeedForward(xb, params(g, u, d), 'silu'), TFJS_VS_REFERENCE.linear).ok).toBe(true));
  });

  it('the tolerance tells SwiGLU from GeGLU, and GeGLU (erf) from GeGLU (tanh) on a gate near |x| ≈ 2.7', () => {
    const x = [[2.7, -2.7, 1.3]];
    const g = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const id = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const run = (k: GatedActivation) => R.gatedFeedForward(x, params(g, id, id), k);
    expect(compareNested(run('silu'), run('gelu'), TFJS_VS_REFERENCE.linear).ok).toBe(false);
    expect(compareNested(run('gelu'), run('gelu-tanh'), TFJS_VS_REFERENCE.linear).ok).toBe(false);
  });

  it('bad parameters: a missing projection or mismatched widths are named errors on both implementations', () => {
    const x = [[1, 2]];
    expect(() => R.gatedFeedForward(x, { gate_proj: { weight: [[1, 1]] }, up_proj: { weight: [[1, 1]] } } as never, 'silu')).toThrow(/down_proj/);
    expect(() => R.gatedFeedForward(x, params([[1, 1]], [[1, 1], [1, 1]], [[1], [1]]), 'silu')).toThrow(ShapeError);
    expect(() => R.gatedFeedForward(x, params([[1, 1]], [[1, 1]], [[1], [1]]), 'relu' as GatedActivation)).toThrow(/SwiGLU|GeGLU/);
    const before = tf.memory().numTensors;
    const p = tfParams([[1, 1]], [[1, 1], [1, 1]], [[1], [1]]);
    const xt = tf.tensor2d(x);
    expect(() => T.gatedFeedForward(xt, p, 'silu')).toThrow(ShapeError);
    tf.dispose([xt, p.gate_proj.weight, p.up_proj.weight, p.down_proj.weight]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('parameter accounting of the layers', () => {
  it('gated FFN 3·d·d_ff (+ 2·d_ff + d with biases); plain FFN 2·d·d_ff + d_ff + d; LLaMA-7B MLP 3·4096·11008', () => {
    expect(gatedFeedForwardParameters(8, 12, false)).toBe(288n); // 3 · 8 · 12
    expect(gatedFeedForwardParameters(8, 12, true)).toBe(288n + 24n + 8n);
    expect(gatedFeedForwardParameters(4096, 11008, false)).toBe(135_266_304n);
    expect(feedForwardParameters(768, 3072, true)).toBe(4_722_432n); // GPT-2's MLP: 2·768·3072 + 3072 + 768
  });
  it('norms over a shape: LayerNorm γ and β per entry (2·∏shape), RMSNorm γ only (∏shape)', () => {
    expect(layerNormParameters([3, 4])).toBe(24n);
    expect(layerNormParameters([768], { bias: false })).toBe(768n);
    expect(rmsNormParameters([3, 4])).toBe(12n);
    expect(() => rmsNormParameters([0])).toThrow(/shape/);
  });
});
