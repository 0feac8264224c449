/**
 * Mutation testing for contributors and for the report (issue 17): StrykerJS plants small
 * realistic bugs (mutants: `<` for `<=`, `-` for `+`, a dropped statement, a changed constant …)
 * in one op's source files, runs only the specs that stand behind that op
 * (scripts/mutation-targets.ts) against each mutant, and reports which mutants no spec noticed.
 *
 *   npm run mutate -- src/reference/softmax.ts     one file, against its op's specs
 *   npm run mutate -- softmax                      an op: all its files (reference and tfjs)
 *   npm run mutate -- --all                        every op of MUTATION_TARGETS, in order; each op's
 *                                                  result goes into report/mutation.json as it finishes
 *   npm run mutate -- --reclassify                 re-apply scripts/equivalent-mutants.json to the survivors
 *                                                  recorded in report/mutation.json (no new run)
 *   options: --record (also write report/mutation.json for a single op or file), --runs N
 *            (PROPERTY_RUNS for the specs; default the suite's 100), --concurrency N (default 2),
 *            --no-typecheck (skip Stryker's TypeScript checker: faster, mutants that do not
 *            type-check then count as killed by a runtime error instead of being discarded)
 *
 * Score = killed / (killed + survived + no coverage), timeouts counting as killed (an infinite loop
 * is a caught bug) and mutants that do not type-check left out (Stryker's definition). Mutants
 * listed in scripts/equivalent-mutants.json — each with the reason no spec can tell it from the
 * original — are left out of the score and printed separately.
 *
 * Not part of `npm test` (minutes per op); .ci/run runs `--all` only when TRANSFORMER_SPEC_MUTATE=1.
 * Stryker copies the project into .stryker-tmp/ (git-ignored, excluded from vitest) and removes it.
 */
import { readFileSync } from 'node:fs';
import { resolve, relative } from 'node:path';
import { writeFileAtomic } from '../src/core/atomic-write.js';
import { MUTATION_REPORT_PATH, type MutantSummary, type MutationReport, type OpMutationResult } from '../src/report/mutation.js';
import { MUTATION_TARGETS, opOfFile, specGlob, type MutationOp } from './mutation-targets.js';

interface StrykerMutant {
  id: string;
  fileName: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  statusReason?: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
  killedBy?: string[];
}

export interface EquivalentMutant {
  file: string;
  mutator: string;
  /** The source text Stryker replaced. */
  original: string;
  replacement: string;
  reason: string;
}

const EQUIVALENTS = 'scripts/equivalent-mutants.json';

