/**
 * Tiled attention with an online softmax in TensorFlow.js (float32) — FlashAttention's forward
 * pass, and its backward pass by recomputation (Dao et al. 2022, Algorithms 1 and 2; notes,
 * "Flash Attention"). The forward formula, masks, block sizes, the fully-masked-row convention
 * (output 0) and the row statistics are those of src/reference/tiled-attention.ts:
 *
 *   per key block j:  s = (Q_i/√d_k) K_jᵀ, masked entries excluded (weight 0; see forward())
 *                     m' = max(m, rowmax s);  α = e^{m − m'};  p = e^{s − m'}
 *                     ℓ' = α ℓ + rowsum p;    o' = α o + p V_j
 *   output = o / ℓ   (ℓ = 0 → 0)
 *
 * Backward (tf.customGrad). Only Q, K, V, the output O and the row statistics (m, ℓ) are saved;
 * no n_q × n_k tensor is kept. With L = m + log ℓ (the row's log-sum-exp) every tile's weights are
 * recomputed exactly, P_ij = e^{s_ij − L_i}, and with D_i = rowsum(dO_i ∘ O_i):
 *
 *   dV_j += P_ijᵀ dO_i        dP = dO_i V_jᵀ        dS = P_ij ∘ (dP − D_i)
 *   dQ_i += dS K_j / √d_k     dK_j += dSᵀ Q_i / √d_k
 *
 * (D_i = Σ_j P_ij (dO_i · v_j) is the softmax Jacobian's correction term, obtained from O without
 * P.) The recomputation costs one more Q Kᵀ per tile — the trade the notes describe: compute
 * instead of storing the n_q × n_k matrix for the backward pass.
 *
 * Shapes: Q (…, n_q, d_k), K (…, n_k, d_k), V (…, n_k, d_v) with equal leading (batch, head)
 * dimensions; output (…, n_q, d_v); rowMax, rowSum (…, n_q). A boolean tensor mask ends in
 * (n_q, n_k) and broadcasts over the leading dimensions.
 *
 * The caller owns the returned tensors. `rowMax` and `rowSum` are statistics (for inspection and
 * for the backward pass); differentiate `output` — a gradient arriving at the statistics is an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape, sameShape } from '../core/shape.js';
import { resolveScale } from '../reference/scaled-dot-product-attention.js';
import { checkTiledOptions, classifyTile, maskPredicate, type TiledMask, type TileKind } from '../reference/tiled-attention.js';
import { checkTensorAttentionShapes } from './scaled-dot-product-attention.js';
import { FLOAT32_MAX } from '../core/numeric-conventions.js';
import { assertFinite, canReadSynchronously } from './validate.js';

export interface TfTiledAttentionOptions {
  scale?: boolean | number;
  /** null, 'causal', { window: w } (causal sliding window), a boolean matrix, or a bool tensor ending in (n_q, n_k). */
  mask?: TiledMask | tf.Tensor;
  /** Rows per query block (default 256; need not divide n_q). */
  blockQ?: number;
  /** Rows per key/value block (default 256; need not divide n_k). */
  blockK?: number;
}

export interface TfTiledAttentionResult {
  /** (…, n_q, d_v), differentiable (backward by recomputation). */
  output: tf.Tensor;
  /** m (…, n_q): −∞ for a fully masked row. */
  rowMax: tf.Tensor;
  /** ℓ (…, n_q): 0 for a fully masked row. */
  rowSum: tf.Tensor;
  tiles: { computed: number; skipped: number };
}

/** Everything the tile loops need, resolved once per call. */
interface Plan {
  nQ: number;
  nK: number;
  dV: number;
  factor: number;
  /** Axis of the sequence (rank − 2). */
  axis: number;
  qSizes: number[];
  kSizes: number[];
  /** kinds[i][j] for query block i, key block j. */
  kinds: TileKind[][];
  /** Which entries of a partial tile may attend (bool, (…, B_q, B_k)); cached per call. */
  allowed: (i: number, j: number) => tf.Tensor;
  dispose: () => void;
}

const sizes = (n: number, b: number): number[] => Array.from({ length: Math.ceil(n / b) }, (_, i) => Math.min(b, n - i * b));
const starts = (s: number[]): number[] => s.map((_, i) => s.slice(0, i).reduce((a, b) => a + b, 0));

