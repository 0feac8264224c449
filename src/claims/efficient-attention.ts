/**
 * Evaluators for the efficient-attention claims (CLAIMS.md §3: FlashAttention and sliding-window
 * attention in the notes). The tiled pass and the sliding window are not part of the ArrayImpl
 * table, so each evaluator picks the implementation's own version by `impl.name`: the generic
 * reference (float64 or BigNumber, `impl.F`) or TensorFlow.js — and compares it with that same
 * implementation's standard attention (`impl.attention`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomMatrix, seededRng } from '../core/random.js';
import type { Matrix } from '../core/shape.js';
import type { Field } from '../reference/field.js';
import { slidingWindowMask } from '../reference/sliding-window-attention.js';
import { tiledAttentionWith, Workspace, type TiledAttentionResult, type TiledMask } from '../reference/tiled-attention.js';
import { scaledDotProductAttention as tfAttention } from '../tfjs/scaled-dot-product-attention.js';
import { tiledAttention as tfTiled } from '../tfjs/tiled-attention.js';
import type { ArrayImpl } from './implementations.js';
import { input, maxAbsDiff, type Evaluator } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = ArrayImpl<any>;
const num = (impl: Impl, m: unknown[][]): number[][] => m.map((r) => r.map((x) => impl.F.toNumber(x)));

/** The implementation's tiled pass on plain arrays: output and tile counts (tfjs leaks nothing). */
function tiled(impl: Impl, q: Matrix, k: Matrix, v: Matrix, o: { mask: TiledMask; blockQ: number; blockK: number; workspace?: Workspace }): { output: number[][]; tiles: TiledAttentionResult<unknown>['tiles'] } {
  if (impl.name === 'tfjs') {
    const before = tf.memory().numTensors;
    const r = tf.tidy(() => {
      const t = tfTiled(tf.tensor2d(q), tf.tensor2d(k), tf.tensor2d(v), o);
      return { output: t.output.arraySync() as number[][], tiles: t.tiles };
    });
    if (tf.memory().numTensors !== before) throw new Error(`tiledAttention leaked ${tf.memory().numTensors - before} tensors`);
    return r;
  }
  const F = impl.F as Field<unknown>;
  const r = tiledAttentionWith(F, impl.lift(q), impl.lift(k), impl.lift(v), o);
  return { output: num(impl, r.output), tiles: r.tiles };
}

/** The implementation's standard attention with a boolean/causal mask: output and weights as numbers. */
function standard(impl: Impl, q: Matrix, k: Matrix, v: Matrix, mask: 'causal' | boolean[][] | null): { output: number[][]; weights: number[][] } {
  const s = impl.attention(impl.lift(q), impl.lift(k), impl.lift(v), { mask });
  return { output: num(impl, s.output), weights: num(impl, s.weights) };
}

