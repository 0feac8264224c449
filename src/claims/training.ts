/**
 * Evaluators for the sampling, masking, optimisation and training-log claims (CLAIMS.md §6, §7):
 * top-k, top-p, temperature and the tutorial's generate() loop; self-consistency; BERT's 80/10/10
 * masking and what the tutorial's printed TinyBERT batch builder trains on; AdamW, the warm-up +
 * cosine schedule and gradient clipping (checked against torch.optim.AdamW on fixtures/optim,
 * written by scripts/export-optim-fixtures.py); the tutorial's printed training logs, read from
 * the tutorial at run time.
 *
 * Claims about tensors run on the float64 reference and on tfjs, through the implementation's ops
 * (`impl.samplingDistribution`, `impl.tinyModel`, `impl.clipGradNorm`) and, for AdamW, which has
 * no stateless op, src/tfjs/adamw.ts under the one leak guard; claims about plain-number
 * procedures (masking statistics, the batch builder, the printed logs, the schedule) run on the
 * reference only.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PROJECT_ROOT } from '../core/claims.js';
import { loadFixture, referenceParams } from '../core/fixtures.js';
import { seededRng } from '../core/random.js';
import { readSafetensors, toNumbers } from '../core/safetensors.js';
import { validateTinyConfig, type TinyConfig } from '../core/tiny-config.js';
import { withoutLeaks } from '../ops/convert.js';
import { InternalError, MalformedInputError } from '../core/errors.js';
import { TINY_REGISTRY } from '../core/parameter-accounting.js';
import { referenceTinyParams } from '../ops/tiny-weights.js';
import { tinyModel } from '../reference/tiny-models.js';
import { tutorialBertBatch } from '../training/batches.js';
import { initTinyWeights } from '../training/init.js';
import { PRINTED_TABLES } from '../training/reproduce.js';
import { recordedReproduction } from './reproduction-evidence.js';
import { adamInit, adamL2Step, adamwStep, type AdamState, type AdamWOptions } from '../reference/adamw.js';
import { clipGradNorm as refClip } from '../reference/grad-clip.js';
import { warmupCosineLr, type WarmupCosineOptions } from '../reference/lr-schedule.js';
import { argmax } from '../reference/metrics.js';
import { maskTokens, mlmViolation } from '../reference/mlm-masking.js';
import { generateTokens, majorityVote, sampleIndex, type GenerateOptions, type Generation, type SamplingOptions } from '../reference/sampling.js';
import { createAdamW } from '../tfjs/adamw.js';
import { clipGradNormAsync as tfClip } from '../tfjs/grad-clip.js';
import { readPrintedLogs, readTutorialTexts } from '../core/tutorial.js';
import { charVocabulary, wordVocabulary } from '../training/vocab.js';
import type { ArrayImpl } from '../ops/implementations.js';
import { input, maxAbsDiff, type Evaluator } from './types.js';
import { hostOnly } from '../core/host.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = ArrayImpl<any>;
const isTfjs = (impl: Impl) => impl.name === 'tfjs';

/** The sampling distribution of `logits` on this implementation. */
const distribution = (impl: Impl, logits: number[], o: SamplingOptions = {}): Promise<number[]> => impl.samplingDistribution(logits, o);

const kept = (probs: number[]): number[] => probs.flatMap((p, i) => (p > 0 ? [i] : []));
const entropy = (probs: number[]): number => -probs.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);

/** The exported TinyGPT (fixtures/models/tinygpt, vocab 48, block 16) on this implementation. */
function fixtureGpt(impl: Impl): { config: TinyConfig; params: unknown } {
  const f = loadFixture('models/tinygpt.safetensors');
  const c = f.config as Record<string, number>;
  const config = validateTinyConfig({ vocab_size: c.vocab_size, block_size: c.block_size, n_embed: c.n_embed, n_head: c.n_head, n_layer: c.n_layer, dropout: c.dropout });
  return { config, params: impl.liftTree(referenceParams(f.param)) };
}

function nextLogitsOn(impl: Impl, config: TinyConfig, params: unknown): (context: number[]) => Promise<number[]> {
  return async (context) => {
    const rows = (await impl.tinyModel('tinygpt', config, params as never, [context])).logits[0]; // (T × V)
    return rows[rows.length - 1].map((z: unknown) => impl.F.toNumber(z));
  };
}

