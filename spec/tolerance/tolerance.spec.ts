/**
 * The tolerance policy (src/core/tolerance.ts), in two parts:
 *
 * 1. Unit specs of its semantics: |actual − expected| ≤ atol + rtol·|expected|; NaN is close only
 *    to NaN; an infinity only to the same infinity; printed numbers hold to half a unit in their
 *    last printed place.
 * 2. Discrimination specs: each per-op bound of TFJS_VS_REFERENCE accepts the tfjs value of the
 *    right formula and REJECTS a known near-miss (missing 1/√d_k, 1/d_k instead of 1/√d_k, softmax
 *    over the wrong axis, sin/cos swapped in PE, RoPE with the other pairing). A bound that passed
 *    the near-miss too would prove nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { approximateRange } from '../../src/core/tolerance.js';
import { criterionReason, criterionText, documentSays } from '../../src/core/check-text.js';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import {
  compareNested,
  EXACT,
  isClose,
  matchesPrinted,
  PRINTED_SLACK,
  printedDecimals,
  printedTolerance,
  REFERENCE_VS_HIGH_PRECISION,
  TFJS_VS_REFERENCE,
  tol,
} from '../../src/core/tolerance.js';
import * as R from '../../src/reference/index.js';
import type { RopePairing } from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

type Matrix = number[][];
/** The value type of an arbitrary (checkProperty cannot infer its type arguments, so specs spell them out). */
type Value<A> = A extends fc.Arbitrary<infer V> ? V : never;

// ---------------------------------------------------------------------------------------------

describe('isClose: |actual − expected| ≤ atol + rtol·|expected|', () => {
  const t = { atol: 1e-6, rtol: 1e-3 };

  it('accepts exactly at the bound and rejects just beyond it', () => {
    expect(isClose(1 + 1e-6 + 1e-3 * 1 - 1e-12, 1, t)).toBe(true);
    expect(isClose(1 + 1.01e-3, 1, t)).toBe(false);
    expect(isClose(0.5e-6, 0, t)).toBe(true); // atol alone near zero
    expect(isClose(2e-6, 0, t)).toBe(false);
  });

  it('the relative part scales with |expected|, not |actual|', () => {
    expect(isClose(1000.9, 1000, t)).toBe(true); // allowed 1e-6 + 1.0
    expect(isClose(1000, 1000.9, t)).toBe(true); // allowed 1e-6 + 1.0009
    expect(isClose(0, 1, t)).toBe(false);
    expect(isClose(1, 0, t)).toBe(false); // |expected| = 0: only atol
  });

  it('NaN is close only to NaN', () => {
    expect(isClose(NaN, NaN, t)).toBe(true);
    expect(isClose(NaN, 0, t)).toBe(false);
    expect(isClose(0, NaN, t)).toBe(false);
    expect(isClose(NaN, Infinity, t)).toBe(false);
    expect(isClose(Infinity, NaN, t)).toBe(false);
    // even an infinite tolerance does not make NaN close to a number
    expect(isClose(NaN, 1, { atol: Infinity, rtol: Infinity })).toBe(false);
  });

  it('infinities must match in sign, and are never close to a finite number', () => {
    expect(isClose(Infinity, Infinity, t)).toBe(true);
    expect(isClose(-Infinity, -Infinity, t)).toBe(true);
    expect(isClose(Infinity, -Infinity, t)).toBe(false);
    expect(isClose(-Infinity, Infinity, t)).toBe(false);
    expect(isClose(1e308, Infinity, t)).toBe(false);
    expect(isClose(Infinity, 1e308, { atol: Infinity, rtol: 0 })).toBe(false);
    expect(isClose(-Infinity, -1e308, t)).toBe(false);
  });

  it('+0 and −0 are the same value', () => {
    expect(isClose(-0, 0, { atol: 0, rtol: 0 })).toBe(true);
  });

  it('tol() keeps the bound together with its reason', () => {
    expect(tol(1e-3, 0, 'why')).toEqual({ atol: 1e-3, rtol: 0, reason: 'why' });
  });
});

