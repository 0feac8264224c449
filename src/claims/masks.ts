/**
 * Evaluators for masks and attention variants (CLAIMS.md §3, except FlashAttention and sliding
 * windows): causality, the autoregressive factorisation, cross-attention, permutation symmetry.
 */
import { randomMatrix, seededRng } from '../core/random.js';
import { shapeOf } from '../core/shape.js';
import { causalMask } from '../reference/masks.js';
import { input, maxAbsDiff, type Evaluator } from './types.js';
import type { ArrayImpl } from '../ops/implementations.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = ArrayImpl<any>;
const num = (impl: Impl, m: unknown[][]) => m.map((r) => r.map((x) => impl.F.toNumber(x)));

/** Single-head causal self-attention with fixed random projections. */
function causalLayer(impl: Impl, d: number, seed: number) {
  const rng = seededRng(seed);
  const w = [randomMatrix(rng, d, d, 0.7), randomMatrix(rng, d, d, 0.7), randomMatrix(rng, d, d, 0.7)].map((m) => impl.lift(m));
  return async (x: number[][]) => {
    const X = impl.lift(x);
    const [q, k, v] = [await impl.matMul(X, w[0]), await impl.matMul(X, w[1]), await impl.matMul(X, w[2])];
    return num(impl, (await impl.scaledDotProductAttention(q, k, v, { mask: 'causal', steps: true })).output);
  };
}

export const maskEvaluators: Record<string, Evaluator> = {
  'interview.masks.causal-ignores-future': async (impl, claim) => {
    const [n, d, t] = input<number[]>(claim, 'nDAndT');
    const layer = causalLayer(impl, d, 47);
    const x = randomMatrix(seededRng(53), n, d);
    const changed = x.map((row, i) => (i > t ? row.map((v) => v + 3) : row)); // perturb tokens after t
    const [a, b] = [await layer(x), await layer(changed)];
    const mask = causalMask(n);
    return {
      maxChangeAtOrBeforeT: maxAbsDiff(a.slice(0, t + 1), b.slice(0, t + 1)),
      maxChangeAfterT: maxAbsDiff(a.slice(t + 1), b.slice(t + 1)),
      maskIsLowerTriangular: mask.every((row, i) => row.every((m, j) => m === j <= i)),
    };
  },
  'interview.masks.autoregressive-factorisation': async (impl, claim) => {
    // A tiny causal language model: embeddings (V × d) + positions, one causal attention layer,
    // a linear head to V logits. Its conditionals come from ONE full forward pass per sequence.
    const [V, T, d] = input<number[]>(claim, 'vocabLengthWidth');
    const rng = seededRng(59);
    const emb = randomMatrix(rng, V + 1, d); // row V is a start token
    const pos = randomMatrix(rng, T + 1, d, 0.5);
    const head = impl.lift(randomMatrix(rng, d, V));
    const layer = causalLayer(impl, d, 61);
    const conditionals = async (seq: number[]) => {
      const x = [V, ...seq].map((tok, i) => emb[tok].map((v, j) => v + pos[i][j])); // (T+1 × d)
      const h = await layer(x);
      return num(impl, await impl.softmax(await impl.matMul(impl.lift(h), head))); // row t: P(· | start, x_<t+1)
    };
    let total = 0;
    let prefixError = 0;
    const seqs: number[][] = [[]];
    for (let t = 0; t < T; t++) seqs.splice(0, seqs.length, ...seqs.flatMap((s) => Array.from({ length: V }, (_, v) => [...s, v])));
    for (const seq of seqs) {
      const p = await conditionals(seq);
      total += seq.reduce((prod, tok, t) => prod * p[t][tok], 1); // Π_t P(x_t | x_<t)
      for (let t = 1; t < T; t++) prefixError = Math.max(prefixError, maxAbsDiff((await conditionals(seq.slice(0, t)))[t], p[t]));
    }
    return { jointSumError: Math.abs(total - 1), prefixConsistencyError: prefixError };
  },
  'notes.masks.cross-attention-shapes': async (impl, claim) => {
    const [nDec, nEnc, dModel, nHeads] = input<number[]>(claim, 'nDecNEncDModelHeads');
    const rng = seededRng(67);
    const m = (r: number, c: number) => randomMatrix(rng, r, c, 1 / Math.sqrt(c));
    const p = { wQ: m(dModel, dModel), wK: m(dModel, dModel), wV: m(dModel, dModel), wO: m(dModel, dModel) };
    const params = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, impl.lift(v)])) as never;
    const [dec, enc] = [m(nDec, dModel), m(nEnc, dModel)];
    const r = await impl.multiHeadAttention(impl.lift(dec), impl.lift(enc), params, { nHeads });
    const dec2 = dec.map((row, i) => (i === nDec - 1 ? row.map((v) => v + 1) : row)); // change the last decoder state only
    const r2 = await impl.multiHeadAttention(impl.lift(dec2), impl.lift(enc), params, { nHeads });
    return {
      weightsShape: shapeOf(r.weights[0]),
      outputShape: shapeOf(r.output),
      otherRowsChange: maxAbsDiff(num(impl, r.output).slice(0, -1), num(impl, r2.output).slice(0, -1)),
    };
  },
  'interview.attention.permutation-equivariance': async (impl, claim) => {
    const emb = input<number[][]>(claim, 'embeddings'); // The, cat, sat
    const perm = input<number[]>(claim, 'permutation'); // → Sat cat the
    const rng = seededRng(71);
    const d = emb[0].length;
    const p = { wQ: randomMatrix(rng, d, d), wK: randomMatrix(rng, d, d), wV: randomMatrix(rng, d, d), wO: randomMatrix(rng, d, d) };
    const params = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, impl.lift(v)])) as never;
    const run = async (x: number[][]) => num(impl, (await impl.multiHeadAttention(impl.lift(x), impl.lift(x), params, { nHeads: 2 })).output);
    const pe = num(impl, await impl.sinusoidalEncoding(emb.length, d));
    const withPe = (x: number[][]) => x.map((row, i) => row.map((v, j) => v + pe[i][j]));
    const base = await run(emb);
    const permuted = await run(perm.map((i) => emb[i]));
    const baseP = await run(withPe(emb));
    const permutedP = await run(withPe(perm.map((i) => emb[i])));
    return {
      equivarianceErrorWithoutPe: maxAbsDiff(permuted, perm.map((i) => base[i])),
      equivarianceBreakWithPe: maxAbsDiff(permutedP, perm.map((i) => baseP[i])),
    };
  },
};
