/**
 * Numeric conventions at the edges, in one place, the same for every implementation — the float64
 * reference, the 64-digit BigNumber oracle and TensorFlow.js (float32) on every backend. Each
 * module that applies one says so in its header and cites this file; spec/errors/numerics.spec.ts
 * tests every rule by name on the backend of the run.
 *
 * 1. Non-finite inputs are refused. NaN, +∞ and −∞ given to any operation — softmax, attention,
 *    LayerNorm, the activations (ReLU, GELU), cross-entropy, RoPE — are a NonFiniteError naming the
 *    argument and the first bad entry, never propagated. The one exception: −∞ where it means
 *    "masked" (softmax logits, attention masks, sampling filters), which gets weight 0.
 *    Where: the reference checks in each operation; tfjs checks on the host, before values are
 *    uploaded (`checkFiniteValues`, the same function and message), because a tfjs op never reads
 *    a tensor back synchronously. A tensor handed straight to a tfjs op is the caller's: on the
 *    device NaN and ±∞ propagate, and rule 4 refuses them when the result is read back.
 *
 * 2. −∞ means masked: weight 0; a row with every entry masked gives zeros (not NaN, not uniform);
 *    mask value −1e9 instead gives the same weights on a partly masked row and a uniform row when
 *    all are masked (the usual PyTorch-tutorial behaviour) — spec/errors/bad-input.spec.ts.
 *    A row whose largest entry is +∞ is not masked: tfjs's softmax returns NaN for it (rule 4
 *    turns that into a named error); it used to treat it as fully masked and return [∞, 1].
 *
 * 3. The domain is float32's finite range, |x| ≤ FLOAT32_MAX = 3.4028234663852886e38.
 *    (a) An input beyond it — which float32 would round to ±∞ — is a Float32RangeError, on every
 *        implementation (`checkFloat32Values`): the float64 reference could compute with it, but
 *        tfjs could not, and the two must not answer differently.
 *    (b) Attention scores: |s_ij| ≤ Σ_c |q_ic| |k_jc| before scaling and |scale| times that after
 *        (every partial sum of the product is bounded by the same sum, whatever the order of
 *        accumulation). When max(1, |scale|) · Σ_c |q_ic| |k_jc| passes FLOAT32_MAX for some (i, j),
 *        the request is refused with Float32RangeError on every
 *        implementation (`checkScoreBound`, computed in float64 on the host) — e.g. q = [1e20, 0]
 *        against k = [1e20, 0]: the score 1e40 has no float32 value. Below the bound no score
 *        overflows in float32, and softmax's max-shift keeps every exponent ≤ 0.
 *    (c) Normalisations agree over the whole range: LayerNorm and RMSNorm on tfjs first divide
 *        each row by max(max_c |x_c|, 1) — the formula is invariant under it (ε divided by the
 *        square of the factor) and rows with |x| ≤ 1 are untouched — so (x − μ)² cannot overflow:
 *        LayerNorm([1e30, −1e30]) is [1, −1] on every implementation (it was [0, 0] on tfjs).
 *    (d) Angles (sinusoidal encoding, RoPE) are computed in float64 on the host and handed to
 *        tfjs as cos/sin tables (`sinusoidTables` in src/core/angle-tables.ts): pos·θ in float32
 *        drifts by 7e-2 at position 10^7 and by 0.8 at 10^8; the tables are exact to float32
 *        rounding of the cos/sin values themselves, at any position below 2^53.
 *    (e) Model logits and losses: a value beyond the range — a 3e38 weight makes some — is a
 *        Float32RangeError on the reference (checked on its float64 values) and on tfjs (rule 4),
 *        instead of two different argmaxes.
 *    (f) Temperature T → 0: where z/T has no float32 value (T = 1e-300 rounds to 0), tfjs divides
 *        (z − max z) by T, the max entries exactly 0, which gives the limit — argmax, ties shared —
 *        as the float64 reference does; softmax makes the shift invisible.
 *
 * 4. Read-back: a tfjs result that holds NaN or ±∞ (other than −∞ where the operation defines it,
 *    such as the masked scores) came from finite inputs, so float32 overflowed on the device: it is
 *    refused with a Float32RangeError naming the step (`checkReadBack`), never printed with exit 0.
 *
 * Every error here is a SpecError: exit 2 on the command line, with one line naming the value.
 */
import { Float32RangeError, NonFiniteError } from './errors.js';

/** The largest finite float32, (2 − 2^−23) · 2^127. */
export const FLOAT32_MAX = 3.4028234663852886e38;

type Nested = number | readonly Nested[] | { readonly [key: string]: Nested } | string | boolean | null | undefined;

