/**
 * The PyTorch anchor: runs scripts/bench/torch_bench.py with Debian's interpreter and returns its
 * JSON. Installs nothing: when /usr/bin/python3 or its torch is missing, the reason and the
 * install command are returned instead, and the benchmarks report TypeScript numbers only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/claims.js';

export const PYTHON = '/usr/bin/python3';
export const INSTALL_HINT = 'apt-get install python3-torch libopenblas0-pthread   (Debian; the anchor runs with /usr/bin/python3)';

export type TorchResult = { ok: true; data: Record<string, unknown> } | { ok: false; reason: string };

export function runTorch(args: string[], log: (line: string) => void): TorchResult {
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} not found; install the PyTorch anchor with: ${INSTALL_HINT}` };
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { ok: false, reason: `${PYTHON} cannot import torch (${(probe.stderr || '').trim().split('\n').pop()}); install it with: ${INSTALL_HINT}` };
  const script = join(PROJECT_ROOT, 'scripts', 'bench', 'torch_bench.py');
  // GNU OpenMP spin-waits between parallel regions by default. On a shared 2-core machine that made
  // two torch threads 20× slower than one (2.4 s against 0.10 s per TinyGPT step at load ≈ 6):
  // passive waiting is PyTorch's better setting here, so it is the default unless the caller set one.
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  const run = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const line of (run.stderr ?? '').split('\n')) if (line.trim()) log(line);
  if (run.status !== 0) return { ok: false, reason: `torch_bench.py exited with ${run.status}: ${(run.stderr || '').trim().split('\n').pop()}` };
  try {
    return { ok: true, data: { ...(JSON.parse(run.stdout) as Record<string, unknown>), ompWaitPolicy: env.OMP_WAIT_POLICY } };
  } catch (e) {
    return { ok: false, reason: `torch_bench.py printed no JSON (${(e as Error).message})` };
  }
}
