/**
 * Multi-head attention (Vaswani et al. 2017 §3.2.2; course "Multi-Head Attention: Equations";
 * interview deck "Combining Multiple Heads"):
 *
 *   head_h = Attention(X_q W_Q^h, X_kv W_K^h, X_kv W_V^h)
 *   MHA(X_q, X_kv) = [head_1; …; head_H] W_O
 *
 * W_Q^h is the h-th block of d_k = d_attn / H columns of W_Q, which is exactly what "project to
 * d_model, then split into H heads" computes. Self-attention passes X_q = X_kv; cross-attention
 * (notes; interview deck decoder) passes decoder states as X_q and encoder states as X_kv.
 *
 * Shapes (n_q query tokens, n_k key tokens):
 *   X_q (n_q × d_model), X_kv (n_k × d_model), W_Q, W_K, W_V (d_model × d_attn), W_O (d_attn × d_out)
 *   per head: W_Q^h (d_model × d_k), Q_h (n_q × d_k), K_h, V_h (n_k × d_k), weights_h (n_q × n_k),
 *   head_h (n_q × d_k);  concat (n_q × d_attn);  output (n_q × d_out)
 */
import { RangeArgumentError, ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import { columns, concatColumns, matMulWith } from './linear-algebra.js';
import { scaledDotProductAttentionWith, type AttentionOptions } from './scaled-dot-product-attention.js';

export interface MultiHeadParams<S> {
  wQ: Matrix<S>;
  wK: Matrix<S>;
  wV: Matrix<S>;
  wO: Matrix<S>;
  bQ?: S[];
  bK?: S[];
  bV?: S[];
  bO?: S[];
}

export interface MultiHeadOptions extends AttentionOptions {
  nHeads: number;
}

export interface MultiHeadResult<M> {
  dK: number;
  /** Per-head slices of the projection matrices (d_model × d_k each). */
  wQHeads: M[];
  q: M[];
  k: M[];
  v: M[];
  scores: M[];
  weights: M[];
  heads: M[];
  concat: M;
  output: M;
}

export function checkMultiHeadShapes(xQ: unknown, xKV: unknown, p: MultiHeadParams<unknown>, nHeads: number) {
  const [, dModel] = assertMatrix(xQ, 'xQ');
  const [, dModelKV] = assertMatrix(xKV, 'xKV');
  if (dModel !== dModelKV) throw new ShapeError(`xQ has d_model = ${dModel} but xKV has ${dModelKV}`);
  if (!Number.isInteger(nHeads) || nHeads < 1) throw new RangeArgumentError(`nHeads must be an integer ≥ 1, got ${nHeads}`);
  const dims: Record<string, [number, number]> = {};
  for (const name of ['wQ', 'wK', 'wV', 'wO'] as const) dims[name] = assertMatrix(p[name], name);
  const dAttn = dims.wQ[1];
  for (const name of ['wQ', 'wK', 'wV'] as const) {
    if (dims[name][0] !== dModel) throw new ShapeError(`${name} must have d_model = ${dModel} rows, got ${dims[name][0]}`);
    if (dims[name][1] !== dAttn) throw new ShapeError(`${name} has ${dims[name][1]} columns but wQ has ${dAttn}: Q, K and V projections must agree`);
  }
  if (dAttn % nHeads !== 0) {
    throw new ShapeError(`the projection width ${dAttn} is not divisible by nHeads = ${nHeads}: heads would not have equal d_k`);
  }
  if (dims.wO[0] !== dAttn) throw new ShapeError(`wO must have ${dAttn} rows (the concatenated heads), got ${dims.wO[0]}`);
  const biasLen: Record<string, number> = { bQ: dAttn, bK: dAttn, bV: dAttn, bO: dims.wO[1] };
  for (const name of ['bQ', 'bK', 'bV', 'bO'] as const) {
    const b = p[name];
    if (b !== undefined && (!Array.isArray(b) || b.length !== biasLen[name])) {
      throw new ShapeError(`${name} must be a vector of length ${biasLen[name]}, got ${Array.isArray(b) ? b.length : typeof b}`);
    }
  }
  return { dModel, dAttn, dK: dAttn / nHeads, dOut: dims.wO[1] };
}

function project<S>(F: Field<S>, x: Matrix<S>, w: Matrix<S>, b: S[] | undefined, names: [string, string]): Matrix<S> {
  const y = matMulWith(F, x, w, names);
  return b ? y.map((row) => row.map((v, j) => F.add(v, b[j]))) : y;
}

export function multiHeadAttentionWith<S>(
  F: Field<S>,
  xQ: Matrix<S>,
  xKV: Matrix<S>,
  params: MultiHeadParams<S>,
  options: MultiHeadOptions,
): MultiHeadResult<Matrix<S>> {
  const { dK } = checkMultiHeadShapes(xQ, xKV, params, options.nHeads);
  const r: MultiHeadResult<Matrix<S>> = { dK, wQHeads: [], q: [], k: [], v: [], scores: [], weights: [], heads: [], concat: [], output: [] };
  for (let h = 0; h < options.nHeads; h++) {
    const [from, to] = [h * dK, (h + 1) * dK];
    const wQh = columns(params.wQ, from, to); // (d_model × d_k)
    const qh = project(F, xQ, wQh, params.bQ?.slice(from, to), ['xQ', `wQ[:, head ${h}]`]); // (n_q × d_k)
    const kh = project(F, xKV, columns(params.wK, from, to), params.bK?.slice(from, to), ['xKV', `wK[:, head ${h}]`]); // (n_k × d_k)
    const vh = project(F, xKV, columns(params.wV, from, to), params.bV?.slice(from, to), ['xKV', `wV[:, head ${h}]`]); // (n_k × d_k)
    const steps = scaledDotProductAttentionWith(F, qh, kh, vh, { ...options, steps: true });
    r.wQHeads.push(wQh);
    r.q.push(qh);
    r.k.push(kh);
    r.v.push(vh);
    r.scores.push(steps.scores); // (n_q × n_k)
    r.weights.push(steps.weights); // (n_q × n_k)
    r.heads.push(steps.output); // (n_q × d_k)
  }
  r.concat = concatColumns(r.heads); // (n_q × H·d_k)
  r.output = project(F, r.concat, params.wO, params.bO, ['concat', 'wO']); // (n_q × d_out)
  return r;
}

export const multiHeadAttention = (xQ: Matrix, xKV: Matrix, params: MultiHeadParams<number>, options: MultiHeadOptions) =>
  multiHeadAttentionWith(float64, xQ, xKV, params, options);
