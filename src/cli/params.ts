/**
 * `transformer-spec params`: exact parameter accounting for full fine-tuning and PEFT
 * (src/core/parameter-accounting.ts).
 *
 *   params MODEL [--lora r=R,alpha=A,targets=a,b] [--adapter bottleneck=M]
 *                [--prompt-tokens N] [--prefix-tokens N]
 *                [--memory [--dtype fp32|fp16|bf16|int8|nf4] [--no-double-quant] [--optimizer adamw]] [--json]
 *
 * MODEL is a registry name (gpt2, bert-base, gpt3, llama-7b, qwen2.5-0.5b, tinygpt, tinybert) or a
 * JSON config file: the tutorial's TinyGPT/TinyBERT arguments (vocab_size, block_size, n_embed, …,
 * with "model_type": "tinybert" for TinyBERT), or a Hugging Face config.json whose model_type is
 * gpt2, bert, llama, mistral or qwen2 (also as `--config config.json`). A field the file leaves out
 * takes its Hugging Face config class's default (tie_word_embeddings false for Llama, Mistral and
 * Qwen2; num_key_value_heads = heads for Llama, 8 for Mistral, 32 for Qwen2; head_dim = hidden_size /
 * heads; attention_bias, mlp_bias false). Without a method the count is for full fine-tuning (100%).
 * --memory adds the bytes of the weights at --dtype (default fp32; int8 and nf4 with their
 * quantisation constants, nf4 double-quantised as QLoRA unless --no-double-quant) and, with
 * --optimizer adamw, of the gradients and AdamW states (src/core/memory-accounting.ts).
 *
 *   params --weights FILE.safetensors [--json]
 *
 * counts every tensor's elements from the checkpoint's header alone (no tensor data are read, so a
 * 14 GB file costs one read of its header).
 *
 * Counts are exact integers (bigint) at any size; --json writes them as plain digits, exact beyond
 * 2^53 for readers that keep integers exact (Python's json does; JavaScript's JSON.parse rounds
 * above 2^53 — compare the text, or parse with a BigInt-aware reader).
 */
import { checkDropout } from '../core/random.js';
import { FileAccessError } from '../core/errors.js';
import { readRegularText } from '../core/files.js';
import { DTYPES, OPTIMIZERS, memoryAccounting, type MemoryAccounting, type MemoryOptions } from '../core/memory-accounting.js';
import type { ModelConfig } from '../core/model-configs.js';
import { REGISTRY_NAMES, account, modelSpecFromConfig, registryModel, tinyModelSpec, type Accounting, type ArchitectureSummary, type ModelSpec, type PeftSpec } from '../core/parameter-accounting.js';
import { normEpsFromConfig } from '../core/norm-conventions.js';
import { readSafetensorsHeader, type SafeDType } from '../core/safetensors.js';
import { validateTinyConfig } from '../core/tiny-config.js';
import { UsageError, parseArgs, parseChoiceOption, parseDecimal, parseIntegerOption, suggest, type OptionSpecs } from './args.js';
import { readOptionFile } from './files.js';
import { toJson, type Io } from './format.js';

