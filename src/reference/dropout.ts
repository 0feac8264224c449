/**
 * Dropout (Srivastava et al. 2014), "inverted" as in PyTorch: in training each entry is kept with
 * probability 1 − p and scaled by 1/(1 − p), so E[dropout(x)] = x; in evaluation it is the
 * identity. The mask comes from a seeded generator, so a training run is reproducible.
 */
import { RangeArgumentError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import type { Matrix } from '../core/shape.js';

export function dropout(x: Matrix, p: number, options: { training: boolean; rng?: Rng }): Matrix {
  if (!(p >= 0 && p < 1)) throw new RangeArgumentError(`dropout probability must be in [0, 1), got ${p}`);
  if (!options.training || p === 0) return x.map((r) => [...r]);
  if (!options.rng) throw new RangeArgumentError('dropout in training mode needs a seeded rng (options.rng)');
  const keep = 1 - p;
  return x.map((row) => row.map((v) => (options.rng!.next() < keep ? v / keep : 0)));
}
