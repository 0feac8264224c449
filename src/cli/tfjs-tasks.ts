/**
 * What the CLI computes with tfjs, as named tasks over plain data: the attention steps of `explain
 * attention`, the tables of `explain positional-encoding` and `explain rope`, the logits and loss of
 * `forward` (TinyGPT, TinyBERT, TinyLlama) and the tokens of `generate`.
 *
 * Each task takes and returns plain values (nested arrays, Maps of float32 tensors), never a
 * tensor, so the same task runs in two places: in this Node process on Node's backends (wasm, cpu,
 * tensorflow, gpu), and in the headless-Chromium page of src/browser/ on tfjs's GPU backends
 * (TFJS_BACKEND=webgl|webgpu; src/cli/tfjs-backend.ts picks the place). The page bundles this very
 * module, so the code that runs on the GPU is the code that runs here.
 *
 * Browser-safe: no file access (the CLI reads files in Node and passes their values), and every
 * read-back is asynchronous (a synchronous one returns zeros on WebGPU and loses the device).
 * A NaN or ±∞ read back means float32 overflowed on the device: refused by name
 * (src/core/numeric-conventions.ts, rule 4). Every tensor a task makes is disposed before it returns.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorContainer } from '@tensorflow/tfjs-core';
import type { TinyLlamaConfig } from '../core/llama-config.js';
import { checkReadBack } from '../core/numeric-conventions.js';
import { seededRng } from '../core/random.js';
import type { TinyConfig, TinyKind } from '../core/tiny-config.js';
import { generateTokensAsync, type SamplingOptions } from '../reference/sampling.js';
import type { GeneralAttentionOptions, Nested } from '../reference/attention.js';
import type { RopeOptions } from '../reference/rope.js';
import { attention } from '../tfjs/attention.js';
import { rope } from '../tfjs/rope.js';
import { distributionOfAsync, tinyGptNextLogitsAsync } from '../tfjs/sampling.js';
import { sinusoidalEncoding } from '../tfjs/sinusoidal-encoding.js';
import { tinyLlama } from '../tfjs/tiny-llama.js';
import { tinyModel } from '../tfjs/tiny-models.js';
import { tfjsTinyParams, type LoadedTinyWeights } from '../ops/tiny-weights.js';

/** A model's weights as the CLI read them: state_dict names in order, each a float32 tensor's values and shape. */
export type FlatWeights = Pick<LoadedTinyWeights, 'names' | 'tensors'>;

/** Reads a tensor asynchronously, refusing NaN/±∞ by name, and disposes it. */
async function readChecked(t: tf.Tensor, name: string, allowNegInf = false): Promise<Nested> {
  try {
    const values = (await t.array()) as Nested;
    checkReadBack(values as number[], name, { allowNegInf });
    return values;
  } finally {
    t.dispose();
  }
}

async function withTensors<R>(make: () => tf.Tensor[], run: (ts: tf.Tensor[]) => Promise<R>): Promise<R> {
  const ts = make();
  try {
    return await run(ts);
  } finally {
    tf.dispose(ts);
  }
}

