/**
 * Prefix tuning (Li & Liang 2021, "Prefix-Tuning: Optimizing Continuous Prompts for Generation";
 * course "Prefix Tuning: Internal Soft Context"; notes "Prefix Tuning"):
 *
 *   in layer ℓ, head h:   K'_h = [ P^K_ℓ,h ; X W_K^hᵀ ],   V'_h = [ P^V_ℓ,h ; X W_V^hᵀ ]
 *                         head_h = softmax( Q_h K'_hᵀ / √hs  + causal mask ) V'_h
 *
 * P trainable key vectors and P trainable value vectors per layer (split into heads like the
 * projections' outputs) are put in front of that layer's own keys and values; queries attend to
 * them as if they were P earlier positions, which is how PEFT passes them (as past key/values).
 * The base model is frozen. The real tokens then take positions P … P+T−1 — a model given P
 * cached positions numbers the new ones after them — and the causal mask lets token t see every
 * prefix position and tokens 0…t (key j is visible to query i when j ≤ i + P).
 *
 * Initialised with the keys and values the frozen model itself computes for some text (its
 * key/value cache), the prefixed model reproduces the frozen model run on that text followed by the
 * input: the "initial behaviour" property the specs check. PEFT trains the prefix directly by
 * default (prefix_projection = False); Li & Liang's reparameterisation MLP is not modelled here.
 *
 * Shapes: keys[ℓ], values[ℓ]: (P × d_kv), d_kv = H · hs. Trainable numbers: P · L · 2 · d_kv.
 */
import { RangeArgumentError, ShapeError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import { columns } from './linear-algebra.js';
import { scaledDotProductAttentionWith } from './scaled-dot-product-attention.js';

export interface PrefixParams<S> {
  /** keys[ℓ]: P key vectors for layer ℓ (P × d_kv). */
  keys: Matrix<S>[];
  /** values[ℓ]: P value vectors for layer ℓ (P × d_kv). */
  values: Matrix<S>[];
}

/**
 * One head with a prefix: q, k, v (T × hs) of the real tokens, the head's slice of the layer's
 * prefix keys/values (P × hs); causal over the real tokens, every prefix row visible.
 */
export function prefixHeadAttentionWith<S>(F: Field<S>, q: Matrix<S>, k: Matrix<S>, v: Matrix<S>, prefixK: Matrix<S>, prefixV: Matrix<S>): Matrix<S> {
  const K = [...prefixK, ...k]; // ((P + T) × hs)
  const V = [...prefixV, ...v]; // ((P + T) × hs)
  // 'causal' with n_k = P + T keys for n_q = T queries lets query i see keys j ≤ i + P.
  return scaledDotProductAttentionWith(F, q, K, V, { mask: 'causal' }); // (T × hs), scaled by 1/√hs
}

/**
 * All heads of one sequence with the layer's prefix, the tfjs function's name and arguments:
 * q, k, v (H × T × hs), prefix keys/values (P × H·hs) → (H × T × hs). Head h reads its slice
 * (P × hs) of the prefix; see prefixHeadAttentionWith.
 */
export function prefixAttentionWith<S>(F: Field<S>, q: Matrix<S>[], k: Matrix<S>[], v: Matrix<S>[], prefixKeys: Matrix<S>, prefixValues: Matrix<S>): Matrix<S>[] {
  const H = q.length;
  const hs = q[0]?.[0]?.length ?? 0;
  if (H === 0 || k.length !== H || v.length !== H) throw new ShapeError(`prefix attention: q, k, v need the same number ≥ 1 of heads, got ${q.length}, ${k.length}, ${v.length}`);
  const [, cols] = assertMatrix(prefixKeys, 'prefix keys', { finite: false });
  const [, colsV] = assertMatrix(prefixValues, 'prefix values', { finite: false });
  if (cols !== H * hs || colsV !== H * hs || prefixKeys.length !== prefixValues.length) throw new ShapeError(`prefix keys and values must both be (P × ${H * hs}), got ${prefixKeys.length}×${cols} and ${prefixValues.length}×${colsV}`);
  return q.map((qh, h) => prefixHeadAttentionWith(F, qh, k[h], v[h], prefixHeadSlice(prefixKeys, h, hs), prefixHeadSlice(prefixValues, h, hs))); // (H × T × hs)
}

export const prefixAttention = (q: Matrix[], k: Matrix[], v: Matrix[], prefixKeys: Matrix, prefixValues: Matrix): Matrix[] => prefixAttentionWith(float64, q, k, v, prefixKeys, prefixValues);

/** Head h's columns of a layer's prefix (P × hs). */
export const prefixHeadSlice = <S>(m: Matrix<S>, h: number, hs: number): Matrix<S> => columns(m, h * hs, (h + 1) * hs);

/** Random initialisation, N(0, 1) as nn.Embedding's default (PEFT's PrefixEncoder without projection). */
export function initPrefix(rng: Rng, P: number, layers: number, dKv: number): PrefixParams<number> {
  if (!Number.isInteger(P) || P < 1) throw new RangeArgumentError(`the number of prefix tokens must be an integer ≥ 1, got ${P}`);
  const m = () => Array.from({ length: P }, () => Array.from({ length: dKv }, () => rng.normal()));
  return { keys: Array.from({ length: layers }, m), values: Array.from({ length: layers }, m) };
}

export const prefixParameterCount = (P: number, layers: number, dKv: number): number => P * layers * 2 * dKv;
