/**
 * `npm run bench:profile` — where a TinyGPT training step spends its time, kernel by kernel.
 *
 * Runs the bench's configuration (scripts/bench/tinygpt-train.ts) on the best available backend
 * (or TFJS_BACKEND), times a few plain steps, then profiles one step with tf.profile and prints
 * the kernels grouped by name and input shapes, heaviest first, and the totals per kernel name.
 * tf.profile synchronises after every kernel, so its total is above the plain step time; the
 * ranking is what it is for. "unnamed scope" rows are tf.customGrad calls (training-ops.ts);
 * their inner kernels are listed as well.
 *
 *   npm run bench:profile                # top 30 rows
 *   npm run bench:profile -- --top 60
 */
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from '../../src/cli/args.js';
import { preferWasmThreadsPerCore } from '../../src/core/wasm-threads.js';
import { initBackend } from '../../src/core/backend.js';
import { seededRng } from '../../src/core/random.js';
import '../../src/tfjs/index.js';
import { fusedKernelStatus } from '../../src/tfjs/training/kernels/training-kernels.js';
import { createTrainer } from '../../src/training/train.js';
import { BATCH, TUTORIAL_CONFIG } from './tinygpt-train.js';

const parsed = parseArgs(process.argv.slice(2), { top: { type: 'string', valueName: 'N' } }, 'bench:profile');
const top = Number(parsed.options.top ?? 30);
preferWasmThreadsPerCore('npm run bench:profile'); // as npm run bench, so the two profile the same configuration
const report = await initBackend();
const rng = seededRng(2024);
const data = Array.from({ length: 4096 }, () => rng.int(0, TUTORIAL_CONFIG.vocab_size));
const trainer = createTrainer({ kind: 'tinygpt', config: TUTORIAL_CONFIG, data, batchSize: BATCH, blockSize: TUTORIAL_CONFIG.block_size, seed: 7, optimizer: { lr: 1e-3, weightDecay: 0.01 } });
for (let i = 0; i < 3; i++) trainer.step();
const times: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) trainer.step();
  times.push((performance.now() - t0) / 3);
}
times.sort((a, b) => a - b);
const info = await tf.profile(() => {
  trainer.step();
});
trainer.dispose();

const byShape = new Map<string, { n: number; ms: number }>();
const byName = new Map<string, { n: number; ms: number }>();
let total = 0;
for (const k of info.kernels) {
  const ms = Number(k.kernelTimeMs) || 0;
  total += ms;
  for (const [map, key] of [[byShape, `${k.name} ${JSON.stringify(k.inputShapes)}`], [byName, k.name]] as const) {
    const e = map.get(key) ?? { n: 0, ms: 0 };
    e.n += 1;
    e.ms += ms;
    map.set(key, e);
  }
}
const out: string[] = [];
out.push(`backend ${report.summary}`);
const fused = fusedKernelStatus();
out.push(`fused training kernels: ${fused.on ? 'on' : 'off'} (${fused.reason}; TRANSFORMER_SPEC_FUSED_KERNELS=off to compare)`);
out.push(`plain step: best ${times[0].toFixed(1)} ms, median ${times[2].toFixed(1)} ms (5 runs of 3 steps)`);
out.push(`profiled step: ${info.kernels.length} kernels, ${total.toFixed(1)} ms inside kernels`);
out.push('');
out.push('     ms  calls  kernel [input shapes]');
for (const [key, e] of [...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) out.push(`${e.ms.toFixed(2).padStart(7)}  ${String(e.n).padStart(5)}  ${key}`);
out.push('');
out.push(`per kernel name: ${[...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([k, e]) => `${k} ${e.n}× ${e.ms.toFixed(1)} ms`).join('; ')}`);
process.stdout.write(`${out.join('\n')}\n`);
