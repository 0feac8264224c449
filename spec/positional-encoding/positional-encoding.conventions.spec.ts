/**
 * Positional encodings at huge positions, run by `npx vitest run spec/positional-encoding` itself
 * (tested before only in spec/errors/numerics.spec.ts, rule 3d): angles pos·θ are formed in float64
 * on the host (src/core/angle-tables.ts) and rounded once, so tfjs equals the reference within
 * TFJS_VS_REFERENCE.rope / .positionalEncoding at positions 10⁷…10¹²; forming pos·θ in float32
 * would miss by far more (the discrimination below). Shapes: x (n × d), positions (n).
 */
import { describe, expect, it } from 'vitest';
import { compareNested, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { tfjsImpl } from '../../src/ops/implementations.js';
import * as R from '../../src/reference/index.js';
import { backendReport } from '../_helpers/setup.js';

const tfImpl = tfjsImpl(backendReport);

describe(`positional encodings at huge positions: tfjs (${backendReport.choice}) = the reference's float64 angles rounded once`, () => {
  it('RoPE, d = 64, positions 10⁷, 10⁸, 10¹²: within TFJS_VS_REFERENCE.rope; float32 angles at 10⁷ are rejected by the same bound', async () => {
    const x = [Array.from({ length: 64 }, (_, i) => Math.sin(i + 1))];
    for (const p of [1e7, 1e8, 1e12]) {
      const c = compareNested(await tfImpl.rope(x, { positions: [p] }), R.rope(x, { positions: [p] }), TFJS_VS_REFERENCE.rope);
      expect(c.ok, `position ${p}: ${c.message}`).toBe(true);
    }
    const theta = Array.from({ length: 32 }, (_, i) => 1 / Math.pow(10000, (2 * i) / 64));
    const float32Angles = x.map((row) => {
      const out = [...row];
      theta.forEach((t, i) => {
        const a = Math.fround(Math.fround(1e7) * Math.fround(t));
        [out[2 * i], out[2 * i + 1]] = [row[2 * i] * Math.cos(a) - row[2 * i + 1] * Math.sin(a), row[2 * i] * Math.sin(a) + row[2 * i + 1] * Math.cos(a)];
      });
      return out;
    });
    expect(compareNested(float32Angles, R.rope(x, { positions: [1e7] }), TFJS_VS_REFERENCE.rope).ok).toBe(false);
  });

  it('the sinusoidal encoding at positions 10⁸ and 123456789, d = 16: within TFJS_VS_REFERENCE.positionalEncoding', async () => {
    const c = compareNested(await tfImpl.sinusoidalEncoding([1e8, 123456789], 16), R.sinusoidalEncoding([1e8, 123456789], 16), TFJS_VS_REFERENCE.positionalEncoding);
    expect(c.ok, c.message).toBe(true);
  });
});