const PARAMS_OPTIONS = {
  lora: { type: 'string', valueName: 'r=R,alpha=A,targets=a,b' },
  adapter: { type: 'string', valueName: 'bottleneck=M' },
  'prompt-tokens': { type: 'string', valueName: 'N' },
  'prefix-tokens': { type: 'string', valueName: 'N' },
  memory: { type: 'boolean' },
  dtype: { type: 'string', valueName: DTYPES.join('|') },
  'no-double-quant': { type: 'boolean' },
  optimizer: { type: 'string', valueName: OPTIMIZERS.join('|') },
  weights: { type: 'string', valueName: 'FILE.safetensors' },
  config: { type: 'string', valueName: 'config.json' },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;

/**
 * What `params --json` prints. Counts are bigints in the program and exact decimal digits in the
 * JSON text (see the module header); JSON.parse in JavaScript gives numbers, exact below 2^53.
 */
export interface ParamsJson {
  model: string;
  /** Base parameters plus every parameter the methods add (PEFT's "all params"). */
  total: bigint | number;
  trainable: bigint | number;
  /** 100 · trainable / total. */
  percent: number;
  base: bigint | number;
  methods: { method: string; parameters: bigint | number; modules?: number; detail: string }[];
  /** For a Hugging Face config.json: the conventions it sets (src/core/parameter-accounting.ts, ArchitectureSummary). */
  architecture?: ArchitectureSummary;
  /** With --memory: bytes, exact integers. */
  memory?: MemoryJson;
}

export interface MemoryJson {
  dtype: string;
  doubleQuant: boolean;
  optimizer: string | null;
  weights: { quantisedElements: bigint | number; quantisedBytes: bigint | number; constantsBytes: bigint | number; otherBytes: bigint | number; trainableBytes: bigint | number; total: bigint | number };
  gradients: bigint | number;
  optimizerStates: { moments: bigint | number; masterWeights: bigint | number; total: bigint | number };
  total: bigint | number;
}

/** What `params --weights FILE --json` prints (counts as exact digits, as above). */
export interface WeightsJson {
  weights: string;
  tensors: number;
  /** Elements over every tensor (parameters and buffers alike: a header cannot tell them apart). */
  total: bigint | number;
  /** Bytes of tensor data. */
  bytes: number;
  dtypes: Partial<Record<SafeDType, { tensors: number; elements: bigint | number }>>;
  metadata: Record<string, string>;
}

export async function runParams(argv: readonly string[], io: Io): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, PARAMS_OPTIONS, 'params');
  if (o.weights !== undefined) return countWeights(o.weights, positionals, o, io);
  if (o.config !== undefined && positionals.length > 0) throw new UsageError(`params takes either MODEL or --config FILE, not both (got ${positionals.join(' ')} and --config ${o.config})`);
  if (o.config === undefined && positionals.length === 0) throw new UsageError(`params needs a MODEL: one of ${REGISTRY_NAMES.join(', ')}, or a config file (--config config.json, or --weights FILE.safetensors)`);
  if (positionals.length > 1) throw new UsageError(`params takes one MODEL, got ${positionals.length}: ${positionals.join(' ')}`);
  const spec = o.config !== undefined ? resolveConfigFile(o.config) : resolveModel(positionals[0]);
  const peft: PeftSpec = {
    ...(o.lora !== undefined ? { lora: parseLora(o.lora) } : {}),
    ...(o.adapter !== undefined ? { adapter: parseAdapter(o.adapter) } : {}),
    ...(o['prompt-tokens'] !== undefined ? { promptTokens: parseIntegerOption(o['prompt-tokens'], 'prompt-tokens', 1) } : {}),
    ...(o['prefix-tokens'] !== undefined ? { prefixTokens: parseIntegerOption(o['prefix-tokens'], 'prefix-tokens', 1) } : {}),
  };
  const a = account(spec, peft);
  const memory = o.memory ? memoryAccounting(spec, parseMemoryOptions(o, peft)) : undefined;
  if (!o.memory) for (const k of ['dtype', 'optimizer', 'no-double-quant'] as const) if (o[k] !== undefined) throw new UsageError(`--${k} needs --memory`);
  if (o.json) {
    const out: ParamsJson = {
      model: spec.name,
      total: a.total,
      trainable: a.trainable,
      percent: a.percent,
      base: a.base,
      methods: a.methods.map((m) => ({ method: m.method, parameters: m.parameters, ...(m.method === 'lora' ? { modules: m.modules } : {}), detail: m.detail })),
      ...(spec.architecture ? { architecture: spec.architecture } : {}),
      ...(memory ? { memory: memoryJson(memory) } : {}),
    };
    io.out(toJson(out));
    return 0;
  }
  io.out(formatAccounting(spec, a, peft) + (memory ? `\n${formatMemory(memory)}` : ''));
  return 0;
}

