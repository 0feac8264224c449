/**
 * Parity of every layer with PyTorch: the fixtures in fixtures/layers/ hold inputs, parameters,
 * outputs, a random cotangent g and the gradients of Σ(output ⊙ g) exported by
 * scripts/export-fixtures.py. For each layer: shape, then forward values, then gradients —
 * tfjs by tf.grads for every input and parameter; the float64 reference by central differences
 * at sampled coordinates of every gradient tensor. Tolerances: PYTORCH_PARITY, FINITE_DIFFERENCE.
 */
import { describe, expect, it } from 'vitest';
import { LAYER_CASES as CASES, referenceLayerLoss, referenceLayerOutput, tfjsLayerRun, type LayerCase } from '../../src/claims/parity-cases.js';
import { seededRng } from '../../src/core/random.js';
import { compareNested, FINITE_DIFFERENCE, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import '../../src/tfjs/index.js';
import { loadFixture, type Fixture } from '../_helpers/fixtures.js';
import { backendReport } from '../_helpers/setup.js';

const isBuffer = (f: Fixture, name: string) => !f.gradParam.has(name);

/** Central difference of the reference loss w.r.t. one coordinate of one tensor. */
function referenceGradientAt(c: LayerCase, f: Fixture, which: 'input' | 'param', name: string, index: number, h = 1e-5): number {
  const bump = (delta: number) => {
    const maps = { input: new Map(f.input), param: new Map(f.param) };
    const t = maps[which].get(name)!;
    const values = [...t.values];
    values[index] += delta;
    maps[which].set(name, { ...t, values });
    return referenceLayerLoss(c, f, maps.input, maps.param);
  };
  return (bump(h) - bump(-h)) / (2 * h);
}

describe(`layer parity with PyTorch (fixtures/layers, tfjs on ${backendReport.choice})`, () => {
  for (const c of CASES) {
    describe(c.file, () => {
      const f = loadFixture(`layers/${c.file}.safetensors`);
      const expected = f.output.get('y')!;

      it('reference-f64: output shape, then values match PyTorch', () => {
        const out = referenceLayerOutput(c, f);
        expect(out.shape).toEqual(expected.shape);
        const cmp = compareNested(out.values, expected.values, PYTORCH_PARITY.forward);
        expect(cmp.ok, cmp.message).toBe(true);
      });

      it(`tfjs[${backendReport.choice}]: output shape, then values, then every gradient match PyTorch`, () => {
        const r = tfjsLayerRun(c, f);
        expect(r.shape).toEqual(expected.shape);
        const cmp = compareNested(r.output, expected.values, PYTORCH_PARITY.forward);
        expect(cmp.ok, `forward: ${cmp.message}`).toBe(true);
        for (const [key, got] of r.grads) {
          const [kind, ...rest] = key.split('.');
          const want = (kind === 'input' ? f.gradInput : f.gradParam).get(rest.join('.'))!;
          const g = compareNested(got, want.values, PYTORCH_PARITY.gradient);
          expect(g.ok, `∂/∂${key}: ${g.message}`).toBe(true);
        }
        expect(r.grads.size).toBe(f.gradInput.size + f.gradParam.size);
        expect(r.leaked, 'tensors leaked').toBe(0);
      });

      it('reference-f64: central differences at sampled coordinates match PyTorch gradients', () => {
        const rng = seededRng(c.file.length * 7919);
        let checked = 0;
        for (const [which, grads] of [['input', f.gradInput], ['param', f.gradParam]] as const) {
          for (const [name, want] of grads) {
            for (let s = 0; s < 4; s++) {
              const index = rng.int(0, want.values.length);
              const fd = referenceGradientAt(c, f, which, name, index);
              const ok = Math.abs(fd - want.values[index]) <= FINITE_DIFFERENCE.atol + FINITE_DIFFERENCE.rtol * Math.abs(want.values[index]);
              expect(ok, `∂/∂${which}.${name}[${index}]: finite difference ${fd}, PyTorch ${want.values[index]}`).toBe(true);
              checked += 1;
            }
          }
        }
        expect(checked).toBeGreaterThan(0);
      });
    });
  }

  it('the causal heads carry a lower-triangular tril buffer, which is not a parameter', () => {
    const f = loadFixture('layers/causal-multi-head.safetensors');
    const trils = [...f.param.keys()].filter((n) => n.endsWith('.tril'));
    expect(trils.length).toBe(4);
    for (const n of trils) {
      const t = f.param.get(n)!;
      const [rows, cols] = t.shape;
      t.values.forEach((v, k) => expect(v).toBe(k % cols <= Math.floor(k / cols) ? 1 : 0));
      expect(rows).toBe(cols);
      expect(isBuffer(f, n)).toBe(true);
    }
  });
});
