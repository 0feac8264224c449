/**
 * Sliding-window causal attention (notes, "Sliding Attention"; the local attention of
 * Longformer / Mistral): each query sees only the w most recent positions, itself included.
 *
 *   allowed(i, j)  ⇔  p − w < j ≤ p,   p = i + (n_k − n_q)   (the query's absolute position)
 *   Attention_w(Q, K, V) = softmax( (Q Kᵀ / √d_k) with disallowed scores set to −∞ ) V
 *
 * The offset n_k − n_q is the causal mask's (src/reference/masks.ts): when the queries are the
 * last n_q positions of a longer key sequence, the window moves with them. Because disallowed
 * scores are −∞ before softmax, their weights are exactly e^{−∞} = 0 — not merely small — and a
 * window w ≥ n_k contains every earlier position, so the mask (and the result) is the causal one.
 * Per query at most w weights are non-zero, so the useful work is O(n·w·d) instead of O(n²·d);
 * src/reference/tiled-attention.ts exploits that by skipping the key blocks outside the window.
 *
 * Shapes: Q (n_q × d_k), K (n_k × d_k), V (n_k × d_v), n_k ≥ n_q; mask and weights (n_q × n_k).
 */
import { RangeArgumentError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import type { BooleanMask } from './masks.js';
import { scaledDotProductAttentionWith, type AttentionSteps } from './scaled-dot-product-attention.js';

export function checkWindow(window: unknown): number {
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1) {
    throw new RangeArgumentError(`window must be an integer ≥ 1 (the number of positions a query sees, itself included), got ${String(window)}`);
  }
  return window;
}

/** Is key j inside query i's window? The one predicate both implementations and the tiles use. */
export const inWindow = (i: number, j: number, offset: number, window: number): boolean => j <= i + offset && j > i + offset - window;

/** The (n_q × n_k) boolean mask, true = may attend. */
export function slidingWindowMask(nQueries: number, nKeys: number, window: number): BooleanMask {
  if (!Number.isInteger(nQueries) || nQueries < 1) throw new RangeArgumentError(`nQueries must be an integer ≥ 1, got ${nQueries}`);
  if (!Number.isInteger(nKeys) || nKeys < nQueries) {
    throw new RangeArgumentError(`nKeys must be an integer ≥ nQueries (${nQueries}) for a causal window, got ${nKeys}`);
  }
  checkWindow(window);
  const offset = nKeys - nQueries;
  return Array.from({ length: nQueries }, (_, i) => Array.from({ length: nKeys }, (_, j) => inWindow(i, j, offset, window)));
}

export interface SlidingWindowOptions {
  window: number;
  scale?: boolean | number;
}

export function slidingWindowAttentionWith<S>(F: Field<S>, q: Matrix<S>, k: Matrix<S>, v: Matrix<S>, options: SlidingWindowOptions): AttentionSteps<Matrix<S>> {
  const window = checkWindow(options?.window);
  const nQ = Array.isArray(q) ? q.length : 0;
  const nK = Array.isArray(k) ? k.length : 0;
  // Shapes are checked by the attention itself; the mask only needs the two lengths.
  const mask = nQ >= 1 && nK >= nQ ? slidingWindowMask(nQ, nK, window) : 'causal';
  return scaledDotProductAttentionWith(F, q, k, v, { scale: options.scale, mask, steps: true }); // (n_q × n_k) weights, (n_q × d_v) output
}

export const slidingWindowAttention = (q: Matrix, k: Matrix, v: Matrix, options: SlidingWindowOptions): AttentionSteps<Matrix> =>
  slidingWindowAttentionWith(float64, q, k, v, options);
