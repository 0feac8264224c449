/**
 * Configuration of the tutorial's TinyBERT and TinyGPT (scratch §3.4 and §4.4), with the
 * tutorial's argument names, and the exact list of state_dict entries such a model has — the
 * contract between a PyTorch checkpoint, our loaders and the parameter counts.
 */
import { ArgumentError, RangeArgumentError } from './errors.js';

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

/** sum(p.numel() for p in model.parameters()) — buffers excluded, as PyTorch counts. */
export function tinyParameterCount(kind: TinyKind, c: TinyConfig): number {
  let n = 0;
  for (const e of tinyStateDictLayout(kind, c).values()) if (!e.buffer) n += e.shape.reduce((a, b) => a * b, 1);
  return n;
}
