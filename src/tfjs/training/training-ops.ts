/**
 * The operations of the training path, with hand-written gradients chosen for the wasm backend.
 * Same values as the evaluation path (src/tfjs/layers.ts, transformer-block.ts); only the kernels
 * that compute them differ:
 *
 *   linear        y = x Wᵀ + b          ∂x = ∂y W,   ∂W = (∂y)ᵀ x,   ∂b = 1ᵀ ∂y
 *   embedding     y = onehot(idx) E      ∂E = onehot(idx)ᵀ ∂y
 *   layer norm    y = x̂ γ + β, x̂ = (x − μ) r, r = 1/√(σ² + ε)
 *                 ∂x = r (∂x̂ − mean(∂x̂) − x̂ mean(∂x̂ x̂)),  ∂x̂ = ∂y γ,  ∂γ = 1ᵀ(∂y x̂),  ∂β = 1ᵀ ∂y
 *   batched product  C = A B or A Bᵀ (attention)   ∂A = ∂C Bᵀ (or ∂C B),  ∂B = Aᵀ ∂C (or ∂Cᵀ A)
 *   GELU (erf)    y = x Φ(x)             ∂x = ∂y (Φ(x) + x φ(x)),  φ(x) = e^(−x²/2)/√(2π)
 *   softmax       y = softmax(x) by rows  ∂x = y (∂y − Σ_j ∂y_j y_j)
 *   dropout       y = x ⊙ m, m_i ∈ {0, 1/(1−p)}   ∂x = ∂y ⊙ m
 *
 * Why (measured on wasm, 2 cores; `npm run bench:profile` shows a step kernel by kernel):
 *   - tfjs's gradient of matMul asks for products with a transposed operand (transposeA/B); the
 *     wasm backend runs those in a scalar fallback loop, 10–60× slower than XNNPACK's product
 *     after an explicit tf.transpose (512 × 128 by 128 × 512: ~50 ms against ~3 ms);
 *   - column sums (∂b, ∂γ, ∂β) as a reduction over the first axis cost a transpose; as the product
 *     1ᵀ ∂y they are one plain loop (see columnSum);
 *   - layer norm's gradient by the tape differentiates every broadcast op (about 25 kernels);
 *     written out it is 9;
 *   - wasm's Erf and Exp kernels are scalar loops (on 32 × 16 × 512 values: Erf ~4 ms, Exp ~2 ms,
 *     a multiply ~0.05 ms). GELU's Φ here uses the float32 rational
 *     approximation of erf that Eigen and XLA use (clamp to ±4, then u·P(u²)/Q(u²) with the
 *     coefficients below; error within a few float32 units) — ~2.2 ms of multiplies and adds;
 *     its gradient takes e^z (z = −x²/2 ≤ 0) as σ(z)/σ(−z), two vectorised sigmoids and a
 *     division, ~0.6 ms instead of ~2 ms. spec/blocks/training-ops.spec.ts bounds both against
 *     the float64 formula;
 *   - tf.dropout draws its uniforms with seedrandom in JavaScript (8–17 ns a number) and adds four
 *     kernels: 1.1–2.6 ms for 32 × 16 × 128 values, 12 calls a step; the mask here comes from an
 *     inlined mulberry32 stream (~3 ns a number) and one multiply: 0.3–0.7 ms (a different random
 *     stream from tf.dropout's, equally seeded and reproducible);
 *   - softmax's gradient by the tape multiplies by a broadcast column in rank 4, a slow path on
 *     wasm (1.4 ms for 32 × 4 × 16 × 16); on a 2-D view the same product takes ~0.05 ms.
 * On the wasm backend most of these run as fused kernels instead (src/tfjs/training/kernels/training-kernels.ts,
 * written in assembly/training-kernels.ts): attention of all heads from one packed q/k/v projection,
 * layer norm, GELU, column sums, transposes, dropout masks and AdamW, each one pass over its data;
 * the composite ops below remain the path of every other backend and the reference the fused
 * kernels are tested against (spec/blocks/fused-kernels.spec.ts).
 * The evaluation path keeps the plain formulas, which the PyTorch parity fixtures test; the training
 * path is held to PyTorch's gradients as a whole (spec/training/training-run.spec.ts).
 *
 * Shapes: x (… × in), W (out × in), b (out), y (… × out); idx (B × T) ids, E (V × C), y (B × T × C).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../core/errors.js';
import { checkDropout, dropoutMask } from '../../core/random.js';
import { formatShape } from '../../core/shape.js';
import { causalBias } from '../masks.js';
import { fusedAttention, fusedColumnSum, fusedConcatRows, fusedDropoutMask, fusedGelu, fusedKernelsActive, fusedLayerNorm, fusedPackedAttention, fusedTranspose } from './kernels/training-kernels.js';
import type { TfLayerNormParams } from '../layer-norm.js';
import type { TfLinearParams } from '../linear.js';
import { oneHotRows } from '../op-set.js';

/**
 * Σ over rows of a (N × C) matrix, as the product 1ᵀ t: (1 × N)(N × C) → (C). Asked with
 * transposeA so that wasm runs its plain loop (N·C multiply-adds, ~0.1 ms at 512 × 128) rather
 * than XNNPACK, whose set-up repacks t on every call (~0.4–1.5 ms), or a first-axis tf.sum
 * (a transpose, then a sum: ~0.3–1 ms). Measured side by side in one process.
 */
