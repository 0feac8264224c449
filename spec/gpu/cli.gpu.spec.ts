/**
 * The CLI on tfjs's GPU backends (`TFJS_BACKEND=webgl|webgpu`, src/cli/tfjs-backend.ts): explain,
 * forward and generate run their tfjs task (src/cli/tfjs-tasks.ts) in headless Chromium and print
 * the same answers as on the float64 reference, within the tolerance of the op they run:
 *
 *   explain attention / positional-encoding / rope   TFJS_VS_REFERENCE (attention, default)
 *   forward tinygpt, tinybert, tinyllama             PYTORCH_PARITY.modelForward against the fixture
 *   generate --greedy                                the reference's tokens exactly (no near-tie
 *                                                    among the fixture's 12 greedy steps: the
 *                                                    wasm leg asserts the same in spec/cli)
 *   explain <claim id>                               the claim judged on the GPU backend, exit 0
 *
 * A user's command starts its own Chromium; here the commands share one (shareBrowserSession), so
 * the shader programs compile once per backend. One spec runs a command the user's way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { loadFixture, nested } from '../../src/core/fixtures.js';
import { compareNested, PYTORCH_PARITY, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { openBrowserSession, type BrowserBackendName, type BrowserSession } from '../../src/browser/runner.js';
import { shareBrowserSession } from '../../src/cli/tfjs-backend.js';
import { cli } from '../_helpers/cli.js';
import { join } from 'node:path';

const BACKENDS = (process.env.GPU_BACKENDS ?? 'webgl,webgpu').split(',') as BrowserBackendName[];
const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);

/** One CLI run with --json, exit 0, its JSON. */
async function json<T = Record<string, unknown>>(...argv: string[]): Promise<{ value: T; stderr: string }> {
  const r = await cli(...argv, '--json');
  expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
  return { value: JSON.parse(r.stdout) as T, stderr: r.stderr };
}

const Q = '[[0.9,-1.2,0.3],[0.1,0.4,-0.7],[1.5,0.2,0.8],[-0.3,-0.9,1.1]]';
const K = '[[0.2,0.5,-1.0],[1.1,-0.4,0.6],[-0.8,0.9,0.3],[0.4,0.4,0.4]]';
const V = '[[1,2],[3,-1],[0.5,0.5],[-2,1]]';

let session: BrowserSession;
beforeAll(async () => {
  session = await openBrowserSession();
  shareBrowserSession(session);
}, 120_000);
afterAll(async () => {
  shareBrowserSession(null);
  await session?.close();
});