function parseArgs(argv: string[]) {
  const o = { all: false, reclassify: false, record: false, typecheck: true, concurrency: 2, runs: undefined as number | undefined, targets: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--all') o.all = true;
    else if (a === '--reclassify') o.reclassify = true;
    else if (a === '--record') o.record = true;
    else if (a === '--no-typecheck') o.typecheck = false;
    else if (a === '--concurrency' || a === '--runs') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs an integer ≥ 1, got ${argv[i]}`);
      if (a === '--runs') o.runs = v;
      else o.concurrency = v;
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.targets.push(a);
  }
  if (!o.all && !o.reclassify && o.targets.length === 0) throw new Error('usage: npm run mutate -- <source file | op> … | --all   (ops: ' + Object.keys(MUTATION_TARGETS).join(', ') + ')');
  return o;
}

/** The op and the files to mutate for a command-line target (a source file or an op name). */
function resolveTarget(target: string): { op: MutationOp; files: string[] } {
  if (target in MUTATION_TARGETS) return { op: target as MutationOp, files: [...MUTATION_TARGETS[target as MutationOp].files] };
  const file = relative(process.cwd(), resolve(target));
  const op = opOfFile(file);
  if (!op) throw new Error(`${target}: not in scripts/mutation-targets.ts — add a row naming the specs that must kill its mutants (ops: ${Object.keys(MUTATION_TARGETS).join(', ')})`);
  return { op, files: [file] };
}

function loadEquivalents(): EquivalentMutant[] {
  return JSON.parse(readFileSync(EQUIVALENTS, 'utf8')).mutants as EquivalentMutant[];
}

/** The source text a mutant replaced (Stryker's report locations: lines and columns from 1). */
function originalText(sources: Map<string, string[]>, m: StrykerMutant, file: string): string {
  if (!sources.has(file)) sources.set(file, readFileSync(file, 'utf8').split('\n'));
  const lines = sources.get(file)!;
  const { start, end } = m.location;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join('\n');
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const short = (s: string, n = 90) => (squash(s).length > n ? `${squash(s).slice(0, n - 1)}…` : squash(s));

export function summarise(op: string, files: string[], mutants: StrykerMutant[], equivalents: EquivalentMutant[], seconds: number, propertyRuns: number): OpMutationResult {
  const sources = new Map<string, string[]>();
  const target = MUTATION_TARGETS[op as MutationOp];
  const r: OpMutationResult = {
    op,
    files,
    specs: [...target.specs],
    claims: [...target.claims],
    killed: 0,
    timeout: 0,
    survived: 0,
    noCoverage: 0,
    compileErrors: 0,
    runtimeErrors: 0,
    equivalent: [],
    survivors: [],
    score: null,
    seconds,
    propertyRuns,
    date: new Date().toISOString(),
  };
  for (const m of mutants) {
    const file = relative(process.cwd(), m.fileName);
    const summary: MutantSummary = { file, line: m.location.start.line, mutator: m.mutatorName, original: short(originalText(sources, m, file), 200), replacement: short(m.replacement ?? '', 200), status: m.status };
    if (m.status === 'Killed') r.killed += 1;
    else if (m.status === 'Timeout') r.timeout += 1;
    else if (m.status === 'CompileError') r.compileErrors += 1;
    else if (m.status === 'RuntimeError') r.runtimeErrors += 1;
    else if (m.status === 'Survived' || m.status === 'NoCoverage') {
      const eq = equivalents.find((e) => e.file === file && e.mutator === m.mutatorName && squash(e.original) === squash(originalText(sources, m, file)) && squash(e.replacement) === squash(m.replacement ?? ''));
      if (eq) r.equivalent.push({ ...summary, reason: eq.reason });
      else {
        if (m.status === 'Survived') r.survived += 1;
        else r.noCoverage += 1;
        r.survivors.push(summary);
      }
    }
  }
  const scored = r.killed + r.timeout + r.survived + r.noCoverage;
  r.score = scored === 0 ? null : Math.round((1000 * (r.killed + r.timeout)) / scored) / 10;
  r.survivors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return r;
}

function print(r: OpMutationResult): void {
  const scored = r.killed + r.timeout + r.survived + r.noCoverage;
  console.log(`\n${r.op}: mutation score ${r.score === null ? 'n/a' : `${r.score}%`} — ${r.killed + r.timeout} of ${scored} mutants killed (${r.timeout} by timeout), ${r.survived} survived, ${r.noCoverage} not covered; ${r.equivalent.length} known equivalent, ${r.compileErrors} did not type-check; ${r.seconds.toFixed(0)} s, PROPERTY_RUNS ${r.propertyRuns}`);
  console.log(`  files: ${r.files.join(', ')}`);
  console.log(`  specs: ${r.specs.join(', ')}`);
  for (const s of r.survivors) console.log(`  ${s.status === 'NoCoverage' ? 'NOT COVERED' : 'SURVIVED'}  ${s.file}:${s.line}  ${s.mutator}: ${short(s.original)}  →  ${short(s.replacement)}`);
  for (const s of r.equivalent) console.log(`  equivalent  ${s.file}:${s.line}  ${s.mutator}: ${short(s.original)}  →  ${short(s.replacement)}  (${s.reason})`);
}

function readReport(): MutationReport {
  try {
    return JSON.parse(readFileSync(MUTATION_REPORT_PATH, 'utf8')) as MutationReport;
  } catch {
    return { tool: 'StrykerJS (npm run mutate)', note: '', ops: {} };
  }
}

function record(r: OpMutationResult): void {
  const report = readReport();
  report.tool = 'StrykerJS (npm run mutate)';
  report.note = 'Per op: the score of its mutants against the specs of scripts/mutation-targets.ts; survivors and known-equivalent mutants (scripts/equivalent-mutants.json) listed. Written by npm run mutate -- --all (or --record), op by op as each finishes.';
  report.ops[r.op] = r;
  writeFileAtomic(MUTATION_REPORT_PATH, `${JSON.stringify(report, null, 2)}\n`);
}

async function runOne(op: MutationOp, files: string[], o: ReturnType<typeof parseArgs>, equivalents: EquivalentMutant[]): Promise<OpMutationResult> {
  const { Stryker } = await import('@stryker-mutator/core');
  const specs = MUTATION_TARGETS[op].specs;
  console.log(`\n== mutate ${files.join(', ')}\n   against ${specs.join(', ')}`);
  const started = Date.now();
  const options = {
    testRunner: 'vitest',
    vitest: { configFile: 'vitest.config.ts', related: false },
    testFiles: specs.map(specGlob),
    mutate: files,
    checkers: o.typecheck ? ['typescript'] : [],
    tsconfigFile: 'tsconfig.json',
    coverageAnalysis: 'perTest',
    concurrency: o.concurrency,
    // A mutant in module-level code runs every spec: skip those, the formulas live in functions.
    ignoreStatic: true,
    timeoutMS: 20_000,
    reporters: ['progress'],
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    logLevel: 'warn',
    fileLogLevel: 'off',
    plugins: ['@stryker-mutator/vitest-runner', ...(o.typecheck ? ['@stryker-mutator/typescript-checker'] : [])],
  };
  // logLevel's type is an enum of @stryker-mutator/api; the strings are its values
  const stryker = new Stryker(options as unknown as ConstructorParameters<typeof Stryker>[0]);
  const mutants = (await stryker.runMutationTest()) as unknown as StrykerMutant[];
  return summarise(op, files, mutants, equivalents, (Date.now() - started) / 1000, Number(process.env.PROPERTY_RUNS ?? 100));
}

/** Moves recorded survivors that the equivalents list now names into `equivalent`, and rescores. */
export function reclassify(r: OpMutationResult, equivalents: readonly EquivalentMutant[]): OpMutationResult {
  const isEquivalent = (m: MutantSummary) => equivalents.find((e) => e.file === m.file && e.mutator === m.mutator && squash(e.original) === squash(m.original) && squash(e.replacement) === squash(m.replacement));
  const out: OpMutationResult = { ...r, survivors: [], equivalent: [...r.equivalent] };
  for (const m of r.survivors) {
    const eq = isEquivalent(m);
    if (!eq) {
      out.survivors.push(m);
      continue;
    }
    out.equivalent.push({ ...m, reason: eq.reason });
    if (m.status === 'Survived') out.survived -= 1;
    else out.noCoverage -= 1;
  }
  const scored = out.killed + out.timeout + out.survived + out.noCoverage;
  out.score = scored === 0 ? null : Math.round((1000 * (out.killed + out.timeout)) / scored) / 10;
  return out;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.reclassify) {
    const report = readReport();
    const equivalents = loadEquivalents();
    for (const r of Object.values(report.ops)) {
      const again = reclassify(r, equivalents);
      print(again);
      record(again);
    }
    return;
  }
  if (o.runs !== undefined) process.env.PROPERTY_RUNS = String(o.runs);
  const equivalents = loadEquivalents();
  const jobs = o.all ? (Object.keys(MUTATION_TARGETS) as MutationOp[]).map((op) => ({ op, files: [...MUTATION_TARGETS[op].files] })) : o.targets.map(resolveTarget);
  const results: OpMutationResult[] = [];
  for (const job of jobs) {
    const r = await runOne(job.op, job.files, o, equivalents);
    print(r);
    // A file-only run records nothing: the op's score covers all its files.
    if (o.all || (o.record && job.files.length === MUTATION_TARGETS[job.op].files.length)) record(r);
    results.push(r);
  }
  if (results.length > 1) {
    console.log('\nop                   score    killed/scored  survivors  equivalent  seconds');
    for (const r of results) console.log(`${r.op.padEnd(20)} ${(r.score === null ? 'n/a' : `${r.score}%`).padStart(6)}   ${String(r.killed + r.timeout).padStart(6)}/${String(r.killed + r.timeout + r.survived + r.noCoverage).padEnd(6)}  ${String(r.survivors.length).padStart(9)}  ${String(r.equivalent.length).padStart(10)}  ${r.seconds.toFixed(0).padStart(7)}`);
  }
}

main().catch((e: unknown) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(2);
});
