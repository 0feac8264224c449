/**
 * Exact parameter accounting for full fine-tuning and parameter-efficient fine-tuning (PEFT), in
 * integers (bigint), from a model's list of modules — the way the PEFT library counts.
 *
 *   full fine-tuning   trainable = N (every base parameter)
 *   LoRA               + Σ over adapted modules r·(d_in + d_out)            (A: r × d_in, B: d_out × r)
 *   adapters           + 2 per block · (2·d·m + m + d)                      (Houlsby: down d→m, up m→d, with biases)
 *   prompt tuning      + P · d                                               (P soft tokens prepended to the embeddings)
 *   prefix tuning      + P · L · 2 · d_kv                                    (a key and a value per layer and soft token)
 *   share              100 · trainable / (N + added)                         (PEFT's print_trainable_parameters:
 *                                                                             "all params" includes the added ones)
 *
 * Sources: LoRA — Hu et al. 2021; adapters — Houlsby et al. 2019 (two adapters per block, after
 * the attention and after the feed-forward sub-layer); prompt tuning — Lester et al. 2021; prefix
 * tuning — Li & Liang 2021, counted without the reparameterisation MLP (PEFT's default
 * prefix_projection = False), with d_kv = key/value heads × head size as PEFT sizes it for
 * grouped-query attention. The documents: course "Parameter-Efficient Fine-Tuning", "LoRA" and the
 * comparison table; interview "PEFT"; scratch §6.
 *
 * Module names are what PyTorch's named_modules() gives for the released checkpoints
 * (transformer.h.0.attn.c_attn, model.layers.0.self_attn.q_proj, encoder.layer.0.attention.self.query, …).
 * A LoRA target selects a module the way PEFT's check_target_module_exists does for a list:
 * the name equals the target, or ends with "." + target — a suffix on whole dotted components, so
 * "c_proj" selects both attn.c_proj and mlp.c_proj in GPT-2, and "proj" selects neither.
 * PEFT refuses a configuration only when no target matches anything; here every target must match
 * something (a misspelt name would otherwise silently train less), and the error lists the names.
 *
 * GPT-2 stores its projections as Conv1D, weight (d_in × d_out), the transpose of nn.Linear; LoRA's
 * A and B have the same sizes either way (PEFT only transposes ΔW when merging: fan_in_fan_out).
 * GPT-3's weights were never released, so no checkpoint fixes its module names: we use those of
 * OPT-175B (Zhang et al. 2022), the open replication of its shape, whose q/k/v/out projections and
 * fc1/fc2 carry biases as MODEL_CONFIGS assumes; its position table is kept at the 2048 rows GPT-3
 * has (OPT adds 2 offset rows).
 *
 * A model is its modules outside the blocks (embeddings before, final norm and head after) and one
 * block's modules, which every block repeats under `<blockPrefix>.<i>.` — never the list of every
 * module of every block. Counting, LoRA's target matching (a target may name one block:
 * "h.3.attn.c_attn") and the inference cost work on that template, so a config with
 * num_hidden_layers = 10^7 costs no more than one with 12; `modulesOf` expands the full list (for
 * the small models that need names), under the memory limit.
 */
import { ArgumentError, RangeArgumentError } from './errors.js';
import { checkMemory } from './limits.js';
import { llamaShapes, MODEL_CONFIGS, parameterCount, type ModelConfig } from './model-configs.js';
import { tinyParameterCount, tinyStateDictLayout, validateTinyConfig, type TinyConfig, type TinyKind } from './tiny-config.js';

export type ModuleKind = 'linear' | 'conv1d' | 'embedding' | 'layernorm' | 'rmsnorm';

export interface ModuleSpec {
  /** Dotted name as named_modules() gives it. */
  name: string;
  kind: ModuleKind;
  /** linear/conv1d: input features; embedding: rows (num_embeddings); norms: width. */
  dIn: number;
  /** linear/conv1d: output features; embedding: width (embedding_dim); norms: width. */
  dOut: number;
  bias: boolean;
  /** The module whose weight this one shares (GPT-2's lm_head is wte): counted once, as PEFT does. */
  tiedTo?: string;
  /** Transformer block index, for modules inside a block. */
  layer?: number;
}

/** A module of the repeated block: `path` is its name after `<blockPrefix>.<i>.` (attn.c_attn). */
export type BlockModule = Omit<ModuleSpec, 'name' | 'layer'> & { path: string };