export function columnSum(t: tf.Tensor): tf.Tensor {
  if (fusedKernelsActive()) return fusedColumnSum(t); // one vectorised pass on wasm (512 × 512: ~0.1 ms against ~0.5)
  const [n, c] = t.shape as [number, number];
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([n, 1]), t, true, false), [c]));
}

/** tᵀ of a matrix, inside hand-written gradients (no tape): on wasm the fused 4 × 4-tile kernel (512 × 512: ~0.2 ms against tf.transpose's ~0.7). */
function transpose2d(t: tf.Tensor): tf.Tensor {
  return fusedKernelsActive() && t.dtype === 'float32' ? fusedTranspose(t) : tf.transpose(t);
}

/**
 * ∂W = (∂y)ᵀ x (out × in). XNNPACK repacks the right-hand operand of every product whose tensor
 * it has not seen (all of them, in training), so the smaller of x (N × in) and ∂y (N × out) goes on
 * the right: (∂y)ᵀ x when in ≤ out, else ((x)ᵀ ∂y)ᵀ. Measured: 512 × 128 by 512 × 512, 2.7 against
 * 3.5 ms.
 */
function weightGradient(g: tf.Tensor, x2d: tf.Tensor): tf.Tensor {
  const out = g.shape[1]!;
  const inW = x2d.shape[1]!;
  return inW <= out
    ? tf.matMul(transpose2d(g), x2d) // (out × N)(N × in)
    : transpose2d(tf.matMul(transpose2d(x2d), g)); // ((in × N)(N × out))ᵀ
}

/** x2d Wᵀ (+ b) for x2d (N × in), W (out × in), b (out): explicit-transpose gradients, ∂b as a column sum. */
const transposedWeightProduct = (withBias: boolean) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x2d, w] = args as [tf.Tensor, tf.Tensor];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([x2d, w]);
    const wT = transpose2d(w); // (in × out)
    return {
      // with a bias: tfjs's fused product, which hands the bias to XNNPACK (one kernel, no separate Add)
      value: !withBias ? tf.matMul(x2d, wT) : (args[2] as tf.Tensor).rank === 1 ? tf.fused.matMul({ a: x2d, b: wT, bias: args[2] as tf.Tensor }) : tf.add(tf.matMul(x2d, wT), args[2] as tf.Tensor), // (N × in)(in × out) (+ b) → (N × out)
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        const [xs, ws] = saved;
        const grads = [tf.matMul(g, ws), weightGradient(g, xs)]; // ∂x (N × out)(out × in); ∂W (out × in)
        return withBias ? [...grads, columnSum(g)] : grads;
      },
    };
  });
const productWithTransposedWeight = transposedWeightProduct(false);
const productWithTransposedWeightAndBias = transposedWeightProduct(true);

/** y = x Wᵀ + b, as src/tfjs/layers.ts linear, for the training path. */
export function linearForTraining(x: tf.Tensor, p: TfLinearParams, name = 'linear'): tf.Tensor {
  const [out, inW] = p.weight.shape;
  if (p.weight.rank !== 2) throw new ShapeError(`${name}.weight must be 2-D (out × in), got ${formatShape(p.weight.shape)}`, 'BAD_RANK');
  if (x.shape[x.rank - 1] !== inW) throw new ShapeError(`${name}: input has ${x.shape[x.rank - 1]} features but ${name}.weight is ${out}×${inW} (out × in)`);
  return tf.tidy(() => {
    const x2d = tf.reshape(x, [-1, inW!]);
    const y = (p.bias ? productWithTransposedWeightAndBias(x2d, p.weight, p.bias) : productWithTransposedWeight(x2d, p.weight)) as tf.Tensor; // (N × out)
    return tf.reshape(y, [...x.shape.slice(0, -1), out!]); // (… × out)
  });
}

