/**
 * `transformer-spec forward`: TinyGPT / TinyBERT on the committed PyTorch fixtures give the
 * fixtures' logits and loss on both backends; a plain state_dict file gives the same logits;
 * malformed weights, configs, tokens and targets each exit 2 with one line naming the problem.
 * Runs main(argv, io) in-process; two child processes check the process-level contract.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, expectUsageFailure, type Run } from '../_helpers/cli.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { readSafetensors, serializeSafetensors, toNumbers, writeSafetensors, type SafeTensor } from '../../src/core/safetensors.js';
import type { TinyKind } from '../../src/core/tiny-config.js';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';


const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-forward-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
const rows = (t: SafeTensor) => {
  const v = toNumbers(t);
  return Array.from({ length: t.shape[0] }, (_, b) => v.slice(b * t.shape[1], (b + 1) * t.shape[1]));
};

function fixture(kind: TinyKind) {
  const weights = join(PROJECT_ROOT, 'fixtures', 'models', `${kind}.safetensors`);
  const { tensors } = readSafetensors(weights);
  const logits = tensors.get('output.logits')!;
  return {
    weights,
    config: join(PROJECT_ROOT, 'examples', `${kind}.config.json`),
    tensors,
    plain: new Map([...tensors].filter(([n]) => n.startsWith('param.')).map(([n, t]) => [n.slice('param.'.length), t])),
    idx: rows(tensors.get('input.idx')!),
    targets: rows(tensors.get(kind === 'tinygpt' ? 'input.targets' : 'input.labels')!),
    logitsShape: logits.shape,
    logits: Array.from(logits.data as Float32Array),
    loss: (tensors.get('output.loss')!.data as Float32Array)[0],
  };
}
const FIX = { tinygpt: fixture('tinygpt'), tinybert: fixture('tinybert') };
const GPT = FIX.tinygpt;

/** `forward` on a fixture's model, with overrides. */
const forwardArgs = (kind: TinyKind, over: { config?: string; weights?: string; tokens?: unknown; targets?: unknown } = {}, ...extra: string[]) => [
  'forward',
  '--model', kind,
  '--config', over.config ?? FIX[kind].config,
  '--weights', over.weights ?? FIX[kind].weights,
  '--tokens', JSON.stringify(over.tokens ?? FIX[kind].idx),
  ...(over.targets === undefined ? [] : ['--targets', JSON.stringify(over.targets)]),
  ...extra,
];

function writeWeights(tensors: Map<string, SafeTensor>): string {
  const path = join(dir, `weights-${fileCount++}.safetensors`);
  writeSafetensors(path, tensors);
  return path;
}
function writeConfig(config: unknown): string {
  const path = join(dir, `config-${fileCount++}.json`);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config));
  return path;
}

describe('forward --json on the PyTorch fixtures', () => {
  for (const kind of ['tinygpt', 'tinybert'] as TinyKind[]) {
    it.each(['reference', 'tfjs'])(`${kind} on %s: logits and loss of the fixture within PYTORCH_PARITY.modelForward`, async (backend) => {
      const fx = FIX[kind];
      const before = tf.memory().numTensors;
      const r = await cli(...forwardArgs(kind, { targets: fx.targets }, '--backend', backend, '--json'));
      expect(r.code, r.stderr).toBe(0);
      if (backend === 'tfjs') expect(r.stderr).toMatch(/^backend: tfjs \(float32, src\/tfjs\/\) on (gpu|tensorflow|wasm|cpu)/);
      else expect(r.stderr).toBe('');
      expect(tf.memory().numTensors).toBe(before);
      const json = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(Object.keys(json)).toEqual(['logits', 'loss', 'backend', 'model', 'config']);
      expect(json.model).toBe(kind);
      expect(json.backend).toMatch(backend === 'tfjs' ? /^tfjs:(gpu|tensorflow|wasm|cpu)$/ : /^reference$/);
      expect(json.config).toEqual(JSON.parse(readFileSync(fx.config, 'utf8')));
      const logits = json.logits as number[][][];
      expect([logits.length, logits[0].length, logits[0][0].length]).toEqual(fx.logitsShape);
      const cmp = compareNested(flat(logits), fx.logits, PYTORCH_PARITY.modelForward);
      expect(cmp.ok, cmp.message).toBe(true);
      expect(Math.abs((json.loss as number) - fx.loss)).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
    });
  }

  it('one sequence [ids] gives T × V logits (the batch row of the fixture) and no loss without targets', async () => {
    const r = await cli(...forwardArgs('tinybert', { tokens: FIX.tinybert.idx[2] }, '--json'));
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { logits: number[][]; loss?: number };
    expect('loss' in json).toBe(false);
    const [, T, V] = FIX.tinybert.logitsShape;
    expect([json.logits.length, json.logits[0].length]).toEqual([T, V]);
    const cmp = compareNested(flat(json.logits), FIX.tinybert.logits.slice(2 * T * V, 3 * T * V), PYTORCH_PARITY.modelForward);
    expect(cmp.ok, cmp.message).toBe(true);
  });

  it('a plain state_dict file (names without param.) loads and gives the same logits', async () => {
    const plainPath = writeWeights(GPT.plain);
    const plain = JSON.parse((await cli(...forwardArgs('tinygpt', { weights: plainPath }, '--json'))).stdout) as { logits: number[][][] };
    const fromFixture = JSON.parse((await cli(...forwardArgs('tinygpt', {}, '--json'))).stdout) as { logits: number[][][] };
    expect(plain.logits).toEqual(fromFixture.logits);
    const cmp = compareNested(flat(plain.logits), GPT.logits, PYTORCH_PARITY.modelForward);
    expect(cmp.ok, cmp.message).toBe(true);
  });
});

