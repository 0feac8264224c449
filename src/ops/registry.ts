/**
 * The op registry: one row per op, pairing the float64 reference, its BigNumber variant and the
 * TensorFlow.js function of the same name — in the spirit of JAX's lax_reference beside lax_test.
 * A row names:
 *
 *   reference / highPrecision / tfjs   the three functions (highPrecision: why there is none)
 *   args                               how each argument crosses to tensors (src/ops/convert.ts)
 *   tolerance                          tfjs vs the float64 reference (src/core/tolerance.ts)
 *   arbitrary                          the inputs of its differential spec (spec/differential/)
 *   cases                              fixed inputs run besides them (grids, edge cases)
 *   fixtures                           its PyTorch fixtures (fixtures/layers/), and how each side runs them
 *
 * What the table drives:
 *   - the claim adapters (src/ops/implementations.ts): `impl.<op>(…)` for every row, on every
 *     implementation, with the one leak guard and asynchronous read-back;
 *   - the differential specs (spec/differential/registry.spec.ts): every row with an arbitrary,
 *     tfjs vs float64 at the row's tolerance and float64 vs BigNumber at REFERENCE_VS_HIGH_PRECISION;
 *   - the parity specs and `npm run parity` (every row with fixtures);
 *   - the pairing spec (spec/registry/op-pairing.spec.ts): src/reference/index.ts and
 *     src/tfjs/index.ts export the same names with the same argument names, except PAIRING_EXCEPTIONS.
 *
 * Adding an op is one row here, its two implementations and their exports (CONTRIBUTING.md).
 */
import type * as tfc from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { EXACT, PEFT_TFJS_VS_REFERENCE, TFJS_METRICS, TFJS_VS_REFERENCE, type Tolerance } from '../core/tolerance.js';
import type { Matrix } from '../core/shape.js';
import * as HP from '../reference/high-precision.js';
import * as R from '../reference/index.js';
import { checkAttentionRange, resolveScale } from '../reference/scaled-dot-product-attention.js';
import * as T from '../tfjs/index.js';
import { clipGradNormAsync } from '../tfjs/grad-clip.js';
import { accuracyAsync } from '../tfjs/metrics.js';
import { checkCrossEntropyTargets } from '../tfjs/tiny-models.js';
import type { Arbitraries } from './arbitraries.js';
import { attentionCaseOf, DIFFERENTIAL_SIZES, HIGH_PRECISION_SIZES } from './attention-arbitrary.js';
import { checkGeneralAttentionRange, type GeneralAttentionOptions } from '../reference/attention.js';
import type { ArgKind } from './convert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;
type Inputs = Record<string, unknown>;

export interface FixtureRun {
  /** fixtures/layers/<file>.safetensors, written by scripts/export-fixtures.py. */
  file: string;
  /** The float64 reference on the fixture's inputs (nested arrays, batch first) and parameters. */
  reference: (inputs: Inputs, params: any) => unknown;
  /** tfjs on the fixture's tensors; the result is the tensor compared and differentiated. */
  tfjs: (inputs: Record<string, tfc.Tensor>, params: any) => tfc.Tensor;
}

export interface OpRow {
  /** The concept file: src/reference/<concept>.ts and src/tfjs/<concept>.ts (kebab-case). */
  concept: string;
  reference: Fn;
  /** The BigNumber variant (src/reference/high-precision.ts), or why the op has none. */
  highPrecision: Fn | { none: string };
  tfjs: Fn;
  args: readonly ArgKind[];
  /** tfjs (float32) vs the float64 reference. */
  tolerance: Tolerance;
  /** Arguments for the differential spec (array form, as the reference takes them). */
  arbitrary?: (a: Arbitraries) => any;
  /** A smaller arbitrary for float64 vs BigNumber (64-digit exp/sin/erf are slow); default: `arbitrary`. */
  highPrecisionArbitrary?: (a: Arbitraries) => any;
  /** Fixed argument lists run besides the arbitrary (a dense grid, edge cases). */
  cases?: () => unknown[][];
  /** The keys of the result to compare (both sides must have them); default: the whole result. */
  compare?: readonly string[];
  /** tfjs returns more than the reference (e.g. tensors to free): the part to compare. */
  tfjsResult?: (r: any) => unknown;
  /**
   * The same op in a form that reads back asynchronously, for backends where a synchronous read
   * loses the device (webgpu; src/tfjs/validate.ts canReadSynchronously): same arguments, same
   * numbers. Only for ops whose result holds a number the op itself must read (a norm, a count).
   */
  tfjsAsync?: Fn;
  /** Its PyTorch fixtures (fixtures/layers/), each with how both sides run it. */
  fixtures?: readonly FixtureRun[];
  /** Stateful ops (optimisers, caches): not run through the generic adapters; why. */
  stateful?: string;
  /**
   * −∞ where the op defines it as "masked" (src/core/numeric-conventions.ts, rules 1 and 4):
   * `inputs` — the tensor arguments may hold it (softmax logits); `results` — the result may
   * (attention's masked scores). Elsewhere the adapters refuse NaN and ±∞ on upload and read-back.
   */
  masked?: { inputs?: boolean; results?: boolean };
  /** A host-side check of the arguments before the upload, the same one the reference runs (attention's score bound, rule 3b). */
  hostCheck?: (...args: any[]) => void;
}

const perBatch = (f: Fn) => (x: unknown, ...rest: unknown[]) => (x as unknown[]).map((xb, b) => f(xb, ...rest.map((r) => (Array.isArray(r) && Array.isArray((r as unknown[][])[0]?.[0]) ? (r as unknown[])[b] : r))));
/**
 * The general attention fixtures (fixtures/layers/attention-*.safetensors) and the options each was
 * exported with (its config; spec/attention/attention.parity.spec.ts checks the two agree).
 */
export const ATTENTION_FIXTURES: readonly { file: string; options: GeneralAttentionOptions }[] = [
  { file: 'attention-gqa', options: { causal: 'bottom-right' } },
  { file: 'attention-mqa-cache', options: { causal: 'bottom-right', scale: 0.25, keyLengths: [6, 4] } },
  { file: 'attention-mask-bias', options: { causal: 'top-left' } },
  { file: 'attention-alibi', options: { causal: 'bottom-right', alibi: true } },
  { file: 'attention-softcap', options: { causal: 'bottom-right', scale: 0.5, softcap: 1.5 } },
];
/** A fixture's optional inputs as attention options: past keys/values, bias, and the 0/1 mask (as booleans). */
function fixtureExtras<X>(i: Record<string, X>, toMask: (m: X) => unknown): GeneralAttentionOptions {
  const o: GeneralAttentionOptions = {};
  if (i.past_key !== undefined) Object.assign(o, { pastKey: i.past_key, pastValue: i.past_value });
  if (i.bias !== undefined) o.bias = i.bias;
  if (i.mask !== undefined) o.mask = toMask(i.mask);
  return o;
}
/** The size of an array's last axis (d_k of q at any rank). */
const lastDim = (x: unknown): number => (Array.isArray(x) ? (Array.isArray(x[0]) ? lastDim(x[0]) : x.length) : 1);
const SEQUENCE_TOLERANCE = TFJS_VS_REFERENCE.block;