export interface ModelSpec {
  key: string;
  name: string;
  /** Modules before the blocks (embeddings, their norm), in model order. */
  before: ModuleSpec[];
  /** Block i's modules are named `${blockPrefix}.${i}.${path}`, i = 0 … nLayers − 1. */
  blockPrefix: string;
  /** One block's modules, in model order (the same in every block). */
  block: BlockModule[];
  /** Modules after the blocks (final norm, pooler, output head), in model order. */
  after: ModuleSpec[];
  nLayers: number;
  dModel: number;
  /** Width of the keys and values one layer attends to (prefix tuning's token_dim). */
  dKv: number;
  /** The module LoRA's "all-linear" leaves out (the output head), if the model has one. */
  outputHead?: string;
  /** Where the names and sizes come from. */
  source: string;
  /** The published total, as its source states it. */
  published?: string;
  /** For a Hugging Face config.json: the conventions it sets (GQA, MLP, tying, biases, ε, RoPE base). */
  architecture?: ArchitectureSummary;
}

/** What a config.json decides about the architecture, with each config class's default where a field is absent. */
export interface ArchitectureSummary {
  family: 'gpt2' | 'bert' | 'llama' | 'mistral' | 'qwen2';
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  mlp: string;
  /** null: the model (BertModel) has no output head. */
  tiedEmbeddings: boolean | null;
  biases: string;
  normEps: number;
  /** null: learned absolute positions, no RoPE. */
  ropeTheta: number | null;
}

export const REGISTRY_NAMES = ['gpt2', 'bert-base', 'gpt3', 'llama-7b', 'qwen2.5-0.5b', 'tinygpt', 'tinybert'] as const;

/** The tutorial's TinyGPT/TinyBERT as scripts/export-fixtures.py records them (GPT_TUTORIAL, BERT_TUTORIAL). */
export const TINY_REGISTRY: Record<TinyKind, TinyConfig> = {
  tinygpt: validateTinyConfig({ vocab_size: 48, block_size: 16, n_embed: 128, n_head: 4, n_layer: 4 }),
  tinybert: validateTinyConfig({ vocab_size: 24, block_size: 8, n_embed: 128, n_head: 4, n_layer: 4 }),
};

// ---------------------------------------------------------------------------------------------
// Module lists

const lin = (name: string, dIn: number, dOut: number, bias: boolean, layer?: number): ModuleSpec => ({ name, kind: 'linear', dIn, dOut, bias, layer });
const conv = (name: string, dIn: number, dOut: number): ModuleSpec => ({ name, kind: 'conv1d', dIn, dOut, bias: true });
const emb = (name: string, rows: number, d: number): ModuleSpec => ({ name, kind: 'embedding', dIn: rows, dOut: d, bias: false });
const norm = (name: string, d: number, kind: 'layernorm' | 'rmsnorm' = 'layernorm', layer?: number): ModuleSpec => ({ name, kind, dIn: d, dOut: d, bias: kind === 'layernorm', layer });

/** The three parts of a model: before the blocks, one block (a template), after the blocks. */
interface Parts {
  before: ModuleSpec[];
  blockPrefix: string;
  block: BlockModule[];
  after: ModuleSpec[];
}

/** A block module from a module built with a placeholder name (its path) and no layer. */
const inBlock = (m: ModuleSpec): BlockModule => {
  const { name, layer: _layer, ...rest } = m;
  void _layer;
  return { ...rest, path: name };
};

/** GPT2LMHeadModel (Conv1D projections; lm_head tied to wte). */
function gpt2Modules(c: ModelConfig): Parts {
  const { dModel: d, dFF: f } = c;
  return {
    before: [emb('transformer.wte', c.vocab, d), emb('transformer.wpe', c.context, d)],
    blockPrefix: 'transformer.h',
    block: [norm('ln_1', d), conv('attn.c_attn', d, 3 * d), conv('attn.c_proj', d, d), norm('ln_2', d), conv('mlp.c_fc', d, f), conv('mlp.c_proj', f, d)].map(inBlock),
    after: [norm('transformer.ln_f', d), { ...lin('lm_head', d, c.vocab, false), tiedTo: 'transformer.wte' }],
  };
}

/** OPT-style names for GPT-3 (see the header): separate q/k/v/out projections with biases, tied head. */
function gpt3Modules(c: ModelConfig): Parts {
  const { dModel: d, dFF: f } = c;
  return {
    before: [emb('model.decoder.embed_tokens', c.vocab, d), emb('model.decoder.embed_positions', c.context, d)],
    blockPrefix: 'model.decoder.layers',
    block: [
      ...['k_proj', 'v_proj', 'q_proj', 'out_proj'].map((m) => lin(`self_attn.${m}`, d, d, true)),
      norm('self_attn_layer_norm', d),
      lin('fc1', d, f, true),
      lin('fc2', f, d, true),
      norm('final_layer_norm', d),
    ].map(inBlock),
    after: [norm('model.decoder.final_layer_norm', d), { ...lin('lm_head', d, c.vocab, false), tiedTo: 'model.decoder.embed_tokens' }],
  };
}

