/**
 * TinyGPT with parameter-efficient fine-tuning in TensorFlow.js (float32), batched; the formula,
 * module names, positions and rules are those of src/reference/peft-tiny-gpt.ts:
 *
 *   prompt: x⁰ = [prompt; token_embed[idx]] + pos_embed[0 … P+T−1]     prefix: tokens at P … P+T−1,
 *   every head attends to [prefix_ℓ; own keys/values];  LoRA on the Linear modules named in
 *   peft.lora.modules;  adapters after each sub-layer;  logits (B × T × V) at the real tokens.
 *
 * Training (`trainPeft`): gradients are taken with respect to the PEFT tensors only — the base
 * tensors are constants of the loss, so no optimiser step can reach them — and Adam (Kingma & Ba
 * 2015; β₁ 0.9, β₂ 0.999, ε 1e-8) updates them. LoRA dropout, when given, is seeded per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import type { TinyConfig } from '../core/tiny-config.js';
import { checkLoraShapes } from '../reference/lora.js';
import { checkPeftShapes, type PeftShapes } from '../reference/peft-tiny-gpt.js';
import { checkTokens } from '../reference/tiny-models.js';
import { adapter, type TfAdapterParams } from './adapter.js';
import { activation } from './activations.js';
import { layerNorm } from './layer-norm.js';
import { linear, type TfLinearParams } from './linear.js';
import { createAdamW } from './adamw.js';
import { dropout as dropoutLayer } from './dropout.js';
import { loraLinear, mergeLora, type TfLoraFactors } from './lora.js';
import { causalMask } from './masks.js';
import { prefixAttention } from './prefix-tuning.js';
import { prependPrompt } from './prompt-tuning.js';
import { attentionUnchecked } from './scaled-dot-product-attention.js';
import { crossEntropy, embeddingLookup, type TfTinyModelParams } from './tiny-models.js';

export interface TfPeftTinyGptParams {
  lora?: { alpha: number; modules: Record<string, TfLoraFactors> };
  adapters?: { attn: TfAdapterParams; ff: TfAdapterParams }[];
  prompt?: tf.Tensor;
  prefix?: { keys: tf.Tensor[]; values: tf.Tensor[] };
}

export function tfPeftShapes(p: TfPeftTinyGptParams): PeftShapes {
  return {
    ...(p.lora ? { lora: { alpha: p.lora.alpha, modules: Object.fromEntries(Object.entries(p.lora.modules).map(([n, f]) => [n, { A: f.A.shape, B: f.B.shape }])) } } : {}),
    ...(p.adapters ? { adapters: p.adapters.map((a) => ({ attn: { down: a.attn.down.weight.shape, up: a.attn.up.weight.shape }, ff: { down: a.ff.down.weight.shape, up: a.ff.up.weight.shape } })) } : {}),
    ...(p.prompt ? { prompt: p.prompt.shape } : {}),
    ...(p.prefix ? { prefix: { keys: p.prefix.keys.map((t) => t.shape), values: p.prefix.values.map((t) => t.shape) } } : {}),
  };
}

export interface PeftForwardOptions {
  /** Training only: LoRA dropout probability and a seed (each adapted module draws its own mask). */
  loraDropout?: { p: number; seed: number };
}

