/**
 * How a reproduction claim is judged from a recorded run (golden/README.md, rule 6), on synthetic
 * records in a temporary folder (TRANSFORMER_SPEC_EVIDENCE_DIR), never on the developer's
 * report/reproduce-*.json: a run that reaches the table confirms the verdict, one that misses it
 * refutes it, a missing or off-protocol run leaves the claim not judged, an unreadable record is
 * an error; and `verify` exits 0 for a claim not judged, 1 with --require-evidence.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { referenceImpl, tfjsImpl } from '../../src/ops/implementations.js';
import { evidenceSummary } from '../../src/claims/reproduction-evidence.js';
import { runClaim } from '../../src/claims/run.js';
import { runVerify } from '../../src/cli/verify.js';
import { getClaim } from '../../src/core/claims.js';
import { backendReport } from '../_helpers/setup.js';

const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-evidence-'));
const gpt = getClaim('scratch.training.table-4-1-reproduction');
const bert = getClaim('scratch.training.table-3-1-reproduction');

/** A record shaped as src/training/reproduce.ts writes it; `over` replaces fields. */
function record(model: 'tinygpt' | 'tinybert', over: Record<string, unknown> = {}): void {
  const base = {
    model,
    seed: 7,
    backend: 'wasm',
    recordedAt: '2025-01-01T00:00:00.000Z',
    steps: 1000,
    trainingSeconds: 100,
    hyperparameters: { batchSize: 32, blockSize: model === 'tinygpt' ? 16 : 8 },
    metrics: model === 'tinygpt' ? { crossEntropy: 0.03, perplexity: 1.03, accuracyPercent: 99, bpc: 0.043, distinct1: 0.115, distinct2: 0.45 } : { crossEntropy: 0.5, perplexity: 1.65, accuracyPercent: 90 },
    extra: model === 'tinybert' ? { onWindowsTheBatchBuilderDraws: { crossEntropy: 0.1, perplexity: 1.105, accuracyPercent: 100, labelled: 500 } } : {},
  };
  writeFileSync(join(dir, `reproduce-${model}.json`), JSON.stringify({ ...base, ...over }));
}
const clear = () => {
  for (const m of ['tinygpt', 'tinybert']) rmSync(join(dir, `reproduce-${m}.json`), { force: true });
};
const impl = () => tfjsImpl(backendReport);

beforeAll(() => vi.stubEnv('TRANSFORMER_SPEC_EVIDENCE_DIR', dir));
afterEach(clear);
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('reproduction claims judged from recorded runs', () => {
  it('[scratch.training.table-4-1-reproduction] a run at least as good as Table 4.1 confirms the verdict', async () => {
    record('tinygpt');
    const o = await runClaim(gpt, impl());
    expect(o.derived).toBe('holds-under-assumption');
    expect(o.confirmed).toBe(true);
    expect(evidenceSummary(gpt)).toMatchObject({ present: true, seed: 7, steps: 1000, backend: 'wasm', recordedAt: '2025-01-01T00:00:00.000Z' });
  });

  it('a run that misses the table refutes it: a mismatch, not a pass', async () => {
    record('tinygpt', { metrics: { crossEntropy: 0.05, perplexity: 1.05, accuracyPercent: 98, bpc: 0.07, distinct1: 0.113, distinct2: 0.432 } });
    const o = await runClaim(gpt, impl());
    expect(o.derived).toBe('mismatch');
    expect(o.checks.find((k) => k.label === 'crossEntropy')!.result.ok).toBe(false);
  });

  it('[scratch.training.table-3-1-reproduction] TinyBERT is judged on the windows its batch builder draws', async () => {
    record('tinybert');
    expect((await runClaim(bert, impl())).confirmed).toBe(true);
    record('tinybert', { extra: {} });
    expect((await runClaim(bert, impl())).error).toMatch(/no extra\.onWindowsTheBatchBuilderDraws/);
  });

  it('no recorded run, or a run off the tutorial\'s protocol, leaves the claim not judged, naming the command', async () => {
    const absent = await runClaim(gpt, impl());
    expect([absent.derived, absent.confirmed]).toEqual(['not-judged', false]);
    expect(absent.notJudged).toMatch(/no recorded run.*npm run reproduce -- tinygpt/);
    expect(evidenceSummary(gpt)).toEqual({ file: 'report/reproduce-tinygpt.json', command: 'npm run reproduce -- tinygpt', present: false });
    record('tinygpt', { steps: 50 });
    expect((await runClaim(gpt, impl())).notJudged).toMatch(/50 steps \(the tutorial trains 1000\)/);
    record('tinygpt', { model: 'tinybert' });
    expect((await runClaim(gpt, impl())).notJudged).toMatch(/model "tinybert" instead of tinygpt/);
  });

  it('an unreadable record is an error, and only reproduction claims may go unjudged', async () => {
    writeFileSync(join(dir, 'reproduce-tinygpt.json'), '{ "model": ');
    const o = await runClaim(gpt, impl());
    expect(o.derived).toBe('error');
    expect(o.error).toMatch(/not valid JSON.*npm run reproduce -- tinygpt/);
    clear();
    const notReproduction = { ...gpt, kind: 'statement' as const };
    expect((await runClaim(notReproduction, referenceImpl)).derived).toBe('error');
  });
});

describe('verify with claims not judged', () => {
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      const code = await runVerify(['--only', 'scratch.training.table-', '--out', join(dir, 'out'), ...argv]);
      return { code, text: lines.join('\n') };
    } finally {
      spy.mockRestore();
    }
  };

  it('exits 0 and says how many claims were not judged and how to record them; --require-evidence exits 1', async () => {
    const lenient = await run();
    expect(lenient.code).toBe(0);
    expect(lenient.text).toMatch(/0\/0 judged verdicts confirmed, 2 not judged/);
    expect(lenient.text).toMatch(/○ scratch\.training\.table-3-1-reproduction: not judged — .*npm run reproduce -- tinybert/);
    expect((await run('--require-evidence')).code).toBe(1);
    record('tinygpt');
    record('tinybert');
    const judged = await run('--require-evidence');
    expect(judged.code).toBe(0);
    expect(judged.text).toMatch(/2\/2 verdicts confirmed/);
  });
});
