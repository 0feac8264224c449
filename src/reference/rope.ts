/**
 * Rotary position embedding, RoPE (Su et al. 2021, "RoFormer" §3.4; course "Rotary Position
 * Embeddings (RoPE)"): each pair of coordinates of a query or key at position p is rotated by the
 * angle p·θ_i, θ_i = base^{−2i/r}, i = 0 … r/2 − 1, r = rotaryDim:
 *
 *   [x'_a]   [cos pθ_i  −sin pθ_i] [x_a]
 *   [x'_b] = [sin pθ_i   cos pθ_i] [x_b]
 *
 * Conventions, each named, with its default:
 *   pairing    'interleaved' (default): pairs (2i, 2i+1) — RoFormer, GPT-J's rotate_every_two;
 *              'half': pairs (i, i + r/2) — GPT-NeoX and Hugging Face LLaMA's rotate_half.
 *              The two are the same rotation up to a fixed permutation of the r rotated
 *              dimensions (`ropePermutation`): rope_half(P x) = P rope_interleaved(x).
 *   rotaryDim  r = d (default): partial rotation (GPT-J rotary_dim, GPT-NeoX/Pythia rotary_pct,
 *              Phi partial_rotary_factor) rotates the first r dimensions only, with θ_i from r,
 *              and passes dimensions r … d−1 through unchanged. r must be even and ≤ d.
 *   positions  position ids, one per row; default 0 … n−1 (explicit ids: left padding, packing,
 *              decoding with a cache).
 *   base       10000 (default; RoFormer, LLaMA 1/2, Mistral); LLaMA 3 uses 500000 (rope_theta).
 *   tables     { cos, sin } (n × r/2) each, given instead of positions and base: the rotation
 *              then uses these values as they are (scaled or precomputed angles). Hugging Face's
 *              tables are (n × r) and hold each angle twice; their first r/2 columns are these.
 *
 * Rotations preserve norms, and ⟨R_m q, R_n k⟩ depends on m and n only through n − m.
 * Shapes: x (n × d), positions (n), cos and sin (n × r/2) → (n × d).
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import { resolvePositions } from './sinusoidal-encoding.js';

export type RopePairing = 'interleaved' | 'half';

/** The pairings by name, and who uses each (README, "Conventions"). */
export const ROPE_PAIRINGS: Record<RopePairing, string> = {
  interleaved: 'pairs (2i, 2i+1): RoFormer, GPT-J (rotate_every_two)',
  half: 'pairs (i, i + r/2): GPT-NeoX, Hugging Face LLaMA/Mistral/Qwen2 (rotate_half)',
};
export const ROPE_DEFAULTS = { pairing: 'interleaved' as RopePairing, base: 10000 };

/** cos and sin of the rotation angles, given instead of positions and base: (n × r/2) each. */
export interface RopeTables {
  cos: readonly (readonly number[])[];
  sin: readonly (readonly number[])[];
}

export interface RopeOptions {
  positions?: readonly number[];
  base?: number;
  pairing?: RopePairing;
  rotaryDim?: number;
  tables?: RopeTables;
}

export interface ResolvedRope {
  n: number;
  d: number;
  rotaryDim: number;
  positions: number[];
  base: number;
  pairing: RopePairing;
  tables?: RopeTables;
}

export function ropePairs(r: number, pairing: RopePairing): Array<[number, number]> {
  if (pairing !== 'interleaved' && pairing !== 'half') throw new ArgumentError(`pairing must be 'interleaved' (GPT-J) or 'half' (GPT-NeoX, HF rotate_half), got ${String(pairing)}`);
  return Array.from({ length: r / 2 }, (_, i) => (pairing === 'interleaved' ? [2 * i, 2 * i + 1] : [i, i + r / 2]));
}

/**
 * The permutation P of d dimensions taking the interleaved layout to the half layout over the
 * first r: (P x)_j = x_{perm[j]}, with perm[i] = 2i and perm[i + r/2] = 2i + 1 for i < r/2, and
 * dimensions ≥ r fixed. Then rope(P x, half) = P rope(x, interleaved) at every position.
 */
export function ropePermutation(d: number, rotaryDim = d): number[] {
  const r = checkRotaryDim(rotaryDim, d);
  return Array.from({ length: d }, (_, j) => (j >= r ? j : j < r / 2 ? 2 * j : 2 * (j - r / 2) + 1));
}

