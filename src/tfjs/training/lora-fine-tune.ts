/**
 * A short LoRA fine-tune of the tutorial's TinyGPT, end to end, in TensorFlow.js — the workflow of
 * scratch §6.1 (freeze W₀, train the low-rank A and B, merge them into W₀ afterwards) at a size
 * that runs inside the test suite in a few seconds:
 *
 *   1. pre-train a TinyGPT (character level) on a first text, every parameter trainable;
 *   2. freeze it; attach LoRA (PEFT's initialisation, B = 0) to the targeted Linear modules;
 *   3. train only A and B on a second text, with LoRA dropout;
 *   4. merge W₀ + (α/r)·B A and compare the merged model's logits with the unmerged one's.
 *
 * Reported: the trainable share (as PEFT prints it), the second text's loss before and after
 * (evaluation mode, fixed windows), the largest change of any base parameter (0 when frozen),
 * and the merged-vs-unmerged logit difference. Both texts are the project's own sentences.
 * Deterministic: every draw comes from src/core/random.ts with fixed seeds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { account, tinyModelSpec } from '../../core/parameter-accounting.js';
import { seededRng, type Rng } from '../../core/random.js';
import { tinyParameterCount, tinyStateDictLayout, validateTinyConfig, type TinyConfig } from '../../core/tiny-config.js';
import { initPeftTinyGpt } from '../../reference/peft-tiny-gpt.js';
import { unflatten } from '../../core/state-dict.js';
import { minimiseWithAdam, leavesOf, mergeLoraIntoTinyGpt, peftTinyGpt, trainPeft, type Batch, type TfPeftTinyGptParams } from '../peft-tiny-gpt.js';
import { tinyModel, type TfTinyModelParams } from '../tiny-models.js';

export const PRETRAIN_TEXT =
  'rain falls on the hills and runs down to the river. the river carries it to the sea, the sun lifts it into clouds, and the clouds bring it back to the hills as rain.';
export const FINE_TUNE_TEXT =
  'the baker wakes before dawn, kneads the dough, lets it rise, shapes the loaves and bakes them until the crust is brown and the kitchen smells of bread.';

export interface FineTuneOptions {
  pretrainSteps: number;
  fineTuneSteps: number;
  r: number;
  alpha: number;
  targets: string[];
  loraDropout: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_FINE_TUNE: FineTuneOptions = { pretrainSteps: 30, fineTuneSteps: 30, r: 4, alpha: 8, targets: ['query', 'value'], loraDropout: 0.05, learningRate: 2e-2, seed: 2025 };

export interface FineTuneReport {
  config: TinyConfig;
  baseParameters: number;
  trainableParameters: number;
  /** PEFT's "all params": base + LoRA. */
  totalParameters: number;
  trainablePercent: number;
  /** Trainable numbers counted from the LoRA tensors themselves. */
  loraTensorEntries: number;
  adaptedModules: number;
  pretrainLoss: { first: number; last: number };
  /** Second text, evaluation mode, fixed windows. */
  fineTuneLoss: { before: number; after: number };
  /** Largest |Δ| over every base parameter across the fine-tune (0: untouched). */
  baseMaxChange: number;
  /** Largest |merged − unmerged| over the logits of the evaluation windows. */
  mergedVsUnmerged: number;
}

const BLOCK = 16;
const BATCH = 8;

/** Character vocabulary of both texts, sorted. */
export function vocabulary(): string[] {
  return [...new Set(PRETRAIN_TEXT + FINE_TUNE_TEXT)].sort();
}

function encode(text: string, vocab: string[]): number[] {
  return [...text].map((ch) => vocab.indexOf(ch));
}

/** B random windows (inputs, next-character targets) of length T from `ids`. */
function windows(ids: number[], rng: Rng, B: number, T: number): Batch {
  const idx: number[][] = [];
  const targets: number[][] = [];
  for (let b = 0; b < B; b++) {
    const i = rng.int(0, ids.length - T - 1);
    idx.push(ids.slice(i, i + T));
    targets.push(ids.slice(i + 1, i + T + 1));
  }
  return { idx, targets };
}

/** Evenly spaced windows covering the text: the fixed evaluation batch. */
function evaluationWindows(ids: number[], B: number, T: number): Batch {
  const step = Math.floor((ids.length - T - 1) / (B - 1));
  const starts = Array.from({ length: B }, (_, b) => b * step);
  return { idx: starts.map((i) => ids.slice(i, i + T)), targets: starts.map((i) => ids.slice(i + 1, i + T + 1)) };
}

/** PyTorch's default initialisation (nn.Linear: U(±1/√fan_in); nn.Embedding: N(0, 1); LayerNorm: 1, 0). */
function initialTinyGpt(config: TinyConfig, rng: Rng): { names: string[]; tensors: tf.Tensor[] } {
  const names: string[] = [];
  const tensors: tf.Tensor[] = [];
  const layout = tinyStateDictLayout('tinygpt', config);
  for (const [name, e] of layout) {
    if (e.buffer) continue;
    const size = e.shape.reduce((a, b) => a * b, 1);
    const fanIn = name.endsWith('.bias') ? layout.get(name.replace(/bias$/, 'weight'))!.shape[1] : e.shape[1];
    const draw = (): number => {
      if (/(^|\.)ln(\d|_f)\.weight$/.test(name)) return 1;
      if (/(^|\.)ln(\d|_f)\.bias$/.test(name)) return 0;
      if (/_embed\.weight$/.test(name)) return rng.normal();
      return rng.uniform(-1, 1) / Math.sqrt(fanIn);
    };
    names.push(name);
    tensors.push(tf.tensor(Float32Array.from({ length: size }, draw), e.shape));
  }
  return { names, tensors };
}

