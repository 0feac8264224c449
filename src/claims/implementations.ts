/**
 * The three implementations behind one array-in/array-out interface, so that each claim's
 * evaluator is written once and runs on all of them: the float64 reference, the 64-digit BigNumber
 * oracle, and TensorFlow.js (float32) on whatever backend src/core/backend.ts selected.
 * This is the registry that pairs reference and tfjs layers by name (STYLE.md, "A layer and its
 * specs"): a layer added here gets claim, differential and report coverage.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendReport } from '../core/backend.js';
import type { ImplName } from '../core/claims.js';
import { shapeOf, type Matrix } from '../core/shape.js';
import { bignumber, float64, HIGH_PRECISION_DIGITS, type Field } from '../reference/field.js';
import { finiteDifferenceGradient } from '../reference/finite-difference.js';
import { learnedPositionalEmbedding as refLearned } from '../reference/learned-positional-embedding.js';
import { matMulWith } from '../reference/linear-algebra.js';
import { multiHeadAttentionWith, type MultiHeadOptions, type MultiHeadParams, type MultiHeadResult } from '../reference/multi-head-attention.js';
import { ropeWith, type RopeOptions } from '../reference/rope.js';
import { scaledDotProductAttentionWith, type AttentionOptions, type AttentionSteps } from '../reference/scaled-dot-product-attention.js';
import { sinusoidalEncodingWith, type PositionalEncodingOptions } from '../reference/sinusoidal-encoding.js';
import { softmaxWith, type SoftmaxAxis } from '../reference/softmax.js';
import * as T from '../tfjs/index.js'; // also registers tfjs-core's gradients
import type { Activation } from '../reference/activations.js';
import { applyActivationWith } from '../reference/activations.js';
import { batchNormWith } from '../reference/batch-norm.js';
import { feedForwardWith, type FeedForwardParams } from '../reference/feed-forward.js';
import { layerNormWith, type LayerNormParams } from '../reference/layer-norm.js';
import { blockWith, decoderLayerWith, encoderLayerWith, type BlockParams, type DecoderLayerParams, type EncoderLayerParams } from '../reference/transformer-block.js';
import { tinyModelWith, type TinyModelParams } from '../reference/tiny-models.js';
import type { TinyConfig, TinyKind } from '../core/tiny-config.js';
import * as TL from '../tfjs/index.js';
import * as TB from '../tfjs/transformer-block.js';
import { tinyModel as tfTinyModel } from '../tfjs/tiny-models.js';

export interface TensorInfo {
  shape: number[];
  rank: number;
  values: unknown;
}

export interface Gradients {
  wQ: number[][];
  wK: number[][];
  wV: number[][];
}

export interface ArrayImpl<S> {
  name: ImplName;
  /** float64 | bignumber-64 | the tfjs backend (wasm, cpu, tensorflow, gpu). */
  backend: string;
  F: Field<S>;
  lift(m: number[][]): Matrix<S>;
  matMul(a: Matrix<S>, b: Matrix<S>): Matrix<S>;
  softmax(x: Matrix<S>, axis?: SoftmaxAxis): Matrix<S>;
  attention(q: Matrix<S>, k: Matrix<S>, v: Matrix<S>, options?: AttentionOptions): AttentionSteps<Matrix<S>>;
  multiHeadAttention(xQ: Matrix<S>, xKV: Matrix<S>, p: MultiHeadParams<S>, o: MultiHeadOptions): MultiHeadResult<Matrix<S>>;
  sinusoidalEncoding(positions: number | readonly number[], d: number, o?: PositionalEncodingOptions): Matrix<S>;
  rope(x: Matrix<S>, o?: RopeOptions): Matrix<S>;
  learnedPositionalEmbedding(table: Matrix<S>, positions: number | readonly number[]): Matrix<S>;
  layerNorm(x: Matrix<S>, p: LayerNormParams<S> | null, eps?: number): Matrix<S>;
  batchNorm(x: Matrix<S>, p: LayerNormParams<S> | null, eps?: number): Matrix<S>;
  activation(x: Matrix<S>, kind: Activation): Matrix<S>;
  feedForward(x: Matrix<S>, p: FeedForwardParams<S>, kind: Activation): Matrix<S>;
  /** Pre-LN block on one sequence (T × C). */
  block(x: Matrix<S>, p: BlockParams<S>, o?: { causal?: boolean }): Matrix<S>;
  encoderLayer(x: Matrix<S>, p: EncoderLayerParams<S>, kind?: Activation): Matrix<S>;
  decoderLayer(x: Matrix<S>, memory: Matrix<S>, p: DecoderLayerParams<S>, kind?: Activation): Matrix<S>;
  /** Logits (T × V) per sequence of a TinyGPT/TinyBERT. */
  tinyModelLogits(kind: TinyKind, config: TinyConfig, p: TinyModelParams<S>, idx: number[][]): Matrix<S>[];
  /** Lift a parameter tree of numbers into this implementation's scalars. */
  liftTree<P>(tree: P): P;
  /** Build an integer tensor from nested values (like torch.LongTensor) and read it back. */
  tensor(values: unknown): TensorInfo;
  /** Insert a length-1 axis (torch's unsqueeze / tf.expandDims) and read the result back. */
  unsqueeze(values: unknown, axis: number): TensorInfo;
  /**
   * Gradients of loss = Σ (MHA(X) ⊙ G) with respect to W_Q, W_K, W_V (single head, W_O = I).
   * tfjs: tf.grads; reference: central finite differences. Not offered at high precision.
   */
  attentionGradients?(x: number[][], w: { wQ: number[][]; wK: number[][]; wV: number[][] }, g: number[][]): Gradients;
}