function parseMemoryOptions(o: { dtype?: string; optimizer?: string; 'no-double-quant'?: boolean }, peft: PeftSpec): MemoryOptions {
  const dtype = o.dtype === undefined ? 'fp32' : parseChoiceOption(o.dtype, 'dtype', DTYPES);
  if (o['no-double-quant'] && dtype !== 'nf4') throw new UsageError(`--no-double-quant: double quantisation applies to nf4 only, not ${dtype}`);
  return {
    dtype,
    ...(o['no-double-quant'] ? { doubleQuant: false } : {}),
    ...(o.optimizer !== undefined ? { optimizer: parseChoiceOption(o.optimizer, 'optimizer', OPTIMIZERS) } : {}),
    peft,
  };
}

/** bigint → number for JSON, refusing what a double cannot hold exactly. */
/** Byte counts stay bigints: toJson writes them as exact digits at any size. */
const exact = (x: bigint): bigint => x;

function memoryJson(m: MemoryAccounting): MemoryJson {
  return {
    dtype: m.dtype,
    doubleQuant: m.doubleQuant,
    optimizer: m.optimizer,
    weights: { quantisedElements: exact(m.weights.quantisedElements), quantisedBytes: exact(m.weights.quantisedBytes), constantsBytes: exact(m.weights.constantsBytes), otherBytes: exact(m.weights.otherBytes), trainableBytes: exact(m.weights.trainableBytes), total: exact(m.weights.total) },
    gradients: exact(m.gradients),
    optimizerStates: { moments: exact(m.optimizerStates.moments), masterWeights: exact(m.optimizerStates.masterWeights), total: exact(m.optimizerStates.total) },
    total: exact(m.total),
  };
}

// ---------------------------------------------------------------------------------------------
// Options

/** `r=16,alpha=32,targets=c_attn,c_proj` (targets run to the next key=; `targets=all-linear`; `dropout=` accepted, adds nothing). */
export function parseLora(text: string): NonNullable<PeftSpec['lora']> {
  const fields: Record<string, string[]> = {};
  let key: string | undefined;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      key = part.slice(0, eq).trim();
      if (!['r', 'alpha', 'targets', 'dropout'].includes(key)) {
        const hint = suggest(key, ['r', 'alpha', 'targets', 'dropout']);
        throw new UsageError(`--lora: unknown key "${key}"${hint ? ` (did you mean ${hint}?)` : ''}; give r=R,alpha=A,targets=a,b`);
      }
      if (fields[key]) throw new UsageError(`--lora: ${key} is given twice`);
      fields[key] = [part.slice(eq + 1).trim()];
    } else if (key === 'targets') {
      fields.targets.push(part.trim());
    } else {
      throw new UsageError(`--lora: "${part}" is not key=value; give r=R,alpha=A,targets=a,b`);
    }
  }
  if (!fields.r) throw new UsageError('--lora needs r=R (the rank)');
  if (!fields.targets || fields.targets.some((t) => t === '')) throw new UsageError('--lora needs targets=a,b (module names, or all-linear), with no empty name');
  const r = parseIntegerOption(fields.r[0], 'lora r', 1);
  const alpha = fields.alpha ? parseDecimal(fields.alpha[0], '--lora alpha') : undefined;
  if (alpha !== undefined && !(alpha > 0)) throw new UsageError(`--lora alpha must be a positive number, got "${fields.alpha[0]}"`);
  if (fields.dropout) {
    const p = parseDecimal(fields.dropout[0], '--lora dropout');
    try {
      checkDropout(p); // the project's one dropout check
    } catch (e) {
      throw new UsageError(`--lora dropout: ${(e as Error).message}`);
    }
  }
  const targets = fields.targets.length === 1 && fields.targets[0].toLowerCase() === 'all-linear' ? 'all-linear' : fields.targets;
  return { r, ...(alpha !== undefined ? { alpha } : {}), targets };
}