/** rotaryDim must be an even integer in [2, d] (the named errors of issue 15, item 5). */
export function checkRotaryDim(rotaryDim: number, d: number): number {
  if (typeof rotaryDim !== 'number' || !Number.isInteger(rotaryDim) || rotaryDim < 2) throw new RangeArgumentError(`rotaryDim must be an even integer ≥ 2, got ${rotaryDim}`);
  if (rotaryDim % 2 !== 0) throw new RangeArgumentError(`rotaryDim = ${rotaryDim} is odd: RoPE rotates coordinate pairs, so rotaryDim must be even`);
  if (rotaryDim > d) throw new RangeArgumentError(`rotaryDim = ${rotaryDim} is larger than the head dimension d = ${d}: only d dimensions can rotate`);
  return rotaryDim;
}

/** The argument checks both implementations run (src/tfjs/rope.ts calls this with x's shape). */
export function checkRopeShape(n: number, d: number, options: RopeOptions): ResolvedRope {
  if (options.rotaryDim === undefined && d % 2 !== 0) throw new RangeArgumentError(`x has d = ${d} columns, which is odd: RoPE rotates coordinate pairs, so d must be even (or give an even rotaryDim < d)`);
  const rotaryDim = checkRotaryDim(options.rotaryDim ?? d, d);
  const pairing = options.pairing ?? ROPE_DEFAULTS.pairing;
  ropePairs(2, pairing); // names a bad pairing
  if (options.tables !== undefined) {
    if (options.positions !== undefined || options.base !== undefined) throw new ArgumentError('give either tables { cos, sin } or positions/base, not both: the tables already fix every angle');
    checkTables(options.tables, n, rotaryDim);
    return { n, d, rotaryDim, positions: resolvePositions(n), base: ROPE_DEFAULTS.base, pairing, tables: options.tables };
  }
  const positions = options.positions === undefined ? resolvePositions(n) : resolvePositions(options.positions);
  if (positions.length !== n) throw new ShapeError(`positions has ${positions.length} entries but x has ${n} rows`);
  const base = options.base ?? ROPE_DEFAULTS.base;
  if (typeof base !== 'number' || !Number.isFinite(base) || base <= 1) throw new RangeArgumentError(`base must be a finite number > 1, got ${base}`);
  return { n, d, rotaryDim, positions, base, pairing };
}

function checkTables(t: RopeTables, n: number, r: number): void {
  for (const name of ['cos', 'sin'] as const) {
    const m = t[name];
    if (!Array.isArray(m)) throw new ArgumentError(`tables.${name} must be a matrix (n × rotaryDim/2), got ${typeof m}`);
    if (m.length !== n || m.some((row: unknown) => !Array.isArray(row) || row.length !== r / 2)) {
      throw new ShapeError(`tables.${name} must be (${n} × ${r / 2}): one row per position and one column per pair (rotaryDim/2; a Hugging Face table of width rotaryDim holds each angle twice — pass its first rotaryDim/2 columns)`);
    }
    m.forEach((row, i) => row.forEach((v: unknown, j: number) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`tables.${name}[${i}][${j}] must be a finite number, got ${v}`);
    }));
  }
}

export function checkRopeArgs(x: unknown, options: RopeOptions): ResolvedRope {
  const [n, d] = assertMatrix(x, 'x');
  return checkRopeShape(n, d, options);
}

export function ropeWith<S>(F: Field<S>, x: Matrix<S>, options: RopeOptions = {}): Matrix<S> {
  const { rotaryDim: r, positions, base, pairing, tables } = checkRopeArgs(x, options);
  const pairs = ropePairs(r, pairing);
  const theta = pairs.map((_, i) => F.div(F.one, F.pow(F.from(base), F.div(F.from(2 * i), F.from(r))))); // θ_i = base^{−2i/r}
  return x.map((row, t) => {
    const out = [...row]; // dimensions ≥ r pass through unchanged
    pairs.forEach(([a, b], i) => {
      let c: S, s: S;
      if (tables) [c, s] = [F.from(tables.cos[t][i]), F.from(tables.sin[t][i])];
      else {
        const angle = F.mul(F.from(positions[t]), theta[i]); // p·θ_i
        [c, s] = [F.cos(angle), F.sin(angle)];
      }
      out[a] = F.sub(F.mul(row[a], c), F.mul(row[b], s));
      out[b] = F.add(F.mul(row[a], s), F.mul(row[b], c));
    });
    return out; // (d)
  }); // (n × d)
}

export const rope = (x: Matrix, options?: RopeOptions): Matrix => ropeWith(float64, x, options);