for (const backend of BACKENDS) {
  describe(`the CLI with TFJS_BACKEND=${backend} (headless Chromium, SwiftShader)`, () => {
    let previous: string | undefined;
    beforeAll(() => {
      previous = process.env.TFJS_BACKEND;
      process.env.TFJS_BACKEND = backend;
    });
    afterAll(() => {
      if (previous === undefined) delete process.env.TFJS_BACKEND;
      else process.env.TFJS_BACKEND = previous;
    });

    it(`explain attention (causal, soft-capped) prints every step as the reference does, within TFJS_VS_REFERENCE.attention; the backend is named ${backend}`, async () => {
      const args = ['explain', 'attention', '--q', Q, '--k', K, '--v', V, '--causal', 'bottom-right', '--softcap', '2'];
      const gpu = await json(...args, '--backend', 'tfjs');
      const ref = await json(...args);
      expect(gpu.value.backend).toBe(`tfjs:${backend}`);
      expect(gpu.stderr).toMatch(new RegExp(`^backend: tfjs \\(float32, src/tfjs/\\) on ${backend} in headless Chromium`));
      for (const step of ['weights', 'output']) {
        const c = compareNested(flat(gpu.value[step]), flat(ref.value[step]), TFJS_VS_REFERENCE.attention);
        expect(c.ok, `[${backend}] ${step}: ${c.message}`).toBe(true);
      }
      expect((gpu.value.masked as unknown[][])[0].slice(1), 'causal: query 0 sees key 0 only; JSON writes −∞ as a string').toEqual(['-Infinity', '-Infinity', '-Infinity']);
    }, 120_000);

    it('explain positional-encoding and explain rope (split-half pairing, rotaryDim 4) equal the reference within TFJS_VS_REFERENCE.default', async () => {
      const pe = ['explain', 'positional-encoding', '--d', '8', '--positions', '12'];
      const c1 = compareNested(flat((await json(...pe, '--backend', 'tfjs')).value.pe), flat((await json(...pe)).value.pe), TFJS_VS_REFERENCE.default);
      expect(c1.ok, `[${backend}] positional encoding: ${c1.message}`).toBe(true);
      const rope = ['explain', 'rope', '--x', '[[1,2,3,4,5,6],[0.5,-1,2,0,1,-3],[2,2,-2,1,0,1]]', '--positions', '[0,7,300]', '--pairing', 'half', '--rotary-dim', '4'];
      const c2 = compareNested(flat((await json(...rope, '--backend', 'tfjs')).value.rotated), flat((await json(...rope)).value.rotated), TFJS_VS_REFERENCE.default);
      expect(c2.ok, `[${backend}] rope: ${c2.message}`).toBe(true);
    }, 120_000);

    it('forward: TinyGPT, TinyBERT and TinyLlama give PyTorch\'s logits and loss (PYTORCH_PARITY.modelForward)', async () => {
      for (const [model, fixture, targetKey] of [['tinygpt', 'models/tinygpt.safetensors', 'targets'], ['tinybert', 'models/tinybert.safetensors', 'labels'], ['tinyllama', 'llm/tinyllama.safetensors', 'targets']] as const) {
        const f = loadFixture(fixture);
        const { value } = await json<{ logits: number[][][]; loss: number; backend: string }>(
          'forward', '--model', model, '--config', join(PROJECT_ROOT, 'examples', `${model}.config.json`), '--weights', join(PROJECT_ROOT, 'fixtures', fixture),
          '--tokens', JSON.stringify(nested(f.input.get('idx')!)), '--targets', JSON.stringify(nested(f.input.get(targetKey)!)), '--backend', 'tfjs',
        );
        expect(value.backend).toBe(`tfjs:${backend}`);
        const c = compareNested(flat(value.logits), Array.from(f.output.get('logits')!.values), PYTORCH_PARITY.modelForward);
        expect(c.ok, `[${backend}] forward ${model} logits: ${c.message}`).toBe(true);
        expect(Math.abs(value.loss - f.output.get('loss')!.values[0]), `[${backend}] forward ${model} loss`).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
      }
    }, 240_000);

    it('generate --greedy and a seeded top-k sample give the reference\'s tokens', async () => {
      const base = ['generate', '--model', 'tinygpt', '--config', join(PROJECT_ROOT, 'examples', 'tinygpt.config.json'), '--weights', join(PROJECT_ROOT, 'fixtures', 'models', 'tinygpt.safetensors'), '--prompt', 'Jalāl '];
      for (const how of [['--greedy', '--max-new-tokens', '12'], ['--temperature', '0.8', '--top-k', '10', '--seed', '1', '--max-new-tokens', '12']]) {
        const gpu = await json<{ tokens: number[]; backend: string }>(...base, ...how, '--backend', 'tfjs');
        const ref = await json<{ tokens: number[] }>(...base, ...how);
        expect(gpu.value.backend).toBe(`tfjs:${backend}`);
        expect(gpu.value.tokens, `[${backend}] generate ${how.join(' ')}`).toEqual(ref.value.tokens);
      }
    }, 240_000);

    it('explain <claim id> judges the claim\'s tfjs leg on the GPU backend (exit 0), in a Chromium of its own as a user\'s command does', async () => {
      shareBrowserSession(null);
      try {
        const { value } = await json<{ outcomes: { impl: string; backend: string; confirmed: boolean }[] }>('explain', 'course.attention.i-love-cats.output-three-decimals');
        expect(value.outcomes.map((o) => [o.impl, o.confirmed])).toEqual([['reference', true], ['high-precision', true], ['tfjs', true]]);
        expect(value.outcomes[2].backend).toBe(backend);
      } finally {
        shareBrowserSession(session);
      }
    }, 120_000);
  });
}