/** The RoPE settings scripts/export-llm-fixtures.py used (ROPE_HALF, ROPE_INTERLEAVED; spec/rope/rope.parity.spec.ts checks each fixture's config against these). */
export const ROPE_FIXTURES = {
  half: { pairing: 'half', rotaryDim: 4, positions: [5, 0, 17, 3, 1000], base: 500000 },
  interleaved: { pairing: 'interleaved', rotaryDim: 6, positions: [0, 1, 2, 9, 4], base: 10000 },
} as const satisfies Record<string, R.RopeOptions>;

/** How the ops are registered: the key is the exported name in both indexes. */
export const OP_REGISTRY = {
  matMul: {
    concept: 'linear-algebra',
    reference: R.matMul,
    highPrecision: HP.matMul,
    tfjs: (a: tfc.Tensor, b: tfc.Tensor) => tf.matMul(a, b), // tfjs-core's own op (see PAIRING_EXCEPTIONS)
    args: ['tensor', 'tensor'],
    tolerance: TFJS_VS_REFERENCE.linear,
    arbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 12), size(1, 32), size(1, 12)).chain(([n, k, m]) => fc.tuple(matrixOf(n, k), matrixOf(k, m))),
  },
  softmax: {
    concept: 'softmax',
    reference: R.softmax,
    highPrecision: HP.softmax,
    tfjs: T.softmax,
    args: ['tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.softmax,
    arbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 12), size(1, 12), fc.constantFrom<-1 | 0>(-1, 0)).chain(([r, c, axis]) => fc.tuple(matrixOf(r, c), fc.constant(axis))),
    highPrecisionArbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 8), size(1, 8)).chain(([r, c]) => fc.tuple(matrixOf(r, c, fc.double({ min: -10, max: 10, noNaN: true })), fc.constant(-1))),
    masked: { inputs: true },
  },
  causalMask: {
    concept: 'masks',
    reference: R.causalMask,
    highPrecision: HP.causalMask,
    tfjs: T.causalMask,
    args: ['value', 'value'],
    tolerance: TFJS_VS_REFERENCE.exact,
    arbitrary: ({ fc, size }) => fc.tuple(size(1, 12), size(0, 12)).map(([q, extra]) => [q, q + extra]),
  },
  scaledDotProductAttention: {
    concept: 'scaled-dot-product-attention',
    reference: R.scaledDotProductAttention,
    highPrecision: HP.scaledDotProductAttention,
    tfjs: T.scaledDotProductAttention,
    args: ['tensor', 'tensor', 'tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.attention,
    arbitrary: ({ fc, size, matrixOf }) =>
      fc.record({ nQ: size(1, 12), nK: size(1, 12), dK: size(1, 32), dV: size(1, 16), scale: fc.boolean(), causal: fc.boolean() }).chain(({ nQ, nK, dK, dV, scale, causal }) => {
        const n = Math.max(nK, causal ? nQ : 1); // a causal mask needs n_k ≥ n_q
        return fc.tuple(matrixOf(nQ, dK), matrixOf(n, dK), matrixOf(n, dV), fc.constant({ scale, mask: causal ? 'causal' : null }));
      }),
    highPrecisionArbitrary: ({ fc, size, matrixOf }) =>
      fc.record({ n: size(1, 6), dK: size(1, 8), dV: size(1, 6), causal: fc.boolean() }).chain(({ n, dK, dV, causal }) => fc.tuple(matrixOf(n, dK), matrixOf(n, dK), matrixOf(n, dV), fc.constant({ mask: causal ? 'causal' : null }))),
    masked: { results: true },
    hostCheck: (q: number[][], k: number[][], v: number[][], o?: { scale?: boolean | number }) => checkAttentionRange(q, k, v, resolveScale(o?.scale, q[0]?.length ?? 1)),
  },
  attention: {
    concept: 'attention',
    reference: R.attention,
    highPrecision: HP.attention,
    tfjs: T.attention,
    args: ['tensor', 'tensor', 'tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.attention,
    arbitrary: (a) => attentionCaseOf(a, DIFFERENTIAL_SIZES),
    highPrecisionArbitrary: (a) => attentionCaseOf(a, HIGH_PRECISION_SIZES),
    masked: { results: true },
    hostCheck: (q: number[][], k: number[][], v: number[][], o: GeneralAttentionOptions = {}) => checkGeneralAttentionRange(q, k, v, o, resolveScale(o.scale, lastDim(q))),
    // scripts/export-fixtures.py, "general attention": the PyTorch side written from the formulas (HF repeat_kv, HF build_alibi_tensor, Gemma 2 soft-cap)
    fixtures: ATTENTION_FIXTURES.map(({ file, options }) => ({
      file,
      reference: (i: Inputs) => R.attention(i.q as number[][], i.k as number[][], i.v as number[][], { ...options, ...fixtureExtras(i, (m) => (m as number[][][]).map((h) => h.map((r) => r.map((x) => x === 1)))) }),
      tfjs: (i: Record<string, tfc.Tensor>) => tf.tidy(() => T.attention(i.q, i.k, i.v, { ...options, ...fixtureExtras(i, (m) => tf.cast(m as tfc.Tensor, 'bool')) })), // tidy frees the cast mask
    })),
  },
  multiHeadAttention: {
    concept: 'multi-head-attention',
    reference: R.multiHeadAttention,
    highPrecision: HP.multiHeadAttention,
    tfjs: T.multiHeadAttention,
    args: ['tensor', 'tensor', 'params', 'value'],
    tolerance: TFJS_VS_REFERENCE.multiHeadAttention,
    compare: ['weights', 'output'],
    arbitrary: ({ fc, size, matrixOf, mhaParamsOf }) =>
      fc.record({ nQ: size(1, 12), nK: size(1, 12), dModel: size(1, 16), nHeads: size(1, 4), dK: size(1, 8), dOut: size(1, 16), causal: fc.boolean(), grouped: fc.boolean() }).chain(({ nQ, nK, dModel, nHeads, dK, dOut, causal, grouped }) => {
        // grouped: nKvHeads = 1 (MQA) or half the heads (GQA) — W_K, W_V then have nKvHeads·d_k columns
        const nKvHeads = grouped ? (nHeads % 2 === 0 ? nHeads / 2 : 1) : nHeads;
        const p = mhaParamsOf(dModel, nHeads * dK, dOut);
        const kv = mhaParamsOf(dModel, nKvHeads * dK, dOut);
        const params = grouped ? fc.tuple(p, kv).map(([a, b]) => ({ ...a, wK: b.wK, wV: b.wV })) : p;
        return fc.tuple(matrixOf(nQ, dModel), matrixOf(Math.max(nK, causal ? nQ : 1), dModel), params, fc.constant(grouped ? { nHeads, nKvHeads, mask: causal ? 'causal' : null } : { nHeads, mask: causal ? 'causal' : null }));
      }),
    highPrecisionArbitrary: ({ fc, size, matrixOf, mhaParamsOf }) =>
      fc.record({ n: size(1, 4), dModel: size(1, 6), nHeads: size(1, 2), dK: size(1, 3) }).chain(({ n, dModel, nHeads, dK }) => fc.tuple(matrixOf(n, dModel), matrixOf(n, dModel), mhaParamsOf(dModel, nHeads * dK, dModel), fc.constant({ nHeads, mask: 'causal' }))),
  },
  tiledAttention: {
    concept: 'tiled-attention',
    reference: R.tiledAttention,
    highPrecision: HP.tiledAttention,
    tfjs: T.tiledAttention,
    args: ['tensor', 'tensor', 'tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.attention,
    compare: ['output', 'rowMax', 'rowSum'],
    arbitrary: ({ fc, size, matrixOf }) =>
      fc.record({ nQ: size(1, 12), nK: size(1, 12), dK: size(1, 16), dV: size(1, 8), blockQ: size(1, 8), blockK: size(1, 8), causal: fc.boolean() }).chain(({ nQ, nK, dK, dV, blockQ, blockK, causal }) => {
        const n = Math.max(nK, causal ? nQ : 1);
        return fc.tuple(matrixOf(nQ, dK), matrixOf(n, dK), matrixOf(n, dV), fc.constant({ blockQ, blockK, mask: causal ? 'causal' : null }));
      }),
    highPrecisionArbitrary: ({ fc, size, matrixOf }) => fc.record({ n: size(1, 5), d: size(1, 4) }).chain(({ n, d }) => fc.tuple(matrixOf(n, d), matrixOf(n, d), matrixOf(n, d), fc.constant({ blockQ: 2, blockK: 3, mask: 'causal' }))),
    masked: { results: true },
  },
  slidingWindowAttention: {
    concept: 'sliding-window-attention',
    reference: R.slidingWindowAttention,
    highPrecision: HP.slidingWindowAttention,
    tfjs: T.slidingWindowAttention,
    args: ['tensor', 'tensor', 'tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.attention,
    compare: ['weights', 'output'],
    arbitrary: ({ fc, size, matrixOf }) =>
      fc.record({ n: size(1, 12), extra: size(0, 4), dK: size(1, 16), dV: size(1, 8), window: size(1, 6) }).chain(({ n, extra, dK, dV, window }) => fc.tuple(matrixOf(n, dK), matrixOf(n + extra, dK), matrixOf(n + extra, dV), fc.constant({ window }))),
    highPrecisionArbitrary: ({ fc, size, matrixOf }) => fc.record({ n: size(1, 5), d: size(1, 4), window: size(1, 3) }).chain(({ n, d, window }) => fc.tuple(matrixOf(n, d), matrixOf(n, d), matrixOf(n, d), fc.constant({ window }))),
    masked: { results: true },
  },
  slidingWindowMask: {
    concept: 'sliding-window-attention',
    reference: R.slidingWindowMask,
    highPrecision: HP.slidingWindowMask,
    tfjs: T.slidingWindowMask,
    args: ['value', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.exact,
    arbitrary: ({ fc, size }) => fc.tuple(size(1, 12), size(0, 4), size(1, 8)).map(([q, extra, w]) => [q, q + extra, w]),
  },
  sinusoidalEncoding: {
    concept: 'sinusoidal-encoding',
    reference: R.sinusoidalEncoding,
    highPrecision: HP.sinusoidalEncoding,
    tfjs: T.sinusoidalEncoding,
    args: ['value', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.positionalEncoding,
    arbitrary: ({ fc, evenSize, positions }) => fc.tuple(positions(1, 24), evenSize(2, 32), fc.constantFrom(10_000, 1000, 100)).map(([p, d, base]) => [p, d, { base }]),
    highPrecisionArbitrary: ({ fc, evenSize, positions }) => fc.tuple(positions(1, 3), evenSize(2, 8)).map(([p, d]) => [p, d, {}]),
    cases: () => [[2049, 32, {}]], // the full table: the bound's worst case (pos·ω rounded in float32 at 2048)
  },
  rope: {
    concept: 'rope',
    reference: R.rope,
    highPrecision: HP.rope,
    tfjs: T.rope,
    args: ['tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.rope,
    // both pairings, partial rotation (rotaryDim ≤ d, extra dimensions passed through), explicit position ids, three bases
    arbitrary: ({ fc, size, evenSize, matrixOf }) =>
      fc.tuple(size(1, 12), evenSize(2, 32), size(0, 3), fc.constantFrom('interleaved', 'half'), fc.constantFrom(10_000, 500_000, 100), fc.boolean()).chain(([n, r, extra, pairing, base, partial]) =>
        fc.tuple(matrixOf(n, r + (partial ? extra : 0)), fc.array(fc.integer({ min: 0, max: 2048 }), { minLength: n, maxLength: n }).map((positions) => ({ positions, pairing, base, rotaryDim: r }))),
      ),
    highPrecisionArbitrary: ({ fc, size, evenSize, matrixOf }) => fc.tuple(size(1, 4), evenSize(2, 8), fc.constantFrom('interleaved', 'half')).chain(([n, d, pairing]) => fc.tuple(matrixOf(n, d + 1), fc.constant({ pairing, rotaryDim: d, base: 500_000 }))),
    fixtures: [
      // x (B × heads × T × head_dim): every head and sequence shares the fixture's position ids
      { file: 'llm/rope-half-partial', reference: (i) => (i.x as Matrix[][]).map((b) => b.map((h) => R.rope(h, ROPE_FIXTURES.half))), tfjs: (i) => T.rope(i.x, ROPE_FIXTURES.half) },
      { file: 'llm/rope-interleaved-partial', reference: (i) => perBatch((x) => R.rope(x as Matrix, ROPE_FIXTURES.interleaved))(i.x), tfjs: (i) => T.rope(i.x, ROPE_FIXTURES.interleaved) },
    ],
  },
  learnedPositionalEmbedding: {
    concept: 'learned-positional-embedding',
    reference: R.learnedPositionalEmbedding,
    highPrecision: HP.learnedPositionalEmbedding,
    tfjs: T.learnedPositionalEmbedding,
    args: ['tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.default,
    arbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 64), size(1, 32)).chain(([L, d]) => fc.tuple(matrixOf(L, d), fc.array(fc.integer({ min: 0, max: L - 1 }), { minLength: 1, maxLength: 12 }))),
  },
  linear: {
    concept: 'linear',
    reference: R.linear,
    highPrecision: HP.linear,
    tfjs: T.linear,
    args: ['tensor', 'params', 'value'],
    tolerance: TFJS_VS_REFERENCE.linear,
    arbitrary: ({ fc, size, matrixOf, linearOf }) => fc.tuple(size(1, 12), size(1, 32), size(1, 16), fc.boolean()).chain(([n, inF, out, bias]) => fc.tuple(matrixOf(n, inF), linearOf(inF, out, bias))),
  },
  layerNorm: {
    concept: 'layer-norm',
    reference: R.layerNorm,
    highPrecision: HP.layerNorm,
    tfjs: T.layerNorm,
    args: ['tensor', 'params', 'value', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.normalisation,
    // one feature axis (n × C), or the last two axes together (n × a × b, γ and β of shape a × b)
    arbitrary: ({ fc, size, matrixOf, vectorOf }) =>
      fc.oneof(
        fc.tuple(size(1, 12), size(2, 32), fc.boolean()).chain(([n, C, affine]) => fc.tuple(matrixOf(n, C), affine ? fc.record({ weight: vectorOf(C), bias: vectorOf(C) }) : fc.constant(null), fc.constantFrom(1e-5, 1e-3))),
        fc.tuple(size(1, 6), size(1, 4), size(2, 6)).chain(([n, a, b]) =>
          fc.tuple(fc.array(matrixOf(a, b).filter((m) => Math.max(...m.flat()) - Math.min(...m.flat()) > 0.5), { minLength: n, maxLength: n }), fc.record({ weight: matrixOf(a, b), bias: matrixOf(a, b) }), fc.constantFrom(1e-5, 1e-12), fc.constant('layerNorm'), fc.constant(2)),
        ),
      ),
    fixtures: [
      { file: 'layer-norm', reference: (i, p) => perBatch((x) => R.layerNorm(x as Matrix, p))(i.x), tfjs: (i, p) => T.layerNorm(i.x, p) },
      { file: 'llm/layer-norm-2d', reference: (i, p) => (i.x as Matrix[]).map((x) => R.layerNorm(x, p, 1e-12, 'layerNorm', 2)), tfjs: (i, p) => T.layerNorm(i.x, p, 1e-12, 'layerNorm', 2) },
    ],
  },
  layerNormSimplified: {
    concept: 'layer-norm',
    reference: R.layerNormSimplified,
    highPrecision: { none: 'the deck\'s x̂ = (x − μ)/σ is the float64 demonstration of layerNorm with ε = 0; the BigNumber layerNorm(x, null, 0) is that formula at 64 digits' },
    tfjs: T.layerNormSimplified,
    args: ['tensor'],
    tolerance: TFJS_VS_REFERENCE.normalisation,
    // rows with a spread: a constant row is refused on both sides (spec/errors)
    arbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 8), size(2, 16)).chain(([n, C]) => fc.tuple(matrixOf(n, C).filter((x) => x.every((r) => Math.max(...r) - Math.min(...r) > 0.5)))),
  },
  rmsNorm: {
    concept: 'rms-norm',
    reference: R.rmsNorm,
    highPrecision: HP.rmsNorm,
    tfjs: T.rmsNorm,
    args: ['tensor', 'params', 'value', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.normalisation,
    arbitrary: ({ fc, size, matrixOf, vectorOf }) =>
      fc.oneof(
        fc.tuple(size(1, 12), size(1, 32)).chain(([n, C]) => fc.tuple(matrixOf(n, C).filter((x) => x.every((r) => r.some((v) => Math.abs(v) > 0.1))), fc.record({ weight: vectorOf(C) }))),
        fc.tuple(size(1, 6), size(1, 4), size(1, 6)).chain(([n, a, b]) =>
          fc.tuple(fc.array(matrixOf(a, b).filter((m) => m.flat().some((v) => Math.abs(v) > 0.1)), { minLength: n, maxLength: n }), fc.record({ weight: matrixOf(a, b) }), fc.constantFrom(1e-5, 1e-6), fc.constant('rmsNorm'), fc.constant(2)),
        ),
      ),
    fixtures: [
      { file: 'rms-norm', reference: (i, p) => perBatch((x) => R.rmsNorm(x as Matrix, p))(i.x), tfjs: (i, p) => T.rmsNorm(i.x, p) },
      { file: 'llm/rms-norm-2d', reference: (i, p) => (i.x as Matrix[]).map((x) => R.rmsNorm(x, p, 1e-5, 'rmsNorm', 2)), tfjs: (i, p) => T.rmsNorm(i.x, p, 1e-5, 'rmsNorm', 2) },
    ],
  },
  batchNorm: {
    concept: 'batch-norm',
    reference: R.batchNorm,
    highPrecision: HP.batchNorm,
    tfjs: T.batchNorm,
    args: ['tensor', 'params', 'value'],
    tolerance: TFJS_VS_REFERENCE.normalisation,
    arbitrary: ({ fc, size, matrixOf, vectorOf }) =>
      fc.tuple(size(3, 12), size(1, 16)).chain(([N, C]) => fc.tuple(matrixOf(N, C).filter((x) => x[0].every((_, c) => Math.max(...x.map((r) => r[c])) - Math.min(...x.map((r) => r[c])) > 0.5)), fc.record({ weight: vectorOf(C), bias: vectorOf(C) }))),
    fixtures: [{ file: 'batch-norm', reference: (i, p) => R.batchNorm(i.x as Matrix, { weight: p.weight, bias: p.bias }), tfjs: (i, p) => T.batchNorm(i.x, { weight: p.weight, bias: p.bias }) }],
  },
  relu: activationRow('relu', R.relu, HP.relu, T.relu),
  gelu: {
    ...activationRow('gelu', R.gelu, HP.gelu, T.gelu),
    fixtures: [{ file: 'gelu-erf', reference: (i) => R.gelu([i.x as number[]])[0], tfjs: (i) => T.gelu(i.x) }],
  },
  geluTanh: {
    ...activationRow('gelu-tanh', R.geluTanh, HP.geluTanh, T.geluTanh),
    fixtures: [{ file: 'gelu-tanh', reference: (i) => R.geluTanh([i.x as number[]])[0], tfjs: (i) => T.geluTanh(i.x) }],
  },
  silu: { ...activationRow('silu', R.silu, HP.silu, T.silu), fixtures: [{ file: 'llm/silu', reference: (i) => R.silu([i.x as number[]])[0], tfjs: (i) => T.silu(i.x) }] },
  tanh: { ...activationRow('tanh', R.tanh, HP.tanh, T.tanh), fixtures: [{ file: 'llm/tanh', reference: (i) => R.tanh([i.x as number[]])[0], tfjs: (i) => T.tanh(i.x) }] },
  activation: {
    concept: 'activations',
    reference: R.activation,
    highPrecision: HP.activation,
    tfjs: T.activation,
    args: ['tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.default,
    arbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 8), size(1, 16), fc.constantFrom('relu', 'gelu', 'gelu-tanh', 'silu', 'tanh')).chain(([n, d, kind]) => fc.tuple(matrixOf(n, d), fc.constant(kind))),
    highPrecisionArbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 4), fc.constantFrom('relu', 'gelu', 'gelu-tanh', 'silu', 'tanh')).chain(([d, kind]) => fc.tuple(matrixOf(1, d), fc.constant(kind))),
  },
  feedForward: {
    concept: 'feed-forward',
    reference: R.feedForward,
    highPrecision: HP.feedForward,
    tfjs: T.feedForward,
    args: ['tensor', 'params', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.linear,
    arbitrary: ({ fc, size, matrixOf, linearOf }) =>
      fc.tuple(size(1, 8), size(1, 12), fc.constantFrom('relu', 'gelu', 'gelu-tanh')).chain(([n, C, kind]) =>
        fc.tuple(matrixOf(n, C), fc.tuple(linearOf(C, 4 * C), linearOf(4 * C, C)).map(([a, b]) => ({ net: [a, undefined, b] })), fc.constant(kind)),
      ),
    highPrecisionArbitrary: ({ fc, size, matrixOf, linearOf }) => fc.tuple(size(1, 2), size(1, 2)).chain(([n, C]) => fc.tuple(matrixOf(n, C), fc.tuple(linearOf(C, 4 * C), linearOf(4 * C, C)).map(([a, b]) => ({ net: [a, undefined, b] })), fc.constant('gelu'))),
    fixtures: (['relu', 'gelu', 'gelu-tanh'] as const).map((kind) => ({
      file: `ffn-${kind}`,
      reference: (i: Inputs, p: any) => perBatch((x) => R.feedForward(x as Matrix, p, kind))(i.x),
      tfjs: (i: Record<string, tfc.Tensor>, p: any) => T.feedForward(i.x, p, kind),
    })),
  },
  gatedFeedForward: {
    concept: 'gated-feed-forward',
    reference: R.gatedFeedForward,
    highPrecision: HP.gatedFeedForward,
    tfjs: T.gatedFeedForward,
    args: ['tensor', 'params', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.linear,
    arbitrary: ({ fc, size, matrixOf, linearOf }) =>
      fc.tuple(size(1, 8), size(1, 12), size(1, 16), fc.constantFrom('silu', 'gelu', 'gelu-tanh'), fc.boolean()).chain(([n, d, f, kind, bias]) =>
        fc.tuple(matrixOf(n, d), fc.record({ gate_proj: linearOf(d, f, bias), up_proj: linearOf(d, f, bias), down_proj: linearOf(f, d, bias) }), fc.constant(kind)),
      ),
    highPrecisionArbitrary: ({ fc, size, matrixOf, linearOf }) => fc.tuple(size(1, 2), size(1, 3), size(1, 4)).chain(([n, d, f]) => fc.tuple(matrixOf(n, d), fc.record({ gate_proj: linearOf(d, f, false), up_proj: linearOf(d, f, false), down_proj: linearOf(f, d, false) }), fc.constantFrom('silu', 'gelu-tanh'))),
    fixtures: (['swiglu', 'geglu', 'geglu-tanh'] as const).map((file) => {
      const kind = ({ swiglu: 'silu', geglu: 'gelu', 'geglu-tanh': 'gelu-tanh' } as const)[file];
      return {
        file: `llm/${file}`,
        reference: (i: Inputs, p: any) => perBatch((x) => R.gatedFeedForward(x as Matrix, p, kind))(i.x),
        tfjs: (i: Record<string, tfc.Tensor>, p: any) => T.gatedFeedForward(i.x, p, kind),
      };
    }),
  },
  dropout: {
    concept: 'dropout',
    reference: R.dropout,
    highPrecision: { none: 'a mask and one scaling per entry: float64 already holds x/(1 − p) to one rounding' },
    tfjs: T.dropout,
    args: ['tensor', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.default,
    arbitrary: ({ fc, size, matrixOf }) =>
      fc.tuple(size(1, 16), size(1, 16), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean()).chain(([n, d, p, seed, training]) => fc.tuple(matrixOf(n, d), fc.constant(p), fc.constant({ training, seed }))),
  },
  multiHeadModule: sequenceRow('transformer-block', R.multiHeadModule, HP.multiHeadModule, T.multiHeadModule, ['sequence', 'params', 'value'], [
    { file: 'multi-head', reference: (i, p) => perBatch((x) => R.multiHeadModule(x as Matrix, p))(i.x), tfjs: (i, p) => T.multiHeadModule(i.x, p) },
    { file: 'causal-multi-head', reference: (i, p) => perBatch((x) => R.multiHeadModule(x as Matrix, p, { causal: true }))(i.x), tfjs: (i, p) => T.multiHeadModule(i.x, p, { causal: true }) },
    {
      file: 'cross-multi-head',
      reference: (i, p) => (i.x as Matrix[]).map((x, b) => R.multiHeadModule(x, p, { memory: (i.memory as Matrix[])[b] })),
      tfjs: (i, p) => T.multiHeadModule(i.x, p, { memory: i.memory }),
    },
  ]),
  block: sequenceRow('transformer-block', R.block, HP.block, T.block, ['sequence', 'params', 'value'], [
    { file: 'block', reference: (i, p) => perBatch((x) => R.block(x as Matrix, p))(i.x), tfjs: (i, p) => T.block(i.x, p) },
    { file: 'causal-block', reference: (i, p) => perBatch((x) => R.block(x as Matrix, p, { causal: true }))(i.x), tfjs: (i, p) => T.block(i.x, p, { causal: true }) },
  ]),
  encoderLayer: sequenceRow('transformer-block', R.encoderLayer, HP.encoderLayer, T.encoderLayer, ['sequence', 'params', 'value'], [
    { file: 'encoder-layer-post-ln', reference: (i, p) => perBatch((x) => R.encoderLayer(x as Matrix, p, 'relu'))(i.x), tfjs: (i, p) => T.encoderLayer(i.x, p, 'relu') },
  ]),
  decoderLayer: sequenceRow('transformer-block', R.decoderLayer, HP.decoderLayer, T.decoderLayer, ['sequence', 'sequence', 'params', 'value'], [
    { file: 'decoder-layer-post-ln', reference: (i, p) => (i.x as Matrix[]).map((x, b) => R.decoderLayer(x, (i.memory as Matrix[])[b], p, 'relu')), tfjs: (i, p) => T.decoderLayer(i.x, i.memory, p, 'relu') },
  ]),
  crossEntropy: {
    concept: 'cross-entropy',
    reference: R.crossEntropy,
    highPrecision: HP.crossEntropy,
    tfjs: T.crossEntropy,
    args: ['tensor', 'int', 'value'],
    // on the host before the upload: webgpu cannot read the targets back (src/tfjs/validate.ts)
    hostCheck: (logits: number[][], targets: number[], ignoreIndex?: number) => {
      if (Array.isArray(logits) && Array.isArray(logits[0]) && Array.isArray(targets) && logits.length === targets.length) checkCrossEntropyTargets(targets, logits[0].length, ignoreIndex);
    },
    tolerance: TFJS_METRICS,
    highPrecisionArbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 3), size(2, 5)).chain(([N, V]) => fc.tuple(matrixOf(N, V), fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: N, maxLength: N }), fc.constant(-100))),
    arbitrary: ({ fc, size, matrixOf }) =>
      fc.tuple(size(1, 16), size(2, 32)).chain(([N, V]) => fc.tuple(matrixOf(N, V, fc.double({ min: -10, max: 10, noNaN: true })), fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: N, maxLength: N }), fc.constant(-100))),
  },
  tinyModel: {
    concept: 'tiny-models',
    reference: R.tinyModel,
    highPrecision: HP.tinyModel,
    tfjs: T.tinyModel,
    args: ['value', 'value', 'params', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.block,
  },
  embeddingLookup: {
    concept: 'tiny-models',
    reference: R.embeddingLookup,
    highPrecision: HP.embeddingLookup,
    tfjs: T.embeddingLookup,
    args: ['tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.default,
    arbitrary: ({ fc, size, matrixOf }) =>
      fc.tuple(size(1, 20), size(1, 8), size(1, 3), size(1, 6)).chain(([V, C, B, Tn]) => fc.tuple(matrixOf(V, C), fc.array(fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: Tn, maxLength: Tn }), { minLength: B, maxLength: B }))),
  },
  createKvCache: { ...stateful('kv-cache', R.createKvCache, T.createKvCache), stateful: 'a cache object the steps fill: spec/blocks (KV-cache decoding equals the full pass) compares the two implementations through tinyGptDecode' },
  tinyGptStep: { ...stateful('kv-cache', R.tinyGptStep, T.tinyGptStep), stateful: 'reads and extends a cache object; compared through tinyGptDecode' },
  tinyGptDecode: {
    concept: 'kv-cache',
    reference: R.tinyGptDecode,
    highPrecision: HP.tinyGptDecode,
    tfjs: T.tinyGptDecode,
    args: ['value', 'params', 'value'],
    tolerance: TFJS_VS_REFERENCE.block,
  },
  tinyLlama: {
    concept: 'tiny-llama',
    reference: R.tinyLlama,
    highPrecision: HP.tinyLlama,
    tfjs: T.tinyLlama,
    args: ['value', 'params', 'value', 'value'],
    tolerance: TFJS_VS_REFERENCE.block, // spec/tiny-llama runs it against PyTorch (fixtures/llm/tinyllama)
  },
  tinyLlamaDecode: {
    concept: 'tiny-llama',
    reference: R.tinyLlamaDecode,
    highPrecision: HP.tinyLlamaDecode,
    tfjs: T.tinyLlamaDecode,
    args: ['value', 'params', 'value'],
    tolerance: TFJS_VS_REFERENCE.block,
  },
  disposeKvCache: { ...stateful('kv-cache', R.disposeKvCache, T.disposeKvCache), stateful: 'frees (tfjs) or empties (reference) a cache object' },
  loraLinear: {
    concept: 'lora',
    reference: R.loraLinear,
    highPrecision: HP.loraLinear,
    tfjs: T.loraLinear,
    args: ['tensor', 'params', 'value', 'value'],
    tolerance: PEFT_TFJS_VS_REFERENCE.lora,
    arbitrary: ({ fc, size, matrixOf, weightsOf, linearOf }) =>
      fc.record({ n: size(1, 6), dIn: size(1, 8), dOut: size(1, 8), r: size(1, 4), alpha: fc.constantFrom(1, 4, 16), p: fc.constantFrom(0, 0.3), seed: fc.integer({ min: 0, max: 1000 }) }).chain(({ n, dIn, dOut, r, alpha, p, seed }) =>
        fc.tuple(matrixOf(n, dIn), fc.record({ A: weightsOf(r, dIn), B: weightsOf(dOut, r), base: linearOf(dIn, dOut) }), fc.constant(p > 0 ? { alpha, dropout: { p, seed } } : { alpha })),
      ),
  },
  loraDelta: loraRow(R.loraDelta, HP.loraDelta, T.loraDelta, ({ fc, size, weightsOf }) => fc.tuple(size(1, 8), size(1, 8), size(1, 4)).chain(([dIn, dOut, r]) => fc.tuple(fc.record({ A: weightsOf(r, dIn), B: weightsOf(dOut, r) }), fc.constant({ alpha: 2 * r })))),
  mergeLora: loraRow(R.mergeLora, HP.mergeLora, T.mergeLora, ({ fc, size, weightsOf, linearOf }) =>
    fc.tuple(size(1, 8), size(1, 8), size(1, 4)).chain(([dIn, dOut, r]) => fc.tuple(fc.record({ A: weightsOf(r, dIn), B: weightsOf(dOut, r), base: linearOf(dIn, dOut) }), fc.constant({ alpha: 8 })))),
  unmergeLora: {
    ...loraRow(R.unmergeLora, HP.unmergeLora, T.unmergeLora, ({ fc, size, weightsOf, linearOf }) =>
      fc.tuple(size(1, 8), size(1, 8), size(1, 4)).chain(([dIn, dOut, r]) => fc.tuple(linearOf(dIn, dOut), fc.record({ A: weightsOf(r, dIn), B: weightsOf(dOut, r) }), fc.constant({ alpha: 8 })))),
    args: ['params', 'params', 'value'],
  },
  deltaAbt: {
    ...loraRow(R.deltaAbt, HP.deltaAbt, T.deltaAbt, ({ fc, size, matrixOf }) => fc.tuple(size(1, 8), size(1, 4)).chain(([d, r]) => fc.tuple(matrixOf(d, r), matrixOf(d, r)))),
    args: ['tensor', 'tensor'],
  },
  deltaBa: { ...loraRow(R.deltaBa, HP.deltaBa, T.deltaBa, ({ fc, size, weightsOf }) => fc.tuple(size(1, 8), size(1, 8), size(1, 4)).chain(([dIn, dOut, r]) => fc.tuple(fc.record({ A: weightsOf(r, dIn), B: weightsOf(dOut, r) })))), args: ['params'] },
  adapter: {
    concept: 'adapter',
    reference: R.adapter,
    highPrecision: HP.adapter,
    tfjs: T.adapter,
    args: ['tensor', 'params', 'value', 'value'],
    tolerance: PEFT_TFJS_VS_REFERENCE.lora,
    arbitrary: ({ fc, size, matrixOf, linearOf }) => fc.tuple(size(1, 6), size(1, 8), size(1, 4)).chain(([n, d, m]) => fc.tuple(matrixOf(n, d), fc.record({ down: linearOf(d, m), up: linearOf(m, d) }), fc.constantFrom('gelu', 'relu'))),
  },
  prependPrompt: {
    concept: 'prompt-tuning',
    reference: R.prependPrompt,
    highPrecision: HP.prependPrompt,
    tfjs: T.prependPrompt,
    args: ['tensor', 'sequence'],
    tolerance: TFJS_VS_REFERENCE.default,
    arbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 4), size(1, 6), size(1, 8)).chain(([P, Tn, d]) => fc.tuple(matrixOf(P, d), matrixOf(Tn, d))),
  },
  promptFromTokens: {
    concept: 'prompt-tuning',
    reference: R.promptFromTokens,
    highPrecision: HP.promptFromTokens,
    tfjs: T.promptFromTokens,
    args: ['tensor', 'value'],
    tolerance: TFJS_VS_REFERENCE.default,
    arbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 12), size(1, 8)).chain(([V, d]) => fc.tuple(matrixOf(V, d), fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: 1, maxLength: 5 }))),
  },
  prefixAttention: {
    concept: 'prefix-tuning',
    reference: R.prefixAttention,
    highPrecision: HP.prefixAttention,
    tfjs: T.prefixAttention,
    args: ['sequence', 'sequence', 'sequence', 'tensor', 'tensor'],
    tolerance: TFJS_VS_REFERENCE.attention,
    arbitrary: ({ fc, size, matrixOf }) =>
      fc.tuple(size(1, 3), size(1, 5), size(1, 4), size(1, 3)).chain(([H, Tn, hs, P]) => {
        const heads = fc.array(matrixOf(Tn, hs), { minLength: H, maxLength: H });
        return fc.tuple(heads, heads, heads, matrixOf(P, H * hs), matrixOf(P, H * hs));
      }),
  },
  peftTinyGpt: {
    concept: 'peft-tiny-gpt',
    reference: R.peftTinyGpt,
    highPrecision: HP.peftTinyGpt,
    tfjs: T.peftTinyGpt,
    args: ['value', 'params', 'params', 'value', 'value'],
    tolerance: PEFT_TFJS_VS_REFERENCE.tinyGpt,
  },
  mergeLoraIntoTinyGpt: {
    concept: 'peft-tiny-gpt',
    reference: R.mergeLoraIntoTinyGpt,
    highPrecision: HP.mergeLoraIntoTinyGpt,
    tfjs: T.mergeLoraIntoTinyGpt,
    args: ['params', 'params'],
    tolerance: PEFT_TFJS_VS_REFERENCE.lora,
    tfjsResult: (r: { params: unknown }) => r.params, // tfjs also lists the tensors it created, for the caller to free
  },
  rankingLoss: alignmentRow(R.rankingLoss, HP.rankingLoss, T.rankingLoss, ['tensor'], ({ fc, size, vectorOf }) => size(2, 6).chain((n) => fc.tuple(vectorOf(n)))),
  ppoClipObjective: alignmentRow(R.ppoClipObjective, HP.ppoClipObjective, T.ppoClipObjective, ['tensor', 'tensor', 'value'], ({ fc }) =>
    fc.tuple(fc.double({ min: 0.2, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom(0.1, 0.2, 0.3)),
  ),
  klDivergence: alignmentRow(R.klDivergence, HP.klDivergence, T.klDivergence, ['tensor', 'tensor'], ({ fc, size }) => {
    const dist = (n: number) => fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((w) => w.map((x) => x / w.reduce((s, y) => s + y, 0)));
    return size(2, 6).chain((n) => fc.tuple(dist(n), dist(n)));
  }),
  dpoLoss: alignmentRow(R.dpoLoss, HP.dpoLoss, T.dpoLoss, ['scalars', 'value'], ({ fc }) => {
    const lp = fc.double({ min: -20, max: -0.1, noNaN: true });
    return fc.tuple(fc.record({ policyChosen: lp, policyRejected: lp, referenceChosen: lp, referenceRejected: lp }), fc.constantFrom(0.1, 0.5, 1));
  }),
  responseLoss: metricRow(R.responseLoss, HP.responseLoss, T.responseLoss, ['tensor', 'value', 'value', 'value'], ({ fc, size, matrixOf }) =>
    fc.tuple(size(2, 12), size(2, 16)).chain(([N, V]) =>
      fc.tuple(matrixOf(N, V, fc.double({ min: -10, max: 10, noNaN: true })), fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: N, maxLength: N }), fc.array(fc.boolean(), { minLength: N, maxLength: N }).map((m) => [true, ...m.slice(1)]), fc.constantFrom('mean', 'sum')),
    ),
  ),
  perplexity: metricRow(R.perplexity, HP.perplexity, T.perplexity, ['tensor', 'value', 'value'], logitsAndTargets, smallLogitsAndTargets),
  bitsPerCharacter: metricRow(R.bitsPerCharacter, HP.bitsPerCharacter, T.bitsPerCharacter, ['tensor', 'value', 'value'], logitsAndTargets, smallLogitsAndTargets),
  accuracy: { ...metricRow(R.accuracy, HP.accuracy, T.accuracy, ['tensor', 'value', 'value'], logitsAndTargets), tolerance: EXACT.tfjs, tfjsAsync: accuracyAsync },
  perplexityFromLoss: metricRow(R.perplexityFromLoss, HP.perplexityFromLoss, T.perplexityFromLoss, ['tensor'], ({ fc }) => fc.tuple(fc.double({ min: 0, max: 5, noNaN: true }))),
  bitsPerCharacterFromLoss: metricRow(R.bitsPerCharacterFromLoss, HP.bitsPerCharacterFromLoss, T.bitsPerCharacterFromLoss, ['tensor'], ({ fc }) => fc.tuple(fc.double({ min: 0, max: 5, noNaN: true }))),
  filterLogits: samplingRow(R.filterLogits, T.filterLogits),
  samplingDistribution: samplingRow(R.samplingDistribution, T.samplingDistribution),
  clipGradNorm: {
    concept: 'grad-clip',
    reference: R.clipGradNorm,
    highPrecision: { none: 'a norm and one scale factor over float64 gradients: the optimiser fixtures (fixtures/optim) anchor it to PyTorch instead' },
    tfjs: T.clipGradNorm,
    tfjsAsync: clipGradNormAsync,
    args: ['tensors', 'value'],
    tolerance: TFJS_VS_REFERENCE.default,
    arbitrary: ({ fc, size, vectorOf }) => fc.tuple(fc.array(size(1, 8).chain((n) => vectorOf(n)), { minLength: 1, maxLength: 4 }), fc.constantFrom(0.5, 1, 10)),
  },
  createAdamW: {
    concept: 'adamw',
    reference: R.createAdamW,
    highPrecision: { none: 'an optimiser over float64 parameter vectors; fixtures/optim anchor both implementations to torch.optim.AdamW' },
    tfjs: T.createAdamW,
    args: ['value', 'value'],
    tolerance: TFJS_VS_REFERENCE.default,
    stateful: 'an optimiser object holding moments and updating variables in place: spec/training/optimiser.parity.spec.ts runs both against PyTorch',
  },
  // new-layer: rows are inserted above this line (keep it)
} satisfies { [K in keyof typeof R]?: OpRow };

