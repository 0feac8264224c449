/**
 * The three implementations behind one array-in/array-out interface, built from the op registry
 * (src/ops/registry.ts), so that each claim's evaluator is written once and runs on all of them:
 * the float64 reference, the 64-digit BigNumber oracle, and TensorFlow.js (float32) on whatever
 * backend src/core/backend.ts selected. `impl.<op>(…)` exists for every registry row that is not
 * stateful, with the reference's argument names; every call returns a promise, because tfjs reads
 * its results back asynchronously (a synchronous read returns zeros on WebGPU).
 *
 * Arguments are plain numbers (or, for the BigNumber oracle, values already lifted with
 * `impl.lift`); results are nested arrays of the implementation's scalars (`impl.F`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendReport } from '../core/backend.js';
import type { ImplName } from '../core/claims.js';
import { ArgumentError } from '../core/errors.js';
import { shapeOf, type Matrix } from '../core/shape.js';
import { bignumber, float64, HIGH_PRECISION_DIGITS, type Field } from '../reference/field.js';
import { finiteDifferenceGradient } from '../reference/finite-difference.js';
import type * as R from '../reference/index.js';
import { matMulWith } from '../reference/linear-algebra.js';
import { checkInputValues, checkReadBack } from '../core/numeric-conventions.js';
import { scaledDotProductAttentionWith, type AttentionOptions, type AttentionSteps, type OutputOnly, type WithSteps } from '../reference/scaled-dot-product-attention.js';
import * as T from '../tfjs/index.js'; // also registers tfjs-core's gradients
import { canReadSynchronously } from '../tfjs/validate.js';
import { liftLeaves, referenceArg, tfjsArg, unbatch, withoutLeaks } from './convert.js';
import { OP_NAMES, OP_REGISTRY, type OpName, type OpRow } from './registry.js';

/** A type with every number loosened to the implementation's scalar (float64 number or BigNumber). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose<T> = T extends number ? any : T extends readonly (infer U)[] ? Loose<U>[] : T extends (...a: never[]) => unknown ? T : T extends object ? { [K in keyof T]: Loose<T[K]> } : T;
type Params<F> = F extends (...a: infer A) => unknown ? A : never;
type Result<F> = F extends (...a: never[]) => infer X ? X : never;
type StatefulOps = 'createKvCache' | 'tinyGptStep' | 'disposeKvCache' | 'createAdamW';

/** Attention's two forms (the steps are opt-in): an overloaded function, which Params/Result cannot see through. */
type LooseMatrix = Loose<number[][]>;
interface AttentionOp {
  (q: LooseMatrix, k: LooseMatrix, v: LooseMatrix, options: WithSteps<AttentionOptions>): Promise<AttentionSteps<LooseMatrix>>;
  (q: LooseMatrix, k: LooseMatrix, v: LooseMatrix, options?: OutputOnly<AttentionOptions>): Promise<LooseMatrix>;
}

/** One async function per registry op, with the reference's parameters. */
export type Ops = { [K in Exclude<OpName, StatefulOps | 'scaledDotProductAttention'>]: (...args: Loose<Params<(typeof R)[K]>>) => Promise<Loose<Awaited<Result<(typeof R)[K]>>>> } & {
  scaledDotProductAttention: AttentionOp;
};

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

export interface ArrayImpl<S> extends Ops {
  name: ImplName;
  /** float64 | bignumber-64 | the tfjs backend (wasm, cpu, webgl, webgpu, tensorflow, gpu). */
  backend: string;
  F: Field<S>;
  lift(m: number[][]): Matrix<S>;
  /** Lift a parameter tree of numbers into this implementation's scalars. */
  liftTree<P>(tree: P): P;
  /** Build an integer tensor from nested values (like torch.LongTensor) and read it back. */
  tensor(values: unknown): Promise<TensorInfo>;
  /** Insert a length-1 axis (torch's unsqueeze / tf.expandDims) and read the result back. */
  unsqueeze(values: unknown, axis: number): Promise<TensorInfo>;
  /**
   * Gradients of loss = Σ (Attention(X W_Q, X W_K, X W_V) ⊙ G) with respect to W_Q, W_K, W_V.
   * tfjs: tf.grads; reference: central finite differences. Not offered at high precision.
   */
  attentionGradients?(x: number[][], w: { wQ: number[][]; wK: number[][]; wV: number[][] }, g: number[][]): Promise<Gradients>;
}

const isStateful = (row: OpRow): boolean => row.stateful !== undefined;

function referenceOps<S>(F: Field<S>, which: 'reference' | 'highPrecision'): Ops {
  const ops: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of OP_NAMES) {
    const row: OpRow = OP_REGISTRY[name];
    if (isStateful(row)) continue;
    const fn = which === 'reference' ? row.reference : row.highPrecision;
    ops[name] = async (...args) => {
      if (typeof fn !== 'function') throw new ArgumentError(`${name} has no BigNumber variant: ${fn.none}`);
      return fn(...args.map((a, i) => referenceArg(F, row.args[i] ?? 'value', a)));
    };
  }
  return ops as unknown as Ops;
}