function makePlan(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: TfTiledAttentionOptions): Plan {
  const { nQ, nK, dK, dV } = checkTensorAttentionShapes(q, k, v);
  const tensorMask = options.mask instanceof tf.Tensor ? options.mask : null;
  if (tensorMask) {
    if (tensorMask.dtype !== 'bool') throw new ArgumentError(`mask tensor must have dtype bool (true = may attend), got ${tensorMask.dtype}`);
    if (tensorMask.rank < 2 || !sameShape(tensorMask.shape.slice(-2), [nQ, nK])) {
      throw new ShapeError(`mask must end in shape [${nQ}, ${nK}] (queries × keys), got ${formatShape(tensorMask.shape)}`);
    }
  }
  const { mask, blockQ, blockK } = checkTiledOptions({ ...options, mask: tensorMask ? null : (options.mask as TiledMask | undefined) }, nQ, nK);
  const factor = resolveScale(options.scale, dK);
  const offset = nK - nQ;
  const qSizes = sizes(nQ, blockQ);
  const kSizes = sizes(nK, blockK);
  const [qStarts, kStarts] = [starts(qSizes), starts(kSizes)];
  const kinds = qSizes.map((bq, i) =>
    kSizes.map((bk, j) => (tensorMask ? 'partial' : classifyTile(mask, offset, qStarts[i], qStarts[i] + bq, kStarts[j], kStarts[j] + bk))),
  );
  // Mask tiles are made on first use and kept (tf.keep: they outlive the tile's tidy scope) until
  // dispose(), which runs after the forward pass and again after the backward pass. Band and
  // boolean-matrix masks are written in JavaScript, already at the scores' full shape: the wasm
  // backend runs broadcasting binary ops (a (B_q × 1) vs (1 × B_k) comparison, a (B_q × B_k) bias
  // added to (…, B_q, B_k) scores) on a generic path measured at ~8 ms for one 256 × 256 tile.
  // The tiles are boolean, not a −∞/0 bias: no −∞ ever enters the arithmetic (see forward()).
  const lead = q.shape.slice(0, -2);
  const leadSize = lead.reduce((a, b) => a * b, 1);
  const allowedAt = maskPredicate(mask, offset);
  const cache = new Map<string, tf.Tensor>();
  const allowed = (i: number, j: number): tf.Tensor => {
    const [i0, j0, bq, bk] = [qStarts[i], kStarts[j], qSizes[i], kSizes[j]];
    // A band mask's tile depends only on its position relative to the diagonal: cache by that.
    const key = tensorMask || Array.isArray(mask) ? `${i},${j}` : `${j0 - i0},${bq},${bk}`;
    let t = cache.get(key);
    if (!t) {
      t = tf.keep(
        tf.tidy(() => {
          if (tensorMask) {
            const begin = [...tensorMask.shape.slice(0, -2).map(() => 0), i0, j0];
            const size = [...tensorMask.shape.slice(0, -2).map(() => -1), bq, bk];
            return tf.broadcastTo(tf.slice(tensorMask, begin, size), [...lead, bq, bk]); // (…, B_q, B_k)
          }
          const values = new Uint8Array(leadSize * bq * bk);
          for (let r = 0; r < bq; r++) for (let c = 0; c < bk; c++) if (allowedAt(i0 + r, j0 + c)) values[r * bk + c] = 1;
          for (let b = 1; b < leadSize; b++) values.copyWithin(b * bq * bk, 0, bq * bk); // the same tile for every (batch, head)
          return tf.tensor(values, [...lead, bq, bk], 'bool'); // true where allowed
        }),
      );
      cache.set(key, t);
    }
    return t;
  };
  return {
    nQ,
    nK,
    dV,
    factor,
    axis: q.rank - 2,
    qSizes,
    kSizes,
    kinds,
    allowed,
    dispose: () => {
      tf.dispose([...cache.values()]);
      cache.clear();
    },
  };
}

/**
 * tf.split(x, sizes, axis), done by halving: the wasm backend's Slice kernel copies its whole input
 * out of the heap for every slice (measured 0.6 ms per 256-row slice of a 4096 × 64 matrix, 2.4 ms
 * of a 16384 × 64 one), so cutting n rows into n/B blocks directly costs O(n²/B); halving costs
 * O(n log(n/B)). Same blocks, same values.
 */
function splitBlocks(x: tf.Tensor, sizes: number[], axis: number): tf.Tensor[] {
  if (sizes.length <= 2) return tf.split(x, sizes, axis);
  const half = Math.ceil(sizes.length / 2);
  const left = sizes.slice(0, half);
  const right = sizes.slice(half);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const [a, b] = tf.split(x, [sum(left), sum(right)], axis);
  const out = [...splitBlocks(a, left, axis), ...splitBlocks(b, right, axis)];
  tf.dispose([a, b]);
  return out;
}

