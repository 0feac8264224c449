/**
 * The tfjs specs on tfjs's own GPU backends, webgl and webgpu, in headless Chromium on SwiftShader
 * (`npm run test:gpu`; GPU_BACKENDS=webgl or webgpu for one). The code under test is the project's
 * src/tfjs, bundled by esbuild into a page (src/browser/); Node keeps the reference, the fixtures
 * and the judging. Per backend:
 *
 *   registry differential   every registry op with inputs: tfjs[backend] vs the float64 reference,
 *                           GPU_PROPERTY_RUNS cases per op (default 5: a case costs a page round
 *                           trip and, on webgpu, new shader programs) plus the row's fixed cases
 *   PyTorch parity          every layer fixture (forward and tf.grads gradients), both tiny models
 *   attention gradients     tf.grads of attention vs central differences of the reference
 *
 * (the golden claims on these backends: `npm start -- --backends webgl,webgpu`). A failure names
 * the backend, the op, the worst element and the tolerance. At the end the largest error per op
 * and backend is written to report/gpu-op-errors.json (the README's table).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSet } from '../../src/core/atomic-write.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { loadFixture, nested, referenceParams } from '../../src/core/fixtures.js';
import { validateLlamaConfig } from '../../src/core/llama-config.js';
import { initPeftTinyGpt, type PeftTinyGptParams } from '../../src/reference/peft-tiny-gpt.js';
import type { TinyLlamaParams } from '../../src/reference/tiny-llama.js';
import type { TinyModelParams } from '../../src/reference/tiny-models.js';
import { validateTinyConfig, type TinyKind } from '../../src/core/tiny-config.js';
import { compareNested, FINITE_DIFFERENCE, PYTORCH_PARITY, TFJS_VS_REFERENCE, type Tolerance } from '../../src/core/tolerance.js';
import { arbitrariesOf } from '../../src/ops/arbitraries.js';
import { referenceImpl, type ArrayImpl } from '../../src/ops/implementations.js';
import { fixturePath, LAYER_CASES } from '../../src/ops/parity.js';
import { OP_NAMES, OP_REGISTRY, type OpName, type OpRow } from '../../src/ops/registry.js';
import { openBrowserSession, type BrowserBackend, type BrowserBackendName, type BrowserSession } from '../../src/browser/runner.js';
import { seededRng, randomMatrix } from '../../src/core/random.js';
import { checkPropertyAsync, fc } from '../_helpers/property.js';
import { compareResults } from '../_helpers/results.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const BACKENDS = (process.env.GPU_BACKENDS ?? 'webgl,webgpu').split(',') as BrowserBackendName[];
/** Cases per registry op on a GPU backend (the Node legs run PROPERTY_RUNS, default 100). */
const GPU_PROPERTY_RUNS = Number(process.env.GPU_PROPERTY_RUNS ?? 5);
const A = arbitrariesOf(fc);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (impl: ArrayImpl<any>, name: OpName, args: unknown[]): Promise<unknown> => (impl as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...args);
const rows = OP_NAMES.map((name) => [name, OP_REGISTRY[name] as OpRow] as const).filter(([, row]) => !row.stateful && (row.arbitrary || row.cases));

/** Largest |tfjs − reference| per op and backend, and the tolerance it was held to. */
const measured: Record<string, Record<string, { maxAbsError: number; cases: number; atol: number; rtol: number }>> = {};
const note = (backend: string, op: string, maxAbsError: number, t: Pick<Tolerance, 'atol' | 'rtol'>) => {
  const m = ((measured[op] ??= {})[backend] ??= { maxAbsError: 0, cases: 0, atol: t.atol, rtol: t.rtol });
  m.maxAbsError = Math.max(m.maxAbsError, maxAbsError);
  m.cases += 1;
};