describe('compareNested: element-wise, equal shapes, worst element reported', () => {
  const t = EXACT.reference;

  it('equal nested arrays are close, with zero error', () => {
    const r = compareNested([[1, 2], [3, 4]], [[1, 2], [3, 4]], t);
    expect(r).toMatchObject({ ok: true, maxAbsError: 0, message: 'close' });
  });

  it('reports the largest error and the index path of the worst element', () => {
    const r = compareNested([[1, 2.5], [3, 4.1]], [[1, 2], [3, 4]], t);
    expect(r.ok).toBe(false);
    expect(r.maxAbsError).toBeCloseTo(0.5, 12);
    expect(r.worst).toEqual([0, 1]);
    expect(r.message).toContain('at [0,1]');
  });

  it('a shape difference is never close, whatever the tolerance', () => {
    const huge = { atol: Infinity, rtol: Infinity };
    expect(compareNested([1, 2], [1, 2, 3], huge)).toMatchObject({ ok: false, maxAbsError: Infinity });
    expect(compareNested([[1, 2]], [1, 2], huge).ok).toBe(false); // array where a scalar was expected
    expect(compareNested([1, 2], [[1], [2]], huge).ok).toBe(false); // scalar where an array was expected
    expect(compareNested([1, 2], [1, 2, 3], huge).message).toContain('expected length 3');
  });

  it('NaN matches NaN element-wise; NaN against a number counts as an infinite error', () => {
    expect(compareNested([NaN, 1], [NaN, 1], t)).toMatchObject({ ok: true, maxAbsError: 0 });
    const r = compareNested([NaN, 1], [0, 1], t);
    expect(r).toMatchObject({ ok: false, maxAbsError: Infinity, worst: [0] });
  });

  it('infinities element-wise: same sign matches, opposite sign fails', () => {
    expect(compareNested([Infinity, -Infinity], [Infinity, -Infinity], t).ok).toBe(true);
    expect(compareNested([Infinity], [-Infinity], t).ok).toBe(false);
  });

  it('scalars compare as scalars', () => {
    expect(compareNested(1, 1 + 1e-15, t).ok).toBe(true);
    expect(compareNested(1, 1.1, t).ok).toBe(false);
  });
});

