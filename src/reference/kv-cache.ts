/**
 * Key/value cache for incremental (token-by-token) TinyGPT decoding, evaluation mode.
 *
 * The full causal forward pass (src/reference/tiny-models.ts) recomputes every position at every
 * step. Decoding one token at a time, position t only needs, in each layer ℓ and head h, its own
 * query and the keys/values of positions 0…t:
 *
 *   x_t⁽⁰⁾ = token_embed[tok_t] + pos_embed[t]                                     (C)
 *   per layer ℓ:  a = LN₁(x_t)
 *                 q = a W_Qʰᵀ,   K_{0…t} ← [K_{0…t−1}; a W_Kʰᵀ],   V_{0…t} ← [V_{0…t−1}; a W_Vʰᵀ]
 *                 head_h = softmax( q K_{0…t}ᵀ / √hs ) V_{0…t}                       (no mask)
 *                 x_t ← x_t + [head_1 … head_H] W_projᵀ + b_proj
 *                 x_t ← x_t + FFN(LN₂(x_t))
 *   logits_t = lm_head(ln_f(x_t))                                                    (V)
 *
 * Why this equals the causal forward pass: in a pre-LN block everything except attention acts on
 * each position by itself (LayerNorm, the Q/K/V projections, the output projection, the FFN, the
 * residual additions), so row t of every layer's input depends only on rows 0…t of the layer
 * below — by induction on ℓ, the cached K and V rows of earlier positions are exactly the rows the
 * full pass computes. The causal mask sets the scores of keys j > t to −∞, i.e. weight e^{−∞} = 0,
 * so softmax over keys 0…T−1 with the mask is softmax over keys 0…t without one: the cache holds
 * exactly the past and the present, hence no mask. In float64 the two even agree bit for bit here:
 * the masked terms add exact zeros and every other sum runs in the same order.
 *
 * Shapes: C = n_embed, H = n_head, hs = C / H, V = vocab_size.
 *   cache.keys[ℓ][h], cache.values[ℓ][h]: (t × hs) after t steps;  one step: token → logits (V)
 *
 * Errors: a position ≥ block_size has no row in the position table (RangeArgumentError naming
 * block_size); a token outside 0…V−1; a step whose position is not the cache's next one (steps
 * must come in order 0, 1, 2, …). A failed step leaves the cache unchanged.
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import type { TinyConfig } from '../core/tiny-config.js';
import { feedForwardWith } from './feed-forward.js';
import { float64, type Field } from './field.js';
import { layerNormWith } from './layer-norm.js';
import { linearWith } from './linear.js';
import { addWith, concatColumns } from './linear-algebra.js';
import { scaledDotProductAttentionWith } from './scaled-dot-product-attention.js';
import type { TinyModelParams } from './tiny-models.js';

export interface KvCache<S> {
  readonly config: TinyConfig;
  /** keys[ℓ][h]: one row per decoded position (t × hs). */
  keys: Matrix<S>[][];
  /** values[ℓ][h]: one row per decoded position (t × hs). */
  values: Matrix<S>[][];
  /** Positions decoded so far = the position the next step must have. */
  length: number;
}

export function createKvCache<S = number>(config: TinyConfig): KvCache<S> {
  const empty = () => Array.from({ length: config.n_layer }, () => Array.from({ length: config.n_head }, (): Matrix<S> => []));
  return { config, keys: empty(), values: empty(), length: 0 };
}

/** Empties the cache (the tfjs version frees its tensors; here the rows are just dropped). */
export function disposeKvCache<S>(cache: KvCache<S>): void {
  const fresh = createKvCache<S>(cache.config);
  cache.keys = fresh.keys;
  cache.values = fresh.values;
  cache.length = 0;
}

/** The checks shared by both implementations (src/tfjs/kv-cache.ts uses them too). */
export function checkStep(config: TinyConfig, cacheLength: number, tokens: readonly number[], position: number): void {
  if (!Number.isInteger(position) || position < 0) throw new RangeArgumentError(`position must be an integer ≥ 0, got ${position}`);
  if (position >= config.block_size) {
    throw new RangeArgumentError(`position ${position} is beyond block_size ${config.block_size}: the position table has rows 0…${config.block_size - 1} only`);
  }
  if (position !== cacheLength) {
    throw new RangeArgumentError(`steps out of order: position ${position} given, but the cache holds positions 0…${cacheLength - 1} and expects position ${cacheLength} next`);
  }
  tokens.forEach((t, b) => {
    if (!Number.isInteger(t) || t < 0 || t >= config.vocab_size) {
      throw new RangeArgumentError(`token${tokens.length > 1 ? `[${b}]` : ''} = ${t} is not a token id in 0…${config.vocab_size - 1} (vocab_size ${config.vocab_size})`);
    }
  });
}

