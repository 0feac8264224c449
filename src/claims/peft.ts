/**
 * Evaluators for the fine-tuning and PEFT claims (CLAIMS.md §8): LoRA's formulation, conventions,
 * training and merging; adapters, prompt and prefix tuning on TinyGPT; exact parameter accounting
 * on real configurations (src/core/parameter-accounting.ts) with PEFT's target-module matching;
 * inference cost; the alignment objectives (reward model, PPO with KL, DPO); and a short LoRA
 * fine-tune of TinyGPT.
 *
 * The layer-level claims run on every implementation: `peftOps(impl)` maps the float64 reference
 * and the BigNumber oracle onto src/reference/{lora,adapter,alignment}.ts (generic over the field)
 * and tfjs onto src/tfjs/ (float32, tensors freed, leaks refused). Counting claims run on the
 * reference: their arithmetic is exact integers, the same on every implementation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PeftTargetError, LORA_CONFIG_FIELDS, account, adaptableNames, loraModuleParameters, macsPerToken, registryModel, selectLoraModules, type PeftSpec } from '../core/parameter-accounting.js';
import { memoryAccounting, type StorageDtype } from '../core/memory-accounting.js';
import { MODEL_CONFIGS, parameterCount } from '../core/model-configs.js';
import { loadFixture, referenceParams } from '../core/fixtures.js';
import { randomMatrix, seededRng } from '../core/random.js';
import { shapeOf, type Matrix } from '../core/shape.js';
import { tinyStateDictLayout, validateTinyConfig, type TinyConfig } from '../core/tiny-config.js';
import { unflatten } from '../reference/state-dict.js';
import { adapterWith, initAdapter, type AdapterParams } from '../reference/adapter.js';
import * as RA from '../reference/alignment.js';
import type { Field } from '../reference/field.js';
import { flopCounter } from '../reference/linear-algebra.js';
import { linearWith } from '../reference/linear.js';
import { deltaAbtWith, deltaBaWith, fromAbtConvention, initLora, loraLinearWith, mergeLoraWith, toAbtConvention, unmergeLoraWith, type LoraParams } from '../reference/lora.js';
import { initPeftTinyGpt, mergeLoraIntoTinyGpt, peftTinyGpt, peftTinyGptWith, prefixFromKvCacheWith, type PeftTinyGptParams } from '../reference/peft-tiny-gpt.js';
import { float64 } from '../reference/field.js';
import { promptFromTokens } from '../reference/prompt-tuning.js';
import { tinyModel, tinyModelWith, type TinyModelParams } from '../reference/tiny-models.js';
import * as TA from '../tfjs/alignment.js';
import { adapter as tfAdapter } from '../tfjs/adapter.js';
import { loraLinear as tfLoraLinear, mergeLora as tfMergeLora, unmergeLora as tfUnmergeLora, deltaAbt as tfDeltaAbt, deltaBa as tfDeltaBa } from '../tfjs/lora.js';
import { loraFineTuneTinyGpt } from '../tfjs/training/lora-fine-tune.js';
import { peftTinyGpt as tfPeftTinyGpt, type TfPeftTinyGptParams } from '../tfjs/peft-tiny-gpt.js';
import { tinyModel as tfTinyModel } from '../tfjs/tiny-models.js';
import type { ArrayImpl } from './implementations.js';
import { readTutorialSection } from './tutorial-sections.js';
import { flat, input, maxAbsDiff, type Evaluator } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = ArrayImpl<any>;

// ---------------------------------------------------------------------------------------------
// Running the PEFT layers on an implementation

/** Tensors from a tree of numbers (vectors 1-D, matrices 2-D); also used by the PEFT property specs. */
export function toTensors(tree: unknown): unknown {
  if (Array.isArray(tree) && typeof tree[0] === 'number') return tf.tensor1d(tree as number[]);
  if (Array.isArray(tree) && Array.isArray(tree[0]) && typeof tree[0][0] === 'number') return tf.tensor2d(tree as number[][]);
  if (Array.isArray(tree)) return tree.map((v) => (v === undefined ? undefined : toTensors(v)));
  if (tree && typeof tree === 'object') return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, toTensors(v)]));
  return tree;
}

/** Runs `f` in a tidy scope and reads its tensors back as arrays; refuses to leak. */
function tfRun<R>(f: () => unknown): R {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const read = (x: unknown): unknown => (x instanceof tf.Tensor ? x.arraySync() : Array.isArray(x) ? x.map(read) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, read(v)])) : x);
    return read(f()) as tf.TensorContainer;
  }) as R;
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`tfjs PEFT evaluator leaked ${leaked} tensors`);
  return out;
}

/** The layer-level operations of one implementation; matrices in and out are plain numbers, differences are taken in the field. */
interface PeftOps {
  loraLinear(x: Matrix, p: LoraParams<number>, alpha: number): unknown[][];
  merge(p: LoraParams<number>, alpha: number): { weight: unknown[][]; bias?: unknown[] };
  unmerge(merged: { weight: unknown[][]; bias?: unknown[] }, p: LoraParams<number>, alpha: number): { weight: unknown[][] };
  /** x Wᵀ (+ b); x may hold the implementation's own scalars (a previous result). */
  linear(x: Matrix, weight: unknown[][], bias?: unknown[]): unknown[][];
  deltaBa(A: Matrix, B: Matrix): unknown[][];
  deltaAbt(A: Matrix, B: Matrix): unknown[][];
  adapter(h: Matrix, p: AdapterParams<number>): unknown[][];
  rankingLoss(r: number[]): unknown;
  ppo(ratio: number, adv: number, eps: number): unknown;
  kl(p: number[], q: number[]): unknown;
  klReward(r: number, lp: number, lref: number, beta: number): unknown;
  dpoLoss(lp: RA.PreferenceLogProbs<number>, beta: number): unknown;
  /** ∂L_DPO/∂(log π(y_w), log π(y_l)): tfjs by autodiff, the reference fields analytically. */
  dpoGradient(lp: RA.PreferenceLogProbs<number>, beta: number): [number, number];
  /** |a − b| maxed, computed in the implementation's field. */
  maxDiff(a: unknown, b: unknown): number;
}

