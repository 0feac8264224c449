/**
 * TinyGPT and TinyBERT as the tutorial prints them (scratch §3.4, §4.4), evaluation mode:
 *
 *   x = token_embed[idx] + pos_embed[0…T−1]                 (B × T × C)
 *   x = Block_L(… Block_1(x))                                pre-LN blocks; causal for TinyGPT
 *   logits = lm_head(ln_f(x))  (TinyBERT: mlm_head)          (B × T × V)
 *   loss = cross-entropy(logits, targets)                    TinyBERT: ignore_index −100
 *
 * Parameters come as the nested tree of a PyTorch state_dict (src/core/state-dict.ts).
 */
import { RangeArgumentError, ShapeError } from '../core/errors.js';
import { checkFloat32Result } from '../core/numeric-conventions.js';
import type { Matrix } from '../core/shape.js';
import type { TinyConfig, TinyKind } from '../core/tiny-config.js';
import { crossEntropyWith } from './cross-entropy.js';
import { asNumbers, float64, type Field } from './field.js';
import { layerNormWith, type LayerNormParams } from './layer-norm.js';
import { linearWith, type LinearParams } from './linear.js';
import { blockWith, type BlockParams } from './transformer-block.js';

export interface TinyModelParams<S> {
  token_embed: { weight: Matrix<S> };
  pos_embed: { weight: Matrix<S> };
  blocks: BlockParams<S>[];
  ln_f: LayerNormParams<S>;
  lm_head?: LinearParams<S>;
  mlm_head?: LinearParams<S>;
}

export function checkTokens(idx: readonly (readonly number[])[], config: TinyConfig, name = 'tokens'): void {
  if (!Array.isArray(idx) || idx.length === 0 || !Array.isArray(idx[0])) throw new ShapeError(`${name} must be a non-empty batch of token sequences (B × T)`);
  const T = idx[0].length;
  idx.forEach((seq: readonly number[], b: number) => {
    if (seq.length !== T) throw new ShapeError(`${name}[${b}] has ${seq.length} tokens, ${name}[0] has ${T}: sequences in a batch must have equal length`);
    seq.forEach((t: number, i: number) => {
      if (!Number.isInteger(t) || t < 0 || t >= config.vocab_size) throw new RangeArgumentError(`${name}[${b}][${i}] = ${t} is not a token id in 0…${config.vocab_size - 1}`);
    });
  });
  if (T < 1 || T > config.block_size) throw new RangeArgumentError(`${name} has T = ${T} positions but block_size is ${config.block_size}: the position table has no row beyond it`);
}

export function tinyModelWith<S>(
  F: Field<S>,
  kind: TinyKind,
  config: TinyConfig,
  params: TinyModelParams<S>,
  idx: number[][],
  targets?: number[][],
): { logits: Matrix<S>[]; loss?: S } {
  checkTokens(idx, config);
  const head = kind === 'tinygpt' ? params.lm_head : params.mlm_head;
  if (!head) throw new ShapeError(`${kind} parameters need ${kind === 'tinygpt' ? 'lm_head' : 'mlm_head'}.weight and .bias`);
  const logits = idx.map((seq) => {
    let x = seq.map((tok, t) => params.token_embed.weight[tok].map((v, c) => F.add(v, params.pos_embed.weight[t][c]))); // (T × C)
    for (const blockParams of params.blocks) x = blockWith(F, x, blockParams, { causal: kind === 'tinygpt' }); // (T × C)
    const z = linearWith(F, layerNormWith(F, x, params.ln_f, 1e-5, 'ln_f'), head, kind === 'tinygpt' ? 'lm_head' : 'mlm_head'); // (T × V)
    checkFloat32Result(asNumbers(F, z), 'logits'); // beyond float32's range: refused here as on tfjs (numeric-conventions rule 3e)
    return z;
  });
  if (!targets) return { logits };
  checkTargets(targets, idx, config, kind);
  return { logits, loss: crossEntropyWith(F, logits.flat(), targets.flat(), -100) };
}

function checkTargets(targets: number[][], idx: number[][], config: TinyConfig, kind: TinyKind): void {
  if (targets.length !== idx.length || targets.some((t, b) => t.length !== idx[b].length)) throw new ShapeError(`targets must have the shape of tokens (${idx.length} × ${idx[0].length})`);
  targets.forEach((seq, b) =>
    seq.forEach((t, i) => {
      const ok = Number.isInteger(t) && ((t >= 0 && t < config.vocab_size) || (kind === 'tinybert' && t === -100));
      if (!ok) throw new RangeArgumentError(`targets[${b}][${i}] = ${t} is not a token id in 0…${config.vocab_size - 1}${kind === 'tinybert' ? ' or the ignore index −100' : ''}`);
    }),
  );
}

export const tinyModel = (kind: TinyKind, config: TinyConfig, params: TinyModelParams<number>, idx: number[][], targets?: number[][]) =>
  tinyModelWith(float64, kind, config, params, idx, targets);

/** The ids of an embedding lookup: a non-empty batch of equal-length sequences of row numbers 0…rows−1 (both implementations check with this). */
export function checkRowIds(idx: readonly (readonly number[])[], rows: number): void {
  if (!Array.isArray(idx) || idx.length === 0 || !Array.isArray(idx[0]) || idx[0].length === 0 || idx.some((s) => !Array.isArray(s) || s.length !== idx[0].length)) {
    throw new ShapeError('idx must be a non-empty batch of equal-length, non-empty sequences (B × T)');
  }
  idx.forEach((seq, b) =>
    seq.forEach((t: number, i: number) => {
      if (!Number.isInteger(t) || t < 0 || t >= rows) throw new RangeArgumentError(`idx[${b}][${i}] = ${t} is not a row of the ${rows}-row table`);
    }),
  );
}

/** Rows of an embedding table by token id, (B × T) ids → (B × T × C): the tfjs function's name and arguments (there it is a one-hot product, for its gradient). */
export function embeddingLookup<S>(table: Matrix<S>, idx: number[][]): Matrix<S>[] {
  checkRowIds(idx, table.length);
  return idx.map((seq) => seq.map((t) => [...table[t]])); // (B × T × C)
}
