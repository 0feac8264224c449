/**
 * Configuration of the tutorial's TinyBERT and TinyGPT (scratch §3.4 and §4.4), with the
 * tutorial's argument names, and the exact list of state_dict entries such a model has — the
 * contract between a PyTorch checkpoint, our loaders and the parameter counts.
 */
import { ArgumentError, RangeArgumentError } from './errors.js';
import { BYTES } from './limits.js';

export type TinyKind = 'tinygpt' | 'tinybert';

export interface TinyConfig {
  vocab_size: number;
  block_size: number;
  n_embed: number;
  n_head: number;
  n_layer: number;
  dropout: number;
}

/** The tutorial's defaults for the constructor arguments it does not pass explicitly. */
export const TUTORIAL_DEFAULTS = { n_embed: 128, n_head: 4, n_layer: 4, dropout: 0.1 } as const;

export function validateTinyConfig(raw: unknown, source = 'config'): TinyConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ArgumentError(`${source} must be a JSON object with vocab_size, block_size, n_embed, n_head, n_layer, dropout`);
  const c = { ...TUTORIAL_DEFAULTS, ...(raw as Record<string, unknown>) } as Record<string, unknown>;
  const known = ['vocab_size', 'block_size', 'n_embed', 'n_head', 'n_layer', 'dropout'];
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length) throw new ArgumentError(`${source}: unknown key(s) ${unknown.join(', ')}; expected ${known.join(', ')}`);
  for (const k of ['vocab_size', 'block_size', 'n_embed', 'n_head', 'n_layer']) {
    if (typeof c[k] !== 'number' || !Number.isInteger(c[k]) || (c[k] as number) < 1) throw new RangeArgumentError(`${source}: ${k} must be an integer ≥ 1, got ${JSON.stringify(c[k])}`);
  }
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) throw new RangeArgumentError(`${source}: dropout must be in [0, 1), got ${JSON.stringify(c.dropout)}`);
  if ((c.n_embed as number) % (c.n_head as number) !== 0) throw new RangeArgumentError(`${source}: n_embed (${c.n_embed}) must be divisible by n_head (${c.n_head})`);
  return c as unknown as TinyConfig;
}

export interface StateEntry {
  shape: number[];
  /** Buffers (the causal heads' `tril`) are in the state_dict but are not parameters. */
  buffer?: boolean;
}

/** Every state_dict entry of the model, in PyTorch's registration order. */
export function tinyStateDictLayout(kind: TinyKind, c: TinyConfig): Map<string, StateEntry> {
  const { vocab_size: V, block_size: T, n_embed: C, n_head: H, n_layer: L } = c;
  const hs = C / H;
  const m = new Map<string, StateEntry>();
  m.set('token_embed.weight', { shape: [V, C] });
  m.set('pos_embed.weight', { shape: [T, C] });
  for (let l = 0; l < L; l++) {
    const b = `blocks.${l}`;
    for (let h = 0; h < H; h++) {
      for (const w of ['key', 'query', 'value']) m.set(`${b}.mh.heads.${h}.${w}.weight`, { shape: [hs, C] });
      if (kind === 'tinygpt') m.set(`${b}.mh.heads.${h}.tril`, { shape: [T, T], buffer: true });
    }
    m.set(`${b}.mh.proj.weight`, { shape: [C, C] });
    m.set(`${b}.mh.proj.bias`, { shape: [C] });
    m.set(`${b}.ff.net.0.weight`, { shape: [4 * C, C] });
    m.set(`${b}.ff.net.0.bias`, { shape: [4 * C] });
    m.set(`${b}.ff.net.2.weight`, { shape: [C, 4 * C] });
    m.set(`${b}.ff.net.2.bias`, { shape: [C] });
    for (const ln of ['ln1', 'ln2']) {
      m.set(`${b}.${ln}.weight`, { shape: [C] });
      m.set(`${b}.${ln}.bias`, { shape: [C] });
    }
  }
  m.set('ln_f.weight', { shape: [C] });
  m.set('ln_f.bias', { shape: [C] });
  const head = kind === 'tinygpt' ? 'lm_head' : 'mlm_head';
  m.set(`${head}.weight`, { shape: [V, C] });
  m.set(`${head}.bias`, { shape: [V] });
  return m;
}

/**
 * sum(p.numel() for p in model.parameters()) — buffers excluded, as PyTorch counts — in closed
 * form, so that a config with n_layer = 10^8 costs nothing to count (the layout above would list
 * its 10^9 entries). Per block: q, k, v of every head 3·C² (H heads × head size C/H × C), the
 * projection C² + C, the FFN 4C·C + 4C + C·4C + C, two LayerNorms 4C: 12C² + 10C. Outside the
 * blocks: token table V·C, position table T·C, ln_f 2C, head V·C + V. A float: exact below 2^53.
 */
export function tinyParameterCount(kind: TinyKind, c: TinyConfig): number {
  void kind; // both models have the same parameters; only TinyGPT has the tril buffers
  const { vocab_size: V, block_size: T, n_embed: C, n_layer: L } = c;
  return 2 * V * C + T * C + L * (12 * C * C + 10 * C) + 2 * C + V;
}

/** Elements of the buffers (TinyGPT's causal `tril` of every head, T × T each; none in TinyBERT). */
export function tinyBufferCount(kind: TinyKind, c: TinyConfig): number {
  return kind === 'tinygpt' ? c.n_layer * c.n_head * c.block_size * c.block_size : 0;
}

/** Entries of the state_dict (tinyStateDictLayout's size), in closed form: 6 outside the blocks, 3H (+H trils) + 10 per block. */
export function tinyStateDictSize(kind: TinyKind, c: TinyConfig): number {
  return 6 + c.n_layer * ((kind === 'tinygpt' ? 4 : 3) * c.n_head + 10);
}

/**
 * Bytes a forward pass of B sequences of T tokens needs, at least: the weights as read (float32),
 * as the implementation holds them (float64 arrays for the reference, float32 tensors for tfjs),
 * one block's activations (residual stream, q/k/v, FFN hidden 4C, attention weights H·T per token)
 * and the logits, printed as text or JSON. Checked before any file is read (src/core/limits.ts).
 */
export function tinyForwardBytes(kind: TinyKind, c: TinyConfig, batch: number, tokens: number, impl: 'reference' | 'tfjs'): number {
  const weights = tinyParameterCount(kind, c) + tinyBufferCount(kind, c);
  const perValue = impl === 'reference' ? BYTES.float64 : BYTES.float32;
  const activations = batch * tokens * (16 * c.n_embed + 3 * c.n_head * tokens) * perValue;
  const logits = batch * tokens * c.vocab_size * (perValue + BYTES.printedNumber);
  return weights * (BYTES.float32 + perValue) + activations + logits;
}

/**
 * Bytes a training step of B windows of T tokens needs, at least: the weights with their gradients
 * and AdamW's two moments (4 float32 copies), TinyGPT's tril buffers, and the activations every
 * block keeps for the backward pass (about 30 values per feature and token, attention weights and
 * their gradients H·T per token). Checked before the model is built.
 */
export function tinyTrainingBytes(kind: TinyKind, c: TinyConfig, batch: number, tokens: number): number {
  const weights = 4 * tinyParameterCount(kind, c) + tinyBufferCount(kind, c);
  const activations = c.n_layer * batch * tokens * (30 * c.n_embed + 4 * c.n_head * tokens) + batch * tokens * c.vocab_size * 3;
  return (weights + activations) * BYTES.float32;
}