export type OpName = keyof typeof OP_REGISTRY;
export const OP_NAMES = Object.keys(OP_REGISTRY) as OpName[];

/**
 * Exports of one index without a twin of the same name and argument names in the other, each with
 * the reason; spec/registry/op-pairing.spec.ts fails on any other difference.
 *   onlyIn: the export exists in one index only;
 *   extraParameters: the same op, with trailing parameters one side has and the other does not.
 */
export const PAIRING_EXCEPTIONS: Record<string, { onlyIn?: 'reference' | 'tfjs'; extraParameters?: { side: 'reference' | 'tfjs'; names: string[] }; reason: string }> = {
  matMul: { onlyIn: 'reference', reason: 'tfjs-core provides tf.matMul; the reference needs its own over any field (the registry row names tf.matMul)' },
  add: { onlyIn: 'reference', reason: 'tfjs-core provides tf.add; the reference needs its own over any field' },
  transpose: { onlyIn: 'reference', reason: 'tfjs-core provides tf.transpose; the reference needs its own for nested arrays' },
  glorotUniform: { onlyIn: 'reference', reason: 'an initialiser drawing from the project\'s seeded Rng on the host; tfjs code initialises its tensors from the same host draws' },
  finiteDifferenceGradient: { onlyIn: 'reference', reason: 'the reference\'s stand-in for automatic differentiation; tfjs has tf.grads' },
  tinyModel: { extraParameters: { side: 'tfjs', names: ['options'] }, reason: 'tfjs takes the op set (evaluation, or a trainer\'s fast kernels with dropout) there; the reference has one set of formulas and no training mode' },
  peftTinyGpt: { extraParameters: { side: 'tfjs', names: ['options'] }, reason: 'tfjs takes LoRA dropout for training there (masks laid out over the whole batch); the reference runs PEFT in evaluation mode only' },
};

