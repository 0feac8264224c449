/**
 * Learned positional embeddings (interview deck "Learned Positional Embeddings"; course; the
 * scratch tutorial's `pos_embed = nn.Embedding(block_size, n_embed)`): a trainable table P with one
 * row per position 0 … L−1; position p reads row p.
 *
 * A table trained for L positions has no row for p ≥ L, so asking for one is an error that says so:
 * this is the "limited to the trained maximum length" the documents contrast with sinusoids.
 *
 * Shapes: table (L × d), positions (n) → (n × d).
 */
import { RangeArgumentError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { resolvePositions } from './sinusoidal-encoding.js';

export function checkLearnedPositions(table: unknown, positions: number | readonly number[]): number[] {
  const [L] = assertMatrix(table, 'table');
  const pos = resolvePositions(positions);
  pos.forEach((p, i) => {
    if (p >= L) {
      throw new RangeArgumentError(
        `positions[${i}] = ${p} is beyond the learned table, which has rows for positions 0…${L - 1} only (trained maximum length ${L})`,
      );
    }
  });
  return pos;
}

export function learnedPositionalEmbedding<S>(table: Matrix<S>, positions: number | readonly number[]): Matrix<S> {
  return checkLearnedPositions(table, positions).map((p) => [...table[p]]); // (n × d)
}
