/**
 * `npm run bench` arguments, checked before anything runs (the PyTorch anchor takes minutes):
 * option names, the benchmark and backend names, and that the output file can be written.
 *
 * A full run writes report/bench.json; a partial one writes beside it, so a smoke run never
 * replaces a measurement: --quick → report/bench.quick.json, --only NAME → report/bench.only.json.
 */
import { join } from 'node:path';
import { parseArgs, parseChoiceOption, UsageError } from '../../src/cli/args.js';
import { checkWritable } from '../../src/core/atomic-write.js';
import { BACKEND_ORDER, type BackendChoice } from '../../src/core/backend.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';

export const BENCHMARKS = ['tinygpt-train', 'attention', 'generation'] as const;
export type BenchName = (typeof BENCHMARKS)[number];

export const BENCH_USAGE = `usage: npm run bench -- [--json] [--only ${BENCHMARKS.join('|')}] [--backend ${BACKEND_ORDER.join('|')}] [--quick]`;

export interface BenchArgs {
  json: boolean;
  only?: BenchName;
  backend?: BackendChoice;
  quick: boolean;
  /** What the run measures: everything, a smoke run, or one benchmark. Recorded in the JSON. */
  mode: 'full' | 'quick' | 'only';
  /** Where the report goes (see the module header). */
  outFile: string;
}

/**
 * @throws UsageError for an unknown option, benchmark or backend name; FileAccessError when the
 *   report cannot be written (checked by creating and removing a probe file)
 */
export function parseBenchArgs(argv: readonly string[], reportDir = join(PROJECT_ROOT, 'report')): BenchArgs {
  const parsed = parseArgs(argv, { json: { type: 'boolean' }, only: { type: 'string', valueName: 'NAME' }, backend: { type: 'string', valueName: 'NAME' }, quick: { type: 'boolean' } }, 'bench');
  if (parsed.positionals.length) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
  const only = parsed.options.only === undefined ? undefined : parseChoiceOption(parsed.options.only, 'only', BENCHMARKS);
  // Names are checked here; whether the backend can start, once the backends are tried.
  const backend = parsed.options.backend === undefined ? undefined : parseChoiceOption(parsed.options.backend, 'backend', BACKEND_ORDER);
  const quick = !!parsed.options.quick;
  const mode = quick ? 'quick' : only !== undefined ? 'only' : 'full';
  const outFile = join(reportDir, mode === 'full' ? 'bench.json' : `bench.${mode}.json`);
  checkWritable([outFile]);
  return { json: !!parsed.options.json, ...(only ? { only } : {}), ...(backend ? { backend } : {}), quick, mode, outFile };
}