let session: BrowserSession;
beforeAll(async () => {
  session = await openBrowserSession();
}, 120_000);
afterAll(async () => {
  await session?.close();
  if (!Object.keys(measured).length) return;
  // merged into the previous file: a run of some specs (-t, GPU_BACKENDS=webgl) replaces only what it measured
  const path = join(PROJECT_ROOT, 'report', 'gpu-op-errors.json');
  const previous = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { ops?: typeof measured }).ops ?? {} : {};
  for (const [op, per] of Object.entries(measured)) previous[op] = { ...previous[op], ...per };
  writeFileSet([{ path, data: JSON.stringify({ generatedAt: new Date().toISOString(), backends: BACKENDS, gpuPropertyRuns: GPU_PROPERTY_RUNS, ops: previous }, null, 2) }]);
});

for (const backend of BACKENDS) {
  describe(`tfjs on ${backend} (headless Chromium, SwiftShader)`, () => {
    let b: BrowserBackend;
    beforeAll(async () => {
      b = await session.open({ backend });
    }, 120_000);

    describe(`registry ops: tfjs[${backend}] vs the float64 reference (${GPU_PROPERTY_RUNS} cases per op + fixed cases)`, () => {
      for (const [name, row] of rows) {
        it(`${name}: equal within ${row.tolerance.atol} + ${row.tolerance.rtol}·|x|`, async () => {
          const check = async (args: unknown[]) => {
            const expected = await call(referenceImpl, name, args);
            let actual: unknown;
            try {
              actual = await b.call('op', { name, args }, name);
            } catch (e) {
              // the reference refused these arguments too? then both refuse: not a difference
              throw new Error(`[${backend}] ${name}(${JSON.stringify(args).slice(0, 160)}) threw ${(e as Error).name}: ${(e as Error).message}`);
            }
            const c = compareResults(actual, expected, row.tolerance, row.compare);
            note(backend, name, c.maxAbsError, row.tolerance);
            expect(c.ok, `[${backend}] ${name}(${JSON.stringify(args).slice(0, 160)}): ${c.message} (tolerance ${row.tolerance.atol} + ${row.tolerance.rtol}·|x|: ${row.tolerance.reason.slice(0, 80)})`).toBe(true);
          };
          if (row.arbitrary) await checkPropertyAsync(`tfjs[${backend}] ${name} = reference ${name}`, row.arbitrary(A) as fc.Arbitrary<unknown[]>, check, { numRuns: GPU_PROPERTY_RUNS });
          for (const args of row.cases?.() ?? []) await check(args);
          expect(b.numTensors(), `[${backend}] ${name}: live tensors in the page after the op`).toBe(0);
        }, 300_000);
      }
    });

    describe(`PyTorch parity on ${backend}: forward values and tf.grads gradients`, () => {
      for (const c of LAYER_CASES) {
        it(`${c.file} (${c.op}): output shape, values, every gradient; no leak`, async () => {
          const f = loadFixture(fixturePath(c.file));
          const expected = f.output.get('y')!;
          const r = await b.call<{ shape: number[]; output: number[]; grads: Map<string, number[]>; leaked: number }>('layer', { file: c.file }, c.file);
          expect(r.shape).toEqual(expected.shape);
          const cmp = compareNested(r.output, expected.values, PYTORCH_PARITY.forward);
          note(backend, `parity forward: ${c.file}`, cmp.maxAbsError, PYTORCH_PARITY.forward);
          expect(cmp.ok, `[${backend}] ${c.op} (${c.file}) forward: ${cmp.message} (tolerance ${PYTORCH_PARITY.forward.atol} + ${PYTORCH_PARITY.forward.rtol}·|x|)`).toBe(true);
          for (const [key, got] of r.grads) {
            const [kind, ...rest] = key.split('.');
            const want = (kind === 'input' ? f.gradInput : f.gradParam).get(rest.join('.'))!;
            const g = compareNested(got, want.values, PYTORCH_PARITY.gradient);
            note(backend, `parity gradient: ${c.file}`, g.maxAbsError, PYTORCH_PARITY.gradient);
            expect(g.ok, `[${backend}] ${c.op} (${c.file}) ∂/∂${key}: ${g.message} (tolerance ${PYTORCH_PARITY.gradient.atol} + ${PYTORCH_PARITY.gradient.rtol}·|x|)`).toBe(true);
          }
          expect(r.grads.size).toBe(f.gradInput.size + f.gradParam.size);
          expect(r.leaked, 'tensors leaked').toBe(0);
        }, 120_000);
      }
      for (const [kind, training] of [['tinygpt', false], ['tinybert', false], ['tinygpt', true], ['tinybert', true]] as [TinyKind, boolean][]) {
        const how = training ? " through the training path's op set (the composite kernels that stand in for the fused wasm kernels; dropout 0)" : '';
        it(`${kind}${how}: logits, loss and every parameter's gradient match PyTorch`, async () => {
          const fixture = `models/${kind}.safetensors`;
          const f = loadFixture(fixture);
          const cfg = f.config as Record<string, number>;
          const config = validateTinyConfig({ vocab_size: cfg.vocab_size, block_size: cfg.block_size, n_embed: cfg.n_embed, n_head: cfg.n_head, n_layer: cfg.n_layer, dropout: cfg.dropout });
          const idx = nested(f.input.get('idx')!) as number[][];
          const targets = nested(f.input.get(kind === 'tinygpt' ? 'targets' : 'labels')!) as number[][];
          const r = await b.call<{ logitsShape: number[]; logits: number[]; loss: number; grads: Map<string, number[]>; leaked: number }>('model', { kind, config, fixture, idx, targets, training }, kind);
          const logits = f.output.get('logits')!;
          expect(r.logitsShape).toEqual(logits.shape);
          const cmp = compareNested(r.logits, logits.values, PYTORCH_PARITY.modelForward);
          const label = training ? `${kind} (training op set)` : kind;
          note(backend, `parity forward: ${label}`, cmp.maxAbsError, PYTORCH_PARITY.modelForward);
          expect(cmp.ok, `[${backend}] ${kind} logits: ${cmp.message}`).toBe(true);
          expect(Math.abs(r.loss - f.output.get('loss')!.values[0])).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
          expect([...r.grads.keys()].sort()).toEqual([...f.gradParam.keys()].sort());
          for (const [n, got] of r.grads) {
            const g = compareNested(got, f.gradParam.get(n)!.values, PYTORCH_PARITY.gradient);
            note(backend, `parity gradient: ${label}`, g.maxAbsError, PYTORCH_PARITY.gradient);
            expect(g.ok, `[${backend}] ${kind} ∂loss/∂${n}: ${g.message}`).toBe(true);
          }
          expect(r.leaked).toBe(0);
        }, 120_000);
      }
    });

    describe(`whole models on ${backend}: tfjs[${backend}] vs the float64 reference (the registry rows with no arbitrary), on the fixtures' weights`, () => {
      const op = (name: OpName, args: unknown[]) => b.call<unknown>('op', { name, args }, name);
      const check = async (name: OpName, args: unknown[], expected: unknown, what = name as string) => {
        const row = OP_REGISTRY[name] as OpRow;
        const c = compareResults(await op(name, args), expected, row.tolerance, row.compare);
        note(backend, name, c.maxAbsError, row.tolerance);
        expect(c.ok, `[${backend}] ${what}: ${c.message} (tolerance ${row.tolerance.atol} + ${row.tolerance.rtol}·|x|)`).toBe(true);
        expect(b.numTensors(), `[${backend}] ${what}: live tensors in the page`).toBe(0);
      };
      const tiny = (kind: TinyKind) => {
        const f = loadFixture(`models/${kind}.safetensors`);
        const cfg = f.config as Record<string, number>;
        const config = validateTinyConfig({ vocab_size: cfg.vocab_size, block_size: cfg.block_size, n_embed: cfg.n_embed, n_head: cfg.n_head, n_layer: cfg.n_layer, dropout: cfg.dropout });
        return { config, params: referenceParams(f.param) as unknown as TinyModelParams<number>, idx: nested(f.input.get('idx')!) as number[][], targets: nested(f.input.get(kind === 'tinygpt' ? 'targets' : 'labels')!) as number[][] };
      };
      it('tinyModel: TinyGPT and TinyBERT logits and loss', async () => {
        for (const kind of ['tinygpt', 'tinybert'] as TinyKind[]) {
          const m = tiny(kind);
          await check('tinyModel', [kind, m.config, m.params, m.idx, m.targets], await referenceImpl.tinyModel(kind, m.config, m.params, m.idx, m.targets), `tinyModel ${kind}`);
        }
      }, 120_000);
      it('tinyGptDecode (KV-cache decoding, one token per step) equals the reference\'s full causal pass', async () => {
        const m = tiny('tinygpt');
        await check('tinyGptDecode', [m.config, m.params, m.idx], (await referenceImpl.tinyModel('tinygpt', m.config, m.params, m.idx)).logits, 'KV-cache decoding vs the full pass');
      }, 300_000);
      it('peftTinyGpt with LoRA (trained-like B), an adapter, a soft prompt and a prefix; mergeLoraIntoTinyGpt', async () => {
        const m = tiny('tinygpt');
        const rng = seededRng(99);
        const lora = initPeftTinyGpt(m.config, { lora: { r: 2, alpha: 4, targets: ['query', 'value', 'proj', 'net.0', 'lm_head'] } }, rng).lora!;
        for (const f of Object.values(lora.modules)) f.B = randomMatrix(rng, f.B.length, f.B[0].length, 0.2); // as after training (PEFT starts B at 0)
        const adapter = initPeftTinyGpt(m.config, { adapter: { bottleneck: 4 } }, rng);
        for (const a of (adapter.adapters ?? []).flatMap((l) => [l.attn, l.ff])) a.up.weight = randomMatrix(rng, a.up.weight.length, a.up.weight[0].length, 0.2); // up starts at 0
        const variants: [string, PeftTinyGptParams<number>][] = [['lora', { lora }], ['adapter', adapter], ['prompt', initPeftTinyGpt(m.config, { promptTokens: 3 }, rng)], ['prefix', initPeftTinyGpt(m.config, { prefixTokens: 2 }, rng)]];
        const idx = m.idx.map((s) => s.slice(0, 8));
        for (const [what, peft] of variants) await check('peftTinyGpt', [m.config, m.params, peft, idx, m.targets.map((s) => s.slice(0, 8))], await referenceImpl.peftTinyGpt(m.config, m.params, peft, idx, m.targets.map((s) => s.slice(0, 8))), `peftTinyGpt ${what}`);
        await check('mergeLoraIntoTinyGpt', [m.params, lora], await referenceImpl.mergeLoraIntoTinyGpt(m.params, lora));
      }, 300_000);
      it('tinyLlama (GQA, split-half RoPE, RMSNorm, SwiGLU) and tinyLlamaDecode (its KV cache) on fixtures/llm/tinyllama', async () => {
        const f = loadFixture('llm/tinyllama.safetensors');
        const config = validateLlamaConfig(Object.fromEntries(Object.entries(f.config).filter(([k]) => !['module', 'rope', 'loss', 'mode'].includes(k))), 'fixture config'); // the exporter's notes beside LlamaConfig's fields
        const params = referenceParams(f.param) as unknown as TinyLlamaParams<number>;
        const idx = nested(f.input.get('idx')!) as number[][];
        const targets = nested(f.input.get('targets')!) as number[][];
        await check('tinyLlama', [config, params, idx, targets], await referenceImpl.tinyLlama(config, params, idx, targets));
        await check('tinyLlamaDecode', [config, params, idx[1]], (await referenceImpl.tinyLlama(config, params, [idx[1]])).logits[0], 'TinyLlama KV-cache decoding vs the full pass');
      }, 300_000);
    });

    describe(`discrimination on ${backend}: each TFJS_VS_REFERENCE bound accepts the right GPU result and rejects a known near-miss (spec/tolerance's near-misses, run in the page)`, () => {
      const op = <R,>(name: OpName, ...args: unknown[]) => b.call<R>('op', { name, args }, name);
      const SEEDS = [11, 12, 13];
      const judge = (what: string, right: unknown, nearMiss: unknown, truth: unknown, t: Tolerance) => {
        const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);
        const ok = compareNested(flat(right), flat(truth), t);
        expect(ok.ok, `[${backend}] ${what}: the right formula was rejected: ${ok.message}`).toBe(true);
        expect(compareNested(flat(nearMiss), flat(truth), t).ok, `[${backend}] ${what}: the near-miss was accepted`).toBe(false);
      };
      it('attention: leaving out 1/√d_k, and 1/d_k in its place, are rejected', async () => {
        for (const s of SEEDS) {
          const rng = seededRng(s);
          const [q, k, v] = [randomMatrix(rng, 6, 16), randomMatrix(rng, 6, 16), randomMatrix(rng, 6, 8)];
          const truth = await referenceImpl.scaledDotProductAttention(q, k, v);
          const right = await op('scaledDotProductAttention', q, k, v);
          judge('attention without 1/√d_k', right, await op('scaledDotProductAttention', q, k, v, { scale: false }), truth, TFJS_VS_REFERENCE.attention);
          judge('attention with 1/d_k', right, await op('scaledDotProductAttention', q, k, v, { scale: 1 / 16 }), truth, TFJS_VS_REFERENCE.attention);
        }
      }, 120_000);
      it('softmax over columns instead of rows; RoPE with the other pairing; multi-head attention without 1/√d_k: rejected', async () => {
        for (const s of SEEDS) {
          const rng = seededRng(s);
          const x = randomMatrix(rng, 6, 6);
          judge('softmax axis', await op('softmax', x, -1), await op('softmax', x, 0), await referenceImpl.softmax(x, -1), TFJS_VS_REFERENCE.softmax);
          const r = randomMatrix(rng, 8, 8);
          for (const [pairing, other] of [['interleaved', 'half'], ['half', 'interleaved']] as const) {
            judge(`RoPE ${other} for ${pairing}`, await op('rope', r, { pairing }), await op('rope', r, { pairing: other }), await referenceImpl.rope(r, { pairing }), TFJS_VS_REFERENCE.rope);
          }
          const xm = randomMatrix(rng, 5, 8);
          const params = { wQ: randomMatrix(rng, 8, 8, 0.5), wK: randomMatrix(rng, 8, 8, 0.5), wV: randomMatrix(rng, 8, 8, 0.5), wO: randomMatrix(rng, 8, 4, 0.5) };
          const out = async (scale: boolean) => (await op<{ output: number[][] }>('multiHeadAttention', xm, xm, params, { nHeads: 2, scale })).output;
          judge('multi-head attention without 1/√d_k', await out(true), await out(false), (await referenceImpl.multiHeadAttention(xm, xm, params, { nHeads: 2 })).output, TFJS_VS_REFERENCE.multiHeadAttention);
        }
      }, 120_000);
      it('positional encoding with sin and cos swapped, and erf-GELU for tanh-GELU: rejected', async () => {
        const pe = await op<number[][]>('sinusoidalEncoding', 16, 8);
        judge('PE sin/cos swapped', pe, pe.map((row) => row.map((_, j) => row[j ^ 1])), await referenceImpl.sinusoidalEncoding(16, 8), TFJS_VS_REFERENCE.positionalEncoding);
        const grid = [Array.from({ length: 401 }, (_, i) => -4 + i / 50)];
        judge('tanh-GELU for erf-GELU', await op('gelu', grid), await op('geluTanh', grid), await referenceImpl.gelu(grid), TFJS_VS_REFERENCE.default);
      }, 120_000);
    });

    describe(`numeric conventions on ${backend} (src/core/numeric-conventions.ts): the same answers as the reference`, () => {
      const op = (name: string, ...args: unknown[]) => b.call<unknown>('op', { name, args }, name);
      it('a fully masked softmax row (−∞ everywhere) gives zeros, at lengths 2, 3 and 16', async () => {
        for (const n of [2, 3, 16]) {
          const row = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : -Infinity));
          expect(await op('softmax', [Array(n).fill(-Infinity), row]), `[${backend}] softmax, length ${n}`).toEqual([Array(n).fill(0), [1, ...Array(n - 1).fill(0)]]);
        }
      });
      it('attention with a fully masked query row gives a zero output row; −1e9 and −∞ masks agree elsewhere', async () => {
        const q = [[1, 0], [0, 1], [1, 1]];
        const mask = [[true, false, true], [false, false, false], [true, true, true]];
        const out = (await op('scaledDotProductAttention', q, q, q, { mask })) as number[][];
        expect(out[1], `[${backend}] the fully masked row`).toEqual([0, 0]);
        const big = (await op('scaledDotProductAttention', q, q, q, { mask, maskValue: -1e9 })) as number[][];
        const c = compareNested([out[0], out[2]].flat(), [big[0], big[2]].flat(), { atol: 1e-6, rtol: 1e-6 });
        expect(c.ok, `[${backend}] −∞ vs −1e9 mask: ${c.message}`).toBe(true);
      });
      it('logits of ±1e4 give a finite one-hot softmax', async () => {
        expect(await op('softmax', [[1e4, 0, -1e4]])).toEqual([[1, 0, 0]]);
      });
      it('NaN and +∞ inputs are refused by name (NonFiniteError), before the upload', async () => {
        await expect(op('softmax', [[0, NaN, 1]])).rejects.toMatchObject({ name: 'NonFiniteError' });
        await expect(op('softmax', [[0, Infinity, 1]])).rejects.toMatchObject({ name: 'NonFiniteError' });
        expect(b.numTensors()).toBe(0);
      });
    });

    it(`a short TinyGPT training run on ${backend} (the trainer's composite ops, AdamW, clipping): the loss falls`, async () => {
      const { losses } = await b.call<{ losses: number[] }>('train', { steps: 30, seed: 7 }, 'TinyGPT training');
      const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
      const [first, last] = [mean(losses.slice(0, 5)), mean(losses.slice(-5))];
      note(backend, 'TinyGPT training: loss drop (first 5 − last 5 steps)', first - last, { atol: 0, rtol: 0 });
      expect(losses.every(Number.isFinite), `[${backend}] losses ${losses.map((l) => l.toFixed(3)).join(' ')}`).toBe(true);
      expect(last, `[${backend}] mean loss of the last 5 of 30 steps vs the first 5: ${losses.map((l) => l.toFixed(3)).join(' ')}`).toBeLessThan(first - 0.2);
      expect(b.numTensors(), `[${backend}] live tensors after training`).toBe(0);
    }, 300_000);

    it(`attention gradients on ${backend}: tf.grads equals central differences of the float64 reference`, async () => {
      const rng = seededRng(4242);
      const [x, wQ, wK, wV, g] = [randomMatrix(rng, 4, 3), randomMatrix(rng, 3, 3), randomMatrix(rng, 3, 3), randomMatrix(rng, 3, 2), randomMatrix(rng, 4, 2)];
      const got = await b.call<{ wQ: number[][]; wK: number[][]; wV: number[][] }>('attentionGradients', { x, w: { wQ, wK, wV }, g });
      const want = await referenceImpl.attentionGradients!(x, { wQ, wK, wV }, g);
      for (const k of ['wQ', 'wK', 'wV'] as const) {
        const c = compareNested(got[k].flat(), want[k].flat(), FINITE_DIFFERENCE);
        note(backend, 'attention gradients', c.maxAbsError, FINITE_DIFFERENCE);
        expect(c.ok, `[${backend}] ∂/∂${k}: ${c.message}`).toBe(true);
      }
    });
  });
}
