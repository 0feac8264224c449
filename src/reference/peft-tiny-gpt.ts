/**
 * The tutorial's TinyGPT (scratch §4.4; src/reference/tiny-models.ts) with parameter-efficient
 * fine-tuning attached, composed from the same layers; the frozen base parameters are the plain
 * TinyGPT state_dict tree, the trainable ones sit beside it:
 *
 *   prompt tuning   x⁰ = [prompt; token_embed[idx]] + pos_embed[0 … P+T−1]       (src/reference/prompt-tuning.ts)
 *   prefix tuning   x⁰ = token_embed[idx] + pos_embed[P … P+T−1]; in layer ℓ every head attends
 *                   to [prefix keys/values of ℓ; its own]                          (src/reference/prefix-tuning.ts)
 *   LoRA            each Linear whose module name PEFT would select computes
 *                   x W₀ᵀ + b + (α/r)·x Aᵀ Bᵀ                                      (src/reference/lora.ts)
 *   adapters        x ← x + Adapter_attn(MHA(LN₁ x));  x ← x + Adapter_ff(FFN(LN₂ x))  (Houlsby placement,
 *                   around each sub-layer's output, before the residual sum)       (src/reference/adapter.ts)
 *   logits          lm_head(ln_f(x)) at the T real positions                       (T × V per sequence)
 *
 * Module names are the state_dict's (blocks.0.mh.heads.1.query, blocks.0.mh.proj, blocks.0.ff.net.0,
 * lm_head); LoRA factors are keyed by them. Prompt and prefix tuning are alternatives (as in PEFT,
 * one prompt-learning method per model); LoRA and adapters combine with either. Evaluation mode:
 * dropout is the identity.
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import type { TinyConfig } from '../core/tiny-config.js';
import { modulesOf, selectLoraModules, tinyModelSpec, type LoraSpec, type LoraTargets, type ModuleSpec } from '../core/parameter-accounting.js';
import type { Rng } from '../core/random.js';
import { applyActivationWith } from './activations.js';
import { adapterWith, initAdapter, type AdapterParams } from './adapter.js';
import { crossEntropyWith } from './cross-entropy.js';
import { float64, type Field } from './field.js';
import { layerNormWith } from './layer-norm.js';
import { addWith, concatColumns } from './linear-algebra.js';
import { linearWith, type LinearParams } from './linear.js';
import { checkLoraShapes, initLora, loraLinearWith, mergeLoraWith, type LoraFactors } from './lora.js';
import { prefixHeadAttentionWith, prefixHeadSlice, initPrefix, type PrefixParams } from './prefix-tuning.js';
import { initPrompt, prependPrompt } from './prompt-tuning.js';
import { scaledDotProductAttentionWith } from './scaled-dot-product-attention.js';
import { checkTokens, type TinyModelParams } from './tiny-models.js';
import { createKvCache, tinyGptStepWith } from './kv-cache.js';

/** TinyGPT's modules (parameter-accounting's list), or those LoRA `targets` select by PEFT's suffix rule. */
export function accountingModulesFor(config: TinyConfig, targets?: LoraTargets): ModuleSpec[] {
  const spec = tinyModelSpec('tinygpt', config);
  return targets === undefined ? modulesOf(spec) : selectLoraModules(spec, targets);
}

export interface PeftTinyGptParams<S> {
  lora?: { alpha: number; modules: Record<string, LoraFactors<S>> };
  /** One pair per block: after attention, after the feed-forward network. */
  adapters?: { attn: AdapterParams<S>; ff: AdapterParams<S> }[];
  /** Soft prompt (P × C). */
  prompt?: Matrix<S>;
  /** Per-layer prefix keys and values (P × C each). */
  prefix?: PrefixParams<S>;
}

/** The shapes of a PEFT parameter set: what both implementations validate (same errors). */
export interface PeftShapes {
  lora?: { alpha: number; modules: Record<string, { A: readonly number[]; B: readonly number[] }> };
  adapters?: { attn: { down: readonly number[]; up: readonly number[] }; ff: { down: readonly number[]; up: readonly number[] } }[];
  prompt?: readonly number[];
  prefix?: { keys: (readonly number[])[]; values: (readonly number[])[] };
}

