/**
 * Evaluators for the fine-tuning and PEFT claims (CLAIMS.md §8): LoRA's formulation, conventions,
 * training and merging; adapters, prompt and prefix tuning on TinyGPT; exact parameter accounting
 * on real configurations (src/core/parameter-accounting.ts) with PEFT's target-module matching;
 * inference cost; the alignment objectives (reward model, PPO with KL, DPO); and a short LoRA
 * fine-tune of TinyGPT.
 *
 * The layer-level claims run on every implementation through its ops (`impl.loraLinear`,
 * `impl.mergeLora`, `impl.adapter`, `impl.dpoLoss`, …): src/reference/{lora,adapter,alignment}.ts
 * on the float64 reference and the BigNumber oracle, src/tfjs/ on tfjs (float32). Gradients and
 * the KL-penalised reward have no op of their own: tfjs computes them with tf ops under the one
 * leak guard (`withoutLeaks`), the reference fields analytically or by central differences.
 * Counting claims run on the reference: their arithmetic is exact integers, the same on every
 * implementation.
 */
import { ShapeError } from '../core/errors.js';
import * as tf from '@tensorflow/tfjs-core';
import { PeftTargetError, LORA_CONFIG_FIELDS, account, adaptableNames, loraModuleParameters, macsPerToken, modulesOf, registryModel, selectLoraModules, type PeftSpec } from '../core/parameter-accounting.js';
import { memoryAccounting, type StorageDtype } from '../core/memory-accounting.js';
import { MODEL_CONFIGS, parameterCount } from '../core/model-configs.js';
import { loadFixture, referenceParams } from '../core/fixtures.js';
import { randomMatrix, seededRng } from '../core/random.js';
import { shapeOf } from '../core/shape.js';
import { tinyStateDictLayout, validateTinyConfig, type TinyConfig } from '../core/tiny-config.js';
import { withoutLeaks } from '../ops/convert.js';
import { unflatten } from '../core/state-dict.js';
import { initAdapter, type AdapterParams } from '../reference/adapter.js';
import * as RA from '../reference/alignment.js';
import { flopCounter } from '../reference/linear-algebra.js';
import { fromAbtConvention, initLora, toAbtConvention, type LoraParams } from '../reference/lora.js';
import { initPeftTinyGpt, mergeLoraIntoTinyGpt, peftTinyGpt, prefixFromKvCacheWith, type PeftTinyGptParams } from '../reference/peft-tiny-gpt.js';
import { float64 } from '../reference/field.js';
import { promptFromTokens } from '../reference/prompt-tuning.js';
import { tinyModel, type TinyModelParams } from '../reference/tiny-models.js';
import { dpoLoss as tfDpoLoss } from '../tfjs/alignment.js';
import { loraLinear as tfLoraLinear } from '../tfjs/lora.js';
import { loraFineTuneTinyGpt } from '../tfjs/training/lora-fine-tune.js';
import type { ArrayImpl } from '../ops/implementations.js';
import { readTutorialSection } from '../core/tutorial.js';
import { flat, input, maxAbsDiff, type Evaluator } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = ArrayImpl<any>;

// ---------------------------------------------------------------------------------------------
// Running the PEFT layers on an implementation

/** Tensors from a tree of numbers (vectors 1-D, matrices 2-D); used by the PEFT property specs. */
export function toTensors(tree: unknown): unknown {
  if (Array.isArray(tree) && typeof tree[0] === 'number') return tf.tensor1d(tree as number[]);
  if (Array.isArray(tree) && Array.isArray(tree[0]) && typeof tree[0][0] === 'number') return tf.tensor2d(tree as number[][]);
  if (Array.isArray(tree)) return tree.map((v) => (v === undefined ? undefined : toTensors(v)));
  if (tree && typeof tree === 'object') return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, toTensors(v)]));
  return tree;
}

/** x Wᵀ (+ b) on the implementation; x and W may hold its own scalars (a previous result). */
const linear = (impl: Impl, x: unknown[][], weight: unknown[][], bias?: unknown[]): Promise<unknown[][]> => impl.linear(x, { weight, ...(bias ? { bias } : {}) });

