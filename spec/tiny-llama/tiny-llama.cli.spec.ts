/**
 * `forward --model tinyllama`: a Hugging Face LlamaConfig (examples/tinyllama.config.json) and
 * LlamaForCausalLM weights (the fixture fixtures/llm/tinyllama.safetensors) give PyTorch's logits
 * and loss on both backends; bad configs and weights are one line naming the problem (exit 2).
 * Tolerances: PYTORCH_PARITY.modelForward.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ForwardLlamaJson } from '../../src/cli/forward-llama.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { loadFixture, nested } from '../../src/core/fixtures.js';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import { cli } from '../_helpers/cli.js';

const config = join(PROJECT_ROOT, 'examples', 'tinyllama.config.json');
const weights = join(PROJECT_ROOT, 'fixtures', 'llm', 'tinyllama.safetensors');
const f = loadFixture('llm/tinyllama.safetensors');
const idx = JSON.stringify(nested(f.input.get('idx')!));
const targets = JSON.stringify(nested(f.input.get('targets')!));
const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-tinyllama-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('forward --model tinyllama gives PyTorch\'s logits and loss', () => {
  for (const backend of ['reference', 'tfjs']) {
    it(`${backend}: the fixture's batch (2 × 8): logits and the mean cross-entropy 3.7999 within PYTORCH_PARITY.modelForward`, async () => {
      const r = await cli('forward', '--model', 'tinyllama', '--config', config, '--weights', weights, '--tokens', idx, '--targets', targets, '--backend', backend, '--json');
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as ForwardLlamaJson;
      expect(j.model).toBe('tinyllama');
      const c = compareNested((j.logits as number[][][]).flat(2), f.output.get('logits')!.values, PYTORCH_PARITY.modelForward);
      expect(c.ok, c.message).toBe(true);
      expect(compareNested([j.loss!], f.output.get('loss')!.values, PYTORCH_PARITY.modelForward).ok).toBe(true);
    });
  }

  it('text output names the architecture and the loss convention', async () => {
    const r = await cli('forward', '--model', 'tinyllama', '--config', config, '--weights', weights, '--tokens', '[1,2,3,4]', '--targets', '[2,3,4,5]');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/4 query heads sharing 2 key\/value heads/);
    expect(r.stdout).toMatch(/targets aligned with the positions/);
  });

  it('bad input exits 2 with one line: heads that do not divide, a tied head, a missing weight', async () => {
    const file = (name: string, c: object) => {
      const p = join(dir, name);
      writeFileSync(p, JSON.stringify(c));
      return p;
    };
    const base = JSON.parse(JSON.stringify(await import('../../examples/tinyllama.config.json', { with: { type: 'json' } }).then((m) => m.default)));
    const fails = async (re: RegExp, cfg: string, w = weights) => {
      const r = await cli('forward', '--model', 'tinyllama', '--config', cfg, '--weights', w, '--tokens', '[1,2]');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    };
    await fails(/num_key_value_heads \(3\) must be an integer ≥ 1 that divides num_attention_heads \(4\)/, file('kv.json', { ...base, num_key_value_heads: 3 }));
    await fails(/tie_word_embeddings true is not supported/, file('tied.json', { ...base, tie_word_embeddings: true }));
    await fails(/model\.layers\.2/, file('deeper.json', { ...base, num_hidden_layers: 3 }));
  });
});