function fieldOps<S>(F: Field<S>): PeftOps {
  const L = (m: Matrix): S[][] => m.map((r) => r.map((v) => F.from(v)));
  const Lp = (p: LoraParams<number>): LoraParams<S> => ({ A: L(p.A), B: L(p.B), base: { weight: L(p.base.weight), ...(p.base.bias ? { bias: p.base.bias.map((v) => F.from(v)) } : {}) } });
  const flatS = (x: unknown): S[] => (Array.isArray(x) ? x.flatMap(flatS) : [x as S]);
  const lp = (l: RA.PreferenceLogProbs<number>): RA.PreferenceLogProbs<S> => ({ policyChosen: F.from(l.policyChosen), policyRejected: F.from(l.policyRejected), referenceChosen: F.from(l.referenceChosen), referenceRejected: F.from(l.referenceRejected) });
  return {
    loraLinear: (x, p, alpha) => loraLinearWith(F, L(x), Lp(p), { alpha }),
    merge: (p, alpha) => mergeLoraWith(F, Lp(p), { alpha }),
    unmerge: (m, p, alpha) => unmergeLoraWith(F, m as { weight: S[][] }, Lp(p), { alpha }),
    linear: (x, weight, bias) => linearWith(F, L(x), { weight: L(weight as Matrix), ...(bias ? { bias: bias.map((v) => F.from(v as number)) } : {}) }),
    deltaBa: (A, B) => deltaBaWith(F, { A: L(A), B: L(B) }),
    deltaAbt: (A, B) => deltaAbtWith(F, { A: L(A), B: L(B) }),
    adapter: (h, p) => adapterWith(F, L(h), { down: { weight: L(p.down.weight), bias: p.down.bias!.map((v) => F.from(v)) }, up: { weight: L(p.up.weight), bias: p.up.bias!.map((v) => F.from(v)) } }),
    rankingLoss: (r) => RA.rankingLossWith(F, r.map((v) => F.from(v))),
    ppo: (ratio, adv, eps) => RA.ppoClipObjectiveWith(F, F.from(ratio), F.from(adv), eps),
    kl: (p, q) => RA.klDivergenceWith(F, p.map((v) => F.from(v)), q.map((v) => F.from(v))),
    klReward: (r, l1, l2, beta) => RA.klPenalisedRewardWith(F, F.from(r), F.from(l1), F.from(l2), beta),
    dpoLoss: (l, beta) => RA.dpoLossWith(F, lp(l), beta),
    dpoGradient: (l, beta) => {
      const g = RA.dpoGradientWith(F, lp(l), beta);
      return [F.toNumber(g.chosen), F.toNumber(g.rejected)];
    },
    maxDiff: (a, b) => {
      const [fa, fb] = [flatS(a), flatS(b)];
      if (fa.length !== fb.length) throw new Error(`cannot compare ${fa.length} and ${fb.length} entries`);
      return fa.reduce((m, x, i) => {
        const d = F.sub(x, fb[i]);
        return Math.max(m, Math.abs(F.toNumber(d)));
      }, 0);
    },
  };
}

const tfLora = (p: LoraParams<number>) => ({ A: tf.tensor2d(p.A), B: tf.tensor2d(p.B), base: { weight: tf.tensor2d(p.base.weight), ...(p.base.bias ? { bias: tf.tensor1d(p.base.bias) } : {}) } });
const s1 = (x: number) => tf.scalar(x);

const tfjsOps: PeftOps = {
  loraLinear: (x, p, alpha) => tfRun(() => tfLoraLinear(tf.tensor2d(x), tfLora(p), { alpha })),
  merge: (p, alpha) => tfRun(() => tfMergeLora(tfLora(p), { alpha })),
  unmerge: (m, p, alpha) => tfRun(() => tfUnmergeLora({ weight: tf.tensor2d(m.weight as number[][]), ...(m.bias ? { bias: tf.tensor1d(m.bias as number[]) } : {}) }, tfLora(p), { alpha })),
  linear: (x, weight, bias) => tfRun(() => tf.add(tf.matMul(tf.tensor2d(x), tf.tensor2d(weight as number[][]), false, true), bias ? tf.tensor1d(bias as number[]) : tf.scalar(0))),
  deltaBa: (A, B) => tfRun(() => tfDeltaBa({ A: tf.tensor2d(A), B: tf.tensor2d(B) })),
  deltaAbt: (A, B) => tfRun(() => tfDeltaAbt(tf.tensor2d(A), tf.tensor2d(B))),
  adapter: (h, p) => tfRun(() => tfAdapter(tf.tensor2d(h), toTensors(p) as Parameters<typeof tfAdapter>[1])),
  rankingLoss: (r) => tfRun(() => TA.rankingLoss(tf.tensor1d(r))),
  ppo: (ratio, adv, eps) => tfRun(() => TA.ppoClipObjective(s1(ratio), s1(adv), eps)),
  kl: (p, q) => tfRun(() => TA.klDivergence(tf.tensor1d(p), tf.tensor1d(q))),
  klReward: (r, l1, l2, beta) => tfRun(() => tf.sub(s1(r), tf.mul(beta, tf.sub(s1(l1), s1(l2))))),
  dpoLoss: (l, beta) => tfRun(() => TA.dpoLoss({ policyChosen: s1(l.policyChosen), policyRejected: s1(l.policyRejected), referenceChosen: s1(l.referenceChosen), referenceRejected: s1(l.referenceRejected) }, beta)),
  dpoGradient: (l, beta) =>
    tfRun<number[]>(() => {
      const g = tf.grads((c: tf.Tensor, r: tf.Tensor) => TA.dpoLoss({ policyChosen: c, policyRejected: r, referenceChosen: s1(l.referenceChosen), referenceRejected: s1(l.referenceRejected) }, beta) as tf.Scalar)([s1(l.policyChosen), s1(l.policyRejected)]);
      return g;
    }) as [number, number],
  maxDiff: (a, b) => maxAbsDiff(a, b),
};

export function peftOps(impl: Impl): PeftOps {
  return impl.name === 'tfjs' ? tfjsOps : fieldOps(impl.F);
}

// ---------------------------------------------------------------------------------------------
// Shared inputs

/** A seeded LoRA layer (d_in → d_out, rank r) with non-zero B, as after some training. */
function trainedLoraLayer(seed: number, dIn: number, dOut: number, r: number): LoraParams<number> {
  const rng = seededRng(seed);
  const f = initLora(rng, dIn, dOut, r);
  return { A: f.A, B: randomMatrix(rng, dOut, r, 0.5), base: { weight: randomMatrix(rng, dOut, dIn, 1 / Math.sqrt(dIn)), bias: randomMatrix(rng, 1, dOut, 0.1)[0] } };
}

