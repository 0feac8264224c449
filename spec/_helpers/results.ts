/**
 * Comparing whole op results (nested arrays, step objects, scalars) under one tolerance: the
 * registry-driven differential specs compare what two implementations return for the same call.
 * BigNumbers become numbers (toNumber), booleans 0/1; objects are compared key by key (the keys
 * the row names, or every key of the expected value), lists of objects element by element; shapes
 * must match exactly.
 */
import { compareNested, type Comparison, type Tolerance } from '../../src/core/tolerance.js';

type Nested = number | Nested[];

function toNested(x: unknown, path: string): Nested {
  if (typeof x === 'number') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (Array.isArray(x)) return x.map((v, i) => toNested(v, `${path}[${i}]`));
  if (x && typeof x === 'object' && typeof (x as { toNumber?: unknown }).toNumber === 'function') return (x as { toNumber(): number }).toNumber();
  throw new Error(`${path || 'the result'} is not numeric (${x === null ? 'null' : typeof x}): name the keys to compare in the registry row`);
}

export function compareResults(actual: unknown, expected: unknown, t: Pick<Tolerance, 'atol' | 'rtol'>, keys?: readonly string[]): Comparison {
  if (expected === null || expected === undefined) {
    // an absent parameter (a Linear without bias, the activation's slot in net): both must lack it (null and undefined alike: JSON has no undefined)
    return actual === null || actual === undefined ? { ok: true, maxAbsError: 0, worst: [], message: 'both absent' } : { ok: false, maxAbsError: Infinity, worst: [], message: `expected ${expected}, got a value` };
  }
  const isRecord = (x: unknown): x is Record<string, unknown> => Boolean(x) && typeof x === 'object' && !Array.isArray(x) && typeof (x as { toNumber?: unknown }).toNumber !== 'function';
  if (isRecord(expected) || keys) {
    if (!isRecord(actual) || !isRecord(expected)) return { ok: false, maxAbsError: Infinity, worst: [], message: 'one result is an object of steps, the other is not' };
    let worst: Comparison = { ok: true, maxAbsError: 0, worst: [], message: 'close' };
    for (const k of keys ?? Object.keys(expected)) {
      if (!(k in actual) || !(k in expected)) return { ok: false, maxAbsError: Infinity, worst: [], message: `"${k}" is missing from the ${k in actual ? 'expected' : 'actual'} result` };
      const c = compareResults(actual[k], expected[k], t);
      if (!c.ok) return { ...c, message: `${k}: ${c.message}` };
      if (c.maxAbsError > worst.maxAbsError) worst = { ...c, message: `${k}: ${c.message}` };
    }
    return worst;
  }
  if (Array.isArray(expected) && expected.some(isRecord)) {
    // a list of parameter trees (a model's blocks): element by element
    if (!Array.isArray(actual) || actual.length !== expected.length) return { ok: false, maxAbsError: Infinity, worst: [], message: `lists of ${Array.isArray(actual) ? actual.length : 'no'} and ${expected.length} elements` };
    let worst: Comparison = { ok: true, maxAbsError: 0, worst: [], message: 'close' };
    for (const [i, e] of expected.entries()) {
      const c = compareResults(actual[i], e, t);
      if (!c.ok) return { ...c, message: `[${i}].${c.message}` };
      if (c.maxAbsError > worst.maxAbsError) worst = { ...c, message: `[${i}].${c.message}` };
    }
    return worst;
  }
  return compareNested(toNested(actual, ''), toNested(expected, ''), t);
}
