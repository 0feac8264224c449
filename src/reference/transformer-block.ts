/**
 * Transformer layers assembled from the pieces, with the parameter names of the PyTorch modules
 * the tutorial prints (so a state_dict maps onto them one to one):
 *
 *   multi-head module (tutorial MultiHead):  heads.{h}.query/key/value.weight (head_size × C, no bias),
 *                                            proj.weight (C × C), proj.bias (C); causal heads also
 *                                            carry a lower-triangular `tril` buffer.
 *   pre-LN block (tutorial Block):           x ← x + MHA(LN₁(x));  x ← x + FFN(LN₂(x))        [scratch §3.4 / §4.4 code]
 *   post-LN encoder layer (Vaswani; text):   h = LN₁(x + MHA(x));  y = LN₂(h + FFN(h))        [interview deck "Add & Norm"]
 *   post-LN decoder layer:                   h₁ = LN₁(x + MaskedMHA(x));  h₂ = LN₂(h₁ + CrossMHA(h₁, memory));
 *                                            y = LN₃(h₂ + FFN(h₂))                            [interview deck decoder stack]
 *
 * The per-head Linear layers are the columns of one projection: W_Q = [W_Q^1ᵀ | … | W_Q^Hᵀ], so the
 * module is computed by src/reference/multi-head-attention.ts, which the §1–§4 claims already check.
 * Dropout is not applied here: these reference layers are the evaluation-mode (dropout = identity)
 * functions the PyTorch fixtures are exported in.
 */
import { ShapeError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import type { Activation } from './activations.js';
import { feedForwardWith, type FeedForwardParams } from './feed-forward.js';
import { float64, type Field } from './field.js';
import { layerNormWith, type LayerNormParams } from './layer-norm.js';
import type { LinearParams } from './linear.js';
import { concatColumns, transpose, addWith } from './linear-algebra.js';
import { multiHeadAttentionWith } from './multi-head-attention.js';

export interface HeadParams<S> {
  query: LinearParams<S>;
  key: LinearParams<S>;
  value: LinearParams<S>;
  /** The causal head's buffer (block_size × block_size lower-triangular ones); not a parameter. */
  tril?: Matrix<S>;
}

export interface MultiHeadModuleParams<S> {
  heads: HeadParams<S>[];
  proj: LinearParams<S>;
}

export interface BlockParams<S> {
  ln1: LayerNormParams<S>;
  mh: MultiHeadModuleParams<S>;
  ln2: LayerNormParams<S>;
  ff: FeedForwardParams<S>;
}

export interface EncoderLayerParams<S> {
  self_attn: MultiHeadModuleParams<S>;
  ln1: LayerNormParams<S>;
  ff: FeedForwardParams<S>;
  ln2: LayerNormParams<S>;
}

export interface DecoderLayerParams<S> extends EncoderLayerParams<S> {
  cross_attn: MultiHeadModuleParams<S>;
  ln3: LayerNormParams<S>;
}

/** The tutorial's MultiHead: per-head Linear layers, concatenation, output projection. */
export function multiHeadModuleWith<S>(F: Field<S>, x: Matrix<S>, p: MultiHeadModuleParams<S>, options: { causal?: boolean; memory?: Matrix<S> } = {}): Matrix<S> {
  if (!Array.isArray(p.heads) || p.heads.length === 0) throw new ShapeError('multi-head module needs at least one head (heads.0.…)');
  const stack = (pick: (h: HeadParams<S>) => LinearParams<S>) => concatColumns(p.heads.map((h) => transpose(pick(h).weight))); // (C × H·head_size)
  const r = multiHeadAttentionWith(
    F,
    x,
    options.memory ?? x,
    { wQ: stack((h) => h.query), wK: stack((h) => h.key), wV: stack((h) => h.value), wO: transpose(p.proj.weight), bO: p.proj.bias },
    { nHeads: p.heads.length, mask: options.causal ? 'causal' : null },
  );
  return r.output; // (n × C)
}

/** Pre-LN block, as the tutorial's code: x + MHA(LN₁ x), then + FFN(LN₂ x). */
export function blockWith<S>(F: Field<S>, x: Matrix<S>, p: BlockParams<S>, options: { causal?: boolean; activation?: Activation } = {}): Matrix<S> {
  const h = addWith(F, x, multiHeadModuleWith(F, layerNormWith(F, x, p.ln1, 1e-5, 'ln1'), p.mh, options), ['x', 'mh(ln1(x))']); // (T × C)
  return addWith(F, h, feedForwardWith(F, layerNormWith(F, h, p.ln2, 1e-5, 'ln2'), p.ff, options.activation ?? 'gelu'), ['x', 'ff(ln2(x))']); // (T × C)
}

/** Post-LN encoder layer (Add & Norm as the documents' text describes it). */
export function encoderLayerWith<S>(F: Field<S>, x: Matrix<S>, p: EncoderLayerParams<S>, activation: Activation = 'relu'): Matrix<S> {
  const h = layerNormWith(F, addWith(F, x, multiHeadModuleWith(F, x, p.self_attn)), p.ln1, 1e-5, 'ln1'); // LN(x + MHA(x))
  return layerNormWith(F, addWith(F, h, feedForwardWith(F, h, p.ff, activation)), p.ln2, 1e-5, 'ln2'); // LN(h + FFN(h))
}

/** Post-LN decoder layer: masked self-attention, cross-attention to `memory`, FFN. */
export function decoderLayerWith<S>(F: Field<S>, x: Matrix<S>, memory: Matrix<S>, p: DecoderLayerParams<S>, activation: Activation = 'relu'): Matrix<S> {
  const h1 = layerNormWith(F, addWith(F, x, multiHeadModuleWith(F, x, p.self_attn, { causal: true })), p.ln1, 1e-5, 'ln1');
  const h2 = layerNormWith(F, addWith(F, h1, multiHeadModuleWith(F, h1, p.cross_attn, { memory })), p.ln2, 1e-5, 'ln2');
  return layerNormWith(F, addWith(F, h2, feedForwardWith(F, h2, p.ff, activation)), p.ln3, 1e-5, 'ln3');
}

export const multiHeadModule = (x: Matrix, p: MultiHeadModuleParams<number>, options?: { causal?: boolean; memory?: Matrix }) => multiHeadModuleWith(float64, x, p, options);
export const block = (x: Matrix, p: BlockParams<number>, options?: { causal?: boolean; activation?: Activation }) => blockWith(float64, x, p, options);
export const encoderLayer = (x: Matrix, p: EncoderLayerParams<number>, activation?: Activation) => encoderLayerWith(float64, x, p, activation);
export const decoderLayer = (x: Matrix, memory: Matrix, p: DecoderLayerParams<number>, activation?: Activation) => decoderLayerWith(float64, x, memory, p, activation);
