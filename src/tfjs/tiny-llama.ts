/**
 * The tiny LLaMA-architecture decoder in TensorFlow.js (float32): the formulas, names and
 * conventions of src/reference/tiny-llama.ts (RMSNorm, split-half RoPE, grouped-query attention by
 * repeating each key/value head for its group as Hugging Face's repeat_kv does, SwiGLU, untied head;
 * targets aligned with the positions).
 * Shapes: idx (B × T) → logits (B × T × V); inside a layer q (B × H × T × d_h), k and v
 * (B × H_kv × T × d_h), repeated to (B × H × T × d_h).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../core/errors.js';
import type { TinyLlamaConfig } from '../core/llama-config.js';
import { checkLlamaTokens } from '../reference/tiny-llama.js';
import { gatedFeedForward, type TfGatedFeedForwardParams } from './gated-feed-forward.js';
import { linear } from './linear.js';
import { rmsNorm } from './rms-norm.js';
import { rope } from './rope.js';
import { crossEntropy, embeddingLookup } from './tiny-models.js';

interface W {
  weight: tf.Tensor;
}
export interface TfTinyLlamaLayerParams {
  self_attn: { q_proj: W; k_proj: W; v_proj: W; o_proj: W };
  mlp: TfGatedFeedForwardParams;
  input_layernorm: W;
  post_attention_layernorm: W;
}
export interface TfTinyLlamaParams {
  model: { embed_tokens: W; layers: TfTinyLlamaLayerParams[]; norm: W };
  lm_head: W;
}

function checkParams(config: TinyLlamaConfig, p: TfTinyLlamaParams): void {
  if (!p?.model?.embed_tokens || !p.model.norm || !p.lm_head || !Array.isArray(p.model.layers)) throw new ArgumentError('tinyLlama needs parameters model.embed_tokens, model.layers.<i>, model.norm and lm_head (LlamaForCausalLM names)');
  if (p.model.layers.length !== config.num_hidden_layers) throw new ShapeError(`tinyLlama: ${p.model.layers.length} layers of parameters but num_hidden_layers is ${config.num_hidden_layers}`);
}

/** (B × n × heads·d_h) → (B × heads × n × d_h) */
const splitHeads = (x: tf.Tensor, heads: number, dh: number): tf.Tensor => tf.transpose(tf.reshape(x, [x.shape[0]!, x.shape[1]!, heads, dh]), [0, 2, 1, 3]);

/** Each key/value head repeated for its group of query heads: (B × H_kv × t × d_h) → (B × H × t × d_h), head h reads ⌊h / rep⌋. */
function repeatKv(x: tf.Tensor, rep: number): tf.Tensor {
  if (rep === 1) return x;
  const [B, Hkv, t, dh] = x.shape as [number, number, number, number];
  return tf.reshape(tf.tile(tf.reshape(x, [B, Hkv, 1, t * dh]), [1, 1, rep, 1]), [B, Hkv * rep, t, dh]); // (B × H_kv × 1 × t·d_h) → (B × H_kv × rep × t·d_h) → (B × H × t × d_h); tile's gradient stops at rank 4
}

interface Cache {
  k: tf.Tensor | null; // (B × H_kv × t × d_h), after RoPE
  v: tf.Tensor | null;
}

