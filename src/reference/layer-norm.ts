/**
 * Layer normalisation (Ba et al. 2016; interview deck "Layer Normalization", course "Layer
 * Normalization"), per token across its features:
 *
 *   μ = (1/C) Σ_c x_c,   σ² = (1/C) Σ_c (x_c − μ)²   (biased, as PyTorch)
 *   y_c = γ_c · (x_c − μ) / √(σ² + ε) + β_c,         ε = 1e-5 by default
 *
 * The interview deck writes the simplified x̂ = (x − μ)/σ: that is this layer with ε = 0, γ = 1,
 * β = 0 (`layerNormSimplified`). Shapes: x (n × C) → (n × C); γ, β (C). Each row is normalised on
 * its own: other tokens and other sequences never enter (contrast BatchNorm).
 *
 * Over several trailing axes (nn.LayerNorm(normalized_shape), k = len(normalized_shape) =
 * `normalizedDims`, default 1): μ and σ² are taken over the whole block of the last k axes, and γ, β
 * have that block's shape. Shapes: x (… × s₁ × … × s_k) → the same; γ, β (s₁ × … × s_k).
 * ε is named per model family in src/core/norm-conventions.ts (BERT 1e-12, GPT-2 1e-5, …); the
 * default here is PyTorch's, 1e-5.
 *
 * Inputs must be finite and within float32's range: NaN and ±∞ are a NonFiniteError, as for
 * softmax (src/core/numeric-conventions.ts, rule 1); tfjs agrees with this over the whole float32
 * range (rule 3c).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { checkInputValues } from '../core/numeric-conventions.js';
import { asNumbers, float64, type Field } from './field.js';
import { checkNormalizedDims, flattenParameter, flattenTrailing } from './trailing-axes.js';

export interface LayerNormParams<S> {
  weight: S[];
  bias: S[];
}

export function normaliseRowWith<S>(F: Field<S>, row: S[], eps: S): S[] {
  const n = F.from(row.length);
  const mean = F.div(row.reduce((a, b) => F.add(a, b), F.zero), n);
  const centred = row.map((v) => F.sub(v, mean));
  const variance = F.div(centred.reduce((a, c) => F.add(a, F.mul(c, c)), F.zero), n); // biased: divide by C
  const denom = F.sqrt(F.add(variance, eps));
  return centred.map((c) => F.div(c, denom));
}

/**
 * With normalizedDims = k > 1, x may have any rank ≥ k and γ, β the shape of its last k axes; the
 * result has x's shape. The declared types are those of the common case k = 1 (x and the result
 * n × C): callers with k > 1 state their shapes (as the registry's adapters do for every op).
 */
export function layerNormWith<S>(F: Field<S>, x: Matrix<S>, p: LayerNormParams<S> | null, eps = 1e-5, name = 'layerNorm', normalizedDims = 1): Matrix<S> {
  if (checkNormalizedDims(normalizedDims, name) > 1) {
    const { rows, trailing, restore } = flattenTrailing<S>(x, normalizedDims, name); // (∏lead × ∏s)
    const flatP = p ? { weight: flattenParameter<S>(p.weight, trailing, `${name}: weight`), bias: flattenParameter<S>(p.bias, trailing, `${name}: bias`) } : null;
    return restore(layerNormRowsWith(F, rows, flatP, eps, name)) as Matrix<S>;
  }
  return layerNormRowsWith(F, x, p, eps, name);
}

function layerNormRowsWith<S>(F: Field<S>, x: Matrix<S>, p: LayerNormParams<S> | null, eps: number, name: string): Matrix<S> {
  const [, C] = assertMatrix(x, `${name} input`, { finite: false });
  checkInputValues(asNumbers(F, x), `${name} input`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`${name}: eps must be a finite number ≥ 0, got ${eps}`);
  if (p && (p.weight.length !== C || p.bias.length !== C)) {
    throw new ShapeError(`${name}: weight and bias must have ${C} entries (one per feature), got ${p.weight.length} and ${p.bias.length}`);
  }
  const e = F.from(eps);
  return x.map((row) => {
    const xhat = normaliseRowWith(F, row, e); // (C)
    return p ? xhat.map((v, c) => F.add(F.mul(p.weight[c], v), p.bias[c])) : xhat;
  });
}

export const layerNorm = (x: Matrix, p: LayerNormParams<number> | null, eps = 1e-5, name = 'layerNorm', normalizedDims = 1): Matrix => layerNormWith(float64, x, p, eps, name, normalizedDims);

/** The interview deck's x̂ = (x − μ)/σ: no ε, no γ, no β. A row with σ = 0 has no normalised form. */
export function layerNormSimplified(x: Matrix): Matrix {
  x.forEach((row, i) => {
    if (row.every((v) => v === row[0])) throw new ArgumentError(`row ${i} is constant: σ = 0, so (x − μ)/σ is undefined (LayerNorm's ε exists for this)`);
  });
  return layerNormWith(float64, x, null, 0);
}
