/**
 * Evaluation of a trained TinyGPT / TinyBERT in evaluation mode (dropout off), producing the
 * columns of the tutorial's Table 4.1 and Table 3.1 (scratch §4.4.1, §3.4.1). The tutorial does
 * not print its evaluation code; the protocol here is stated so the numbers can be read:
 *
 * TinyGPT (Table 4.1) — every next-character prediction of the training text once, each with the
 *   longest context the model allows (up to block_size previous characters):
 *     CE  = −(1/(N−1)) Σ_{t=1}^{N−1} log p(c_t | c_{max(0,t−T)…t−1})
 *     PPL = e^CE,  BPC = CE / ln 2,  accuracy = share of t with argmax p(· | …) = c_t
 *   distinct-n of a generated sample = |distinct n-grams| / |n-grams| over its characters
 *   (the sample is the tutorial's generate(): prompt "Jalāl ", 400 new tokens, temperature 0.8,
 *   top_k 50; prompt included, as the tutorial prints decode(idx[0])).
 *
 * TinyBERT (Table 3.1) — the tutorial masks "certain words" of "a portion of the text". Here: every
 *   window of block_size words (starts 0…N−T), masked by the 80/10/10 rule with a fixed seed,
 *   `rounds` times; over all labelled positions:
 *     CE = mean −log p(label), PPL = e^CE, accuracy = share with argmax = label.
 *   The same figures restricted to the windows the tutorial's batch builder can draw
 *   (starts 0…N−T−2) are reported beside them.
 *
 * Perplexity, BPC and distinct-n come from the project's metrics (src/reference/metrics.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError } from '../core/errors.js';
import { seededRng } from '../core/random.js';
import type { TinyConfig } from '../core/tiny-config.js';
import { argmax, bitsPerCharacterFromLoss, perplexityFromLoss } from '../reference/metrics.js';
import { maskTokens } from '../reference/mlm-masking.js';
import { tinyModel, type TfTinyModelParams } from '../tfjs/tiny-models.js';
import { trainingOps } from '../tfjs/training/training-op-set.js';

const perplexity = perplexityFromLoss;
const bitsPerCharacter = bitsPerCharacterFromLoss;

/**
 * Log-probabilities (B × T × V) of a batch in evaluation mode, as nested arrays. Dropout off is
 * requested as the training path with p = 0: the same function (dropout with p = 0 is the
 * identity), but its matrix products avoid the transposed-operand kernels that are slow on WASM
 * (src/tfjs/training/training-ops.ts), which makes evaluating the whole text several times faster.
 */
const EVALUATION_ON_FAST_KERNELS = trainingOps({ p: 0, nextSeed: () => 0 });
function logProbs(kind: 'tinygpt' | 'tinybert', config: TinyConfig, params: TfTinyModelParams, idx: number[][]): number[][][] {
  return tf.tidy(() => tf.logSoftmax(tinyModel(kind, config, params, idx, undefined, { ops: EVALUATION_ON_FAST_KERNELS }).logits, 2).arraySync() as number[][][]);
}


export interface GptEvaluation {
  crossEntropy: number;
  perplexity: number;
  accuracy: number;
  bpc: number;
  predictions: number;
}

/** `maxWindows` scores only the first windows (the short runs of the test suite); default all. */
export function evaluateGpt(config: TinyConfig, params: TfTinyModelParams, data: readonly number[], blockSize: number, maxWindows = Infinity): GptEvaluation {
  const T = Math.min(blockSize, data.length - 1);
  // Window 0 predicts c_1…c_T from growing prefixes; window s ≥ 1 predicts c_{s+T} from the T before it.
  const windows: Array<{ start: number; positions: number[] }> = [{ start: 0, positions: Array.from({ length: T }, (_, i) => i) }];
  for (let s = 1; s + T < data.length && windows.length < maxWindows; s++) windows.push({ start: s, positions: [T - 1] });
  let nll = 0;
  let correct = 0;
  let count = 0;
  for (let i = 0; i < windows.length; i += 64) {
    const chunk = windows.slice(i, i + 64);
    const lp = logProbs('tinygpt', config, params, chunk.map((w) => data.slice(w.start, w.start + T)));
    chunk.forEach((w, b) =>
      w.positions.forEach((t) => {
        const target = data[w.start + t + 1];
        nll -= lp[b][t][target];
        if (argmax(lp[b][t]) === target) correct += 1;
        count += 1;
      }),
    );
  }
  const ce = nll / count;
  return { crossEntropy: ce, perplexity: perplexity(ce), accuracy: correct / count, bpc: bitsPerCharacter(ce), predictions: count };
}

export interface BertEvaluation {
  crossEntropy: number;
  perplexity: number;
  accuracy: number;
  /** Labelled positions scored. */
  labelled: number;
  /** The same on the windows the tutorial's batch builder can draw (starts 0…N−T−2). */
  trainedWindows: { crossEntropy: number; perplexity: number; accuracy: number; labelled: number };
}

export function evaluateBert(config: TinyConfig, params: TfTinyModelParams, data: readonly number[], blockSize: number, o: { maskTokenId: number; seed: number; rounds: number }): BertEvaluation {
  const rng = seededRng(o.seed);
  const starts = Array.from({ length: data.length - blockSize + 1 }, (_, s) => s);
  const trainedLimit = data.length - blockSize - 2; // randint(0, N − T − 1) draws 0…N − T − 2
  const all = { nll: 0, correct: 0, n: 0 };
  const trained = { nll: 0, correct: 0, n: 0 };
  for (let r = 0; r < o.rounds; r++) {
    const windows = starts.map((s) => data.slice(s, s + blockSize));
    const batch = maskTokens(windows, { vocabSize: o.maskTokenId, maskTokenId: o.maskTokenId, rng });
    const lp = logProbs('tinybert', config, params, batch.inputs);
    batch.labels.forEach((row, b) =>
      row.forEach((label, t) => {
        if (label === -100) return;
        const hit = argmax(lp[b][t]) === label ? 1 : 0;
        for (const acc of starts[b] <= trainedLimit ? [all, trained] : [all]) {
          acc.nll -= lp[b][t][label];
          acc.correct += hit;
          acc.n += 1;
        }
      }),
    );
  }
  if (all.n === 0) throw new ArgumentError('no position was masked in any round: raise rounds');
  const summary = (a: typeof all) => ({ crossEntropy: a.nll / a.n, perplexity: perplexity(a.nll / a.n), accuracy: a.correct / a.n, labelled: a.n });
  return { ...summary(all), trainedWindows: summary(trained) };
}
