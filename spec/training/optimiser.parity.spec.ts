/**
 * AdamW, gradient clipping and the warm-up + cosine schedule against PyTorch (fixtures/optim,
 * written by scripts/export-optim-fixtures.py with torch.optim.AdamW, clip_grad_norm_ and
 * LambdaLR): parameters after every step, the moments after the last, the clipping norms and the
 * learning rates, on the float64 reference and on tfjs — all within OPTIMISER_PARITY. Then the
 * discrimination half: five plausible mis-readings of AdamW each miss PyTorch by far more than
 * that tolerance on at least one fixture.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadOptimCase, OPTIM_FIXTURES, runOptimiser } from '../../src/claims/training.js';
import { referenceImpl, tfjsImpl } from '../../src/ops/implementations.js';
import { ArgumentError, RangeArgumentError, ShapeError } from '../../src/core/errors.js';
import { compareNested, OPTIMISER_PARITY } from '../../src/core/tolerance.js';
import { adamInit, adamwStep, resolveAdamW, type AdamWOptions } from '../../src/reference/adamw.js';
import { clipGradNorm } from '../../src/reference/grad-clip.js';
import { warmupCosineLr } from '../../src/reference/lr-schedule.js';
import { createAdamW } from '../../src/tfjs/adamw.js';
import { clipGradNorm as tfClip } from '../../src/tfjs/grad-clip.js';
import { backendReport } from '../_helpers/setup.js';

const cases = OPTIM_FIXTURES.map(loadOptimCase);

describe('AdamW parity with torch.optim.AdamW (fixtures/optim)', () => {
  for (const c of cases) {
    it(`reference-f64, ${c.file}: parameters after each of ${c.grads.length} steps, and both moments after the last, within OPTIMISER_PARITY`, () => {
      let params = c.initial.map((p) => [...p]);
      let state = adamInit(params);
      c.grads.forEach((g, k) => {
        const gk = c.clip === undefined ? g : clipGradNorm(g, c.clip).grads;
        const lr = c.schedule ? warmupCosineLr(k, c.schedule) : c.options.lr;
        ({ params, state } = adamwStep(params, gk, state, { ...c.options, lr }));
        const cmp = compareNested(params, c.after[k], OPTIMISER_PARITY);
        expect(cmp.ok, `step ${k + 1}: ${cmp.message}`).toBe(true);
      });
      expect(state.step).toBe(c.grads.length);
    });

    it(`tfjs[${backendReport.choice}], ${c.file}: the same, and no tensor leaks`, async () => {
      const before = tf.memory().numTensors;
      const run = await runOptimiser(tfjsImpl(backendReport), c.initial, c.grads, { options: c.options, clip: c.clip, schedule: c.schedule });
      run.after.forEach((p, k) => {
        const cmp = compareNested(p, c.after[k], OPTIMISER_PARITY);
        expect(cmp.ok, `step ${k + 1}: ${cmp.message}`).toBe(true);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the moments after the last step equal exp_avg and exp_avg_sq (reference and tfjs)', async () => {
    const { readSafetensors, toNumbers } = await import('../../src/core/safetensors.js');
    const { PROJECT_ROOT } = await import('../../src/core/claims.js');
    for (const c of cases) {
      const { tensors } = readSafetensors(`${PROJECT_ROOT}/fixtures/optim/${c.file}`);
      const m = c.names.map((n) => toNumbers(tensors.get(`output.exp_avg.${n}`)!));
      const v = c.names.map((n) => toNumbers(tensors.get(`output.exp_avg_sq.${n}`)!));
      let params = c.initial.map((p) => [...p]);
      let state = adamInit(params);
      const vars = c.initial.map((p) => tf.variable(tf.tensor1d(p)));
      const opt = createAdamW(vars, c.options);
      c.grads.forEach((g, k) => {
        const gk = c.clip === undefined ? g : clipGradNorm(g, c.clip).grads;
        const lr = c.schedule ? warmupCosineLr(k, c.schedule) : c.options.lr;
        ({ params, state } = adamwStep(params, gk, state, { ...c.options, lr }));
        const gt = gk.map((x) => tf.tensor1d(x));
        opt.apply(gt, lr);
        tf.dispose(gt);
      });
      for (const [name, ours, torch] of [['exp_avg', state.m, m], ['exp_avg_sq', state.v, v], ['exp_avg (tfjs)', opt.moments().m.map((t) => Array.from(t.dataSync())), m], ['exp_avg_sq (tfjs)', opt.moments().v.map((t) => Array.from(t.dataSync())), v]] as const) {
        const cmp = compareNested(ours as number[][], torch, OPTIMISER_PARITY);
        expect(cmp.ok, `${c.file} ${name}: ${cmp.message}`).toBe(true);
      }
      opt.dispose();
      tf.dispose(vars);
    }
  });

  it('clip_grad_norm_: the global norms before clipping match PyTorch (reference and tfjs), relative error ≤ 1e-6', () => {
    const c = cases.find((x) => x.clip !== undefined)!;
    c.grads.forEach((g, k) => {
      const ref = clipGradNorm(g, c.clip!);
      const ts = g.map((x) => tf.tensor1d(x));
      const t = tfClip(ts, c.clip!);
      tf.dispose([...ts, ...t.grads]);
      for (const n of [ref.totalNorm, t.totalNorm]) expect(Math.abs(n - c.totalNorm![k]) / c.totalNorm![k]).toBeLessThanOrEqual(OPTIMISER_PARITY.rtol);
    });
    const clippedSteps = c.totalNorm!.filter((n) => n > c.clip!).length;
    expect(clippedSteps, 'the fixture exercises both branches').toBeGreaterThan(0);
    expect(clippedSteps).toBeLessThan(c.totalNorm!.length);
  });

  it('LambdaLR warm-up + cosine: the learning rate of every step matches PyTorch within 1e-9 (the lr is stored in float32)', () => {
    const c = cases.find((x) => x.schedule !== undefined)!;
    c.lr.forEach((lr, k) => expect(Math.abs(warmupCosineLr(k, c.schedule!) - lr)).toBeLessThanOrEqual(1e-9));
  });
});

// ---------------------------------------------------------------------------------------------
// Discrimination: the tolerance rejects near-misses

type Variant = 'coupled-l2' | 'eps-inside-sqrt' | 'no-bias-correction' | 'decay-after-step' | 'per-tensor-clipping';

/** One step of a mis-read AdamW (float64), for the discrimination specs only. */
function variantStep(variant: Variant, params: number[][], grads: number[][], state: { step: number; m: number[][]; v: number[][] }, o: AdamWOptions) {
  const { lr, beta1, beta2, eps, weightDecay } = resolveAdamW(o);
  const t = state.step + 1;
  const g = variant === 'coupled-l2' ? grads.map((gi, i) => gi.map((x, j) => x + weightDecay * params[i][j])) : grads;
  const m = state.m.map((mi, i) => mi.map((x, j) => beta1 * x + (1 - beta1) * g[i][j]));
  const v = state.v.map((vi, i) => vi.map((x, j) => beta2 * x + (1 - beta2) * g[i][j] ** 2));
  const [bc1, bc2] = variant === 'no-bias-correction' ? [1, 1] : [1 - beta1 ** t, 1 - beta2 ** t];
  const next = params.map((p, i) =>
    p.map((theta, j) => {
      const denom = variant === 'eps-inside-sqrt' ? Math.sqrt(v[i][j] / bc2 + eps) : Math.sqrt(v[i][j] / bc2) + eps;
      const step = (lr / bc1) * (m[i][j] / denom);
      if (variant === 'coupled-l2') return theta - step;
      if (variant === 'decay-after-step') return (theta - step) * (1 - lr * weightDecay);
      return theta * (1 - lr * weightDecay) - step;
    }),
  );
  return { params: next, state: { step: t, m, v } };
}