/** BertModel (bert-base-uncased: no MLM head, with the pooler). */
function bertModules(c: ModelConfig): Parts {
  const { dModel: d, dFF: f } = c;
  return {
    before: [emb('embeddings.word_embeddings', c.vocab, d), emb('embeddings.position_embeddings', c.context, d), emb('embeddings.token_type_embeddings', 2, d), norm('embeddings.LayerNorm', d)],
    blockPrefix: 'encoder.layer',
    block: [
      ...['query', 'key', 'value'].map((m) => lin(`attention.self.${m}`, d, d, true)),
      lin('attention.output.dense', d, d, true),
      norm('attention.output.LayerNorm', d),
      lin('intermediate.dense', d, f, true),
      lin('output.dense', f, d, true),
      norm('output.LayerNorm', d),
    ].map(inBlock),
    after: [lin('pooler.dense', d, d, true)],
  };
}

/** LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM (RMSNorm, SwiGLU, GQA; Qwen2: q/k/v biases; head tied or not). */
function llamaLikeModules(c: ModelConfig): Parts {
  const { dModel: d, dFF: f } = c;
  const s = llamaShapes(c);
  const head = lin('lm_head', d, c.vocab, false);
  return {
    before: [emb('model.embed_tokens', c.vocab, d)],
    blockPrefix: 'model.layers',
    block: [
      lin('self_attn.q_proj', d, s.dQ, s.qkvBias),
      lin('self_attn.k_proj', d, s.dKv, s.qkvBias),
      lin('self_attn.v_proj', d, s.dKv, s.qkvBias),
      lin('self_attn.o_proj', s.dQ, d, s.oBias),
      lin('mlp.gate_proj', d, f, s.mlpBias),
      lin('mlp.up_proj', d, f, s.mlpBias),
      lin('mlp.down_proj', f, d, s.mlpBias),
      norm('input_layernorm', d, 'rmsnorm'),
      norm('post_attention_layernorm', d, 'rmsnorm'),
    ].map(inBlock),
    after: [norm('model.norm', d, 'rmsnorm'), s.tied ? { ...head, tiedTo: 'model.embed_tokens' } : head],
  };
}

/** The tutorial's TinyGPT/TinyBERT, read off the state_dict layout of a one-block model (per-head Linear layers, no bias). */
function tinyModules(kind: TinyKind, c: TinyConfig): Parts {
  const byModule = new Map<string, { weight?: number[]; bias: boolean }>();
  for (const [name, e] of tinyStateDictLayout(kind, { ...c, n_layer: 1 })) {
    if (e.buffer) continue; // the causal heads' tril masks are not parameters
    const cut = name.lastIndexOf('.');
    const [module, param] = [name.slice(0, cut), name.slice(cut + 1)];
    const m = byModule.get(module) ?? { bias: false };
    if (param === 'weight') m.weight = e.shape;
    else m.bias = true;
    byModule.set(module, m);
  }
  const parts: Parts = { before: [], blockPrefix: 'blocks', block: [], after: [] };
  for (const [name, m] of byModule) {
    const inside = name.startsWith('blocks.0.');
    const local = inside ? name.slice('blocks.0.'.length) : name;
    const last = local.split('.').pop()!;
    const module =
      local === 'token_embed' || local === 'pos_embed'
        ? emb(local, m.weight![0], m.weight![1])
        : /^ln(\d|_f)$/.test(last)
          ? norm(local, m.weight![0])
          : lin(local, m.weight![1], m.weight![0], m.bias); // nn.Linear weight is (out × in)
    if (inside) parts.block.push(inBlock(module));
    else (parts.block.length === 0 ? parts.before : parts.after).push(module);
  }
  return parts;
}

export function modelSpecFromConfig(key: string, c: ModelConfig): ModelSpec {
  const parts = c.family === 'gpt2' ? (key === 'gpt3' ? gpt3Modules(c) : gpt2Modules(c)) : c.family === 'bert' ? bertModules(c) : llamaLikeModules(c);
  return {
    key,
    name: c.name,
    ...parts,
    nLayers: c.nLayers,
    dModel: c.dModel,
    dKv: c.family === 'llama' || c.family === 'qwen2' ? llamaShapes(c).dKv : (c.nKvHeads ?? c.nHeads) * (c.dModel / c.nHeads),
    outputHead: parts.after.some((m) => m.name === 'lm_head') ? 'lm_head' : undefined,
    source: key === 'gpt3' ? 'GPT-3 175B (Brown et al. 2020, Table 2.1) with OPT-175B module names' : `${c.name} released checkpoint (named_modules)`,
    published: c.published,
  };
}