describe('forward (text)', () => {
  it('prints config, weights, backend, shapes, per position the argmax and the first logits, and the loss', async () => {
    const tokens = GPT.idx[0].slice(0, 5);
    const targets = GPT.targets[0].slice(0, 5);
    const r = await cli(...forwardArgs('tinygpt', { tokens, targets }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    for (const text of [
      'TinyGPT forward pass, evaluation mode (dropout off):',
      'config:  vocab_size 48, block_size 16, n_embed 32, n_head 4 (head size 8), n_layer 2',
      "(this project's fixture layout, only the param.* entries used; 28,912 parameters + 2,048 buffer elements in the tril masks)",
      'backend: reference (float64, src/reference/)',
      'shapes:  tokens (5) → logits (5 × 48)',
      'logits[0…3] (of 48)',
      '−log p(target)',
    ]) {
      expect(r.stdout).toContain(text);
    }
    const json = JSON.parse((await cli(...forwardArgs('tinygpt', { tokens, targets }, '--json'))).stdout) as { logits: number[][]; loss: number };
    json.logits.forEach((z, t) => {
      const argmax = z.indexOf(Math.max(...z));
      const first = z.slice(0, 4).map((x) => x.toFixed(4).replace(/^-0\.0000$/, '0.0000')).join(', ');
      expect(r.stdout).toMatch(new RegExp(`\\n +${t} +${tokens[t]} +${argmax} +0\\.\\d{4} +${targets[t]} +\\d+\\.\\d{4} +\\[${first.replace(/[.[\]]/g, '\\$&')}, …\\]\\n`));
    });
    expect(r.stdout).toContain(`loss = ${json.loss.toFixed(4)}: mean cross-entropy over all 5 positions; a uniform guess scores ln 48 ≈ 3.8712`);
  });

  it('TinyBERT: a batch, positions labelled −100 are not scored', async () => {
    const r = await cli(...forwardArgs('tinybert', { tokens: [[3, 1, 4, 1], [5, 9, 2, 6]], targets: [[-100, 1, -100, -100], [5, -100, -100, 7]] }, '--digits', '2'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shapes:  tokens (2 × 4) → logits (2 × 4 × 24)');
    expect(r.stdout).toContain('sequence 1: logits (4 × 24)');
    expect(r.stdout).toMatch(/ −100 +\(not scored\) /);
    expect(r.stdout).toMatch(/loss = \d\.\d\d: mean cross-entropy over the 3 labelled positions \(targets −100 are not scored\)/);
  });

  it('help: forward is listed, and forward --help describes its options', async () => {
    expect((await cli('--help')).stdout).toContain('forward');
    const h = await cli('forward', '--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^transformer-spec forward --model tinygpt\|tinybert\|tinyllama --config FILE\.json --weights FILE\.safetensors --tokens JSON/);
    expect((await cli('help', 'forward')).stdout).toBe(h.stdout);
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input: exit 2, one line naming the problem

const edited = (edit: (m: Map<string, SafeTensor>) => void) => () => {
  const m = new Map(GPT.plain);
  edit(m);
  return writeWeights(m);
};
const f32 = (shape: number[], fill = 0.5): SafeTensor => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });

const BAD_WEIGHTS: Array<[string, () => string, RegExp]> = [
  ['a missing parameter', edited((m) => m.delete('blocks.1.mh.proj.bias')), /state dict does not match the model: missing 1 key: "blocks\.1\.mh\.proj\.bias" \(checked against tinygpt with vocab_size 48/],
  ['an unexpected extra tensor', edited((m) => m.set('blocks.0.mh.heads.0.bias', f32([8]))), /unexpected 1 key: "blocks\.0\.mh\.heads\.0\.bias"/],
  ['a wrong shape', edited((m) => m.set('pos_embed.weight', f32([8, 32]))), /tensor "pos_embed\.weight" has shape \[8, 32\], expected \[16, 32\]/],
  ['an integer dtype for a weight', edited((m) => m.set('lm_head.weight', { dtype: 'I64', shape: [48, 32], data: new BigInt64Array(48 * 32) })), /tensor "lm_head\.weight" has dtype I64, expected F32 or F64 or F16 or BF16/],
  ['a tril buffer that is not lower-triangular', edited((m) => m.set('blocks.0.mh.heads.3.tril', f32([16, 16], 1))), /buffer "blocks\.0\.mh\.heads\.3\.tril" must be the causal mask torch\.tril\(torch\.ones\(16, 16\)\) .*entry \[0\]\[1\] is 1, expected 0/],
  ['a truncated file', () => {
    const path = join(dir, `truncated-${fileCount++}.safetensors`);
    const bytes = serializeSafetensors(GPT.plain);
    writeFileSync(path, bytes.subarray(0, bytes.length - 4096)); // a download cut short
    return path;
  }, /entry ".*" has data_offsets \[\d+, \d+\], whose end is past the end of the data section/],
  ['the other model’s weights', () => FIX.tinybert.weights, /missing \d+ keys: .*"param\.lm_head\.bias"/],
];

describe('malformed weights: exit 2, one line naming the file and the tensor', () => {
  it.each(BAD_WEIGHTS)('%s', async (_name, make, message) => {
    const path = make();
    await expectUsageFailure(forwardArgs('tinygpt', { weights: path }), message, new RegExp(`^error: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('a weights file that does not exist', async () => {
    const r = await cli(...forwardArgs('tinygpt', { weights: join(dir, 'absent.safetensors') }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --weights .*absent\.safetensors: cannot read the file \(no such file\)\n$/);
  });
});

describe('bad config, tokens and targets: exit 2, one line naming the problem', () => {
  const gptConfig = JSON.parse(readFileSync(GPT.config, 'utf8')) as Record<string, unknown>;
  const bad: Array<[string, () => string[], RegExp]> = [
    ['n_embed not divisible by n_head', () => forwardArgs('tinygpt', { config: writeConfig({ ...gptConfig, n_embed: 30 }) }), /^error: --config .*: n_embed \(30\) must be divisible by n_head \(4\)$/],
    ['an unknown config key', () => forwardArgs('tinygpt', { config: writeConfig({ ...gptConfig, n_embd: 32 }) }), /^error: --config .*: unknown key\(s\) n_embd; expected vocab_size, block_size, n_embed, n_head, n_layer, dropout$/],
    ['a config that is not JSON', () => forwardArgs('tinygpt', { config: writeConfig('{"vocab_size": 48,') }), /^error: --config .* is not valid JSON: /],
    ['a config file that does not exist', () => forwardArgs('tinygpt', { config: join(dir, 'absent.json') }), /^error: --config .*absent\.json: cannot read the file \(no such file\)$/],
    ['a config that does not fit the weights', () => forwardArgs('tinygpt', { config: writeConfig({ ...gptConfig, n_head: 8 }) }), /^error: .*tinygpt\.safetensors: state dict does not match the model: missing 32 keys: .*n_head 8/],
    ['a token ≥ vocab_size', () => forwardArgs('tinygpt', { tokens: [1, 2, 48] }), /^error: tokens\[2\] = 48 is not a token id in 0…47 \(vocab_size 48\)$/],
    ['a negative token in a batch', () => forwardArgs('tinygpt', { tokens: [[1, 2], [3, -1]] }), /^error: tokens\[1\]\[1\] = -1 is not a token id in 0…47/],
    ['T > block_size', () => forwardArgs('tinygpt', { tokens: Array.from({ length: 17 }, (_, i) => i) }), /^error: --tokens has T = 17 positions but block_size is 16: /],
    ['a non-integer token', () => forwardArgs('tinygpt', { tokens: [1, 2.5] }), /^error: tokens\[1\] must be an integer token id, got 2\.5$/],
    ['ragged sequences', () => forwardArgs('tinygpt', { tokens: [[1, 2], [3]] }), /^error: tokens\[1\] has 1 tokens but tokens\[0\] has 2: sequences in a batch must have equal length$/],
    ['no tokens', () => forwardArgs('tinygpt', { tokens: [] }), /^error: --tokens must be one sequence \[id, …\] or a batch \[\[id, …\], …\] with at least one token, got \[\]$/],
    ['malformed JSON in --tokens', () => [...forwardArgs('tinygpt').slice(0, 7), '--tokens', '[1, 2'], /^error: --tokens is not valid JSON: /],
    ['targets of the wrong length', () => forwardArgs('tinygpt', { tokens: [1, 2, 3], targets: [2, 3] }), /^error: --targets must have the shape of --tokens \(3\), got \(2\)$/],
    ['a batch of targets for one sequence', () => forwardArgs('tinygpt', { tokens: [1, 2, 3], targets: [[2, 3, 4]] }), /^error: --targets must have the shape of --tokens \(3\), got \(1 × 3\)$/],
    ['−100 in TinyGPT targets', () => forwardArgs('tinygpt', { tokens: [1, 2], targets: [2, -100] }), /^error: targets\[1\] = -100 is not a token id in 0…47 \(−100, "not scored", is for TinyBERT only\)$/],
    ['TinyBERT targets all −100', () => forwardArgs('tinybert', { tokens: [1, 2], targets: [-100, -100] }), /^error: every target is the ignore index −100, so the mean loss is undefined/],
    ['missing --model', () => ['forward', ...forwardArgs('tinygpt').slice(3)], /^error: missing required option --model tinygpt\|tinybert\|tinyllama$/],
    ['an unknown --model', () => forwardArgs('gpt2' as TinyKind, { config: GPT.config, weights: GPT.weights, tokens: [1] }), /^error: --model must be one of tinygpt, tinybert, tinyllama, got "gpt2"$/],
    ['an unknown option', () => forwardArgs('tinygpt', {}, '--target', '[1]'), /^error: unknown option --target for `forward` \(did you mean --targets\?\)$/],
  ];

  it.each(bad)('%s', async (_name, argv, message) => {
    await expectUsageFailure(argv(), message);
  });
});

// ---------------------------------------------------------------------------------------------
// Child processes: the demo as documented, and pure JSON on stdout with tfjs.

describe('as a process', () => {
  /** Asynchronous, so that the two processes (each loading tsx, mathjs and tfjs) run side by side. */
  const child = (args: string[]) =>
    new Promise<Run>((done, fail) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') fail(error);
        else done({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      });
    });

  it.concurrent('the documented demo runs on the committed fixture with relative paths', async () => {
    const r = await child(['forward', '--model', 'tinygpt', '--config', 'examples/tinygpt.config.json', '--weights', 'fixtures/models/tinygpt.safetensors', '--tokens', '[1,2,3,4]', '--targets', '[2,3,4,5]']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('weights: fixtures/models/tinygpt.safetensors (');
    expect(r.stdout).toMatch(/\nloss = \d\.\d{4}: mean cross-entropy over all 4 positions/);
  });

  it.concurrent('--json --backend tfjs keeps stdout one JSON object; the backend goes to stderr', async () => {
    const r = await child(['forward', '--model', 'tinybert', '--config', 'examples/tinybert.config.json', '--weights', 'fixtures/models/tinybert.safetensors', '--tokens', JSON.stringify(FIX.tinybert.idx), '--json', '--backend', 'tfjs']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(r.stdout) as { logits: number[][][] };
    const cmp = compareNested(flat(json.logits), FIX.tinybert.logits, PYTORCH_PARITY.modelForward);
    expect(cmp.ok, cmp.message).toBe(true);
    expect(r.stderr).toMatch(/^backend: tfjs/);
  });
});
