/**
 * The layer-parity table: for each PyTorch fixture in fixtures/layers/, how the float64 reference
 * and the tfjs implementation compute that layer. Shared by spec/blocks/blocks.parity.spec.ts (which
 * asserts) and scripts/parity-report.ts (which measures the largest errors).
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-core';
import { nested, referenceParams, type Fixture, type FixtureTensor } from '../core/fixtures.js';
import { unflatten } from '../reference/state-dict.js';
import type { Matrix } from '../core/shape.js';
import { applyActivationWith, type Activation } from '../reference/activations.js';
import { batchNorm } from '../reference/batch-norm.js';
import { float64 } from '../reference/field.js';
import { feedForward } from '../reference/feed-forward.js';
import { layerNorm } from '../reference/layer-norm.js';
import { rmsNorm } from '../reference/rms-norm.js';
import { block, decoderLayer, encoderLayer, multiHeadModule } from '../reference/transformer-block.js';
import * as L from '../tfjs/index.js';
import { rmsNorm as tfRmsNorm } from '../tfjs/rms-norm.js';
import * as TB from '../tfjs/transformer-block.js';
import type { TinyConfig, TinyKind } from '../core/tiny-config.js';
import { tinyModel as tfTinyModel, type TfTinyModelParams } from '../tfjs/tiny-models.js';

type Inputs = Record<string, unknown>;
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface LayerCase {
  file: string;
  /** float64 reference on nested arrays (batch handled by mapping over the first axis). */
  reference: (inputs: Inputs, params: any) => unknown;
  /** tfjs on tensors. */
  tfjs: (inputs: Record<string, tf.Tensor>, params: any) => tf.Tensor;
}

const perBatch = (f: (x: Matrix, ...rest: any[]) => Matrix) => (x: unknown, ...rest: any[]) => (x as Matrix[]).map((xb, b) => f(xb, ...rest.map((r) => (Array.isArray(r) && Array.isArray(r[0]?.[0]) ? r[b] : r))));
const act = (name: string): Activation => (name.includes('tanh') ? 'gelu-tanh' : name.includes('relu') ? 'relu' : 'gelu');

export const LAYER_CASES: LayerCase[] = [
  { file: 'layer-norm', reference: (i, p) => perBatch((x) => layerNorm(x, p))(i.x), tfjs: (i, p) => L.layerNorm(i.x, p) },
  { file: 'batch-norm', reference: (i, p) => batchNorm(i.x as Matrix, { weight: p.weight, bias: p.bias }), tfjs: (i, p) => L.batchNorm(i.x, { weight: p.weight, bias: p.bias }) },
  ...(['gelu-erf', 'gelu-tanh'] as const).map((file) => ({
    file,
    reference: (i: Inputs) => applyActivationWith(float64, [i.x as number[]], act(file))[0],
    tfjs: (i: Record<string, tf.Tensor>) => L.activation(i.x, act(file)),
  })),
  ...(['ffn-relu', 'ffn-gelu', 'ffn-gelu-tanh'] as const).map((file) => ({
    file,
    reference: (i: Inputs, p: any) => perBatch((x) => feedForward(x, p, act(file)))(i.x),
    tfjs: (i: Record<string, tf.Tensor>, p: any) => L.feedForward(i.x, p, act(file)),
  })),
  { file: 'multi-head', reference: (i, p) => perBatch((x) => multiHeadModule(x, p))(i.x), tfjs: (i, p) => TB.multiHeadModule(i.x, p) },
  { file: 'causal-multi-head', reference: (i, p) => perBatch((x) => multiHeadModule(x, p, { causal: true }))(i.x), tfjs: (i, p) => TB.multiHeadModule(i.x, p, { causal: true }) },
  {
    file: 'cross-multi-head',
    reference: (i, p) => (i.x as Matrix[]).map((x, b) => multiHeadModule(x, p, { memory: (i.memory as Matrix[])[b] })),
    tfjs: (i, p) => TB.multiHeadModule(i.x, p, { memory: i.memory }),
  },
  { file: 'block', reference: (i, p) => perBatch((x) => block(x, p))(i.x), tfjs: (i, p) => TB.block(i.x, p) },
  { file: 'causal-block', reference: (i, p) => perBatch((x) => block(x, p, { causal: true }))(i.x), tfjs: (i, p) => TB.block(i.x, p, { causal: true }) },
  { file: 'encoder-layer-post-ln', reference: (i, p) => perBatch((x) => encoderLayer(x, p, 'relu'))(i.x), tfjs: (i, p) => TB.encoderLayer(i.x, p, 'relu') },
  {
    file: 'decoder-layer-post-ln',
    reference: (i, p) => (i.x as Matrix[]).map((x, b) => decoderLayer(x, (i.memory as Matrix[])[b], p, 'relu')),
    tfjs: (i, p) => TB.decoderLayer(i.x, i.memory, p, 'relu'),
  },
  { file: 'rms-norm', reference: (i, p) => perBatch((x) => rmsNorm(x, p))(i.x), tfjs: (i, p) => tfRmsNorm(i.x, p) },
];


