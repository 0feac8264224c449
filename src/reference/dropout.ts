/**
 * Dropout (Srivastava et al. 2014), "inverted" as in PyTorch: in training each entry is kept with
 * probability 1 − p and scaled by 1/(1 − p), so E[dropout(x)] = x; in evaluation it is the
 * identity. The mask is src/core/random.ts's dropoutMask of the seed (mulberry32), the same mask
 * the tfjs implementation draws, so a training run is reproducible and the two can be compared.
 * Shapes: x (n × C) → (n × C); the mask is laid out row by row.
 */
import { RangeArgumentError } from '../core/errors.js';
import { checkDropout, dropoutMask } from '../core/random.js';
import type { Matrix } from '../core/shape.js';

export function dropout(x: Matrix, p: number, options: { training: boolean; seed?: number }): Matrix {
  checkDropout(p, options.seed);
  if (!options.training || p === 0) return x.map((r) => [...r]);
  if (options.seed === undefined) throw new RangeArgumentError('dropout in training mode needs a seed (options.seed)');
  const cols = x[0]?.length ?? 0;
  const mask = dropoutMask(x.length * cols, p, options.seed);
  const keep = 1 - p;
  return x.map((row, i) => row.map((v, j) => (mask[i * cols + j] === 0 ? 0 : v / keep))); // the scaling in float64
}
