/**
 * The two products of the training path with hand-written gradients that avoid transposed
 * matrix-product kernels:
 *
 *   linear      y = x Wᵀ (+ b)            ∂x = ∂y W,            ∂W = (∂y)ᵀ x
 *   embedding   y = onehot(idx) E          ∂E = onehot(idx)ᵀ ∂y
 *
 * Why: tfjs's own gradient of matMul asks the backend for products with a transposed operand
 * (transposeA / transposeB), and the WASM backend runs those 10–20× slower than a plain product
 * after an explicit tf.transpose (measured on 512 × 128 by 128 × 512: ~50 ms against ~3 ms). The
 * values are the same products; only the kernels differ. The evaluation path (src/tfjs/layers.ts
 * linear, tiny-models.ts embeddingLookup) is left as it is, so the parity fixtures keep testing it.
 *
 * Shapes: x (… × in), W (out × in), b (out), y (… × out); idx (B × T) ids, E (V × C), y (B × T × C).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { TfLinearParams } from './layers.js';

/** x2d Wᵀ for x2d (N × in), W (out × in), with the explicit-transpose gradient. */
const productWithTransposedWeight = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x2d, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x2d, w]);
  return {
    value: tf.matMul(x2d, tf.transpose(w)), // (N × in)(in × out) → (N × out)
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor;
      const [xs, ws] = saved;
      return [tf.matMul(g, ws), tf.matMul(tf.transpose(g), xs)]; // ∂x (N × out)(out × in); ∂W (out × N)(N × in)
    },
  };
});

/** y = x Wᵀ + b, as src/tfjs/layers.ts linear, for the training path. */
export function linearForTraining(x: tf.Tensor, p: TfLinearParams, name = 'linear'): tf.Tensor {
  const [out, inW] = p.weight.shape;
  if (p.weight.rank !== 2) throw new ShapeError(`${name}.weight must be 2-D (out × in), got ${formatShape(p.weight.shape)}`, 'BAD_RANK');
  if (x.shape[x.rank - 1] !== inW) throw new ShapeError(`${name}: input has ${x.shape[x.rank - 1]} features but ${name}.weight is ${out}×${inW} (out × in)`);
  return tf.tidy(() => {
    const y = productWithTransposedWeight(tf.reshape(x, [-1, inW!]), p.weight) as tf.Tensor; // (N × out)
    const yb = p.bias ? tf.add(y, p.bias) : y;
    return tf.reshape(yb, [...x.shape.slice(0, -1), out!]); // (… × out)
  });
}

/** Rows of E by token id, as a one-hot product whose gradient is onehotᵀ ∂y. */
export function embeddingForTraining(table: tf.Tensor, idx: number[][]): tf.Tensor {
  const [V, C] = table.shape as [number, number];
  const [B, T] = [idx.length, idx[0].length];
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(idx.flat(), 'int32'), V); // (B·T × V)
    const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [e, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([onehot]); // kept alive for the backward pass (a closure alone would be disposed by tidy)
      return {
        value: tf.matMul(onehot, e), // (B·T × V)(V × C) → (B·T × C)
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.matMul(tf.transpose(saved[0]), dy as tf.Tensor)], // (V × B·T)(B·T × C)
      };
    });
    return tf.reshape(lookup(table) as tf.Tensor, [B, T, C]); // (B × T × C)
  });
}
