/**
 * Normalising over the last k axes (nn.LayerNorm(normalized_shape) with k = len(normalized_shape)):
 * the block of the last k axes is one vector of ∏ s_i features. These helpers flatten an input of
 * shape (lead… × s₁ × … × s_k) to rows (∏lead × ∏s), and give back the original shape afterwards,
 * so LayerNorm and RMSNorm keep one row formula.
 */
import { RangeArgumentError, ShapeError } from '../core/errors.js';
import { formatShape, shapeOf, type Matrix } from '../core/shape.js';

export function checkNormalizedDims(k: unknown, name: string): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new RangeArgumentError(`${name}: normalizedDims (the number of trailing axes normalised together) must be an integer ≥ 1, got ${String(k)}`);
  return k;
}

/** Rows of the flattened trailing block, the trailing shape, and how to restore the input's shape. */
export function flattenTrailing<S>(x: unknown, k: number, name: string): { rows: Matrix<S>; trailing: number[]; restore: (m: Matrix<S>) => unknown } {
  const shape = shapeOf(x, `${name} input`);
  if (shape.length < k) throw new ShapeError(`${name}: input of shape ${formatShape(shape)} has fewer than normalizedDims = ${k} axes`, 'BAD_RANK');
  if (shape.some((s) => s === 0)) throw new ShapeError(`${name} input must not be empty, got shape ${formatShape(shape)}`);
  const lead = shape.slice(0, shape.length - k);
  const trailing = shape.slice(shape.length - k);
  const flat = (x as unknown[]).flat(shape.length - 1) as S[];
  const width = trailing.reduce((a, b) => a * b, 1);
  const rows = Array.from({ length: flat.length / width }, (_, r) => flat.slice(r * width, (r + 1) * width)); // (∏lead × ∏s)
  const nest = (values: S[], dims: number[]): unknown => {
    if (dims.length === 0) return values[0];
    const step = values.length / dims[0];
    return Array.from({ length: dims[0] }, (_, i) => nest(values.slice(i * step, (i + 1) * step), dims.slice(1)));
  };
  return { rows, trailing, restore: (m) => nest(m.flat() as S[], [...lead, ...trailing]) };
}

/** A parameter of the trailing shape, flattened to one vector (γ, β), or a ShapeError naming the expected shape. */
export function flattenParameter<S>(p: unknown, trailing: number[], what: string): S[] {
  const s = shapeOf(p, what);
  if (s.length !== trailing.length || s.some((d, i) => d !== trailing[i])) throw new ShapeError(`${what} must have shape ${formatShape(trailing)} (the normalised axes), got ${formatShape(s)}`);
  return (p as unknown[]).flat(trailing.length - 1) as S[];
}