/**
 * Decode position `position` of one sequence: append its keys/values to `cache` (per layer, per
 * head) and return its logits (V). `position` must equal cache.length.
 */
export function tinyGptStepWith<S>(F: Field<S>, config: TinyConfig, params: TinyModelParams<S>, cache: KvCache<S>, token: number, position: number): S[] {
  checkStep(config, cache.length, [token], position);
  if (!params.lm_head) throw new ShapeError('tinygpt parameters need lm_head.weight and .bias');
  if (params.blocks.length !== cache.keys.length || params.blocks.some((b, l) => b.mh.heads.length !== cache.keys[l].length)) {
    throw new ArgumentError(`the cache was made for ${cache.keys.length} layers × ${cache.keys[0]?.length ?? 0} heads, but the parameters have ${params.blocks.length} × ${params.blocks[0]?.mh.heads.length ?? 0}`);
  }
  const newKeys: Matrix<S>[] = []; // newKeys[ℓ][h]: this position's key row (hs)
  const newValues: Matrix<S>[] = [];
  let x: Matrix<S> = [params.token_embed.weight[token].map((v, c) => F.add(v, params.pos_embed.weight[position][c]))]; // (1 × C)
  params.blocks.forEach((p, l) => {
    const a = layerNormWith(F, x, p.ln1, 1e-5, 'ln1'); // (1 × C)
    const kRows: S[][] = [];
    const vRows: S[][] = [];
    const heads = p.mh.heads.map((h, hi) => {
      const q = linearWith(F, a, h.query, `heads.${hi}.query`); // (1 × hs)
      const k = linearWith(F, a, h.key, `heads.${hi}.key`)[0]; // (hs)
      const v = linearWith(F, a, h.value, `heads.${hi}.value`)[0]; // (hs)
      kRows.push(k);
      vRows.push(v);
      const K = [...cache.keys[l][hi], k]; // (t+1 × hs): the past and the present
      const V = [...cache.values[l][hi], v]; // (t+1 × hs)
      return scaledDotProductAttentionWith(F, q, K, V); // (1 × t+1)(t+1 × hs) → (1 × hs), scaled by 1/√hs
    });
    newKeys.push(kRows);
    newValues.push(vRows);
    const attended = linearWith(F, concatColumns(heads), p.mh.proj, 'proj'); // (1 × H·hs) → (1 × C)
    const h = addWith(F, x, attended, ['x', 'mh(ln1(x))']); // (1 × C)
    x = addWith(F, h, feedForwardWith(F, layerNormWith(F, h, p.ln2, 1e-5, 'ln2'), p.ff, 'gelu'), ['x', 'ff(ln2(x))']); // (1 × C)
  });
  const logits = linearWith(F, layerNormWith(F, x, params.ln_f, 1e-5, 'ln_f'), params.lm_head, 'lm_head')[0]; // (V)
  // Commit only now, so a step that threw above left the cache as it was.
  newKeys.forEach((rows, l) => rows.forEach((k, hi) => cache.keys[l][hi].push(k)));
  newValues.forEach((rows, l) => rows.forEach((v, hi) => cache.values[l][hi].push(v)));
  cache.length += 1;
  return logits;
}

export const tinyGptStep = (config: TinyConfig, params: TinyModelParams<number>, cache: KvCache<number>, token: number, position: number): number[] =>
  tinyGptStepWith(float64, config, params, cache, token, position);

/** Decode a whole sequence step by step from an empty cache: logits (T × V), as tinyModel's row. */
export function tinyGptDecodeWith<S>(F: Field<S>, config: TinyConfig, params: TinyModelParams<S>, tokens: readonly number[]): Matrix<S> {
  const cache = createKvCache<S>(config);
  return tokens.map((tok, t) => tinyGptStepWith(F, config, params, cache, tok, t)); // (T × V)
}

export const tinyGptDecode = (config: TinyConfig, params: TinyModelParams<number>, tokens: readonly number[]): Matrix => tinyGptDecodeWith(float64, config, params, tokens);
