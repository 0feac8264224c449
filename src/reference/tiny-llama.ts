/**
 * A tiny LLaMA-architecture decoder (Touvron et al. 2023, "LLaMA", §2.2; Hugging Face
 * LlamaForCausalLM's names), beside the tutorial's TinyGPT and TinyBERT:
 *
 *   h⁰ = E[idx]                                                  (B × T × d), no position table
 *   per layer:  a = RMSNorm(h; γ₁, ε)                            input_layernorm
 *               q_h = RoPE(a W_qᵀ |head h), k_g = RoPE(a W_kᵀ |head g), v_g = a W_vᵀ |head g
 *               head_h = softmax(q_h k_{g(h)}ᵀ / √d_h + causal) v_{g(h)},  g(h) = ⌊h / (H / H_kv)⌋
 *               h ← h + Concat(head_1 … head_H) W_oᵀ                 grouped-query attention
 *               h ← h + SwiGLU(RMSNorm(h; γ₂, ε))                    post_attention_layernorm, mlp
 *   logits = RMSNorm(h; γ_f, ε) W_headᵀ                              model.norm, lm_head (untied)
 *   loss   = mean over positions of −log softmax(logits)[target]     targets aligned with positions
 *
 * Conventions, named: RoPE split halves (Hugging Face rotate_half) over the whole head, base
 * rope_theta; causal attention, each query at position p sees keys at positions ≤ p; ε = rms_norm_eps;
 * targets are the next tokens aligned with the positions, as TinyGPT's (Hugging Face's `labels` are the
 * inputs, shifted inside the model). `tinyLlamaDecode` computes the same logits one token at a time
 * with a key/value cache (keys stored after RoPE, one cache per key/value head).
 * Shapes: idx, targets (B × T) ids; config src/core/llama-config.ts; params as its state_dict.
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import type { TinyLlamaConfig } from '../core/llama-config.js';
import type { Matrix } from '../core/shape.js';
import { crossEntropyWith } from './cross-entropy.js';
import { float64, type Field } from './field.js';
import { gatedFeedForwardWith, type GatedFeedForwardParams } from './gated-feed-forward.js';
import { linearWith } from './linear.js';
import { rmsNormWith } from './rms-norm.js';
import { ropeWith } from './rope.js';
import { softmaxRowWith } from './softmax.js';

interface W<S> {
  weight: Matrix<S>;
}
export interface TinyLlamaLayerParams<S> {
  self_attn: { q_proj: W<S>; k_proj: W<S>; v_proj: W<S>; o_proj: W<S> };
  mlp: GatedFeedForwardParams<S>;
  input_layernorm: { weight: S[] };
  post_attention_layernorm: { weight: S[] };
}
export interface TinyLlamaParams<S> {
  model: { embed_tokens: W<S>; layers: TinyLlamaLayerParams<S>[]; norm: { weight: S[] } };
  lm_head: W<S>;
}

/** The checks both implementations run on the token ids (and targets). */
export function checkLlamaTokens(idx: number[][], config: TinyLlamaConfig, targets?: number[][]): void {
  if (!Array.isArray(idx) || idx.length === 0 || !Array.isArray(idx[0]) || idx[0].length === 0) throw new ShapeError('idx must be a non-empty batch of token sequences (B × T)');
  const T = idx[0].length;
  idx.forEach((row, b) => {
    if (row.length !== T) throw new ShapeError(`idx[${b}] has ${row.length} tokens but idx[0] has ${T}`);
    row.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t >= config.vocab_size) throw new RangeArgumentError(`idx[${b}][${i}] = ${t} is not a token id in 0…${config.vocab_size - 1}`);
    });
  });
  if (T > config.max_position_embeddings) throw new RangeArgumentError(`T = ${T} positions exceeds max_position_embeddings ${config.max_position_embeddings}`);
  if (targets) {
    if (targets.length !== idx.length || targets.some((r) => r.length !== T)) throw new ShapeError(`targets must have the shape of idx (${idx.length} × ${T})`);
    targets.flat().forEach((t) => {
      if (!Number.isInteger(t) || t < 0 || t >= config.vocab_size) throw new RangeArgumentError(`target ${t} is not a token id in 0…${config.vocab_size - 1}`);
    });
  }
}

const headSlice = <S>(m: Matrix<S>, h: number, size: number): Matrix<S> => m.map((row) => row.slice(h * size, (h + 1) * size)); // (T × d_h)

/** The keys (after RoPE) and values of one layer, per key/value head: what the cache stores. */
interface LayerKv<S> {
  k: Matrix<S>[]; // H_kv × (t × d_h)
  v: Matrix<S>[];
}