/** Swap the last two axes: (…, r, c) → (…, c, r). */
const transposeLast = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [...x.shape.slice(0, -2).map((_, i) => i), x.rank - 1, x.rank - 2]);

/*
 * Every product below is a plain A·B: operands that the formulas transpose (Kᵀ, Vᵀ, Pᵀ, dSᵀ) are
 * laid out transposed once, up front, instead of passing transposeA/transposeB to tf.matMul —
 * the wasm backend runs flagged products on a slow generic path, 10–60× slower than its XNNPACK
 * path (measured by scripts/bench; see its report).
 */

/** The forward tile loop: (o, m, ℓ) per query block, concatenated. */
function forward(plan: Plan, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): { output: tf.Tensor; rowMax: tf.Tensor; rowSum: tf.Tensor; tiles: { computed: number; skipped: number } } {
  const tiles = { computed: 0, skipped: 0 };
  const last = plan.axis + 1;
  const result = tf.tidy(() => {
    const qBlocks = splitBlocks(tf.mul(q, tf.scalar(plan.factor)), plan.qSizes, plan.axis); // Q_i/√d_k (…, B_q, d_k)
    const kTBlocks = splitBlocks(transposeLast(k), plan.kSizes, last); // K_jᵀ (…, d_k, B_k)
    const vBlocks = splitBlocks(v, plan.kSizes, plan.axis); // V_j (…, B_k, d_v)
    const outs: tf.Tensor[] = [];
    const ms: tf.Tensor[] = [];
    const ls: tf.Tensor[] = [];
    qBlocks.forEach((qi, i) => {
      let state: { o: tf.Tensor; m: tf.Tensor; l: tf.Tensor } | null = null; // (…, B_q, d_v), (…, B_q, 1) ×2
      kTBlocks.forEach((kTj, j) => {
        const kind = plan.kinds[i][j];
        if (kind === 'skip') {
          tiles.skipped += 1;
          return;
        }
        tiles.computed += 1;
        const prev = state;
        state = tf.tidy(() => {
          const raw = tf.matMul(qi, kTj); // (…, B_q, d_k)(…, d_k, B_k) → (…, B_q, B_k)
          // A masked score becomes −FLOAT32_MAX: finite, and no higher than any allowed score (scores
          // lie in float32's range, numeric-conventions rule 3). m stays finite — −FLOAT32_MAX for a
          // row with nothing allowed so far — so no −∞ − (−∞) can arise, and the masked weights are
          // set to 0 by selection. (A −∞ bias relied on −∞ arithmetic: WebGL's Max of an all −∞ row
          // returns −1e20, and its product with such a row's weights gave NaN.)
          const allowed = kind === 'partial' ? plan.allowed(i, j) : null;
          const s = allowed ? tf.where(allowed, raw, tf.fill(raw.shape, -FLOAT32_MAX)) : raw;
          const blockMax = tf.max(s, -1, true); // (…, B_q, 1)
          const mNew = prev ? tf.maximum(prev.m, blockMax) : blockMax;
          const e = tf.exp(tf.sub(s, mNew)); // e^{s − m'} (…, B_q, B_k)
          const p = allowed ? tf.where(allowed, e, tf.zerosLike(e)) : e; // masked → 0
          const pv = tf.matMul(p, vBlocks[j]); // (…, B_q, B_k)(…, B_k, d_v) → (…, B_q, d_v)
          const rowSumP = tf.sum(p, -1, true); // (…, B_q, 1)
          if (!prev) return { o: pv, m: mNew, l: rowSumP };
          const alpha = tf.exp(tf.sub(prev.m, mNew)); // e^{m − m'} ∈ [0, 1]
          return { o: tf.add(tf.mul(alpha, prev.o), pv), m: mNew, l: tf.add(tf.mul(alpha, prev.l), rowSumP) };
        });
        if (prev) tf.dispose([prev.o, prev.m, prev.l]);
      });
      const bq = plan.qSizes[i];
      const lead = qi.shape.slice(0, -2);
      const st = state as { o: tf.Tensor; m: tf.Tensor; l: tf.Tensor } | null;
      if (!st) {
        // Every key of this query block is masked: output 0, m = −∞, ℓ = 0 (the convention).
        outs.push(tf.zeros([...lead, bq, plan.dV]));
        ms.push(tf.fill([...lead, bq, 1], -Infinity));
        ls.push(tf.zeros([...lead, bq, 1]));
        return;
      }
      const live = tf.greater(st.l, 0); // ℓ = 0: every key of the row was masked
      outs.push(tf.div(st.o, tf.where(live, st.l, tf.onesLike(st.l)))); // o/ℓ; ℓ = 0 ⇒ o = 0 ⇒ 0
      ms.push(tf.where(live, st.m, tf.fill(st.m.shape, -Infinity))); // m = −∞ for a fully masked row (the convention)
      ls.push(st.l);
    });
    const cat = (xs: tf.Tensor[]) => (xs.length === 1 ? xs[0] : tf.concat(xs, plan.axis));
    return { output: cat(outs), rowMax: tf.squeeze(cat(ms), [-1]), rowSum: tf.squeeze(cat(ls), [-1]) }; // (…, n_q, d_v), (…, n_q) ×2
  });
  return { ...result, tiles };
}