/** |a − b| maxed, the differences taken in the implementation's field (tfjs results are plain numbers). */
function maxDiff(impl: Impl, a: unknown, b: unknown): number {
  if (impl.name === 'tfjs') return maxAbsDiff(a, b);
  const F = impl.F;
  const flatS = (x: unknown): unknown[] => (Array.isArray(x) ? x.flatMap(flatS) : [x]);
  const [fa, fb] = [flatS(a), flatS(b)];
  if (fa.length !== fb.length) throw new ShapeError(`cannot compare ${fa.length} and ${fb.length} entries`);
  return fa.reduce((m: number, x, i) => Math.max(m, Math.abs(F.toNumber(F.sub(x, fb[i])))), 0);
}

/** r − β (log π(y|x) − log π_ref(y|x)), the reward PPO maximises with its KL penalty. */
function klPenalisedReward(impl: Impl, r: number, logpPolicy: number, logpReference: number, beta: number): Promise<unknown> {
  if (impl.name === 'tfjs') return withoutLeaks('tfjs KL-penalised reward', () => tf.sub(tf.scalar(r), tf.mul(beta, tf.sub(tf.scalar(logpPolicy), tf.scalar(logpReference)))));
  const F = impl.F;
  return Promise.resolve(RA.klPenalisedRewardWith(F, F.from(r), F.from(logpPolicy), F.from(logpReference), beta));
}

