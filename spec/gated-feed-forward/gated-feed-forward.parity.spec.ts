/**
 * gated-feed-forward: parity with PyTorch on fixtures/llm/{swiglu,geglu,geglu-tanh}.safetensors
 * (scripts/export-llm-fixtures.py: GatedMLP with Hugging Face LlamaMLP's names, no biases). First
 * the fixtures' conventions and parameter count (against gatedFeedForwardParameters), then shape,
 * values and gradients through the shared runner (src/ops/parity.ts), then the discrimination
 * check: swapping the gate and up projections (a common porting slip) misses PyTorch by far more
 * than the tolerance. Tolerances: PYTORCH_PARITY, FINITE_DIFFERENCE.
 */
import { describe, expect, it } from 'vitest';
import { nested, referenceParams } from '../../src/core/fixtures.js';
import { gatedFeedForwardParameters } from '../../src/core/parameter-accounting.js';
import type { Matrix } from '../../src/core/shape.js';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import { gatedFeedForward, type GatedFeedForwardParams } from '../../src/reference/gated-feed-forward.js';
import { describeLayerParity, layerFixture } from '../_helpers/layer-parity.js';

const FILES = { 'llm/swiglu': 'silu', 'llm/geglu': 'gelu', 'llm/geglu-tanh': 'gelu-tanh' } as const;

describe('gated-feed-forward: the PyTorch fixtures were exported with the conventions the implementation assumes', () => {
  for (const [file, kind] of Object.entries(FILES)) {
    it(`${file}: GatedMLP, activation ${kind}, gate_proj/up_proj/down_proj without biases; PyTorch's numel = gatedFeedForwardParameters(8, 12)`, () => {
      const f = layerFixture(file);
      expect(f.config.module).toBe('GatedMLP');
      expect(f.config.activation).toBe(kind);
      expect([...f.param.keys()].sort()).toEqual(['down_proj.weight', 'gate_proj.weight', 'up_proj.weight']);
      const numel = [...f.param.values()].reduce((s, t) => s + t.values.length, 0);
      expect(BigInt(numel)).toBe(gatedFeedForwardParameters(f.config.d_model as number, f.config.d_ff as number, false));
    });
  }
});

for (const file of Object.keys(FILES)) describeLayerParity(file);

describe('gated-feed-forward: the parity tolerance rejects a near-miss', () => {
  it('SwiGLU with gate_proj and up_proj swapped (act on the up branch) misses PyTorch by far more than PYTORCH_PARITY.forward', () => {
    const f = layerFixture('llm/swiglu');
    const x = nested(f.input.get('x')!) as Matrix[];
    const p = referenceParams(f.param) as unknown as GatedFeedForwardParams<number>;
    const want = f.output.get('y')!.values;
    const right = compareNested(x.flatMap((xb) => gatedFeedForward(xb, p, 'silu')).flat(), want, PYTORCH_PARITY.forward);
    const swapped = compareNested(x.flatMap((xb) => gatedFeedForward(xb, { ...p, gate_proj: p.up_proj, up_proj: p.gate_proj }, 'silu')).flat(), want, PYTORCH_PARITY.forward);
    expect(right.ok, right.message).toBe(true);
    expect(swapped.ok).toBe(false);
    expect(swapped.maxAbsError).toBeGreaterThan(100 * PYTORCH_PARITY.forward.atol);
  });
});