function referenceLike<S>(name: ImplName, F: Field<S>, backend: string): ArrayImpl<S> {
  const lift = (m: number[][]): Matrix<S> => m.map((r) => r.map((x) => F.from(x)));
  const info = (values: unknown): TensorInfo => {
    const shape = shapeOf(values);
    return { shape, rank: shape.length, values };
  };
  return {
    name,
    backend,
    F,
    lift,
    matMul: (a, b) => matMulWith(F, a, b),
    softmax: (x, axis) => softmaxWith(F, x, axis),
    attention: (q, k, v, o) => scaledDotProductAttentionWith(F, q, k, v, o),
    multiHeadAttention: (xQ, xKV, p, o) => multiHeadAttentionWith(F, xQ, xKV, p, o),
    sinusoidalEncoding: (pos, d, o) => sinusoidalEncodingWith(F, pos, d, o),
    rope: (x, o) => ropeWith(F, x, o),
    learnedPositionalEmbedding: (t, p) => refLearned(t, p),
    layerNorm: (x, p, eps) => layerNormWith(F, x, p, eps),
    batchNorm: (x, p, eps) => batchNormWith(F, x, p, eps),
    activation: (x, kind) => applyActivationWith(F, x, kind),
    feedForward: (x, p, kind) => feedForwardWith(F, x, p, kind),
    block: (x, p, o) => blockWith(F, x, p, o),
    encoderLayer: (x, p, kind) => encoderLayerWith(F, x, p, kind),
    decoderLayer: (x, m, p, kind) => decoderLayerWith(F, x, m, p, kind),
    tinyModelLogits: (kind, config, p, idx) => tinyModelWith(F, kind, config, p, idx).logits,
    liftTree: <P>(tree: P) => mapLeaves(tree, (v) => F.from(v)) as P,
    tensor: info,
    unsqueeze: (values, axis) => {
      const arr = values as unknown[];
      if (axis === 0) return info([arr]);
      throw new Error('reference unsqueeze supports axis 0 only');
    },
  };
}

export const referenceImpl: ArrayImpl<number> = {
  ...referenceLike('reference', float64, 'float64'),
  attentionGradients(x, w, g) {
    // loss(W) = Σ_ij (Attention(X W_Q, X W_K, X W_V) ⊙ G)_ij, differentiated numerically per matrix
    const loss = (wQ: number[][], wK: number[][], wV: number[][]) => {
      const out = scaledDotProductAttentionWith(float64, matMulWith(float64, x, wQ), matMulWith(float64, x, wK), matMulWith(float64, x, wV)).output;
      return out.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * g[i][j], 0), 0);
    };
    return {
      wQ: finiteDifferenceGradient((m) => loss(m, w.wK, w.wV), w.wQ),
      wK: finiteDifferenceGradient((m) => loss(w.wQ, m, w.wV), w.wK),
      wV: finiteDifferenceGradient((m) => loss(w.wQ, w.wK, m), w.wV),
    };
  },
};

export const highPrecisionImpl = referenceLike('high-precision', bignumber, `bignumber-${HIGH_PRECISION_DIGITS}`);

/** Map every number in a nested parameter tree (objects, arrays with holes), keeping structure. */
function mapLeaves(tree: unknown, f: (v: number) => unknown): unknown {
  if (typeof tree === 'number') return f(tree);
  if (Array.isArray(tree)) return Array.from(tree, (v) => (v === undefined ? undefined : mapLeaves(v, f)));
  if (tree && typeof tree === 'object') return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, mapLeaves(v, f)]));
  return tree;
}

/** Parameter tree of numbers → the same tree of tensors (vectors → 1-D, matrices → 2-D). */
function treeToTensors(tree: unknown): unknown {
  if (Array.isArray(tree) && typeof tree[0] === 'number') return tf.tensor1d(tree as number[]);
  if (Array.isArray(tree) && Array.isArray(tree[0]) && typeof tree[0][0] === 'number') return tf.tensor2d(tree as number[][]);
  if (Array.isArray(tree)) return Array.from(tree, (v) => (v === undefined ? undefined : treeToTensors(v)));
  if (tree && typeof tree === 'object') return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, treeToTensors(v)]));
  return tree;
}

const seq = (m: number[][]) => tf.tensor3d([m]); // one sequence as a batch of one: (1 × T × C)
const unbatch = (t: tf.Tensor) => tf.squeeze(t, [0]);

