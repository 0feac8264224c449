/**
 * The top-p boundary, on every implementation, in that implementation's own arithmetic.
 *
 * Convention (src/reference/sampling.ts): the nucleus is the smallest most-probable prefix whose
 * mass reaches p — a token is taken while the mass *before* it is < p. So when p equals exactly
 * the mass of the j most probable tokens, exactly j tokens survive; one representable step above
 * it, j + 1 do. A `≤` in place of `<` (or an inclusive cumulative sum) keeps j + 1 at p itself.
 *
 * The comparison with the reference (sampling.property.spec.ts) has to keep p away from every
 * cumulative mass, because float32 and float64 round a mass near p to different sides; this spec
 * puts p *on* a mass instead: the mass computed as the implementation computes it.
 *   float64 reference  Σ_{i<j} π_(i), summed in probability order as `nucleus` sums it
 *   tfjs (float32)     the exclusive tf.cumsum of tf.topk(softmax(z)) at position j, as filterLogits
 * (There is no BigNumber sampling: the registry row says the filters act on float64 logit vectors.)
 * Logits are distinct (no ties at the boundary), so "exactly j" is well defined.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { filterLogits as referenceFilter, softmaxLogits } from '../../src/reference/sampling.js';
import '../../src/tfjs/index.js';
import { filterLogits as tfjsFilter } from '../../src/tfjs/sampling.js';
import { softmaxUnchecked } from '../../src/tfjs/softmax.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

/** Distinct logits: hundredths in [−8, 8], 2…16 of them (as sampling.property.spec.ts). */
const distinctLogits = fc.uniqueArray(fc.integer({ min: -800, max: 800 }), { minLength: 2, maxLength: 16 }).map((xs) => xs.map((x) => x / 100));

/** Indices of the entries that survive a filter (finite logits), in index order. */
const survivors = (filtered: readonly number[]) => filtered.flatMap((z, i) => (Number.isFinite(z) ? [i] : []));

/** The j largest logits' indices, in index order. */
const topIndices = (z: readonly number[], j: number) =>
  z
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, j)
    .map(([, i]) => i)
    .sort((a, b) => a - b);

/** The next float64 above x (x > 0). */
function nextUp64(x: number): number {
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] += 1n;
  return f[0];
}
/** The next float32 above x (x > 0, x a float32). */
function nextUp32(x: number): number {
  const f = new Float32Array([x]);
  const b = new Int32Array(f.buffer);
  b[0] += 1;
  return f[0];
}

/** masses[j] = the implementation's mass of its j most probable tokens, j = 0…V. */
interface Boundary {
  masses: number[];
  nextUp: (x: number) => number;
  filter: (z: number[], p: number) => number[];
}

const reference: Boundary & { massesOf: (z: number[]) => number[] } = {
  massesOf: (z) => {
    const sorted = softmaxLogits(z).sort((a, b) => b - a);
    const masses = [0];
    for (const pi of sorted) masses.push(masses[masses.length - 1] + pi); // nucleus's `before += probs[i]`
    return masses;
  },
  masses: [],
  nextUp: nextUp64,
  filter: (z, p) => referenceFilter(z, { topP: p }),
};

function tfjsMasses(z: number[]): number[] {
  return tf.tidy(() => {
    const V = z.length;
    const sorted = tf.topk(softmaxUnchecked(tf.tensor1d(z), -1), V).values; // (V), descending
    const before = Array.from(tf.cumsum(sorted, 0, true).dataSync()); // exclusive: before[j] = mass of the top j
    const all = tf.sum(sorted).dataSync()[0];
    return [...before, all];
  });
}

function tfjsFilterRead(z: number[], p: number): number[] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => Array.from(tfjsFilter(tf.tensor1d(z), { topP: p }).dataSync()));
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

/**
 * For some j with 1 ≤ j < V and masses[j] < 1 (p = 1 means "no top-p"): p = masses[j] keeps exactly
 * the top j; p = the next representable number above masses[j] keeps exactly the top j + 1 (when
 * the (j+1)-th token moves the mass at all in this precision).
 */
function checkBoundary(z: number[], jRaw: number, masses: number[], nextUp: (x: number) => number, filter: (z: number[], p: number) => number[]): void {
  const V = z.length;
  const candidates = Array.from({ length: V - 1 }, (_, i) => i + 1).filter((j) => masses[j] < 1);
  fc.pre(candidates.length > 0);
  const j = candidates[jRaw % candidates.length];
  const p = masses[j];
  expect(survivors(filter(z, p)), `p = mass of the top ${j} = ${p}`).toEqual(topIndices(z, j));
  const above = nextUp(p);
  if (masses[j + 1] >= above && above < 1) {
    expect(survivors(filter(z, above)), `p = next number above the mass of the top ${j} = ${above}`).toEqual(topIndices(z, j + 1));
  }
}

describe('top-p boundary: p equal to the implementation\'s own mass of its top-j tokens keeps exactly j', () => {
  it('[interview.sampling.top-p] float64 reference: p = Σ of the j largest probabilities (summed as nucleus sums) keeps exactly those j; the next float64 above keeps j + 1', () => {
    checkProperty<[number[], number]>('top-p boundary, reference', distinctLogits, fc.nat(), (z, jRaw) => {
      checkBoundary(z, jRaw, reference.massesOf(z), reference.nextUp, reference.filter);
    });
  });

  it(`[interview.sampling.top-p] tfjs[${backendReport.choice}] (float32): p = its exclusive cumulative sum at j keeps exactly the top j; the next float32 above keeps j + 1`, () => {
    checkProperty<[number[], number]>('top-p boundary, tfjs', distinctLogits, fc.nat(), (z, jRaw) => {
      checkBoundary(z, jRaw, tfjsMasses(z), nextUp32, tfjsFilterRead);
    });
  });

  it('a worked case on both: logits ln 8, ln 4, ln 2, ln 1 (probabilities 8/15, 4/15, 2/15, 1/15); p = each implementation’s own mass of the top 2 keeps exactly tokens 0 and 1', () => {
    const z = [Math.log(8), Math.log(4), Math.log(2), Math.log(1)];
    const r = reference.massesOf(z);
    expect(survivors(reference.filter(z, r[2]))).toEqual([0, 1]);
    const t = tfjsMasses(z);
    expect(survivors(tfjsFilterRead(z, t[2]))).toEqual([0, 1]);
  });
});
