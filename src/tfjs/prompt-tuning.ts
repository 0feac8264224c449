/**
 * Prompt tuning in TensorFlow.js: the soft prompt (P × C) placed before each sequence's token
 * embeddings (B × T × C) → (B × P+T × C). Formula, positions and initialisations: src/reference/prompt-tuning.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';

export function prependPrompt(prompt: tf.Tensor, embeddings: tf.Tensor): tf.Tensor {
  if (prompt.rank !== 2 || embeddings.rank !== 3 || prompt.shape[1] !== embeddings.shape[2]) {
    throw new ShapeError(`the soft prompt must be (P × C) and the embeddings (B × T × C) with the same C, got [${prompt.shape}] and [${embeddings.shape}]`);
  }
  const B = embeddings.shape[0]!;
  return tf.tidy(() => tf.concat([tf.tile(tf.expandDims(prompt, 0), [B, 1, 1]), embeddings], 1)); // (B × P × C) ++ (B × T × C) → (B × P+T × C)
}

/** PEFT's TEXT initialisation: rows `tokenIds` of the frozen embedding table (P × C). */
export function promptFromTokens(tokenEmbed: tf.Tensor, tokenIds: readonly number[]): tf.Tensor {
  return tf.tidy(() => tf.gather(tokenEmbed, tf.tensor1d([...tokenIds], 'int32')));
}
