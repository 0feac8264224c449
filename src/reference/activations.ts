/**
 * Activations of the position-wise feed-forward network (interview deck "Step 5: Feed Forward
 * Network"; scratch §3.3.3 and §4.3.3; course "Position-Wise Feed-Forward Network"):
 *
 *   ReLU(x)       = max(0, x)
 *   GELU(x)       = x · Φ(x) = x · (1 + erf(x/√2)) / 2                          (exact; nn.GELU())
 *   GELU_tanh(x)  = x · (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2               (nn.GELU(approximate='tanh'))
 *   SiLU(x)       = x · σ(x) = x / (1 + e^{−x})                                  (nn.SiLU; Swish-1: Ramachandran et al. 2017,
 *                                                                                  Elfwing et al. 2018; SwiGLU's gate)
 *   tanh(x)       = (e^x − e^{−x}) / (e^x + e^{−x})                              (nn.Tanh)
 *
 * The two GELUs are different functions (they differ by up to 4.7e-4, at |x| ≈ 2.7) and have
 * different names on purpose; the discrimination specs prove the tolerances tell them apart.
 *
 * Inputs must be finite and within float32's range: NaN and ±∞ are a NonFiniteError, as for
 * softmax (src/core/numeric-conventions.ts, rule 1). Over that range every implementation agrees
 * (for x ≫ 1, GELU(x) = x; tanh-GELU's x³ overflows float32 into tanh(∞) = 1, the same limit).
 */
import { ArgumentError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import { checkInputValues } from '../core/numeric-conventions.js';
import { asNumbers, float64, type Field } from './field.js';

export type Activation = 'relu' | 'gelu' | 'gelu-tanh' | 'silu' | 'tanh';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'gelu', 'gelu-tanh', 'silu', 'tanh'];

export function activationWith<S>(F: Field<S>, kind: Activation): (x: S) => S {
  const half = F.from(0.5);
  if (kind === 'relu') return (x) => (F.lt(x, F.zero) ? F.zero : x);
  if (kind === 'gelu') {
    const invSqrt2 = F.div(F.one, F.sqrt(F.from(2)));
    return (x) => F.mul(F.mul(half, x), F.add(F.one, F.erf(F.mul(x, invSqrt2))));
  }
  if (kind === 'gelu-tanh') {
    const k = F.sqrt(F.div(F.from(2), piOf(F))); // √(2/π)
    const c = F.from('0.044715');
    return (x) => F.mul(F.mul(half, x), F.add(F.one, F.tanh(F.mul(k, F.add(x, F.mul(c, F.mul(x, F.mul(x, x))))))));
  }
  if (kind === 'silu') return (x) => F.div(x, F.add(F.one, F.exp(F.neg(x)))); // x·σ(x); for x → −∞, x/∞ = −0
  if (kind === 'tanh') return (x) => F.tanh(x);
  throw new ArgumentError(`unknown activation ${String(kind)}; use ${ACTIVATIONS.join(', ')}`);
}

/** π to 70 digits, exact in both fields (float64 rounds it to Math.PI). */
function piOf<S>(F: Field<S>): S {
  return F.from('3.1415926535897932384626433832795028841971693993751058209749445923078164');
}

export function applyActivationWith<S>(F: Field<S>, x: Matrix<S>, kind: Activation): Matrix<S> {
  const f = activationWith(F, kind);
  checkInputValues(asNumbers(F, x), `${kind} input`);
  return x.map((row) => row.map(f));
}

export const relu = (x: Matrix): Matrix => applyActivationWith(float64, x, 'relu');
export const gelu = (x: Matrix): Matrix => applyActivationWith(float64, x, 'gelu');
export const geluTanh = (x: Matrix): Matrix => applyActivationWith(float64, x, 'gelu-tanh');
export const silu = (x: Matrix): Matrix => applyActivationWith(float64, x, 'silu');
export const tanh = (x: Matrix): Matrix => applyActivationWith(float64, x, 'tanh');
export const activation = (x: Matrix, kind: Activation): Matrix => applyActivationWith(float64, x, kind);