function layer(config: TinyLlamaConfig, p: TfTinyLlamaLayerParams, x: tf.Tensor, start: number, cache: Cache, name: string): tf.Tensor {
  const H = config.num_attention_heads;
  const Hkv = config.num_key_value_heads;
  const dh = config.hidden_size / H;
  const [B, n] = x.shape as [number, number, number];
  const positions = Array.from({ length: n }, (_, i) => start + i);
  const ropeOptions = { pairing: 'half' as const, base: config.rope_theta, positions };
  const a = rmsNorm(x, p.input_layernorm, config.rms_norm_eps, `${name}.input_layernorm`); // (B × n × d)
  const q = rope(splitHeads(linear(a, p.self_attn.q_proj, `${name}.self_attn.q_proj`), H, dh), ropeOptions); // (B × H × n × d_h)
  const kNew = rope(splitHeads(linear(a, p.self_attn.k_proj, `${name}.self_attn.k_proj`), Hkv, dh), ropeOptions); // (B × H_kv × n × d_h)
  const vNew = splitHeads(linear(a, p.self_attn.v_proj, `${name}.self_attn.v_proj`), Hkv, dh);
  const k = cache.k ? tf.concat([cache.k, kNew], 2) : kNew; // (B × H_kv × t × d_h)
  const v = cache.v ? tf.concat([cache.v, vNew], 2) : vNew;
  [cache.k, cache.v] = [k, v];
  const t = k.shape[2]!;
  const scores = tf.div(tf.matMul(q, repeatKv(k, H / Hkv), false, true), Math.sqrt(dh)); // (B × H × n × t)
  // causal: query i (position start + i) sees keys j ≤ start + i
  const allowed = tf.lessEqual(tf.range(0, t, 1, 'int32').reshape([1, t]), tf.range(start, start + n, 1, 'int32').reshape([n, 1])); // (n × t)
  const weights = tf.softmax(tf.where(tf.broadcastTo(allowed, scores.shape), scores, tf.fill(scores.shape, -Infinity)), -1);
  const heads = tf.reshape(tf.transpose(tf.matMul(weights, repeatKv(v, H / Hkv)), [0, 2, 1, 3]), [B, n, H * dh]); // (B × n × H·d_h)
  const h1 = tf.add(x, linear(heads, p.self_attn.o_proj, `${name}.self_attn.o_proj`)); // (B × n × d)
  return tf.add(h1, gatedFeedForward(rmsNorm(h1, p.post_attention_layernorm, config.rms_norm_eps, `${name}.post_attention_layernorm`), p.mlp, 'silu', `${name}.mlp`));
}

export function tinyLlama(config: TinyLlamaConfig, params: TfTinyLlamaParams, idx: number[][], targets?: number[][]): { logits: tf.Tensor; loss?: tf.Scalar } {
  checkLlamaTokens(idx, config, targets);
  checkParams(config, params);
  const [B, T] = [idx.length, idx[0].length];
  return tf.tidy(() => {
    let x = embeddingLookup(params.model.embed_tokens.weight, idx); // (B × T × d)
    params.model.layers.forEach((lp, l) => (x = layer(config, lp, x, 0, { k: null, v: null }, `model.layers.${l}`)));
    const logits = linear(rmsNorm(x, params.model.norm, config.rms_norm_eps, 'model.norm'), params.lm_head, 'lm_head'); // (B × T × V)
    if (!targets) return { logits };
    return { logits, loss: crossEntropy(tf.reshape(logits, [B * T, config.vocab_size]), tf.tensor1d(targets.flat(), 'int32'), -100) };
  }) as { logits: tf.Tensor; loss?: tf.Scalar };
}

/** Logits (T × V) of one sequence, one token at a time with a key/value cache per layer. */
export function tinyLlamaDecode(config: TinyLlamaConfig, params: TfTinyLlamaParams, tokens: number[]): tf.Tensor {
  checkLlamaTokens([tokens], config);
  checkParams(config, params);
  const caches: Cache[] = params.model.layers.map(() => ({ k: null, v: null }));
  const rows: tf.Tensor[] = [];
  try {
    tokens.forEach((token, pos) => {
      const old = caches.flatMap((c) => [c.k, c.v]).filter((t): t is tf.Tensor => t !== null);
      const row = tf.tidy(() => {
        let x = embeddingLookup(params.model.embed_tokens.weight, [[token]]); // (1 × 1 × d)
        params.model.layers.forEach((lp, l) => (x = layer(config, lp, x, pos, caches[l], `model.layers.${l}`)));
        caches.forEach((c) => tf.keep(c.k!) && tf.keep(c.v!)); // the grown caches outlive the step
        return tf.reshape(linear(rmsNorm(x, params.model.norm, config.rms_norm_eps, 'model.norm'), params.lm_head, 'lm_head'), [config.vocab_size]); // (V)
      });
      tf.dispose(old); // the caches before this step
      rows.push(row);
    });
    return tf.tidy(() => tf.stack(rows)); // (T × V)
  } finally {
    tf.dispose(rows);
    tf.dispose(caches.flatMap((c) => [c.k, c.v]).filter((t): t is tf.Tensor => t !== null));
  }
}
