/**
 * `transformer-spec verify` (what `npm start` runs): every golden claim on every implementation it
 * lists — the float64 reference, the 64-digit BigNumber oracle and TensorFlow.js on the best
 * available backend — judged against its record. Prints a table, writes the report, and exits 1
 * if any derived verdict differs from the one recorded in golden/.
 *
 * The report is a set of three files written together (src/core/atomic-write.ts: all new or all
 * old), and only a complete run replaces the full report:
 *
 *   run                                         files (in --out DIR, default report/)
 *   every claim, every one evaluated            claims.json, index.html, report.md
 *   every claim, some could not be evaluated    claims.degraded.json, index.degraded.html,
 *     (an input such as ../shared is missing)     report.degraded.md  — beside the full report
 *   --only PREFIX                               claims.only.json  — beside the full report
 *
 * Each claims*.json says what it is in "scope". A claim that is not judged (rule 6 below) is not
 * a failure to evaluate: it does not make a run degraded. The output folder is checked before any
 * claim runs, so a bad --out fails at once (exit 2) instead of after the work.
 *
 * A reproduction claim whose recorded run is absent (a fresh checkout; CI) is NOT JUDGED
 * (golden/README.md, rule 6): it counts as neither confirmed nor failed, the summary line gives
 * the number, and one line per claim names the missing file and the command that records it.
 * The exit code is 0 when every judged claim is confirmed; --require-evidence makes a claim that
 * was not judged fail too (for a release check after `npm run reproduce`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkWritable, writeFileSet, type OutputFile } from '../core/atomic-write.js';
import { initBackend, isBrowserBackend, parseBackendChoice, type BackendReport } from '../core/backend.js';
import { ArgumentError } from '../core/errors.js';
import { openBrowserSession, targetLabel, type BrowserSession, type BrowserTarget } from '../browser/runner.js';
import { loadClaims, PROJECT_ROOT, type GoldenClaim, type ImplName } from '../core/claims.js';
import { DOCUMENTS } from '../core/documents.js';
import { describeCheck, expectationText, type ClaimOutcome } from '../claims/verdict.js';
import { criterionText } from '../core/check-text.js';
import { highPrecisionImpl, referenceImpl, tfjsImpl, type ArrayImpl } from '../ops/implementations.js';
import { implementationsOf, runClaim } from '../claims/run.js';
import { evidenceSummary } from '../claims/reproduction-evidence.js';
import { buildCoverage } from '../report/coverage.js';
import { buildFigures } from '../report/figures.js';
import { readMutationReport } from '../report/mutation.js';
import { renderHtml, renderMarkdown, reportOnlyChanges } from '../report/render.js';
import type { ClaimReport, RecordedCheck, ReportScope, VerifyReport } from '../report/types.js';
import type { Io } from './format.js';

export type { ClaimReport, RecordedCheck, ReportScope, VerifyReport } from '../report/types.js';

/**
 * The tfjs backends a run judges the claims on, in column order. Node's own (gpu, tensorflow,
 * wasm, cpu: one tfjs instance, switched between passes) and the browser's (webgl, webgpu, and
 * webgl-f16 — WebGL with 16-bit textures, a column that only reports: src/browser/runner.ts).
 */
export type TfjsTarget = { kind: 'node'; requested: string | undefined } | { kind: 'browser'; target: BrowserTarget };

export function parseBackends(list: string | undefined): TfjsTarget[] {
  const items = list === undefined ? [process.env.TFJS_BACKEND] : list.split(',').map((x) => x.trim());
  if (list !== undefined && items.some((x) => x === '')) throw new ArgumentError(`--backends needs a comma-separated list such as wasm,webgl,webgpu, got "${list}"`);
  const targets = items.map((x): TfjsTarget => {
    if (x === 'webgl-f16') return { kind: 'browser', target: { backend: 'webgl', f16: true } };
    const choice = parseBackendChoice(x);
    if (choice && isBrowserBackend(choice)) return { kind: 'browser', target: { backend: choice } };
    return { kind: 'node', requested: x };
  });
  const labels = targets.map((t) => (t.kind === 'browser' ? targetLabel(t.target) : parseBackendChoice(t.requested) ?? 'auto'));
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice) throw new ArgumentError(`--backends lists ${twice} twice`);
  return targets;
}