function variantDeviation(variant: Variant): number {
  let worst = 0;
  for (const c of cases) {
    let params = c.initial.map((p) => [...p]);
    let state = adamInit(params);
    c.grads.forEach((g, k) => {
      let gk = g;
      if (c.clip !== undefined) gk = variant === 'per-tensor-clipping' ? g.map((x) => clipGradNorm([x], c.clip!).grads[0]) : clipGradNorm(g, c.clip).grads;
      const lr = c.schedule ? warmupCosineLr(k, c.schedule) : c.options.lr;
      ({ params, state } = variant === 'per-tensor-clipping' ? adamwStep(params, gk, state, { ...c.options, lr }) : variantStep(variant, params, gk, state, { ...c.options, lr }));
      worst = Math.max(worst, compareNested(params, c.after[k], OPTIMISER_PARITY).maxAbsError);
    });
  }
  return worst;
}

describe('discrimination: OPTIMISER_PARITY rejects mis-read optimisers', () => {
  const variants: Array<[Variant, string]> = [
    ['coupled-l2', 'Adam with λθ added to the gradient (torch.optim.Adam weight_decay) instead of decoupled decay'],
    ['eps-inside-sqrt', 'ε under the square root, √(v̂ + ε)'],
    ['no-bias-correction', 'no bias correction (m and v used as they are)'],
    ['decay-after-step', 'decay applied after the Adam update instead of before'],
    ['per-tensor-clipping', 'each tensor clipped to max_norm separately instead of one global norm'],
  ];
  it.each(variants)('%s (%s) misses PyTorch by ≥ 100× the tolerance', (variant) => {
    const dev = variantDeviation(variant);
    expect(dev).toBeGreaterThan(100 * OPTIMISER_PARITY.atol);
  });
  it('while the correct AdamW stays within it on the same fixtures (reference)', async () => {
    for (const c of cases) {
      const run = await runOptimiser(referenceImpl, c.initial, c.grads, { options: c.options, clip: c.clip, schedule: c.schedule });
      expect(compareNested(run.after, c.after, OPTIMISER_PARITY).ok).toBe(true);
    }
  });
});