function tfjsOps(): Ops {
  const ops: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of OP_NAMES) {
    const row: OpRow = OP_REGISTRY[name];
    if (isStateful(row)) continue;
    const sequence = row.args.includes('sequence');
    ops[name] = async (...args) => {
      // On the host, before the upload, the checks the reference runs (src/core/numeric-conventions.ts,
      // rules 1, 3a and the row's own, such as attention's score bound): tfjs ops never read back.
      args.forEach((a, i) => {
        const kind = row.args[i];
        if ((kind === 'tensor' || kind === 'sequence') && (Array.isArray(a) || typeof a === 'number')) checkInputValues(a as number[], `${name} argument ${i + 1}`, { allowNegInf: row.masked?.inputs });
      });
      row.hostCheck?.(...args);
      const out = await withoutLeaks(`tfjs ${name}`, async () => {
        const op = row.tfjsAsync && !canReadSynchronously() ? row.tfjsAsync : row.tfjs; // webgpu: no synchronous read-back
        const r = await op(...args.map((a, i) => tfjsArg(row.args[i] ?? 'value', a)));
        return row.tfjsResult ? row.tfjsResult(r) : r;
      });
      checkReadBack(out as number[], name, { allowNegInf: row.masked?.results }); // rule 4: float32 overflow on the device is refused by name
      return sequence ? unbatch(out) : out;
    };
  }
  return ops as unknown as Ops;
}

function referenceLike<S>(name: ImplName, F: Field<S>, backend: string, which: 'reference' | 'highPrecision'): ArrayImpl<S> {
  const info = async (values: unknown): Promise<TensorInfo> => {
    const shape = shapeOf(values);
    return { shape, rank: shape.length, values };
  };
  return {
    ...referenceOps(F, which),
    name,
    backend,
    F,
    lift: (m) => m.map((r) => r.map((x) => F.from(x))),
    liftTree: <P>(tree: P) => liftLeaves(F, tree) as P,
    tensor: info,
    unsqueeze: async (values, axis) => {
      if (axis !== 0) throw new ArgumentError('the reference unsqueeze supports axis 0 only');
      return info([values]);
    },
  };
}

export const referenceImpl: ArrayImpl<number> = {
  ...referenceLike('reference', float64, 'float64', 'reference'),
  async attentionGradients(x, w, g) {
    // loss(W) = Σ_ij (Attention(X W_Q, X W_K, X W_V) ⊙ G)_ij, differentiated numerically per matrix
    const loss = (wQ: number[][], wK: number[][], wV: number[][]) => {
      const out = scaledDotProductAttentionWith(float64, matMulWith(float64, x, wQ), matMulWith(float64, x, wK), matMulWith(float64, x, wV));
      return out.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * g[i][j], 0), 0);
    };
    return {
      wQ: finiteDifferenceGradient((m) => loss(m, w.wK, w.wV), w.wQ),
      wK: finiteDifferenceGradient((m) => loss(w.wQ, m, w.wV), w.wK),
      wV: finiteDifferenceGradient((m) => loss(w.wQ, w.wK, m), w.wV),
    };
  },
};

export const highPrecisionImpl = referenceLike('high-precision', bignumber, `bignumber-${HIGH_PRECISION_DIGITS}`, 'highPrecision');

export function tfjsImpl(report: BackendReport): ArrayImpl<number> {
  const intTensor = (values: unknown) => tf.tensor(values as number[], undefined, 'int32');
  return {
    ...tfjsOps(),
    name: 'tfjs',
    backend: report.choice,
    F: float64,
    lift: (m) => m.map((r) => [...r]),
    liftTree: <P>(tree: P) => tree,
    tensor: (values) =>
      withoutLeaks('tfjs tensor', () => {
        const t = intTensor(values);
        return { shape: t.shape, rank: t.rank, values: t };
      }),
    unsqueeze: (values, axis) =>
      withoutLeaks('tfjs unsqueeze', () => {
        const t = tf.expandDims(intTensor(values), axis);
        return { shape: t.shape, rank: t.rank, values: t };
      }),
    attentionGradients: (x, w, g) =>
      withoutLeaks('tfjs attention gradients', () => {
        const [xt, gt] = [tf.tensor2d(x), tf.tensor2d(g)];
        const f = (wQ: tf.Tensor, wK: tf.Tensor, wV: tf.Tensor) => tf.sum(tf.mul(T.scaledDotProductAttention(tf.matMul(xt, wQ), tf.matMul(xt, wK), tf.matMul(xt, wV)), gt)) as tf.Scalar;
        const [dQ, dK, dV] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c))([tf.tensor2d(w.wQ), tf.tensor2d(w.wK), tf.tensor2d(w.wV)]);
        return { wQ: dQ, wK: dK, wV: dV };
      }),
  };
}