// ---------------------------------------------------------------------------------------------
// Running a case against its fixture (used by the parity spec and scripts/parity-report.ts)


const flattenDeep = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flattenDeep) : [x as number]);
export const nestedShape = (x: unknown): number[] => (Array.isArray(x) ? [x.length, ...nestedShape(x[0])] : []);

/** The reference output for the fixture's inputs and parameters (optionally replaced). */
export function referenceLayerOutput(c: LayerCase, f: Fixture, input = f.input, param = f.param): { shape: number[]; values: number[] } {
  const out = c.reference(Object.fromEntries([...input].map(([n, t]) => [n, nested(t)])), referenceParams(param));
  return { shape: nestedShape(out), values: flattenDeep(out) };
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
export function tfjsLayerRun(c: LayerCase, f: Fixture): { shape: number[]; output: number[]; grads: Map<string, number[]>; leaked: number } {
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
  const result = { shape: [...y.shape], output: Array.from(y.dataSync()), grads: new Map(diff.map((d, i) => [d.key, Array.from(grads[i].dataSync())])) };
  tfc.dispose([y, cot, ...grads, ...all]);
  return { ...result, leaked: tfc.memory().numTensors - before };
}

/**
 * TinyGPT / TinyBERT on tfjs with the fixture's parameters: logits, loss and ∂loss/∂p for every
 * parameter PyTorch exported a gradient for (used by the model parity spec and `npm run parity`).
 */
export function tfjsModelRun(kind: TinyKind, config: TinyConfig, f: Fixture, idx: number[][], targets: number[][]): { logitsShape: number[]; logits: number[]; loss: number; grads: Map<string, number[]>; leaked: number } {
  const before = tfc.memory().numTensors;
  const names = [...f.param.keys()];
  const tensors = names.map((n) => tfc.tensor(f.param.get(n)!.values, f.param.get(n)!.shape));
  const trainable = names.map((n, i) => [n, i] as const).filter(([n]) => f.gradParam.has(n));
  const forward = (ts: tfc.Tensor[]) => tfTinyModel(kind, config, unflatten(names.map((n, i) => [n, ts[i]])) as unknown as TfTinyModelParams, idx, targets);
  const out = forward(tensors);
  const grads = tfc.grads((...vars: tfc.Tensor[]) => {
    const ts = [...tensors];
    trainable.forEach(([, i], k) => (ts[i] = vars[k]));
    const o = forward(ts);
    tfc.dispose(o.logits);
    return o.loss!;
  })(trainable.map(([, i]) => tensors[i]));
  const result = { logitsShape: [...out.logits.shape], logits: Array.from(out.logits.dataSync()), loss: out.loss!.dataSync()[0], grads: new Map(trainable.map(([n], k) => [n, Array.from(grads[k].dataSync())])) };
  tfc.dispose([out.logits, out.loss!, ...grads, ...tensors]);
  return { ...result, leaked: tfc.memory().numTensors - before };
}