/**
 * The backward tile loop (FlashAttention's Algorithm 2 order: key blocks outside, query blocks
 * inside). dK_j and dV_j are accumulated transposed, as dK_jᵀ += Q_iᵀ dS and dV_jᵀ += dO_iᵀ P, so
 * that every product is a plain A·B; m and ℓ arrive as (…, n_q, 1).
 */
function backward(plan: Plan, dO: tf.Tensor, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, o: tf.Tensor, m: tf.Tensor, l: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const last = plan.axis + 1;
    const qScaled = tf.mul(q, tf.scalar(plan.factor)); // Q/√d_k
    const qBlocks = splitBlocks(qScaled, plan.qSizes, plan.axis); // Q_i/√d_k (…, B_q, d_k)
    const qTBlocks = splitBlocks(transposeLast(qScaled), plan.qSizes, last); // (Q_i/√d_k)ᵀ (…, d_k, B_q)
    const dOBlocks = splitBlocks(dO, plan.qSizes, plan.axis); // dO_i (…, B_q, d_v)
    const dOTBlocks = splitBlocks(transposeLast(dO), plan.qSizes, last); // dO_iᵀ (…, d_v, B_q)
    const dRow = splitBlocks(tf.sum(tf.mul(dO, o), -1, true), plan.qSizes, plan.axis); // D_i = rowsum(dO ∘ O) (…, B_q, 1)
    const live = tf.greater(l, 0); // rows that saw at least one allowed key
    const lse = tf.where(live, tf.add(m, tf.log(tf.where(live, l, tf.onesLike(l)))), tf.zerosLike(m)); // L = m + log ℓ; 0 for a fully masked row (all its s are −∞)
    const lseBlocks = splitBlocks(lse, plan.qSizes, plan.axis); // (…, B_q, 1)
    const kBlocks = splitBlocks(k, plan.kSizes, plan.axis); // K_j (…, B_k, d_k)
    const kTBlocks = splitBlocks(transposeLast(k), plan.kSizes, last); // K_jᵀ (…, d_k, B_k)
    const vTBlocks = splitBlocks(transposeLast(v), plan.kSizes, last); // V_jᵀ (…, d_v, B_k)
    const dQ: (tf.Tensor | null)[] = qBlocks.map(() => null);
    const dKT: tf.Tensor[] = [];
    const dVT: tf.Tensor[] = [];
    kTBlocks.forEach((kTj, j) => {
      let dKTj: tf.Tensor | null = null; // (…, d_k, B_k)
      let dVTj: tf.Tensor | null = null; // (…, d_v, B_k)
      qBlocks.forEach((qi, i) => {
        const kind = plan.kinds[i][j];
        if (kind === 'skip') return;
        const [oldQ, oldK, oldV] = [dQ[i], dKTj, dVTj];
        const next = tf.tidy(() => {
          const s = tf.matMul(qi, kTj); // recomputed tile (…, B_q, d_k)(…, d_k, B_k) → (…, B_q, B_k)
          const e = tf.exp(tf.sub(s, lseBlocks[i])); // P_ij = e^{s − L} (…, B_q, B_k)
          const p = kind === 'partial' ? tf.where(plan.allowed(i, j), e, tf.zerosLike(e)) : e; // masked → 0, by selection
          const dVTPart = tf.matMul(dOTBlocks[i], p); // (dO_iᵀ P_ij) = (P_ijᵀ dO_i)ᵀ: (…, d_v, B_q)(…, B_q, B_k) → (…, d_v, B_k)
          const dP = tf.matMul(dOBlocks[i], vTBlocks[j]); // dO_i V_jᵀ: (…, B_q, d_v)(…, d_v, B_k) → (…, B_q, B_k)
          const dS = tf.mul(p, tf.sub(dP, dRow[i])); // P ∘ (dP − D_i)
          const dQPart = tf.matMul(dS, kBlocks[j]); // (…, B_q, B_k)(…, B_k, d_k) → (…, B_q, d_k); × 1/√d_k at the end
          const dKTPart = tf.matMul(qTBlocks[i], dS); // (Q_i/√d_k)ᵀ dS = (dSᵀ Q_i/√d_k)ᵀ: (…, d_k, B_q)(…, B_q, B_k) → (…, d_k, B_k)
          return {
            q: oldQ ? tf.add(oldQ, dQPart) : dQPart,
            k: oldK ? tf.add(oldK, dKTPart) : dKTPart,
            v: oldV ? tf.add(oldV, dVTPart) : dVTPart,
          };
        });
        tf.dispose([oldQ, oldK, oldV].filter((t): t is tf.Tensor => t !== null));
        dQ[i] = next.q;
        dKTj = next.k;
        dVTj = next.v;
      });
      // a key block no query may see gets no gradient
      dKT.push(dKTj ?? tf.zerosLike(kTj));
      dVT.push(dVTj ?? tf.zerosLike(vTBlocks[j]));
    });
    const cat = (xs: tf.Tensor[], axis: number) => (xs.length === 1 ? xs[0] : tf.concat(xs, axis));
    const dQAll = tf.mul(cat(dQ.map((t, i) => t ?? tf.zerosLike(qBlocks[i])), plan.axis), tf.scalar(plan.factor)); // × 1/√d_k
    return [dQAll, transposeLast(cat(dKT, last)), transposeLast(cat(dVT, last))]; // (…, n, d) each
  });
}

