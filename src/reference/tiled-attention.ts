/**
 * Tiled attention with an online softmax — the forward pass of FlashAttention (Dao et al. 2022,
 * "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"; notes, "Flash
 * Attention": tiling + incremental softmax, recomputation instead of storing for backward).
 *
 * Standard attention forms the whole (n_q × n_k) score matrix S = Q Kᵀ/√d_k, then softmax, then
 * P V. Here the queries are cut into blocks of B_q rows and the keys/values into blocks of B_k
 * rows (the last block of each may be shorter: B need not divide n), and for each query block the
 * key blocks are visited one at a time, keeping per query row i three running quantities:
 *
 *   m_i  = max of the scores seen so far                        (running max)
 *   ℓ_i  = Σ_j exp(s_ij − m_i) over the keys seen so far         (running sum)
 *   o_i  = Σ_j exp(s_ij − m_i) v_j                               (unnormalised output, d_v)
 *
 * A new key block with scores s_ij (j in the block) updates them as
 *
 *   m'   = max(m_i, max_j s_ij)
 *   α    = exp(m_i − m')                      (rescales what was summed against the old max)
 *   ℓ'   = α ℓ_i + Σ_j exp(s_ij − m')
 *   o'   = α o_i + Σ_j exp(s_ij − m') v_j
 *
 * and after the last block  output_i = o_i / ℓ_i.  Because exp(s − m)·exp(m − m') = exp(s − m'),
 * every term ends up scaled by exp(−max_j s_ij) exactly as in the max-shifted softmax of
 * src/reference/softmax.ts, so the result IS standard attention — only the order of the sums
 * differs (float64: within ~1e-15 relative; BigNumber: within 1e-50).
 *
 * Masks: masked scores are −∞ and contribute exp(−∞) = 0. A tile whose entries are all masked is
 * skipped without computing anything (causal: tiles above the diagonal; sliding window: tiles
 * outside the band), which is where causal and windowed attention save work. A row that never sees
 * an allowed key keeps m = −∞, ℓ = 0 and gets output 0 — the project's convention for a fully
 * masked row (softmax of an all −∞ row is all zeros). The row statistics (m, ℓ) are returned:
 * they are all the backward pass needs besides Q, K, V and the output (src/tfjs/tiled-attention.ts).
 *
 * Memory: besides the inputs and the (n_q × d_v) output, one query block holds a (B_q × B_k) tile,
 * a (B_q × d_v) accumulator and two B_q vectors. `workspace` counts those allocations (entries of
 * the largest single one and the peak of the live total), so specs can show that nothing of size
 * n_q × n_k ever exists: standard attention allocates four (n_q × n_k) matrices (scores, scaled,
 * masked, weights).
 *
 * Shapes: Q (n_q × d_k), K (n_k × d_k), V (n_k × d_v); tile (B_q × B_k); m, ℓ (n_q); output (n_q × d_v).
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import type { BooleanMask } from './masks.js';
import { checkAttentionShapes, resolveScale } from './scaled-dot-product-attention.js';
import { checkWindow, inWindow } from './sliding-window-attention.js';

/** What may be attended: nothing masked, causal, a causal sliding window of w positions, or a boolean matrix (true = may attend). */
export type TiledMask = null | 'causal' | { window: number } | BooleanMask;

export interface TiledAttentionOptions {
  scale?: boolean | number;
  mask?: TiledMask;
  /** Rows per query block (default 256; any integer ≥ 1, need not divide n_q). */
  blockQ?: number;
  /** Rows per key/value block (default 256; any integer ≥ 1, need not divide n_k). */
  blockK?: number;
  /** Allocation counter; pass one to measure the working memory. */
  workspace?: Workspace;
}

export interface TiledAttentionResult<S> {
  /** softmax(Q Kᵀ/√d_k + mask) V (n_q × d_v); zero rows where every key is masked. */
  output: Matrix<S>;
  /** Row maxima m_i of the (masked, scaled) scores (n_q); −∞ for a fully masked row. */
  rowMax: S[];
  /** Row sums ℓ_i = Σ_j exp(s_ij − m_i) (n_q); 0 for a fully masked row. */
  rowSum: S[];
  /** Tiles computed and tiles skipped because every entry was masked. */
  tiles: { computed: number; skipped: number };
}

/**
 * Default rows per block. The result does not depend on it (beyond rounding); speed and memory
 * do: on tfjs-wasm at n = 4096, d = 64 blocks of 256 ran in ~0.4 s, blocks of 64 in ~3 s (per-op
 * overhead × 16× more tiles), while a 256 × 256 tile is 256 KB of float32 (scripts/bench).
 */
