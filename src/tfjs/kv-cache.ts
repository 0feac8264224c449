/**
 * Key/value cache for incremental TinyGPT decoding in TensorFlow.js (float32); the formula, the
 * argument that it equals the causal forward pass, and the error rules are those of
 * src/reference/kv-cache.ts. Here a step decodes one token for each of B sequences at once:
 *
 *   x = token_embed[tokens] + pos_embed[position]                (B × 1 × C)
 *   per layer ℓ:  K_ℓ ← concat(K_ℓ, k_new) along time,  V_ℓ likewise    (B × H × t+1 × hs)
 *                 x ← x + proj(softmax(q K_ℓᵀ/√hs) V_ℓ);  x ← x + FFN(LN₂ x)   (no mask)
 *   logits = lm_head(ln_f(x))                                    (B × V)
 *
 * The cache holds one stacked tensor per layer and role, (B × H × t × hs). A step replaces them
 * with the concatenated ones and disposes what it replaced; `disposeKvCache` frees the rest. The
 * caller owns the returned logits. The batch size B is fixed by the first step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../core/errors.js';
import type { TinyConfig } from '../core/tiny-config.js';
import { checkStep } from '../reference/kv-cache.js';
import { attentionUnchecked } from './scaled-dot-product-attention.js';
import { feedForward } from './feed-forward.js';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { embeddingLookup, type TfTinyModelParams } from './tiny-models.js';

export interface TfKvCache {
  readonly config: TinyConfig;
  /** keys[ℓ]: (B × H × t × hs), null before the first step. */
  keys: (tf.Tensor | null)[];
  /** values[ℓ]: (B × H × t × hs), null before the first step. */
  values: (tf.Tensor | null)[];
  /** Positions decoded so far = the position the next step must have. */
  length: number;
  /** Sequences per step, fixed by the first step. */
  batch: number | null;
}

export function createKvCache(config: TinyConfig): TfKvCache {
  return { config, keys: Array(config.n_layer).fill(null), values: Array(config.n_layer).fill(null), length: 0, batch: null };
}

/** Frees every cached tensor and empties the cache (it can be reused from position 0). */
export function disposeKvCache(cache: TfKvCache): void {
  tf.dispose([...cache.keys, ...cache.values].filter((t): t is tf.Tensor => t !== null));
  cache.keys = Array(cache.config.n_layer).fill(null);
  cache.values = Array(cache.config.n_layer).fill(null);
  cache.length = 0;
  cache.batch = null;
}

/**
 * Decode position `position` of B sequences (one token each): append their keys/values to the
 * cache and return their logits (B × V). `position` must equal cache.length.
 */
export function tinyGptStep(config: TinyConfig, params: TfTinyModelParams, cache: TfKvCache, tokens: readonly number[], position: number): tf.Tensor {
  if (!Array.isArray(tokens) || tokens.length === 0) throw new ShapeError('tokens must be a non-empty array with one token id per sequence (B)');
  checkStep(config, cache.length, tokens, position);
  if (cache.batch !== null && tokens.length !== cache.batch) throw new ShapeError(`the cache holds ${cache.batch} sequences, but ${tokens.length} tokens were given`);
  const head = params.lm_head;
  if (!head) throw new ShapeError('tinygpt parameters need lm_head.weight and .bias');
  if (params.blocks.length !== cache.keys.length) throw new ArgumentError(`the cache was made for ${cache.keys.length} layers, but the parameters have ${params.blocks.length}`);
  const B = tokens.length;
  const next = tf.tidy(() => {
    const tok = embeddingLookup(params.token_embed.weight, tokens.map((t) => [t])); // (B × 1 × C)
    const pos = tf.slice(params.pos_embed.weight, [position, 0], [1, -1]); // row `position` (1 × C), broadcast over B
    let x = tf.add(tok, pos); // (B × 1 × C)
    const keys: tf.Tensor[] = [];
    const values: tf.Tensor[] = [];
    params.blocks.forEach((p, l) => {
      const H = p.mh.heads.length;
      const hs = p.mh.heads[0].query.weight.shape[0]!;
      const a = layerNorm(x, p.ln1, 1e-5, 'ln1'); // (B × 1 × C)
      const project = (role: 'query' | 'key' | 'value') => {
        const w = tf.concat(p.mh.heads.map((h) => h[role].weight), 0); // (H·hs × C)
        const y = linear(a, { weight: w }, `heads.*.${role}`); // (B × 1 × H·hs)
        return tf.transpose(tf.reshape(y, [B, 1, H, hs]), [0, 2, 1, 3]); // (B × H × 1 × hs)
      };
      const q = project('query');
      const [kNew, vNew] = [project('key'), project('value')];
      const [kOld, vOld] = [cache.keys[l], cache.values[l]];
      const K = kOld ? tf.concat([kOld, kNew], 2) : kNew; // (B × H × t+1 × hs): the past and the present
      const V = vOld ? tf.concat([vOld, vNew], 2) : vNew; // (B × H × t+1 × hs)
      keys.push(K);
      values.push(V);
      const steps = attentionUnchecked(q, K, V, 1 / Math.sqrt(hs), null, -Infinity); // output (B × H × 1 × hs)
      const merged = tf.reshape(tf.transpose(steps.output, [0, 2, 1, 3]), [B, 1, H * hs]); // (B × 1 × H·hs)
      const h = tf.add(x, linear(merged, p.mh.proj, 'proj')); // x + MHA(LN₁ x)   (B × 1 × C)
      x = tf.add(h, feedForward(layerNorm(h, p.ln2, 1e-5, 'ln2'), p.ff, 'gelu')); // h + FFN(LN₂ h)
    });
    const logits = tf.reshape(linear(layerNorm(x, params.ln_f, 1e-5, 'ln_f'), head, 'lm_head'), [B, config.vocab_size]); // (B × 1 × V) → (B × V)
    return { logits, keys, values };
  });
  // The step succeeded: swap in the longer tensors and free the ones they replace.
  tf.dispose([...cache.keys, ...cache.values].filter((t): t is tf.Tensor => t !== null));
  cache.keys = next.keys;
  cache.values = next.values;
  cache.length += 1;
  cache.batch = B;
  return next.logits;
}

/** Decode B sequences step by step from an empty cache: logits (B × T × V); the cache is freed. */
export function tinyGptDecode(config: TinyConfig, params: TfTinyModelParams, idx: readonly (readonly number[])[]): tf.Tensor {
  if (!Array.isArray(idx) || idx.length === 0 || !Array.isArray(idx[0])) throw new ShapeError('idx must be a non-empty batch of token sequences (B × T)');
  const T = idx[0].length;
  if (T < 1 || idx.some((seq) => seq.length !== T)) throw new ShapeError('sequences in a batch must have equal length ≥ 1');
  const cache = createKvCache(config);
  const rows: tf.Tensor[] = [];
  try {
    for (let t = 0; t < T; t++) rows.push(tinyGptStep(config, params, cache, idx.map((seq) => seq[t]), t)); // (B × V) each
    return tf.stack(rows, 1); // (B × T × V)
  } finally {
    tf.dispose(rows);
    disposeKvCache(cache);
  }
}
