/**
 * `npm run parity`: the largest errors of every layer and both tiny models against the PyTorch
 * fixtures, per implementation — forward (max |ours − PyTorch| over the output) and gradients
 * (tfjs: every gradient tensor; reference: central differences at 8 seeded coordinates per
 * gradient tensor). Prints a table and writes report/parity.json. Measures; asserts nothing (the
 * parity specs assert, with PYTORCH_PARITY).
 */
import { writeFileAtomic } from '../src/core/atomic-write.js';
import { join } from 'node:path';
import { fixturePath, LAYER_CASES, referenceLayerLoss, referenceLayerOutput, tfjsLayerRun, tfjsModelRun } from '../src/ops/parity.js';
import { initBackend } from '../src/core/backend.js';
import { PROJECT_ROOT } from '../src/core/claims.js';
import { loadFixture, nested, referenceParams, type Fixture, type FixtureTensor } from '../src/core/fixtures.js';
import { seededRng } from '../src/core/random.js';
import { validateTinyConfig, type TinyKind } from '../src/core/tiny-config.js';
import { tinyModel as refModel, type TinyModelParams } from '../src/reference/tiny-models.js';
import '../src/tfjs/index.js';
import * as tfc from '@tensorflow/tfjs-core';
import { validateLlamaConfig } from '../src/core/llama-config.js';
import { unflatten } from '../src/core/state-dict.js';
import { tinyLlama as refLlama, type TinyLlamaParams } from '../src/reference/tiny-llama.js';
import { tinyLlama as tfLlama, type TfTinyLlamaParams } from '../src/tfjs/tiny-llama.js';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

interface Row {
  name: string;
  refForward: number;
  tfjsForward: number;
  tfjsGradient: number;
  refGradientSampled: number;
}

function sampledFd(f: Fixture, loss: (input: Map<string, FixtureTensor>, param: Map<string, FixtureTensor>) => number, seed: number): number {
  const rng = seededRng(seed);
  let worst = 0;
  for (const [which, grads] of [['input', f.gradInput], ['param', f.gradParam]] as const) {
    for (const [name, want] of grads) {
      for (let s = 0; s < 8; s++) {
        const i = rng.int(0, want.values.length);
        const bump = (d: number) => {
          const maps = { input: new Map(f.input), param: new Map(f.param) };
          const t = maps[which].get(name)!;
          const values = [...t.values];
          values[i] += d;
          maps[which].set(name, { ...t, values });
          return loss(maps.input, maps.param);
        };
        worst = Math.max(worst, Math.abs((bump(1e-5) - bump(-1e-5)) / 2e-5 - want.values[i]));
      }
    }
  }
  return worst;
}

const backend = await initBackend();
const rows: Row[] = [];
for (const c of LAYER_CASES) {
  const f = loadFixture(fixturePath(c.file));
  const want = f.output.get('y')!.values;
  const r = await tfjsLayerRun(c, f);
  let gradErr = 0;
  for (const [key, got] of r.grads) {
    const [kind, ...rest] = key.split('.');
    gradErr = Math.max(gradErr, maxDiff(got, (kind === 'input' ? f.gradInput : f.gradParam).get(rest.join('.'))!.values));
  }
  rows.push({
    name: c.file,
    refForward: maxDiff(referenceLayerOutput(c, f).values, want),
    tfjsForward: maxDiff(r.output, want),
    tfjsGradient: gradErr,
    refGradientSampled: sampledFd(f, (i, p) => referenceLayerLoss(c, f, i, p), c.file.length),
  });
}