/** The value of a scalar tensor, read asynchronously; the tensor is disposed. */
async function readScalar(t: tf.Tensor): Promise<number> {
  const [v] = await t.data();
  t.dispose();
  return v;
}

const treeOf = (names: string[], tensors: tf.Tensor[]) => unflatten(names.map((n, i) => [n, tensors[i]])) as unknown as TfTinyModelParams;

export async function loraFineTuneTinyGpt(options: Partial<FineTuneOptions> = {}): Promise<FineTuneReport> {
  const o = { ...DEFAULT_FINE_TUNE, ...options };
  const vocab = vocabulary();
  const config = validateTinyConfig({ vocab_size: vocab.length, block_size: BLOCK, n_embed: 32, n_head: 4, n_layer: 2, dropout: 0.1 });
  const text1 = encode(PRETRAIN_TEXT, vocab);
  const text2 = encode(FINE_TUNE_TEXT, vocab);
  const rng = seededRng(o.seed);
  const T = BLOCK;
  const owned: tf.Tensor[] = [];
  try {
    // 1. pre-train every parameter on the first text
    const init = initialTinyGpt(config, rng);
    owned.push(...init.tensors);
    const pre = await minimiseWithAdam(init.tensors, (ts) => {
      const b = windows(text1, rng, BATCH, T);
      return tinyModel('tinygpt', config, treeOf(init.names, ts), b.idx, b.targets).loss!;
    }, o.pretrainSteps, o.learningRate);
    owned.push(...pre.trained);
    const base = treeOf(init.names, pre.trained);
    const baseBefore = await Promise.all(pre.trained.map((t) => t.data() as Promise<Float32Array>));

    // 2. LoRA on the frozen base (PEFT init: B = 0)
    const peftInit = initPeftTinyGpt(config, { lora: { r: o.r, alpha: o.alpha, targets: o.targets } }, seededRng(o.seed + 1));
    const lora: TfPeftTinyGptParams = { lora: { alpha: o.alpha, modules: Object.fromEntries(Object.entries(peftInit.lora!.modules).map(([n, f]) => [n, { A: tf.tensor2d(f.A), B: tf.tensor2d(f.B) }])) } };
    owned.push(...leavesOf(lora));
    const accounting = account(tinyModelSpec('tinygpt', config), { lora: { r: o.r, alpha: o.alpha, targets: o.targets } });
    const evalBatch = evaluationWindows(text2, BATCH, T);
    const evalLoss = (p: TfPeftTinyGptParams) => readScalar(tf.tidy(() => peftTinyGpt(config, base, p, evalBatch.idx, evalBatch.targets).loss!));
    const before = await evalLoss(lora);

    // 3. train A and B only, with LoRA dropout
    const ftRng = seededRng(o.seed + 2);
    const tuned = await trainPeft(config, base, lora, { steps: o.fineTuneSteps, learningRate: o.learningRate, batch: () => windows(text2, ftRng, BATCH, T), loraDropout: o.loraDropout, seed: o.seed });
    owned.push(...leavesOf(tuned.peft));
    const after = await evalLoss(tuned.peft);
    const baseAfter = await Promise.all(pre.trained.map((t) => t.data() as Promise<Float32Array>));
    const baseMaxChange = baseAfter.reduce((m, now, i) => now.reduce((mm, v, j) => Math.max(mm, Math.abs(v - baseBefore[i][j])), m), 0);

    // 4. merge and compare logits
    const merged = mergeLoraIntoTinyGpt(base, tuned.peft.lora!);
    owned.push(...merged.created);
    const mergedVsUnmerged = await readScalar(
      tf.tidy(() => {
        const a = peftTinyGpt(config, base, tuned.peft, evalBatch.idx).logits;
        const b = tinyModel('tinygpt', config, merged.params, evalBatch.idx).logits;
        return tf.max(tf.abs(tf.sub(a, b)));
      }),
    );
    const loraTensorEntries = leavesOf(tuned.peft).reduce((s, t) => s + t.size, 0);
    return {
      config,
      baseParameters: tinyParameterCount('tinygpt', config),
      trainableParameters: Number(accounting.trainable),
      totalParameters: Number(accounting.total),
      trainablePercent: accounting.percent,
      loraTensorEntries,
      adaptedModules: Object.keys(tuned.peft.lora!.modules).length,
      pretrainLoss: { first: pre.losses[0], last: pre.losses[pre.losses.length - 1] },
      fineTuneLoss: { before, after },
      baseMaxChange,
      mergedVsUnmerged,
    };
  } finally {
    tf.dispose(owned);
  }
}
