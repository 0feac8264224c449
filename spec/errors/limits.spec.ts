/**
 * Upper limits (src/core/limits.ts): a request whose size is stated in its arguments is estimated
 * before anything is allocated, and refused with a ResourceLimitError above the memory limit
 * (default 1 GiB; --max-memory, TRANSFORMER_SPEC_MAX_MEMORY). Each case below allocated until the
 * process died (V8 abort, exit 134) or ran for minutes at 4–8 GB before (issue 14, finding 2).
 *
 * The library cases run on the reference and on tfjs (the backend of this run: the suite runs on
 * wasm and cpu) and leak no tensor; the CLI cases run main() in this worker. One child process
 * runs ROUGE on two 4,000-token lines with a 64 MB V8 heap: the old n × m table (16 million
 * entries of 8 bytes, twice) could not fit; two rows of Int32 can.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { ArgumentError, ResourceLimitError } from '../../src/core/errors.js';
import { checkMemory, formatBytes, limit, LIMITS, parseByteSize, withLimits } from '../../src/core/limits.js';
import { parameterCount, type ModelConfig } from '../../src/core/model-configs.js';
import { account, modelSpecFromConfig, modulesOf, PeftTargetError, selectLoraModules } from '../../src/core/parameter-accounting.js';
import { tinyParameterCount, tinyStateDictLayout, validateTinyConfig } from '../../src/core/tiny-config.js';
import * as R from '../../src/reference/index.js';
import { sinusoidalEncoding as hpEncoding } from '../../src/reference/high-precision.js';
import { lcsLength } from '../../src/reference/rouge.js';
import * as T from '../../src/tfjs/index.js';
import { backendReport } from '../_helpers/setup.js';
import { cli, expectUsageFailure } from '../_helpers/cli.js';
import { withEnv } from '../_helpers/env.js';
import { expectSpecError } from '../_helpers/errors.js';
import { checkProperty, fc } from '../_helpers/property.js';

const TFJS = `tfjs (${backendReport.choice})`;
const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const OVER = /needs about .* more than the memory limit of 1 GiB; raise it with --max-memory SIZE or TRANSFORMER_SPEC_MAX_MEMORY=SIZE/;

describe('the limits themselves', () => {
  it('defaults: 1 GiB of memory, 16 MiB config files, 64 MiB text files, 100,000 tensors per safetensors file', () => {
    expect([limit('memory'), limit('configBytes'), limit('textBytes'), limit('tensors')]).toEqual([2 ** 30, 16 * 2 ** 20, 64 * 2 ** 20, 100_000]);
    expect(Object.values(LIMITS).map((l) => l.env)).toEqual(['TRANSFORMER_SPEC_MAX_MEMORY', 'TRANSFORMER_SPEC_MAX_CONFIG_BYTES', 'TRANSFORMER_SPEC_MAX_TEXT_BYTES', 'TRANSFORMER_SPEC_MAX_TENSORS']);
  });

  it('sizes are decimal byte counts with binary units; hex, signs, exponents and empty values are refused', () => {
    expect(['1073741824', '512MiB', '2GiB', '1.5K', '3 MiB', '64m'].map((s) => parseByteSize(s, 'size'))).toEqual([2 ** 30, 512 * 2 ** 20, 2 * 2 ** 30, 1536, 3 * 2 ** 20, 64 * 2 ** 20]);
    for (const bad of ['0x10', '-1', '1e9', '', '0', '12 parsecs', 'GiB']) expectSpecError(() => parseByteSize(bad, 'size'), ArgumentError, 'BAD_ARGUMENT', /^size must be a size in bytes|^size must be at least 1 byte/);
  });

  it('withLimits overrides for the duration of a call and restores the limit after, even when the call throws', async () => {
    await withLimits({ memory: 1024 }, async () => expect(limit('memory')).toBe(1024));
    await expect(withLimits({ memory: 1024 }, async () => checkMemory('a 2 KiB request', 2048))).rejects.toThrow(ResourceLimitError);
    expect(limit('memory')).toBe(2 ** 30);
  });

  it('an environment variable replaces a default; a malformed one is a named error', async () => {
    await withEnv('TRANSFORMER_SPEC_MAX_MEMORY', '2GiB', () => expect(limit('memory')).toBe(2 ** 31));
    await withEnv('TRANSFORMER_SPEC_MAX_MEMORY', 'lots', () => expectSpecError(() => limit('memory'), ArgumentError, 'BAD_ARGUMENT', /^TRANSFORMER_SPEC_MAX_MEMORY must be a size in bytes/));
  });

  it('checkMemory names the request, the estimate, the limit and how to raise it; Infinity and 2^60 are refused too', () => {
    expectSpecError(() => checkMemory('a huge thing', 2 ** 60), ResourceLimitError, 'OVER_LIMIT', /^a huge thing needs about 1 EiB, more than the memory limit of 1 GiB; raise it/);
    expectSpecError(() => checkMemory('an unbounded thing', Infinity), ResourceLimitError, 'OVER_LIMIT', /an unbounded number of bytes/);
    expect([formatBytes(1536), formatBytes(2 ** 30), formatBytes(1000)]).toEqual(['1.50 KiB', '1 GiB', '1000 bytes']);
  });
});

describe('positional encoding: 10^9 positions or d = 10^9 is refused before any allocation', () => {
  it(`reference, BigNumber oracle and ${TFJS}: ResourceLimitError, no tensor left behind`, () => {
    const before = tf.memory().numTensors;
    for (const [positions, d] of [[1e9, 4], [4, 1e9]]) {
      const message = new RegExp(`^a sinusoidal encoding of ${positions} positions × d = ${d} needs about`);
      expectSpecError(() => R.sinusoidalEncoding(positions, d), ResourceLimitError, 'OVER_LIMIT', message);
      expectSpecError(() => hpEncoding(positions, d), ResourceLimitError, 'OVER_LIMIT', message);
      expectSpecError(() => T.sinusoidalEncoding(positions, d), ResourceLimitError, 'OVER_LIMIT', message);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the CLI exits 2 with one line; --max-memory moves the limit both ways', async () => {
    await expectUsageFailure(['explain', 'positional-encoding', '--d', '4', '--positions', '1000000000'], OVER);
    await expectUsageFailure(['explain', 'positional-encoding', '--d', '1000000000', '--positions', '4', '--backend', 'tfjs'], OVER);
    // 64 × 4 entries printed need ~8 KiB: refused under 1KiB, accepted again with the default.
    await expectUsageFailure(['explain', 'positional-encoding', '--d', '4', '--positions', '64', '--max-memory', '1KiB'], /more than the memory limit of 1 KiB/);
    expect((await cli('explain', 'positional-encoding', '--d', '4', '--positions', '64', '--json')).code).toBe(0);
    await expectUsageFailure(['explain', 'positional-encoding', '--d', '4', '--positions', '4', '--max-memory', '0x10'], /^error: --max-memory must be a size in bytes/);
  });
});

describe('forward and params on configs that state absurd sizes', () => {
  it('forward with n_layer = 10^8 is refused before the weights are read (the file is not even opened)', async () => {
    const config = file('deep.json', { vocab_size: 48, block_size: 16, n_embed: 32, n_head: 4, n_layer: 100_000_000 });
    await expectUsageFailure(['forward', '--model', 'tinygpt', '--config', config, '--weights', join(dir, 'absent.safetensors'), '--tokens', '[1,2]'], /^error: forward with tinygpt \(n_layer 100000000, .*\) on \(2\) tokens needs about .* TiB, more than the memory limit/);
  });

  it('tinyParameterCount is a closed form: equal to summing the state_dict layout, for random small configs', () => {
    type Case = { vocab_size: number; block_size: number; n_head: number; headSize: number; n_layer: number; kind: 'tinygpt' | 'tinybert' };
    checkProperty<[Case]>(
      'tinyParameterCount closed form',
      fc.record({ vocab_size: fc.integer({ min: 1, max: 40 }), block_size: fc.integer({ min: 1, max: 12 }), n_head: fc.integer({ min: 1, max: 4 }), headSize: fc.integer({ min: 1, max: 6 }), n_layer: fc.integer({ min: 1, max: 4 }), kind: fc.constantFrom('tinygpt' as const, 'tinybert' as const) }),
      ({ headSize, kind, ...c }) => {
        const config = validateTinyConfig({ ...c, n_embed: headSize * c.n_head });
        let summed = 0;
        for (const e of tinyStateDictLayout(kind, config).values()) if (!e.buffer) summed += e.shape.reduce((a, b) => a * b, 1);
        expect(tinyParameterCount(kind, config)).toBe(summed);
      },
    );
  });

  const deepLlama: ModelConfig = { name: 'deep', family: 'llama', dModel: 4096, nLayers: 10_000_000, nHeads: 32, dFF: 11008, vocab: 32000, context: 2048, published: 'from config' };

  it('params with num_hidden_layers = 10^7: exact counts from the block template, with no allocation per layer', async () => {
    const config = file('deep-llama.json', { model_type: 'llama', hidden_size: 4096, num_hidden_layers: 10_000_000, num_attention_heads: 32, intermediate_size: 11008, vocab_size: 32000 });
    const heapBefore = process.memoryUsage().heapUsed;
    const r = await cli('params', config, '--lora', 'r=8,targets=q_proj,v_proj,model.layers.3.mlp.up_proj', '--json');
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(r.code, r.stderr).toBe(0);
    // Independent closed form (src/core/model-configs.ts) for the base; LoRA: 2·10^7 modules of r·(4096 + 4096), one of r·(4096 + 11008).
    expect(r.stdout).toContain(`"base":${parameterCount(deepLlama)}`);
    expect(r.stdout).toContain(`"trainable":${8n * (2n * 10_000_000n * 8192n + 15104n)}`);
    expect(r.stdout).toContain('"modules":20000001');
    // A module list would hold 9·10^7 objects (gigabytes); the template needs a few kilobytes.
    expect(heapGrowth, `heap grew by ${formatBytes(heapGrowth)}`).toBeLessThan(64 * 2 ** 20);
  });

  it('the full module list of such a model is refused by the memory limit instead of built', () => {
    const spec = modelSpecFromConfig('llama', deepLlama);
    expectSpecError(() => modulesOf(spec), ResourceLimitError, 'OVER_LIMIT', /^the list of 90000003 modules of deep needs about/);
    expectSpecError(() => selectLoraModules(spec, ['q_proj']), ResourceLimitError, 'OVER_LIMIT', /^the list of 10000000 modules LoRA adapts in deep/);
  });

  it('a target naming one block selects that block only, on the template as on the full list (GPT-2)', () => {
    const gpt2 = modelSpecFromConfig('gpt2', { name: 'GPT-2', family: 'gpt2', dModel: 768, nLayers: 12, nHeads: 12, dFF: 3072, vocab: 50257, context: 1024, published: '' });
    const listed = (targets: string[]) => modulesOf(gpt2).filter((m) => ['linear', 'conv1d', 'embedding'].includes(m.kind) && targets.some((t) => m.name === t || m.name.endsWith(`.${t}`)));
    for (const targets of [['h.3.attn.c_attn'], ['3.attn.c_attn'], ['transformer.h.11.mlp.c_proj', 'c_attn'], ['h.0.mlp.c_fc', 'h.0.mlp.c_fc', 'c_proj'], ['wte', 'lm_head']]) {
      expect(selectLoraModules(gpt2, targets).map((m) => m.name), targets.join()).toEqual(listed(targets).map((m) => m.name));
      expect(account(gpt2, { lora: { r: 4, targets } }).methods[0].modules, targets.join()).toBe(listed(targets).length);
    }
    // Past the last block, a wrong prefix, part of an index: nothing on the list, PeftTargetError on the template.
    for (const t of ['h.12.attn.c_attn', 'x.3.attn.c_attn', '1.3.attn.c_attn', '03.attn.c_attn']) {
      expect(listed([t]), t).toEqual([]);
      expectSpecError(() => selectLoraModules(gpt2, [t]), PeftTargetError, 'BAD_ARGUMENT', new RegExp(`^LoRA target "${t.replace(/\./g, '\\.')}" matches no module of GPT-2`));
    }
  });
});

describe('ROUGE-L on long lines keeps two rows of the LCS table', () => {
  it('agrees with the textbook n × m recurrence on random token lists', () => {
    const full = (a: string[], b: string[]) => {
      const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
      return t[a.length][b.length];
    };
    const tokens = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 });
    checkProperty<[string[], string[]]>('lcsLength two rows', tokens, tokens, (a, b) => {
      expect(lcsLength(a, b)).toBe(full(a, b));
    });
  });

  it('two 4,000-token lines score in a process whose V8 heap is capped at 64 MB', () => {
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran'];
    let seed = 7;
    const line = () => Array.from({ length: 4000 }, () => words[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % words.length]).join(' ');
    const candidates = file('long-candidates.txt', `${line()}\n`);
    const references = file('long-references.txt', `${line()}\n`);
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', 'src/cli/main.ts', 'metrics', 'rouge', '--candidates', candidates, '--references', references, '--json'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { rougeL: number; rougeLsum: number; pairs: number };
    expect(j.pairs).toBe(1);
    expect(j.rougeLsum).toBe(j.rougeL);
    expect(j.rougeL).toBeGreaterThan(0.3); // random text over 8 words: a long common subsequence
  });
});
