/**
 * Sinusoidal positional encoding (Vaswani et al. 2017 §3.5; interview deck "Sinusoidal Positional
 * Encoding"; course "Sinusoidal Positional Encodings" and its d = 4, n = 100 table):
 *
 *   PE(pos, 2i)   = sin(pos / base^{2i/d})
 *   PE(pos, 2i+1) = cos(pos / base^{2i/d}),      i = 0 … d/2 − 1,  base = 10000 by default
 *
 * Shape: (number of positions × d). Every entry lies in [−1, 1]; pair i rotates with angular
 * frequency ω_i = base^{−2i/d}, so PE(pos + k) is PE(pos) rotated pair-wise by angles k·ω_i.
 *
 * Inputs: `positions` is a count n (positions 0 … n−1) or an explicit list of integers ≥ 0.
 * d must be even (each frequency needs its sin and its cos); base must be > 1. The n × d matrix
 * must fit the memory limit (src/core/limits.ts): `checkEncodingSize` refuses, before anything is
 * allocated, a request such as 10^9 positions.
 */
import { ArgumentError, RangeArgumentError } from '../core/errors.js';
import { BYTES, checkMemory } from '../core/limits.js';
import type { Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';

export interface PositionalEncodingOptions {
  base?: number;
}

export function resolvePositions(positions: number | readonly number[], name = 'positions'): number[] {
  if (typeof positions === 'number') {
    if (!Number.isInteger(positions) || positions < 1) {
      throw new RangeArgumentError(`${name} must be a count ≥ 1 or a list of positions, got ${positions}`);
    }
    return Array.from({ length: positions }, (_, i) => i);
  }
  if (!Array.isArray(positions) || positions.length === 0) throw new ArgumentError(`${name} must be a non-empty list of integers`);
  positions.forEach((p, i) => {
    if (typeof p !== 'number' || !Number.isInteger(p)) throw new ArgumentError(`${name}[${i}] must be an integer, got ${JSON.stringify(p)}`);
    if (p < 0) throw new RangeArgumentError(`${name}[${i}] is ${p}: positions must be ≥ 0`);
  });
  return [...positions];
}

export function checkEncodingArgs(dModel: number, base: number): void {
  if (!Number.isInteger(dModel) || dModel < 2) throw new RangeArgumentError(`d (dModel) must be an even integer ≥ 2, got ${dModel}`);
  if (dModel % 2 !== 0) {
    throw new RangeArgumentError(`d (dModel) = ${dModel} is odd: sinusoidal encodings pair each sin with a cos, so d must be even`);
  }
  if (!Number.isFinite(base) || base <= 1) throw new RangeArgumentError(`base must be a finite number > 1, got ${base}`);
}

/** Bytes one BigNumber entry of the 64-digit oracle takes, about (a Decimal object and its digit array). */
export const BIGNUMBER_BYTES = 256;

/**
 * Refuses an encoding whose n × d entries (at `bytesPerValue` each, plus the frequencies and the
 * position list) would not fit the memory limit.
 * @throws ResourceLimitError naming n, d and the estimate
 */
export function checkEncodingSize(positions: number | readonly number[], dModel: number, bytesPerValue: number): void {
  const n = typeof positions === 'number' ? positions : Array.isArray(positions) ? positions.length : 0;
  checkMemory(`a sinusoidal encoding of ${n} positions × d = ${dModel}`, n * dModel * bytesPerValue + (n + dModel) * BYTES.float64);
}

export function sinusoidalEncodingWith<S>(
  F: Field<S>,
  positions: number | readonly number[],
  dModel: number,
  options: PositionalEncodingOptions = {},
): Matrix<S> {
  const base = options.base ?? 10000;
  checkEncodingArgs(dModel, base);
  checkEncodingSize(positions, dModel, F.name === 'float64' ? BYTES.float64 : BIGNUMBER_BYTES);
  const pos = resolvePositions(positions);
  const b = F.from(base);
  const d = F.from(dModel);
  // ω_i = base^{−2i/d}: one angular frequency per (sin, cos) pair
  const omega = Array.from({ length: dModel / 2 }, (_, i) => F.div(F.one, F.pow(b, F.div(F.from(2 * i), d))));
  return pos.map((p) => {
    const row: S[] = [];
    for (const w of omega) {
      const angle = F.mul(F.from(p), w); // pos / base^{2i/d}
      row.push(F.sin(angle), F.cos(angle)); // columns 2i, 2i+1
    }
    return row; // (d)
  }); // (n × d)
}

export const sinusoidalEncoding = (positions: number | readonly number[], dModel: number, options?: PositionalEncodingOptions): Matrix =>
  sinusoidalEncodingWith(float64, positions, dModel, options);
