/**
 * Parity with PyTorch, driven by the op registry: every fixture a registry row names
 * (OpRow.fixtures, fixtures/layers/<file>.safetensors) becomes a layer case, run by
 * spec/blocks/blocks.parity.spec.ts (which asserts) and scripts/parity-report.ts (which measures the
 * largest errors). The model fixtures (TinyGPT, TinyBERT) run through tfjsModelRun.
 * Read-backs are asynchronous (no synchronous read: see src/tfjs/index.ts).
 */
import * as tfc from '@tensorflow/tfjs-core';
import { nested, referenceParams, type Fixture, type FixtureTensor } from '../core/fixtures.js';
import { shapeOf } from '../core/shape.js';
import type { TinyConfig, TinyKind } from '../core/tiny-config.js';
import { unflatten } from '../core/state-dict.js';
import { tinyModel as tfTinyModel, type TfTinyModelParams } from '../tfjs/tiny-models.js';
import type { TfOpSet } from '../tfjs/op-set.js';
import { OP_NAMES, OP_REGISTRY, type FixtureRun, type OpName, type OpRow } from './registry.js';

/** One PyTorch fixture of a registry op. */
export interface LayerCase extends FixtureRun {
  op: OpName;
}

/**
 * The fixture file of a case, under fixtures/: a bare name is fixtures/layers/<file>.safetensors
 * (scripts/export-fixtures.py); a name with a folder, e.g. "llm/swiglu", is that folder's file
 * (fixtures/llm: scripts/export-llm-fixtures.py).
 */
export const fixturePath = (file: string): string => (file.includes('/') ? `${file}.safetensors` : `layers/${file}.safetensors`);

export const LAYER_CASES: LayerCase[] = OP_NAMES.flatMap((op) => ((OP_REGISTRY[op] as OpRow).fixtures ?? []).map((f) => ({ op, ...f })));

// ---------------------------------------------------------------------------------------------
// Running a case against its fixture (used by the parity spec and scripts/parity-report.ts)


const flattenDeep = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flattenDeep) : [x as number]);

/** The reference output for the fixture's inputs and parameters (optionally replaced). */
export function referenceLayerOutput(c: LayerCase, f: Fixture, input = f.input, param = f.param): { shape: number[]; values: number[] } {
  const out = c.reference(Object.fromEntries([...input].map(([n, t]) => [n, nested(t)])), referenceParams(param));
  return { shape: shapeOf(out), values: flattenDeep(out) };
}

/** Σ(output ⊙ cotangent) on the reference: the scalar whose gradients the fixture holds. */
export function referenceLayerLoss(c: LayerCase, f: Fixture, input: Map<string, FixtureTensor>, param: Map<string, FixtureTensor>): number {
  const cot = f.cotangent.get('y')!.values;
  return referenceLayerOutput(c, f, input, param).values.reduce((s, v, i) => s + v * cot[i], 0);
}

/**
 * tfjs forward pass and tf.grads of Σ(output ⊙ cotangent) w.r.t. every input and parameter that
 * PyTorch has a gradient for (buffers such as `tril` and BatchNorm's running statistics stay
 * constant). Returns plain arrays and the change in the live tensor count (0 = no leak).
 */
export async function tfjsLayerRun(c: LayerCase, f: Fixture): Promise<{ shape: number[]; output: number[]; grads: Map<string, number[]>; leaked: number }> {
  const before = tfc.memory().numTensors;
  const tensorOf = (t: FixtureTensor) => tfc.tensor(t.values, t.shape, t.integer ? 'int32' : 'float32');
  const inNames = [...f.input.keys()];
  const pNames = [...f.param.keys()];
  const all = [...inNames.map((n) => tensorOf(f.input.get(n)!)), ...pNames.map((n) => tensorOf(f.param.get(n)!))];
  const cot = tensorOf(f.cotangent.get('y')!);
  const diff = [...inNames.map((n, i) => ({ key: `input.${n}`, has: f.gradInput.has(n), at: i })), ...pNames.map((n, i) => ({ key: `param.${n}`, has: f.gradParam.has(n), at: inNames.length + i }))].filter((d) => d.has);
  const run = (ts: tfc.Tensor[]) => c.tfjs(Object.fromEntries(inNames.map((n, i) => [n, ts[i]])), unflatten(pNames.map((n, i) => [n, ts[inNames.length + i]])));
  const withDiff = (vars: tfc.Tensor[]) => all.map((t, i) => vars[diff.findIndex((d) => d.at === i)] ?? t);
  const y = run(all);
  const grads = tfc.grads((...vars: tfc.Tensor[]) => tfc.sum(tfc.mul(run(withDiff(vars)), cot)) as tfc.Scalar)(diff.map((d) => all[d.at]));
  const values = await Promise.all([y, ...grads].map((t) => t.data()));
  const result = { shape: [...y.shape], output: Array.from(values[0]), grads: new Map(diff.map((d, i) => [d.key, Array.from(values[i + 1])])) };
  tfc.dispose([y, cot, ...grads, ...all]);
  return { ...result, leaked: tfc.memory().numTensors - before };
}

/**
 * TinyGPT / TinyBERT on tfjs with the fixture's parameters: logits, loss and ∂loss/∂p for every
 * parameter PyTorch exported a gradient for (used by the model parity spec and `npm run parity`).
 */
/**
 * A tiny model's logits, loss and every parameter's gradient (tf.grads) on the fixture's weights.
 * `ops`: the op set (default the evaluation ops; a trainer's, e.g. trainingOps({ p: 0, … }), runs
 * the training path's composite kernels, which stand in for the fused wasm kernels on other backends).
 */
export async function tfjsModelRun(kind: TinyKind, config: TinyConfig, f: Fixture, idx: number[][], targets: number[][], ops?: TfOpSet): Promise<{ logitsShape: number[]; logits: number[]; loss: number; grads: Map<string, number[]>; leaked: number }> {
  const before = tfc.memory().numTensors;
  const names = [...f.param.keys()];
  const tensors = names.map((n) => tfc.tensor(f.param.get(n)!.values, f.param.get(n)!.shape));
  const trainable = names.map((n, i) => [n, i] as const).filter(([n]) => f.gradParam.has(n));
  const forward = (ts: tfc.Tensor[]) => tfTinyModel(kind, config, unflatten(names.map((n, i) => [n, ts[i]])) as unknown as TfTinyModelParams, idx, targets, ops ? { ops } : {});
  const out = forward(tensors);
  const grads = tfc.grads((...vars: tfc.Tensor[]) => {
    const ts = [...tensors];
    trainable.forEach(([, i], k) => (ts[i] = vars[k]));
    const o = forward(ts);
    tfc.dispose(o.logits);
    return o.loss!;
  })(trainable.map(([, i]) => tensors[i]));
  const values = await Promise.all([out.logits, out.loss!, ...grads].map((t) => t.data()));
  const result = { logitsShape: [...out.logits.shape], logits: Array.from(values[0]), loss: values[1][0], grads: new Map(trainable.map(([n], k) => [n, Array.from(values[k + 2])])) };
  tfc.dispose([out.logits, out.loss!, ...grads, ...tensors]);
  return { ...result, leaked: tfc.memory().numTensors - before };
}