/** Rows of E by token id, as a one-hot product whose gradient is onehotᵀ ∂y. */
export function embeddingForTraining(table: tf.Tensor, idx: number[][]): tf.Tensor {
  const [V, C] = table.shape as [number, number];
  const [B, T] = [idx.length, idx[0].length];
  return tf.tidy(() => {
    const onehot = oneHotRows(idx.flat(), V); // (B·T × V)
    const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [e, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([onehot]); // kept alive for the backward pass (a closure alone would be disposed by tidy)
      return {
        value: tf.matMul(onehot, e), // (B·T × V)(V × C) → (B·T × C)
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.matMul(transpose2d(saved[0]), dy as tf.Tensor)], // (V × B·T)(B·T × C)
      };
    });
    return tf.reshape(lookup(table) as tf.Tensor, [B, T, C]); // (B × T × C)
  });
}

/** Layer norm over the last axis (biased variance, ε) with the written-out gradient above. */
export function layerNormForTraining(x: tf.Tensor, p: TfLayerNormParams, eps = 1e-5, name = 'layerNorm'): tf.Tensor {
  const c = x.shape[x.rank - 1]!;
  if (p.weight.shape[0] !== c || p.bias.shape[0] !== c) throw new ShapeError(`${name}: weight and bias must have ${c} entries`);
  if (fusedKernelsActive()) return tf.tidy(() => tf.reshape(fusedLayerNorm(tf.reshape(x, [-1, c]), p.weight, p.bias, eps), x.shape));
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x2d, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const centred = tf.sub(x2d, tf.mean(x2d, -1, true)); // x − μ
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps)); // 1/√(σ² + ε), (N × 1)
    const xhat = tf.mul(centred, r);
    save([xhat, r, gamma]);
    return {
      value: tf.add(tf.mul(xhat, gamma), beta),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        const [xh, rs, gm] = saved;
        const dxhat = tf.mul(g, gm);
        const dx = tf.mul(tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), -1, true))), rs);
        return [dx, columnSum(tf.mul(g, xh)), columnSum(g)];
      },
    };
  });
  return tf.tidy(() => tf.reshape(op(tf.reshape(x, [-1, c]), p.weight, p.bias) as tf.Tensor, x.shape));
}

/**
 * Batched product over the leading axes, A (… × n × k) times B (… × k × m), or times Bᵀ when B is
 * (… × m × k) and `transposeB` is set; gradients with explicit transposes (see the header).
 */
export function batchedProductForTraining(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor {
  const swap = (t: tf.Tensor) => tf.transpose(t, [...Array.from({ length: t.rank - 2 }, (_, i) => i), t.rank - 1, t.rank - 2]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [aa, bb, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([aa, bb]);
    return {
      value: tf.matMul(aa, transposeB ? swap(bb) : bb),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        const [as, bs] = saved;
        return transposeB
          ? [tf.matMul(g, bs), tf.matMul(swap(g), as)] // C = A Bᵀ: ∂A = ∂C B, ∂B = ∂Cᵀ A
          : [tf.matMul(g, swap(bs)), tf.matMul(swap(as), g)]; // C = A B: ∂A = ∂C Bᵀ, ∂B = Aᵀ ∂C
      },
    };
  });
  return op(a, b) as tf.Tensor;
}

/** Numerator (odd) and denominator (even) coefficients of the float32 erf approximation, highest power first. */
const ERF_P = [-2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2];
const ERF_Q = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];

/** erf(u) for float32 u from multiplies and adds: clamp to [−4, 4] (erf is ±1 in float32 beyond), u·P(u²)/Q(u²). */
export function erfRational(u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const c = tf.clipByValue(u, -4, 4);
    const c2 = tf.square(c);
    return tf.div(tf.mul(c, hornerFrom(ERF_P, c2)), hornerFrom(ERF_Q, c2));
  });
}

