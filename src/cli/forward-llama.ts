/**
 * `transformer-spec forward --model tinyllama`: the tiny LLaMA-architecture model
 * (src/reference/tiny-llama.ts, src/tfjs/tiny-llama.ts) on your tokens, with a Hugging Face
 * LlamaConfig as --config and LlamaForCausalLM weights from safetensors as --weights (a plain
 * state_dict, or this project's fixture layout with param.* entries, e.g.
 * fixtures/llm/tinyllama.safetensors). Prints logits and, given --targets (the next tokens,
 * aligned with the positions, as for TinyGPT), the mean cross-entropy.
 */
import { onTfjs, REFERENCE_SUMMARY } from './tfjs-backend.js';
import { MalformedInputError } from '../core/errors.js';
import { BYTES, checkCount, checkMemory } from '../core/limits.js';
import { llamaParameterCount, llamaStateDictLayout, validateLlamaConfig, type TinyLlamaConfig } from '../core/llama-config.js';
import { checkStateDict, readSafetensors, toFloat32, type ExpectedTensor, type SafeTensor } from '../core/safetensors.js';
import { leafFromFlat, unflatten } from '../core/state-dict.js';
import { FIXTURE_PARAM_PREFIX, WEIGHT_DTYPES, type LoadedTensor } from '../ops/tiny-weights.js';
import { checkLlamaTokens, tinyLlama as referenceLlama, type TinyLlamaParams } from '../reference/tiny-llama.js';
import { UsageError, parseChoiceOption, parseJsonOption, requireOption } from './args.js';
import { readOptionFile, readOptionJson } from './files.js';
import { digitsOption, logSumExp, readSequences, seqShape } from './forward.js';
import { formatNumber, formatTable, formatVector, toJson, type Io } from './format.js';

const BACKENDS = ['reference', 'tfjs'] as const;

/** What `forward --model tinyllama --json` prints. */
export interface ForwardLlamaJson {
  logits: number[][][] | number[][];
  loss?: number;
  backend: string;
  model: 'tinyllama';
  config: TinyLlamaConfig;
}

interface LoadedLlama {
  names: string[];
  tensors: Map<string, LoadedTensor>;
  layout: 'state_dict' | 'fixture';
}

/** LlamaForCausalLM weights, checked name by name and shape by shape against the config's state_dict. */
export function loadLlamaWeights(path: string, config: TinyLlamaConfig): LoadedLlama {
  checkCount('tensors', `tinyllama with ${config.num_hidden_layers} layers: its state_dict has ${(9 * config.num_hidden_layers + 3).toLocaleString('en-US')} entries`, 9 * config.num_hidden_layers + 3);
  const { tensors: all } = readSafetensors(path);
  const fixture = [...all.keys()].some((k) => k.startsWith(FIXTURE_PARAM_PREFIX));
  const prefix = fixture ? FIXTURE_PARAM_PREFIX : '';
  const candidates = new Map<string, SafeTensor>([...all].filter(([n]) => !(fixture && /^(input|output|cotangent|grad)\./.test(n))));
  const layout = llamaStateDictLayout(config);
  const expected: Record<string, ExpectedTensor> = {};
  for (const [n, shape] of layout) expected[prefix + n] = { shape, dtype: [...WEIGHT_DTYPES] };
  try {
    checkStateDict(candidates, expected, path);
  } catch (e) {
    if (e instanceof MalformedInputError) throw new MalformedInputError(`${e.message} (checked against LlamaForCausalLM with hidden_size ${config.hidden_size}, ${config.num_hidden_layers} layers, ${config.num_attention_heads} heads, ${config.num_key_value_heads} key/value heads)`);
    throw e;
  }
  const tensors = new Map<string, LoadedTensor>();
  for (const n of layout.keys()) {
    const t = candidates.get(prefix + n)!;
    const values = toFloat32(t);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new MalformedInputError(`${path}: tensor ${JSON.stringify(prefix + n)} holds ${values[bad]} at flat index ${bad}; weights must be finite`);
    tensors.set(n, { shape: [...t.shape], values });
  }
  return { names: [...layout.keys()], tensors, layout: fixture ? 'fixture' : 'state_dict' };
}

