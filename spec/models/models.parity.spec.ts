/**
 * TinyGPT and TinyBERT against PyTorch (fixtures/models, exported in eval mode): the state_dict
 * loads by name, then logits (shape, values), loss, and the gradient of the loss w.r.t. every
 * parameter (tfjs, tf.grads) or at sampled coordinates of every parameter (reference, central
 * differences). Parameter counts from the config equal PyTorch's sum(p.numel()).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tfjsModelRun } from '../../src/ops/parity.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { seededRng } from '../../src/core/random.js';
import { tinyParameterCount, tinyStateDictLayout, validateTinyConfig, type TinyKind } from '../../src/core/tiny-config.js';
import { compareNested, FINITE_DIFFERENCE, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import { tinyModel as refModel, type TinyModelParams } from '../../src/reference/tiny-models.js';
import '../../src/tfjs/index.js';
import { loadFixture, nested, referenceParams, type FixtureTensor } from '../_helpers/fixtures.js';
import { backendReport } from '../_helpers/setup.js';

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'fixtures', 'manifest.json'), 'utf8')) as { parameter_counts: Record<string, number> };
const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);

for (const kind of ['tinygpt', 'tinybert'] as TinyKind[]) {
  describe(`${kind} parity with PyTorch (fixtures/models/${kind}.safetensors, tfjs on ${backendReport.choice})`, () => {
    const f = loadFixture(`models/${kind}.safetensors`);
    const cfgRaw = f.config as Record<string, number>;
    const config = validateTinyConfig({ vocab_size: cfgRaw.vocab_size, block_size: cfgRaw.block_size, n_embed: cfgRaw.n_embed, n_head: cfgRaw.n_head, n_layer: cfgRaw.n_layer, dropout: cfgRaw.dropout });
    const idx = nested(f.input.get('idx')!) as number[][];
    const targets = nested(f.input.get(kind === 'tinygpt' ? 'targets' : 'labels')!) as number[][];
    const logits = f.output.get('logits')!;
    const loss = f.output.get('loss')!.values[0];

    it('the state_dict has exactly the entries the config implies, with their shapes', () => {
      const layout = tinyStateDictLayout(kind, config);
      expect([...f.param.keys()].sort()).toEqual([...layout.keys()].sort());
      for (const [name, e] of layout) expect(f.param.get(name)!.shape, name).toEqual(e.shape);
      expect([...f.gradParam.keys()].sort()).toEqual([...layout].filter(([, e]) => !e.buffer).map(([n]) => n).sort());
    });

    it("parameter counts from the config equal PyTorch's sum(p.numel()) (export and tutorial configs)", () => {
      expect(tinyParameterCount(kind, config)).toBe(manifest.parameter_counts[`${kind}_export`]);
      const tutorial = kind === 'tinygpt' ? { vocab_size: 48, block_size: 16 } : { vocab_size: 24, block_size: 8 };
      expect(tinyParameterCount(kind, validateTinyConfig(tutorial))).toBe(manifest.parameter_counts[`${kind}_tutorial`]);
    });

    it('reference-f64: logits (shape, values) and loss match PyTorch', () => {
      const r = refModel(kind, config, referenceParams(f.param) as unknown as TinyModelParams<number>, idx, targets);
      expect([r.logits.length, r.logits[0].length, r.logits[0][0].length]).toEqual(logits.shape);
      const cmp = compareNested(flat(r.logits), logits.values, PYTORCH_PARITY.modelForward);
      expect(cmp.ok, cmp.message).toBe(true);
      expect(Math.abs(r.loss! - loss)).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
    });

    it(`tfjs[${backendReport.choice}]: logits, loss and the gradient of every parameter match PyTorch`, async () => {
      const r = await tfjsModelRun(kind, config, f, idx, targets);
      expect(r.logitsShape).toEqual(logits.shape);
      const cmp = compareNested(r.logits, logits.values, PYTORCH_PARITY.modelForward);
      expect(cmp.ok, `logits: ${cmp.message}`).toBe(true);
      expect(Math.abs(r.loss - loss)).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
      expect([...r.grads.keys()].sort()).toEqual([...f.gradParam.keys()].sort());
      for (const [n, got] of r.grads) {
        const g = compareNested(got, f.gradParam.get(n)!.values, PYTORCH_PARITY.gradient);
        expect(g.ok, `∂loss/∂${n}: ${g.message}`).toBe(true);
      }
      expect(r.leaked).toBe(0);
    });

    it('reference-f64: central differences at sampled coordinates of every parameter match PyTorch gradients', () => {
      const rng = seededRng(kind.length * 104729);
      const lossWith = (param: Map<string, FixtureTensor>) => refModel(kind, config, referenceParams(param) as unknown as TinyModelParams<number>, idx, targets).loss!;
      let checked = 0;
      for (const [name, want] of f.gradParam) {
        if (!/(^token_embed|heads\.0\.query|proj\.weight|net\.0\.weight|ln1\.weight|ln_f\.bias|_head\.weight)/.test(name)) continue; // one of each kind of parameter
        const index = rng.int(0, want.values.length);
        const bump = (d: number) => {
          const m = new Map(f.param);
          const t = m.get(name)!;
          const values = [...t.values];
          values[index] += d;
          m.set(name, { ...t, values });
          return lossWith(m);
        };
        const fd = (bump(1e-5) - bump(-1e-5)) / 2e-5;
        expect(Math.abs(fd - want.values[index]), `∂loss/∂${name}[${index}]: finite difference ${fd}, PyTorch ${want.values[index]}`).toBeLessThanOrEqual(FINITE_DIFFERENCE.atol + FINITE_DIFFERENCE.rtol * Math.abs(want.values[index]));
        checked += 1;
      }
      expect(checked).toBeGreaterThanOrEqual(10);
    });
  });
}
