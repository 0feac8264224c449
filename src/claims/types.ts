import type { GoldenClaim } from '../core/claims.js';
import { MalformedInputError, ShapeError } from '../core/errors.js';
import type { ArrayImpl } from '../ops/implementations.js';

/**
 * An evaluator computes, on one implementation, the values a claim's checks refer to (keyed by
 * check label). It must compute them with the implementation it is given — never return a
 * constant — so that a wrong implementation or a wrong golden value makes the claim fail.
 * It is asynchronous because the implementations are (tfjs reads its results back with
 * `await`); its calls must not overlap, so it awaits each one in turn.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Evaluator = (impl: ArrayImpl<any>, claim: GoldenClaim) => Promise<Record<string, unknown>>;

/** Golden inputs are plain JSON; this reads one with a clear error if the record lacks it. */
export function input<T>(claim: GoldenClaim, key: string): T {
  const v = claim.inputs?.[key];
  if (v === undefined) throw new MalformedInputError(`golden record ${claim.id} has no inputs.${key}`);
  return v as T;
}

export const maxAbs = (xs: number[]): number => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
export const flat = (m: unknown): number[] => (Array.isArray(m) ? m.flatMap(flat) : [m as number]);
export const maxAbsDiff = (a: unknown, b: unknown): number => {
  const [fa, fb] = [flat(a), flat(b)];
  if (fa.length !== fb.length) throw new ShapeError(`cannot compare arrays of ${fa.length} and ${fb.length} entries`);
  return fa.reduce((m, x, i) => Math.max(m, Math.abs(x - fb[i])), 0);
};
export const variance = (xs: number[]): number => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
};
