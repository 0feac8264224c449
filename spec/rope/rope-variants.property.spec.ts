/**
 * RoPE variants (issue 15, item 5), as properties over random inputs, on the float64 reference
 * and tfjs:
 *
 *   pairing     rope(P x, 'half') = P rope(x, 'interleaved'), P = ropePermutation(d, r): the
 *               GPT-J and GPT-NeoX / HF rotate_half layouts are one rotation, dimensions permuted
 *   rotaryDim   dimensions r … d−1 pass through unchanged; the first r are RoPE of width r
 *   positions   row t is rotated by its own position id: rope(x, ids)[t] = rope([x_t], [ids_t])
 *   tables      rope(x, { tables: cos/sin of p·θ }) = rope(x, { positions: p, base })
 *   base        θ_i = base^{−2i/r}: 10000 by default, 500000 for LLaMA 3
 *   errors      rotaryDim odd, > d or < 2, tables of the wrong shape, tables with positions: named
 *
 * Shapes: x (n × d) on the reference, (… × n × d) on tfjs; cos and sin (n × r/2).
 * Tolerances: EXACT (reference identities: the same float64 operations), TFJS_VS_REFERENCE.rope.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RangeArgumentError, ShapeError, ArgumentError } from '../../src/core/errors.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import { ropePermutation, ROPE_DEFAULTS, type RopeOptions, type RopePairing } from '../../src/reference/rope.js';
import * as T from '../../src/tfjs/index.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

type Matrix = number[][];
type Value<A> = A extends fc.Arbitrary<infer V> ? V : never;

const value = fc.double({ min: -4, max: 4, noNaN: true });
const matrixOf = (rows: number, cols: number): fc.Arbitrary<Matrix> => fc.array(fc.array(value, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
const pairing = fc.constantFrom<RopePairing>('interleaved', 'half');
/** n rows of width d with an even rotaryDim r ≤ d, position ids and a base. */
const args = fc
  .record({ n: fc.integer({ min: 1, max: 8 }), half: fc.integer({ min: 1, max: 8 }), extra: fc.integer({ min: 0, max: 5 }), base: fc.constantFrom(10_000, 500_000, 100) })
  .chain(({ n, half, extra, base }) =>
    fc.record({ x: matrixOf(n, 2 * half + extra), r: fc.constant(2 * half), positions: fc.array(fc.integer({ min: 0, max: 4096 }), { minLength: n, maxLength: n }), base: fc.constant(base), pairing }),
  );

const permute = (row: number[], perm: number[]) => perm.map((j) => row[j]);
const tfRope = (x: Matrix, o: RopeOptions): Matrix => tf.tidy(() => T.rope(tf.tensor2d(x), o).arraySync() as Matrix);

