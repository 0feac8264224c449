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
 * Grouped-query attention (Ainslie et al. 2023; `nKvHeads` < nHeads): W_K and W_V project to
 * nKvHeads heads only (d_model × nKvHeads·d_k), and query head h uses key/value head
 * ⌊h / (nHeads / nKvHeads)⌋ — Hugging Face's repeat_kv order; nKvHeads = 1 is multi-query
 * attention (Shazeer 2019). Without nKvHeads every query head has its own (nKvHeads = nHeads).
 *
 * Shapes (n_q query tokens, n_k key tokens):
 *   X_q (n_q × d_model), X_kv (n_k × d_model), W_Q (d_model × d_attn), W_K, W_V (d_model × d_kv),
 *   d_kv = nKvHeads · d_k (= d_attn without GQA), W_O (d_attn × d_out)
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
  /** Key/value heads (grouped-query attention): a divisor of nHeads; default nHeads. */
  nKvHeads?: number;
}

export interface MultiHeadResult<M> {
  dK: number;
  /** Per-head slices of the projection matrices (d_model × d_k each). */
  wQHeads: M[];
  q: M[];
  /** one per key/value head (nKvHeads of them) */
  k: M[];
  v: M[];
  scores: M[];
  weights: M[];
  heads: M[];
  concat: M;
  output: M;
}

export function checkMultiHeadShapes(xQ: unknown, xKV: unknown, p: MultiHeadParams<unknown>, nHeads: number, nKvHeads: number = nHeads) {
  const [, dModel] = assertMatrix(xQ, 'xQ');
  const [, dModelKV] = assertMatrix(xKV, 'xKV');
  if (dModel !== dModelKV) throw new ShapeError(`xQ has d_model = ${dModel} but xKV has ${dModelKV}`);
  if (!Number.isInteger(nHeads) || nHeads < 1) throw new RangeArgumentError(`nHeads must be an integer ≥ 1, got ${nHeads}`);
  if (!Number.isInteger(nKvHeads) || nKvHeads < 1) throw new RangeArgumentError(`nKvHeads must be an integer ≥ 1, got ${nKvHeads}`);
  if (nHeads % nKvHeads !== 0) {
    throw new ShapeError(`nHeads = ${nHeads} is not a multiple of nKvHeads = ${nKvHeads}: grouped-query attention shares each key/value head among nHeads / nKvHeads query heads, which must be a whole number`);
  }
  const dims: Record<string, [number, number]> = {};
  for (const name of ['wQ', 'wK', 'wV', 'wO'] as const) dims[name] = assertMatrix(p[name], name);
  const dAttn = dims.wQ[1];
  if (dAttn % nHeads !== 0) {
    throw new ShapeError(`the projection width ${dAttn} is not divisible by nHeads = ${nHeads}: heads would not have equal d_k`);
  }
  const dKv = (dAttn / nHeads) * nKvHeads;
  for (const name of ['wQ', 'wK', 'wV'] as const) {
    if (dims[name][0] !== dModel) throw new ShapeError(`${name} must have d_model = ${dModel} rows, got ${dims[name][0]}`);
    if (name !== 'wQ' && dims[name][1] !== dKv) {
      throw new ShapeError(
        nKvHeads === nHeads
          ? `${name} has ${dims[name][1]} columns but wQ has ${dAttn}: Q, K and V projections must agree`
          : `${name} has ${dims[name][1]} columns but nKvHeads × d_k = ${nKvHeads} × ${dAttn / nHeads} = ${dKv}`,
      );
    }
  }
  if (dims.wO[0] !== dAttn) throw new ShapeError(`wO must have ${dAttn} rows (the concatenated heads), got ${dims.wO[0]}`);
  const biasLen: Record<string, number> = { bQ: dAttn, bK: dKv, bV: dKv, bO: dims.wO[1] };
  for (const name of ['bQ', 'bK', 'bV', 'bO'] as const) {
    const b = p[name];
    if (b !== undefined && (!Array.isArray(b) || b.length !== biasLen[name])) {
      throw new ShapeError(`${name} must be a vector of length ${biasLen[name]}, got ${Array.isArray(b) ? b.length : typeof b}`);
    }
  }
  return { dModel, dAttn, dKv, dK: dAttn / nHeads, dOut: dims.wO[1] };
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
  const nKvHeads = options.nKvHeads ?? options.nHeads;
  const { dK } = checkMultiHeadShapes(xQ, xKV, params, options.nHeads, nKvHeads);
  const group = options.nHeads / nKvHeads;
  const { nKvHeads: _kv, nHeads: _h, ...attentionOptions } = options;
  const r: MultiHeadResult<Matrix<S>> = { dK, wQHeads: [], q: [], k: [], v: [], scores: [], weights: [], heads: [], concat: [], output: [] };
  for (let g = 0; g < nKvHeads; g++) {
    const [from, to] = [g * dK, (g + 1) * dK];
    r.k.push(project(F, xKV, columns(params.wK, from, to), params.bK?.slice(from, to), ['xKV', `wK[:, kv head ${g}]`])); // (n_k × d_k)
    r.v.push(project(F, xKV, columns(params.wV, from, to), params.bV?.slice(from, to), ['xKV', `wV[:, kv head ${g}]`])); // (n_k × d_k)
  }
  for (let h = 0; h < options.nHeads; h++) {
    const [from, to] = [h * dK, (h + 1) * dK];
    const wQh = columns(params.wQ, from, to); // (d_model × d_k)
    const qh = project(F, xQ, wQh, params.bQ?.slice(from, to), ['xQ', `wQ[:, head ${h}]`]); // (n_q × d_k)
    const g = Math.floor(h / group); // HF repeat_kv: query head h reads key/value head ⌊h / group⌋
    const steps = scaledDotProductAttentionWith(F, qh, r.k[g], r.v[g], { ...attentionOptions, steps: true });
    r.wQHeads.push(wQh);
    r.q.push(qh);
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