describe('printed precision: a printed number holds when the exact value rounds to it', () => {
  it('printedDecimals counts the printed digits after the point', () => {
    expect(printedDecimals('0.42')).toBe(2);
    expect(printedDecimals('1.0')).toBe(1);
    expect(printedDecimals('6.436')).toBe(3);
    expect(printedDecimals('1')).toBe(0);
    expect(printedDecimals('-0.155')).toBe(3);
    expect(printedDecimals('+2.50')).toBe(2); // a trailing zero is a printed digit
    expect(printedDecimals(' 0.5 ')).toBe(1);
    expect(printedDecimals('.5')).toBe(1);
  });

  it('printedDecimals rejects text that is not a plain decimal', () => {
    for (const bad of ['abc', '1e-3', '0.4.2', '', '-', '+', '.', '1,5', 'NaN']) expect(() => printedDecimals(bad)).toThrow(/not a printed decimal/);
  });

  it('printedTolerance is half a unit in the last printed place plus the float slack', () => {
    expect(printedTolerance('0.42', 0).atol).toBeCloseTo(0.005, 15);
    expect(printedTolerance('1', 0).atol).toBe(0.5);
    expect(printedTolerance('6.436', 1e-6).atol).toBeCloseTo(0.0005 + 1e-6, 15);
    expect(printedTolerance('0.42', 0).rtol).toBe(0);
    expect(printedTolerance('0.42', 0).reason).toContain('2 decimals');
    expect(printedTolerance('0.5', 0).reason).toContain('1 decimal:');
  });

  it('matchesPrinted: "0.42" holds for values that round to 0.42 and fails otherwise', () => {
    const slack = PRINTED_SLACK.reference;
    expect(matchesPrinted(0.42, '0.42', slack)).toBe(true);
    expect(matchesPrinted(0.4249, '0.42', slack)).toBe(true);
    expect(matchesPrinted(0.4151, '0.42', slack)).toBe(true);
    expect(matchesPrinted(0.4251, '0.42', slack)).toBe(false);
    expect(matchesPrinted(0.4149, '0.42', slack)).toBe(false);
    // the same value printed with more decimals is held to more digits
    expect(matchesPrinted(0.4249, '0.420', slack)).toBe(false);
    expect(matchesPrinted(0.4204, '0.420', slack)).toBe(true);
    // "1.0" demands 0.95 ≤ x ≤ 1.05; "1" only 0.5 ≤ x ≤ 1.5
    expect(matchesPrinted(1.04, '1.0', slack)).toBe(true);
    expect(matchesPrinted(1.06, '1.0', slack)).toBe(false);
    expect(matchesPrinted(1.4, '1', slack)).toBe(true);
    expect(matchesPrinted(NaN, '0.42', slack)).toBe(false);
  });

  it('the float slack widens the band only by the slack', () => {
    expect(matchesPrinted(0.425 + 5e-7, '0.42', PRINTED_SLACK.tfjs)).toBe(true); // within 0.005 + 1e-6
    expect(matchesPrinted(0.425 + 2e-6, '0.42', PRINTED_SLACK.tfjs)).toBe(false);
  });
});

describe('the policy table', () => {
  it('every bound is non-negative, finite, and states its reason', () => {
    const entries = [
      ...Object.entries(TFJS_VS_REFERENCE),
      ...Object.entries(EXACT),
      ['REFERENCE_VS_HIGH_PRECISION', REFERENCE_VS_HIGH_PRECISION] as const,
    ];
    for (const [name, t] of entries) {
      expect(Number.isFinite(t.atol) && t.atol >= 0, name).toBe(true);
      expect(Number.isFinite(t.rtol) && t.rtol >= 0, name).toBe(true);
      expect(t.reason.length, `${name} has no reason`).toBeGreaterThan(10);
    }
  });

  it('the oracle comparisons are tighter than float32 ones', () => {
    expect(REFERENCE_VS_HIGH_PRECISION.atol).toBeLessThan(TFJS_VS_REFERENCE.default.atol);
    expect(EXACT['high-precision'].atol).toBeLessThan(EXACT.reference.atol);
    expect(EXACT.reference.atol).toBeLessThan(EXACT.tfjs.atol);
  });
});

// ---------------------------------------------------------------------------------------------
// Discrimination: the right tfjs formula passes, the near-miss fails, on generic random inputs.

/** Gaussian inputs from a seed: generic, so a near-miss cannot pass by accident (e.g. on all zeros). */
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const tfArray = (f: () => tf.Tensor): Matrix => tf.tidy(() => f().arraySync() as Matrix);

