/**
 * Evaluators for the positional-encoding claims (CLAIMS.md §4): sinusoidal tables, the relative
 * position property, learned tables, RoPE.
 */
import { randomMatrix, seededRng } from '../core/random.js';
import { SpecError } from '../core/errors.js';
import { modulesOf, registryModel } from '../core/parameter-accounting.js';
import { PUBLISHED_MODELS } from '../core/published-models.js';
import { shapeOf } from '../core/shape.js';
import type { Field } from '../reference/field.js';
import { input, maxAbs, maxAbsDiff, flat, type Evaluator } from './types.js';

const num = <S>(F: Field<S>, m: S[][]) => m.map((r) => r.map((x) => F.toNumber(x)));

/**
 * The interview deck's PyTorch function, restated: angle rate 1/10000^(2⌊j/2⌋/d) for column j,
 * sine on even columns, cosine on odd ones. Evaluated in the implementation's field.
 */
function printedFunctionSemantics<S>(F: Field<S>, n: number, d: number): S[][] {
  return Array.from({ length: n }, (_, pos) =>
    Array.from({ length: d }, (_, j) => {
      const rate = F.div(F.one, F.pow(F.from(10000), F.div(F.from(2 * Math.floor(j / 2)), F.from(d))));
      const angle = F.mul(F.from(pos), rate);
      return j % 2 === 0 ? F.sin(angle) : F.cos(angle);
    }),
  );
}

/** Pair-wise rotation by k·ω_i applied to a PE row: [s, c] → [s cos + c sin, c cos − s sin]. */
function rotate(row: number[], k: number, d: number, base: number): number[] {
  const out = [...row];
  for (let i = 0; i < d / 2; i++) {
    const a = k / Math.pow(base, (2 * i) / d);
    const [s, c] = [row[2 * i], row[2 * i + 1]];
    out[2 * i] = s * Math.cos(a) + c * Math.sin(a); // sin(x + a)
    out[2 * i + 1] = c * Math.cos(a) - s * Math.sin(a); // cos(x + a)
  }
  return out;
}