describe('bad input: named errors', () => {
  it('AdamW: β outside [0, 1), negative lr or decay, mismatched gradients, non-finite gradients', () => {
    expect(() => resolveAdamW({ beta1: 1 })).toThrow(RangeArgumentError);
    expect(() => resolveAdamW({ beta2: -0.1 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => resolveAdamW({ lr: -1 })).toThrow(/lr must be a finite number ≥ 0/);
    expect(() => resolveAdamW({ weightDecay: Number.NaN })).toThrow(RangeArgumentError);
    expect(() => adamwStep([[1, 2]], [[1]], adamInit([[1, 2]]))).toThrow(ShapeError);
    expect(() => adamwStep([[1]], [[Number.NaN]], adamInit([[1]]))).toThrow(/needs finite gradients/);
    expect(() => adamwStep([[1]], [[1], [2]], adamInit([[1]]))).toThrow(ArgumentError);
    const v = [tf.variable(tf.tensor1d([1, 2]))];
    const opt = createAdamW(v);
    const g = tf.tensor1d([1, 2, 3]);
    expect(() => opt.apply([g])).toThrow(ShapeError);
    expect(() => opt.apply([])).toThrow(/0 gradients for 1 variables/);
    tf.dispose([g, ...v]);
    opt.dispose();
  });
  it('clipping: max_norm ≤ 0 or not finite, and NaN gradients, are refused', () => {
    expect(() => clipGradNorm([[1]], 0)).toThrow(/max_norm must be a finite number > 0, got 0/);
    expect(() => clipGradNorm([[1]], Number.POSITIVE_INFINITY)).toThrow(RangeArgumentError);
    expect(() => clipGradNorm([[Number.NaN]], 1)).toThrow(/global norm would not be finite/);
    const t = tf.tensor1d([Number.NaN]);
    expect(() => tfClip([t], 1)).toThrow(/holds NaN or ±∞/);
    t.dispose();
  });
  it('schedule: W ≥ K, a negative step, or a floor above the peak are refused', () => {
    expect(() => warmupCosineLr(0, { peakLr: 1, warmupSteps: 5, totalSteps: 5 })).toThrow(/totalSteps must be an integer > warmupSteps/);
    expect(() => warmupCosineLr(-1, { peakLr: 1, warmupSteps: 0, totalSteps: 5 })).toThrow(/step must be an integer ≥ 0/);
    expect(() => warmupCosineLr(0, { peakLr: 1, warmupSteps: 0, totalSteps: 5, minLr: 2 })).toThrow(/minLr must be in \[0, peakLr/);
  });
});
