/**
 * One contract for every command (issue 14, finding 6): bad input is exit 2 with one line naming
 * it, never a silent reading. Numbers are decimal — JavaScript's Number() reads "0x10" as 16,
 * "0b11" as 3 and "" as 0, so `alpha=0x10`, `--base 0x10` and `dropout=` were accepted; an extra
 * argument is an error; grouped-query attention needs num_key_value_heads dividing the head count;
 * `params --json` prints counts exactly, beyond 2^53 too. Runs main() in this worker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDecimal, UsageError } from '../../src/cli/args.js';
import { toJson } from '../../src/cli/format.js';
import { parameterCount } from '../../src/core/model-configs.js';
import { cli, expectUsageFailure } from '../_helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(content));
  return p;
};

describe('numbers are written in decimal', () => {
  it('parseDecimal reads decimal notation only', () => {
    expect(['100', '-2.5', '1e4', '.5', '+3', ' 7 '].map((t) => parseDecimal(t, 'x'))).toEqual([100, -2.5, 1e4, 0.5, 3, 7]);
    for (const [bad, why] of [['0x10', 'written in decimal'], ['0b11', 'written in decimal'], ['0o7', 'written in decimal'], ['', ''], ['1e999', ''], ['Infinity', ''], ['1_000', '']]) {
      expect(() => parseDecimal(bad, 'x'), bad).toThrow(UsageError);
      expect(() => parseDecimal(bad, 'x'), bad).toThrow(new RegExp(`^x must be a finite number${why ? ' written in decimal' : ''}, got ${JSON.stringify(bad)}$`));
    }
  });

  it('hex and empty values on the command line: exit 2, one line', async () => {
    await expectUsageFailure(['explain', 'positional-encoding', '--d', '4', '--positions', '2', '--base', '0x10'], /^error: --base must be a finite number written in decimal, got "0x10"$/);
    await expectUsageFailure(['params', 'gpt2', '--lora', 'r=8,alpha=0x10,targets=c_attn'], /^error: --lora alpha must be a finite number written in decimal, got "0x10"$/);
    await expectUsageFailure(['params', 'gpt2', '--lora', 'r=8,dropout=,targets=c_attn'], /^error: --lora dropout must be a finite number, got ""$/);
    await expectUsageFailure(['params', 'gpt2', '--lora', 'r=0x8,targets=c_attn'], /^error: --lora r must be an integer, got "0x8"$/);
    await expectUsageFailure(['params', 'gpt2', '--lora', 'r=8,alpha=,targets=c_attn'], /^error: --lora alpha must be a finite number, got ""$/);
    await expectUsageFailure(['generate', '--model', 'tinygpt', '--config', 'x', '--weights', 'y', '--prompt', 'J', '--temperature', '0x1'], /^error: --temperature must be a finite number written in decimal, got "0x1"$/);
  });
});

describe('extra arguments are errors', () => {
  it('explain <claim id> junk, explain i-love-cats junk, params MODEL junk', async () => {
    await expectUsageFailure(['explain', 'interview.attention.first-row-softmax', 'junk'], /^error: unexpected argument "junk" for `explain interview\.attention\.first-row-softmax` \(it takes only --json\)$/);
    await expectUsageFailure(['explain', 'i-love-cats', 'junk'], /^error: unexpected argument "junk" for `explain i-love-cats`/);
    await expectUsageFailure(['params', 'gpt2', 'junk'], /^error: params takes one MODEL, got 2: gpt2 junk$/);
  });
});

describe('params on Hugging Face configs', () => {
  it('num_key_value_heads that does not divide num_attention_heads is refused, naming both', async () => {
    const config = file('gqa.json', { model_type: 'qwen2', hidden_size: 896, num_hidden_layers: 2, num_attention_heads: 14, num_key_value_heads: 3, intermediate_size: 4864, vocab_size: 1000 });
    await expectUsageFailure(['params', config], /"num_key_value_heads" \(3\) must divide "num_attention_heads" \(14\): grouped-query attention shares each key\/value head/);
    const ok = file('gqa-ok.json', { model_type: 'qwen2', hidden_size: 896, num_hidden_layers: 2, num_attention_heads: 14, num_key_value_heads: 7, intermediate_size: 4864, vocab_size: 1000 });
    expect((await cli('params', ok, '--json')).code).toBe(0);
  });

  it('--json counts are exact integers beyond 2^53 (digits in the JSON text, not rounded floats)', async () => {
    const wide = { model_type: 'llama', hidden_size: 65536, num_hidden_layers: 1_000_000, num_attention_heads: 64, intermediate_size: 262144, vocab_size: 256000 };
    const exact = parameterCount({ name: '', family: 'llama', dModel: 65536, nLayers: 1_000_000, nHeads: 64, dFF: 262144, vocab: 256000, context: 2048, published: '' });
    expect(exact > 2n ** 53n).toBe(true);
    const r = await cli('params', file('wide.json', wide), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`"total":${exact},`);
    expect(r.stdout).toContain(`"base":${exact},`);
    expect(String(Number(exact))).not.toBe(String(exact)); // a float would have rounded it
    const text = await cli('params', file('wide.json', wide));
    expect(text.stdout).toContain(exact.toLocaleString('en-US'));
  });

  it('toJson writes any bigint as its digits and leaves strings that look alike alone', () => {
    expect(toJson({ a: 2n ** 70n, b: [-(2n ** 64n)], c: '\u0000bigint\u00001', d: -Infinity })).toBe('{"a":1180591620717411303424,"b":[-18446744073709551616],"c":"\\u0000bigint\\u00001","d":"-Infinity"}');
  });
});