export function tinyModelSpec(kind: TinyKind, c: TinyConfig, key: string = kind): ModelSpec {
  return {
    key,
    name: kind === 'tinygpt' ? 'TinyGPT' : 'TinyBERT',
    ...tinyModules(kind, c),
    nLayers: c.n_layer,
    dModel: c.n_embed,
    dKv: c.n_embed,
    outputHead: kind === 'tinygpt' ? 'lm_head' : 'mlm_head',
    source: `the tutorial's ${kind === 'tinygpt' ? 'TinyGPT' : 'TinyBERT'}(vocab_size ${c.vocab_size}, block_size ${c.block_size}, n_embed ${c.n_embed}, n_head ${c.n_head}, n_layer ${c.n_layer})`,
    published: `${tinyParameterCount(kind, c).toLocaleString('en-US')} (sum of p.numel() over model.parameters())`,
  };
}

/**
 * Every distinct module with the number of copies the model holds: a module outside the blocks
 * once, a block's module nLayers times (named `<blockPrefix>.*.<path>`). Sums over a model go
 * through this, never through a list with one entry per layer.
 */
export function moduleCounts(spec: ModelSpec): { module: ModuleSpec; count: bigint }[] {
  const once = (module: ModuleSpec) => ({ module, count: 1n });
  const inBlocks = spec.block.map(({ path, ...rest }) => ({ module: { ...rest, name: `${spec.blockPrefix}.*.${path}` }, count: BigInt(spec.nLayers) }));
  return [...spec.before.map(once), ...inBlocks, ...spec.after.map(once)];
}

/** Block i's module named in full. */
const blockModule = (spec: ModelSpec, m: BlockModule, i: number): ModuleSpec => {
  const { path, ...rest } = m;
  return { ...rest, name: `${spec.blockPrefix}.${i}.${path}`, layer: i };
};

/**
 * Every module of the model, named as named_modules() gives them, in model order. Its length grows
 * with the layer count, so it is built only under the memory limit (about 256 bytes a module).
 * @throws ResourceLimitError for a config whose module list would not fit
 */
export function modulesOf(spec: ModelSpec): ModuleSpec[] {
  const count = spec.before.length + spec.after.length + spec.nLayers * spec.block.length;
  checkMemory(`the list of ${count} modules of ${spec.name}`, count * 256);
  const blocks: ModuleSpec[] = [];
  for (let i = 0; i < spec.nLayers; i++) for (const m of spec.block) blocks.push(blockModule(spec, m, i));
  return [...spec.before, ...blocks, ...spec.after];
}

export function registryModel(name: string): ModelSpec {
  if (name === 'tinygpt' || name === 'tinybert') return tinyModelSpec(name, TINY_REGISTRY[name]);
  const c = MODEL_CONFIGS[name];
  if (!c || !(REGISTRY_NAMES as readonly string[]).includes(name)) throw new ArgumentError(`unknown model "${name}"; the registry has ${REGISTRY_NAMES.join(', ')}`);
  return modelSpecFromConfig(name, c);
}

// ---------------------------------------------------------------------------------------------
// Counting

/** Parameters a module owns (0 for a module whose weight is tied to another's). */
export function moduleParameters(m: Omit<ModuleSpec, 'name'>): bigint {
  if (m.tiedTo) return 0n;
  const [i, o] = [BigInt(m.dIn), BigInt(m.dOut)];
  if (m.kind === 'linear' || m.kind === 'conv1d') return i * o + (m.bias ? o : 0n);
  if (m.kind === 'embedding') return i * o;
  return m.kind === 'layernorm' ? 2n * i : i; // γ, β  |  RMSNorm: γ only
}

const sumOf = <T>(xs: readonly T[], f: (x: T) => bigint): bigint => xs.reduce((s, x) => s + f(x), 0n);

/** Σ over the modules outside the blocks, plus nLayers × Σ over one block. */
export function baseParameterCount(spec: ModelSpec): bigint {
  return sumOf([...spec.before, ...spec.after], moduleParameters) + BigInt(spec.nLayers) * sumOf(spec.block, moduleParameters);
}

/** The configuration the registry model was built from (for cross-checks against parameterCount). */
export function referenceTotal(key: string): bigint {
  if (key === 'tinygpt' || key === 'tinybert') return BigInt(tinyParameterCount(key, TINY_REGISTRY[key]));
  return parameterCount(MODEL_CONFIGS[key]);
}

// ---------------------------------------------------------------------------------------------
// Target selection (PEFT's suffix rule)

/** PEFT's rule for a list of targets: the name equals the target or ends with "." + target. */
export function matchesTarget(moduleName: string, target: string): boolean {
  return moduleName === target || moduleName.endsWith(`.${target}`);
}

/**
 * Which blocks' copies of a block module `target` selects, by the suffix rule applied to
 * `${blockPrefix}.${i}.${path}`: every block when the target lies inside the path ("c_attn",
 * "attn.c_attn"); one block i when it reaches into the block index ("3.attn.c_attn",
 * "h.3.attn.c_attn", the full name); none otherwise. O(1), whatever the number of blocks.
 */
