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
  /** keys[b][ℓ][h]: sequence b's key rows, one per decoded position (t × hs). */
  keys: Matrix<S>[][][];
  /** values[b][ℓ][h]: sequence b's value rows (t × hs). */
  values: Matrix<S>[][][];
  /** Positions decoded so far = the position the next step must have. */
  length: number;
  /** Sequences per step, fixed by the first step (null before it), as in src/tfjs/kv-cache.ts. */
  batch: number | null;
}

export function createKvCache<S = number>(config: TinyConfig): KvCache<S> {
  return { config, keys: [], values: [], length: 0, batch: null };
}

/** Empties the cache (the tfjs version frees its tensors; here the rows are just dropped). */
export function disposeKvCache<S>(cache: KvCache<S>): void {
  cache.keys = [];
  cache.values = [];
  cache.length = 0;
  cache.batch = null;
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
 * Decode position `position` of B sequences (one token each): append their keys/values to `cache`
 * (per sequence, layer and head) and return their logits (B × V). `position` must equal
 * cache.length; B is fixed by the first step. A step that throws leaves the cache unchanged.
 */
export function tinyGptStepWith<S>(F: Field<S>, config: TinyConfig, params: TinyModelParams<S>, cache: KvCache<S>, tokens: readonly number[], position: number): Matrix<S> {
  if (!Array.isArray(tokens) || tokens.length === 0) throw new ShapeError('tokens must be a non-empty array with one token id per sequence (B)');
  checkStep(config, cache.length, tokens, position);
  if (cache.batch !== null && tokens.length !== cache.batch) throw new ShapeError(`the cache holds ${cache.batch} sequences, but ${tokens.length} tokens were given`);
  if (!params.lm_head) throw new ShapeError('tinygpt parameters need lm_head.weight and .bias');
  if (params.blocks.length !== config.n_layer || params.blocks.some((b) => b.mh.heads.length !== config.n_head)) {
    throw new ArgumentError(`the cache was made for ${config.n_layer} layers × ${config.n_head} heads, but the parameters have ${params.blocks.length} × ${params.blocks[0]?.mh.heads.length ?? 0}`);
  }
  const empty = (): Matrix<S>[][] => Array.from({ length: config.n_layer }, () => Array.from({ length: config.n_head }, (): Matrix<S> => []));
  const steps = tokens.map((token, b) => stepOne(F, params, cache.keys[b] ?? empty(), cache.values[b] ?? empty(), token, position));
  // Commit only now, so a step that threw above left the cache as it was.
  steps.forEach((st, b) => {
    cache.keys[b] ??= empty();
    cache.values[b] ??= empty();
    st.newKeys.forEach((rows, l) => rows.forEach((k, hi) => cache.keys[b][l][hi].push(k)));
    st.newValues.forEach((rows, l) => rows.forEach((v, hi) => cache.values[b][l][hi].push(v)));
  });
  cache.batch = tokens.length;
  cache.length += 1;
  return steps.map((st) => st.logits); // (B × V)
}

/** One sequence's step: its logits (V) and the key/value rows to append, per layer and head. */
function stepOne<S>(F: Field<S>, params: TinyModelParams<S>, keys: Matrix<S>[][], values: Matrix<S>[][], token: number, position: number): { logits: S[]; newKeys: S[][][]; newValues: S[][][] } {
  const newKeys: S[][][] = []; // newKeys[ℓ][h]: this position's key row (hs)
  const newValues: S[][][] = [];
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
      const K = [...keys[l][hi], k]; // (t+1 × hs): the past and the present
      const V = [...values[l][hi], v]; // (t+1 × hs)
      return scaledDotProductAttentionWith(F, q, K, V); // (1 × t+1)(t+1 × hs) → (1 × hs), scaled by 1/√hs
    });
    newKeys.push(kRows);
    newValues.push(vRows);
    const attended = linearWith(F, concatColumns(heads), p.mh.proj, 'proj'); // (1 × H·hs) → (1 × C)
    const h = addWith(F, x, attended, ['x', 'mh(ln1(x))']); // (1 × C)
    x = addWith(F, h, feedForwardWith(F, layerNormWith(F, h, p.ln2, 1e-5, 'ln2'), p.ff, 'gelu'), ['x', 'ff(ln2(x))']); // (1 × C)
  });
  const logits = linearWith(F, layerNormWith(F, x, params.ln_f, 1e-5, 'ln_f'), params.lm_head!, 'lm_head')[0]; // (V)
  return { logits, newKeys, newValues };
}

export const tinyGptStep = (config: TinyConfig, params: TinyModelParams<number>, cache: KvCache<number>, tokens: readonly number[], position: number): Matrix =>
  tinyGptStepWith(float64, config, params, cache, tokens, position);

/** Decode a batch of sequences step by step from an empty cache: logits (B × T × V), as tinyModel's. */
export function tinyGptDecodeWith<S>(F: Field<S>, config: TinyConfig, params: TinyModelParams<S>, idx: readonly (readonly number[])[]): Matrix<S>[] {
  if (!Array.isArray(idx) || idx.length === 0 || !Array.isArray(idx[0])) throw new ShapeError('idx must be a non-empty batch of token sequences (B × T)');
  const T = idx[0].length;
  if (T < 1 || idx.some((seq) => seq.length !== T)) throw new ShapeError('sequences in a batch must have equal length ≥ 1');
  const cache = createKvCache<S>(config);
  const steps = Array.from({ length: T }, (_, t) => tinyGptStepWith(F, config, params, cache, idx.map((seq) => seq[t]), t)); // (T × B × V)
  return idx.map((_, b) => steps.map((row) => row[b])); // (B × T × V)
}

export const tinyGptDecode = (config: TinyConfig, params: TinyModelParams<number>, idx: readonly (readonly number[])[]): Matrix[] => tinyGptDecodeWith(float64, config, params, idx);
