/**
 * rms-norm: parity with PyTorch on fixtures/layers/rms-norm.safetensors, which only
 * scripts/export-fixtures.py writes (its RMSNorm module is written by hand there: torch 1.13 has
 * none). First the fixture's conventions (the module and its constructor arguments are the ones
 * the implementation assumes), then — through the shared runner of src/ops/parity.ts, as
 * `npm run parity` — output shape, forward values, and every gradient (tfjs by tf.grads; the
 * float64 reference by central differences). Last, a discrimination check: the near-miss
 * "LayerNorm instead of RMSNorm" (re-centring the token) is rejected by the same tolerance.
 * Tolerances: PYTORCH_PARITY and FINITE_DIFFERENCE (src/core/tolerance.ts).
 */
import { describe, expect, it } from 'vitest';
import { nested, referenceParams } from '../../src/core/fixtures.js';
import type { Matrix } from '../../src/core/shape.js';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import { layerNorm } from '../../src/reference/layer-norm.js';
import { RMS_NORM_EPS, rmsNorm } from '../../src/reference/rms-norm.js';
import { describeLayerParity, layerFixture } from '../_helpers/layer-parity.js';

describe('rms-norm: the PyTorch fixture was exported with the conventions the implementation assumes', () => {
  it('module RMSNorm(8), ε = 1e-6 under the root (RMS_NORM_EPS), one parameter "weight" (C) and no bias', () => {
    const f = layerFixture('rms-norm');
    expect(f.config.module).toBe('RMSNorm');
    expect(f.config.eps).toBe(RMS_NORM_EPS);
    expect(f.config.bias).toBe(false);
    expect(f.config.normalized_shape).toEqual([8]);
    expect([...f.param.keys()]).toEqual(['weight']);
    expect(f.param.get('weight')!.shape).toEqual([8]);
    expect(f.param.get('weight')!.values.some((g) => g !== 1), 'γ perturbed off 1, so a missing γ would show').toBe(true);
  });
});

describeLayerParity('rms-norm');

describe('rms-norm: the parity tolerance rejects a known near-miss', () => {
  it('LayerNorm with the same γ, β = 0 and ε (it subtracts each token\'s mean) misses PyTorch\'s RMSNorm by far more than PYTORCH_PARITY.forward', () => {
    const f = layerFixture('rms-norm');
    const x = nested(f.input.get('x')!) as Matrix[]; // (B × T × C), features shifted off mean 0
    const { weight } = referenceParams(f.param) as { weight: number[] };
    const want = f.output.get('y')!.values;
    const right = compareNested(x.flatMap((xb) => rmsNorm(xb, { weight })).flat(), want, PYTORCH_PARITY.forward);
    const nearMiss = compareNested(x.flatMap((xb) => layerNorm(xb, { weight, bias: weight.map(() => 0) }, RMS_NORM_EPS)).flat(), want, PYTORCH_PARITY.forward);
    expect(right.ok, right.message).toBe(true);
    expect(nearMiss.ok, 'LayerNorm passed as RMSNorm').toBe(false);
    expect(nearMiss.maxAbsError, 'the near-miss is far outside the tolerance, not at its edge').toBeGreaterThan(100 * PYTORCH_PARITY.forward.atol);
  });
});