export function blockTargetLayers(spec: ModelSpec, path: string, target: string): 'all' | number | null {
  if (matchesTarget(path, target)) return 'all';
  if (!target.endsWith(`.${path}`)) return null;
  const head = target.slice(0, -path.length - 1); // "3", "h.3", "transformer.h.3"
  const m = /^(?:(.*)\.)?(0|[1-9][0-9]*)$/.exec(head);
  if (!m) return null;
  const i = Number(m[2]);
  if (!Number.isSafeInteger(i) || i >= spec.nLayers) return null;
  return m[1] === undefined || matchesTarget(spec.blockPrefix, m[1]) ? i : null;
}

const LORA_KINDS: readonly ModuleKind[] = ['linear', 'conv1d', 'embedding'];

/** Module kinds LoRA can wrap (PEFT: nn.Linear, Conv1D, nn.Embedding, …; never a norm). */
export const isLoraAdaptable = (m: { kind: ModuleKind }): boolean => LORA_KINDS.includes(m.kind);

/**
 * The LoRA-adaptable modules, named for a reader choosing targets: inside a block, the path after
 * the block index, a head index shown as * (attn.c_attn, self_attn.q_proj, mh.heads.*.query, ff.net.0);
 * outside blocks, the full name (transformer.wte, lm_head). Model order, no repeats.
 */
export function adaptableNames(spec: ModelSpec): string[] {
  const shownPath = (path: string) => {
    const parts = path.split('.');
    return parts.map((p, i) => (/^\d+$/.test(p) && parts[i - 1] === 'heads' ? '*' : p)).join('.');
  };
  const names = [...spec.before.filter(isLoraAdaptable).map((m) => m.name), ...spec.block.filter(isLoraAdaptable).map((m) => shownPath(m.path)), ...spec.after.filter(isLoraAdaptable).map((m) => m.name)];
  return [...new Set(names)];
}

/** A LoRA target that selects nothing (or only modules LoRA cannot wrap); the message lists the names. */
export class PeftTargetError extends ArgumentError {
  constructor(
    message: string,
    readonly available: string[],
  ) {
    super(message);
    this.name = 'PeftTargetError';
  }
}

export type LoraTargets = readonly string[] | 'all-linear';

/** What LoRA adapts, without listing every block: modules outside the blocks, and per block module how many blocks. */
export interface LoraSelection {
  /** Selected modules outside the blocks (model order). */
  outside: ModuleSpec[];
  /** Selected block modules (block order) and the blocks selected: all of them or a few by index. */
  block: { module: BlockModule; layers: 'all' | number[] }[];
}

/** How many modules a selection holds. */
export function selectionSize(spec: ModelSpec, s: LoraSelection): number {
  return s.outside.length + s.block.reduce((n, b) => n + (b.layers === 'all' ? spec.nLayers : b.layers.length), 0);
}

/**
 * What LoRA adapts for `targets`, by PEFT's suffix rule, on the block template (O(targets ×
 * modules per block), whatever the number of blocks). 'all-linear' is PEFT's shorthand: every
 * Linear/Conv1D except the output head. Throws PeftTargetError for a target that matches no
 * module, or only norms/other modules LoRA cannot wrap.
 */
export function selectLora(spec: ModelSpec, targets: LoraTargets): LoraSelection {
  const outsideModules = [...spec.before, ...spec.after];
  if (targets === 'all-linear') {
    const linear = (m: { kind: ModuleKind }) => m.kind === 'linear' || m.kind === 'conv1d';
    return { outside: outsideModules.filter((m) => linear(m) && m.name !== spec.outputHead), block: spec.block.filter(linear).map((module) => ({ module, layers: 'all' })) };
  }
  if (!Array.isArray(targets) || targets.length === 0) throw new ArgumentError('LoRA needs at least one target module name (or all-linear)');
  const available = adaptableNames(spec);
  for (const t of targets) {
    if (typeof t !== 'string' || t === '' || t.startsWith('.') || t.endsWith('.')) throw new ArgumentError(`LoRA target ${JSON.stringify(t)} is not a module name`);
    const kinds = new Set([...outsideModules.filter((m) => matchesTarget(m.name, t)), ...spec.block.filter((m) => blockTargetLayers(spec, m.path, t) !== null)].map((m) => m.kind));
    if (kinds.size === 0) {
      throw new PeftTargetError(`LoRA target "${t}" matches no module of ${spec.name} (a target must equal a module's name or end it after a dot); its adaptable modules are: ${available.join(', ')}`, available);
    }
    if (![...kinds].some((kind) => isLoraAdaptable({ kind }))) {
      throw new PeftTargetError(`LoRA target "${t}" matches only ${[...kinds].join('/')} modules of ${spec.name}, which LoRA cannot wrap; adaptable modules are: ${available.join(', ')}`, available);
    }
  }
  const block: LoraSelection['block'] = [];
  for (const module of spec.block.filter(isLoraAdaptable)) {
    const hits = targets.map((t) => blockTargetLayers(spec, module.path, t)).filter((h) => h !== null);
    if (hits.length === 0) continue;
    block.push({ module, layers: hits.includes('all') ? 'all' : [...new Set(hits as number[])].sort((a, b) => a - b) });
  }
  return { outside: outsideModules.filter((m) => isLoraAdaptable(m) && targets.some((t) => matchesTarget(m.name, t))), block };
}

