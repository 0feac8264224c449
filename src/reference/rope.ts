/**
 * Rotary position embedding, RoPE (Su et al. 2021, "RoFormer"; course "Rotary Position
 * Embeddings (RoPE)"): each pair of coordinates of a query or key at position p is rotated by the
 * angle p·θ_i, θ_i = base^{−2i/d}:
 *
 *   [x'_a]   [cos pθ_i  −sin pθ_i] [x_a]
 *   [x'_b] = [sin pθ_i   cos pθ_i] [x_b]
 *
 * Pairs are (a, b) = (2i, 2i+1) for `pairing: 'interleaved'` (RoFormer) or (i, i + d/2) for
 * `pairing: 'half'` (the split-halves layout of GPT-NeoX and the Hugging Face LLaMA port). Both are
 * rotations, so norms are preserved, and ⟨R_m q, R_n k⟩ depends on m and n only through n − m.
 *
 * Shapes: x (n × d), positions (n) — defaults to 0 … n−1; d must be even.
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import { resolvePositions } from './sinusoidal-encoding.js';

export type RopePairing = 'interleaved' | 'half';

export interface RopeOptions {
  positions?: readonly number[];
  base?: number;
  pairing?: RopePairing;
}

export function ropePairs(d: number, pairing: RopePairing): Array<[number, number]> {
  if (pairing !== 'interleaved' && pairing !== 'half') throw new ArgumentError(`pairing must be 'interleaved' or 'half', got ${String(pairing)}`);
  return Array.from({ length: d / 2 }, (_, i) => (pairing === 'interleaved' ? [2 * i, 2 * i + 1] : [i, i + d / 2]));
}

export function checkRopeArgs(x: unknown, options: RopeOptions): { n: number; d: number; positions: number[]; base: number; pairing: RopePairing } {
  const [n, d] = assertMatrix(x, 'x');
  if (d % 2 !== 0) throw new RangeArgumentError(`x has d = ${d} columns, which is odd: RoPE rotates coordinate pairs, so d must be even`);
  const positions = options.positions === undefined ? resolvePositions(n) : resolvePositions(options.positions);
  if (positions.length !== n) throw new ShapeError(`positions has ${positions.length} entries but x has ${n} rows`);
  const base = options.base ?? 10000;
  if (!Number.isFinite(base) || base <= 1) throw new RangeArgumentError(`base must be a finite number > 1, got ${base}`);
  return { n, d, positions, base, pairing: options.pairing ?? 'interleaved' };
}

export function ropeWith<S>(F: Field<S>, x: Matrix<S>, options: RopeOptions = {}): Matrix<S> {
  const { d, positions, base, pairing } = checkRopeArgs(x, options);
  const pairs = ropePairs(d, pairing);
  const theta = pairs.map((_, i) => F.div(F.one, F.pow(F.from(base), F.div(F.from(2 * i), F.from(d))))); // θ_i = base^{−2i/d}
  return x.map((row, r) => {
    const out = [...row];
    pairs.forEach(([a, b], i) => {
      const angle = F.mul(F.from(positions[r]), theta[i]);
      const [c, s] = [F.cos(angle), F.sin(angle)];
      out[a] = F.sub(F.mul(row[a], c), F.mul(row[b], s));
      out[b] = F.add(F.mul(row[a], s), F.mul(row[b], c));
    });
    return out; // (d)
  }); // (n × d)
}

export const rope = (x: Matrix, options?: RopeOptions): Matrix => ropeWith(float64, x, options);
