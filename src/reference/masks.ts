/**
 * Attention masks. `true` means "may attend".
 *
 * Causal mask (interview deck, "Why Masked Attention in Decoder?"; scratch §4.3.1 step 4): query i
 * may attend key j only when j ≤ i + (n_k − n_q). With n_q = n_k this is the lower triangle, so the
 * prediction at position t sees x_1..x_t and never x_{t+1}...; when the queries are the last n_q
 * positions of a longer key sequence (decoding with a key/value cache) the diagonal shifts with them.
 */
import { RangeArgumentError } from '../core/errors.js';

export type BooleanMask = boolean[][];

export function causalMask(nQueries: number, nKeys: number = nQueries): BooleanMask {
  if (!Number.isInteger(nQueries) || nQueries < 1) throw new RangeArgumentError(`nQueries must be an integer ≥ 1, got ${nQueries}`);
  if (!Number.isInteger(nKeys) || nKeys < nQueries) {
    throw new RangeArgumentError(`nKeys must be an integer ≥ nQueries (${nQueries}) for a causal mask, got ${nKeys}`);
  }
  const offset = nKeys - nQueries;
  return Array.from({ length: nQueries }, (_, i) => Array.from({ length: nKeys }, (_, j) => j <= i + offset));
}

/** Sliding-window causal mask is issue #6; a full (bidirectional) mask is simply "no mask". */