describe(`discrimination: each TFJS_VS_REFERENCE bound rejects a known near-miss (tfjs on ${backendReport.choice})`, () => {
  it('attention: leaving out 1/√d_k (scale: false) is rejected; the scaled tfjs output is accepted', () => {
    checkProperty<[Value<typeof seed>]>('attention bound rejects the unscaled near-miss', seed, (s) => {
      const rng = seededRng(s);
      const [q, k, v] = [randomMatrix(rng, 6, 16), randomMatrix(rng, 6, 16), randomMatrix(rng, 6, 8)]; // d_k = 16: factor 1/4
      const truth = R.scaledDotProductAttention(q, k, v); // (6 × 8)
      const [tq, tk, tv] = [q, k, v].map((m) => tf.tensor2d(m));
      const right = tfArray(() => T.scaledDotProductAttention(tq, tk, tv));
      const unscaled = tfArray(() => T.scaledDotProductAttention(tq, tk, tv, { scale: false }));
      tf.dispose([tq, tk, tv]);
      expect(compareNested(right, truth, TFJS_VS_REFERENCE.attention).ok).toBe(true); // two matmuls + softmax in float32
      expect(compareNested(unscaled, truth, TFJS_VS_REFERENCE.attention).ok).toBe(false);
    });
  });

  it('attention: the factor 1/d_k in place of 1/√d_k is rejected', () => {
    checkProperty<[Value<typeof seed>]>('attention bound rejects the 1/d_k near-miss', seed, (s) => {
      const rng = seededRng(s);
      const dK = 16; // 1/d_k = 1/16 against 1/√d_k = 1/4
      const [q, k, v] = [randomMatrix(rng, 6, dK), randomMatrix(rng, 6, dK), randomMatrix(rng, 6, 8)];
      const truth = R.scaledDotProductAttention(q, k, v); // (6 × 8)
      const [tq, tk, tv] = [q, k, v].map((m) => tf.tensor2d(m));
      const right = tfArray(() => T.scaledDotProductAttention(tq, tk, tv, { scale: 1 / Math.sqrt(dK) }));
      const byDk = tfArray(() => T.scaledDotProductAttention(tq, tk, tv, { scale: 1 / dK }));
      tf.dispose([tq, tk, tv]);
      expect(compareNested(right, truth, TFJS_VS_REFERENCE.attention).ok).toBe(true); // (6 × 8): float32 matmuls + softmax
      expect(compareNested(byDk, truth, TFJS_VS_REFERENCE.attention).ok).toBe(false);
    });
  });

  it('softmax: normalising columns (axis 0) instead of rows (axis −1) is rejected', () => {
    checkProperty<[Value<typeof seed>]>('softmax bound rejects the wrong axis', seed, (s) => {
      const x = randomMatrix(seededRng(s), 6, 6); // square, so both axes give the same shape
      const truth = R.softmax(x, -1); // (6 × 6)
      const t = tf.tensor2d(x);
      const right = tfArray(() => T.softmax(t, -1));
      const wrongAxis = tfArray(() => T.softmax(t, 0));
      t.dispose();
      expect(compareNested(right, truth, TFJS_VS_REFERENCE.softmax).ok).toBe(true); // exp + one division in float32
      expect(compareNested(wrongAxis, truth, TFJS_VS_REFERENCE.softmax).ok).toBe(false);
    });
  });

  it('positional encoding: sin and cos swapped within each pair is rejected, at every size', () => {
    const args = fc.record({ n: fc.integer({ min: 1, max: 64 }), half: fc.integer({ min: 1, max: 16 }) });
    checkProperty<[Value<typeof args>]>('PE bound rejects sin/cos swapped', args, ({ n, half }) => {
      const d = 2 * half;
      const truth = R.sinusoidalEncoding(n, d); // (n × d)
      const right = tfArray(() => T.sinusoidalEncoding(n, d)); // (n × d)
      const swapped = right.map((row) => row.map((_, j) => row[j ^ 1])); // columns 2i ↔ 2i+1: cos first
      expect(compareNested(right, truth, TFJS_VS_REFERENCE.positionalEncoding).ok).toBe(true); // float64 angles, float32 values
      // position 0 alone already differs by 1 (sin 0 = 0 vs cos 0 = 1)
      expect(compareNested(swapped, truth, TFJS_VS_REFERENCE.positionalEncoding).ok).toBe(false);
    });
  });

  it('RoPE: the other pairing (interleaved ↔ half) is rejected, both ways', () => {
    const args = fc.record({ s: seed, pairing: fc.constantFrom<RopePairing>('interleaved', 'half') });
    checkProperty<[Value<typeof args>]>('RoPE bound rejects the other pairing', args, ({ s, pairing }) => {
      const x = randomMatrix(seededRng(s), 8, 8); // (8 × 8): positions 0 … 7, four pairs
      const other: RopePairing = pairing === 'interleaved' ? 'half' : 'interleaved';
      const truth = R.rope(x, { pairing }); // (8 × 8)
      const t = tf.tensor2d(x);
      const right = tfArray(() => T.rope(t, { pairing }));
      const wrong = tfArray(() => T.rope(t, { pairing: other }));
      t.dispose();
      expect(compareNested(right, truth, TFJS_VS_REFERENCE.rope).ok).toBe(true); // float64 angles, float32 rotation
      expect(compareNested(wrong, truth, TFJS_VS_REFERENCE.rope).ok).toBe(false);
    });
  });

  it('multi-head attention: dropping 1/√d_k inside the heads is rejected by the looser MHA bound too', () => {
    checkProperty<[Value<typeof seed>]>('MHA bound rejects the unscaled near-miss', seed, (s) => {
      const rng = seededRng(s);
      const x = randomMatrix(rng, 5, 8); // (5 × 8)
      const params = { wQ: randomMatrix(rng, 8, 8, 0.5), wK: randomMatrix(rng, 8, 8, 0.5), wV: randomMatrix(rng, 8, 8, 0.5), wO: randomMatrix(rng, 8, 4, 0.5) };
      const truth = R.multiHeadAttention(x, x, params, { nHeads: 2 }).output; // (5 × 4); d_k = 4
      const run = (scale: boolean) =>
        tf.tidy(() => {
          const xt = tf.tensor2d(x);
          const p = { wQ: tf.tensor2d(params.wQ), wK: tf.tensor2d(params.wK), wV: tf.tensor2d(params.wV), wO: tf.tensor2d(params.wO) };
          return T.multiHeadAttention(xt, xt, p, { nHeads: 2, scale }).output.arraySync() as Matrix;
        });
      expect(compareNested(run(true), truth, TFJS_VS_REFERENCE.multiHeadAttention).ok).toBe(true); // projections + attention chained
      expect(compareNested(run(false), truth, TFJS_VS_REFERENCE.multiHeadAttention).ok).toBe(false);
    });
  });
});

