/**
 * `npm run bench` — TypeScript against PyTorch, timed in the same run on the same machine:
 *
 *   tinygpt-train  TinyGPT training steps/s (tutorial configuration), every available tfjs backend;
 *                  PyTorch is timed before and after the TypeScript runs and the ratio uses the mean
 *   attention      attention forward, standard and tiled, n = 256 … 4096, d = 64: time and memory
 *   generation     greedy generation tokens/s with and without the key/value cache
 *
 * Options:  --json          print the JSON report instead of the table
 *           --only NAME     run one benchmark (tinygpt-train | attention | generation)
 *           --backend NAME  backend for attention and generation (default: the best available)
 *           --quick         short timing loops and n ≤ 1024 (a smoke run, not a measurement)
 *
 * Writes report/bench.json. Installs nothing: without /usr/bin/python3 + torch it says how to
 * install the anchor and reports TypeScript numbers only (ratios null). Every ratio is
 * "TypeScript speed ÷ PyTorch speed" (> 1: TypeScript is faster); JSON key `ratio`.
 * Benchmarks measure and assert nothing; no spec depends on wall time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { preferWasmThreadsPerCore } from '../../src/core/wasm-threads.js';
import { BACKEND_ORDER, initBackend, type BackendChoice } from '../../src/core/backend.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import '../../src/tfjs/index.js';
import { fusedKernelStatus } from '../../src/tfjs/training/kernels/training-kernels.js';
import { ATTENTION_SIZES, benchAttention, TILE, type AttentionRow } from './attention.js';
import { benchGeneration, type GenerationResult } from './generation.js';
import { load1, machine } from './measure.js';
import { BATCH, benchTrain, TUTORIAL_CONFIG, type TrainResult } from './tinygpt-train.js';
import { INSTALL_HINT, runTorch } from './torch.js';

const BENCHMARKS = ['tinygpt-train', 'attention', 'generation'] as const;
type BenchName = (typeof BENCHMARKS)[number];

const args = (() => {
  try {
    const parsed = parseArgs(process.argv.slice(2), { json: { type: 'boolean' }, only: { type: 'string', valueName: 'NAME' }, backend: { type: 'string', valueName: 'NAME' }, quick: { type: 'boolean' } }, 'bench');
    const only = parsed.options.only;
    if (only !== undefined && !(BENCHMARKS as readonly string[]).includes(only)) throw new UsageError(`--only must be one of ${BENCHMARKS.join(', ')}, got ${JSON.stringify(only)}`);
    if (parsed.positionals.length) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    return { json: !!parsed.options.json, only: only as BenchName | undefined, backend: parsed.options.backend, quick: !!parsed.options.quick };
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\nusage: npm run bench -- [--json] [--only ${BENCHMARKS.join('|')}] [--backend NAME] [--quick]\n`);
      process.exit(2);
    }
    throw e;
  }
})();

preferWasmThreadsPerCore('npm run bench'); // products dominate every benchmark here

const wants = (name: BenchName) => args.only === undefined || args.only === name;
const log = (line: string) => process.stderr.write(`${line}\n`);
const sizes = args.quick ? ATTENTION_SIZES.filter((n) => n <= 1024) : ATTENTION_SIZES;
const timing = args.quick ? { minMs: 150, repeats: 1 } : { minMs: 1500, repeats: 3 };
const host = machine();

// --- PyTorch first, so its threads have the machine to themselves --------------------------------
log(`[bench] ${host.cores} cores, ${host.cpu}, node ${host.node}, load average ${host.loadBefore.toFixed(2)}`);
log('[bench] PyTorch anchor: /usr/bin/python3 scripts/bench/torch_bench.py');
const torch = runTorch([...(args.only ? ['--only', args.only] : []), ...(args.quick ? ['--quick'] : []), '--sizes', sizes.join(',')], log);
if (!torch.ok) log(`[bench] PyTorch unavailable — TypeScript numbers only. ${torch.reason}`);
const pt = (torch.ok ? torch.data : {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// --- TypeScript -----------------------------------------------------------------------------------
const report: Record<string, unknown> = {
  generatedAt: new Date().toISOString(),
  machine: host,
  ratioDefinition: 'TypeScript speed ÷ PyTorch speed (steps/s, tokens/s, or PyTorch ms ÷ TypeScript ms); > 1 means TypeScript is faster',
  pytorch: torch.ok ? { torch: pt.torch, threads: pt.threads, python: pt.python, ompWaitPolicy: pt.ompWaitPolicy } : { unavailable: torch.reason, install: INSTALL_HINT },
  backends: [] as unknown[],
};

const available: BackendChoice[] = [];
/** Table label per backend: wasm says how many XNNPACK threads it runs (src/core/wasm-threads.ts). */
const label = new Map<BackendChoice, string>();
for (const choice of BACKEND_ORDER) {
  try {
    const started = await initBackend(choice);
    available.push(choice);
    label.set(choice, started.wasmThreads ? `${choice} (${started.wasmThreads.threads} thread${started.wasmThreads.threads === 1 ? '' : 's'})` : choice);
  } catch (e) {
    (report.backends as unknown[]).push({ backend: choice, available: false, reason: (e as Error).message });
    continue;
  }
  (report.backends as unknown[]).push({ backend: choice, available: true, tfBackend: tf.getBackend(), label: label.get(choice) });
}
if (!available.length) throw new Error('no TensorFlow.js backend could start');
const best = (args.backend ?? available[0]) as BackendChoice;
if (!available.includes(best)) {
  process.stderr.write(`error: --backend ${args.backend} is not available here (available: ${available.join(', ')})\n`);
  process.exit(2);
}

