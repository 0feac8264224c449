/**
 * rope: parity with PyTorch on fixtures/llm/rope-half-partial.safetensors (split halves: GPT-NeoX,
 * Hugging Face rotate_half; rotary_dim 4 of 8, base 500000, position ids; x of shape B × heads ×
 * T × head_dim) and fixtures/llm/rope-interleaved-partial.safetensors (GPT-J rotate_every_two;
 * rotary_dim 6 of 10), both written by scripts/export-llm-fixtures.py from the formulas. First the
 * fixtures' conventions, then shape, values and gradients (src/ops/parity.ts), then the
 * discrimination check: the other pairing misses PyTorch by far more than the tolerance.
 * Tolerances: PYTORCH_PARITY, FINITE_DIFFERENCE (src/core/tolerance.ts).
 */
import { describe, expect, it } from 'vitest';
import { nested } from '../../src/core/fixtures.js';
import type { Matrix } from '../../src/core/shape.js';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import { ROPE_FIXTURES } from '../../src/ops/registry.js';
import { rope } from '../../src/reference/rope.js';
import { describeLayerParity, layerFixture } from '../_helpers/layer-parity.js';

describe('rope: the PyTorch fixtures were exported with the settings the registry runs them with', () => {
  for (const [file, o] of [['llm/rope-half-partial', ROPE_FIXTURES.half], ['llm/rope-interleaved-partial', ROPE_FIXTURES.interleaved]] as const) {
    it(`${file}: pairing ${o.pairing}, rotaryDim ${o.rotaryDim} < head_dim, position ids, base ${o.base}; no parameters`, () => {
      const f = layerFixture(file);
      expect(f.config.pairing).toBe(o.pairing);
      expect(f.config.rotary_dim).toBe(o.rotaryDim);
      expect(f.config.positions).toEqual(o.positions);
      expect(f.config.theta).toBe(o.base);
      expect(f.config.head_dim as number).toBeGreaterThan(o.rotaryDim);
      expect(f.param.size).toBe(0);
    });
  }
});

describeLayerParity('llm/rope-half-partial');
describeLayerParity('llm/rope-interleaved-partial');

describe('rope: the parity tolerance rejects the other pairing and a full rotation', () => {
  it('split halves computed as interleaved pairs, or with rotaryDim = head_dim, miss PyTorch by far more than PYTORCH_PARITY.forward', () => {
    const f = layerFixture('llm/rope-half-partial');
    const x = nested(f.input.get('x')!) as Matrix[][]; // (B × H × T × d)
    const want = f.output.get('y')!.values;
    const run = (o: object) => x.flatMap((b) => b.flatMap((h) => rope(h, { ...ROPE_FIXTURES.half, ...o }))).flat();
    expect(compareNested(run({}), want, PYTORCH_PARITY.forward).ok).toBe(true);
    for (const nearMiss of [{ pairing: 'interleaved' }, { rotaryDim: 8 }]) {
      const c = compareNested(run(nearMiss), want, PYTORCH_PARITY.forward);
      expect(c.ok, JSON.stringify(nearMiss)).toBe(false);
      expect(c.maxAbsError).toBeGreaterThan(100 * PYTORCH_PARITY.forward.atol);
    }
  });
});
