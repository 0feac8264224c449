/**
 * `explain attention` with the general op's flags (issue 15): --kv-heads, --bias JSON, --mask JSON,
 * --alibi, --softcap X, --causal [top-left|bottom-right], --scale X, --key-lengths JSON, and
 * multi-head / batched inputs as nested JSON. Every step is in --json and equals the reference op
 * (src/reference/attention.ts) called with the same options; bad combinations are one-line named
 * errors with exit code 2.
 */
import { describe, expect, it } from 'vitest';
import { fromJsonNumber } from '../../src/cli/format.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { alibiSlopes, attention, type GeneralAttentionOptions } from '../../src/reference/attention.js';
import { cli, expectUsageFailure } from '../_helpers/cli.js';

const STEPS = ['scores', 'scaled', 'capped', 'biased', 'masked', 'weights', 'output'] as const;
// 4 query heads over 2 kv heads (GQA), 2 queries, 3 keys, d_k = 2, d_v = 3
const Q = [[[1, 0], [0, 1]], [[1, 1], [0, 2]], [[2, 0], [1, 0]], [[0, 0], [1, 1]]];
const K = [[[1, 0], [0, 1], [1, 1]], [[0, 1], [1, 0], [2, 1]]];
const V = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]];
const args = (...extra: string[]) => ['explain', 'attention', '--q', JSON.stringify(Q), '--k', JSON.stringify(K), '--v', JSON.stringify(V), ...extra];
const json = async (...extra: string[]) => {
  const r = await cli(...args('--json', ...extra));
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};
const expectSteps = (got: Record<string, unknown>, options: GeneralAttentionOptions, t = EXACT.reference) => {
  const want = attention(Q, K, V, { ...options, steps: true }) as unknown as Record<string, number[]>;
  for (const s of STEPS) {
    const c = compareNested(fromJsonNumber(got[s]) as number[], want[s], t);
    expect(c.ok, `${s}: ${c.message}`).toBe(true);
  }
};

describe('explain attention: the general op from the command line', () => {
  it('multi-head nested JSON with --kv-heads 2: every step equals the reference op, and the JSON says what ran', async () => {
    const got = await json('--kv-heads', '2');
    expect(got).toMatchObject({ nHeads: 4, nKvHeads: 2, causal: null, softcap: null, alibiSlopes: null, backend: 'reference' });
    expect(got.scale).toBeCloseTo(1 / Math.SQRT2, 15);
    expectSteps(got, {});
  });

  it('--alibi --softcap 5 --causal top-left --scale 0.5 --bias JSON: scores → capped → biased → masked → weights → output', async () => {
    const bias = [[0, 0, -1], [0, -1, 0]];
    const got = await json('--alibi', '--softcap', '5', '--causal', 'top-left', '--scale', '0.5', '--bias', JSON.stringify(bias));
    expect(got).toMatchObject({ causal: 'top-left', softcap: 5, scale: 0.5 });
    expect(got.alibiSlopes).toEqual(alibiSlopes(4));
    expectSteps(got, { alibi: true, softcap: 5, causal: 'top-left', scale: 0.5, bias });
    const masked = got.masked as unknown[][][];
    expect(masked[0][0][1]).toBe('-Infinity'); // top-left: query 0 sees key 0 only
  });

  it('--causal alone is bottom-right (the default), and differs from top-left with 2 queries and 3 keys', async () => {
    const alone = await json('--causal');
    expect(alone.causal).toBe('bottom-right');
    expectSteps(alone, { causal: 'bottom-right' });
    const topLeft = await json('--causal', 'top-left');
    expect(compareNested(fromJsonNumber(alone.weights) as number[], fromJsonNumber(topLeft.weights) as number[], EXACT.reference).ok).toBe(false);
  });

  it('batched 4-D input with --mask (broadcast over heads) and --key-lengths', async () => {
    const [q4, k4, v4] = [[Q, Q], [K, K], [V, V]];
    const mask = [[[[true, false, true]]], [[[true, true, true]]]]; // (B, 1, 1, n_k)
    const r = await cli('explain', 'attention', '--q', JSON.stringify(q4), '--k', JSON.stringify(k4), '--v', JSON.stringify(v4), '--mask', JSON.stringify(mask), '--key-lengths', '[3, 2]', '--json');
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, unknown>;
    const want = attention(q4, k4, v4, { mask, keyLengths: [3, 2], steps: true });
    expect(compareNested(fromJsonNumber(got.output) as number[], want.output as number[], EXACT.reference).ok).toBe(true);
  });

  it('--backend tfjs agrees with the reference on every step within TFJS_VS_REFERENCE.attention', async () => {
    const got = await json('--backend', 'tfjs', '--kv-heads', '2', '--alibi', '--softcap', '3', '--causal');
    expectSteps(got, { alibi: true, softcap: 3, causal: true }, TFJS_VS_REFERENCE.attention);
  });

  it('text output shows the capped and biased steps only when they do something, per head', async () => {
    const r = await cli(...args('--softcap', '5', '--alibi'));
    expect(r.code).toBe(0);
    for (const line of ['1. scores = Q Kᵀ  (4 × 2 × 3)', '3. capped = 5 · tanh(scaled / 5)  (4 × 2 × 3)', '4. biased = capped + ALiBi', '5. masked', '6. weights', '7. output = weights V  (4 × 2 × 3)', '[head 3]', '4 query heads, 2 key/value heads (each shared by 2 query heads, HF repeat_kv order)']) {
      expect(r.stdout).toContain(line);
    }
    const plain = await cli(...args());
    expect(plain.stdout).not.toContain('capped');
  });
});

describe('explain attention: bad combinations are named, one line, exit code 2', () => {
  const bad: [string, string[], RegExp][] = [
    ['heads that do not divide', ['explain', 'attention', '--q', JSON.stringify(Q.slice(0, 3)), '--k', JSON.stringify(K), '--v', JSON.stringify(V)], /^error: nHeads = 3 is not a multiple of nKvHeads = 2/],
    ['--kv-heads that does not match k', args('--kv-heads', '1'), /^error: --kv-heads 1 but k and v have 2 heads/],
    ['--kv-heads on 2-D input', ['explain', 'attention', '--q', '[[1,0]]', '--k', '[[1,0]]', '--v', '[[1]]', '--kv-heads', '1'], /^error: --kv-heads needs a head axis/],
    ['a bias shape that does not broadcast', args('--bias', '[[1,2],[3,4]]'), /^error: bias of shape \[2, 2\] does not broadcast to the scores' shape \[4, 2, 3\]/],
    ['a mask that does not broadcast', args('--mask', '[[[true,true,true]],[[true,true,true]]]'), /^error: mask of shape \[2, 1, 3\] does not broadcast/],
    ['--softcap 0', args('--softcap', '0'), /^error: softcap must be a finite number > 0/],
    ['--scale and --no-scale', args('--scale', '0.5', '--no-scale'), /^error: --no-scale and --scale X contradict each other/],
    ['--scale not a number', args('--scale', 'half'), /^error: --scale must be/],
    ['--key-lengths without a batch axis', args('--key-lengths', '[3]'), /^error: keyLengths needs a batch axis/],
    ['malformed --bias JSON', args('--bias', '[[1,'), /^error: --bias is not valid JSON/],
  ];
  it.each(bad)('%s', async (_name, argv, message) => {
    await expectUsageFailure(argv, message);
  });
});
