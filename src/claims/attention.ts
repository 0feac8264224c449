/**
 * Evaluators for the scaled dot-product attention claims (CLAIMS.md §2, and the complexity claim
 * of §1). Each computes its values with the implementation it is handed.
 */
import { ArgumentError, InternalError } from '../core/errors.js';
import { randomMatrix, seededRng } from '../core/random.js';
import { shapeOf } from '../core/shape.js';
import { glorotUniform } from '../reference/initialisation.js';
import { flopCounter } from '../reference/linear-algebra.js';
import { flat, input, maxAbs, maxAbsDiff, variance, type Evaluator } from './types.js';

const identity = (n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

/** The course's three tokens, projected with W_Q = W_K = W_V = I₂ (so Q = K = V = X). */
const loveCats: Evaluator = async (impl, claim) => {
  const x = impl.lift(input<number[][]>(claim, 'x'));
  const w = impl.lift(identity(2));
  const [q, k, v] = [await impl.matMul(x, w), await impl.matMul(x, w), await impl.matMul(x, w)];
  const steps = await impl.scaledDotProductAttention(q, k, v, { scale: input<boolean>(claim, 'scale'), steps: true });
  const row = input<number>(claim, 'queryRow');
  return { scores: steps.scores[row], weights: steps.weights[row], output: steps.output[row] };
};

export const attentionEvaluators: Record<string, Evaluator> = {
  'interview.attention.qkt': async (impl, claim) => {
    const q = impl.lift(input(claim, 'q'));
    const k = impl.lift(input(claim, 'k'));
    return { scores: (await impl.scaledDotProductAttention(q, k, k, { steps: true })).scores };
  },
  'interview.attention.sqrt-two': async (impl, claim) => {
    const q = impl.lift(input(claim, 'q'));
    const steps = await impl.scaledDotProductAttention(q, q, q, { steps: true });
    // The implementation's own factor, read back from its steps: scores / scaled = √d_k.
    const { F } = impl;
    return { sqrtDk: F.div(steps.scores[0][0], steps.scaled[0][0]) };
  },
  'interview.attention.first-row-softmax': async (impl, claim) => {
    const q = impl.lift(input(claim, 'q'));
    return {
      firstRowWeights: (await impl.scaledDotProductAttention(q, q, q, { scale: true, steps: true })).weights[0],
      unscaledFirstRow: (await impl.scaledDotProductAttention(q, q, q, { scale: false, steps: true })).weights[0],
    };
  },
  'interview.attention.output-shape': async (impl, claim) => {
    const [n, dK, dV] = input<number[]>(claim, 'dims');
    const rng = seededRng(7);
    const s = await impl.scaledDotProductAttention(impl.lift(randomMatrix(rng, n, dK)), impl.lift(randomMatrix(rng, n, dK)), impl.lift(randomMatrix(rng, n, dV)), { steps: true });
    return { weightsShape: shapeOf(s.weights), outputShape: shapeOf(s.output) };
  },
  'course.attention.i-love-cats.scores': loveCats,
  'course.attention.i-love-cats.exact-weights': loveCats,
  'course.attention.i-love-cats.weights': loveCats,
  'course.attention.i-love-cats.exact-output': loveCats,
  'course.attention.i-love-cats.output-three-decimals': loveCats,
  'course.attention.i-love-cats.output-two-decimals': loveCats,
  'course.attention.i-love-cats.with-scaling': loveCats,
  'course.attention.i-love-cats.denominator': async (impl, claim) => {
    const { F } = impl;
    const { scores, weights } = (await loveCats(impl, claim)) as { scores: unknown[]; weights: unknown[] };
    // Z = Σ_j exp(score_j), with e replaced by the slide's stated 2.718 ...
    const e = F.from(input<string>(claim, 'eApprox'));
    const denominator = (scores as never[]).reduce((z, s) => F.add(z, F.pow(e, s)), F.zero);
    // ... and with the exact e, read from the implementation's softmax: Z = 1/α₁ (score 0 → weight 1/Z).
    return { denominator, denominatorExactE: F.div(F.one, weights[0] as never) };
  },
  'course.attention.softmax-rows-are-distributions': async (impl) => {
    const rng = seededRng(11);
    let [minWeight, maxRowSumError, maxShiftDifference] = [Infinity, 0, 0];
    for (let t = 0; t < 8; t++) {
      const x = randomMatrix(rng, 1 + t, 2 + t, 3);
      const w = (await impl.softmax(impl.lift(x))).map((r) => r.map((v) => impl.F.toNumber(v)));
      const shifted = (await impl.softmax(impl.lift(x.map((r) => r.map((v) => v + 7.5))))).map((r) => r.map((v) => impl.F.toNumber(v)));
      minWeight = Math.min(minWeight, ...flat(w));
      maxRowSumError = Math.max(maxRowSumError, ...w.map((r) => Math.abs(r.reduce((s, v) => s + v, 0) - 1)));
      maxShiftDifference = Math.max(maxShiftDifference, maxAbsDiff(w, shifted));
    }
    return { minWeight, maxRowSumError, maxShiftDifference };
  },
  'course.attention.scaling-restores-variance': async (impl, claim) => {
    const rng = seededRng(23);
    const [blocks, rows] = input<number[]>(claim, 'blocksAndRows');
    const dots = async (dK: number) => {
      const raw: number[] = [];
      const scaled: number[] = [];
      for (let b = 0; b < blocks; b++) {
        const q = randomMatrix(rng, rows, dK);
        const k = randomMatrix(rng, rows, dK);
        const s = await impl.scaledDotProductAttention(impl.lift(q), impl.lift(k), impl.lift(k), { steps: true });
        for (let i = 0; i < rows; i++) {
          raw.push(impl.F.toNumber(s.scores[i][i])); // q_i·k_i, independent across i
          scaled.push(impl.F.toNumber(s.scaled[i][i]));
        }
      }
      return { raw: variance(raw), scaled: variance(scaled) };
    };
    const small = await dots(4);
    const large = await dots(64);
    // Saturation: rows of 16 keys, d_k = 256: how much of the weight the largest entry takes.
    const meanMax = async (scale: boolean) => {
      let sum = 0;
      for (let t = 0; t < 20; t++) {
        const q = randomMatrix(rng, 1, 256);
        const k = randomMatrix(rng, 16, 256);
        sum += Math.max(...(await impl.scaledDotProductAttention(impl.lift(q), impl.lift(k), impl.lift(k), { scale, steps: true })).weights[0].map((v) => impl.F.toNumber(v)));
      }
      return sum / 20;
    };
    return {
      unscaledVarianceOverDkSmall: Math.abs(small.raw / 4 - 1),
      unscaledVarianceOverDkLarge: Math.abs(large.raw / 64 - 1),
      scaledVarianceLarge: Math.abs(large.scaled - 1),
      meanMaxWeightUnscaled: await meanMax(false),
      meanMaxWeightScaled: await meanMax(true),
    };
  },
  'course.attention.complexity': async (impl, claim) => {
    const [n, dK] = input<number[]>(claim, 'nAndDk');
    const rng = seededRng(5);
    const run = (len: number) => impl.scaledDotProductAttention(impl.lift(randomMatrix(rng, len, dK)), impl.lift(randomMatrix(rng, len, dK)), impl.lift(randomMatrix(rng, len, dK)), { steps: true });
    flopCounter.multiplyAdds = 0;
    flopCounter.enabled = true;
    let s;
    try {
      s = await run(n);
    } finally {
      flopCounter.enabled = false;
    }
    const multiplyAdds = flopCounter.multiplyAdds;
    const entries = (m: unknown[][]) => m.length * m[0].length;
    return { scoresShape: shapeOf(s.scores), scoresEntriesGrowth: entries((await run(2 * n)).scores) / entries(s.scores), multiplyAdds };
  },
  'scratch.attention.encoder-scale-factor': (impl, claim) => scaleFactor(impl, claim, null),
  'scratch.attention.decoder-scale-factor': (impl, claim) => scaleFactor(impl, claim, 'causal'),
  'interview.attention.gradients-differ': async (impl, claim) => {
    if (!impl.attentionGradients) throw new ArgumentError(`${impl.name} offers no gradients`);
    const rng = seededRng(3);
    const [n, d] = input<number[]>(claim, 'nAndD');
    const x = randomMatrix(rng, n, d);
    const w = randomMatrix(rng, d, d, 0.5);
    const g = randomMatrix(rng, n, d);
    const grads = await impl.attentionGradients(x, { wQ: w, wK: w, wV: w }, g); // identical initial values
    return { gradientDifferenceQK: maxAbsDiff(grads.wQ, grads.wK), gradientDifferenceQV: maxAbsDiff(grads.wQ, grads.wV), gradientScale: maxAbs(flat(grads.wQ)) };
  },
  'interview.attention.glorot-keeps-variance': async (impl, claim) => {
    const rng = seededRng(17);
    const [samples, width] = input<number[]>(claim, 'samplesAndWidth');
    const x = randomMatrix(rng, samples, width);
    const ratio = async (w: number[][]) => variance(flat(await impl.matMul(impl.lift(x), impl.lift(w))).map((v) => impl.F.toNumber(v))) / variance(flat(x));
    const glorot = await ratio(glorotUniform(width, width, rng)); // drawn from the seeded stream before the unit-variance matrix
    return { varianceRatioError: Math.abs(glorot - 1), varianceRatioUnitInit: await ratio(randomMatrix(rng, width, width)) };
  },
  'course.attention.mha-parameter-count': async (impl, claim) => {
    const d = input<number>(claim, 'dModel');
    const n = input<number>(claim, 'n');
    const rng = seededRng(37);
    const x = impl.lift(randomMatrix(rng, n, d));
    const entries = (p: Record<string, unknown[][]>) => Object.values(p).reduce((t, m) => t + m.length * m[0].length, 0);
    /** Parameters of H heads of width dHead each, and the output they produce on x. */
    const heads = async (H: number, dHead: number) => {
      const p = { wQ: randomMatrix(rng, d, H * dHead), wK: randomMatrix(rng, d, H * dHead), wV: randomMatrix(rng, d, H * dHead), wO: randomMatrix(rng, H * dHead, d) }; // (d × H·d_head), W_O (H·d_head × d)
      const r = await impl.multiHeadAttention(x, x, { wQ: impl.lift(p.wQ), wK: impl.lift(p.wK), wV: impl.lift(p.wV), wO: impl.lift(p.wO) }, { nHeads: H });
      if (r.dK !== dHead) throw new InternalError(`expected heads of width ${dHead}, the implementation made ${r.dK}`);
      return { parameters: entries(p), outputShape: shapeOf(r.output) };
    };
    const Hs = input<number[]>(claim, 'heads');
    const split = [];
    for (const H of Hs) split.push(await heads(H, d / H)); // the course's heads: lower-dimensional subspaces of width d/H (in order: the rng draws)
    const one = await heads(1, d);
    const fullWidth = [];
    for (const H of Hs) fullWidth.push((await heads(H, d)).parameters);
    return {
      parametersByHeads: split.map((h) => h.parameters),
      costOfHeadsOverOneHead: Math.max(...split.map((h) => h.parameters / one.parameters)),
      fullWidthHeadsParameters: fullWidth,
      outputShapes: split.map((h) => h.outputShape),
    };
  },
  'course.attention.permutation-invariance-wording': async (impl, claim) => {
    const rng = seededRng(29);
    const x = randomMatrix(rng, 4, 6);
    const perm = input<number[]>(claim, 'permutation');
    const out = async (m: number[][]) => (await impl.scaledDotProductAttention(impl.lift(m), impl.lift(m), impl.lift(m), { steps: true })).output.map((r) => r.map((v) => impl.F.toNumber(v)));
    const base = await out(x);
    const permuted = await out(perm.map((i) => x[i]));
    return { equivarianceError: maxAbsDiff(permuted, perm.map((i) => base[i])), strictInvarianceDeviation: maxAbsDiff(permuted, base) };
  },
};

/** Scores scaled by 1/d_k (the tutorial's text) vs 1/√d_k (its code): do the weights agree? */
async function scaleFactor(impl: Parameters<Evaluator>[0], claim: Parameters<Evaluator>[1], mask: 'causal' | null) {
  const [n, dK] = input<number[]>(claim, 'nAndHeadSize');
  const rng = seededRng(31);
  const [q, k, v] = [randomMatrix(rng, n, dK), randomMatrix(rng, n, dK), randomMatrix(rng, n, dK)].map((m) => impl.lift(m));
  const asCode = await impl.scaledDotProductAttention(q, k, v, { mask, steps: true }); // 1/√d_k: what the printed Head class divides by
  const asText = await impl.scaledDotProductAttention(q, k, v, { mask, scale: 1 / dK, steps: true }); // 1/d_k: what the step list says
  const { F } = impl;
  // the worked example: one query whose scores against four keys are exampleScores, in a head of size d_k
  const example = input<number[]>(claim, 'exampleScores');
  const row = (i: number) => Array.from({ length: dK }, (_, j) => (j === 0 ? i : 0));
  const eq = impl.lift(example.map(() => row(2))); // every query row (2, 0, …): the last row sees all four keys under a causal mask
  const ek = impl.lift(example.map((s) => row(s / 2))); // key j = (s_j/2, 0, …), so q·k_j = s_j
  const ev = impl.lift(example.map((_, i) => example.map((__, j) => (i === j ? 1 : 0))));
  const lastRow = (r: { weights: unknown[][] }) => r.weights[example.length - 1];
  return {
    exampleWeightsCodeFactor: lastRow(await impl.scaledDotProductAttention(eq, ek, ev, { mask, steps: true })), // default 1/√d_k
    exampleWeightsTextFactor: lastRow(await impl.scaledDotProductAttention(eq, ek, ev, { mask, scale: 1 / dK, steps: true })),
    codeFactor: F.div(asCode.scaled[1][0], asCode.scores[1][0]),
    maxWeightDifference: maxAbsDiff(
      asCode.weights.map((r) => r.map((x) => F.toNumber(x))),
      asText.weights.map((r) => r.map((x) => F.toNumber(x))),
    ),
  };
}

