/**
 * cos/sin tables of the rotation angles p·ω_i used by position encodings, computed in float64 on
 * the host — the one place the angles are formed for TensorFlow.js (src/core/numeric-conventions.ts,
 * rule 3d). The sinusoidal encoding (Vaswani et al. 2017 §3.5) and RoPE (Su et al. 2021) both use
 *
 *   ω_i = 1 / base^(2i/d),  i = 0 … d/2 − 1;     angle(p, i) = p · ω_i
 *
 * Why on the host: in float32, p·ω_i is rounded to 2^−24 of its size (±0.5 rad for an angle near
 * 10^7), so RoPE at d = 64 differed from the reference by 7.1e-2 at position 10^7 and
 * by 0.83 at 10^8. Here every angle is the same float64 product the reference forms (the same
 * operations in the same order: 1 / Math.pow(base, 2i/d), then p · ω), so tfjs equals the
 * reference to float32 rounding of cos and sin themselves at every position a float64 integer
 * holds; what float64 itself loses at astronomically large p (an absolute angle error near
 * p·2^−53) the two share.
 *
 * Shapes: positions (n), frequencies (d/2) → cos, sin (n × d/2), row-major Float32Array.
 * `sinusoidTables` is the one function to hand rotations to tfjs: RoPE variants with other
 * frequencies (a different base θ, scaled positions, explicit position ids) pass their own
 * `frequencies` and `positions`.
 */
import { ArgumentError } from './errors.js';
import { BYTES, checkMemory } from './limits.js';

/** ω_i = 1 / base^(2i/d) for i = 0 … d/2 − 1, in float64, as the reference computes them. */
export function inverseFrequencies(d: number, base: number): number[] {
  return Array.from({ length: d / 2 }, (_, i) => 1 / Math.pow(base, (2 * i) / d));
}

export interface SinusoidTables {
  /** cos(p_r · ω_i) at [r · cols + i], float32. */
  cos: Float32Array;
  /** sin(p_r · ω_i) at [r · cols + i], float32. */
  sin: Float32Array;
  rows: number;
  cols: number;
}

/**
 * cos and sin of p·ω for every position p and frequency ω, in float64, rounded once to float32.
 * @throws ArgumentError for a non-finite position or frequency; ResourceLimitError over the memory limit
 * @example sinusoidTables([0, 1], [1]).sin; // returns Float32Array [0, 0.84147096]
 */
export function sinusoidTables(positions: readonly number[], frequencies: readonly number[]): SinusoidTables {
  const rows = positions.length;
  const cols = frequencies.length;
  checkMemory(`cos/sin tables of ${rows} positions × ${cols} frequencies`, 2 * rows * cols * BYTES.float32);
  if (!positions.every(Number.isFinite) || !frequencies.every(Number.isFinite)) throw new ArgumentError('sinusoidTables needs finite positions and frequencies');
  const cos = new Float32Array(rows * cols);
  const sin = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const angle = positions[r] * frequencies[i]; // float64, as the reference forms it
      cos[r * cols + i] = Math.cos(angle);
      sin[r * cols + i] = Math.sin(angle);
    }
  }
  return { cos, sin, rows, cols };
}