function parseAdapter(text: string): { bottleneck: number } {
  const m = /^bottleneck=(.*)$/.exec(text.trim());
  if (!m) throw new UsageError(`--adapter takes bottleneck=M, got "${text}"`);
  return { bottleneck: parseIntegerOption(m[1], 'adapter bottleneck', 1) };
}

// ---------------------------------------------------------------------------------------------
// Models

function resolveModel(name: string): ModelSpec {
  if ((REGISTRY_NAMES as readonly string[]).includes(name)) return registryModel(name);
  return resolveConfigFile(name, true);
}

/** A config file (the tutorial's, or a Hugging Face config.json), read under the config size limit. */
function resolveConfigFile(name: string, maybeRegistryName = false): ModelSpec {
  let text: string;
  try {
    text = readRegularText(name, 'configBytes');
  } catch (e) {
    const hint = suggest(name, REGISTRY_NAMES);
    if (maybeRegistryName && e instanceof FileAccessError && e.message.endsWith('(no such file)')) {
      throw new UsageError(`unknown model "${name}"${hint ? ` (did you mean ${hint}?)` : ''}: not a registry name (${REGISTRY_NAMES.join(', ')}) and no such file`);
    }
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${name} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return specFromConfigFile(raw, name);
}

const int = (c: Record<string, unknown>, key: string, file: string, fallback?: number): number => {
  const v = c[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UsageError(`${file}: "${key}" must be an integer ≥ 1, got ${JSON.stringify(c[key])}`);
  return v;
};

const flag = (c: Record<string, unknown>, key: string, file: string, fallback: boolean): boolean => {
  const v = c[key] ?? fallback;
  if (typeof v !== 'boolean') throw new UsageError(`${file}: "${key}" must be true or false, got ${JSON.stringify(c[key])}`);
  return v;
};

/** The config classes' defaults for the fields that change a llama-like count (transformers' configuration_<type>.py). */
const LLAMA_LIKE_DEFAULTS: Record<'llama' | 'mistral' | 'qwen2', { kvHeads: number | 'heads'; tied: boolean; attentionBias: boolean | null; mlpBias: boolean | null; headDim: boolean }> = {
  llama: { kvHeads: 'heads', tied: false, attentionBias: false, mlpBias: false, headDim: true },
  mistral: { kvHeads: 8, tied: false, attentionBias: null, mlpBias: null, headDim: true },
  qwen2: { kvHeads: 32, tied: false, attentionBias: null, mlpBias: null, headDim: false },
};

const gatedName = (act: unknown): string => (act === 'silu' || act === undefined ? 'gated (silu: SwiGLU)' : act === 'gelu_pytorch_tanh' || act === 'gelu' ? `gated (${String(act)}: GeGLU)` : `gated (${String(act)})`);

/** A tutorial TinyGPT/TinyBERT config, or a Hugging Face config.json (gpt2, bert, llama, mistral, qwen2). */
export function specFromConfigFile(raw: unknown, file: string): ModelSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${file} must hold a JSON object`);
  const c = raw as Record<string, unknown>;
  const type = c.model_type;
  if (type === undefined || type === 'tinygpt' || type === 'tinybert') {
    const { model_type: _drop, ...rest } = c;
    void _drop;
    return tinyModelSpec(type === 'tinybert' ? 'tinybert' : 'tinygpt', validateTinyConfig(rest, file), file);
  }
  let config: ModelConfig;
  let architecture: ArchitectureSummary;
  if (type === 'gpt2') {
    const d = int(c, 'n_embd', file);
    config = { name: `GPT-2 (${file})`, family: 'gpt2', dModel: d, nLayers: int(c, 'n_layer', file), nHeads: int(c, 'n_head', file), dFF: c.n_inner == null ? 4 * d : int(c, 'n_inner', file), vocab: int(c, 'vocab_size', file), context: int(c, 'n_positions', file), published: 'from config' };
    architecture = { family: 'gpt2', nHeads: config.nHeads, nKvHeads: config.nHeads, headDim: d / config.nHeads, mlp: `plain (${String(c.activation_function ?? 'gelu_new')})`, tiedEmbeddings: true, biases: 'every Conv1D projection', normEps: normEpsFromConfig('gpt2', c), ropeTheta: null };
  } else if (type === 'bert') {
    if (c.type_vocab_size !== undefined && c.type_vocab_size !== 2) throw new UsageError(`${file}: only type_vocab_size 2 (BERT's segments A and B) is supported, got ${JSON.stringify(c.type_vocab_size)}`);
    config = { name: `BERT (${file})`, family: 'bert', dModel: int(c, 'hidden_size', file), nLayers: int(c, 'num_hidden_layers', file), nHeads: int(c, 'num_attention_heads', file), dFF: int(c, 'intermediate_size', file), vocab: int(c, 'vocab_size', file), context: int(c, 'max_position_embeddings', file), published: 'from config' };
    architecture = { family: 'bert', nHeads: config.nHeads, nKvHeads: config.nHeads, headDim: config.dModel / config.nHeads, mlp: `plain (${String(c.hidden_act ?? 'gelu')})`, tiedEmbeddings: null, biases: 'every Linear', normEps: normEpsFromConfig('bert', c), ropeTheta: null };
  } else if (type === 'llama' || type === 'mistral' || type === 'qwen2') {
    const dflt = LLAMA_LIKE_DEFAULTS[type];
    const heads = int(c, 'num_attention_heads', file);
    const kvHeads = int(c, 'num_key_value_heads', file, dflt.kvHeads === 'heads' ? heads : dflt.kvHeads);
    if (heads % kvHeads !== 0) {
      throw new UsageError(`${file}: "num_key_value_heads" (${kvHeads}) must divide "num_attention_heads" (${heads}): grouped-query attention shares each key/value head among an equal number of query heads`);
    }
    const d = int(c, 'hidden_size', file);
    const headDim = dflt.headDim && c.head_dim != null ? int(c, 'head_dim', file) : undefined;
    if (headDim === undefined && d % heads !== 0) throw new UsageError(`${file}: the width ${d} is not divisible by ${heads} heads (and no head_dim is given)`);
    const attentionBias = dflt.attentionBias === null ? false : flag(c, 'attention_bias', file, dflt.attentionBias);
    const mlpBias = dflt.mlpBias === null ? false : flag(c, 'mlp_bias', file, dflt.mlpBias);
    const tied = flag(c, 'tie_word_embeddings', file, dflt.tied);
    const label = { llama: 'LLaMA', mistral: 'Mistral', qwen2: 'Qwen2' }[type];
    config = { name: `${label} (${file})`, family: type === 'qwen2' ? 'qwen2' : 'llama', dModel: d, nLayers: int(c, 'num_hidden_layers', file), nHeads: heads, nKvHeads: kvHeads, headDim, attentionBias, mlpBias, tied, dFF: int(c, 'intermediate_size', file), vocab: int(c, 'vocab_size', file), context: int(c, 'max_position_embeddings', file, 2048), published: 'from config' };
    const biases = type === 'qwen2' ? 'q_proj, k_proj, v_proj' : [attentionBias ? 'q_proj, k_proj, v_proj, o_proj' : '', mlpBias ? 'gate_proj, up_proj, down_proj' : ''].filter(Boolean).join(', ') || 'none';
    const theta = typeof c.rope_theta === 'number' ? c.rope_theta : 10000;
    architecture = { family: type, nHeads: heads, nKvHeads: kvHeads, headDim: headDim ?? d / heads, mlp: gatedName(c.hidden_act), tiedEmbeddings: tied, biases, normEps: normEpsFromConfig(type, c), ropeTheta: theta };
  } else {
    throw new UsageError(`${file}: model_type ${JSON.stringify(type)} is not supported; use gpt2, bert, llama, mistral, qwen2, tinygpt or tinybert`);
  }
  if (config.headDim === undefined && config.dModel % config.nHeads !== 0) throw new UsageError(`${file}: the width ${config.dModel} is not divisible by ${config.nHeads} heads`);
  const spec = modelSpecFromConfig(type === 'mistral' ? 'llama' : type, config);
  return { ...spec, source: file, architecture };
}

// ---------------------------------------------------------------------------------------------
// Text output

const n = (x: bigint | number) => x.toLocaleString('en-US');
/** Bytes with their decimal size: "3,865,591,808 B (3.87 GB)". */
const bytes = (x: bigint) => {
  const units: Array<[bigint, string]> = [[10n ** 12n, 'TB'], [10n ** 9n, 'GB'], [10n ** 6n, 'MB'], [10n ** 3n, 'kB']];
  const u = units.find(([v]) => x >= v);
  return `${n(x)} B${u ? ` (${(Number(x) / Number(u[0])).toFixed(2)} ${u[1]})` : ''}`;
};

function formatMemory(m: MemoryAccounting): string {
  const w = m.weights;
  const type = m.dtype === 'nf4' ? `nf4${m.doubleQuant ? ' with double quantisation (QLoRA)' : ' (QLoRA, single-level constants)'}` : m.dtype === 'int8' ? 'int8 (LLM.int8(), row-wise scales)' : m.dtype;
  const bits = w.quantisedElements ? (Number(w.constantsBytes * 8n) / Number(w.quantisedElements)).toFixed(3) : '';
  const row = (label: string, value: bigint, what = '') => `  ${label.padEnd(18)}${bytes(value).padStart(30)}${what ? `   ${what}` : ''}`;
  const lines = [`memory, weights stored as ${type}${m.optimizer ? `; training with ${m.optimizer === 'adamw' ? 'AdamW' : m.optimizer}` : ''}:`];
  lines.push(row('weights', w.total));
  if (w.quantisedElements) {
    lines.push(row('  quantised', w.quantisedBytes, `${n(w.quantisedElements)} linear weights at ${m.dtype === 'nf4' ? '4 bits' : '8 bits'}`));
    lines.push(row('  constants', w.constantsBytes, m.dtype === 'nf4' ? `one per block of 64 weights${m.doubleQuant ? ' at 8 bits, + one fp32 per 256 of them' : ' at fp32'}: ${bits} bit per quantised weight` : `one fp32 scale per output row: ${bits} bit per quantised weight`));
  }
  lines.push(row(w.quantisedElements ? '  other (bf16)' : `  base (${m.dtype})`, w.otherBytes));
  if (w.trainableBytes) lines.push(row('  added (fp32)', w.trainableBytes, 'the PEFT parameters (PEFT keeps adapters in fp32)'));
  if (m.optimizer) {
    lines.push(row('gradients', m.gradients, `for the ${n(m.trainableParameters)} trainable parameters`));
    lines.push(row('optimizer states', m.optimizerStates.total, `AdamW moments m, v in fp32${m.optimizerStates.masterWeights ? ' + fp32 master weights (mixed precision)' : ''}`));
  }
  lines.push(row('total', m.total, m.optimizer ? 'not counted: activations, per-tensor step counters' : 'weights only (no --optimizer)'));
  return lines.join('\n');
}

function formatAccounting(spec: ModelSpec, a: Accounting, peft: PeftSpec): string {
  const lines = [`${spec.name} — ${spec.source}`];
  const arch = spec.architecture;
  if (arch) {
    lines.push(`  architecture      ${arch.nHeads} heads of ${arch.headDim}, ${arch.nKvHeads} key/value head${arch.nKvHeads === 1 ? '' : 's'}${arch.nKvHeads < arch.nHeads ? ` (grouped-query: ${arch.nHeads / arch.nKvHeads} query heads per key/value head)` : ''}; MLP ${arch.mlp}; output head ${arch.tiedEmbeddings === null ? 'none' : arch.tiedEmbeddings ? 'tied to the embedding' : 'untied'}; biases: ${arch.biases}; norm ε ${arch.normEps}${arch.ropeTheta === null ? '' : `; RoPE θ ${arch.ropeTheta}`}`);
  }
  lines.push(`  base parameters   ${n(a.base)}`);
  for (const m of a.methods) {
    let what = m.detail;
    if (m.method === 'lora') {
      const alpha = peft.lora!.alpha === undefined ? '' : `, α = ${peft.lora!.alpha} (scaling α/r = ${peft.lora!.alpha / peft.lora!.r})`;
      what = `LoRA r = ${peft.lora!.r}${alpha} on ${m.modules} modules (${m.groups!.map((g) => `${g.name} ×${g.count}`).join(', ')}): Σ r·(d_in + d_out)`;
    } else if (m.method === 'adapter') what = `adapters: ${m.detail}`;
    else if (m.method === 'prompt') what = `prompt tuning: ${m.detail}`;
    else what = `prefix tuning: ${m.detail}`;
    lines.push(`  + ${n(m.parameters)}  ${what}`);
  }
  lines.push(`  total             ${n(a.total)}${a.fullFineTuning ? '' : '   (base + added, as PEFT counts "all params")'}`);
  lines.push(`  trainable         ${n(a.trainable)}   ${a.percent.toFixed(4)}%${a.fullFineTuning ? '   (full fine-tuning: every parameter)' : '   (the base is frozen)'}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// --weights: a checkpoint's header

function countWeights(path: string, positionals: string[], o: { json?: boolean; lora?: string; adapter?: string; 'prompt-tokens'?: string; 'prefix-tokens'?: string }, io: Io): number {
  if (positionals.length) throw new UsageError(`params --weights counts the tensors of a checkpoint and takes no MODEL (got ${positionals.join(' ')})`);
  const method = (['lora', 'adapter', 'prompt-tokens', 'prefix-tokens'] as const).find((k) => o[k] !== undefined);
  if (method) throw new UsageError(`--${method} needs a MODEL (its module names and sizes); --weights counts a checkpoint's tensors only`);
  const header = readOptionFile('weights', path, readSafetensorsHeader);
  const dtypes: WeightsJson['dtypes'] = {};
  let total = 0n;
  let bytes = 0;
  for (const e of header.entries) {
    const n = e.shape.reduce((p, d) => p * BigInt(d), 1n);
    const d = (dtypes[e.dtype] ??= { tensors: 0, elements: 0n });
    d.tensors += 1;
    d.elements = (d.elements as bigint) + n;
    total += n;
    bytes += e.end - e.begin;
  }
  if (o.json) {
    const out: WeightsJson = { weights: path, tensors: header.entries.length, total, bytes, dtypes, metadata: header.metadata };
    io.out(toJson(out));
    return 0;
  }
  const lines = [
    `${path} — the safetensors header of a ${header.size.toLocaleString('en-US')}-byte file (no tensor data read)`,
    `  tensors           ${header.entries.length.toLocaleString('en-US')}`,
    ...Object.entries(dtypes).map(([dtype, d]) => `  ${dtype.padEnd(17)} ${d.elements.toLocaleString('en-US')} elements in ${d.tensors} tensor${d.tensors === 1 ? '' : 's'}`),
    `  total             ${total.toLocaleString('en-US')} elements (parameters and buffers alike), ${bytes.toLocaleString('en-US')} bytes of data`,
  ];
  io.out(lines.join('\n'));
  return 0;
}
