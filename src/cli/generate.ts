/**
 * `transformer-spec generate`: continue a prompt with the tutorial's TinyGPT, as its generate()
 * does (scratch §4.4.1) — crop the running text to the last block_size tokens, take the logits of
 * the last position, filter (temperature → top-k → top-p), draw one token from a seeded generator,
 * append, repeat.
 *
 *   generate --model tinygpt --config FILE.json --weights FILE.safetensors --prompt TEXT
 *            [--temperature T] [--top-k K] [--top-p P] [--greedy] [--seed S] [--max-new-tokens N]
 *            [--backend reference|tfjs] [--json]
 *
 * Tokens are characters. The vocabulary is the config's optional "vocab" (one character per id,
 * in code-point order — what `npm run reproduce -- tinygpt --save-weights` writes), or else the
 * character vocabulary of the tutorial's TinyGPT text, read from the tutorial at run time.
 * Bad sampling options are the named errors of src/reference/sampling.ts (TemperatureError,
 * TopKError, TopPError); a prompt character outside the vocabulary is an UnknownTokenError.
 */
import { onTfjs, REFERENCE_SUMMARY } from './tfjs-backend.js';
import { seededRng } from '../core/random.js';
import { BYTES, checkMemory } from '../core/limits.js';
import { tinyForwardBytes, validateTinyConfig, type TinyConfig } from '../core/tiny-config.js';
import { loadTinyWeights, referenceTinyParams, type LoadedTinyWeights } from '../ops/tiny-weights.js';
import { checkTemperature, checkTopK, checkTopP, generateTokens, type SamplingOptions } from '../reference/sampling.js';
import { tinyModel } from '../reference/tiny-models.js';
import { readTutorialTexts } from '../core/tutorial.js';
import { charVocabulary, charVocabularyFrom, type Vocabulary } from '../training/vocab.js';
import { UsageError, parseArgs, parseChoiceOption, parseIntegerOption, parseNumberOption, requireOption, type OptionSpecs } from './args.js';
import { readOptionFile, readOptionJson } from './files.js';
import { toJson, type Io } from './format.js';