/** Validates PEFT parameter shapes against the TinyGPT they attach to; returns the number of virtual positions before the tokens. */
export function checkPeftShapes(config: TinyConfig, s: PeftShapes, T: number): number {
  const C = config.n_embed;
  if (s.prompt && s.prefix) throw new ArgumentError('prompt tuning and prefix tuning are alternatives: give a soft prompt or a prefix, not both');
  let virtual = 0;
  if (s.prompt) {
    if (s.prompt.length !== 2 || s.prompt[1] !== C || s.prompt[0] < 1) throw new ShapeError(`the soft prompt must be (P × n_embed = ${C}) with P ≥ 1, got [${s.prompt}]`);
    virtual = s.prompt[0];
  }
  if (s.prefix) {
    const { keys, values } = s.prefix;
    if (keys.length !== config.n_layer || values.length !== config.n_layer) throw new ShapeError(`the prefix has ${keys.length} key and ${values.length} value matrices, but the model has ${config.n_layer} layers`);
    const P = keys[0][0];
    for (const [role, list] of [['keys', keys], ['values', values]] as const) {
      list.forEach((sh, l) => {
        if (sh.length !== 2 || sh[1] !== C || sh[0] !== P || P < 1) throw new ShapeError(`prefix ${role}[${l}] is [${sh}], expected (P × ${C}) with the same P ≥ 1 in every layer`);
      });
    }
    virtual = P;
  }
  if (s.adapters) {
    if (s.adapters.length !== config.n_layer) throw new ShapeError(`adapters: one pair per block expected (${config.n_layer}), got ${s.adapters.length}`);
    s.adapters.forEach((pair, l) =>
      (['attn', 'ff'] as const).forEach((where) => {
        const { down, up } = pair[where];
        if (down.length !== 2 || up.length !== 2 || down[1] !== C || up[0] !== C || up[1] !== down[0]) {
          throw new ShapeError(`adapters[${l}].${where}: down.weight [${down}] and up.weight [${up}] must be (m × ${C}) and (${C} × m)`);
        }
      }),
    );
  }
  if (s.lora) {
    const known = new Map(accountingModulesFor(config).map((m) => [m.name, m]));
    for (const [name, f] of Object.entries(s.lora.modules)) {
      const m = known.get(name);
      if (!m) throw new ArgumentError(`LoRA module "${name}" is not a module of this TinyGPT`);
      if (m.kind !== 'linear') throw new ArgumentError(`LoRA on ${m.kind} module "${name}" is counted by \`params\` but not part of this forward pass; adapt Linear modules`);
      const { dIn, dOut } = checkLoraShapes(f.A, f.B, s.lora.alpha);
      if (dIn !== m.dIn || dOut !== m.dOut) throw new ShapeError(`LoRA factors for ${name} give ΔW ${dOut}×${dIn}, but the module is ${m.dOut}×${m.dIn}`);
    }
  }
  if (virtual + T > config.block_size) {
    throw new RangeArgumentError(`${virtual} virtual position${virtual === 1 ? '' : 's'} + T = ${T} tokens exceed block_size ${config.block_size}: the position table has no row beyond ${config.block_size - 1}`);
  }
  return virtual;
}

/** Shapes of a reference PEFT parameter set (arrays). */
export function peftShapes(p: PeftTinyGptParams<unknown>): PeftShapes {
  const sh = (m: unknown, name: string): number[] => assertMatrix(m, name, { finite: false });
  return {
    ...(p.lora ? { lora: { alpha: p.lora.alpha, modules: Object.fromEntries(Object.entries(p.lora.modules).map(([n, f]) => [n, { A: sh(f.A, `${n}.lora_A.weight`), B: sh(f.B, `${n}.lora_B.weight`) }])) } } : {}),
    ...(p.adapters ? { adapters: p.adapters.map((a, l) => ({ attn: { down: sh(a.attn.down.weight, `adapters.${l}.attn.down.weight`), up: sh(a.attn.up.weight, `adapters.${l}.attn.up.weight`) }, ff: { down: sh(a.ff.down.weight, `adapters.${l}.ff.down.weight`), up: sh(a.ff.up.weight, `adapters.${l}.ff.up.weight`) } })) } : {}),
    ...(p.prompt ? { prompt: sh(p.prompt, 'prompt') } : {}),
    ...(p.prefix ? { prefix: { keys: p.prefix.keys.map((m, l) => sh(m, `prefix.keys[${l}]`)), values: p.prefix.values.map((m, l) => sh(m, `prefix.values[${l}]`)) } } : {}),
  };
}