/** The first number of a nested value (arrays and plain objects, such as attention's steps) for which f is true. */
function find(values: Nested, f: (v: number) => boolean): { value: number; at: (number | string)[] } | undefined {
  const path: (number | string)[] = [];
  const walk = (x: Nested): { value: number; at: (number | string)[] } | undefined => {
    if (typeof x === 'number') return f(x) ? { value: x, at: [...path] } : undefined;
    if (x === null || typeof x !== 'object') return undefined;
    for (const [key, v] of Array.isArray(x) ? x.map((v, i) => [i, v] as const) : Object.entries(x)) {
      path.push(key);
      const hit = walk(v as Nested);
      path.pop();
      if (hit) return hit;
    }
    return undefined;
  };
  return walk(values);
}

const index = (at: (number | string)[]) => at.map((i) => (typeof i === 'number' ? `[${i}]` : `.${i}`)).join('');

/**
 * Rule 1: NaN and ±∞ are refused (−∞ too, unless `allowNegInf`: masked entries).
 * @throws NonFiniteError naming `name` and the first bad entry
 * @example checkFiniteValues([[1, -Infinity]], 'x', { allowNegInf: true }); // returns undefined
 */
export function checkFiniteValues(values: Nested, name: string, o: { allowNegInf?: boolean } = {}): void {
  const bad = find(values, (v) => !(Number.isFinite(v) || (o.allowNegInf && v === -Infinity)));
  if (bad) throw new NonFiniteError(`${name}${index(bad.at)} is ${bad.value}; inputs must be finite${o.allowNegInf ? ' (or −∞ for masked entries)' : ''}`);
}

/**
 * Rule 3a: finite values beyond float32's range are refused (float32 would make them ±∞).
 * @throws Float32RangeError naming `name` and the first such entry
 */
export function checkFloat32Values(values: Nested, name: string): void {
  const bad = find(values, (v) => Number.isFinite(v) && Math.abs(v) > FLOAT32_MAX);
  if (bad) throw new Float32RangeError(`${name}${index(bad.at)} = ${bad.value} is beyond float32's range (|x| ≤ 3.4028235e38): float32 would round it to ${bad.value > 0 ? '+' : '−'}∞ (src/core/numeric-conventions.ts, rule 3a)`);
}

/** Rules 1 and 3a together: what every value entering an operation must satisfy. */
export function checkInputValues(values: Nested, name: string, o: { allowNegInf?: boolean } = {}): void {
  checkFiniteValues(values, name, o);
  checkFloat32Values(values, name);
}

/**
 * Rule 3b: refuses attention whose scores (before or after scaling) could leave float32's range,
 * by the bound max(1, |scale|) · Σ_c |q_ic| |k_jc|, computed in float64.
 * @throws Float32RangeError naming the first (i, j) and the bound
 */
export function checkScoreBound(q: readonly (readonly number[])[], k: readonly (readonly number[])[], scale: number, name = 'attention scores'): void {
  for (let i = 0; i < q.length; i++) {
    for (let j = 0; j < k.length; j++) {
      let bound = 0;
      for (let c = 0; c < q[i].length; c++) bound += Math.abs(q[i][c]) * Math.abs(k[j][c]);
      const largest = bound * Math.max(1, Math.abs(scale)); // the scores, then the scaled scores
      if (!(largest <= FLOAT32_MAX)) {
        throw new Float32RangeError(
          `${name}: the score of query ${i} and key ${j} can reach ${largest.toPrecision(3)} (Σ|q||k| = ${bound.toPrecision(3)}, scale ${scale.toPrecision(3)}), beyond float32's range (3.4028235e38); every implementation refuses it rather than answer differently (src/core/numeric-conventions.ts, rule 3b)`,
        );
      }
    }
  }
}

/**
 * Rule 3e: a computed value beyond float32's range (checked on the reference's float64 values).
 * @throws Float32RangeError naming `name` and the first such entry
 */
export function checkFloat32Result(values: Nested, name: string): void {
  const bad = find(values, (v) => !Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX);
  if (bad) throw new Float32RangeError(`${name}${index(bad.at)} = ${bad.value} is beyond float32's range (3.4028235e38): every implementation refuses it rather than answer differently (src/core/numeric-conventions.ts, rule 3e)`);
}

/**
 * Rule 4: a tfjs result read back to the host must be finite (−∞ allowed where `allowNegInf`).
 * @throws Float32RangeError naming the step and the first NaN or ±∞
 */
export function checkReadBack(values: Nested, name: string, o: { allowNegInf?: boolean } = {}): void {
  const bad = find(values, (v) => !(Number.isFinite(v) || (o.allowNegInf && v === -Infinity)));
  if (bad) {
    throw new Float32RangeError(
      `${name}${index(bad.at)} came back as ${bad.value} from finite inputs: float32 overflowed (|x| > 3.4028235e38) on the way; refused rather than printed (src/core/numeric-conventions.ts, rule 4)`,
    );
  }
}
