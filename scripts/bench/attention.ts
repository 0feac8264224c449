/**
 * (b) attention forward, one head, d = 64, n = 256 … 4096, with and without the causal mask:
 *
 *   standard  src/tfjs/scaled-dot-product-attention.ts: Q Kᵀ, scale, mask, softmax, · V — forms
 *             the n × n scores (and, with a mask, an n × n mask and fill) before the product
 *   tiled     src/tfjs/tiled-attention.ts: online softmax over (B_q × B_k) tiles, B = 256
 *
 * Per row: median time of one call (ms), and from one profiled call the working memory (peak bytes
 * of live tensors minus what was live before) and the largest tensor any kernel produced. The
 * tiled output is compared with the standard one (max |Δ|) so a fast wrong answer cannot pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { scaledDotProductAttention } from '../../src/tfjs/scaled-dot-product-attention.js';
import { DEFAULT_BLOCK } from '../../src/reference/tiled-attention.js';
import { tiledAttention } from '../../src/tfjs/tiled-attention.js';
import { memoryOf, rate, type TimingOptions } from './measure.js';

export const ATTENTION_SIZES = [256, 512, 1024, 2048, 4096];
export const D_HEAD = 64;
export const TILE = DEFAULT_BLOCK;

export interface AttentionRow {
  n: number;
  d: number;
  causal: boolean;
  standardMs: number;
  tiledMs: number;
  /** standard ÷ tiled time: > 1 means the tiled pass is faster. */
  tiledSpeedup: number;
  standardPeakBytes: number;
  tiledPeakBytes: number;
  standardLargestTensor: number[];
  tiledLargestTensor: number[];
  /** Largest |tiled − standard| over the output. */
  maxAbsDiff: number;
}

export async function benchAttention(sizes: number[], timing: TimingOptions, block = TILE): Promise<AttentionRow[]> {
  const rows: AttentionRow[] = [];
  for (const n of sizes) {
    const [q, k, v] = [1, 2, 3].map((s) => tf.randomNormal([n, D_HEAD], 0, 1, 'float32', s));
    for (const causal of [false, true]) {
      const standard = () => {
        const r = scaledDotProductAttention(q, k, v, { mask: causal ? 'causal' : null, steps: true });
        r.output.dataSync(); // wait for the result
        tf.dispose([r.scores, r.scaled, r.masked, r.weights, r.output]);
      };
      const tiled = () => {
        const r = tiledAttention(q, k, v, { mask: causal ? 'causal' : null, blockQ: block, blockK: block });
        r.output.dataSync();
        tf.dispose([r.output, r.rowMax, r.rowSum]);
      };
      const maxAbsDiff = tf.tidy(() => {
        const a = scaledDotProductAttention(q, k, v, { mask: causal ? 'causal' : null });
        const b = tiledAttention(q, k, v, { mask: causal ? 'causal' : null, blockQ: block, blockK: block }).output;
        return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      });
      const tStd = rate(() => (standard(), 1), timing);
      const tTiled = rate(() => (tiled(), 1), timing);
      const mStd = await memoryOf(standard);
      const mTiled = await memoryOf(tiled);
      rows.push({
        n,
        d: D_HEAD,
        causal,
        standardMs: 1000 / tStd.perSecond,
        tiledMs: 1000 / tTiled.perSecond,
        tiledSpeedup: tTiled.perSecond / tStd.perSecond,
        standardPeakBytes: mStd.peakBytes,
        tiledPeakBytes: mTiled.peakBytes,
        standardLargestTensor: mStd.largestShape,
        tiledLargestTensor: mTiled.largestShape,
        maxAbsDiff,
      });
    }
    tf.dispose([q, k, v]);
  }
  return rows;
}
