/**
 * Linear layer in PyTorch's layout (nn.Linear): weight W is (out × in), bias b is (out), and
 *
 *   y = x Wᵀ + b,      x (n × in)  →  y (n × out)
 *
 * Keeping PyTorch's layout means a state_dict loads without transposing anything.
 */
import { ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import { matMulWith, transpose } from './linear-algebra.js';

export interface LinearParams<S> {
  weight: Matrix<S>;
  bias?: S[];
}

export function linearWith<S>(F: Field<S>, x: Matrix<S>, p: LinearParams<S>, name = 'linear'): Matrix<S> {
  const [, inX] = assertMatrix(x, `${name} input`, { finite: false });
  const [out, inW] = assertMatrix(p.weight, `${name}.weight`, { finite: false });
  if (inX !== inW) throw new ShapeError(`${name}: input has ${inX} features but ${name}.weight is ${out}×${inW} (out × in)`);
  if (p.bias && p.bias.length !== out) throw new ShapeError(`${name}.bias has ${p.bias.length} entries, expected ${out}`);
  const y = matMulWith(F, x, transpose(p.weight), [`${name} input`, `${name}.weightᵀ`]); // (n × in)(in × out) → (n × out)
  return p.bias ? y.map((row) => row.map((v, j) => F.add(v, p.bias![j]))) : y;
}

export const linear = (x: Matrix, p: LinearParams<number>, name = 'linear'): Matrix => linearWith(float64, x, p, name);
