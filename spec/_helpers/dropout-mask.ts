/**
 * What every inverted-dropout mask must be, checked on the mask's own values (never against a mask
 * drawn the same way, which would share the bug):
 *
 *   entries   m_i ∈ {0, s} with s = 1/(1 − p) (float32: the rounded s, as a Float32Array holds it)
 *   mean      m_i = s·B_i, B_i ~ Bernoulli(1 − p) independent, so E[m_i] = 1 and
 *             Var[m_i] = s²·p(1 − p) = p/(1 − p); the mean of N entries has
 *             σ_N = √(p / ((1 − p)·N)), and |mean − 1| ≤ 5·σ_N fails by chance with probability
 *             ≈ 5.7e-7 (two-sided normal tail at 5σ; N ≥ 10⁴ entries keeps the binomial close to
 *             normal for the p used, N·min(p, 1 − p) ≥ 10³). The seeds are fixed, so a pass is
 *             reproducible; the bound says a correct mask would pass for almost every seed.
 *
 * A mask that lost its scaling (entries 1) has mean 1 − p, which is p/σ_N = √(p(1 − p)N) ≈ 95σ
 * away at p = 0.1, N = 10⁵; entries in {0, 1} fail the first check anyway. Keeping with
 * probability p instead of 1 − p gives mean p/(1 − p) (p ≠ 1/2 in the specs).
 */
import { expect } from 'vitest';

/** The 5σ bound on |mean − 1| for N entries of an inverted-dropout mask with drop probability p. */
export function dropoutMeanBound(p: number, n: number): number {
  return 5 * Math.sqrt(p / ((1 - p) * n));
}

export function expectInvertedDropoutMask(values: ArrayLike<number>, p: number, precision: 'float64' | 'float32', label: string): void {
  const n = values.length;
  expect(n, `${label}: a mask large enough for the mean check`).toBeGreaterThanOrEqual(10_000);
  const s = precision === 'float32' ? Math.fround(1 / (1 - p)) : 1 / (1 - p);
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const m = values[i];
    if (m !== 0 && m !== s) expect.fail(`${label}: entry ${i} is ${m}, not 0 or 1/(1 − p) = ${s} (p = ${p})`);
    if (m === 0) zeros += 1;
    sum += m;
  }
  const mean = sum / n;
  const bound = dropoutMeanBound(p, n);
  expect(Math.abs(mean - 1), `${label}: mean ${mean} of ${n} entries (${zeros} zeros) should be 1 within 5σ = ${bound.toExponential(2)} (p = ${p})`).toBeLessThanOrEqual(bound);
}
