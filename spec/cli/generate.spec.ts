/**
 * `transformer-spec generate`: the command gives exactly what the library's generation loop gives
 * (seeded sampling, greedy decoding, context cropped to block_size), the same text on both
 * backends for a fixed seed, the tutorial's top_k = 50 changes nothing with 48 characters, a
 * config may carry its own vocabulary; bad sampling options are the named errors, one line, exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GenerateJson } from '../../src/cli/generate.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { seededRng } from '../../src/core/random.js';
import { loadTinyWeights, referenceTinyParams } from '../../src/ops/tiny-weights.js';
import { validateTinyConfig } from '../../src/core/tiny-config.js';
import { generateTokens, greedy } from '../../src/reference/sampling.js';
import { tinyModel } from '../../src/reference/tiny-models.js';
import { readTutorialTexts } from '../../src/core/tutorial.js';
import { charVocabulary } from '../../src/training/vocab.js';
import { cli, expectUsageFailure } from '../_helpers/cli.js';

const CONFIG = join(PROJECT_ROOT, 'examples', 'tinygpt.config.json');
const WEIGHTS = join(PROJECT_ROOT, 'fixtures', 'models', 'tinygpt.safetensors');
const base = (...extra: string[]) => ['generate', '--model', 'tinygpt', '--config', CONFIG, '--weights', WEIGHTS, '--prompt', 'Jalāl ', ...extra];
const json = async (...extra: string[]): Promise<GenerateJson> => {
  const r = await cli(...base(...extra, '--json'));
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as GenerateJson;
};

const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-generate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vocab = charVocabulary(readTutorialTexts().gpt);
const config = validateTinyConfig({ vocab_size: 48, block_size: 16, n_embed: 32, n_head: 4, n_layer: 2, dropout: 0.1 });
const params = referenceTinyParams(loadTinyWeights(WEIGHTS, 'tinygpt', config));
const next = (context: number[]) => {
  const z = tinyModel('tinygpt', config, params, [context]).logits[0];
  return z[z.length - 1];
};

describe('generate', () => {
  it('equals the library loop (seed 1, T 0.8, top-k 10, 30 new characters) and decodes with the tutorial’s character vocabulary', async () => {
    const j = await json('--temperature', '0.8', '--top-k', '10', '--seed', '1', '--max-new-tokens', '30');
    const lib = generateTokens(next, vocab.encode('Jalāl '), { blockSize: 16, maxNewTokens: 30, rng: seededRng(1), temperature: 0.8, topK: 10 });
    expect(j.tokens).toEqual(lib.tokens);
    expect(j.text).toBe(vocab.decode(lib.tokens));
    expect([j.promptTokens, j.newTokens, j.blockSize, j.seed, j.backend, j.vocabulary]).toEqual([6, 30, 16, 1, 'reference', 'tutorial']);
    expect(j.sampling).toEqual({ greedy: false, temperature: 0.8, topK: 10 });
  });

  it('the same seed gives the same text on tfjs (the sampler draws from the same seeded stream; float32 logits here move no draw)', async () => {
    const r = await json('--temperature', '0.8', '--top-k', '10', '--seed', '1', '--max-new-tokens', '30');
    const t = await json('--temperature', '0.8', '--top-k', '10', '--seed', '1', '--max-new-tokens', '30', '--backend', 'tfjs');
    expect(t.backend).toMatch(/^tfjs:(gpu|tensorflow|wasm|cpu)$/);
    expect(t.tokens).toEqual(r.tokens);
  });

  it('--greedy is the argmax chain; different seeds give different samples', async () => {
    const g = await json('--greedy', '--max-new-tokens', '20');
    const tokens = vocab.encode('Jalāl ');
    for (let i = 0; i < 20; i++) tokens.push(greedy(next(tokens.slice(-16))));
    expect(g.tokens).toEqual(tokens);
    expect((await json('--seed', '2', '--max-new-tokens', '20')).tokens).not.toEqual((await json('--seed', '3', '--max-new-tokens', '20')).tokens);
  });

  it('[scratch.sampling.top-k-50-no-op] the tutorial’s top_k 50 gives exactly the text of no top-k at all (48 characters)', async () => {
    const a = await json('--temperature', '0.8', '--top-k', '50', '--seed', '4', '--max-new-tokens', '40');
    const b = await json('--temperature', '0.8', '--seed', '4', '--max-new-tokens', '40');
    expect(a.tokens).toEqual(b.tokens);
  });

  it('writes past block_size: 40 new characters after a 6-character prompt with block_size 16', async () => {
    const j = await json('--max-new-tokens', '40', '--top-p', '0.9');
    expect(j.tokens).toHaveLength(46);
  });

  it('a config may carry its own "vocab" (code-point order); then the tutorial is not needed', async () => {
    const path = join(dir, 'with-vocab.json');
    writeFileSync(path, JSON.stringify({ ...config, vocab: vocab.symbols }));
    const r = await cli('generate', '--model', 'tinygpt', '--config', path, '--weights', WEIGHTS, '--prompt', 'Rumi', '--seed', '5', '--max-new-tokens', '10', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as GenerateJson;
    expect(j.vocabulary).toBe('config');
    expect(j.text.startsWith('Rumi')).toBe(true);
  });

  it('text output: the settings, then the text', async () => {
    const r = await cli(...base('--temperature', '0.8', '--top-k', '50', '--seed', '1', '--max-new-tokens', '12'));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('TinyGPT generation, evaluation mode: 12 new tokens after a 6-character prompt; temperature 0.8, top-k 50, top-p off, seed 1');
    expect(lines[1]).toBe("context: the last 16 tokens (block_size) at each step; vocabulary: 48 characters of the tutorial's §4.1 text (code-point order)");
    const j = await json('--temperature', '0.8', '--top-k', '50', '--seed', '1', '--max-new-tokens', '12');
    expect(r.stdout.endsWith(`\n\n${j.text}\n`), 'the text follows a blank line, as generated (it may hold newlines)').toBe(true);
  });

  it('help: generate is listed, and generate --help describes its options', async () => {
    expect((await cli('--help')).stdout).toMatch(/\n {2}generate +continue a prompt with TinyGPT/);
    const h = await cli('generate', '--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^transformer-spec generate --model tinygpt --config FILE\.json --weights FILE\.safetensors --prompt TEXT/);
  });
});

describe('bad input: exit 2, one line naming the problem', () => {
  const smallVocab = () => {
    const path = join(dir, 'small-vocab.json');
    writeFileSync(path, JSON.stringify({ ...config, vocab: ['a', 'b', 'c'] }));
    return path;
  };
  const bad: Array<[string, () => string[], RegExp]> = [
    ['temperature 0', () => base('--temperature', '0'), /^error: temperature must be a finite number > 0, got 0 \(for the limit T → 0 use greedy decoding\)$/],
    ['temperature −1', () => base('--temperature', '-1'), /^error: temperature must be a finite number > 0, got -1$/],
    ['k = 0', () => base('--top-k', '0'), /^error: top-k needs an integer k ≥ 1, got 0$/],
    ['k = 2.5', () => base('--top-k', '2.5'), /^error: top-k needs an integer k ≥ 1, got 2\.5$/],
    ['p = 0', () => base('--top-p', '0'), /^error: top-p needs p in \(0, 1\], got 0$/],
    ['p = 1.5', () => base('--top-p', '1.5'), /^error: top-p needs p in \(0, 1\], got 1\.5$/],
    ['a temperature that is not a number', () => base('--temperature', 'warm'), /^error: --temperature must be a finite number, got "warm"$/],
    ['a character outside the vocabulary', () => ['generate', '--model', 'tinygpt', '--config', CONFIG, '--weights', WEIGHTS, '--prompt', 'Jalāl!'], /^error: unknown character "!" \(U\+0021\) at code point 5/],
    ['a config vocabulary that does not match vocab_size', () => ['generate', '--model', 'tinygpt', '--config', smallVocab(), '--weights', WEIGHTS, '--prompt', 'ab'], /^error: --config .*small-vocab\.json: vocab_size is 48 but the config's "vocab" has 3 characters$/],
    ['TinyBERT', () => ['generate', '--model', 'tinybert', '--config', CONFIG, '--weights', WEIGHTS, '--prompt', 'x'], /^error: --model tinybert cannot generate: TinyBERT's attention is bidirectional/],
    ['--greedy with --temperature', () => base('--greedy', '--temperature', '0.5'), /^error: --greedy takes the argmax and cannot be combined with --temperature, --top-k or --top-p$/],
    ['no prompt', () => ['generate', '--model', 'tinygpt', '--config', CONFIG, '--weights', WEIGHTS], /^error: missing required option --prompt TEXT$/],
    ['a negative --max-new-tokens', () => base('--max-new-tokens', '-1'), /^error: --max-new-tokens must be an integer ≥ 0, got -1$/],
    ['weights that do not exist', () => ['generate', '--model', 'tinygpt', '--config', CONFIG, '--weights', join(dir, 'absent.safetensors'), '--prompt', 'J'], /^error: --weights .*absent\.safetensors: cannot read the file \(no such file\)$/],
  ];
  it.each(bad)('%s', async (_name, argv, message) => {
    await expectUsageFailure(argv(), message);
  });
});
