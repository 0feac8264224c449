/**
 * `transformer-spec forward`: run the tutorial's TinyGPT or TinyBERT on your own tokens with
 * weights from a safetensors file, in evaluation mode (dropout off), and print the logits and,
 * given targets, the loss.
 *
 *   forward --model tinygpt|tinybert --config FILE.json --weights FILE.safetensors --tokens JSON
 *           [--targets JSON] [--backend reference|tfjs] [--digits N] [--json]
 *
 * The config file uses the tutorial's constructor argument names (validateTinyConfig fills the
 * tutorial's defaults); the weights are checked against the state_dict that config implies
 * (loadTinyWeights, src/ops/tiny-weights.ts), in either a plain PyTorch state_dict layout or this
 * project's fixture layout (param.* entries). Tokens are one sequence [ids] or a batch
 * [[ids], …]; targets have the same shape (TinyBERT targets may be −100: not scored).
 */
import { onTfjs, REFERENCE_SUMMARY } from './tfjs-backend.js';
import { RangeArgumentError } from '../core/errors.js';
import { checkMemory } from '../core/limits.js';
import { tinyBufferCount, tinyForwardBytes, tinyParameterCount, validateTinyConfig, type TinyConfig, type TinyKind } from '../core/tiny-config.js';
import { loadTinyWeights, referenceTinyParams, type LoadedTinyWeights } from '../ops/tiny-weights.js';
import { tinyModel as referenceModel } from '../reference/tiny-models.js';
import { UsageError, parseArgs, parseChoiceOption, parseIntegerOption, parseJsonOption, requireOption, type OptionSpecs } from './args.js';
import { readOptionFile, readOptionJson } from './files.js';
import { formatNumber, formatTable, formatVector, toJson, type Io } from './format.js';

export const MODELS = ['tinygpt', 'tinybert'] as const satisfies readonly TinyKind[];
/** Every --model forward runs: the tutorial's two (src/core/tiny-config.ts) and the LLaMA-architecture one (src/cli/forward-llama.ts). */
export const FORWARD_MODELS = [...MODELS, 'tinyllama'] as const;
const BACKENDS = ['reference', 'tfjs'] as const;

export const FORWARD_OPTIONS = {
  model: { type: 'string', valueName: 'tinygpt|tinybert|tinyllama' },
  config: { type: 'string', valueName: 'FILE.json' },
  weights: { type: 'string', valueName: 'FILE.safetensors' },
  tokens: { type: 'string', valueName: 'JSON' },
  targets: { type: 'string', valueName: 'JSON' },
  backend: { type: 'string', valueName: 'reference|tfjs' },
  digits: { type: 'string', valueName: 'N' },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;

/** What `forward --json` prints. */
export interface ForwardJson {
  /** B × T × V for a batch, T × V for a single sequence. */
  logits: number[][][] | number[][];
  /** Only with --targets. */
  loss?: number;
  backend: string;
  model: TinyKind;
  config: TinyConfig;
}

const TITLE: Record<TinyKind, string> = { tinygpt: 'TinyGPT', tinybert: 'TinyBERT' };
const HEAD: Record<TinyKind, string> = { tinygpt: 'lm_head', tinybert: 'mlm_head' };
/** Up to this many logits per position are printed in text output; all of them when V ≤ this + 2. */
const FIRST_LOGITS = 4;

export async function runForward(argv: readonly string[], io: Io): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, FORWARD_OPTIONS, 'forward');
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for \`forward\` (token ids go in --tokens)`);
  const model = parseChoiceOption(requireOption(o.model, 'model', 'tinygpt|tinybert|tinyllama'), 'model', FORWARD_MODELS);
  if (model === 'tinyllama') {
    const { runForwardLlama } = await import('./forward-llama.js');
    return runForwardLlama(o, io);
  }
  const kind: TinyKind = model;
  const configPath = requireOption(o.config, 'config', 'FILE.json');
  const weightsPath = requireOption(o.weights, 'weights', 'FILE.safetensors');
  const tokensText = requireOption(o.tokens, 'tokens', 'JSON');
  const backend = parseChoiceOption(o.backend ?? 'reference', 'backend', BACKENDS);
  const digits = digitsOption(o.digits);

  const config = readConfig(configPath);
  const tokens = readSequences(parseJsonOption(tokensText, 'tokens'), 'tokens');
  checkTokenIds(tokens, config);
  const targets = o.targets === undefined ? undefined : readSequences(parseJsonOption(o.targets, 'targets'), 'targets');
  if (targets) checkTargets(targets, tokens, config, kind);
  checkMemory(`forward with ${kind} (n_layer ${config.n_layer}, n_embed ${config.n_embed}, vocab_size ${config.vocab_size}) on ${seqShape(tokens)} tokens`, tinyForwardBytes(kind, config, tokens.batch.length, tokens.batch[0].length, backend));
  const weights = readWeights(weightsPath, kind, config);

  let logits: number[][][];
  let loss: number | undefined;
  let backendName: string = backend;
  let summary = REFERENCE_SUMMARY;
  if (backend === 'tfjs') {
    const r = await onTfjs('tinyModel', { kind, config, weights: { names: weights.names, tensors: weights.tensors }, idx: tokens.batch, ...(targets ? { targets: targets.batch } : {}) });
    ({ name: backendName, summary } = r);
    ({ logits, loss } = r.value);
  } else {
    const r = referenceModel(kind, config, referenceTinyParams(weights), tokens.batch, targets?.batch);
    logits = r.logits;
    loss = r.loss;
  }

  if (o.json) {
    if (backend === 'tfjs') io.err(`backend: ${summary}`);
    const result: ForwardJson = {
      logits: tokens.single ? logits[0] : logits,
      ...(loss === undefined ? {} : { loss }),
      backend: backendName,
      model: kind,
      // In the constructor's argument order (validateTinyConfig puts the defaults first).
      config: { vocab_size: config.vocab_size, block_size: config.block_size, n_embed: config.n_embed, n_head: config.n_head, n_layer: config.n_layer, dropout: config.dropout },
    };
    io.out(toJson(result));
    return 0;
  }
  io.out(formatForward({ kind, config, weights, summary, tokens, targets, logits, loss, digits }));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Inputs