/** Runs `f` on tensors made from plain arrays and returns plain arrays; leaks nothing. */
function viaTensors<R>(f: () => R): R {
  const before = tf.memory().numTensors;
  const result = tf.tidy(() => {
    const out = f() as unknown;
    return toArrays(out) as tf.TensorContainer;
  }) as R;
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tfjs adapter leaked ${after - before} tensors`);
  return result;
}

function toArrays(x: unknown): unknown {
  if (x instanceof tf.Tensor) return x.arraySync();
  if (Array.isArray(x)) return x.map(toArrays);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, toArrays(v)]));
  return x;
}

const t2 = (m: number[][]) => tf.tensor2d(m);

export function tfjsImpl(report: BackendReport): ArrayImpl<number> {
  return {
    name: 'tfjs',
    backend: report.choice,
    F: float64,
    lift: (m) => m.map((r) => [...r]),
    matMul: (a, b) => viaTensors(() => tf.matMul(t2(a), t2(b))) as unknown as number[][],
    softmax: (x, axis = -1) => viaTensors(() => T.softmax(t2(x), axis)) as unknown as number[][],
    attention: (q, k, v, o) => viaTensors(() => T.scaledDotProductAttention(t2(q), t2(k), t2(v), o)) as unknown as AttentionSteps<number[][]>,
    multiHeadAttention: (xQ, xKV, p, o) =>
      viaTensors(() => {
        const tp = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Array.isArray(v[0]) ? t2(v as number[][]) : tf.tensor1d(v as number[])]));
        return T.multiHeadAttention(t2(xQ), t2(xKV), tp as Parameters<typeof T.multiHeadAttention>[2], o);
      }) as unknown as MultiHeadResult<number[][]>,
    sinusoidalEncoding: (pos, d, o) => viaTensors(() => T.sinusoidalEncoding(pos, d, o)) as unknown as number[][],
    rope: (x, o) => viaTensors(() => T.rope(t2(x), o)) as unknown as number[][],
    learnedPositionalEmbedding: (table, pos) => viaTensors(() => T.learnedPositionalEmbedding(t2(table), pos)) as unknown as number[][],
    layerNorm: (x, p, eps) => viaTensors(() => TL.layerNorm(t2(x), p ? (treeToTensors(p) as TL.TfLayerNormParams) : null, eps)) as unknown as number[][],
    batchNorm: (x, p, eps) => viaTensors(() => TL.batchNorm(t2(x), p ? (treeToTensors(p) as TL.TfLayerNormParams) : null, eps)) as unknown as number[][],
    activation: (x, kind) => viaTensors(() => TL.activation(t2(x), kind)) as unknown as number[][],
    feedForward: (x, p, kind) => viaTensors(() => TL.feedForward(t2(x), treeToTensors(p) as TL.TfFeedForwardParams, kind)) as unknown as number[][],
    block: (x, p, o) => viaTensors(() => unbatch(TB.block(seq(x), treeToTensors(p) as TB.TfBlockParams, o))) as unknown as number[][],
    encoderLayer: (x, p, kind) => viaTensors(() => unbatch(TB.encoderLayer(seq(x), treeToTensors(p) as TB.TfEncoderLayerParams, kind))) as unknown as number[][],
    decoderLayer: (x, m, p, kind) => viaTensors(() => unbatch(TB.decoderLayer(seq(x), seq(m), treeToTensors(p) as TB.TfDecoderLayerParams, kind))) as unknown as number[][],
    tinyModelLogits: (kind, config, p, idx) =>
      viaTensors(() => tfTinyModel(kind, config, treeToTensors(p) as Parameters<typeof tfTinyModel>[2], idx).logits) as unknown as number[][][],
    liftTree: <P>(tree: P) => tree,
    tensor: (values) =>
      viaTensors(() => {
        const t = tf.tensor(values as number[], undefined, 'int32');
        return { shape: t.shape, rank: t.rank, values: t };
      }) as unknown as TensorInfo,
    unsqueeze: (values, axis) =>
      viaTensors(() => {
        const t = tf.expandDims(tf.tensor(values as number[], undefined, 'int32'), axis);
        return { shape: t.shape, rank: t.rank, values: t };
      }) as unknown as TensorInfo,
    attentionGradients(x, w, g) {
      const [xt, gt] = [t2(x), t2(g)];
      const f = (wQ: tf.Tensor, wK: tf.Tensor, wV: tf.Tensor) =>
        tf.sum(tf.mul(T.scaledDotProductAttention(tf.matMul(xt, wQ), tf.matMul(xt, wK), tf.matMul(xt, wV)).output, gt)) as tf.Scalar;
      const ws = [t2(w.wQ), t2(w.wK), t2(w.wV)];
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c))(ws);
      const [dQ, dK, dV] = grads.map((t) => t.arraySync() as number[][]);
      tf.dispose([...grads, ...ws, xt, gt]);
      return { wQ: dQ, wK: dK, wV: dV };
    },
  };
}
