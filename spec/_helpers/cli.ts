/**
 * Running the CLI in the test worker (no child process): main(argv) with stdout and stderr captured.
 */
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