export function peftTinyGpt(
  config: TinyConfig,
  base: TfTinyModelParams,
  peft: TfPeftTinyGptParams,
  idx: number[][],
  targets?: number[][],
  options: PeftForwardOptions = {},
): { logits: tf.Tensor; loss?: tf.Scalar } {
  checkTokens(idx, config);
  const [B, T] = [idx.length, idx[0].length];
  const offset = checkPeftShapes(config, tfPeftShapes(peft), T);
  if (!base.lm_head) throw new ShapeError('tinygpt parameters need lm_head.weight and .bias');
  if (targets && (targets.length !== B || targets.some((t) => t.length !== T))) throw new ShapeError(`targets must have the shape of tokens (${B} × ${T})`);
  const nPrompt = peft.prompt ? peft.prompt.shape[0]! : 0;
  const H = config.n_head;
  const hs = config.n_embed / H;
  let dropoutCall = 0;
  const lin = (name: string, x: tf.Tensor, p: TfLinearParams): tf.Tensor => {
    const f = peft.lora?.modules[name];
    if (!f) return linear(x, p, name);
    const d = options.loraDropout;
    return loraLinear(x, { base: p, ...f }, { alpha: peft.lora!.alpha, ...(d ? { dropout: { p: d.p, seed: d.seed * 1000 + dropoutCall++ } } : {}) }, name);
  };
  return tf.tidy(() => {
    const tokens = embeddingLookup(base.token_embed.weight, idx); // (B × T × C)
    const inputs = peft.prompt ? prependPrompt(peft.prompt, tokens) : tokens; // (B × n × C), n = P_prompt + T
    const n = inputs.shape[1]!;
    const first = peft.prompt ? 0 : offset;
    let x = tf.add(inputs, tf.slice(base.pos_embed.weight, [first, 0], [n, -1])); // rows first … first+n−1, broadcast over B
    base.blocks.forEach((b, l) => {
      const a = layerNorm(x, b.ln1, 1e-5, 'ln1'); // (B × n × C)
      const project = (role: 'query' | 'key' | 'value') => {
        const names = b.mh.heads.map((_, hi) => `blocks.${l}.mh.heads.${hi}.${role}`);
        const w = tf.concat(b.mh.heads.map((h) => h[role].weight), 0); // the heads' rows stacked: (H·hs × C)
        let y = linear(a, { weight: w }, `heads.*.${role}`); // (B × n × H·hs)
        const factors = names.map((nm) => peft.lora?.modules[nm]);
        if (factors.some((f) => f)) y = tf.add(y, headLoraBranches(a, factors, peft.lora!.alpha, hs, options.loraDropout && { p: options.loraDropout.p, seed: options.loraDropout.seed * 1000 + dropoutCall++ }));
        return tf.transpose(tf.reshape(y, [B, n, H, hs]), [0, 2, 1, 3]); // (B × H × n × hs)
      };
      const [q, k, v] = [project('query'), project('key'), project('value')];
      const heads = peft.prefix
        ? prefixAttention(q, k, v, peft.prefix.keys[l], peft.prefix.values[l]) // (B × H × n × hs)
        : attentionUnchecked(q, k, v, 1 / Math.sqrt(hs), causalMask(n, n), -Infinity).output;
      const merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [B, n, H * hs]); // (B × n × H·hs)
      let attn = lin(`blocks.${l}.mh.proj`, merged, b.mh.proj); // (B × n × C)
      if (peft.adapters) attn = adapter(attn, peft.adapters[l].attn, 'gelu', `adapters.${l}.attn`);
      const h = tf.add(x, attn);
      const a2 = layerNorm(h, b.ln2, 1e-5, 'ln2');
      let ff = lin(`blocks.${l}.ff.net.2`, activation(lin(`blocks.${l}.ff.net.0`, a2, b.ff.net[0]), 'gelu'), b.ff.net[2]); // (B × n × 4C) → (B × n × C)
      if (peft.adapters) ff = adapter(ff, peft.adapters[l].ff, 'gelu', `adapters.${l}.ff`);
      x = tf.add(h, ff);
    });
    const all = lin('lm_head', layerNorm(x, base.ln_f, 1e-5, 'ln_f'), base.lm_head!); // (B × n × V)
    const logits = nPrompt ? tf.slice(all, [0, nPrompt, 0], [-1, -1, -1]) : all; // (B × T × V)
    if (!targets) return { logits };
    const V = config.vocab_size;
    const loss = crossEntropy(tf.reshape(logits, [B * T, V]), tf.tensor1d(targets.flat(), 'int32'), -100);
    return { logits, loss };
  }) as { logits: tf.Tensor; loss?: tf.Scalar };
}

/**
 * The LoRA branches of one role's per-head Linear layers, computed for all heads at once:
 * head h adds (α/r)·drop_h(x) A_hᵀ B_hᵀ to its hs output columns (zero for a head without LoRA).
 * Each head draws its own dropout mask, as separate PEFT modules would.
 * x (B × n × C) → (B × n × H·hs).
 */
function headLoraBranches(x: tf.Tensor, factors: (TfLoraFactors | undefined)[], alpha: number, hs: number, dropout?: { p: number; seed: number }): tf.Tensor {
  const [B, n, C] = x.shape as [number, number, number];
  const H = factors.length;
  const r = Math.max(...factors.map((f) => f?.A.shape[0] ?? 0));
  factors.forEach((f, h) => {
    if (f) checkLoraShapes(f.A.shape, f.B.shape, alpha, [hs, C]);
    if (f && f.A.shape[0] !== r) throw new ShapeError(`the heads of one role must share the LoRA rank (head ${h} has ${f.A.shape[0]}, another ${r})`);
  });
  return tf.tidy(() => {
    const A = tf.stack(factors.map((f) => f?.A ?? tf.zeros([r, C]))); // (H × r × C), zeros for heads without LoRA
    const Bm = tf.stack(factors.map((f) => f?.B ?? tf.zeros([hs, r]))); // (H × hs × r)
    let xh = tf.tile(tf.expandDims(tf.reshape(x, [B * n, C]), 0), [H, 1, 1]); // (H × B·n × C)
    if (dropout && dropout.p > 0) xh = dropoutLayer(xh, dropout.p, { training: true, seed: dropout.seed });
    const down = tf.matMul(xh, A, false, true); // (H × B·n × C)(H × C × r) → (H × B·n × r)
    const up = tf.matMul(down, Bm, false, true); // (H × B·n × r)(H × r × hs) → (H × B·n × hs)
    return tf.mul(tf.reshape(tf.transpose(up, [1, 0, 2]), [B, n, H * hs]), alpha / r); // (B × n × H·hs)
  });
}