/**
 * The modules LoRA adapts for `targets`, each named in full, in model order (see selectLora;
 * the list grows with the number of blocks, so it is built under the memory limit).
 */
export function selectLoraModules(spec: ModelSpec, targets: LoraTargets): ModuleSpec[] {
  const s = selectLora(spec, targets);
  checkMemory(`the list of ${selectionSize(spec, s)} modules LoRA adapts in ${spec.name}`, selectionSize(spec, s) * 256);
  const inBlocks: ModuleSpec[] = [];
  for (let i = 0; i < spec.nLayers; i++) {
    for (const b of s.block) if (b.layers === 'all' || b.layers.includes(i)) inBlocks.push(blockModule(spec, b.module, i));
  }
  const before = s.outside.filter((m) => spec.before.includes(m));
  const after = s.outside.filter((m) => spec.after.includes(m));
  return [...before, ...inBlocks, ...after];
}

/** Σ over a selection of f(module) × how many copies are selected. */
function sumOverSelection(spec: ModelSpec, s: LoraSelection, f: (m: Omit<ModuleSpec, 'name'>) => bigint): bigint {
  return sumOf(s.outside, f) + sumOf(s.block, (b) => f(b.module) * BigInt(b.layers === 'all' ? spec.nLayers : b.layers.length));
}

/** The selection grouped by the module's last two name parts without indices (attn.c_attn ×12), for a reader. */
export function selectionGroups(spec: ModelSpec, s: LoraSelection): { name: string; count: number }[] {
  const short = (name: string) => name.split('.').filter((p) => !/^\d+$/.test(p)).slice(-2).join('.');
  const groups = new Map<string, number>();
  const add = (name: string, n: number) => groups.set(name, (groups.get(name) ?? 0) + n);
  for (const m of s.outside.filter((x) => spec.before.includes(x))) add(short(m.name), 1);
  for (const b of s.block) add(short(`${spec.blockPrefix}.0.${b.module.path}`), b.layers === 'all' ? spec.nLayers : b.layers.length);
  for (const m of s.outside.filter((x) => spec.after.includes(x))) add(short(m.name), 1);
  return [...groups].map(([name, count]) => ({ name, count }));
}

// ---------------------------------------------------------------------------------------------
// Methods

export interface LoraSpec {
  r: number;
  /** Scaling numerator: ΔW = (alpha / r)·B A. Does not change the count. */
  alpha?: number;
  targets: LoraTargets;
}

export interface PeftSpec {
  lora?: LoraSpec;
  /** Houlsby adapters: bottleneck width m, two per block. */
  adapter?: { bottleneck: number };
  promptTokens?: number;
  prefixTokens?: number;
}

export const loraModuleParameters = (m: Omit<ModuleSpec, 'name'>, r: number): bigint => BigInt(r) * BigInt(m.dIn + m.dOut);
export const loraParameterCount = (dIn: number, dOut: number, r: number): bigint => BigInt(r) * BigInt(dIn + dOut);
export const adapterParameterCount = (d: number, m: number): bigint => 2n * BigInt(d) * BigInt(m) + BigInt(m) + BigInt(d);
export const promptParameterCount = (P: number, d: number): bigint => BigInt(P) * BigInt(d);
export const prefixParameterCount = (P: number, layers: number, dKv: number): bigint => BigInt(P) * BigInt(layers) * 2n * BigInt(dKv);

export interface MethodCount {
  method: 'lora' | 'adapter' | 'prompt' | 'prefix';
  parameters: bigint;
  /** LoRA: how many modules are adapted; adapters: how many blocks carry them. */
  modules?: number;
  /** LoRA: the adapted modules grouped by name (attn.c_attn ×12), model order. */
  groups?: { name: string; count: number }[];
  detail: string;
}

export interface Accounting {
  model: string;
  /** Parameters of the base model (tied weights once). */
  base: bigint;
  /** Parameters the methods add. */
  added: bigint;
  /** base + added: PEFT's "all params". */
  total: bigint;
  trainable: bigint;
  /** 100 · trainable / total. */
  percent: number;
  /** No method given: every base parameter trains. */
  fullFineTuning: boolean;
  methods: MethodCount[];
}

