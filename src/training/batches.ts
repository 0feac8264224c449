/**
 * Batch builders of the tutorial's training loops (scratch §3.4 prints TinyBERT's get_batch;
 * §4.4 calls TinyGPT's without printing it).
 *
 * TinyBERT (transcribed from the printed code, in our words):
 *   starts  i_b ~ U{0, …, N − T − 2}            torch.randint(0, N − T − 1): the high end is exclusive
 *   x_b     = data[i_b : i_b + T]                (B × T)
 *   y_b     = data[i_b + 1 : i_b + 1 + T]        the next-token targets, (B × T) …
 *   (x, y)  = mask_tokens(x)                     … immediately replaced: Python's tuple assignment
 *                                                rebinds y to the labels mask_tokens returns, which
 *                                                can only be a function of x (its only tensor argument)
 * So the shifted y is computed and discarded; the labels are the masked-token labels of x. The
 * "− 1" only makes sense for next-token targets: with it, a window never starts at N − T − 1 or
 * N − T, so the last two tokens of the text never appear in any batch (N = 23 words, T = 8).
 *
 * TinyGPT (not printed; assumed to be the usual next-token builder of this code style):
 *   i_b ~ U{0, …, N − T − 1},  x_b = data[i_b : i_b + T],  y_b = data[i_b + 1 : i_b + 1 + T]
 */
import { RangeArgumentError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import { maskTokens, type MaskDecision } from '../reference/mlm-masking.js';

export interface BertBatch {
  starts: number[];
  /** x before masking. */
  windows: number[][];
  /** The next-token targets the printed code computes and then discards. */
  discardedShifted: number[][];
  inputs: number[][];
  labels: number[][];
  decisions: MaskDecision[][];
}

/** Both batch builders' size checks: a window of blockSize tokens (+ spare) must fit in the text. */
export function checkSizes(n: number, batchSize: number, blockSize: number, spare: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeArgumentError(`batchSize must be an integer ≥ 1, got ${batchSize}`);
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeArgumentError(`blockSize must be an integer ≥ 1, got ${blockSize}`);
  if (n - blockSize - spare < 1) throw new RangeArgumentError(`block size ${blockSize}: a text of ${n} tokens has no window of ${blockSize} tokens${spare ? ` and ${spare} more` : ''} to draw; it can be at most ${n - spare - 1}`);
}

/** The tutorial's TinyBERT get_batch with the 80/10/10 mask_tokens of src/reference/mlm-masking.ts. */
/** Tokens a window needs beyond blockSize: TinyBERT's get_batch draws starts 0…N−T−1, TinyGPT's targets reach one past the window. */
export const WINDOW_SPARE = { tinybert: 1, tinygpt: 0 } as const;

export function tutorialBertBatch(data: readonly number[], o: { batchSize: number; blockSize: number; rng: Rng; vocabSize: number; maskTokenId: number; selectProbability?: number }): BertBatch {
  checkSizes(data.length, o.batchSize, o.blockSize, WINDOW_SPARE.tinybert);
  const starts = Array.from({ length: o.batchSize }, () => o.rng.int(0, data.length - o.blockSize - 1)); // randint(0, N − T − 1)
  const windows = starts.map((i) => data.slice(i, i + o.blockSize)); // (B × T)
  const discardedShifted = starts.map((i) => data.slice(i + 1, i + 1 + o.blockSize)); // (B × T), overwritten below
  const masked = maskTokens(windows, { vocabSize: o.vocabSize, maskTokenId: o.maskTokenId, rng: o.rng, selectProbability: o.selectProbability });
  return { starts, windows, discardedShifted, ...masked };
}

/** Next-token batches for TinyGPT: inputs x and targets y = x shifted by one. */
export function nextTokenBatch(data: readonly number[], o: { batchSize: number; blockSize: number; rng: Rng }): { starts: number[]; inputs: number[][]; targets: number[][] } {
  checkSizes(data.length, o.batchSize, o.blockSize, WINDOW_SPARE.tinygpt);
  const starts = Array.from({ length: o.batchSize }, () => o.rng.int(0, data.length - o.blockSize)); // randint(0, N − T)
  return { starts, inputs: starts.map((i) => data.slice(i, i + o.blockSize)), targets: starts.map((i) => data.slice(i + 1, i + 1 + o.blockSize)) };
}
