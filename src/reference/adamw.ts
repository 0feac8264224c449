/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW
 * computes it (amsgrad off). The course ("Optimization & Schedules") names AdamW as the usual
 * optimiser of LLM training, with weight decay among its regularisers. For step t = 1, 2, …,
 * learning rate η_t, decay λ, gradient g_t:
 *
 *   θ ← θ·(1 − η_t λ)                                  decay first, on the weights themselves
 *   m_t = β₁ m_{t−1} + (1 − β₁) g_t                     first moment
 *   v_t = β₂ v_{t−1} + (1 − β₂) g_t²                    second moment (elementwise)
 *   θ ← θ − (η_t / (1 − β₁ᵗ)) · m_t / ( √v_t / √(1 − β₂ᵗ) + ε )
 *
 * The bias corrections 1 − βᵗ undo the zero initialisation of m and v, so the first step moves
 * each weight by about η whatever the scale of its gradient (m̂₁/√v̂₁ = g/|g|). ε sits outside
 * the square root and is added after the v correction, as in PyTorch.
 *
 * "Coupled" L2 regularisation (torch.optim.Adam with weight_decay) instead adds λθ to the gradient
 * before the moments; then the decay is divided by √v̂ like the gradient and is not the same
 * update. `adamL2Step` computes it, for the discrimination spec.
 *
 * Parameters and gradients are lists of flat float64 vectors (one per tensor, row-major).
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';

export interface AdamWOptions {
  /** η (torch default 1e-3); a schedule may pass a different lr to each step. */
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** λ (torch.optim.AdamW default 1e-2). */
  weightDecay?: number;
}

export const TORCH_ADAMW_DEFAULTS = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 } as const;

export interface AdamState {
  /** Steps taken so far (t of the last step). */
  step: number;
  m: number[][];
  v: number[][];
}

export function resolveAdamW(o: AdamWOptions = {}): Required<AdamWOptions> {
  const r = { ...TORCH_ADAMW_DEFAULTS, ...o };
  if (!(Number.isFinite(r.lr) && r.lr >= 0)) throw new RangeArgumentError(`lr must be a finite number ≥ 0, got ${r.lr}`);
  if (!(r.beta1 >= 0 && r.beta1 < 1)) throw new RangeArgumentError(`beta1 must be in [0, 1), got ${r.beta1}`);
  if (!(r.beta2 >= 0 && r.beta2 < 1)) throw new RangeArgumentError(`beta2 must be in [0, 1), got ${r.beta2}`);
  if (!(Number.isFinite(r.eps) && r.eps >= 0)) throw new RangeArgumentError(`eps must be a finite number ≥ 0, got ${r.eps}`);
  if (!(Number.isFinite(r.weightDecay) && r.weightDecay >= 0)) throw new RangeArgumentError(`weightDecay must be a finite number ≥ 0, got ${r.weightDecay}`);
  return r;
}

export function adamInit(params: readonly (readonly number[])[]): AdamState {
  return { step: 0, m: params.map((p) => p.map(() => 0)), v: params.map((p) => p.map(() => 0)) };
}

function checkPairs(params: readonly (readonly number[])[], grads: readonly (readonly number[])[], state: AdamState): void {
  if (params.length !== grads.length || params.length !== state.m.length) throw new ArgumentError(`${params.length} parameters, ${grads.length} gradients and ${state.m.length} moment vectors: one gradient and one state per parameter`);
  params.forEach((p, i) => {
    if (grads[i].length !== p.length) throw new ShapeError(`gradient ${i} has ${grads[i].length} entries, parameter ${i} has ${p.length}`);
    grads[i].forEach((g, j) => {
      if (!Number.isFinite(g)) throw new ArgumentError(`gradient ${i}[${j}] is ${g}: AdamW needs finite gradients`);
    });
  });
}

/** One torch.optim.AdamW step; returns the new parameters and state (inputs are not modified). */
export function adamwStep(params: readonly (readonly number[])[], grads: readonly (readonly number[])[], state: AdamState, options: AdamWOptions = {}): { params: number[][]; state: AdamState } {
  const { lr, beta1, beta2, eps, weightDecay } = resolveAdamW(options);
  checkPairs(params, grads, state);
  const t = state.step + 1;
  const bc1 = 1 - beta1 ** t;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
  const m = state.m.map((mi, i) => mi.map((x, j) => beta1 * x + (1 - beta1) * grads[i][j]));
  const v = state.v.map((vi, i) => vi.map((x, j) => beta2 * x + (1 - beta2) * grads[i][j] ** 2));
  const next = params.map((p, i) => p.map((theta, j) => theta * (1 - lr * weightDecay) - (lr / bc1) * (m[i][j] / (Math.sqrt(v[i][j]) / bc2Sqrt + eps))));
  return { params: next, state: { step: t, m, v } };
}

/** Adam with coupled L2 decay (torch.optim.Adam, weight_decay = λ): g ← g + λθ, then Adam. For contrast only. */
export function adamL2Step(params: readonly (readonly number[])[], grads: readonly (readonly number[])[], state: AdamState, options: AdamWOptions = {}): { params: number[][]; state: AdamState } {
  const { weightDecay, ...rest } = resolveAdamW(options);
  const coupled = grads.map((g, i) => g.map((x, j) => x + weightDecay * params[i][j]));
  return adamwStep(params, coupled, state, { ...rest, weightDecay: 0 });
}

/** The stateful form of adamwStep, with the tfjs optimiser's name and arguments (src/tfjs/adamw.ts). */
export interface AdamW {
  /** Steps taken so far. */
  readonly step: number;
  /** One step: the variables (flat vectors, one per tensor) are updated in place, as tf.Variable.assign does. */
  apply(grads: readonly (readonly number[])[], lr?: number): void;
  /** First and second moments, for inspection. */
  moments(): { m: readonly number[][]; v: readonly number[][] };
  dispose(): void;
}

export function createAdamW(variables: number[][], options: AdamWOptions = {}): AdamW {
  const base = resolveAdamW(options);
  let state = adamInit(variables);
  return {
    get step() {
      return state.step;
    },
    apply(grads, lr) {
      const next = adamwStep(variables, grads, state, lr === undefined ? base : { ...base, lr });
      next.params.forEach((p, i) => variables[i].splice(0, p.length, ...p));
      state = next.state;
    },
    moments: () => ({ m: state.m, v: state.v }),
    dispose() {
      state = adamInit(variables);
    },
  };
}