export const TFJS_TASKS = {
  /** Every step of general attention (q: (…, n_q, d_k), k: (…, n_k, d_k), v: (…, n_k, d_v)). */
  attentionSteps: ({ q, k, v, options }: { q: Nested; k: Nested; v: Nested; options: GeneralAttentionOptions }) =>
    withTensors(
      () => [tf.tensor(q as number[]), tf.tensor(k as number[]), tf.tensor(v as number[])],
      async ([tq, tk, tv]) => {
        const steps = attention(tq, tk, tv, { ...options, steps: true }) as unknown as Record<string, tf.Tensor>; // scores, scaled, …, output
        const out: Record<string, Nested> = {};
        try {
          for (const [name, t] of Object.entries(steps)) {
            out[name] = (await t.array()) as Nested;
            checkReadBack(out[name] as number[], name, { allowNegInf: name === 'masked' || name === 'biased' });
          }
        } finally {
          tf.dispose(Object.values(steps));
        }
        return out;
      },
    ),

  /** The sinusoidal table, positions × d. */
  sinusoidalEncoding: ({ positions, d, base }: { positions: number; d: number; base: number }) =>
    readChecked(sinusoidalEncoding(positions, d, { base }), 'positional encoding') as Promise<number[][]>,

  /** RoPE applied to the rows of x (n × d). */
  rope: ({ x, options }: { x: number[][]; options: RopeOptions }) => readChecked(tf.tidy(() => rope(tf.tensor2d(x), options)), 'rotated') as Promise<number[][]>,

  /** TinyGPT or TinyBERT in evaluation mode: logits (B × T × V) and, given targets, the loss. */
  tinyModel: async ({ kind, config, weights, idx, targets }: { kind: TinyKind; config: TinyConfig; weights: FlatWeights; idx: number[][]; targets?: number[][] }) => {
    const params = tfjsTinyParams(weights);
    try {
      const out = tinyModel(kind, config, params, idx, targets);
      const logits = (await readChecked(out.logits, 'logits')) as number[][][];
      const loss = out.loss ? ((await readChecked(out.loss, 'loss')) as number) : undefined;
      return { logits, ...(loss === undefined ? {} : { loss }) };
    } finally {
      tf.dispose(params as unknown as TensorContainer);
    }
  },

  /** TinyLlama (LlamaForCausalLM architecture): logits (B × T × V) and, given targets, the loss. */
  tinyLlama: async ({ config, weights, idx, targets }: { config: TinyLlamaConfig; weights: FlatWeights; idx: number[][]; targets?: number[][] }) => {
    const params = tfjsTinyParams(weights); // the same name → float32 tensor tree, whatever the model
    try {
      const out = tinyLlama(config, params as never, idx, targets);
      const logits = (await readChecked(out.logits, 'logits')) as number[][][];
      const loss = out.loss ? ((await readChecked(out.loss, 'loss')) as number) : undefined;
      return { logits, ...(loss === undefined ? {} : { loss }) };
    } finally {
      tf.dispose(params as unknown as TensorContainer);
    }
  },

  /** TinyGPT's generation loop (evaluation mode), greedy or sampled from a seeded generator: the tokens. */
  generate: async ({ config, weights, prompt, maxNewTokens, seed, greedy, sampling }: { config: TinyConfig; weights: FlatWeights; prompt: number[]; maxNewTokens: number; seed: number; greedy: boolean; sampling: SamplingOptions }) => {
    const params = tfjsTinyParams(weights);
    try {
      const next = tinyGptNextLogitsAsync(config, params);
      const checked = async (context: number[]) => {
        const z = await next(context);
        checkReadBack(z, 'next-token logits');
        return z;
      };
      const r = await generateTokensAsync(checked, prompt, { blockSize: config.block_size, maxNewTokens, rng: seededRng(seed), greedy, ...sampling, ...(greedy ? {} : { distribution: distributionOfAsync(sampling) }) });
      return r.tokens;
    } finally {
      tf.dispose(params as unknown as TensorContainer);
    }
  },
};

export type TfjsTaskName = keyof typeof TFJS_TASKS;
export type TfjsTaskArgs<K extends TfjsTaskName> = Parameters<(typeof TFJS_TASKS)[K]>[0];
export type TfjsTaskResult<K extends TfjsTaskName> = Awaited<ReturnType<(typeof TFJS_TASKS)[K]>>;

/** Runs a task in this process (the backend tfjs already runs on). */
export function runTfjsTask<K extends TfjsTaskName>(task: K, args: TfjsTaskArgs<K>): Promise<TfjsTaskResult<K>> {
  return (TFJS_TASKS[task] as (a: TfjsTaskArgs<K>) => Promise<TfjsTaskResult<K>>)(args);
}