const GENERATE_OPTIONS = {
  model: { type: 'string', valueName: 'tinygpt' },
  config: { type: 'string', valueName: 'FILE.json' },
  weights: { type: 'string', valueName: 'FILE.safetensors' },
  prompt: { type: 'string', valueName: 'TEXT' },
  temperature: { type: 'string', valueName: 'T' },
  'top-k': { type: 'string', valueName: 'K' },
  'top-p': { type: 'string', valueName: 'P' },
  greedy: { type: 'boolean' },
  seed: { type: 'string', valueName: 'S' },
  'max-new-tokens': { type: 'string', valueName: 'N' },
  backend: { type: 'string', valueName: 'reference|tfjs' },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;

export const GENERATE_DEFAULTS = { temperature: 1, seed: 0, maxNewTokens: 100 } as const;

/** What `generate --json` prints. */
export interface GenerateJson {
  text: string;
  prompt: string;
  /** Prompt ids followed by the generated ids. */
  tokens: number[];
  promptTokens: number;
  newTokens: number;
  model: 'tinygpt';
  backend: string;
  seed: number;
  sampling: { greedy: boolean; temperature?: number; topK?: number; topP?: number };
  blockSize: number;
  vocabulary: 'config' | 'tutorial';
}

export async function runGenerate(argv: readonly string[], io: Io): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, GENERATE_OPTIONS, 'generate');
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for \`generate\` (the prompt goes in --prompt)`);
  const model = requireOption(o.model, 'model', 'tinygpt');
  if (model === 'tinybert') {
    throw new UsageError(
      "--model tinybert cannot generate: TinyBERT's attention is bidirectional and its head predicts masked positions from both sides (claim scratch.blocks.bert-head-next-token), so it has no left-to-right next-token distribution; use --model tinygpt",
    );
  }
  parseChoiceOption(model, 'model', ['tinygpt'] as const);
  const configPath = requireOption(o.config, 'config', 'FILE.json');
  const weightsPath = requireOption(o.weights, 'weights', 'FILE.safetensors');
  const prompt = requireOption(o.prompt, 'prompt', 'TEXT');
  if (prompt.length === 0) throw new UsageError('--prompt must hold at least one character');
  const backend = parseChoiceOption(o.backend ?? 'reference', 'backend', ['reference', 'tfjs'] as const);
  const greedy = o.greedy ?? false;
  const sampling = samplingOptions(o.temperature, o['top-k'], o['top-p']);
  if (greedy && (o.temperature !== undefined || o['top-k'] !== undefined || o['top-p'] !== undefined)) {
    throw new UsageError('--greedy takes the argmax and cannot be combined with --temperature, --top-k or --top-p');
  }
  const seed = o.seed === undefined ? GENERATE_DEFAULTS.seed : parseIntegerOption(o.seed, 'seed', 0);
  const maxNewTokens = o['max-new-tokens'] === undefined ? GENERATE_DEFAULTS.maxNewTokens : parseIntegerOption(o['max-new-tokens'], 'max-new-tokens', 0);

  const { config, vocab, source } = readConfigAndVocabulary(configPath);
  const ids = vocab.encode(prompt);
  const window = Math.min(config.block_size, ids.length + maxNewTokens); // the longest context a step sees
  checkMemory(
    `generate with tinygpt (n_layer ${config.n_layer}, n_embed ${config.n_embed}, vocab_size ${config.vocab_size}), ${ids.length} + ${maxNewTokens} tokens`,
    tinyForwardBytes('tinygpt', config, 1, window, backend) + (ids.length + maxNewTokens) * (BYTES.float64 + BYTES.printedNumber),
  );
  const weights = readWeights(weightsPath, config);

  let tokens: number[];
  let backendName: string = backend;
  let summary = REFERENCE_SUMMARY;
  if (backend === 'tfjs') {
    const r = await onTfjs('generate', { config, weights: { names: weights.names, tensors: weights.tensors }, prompt: ids, maxNewTokens, seed, greedy, sampling });
    ({ name: backendName, summary } = r);
    tokens = r.value;
  } else {
    const params = referenceTinyParams(weights);
    const next = (context: number[]) => {
      const logits = tinyModel('tinygpt', config, params, [context]).logits[0]; // (T × V)
      return logits[logits.length - 1];
    };
    tokens = generateTokens(next, ids, { blockSize: config.block_size, maxNewTokens, rng: seededRng(seed), greedy, ...sampling }).tokens;
  }
  const text = vocab.decode(tokens);
  if (o.json) {
    if (backend === 'tfjs') io.err(`backend: ${summary}`);
    const result: GenerateJson = {
      text,
      prompt,
      tokens,
      promptTokens: ids.length,
      newTokens: tokens.length - ids.length,
      model: 'tinygpt',
      backend: backendName,
      seed,
      sampling: { greedy, ...sampling },
      blockSize: config.block_size,
      vocabulary: source,
    };
    io.out(toJson(result));
    return 0;
  }
  const how = greedy
    ? 'greedy (argmax)'
    : `temperature ${sampling.temperature ?? GENERATE_DEFAULTS.temperature}, top-k ${sampling.topK ?? 'off'}, top-p ${sampling.topP ?? 'off'}, seed ${seed}`;
  io.out(
    [
      `TinyGPT generation, evaluation mode: ${maxNewTokens} new token${maxNewTokens === 1 ? '' : 's'} after a ${ids.length}-character prompt; ${how}`,
      `context: the last ${config.block_size} tokens (block_size) at each step; vocabulary: ${vocab.symbols.length} characters ${source === 'config' ? 'from the config' : "of the tutorial's §4.1 text (code-point order)"}`,
      `weights: ${weightsPath}`,
      `backend: ${summary}`,
      '',
      text,
    ].join('\n'),
  );
  return 0;
}

/** The sampling options as given, checked with the samplers' named errors. */
function samplingOptions(t: string | undefined, k: string | undefined, p: string | undefined): SamplingOptions {
  const o: SamplingOptions = {};
  if (t !== undefined) {
    o.temperature = parseNumberOption(t, 'temperature');
    checkTemperature(o.temperature);
  }
  if (k !== undefined) {
    o.topK = parseNumberOption(k, 'top-k');
    checkTopK(o.topK);
  }
  if (p !== undefined) {
    o.topP = parseNumberOption(p, 'top-p');
    checkTopP(o.topP);
  }
  return o;
}

function readConfigAndVocabulary(path: string): { config: TinyConfig; vocab: Vocabulary; source: 'config' | 'tutorial' } {
  const raw = readOptionJson('config', path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) validateTinyConfig(raw, `--config ${path}`); // throws: not an object
  const { vocab: symbols, ...rest } = raw as Record<string, unknown>;
  const config = validateTinyConfig(rest, `--config ${path}`);
  let vocab: Vocabulary;
  let source: 'config' | 'tutorial';
  if (symbols !== undefined) {
    if (!Array.isArray(symbols)) throw new UsageError(`--config ${path}: "vocab" must be a list of characters, one per token id`);
    vocab = charVocabularyFrom(symbols, `--config ${path}: vocab`);
    source = 'config';
  } else {
    vocab = charVocabulary(readTutorialTexts().gpt);
    source = 'tutorial';
  }
  if (vocab.symbols.length !== config.vocab_size) {
    throw new UsageError(
      `--config ${path}: vocab_size is ${config.vocab_size} but the ${source === 'config' ? 'config\'s "vocab"' : "tutorial's character vocabulary"} has ${vocab.symbols.length} characters${source === 'tutorial' ? '; add a "vocab" list to the config' : ''}`,
    );
  }
  return { config, vocab, source };
}

function readWeights(path: string, config: TinyConfig): LoadedTinyWeights {
  return readOptionFile('weights', path, (p) => loadTinyWeights(p, 'tinygpt', config));
}
