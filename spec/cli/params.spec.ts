/**
 * `transformer-spec params`: exact totals and trainable counts for the registry's real models and
 * for config files, PEFT's target matching (an unmatched target lists the module names), every
 * method and their combination, --json keys, and bad options exiting 2 with one line naming them.
 * Runs main(argv, io) in-process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../_helpers/cli.js';
import type { ParamsJson } from '../../src/cli/params.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';


async function json(...argv: string[]): Promise<ParamsJson> {
  const r = await cli('params', ...argv, '--json');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as ParamsJson;
}

const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-params-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

describe('params --json on the registry', () => {
  it('[scratch.peft.gpt2-lora-trainable] gpt2 with r=16, alpha=32 on c_attn, c_proj: 1,622,016 trainable of 126,061,824 (1.2867%), 36 modules', async () => {
    const j = await json('gpt2', '--lora', 'r=16,alpha=32,dropout=0.05,targets=c_attn,c_proj');
    expect(Object.keys(j)).toEqual(['model', 'total', 'trainable', 'percent', 'base', 'methods']);
    expect([j.total, j.trainable, j.base]).toEqual([126061824, 1622016, 124439808]);
    expect(j.percent.toFixed(4)).toBe('1.2867');
    expect(j.methods[0].modules).toBe(36);
  });

  it('[interview.peft.lora-one-percent] llama-7b with r=8 on q_proj, v_proj: 4,194,304 trainable, 0.0622%', async () => {
    const j = await json('llama-7b', '--lora', 'r=8,alpha=16,targets=q_proj,v_proj');
    expect([j.trainable, j.total]).toEqual([4194304, 6742609920]);
    expect(j.percent.toFixed(4)).toBe('0.0622');
  });

  it('[course.peft.table-full-ft] no method is full fine-tuning: trainable = total = the published count, 100%', async () => {
    for (const [model, total] of [['bert-base', 109482240], ['gpt2', 124439808], ['llama-7b', 6738415616], ['gpt3', 174604259328], ['qwen2.5-0.5b', 494032768], ['tinygpt', 806192], ['tinybert', 799000]] as const) {
      const j = await json(model);
      expect([j.total, j.trainable, j.percent, j.methods.length], model).toEqual([total, total, 100, 0]);
    }
  });

  it('adapters, prompt and prefix tuning, and a combination (the base frozen, the methods summed)', async () => {
    expect((await json('bert-base', '--adapter', 'bottleneck=64')).trainable).toBe(2379264);
    expect((await json('gpt2', '--prompt-tokens', '20')).trainable).toBe(15360);
    expect((await json('gpt2', '--prefix-tokens', '20')).trainable).toBe(368640);
    expect((await json('qwen2.5-0.5b', '--prefix-tokens', '10')).trainable).toBe(10 * 24 * 2 * 128); // d_kv = 2 kv heads × 64
    const both = await json('gpt2', '--lora', 'r=8,targets=c_attn', '--prompt-tokens', '20');
    expect(both.trainable).toBe(294912 + 15360);
    expect(both.total).toBe(124439808 + 294912 + 15360);
    expect((await json('llama-7b', '--lora', 'r=64,targets=all-linear')).trainable).toBe(159907840);
  });

  it('text output names the model, each method with its modules, total and trainable with the share', async () => {
    const r = await cli('params', 'gpt2', '--lora', 'r=16,alpha=32,targets=c_attn,c_proj');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^GPT-2 small/);
    expect(r.stdout).toContain('attn.c_attn ×12, attn.c_proj ×12, mlp.c_proj ×12');
    expect(r.stdout).toMatch(/total\s+126,061,824/);
    expect(r.stdout).toMatch(/trainable\s+1,622,016\s+1\.2867%/);
  });
});

describe('params on config files', () => {
  it('the tutorial TinyGPT config (examples/) counts 28,912 parameters, and prompt tokens add N·n_embed', async () => {
    const config = join(PROJECT_ROOT, 'examples', 'tinygpt.config.json');
    expect((await json(config)).total).toBe(28912); // scripts/export-fixtures.py: tinygpt_export
    expect((await json(config, '--prompt-tokens', '3')).trainable).toBe(96);
    expect((await json(file('bert.json', { model_type: 'tinybert', vocab_size: 24, block_size: 8, n_embed: 32, n_head: 4, n_layer: 2 }))).total).toBe(27096); // tinybert_export
  });

  it('a Hugging Face config.json (gpt2, llama with grouped-query attention and tied embeddings) gives the same counts as the registry', async () => {
    const gpt2 = file('gpt2.json', { model_type: 'gpt2', n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024, vocab_size: 50257, n_inner: null });
    expect((await json(gpt2, '--lora', 'r=16,targets=c_attn,c_proj')).trainable).toBe(1622016);
    const qwen = file('qwen.json', { model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, vocab_size: 151936, tie_word_embeddings: true });
    expect((await json(qwen)).total).toBe(494032768);
    const untied = file('qwen-untied.json', { model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, vocab_size: 151936, tie_word_embeddings: false });
    expect((await json(untied)).total).toBe(494032768 + 151936 * 896);
  });
});

describe('params --memory: bytes of weights, gradients and optimizer states (src/core/memory-accounting.ts)', () => {
  // LLaMA-7B has N = 6,738,415,616 parameters, 6,476,005,376 of them in the blocks' linear weights
  it('fp32 by default: 4 bytes per parameter and nothing for training', async () => {
    const j = await json('llama-7b', '--memory');
    expect(j.memory).toEqual({ dtype: 'fp32', doubleQuant: false, optimizer: null, weights: { quantisedElements: 0, quantisedBytes: 0, constantsBytes: 0, otherBytes: 26953662464, trainableBytes: 0, total: 26953662464 }, gradients: 0, optimizerStates: { moments: 0, masterWeights: 0, total: 0 }, total: 26953662464 });
  });

  it('[course.peft.table-optimizer-states] bf16 with AdamW: 2 + 2 bytes, and 12 bytes of fp32 master weights and moments per parameter', async () => {
    const m = (await json('llama-7b', '--memory', '--dtype', 'bf16', '--optimizer', 'adamw')).memory!;
    expect([m.weights.total, m.gradients, m.optimizerStates.moments, m.optimizerStates.masterWeights, m.total]).toEqual([13476831232, 13476831232, 53907324928, 26953662464, 107814649856]);
  });

  it('[interview.peft.qlora-memory] QLoRA text output: the NF4 base with its double-quantised constants, fp32 LoRA factors, their gradients and moments', async () => {
    const r = await cli('params', 'llama-7b', '--lora', 'r=8,targets=q_proj,v_proj', '--memory', '--dtype', 'nf4', '--optimizer', 'adamw');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nf4 with double quantisation/);
    expect(r.stdout).toMatch(/quantised\s+3,238,002,688 B/);
    expect(r.stdout).toMatch(/constants\s+102,768,640 B/);
    expect(r.stdout).toContain('0.127 bit per quantised weight');
    expect(r.stdout).toMatch(/gradients\s+16,777,216 B/);
    expect(r.stdout).toMatch(/total\s+3,932,700,672 B/);
    const single = (await json('llama-7b', '--memory', '--dtype', 'nf4', '--no-double-quant')).memory!;
    expect(single.weights.constantsBytes).toBe(404750336);
  });

  it('bad combinations exit 2 with one line naming the problem', async () => {
    for (const [pattern, argv] of [
      [/--dtype must be one of fp32, fp16, bf16, int8, nf4, got "fp8"/, ['llama-7b', '--memory', '--dtype', 'fp8']],
      [/int8 and nf4 weights cannot be trained directly/, ['llama-7b', '--memory', '--dtype', 'nf4', '--optimizer', 'adamw']],
      [/--dtype needs --memory/, ['llama-7b', '--dtype', 'bf16']],
      [/--optimizer must be one of adamw/, ['llama-7b', '--memory', '--optimizer', 'sgd']],
      [/double quantisation applies to nf4 only/, ['llama-7b', '--memory', '--dtype', 'bf16', '--no-double-quant']],
    ] as const) {
      const r = await cli('params', ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});

describe('params: targets and bad input (exit 2, one line naming the problem)', () => {
  const fails = async (pattern: RegExp, ...argv: string[]) => {
    const r = await cli('params', ...argv);
    expect(r.code, r.stdout).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
  };

  it('[scratch.peft.checkpoint-vs-targets] GPT-2 targets on Qwen2.5-0.5B match nothing: the error lists Qwen2\'s module names', async () => {
    await fails(/LoRA target "c_attn" matches no module of Qwen2\.5-0\.5B.*self_attn\.q_proj, self_attn\.k_proj, self_attn\.v_proj, self_attn\.o_proj, mlp\.gate_proj, mlp\.up_proj, mlp\.down_proj, lm_head/, 'qwen2.5-0.5b', '--lora', 'r=16,alpha=32,targets=c_attn,c_proj');
  });

  it('a target matching only norms, a partial name component, an unknown model, a missing MODEL', async () => {
    await fails(/matches only layernorm modules/, 'gpt2', '--lora', 'r=4,targets=ln_1');
    await fails(/LoRA target "proj" matches no module of GPT-2 small.*attn\.c_attn, attn\.c_proj, mlp\.c_fc, mlp\.c_proj/, 'gpt2', '--lora', 'r=4,targets=proj');
    await fails(/unknown model "gpt-2" \(did you mean gpt2\?\)/, 'gpt-2');
    await fails(/params needs a MODEL/);
  });

  it('malformed --lora, --adapter and token counts', async () => {
    await fails(/--lora needs r=R/, 'gpt2', '--lora', 'targets=c_attn');
    await fails(/--lora needs targets=/, 'gpt2', '--lora', 'r=4');
    await fails(/--lora r must be an integer ≥ 1, got 0/, 'gpt2', '--lora', 'r=0,targets=c_attn');
    await fails(/unknown key "rank" \(did you mean r\?\)|unknown key "rank"/, 'gpt2', '--lora', 'rank=4,targets=c_attn');
    await fails(/--lora alpha must be a positive number/, 'gpt2', '--lora', 'r=4,alpha=-1,targets=c_attn');
    await fails(/--adapter takes bottleneck=M/, 'gpt2', '--adapter', '64');
    await fails(/--prompt-tokens must be an integer ≥ 1/, 'gpt2', '--prompt-tokens', '0');
    await fails(/model_type "t5" is not supported/, file('t5.json', { model_type: 't5' }));
    await fails(/is not valid JSON/, file('bad.json', '{ "model_type": '));
  });

  it('help params describes the counting rules and the JSON keys', async () => {
    const r = await cli('help', 'params');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^transformer-spec params MODEL/);
    expect(r.stdout).toContain('"total", "trainable", "percent"');
  });
});
