/**
 * `transformer-spec metrics bleu|rouge`: on the committed example files the JSON equals what
 * evaluate's own code computes (values from tokenizer_13a.py + NMT compute_bleu and rouge_score's
 * definitions, run in Python on examples/metrics/*.txt); text output, help, file handling (BOM,
 * CRLF, final newline); and bad input — empty files, different line counts, missing files, unknown
 * metrics — each exit 2 with one line naming the problem. Runs main(argv, io) in-process; one child
 * process checks the documented example as a user runs it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, expectUsageFailure, type Run } from '../_helpers/cli.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { EXACT, isClose } from '../../src/core/tolerance.js';


const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
function file(text: string): string {
  const path = join(dir, `sentences-${count++}.txt`);
  writeFileSync(path, text);
  return path;
}

const CANDIDATES = join(PROJECT_ROOT, 'examples/metrics/candidates.txt');
const REFERENCES = join(PROJECT_ROOT, 'examples/metrics/references.txt');
const args = (metric: string, candidates = CANDIDATES, references = REFERENCES, ...extra: string[]) => ['metrics', metric, '--candidates', candidates, '--references', references, ...extra];

/** evaluate's values for examples/metrics/*.txt, computed in Python by its own code. */
const EVALUATE = {
  bleu: { bleu: 0.3011800964686833, precisions: [0.7804878048780488, 0.5135135135135135, 0.24242424242424243, 0.13793103448275862], brevity_penalty: 0.8851915475249605, length_ratio: 0.8913043478260869, translation_length: 41, reference_length: 46 },
  rouge: {
    rouge1: [0.8059027777777779, 0.7505050505050506, 0.7738304093567253],
    rouge2: [0.5479166666666667, 0.5145833333333334, 0.5284722222222222],
    rougeL: [0.8059027777777779, 0.7505050505050506, 0.7738304093567253],
    rougeLsum: [0.8059027777777779, 0.7505050505050506, 0.7738304093567253],
  } as Record<string, [number, number, number]>,
};
const close = (a: number, b: number) => isClose(a, b, EXACT.reference);