/**
 * Tiled attention. `output` has a custom gradient: its backward pass recomputes every tile from
 * Q, K, V, O, m and ℓ instead of reading a stored weight matrix.
 */
export function tiledAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: TfTiledAttentionOptions = {}): TfTiledAttentionResult {
  const plan = makePlan(q, k, v, options);
  assertFinite(q, 'q');
  assertFinite(k, 'k');
  assertFinite(v, 'v');
  let tiles = { computed: 0, skipped: 0 };
  const dV = plan.dV;
  // customGrad returns one tensor: [O | m | ℓ] along the last axis (…, n_q, d_v + 2), split below.
  const run = tf.customGrad((qIn, kIn, vIn, saveArg) => {
    const [qq, kk, vv] = [qIn, kIn, vIn] as tf.Tensor[];
    const save = saveArg as tf.GradSaveFunc;
    const f = forward(plan, qq, kk, vv);
    tiles = f.tiles;
    save([qq, kk, vv, f.output, f.rowMax, f.rowSum]); // all the backward pass keeps: O(n·d)
    const value = tf.concat([f.output, tf.expandDims(f.rowMax, -1), tf.expandDims(f.rowSum, -1)], -1); // (…, n_q, d_v + 2)
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dOut, dStats] = tf.split(dy, [dV, 2], -1);
        // A misuse guard that needs a synchronous read; skipped on webgpu, where that read loses the device.
        const statsGradient = canReadSynchronously() && tf.any(tf.notEqual(dStats, 0)).dataSync()[0];
        dStats.dispose();
        if (statsGradient) {
          dOut.dispose();
          throw new ArgumentError('tiledAttention: rowMax and rowSum are statistics without a gradient; differentiate output');
        }
        const [sq, sk, sv, so, sm, sl] = saved;
        try {
          return backward(plan, dOut, sq, sk, sv, so, tf.expandDims(sm, -1), tf.expandDims(sl, -1));
        } finally {
          dOut.dispose();
          plan.dispose(); // the mask tiles the recomputation made
        }
      },
    };
  });
  try {
    const value = run(q, k, v);
    const [output, rowMax, rowSum] = tf.tidy(() => {
      const [o, m, l] = tf.split(value, [dV, 1, 1], -1);
      return [o, tf.squeeze(m, [-1]), tf.squeeze(l, [-1])];
    });
    value.dispose();
    return { output, rowMax, rowSum, tiles };
  } finally {
    plan.dispose();
  }
}