function positiveInteger(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) throw new RangeArgumentError(`${what} must be an integer ≥ 1, got ${JSON.stringify(x)}`);
  return x;
}

/** Trainable and total parameters of `spec` under the PEFT methods in `peft` (full fine-tuning when none). */
export function account(spec: ModelSpec, peft: PeftSpec = {}): Accounting {
  const methods: MethodCount[] = [];
  if (peft.lora) {
    const r = positiveInteger(peft.lora.r, 'LoRA rank r');
    if (peft.lora.alpha !== undefined && !(Number.isFinite(peft.lora.alpha) && peft.lora.alpha > 0)) throw new RangeArgumentError(`LoRA alpha must be a positive number, got ${peft.lora.alpha}`);
    const selection = selectLora(spec, peft.lora.targets);
    const modules = selectionSize(spec, selection);
    methods.push({ method: 'lora', parameters: sumOverSelection(spec, selection, (m) => loraModuleParameters(m, r)), modules, groups: selectionGroups(spec, selection), detail: `r = ${r} on ${modules} modules: Σ r·(d_in + d_out)` });
  }
  if (peft.adapter) {
    const m = positiveInteger(peft.adapter.bottleneck, 'adapter bottleneck');
    const per = adapterParameterCount(spec.dModel, m);
    methods.push({ method: 'adapter', parameters: 2n * BigInt(spec.nLayers) * per, modules: spec.nLayers, detail: `2 adapters × ${spec.nLayers} blocks × (2·${spec.dModel}·${m} + ${m} + ${spec.dModel})` });
  }
  if (peft.promptTokens !== undefined) {
    const P = positiveInteger(peft.promptTokens, 'prompt tokens');
    methods.push({ method: 'prompt', parameters: promptParameterCount(P, spec.dModel), detail: `${P} soft tokens × d = ${spec.dModel}` });
  }
  if (peft.prefixTokens !== undefined) {
    const P = positiveInteger(peft.prefixTokens, 'prefix tokens');
    methods.push({ method: 'prefix', parameters: prefixParameterCount(P, spec.nLayers, spec.dKv), detail: `${P} soft tokens × ${spec.nLayers} layers × 2 (key, value) × d_kv = ${spec.dKv}` });
  }
  const base = baseParameterCount(spec);
  const added = methods.reduce((s, m) => s + m.parameters, 0n);
  const total = base + added;
  const fullFineTuning = methods.length === 0;
  const trainable = fullFineTuning ? base : added;
  return { model: spec.name, base, added, total, trainable, percent: percentOf(trainable, total), fullFineTuning, methods };
}

/** 100·a/b for exact integers, correct to float64 precision even beyond 2^53. */
export function percentOf(a: bigint, b: bigint): number {
  if (b <= 0n) throw new RangeArgumentError('a share of 0 parameters is undefined');
  const scaled = (a * 10n ** 18n) / b; // ⌊a/b · 10^18⌋
  return (Number(scaled) / 1e16) as number;
}

// ---------------------------------------------------------------------------------------------
// Inference cost

/**
 * Multiply-adds per generated token with a key/value cache over `context` earlier positions:
 * every Linear/Conv1D once (the output head included, tied or not), plus attention's q·kᵀ and
 * weights·V over the keys each layer holds (2 · keys · d_attn). What PEFT adds at inference:
 * unmerged LoRA r·(d_in + d_out) per adapted module (merged: nothing — W₀ + ΔW is one matrix of
 * the base's shape); adapters 2·d·m per adapter; prompt and prefix tuning P more keys per layer.
 */
export function macsPerToken(spec: ModelSpec, context: number, peft: PeftSpec = {}, options: { loraMerged?: boolean } = {}): bigint {
  const macs = (m: { kind: ModuleKind; dIn: number; dOut: number }) => (m.kind === 'linear' || m.kind === 'conv1d' ? BigInt(m.dIn) * BigInt(m.dOut) : 0n);
  const linear = sumOf([...spec.before, ...spec.after], macs) + BigInt(spec.nLayers) * sumOf(spec.block, macs);
  const virtual = (peft.promptTokens ?? 0) + (peft.prefixTokens ?? 0);
  const attention = 2n * BigInt(spec.nLayers) * BigInt(context + virtual) * BigInt(spec.dModel);
  let extra = 0n;
  if (peft.lora && !options.loraMerged) extra += sumOverSelection(spec, selectLora(spec, peft.lora.targets), (m) => loraModuleParameters(m, peft.lora!.r));
  if (peft.adapter) extra += 2n * BigInt(spec.nLayers) * 2n * BigInt(spec.dModel) * BigInt(peft.adapter.bottleneck);
  return linear + attention + extra;
}