/** The base tree with each LoRA-adapted Linear merged (new tensors for those; the others shared). */
export function mergeLoraIntoTinyGpt(base: TfTinyModelParams, lora: NonNullable<TfPeftTinyGptParams['lora']>): { params: TfTinyModelParams; created: tf.Tensor[] } {
  const created: tf.Tensor[] = [];
  const copy = (node: unknown, path: string): unknown => {
    if (node instanceof tf.Tensor) return node;
    if (Array.isArray(node)) return node.map((v, i) => (v === undefined ? undefined : copy(v, path ? `${path}.${i}` : String(i))));
    if (node && typeof node === 'object') {
      const f = lora.modules[path];
      if (f && 'weight' in node) {
        const m = mergeLora({ base: node as TfLinearParams, ...f }, { alpha: lora.alpha });
        created.push(m.weight, ...(m.bias ? [m.bias] : []));
        return m;
      }
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, copy(v, path ? `${path}.${k}` : k)]));
    }
    return node;
  };
  return { params: copy(base, '') as TfTinyModelParams, created };
}

// ---------------------------------------------------------------------------------------------
// Training the PEFT tensors

/** Every tensor of a tree, in a fixed (insertion) order. */
export function leavesOf(tree: unknown): tf.Tensor[] {
  if (tree instanceof tf.Tensor) return [tree];
  if (Array.isArray(tree)) return tree.flatMap(leavesOf);
  if (tree && typeof tree === 'object') return Object.values(tree).flatMap(leavesOf);
  return [];
}

/** The same tree with its tensors replaced, in leavesOf order. */
export function withLeaves<T>(tree: T, leaves: readonly tf.Tensor[]): T {
  let i = 0;
  const walk = (node: unknown): unknown => {
    if (node instanceof tf.Tensor) return leaves[i++];
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  const out = walk(tree) as T;
  if (i !== leaves.length) throw new ShapeError(`the tree has ${i} tensors but ${leaves.length} were given`);
  return out;
}

export interface Batch {
  idx: number[][];
  targets: number[][];
}

/** Gradients of the loss with respect to each PEFT tensor (same tree shape); the caller disposes them. */
export function peftGradients(config: TinyConfig, base: TfTinyModelParams, peft: TfPeftTinyGptParams, batch: Batch): { loss: number; grads: TfPeftTinyGptParams } {
  const xs = leavesOf(peft);
  const { value, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) => peftTinyGpt(config, base, withLeaves(peft, ts), batch.idx, batch.targets).loss!)(xs);
  const loss = value.dataSync()[0];
  value.dispose();
  return { loss, grads: withLeaves(peft, grads) };
}

export interface TrainOptions {
  steps: number;
  learningRate: number;
  /** The batch for step s (seeded by the caller). */
  batch: (step: number) => Batch;
  loraDropout?: number;
  seed?: number;
}

/**
 * `steps` steps of Adam (createAdamW of src/tfjs/adamw.ts with weight decay 0: β₁ 0.9, β₂ 0.999,
 * ε 1e-8) on copies of the given tensors, which stay as they were (owned by the caller); returns
 * the trained copies and the loss of every step, measured before that step's update.
 * `loss(xs, step)` must build the scalar from `xs` only through tf ops. Losses are read back
 * asynchronously (no synchronous read-back: see src/tfjs/index.ts).
 */
export async function minimiseWithAdam(initial: readonly tf.Tensor[], loss: (xs: tf.Tensor[], step: number) => tf.Scalar, steps: number, learningRate: number): Promise<{ trained: tf.Tensor[]; losses: number[] }> {
  const variables = initial.map((t) => tf.tidy(() => tf.variable(t.clone(), true))); // the clone is freed by tidy, the variable keeps its data
  const optimizer = createAdamW(variables, { lr: learningRate, weightDecay: 0 });
  const losses: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const { value, grads } = tf.variableGrads(() => loss(variables, s), variables);
      optimizer.apply(variables.map((v) => grads[v.name]));
      losses.push((await value.data())[0]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    return { trained: variables.map((v) => v.clone()), losses };
  } finally {
    optimizer.dispose();
    tf.dispose(variables);
  }
}

export async function trainPeft(config: TinyConfig, base: TfTinyModelParams, peft: TfPeftTinyGptParams, o: TrainOptions): Promise<{ peft: TfPeftTinyGptParams; losses: number[] }> {
  const { trained, losses } = await minimiseWithAdam(
    leavesOf(peft),
    (ts, step) => {
      const batch = o.batch(step);
      const dropout = o.loraDropout ? { loraDropout: { p: o.loraDropout, seed: (o.seed ?? 0) * 100003 + step } } : {};
      return peftTinyGpt(config, base, withLeaves(peft, ts), batch.idx, batch.targets, dropout).loss!;
    },
    o.steps,
    o.learningRate,
  );
  return { peft: withLeaves(peft, trained), losses };
}
