/**
 * layer-norm: parity with PyTorch on fixtures/layers/layer-norm.safetensors (nn.LayerNorm, written
 * only by scripts/export-fixtures.py): output shape, forward values, and every gradient — tfjs by
 * tf.grads, the float64 reference by central differences (spec/_helpers/layer-parity.ts, the runner
 * `npm run parity` shares). Tolerances: PYTORCH_PARITY, FINITE_DIFFERENCE (src/core/tolerance.ts).
 */
import { describe, expect, it } from 'vitest';
import { describeLayerParity, layerFixture } from '../_helpers/layer-parity.js';

describe('layer-norm: the PyTorch fixture was exported with the conventions the implementation assumes', () => {
  it('nn.LayerNorm: parameters weight (γ) and bias (β) of the feature width, γ and β perturbed off 1 and 0 so a missing one would show', () => {
    const f = layerFixture('layer-norm');
    expect([...f.param.keys()].sort()).toEqual(['bias', 'weight']);
    const C = f.input.get('x')!.shape.at(-1);
    expect(f.param.get('weight')!.shape).toEqual([C]);
    expect(f.param.get('weight')!.values.some((g) => g !== 1)).toBe(true);
    expect(f.param.get('bias')!.values.some((b) => b !== 0)).toBe(true);
  });
});

describeLayerParity('layer-norm');