// ---------------------------------------------------------------------------------------------
// Row builders for families of ops that share their argument kinds and tolerance

function activationRow(_kind: string, reference: Fn, highPrecision: Fn, tfjs: Fn): OpRow {
  return {
    concept: 'activations',
    reference,
    highPrecision,
    tfjs,
    args: ['tensor'],
    tolerance: TFJS_VS_REFERENCE.default,
    arbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 8), size(1, 16)).chain(([n, d]) => fc.tuple(matrixOf(n, d))),
    highPrecisionArbitrary: ({ fc, size, matrixOf }) => fc.tuple(size(1, 2), size(1, 4)).chain(([n, d]) => fc.tuple(matrixOf(n, d))),
    // a dense grid over [−6, 6] (step 1/64): where erf-GELU and tanh-GELU differ most (|x| ≈ 2.7) and both saturate
    cases: () => [[[Array.from({ length: 769 }, (_, i) => -6 + i / 64)]]],
  };
}

function sequenceRow(concept: string, reference: Fn, highPrecision: Fn, tfjs: Fn, args: ArgKind[], fixtures: FixtureRun[]): OpRow {
  return { concept, reference, highPrecision, tfjs, args, tolerance: SEQUENCE_TOLERANCE, fixtures };
}

function stateful(concept: string, reference: Fn, tfjs: Fn): Omit<OpRow, 'stateful'> {
  return { concept, reference, highPrecision: { none: 'stateful: see the row\'s `stateful` note' }, tfjs, args: [], tolerance: TFJS_VS_REFERENCE.default };
}

