/**
 * The command-line interface (src/cli/): what an educator types and what comes back.
 *
 * Most cases call `main(argv, io)` in this worker with a capturing Io: the same code path as the
 * real command, minus process start-up, so many inputs cost nothing. A few child processes then
 * prove the process-level contract: exit codes, stdout holding nothing but JSON under --json,
 * one-line errors without a stack trace, and bin/transformer-spec.js working from another cwd.
 * Each child process costs about a second, so each one checks several things.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, expectUsageFailure, type Run } from '../_helpers/cli.js';
import { isMissingModule } from '../../src/cli/main.js';
import { fromJsonNumber } from '../../src/cli/format.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { EXACT, TFJS_VS_REFERENCE, compareNested, matchesPrinted, PRINTED_SLACK } from '../../src/core/tolerance.js';
import { scaledDotProductAttention } from '../../src/reference/scaled-dot-product-attention.js';
import { sinusoidalEncoding } from '../../src/reference/sinusoidal-encoding.js';


/** The real thing: a Node process running the CLI through tsx. */
function child(args: string[], cwd = PROJECT_ROOT): Run {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const ENTRY = ['--import', 'tsx', 'src/cli/main.ts'];

type Nested = number | Nested[];
const parse = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
const num = (v: unknown) => fromJsonNumber(v) as number[][];
const expectClose = (actual: Nested, expected: Nested, t: { atol: number; rtol: number }) => {
  const c = compareNested(actual, expected, t);
  expect(c.ok, c.message).toBe(true);
};

// The interview deck's example: Q = K = V = X, three 2-d tokens.
const X = [[1, 0], [0, 1], [1, 1]];
const XS = JSON.stringify(X);
const attentionArgs = (...extra: string[]) => ['explain', 'attention', '--q', XS, '--k', XS, '--v', XS, ...extra];
const STEP_KEYS = ['scores', 'scaled', 'masked', 'weights', 'output'] as const;

describe('explain attention --json', () => {
  it('returns exactly the steps (scores, scaled, capped, biased, masked, weights, output) and what ran — equal to the reference implementation', async () => {
    const r = await cli(...attentionArgs('--json'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const json = parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual([...STEP_KEYS, 'capped', 'biased', 'backend', 'scale', 'causal', 'nHeads', 'nKvHeads', 'softcap', 'alibiSlopes'].sort());
    expect(json).toMatchObject({ causal: null, nHeads: 1, nKvHeads: 1, softcap: null, alibiSlopes: null });
    expect(json.capped).toEqual(json.scaled); // no soft-cap, no bias: both steps pass the scaled scores on
    expect(json.biased).toEqual(json.scaled);
    expect(json.backend).toBe('reference');
    expect(json.scale).toBeCloseTo(1 / Math.SQRT2, 15);
    expect(json.scores).toEqual([[1, 0, 1], [0, 1, 1], [1, 1, 2]]);
    const reference = scaledDotProductAttention(X, X, X, { steps: true });
    for (const key of STEP_KEYS) expectClose(num(json[key]), reference[key], EXACT.reference);
    // The deck's first row, 0.4011 / 0.1978 / 0.4011 at its printed precision.
    const row0 = num(json.weights)[0];
    ['0.4011', '0.1978', '0.4011'].forEach((p, j) => expect(matchesPrinted(row0[j], p, PRINTED_SLACK.reference), `weights[0][${j}] = ${row0[j]} vs ${p}`).toBe(true));
  });

  it('--no-scale uses factor 1 and changes the weights (softmax of the raw scores)', async () => {
    const json = parse((await cli(...attentionArgs('--json', '--no-scale'))).stdout);
    expect(json.scale).toBe(1);
    expect(json.scaled).toEqual(json.scores);
    const unscaled = scaledDotProductAttention(X, X, X, { scale: false, steps: true });
    const scaled = scaledDotProductAttention(X, X, X, { steps: true });
    expectClose(num(json.weights), unscaled.weights, EXACT.reference);
    expect(compareNested(num(json.weights), scaled.weights, EXACT.reference).ok).toBe(false);
  });

  it('--causal writes "-Infinity" above the diagonal of masked and exact zeros in weights', async () => {
    const json = parse((await cli(...attentionArgs('--json', '--causal'))).stdout);
    const masked = json.masked as unknown[][];
    const weights = num(json.weights);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        if (j > i) {
          expect(masked[i][j]).toBe('-Infinity');
          expect(weights[i][j]).toBe(0);
        } else {
          expect(typeof masked[i][j]).toBe('number');
        }
      }
    }
    expectClose(weights, scaledDotProductAttention(X, X, X, { mask: 'causal', steps: true }).weights, EXACT.reference);
    expect(weights[0]).toEqual([1, 0, 0]);
  });

  it('--backend tfjs agrees with the reference within TFJS_VS_REFERENCE.attention and names its backend on stderr', async () => {
    const r = await cli(...attentionArgs('--json', '--backend', 'tfjs', '--causal'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^backend: tfjs \(float32, src\/tfjs\/\) on (gpu|tensorflow|wasm|cpu)/);
    const json = parse(r.stdout);
    expect(json.backend).toMatch(/^tfjs:(gpu|tensorflow|wasm|cpu)$/);
    const reference = scaledDotProductAttention(X, X, X, { mask: 'causal', steps: true });
    for (const key of STEP_KEYS) expectClose(num(json[key]), reference[key], TFJS_VS_REFERENCE.attention);
  });
});

describe('explain attention (text)', () => {
  it('prints every step as a labelled matrix with its shape and the scale factor used', async () => {
    const r = await cli(...attentionArgs('--tokens', 'I,love,cats'));
    expect(r.code).toBe(0);
    for (const line of ['1. scores = Q Kᵀ  (3 × 3)', '2. scaled = scores × 1/√2 ≈ 0.707107  (3 × 3)', '3. masked', '4. weights', '5. output = weights V  (3 × 2)']) {
      expect(r.stdout).toContain(line);
    }
    expect(r.stdout).toMatch(/love \[ 0\.1978 {2}0\.4011 {2}0\.4011 \]/);
    expect(r.stdout).toContain('backend: reference');
    const causal = await cli(...attentionArgs('--causal', '--no-scale'));
    expect(causal.stdout).toContain('−∞');
    expect(causal.stdout).toContain('--no-scale');
  });
});

describe('explain positional-encoding', () => {
  it('--json gives the reference sinusoidal matrix with d, positions, base; tfjs agrees within its tolerance', async () => {
    const json = parse((await cli('explain', 'positional-encoding', '--d', '6', '--positions', '5', '--base', '100', '--json')).stdout);
    expect(json).toMatchObject({ d: 6, positions: 5, base: 100, backend: 'reference' });
    expectClose(num(json.pe), sinusoidalEncoding(5, 6, { base: 100 }), EXACT.reference);
    const byDefault = parse((await cli('explain', 'positional-encoding', '--d', '4', '--positions', '3', '--json')).stdout);
    expect(byDefault.base).toBe(10000);
    const tf = parse((await cli('explain', 'positional-encoding', '--d', '6', '--positions', '5', '--base', '100', '--json', '--backend', 'tfjs')).stdout);
    expectClose(num(tf.pe), sinusoidalEncoding(5, 6, { base: 100 }), TFJS_VS_REFERENCE.positionalEncoding);
  });

  it('text output labels positions and sin/cos columns', async () => {
    const r = await cli('explain', 'positional-encoding', '--d', '4', '--positions', '4', '--base', '100');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PE  (4 × 4)');
    expect(r.stdout).toMatch(/pos 1 \[ 0\.8415 +0\.5403 +0\.0998 +0\.9950 \]/);
  });
});

describe('bad input: one line naming the problem, exit code 2', () => {
  const bad: Array<[string, string[], RegExp]> = [
    ['malformed JSON in --q', ['explain', 'attention', '--q', '[[1,0', '--k', XS, '--v', XS], /^error: --q is not valid JSON: /],
    ['malformed JSON in --v', ['explain', 'attention', '--q', XS, '--k', XS, '--v', '{oops'], /^error: --v is not valid JSON: /],
    ['missing --k', ['explain', 'attention', '--q', XS, '--v', XS], /^error: missing required option --k JSON$/],
    ['an option without its value', ['explain', 'attention', '--q', '--k', XS, '--v', XS], /^error: --q needs a value/],
    ['unknown command', ['explian'], /^error: unknown command "explian" \(did you mean explain\?\)/],
    ['unknown topic', ['explain', 'softmax'], /^error: unknown topic "softmax" for explain/],
    ['unknown option', ['explain', 'attention', '--q', XS, '--k', XS, '--v', XS, '--casual'], /^error: unknown option --casual .*did you mean --causal\?/],
    ['unknown --backend', ['explain', 'attention', '--q', XS, '--k', XS, '--v', XS, '--backend', 'torch'], /^error: --backend must be one of reference, tfjs, got "torch"$/],
    ['d_k mismatch (ShapeError)', ['explain', 'attention', '--q', XS, '--k', '[[1,0,0]]', '--v', '[[1]]'], /^error: q has d_k = 2 columns but k has 3/],
    ['keys without values (ShapeError)', ['explain', 'attention', '--q', XS, '--k', XS, '--v', '[[1,2]]'], /^error: k has 3 rows but v has 1/],
    ['a vector instead of a matrix', ['explain', 'attention', '--q', '[1,2]', '--k', XS, '--v', XS], /^error: q must have rank 2 \(n, d\), 3 \(heads, n, d\) or 4/],
    ['ragged rows', ['explain', 'attention', '--q', '[[1,2],[3]]', '--k', XS, '--v', XS], /^error: q is ragged/],
    ['a non-number entry', ['explain', 'attention', '--q', '[[1,"a"]]', '--k', XS, '--v', XS], /^error: q\[0\]\[1\] must be a number/],
    ['tokens that do not match the keys', [...attentionArgs('--tokens', 'a,b')], /^error: --tokens has 2 names but k has 3 rows/],
    ['non-numeric --d', ['explain', 'positional-encoding', '--d', 'four', '--positions', '3'], /^error: --d must be an integer, got "four"$/],
    ['odd --d', ['explain', 'positional-encoding', '--d', '5', '--positions', '3'], /^error: d \(dModel\) = 5 is odd/],
    ['negative --positions', ['explain', 'positional-encoding', '--d', '4', '--positions', '-3'], /^error: --positions must be a count ≥ 1 .*got -3$/],
    ['missing --positions', ['explain', 'positional-encoding', '--d', '4'], /^error: missing required option --positions N$/],
    ['non-numeric --base', ['explain', 'positional-encoding', '--d', '4', '--positions', '2', '--base', 'ten'], /^error: --base must be a finite number/],
    ['--base ≤ 1', ['explain', 'positional-encoding', '--d', '4', '--positions', '2', '--base', '1'], /^error: base must be a finite number > 1/],
    ['a switch given a value', [...attentionArgs('--json=yes')], /^error: --json is a switch and takes no value/],
    ['an unknown causal alignment', [...attentionArgs('--causal=yes')], /^error: --causal must be one of top-left, bottom-right, got "yes"$/],
  ];

  it.each(bad)('%s', async (_name, argv, message) => {
    await expectUsageFailure(argv, message);
  });
});

describe('help', () => {
  it('lists every command, the npm script equivalence and the JSON convention for −∞', async () => {
    for (const argv of [[], ['help'], ['--help']]) {
      const r = await cli(...argv);
      expect(r.code).toBe(0);
      for (const text of ['verify', 'report/claims.json', 'explain attention', 'explain positional-encoding', 'explain i-love-cats', 'explain i-am-a-robot', 'npm run cli --', '"-Infinity"']) {
        expect(r.stdout).toContain(text);
      }
    }
    const topic = await cli('explain', 'attention', '--help');
    expect(topic.code).toBe(0);
    expect(topic.stdout).toMatch(/^transformer-spec explain attention --q JSON/);
    expect((await cli('help', 'explain', 'positional-encoding')).stdout).toMatch(/^transformer-spec explain positional-encoding/);
  });

  it('tells a missing verify module apart from a module verify fails to import', () => {
    const missing = Object.assign(new Error("Cannot find module '/p/src/cli/verify.js' imported from /p/src/cli/main.ts"), { code: 'ERR_MODULE_NOT_FOUND' });
    const inner = Object.assign(new Error("Cannot find module '/p/src/cli/other.js' imported from /p/src/cli/verify.ts"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(isMissingModule(missing, 'verify.js')).toBe(true);
    expect(isMissingModule(inner, 'verify.js')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The worked examples read the documents' printed numbers from golden records.

function goldenFile(id: string): string | undefined {
  const dir = join(PROJECT_ROOT, 'golden');
  if (!existsSync(dir)) return undefined;
  for (const topic of readdirSync(dir)) {
    const file = join(dir, topic, `${id}.json`);
    if (statSync(join(dir, topic)).isDirectory() && existsSync(file)) return file;
  }
  return undefined;
}

function requireGolden(ids: string[]): void {
  const missing = ids.filter((id) => !goldenFile(id));
  expect(missing, `golden records missing (golden/<topic>/<id>.json): ${missing.join(', ')}`).toEqual([]);
}

const CATS_IDS = [
  'scores',
  'exact-weights',
  'denominator',
  'weights',
  'exact-output',
  'output-three-decimals',
  'output-two-decimals',
  'with-scaling',
].map((n) => `course.attention.i-love-cats.${n}`);

describe('worked examples', () => {
  it('explain i-love-cats shows every claim id with its verdict, and the erratum with its correct value', async () => {
    requireGolden(CATS_IDS);
    const r = await cli('explain', 'i-love-cats');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const id of CATS_IDS) expect(r.stdout).toMatch(new RegExp(`claim +${id.replace(/\./g, '\\.')} — verdict: (holds|holds-under-assumption|erratum)\\n`));
    expect(r.stdout).toMatch(/document {2}\[0\.58, 0\.85\] .*✗/);
    expect(r.stdout).toMatch(/correct {3}\[0\.58, 0\.84\] .*✓/);
    expect(r.stdout).toContain('why       ');
    expect(r.stdout).not.toContain('warning:');
  });

  it('explain i-am-a-robot shows the 4 × 4 table beside the printed one, entry formulas and the claim id', async () => {
    requireGolden(['course.pe.i-am-a-robot']);
    const r = await cli('explain', 'i-am-a-robot');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/claim +course\.pe\.i-am-a-robot — verdict: /);
    expect(r.stdout).toMatch(/P10 +sin\(1\/1\) +0\.841471 +0\.84 +✓/);
    expect(r.stdout).toMatch(/P33 +cos\(3\/10\) +0\.955336/);
  });

  it('explain --list names every golden claim', async () => {
    const r = await cli('explain', '--list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('course.attention.i-love-cats.output-two-decimals');
  });
});

// ---------------------------------------------------------------------------------------------
// Child processes: the process-level contract.

describe('as a process', () => {
  it('--json on tfjs keeps stdout pure JSON; exit code 0', () => {
    const r = child([...ENTRY, ...attentionArgs('--json', '--backend', 'tfjs')]);
    expect(r.code, r.stderr).toBe(0);
    const json = parse(r.stdout); // throws if anything but one JSON object reached stdout
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(json.backend).toMatch(/^tfjs:/);
    expectClose(num(json.weights), scaledDotProductAttention(X, X, X, { steps: true }).weights, TFJS_VS_REFERENCE.attention);
    expect(r.stderr).toMatch(/^backend: tfjs/);
  });

  it('bad input exits 2 with a single error line and no stack trace', () => {
    const r = child([...ENTRY, 'explain', 'attention', '--q', '[[1,0', '--k', XS, '--v', XS]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: --q is not valid JSON: .*\n$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('bin/transformer-spec.js runs from another working directory (i-love-cats, then a bad option)', () => {
    requireGolden(CATS_IDS);
    const bin = join(PROJECT_ROOT, 'bin', 'transformer-spec.js');
    const cwd = tmpdir();
    const ok = child([bin, 'explain', 'i-love-cats'], cwd);
    expect(ok.code, ok.stderr).toBe(0);
    for (const id of CATS_IDS) expect(ok.stdout).toContain(id);
    const bad = child([bin, 'explain', 'positional-encoding', '--d', '3', '--positions', '2'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: d \(dModel\) = 3 is odd.*\n$/);
  });
});
