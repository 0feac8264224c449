/**
 * Properties of parameter-efficient fine-tuning and the alignment objectives (fast-check through
 * checkProperty; seeded weights):
 *
 *   LoRA        x W₀ᵀ + b + (α/r)(x Aᵀ)Bᵀ = x (W₀ + (α/r)BA)ᵀ + b;  B = 0 ⇒ the base layer;  ∂L/∂A = 0 while B = 0;
 *               unmerge(merge(W₀)) = W₀;  BA = A_deck B_deckᵀ with A_deck = B, B_deck = Aᵀ
 *   adapters    up = 0 ⇒ identity;  TinyGPT with fresh adapters = TinyGPT
 *   prompt      soft prompt = embeddings of tokens w ⇒ logits = base logits on [w; x] (last T rows)
 *   prefix      prefix = the base's own keys/values of w ⇒ the same
 *   frozen      training the PEFT tensors leaves every base tensor bit-identical
 *   accounting  module totals = published counts; LoRA count = Σ r(d_in + d_out); PEFT's suffix rule
 *   alignment   BT: L(a,b) − L(b,a) = b − a;  PPO: L ≤ ρÂ, flat beyond the clip;  KL ≥ ½‖p − q‖₁² (Pinsker);
 *               DPO: ln 2 at π = π_ref, ∂L/∂log π_w < 0 < ∂L/∂log π_l
 *
 * Shapes: x (n × d_in), W₀ (d_out × d_in), A (r × d_in), B (d_out × r); TinyGPT fixture (V 48,
 * block 16, C 32, H 4, L 2). Tolerances from src/core/tolerance.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MODEL_CONFIGS, parameterCount } from '../../src/core/model-configs.js';
import {
  PeftTargetError,
  REGISTRY_NAMES,
  account,
  baseParameterCount,
  matchesTarget,
  referenceTotal,
  registryModel,
  selectLoraModules,
  tinyModelSpec,
} from '../../src/core/parameter-accounting.js';
import { randomMatrix, seededRng } from '../../src/core/random.js';
import { validateTinyConfig, type TinyConfig } from '../../src/core/tiny-config.js';
import { compareNested, EXACT, PEFT_TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { adapter, initAdapter } from '../../src/reference/adapter.js';
import * as RA from '../../src/reference/alignment.js';
import { float64 } from '../../src/reference/field.js';
import { linear } from '../../src/reference/linear.js';
import { deltaAbtWith, deltaBaWith, fromAbtConvention, initLora, loraDelta, loraDropoutMask, loraLinear, mergeLora, toAbtConvention, unmergeLora, type LoraParams } from '../../src/reference/lora.js';
import { initPeftTinyGpt, mergeLoraIntoTinyGpt, peftTinyGpt, prefixFromKvCacheWith, type PeftTinyGptParams } from '../../src/reference/peft-tiny-gpt.js';
import { promptFromTokens } from '../../src/reference/prompt-tuning.js';
import { tinyModel, type TinyModelParams } from '../../src/reference/tiny-models.js';
import '../../src/tfjs/index.js';
import * as TA from '../../src/tfjs/alignment.js';
import { adapter as tfAdapter } from '../../src/tfjs/adapter.js';
import { loraLinear as tfLoraLinear } from '../../src/tfjs/lora.js';
import { minimiseWithAdam, leavesOf, mergeLoraIntoTinyGpt as tfMerge, peftGradients, peftTinyGpt as tfPeftTinyGpt, trainPeft, type TfPeftTinyGptParams } from '../../src/tfjs/peft-tiny-gpt.js';
import { tinyModel as tfTinyModel, type TfTinyModelParams } from '../../src/tfjs/tiny-models.js';
import { type Matrix, type Value } from '../_helpers/arbitraries.js';
import { loadFixture, referenceParams } from '../_helpers/fixtures.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';
import { toTensors } from '../../src/claims/peft.js';

// ---------------------------------------------------------------------------------------------
// Inputs

/** A LoRA layer's sizes and seed. */
const loraDims = fc.record({
  dIn: fc.integer({ min: 1, max: 8 }),
  dOut: fc.integer({ min: 1, max: 8 }),
  r: fc.integer({ min: 1, max: 4 }),
  n: fc.integer({ min: 1, max: 4 }),
  alpha: fc.double({ min: 0.5, max: 32, noNaN: true }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type LoraDims = Value<typeof loraDims>;

const f32 = (m: Matrix): Matrix => m.map((r) => r.map(Math.fround));

/** Seeded layer with non-zero B (as after training), inputs x; float32-representable values. */
function layer({ dIn, dOut, r, n, seed }: LoraDims): { p: LoraParams<number>; x: Matrix } {
  const rng = seededRng(seed);
  const f = initLora(rng, dIn, dOut, r);
  return {
    p: { A: f32(f.A), B: f32(randomMatrix(rng, dOut, r, 0.5)), base: { weight: f32(randomMatrix(rng, dOut, dIn, 1 / Math.sqrt(dIn))), bias: f32(randomMatrix(rng, 1, dOut, 0.1))[0] } },
    x: f32(randomMatrix(rng, n, dIn)),
  };
}

const t2 = (m: Matrix) => tf.tensor2d(m);
const tfLora = (p: LoraParams<number>) => ({ A: t2(p.A), B: t2(p.B), base: { weight: t2(p.base.weight), bias: tf.tensor1d(p.base.bias!) } });
const read = <A>(f: () => tf.Tensor): A => tf.tidy(() => f().arraySync() as unknown as tf.TensorContainer) as unknown as A;

/** The committed TinyGPT fixture as plain arrays and as tensors. */
const fixture = loadFixture('models/tinygpt.safetensors');
const fc0 = fixture.config as Record<string, number>;
const CONFIG: TinyConfig = validateTinyConfig({ vocab_size: fc0.vocab_size, block_size: fc0.block_size, n_embed: fc0.n_embed, n_head: fc0.n_head, n_layer: fc0.n_layer, dropout: fc0.dropout });
const BASE = referenceParams(fixture.param) as unknown as TinyModelParams<number>;

/** Token sequences: a text w (1–4 tokens) and an input x (1–6 tokens), within block_size. */
const texts = fc.record({
  w: fc.array(fc.integer({ min: 0, max: CONFIG.vocab_size - 1 }), { minLength: 1, maxLength: 4 }),
  x: fc.array(fc.integer({ min: 0, max: CONFIG.vocab_size - 1 }), { minLength: 1, maxLength: 6 }),
});
type Texts = Value<typeof texts>;

/** TinyGPT runs are ~10 ms each; 20 cases per property keep the file fast (PROPERTY_RUNS scales the rest). */
const MODEL_RUNS = { numRuns: 20 };

// ---------------------------------------------------------------------------------------------

describe('LoRA layer', () => {
  it('[course.peft.lora-formulation] reference: W₀x + b + (α/r)·B(Ax) equals the merged matrix (W₀ + (α/r)BA)x + b, for any sizes, rank and α', () => {
    checkProperty<[LoraDims]>('LoRA two-step = merged', loraDims, (d) => {
      const { p, x } = layer(d);
      const c = compareNested(loraLinear(x, p, { alpha: d.alpha }), linear(x, mergeLora(p, { alpha: d.alpha })), { atol: 1e-12, rtol: 1e-12 });
      expect(c.ok, c.message).toBe(true);
    });
  });

  it(`[course.peft.lora-formulation] tfjs (${backendReport.choice}) matches the reference within PEFT_TFJS_VS_REFERENCE.lora`, () => {
    checkProperty<[LoraDims]>('tfjs LoRA = reference', loraDims, (d) => {
      const { p, x } = layer(d);
      const got = read<Matrix>(() => tfLoraLinear(t2(x), tfLora(p), { alpha: d.alpha }));
      const c = compareNested(got, loraLinear(x, p, { alpha: d.alpha }), PEFT_TFJS_VS_REFERENCE.lora);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('[course.peft.lora-formulation] discrimination: a LoRA that forgets the α/r scaling is rejected by PEFT_TFJS_VS_REFERENCE.lora', () => {
    const d: LoraDims = { dIn: 6, dOut: 5, r: 2, n: 3, alpha: 16, seed: 7 };
    const { p, x } = layer(d);
    const right = loraLinear(x, p, { alpha: d.alpha });
    const noScaling = loraLinear(x, p, { alpha: d.r }); // scaling 1 instead of 8
    const c = compareNested(noScaling, right, PEFT_TFJS_VS_REFERENCE.lora);
    expect(c.ok).toBe(false);
    expect(c.maxAbsError).toBeGreaterThan(0.1);
  });

  it('[course.peft.only-a-b-trained] with PEFT init (B = 0) the layer is bit-identical to the base layer on both implementations, and ∂L/∂A = 0 while ∂L/∂B ≠ 0', () => {
    checkProperty<[LoraDims]>('B = 0 ⇒ base layer; first gradient on B only', loraDims, (d) => {
      const rng = seededRng(d.seed);
      const f = initLora(rng, d.dIn, d.dOut, d.r);
      const p: LoraParams<number> = { ...f, base: { weight: f32(randomMatrix(rng, d.dOut, d.dIn, 0.5)), bias: f32(randomMatrix(rng, 1, d.dOut, 0.1))[0] } };
      const x = f32(randomMatrix(rng, d.n, d.dIn));
      expect(loraLinear(x, p, { alpha: d.alpha })).toEqual(linear(x, p.base));
      const tfOut = read<Matrix>(() => tfLoraLinear(t2(x), tfLora(p), { alpha: d.alpha }));
      expect(tfOut).toEqual(read<Matrix>(() => tf.add(tf.matMul(t2(x), t2(p.base.weight), false, true), tf.tensor1d(p.base.bias!))));
      const g = f32(randomMatrix(rng, d.n, d.dOut));
      const [dA, dB] = tf.tidy(() => {
        const [W, b, X, G] = [t2(p.base.weight), tf.tensor1d(p.base.bias!), t2(x), t2(g)];
        return tf.grads((A: tf.Tensor, B: tf.Tensor) => tf.sum(tf.mul(tfLoraLinear(X, { A, B, base: { weight: W, bias: b } }, { alpha: d.alpha }), G)) as tf.Scalar)([t2(p.A), t2(p.B)]).map((t) => t.arraySync() as Matrix);
      });
      expect(dA.flat().every((v) => v === 0)).toBe(true);
      expect(dB.flat().some((v) => v !== 0)).toBe(true);
    });
  });

  it('[course.peft.only-a-b-trained] Adam on A and B leaves W₀ and b bit-identical (tfjs) and moves B', async () => {
    const d: LoraDims = { dIn: 5, dOut: 4, r: 2, n: 6, alpha: 4, seed: 11 };
    const rng = seededRng(d.seed);
    const f = initLora(rng, d.dIn, d.dOut, d.r);
    const [W, b, X, Y] = [t2(f32(randomMatrix(rng, 4, 5, 0.5))), tf.tensor1d([0.1, -0.2, 0.3, 0]), t2(f32(randomMatrix(rng, 6, 5))), t2(f32(randomMatrix(rng, 6, 4)))];
    const [w0, b0] = [W.dataSync().slice(), b.dataSync().slice()];
    const factors = [t2(f.A), t2(f.B)];
    const before = tf.memory().numTensors;
    const { trained, losses } = await minimiseWithAdam(factors, ([A, B]) => tf.mean(tf.square(tf.sub(tfLoraLinear(X, { A, B, base: { weight: W, bias: b } }, { alpha: d.alpha }), Y))) as tf.Scalar, 5, 0.05);
    expect(Array.from(W.dataSync())).toEqual(Array.from(w0));
    expect(Array.from(b.dataSync())).toEqual(Array.from(b0));
    expect(Math.max(...trained[1].dataSync().map(Math.abs))).toBeGreaterThan(0);
    expect(losses[4]).toBeLessThan(losses[0]);
    tf.dispose(trained);
    expect(tf.memory().numTensors, 'minimiseWithAdam leaked tensors').toBe(before);
    tf.dispose([W, b, X, Y, ...factors]);
  });

  it('[course.peft.lora-formulation] LoRA dropout acts on the branch input only: W₀x + b + (α/r)·((x ⊙ m) Aᵀ) Bᵀ; an all-ones mask is evaluation mode (reference and tfjs)', () => {
    checkProperty<[LoraDims, number]>('dropout on the branch only', loraDims, fc.double({ min: 0.05, max: 0.5, noNaN: true }), (d, p) => {
      const { p: layerP, x } = layer(d);
      const mask = loraDropoutMask(d.seed, d.n, d.dIn, p);
      const dropped = x.map((row, i) => row.map((v, j) => v * mask[i][j]));
      const branchOnly = linear(dropped, { weight: loraDelta(layerP, { alpha: d.alpha }) }); // (x ⊙ m)·ΔWᵀ
      const expected = linear(x, layerP.base).map((row, i) => row.map((v, j) => v + branchOnly[i][j]));
      const c = compareNested(loraLinear(x, layerP, { alpha: d.alpha, dropoutMask: mask }), expected, { atol: 1e-12, rtol: 1e-12 });
      expect(c.ok, c.message).toBe(true);
      expect(loraLinear(x, layerP, { alpha: d.alpha, dropoutMask: x.map((r) => r.map(() => 1)) })).toEqual(loraLinear(x, layerP, { alpha: d.alpha }));
      // tfjs with the same seed draws the same mask (src/core/random.ts dropoutMask) on the branch input: the reference's result
      const got = read<Matrix>(() => tfLoraLinear(t2(x), tfLora(layerP), { alpha: d.alpha, dropout: { p, seed: d.seed } }));
      const want = expected;
      const c2 = compareNested(got, want, PEFT_TFJS_VS_REFERENCE.lora);
      expect(c2.ok, c2.message).toBe(true);
    });
  });

  it('[scratch.peft.merge-after-training] unmerge(merge(W₀)) = W₀ and ΔW = (α/r)·BA has the base shape, for any sizes', () => {
    checkProperty<[LoraDims]>('unmerge ∘ merge = id', loraDims, (d) => {
      const { p } = layer(d);
      const merged = mergeLora(p, { alpha: d.alpha });
      expect([merged.weight.length, merged.weight[0].length]).toEqual([d.dOut, d.dIn]);
      const c = compareNested(unmergeLora(merged, p, { alpha: d.alpha }).weight, p.base.weight, { atol: 1e-12, rtol: 1e-12 });
      expect(c.ok, c.message).toBe(true);
      const delta = loraDelta(p, { alpha: d.alpha });
      const c2 = compareNested(merged.weight.map((r, i) => r.map((v, j) => v - p.base.weight[i][j])), delta, { atol: 1e-12, rtol: 1e-12 });
      expect(c2.ok, c2.message).toBe(true);
    });
  });

  it('[interview.peft.abt-convention] ΔW = BA equals A_deck B_deckᵀ bit for bit, both hold r·(d_in + d_out) numbers, and the renaming round-trips', () => {
    checkProperty<[LoraDims]>('BA = A Bᵀ after renaming', loraDims, (d) => {
      const { p } = layer(d);
      const deck = toAbtConvention(p);
      expect(deltaAbtWith(float64, deck)).toEqual(deltaBaWith(float64, p));
      expect(deck.A.length * deck.A[0].length + deck.B.length * deck.B[0].length).toBe(d.r * (d.dIn + d.dOut));
      expect(fromAbtConvention(deck)).toEqual({ A: p.A, B: p.B });
    });
  });
});

describe('PEFT on TinyGPT (fixture weights)', () => {
  it('[course.peft.adapter-structure] an adapter with up = 0 is the identity (both implementations), and TinyGPT with fresh adapters gives the base logits', () => {
    const dims = fc.record({ d: fc.integer({ min: 1, max: 8 }), m: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });
    checkProperty<[Value<typeof dims>]>('fresh adapter = identity', dims, ({ d, m, n, seed }) => {
      const rng = seededRng(seed);
      const p = initAdapter(rng, d, m);
      const h = f32(randomMatrix(rng, n, d));
      expect(adapter(h, p)).toEqual(h);
      expect(read<Matrix>(() => tfAdapter(t2(h), toTensors(p) as Parameters<typeof tfAdapter>[1]))).toEqual(h);
    });
    checkProperty<[Texts, number]>('TinyGPT + fresh adapters = TinyGPT', texts, fc.integer({ min: 1, max: 8 }), ({ x }, m) => {
      const peft = initPeftTinyGpt(CONFIG, { adapter: { bottleneck: m } }, seededRng(m));
      expect(peftTinyGpt(CONFIG, BASE, peft, [x]).logits).toEqual(tinyModel('tinygpt', CONFIG, BASE, [x]).logits);
    }, MODEL_RUNS);
  });

  it('[course.peft.prompt-tuning] a soft prompt copied from the embeddings of tokens w reproduces the base model on [w; x] (reference exactly, tfjs within PEFT_TFJS_VS_REFERENCE.tinyGpt)', () => {
    const tb = toTensors(BASE) as TfTinyModelParams;
    checkProperty<[Texts]>('TEXT-initialised prompt = base on concatenation', texts, ({ w, x }) => {
      const expected = tinyModel('tinygpt', CONFIG, BASE, [[...w, ...x]]).logits[0].slice(w.length);
      const prompt = promptFromTokens(BASE.token_embed.weight, w);
      expect(peftTinyGpt(CONFIG, BASE, { prompt }, [x]).logits[0]).toEqual(expected);
      const got = read<Matrix[]>(() => tfPeftTinyGpt(CONFIG, tb, { prompt: tf.tensor2d(prompt) }, [x]).logits)[0];
      const c = compareNested(got, expected, PEFT_TFJS_VS_REFERENCE.tinyGpt);
      expect(c.ok, c.message).toBe(true);
    }, MODEL_RUNS);
    tf.dispose(leavesOf(tb));
  });

  it('[course.peft.prefix-tuning] a prefix holding the base model\'s own keys/values of w reproduces the base model on [w; x] (reference to 1e-12, tfjs within PEFT_TFJS_VS_REFERENCE.tinyGpt)', () => {
    const tb = toTensors(BASE) as TfTinyModelParams;
    checkProperty<[Texts]>('KV-cache-initialised prefix = base on concatenation', texts, ({ w, x }) => {
      const expected = tinyModel('tinygpt', CONFIG, BASE, [[...w, ...x]]).logits[0].slice(w.length);
      const prefix = prefixFromKvCacheWith(float64, CONFIG, BASE, w);
      const c1 = compareNested(peftTinyGpt(CONFIG, BASE, { prefix }, [x]).logits[0], expected, EXACT.reference);
      expect(c1.ok, c1.message).toBe(true);
      const got = read<Matrix[]>(() => tfPeftTinyGpt(CONFIG, tb, toTensors({ prefix }) as TfPeftTinyGptParams, [x]).logits)[0];
      const c2 = compareNested(got, expected, PEFT_TFJS_VS_REFERENCE.tinyGpt);
      expect(c2.ok, c2.message).toBe(true);
    }, MODEL_RUNS);
    tf.dispose(leavesOf(tb));
  });

  it('[course.peft.prefix-tuning] prompt or prefix plus the input beyond block_size is refused, naming block_size', () => {
    const prompt = initPeftTinyGpt(CONFIG, { promptTokens: 4 }, seededRng(1));
    expect(() => peftTinyGpt(CONFIG, BASE, prompt, [Array(13).fill(1)])).toThrow(/4 virtual positions \+ T = 13 tokens exceed block_size 16/);
    const both = { ...prompt, ...initPeftTinyGpt(CONFIG, { prefixTokens: 2 }, seededRng(2)) };
    expect(() => peftTinyGpt(CONFIG, BASE, both, [[1, 2]])).toThrow(/alternatives/);
  });

  it('[scratch.peft.merge-after-training] TinyGPT with trained LoRA factors: merged and unmerged logits agree (reference 1e-12; tfjs within PEFT_TFJS_VS_REFERENCE.tinyGpt) and match each other across implementations', () => {
    const tb = toTensors(BASE) as TfTinyModelParams;
    checkProperty<[Texts, number]>('TinyGPT merged = unmerged', texts, fc.integer({ min: 0, max: 2 ** 31 - 1 }), ({ x }, seed) => {
      const rng = seededRng(seed);
      const lora = initPeftTinyGpt(CONFIG, { lora: { r: 2, alpha: 4, targets: ['query', 'value', 'proj', 'net.0', 'lm_head'] } }, rng).lora!;
      for (const f of Object.values(lora.modules)) f.B = f32(randomMatrix(rng, f.B.length, f.B[0].length, 0.2)); // as after training
      const unmerged = peftTinyGpt(CONFIG, BASE, { lora }, [x]).logits;
      const c = compareNested(tinyModel('tinygpt', CONFIG, mergeLoraIntoTinyGpt(BASE, lora), [x]).logits, unmerged, EXACT.reference);
      expect(c.ok, c.message).toBe(true);
      const tl = toTensors({ lora }) as TfPeftTinyGptParams;
      const merged = tfMerge(tb, tl.lora!);
      const a = read<Matrix[]>(() => tfTinyModel('tinygpt', CONFIG, merged.params, [x]).logits);
      const b = read<Matrix[]>(() => tfPeftTinyGpt(CONFIG, tb, tl, [x]).logits);
      tf.dispose([...merged.created, ...leavesOf(tl)]);
      for (const got of [a, b]) {
        const cc = compareNested(got, unmerged, PEFT_TFJS_VS_REFERENCE.tinyGpt);
        expect(cc.ok, cc.message).toBe(true);
      }
    }, MODEL_RUNS);
    tf.dispose(leavesOf(tb));
  });

  it('[course.peft.only-a-b-trained] on TinyGPT from PEFT init every lora_A gradient is 0 and some lora_B gradient is not; training LoRA, adapters, a prompt or a prefix leaves every base tensor bit-identical', async () => {
    const tb = toTensors(BASE) as TfTinyModelParams;
    const baseBefore = leavesOf(tb).map((t) => Array.from(t.dataSync()));
    const batch = { idx: [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]], targets: [[2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13]] };
    const asTensors = (p: PeftTinyGptParams<number>) => toTensors(p) as TfPeftTinyGptParams;
    const lora = asTensors(initPeftTinyGpt(CONFIG, { lora: { r: 2, alpha: 4, targets: ['query', 'value'] } }, seededRng(5)));
    const { grads } = peftGradients(CONFIG, tb, lora, batch);
    const gA = Object.values(grads.lora!.modules).flatMap((f) => Array.from(f.A.dataSync()));
    const gB = Object.values(grads.lora!.modules).flatMap((f) => Array.from(f.B.dataSync()));
    expect(gA.every((v) => v === 0)).toBe(true);
    expect(gB.some((v) => v !== 0)).toBe(true);
    tf.dispose(leavesOf(grads));
    for (const spec of [{ lora: { r: 2, alpha: 4, targets: ['query', 'value'] } }, { adapter: { bottleneck: 4 } }, { promptTokens: 3 }, { prefixTokens: 3 }] as const) {
      const peft = asTensors(initPeftTinyGpt(CONFIG, spec, seededRng(6)));
      const start = leavesOf(peft).map((t) => Array.from(t.dataSync()));
      const out = await trainPeft(CONFIG, tb, peft, { steps: 3, learningRate: 1e-2, batch: () => batch, loraDropout: 'lora' in spec ? 0.05 : undefined, seed: 1 });
      expect(leavesOf(tb).map((t) => Array.from(t.dataSync())), `${Object.keys(spec)[0]}: base tensors changed`).toEqual(baseBefore);
      expect(leavesOf(out.peft).some((t, i) => Array.from(t.dataSync()).some((v, j) => v !== start[i][j])), `${Object.keys(spec)[0]}: nothing trained`).toBe(true);
      tf.dispose([...leavesOf(peft), ...leavesOf(out.peft)]);
    }
    tf.dispose([...leavesOf(lora), ...leavesOf(tb)]);
  });
});

describe('parameter accounting', () => {
  it('every registry model\'s module list adds up to its configuration\'s count (BERT-base, GPT-2, GPT-3, LLaMA-7B, Qwen2.5-0.5B, TinyGPT, TinyBERT)', () => {
    for (const k of REGISTRY_NAMES) expect(baseParameterCount(registryModel(k)), k).toBe(referenceTotal(k));
    expect(referenceTotal('gpt2')).toBe(124439808n);
    expect(referenceTotal('llama-7b')).toBe(6738415616n);
    expect(referenceTotal('bert-base')).toBe(109482240n);
    expect(referenceTotal('qwen2.5-0.5b')).toBe(494032768n);
    expect(referenceTotal('tinygpt')).toBe(806192n); // scripts/export-fixtures.py: tinygpt_tutorial
    expect(parameterCount(MODEL_CONFIGS.gpt3)).toBe(174604259328n);
  });

  it('LoRA adds Σ r·(d_in + d_out) over the selected modules, linear in r; percent = 100·trainable/(base + added)', () => {
    const targets = fc.constantFrom<string[]>(['q_proj', 'v_proj'], ['c_attn'], ['c_attn', 'c_proj'], ['query', 'value'], ['fc1'], ['lm_head']);
    const models: Record<string, string> = { q_proj: 'llama-7b', c_attn: 'gpt2', query: 'bert-base', fc1: 'gpt3', lm_head: 'gpt2' };
    checkProperty<[string[], number]>('LoRA count is linear in r', targets, fc.integer({ min: 1, max: 256 }), (t, r) => {
      const spec = registryModel(models[t[0]]);
      const a = account(spec, { lora: { r, targets: t } });
      const one = account(spec, { lora: { r: 1, targets: t } });
      expect(a.trainable).toBe(BigInt(r) * one.trainable);
      expect(a.trainable).toBe(selectLoraModules(spec, t).reduce((s, m) => s + BigInt(r * (m.dIn + m.dOut)), 0n));
      expect(a.total).toBe(baseParameterCount(spec) + a.trainable);
      expect(Math.abs(a.percent - (100 * Number(a.trainable)) / Number(a.total))).toBeLessThanOrEqual(1e-12);
    });
  });

  it('PEFT\'s suffix rule: a target matches a name equal to it or ending in "." + target; c_proj selects attn.c_proj and mlp.c_proj, "proj" selects nothing', () => {
    const part = fc.stringMatching(/^[a-z_]{1,5}$/);
    checkProperty<[string[], number]>('suffix on whole components', fc.array(part, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 5 }), (parts, k) => {
      const name = parts.join('.');
      const tail = parts.slice(-Math.min(k, parts.length)).join('.');
      expect(matchesTarget(name, tail)).toBe(true);
      const last = parts[parts.length - 1];
      if (last.length > 1) expect(matchesTarget(name, last.slice(1))).toBe(name === last.slice(1));
    });
    const gpt2 = registryModel('gpt2');
    expect(selectLoraModules(gpt2, ['c_proj']).length).toBe(24);
    expect(selectLoraModules(gpt2, ['attn.c_proj']).length).toBe(12);
    expect(selectLoraModules(gpt2, ['mlp.c_proj']).every((m) => m.dIn === 3072)).toBe(true);
    expect(() => selectLoraModules(gpt2, ['proj'])).toThrow(PeftTargetError);
  });

  it('a target that matches nothing, or only norms, is a named error listing the adaptable modules; all-linear leaves out the output head', () => {
    const llama = registryModel('llama-7b');
    expect(() => account(llama, { lora: { r: 8, targets: ['q_proj', 'c_attn'] } })).toThrow(/LoRA target "c_attn" matches no module of LLaMA 7B .*self_attn\.q_proj, self_attn\.k_proj/);
    expect(() => account(llama, { lora: { r: 8, targets: ['input_layernorm'] } })).toThrow(/matches only rmsnorm modules/);
    const all = selectLoraModules(llama, 'all-linear');
    expect(all.length).toBe(32 * 7);
    expect(all.some((m) => m.name === 'lm_head')).toBe(false);
    expect(() => account(llama, { lora: { r: 0, targets: ['q_proj'] } })).toThrow(/rank r must be an integer ≥ 1/);
  });

  it('TinyGPT: the accounting equals the entries of the PEFT tensors actually built, for LoRA, adapters, prompt and prefix', () => {
    const spec = tinyModelSpec('tinygpt', CONFIG);
    const count = (t: unknown): number => (typeof t === 'number' ? 1 : Array.isArray(t) ? t.reduce((s: number, v) => s + count(v), 0) : t && typeof t === 'object' ? Object.values(t).reduce((s: number, v) => s + count(v), 0) : 0);
    const cases = fc.record({ r: fc.integer({ min: 1, max: 4 }), m: fc.integer({ min: 1, max: 8 }), P: fc.integer({ min: 1, max: 6 }), targets: fc.subarray(['query', 'key', 'value', 'mh.proj', 'net.0', 'net.2', 'lm_head'], { minLength: 1 }) });
    checkProperty<[Value<typeof cases>]>('TinyGPT accounting = tensor entries', cases, ({ r, m, P, targets }) => {
      const lora = initPeftTinyGpt(CONFIG, { lora: { r, alpha: 2 * r, targets } }, seededRng(r));
      expect(count(lora.lora!.modules)).toBe(Number(account(spec, { lora: { r, targets } }).trainable));
      expect(count(initPeftTinyGpt(CONFIG, { adapter: { bottleneck: m } }, seededRng(m)).adapters)).toBe(Number(account(spec, { adapter: { bottleneck: m } }).trainable));
      expect(count(initPeftTinyGpt(CONFIG, { promptTokens: P }, seededRng(P)).prompt)).toBe(Number(account(spec, { promptTokens: P }).trainable));
      expect(count(initPeftTinyGpt(CONFIG, { prefixTokens: P }, seededRng(P)).prefix)).toBe(Number(account(spec, { prefixTokens: P }).trainable));
    });
  });
});

describe('alignment objectives', () => {
  const reward = fc.double({ min: -8, max: 8, noNaN: true });
  const logp = fc.double({ min: -20, max: -0.01, noNaN: true });
  const beta = fc.double({ min: 0.01, max: 2, noNaN: true });

  it('[course.peft.reward-model] Bradley–Terry: L(a, b) − L(b, a) = b − a, L > 0, the ranking loss ignores a common shift; tfjs within PEFT_TFJS_VS_REFERENCE.alignment', () => {
    checkProperty<[number, number, number]>('BT loss identities', reward, reward, reward, (a, b, s) => {
      const l = RA.bradleyTerryLossWith(float64, a, b);
      expect(l).toBeGreaterThan(0);
      expect(Math.abs(l - RA.bradleyTerryLossWith(float64, b, a) - (b - a))).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(a - b)));
      const ranking = [a, b, s];
      expect(Math.abs(RA.rankingLoss(ranking) - RA.rankingLoss(ranking.map((v) => v + s)))).toBeLessThanOrEqual(1e-12);
      const got = read<number>(() => TA.rankingLoss(tf.tensor1d(ranking)));
      expect(compareNested(got, RA.rankingLoss(ranking), PEFT_TFJS_VS_REFERENCE.alignment).ok).toBe(true);
    });
  });

  it('[course.peft.ppo-clip-kl] PPO: L_CLIP ≤ ρÂ, and beyond the clip range in the profitable direction L is flat at (1 ± ε)Â', () => {
    const ratio = fc.double({ min: 0, max: 3, noNaN: true });
    const adv = fc.double({ min: -5, max: 5, noNaN: true });
    const eps = fc.double({ min: 0.05, max: 0.5, noNaN: true });
    checkProperty<[number, number, number]>('PPO clip bounds the update', ratio, adv, eps, (rho, A, e) => {
      const L = RA.ppoClipObjective(rho, A, e);
      expect(L).toBeLessThanOrEqual(rho * A + 1e-12);
      if (A > 0 && rho > 1 + e) expect(L).toBeCloseTo((1 + e) * A, 12);
      if (A < 0 && rho < 1 - e) expect(L).toBeCloseTo((1 - e) * A, 12);
      const got = read<number>(() => TA.ppoClipObjective(tf.scalar(rho), tf.scalar(A), e));
      expect(compareNested(got, L, PEFT_TFJS_VS_REFERENCE.alignment).ok).toBe(true);
    });
  });

  it('[course.peft.ppo-clip-kl] KL(p‖q) ≥ ½‖p − q‖₁² (Pinsker) ≥ 0, with KL(p‖p) = 0', () => {
    const positive = fc.double({ min: 0.01, max: 1, noNaN: true });
    const pair = fc.integer({ min: 2, max: 6 }).chain((k) => fc.tuple(fc.array(positive, { minLength: k, maxLength: k }), fc.array(positive, { minLength: k, maxLength: k })));
    const normalise = (v: number[]) => v.map((x) => x / v.reduce((s, y) => s + y, 0));
    checkProperty<[[number[], number[]]]>('Gibbs and Pinsker', pair, ([u, v]) => {
      const [p, q] = [normalise(u), normalise(v)];
      const l1 = p.reduce((s, v, i) => s + Math.abs(v - q[i]), 0);
      expect(RA.klDivergence(p, q)).toBeGreaterThanOrEqual(0.5 * l1 * l1 - 1e-12);
      expect(RA.klDivergence(p, p)).toBe(0);
    });
  });

  it('[course.peft.dpo] ln 2 whenever the policy equals the reference; ∂L/∂log π_w < 0 < ∂L/∂log π_l for any pair; tfjs autodiff within PEFT_TFJS_VS_REFERENCE.gradient of the analytic gradient', () => {
    checkProperty<[number, number, number, number, number]>('DPO loss and gradient', logp, logp, logp, logp, beta, (pc, pr, rc, rr, b) => {
      expect(RA.dpoLoss({ policyChosen: pc, policyRejected: pr, referenceChosen: pc, referenceRejected: pr }, b)).toBeCloseTo(Math.LN2, 14);
      const lp = { policyChosen: pc, policyRejected: pr, referenceChosen: rc, referenceRejected: rr };
      const g = RA.dpoGradientWith(float64, lp, b);
      expect(g.chosen).toBeLessThan(0);
      expect(g.rejected).toBeGreaterThan(0);
      expect(g.chosen).toBe(-g.rejected);
      const got = tf.tidy(() => tf.grads((c: tf.Tensor, r: tf.Tensor) => TA.dpoLoss({ policyChosen: c, policyRejected: r, referenceChosen: tf.scalar(rc), referenceRejected: tf.scalar(rr) }, b) as tf.Scalar)([tf.scalar(pc), tf.scalar(pr)]).map((t) => t.dataSync()[0]));
      const c = compareNested(got, [g.chosen, g.rejected], PEFT_TFJS_VS_REFERENCE.gradient);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it('[course.peft.dpo] discrimination: a DPO loss without β (β = 1 instead of 0.1) is rejected by PEFT_TFJS_VS_REFERENCE.alignment', () => {
    const lp = { policyChosen: -4, policyRejected: -3, referenceChosen: -4.5, referenceRejected: -3.2 };
    expect(compareNested(RA.dpoLoss(lp, 1), RA.dpoLoss(lp, 0.1), PEFT_TFJS_VS_REFERENCE.alignment).ok).toBe(false);
  });
});
