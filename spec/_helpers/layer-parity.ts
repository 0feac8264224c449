/**
 * Parity of one layer with its PyTorch fixture, for the per-layer parity specs that
 * `npm run new-layer` generates (spec/<layer>/<layer>.parity.spec.ts). The same checks as
 * spec/blocks/blocks.parity.spec.ts runs over every row of LAYER_CASES — shape, then forward values,
 * then every gradient — but for one named layer, and with errors that say which step of the
 * red-green cycle is missing (no fixture yet, no LAYER_CASES row yet) instead of a crash while
 * the spec file is collected. Tolerances: PYTORCH_PARITY, FINITE_DIFFERENCE.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath, LAYER_CASES, referenceLayerLoss, referenceLayerOutput, tfjsLayerRun, type LayerCase } from '../../src/ops/parity.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { loadFixture, type Fixture } from '../../src/core/fixtures.js';
import { seededRng } from '../../src/core/random.js';
import { compareNested, FINITE_DIFFERENCE, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import '../../src/tfjs/index.js';
import { backendReport } from './setup.js';

/** fixtures/layers/<file>.safetensors (or fixtures/<dir>/<name> for "dir/name"), or an error naming the step that writes it. */
export function layerFixture(file: string): Fixture {
  const rel = fixturePath(file);
  if (!existsSync(join(PROJECT_ROOT, 'fixtures', rel))) {
    throw new Error(`fixtures/${rel} does not exist yet: fill in the "${file}" stub in scripts/export-fixtures.py (set build=), then run npm run fixtures:export`);
  }
  return loadFixture(rel);
}

/** The LAYER_CASES row for a fixture, or an error saying where to add it. */
export function layerCase(file: string): LayerCase {
  const c = LAYER_CASES.find((x) => x.file === file);
  if (!c) throw new Error(`no registry row in src/ops/registry.ts names the fixture "${file}": add { file: '${file}', reference: …, tfjs: … } to its op's fixtures`);
  return c;
}

/** Central difference of the reference loss Σ(output ⊙ cotangent) w.r.t. one coordinate. */
export function referenceGradientAt(c: LayerCase, f: Fixture, which: 'input' | 'param', name: string, index: number, h = 1e-5): number {
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

export function describeLayerParity(file: string): void {
  describe(`${file}: parity with PyTorch (fixtures/${fixturePath(file)}, tfjs on ${backendReport.choice})`, () => {
    it('reference-f64: output shape, then values match PyTorch', () => {
      const [f, c] = [layerFixture(file), layerCase(file)];
      const expected = f.output.get('y')!;
      const out = referenceLayerOutput(c, f);
      expect(out.shape).toEqual(expected.shape);
      const cmp = compareNested(out.values, expected.values, PYTORCH_PARITY.forward);
      expect(cmp.ok, cmp.message).toBe(true);
    });

    it(`tfjs[${backendReport.choice}]: output shape, then values, then every gradient match PyTorch; no tensor leaks`, async () => {
      const [f, c] = [layerFixture(file), layerCase(file)];
      const expected = f.output.get('y')!;
      const r = await tfjsLayerRun(c, f);
      expect(r.shape).toEqual(expected.shape);
      const cmp = compareNested(r.output, expected.values, PYTORCH_PARITY.forward);
      expect(cmp.ok, `forward: ${cmp.message}`).toBe(true);
      for (const [key, got] of r.grads) {
        const [kind, ...rest] = key.split('.');
        const want = (kind === 'input' ? f.gradInput : f.gradParam).get(rest.join('.'))!;
        const g = compareNested(got, want.values, PYTORCH_PARITY.gradient);
        expect(g.ok, `∂/∂${key}: ${g.message}`).toBe(true);
      }
      expect(r.grads.size, 'a gradient for every input and parameter PyTorch differentiated').toBe(f.gradInput.size + f.gradParam.size);
      expect(r.leaked, 'tensors leaked').toBe(0);
    });

    it('reference-f64: central differences at 8 sampled coordinates of every gradient match PyTorch', () => {
      const [f, c] = [layerFixture(file), layerCase(file)];
      const rng = seededRng(file.length * 7919);
      let checked = 0;
      for (const [which, grads] of [['input', f.gradInput], ['param', f.gradParam]] as const) {
        for (const [name, want] of grads) {
          for (let s = 0; s < 8; s++) {
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
