/**
 * The configuration of a tiny LLaMA-architecture model (Hugging Face LlamaConfig's field names) and
 * the state_dict it implies (LlamaForCausalLM's names), for src/reference/tiny-llama.ts,
 * src/tfjs/tiny-llama.ts, `forward --model tinyllama` and the fixture of
 * scripts/export-llm-fixtures.py.
 *
 *   model.embed_tokens.weight                          (V × d)
 *   model.layers.<i>.self_attn.q_proj.weight           (n_heads·h × d),  h = d / n_heads
 *   model.layers.<i>.self_attn.{k,v}_proj.weight       (n_kv_heads·h × d)
 *   model.layers.<i>.self_attn.o_proj.weight           (d × n_heads·h)
 *   model.layers.<i>.mlp.{gate,up}_proj.weight         (d_ff × d),  mlp.down_proj.weight (d × d_ff)
 *   model.layers.<i>.{input,post_attention}_layernorm.weight  (d)
 *   model.norm.weight (d),  lm_head.weight (V × d)      untied, no biases
 *
 * Conventions: RMSNorm ε = rms_norm_eps (LlamaConfig default 1e-6), RoPE split halves (rotate_half)
 * with base rope_theta (default 10000) over the whole head, SwiGLU MLP, num_key_value_heads divides
 * num_attention_heads (default: equal, i.e. multi-head attention).
 */
import { ArgumentError, RangeArgumentError } from './errors.js';

export interface TinyLlamaConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  rms_norm_eps: number;
  rope_theta: number;
  /** Positions 0 … max_position_embeddings − 1 (RoPE has no table; this bounds the sequence length as the config states it). */
  max_position_embeddings: number;
}

const INTEGER_KEYS = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads'] as const;
/** Keys of a Hugging Face LlamaConfig that do not change the forward pass of this model (read and ignored). */
const IGNORED = new Set(['model_type', 'architectures', 'hidden_act', 'tie_word_embeddings', 'attention_bias', 'mlp_bias', 'bos_token_id', 'eos_token_id', 'pad_token_id', 'initializer_range', 'torch_dtype', 'transformers_version', 'use_cache', 'pretraining_tp', 'rope_scaling', 'attention_dropout', 'head_dim']);

export function validateLlamaConfig(raw: unknown, source = 'config'): TinyLlamaConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ArgumentError(`${source} must be a JSON object with LlamaConfig's fields (vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, …)`);
  const c = raw as Record<string, unknown>;
  for (const k of INTEGER_KEYS) if (typeof c[k] !== 'number' || !Number.isInteger(c[k]) || (c[k] as number) < 1) throw new RangeArgumentError(`${source}: ${k} must be an integer ≥ 1, got ${JSON.stringify(c[k])}`);
  const heads = c.num_attention_heads as number;
  const kv = c.num_key_value_heads ?? heads;
  if (typeof kv !== 'number' || !Number.isInteger(kv) || kv < 1 || heads % kv !== 0) throw new RangeArgumentError(`${source}: num_key_value_heads (${JSON.stringify(c.num_key_value_heads)}) must be an integer ≥ 1 that divides num_attention_heads (${heads}): each key/value head serves an equal group of query heads`);
  const d = c.hidden_size as number;
  if (d % heads !== 0 || (d / heads) % 2 !== 0) throw new RangeArgumentError(`${source}: hidden_size (${d}) must be num_attention_heads (${heads}) × an even head size (RoPE rotates pairs)`);
  if (c.head_dim !== undefined && c.head_dim !== null && c.head_dim !== d / heads) throw new RangeArgumentError(`${source}: head_dim ${JSON.stringify(c.head_dim)} ≠ hidden_size / num_attention_heads = ${d / heads} is not supported by this model`);
  if (c.tie_word_embeddings === true) throw new ArgumentError(`${source}: tie_word_embeddings true is not supported: this model has an untied lm_head`);
  for (const k of ['attention_bias', 'mlp_bias'] as const) if (c[k] === true) throw new ArgumentError(`${source}: ${k} true is not supported: this model has no biases`);
  if (c.hidden_act !== undefined && c.hidden_act !== 'silu') throw new ArgumentError(`${source}: hidden_act ${JSON.stringify(c.hidden_act)} is not supported: the MLP is SwiGLU (silu)`);
  if (c.rope_scaling !== undefined && c.rope_scaling !== null) throw new ArgumentError(`${source}: rope_scaling is not supported (plain RoPE only)`);
  const eps = c.rms_norm_eps ?? 1e-6;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) throw new RangeArgumentError(`${source}: rms_norm_eps must be a finite number > 0, got ${JSON.stringify(c.rms_norm_eps)}`);
  const theta = c.rope_theta ?? 10000;
  if (typeof theta !== 'number' || !(theta > 1) || !Number.isFinite(theta)) throw new RangeArgumentError(`${source}: rope_theta must be a finite number > 1, got ${JSON.stringify(c.rope_theta)}`);
  const maxPos = c.max_position_embeddings ?? 2048;
  if (typeof maxPos !== 'number' || !Number.isInteger(maxPos) || maxPos < 1) throw new RangeArgumentError(`${source}: max_position_embeddings must be an integer ≥ 1, got ${JSON.stringify(c.max_position_embeddings)}`);
  const known = new Set<string>([...INTEGER_KEYS, 'num_key_value_heads', 'rms_norm_eps', 'rope_theta', 'max_position_embeddings']);
  const unknown = Object.keys(c).filter((k) => !known.has(k) && !IGNORED.has(k));
  if (unknown.length) throw new ArgumentError(`${source}: unknown key(s) ${unknown.join(', ')}; expected LlamaConfig's fields`);
  return { vocab_size: c.vocab_size as number, hidden_size: d, intermediate_size: c.intermediate_size as number, num_hidden_layers: c.num_hidden_layers as number, num_attention_heads: heads, num_key_value_heads: kv, rms_norm_eps: eps, rope_theta: theta, max_position_embeddings: maxPos };
}

/** The state_dict of LlamaForCausalLM for this config, in registration order: name → shape. */
export function llamaStateDictLayout(c: TinyLlamaConfig): Map<string, number[]> {
  const [d, f, V] = [c.hidden_size, c.intermediate_size, c.vocab_size];
  const h = d / c.num_attention_heads;
  const m = new Map<string, number[]>([['model.embed_tokens.weight', [V, d]]]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    m.set(`${p}.self_attn.q_proj.weight`, [c.num_attention_heads * h, d]);
    m.set(`${p}.self_attn.k_proj.weight`, [c.num_key_value_heads * h, d]);
    m.set(`${p}.self_attn.v_proj.weight`, [c.num_key_value_heads * h, d]);
    m.set(`${p}.self_attn.o_proj.weight`, [d, c.num_attention_heads * h]);
    m.set(`${p}.mlp.gate_proj.weight`, [f, d]);
    m.set(`${p}.mlp.up_proj.weight`, [f, d]);
    m.set(`${p}.mlp.down_proj.weight`, [d, f]);
    m.set(`${p}.input_layernorm.weight`, [d]);
    m.set(`${p}.post_attention_layernorm.weight`, [d]);
  }
  m.set('model.norm.weight', [d]);
  m.set('lm_head.weight', [V, d]);
  return m;
}

export function llamaParameterCount(c: TinyLlamaConfig): number {
  let n = 0;
  for (const s of llamaStateDictLayout(c).values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}
