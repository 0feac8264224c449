/**
 * Matrix products for the reference implementation, generic over the scalar field.
 *
 *   (A B)_{ij} = Σ_k A_{ik} B_{kj},   A: (m × n), B: (n × p)  →  (m × p)
 *
 * The loops are written out on purpose: this is the oracle, and the multiply-add counter lets the
 * complexity claims (O(n²·d_k) compute for QKᵀ) be checked by counting, not by arithmetic on paper.
 */
import { ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';

/** Counts scalar multiply-adds performed by matMulWith while `enabled`. */
export const flopCounter = { enabled: false, multiplyAdds: 0 };

export function matMulWith<S>(F: Field<S>, a: Matrix<S>, b: Matrix<S>, names: [string, string] = ['a', 'b']): Matrix<S> {
  const [m, n] = assertMatrix(a, names[0], { finite: false });
  const [n2, p] = assertMatrix(b, names[1], { finite: false });
  if (n !== n2) {
    throw new ShapeError(
      `cannot multiply ${names[0]} (${m}×${n}) by ${names[1]} (${n2}×${p}): inner dimensions ${n} and ${n2} differ`,
    );
  }
  const out: Matrix<S> = [];
  for (let i = 0; i < m; i++) {
    const row: S[] = [];
    for (let j = 0; j < p; j++) {
      let acc = F.zero;
      for (let k = 0; k < n; k++) acc = F.add(acc, F.mul(a[i][k], b[k][j]));
      row.push(acc);
    }
    out.push(row);
  }
  if (flopCounter.enabled) flopCounter.multiplyAdds += m * n * p;
  return out; // (m × p)
}

export function transpose<S>(a: Matrix<S>): Matrix<S> {
  return a[0].map((_, j) => a.map((row) => row[j])); // (n × m) from (m × n)
}

export function addWith<S>(F: Field<S>, a: Matrix<S>, b: Matrix<S>, names: [string, string] = ['a', 'b']): Matrix<S> {
  const [m, n] = assertMatrix(a, names[0], { finite: false });
  const [m2, n2] = assertMatrix(b, names[1], { finite: false });
  if (m !== m2 || n !== n2) {
    throw new ShapeError(`cannot add ${names[0]} (${m}×${n}) and ${names[1]} (${m2}×${n2}): shapes differ (no broadcasting)`);
  }
  return a.map((row, i) => row.map((x, j) => F.add(x, b[i][j])));
}

/** Columns [from, to) of a matrix: how one head's slice of W_Q is taken. */
export function columns<S>(a: Matrix<S>, from: number, to: number): Matrix<S> {
  return a.map((row) => row.slice(from, to));
}

/** Horizontal concatenation [A₁ | A₂ | ...] of equally tall matrices. */
export function concatColumns<S>(parts: Matrix<S>[]): Matrix<S> {
  const rows = parts[0].length;
  parts.forEach((p, i) => {
    if (p.length !== rows) throw new ShapeError(`cannot concatenate: part ${i} has ${p.length} rows, part 0 has ${rows}`);
  });
  return parts[0].map((_, i) => parts.flatMap((p) => p[i]));
}

export const matMul = (a: Matrix, b: Matrix): Matrix => matMulWith(float64, a, b);
export const add = (a: Matrix, b: Matrix): Matrix => addWith(float64, a, b);
