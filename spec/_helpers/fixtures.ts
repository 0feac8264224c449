/**
 * Fixture loading for specs: the loader lives in src/core/fixtures.ts (claims use it too); the
 * tfjs conveniences below are only needed by specs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unflatten } from '../../src/core/state-dict.js';
import type { FixtureTensor } from '../../src/core/fixtures.js';

export { loadFixture, nested, referenceParams, type Fixture, type FixtureTensor } from '../../src/core/fixtures.js';

/** Parameter tree of tensors for tfjs, plus the flat list (for tf.grads). */
export function tfjsParams(params: Map<string, FixtureTensor>, skip: (name: string) => boolean = () => false): { tree: Record<string, unknown>; names: string[]; tensors: tf.Tensor[] } {
  const names = [...params.keys()].filter((n) => !skip(n));
  const tensors = names.map((n) => tf.tensor(params.get(n)!.values, params.get(n)!.shape, 'float32'));
  return { tree: unflatten(names.map((n, i) => [n, tensors[i]])), names, tensors };
}

export function rebuild(names: string[], tensors: tf.Tensor[]): Record<string, unknown> {
  return unflatten(names.map((n, i) => [n, tensors[i]]));
}
