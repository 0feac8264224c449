/**
 * Seeded layer parameters by state_dict name, shared by both implementations (values rounded to
 * float32 so tfjs and the reference see the same numbers), the layouts of the tutorial's modules,
 * and small array helpers of the layer property specs (spec/blocks, spec/layer-norm).
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomMatrix, type Rng } from '../../src/core/random.js';
import { tfjsParams, type FixtureTensor } from './fixtures.js';
import type { Matrix } from './arbitraries.js';

export type Layout = Array<[string, number[]]>;
export type Params = Map<string, FixtureTensor>;

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Values by role, rounded to float32 so that tfjs and the reference see the same numbers:
 * `tril` buffers lower-triangular ones; LayerNorm γ = 1 + 0.1·N(0,1), biases 0.1·N(0,1);
 * embeddings N(0,1); Linear weights N(0,1)/√fan_in (the scale that keeps activations O(1)).
 */
export function seededParams(layout: Layout, rng: Rng): Params {
  const m: Params = new Map();
  for (const [name, shape] of layout) {
    const size = shape.reduce((a, b) => a * b, 1);
    const draw = (i: number): number => {
      if (name.endsWith('.tril')) return i % shape[1] <= Math.floor(i / shape[1]) ? 1 : 0; // row ≥ column
      if (/(^|\.)ln(\d|_f)\.weight$/.test(name)) return 1 + 0.1 * rng.normal();
      if (shape.length === 1) return 0.1 * rng.normal();
      if (/^(token|pos)_embed\./.test(name)) return rng.normal();
      return rng.normal() / Math.sqrt(shape[1]);
    };
    m.set(name, { shape, values: range(size).map((i) => Math.fround(draw(i))), integer: false });
  }
  return m;
}

/** Tensors of a seeded parameter map, and a function that frees them. */
export function tfTree<P>(params: Params): { tree: P; dispose: () => void } {
  const t = tfjsParams(params);
  return { tree: t.tree as unknown as P, dispose: () => tf.dispose(t.tensors) };
}

export const lnLayout = (p: string, C: number): Layout => [[`${p}.weight`, [C]], [`${p}.bias`, [C]]];
export const mhLayout = (p: string, C: number, H: number): Layout => [
  ...range(H).flatMap((h): Layout => ['query', 'key', 'value'].map((r) => [`${p}.heads.${h}.${r}.weight`, [C / H, C]])),
  [`${p}.proj.weight`, [C, C]],
  [`${p}.proj.bias`, [C]],
];
export const ffLayout = (p: string, C: number): Layout => [[`${p}.net.0.weight`, [4 * C, C]], [`${p}.net.0.bias`, [4 * C]], [`${p}.net.2.weight`, [C, 4 * C]], [`${p}.net.2.bias`, [C]]];
export const blockLayout = (C: number, H: number): Layout => [...lnLayout('ln1', C), ...mhLayout('mh', C, H), ...lnLayout('ln2', C), ...ffLayout('ff', C)];
export const encoderLayout = (C: number, H: number): Layout => [...mhLayout('self_attn', C, H), ...lnLayout('ln1', C), ...ffLayout('ff', C), ...lnLayout('ln2', C)];
export const decoderLayout = (C: number, H: number): Layout => [...encoderLayout(C, H), ...mhLayout('cross_attn', C, H), ...lnLayout('ln3', C)];

export const f32 = (m: Matrix): Matrix => m.map((r) => r.map(Math.fround));
export const seqOf = (rng: Rng, T: number, C: number): Matrix => f32(randomMatrix(rng, T, C)); // (T × C), N(0, 1)
export const tfArray = <A>(f: () => tf.Tensor): A => tf.tidy(() => f().arraySync() as unknown as tf.TensorContainer) as unknown as A;
