/**
 * Softmax, the reference form.
 *
 *   softmax(x)_j = exp(x_j − m) / Σ_k exp(x_k − m),   m = max_k x_k
 *
 * Subtracting the row maximum changes nothing mathematically (the factor e^{−m} cancels) and keeps
 * every exponent ≤ 0, so huge logits stay finite. Sources: the interview deck ("Later: Apply
 * Softmax Row-wise") and the course (α_ij = softmax_j(score(i, j))).
 *
 * Conventions (the same on every implementation and backend):
 * - −∞ entries are masked positions and get weight 0;
 * - a row whose entries are all −∞ (a fully masked attention row) gives all zeros, not NaN;
 * - NaN and +∞ are rejected with a NonFiniteError naming the entry; finite logits beyond float32's
 *   range with a Float32RangeError (src/core/numeric-conventions.ts, rules 1–3a).
 *
 * `axis` is -1 (each row, the Transformer's choice) or 0 (each column). Axis 0 exists so that the
 * discrimination specs can show the tolerance rejects "softmax over the wrong axis".
 */
import { ArgumentError, NonFiniteError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { checkFloat32Values } from '../core/numeric-conventions.js';
import { asNumbers, float64, type Field } from './field.js';
import { transpose } from './linear-algebra.js';

export type SoftmaxAxis = -1 | 0;

export function softmaxRowWith<S>(F: Field<S>, row: S[]): S[] {
  let m = F.negInf;
  for (const x of row) if (F.lt(m, x)) m = x;
  if (!F.isFinite(m)) return row.map(() => F.zero); // fully masked row → zeros (stated convention)
  const e = row.map((x) => (F.isFinite(x) ? F.exp(F.sub(x, m)) : F.zero));
  let z = F.zero;
  for (const v of e) z = F.add(z, v);
  return e.map((v) => F.div(v, z));
}

export function validateLogits<S>(F: Field<S>, x: Matrix<S>, name: string): void {
  assertMatrix(x, name, { finite: false });
  x.forEach((row, i) =>
    row.forEach((v, j) => {
      if (F.isNaN(v) || (!F.isFinite(v) && !F.lt(v, F.zero))) {
        throw new NonFiniteError(`${name}[${i}][${j}] is ${F.toString(v)}; softmax accepts finite numbers and −∞ (masked) only`);
      }
    }),
  );
  checkFloat32Values(asNumbers(F, x), name);
}

export function softmaxWith<S>(F: Field<S>, x: Matrix<S>, axis: SoftmaxAxis = -1): Matrix<S> {
  validateLogits(F, x, 'x');
  if (axis === -1) return x.map((row) => softmaxRowWith(F, row));
  if (axis === 0) return transpose(transpose(x).map((col) => softmaxRowWith(F, col)));
  throw new ArgumentError(`softmax axis must be -1 (rows) or 0 (columns), got ${String(axis)}`);
}

export const softmax = (x: Matrix, axis: SoftmaxAxis = -1): Matrix => softmaxWith(float64, x, axis);
