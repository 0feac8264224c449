/**
 * Training on tfjs: the training path of TinyGPT / TinyBERT (dropout where the tutorial applies it,
 * hand-written transpose-free gradients) against PyTorch and against the evaluation path; the
 * trainer's bookkeeping; and the SHORT reproduction runs of `npm run reproduce` — a few steps of
 * the tutorial's full-size models on the tutorial's texts, whose loss must fall.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/random.js';
import { validateTinyConfig, type TinyKind } from '../../src/core/tiny-config.js';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import '../../src/tfjs/index.js';
import { tinyModel, type TfTinyModelParams } from '../../src/tfjs/tiny-models.js';
import { trainingOps, type TfTrainingMode } from '../../src/tfjs/training/training-op-set.js';
import { createTrainer } from '../../src/training/train.js';
import { formatLogLine, runReproduction, type ReproductionReport } from '../../src/training/reproduce.js';
import { loadFixture, nested, rebuild } from '../_helpers/fixtures.js';
import { backendReport } from '../_helpers/setup.js';

const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-training-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixtureModel(kind: TinyKind) {
  const f = loadFixture(`models/${kind}.safetensors`);
  const c = f.config as Record<string, number>;
  const config = validateTinyConfig({ vocab_size: c.vocab_size, block_size: c.block_size, n_embed: c.n_embed, n_head: c.n_head, n_layer: c.n_layer, dropout: c.dropout });
  const names = [...f.param.keys()];
  return {
    f,
    config,
    names,
    idx: nested(f.input.get('idx')!) as number[][],
    targets: nested(f.input.get(kind === 'tinygpt' ? 'targets' : 'labels')!) as number[][],
    tensors: () => names.map((n) => tf.tensor(f.param.get(n)!.values, f.param.get(n)!.shape)),
  };
}

const counting = (p: number, seed = 1): TfTrainingMode & { calls: number } => {
  const rng = seededRng(seed);
  const mode = { p, calls: 0, nextSeed: () => (mode.calls++, rng.int(0, 2 ** 31 - 1)) };
  return mode;
};

describe(`training path on tfjs[${backendReport.choice}]`, () => {
  for (const kind of ['tinygpt', 'tinybert'] as TinyKind[]) {
    it(`${kind}: with dropout p = 0 the training path gives PyTorch's logits, loss and every gradient (PYTORCH_PARITY) — the hand-written gradients of src/tfjs/training/training-ops.ts included`, () => {
      const m = fixtureModel(kind);
      const before = tf.memory().numTensors;
      const ts = m.tensors();
      const trainable = m.names.map((n, i) => [n, i] as const).filter(([n]) => m.f.gradParam.has(n));
      const mode = counting(0);
      const run = (vars: tf.Tensor[]) => {
        const all = [...ts];
        trainable.forEach(([, i], k) => (all[i] = vars[k]));
        return tinyModel(kind, m.config, rebuild(m.names, all) as unknown as TfTinyModelParams, m.idx, m.targets, { ops: trainingOps(mode) });
      };
      const out = run(trainable.map(([, i]) => ts[i]));
      expect(compareNested(Array.from(out.logits.dataSync()), m.f.output.get('logits')!.values, PYTORCH_PARITY.modelForward).ok).toBe(true);
      expect(Math.abs(out.loss!.dataSync()[0] - m.f.output.get('loss')!.values[0])).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
      const grads = tf.grads((...vars: tf.Tensor[]) => {
        const o = run(vars);
        tf.dispose(o.logits);
        return o.loss!;
      })(trainable.map(([, i]) => ts[i]));
      trainable.forEach(([n], k) => {
        const cmp = compareNested(Array.from(grads[k].dataSync()), m.f.gradParam.get(n)!.values, PYTORCH_PARITY.gradient);
        expect(cmp.ok, `∂loss/∂${n}: ${cmp.message}`).toBe(true);
      });
      expect(mode.calls, 'p = 0 asks for no dropout mask').toBe(0);
      tf.dispose([out.logits, out.loss!, ...grads, ...ts]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('tinygpt with p = 0.1: dropout at three places per block (attention weights, after proj, after the FFN); the same seeds repeat the output, other seeds change it, evaluation mode is untouched', () => {
    const m = fixtureModel('tinygpt');
    const ts = m.tensors();
    const params = rebuild(m.names, ts) as unknown as TfTinyModelParams;
    const logits = (mode?: TfTrainingMode) => tf.tidy(() => Array.from(tinyModel('tinygpt', m.config, params, m.idx, undefined, mode ? { ops: trainingOps(mode) } : {}).logits.dataSync()));
    const a = counting(0.1, 5);
    const first = logits(a);
    expect(a.calls).toBe(3 * m.config.n_layer);
    expect(logits(counting(0.1, 5))).toEqual(first);
    const other = logits(counting(0.1, 6));
    expect(compareNested(other, first, { atol: 1e-3, rtol: 0 }).ok, 'another seed drops other entries').toBe(false);
    const evaluation = logits();
    expect(compareNested(evaluation, m.f.output.get('logits')!.values, PYTORCH_PARITY.modelForward).ok, 'no options: evaluation mode, as before').toBe(true);
    expect(compareNested(first, evaluation, { atol: 1e-3, rtol: 0 }).ok, 'training mode differs from evaluation').toBe(false);
    tf.dispose(ts);
  });
});

describe('the trainer', () => {
  it('owns its variables and optimiser state: after dispose() no tensor is left; weights() is a full state_dict; the step count and learning rate are reported', () => {
    const before = tf.memory().numTensors;
    const config = validateTinyConfig({ vocab_size: 11, block_size: 6, n_embed: 16, n_head: 2, n_layer: 1 });
    const data = Array.from({ length: 40 }, (_, i) => (i * 7) % 11);
    const t = createTrainer({ kind: 'tinygpt', config, data, batchSize: 4, blockSize: 6, seed: 3, optimizer: { lr: 0.01 }, clipNorm: 1, schedule: { peakLr: 0.01, warmupSteps: 1, totalSteps: 3 } });
    const r1 = t.step();
    const r2 = t.step();
    expect([r1.step, r2.step, t.stepsTaken]).toEqual([1, 2, 2]);
    expect([r1.lr, r2.lr]).toEqual([0, 0.01]);
    expect(r1.gradNorm).toBeGreaterThan(0);
    const w = t.weights();
    expect(w.names).toContain('blocks.0.mh.heads.1.tril');
    expect(w.tensors.get('lm_head.weight')!.shape).toEqual([11, 16]);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
  it('TinyBERT needs [MASK] = vocab_size − 1; a block size beyond the position table is refused', () => {
    const config = validateTinyConfig({ vocab_size: 24, block_size: 8, n_embed: 16, n_head: 2, n_layer: 1 });
    expect(() => createTrainer({ kind: 'tinybert', config, data: [1, 2, 3], batchSize: 1, blockSize: 2, seed: 1 })).toThrow(/maskTokenId = vocab_size − 1 = 23/);
    expect(() => createTrainer({ kind: 'tinygpt', config, data: [1, 2, 3], batchSize: 1, blockSize: 9, seed: 1 })).toThrow(/blockSize must be an integer in 1…block_size \(8\)/);
  });
});

describe('short reproductions (the tutorial’s full-size models, a few steps): the loss falls', () => {
  const run = async (model: TinyKind, steps: number): Promise<{ report: ReproductionReport; lines: string[] }> => {
    const lines: string[] = [];
    const progress: number[] = [];
    const out = join(dir, `${model}.json`);
    // Evaluation kept small (24 generated characters, 16 windows, 4 masking rounds): the pure-JS cpu backend of CI's second run is ~20× slower than wasm.
    const report = await runReproduction({ model, steps, logEvery: 2, out, maxNewTokens: 24, evalRounds: 4, evalWindows: 16 }, { out: (l) => lines.push(l), progress: (done) => progress.push(done) });
    expect(progress).toEqual(Array.from({ length: steps }, (_, i) => i + 1)); // one progress report per step
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    return { report, lines };
  };

  it('tinygpt, 3 steps (seed 1337): the log in the tutorial’s format, Table 4.1’s columns, seed, backend, steps and wall time in the JSON; the last loss is ≥ 0.3 below the first', async () => {
    const before = tf.memory().numTensors;
    const { report, lines } = await run('tinygpt', 3);
    expect(lines.filter((l) => l.startsWith('Epoch'))).toEqual(report.log.map((l) => formatLogLine(l.epoch, 3, l.loss)));
    expect(lines).toContain('Epoch 2/3, Loss: ' + report.log[0].loss.toFixed(4));
    expect(Object.keys(report.metrics)).toEqual(['crossEntropy', 'perplexity', 'accuracyPercent', 'bpc', 'distinct1', 'distinct2']);
    expect([report.seed, report.steps, report.backend, report.parameters]).toEqual([1337, 3, backendReport.choice, 806192]);
    expect(report.wallTimeSeconds).toBeGreaterThan(0);
    expect(report.losses).toHaveLength(3);
    expect(report.losses[2]).toBeLessThan(report.losses[0] - 0.3);
    expect(Math.abs(report.metrics.perplexity - Math.exp(report.metrics.crossEntropy))).toBeLessThanOrEqual(1e-9 * report.metrics.perplexity);
    expect(report.sample!.startsWith('Jalāl ')).toBe(true);
    expect([...report.sample!]).toHaveLength(6 + 24);
    expect(report.printedLog).toHaveLength(10);
    expect(report.extra.predictionsScored).toBe(16 + 15); // window 0 scores 16 positions, each further window one
    expect(tf.memory().numTensors).toBe(before);
  });

  it('tinybert, 5 steps (seed 1337): log lines carry the accuracy; Table 3.1’s columns; the last loss is ≥ 0.2 below the first', async () => {
    const { report, lines } = await run('tinybert', 5);
    expect(lines.filter((l) => l.startsWith('Epoch'))).toEqual(report.log.map((l) => formatLogLine(l.epoch, 5, l.loss, l.accuracyPercent! / 100)));
    expect(lines.find((l) => l.startsWith('Epoch 5/5'))).toMatch(/^Epoch 5\/5, Loss: \d+\.\d{4}, Accuracy: \d+\.\d{2}$/);
    expect(Object.keys(report.metrics)).toEqual(['crossEntropy', 'perplexity', 'accuracyPercent']);
    expect(report.losses[4]).toBeLessThan(report.losses[0] - 0.2);
    expect(report.parameters).toBe(799000);
  });
});