/** Σ k_i y^(n−i) by Horner's rule, k highest power first. */
function hornerFrom(k: number[], y: tf.Tensor): tf.Tensor {
  let acc = tf.add(tf.mul(y, k[0]), k[1]);
  for (const next of k.slice(2)) acc = tf.add(tf.mul(acc, y), next);
  return acc;
}

/** GELU with erf, x Φ(x), for the training path (see the header for why not tf.erf); the fused kernel on wasm. */
export function geluForTraining(x: tf.Tensor): tf.Tensor {
  return (fusedKernelsActive() ? fusedGelu(x) : geluComposite(x)) as tf.Tensor;
}

const geluComposite = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const phiCdf = tf.mul(tf.add(erfRational(tf.mul(x, Math.SQRT1_2)), 1), 0.5); // Φ(x) = (1 + erf(x/√2))/2
  save([x, phiCdf]);
  return {
    value: tf.mul(x, phiCdf),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, cdf] = saved;
      const z = tf.mul(tf.square(xs), -0.5); // −x²/2 ≤ 0
      const expZ = tf.div(tf.sigmoid(z), tf.sigmoid(tf.neg(z))); // e^z = σ(z)/σ(−z)
      const density = tf.mul(expZ, 1 / Math.sqrt(2 * Math.PI)); // φ(x)
      return [tf.mul(dy as tf.Tensor, tf.add(cdf, tf.mul(xs, density)))];
    },
  };
});

/** Softmax over the last axis for the training path: tfjs's Softmax kernel, the gradient on a 2-D view. */
export function softmaxForTraining(x: tf.Tensor): tf.Tensor {
  const n = x.shape[x.rank - 1]!;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x2d, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = tf.softmax(x2d, -1);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [ys] = saved;
        const g = dy as tf.Tensor;
        return [tf.mul(ys, tf.sub(g, tf.sum(tf.mul(g, ys), -1, true)))]; // (M × n) − (M × 1)
      },
    };
  });
  return tf.tidy(() => tf.reshape(op(tf.reshape(x, [-1, n])) as tf.Tensor, x.shape));
}

/**
 * Inverted dropout for the training path: each entry is kept with probability 1 − p and scaled by
 * 1/(1 − p), else zeroed; the mask comes from a mulberry32 stream seeded by `seed` (same seed, same
 * mask, on every backend; see dropoutMaskTensor). p = 0 returns x unchanged (a clone).
 */
export function dropoutForTraining(x: tf.Tensor, p: number, seed: number): tf.Tensor {
  checkDropout(p, seed);
  if (p === 0) return x.clone();
  return tf.tidy(() => tf.mul(x, dropoutMaskTensor(x.shape, p, seed)));
}

/** dropoutMask (src/core/random.ts) as a float32 tensor of the given shape: drawn by the wasm kernel when the fused kernels run (same values), else on the host. */
export function dropoutMaskTensor(shape: number[], p: number, seed: number): tf.Tensor {
  checkDropout(p, seed);
  return fusedKernelsActive() ? fusedDropoutMask(shape, p, seed | 0) : tf.tensor(dropoutMask(shape.reduce((a, b) => a * b, 1), p, seed), shape, 'float32');
}

/**
 * All heads of (self-)attention for the training path, on the projections q (B × Tq × H·hs) and
 * k, v (B × Tk × H·hs): weights softmax(q kᵀ/√hs + causal 0/−∞ bias) by head, dropout on the weights
 * (mask from dropoutMask, laid out B × H × Tq × Tk), times v; the heads merged back, (B × Tq × H·hs).
 * On wasm one fused kernel does it (src/tfjs/training/kernels/training-kernels.ts); elsewhere, and for a
 * causal mask with Tq ≠ Tk, the composite ops below: 1/√hs folded into q, the bias added, the
 * Softmax kernel with its gradient on a 2-D view, batched products with explicit transposes. A
 * causal row always keeps its diagonal, so no row is fully masked.
 */