export const DEFAULT_BLOCK = 256;

/**
 * Counts the entries the tiled algorithm allocates (scalars in matrices and vectors it creates).
 * `largest` is the biggest single allocation; `peakLive` the largest total alive at one time.
 */
export class Workspace {
  live = 0;
  peakLive = 0;
  largest = 0;
  allocations = 0;

  matrix<S>(rows: number, cols: number, fill: S): Matrix<S> {
    this.take(rows * cols);
    return Array.from({ length: rows }, () => new Array<S>(cols).fill(fill));
  }

  vector<S>(length: number, fill: S): S[] {
    this.take(length);
    return new Array<S>(length).fill(fill);
  }

  /** Marks an allocation as dead (the algorithm no longer references it). */
  release(entries: number): void {
    this.live -= entries;
  }

  private take(entries: number): void {
    this.allocations += 1;
    this.live += entries;
    this.largest = Math.max(this.largest, entries);
    this.peakLive = Math.max(this.peakLive, this.live);
  }
}

/** How a tile relates to the mask: every entry masked, none masked, or some. */
export type TileKind = 'skip' | 'full' | 'partial';

/**
 * Classifies the tile rows [i0, i1) × keys [j0, j1) without looking at its entries (causal and
 * window masks are bands), or by scanning the boolean matrix. Shared with the tfjs implementation.
 */
export function classifyTile(mask: TiledMask, offset: number, i0: number, i1: number, j0: number, j1: number): TileKind {
  if (mask === null) return 'full';
  if (mask === 'causal') {
    if (j0 > i1 - 1 + offset) return 'skip'; // the first key is after the last query's position
    return j1 - 1 <= i0 + offset ? 'full' : 'partial';
  }
  if (!Array.isArray(mask)) {
    const w = mask.window;
    if (j0 > i1 - 1 + offset || j1 - 1 <= i0 + offset - w) return 'skip'; // after the band, or before it
    return j1 - 1 <= i0 + offset && j0 > i1 - 1 + offset - w ? 'full' : 'partial';
  }
  let allowed = 0;
  for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) if (mask[i][j]) allowed += 1;
  return allowed === 0 ? 'skip' : allowed === (i1 - i0) * (j1 - j0) ? 'full' : 'partial';
}

/** The entry-wise predicate of a mask (true = may attend). */
export function maskPredicate(mask: TiledMask, offset: number): (i: number, j: number) => boolean {
  if (mask === null) return () => true;
  if (mask === 'causal') return (i, j) => j <= i + offset;
  if (!Array.isArray(mask)) {
    const w = mask.window;
    return (i, j) => inWindow(i, j, offset, w);
  }
  return (i, j) => mask[i][j];
}

/** Argument checks shared by both implementations; returns the normalised mask and block sizes. */
export function checkTiledOptions(options: Omit<TiledAttentionOptions, 'workspace'>, nQ: number, nK: number): { mask: TiledMask; blockQ: number; blockK: number } {
  const block = (b: unknown, name: string): number => {
    if (b === undefined) return DEFAULT_BLOCK;
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 1) throw new RangeArgumentError(`${name} must be an integer ≥ 1 (rows per block), got ${String(b)}`);
    return b;
  };
  const blockQ = block(options.blockQ, 'blockQ');
  const blockK = block(options.blockK, 'blockK');
  const m = options.mask ?? null;
  if (m === null) return { mask: null, blockQ, blockK };
  if ((m === 'causal' || (typeof m === 'object' && !Array.isArray(m))) && nK < nQ) {
    throw new RangeArgumentError(`a causal mask needs n_k ≥ n_q (keys ${nK}, queries ${nQ}): the queries are the last n_q positions`);
  }
  if (m === 'causal') return { mask: m, blockQ, blockK };
  if (typeof m === 'object' && !Array.isArray(m)) return { mask: { window: checkWindow((m as { window?: unknown }).window) }, blockQ, blockK };
  if (!Array.isArray(m) || m.length !== nQ || m.some((r) => !Array.isArray(r) || r.length !== nK)) {
    throw new ShapeError(`mask must be null, 'causal', { window: w } or a boolean matrix of shape ${nQ}×${nK} (queries × keys)`);
  }
  if (m.some((r) => r.some((b) => typeof b !== 'boolean'))) throw new ArgumentError('mask entries must be booleans (true = may attend)');
  return { mask: m, blockQ, blockK };
}