/** Make `b` the active backend (initBackend memoises per requested name, so switch explicitly too). */
async function use(b: BackendChoice): Promise<void> {
  await initBackend(b);
  await tf.setBackend(b === 'gpu' || b === 'tensorflow' ? 'tensorflow' : b);
}

const ratio = (ts: number | undefined, torchValue: number | undefined): number | null => (ts && torchValue ? ts / torchValue : null);

if (wants('tinygpt-train')) {
  const torchTrain = pt['tinygpt-train'];
  const results: Array<TrainResult & { fusedKernels: { on: boolean; reason: string }; ratio: number | null; ratioVsOneThread: number | null }> = [];
  for (const b of available) {
    await use(b);
    log(`[bench] tinygpt-train on ${label.get(b)} …`);
    // The pure-JS cpu backend needs seconds per step: two timed steps are enough to rank it.
    const r = benchTrain(label.get(b) ?? b, b === 'cpu' ? { minMs: 0, minRuns: args.quick ? 1 : 2, repeats: 1 } : timing, b === 'cpu' ? 1 : 3);
    const fused = fusedKernelStatus();
    results.push({ ...r, fusedKernels: fused, ratio: ratio(r.stepsPerSec, torchTrain?.stepsPerSec), ratioVsOneThread: ratio(r.stepsPerSec, torchTrain?.oneThread?.stepsPerSec) });
    log(`[bench]   ${r.stepsPerSec.toFixed(2)} steps/s (${r.msPerStep.toFixed(0)} ms/step), loss ${r.lastLoss.toFixed(3)}; fused training kernels ${fused.on ? 'on' : 'off'} (${fused.reason})`);
  }
  // The anchor again, after the TypeScript runs: this VM's speed drifts by tens of percent within
  // minutes (PyTorch's rate ranged 11.3–19.9 steps/s over one afternoon), so the ratio divides by
  // the mean of the anchor measured before and after, and both are reported.
  let torchAfter: { stepsPerSec: number } | null = null;
  if (torch.ok && torchTrain) {
    log('[bench] PyTorch anchor again, after the TypeScript runs (tinygpt-train, threads = cores)');
    const again = runTorch(['--only', 'tinygpt-train', '--train-anchor-only', ...(args.quick ? ['--quick'] : [])], log);
    if (again.ok) torchAfter = (again.data as Record<string, any>)['tinygpt-train'] ?? null; // eslint-disable-line @typescript-eslint/no-explicit-any
    else log(`[bench] the second anchor run failed (${again.reason}); the ratio uses the first alone`);
  }
  const anchor = torchTrain?.stepsPerSec && torchAfter?.stepsPerSec ? (torchTrain.stepsPerSec + torchAfter.stepsPerSec) / 2 : torchTrain?.stepsPerSec;
  for (const r of results) r.ratio = ratio(r.stepsPerSec, anchor);
  report['tinygpt-train'] = {
    config: { ...TUTORIAL_CONFIG, batch: BATCH, optimizer: 'AdamW lr 1e-3, weight decay 0.01 (src/tfjs/adamw.ts)', loop: 'src/training/train.ts createTrainer().step()' },
    pytorch: torchTrain ? { ...torchTrain, after: torchAfter, anchorStepsPerSec: anchor ?? null } : null,
    ratioDefinition: 'TS steps/s ÷ anchorStepsPerSec, the mean of PyTorch (threads = cores) timed before and after the TypeScript runs',
    results,
  };
}

let attentionRows: AttentionRow[] = [];
if (wants('attention')) {
  await use(best);
  log(`[bench] attention on ${best}, n = ${sizes.join(', ')} …`);
  attentionRows = await benchAttention(sizes, args.quick ? { minMs: 100, repeats: 1 } : { minMs: 600, repeats: 3 });
  const torchRows = (pt.attention?.rows ?? []) as Array<{ n: number; causal: boolean; standardMs: number; tiledMs: number }>;
  report.attention = {
    backend: best,
    block: TILE,
    rows: attentionRows.map((r) => {
      const t = torchRows.find((x) => x.n === r.n && x.causal === r.causal);
      return { ...r, pytorchStandardMs: t?.standardMs ?? null, pytorchTiledMs: t?.tiledMs ?? null, ratio: { standard: ratio(t?.standardMs, r.standardMs), tiled: ratio(t?.tiledMs, r.tiledMs) } };
    }),
  };
}

