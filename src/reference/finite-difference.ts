/**
 * Central finite differences in float64: the reference's way to obtain gradients without an
 * autodiff engine, so that tfjs's tf.grads can be checked against something independent.
 *
 *   ∂f/∂x_ij ≈ (f(x + h·e_ij) − f(x − h·e_ij)) / (2h),   error O(h²) + O(ε/h)
 */
import type { Matrix } from '../core/shape.js';

export function finiteDifferenceGradient(f: (x: Matrix) => number, x: Matrix, h = 1e-5): Matrix {
  return x.map((row, i) =>
    row.map((_, j) => {
      const plus = x.map((r) => [...r]);
      const minus = x.map((r) => [...r]);
      plus[i][j] += h;
      minus[i][j] -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}