function loraRow(reference: Fn, highPrecision: Fn, tfjs: Fn, arbitrary: OpRow['arbitrary']): OpRow {
  return { concept: 'lora', reference, highPrecision, tfjs, args: ['params', 'value'], tolerance: PEFT_TFJS_VS_REFERENCE.lora, arbitrary };
}

function alignmentRow(reference: Fn, highPrecision: Fn, tfjs: Fn, args: ArgKind[], arbitrary: OpRow['arbitrary']): OpRow {
  return { concept: 'alignment', reference, highPrecision, tfjs, args, tolerance: PEFT_TFJS_VS_REFERENCE.alignment, arbitrary };
}

function metricRow(reference: Fn, highPrecision: Fn, tfjs: Fn, args: ArgKind[], arbitrary: OpRow['arbitrary'], highPrecisionArbitrary?: OpRow['arbitrary']): OpRow {
  return { concept: 'metrics', reference, highPrecision, tfjs, args, tolerance: TFJS_METRICS, arbitrary, highPrecisionArbitrary };
}

/** Few positions and a small vocabulary: 64-digit exp and log over each row are slow. */
function smallLogitsAndTargets({ fc, size, matrixOf }: Arbitraries) {
  return fc.tuple(size(1, 3), size(2, 5)).chain(([N, V]) => fc.tuple(matrixOf(N, V), fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: N, maxLength: N }), fc.constant(-100)));
}