export function digitsOption(text: string | undefined): number {
  if (text === undefined) return 4;
  const d = parseIntegerOption(text, 'digits', 0);
  if (d > 15) throw new UsageError(`--digits must be between 0 and 15 (float64 carries ~16 significant digits), got ${d}`);
  return d;
}

function readConfig(path: string): TinyConfig {
  return validateTinyConfig(readOptionJson('config', path), `--config ${path}`);
}

function readWeights(path: string, kind: TinyKind, config: TinyConfig): LoadedTinyWeights {
  return readOptionFile('weights', path, (p) => loadTinyWeights(p, kind, config));
}

/** Token sequences as given: `single` when the JSON was one flat list. */
export interface Sequences {
  batch: number[][];
  single: boolean;
}

export const seqShape = (s: Sequences) => (s.single ? `(${s.batch[0].length})` : `(${s.batch.length} × ${s.batch[0].length})`);

/** One sequence [ids] or a batch [[ids], …] of equal lengths, each entry an integer. */
export function readSequences(value: unknown, name: string): Sequences {
  const form = `one sequence [id, …] or a batch [[id, …], …]`;
  if (!Array.isArray(value) || value.length === 0) throw new UsageError(`--${name} must be ${form} with at least one token, got ${JSON.stringify(value)}`);
  const single = !Array.isArray(value[0]);
  const rows = single ? [value] : value;
  rows.forEach((row: unknown, b: number) => {
    if (!Array.isArray(row)) throw new UsageError(`--${name} mixes numbers and lists: ${name}[${b}] is ${JSON.stringify(row)}; give ${form}`);
    const at = (i: number) => (single ? `${name}[${i}]` : `${name}[${b}][${i}]`);
    row.forEach((x: unknown, i: number) => {
      if (Array.isArray(x)) throw new UsageError(single ? `--${name} mixes numbers and lists: ${at(i)} is a list; give ${form}` : `--${name} nests too deep: ${at(i)} is a list; give ${form}`);
      if (typeof x !== 'number' || !Number.isInteger(x)) throw new UsageError(`${at(i)} must be an integer token id, got ${JSON.stringify(x)}`);
    });
    if (row.length === 0) throw new UsageError(`${single ? name : `${name}[${b}]`} is empty: a sequence needs at least one token`);
    if (row.length !== (rows[0] as unknown[]).length) {
      throw new UsageError(`${name}[${b}] has ${row.length} tokens but ${name}[0] has ${(rows[0] as unknown[]).length}: sequences in a batch must have equal length`);
    }
  });
  return { batch: rows as number[][], single };
}

function checkTokenIds(tokens: Sequences, config: TinyConfig): void {
  tokens.batch.forEach((row, b) =>
    row.forEach((t, i) => {
      if (t < 0 || t >= config.vocab_size) {
        throw new RangeArgumentError(`${tokens.single ? `tokens[${i}]` : `tokens[${b}][${i}]`} = ${t} is not a token id in 0…${config.vocab_size - 1} (vocab_size ${config.vocab_size})`);
      }
    }),
  );
  const T = tokens.batch[0].length;
  if (T > config.block_size) {
    throw new RangeArgumentError(`--tokens has T = ${T} positions but block_size is ${config.block_size}: the position table pos_embed has no row beyond position ${config.block_size - 1}`);
  }
}

