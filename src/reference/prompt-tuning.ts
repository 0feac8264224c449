/**
 * Prompt tuning, "soft prompts" (Lester et al. 2021, "The Power of Scale for Parameter-Efficient
 * Prompt Tuning"; course "Prompt Tuning: Soft Virtual Tokens"; notes "Soft Prompting"; interview
 * "Soft Prompting: learnable prompt embeddings"):
 *
 *   E' = [ p_1; …; p_P; e(x_1); …; e(x_T) ]          (P + T) × d
 *
 * P trainable vectors are placed before the token embeddings; every weight of the model stays
 * frozen. In a decoder the real tokens can then attend to the soft tokens, so the soft tokens
 * steer every later position. Positions follow the concatenated sequence, as when a model is given
 * inputs_embeds (PEFT's prompt tuning): the soft tokens take positions 0 … P−1 and the real tokens
 * P … P+T−1, so P + T must fit the position table.
 *
 * PEFT's "TEXT" initialisation copies the embeddings of the tokens of a chosen text into the soft
 * prompt: then the prompted model computes exactly what the frozen model computes on that text
 * followed by the input — the "initial behaviour" property the specs check.
 *
 * Shapes: prompt (P × d), token embeddings (T × d) → (P + T) × d. Trainable numbers: P · d.
 */
import { RangeArgumentError, ShapeError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import { assertMatrix, type Matrix } from '../core/shape.js';

/** [prompt; embeddings]: (P × d) on top of (T × d). */
export function prependPrompt<S>(prompt: Matrix<S>, embeddings: Matrix<S>): Matrix<S> {
  const [, d] = assertMatrix(prompt, 'prompt', { finite: false });
  const [, d2] = assertMatrix(embeddings, 'token embeddings', { finite: false });
  if (d !== d2) throw new ShapeError(`the soft prompt is ${d} wide but the token embeddings are ${d2} wide`);
  return [...prompt.map((r) => [...r]), ...embeddings.map((r) => [...r])]; // ((P + T) × d)
}

/** PEFT's TEXT initialisation: the rows of the (frozen) token embedding table for `tokenIds`. */
export function promptFromTokens<S>(tokenEmbed: Matrix<S>, tokenIds: readonly number[]): Matrix<S> {
  if (tokenIds.length === 0) throw new RangeArgumentError('a soft prompt needs at least one token');
  return tokenIds.map((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= tokenEmbed.length) throw new RangeArgumentError(`prompt token ${i} = ${t} is not a row of the embedding table (0…${tokenEmbed.length - 1})`);
    return [...tokenEmbed[t]];
  });
}

/** Random initialisation, N(0, 1) as nn.Embedding's default (PEFT's RANDOM init). */
export function initPrompt(rng: Rng, P: number, d: number): Matrix<number> {
  if (!Number.isInteger(P) || P < 1) throw new RangeArgumentError(`the number of soft tokens must be an integer ≥ 1, got ${P}`);
  return Array.from({ length: P }, () => Array.from({ length: d }, () => rng.normal()));
}

export const promptParameterCount = (P: number, d: number): number => P * d;
