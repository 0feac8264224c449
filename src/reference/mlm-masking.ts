/**
 * Masked-language-model corruption, BERT's 80/10/10 rule (Devlin et al. 2019 §3.1; the tutorial,
 * scratch §3.4, describes the same rule for its mask_tokens function, whose code it does not print):
 *
 *   each position is selected with probability q (BERT: q = 0.15); for a selected position
 *     with probability 0.8  the input becomes [MASK]
 *     with probability 0.1  the input becomes a token drawn uniformly from the ordinary vocabulary
 *                           (it may by chance be the original token: probability 1/|V| each time)
 *     with probability 0.1  the input is left unchanged
 *   label = the original token at selected positions, ignoreIndex (−100) everywhere else
 *
 * So the loss is computed only where a prediction is asked for, and the model must predict the
 * token that was there, from both sides of its context (TinyBERT's attention is bidirectional).
 * Over many positions: P(label) = q, P([MASK] input) = 0.8q, P(random input ≠ original) =
 * 0.1q(1 − 1/|V|), P(selected and input = original) = 0.1q(1 + 1/|V|).
 *
 * Shapes: tokens, inputs, labels and decisions are (B × T). Draws come from a seeded generator in
 * row-major order, one uniform for the selection, one for the 80/10/10 choice of a selected
 * position, and one more for the random token, so a seed fixes the whole batch.
 */
import { ArgumentError, RangeArgumentError } from '../core/errors.js';
import type { Rng } from '../core/random.js';

export type MaskDecision = 'unselected' | 'mask' | 'random' | 'unchanged';

export interface MaskingOptions {
  /** Random replacements are drawn from the ordinary tokens 0…vocabSize−1 (not [MASK]). */
  vocabSize: number;
  maskTokenId: number;
  rng: Rng;
  /** q, the share of positions that get a label (BERT: 0.15). */
  selectProbability?: number;
  /** Of the selected: share replaced by [MASK] (0.8) and by a random token (0.1); the rest stay. */
  maskShare?: number;
  randomShare?: number;
  ignoreIndex?: number;
}

export interface MaskedBatch {
  inputs: number[][];
  labels: number[][];
  /** What happened at each position (for statistics and specs). */
  decisions: MaskDecision[][];
}

export const BERT_SELECT_PROBABILITY = 0.15;

export function maskTokens(tokens: readonly (readonly number[])[], o: MaskingOptions): MaskedBatch {
  const q = o.selectProbability ?? BERT_SELECT_PROBABILITY;
  const maskShare = o.maskShare ?? 0.8;
  const randomShare = o.randomShare ?? 0.1;
  const ignore = o.ignoreIndex ?? -100;
  if (!Array.isArray(tokens) || tokens.length === 0 || tokens.some((r) => !Array.isArray(r))) throw new ArgumentError('tokens must be a non-empty batch of token sequences (B × T)');
  if (!Number.isInteger(o.vocabSize) || o.vocabSize < 1) throw new RangeArgumentError(`vocabSize must be an integer ≥ 1, got ${o.vocabSize}`);
  if (!Number.isInteger(o.maskTokenId) || o.maskTokenId < 0) throw new RangeArgumentError(`maskTokenId must be an integer ≥ 0, got ${o.maskTokenId}`);
  if (!(q >= 0 && q <= 1)) throw new RangeArgumentError(`selectProbability must be in [0, 1], got ${q}`);
  if (!(maskShare >= 0 && randomShare >= 0 && maskShare + randomShare <= 1)) throw new RangeArgumentError(`maskShare (${maskShare}) and randomShare (${randomShare}) must be ≥ 0 and sum to ≤ 1`);
  const inputs: number[][] = [];
  const labels: number[][] = [];
  const decisions: MaskDecision[][] = [];
  tokens.forEach((row: readonly number[], b: number) => {
    const inp: number[] = [];
    const lab: number[] = [];
    const dec: MaskDecision[] = [];
    row.forEach((t: number, i: number) => {
      if (!Number.isInteger(t) || t < 0) throw new RangeArgumentError(`tokens[${b}][${i}] = ${t} is not a token id`);
      if (o.rng.next() >= q) {
        inp.push(t);
        lab.push(ignore);
        dec.push('unselected');
        return;
      }
      lab.push(t);
      const u = o.rng.next();
      if (u < maskShare) {
        inp.push(o.maskTokenId);
        dec.push('mask');
      } else if (u < maskShare + randomShare) {
        inp.push(o.rng.int(0, o.vocabSize));
        dec.push('random');
      } else {
        inp.push(t);
        dec.push('unchanged');
      }
    });
    inputs.push(inp);
    labels.push(lab);
    decisions.push(dec);
  });
  return { inputs, labels, decisions };
}

/**
 * What masked language modelling requires of a batch built from `originals`: every labelled
 * position's label is the original token there; every unlabelled position keeps its token and
 * carries ignoreIndex. Returns the first violation, or null.
 */
export function mlmViolation(originals: readonly (readonly number[])[], batch: { inputs: number[][]; labels: number[][] }, ignoreIndex = -100): string | null {
  for (let b = 0; b < originals.length; b++) {
    for (let t = 0; t < originals[b].length; t++) {
      const label = batch.labels[b][t];
      if (label === ignoreIndex) {
        if (batch.inputs[b][t] !== originals[b][t]) return `position [${b}][${t}] is corrupted but carries no label`;
      } else if (label !== originals[b][t]) {
        return `position [${b}][${t}] has label ${label}, but the token there was ${originals[b][t]}`;
      }
    }
  }
  return null;
}
