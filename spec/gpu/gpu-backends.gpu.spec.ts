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
import { loadFixture, nested } from '../../src/core/fixtures.js';
import { validateTinyConfig, type TinyKind } from '../../src/core/tiny-config.js';
import { compareNested, FINITE_DIFFERENCE, PYTORCH_PARITY, type Tolerance } from '../../src/core/tolerance.js';
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
      for (const kind of ['tinygpt', 'tinybert'] as TinyKind[]) {
        it(`${kind}: logits, loss and every parameter's gradient match PyTorch`, async () => {
          const fixture = `models/${kind}.safetensors`;
          const f = loadFixture(fixture);
          const cfg = f.config as Record<string, number>;
          const config = validateTinyConfig({ vocab_size: cfg.vocab_size, block_size: cfg.block_size, n_embed: cfg.n_embed, n_head: cfg.n_head, n_layer: cfg.n_layer, dropout: cfg.dropout });
          const idx = nested(f.input.get('idx')!) as number[][];
          const targets = nested(f.input.get(kind === 'tinygpt' ? 'targets' : 'labels')!) as number[][];
          const r = await b.call<{ logitsShape: number[]; logits: number[]; loss: number; grads: Map<string, number[]>; leaked: number }>('model', { kind, config, fixture, idx, targets }, kind);
          const logits = f.output.get('logits')!;
          expect(r.logitsShape).toEqual(logits.shape);
          const cmp = compareNested(r.logits, logits.values, PYTORCH_PARITY.modelForward);
          note(backend, `parity forward: ${kind}`, cmp.maxAbsError, PYTORCH_PARITY.modelForward);
          expect(cmp.ok, `[${backend}] ${kind} logits: ${cmp.message}`).toBe(true);
          expect(Math.abs(r.loss - f.output.get('loss')!.values[0])).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
          expect([...r.grads.keys()].sort()).toEqual([...f.gradParam.keys()].sort());
          for (const [n, got] of r.grads) {
            const g = compareNested(got, f.gradParam.get(n)!.values, PYTORCH_PARITY.gradient);
            note(backend, `parity gradient: ${kind}`, g.maxAbsError, PYTORCH_PARITY.gradient);
            expect(g.ok, `[${backend}] ${kind} ∂loss/∂${n}: ${g.message}`).toBe(true);
          }
          expect(r.leaked).toBe(0);
        }, 120_000);
      }
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
