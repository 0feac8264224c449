/**
 * Positional encodings, as properties over random positions, widths and inputs:
 *
 *   PE(pos, 2i) = sin(pos·ω_i),  PE(pos, 2i+1) = cos(pos·ω_i),  ω_i = base^{−2i/d}
 *     bounded in [−1, 1]; distinct rows for distinct positions; PE(pos + k) = M_k · PE(pos) with
 *     M_k block-diagonal, block i = [[cos kω_i, sin kω_i], [−sin kω_i, cos kω_i]] (depends on k only)
 *   RoPE:  x'_p = R(p·θ) x_p  rotates coordinate pairs, so ‖x'_p‖ = ‖x_p‖ and
 *          ⟨R(mθ) q, R(nθ) k⟩ = ⟨q, R((n − m)θ) k⟩ depends on n − m only
 *
 * Shapes: PE (positions × d); RoPE x (n × d), positions (n); d even.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import type { RopePairing } from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

type Matrix = number[][];
/** The value type of an arbitrary (checkProperty cannot infer its type arguments, so specs spell them out). */
type Value<A> = A extends fc.Arbitrary<infer V> ? V : never;

const value = fc.double({ min: -4, max: 4, noNaN: true });
const matrixOf = (rows: number, cols: number): fc.Arbitrary<Matrix> =>
  fc.array(fc.array(value, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
const evenD = (min: number, max: number) => fc.integer({ min: min / 2, max: max / 2 }).map((h) => 2 * h);
const positionList = (max: number, maxLength = 16) => fc.array(fc.integer({ min: 0, max }), { minLength: 1, maxLength });
const pairing = fc.constantFrom<RopePairing>('interleaved', 'half');

const tfPe = (positions: number[], d: number, base?: number): Matrix =>
  tf.tidy(() => T.sinusoidalEncoding(positions, d, { base }).arraySync() as Matrix);
const tfRope = (x: Matrix, positions: number[], p: RopePairing): Matrix =>
  tf.tidy(() => T.rope(tf.tensor2d(x), { positions, pairing: p }).arraySync() as Matrix);

const norm = (v: number[]) => Math.hypot(...v);
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
/** L∞ distance between two rows. */
const linf = (a: number[], b: number[]) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

// ---------------------------------------------------------------------------------------------

describe('sinusoidal encodings', () => {
  const peArgs = fc.record({
    positions: positionList(100_000),
    d: evenD(2, 32),
    base: fc.double({ min: 1.001, max: 1e6, noNaN: true }),
  });

  it('[interview.pe.bounded] every entry lies in [−1, 1] (reference and tfjs, any base, positions up to 10⁵)', () => {
    checkProperty<[Value<typeof peArgs>]>('PE entries are bounded', peArgs, ({ positions, d, base }) => {
      const inRange = (x: number) => x >= -1 && x <= 1; // sin and cos: exact bounds, no tolerance needed
      expect(R.sinusoidalEncoding(positions, d, { base }).flat().every(inRange)).toBe(true);
      expect(tfPe(positions, d, base).flat().every(inRange)).toBe(true);
    });
  });

  /*
   * "Distinct" has to mean more than "not bit-equal": tfjs may move every entry by
   * TFJS_VS_REFERENCE.positionalEncoding.atol, so two rows are safely distinct only when some
   * coordinate differs by more than twice that. Over positions 0…2048 this holds for every even
   * d ≥ 4 (closest pair at d = 4: positions 117 and 2002, 3.1e-2 apart), and for d = 2 only because
   * tfjs takes its angles from float64 (src/core/angle-tables.ts) — see below.
   */
  const separation = 2 * TFJS_VS_REFERENCE.positionalEncoding.atol;
  const farApart = (a: number[], b: number[]) => a.some((x, i) => Math.abs(x - b[i]) > separation);

  it('[interview.pe.unique-per-position] random sets of positions ≤ 2048 get rows more than 2 float32 tolerances apart (d ≥ 4)', () => {
    const args = fc.record({ positions: fc.uniqueArray(fc.integer({ min: 0, max: 2048 }), { minLength: 2, maxLength: 48 }), d: evenD(4, 32) });
    checkProperty<[Value<typeof args>]>('PE rows of distinct positions are far apart', args, ({ positions, d }) => {
      const ref = R.sinusoidalEncoding(positions, d); // (n × d)
      const tfv = tfPe(positions, d); // (n × d)
      for (let a = 0; a < positions.length; a++) {
        for (let b = a + 1; b < positions.length; b++) {
          expect(farApart(ref[a], ref[b]), `positions ${positions[a]} and ${positions[b]} at d = ${d}`).toBe(true);
          expect(linf(tfv[a], tfv[b]), `tfjs rows of ${positions[a]} and ${positions[b]}`).toBeGreaterThan(0);
        }
      }
    });
  });

  it('[interview.pe.unique-per-position] all 2049 positions 0…2048 are pairwise more than 2 float32 tolerances apart, for every even d from 4 to 32', () => {
    for (let d = 4; d <= 32; d += 2) {
      const pe = R.sinusoidalEncoding(2049, d); // (2049 × d)
      for (let a = 0; a < pe.length; a++) {
        for (let b = a + 1; b < pe.length; b++) {
          if (!farApart(pe[a], pe[b])) expect.fail(`d = ${d}: positions ${a} and ${b} are only ${linf(pe[a], pe[b])} apart (L∞)`);
        }
      }
    }
  });

  it('with d = 2 positions 1237 and 1947 are only 4.3e-5 apart, and tfjs still tells them apart: its angles come from float64', () => {
    // (sin p, cos p) revisits the circle: 710 rad is within 6e-5 of a multiple of 2π. Formed in
    // float32, p·ω was off by up to 1.2e-4 at p ≤ 2048 (the old tolerance): more than the gap.
    const [a, b] = R.sinusoidalEncoding([1237, 1947], 2);
    expect(linf(a, b)).toBeCloseTo(4.27e-5, 6);
    expect(linf(a, b)).toBeGreaterThan(separation);
    const [ta, tb] = tfPe([1237, 1947], 2);
    expect(linf(ta, tb)).toBeGreaterThan(separation);
    expect(compareNested([ta, tb], [a, b], TFJS_VS_REFERENCE.positionalEncoding).ok).toBe(true);
  });

  /** M_k · PE(pos): pair i = (sin a, cos a) rotated to (sin(a + kω_i), cos(a + kω_i)). */
  const rotateBy = (k: number, d: number, base: number) => {
    const blocks = Array.from({ length: d / 2 }, (_, i) => {
      const b = k / Math.pow(base, (2 * i) / d); // angle k·ω_i: a function of k (and d, base) only
      return [Math.cos(b), Math.sin(b)];
    });
    return (row: number[]): number[] =>
      blocks.flatMap(([c, s], i) => {
        const [sinA, cosA] = [row[2 * i], row[2 * i + 1]];
        return [c * sinA + s * cosA, -s * sinA + c * cosA]; // [[cos b, sin b], [−sin b, cos b]] · [sin a, cos a]
      });
  };

  const rotationArgs = fc.record({
    positions: positionList(1024),
    k: fc.integer({ min: 0, max: 1024 }),
    d: evenD(2, 32),
    base: fc.constantFrom(10_000, 1000, 100),
  });

  it('[interview.pe.relative-rotation] PE(pos + k) = M_k · PE(pos) with M_k built from angles k·ω_i alone (reference)', () => {
    checkProperty<[Value<typeof rotationArgs>]>('reference PE(pos+k) is a rotation of PE(pos)', rotationArgs, ({ positions, k, d, base }) => {
      const rotate = rotateBy(k, d, base); // one matrix for every pos
      const expected = R.sinusoidalEncoding(positions, d, { base }).map(rotate); // (n × d)
      const actual = R.sinusoidalEncoding(positions.map((p) => p + k), d, { base }); // (n × d)
      // angles ≤ 2048 rad in float64: (pos + k)·ω vs pos·ω + k·ω differ by ≤ ~5e-13
      const c = compareNested(actual, expected, EXACT.reference);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it(`[interview.pe.relative-rotation] tfjs (${backendReport.choice}): PE(pos + k) matches M_k · PE(pos)`, () => {
    checkProperty<[Value<typeof rotationArgs>]>('tfjs PE(pos+k) is a rotation of PE(pos)', rotationArgs, ({ positions, k, d, base }) => {
      const expected = R.sinusoidalEncoding(positions, d, { base }).map(rotateBy(k, d, base)); // (n × d)
      const actual = tfPe(positions.map((p) => p + k), d, base); // (n × d)
      const c = compareNested(actual, expected, TFJS_VS_REFERENCE.positionalEncoding); // float32 angle rounding at pos ≤ 2048
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('[interview.pe.relative-rotation] exhaustively: for d = 8 and k ∈ {1, 7, 250}, every pos in 0…2047', () => {
    const d = 8;
    const all = Array.from({ length: 2048 }, (_, p) => p);
    for (const k of [1, 7, 250]) {
      const expected = R.sinusoidalEncoding(all, d).map(rotateBy(k, d, 10_000)); // (2048 × 8)
      const c = compareNested(R.sinusoidalEncoding(all.map((p) => p + k), d), expected, EXACT.reference); // float64 angles ≤ 2300 rad
      expect(c.ok, `k = ${k}: ${c.message}`).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('rotary position embeddings', () => {
  const offsetArgs = fc
    .record({ d: evenD(2, 32), m: fc.integer({ min: 0, max: 512 }), n: fc.integer({ min: 0, max: 512 }), shift: fc.integer({ min: 0, max: 512 }), pairing })
    .chain((a) => fc.record({ q: matrixOf(1, a.d).map((r) => r[0]), k: matrixOf(1, a.d).map((r) => r[0]), a: fc.constant(a) }));

  /**
   * ⟨rope(q̂ at m), rope(k̂ at n)⟩ with q̂ = q/‖q‖, k̂ = k/‖k‖ (zero vectors stay zero): RoPE is
   * linear, so this is the score divided by ‖q‖‖k‖. On unit vectors it lies in [−1, 1], so the
   * absolute part of a tolerance means the same at any input size (even for q ~ 1e-250).
   */
  const unit = (v: number[]) => {
    const r = norm(v);
    return r > 0 ? v.map((x) => x / r) : v;
  };
  const cosineAfterRope = (rope: (x: Matrix, positions: number[], p: RopePairing) => Matrix, q: number[], k: number[], m: number, n: number, p: RopePairing) => {
    const [rq] = rope([unit(q)], [m], p); // (1 × d)
    const [rk] = rope([unit(k)], [n], p); // (1 × d)
    return dot(rq, rk);
  };
  const refRope = (x: Matrix, positions: number[], p: RopePairing) => R.rope(x, { positions, pairing: p });

  it('[course.pe.rope-relative-offset] reference: ⟨rope(q, m), rope(k, n)⟩ = ⟨rope(q, m + s), rope(k, n + s)⟩ for every shift s (both pairings)', () => {
    checkProperty<[Value<typeof offsetArgs>]>('reference RoPE scores depend on n − m only', offsetArgs, ({ q, k, a }) => {
      const base = cosineAfterRope(refRope, q, k, a.m, a.n, a.pairing);
      const shifted = cosineAfterRope(refRope, q, k, a.m + a.shift, a.n + a.shift, a.pairing);
      // float64 angles ≤ 1024 rad: ≤ ~2e-13 per rotated coordinate, on a [−1, 1] scale
      expect(compareNested(shifted, base, EXACT.reference).ok, `${shifted} vs ${base}`).toBe(true);
      // ... and both equal the score of an unrotated query against k rotated by n − m
      if (a.n >= a.m) {
        const relative = dot(unit(q), R.rope([unit(k)], { positions: [a.n - a.m], pairing: a.pairing })[0]);
        expect(compareNested(base, relative, EXACT.reference).ok, `${base} vs ${relative}`).toBe(true); // same float64 rounding scale
      }
    });
  });

  it(`[course.pe.rope-relative-offset] tfjs (${backendReport.choice}): ⟨rope(q, m + s), rope(k, n + s)⟩ matches the reference at (m, n), both pairings`, () => {
    checkProperty<[Value<typeof offsetArgs>]>('tfjs RoPE scores depend on n − m only', offsetArgs, ({ q, k, a }) => {
      const expected = cosineAfterRope(refRope, q, k, a.m, a.n, a.pairing);
      const actual = cosineAfterRope(tfRope, q, k, a.m + a.shift, a.n + a.shift, a.pairing);
      // float32 angles at positions ≤ 1024 err by ≤ 6e-5 rad, on a [−1, 1] scale
      expect(compareNested(actual, expected, TFJS_VS_REFERENCE.rope).ok, `${actual} vs ${expected}`).toBe(true);
    });
  });

  const normArgs = fc
    .record({ n: fc.integer({ min: 1, max: 12 }), d: evenD(2, 32), pairing })
    .chain(({ n, d, pairing: p }) => fc.record({ x: matrixOf(n, d), positions: fc.array(fc.integer({ min: 0, max: 2048 }), { minLength: n, maxLength: n }), pairing: fc.constant(p) }));

  it('[course.pe.rope-preserves-norm] every row keeps its norm (reference and tfjs, both pairings, positions ≤ 2048)', () => {
    checkProperty<[Value<typeof normArgs>]>('RoPE preserves row norms', normArgs, ({ x, positions, pairing: p }) => {
      const before = x.map(norm); // (n)
      const ref = R.rope(x, { positions, pairing: p }).map(norm); // (n)
      const cRef = compareNested(ref, before, EXACT.reference); // ‖x‖ ≤ 23: a few float64 roundings per coordinate
      expect(cRef.ok, cRef.message).toBe(true);
      const tfv = tfRope(x, positions, p).map(norm); // (n), norms taken in float64 of the float32 rows
      const cTf = compareNested(tfv, before, TFJS_VS_REFERENCE.rope); // float32 rotation of |x| ≤ 4
      expect(cTf.ok, cTf.message).toBe(true);
    });
  });
});
