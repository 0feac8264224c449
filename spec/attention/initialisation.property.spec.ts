/**
 * Glorot/Xavier initialisation keeps activation variance (interview deck, "How weight are
 * decided"): for a square layer of width n, Var(W_ij) = 1/n, so y = xW has the variance of x.
 */
import { describe, expect, it } from 'vitest';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import { glorotUniform, matMul } from '../../src/reference/index.js';
import { variance, flat } from '../../src/claims/types.js';
import { checkProperty, fc } from '../_helpers/property.js';

describe('Glorot initialisation (reference)', () => {
  it('[interview.attention.glorot-keeps-variance] Var(xW)/Var(x) ≈ 1 for square Glorot layers of any width and seed', () => {
    checkProperty(
      'glorot keeps variance',
      fc.integer({ min: 64, max: 160 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (width, seed) => {
        const rng = seededRng(seed);
        const x = randomMatrix(rng, 64, width);
        const ratio = variance(flat(matMul(x, glorotUniform(width, width, rng)))) / variance(flat(x));
        // Sampling spread of the ratio: the column sums Σ_i W_ij² have relative sd √(4/5)/√n ≤ 0.112
        // at n = 64, averaged over n columns and 64 rows of x; 0.15 is ≥ 5 standard deviations away.
        expect(Math.abs(ratio - 1)).toBeLessThan(0.15);
      },
      { numRuns: 25 }, // each case multiplies 64×n by n×n in plain JS; 25 widths/seeds cover the range
    );
  });

  it('bounds of the uniform draw are ±√(6/(fan_in + fan_out)) and bad fan sizes are refused', () => {
    const w = glorotUniform(30, 10, seededRng(1));
    const a = Math.sqrt(6 / 40);
    expect(Math.max(...flat(w).map(Math.abs))).toBeLessThanOrEqual(a);
    expect(Math.max(...flat(w).map(Math.abs))).toBeGreaterThan(0.9 * a);
    expect(() => glorotUniform(0, 3, seededRng(1))).toThrow(/fanIn must be an integer ≥ 1/);
  });
});
