/**
 * `params --config config.json` (issue 15, item 8): a Hugging Face config.json of LlamaConfig,
 * MistralConfig, Qwen2Config, GPT2Config or BertConfig is counted exactly — grouped-query attention
 * (num_key_value_heads, head_dim), gated MLPs, tied or untied embeddings (each class's default when
 * the field is absent), biases (Qwen2's q/k/v; LLaMA's attention_bias and mlp_bias) — and LoRA
 * selects modules by PEFT's names. The released configs are in examples/hf-configs/; each total is
 * the published count, worked by hand in the comment above it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParamsJson } from '../../src/cli/params.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { cli } from '../_helpers/cli.js';

async function json(...argv: string[]): Promise<ParamsJson> {
  const r = await cli('params', ...argv, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ParamsJson;
}
const hf = (name: string) => join(PROJECT_ROOT, 'examples', 'hf-configs', `${name}.config.json`);
const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-params-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(content));
  return p;
};

describe('params --config: released config.json files give the published totals', () => {
  // TinyLlama-1.1B: d 2048, 22 layers, 32 heads of 64, 4 KV heads (d_kv 256), SwiGLU 5632, vocab 32000, untied.
  // block: q 2048² = 4,194,304; k, v 2·2048·256 = 1,048,576; o 4,194,304; MLP 3·2048·5632 = 34,603,008;
  // norms 2·2048 → 44,044,288; × 22 = 968,974,336; + embed and head 2·32000·2048 = 131,072,000; + norm 2048
  it('TinyLlama-1.1B (LlamaConfig, GQA 32/4, untied): 1,100,048,384', async () => {
    const j = await json('--config', hf('tinyllama-1.1b'));
    expect(j.total).toBe(1_100_048_384);
    expect(j.architecture).toMatchObject({ family: 'llama', nHeads: 32, nKvHeads: 4, headDim: 64, mlp: 'gated (silu: SwiGLU)', tiedEmbeddings: false, normEps: 1e-5, ropeTheta: 10000 });
  });

  // Mistral-7B-v0.1: d 4096, 32 layers, 8 KV heads (d_kv 1024), SwiGLU 14336, untied.
  // block: q, o 2·4096² = 33,554,432; k, v 2·4096·1024 = 8,388,608; MLP 3·4096·14336 = 176,160,768; norms 8192
  // → 218,112,000; × 32 = 6,979,584,000; + 2·32000·4096 = 262,144,000; + 4096
  it('Mistral-7B-v0.1 (MistralConfig, GQA 32/8, untied): 7,241,732,096', async () => {
    expect((await json('--config', hf('mistral-7b-v0.1'))).total).toBe(7_241_732_096);
  });

  // Qwen2-0.5B: d 896, 24 layers, 14 heads of 64, 2 KV heads (d_kv 128), q/k/v biases, SwiGLU 4864, tied.
  // block: q 896² + 896 = 803,712; k, v 2·(896·128 + 128) = 229,632; o 802,816; MLP 3·896·4864 = 13,074,432;
  // norms 1792 → 14,912,384; × 24 = 357,897,216; + embedding 151936·896 = 136,134,656 (head tied); + 896
  it('Qwen2-0.5B (Qwen2Config, q/k/v biases, tied): 494,032,768', async () => {
    const j = await json('--config', hf('qwen2-0.5b'));
    expect(j.total).toBe(494_032_768);
    expect(j.architecture).toMatchObject({ family: 'qwen2', nKvHeads: 2, tiedEmbeddings: true, biases: 'q_proj, k_proj, v_proj', normEps: 1e-6, ropeTheta: 1_000_000 });
  });

  it('GPT-2 (GPT2Config, Conv1D, tied head) 124,439,808 and BERT-base (BertConfig, BertModel with pooler) 109,482,240', async () => {
    expect((await json('--config', hf('gpt2'))).total).toBe(124_439_808);
    // embeddings 30522·768 + 512·768 + 2·768 + LayerNorm 2·768 = 23,837,184; block 4·590,592 + 2,362,368
    // + 2,360,064 + 4·768 = 7,087,872, × 12 = 85,054,464; pooler 590,592
    const bert = await json('--config', hf('bert-base-uncased'));
    expect(bert.total).toBe(109_482_240);
    expect(bert.architecture).toMatchObject({ family: 'bert', normEps: 1e-12 });
  });
});

describe('params --config: the fields that change the count', () => {
  const tiny = { model_type: 'llama', hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, vocab_size: 10 };
  it('head_dim different from hidden_size / heads; attention_bias; mlp_bias (worked by hand)', async () => {
    // head_dim 6: q 8→12 (96), k, v 8→6 (48 each), o 12→8 (96), MLP 3·8·16 = 384, norms 16, embed + head 160, norm 8 = 856
    expect((await json('--config', file('hd.json', { ...tiny, head_dim: 6 }))).total).toBe(856);
    // attention_bias: + q 12 + k 6 + v 6 + o 8 = 32
    expect((await json('--config', file('ab.json', { ...tiny, head_dim: 6, attention_bias: true }))).total).toBe(888);
    // mlp_bias: + gate 16 + up 16 + down 8 = 40
    expect((await json('--config', file('mb.json', { ...tiny, head_dim: 6, attention_bias: true, mlp_bias: true }))).total).toBe(928);
  });

  it('absent fields take the config class\'s defaults: untied embeddings (Llama, Mistral, Qwen2), Mistral\'s 8 KV heads, num_key_value_heads = heads for Llama', async () => {
    const llama = { model_type: 'llama', hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 16, vocab_size: 100 };
    const l = await json('--config', file('l.json', llama));
    expect(l.architecture).toMatchObject({ nKvHeads: 16, tiedEmbeddings: false, normEps: 1e-6, ropeTheta: 10000 });
    const m = await json('--config', file('m.json', { ...llama, model_type: 'mistral' }));
    expect(m.architecture).toMatchObject({ nKvHeads: 8, tiedEmbeddings: false });
    const q = await json('--config', file('q.json', { ...llama, model_type: 'qwen2', num_key_value_heads: 4 }));
    expect(q.architecture).toMatchObject({ tiedEmbeddings: false });
    expect(BigInt(m.total)).toBeLessThan(BigInt(l.total)); // 8 KV heads instead of 16: smaller k and v
  });

  it('--lora with PEFT module names on GQA models: k_proj and v_proj are d × d_kv', async () => {
    // Mistral q_proj: 8·(4096 + 4096) = 65,536; v_proj: 8·(4096 + 1024) = 40,960; × 32 layers = 3,407,872
    expect((await json('--config', hf('mistral-7b-v0.1'), '--lora', 'r=8,alpha=16,targets=q_proj,v_proj')).trainable).toBe(3_407_872);
    // TinyLlama gate_proj, up_proj, down_proj: 3 · 16·(2048 + 5632) = 368,640 × 22 = 8,110,080
    expect((await json('--config', hf('tinyllama-1.1b'), '--lora', 'r=16,targets=gate_proj,up_proj,down_proj')).trainable).toBe(8_110_080);
    // Qwen2 q, k, v, o: 8·(896 + 896)·2 + 8·(896 + 128)·2 = 45,056 × 24 = 1,081,344
    expect((await json('--config', hf('qwen2-0.5b'), '--lora', 'r=8,targets=q_proj,k_proj,v_proj,o_proj')).trainable).toBe(1_081_344);
  });

  it('bad input is one line naming the problem (exit 2): a MODEL and --config together, heads that do not divide, a bad head_dim', async () => {
    const fails = async (re: RegExp, ...argv: string[]) => {
      const r = await cli('params', ...argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    };
    await fails(/either MODEL or --config/, 'gpt2', '--config', hf('gpt2'));
    await fails(/must divide/, '--config', file('nd.json', { ...tiny, num_key_value_heads: 3 }));
    await fails(/"head_dim" must be an integer ≥ 1/, '--config', file('bh.json', { ...tiny, head_dim: 0 }));
  });
});
