/**
 * The tutorial's training loop (scratch §3.4 TinyBERT, §4.4 TinyGPT) on TensorFlow.js:
 *
 *   for step = 1 … S:                         (the tutorial calls each step an "epoch")
 *     x, y   = get_batch()                     one random batch of B windows of T tokens
 *     loss   = cross-entropy(model(x), y)      training mode: dropout on
 *     g      = ∇ loss                          (optionally clipped to a global norm)
 *     θ      = AdamW(θ, g, η_step)             (η from a warm-up + cosine schedule, if given)
 *
 * TinyBERT's batches carry masked-token labels (−100 where nothing is asked), TinyGPT's the next
 * tokens. Everything random is seeded: weights from `seed`, batches and masks from a second
 * stream, dropout masks from a third, so a run is reproducible on one backend (float32 sums may
 * round differently on another, and the runs then drift apart slowly).
 *
 * The trainer owns its variables and optimiser state: call dispose() when done.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../tfjs/index.js'; // registers the gradients tf.variableGrads needs
import { ArgumentError, RangeArgumentError } from '../core/errors.js';
import { seededRng, type Rng } from '../core/random.js';
import type { TinyConfig, TinyKind } from '../core/tiny-config.js';
import type { LoadedTinyWeights } from '../ops/tiny-weights.js';
import { type AdamWOptions } from '../reference/adamw.js';
import { warmupCosineLr, type WarmupCosineOptions } from '../reference/lr-schedule.js';
import { unflatten } from '../core/state-dict.js';
import { createAdamW, type TfAdamW } from '../tfjs/adamw.js';
import { clipGradNorm, clipGradNormAsync } from '../tfjs/grad-clip.js';
import { canReadSynchronously } from '../tfjs/validate.js';
import { tinyModel, type TfTinyModelParams } from '../tfjs/tiny-models.js';
import { trainingOps } from '../tfjs/training/training-op-set.js';
import { nextTokenBatch, tutorialBertBatch } from './batches.js';
import { initTinyWeights } from './init.js';

export interface TrainOptions {
  kind: TinyKind;
  config: TinyConfig;
  /** The encoded training text. */
  data: readonly number[];
  batchSize: number;
  /** Window length T (≤ config.block_size). */
  blockSize: number;
  seed: number;
  optimizer?: AdamWOptions;
  /** A warm-up + cosine schedule overrides optimizer.lr step by step. */
  schedule?: WarmupCosineOptions;
  /** Clip the global gradient norm to this value before each step. */
  clipNorm?: number;
  /** TinyBERT: ordinary tokens 0…maskTokenId−1, [MASK] = maskTokenId. */
  maskTokenId?: number;
  /** Start from these weights instead of a fresh initialisation. */
  initial?: LoadedTinyWeights;
}

export interface StepReport {
  /** 1-based. */
  step: number;
  loss: number;
  /** The learning rate used by this step. */
  lr: number;
  /** TinyBERT: share of the batch's labelled positions whose argmax equals the label (training mode). */
  accuracy?: number;
  /** Global gradient norm before clipping (only when clipping). */
  gradNorm?: number;
}

export interface Trainer {
  readonly options: TrainOptions;
  /** The model's parameters as tf.Variables (owned by the trainer). */
  readonly params: TfTinyModelParams;
  readonly names: readonly string[];
  readonly stepsTaken: number;
  /** Runs one step; `withAccuracy` also reads back TinyBERT's predictions for the log. */
  step(withAccuracy?: boolean): StepReport;
  /**
   * The same step, reading the loss (and the gradient norm) back asynchronously: the only form on
   * webgpu, where a synchronous read loses the device. No accuracy (the log's TinyBERT column).
   */
  stepAsync(): Promise<StepReport>;
  /** Current weights as a state_dict (float32 copies), e.g. to save or to evaluate on the reference. */
  weights(): LoadedTinyWeights;
  dispose(): void;
}

let trainerCount = 0;

