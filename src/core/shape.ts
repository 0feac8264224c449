/**
 * Shapes and plain nested arrays: the currency of the reference implementation and of golden data.
 * A `Matrix<S>` is a list of rows over a scalar type S (number for float64, BigNumber for high
 * precision). Validation helpers here are the single place that turns bad arrays into named errors.
 */
import { ArgumentError, NonFiniteError, ShapeError } from './errors.js';

export type Matrix<S = number> = S[][];
export type Shape = readonly number[];

/** Shape of a (possibly ragged → error) nested array, as PyTorch's `.shape` would report it. */
export function shapeOf(value: unknown, name = 'value'): number[] {
  if (!Array.isArray(value)) return [];
  if (value.length === 0) return [0];
  const inner = shapeOf(value[0], `${name}[0]`);
  for (let i = 1; i < value.length; i++) {
    const s = shapeOf(value[i], `${name}[${i}]`);
    if (!sameShape(s, inner)) {
      throw new ShapeError(
        `${name} is ragged: ${name}[0] has shape [${inner}] but ${name}[${i}] has shape [${s}]`,
      );
    }
  }
  return [value.length, ...inner];
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

/** Checks that `m` is a non-empty rectangular matrix of finite numbers; returns [rows, cols]. */
export function assertMatrix(m: unknown, name: string, opts: { finite?: boolean } = {}): [number, number] {
  if (!Array.isArray(m)) throw new ArgumentError(`${name} must be a matrix (array of rows), got ${typeof m}`);
  const s = shapeOf(m, name);
  if (s.length !== 2) {
    throw new ShapeError(`${name} must be 2-D (rows × columns), got shape ${formatShape(s)}`, 'BAD_RANK');
  }
  if (s[0] === 0 || s[1] === 0) throw new ShapeError(`${name} must not be empty, got shape ${formatShape(s)}`);
  if (opts.finite !== false) {
    (m as unknown[][]).forEach((row, i) =>
      row.forEach((x, j) => {
        if (typeof x === 'number' && !Number.isFinite(x)) {
          throw new NonFiniteError(`${name}[${i}][${j}] is ${x}; inputs must be finite numbers`);
        }
        if (typeof x !== 'number' && (typeof x !== 'object' || x === null)) {
          throw new ArgumentError(`${name}[${i}][${j}] must be a number, got ${JSON.stringify(x)}`);
        }
      }),
    );
  }
  return [s[0], s[1]];
}

