/**
 * `explain rope` (issue 15, items 5 and 9): RoPE on a given x with the variants' flags — pairing
 * (interleaved = GPT-J, half = GPT-NeoX / HF rotate_half), --rotary-dim, --positions, --base — on
 * both backends. The JSON equals the reference op called with the same options; a bad rotaryDim
 * (odd, larger than d) is a one-line named error with exit code 2.
 */
import { describe, expect, it } from 'vitest';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { rope, type RopeOptions } from '../../src/reference/rope.js';
import { cli, expectUsageFailure } from '../_helpers/cli.js';

const X = [[1, 0, 1, 0, 5], [1, 0, 1, 0, 5], [0.5, -2, 3, 1, -1]]; // n = 3, d = 5 (odd: only an even rotaryDim < 5 is valid)
const run = async (...extra: string[]) => {
  const r = await cli('explain', 'rope', '--x', JSON.stringify(X), '--json', ...extra);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { rotated: number[][]; positions: number[]; base: number; pairing: string; rotaryDim: number; backend: string };
};

describe('explain rope: RoPE variants from the command line', () => {
  const cases: Array<[string[], RopeOptions]> = [
    [['--rotary-dim', '4'], { rotaryDim: 4 }],
    [['--rotary-dim', '4', '--pairing', 'half'], { rotaryDim: 4, pairing: 'half' }],
    [['--rotary-dim', '2', '--positions', '[0, 7, 1000]', '--base', '500000'], { rotaryDim: 2, positions: [0, 7, 1000], base: 500000 }],
  ];
  for (const [flags, options] of cases) {
    it(`${flags.join(' ')}: the reference JSON equals rope(x, options) exactly, tfjs within TFJS_VS_REFERENCE.rope, and the unrotated dimensions pass through`, async () => {
      const want = rope(X, options);
      const ref = await run(...flags);
      expect(compareNested(ref.rotated, want, EXACT.reference).ok).toBe(true);
      expect(ref).toMatchObject({ pairing: options.pairing ?? 'interleaved', rotaryDim: options.rotaryDim, base: options.base ?? 10000, backend: 'reference' });
      for (let i = 0; i < X.length; i++) expect(ref.rotated[i].slice(options.rotaryDim)).toEqual(X[i].slice(options.rotaryDim));
      const tf = await run(...flags, '--backend', 'tfjs');
      const c = compareNested(tf.rotated, want, TFJS_VS_REFERENCE.rope);
      expect(c.ok, c.message).toBe(true);
    });
  }

  it('the two pairings give different numbers on the same x (the flag is not ignored)', async () => {
    const a = await run('--rotary-dim', '4');
    const b = await run('--rotary-dim', '4', '--pairing', 'half');
    expect(compareNested(a.rotated, b.rotated, EXACT.reference).ok).toBe(false);
  });

  it('named errors, exit 2: rotaryDim odd, larger than d, missing on an odd d; an unknown pairing', async () => {
    await expectUsageFailure(['explain', 'rope', '--x', JSON.stringify(X), '--rotary-dim', '3'], /^error: rotaryDim = 3 is odd/);
    await expectUsageFailure(['explain', 'rope', '--x', JSON.stringify(X), '--rotary-dim', '6'], /^error: rotaryDim = 6 is larger than the head dimension d = 5/);
    await expectUsageFailure(['explain', 'rope', '--x', JSON.stringify(X)], /^error: x has d = 5 columns, which is odd/);
    await expectUsageFailure(['explain', 'rope', '--x', JSON.stringify(X), '--rotary-dim', '4', '--pairing', 'neox'], /^error: --pairing must be one of/);
  });
});