export async function verifyClaims(filter?: (c: GoldenClaim) => boolean, targets: TfjsTarget[] = parseBackends(undefined)): Promise<VerifyReport> {
  const claims = loadClaims().filter(filter ?? (() => true));
  const outcomes = new Map<string, ClaimOutcome[]>(claims.map((c) => [c.id, []]));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const run = async (name: ImplName, impl: ArrayImpl<any>, reportOnly = false) => {
    for (const claim of claims) {
      if (!implementationsOf(claim).includes(name)) continue;
      const o = await runClaim(claim, impl); // one at a time: tfjs calls must not overlap
      outcomes.get(claim.id)!.push(reportOnly ? { ...o, reportOnly } : o);
    }
  };
  await run('reference', referenceImpl);
  await run('high-precision', highPrecisionImpl);
  const backends: BackendReport[] = [];
  let session: BrowserSession | null = null;
  try {
    for (const t of targets) {
      if (t.kind === 'node') {
        const backend = await initBackend(t.requested);
        backends.push(backend);
        await run('tfjs', tfjsImpl(backend));
        continue;
      }
      session ??= await openBrowserSession();
      const b = await session.open(t.target);
      backends.push({ ...b.report, summary: `${b.report.summary}${t.target.f16 ? ' — report only: never fails the run' : ''}` });
      for (const claim of claims) {
        if (!implementationsOf(claim).includes('tfjs')) continue;
        const o = await b.runClaim(claim);
        outcomes.get(claim.id)!.push(t.target.f16 ? { ...o, reportOnly: true } : o);
      }
    }
  } finally {
    await session?.close();
  }
  const reports: ClaimReport[] = [];
  for (const claim of claims) {
    const os = outcomes.get(claim.id)!;
    const judged = os.filter((o) => !o.reportOnly);
    reports.push({
      id: claim.id,
      topic: claim.topic,
      inventory: claim.inventory,
      citation: [{ document: claim.document, section: claim.section }, ...(claim.alsoIn ?? [])].map((c) => ({ ...c, title: DOCUMENTS[c.document].title })),
      title: claim.title,
      statement: claim.statement,
      kind: claim.kind,
      assumptions: claim.assumptions,
      verdict: claim.verdict,
      erratum: claim.erratum,
      confirmed: judged.every((o) => o.confirmed),
      notJudged: judged.length > 0 && judged.every((o) => o.derived === 'not-judged'),
      ...(claim.kind === 'reproduction' ? { evidence: evidenceSummary(claim) } : {}),
      checks: claim.checks.map((k): RecordedCheck => ({ ...describeCheck(k), ...(k.correct ? { correct: { expected: expectationText(k.correct), criterion: criterionText(k.correct) } } : {}) })),
      outcomes: os,
    });
  }
  const backend = backends[0] ?? (await initBackend());
  return {
    generatedAt: new Date().toISOString(),
    backend,
    backends,
    totals: {
      claims: reports.length,
      confirmed: reports.filter((r) => r.confirmed).length,
      notJudged: reports.filter((r) => r.notJudged).length,
      holds: reports.filter((r) => r.verdict === 'holds').length,
      holdsUnderAssumption: reports.filter((r) => r.verdict === 'holds-under-assumption').length,
      errata: reports.filter((r) => r.verdict === 'erratum').length,
      runs: reports.reduce((s, r) => s + r.outcomes.filter((o) => !o.reportOnly).length, 0),
    },
    claims: reports,
  };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const fmtErr = (e: number | null) => (e === null ? '—' : e === 0 ? '0' : e.toExponential(1));

export function formatTable(report: VerifyReport): string {
  const rows = report.claims.map((c) => {
    const ref = c.outcomes.find((o) => o.impl === 'reference') ?? c.outcomes[0];
    // the first check the document printed a value for; a derived check says so
    const first = ref.checks.find((k) => k.document !== null) ?? ref.checks[0];
    const said = first ? (first.document !== null ? `${first.label}: ${first.document} ⇢ ${first.computed}` : `${first.label} (derived, ${first.criterion}) ⇢ ${first.computed}`) : ref.notJudged ? 'not judged: no recorded run' : ref.error ?? '';
    const impls = c.outcomes.map((o) => `${o.impl === 'high-precision' ? 'bignum' : o.impl === 'tfjs' ? `tfjs/${o.backend}` : 'ref'}${o.confirmed ? '' : o.derived === 'not-judged' ? '○' : `✗(${o.derived})`}`).join(' ');
    const maxErr = c.outcomes.map((o) => fmtErr(o.maxError)).join('/');
    return [c.confirmed ? '✓' : c.notJudged ? '○' : '✗', c.id, `${c.citation[0].document}: ${clip(c.citation[0].section, 38)}`, c.verdict, clip(said, 64), maxErr, impls];
  });
  const head = ['', 'claim id', 'source', 'verdict', 'the document says ⇢ computed (first check, reference)', 'max |Δ| ref/…', 'implementations'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The files of a report of this kind, in `out`. */
export function reportPaths(out: string, kind: ReportScope['kind']): { claims: string; html?: string; markdown?: string } {
  if (kind === 'subset') return { claims: join(out, 'claims.only.json') };
  const tag = kind === 'degraded' ? '.degraded' : '';
  return { claims: join(out, `claims${tag}.json`), html: join(out, `index${tag}.html`), markdown: join(out, `report${tag}.md`) };
}

/**
 * The scope of a run: subset when filtered; degraded when a claim could not be evaluated (its
 * evaluator threw — not a claim left unjudged for want of a recorded run); else full.
 */
export function scopeOf(report: VerifyReport, only: string | undefined, registry: number): ReportScope {
  if (only !== undefined) return { kind: 'subset', only, claims: report.claims.length, registry };
  // a report-only column (half precision) that errs is a finding about float16, not a claim that could not run
  const couldNotRun = report.claims.flatMap((c) => c.outcomes.filter((o) => o.derived === 'error' && !o.notJudged && !o.reportOnly).map((o) => ({ id: c.id, impl: o.impl, error: o.error ?? 'error' })));
  return couldNotRun.length ? { kind: 'degraded', couldNotRun } : { kind: 'full' };
}

/**
 * Writes a report as one set (all new or all old): claims JSON, and for a run over every claim the
 * HTML and Markdown pages. Returns the paths written.
 * @throws FileAccessError naming the file that could not be written; the previous set is then intact
 */
export async function writeVerifyReport(report: VerifyReport, out: string, scope: ReportScope): Promise<string[]> {
  const paths = reportPaths(out, scope.kind);
  const gpuFile = join(PROJECT_ROOT, 'report', 'gpu-op-errors.json'); // written by npm run test:gpu
  const gpuOpErrors = existsSync(gpuFile) ? (JSON.parse(readFileSync(gpuFile, 'utf8')) as VerifyReport['gpuOpErrors']) : undefined;
  const withScope: VerifyReport = { ...report, scope, ...(gpuOpErrors ? { gpuOpErrors } : {}) };
  const files: OutputFile[] = [{ path: paths.claims, data: JSON.stringify(withScope, null, 2) }];
  if (paths.html && paths.markdown) {
    // The human-readable report covers the whole registry, so it is written only for runs over every claim.
    const figures = await buildFigures();
    const coverage = buildCoverage(report.claims.map((c) => c.id), (id) => report.claims.find((c) => c.id === id)!.outcomes.map((o) => (o.impl === 'tfjs' ? `tfjs/${o.backend}` : o.impl)));
    const mutation = readMutationReport(); // report/mutation.json, when `npm run mutate -- --all` has written it
    files.push({ path: paths.html, data: renderHtml(withScope, figures, coverage, mutation) }, { path: paths.markdown, data: renderMarkdown(withScope, figures, coverage, mutation) });
  }
  writeFileSet(files);
  return files.map((f) => f.path);
}

function usage(): string {
  return 'usage: transformer-spec verify [--json] [--out DIR] [--only PREFIX] [--backends LIST] [--require-evidence]\n  --json              print the report as JSON on stdout instead of the table\n  --out DIR           where to write the report (default: report/; --only writes claims.only.json there)\n  --only PREFIX       run only claims whose id starts with PREFIX\n  --backends LIST     judge every tfjs claim on each listed backend, one column each: wasm, cpu, tensorflow, gpu (Node),\n                      webgl, webgpu (headless Chromium), webgl-f16 (WebGL with 16-bit textures: reported, never fails the run)\n  --require-evidence  a reproduction claim without its recorded run fails instead of going unjudged';
}

/** Standard output and error, for callers that pass no Io. */
const CONSOLE: Io = { out: (t) => console.log(t), err: (t) => console.error(t) };

export async function runVerify(argv: string[], io: Io = CONSOLE): Promise<number> {
  let json = false;
  let out = join(PROJECT_ROOT, 'report');
  let only: string | undefined;
  let requireEvidence = false;
  let backendList: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--require-evidence') requireEvidence = true;
    else if (a === '--out' || a === '--only' || a === '--backends') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) {
        io.err(`error: ${a} needs a value\n${usage()}`);
        return 2;
      }
      if (a === '--out') out = v;
      else if (a === '--backends') backendList = v;
      else only = v;
    } else if (a === '--help' || a === '-h') {
      io.out(usage());
      return 0;
    } else {
      io.err(`error: unknown option ${a}\n${usage()}`);
      return 2;
    }
  }
  const started = performance.now();
  // Before any claim runs: the folder must take the files this run will write.
  const planned = reportPaths(out, only ? 'subset' : 'full');
  checkWritable([planned.claims, ...(planned.html ? [planned.html, planned.markdown!] : [])]);
  const registry = loadClaims().length;
  let targets: TfjsTarget[];
  try {
    targets = parseBackends(backendList);
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n${usage()}`);
    return 2;
  }
  const report = await verifyClaims(only ? (c) => c.id.startsWith(only) : undefined, targets);
  if (only && report.claims.length === 0) {
    io.err(`error: no claim id starts with "${only}"`);
    return 2;
  }
  const scope = scopeOf(report, only, registry);
  report.scope = scope; // --json prints what the file holds
  const written = await writeVerifyReport(report, out, scope);
  const t = report.totals;
  if (json) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    io.out(formatTable(report));
    io.out(`\n${summaryLine(report)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const backends = report.backends?.length ? report.backends : [report.backend];
    if (backends.length === 1) io.out(`tfjs backend: ${report.backend.summary}`);
    else for (const line of backendLines(report)) io.out(line);
    const f16 = reportOnlyChanges(report);
    if (report.claims.some((c) => c.outcomes.some((o) => o.reportOnly))) {
      io.out(`half precision (report only, never fails the run): ${f16.length ? `${f16.length} claims change their verdict in float16 — ${f16.map((x) => `${x.id} (${x.derived})`).join(', ')}` : 'every claim keeps its verdict in float16'}`);
    }
    for (const c of report.claims.filter((x) => x.notJudged)) {
      const why = c.outcomes.find((o) => o.notJudged)?.notJudged ?? '';
      io.out(`\n○ ${c.id}: not judged — ${why}${requireEvidence ? ' (--require-evidence: counted as a failure)' : ''}`);
    }
    for (const c of report.claims.filter((x) => !x.confirmed && !x.notJudged)) {
      for (const o of c.outcomes.filter((x) => !x.confirmed)) {
        io.out(`\n✗ ${c.id} on ${o.impl}${o.impl === 'tfjs' ? `/${o.backend}` : ''}: recorded ${o.recorded}, derived ${o.derived}${o.error ? ` — ${o.error}` : ''}`);
        for (const ch of o.checks.filter((k) => !k.result.ok)) io.out(`    ${ch.label}: ${ch.result.detail}${ch.correct ? ` | against the correct value: ${ch.correct.result.ok ? 'ok' : ch.correct.result.detail}` : ''}`);
      }
    }
    if (scope.kind === 'degraded') {
      const first = scope.couldNotRun[0];
      io.out(`\n${new Set(scope.couldNotRun.map((x) => x.id)).size} claims could not be evaluated (first: ${first.id} on ${first.impl}: ${first.error}); this degraded report is written beside the full one, which is left as it was`);
    } else if (scope.kind === 'subset') {
      io.out(`\n--only ${scope.only}: ${scope.claims} of ${scope.registry} claims; written beside the full report, which is left as it was`);
    }
    io.out(`\nreport written to ${written.join(', ')}`);
  }
  return t.confirmed + (requireEvidence ? 0 : t.notJudged) === t.claims ? 0 : 1;
}

/** One line per tfjs backend: its claims confirmed, and what it is ("tfjs/webgpu: 91/91 judged confirmed — webgpu in headless Chromium …"). */
export function backendLines(report: VerifyReport): string[] {
  const labels = [...new Set(report.claims.flatMap((c) => c.outcomes.filter((o) => o.impl === 'tfjs').map((o) => o.backend)))];
  const backends = report.backends ?? [report.backend];
  return labels.map((label, i) => {
    const os = report.claims.flatMap((c) => c.outcomes.filter((o) => o.impl === 'tfjs' && o.backend === label));
    const judged = os.filter((o) => o.derived !== 'not-judged');
    const reportOnly = os.some((o) => o.reportOnly);
    const info = backends[i]?.summary ?? label;
    return `tfjs/${label}: ${judged.filter((o) => o.confirmed).length}/${judged.length} judged verdicts confirmed${reportOnly ? ' (report only)' : ''} — ${info}`;
  });
}

/** "132 claims (…); 284 implementation runs; 130/130 judged verdicts confirmed, 2 not judged (no recorded run)". */
export function summaryLine(report: VerifyReport): string {
  const t = report.totals;
  const judged = t.claims - t.notJudged;
  const notJudged = t.notJudged ? `, ${t.notJudged} not judged (no recorded run: see below)` : '';
  return `${t.claims} claims (${t.holds} hold, ${t.holdsUnderAssumption} hold under a stated assumption, ${t.errata} errata); ${t.runs} implementation runs; ${t.confirmed}/${judged} ${t.notJudged ? 'judged ' : ''}verdicts confirmed${notJudged}`;
}
