/**
 * Batch normalisation (Ioffe & Szegedy 2015) in training mode, for contrast with LayerNorm
 * (interview deck, "BatchNorm vs LayerNorm" table): each FEATURE is normalised across the BATCH,
 *
 *   μ_c = (1/N) Σ_b x_bc,   σ²_c = (1/N) Σ_b (x_bc − μ_c)²,   y_bc = γ_c (x_bc − μ_c)/√(σ²_c + ε) + β_c
 *
 * so one sample's output depends on the other samples in the batch. Shapes: x (N × C) → (N × C).
 */
import { ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import type { LayerNormParams } from './layer-norm.js';
import { normaliseRowWith } from './layer-norm.js';
import { transpose } from './linear-algebra.js';

export function batchNormWith<S>(F: Field<S>, x: Matrix<S>, p: LayerNormParams<S> | null, eps = 1e-5): Matrix<S> {
  const [N, C] = assertMatrix(x, 'batchNorm input', { finite: false });
  if (N < 2) throw new ShapeError(`batchNorm needs at least 2 samples to estimate batch statistics, got ${N}`);
  if (p && (p.weight.length !== C || p.bias.length !== C)) throw new ShapeError(`batchNorm: weight and bias must have ${C} entries`);
  const e = F.from(eps);
  const cols = transpose(x).map((col) => normaliseRowWith(F, col, e)); // normalise each feature over the batch
  const y = transpose(cols); // (N × C)
  return p ? y.map((row) => row.map((v, c) => F.add(F.mul(p.weight[c], v), p.bias[c]))) : y;
}

export const batchNorm = (x: Matrix, p: LayerNormParams<number> | null, eps = 1e-5): Matrix => batchNormWith(float64, x, p, eps);
