/**
 * Xavier/Glorot uniform initialisation (Glorot & Bengio 2010; interview deck "How weight are
 * decided"):  W_ij ~ U(−a, a),  a = √(6 / (fan_in + fan_out)),  so Var(W_ij) = 2 / (fan_in + fan_out).
 *
 * For a square layer (fan_in = fan_out = n) Var(W_ij) = 1/n, and y = x W then has
 * Var(y_j) = n · Var(x) · (1/n) = Var(x): the variance is kept from layer to layer.
 */
import { RangeArgumentError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import type { Matrix } from '../core/shape.js';

export function glorotUniform(fanIn: number, fanOut: number, rng: Rng): Matrix {
  for (const [name, v] of [['fanIn', fanIn], ['fanOut', fanOut]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeArgumentError(`${name} must be an integer ≥ 1, got ${v}`);
  }
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return Array.from({ length: fanIn }, () => Array.from({ length: fanOut }, () => rng.uniform(-a, a))); // (fan_in × fan_out)
}