export function attentionForTraining(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, heads: number, options: { causal: boolean; dropout?: { p: number; seed: number } }): tf.Tensor {
  const [B, Tq, C] = q.shape as [number, number, number];
  const Tk = k.shape[1]!;
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3 || k.shape[0] !== B || v.shape[0] !== B || k.shape[2] !== C || v.shape[2] !== C || v.shape[1] !== Tk) {
    throw new ShapeError(`attention: q must be (B × Tq × C) and k, v (B × Tk × C), got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  }
  if (!Number.isInteger(heads) || heads < 1 || C % heads !== 0) throw new ShapeError(`attention: ${heads} heads do not divide ${C} features`);
  const hs = C / heads;
  const drop = options.dropout && options.dropout.p > 0 ? options.dropout : undefined;
  return tf.tidy(() => {
    const maskT = drop ? dropoutMaskTensor([B, heads, Tq, Tk], drop.p, drop.seed) : null; // (B × H × Tq × Tk)
    if (fusedKernelsActive() && (!options.causal || Tq === Tk)) {
      const y = fusedAttention(tf.reshape(q, [B * Tq, C]), tf.reshape(k, [B * Tk, C]), tf.reshape(v, [B * Tk, C]), maskT, { B, H: heads, Tq, Tk, hs, scale: 1 / Math.sqrt(hs), causal: options.causal });
      return tf.reshape(y, [B, Tq, C]); // (B·Tq × C) → (B × Tq × C)
    }
    const split = (t: tf.Tensor, n: number) => tf.transpose(tf.reshape(t, [B, n, heads, hs]), [0, 2, 1, 3]); // (B × n × C) → (B × H × n × hs)
    const scores = batchedProductForTraining(tf.mul(split(q, Tq), 1 / Math.sqrt(hs)), split(k, Tk), true); // (B × H × Tq × hs)(B × H × hs × Tk) → (B × H × Tq × Tk)
    const weights = softmaxForTraining(options.causal ? tf.add(scores, causalBias(Tq, Tk)) : scores);
    const out = batchedProductForTraining(maskT ? tf.mul(weights, maskT) : weights, split(v, Tk), false); // (B × H × Tq × Tk)(B × H × Tk × hs)
    return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B, Tq, C]); // (B × H × Tq × hs) → (B × Tq × H·hs)
  });
}

/**
 * Self-attention of the training path from x (B × T × C) and the heads' projection weights
 * (hs × C each, by role): q, k, v = x Wᵀ per role, then attentionForTraining; returns the heads
 * merged (B × T × H·hs). On wasm the three projections are one product with the weights stacked
 * (3·H·hs × C) and the fused kernel reads q, k, v as column blocks of its (B·T × 3·H·hs) output —
 * one product and one gradient instead of three each.
 */
export function selfAttentionForTraining(x: tf.Tensor, weights: { query: tf.Tensor[]; key: tf.Tensor[]; value: tf.Tensor[] }, options: { causal: boolean; dropout?: { p: number; seed: number } }): tf.Tensor {
  const H = weights.query.length;
  if (x.rank !== 3) throw new ShapeError(`self-attention: x must be (B × T × C), got ${formatShape(x.shape)}`, 'BAD_RANK');
  if (H === 0 || weights.key.length !== H || weights.value.length !== H) throw new ShapeError(`self-attention: ${weights.query.length}, ${weights.key.length}, ${weights.value.length} query, key, value weights; need the same number ≥ 1`);
  const [B, T] = x.shape as [number, number, number];
  const hs = weights.query[0].shape[0]!;
  const C = H * hs;
  if (!fusedKernelsActive()) {
    return tf.tidy(() => {
      const [q, k, v] = (['query', 'key', 'value'] as const).map((role) => linearForTraining(x, { weight: tf.concat(weights[role], 0) }, `heads.*.${role}`)); // (B × T × H·hs) each
      return attentionForTraining(q, k, v, H, options);
    });
  }
  const drop = options.dropout && options.dropout.p > 0 ? options.dropout : undefined;
  return tf.tidy(() => {
    const w = fusedConcatRows([...weights.query, ...weights.key, ...weights.value]); // (3·H·hs × C), its gradient split by rows without tfjs's SplitV (which copies the whole input per piece)
    const qkv = linearForTraining(x, { weight: w }, 'heads.*.{query,key,value}'); // (B × T × 3·H·hs)
    const maskT = drop ? dropoutMaskTensor([B, H, T, T], drop.p, drop.seed) : null; // (B × H × T × T)
    const y = fusedPackedAttention(tf.reshape(qkv, [B * T, 3 * C]), maskT, { B, H, Tq: T, Tk: T, hs, scale: 1 / Math.sqrt(hs), causal: options.causal });
    return tf.reshape(y, [B, T, C]); // (B·T × H·hs) → (B × T × H·hs)
  });
}
