/**
 * (c) generation: greedy decoding of one whole block (a 1-token prompt, then 15 new tokens, batch
 * 1) with TinyGPT at the tutorial's configuration in evaluation mode, tokens per second:
 *
 *   without cache  every step runs tinyModel on the whole prefix and keeps the last row
 *   with cache     every step runs tinyGptStep (src/tfjs/kv-cache.ts) on the new token only
 *
 * Both decoders must choose the same tokens (checked once before timing).
 */
import * as tf from '@tensorflow/tfjs-core';
import { seededRng } from '../../src/core/random.js';
import { tfjsTinyParams } from '../../src/ops/tiny-weights.js';
import { createKvCache, disposeKvCache, tinyGptStep } from '../../src/tfjs/kv-cache.js';
import { tinyModel } from '../../src/tfjs/tiny-models.js';
import { initTinyWeights } from '../../src/training/init.js';
import { rate, type TimingOptions } from './measure.js';
import { TUTORIAL_CONFIG } from './tinygpt-train.js';

export interface GenerationResult {
  tokensPerRun: number;
  withoutCacheTokensPerSec: number;
  withCacheTokensPerSec: number;
  /** with ÷ without. */
  cacheSpeedup: number;
  sameTokens: boolean;
}

const argmax = (row: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
};

export function benchGeneration(timing: TimingOptions): GenerationResult {
  const config = { ...TUTORIAL_CONFIG, dropout: 0 };
  const params = tfjsTinyParams(initTinyWeights('tinygpt', config, seededRng(11)));
  const T = config.block_size;
  try {
    const withoutCache = (): number[] => {
      const idx = [1];
      while (idx.length < T) {
        const last = tf.tidy(() => {
          const logits = tinyModel('tinygpt', config, params, [idx]).logits; // (1 × t × V): the whole prefix again
          return tf.slice(logits, [0, idx.length - 1, 0], [1, 1, -1]).dataSync(); // last position
        });
        idx.push(argmax(last));
      }
      return idx;
    };
    const withCache = (): number[] => {
      const cache = createKvCache(config);
      const idx = [1];
      try {
        while (idx.length < T) {
          const logits = tinyGptStep(config, params, cache, [idx[idx.length - 1]], idx.length - 1); // (1 × V)
          idx.push(argmax(logits.dataSync()));
          logits.dispose();
        }
      } finally {
        disposeKvCache(cache);
      }
      return idx;
    };
    const sameTokens = JSON.stringify(withoutCache()) === JSON.stringify(withCache());
    const without = rate(() => (withoutCache(), T - 1), timing);
    const withC = rate(() => (withCache(), T - 1), timing);
    return {
      tokensPerRun: T - 1,
      withoutCacheTokensPerSec: without.perSecond,
      withCacheTokensPerSec: withC.perSecond,
      cacheSpeedup: withC.perSecond / without.perSecond,
      sameTokens,
    };
  } finally {
    tf.dispose(params as unknown as tf.TensorContainer);
  }
}
