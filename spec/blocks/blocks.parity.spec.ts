/**
 * Parity of every layer with PyTorch: the fixtures in fixtures/layers/ hold inputs, parameters,
 * outputs, a random cotangent g and the gradients of Σ(output ⊙ g) exported by
 * scripts/export-fixtures.py. For each fixture of a registry row (LAYER_CASES, src/ops/parity.ts) whose
 * concept has no spec folder of its own: shape,
 * then forward values, then gradients — tfjs by tf.grads for every input and parameter; the
 * float64 reference by central differences at sampled coordinates of every gradient tensor
 * (spec/_helpers/layer-parity.ts). Tolerances: PYTORCH_PARITY, FINITE_DIFFERENCE.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { LAYER_CASES } from '../../src/ops/parity.js';
import { OP_REGISTRY, type OpRow } from '../../src/ops/registry.js';
import { loadFixture, type Fixture } from '../_helpers/fixtures.js';
import { describeLayerParity } from '../_helpers/layer-parity.js';
import { backendReport } from '../_helpers/setup.js';

const isBuffer = (f: Fixture, name: string) => !f.gradParam.has(name);

describe(`layer parity with PyTorch (fixtures/layers, tfjs on ${backendReport.choice})`, () => {
  // fixtures of a concept with its own spec folder (spec/layer-norm, spec/rms-norm) run there
  for (const c of LAYER_CASES.filter((x) => !existsSync(join(PROJECT_ROOT, 'spec', (OP_REGISTRY[x.op] as OpRow).concept)))) describeLayerParity(c.file);

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