export const efficientAttentionEvaluators: Record<string, Evaluator> = {
  'notes.efficient-attention.tiling-exact': (impl, claim) => {
    const [nQ, nK, dK, dV] = input<number[]>(claim, 'nQueriesNKeysDkDv');
    const [blockQ, blockK] = input<number[]>(claim, 'blocks');
    const window = input<number>(claim, 'window');
    const rng = seededRng(101);
    const [q, k, v] = [randomMatrix(rng, nQ, dK, 2), randomMatrix(rng, nK, dK, 2), randomMatrix(rng, nK, dV, 2)];
    const bool = q.map((_, i) => k.map(() => i !== 2 && rng.uniform(0, 1) < 0.6)); // row 2 allows nothing
    const blocks = { blockQ, blockK };
    const gap = (tMask: TiledMask, sMask: 'causal' | boolean[][] | null) => maxAbsDiff(tiled(impl, q, k, v, { mask: tMask, ...blocks }).output, standard(impl, q, k, v, sMask).output);
    const withEmptyRow = tiled(impl, q, k, v, { mask: bool, ...blocks }).output;
    return {
      noMask: gap(null, null),
      causal: gap('causal', 'causal'),
      slidingWindow: gap({ window }, slidingWindowMask(nQ, nK, window)),
      booleanMaskWithEmptyRow: maxAbsDiff(withEmptyRow, standard(impl, q, k, v, bool).output),
      fullyMaskedRowIsZero: withEmptyRow[2].every((x) => x === 0),
      tilesSkippedWhenCausal: tiled(impl, q, k, v, { mask: 'causal', ...blocks }).tiles.skipped,
    };
  },

  'notes.efficient-attention.no-quadratic-memory': (impl, claim) => {
    const [n, d] = input<number[]>(claim, 'nAndD');
    const block = input<number>(claim, 'block');
    const rng = seededRng(103);
    const run = (len: number) => {
      const [q, k, v] = [randomMatrix(rng, len, d), randomMatrix(rng, len, d), randomMatrix(rng, len, d)];
      const workspace = new Workspace();
      tiled(impl, q, k, v, { mask: 'causal', blockQ: block, blockK: block, workspace });
      const scores = impl.attention(impl.lift(q), impl.lift(k), impl.lift(v), { mask: 'causal' }).scores as unknown[][];
      return { workspace, scoreEntries: scores.length * scores[0].length };
    };
    const [small, large] = [run(n), run(2 * n)];
    return {
      standardScoreEntriesGrowth: large.scoreEntries / small.scoreEntries,
      tiledLargestAllocationGrowth: large.workspace.largest / small.workspace.largest,
      tiledPeakLiveGrowth: large.workspace.peakLive / small.workspace.peakLive,
      tiledLargestOverNSquared: small.workspace.largest / (n * n),
    };
  },

  'notes.efficient-attention.recompute-backward': (impl, claim) => {
    if (impl.name !== 'tfjs') throw new Error('the backward pass by recomputation is implemented in tfjs only');
    const [n, d] = input<number[]>(claim, 'nAndD');
    const block = input<number>(claim, 'block');
    const rng = seededRng(107);
    const [q, k, v, g] = [0, 1, 2, 3].map(() => tf.tensor2d(randomMatrix(rng, n, d)));
    const [q2, k2, v2, g2] = [0, 1, 2, 3].map(() => tf.tensor2d(randomMatrix(rng, 2 * n, d))); // the same at 2n
    try {
      /** Gradients of Σ(attention(Q, K, V) ⊙ G) and the bytes alive when the forward pass ends. */
      const run = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, g: tf.Tensor, attention: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) => {
        let held = 0;
        const before = tf.memory().numBytes;
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const loss = tf.sum(tf.mul(attention(a, b, c), g)) as tf.Scalar;
          held = tf.memory().numBytes - before; // everything the tape keeps for the backward pass
          return loss;
        })([q, k, v]);
        const values = grads.map((t) => Array.from(t.dataSync()));
        tf.dispose(grads);
        return { values, held };
      };
      const tiledPass = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const r = tfTiled(a, b, c, { mask: 'causal', blockQ: block, blockK: block });
        r.rowMax.dispose();
        r.rowSum.dispose();
        return r.output;
      };
      const standardPass = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tfAttention(a, b, c, { mask: 'causal' });
      const [t, s] = [run(q, k, v, g, tiledPass), run(q, k, v, g, standardPass)];
      const [t2, s2] = [run(q2, k2, v2, g2, tiledPass), run(q2, k2, v2, g2, standardPass)];
      return {
        gradientDifference: Math.max(...t.values.map((x, i) => maxAbsDiff(x, s.values[i]))),
        tiledHeldPerNd: t.held / 4 / (n * d),
        tiledHeldGrowth: t2.held / t.held,
        standardHeldPerNSquared: s.held / 4 / (n * n),
        standardHeldGrowth: s2.held / s.held,
      };
    } finally {
      tf.dispose([q, k, v, g, q2, k2, v2, g2]);
    }
  },

  'notes.efficient-attention.sliding-window': (impl, claim) => {
    const [n, d] = input<number[]>(claim, 'nAndD');
    const window = input<number>(claim, 'window');
    const tiles = input<{ n: number[]; window: number; block: number }>(claim, 'tiles');
    const rng = seededRng(109);
    const [q, k, v] = [randomMatrix(rng, n, d, 2), randomMatrix(rng, n, d, 2), randomMatrix(rng, n, d, 2)];
    const windowed = standard(impl, q, k, v, slidingWindowMask(n, n, window));
    const causal = standard(impl, q, k, v, 'causal').output;
    const outside: number[] = [];
    const inside: number[] = [];
    windowed.weights.forEach((row, i) => row.forEach((w, j) => (j <= i && j > i - window ? inside : outside).push(Math.abs(w))));
    const count = (len: number, mask: TiledMask) => {
      const m = randomMatrix(seededRng(113), len, 2);
      return tiled(impl, m, m, m, { mask, blockQ: tiles.block, blockK: tiles.block }).tiles.computed;
    };
    return {
      largestWeightOutsideWindow: Math.max(...outside),
      smallestWeightInsideWindow: Math.min(...inside),
      rowSumError: Math.max(...windowed.weights.map((row) => Math.abs(row.reduce((a, b) => a + b, 0) - 1))),
      windowAtLeastNMinusCausal: Math.max(
        maxAbsDiff(standard(impl, q, k, v, slidingWindowMask(n, n, n)).output, causal),
        maxAbsDiff(standard(impl, q, k, v, slidingWindowMask(n, n, n + 5)).output, causal),
      ),
      tiledMinusStandardWindowed: maxAbsDiff(tiled(impl, q, k, v, { mask: { window }, blockQ: 5, blockK: 3 }).output, windowed.output),
      windowTilesComputed: tiles.n.map((len) => count(len, { window: tiles.window })),
      causalTilesComputed: tiles.n.map((len) => count(len, 'causal')),
    };
  },
};
