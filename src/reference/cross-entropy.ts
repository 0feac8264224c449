/**
 * Cross-entropy of logits against integer targets, averaged over the targets that are not ignored
 * (PyTorch's F.cross_entropy with reduction 'mean' and ignore_index = −100; the tutorial's models):
 *
 *   ℓ = (1/|K|) Σ_{i∈K} [ log Σ_v exp(z_iv) − z_{i,t_i} ],   K = { i : t_i ≠ ignoreIndex }
 *
 * The log-sum-exp subtracts the row maximum first. If every target is ignored the mean is 0/0;
 * PyTorch returns NaN there, this returns a named error instead.
 *
 * Logits must be finite and within float32's range (NaN and ±∞: NonFiniteError, as for softmax);
 * a loss whose terms sum past float32's range (logits ±3e38 apart) is a Float32RangeError, as
 * tfjs's float32 sum would be +∞ (src/core/numeric-conventions.ts, rules 1 and 3e).
 */
import { ArgumentError, RangeArgumentError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import { checkFloat32Result, checkInputValues } from '../core/numeric-conventions.js';
import { asNumbers, float64, type Field } from './field.js';

export function crossEntropyWith<S>(F: Field<S>, logits: Matrix<S>, targets: readonly number[], ignoreIndex = -100): S {
  if (logits.length !== targets.length) throw new ArgumentError(`cross-entropy: ${logits.length} rows of logits but ${targets.length} targets`);
  const V = logits[0]?.length ?? 0;
  checkInputValues(asNumbers(F, logits), 'cross-entropy logits');
  let total = F.zero;
  let count = 0;
  targets.forEach((t, i) => {
    if (t === ignoreIndex) return;
    if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeArgumentError(`cross-entropy: target ${i} is ${t}, outside the vocabulary 0…${V - 1} (and not the ignore index ${ignoreIndex})`);
    const row = logits[i];
    let m = row[0];
    for (const z of row) if (F.lt(m, z)) m = z;
    const lse = F.add(m, F.log(row.reduce((s, z) => F.add(s, F.exp(F.sub(z, m))), F.zero)));
    total = F.add(total, F.sub(lse, row[t]));
    count += 1;
  });
  if (count === 0) throw new ArgumentError(`cross-entropy: every target is the ignore index ${ignoreIndex}, so the mean loss is undefined`);
  checkFloat32Result(F.toNumber(total), 'cross-entropy: the sum of the per-position losses'); // every term ≥ 0: the sum bounds every partial sum
  return F.div(total, F.from(count));
}

export const crossEntropy = (logits: Matrix, targets: readonly number[], ignoreIndex = -100): number => crossEntropyWith(float64, logits, targets, ignoreIndex);