/** Thrown by a replay of generateTokens at the first context whose logits are not yet computed. */
class Unanswered {
  constructor(readonly context: number[]) {}
}

/**
 * generateTokens (the tutorial's generate() loop, src/reference/sampling.ts, synchronous) driven by
 * logits and probabilities an implementation computes asynchronously. The generation is replayed
 * from a fresh seeded rng (`options()`), each replay answering from the contexts computed so far
 * and stopping at the first new one, which is then computed; the replay that meets no new context
 * is the generation. Its draws, contexts and tokens are those of one straight run: every replay
 * repeats the same draws on the same probabilities up to the point where the last one stopped
 * (a context met twice is computed once: the model is deterministic).
 */
async function generateOn(
  next: (context: number[]) => Promise<number[]>,
  probabilitiesOf: ((logits: number[]) => Promise<number[]>) | undefined,
  prompt: number[],
  options: () => GenerateOptions,
): Promise<Generation> {
  const logits = new Map<string, number[]>();
  const probabilities = new Map<number[], number[]>(); // keyed by the logits array they came from
  for (;;) {
    try {
      return generateTokens(
        (context) => {
          const z = logits.get(context.join());
          if (z === undefined) throw new Unanswered(context);
          return z;
        },
        prompt,
        { ...options(), ...(probabilitiesOf ? { distribution: (z: number[]) => probabilities.get(z)! } : {}) },
      );
    } catch (e) {
      if (!(e instanceof Unanswered)) throw e;
      const z = await next(e.context);
      logits.set(e.context.join(), z);
      if (probabilitiesOf) probabilities.set(z, await probabilitiesOf(z));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Optimiser fixtures (torch.optim.AdamW)

interface OptimCase {
  file: string;
  names: string[];
  initial: number[][];
  grads: number[][][]; // [step][param][flat]
  after: number[][][]; // [step][param][flat]
  lr: number[];
  totalNorm?: number[];
  options: AdamWOptions;
  clip?: number;
  schedule?: WarmupCosineOptions;
}

function loadOptimCaseOnHost(file: string): OptimCase {
  const { tensors, metadata } = readSafetensors(join(PROJECT_ROOT, 'fixtures', 'optim', file));
  const cfg = JSON.parse(metadata.config) as { lr: number; betas: [number, number]; eps: number; weight_decay: number; steps: number; clip_grad_norm?: { max_norm: number }; schedule?: { warmup: number; total: number } };
  const get = (n: string) => {
    const t = tensors.get(n);
    if (!t) throw new MalformedInputError(`fixtures/optim/${file} has no tensor ${n}`);
    return toNumbers(t);
  };
  const names = [...tensors.keys()].filter((n) => n.startsWith('param.')).map((n) => n.slice('param.'.length)).sort();
  const steps = Array.from({ length: cfg.steps }, (_, k) => k + 1);
  return {
    file,
    names,
    initial: names.map((n) => get(`param.${n}`)),
    grads: steps.map((k) => names.map((n) => get(`input.grad.step${k}.${n}`))),
    after: steps.map((k) => names.map((n) => get(`output.step${k}.${n}`))),
    lr: get('output.lr'),
    ...(tensors.has('output.total_norm') ? { totalNorm: get('output.total_norm') } : {}),
    options: { lr: cfg.lr, beta1: cfg.betas[0], beta2: cfg.betas[1], eps: cfg.eps, weightDecay: cfg.weight_decay },
    ...(cfg.clip_grad_norm ? { clip: cfg.clip_grad_norm.max_norm } : {}),
    ...(cfg.schedule ? { schedule: { peakLr: cfg.lr, warmupSteps: cfg.schedule.warmup, totalSteps: cfg.schedule.total } } : {}),
  };
}

export const OPTIM_FIXTURES = ['adamw-defaults.safetensors', 'adamw-strong-decay.safetensors', 'adamw-clip-warmup-cosine.safetensors'];

export interface OptimRun {
  /** Parameters after each step. */
  after: number[][][];
  /** Global norm before clipping, per step (clipping runs only). */
  norms: number[];
  lrs: number[];
}

/**
 * Runs K optimiser steps on this implementation: optional clipping, the learning rate from the
 * schedule (or the fixed lr), AdamW. `coupled` replaces AdamW by Adam with L2 in the gradient.
 */
export async function runOptimiser(impl: Impl, initial: number[][], grads: number[][][], o: { options: AdamWOptions; clip?: number; schedule?: WarmupCosineOptions; coupled?: boolean }): Promise<OptimRun> {
  const lrs = grads.map((_, k) => (o.schedule ? warmupCosineLr(k, o.schedule) : (o.options.lr ?? 1e-3)));
  const norms: number[] = [];
  const after: number[][][] = [];
  if (!isTfjs(impl)) {
    let params = initial.map((p) => [...p]);
    let state: AdamState = adamInit(params);
    grads.forEach((g, k) => {
      let gk = g;
      if (o.clip !== undefined) {
        const c = refClip(g, o.clip);
        norms.push(c.totalNorm);
        gk = c.grads;
      }
      const step = (o.coupled ? adamL2Step : adamwStep)(params, gk, state, { ...o.options, lr: lrs[k] });
      params = step.params;
      state = step.state;
      after.push(params.map((p) => [...p]));
    });
    return { after, norms, lrs };
  }
  const read = (vars: tf.Variable[]) => Promise.all(vars.map(async (v) => Array.from(await v.data())));
  return withoutLeaks<OptimRun>('tfjs AdamW', async () => {
    const vars = initial.map((p) => tf.tidy(() => tf.variable(tf.tensor1d(p))));
    const opt = createAdamW(vars, o.coupled ? { ...o.options, weightDecay: 0 } : o.options);
    try {
      for (const [k, g] of grads.entries()) {
        const current = await read(vars);
        const gEff = o.coupled ? g.map((gi, i) => gi.map((x, j) => x + (o.options.weightDecay ?? 0.01) * current[i][j])) : g;
        let gt: tf.Tensor[] = gEff.map((gi) => tf.tensor1d(gi));
        if (o.clip !== undefined) {
          const c = await tfClip(gt, o.clip); // read asynchronously: the only form webgpu allows
          tf.dispose(gt);
          gt = c.grads;
          norms.push(c.totalNorm);
        }
        opt.apply(gt, lrs[k]);
        tf.dispose(gt);
        after.push(await read(vars));
      }
    } finally {
      opt.dispose();
      tf.dispose(vars);
    }
    return { after, norms, lrs };
  });
}

// ---------------------------------------------------------------------------------------------

export const trainingEvaluators: Record<string, Evaluator> = {
  // ---- sampling ------------------------------------------------------------------------------
  'interview.sampling.top-k': async (impl, claim) => {
    const logits = input<number[]>(claim, 'logits');
    const k = input<number>(claim, 'k');
    const p = await distribution(impl, logits, { topK: k });
    const ids = kept(p);
    return {
      keptTokens: ids,
      keptProbabilities: ids.map((i) => p[i]),
      largeKChange: maxAbsDiff(await distribution(impl, logits, { topK: logits.length + 3 }), await distribution(impl, logits)),
    };
  },
  'interview.sampling.top-p': async (impl, claim) => {
    const probs = input<number[]>(claim, 'probabilities');
    const ps = input<number[]>(claim, 'p');
    const logits = probs.map(Math.log);
    const runs: { size: number; marginAbove: number; withoutLeast: number; renormalised: number }[] = [];
    for (const p of ps) {
      const d = await distribution(impl, logits, { topP: p });
      const ids = kept(d);
      const mass = ids.reduce((s, i) => s + probs[i], 0);
      const least = Math.min(...ids.map((i) => probs[i]));
      const renormalised = maxAbsDiff(ids.map((i) => d[i]), ids.map((i) => probs[i] / mass));
      runs.push({ size: ids.length, marginAbove: mass - p, withoutLeast: mass - least - p, renormalised });
    }
    return {
      nucleusSizes: runs.map((r) => r.size),
      smallestMassMinusP: Math.min(...runs.map((r) => r.marginAbove)),
      largestMassWithoutLeastProbableMinusP: Math.max(...runs.map((r) => r.withoutLeast)),
      renormalisationError: Math.max(...runs.map((r) => r.renormalised)),
    };
  },
  'scratch.sampling.top-k-50-no-op': async (impl, claim) => {
    const vocab = charVocabulary(readTutorialTexts().gpt);
    const { config, params } = fixtureGpt(impl);
    const z = await nextLogitsOn(impl, config, params)(vocab.encode(input<string>(claim, 'prompt')));
    const temperature = input<number>(claim, 'temperature');
    const withTopK = await distribution(impl, z, { temperature, topK: input<number>(claim, 'topK') });
    const without = await distribution(impl, z, { temperature });
    return {
      vocabularySize: vocab.symbols.length,
      tokensExcludedByTopK: kept(without).length - kept(withTopK).length,
      distributionChangeFromTopK: maxAbsDiff(withTopK, without),
    };
  },
  'scratch.sampling.temperature': async (impl, claim) => {
    const logits = input<number[]>(claim, 'logits');
    const t = input<number>(claim, 'temperature');
    const base = await distribution(impl, logits);
    const hot = await distribution(impl, logits, { temperature: t });
    const cold = await distribution(impl, logits, { temperature: input<number>(claim, 'nearZero') });
    const top = argmax(logits);
    return {
      probabilitiesAtT: hot,
      argmaxProbabilityGain: hot[top] - base[top],
      entropyDrop: entropy(base) - entropy(hot),
      argmaxProbabilityNearZero: cold[top],
      argmaxUnchanged: argmax(hot) === top && argmax(cold) === top,
    };
  },
  'scratch.sampling.generate-crops-context': async (impl, claim) => {
    const vocab = charVocabulary(readTutorialTexts().gpt);
    const { config, params } = fixtureGpt(impl);
    const next = nextLogitsOn(impl, config, params);
    const prompt = vocab.encode(input<string>(claim, 'prompt'));
    const n = input<number>(claim, 'maxNewTokens');
    const o = { blockSize: config.block_size, maxNewTokens: n, temperature: input<number>(claim, 'temperature'), topK: input<number>(claim, 'topK') };
    // tfjs: its own sampling distribution; the reference: generateTokens' default (the same function)
    const probabilities = isTfjs(impl) ? (z: number[]) => distribution(impl, z, o) : undefined;
    const run = () => generateOn(next, probabilities, prompt, () => ({ ...o, rng: seededRng(input<number>(claim, 'seed')) }));
    const a = await run();
    const b = await run(); // its own logits, computed again
    let fullSequenceRejected = false;
    try {
      await impl.tinyModel('tinygpt', config, params as never, [a.tokens]);
    } catch (e) {
      fullSequenceRejected = /block_size/.test((e as Error).message);
    }
    return {
      outputLength: a.tokens.length,
      longestContextSeen: Math.max(...a.contextLengths),
      firstAndLastContextLengths: [a.contextLengths[0], a.contextLengths[a.contextLengths.length - 1]],
      promptKept: a.tokens.slice(0, prompt.length).every((t, i) => t === prompt[i]),
      sameSeedSameTokens: a.tokens.every((t, i) => t === b.tokens[i]),
      fullSequenceRejected,
    };
  },
  'course.sampling.chain-of-thought-arithmetic': async (impl, claim) => {
    const { F } = impl;
    const t = input<{ start: number; cans: number; perCan: number }>(claim, 'tennis');
    const a = input<{ start: number; used: number; bought: number }>(claim, 'apples');
    const inCans = F.mul(F.from(t.cans), F.from(t.perCan)); // 2 cans of 3 balls
    const afterLunch = F.sub(F.from(a.start), F.from(a.used)); // 23 − 20
    const afterBuying = F.add(afterLunch, F.from(a.bought)); // + 6
    return {
      ballsInCans: inCans,
      tennisBalls: F.add(F.from(t.start), inCans),
      applesAfterLunch: afterLunch,
      applesAfterBuying: afterBuying,
      oneShotAnswerIsWrong: F.toNumber(afterBuying) !== input<number>(claim, 'oneShotAnswer'),
    };
  },
  'course.sampling.self-consistency': async (_impl, claim) => {
    const vote = majorityVote(input<string[]>(claim, 'answers'));
    const q = input<number>(claim, 'perSampleAccuracy');
    const n = input<number>(claim, 'samples');
    const trials = input<number>(claim, 'trials');
    const binom = (k: number) => { let c = 1; for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1); return c; }; // C(n, k)
    let exact = 0;
    for (let k = Math.floor(n / 2) + 1; k <= n; k++) exact += binom(k) * q ** k * (1 - q) ** (n - k);
    const rng = seededRng(input<number>(claim, 'seed'));
    let wins = 0;
    for (let t = 0; t < trials; t++) {
      const answers = Array.from({ length: n }, () => (sampleIndex([q, 1 - q], rng) === 0 ? 'right' : 'wrong'));
      if (majorityVote(answers).answer === 'right') wins += 1;
    }
    return { votedAnswer: vote.answer, votes: vote.votes, exactMajorityAccuracy: exact, simulatedMinusExact: Math.abs(wins / trials - exact), gainOverOneSample: exact - q };
  },

  // ---- masking and the batch builder ---------------------------------------------------------
  'scratch.training.mlm-80-10-10': async (_impl, claim) => {
    const [rows, cols] = input<[number, number]>(claim, 'batch');
    const V = input<number>(claim, 'ordinaryTokens');
    const rng = seededRng(input<number>(claim, 'seed'));
    const tokens = Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.int(0, V)));
    const m = maskTokens(tokens, { vocabSize: V, maskTokenId: V, rng });
    const d = m.decisions.flat();
    const N = d.length;
    const selected = d.filter((x) => x !== 'unselected').length;
    const count = (k: string) => d.filter((x) => x === k).length;
    const z = (observed: number, n: number, p: number) => Math.abs(observed / n - p) / Math.sqrt((p * (1 - p)) / n);
    const [originals, inputs] = [tokens.flat(), m.inputs.flat()];
    const inputsKept = originals.filter((t, i) => d[i] !== 'unselected' && inputs[i] === t).length;
    const randomTokens = inputs.filter((_, i) => d[i] === 'random');
    const expected = randomTokens.length / V;
    const chiSquare = Array.from({ length: V }, (_, v) => randomTokens.filter((t) => t === v).length).reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    return {
      selectionZ: z(selected, N, 0.15),
      maskZ: z(count('mask'), selected, 0.8),
      randomZ: z(count('random'), selected, 0.1),
      unchangedZ: z(count('unchanged'), selected, 0.1),
      inputEqualsOriginalZ: z(inputsKept, selected, 0.1 + 0.1 / V),
      mlmViolations: mlmViolation(tokens, m) === null ? 0 : 1,
      randomTokenChiSquare: chiSquare,
    };
  },
  'scratch.training.bert-batch-labels': async (_impl, claim) => {
    const vocab = wordVocabulary(readTutorialTexts().bert);
    const data = vocab.encode(readTutorialTexts().bert);
    const rng = seededRng(input<number>(claim, 'seed'));
    let labelled = 0;
    let equalsMaskedToken = 0;
    let equalsShiftedTarget = 0;
    let violations = 0;
    for (let i = 0; i < input<number>(claim, 'batches'); i++) {
      const b = tutorialBertBatch(data, { batchSize: input<number>(claim, 'batchSize'), blockSize: input<number>(claim, 'blockSize'), rng, vocabSize: vocab.maskId!, maskTokenId: vocab.maskId! });
      if (mlmViolation(b.windows, b)) violations += 1;
      b.labels.forEach((row, r) =>
        row.forEach((label, t) => {
          if (label === -100) return;
          labelled += 1;
          if (label === b.windows[r][t]) equalsMaskedToken += 1;
          if (label === b.discardedShifted[r][t]) equalsShiftedTarget += 1;
        }),
      );
    }
    return { labelsEqualOriginalToken: equalsMaskedToken / labelled, labelsEqualNextToken: equalsShiftedTarget / labelled, mlmViolations: violations };
  },
  'scratch.training.bert-batch-coverage': async (_impl, claim) => {
    const text = readTutorialTexts().bert;
    const vocab = wordVocabulary(text);
    const data = vocab.encode(text);
    const rng = seededRng(input<number>(claim, 'seed'));
    const T = input<number>(claim, 'blockSize');
    const starts = new Set<number>();
    const seen = new Set<number>();
    for (let i = 0; i < input<number>(claim, 'batches'); i++) {
      for (const s of tutorialBertBatch(data, { batchSize: 32, blockSize: T, rng, vocabSize: vocab.maskId!, maskTokenId: vocab.maskId! }).starts) {
        starts.add(s);
        for (let t = s; t < s + T; t++) seen.add(t);
      }
    }
    const never = data.map((_, i) => i).filter((i) => !seen.has(i));
    return { textWords: data.length, windowStartsDrawn: starts.size, positionsNeverInABatch: never, shareOfTextNeverSeen: never.length / data.length };
  },
  'scratch.training.bert-log-accuracies': async (_impl, claim) => {
    const printed = readPrintedLogs().tinybert.map((l) => l.printed.accuracy!);
    const [B, T] = input<[number, number]>(claim, 'batch');
    const q = input<number>(claim, 'selectProbability');
    const mean = B * T * q;
    const sd = Math.sqrt(B * T * q * (1 - q));
    const [lo, hi] = [Math.ceil(mean - 3 * sd), Math.floor(mean + 3 * sd)];
    /** Does 100·c/n round to the printed two-decimal percentage for some count c? */
    const fits = (p: string, n: number) => {
      const c = Math.round((Number(p) * n) / 100);
      return Math.abs((100 * c) / n - Number(p)) <= 0.005 + 1e-9;
    };
    const smallest = printed.map((p) => {
      for (let n = lo; n <= hi; n++) if (fits(p, n)) return n;
      return -1;
    });
    // How often would a two-decimal percentage fit by chance? Every value 0.00 … 100.00, once.
    let lucky = 0;
    for (let h = 0; h <= 10000; h++) {
      const p = (h / 100).toFixed(2);
      for (let n = lo; n <= hi; n++) if (fits(p, n)) { lucky += 1; break; }
    }
    const chance = lucky / 10001;
    return {
      denominatorRange: [lo, hi],
      consistentValues: smallest.filter((n) => n > 0).length,
      smallestFittingDenominators: smallest,
      chanceThatAllFitByAccident: chance ** printed.length,
    };
  },
  'scratch.training.bert-first-loss-above-uniform': async (impl, claim) => {
    const V = input<number>(claim, 'vocabulary');
    const vocab = wordVocabulary(readTutorialTexts().bert);
    if (vocab.symbols.length !== V) throw new InternalError(`the TinyBERT vocabulary has ${vocab.symbols.length} ids, the record says ${V}`);
    const { F } = impl;
    const printed = readPrintedLogs().tinybert[0].printed.loss;
    const uniform = F.log(F.from(V)); // cross-entropy of predicting every id with probability 1/V
    // the tutorial's TinyBERT at PyTorch's initialisation, scored on one masked batch of its own text
    const rng = seededRng(input<number>(claim, 'seed'));
    const config = validateTinyConfig({ ...TINY_REGISTRY.tinybert, vocab_size: V });
    const params = referenceTinyParams(initTinyWeights('tinybert', config, rng));
    const [B, T] = input<[number, number]>(claim, 'batch');
    const batch = tutorialBertBatch(vocab.encode(readTutorialTexts().bert), { batchSize: B, blockSize: T, rng, vocabSize: V - 1, maskTokenId: vocab.maskId! });
    const untrained = tinyModel('tinybert', config, params, batch.inputs, batch.labels).loss!;
    return {
      firstLoggedLoss: Number(printed),
      uniformGuessLoss: uniform,
      excessOverUniform: F.sub(F.from(printed), uniform),
      untrainedModelLoss: untrained,
    };
  },

  // ---- the reproductions: judged from the recorded runs (src/claims/reproduction-evidence.ts) ----
  'scratch.training.table-4-1-reproduction': async (_impl, claim) => {
    const r = recordedReproduction(claim, 'tinygpt');
    const m = r.metrics;
    const printed = PRINTED_TABLES.tinygpt;
    return {
      crossEntropy: m.crossEntropy,
      perplexity: m.perplexity,
      accuracyPercent: m.accuracyPercent,
      bitsPerCharacter: m.bpc,
      distinct1Deviation: Math.abs(m.distinct1 - Number(printed.distinct1)),
      distinct2Deviation: Math.abs(m.distinct2 - Number(printed.distinct2)),
    };
  },
  'scratch.training.table-3-1-reproduction': async (_impl, claim) => {
    const r = recordedReproduction(claim, 'tinybert');
    const w = r.extra.onWindowsTheBatchBuilderDraws as { crossEntropy: number; perplexity: number; accuracyPercent: number } | undefined;
    if (!w) throw new MalformedInputError(`${claim.evidence!.file} has no extra.onWindowsTheBatchBuilderDraws: record it again with \`${claim.evidence!.command}\``);
    return { crossEntropy: w.crossEntropy, perplexity: w.perplexity, accuracyPercent: w.accuracyPercent };
  },

  'scratch.training.printed-logs': async (_impl, claim) => {
    const logs = readPrintedLogs();
    const rises = (xs: number[]) => xs.slice(1).filter((x, i) => x > xs[i]).length;
    const gpt = logs.tinygpt.map((l) => l.loss);
    const bert = logs.tinybert.map((l) => l.loss);
    return {
      tinygptLogLines: gpt.length,
      tinybertLogLines: bert.length,
      tinygptLossIncreases: rises(gpt),
      tinybertLossIncreases: rises(bert),
      tinybertAccuracyDecreases: rises(logs.tinybert.map((l) => -l.accuracy!)),
      tinygptTableCeMinusLastLoss: input<number>(claim, 'table41CrossEntropy') - gpt[gpt.length - 1],
      tinybertTableCeMinusLastLoss: input<number>(claim, 'table31CrossEntropy') - bert[bert.length - 1],
    };
  },

  // ---- optimisation --------------------------------------------------------------------------
  'course.training.adamw': async (impl, claim) => {
    const o = input<AdamWOptions>(claim, 'options');
    const one = async (theta: number, g: number) => (await runOptimiser(impl, [[theta]], [[[g]]], { options: o })).after[0][0][0];
    const seq = input<number[]>(claim, 'gradientSequence');
    const start = input<number[]>(claim, 'start');
    const coupledOptions = input<AdamWOptions>(claim, 'coupledOptions');
    const grads = seq.map((g) => [start.map(() => g)]);
    const decoupled = (await runOptimiser(impl, [start], grads, { options: coupledOptions })).after.at(-1)!;
    const coupled = (await runOptimiser(impl, [start], grads, { options: coupledOptions, coupled: true })).after.at(-1)!;
    let torch = 0;
    for (const file of OPTIM_FIXTURES) {
      const c = loadOptimCase(file);
      const run = await runOptimiser(impl, c.initial, c.grads, { options: c.options, clip: c.clip, schedule: c.schedule });
      torch = Math.max(torch, maxAbsDiff(run.after, c.after));
    }
    return {
      firstStepFromOne: await one(1, 0.5),
      firstStepScaleFree: Math.abs((await one(1, 0.5)) - (await one(1, 50))),
      decayOnlyWithZeroGradient: await one(1, 0),
      coupledL2Difference: maxAbsDiff(decoupled, coupled),
      maxDeviationFromTorch: torch,
    };
  },
  'course.training.warmup-cosine': async (_impl, claim) => {
    const o = input<WarmupCosineOptions>(claim, 'schedule');
    const lr = (k: number) => warmupCosineLr(k, o);
    const decay = Array.from({ length: o.totalSteps - o.warmupSteps + 20 }, (_, i) => lr(o.warmupSteps + i));
    const c = loadOptimCase('adamw-clip-warmup-cosine.safetensors');
    return {
      lrAtSteps: input<number[]>(claim, 'steps').map(lr),
      largestIncreaseAfterWarmup: Math.max(...decay.slice(1).map((x, i) => x - decay[i])),
      maxDeviationFromTorchLambdaLR: maxAbsDiff(c.lr.map((_, k) => warmupCosineLr(k, c.schedule!)), c.lr),
    };
  },
  'course.training.gradient-clipping': async (impl, claim) => {
    const grads = input<number[][]>(claim, 'gradients');
    const clip = (g: number[][], maxNorm: number) => impl.clipGradNorm(g, maxNorm);
    const c = await clip(grads, input<number>(claim, 'maxNorm'));
    const loose = await clip(grads, input<number>(claim, 'looseMaxNorm'));
    const fx = loadOptimCase('adamw-clip-warmup-cosine.safetensors');
    const norms: number[] = [];
    for (const g of fx.grads) norms.push((await clip(g, fx.clip!)).totalNorm);
    return {
      totalNorm: c.totalNorm,
      clipped: c.grads.flat(),
      clippedNorm: Math.sqrt(c.grads.flat().reduce((s, x) => s + x * x, 0)),
      unchangedBelowThreshold: maxAbsDiff(loose.grads, grads),
      maxRelativeDeviationFromTorchNorm: Math.max(...norms.map((n, k) => Math.abs(n - fx.totalNorm![k]) / fx.totalNorm![k])),
    };
  },
};

/** Node-only (file reading and parsing): a page asks Node for the result (src/core/host.ts). */
export const loadOptimCase = hostOnly('loadOptimCase', loadOptimCaseOnHost);
