/**
 * RMSNorm — root-mean-square layer normalisation: rescale each token by the root mean square of
 * its features. LayerNorm without re-centring (no μ, no β): one reduction instead of two, and the
 * norm used by T5, LLaMA and most recent decoder-only models.
 *
 *   RMS(x) = √( (1/C) Σ_c x_c² + ε ),       ε = 1e-6 by default (must be > 0)
 *   y_c    = x_c / RMS(x) · γ_c
 *
 * Source: B. Zhang and R. Sennrich, "Root Mean Square Layer Normalization", NeurIPS 2019, eq. 4
 * (RMS(a) = √((1/n) Σ a_i²), ā_i = a_i / RMS(a) · g_i). The paper's equation has no ε; like T5,
 * LLaMA and torch ≥ 2.4's nn.RMSNorm we add ε under the root, so an all-zero token maps to 0
 * instead of 0/0. PyTorch 1.13 has no RMSNorm module: the fixture's module is written by hand in
 * scripts/export-fixtures.py.
 *
 * Shapes: x (n × C) → y (n × C); weight γ (C). Each row is normalised on its own (as LayerNorm):
 * other tokens never enter. Unlike LayerNorm, adding a constant to a token changes its output;
 * on a token whose features already have mean 0 the two layers coincide (RMS = σ).
 *
 * Over several trailing axes (`normalizedDims` = k, default 1): the mean of squares is taken over
 * the block of the last k axes and γ has that block's shape. x (… × s₁ × … × s_k), γ (s₁ × … × s_k).
 * ε per model family: src/core/norm-conventions.ts (LLaMA/Mistral/Qwen2 rms_norm_eps 1e-6 by default).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import { checkNormalizedDims, flattenParameter, flattenTrailing } from './trailing-axes.js';

/** Parameters, named as the state_dict of the fixture's RMSNorm module: weight γ (C). */
export interface RmsNormParams<S> {
  weight: S[];
}

export const RMS_NORM_EPS = 1e-6;

/**
 * The argument checks both implementations run (src/tfjs/rms-norm.ts calls this too), so bad
 * input raises the same named error in either.
 */
export function assertRmsNormArgs(features: number, weightLength: number, eps: number, name = 'rmsNorm'): void {
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new ArgumentError(`${name}: eps must be a finite number > 0 (with ε = 0 an all-zero token is 0/0), got ${eps}`);
  }
  if (weightLength !== features) throw new ShapeError(`${name}: weight must have ${features} entries (one per feature), got ${weightLength}`);
}

/** normalizedDims = k > 1: x of any rank ≥ k, γ of its last k axes' shape, the result of x's shape (types as layerNormWith's). */
export function rmsNormWith<S>(F: Field<S>, x: Matrix<S>, p: RmsNormParams<S>, eps = RMS_NORM_EPS, name = 'rmsNorm', normalizedDims = 1): Matrix<S> {
  if (checkNormalizedDims(normalizedDims, name) > 1) {
    if (!p || p.weight === undefined) throw new ArgumentError(`${name}: parameters must be { weight }, got ${JSON.stringify(p)}`);
    const { rows, trailing, restore } = flattenTrailing<S>(x, normalizedDims, name); // (∏lead × ∏s)
    return restore(rmsNormRowsWith(F, rows, { weight: flattenParameter<S>(p.weight, trailing, `${name}: weight`) }, eps, name)) as Matrix<S>;
  }
  return rmsNormRowsWith(F, x, p, eps, name);
}

function rmsNormRowsWith<S>(F: Field<S>, x: Matrix<S>, p: RmsNormParams<S>, eps: number, name: string): Matrix<S> {
  const [, C] = assertMatrix(x, `${name} input`, { finite: false });
  if (!p || !Array.isArray(p.weight)) throw new ArgumentError(`${name}: parameters must be { weight: (C) }, got ${JSON.stringify(p)}`);
  assertRmsNormArgs(C, p.weight.length, eps, name);
  const c = F.from(C);
  const e = F.from(eps);
  return x.map((row) => {
    const meanSquare = F.div(row.reduce((s, v) => F.add(s, F.mul(v, v)), F.zero), c); // (1/C) Σ x_c²
    const rms = F.sqrt(F.add(meanSquare, e));
    return row.map((v, k) => F.mul(F.div(v, rms), p.weight[k])); // (C)
  });
}

export const rmsNorm = (x: Matrix, p: RmsNormParams<number>, eps = RMS_NORM_EPS, name = 'rmsNorm', normalizedDims = 1): Matrix => rmsNormWith(float64, x, p, eps, name, normalizedDims);
