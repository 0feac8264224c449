/**
 * Running the CLI in the test worker (no child process): main(argv) with stdout and stderr captured.
 */
import { expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/format.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** main() in this worker, output captured. */
export async function cli(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(`${t}\n`), err: (t) => void err.push(`${t}\n`) };
  const code = await main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/**
 * The CLI's contract for bad input: exit code 2, nothing on stdout, and exactly one line on
 * stderr, matching `message` (and every extra pattern). Returns the run for further checks.
 */
export async function expectUsageFailure(argv: string[], message: RegExp, ...also: RegExp[]): Promise<Run> {
  const r = await cli(...argv);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(message);
  for (const pattern of also) expect(r.stderr).toMatch(pattern);
  return r;
}