export async function runForwardLlama(o: Record<string, string | boolean | undefined>, io: Io): Promise<number> {
  const configPath = requireOption(o.config as string | undefined, 'config', 'FILE.json');
  const weightsPath = requireOption(o.weights as string | undefined, 'weights', 'FILE.safetensors');
  const tokensText = requireOption(o.tokens as string | undefined, 'tokens', 'JSON');
  const backend = parseChoiceOption((o.backend as string | undefined) ?? 'reference', 'backend', BACKENDS);
  const digits = digitsOption(o.digits as string | undefined);
  const config = validateLlamaConfig(readOptionJson('config', configPath), `--config ${configPath}`);
  const tokens = readSequences(parseJsonOption(tokensText, 'tokens'), 'tokens');
  const targets = o.targets === undefined ? undefined : readSequences(parseJsonOption(o.targets as string, 'targets'), 'targets');
  if (targets && (targets.single !== tokens.single || targets.batch.length !== tokens.batch.length || targets.batch[0].length !== tokens.batch[0].length)) {
    throw new UsageError(`--targets must have the shape of --tokens ${seqShape(tokens)}, got ${seqShape(targets)}`);
  }
  checkLlamaTokens(tokens.batch, config, targets?.batch);
  const [B, T] = [tokens.batch.length, tokens.batch[0].length];
  const params = llamaParameterCount(config);
  // weights twice (file values and the model's copy) plus, per position, the widest activations of a layer and the logits
  checkMemory(`forward with tinyllama (${params.toLocaleString('en-US')} parameters) on ${seqShape(tokens)} tokens`, 2 * params * BYTES.float64 + B * T * (4 * config.intermediate_size + 4 * config.hidden_size + T * config.num_attention_heads + config.vocab_size) * BYTES.float64);
  const weights = readOptionFile('weights', weightsPath, (p) => loadLlamaWeights(p, config));

  let logits: number[][][];
  let loss: number | undefined;
  let backendName: string = backend;
  let summary = REFERENCE_SUMMARY;
  if (backend === 'tfjs') {
    const r = await onTfjs('tinyLlama', { config, weights: { names: weights.names, tensors: weights.tensors }, idx: tokens.batch, ...(targets ? { targets: targets.batch } : {}) });
    ({ name: backendName, summary } = r);
    ({ logits, loss } = r.value);
  } else {
    const p = unflatten(weights.names.map((n) => [n, leafFromFlat(weights.tensors.get(n)!, n)])) as unknown as TinyLlamaParams<number>;
    ({ logits, loss } = referenceLlama(config, p, tokens.batch, targets?.batch));
  }

  if (o.json) {
    if (backend === 'tfjs') io.err(`backend: ${summary}`);
    const result: ForwardLlamaJson = { logits: tokens.single ? logits[0] : logits, ...(loss === undefined ? {} : { loss }), backend: backendName, model: 'tinyllama', config };
    io.out(toJson(result));
    return 0;
  }
  const c = config;
  const V = c.vocab_size;
  const lines = [
    'TinyLlama forward pass (LlamaForCausalLM architecture):',
    `  logits = lm_head(RMSNorm(Layer_${c.num_hidden_layers}(… Layer_1(embed_tokens[idx]))));  Layer: h + GQA-attention(RMSNorm(h)) with split-half RoPE, then + SwiGLU(RMSNorm(·))`,
    `config:  vocab_size ${V}, hidden_size ${c.hidden_size}, ${c.num_attention_heads} query heads sharing ${c.num_key_value_heads} key/value heads (head size ${c.hidden_size / c.num_attention_heads}), intermediate_size ${c.intermediate_size}, ${c.num_hidden_layers} layers, rms_norm_eps ${c.rms_norm_eps}, rope_theta ${c.rope_theta}`,
    `weights: ${weightsPath} (${weights.layout === 'fixture' ? "this project's fixture layout, only the param.* entries used" : 'plain state_dict'}; ${params.toLocaleString('en-US')} parameters, untied head)`,
    `backend: ${summary}`,
    `shapes:  tokens ${seqShape(tokens)} → logits ${tokens.single ? `(${T} × ${V})` : `(${B} × ${T} × ${V})`}`,
  ];
  logits.forEach((seq, b) => {
    lines.push('', `${tokens.single ? 'logits' : `sequence ${b}: logits`} (${T} × ${V}); argmax = the most likely next token, p = its softmax probability`);
    const headers = ['pos', 'token', 'argmax', 'p', ...(targets ? ['target', '−log p(target)'] : []), `logits[0…3] (of ${V})`];
    const rows = seq.map((z, t) => {
      const lse = logSumExp(z);
      const arg = z.indexOf(Math.max(...z));
      const target = targets?.batch[b][t];
      return [String(t), String(tokens.batch[b][t]), String(arg), formatNumber(Math.exp(z[arg] - lse), digits), ...(target === undefined ? [] : [String(target), formatNumber(lse - z[target], digits)]), formatVector(z.slice(0, 4), digits).replace(/]$/, ', …]')];
    });
    lines.push(...formatTable(headers, rows, headers.map((_, i) => i < headers.length - 1)).split('\n').map((l) => `  ${l}`));
  });
  lines.push('', loss === undefined ? 'loss: (give --targets, the next token at each position, to compute the cross-entropy loss)' : `loss = ${formatNumber(loss, digits)}: mean cross-entropy over all ${B * T} positions (targets aligned with the positions); a uniform guess scores ln ${V} ≈ ${formatNumber(Math.log(V), digits)}`);
  io.out(lines.join('\n'));
  return 0;
}