export function createTrainer(options: TrainOptions): Trainer {
  const { kind, config, data, batchSize, blockSize, seed } = options;
  if (!Number.isInteger(seed)) throw new RangeArgumentError(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > config.block_size) throw new RangeArgumentError(`blockSize must be an integer in 1…block_size (${config.block_size}), got ${blockSize}`);
  if (kind === 'tinybert' && (options.maskTokenId === undefined || options.maskTokenId !== config.vocab_size - 1)) {
    throw new RangeArgumentError(`TinyBERT training needs maskTokenId = vocab_size − 1 = ${config.vocab_size - 1} (the [MASK] token after the ordinary words), got ${options.maskTokenId}`);
  }
  const initial = options.initial ?? initTinyWeights(kind, config, seededRng(seed), `initialisation (seed ${seed})`);
  const batchRng: Rng = seededRng((seed ^ 0x5bd1e995) >>> 0);
  const dropoutRng: Rng = seededRng((seed ^ 0x27d4eb2f) >>> 0);
  const ops = trainingOps({ p: config.dropout, nextSeed: () => dropoutRng.int(0, 2 ** 31 - 1) }); // the trainer's op set, chosen once

  const runId = `trainer${++trainerCount}`;
  const names = initial.names.filter((n) => !n.endsWith('.tril'));
  const variables = names.map((n) => {
    const t = initial.tensors.get(n)!;
    return tf.tidy(() => tf.variable(tf.tensor(t.values, t.shape, 'float32'), true, `${runId}/${n}`)); // the initial value is freed by tidy
  });
  const params = unflatten(names.map((n, i) => [n, variables[i]])) as unknown as TfTinyModelParams;
  const optimizer: TfAdamW = createAdamW(variables, options.optimizer);
  let stepsTaken = 0;

  /** The next optimiser step's learning rate and batch (the same draws for step and stepAsync). */
  function nextBatch(): { lr: number; inputs: number[][]; targets: number[][] } {
    const k = stepsTaken; // 0-based index of this optimiser step
    const lr = options.schedule ? warmupCosineLr(k, options.schedule) : (options.optimizer?.lr ?? 1e-3);
    if (kind === 'tinybert') {
      // A batch without any label has an undefined loss (0/0): draw again (probability 0.85^(B·T), 1e-18 at 32 × 8).
      const draw = () => tutorialBertBatch(data, { batchSize, blockSize, rng: batchRng, vocabSize: options.maskTokenId!, maskTokenId: options.maskTokenId! });
      let b = draw();
      while (b.labels.flat().every((t) => t === -100)) b = draw();
      return { lr, inputs: b.inputs, targets: b.labels };
    }
    const b = nextTokenBatch(data, { batchSize, blockSize, rng: batchRng });
    return { lr, inputs: b.inputs, targets: b.targets };
  }

  /** Replace the raw gradients by their clipped copies (freeing the raw ones). */
  function takeClipped(raw: tf.Tensor[], clipped: { grads: tf.Tensor[]; totalNorm: number }): { list: tf.Tensor[]; gradNorm: number } {
    tf.dispose(raw);
    return { list: clipped.grads, gradNorm: clipped.totalNorm };
  }

  /** Apply AdamW with the (clipped) gradients and free the step's tensors. */
  function applyStep(value: tf.Tensor, list: tf.Tensor[], lr: number): void {
    optimizer.apply(list, lr);
    tf.dispose([value, ...list]);
    stepsTaken += 1;
  }

  function step(withAccuracy = false): StepReport {
    if (!canReadSynchronously()) throw new ArgumentError(`Trainer.step reads the loss synchronously, which loses the device on ${tf.getBackend()}: use stepAsync`);
    const { lr, inputs, targets } = nextBatch();
    let accuracy: number | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = tinyModel(kind, config, params, inputs, targets, { ops });
      if (withAccuracy && kind === 'tinybert') {
        const preds = tf.argMax(out.logits, -1).dataSync(); // (B·T) row-major
        const flat = targets.flat();
        let labelled = 0;
        let correct = 0;
        flat.forEach((t, i) => {
          if (t === -100) return;
          labelled += 1;
          if (preds[i] === t) correct += 1;
        });
        accuracy = correct / labelled;
      }
      return out.loss!;
    }, variables);
    const loss = value.dataSync()[0];
    let list = variables.map((v) => grads[v.name]);
    let gradNorm: number | undefined;
    if (options.clipNorm !== undefined) ({ list, gradNorm } = takeClipped(list, clipGradNorm(list, options.clipNorm)));
    applyStep(value, list, lr);
    return { step: stepsTaken, loss, lr, ...(accuracy === undefined ? {} : { accuracy }), ...(gradNorm === undefined ? {} : { gradNorm }) };
  }

  async function stepAsync(): Promise<StepReport> {
    const { lr, inputs, targets } = nextBatch();
    const { value, grads } = tf.variableGrads(() => tinyModel(kind, config, params, inputs, targets, { ops }).loss!, variables);
    const loss = (await value.data())[0];
    let list = variables.map((v) => grads[v.name]);
    let gradNorm: number | undefined;
    if (options.clipNorm !== undefined) ({ list, gradNorm } = takeClipped(list, await clipGradNormAsync(list, options.clipNorm)));
    applyStep(value, list, lr);
    return { step: stepsTaken, loss, lr, ...(gradNorm === undefined ? {} : { gradNorm }) };
  }

  function weights(): LoadedTinyWeights {
    const tensors = new Map(initial.names.map((n) => {
      const i = names.indexOf(n);
      const t = initial.tensors.get(n)!;
      return [n, i === -1 ? { shape: [...t.shape], values: t.values.slice() } : { shape: [...t.shape], values: Float32Array.from(variables[i].dataSync()) }];
    }));
    return { names: [...initial.names], tensors, layout: 'state_dict', source: `${kind} after ${stepsTaken} steps (seed ${seed})` };
  }

  return {
    options,
    params,
    names,
    get stepsTaken() {
      return stepsTaken;
    },
    step,
    stepAsync,
    weights,
    dispose() {
      optimizer.dispose();
      tf.dispose(variables);
    },
  };
}
