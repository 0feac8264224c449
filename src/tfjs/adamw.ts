/**
 * AdamW in TensorFlow.js (float32) for a list of tf.Variables; the formula, defaults and argument
 * checks are those of src/reference/adamw.ts (torch.optim.AdamW):
 *
 *   θ ← θ(1 − ηλ);  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  θ ← θ − η/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)
 *
 * The optimiser owns its moment tensors (dispose() frees them); the caller owns the variables and
 * the gradients. Each step runs inside tf.tidy and assigns the new values to the variables.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, ShapeError } from '../core/errors.js';
import { resolveAdamW, type AdamWOptions } from '../reference/adamw.js';

export interface TfAdamW {
  /** Steps taken so far. */
  readonly step: number;
  /** One step with these gradients (one per variable, same shapes); `lr` overrides the configured η for this step. */
  apply(grads: readonly tf.Tensor[], lr?: number): void;
  /** First and second moments, for inspection (owned by the optimiser). */
  moments(): { m: readonly tf.Tensor[]; v: readonly tf.Tensor[] };
  dispose(): void;
}

export function createAdamW(variables: readonly tf.Variable[], options: AdamWOptions = {}): TfAdamW {
  const base = resolveAdamW(options);
  let m: tf.Tensor[] = variables.map((p) => tf.zerosLike(p));
  let v: tf.Tensor[] = variables.map((p) => tf.zerosLike(p));
  let step = 0;
  return {
    get step() {
      return step;
    },
    apply(grads, lr) {
      const { lr: eta, beta1, beta2, eps, weightDecay } = resolveAdamW({ ...base, ...(lr === undefined ? {} : { lr }) });
      if (grads.length !== variables.length) throw new ArgumentError(`${grads.length} gradients for ${variables.length} variables`);
      grads.forEach((g, i) => {
        if (!g || g.shape.join() !== variables[i].shape.join()) throw new ShapeError(`gradient ${i} has shape [${g?.shape}], variable ${variables[i].name} has [${variables[i].shape}]`);
      });
      const t = step + 1;
      const stepSize = eta / (1 - beta1 ** t);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
      const next = tf.tidy(() =>
        variables.map((p, i) => {
          const g = grads[i];
          const mi = tf.add(tf.mul(m[i], beta1), tf.mul(g, 1 - beta1));
          const vi = tf.add(tf.mul(v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
          const denom = tf.add(tf.div(tf.sqrt(vi), bc2Sqrt), eps);
          const theta = tf.sub(tf.mul(p, 1 - eta * weightDecay), tf.mul(tf.div(mi, denom), stepSize));
          return [mi, vi, theta] as const;
        }),
      );
      tf.dispose([...m, ...v]);
      m = next.map((x) => x[0]);
      v = next.map((x) => x[1]);
      next.forEach(([, , theta], i) => {
        variables[i].assign(theta);
        theta.dispose();
      });
      step = t;
    },
    moments: () => ({ m, v }),
    dispose() {
      tf.dispose([...m, ...v]);
      m = [];
      v = [];
    },
  };
}
