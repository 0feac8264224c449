/**
 * state_dict ↔ parameter tree. A flat PyTorch state_dict ("blocks.0.mh.heads.1.key.weight") becomes
 * nested objects and arrays (params.blocks[0].mh.heads[1].key.weight), numeric path segments
 * becoming array indices; 2-D entries become matrices, 1-D vectors, 0-D scalars.
 */
import { ArgumentError } from './errors.js';

export interface FlatTensor<S = number> {
  shape: number[];
  values: ArrayLike<S>;
}

type Tree = { [k: string]: unknown } | unknown[];

export function leafFromFlat<S>(t: FlatTensor<S>, name: string): unknown {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.values.length !== size) throw new ArgumentError(`${name}: ${t.values.length} values for shape [${t.shape}]`);
  const v = Array.from(t.values);
  if (t.shape.length === 0) return v[0];
  if (t.shape.length === 1) return v;
  if (t.shape.length === 2) return Array.from({ length: t.shape[0] }, (_, i) => v.slice(i * t.shape[1], (i + 1) * t.shape[1]));
  throw new ArgumentError(`${name}: rank ${t.shape.length} parameters are not used by these models`);
}

/** Nest a flat name → leaf map by its dotted paths. */
export function unflatten(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, leaf] of entries) {
    const parts = name.split('.');
    let node: Tree = root;
    parts.forEach((part, i) => {
      const key: string | number = /^\d+$/.test(part) ? Number(part) : part;
      const last = i === parts.length - 1;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[key] = leaf;
        return;
      }
      if (container[key] === undefined) container[key] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      node = container[key] as Tree;
    });
  }
  return root;
}

/** The inverse: walk a tree and list its leaves with dotted names (arrays' holes skipped). */
export function flatten(tree: unknown, isLeaf: (x: unknown) => boolean, prefix = ''): Array<[string, unknown]> {
  if (isLeaf(tree)) return [[prefix, tree]];
  if (Array.isArray(tree)) return tree.flatMap((v, i) => (v === undefined ? [] : flatten(v, isLeaf, prefix ? `${prefix}.${i}` : String(i))));
  if (tree && typeof tree === 'object') return Object.entries(tree).flatMap(([k, v]) => flatten(v, isLeaf, prefix ? `${prefix}.${k}` : k));
  return [];
}