/** The committed TinyGPT fixture (PyTorch, 48 tokens, block 16, C 32, 4 heads, 2 layers) and a token sequence. */
function tinyGptFixture(): { config: TinyConfig; base: TinyModelParams<number>; idx: number[][] } {
  const f = loadFixture('models/tinygpt.safetensors');
  const c = f.config as Record<string, number>;
  const config = validateTinyConfig({ vocab_size: c.vocab_size, block_size: c.block_size, n_embed: c.n_embed, n_head: c.n_head, n_layer: c.n_layer, dropout: c.dropout });
  return { config, base: referenceParams(f.param) as unknown as TinyModelParams<number>, idx: [[3, 14, 15, 9, 26, 5, 35, 8]] };
}

/** TinyGPT logits (T × V of the first sequence) on the reference or tfjs. */
function peftLogits(impl: Impl, config: TinyConfig, base: TinyModelParams<number>, peft: PeftTinyGptParams<number>, idx: number[][]): number[][] {
  if (impl.name !== 'tfjs') return peftTinyGpt(config, base, peft, idx).logits[0];
  return tfRun<number[][][]>(() => tfPeftTinyGpt(config, toTensors(base) as never, toTensors(peft) as TfPeftTinyGptParams, idx).logits)[0];
}

function baseLogits(impl: Impl, config: TinyConfig, base: TinyModelParams<number>, idx: number[][]): number[][] {
  if (impl.name !== 'tfjs') return tinyModel('tinygpt', config, base, idx).logits[0];
  return tfRun<number[][][]>(() => tfTinyModel('tinygpt', config, toTensors(base) as never, idx).logits)[0];
}

/** Numbers in a parameter tree (matrices, vectors, nested objects). */
/** A TinyGPT with seeded weights (N(0,1)/√fan_in; embeddings N(0,1); LayerNorm near 1, 0). */
function seededTinyGpt(config: TinyConfig, seed: number): TinyModelParams<number> {
  const rng = seededRng(seed);
  const leaves: Array<[string, unknown]> = [];
  for (const [name, e] of tinyStateDictLayout('tinygpt', config)) {
    const value = (i: number, j: number) => (e.buffer ? (j <= i ? 1 : 0) : name.includes('.ln') || name.startsWith('ln_f') ? (name.endsWith('weight') ? 1 : 0) + 0.1 * rng.normal() : name.includes('_embed') ? rng.normal() : rng.normal() / Math.sqrt(e.shape[1] ?? 1));
    leaves.push([name, e.shape.length === 1 ? Array.from({ length: e.shape[0] }, (_, i) => value(i, 0)) : Array.from({ length: e.shape[0] }, (_, i) => Array.from({ length: e.shape[1] }, (_, j) => value(i, j)))]);
  }
  return unflatten(leaves) as unknown as TinyModelParams<number>;
}

const entries = (tree: unknown): number => (typeof tree === 'number' ? 1 : Array.isArray(tree) ? tree.reduce((s: number, v) => s + entries(v), 0) : tree && typeof tree === 'object' ? Object.values(tree).reduce((s: number, v) => s + entries(v), 0) : 0);
/** a + b elementwise in the implementation's field (tfjs results are plain numbers). */
const addRows = (impl: Impl, a: unknown[][], b: unknown[][]): unknown[][] => a.map((row, i) => row.map((v, j) => (impl.name === 'tfjs' ? (v as number) + (b[i][j] as number) : impl.F.add(v, b[i][j]))));
const percent = (k: string, peft: PeftSpec) => account(registryModel(k), peft).percent;
/** How far x lies outside [lo, hi] (0 inside). */
const outside = (x: number, lo: number, hi: number) => Math.max(0, lo - x, x - hi);
/** The comparison table's scale: "billions" of parameters — the billion-parameter models the documents name. */
const TABLE_SCALE = ['llama-7b', 'gpt3'];
/** Named models below that scale, shown beside the graded ones. */
const BELOW_SCALE = ['bert-base', 'gpt2'];
/** The course's W_Q, W_K, W_V under each model's module names (GPT-2 fuses them in c_attn). */
const COURSE_LORA_TARGETS: Record<string, string[]> = {
  'llama-7b': ['q_proj', 'k_proj', 'v_proj'],
  gpt3: ['q_proj', 'k_proj', 'v_proj'],
  'bert-base': ['query', 'key', 'value'],
  gpt2: ['c_attn'],
};

// ---------------------------------------------------------------------------------------------