/** The Linear at a state_dict module path ("blocks.0.mh.heads.1.query") of a parameter tree. */
export function linearAt<P>(tree: unknown, name: string): P {
  let node: unknown = tree;
  for (const part of name.split('.')) node = (node as Record<string, unknown> | undefined)?.[/^\d+$/.test(part) ? Number(part) : part];
  if (!node || typeof node !== 'object' || !('weight' in node)) throw new ArgumentError(`no Linear module "${name}" in the parameters`);
  return node as P;
}

export function peftTinyGptWith<S>(
  F: Field<S>,
  config: TinyConfig,
  base: TinyModelParams<S>,
  peft: PeftTinyGptParams<S>,
  idx: number[][],
  targets?: number[][],
): { logits: Matrix<S>[]; loss?: S } {
  checkTokens(idx, config);
  const T = idx[0].length;
  const offset = checkPeftShapes(config, peftShapes(peft), T);
  const nPrompt = peft.prompt?.length ?? 0;
  const head = base.lm_head;
  if (!head) throw new ShapeError('tinygpt parameters need lm_head.weight and .bias');
  const hs = config.n_embed / config.n_head;
  const lin = (name: string, x: Matrix<S>, p: LinearParams<S>): Matrix<S> => {
    const f = peft.lora?.modules[name];
    return f ? loraLinearWith(F, x, { base: p, ...f }, { alpha: peft.lora!.alpha }, name) : linearWith(F, x, p, name);
  };
  const logits = idx.map((seq) => {
    const tokens = seq.map((tok) => base.token_embed.weight[tok]); // (T × C)
    const inputs = peft.prompt ? prependPrompt(peft.prompt, tokens) : tokens; // ((P_prompt + T) × C)
    const first = peft.prompt ? 0 : offset; // prompt rows take positions 0…; after a prefix, tokens start at P
    let x = inputs.map((row, t) => row.map((v, c) => F.add(v, base.pos_embed.weight[first + t][c]))); // (n × C)
    base.blocks.forEach((b, l) => {
      const a = layerNormWith(F, x, b.ln1, 1e-5, 'ln1'); // (n × C)
      const heads = b.mh.heads.map((h, hi) => {
        const p = `blocks.${l}.mh.heads.${hi}`;
        const q = lin(`${p}.query`, a, h.query); // (n × hs)
        const k = lin(`${p}.key`, a, h.key); // (n × hs)
        const v = lin(`${p}.value`, a, h.value); // (n × hs)
        if (!peft.prefix) return scaledDotProductAttentionWith(F, q, k, v, { mask: 'causal' }); // (n × hs)
        return prefixHeadAttentionWith(F, q, k, v, prefixHeadSlice(peft.prefix.keys[l], hi, hs), prefixHeadSlice(peft.prefix.values[l], hi, hs)); // (n × hs)
      });
      let attn = lin(`blocks.${l}.mh.proj`, concatColumns(heads), b.mh.proj); // (n × H·hs) → (n × C)
      if (peft.adapters) attn = adapterWith(F, attn, peft.adapters[l].attn, 'gelu', `adapters.${l}.attn`);
      const h = addWith(F, x, attn, ['x', 'mh(ln1(x))']); // (n × C)
      const a2 = layerNormWith(F, h, b.ln2, 1e-5, 'ln2');
      let ff = lin(`blocks.${l}.ff.net.2`, applyActivationWith(F, lin(`blocks.${l}.ff.net.0`, a2, b.ff.net[0]), 'gelu'), b.ff.net[2]); // (n × 4C) → (n × C)
      if (peft.adapters) ff = adapterWith(F, ff, peft.adapters[l].ff, 'gelu', `adapters.${l}.ff`);
      x = addWith(F, h, ff, ['x', 'ff(ln2(x))']); // (n × C)
    });
    const out = lin('lm_head', layerNormWith(F, x, base.ln_f, 1e-5, 'ln_f'), head); // (n × V)
    return out.slice(nPrompt); // the T real positions (T × V)
  });
  if (!targets) return { logits };
  if (targets.length !== idx.length || targets.some((t, b) => t.length !== idx[b].length)) throw new ShapeError(`targets must have the shape of tokens (${idx.length} × ${T})`);
  return { logits, loss: crossEntropyWith(F, logits.flat(), targets.flat(), -100) };
}