for (const kind of ['tinygpt', 'tinybert'] as TinyKind[]) {
  const f = loadFixture(`models/${kind}.safetensors`);
  const c = f.config as Record<string, number>;
  const config = validateTinyConfig({ vocab_size: c.vocab_size, block_size: c.block_size, n_embed: c.n_embed, n_head: c.n_head, n_layer: c.n_layer, dropout: c.dropout });
  const idx = nested(f.input.get('idx')!) as number[][];
  const targets = nested(f.input.get(kind === 'tinygpt' ? 'targets' : 'labels')!) as number[][];
  const logits = f.output.get('logits')!.values;
  const ref = refModel(kind, config, referenceParams(f.param) as unknown as TinyModelParams<number>, idx, targets);
  const run = await tfjsModelRun(kind, config, f, idx, targets);
  const gradErr = Math.max(...[...run.grads].map(([n, g]) => maxDiff(g, f.gradParam.get(n)!.values)));
  const onlyParams = { ...f, gradInput: new Map() } as Fixture;
  const fdErr = sampledFd(onlyParams, (_i, p) => refModel(kind, config, referenceParams(p) as unknown as TinyModelParams<number>, idx, targets).loss!, kind.length);
  rows.push({ name: `${kind} (logits; loss)`, refForward: Math.max(maxDiff(ref.logits.flat(2), logits), Math.abs(ref.loss! - f.output.get('loss')!.values[0])), tfjsForward: Math.max(maxDiff(run.logits, logits), Math.abs(run.loss - f.output.get('loss')!.values[0])), tfjsGradient: gradErr, refGradientSampled: fdErr });
}

{
  // the tiny LLaMA (fixtures/llm/tinyllama): logits and loss; tfjs gradients of every parameter; sampled central differences on the reference
  const f = loadFixture('llm/tinyllama.safetensors');
  const config = validateLlamaConfig(Object.fromEntries(Object.entries(f.config).filter(([k]) => !['module', 'rope', 'loss', 'mode'].includes(k))), 'fixture config');
  const idx = nested(f.input.get('idx')!) as number[][];
  const targets = nested(f.input.get('targets')!) as number[][];
  const logits = f.output.get('logits')!.values;
  const wantLoss = f.output.get('loss')!.values[0];
  const ref = refLlama(config, referenceParams(f.param) as unknown as TinyLlamaParams<number>, idx, targets);
  const names = [...f.param.keys()];
  const vars = names.map((n) => tfc.tensor(f.param.get(n)!.values, f.param.get(n)!.shape));
  const out = tfLlama(config, unflatten(names.map((n, i) => [n, vars[i]])) as unknown as TfTinyLlamaParams, idx, targets);
  const grads = tfc.grads((...v: tfc.Tensor[]) => {
    const o = tfLlama(config, unflatten(names.map((n, i) => [n, v[i]])) as unknown as TfTinyLlamaParams, idx, targets);
    o.logits.dispose();
    return o.loss!;
  })(vars);
  const [tl, tLoss, ...g] = await Promise.all([out.logits, out.loss!, ...grads].map((t) => t.data()));
  tfc.dispose([out.logits, out.loss!, ...grads, ...vars]);
  const onlyParams = { ...f, gradInput: new Map() } as Fixture;
  rows.push({
    name: 'tinyllama (logits; loss)',
    refForward: Math.max(maxDiff(ref.logits.flat(2), logits), Math.abs(ref.loss! - wantLoss)),
    tfjsForward: Math.max(maxDiff(tl, logits), Math.abs(tLoss[0] - wantLoss)),
    tfjsGradient: Math.max(...names.map((n, i) => maxDiff(g[i], f.gradParam.get(n)!.values))),
    refGradientSampled: sampledFd(onlyParams, (_i, p) => refLlama(config, referenceParams(p) as unknown as TinyLlamaParams<number>, idx, targets).loss!, 9),
  });
}

const e = (x: number) => x.toExponential(1);
console.log(`Parity with PyTorch (fixtures/, ${new Date().toISOString().slice(0, 10)}); tfjs on ${backend.choice}\n`);
console.log('fixture                     max |Δ| forward        max |Δ| gradient');
console.log('                            reference   tfjs       tfjs (all)  reference (sampled central differences)');
for (const r of rows) console.log(`${r.name.padEnd(28)}${e(r.refForward).padEnd(12)}${e(r.tfjsForward).padEnd(11)}${e(r.tfjsGradient).padEnd(12)}${e(r.refGradientSampled)}`);
writeFileAtomic(join(PROJECT_ROOT, 'report', 'parity.json'), JSON.stringify({ backend: backend.choice, rows }, null, 2));
console.log('\nwritten to report/parity.json');