/** ∂L_DPO/∂(log π(y_w), log π(y_l)): tfjs by autodiff, the reference fields analytically. */
async function dpoGradient(impl: Impl, lp: RA.PreferenceLogProbs<number>, beta: number): Promise<[number, number]> {
  if (impl.name === 'tfjs') {
    return withoutLeaks<[number, number]>('tfjs DPO gradient', () => {
      const s1 = (x: number) => tf.scalar(x);
      return tf.grads((c: tf.Tensor, r: tf.Tensor) => tfDpoLoss({ policyChosen: c, policyRejected: r, referenceChosen: s1(lp.referenceChosen), referenceRejected: s1(lp.referenceRejected) }, beta) as tf.Scalar)([s1(lp.policyChosen), s1(lp.policyRejected)]);
    });
  }
  const F = impl.F;
  const g = RA.dpoGradientWith(F, { policyChosen: F.from(lp.policyChosen), policyRejected: F.from(lp.policyRejected), referenceChosen: F.from(lp.referenceChosen), referenceRejected: F.from(lp.referenceRejected) }, beta);
  return [F.toNumber(g.chosen), F.toNumber(g.rejected)];
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

/** TinyGPT logits (T × V of the first sequence) on the implementation, with the PEFT parameters `peft`. */
async function peftLogits(impl: Impl, config: TinyConfig, base: TinyModelParams<number>, peft: PeftTinyGptParams<number>, idx: number[][]): Promise<number[][]> {
  return (await impl.peftTinyGpt(config, base, peft, idx)).logits[0];
}

/** TinyGPT logits (T × V of the first sequence) on the implementation, without PEFT. */
async function baseLogits(impl: Impl, config: TinyConfig, base: TinyModelParams<number>, idx: number[][]): Promise<number[][]> {
  return (await impl.tinyModel('tinygpt', config, base, idx)).logits[0];
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
  'course.peft.lora-formulation': async (impl, claim) => {
    const { dIn, dOut, r, alpha, n } = input<{ dIn: number; dOut: number; r: number; alpha: number; n: number }>(claim, 'sizes');
    const p = trainedLoraLayer(101, dIn, dOut, r);
    const x = randomMatrix(seededRng(102), n, dIn);
    const twoStep = await impl.loraLinear(x, p, { alpha }); // W₀x + b + (α/r)·B(Ax)
    const merged = await impl.mergeLora(p, { alpha });
    const oneMatrix = await linear(impl, x, merged.weight, merged.bias); // (W₀ + (α/r) B A) x + b
    // the course's y = W₀x + B(Ax) (no α): PEFT's layer with α = r, i.e. scaling 1
    const courseForm = await impl.loraLinear(x, p, { alpha: r });
    const literal = addRows(impl, await linear(impl, x, p.base.weight, p.base.bias), await linear(impl, await linear(impl, x, p.A), p.B)); // W₀x + b, then B(Ax)
    return { aShape: shapeOf(p.A), bShape: shapeOf(p.B), twoStepVsMerged: maxDiff(impl, twoStep, oneMatrix), courseFormWhenAlphaEqualsR: maxDiff(impl, courseForm, literal) };
  },

  'course.peft.only-a-b-trained': async (impl) => {
    const [dIn, dOut, r, alpha] = [6, 5, 2, 4];
    const rng = seededRng(111);
    const f = initLora(rng, dIn, dOut, r); // PEFT init: B = 0
    const p: LoraParams<number> = { ...f, base: { weight: randomMatrix(rng, dOut, dIn, 0.4), bias: randomMatrix(rng, 1, dOut, 0.1)[0] } };
    const x = randomMatrix(rng, 4, dIn);
    const g = randomMatrix(rng, 4, dOut); // loss = Σ y ⊙ G
    const initial = maxDiff(impl, await impl.loraLinear(x, p, { alpha }), await linear(impl, x, p.base.weight, p.base.bias));
    const loss = async (q: LoraParams<number>) => flat(await impl.loraLinear(x, q, { alpha })).reduce((s, v, i) => s + Number(v) * flat(g)[i], 0);
    // gradients with respect to A and B only (the trainable set); central differences on the float64
    // reference, autodiff on tfjs
    const grads: number[][][] = [];
    if (impl.name === 'tfjs') {
      const tfGrads = await withoutLeaks<number[][][]>('tfjs LoRA gradients', () => {
        const [W, b, X, G] = [tf.tensor2d(p.base.weight), tf.tensor1d(p.base.bias!), tf.tensor2d(x), tf.tensor2d(g)];
        return tf.grads((A: tf.Tensor, B: tf.Tensor) => tf.sum(tf.mul(tfLoraLinear(X, { A, B, base: { weight: W, bias: b } }, { alpha }), G)) as tf.Scalar)([tf.tensor2d(p.A), tf.tensor2d(p.B)]);
      });
      grads.push(...tfGrads);
    } else {
      const h = 1e-6;
      for (const k of ['A', 'B'] as const) {
        const gk: number[][] = [];
        for (const [i, row] of p[k].entries()) {
          const gRow: number[] = [];
          for (const j of row.keys()) {
            const bump = (d: number) => ({ ...p, [k]: p[k].map((rr, ii) => rr.map((v, jj) => (ii === i && jj === j ? v + d : v))) });
            gRow.push(((await loss(bump(h))) - (await loss(bump(-h)))) / (2 * h));
          }
          gk.push(gRow);
        }
        grads.push(gk);
      }
    }
    // one SGD step on A and B; W₀ and b are not arguments of the step
    const lr = 0.1;
    const stepped: LoraParams<number> = { base: p.base, A: p.A.map((row, i) => row.map((v, j) => v - lr * grads[0][i][j])), B: p.B.map((row, i) => row.map((v, j) => v - lr * grads[1][i][j])) };
    const baseBefore = JSON.stringify(p.base);
    return {
      initialOutputVsBase: initial,
      gradientOfAAtInit: Math.max(...flat(grads[0]).map(Math.abs)),
      gradientOfBAtInit: Math.max(...flat(grads[1]).map(Math.abs)),
      baseChangedByStep: JSON.stringify(stepped.base) === baseBefore ? 0 : 1,
      outputChangeAfterStep: maxDiff(impl, await impl.loraLinear(x, stepped, { alpha }), await impl.loraLinear(x, p, { alpha })),
    };
  },

  'scratch.peft.merge-after-training': async (impl) => {
    const [dIn, dOut, r, alpha] = [7, 5, 3, 6];
    const p = trainedLoraLayer(121, dIn, dOut, r);
    const x = randomMatrix(seededRng(122), 4, dIn);
    const merged = await impl.mergeLora(p, { alpha });
    const restored = await impl.unmergeLora(merged, p, { alpha });
    const w0 = impl.name === 'tfjs' ? p.base.weight : p.base.weight.map((row) => row.map((v) => impl.F.from(v)));
    return {
      mergedVsUnmerged: maxDiff(impl, await linear(impl, x, merged.weight, merged.bias), await impl.loraLinear(x, p, { alpha })),
      unmergeRestoresW0: maxDiff(impl, restored.weight, w0),
      mergedShape: shapeOf(merged.weight),
    };
  },

  'interview.peft.abt-convention': async (impl) => {
    const [dIn, dOut, r] = [6, 4, 2];
    const rng = seededRng(131);
    const course = { A: randomMatrix(rng, r, dIn), B: randomMatrix(rng, dOut, r) }; // ΔW = B A
    const deck = toAbtConvention(course); // ΔW = A Bᵀ, A (d_out × r), B (d_in × r)
    const back = fromAbtConvention(deck);
    return {
      deckShapes: [...shapeOf(deck.A), ...shapeOf(deck.B)],
      deltaDifference: maxDiff(impl, await impl.deltaBa(course), await impl.deltaAbt(deck.A, deck.B)),
      parametersCourse: entries(course.A) + entries(course.B),
      parametersDeck: entries(deck.A) + entries(deck.B),
      roundTrip: maxAbsDiff([back.A, back.B], [course.A, course.B]),
    };
  },

  'course.peft.rank-one-twenty': async (impl, claim) => {
    const d = input<number>(claim, 'd');
    const count = async (r: number) => {
      const f = initLora(seededRng(140 + r), d, d, r);
      const delta = await impl.deltaBa({ A: f.A, B: randomMatrix(seededRng(150 + r), d, r) }); // the d × d update the factors stand for
      if (shapeOf(delta).join() !== `${d},${d}`) throw new ShapeError('ΔW has the wrong shape');
      return entries(f.A) + entries(f.B);
    };
    return { rank1Parameters: await count(1), rank2Parameters: await count(2), fullMatrixParameters: d * d };
  },

  'course.peft.one-matrix-150-million': async () => {
    const gpt3 = registryModel('gpt3');
    const q = modulesOf(gpt3).find((m) => m.name === 'model.decoder.layers.0.self_attn.q_proj')!;
    const weights = q.dIn * q.dOut;
    const perBlock = modulesOf(gpt3).filter((m) => m.layer === 0 && m.kind === 'linear' && m.dIn * m.dOut === weights).length;
    const llama = registryModel('llama-7b');
    return {
      gpt3ProjectionWeights: weights,
      distanceFrom150Million: Math.abs(weights - 150e6),
      gpt3SuchMatricesPerBlock: perBlock,
      gpt3Blocks: gpt3.nLayers,
      llama7bLargestBlockMatrix: Math.max(...modulesOf(llama).filter((m) => m.layer !== undefined && m.kind === 'linear').map((m) => m.dIn * m.dOut)),
    };
  },

  'interview.peft.lora-one-percent': async (_impl, claim) => {
    const spec = input<PeftSpec>(claim, 'peft');
    const llama = registryModel('llama-7b');
    const a = account(llama, spec);
    const perRank = Number(account(llama, { lora: { ...spec.lora!, r: 1 } }).trainable);
    const base = Number(a.base);
    let r = 1;
    while ((100 * r * perRank) / (base + r * perRank) < 1) r++;
    return { trainableParameters: Number(a.trainable), allParameters: Number(a.total), trainablePercent: a.percent, adaptedModules: a.methods[0].modules!, rankForOnePercent: r };
  },

  'interview.peft.lora-config-keyword': async () => {
    const a8 = account(registryModel('llama-7b'), { lora: { r: 8, alpha: 16, targets: ['q_proj', 'v_proj'] } });
    const a32 = account(registryModel('llama-7b'), { lora: { r: 8, alpha: 32, targets: ['q_proj', 'v_proj'] } });
    return {
      alphaIsALoraConfigField: LORA_CONFIG_FIELDS.includes('alpha'),
      scalingField: LORA_CONFIG_FIELDS.filter((f) => /alpha$/.test(f) && !f.includes('pattern')),
      countIndependentOfAlpha: a8.trainable === a32.trainable,
    };
  },

  'scratch.peft.gpt2-lora-trainable': async (_impl, claim) => {
    const spec = input<PeftSpec>(claim, 'peft');
    const a = account(registryModel('gpt2'), spec);
    return {
      trainableParameters: Number(a.trainable),
      allParameters: Number(a.total),
      trainablePercent: a.percent,
      adaptedModules: a.methods[0].modules!,
      scaling: spec.lora!.alpha! / spec.lora!.r,
      parametersAddedByDropout: Number(a.trainable - account(registryModel('gpt2'), { lora: { r: spec.lora!.r, targets: spec.lora!.targets } }).trainable),
    };
  },

  'scratch.peft.c-proj-comment': async () => {
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

  'scratch.peft.checkpoint-vs-targets': async (_impl, claim) => {
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
      gpt2AdaptedModules: account(registryModel('gpt2'), spec).methods[0].modules!,
    };
  },

  // The comparison table's rows are graded on the billion-parameter models the documents name
  // (TABLE_SCALE) and shown for the small ones (golden/README.md, rule 5).
  'course.peft.table-full-ft': async () => {
    const full = (k: string) => account(registryModel(k), {});
    return {
      percent: TABLE_SCALE.map((k) => full(k).percent),
      fewestParameters: Math.min(...TABLE_SCALE.map((k) => Number(full(k).total))),
      trainableEqualsTotal: [...TABLE_SCALE, ...BELOW_SCALE].every((k) => full(k).trainable === full(k).total && full(k).total === parameterCount(MODEL_CONFIGS[k])),
      smallModelsPercent: BELOW_SCALE.map((k) => full(k).percent),
    };
  },

  'course.peft.table-adapters': async (_impl, claim) => {
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

  'course.peft.table-prompt-tuning': async (_impl, claim) => {
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

  'course.peft.table-prefix-tuning': async (_impl, claim) => {
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

  'course.peft.table-lora': async (_impl, claim) => {
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

  'course.peft.table-optimizer-states': async () => {
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

  'course.peft.checkpoint-megabytes': async () => {
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

  'course.peft.lora-under-one-percent': async (_impl, claim) => {
    const ranks = input<number[]>(claim, 'ranks');
    const top = (k: string) => percent(k, { lora: { r: ranks[ranks.length - 1], targets: COURSE_LORA_TARGETS[k] } });
    return {
      largestPercent: Math.max(...TABLE_SCALE.flatMap((k) => ranks.map((r) => percent(k, { lora: { r, targets: COURSE_LORA_TARGETS[k] } })))),
      largestSharesPercent: TABLE_SCALE.map(top),
      interviewConfigPercent: percent('llama-7b', { lora: { r: 8, targets: ['q_proj', 'v_proj'] } }),
      scratchConfigPercent: percent('gpt2', { lora: { r: 16, targets: ['c_attn', 'c_proj'] } }),
    };
  },

  'course.peft.quantised-weight-bytes': async () => {
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

  'interview.peft.qlora-memory': async () => {
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

  'notes.peft.soft-prompt-appends': async (impl, claim) => {
    // the soft prompt as PEFT's TEXT initialisation makes it: the embeddings of real tokens, so the
    // implementation's own TinyGPT forward pass runs it, before or after the input
    const prompt = input<number[]>(claim, 'promptTokens');
    const { config, base: weights, idx } = tinyGptFixture();
    const params = impl.liftTree(weights) as never;
    const logits = async (tokens: number[]) => (await impl.tinyModel('tinygpt', config, params, [tokens])).logits[0].map((r: unknown[]) => r.map((v) => impl.F.toNumber(v)));
    const base = await logits(idx[0]);
    const appended = (await logits([...idx[0], ...prompt])).slice(0, idx[0].length);
    const prepended = (await logits([...prompt, ...idx[0]])).slice(prompt.length);
    return { inputPositionsChangedByAppended: maxAbsDiff(appended, base), inputPositionsChangedByPrepended: maxAbsDiff(prepended, base) };
  },

  'scratch.peft.section-5-1-checkpoint': async () => {
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

  'course.peft.prefix-more-parameters': async () => {
    const ratio = (k: string) => Number(account(registryModel(k), { prefixTokens: 10 }).trainable) / Number(account(registryModel(k), { promptTokens: 10 }).trainable);
    // TinyGPT (the tutorial's size): count the entries of real prompt and prefix tensors
    const config = validateTinyConfig({ vocab_size: 48, block_size: 16, n_embed: 128, n_head: 4, n_layer: 4 });
    const prompt = initPeftTinyGpt(config, { promptTokens: 5 }, seededRng(170));
    const prefix = initPeftTinyGpt(config, { prefixTokens: 5 }, seededRng(171));
    return { prefixOverPromptGpt2: ratio('gpt2'), prefixOverPromptLlama7b: ratio('llama-7b'), prefixOverPromptGpt3: ratio('gpt3'), prefixOverPromptTinyGpt: entries(prefix.prefix) / entries(prompt.prompt) };
  },

  'course.peft.adapter-structure': async (impl) => {
    const [d, m] = [8, 3];
    const rng = seededRng(181);
    const fresh = initAdapter(rng, d, m);
    const h = randomMatrix(rng, 5, d);
    const trained: AdapterParams<number> = { ...fresh, up: { weight: randomMatrix(rng, d, m, 0.3), bias: randomMatrix(rng, 1, d, 0.1)[0] } };
    const out: Record<string, unknown> = {
      identityAtInit: maxDiff(impl, await impl.adapter(h, fresh), impl.name === 'tfjs' ? h : h.map((r) => r.map((v) => impl.F.from(v)))),
      trainedAdapterChangesOutput: maxDiff(impl, await impl.adapter(h, trained), await impl.adapter(h, fresh)),
      parametersPerAdapter: entries(fresh),
    };
    const { config, base, idx } = tinyGptFixture();
    const peft = initPeftTinyGpt(config, { adapter: { bottleneck: 4 } }, seededRng(182));
    if (impl.name === 'high-precision') {
      // the same comparison in the 64-digit field, on a seeded TinyGPT small enough for BigNumber arithmetic
      const small = validateTinyConfig({ vocab_size: 8, block_size: 4, n_embed: 8, n_head: 2, n_layer: 1 });
      const b = impl.liftTree(seededTinyGpt(small, 183));
      const pp = impl.liftTree(initPeftTinyGpt(small, { adapter: { bottleneck: 2 } }, seededRng(184)));
      out.tinyGptWithFreshAdaptersVsBase = maxDiff(impl, (await impl.peftTinyGpt(small, b, pp, [[1, 5, 2]])).logits, (await impl.tinyModel('tinygpt', small, b, [[1, 5, 2]])).logits);
      return out;
    }
    out.tinyGptWithFreshAdaptersVsBase = maxAbsDiff(await peftLogits(impl, config, base, peft, idx), await baseLogits(impl, config, base, idx));
    return out;
  },

  'course.peft.prompt-tuning': async (impl, claim) => {
    const text = input<number[]>(claim, 'promptTokens');
    const { config, base, idx } = tinyGptFixture();
    const prompt = promptFromTokens(base.token_embed.weight, text); // PEFT's TEXT initialisation
    const onConcatenation = (await baseLogits(impl, config, base, [[...text, ...idx[0]]])).slice(text.length);
    const random = initPeftTinyGpt(config, { promptTokens: text.length }, seededRng(191));
    return {
      textInitVsBaseOnConcatenation: maxAbsDiff(await peftLogits(impl, config, base, { prompt }, idx), onConcatenation),
      randomPromptChangesOutput: maxAbsDiff(await peftLogits(impl, config, base, random, idx), await baseLogits(impl, config, base, idx)),
      trainableParameters: entries(random.prompt),
    };
  },

  'course.peft.prefix-tuning': async (impl, claim) => {
    const text = input<number[]>(claim, 'prefixTokens');
    const { config, base, idx } = tinyGptFixture();
    const prefix = prefixFromKvCacheWith(float64, config, base, text); // the frozen model's own keys/values of the text
    const onConcatenation = (await baseLogits(impl, config, base, [[...text, ...idx[0]]])).slice(text.length);
    const withPrefix = await peftLogits(impl, config, base, { prefix }, idx);
    let layersThatMatter = 0;
    for (const l of prefix.keys.keys()) {
      const bumped = { keys: prefix.keys.map((m, ll) => (ll === l ? m.map((r) => r.map((v) => v + 0.5)) : m)), values: prefix.values };
      if (maxAbsDiff(await peftLogits(impl, config, base, { prefix: bumped }, idx), withPrefix) > 1e-3) layersThatMatter += 1;
    }
    return { kvCacheInitVsBaseOnConcatenation: maxAbsDiff(withPrefix, onConcatenation), trainableParameters: entries(prefix), layersReadingTheirPrefix: layersThatMatter };
  },

  'scratch.peft.final-layers': async (_impl, claim) => {
    const spec = input<PeftSpec>(claim, 'peft');
    const gpt2 = registryModel('gpt2');
    const layers = [...new Set(selectLoraModules(gpt2, spec.lora!.targets).map((m) => m.layer!))];
    return { firstAdaptedLayer: Math.min(...layers), adaptedLayers: layers.length, blocks: gpt2.nLayers, adapterBlocks: account(gpt2, { adapter: { bottleneck: 64 } }).methods[0].modules! };
  },

  'scratch.peft.inference-performance': async () => {
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

  'course.peft.reward-model': async (impl) => {
    const K = 4;
    const L = async (m: number) => Number(await impl.rankingLoss([m, 0]));
    const grid = Array.from({ length: 9 }, (_, i) => -2 + i * 0.5);
    const lossAtEqualRewards = await impl.rankingLoss([1.5, 1.5]);
    const rankingLossOfThree = await impl.rankingLoss([2, 1, 0]);
    const decreases: number[] = [];
    for (const m of grid) decreases.push((await L(m)) - (await L(m + 0.5)));
    return { lossAtEqualRewards, pairsFromRankingOfFour: (K * (K - 1)) / 2, rankingLossOfThree, smallestDecreaseAsMarginGrows: Math.min(...decreases) };
  },

  'course.peft.ppo-clip-kl': async (impl) => {
    const eps = 0.2;
    const ppo = (rho: number, adv: number) => impl.ppoClipObjective(rho, adv, eps);
    const slope = async (rho: number, adv: number) => Math.abs(Number(await ppo(rho + 1e-3, adv)) - Number(await ppo(rho - 1e-3, adv)));
    return {
      clippedAboveForPositiveAdvantage: await ppo(1.5, 1),
      unclippedInside: await ppo(0.9, 1),
      pessimisticForNegativeAdvantage: await ppo(0.5, -1),
      slopeBeyondClip: Math.max(await slope(1.5, 1), await slope(0.5, -1)),
      klOfIdentical: await impl.klDivergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),
      klExample: await impl.klDivergence([0.5, 0.5], [0.9, 0.1]),
      penalisedReward: await klPenalisedReward(impl, 1, -1, -2, 0.1),
    };
  },

  'course.peft.dpo': async (impl) => {
    const beta = 0.1;
    const same = { policyChosen: -3.2, policyRejected: -2.7, referenceChosen: -3.2, referenceRejected: -2.7 };
    const lp = { policyChosen: -4.1, policyRejected: -3.3, referenceChosen: -4.0, referenceRejected: -3.5 };
    const [gc, gr] = await dpoGradient(impl, lp, beta);
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
    const g = await dpoGradient(impl, { policyChosen: lp0[w], policyRejected: lp0[l], referenceChosen: -1.4, referenceRejected: -1.4 }, beta);
    const grad = theta.map((_, i) => g[0] * ((i === w ? 1 : 0) - pi[i]) + g[1] * ((i === l ? 1 : 0) - pi[i]));
    const lp1 = logp(theta.map((t, i) => t - 1.0 * grad[i]));
    return {
      lossAtReference: await impl.dpoLoss(same, beta),
      chosenGradientSign: Math.sign(gc),
      rejectedGradientSign: Math.sign(gr),
      gradientVsAnalytic: Math.max(Math.abs(gc - analytic.chosen), Math.abs(gr - analytic.rejected)),
      chosenLogProbChange: lp1[w] - lp0[w],
      rejectedLogProbChange: lp1[l] - lp0[l],
    };
  },

  'scratch.peft.lora-workflow': async () => {
    const r = await loraFineTuneTinyGpt();
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