/** The base tree with every LoRA-adapted Linear replaced by W₀ + (α/r)·B A (a deep copy; base untouched). */
export function mergeLoraIntoTinyGptWith<S>(F: Field<S>, base: TinyModelParams<S>, lora: NonNullable<PeftTinyGptParams<S>['lora']>): TinyModelParams<S> {
  const merged = structuredClone(base) as TinyModelParams<S>;
  for (const [name, f] of Object.entries(lora.modules)) {
    const target = linearAt<LinearParams<S>>(merged, name);
    const m = mergeLoraWith(F, { base: linearAt<LinearParams<S>>(base, name), ...f }, { alpha: lora.alpha });
    target.weight = m.weight;
  }
  return merged;
}

export interface PeftTinyGptInit {
  lora?: Required<Pick<LoraSpec, 'r' | 'alpha'>> & Pick<LoraSpec, 'targets'>;
  adapter?: { bottleneck: number };
  promptTokens?: number;
  prefixTokens?: number;
}

/**
 * Fresh trainable parameters: LoRA with PEFT's init (B = 0) on the modules the targets select,
 * near-identity adapters (up = 0), prompt and prefix N(0, 1). LoRA and adapters leave the model's
 * function unchanged at initialisation; prompt and prefix tuning do not (see promptFromTokens and
 * prefixFromKvCacheWith for the initialisations that reproduce the base model on a text).
 */
export function initPeftTinyGpt(config: TinyConfig, spec: PeftTinyGptInit, rng: Rng): PeftTinyGptParams<number> {
  const out: PeftTinyGptParams<number> = {};
  if (spec.lora) {
    const modules: Record<string, LoraFactors<number>> = {};
    for (const m of accountingModulesFor(config, spec.lora.targets)) {
      if (m.kind !== 'linear') throw new ArgumentError(`LoRA target selects ${m.kind} module "${m.name}"; this forward pass adapts Linear modules only`);
      modules[m.name] = initLora(rng, m.dIn, m.dOut, spec.lora.r);
    }
    out.lora = { alpha: spec.lora.alpha, modules };
  }
  if (spec.adapter) out.adapters = Array.from({ length: config.n_layer }, () => ({ attn: initAdapter(rng, config.n_embed, spec.adapter!.bottleneck), ff: initAdapter(rng, config.n_embed, spec.adapter!.bottleneck) }));
  if (spec.promptTokens !== undefined) out.prompt = initPrompt(rng, spec.promptTokens, config.n_embed);
  if (spec.prefixTokens !== undefined) out.prefix = initPrefix(rng, spec.prefixTokens, config.n_layer, config.n_embed);
  checkPeftShapes(config, peftShapes(out), 1);
  return out;
}

/**
 * A prefix holding the keys and values the frozen model computes for `tokenIds` (its key/value
 * cache, src/reference/kv-cache.ts), heads concatenated per layer: (P × C) each.
 */
export function prefixFromKvCacheWith<S>(F: Field<S>, config: TinyConfig, base: TinyModelParams<S>, tokenIds: readonly number[]): PrefixParams<S> {
  if (tokenIds.length === 0) throw new RangeArgumentError('a prefix needs at least one token');
  const cache = createKvCache<S>(config);
  tokenIds.forEach((tok, t) => tinyGptStepWith(F, config, base, cache, [tok], t)); // one sequence
  return { keys: cache.keys[0].map((heads) => concatColumns(heads)), values: cache.values[0].map((heads) => concatColumns(heads)) }; // per layer (P × H·hs)
}

export const peftTinyGpt = (config: TinyConfig, base: TinyModelParams<number>, peft: PeftTinyGptParams<number>, idx: number[][], targets?: number[][]) =>
  peftTinyGptWith(float64, config, base, peft, idx, targets);
export const mergeLoraIntoTinyGpt = (base: TinyModelParams<number>, lora: NonNullable<PeftTinyGptParams<number>['lora']>) => mergeLoraIntoTinyGptWith(float64, base, lora);
