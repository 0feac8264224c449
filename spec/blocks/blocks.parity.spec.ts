/**
 * Parity of every layer with PyTorch: the fixtures in fixtures/layers/ hold inputs, parameters,
 * outputs, a random cotangent g and the gradients of Σ(output ⊙ g) exported by
 * scripts/export-fixtures.py. For each layer: shape, then forward values, then gradients —
 * tfjs by tf.grads for every input and parameter; the float64 reference by central differences
 * at sampled coordinates of every gradient tensor. Tolerances: PYTORCH_PARITY, FINITE_DIFFERENCE.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/random.js';
import { compareNested, FINITE_DIFFERENCE, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import type { Matrix } from '../../src/core/shape.js';
import { applyActivationWith, type Activation } from '../../src/reference/activations.js';
import { batchNorm } from '../../src/reference/batch-norm.js';
import { float64 } from '../../src/reference/field.js';
import { feedForward } from '../../src/reference/feed-forward.js';
import { layerNorm } from '../../src/reference/layer-norm.js';
import { block, decoderLayer, encoderLayer, multiHeadModule } from '../../src/reference/transformer-block.js';
import * as L from '../../src/tfjs/layers.js';
import * as TB from '../../src/tfjs/transformer-block.js';
import '../../src/tfjs/index.js';
import { loadFixture, nested, rebuild, referenceParams, type Fixture, type FixtureTensor } from '../_helpers/fixtures.js';
import { backendReport } from '../_helpers/setup.js';

type Inputs = Record<string, unknown>;
/* eslint-disable @typescript-eslint/no-explicit-any */
interface LayerCase {
  file: string;
  /** float64 reference on nested arrays (batch handled by mapping over the first axis). */
  reference: (inputs: Inputs, params: any) => unknown;
  /** tfjs on tensors. */
  tfjs: (inputs: Record<string, tf.Tensor>, params: any) => tf.Tensor;
}

const perBatch = (f: (x: Matrix, ...rest: any[]) => Matrix) => (x: unknown, ...rest: any[]) => (x as Matrix[]).map((xb, b) => f(xb, ...rest.map((r) => (Array.isArray(r) && Array.isArray(r[0]?.[0]) ? r[b] : r))));
const act = (name: string): Activation => (name.includes('tanh') ? 'gelu-tanh' : name.includes('relu') ? 'relu' : 'gelu');

const CASES: LayerCase[] = [
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
];

const flatten = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flatten) : [x as number]);
const shapeOfNested = (x: unknown): number[] => (Array.isArray(x) ? [x.length, ...shapeOfNested(x[0])] : []);
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const isBuffer = (f: Fixture, name: string) => !f.gradParam.has(name);

function referenceLoss(c: LayerCase, f: Fixture, input: Map<string, FixtureTensor>, param: Map<string, FixtureTensor>): number {
  const inputs = Object.fromEntries([...input].map(([n, t]) => [n, nested(t)]));
  const out = flatten(c.reference(inputs, referenceParams(param)));
  return dot(out, f.cotangent.get('y')!.values);
}

/** Central difference of the reference loss w.r.t. one coordinate of one tensor. */
function referenceGradientAt(c: LayerCase, f: Fixture, which: 'input' | 'param', name: string, index: number, h = 1e-5): number {
  const bump = (delta: number) => {
    const maps = { input: new Map(f.input), param: new Map(f.param) };
    const t = maps[which].get(name)!;
    const values = [...t.values];
    values[index] += delta;
    maps[which].set(name, { ...t, values });
    return referenceLoss(c, f, maps.input, maps.param);
  };
  return (bump(h) - bump(-h)) / (2 * h);
}

describe(`layer parity with PyTorch (fixtures/layers, tfjs on ${backendReport.choice})`, () => {
  for (const c of CASES) {
    describe(c.file, () => {
      const f = loadFixture(`layers/${c.file}.safetensors`);
      const expected = f.output.get('y')!;
      const inputs = Object.fromEntries([...f.input].map(([n, t]) => [n, nested(t)]));

      it('reference-f64: output shape, then values match PyTorch', () => {
        const out = c.reference(inputs, referenceParams(f.param));
        expect(shapeOfNested(out)).toEqual(expected.shape);
        const cmp = compareNested(flatten(out), expected.values, PYTORCH_PARITY.forward);
        expect(cmp.ok, cmp.message).toBe(true);
      });

      it(`tfjs[${backendReport.choice}]: output shape, then values, then every gradient match PyTorch`, () => {
        const before = tf.memory().numTensors;
        const tensorOf = (t: FixtureTensor) => tf.tensor(t.values, t.shape, t.integer ? 'int32' : 'float32');
        const inNames = [...f.input.keys()];
        const pNames = [...f.param.keys()];
        const inTensors = inNames.map((n) => tensorOf(f.input.get(n)!));
        const pTensors = pNames.map((n) => tensorOf(f.param.get(n)!));
        const cot = tensorOf(f.cotangent.get('y')!);
        // Differentiate w.r.t. what PyTorch has gradients for; buffers (tril, running stats) stay constant.
        const diff = [...inNames.map((n, i) => ({ kind: 'input', name: n, at: i })), ...pNames.map((n, i) => ({ kind: 'param', name: n, at: inNames.length + i }))].filter(
          (d) => (d.kind === 'input' ? f.gradInput : f.gradParam).has(d.name),
        );
        const all = [...inTensors, ...pTensors];
        const run = (ts: tf.Tensor[]) => c.tfjs(Object.fromEntries(inNames.map((n, i) => [n, ts[i]])), rebuild(pNames, ts.slice(inNames.length)));
        const withDiff = (vars: tf.Tensor[]) => all.map((t, i) => vars[diff.findIndex((d) => d.at === i)] ?? t);
        const y = run(all);
        expect(y.shape).toEqual(expected.shape);
        const cmp = compareNested(Array.from(y.dataSync()), expected.values, PYTORCH_PARITY.forward);
        expect(cmp.ok, `forward: ${cmp.message}`).toBe(true);
        const grads = tf.grads((...vars: tf.Tensor[]) => tf.sum(tf.mul(run(withDiff(vars)), cot)) as tf.Scalar)(diff.map((d) => all[d.at]));
        diff.forEach((d, i) => {
          const want = (d.kind === 'input' ? f.gradInput : f.gradParam).get(d.name)!;
          const g = compareNested(Array.from(grads[i].dataSync()), want.values, PYTORCH_PARITY.gradient);
          expect(g.ok, `∂/∂${d.kind}.${d.name}: ${g.message}`).toBe(true);
        });
        expect(diff.length).toBe(f.gradInput.size + f.gradParam.size);
        tf.dispose([y, cot, ...grads, ...inTensors, ...pTensors]);
        expect(tf.memory().numTensors).toBe(before);
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