describe('round figures and who said what (golden/README.md, rules 1–2)', () => {
  it('a round figure stands for half a unit of its last significant digit either side', () => {
    expect(approximateRange(30_000)).toEqual([25_000, 35_000]);
    expect(approximateRange(200_000)).toEqual([150_000, 250_000]);
    expect(approximateRange(150_000_000)).toEqual([145_000_000, 155_000_000]);
    expect(approximateRange(1)).toEqual([0.5, 1.5]);
    expect(approximateRange(256_000)).toEqual([255_500, 256_500]);
    expect(() => approximateRange(0.1)).toThrow(/positive integers/);
  });

  it('a printed value is the document\'s unless marked derived; a bound is a criterion, never the document\'s value', () => {
    expect(documentSays({ label: 'a', expect: { printed: ['0.58', '0.85'] } })).toBe('[0.58, 0.85]');
    expect(documentSays({ label: 'a', derived: true, expect: { printed: '6.437' } })).toBeNull();
    expect(documentSays({ label: 'a', expect: { atMost: 1e-12, float32: 1e-6 } })).toBeNull();
    expect(documentSays({ label: 'a', document: 'X ∈ R^(4×512)', expect: { shape: [4, 512] } })).toBe('X ∈ R^(4×512)');
    expect(criterionReason({ label: 'a', expect: { atMost: 0.3 } })).toBeNull();
    expect(criterionReason({ label: 'a', expect: { atMost: 1e-12, float32: 1e-6 } })).toMatch(/float64 rounding.*float32 bound 0.000001/);
    expect(criterionText({ printed: '0.42' })).toBe('rounds to 0.42 at the printed precision');
  });
});