export const peftEvaluators: Record<string, Evaluator> = {
  'course.peft.lora-formulation': (impl, claim) => {
    const { dIn, dOut, r, alpha, n } = input<{ dIn: number; dOut: number; r: number; alpha: number; n: number }>(claim, 'sizes');
    const ops = peftOps(impl);
    const p = trainedLoraLayer(101, dIn, dOut, r);
    const x = randomMatrix(seededRng(102), n, dIn);
    const twoStep = ops.loraLinear(x, p, alpha); // W₀x + b + (α/r)·B(Ax)
    const merged = ops.merge(p, alpha);
    const oneMatrix = ops.linear(x, merged.weight, merged.bias); // (W₀ + (α/r) B A) x + b
    // the course's y = W₀x + B(Ax) (no α): PEFT's layer with α = r, i.e. scaling 1
    const courseForm = ops.loraLinear(x, p, r);
    const literal = addRows(impl, ops.linear(x, p.base.weight, p.base.bias), ops.linear(ops.linear(x, p.A) as Matrix, p.B)); // W₀x + b, then B(Ax)
    return { aShape: shapeOf(p.A), bShape: shapeOf(p.B), twoStepVsMerged: ops.maxDiff(twoStep, oneMatrix), courseFormWhenAlphaEqualsR: ops.maxDiff(courseForm, literal) };
  },

  'course.peft.only-a-b-trained': (impl) => {
    const [dIn, dOut, r, alpha] = [6, 5, 2, 4];
    const rng = seededRng(111);
    const f = initLora(rng, dIn, dOut, r); // PEFT init: B = 0
    const p: LoraParams<number> = { ...f, base: { weight: randomMatrix(rng, dOut, dIn, 0.4), bias: randomMatrix(rng, 1, dOut, 0.1)[0] } };
    const x = randomMatrix(rng, 4, dIn);
    const g = randomMatrix(rng, 4, dOut); // loss = Σ y ⊙ G
    const ops = peftOps(impl);
    const initial = ops.maxDiff(ops.loraLinear(x, p, alpha), ops.linear(x, p.base.weight, p.base.bias));
    const loss = (q: LoraParams<number>) => flat(ops.loraLinear(x, q, alpha)).reduce((s, v, i) => s + Number(v) * flat(g)[i], 0);
    // gradients with respect to A and B only (the trainable set); central differences on the float64
    // reference, autodiff on tfjs
    const grads = impl.name === 'tfjs'
      ? tfRun<number[][][]>(() => {
          const [W, b, X, G] = [tf.tensor2d(p.base.weight), tf.tensor1d(p.base.bias!), tf.tensor2d(x), tf.tensor2d(g)];
          return tf.grads((A: tf.Tensor, B: tf.Tensor) => tf.sum(tf.mul(tfLoraLinear(X, { A, B, base: { weight: W, bias: b } }, { alpha }), G)) as tf.Scalar)([tf.tensor2d(p.A), tf.tensor2d(p.B)]);
        })
      : (['A', 'B'] as const).map((k) => p[k].map((row, i) => row.map((_, j) => {
          const h = 1e-6;
          const bump = (d: number) => ({ ...p, [k]: p[k].map((rr, ii) => rr.map((v, jj) => (ii === i && jj === j ? v + d : v))) });
          return (loss(bump(h)) - loss(bump(-h))) / (2 * h);
        })));
    // one SGD step on A and B; W₀ and b are not arguments of the step
    const lr = 0.1;
    const stepped: LoraParams<number> = { base: p.base, A: p.A.map((row, i) => row.map((v, j) => v - lr * grads[0][i][j])), B: p.B.map((row, i) => row.map((v, j) => v - lr * grads[1][i][j])) };
    const baseBefore = JSON.stringify(p.base);
    return {
      initialOutputVsBase: initial,
      gradientOfAAtInit: Math.max(...flat(grads[0]).map(Math.abs)),
      gradientOfBAtInit: Math.max(...flat(grads[1]).map(Math.abs)),
      baseChangedByStep: JSON.stringify(stepped.base) === baseBefore ? 0 : 1,
      outputChangeAfterStep: ops.maxDiff(ops.loraLinear(x, stepped, alpha), ops.loraLinear(x, p, alpha)),
    };
  },

  'scratch.peft.merge-after-training': (impl) => {
    const ops = peftOps(impl);
    const [dIn, dOut, r, alpha] = [7, 5, 3, 6];
    const p = trainedLoraLayer(121, dIn, dOut, r);
    const x = randomMatrix(seededRng(122), 4, dIn);
    const merged = ops.merge(p, alpha);
    const restored = ops.unmerge(merged, p, alpha);
    const w0 = impl.name === 'tfjs' ? p.base.weight : p.base.weight.map((row) => row.map((v) => impl.F.from(v)));
    return {
      mergedVsUnmerged: ops.maxDiff(ops.linear(x, merged.weight, merged.bias), ops.loraLinear(x, p, alpha)),
      unmergeRestoresW0: ops.maxDiff(restored.weight, w0),
      mergedShape: shapeOf(merged.weight),
    };
  },

  'interview.peft.abt-convention': (impl) => {
    const ops = peftOps(impl);
    const [dIn, dOut, r] = [6, 4, 2];
    const rng = seededRng(131);
    const course = { A: randomMatrix(rng, r, dIn), B: randomMatrix(rng, dOut, r) }; // ΔW = B A
    const deck = toAbtConvention(course); // ΔW = A Bᵀ, A (d_out × r), B (d_in × r)
    const back = fromAbtConvention(deck);
    return {
      deckShapes: [...shapeOf(deck.A), ...shapeOf(deck.B)],
      deltaDifference: ops.maxDiff(ops.deltaBa(course.A, course.B), ops.deltaAbt(deck.A, deck.B)),
      parametersCourse: entries(course.A) + entries(course.B),
      parametersDeck: entries(deck.A) + entries(deck.B),
      roundTrip: maxAbsDiff([back.A, back.B], [course.A, course.B]),
    };
  },

  'course.peft.rank-one-twenty': (impl, claim) => {
    const d = input<number>(claim, 'd');
    const count = (r: number) => {
      const f = initLora(seededRng(140 + r), d, d, r);
      const delta = peftOps(impl).deltaBa(f.A, randomMatrix(seededRng(150 + r), d, r)); // the d × d update the factors stand for
      if (shapeOf(delta).join() !== `${d},${d}`) throw new Error('ΔW has the wrong shape');
      return entries(f.A) + entries(f.B);
    };
    return { rank1Parameters: count(1), rank2Parameters: count(2), fullMatrixParameters: d * d };
  },

  'course.peft.one-matrix-150-million': () => {
    const gpt3 = registryModel('gpt3');
    const q = gpt3.modules.find((m) => m.name === 'model.decoder.layers.0.self_attn.q_proj')!;
    const weights = q.dIn * q.dOut;
    const perBlock = gpt3.modules.filter((m) => m.layer === 0 && m.kind === 'linear' && m.dIn * m.dOut === weights).length;
    const llama = registryModel('llama-7b');
    return {
      gpt3ProjectionWeights: weights,
      distanceFrom150Million: Math.abs(weights - 150e6),
      gpt3SuchMatricesPerBlock: perBlock,
      gpt3Blocks: gpt3.nLayers,
      llama7bLargestBlockMatrix: Math.max(...llama.modules.filter((m) => m.layer !== undefined && m.kind === 'linear').map((m) => m.dIn * m.dOut)),
    };
  },

  'interview.peft.lora-one-percent': (_impl, claim) => {
    const spec = input<PeftSpec>(claim, 'peft');
    const llama = registryModel('llama-7b');
    const a = account(llama, spec);
    const perRank = Number(account(llama, { lora: { ...spec.lora!, r: 1 } }).trainable);
    const base = Number(a.base);
    let r = 1;
    while ((100 * r * perRank) / (base + r * perRank) < 1) r++;
    return { trainableParameters: Number(a.trainable), allParameters: Number(a.total), trainablePercent: a.percent, adaptedModules: a.methods[0].modules!.length, rankForOnePercent: r };
  },

  'interview.peft.lora-config-keyword': () => {
    const a8 = account(registryModel('llama-7b'), { lora: { r: 8, alpha: 16, targets: ['q_proj', 'v_proj'] } });
    const a32 = account(registryModel('llama-7b'), { lora: { r: 8, alpha: 32, targets: ['q_proj', 'v_proj'] } });
    return {
      alphaIsALoraConfigField: LORA_CONFIG_FIELDS.includes('alpha'),
      scalingField: LORA_CONFIG_FIELDS.filter((f) => /alpha$/.test(f) && !f.includes('pattern')),
      countIndependentOfAlpha: a8.trainable === a32.trainable,
    };
  },

  'scratch.peft.gpt2-lora-trainable': (_impl, claim) => {
    const spec = input<PeftSpec>(claim, 'peft');
    const a = account(registryModel('gpt2'), spec);
    return {
      trainableParameters: Number(a.trainable),
      allParameters: Number(a.total),
      trainablePercent: a.percent,
      adaptedModules: a.methods[0].modules!.length,
      scaling: spec.lora!.alpha! / spec.lora!.r,
      parametersAddedByDropout: Number(a.trainable - account(registryModel('gpt2'), { lora: { r: spec.lora!.r, targets: spec.lora!.targets } }).trainable),
    };
  },

  'scratch.peft.c-proj-comment': () => {
    const gpt2 = registryModel('gpt2');
    const cProj = selectLoraModules(gpt2, ['c_proj']);
    const mlp = cProj.filter((m) => m.name.includes('.mlp.c_proj'));
    const attentionOnly = account(gpt2, { lora: { r: 16, alpha: 32, targets: ['c_attn', 'attn.c_proj'] } });
    return {
      everyCProjWritesResidualWidth: cProj.every((m) => m.dOut === gpt2.dModel), // each ends its sub-layer: back to d_model
      cProjModulesAdapted: cProj.length,
      mlpCProjAdapted: mlp.length > 0,
      mlpCProjTrainable: Number(mlp.reduce((t, m) => t + loraModuleParameters(m, 16), 0n)),
      attentionOnlyTrainable: Number(attentionOnly.trainable),
      attentionOnlyPercent: attentionOnly.percent,
    };
  },

  'scratch.peft.checkpoint-vs-targets': (_impl, claim) => {
    const spec = input<PeftSpec>(claim, 'peft');
    const qwen = registryModel('qwen2.5-0.5b');
    let found = true;
    let error = '';
    try {
      account(qwen, spec);
    } catch (e) {
      if (!(e instanceof PeftTargetError)) throw e;
      found = false;
      error = e.name;
    }
    return {
      targetsFoundInNamedCheckpoint: found,
      errorRaised: error,
      qwenTotal: Number(parameterCount(MODEL_CONFIGS['qwen2.5-0.5b'])),
      qwenAdaptableModules: adaptableNames(qwen),
      gpt2AdaptedModules: account(registryModel('gpt2'), spec).methods[0].modules!.length,
    };
  },

  // The comparison table's rows are graded on the billion-parameter models the documents name
  // (TABLE_SCALE) and shown for the small ones (golden/README.md, rule 5).
  'course.peft.table-full-ft': () => {
    const full = (k: string) => account(registryModel(k), {});
    return {
      percent: TABLE_SCALE.map((k) => full(k).percent),
      fewestParameters: Math.min(...TABLE_SCALE.map((k) => Number(full(k).total))),
      trainableEqualsTotal: [...TABLE_SCALE, ...BELOW_SCALE].every((k) => full(k).trainable === full(k).total && full(k).total === parameterCount(MODEL_CONFIGS[k])),
      smallModelsPercent: BELOW_SCALE.map((k) => full(k).percent),
    };
  },

  'course.peft.table-adapters': (_impl, claim) => {
    const factor = input<number>(claim, 'reductionFactor');
    const bottleneck = (k: string) => registryModel(k).dModel / factor; // AdapterHub: d / reduction_factor
    const p = (k: string, m = bottleneck(k)) => percent(k, { adapter: { bottleneck: m } });
    return {
      outsideOneToFive: Math.max(...TABLE_SCALE.map((k) => outside(p(k), 1, 5))),
      llama7bPercent: p('llama-7b'),
      gpt3Percent: p('gpt3'),
      bottlenecks: TABLE_SCALE.map(bottleneck),
      smallModelsPercent: BELOW_SCALE.map((k) => p(k)),
      fixedBottleneck64Percent: TABLE_SCALE.map((k) => p(k, 64)),
    };
  },

  'course.peft.table-prompt-tuning': (_impl, claim) => {
    const P = input<number>(claim, 'virtualTokens');
    const count = (k: string) => Number(account(registryModel(k), { promptTokens: P }).trainable);
    const counts = TABLE_SCALE.map(count);
    return {
      largestPercent: Math.max(...TABLE_SCALE.map((k) => percent(k, { promptTokens: P }))),
      parameterCounts: counts,
      smallestCount: Math.min(...counts),
      largestCount: Math.max(...counts),
      smallModelCounts: BELOW_SCALE.map(count),
      gpt2With150TokensPercent: percent('gpt2', { promptTokens: 150 }),
    };
  },

  'course.peft.table-prefix-tuning': (_impl, claim) => {
    const P = input<number>(claim, 'virtualTokens');
    const count = (k: string, tokens = P) => Number(account(registryModel(k), { prefixTokens: tokens }).trainable);
    let tokens = 1;
    while (count('gpt3', tokens + 1) < 10_000_000) tokens++;
    return {
      largestPercent: Math.max(...TABLE_SCALE.map((k) => percent(k, { prefixTokens: P }))),
      gpt3Parameters: count('gpt3'),
      llama7bParameters: count('llama-7b'),
      gpt3TokensUnderTenMillion: tokens,
      smallModelsPercent: ['gpt2', 'bert-base'].map((k) => percent(k, { prefixTokens: P })),
    };
  },

  'course.peft.table-lora': (_impl, claim) => {
    const ranks = input<number[]>(claim, 'ranks');
    const shares = (k: string) => ranks.map((r) => percent(k, { lora: { r, targets: COURSE_LORA_TARGETS[k] } }));
    const graded = TABLE_SCALE.flatMap(shares);
    const top = ranks[ranks.length - 1];
    return {
      outsideRange: Math.max(...graded.map((x) => outside(x, 0.01, 1))),
      llama7bPercent: shares('llama-7b'),
      gpt3Percent: shares('gpt3'),
      smallModelsLargestPercent: BELOW_SCALE.map((k) => percent(k, { lora: { r: top, targets: COURSE_LORA_TARGETS[k] } })),
      gpt2ScratchConfigPercent: percent('gpt2', { lora: { r: 16, targets: ['c_attn', 'c_proj'] } }),
      llama7bAllLinearR64Percent: percent('llama-7b', { lora: { r: 64, targets: 'all-linear' } }),
    };
  },

  'course.peft.table-optimizer-states': () => {
    const bytes = (k: string, dtype: 'fp32' | 'bf16') => memoryAccounting(registryModel(k), { dtype, optimizer: 'adamw' });
    const ratio = (a: bigint, b: bigint) => Number(a) / Number(b);
    const fp32 = TABLE_SCALE.map((k) => bytes(k, 'fp32'));
    const mixed = TABLE_SCALE.map((k) => bytes(k, 'bf16'));
    return {
      fp32StatesOverWeights: fp32.map((m) => ratio(m.optimizerStates.total, m.weights.total)),
      mixedPrecisionStatesOverFp32Size: mixed.map((m, i) => ratio(m.optimizerStates.total, fp32[i].weights.total)),
      llama7bBytes: [fp32[0].weights.total, fp32[0].optimizerStates.total, mixed[0].optimizerStates.total].map(Number),
      mixedPrecisionStatesOverHalfWeights: mixed.map((m) => ratio(m.optimizerStates.total, m.weights.total)),
    };
  },

  'course.peft.checkpoint-megabytes': () => {
    // each PEFT family at the setting the comparison table is read at; adapters saved in fp32 as PEFT keeps them
    const saved = (k: string, peft: PeftSpec) => Number(memoryAccounting(registryModel(k), { dtype: 'fp32', peft }).weights.trainableBytes);
    const families: Record<string, (k: string) => PeftSpec> = {
      lora: (k) => ({ lora: { r: 16, targets: COURSE_LORA_TARGETS[k] } }),
      prompt: () => ({ promptTokens: 20 }),
      prefix: () => ({ prefixTokens: 20 }),
      adapter: (k) => ({ adapter: { bottleneck: registryModel(k).dModel / 16 } }),
    };
    const sizes = Object.fromEntries(Object.entries(families).map(([name, f]) => [name, TABLE_SCALE.map((k) => saved(k, f(k)))]));
    const full = TABLE_SCALE.map((k) => Number(memoryAccounting(registryModel(k), { dtype: 'bf16' }).weights.total));
    return {
      smallestFullCheckpointGB: Math.min(...full) / 1e9,
      largestAdapterCheckpointBytes: Math.max(...Object.values(sizes).flat()),
      loraBytes: sizes.lora,
      promptBytes: sizes.prompt,
      prefixBytes: sizes.prefix,
      adapterBytes: sizes.adapter,
      fullCheckpointBytes: full,
    };
  },

  'course.peft.lora-under-one-percent': (_impl, claim) => {
    const ranks = input<number[]>(claim, 'ranks');
    const top = (k: string) => percent(k, { lora: { r: ranks[ranks.length - 1], targets: COURSE_LORA_TARGETS[k] } });
    return {
      largestPercent: Math.max(...TABLE_SCALE.flatMap((k) => ranks.map((r) => percent(k, { lora: { r, targets: COURSE_LORA_TARGETS[k] } })))),
      largestSharesPercent: TABLE_SCALE.map(top),
      interviewConfigPercent: percent('llama-7b', { lora: { r: 8, targets: ['q_proj', 'v_proj'] } }),
      scratchConfigPercent: percent('gpt2', { lora: { r: 16, targets: ['c_attn', 'c_proj'] } }),
    };
  },

  'course.peft.quantised-weight-bytes': () => {
    const llama = registryModel('llama-7b');
    const m = (dtype: StorageDtype, doubleQuant?: boolean) => memoryAccounting(llama, { dtype, ...(doubleQuant === undefined ? {} : { doubleQuant }) });
    const [int8, nf4Single, nf4] = [m('int8'), m('nf4', false), m('nf4')];
    const bits = (x: ReturnType<typeof m>, part: bigint) => Number(part * 8n) / Number(x.weights.quantisedElements);
    return {
      storedBitsPerLinearWeight: [bits(int8, int8.weights.quantisedBytes), bits(nf4, nf4.weights.quantisedBytes)],
      llama7bWeightBytes: [m('fp32'), m('fp16'), m('bf16'), int8, nf4Single, nf4].map((x) => Number(x.weights.total)),
      nf4ConstantBitsPerWeight: [bits(nf4Single, nf4Single.weights.constantsBytes), bits(nf4, nf4.weights.constantsBytes)],
      nf4OverBf16: Number(nf4.weights.total) / Number(m('bf16').weights.total),
    };
  },

  'interview.peft.qlora-memory': () => {
    const llama = registryModel('llama-7b');
    const lora: PeftSpec = { lora: { r: 8, alpha: 16, targets: ['q_proj', 'v_proj'] } }; // the deck's LoraConfig
    const full = memoryAccounting(llama, { dtype: 'bf16', optimizer: 'adamw' }).total;
    const lora16 = memoryAccounting(llama, { dtype: 'bf16', optimizer: 'adamw', peft: lora }).total;
    const qlora = memoryAccounting(llama, { dtype: 'nf4', optimizer: 'adamw', peft: lora }).total;
    const constants = (doubleQuant: boolean) => memoryAccounting(llama, { dtype: 'nf4', doubleQuant }).weights.constantsBytes;
    return {
      qloraOverLora16Bit: Number(qlora) / Number(lora16),
      trainingBytes: [full, lora16, qlora].map(Number),
      qloraOverFullFineTuning: Number(qlora) / Number(full),
      doubleQuantSaves: Number(constants(false) - constants(true)),
    };
  },

  'notes.peft.soft-prompt-appends': (impl, claim) => {
    // the soft prompt as PEFT's TEXT initialisation makes it: the embeddings of real tokens, so the
    // implementation's own TinyGPT forward pass runs it, before or after the input
    const prompt = input<number[]>(claim, 'promptTokens');
    const { config, base: weights, idx } = tinyGptFixture();
    const params = impl.liftTree(weights) as never;
    const logits = (tokens: number[]) => impl.tinyModelLogits('tinygpt', config, params, [tokens])[0].map((r: unknown[]) => r.map((v) => impl.F.toNumber(v)));
    const base = logits(idx[0]);
    const appended = logits([...idx[0], ...prompt]).slice(0, idx[0].length);
    const prepended = logits([...prompt, ...idx[0]]).slice(prompt.length);
    return { inputPositionsChangedByAppended: maxAbsDiff(appended, base), inputPositionsChangedByPrepended: maxAbsDiff(prepended, base) };
  },

  'scratch.peft.section-5-1-checkpoint': () => {
    const [s51, s62] = [readTutorialSection('5.1'), readTutorialSection('6.2')];
    return {
      sameNameForTokenizerAndModel: new Set(s51.loads).size === 1,
      modelNameDefinedInSection: s51.assigns.includes(s51.loads[s51.loads.length - 1]),
      section51Loads: s51.loads,
      section51Assigns: s51.assigns,
      section62Loads: s62.loads,
      section62Assigns: s62.assigns,
    };
  },

  'course.peft.prefix-more-parameters': () => {
    const ratio = (k: string) => Number(account(registryModel(k), { prefixTokens: 10 }).trainable) / Number(account(registryModel(k), { promptTokens: 10 }).trainable);
    // TinyGPT (the tutorial's size): count the entries of real prompt and prefix tensors
    const config = validateTinyConfig({ vocab_size: 48, block_size: 16, n_embed: 128, n_head: 4, n_layer: 4 });
    const prompt = initPeftTinyGpt(config, { promptTokens: 5 }, seededRng(170));
    const prefix = initPeftTinyGpt(config, { prefixTokens: 5 }, seededRng(171));
    return { prefixOverPromptGpt2: ratio('gpt2'), prefixOverPromptLlama7b: ratio('llama-7b'), prefixOverPromptGpt3: ratio('gpt3'), prefixOverPromptTinyGpt: entries(prefix.prefix) / entries(prompt.prompt) };
  },

  'course.peft.adapter-structure': (impl) => {
    const ops = peftOps(impl);
    const [d, m] = [8, 3];
    const rng = seededRng(181);
    const fresh = initAdapter(rng, d, m);
    const h = randomMatrix(rng, 5, d);
    const trained: AdapterParams<number> = { ...fresh, up: { weight: randomMatrix(rng, d, m, 0.3), bias: randomMatrix(rng, 1, d, 0.1)[0] } };
    const out = { identityAtInit: ops.maxDiff(ops.adapter(h, fresh), impl.name === 'tfjs' ? h : h.map((r) => r.map((v) => impl.F.from(v)))), trainedAdapterChangesOutput: ops.maxDiff(ops.adapter(h, trained), ops.adapter(h, fresh)), parametersPerAdapter: entries(fresh) } as Record<string, unknown>;
    const { config, base, idx } = tinyGptFixture();
    const peft = initPeftTinyGpt(config, { adapter: { bottleneck: 4 } }, seededRng(182));
    if (impl.name === 'high-precision') {
      // the same comparison in the 64-digit field, on a seeded TinyGPT small enough for BigNumber arithmetic
      const small = validateTinyConfig({ vocab_size: 8, block_size: 4, n_embed: 8, n_head: 2, n_layer: 1 });
      const F = impl.F;
      const b = impl.liftTree(seededTinyGpt(small, 183)) as TinyModelParams<unknown>;
      const pp = impl.liftTree(initPeftTinyGpt(small, { adapter: { bottleneck: 2 } }, seededRng(184))) as PeftTinyGptParams<unknown>;
      out.tinyGptWithFreshAdaptersVsBase = ops.maxDiff(peftTinyGptWith(F, small, b, pp, [[1, 5, 2]]).logits, tinyModelWith(F, 'tinygpt', small, b, [[1, 5, 2]]).logits);
      return out;
    }
    out.tinyGptWithFreshAdaptersVsBase = maxAbsDiff(peftLogits(impl, config, base, peft, idx), baseLogits(impl, config, base, idx));
    return out;
  },

  'course.peft.prompt-tuning': (impl, claim) => {
    const text = input<number[]>(claim, 'promptTokens');
    const { config, base, idx } = tinyGptFixture();
    const prompt = promptFromTokens(base.token_embed.weight, text); // PEFT's TEXT initialisation
    const onConcatenation = baseLogits(impl, config, base, [[...text, ...idx[0]]]).slice(text.length);
    const random = initPeftTinyGpt(config, { promptTokens: text.length }, seededRng(191));
    return {
      textInitVsBaseOnConcatenation: maxAbsDiff(peftLogits(impl, config, base, { prompt }, idx), onConcatenation),
      randomPromptChangesOutput: maxAbsDiff(peftLogits(impl, config, base, random, idx), baseLogits(impl, config, base, idx)),
      trainableParameters: entries(random.prompt),
    };
  },

  'course.peft.prefix-tuning': (impl, claim) => {
    const text = input<number[]>(claim, 'prefixTokens');
    const { config, base, idx } = tinyGptFixture();
    const prefix = prefixFromKvCacheWith(float64, config, base, text); // the frozen model's own keys/values of the text
    const onConcatenation = baseLogits(impl, config, base, [[...text, ...idx[0]]]).slice(text.length);
    const withPrefix = peftLogits(impl, config, base, { prefix }, idx);
    const layersThatMatter = prefix.keys.filter((_, l) => {
      const bumped = { keys: prefix.keys.map((m, ll) => (ll === l ? m.map((r) => r.map((v) => v + 0.5)) : m)), values: prefix.values };
      return maxAbsDiff(peftLogits(impl, config, base, { prefix: bumped }, idx), withPrefix) > 1e-3;
    }).length;
    return { kvCacheInitVsBaseOnConcatenation: maxAbsDiff(withPrefix, onConcatenation), trainableParameters: entries(prefix), layersReadingTheirPrefix: layersThatMatter };
  },

  'scratch.peft.final-layers': (_impl, claim) => {
    const spec = input<PeftSpec>(claim, 'peft');
    const gpt2 = registryModel('gpt2');
    const layers = [...new Set(selectLoraModules(gpt2, spec.lora!.targets).map((m) => m.layer!))];
    return { firstAdaptedLayer: Math.min(...layers), adaptedLayers: layers.length, blocks: gpt2.nLayers, adapterBlocks: account(gpt2, { adapter: { bottleneck: 64 } }).methods[0].modules!.length };
  },

  'scratch.peft.inference-performance': () => {
    const { config, base, idx } = tinyGptFixture();
    const measure = (f: () => unknown) => {
      flopCounter.enabled = true;
      flopCounter.multiplyAdds = 0;
      try {
        f();
        return flopCounter.multiplyAdds;
      } finally {
        flopCounter.enabled = false;
      }
    };
    const rng = seededRng(201);
    const lora = initPeftTinyGpt(config, { lora: { r: 4, alpha: 8, targets: ['query', 'value'] } }, rng).lora!;
    const baseMacs = measure(() => tinyModel('tinygpt', config, base, idx));
    const merged = mergeLoraIntoTinyGpt(base, lora); // merging happens once, before inference
    const costs = {
      mergedLora: measure(() => tinyModel('tinygpt', config, merged, idx)),
      unmergedLora: measure(() => peftTinyGpt(config, base, { lora }, idx)),
      adapters: measure(() => peftTinyGpt(config, base, initPeftTinyGpt(config, { adapter: { bottleneck: 4 } }, rng), idx)),
      prefix: measure(() => peftTinyGpt(config, base, initPeftTinyGpt(config, { prefixTokens: 4 }, rng), idx)),
      prompt: measure(() => peftTinyGpt(config, base, initPeftTinyGpt(config, { promptTokens: 4 }, rng), idx)),
    };
    const peftPathWithoutMethods = measure(() => peftTinyGpt(config, base, {}, idx));
    const gpt2 = registryModel('gpt2');
    const scratchLora: PeftSpec = { lora: { r: 16, targets: ['c_attn', 'c_proj'] } };
    return {
      bestInferenceCostRatio: Math.min(...Object.values(costs)) / baseMacs,
      bothForwardPathsCountAlike: peftPathWithoutMethods - baseMacs,
      mergedLoraExtraMacs: costs.mergedLora - baseMacs,
      unmergedLoraExtraMacs: costs.unmergedLora - baseMacs,
      adapterExtraMacs: costs.adapters - baseMacs,
      prefixExtraMacs: costs.prefix - baseMacs,
      promptExtraMacs: costs.prompt - baseMacs,
      gpt2UnmergedLoraOverheadPercent: (100 * Number(macsPerToken(gpt2, 128, scratchLora) - macsPerToken(gpt2, 128))) / Number(macsPerToken(gpt2, 128)),
      gpt2MergedLoraOverhead: Number(macsPerToken(gpt2, 128, scratchLora, { loraMerged: true }) - macsPerToken(gpt2, 128)),
    };
  },

  'course.peft.reward-model': (impl) => {
    const ops = peftOps(impl);
    const K = 4;
    const L = (m: number) => Number(ops.rankingLoss([m, 0]));
    const grid = Array.from({ length: 9 }, (_, i) => -2 + i * 0.5);
    return {
      lossAtEqualRewards: ops.rankingLoss([1.5, 1.5]),
      pairsFromRankingOfFour: (K * (K - 1)) / 2,
      rankingLossOfThree: ops.rankingLoss([2, 1, 0]),
      smallestDecreaseAsMarginGrows: Math.min(...grid.map((m) => L(m) - L(m + 0.5))),
    };
  },

  'course.peft.ppo-clip-kl': (impl) => {
    const ops = peftOps(impl);
    const eps = 0.2;
    const slope = (rho: number, adv: number) => Math.abs(Number(ops.ppo(rho + 1e-3, adv, eps)) - Number(ops.ppo(rho - 1e-3, adv, eps)));
    return {
      clippedAboveForPositiveAdvantage: ops.ppo(1.5, 1, eps),
      unclippedInside: ops.ppo(0.9, 1, eps),
      pessimisticForNegativeAdvantage: ops.ppo(0.5, -1, eps),
      slopeBeyondClip: Math.max(slope(1.5, 1), slope(0.5, -1)),
      klOfIdentical: ops.kl([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),
      klExample: ops.kl([0.5, 0.5], [0.9, 0.1]),
      penalisedReward: ops.klReward(1, -1, -2, 0.1),
    };
  },

  'course.peft.dpo': (impl) => {
    const ops = peftOps(impl);
    const beta = 0.1;
    const same = { policyChosen: -3.2, policyRejected: -2.7, referenceChosen: -3.2, referenceRejected: -2.7 };
    const lp = { policyChosen: -4.1, policyRejected: -3.3, referenceChosen: -4.0, referenceRejected: -3.5 };
    const [gc, gr] = ops.dpoGradient(lp, beta);
    const analytic = RA.dpoGradientWith(float64, lp, beta);
    // a softmax policy over 4 answers: one gradient-descent step on its logits θ, where
    // ∂L/∂θ = ∂L/∂log π_w · (e_w − π) + ∂L/∂log π_l · (e_l − π)
    const theta = [0.3, -0.2, 0.5, 0.1];
    const [w, l] = [0, 2];
    const logp = (t: number[]) => {
      const m = Math.max(...t);
      const z = Math.log(t.reduce((s, v) => s + Math.exp(v - m), 0)) + m;
      return t.map((v) => v - z);
    };
    const lp0 = logp(theta);
    const pi = lp0.map(Math.exp);
    const g = ops.dpoGradient({ policyChosen: lp0[w], policyRejected: lp0[l], referenceChosen: -1.4, referenceRejected: -1.4 }, beta);
    const grad = theta.map((_, i) => g[0] * ((i === w ? 1 : 0) - pi[i]) + g[1] * ((i === l ? 1 : 0) - pi[i]));
    const lp1 = logp(theta.map((t, i) => t - 1.0 * grad[i]));
    return {
      lossAtReference: ops.dpoLoss(same, beta),
      chosenGradientSign: Math.sign(gc),
      rejectedGradientSign: Math.sign(gr),
      gradientVsAnalytic: Math.max(Math.abs(gc - analytic.chosen), Math.abs(gr - analytic.rejected)),
      chosenLogProbChange: lp1[w] - lp0[w],
      rejectedLogProbChange: lp1[l] - lp0[l],
    };
  },

  'scratch.peft.lora-workflow': () => {
    const r = loraFineTuneTinyGpt();
    return {
      trainablePercent: r.trainablePercent,
      trainableParameters: r.trainableParameters,
      loraTensorsMatchAccounting: r.loraTensorEntries === r.trainableParameters && r.totalParameters === r.baseParameters + r.trainableParameters,
      lossBefore: r.fineTuneLoss.before,
      lossDrop: r.fineTuneLoss.before - r.fineTuneLoss.after,
      baseMaxChange: r.baseMaxChange,
      mergedVsUnmergedLogits: r.mergedVsUnmerged,
    };
  },
};