/** One layer on the rows x (n × d) at the given positions, attending to the cache plus these rows. */
function layerWith<S>(F: Field<S>, config: TinyLlamaConfig, p: TinyLlamaLayerParams<S>, x: Matrix<S>, positions: number[], cache: LayerKv<S>, name: string): Matrix<S> {
  const H = config.num_attention_heads;
  const Hkv = config.num_key_value_heads;
  const dh = config.hidden_size / H;
  const rope = { pairing: 'half' as const, base: config.rope_theta, positions };
  const a = rmsNormWith(F, x, p.input_layernorm, config.rms_norm_eps, `${name}.input_layernorm`); // (n × d)
  const q = linearWith(F, a, p.self_attn.q_proj, `${name}.self_attn.q_proj`); // (n × H·d_h)
  const k = linearWith(F, a, p.self_attn.k_proj, `${name}.self_attn.k_proj`); // (n × H_kv·d_h)
  const v = linearWith(F, a, p.self_attn.v_proj, `${name}.self_attn.v_proj`); // (n × H_kv·d_h)
  for (let g = 0; g < Hkv; g++) {
    cache.k[g] = [...(cache.k[g] ?? []), ...ropeWith(F, headSlice(k, g, dh), rope)]; // (t × d_h), keys after RoPE
    cache.v[g] = [...(cache.v[g] ?? []), ...headSlice(v, g, dh)];
  }
  const keyPositions = cache.k[0].length; // keys at positions 0 … t − 1
  const scale = F.div(F.one, F.sqrt(F.from(dh)));
  const heads: Matrix<S>[] = [];
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / (H / Hkv)); // grouped-query: query head h reads key/value head g
    const qh = ropeWith(F, headSlice(q, h, dh), rope); // (n × d_h)
    heads.push(qh.map((qi, i) => {
      const visible = cache.k[g].slice(0, keyPositions - x.length + i + 1); // causal: keys at positions ≤ positions[i]
      const w = softmaxRowWith(F, visible.map((kj) => F.mul(qi.reduce((s, qv, c) => F.add(s, F.mul(qv, kj[c])), F.zero), scale))); // (t_i)
      return Array.from({ length: dh }, (_, c) => w.reduce((s, wj, j) => F.add(s, F.mul(wj, cache.v[g][j][c])), F.zero)); // (d_h)
    }));
  }
  const concat = x.map((_, i) => heads.flatMap((hd) => hd[i])); // (n × H·d_h)
  const attn = linearWith(F, concat, p.self_attn.o_proj, `${name}.self_attn.o_proj`); // (n × d)
  const h1 = x.map((row, i) => row.map((xv, c) => F.add(xv, attn[i][c]))); // residual
  const m = gatedFeedForwardWith(F, rmsNormWith(F, h1, p.post_attention_layernorm, config.rms_norm_eps, `${name}.post_attention_layernorm`), p.mlp, 'silu', `${name}.mlp`);
  return h1.map((row, i) => row.map((hv, c) => F.add(hv, m[i][c]))); // (n × d)
}

function checkParams<S>(config: TinyLlamaConfig, p: TinyLlamaParams<S>): void {
  if (!p?.model?.embed_tokens || !p.model.norm || !p.lm_head || !Array.isArray(p.model.layers)) throw new ArgumentError('tinyLlama needs parameters model.embed_tokens, model.layers.<i>, model.norm and lm_head (LlamaForCausalLM names)');
  if (p.model.layers.length !== config.num_hidden_layers) throw new ShapeError(`tinyLlama: ${p.model.layers.length} layers of parameters but num_hidden_layers is ${config.num_hidden_layers}`);
}

/** Logits (T × V) of one sequence's rows x at `positions`, through every layer with its cache. */
function stackWith<S>(F: Field<S>, config: TinyLlamaConfig, p: TinyLlamaParams<S>, tokens: number[], positions: number[], caches: LayerKv<S>[]): Matrix<S> {
  let x: Matrix<S> = tokens.map((t) => [...p.model.embed_tokens.weight[t]]); // (n × d)
  p.model.layers.forEach((lp, l) => (x = layerWith(F, config, lp, x, positions, caches[l], `model.layers.${l}`)));
  return linearWith(F, rmsNormWith(F, x, p.model.norm, config.rms_norm_eps, 'model.norm'), p.lm_head, 'lm_head'); // (n × V)
}

export function tinyLlamaWith<S>(F: Field<S>, config: TinyLlamaConfig, params: TinyLlamaParams<S>, idx: number[][], targets?: number[][]): { logits: Matrix<S>[]; loss?: S } {
  checkLlamaTokens(idx, config, targets);
  checkParams(config, params);
  const T = idx[0].length;
  const positions = Array.from({ length: T }, (_, i) => i);
  const logits = idx.map((seq) => stackWith(F, config, params, seq, positions, params.model.layers.map(() => ({ k: [], v: [] })))); // B × (T × V)
  if (!targets) return { logits };
  return { logits, loss: crossEntropyWith(F, logits.flat(), targets.flat(), -100) };
}

/** The same logits (T × V) for one sequence, one token at a time with a key/value cache. */
export function tinyLlamaDecodeWith<S>(F: Field<S>, config: TinyLlamaConfig, params: TinyLlamaParams<S>, tokens: number[]): Matrix<S> {
  checkLlamaTokens([tokens], config);
  checkParams(config, params);
  const caches: LayerKv<S>[] = params.model.layers.map(() => ({ k: [], v: [] }));
  return tokens.map((t, pos) => stackWith(F, config, params, [t], [pos], caches)[0]); // (T × V)
}

export const tinyLlama = (config: TinyLlamaConfig, params: TinyLlamaParams<number>, idx: number[][], targets?: number[][]) => tinyLlamaWith(float64, config, params, idx, targets);
export const tinyLlamaDecode = (config: TinyLlamaConfig, params: TinyLlamaParams<number>, tokens: number[]): Matrix => tinyLlamaDecodeWith(float64, config, params, tokens);