/** Logits |z| ≤ 10 exact in float32 (a tie is a tie on both sides) and targets. */
function logitsAndTargets({ fc, size, matrixOf, value }: Arbitraries) {
  return fc.tuple(size(1, 12), size(2, 16)).chain(([N, V]) => fc.tuple(matrixOf(N, V, value.map((v) => 2.5 * v)), fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: N, maxLength: N }), fc.constant(-100)));
}

function samplingRow(reference: Fn, tfjs: Fn): OpRow {
  return {
    concept: 'sampling',
    reference,
    highPrecision: { none: 'decoding filters act on float64 logit vectors; their conventions (ties at the boundary, −∞) are checked exactly in spec/sampling' },
    tfjs,
    args: ['tensor', 'value'],
    masked: { inputs: true, results: true }, // −∞ logits are masked tokens; filtering makes more
    tolerance: TFJS_VS_REFERENCE.softmax,
    // distinct logits, so no float32 rounding moves a token across a top-k or top-p boundary
    arbitrary: ({ fc, size }) =>
      size(2, 12).chain((V) =>
        fc.tuple(
          fc.uniqueArray(fc.integer({ min: -400, max: 400 }), { minLength: V, maxLength: V }).map((z) => z.map((v) => v / 50)),
          fc.record({ temperature: fc.constantFrom(0.5, 1, 2), topK: fc.integer({ min: 1, max: V + 1 }) }, { requiredKeys: ['temperature'] }),
        ),
      ),
  };
}
