/**
 * Parity with PyTorch for LoRA and the alignment losses (fixtures/peft/, written only by
 * scripts/export-peft-fixtures.py): shape, then forward values, then gradients, each within
 * PYTORCH_PARITY. The fixtures use PEFT's parameter names (base_layer, lora_A.default,
 * lora_B.default), its initialisation of A and its α/r scaling, on an nn.Linear and on GPT-2's
 * Conv1D layout (weight in × out, merged with the transposed update); PyTorch froze the base, so
 * the fixtures hold gradients for A and B only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import * as RA from '../../src/reference/alignment.js';
import { float64 } from '../../src/reference/field.js';
import { transpose } from '../../src/reference/linear-algebra.js';
import { loraLinear, mergeLora, mergeLoraConv1d, type LoraParams } from '../../src/reference/lora.js';
import '../../src/tfjs/index.js';
import * as TA from '../../src/tfjs/alignment.js';
import { loraLinear as tfLoraLinear } from '../../src/tfjs/lora.js';
import type { Matrix } from '../_helpers/arbitraries.js';
import { loadFixture, nested, type FixtureTensor } from '../_helpers/fixtures.js';
import { backendReport } from '../_helpers/setup.js';

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
const close = (got: unknown, want: FixtureTensor, t = PYTORCH_PARITY.forward) => {
  const c = compareNested(flat(got), want.values, t);
  expect(c.ok, c.message).toBe(true);
};

for (const name of ['lora-linear', 'lora-conv1d'] as const) {
  describe(`LoRA parity: ${name}`, () => {
    const f = loadFixture(`peft/${name}.safetensors`);
    const cfg = f.config as { d_in: number; d_out: number; r: number; alpha: number; conv1d: boolean };
    const W = nested(f.param.get('base_layer.weight')!) as Matrix;
    const p: LoraParams<number> = {
      base: { weight: cfg.conv1d ? transpose(W) : W, bias: f.param.get('base_layer.bias')!.values }, // Conv1D (in × out) → Linear (out × in)
      A: nested(f.param.get('lora_A.default.weight')!) as Matrix,
      B: nested(f.param.get('lora_B.default.weight')!) as Matrix,
    };
    const xs = nested(f.input.get('x')!) as Matrix[];

    it('shapes: A (r × d_in), B (d_out × r), y (2 × 3 × d_out); PyTorch kept the base frozen (no gradient for it)', () => {
      expect(f.param.get('lora_A.default.weight')!.shape).toEqual([cfg.r, cfg.d_in]);
      expect(f.param.get('lora_B.default.weight')!.shape).toEqual([cfg.d_out, cfg.r]);
      expect(f.output.get('y')!.shape).toEqual([2, 3, cfg.d_out]);
      expect([...f.gradParam.keys()].sort()).toEqual(['lora_A.default.weight', 'lora_B.default.weight']);
    });

    it('reference (float64): forward and merged weight within PYTORCH_PARITY.forward', () => {
      close(xs.map((x) => loraLinear(x, p, { alpha: cfg.alpha })), f.output.get('y')!);
      const merged = cfg.conv1d ? mergeLoraConv1d({ weight: W }, p, { alpha: cfg.alpha }).weight : mergeLora(p, { alpha: cfg.alpha }).weight;
      close(merged, f.output.get('merged_weight')!);
    });

    it(`tfjs (${backendReport.choice}): forward within PYTORCH_PARITY.forward; gradients of A, B and x within PYTORCH_PARITY.gradient`, () => {
      const before = tf.memory().numTensors;
      const [y, gA, gB, gX] = tf.tidy(() => {
        const [Wt, b, x, cot] = [tf.tensor2d(p.base.weight), tf.tensor1d(p.base.bias!), tf.tensor3d(xs), tf.tensor(f.cotangent.get('y')!.values, f.cotangent.get('y')!.shape)];
        const run = (A: tf.Tensor, B: tf.Tensor, X: tf.Tensor) => tfLoraLinear(X, { A, B, base: { weight: Wt, bias: b } }, { alpha: cfg.alpha });
        const out = run(tf.tensor2d(p.A), tf.tensor2d(p.B), x);
        const grads = tf.grads((A: tf.Tensor, B: tf.Tensor, X: tf.Tensor) => tf.sum(tf.mul(run(A, B, X), cot)) as tf.Scalar)([tf.tensor2d(p.A), tf.tensor2d(p.B), x]);
        return [out, ...grads].map((t) => t.arraySync());
      });
      expect(tf.memory().numTensors).toBe(before);
      close(y, f.output.get('y')!);
      close(gA, f.gradParam.get('lora_A.default.weight')!, PYTORCH_PARITY.gradient);
      close(gB, f.gradParam.get('lora_B.default.weight')!, PYTORCH_PARITY.gradient);
      close(gX, f.gradInput.get('x')!, PYTORCH_PARITY.gradient);
    });
  });
}

describe('alignment parity (PyTorch logsigmoid, clamp, kl_div)', () => {
  const f = loadFixture('peft/alignment.safetensors');
  const v = (k: string) => f.input.get(k)!.values;
  const beta = (f.config as { beta: number }).beta;
  const pairs = v('policy_chosen').map((_, i) => ({ policyChosen: v('policy_chosen')[i], policyRejected: v('policy_rejected')[i], referenceChosen: v('reference_chosen')[i], referenceRejected: v('reference_rejected')[i] }));

  it('DPO loss per pair and its gradient: reference (float64, analytic) and tfjs (tf.grads)', () => {
    close(pairs.map((lp) => RA.dpoLoss(lp, beta)), f.output.get('dpo_loss')!);
    const g = pairs.map((lp) => RA.dpoGradientWith(float64, lp, beta));
    close(g.map((x) => x.chosen), f.gradInput.get('policy_chosen')!, PYTORCH_PARITY.gradient);
    close(g.map((x) => x.rejected), f.gradInput.get('policy_rejected')!, PYTORCH_PARITY.gradient);
    const [loss, gc, gr] = tf.tidy(() => {
      const t = (k: string) => tf.tensor1d(v(k));
      const run = (c: tf.Tensor, r: tf.Tensor) => TA.dpoLoss({ policyChosen: c, policyRejected: r, referenceChosen: t('reference_chosen'), referenceRejected: t('reference_rejected') }, beta);
      const grads = tf.grads((c: tf.Tensor, r: tf.Tensor) => tf.sum(run(c, r)) as tf.Scalar)([t('policy_chosen'), t('policy_rejected')]);
      return [run(t('policy_chosen'), t('policy_rejected')), ...grads].map((x) => x.arraySync());
    });
    close(loss, f.output.get('dpo_loss')!);
    close(gc, f.gradInput.get('policy_chosen')!, PYTORCH_PARITY.gradient);
    close(gr, f.gradInput.get('policy_rejected')!, PYTORCH_PARITY.gradient);
  });

  it('ranking loss, PPO clipped objective (and its zero slope beyond the clip), KL: reference and tfjs', () => {
    close([RA.rankingLoss(v('rewards'))], f.output.get('ranking_loss')!);
    close(v('ratio').map((r, i) => RA.ppoClipObjective(r, v('advantage')[i], 0.2)), f.output.get('ppo_objective')!);
    close([RA.klDivergence(v('p'), v('q'))], f.output.get('kl')!);
    const [rank, ppo, dRatio, kl] = tf.tidy(() => {
      const ratio = tf.tensor1d(v('ratio'));
      const adv = tf.tensor1d(v('advantage'));
      const d = tf.grad((r: tf.Tensor) => tf.sum(TA.ppoClipObjective(r, adv, 0.2)) as tf.Scalar)(ratio);
      return [TA.rankingLoss(tf.tensor1d(v('rewards'))), TA.ppoClipObjective(ratio, adv, 0.2), d, TA.klDivergence(tf.tensor1d(v('p')), tf.tensor1d(v('q')))].map((x) => x.arraySync());
    });
    close([rank], f.output.get('ranking_loss')!);
    close(ppo, f.output.get('ppo_objective')!);
    close(dRatio, f.gradInput.get('ratio')!, PYTORCH_PARITY.gradient);
    close([kl], f.output.get('kl')!);
  });
});