/**
 * The keyword arguments peft.LoraConfig accepts that matter here (a dataclass: any other keyword is
 * a TypeError). From PEFT's src/peft/tuners/lora/config.py and its PeftConfig base, abridged to
 * the LoRA-proper fields plus the inherited ones; the scaling numerator is `lora_alpha`.
 */
export const LORA_CONFIG_FIELDS: readonly string[] = [
  'task_type', 'peft_type', 'auto_mapping', 'base_model_name_or_path', 'revision', 'inference_mode',
  'r', 'target_modules', 'exclude_modules', 'lora_alpha', 'lora_dropout', 'fan_in_fan_out', 'bias', 'use_rslora',
  'modules_to_save', 'init_lora_weights', 'layers_to_transform', 'layers_pattern', 'rank_pattern', 'alpha_pattern',
  'megatron_config', 'megatron_core', 'trainable_token_indices', 'loftq_config', 'eva_config', 'corda_config',
  'use_dora', 'layer_replication', 'runtime_config', 'lora_bias', 'target_parameters',
];

/**
 * Trainable shares for the report's bar chart: each method at a common setting on GPT-2 small and
 * LLaMA-7B (LoRA r = 8 on the attention projections — GPT-2's fused c_attn, LLaMA's q_proj and v_proj; Houlsby adapters at AdapterHub's default bottleneck d/16, as golden/README.md rule 5 reads the course's table; 20 prompt
 * or prefix tokens), computed with `account`.
 */
export function reportShares(): Array<{ label: string; method: string; percent: number }> {
  const settings: Array<[string, string, PeftSpec]> = [
    ['full fine-tuning', 'full', {}],
    ['LoRA r=8 (q, v)', 'LoRA', {}],
    ['adapters m=d/16', 'adapters', {}],
    ['prefix, 20 tokens', 'prefix', { prefixTokens: 20 }],
    ['prompt, 20 tokens', 'prompt', { promptTokens: 20 }],
  ];
  const loraTargets: Record<string, string[]> = { gpt2: ['c_attn'], 'llama-7b': ['q_proj', 'v_proj'] };
  return (['gpt2', 'llama-7b'] as const).flatMap((model) =>
    settings.map(([label, method, peft]) => {
      const spec = registryModel(model);
      const a = account(spec, method === 'LoRA' ? { lora: { r: 8, targets: loraTargets[model] } } : method === 'adapters' ? { adapter: { bottleneck: spec.dModel / 16 } } : peft);
      const shown = method === 'LoRA' ? `LoRA r=8 on ${loraTargets[model].join(', ')}` : label;
      return { label: `${model}: ${shown}`, method, percent: a.percent };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Parameters of single layers (issue 15, item 6): exact integers, checked against the PyTorch
// fixtures' state_dicts (spec/gated-feed-forward, spec/norms)

function dims(shape: readonly number[], what: string): bigint[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new RangeArgumentError(`${what}: normalized shape must be a non-empty list of integers ≥ 1, got ${JSON.stringify(shape)}`);
  }
  return shape.map(BigInt);
}
const prod = (xs: bigint[]): bigint => xs.reduce((a, b) => a * b, 1n);

/** Plain FFN: up (d → d_ff) and down (d_ff → d), each with its bias unless `bias` is false: 2·d·d_ff (+ d_ff + d). */
export function feedForwardParameters(dModel: number, dFF: number, bias = true): bigint {
  const [d, f] = [positiveInteger(dModel, 'dModel'), positiveInteger(dFF, 'dFF')].map(BigInt);
  return 2n * d * f + (bias ? f + d : 0n);
}

/** Gated FFN (SwiGLU, GeGLU): gate_proj, up_proj (d → d_ff), down_proj (d_ff → d): 3·d·d_ff (+ 2·d_ff + d with biases). */
export function gatedFeedForwardParameters(dModel: number, dFF: number, bias = false): bigint {
  const [d, f] = [positiveInteger(dModel, 'dModel'), positiveInteger(dFF, 'dFF')].map(BigInt);
  return 3n * d * f + (bias ? 2n * f + d : 0n);
}

/** LayerNorm over a normalized shape: γ, and β unless `bias` is false (torch ≥ 2.1's bias=False), one per entry; none without affine. */
export function layerNormParameters(shape: readonly number[], o: { affine?: boolean; bias?: boolean } = {}): bigint {
  const n = prod(dims(shape, 'layerNorm'));
  if (o.affine === false) return 0n;
  return o.bias === false ? n : 2n * n;
}

/** RMSNorm over a normalized shape: γ only, one per entry. */
export function rmsNormParameters(shape: readonly number[]): bigint {
  return prod(dims(shape, 'rmsNorm'));
}