describe('RoPE pairings: interleaved (GPT-J) and split halves (GPT-NeoX, HF rotate_half) are one rotation up to a fixed permutation', () => {
  it('reference: rope(P x, half) = P rope(x, interleaved), exactly, for partial rotation too', () => {
    checkProperty<[Value<typeof args>]>('pairings equal up to P', args, ({ x, r, positions, base }) => {
      const perm = ropePermutation(x[0].length, r);
      const left = R.rope(x.map((row) => permute(row, perm)), { positions, base, rotaryDim: r, pairing: 'half' });
      const right = R.rope(x, { positions, base, rotaryDim: r, pairing: 'interleaved' }).map((row) => permute(row, perm));
      expect(compareNested(left, right, EXACT.reference).ok).toBe(true);
    });
  });

  it(`tfjs (${backendReport.choice}): the same identity, within the float32 bound of the reference`, () => {
    checkProperty<[Value<typeof args>]>('tfjs pairings equal up to P', args, ({ x, r, positions, base }) => {
      const perm = ropePermutation(x[0].length, r);
      const left = tfRope(x.map((row) => permute(row, perm)), { positions, base, rotaryDim: r, pairing: 'half' });
      const right = tfRope(x, { positions, base, rotaryDim: r, pairing: 'interleaved' }).map((row) => permute(row, perm));
      const c = compareNested(left, right, TFJS_VS_REFERENCE.rope);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('the permutation is not the identity: with d ≥ 4 the two pairings give different results (the near-miss is caught)', () => {
    const x = [[1, 2, 3, 4]];
    const a = R.rope(x, { positions: [1], pairing: 'interleaved' });
    const b = R.rope(x, { positions: [1], pairing: 'half' });
    expect(compareNested(a, b, TFJS_VS_REFERENCE.rope).ok).toBe(false);
    expect(ropePermutation(6, 4)).toEqual([0, 2, 1, 3, 4, 5]);
  });
});

describe('partial rotation (rotaryDim < d: GPT-J, Pythia, Phi)', () => {
  it('reference and tfjs: dimensions r … d−1 pass through unchanged; the first r are RoPE of width r', () => {
    checkProperty<[Value<typeof args>]>('unrotated dims pass through', args, ({ x, r, positions, base, pairing: p }) => {
      const o = { positions, base, rotaryDim: r, pairing: p };
      expect(R.rope(x, o).map((row) => row.slice(r))).toEqual(x.map((row) => row.slice(r))); // bit for bit
      expect(tfRope(x, o).map((row) => row.slice(r))).toEqual(x.map((row) => row.slice(r).map(Math.fround))); // float32 of the input, bit for bit
      const ref = R.rope(x, o);
      expect(y0(ref.map((row) => row.slice(0, r)), R.rope(x.map((row) => row.slice(0, r)), { positions, base, pairing: p }))).toBe(true);
    });
  });
});

const y0 = (a: Matrix, b: Matrix) => compareNested(a, b, EXACT.reference).ok;

describe('explicit position ids, cos/sin tables, base θ', () => {
  it('reference: row t is rotated by its own position id (ids need not be 0 … n−1, sorted or distinct)', () => {
    checkProperty<[Value<typeof args>]>('position ids per row', args, ({ x, r, positions, base, pairing: p }) => {
      const whole = R.rope(x, { positions, base, rotaryDim: r, pairing: p });
      const rowByRow = x.map((row, t) => R.rope([row], { positions: [positions[t]], base, rotaryDim: r, pairing: p })[0]);
      expect(y0(whole, rowByRow)).toBe(true);
    });
  });

  it('reference and tfjs: tables { cos, sin } of p·θ_i give the rotation that positions and base give', () => {
    checkProperty<[Value<typeof args>]>('tables equal positions+base', args, ({ x, r, positions, base, pairing: p }) => {
      const theta = Array.from({ length: r / 2 }, (_, i) => 1 / Math.pow(base, (2 * i) / r));
      const tables = { cos: positions.map((q) => theta.map((w) => Math.cos(q * w))), sin: positions.map((q) => theta.map((w) => Math.sin(q * w))) };
      const want = R.rope(x, { positions, base, rotaryDim: r, pairing: p });
      expect(y0(R.rope(x, { tables, rotaryDim: r, pairing: p }), want)).toBe(true);
      const c = compareNested(tfRope(x, { tables, rotaryDim: r, pairing: p }), want, TFJS_VS_REFERENCE.rope);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('base θ: 10000 by default; at 500000 (LLaMA 3) pair 1 of d = 4 turns by p/√500000 (worked by hand)', () => {
    expect(ROPE_DEFAULTS.base).toBe(10000);
    expect(ROPE_DEFAULTS.pairing).toBe('interleaved');
    // d = 4, half pairing: pairs (0, 2) with θ_0 = 1 and (1, 3) with θ_1 = 500000^(−2/4) = 1/707.10678…
    // x = [0, 1, 0, 0] at p = 1000: (x_1, x_3) = (1, 0) turns by 1000/707.10678 = 1.41421356 rad → (cos, sin) = (0.15594369, 0.98776595)
    const [y] = R.rope([[0, 1, 0, 0]], { positions: [1000], base: 500_000, pairing: 'half' });
    expect(compareNested(y, [0, 0.15594369476537437, 0, 0.9877659459927356], EXACT.reference).ok, String(y)).toBe(true);
    const [dflt] = R.rope([[0, 1, 0, 0]], { positions: [1000], pairing: 'half' }); // θ_1 = 1/100: 10 rad
    expect(compareNested(dflt, [0, Math.cos(10), 0, Math.sin(10)], EXACT.reference).ok).toBe(true);
  });

  it(`tfjs (${backendReport.choice}): leading batch and head axes share the positions (x of shape B × H × n × d)`, () => {
    const x = [[[[1, 2, 3, 4, 5], [0.5, -1, 2, 0, 1]]], [[[-1, 0, 1, 2, 3], [4, 3, 2, 1, 0]]]]; // (2 × 1 × 2 × 5)
    const o: RopeOptions = { positions: [7, 3], rotaryDim: 4, pairing: 'half', base: 500_000 };
    const got = tf.tidy(() => T.rope(tf.tensor4d(x), o).arraySync()) as number[][][][];
    x.forEach((b, i) => b.forEach((h, j) => expect(compareNested(got[i][j], R.rope(h, o), TFJS_VS_REFERENCE.rope).ok).toBe(true)));
  });
});

describe('RoPE: bad arguments get named errors on both implementations', () => {
  const x = [[1, 2, 3, 4, 5, 6]];
  const cases: Array<[string, RopeOptions, new (...a: never[]) => Error, RegExp]> = [
    ['rotaryDim odd', { rotaryDim: 3 }, RangeArgumentError, /rotaryDim = 3 is odd/],
    ['rotaryDim > d', { rotaryDim: 8 }, RangeArgumentError, /rotaryDim = 8 is larger than the head dimension d = 6/],
    ['rotaryDim 0', { rotaryDim: 0 }, RangeArgumentError, /rotaryDim must be an even integer ≥ 2/],
    ['tables of the wrong width', { tables: { cos: [[1, 1]], sin: [[0, 0]] } }, ShapeError, /tables.cos must be \(1 × 3\)/],
    ['tables and positions', { tables: { cos: [[1, 1, 1]], sin: [[0, 0, 0]] }, positions: [0] }, ArgumentError, /either tables/],
    ['unknown pairing', { pairing: 'neox' as RopePairing }, ArgumentError, /pairing must be 'interleaved' \(GPT-J\) or 'half'/],
  ];
  for (const [what, o, Err, msg] of cases) {
    it(`${what}: ${Err.name} on the reference and on tfjs`, () => {
      expect(() => R.rope(x, o)).toThrow(Err);
      expect(() => R.rope(x, o)).toThrow(msg);
      const before = tf.memory().numTensors;
      const t = tf.tensor2d(x);
      expect(() => T.rope(t, o)).toThrow(msg);
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