function checkTargets(targets: Sequences, tokens: Sequences, config: TinyConfig, kind: TinyKind): void {
  const B = tokens.batch.length;
  const T = tokens.batch[0].length;
  if (targets.single !== tokens.single || targets.batch.length !== B || targets.batch[0].length !== T) {
    throw new UsageError(`--targets must have the shape of --tokens ${seqShape(tokens)}, got ${seqShape(targets)}`);
  }
  targets.batch.forEach((row, b) =>
    row.forEach((t, i) => {
      const ok = (t >= 0 && t < config.vocab_size) || (kind === 'tinybert' && t === -100);
      if (!ok) {
        const at = targets.single ? `targets[${i}]` : `targets[${b}][${i}]`;
        const also = kind === 'tinybert' ? ' or the ignore index −100' : ' (−100, "not scored", is for TinyBERT only)';
        throw new RangeArgumentError(`${at} = ${t} is not a token id in 0…${config.vocab_size - 1}${also}`);
      }
    }),
  );
  if (targets.batch.every((row) => row.every((t) => t === -100))) {
    throw new RangeArgumentError('every target is the ignore index −100, so the mean loss is undefined (label at least one position)');
  }
}

// ---------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------
// Text output

interface ForwardReport {
  kind: TinyKind;
  config: TinyConfig;
  weights: LoadedTinyWeights;
  summary: string;
  tokens: Sequences;
  targets?: Sequences;
  logits: number[][][];
  loss?: number;
  digits: number;
}

/** log Σ exp(z), shifted by the maximum. */
export function logSumExp(z: readonly number[]): number {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
}

function formatForward(r: ForwardReport): string {
  const { kind, config: c, digits } = r;
  const V = c.vocab_size;
  const B = r.tokens.batch.length;
  const T = r.tokens.batch[0].length;
  const buffers = tinyBufferCount(kind, c);
  const count = `${tinyParameterCount(kind, c).toLocaleString('en-US')} parameters${buffers ? ` + ${buffers.toLocaleString('en-US')} buffer elements in the tril masks` : ''}`;
  const layout = r.weights.layout === 'fixture' ? "this project's fixture layout, only the param.* entries used" : 'plain state_dict';
  const logitsShape = r.tokens.single ? `(${T} × ${V})` : `(${B} × ${T} × ${V})`;
  const lines = [
    `${TITLE[kind]} forward pass, evaluation mode (dropout off):`,
    `  logits = ${HEAD[kind]}(ln_f(Block_${c.n_layer}(… Block_1(token_embed[idx] + pos_embed[0…T−1]))))   (${kind === 'tinygpt' ? 'causal' : 'bidirectional'} pre-LN blocks)`,
    `config:  vocab_size ${c.vocab_size}, block_size ${c.block_size}, n_embed ${c.n_embed}, n_head ${c.n_head} (head size ${c.n_embed / c.n_head}), n_layer ${c.n_layer}; dropout ${c.dropout} is not applied in evaluation mode`,
    `weights: ${r.weights.source} (${layout}; ${count})`,
    `backend: ${r.summary}`,
    `shapes:  tokens ${seqShape(r.tokens)} → logits ${logitsShape}`,
  ];

  const showAll = V <= FIRST_LOGITS + 2;
  const logitsHeader = showAll ? `logits[0…${V - 1}]` : `logits[0…${FIRST_LOGITS - 1}] (of ${V})`;
  const meaning = kind === 'tinygpt' ? 'the most likely next token after each position' : 'the most likely token at each position';
  r.logits.forEach((seq, b) => {
    lines.push('', `${r.tokens.single ? 'logits' : `sequence ${b}: logits`} (${T} × ${V}); argmax = ${meaning}, p = its softmax probability`);
    const headers = ['pos', 'token', 'argmax', 'p', ...(r.targets ? ['target', '−log p(target)'] : []), logitsHeader];
    const rows = seq.map((z, t) => {
      const lse = logSumExp(z);
      const arg = z.indexOf(Math.max(...z));
      const target = r.targets?.batch[b][t];
      const scored = target === undefined ? [] : target === -100 ? ['−100', '(not scored)'] : [String(target), formatNumber(lse - z[target], digits)];
      return [String(t), String(r.tokens.batch[b][t]), String(arg), formatNumber(Math.exp(z[arg] - lse), digits), ...scored, formatVector(showAll ? z : z.slice(0, FIRST_LOGITS), digits).replace(/]$/, showAll ? ']' : ', …]')];
    });
    const right = headers.map((h) => h !== logitsHeader);
    lines.push(...formatTable(headers, rows, right).split('\n').map((l) => `  ${l}`));
  });

  lines.push('');
  if (r.loss === undefined) {
    lines.push('loss: (give --targets to compute the cross-entropy loss)');
  } else {
    const scored = r.targets!.batch.flat().filter((t) => t !== -100).length;
    const over = kind === 'tinybert' ? `the ${scored} labelled position${scored === 1 ? '' : 's'} (targets −100 are not scored)` : `all ${scored} position${scored === 1 ? '' : 's'}`;
    lines.push(`loss = ${formatNumber(r.loss, digits)}: mean cross-entropy over ${over}; a uniform guess scores ln ${V} ≈ ${formatNumber(Math.log(V), digits)}`);
  }
  return lines.join('\n');
}