let generation: GenerationResult | null = null;
if (wants('generation')) {
  await use(best);
  log(`[bench] generation on ${best} …`);
  generation = benchGeneration(args.quick ? { minMs: 150, repeats: 1 } : { minMs: 1500, repeats: 3 });
  const g = pt.generation;
  report.generation = {
    backend: best,
    ...generation,
    pytorch: g ?? null,
    ratio: { withoutCache: ratio(generation.withoutCacheTokensPerSec, g?.withoutCache?.tokensPerSec), withCache: ratio(generation.withCacheTokensPerSec, g?.withCache?.tokensPerSec) },
  };
}
host.loadAfter = load1();

// --- output ---------------------------------------------------------------------------------------
const outDir = join(PROJECT_ROOT, 'report');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);

if (args.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const f = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const lines: string[] = [];
  const row = (...cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  lines.push(`transformer-spec bench — ${host.cores} cores, load ${host.loadBefore.toFixed(1)} → ${f(host.loadAfter, 1)}; PyTorch ${torch.ok ? `${pt.torch}, ${pt.threads} threads` : 'unavailable'}`);
  lines.push('ratio = TypeScript speed ÷ PyTorch speed (> 1: TypeScript faster)');
  lines.push('');
  const train = report['tinygpt-train'] as { pytorch: any; results: Array<TrainResult & { ratio: number | null; ratioVsOneThread: number | null }> } | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (train) {
    row('tinygpt-train', 'backend', 'TS steps/s', 'PyTorch steps/s (before / after → mean)', 'ratio', 'PyTorch 1 thread', 'ratio vs 1 thread');
    row('---', '---', '---:', '---:', '---:', '---:', '---:');
    const anchorCell = `${f(train.pytorch?.stepsPerSec)} / ${f(train.pytorch?.after?.stepsPerSec)} → ${f(train.pytorch?.anchorStepsPerSec)}`;
    for (const r of train.results) row('', r.backend, f(r.stepsPerSec), anchorCell, f(r.ratio), f(train.pytorch?.oneThread?.stepsPerSec), f(r.ratioVsOneThread));
    lines.push('');
  }
  if (attentionRows.length) {
    const rows = (report.attention as { rows: Array<AttentionRow & { pytorchStandardMs: number | null; pytorchTiledMs: number | null; ratio: { standard: number | null; tiled: number | null } }> }).rows;
    row(`attention (${best}, d 64)`, 'n', 'causal', 'standard ms', 'tiled ms', 'tiled/standard time', 'standard memory', 'tiled memory', 'largest tiled tensor', 'PyTorch std / tiled ms', 'ratio std / tiled');
    row('---', '---:', '---', '---:', '---:', '---:', '---:', '---:', '---', '---:', '---:');
    for (const r of rows) {
      row('', String(r.n), r.causal ? 'yes' : 'no', f(r.standardMs, 1), f(r.tiledMs, 1), f(r.tiledMs / r.standardMs), mb(r.standardPeakBytes), mb(r.tiledPeakBytes), `[${r.tiledLargestTensor.join('×')}]`, `${f(r.pytorchStandardMs, 1)} / ${f(r.pytorchTiledMs, 1)}`, `${f(r.ratio.standard)} / ${f(r.ratio.tiled)}`);
    }
    lines.push('');
  }
  if (generation) {
    const g = report.generation as { pytorch: any; ratio: { withoutCache: number | null; withCache: number | null } }; // eslint-disable-line @typescript-eslint/no-explicit-any
    row(`generation (${best})`, 'TS tokens/s', 'PyTorch tokens/s', 'ratio');
    row('---', '---:', '---:', '---:');
    row('without cache', f(generation.withoutCacheTokensPerSec, 1), f(g.pytorch?.withoutCache?.tokensPerSec, 1), f(g.ratio.withoutCache));
    row('with cache', f(generation.withCacheTokensPerSec, 1), f(g.pytorch?.withCache?.tokensPerSec, 1), f(g.ratio.withCache));
    lines.push(`cache speed-up ${f(generation.cacheSpeedup)}× (TS); same greedy tokens with and without the cache: ${generation.sameTokens}`);
  }
  if (!torch.ok) lines.push('', `PyTorch anchor unavailable (${torch.reason}).`);
  lines.push('', 'written: report/bench.json');
  process.stdout.write(`${lines.join('\n')}\n`);
}
