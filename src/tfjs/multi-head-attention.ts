/**
 * Multi-head attention in TensorFlow.js (float32); the same formula and result fields as
 * src/reference/multi-head-attention.ts, computed for all heads at once:
 *
 *   head_h = Attention(X_q W_Q^h, X_kv W_K^h, X_kv W_V^h),   MHA = [head_1; …; head_H] W_O
 *
 * Per-head quantities are stacked on a leading head axis: q (H × n_q × d_k), weights (H × n_q × n_k),
 * heads (H × n_q × d_k); with `nKvHeads` (grouped-query attention) k and v have H_kv heads
 * (H_kv × n_k × d_k), repeated in Hugging Face's repeat_kv order for the attention itself.
 * The caller owns the returned tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { MultiHeadOptions, MultiHeadParams } from '../reference/multi-head-attention.js';
import { checkMultiHeadShapes } from '../reference/multi-head-attention.js';
import { resolveScale } from '../reference/scaled-dot-product-attention.js';
import { attentionUnchecked } from './scaled-dot-product-attention.js';
import { causalMask } from './masks.js';
import { assertFinite, assertTensor } from './validate.js';


/** Shape-only stand-in so the reference's shape checker can validate tensors too. */
const shapeProxy = (t: tf.Tensor, name: string): unknown => {
  if (t.rank === 1) return new Array(t.shape[0]).fill(0);
  if (t.rank !== 2) throw new ShapeError(`${name} must be 2-D, got shape ${formatShape(t.shape)}`, 'BAD_RANK');
  return Array.from({ length: t.shape[0] }, () => new Array(t.shape[1]).fill(0));
};

/** Like the reference's MultiHeadResult, with each per-head list stacked on a leading head axis. */
export interface TfMultiHeadResult {
  dK: number;
  wQHeads: tf.Tensor; // (H × d_model × d_k)
  q: tf.Tensor; // (H × n_q × d_k)
  k: tf.Tensor; // (H_kv × n_k × d_k)
  v: tf.Tensor; // (H_kv × n_k × d_k)
  scores: tf.Tensor; // (H × n_q × n_k)
  weights: tf.Tensor; // (H × n_q × n_k)
  heads: tf.Tensor; // (H × n_q × d_k)
  concat: tf.Tensor; // (n_q × d_attn)
  output: tf.Tensor; // (n_q × d_out)
}

export function multiHeadAttention(
  xQ: tf.Tensor,
  xKV: tf.Tensor,
  params: { wQ: tf.Tensor; wK: tf.Tensor; wV: tf.Tensor; wO: tf.Tensor; bQ?: tf.Tensor; bK?: tf.Tensor; bV?: tf.Tensor; bO?: tf.Tensor },
  options: MultiHeadOptions,
): TfMultiHeadResult {
  assertTensor(xQ, 'xQ');
  assertTensor(xKV, 'xKV');
  const names = ['wQ', 'wK', 'wV', 'wO', 'bQ', 'bK', 'bV', 'bO'] as const;
  const proxy: Record<string, unknown> = {};
  for (const n of names) {
    const t = params[n];
    if (t === undefined) continue;
    assertTensor(t, n);
    proxy[n] = shapeProxy(t, n);
  }
  const Hkv = options.nKvHeads ?? options.nHeads;
  const { dK, dAttn } = checkMultiHeadShapes(shapeProxy(xQ, 'xQ'), shapeProxy(xKV, 'xKV'), proxy as unknown as MultiHeadParams<unknown>, options.nHeads, Hkv);
  for (const [t, n] of [[xQ, 'xQ'], [xKV, 'xKV'], ...names.filter((n) => params[n]).map((n) => [params[n]!, n] as const)] as const) assertFinite(t as tf.Tensor, n as string);
  const H = options.nHeads;
  const [nQ, nK, dModel] = [xQ.shape[0]!, xKV.shape[0]!, xQ.shape[1]!];
  const factor = resolveScale(options.scale, dK);
  const mask = options.mask == null ? null : options.mask === 'causal' ? causalMask(nQ, nK) : tf.tensor2d(options.mask.map((r) => r.map(Number)), [nQ, nK], 'bool');
  try {
    return tf.tidy((): tf.TensorContainer => {
      const proj = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, n: number, heads: number) => {
        const y = tf.matMul(x, w); // (n × d_model)(d_model × heads·d_k) → (n × heads·d_k)
        const yb = b ? tf.add(y, b) : y;
        return tf.transpose(tf.reshape(yb, [n, heads, dK]), [1, 0, 2]); // (n × heads × d_k) → (heads × n × d_k)
      };
      const q = proj(xQ, params.wQ, params.bQ, nQ, H); // (H × n_q × d_k)
      const k = proj(xKV, params.wK, params.bK, nK, Hkv); // (H_kv × n_k × d_k)
      const v = proj(xKV, params.wV, params.bV, nK, Hkv); // (H_kv × n_k × d_k)
      // HF repeat_kv: kv head g serves query heads g·G … g·G + G − 1 (G = H / H_kv)
      const repeat = (t: tf.Tensor) => (Hkv === H ? t : tf.reshape(tf.tile(tf.reshape(t, [Hkv, 1, nK, dK]), [1, H / Hkv, 1, 1]), [H, nK, dK])); // (H_kv × n_k × d_k) → (H × n_k × d_k)
      const steps = attentionUnchecked(q, repeat(k), repeat(v), factor, mask, options.maskValue ?? -Infinity);
      const concat = tf.reshape(tf.transpose(steps.output, [1, 0, 2]), [nQ, dAttn]); // (H × n_q × d_k) → (n_q × H × d_k) → (n_q × d_attn)
      const out = tf.matMul(concat, params.wO); // (n_q × d_attn)(d_attn × d_out) → (n_q × d_out)
      const output = params.bO ? tf.add(out, params.bO) : out;
      const wQHeads = tf.transpose(tf.reshape(params.wQ, [dModel, H, dK]), [1, 0, 2]); // (H × d_model × d_k)
      return { dK, wQHeads, q, k, v, scores: steps.scores, weights: steps.weights, heads: steps.output, concat, output };
    }) as unknown as TfMultiHeadResult;
  } finally {
    mask?.dispose();
  }
}