export function tiledAttentionWith<S>(F: Field<S>, q: Matrix<S>, k: Matrix<S>, v: Matrix<S>, options: TiledAttentionOptions = {}): TiledAttentionResult<S> {
  const { nQ, nK, dK, dV } = checkAttentionShapes(q, k, v);
  const { mask, blockQ, blockK } = checkTiledOptions(options, nQ, nK);
  const factor =
    options.scale === undefined || options.scale === true ? F.div(F.one, F.sqrt(F.from(dK))) : F.from(resolveScale(options.scale, dK));
  const ws = options.workspace ?? new Workspace();
  const offset = nK - nQ;
  const allowed = maskPredicate(mask, offset);

  const output = ws.matrix(nQ, dV, F.zero); // (n_q × d_v): the result itself, O(n·d)
  const rowMax = ws.vector(nQ, F.negInf); // m (n_q)
  const rowSum = ws.vector(nQ, F.zero); // ℓ (n_q)
  const tiles = { computed: 0, skipped: 0 };

  for (let i0 = 0; i0 < nQ; i0 += blockQ) {
    const i1 = Math.min(i0 + blockQ, nQ);
    const bq = i1 - i0;
    const o = ws.matrix(bq, dV, F.zero); // running unnormalised output (B_q × d_v)
    const m = ws.vector(bq, F.negInf); // running max (B_q)
    const l = ws.vector(bq, F.zero); // running sum (B_q)
    for (let j0 = 0; j0 < nK; j0 += blockK) {
      const j1 = Math.min(j0 + blockK, nK);
      const bk = j1 - j0;
      const kind = classifyTile(mask, offset, i0, i1, j0, j1);
      if (kind === 'skip') {
        tiles.skipped += 1;
        continue;
      }
      tiles.computed += 1;
      const s = ws.matrix(bq, bk, F.negInf); // the tile S_ij = Q_i K_jᵀ/√d_k, masked (B_q × B_k)
      for (let r = 0; r < bq; r++) {
        for (let c = 0; c < bk; c++) {
          if (kind === 'partial' && !allowed(i0 + r, j0 + c)) continue; // stays −∞
          let dot = F.zero;
          for (let x = 0; x < dK; x++) dot = F.add(dot, F.mul(q[i0 + r][x], k[j0 + c][x]));
          s[r][c] = F.mul(dot, factor);
        }
      }
      for (let r = 0; r < bq; r++) {
        let mNew = m[r];
        for (const x of s[r]) if (F.lt(mNew, x)) mNew = x;
        if (!F.isFinite(mNew)) continue; // nothing allowed in this row yet: m, ℓ, o stay (−∞, 0, 0)
        const alpha = F.isFinite(m[r]) ? F.exp(F.sub(m[r], mNew)) : F.zero; // exp(−∞) = 0: nothing to rescale
        let rowTotal = F.zero;
        const acc = o[r];
        for (let x = 0; x < dV; x++) acc[x] = F.mul(alpha, acc[x]); // α o_i, in place
        for (let c = 0; c < bk; c++) {
          if (!F.isFinite(s[r][c])) continue; // masked: weight exp(−∞) = 0
          const p = F.exp(F.sub(s[r][c], mNew)); // exp(s_ij − m')
          rowTotal = F.add(rowTotal, p);
          const vRow = v[j0 + c];
          for (let x = 0; x < dV; x++) acc[x] = F.add(acc[x], F.mul(p, vRow[x])); // + p v_j
        }
        l[r] = F.add(F.mul(alpha, l[r]), rowTotal); // ℓ' = α ℓ + Σ p
        m[r] = mNew;
      }
      ws.release(bq * bk);
    }
    for (let r = 0; r < bq; r++) {
      rowMax[i0 + r] = m[r];
      rowSum[i0 + r] = l[r];
      // ℓ = 0 only for a row that saw no allowed key: output 0 (the fully-masked-row convention)
      output[i0 + r] = F.lt(F.zero, l[r]) ? o[r].map((x) => F.div(x, l[r])) : o[r].map(() => F.zero);
    }
    ws.release(bq * dV + 2 * bq);
  }
  return { output, rowMax, rowSum, tiles };
}

export const tiledAttention = (q: Matrix, k: Matrix, v: Matrix, options?: TiledAttentionOptions): TiledAttentionResult<number> =>
  tiledAttentionWith(float64, q, k, v, options);
