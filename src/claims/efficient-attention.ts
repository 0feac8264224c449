/**
 * Evaluators for the efficient-attention claims (CLAIMS.md §3: FlashAttention and sliding-window
 * attention in the notes). Each compares an implementation's tiled pass (`impl.tiledAttention`)
 * with that same implementation's standard attention (`impl.scaledDotProductAttention`); the
 * backward pass by recomputation is differentiated with tf.grads, on tfjs only.
 */
import { ArgumentError } from '../core/errors.js';
import * as tf from '@tensorflow/tfjs-core';
import { randomMatrix, seededRng } from '../core/random.js';
import type { Matrix } from '../core/shape.js';
import { withoutLeaks } from '../ops/convert.js';
import { slidingWindowMask } from '../reference/sliding-window-attention.js';
import { Workspace, type TiledAttentionResult, type TiledMask } from '../reference/tiled-attention.js';
import { scaledDotProductAttention as tfAttention } from '../tfjs/scaled-dot-product-attention.js';
import { tiledAttention as tfTiled } from '../tfjs/tiled-attention.js';
import type { ArrayImpl } from '../ops/implementations.js';
import { input, maxAbsDiff, type Evaluator } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = ArrayImpl<any>;
const num = (impl: Impl, m: unknown[][]): number[][] => m.map((r) => r.map((x) => impl.F.toNumber(x)));

/** The implementation's tiled pass on plain arrays: output and tile counts. */
async function tiled(impl: Impl, q: Matrix, k: Matrix, v: Matrix, o: { mask: TiledMask; blockQ: number; blockK: number; workspace?: Workspace }): Promise<{ output: number[][]; tiles: TiledAttentionResult<unknown>['tiles'] }> {
  const r = await impl.tiledAttention(impl.lift(q), impl.lift(k), impl.lift(v), o);
  return { output: num(impl, r.output), tiles: r.tiles };
}

/** The implementation's standard attention with a boolean/causal mask: output and weights as numbers. */
async function standard(impl: Impl, q: Matrix, k: Matrix, v: Matrix, mask: 'causal' | boolean[][] | null): Promise<{ output: number[][]; weights: number[][] }> {
  const s = await impl.scaledDotProductAttention(impl.lift(q), impl.lift(k), impl.lift(v), { mask, steps: true });
  return { output: num(impl, s.output), weights: num(impl, s.weights) };
}