export const positionalEncodingEvaluators: Record<string, Evaluator> = {
  'interview.pe.formula': async (impl, claim) => {
    const pe = await impl.sinusoidalEncoding([input<number>(claim, 'position')], input<number>(claim, 'd'));
    return { pe: pe[0] };
  },
  'interview.pe.position-zero': async (impl) => ({ pe: (await impl.sinusoidalEncoding([0], 4))[0] }),
  'interview.pe.position-one': async (impl) => ({ pe: (await impl.sinusoidalEncoding([1], 4))[0] }),
  'interview.pe.bounded': async (impl, claim) => {
    const pe = num(impl.F, await impl.sinusoidalEncoding(input<number>(claim, 'positions'), input<number>(claim, 'd')));
    return { maxAbsValue: maxAbs(flat(pe)) };
  },
  'interview.pe.unique-per-position': async (impl, claim) => {
    const pe = num(impl.F, await impl.sinusoidalEncoding(input<number>(claim, 'positions'), input<number>(claim, 'd')));
    let min = Infinity;
    for (let a = 0; a < pe.length; a++)
      for (let b = a + 1; b < pe.length; b++) min = Math.min(min, Math.hypot(...pe[a].map((x, j) => x - pe[b][j])));
    return { minPairwiseDistance: min };
  },
  'interview.pe.relative-rotation': async (impl, claim) => {
    const [n, d, k] = [input<number>(claim, 'positions'), input<number>(claim, 'd'), input<number>(claim, 'offset')];
    const pe = num(impl.F, await impl.sinusoidalEncoding(n + k, d));
    let err = 0;
    for (let pos = 0; pos < n; pos++) err = Math.max(err, maxAbsDiff(pe[pos + k], rotate(pe[pos], k, d, 10000)));
    return { maxRotationError: err };
  },
  'interview.pe.printed-function': async (impl, claim) => {
    const [n, d] = [input<number>(claim, 'positions'), input<number>(claim, 'd')];
    return { maxDifference: maxAbsDiff(num(impl.F, printedFunctionSemantics(impl.F, n, d)), num(impl.F, await impl.sinusoidalEncoding(n, d))) };
  },
  'interview.pe.final-input': async (impl, claim) => {
    const { F } = impl;
    const [tok, pos] = [input<number[]>(claim, 'token'), input<number[]>(claim, 'position2')];
    return {
      sum: tok.map((t, i) => F.add(F.from(t), F.from(pos[i]))),
      sinusoidalPositionTwo: (await impl.sinusoidalEncoding([2], 4, { base: input<number>(claim, 'base') }))[0],
    };
  },
  'course.pe.i-am-a-robot': async (impl, claim) => {
    const [n, d, base] = [input<number>(claim, 'positions'), input<number>(claim, 'd'), input<number>(claim, 'base')];
    const { F } = impl;
    // The slide's column divisors base^{2i/d}, i = 0 … d/2 − 1 (it writes them as 1 and 10).
    const divisors = Array.from({ length: d / 2 }, (_, i) => F.pow(F.from(base), F.div(F.from(2 * i), F.from(d))));
    return { pe: await impl.sinusoidalEncoding(n, d, { base }), divisors };
  },
  'scratch.pe.equation-index': async (impl, claim) => {
    const { F } = impl;
    const [pos, d] = [input<number>(claim, 'position'), input<number>(claim, 'd')];
    const angle = (i: number) => F.div(F.from(pos), F.pow(F.from(10000), F.div(F.from(2 * i), F.from(d))));
    // Read literally, line 1 defines every column j as sin(pos/10000^{2j/d}); line 2 defines the odd
    // column 2i+1 as cos(pos/10000^{2i/d}). For column 1 (j = 1, i = 0) the two lines disagree.
    const line1 = F.toNumber(F.sin(angle(1)));
    const line2 = F.toNumber(F.cos(angle(0)));
    // With PE(pos, 2i) on the left (the corrected equation) both lines match the implementation.
    const pe = num(F, await impl.sinusoidalEncoding([pos], d))[0];
    const corrected = Array.from({ length: d }, (_, j) => F.toNumber(j % 2 === 0 ? F.sin(angle(j / 2)) : F.cos(angle((j - 1) / 2))));
    return { literalConflict: Math.abs(line1 - line2), correctedAgreement: maxAbsDiff(corrected, pe) };
  },
  'interview.pe.learned-limited': async (impl, claim) => {
    const L = input<number>(claim, 'trainedLength');
    const table = impl.lift(randomMatrix(seededRng(2), L, 4));
    let learnedBeyondTable = 'no error';
    try {
      await impl.learnedPositionalEmbedding(table, [L]);
    } catch (e) {
      learnedBeyondTable = e instanceof SpecError ? e.code : String(e);
    }
    const beyond = Array.from({ length: 1000 }, (_, i) => L + i);
    return { learnedBeyondTable, sinusoidalBeyondTableMaxAbs: maxAbs(flat(num(impl.F, await impl.sinusoidalEncoding(beyond, 4)))) };
  },
  'interview.pe.learned-positions-gpt-bert': async (impl, claim) => {
    const [L, width] = [input<number>(claim, 'maxLength'), input<number>(claim, 'width')];
    const table = impl.lift(randomMatrix(seededRng(5), L, width));
    const all = await impl.learnedPositionalEmbedding(table, Array.from({ length: L }, (_, p) => p)); // positions 0 … L−1
    let position512 = 'no error';
    try {
      await impl.learnedPositionalEmbedding(table, [L]);
    } catch (e) {
      position512 = e instanceof SpecError ? e.code : String(e);
    }
    // the position tables of the released models, as the parameter registry builds them from their configurations
    const rows = (model: string, module: string) => modulesOf(registryModel(model)).find((m) => m.name === module && m.kind === 'embedding')?.dIn ?? 0;
    const gpt = ['gpt1', 'gpt2', 'gpt3'] as const;
    return {
      tableShape: shapeOf(all),
      position512,
      gptAndBertLearnPositions: [...gpt, 'bert-base' as const].every((k) => PUBLISHED_MODELS[k].positions === 'learned') && rows('gpt2', 'transformer.wpe') > 0 && rows('bert-base', 'embeddings.position_embeddings') > 0,
      bertPositions: rows('bert-base', 'embeddings.position_embeddings'),
      gptPositions: [PUBLISHED_MODELS.gpt1.contextLength, rows('gpt2', 'transformer.wpe'), rows('gpt3', 'model.decoder.embed_positions')],
      llamaHasNoPositionTable: !modulesOf(registryModel('llama-7b')).some((m) => m.kind === 'embedding' && /pos/.test(m.name)),
    };
  },
  'course.pe.rope-relative-offset': async (impl, claim) => {
    const rng = seededRng(41);
    const d = input<number>(claim, 'd');
    const [q, k] = [randomMatrix(rng, 1, d), randomMatrix(rng, 1, d)];
    const dot = async (m: number, n: number) => {
      const a = num(impl.F, await impl.rope(impl.lift(q), { positions: [m] }))[0];
      const b = num(impl.F, await impl.rope(impl.lift(k), { positions: [n] }))[0];
      return a.reduce((s, x, i) => s + x * b[i], 0);
    };
    const [m, n, shift] = input<number[]>(claim, 'positionsAndShift');
    return { sameOffsetDifference: Math.abs((await dot(m, n)) - (await dot(m + shift, n + shift))), otherOffsetDifference: Math.abs((await dot(m, n)) - (await dot(m, n + 1))) };
  },
  'course.pe.rope-preserves-norm': async (impl, claim) => {
    const x = randomMatrix(seededRng(43), input<number>(claim, 'n'), input<number>(claim, 'd'));
    const r = num(impl.F, await impl.rope(impl.lift(x)));
    const norm = (v: number[]) => Math.hypot(...v);
    return { maxRelativeNormChange: Math.max(...x.map((row, i) => Math.abs(norm(r[i]) - norm(row)) / norm(row))) };
  },
};
