/**
 * How an op's arguments and results cross between the array world (the reference, the claims, the
 * specs: nested number arrays and plain values) and the tensor world (tfjs). Each registry row
 * names one ArgKind per argument; results are converted by walking them.
 *
 *   'tensor'    nested numbers of any rank (or one number) ↔ a float32 tensor (a number: a scalar)
 *   'int'       nested integers ↔ an int32 tensor (token ids, targets)
 *   'sequence'  one sequence (T × C, or H × T × hs) ↔ a batch of one (1 × T × C): the tfjs op is
 *               batched where the reference takes one sequence; the result loses the axis again
 *   'tensors'   a list of nested arrays ↔ a list of tensors (gradients of several parameters)
 *   'params'    a parameter tree (objects and lists; vectors and matrices are tensors, plain numbers
 *               such as LoRA's alpha stay numbers) ↔ the same tree of tensors
 *   'scalars'   an object of numbers ↔ the same object of scalar tensors (DPO's log-probabilities)
 *   'value'     passed as it is (sizes, ids, options, configs)
 *
 * For the reference implementations the same kinds say which arguments are lifted into the field
 * (F.from on every number): everything but 'int' and 'value'.
 *
 * Reading back is asynchronous (`await t.array()`): a synchronous read returns zeros on WebGPU.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LeakError } from '../core/errors.js';
import type { Field } from '../reference/field.js';

export type ArgKind = 'tensor' | 'int' | 'sequence' | 'tensors' | 'params' | 'scalars' | 'value';

/** A plain object (a parameter tree's node, a result's steps): Object's prototype, or none (fast-check's records). */
const isPlainObject = (x: unknown): x is Record<string, unknown> => {
  if (!x || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

/** A vector or a matrix of numbers (deeper lists stay lists: a prefix holds one matrix per layer). */
const isVectorOrMatrix = (x: unknown): boolean => Array.isArray(x) && (x.length === 0 || typeof x[0] === 'number' || (Array.isArray(x[0]) && (x[0].length === 0 || typeof x[0][0] === 'number')));

/** A parameter tree's numbers into the field; arrays keep their holes (undefined stays undefined). */
export function liftLeaves<S>(F: Field<S>, tree: unknown): unknown {
  if (typeof tree === 'number') return F.from(tree);
  if (Array.isArray(tree)) return Array.from(tree, (v) => (v === undefined ? undefined : liftLeaves(F, v)));
  if (isPlainObject(tree)) return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, liftLeaves(F, v)]));
  return tree; // a value already in the field (BigNumber), a string, a boolean, null
}

/** One argument for a reference implementation over field F. */
export function referenceArg<S>(F: Field<S>, kind: ArgKind, value: unknown): unknown {
  return kind === 'int' || kind === 'value' ? value : liftLeaves(F, value);
}

function paramsToTensors(tree: unknown): unknown {
  if (isVectorOrMatrix(tree)) return tf.tensor(tree as number[]);
  if (Array.isArray(tree)) return Array.from(tree, (v) => (v === undefined ? undefined : paramsToTensors(v)));
  if (tree && typeof tree === 'object' && !(tree instanceof tf.Tensor)) return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, paramsToTensors(v)]));
  return tree;
}

/** One argument for a tfjs op (call inside tf.tidy: the tensors made here are the op's inputs). */
export function tfjsArg(kind: ArgKind, value: unknown): unknown {
  if (value === undefined || value === null || value instanceof tf.Tensor) return value;
  switch (kind) {
    case 'tensor':
      return typeof value === 'number' ? tf.scalar(value) : tf.tensor(value as number[]);
    case 'int':
      return tf.tensor(value as number[], undefined, 'int32');
    case 'sequence':
      return tf.tensor([value] as number[][]); // a batch of one
    case 'tensors':
      return (value as unknown[]).map((v) => tf.tensor(v as number[]));
    case 'params':
      return paramsToTensors(value);
    case 'scalars':
      return Object.fromEntries(Object.entries(value as Record<string, number>).map(([k, v]) => [k, tf.scalar(v)]));
    case 'value':
      return value;
  }
}

/** Every tensor in a result, in walk order (for disposal). */
export function tensorsIn(x: unknown, out: tf.Tensor[] = [], seen = new Set<unknown>()): tf.Tensor[] {
  if (x instanceof tf.Tensor) {
    if (!seen.has(x)) out.push(x);
    seen.add(x);
  } else if (Array.isArray(x)) x.forEach((v) => tensorsIn(v, out, seen));
  else if (x && typeof x === 'object') Object.values(x).forEach((v) => tensorsIn(v, out, seen));
  return out;
}

/** A result with every tensor replaced by its values (nested arrays; a scalar tensor by a number). */
export async function readBack(x: unknown): Promise<unknown> {
  if (x instanceof tf.Tensor) return x.rank === 0 ? (await x.data())[0] : x.array();
  if (Array.isArray(x)) return Promise.all(x.map(readBack));
  if (isPlainObject(x)) {
    const entries = await Promise.all(Object.entries(x).map(async ([k, v]) => [k, await readBack(v)] as const));
    return Object.fromEntries(entries);
  }
  return x;
}

/** Removes the batch-of-one axis that a 'sequence' argument added, from every array in a read-back result. */
export function unbatch(x: unknown): unknown {
  if (Array.isArray(x)) return x.length === 1 && Array.isArray(x[0]) ? x[0] : x;
  if (isPlainObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, unbatch(v)]));
  return x;
}

/**
 * The project's one leak guard: runs `f` (which makes tensors and returns — or resolves to — a
 * result holding some) in its own memory scope, reads the result back asynchronously, frees every
 * tensor `f` made, and refuses by name if the live tensor count moved. Every array-in/array-out
 * use of tfjs goes through it. Calls must not overlap (the claims and specs await each one).
 */
export async function withoutLeaks<R>(what: string, f: () => unknown): Promise<R> {
  const before = tf.memory().numTensors;
  const engine = tf.engine();
  let out: unknown;
  engine.startScope(what);
  try {
    out = await f();
  } catch (e) {
    engine.endScope();
    throw e;
  }
  const kept = tensorsIn(out);
  engine.endScope(kept); // frees every intermediate; keeps the tensors the result holds
  let result: unknown;
  try {
    result = await readBack(out);
  } finally {
    tf.dispose(kept);
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new LeakError(`${what} leaked ${leaked} tensor${leaked === 1 ? '' : 's'}`);
  return result as R;
}