export const efficientAttentionEvaluators: Record<string, Evaluator> = {
  'notes.efficient-attention.tiling-exact': async (impl, claim) => {
    const [nQ, nK, dK, dV] = input<number[]>(claim, 'nQueriesNKeysDkDv');
    const [blockQ, blockK] = input<number[]>(claim, 'blocks');
    const window = input<number>(claim, 'window');
    const rng = seededRng(101);
    const [q, k, v] = [randomMatrix(rng, nQ, dK, 2), randomMatrix(rng, nK, dK, 2), randomMatrix(rng, nK, dV, 2)];
    const bool = q.map((_, i) => k.map(() => i !== 2 && rng.uniform(0, 1) < 0.6)); // row 2 allows nothing
    const blocks = { blockQ, blockK };
    const gap = async (tMask: TiledMask, sMask: 'causal' | boolean[][] | null) => maxAbsDiff((await tiled(impl, q, k, v, { mask: tMask, ...blocks })).output, (await standard(impl, q, k, v, sMask)).output);
    const withEmptyRow = (await tiled(impl, q, k, v, { mask: bool, ...blocks })).output;
    return {
      noMask: await gap(null, null),
      causal: await gap('causal', 'causal'),
      slidingWindow: await gap({ window }, slidingWindowMask(nQ, nK, window)),
      booleanMaskWithEmptyRow: maxAbsDiff(withEmptyRow, (await standard(impl, q, k, v, bool)).output),
      fullyMaskedRowIsZero: withEmptyRow[2].every((x) => x === 0),
      tilesSkippedWhenCausal: (await tiled(impl, q, k, v, { mask: 'causal', ...blocks })).tiles.skipped,
    };
  },

  'notes.efficient-attention.no-quadratic-memory': async (impl, claim) => {
    const [n, d] = input<number[]>(claim, 'nAndD');
    const block = input<number>(claim, 'block');
    const rng = seededRng(103);
    const run = async (len: number) => {
      const [q, k, v] = [randomMatrix(rng, len, d), randomMatrix(rng, len, d), randomMatrix(rng, len, d)];
      const workspace = new Workspace();
      await tiled(impl, q, k, v, { mask: 'causal', blockQ: block, blockK: block, workspace });
      const scores = (await impl.scaledDotProductAttention(impl.lift(q), impl.lift(k), impl.lift(v), { mask: 'causal', steps: true })).scores as unknown[][];
      return { workspace, scoreEntries: scores.length * scores[0].length };
    };
    const [small, large] = [await run(n), await run(2 * n)];
    return {
      standardScoreEntriesGrowth: large.scoreEntries / small.scoreEntries,
      tiledLargestAllocationGrowth: large.workspace.largest / small.workspace.largest,
      tiledPeakLiveGrowth: large.workspace.peakLive / small.workspace.peakLive,
      tiledLargestOverNSquared: small.workspace.largest / (n * n),
    };
  },

  'notes.efficient-attention.recompute-backward': async (impl, claim) => {
    if (impl.name !== 'tfjs') throw new ArgumentError('the backward pass by recomputation is implemented in tfjs only');
    const [n, d] = input<number[]>(claim, 'nAndD');
    const block = input<number>(claim, 'block');
    const rng = seededRng(107);
    /** Gradients of Σ(attention(Q, K, V) ⊙ G) and the bytes alive when the forward pass ends. */
    type Pass = { grads: number[][][]; held: number };
    const { t, s, t2, s2 } = await withoutLeaks<{ t: Pass; s: Pass; t2: Pass; s2: Pass }>('tfjs recompute backward', () => {
      const [q, k, v, g] = [0, 1, 2, 3].map(() => tf.tensor2d(randomMatrix(rng, n, d)));
      const [q2, k2, v2, g2] = [0, 1, 2, 3].map(() => tf.tensor2d(randomMatrix(rng, 2 * n, d))); // the same at 2n
      const run = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, g: tf.Tensor, attention: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) => {
        let held = 0;
        const before = tf.memory().numBytes;
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const loss = tf.sum(tf.mul(attention(a, b, c), g)) as tf.Scalar;
          held = tf.memory().numBytes - before; // everything the tape keeps for the backward pass
          return loss;
        })([q, k, v]);
        return { grads, held };
      };
      const tiledPass = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const r = tfTiled(a, b, c, { mask: 'causal', blockQ: block, blockK: block });
        r.rowMax.dispose();
        r.rowSum.dispose();
        return r.output;
      };
      const standardPass = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tfAttention(a, b, c, { mask: 'causal' });
      return { t: run(q, k, v, g, tiledPass), s: run(q, k, v, g, standardPass), t2: run(q2, k2, v2, g2, tiledPass), s2: run(q2, k2, v2, g2, standardPass) };
    });
    return {
      gradientDifference: Math.max(...t.grads.map((x, i) => maxAbsDiff(x, s.grads[i]))),
      tiledHeldPerNd: t.held / 4 / (n * d),
      tiledHeldGrowth: t2.held / t.held,
      standardHeldPerNSquared: s.held / 4 / (n * n),
      standardHeldGrowth: s2.held / s.held,
    };
  },

  'notes.efficient-attention.sliding-window': async (impl, claim) => {
    const [n, d] = input<number[]>(claim, 'nAndD');
    const window = input<number>(claim, 'window');
    const tiles = input<{ n: number[]; window: number; block: number }>(claim, 'tiles');
    const rng = seededRng(109);
    const [q, k, v] = [randomMatrix(rng, n, d, 2), randomMatrix(rng, n, d, 2), randomMatrix(rng, n, d, 2)];
    const windowed = await standard(impl, q, k, v, slidingWindowMask(n, n, window));
    const causal = (await standard(impl, q, k, v, 'causal')).output;
    const outside: number[] = [];
    const inside: number[] = [];
    windowed.weights.forEach((row, i) => row.forEach((w, j) => (j <= i && j > i - window ? inside : outside).push(Math.abs(w))));
    const count = async (len: number, mask: TiledMask) => {
      const m = randomMatrix(seededRng(113), len, 2);
      return (await tiled(impl, m, m, m, { mask, blockQ: tiles.block, blockK: tiles.block })).tiles.computed;
    };
    const counts = async (mask: TiledMask) => {
      const computed: number[] = [];
      for (const len of tiles.n) computed.push(await count(len, mask));
      return computed;
    };
    return {
      largestWeightOutsideWindow: Math.max(...outside),
      smallestWeightInsideWindow: Math.min(...inside),
      rowSumError: Math.max(...windowed.weights.map((row) => Math.abs(row.reduce((a, b) => a + b, 0) - 1))),
      windowAtLeastNMinusCausal: Math.max(
        maxAbsDiff((await standard(impl, q, k, v, slidingWindowMask(n, n, n))).output, causal),
        maxAbsDiff((await standard(impl, q, k, v, slidingWindowMask(n, n, n + 5))).output, causal),
      ),
      tiledMinusStandardWindowed: maxAbsDiff((await tiled(impl, q, k, v, { mask: { window }, blockQ: 5, blockK: 3 })).output, windowed.output),
      windowTilesComputed: await counts({ window: tiles.window }),
      causalTilesComputed: await counts('causal'),
    };
  },
};