describe('metrics --json on the example files = evaluate', () => {
  it('bleu: evaluate\'s keys in its order, every value to float64 rounding (a brevity penalty below 1: c = 41 < r = 46)', async () => {
    const r = await cli(...args('bleu'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(r.stdout) as typeof EVALUATE.bleu;
    expect(Object.keys(json)).toEqual(['bleu', 'precisions', 'brevity_penalty', 'length_ratio', 'translation_length', 'reference_length']);
    expect([json.translation_length, json.reference_length]).toEqual([41, 46]);
    json.precisions.forEach((p, i) => expect(close(p, EVALUATE.bleu.precisions[i])).toBe(true));
    for (const k of ['bleu', 'brevity_penalty', 'length_ratio'] as const) expect(close(json[k], EVALUATE.bleu[k]), `${k}: ${json[k]}`).toBe(true);
  });

  it('rouge: rouge1, rouge2, rougeL, rougeLsum are the mean F1 (evaluate\'s keys), then mean precision and recall per type', async () => {
    const r = await cli(...args('rouge'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown> & { precision: Record<string, number>; recall: Record<string, number> };
    expect(Object.keys(json)).toEqual(['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'precision', 'recall', 'pairs']);
    expect(json.pairs).toBe(4);
    for (const [t, [p, rec, f]] of Object.entries(EVALUATE.rouge)) {
      expect(close(json[t] as number, f), `${t} F1`).toBe(true);
      expect(close(json.precision[t], p), `${t} precision`).toBe(true);
      expect(close(json.recall[t], rec), `${t} recall`).toBe(true);
    }
  });
});

describe('metrics (text)', () => {
  it('bleu prints BLEU, the four precisions, the brevity penalty and the lengths', async () => {
    const r = await cli(...args('bleu'));
    expect(r.code, r.stderr).toBe(0);
    for (const text of ["BLEU of 4 candidates against one reference each, as Hugging Face evaluate's \"bleu\" computes it", 'no smoothing', 'c = 41 candidate tokens, r = 46 reference tokens', 'exp(1 − r/c)']) expect(r.stdout).toContain(text);
    expect(r.stdout).toMatch(/\nbleu +0\.3012 +BP · exp\(¼ Σ ln p_n\)\n/);
    expect(r.stdout).toMatch(/\np_1 +0\.7805 +unigram precision\n/);
    expect(r.stdout).toMatch(/\nbrevity penalty +0\.8852 +exp\(1 − r\/c\)\n/);
  });

  it('rouge prints precision, recall and F1 per type with --digits decimals', async () => {
    const r = await cli(...args('rouge'), '--digits', '3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nrouge1 +0\.806 +0\.751 +0\.774\n/);
    expect(r.stdout).toMatch(/\nrouge2 +0\.548 +0\.515 +0\.528\n/);
    expect(r.stdout).toContain('rougeLsum (sentences split at line breaks) equals rougeL here');
  });

  it('--smooth changes BLEU as compute_bleu(smooth=True) does', async () => {
    const cand = file('the cat the mat on sat\n');
    const ref = file('the cat sat on the mat\n');
    const plain = JSON.parse((await cli(...args('bleu', cand, ref), '--json')).stdout) as { bleu: number };
    const smooth = JSON.parse((await cli(...args('bleu', cand, ref), '--json', '--smooth')).stdout) as { bleu: number };
    expect(plain.bleu).toBe(0);
    expect(close(smooth.bleu, 0.39763536438352537)).toBe(true);
  });

  it('a byte-order mark, CRLF line ends and a missing final newline read as the same sentences', async () => {
    const a = JSON.parse((await cli(...args('bleu', file('\uFEFFthe cat sat on the mat\r\nA quick brown fox.\r\n'), file('the cat is on the mat\nThe quick brown fox.'), '--json'))).stdout);
    const b = JSON.parse((await cli(...args('bleu', file('the cat sat on the mat\nA quick brown fox.\n'), file('the cat is on the mat\nThe quick brown fox.\n'), '--json'))).stdout);
    expect(a).toEqual(b);
  });

  it('help: metrics is listed, and metrics --help, help metrics and metrics bleu --help describe it', async () => {
    expect((await cli('--help')).stdout).toContain('metrics bleu|rouge');
    const h = await cli('metrics', '--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^transformer-spec metrics bleu\|rouge --candidates FILE --references FILE/);
    expect((await cli('help', 'metrics')).stdout).toBe(h.stdout);
    expect((await cli('metrics', 'bleu', '--help')).stdout).toBe(h.stdout);
  });
});

describe('bad input: exit 2, one line naming the problem', () => {
  const bad: Array<[string, () => string[], RegExp]> = [
    ['an empty candidates file', () => args('bleu', file('')), /^error: --candidates .*sentences-\d+\.txt is empty: it needs one sentence per line$/],
    ['an empty references file (rouge)', () => args('rouge', CANDIDATES, file('')), /^error: --references .* is empty/],
    ['more candidates than references', () => args('bleu', CANDIDATES, file('one line\n')), /^error: --candidates .*candidates\.txt has 4 lines but --references .* has 1: line i of one is scored against line i of the other$/],
    ['fewer candidates than references (rouge)', () => args('rouge', file('a\nb\n'), REFERENCES), /has 2 lines but --references .*references\.txt has 4/],
    ['every candidate empty', () => args('bleu', file('\n\n'), file('a b\nc d\n')), /^error: BLEU: every candidate is empty after tokenisation, so the brevity penalty exp\(1 − r\/c\) is undefined/],
    ['a candidates file that does not exist', () => args('bleu', join(dir, 'absent.txt')), /^error: --candidates .*absent\.txt: cannot read the file \(no such file\)$/],
    ['a directory as references', () => args('rouge', CANDIDATES, dir), /^error: --references .*: cannot read the file \(it is a directory\)$/],
    ['no metric', () => ['metrics', '--candidates', CANDIDATES, '--references', REFERENCES], /^error: metrics needs a metric: bleu or rouge/],
    ['an unknown metric', () => args('meteor'), /^error: unknown metric "meteor"; metrics: bleu, rouge$/],
    ['a missing --references', () => ['metrics', 'bleu', '--candidates', CANDIDATES], /^error: missing required option --references FILE$/],
    ['--smooth with rouge', () => args('rouge', CANDIDATES, REFERENCES, '--smooth'), /^error: --smooth is a BLEU option/],
    ['an extra argument', () => [...args('bleu'), 'extra'], /^error: unexpected argument "extra" for `metrics bleu`/],
    ['a misspelt option', () => ['metrics', 'bleu', '--candidate', CANDIDATES], /^error: unknown option --candidate for `metrics` \(did you mean --candidates\?\)$/],
    ['--digits out of range', () => [...args('bleu'), '--digits', '20'], /^error: --digits must be between 0 and 15/],
  ];

  it.each(bad)('%s', async (_name, argv, message) => {
    await expectUsageFailure(argv(), message);
  });
});

describe('as a process', () => {
  it('the documented example runs with relative paths and prints one JSON object', async () => {
    const r = await new Promise<Run>((done, fail) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'metrics', 'rouge', '--candidates', 'examples/metrics/candidates.txt', '--references', 'examples/metrics/references.txt', '--json'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') fail(error);
        else done({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      });
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(close((JSON.parse(r.stdout) as { rouge1: number }).rouge1, EVALUATE.rouge.rouge1[2])).toBe(true);
  });
});
