/**
 * Learned positional embeddings in TensorFlow.js: rows of a trainable table gathered by position;
 * positions beyond the table are an error (see src/reference/learned-positional-embedding.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import { checkLearnedPositions } from '../reference/learned-positional-embedding.js';
import { assertTensor } from './validate.js';

export function learnedPositionalEmbedding(table: tf.Tensor, positions: number | readonly number[]): tf.Tensor2D {
  assertTensor(table, 'table');
  if (table.rank !== 2) throw new ShapeError(`table must be 2-D (L × d), got shape ${formatShape(table.shape)}`, 'BAD_RANK');
  const proxy = Array.from({ length: table.shape[0] }, () => [0]);
  const pos = checkLearnedPositions(proxy, positions);
  return tf.tidy(() => tf.gather(table, tf.tensor1d(pos, 'int32')) as tf.Tensor2D); // (n × d)
}
